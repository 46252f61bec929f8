/*
 * state.c: the helpers over gb_state, and an in-memory gb_state.
 *
 * The in-memory state is a sorted array of keys: tests and tools only, where
 * clarity beats speed; the ledger's own state is in LMDB (ledger.c).
 */
#include "gongbao/state.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int gb_state_get(const gb_state *st, const char *key, const uint8_t **val, size_t *len)
{
	assert(st != NULL && st->get != NULL);
	if (strlen(key) > GB_STATE_KEY_MAX)
		return GB_EINVAL;
	return st->get(st->ctx, key, val, len);
}

int gb_state_put(const gb_state *st, const char *key, const void *val, size_t len)
{
	assert(st != NULL && st->put != NULL);
	if (strlen(key) > GB_STATE_KEY_MAX || len > GB_STATE_VALUE_MAX)
		return GB_EINVAL;
	return st->put(st->ctx, key, val, len);
}

int gb_state_get_i64(const gb_state *st, const char *key, int64_t *out)
{
	const uint8_t *p;
	size_t len;
	int rc = gb_state_get(st, key, &p, &len);
	if (rc == GB_ENOTFOUND) {
		*out = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (len != 8)
		return GB_ECORRUPT;
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	*out = (int64_t)u;
	return 0;
}

int gb_state_put_i64(const gb_state *st, const char *key, int64_t v)
{
	uint8_t b[8];
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)u;
		u >>= 8;
	}
	return gb_state_put(st, key, b, sizeof b);
}

int gb_state_each(const gb_state *st, const char *prefix,
	int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg)
{
	assert(st != NULL);
	assert(prefix != NULL && fn != NULL);
	if (st->each == NULL || strlen(prefix) > GB_STATE_KEY_MAX)
		return GB_EINVAL;
	return st->each(st->ctx, prefix, fn, arg);
}

struct mem_item {
	char *key;
	uint8_t *val;
	size_t len;
};

struct gb_memstate {
	struct mem_item *items;
	size_t count, cap;
};

/* Index of key, or of where it would go (*found says which). */
static size_t mem_find(const gb_memstate *ms, const char *key, int *found)
{
	size_t lo = 0, hi = ms->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, ms->items[mid].key);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*found = 0;
	return lo;
}

static int mem_get(void *ctx, const char *key, const uint8_t **val, size_t *len)
{
	gb_memstate *ms = ctx;
	int found;
	size_t i = mem_find(ms, key, &found);
	if (!found)
		return GB_ENOTFOUND;
	*val = ms->items[i].val;
	*len = ms->items[i].len;
	return 0;
}

static int mem_put(void *ctx, const char *key, const void *val, size_t len)
{
	gb_memstate *ms = ctx;
	int found;
	size_t i = mem_find(ms, key, &found);
	uint8_t *copy = malloc(len ? len : 1);
	if (copy == NULL)
		return GB_ENOMEM;
	memcpy(copy, val, len);
	if (found) {
		free(ms->items[i].val);
		ms->items[i].val = copy;
		ms->items[i].len = len;
		return 0;
	}
	if (ms->count == ms->cap) {
		size_t cap = ms->cap ? 2 * ms->cap : 64;
		struct mem_item *grown = realloc(ms->items, cap * sizeof *grown);
		if (grown == NULL) {
			free(copy);
			return GB_ENOMEM;
		}
		ms->items = grown;
		ms->cap = cap;
	}
	char *k = strdup(key);
	if (k == NULL) {
		free(copy);
		return GB_ENOMEM;
	}
	memmove(&ms->items[i + 1], &ms->items[i], (ms->count - i) * sizeof ms->items[0]);
	ms->items[i] = (struct mem_item){ k, copy, len };
	ms->count++;
	return 0;
}

/* The keys with `prefix` are one run of the sorted array, from its lower bound. */
static int mem_each(void *ctx, const char *prefix,
	int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg)
{
	gb_memstate *ms = ctx;
	size_t plen = strlen(prefix);
	int found;
	assert(ms != NULL && fn != NULL);
	for (size_t i = mem_find(ms, prefix, &found); i < ms->count; i++) {
		if (strncmp(ms->items[i].key, prefix, plen) != 0)
			break;
		int rc = fn(arg, ms->items[i].key, ms->items[i].val, ms->items[i].len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

gb_memstate *gb_memstate_new(void)
{
	return calloc(1, sizeof(gb_memstate));
}

gb_state gb_memstate_state(gb_memstate *ms)
{
	assert(ms != NULL);
	return (gb_state){ ms, mem_get, mem_put, mem_each };
}

size_t gb_memstate_count(const gb_memstate *ms)
{
	return ms->count;
}

int gb_memstate_each(const gb_memstate *ms,
	int (*fn)(void *arg, const char *key, const uint8_t *val, size_t len), void *arg)
{
	for (size_t i = 0; i < ms->count; i++) {
		int rc = fn(arg, ms->items[i].key, ms->items[i].val, ms->items[i].len);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void gb_memstate_free(gb_memstate *ms)
{
	if (ms == NULL)
		return;
	for (size_t i = 0; i < ms->count; i++) {
		free(ms->items[i].key);
		free(ms->items[i].val);
	}
	free(ms->items);
	free(ms);
}
