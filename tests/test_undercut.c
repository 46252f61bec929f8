/*
 * test_undercut.c: gb_undercut_run on a gb_memstate with hand-made
 * policies and claims, with the exact figures of spec/TRANSACTIONS.md
 * section 12 worked by hand: an honest member "aa" (two policies above
 * floor and cost) and an undercutter "bb" (one policy 30% below the floor).
 */
#include <string.h>

#include "cu.h"
#include "gongbao/claim.h"
#include "gongbao/codec.h"
#include "gongbao/money.h"
#include "gongbao/undercut.h"

#define USCI "91330900MA2A1B2C34"

static gb_memstate *ms;
static gb_state st;

/* A share table of aa and bb, 50% each, led by `lead` (0: aa, 1: bb). */
static void two_members(gb_shares *s, size_t lead)
{
	memset(s, 0, sizeof *s);
	s->count = 2;
	strcpy(s->id[0], "aa");
	strcpy(s->id[1], "bb");
	s->bps[0] = 5000;
	s->bps[1] = 5000;
	s->lead = lead;
}

/* Stores a mining policy of 100 heads for 2026 (365 days) led by `lead`. */
static void put_policy(const char *no, size_t lead, int64_t premium_fen, int64_t floor_fen,
	int64_t commission_fen, uint32_t start, uint32_t end, uint32_t cancelled_on)
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
	p.term_premium_fen = premium_fen;
	p.floor_fen = floor_fen;
	p.flagged = premium_fen < floor_fen;
	p.commission_fen = commission_fen;
	p.status = cancelled_on ? GB_POLICY_CANCELLED : GB_POLICY_IN_FORCE;
	p.cancelled_on = cancelled_on;
	p.rated_from = 20260101;
	two_members(&p.shares, lead);
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_policy_store(&st, &p, &err), 0);
}

static void put_claim(const char *id, const char *policy, int64_t paid_fen)
{
	gb_claim c;
	memset(&c, 0, sizeof c);
	strcpy(c.id, id);
	strcpy(c.policy, policy);
	c.accident = 20260601;
	c.injuries = 1;
	c.estimate_fen = paid_fen;
	c.settled_fen = paid_fen;
	c.paid_fen = paid_fen;
	c.status = GB_CLAIM_SETTLED;
	gb_err err;
	CU_ASSERT_EQUAL_FATAL(gb_claim_store(&st, &c, &err), 0);
}

/* The base state: P-A1, P-A2 (aa), P-B1 (bb); claims of 1,000,000 on P-A1 and 2,000,000 on P-B1. */
static void setup(void)
{
	gb_memstate_free(ms);
	ms = gb_memstate_new();
	CU_ASSERT_FATAL(ms != NULL);
	st = gb_memstate_state(ms);
	put_policy("P-A1", 0, 3300000, 3000000, 0, 20260101, 20270101, 0);
	put_policy("P-A2", 0, 3150000, 3000000, 150000, 20260101, 20270101, 0);
	put_policy("P-B1", 1, 2100000, 3000000, 0, 20260101, 20270101, 0);
	put_claim("C-1", "P-A1", 1000000);
	put_claim("C-2", "P-B1", 2000000);
}

static void defaults_at(gb_undercut_params *p)
{
	gb_undercut_params_default(p);
	p->as_of_date = 20261231;
}

static const gb_undercut_member *member(const gb_undercut *u, const char *id)
{
	for (size_t i = 0; i < u->member_count; i++)
		if (strcmp(u->member[i].id, id) == 0)
			return &u->member[i];
	return NULL;
}

