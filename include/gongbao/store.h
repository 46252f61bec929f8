/*
 * gongbao/store.h: the LMDB environment that holds a ledger.
 *
 * One environment (a directory with data.mdb and lock.mdb) holds five named
 * databases, all changed together in one write transaction:
 *   entries  u64 BE index        -> entry bytes          (MDB_APPEND)
 *   nodes    u64 BE stored index -> 32-byte hash         (MDB_APPEND; merkle.h)
 *   ids      signer 0x00 id      -> u64 BE index || SHA-256(entry)
 *   meta     name                -> value                (format, origin, log key)
 *   state    key 0x00 u64 BE version -> value            (derived state, opaque here)
 * State keys are versioned: each put is stored as of the entry index that
 * made it, and a read asks for the value as of an index, so any report can
 * be taken as of any earlier point without replaying the log.
 * The store knows nothing of what entries mean: rules and state encodings
 * belong to the callers. Every failure maps to a GB_E* code; an LMDB map
 * that fills up is GB_EMAPFULL and the transaction must then be aborted.
 */
#ifndef GONGBAO_STORE_H
#define GONGBAO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The "format" meta value of a gongbao ledger. */
#define GB_STORE_FORMAT "gongbao-ledger-v1"
/* Default LMDB map size: the most the data file may grow to. */
#define GB_STORE_MAP_DEFAULT ((size_t)16 << 30)
/* Longest key in the ids, meta and state databases (LMDB's default limit). */
#define GB_STORE_KEY_MAX 511

enum gb_store_flags {
	GB_STORE_CREATE = 1,    /* make a new, empty store; the directory may exist but hold no ledger */
	GB_STORE_RDONLY = 2,    /* open read-only */
	GB_STORE_NOSYNC = 4     /* commits are not flushed to disk (MDB_NOSYNC): for
	                         * throwaway stores such as the audit's replay */
};

typedef struct gb_store gb_store;

/* A transaction. Use from the thread that began it. */
typedef struct gb_txn {
	gb_store *store;
	void *mdb_txn;          /* MDB_txn * */
	int rdonly;
} gb_txn;

/*
 * Opens (or, with GB_STORE_CREATE, creates) the store in directory `dir`.
 * map_bytes of 0 means GB_STORE_MAP_DEFAULT. Returns 0, GB_ENOLEDGER (no
 * directory or no ledger in it), GB_EEXIST (CREATE over an existing ledger),
 * GB_ECORRUPT (not an LMDB file, or not a gongbao ledger), or GB_ELMDB.
 * On success the caller owns *out and frees it with gb_store_close().
 */
int gb_store_open(const char *dir, int flags, size_t map_bytes, gb_store **out,
	gb_err *err);

/* Closes the store. No transaction may be open. NULL is allowed. */
void gb_store_close(gb_store *st);

/* Begins a transaction (one write transaction at a time, process-wide). */
int gb_txn_begin(gb_store *st, int rdonly, gb_txn *txn, gb_err *err);

/* Commits durably (fsync). Afterwards the transaction is gone either way. */
int gb_txn_commit(gb_txn *txn, gb_err *err);

/* Aborts. Safe to call on a transaction that was never begun (mdb_txn NULL). */
void gb_txn_abort(gb_txn *txn);

/* Number of entries: one past the last index, 0 when empty. */
int gb_store_entry_count(gb_txn *txn, uint64_t *count, gb_err *err);

/*
 * Appends entry `index`, which must be the current count. Returns 0,
 * GB_EMAPFULL or GB_ELMDB.
 */
int gb_store_entry_append(gb_txn *txn, uint64_t index, const uint8_t *p,
	size_t len, gb_err *err);

/*
 * Reads entry `index`. *p points into the map and stays valid until the
 * transaction ends. Returns 0, GB_ERANGE (no such entry) or GB_ELMDB.
 */
int gb_store_entry_get(gb_txn *txn, uint64_t index, const uint8_t **p,
	size_t *len, gb_err *err);

