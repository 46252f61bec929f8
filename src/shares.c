/*
 * shares.c: share tables (gongbao/shares.h).
 */
#include "gongbao/shares.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "gongbao/money.h"

static int str_cmp(gb_str a, const char *b)
{
	size_t blen = strlen(b), n = a.len < blen ? a.len : blen;
	int c = memcmp(a.ptr, b, n);
	return c ? c : (a.len < blen ? -1 : a.len > blen);
}

int gb_shares_find(const gb_shares *s, gb_str id)
{
	for (size_t i = 0; i < s->count; i++)
		if (str_cmp(id, s->id[i]) == 0)
			return (int)i;
	return -1;
}

/* Returns 1 if the map at [p, p+len) has exactly `want` keys. */
static int map_has_keys(const uint8_t *p, size_t len, uint32_t want)
{
	gb_mpr rd;
	gb_mp_item it;
	gb_mpr_init(&rd, p, len);
	return gb_mpr_next(&rd, &it, NULL) == 0 && it.type == GB_MP_MAP && it.v.count == want;
}

/* Reads one {"bps", "id"} member map at [p, p+len) as member n. */
static int parse_member(gb_shares *s, size_t n, const uint8_t *p, size_t len, gb_err *err)
{
	gb_mp_item it;
	if (!map_has_keys(p, len, 2))
		return gb_err_set(err, GB_EFIELD, "shares.members[%zu]: want exactly the fields 'bps' and 'id'", n);
	if (gb_mp_map_get(p, len, "id", &it, NULL, NULL) != 0 || it.type != GB_MP_STR)
		return gb_err_set(err, GB_EFIELD, "shares.members[%zu]: missing string 'id'", n);
	gb_str id = { (const char *)it.v.str.ptr, it.v.str.len };
	if (!gb_id_valid(id))
		return gb_err_set(err, GB_EVALUE, "shares.members[%zu]: invalid id '%.*s'", n,
			(int)id.len, id.ptr);
	if (n > 0 && str_cmp(id, s->id[n - 1]) <= 0)
		return gb_err_set(err, GB_EVALUE, "shares.members[%zu]: '%.*s' must sort after '%s' (ascending, once each)",
			n, (int)id.len, id.ptr, s->id[n - 1]);
	memcpy(s->id[n], id.ptr, id.len);
	s->id[n][id.len] = '\0';
	if (gb_mp_map_get(p, len, "bps", &it, NULL, NULL) != 0 || it.type != GB_MP_UINT)
		return gb_err_set(err, GB_EFIELD, "shares.members[%zu]: missing 'bps' (a positive integer)", n);
	if (it.v.u == 0 || it.v.u > GB_BPS_WHOLE)
		return gb_err_set(err, GB_EVALUE, "shares.members[%zu]: '%s' has %llu bps, want 1 to 10000",
			n, s->id[n], (unsigned long long)it.v.u);
	s->bps[n] = (int64_t)it.v.u;
	return 0;
}


int gb_shares_parse(gb_shares *s, const uint8_t *p, size_t len, gb_err *err)
{
	assert(s != NULL && p != NULL);
	memset(s, 0, sizeof *s);
	if (!map_has_keys(p, len, 2))
		return gb_err_set(err, GB_EFIELD, "shares: want exactly the fields 'lead' and 'members'");
	gb_mp_item it;
	const uint8_t *arr;
	size_t arr_len;
	if (gb_mp_map_get(p, len, "members", &it, &arr, &arr_len) != 0 || it.type != GB_MP_ARRAY)
		return gb_err_set(err, GB_EFIELD, "shares: missing array 'members'");
	if (it.v.count == 0 || it.v.count > GB_SHARES_MAX)
		return gb_err_set(err, GB_EVALUE, "shares: %u members, want 1 to %d", (unsigned)it.v.count,
			GB_SHARES_MAX);
	gb_mpr rd;
	gb_mpr_init(&rd, arr, arr_len);
	int rc = gb_mpr_next(&rd, &it, err);
	int64_t sum = 0;
	for (size_t n = 0; rc == 0 && n < it.v.count; n++) {
		const uint8_t *start = rd.p;
		rc = gb_mpr_skip(&rd, 4, err);
		rc = rc ? rc : parse_member(s, n, start, (size_t)(rd.p - start), err);
		sum += rc ? 0 : s->bps[n];
	}
	if (rc != 0)
		return rc;
	s->count = it.v.count;
	if (sum != GB_BPS_WHOLE)
		return gb_err_set(err, GB_EVALUE, "shares sum to %lld bps, want 10000", (long long)sum);
	if (gb_mp_map_get(p, len, "lead", &it, NULL, NULL) != 0 || it.type != GB_MP_STR)
		return gb_err_set(err, GB_EFIELD, "shares: missing string 'lead'");
	gb_str lead = { (const char *)it.v.str.ptr, it.v.str.len };
	int li = gb_shares_find(s, lead);
	if (li < 0)
		return gb_err_set(err, GB_EVALUE, "shares: lead '%.*s' is not one of the members",
			(int)lead.len, lead.ptr);
	s->lead = (size_t)li;
	return 0;
}

void gb_shares_encode(const gb_shares *s, gb_mpw *w)
{
	assert(s->count > 0 && s->count <= GB_SHARES_MAX && s->lead < s->count);
	gb_mpw_map(w, 2);
	gb_mpw_cstr(w, "lead");
	gb_mpw_cstr(w, s->id[s->lead]);
	gb_mpw_cstr(w, "members");
	gb_mpw_array(w, (uint32_t)s->count);
	for (size_t i = 0; i < s->count; i++) {
		gb_mpw_map(w, 2);
		gb_mpw_cstr(w, "bps");
		gb_mpw_uint(w, (uint64_t)s->bps[i]);
		gb_mpw_cstr(w, "id");
		gb_mpw_cstr(w, s->id[i]);
	}
}
