/*
 * test_policy.c: the policies family end to end through a real ledger:
 * rates.set, policy.issue, policy.endorse, policy.renew, policy.cancel, and
 * the gongbao/policy.h reader over an in-memory state.
 */
#include "fixture.h"
#include "gongbao/policy.h"
#include "gongbao/rules.h"
#include "gongbao/state.h"

static const int assoc_reg[] = { FX_ASSOC, FX_REG };

/* Two industries from 2026-01-01: mining by head, construction by cost (0.40 per mille). */
#define RATES_2026 "{\"type\":\"rates.set\",\"id\":\"r2026\",\"from\":20260101," \
	"\"float_min_bps\":-3000,\"float_max_bps\":3000," \
	"\"factors\":{\"accidents\":{\"general\":1000,\"larger\":2000,\"major\":3000,\"none\":-1000}," \
	"\"grade\":{\"1\":-1000,\"2\":0,\"3\":1000}}," \
	"\"rates\":{\"construction\":{\"basis\":\"cost\",\"rate\":400},\"mining\":{\"basis\":\"head\",\"rate\":30000}}}"

#define USCI1 "91350100M000100Y43"
#define USCI2 "91330900MA28K0001W"

/* The factors issue_json claims. */
static const char *issue_factors = "{\"accidents\":\"none\",\"grade\":\"1\"}";

/*
 * A policy.issue body; `extra` adds fields (",\"shares\":..."). With the
 * defaults of ISSUE_OK, a mining policy for a year: 100 heads at 300 CNY =
 * 3,000,000 fen a year, floated -2,000 bps (no accident, grade 1): a floor
 * of 2,400,000 fen.
 */
static char *issue_json(const char *id, const char *no, const char *usci, const char *industry,
	long long exposure, long long limit, long long start, long long end, long long premium,
	long long commission, const char *extra)
{
	static char buf[4096];
	snprintf(buf, sizeof buf,
		"{\"type\":\"policy.issue\",\"id\":\"%s\",\"no\":\"%s\",\"usci\":\"%s\","
		"\"enterprise\":\"Zhoushan Mining Co.\",\"industry\":\"%s\",\"exposure\":%lld,"
		"\"headcount\":100,\"limit_fen\":%lld,\"start\":%lld,\"end\":%lld,\"premium_fen\":%lld,"
		"\"commission_fen\":%lld,\"factors\":%s%s}",
		id, no, usci, industry, exposure, limit, start, end, premium, commission, issue_factors, extra);
	return buf;
}

#define ISSUE_OK(id, no) issue_json(id, no, USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 100000, "")

/* A balance in fen (0 if absent); the test fails if it is not 8 bytes. */
static long long bal(gb_ledger *l, const char *account)
{
	char key[256];
	snprintf(key, sizeof key, "bal/%s", account);
	uint8_t *p;
	size_t len;
	if (gb_ledger_state_get(l, key, UINT64_MAX, &p, &len, NULL) != 0)
		return 0;
	CU_ASSERT_EQUAL_FATAL(len, 8);
	uint64_t u = 0;
	for (size_t i = 0; i < 8; i++)
		u = u << 8 | p[i];
	free(p);
	return (long long)u;
}

static uint64_t size_of(gb_ledger *l)
{
	uint64_t n = 0;
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_ledger_size(l, &n, &err), 0);
	return n;
}

static const char *state_str(json_t *j, const char *field)
{
	const char *s = json_string_value(json_object_get(j, field));
	return s ? s : "(absent)";
}

