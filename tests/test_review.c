/*
 * test_review.c: an adversarial review of the consortium transaction code
 * (rules_*.c, books.c, the ledger's apply path), end to end through a real
 * ledger (tests/fixture.h).
 *
 * Tests named "FINDING ..." demonstrate a defect and FAIL on purpose until the
 * code is fixed; the others pin corners that were checked and found correct.
 *
 * The fixture: picc-zs leads the default table at 60%, cpic-zs 40%; set-aside
 * 15%; entries are dated FX_CLOCK (2026-01-01). Every figure is worked out by
 * hand in the comments.
 */
#include "fixture.h"
#include "gongbao/books.h"
#include "gongbao/rules.h"
#include "gongbao/state.h"

#define USCI "91330900MA2A1B2C34"

/* Mining by head at 10,000 fen a head a year from 2025-01-01, no factors (float 0). */
#define RATES "{\"type\":\"rates.set\",\"id\":\"rates\",\"from\":20250101,\"float_min_bps\":-3000," \
	"\"float_max_bps\":3000,\"factors\":{},\"rates\":{\"mining\":{\"basis\":\"head\",\"rate\":10000}}}"
/* A mining policy for `heads` heads: floor 10,000 fen a head a year. */
#define ISSUE(no, heads, start, end, premium) "{\"type\":\"policy.issue\",\"id\":\"iss-" no "\"," \
	"\"no\":\"" no "\",\"usci\":\"" USCI "\",\"enterprise\":\"Zhoushan Review Mining Co.\"," \
	"\"industry\":\"mining\",\"exposure\":" #heads ",\"headcount\":" #heads ",\"limit_fen\":40000000," \
	"\"premium_fen\":" #premium ",\"commission_fen\":0,\"start\":" #start ",\"end\":" #end "}"
#define RECEIVE(tag, no, amount) "{\"type\":\"premium.receive\",\"id\":\"" tag "\",\"policy\":\"" no "\"," \
	"\"amount_fen\":" #amount "}"

static const int assoc_reg[] = { FX_ASSOC, FX_REG };
static const int picc_assoc[] = { FX_PICC, FX_ASSOC };
static const int picc_reg[] = { FX_PICC, FX_REG };
static const int picc_cpic[] = { FX_PICC, FX_CPIC };
static const int assoc_both[] = { FX_ASSOC, FX_CPIC, FX_PICC };

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

/* ------------------------------------------------------------- helpers */



/* An integer field of a state map now; -1 when absent. */
static long long state_num(gb_ledger *l, const char *key, const char *field)
{
	long long v = fx_state_int(l, key, field);
	return v == (-0x7fffffffffffffffLL - 1) ? -1 : v;
}

/* 1 if the state holds key now. */
static int state_has(gb_ledger *l, const char *key)
{
	json_t *j = fx_state(l, key, UINT64_MAX);
	json_decref(j);
	return j != NULL;
}

static int correct(gb_ledger *l, gb_err *err, const char *id, uint64_t k)
{
	return fx_post(l, err, FX_ASSOC, "{\"type\":\"correction\",\"id\":\"%s\",\"entry\":%llu,"
		"\"reason\":\"posted in error\"}", id, (unsigned long long)k);
}

/* Appends two entries, each signed by one participant, as one batch. */
static int batch2(gb_ledger *l, gb_err *err, int who1, const char *body1, int who2, const char *body2)
{
	static uint8_t b1[GB_ENTRY_MAX], b2[GB_ENTRY_MAX];
	size_t n1 = fx_sign(b1, sizeof b1, who1, "%s", body1);
	size_t n2 = fx_sign(b2, sizeof b2, who2, "%s", body2);
	gb_bytes in[2] = { { b1, n1 }, { b2, n2 } };
	gb_append_result res[2];
	memset(res, 0, sizeof res);
	int rc = gb_ledger_append(l, in, 2, res, err);
	if (rc != 0 && getenv("FX_VERBOSE"))
		fprintf(stderr, "batch2: %s: %s\n", gb_errname(rc), err->msg);
	return rc;
}

/* ============================================================ FINDINGS */

/*
 * FINDING 1 (rules_members.c:282-305 apply_shares_set, rules_policy.c:771-795
 * shares_default). shares.set stores its table under the single key
 * "shares/next", overwriting the previous one even when that table has
 * already come into force. spec/TRANSACTIONS.md section 6: shares/next
 * "becomes the default for policies starting on or after that date"; RULES.md
 * shares.set: "A new default share table for policies that start on or after
 * from". Once a second shares.set (from 2027-01-01) lands, a policy starting
 * 2026-06-01 falls back to the charter's table (picc lead) although table A
 * (cpic lead, from 2026-01-01) is the default for it: its lead is refused
 * (GB_EAUTH) and the old lead may write it with the wrong shares.
 */
