/*
 * test_fund.c: the fund and settlement family: fund.withdraw, settle.pay
 * and correction.
 *
 * Until premium receipts land as entry types, the money is set up at the
 * rules level: an in-memory state with "params", "shares" and standard
 * posting sets posted directly (gb_books_post), and the entries applied with
 * gb_rules_apply over a roster filled here. The end-to-end tests run the
 * rejections through a real ledger (tests/fixture.h).
 */
#include "fixture.h"
#include "gongbao/books.h"
#include "gongbao/rules.h"
#include "gongbao/shares.h"
#include "gongbao/state.h"

/* ------------------------------------------------------ rules-level harness */

/* A consortium in memory: roster, state, the next entry's index. */
struct rl {
	gb_memstate *ms;
	gb_state st;
	gb_roster roster;
	gb_shares t;
	uint64_t index;
	gb_err err;
};

/* The roster, ascending by id. */
static const struct { int who; unsigned role; } rl_people[] = {
	{ FX_CPIC, GB_ROLE_MEMBER }, { FX_PICC, GB_ROLE_MEMBER }, { FX_PINGAN, GB_ROLE_MEMBER },
	{ FX_ASSOC, GB_ROLE_ASSOCIATION }, { FX_REG, GB_ROLE_REGULATOR },
};

/* The share table of the rules-level tests: cpic 30%, picc 50% (lead), pingan 20%. */
static void rl_shares(gb_shares *t)
{
	memset(t, 0, sizeof *t);
	t->count = 3;
	t->lead = 1;
	strcpy(t->id[0], "cpic-zs");
	strcpy(t->id[1], "picc-zs");
	strcpy(t->id[2], "pingan-zs");
	t->bps[0] = 3000;
	t->bps[1] = 5000;
	t->bps[2] = 2000;
}

static void rl_put_params(struct rl *r)
{
	fx_put_params(&r->st, 1500);
}

static gb_postings rl_ps; /* large: not on the stack */

/*
 * A consortium after entry 0 (the charter, which posts nothing), entry 1
 * (policy issued, premium 100,000 fen) and entry 2 (premium of 100,000 fen
 * received by picc, set-aside 15%): picc holds 100,000 fen of cash and owes
 * cpic 30,000 and pingan 20,000; the fund is 4,500 + 7,500 + 3,000 = 15,000.
 */
static void rl_init(struct rl *r)
{
	fx_setup();
	memset(r, 0, sizeof *r);
	r->ms = gb_memstate_new();
	CU_ASSERT_FATAL(r->ms != NULL);
	r->st = gb_memstate_state(r->ms);
	strcpy(r->roster.consortium, "zs-2026");
	strcpy(r->roster.name, "Rules-level consortium");
	for (size_t i = 0; i < sizeof rl_people / sizeof rl_people[0]; i++) {
		gb_participant *p = &r->roster.p[r->roster.count++];
		strcpy(p->id, fx_names[rl_people[i].who]);
		p->role = rl_people[i].role;
		p->key = fx_key[rl_people[i].who].pub;
	}
	rl_put_params(r);
	rl_shares(&r->t);
	uint8_t buf[1024];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	gb_shares_encode(&r->t, &w);
	CU_ASSERT_FATAL(w.err == 0);
	CU_ASSERT_FATAL(gb_state_put(&r->st, "shares", buf, w.len) == 0);
	gb_postings_init(&rl_ps);
	CU_ASSERT_FATAL(gb_books_premium_written(&rl_ps, &r->t, 100000, &r->err) == 0);
	CU_ASSERT_FATAL(gb_books_post(&rl_ps, &r->st, 1, &r->err) == 0);
	gb_postings_init(&rl_ps);
	CU_ASSERT_FATAL(gb_books_premium_received(&rl_ps, &r->t, 100000, 1500, &r->err) == 0);
	CU_ASSERT_FATAL(gb_books_post(&rl_ps, &r->st, 2, &r->err) == 0);
	r->index = 3;
}

static void rl_free(struct rl *r)
{
	gb_memstate_free(r->ms);
	r->ms = NULL;
}

