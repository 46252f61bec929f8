/*
 * tests/test_books.c: the books (gongbao/books.h, spec/TRANSACTIONS.md
 * sections 2-4) on gb_memstate: account names, share tables, merging, the
 * exact lines of every standard posting set for a 3-member table with each
 * member as the lead, the fund drawn down to exactly zero, every rejection
 * (overpaid settlement, overdrawn fund, overflow, unbalanced and forged
 * sets, state failures) leaving the state byte for byte unchanged,
 * corrections, a 256-member set, and 10^4 seeded random events checked
 * against an independent model of the balances and every invariant.
 */
#include "cu.h"
#include "gongbao/books.h"
#include "gongbao/error.h"
#include "gongbao/money.h"
#include "gongbao/state.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A "cpic-zs"
#define B "picc-zs"
#define C "pingan-zs"

#define RANDOM_EVENTS 10000
#define RANDOM_MEMBERS 5
#define RING 16

static const char *const abc[3] = { A, B, C };

/* Reports a mismatch in the big loops without flooding the output. */
static unsigned mismatch_count;

#define EXPECT(cond, ...)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			if (mismatch_count++ < 20) {                         \
				fprintf(stderr, "\n%s:%d: ", __FILE__, __LINE__); \
				fprintf(stderr, __VA_ARGS__);                \
				fprintf(stderr, "\n");                       \
			}                                                    \
		}                                                            \
	} while (0)

/* Posting sets are ~41 KB: the tests keep them on the heap. */
static gb_postings *ps_new(void)
{
	gb_postings *ps = malloc(sizeof *ps);
	CU_ASSERT_FATAL(ps != NULL);
	gb_postings_init(ps);
	return ps;
}

/* -------------------------------------------------------------- helpers */

/* A share table from ascending ids and their shares, the lead by index. */
static void table_set(gb_shares *t, size_t n, const char *const *ids, const int64_t *bps, size_t lead)
{
	CU_ASSERT_FATAL(n <= GB_SHARES_MAX);
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_FATAL(strlen(ids[i]) <= GB_ID_MAX);
		memcpy(t->id[i], ids[i], strlen(ids[i]) + 1);
		t->bps[i] = bps[i];
	}
	t->count = n;
	t->lead = lead;
}

/* A three-member table A/B/C with the given shares and lead index. */
static void table3(gb_shares *t, int64_t a_bps, int64_t b_bps, int64_t c_bps, size_t lead)
{
	const int64_t bps[3] = { a_bps, b_bps, c_bps };
	table_set(t, 3, abc, bps, lead);
	CU_ASSERT_FATAL(gb_books_shares_check(t, NULL) == 0);
}

/* The largest table: 64 members m000.. with 157 or 156 bps, lead m017. */
static void table64(gb_shares *t)
{
	static char ids[GB_SHARES_MAX][8];
	const char *idp[GB_SHARES_MAX];
	int64_t bps[GB_SHARES_MAX];
	for (size_t i = 0; i < GB_SHARES_MAX; i++) {
		snprintf(ids[i], sizeof ids[i], "m%03zu", i);
		idp[i] = ids[i];
		bps[i] = i < 16 ? 157 : 156;
	}
	table_set(t, GB_SHARES_MAX, idp, bps, 17);
	CU_ASSERT_FATAL(gb_books_shares_check(t, NULL) == 0);
}

struct want {
	const char *account;
	int64_t amount_fen;
};

/* ps holds exactly the lines in w[0..n) (any order). */
static int lines_are(const gb_postings *ps, const struct want *w, size_t n)
{
	int ok = ps->count == n;
	if (!ok)
		fprintf(stderr, "\n%zu lines, want %zu\n", ps->count, n);
	for (size_t i = 0; i < n && ok; i++) {
		char name[GB_ACCOUNT_MAX + 1];
		size_t j = 0;
		for (; j < ps->count; j++) {
			gb_postings_account(ps, j, name);
			if (strcmp(name, w[i].account) == 0)
				break;
		}
		ok = j < ps->count && ps->line[j].amount_fen == w[i].amount_fen;
		if (!ok)
			fprintf(stderr, "\n'%s': %lld, want %lld\n", w[i].account,
				j < ps->count ? (long long)ps->line[j].amount_fen : 0LL,
				(long long)w[i].amount_fen);
	}
	return ok;
}

/* A growing list of expected lines, built from the spec's formulas. */
struct want_list {
	size_t n;
	char account[64][GB_ACCOUNT_MAX + 1];
	struct want w[64];
};

static void want_add(struct want_list *wl, const char *member, int kind, const char *other,
	int64_t amount_fen)
{
	if (amount_fen == 0)
		return;
	CU_ASSERT_FATAL(wl->n < 64);
	CU_ASSERT_FATAL(gb_account_name(wl->account[wl->n], member, kind, other, NULL) == 0);
	wl->w[wl->n] = (struct want){ wl->account[wl->n], amount_fen };
	wl->n++;
}

/* The balance of an account in st (0 if absent). */
static int64_t bal(gb_state *st, const char *member, int kind, const char *other)
{
	int64_t v = -1;
	CU_ASSERT_FATAL(gb_books_balance(st, member, kind, other, &v, NULL) == 0);
	return v;
}

/* Every balance as bytes: key NUL len value, in key order. */
struct snap {
	char *buf;
	size_t len, cap;
};

static int snap_fn(void *arg, const char *key, const uint8_t *val, size_t len)
{
	struct snap *s = arg;
	size_t need = strlen(key) + 1 + sizeof len + len;
	if (s->len + need > s->cap) {
		s->cap = 2 * (s->len + need);
		s->buf = realloc(s->buf, s->cap);
		if (s->buf == NULL)
			return -1;
	}
	memcpy(s->buf + s->len, key, strlen(key) + 1);
	s->len += strlen(key) + 1;
	memcpy(s->buf + s->len, &len, sizeof len);
	s->len += sizeof len;
	memcpy(s->buf + s->len, val, len);
	s->len += len;
	return 0;
}

static struct snap snapshot(gb_memstate *ms)
{
	struct snap s = { NULL, 0, 0 };
	CU_ASSERT_FATAL(gb_memstate_each(ms, snap_fn, &s) == 0);
	return s;
}

/* 1 if ms is byte for byte what `before` recorded; frees before. */
static int unchanged(gb_memstate *ms, struct snap before)
{
	struct snap now = snapshot(ms);
	int same = now.len == before.len && (now.len == 0 || memcmp(now.buf, before.buf, now.len) == 0);
	free(now.buf);
	free(before.buf);
	return same;
}

/* Sums every "bal/" value and checks every fund part and mirror pair. */
struct scan {
	int64_t total_fen;
	size_t keys;
	int bad;
	gb_state st;
};

static int scan_fn(void *arg, const char *key, const uint8_t *val, size_t len)
{
	struct scan *s = arg;
	if (strncmp(key, "bal/", 4) != 0)
		return 0;
	char member[GB_ID_MAX + 1], other[GB_ID_MAX + 1];
	int kind;
	int64_t v = 0;
	if (len != 8 || gb_account_parse(key + 4, member, &kind, other, NULL) != 0
		|| gb_state_get_i64(&s->st, key, &v) != 0) {
		s->bad++;
		return 0;
	}
	s->total_fen += v;
	s->keys++;
	if (kind == GB_ACCOUNT_FUND && v > 0)
		s->bad++;
	if (kind == GB_ACCOUNT_DUE_FROM || kind == GB_ACCOUNT_DUE_TO) {
		int mkind = kind == GB_ACCOUNT_DUE_FROM ? GB_ACCOUNT_DUE_TO : GB_ACCOUNT_DUE_FROM;
		int64_t m = 1;
		if (gb_books_balance(&s->st, other, mkind, member, &m, NULL) != 0 || m != -v)
			s->bad++;
	}
	return 0;
}

/* All invariants of section 4 over the whole state, and the total is 0. */
static int books_ok(gb_memstate *ms)
{
	struct scan s = { 0, 0, 0, gb_memstate_state(ms) };
	CU_ASSERT_FATAL(gb_memstate_each(ms, scan_fn, &s) == 0);
	return s.bad == 0 && s.total_fen == 0;
}

/* Each member's own balances sum to 0 (against the members of t). */
static int members_balance(gb_state *st, const gb_shares *t)
{
	for (size_t i = 0; i < t->count; i++) {
		gb_member_balances mb;
		if (gb_books_member_balances(st, t, t->id[i], &mb, NULL) != 0 || mb.total_fen != 0)
			return 0;
	}
	return 1;
}

/* Per-member sums of a set, through the public lines. */
static int set_balances(const gb_postings *ps)
{
	for (size_t m = 0; m < ps->member_count; m++) {
		int64_t sum = 0;
		for (size_t i = 0; i < ps->count; i++)
			if (ps->line[i].member == m)
				sum += ps->line[i].amount_fen;
		if (sum != 0)
			return 0;
	}
	return gb_postings_check(ps, NULL) == 0;
}

/* ---------------------------------------------------------------- accounts */

static void test_account_names(void)
{
	char out[GB_ACCOUNT_MAX + 1], member[GB_ID_MAX + 1], other[GB_ID_MAX + 1];
	int kind = -5;
	gb_err err;
	CU_ASSERT_EQUAL(gb_account_name(out, B, GB_ACCOUNT_CASH, NULL, &err), 0);
	CU_ASSERT_STRING_EQUAL(out, "m/picc-zs/cash");
	CU_ASSERT_EQUAL(gb_account_name(out, B, GB_ACCOUNT_DUE_FROM, A, &err), 0);
	CU_ASSERT_STRING_EQUAL(out, "m/picc-zs/due_from/cpic-zs");
	static const char *const names[] = { "cash", "receivable", "premium", "setaside", "fund",
		"claims", "due_from", "due_to" };
	for (int k = 0; k < GB_ACCOUNT_KIND_COUNT; k++)
		CU_ASSERT_STRING_EQUAL(gb_account_kind_name(k), names[k]);
	CU_ASSERT_PTR_NULL(gb_account_kind_name(-1));
	CU_ASSERT_PTR_NULL(gb_account_kind_name(GB_ACCOUNT_KIND_COUNT));

	/* The longest name: two 64-byte ids. */
	char id64[GB_ID_MAX + 1], id64b[GB_ID_MAX + 1], id65[GB_ID_MAX + 2];
	memset(id64, 'x', GB_ID_MAX);
	id64[GB_ID_MAX] = '\0';
	memcpy(id64b, id64, sizeof id64);
	id64b[0] = 'y';
	memset(id65, 'x', GB_ID_MAX + 1);
	id65[GB_ID_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(gb_account_name(out, id64, GB_ACCOUNT_DUE_FROM, id64b, &err), 0);
	CU_ASSERT_EQUAL(strlen(out), GB_ACCOUNT_MAX);
	CU_ASSERT_EQUAL(gb_account_parse(out, member, &kind, other, &err), 0);
	CU_ASSERT_STRING_EQUAL(member, id64);
	CU_ASSERT_STRING_EQUAL(other, id64b);
	CU_ASSERT_EQUAL(kind, GB_ACCOUNT_DUE_FROM);

	CU_ASSERT_EQUAL(gb_account_name(out, "a/b", GB_ACCOUNT_CASH, NULL, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "account: member id 'a/b' is not valid");
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(gb_account_name(out, "", GB_ACCOUNT_CASH, NULL, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_account_name(out, id65, GB_ACCOUNT_CASH, NULL, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_account_name(out, "a b", GB_ACCOUNT_CASH, NULL, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_account_name(out, NULL, GB_ACCOUNT_CASH, NULL, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_account_name(out, A, GB_ACCOUNT_KIND_COUNT, NULL, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "account of 'cpic-zs': kind 8 is not an account kind");
	CU_ASSERT_EQUAL(gb_account_name(out, A, -1, NULL, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_account_name(out, A, GB_ACCOUNT_FUND, B, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "account 'm/cpic-zs/fund' names no other member, got 'picc-zs'");
	CU_ASSERT_EQUAL(gb_account_name(out, A, GB_ACCOUNT_DUE_TO, NULL, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_account_name(out, A, GB_ACCOUNT_DUE_TO, "x/y", &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_account_name(out, A, GB_ACCOUNT_DUE_TO, A, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "account 'm/cpic-zs/due_to/cpic-zs' names its own member");

	CU_ASSERT_TRUE(gb_books_id_valid("Az09._:-"));
	CU_ASSERT_FALSE(gb_books_id_valid("a/b"));
	CU_ASSERT_FALSE(gb_books_id_valid("\xe4\xba\xba"));
	CU_ASSERT_FALSE(gb_books_id_valid(id65));
	CU_ASSERT_TRUE(gb_books_id_valid(id64));
}

static void test_account_parse(void)
{
	char member[GB_ID_MAX + 1], other[GB_ID_MAX + 1];
	int kind;
	gb_err err;
	CU_ASSERT_EQUAL(gb_account_parse("m/picc-zs/fund", member, &kind, other, &err), 0);
	CU_ASSERT_STRING_EQUAL(member, B);
	CU_ASSERT_EQUAL(kind, GB_ACCOUNT_FUND);
	CU_ASSERT_STRING_EQUAL(other, "");
	CU_ASSERT_EQUAL(gb_account_parse("m/a/due_to/b", member, &kind, other, &err), 0);
	CU_ASSERT_STRING_EQUAL(other, "b");
	CU_ASSERT_EQUAL(kind, GB_ACCOUNT_DUE_TO);
	static const char *const bad[] = {
		"", "m", "m/", "m/a", "m/a/", "x/a/cash", "m//cash", "m/a/bogus", "m/a/cash/b",
		"m/a/due_from", "m/a/due_from/", "m/a/due_from/a", "m/a/due_from/b/c", "m/a/Cash",
		"bal/m/a/cash", "m/a b/cash",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = gb_account_parse(bad[i], member, &kind, other, &err);
		CU_ASSERT_EQUAL(rc, GB_EVALUE);
		if (rc != GB_EVALUE)
			fprintf(stderr, "\naccount '%s' parsed\n", bad[i]);
	}
	CU_ASSERT_EQUAL(gb_account_parse("m/a/bogus", member, &kind, other, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "account name 'm/a/bogus': unknown kind");
	CU_ASSERT_EQUAL(gb_account_parse("m/a/due_from/a", member, &kind, other, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"account name 'm/a/due_from/a': account 'm/a/due_from/a' names its own member");
}

/* ------------------------------------------------------------ share tables */

static void test_shares_check(void)
{
	gb_shares t;
	gb_err err;
	table3(&t, 5000, 3000, 2000, 1);
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), 0);
	t.count = 0;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "share table is empty");
	table3(&t, 5000, 3000, 2000, 1);
	t.bps[0] = 4990;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "shares sum to 9,990 bps, want 10,000");
	t.bps[2] = 4990;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "shares sum to 12,980 bps, want 10,000");
	table3(&t, 5000, 3000, 2000, 1);
	t.bps[0] = 10001;
	t.bps[1] = -1;
	t.bps[2] = 0;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "share of 'cpic-zs' is 10,001 bps, want 0 to 10,000");
	t.bps[0] = 10001 - 10000;
	t.bps[1] = -1;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "share of 'picc-zs' is -1 bps, want 0 to 10,000");
	table3(&t, 5000, 3000, 2000, 1);
	t.lead = 3;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "share table has no lead (index 3 of 3 members)");
	table3(&t, 5000, 5000, 0, 0);
	t.lead = 2;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "lead 'pingan-zs' has a share of 0 bps");
	/* Members with no share are fine when they do not lead. */
	t.lead = 1;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), 0);
	/* Out of order, a duplicate, an id with '/', an id without its NUL. */
	table3(&t, 5000, 3000, 2000, 0);
	memcpy(t.id[1], "aaa", 4);
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"share table member 1: 'aaa' does not follow 'cpic-zs' (ids ascending, unique)");
	table3(&t, 5000, 3000, 2000, 0);
	memcpy(t.id[1], A, sizeof A);
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	table3(&t, 5000, 3000, 2000, 0);
	memcpy(t.id[1], "d/e", 4);
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "share table member 1: id 'd/e' cannot own accounts");
	table3(&t, 5000, 3000, 2000, 0);
	memset(t.id[2], 'z', sizeof t.id[2]);
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	table3(&t, 5000, 3000, 2000, 0);
	t.count = GB_SHARES_MAX + 1;
	CU_ASSERT_EQUAL(gb_books_shares_check(&t, &err), GB_EVALUE);
	/* The largest table passes; the builders refuse a bad one with its error. */
	gb_shares *big = malloc(sizeof *big);
	CU_ASSERT_FATAL(big != NULL);
	table64(big);
	CU_ASSERT_EQUAL(big->count, GB_SHARES_MAX);
	free(big);
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	table3(&t, 5000, 3000, 2000, 0);
	t.lead = 7;
	CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, 1, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_books_premium_endorsed(ps, &t, 1, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 1, 0, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_books_claim_paid(ps, &t, 1, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, 0, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "share table has no lead (index 7 of 3 members)");
	CU_ASSERT_EQUAL(ps->count, 0);
	gb_memstate_free(ms);
	free(ps);
}

/* ---------------------------------------------------------- posting sets */

static void test_postings_merge(void)
{
	gb_postings *ps = ps_new();
	gb_err err;
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CASH, NULL, 5, &err), 0);
	CU_ASSERT_EQUAL(gb_postings_add(ps, B, GB_ACCOUNT_DUE_TO, A, -7, &err), 0);
	CU_ASSERT_EQUAL(gb_postings_add_account(ps, "m/cpic-zs/cash", 10, &err), 0);
	CU_ASSERT_EQUAL(ps->count, 2);
	CU_ASSERT_EQUAL(gb_postings_amount(ps, A, GB_ACCOUNT_CASH, NULL), 15);
	CU_ASSERT_EQUAL(gb_postings_amount(ps, B, GB_ACCOUNT_DUE_TO, A), -7);
	CU_ASSERT_EQUAL(gb_postings_amount(ps, A, GB_ACCOUNT_DUE_TO, B), 0);
	CU_ASSERT_EQUAL(gb_postings_amount(ps, C, GB_ACCOUNT_CASH, NULL), 0);
	/* A zero line is no line; a line that merges to zero goes away. */
	CU_ASSERT_EQUAL(gb_postings_add(ps, C, GB_ACCOUNT_CLAIMS, NULL, 0, &err), 0);
	CU_ASSERT_EQUAL(ps->count, 2);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CASH, NULL, -15, &err), 0);
	CU_ASSERT_EQUAL(ps->count, 1);
	char name[GB_ACCOUNT_MAX + 1];
	gb_postings_account(ps, 0, name);
	CU_ASSERT_STRING_EQUAL(name, "m/picc-zs/due_to/cpic-zs");
	CU_ASSERT_EQUAL(gb_postings_amount(ps, B, GB_ACCOUNT_DUE_TO, A), -7);   /* found after the move */
	CU_ASSERT_EQUAL(gb_postings_add(ps, B, GB_ACCOUNT_DUE_TO, A, 2, &err), 0);
	CU_ASSERT_EQUAL(ps->count, 1);
	CU_ASSERT_EQUAL(gb_postings_add(ps, B, GB_ACCOUNT_DUE_TO, A, -2, &err), 0);
	/* Merging past GB_FEN_MAX, and a line over it, are refused, the set unchanged. */
	CU_ASSERT_EQUAL(gb_postings_add(ps, B, GB_ACCOUNT_DUE_TO, A, -GB_FEN_MAX, &err), GB_EOVERFLOW);
	CU_ASSERT_STRING_EQUAL(err.msg, "posting to 'm/picc-zs/due_to/cpic-zs' out of range: "
		"-7 fen + -1,000,000,000,000,000 fen");
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CASH, NULL, GB_FEN_MAX + 1, &err), GB_EOVERFLOW);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"posting of 1,000,000,000,000,001 fen to 'm/cpic-zs/cash' is over GB_FEN_MAX");
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_DUE_TO, A, 1, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_postings_add_account(ps, "m/a/due_to", 1, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(ps->count, 1);
	CU_ASSERT_EQUAL(ps->line[0].amount_fen, -7);
	/* Negation. */
	gb_postings_negate(ps);
	CU_ASSERT_EQUAL(gb_postings_amount(ps, B, GB_ACCOUNT_DUE_TO, A), 7);
	free(ps);
}

