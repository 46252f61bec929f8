/*
 * rules_policy.c: the policies family: rate tables, and policies issued,
 * endorsed, renewed and cancelled (spec/TRANSACTIONS.md, "Policies";
 * spec/RULES.md), with the policy record reader of gongbao/policy.h.
 *
 * State keys written here:
 *   rates/<industry>          {"from": [date, ...]}: the from dates of the
 *                             industry's rate tables, ascending
 *   rates/<industry>/<from>   one rate table row (see rate_encode)
 *   policy/<no>               a policy (gb_policy_store)
 * No floating point: rates are integers (fen per head, ppm, bps) and every
 * amount goes through the gb_fen_* functions or a checked product.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "gongbao/date.h"
#include "gongbao/books.h"
#include "gongbao/money.h"
#include "gongbao/policy.h"
#include "gongbao/shares.h"
#include "rules_internal.h"

/* Largest encoded policy or rate record (a full share table is about 5 KB). */
#define RECORD_MAX 16384
/* Most rate tables kept per industry. */
#define RATES_TABLES_MAX 64
/* Longest policy period, in days (three years). */
#define PERIOD_DAYS_MAX 1096
#define DAYS_PER_YEAR 365
/* Most people on one policy. */
#define HEADCOUNT_MAX 10000000
/* Parts per million in a whole: the largest cost or output rate. */
#define PPM_WHOLE 1000000
/* Most levels of one rating factor. */
#define LEVELS_MAX 16
/* Dates are YYYYMMDD within these. */

static const char *const industries[] = {
	"chemicals", "construction", "explosives", "fireworks", "fishery", "mining", "other",
	"smelting", "transport", NULL
};
#define INDUSTRY_COUNT 9
static const char *const factor_names[] = { "accidents", "grade", "loss_ratio", "risk", NULL };
static const char *const basis_names[] = { "head", "cost", "output", NULL };

/* Index of s in a NULL-terminated list, or -1. */
static int list_find(const char *const *list, const char *s, size_t len)
{
	for (int i = 0; list[i] != NULL && i < 64; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return i;
	return -1;
}


/* ------------------------------------------------------------------ dates */


/* Reads a date field: YYYYMMDD and a real calendar day (GB_EVALUE otherwise). */
static int field_date(const uint8_t *p, size_t len, const char *key, uint32_t *out, gb_err *err)
{
	int64_t v;
	int rc = gb_field_int(p, len, key, GB_DATE_MIN, GB_DATE_MAX, &v, err);
	if (rc != 0)
		return rc;
	if (gb_date_days(v) < 0)
		return gb_err_set(err, GB_EVALUE, "field '%s': %lld is not a calendar date", key, (long long)v);
	*out = (uint32_t)v;
	return 0;
}

/* Days from date a to date b (both valid). */
static int64_t days_between(uint32_t a, uint32_t b)
{
	int64_t da = gb_date_days(a), db = gb_date_days(b);
	assert(da >= 0);
	assert(db >= 0);
	return db - da;
}

/*
 * a x num / den rounded half away from zero, for |a| <= GB_FEN_MAX and
 * 0 <= num <= den <= PERIOD_DAYS_MAX (so 2 |a| num < 2.2e18 fits).
 */
static int64_t prorate(int64_t a, int64_t num, int64_t den)
{
	assert(a >= -GB_FEN_MAX && a <= GB_FEN_MAX);
	assert(den > 0 && den <= PERIOD_DAYS_MAX && num >= 0 && num <= den);
	uint64_t u = a < 0 ? (uint64_t)(-a) : (uint64_t)a;
	uint64_t q = (2 * u * (uint64_t)num + (uint64_t)den) / (2 * (uint64_t)den);
	return a < 0 ? -(int64_t)q : (int64_t)q;
}

/* ------------------------------------------------------------------- USCI */

/* GB 32100-2015: the code's alphabet (no I, O, Z, S, V) and the weights of characters 1 to 17. */
static const char usci_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int usci_weights[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };

int gb_usci_valid(const char *s, size_t len)
{
	if (s == NULL || len != GB_USCI_LEN)
		return 0;
	int sum = 0, code = 0;
	for (size_t i = 0; i < GB_USCI_LEN; i++) {
		const char *c = s[i] != '\0' ? strchr(usci_chars, s[i]) : NULL;
		if (c == NULL)
			return 0;
		code = (int)(c - usci_chars);
		if (i < 17)
			sum += code * usci_weights[i];
	}
	return code == (31 - sum % 31) % 31;
}

/* ------------------------------------------------------- the policy record */

int gb_policy_in_force(const gb_policy *p, uint32_t date)
{
	assert(p != NULL);
	if (date < p->start || date >= p->end)
		return 0;
	return !(p->status == GB_POLICY_CANCELLED && p->cancelled_on <= date);
}

/* Checks a policy's fields before it is stored (see gb_policy_store). */
static int policy_check(const gb_policy *p, gb_err *err)
{
	gb_str no = { p->number, strlen(p->number) };
	if (!gb_id_valid(no))
		return gb_err_set(err, GB_EVALUE, "policy: invalid number '%s'", p->number);
	if (!gb_usci_valid(p->usci, strlen(p->usci)))
		return gb_err_set(err, GB_EVALUE, "policy '%s': invalid usci '%s'", p->number, p->usci);
	if (list_find(industries, p->industry, strlen(p->industry)) < 0 || p->enterprise[0] == '\0')
		return gb_err_set(err, GB_EVALUE, "policy '%s': bad industry '%s' or empty enterprise",
			p->number, p->industry);
	if (gb_date_days(p->start) < 0 || gb_date_days(p->end) < 0 || p->end <= p->start)
		return gb_err_set(err, GB_EVALUE, "policy '%s': bad period %u..%u", p->number, p->start, p->end);
	const int64_t amounts[] = { p->exposure, p->limit_fen, p->premium_fen, p->term_premium_fen,
		p->received_fen, p->commission_fen, p->floor_fen };
	for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++)
		if (amounts[i] < 0 || amounts[i] > GB_FEN_MAX)
			return gb_err_set(err, GB_EVALUE, "policy '%s': amount %lld out of 0..%lld", p->number,
				(long long)amounts[i], (long long)GB_FEN_MAX);
	if ((p->status != GB_POLICY_IN_FORCE && p->status != GB_POLICY_CANCELLED) ||
	    p->basis < GB_BASIS_HEAD || p->basis > GB_BASIS_OUTPUT ||
	    p->factor_count > GB_POLICY_FACTORS_MAX || p->headcount < 1 || p->headcount > HEADCOUNT_MAX)
		return gb_err_set(err, GB_EVALUE, "policy '%s': bad status, basis, factors or headcount",
			p->number);
	return gb_books_shares_check(&p->shares, err);
}

/* Writes the factors claimed as a map name -> level (names ascending). */
static void factors_encode(const gb_policy *p, gb_mpw *w)
{
	gb_mpw_map(w, (uint32_t)p->factor_count);
	for (size_t i = 0; i < p->factor_count; i++) {
		gb_mpw_cstr(w, p->factor[i].name);
		gb_mpw_cstr(w, p->factor[i].level);
	}
}

