/*
 * test_claims.c: money in and out: premium receipts and claims
 * (src/rules_claims.c).
 *
 * Part one drives the rules directly (gb_rules_apply) over an in-memory
 * state holding "params" and policy records written with gb_policy_store,
 * with a roster of three members: picc-zs leads at 50%, cpic-zs 30%,
 * pingan-zs 20%. Every rejection is checked to leave the whole state
 * byte-for-byte unchanged (a SHA-256 over every key and value).
 * Part two goes end to end through a real ledger (tests/fixture.h).
 */
#include "fixture.h"
#include "gongbao/books.h"
#include "gongbao/claim.h"
#include "gongbao/policy.h"
#include "gongbao/rules.h"

#define USCI "91330900MA2A1B2C34"

static gb_memstate *rl_ms;
static gb_state rl_st;
static gb_roster rl_roster;
static uint64_t rl_index;

/* ------------------------------------------------------------ rules level */

/* The roster: the association, three members, a regulator (sorted by id). */
static void rl_roster_fill(void)
{
	static const struct { int who; unsigned role; } ps[] = {
		{ FX_CPIC, GB_ROLE_MEMBER }, { FX_PICC, GB_ROLE_MEMBER }, { FX_PINGAN, GB_ROLE_MEMBER },
		{ FX_ASSOC, GB_ROLE_ASSOCIATION }, { FX_REG, GB_ROLE_REGULATOR },
	};
	memset(&rl_roster, 0, sizeof rl_roster);
	strcpy(rl_roster.consortium, "zs-2026");
	strcpy(rl_roster.name, "Fixture consortium");
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
		gb_participant *p = &rl_roster.p[i];
		strcpy(p->id, fx_names[ps[i].who]);
		p->role = ps[i].role;
		p->key = fx_key[ps[i].who].pub;
	}
	rl_roster.count = sizeof ps / sizeof ps[0];
}

/* The shares: cpic 30%, picc 50% (lead), pingan 20%. */
static void rl_shares(gb_shares *s)
{
	memset(s, 0, sizeof *s);
	s->count = 3;
	strcpy(s->id[0], "cpic-zs");
	strcpy(s->id[1], "picc-zs");
	strcpy(s->id[2], "pingan-zs");
	s->bps[0] = 3000;
	s->bps[1] = 5000;
	s->bps[2] = 2000;
	s->lead = 1;
}

/* Stores a policy; premium written is posted for it too, as policy.issue would. */
static void rl_policy(const char *no, uint32_t start, uint32_t end, int64_t premium_fen,
	uint32_t cancelled_on)
{
	gb_policy p;
	memset(&p, 0, sizeof p);
	strcpy(p.number, no);
	strcpy(p.usci, USCI);
	strcpy(p.enterprise, "Zhoushan Test Mining Co.");
	strcpy(p.industry, "mining");
	p.basis = GB_BASIS_HEAD;
	p.exposure = 100;
	p.headcount = 100;
	p.limit_fen = 40000000;
	p.start = start;
	p.end = end;
	p.premium_fen = premium_fen;
	p.status = cancelled_on ? GB_POLICY_CANCELLED : GB_POLICY_IN_FORCE;
	p.cancelled_on = cancelled_on;
	p.issued_at = rl_index;
	rl_shares(&p.shares);
	gb_err err;
	int rc = gb_policy_store(&rl_st, &p, &err);
	if (rc != 0)
		fprintf(stderr, "rl_policy: %s\n", err.msg);
	CU_ASSERT_FATAL(rc == 0);
	static gb_postings ps;
	gb_postings_init(&ps);
	CU_ASSERT_FATAL(gb_books_premium_written(&ps, &p.shares, premium_fen, &err) == 0);
	CU_ASSERT_FATAL(gb_books_post(&ps, &rl_st, rl_index++, &err) == 0);
}

/* A fresh state: params with a 20% set-aside, policies P-1 (2026), P-2 (cancelled 2026-06-01), P-OLD (2025). */
static void rl_setup(void)
{
	fx_setup();
	gb_memstate_free(rl_ms);
	rl_ms = gb_memstate_new();
	CU_ASSERT_FATAL(rl_ms != NULL);
	rl_st = gb_memstate_state(rl_ms);
	rl_roster_fill();
	rl_index = 1;
	fx_put_params(&rl_st, 2000);
	rl_policy("P-1", 20260101, 20270101, 300000, 0);
	rl_policy("P-2", 20260101, 20270101, 500000, 20260601);
	rl_policy("P-OLD", 20250101, 20260101, 100000, 0);
}