/*
 * Reads up to `max` consecutive entries from index `from` into out (room
 * for max) with one cursor: one B-tree descent for the first and a step
 * for each next one, where gb_store_entry_get costs a descent per entry.
 * out[i] is entry from + i and points into the map, valid until the
 * transaction ends. *count is how many were read; fewer than max with a
 * return of 0 means that entry from + *count is missing (or is the entry
 * count). Returns 0, GB_ECORRUPT (a key that is not 8 bytes follows entry
 * from + *count - 1) or GB_ELMDB.
 */
int gb_store_entry_range(gb_txn *txn, uint64_t from, size_t max, gb_bytes *out,
	size_t *count, gb_err *err);

/* Number of stored Merkle hashes. */
int gb_store_node_count(gb_txn *txn, uint64_t *count, gb_err *err);

/* Appends the stored hash with the next stored index. */
int gb_store_node_append(gb_txn *txn, uint64_t stored_index,
	const uint8_t hash[GB_HASH_BYTES], gb_err *err);

/* A gb_merkle_reader over the store: ctx is a gb_txn *. */
int gb_store_node_read(void *ctx, uint64_t stored_index, uint8_t out[GB_HASH_BYTES]);

/* A gb_merkle_writer over the store: ctx is a gb_txn *. */
int gb_store_node_write(void *ctx, uint64_t stored_index,
	const uint8_t hash[GB_HASH_BYTES]);

/* The value stored with an idempotency key. */
typedef struct gb_store_id {
	uint64_t index;
	uint8_t entry_hash[GB_HASH_BYTES];
} gb_store_id;

/* Looks up an idempotency key. Returns 0, GB_ERANGE if absent, or GB_ELMDB. */
int gb_store_id_get(gb_txn *txn, const void *key, size_t key_len,
	gb_store_id *out, gb_err *err);

/*
 * Calls fn for every idempotency key in key order, with its value; stops at
 * fn's first non-zero return, which it returns. GB_ECORRUPT for a value of
 * the wrong size.
 */
int gb_store_id_scan(gb_txn *txn, int (*fn)(void *arg, const uint8_t *key, size_t key_len,
	const gb_store_id *val), void *arg, gb_err *err);

/* Records an idempotency key (which must be new). */
int gb_store_id_put(gb_txn *txn, const void *key, size_t key_len,
	const gb_store_id *val, gb_err *err);

/*
 * Reads a metadata value; *p is valid until the transaction ends.
 * Returns 0, GB_ERANGE if absent, or GB_ELMDB.
 */
int gb_store_meta_get(gb_txn *txn, const char *key, const uint8_t **p, size_t *len,
	gb_err *err);

/* Writes a metadata value, replacing any old one. */
int gb_store_meta_put(gb_txn *txn, const char *key, const void *p, size_t len,
	gb_err *err);

/* A state read for "the newest version". */
#define GB_STORE_LATEST UINT64_MAX

/*
 * Reads state `key` as of entry index `as_of`: the newest version whose
 * index is <= as_of. *p is valid until the next write or the end of the
 * transaction; *version (may be NULL) gets that version's index. Returns 0,
 * GB_ENOTFOUND if the key had no value then, or GB_ELMDB.
 */
int gb_store_state_get(gb_txn *txn, const char *key, uint64_t as_of,
	const uint8_t **p, size_t *len, uint64_t *version, gb_err *err);

/*
 * Finds the greatest state key that starts with `prefix` and is <= `key`
 * (bytewise), and reads its newest value. For the day index: the last day
 * on or before a date. Returns 0, GB_ENOTFOUND, or GB_ELMDB.
 */
int gb_store_state_floor(gb_txn *txn, const char *prefix, const char *key,
	const uint8_t **p, size_t *len, gb_err *err);

/*
 * Calls fn once for every state key that starts with `prefix` ("" for all),
 * in ascending bytewise order of the keys, with its value as of entry index
 * `as_of` (GB_STORE_LATEST for the newest); keys with no version <= as_of
 * are skipped. key and val are valid only during the call, and fn must not
 * write in txn. Stops at fn's first non-zero return and returns it; else 0,
 * GB_ECORRUPT (a stored key that is not key 0x00 version) or GB_ELMDB. Costs
 * one seek per key, however many versions it has.
 */