/* Writes a key and an int; the keys of policy_encode go in bytewise order. */
static void put_int(gb_mpw *w, const char *key, int64_t v)
{
	gb_mpw_cstr(w, key);
	gb_mpw_int(w, v);
}

static void put_str(gb_mpw *w, const char *key, const char *v)
{
	gb_mpw_cstr(w, key);
	gb_mpw_cstr(w, v);
}

/* The canonical record: keys in bytewise order, optional ones only when set. */
static void policy_encode(const gb_policy *p, gb_mpw *w)
{
	uint32_t n = 21 + (p->cancelled_on != 0) + (p->endorsed_on != 0) + (p->renews[0] != '\0') +
		(p->renewed_by[0] != '\0');
	gb_mpw_map(w, n);
	put_str(w, "basis", basis_names[p->basis]);
	if (p->cancelled_on != 0)
		put_int(w, "cancelled_on", p->cancelled_on);
	put_int(w, "commission_fen", p->commission_fen);
	put_int(w, "end", p->end);
	if (p->endorsed_on != 0)
		put_int(w, "endorsed_on", p->endorsed_on);
	put_str(w, "enterprise", p->enterprise);
	put_int(w, "exposure", p->exposure);
	gb_mpw_cstr(w, "factors");
	factors_encode(p, w);
	gb_mpw_cstr(w, "flagged");
	gb_mpw_bool(w, p->flagged != 0);
	put_int(w, "floor_fen", p->floor_fen);
	put_int(w, "headcount", p->headcount);
	put_str(w, "industry", p->industry);
	put_int(w, "issued_at", (int64_t)p->issued_at);
	put_int(w, "limit_fen", p->limit_fen);
	put_str(w, "no", p->number);
	put_int(w, "premium_fen", p->premium_fen);
	put_int(w, "rated_from", p->rated_from);
	put_int(w, "received_fen", p->received_fen);
	if (p->renewed_by[0] != '\0')
		put_str(w, "renewed_by", p->renewed_by);
	if (p->renews[0] != '\0')
		put_str(w, "renews", p->renews);
	gb_mpw_cstr(w, "shares");
	gb_shares_encode(&p->shares, w);
	put_int(w, "start", p->start);
	put_str(w, "status", p->status == GB_POLICY_CANCELLED ? "cancelled" : "in_force");
	put_int(w, "term_premium_fen", p->term_premium_fen);
	put_str(w, "usci", p->usci);
}

/* "policy/<no>" into key; GB_EVALUE if no is not a valid number. */
static int policy_key(char key[GB_STATE_KEY_MAX + 1], const char *no, gb_err *err)
{
	gb_str s = { no, strlen(no) };
	if (!gb_id_valid(s) || s.len > GB_POLICY_NO_MAX)
		return gb_err_set(err, GB_EVALUE, "invalid policy number '%.*s'", (int)(s.len > 80 ? 80 : s.len), no);
	snprintf(key, GB_STATE_KEY_MAX + 1, "%s%s", GB_POLICY_KEY_PREFIX, no);
	return 0;
}

int gb_policy_store(const gb_state *st, const gb_policy *p, gb_err *err)
{
	assert(st != NULL);
	assert(p != NULL);
	char key[GB_STATE_KEY_MAX + 1];
	int rc = policy_key(key, p->number, err);
	rc = rc ? rc : policy_check(p, err);
	if (rc != 0)
		return rc;
	uint8_t buf[RECORD_MAX];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	policy_encode(p, &w);
	if (w.err != 0)
		return gb_err_set(err, w.err, "encoding policy '%s': %s", p->number, gb_strerror(w.err));
	rc = gb_state_put(st, key, buf, w.len);
	return rc ? gb_err_set(err, rc, "storing policy '%s': %s", p->number, gb_strerror(rc)) : 0;
}

/* Copies string field key (1..cap-1 bytes) of a stored record. */
static int rec_str(const uint8_t *p, size_t len, const char *key, char *out, size_t cap, int optional,
	gb_err *err)
{
	gb_mp_item it;
	if (optional && gb_mp_map_get(p, len, key, &it, NULL, NULL) != 0) {
		out[0] = '\0';
		return 0;
	}
	gb_str s;
	int rc = gb_field_str(p, len, key, &s, cap - 1, err);
	if (rc == 0)
		gb_str_copy(out, cap, s);
	return rc;
}

/* Reads the factors map of a record or a body into p->factor (names ascending, as canonical). */
static int factors_read(const uint8_t *p, size_t len, gb_policy *pol, gb_err *err)
{
	gb_mp_item it;
	const uint8_t *val;
	size_t val_len;
	pol->factor_count = 0;
	if (gb_mp_map_get(p, len, "factors", &it, &val, &val_len) != 0)
		return 0;
	if (it.type != GB_MP_MAP)
		return gb_err_set(err, GB_EFIELD, "field 'factors' must be a map");
	if (it.v.count > GB_POLICY_FACTORS_MAX)
		return gb_err_set(err, GB_EVALUE, "factors: %u claimed, want at most %d", (unsigned)it.v.count,
			GB_POLICY_FACTORS_MAX);
	gb_mpr rd;
	gb_mpr_init(&rd, val, val_len);
	int rc = gb_mpr_next(&rd, &it, err);
	for (uint32_t i = 0; rc == 0 && i < it.v.count; i++) {
		gb_mp_item k, v;
		rc = gb_mpr_next(&rd, &k, err);
		rc = rc ? rc : gb_mpr_next(&rd, &v, err);
		if (rc != 0)
			return rc;
		if (list_find(factor_names, (const char *)k.v.str.ptr, k.v.str.len) < 0)
			return gb_err_set(err, GB_EVALUE, "factors: unknown factor '%.*s' (accidents, grade, loss_ratio, risk)",
				(int)k.v.str.len, (const char *)k.v.str.ptr);
		if (v.type != GB_MP_STR || v.v.str.len == 0 || v.v.str.len > GB_FACTOR_LEVEL_MAX)
			return gb_err_set(err, GB_EVALUE, "factors: '%.*s' must be a level name of 1 to %d bytes",
				(int)k.v.str.len, (const char *)k.v.str.ptr, GB_FACTOR_LEVEL_MAX);
		gb_policy_factor *f = &pol->factor[pol->factor_count++];
		gb_str_copy(f->name, sizeof f->name, (gb_str){ (const char *)k.v.str.ptr, k.v.str.len });
		gb_str_copy(f->level, sizeof f->level, (gb_str){ (const char *)v.v.str.ptr, v.v.str.len });
	}
	return rc;
}