/* The worked example with the defaults: Z = 29 bps, cost 2,396,907, bb flagged below floor and cost. */
static void test_worked_example(void)
{
	setup();
	gb_undercut_params p;
	gb_undercut u;
	gb_err err;
	defaults_at(&p);
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_EQUAL(u.policies, 3);
	CU_ASSERT_EQUAL(u.claims, 2);
	CU_ASSERT_EQUAL(u.setaside_bps, 1500);
	CU_ASSERT_EQUAL_FATAL(u.group_count, 1);
	CU_ASSERT_STRING_EQUAL(u.group[0].industry, "mining");
	CU_ASSERT_EQUAL(u.group[0].earned_days, 3 * 365);
	CU_ASSERT_EQUAL(u.group[0].paid_fen, 3000000);
	CU_ASSERT_EQUAL(u.group[0].premium_fen, 8550000);
	CU_ASSERT_EQUAL(u.group[0].credibility_bps, 29);
	/* Ranked: the flagged member first. */
	CU_ASSERT_EQUAL_FATAL(u.member_count, 2);
	const gb_undercut_member *b = &u.member[0], *a = &u.member[1];
	CU_ASSERT_STRING_EQUAL(b->id, "bb");
	CU_ASSERT_STRING_EQUAL(a->id, "aa");
	CU_ASSERT_EQUAL(b->flagged, 1);
	CU_ASSERT_EQUAL(b->policies, 1);
	CU_ASSERT_EQUAL(b->below_floor, 1);
	CU_ASSERT_EQUAL(b->below_cost, 1);
	CU_ASSERT_EQUAL(b->shortfall_floor_fen, 900000);
	CU_ASSERT_EQUAL(b->shortfall_cost_fen, 296907);
	CU_ASSERT_EQUAL(b->shortfall_fen, 900000);
	CU_ASSERT_EQUAL(b->flagged_share_bps, 10000);
	CU_ASSERT_EQUAL(b->loss_ratio_bps, 9524);
	CU_ASSERT_EQUAL(b->peer_rate_bps, 6512);
	CU_ASSERT_EQUAL(a->flagged, 0);
	CU_ASSERT_EQUAL(a->policies, 2);
	CU_ASSERT_EQUAL(a->below_floor, 0);
	CU_ASSERT_EQUAL(a->below_cost, 0);
	CU_ASSERT_EQUAL(a->shortfall_fen, 0);
	CU_ASSERT_EQUAL(a->premium_fen, 6450000);
	CU_ASSERT_EQUAL(a->paid_fen, 1000000);
	CU_ASSERT_EQUAL(a->loss_ratio_bps, 1550);
	CU_ASSERT_EQUAL(a->peer_rate_bps, 15357);
	CU_ASSERT_EQUAL(a->flagged_share_bps, 0);
	/* One flagged policy, with both reasons and the exact figures. */
	CU_ASSERT_EQUAL_FATAL(u.policy_count, 1);
	const gb_undercut_policy *q = &u.policy[0];
	CU_ASSERT_STRING_EQUAL(q->number, "P-B1");
	CU_ASSERT_STRING_EQUAL(q->lead, "bb");
	CU_ASSERT_STRING_EQUAL(q->industry, "mining");
	CU_ASSERT_EQUAL(q->expected_claims_fen, 1797680);
	CU_ASSERT_EQUAL(q->cost_fen, 2396907);
	CU_ASSERT_EQUAL(q->below_floor_fen, 900000);
	CU_ASSERT_EQUAL(q->below_cost_fen, 296907);
	CU_ASSERT_EQUAL(q->shortfall_fen, 900000);
	CU_ASSERT_EQUAL(q->reasons, GB_UNDERCUT_BELOW_FLOOR | GB_UNDERCUT_BELOW_COST);
	gb_undercut_release(&u);
	CU_ASSERT_PTR_NULL(u.member);
	CU_ASSERT_EQUAL(u.member_count, 0);
}

/* k = 1: Z = 1095 / (1095 + 365) = 75% exactly; expected claims 1,200,000, cost 1,600,000. */
static void test_credibility(void)
{
	setup();
	gb_undercut_params p;
	gb_undercut u;
	gb_err err;
	defaults_at(&p);
	p.credibility_k = 1;
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_EQUAL(u.group[0].credibility_bps, 7500);
	CU_ASSERT_EQUAL_FATAL(u.policy_count, 1);
	CU_ASSERT_EQUAL(u.policy[0].expected_claims_fen, 1200000);
	CU_ASSERT_EQUAL(u.policy[0].cost_fen, 1600000);
	CU_ASSERT_EQUAL(u.policy[0].below_cost_fen, 0);
	CU_ASSERT_EQUAL(u.policy[0].reasons, GB_UNDERCUT_BELOW_FLOOR);
	const gb_undercut_member *b = member(&u, "bb");
	CU_ASSERT_FATAL(b != NULL);
	CU_ASSERT_EQUAL(b->below_cost, 0);
	CU_ASSERT_EQUAL(b->shortfall_cost_fen, 0);
	CU_ASSERT_EQUAL(b->flagged, 1);
	gb_undercut_release(&u);
}

