/*
 * gongbao/claim.h: claims as the state holds them (spec/TRANSACTIONS.md
 * section 6, "claim/<claim_id>"), for the tools and `gongbao show claim`.
 *
 * The claims family (src/rules_claims.c) writes these records for
 * claim.report, claim.advance, claim.settle, claim.close and claim.reject;
 * nothing else changes them. Nothing here allocates.
 */
#ifndef GONGBAO_CLAIM_H
#define GONGBAO_CLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/entry.h"
#include "gongbao/error.h"
#include "gongbao/policy.h"
#include "gongbao/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest claim id, in bytes (a valid id: [A-Za-z0-9._:/-], 1..64). */
#define GB_CLAIM_ID_MAX GB_ID_MAX
/* Prefix of a claim's state key: "claim/" + id. */
#define GB_CLAIM_KEY_PREFIX "claim/"
/* Most deaths or injuries one claim may report. */
#define GB_CLAIM_PERSONS_MAX 1000000

/* A claim's status (the "status" string of its record). */
enum gb_claim_status {
	GB_CLAIM_OPEN = 0,              /* "open": reported, advances may be paid */
	GB_CLAIM_SETTLED = 1,           /* "settled": the final amount is paid */
	GB_CLAIM_CLOSED = 2,            /* "closed": settled, or closed with nothing paid */
	GB_CLAIM_REJECTED = 3           /* "rejected": refused while open with nothing paid */
};

/*
 * One claim. Dates are YYYYMMDD integers; money in fen. Strings are
 * NUL-terminated. paid_fen is every payment so far: the advances, and once
 * settled the final amount (then paid_fen == settled_fen).
 */
typedef struct gb_claim {
	char id[GB_CLAIM_ID_MAX + 1];
	char policy[GB_POLICY_NO_MAX + 1];      /* the policy it is made under */
	uint32_t accident;                      /* accident date */
	int64_t deaths;
	int64_t injuries;
	int64_t estimate_fen;                   /* the estimate at report */
	int64_t advanced_fen;                   /* paid in advance (先行垫付) */
	int64_t settled_fen;                    /* the final amount; 0 until settled */
	int64_t paid_fen;                       /* all payments so far */
	int status;                             /* enum gb_claim_status */
} gb_claim;

/* "open", "settled", "closed", "rejected"; NULL for anything else. */
const char *gb_claim_status_name(int status);

/*
 * Loads claim `id` from the state into *out. Returns 0, GB_ENOTFOUND
 * ("claim 'C-1' not found") if there is none, GB_ECORRUPT if the record does
 * not parse (unknown or missing field, a value out of range), or the state's
 * code. On failure *out is unspecified.
 */
int gb_claim_load(const gb_state *st, const char *id, gb_claim *out, gb_err *err);

/*
 * Writes *c as its canonical record under "claim/<id>" (keys in bytewise
 * order), replacing any earlier version (the state keeps the history).
 * Checks the fields first: id and policy valid ids, accident a date, counts
 * within 0..GB_CLAIM_PERSONS_MAX, amounts within 0..GB_FEN_MAX, a known
 * status; GB_EVALUE naming the field otherwise, and the state's code if the
 * write fails. Used by the claims family; tools only read.
 */
int gb_claim_store(const gb_state *st, const gb_claim *c, gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