static void test_postings_capacity(void)
{
	gb_postings *ps = ps_new();
	gb_err err;
	char id[16];
	/* 256 members x 5 own kinds = GB_POSTINGS_MAX lines; the next one is too many. */
	for (int i = 0; i < GB_BOOKS_MEMBERS_MAX; i++) {
		snprintf(id, sizeof id, "m%03d", i);
		for (int k = 0; k < 5; k++)
			CU_ASSERT_EQUAL_FATAL(gb_postings_add(ps, id, k, NULL, 1, &err), 0);
	}
	CU_ASSERT_EQUAL(ps->count, GB_POSTINGS_MAX);
	CU_ASSERT_EQUAL(gb_postings_add(ps, "m000", GB_ACCOUNT_CLAIMS, NULL, 1, &err), GB_ETOOBIG);
	CU_ASSERT_EQUAL(gb_postings_add(ps, "m000", GB_ACCOUNT_CASH, NULL, 1, &err), 0);  /* merges */
	CU_ASSERT_EQUAL(gb_postings_add(ps, "m999", GB_ACCOUNT_CASH, NULL, 1, &err), GB_ETOOBIG);
	CU_ASSERT_EQUAL(ps->count, GB_POSTINGS_MAX);
	free(ps);
}

/* ------------------------------------------------------- standard sets */

/* Premium written 101 over 3333/3333/3334: the split depends on the lead. */
static const int64_t split101[3][3] = { { 34, 33, 34 }, { 33, 34, 34 }, { 34, 33, 34 } };

static void test_premium_written(void)
{
	gb_shares t;
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	for (size_t lead = 0; lead < 3; lead++) {
		table3(&t, 3333, 3333, 3334, lead);
		gb_postings_init(ps);
		CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, 101, NULL), 0);
		const int64_t *x = split101[lead];
		const struct want w[] = {
			{ "m/cpic-zs/receivable", x[0] }, { "m/cpic-zs/premium", -x[0] },
			{ "m/picc-zs/receivable", x[1] }, { "m/picc-zs/premium", -x[1] },
			{ "m/pingan-zs/receivable", x[2] }, { "m/pingan-zs/premium", -x[2] },
		};
		CU_ASSERT(lines_are(ps, w, 6));
		CU_ASSERT(set_balances(ps));
		CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
		CU_ASSERT(books_ok(ms));
	}
	CU_ASSERT_EQUAL(bal(&st, A, GB_ACCOUNT_RECEIVABLE, NULL), 34 + 33 + 34);
	CU_ASSERT_EQUAL(bal(&st, B, GB_ACCOUNT_PREMIUM, NULL), -(33 + 34 + 33));
	CU_ASSERT_EQUAL(bal(&st, C, GB_ACCOUNT_RECEIVABLE, NULL), 3 * 34);

	/* An endorsement of -101 with lead B takes B's -34 back exactly. */
	table3(&t, 3333, 3333, 3334, 1);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_premium_endorsed(ps, &t, -101, NULL), 0);
	const struct want we[] = {
		{ "m/cpic-zs/receivable", -33 }, { "m/cpic-zs/premium", 33 },
		{ "m/picc-zs/receivable", -34 }, { "m/picc-zs/premium", 34 },
		{ "m/pingan-zs/receivable", -34 }, { "m/pingan-zs/premium", 34 },
	};
	CU_ASSERT(lines_are(ps, we, 6));
	/* Zero premium: no lines. Bad amounts and tables: errors. */
	gb_err err;
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, 0, &err), 0);
	CU_ASSERT_EQUAL(ps->count, 0);
	CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, -1, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "premium written of -1 fen is negative");
	CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, GB_FEN_MAX + 1, &err), GB_EOVERFLOW);
	CU_ASSERT_STRING_EQUAL(err.msg, "premium written of 1,000,000,000,000,001 fen is over GB_FEN_MAX");
	CU_ASSERT_EQUAL(gb_books_premium_endorsed(ps, &t, -GB_FEN_MAX - 1, &err), GB_EOVERFLOW);
	t.bps[0] = 3323;
	CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, 5, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "shares sum to 9,990 bps, want 10,000");
	CU_ASSERT_EQUAL(ps->count, 0);
	gb_memstate_free(ms);
	free(ps);
}