/*
 * Signs the body (who[0] signs, who[1..n) co-sign) and applies it as entry
 * r->index; on success the index moves on. Returns the code.
 */
static int rl_apply(struct rl *r, const int *who, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int rl_apply(struct rl *r, const int *who, size_t n, const char *fmt, ...)
{
	static uint8_t buf[GB_ENTRY_MAX];
	va_list ap;
	va_start(ap, fmt);
	size_t len = fx_vsign(buf, sizeof buf, who, n, fmt, ap);
	va_end(ap);
	gb_entry e;
	CU_ASSERT_FATAL(gb_entry_decode(buf, len, &e, &r->err) == 0);
	gb_rules_env env = { .roster = &r->roster, .state = &r->st, .index = r->index, .now = 0 };
	gb_pubkey keys[GB_ENTRY_SIGS_MAX];
	gb_err_clear(&r->err);
	int rc = gb_rules_apply(&env, &e, keys, &r->err);
	if (rc != 0 && getenv("FX_VERBOSE"))
		fprintf(stderr, "rl: %s: %s\n", gb_errname(rc), r->err.msg);
	if (rc == 0)
		r->index++;
	return rc;
}

static int64_t bal(struct rl *r, const char *member, int kind, const char *other)
{
	int64_t v = -1;
	gb_err err;
	CU_ASSERT_FATAL(gb_books_balance(&r->st, member, kind, other, &v, &err) == 0);
	return v;
}

static int64_t fund_total(struct rl *r)
{
	int64_t v = -1;
	gb_err err;
	CU_ASSERT_FATAL(gb_books_fund_total(&r->st, &r->t, &v, &err) == 0);
	return v;
}

static int digest_one(void *arg, const char *key, const uint8_t *val, size_t len)
{
	crypto_hash_sha256_state *h = arg;
	uint8_t n[8];
	for (int i = 0; i < 8; i++)
		n[i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	crypto_hash_sha256_update(h, (const uint8_t *)key, strlen(key) + 1);
	crypto_hash_sha256_update(h, n, sizeof n);
	crypto_hash_sha256_update(h, val, len);
	return 0;
}

/* The SHA-256 of every key and value of the state: equal digests, equal states. */
static void digest(struct rl *r, uint8_t out[crypto_hash_sha256_BYTES])
{
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	CU_ASSERT(gb_memstate_each(r->ms, digest_one, &h) == 0);
	crypto_hash_sha256_final(&h, out);
}

/* Asserts that a rejected entry got `code`, a message holding `needle`, and changed nothing. */
#define REJECT(r, code, needle, who, n, ...) do {                                        \
		uint8_t before_[crypto_hash_sha256_BYTES], after_[crypto_hash_sha256_BYTES];     \
		uint64_t index_ = (r)->index;                                                    \
		size_t keys_ = gb_memstate_count((r)->ms);                                       \
		digest((r), before_);                                                            \
		int rc_ = rl_apply((r), (who), (n), __VA_ARGS__);                                \
		if (rc_ != (code))                                                               \
			fprintf(stderr, "line %d: %s (%s), want %s\n", __LINE__, gb_errname(rc_), \
				(r)->err.msg, gb_errname(code));                                 \
		CU_ASSERT_EQUAL(rc_, (code));                                                    \
		if (strstr((r)->err.msg, (needle)) == NULL)                                      \
			fprintf(stderr, "line %d: message '%s' lacks '%s'\n", __LINE__,          \
				(r)->err.msg, (needle));                                         \
		CU_ASSERT_PTR_NOT_NULL(strstr((r)->err.msg, (needle)));                          \
		digest((r), after_);                                                             \
		CU_ASSERT_EQUAL(memcmp(before_, after_, sizeof before_), 0);                     \
		CU_ASSERT_EQUAL(gb_memstate_count((r)->ms), keys_);                              \
		CU_ASSERT_EQUAL((r)->index, index_);                                             \
	} while (0)

#define CASH GB_ACCOUNT_CASH
#define FUND GB_ACCOUNT_FUND
#define DUE_TO GB_ACCOUNT_DUE_TO
#define DUE_FROM GB_ACCOUNT_DUE_FROM

#define WD(id, purpose, amount) "{\"type\":\"fund.withdraw\",\"id\":\"" id "\",\"purpose\":\"" purpose "\"," \
	"\"beneficiary\":\"Zhoushan Safety Training Centre\",\"amount\":" #amount ",\"plan\":\"PLAN-2026-01\"}"

static const int lead_assoc[2] = { FX_PICC, FX_ASSOC };

/* The harness itself: the balances the tests start from. */
static void test_rl_setup(void)
{
	struct rl r;
	rl_init(&r);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", CASH, NULL), 100000);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_TO, "cpic-zs"), -30000);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", DUE_FROM, "picc-zs"), 30000);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_TO, "pingan-zs"), -20000);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", FUND, NULL), -4500);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", FUND, NULL), -7500);
	CU_ASSERT_EQUAL(bal(&r, "pingan-zs", FUND, NULL), -3000);
	CU_ASSERT_EQUAL(fund_total(&r), 15000);
	rl_free(&r);
}

