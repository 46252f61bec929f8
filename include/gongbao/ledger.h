/*
 * gongbao/ledger.h: the ledger: the pipeline from bytes in to a durable,
 * provable, signed log.
 *
 *   decode + canonical check   (pure; in worker threads)
 *   verify signatures          (in worker threads, all cores)
 *   rules                      (in order, in the write transaction)
 *   append entry, tree nodes, idempotency index, derived state
 *   one durable commit per batch
 *
 * A batch is all or nothing: if any entry in it is rejected, nothing of the
 * batch is stored and the error names the entry. An entry whose (signer, id)
 * is already in the ledger with the same bytes is not stored again: its
 * result carries the existing index and `duplicate` = 1. The same id with
 * different bytes is GB_EIDREUSE.
 *
 * One gb_ledger may be used by one thread at a time. Several processes may
 * open the same ledger: LMDB serialises writers, and every operation reads
 * the size, tree and roster afresh from its own transaction.
 */
#ifndef GONGBAO_LEDGER_H
#define GONGBAO_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/keys.h"
#include "gongbao/merkle.h"
#include "gongbao/rules.h"
#include "gongbao/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most entries in one batch. */
#define GB_BATCH_MAX 16384

typedef struct gb_ledger gb_ledger;

typedef struct gb_ledger_opts {
	size_t map_bytes;       /* LMDB map size; 0 means GB_STORE_MAP_DEFAULT */
	int threads;            /* signature threads; 0 means one per online core */
	int rdonly;             /* open read-only */
	uint64_t clock_s;       /* the clock entries' times are checked against (Unix
	                         * seconds); 0 means the system clock. For tests and
	                         * for loading historical records. */
	int replay;             /* 1: a replay of an existing log (the audit):
	                         * entry times are not checked against any clock,
	                         * since the clock at the original append is not
	                         * known; every other check runs. A ledger
	                         * created for a replay is not synced to disk
	                         * (GB_STORE_NOSYNC): it is meant to be thrown away */
	int mirror;             /* 1: a copy of another log (gongbao mirror): entry
	                         * times are not checked against any clock (the log
	                         * checked them when it appended them; a mirror
	                         * catching up later cannot), every other check
	                         * runs and commits stay durable; an entry whose
	                         * (signer, id, bytes) is already in the ledger is
	                         * GB_EIDREUSE and fails the batch, instead of the
	                         * duplicate result, since a copy that skipped it
	                         * would hold every later entry at another index
	                         * than the log. For create and open alike */
} gb_ledger_opts;

/* What happened to one entry of a batch. */
typedef struct gb_append_result {
	uint64_t index;         /* its index in the log */
	int duplicate;          /* 1 if it was already there (same signer, id, bytes) */
} gb_append_result;

/*
 * Creates a ledger in `dir` (created if missing; must hold no ledger) for
 * the log named `origin` whose checkpoints `log_key` will sign, with
 * `charter` (a signed charter entry) as entry 0. If anything fails, the
 * files it made are removed. On success *out is open (free with
 * gb_ledger_close). opts may be NULL.
 */
int gb_ledger_create(const char *dir, const char *origin, const gb_pubkey *log_key,
	const uint8_t *charter, size_t charter_len, const gb_ledger_opts *opts,
	gb_ledger **out, gb_err *err);

/* Opens an existing ledger. GB_ENOLEDGER, GB_ECORRUPT, ... on failure. */
int gb_ledger_open(const char *dir, const gb_ledger_opts *opts, gb_ledger **out,
	gb_err *err);

/* Closes the ledger; NULL is allowed. */
void gb_ledger_close(gb_ledger *l);

/* The checkpoint origin, and the log's checkpoint verifier key. */
const char *gb_ledger_origin(const gb_ledger *l);
const gb_pubkey *gb_ledger_log_key(const gb_ledger *l);

/* The roster as of the last open or append (participants and keys). */
const gb_roster *gb_ledger_roster(const gb_ledger *l);

/*
 * Sets the clock later appends check entry times against (Unix seconds; 0
 * means the system clock), as gb_ledger_opts.clock_s does at open. For
 * tools that load a simulated or historical year day by day.
 */
void gb_ledger_set_clock(gb_ledger *l, uint64_t clock_s);

/*
 * The store under the ledger, for the audit, which reads the raw databases
 * (entries, tree hashes, state versions) in its own read transactions. The
 * ledger keeps ownership; the caller must not write through it.
 */
struct gb_store *gb_ledger_store(gb_ledger *l);