/* Signs a body as `who` and applies it as entry rl_index (the next on success). */
static int rl_apply(gb_err *err, int who, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rl_apply(gb_err *err, int who, const char *fmt, ...)
{
	static uint8_t buf[GB_ENTRY_MAX];
	va_list ap;
	va_start(ap, fmt);
	size_t len = fx_vsign(buf, sizeof buf, &who, 1, fmt, ap);
	va_end(ap);
	gb_entry e;
	CU_ASSERT_FATAL(gb_entry_decode(buf, len, &e, err) == 0);
	gb_rules_env env = { .roster = &rl_roster, .state = &rl_st, .index = rl_index };
	gb_pubkey keys[GB_ENTRY_SIGS_MAX];
	int rc = gb_rules_apply(&env, &e, keys, err);
	if (rc == 0)
		rl_index++;
	else if (getenv("FX_VERBOSE"))
		fprintf(stderr, "rules: %s: %s\n", gb_errname(rc), err->msg);
	return rc;
}

static int hash_item(void *arg, const char *key, const uint8_t *val, size_t len)
{
	crypto_hash_sha256_state *h = arg;
	crypto_hash_sha256_update(h, (const uint8_t *)key, strlen(key) + 1);
	uint8_t n[8];
	for (int i = 0; i < 8; i++)
		n[i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	crypto_hash_sha256_update(h, n, sizeof n);
	crypto_hash_sha256_update(h, val, len);
	return 0;
}

/* A digest of the whole in-memory state. */
static void rl_digest(uint8_t out[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	CU_ASSERT_FATAL(gb_memstate_each(rl_ms, hash_item, &h) == 0);
	crypto_hash_sha256_final(&h, out);
}

/*
 * Expects the entry to fail with `code` and a message holding `needle`, and
 * the state (every key and value) and the next index to stay as they were.
 */
#define RL_REJECT(code, needle, who, ...) do {                                        \
	uint8_t before_[crypto_hash_sha256_BYTES], after_[crypto_hash_sha256_BYTES];  \
	uint64_t index_ = rl_index;                                                    \
	gb_err err_;                                                                   \
	rl_digest(before_);                                                            \
	int rc_ = rl_apply(&err_, who, __VA_ARGS__);                                   \
	if (rc_ != (code) || strstr(err_.msg, needle) == NULL)                          \
		fprintf(stderr, "%s:%d: want %s '%s', got %s '%s'\n", __FILE__, __LINE__, \
			gb_errname(code), needle, gb_errname(rc_), rc_ ? err_.msg : "");  \
	CU_ASSERT_EQUAL(rc_, code);                                                    \
	CU_ASSERT_PTR_NOT_NULL(rc_ ? strstr(err_.msg, needle) : NULL);                 \
	rl_digest(after_);                                                             \
	CU_ASSERT_EQUAL(memcmp(before_, after_, sizeof before_), 0);                   \
	CU_ASSERT_EQUAL(rl_index, index_);                                             \
} while (0)

#define RL_OK(who, ...) do {                                                           \
	gb_err err_;                                                                   \
	int rc_ = rl_apply(&err_, who, __VA_ARGS__);                                   \
	if (rc_ != 0)                                                                  \
		fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, gb_errname(rc_), err_.msg); \
	CU_ASSERT_EQUAL_FATAL(rc_, 0);                                                 \
} while (0)

static int64_t bal(const char *member, int kind, const char *other)
{
	int64_t v = 0x7fffffff;
	gb_err err;
	CU_ASSERT_FATAL(gb_books_balance(&rl_st, member, kind, other, &v, &err) == 0);
	return v;
}

static const char *const M3[3] = { "cpic-zs", "picc-zs", "pingan-zs" };

/* Invariants of TRANSACTIONS.md section 4 over the three members: each member's books sum to 0, the mirror. */
static void rl_check_invariants(void)
{
	gb_shares s;
	rl_shares(&s);
	for (size_t i = 0; i < 3; i++) {
		gb_member_balances mb;
		gb_err err;
		CU_ASSERT_FATAL(gb_books_member_balances(&rl_st, &s, M3[i], &mb, &err) == 0);
		CU_ASSERT_EQUAL(mb.total_fen, 0);
		CU_ASSERT(mb.own_fen[GB_ACCOUNT_FUND] <= 0);
		for (size_t j = 0; j < 3; j++)
			if (i != j)
				CU_ASSERT_EQUAL(bal(M3[i], GB_ACCOUNT_DUE_FROM, M3[j]), -bal(M3[j], GB_ACCOUNT_DUE_TO, M3[i]));
	}
}

static gb_policy rl_load_policy(const char *no)
{
	gb_policy p;
	gb_err err;
	CU_ASSERT_FATAL(gb_policy_load(&rl_st, no, &p, &err) == 0);
	return p;
}

static gb_claim rl_load_claim(const char *id)
{
	gb_claim c;
	gb_err err;
	int rc = gb_claim_load(&rl_st, id, &c, &err);
	if (rc != 0)
		fprintf(stderr, "claim %s: %s\n", id, err.msg);
	CU_ASSERT_FATAL(rc == 0);
	return c;
}

#define RECEIVE(no, amount) "{\"type\":\"premium.receive\",\"id\":\"r-" no "-" #amount "\"," \
	"\"policy\":\"" no "\",\"amount_fen\":" #amount "}"

