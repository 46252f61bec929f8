/*
 * test_flows.c: the consortium's types end to end through a real ledger:
 * rates, a policy, premium in two parts, a prevention-fund withdrawal, a
 * settlement and the corrections of both; a claim's whole life; claims on
 * policies not in force; an all-or-nothing batch; balances as of an index.
 *
 * The fixture's shares: cpic-zs 40%, picc-zs 60% (lead); set-aside 15%.
 * Every expected figure below is worked out by hand in the comments, not
 * computed by the code under test.
 */
#include "fixture.h"
#include "gongbao/books.h"
#include "gongbao/shares.h"
#include "gongbao/state.h"

#define USCI "91330900MA2A1B2C34"

/* The members in ascending id order, as the share table lists them. */
enum { CPIC, PICC, NM };
static const char *const mid[NM] = { "cpic-zs", "picc-zs" };

/*
 * One member's balances: the own kinds (cash ... claims), then what the
 * other member owes it (due_from) and what it owes the other (due_to).
 */
enum { B_CASH, B_RECV, B_PREM, B_SET, B_FUND, B_CLAIMS, B_FROM, B_TO, NB };
typedef struct snap {
	int64_t v[NM][NB];
} snap;

/* ------------------------------------------------------------- helpers */



/* The fixture's default share table, built here (not read from the ledger). */
static void fx_table(gb_shares *t)
{
	memset(t, 0, sizeof *t);
	t->count = 2;
	t->lead = PICC;
	strcpy(t->id[CPIC], "cpic-zs");
	strcpy(t->id[PICC], "picc-zs");
	t->bps[CPIC] = 4000;
	t->bps[PICC] = 6000;
}

/* What a read view hands back: the balances, each member's total, the fund. */
struct view {
	snap s;
	int64_t total[NM];
	int64_t fund;
	int rc;
};

static int read_view(const gb_state *st, void *arg)
{
	struct view *v = arg;
	gb_shares t;
	fx_table(&t);
	gb_err err;
	for (int m = 0; m < NM; m++) {
		gb_member_balances mb;
		int rc = gb_books_member_balances(st, &t, mid[m], &mb, &err);
		if (rc != 0)
			return v->rc = rc;
		for (int k = 0; k < GB_ACCOUNT_OWN_KINDS; k++)
			v->s.v[m][k] = mb.own_fen[k];
		v->s.v[m][B_FROM] = mb.due_from_fen[1 - m];
		v->s.v[m][B_TO] = mb.due_to_fen[1 - m];
		CU_ASSERT_EQUAL(mb.due_from_fen[m], 0);
		CU_ASSERT_EQUAL(mb.due_to_fen[m], 0);
		v->total[m] = mb.total_fen;
	}
	return v->rc = gb_books_fund_total(st, &t, &v->fund, &err);
}

/* Prints the two snapshots side by side when they differ (to find the failing figure). */
static void snap_diff(const char *where, int line, const snap *want, const snap *got)
{
	static const char *const kn[NB] = { "cash", "receivable", "premium", "setaside", "fund",
		"claims", "due_from", "due_to" };
	for (int m = 0; m < NM; m++)
		for (int k = 0; k < NB; k++)
			if (want->v[m][k] != got->v[m][k])
				fprintf(stderr, "%s (line %d): %s %s: want %lld, got %lld\n", where, line, mid[m],
					kn[k], (long long)want->v[m][k], (long long)got->v[m][k]);
}

/*
 * Checks the balances as of entry `as_of` (UINT64_MAX: now) against want,
 * through gb_ledger_read + gb_books_member_balances, and, for now, through
 * the single-key reader too: every figure, each member summing to 0, the
 * mirror, and the fund total -(sum of the fund parts).
 */
