/*
 * reconcile.c: the members' figures, what each owes each other, and the
 * netting plan that settles them (spec/TRANSACTIONS.md section 11).
 *
 * Only balances are read, one gb_books_member_balances per member, so the
 * cost is O(members^2) state reads whatever the length of the log.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "gongbao/books.h"
#include "gongbao/reconcile.h"
#include "gongbao/rules.h"

/* Orders ids bytewise for the member list (insertion sort: at most 64). */
static void sort_ids(gb_shares *t)
{
	assert(t->count <= GB_SHARES_MAX);
	for (size_t i = 1; i < t->count; i++) {
		char id[GB_ID_MAX + 1];
		memcpy(id, t->id[i], sizeof id);
		size_t j = i;
		while (j > 0 && strcmp(t->id[j - 1], id) > 0) {
			memcpy(t->id[j], t->id[j - 1], sizeof id);
			j--;
		}
		memcpy(t->id[j], id, sizeof id);
	}
}

int gb_reconcile_members(const gb_state *st, gb_shares *t, gb_err *err)
{
	static gb_roster r; /* 64 KB; reports run on one thread */
	assert(st != NULL);
	assert(t != NULL);
	memset(t, 0, sizeof *t);
	const uint8_t *p;
	size_t len;
	int rc = gb_state_get(st, "roster", &p, &len);
	if (rc != 0)
		return gb_err_set(err, rc == GB_ENOTFOUND ? GB_ECORRUPT : rc, "no roster in the state");
	rc = gb_roster_decode(&r, p, len, err);
	if (rc != 0) {
		/* The stored roster was written by the ledger: any flaw is corruption. */
		if (err != NULL)
			err->code = GB_ECORRUPT;
		return GB_ECORRUPT;
	}
	for (size_t i = 0; i < r.count; i++) {
		if (r.p[i].role != GB_ROLE_MEMBER || !gb_books_id_valid(r.p[i].id))
			continue;
		if (t->count == GB_RECONCILE_MEMBERS_MAX)
			return gb_err_set(err, GB_ETOOBIG, "roster has more than %d members",
				GB_RECONCILE_MEMBERS_MAX);
		snprintf(t->id[t->count++], sizeof t->id[0], "%s", r.p[i].id);
	}
	sort_ids(t);
	return 0;
}

/* The index of the largest value in v[0..n) above 0 (ties: lowest index); n if none. */
static size_t largest(const int64_t *v, size_t n)
{
	size_t best = n;
	for (size_t i = 0; i < n; i++)
		if (v[i] > 0 && (best == n || v[i] > v[best]))
			best = i;
	return best;
}

int gb_reconcile_net(const int64_t *net, size_t n, gb_reconcile_payment *pay, size_t *count,
	gb_err *err)
{
	assert(n <= GB_RECONCILE_MEMBERS_MAX);
	assert(count != NULL);
	int64_t credit[GB_RECONCILE_MEMBERS_MAX], debt[GB_RECONCILE_MEMBERS_MAX], sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += net[i];
		credit[i] = net[i] > 0 ? net[i] : 0;
		debt[i] = net[i] < 0 ? -net[i] : 0;
	}
	*count = 0;
	if (sum != 0)
		return gb_err_set(err, GB_EINVARIANT, "net positions sum to %s fen, want 0", GB_FEN(sum));
	/*
	 * Each payment zeroes the larger debtor's debt or the larger creditor's
	 * credit (or both), so after at most n - 1 payments one side is empty,
	 * and since the positions sum to 0 then both are.
	 */
	for (size_t step = 0; n > 0 && step < n - 1; step++) {
		size_t d = largest(debt, n), c = largest(credit, n);
		if (d == n || c == n) {
			assert(d == n);
			assert(c == n);
			break;
		}
		int64_t x = debt[d] < credit[c] ? debt[d] : credit[c];
		pay[*count] = (gb_reconcile_payment){ .from = d, .to = c, .amount_fen = x };
		(*count)++;
		debt[d] -= x;
		credit[c] -= x;
	}
	assert(largest(debt, n) == n);
	assert(largest(credit, n) == n);
	return 0;
}