static void test_rl_withdraw(void)
{
	struct rl r;
	rl_init(&r);
	/*
	 * 1,001 fen by fund parts 4,500 / 7,500 / 3,000: bases 300, 500, 200,
	 * fractional parts 4,500, 7,500, 3,000 (of 15,000): the remaining fen
	 * goes to picc.
	 */
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, lead_assoc, 2, WD("w1", "training", 1001)), 0);
	CU_ASSERT_EQUAL(r.index, 4);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", FUND, NULL), -4200);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", FUND, NULL), -6999);
	CU_ASSERT_EQUAL(bal(&r, "pingan-zs", FUND, NULL), -2800);
	CU_ASSERT_EQUAL(fund_total(&r), 13999);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", CASH, NULL), 98999);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", DUE_TO, "picc-zs"), -300);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_FROM, "cpic-zs"), 300);
	CU_ASSERT_EQUAL(bal(&r, "pingan-zs", DUE_TO, "picc-zs"), -200);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_FROM, "pingan-zs"), 200);
	/* Recorded as entry 3's posting set: cash, three fund lines, two pairs of dues. */
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_books_posted(&rl_ps, &r.st, 3, &err), 0);
	CU_ASSERT_EQUAL(rl_ps.count, 8);
	CU_ASSERT_EQUAL(gb_postings_amount(&rl_ps, "picc-zs", CASH, NULL), -1001);
	CU_ASSERT_EQUAL(gb_postings_amount(&rl_ps, "picc-zs", FUND, NULL), 501);

	int lead_only[1] = { FX_PICC }, lead_reg[2] = { FX_PICC, FX_REG };
	int follower_assoc[2] = { FX_CPIC, FX_ASSOC }, assoc_lead[2] = { FX_ASSOC, FX_PICC };
	int three[3] = { FX_PICC, FX_ASSOC, FX_REG };
	REJECT(&r, GB_EVALUE, "'parties', want one of: training", lead_assoc, 2, WD("w2", "parties", 10));
	REJECT(&r, GB_EVALUE, "purpose", lead_assoc, 2, WD("w3", "", 10));
	REJECT(&r, GB_EVALUE, "purpose", lead_assoc, 2, WD("w4", "risk_assessment_and_everything_else", 10));
	REJECT(&r, GB_ENOSIG, "association", lead_only, 1, WD("w5", "drills", 10));
	REJECT(&r, GB_ENOSIG, "association", lead_reg, 2, WD("w6", "drills", 10));
	REJECT(&r, GB_EAUTH, "lead 'picc-zs'", follower_assoc, 2, WD("w7", "drills", 10));
	REJECT(&r, GB_EAUTH, "association", assoc_lead, 2, WD("w8", "drills", 10));
	REJECT(&r, GB_EFIELD, "signature", three, 3, WD("w9", "drills", 10));
	REJECT(&r, GB_ESTATE, "exceeds the prevention fund's balance of 13,999 fen", lead_assoc, 2,
		WD("w10", "rewards", 14000));
	REJECT(&r, GB_EVALUE, "amount", lead_assoc, 2, WD("w11", "rewards", 0));
	REJECT(&r, GB_EVALUE, "amount", lead_assoc, 2, WD("w12", "rewards", -5));
	REJECT(&r, GB_EOVERFLOW, "amount", lead_assoc, 2, WD("w13", "rewards", 1000000000000001));
	REJECT(&r, GB_EFIELD, "amount", lead_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"w14\","
		"\"purpose\":\"drills\",\"beneficiary\":\"x\",\"amount\":\"10\",\"plan\":\"P\"}");
	REJECT(&r, GB_EFIELD, "beneficiary", lead_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"w15\","
		"\"purpose\":\"drills\",\"amount\":10,\"plan\":\"P\"}");
	REJECT(&r, GB_EVALUE, "plan", lead_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"w16\","
		"\"purpose\":\"drills\",\"beneficiary\":\"x\",\"amount\":10,"
		"\"plan\":\"0123456789012345678901234567890123456789012345678901234567890123X\"}");
	REJECT(&r, GB_EFIELD, "colour", lead_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"w17\","
		"\"purpose\":\"drills\",\"beneficiary\":\"x\",\"amount\":10,\"plan\":\"P\",\"colour\":1}");

	/* Exactly the balance is allowed, and empties every member's part. */
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, lead_assoc, 2, WD("w18", "publicity", 13999)), 0);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", FUND, NULL), 0);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", FUND, NULL), 0);
	CU_ASSERT_EQUAL(bal(&r, "pingan-zs", FUND, NULL), 0);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", CASH, NULL), 85000);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", DUE_TO, "picc-zs"), -4500);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_FROM, "pingan-zs"), 3000);
	REJECT(&r, GB_ESTATE, "balance of 0 fen", lead_assoc, 2, WD("w19", "consulting", 1));
	rl_free(&r);
}