static void test_finding_shares_next_overwritten(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	/* Table A from 2026-01-01: cpic leads, 50/50. */
	OK_CO(l, assoc_both, 3, "{\"type\":\"shares.set\",\"id\":\"ssA\",\"from\":20260101,\"shares\":"
		"{\"lead\":\"cpic-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":5000},{\"id\":\"picc-zs\",\"bps\":5000}]}}");
	/* Control: a policy starting 2026-03-01 takes table A, so cpic signs it. */
	OK(l, FX_CPIC, ISSUE("P-A", 10, 20260301, 20270301, 100000));
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/receivable"), 50000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/receivable"), 50000);
	/* Table B from 2027-01-01: picc leads, 30/70. */
	OK_CO(l, assoc_both, 3, "{\"type\":\"shares.set\",\"id\":\"ssB\",\"from\":20270101,\"shares\":"
		"{\"lead\":\"picc-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":3000},{\"id\":\"picc-zs\",\"bps\":7000}]}}");
	/* A policy starting 2026-06-01 is still under table A: cpic, its lead, must be able to write it. */
	int rc = fx_post(l, &err, FX_CPIC, ISSUE("P-B", 10, 20260601, 20270601, 100000));
	if (rc != 0)
		fprintf(stderr, "FINDING 1: %s: %s\n", gb_errname(rc), err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	/* And picc, the charter table's lead, may not (it does today, at 60/40). */
	rc = fx_post(l, &err, FX_PICC, ISSUE("P-C", 10, 20260601, 20270601, 100000));
	CU_ASSERT_EQUAL(rc, GB_EAUTH);
	gb_ledger_close(l);
}

/*
 * FINDING 2 (rules_policy.c:797-815 policy_shares, line 811): a policy.issue without a
 * "shares" field takes the default table (shares or shares/next) without
 * gb_rules_shares_active, so a suspended member gets a share of a new policy
 * (premium written, later receipts and claims). RULES.md member.suspend "keeps
 * it out of new share tables until member.readmit"; TRANSACTIONS.md section 8,
 * policy.issue "shares: the policy's share table (its members active members,
 * GB_EVALUE/GB_ESTATE)". An explicit table naming the suspended member is
 * refused (GB_ESTATE, checked below); the default one is not.
 */
static void test_finding_suspended_member_in_default_table(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_ASSOC, "{\"type\":\"member.suspend\",\"id\":\"s1\",\"participant\":\"cpic-zs\"}");
	uint64_t n = fx_log_size(l);
	/* Explicit table naming cpic: refused (correct). */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"policy.issue\",\"id\":\"iss-X\",\"no\":\"P-X\","
		"\"usci\":\"" USCI "\",\"enterprise\":\"E\",\"industry\":\"mining\",\"exposure\":10,\"headcount\":10,"
		"\"limit_fen\":40000000,\"premium_fen\":100000,\"commission_fen\":0,\"start\":20260101,"
		"\"end\":20270101,\"shares\":" FX_SHARES "}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	/* The same table by default: should be refused the same way. */
	int rc = fx_post(l, &err, FX_PICC, ISSUE("P-S", 10, 20260101, 20270101, 100000));
	CU_ASSERT_EQUAL(rc, GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	/* What happens instead: the suspended cpic is written 40%. */
	if (rc == 0)
		fprintf(stderr, "FINDING 2: suspended cpic-zs got receivable %lld on P-S\n",
			(long long)fx_balance(l, "m/cpic-zs/receivable"));
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/receivable"), 0);
	gb_ledger_close(l);
}

/*
 * FINDING 3 (rules_members.c:288 apply_shares_set): "from" is read with
 * gb_field_int(19700101..99991231) only, so 20261399 (month 13, day 99) or
 * 20260230 is stored as a table's start date. RULES.md shares.set: "from (date
 * YYYYMMDD)"; TRANSACTIONS.md section 8: "a day that does not exist, such as
 * 20260230, is GB_EVALUE" (rules_policy.c's field_date does check it).
 */
static void test_finding_shares_set_bad_date(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, assoc_both, 3, "{\"type\":\"shares.set\",\"id\":\"ss1\",\"from\":20261399,"
		"\"shares\":" FX_SHARES "}"), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, assoc_both, 3, "{\"type\":\"shares.set\",\"id\":\"ss2\",\"from\":20260230,"
		"\"shares\":" FX_SHARES "}"), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	CU_ASSERT_FALSE(state_has(l, "shares/next"));
	gb_ledger_close(l);
}

/*
 * FINDING 4 (shares.c:28-90 parse_member, gb_shares_parse): a share table map with an
 * unknown key (beside "lead" and "members"), or a member map with one
 * (beside "bps" and "id"), is accepted and silently dropped, in a charter,
 * shares.set and a policy's "shares". Every other map the entries carry is
 * closed (RULES.md step 6, the charter's participants, rates.set's "rates");
 * TRANSACTIONS.md section 6 gives the table as exactly {"lead", "members":
 * [{"id", "bps"}]}. Expected GB_EFIELD as for the other maps.
 */
