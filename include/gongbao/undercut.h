/*
 * gongbao/undercut.h: below-floor and below-cost pricing, per policy and
 * per member (spec/TRANSACTIONS.md section 12, "Undercutting").
 *
 * gb_undercut_run reads a gb_state (a ledger read view or a gb_memstate):
 * every "policy/" record, every "claim/" record, "params" and the latest
 * "day/" key, and fills a gb_undercut result. It prints nothing and knows
 * nothing about storage. All arithmetic is integer (fen, bps).
 */
#ifndef GONGBAO_UNDERCUT_H
#define GONGBAO_UNDERCUT_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/entry.h"
#include "gongbao/error.h"
#include "gongbao/policy.h"
#include "gongbao/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults of the parameters (spec/TRANSACTIONS.md section 12). */
#define GB_UNDERCUT_LOSS_RATIO_BPS 6000   /* expected loss ratio of the rate table: prior claims = floor x 60% */
#define GB_UNDERCUT_EXPENSE_BPS 1000      /* expense loading: 10% of the technical premium */
#define GB_UNDERCUT_CREDIBILITY_K 1000    /* policy-years at which experience gets half the weight */
#define GB_UNDERCUT_MEMBER_BPS 2000       /* a member is flagged when >= 20% of its premium is below floor or cost */
/* Bounds on what a run takes from a state. */
#define GB_UNDERCUT_POLICIES_MAX 2000000
#define GB_UNDERCUT_CLAIMS_MAX 2000000
#define GB_UNDERCUT_MEMBERS_MAX 256
#define GB_UNDERCUT_GROUPS_MAX 64        /* distinct (industry, basis) pairs */
#define GB_UNDERCUT_K_MAX 1000000

/* Why a policy is flagged (bits). */
#define GB_UNDERCUT_BELOW_FLOOR 1
#define GB_UNDERCUT_BELOW_COST 2

/* The parameters of a run. gb_undercut_params_default fills the defaults. */
typedef struct gb_undercut_params {
	int64_t loss_ratio_bps;         /* 0..10,000: the rate table's expected loss ratio (the prior) */
	int64_t expense_bps;            /* 0..10,000: expense loading on the technical premium */
	int64_t credibility_k;          /* 1..GB_UNDERCUT_K_MAX policy-years: Z = n / (n + k) */
	int64_t member_bps;             /* 1..10,000: the member flag threshold (share of its premium) */
	uint32_t as_of_date;            /* YYYYMMDD that exposure is earned to; 0: the latest "day/" key */
} gb_undercut_params;

/* One industry's experience (one rating basis of it). */
typedef struct gb_undercut_group {
	char industry[GB_INDUSTRY_MAX + 1];
	int basis;                      /* enum gb_rate_basis */
	uint64_t policies;
	uint64_t earned_days;           /* policy-days earned up to the as-of date */
	int64_t premium_fen;            /* term premium of its policies */
	int64_t paid_fen;               /* claims paid on its policies */
	int64_t credibility_bps;        /* Z in bps */
} gb_undercut_group;

/* A member: the lead of the policies it priced. */
typedef struct gb_undercut_member {
	char id[GB_ID_MAX + 1];
	uint64_t policies;              /* policies it leads */
	uint64_t below_floor;           /* of them, below the floor */
	uint64_t below_cost;            /* of them, below the technical cost */
	uint64_t flagged_policies;      /* below either */
	int64_t premium_fen;            /* term premium of its policies */
	int64_t written_fen;            /* premium written (net of endorsements and refunds) */
	int64_t flagged_premium_fen;    /* term premium of its flagged policies */
	int64_t shortfall_floor_fen;    /* sum of floor - premium over its policies below the floor */
	int64_t shortfall_cost_fen;     /* sum of cost - premium over its policies below cost */
	int64_t shortfall_fen;          /* sum of max(floor, cost) - premium over its flagged policies */
	int64_t paid_fen;               /* claims paid on its policies */
	int64_t loss_ratio_bps;         /* paid / written x 10,000; -1 if nothing written */
	int64_t peer_rate_bps;          /* its rate against the other members' in the same industries; -1: no peers */
	int64_t flagged_share_bps;      /* flagged_premium / premium x 10,000 */
	int flagged;                    /* flagged_share_bps >= member_bps */
} gb_undercut_member;

/* A flagged policy. */
typedef struct gb_undercut_policy {
	char number[GB_POLICY_NO_MAX + 1];
	char lead[GB_ID_MAX + 1];
	char industry[GB_INDUSTRY_MAX + 1];
	int64_t premium_fen;            /* term premium */
	int64_t floor_fen;
	int64_t cost_fen;               /* technical cost */
	int64_t expected_claims_fen;    /* credibility-weighted */
	int64_t below_floor_fen;        /* floor - premium, or 0 */
	int64_t below_cost_fen;         /* cost - premium, or 0 */
	int64_t shortfall_fen;          /* the larger of the two */
	int reasons;                    /* GB_UNDERCUT_BELOW_* bits */
} gb_undercut_policy;

/*
 * A run's result. Members are ranked: flagged first, then by shortfall_fen
 * descending, then id. Policies (flagged only) by shortfall_fen descending,
 * then number. gb_undercut_release frees the arrays.
 */
typedef struct gb_undercut {
	gb_undercut_params params;      /* as used (as_of_date resolved) */
	int64_t setaside_bps;           /* params.setaside_bps of the state */
	uint64_t policies;              /* policies tested */
	uint64_t claims;                /* claims read */
	size_t group_count;
	gb_undercut_group group[GB_UNDERCUT_GROUPS_MAX];
	size_t member_count;
	gb_undercut_member *member;
	size_t policy_count;
	gb_undercut_policy *policy;
} gb_undercut;

/* Fills *p with the defaults above (as_of_date 0). */
void gb_undercut_params_default(gb_undercut_params *p);

/*
 * Runs the tests over the state `st` (it must iterate: gb_state_each) with
 * parameters *p, filling *out (which the caller then releases, also on
 * failure). Returns 0; GB_EVALUE for a parameter out of range (naming it);
 * GB_ETOOBIG past a bound above; GB_ENOTFOUND if as_of_date is 0 and the
 * state has no "day/" key; GB_ECORRUPT for a record that does not parse;
 * GB_EOVERFLOW if a sum leaves the int64 range; GB_ENOMEM.
 */
int gb_undercut_run(const gb_state *st, const gb_undercut_params *p, gb_undercut *out, gb_err *err);

/* Frees what *u holds and zeroes it. NULL is allowed. */
void gb_undercut_release(gb_undercut *u);

#ifdef __cplusplus
}
#endif
#endif
