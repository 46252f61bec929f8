/*
 * gongbao/policy.h: policies as the state holds them (spec/TRANSACTIONS.md
 * section 6, "policy/<policy_no>"), for the rule families and the tools.
 *
 * The policies family (src/rules_policy.c) writes these records for
 * policy.issue, policy.endorse, policy.renew and policy.cancel; the claims
 * family reads them and updates received_fen through gb_policy_store();
 * `gongbao show policy` prints them. Nothing here allocates.
 */
#ifndef GONGBAO_POLICY_H
#define GONGBAO_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/entry.h"
#include "gongbao/error.h"
#include "gongbao/shares.h"
#include "gongbao/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest policy number, in bytes ([A-Za-z0-9._:/-], 1..64). */
#define GB_POLICY_NO_MAX 64
/* A unified social credit code (GB 32100-2015) is exactly 18 characters. */
#define GB_USCI_LEN 18
/* Longest enterprise name, in bytes of UTF-8. */
#define GB_ENTERPRISE_MAX 256
/* Longest industry id ("construction"), in bytes. */
#define GB_INDUSTRY_MAX 16
/* Prefix of a policy's state key: "policy/" + number. */
#define GB_POLICY_KEY_PREFIX "policy/"
/* Most rating factors (accidents, grade, loss_ratio, risk). */
#define GB_POLICY_FACTORS_MAX 4
/* Longest factor name and level name, in bytes. */
#define GB_FACTOR_NAME_MAX 16
#define GB_FACTOR_LEVEL_MAX 32

/* A policy's status. */
enum gb_policy_status {
	GB_POLICY_IN_FORCE = 0,         /* "in_force" */
	GB_POLICY_CANCELLED = 1         /* "cancelled" */
};

/* Rating basis of an industry's rate (spec/TRANSACTIONS.md, policies). */
enum gb_rate_basis {
	GB_BASIS_HEAD = 0,              /* "head": exposure in heads, rate in fen per head per year */
	GB_BASIS_COST = 1,              /* "cost": exposure in fen of project cost, rate in ppm */
	GB_BASIS_OUTPUT = 2             /* "output": exposure in fen of output, rate in ppm */
};

/* One rating factor a policy claims: "accidents" at level "none". */
typedef struct gb_policy_factor {
	char name[GB_FACTOR_NAME_MAX + 1];
	char level[GB_FACTOR_LEVEL_MAX + 1];
} gb_policy_factor;

/*
 * One policy. Dates are YYYYMMDD integers, the period [start, end) with end
 * exclusive; money in fen. Strings are NUL-terminated.
 */
typedef struct gb_policy {
	char number[GB_POLICY_NO_MAX + 1];      /* "no" */
	char usci[GB_USCI_LEN + 1];             /* the insured's unified social credit code */
	char enterprise[GB_ENTERPRISE_MAX + 1]; /* the insured's name */
	char industry[GB_INDUSTRY_MAX + 1];     /* mining, chemicals, ..., other */
	int basis;                              /* enum gb_rate_basis, the industry's at issue */
	int64_t exposure;                       /* heads, or fen of cost or output */
	int64_t headcount;
	int64_t limit_fen;                      /* per-person death/disability limit */
	uint32_t start;                         /* first day covered */
	uint32_t end;                           /* first day not covered */
	int64_t premium_fen;                    /* premium written, net of endorsements and refunds */
	int64_t term_premium_fen;               /* premium for the whole period at the terms in force */
	int64_t received_fen;                   /* premium received so far (claims family) */
	int64_t commission_fen;
	int64_t floor_fen;                      /* the rate-table floor for the whole period at the terms in force */
	int flagged;                            /* 1: accepted below the floor (params.below_floor "flag") */
	int status;                             /* enum gb_policy_status */
	uint32_t cancelled_on;                  /* cancellation date; 0 unless cancelled */
	uint32_t endorsed_on;                   /* effective date of the last endorsement; 0 if none */
	uint32_t rated_from;                    /* "from" date of the rate table it was rated by */
	char renews[GB_POLICY_NO_MAX + 1];      /* the policy this one renews; "" if none */
	char renewed_by[GB_POLICY_NO_MAX + 1];  /* the policy that renews this one; "" if none */
	size_t factor_count;                    /* the rating factors claimed, ascending by name */
	gb_policy_factor factor[GB_POLICY_FACTORS_MAX];
	uint64_t issued_at;                     /* index of the entry that issued it */
	gb_shares shares;                       /* who carries it, and its lead */
} gb_policy;

/*
 * Loads policy `no` from the state into *out. Returns 0, GB_ENOTFOUND
 * ("policy 'P-1' not found") if there is none, GB_ECORRUPT if the record
 * does not parse, or the state's code. On failure *out is unspecified.
 */
int gb_policy_load(const gb_state *st, const char *no, gb_policy *out, gb_err *err);

/*
 * Returns 1 if p covers `date` (YYYYMMDD): start <= date < end, and not
 * cancelled on or before date. Else 0.
 */
int gb_policy_in_force(const gb_policy *p, uint32_t date);

/*
 * Writes *p as its canonical record under "policy/<number>", replacing any
 * earlier version (the state keeps the history). Checks the fields first:
 * number, usci (18 characters of [0-9A-HJ-NPQRTUWXY]), industry, start < end,
 * amounts within 0..GB_FEN_MAX (premium_fen and floor_fen may not be
 * negative either), the share table (gb_books_shares_check); GB_EVALUE
 * naming the field otherwise, and the state's code if the write fails.
 * The claims family uses it to update received_fen.
 */
int gb_policy_store(const gb_state *st, const gb_policy *p, gb_err *err);

/* Returns 1 if s is a well-formed unified social credit code (18 characters
 * of [0-9A-HJ-NPQRTUWXY] whose last is the GB 32100-2015 check character). */
int gb_usci_valid(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif
