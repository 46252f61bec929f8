/*
 * tests/test_money.c: fen arithmetic, apply_bps and exact splits
 * (gongbao/money.h, spec/TRANSACTIONS.md section 1): the edges, known
 * answers worked by hand, every error, and 10^5 random splits checked
 * against the properties the spec promises and against a second, naive
 * implementation of the rounding rule (sort by fractional part).
 */
#include "cu.h"
#include "gongbao/error.h"
#include "gongbao/money.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128;

#define RANDOM_SPLIT_CASES 100000
#define SENTINEL INT64_C(0x5a5a5a5a5a5a5a5a)

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

/* xorshift64*: a fixed, seeded generator so failures reproduce. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* Uniform in [0, bound) (bound > 0; the bias is irrelevant here). */
static uint64_t rng_below(uint64_t bound)
{
	return rng_next() % bound;
}

/* ------------------------------------------------------------ add and sub */

static void test_add_edges(void)
{
	int64_t out = SENTINEL;
	CU_ASSERT_EQUAL(gb_fen_add(GB_FEN_MAX, 0, &out), 0);
	CU_ASSERT_EQUAL(out, GB_FEN_MAX);
	CU_ASSERT_EQUAL(gb_fen_add(GB_FEN_MAX, -GB_FEN_MAX, &out), 0);
	CU_ASSERT_EQUAL(out, 0);
	CU_ASSERT_EQUAL(gb_fen_add(-GB_FEN_MAX + 1, -1, &out), 0);
	CU_ASSERT_EQUAL(out, -GB_FEN_MAX);
	CU_ASSERT_EQUAL(gb_fen_add(GB_FEN_MAX - 1, 1, &out), 0);
	CU_ASSERT_EQUAL(out, GB_FEN_MAX);
	CU_ASSERT_EQUAL(gb_fen_add(-7, 3, &out), 0);
	CU_ASSERT_EQUAL(out, -4);

	out = SENTINEL;
	CU_ASSERT_EQUAL(gb_fen_add(GB_FEN_MAX, 1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_add(1, GB_FEN_MAX, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_add(-GB_FEN_MAX, -1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_add(GB_FEN_MAX, GB_FEN_MAX, &out), GB_EOVERFLOW);
	/* An operand out of range is refused even when the sum would fit. */
	CU_ASSERT_EQUAL(gb_fen_add(GB_FEN_MAX + 1, -1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_add(-1, -GB_FEN_MAX - 1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_add(INT64_MAX, INT64_MIN, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_add(INT64_MAX, INT64_MAX, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_add(INT64_MIN, -1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(out, SENTINEL);
}

static void test_sub_edges(void)
{
	int64_t out = SENTINEL;
	CU_ASSERT_EQUAL(gb_fen_sub(0, GB_FEN_MAX, &out), 0);
	CU_ASSERT_EQUAL(out, -GB_FEN_MAX);
	CU_ASSERT_EQUAL(gb_fen_sub(GB_FEN_MAX, GB_FEN_MAX, &out), 0);
	CU_ASSERT_EQUAL(out, 0);
	CU_ASSERT_EQUAL(gb_fen_sub(-GB_FEN_MAX + 1, 1, &out), 0);
	CU_ASSERT_EQUAL(out, -GB_FEN_MAX);
	CU_ASSERT_EQUAL(gb_fen_sub(5, 9, &out), 0);
	CU_ASSERT_EQUAL(out, -4);

	out = SENTINEL;
	CU_ASSERT_EQUAL(gb_fen_sub(-GB_FEN_MAX, 1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_sub(GB_FEN_MAX, -1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_sub(GB_FEN_MAX, -GB_FEN_MAX, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_sub(-GB_FEN_MAX, GB_FEN_MAX, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_sub(GB_FEN_MAX + 1, 1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_sub(0, -GB_FEN_MAX - 1, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_sub(0, INT64_MIN, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_sub(INT64_MIN, INT64_MAX, &out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(out, SENTINEL);
}

/* ------------------------------------------------------------- apply_bps */

struct bps_case {
	int64_t a, bps, want;
};

static void test_apply_bps_known(void)
{
	static const struct bps_case cases[] = {
		{ 1, 5000, 1 },         /* 0.5 rounds up */
		{ 1, 4999, 0 },         /* 0.4999 rounds down */
		{ 3, 5000, 2 },         /* 1.5 -> 2 */
		{ 5, 5000, 3 },         /* 2.5 -> 3: half up, not to even */
		{ -1, 5000, -1 },       /* negative: symmetric, half away from zero */
		{ -3, 5000, -2 },
		{ -1, 4999, 0 },
		{ 12345, 1500, 1852 },  /* 1851.75 */
		{ 12345, 2100, 2592 },  /* 2592.45 */
		{ -12345, 2100, -2592 },
		{ 10000, 1, 1 },
		{ 4999, 1, 0 },         /* 0.4999 */
		{ 5000, 1, 1 },         /* 0.5 */
		{ 0, 10000, 0 },
		{ 0, 0, 0 },
		{ 987654321, 0, 0 },
		{ -987654321, 0, 0 },
		{ 987654321, 10000, 987654321 },
		{ -987654321, 10000, -987654321 },
		{ GB_FEN_MAX, 10000, GB_FEN_MAX },
		{ -GB_FEN_MAX, 10000, -GB_FEN_MAX },
		{ GB_FEN_MAX, 9999, INT64_C(999900000000000) },
		{ GB_FEN_MAX, 1, INT64_C(100000000000) },
		{ GB_FEN_MAX - 1, 5000, INT64_C(500000000000000) },  /* 499999999999999.5 */
		{ -(GB_FEN_MAX - 1), 5000, -INT64_C(500000000000000) },
		{ GB_FEN_MAX - 1, 1, INT64_C(100000000000) },        /* 99999999999.9999 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t out = SENTINEL;
		int rc = gb_fen_apply_bps(cases[i].a, cases[i].bps, &out);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(out, cases[i].want);
		if (rc != 0 || out != cases[i].want)
			fprintf(stderr, "\napply_bps(%lld, %lld) = %lld, want %lld\n",
				(long long)cases[i].a, (long long)cases[i].bps,
				(long long)out, (long long)cases[i].want);
	}
}

static void test_apply_bps_errors(void)
{
	int64_t out = SENTINEL;
	CU_ASSERT_EQUAL(gb_fen_apply_bps(100, -1, &out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_apply_bps(100, 10001, &out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_apply_bps(100, INT64_MIN, &out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_apply_bps(GB_FEN_MAX + 1, 1, &out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_apply_bps(-GB_FEN_MAX - 1, 1, &out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_apply_bps(INT64_MIN, 0, &out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_apply_bps(INT64_MAX, 10000, &out), GB_EVALUE);
	CU_ASSERT_EQUAL(out, SENTINEL);
}

/* Random rates against round(a x bps / 10,000) computed as 2a x bps / 20,000. */
static void test_apply_bps_random(void)
{
	mismatch_count = 0;
	for (int k = 0; k < 100000; k++) {
		int64_t a = (int64_t)rng_below((uint64_t)GB_FEN_MAX + 1);
		if (k % 3 == 0)
			a = (int64_t)rng_below(100000);
		if (k % 2 == 1)
			a = -a;
		int64_t bps = (int64_t)rng_below(GB_BPS_WHOLE + 1);
		i128 mag = a < 0 ? -(i128)a : (i128)a;
		i128 num = 2 * mag * bps + GB_BPS_WHOLE;
		int64_t want = (int64_t)(num / (2 * GB_BPS_WHOLE));
		if (a < 0)
			want = -want;
		int64_t out = SENTINEL;
		int rc = gb_fen_apply_bps(a, bps, &out);
		EXPECT(rc == 0 && out == want, "apply_bps(%lld, %lld) = %d/%lld, want %lld",
			(long long)a, (long long)bps, rc, (long long)out, (long long)want);
	}
	CU_ASSERT_EQUAL(mismatch_count, 0);
}

/* ---------------------------------------------------------------- split */

/* Splits and compares with want[0..n); prints the case on a mismatch. */
static void expect_split(int64_t a, const int64_t *w, size_t n, size_t lead, const int64_t *want)
{
	int64_t out[GB_SPLIT_MAX];
	int rc = gb_fen_split(a, w, n, lead, out);
	CU_ASSERT_EQUAL(rc, 0);
	int same = rc == 0 && memcmp(out, want, n * sizeof out[0]) == 0;
	CU_ASSERT(same);
	if (same)
		return;
	fprintf(stderr, "\nsplit(%lld, lead %zu):", (long long)a, lead);
	for (size_t i = 0; i < n && rc == 0; i++)
		fprintf(stderr, " %lld/%lld", (long long)out[i], (long long)want[i]);
	fprintf(stderr, "\n");
}

/* 100 over 3333/3333/3334: fractions 3300, 3300, 3400; the largest wins whoever leads. */
static void test_split_100_thirds(void)
{
	const int64_t w[3] = { 3333, 3333, 3334 };
	const int64_t want[3] = { 33, 33, 34 };
	for (size_t lead = 0; lead < 3; lead++)
		expect_split(100, w, 3, lead, want);
	const int64_t w2[3] = { 3334, 3333, 3333 };
	const int64_t want2[3] = { 34, 33, 33 };
	for (size_t lead = 0; lead < 3; lead++)
		expect_split(100, w2, 3, lead, want2);
}

/* 101 over 3333/3333/3334: fractions 6633, 6633, 6734 and two fen to hand out. */
static void test_split_101_thirds(void)
{
	const int64_t w[3] = { 3333, 3333, 3334 };
	const int64_t want_lead0[3] = { 34, 33, 34 };
	const int64_t want_lead1[3] = { 33, 34, 34 };
	const int64_t want_lead2[3] = { 34, 33, 34 };
	expect_split(101, w, 3, 0, want_lead0);
	expect_split(101, w, 3, 1, want_lead1);
	expect_split(101, w, 3, 2, want_lead2);
	const int64_t neg_lead1[3] = { -33, -34, -34 };
	expect_split(-101, w, 3, 1, neg_lead1);
}

/* Equal weights: every fraction ties, so the lead first, then ascending ids. */
static void test_split_ties(void)
{
	const int64_t w[5] = { 2000, 2000, 2000, 2000, 2000 };
	for (size_t lead = 0; lead < 5; lead++) {
		int64_t want[5] = { 0, 0, 0, 0, 0 };
		want[lead] = 1;
		expect_split(1, w, 5, lead, want);
		want[lead] = -1;
		expect_split(-1, w, 5, lead, want);
	}
	const int64_t want2_lead3[5] = { 1, 0, 0, 1, 0 };
	expect_split(2, w, 5, 3, want2_lead3);
	const int64_t want2_lead0[5] = { 1, 1, 0, 0, 0 };
	expect_split(2, w, 5, 0, want2_lead0);
	const int64_t want4_lead2[5] = { 1, 1, 1, 1, 0 };
	expect_split(4, w, 5, 2, want4_lead2);
	const int64_t want4_lead4[5] = { 1, 1, 1, 0, 1 };
	expect_split(4, w, 5, 4, want4_lead4);
	const int64_t want7_lead4[5] = { 2, 1, 1, 1, 2 };
	expect_split(7, w, 5, 4, want7_lead4);
	/* 1 fen over 5 unequal members: the largest fraction, not the lead. */
	const int64_t w3[5] = { 1000, 2000, 4000, 2000, 1000 };
	const int64_t want_big[5] = { 0, 0, 1, 0, 0 };
	expect_split(1, w3, 5, 0, want_big);
	/* Ties between non-leads go to the lower index. */
	const int64_t want3[5] = { 0, 1, 1, 1, 0 };
	expect_split(3, w3, 5, 0, want3);
}

static void test_split_zero_and_zero_weights(void)
{
	const int64_t w[3] = { 3333, 3333, 3334 };
	const int64_t zeros[3] = { 0, 0, 0 };
	expect_split(0, w, 3, 1, zeros);
	/* The lead has weight 0: it gets nothing, the tie goes to the lower id. */
	const int64_t wz[3] = { 0, 5000, 5000 };
	const int64_t want[3] = { 0, 1, 0 };
	expect_split(1, wz, 3, 0, want);
	const int64_t want_lead2[3] = { 0, 0, 1 };
	expect_split(1, wz, 3, 2, want_lead2);
	const int64_t want_neg[3] = { 0, -2, -1 };
	expect_split(-3, wz, 3, 1, want_neg);
	/* A single member gets everything. */
	const int64_t one[1] = { 1 };
	const int64_t all[1] = { GB_FEN_MAX };
	expect_split(GB_FEN_MAX, one, 1, 0, all);
}

static void test_split_extremes(void)
{
	const int64_t w[3] = { 1, 1, 1 };
	const int64_t want[3] = { 333333333333333, 333333333333334, 333333333333333 };
	expect_split(GB_FEN_MAX, w, 3, 1, want);
	const int64_t neg[3] = { -333333333333334, -333333333333333, -333333333333333 };
	expect_split(-GB_FEN_MAX, w, 3, 0, neg);
	/* Weights that sum to GB_FEN_MAX: products near 10^30. */
	const int64_t big[2] = { GB_FEN_MAX - 1, 1 };
	const int64_t want_big[2] = { GB_FEN_MAX - 1, 1 };
	expect_split(GB_FEN_MAX, big, 2, 0, want_big);
	const int64_t want_small[2] = { 999, 0 };  /* 999 x (1 - 10^-15): fraction near 1 */
	expect_split(999, big, 2, 1, want_small);
	/* GB_SPLIT_MAX members, one fen each and the rest to the lead first. */
	int64_t w256[GB_SPLIT_MAX], want256[GB_SPLIT_MAX];
	for (size_t i = 0; i < GB_SPLIT_MAX; i++) {
		w256[i] = 1;
		want256[i] = i < 3 || i == 200 ? 2 : 1;
	}
	expect_split(GB_SPLIT_MAX + 4, w256, GB_SPLIT_MAX, 200, want256);
}

static void test_split_errors(void)
{
	const int64_t w[3] = { 3333, 3333, 3334 };
	int64_t out[GB_SPLIT_MAX + 1];
	for (size_t i = 0; i < GB_SPLIT_MAX + 1; i++)
		out[i] = SENTINEL;
	const int64_t zero[3] = { 0, 0, 0 };
	CU_ASSERT_EQUAL(gb_fen_split(100, zero, 3, 0, out), GB_EVALUE);
	const int64_t neg[3] = { 5000, -1, 5001 };
	CU_ASSERT_EQUAL(gb_fen_split(100, neg, 3, 0, out), GB_EVALUE);
	const int64_t min[2] = { INT64_MIN, 1 };
	CU_ASSERT_EQUAL(gb_fen_split(100, min, 2, 0, out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_split(100, w, 0, 0, out), GB_EVALUE);
	int64_t many[GB_SPLIT_MAX + 1];
	for (size_t i = 0; i < GB_SPLIT_MAX + 1; i++)
		many[i] = 1;
	CU_ASSERT_EQUAL(gb_fen_split(100, many, GB_SPLIT_MAX + 1, 0, out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_split(100, many, GB_SPLIT_MAX, 0, out), 0);
	for (size_t i = 0; i < GB_SPLIT_MAX + 1; i++)
		out[i] = SENTINEL;
	CU_ASSERT_EQUAL(gb_fen_split(100, w, 3, 3, out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_split(100, w, 3, SIZE_MAX, out), GB_EVALUE);
	CU_ASSERT_EQUAL(gb_fen_split(GB_FEN_MAX + 1, w, 3, 0, out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_split(-GB_FEN_MAX - 1, w, 3, 0, out), GB_EOVERFLOW);
	CU_ASSERT_EQUAL(gb_fen_split(INT64_MIN, w, 3, 0, out), GB_EOVERFLOW);
	/* Weights summing past GB_FEN_MAX, and past INT64_MAX. */
	const int64_t heavy[2] = { GB_FEN_MAX, 1 };
	CU_ASSERT_EQUAL(gb_fen_split(100, heavy, 2, 0, out), GB_EVALUE);
	const int64_t huge[2] = { INT64_MAX, INT64_MAX };
	CU_ASSERT_EQUAL(gb_fen_split(100, huge, 2, 0, out), GB_EVALUE);
	/* Bad weights are GB_EVALUE even when the amount is too large as well. */
	CU_ASSERT_EQUAL(gb_fen_split(INT64_MAX, zero, 3, 0, out), GB_EVALUE);
	int untouched = 1;
	for (size_t i = 0; i < GB_SPLIT_MAX + 1; i++)
		untouched &= out[i] == SENTINEL;
	CU_ASSERT(untouched);
}

/* ------------------------------------------------- random split properties */

struct ref_item {
	i128 frac;
	size_t index;
	int is_lead;
};

static int ref_cmp(const void *pa, const void *pb)
{
	const struct ref_item *x = pa, *y = pb;
	if (x->frac != y->frac)
		return x->frac > y->frac ? -1 : 1;
	if (x->is_lead != y->is_lead)
		return x->is_lead ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The rule written the obvious way: sort by fraction, lead, index; top r get a fen. */
static void ref_split(int64_t a, const int64_t *w, size_t n, size_t lead, int64_t *out)
{
	i128 mag = a < 0 ? -(i128)a : a, total = 0, given = 0;
	struct ref_item items[GB_SPLIT_MAX];
	for (size_t i = 0; i < n; i++)
		total += w[i];
	for (size_t i = 0; i < n; i++) {
		out[i] = (int64_t)(mag * w[i] / total);
		given += out[i];
		items[i] = (struct ref_item){ mag * w[i] % total, i, i == lead };
	}
	qsort(items, n, sizeof items[0], ref_cmp);
	for (i128 k = 0; k < mag - given; k++)
		out[items[k].index]++;
	for (size_t i = 0; a < 0 && i < n; i++)
		out[i] = -out[i];
}

/* Random weights of one of several shapes: bps tables, ties, zeros, huge. */
static size_t random_weights(int64_t *w, size_t *lead)
{
	size_t n = rng_below(10) == 0 ? 1 + rng_below(GB_SPLIT_MAX) : 1 + rng_below(8);
	uint64_t shape = rng_below(5);
	int64_t left = GB_BPS_WHOLE;
	for (size_t i = 0; i < n; i++) {
		if (shape == 0) {               /* a bps table summing to 10,000 */
			w[i] = i + 1 == n ? left : (int64_t)rng_below((uint64_t)left + 1);
			left -= w[i];
		} else if (shape == 1) {        /* equal weights: all ties */
			w[i] = 7;
		} else if (shape == 2) {        /* few distinct values, many zeros */
			w[i] = (int64_t)rng_below(3);
		} else if (shape == 3) {        /* large weights up to 10^15 / 256 */
			w[i] = (int64_t)rng_below((uint64_t)GB_FEN_MAX / GB_SPLIT_MAX);
		} else {
			w[i] = (int64_t)rng_below(10000);
		}
	}
	w[rng_below(n)] += 1;                   /* sum > 0 */
	*lead = rng_below(n);
	return n;
}

static int64_t random_amount(void)
{
	uint64_t shape = rng_below(4);
	int64_t a = shape == 0 ? (int64_t)rng_below((uint64_t)GB_FEN_MAX + 1)
		: shape == 1 ? (int64_t)rng_below(20) : (int64_t)rng_below(1000000);
	return rng_below(4) == 0 ? -a : a;
}

/*
 * The properties of one split: sum, within a fen of the exact share, zero
 * weight gets zero, ties to the lead then ascending (pairwise, small n).
 */
static void check_split_properties(int64_t a, const int64_t *w, size_t n, size_t lead,
	const int64_t *out)
{
	i128 total = 0, sum = 0;
	for (size_t i = 0; i < n; i++) {
		total += w[i];
		sum += out[i];
	}
	EXPECT(sum == a, "parts sum to %lld, want %lld", (long long)sum, (long long)a);
	for (size_t i = 0; i < n; i++) {
		i128 diff = (i128)out[i] * total - (i128)a * w[i];   /* (part - exact) x T */
		EXPECT(diff < total && -diff < total, "part %zu more than a fen off", i);
		EXPECT(w[i] != 0 || out[i] == 0, "weight 0 got %lld", (long long)out[i]);
	}
	if (n > 16)
		return;
	i128 mag = a < 0 ? -(i128)a : a;
	for (size_t i = 0; i < n; i++) {
		i128 fi = mag * w[i] % total, bi = mag * w[i] / total;
		int got_i = (a < 0 ? -out[i] : out[i]) > bi;
		for (size_t j = 0; j < n && got_i; j++) {
			i128 fj = mag * w[j] % total, bj = mag * w[j] / total;
			int got_j = (a < 0 ? -out[j] : out[j]) > bj;
			if (got_j || w[j] == 0)
				continue;
			int ok = fi > fj || (fi == fj && (i == lead || (j != lead && i < j)));
			EXPECT(ok, "member %zu got the fen over %zu (lead %zu)", i, j, lead);
		}
	}
}

static void test_split_random(void)
{
	mismatch_count = 0;
	rng_state = UINT64_C(20240601);
	int64_t w[GB_SPLIT_MAX], out[GB_SPLIT_MAX], again[GB_SPLIT_MAX], ref[GB_SPLIT_MAX];
	for (int k = 0; k < RANDOM_SPLIT_CASES; k++) {
		size_t lead;
		size_t n = random_weights(w, &lead);
		int64_t a = random_amount();
		int rc = gb_fen_split(a, w, n, lead, out);
		EXPECT(rc == 0, "case %d: split returned %d", k, rc);
		if (rc != 0)
			continue;
		check_split_properties(a, w, n, lead, out);
		ref_split(a, w, n, lead, ref);
		EXPECT(memcmp(out, ref, n * sizeof out[0]) == 0, "case %d: differs from the reference", k);
		/* Same inputs, a dirty output buffer: same result. */
		for (size_t i = 0; i < n; i++)
			again[i] = (int64_t)rng_next();
		rc = gb_fen_split(a, w, n, lead, again);
		EXPECT(rc == 0 && memcmp(out, again, n * sizeof out[0]) == 0, "case %d: not repeatable", k);
		/* split(-a) = -split(a), member by member. */
		rc = gb_fen_split(-a, w, n, lead, again);
		for (size_t i = 0; i < n && rc == 0; i++)
			EXPECT(again[i] == -out[i], "case %d: split(-a) not symmetric at %zu", k, i);
	}
	CU_ASSERT_EQUAL(mismatch_count, 0);
}

static void test_format(void)
{
	static const struct { int64_t fen; const char *plain, *cny; } cases[] = {
		{ 0, "0", "0.00" }, { 5, "5", "0.05" }, { -5, "-5", "-0.05" }, { 100, "100", "1.00" },
		{ 999, "999", "9.99" }, { 1000, "1,000", "10.00" }, { 123456, "123,456", "1,234.56" },
		{ -123456789, "-123,456,789", "-1,234,567.89" },
		{ GB_FEN_MAX, "1,000,000,000,000,000", "10,000,000,000,000.00" },
		{ INT64_MIN, "-9,223,372,036,854,775,808", "-92,233,720,368,547,758.08" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char a[GB_FEN_TEXT_MAX], b[GB_FEN_TEXT_MAX];
		CU_ASSERT_STRING_EQUAL(gb_fen_format(a, cases[i].fen), cases[i].plain);
		CU_ASSERT_STRING_EQUAL(gb_fen_format_cny(b, cases[i].fen), cases[i].cny);
	}
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "format", test_format);
	CU_add_test(s, "add: range edges and overflow", test_add_edges);
	CU_add_test(s, "sub: range edges and overflow", test_sub_edges);
	CU_add_test(s, "apply_bps: known answers, half up, symmetric", test_apply_bps_known);
	CU_add_test(s, "apply_bps: errors", test_apply_bps_errors);
	CU_add_test(s, "apply_bps: 10^5 random against 128-bit", test_apply_bps_random);
	CU_add_test(s, "split: 100 over 3333/3333/3334, each lead", test_split_100_thirds);
	CU_add_test(s, "split: 101 over thirds, two remainder fen", test_split_101_thirds);
	CU_add_test(s, "split: ties go to the lead, then ascending", test_split_ties);
	CU_add_test(s, "split: zero amount and zero weights", test_split_zero_and_zero_weights);
	CU_add_test(s, "split: GB_FEN_MAX, huge weights, 256 members", test_split_extremes);
	CU_add_test(s, "split: errors, output untouched", test_split_errors);
	CU_add_test(s, "split: 10^5 random cases, properties and reference", test_split_random);
}

GB_CUNIT_MAIN("money", add_tests)