static long long state_num(json_t *j, const char *field)
{
	json_t *v = json_object_get(j, field);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* A ledger with the fixture charter and the 2026 rates. */
static gb_ledger *rated_ledger(const char *extra)
{
	gb_ledger *l;
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(fx_ledger_with(&l, &err, extra), 0);
	int rc = fx_post_co(l, &err, assoc_reg, 2, RATES_2026);
	if (rc != 0)
		fprintf(stderr, "rates: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return l;
}

static void test_rates_set(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	/* Without a regulator's co-signature, or with a member's instead. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, RATES_2026), GB_ENOSIG);
	const int assoc_member[] = { FX_ASSOC, FX_PICC };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, assoc_member, 2, RATES_2026), GB_ENOSIG);
	/* Signed by a member or by the regulator alone: wrong role. */
	const int member_reg[] = { FX_PICC, FX_REG };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, member_reg, 2, RATES_2026), GB_EAUTH);
	const int reg_assoc[] = { FX_REG, FX_ASSOC };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, reg_assoc, 2, RATES_2026), GB_EAUTH);
	CU_ASSERT_EQUAL(size_of(l), 1);
	CU_ASSERT_PTR_NULL(fx_state(l, "rates/mining", UINT64_MAX));

	static const struct { const char *body; int code; const char *needle; } bad[] = {
		{ "{\"type\":\"rates.set\",\"id\":\"b1\",\"from\":20260101,\"float_min_bps\":-3000,\"float_max_bps\":3000,"
		  "\"factors\":{},\"rates\":{\"gold\":{\"basis\":\"head\",\"rate\":1}}}", GB_EVALUE, "gold" },
		{ "{\"type\":\"rates.set\",\"id\":\"b2\",\"from\":20260101,\"float_min_bps\":-3000,\"float_max_bps\":3000,"
		  "\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"acre\",\"rate\":1}}}", GB_EVALUE, "acre" },
		{ "{\"type\":\"rates.set\",\"id\":\"b3\",\"from\":20260101,\"float_min_bps\":-3000,\"float_max_bps\":3000,"
		  "\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"cost\",\"rate\":1000001}}}", GB_EVALUE, "rate" },
		{ "{\"type\":\"rates.set\",\"id\":\"b4\",\"from\":20260101,\"float_min_bps\":-3000,\"float_max_bps\":3000,"
		  "\"factors\":{\"weather\":{\"bad\":1}},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":1}}}", GB_EVALUE, "weather" },
		{ "{\"type\":\"rates.set\",\"id\":\"b5\",\"from\":20260101,\"float_min_bps\":100,\"float_max_bps\":3000,"
		  "\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":1}}}", GB_EVALUE, "float_min_bps" },
		{ "{\"type\":\"rates.set\",\"id\":\"b6\",\"from\":20260230,\"float_min_bps\":0,\"float_max_bps\":0,"
		  "\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":1}}}", GB_EVALUE, "20260230" },
		{ "{\"type\":\"rates.set\",\"id\":\"b7\",\"from\":20260101,\"float_min_bps\":0,\"float_max_bps\":0,"
		  "\"factors\":{\"grade\":{\"1\":10001}},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":1}}}", GB_EVALUE, "grade" },
		{ "{\"type\":\"rates.set\",\"id\":\"b8\",\"from\":20260101,\"float_min_bps\":0,\"float_max_bps\":0,"
		  "\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":1,\"x\":1}}}", GB_EFIELD, "x" },
		{ "{\"type\":\"rates.set\",\"id\":\"b9\",\"from\":20260101,\"float_min_bps\":0,\"float_max_bps\":0,"
		  "\"factors\":{},\"rates\":{}}", GB_EVALUE, "rates" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = fx_post_co(l, &err, assoc_reg, 2, "%s", bad[i].body);
		if (rc != bad[i].code || strstr(err.msg, bad[i].needle) == NULL)
			fprintf(stderr, "rates case %zu: %s: %s\n", i, gb_errname(rc), err.msg);
		CU_ASSERT_EQUAL(rc, bad[i].code);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, bad[i].needle));
	}
	CU_ASSERT_EQUAL(size_of(l), 1);

	CU_ASSERT_EQUAL_FATAL(fx_post_co(l, &err, assoc_reg, 2, RATES_2026), 0);
	json_t *idx = fx_state(l, "rates/mining", UINT64_MAX);
	CU_ASSERT_FATAL(idx != NULL);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(idx, "from")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(json_object_get(idx, "from"), 0)), 20260101);
	json_decref(idx);
	json_t *row = fx_state(l, "rates/construction/20260101", UINT64_MAX);
	CU_ASSERT_FATAL(row != NULL);
	CU_ASSERT_STRING_EQUAL(state_str(row, "basis"), "cost");
	CU_ASSERT_EQUAL(state_num(row, "rate"), 400);
	CU_ASSERT_EQUAL(state_num(row, "float_min_bps"), -3000);
	CU_ASSERT_EQUAL(state_num(row, "float_max_bps"), 3000);
	CU_ASSERT_EQUAL(state_num(row, "from"), 20260101);
	CU_ASSERT_EQUAL(state_num(row, "set_at"), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(json_object_get(row, "factors"),
		"accidents"), "none")), -1000);
	json_decref(row);
	CU_ASSERT_PTR_NULL(fx_state(l, "rates/fishery", UINT64_MAX));

	/* A second table must start later than the latest. */
	CU_ASSERT_EQUAL(fx_post_co(l, &err, assoc_reg, 2, "{\"type\":\"rates.set\",\"id\":\"r-same\","
		"\"from\":20260101,\"float_min_bps\":0,\"float_max_bps\":0,\"factors\":{},"
		"\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":1}}}"), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, assoc_reg, 2, "{\"type\":\"rates.set\",\"id\":\"r2027\","
		"\"from\":20270101,\"float_min_bps\":0,\"float_max_bps\":0,\"factors\":{},"
		"\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":40000}}}"), 0);
	idx = fx_state(l, "rates/mining", UINT64_MAX);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(idx, "from")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(json_object_get(idx, "from"), 1)), 20270101);
	json_decref(idx);
	/* construction was not in the 2027 table: its index is unchanged. */
	idx = fx_state(l, "rates/construction", UINT64_MAX);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(idx, "from")), 1);
	json_decref(idx);
	gb_ledger_close(l);
}

