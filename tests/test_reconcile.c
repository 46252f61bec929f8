/*
 * tests/test_reconcile.c: the reconciliation (gongbao/reconcile.h,
 * spec/TRANSACTIONS.md section 11) on a gb_memstate with hand-made
 * balances: every figure of a 3-member consortium exactly, the pairwise
 * debts, the greedy netting plans for 3 and 5 members payment by payment,
 * members already even, totals that sum to 0, and the rejections (mirrored
 * debts that disagree, positions not summing to 0, a bad member list, a
 * corrupt balance, no roster), and a real fixture ledger (members from its
 * roster, a policy and a receipt, as of two indexes).
 */
#include "cu.h"
#include "fixture.h"
#include "gongbao/books.h"
#include "gongbao/codec.h"
#include "gongbao/error.h"
#include "gongbao/reconcile.h"
#include "gongbao/rules.h"
#include "gongbao/state.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static gb_reconcile rec; /* 44 KB: not on the stack */

/* Sets bal/<account> to v. */
static void put(gb_state *st, const char *account, int64_t v)
{
	char key[GB_BALANCE_KEY_MAX + 1];
	snprintf(key, sizeof key, "bal/%s", account);
	CU_ASSERT_EQUAL_FATAL(gb_state_put_i64(st, key, v), 0);
}

static void table(gb_shares *t, const char *const *ids, size_t n)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < n; i++)
		snprintf(t->id[i], sizeof t->id[i], "%s", ids[i]);
	t->count = n;
}

static void expect_payment(size_t k, size_t from, size_t to, int64_t amount_fen)
{
	CU_ASSERT_EQUAL(rec.payment[k].from, from);
	CU_ASSERT_EQUAL(rec.payment[k].to, to);
	CU_ASSERT_EQUAL(rec.payment[k].amount_fen, amount_fen);
}

/*
 * a (the lead) wrote 1,000.00 of premium and collected 600.00 so far, paid
 * 200.00 of claims; b owes a 300.00, a owes c 100.00, c owes b 50.00.
 */
static void three_members(gb_state *st)
{
	put(st, "m/a/premium", -100000);
	put(st, "m/a/receivable", 40000);
	put(st, "m/a/setaside", 6000);
	put(st, "m/a/fund", -5000);
	put(st, "m/a/claims", 20000);
	put(st, "m/a/cash", 7000);
	put(st, "m/a/due_from/b", 30000);
	put(st, "m/b/due_to/a", -30000);
	put(st, "m/a/due_to/c", -10000);
	put(st, "m/c/due_from/a", 10000);
	put(st, "m/c/due_to/b", -5000);
	put(st, "m/b/due_from/c", 5000);
	put(st, "m/b/premium", -2500);
	put(st, "m/b/receivable", 2500);
}