static void test_premium_receive(void)
{
	rl_setup();
	/* P-1 wrote 300,000 fen: 90,000 / 150,000 / 60,000; the other policies add theirs. */
	int64_t recv0[3];
	for (size_t i = 0; i < 3; i++)
		recv0[i] = bal(M3[i], GB_ACCOUNT_RECEIVABLE, NULL);
	/* First receipt 100,001 fen: parts cpic 30,000, picc 50,001 (the remainder), pingan 20,000. */
	RL_OK(FX_PICC, "{\"type\":\"premium.receive\",\"id\":\"r1\",\"policy\":\"P-1\",\"amount_fen\":100001,"
		"\"payer_ref\":\"BOC 2026-0001\"}");
	CU_ASSERT_EQUAL(rl_load_policy("P-1").received_fen, 100001);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_CASH, NULL), 100001);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_RECEIVABLE, NULL), recv0[0] - 30000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_RECEIVABLE, NULL), recv0[1] - 50001);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_RECEIVABLE, NULL), recv0[2] - 20000);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_DUE_FROM, "picc-zs"), 30000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_DUE_TO, "cpic-zs"), -30000);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_DUE_FROM, "picc-zs"), 20000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_DUE_TO, "pingan-zs"), -20000);
	/* Set-asides at the charter's 20%, each on the member's own part. */
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_SETASIDE, NULL), 6000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_SETASIDE, NULL), 10000);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_SETASIDE, NULL), 4000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_FUND, NULL), -10000);
	/* The posting set is recorded under the entry's index. */
	gb_postings *ps = malloc(sizeof *ps);
	gb_err err;
	CU_ASSERT_FATAL(ps != NULL);
	CU_ASSERT_EQUAL(gb_books_posted(ps, &rl_st, rl_index - 1, &err), 0);
	CU_ASSERT_EQUAL(ps->count, 14); /* 5 x 3 members - 1 */
	CU_ASSERT_EQUAL(gb_postings_amount(ps, "picc-zs", GB_ACCOUNT_CASH, NULL), 100001);
	/* The rest, 199,999 fen: parts 60,000 (cpic), 99,999 (picc), 40,000 (pingan): receivables reach 0. */
	RL_OK(FX_PICC, RECEIVE("P-1", 199999));
	CU_ASSERT_EQUAL(rl_load_policy("P-1").received_fen, 300000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_CASH, NULL), 300000);
	static const int64_t written[3] = { 90000, 150000, 60000 };
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(bal(M3[i], GB_ACCOUNT_RECEIVABLE, NULL), recv0[i] - written[i]);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_DUE_FROM, "picc-zs"), 90000);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_DUE_FROM, "picc-zs"), 60000);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_SETASIDE, NULL), 6000 + 12000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_SETASIDE, NULL), 10000 + 20000); /* 19,999.8 rounds up */
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_SETASIDE, NULL), 4000 + 8000);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_FUND, NULL), -18000);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_FUND, NULL), -12000);
	gb_shares s;
	rl_shares(&s);
	int64_t fund = 0;
	CU_ASSERT_EQUAL(gb_books_fund_total(&rl_st, &s, &fund, &err), 0);
	CU_ASSERT_EQUAL(fund, 60000);
	rl_check_invariants();
	free(ps);
}

static void test_premium_rejections(void)
{
	rl_setup();
	RL_OK(FX_PICC, RECEIVE("P-1", 250000));
	/* Over the outstanding 50,000 fen: both figures named. */
	RL_REJECT(GB_EVALUE, "premium 300,000 less received 250,000 is 50,000 fen", FX_PICC, RECEIVE("P-1", 50001));
	/* A follower, the association, the regulator: only the policy's lead signs. */
	RL_REJECT(GB_EAUTH, "only the lead 'picc-zs'", FX_CPIC, RECEIVE("P-1", 100));
	RL_REJECT(GB_EAUTH, "association", FX_ASSOC, RECEIVE("P-1", 100));
	RL_REJECT(GB_EAUTH, "regulator", FX_REG, RECEIVE("P-1", 100));
	RL_REJECT(GB_ENOTFOUND, "'P-9'", FX_PICC, RECEIVE("P-9", 100));
	RL_REJECT(GB_ESTATE, "cancelled on 20260601", FX_PICC, RECEIVE("P-2", 100));
	RL_REJECT(GB_EVALUE, "above 0", FX_PICC, RECEIVE("P-1", 0));
	RL_REJECT(GB_EVALUE, "negative", FX_PICC, RECEIVE("P-1", -5));
	RL_REJECT(GB_EOVERFLOW, "amount_fen", FX_PICC, RECEIVE("P-1", 1000000000000001));
	RL_REJECT(GB_EFIELD, "missing field 'policy'", FX_PICC,
		"{\"type\":\"premium.receive\",\"id\":\"r9\",\"amount_fen\":1}");
	RL_REJECT(GB_EFIELD, "colour", FX_PICC,
		"{\"type\":\"premium.receive\",\"id\":\"r9\",\"policy\":\"P-1\",\"amount_fen\":1,\"colour\":1}");
	RL_REJECT(GB_EVALUE, "invalid id", FX_PICC,
		"{\"type\":\"premium.receive\",\"id\":\"r9\",\"policy\":\"P 1\",\"amount_fen\":1}");
	/* Exactly the outstanding is accepted; then nothing more. */
	RL_OK(FX_PICC, RECEIVE("P-1", 50000));
	RL_REJECT(GB_EVALUE, "is 0 fen", FX_PICC, RECEIVE("P-1", 1));
	CU_ASSERT_EQUAL(rl_load_policy("P-1").received_fen, 300000);
	rl_check_invariants();
}

#define REPORT(claim, policy, accident) "{\"type\":\"claim.report\",\"id\":\"rep-" claim "-" #accident "\"," \
	"\"time\":1782000000,\"claim\":\"" claim "\",\"policy\":\"" policy "\",\"accident\":" #accident "," \
	"\"deaths\":1,\"injuries\":2,\"estimate_fen\":80000000}"
#define ADVANCE(claim, amount) "{\"type\":\"claim.advance\",\"id\":\"adv-" claim "-" #amount "\"," \
	"\"claim\":\"" claim "\",\"amount_fen\":" #amount ",\"payee\":\"Zhoushan Hospital No. 1\"}"
#define SETTLE(claim, amount) "{\"type\":\"claim.settle\",\"id\":\"set-" claim "-" #amount "\"," \
	"\"claim\":\"" claim "\",\"final_fen\":" #amount "}"
#define CLOSE(claim, tag) "{\"type\":\"claim.close\",\"id\":\"close-" claim tag "\",\"claim\":\"" claim "\"}"
#define REJECT(claim, tag) "{\"type\":\"claim.reject\",\"id\":\"rej-" claim tag "\",\"claim\":\"" claim "\"," \
	"\"reason\":\"not a work accident\"}"