/* Premium 10,001 received over 5000/3000/2000 by B, set-aside 15%. */
static void test_premium_received_known(void)
{
	gb_shares t;
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	table3(&t, 5000, 3000, 2000, 1);
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 10001, 1500, NULL), 0);
	const struct want w[] = {
		{ "m/picc-zs/cash", 10001 },
		{ "m/cpic-zs/receivable", -5001 }, { "m/picc-zs/receivable", -3000 },
		{ "m/pingan-zs/receivable", -2000 },
		{ "m/cpic-zs/due_from/picc-zs", 5001 }, { "m/picc-zs/due_to/cpic-zs", -5001 },
		{ "m/pingan-zs/due_from/picc-zs", 2000 }, { "m/picc-zs/due_to/pingan-zs", -2000 },
		{ "m/cpic-zs/setaside", 750 }, { "m/cpic-zs/fund", -750 },    /* 750.15 */
		{ "m/picc-zs/setaside", 450 }, { "m/picc-zs/fund", -450 },
		{ "m/pingan-zs/setaside", 300 }, { "m/pingan-zs/fund", -300 },
	};
	CU_ASSERT(lines_are(ps, w, 14));
	CU_ASSERT(set_balances(ps));
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	CU_ASSERT(books_ok(ms));
	CU_ASSERT(members_balance(&st, &t));
	int64_t fund = -1;
	CU_ASSERT_EQUAL(gb_books_fund_total(&st, &t, &fund, NULL), 0);
	CU_ASSERT_EQUAL(fund, 1500);
	/* The reader. */
	gb_member_balances mb;
	CU_ASSERT_EQUAL(gb_books_member_balances(&st, &t, B, &mb, NULL), 0);
	CU_ASSERT_EQUAL(mb.own_fen[GB_ACCOUNT_CASH], 10001);
	CU_ASSERT_EQUAL(mb.own_fen[GB_ACCOUNT_RECEIVABLE], -3000);
	CU_ASSERT_EQUAL(mb.own_fen[GB_ACCOUNT_SETASIDE], 450);
	CU_ASSERT_EQUAL(mb.own_fen[GB_ACCOUNT_FUND], -450);
	CU_ASSERT_EQUAL(mb.own_fen[GB_ACCOUNT_CLAIMS], 0);
	CU_ASSERT_EQUAL(mb.count, 3);
	CU_ASSERT_EQUAL(mb.due_to_fen[0], -5001);
	CU_ASSERT_EQUAL(mb.due_to_fen[1], 0);
	CU_ASSERT_EQUAL(mb.due_to_fen[2], -2000);
	CU_ASSERT_EQUAL(mb.due_from_fen[0], 0);
	CU_ASSERT_EQUAL(mb.total_fen, 0);
	gb_err err;
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 1, 10001, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "set-aside rate of 10,001 bps, want 0 to 10,000");
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 1, -1, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, -1, 0, &err), GB_EVALUE);
	gb_memstate_free(ms);
	free(ps);
}

/* Premium received over 3333/3333/3334 with each lead, lines from the spec's formulas. */
static void test_premium_received_each_lead(void)
{
	gb_shares t;
	gb_postings *ps = ps_new();
	struct want_list *wl = malloc(sizeof *wl);
	CU_ASSERT_FATAL(wl != NULL);
	for (size_t lead = 0; lead < 3; lead++) {
		gb_memstate *ms = gb_memstate_new();
		gb_state st = gb_memstate_state(ms);
		table3(&t, 3333, 3333, 3334, lead);
		gb_postings_init(ps);
		CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 101, 2100, NULL), 0);
		const int64_t *x = split101[lead];
		wl->n = 0;
		want_add(wl, abc[lead], GB_ACCOUNT_CASH, NULL, 101);
		for (size_t m = 0; m < 3; m++) {
			int64_t s = (x[m] * 2100 + 5000) / 10000;       /* 34 -> 7, 33 -> 7 */
			CU_ASSERT_EQUAL(s, 7);
			want_add(wl, abc[m], GB_ACCOUNT_RECEIVABLE, NULL, -x[m]);
			want_add(wl, abc[m], GB_ACCOUNT_SETASIDE, NULL, s);
			want_add(wl, abc[m], GB_ACCOUNT_FUND, NULL, -s);
			if (m == lead)
				continue;
			want_add(wl, abc[m], GB_ACCOUNT_DUE_FROM, abc[lead], x[m]);
			want_add(wl, abc[lead], GB_ACCOUNT_DUE_TO, abc[m], -x[m]);
		}
		CU_ASSERT_EQUAL(wl->n, 14);
		CU_ASSERT(lines_are(ps, wl->w, wl->n));
		CU_ASSERT(set_balances(ps));
		CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
		CU_ASSERT(books_ok(ms));
		CU_ASSERT(members_balance(&st, &t));
		gb_memstate_free(ms);
	}
	free(wl);
	free(ps);
}

static void test_claim_paid(void)
{
	gb_shares t;
	gb_postings *ps = ps_new();
	for (size_t lead = 0; lead < 3; lead++) {
		gb_memstate *ms = gb_memstate_new();
		gb_state st = gb_memstate_state(ms);
		table3(&t, 3333, 3333, 3334, lead);
		gb_postings_init(ps);
		CU_ASSERT_EQUAL(gb_books_claim_paid(ps, &t, 101, NULL), 0);
		const int64_t *x = split101[lead];
		struct want w[8];
		char acct[8][GB_ACCOUNT_MAX + 1];
		size_t n = 0;
		snprintf(acct[n], sizeof acct[n], "m/%s/cash", abc[lead]);
		w[n] = (struct want){ acct[n], -101 };
		n++;
		for (size_t m = 0; m < 3; m++) {
			snprintf(acct[n], sizeof acct[n], "m/%s/claims", abc[m]);
			w[n] = (struct want){ acct[n], x[m] };
			n++;
			if (m == lead)
				continue;
			snprintf(acct[n], sizeof acct[n], "m/%s/due_to/%s", abc[m], abc[lead]);
			w[n] = (struct want){ acct[n], -x[m] };
			n++;
			snprintf(acct[n], sizeof acct[n], "m/%s/due_from/%s", abc[lead], abc[m]);
			w[n] = (struct want){ acct[n], x[m] };
			n++;
		}
		CU_ASSERT_EQUAL(n, 8);
		CU_ASSERT(lines_are(ps, w, n));
		CU_ASSERT(set_balances(ps));
		CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
		CU_ASSERT(books_ok(ms));
		CU_ASSERT(members_balance(&st, &t));
		gb_memstate_free(ms);
	}
	/* Hand-checked for lead B: claims 9,999 over 5000/3000/2000. */
	table3(&t, 5000, 3000, 2000, 1);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_claim_paid(ps, &t, 9999, NULL), 0);
	const struct want w[] = {
		{ "m/picc-zs/cash", -9999 },
		{ "m/cpic-zs/claims", 4999 }, { "m/picc-zs/claims", 3000 }, { "m/pingan-zs/claims", 2000 },
		{ "m/cpic-zs/due_to/picc-zs", -4999 }, { "m/picc-zs/due_from/cpic-zs", 4999 },
		{ "m/pingan-zs/due_to/picc-zs", -2000 }, { "m/picc-zs/due_from/pingan-zs", 2000 },
	};
	CU_ASSERT(lines_are(ps, w, 8));
	gb_err err;
	CU_ASSERT_EQUAL(gb_books_claim_paid(ps, &t, -5, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "claim payment of -5 fen is negative");
	free(ps);
}