static void test_finding_shares_unknown_keys(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"policy.issue\",\"id\":\"iss-U\",\"no\":\"P-U\","
		"\"usci\":\"" USCI "\",\"enterprise\":\"E\",\"industry\":\"mining\",\"exposure\":10,\"headcount\":10,"
		"\"limit_fen\":40000000,\"premium_fen\":100000,\"commission_fen\":0,\"start\":20260101,"
		"\"end\":20270101,\"shares\":{\"lead\":\"picc-zs\",\"members\":[{\"id\":\"cpic-zs\",\"bps\":4000,"
		"\"cap_fen\":1},{\"id\":\"picc-zs\",\"bps\":6000}],\"follow\":\"none\"}}"), GB_EFIELD);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	gb_ledger_close(l);
}

/*
 * FINDING 5 (rules_policy.c:1055-1075 apply_cancel, cap at line 1069, with rules_fund.c
 * apply_correction): a correction reverses an endorsement's money but not the
 * policy record (documented: "a correction reverses money only"), and the
 * cancellation then refunds from the record: refund = term_premium_fen x days
 * left / days, capped at the record's premium_fen, not at the premium the
 * books hold as written. TRANSACTIONS.md section 8, policy.cancel: the refund
 * is "at most premium_fen" (the premium written). Here the books have
 * 100,000 written, the record 200,000; cancelling on the first day posts a
 * refund of 200,000: the members' premium accounts end at +100,000 (negative
 * premium written) and the receivables at -100,000, a refund owed to an
 * enterprise that paid nothing: money created.
 */
static void test_finding_cancel_after_corrected_endorsement(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);                                                  /* 1 */
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));                    /* 2 */
	OK(l, FX_PICC, "{\"type\":\"policy.endorse\",\"id\":\"e1\",\"policy\":\"P-1\",\"effective\":20260101,"
		"\"premium_fen\":200000}");                                               /* 3 */
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/premium") + fx_balance(l, "m/cpic-zs/premium"), -200000);
	/* Fixed: an endorsement is not corrected (its record would disagree with the books). */
	CU_ASSERT_EQUAL(correct(l, &err, "c1", 3), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/premium") + fx_balance(l, "m/cpic-zs/premium"), -200000);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "premium_fen"), 200000); /* books and record agree */
	int rc = fx_post(l, &err, FX_PICC, "{\"type\":\"policy.cancel\",\"id\":\"x1\",\"policy\":\"P-1\","
		"\"reason\":\"closed\",\"date\":20260101}");
	if (rc == 0)
		fprintf(stderr, "FINDING 5: premium written in the books after the cancellation: %lld fen\n",
			(long long)-(fx_balance(l, "m/picc-zs/premium") + fx_balance(l, "m/cpic-zs/premium")));
	/* Whatever the code does, it must not leave negative premium written, nor a refund of premium never written. */
	CU_ASSERT(fx_balance(l, "m/picc-zs/premium") + fx_balance(l, "m/cpic-zs/premium") <= 0);
	CU_ASSERT(fx_balance(l, "m/picc-zs/receivable") + fx_balance(l, "m/cpic-zs/receivable") >= 0);
	gb_ledger_close(l);
}

/*
 * FINDING 6 (rules_claims.c:310-345 apply_premium_receive, line 325 vs
 * TRANSACTIONS.md section 10, correction: "to undo a correction, post the
 * original transaction again"). A corrected receipt leaves received_fen as it
 * was, so posting the receipt again is refused as exceeding the outstanding
 * (GB_EVALUE, "premium 100,000 less received 100,000 is 0 fen"), and the
 * receivable the correction put back (100,000) can never be cleared: the
 * way back the spec names does not exist for a receipt. (Likewise a
 * corrected claim.settle or policy.cancel cannot be posted again: GB_ESTATE.)
 */
static void test_finding_repost_after_correction(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);                                  /* 1 */
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));    /* 2 */
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 100000));                    /* 3 */
	/* Fixed: a receipt is not corrected, so books and received_fen never part. */
	CU_ASSERT_EQUAL(correct(l, &err, "c1", 3), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/receivable") + fx_balance(l, "m/cpic-zs/receivable"), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("r1-again", "P-1", 100000)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 100000);
	gb_ledger_close(l);
}

/*
 * FINDING 7 (rules_claims.c:453-475 apply_claim_settle, line 466 with a corrected
 * advance): the balance paid at settlement is final_fen - paid_fen, and
 * paid_fen still counts the corrected advance (documented for the record),
 * so the money of the corrected advance is never paid: final 5,000, advance
 * of 5,000 corrected, settlement pays 0, the claim is "settled" with
 * paid_fen 5,000 while the books show no claim paid at all. TRANSACTIONS.md
 * section 9, "What the followers owe": every payment on a claim is posted;
 * the claim's final amount is what the lead pays in total.
 */
