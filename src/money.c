/*
 * money.c: amounts in fen, rates in basis points, exact splits
 * (gongbao/money.h, spec/TRANSACTIONS.md section 1).
 *
 * Products of an amount and a weight reach 10^30, so splits compute them in
 * 128-bit unsigned arithmetic; a rate product stays under 1.1 x 10^19 and fits
 * in 64-bit unsigned. Nothing here allocates, and no function writes its
 * output on failure.
 */
#include "gongbao/money.h"

#include <assert.h>

__extension__ typedef unsigned __int128 u128;

/* The largest rate product, GB_FEN_MAX x 10,000 + 5,000, fits in uint64. */
_Static_assert((uint64_t)GB_FEN_MAX <= (UINT64_MAX - GB_BPS_WHOLE / 2) / GB_BPS_WHOLE,
	"apply_bps needs GB_FEN_MAX x GB_BPS_WHOLE + 5,000 to fit in uint64");

/* 1 if |v| <= GB_FEN_MAX. */
static int fen_in_range(int64_t v)
{
	return v >= -GB_FEN_MAX && v <= GB_FEN_MAX;
}

/* |v| for a v within +-GB_FEN_MAX. */
static uint64_t fen_magnitude(int64_t v)
{
	assert(fen_in_range(v));
	return v < 0 ? (uint64_t)-v : (uint64_t)v;
}

/* Operands and result must all lie within +-GB_FEN_MAX. */
int gb_fen_add(int64_t a, int64_t b, int64_t *out)
{
	assert(out != NULL);
	int64_t sum;
	if (!fen_in_range(a) || !fen_in_range(b))
		return GB_EOVERFLOW;
	if (__builtin_add_overflow(a, b, &sum) || !fen_in_range(sum))
		return GB_EOVERFLOW;
	*out = sum;
	return 0;
}

/* Operands and result must all lie within +-GB_FEN_MAX. */
int gb_fen_sub(int64_t a, int64_t b, int64_t *out)
{
	assert(out != NULL);
	int64_t diff;
	if (!fen_in_range(a) || !fen_in_range(b))
		return GB_EOVERFLOW;
	if (__builtin_sub_overflow(a, b, &diff) || !fen_in_range(diff))
		return GB_EOVERFLOW;
	*out = diff;
	return 0;
}

/* floor((|a| x bps + 5,000) / 10,000), with a's sign. */
int gb_fen_apply_bps(int64_t a, int64_t bps, int64_t *out)
{
	assert(out != NULL);
	if (!fen_in_range(a) || bps < 0 || bps > GB_BPS_WHOLE)
		return GB_EVALUE;
	uint64_t mag = fen_magnitude(a);
	uint64_t q = (mag * (uint64_t)bps + GB_BPS_WHOLE / 2) / GB_BPS_WHOLE;
	assert(q <= mag);
	*out = a < 0 ? -(int64_t)q : (int64_t)q;
	return 0;
}

/*
 * Checks the split arguments in the order the spec lists them and sets
 * *total to the sum of the weights. Returns 0, GB_EVALUE or GB_EOVERFLOW.
 */
static int split_check(int64_t a, const int64_t *w, size_t n, size_t lead, int64_t *total)
{
	assert(w != NULL);
	assert(total != NULL);
	if (n == 0 || n > GB_SPLIT_MAX || lead >= n)
		return GB_EVALUE;
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < 0 || w[i] > GB_FEN_MAX - sum)
			return GB_EVALUE;
		sum += w[i];
	}
	if (sum == 0)
		return GB_EVALUE;
	if (!fen_in_range(a))
		return GB_EOVERFLOW;
	*total = sum;
	return 0;
}

/*
 * The member that gets the next remainder fen: the largest fractional part
 * among those not yet served (frac > 0), the lead first among equals, then
 * the lowest index (the scan is ascending, so only the lead can displace an
 * equal earlier candidate). Returns n if no fractional part is left.
 */
static size_t split_next(const int64_t *frac, size_t n, size_t lead)
{
	assert(frac != NULL);
	assert(lead < n);
	size_t best = n;
	for (size_t i = 0; i < n; i++) {
		if (frac[i] <= 0)
			continue;
		if (best == n || frac[i] > frac[best] || (frac[i] == frac[best] && i == lead))
			best = i;
	}
	return best;
}

/*
 * Largest remainder (spec/TRANSACTIONS.md section 1). The remainder r is
 * sum(frac) / T, and every frac < T, so more than r members have frac > 0:
 * the remainder never reaches a member of weight 0.
 */
int gb_fen_split(int64_t a, const int64_t *w, size_t n, size_t lead, int64_t *out)
{
	assert(w != NULL);
	assert(out != NULL);
	int64_t total;
	int rc = split_check(a, w, n, lead, &total);
	if (rc != 0)
		return rc;
	uint64_t mag = fen_magnitude(a);
	int64_t part[GB_SPLIT_MAX], frac[GB_SPLIT_MAX];
	uint64_t given = 0;
	for (size_t i = 0; i < n; i++) {
		u128 prod = (u128)mag * (u128)(uint64_t)w[i];
		part[i] = (int64_t)(prod / (u128)(uint64_t)total);
		frac[i] = (int64_t)(prod % (u128)(uint64_t)total);
		given += (uint64_t)part[i];
	}
	assert(given <= mag);
	uint64_t remainder = mag - given;
	assert(remainder < n);
	for (uint64_t k = 0; k < remainder; k++) {
		size_t i = split_next(frac, n, lead);
		assert(i < n);
		assert(w[i] > 0);
		part[i]++;
		frac[i] = -1;
	}
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		out[i] = a < 0 ? -part[i] : part[i];
		sum += out[i];
	}
	assert(sum == a);
	return 0;
}

/* Writes the decimal digits of u with a ',' every three from the right; returns the length. */
static size_t group_digits(char *out, uint64_t u)
{
	char digits[24];
	size_t n = 0, o = 0;
	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0 && n < sizeof digits);
	for (size_t i = n; i-- > 0;) {
		out[o++] = digits[i];
		if (i > 0 && i % 3 == 0)
			out[o++] = ',';
	}
	return o;
}

const char *gb_fen_format(char buf[GB_FEN_TEXT_MAX], int64_t fen)
{
	uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	size_t o = 0;
	if (fen < 0)
		buf[o++] = '-';
	o += group_digits(buf + o, mag);
	assert(o < GB_FEN_TEXT_MAX);
	buf[o] = '\0';
	return buf;
}

const char *gb_fen_format_cny(char buf[GB_FEN_TEXT_MAX], int64_t fen)
{
	uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	size_t o = 0;
	if (fen < 0)
		buf[o++] = '-';
	o += group_digits(buf + o, mag / 100);
	assert(o + 4 <= GB_FEN_TEXT_MAX);
	buf[o++] = '.';
	buf[o++] = (char)('0' + mag % 100 / 10);
	buf[o++] = (char)('0' + mag % 10);
	buf[o] = '\0';
	return buf;
}