static void test_issue(void)
{
	gb_ledger *l = rated_ledger(",\"shares\":" FX_SHARES);
	gb_err err;
	uint64_t before = size_of(l);
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC, "%s", ISSUE_OK("i1", "P-1")), 0);
	CU_ASSERT_EQUAL(size_of(l), before + 1);
	json_t *p = fx_state(l, "policy/P-1", UINT64_MAX);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_STRING_EQUAL(state_str(p, "no"), "P-1");
	CU_ASSERT_STRING_EQUAL(state_str(p, "usci"), USCI1);
	CU_ASSERT_STRING_EQUAL(state_str(p, "enterprise"), "Zhoushan Mining Co.");
	CU_ASSERT_STRING_EQUAL(state_str(p, "industry"), "mining");
	CU_ASSERT_STRING_EQUAL(state_str(p, "basis"), "head");
	CU_ASSERT_STRING_EQUAL(state_str(p, "status"), "in_force");
	CU_ASSERT_EQUAL(state_num(p, "exposure"), 100);
	CU_ASSERT_EQUAL(state_num(p, "headcount"), 100);
	CU_ASSERT_EQUAL(state_num(p, "limit_fen"), 50000000);
	CU_ASSERT_EQUAL(state_num(p, "start"), 20260101);
	CU_ASSERT_EQUAL(state_num(p, "end"), 20270101);
	CU_ASSERT_EQUAL(state_num(p, "premium_fen"), 2500000);
	CU_ASSERT_EQUAL(state_num(p, "term_premium_fen"), 2500000);
	CU_ASSERT_EQUAL(state_num(p, "commission_fen"), 100000);
	CU_ASSERT_EQUAL(state_num(p, "floor_fen"), 2400000);
	CU_ASSERT_EQUAL(state_num(p, "received_fen"), 0);
	CU_ASSERT_EQUAL(state_num(p, "issued_at"), 2);
	CU_ASSERT_EQUAL(state_num(p, "rated_from"), 20260101);
	CU_ASSERT(json_is_false(json_object_get(p, "flagged")));
	CU_ASSERT_PTR_NULL(json_object_get(p, "cancelled_on"));
	CU_ASSERT_PTR_NULL(json_object_get(p, "renews"));
	CU_ASSERT_STRING_EQUAL(state_str(json_object_get(p, "shares"), "lead"), "picc-zs");
	CU_ASSERT_STRING_EQUAL(state_str(json_object_get(p, "factors"), "accidents"), "none");
	CU_ASSERT_EQUAL(json_object_size(p), 21);
	json_decref(p);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1500000);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/premium"), -1500000);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/receivable"), 1000000);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/premium"), -1000000);
	json_t *post = fx_state(l, "post/2", UINT64_MAX);
	CU_ASSERT_EQUAL(json_array_size(post), 4);
	json_decref(post);

	/* Construction by cost: 10,000,000 CNY at 400 ppm = 400,000 fen a year, floated
	 * +4,000 bps clamped to +3,000 = 520,000, for 184 of 365 days = 262,137 fen. */
	issue_factors = "{\"accidents\":\"major\",\"grade\":\"3\"}";
	char body[4096];
	snprintf(body, sizeof body, "%s", issue_json("i2", "C-1", USCI2, "construction", 1000000000, 40000000,
		20260301, 20260901, 262137, 13106, ""));
	issue_factors = "{\"accidents\":\"none\",\"grade\":\"1\"}";
	int rc = fx_post(l, &err, FX_PICC, "%s", body);
	if (rc != 0)
		fprintf(stderr, "C-1: %s\n", err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(fx_state_int(l, "policy/C-1", "floor_fen"), 262137);
	CU_ASSERT_EQUAL(fx_state_int(l, "policy/C-1", "exposure"), 1000000000);
	/* 262,137 x 60% = 157,282.2 and x 40% = 104,854.8: the odd fen goes to cpic. */
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1500000 + 157282);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/receivable"), 1000000 + 104855);
	/* One fen less is below the floor. */
	char *f = strstr(body, "262137");
	memcpy(f, "262136", 6);
	memcpy(strstr(body, "\"C-1\""), "\"C-2\"", 5);
	memcpy(strstr(body, "\"i2\""), "\"i3\"", 4);
	rc = fx_post(l, &err, FX_PICC, "%s", body);
	CU_ASSERT_EQUAL(rc, GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "262,136"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "262,137"));
	CU_ASSERT_PTR_NULL(fx_state(l, "policy/C-2", UINT64_MAX));
	gb_ledger_close(l);
}

