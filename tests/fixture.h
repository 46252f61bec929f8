/*
 * tests/fixture.h: a consortium ledger for the rule families' suites: fixed
 * keys, entries signed from JSON, a charter with shares and parameters, and
 * readers for the derived state. Header-only (static functions), included by
 * one suite each.
 */
#ifndef GONGBAO_TESTS_FIXTURE_H
#define GONGBAO_TESTS_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cu.h"
#include "gongbao/entry.h"
#include "gongbao/json.h"
#include "gongbao/ledger.h"

/* The clock of fixture ledgers; entry times default to it. */
#define FX_CLOCK 1767225600

enum { FX_ASSOC, FX_PICC, FX_CPIC, FX_PINGAN, FX_REG, FX_STRANGER, FX_LOG, FX_KEYS };
static const char *const fx_names[FX_KEYS] = {
	"zs-assoc", "picc-zs", "cpic-zs", "pingan-zs", "zs-eb", "stranger", "gongbao.test/zs"
};
static gb_seckey fx_key[FX_KEYS];
static char fx_root[] = "/tmp/gb-fixture-XXXXXX";

static void fx_setup(void)
{
	static int done;
	if (done++)
		return;
	CU_ASSERT_FATAL(sodium_init() >= 0);
	CU_ASSERT_FATAL(gb_test_tmpdir(fx_root) != NULL);
	for (int i = 0; i < FX_KEYS; i++) {
		uint8_t seed[GB_SEED_BYTES];
		memset(seed, 0x40 + i, sizeof seed);
		CU_ASSERT_FATAL(gb_seckey_from_seed(&fx_key[i], fx_names[i], GB_ALG_ED25519, seed, NULL) == 0);
	}
}

static const char *fx_vkey(int who)
{
	static char buf[FX_KEYS][GB_VKEY_MAX];
	gb_vkey_format(&fx_key[who].pub, buf[who]);
	return buf[who];
}

/*
 * Signs a body, given as printf-style JSON, with keys[0] (the signer) and any
 * co-signers; fills in v, consortium, signer and time when absent.
 * Returns the entry length in out.
 */