static void test_three_members(void)
{
	static const char *const ids[] = { "a", "b", "c" };
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	gb_shares t;
	gb_err err = { 0 };
	three_members(&st);
	table(&t, ids, 3);
	CU_ASSERT_EQUAL_FATAL(gb_reconcile_run(&st, &t, &rec, &err), 0);
	CU_ASSERT_EQUAL(rec.count, 3);
	const gb_reconcile_member *a = &rec.m[0];
	CU_ASSERT_STRING_EQUAL(a->id, "a");
	CU_ASSERT_EQUAL(a->premium_written_fen, 100000);
	CU_ASSERT_EQUAL(a->receivable_fen, 40000);
	CU_ASSERT_EQUAL(a->premium_received_fen, 60000);
	CU_ASSERT_EQUAL(a->setaside_fen, 6000);
	CU_ASSERT_EQUAL(a->fund_part_fen, 5000);
	CU_ASSERT_EQUAL(a->claims_paid_fen, 20000);
	CU_ASSERT_EQUAL(a->cash_fen, 7000);
	CU_ASSERT_EQUAL(a->owed_fen, 30000);
	CU_ASSERT_EQUAL(a->owes_fen, 10000);
	CU_ASSERT_EQUAL(a->net_fen, 20000);
	CU_ASSERT_EQUAL(rec.m[1].premium_written_fen, 2500);
	CU_ASSERT_EQUAL(rec.m[1].premium_received_fen, 0);
	CU_ASSERT_EQUAL(rec.m[1].owed_fen, 5000);
	CU_ASSERT_EQUAL(rec.m[1].owes_fen, 30000);
	CU_ASSERT_EQUAL(rec.m[1].net_fen, -25000);
	CU_ASSERT_EQUAL(rec.m[2].net_fen, 5000);
	/* Pairwise: what row owes column, net, antisymmetric. */
	CU_ASSERT_EQUAL(rec.pair_fen[0][1], -30000);
	CU_ASSERT_EQUAL(rec.pair_fen[1][0], 30000);
	CU_ASSERT_EQUAL(rec.pair_fen[0][2], 10000);
	CU_ASSERT_EQUAL(rec.pair_fen[2][0], -10000);
	CU_ASSERT_EQUAL(rec.pair_fen[1][2], -5000);
	CU_ASSERT_EQUAL(rec.pair_fen[2][1], 5000);
	CU_ASSERT_EQUAL(rec.pair_fen[1][1], 0);
	/* b, owing 250.00 net, pays a 200.00 and c 50.00: 2 = n - 1 payments. */
	CU_ASSERT_EQUAL_FATAL(rec.payment_count, 2);
	expect_payment(0, 1, 0, 20000);
	expect_payment(1, 1, 2, 5000);
	CU_ASSERT_EQUAL(rec.paid_total_fen, 25000);
	CU_ASSERT_EQUAL(rec.net_total_fen, 0);
	CU_ASSERT_STRING_EQUAL(rec.total.id, "total");
	CU_ASSERT_EQUAL(rec.total.premium_written_fen, 102500);
	CU_ASSERT_EQUAL(rec.total.premium_received_fen, 60000);
	CU_ASSERT_EQUAL(rec.total.owed_fen, 45000);
	CU_ASSERT_EQUAL(rec.total.owes_fen, 45000);
	CU_ASSERT_EQUAL(rec.total.net_fen, 0);
	gb_memstate_free(ms);
}

/* Five members from balances: a cycle that nets out plus a chain. */
static void test_five_members(void)
{
	static const char *const ids[] = { "m1", "m2", "m3", "m4", "m5" };
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	gb_shares t;
	gb_err err = { 0 };
	/* m1 owes m2 70, m2 owes m3 70, m3 owes m1 70 (a cycle: all even)... */
	static const struct { const char *debtor, *creditor; int64_t fen; } debts[] = {
		{ "m1", "m2", 70 }, { "m2", "m3", 70 }, { "m3", "m1", 70 },
		/* ...then m4 owes m5 40 and m1 owes m5 25, m5 owes m3 5. */
		{ "m4", "m5", 40 }, { "m1", "m5", 25 }, { "m5", "m3", 5 },
	};
	for (size_t i = 0; i < sizeof debts / sizeof debts[0]; i++) {
		char acct[GB_ACCOUNT_MAX + 1];
		snprintf(acct, sizeof acct, "m/%s/due_to/%s", debts[i].debtor, debts[i].creditor);
		put(&st, acct, -debts[i].fen);
		snprintf(acct, sizeof acct, "m/%s/due_from/%s", debts[i].creditor, debts[i].debtor);
		put(&st, acct, debts[i].fen);
	}
	table(&t, ids, 5);
	CU_ASSERT_EQUAL_FATAL(gb_reconcile_run(&st, &t, &rec, &err), 0);
	CU_ASSERT_EQUAL(rec.m[0].net_fen, -25);
	CU_ASSERT_EQUAL(rec.m[1].net_fen, 0);
	CU_ASSERT_EQUAL(rec.m[2].net_fen, 5);
	CU_ASSERT_EQUAL(rec.m[3].net_fen, -40);
	CU_ASSERT_EQUAL(rec.m[4].net_fen, 60);
	CU_ASSERT_EQUAL(rec.pair_fen[0][4], 25);
	CU_ASSERT_EQUAL(rec.pair_fen[4][2], 5);
	/* m4 (40) pays m5 (60) 40; m1 (25) pays m5 (20) 20; m1 (5) pays m3 5. */
	CU_ASSERT_EQUAL_FATAL(rec.payment_count, 3);
	expect_payment(0, 3, 4, 40);
	expect_payment(1, 0, 4, 20);
	expect_payment(2, 0, 2, 5);
	CU_ASSERT_EQUAL(rec.paid_total_fen, 65);
	CU_ASSERT_EQUAL(rec.total.net_fen, 0);
	gb_memstate_free(ms);
}