static void test_claim_report(void)
{
	rl_setup();
	RL_OK(FX_PICC, REPORT("C-1", "P-1", 20260315));
	gb_claim c = rl_load_claim("C-1");
	CU_ASSERT_STRING_EQUAL(c.id, "C-1");
	CU_ASSERT_STRING_EQUAL(c.policy, "P-1");
	CU_ASSERT_EQUAL(c.accident, 20260315);
	CU_ASSERT_EQUAL(c.deaths, 1);
	CU_ASSERT_EQUAL(c.injuries, 2);
	CU_ASSERT_EQUAL(c.estimate_fen, 80000000);
	CU_ASSERT_EQUAL(c.advanced_fen, 0);
	CU_ASSERT_EQUAL(c.settled_fen, 0);
	CU_ASSERT_EQUAL(c.paid_fen, 0);
	CU_ASSERT_EQUAL(c.status, GB_CLAIM_OPEN);
	/* The record is the canonical map of TRANSACTIONS.md section 6, keys sorted. */
	const uint8_t *p;
	size_t len;
	CU_ASSERT_FATAL(gb_state_get(&rl_st, "claim/C-1", &p, &len) == 0);
	json_t *j = gb_mp_to_json(p, len);
	char *text = json_dumps(j, JSON_COMPACT);
	CU_ASSERT_STRING_EQUAL(text, "{\"accident\":20260315,\"advanced_fen\":0,\"deaths\":1,\"estimate_fen\":80000000,"
		"\"id\":\"C-1\",\"injuries\":2,\"paid_fen\":0,\"policy\":\"P-1\",\"settled_fen\":0,\"status\":\"open\"}");
	free(text);
	json_decref(j);
	/* Nothing posted: no balance moved, no post/ record. */
	CU_ASSERT_EQUAL(gb_state_get(&rl_st, "post/4", &p, &len), GB_ENOTFOUND);
	/* The first day and, on a cancelled policy, the day before cancellation are covered. */
	RL_OK(FX_PICC, REPORT("C-2", "P-1", 20260101));
	RL_OK(FX_PICC, REPORT("C-3", "P-2", 20260531));
	RL_OK(FX_PICC, REPORT("C-4", "P-OLD", 20251231));
	CU_ASSERT_EQUAL(rl_load_claim("C-4").status, GB_CLAIM_OPEN);
}

static void test_claim_report_rejections(void)
{
	rl_setup();
	RL_OK(FX_PICC, REPORT("C-1", "P-1", 20260315));
	RL_REJECT(GB_EVALUE, "claim 'C-1' already exists", FX_PICC, REPORT("C-1", "P-1", 20260316));
	RL_REJECT(GB_EAUTH, "only the lead 'picc-zs'", FX_CPIC, REPORT("C-2", "P-1", 20260315));
	RL_REJECT(GB_EAUTH, "association", FX_ASSOC, REPORT("C-2", "P-1", 20260315));
	RL_REJECT(GB_ENOTFOUND, "'P-9'", FX_PICC, REPORT("C-2", "P-9", 20260315));
	/* Not in force: before the start, after the end (exclusive), on or after cancellation. */
	RL_REJECT(GB_ESTATE, "it starts on 20260101", FX_PICC, REPORT("C-2", "P-1", 20251231));
	RL_REJECT(GB_ESTATE, "expired", FX_PICC, REPORT("C-2", "P-OLD", 20260101));
	RL_REJECT(GB_ESTATE, "expired", FX_PICC, REPORT("C-2", "P-OLD", 20260301));
	RL_REJECT(GB_ESTATE, "cancelled on 20260601", FX_PICC, REPORT("C-2", "P-2", 20260601));
	RL_REJECT(GB_ESTATE, "cancelled on 20260601", FX_PICC, REPORT("C-2", "P-2", 20260620));
	RL_REJECT(GB_ESTATE, "it starts on 20260101", FX_PICC, REPORT("C-2", "P-2", 20251201));
	/* Dates: not a calendar date, or after the entry's own date (2026-06-21). */
	RL_REJECT(GB_EVALUE, "20260230 is not a date", FX_PICC, REPORT("C-2", "P-1", 20260230));
	RL_REJECT(GB_EVALUE, "20260622 is after the entry's date 20260621", FX_PICC, REPORT("C-2", "P-1", 20260622));
	RL_REJECT(GB_EVALUE, "accident", FX_PICC, REPORT("C-2", "P-1", 2026031));
	RL_REJECT(GB_EVALUE, "invalid id 'C 2'", FX_PICC,
		"{\"type\":\"claim.report\",\"id\":\"x\",\"claim\":\"C 2\",\"policy\":\"P-1\",\"time\":1782000000,"
		"\"accident\":20260315,\"deaths\":0,\"injuries\":0,\"estimate_fen\":0}");
	RL_REJECT(GB_EOVERFLOW, "estimate_fen", FX_PICC,
		"{\"type\":\"claim.report\",\"id\":\"x\",\"claim\":\"C-2\",\"policy\":\"P-1\",\"time\":1782000000,"
		"\"accident\":20260315,\"deaths\":0,\"injuries\":0,\"estimate_fen\":1000000000000001}");
	RL_REJECT(GB_EVALUE, "deaths", FX_PICC,
		"{\"type\":\"claim.report\",\"id\":\"x\",\"claim\":\"C-2\",\"policy\":\"P-1\",\"time\":1782000000,"
		"\"accident\":20260315,\"deaths\":-1,\"injuries\":0,\"estimate_fen\":0}");
	RL_REJECT(GB_EFIELD, "missing field 'injuries'", FX_PICC,
		"{\"type\":\"claim.report\",\"id\":\"x\",\"claim\":\"C-2\",\"policy\":\"P-1\",\"time\":1782000000,"
		"\"accident\":20260315,\"deaths\":0,\"estimate_fen\":0}");
	CU_ASSERT_EQUAL(gb_claim_load(&rl_st, "C-2", &(gb_claim){ 0 }, NULL), GB_ENOTFOUND);
}

