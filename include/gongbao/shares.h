/*
 * gongbao/shares.h: a share table: which members carry what part of every
 * policy, and which of them leads (spec/TRANSACTIONS.md sections 1 and 6).
 *
 * Encoded as {"lead": id, "members": [{"bps": int, "id": id}, ...]} with the
 * members in ascending id order and the bps summing to exactly 10,000.
 */
#ifndef GONGBAO_SHARES_H
#define GONGBAO_SHARES_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/codec.h"
#include "gongbao/entry.h"
#include "gongbao/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most members in one share table. */
#define GB_SHARES_MAX 64

typedef struct gb_shares {
	size_t count;
	size_t lead;                          /* index into id[] */
	char id[GB_SHARES_MAX][GB_ID_MAX + 1];  /* ascending */
	int64_t bps[GB_SHARES_MAX];           /* each 1..10,000, summing to 10,000 */
} gb_shares;

/*
 * Parses a share table from the canonical map at [p, p+len). Checks: ids
 * valid, strictly ascending (so unique), each bps 1..10,000, the sum exactly
 * 10,000, the lead among the members. Returns 0 or GB_EFIELD/GB_EVALUE
 * naming the member and values ("shares sum to 9,990 bps, want 10,000").
 */
int gb_shares_parse(gb_shares *s, const uint8_t *p, size_t len, gb_err *err);

/* Writes the table in its canonical encoding. */
void gb_shares_encode(const gb_shares *s, gb_mpw *w);

/* Index of member `id` in the table, or -1. */
int gb_shares_find(const gb_shares *s, gb_str id);

#ifdef __cplusplus
}
#endif
#endif