/* Parses a stored record (any failure: the caller reports GB_ECORRUPT). */
static int policy_decode(const uint8_t *p, size_t len, gb_policy *o, gb_err *err)
{
	char basis[8], status[16];
	int64_t v[14];
	static const char *const ints[14] = { "commission_fen", "end", "exposure", "floor_fen", "headcount",
		"issued_at", "limit_fen", "premium_fen", "rated_from", "received_fen", "start",
		"term_premium_fen", "cancelled_on", "endorsed_on" };
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < 14; i++)
		rc = i < 12 ? gb_field_int(p, len, ints[i], 0, INT64_MAX, &v[i], err)
			: gb_field_int_opt(p, len, ints[i], 0, GB_DATE_MAX, 0, &v[i], err);
	rc = rc ? rc : rec_str(p, len, "basis", basis, sizeof basis, 0, err);
	rc = rc ? rc : rec_str(p, len, "status", status, sizeof status, 0, err);
	rc = rc ? rc : rec_str(p, len, "no", o->number, sizeof o->number, 0, err);
	rc = rc ? rc : rec_str(p, len, "usci", o->usci, sizeof o->usci, 0, err);
	rc = rc ? rc : rec_str(p, len, "enterprise", o->enterprise, sizeof o->enterprise, 0, err);
	rc = rc ? rc : rec_str(p, len, "industry", o->industry, sizeof o->industry, 0, err);
	rc = rc ? rc : rec_str(p, len, "renews", o->renews, sizeof o->renews, 1, err);
	rc = rc ? rc : rec_str(p, len, "renewed_by", o->renewed_by, sizeof o->renewed_by, 1, err);
	rc = rc ? rc : factors_read(p, len, o, err);
	const uint8_t *val;
	size_t val_len;
	gb_mp_item it;
	rc = rc ? rc : gb_field_raw(p, len, "shares", GB_MP_MAP, &val, &val_len, NULL, err);
	rc = rc ? rc : gb_shares_parse(&o->shares, val, val_len, err);
	if (rc != 0)
		return rc;
	if (gb_mp_map_get(p, len, "flagged", &it, NULL, NULL) != 0 || it.type != GB_MP_BOOL)
		return gb_err_set(err, GB_ECORRUPT, "missing flag 'flagged'");
	o->flagged = it.v.b;
	o->commission_fen = v[0], o->end = (uint32_t)v[1], o->exposure = v[2], o->floor_fen = v[3];
	o->headcount = v[4], o->issued_at = (uint64_t)v[5], o->limit_fen = v[6], o->premium_fen = v[7];
	o->rated_from = (uint32_t)v[8], o->received_fen = v[9], o->start = (uint32_t)v[10];
	o->term_premium_fen = v[11], o->cancelled_on = (uint32_t)v[12], o->endorsed_on = (uint32_t)v[13];
	if (v[1] > GB_DATE_MAX || v[8] > GB_DATE_MAX || v[10] > GB_DATE_MAX)
		return gb_err_set(err, GB_ECORRUPT, "date out of range");
	o->basis = list_find(basis_names, basis, strlen(basis));
	o->status = strcmp(status, "in_force") == 0 ? GB_POLICY_IN_FORCE
		: strcmp(status, "cancelled") == 0 ? GB_POLICY_CANCELLED : -1;
	return policy_check(o, err);
}

int gb_policy_load(const gb_state *st, const char *no, gb_policy *out, gb_err *err)
{
	assert(st != NULL);
	assert(out != NULL);
	char key[GB_STATE_KEY_MAX + 1];
	int rc = policy_key(key, no, err);
	if (rc != 0)
		return rc;
	const uint8_t *p;
	size_t len;
	memset(out, 0, sizeof *out);
	rc = gb_state_get(st, key, &p, &len);
	if (rc == GB_ENOTFOUND)
		return gb_err_set(err, GB_ENOTFOUND, "policy '%s' not found", no);
	if (rc != 0)
		return gb_err_set(err, rc, "reading policy '%s': %s", no, gb_strerror(rc));
	rc = policy_decode(p, len, out, err);
	if (rc == 0)
		return 0;
	gb_err_prefix(err, GB_ECORRUPT, "stored policy '%s': ", no);
	if (err != NULL)
		err->code = GB_ECORRUPT;
	return GB_ECORRUPT;
}

/* ------------------------------------------------------------ rate tables */

/* One industry's rate table row. factors borrows from the state value. */
typedef struct rate_row {
	int basis;                      /* enum gb_rate_basis */
	int64_t rate;                   /* fen per head per year, or ppm */
	int64_t float_min_bps;
	int64_t float_max_bps;
	uint32_t from;
	const uint8_t *factors;         /* {factor: {level: bps}} */
	size_t factors_len;
} rate_row;

/* The from dates of an industry's tables, ascending; count 0 if none. */
static int rates_index(const gb_state *st, const char *industry, uint32_t from[RATES_TABLES_MAX],
	size_t *count, gb_err *err)
{
	char key[GB_STATE_KEY_MAX + 1];
	snprintf(key, sizeof key, "rates/%s", industry);
	const uint8_t *p, *val;
	size_t len, val_len;
	*count = 0;
	int rc = gb_state_get(st, key, &p, &len);
	if (rc == GB_ENOTFOUND)
		return 0;
	if (rc != 0)
		return gb_err_set(err, rc, "reading '%s': %s", key, gb_strerror(rc));
	gb_mp_item it;
	if (gb_field_raw(p, len, "from", GB_MP_ARRAY, &val, &val_len, &it, err) != 0 ||
	    it.v.count > RATES_TABLES_MAX)
		return gb_err_set(err, GB_ECORRUPT, "stored '%s' is not a list of dates", key);
	gb_mpr rd;
	gb_mpr_init(&rd, val, val_len);
	rc = gb_mpr_next(&rd, &it, err);
	for (uint32_t i = 0; rc == 0 && i < it.v.count; i++) {
		gb_mp_item d;
		rc = gb_mpr_next(&rd, &d, err);
		if (rc != 0 || d.type != GB_MP_UINT || gb_date_days((int64_t)d.v.u) < 0 ||
		    (i > 0 && d.v.u <= from[i - 1]))
			return gb_err_set(err, GB_ECORRUPT, "stored '%s': bad date at %u", key, (unsigned)i);
		from[(*count)++] = (uint32_t)d.v.u;
	}
	return rc ? gb_err_set(err, GB_ECORRUPT, "stored '%s' does not parse", key) : 0;
}

/* Reads the row of industry's table from date `from`. */
static int rate_at(const gb_state *st, const char *industry, uint32_t from, rate_row *r, gb_err *err)
{
	char key[GB_STATE_KEY_MAX + 1];
	snprintf(key, sizeof key, "rates/%s/%u", industry, from);
	const uint8_t *p;
	size_t len;
	int rc = gb_state_get(st, key, &p, &len);
	if (rc == GB_ENOTFOUND)
		return gb_err_set(err, GB_ENOTFOUND, "no rate table for '%s' from %u", industry, from);
	if (rc != 0)
		return gb_err_set(err, rc, "reading '%s': %s", key, gb_strerror(rc));
	gb_str basis;
	int64_t f;
	rc = gb_field_str(p, len, "basis", &basis, 8, err);
	rc = rc ? rc : gb_field_int(p, len, "rate", 0, GB_FEN_MAX, &r->rate, err);
	rc = rc ? rc : gb_field_int(p, len, "float_min_bps", -GB_BPS_WHOLE, 0, &r->float_min_bps, err);
	rc = rc ? rc : gb_field_int(p, len, "float_max_bps", 0, GB_BPS_WHOLE, &r->float_max_bps, err);
	rc = rc ? rc : gb_field_int(p, len, "from", GB_DATE_MIN, GB_DATE_MAX, &f, err);
	rc = rc ? rc : gb_field_raw(p, len, "factors", GB_MP_MAP, &r->factors, &r->factors_len, NULL, err);
	r->basis = rc ? -1 : list_find(basis_names, basis.ptr, basis.len);
	if (rc != 0 || r->basis < 0 || f != from)
		return gb_err_set(err, GB_ECORRUPT, "stored '%s' does not parse", key);
	r->from = from;
	return 0;
}

