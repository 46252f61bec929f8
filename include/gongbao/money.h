/*
 * gongbao/money.h: amounts in fen, rates in basis points, exact splits.
 *
 * The rules are spec/TRANSACTIONS.md section 1. Every function that can
 * overflow checks and says so; nothing here allocates.
 */
#ifndef GONGBAO_MONEY_H
#define GONGBAO_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest amount an entry may carry and a balance may reach: 10^15 fen. */
#define GB_FEN_MAX INT64_C(1000000000000000)
/* Basis points in a whole. */
#define GB_BPS_WHOLE 10000
/* Most parts one split makes (members of a consortium). */
#define GB_SPLIT_MAX 256

/* *out = a + b, within +-GB_FEN_MAX. Returns 0 or GB_EOVERFLOW. */
int gb_fen_add(int64_t a, int64_t b, int64_t *out) __attribute__((warn_unused_result));

/* *out = a - b, within +-GB_FEN_MAX. Returns 0 or GB_EOVERFLOW. */
int gb_fen_sub(int64_t a, int64_t b, int64_t *out) __attribute__((warn_unused_result));

/*
 * *out = apply_bps(a, bps): a x bps / 10,000 rounded half up (half away
 * from zero for negative a). Requires |a| <= GB_FEN_MAX, 0 <= bps <= 10,000
 * (GB_EVALUE otherwise). Returns 0 or a code.
 */
int gb_fen_apply_bps(int64_t a, int64_t bps, int64_t *out) __attribute__((warn_unused_result));

/*
 * Splits `a` (|a| <= GB_FEN_MAX) among `n` (1..GB_SPLIT_MAX) members with
 * weights w[0..n) (each >= 0, sum > 0 and <= GB_FEN_MAX), the members being
 * listed in ascending id order and `lead` (< n) the lead. out[i] gets member
 * i's part; the parts add up to `a` exactly. Largest remainder, ties to the
 * lead, then ascending order (spec/TRANSACTIONS.md section 1).
 * Returns 0, or GB_EVALUE for bad weights or GB_EOVERFLOW for a too large a.
 */
int gb_fen_split(int64_t a, const int64_t *w, size_t n, size_t lead, int64_t *out)
	__attribute__((warn_unused_result));

/* Room for a formatted amount, NUL included. */
#define GB_FEN_TEXT_MAX 40

/* Formats fen with thousands separators ("-1,234,567") into buf; returns buf. */
const char *gb_fen_format(char buf[GB_FEN_TEXT_MAX], int64_t fen);

/* Formats fen as CNY with separators and two decimals ("-12,345.67"), exactly; returns buf. */
const char *gb_fen_format_cny(char buf[GB_FEN_TEXT_MAX], int64_t fen);

/* An amount in fen for a message; the buffer lives to the end of the enclosing block. */
#define GB_FEN(v) gb_fen_format((char[GB_FEN_TEXT_MAX]){ 0 }, (v))

#ifdef __cplusplus
}
#endif
#endif