/* Every allowed purpose is accepted. */
static void test_rl_purposes(void)
{
	static const char *const purposes[] = { "training", "risk_assessment", "hidden_danger", "drills",
		"rewards", "technology", "evaluation", "consulting", "publicity" };
	struct rl r;
	rl_init(&r);
	for (size_t i = 0; i < 9; i++)
		CU_ASSERT_EQUAL(rl_apply(&r, lead_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"p%zu\","
			"\"purpose\":\"%s\",\"beneficiary\":\"b\",\"amount\":100,\"plan\":\"P\"}", i, purposes[i]), 0);
	CU_ASSERT_EQUAL(r.index, 12);
	CU_ASSERT_EQUAL(fund_total(&r), 15000 - 900);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", CASH, NULL), 100000 - 900);
	rl_free(&r);
}

#define PAY(id, payee, amount) "{\"type\":\"settle.pay\",\"id\":\"" id "\",\"payee\":\"" payee "\"," \
	"\"amount\":" #amount ",\"reference\":\"BANK-0042\"}"

static void test_rl_settle(void)
{
	struct rl r;
	rl_init(&r);
	int picc_cpic[2] = { FX_PICC, FX_CPIC }, picc_only[1] = { FX_PICC };
	int picc_pingan[2] = { FX_PICC, FX_PINGAN }, assoc_cpic[2] = { FX_ASSOC, FX_CPIC };
	int picc_reg[2] = { FX_PICC, FX_REG }, cpic_picc[2] = { FX_CPIC, FX_PICC };
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, picc_cpic, 2, PAY("s1", "cpic-zs", 10000)), 0);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", CASH, NULL), 90000);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_TO, "cpic-zs"), -20000);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", CASH, NULL), 10000);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", DUE_FROM, "picc-zs"), 20000);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_TO, "pingan-zs"), -20000); /* untouched */
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_books_posted(&rl_ps, &r.st, 3, &err), 0);
	CU_ASSERT_EQUAL(rl_ps.count, 4);

	REJECT(&r, GB_ENOSIG, "payee 'cpic-zs'", picc_only, 1, PAY("s2", "cpic-zs", 100));
	REJECT(&r, GB_ENOSIG, "payee 'cpic-zs'", picc_pingan, 2, PAY("s3", "cpic-zs", 100));
	REJECT(&r, GB_ESTATE, "settlement of 20,001 fen overpays: 'picc-zs' owes 'cpic-zs' 20,000 fen",
		picc_cpic, 2, PAY("s4", "cpic-zs", 20001));
	REJECT(&r, GB_EVALUE, "payer", picc_cpic, 2, PAY("s5", "picc-zs", 100));
	REJECT(&r, GB_EVALUE, "regulator", picc_reg, 2, PAY("s6", "zs-eb", 100));
	REJECT(&r, GB_ENOTFOUND, "nobody", picc_cpic, 2, PAY("s7", "nobody", 100));
	REJECT(&r, GB_EVALUE, "amount", picc_cpic, 2, PAY("s8", "cpic-zs", 0));
	REJECT(&r, GB_EAUTH, "association", assoc_cpic, 2, PAY("s9", "cpic-zs", 100));
	REJECT(&r, GB_EFIELD, "reference", picc_cpic, 2, "{\"type\":\"settle.pay\",\"id\":\"s10\","
		"\"payee\":\"cpic-zs\",\"amount\":100}");
	/* cpic owes picc nothing: nothing to settle that way. */
	REJECT(&r, GB_ESTATE, "'cpic-zs' owes 'picc-zs' 0 fen", cpic_picc, 2, PAY("s11", "picc-zs", 1));

	/* Exactly what is owed clears the debt; then nothing more. */
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, picc_cpic, 2, PAY("s12", "cpic-zs", 20000)), 0);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_TO, "cpic-zs"), 0);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", DUE_FROM, "picc-zs"), 0);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", CASH, NULL), 30000);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", CASH, NULL), 70000);
	REJECT(&r, GB_ESTATE, "overpays", picc_cpic, 2, PAY("s13", "cpic-zs", 1));
	rl_free(&r);
}