static void test_finding_settle_after_corrected_advance(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);                                                       /* 1 */
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));                         /* 2 */
	OK(l, FX_PICC, "{\"type\":\"claim.report\",\"id\":\"rep\",\"claim\":\"C-1\",\"policy\":\"P-1\","
		"\"accident\":20260101,\"deaths\":0,\"injuries\":1,\"estimate_fen\":5000}");      /* 3 */
	OK(l, FX_PICC, "{\"type\":\"claim.advance\",\"id\":\"adv\",\"claim\":\"C-1\",\"amount_fen\":5000,"
		"\"payee\":\"Hospital\"}");                                                    /* 4 */
	/* Fixed: an advance is not corrected, so paid_fen and the books agree. */
	CU_ASSERT_EQUAL(correct(l, &err, "c1", 4), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), -5000);
	OK(l, FX_PICC, "{\"type\":\"claim.settle\",\"id\":\"set\",\"claim\":\"C-1\",\"final_fen\":5000}");
	CU_ASSERT_EQUAL(state_num(l, "claim/C-1", "settled_fen"), 5000);
	/* The books should show the final 5,000 paid by the lead, split 3,000 / 2,000. */
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), -5000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/claims") + fx_balance(l, "m/cpic-zs/claims"), 5000);
	gb_ledger_close(l);
}

/*
 * FINDING 8 (rules_fund.c:272-295 apply_correction, line 293): the correction writes
 * "correction/<index>" and "corrected/<k>" (correction_records) BEFORE
 * gb_books_post runs the balance checks of section 3, so when the books
 * refuse the negated set (here GB_EOVERFLOW: a balance would pass
 * -GB_FEN_MAX) the marks are already in the state. TRANSACTIONS.md section
 * 10: "the checks below run in the order listed, all of them before anything
 * is written". Inside a ledger the batch is discarded, so no later entry sees
 * it (a ledger-level variant is not observable); at the rules level (any
 * caller without a transaction: a replay tool, a simulator) entry k is left
 * marked as corrected by a correction that failed. Rules level, gb_memstate.
 */
static void test_finding_correction_writes_before_checks(void)
{
	fx_setup();
	gb_memstate *ms = gb_memstate_new();
	CU_ASSERT_FATAL(ms != NULL);
	gb_state st = gb_memstate_state(ms);
	gb_err err;
	static gb_postings ps;
	const int64_t half = GB_FEN_MAX / 2;
	/* Entry 1: picc cash +half (claims -half); entry 2: cash -GB_FEN_MAX; entry 3: cash -half: cash = -GB_FEN_MAX. */
	const int64_t cash[3] = { half, -GB_FEN_MAX, -half };
	for (int i = 0; i < 3; i++) {
		gb_postings_init(&ps);
		CU_ASSERT_FATAL(gb_postings_add(&ps, "picc-zs", GB_ACCOUNT_CASH, NULL, cash[i], &err) == 0);
		CU_ASSERT_FATAL(gb_postings_add(&ps, "picc-zs", GB_ACCOUNT_CLAIMS, NULL, -cash[i], &err) == 0);
		CU_ASSERT_FATAL(gb_books_post(&ps, &st, (uint64_t)i + 1, &err) == 0);
	}
	/* As a withdrawal or a settlement would be, entry 1 may be corrected. */
	CU_ASSERT_FATAL(gb_state_put(&st, "correctable/1", "\xc3", 1) == 0);
	int64_t bal = 0;
	CU_ASSERT_FATAL(gb_books_balance(&st, "picc-zs", GB_ACCOUNT_CASH, NULL, &bal, &err) == 0);
	CU_ASSERT_EQUAL(bal, -GB_FEN_MAX);
	/* Correcting entry 1 would take picc's cash to -GB_FEN_MAX - half: GB_EOVERFLOW from the books. */
	gb_roster r;
	memset(&r, 0, sizeof r);
	strcpy(r.consortium, "zs-2026");
	strcpy(r.name, "Fixture consortium");
	strcpy(r.p[0].id, "picc-zs");
	r.p[0].role = GB_ROLE_MEMBER;
	r.p[0].key = fx_key[FX_PICC].pub;
	strcpy(r.p[1].id, "zs-assoc");
	r.p[1].role = GB_ROLE_ASSOCIATION;
	r.p[1].key = fx_key[FX_ASSOC].pub;
	r.count = 2;
	static uint8_t buf[GB_ENTRY_MAX];
	int who = FX_ASSOC;
	size_t len = fx_sign(buf, sizeof buf, who, "{\"type\":\"correction\",\"id\":\"c1\",\"entry\":1,\"reason\":\"x\"}");
	gb_entry e;
	CU_ASSERT_FATAL(gb_entry_decode(buf, len, &e, &err) == 0);
	gb_rules_env env = { .roster = &r, .state = &st, .index = 4 };
	gb_pubkey keys[GB_ENTRY_SIGS_MAX];
	size_t before = gb_memstate_count(ms);
	int rc = gb_rules_apply(&env, &e, keys, &err);
	CU_ASSERT_EQUAL(rc, GB_EOVERFLOW);
	/* Nothing may have been written by a refused entry. */
	const uint8_t *v;
	size_t vlen;
	int marked = gb_state_get(&st, "corrected/1", &v, &vlen) == 0;
	if (marked)
		fprintf(stderr, "FINDING 8: refused correction (%s) left 'corrected/1' and 'correction/4' in the state\n",
			gb_errname(rc));
	CU_ASSERT_FALSE(marked);
	CU_ASSERT_EQUAL(gb_state_get(&st, "correction/4", &v, &vlen), GB_ENOTFOUND);
	CU_ASSERT_EQUAL(gb_memstate_count(ms), before);
	gb_memstate_free(ms);
}