/* C-1 on P-1: advance 10,001, settle at 50,000 (balance 39,999), close. */
static void test_claim_lifecycle(void)
{
	rl_setup();
	RL_OK(FX_PICC, RECEIVE("P-1", 300000));
	RL_OK(FX_PICC, REPORT("C-1", "P-1", 20260315));
	/* Advance: parts 3,000 / 5,001 (the lead takes the remainder) / 2,000. */
	RL_OK(FX_PICC, ADVANCE("C-1", 10001));
	gb_claim c = rl_load_claim("C-1");
	CU_ASSERT_EQUAL(c.advanced_fen, 10001);
	CU_ASSERT_EQUAL(c.paid_fen, 10001);
	CU_ASSERT_EQUAL(c.status, GB_CLAIM_OPEN);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_CASH, NULL), 300000 - 10001);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_CLAIMS, NULL), 3000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_CLAIMS, NULL), 5001);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_CLAIMS, NULL), 2000);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_DUE_TO, "picc-zs"), -3000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_DUE_FROM, "cpic-zs"), 3000);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_DUE_TO, "picc-zs"), -2000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_DUE_FROM, "pingan-zs"), 2000);
	/* What the premium receipt made the lead owe is not netted against it. */
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_DUE_TO, "cpic-zs"), -90000);
	rl_check_invariants();
	/* Settle at 50,000: the balance 39,999 splits 12,000 / 19,999 / 8,000. */
	uint64_t settle_index = rl_index;
	RL_OK(FX_PICC, SETTLE("C-1", 50000));
	c = rl_load_claim("C-1");
	CU_ASSERT_EQUAL(c.advanced_fen, 10001);
	CU_ASSERT_EQUAL(c.settled_fen, 50000);
	CU_ASSERT_EQUAL(c.paid_fen, 50000);
	CU_ASSERT_EQUAL(c.status, GB_CLAIM_SETTLED);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_CASH, NULL), 250000);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_CLAIMS, NULL), 15000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_CLAIMS, NULL), 25000);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_CLAIMS, NULL), 10000);
	CU_ASSERT_EQUAL(bal("cpic-zs", GB_ACCOUNT_DUE_TO, "picc-zs"), -15000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_DUE_FROM, "cpic-zs"), 15000);
	CU_ASSERT_EQUAL(bal("pingan-zs", GB_ACCOUNT_DUE_TO, "picc-zs"), -10000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_DUE_FROM, "pingan-zs"), 10000);
	gb_postings *ps = malloc(sizeof *ps);
	gb_err err;
	CU_ASSERT_FATAL(ps != NULL);
	CU_ASSERT_EQUAL(gb_books_posted(ps, &rl_st, settle_index, &err), 0);
	CU_ASSERT_EQUAL(gb_postings_amount(ps, "picc-zs", GB_ACCOUNT_CASH, NULL), -39999);
	CU_ASSERT_EQUAL(gb_postings_amount(ps, "picc-zs", GB_ACCOUNT_CLAIMS, NULL), 19999);
	CU_ASSERT_EQUAL(ps->count, 8); /* cash, 3 claims, 2 x (due_to, due_from) */
	free(ps);
	rl_check_invariants();
	/* Settled: no more advances, no second settlement, no rejection. */
	RL_REJECT(GB_ESTATE, "claim 'C-1' is settled", FX_PICC, ADVANCE("C-1", 1));
	RL_REJECT(GB_ESTATE, "is settled", FX_PICC, SETTLE("C-1", 60000));
	RL_REJECT(GB_ESTATE, "is settled", FX_PICC, REJECT("C-1", "a"));
	RL_REJECT(GB_EAUTH, "only the lead", FX_CPIC, CLOSE("C-1", "x"));
	RL_OK(FX_PICC, CLOSE("C-1", ""));
	CU_ASSERT_EQUAL(rl_load_claim("C-1").status, GB_CLAIM_CLOSED);
	CU_ASSERT_EQUAL(rl_load_claim("C-1").paid_fen, 50000);
	RL_REJECT(GB_ESTATE, "is closed", FX_PICC, CLOSE("C-1", "again"));
	RL_REJECT(GB_ESTATE, "is closed", FX_PICC, ADVANCE("C-1", 2));
}

