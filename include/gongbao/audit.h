/*
 * gongbao/audit.h: the regulator's audit. Replays a log from entry 0 into a
 * fresh ledger in a temporary directory through the same pipeline as any
 * append (decoding, canonical form, signatures on all cores, key validity,
 * authority, rules, invariants; only entry times are not held against a
 * clock), then compares what it rebuilt with what was stored and with
 * signed checkpoints. spec/AUDIT.md says exactly what is checked.
 *
 * The source is a ledger directory (gb_audit_ledger) or a portable bundle
 * file (gb_audit_bundle, gongbao/bundle.h). Violations are collected in a
 * report, never printed; the audit itself fails (a negative return) only
 * when it cannot run: no temporary directory, an unreadable bundle header,
 * out of memory.
 */
#ifndef GONGBAO_AUDIT_H
#define GONGBAO_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/ledger.h"
#include "gongbao/merkle.h"
#include "gongbao/note.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Violations kept in a report; more are counted, not kept. */
#define GB_AUDIT_KEEP_MAX 1000
/* Longest violation message. */
#define GB_AUDIT_MSG_MAX 400
/* Most checkpoints one audit checks. */
#define GB_AUDIT_CHECKPOINTS_MAX 64
/* A violation that is not about one entry (state, tree, checkpoint). */
#define GB_AUDIT_NO_INDEX UINT64_MAX
/* Entries replayed per batch (one durable commit in the temporary ledger). */
#define GB_AUDIT_BATCH 4096

/* What kind of fact a violation is about. */
enum gb_audit_kind {
	GB_AUDIT_ENTRY = 1,     /* a stored entry: missing, or bytes not matching its leaf hash */
	GB_AUDIT_REPLAY,        /* an entry the pipeline rejects, or stores differently */
	GB_AUDIT_TREE,          /* a stored tree hash or root that differs from the rebuilt one */
	GB_AUDIT_STATE,         /* a stored state version that differs from the rebuilt one */
	GB_AUDIT_CHECKPOINT     /* a checkpoint with a bad signature, origin, size or root */
};

typedef struct gb_audit_violation {
	enum gb_audit_kind kind;
	uint64_t index;         /* the entry index, or GB_AUDIT_NO_INDEX */
	int code;               /* the GB_E* code that names it */
	char msg[GB_AUDIT_MSG_MAX];
} gb_audit_violation;

/* A signed checkpoint to check against the rebuilt tree. */
typedef struct gb_audit_checkpoint {
	const char *name;       /* for messages: the file name */
	const char *note;       /* the signed note */
	size_t len;
} gb_audit_checkpoint;

typedef struct gb_audit_opts {
	uint64_t until;         /* last index to audit; GB_AUDIT_NO_INDEX for all */
	const gb_audit_checkpoint *checkpoints;
	size_t checkpoint_count;        /* at most GB_AUDIT_CHECKPOINTS_MAX */
	const gb_pubkey *vkey;  /* checkpoint key; NULL: the ledger's log key (required for bundles) */
	const char *tmp_dir;    /* where the temporary ledger goes; NULL: $TMPDIR or /tmp */
	int threads;            /* signature threads; 0: one per core */
	/* Called after each replayed batch, if set (progress display). */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
} gb_audit_opts;

typedef struct gb_audit_report {
	char origin[GB_ORIGIN_MAX + 1];
	uint64_t size;          /* entries in the source (the bundle's header size for a bundle) */
	uint64_t audited;       /* entries meant to be replayed: 0..until */
	uint64_t replayed;      /* entries the replay accepted (it stops at the first rejection) */
	uint8_t root[GB_HASH_BYTES];    /* the rebuilt tree's root at `replayed` entries */
	uint64_t state_versions;        /* stored state versions compared */
	uint64_t checkpoints;           /* checkpoints checked */
	uint64_t violation_count;       /* found, including those not kept */
	size_t kept;                    /* violations in v (at most GB_AUDIT_KEEP_MAX) */
	gb_audit_violation *v;          /* owned; free with gb_audit_report_release */
	double replay_s;                /* seconds the replay took */
} gb_audit_report;

/*
 * Audits the open ledger `l` (read only) as described above. On return 0
 * *rep holds the result (violation_count 0 means clean); release it with
 * gb_audit_report_release whatever the return. The temporary ledger is
 * removed before returning.
 */
int gb_audit_ledger(gb_ledger *l, const gb_audit_opts *opts, gb_audit_report *rep,
	gb_err *err);

/*
 * Audits the bundle file at `path` (gongbao/bundle.h): replays its entries
 * and checks its checkpoint and opts' checkpoints against the rebuilt tree
 * with opts->vkey, which is required. There is no stored state or tree to
 * compare. Returns 0 (see *rep), GB_EINVAL without a vkey, GB_EIO or
 * GB_ECORRUPT if the bundle's header cannot be read.
 */
int gb_audit_bundle(const char *path, const gb_audit_opts *opts, gb_audit_report *rep,
	gb_err *err);

/* Frees what the report holds and zeroes it; NULL-safe. */
void gb_audit_report_release(gb_audit_report *rep);

/* A short name for a violation kind ("entry", "replay", "tree", "state", "checkpoint"). */
const char *gb_audit_kind_name(enum gb_audit_kind kind);

#ifdef __cplusplus
}
#endif
#endif
