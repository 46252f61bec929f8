/*
 * undercut.c: tests every policy's premium against the rate-table floor
 * and a technical cost from the consortium's own claims experience, and
 * sums the findings per member (spec/TRANSACTIONS.md section 12).
 *
 * Three passes over the state: "policy/" (one compact row per policy, in
 * number order), "claim/" (paid amounts added to their policy by binary
 * search), then the arithmetic. Everything is integer: fen, bps, days, and
 * 128-bit intermediates where a product may pass 2^63.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gongbao/date.h"
#include "gongbao/claim.h"
#include "gongbao/money.h"
#include "gongbao/rules.h"
#include "gongbao/undercut.h"

__extension__ typedef unsigned __int128 u128;

#define DAYS_PER_YEAR 365
#define DAY_PREFIX "day/"

/* One policy as the passes need it. */
struct pol {
	size_t num_off;                 /* its number in the arena */
	uint16_t member;                /* index of its lead in u->member */
	uint16_t group;                 /* index in u->group */
	int64_t premium_fen, written_fen, floor_fen, commission_fen, paid_fen, exposure;
	int64_t term_days, earned_days;
};

/* The run's working set. */
struct run {
	gb_undercut *u;
	int64_t as_of_days;             /* days since 1970 of the day after the as-of date */
	struct pol *pol;
	size_t pol_count, pol_cap;
	char *arena;
	size_t arena_len, arena_cap;
	size_t flagged_cap;             /* room in u->policy */
	gb_policy p;                    /* scratch for gb_policy_load */
	gb_claim c;
	u128 *group_xd;                 /* per group: sum exposure x earned days */
	int64_t *cell_premium;          /* per member x group: term premium */
	u128 *cell_xd;                  /* per member x group: sum exposure x term days */
	const gb_state *st;
	gb_err *err;
};


void gb_undercut_params_default(gb_undercut_params *p)
{
	assert(p != NULL);
	memset(p, 0, sizeof *p);
	p->loss_ratio_bps = GB_UNDERCUT_LOSS_RATIO_BPS;
	p->expense_bps = GB_UNDERCUT_EXPENSE_BPS;
	p->credibility_k = GB_UNDERCUT_CREDIBILITY_K;
	p->member_bps = GB_UNDERCUT_MEMBER_BPS;
}

void gb_undercut_release(gb_undercut *u)
{
	if (u == NULL)
		return;
	free(u->member);
	free(u->policy);
	memset(u, 0, sizeof *u);
}

/* Remembers the last "day/" key: the state iterates in ascending order. */
static int last_day(void *arg, const char *key, const uint8_t *val, size_t len)
{
	uint32_t *d = arg;
	char *end;
	unsigned long v = strtoul(key + strlen(DAY_PREFIX), &end, 10);
	if (*end == '\0' && v <= 99991231)
		*d = (uint32_t)v;
	return 0;
}