static void test_claim_settle_close_reject(void)
{
	rl_setup();
	RL_OK(FX_PICC, REPORT("C-1", "P-1", 20260315));
	RL_OK(FX_PICC, REPORT("C-2", "P-1", 20260316));
	RL_OK(FX_PICC, REPORT("C-3", "P-1", 20260317));
	RL_OK(FX_PICC, REPORT("C-4", "P-2", 20260318));
	RL_OK(FX_PICC, ADVANCE("C-1", 5000));
	/* Below what was advanced; rejecting or closing what has been paid. */
	RL_REJECT(GB_EVALUE, "final_fen 4,999 is below the 5,000 fen advanced", FX_PICC, SETTLE("C-1", 4999));
	RL_REJECT(GB_ESTATE, "5,000 fen paid in advance: it cannot be rejected", FX_PICC, REJECT("C-1", ""));
	RL_REJECT(GB_ESTATE, "settle it before closing", FX_PICC, CLOSE("C-1", ""));
	/* Settled at exactly the advance: nothing more is paid, nothing posted. */
	uint64_t at = rl_index;
	RL_OK(FX_PICC, SETTLE("C-1", 5000));
	const uint8_t *p;
	size_t len;
	char key[32];
	snprintf(key, sizeof key, "post/%llu", (unsigned long long)at);
	CU_ASSERT_EQUAL(gb_state_get(&rl_st, key, &p, &len), GB_ENOTFOUND);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_CASH, NULL), -5000);
	gb_claim c = rl_load_claim("C-1");
	CU_ASSERT_EQUAL(c.status, GB_CLAIM_SETTLED);
	CU_ASSERT_EQUAL(c.settled_fen, 5000);
	CU_ASSERT_EQUAL(c.paid_fen, 5000);
	/* Settled with nothing advanced at 0: nothing posted either. */
	RL_OK(FX_PICC, SETTLE("C-2", 0));
	CU_ASSERT_EQUAL(rl_load_claim("C-2").status, GB_CLAIM_SETTLED);
	RL_OK(FX_PICC, CLOSE("C-2", ""));
	/* Closed while open with nothing paid; rejected while open with nothing paid. */
	RL_OK(FX_PICC, CLOSE("C-3", ""));
	CU_ASSERT_EQUAL(rl_load_claim("C-3").status, GB_CLAIM_CLOSED);
	RL_REJECT(GB_ESTATE, "is closed", FX_PICC, REJECT("C-3", ""));
	RL_REJECT(GB_EFIELD, "missing field 'reason'", FX_PICC,
		"{\"type\":\"claim.reject\",\"id\":\"x\",\"claim\":\"C-4\"}");
	RL_OK(FX_PICC, REJECT("C-4", ""));
	CU_ASSERT_EQUAL(rl_load_claim("C-4").status, GB_CLAIM_REJECTED);
	RL_REJECT(GB_ESTATE, "is rejected", FX_PICC, ADVANCE("C-4", 100));
	RL_REJECT(GB_ESTATE, "is rejected", FX_PICC, CLOSE("C-4", ""));
	RL_REJECT(GB_ESTATE, "is rejected", FX_PICC, SETTLE("C-4", 0));
	rl_check_invariants();
}

static void test_claim_payment_rejections(void)
{
	rl_setup();
	RL_OK(FX_PICC, REPORT("C-1", "P-1", 20260315));
	RL_REJECT(GB_ENOTFOUND, "claim 'C-9' not found", FX_PICC, ADVANCE("C-9", 100));
	RL_REJECT(GB_ENOTFOUND, "claim 'C-9' not found", FX_PICC, SETTLE("C-9", 100));
	RL_REJECT(GB_EAUTH, "only the lead 'picc-zs' of policy 'P-1'", FX_CPIC, ADVANCE("C-1", 100));
	RL_REJECT(GB_EAUTH, "only the lead", FX_PINGAN, SETTLE("C-1", 100));
	RL_REJECT(GB_EAUTH, "regulator", FX_REG, ADVANCE("C-1", 100));
	RL_REJECT(GB_EVALUE, "above 0", FX_PICC, ADVANCE("C-1", 0));
	RL_REJECT(GB_EOVERFLOW, "amount_fen", FX_PICC, ADVANCE("C-1", 1000000000000001));
	RL_REJECT(GB_EOVERFLOW, "final_fen", FX_PICC, SETTLE("C-1", 1000000000000001));
	RL_REJECT(GB_EFIELD, "missing field 'payee'", FX_PICC,
		"{\"type\":\"claim.advance\",\"id\":\"x\",\"claim\":\"C-1\",\"amount_fen\":5}");
	/* Payments that together pass GB_FEN_MAX. */
	RL_OK(FX_PICC, ADVANCE("C-1", 600000000000000));
	RL_REJECT(GB_EOVERFLOW, "over 1,000,000,000,000,000 fen", FX_PICC, ADVANCE("C-1", 400000000000001));
	CU_ASSERT_EQUAL(rl_load_claim("C-1").paid_fen, 600000000000000);
	CU_ASSERT_EQUAL(bal("picc-zs", GB_ACCOUNT_CASH, NULL), -600000000000000);
	rl_check_invariants();
}

/* The stored record is checked when read back. */
static void test_claim_record(void)
{
	rl_setup();
	gb_err err;
	gb_claim c;
	memset(&c, 0, sizeof c);
	strcpy(c.id, "C/1:x");
	strcpy(c.policy, "P-1");
	c.accident = 20260229; /* not a leap year */
	CU_ASSERT_EQUAL(gb_claim_store(&rl_st, &c, &err), GB_EVALUE);
	c.accident = 20240229;
	c.paid_fen = -1;
	CU_ASSERT_EQUAL(gb_claim_store(&rl_st, &c, &err), GB_EVALUE);
	c.paid_fen = 7;
	c.status = 4;
	CU_ASSERT_EQUAL(gb_claim_store(&rl_st, &c, &err), GB_EVALUE);
	c.status = GB_CLAIM_SETTLED;
	CU_ASSERT_EQUAL(gb_claim_store(&rl_st, &c, &err), 0);
	gb_claim back;
	CU_ASSERT_EQUAL(gb_claim_load(&rl_st, "C/1:x", &back, &err), 0);
	CU_ASSERT_EQUAL(memcmp(&back, &c, sizeof c), 0);
	CU_ASSERT_STRING_EQUAL(gb_claim_status_name(back.status), "settled");
	CU_ASSERT_PTR_NULL(gb_claim_status_name(4));
	CU_ASSERT_EQUAL(gb_claim_load(&rl_st, "no such", &back, &err), GB_EVALUE);
	/* A record with an extra field, or the wrong id, is corrupt. */
	static const uint8_t extra[] = { 0x81, 0xa1, 'x', 0x01 };
	CU_ASSERT_EQUAL(gb_state_put(&rl_st, "claim/bad", extra, sizeof extra), 0);
	CU_ASSERT_EQUAL(gb_claim_load(&rl_st, "bad", &back, &err), GB_ECORRUPT);
	const uint8_t *p;
	size_t len;
	CU_ASSERT_FATAL(gb_state_get(&rl_st, "claim/C/1:x", &p, &len) == 0);
	uint8_t copy[512];
	memcpy(copy, p, len);
	CU_ASSERT_EQUAL(gb_state_put(&rl_st, "claim/other", copy, len), 0);
	CU_ASSERT_EQUAL(gb_claim_load(&rl_st, "other", &back, &err), GB_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "holds claim 'C/1:x'"));
}