static size_t fx_vsign(uint8_t *out, size_t cap, const int *who, size_t nwho, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
static size_t fx_vsign(uint8_t *out, size_t cap, const int *who, size_t nwho, const char *fmt, va_list ap)
{
	char text[16384];
	vsnprintf(text, sizeof text, fmt, ap);
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	if (j == NULL)
		fprintf(stderr, "fixture: bad JSON %s: %s\n", text, jerr.text);
	CU_ASSERT_FATAL(j != NULL);
	if (!json_object_get(j, "v"))
		json_object_set_new(j, "v", json_integer(1));
	if (!json_object_get(j, "consortium"))
		json_object_set_new(j, "consortium", json_string("zs-2026"));
	if (!json_object_get(j, "signer"))
		json_object_set_new(j, "signer", json_string(fx_names[who[0]]));
	if (!json_object_get(j, "time"))
		json_object_set_new(j, "time", json_integer(FX_CLOCK));
	static uint8_t body[GB_ENTRY_MAX];
	gb_mpw w;
	gb_mpw_init(&w, body, sizeof body);
	gb_err err;
	CU_ASSERT_FATAL(gb_json_to_mp(j, &w, &err) == 0);
	json_decref(j);
	const gb_seckey *keys[GB_ENTRY_SIGS_MAX];
	for (size_t i = 0; i < nwho; i++)
		keys[i] = &fx_key[who[i]];
	size_t len = 0;
	CU_ASSERT_FATAL(gb_entry_sign(body, w.len, keys, nwho, out, cap, &len, &err) == 0);
	return len;
}

static size_t fx_sign(uint8_t *out, size_t cap, int who, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t fx_sign(uint8_t *out, size_t cap, int who, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t len = fx_vsign(out, cap, &who, 1, fmt, ap);
	va_end(ap);
	return len;
}

/* Appends one entry; returns the code, *index the index when it is 0. */
static int fx_append(gb_ledger *l, const uint8_t *p, size_t len, uint64_t *index, gb_err *err)
{
	gb_bytes in = { p, len };
	gb_append_result res = { 0, 0 };
	int rc = gb_ledger_append(l, &in, 1, &res, err);
	if (rc != 0 && getenv("FX_VERBOSE"))
		fprintf(stderr, "fixture: %s: %s\n", gb_errname(rc), err->msg);
	if (index != NULL)
		*index = res.index;
	return rc;
}

/* Signs and appends in one step; returns the code. */
static int fx_post(gb_ledger *l, gb_err *err, int who, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fx_post(gb_ledger *l, gb_err *err, int who, const char *fmt, ...)
{
	static uint8_t buf[GB_ENTRY_MAX];
	va_list ap;
	va_start(ap, fmt);
	size_t len = fx_vsign(buf, sizeof buf, &who, 1, fmt, ap);
	va_end(ap);
	return fx_append(l, buf, len, NULL, err);
}

/* The same with co-signers: who[0] signs, who[1..n) co-sign. */
static __attribute__((unused)) int fx_post_co(gb_ledger *l, gb_err *err, const int *who, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static __attribute__((unused)) int fx_post_co(gb_ledger *l, gb_err *err, const int *who, size_t n, const char *fmt, ...)
{
	static uint8_t buf[GB_ENTRY_MAX];
	va_list ap;
	va_start(ap, fmt);
	size_t len = fx_vsign(buf, sizeof buf, who, n, fmt, ap);
	va_end(ap);
	return fx_append(l, buf, len, NULL, err);
}

/* The participants of the fixture charter, as JSON. */
static const char *fx_participants(void)
{
	static char buf[4096];
	snprintf(buf, sizeof buf,
		"[{\"id\":\"zs-assoc\",\"role\":\"association\",\"vkey\":\"%s\"},"
		"{\"id\":\"picc-zs\",\"role\":\"member\",\"vkey\":\"%s\"},"
		"{\"id\":\"cpic-zs\",\"role\":\"member\",\"vkey\":\"%s\"},"
		"{\"id\":\"zs-eb\",\"role\":\"regulator\",\"vkey\":\"%s\"}]",
		fx_vkey(FX_ASSOC), fx_vkey(FX_PICC), fx_vkey(FX_CPIC), fx_vkey(FX_REG));
	return buf;
}

/* The fixture's default shares: picc 60% (lead), cpic 40%. */
#define FX_SHARES "{\"lead\":\"picc-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":4000},{\"id\":\"picc-zs\",\"bps\":6000}]}"

/*
 * Creates a ledger whose charter has the fixture's participants and the
 * given extra charter fields (",\"shares\":...", or "" for none).
 * Returns the code; *out the ledger on success.
 */
static int fx_ledger_with(gb_ledger **out, gb_err *err, const char *extra)
{
	fx_setup();
	static int seq;
	char dir[256];
	snprintf(dir, sizeof dir, "%s/l%d", fx_root, ++seq);
	static uint8_t buf[GB_ENTRY_MAX];
	size_t len = fx_sign(buf, sizeof buf, FX_ASSOC,
		"{\"type\":\"charter\",\"id\":\"charter\",\"name\":\"Fixture consortium\","
		"\"participants\":%s%s}", fx_participants(), extra);
	gb_ledger_opts opts = { .clock_s = FX_CLOCK };
	*out = NULL;
	return gb_ledger_create(dir, "gongbao.test/zs", &fx_key[FX_LOG].pub, buf, len, &opts, out, err);
}

/* A ledger with the default shares and parameters; fails the test if it cannot. */
static gb_ledger *fx_ledger(void)
{
	gb_ledger *l;
	gb_err err;
	int rc = fx_ledger_with(&l, &err, ",\"shares\":" FX_SHARES);
	if (rc != 0)
		fprintf(stderr, "fixture: %s\n", err.msg);
	CU_ASSERT_FATAL(rc == 0);
	return l;
}

/* The state value of key as of `as_of`, as JSON (NULL if absent). Caller decrefs. */
static json_t *fx_state(gb_ledger *l, const char *key, uint64_t as_of)
{
	uint8_t *p;
	size_t len;
	if (gb_ledger_state_get(l, key, as_of, &p, &len, NULL) != 0)
		return NULL;
	json_t *j = gb_mp_to_json(p, len);
	free(p);
	return j;
}

/*
 * Writes a "params" record with the charter defaults but `setaside_bps`, for
 * suites that test rules on an in-memory state (TRANSACTIONS.md section 6).
 */
static __attribute__((unused)) void fx_put_params(const gb_state *st, int64_t setaside_bps)
{
	uint8_t buf[256];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_map(&w, 7);
	gb_mpw_cstr(&w, "below_floor");
	gb_mpw_cstr(&w, "reject");
	gb_mpw_cstr(&w, "commission_cap_bps");
	gb_mpw_int(&w, 500);
	gb_mpw_cstr(&w, "limit_floor_fen");
	gb_mpw_int(&w, 40000000);
	gb_mpw_cstr(&w, "setaside_bps");
	gb_mpw_int(&w, setaside_bps);
	gb_mpw_cstr(&w, "setaside_max_bps");
	gb_mpw_int(&w, 2100);
	gb_mpw_cstr(&w, "setaside_min_bps");
	gb_mpw_int(&w, 1500);
	gb_mpw_cstr(&w, "skew_s");
	gb_mpw_int(&w, 86400);
	CU_ASSERT_FATAL(w.err == 0);
	CU_ASSERT_FATAL(gb_state_put(st, "params", buf, w.len) == 0);
}

/* The number of entries in the log. */
static __attribute__((unused)) uint64_t fx_log_size(gb_ledger *l)
{
	uint64_t n = 0;
	gb_err err;
	CU_ASSERT_FATAL(gb_ledger_size(l, &n, &err) == 0);
	return n;
}

/* A balance now ("m/picc-zs/cash"): 8 bytes big-endian in "bal/<account>"; absent is 0. */
static __attribute__((unused)) int64_t fx_balance(gb_ledger *l, const char *account)
{
	char key[256];
	snprintf(key, sizeof key, "bal/%s", account);
	uint8_t *p = NULL;
	size_t len = 0;
	int rc = gb_ledger_state_get(l, key, UINT64_MAX, &p, &len, NULL);
	if (rc == GB_ENOTFOUND)
		return 0;
	CU_ASSERT_FATAL(rc == 0 && len == 8);
	uint64_t u = 0;
	for (size_t i = 0; i < 8; i++)
		u = u << 8 | p[i];
	free(p);
	return (int64_t)u;
}

/* An integer field of a state map (LLONG_MIN if absent). */
static __attribute__((unused)) long long fx_state_int(gb_ledger *l, const char *key, const char *field)
{
	json_t *j = fx_state(l, key, UINT64_MAX);
	long long v = j && json_is_integer(json_object_get(j, field))
		? (long long)json_integer_value(json_object_get(j, field)) : (-0x7fffffffffffffffLL - 1);
	json_decref(j);
	return v;
}

#endif