/* Checks the parameters and resolves the as-of date. */
static int setup(const gb_state *st, const gb_undercut_params *p, struct run *r)
{
	gb_undercut *u = r->u;
	u->params = *p;
	if (p->loss_ratio_bps < 0 || p->loss_ratio_bps > GB_BPS_WHOLE)
		return gb_err_set(r->err, GB_EVALUE, "loss ratio %lld bps is outside 0..10,000", (long long)p->loss_ratio_bps);
	if (p->expense_bps < 0 || p->expense_bps > GB_BPS_WHOLE)
		return gb_err_set(r->err, GB_EVALUE, "expense loading %lld bps is outside 0..10,000", (long long)p->expense_bps);
	if (p->credibility_k < 1 || p->credibility_k > GB_UNDERCUT_K_MAX)
		return gb_err_set(r->err, GB_EVALUE, "credibility k %lld is outside 1..%d policy-years",
			(long long)p->credibility_k, GB_UNDERCUT_K_MAX);
	if (p->member_bps < 1 || p->member_bps > GB_BPS_WHOLE)
		return gb_err_set(r->err, GB_EVALUE, "member threshold %lld bps is outside 1..10,000", (long long)p->member_bps);
	gb_params cp;
	int rc = gb_params_load(st, &cp, r->err);
	if (rc != 0)
		return rc;
	u->setaside_bps = cp.setaside_bps;
	if (cp.setaside_bps + p->expense_bps > GB_BPS_WHOLE - 1000)
		return gb_err_set(r->err, GB_EVALUE, "set-aside %lld bps plus expense loading %lld bps exceed 9,000 bps",
			(long long)cp.setaside_bps, (long long)p->expense_bps);
	if (u->params.as_of_date == 0) {
		rc = gb_state_each(st, DAY_PREFIX, last_day, &u->params.as_of_date);
		if (rc != 0)
			return gb_err_set(r->err, rc, "reading the day index: %s", gb_strerror(rc));
		if (u->params.as_of_date == 0)
			return gb_err_set(r->err, GB_ENOTFOUND, "no day/ key in the state: give an as-of date");
	}
	int64_t days = gb_date_days(u->params.as_of_date);
	if (days < 0)
		return gb_err_set(r->err, GB_EVALUE, "as-of date %u is not a date YYYYMMDD", (unsigned)u->params.as_of_date);
	r->as_of_days = days + 1;
	return 0;
}

/* Index of member `id`, added if new. -1 past the bound (err set). */
static int member_index(struct run *r, const char *id)
{
	gb_undercut *u = r->u;
	for (size_t i = 0; i < u->member_count; i++)
		if (strcmp(u->member[i].id, id) == 0)
			return (int)i;
	if (u->member_count == GB_UNDERCUT_MEMBERS_MAX) {
		gb_err_set(r->err, GB_ETOOBIG, "more than %d members lead policies", GB_UNDERCUT_MEMBERS_MAX);
		return -1;
	}
	gb_undercut_member *m = &u->member[u->member_count];
	memset(m, 0, sizeof *m);
	snprintf(m->id, sizeof m->id, "%s", id);
	return (int)u->member_count++;
}

/* Index of the (industry, basis) group, added if new. -1 past the bound (err set). */
static int group_index(struct run *r, const char *industry, int basis)
{
	gb_undercut *u = r->u;
	for (size_t i = 0; i < u->group_count; i++)
		if (u->group[i].basis == basis && strcmp(u->group[i].industry, industry) == 0)
			return (int)i;
	if (u->group_count == GB_UNDERCUT_GROUPS_MAX) {
		gb_err_set(r->err, GB_ETOOBIG, "more than %d industries", GB_UNDERCUT_GROUPS_MAX);
		return -1;
	}
	gb_undercut_group *g = &u->group[u->group_count];
	memset(g, 0, sizeof *g);
	snprintf(g->industry, sizeof g->industry, "%s", industry);
	g->basis = basis;
	return (int)u->group_count++;
}

/* Appends the policy's number to the arena; returns its offset, or SIZE_MAX out of memory. */
static size_t arena_add(struct run *r, const char *s)
{
	size_t n = strlen(s) + 1;
	if (r->arena_cap - r->arena_len < n) {
		size_t cap = r->arena_cap * 2 + 4096;
		char *a = realloc(r->arena, cap);
		if (a == NULL)
			return SIZE_MAX;
		r->arena = a;
		r->arena_cap = cap;
	}
	memcpy(r->arena + r->arena_len, s, n);
	r->arena_len += n;
	return r->arena_len - n;
}