/* Number of entries in the log. */
int gb_ledger_size(gb_ledger *l, uint64_t *size, gb_err *err);

/*
 * Appends a batch of `count` (1..GB_BATCH_MAX) encoded entries, all or
 * nothing, with one durable commit; fills results[0..count). On failure
 * nothing is stored and err names the batch item ("item 3: ...") when the
 * batch has more than one entry.
 */
int gb_ledger_append(gb_ledger *l, const gb_bytes *entries, size_t count,
	gb_append_result *results, gb_err *err);

/*
 * gb_ledger_append, for callers that want to go on past a rejected entry
 * (the server's group commit): on a rejection, *failed is the index in the
 * batch of the entry rejected and err its reason (without gb_ledger_append's
 * "item N: " prefix); the entries before it passed, and appended again
 * without it they pass again. *failed is `count` when the failure is not one
 * entry's (limits, LMDB, the commit). Nothing is stored on failure.
 */
int gb_ledger_try_append(gb_ledger *l, const gb_bytes *entries, size_t count,
	gb_append_result *results, size_t *failed, gb_err *err);

/*
 * Copies entry `index` into a new buffer (*out, *len; the caller frees it)
 * after checking its bytes against the stored leaf hash. Returns 0,
 * GB_ERANGE, or GB_ECORRUPT if the stored bytes do not match the tree.
 */
int gb_ledger_get(gb_ledger *l, uint64_t index, uint8_t **out, size_t *len,
	gb_err *err);

/*
 * Copies the derived-state value of `key` as of entry index `as_of`
 * (GB_STORE_LATEST for now) into a new buffer (*out, *len; the caller frees
 * it). Returns 0, GB_ENOTFOUND if the key had no value then, or a code.
 */
int gb_ledger_state_get(gb_ledger *l, const char *key, uint64_t as_of, uint8_t **out,
	size_t *len, gb_err *err);

/*
 * A read view of the derived state: opens a read transaction and calls
 * fn(st, arg) once with a gb_state whose get reads each key as of entry
 * index `as_of` (GB_STORE_LATEST for the newest), whose each iterates keys
 * by prefix as of the same index (gb_store_state_each), and whose put fails
 * with GB_EINVAL. Values read through st stay valid until fn returns; the
 * view sees one consistent snapshot however long fn takes. Returns fn's
 * return value (with a generic message in err if fn did not fill it, e.g.
 * through arg) or the code of opening the transaction.
 */
int gb_ledger_read(gb_ledger *l, uint64_t as_of, int (*fn)(const gb_state *st, void *arg),
	void *arg, gb_err *err);

/*
 * The index of the last entry whose time falls on or before the UTC date
 * `yyyymmdd` (e.g. 20260630), for reports "as of" a date. Returns 0, or
 * GB_ENOTFOUND if no entry is that old.
 */
int gb_ledger_index_at_date(gb_ledger *l, uint32_t yyyymmdd, uint64_t *index, gb_err *err);

/*
 * The right edge of the log's tree as it is now (f->size is the log's
 * size), for a caller that hashes entries ahead of appending them (the
 * mirror checks fetched entries against a signed root before it stores them).
 */
int gb_ledger_frontier(gb_ledger *l, gb_merkle_frontier *f, gb_err *err);

/* The tree root after the first `size` entries (size <= the log's size). */
int gb_ledger_root(gb_ledger *l, uint64_t size, uint8_t root[GB_HASH_BYTES],
	gb_err *err);

/*
 * Inclusion proof of entry `index` in the tree of the first `size` entries,
 * with that tree's root and the entry's leaf hash.
 */
int gb_ledger_prove_inclusion(gb_ledger *l, uint64_t index, uint64_t size,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count,
	uint8_t leaf_hash[GB_HASH_BYTES], uint8_t root[GB_HASH_BYTES], gb_err *err);

/* Consistency proof between the trees of size1 and size2 entries, and their roots. */
int gb_ledger_prove_consistency(gb_ledger *l, uint64_t size1, uint64_t size2,
	uint8_t proof[GB_PROOF_MAX][GB_HASH_BYTES], size_t *count,
	uint8_t root1[GB_HASH_BYTES], uint8_t root2[GB_HASH_BYTES], gb_err *err);

/*
 * Signs a checkpoint of the log as it is now with `log_key`, which must be
 * the ledger's log key, and writes the signed note to out.
 */
int gb_ledger_checkpoint(gb_ledger *l, const gb_seckey *log_key, char *out,
	size_t cap, size_t *out_len, gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