int gb_store_state_each(gb_txn *txn, const char *prefix, uint64_t as_of,
	int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg,
	gb_err *err);

/*
 * Calls fn once for every stored state version, in ascending bytewise
 * order of (key, version), with all versions of every key: the raw state
 * database, for the audit's comparison of a rebuilt state with a stored
 * one. key and val are valid only during the call, and fn must not write in
 * txn. Stops at fn's first non-zero return and returns it; else 0,
 * GB_ECORRUPT (a stored key that is not key 0x00 version) or GB_ELMDB.
 */
int gb_store_state_scan(gb_txn *txn,
	int (*fn)(void *arg, const char *key, uint64_t version, const uint8_t *val, size_t len),
	void *arg, gb_err *err);

/*
 * Side-by-side walks of two stores (normally two ledgers' stores, `a` and
 * `b`, each in its own read transaction), for comparing one with the
 * other: one LMDB cursor per side moves through a database in key order,
 * and each key found in either is visited once, with its value on each
 * side. A merge join: one cursor step per record of each side and no key
 * search, where a lookup of every key of one side in the other would cost a
 * B-tree descent per key. Each walk stops at fn's first non-zero return and
 * returns it; else it returns 0, GB_ECORRUPT (a database with more records
 * than its count, or as said below) or GB_ELMDB.
 * Pointers passed to fn are valid only during the call, and fn must not
 * write in either transaction.
 */

/*
 * Walks the stored Merkle hashes at stored indexes 0 .. count-1 of a and b
 * (gongbao/merkle.h numbers them): calls fn exactly once per index, in
 * ascending order, with the hash at that index in a and in b, NULL where a
 * side has none or holds a value that is not GB_HASH_BYTES long. Keys that
 * are not 8 bytes name no index and are passed over; the walk stops at the
 * first key at or after count.
 */
int gb_store_node_merge_walk(gb_txn *a, gb_txn *b, uint64_t count,
	int (*fn)(void *arg, uint64_t stored_index, const uint8_t *hash_a, const uint8_t *hash_b),
	void *arg, gb_err *err);

/* One state version met by gb_store_state_merge_walk. */
typedef struct gb_store_state_pair {
	const char *key;        /* NUL-terminated; NULL if the raw key is not key 0x00 version */
	uint64_t version;       /* 0 when key is NULL */
	const uint8_t *raw;     /* the stored key as it is: key 0x00 u64 BE version */
	size_t raw_len;
	const uint8_t *a;       /* the value in a; NULL if a has no such (key, version) */
	size_t a_len;
	const uint8_t *b;       /* the value in b; NULL if b has no such (key, version) */
	size_t b_len;
} gb_store_state_pair;

/*
 * Walks every stored state version of a and b, in ascending bytewise order
 * of (key, version) as gb_store_state_scan does: calls fn once per version
 * present in either. A stored key that is not key 0x00 version (which
 * gb_store_state_put never writes) is passed too, with key NULL and its raw
 * bytes, so that a caller can report it and the walk goes on past it.
 */
int gb_store_state_merge_walk(gb_txn *a, gb_txn *b,
	int (*fn)(void *arg, const gb_store_state_pair *p), void *arg, gb_err *err);

/*
 * Walks every idempotency key of a and b in key order: calls fn once per
 * key present in either, with its value in a and in b (NULL where absent).
 * GB_ECORRUPT (naming the store's directory) for a value that is not
 * 8 + GB_HASH_BYTES long.
 */
int gb_store_id_merge_walk(gb_txn *a, gb_txn *b,
	int (*fn)(void *arg, const uint8_t *key, size_t key_len, const gb_store_id *val_a,
		const gb_store_id *val_b),
	void *arg, gb_err *err);

/*
 * Writes state `key` as of entry index `version` (replacing a value already
 * written at that same version). Returns 0, GB_EMAPFULL or GB_ELMDB.
 */
int gb_store_state_put(gb_txn *txn, const char *key, uint64_t version,
	const void *p, size_t len, gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