/* A 100% loss ratio and 50% expenses put aa's policies below cost (only): aa is flagged too. */
static void test_below_cost_only(void)
{
	setup();
	gb_undercut_params p;
	gb_undercut u;
	gb_err err;
	defaults_at(&p);
	p.loss_ratio_bps = 10000;
	p.expense_bps = 5000;
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_EQUAL_FATAL(u.policy_count, 3);
	/* Ranked by shortfall: P-B1 (8,554,857 - 2,100,000), P-A2, P-A1. */
	CU_ASSERT_STRING_EQUAL(u.policy[0].number, "P-B1");
	CU_ASSERT_EQUAL(u.policy[0].shortfall_fen, 6454857);
	CU_ASSERT_STRING_EQUAL(u.policy[2].number, "P-A1");
	CU_ASSERT_EQUAL(u.policy[2].expected_claims_fen, 2994200);
	CU_ASSERT_EQUAL(u.policy[2].cost_fen, 8554857);
	CU_ASSERT_EQUAL(u.policy[2].below_cost_fen, 5254857);
	CU_ASSERT_EQUAL(u.policy[2].below_floor_fen, 0);
	CU_ASSERT_EQUAL(u.policy[2].reasons, GB_UNDERCUT_BELOW_COST);
	const gb_undercut_member *a = member(&u, "aa");
	CU_ASSERT_FATAL(a != NULL);
	CU_ASSERT_EQUAL(a->flagged, 1);
	CU_ASSERT_EQUAL(a->below_cost, 2);
	CU_ASSERT_EQUAL(a->below_floor, 0);
	gb_undercut_release(&u);
}

/*
 * The member threshold: aa's one policy below the floor (short 1,100,000, more than bb's 900,000)
 * carries 16.38% of its premium: aa is not flagged and ranks after the flagged bb; at 1,638 bps it is.
 */
static void test_member_threshold(void)
{
	setup();
	put_policy("P-A3", 0, 18900000, 20000000, 0, 20260101, 20270101, 0);
	put_policy("P-A4", 0, 90000000, 80000000, 0, 20260101, 20270101, 0);
	gb_undercut_params p;
	gb_undercut u;
	gb_err err;
	defaults_at(&p);
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_EQUAL_FATAL(u.member_count, 2);
	const gb_undercut_member *a = &u.member[1];
	CU_ASSERT_STRING_EQUAL(u.member[0].id, "bb");
	CU_ASSERT_STRING_EQUAL(a->id, "aa");
	CU_ASSERT_EQUAL(a->below_floor, 1);
	CU_ASSERT_EQUAL(a->below_cost, 0);
	CU_ASSERT_EQUAL(a->flagged_policies, 1);
	CU_ASSERT_EQUAL(a->shortfall_fen, 1100000);
	CU_ASSERT_EQUAL(a->premium_fen, 115350000);
	/* 18,900,000 of 115,350,000 = 1,638.49 bps, half up: 1,638. */
	CU_ASSERT_EQUAL(a->flagged_share_bps, 1638);
	CU_ASSERT_EQUAL(a->flagged, 0);
	CU_ASSERT_EQUAL_FATAL(u.policy_count, 2);
	CU_ASSERT_STRING_EQUAL(u.policy[0].number, "P-A3");
	CU_ASSERT_STRING_EQUAL(u.policy[1].number, "P-B1");
	gb_undercut_release(&u);
	p.member_bps = 1638;
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_STRING_EQUAL(u.member[0].id, "aa");
	CU_ASSERT_EQUAL(u.member[0].flagged, 1);
	CU_ASSERT_EQUAL(u.member[1].flagged, 1);
	gb_undercut_release(&u);
}

/* Earned exposure: a cancelled policy stops at its cancellation, a future one earns nothing. */
static void test_earned(void)
{
	setup();
	put_policy("P-C", 0, 3300000, 3000000, 0, 20260101, 20270101, 20260111);  /* 10 days */
	put_policy("P-F", 0, 3300000, 3000000, 0, 20270101, 20280101, 0);         /* after the as-of date */
	gb_undercut_params p;
	gb_undercut u;
	gb_err err;
	defaults_at(&p);
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_EQUAL(u.group[0].earned_days, 3 * 365 + 10);
	CU_ASSERT_EQUAL(u.group[0].policies, 5);
	gb_undercut_release(&u);
	/* As of 2026-06-30: 181 days each of the three, 10 of P-C. */
	p.as_of_date = 20260630;
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_EQUAL(u.group[0].earned_days, 3 * 181 + 10);
	gb_undercut_release(&u);
	/* As of 2027-06-30: the 2026 policies earn their 365 days and no more; P-F 181. */
	p.as_of_date = 20270630;
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_EQUAL(u.group[0].earned_days, 3 * 365 + 10 + 181);
	gb_undercut_release(&u);
}