static void check_at(gb_ledger *l, uint64_t as_of, const snap *want, int line)
{
	struct view v;
	memset(&v, 0x5a, sizeof v);
	gb_err err;
	int rc = gb_ledger_read(l, as_of, read_view, &v, &err);
	if (rc != 0)
		fprintf(stderr, "line %d: read: %s: %s\n", line, gb_errname(rc), err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	if (memcmp(&v.s, want, sizeof *want) != 0)
		snap_diff(as_of == UINT64_MAX ? "now" : "as of", line, want, &v.s);
	CU_ASSERT_EQUAL(memcmp(&v.s, want, sizeof *want), 0);
	for (int m = 0; m < NM; m++) {
		CU_ASSERT_EQUAL(v.total[m], 0);
		int64_t sum = 0;
		for (int k = 0; k < NB; k++)
			sum += v.s.v[m][k];
		CU_ASSERT_EQUAL(sum, 0);
		CU_ASSERT(v.s.v[m][B_FUND] <= 0);
	}
	/* The mirror: what picc is owed by cpic is what cpic owes picc, and back. */
	CU_ASSERT_EQUAL(v.s.v[PICC][B_FROM], -v.s.v[CPIC][B_TO]);
	CU_ASSERT_EQUAL(v.s.v[CPIC][B_FROM], -v.s.v[PICC][B_TO]);
	CU_ASSERT_EQUAL(v.fund, -(want->v[CPIC][B_FUND] + want->v[PICC][B_FUND]));
	if (as_of != UINT64_MAX)
		return;
	static const char *const kn[B_FROM] = { "cash", "receivable", "premium", "setaside", "fund", "claims" };
	for (int m = 0; m < NM; m++) {
		char a[GB_ACCOUNT_MAX + 1];
		for (int k = 0; k < B_FROM; k++) {
			snprintf(a, sizeof a, "m/%s/%s", mid[m], kn[k]);
			CU_ASSERT_EQUAL(fx_balance(l, a), want->v[m][k]);
		}
		snprintf(a, sizeof a, "m/%s/due_from/%s", mid[m], mid[1 - m]);
		CU_ASSERT_EQUAL(fx_balance(l, a), want->v[m][B_FROM]);
		snprintf(a, sizeof a, "m/%s/due_to/%s", mid[m], mid[1 - m]);
		CU_ASSERT_EQUAL(fx_balance(l, a), want->v[m][B_TO]);
	}
}
#define CHECK_NOW(l, want) check_at(l, UINT64_MAX, want, __LINE__)

/* Posts and requires success (fatal: the flow cannot go on without it). */
#define OK(l, who, ...) do {                                                           \
	gb_err err_;                                                                   \
	int rc_ = fx_post(l, &err_, who, __VA_ARGS__);                                 \
	if (rc_ != 0)                                                                  \
		fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, gb_errname(rc_), err_.msg); \
	CU_ASSERT_EQUAL_FATAL(rc_, 0);                                                 \
} while (0)
#define OK_CO(l, who, n, ...) do {                                                     \
	gb_err err_;                                                                   \
	int rc_ = fx_post_co(l, &err_, who, n, __VA_ARGS__);                           \
	if (rc_ != 0)                                                                  \
		fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, gb_errname(rc_), err_.msg); \
	CU_ASSERT_EQUAL_FATAL(rc_, 0);                                                 \
} while (0)

static const int assoc_reg[] = { FX_ASSOC, FX_REG };
static const int picc_assoc[] = { FX_PICC, FX_ASSOC };
static const int picc_cpic[] = { FX_PICC, FX_CPIC };

/* Mining by head at 10,000 fen a head a year from 2025-01-01; floats of -30% to +30%. */
#define RATES "{\"type\":\"rates.set\",\"id\":\"rates\",\"from\":20250101,\"float_min_bps\":-3000," \
	"\"float_max_bps\":3000,\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":10000}}}"
/* A mining policy for `heads` heads (floor 7,000 fen a head a year). */
#define ISSUE(no, heads, start, end, premium) "{\"type\":\"policy.issue\",\"id\":\"iss-" no "\"," \
	"\"no\":\"" no "\",\"usci\":\"" USCI "\",\"enterprise\":\"Zhoushan Flow Mining Co.\"," \
	"\"industry\":\"mining\",\"exposure\":" #heads ",\"headcount\":" #heads ",\"limit_fen\":40000000," \
	"\"premium_fen\":" #premium ",\"commission_fen\":0,\"start\":" #start ",\"end\":" #end "}"
