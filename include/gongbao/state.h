/*
 * gongbao/state.h: derived state as the rules and the books see it.
 *
 * A key/value view with string keys ("bal/m/picc-zs/cash", "policy/P-1",
 * ...). The ledger implements it over its LMDB write transaction, keeping
 * every version of every key (spec/TRANSACTIONS.md section 5); the tests use
 * the in-memory gb_memstate. Rules and books never see which.
 */
#ifndef GONGBAO_STATE_H
#define GONGBAO_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest state key, in bytes. */
#define GB_STATE_KEY_MAX 200
/* Largest state value, in bytes. */
#define GB_STATE_VALUE_MAX (1 << 20)

typedef struct gb_state {
	void *ctx;
	/*
	 * Reads the current value of `key`. *val stays valid until the next
	 * put through this state or the end of the transaction. Returns 0,
	 * GB_ENOTFOUND if the key has no value, or another code.
	 */
	int (*get)(void *ctx, const char *key, const uint8_t **val, size_t *len);
	/* Sets `key` to a copy of val[0..len). Returns 0 or a code. */
	int (*put)(void *ctx, const char *key, const void *val, size_t len);
	/*
	 * Optional: NULL for a state that cannot iterate (the ledger's write
	 * view, a test's faulty state). Calls fn for every key that starts
	 * with `prefix` ("" for all), once each, in ascending bytewise order,
	 * with its value; val is valid only during the call, and fn must not
	 * put. Stops at fn's first non-zero return and returns it; else 0 or
	 * the state's own code.
	 */
	int (*each)(void *ctx, const char *prefix,
		int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg);
} gb_state;

/* Convenience wrappers that check the key length (GB_EINVAL if too long). */
int gb_state_get(const gb_state *st, const char *key, const uint8_t **val, size_t *len);
int gb_state_put(const gb_state *st, const char *key, const void *val, size_t len);

/* An int64 value (balances): 8 bytes, big-endian two's complement. Absent reads as 0. */
int gb_state_get_i64(const gb_state *st, const char *key, int64_t *out);
int gb_state_put_i64(const gb_state *st, const char *key, int64_t v);

/*
 * Calls st->each (see above). GB_EINVAL if the state cannot iterate (each
 * is NULL) or the prefix is longer than GB_STATE_KEY_MAX.
 */
int gb_state_each(const gb_state *st, const char *prefix,
	int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg);

/* ---- an in-memory state, for tests and tools ---- */

typedef struct gb_memstate gb_memstate;

/* Makes an empty in-memory state; NULL on out of memory. */
gb_memstate *gb_memstate_new(void);

/* The gb_state view of `ms` (valid while ms lives); it can iterate (each). */
gb_state gb_memstate_state(gb_memstate *ms);

/* Number of keys with a value. */
size_t gb_memstate_count(const gb_memstate *ms);

/* Calls fn for every key in ascending bytewise order; stops at a non-zero return. */
int gb_memstate_each(const gb_memstate *ms,
	int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg);

/* Frees ms and everything in it. NULL is allowed. */
void gb_memstate_free(gb_memstate *ms);

#ifdef __cplusplus
}
#endif
#endif