/* Fills member i's figures and its row of pair_fen from its balances. */
static int member_figures(const gb_state *st, const gb_shares *t, size_t i, gb_reconcile *out,
	gb_err *err)
{
	gb_member_balances b;
	gb_reconcile_member *m = &out->m[i];
	assert(i < t->count);
	int rc = gb_books_member_balances(st, t, t->id[i], &b, err);
	if (rc != 0)
		return rc;
	assert(b.count == t->count);
	memcpy(m->id, t->id[i], sizeof m->id);
	m->cash_fen = b.own_fen[GB_ACCOUNT_CASH];
	m->premium_written_fen = -b.own_fen[GB_ACCOUNT_PREMIUM];
	m->receivable_fen = b.own_fen[GB_ACCOUNT_RECEIVABLE];
	m->premium_received_fen = m->premium_written_fen - m->receivable_fen;
	m->setaside_fen = b.own_fen[GB_ACCOUNT_SETASIDE];
	m->fund_part_fen = -b.own_fen[GB_ACCOUNT_FUND];
	m->claims_paid_fen = b.own_fen[GB_ACCOUNT_CLAIMS];
	for (size_t j = 0; j < t->count; j++) {
		m->owed_fen += b.due_from_fen[j];
		m->owes_fen -= b.due_to_fen[j];
		out->pair_fen[i][j] = -b.due_to_fen[j] - b.due_from_fen[j];
	}
	m->net_fen = m->owed_fen - m->owes_fen;
	return 0;
}

/* Adds each member's figures into out->total. */
static void sum_totals(gb_reconcile *out)
{
	gb_reconcile_member *s = &out->total;
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "total");
	for (size_t i = 0; i < out->count; i++) {
		const gb_reconcile_member *m = &out->m[i];
		s->cash_fen += m->cash_fen;
		s->premium_written_fen += m->premium_written_fen;
		s->receivable_fen += m->receivable_fen;
		s->premium_received_fen += m->premium_received_fen;
		s->setaside_fen += m->setaside_fen;
		s->fund_part_fen += m->fund_part_fen;
		s->claims_paid_fen += m->claims_paid_fen;
		s->owed_fen += m->owed_fen;
		s->owes_fen += m->owes_fen;
		s->net_fen += m->net_fen;
	}
	out->net_total_fen = s->net_fen;
}

int gb_reconcile_run(const gb_state *st, const gb_shares *t, gb_reconcile *out, gb_err *err)
{
	assert(st != NULL);
	assert(out != NULL);
	memset(out, 0, sizeof *out);
	if (t == NULL || t->count > GB_RECONCILE_MEMBERS_MAX)
		return gb_err_set(err, GB_EVALUE, "member list missing or over %d members",
			GB_RECONCILE_MEMBERS_MAX);
	out->count = t->count;
	for (size_t i = 0; i < t->count; i++) {
		int rc = member_figures(st, t, i, out, err);
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < t->count; i++)
		for (size_t j = i + 1; j < t->count; j++)
			if (out->pair_fen[i][j] != -out->pair_fen[j][i])
				return gb_err_set(err, GB_EINVARIANT,
					"'%s' owes '%s' %s fen but '%s' is owed %s fen by it", t->id[i],
					t->id[j], GB_FEN(out->pair_fen[i][j]), t->id[j],
					GB_FEN(-out->pair_fen[j][i]));
	sum_totals(out);
	int64_t net[GB_RECONCILE_MEMBERS_MAX];
	for (size_t i = 0; i < t->count; i++)
		net[i] = out->m[i].net_fen;
	int rc = gb_reconcile_net(net, t->count, out->payment, &out->payment_count, err);
	if (rc != 0)
		return rc;
	for (size_t k = 0; k < out->payment_count; k++)
		out->paid_total_fen += out->payment[k].amount_fen;
	assert(out->net_total_fen == 0);
	return 0;
}