/* Pass 1: one row per policy, in number order (the state iterates keys ascending). */
static int add_policy(void *arg, const char *key, const uint8_t *val, size_t len)
{
	struct run *r = arg;
	gb_policy *p = &r->p;
	assert(strncmp(key, GB_POLICY_KEY_PREFIX, strlen(GB_POLICY_KEY_PREFIX)) == 0);
	int rc = gb_policy_load(r->st, key + strlen(GB_POLICY_KEY_PREFIX), p, r->err);
	if (rc != 0)
		return rc;
	if (r->pol_count == GB_UNDERCUT_POLICIES_MAX)
		return gb_err_set(r->err, GB_ETOOBIG, "more than %d policies", GB_UNDERCUT_POLICIES_MAX);
	if (r->pol_count == r->pol_cap) {
		size_t cap = r->pol_cap * 2 + 1024;
		struct pol *np = realloc(r->pol, cap * sizeof *np);
		if (np == NULL)
			return gb_err_set(r->err, GB_ENOMEM, "out of memory at policy '%s'", p->number);
		r->pol = np;
		r->pol_cap = cap;
	}
	int m = member_index(r, p->shares.id[p->shares.lead]);
	int g = m < 0 ? -1 : group_index(r, p->industry, p->basis);
	if (g < 0)
		return r->err->code;
	int64_t start = gb_date_days(p->start), end = gb_date_days(p->end);
	int64_t stop = p->status == GB_POLICY_CANCELLED ? gb_date_days(p->cancelled_on) : end;
	if (start < 0 || end <= start || stop < 0)
		return gb_err_set(r->err, GB_ECORRUPT, "policy '%s': bad period %u..%u", p->number,
			(unsigned)p->start, (unsigned)p->end);
	stop = stop < end ? stop : end;
	stop = stop < r->as_of_days ? stop : r->as_of_days;
	struct pol *q = &r->pol[r->pol_count];
	q->num_off = arena_add(r, p->number);
	if (q->num_off == SIZE_MAX)
		return gb_err_set(r->err, GB_ENOMEM, "out of memory at policy '%s'", p->number);
	q->member = (uint16_t)m;
	q->group = (uint16_t)g;
	q->premium_fen = p->term_premium_fen;
	q->written_fen = p->premium_fen;
	q->floor_fen = p->floor_fen;
	q->commission_fen = p->commission_fen;
	q->paid_fen = 0;
	q->exposure = p->exposure;
	q->term_days = end - start;
	q->earned_days = stop > start ? stop - start : 0;
	r->pol_count++;
	return 0;
}

/* Pass 2: adds each claim's paid amount to its policy (found by binary search). */
static int add_claim(void *arg, const char *key, const uint8_t *val, size_t len)
{
	struct run *r = arg;
	assert(strncmp(key, GB_CLAIM_KEY_PREFIX, strlen(GB_CLAIM_KEY_PREFIX)) == 0);
	int rc = gb_claim_load(r->st, key + strlen(GB_CLAIM_KEY_PREFIX), &r->c, r->err);
	if (rc != 0)
		return rc;
	if (++r->u->claims > GB_UNDERCUT_CLAIMS_MAX)
		return gb_err_set(r->err, GB_ETOOBIG, "more than %d claims", GB_UNDERCUT_CLAIMS_MAX);
	size_t lo = 0, hi = r->pol_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->c.policy, r->arena + r->pol[mid].num_off);
		if (c == 0) {
			struct pol *q = &r->pol[mid];
			if (gb_fen_add(q->paid_fen, r->c.paid_fen, &q->paid_fen) != 0)
				return gb_err_set(r->err, GB_EOVERFLOW, "claims paid on policy '%s' overflow", r->c.policy);
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return gb_err_set(r->err, GB_ECORRUPT, "claim '%s': its policy '%s' is not in the state", r->c.id, r->c.policy);
}