/* ================================================= corners found correct */

/*
 * An endorsement down, then receipts: the outstanding is premium_fen (after
 * the endorsement) less received, to the fen. 10 heads, 100,000 fen for 2026;
 * endorsed from 2026-07-02 (183 of 365 days left) to 5 heads at 50,000:
 * delta = -50,000 x 183 / 365 = -25,068.49 -> -25,068; written 74,932.
 */
static void test_receipt_after_endorsement(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));
	OK(l, FX_PICC, "{\"type\":\"policy.endorse\",\"id\":\"e1\",\"policy\":\"P-1\",\"effective\":20260702,"
		"\"premium_fen\":50000,\"exposure\":5}");
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "premium_fen"), 74932);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "term_premium_fen"), 50000);
	/* -25,068 split 60/40: picc 15,040.8 -> 15,041, cpic 10,027.2 -> 10,027. */
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/receivable"), 60000 - 15041);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/receivable"), 40000 - 10027);
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 70000));
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("r2", "P-1", 4933)), GB_EVALUE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "4,932"));
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	OK(l, FX_PICC, RECEIVE("r3", "P-1", 4932));
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "received_fen"), 74932);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/receivable") + fx_balance(l, "m/cpic-zs/receivable"), 0);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("r4", "P-1", 1)), GB_EVALUE);
	/* An endorsement may not start before the last one. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"policy.endorse\",\"id\":\"e2\",\"policy\":\"P-1\","
		"\"effective\":20260701,\"premium_fen\":60000}"), GB_EVALUE);
	gb_ledger_close(l);
}

/*
 * Cancellation after an endorsement: the refund is term x days left / days,
 * capped at premium_fen; a cancelled policy takes no premium and no change.
 * 100,000 for 2026, endorsed up from 2026-07-02 to 120,000: delta =
 * 20,000 x 183 / 365 = 10,027.4 -> 10,027; written 110,027. Cancelled on
 * 2026-07-02: refund = 120,000 x 183 / 365 = 60,164.38 -> 60,164; written
 * 49,863 (exactly 100,000 x 182 / 365 = 49,863.01 earned, to the fen).
 */
static void test_cancel_after_endorsement(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));
	OK(l, FX_PICC, "{\"type\":\"policy.endorse\",\"id\":\"e1\",\"policy\":\"P-1\",\"effective\":20260702,"
		"\"premium_fen\":120000}");
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "premium_fen"), 110027);
	/* Cancelling before the endorsement's date is refused. */
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"policy.cancel\",\"id\":\"x0\",\"policy\":\"P-1\","
		"\"reason\":\"closed\",\"date\":20260701}"), GB_EVALUE);
	OK(l, FX_PICC, "{\"type\":\"policy.cancel\",\"id\":\"x1\",\"policy\":\"P-1\",\"reason\":\"closed\","
		"\"date\":20260702}");
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "premium_fen"), 49863);
	CU_ASSERT_EQUAL(-(fx_balance(l, "m/picc-zs/premium") + fx_balance(l, "m/cpic-zs/premium")), 49863);
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("r1", "P-1", 1)), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"policy.cancel\",\"id\":\"x2\",\"policy\":\"P-1\","
		"\"reason\":\"closed\",\"date\":20260801}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"policy.endorse\",\"id\":\"e3\",\"policy\":\"P-1\","
		"\"effective\":20260801,\"premium_fen\":130000}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	gb_ledger_close(l);
}

/*
 * Cancel on the first day refunds all that was written, never more, even
 * after receipts (receivable goes negative: premium to refund).
 */