#define CORR(id, entry) "{\"type\":\"correction\",\"id\":\"" id "\",\"entry\":" #entry "," \
	"\"reason\":\"keyed against the wrong member\"}"

/* Reads an integer field of a state record (-1 if absent). */
static long long rec_int(struct rl *r, const char *key, const char *field)
{
	const uint8_t *p;
	size_t len;
	int64_t v = -1;
	if (gb_state_get(&r->st, key, &p, &len) != 0)
		return -1;
	gb_mp_item it;
	if (gb_mp_map_get(p, len, field, &it, NULL, NULL) != 0)
		return -1;
	if (it.type == GB_MP_UINT)
		v = (int64_t)it.v.u;
	else if (it.type == GB_MP_INT)
		v = it.v.i;
	return v;
}

static void test_rl_correction(void)
{
	struct rl r;
	rl_init(&r);
	int assoc[1] = { FX_ASSOC }, picc_cpic[2] = { FX_PICC, FX_CPIC }, picc[1] = { FX_PICC };
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, picc_cpic, 2, PAY("s1", "cpic-zs", 10000)), 0); /* 3 */
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, assoc, 1, CORR("c1", 3)), 0);                  /* 4 */
	/* Back to before the settlement. */
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", CASH, NULL), 100000);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", DUE_TO, "cpic-zs"), -30000);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", CASH, NULL), 0);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", DUE_FROM, "picc-zs"), 30000);
	CU_ASSERT_EQUAL(rec_int(&r, "corrected/3", "by"), 4);
	CU_ASSERT_EQUAL(rec_int(&r, "correction/4", "entry"), 3);
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_books_posted(&rl_ps, &r.st, 4, &err), 0);
	CU_ASSERT_EQUAL(rl_ps.count, 4);
	CU_ASSERT_EQUAL(gb_postings_amount(&rl_ps, "picc-zs", CASH, NULL), 10000);
	CU_ASSERT_EQUAL(gb_postings_amount(&rl_ps, "cpic-zs", DUE_FROM, "picc-zs"), 10000);

	REJECT(&r, GB_ESTATE, "already corrected by entry 4", assoc, 1, CORR("c2", 3));
	REJECT(&r, GB_ESTATE, "entry 4 is a correction", assoc, 1, CORR("c3", 4));
	REJECT(&r, GB_ESTATE, "entry 0 cannot be corrected", assoc, 1, CORR("c4", 0));
	REJECT(&r, GB_ENOTFOUND, "entry 5 is not in the log", assoc, 1, CORR("c5", 5));
	REJECT(&r, GB_ENOTFOUND, "entry 1000 is not in the log", assoc, 1, CORR("c6", 1000));
	REJECT(&r, GB_EVALUE, "entry", assoc, 1, CORR("c7", -1));
	REJECT(&r, GB_EAUTH, "member", picc, 1, CORR("c8", 2));
	REJECT(&r, GB_EVALUE, "reason", assoc, 1, "{\"type\":\"correction\",\"id\":\"c9\",\"entry\":2,\"reason\":\"\"}");
	REJECT(&r, GB_EFIELD, "reason", assoc, 1, "{\"type\":\"correction\",\"id\":\"c10\",\"entry\":2}");

	/* Spend part of the fund (entry 5). A premium receipt is never corrected: its
	 * record (received_fen) would disagree with the books. */
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, lead_assoc, 2, WD("w1", "drills", 1001)), 0);
	REJECT(&r, GB_ESTATE, "entry 2 cannot be corrected", assoc, 1, CORR("c11", 2));
	/* Undo the withdrawal (entry 6): the fund is whole again. */
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, assoc, 1, CORR("c12", 5)), 0);
	CU_ASSERT_EQUAL(fund_total(&r), 15000);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", FUND, NULL), -7500);
	CU_ASSERT_EQUAL(bal(&r, "picc-zs", CASH, NULL), 100000);
	CU_ASSERT_EQUAL(bal(&r, "cpic-zs", DUE_TO, "picc-zs"), 0);
	/* The receipt still cannot be corrected, with the fund whole again. */
	REJECT(&r, GB_ESTATE, "entry 2 cannot be corrected", assoc, 1, CORR("c13", 2));
	REJECT(&r, GB_ESTATE, "already corrected by entry 6", assoc, 1, CORR("c14", 5));
	CU_ASSERT_EQUAL(r.index, 7);
	rl_free(&r);
}