/* Every rejection of policy.issue: nothing changes, the code and message are exact. */
static void test_issue_rejections(void)
{
	gb_ledger *l = rated_ledger(",\"shares\":" FX_SHARES);
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC, "%s", ISSUE_OK("i1", "P-1")), 0);
	uint64_t before = size_of(l);
	static const struct { int who; const char *no; const char *usci; const char *industry; long long exposure;
		long long limit; long long start; long long end; long long premium; long long commission;
		const char *extra; int code; const char *needle; } bad[] = {
		/* wrong role: the association; a member that does not lead the table */
		{ FX_ASSOC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EAUTH, "" },
		{ FX_CPIC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EAUTH, "'picc-zs'" },
		{ FX_PICC, "P-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EVALUE, "already exists" },
		{ FX_PICC, "X-1", "91350100M000100Y44", "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EVALUE, "usci" },
		{ FX_PICC, "X-1", "91350100M000100I43", "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EVALUE, "usci" },
		{ FX_PICC, "X-1", "91350100M000100Y4", "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EVALUE, "usci" },
		{ FX_PICC, "X-1", USCI1, "gold", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EVALUE, "'gold'" },
		{ FX_PICC, "X-1", USCI1, "fishery", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_ENOTFOUND, "fishery" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20250101, 20260101, 2500000, 0, "", GB_ENOTFOUND, "20250101" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20260101, 2500000, 0, "", GB_EVALUE, "end" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260201, 20260101, 2500000, 0, "", GB_EVALUE, "end" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20290201, 2500000, 0, "", GB_EVALUE, "days" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 39999999, 20260101, 20270101, 2500000, 0, "", GB_EVALUE, "39,999,999 fen is below the floor of 40,000,000" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 125001, "", GB_EVALUE, "125,001 fen is over the cap of 125,000" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2399999, 0, "", GB_EVALUE, "2,399,999 fen is below the rate floor of 2,400,000" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 1000000000000001LL, 0, "", GB_EOVERFLOW, "premium_fen" },
		{ FX_PICC, "X-1", USCI1, "mining", 1000000000000LL, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EOVERFLOW, "exposure" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, ",\"shares\":{\"lead\":\"cpic-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":10000}]}", GB_EAUTH, "'cpic-zs'" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, ",\"shares\":{\"lead\":\"picc-zs\",\"members\":[{\"id\":\"picc-zs\",\"bps\":9000}]}", GB_EVALUE, "9000" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, ",\"shares\":{\"lead\":\"zs-eb\",\"members\":[{\"id\":\"zs-eb\",\"bps\":10000}]}", GB_EVALUE, "not a member" },
		{ FX_PICC, "X/1 ", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EVALUE, "policy number" },
		{ FX_PICC, "X-1", USCI1, "mining", 0, 50000000, 20260101, 20270101, 2500000, 0, "", GB_EVALUE, "exposure" },
		{ FX_PICC, "X-1", USCI1, "mining", 100, 50000000, 20260101, 20270101, 2500000, 0, ",\"colour\":1", GB_EFIELD, "colour" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char id[16];
		snprintf(id, sizeof id, "bad%zu", i);
		int rc = fx_post(l, &err, bad[i].who, "%s", issue_json(id, bad[i].no, bad[i].usci, bad[i].industry,
			bad[i].exposure, bad[i].limit, bad[i].start, bad[i].end, bad[i].premium, bad[i].commission,
			bad[i].extra));
		if (rc != bad[i].code || strstr(err.msg, bad[i].needle) == NULL)
			fprintf(stderr, "issue case %zu: %s: %s\n", i, gb_errname(rc), err.msg);
		CU_ASSERT_EQUAL(rc, bad[i].code);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, bad[i].needle));
		CU_ASSERT_EQUAL(size_of(l), before);
		CU_ASSERT_PTR_NULL(fx_state(l, "policy/X-1", UINT64_MAX));
		CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1500000);
		CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/premium"), -1000000);
	}
	/* Factors: one the table rates left out, a level it does not know, one it does not rate. */
	static const char *const bad_factors[] = {
		"{\"accidents\":\"none\"}", "{\"accidents\":\"none\",\"grade\":\"9\"}",
		"{\"accidents\":\"none\",\"grade\":\"1\",\"risk\":\"low\"}",
	};
	for (size_t i = 0; i < 3; i++) {
		char body[4096], id[16];
		snprintf(id, sizeof id, "badf%zu", i);
		snprintf(body, sizeof body, "%s", issue_json(id, "X-1", USCI1, "mining", 100, 50000000, 20260101,
			20270101, 2500000, 0, ""));
		char *f = strstr(body, ",\"factors\"");
		snprintf(f, sizeof body - (size_t)(f - body), ",\"factors\":%s}", bad_factors[i]);
		CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "%s", body), GB_EVALUE);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "factors"));
	}
	CU_ASSERT_EQUAL(size_of(l), before);
	/* A policy given explicit shares is signed by their lead. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, "%s", issue_json("own", "X-1", USCI1, "mining", 100, 50000000,
		20260101, 20270101, 2500000, 0,
		",\"shares\":{\"lead\":\"cpic-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":10000}]}")), 0);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/receivable"), 1000000 + 2500000);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1500000);
	gb_ledger_close(l);
}

static void test_below_floor_flag(void)
{
	gb_ledger *l = rated_ledger(",\"shares\":" FX_SHARES ",\"params\":{\"below_floor\":\"flag\"}");
	gb_err err;
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "%s", issue_json("i1", "P-1", USCI1, "mining", 100, 50000000,
		20260101, 20270101, 1800000, 0, "")), 0);
	json_t *p = fx_state(l, "policy/P-1", UINT64_MAX);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(json_is_true(json_object_get(p, "flagged")));
	CU_ASSERT_EQUAL(state_num(p, "floor_fen"), 2400000);
	CU_ASSERT_EQUAL(state_num(p, "premium_fen"), 1800000);
	json_decref(p);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/premium"), -1080000);
	/* At the floor exactly: not flagged. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "%s", issue_json("i2", "P-2", USCI1, "mining", 100, 50000000,
		20260101, 20270101, 2400000, 0, "")), 0);
	p = fx_state(l, "policy/P-2", UINT64_MAX);
	CU_ASSERT(json_is_false(json_object_get(p, "flagged")));
	json_decref(p);
	gb_ledger_close(l);
}

#define ENDORSE(id, pol, eff, prem, extra) "{\"type\":\"policy.endorse\",\"id\":\"" id "\",\"policy\":\"" pol \
	"\",\"effective\":" #eff ",\"premium_fen\":" #prem extra "}"
#define CANCEL(id, pol, date, reason) "{\"type\":\"policy.cancel\",\"id\":\"" id "\",\"policy\":\"" pol \
	"\",\"date\":" #date ",\"reason\":\"" reason "\"}"

static void test_endorse_and_cancel(void)
{
	gb_ledger *l = rated_ledger(",\"shares\":" FX_SHARES);
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC, "%s", ISSUE_OK("i1", "P-1")), 0);
	uint64_t before = size_of(l);
	/* Rejections first: nothing changes. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, ENDORSE("e0", "P-1", 20260702, 3000000, ",\"exposure\":120")), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_ASSOC, ENDORSE("e1", "P-1", 20260702, 3000000, ",\"exposure\":120")), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, ENDORSE("e2", "P-9", 20260702, 3000000, "")), GB_ENOTFOUND);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, ENDORSE("e3", "P-1", 20270101, 3000000, "")), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, ENDORSE("e4", "P-1", 20251231, 3000000, "")), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, ENDORSE("e5", "P-1", 20260702, 2500000, "")), GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "neither"));
	/* 120 heads: floor 3,600,000 x 0.8 = 2,880,000. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, ENDORSE("e6", "P-1", 20260702, 2879999, ",\"exposure\":120")), GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "2,880,000"));
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, ENDORSE("e7", "P-1", 20260702, 1000000000000001, "")), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(size_of(l), before);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1500000);

	/* +500,000 for the whole period, 183 of 365 days left: +250,685 = 150,411 + 100,274. */
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC, ENDORSE("e8", "P-1", 20260702, 3000000, ",\"exposure\":120")), 0);
	json_t *p = fx_state(l, "policy/P-1", UINT64_MAX);
	CU_ASSERT_EQUAL(state_num(p, "premium_fen"), 2750685);
	CU_ASSERT_EQUAL(state_num(p, "term_premium_fen"), 3000000);
	CU_ASSERT_EQUAL(state_num(p, "floor_fen"), 2880000);
	CU_ASSERT_EQUAL(state_num(p, "exposure"), 120);
	CU_ASSERT_EQUAL(state_num(p, "endorsed_on"), 20260702);
	CU_ASSERT_STRING_EQUAL(state_str(p, "status"), "in_force");
	json_decref(p);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1650411);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/receivable"), 1100274);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/premium"), -1100274);

	/* Cancellation: only for closed or stopped, not before the last endorsement. */
	before = size_of(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, CANCEL("c0", "P-1", 20261001, "moved")), GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'moved'"));
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, CANCEL("c1", "P-1", 20260601, "closed")), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, CANCEL("c2", "P-1", 20261001, "closed")), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, CANCEL("c3", "P-1", 20270101, "closed")), GB_EVALUE);
	CU_ASSERT_EQUAL(size_of(l), before);
	/* 92 of 365 days left at 3,000,000: refund 756,164 = 453,698 + 302,466. */
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC, CANCEL("c4", "P-1", 20261001, "closed")), 0);
	p = fx_state(l, "policy/P-1", UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(state_str(p, "status"), "cancelled");
	CU_ASSERT_EQUAL(state_num(p, "cancelled_on"), 20261001);
	CU_ASSERT_EQUAL(state_num(p, "premium_fen"), 2750685 - 756164);
	json_decref(p);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1650411 - 453698);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/receivable"), 1100274 - 302466);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/premium"), -(1650411 - 453698));
	/* A cancelled policy can be neither endorsed nor cancelled again. */
	before = size_of(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, ENDORSE("e9", "P-1", 20261101, 3100000, "")), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, CANCEL("c5", "P-1", 20261101, "stopped")), GB_ESTATE);
	CU_ASSERT_EQUAL(size_of(l), before);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1650411 - 453698);
	gb_ledger_close(l);
}