static void test_cancel_whole_refund(void)
{
	gb_ledger *l = fx_ledger();
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100001));
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 100001));
	OK(l, FX_PICC, "{\"type\":\"policy.cancel\",\"id\":\"x1\",\"policy\":\"P-1\",\"reason\":\"stopped\","
		"\"date\":20260101}");
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "premium_fen"), 0);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/premium"), 0);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/premium"), 0);
	/* 100,001 x 60% = 60,000.6 -> 60,001; 40% -> 40,000. */
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/receivable"), -60001);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/receivable"), -40000);
	gb_ledger_close(l);
}

/*
 * A receipt whose set-aside has been spent cannot be corrected (GB_ESTATE),
 * and nothing changes. Receipt 100,000: set-aside picc 9,000, cpic 6,000;
 * all 15,000 withdrawn; the correction would take picc's part to +9,000.
 */
static void test_correction_of_spent_receipt(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);                                  /* 1 */
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));    /* 2 */
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 100000));                    /* 3 */
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/fund"), -9000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/fund"), -6000);
	OK_CO(l, picc_assoc, 2, "{\"type\":\"fund.withdraw\",\"id\":\"w1\",\"purpose\":\"drills\","
		"\"beneficiary\":\"B\",\"plan\":\"2026-1\",\"amount\":15000}");  /* 4 */
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/fund"), 0);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/fund"), 0);
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(correct(l, &err, "c1", 3), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/fund"), 0);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 100000 - 15000);
	CU_ASSERT_FALSE(state_has(l, "corrected/3"));
	CU_ASSERT_FALSE(state_has(l, "correction/5"));
	/* A withdrawal co-signed by a regulator instead of the association: GB_ENOSIG. */
	CU_ASSERT_EQUAL(fx_post_co(l, &err, picc_reg, 2, "{\"type\":\"fund.withdraw\",\"id\":\"w2\","
		"\"purpose\":\"drills\",\"beneficiary\":\"B\",\"plan\":\"2026-1\",\"amount\":1}"), GB_ENOSIG);
	/* Correct the withdrawal first, then the receipt: both go through, all back to 0 but the premium. */
	/* The withdrawal is corrected (the fund is whole again); the receipt never is. */
	CU_ASSERT_EQUAL(correct(l, &err, "c2", 4), 0);
	CU_ASSERT_EQUAL(correct(l, &err, "c3", 3), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/fund"), -9000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 100000);
	/* A correction is not corrected; a corrected entry not twice. */
	CU_ASSERT_EQUAL(correct(l, &err, "c4", 5), GB_ESTATE);
	CU_ASSERT_EQUAL(correct(l, &err, "c5", 3), GB_ESTATE);
	gb_ledger_close(l);
}

/*
 * Within one batch a later entry sees the earlier one's writes, and a failing
 * later entry takes the whole batch with it: two corrections of the same
 * entry, two receipts that together exceed the outstanding.
 */
static void test_batch_sees_earlier_writes(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);                                  /* 1 */
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));    /* 2 */
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 60000));                     /* 3 */
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(batch2(l, &err,
		FX_ASSOC, "{\"type\":\"correction\",\"id\":\"c1\",\"entry\":3,\"reason\":\"x\"}",
		FX_ASSOC, "{\"type\":\"correction\",\"id\":\"c2\",\"entry\":3,\"reason\":\"x\"}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	CU_ASSERT_FALSE(state_has(l, "corrected/3"));
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 60000);
	CU_ASSERT_EQUAL(batch2(l, &err, FX_PICC, RECEIVE("r2", "P-1", 30000),
		FX_PICC, RECEIVE("r3", "P-1", 10001)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "received_fen"), 60000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 60000);
	CU_ASSERT_EQUAL(batch2(l, &err, FX_PICC, RECEIVE("r2", "P-1", 30000),
		FX_PICC, RECEIVE("r3", "P-1", 10000)), 0);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "received_fen"), 100000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 100000);
	gb_ledger_close(l);
}

/*
 * A suspended member cannot co-sign (be paid by) a settlement; a revoked key
 * cannot either; a suspended lead cannot receive premium or report a claim.
 */
static void test_suspended_and_revoked_cosigners(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 50000));
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_to/cpic-zs"), -20000);
	OK(l, FX_ASSOC, "{\"type\":\"member.suspend\",\"id\":\"s1\",\"participant\":\"cpic-zs\"}");
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, picc_cpic, 2, "{\"type\":\"settle.pay\",\"id\":\"st1\","
		"\"payee\":\"cpic-zs\",\"amount\":100,\"reference\":\"x\"}"), GB_EAUTH);
	OK(l, FX_ASSOC, "{\"type\":\"member.readmit\",\"id\":\"s2\",\"participant\":\"cpic-zs\"}");
	OK(l, FX_ASSOC, "{\"type\":\"key.revoke\",\"id\":\"k1\",\"participant\":\"cpic-zs\"}");
	n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, picc_cpic, 2, "{\"type\":\"settle.pay\",\"id\":\"st2\","
		"\"payee\":\"cpic-zs\",\"amount\":100,\"reference\":\"x\"}"), GB_EUNKNOWNKEY);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	OK(l, FX_ASSOC, "{\"type\":\"member.suspend\",\"id\":\"s3\",\"participant\":\"picc-zs\"}");
	n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("r2", "P-1", 1)), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"claim.report\",\"id\":\"rep\",\"claim\":\"C-1\","
		"\"policy\":\"P-1\",\"accident\":20260101,\"deaths\":0,\"injuries\":1,\"estimate_fen\":1}"), GB_EAUTH);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_to/cpic-zs"), -20000);
	gb_ledger_close(l);
}