/* Receipts fill the fund; withdrawals empty it to exactly zero; one fen more is refused. */
static void test_fund(void)
{
	gb_shares t;
	gb_err err;
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	table3(&t, 5000, 3000, 2000, 0);
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 10000, 2000, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	int64_t fund = -1;
	CU_ASSERT_EQUAL(gb_books_fund_total(&st, &t, &fund, NULL), 0);
	CU_ASSERT_EQUAL(fund, 2000);                    /* parts 1000, 600, 400 */

	/* 999 by 1000/600/400: 499.5, 299.7, 199.8 -> 499, 300, 200. */
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, 999, NULL), 0);
	const struct want w[] = {
		{ "m/cpic-zs/cash", -999 },
		{ "m/cpic-zs/fund", 499 }, { "m/picc-zs/fund", 300 }, { "m/pingan-zs/fund", 200 },
		{ "m/picc-zs/due_to/cpic-zs", -300 }, { "m/cpic-zs/due_from/picc-zs", 300 },
		{ "m/pingan-zs/due_to/cpic-zs", -200 }, { "m/cpic-zs/due_from/pingan-zs", 200 },
	};
	CU_ASSERT(lines_are(ps, w, 8));
	CU_ASSERT(set_balances(ps));
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	CU_ASSERT(books_ok(ms));
	CU_ASSERT_EQUAL(gb_books_fund_total(&st, &t, &fund, NULL), 0);
	CU_ASSERT_EQUAL(fund, 1001);

	/* More than the balance: refused with the balance, nothing built. */
	table3(&t, 5000, 3000, 2000, 2);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, 1002, &err), GB_ESTATE);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"withdrawal of 1,002 fen exceeds the prevention fund's balance of 1,001 fen");
	CU_ASSERT_EQUAL(ps->count, 0);
	/* Exactly the balance, paid by C: every part goes to zero. */
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, 1001, NULL), 0);
	const struct want w2[] = {
		{ "m/pingan-zs/cash", -1001 },
		{ "m/cpic-zs/fund", 501 }, { "m/picc-zs/fund", 300 }, { "m/pingan-zs/fund", 200 },
		{ "m/cpic-zs/due_to/pingan-zs", -501 }, { "m/pingan-zs/due_from/cpic-zs", 501 },
		{ "m/picc-zs/due_to/pingan-zs", -300 }, { "m/pingan-zs/due_from/picc-zs", 300 },
	};
	CU_ASSERT(lines_are(ps, w2, 8));
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	CU_ASSERT(books_ok(ms));
	CU_ASSERT(members_balance(&st, &t));
	CU_ASSERT_EQUAL(gb_books_fund_total(&st, &t, &fund, NULL), 0);
	CU_ASSERT_EQUAL(fund, 0);
	for (size_t m = 0; m < 3; m++)
		CU_ASSERT_EQUAL(bal(&st, abc[m], GB_ACCOUNT_FUND, NULL), 0);

	/* One fen more: GB_ESTATE, and the state as it was. */
	struct snap before = snapshot(ms);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, 1, &err), GB_ESTATE);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"withdrawal of 1 fen exceeds the prevention fund's balance of 0 fen");
	CU_ASSERT_EQUAL(ps->count, 0);
	CU_ASSERT(unchanged(ms, before));
	/* Zero is allowed and posts nothing; negative is not. */
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, 0, &err), 0);
	CU_ASSERT_EQUAL(ps->count, 0);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, -1, &err), GB_EVALUE);
	/* A forged set that overdraws one member's part breaks invariant 2. */
	before = snapshot(ms);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_FUND, NULL, 1, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CASH, NULL, -1, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "fund part of 'cpic-zs' would be 1 fen, above 0");
	CU_ASSERT(unchanged(ms, before));
	/* A state whose fund part is already positive is reported, not used. */
	CU_ASSERT_EQUAL(gb_state_put_i64(&st, "bal/m/picc-zs/fund", 5), 0);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, 0, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "fund part of 'picc-zs' is 5 fen, above 0");
	gb_memstate_free(ms);
	free(ps);
}

static void test_settlement(void)
{
	gb_shares t;
	gb_err err;
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	table3(&t, 5000, 3000, 2000, 1);
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 10001, 1500, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);   /* B owes A 5,001 */

	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_settlement(ps, &st, B, A, 5000, NULL), 0);
	const struct want w[] = {
		{ "m/picc-zs/cash", -5000 }, { "m/picc-zs/due_to/cpic-zs", 5000 },
		{ "m/cpic-zs/cash", 5000 }, { "m/cpic-zs/due_from/picc-zs", -5000 },
	};
	CU_ASSERT(lines_are(ps, w, 4));
	CU_ASSERT(set_balances(ps));
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	CU_ASSERT(books_ok(ms));
	CU_ASSERT_EQUAL(bal(&st, B, GB_ACCOUNT_DUE_TO, A), -1);

	struct snap before = snapshot(ms);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_settlement(ps, &st, B, A, 2, &err), GB_ESTATE);
	CU_ASSERT_STRING_EQUAL(err.msg, "settlement of 2 fen overpays: 'picc-zs' owes 'cpic-zs' 1 fen");
	CU_ASSERT_EQUAL(gb_books_settlement(ps, &st, A, B, 1, &err), GB_ESTATE);
	CU_ASSERT_STRING_EQUAL(err.msg, "settlement of 1 fen overpays: 'cpic-zs' owes 'picc-zs' 0 fen");
	CU_ASSERT_EQUAL(gb_books_settlement(ps, &st, B, B, 1, &err), GB_EVALUE);
	CU_ASSERT_STRING_EQUAL(err.msg, "settlement: 'picc-zs' pays itself");
	CU_ASSERT_EQUAL(gb_books_settlement(ps, &st, B, "a/b", 1, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_books_settlement(ps, &st, B, A, -1, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_books_settlement(ps, &st, B, A, GB_FEN_MAX + 1, &err), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(ps->count, 0);
	CU_ASSERT(unchanged(ms, before));

	/* The last fen settles the pair to zero on both sides. */
	CU_ASSERT_EQUAL(gb_books_settlement(ps, &st, B, A, 1, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	CU_ASSERT_EQUAL(bal(&st, B, GB_ACCOUNT_DUE_TO, A), 0);
	CU_ASSERT_EQUAL(bal(&st, A, GB_ACCOUNT_DUE_FROM, B), 0);
	CU_ASSERT(books_ok(ms));
	CU_ASSERT(members_balance(&st, &t));
	gb_memstate_free(ms);
	free(ps);
}

/* -------------------------------------------------------- rejections */

static void test_apply_overflow(void)
{
	gb_shares t;
	gb_err err;
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	const char *const only_a[1] = { A };
	const int64_t whole[1] = { 10000 };
	table_set(&t, 1, only_a, whole, 0);
	CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, GB_FEN_MAX, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	CU_ASSERT_EQUAL(bal(&st, A, GB_ACCOUNT_RECEIVABLE, NULL), GB_FEN_MAX);
	struct snap before = snapshot(ms);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, 1, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_EOVERFLOW);
	CU_ASSERT_STRING_EQUAL(err.msg, "balance of 'm/cpic-zs/receivable' out of range: "
		"1,000,000,000,000,000 fen + 1 fen");
	CU_ASSERT(unchanged(ms, before));
	/* The overflowing line second, after one that would have been fine. */
	before = snapshot(ms);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CASH, NULL, -1, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_PREMIUM, NULL, -1, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CLAIMS, NULL, 2, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_EOVERFLOW);
	CU_ASSERT_STRING_EQUAL(err.msg, "balance of 'm/cpic-zs/premium' out of range: "
		"-1,000,000,000,000,000 fen + -1 fen");
	CU_ASSERT(unchanged(ms, before));
	gb_memstate_free(ms);
	free(ps);
}

static void test_apply_unbalanced(void)
{
	gb_err err;
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	CU_ASSERT_EQUAL(gb_state_put_i64(&st, "bal/m/cpic-zs/cash", 42), 0);
	struct snap before = snapshot(ms);

	/* Overall not zero. */
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CASH, NULL, 5, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_check(ps, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "postings sum to 5 fen, want 0");
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_EINVARIANT);
	/* Zero overall, but not per member: a's books would not balance. */
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_DUE_FROM, B, 5, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_add(ps, B, GB_ACCOUNT_DUE_TO, A, -5, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "postings for 'cpic-zs' sum to 5 fen, want 0");
	/* Balanced per member, but the mirror pair would break. */
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_DUE_FROM, B, 5, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CASH, NULL, -5, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_check(ps, &err), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"mirror broken: 'm/cpic-zs/due_from/picc-zs' would be 5 fen but 'm/picc-zs/due_to/cpic-zs' 0 fen");
	/* Both sides present but not equal and opposite. */
	CU_ASSERT_EQUAL(gb_postings_add(ps, B, GB_ACCOUNT_DUE_TO, A, -4, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_add(ps, B, GB_ACCOUNT_CASH, NULL, 4, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_EINVARIANT);
	CU_ASSERT(unchanged(ms, before));

	/* Forged sets: a duplicate account, a zero line, bad indexes, a twice-named member. */
	before = snapshot(ms);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CASH, NULL, 5, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_add(ps, A, GB_ACCOUNT_CLAIMS, NULL, -5, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_check(ps, &err), 0);
	gb_postings forged;
	memcpy(&forged, ps, sizeof forged);
	forged.line[1] = forged.line[0];
	forged.line[1].amount_fen = -5;
	CU_ASSERT_EQUAL(gb_postings_apply(&forged, &st, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "posting line 1: account 'm/cpic-zs/cash' already has line 0");
	memcpy(&forged, ps, sizeof forged);
	forged.line[0].amount_fen = 0;
	forged.line[1].amount_fen = 0;
	CU_ASSERT_EQUAL(gb_postings_apply(&forged, &st, &err), GB_EINVARIANT);
	memcpy(&forged, ps, sizeof forged);
	forged.line[0].member = 1;
	CU_ASSERT_EQUAL(gb_postings_apply(&forged, &st, &err), GB_EINVARIANT);
	memcpy(&forged, ps, sizeof forged);
	forged.line[0].other = 0;
	CU_ASSERT_EQUAL(gb_postings_apply(&forged, &st, &err), GB_EINVARIANT);
	memcpy(&forged, ps, sizeof forged);
	forged.line[0].kind = GB_ACCOUNT_KIND_COUNT;
	CU_ASSERT_EQUAL(gb_postings_apply(&forged, &st, &err), GB_EINVARIANT);
	memcpy(&forged, ps, sizeof forged);
	forged.member_count = 2;
	memcpy(forged.member[1], A, sizeof A);
	forged.line[1].member = 1;
	forged.line[1].kind = GB_ACCOUNT_CASH;
	CU_ASSERT_EQUAL(gb_postings_apply(&forged, &st, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "posting set names member 'cpic-zs' twice");
	/* A damaged index: emptied, or every slot pointing past the lines. */
	memcpy(&forged, ps, sizeof forged);
	memset(forged.slot, 0, sizeof forged.slot);
	CU_ASSERT_EQUAL(gb_postings_check(&forged, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "posting line 0: account 'm/cpic-zs/cash' missing from the index");
	memset(forged.slot, 0xff, sizeof forged.slot);
	CU_ASSERT_EQUAL(gb_postings_apply(&forged, &st, &err), GB_EINVARIANT);
	CU_ASSERT_EQUAL(gb_postings_amount(&forged, A, GB_ACCOUNT_CASH, NULL), 0);
	memcpy(&forged, ps, sizeof forged);
	forged.line[0].amount_fen = GB_FEN_MAX + 1;
	forged.line[1].amount_fen = -GB_FEN_MAX - 1;
	CU_ASSERT_EQUAL(gb_postings_apply(&forged, &st, &err), GB_EINVARIANT);
	CU_ASSERT(unchanged(ms, before));
	/* The well-formed original applies. */
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), 0);
	CU_ASSERT_EQUAL(bal(&st, A, GB_ACCOUNT_CASH, NULL), 47);
	gb_memstate_free(ms);
	free(ps);
}

/* A gb_state over a memstate that fails on one key's read or after some writes. */
struct faulty {
	gb_state inner;
	const char *fail_get_key;
	int puts_left;
};

static int faulty_get(void *ctx, const char *key, const uint8_t **val, size_t *len)
{
	struct faulty *f = ctx;
	if (f->fail_get_key != NULL && strcmp(key, f->fail_get_key) == 0)
		return GB_ELMDB;
	return f->inner.get(f->inner.ctx, key, val, len);
}

static int faulty_put(void *ctx, const char *key, const void *val, size_t len)
{
	struct faulty *f = ctx;
	if (f->puts_left-- <= 0)
		return GB_ENOMEM;
	return f->inner.put(f->inner.ctx, key, val, len);
}

static void test_apply_state_failures(void)
{
	gb_shares t;
	gb_err err;
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	struct faulty f = { gb_memstate_state(ms), "bal/m/pingan-zs/fund", 1000 };
	gb_state st = { &f, faulty_get, faulty_put, NULL };
	table3(&t, 5000, 3000, 2000, 1);
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 10001, 1500, NULL), 0);
	/* A read failure: its code, the key named, nothing written. */
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_ELMDB);
	CU_ASSERT_STRING_EQUAL(err.msg, "reading balance 'bal/m/pingan-zs/fund': unexpected LMDB failure");
	CU_ASSERT_EQUAL(gb_memstate_count(ms), 0);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, 1, &err), GB_ELMDB);
	/* A write failure is passed back (the caller aborts its transaction). */
	f.fail_get_key = NULL;
	f.puts_left = 3;
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, &err), GB_ENOMEM);
	CU_ASSERT_EQUAL(strncmp(err.msg, "writing balance 'bal/m/", 23), 0);
	CU_ASSERT_EQUAL(gb_memstate_count(ms), 3);
	/* A damaged balance: wrong length, or beyond GB_FEN_MAX. */
	gb_state plain = gb_memstate_state(ms);
	CU_ASSERT_EQUAL(gb_state_put(&plain, "bal/m/picc-zs/cash", "abc", 3), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &plain, &err), GB_ECORRUPT);
	CU_ASSERT_EQUAL(gb_state_put_i64(&plain, "bal/m/picc-zs/cash", GB_FEN_MAX + 1), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &plain, &err), GB_ECORRUPT);
	CU_ASSERT_STRING_EQUAL(err.msg,
		"balance 'bal/m/picc-zs/cash' is 1,000,000,000,000,001 fen, beyond GB_FEN_MAX");
	gb_memstate_free(ms);
	free(ps);
}