#define RECEIVE(tag, no, amount) "{\"type\":\"premium.receive\",\"id\":\"" tag "\",\"policy\":\"" no "\"," \
	"\"amount_fen\":" #amount ",\"payer_ref\":\"ICBC " tag "\"}"
#define REPORT(claim, policy, accident) "{\"type\":\"claim.report\",\"id\":\"rep-" claim "\"," \
	"\"claim\":\"" claim "\",\"policy\":\"" policy "\",\"accident\":" #accident "," \
	"\"deaths\":0,\"injuries\":2,\"estimate_fen\":500000}"

/* Expected balances after each step of the main flow (see test_money_flow). */
static const snap S_ISSUED = { .v = {
	[CPIC] = { [B_RECV] = 400001, [B_PREM] = -400001 },
	[PICC] = { [B_RECV] = 600002, [B_PREM] = -600002 },
} };
static const snap S_R1 = { .v = {
	[CPIC] = { [B_RECV] = 200001, [B_PREM] = -400001, [B_SET] = 30000, [B_FUND] = -30000,
		[B_FROM] = 200000 },
	[PICC] = { [B_CASH] = 500001, [B_RECV] = 300001, [B_PREM] = -600002, [B_SET] = 45000,
		[B_FUND] = -45000, [B_TO] = -200000 },
} };
static const snap S_R2 = { .v = {
	[CPIC] = { [B_PREM] = -400001, [B_SET] = 60000, [B_FUND] = -60000, [B_FROM] = 400001 },
	[PICC] = { [B_CASH] = 1000003, [B_PREM] = -600002, [B_SET] = 90000, [B_FUND] = -90000,
		[B_TO] = -400001 },
} };
static const snap S_WD = { .v = {
	[CPIC] = { [B_PREM] = -400001, [B_SET] = 60000, [B_FUND] = -40000, [B_FROM] = 400001,
		[B_TO] = -20000 },
	[PICC] = { [B_CASH] = 950002, [B_PREM] = -600002, [B_SET] = 90000, [B_FUND] = -59999,
		[B_FROM] = 20000, [B_TO] = -400001 },
} };
static const snap S_SETTLED = { .v = {
	[CPIC] = { [B_CASH] = 300007, [B_PREM] = -400001, [B_SET] = 60000, [B_FUND] = -40000,
		[B_FROM] = 99994, [B_TO] = -20000 },
	[PICC] = { [B_CASH] = 649995, [B_PREM] = -600002, [B_SET] = 90000, [B_FUND] = -59999,
		[B_FROM] = 20000, [B_TO] = -99994 },
} };

/*
 * Entries 1-3 of the main flow: the rates (association + regulator), policy
 * P-1 issued by the lead (100 heads: floor 700,000; premium 1,000,003), and
 * the first part of its premium, 500,001 fen.
 */
static void flow_start(gb_ledger *l)
{
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 100, 20260101, 20270101, 1000003));
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 500001));
}

/* A correction of entry k's postings, by the association. */
static int correct(gb_ledger *l, gb_err *err, const char *id, uint64_t k)
{
	return fx_post(l, err, FX_ASSOC, "{\"type\":\"correction\",\"id\":\"%s\",\"entry\":%llu,"
		"\"reason\":\"posted in error\"}", id, (unsigned long long)k);
}

/* An integer field of a state map as of now; -1 when absent (the key or the field). */
static long long state_num(gb_ledger *l, const char *key, const char *field)
{
	long long v = fx_state_int(l, key, field);
	return v == (-0x7fffffffffffffffLL - 1) ? -1 : v;
}

/* -------------------------------------------------------------- 1: money */

/*
 * rates.set -> policy.issue -> premium in two parts -> fund.withdraw ->
 * settle.pay -> correction of the settlement -> correction of the withdrawal.
 */
