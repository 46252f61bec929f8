/*
 * gongbao/reconcile.h: the association's reconciliation of the members'
 * books (spec/TRANSACTIONS.md section 11).
 *
 * Reads balances only ("bal/..." and the roster), never entries: the time
 * is proportional to the members squared, independent of the number of
 * entries. Fills a caller-owned result (about 44 KB: keep it static or on
 * the heap); prints nothing and allocates nothing. Balances are within
 * +-GB_FEN_MAX (10^15) and there are at most 64 members, so every sum
 * below (at most 64 x 64 balances, 4.1 x 10^18) fits in an int64.
 */
#ifndef GONGBAO_RECONCILE_H
#define GONGBAO_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "gongbao/error.h"
#include "gongbao/shares.h"
#include "gongbao/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most members reconciled (a share-table-shaped member list). */
#define GB_RECONCILE_MEMBERS_MAX GB_SHARES_MAX
/* Most payments in a netting plan: n - 1. */
#define GB_RECONCILE_PAYMENTS_MAX (GB_RECONCILE_MEMBERS_MAX - 1)

/* One member's figures, in fen (section 11 defines each). */
typedef struct gb_reconcile_member {
	char id[GB_ID_MAX + 1];
	int64_t cash_fen;               /* m/M/cash */
	int64_t premium_written_fen;    /* -m/M/premium */
	int64_t receivable_fen;         /* m/M/receivable */
	int64_t premium_received_fen;   /* written - receivable */
	int64_t setaside_fen;           /* m/M/setaside */
	int64_t fund_part_fen;          /* -m/M/fund */
	int64_t claims_paid_fen;        /* m/M/claims: advances and settlements */
	int64_t owed_fen;               /* sum over N of m/M/due_from/N */
	int64_t owes_fen;               /* sum over N of -m/M/due_to/N */
	int64_t net_fen;                /* owed - owes: > 0 a creditor, < 0 a debtor */
} gb_reconcile_member;

/* One payment of the netting plan. */
typedef struct gb_reconcile_payment {
	size_t from;                    /* payer: index into members */
	size_t to;                      /* payee */
	int64_t amount_fen;             /* > 0 */
} gb_reconcile_payment;

typedef struct gb_reconcile {
	size_t count;                   /* members */
	gb_reconcile_member m[GB_RECONCILE_MEMBERS_MAX];
	/*
	 * pair_fen[i][j]: what member i owes member j, net of both sides:
	 * -m/i/due_to/j - m/i/due_from/j. pair_fen[i][j] = -pair_fen[j][i];
	 * the diagonal is 0.
	 */
	int64_t pair_fen[GB_RECONCILE_MEMBERS_MAX][GB_RECONCILE_MEMBERS_MAX];
	size_t payment_count;           /* <= count - 1 */
	gb_reconcile_payment payment[GB_RECONCILE_PAYMENTS_MAX];
	/* Sums over the members of each figure; net_total_fen is always 0. */
	gb_reconcile_member total;      /* id "total" */
	int64_t net_total_fen;
	int64_t paid_total_fen;         /* sum of the payments */
} gb_reconcile;

/*
 * Fills t (ids only; bps 0, lead 0) with the ids of every member the
 * roster in st names and that can own accounts, ascending. Returns 0,
 * GB_ECORRUPT if st has no roster or it does not decode, or GB_ETOOBIG over
 * GB_RECONCILE_MEMBERS_MAX members. Decodes the roster into a static
 * buffer (64 KB): call it from one thread at a time.
 */
int gb_reconcile_members(const gb_state *st, gb_shares *t, gb_err *err);

/*
 * Reconciles the members listed in t (ids valid and strictly ascending, as
 * gb_books_member_balances wants; shares not used) as st holds them: the
 * figures, the pairwise debts, and the netting plan (section 11: greedy,
 * largest debtor pays largest creditor, ties to the lower index). Returns
 * 0, GB_EVALUE for a bad list, a read failure (GB_ECORRUPT for a stored
 * balance outside +-GB_FEN_MAX), or GB_EINVARIANT if the pairwise debts do not mirror each
 * other (m/M/due_from/N != -m/N/due_to/M) so the net positions do not sum to
 * 0. On failure *out is unspecified.
 */
int gb_reconcile_run(const gb_state *st, const gb_shares *t, gb_reconcile *out, gb_err *err);

/*
 * The greedy netting plan for net positions net[0..n) (n <=
 * GB_RECONCILE_MEMBERS_MAX, summing to 0; > 0 is owed money): fills pay and
 * *count (<= n - 1, or 0 when n is 0). Exposed for tests. Returns 0 or
 * GB_EINVARIANT if the positions do not sum to 0.
 */
int gb_reconcile_net(const int64_t *net, size_t n, gb_reconcile_payment *pay, size_t *count,
	gb_err *err);

#ifdef __cplusplus
}
#endif
#endif