/* The as-of date from the latest "day/" key, the set-aside from "params". */
static void test_state_inputs(void)
{
	setup();
	gb_undercut_params p;
	gb_undercut u;
	gb_err err;
	gb_undercut_params_default(&p);
	CU_ASSERT_EQUAL(gb_undercut_run(&st, &p, &u, &err), GB_ENOTFOUND);
	gb_undercut_release(&u);
	CU_ASSERT_EQUAL_FATAL(gb_state_put_i64(&st, "day/20260301", 5), 0);
	CU_ASSERT_EQUAL_FATAL(gb_state_put_i64(&st, "day/20260630", 9), 0);
	uint8_t buf[64];
	gb_mpw w;
	gb_mpw_init(&w, buf, sizeof buf);
	gb_mpw_map(&w, 1);
	gb_mpw_cstr(&w, "setaside_bps");
	gb_mpw_int(&w, 2000);
	CU_ASSERT_EQUAL_FATAL(gb_state_put(&st, "params", buf, w.len), 0);
	CU_ASSERT_EQUAL_FATAL(gb_undercut_run(&st, &p, &u, &err), 0);
	CU_ASSERT_EQUAL(u.params.as_of_date, 20260630);
	CU_ASSERT_EQUAL(u.setaside_bps, 2000);
	CU_ASSERT_EQUAL(u.group[0].earned_days, 3 * 181);
	gb_undercut_release(&u);
	/* 2,000 set-aside + 7,001 expense leaves less than 1,000 bps. */
	p.expense_bps = 7001;
	CU_ASSERT_EQUAL(gb_undercut_run(&st, &p, &u, &err), GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "7001"));
	gb_undercut_release(&u);
	p.expense_bps = 7000;
	CU_ASSERT_EQUAL(gb_undercut_run(&st, &p, &u, &err), 0);
	gb_undercut_release(&u);
}

/* Parameters out of range, a bad date, a claim without its policy, a state that cannot iterate. */
static void test_errors(void)
{
	setup();
	gb_undercut_params p;
	gb_undercut u;
	gb_err err;
	struct { int64_t lr, x, k, m; } bad[] = {
		{ -1, 1000, 1000, 2000 }, { 10001, 1000, 1000, 2000 }, { 6000, -1, 1000, 2000 },
		{ 6000, 10001, 1000, 2000 }, { 6000, 1000, 0, 2000 }, { 6000, 1000, GB_UNDERCUT_K_MAX + 1, 2000 },
		{ 6000, 1000, 1000, 0 }, { 6000, 1000, 1000, 10001 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		defaults_at(&p);
		p.loss_ratio_bps = bad[i].lr;
		p.expense_bps = bad[i].x;
		p.credibility_k = bad[i].k;
		p.member_bps = bad[i].m;
		CU_ASSERT_EQUAL(gb_undercut_run(&st, &p, &u, &err), GB_EVALUE);
		gb_undercut_release(&u);
	}
	defaults_at(&p);
	p.as_of_date = 20260230;
	CU_ASSERT_EQUAL(gb_undercut_run(&st, &p, &u, &err), GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "20260230"));
	gb_undercut_release(&u);
	defaults_at(&p);
	put_claim("C-9", "P-NONE", 5);
	CU_ASSERT_EQUAL(gb_undercut_run(&st, &p, &u, &err), GB_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "P-NONE"));
	gb_undercut_release(&u);
	setup();
	CU_ASSERT_EQUAL_FATAL(gb_state_put(&st, "policy/P-A2", "\x80", 1), 0);
	CU_ASSERT_EQUAL(gb_undercut_run(&st, &p, &u, &err), GB_ECORRUPT);
	gb_undercut_release(&u);
	gb_state flat = st;
	flat.each = NULL;
	CU_ASSERT_EQUAL(gb_undercut_run(&flat, &p, &u, &err), GB_EINVAL);
	gb_undercut_release(&u);
	/* An empty state: nothing to test, nothing flagged. */
	gb_memstate *empty = gb_memstate_new();
	CU_ASSERT_FATAL(empty != NULL);
	gb_state est = gb_memstate_state(empty);
	CU_ASSERT_EQUAL(gb_undercut_run(&est, &p, &u, &err), 0);
	CU_ASSERT_EQUAL(u.policies, 0);
	CU_ASSERT_EQUAL(u.member_count, 0);
	CU_ASSERT_EQUAL(u.policy_count, 0);
	gb_undercut_release(&u);
	gb_memstate_free(empty);
	gb_memstate_free(ms);
	ms = NULL;
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "worked example: exact figures, ranking", test_worked_example);
	CU_add_test(s, "credibility k=1: Z 75%, below floor only", test_credibility);
	CU_add_test(s, "loss ratio and expenses: below cost only", test_below_cost_only);
	CU_add_test(s, "member threshold on premium share", test_member_threshold);
	CU_add_test(s, "earned exposure: cancelled, future, as-of", test_earned);
	CU_add_test(s, "day/ and params from the state", test_state_inputs);
	CU_add_test(s, "errors", test_errors);
}

GB_CUNIT_MAIN("undercut", add_tests)