static void test_money_flow(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	snap zero = { { { 0 } } };
	CHECK_NOW(l, &zero);

	/* 1: rates; 2: P-1 written, 1,000,003 x 60% = 600,001.8 and x 40% = 400,001.2:
	 * the odd fen goes to picc (larger fraction). */
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 100, 20260101, 20270101, 1000003));
	CU_ASSERT_EQUAL(fx_log_size(l), 3);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "issued_at"), 2);
	CHECK_NOW(l, &S_ISSUED);

	/* 3: 500,001 received: picc 300,000.6 -> 300,001, cpic 200,000.4 -> 200,000;
	 * set-aside 15%: 45,000.15 -> 45,000 and 30,000. */
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 500001));
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "received_fen"), 500001);
	CHECK_NOW(l, &S_R1);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 500001);

	/* 4: the rest, 500,002: picc 300,001.2 -> 300,001, cpic 200,000.8 -> 200,001;
	 * set-aside 45,000.15 -> 45,000 and 30,000.15 -> 30,000. Fund: 150,000. */
	OK(l, FX_PICC, RECEIVE("r2", "P-1", 500002));
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "received_fen"), 1000003);
	CHECK_NOW(l, &S_R2);
	/* Nothing more is owed on P-1: one more fen is refused and changes nothing. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("r3", "P-1", 1)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_log_size(l), 5);
	CHECK_NOW(l, &S_R2);

	/* 5: 50,001 withdrawn, split by the fund parts 90,000 / 60,000: picc 30,000.6,
	 * cpic 20,000.4 -> 30,001 and 20,000; picc's cash pays all, cpic owes 20,000. */
	OK_CO(l, picc_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"wd1\",\"purpose\":\"training\","
		"\"beneficiary\":\"Zhoushan Safety Training Centre\",\"plan\":\"2026-1\",\"amount\":50001}");
	CHECK_NOW(l, &S_WD);
	json_t *post = fx_state(l, "post/5", UINT64_MAX);
	CU_ASSERT_EQUAL(json_array_size(post), 5);
	json_decref(post);
	/* More than the fund's 99,999 is refused. */
	CU_ASSERT_EQUAL(fx_post_co(l, &err, picc_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"wd2\","
		"\"purpose\":\"drills\",\"beneficiary\":\"X\",\"plan\":\"2026-1\",\"amount\":100000}"), GB_ESTATE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "99,999"));
	CU_ASSERT_EQUAL(fx_log_size(l), 6);
	CHECK_NOW(l, &S_WD);

	/* 6: picc pays cpic 300,007 of the 400,001 it owes (cpic co-signs). */
	OK_CO(l, picc_cpic, 2, "{\"type\":\"settle.pay\",\"id\":\"st1\",\"payee\":\"cpic-zs\","
		"\"amount\":300007,\"reference\":\"BOC 2026-01 netting\"}");
	CHECK_NOW(l, &S_SETTLED);
	/* Paying more than the 99,994 still owed is refused. */
	CU_ASSERT_EQUAL(fx_post_co(l, &err, picc_cpic, 2, "{\"type\":\"settle.pay\",\"id\":\"st2\","
		"\"payee\":\"cpic-zs\",\"amount\":99995,\"reference\":\"x\"}"), GB_ESTATE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "99,994"));
	CU_ASSERT_EQUAL(fx_log_size(l), 7);
	CHECK_NOW(l, &S_SETTLED);

	/* 7: the settlement corrected: back to S_WD exactly. */
	CU_ASSERT_EQUAL(correct(l, &err, "c1", 6), 0);
	CU_ASSERT_EQUAL(fx_log_size(l), 8);
	CHECK_NOW(l, &S_WD);
	CU_ASSERT_EQUAL(state_num(l, "corrected/6", "by"), 7);
	CU_ASSERT_EQUAL(state_num(l, "correction/7", "entry"), 6);
	/* Not twice. */
	CU_ASSERT_EQUAL(correct(l, &err, "c1b", 6), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), 8);

	/* 8: the withdrawal corrected: back to S_R2 exactly, the fund 150,000 again. */
	CU_ASSERT_EQUAL(correct(l, &err, "c2", 5), 0);
	CU_ASSERT_EQUAL(fx_log_size(l), 9);
	CHECK_NOW(l, &S_R2);
	CU_ASSERT_EQUAL(state_num(l, "corrected/5", "by"), 8);
	CU_ASSERT_EQUAL(state_num(l, "correction/8", "entry"), 5);
	/* The policy's record is as the receipts left it (corrections reverse money only). */
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "received_fen"), 1000003);

	/* Every earlier state is still there as of its index. */
	check_at(l, 2, &S_ISSUED, __LINE__);
	check_at(l, 3, &S_R1, __LINE__);
	check_at(l, 4, &S_R2, __LINE__);
	check_at(l, 5, &S_WD, __LINE__);
	check_at(l, 6, &S_SETTLED, __LINE__);
	check_at(l, 7, &S_WD, __LINE__);
	gb_ledger_close(l);
}