/* The greedy plan on 5 positions: n - 1 payments, and ties to the lower index. */
static void test_net_five(void)
{
	gb_reconcile_payment pay[GB_RECONCILE_PAYMENTS_MAX];
	size_t count = 99;
	gb_err err = { 0 };
	const int64_t net[5] = { -50, 30, -20, 25, 15 };
	CU_ASSERT_EQUAL_FATAL(gb_reconcile_net(net, 5, pay, &count, &err), 0);
	CU_ASSERT_EQUAL_FATAL(count, 4);
	const gb_reconcile_payment want[4] = { { 0, 1, 30 }, { 0, 3, 20 }, { 2, 4, 15 }, { 2, 3, 5 } };
	for (size_t k = 0; k < 4; k++) {
		CU_ASSERT_EQUAL(pay[k].from, want[k].from);
		CU_ASSERT_EQUAL(pay[k].to, want[k].to);
		CU_ASSERT_EQUAL(pay[k].amount_fen, want[k].amount_fen);
	}
	/* Matching pairs settle in one payment each. */
	const int64_t pairs[5] = { -10, 10, -20, 20, 0 };
	CU_ASSERT_EQUAL_FATAL(gb_reconcile_net(pairs, 5, pay, &count, &err), 0);
	CU_ASSERT_EQUAL_FATAL(count, 2);
	CU_ASSERT_EQUAL(pay[0].from, 2);
	CU_ASSERT_EQUAL(pay[0].to, 3);
	CU_ASSERT_EQUAL(pay[0].amount_fen, 20);
	CU_ASSERT_EQUAL(pay[1].from, 0);
	CU_ASSERT_EQUAL(pay[1].to, 1);
	CU_ASSERT_EQUAL(pay[1].amount_fen, 10);
	/* Greedy is not minimal (section 11): 4 payments where 3 would do. */
	const int64_t miss[5] = { 4, 3, 3, -6, -4 };
	CU_ASSERT_EQUAL_FATAL(gb_reconcile_net(miss, 5, pay, &count, &err), 0);
	CU_ASSERT_EQUAL_FATAL(count, 4);
	const gb_reconcile_payment want_miss[4] = { { 3, 0, 4 }, { 4, 1, 3 }, { 3, 2, 2 }, { 4, 2, 1 } };
	for (size_t k = 0; k < 4; k++) {
		CU_ASSERT_EQUAL(pay[k].from, want_miss[k].from);
		CU_ASSERT_EQUAL(pay[k].to, want_miss[k].to);
		CU_ASSERT_EQUAL(pay[k].amount_fen, want_miss[k].amount_fen);
	}
	/* Positions that do not sum to 0 have no plan. */
	const int64_t bad[3] = { -10, 5, 4 };
	CU_ASSERT_EQUAL(gb_reconcile_net(bad, 3, pay, &count, &err), GB_EINVARIANT);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_STRING_EQUAL(err.msg, "net positions sum to -1 fen, want 0");
	/* No members, one member: nothing to pay. */
	CU_ASSERT_EQUAL(gb_reconcile_net(net, 0, pay, &count, &err), 0);
	CU_ASSERT_EQUAL(count, 0);
	const int64_t zero[1] = { 0 };
	CU_ASSERT_EQUAL(gb_reconcile_net(zero, 1, pay, &count, &err), 0);
	CU_ASSERT_EQUAL(count, 0);
}