/* The row of industry's table in force on `date`: the latest from <= date. */
static int rate_in_force(const gb_state *st, const char *industry, uint32_t date, rate_row *r,
	gb_err *err)
{
	uint32_t from[RATES_TABLES_MAX];
	size_t n;
	int rc = rates_index(st, industry, from, &n, err);
	if (rc != 0)
		return rc;
	if (n == 0)
		return gb_err_set(err, GB_ENOTFOUND, "no rate table for industry '%s'", industry);
	size_t i = n;
	while (i > 0 && from[i - 1] > date)
		i--;
	if (i == 0)
		return gb_err_set(err, GB_ENOTFOUND, "no rate table for '%s' in force on %u (the first is from %u)",
			industry, date, from[0]);
	return rate_at(st, industry, from[i - 1], r, err);
}

/* Checks a rates.set factors map: {factor: {level: bps}}, known factors, 1..16 levels, steps within +-10,000 bps. */
static int factors_check(const uint8_t *p, size_t len, gb_err *err)
{
	gb_mpr rd;
	gb_mp_item it;
	gb_mpr_init(&rd, p, len);
	int rc = gb_mpr_next(&rd, &it, err);
	assert(rc != 0 || it.type == GB_MP_MAP);
	for (uint32_t i = 0; rc == 0 && i < it.v.count; i++) {
		gb_mp_item k, m;
		rc = gb_mpr_next(&rd, &k, err);
		rc = rc ? rc : gb_mpr_next(&rd, &m, err);
		if (rc != 0)
			return rc;
		int fi = list_find(factor_names, (const char *)k.v.str.ptr, k.v.str.len);
		if (fi < 0)
			return gb_err_set(err, GB_EVALUE, "factors: unknown factor '%.*s' (accidents, grade, loss_ratio, risk)",
				(int)k.v.str.len, (const char *)k.v.str.ptr);
		if (m.type != GB_MP_MAP || m.v.count == 0 || m.v.count > LEVELS_MAX)
			return gb_err_set(err, GB_EVALUE, "factors: '%s' must map 1 to %d levels to steps in bps",
				factor_names[fi], LEVELS_MAX);
		for (uint32_t j = 0; rc == 0 && j < m.v.count; j++) {
			gb_mp_item lk, lv;
			rc = gb_mpr_next(&rd, &lk, err);
			rc = rc ? rc : gb_mpr_next(&rd, &lv, err);
			if (rc != 0)
				return rc;
			int64_t step = lv.type == GB_MP_INT ? lv.v.i : lv.type == GB_MP_UINT && lv.v.u <= GB_BPS_WHOLE
				? (int64_t)lv.v.u : INT64_MAX;
			if (lk.v.str.len == 0 || lk.v.str.len > GB_FACTOR_LEVEL_MAX || step < -GB_BPS_WHOLE ||
			    step > GB_BPS_WHOLE)
				return gb_err_set(err, GB_EVALUE, "factors: '%s' level '%.*s' needs a name of 1 to %d bytes and a step of -10000 to 10000 bps",
					factor_names[fi], (int)(lk.v.str.len > 32 ? 32 : lk.v.str.len),
					(const char *)lk.v.str.ptr, GB_FACTOR_LEVEL_MAX);
		}
	}
	return rc;
}

/* One industry's row of a rates.set body. */
typedef struct rate_input {
	int industry;
	int basis;
	int64_t rate;
} rate_input;

/* Reads the "rates" map of a rates.set body into in[0..*n). */
static int rates_read(const gb_entry *e, rate_input in[INDUSTRY_COUNT], size_t *n, gb_err *err)
{
	static const char *const row_fields[] = { "basis", "rate", NULL };
	const uint8_t *val;
	size_t val_len;
	gb_mp_item it;
	int rc = gb_field_raw(e->body, e->body_len, "rates", GB_MP_MAP, &val, &val_len, &it, err);
	if (rc != 0)
		return rc;
	if (it.v.count == 0 || it.v.count > INDUSTRY_COUNT)
		return gb_err_set(err, GB_EVALUE, "rates: %u industries, want 1 to %d", (unsigned)it.v.count,
			INDUSTRY_COUNT);
	gb_mpr rd;
	gb_mpr_init(&rd, val, val_len);
	rc = gb_mpr_next(&rd, &it, err);
	for (uint32_t i = 0; rc == 0 && i < it.v.count; i++) {
		gb_mp_item k;
		const uint8_t *row = NULL;
		rc = gb_mpr_next(&rd, &k, err);
		row = rd.p;
		rc = rc ? rc : gb_mpr_skip(&rd, GB_BODY_DEPTH_MAX, err);
		if (rc != 0)
			return rc;
		size_t row_len = (size_t)(rd.p - row);
		gb_str basis;
		rate_input *r = &in[i];
		r->industry = list_find(industries, (const char *)k.v.str.ptr, k.v.str.len);
		if (r->industry < 0)
			return gb_err_set(err, GB_EVALUE, "rates: unknown industry '%.*s'",
				(int)(k.v.str.len > 32 ? 32 : k.v.str.len), (const char *)k.v.str.ptr);
		rc = gb_rules_known_keys(row, row_len, row_fields, industries[r->industry], err);
		rc = rc ? rc : gb_field_str(row, row_len, "basis", &basis, 8, err);
		if (rc != 0)
			return gb_err_prefix(err, rc, "rates: %s: ", industries[r->industry]);
		r->basis = list_find(basis_names, basis.ptr, basis.len);
		if (r->basis < 0)
			return gb_err_set(err, GB_EVALUE, "rates: %s: basis '%.*s', want head, cost or output",
				industries[r->industry], (int)basis.len, basis.ptr);
		rc = gb_field_int(row, row_len, "rate", 0, r->basis == GB_BASIS_HEAD ? GB_FEN_MAX : PPM_WHOLE,
			&r->rate, err);
		if (rc != 0)
			return gb_err_prefix(err, rc, "rates: %s: ", industries[r->industry]);
	}
	*n = it.v.count;
	return rc;
}

