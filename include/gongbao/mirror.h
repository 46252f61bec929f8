/*
 * gongbao/mirror.h: a verifying copy of a log served by 'gongbao serve'.
 *
 * A mirror trusts nothing the server says until it has checked it:
 *   - the checkpoint must be signed by the log's key (given when the mirror
 *     is made, then kept in the mirror's ledger) for the same origin;
 *   - it must extend the last checkpoint the mirror trusted: never a smaller
 *     tree (a rollback), never another root for the same size, and a
 *     consistency proof from the trusted size to the new one must verify;
 *     nor may it be smaller than the mirror's copy, every entry of which was
 *     proved part of a tree the log signed (a rollback too);
 *   - entries are fetched in chunks; before a chunk is stored, the tree it
 *     makes with the mirror's own entries is proved (consistency proof, or
 *     equal roots at the checkpoint's size) to be a prefix of the signed tree;
 *   - then every entry goes through the same pipeline as on the log
 *     (gb_ledger_append: canonical form, signatures, the charter's keys, every
 *     rule, the derived state), except the clock check (gb_ledger_opts.mirror).
 * Any failure stops the round with nothing unverified stored: what was
 * verified before stays. A mismatch with the signed history is GB_ESPLITVIEW;
 * With witnesses named (distinct public keys: one key under two names is
 * GB_EINVAL, since a cosignature does not sign the name), the server's
 * checkpoint must also carry valid
 * cosignatures (c2sp.org/tlog-cosignature) by at least `quorum` of them, so
 * that a log showing one history to the mirror and another to the world
 * needs the witnesses to collude (GB_ENOTESIG otherwise).
 * An entry the rules refuse is that rule's code (the log accepted an entry
 * gongbao's rules reject: its operator runs other code). The checkpoint last
 * trusted is kept, as the log signed it (with any cosignatures), in
 * DIR/mirror-checkpoint; the format is in spec/MIRROR.md.
 */
#ifndef GONGBAO_MIRROR_H
#define GONGBAO_MIRROR_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/client.h"
#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/ledger.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Entries fetched per request (the server's GB_SERVER_RANGE_MAX). */
#define GB_MIRROR_CHUNK 1000

/* The trusted checkpoint's file, in the mirror's directory. */
#define GB_MIRROR_CHECKPOINT_FILE "mirror-checkpoint"

/* The file a round holds locked (flock), in the mirror's directory. */
#define GB_MIRROR_LOCK_FILE "mirror.lock"

/* Most witnesses a mirror can require cosignatures of. */
#define GB_MIRROR_WITNESSES_MAX 16

/* Whom the mirror trusts for what. */
typedef struct gb_mirror_trust {
	const gb_pubkey *log_key;     /* the log's verifier key; NULL for an existing mirror */
	const gb_pubkey *witnesses;   /* witness keys (alg 0x04), or NULL */
	size_t witness_count;         /* 0..GB_MIRROR_WITNESSES_MAX */
	size_t quorum;                /* cosignatures required, 0..witness_count */
} gb_mirror_trust;

/* What one round did. */
typedef struct gb_mirror_result {
	uint64_t size;                /* the mirror's size after the round */
	uint64_t fetched;             /* entries stored in this round */
	uint64_t trusted_size;        /* size of the checkpoint now trusted */
	uint8_t root[GB_HASH_BYTES];  /* its root */
	int created;                  /* 1 if this round made the mirror */
	size_t cosignatures;          /* valid cosignatures by the witnesses on it */
} gb_mirror_result;

/*
 * One round: brings the mirror in `dir` up to the server's current signed
 * checkpoint, as described above. If `dir` holds no ledger yet, the mirror
 * is made, and trust->log_key (the log's verifier key) is required; for an
 * existing mirror it may be NULL, else it must be the one the mirror keeps
 * (GB_EVKEY). `opts` (may be NULL) gives the map size and threads;
 * its mirror flag is set here. Returns 0, GB_ESPLITVIEW, GB_ENET, a rule's
 * code, GB_ECORRUPT (the mirror's own files, including a trusted checkpoint
 * that does not verify or does not match the mirror's tree), ...
 */
int gb_mirror_sync(gb_client *c, const char *dir, const gb_mirror_trust *trust,
	const gb_ledger_opts *opts, gb_mirror_result *res, gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