/* ------------------------------------------------------------- 2: claims */

/*
 * A claim's whole life: report, advance 1,001, settle at 3,002 (the lead
 * pays the balance 2,001), close. cpic's share: 1,001 x 40% = 400.4 -> 400,
 * 2,001 x 40% = 800.4 -> 800: it owes the lead 1,200, not the 1,201 that
 * 40% of the whole 3,002 (1,200.8) would round to.
 */
static void test_claim_flow(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 100, 20260101, 20270101, 1000003));
	snap s = S_ISSUED;
	CHECK_NOW(l, &s);

	/* 3: reported; nothing posted. */
	OK(l, FX_PICC, REPORT("C-1", "P-1", 20260101));
	json_t *j = fx_state(l, "post/3", UINT64_MAX);
	CU_ASSERT_PTR_NULL(j);
	json_decref(j);
	CU_ASSERT_EQUAL(state_num(l, "claim/C-1", "paid_fen"), 0);
	CHECK_NOW(l, &s);

	/* 4: advance 1,001: picc 600.6 -> 601, cpic 400. */
	OK(l, FX_PICC, "{\"type\":\"claim.advance\",\"id\":\"adv1\",\"claim\":\"C-1\",\"amount_fen\":1001,"
		"\"payee\":\"Zhoushan Hospital No. 1\"}");
	s.v[PICC][B_CASH] = -1001;
	s.v[PICC][B_CLAIMS] = 601;
	s.v[CPIC][B_CLAIMS] = 400;
	s.v[CPIC][B_TO] = -400;
	s.v[PICC][B_FROM] = 400;
	CHECK_NOW(l, &s);
	CU_ASSERT_EQUAL(state_num(l, "claim/C-1", "advanced_fen"), 1001);
	CU_ASSERT_EQUAL(state_num(l, "claim/C-1", "paid_fen"), 1001);

	/* 5: settled at 3,002: the balance 2,001 splits picc 1,200.6 -> 1,201, cpic 800. */
	OK(l, FX_PICC, "{\"type\":\"claim.settle\",\"id\":\"set1\",\"claim\":\"C-1\",\"final_fen\":3002}");
	s.v[PICC][B_CASH] = -3002;
	s.v[PICC][B_CLAIMS] = 601 + 1201;
	s.v[CPIC][B_CLAIMS] = 400 + 800;
	s.v[CPIC][B_TO] = -1200;
	s.v[PICC][B_FROM] = 1200;
	CHECK_NOW(l, &s);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/due_to/picc-zs"), -1200);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_from/cpic-zs"), 1200);
	j = fx_state(l, "post/5", UINT64_MAX);
	CU_ASSERT_EQUAL(json_array_size(j), 5); /* cash, two claims, due_to, due_from */
	json_decref(j);

	/* 6: closed; nothing posted, nothing changes. */
	OK(l, FX_PICC, "{\"type\":\"claim.close\",\"id\":\"close1\",\"claim\":\"C-1\"}");
	j = fx_state(l, "post/6", UINT64_MAX);
	CU_ASSERT_PTR_NULL(j);
	json_decref(j);
	CHECK_NOW(l, &s);
	j = fx_state(l, "claim/C-1", UINT64_MAX);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text, "{\"accident\":20260101,\"advanced_fen\":1001,\"deaths\":0,"
		"\"estimate_fen\":500000,\"id\":\"C-1\",\"injuries\":2,\"paid_fen\":3002,\"policy\":\"P-1\","
		"\"settled_fen\":3002,\"status\":\"closed\"}");
	free(text);
	/* Closed, it takes nothing more. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"claim.advance\",\"id\":\"adv2\",\"claim\":\"C-1\","
		"\"amount_fen\":1,\"payee\":\"x\"}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), 7);
	CHECK_NOW(l, &s);

	/* The settlement clears cpic's debt exactly: 1,200 is accepted, 1,201 was not owed. */
	static const int cpic_picc[] = { FX_CPIC, FX_PICC };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, cpic_picc, 2, "{\"type\":\"settle.pay\",\"id\":\"st-over\","
		"\"payee\":\"picc-zs\",\"amount\":1201,\"reference\":\"claims C-1\"}"), GB_ESTATE);
	OK_CO(l, cpic_picc, 2, "{\"type\":\"settle.pay\",\"id\":\"st-c1\",\"payee\":\"picc-zs\","
		"\"amount\":1200,\"reference\":\"claims C-1\"}");
	s.v[CPIC][B_CASH] = -1200;
	s.v[PICC][B_CASH] = -3002 + 1200;
	s.v[CPIC][B_TO] = 0;
	s.v[PICC][B_FROM] = 0;
	CHECK_NOW(l, &s);
	gb_ledger_close(l);
}