/* Writes one industry's row and its index. The caller checked from > every stored from. */
static int rates_write(gb_rules_env *env, const gb_entry *e, const rate_input *r, uint32_t from,
	int64_t fmin, int64_t fmax, const uint32_t *old, size_t old_count, gb_err *err)
{
	const uint8_t *fac;
	size_t fac_len;
	int rc = gb_field_raw(e->body, e->body_len, "factors", GB_MP_MAP, &fac, &fac_len, NULL, err);
	assert(rc == 0);
	uint8_t buf[RECORD_MAX];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_map(&w, 7);
	put_str(&w, "basis", basis_names[r->basis]);
	gb_mpw_cstr(&w, "factors");
	gb_mpw_raw(&w, fac, fac_len);
	put_int(&w, "float_max_bps", fmax);
	put_int(&w, "float_min_bps", fmin);
	put_int(&w, "from", from);
	put_int(&w, "rate", r->rate);
	put_int(&w, "set_at", (int64_t)env->index);
	char key[GB_STATE_KEY_MAX + 1];
	snprintf(key, sizeof key, "rates/%s/%u", industries[r->industry], from);
	rc = w.err ? w.err : gb_state_put(env->state, key, buf, w.len);
	if (rc != 0)
		return gb_err_set(err, rc, "storing '%s': %s", key, gb_strerror(rc));
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_map(&w, 1);
	gb_mpw_cstr(&w, "from");
	gb_mpw_array(&w, (uint32_t)old_count + 1);
	for (size_t i = 0; i < old_count; i++)
		gb_mpw_uint(&w, old[i]);
	gb_mpw_uint(&w, from);
	snprintf(key, sizeof key, "rates/%s", industries[r->industry]);
	rc = w.err ? w.err : gb_state_put(env->state, key, buf, w.len);
	return rc ? gb_err_set(err, rc, "storing '%s': %s", key, gb_strerror(rc)) : 0;
}

/* True if a signature other than the signer's is by a regulator. */
static int regulator_cosigned(const gb_rules_env *env, const gb_entry *e)
{
	for (size_t i = 1; i < e->sig_count && i < GB_ENTRY_SIGS_MAX; i++) {
		const gb_participant *p = gb_roster_find(env->roster, e->sigs[i].signer);
		if (p != NULL && p->role == GB_ROLE_REGULATOR)
			return 1;
	}
	return 0;
}

/*
 * rates.set: the association sets rate tables for one or more industries
 * from a date, co-signed by a regulator.
 */
static int apply_rates_set(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	if (!regulator_cosigned(env, e))
		return gb_err_set(err, GB_ENOSIG, "rates.set needs a regulator's co-signature");
	uint32_t from;
	int64_t fmin, fmax;
	const uint8_t *fac;
	size_t fac_len, n = 0;
	rate_input in[INDUSTRY_COUNT];
	int rc = field_date(e->body, e->body_len, "from", &from, err);
	rc = rc ? rc : gb_field_int(e->body, e->body_len, "float_min_bps", -GB_BPS_WHOLE, 0, &fmin, err);
	rc = rc ? rc : gb_field_int(e->body, e->body_len, "float_max_bps", 0, GB_BPS_WHOLE, &fmax, err);
	rc = rc ? rc : gb_field_raw(e->body, e->body_len, "factors", GB_MP_MAP, &fac, &fac_len, NULL, err);
	rc = rc ? rc : factors_check(fac, fac_len, err);
	rc = rc ? rc : rates_read(e, in, &n, err);
	if (rc != 0)
		return rc;
	for (int pass = 0; pass < 2; pass++) {  /* check every industry, then write */
		for (size_t i = 0; i < n; i++) {
			uint32_t old[RATES_TABLES_MAX];
			size_t old_count;
			const char *ind = industries[in[i].industry];
			rc = rates_index(env->state, ind, old, &old_count, err);
			if (rc != 0)
				return rc;
			if (pass == 1) {
				rc = rates_write(env, e, &in[i], from, fmin, fmax, old, old_count, err);
				if (rc != 0)
					return rc;
			} else if (old_count > 0 && from <= old[old_count - 1]) {
				return gb_err_set(err, GB_EVALUE, "from: a table for '%s' from %u must start after %u, the latest",
					ind, from, old[old_count - 1]);
			} else if (old_count == RATES_TABLES_MAX) {
				return gb_err_set(err, GB_ETOOBIG, "rates: '%s' already has %d tables", ind,
					RATES_TABLES_MAX);
			}
		}
	}
	return 0;
}

/* ----------------------------------------------------------------- rating */

/* The float a policy's claimed factors give under table r: the sum of steps, clamped. */
static int rate_float(const rate_row *r, const gb_policy *pol, int64_t *out, gb_err *err)
{
	gb_mpr rd;
	gb_mp_item it;
	gb_mpr_init(&rd, r->factors, r->factors_len);
	int rc = gb_mpr_next(&rd, &it, err);
	int64_t sum = 0;
	size_t matched = 0;
	for (uint32_t i = 0; rc == 0 && i < it.v.count && i < GB_POLICY_FACTORS_MAX; i++) {
		gb_mp_item k, step;
		const uint8_t *levels;
		rc = gb_mpr_next(&rd, &k, err);
		levels = rd.p;
		rc = rc ? rc : gb_mpr_skip(&rd, 2, err);
		if (rc != 0)
			return gb_err_set(err, GB_ECORRUPT, "stored rate table factors do not parse");
		const gb_policy_factor *f = NULL;
		for (size_t j = 0; j < pol->factor_count; j++)
			if (strlen(pol->factor[j].name) == k.v.str.len &&
			    memcmp(pol->factor[j].name, k.v.str.ptr, k.v.str.len) == 0)
				f = &pol->factor[j];
		if (f == NULL)
			return gb_err_set(err, GB_EVALUE, "factors: the rate table from %u rates '%.*s': claim a level",
				r->from, (int)k.v.str.len, (const char *)k.v.str.ptr);
		if (gb_mp_map_get(levels, (size_t)(rd.p - levels), f->level, &step, NULL, NULL) != 0)
			return gb_err_set(err, GB_EVALUE, "factors: '%s' has no level '%s' in the rate table from %u",
				f->name, f->level, r->from);
		sum += step.type == GB_MP_INT ? step.v.i : (int64_t)step.v.u;
		matched++;
	}
	if (rc == 0 && matched != pol->factor_count)
		return gb_err_set(err, GB_EVALUE, "factors: %zu claimed, but the rate table from %u rates %zu",
			pol->factor_count, r->from, matched);
	*out = sum < r->float_min_bps ? r->float_min_bps : sum > r->float_max_bps ? r->float_max_bps : sum;
	return rc;
}

/*
 * The floor for `exposure` over `days` under table r with pol's factors:
 * the annual premium (rate x heads, or exposure x ppm / 10^6 rounded half
 * up), floated by the clamped sum of steps (apply_bps), pro rata days/365
 * rounded half up. GB_EOVERFLOW if a step leaves 0..GB_FEN_MAX.
 */