/* ---------------------------------------------------------- corrections */

static void test_correction(void)
{
	gb_shares t;
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	table3(&t, 5000, 3000, 2000, 2);
	CU_ASSERT_EQUAL(gb_books_premium_written(ps, &t, 77777, NULL), 0);
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, &t, 70000, 2000, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_claim_paid(ps, &t, 12345, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);

	/* Record every balance, then apply and correct each kind of set in turn. */
	int64_t before[3][GB_ACCOUNT_KIND_COUNT][3];
	for (size_t m = 0; m < 3; m++)
		for (int k = 0; k < GB_ACCOUNT_KIND_COUNT; k++)
			for (size_t o = 0; o < 3; o++)
				before[m][k][o] = k < GB_ACCOUNT_OWN_KINDS ? (o == 0 ? bal(&st, abc[m], k, NULL) : 0)
					: (o != m ? bal(&st, abc[m], k, abc[o]) : 0);
	for (int kind = 0; kind < 5; kind++) {
		gb_postings_init(ps);
		int rc = kind == 0 ? gb_books_premium_endorsed(ps, &t, -33333, NULL)
			: kind == 1 ? gb_books_premium_received(ps, &t, 7777, 1800, NULL)
			: kind == 2 ? gb_books_claim_paid(ps, &t, 999, NULL)
			: kind == 3 ? gb_books_fund_withdrawal(ps, &st, &t, 8888, NULL)
			: gb_books_settlement(ps, &st, A, C, 1234, NULL);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT(ps->count > 0);
		CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
		gb_postings_negate(ps);
		CU_ASSERT(set_balances(ps));
		CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
		CU_ASSERT(books_ok(ms));
		for (size_t m = 0; m < 3; m++)
			for (int k = 0; k < GB_ACCOUNT_KIND_COUNT; k++)
				for (size_t o = 0; o < 3; o++) {
					int64_t now = k < GB_ACCOUNT_OWN_KINDS ? (o == 0 ? bal(&st, abc[m], k, NULL) : 0)
						: (o != m ? bal(&st, abc[m], k, abc[o]) : 0);
					CU_ASSERT_EQUAL(now, before[m][k][o]);
				}
	}
	/* Correcting a receipt after its set-aside was spent would overdraw the fund. */
	gb_postings *receipt = ps_new();
	CU_ASSERT_EQUAL(gb_books_premium_received(receipt, &t, 10000, 2000, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(receipt, &st, NULL), 0);
	int64_t fund;
	CU_ASSERT_EQUAL(gb_books_fund_total(&st, &t, &fund, NULL), 0);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, &t, fund, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	struct snap snap = snapshot(ms);
	gb_postings_negate(receipt);
	gb_err err;
	CU_ASSERT_EQUAL(gb_postings_apply(receipt, &st, &err), GB_EINVARIANT);
	CU_ASSERT_STRING_EQUAL(err.msg, "fund part of 'cpic-zs' would be 1,000 fen, above 0");
	CU_ASSERT(unchanged(ms, snap));
	free(receipt);
	gb_memstate_free(ms);
	free(ps);
}

/* ------------------------------------------------------ 256 members */

static void test_largest_table(void)
{
	gb_shares *t = malloc(sizeof *t);
	CU_ASSERT_FATAL(t != NULL);
	gb_postings *ps = ps_new();
	gb_memstate *ms = gb_memstate_new();
	gb_state st = gb_memstate_state(ms);
	table64(t);
	/* Lines: cash, 64 x (receivable, set-aside, fund), 63 x (due_from, due_to). */
	CU_ASSERT_EQUAL(gb_books_premium_received(ps, t, 1000000000, 2000, NULL), 0);
	CU_ASSERT_EQUAL(ps->count, 1 + 3 * GB_SHARES_MAX + 2 * (GB_SHARES_MAX - 1));
	CU_ASSERT(set_balances(ps));
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	CU_ASSERT_EQUAL(gb_memstate_count(ms), ps->count);
	/* 10^9 x 157 / 10,000 = 15,700,000 exactly; set-aside 20% of 15,600,000. */
	CU_ASSERT_EQUAL(bal(&st, "m000", GB_ACCOUNT_DUE_FROM, "m017"), 15700000);
	CU_ASSERT_EQUAL(bal(&st, "m063", GB_ACCOUNT_FUND, NULL), -3120000);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_claim_paid(ps, t, 123456789, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	gb_postings_init(ps);
	CU_ASSERT_EQUAL(gb_books_fund_withdrawal(ps, &st, t, 199999999, NULL), 0);
	CU_ASSERT_EQUAL(gb_postings_apply(ps, &st, NULL), 0);
	CU_ASSERT(books_ok(ms));
	CU_ASSERT(members_balance(&st, t));
	int64_t fund;
	CU_ASSERT_EQUAL(gb_books_fund_total(&st, t, &fund, NULL), 0);
	CU_ASSERT_EQUAL(fund, 1);
	gb_memstate_free(ms);
	free(ps);
	free(t);
}

/* ------------------------------------------------ random events vs a model */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static uint64_t rng_below(uint64_t bound)
{
	return rng_next() % bound;
}

static const char *const five[RANDOM_MEMBERS] = { "cic", "cpic", "picc", "pingan", "taiping" };

/* The books as the spec's table says they move, kept by hand: [member][kind][other]. */
struct model {
	int64_t b[RANDOM_MEMBERS][GB_ACCOUNT_KIND_COUNT][RANDOM_MEMBERS];
};

/* A random table over a random subset of the five (all five if `all`). */
static void random_table(gb_shares *t, size_t *global, int all)
{
	memset(t, 0, sizeof *t);
	int64_t left = GB_BPS_WHOLE;
	for (size_t m = 0; m < RANDOM_MEMBERS; m++) {
		if (!all && m < RANDOM_MEMBERS - 1 && rng_below(3) == 0)
			continue;
		int64_t bps = m == RANDOM_MEMBERS - 1 ? left : (int64_t)rng_below((uint64_t)left + 1);
		if (rng_below(4) == 0)
			bps = 0;
		memcpy(t->id[t->count], five[m], strlen(five[m]) + 1);
		t->bps[t->count] = bps;
		global[t->count++] = m;
		left -= bps;
	}
	t->bps[t->count - 1] += left;           /* sum exactly 10,000 */
	do
		t->lead = rng_below(t->count);
	while (t->bps[t->lead] == 0);
	CU_ASSERT_FATAL(gb_books_shares_check(t, NULL) == 0);
}

/* "The lead pays x_M for each M" into the model delta d. */
static void model_lead_pays(struct model *d, const size_t *g, size_t n, size_t lead, int kind,
	int64_t total, const int64_t *x)
{
	d->b[g[lead]][GB_ACCOUNT_CASH][0] -= total;
	for (size_t i = 0; i < n; i++) {
		d->b[g[i]][kind][0] += x[i];
		if (i == lead)
			continue;
		d->b[g[i]][GB_ACCOUNT_DUE_TO][g[lead]] -= x[i];
		d->b[g[lead]][GB_ACCOUNT_DUE_FROM][g[i]] += x[i];
	}
}

/* Model delta of a premium receipt (section 3's table). */
static void model_received(struct model *d, const gb_shares *t, const size_t *g, int64_t r,
	int64_t setaside_bps)
{
	int64_t x[GB_BOOKS_MEMBERS_MAX];
	CU_ASSERT_FATAL(gb_fen_split(r, t->bps, t->count, t->lead, x) == 0);
	size_t l = t->lead;
	d->b[g[l]][GB_ACCOUNT_CASH][0] += r;
	for (size_t i = 0; i < t->count; i++) {
		int64_t s;
		CU_ASSERT_FATAL(gb_fen_apply_bps(x[i], setaside_bps, &s) == 0);
		d->b[g[i]][GB_ACCOUNT_RECEIVABLE][0] -= x[i];
		d->b[g[i]][GB_ACCOUNT_SETASIDE][0] += s;
		d->b[g[i]][GB_ACCOUNT_FUND][0] -= s;
		if (i == l)
			continue;
		d->b[g[i]][GB_ACCOUNT_DUE_FROM][g[l]] += x[i];
		d->b[g[l]][GB_ACCOUNT_DUE_TO][g[i]] -= x[i];
	}
}

/* Compares every account of the five with the model. */
static void model_compare(gb_state *st, const struct model *m, int event)
{
	for (size_t i = 0; i < RANDOM_MEMBERS; i++)
		for (int k = 0; k < GB_ACCOUNT_KIND_COUNT; k++)
			for (size_t o = 0; o < RANDOM_MEMBERS; o++) {
				int own = k < GB_ACCOUNT_OWN_KINDS;
				if ((own && o != 0) || (!own && o == i))
					continue;
				int64_t v = bal(st, five[i], k, own ? NULL : five[o]);
				EXPECT(v == m->b[i][k][o], "event %d: m/%s/%s/%s is %lld, model %lld", event,
					five[i], gb_account_kind_name(k), own ? "" : five[o],
					(long long)v, (long long)m->b[i][k][o]);
			}
}

static void model_add(struct model *m, const struct model *d, int sign)
{
	for (size_t i = 0; i < RANDOM_MEMBERS; i++)
		for (int k = 0; k < GB_ACCOUNT_KIND_COUNT; k++)
			for (size_t o = 0; o < RANDOM_MEMBERS; o++)
				m->b[i][k][o] += sign * d->b[i][k][o];
}

/* 1 if adding d to m leaves every fund part at or below 0. */
static int model_fund_ok(const struct model *m, const struct model *d, int sign)
{
	for (size_t i = 0; i < RANDOM_MEMBERS; i++)
		if (m->b[i][GB_ACCOUNT_FUND][0] + sign * d->b[i][GB_ACCOUNT_FUND][0] > 0)
			return 0;
	return 1;
}

struct sim {
	gb_memstate *ms;
	gb_state st;
	struct model model;
	gb_postings *ring;              /* the last RING applied sets, for corrections */
	struct model ring_delta[RING];
	size_t ring_count;
	int ok_count, refused_count;
	int refused_fund, refused_settlement, refused_correction;
};

/* -1000 if a builder refused with the expected code, else -2000 (or its own code). */
static int refused_as(int rc, int want)
{
	return rc == want ? -1000 : rc == 0 ? -2000 : rc;
}

/* Builds one random event into ps and its model delta into d. Returns the expected code. */
static int random_event(struct sim *s, gb_postings *ps, struct model *d, int *is_correction)
{
	gb_shares t;
	size_t g[RANDOM_MEMBERS];
	int64_t x[GB_BOOKS_MEMBERS_MAX], amount = (int64_t)rng_below(rng_below(8) == 0 ? 1000000000 : 100000);
	uint64_t kind = rng_below(7);
	memset(d, 0, sizeof *d);
	gb_postings_init(ps);
	*is_correction = 0;
	random_table(&t, g, kind == 4);
	if (kind == 0 || kind == 1) {           /* premium written / endorsed */
		if (kind == 1 && rng_below(2))
			amount = -amount;
		CU_ASSERT_FATAL(gb_fen_split(amount, t.bps, t.count, t.lead, x) == 0);
		for (size_t i = 0; i < t.count; i++) {
			d->b[g[i]][GB_ACCOUNT_RECEIVABLE][0] += x[i];
			d->b[g[i]][GB_ACCOUNT_PREMIUM][0] -= x[i];
		}
		return kind == 0 ? gb_books_premium_written(ps, &t, amount, NULL)
			: gb_books_premium_endorsed(ps, &t, amount, NULL);
	}
	if (kind == 2) {
		int64_t bps = (int64_t)rng_below(2101);
		model_received(d, &t, g, amount, bps);
		return gb_books_premium_received(ps, &t, amount, bps, NULL);
	}
	if (kind == 3) {
		CU_ASSERT_FATAL(gb_fen_split(amount, t.bps, t.count, t.lead, x) == 0);
		model_lead_pays(d, g, t.count, t.lead, GB_ACCOUNT_CLAIMS, amount, x);
		return gb_books_claim_paid(ps, &t, amount, NULL);
	}
	if (kind == 4) {                        /* the fund: sometimes a fen too much */
		int64_t parts[RANDOM_MEMBERS], total = 0;
		for (size_t i = 0; i < RANDOM_MEMBERS; i++)
			total += parts[i] = -s->model.b[i][GB_ACCOUNT_FUND][0];
		uint64_t pick = rng_below(4);
		amount = pick == 0 ? total + 1 : pick == 1 ? total : (int64_t)rng_below((uint64_t)total + 1);
		int rc = gb_books_fund_withdrawal(ps, &s->st, &t, amount, NULL);
		if (amount > total) {
			s->refused_fund++;
			return refused_as(rc, GB_ESTATE);
		}
		if (amount > 0) {
			CU_ASSERT_FATAL(gb_fen_split(amount, parts, RANDOM_MEMBERS, t.lead, x) == 0);
			model_lead_pays(d, g, RANDOM_MEMBERS, t.lead, GB_ACCOUNT_FUND, amount, x);
		}
		return rc;
	}
	if (kind == 5) {                        /* settlement: sometimes a fen too much */
		size_t p = rng_below(RANDOM_MEMBERS), q = rng_below(RANDOM_MEMBERS);
		int64_t owed = p == q ? 0 : -s->model.b[p][GB_ACCOUNT_DUE_TO][q];
		/* A corrected receipt can leave a due_to above 0: nothing is owed then. */
		uint64_t pick = rng_below(4);
		amount = owed < 0 || pick == 0 ? (owed < 0 ? 0 : owed) + 1
			: pick == 1 ? owed : (int64_t)rng_below((uint64_t)owed + 1);
		int rc = gb_books_settlement(ps, &s->st, five[p], five[q], amount, NULL);
		if (p == q)
			return refused_as(rc, GB_EVALUE);
		if (amount > owed) {
			s->refused_settlement++;
			return refused_as(rc, GB_ESTATE);
		}
		d->b[p][GB_ACCOUNT_CASH][0] -= amount;
		d->b[p][GB_ACCOUNT_DUE_TO][q] += amount;
		d->b[q][GB_ACCOUNT_CASH][0] += amount;
		d->b[q][GB_ACCOUNT_DUE_FROM][p] -= amount;
		return rc;
	}
	if (s->ring_count == 0)
		return -1000;
	size_t k = rng_below(s->ring_count < RING ? s->ring_count : RING);
	memcpy(ps, &s->ring[k], sizeof *ps);
	gb_postings_negate(ps);
	model_add(d, &s->ring_delta[k], -1);
	*is_correction = 1;
	return 0;
}

/* Runs one event: apply what was built, compare with the model, check every invariant. */
static void random_step(struct sim *s, gb_postings *ps, int event)
{
	struct model d;
	int is_correction;
	int rc = random_event(s, ps, &d, &is_correction);
	if (rc == -1000) {                      /* refused as expected by the builder */
		s->refused_count++;
		return;
	}
	EXPECT(rc == 0, "event %d: builder returned %d", event, rc);
	EXPECT(set_balances(ps), "event %d: set does not balance", event);
	int want_ok = !is_correction || model_fund_ok(&s->model, &d, 1);
	struct snap before = snapshot(s->ms);
	gb_err err;
	rc = gb_postings_apply(ps, &s->st, &err);
	if (!want_ok) {
		EXPECT(rc == GB_EINVARIANT, "event %d: overdrawing correction gave %d", event, rc);
		EXPECT(unchanged(s->ms, before), "event %d: refused but changed", event);
		s->refused_count++;
		s->refused_correction++;
		return;
	}
	free(before.buf);
	EXPECT(rc == 0, "event %d: apply gave %d: %s", event, rc, err.msg);
	model_add(&s->model, &d, 1);
	model_compare(&s->st, &s->model, event);
	EXPECT(books_ok(s->ms), "event %d: an invariant or the zero total broke", event);
	memcpy(&s->ring[s->ring_count % RING], ps, sizeof *ps);
	s->ring_delta[s->ring_count % RING] = d;
	s->ring_count++;
	s->ok_count++;
}

static void test_random_events(void)
{
	mismatch_count = 0;
	rng_state = UINT64_C(0x600d5eed);
	struct sim *s = calloc(1, sizeof *s);
	CU_ASSERT_FATAL(s != NULL);
	s->ms = gb_memstate_new();
	s->st = gb_memstate_state(s->ms);
	s->ring = malloc(RING * sizeof *s->ring);
	gb_postings *ps = ps_new();
	CU_ASSERT_FATAL(s->ms != NULL && s->ring != NULL);
	for (int e = 0; e < RANDOM_EVENTS; e++)
		random_step(s, ps, e);
	CU_ASSERT_EQUAL(mismatch_count, 0);
	/* The run covered both outcomes, and every member's books balance. */
	CU_ASSERT(s->ok_count > RANDOM_EVENTS / 2);
	CU_ASSERT(s->refused_count > 100);
	CU_ASSERT(s->refused_fund > 10);
	CU_ASSERT(s->refused_settlement > 10);
	CU_ASSERT(s->refused_correction > 10);
	gb_shares t;
	size_t g[RANDOM_MEMBERS];
	random_table(&t, g, 1);
	CU_ASSERT(members_balance(&s->st, &t));
	CU_ASSERT(books_ok(s->ms));
	fprintf(stderr, "\n  random: %d applied, %d refused as expected (%d fund, %d settlement, %d correction)\n",
		s->ok_count, s->refused_count, s->refused_fund, s->refused_settlement, s->refused_correction);
	gb_memstate_free(s->ms);
	free(s->ring);
	free(s);
	free(ps);
}

/* A posted set is recorded, loads back line for line, and its negation undoes it. */
static void test_post_and_posted(void)
{
	gb_memstate *ms = gb_memstate_new();
	CU_ASSERT_FATAL(ms != NULL);
	gb_state st = gb_memstate_state(ms);
	gb_shares t;
	table3(&t, 5000, 3000, 2000, 0);
	static gb_postings ps, back;
	gb_postings_init(&ps);
	CU_ASSERT_EQUAL_FATAL(gb_books_premium_received(&ps, &t, 100001, 1500, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(gb_books_post(&ps, &st, 7, NULL), 0);
	CU_ASSERT_EQUAL(gb_books_posted(&back, &st, 6, NULL), GB_ENOTFOUND);
	CU_ASSERT_EQUAL_FATAL(gb_books_posted(&back, &st, 7, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(back.count, ps.count);
	for (size_t i = 0; i < ps.count; i++) {
		char a[GB_ACCOUNT_MAX + 1], b[GB_ACCOUNT_MAX + 1];
		gb_postings_account(&ps, i, a);
		gb_postings_account(&back, i, b);
		CU_ASSERT_STRING_EQUAL(a, b);
		CU_ASSERT_EQUAL(ps.line[i].amount_fen, back.line[i].amount_fen);
	}
	gb_postings_negate(&back);
	CU_ASSERT_EQUAL_FATAL(gb_books_post(&back, &st, 8, NULL), 0);
	int64_t cash = 1;
	CU_ASSERT_EQUAL(gb_books_balance(&st, t.id[0], GB_ACCOUNT_CASH, NULL, &cash, NULL), 0);
	CU_ASSERT_EQUAL(cash, 0);
	/* A damaged record is named, not used. */
	CU_ASSERT_EQUAL(gb_state_put(&st, "post/9", "\x91\x01", 2), 0);
	CU_ASSERT_EQUAL(gb_books_posted(&back, &st, 9, NULL), GB_ECORRUPT);
	gb_memstate_free(ms);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "post and posted", test_post_and_posted);
	CU_add_test(s, "account names: build, limits, errors", test_account_names);
	CU_add_test(s, "account names: parse", test_account_parse);
	CU_add_test(s, "share table: the books' check and its messages", test_shares_check);
	CU_add_test(s, "posting set: merge, drop zero, overflow, negate", test_postings_merge);
	CU_add_test(s, "posting set: capacity", test_postings_capacity);
	CU_add_test(s, "premium written and endorsed, each lead", test_premium_written);
	CU_add_test(s, "premium received: known lines and set-aside", test_premium_received_known);
	CU_add_test(s, "premium received: each lead", test_premium_received_each_lead);
	CU_add_test(s, "claim paid: each lead", test_claim_paid);
	CU_add_test(s, "fund: receipts, withdrawals to zero, one fen more", test_fund);
	CU_add_test(s, "settlement: exact lines, overpay refused", test_settlement);
	CU_add_test(s, "apply: overflow refused, state unchanged", test_apply_overflow);
	CU_add_test(s, "apply: unbalanced and forged sets refused", test_apply_unbalanced);
	CU_add_test(s, "apply: state read and write failures", test_apply_state_failures);
	CU_add_test(s, "correction: negated sets restore balances", test_correction);
	CU_add_test(s, "64 members: the largest table's sets", test_largest_table);
	CU_add_test(s, "10^4 random events against a model", test_random_events);
}

GB_CUNIT_MAIN("books", add_tests)