/* ------------------------------------------------ 3: claims not in force */

/* Expects claim.report to be refused with GB_ESTATE and `needle`, changing nothing. */
static void report_refused(gb_ledger *l, const char *body, const char *claim, const char *needle, int line)
{
	gb_err err;
	uint64_t n = fx_log_size(l);
	int64_t cash = fx_balance(l, "m/picc-zs/cash");
	int rc = fx_post(l, &err, FX_PICC, "%s", body);
	if (rc != GB_ESTATE || strstr(err.msg, needle) == NULL)
		fprintf(stderr, "line %d: want GB_ESTATE '%s', got %s '%s'\n", line, needle, gb_errname(rc),
			rc ? err.msg : "");
	CU_ASSERT_EQUAL(rc, GB_ESTATE);
	CU_ASSERT_PTR_NOT_NULL(rc ? strstr(err.msg, needle) : NULL);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), cash);
	char key[80];
	snprintf(key, sizeof key, "claim/%s", claim);
	json_t *j = fx_state(l, key, UINT64_MAX);
	CU_ASSERT_PTR_NULL(j);
	json_decref(j);
}

/*
 * The ledger's day is 2026-01-01. P-LATE starts 2026-02-01; P-OLD ran
 * 2025-01-01 to 2026-01-01 (end exclusive); P-PAST 2025-01-01 to 2025-12-01;
 * P-CAN ran from 2025-12-01 and was cancelled (closed) on 2026-01-01.
 */