static int rate_floor(const rate_row *r, const gb_policy *pol, int64_t exposure, int64_t days,
	int64_t *out, gb_err *err)
{
	assert(exposure >= 0 && exposure <= GB_FEN_MAX);
	assert(days > 0 && days <= PERIOD_DAYS_MAX);
	int64_t annual, fl = 0, adj = 0;
	char a[GB_FEN_TEXT_MAX], b[GB_FEN_TEXT_MAX];
	if (r->basis == GB_BASIS_HEAD) {
		if (exposure > 0 && r->rate > GB_FEN_MAX / exposure)
			return gb_err_set(err, GB_EOVERFLOW, "exposure: %s heads at %s fen a head is over the limit",
				gb_fen_format(a, exposure), gb_fen_format(b, r->rate));
		annual = r->rate * exposure;
	} else {
		int64_t q = exposure / PPM_WHOLE, rem = exposure % PPM_WHOLE;
		annual = q * r->rate + (rem * r->rate + PPM_WHOLE / 2) / PPM_WHOLE;
	}
	int rc = rate_float(r, pol, &fl, err);
	if (rc != 0)
		return rc;
	rc = gb_fen_apply_bps(annual, fl < 0 ? -fl : fl, &adj);
	rc = rc ? rc : (fl < 0 ? gb_fen_sub(annual, adj, &adj) : gb_fen_add(annual, adj, &adj));
	if (rc != 0)
		return gb_err_set(err, GB_EOVERFLOW, "floor: annual premium of %s fen floated by %lld bps is over the limit",
			gb_fen_format(a, annual), (long long)fl);
	/* 2 x adj x days < 2.2e18 fits; round half up. */
	uint64_t pro = (2 * (uint64_t)adj * (uint64_t)days + DAYS_PER_YEAR) / (2 * DAYS_PER_YEAR);
	if (pro > (uint64_t)GB_FEN_MAX)
		return gb_err_set(err, GB_EOVERFLOW, "floor: %s fen a year over %lld days is over the limit",
			gb_fen_format(a, adj), (long long)days);
	*out = (int64_t)pro;
	return 0;
}

/* ------------------------------------------------------------- policies */

/* Posts a premium written (issue, renew) or a change of premium (endorse, cancel) as entry env->index. */
static int post_premium(gb_rules_env *env, const gb_shares *t, int64_t amount_fen, int written,
	gb_err *err)
{
	/* About 41 KB: one per thread rather than on the stack. */
	static _Thread_local gb_postings ps;
	gb_postings_init(&ps);
	int rc = written ? gb_books_premium_written(&ps, t, amount_fen, err)
		: gb_books_premium_endorsed(&ps, t, amount_fen, err);
	return rc ? rc : gb_books_post(&ps, env->state, env->index, err);
}


/* Turns the error of parsing stored value `key` into GB_ECORRUPT, keeping its message. */
static int corrupt(gb_err *err, const char *key)
{
	gb_err_prefix(err, GB_ECORRUPT, "stored %s: ", key);
	if (err != NULL)
		err->code = GB_ECORRUPT;
	return GB_ECORRUPT;
}

/*
 * The default share table for a policy starting on `start`: the last dated
 * table (shares.set) whose from is on or before it, else the charter's.
 */
static int shares_default(const gb_state *st, uint32_t start, gb_shares *out, gb_err *err)
{
	const uint8_t *p;
	size_t len;
	int found = 0;
	int rc = gb_state_get(st, "shares/dated", &p, &len);
	if (rc == 0) {
		gb_mpr rd;
		gb_mp_item it;
		gb_mpr_init(&rd, p, len);
		if (gb_mpr_next(&rd, &it, NULL) != 0 || it.type != GB_MP_ARRAY)
			return corrupt(err, "shares/dated");
		for (uint32_t i = 0; i < it.v.count && i < GB_SHARES_DATED_MAX; i++) {
			const uint8_t *el = rd.p, *val;
			size_t val_len;
			int64_t from;
			if (gb_mpr_skip(&rd, 4, NULL) != 0 ||
			    gb_field_int(el, (size_t)(rd.p - el), "from", GB_DATE_MIN, GB_DATE_MAX, &from, NULL) != 0 ||
			    gb_field_raw(el, (size_t)(rd.p - el), "shares", GB_MP_MAP, &val, &val_len, NULL, NULL) != 0)
				return corrupt(err, "shares/dated");
			if (from > (int64_t)start)
				break; /* ascending: the rest start later still */
			if (gb_shares_parse(out, val, val_len, NULL) != 0)
				return corrupt(err, "shares/dated");
			found = 1;
		}
	} else if (rc != GB_ENOTFOUND) {
		return gb_err_set(err, rc, "reading shares/dated: %s", gb_strerror(rc));
	}
	if (found)
		return 0;
	rc = gb_state_get(st, "shares", &p, &len);
	if (rc == GB_ENOTFOUND)
		return gb_err_set(err, GB_EVALUE, "shares: none given and the consortium has no default share table");
	if (rc != 0)
		return gb_err_set(err, rc, "reading shares: %s", gb_strerror(rc));
	return gb_shares_parse(out, p, len, err) ? corrupt(err, "shares") : 0;
}

/* The policy's share table (field "shares", else the default), and its lead must be the signer. */
static int policy_shares(gb_rules_env *env, const gb_entry *e, uint32_t start, gb_shares *out,
	gb_err *err)
{
	gb_mp_item it;
	const uint8_t *val;
	size_t val_len;
	int rc;
	if (gb_mp_map_get(e->body, e->body_len, "shares", &it, &val, &val_len) == 0) {
		if (it.type != GB_MP_MAP)
			return gb_err_set(err, GB_EFIELD, "field 'shares' must be a map");
		rc = gb_shares_parse(out, val, val_len, err);
		rc = rc ? rc : gb_books_shares_check(out, err);
		rc = rc ? rc : gb_rules_shares_active(env->roster, out, err);
	} else {
		/* A default table may name a member suspended since: it gets no new share. */
		rc = shares_default(env->state, start, out, err);
		rc = rc ? rc : gb_rules_shares_active(env->roster, out, err);
	}
	if (rc != 0)
		return rc;
	if (!gb_str_eq(e->signer, out->id[out->lead]))
		return gb_err_set(err, GB_EAUTH, "a policy is signed by the lead of its share table, '%s', not '%.*s'",
			out->id[out->lead], (int)e->signer.len, e->signer.ptr);
	return 0;
}