/*
 * A claim is paid once: advance, settle (balance only), and nothing after;
 * correcting the settlement reverses exactly its balance.
 */
static void test_claim_paid_once(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);                                                       /* 1 */
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));                         /* 2 */
	OK(l, FX_PICC, "{\"type\":\"claim.report\",\"id\":\"rep\",\"claim\":\"C-1\",\"policy\":\"P-1\","
		"\"accident\":20260101,\"deaths\":0,\"injuries\":1,\"estimate_fen\":10000}");     /* 3 */
	OK(l, FX_PICC, "{\"type\":\"claim.advance\",\"id\":\"adv\",\"claim\":\"C-1\",\"amount_fen\":3001,"
		"\"payee\":\"Hospital\"}");                                                    /* 4 */
	OK(l, FX_PICC, "{\"type\":\"claim.settle\",\"id\":\"set\",\"claim\":\"C-1\",\"final_fen\":10001}"); /* 5 */
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), -10001);
	/* 10,001 by 60/40 over two payments: 3,001 -> 1,801 / 1,200; 7,000 -> 4,200 / 2,800. */
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/claims"), 4000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/claims"), 6001);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/due_to/picc-zs"), -4000);
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"claim.settle\",\"id\":\"set2\",\"claim\":\"C-1\","
		"\"final_fen\":10001}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"claim.advance\",\"id\":\"adv2\",\"claim\":\"C-1\","
		"\"amount_fen\":1,\"payee\":\"H\"}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"claim.reject\",\"id\":\"rej\",\"claim\":\"C-1\","
		"\"reason\":\"r\"}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	/* A claim payment is not corrected: the claim record and the books stay as one. */
	CU_ASSERT_EQUAL(correct(l, &err, "c1", 5), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), -10001);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/due_to/picc-zs"), -4000);
	gb_ledger_close(l);
}

/* A settlement never overpays, and correcting it restores the debt. */
static void test_settlement_bounds(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 100000));
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_to/cpic-zs"), -40000);
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, picc_cpic, 2, "{\"type\":\"settle.pay\",\"id\":\"st1\","
		"\"payee\":\"cpic-zs\",\"amount\":40001,\"reference\":\"x\"}"), GB_ESTATE);
	/* cpic owes picc nothing: it cannot pay picc. */
	static const int cpic_picc[] = { FX_CPIC, FX_PICC };
	CU_ASSERT_EQUAL(fx_post_co(l, &err, cpic_picc, 2, "{\"type\":\"settle.pay\",\"id\":\"st2\","
		"\"payee\":\"picc-zs\",\"amount\":1,\"reference\":\"x\"}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	OK_CO(l, picc_cpic, 2, "{\"type\":\"settle.pay\",\"id\":\"st3\",\"payee\":\"cpic-zs\",\"amount\":40000,"
		"\"reference\":\"x\"}");
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/due_to/cpic-zs"), 0);
	CU_ASSERT_EQUAL(fx_balance(l, "m/cpic-zs/cash"), 40000);
	CU_ASSERT_EQUAL(fx_post_co(l, &err, picc_cpic, 2, "{\"type\":\"settle.pay\",\"id\":\"st4\","
		"\"payee\":\"cpic-zs\",\"amount\":1,\"reference\":\"x\"}"), GB_ESTATE);
	gb_ledger_close(l);
}

/*
 * A renewed policy keeps its own outstanding; the renewal starts at 0
 * received; a cancelled or already renewed policy cannot be renewed.
 */
static void test_receipts_across_renewal(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));
	OK(l, FX_PICC, RECEIVE("r1", "P-1", 40000));
	OK(l, FX_PICC, "{\"type\":\"policy.renew\",\"id\":\"ren\",\"no\":\"P-2\",\"renews\":\"P-1\",\"usci\":\"" USCI "\","
		"\"enterprise\":\"E\",\"industry\":\"mining\",\"exposure\":10,\"headcount\":10,\"limit_fen\":40000000,"
		"\"premium_fen\":110000,\"commission_fen\":0,\"start\":20270101,\"end\":20280101}");
	CU_ASSERT_EQUAL(state_num(l, "policy/P-2", "received_fen"), 0);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "received_fen"), 40000);
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("r2", "P-1", 60001)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, "{\"type\":\"policy.renew\",\"id\":\"ren2\",\"no\":\"P-3\","
		"\"renews\":\"P-1\",\"usci\":\"" USCI "\",\"enterprise\":\"E\",\"industry\":\"mining\",\"exposure\":10,"
		"\"headcount\":10,\"limit_fen\":40000000,\"premium_fen\":110000,\"commission_fen\":0,"
		"\"start\":20270101,\"end\":20280101}"), GB_ESTATE);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	OK(l, FX_PICC, RECEIVE("r3", "P-1", 60000));
	OK(l, FX_PICC, RECEIVE("r4", "P-2", 110000));
	CU_ASSERT_EQUAL(fx_post(l, &err, FX_PICC, RECEIVE("r5", "P-2", 1)), GB_EVALUE);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 210000);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/receivable") + fx_balance(l, "m/cpic-zs/receivable"), 0);
	gb_ledger_close(l);
}