static void test_claims_not_in_force(void)
{
	gb_ledger *l = fx_ledger();
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-LATE", 10, 20260201, 20270201, 100000));
	OK(l, FX_PICC, ISSUE("P-OLD", 10, 20250101, 20260101, 100000));
	OK(l, FX_PICC, ISSUE("P-PAST", 10, 20250101, 20251201, 100000));
	OK(l, FX_PICC, ISSUE("P-CAN", 10, 20251201, 20261201, 100000));
	OK(l, FX_PICC, "{\"type\":\"policy.cancel\",\"id\":\"cancel\",\"policy\":\"P-CAN\",\"date\":20260101,"
		"\"reason\":\"closed\"}");
	json_t *p = fx_state(l, "policy/P-CAN", UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "status")), "cancelled");
	json_decref(p);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-CAN", "cancelled_on"), 20260101);

	report_refused(l, REPORT("C-1", "P-LATE", 20260101), "C-1", "it starts on 20260201", __LINE__);
	report_refused(l, REPORT("C-2", "P-CAN", 20251130), "C-2", "it starts on 20251201", __LINE__);
	report_refused(l, REPORT("C-3", "P-OLD", 20260101), "C-3", "expired", __LINE__);
	report_refused(l, REPORT("C-4", "P-PAST", 20251201), "C-4", "expired", __LINE__);
	report_refused(l, REPORT("C-5", "P-PAST", 20251215), "C-5", "expired", __LINE__);
	report_refused(l, REPORT("C-6", "P-CAN", 20260101), "C-6", "cancelled on 20260101", __LINE__);

	/* The days just inside are accepted: the last day of P-OLD and P-PAST, P-CAN's first
	 * day and its last day before the cancellation. */
	uint64_t n = fx_log_size(l);
	OK(l, FX_PICC, REPORT("C-7", "P-OLD", 20251231));
	OK(l, FX_PICC, REPORT("C-8", "P-PAST", 20251130));
	OK(l, FX_PICC, REPORT("C-9", "P-CAN", 20251201));
	OK(l, FX_PICC, REPORT("C-10", "P-CAN", 20251231));
	CU_ASSERT_EQUAL(fx_log_size(l), n + 4);
	CU_ASSERT_EQUAL(state_num(l, "claim/C-10", "accident"), 20251231);
	gb_ledger_close(l);
}

/* -------------------------------------------------------------- 4: batch */

static uint8_t batch_buf[5][GB_ENTRY_MAX];

/* Signs the batch's entries into batch_buf; fills in[]. */
static void batch_sign(gb_bytes in[5])
{
	static const char *const body[5] = {
		"{\"type\":\"memo\",\"id\":\"b-memo\",\"text\":\"January batch\"}",
		ISSUE("P-B", 30, 20260101, 20270101, 300005),
		RECEIVE("b-r1", "P-B", 300001),
		REPORT("C-B", "P-B", 20260101),
		/* only 4 fen are still owed after b-r1 in the same batch */
		RECEIVE("b-r2", "P-B", 5),
	};
	for (int i = 0; i < 5; i++) {
		size_t len = fx_sign(batch_buf[i], sizeof batch_buf[i], FX_PICC, "%s", body[i]);
		in[i].ptr = batch_buf[i];
		in[i].len = len;
	}
}