/* Reads the fields policy.issue and policy.renew share into *pol; *days is the period's length. */
static int issue_read(const gb_entry *e, gb_policy *pol, int64_t *days, gb_err *err)
{
	const uint8_t *b = e->body;
	size_t n = e->body_len;
	gb_str no, usci, name, ind;
	int rc = gb_field_str(b, n, "no", &no, GB_POLICY_NO_MAX, err);
	rc = rc ? rc : gb_field_str(b, n, "usci", &usci, 64, err);
	rc = rc ? rc : gb_field_str(b, n, "enterprise", &name, GB_ENTERPRISE_MAX, err);
	rc = rc ? rc : gb_field_str(b, n, "industry", &ind, 64, err);
	rc = rc ? rc : gb_field_fen(b, n, "exposure", &pol->exposure, err);
	rc = rc ? rc : gb_field_int(b, n, "headcount", 1, HEADCOUNT_MAX, &pol->headcount, err);
	rc = rc ? rc : gb_field_fen(b, n, "limit_fen", &pol->limit_fen, err);
	rc = rc ? rc : gb_field_fen(b, n, "premium_fen", &pol->premium_fen, err);
	rc = rc ? rc : gb_field_fen(b, n, "commission_fen", &pol->commission_fen, err);
	rc = rc ? rc : field_date(b, n, "start", &pol->start, err);
	rc = rc ? rc : field_date(b, n, "end", &pol->end, err);
	rc = rc ? rc : factors_read(b, n, pol, err);
	if (rc != 0)
		return rc;
	if (!gb_id_valid(no))
		return gb_err_set(err, GB_EVALUE, "no: invalid policy number '%.*s' (A-Z a-z 0-9 . _ : / -)",
			(int)no.len, no.ptr);
	if (!gb_usci_valid(usci.ptr, usci.len))
		return gb_err_set(err, GB_EVALUE, "usci: '%.*s' is not a unified social credit code (18 of 0-9 A-H J-N P-R T U W-Y, GB 32100 check character)",
			(int)usci.len, usci.ptr);
	if (list_find(industries, ind.ptr, ind.len) < 0)
		return gb_err_set(err, GB_EVALUE, "industry: unknown industry '%.*s'", (int)ind.len, ind.ptr);
	if (pol->exposure == 0)
		return gb_err_set(err, GB_EVALUE, "exposure: must be above 0");
	if (pol->end <= pol->start)
		return gb_err_set(err, GB_EVALUE, "end: %u is not after start %u", pol->end, pol->start);
	*days = days_between(pol->start, pol->end);
	if (*days > PERIOD_DAYS_MAX)
		return gb_err_set(err, GB_EVALUE, "end: a period of %lld days is over %d", (long long)*days,
			PERIOD_DAYS_MAX);
	gb_str_copy(pol->number, sizeof pol->number, no);
	gb_str_copy(pol->usci, sizeof pol->usci, usci);
	gb_str_copy(pol->enterprise, sizeof pol->enterprise, name);
	gb_str_copy(pol->industry, sizeof pol->industry, ind);
	return 0;
}

/* The limit floor and the commission cap of params. */
static int terms_check(const gb_params *pr, const gb_policy *pol, gb_err *err)
{
	char a[GB_FEN_TEXT_MAX], b[GB_FEN_TEXT_MAX];
	if (pol->limit_fen < pr->limit_floor_fen)
		return gb_err_set(err, GB_EVALUE, "limit_fen: %s fen is below the floor of %s fen",
			gb_fen_format(a, pol->limit_fen), gb_fen_format(b, pr->limit_floor_fen));
	int64_t cap;
	int rc = gb_fen_apply_bps(pol->premium_fen, pr->commission_cap_bps, &cap);
	assert(rc == 0);
	if (pol->commission_fen > cap)
		return gb_err_set(err, GB_EVALUE, "commission_fen: %s fen is over the cap of %s fen (%lld bps of the premium)",
			gb_fen_format(a, pol->commission_fen), gb_fen_format(b, cap), (long long)pr->commission_cap_bps);
	return rc;
}

/* Compares a premium with its floor: below it is GB_EVALUE, or a flag when params say "flag". */
static int floor_check(const gb_params *pr, int64_t premium_fen, int64_t floor_fen, int *flagged,
	gb_err *err)
{
	char a[GB_FEN_TEXT_MAX], b[GB_FEN_TEXT_MAX];
	*flagged = premium_fen < floor_fen;
	if (*flagged && !pr->below_floor_flag)
		return gb_err_set(err, GB_EVALUE, "premium_fen: %s fen is below the rate floor of %s fen",
			gb_fen_format(a, premium_fen), gb_fen_format(b, floor_fen));
	return 0;
}

/* The policy that policy.renew names: it exists, is not cancelled or renewed, same insured, ends where the new one starts. */
static int renew_check(gb_rules_env *env, const gb_entry *e, const gb_policy *pol, gb_policy *old,
	gb_err *err)
{
	gb_str no;
	char buf[GB_POLICY_NO_MAX + 1];
	int rc = gb_field_str(e->body, e->body_len, "renews", &no, GB_POLICY_NO_MAX, err);
	if (rc != 0)
		return rc;
	gb_str_copy(buf, sizeof buf, no);
	rc = gb_policy_load(env->state, buf, old, err);
	if (rc != 0)
		return rc == GB_EVALUE ? gb_err_prefix(err, rc, "renews: ") : rc;
	if (old->status == GB_POLICY_CANCELLED)
		return gb_err_set(err, GB_ESTATE, "renews: policy '%s' was cancelled on %u", buf, old->cancelled_on);
	if (old->renewed_by[0] != '\0')
		return gb_err_set(err, GB_ESTATE, "renews: policy '%s' is already renewed by '%s'", buf,
			old->renewed_by);
	if (strcmp(old->usci, pol->usci) != 0)
		return gb_err_set(err, GB_EVALUE, "usci: '%s' differs from '%s' of the renewed policy '%s'",
			pol->usci, old->usci, buf);
	if (pol->start != old->end)
		return gb_err_set(err, GB_EVALUE, "start: %u must be %u, the end of the renewed policy '%s'",
			pol->start, old->end, buf);
	return 0;
}

/* policy.issue and policy.renew (renew != 0): rate, check and record a new policy, post its premium. */
static int issue_policy(gb_rules_env *env, const gb_entry *e, int renew, gb_err *err)
{
	static _Thread_local gb_policy pol, old;
	memset(&pol, 0, sizeof pol);
	gb_params pr;
	rate_row rate;
	int64_t days = 0, floor_fen = 0;
	char key[GB_STATE_KEY_MAX + 1];
	const uint8_t *p;
	size_t len;
	int rc = gb_params_load(env->state, &pr, err);
	rc = rc ? rc : issue_read(e, &pol, &days, err);
	rc = rc ? rc : policy_shares(env, e, pol.start, &pol.shares, err);
	rc = rc ? rc : policy_key(key, pol.number, err);
	if (rc != 0)
		return rc;
	rc = gb_state_get(env->state, key, &p, &len);
	if (rc == 0)
		return gb_err_set(err, GB_EVALUE, "no: policy '%s' already exists", pol.number);
	if (rc != GB_ENOTFOUND)
		return gb_err_set(err, rc, "reading '%s': %s", key, gb_strerror(rc));
	rc = renew ? renew_check(env, e, &pol, &old, err) : 0;
	rc = rc ? rc : terms_check(&pr, &pol, err);
	rc = rc ? rc : rate_in_force(env->state, pol.industry, pol.start, &rate, err);
	rc = rc ? rc : rate_floor(&rate, &pol, pol.exposure, days, &floor_fen, err);
	rc = rc ? rc : floor_check(&pr, pol.premium_fen, floor_fen, &pol.flagged, err);
	if (rc != 0)
		return rc;
	pol.basis = rate.basis;
	pol.rated_from = rate.from;
	pol.floor_fen = floor_fen;
	pol.term_premium_fen = pol.premium_fen;
	pol.status = GB_POLICY_IN_FORCE;
	pol.issued_at = env->index;
	if (renew)
		memcpy(pol.renews, old.number, sizeof pol.renews);
	rc = post_premium(env, &pol.shares, pol.premium_fen, 1, err);
	rc = rc ? rc : gb_policy_store(env->state, &pol, err);
	if (rc != 0 || !renew)
		return rc;
	memcpy(old.renewed_by, pol.number, sizeof old.renewed_by);
	return gb_policy_store(env->state, &old, err);
}

static int apply_issue(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	return issue_policy(env, e, 0, err);
}