/* Everyone even: no balances at all, and a state with no dues. */
static void test_all_even(void)
{
	static const char *const ids[] = { "a", "b", "c", "d" };
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	gb_shares t;
	gb_err err = { 0 };
	table(&t, ids, 4);
	CU_ASSERT_EQUAL_FATAL(gb_reconcile_run(&st, &t, &rec, &err), 0);
	CU_ASSERT_EQUAL(rec.payment_count, 0);
	CU_ASSERT_EQUAL(rec.paid_total_fen, 0);
	CU_ASSERT_EQUAL(rec.total.premium_written_fen, 0);
	put(&st, "m/c/premium", -500);
	put(&st, "m/c/cash", 500);
	put(&st, "m/a/due_to/b", -9);
	put(&st, "m/b/due_from/a", 9);
	put(&st, "m/a/due_from/b", 9);
	put(&st, "m/b/due_to/a", -9);
	CU_ASSERT_EQUAL_FATAL(gb_reconcile_run(&st, &t, &rec, &err), 0);
	CU_ASSERT_EQUAL(rec.payment_count, 0);
	CU_ASSERT_EQUAL(rec.m[0].owed_fen, 9);
	CU_ASSERT_EQUAL(rec.m[0].owes_fen, 9);
	CU_ASSERT_EQUAL(rec.m[0].net_fen, 0);
	CU_ASSERT_EQUAL(rec.pair_fen[0][1], 0);
	CU_ASSERT_EQUAL(rec.m[2].premium_written_fen, 500);
	CU_ASSERT_EQUAL(rec.m[2].premium_received_fen, 500);
	CU_ASSERT_EQUAL(rec.m[2].cash_fen, 500);
	gb_memstate_free(ms);
}