static void test_batch(void)
{
	gb_ledger *l = fx_ledger();
	OK_CO(l, assoc_reg, 2, RATES);
	gb_bytes in[5];
	batch_sign(in);
	gb_append_result res[5];
	memset(res, 0, sizeof res);
	gb_err err;
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(n, 2);
	snap zero = { { { 0 } } };

	/* The last entry overpays (valid alone: P-B is owed 300,005 before the batch). */
	int rc = gb_ledger_append(l, in, 5, res, &err);
	CU_ASSERT_EQUAL(rc, GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "item 4: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "is 4 fen"));
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	json_t *j = fx_state(l, "policy/P-B", UINT64_MAX);
	CU_ASSERT_PTR_NULL(j);
	json_decref(j);
	j = fx_state(l, "claim/C-B", UINT64_MAX);
	CU_ASSERT_PTR_NULL(j);
	json_decref(j);
	j = fx_state(l, "post/3", UINT64_MAX);
	CU_ASSERT_PTR_NULL(j);
	json_decref(j);
	CHECK_NOW(l, &zero);

	/* Without it, all four are stored at consecutive indexes. */
	memset(res, 0, sizeof res);
	rc = gb_ledger_append(l, in, 4, res, &err);
	if (rc != 0)
		fprintf(stderr, "batch: %s: %s\n", gb_errname(rc), err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(fx_log_size(l), n + 4);
	for (uint64_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(res[i].index, n + i);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-B", "issued_at"), 3);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-B", "received_fen"), 300001);
	CU_ASSERT_EQUAL(state_num(l, "claim/C-B", "estimate_fen"), 500000);
	/* 300,005: picc 180,003, cpic 120,002; 300,001 received: picc 180,000.6 -> 180,001,
	 * cpic 120,000.4 -> 120,000; set-asides 27,000.15 -> 27,000 and 18,000. */
	snap s = { .v = {
		[CPIC] = { [B_RECV] = 2, [B_PREM] = -120002, [B_SET] = 18000, [B_FUND] = -18000,
			[B_FROM] = 120000 },
		[PICC] = { [B_CASH] = 300001, [B_RECV] = 2, [B_PREM] = -180003, [B_SET] = 27000,
			[B_FUND] = -27000, [B_TO] = -120000 },
	} };
	CHECK_NOW(l, &s);
	/* The remaining 4 fen is then taken on its own; 5 is not. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("b-r2", "P-B", 5)), GB_EVALUE);
	OK(l, FX_PICC, RECEIVE("b-r3", "P-B", 4));
	CU_ASSERT_EQUAL(state_num(l, "policy/P-B", "received_fen"), 300005);
	gb_ledger_close(l);
}

/* ------------------------------------------------------------- 5: as of */

/* The balances before the premium receipt are those of then, not of now. */
static void test_as_of(void)
{
	gb_ledger *l = fx_ledger();
	flow_start(l); /* 1 rates, 2 issue, 3 receipt of 500,001 */
	OK(l, FX_PICC, RECEIVE("r2", "P-1", 500002));
	OK_CO(l, picc_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"wd1\",\"purpose\":\"drills\","
		"\"beneficiary\":\"Zhoushan Fire Brigade\",\"plan\":\"2026-1\",\"amount\":50001}");
	CHECK_NOW(l, &S_WD);

	/* As of 2 (the issue, before the receipt) and as of 3 (after the first part). */
	struct view then, now;
	gb_err err;
	memset(&then, 0, sizeof then);
	memset(&now, 0, sizeof now);
	CU_ASSERT_EQUAL_FATAL(gb_ledger_read(l, 2, read_view, &then, &err), 0);
	CU_ASSERT_EQUAL_FATAL(gb_ledger_read(l, UINT64_MAX, read_view, &now, &err), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(&then.s, &now.s, sizeof then.s), 0);
	CU_ASSERT_EQUAL(memcmp(&then.s, &S_ISSUED, sizeof then.s), 0);
	CU_ASSERT_EQUAL(memcmp(&now.s, &S_WD, sizeof now.s), 0);
	CU_ASSERT_EQUAL(then.fund, 0);
	CU_ASSERT_EQUAL(now.fund, 99999);
	CU_ASSERT_EQUAL(then.s.v[PICC][B_RECV], 600002);
	CU_ASSERT_EQUAL(now.s.v[PICC][B_RECV], 0);
	check_at(l, 0, &(snap){ { { 0 } } }, __LINE__);
	check_at(l, 1, &(snap){ { { 0 } } }, __LINE__);
	check_at(l, 2, &S_ISSUED, __LINE__);
	check_at(l, 3, &S_R1, __LINE__);
	check_at(l, 4, &S_R2, __LINE__);
	check_at(l, 5, &S_WD, __LINE__);
	/* And the policy record as of 2 has nothing received; as of 3, the first part. */
	json_t *p2 = fx_state(l, "policy/P-1", 2), *p3 = fx_state(l, "policy/P-1", 3);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(p2, "received_fen")), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(p3, "received_fen")), 500001);
	CU_ASSERT_PTR_NULL(fx_state(l, "policy/P-1", 1));
	json_decref(p2);
	json_decref(p3);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "money: rates, issue, premium, fund, settlement, corrections", test_money_flow);
	CU_add_test(s, "claim: report, advance, settle, close", test_claim_flow);
	CU_add_test(s, "claims on policies not in force", test_claims_not_in_force);
	CU_add_test(s, "a batch is all or nothing", test_batch);
	CU_add_test(s, "balances as of an index", test_as_of);
}

GB_CUNIT_MAIN("flows", add_tests)