/*
 * Within one batch, a key revoked or rotated by an earlier entry cannot sign
 * a later one (the pre-verified signature is not trusted once the roster
 * changed), and the whole batch is refused.
 */
static void test_batch_revoked_key(void)
{
	gb_ledger *l = fx_ledger();
	gb_err err;
	OK_CO(l, assoc_reg, 2, RATES);
	OK(l, FX_PICC, ISSUE("P-1", 10, 20260101, 20270101, 100000));
	uint64_t n = fx_log_size(l);
	CU_ASSERT_EQUAL(batch2(l, &err,
		FX_ASSOC, "{\"type\":\"key.revoke\",\"id\":\"k1\",\"participant\":\"picc-zs\"}",
		FX_PICC, RECEIVE("r1", "P-1", 1000)), GB_EUNKNOWNKEY);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	CU_ASSERT_EQUAL(fx_balance(l, "m/picc-zs/cash"), 0);
	gb_seckey nk;
	uint8_t seed[GB_SEED_BYTES];
	memset(seed, 0x7e, sizeof seed);
	CU_ASSERT_FATAL(gb_seckey_from_seed(&nk, "picc-zs", GB_ALG_ED25519, seed, NULL) == 0);
	char vk[GB_VKEY_MAX], rot[GB_VKEY_MAX + 128];
	gb_vkey_format(&nk.pub, vk);
	snprintf(rot, sizeof rot, "{\"type\":\"key.rotate\",\"id\":\"k2\",\"participant\":\"picc-zs\",\"vkey\":\"%s\"}", vk);
	CU_ASSERT_EQUAL(batch2(l, &err, FX_ASSOC, rot, FX_PICC, RECEIVE("r2", "P-1", 1000)), GB_EUNKNOWNKEY);
	CU_ASSERT_EQUAL(fx_log_size(l), n);
	CU_ASSERT_EQUAL(state_num(l, "policy/P-1", "received_fen"), 0);
	sodium_memzero(&nk, sizeof nk);
	gb_ledger_close(l);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "FINDING 1: shares.set drops a table already in force", test_finding_shares_next_overwritten);
	CU_add_test(s, "FINDING 2: default table with a suspended member", test_finding_suspended_member_in_default_table);
	CU_add_test(s, "FINDING 3: shares.set from not a calendar date", test_finding_shares_set_bad_date);
	CU_add_test(s, "FINDING 4: share table unknown keys accepted", test_finding_shares_unknown_keys);
	CU_add_test(s, "FINDING 5: cancel after a corrected endorsement", test_finding_cancel_after_corrected_endorsement);
	CU_add_test(s, "FINDING 6: re-posting a corrected receipt", test_finding_repost_after_correction);
	CU_add_test(s, "FINDING 7: settle after a corrected advance", test_finding_settle_after_corrected_advance);
	CU_add_test(s, "FINDING 8: a refused correction leaves its marks", test_finding_correction_writes_before_checks);
	CU_add_test(s, "receipt after an endorsement", test_receipt_after_endorsement);
	CU_add_test(s, "cancel after an endorsement", test_cancel_after_endorsement);
	CU_add_test(s, "cancel on the first day", test_cancel_whole_refund);
	CU_add_test(s, "correction of a spent receipt", test_correction_of_spent_receipt);
	CU_add_test(s, "batch sees earlier writes", test_batch_sees_earlier_writes);
	CU_add_test(s, "suspended and revoked co-signers", test_suspended_and_revoked_cosigners);
	CU_add_test(s, "a claim is paid once", test_claim_paid_once);
	CU_add_test(s, "settlement bounds", test_settlement_bounds);
	CU_add_test(s, "receipts across a renewal", test_receipts_across_renewal);
	CU_add_test(s, "a key revoked or rotated earlier in the batch", test_batch_revoked_key);
}

GB_CUNIT_MAIN("review", add_tests)