/* Sums per group and per member x group; the credibility of each group. */
static int sum_groups(struct run *r)
{
	gb_undercut *u = r->u;
	for (size_t i = 0; i < r->pol_count; i++) {
		const struct pol *q = &r->pol[i];
		gb_undercut_group *g = &u->group[q->group];
		size_t cell = (size_t)q->member * GB_UNDERCUT_GROUPS_MAX + q->group;
		g->policies++;
		g->earned_days += (uint64_t)q->earned_days;
		r->group_xd[q->group] += (u128)q->exposure * (u128)q->earned_days;
		r->cell_xd[cell] += (u128)q->exposure * (u128)q->term_days;
		if (gb_fen_add(g->premium_fen, q->premium_fen, &g->premium_fen) != 0 ||
		    gb_fen_add(g->paid_fen, q->paid_fen, &g->paid_fen) != 0 ||
		    gb_fen_add(r->cell_premium[cell], q->premium_fen, &r->cell_premium[cell]) != 0)
			return gb_err_set(r->err, GB_EOVERFLOW, "industry '%s': premium or claims sum overflows", g->industry);
	}
	for (size_t i = 0; i < u->group_count; i++) {
		gb_undercut_group *g = &u->group[i];
		u128 n = g->earned_days, k = (u128)u->params.credibility_k * DAYS_PER_YEAR;
		g->credibility_bps = (int64_t)(n * GB_BPS_WHOLE / (n + k));
		assert(g->credibility_bps >= 0 && g->credibility_bps < GB_BPS_WHOLE);
	}
	return 0;
}

/* min(v, GB_FEN_MAX) as int64. */
static int64_t clamp_fen(u128 v)
{
	return v > (u128)GB_FEN_MAX ? GB_FEN_MAX : (int64_t)v;
}

/* Expected claims of one policy: credibility-weighted experience and prior (section 12). */
static int64_t expected_claims(const struct run *r, const struct pol *q)
{
	const gb_undercut *u = r->u;
	const gb_undercut_group *g = &u->group[q->group];
	u128 xd = r->group_xd[q->group];
	u128 exp = 0;
	if (xd > 0 && g->paid_fen > 0) {
		u128 mine = (u128)q->exposure * (u128)q->term_days;
		/* paid x mine can pass 2^128 only for absurd exposures: divide first then. */
		exp = mine <= ((u128)1 << 70) ? (u128)g->paid_fen * mine / xd : (u128)g->paid_fen * (mine / xd);
	}
	u128 prior = ((u128)q->floor_fen * (u128)u->params.loss_ratio_bps + GB_BPS_WHOLE / 2) / GB_BPS_WHOLE;
	u128 z = (u128)g->credibility_bps;
	u128 e = (z * (u128)clamp_fen(exp) + (GB_BPS_WHOLE - z) * prior + GB_BPS_WHOLE / 2) / GB_BPS_WHOLE;
	return clamp_fen(e);
}

/* The technical cost: (expected claims + commission) grossed up for set-aside and expenses. */
static int64_t technical_cost(const struct run *r, int64_t claims_fen, int64_t commission_fen)
{
	u128 d = (u128)(GB_BPS_WHOLE - r->u->setaside_bps - r->u->params.expense_bps);
	assert(d >= 1000);
	u128 net = (u128)claims_fen + (u128)commission_fen;
	return clamp_fen((net * GB_BPS_WHOLE + d / 2) / d);
}

/* Adds one flagged policy to the result (grows the array). */
static int push_flagged(struct run *r, const struct pol *q, const gb_undercut_policy *f)
{
	gb_undercut *u = r->u;
	if (u->policy_count == r->flagged_cap) {
		size_t cap = r->flagged_cap * 2 + 64;
		gb_undercut_policy *np = realloc(u->policy, cap * sizeof *np);
		if (np == NULL)
			return gb_err_set(r->err, GB_ENOMEM, "out of memory at policy '%s'", r->arena + q->num_off);
		u->policy = np;
		r->flagged_cap = cap;
	}
	u->policy[u->policy_count++] = *f;
	return 0;
}

/* Pass 3: tests each policy against its floor and cost; sums per member. */
static int test_policies(struct run *r)
{
	gb_undercut *u = r->u;
	for (size_t i = 0; i < r->pol_count; i++) {
		const struct pol *q = &r->pol[i];
		gb_undercut_member *m = &u->member[q->member];
		gb_undercut_policy f;
		memset(&f, 0, sizeof f);
		f.premium_fen = q->premium_fen;
		f.floor_fen = q->floor_fen;
		f.expected_claims_fen = expected_claims(r, q);
		f.cost_fen = technical_cost(r, f.expected_claims_fen, q->commission_fen);
		f.below_floor_fen = f.floor_fen > f.premium_fen ? f.floor_fen - f.premium_fen : 0;
		f.below_cost_fen = f.cost_fen > f.premium_fen ? f.cost_fen - f.premium_fen : 0;
		f.shortfall_fen = f.below_floor_fen > f.below_cost_fen ? f.below_floor_fen : f.below_cost_fen;
		f.reasons = (f.below_floor_fen ? GB_UNDERCUT_BELOW_FLOOR : 0) | (f.below_cost_fen ? GB_UNDERCUT_BELOW_COST : 0);
		m->policies++;
		m->below_floor += f.below_floor_fen > 0;
		m->below_cost += f.below_cost_fen > 0;
		int ok = gb_fen_add(m->premium_fen, q->premium_fen, &m->premium_fen) == 0 &&
			gb_fen_add(m->written_fen, q->written_fen, &m->written_fen) == 0 &&
			gb_fen_add(m->paid_fen, q->paid_fen, &m->paid_fen) == 0 &&
			gb_fen_add(m->shortfall_floor_fen, f.below_floor_fen, &m->shortfall_floor_fen) == 0 &&
			gb_fen_add(m->shortfall_cost_fen, f.below_cost_fen, &m->shortfall_cost_fen) == 0;
		if (ok && f.reasons) {
			m->flagged_policies++;
			ok = gb_fen_add(m->flagged_premium_fen, q->premium_fen, &m->flagged_premium_fen) == 0 &&
				gb_fen_add(m->shortfall_fen, f.shortfall_fen, &m->shortfall_fen) == 0;
		}
		if (!ok)
			return gb_err_set(r->err, GB_EOVERFLOW, "member '%s': sums overflow", m->id);
		if (!f.reasons)
			continue;
		snprintf(f.number, sizeof f.number, "%s", r->arena + q->num_off);
		snprintf(f.lead, sizeof f.lead, "%s", m->id);
		snprintf(f.industry, sizeof f.industry, "%s", u->group[q->group].industry);
		int rc = push_flagged(r, q, &f);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* a x 10,000 / b for a, b > 0, computed so that nothing overflows (shifting both down if large). */
static int64_t ratio_bps(u128 a, u128 b)
{
	assert(b > 0);
	for (int i = 0; i < 128 && (a >> 100 != 0 || b >> 100 != 0); i++) {
		a >>= 1;
		b >>= 1;
	}
	if (b == 0)
		return GB_FEN_MAX;
	return clamp_fen((a * GB_BPS_WHOLE + b / 2) / b);
}

/* The member's rate against its peers: sum over industries of P_MI x rel_I / sum P_MI. */
static void peer_rate(struct run *r, size_t mi)
{
	gb_undercut *u = r->u;
	gb_undercut_member *m = &u->member[mi];
	u128 num = 0, den = 0;
	for (size_t g = 0; g < u->group_count; g++) {
		size_t cell = mi * GB_UNDERCUT_GROUPS_MAX + g;
		int64_t pm = r->cell_premium[cell];
		u128 xm = r->cell_xd[cell], xo = 0;
		int64_t po = 0;
		for (size_t j = 0; j < u->member_count; j++) {
			if (j == mi)
				continue;
			po += r->cell_premium[j * GB_UNDERCUT_GROUPS_MAX + g];
			xo += r->cell_xd[j * GB_UNDERCUT_GROUPS_MAX + g];
		}
		if (pm <= 0 || xm == 0 || po <= 0 || xo == 0)
			continue;
		/* rate_M = pm / xm, rate_peers = po / xo; rel = rate_M / rate_peers in bps. */
		/* Fixed point with 40 fraction bits: pm < 2^63, so the rates stay below 2^103. */
		u128 rm = ((u128)pm << 40) / xm, ro = ((u128)po << 40) / xo;
		/* Peers whose rate is below the fixed point's resolution: the member is, in
		 * effect, infinitely above them (capped like every ratio). */
		int64_t rel = ro == 0 ? GB_FEN_MAX : ratio_bps(rm, ro);
		num += (u128)pm * (u128)rel;
		den += (u128)pm;
	}
	m->peer_rate_bps = den ? clamp_fen((num + den / 2) / den) : -1;
}

/* Loss ratio, flagged share, flag and peer rate of every member. */
static void finish_members(struct run *r)
{
	gb_undercut *u = r->u;
	for (size_t i = 0; i < u->member_count; i++) {
		gb_undercut_member *m = &u->member[i];
		m->loss_ratio_bps = m->written_fen > 0 ? ratio_bps((u128)m->paid_fen, (u128)m->written_fen) : -1;
		m->flagged_share_bps = m->premium_fen > 0 ?
			ratio_bps((u128)m->flagged_premium_fen, (u128)m->premium_fen) :
			(m->flagged_policies ? GB_BPS_WHOLE : 0);
		m->flagged = m->flagged_policies > 0 && m->flagged_share_bps >= u->params.member_bps;
		peer_rate(r, i);
	}
}

static int member_cmp(const void *a, const void *b)
{
	const gb_undercut_member *x = a, *y = b;
	if (x->flagged != y->flagged)
		return x->flagged ? -1 : 1;
	if (x->shortfall_fen != y->shortfall_fen)
		return x->shortfall_fen > y->shortfall_fen ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int policy_cmp(const void *a, const void *b)
{
	const gb_undercut_policy *x = a, *y = b;
	if (x->shortfall_fen != y->shortfall_fen)
		return x->shortfall_fen > y->shortfall_fen ? -1 : 1;
	return strcmp(x->number, y->number);
}

/* Allocates the per-group and per-cell sums. */
static int alloc_sums(struct run *r)
{
	size_t cells = (size_t)GB_UNDERCUT_MEMBERS_MAX * GB_UNDERCUT_GROUPS_MAX;
	r->u->member = calloc(GB_UNDERCUT_MEMBERS_MAX, sizeof *r->u->member);
	r->group_xd = calloc(GB_UNDERCUT_GROUPS_MAX, sizeof *r->group_xd);
	r->cell_premium = calloc(cells, sizeof *r->cell_premium);
	r->cell_xd = calloc(cells, sizeof *r->cell_xd);
	if (r->u->member == NULL || r->group_xd == NULL || r->cell_premium == NULL || r->cell_xd == NULL)
		return gb_err_set(r->err, GB_ENOMEM, "out of memory for the undercut sums");
	return 0;
}

static void run_free(struct run *r)
{
	free(r->pol);
	free(r->arena);
	free(r->group_xd);
	free(r->cell_premium);
	free(r->cell_xd);
}

int gb_undercut_run(const gb_state *st, const gb_undercut_params *p, gb_undercut *out, gb_err *err)
{
	assert(st != NULL && p != NULL);
	assert(out != NULL && err != NULL);
	memset(out, 0, sizeof *out);
	struct run *r = calloc(1, sizeof *r);
	if (r == NULL)
		return gb_err_set(err, GB_ENOMEM, "out of memory for the undercut run");
	r->u = out;
	r->st = st;
	r->err = err;
	err->code = 0;
	int rc = setup(st, p, r);
	rc = rc ? rc : alloc_sums(r);
	if (rc == 0 && (rc = gb_state_each(st, GB_POLICY_KEY_PREFIX, add_policy, r)) != 0 && err->code == 0)
		gb_err_set(err, rc, "reading policies: %s", gb_strerror(rc));
	if (rc == 0 && (rc = gb_state_each(st, GB_CLAIM_KEY_PREFIX, add_claim, r)) != 0 && err->code == 0)
		gb_err_set(err, rc, "reading claims: %s", gb_strerror(rc));
	out->policies = r->pol_count;
	rc = rc ? rc : sum_groups(r);
	rc = rc ? rc : test_policies(r);
	if (rc == 0) {
		finish_members(r);
		qsort(out->member, out->member_count, sizeof *out->member, member_cmp);
		if (out->policy_count > 0)
			qsort(out->policy, out->policy_count, sizeof *out->policy, policy_cmp);
	}
	run_free(r);
	free(r);
	return rc;
}