#define RENEW(id, no, old, usci, start, end) "{\"type\":\"policy.renew\",\"id\":\"" id "\",\"no\":\"" no \
	"\",\"renews\":\"" old "\",\"usci\":\"" usci "\",\"enterprise\":\"Zhoushan Mining Co.\"," \
	"\"industry\":\"mining\",\"exposure\":100,\"headcount\":100,\"limit_fen\":50000000," \
	"\"start\":" #start ",\"end\":" #end ",\"premium_fen\":2600000,\"commission_fen\":0," \
	"\"factors\":{\"accidents\":\"none\",\"grade\":\"1\"}}"

static void test_renew(void)
{
	gb_ledger *l = rated_ledger(",\"shares\":" FX_SHARES);
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC, "%s", ISSUE_OK("i1", "P-1")), 0);
	uint64_t before = size_of(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RENEW("n0", "P-2", "P-9", USCI1, 20270101, 20280101)), GB_ENOTFOUND);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RENEW("n1", "P-2", "P-1", USCI1, 20270102, 20280101)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RENEW("n2", "P-2", "P-1", USCI2, 20270101, 20280101)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, RENEW("n3", "P-2", "P-1", USCI1, 20270101, 20280101)), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RENEW("n4", "P-1", "P-1", USCI1, 20270101, 20280101)), GB_EVALUE);
	CU_ASSERT_EQUAL(size_of(l), before);
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC, RENEW("n5", "P-2", "P-1", USCI1, 20270101, 20280101)), 0);
	json_t *p = fx_state(l, "policy/P-2", UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(state_str(p, "renews"), "P-1");
	CU_ASSERT_EQUAL(state_num(p, "premium_fen"), 2600000);
	CU_ASSERT_EQUAL(state_num(p, "floor_fen"), 2400000);
	CU_ASSERT_EQUAL(state_num(p, "start"), 20270101);
	json_decref(p);
	p = fx_state(l, "policy/P-1", UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(state_str(p, "renewed_by"), "P-2");
	CU_ASSERT_EQUAL(state_num(p, "premium_fen"), 2500000);
	json_decref(p);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1500000 + 1560000);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/receivable"), 1000000 + 1040000);
	/* Renewed once only; a cancelled policy is not renewed. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RENEW("n6", "P-3", "P-1", USCI1, 20270101, 20280101)), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, CANCEL("c1", "P-2", 20270101, "stopped")), 0);
	CU_ASSERT_EQUAL(fx_state_int(l, "policy/P-2", "premium_fen"), 0);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1500000);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RENEW("n7", "P-3", "P-2", USCI1, 20280101, 20290101)), GB_ESTATE);
	gb_ledger_close(l);
}

/* The default share table switches to shares/next for policies starting on or after its date. */
static void test_default_shares_next(void)
{
	gb_ledger *l = rated_ledger(",\"shares\":" FX_SHARES);
	gb_err err;
	const int consent[] = { FX_ASSOC, FX_CPIC, FX_PICC };
	CU_ASSERT_EQUAL_FATAL(fx_post_co(l, &err, consent, 3, "{\"type\":\"shares.set\",\"id\":\"s1\",\"from\":20260701,"
		"\"shares\":{\"lead\":\"cpic-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":5000},{\"id\":\"picc-zs\",\"bps\":5000}]}}"), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "%s", issue_json("i1", "P-1", USCI1, "mining", 100, 50000000,
		20260701, 20270701, 2500000, 0, "")), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_CPIC, "%s", issue_json("i2", "P-1", USCI1, "mining", 100, 50000000,
		20260701, 20270701, 2500000, 0, "")), 0);
	CU_ASSERT_EQUAL(bal(l, "m/cpic-zs/receivable"), 1250000);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1250000);
	/* Starting the day before: the old default, led by picc. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "%s", issue_json("i3", "P-2", USCI1, "mining", 100, 50000000,
		20260630, 20270630, 2500000, 0, "")), 0);
	CU_ASSERT_EQUAL(bal(l, "m/picc-zs/receivable"), 1250000 + 1500000);
	gb_ledger_close(l);

	/* No default table and none given. */
	CU_ASSERT_EQUAL_FATAL(fx_ledger_with(&l, &err, ""), 0);
	CU_ASSERT_EQUAL_FATAL(fx_post_co(l, &err, assoc_reg, 2, RATES_2026), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "%s", ISSUE_OK("i1", "P-1")), GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "shares"));
	gb_ledger_close(l);
}