/* Policies and receipts are not corrected, spent set-aside or not; a withdrawal is. */
static void test_rl_correction_spent(void)
{
	struct rl r;
	rl_init(&r);
	int assoc[1] = { FX_ASSOC };
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, lead_assoc, 2, WD("w1", "evaluation", 15000)), 0);
	REJECT(&r, GB_ESTATE, "entry 2 cannot be corrected", assoc, 1, CORR("c1", 2));
	REJECT(&r, GB_ESTATE, "entry 1 cannot be corrected", assoc, 1, CORR("c2", 1));
	CU_ASSERT_EQUAL_FATAL(rl_apply(&r, assoc, 1, CORR("c3", 3)), 0);
	CU_ASSERT_EQUAL(fund_total(&r), 15000);
	rl_free(&r);
}

/* No default share table: a withdrawal has no lead to pay it. */
static void test_rl_no_shares(void)
{
	struct rl r;
	fx_setup();
	memset(&r, 0, sizeof r);
	r.ms = gb_memstate_new();
	CU_ASSERT_FATAL(r.ms != NULL);
	r.st = gb_memstate_state(r.ms);
	strcpy(r.roster.consortium, "zs-2026");
	for (size_t i = 0; i < sizeof rl_people / sizeof rl_people[0]; i++) {
		gb_participant *p = &r.roster.p[r.roster.count++];
		strcpy(p->id, fx_names[rl_people[i].who]);
		p->role = rl_people[i].role;
		p->key = fx_key[rl_people[i].who].pub;
	}
	r.index = 1;
	REJECT(&r, GB_ESTATE, "no default share table", lead_assoc, 2, WD("w1", "drills", 1));
	CU_ASSERT_EQUAL(gb_state_put(&r.st, "shares", "\x81\xa1x\x01", 4), 0);
	REJECT(&r, GB_ECORRUPT, "stored shares", lead_assoc, 2, WD("w2", "drills", 1));
	rl_free(&r);
}

/* ------------------------------------------------------------ end to end */

static uint64_t ledger_size(gb_ledger *l)
{
	uint64_t n = 0;
	gb_err err;
	CU_ASSERT_FATAL(gb_ledger_size(l, &n, &err) == 0);
	return n;
}