static void test_rejections(void)
{
	static const char *const ids[] = { "a", "b", "c" };
	static const char *const unsorted[] = { "b", "a" };
	static const char *const slash[] = { "a", "b/x" };
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	gb_shares t;
	gb_err err = { 0 };
	three_members(&st);
	/* c says a owes it 100.00; a says it owes c 100.01. */
	put(&st, "m/a/due_to/c", -10001);
	table(&t, ids, 3);
	CU_ASSERT_EQUAL(gb_reconcile_run(&st, &t, &rec, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "'a' owes 'c' 10,001 fen but 'c' is owed 10,000 fen by it");
	put(&st, "m/a/due_to/c", -10000);
	CU_ASSERT_EQUAL(gb_reconcile_run(&st, &t, &rec, &err), 0);
	table(&t, unsorted, 2);
	CU_ASSERT_EQUAL(gb_reconcile_run(&st, &t, &rec, &err), GB_EVALUE);
	table(&t, slash, 2);
	CU_ASSERT_EQUAL(gb_reconcile_run(&st, &t, &rec, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_reconcile_run(&st, NULL, &rec, &err), GB_EVALUE);
	table(&t, ids, 3);
	t.count = GB_RECONCILE_MEMBERS_MAX + 1;
	CU_ASSERT_EQUAL(gb_reconcile_run(&st, &t, &rec, &err), GB_EVALUE);
	/* A stored balance of 7 bytes. */
	CU_ASSERT_EQUAL_FATAL(gb_state_put(&st, "bal/m/b/cash", "1234567", 7), 0);
	table(&t, ids, 3);
	CU_ASSERT_EQUAL(gb_reconcile_run(&st, &t, &rec, &err), GB_ECORRUPT);
	/* No roster: no member list. */
	CU_ASSERT_EQUAL(gb_reconcile_members(&st, &t, &err), GB_ECORRUPT);
	CU_ASSERT_EQUAL(t.count, 0);
	CU_ASSERT_EQUAL_FATAL(gb_state_put(&st, "roster", "\xc1", 1), 0);
	CU_ASSERT_EQUAL(gb_reconcile_members(&st, &t, &err), GB_ECORRUPT);
	gb_memstate_free(ms);
}

/* The view of the fixture ledger: the roster's members, then their figures. */
static int fixture_view(const gb_state *st, void *arg)
{
	gb_shares *t = arg;
	gb_err err = { 0 };
	int rc = gb_reconcile_members(st, t, &err);
	return rc ? rc : gb_reconcile_run(st, t, &rec, &err);
}

/*
 * A real ledger: the roster's members only (not the association or the
 * regulator), ascending; a policy of 10,000.03 CNY (picc 60% lead, cpic 40%)
 * and 5,000.01 received by picc, as of the receipt and as of the issue.
 */
static void test_fixture_ledger(void)
{
	static const int assoc_reg[] = { FX_ASSOC, FX_REG };
	static gb_shares t;
	gb_err err = { 0 };
	gb_ledger *l = fx_ledger();
	CU_ASSERT_FATAL(fx_post_co(l, &err, assoc_reg, 2,
		"{\"type\":\"rates.set\",\"id\":\"rates\",\"from\":20250101,\"float_min_bps\":-3000,"
		"\"float_max_bps\":3000,\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":10000}}}") == 0);
	CU_ASSERT_FATAL(fx_post(l, &err, FX_PICC,
		"{\"type\":\"policy.issue\",\"id\":\"iss-P-1\",\"no\":\"P-1\",\"usci\":\"91330900MA2A1B2C34\","
		"\"enterprise\":\"Zhoushan Reconcile Mining Co.\",\"industry\":\"mining\",\"exposure\":100,"
		"\"headcount\":100,\"limit_fen\":40000000,\"premium_fen\":1000003,\"commission_fen\":0,"
		"\"start\":20260101,\"end\":20270101}") == 0);
	CU_ASSERT_FATAL(fx_post(l, &err, FX_PICC,
		"{\"type\":\"premium.receive\",\"id\":\"r1\",\"policy\":\"P-1\",\"amount_fen\":500001,"
		"\"payer_ref\":\"ICBC r1\"}") == 0);
	CU_ASSERT_EQUAL(fx_state_int(l, "policy/P-1", "received_fen"), 500001);
	CU_ASSERT_EQUAL_FATAL(gb_ledger_read(l, 3, fixture_view, &t, &err), 0);
	CU_ASSERT_EQUAL_FATAL(t.count, 2);
	CU_ASSERT_STRING_EQUAL(t.id[0], "cpic-zs");
	CU_ASSERT_STRING_EQUAL(t.id[1], "picc-zs");
	const gb_reconcile_member *cpic = &rec.m[0], *picc = &rec.m[1];
	CU_ASSERT_EQUAL(picc->premium_written_fen, 600002);
	CU_ASSERT_EQUAL(picc->premium_received_fen, 300001);
	CU_ASSERT_EQUAL(picc->receivable_fen, 300001);
	CU_ASSERT_EQUAL(picc->setaside_fen, 45000);
	CU_ASSERT_EQUAL(picc->fund_part_fen, 45000);
	CU_ASSERT_EQUAL(picc->cash_fen, 500001);
	CU_ASSERT_EQUAL(picc->owes_fen, 200000);
	CU_ASSERT_EQUAL(picc->net_fen, -200000);
	CU_ASSERT_EQUAL(cpic->premium_written_fen, 400001);
	CU_ASSERT_EQUAL(cpic->premium_received_fen, 200000);
	CU_ASSERT_EQUAL(cpic->owed_fen, 200000);
	CU_ASSERT_EQUAL(rec.total.premium_received_fen, 500001);
	CU_ASSERT_EQUAL_FATAL(rec.payment_count, 1);
	expect_payment(0, 1, 0, 200000);
	/* As of the issue: written, nothing received, nobody owes. */
	CU_ASSERT_EQUAL_FATAL(gb_ledger_read(l, 2, fixture_view, &t, &err), 0);
	CU_ASSERT_EQUAL(rec.m[1].premium_written_fen, 600002);
	CU_ASSERT_EQUAL(rec.m[1].premium_received_fen, 0);
	CU_ASSERT_EQUAL(rec.payment_count, 0);
	CU_ASSERT_EQUAL(rec.net_total_fen, 0);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "fixture ledger: roster members, a receipt, as of", test_fixture_ledger);
	CU_add_test(s, "three members: every figure, debts, plan", test_three_members);
	CU_add_test(s, "five members: a cycle nets out", test_five_members);
	CU_add_test(s, "greedy plan on five positions", test_net_five);
	CU_add_test(s, "all even: no payments", test_all_even);
	CU_add_test(s, "rejections", test_rejections);
}

GB_CUNIT_MAIN("reconcile", add_tests)