/* gongbao/policy.h over an in-memory state. */
static void test_policy_api(void)
{
	CU_ASSERT(gb_usci_valid(USCI1, 18));
	CU_ASSERT(gb_usci_valid(USCI2, 18));
	CU_ASSERT(!gb_usci_valid("91350100M000100Y44", 18));
	CU_ASSERT(!gb_usci_valid("91350100M000100Y4", 17));
	CU_ASSERT(!gb_usci_valid("91350100m000100Y43", 18));
	CU_ASSERT(!gb_usci_valid("91350100O000100Y43", 18));

	gb_memstate *ms = gb_memstate_new();
	CU_ASSERT_FATAL(ms != NULL);
	gb_state st = gb_memstate_state(ms);
	static gb_policy p, q;
	gb_err err;
	memset(&p, 0, sizeof p);
	CU_ASSERT_EQUAL(gb_policy_load(&st, "P-1", &q, &err), GB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'P-1'"));
	snprintf(p.number, sizeof p.number, "P-1");
	snprintf(p.usci, sizeof p.usci, USCI1);
	snprintf(p.enterprise, sizeof p.enterprise, "Mine");
	snprintf(p.industry, sizeof p.industry, "mining");
	p.exposure = 10, p.headcount = 10, p.limit_fen = 40000000, p.start = 20260101, p.end = 20270101;
	p.premium_fen = 1000, p.term_premium_fen = 1000, p.floor_fen = 900, p.rated_from = 20260101;
	p.shares.count = 1, p.shares.lead = 0, p.shares.bps[0] = 10000;
	snprintf(p.shares.id[0], sizeof p.shares.id[0], "picc-zs");
	p.factor_count = 1;
	snprintf(p.factor[0].name, sizeof p.factor[0].name, "grade");
	snprintf(p.factor[0].level, sizeof p.factor[0].level, "2");
	CU_ASSERT_EQUAL_FATAL(gb_policy_store(&st, &p, &err), 0);
	p.received_fen = 400;
	CU_ASSERT_EQUAL_FATAL(gb_policy_store(&st, &p, &err), 0);
	CU_ASSERT_EQUAL_FATAL(gb_policy_load(&st, "P-1", &q, &err), 0);
	CU_ASSERT_EQUAL(memcmp(&p, &q, sizeof p), 0);
	CU_ASSERT_EQUAL(q.received_fen, 400);
	CU_ASSERT_STRING_EQUAL(q.factor[0].level, "2");
	/* In force: start inclusive, end exclusive; cancelled from its date. */
	CU_ASSERT(!gb_policy_in_force(&q, 20251231));
	CU_ASSERT(gb_policy_in_force(&q, 20260101));
	CU_ASSERT(gb_policy_in_force(&q, 20261231));
	CU_ASSERT(!gb_policy_in_force(&q, 20270101));
	q.status = GB_POLICY_CANCELLED, q.cancelled_on = 20260601;
	CU_ASSERT(gb_policy_in_force(&q, 20260531));
	CU_ASSERT(!gb_policy_in_force(&q, 20260601));
	/* Bad fields are refused and nothing is written. */
	q = p;
	q.received_fen = -1;
	CU_ASSERT_EQUAL(gb_policy_store(&st, &q, &err), GB_EVALUE);
	q = p;
	q.usci[17] = '4';
	CU_ASSERT_EQUAL(gb_policy_store(&st, &q, &err), GB_EVALUE);
	q = p;
	q.end = q.start;
	CU_ASSERT_EQUAL(gb_policy_store(&st, &q, &err), GB_EVALUE);
	q = p;
	q.shares.bps[0] = 9000;
	CU_ASSERT_EQUAL(gb_policy_store(&st, &q, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_policy_load(&st, "P-1", &q, &err), 0);
	CU_ASSERT_EQUAL(q.received_fen, 400);
	/* A record that does not parse is corrupt. */
	CU_ASSERT_EQUAL(gb_state_put(&st, "policy/P-2", "\x81\xa2no\xa3P-2", 8), 0);
	CU_ASSERT_EQUAL(gb_policy_load(&st, "P-2", &q, &err), GB_ECORRUPT);
	CU_ASSERT_EQUAL(gb_memstate_count(ms), 2);
	gb_memstate_free(ms);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "rates.set", test_rates_set);
	CU_add_test(s, "policy.issue accepted", test_issue);
	CU_add_test(s, "policy.issue rejections", test_issue_rejections);
	CU_add_test(s, "below floor: flag mode", test_below_floor_flag);
	CU_add_test(s, "policy.endorse and policy.cancel", test_endorse_and_cancel);
	CU_add_test(s, "policy.renew", test_renew);
	CU_add_test(s, "default shares and shares/next", test_default_shares_next);
	CU_add_test(s, "policy.h reader", test_policy_api);
}

GB_CUNIT_MAIN("policy", add_tests)