/* Posts through the ledger and asserts the code and that the log did not grow. */
#define E2E_REJECT(l, code, needle, who, n, ...) do {                                    \
		gb_err err_;                                                                     \
		uint64_t size_ = ledger_size(l);                                                 \
		int rc_ = fx_post_co((l), &err_, (who), (n), __VA_ARGS__);                       \
		if (rc_ != (code))                                                               \
			fprintf(stderr, "line %d: %s (%s), want %s\n", __LINE__, gb_errname(rc_), \
				err_.msg, gb_errname(code));                                     \
		CU_ASSERT_EQUAL(rc_, (code));                                                    \
		CU_ASSERT_PTR_NOT_NULL(strstr(err_.msg, (needle)));                              \
		CU_ASSERT_EQUAL(ledger_size(l), size_);                                          \
	} while (0)

static void test_e2e_rejections(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	int lead_only[1] = { FX_PICC }, follower_assoc[2] = { FX_CPIC, FX_ASSOC };
	int picc_cpic[2] = { FX_PICC, FX_CPIC }, assoc[1] = { FX_ASSOC }, reg[1] = { FX_REG };
	CU_ASSERT_EQUAL_FATAL(fx_post(l, &err, FX_PICC, "{\"type\":\"memo\",\"id\":\"m1\",\"text\":\"hello\"}"), 0);
	CU_ASSERT_EQUAL(ledger_size(l), 2);
	/* The fixture's fund is empty: nothing can be withdrawn. */
	E2E_REJECT(l, GB_ESTATE, "balance of 0 fen", lead_assoc, 2, WD("w1", "training", 1));
	E2E_REJECT(l, GB_EVALUE, "'lunch'", lead_assoc, 2, WD("w2", "lunch", 1));
	E2E_REJECT(l, GB_ENOSIG, "approval", lead_only, 1, WD("w3", "training", 1));
	E2E_REJECT(l, GB_EAUTH, "lead 'picc-zs'", follower_assoc, 2, WD("w4", "training", 1));
	E2E_REJECT(l, GB_EAUTH, "regulator", reg, 1, WD("w5", "training", 1));
	/* Nobody owes anybody yet. */
	E2E_REJECT(l, GB_ESTATE, "'picc-zs' owes 'cpic-zs' 0 fen", picc_cpic, 2, PAY("s1", "cpic-zs", 1));
	E2E_REJECT(l, GB_ENOSIG, "payee", lead_only, 1, PAY("s2", "cpic-zs", 1));
	/* Entries that posted nothing, or are not there. */
	E2E_REJECT(l, GB_ESTATE, "entry 1 cannot be corrected", assoc, 1, CORR("c1", 1));
	E2E_REJECT(l, GB_ESTATE, "entry 0 cannot be corrected", assoc, 1, CORR("c2", 0));
	E2E_REJECT(l, GB_ENOTFOUND, "entry 2 is not in the log", assoc, 1, CORR("c3", 2));
	E2E_REJECT(l, GB_EAUTH, "member", lead_only, 1, CORR("c4", 1));
	CU_ASSERT_EQUAL(fx_state_int(l, "corrected/1", "by"), -0x7fffffffffffffffLL - 1);
	json_t *j = fx_state(l, "bal/m/picc-zs/cash", UINT64_MAX);
	CU_ASSERT_PTR_NULL(j);
	json_decref(j);
	CU_ASSERT_EQUAL(ledger_size(l), 2);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "rules-level setup", test_rl_setup);
	CU_add_test(s, "fund.withdraw", test_rl_withdraw);
	CU_add_test(s, "fund.withdraw purposes", test_rl_purposes);
	CU_add_test(s, "settle.pay", test_rl_settle);
	CU_add_test(s, "correction", test_rl_correction);
	CU_add_test(s, "correction of a spent set-aside", test_rl_correction_spent);
	CU_add_test(s, "no default shares", test_rl_no_shares);
	CU_add_test(s, "end to end rejections", test_e2e_rejections);
}

GB_CUNIT_MAIN("fund", add_tests)