/* ------------------------------------------------------------- end to end */


/* Through a real ledger, before any policy: the types are known, checked, and change nothing when refused. */
static void test_ledger_refusals(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	CU_ASSERT_EQUAL(fx_state_int(l, "params", "setaside_bps"), 1500);
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("P-1", 100)), GB_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "P-1"));
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_REG, RECEIVE("P-1", 100)), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, ADVANCE("C-1", 100)), GB_ENOTFOUND);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, REPORT("C-1", "P-1", 20260101)), GB_ENOTFOUND);
	/* A co-signature is not taken. */
	int who[2] = { FX_PICC, FX_CPIC };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, who, 2, RECEIVE("P-1", 100)), GB_EFIELD);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	json_t *j = fx_state(l, "claim/C-1", UINT64_MAX);
	CU_ASSERT_PTR_NULL(j);
	json_decref(j);
	gb_ledger_close(l);
}


/* A claim's record as compact JSON text (caller frees), or NULL. */
static char *lclaim(gb_ledger *l, const char *id)
{
	char key[80];
	snprintf(key, sizeof key, "claim/%s", id);
	json_t *j = fx_state(l, key, UINT64_MAX);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}

#define ISSUE(no, start, end, premium) "{\"type\":\"policy.issue\",\"id\":\"iss-" no "\",\"no\":\"" no "\"," \
	"\"usci\":\"" USCI "\",\"enterprise\":\"Zhoushan Test Mining Co.\",\"industry\":\"mining\"," \
	"\"exposure\":10,\"headcount\":10,\"limit_fen\":40000000,\"premium_fen\":" #premium "," \
	"\"commission_fen\":0,\"start\":" #start ",\"end\":" #end "}"
/* Claims reported on the ledger's own day, 2026-01-01. */
#define LREPORT(claim, policy) "{\"type\":\"claim.report\",\"id\":\"rep-" claim "\",\"claim\":\"" claim "\"," \
	"\"policy\":\"" policy "\",\"accident\":20260101,\"deaths\":0,\"injuries\":3,\"estimate_fen\":900000}"

/*
 * Expects a refusal with `code` through the ledger, and the log size, the
 * lead's cash, cpic's debt to the lead and claim C-1's record unchanged.
 */
#define L_REJECT(code, needle, who, ...) do {                                          \
	uint64_t n_ = fx_log_size(l);                                                     \
	int64_t cash_ = fx_balance(l, "m/picc-zs/cash"), due_ = fx_balance(l, "m/cpic-zs/due_to/picc-zs"); \
	char *c_ = lclaim(l, "C-1");                                                   \
	gb_err err_;                                                                   \
	int rc_ = fx_post(l, &err_, who, __VA_ARGS__);                                 \
	if (rc_ != (code) || strstr(err_.msg, needle) == NULL)                          \
		fprintf(stderr, "%s:%d: want %s '%s', got %s '%s'\n", __FILE__, __LINE__, \
			gb_errname(code), needle, gb_errname(rc_), rc_ ? err_.msg : "");  \
	CU_ASSERT_EQUAL(rc_, code);                                                    \
	CU_ASSERT_PTR_NOT_NULL(rc_ ? strstr(err_.msg, needle) : NULL);                 \
	CU_ASSERT_EQUAL(fx_log_size(l), n_);                                              \
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), cash_);                             \
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/due_to/picc-zs"), due_);                    \
	char *c2_ = lclaim(l, "C-1");                                                  \
	CU_ASSERT((c_ == NULL && c2_ == NULL) || (c_ && c2_ && strcmp(c_, c2_) == 0));  \
	free(c_);                                                                      \
	free(c2_);                                                                     \
} while (0)

#define L_OK(who, ...) do {                                                            \
	gb_err err_;                                                                   \
	int rc_ = fx_post(l, &err_, who, __VA_ARGS__);                                 \
	if (rc_ != 0)                                                                  \
		fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, gb_errname(rc_), err_.msg); \
	CU_ASSERT_EQUAL_FATAL(rc_, 0);                                                 \
} while (0)

/*
 * End to end: rates, policies issued and cancelled through the policies
 * family, then premiums and a claim's whole life, with the fixture's shares
 * (picc-zs 60% leads, cpic-zs 40%) and the default 15% set-aside.
 */