static int apply_renew(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	return issue_policy(env, e, 1, err);
}

/*
 * The policy an endorsement or cancellation names, signed by its lead, in
 * force, and a date (field date_key) within [max(start, endorsed_on), end).
 */
static int change_target(gb_rules_env *env, const gb_entry *e, const char *date_key, gb_policy *pol,
	uint32_t *date, gb_err *err)
{
	gb_str no;
	char buf[GB_POLICY_NO_MAX + 1];
	int rc = gb_field_str(e->body, e->body_len, "policy", &no, GB_POLICY_NO_MAX, err);
	rc = rc ? rc : field_date(e->body, e->body_len, date_key, date, err);
	if (rc != 0)
		return rc;
	gb_str_copy(buf, sizeof buf, no);
	rc = gb_policy_load(env->state, buf, pol, err);
	if (rc != 0)
		return rc;
	if (!gb_str_eq(e->signer, pol->shares.id[pol->shares.lead]))
		return gb_err_set(err, GB_EAUTH, "policy '%s' is changed by its lead '%s', not '%.*s'", buf,
			pol->shares.id[pol->shares.lead], (int)e->signer.len, e->signer.ptr);
	if (pol->status == GB_POLICY_CANCELLED)
		return gb_err_set(err, GB_ESTATE, "policy '%s' was cancelled on %u", buf, pol->cancelled_on);
	uint32_t lo = pol->endorsed_on > pol->start ? pol->endorsed_on : pol->start;
	if (*date < lo || *date >= pol->end)
		return gb_err_set(err, GB_EVALUE, "%s: %u is outside %u..%u (the period%s, end exclusive)",
			date_key, *date, lo, pol->end, lo > pol->start ? " after the last endorsement" : "");
	return 0;
}

/*
 * policy.endorse: new terms from `effective`: the exposure (optional) and
 * the premium for the whole period at the new terms (premium_fen). The
 * premium written changes by the difference pro rata for the remaining days.
 */
static int apply_endorse(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	static _Thread_local gb_policy pol;
	uint32_t eff;
	gb_params pr;
	rate_row rate;
	int64_t term, exposure, floor_fen, diff, delta, written;
	int rc = change_target(env, e, "effective", &pol, &eff, err);
	rc = rc ? rc : gb_field_fen(e->body, e->body_len, "premium_fen", &term, err);
	if (rc == 0 && gb_mp_map_get(e->body, e->body_len, "exposure", NULL, NULL, NULL) == 0)
		rc = gb_field_fen(e->body, e->body_len, "exposure", &exposure, err);
	else
		exposure = pol.exposure;
	rc = rc ? rc : gb_params_load(env->state, &pr, err);
	if (rc != 0)
		return rc;
	if (exposure == 0)
		return gb_err_set(err, GB_EVALUE, "exposure: must be above 0");
	if (exposure == pol.exposure && term == pol.term_premium_fen)
		return gb_err_set(err, GB_EVALUE, "endorsement of '%s' changes neither exposure nor premium", pol.number);
	int64_t period = days_between(pol.start, pol.end), left = days_between(eff, pol.end);
	rc = rate_at(env->state, pol.industry, pol.rated_from, &rate, err);
	rc = rc ? rc : rate_floor(&rate, &pol, exposure, period, &floor_fen, err);
	rc = rc ? rc : floor_check(&pr, term, floor_fen, &pol.flagged, err);
	rc = rc ? rc : gb_fen_sub(term, pol.term_premium_fen, &diff);
	delta = rc ? 0 : prorate(diff, left, period);
	rc = rc ? rc : gb_fen_add(pol.premium_fen, delta, &written);
	if (rc != 0)
		return rc == GB_EOVERFLOW ? gb_err_set(err, rc, "premium_fen: change to %lld fen overflows",
			(long long)term) : rc;
	if (written < 0)
		return gb_err_set(err, GB_EVALUE, "premium_fen: the change of %lld fen would leave %lld fen written",
			(long long)delta, (long long)written);
	pol.exposure = exposure;
	pol.term_premium_fen = term;
	pol.floor_fen = floor_fen;
	pol.premium_fen = written;
	pol.endorsed_on = eff;
	rc = post_premium(env, &pol.shares, delta, 0, err);
	return rc ? rc : gb_policy_store(env->state, &pol, err);
}

/*
 * policy.cancel: the enterprise closed or stopped operating; the premium
 * for the days from `date` to the end at the terms in force is refunded
 * (at most what was written), posted as a negative endorsement.
 */
static int apply_cancel(gb_rules_env *env, const gb_entry *e, gb_err *err)
{
	static _Thread_local gb_policy pol;
	uint32_t date;
	gb_str reason;
	int rc = change_target(env, e, "date", &pol, &date, err);
	rc = rc ? rc : gb_field_str(e->body, e->body_len, "reason", &reason, 64, err);
	if (rc != 0)
		return rc;
	if (!gb_str_eq(reason, "closed") && !gb_str_eq(reason, "stopped"))
		return gb_err_set(err, GB_EVALUE, "reason: '%.*s' does not allow cancellation (closed, stopped)",
			(int)reason.len, reason.ptr);
	int64_t refund = prorate(pol.term_premium_fen, days_between(date, pol.end),
		days_between(pol.start, pol.end));
	if (refund > pol.premium_fen)
		refund = pol.premium_fen;
	pol.premium_fen -= refund;
	pol.status = GB_POLICY_CANCELLED;
	pol.cancelled_on = date;
	rc = post_premium(env, &pol.shares, -refund, 0, err);
	return rc ? rc : gb_policy_store(env->state, &pol, err);
}

static const char *const rates_fields[] = {
	"factors", "float_max_bps", "float_min_bps", "from", "rates", NULL
};
static const char *const issue_fields[] = {
	"commission_fen", "end", "enterprise", "exposure", "factors", "headcount", "industry",
	"limit_fen", "no", "premium_fen", "shares", "start", "usci", NULL
};
static const char *const renew_fields[] = {
	"commission_fen", "end", "enterprise", "exposure", "factors", "headcount", "industry",
	"limit_fen", "no", "premium_fen", "renews", "shares", "start", "usci", NULL
};
static const char *const endorse_fields[] = { "effective", "exposure", "policy", "premium_fen", NULL };
static const char *const cancel_fields[] = { "date", "policy", "reason", NULL };

/* The policies family. Keep in step with spec/RULES.md. */
const struct gb_type_rule gb_rules_policy[] = {
	{ "rates.set", GB_ROLE_ASSOCIATION, GB_ENTRY_SIGS_MAX, rates_fields, apply_rates_set },
	{ "policy.issue", GB_ROLE_MEMBER, 1, issue_fields, apply_issue },
	{ "policy.endorse", GB_ROLE_MEMBER, 1, endorse_fields, apply_endorse },
	{ "policy.renew", GB_ROLE_MEMBER, 1, renew_fields, apply_renew },
	{ "policy.cancel", GB_ROLE_MEMBER, 1, cancel_fields, apply_cancel },
};
const size_t gb_rules_policy_count = sizeof gb_rules_policy / sizeof gb_rules_policy[0];