static void test_ledger_end_to_end(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	int rates_who[2] = { FX_ASSOC, FX_REG };
	CU_ASSERT_EQUAL_FATAL(fx_post_co(l, &err, rates_who, 2, "{\"type\":\"rates.set\",\"id\":\"rates\","
		"\"from\":20250101,\"float_min_bps\":-3000,\"float_max_bps\":3000,\"factors\":{},"
		"\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":10000}}}"), 0);
	L_OK(FX_PICC, ISSUE("P-1", 20260101, 20270101, 100001));
	L_OK(FX_PICC, ISSUE("P-2", 20260101, 20270101, 100000));
	L_OK(FX_PICC, ISSUE("P-3", 20260201, 20270201, 100000));
	L_OK(FX_PICC, ISSUE("P-OLD", 20250101, 20260101, 100000));
	L_OK(FX_PICC, "{\"type\":\"policy.cancel\",\"id\":\"cancel-P-2\",\"policy\":\"P-2\",\"date\":20260101,"
		"\"reason\":\"closed\"}");
	/* Premium written for P-1: 60,001 (picc takes the odd fen) and 40,000. */
	int64_t recv_picc = fx_balance(l, "m/picc-zs/receivable"), recv_cpic = fx_balance(l, "m/cpic-zs/receivable");
	/* 50,001 received: picc 30,001, cpic 20,000; set-asides 4,500 and 3,000. */
	L_OK(FX_PICC, "{\"type\":\"premium.receive\",\"id\":\"r1\",\"policy\":\"P-1\",\"amount_fen\":50001,"
		"\"payer_ref\":\"ICBC 7731\"}");
	CU_ASSERT_EQUAL(fx_state_int(l, "policy/P-1", "received_fen"), 50001);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 50001);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/receivable"), recv_picc - 30001);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/receivable"), recv_cpic - 20000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/due_from/picc-zs"), 20000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_to/cpic-zs"), -20000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/setaside"), 4500);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/setaside"), 3000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/fund"), -4500);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/fund"), -3000);
	/* Premium refusals. */
	L_REJECT(GB_EVALUE, "premium 100,001 less received 50,001 is 50,000 fen", FX_PICC, RECEIVE("P-1", 50001));
	L_REJECT(GB_EAUTH, "only the lead 'picc-zs'", FX_CPIC, RECEIVE("P-1", 1));
	L_REJECT(GB_ENOTFOUND, "'P-9'", FX_PICC, RECEIVE("P-9", 1));
	L_REJECT(GB_ESTATE, "cancelled on 20260101", FX_PICC, RECEIVE("P-2", 1));
	L_REJECT(GB_EOVERFLOW, "amount_fen", FX_PICC, RECEIVE("P-1", 1000000000000001));
	/* Claims on policies not in force on 2026-01-01. */
	L_REJECT(GB_ESTATE, "cancelled on 20260101", FX_PICC, LREPORT("C-1", "P-2"));
	L_REJECT(GB_ESTATE, "it starts on 20260201", FX_PICC, LREPORT("C-1", "P-3"));
	L_REJECT(GB_ESTATE, "expired", FX_PICC, LREPORT("C-1", "P-OLD"));
	L_REJECT(GB_EAUTH, "only the lead", FX_CPIC, LREPORT("C-1", "P-1"));
	L_OK(FX_PICC, LREPORT("C-1", "P-1"));
	/* The same entry again is a duplicate (the ledger returns its index); another id is a new report. */
	L_REJECT(GB_EVALUE, "claim 'C-1' already exists", FX_PICC, "{\"type\":\"claim.report\",\"id\":\"rep-C-1-b\","
		"\"claim\":\"C-1\",\"policy\":\"P-1\",\"accident\":20260101,\"deaths\":0,\"injuries\":3,\"estimate_fen\":900000}");
	/* An advance of 1,001: picc 601, cpic 400 (cpic now owes the lead 400). */
	L_OK(FX_PICC, ADVANCE("C-1", 1001));
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 50001 - 1001);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/claims"), 601);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/claims"), 400);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/due_to/picc-zs"), -400);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_from/cpic-zs"), 400);
	CU_ASSERT_EQUAL(fx_state_int(l, "claim/C-1", "advanced_fen"), 1001);
	L_REJECT(GB_ESTATE, "paid in advance: it cannot be rejected", FX_PICC, REJECT("C-1", ""));
	L_REJECT(GB_EVALUE, "below the 1,001 fen advanced", FX_PICC, SETTLE("C-1", 1000));
	/* Settled at 5,000: the balance 3,999 splits 2,399 / 1,600. */
	L_OK(FX_PICC, SETTLE("C-1", 5000));
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 50001 - 5000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/claims"), 3000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/claims"), 2000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/due_to/picc-zs"), -2000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_from/cpic-zs"), 2000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_to/cpic-zs"), -20000);
	L_REJECT(GB_ESTATE, "claim 'C-1' is settled", FX_PICC, ADVANCE("C-1", 10));
	L_OK(FX_PICC, CLOSE("C-1", ""));
	char *text = lclaim(l, "C-1");
	CU_ASSERT_STRING_EQUAL(text, "{\"accident\":20260101,\"advanced_fen\":1001,\"deaths\":0,\"estimate_fen\":900000,"
		"\"id\":\"C-1\",\"injuries\":3,\"paid_fen\":5000,\"policy\":\"P-1\",\"settled_fen\":5000,\"status\":\"closed\"}");
	free(text);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "premium.receive", test_premium_receive);
	CU_add_test(s, "premium.receive rejections", test_premium_rejections);
	CU_add_test(s, "claim.report", test_claim_report);
	CU_add_test(s, "claim.report rejections", test_claim_report_rejections);
	CU_add_test(s, "claim lifecycle: advance, settle, close", test_claim_lifecycle);
	CU_add_test(s, "claim settle, close, reject", test_claim_settle_close_reject);
	CU_add_test(s, "claim payment rejections", test_claim_payment_rejections);
	CU_add_test(s, "claim record", test_claim_record);
	CU_add_test(s, "ledger refusals", test_ledger_refusals);
	CU_add_test(s, "ledger end to end", test_ledger_end_to_end);
}

GB_CUNIT_MAIN("claims", add_tests)
