/*
 * report.c: the JSON reports on the derived state (gongbao/report.h), built
 * in one gb_ledger_read view: show's objects (a participant, the member
 * list, a policy or claim record, an account, the fund), the
 * reconciliation and the undercut report. The CLI prints them and the
 * server answers them, so both say the same bytes.
 */
#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gongbao/books.h"
#include "gongbao/json.h"
#include "gongbao/money.h"
#include "gongbao/reconcile.h"
#include "gongbao/date.h"
#include "gongbao/report.h"
#include "gongbao/rules.h"

static const char *const kind_names[GB_REPORT_KINDS] = {
	"member", "policy", "claim", "fund", "account", "members", "reconcile", "undercut"
};

const char *const gb_report_reconcile_figures[GB_REPORT_RECONCILE_FIGURES] = {
	"premium_written_fen", "premium_received_fen", "receivable_fen", "setaside_fen",
	"fund_part_fen", "claims_paid_fen", "cash_fen", "owed_fen", "owes_fen", "net_fen",
};

/* Where each figure sits in gb_reconcile_member, in the order of the names above. */
static const size_t figure_offsets[GB_REPORT_RECONCILE_FIGURES] = {
	offsetof(gb_reconcile_member, premium_written_fen), offsetof(gb_reconcile_member, premium_received_fen),
	offsetof(gb_reconcile_member, receivable_fen), offsetof(gb_reconcile_member, setaside_fen),
	offsetof(gb_reconcile_member, fund_part_fen), offsetof(gb_reconcile_member, claims_paid_fen),
	offsetof(gb_reconcile_member, cash_fen), offsetof(gb_reconcile_member, owed_fen),
	offsetof(gb_reconcile_member, owes_fen), offsetof(gb_reconcile_member, net_fen),
};

/* What one build asks for and holds while the read view runs. */
struct build {
	const gb_report_req *q;
	json_t *out;                    /* the report, its head filled before the view */
	gb_roster *roster;              /* scratch, 64 KB: decoded once per build */
	gb_shares *members;             /* scratch: the member ids */
	gb_err err;
};

const char *gb_report_kind_name(int kind)
{
	return kind >= 0 && kind < GB_REPORT_KINDS ? kind_names[kind] : NULL;
}

int gb_report_kind_has_id(int kind)
{
	return kind == GB_REPORT_MEMBER || kind == GB_REPORT_POLICY || kind == GB_REPORT_CLAIM ||
		kind == GB_REPORT_ACCOUNT;
}

/* ------------------------------------------------------------------ as of */

/* 1 if s looks like a date (has a '-'), to be read by gb_date_parse; an index has none. */
static int date_shaped(const char *s)
{
	return strchr(s, '-') != NULL;
}

/* Parses a decimal index of 1 to 19 digits; 0 or -1. */
static int parse_index(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t v = 0;
	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int gb_report_as_of_check(const char *s, gb_err *err)
{
	uint64_t index;
	assert(s != NULL);
	if (date_shaped(s))
		return gb_date_parse(s) ? 0 : gb_err_set(err, GB_EINVAL, "as-of '%.40s' is not a date (YYYY-MM-DD, a calendar day from 1970)", s);
	if (parse_index(s, &index) != 0)
		return gb_err_set(err, GB_EINVAL, "as-of '%.40s' is neither an entry index nor a YYYY-MM-DD date", s);
	return 0;
}

int gb_report_as_of(gb_ledger *l, const char *s, uint64_t *index, gb_err *err)
{
	uint64_t size;
	assert(l != NULL);
	assert(index != NULL);
	int rc = gb_ledger_size(l, &size, err);
	if (rc != 0)
		return rc;
	assert(size > 0); /* a ledger always holds its charter */
	if (s == NULL) {
		*index = size - 1;
		return 0;
	}
	if ((rc = gb_report_as_of_check(s, err)) != 0)
		return rc;
	if (date_shaped(s))
		return gb_ledger_index_at_date(l, gb_date_parse(s), index, err);
	parse_index(s, index);
	if (*index >= size)
		return gb_err_set(err, GB_ERANGE, "as-of %s: the log has %" PRIu64 " entries", s, size);
	return 0;
}

/* ------------------------------------------------------------------- show */

/* A share-table-shaped list of every member the roster names (ids only). */
static void roster_members(const gb_roster *r, gb_shares *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < r->count && t->count < GB_SHARES_MAX; i++) {
		if (r->p[i].role != GB_ROLE_MEMBER || !gb_books_id_valid(r->p[i].id))
			continue;
		snprintf(t->id[t->count], sizeof t->id[0], "%s", r->p[i].id);
		t->bps[t->count++] = 0;
	}
}

/* Loads the roster as the view holds it into b->roster. */
static int view_roster(const gb_state *st, struct build *b)
{
	const uint8_t *p;
	size_t len;
	int rc = gb_state_get(st, "roster", &p, &len);
	if (rc != 0)
		return gb_err_set(&b->err, rc == GB_ENOTFOUND ? GB_ECORRUPT : rc, "no roster in the state");
	return gb_roster_decode(b->roster, p, len, &b->err);
}

static const char *status_name(const gb_participant *p)
{
	return p->revoked ? "revoked" : p->suspended ? "suspended" : "active";
}

/* A member's balances and what it owes each other member, into o. */
static int member_balances(const gb_state *st, struct build *b, json_t *o)
{
	gb_member_balances mb;
	const char *id = b->q->id;
	roster_members(b->roster, b->members);
	int rc = gb_books_member_balances(st, b->members, id, &mb, &b->err);
	if (rc != 0)
		return rc;
	json_t *bal = json_object(), *others = json_array();
	for (int k = 0; k < GB_ACCOUNT_OWN_KINDS; k++)
		json_object_set_new(bal, gb_account_kind_name(k), json_integer(mb.own_fen[k]));
	for (size_t i = 0; i < mb.count; i++) {
		if (strcmp(b->members->id[i], id) == 0)
			continue;
		json_array_append_new(others, json_pack("{s:s, s:I, s:I, s:I}", "id", b->members->id[i],
			"owed_fen", (json_int_t)mb.due_from_fen[i], "owes_fen", (json_int_t)-mb.due_to_fen[i],
			"net_fen", (json_int_t)(mb.due_from_fen[i] + mb.due_to_fen[i])));
	}
	json_object_set_new(o, "balances", bal);
	json_object_set_new(o, "total_fen", json_integer(mb.total_fen));
	json_object_set_new(o, "members", others);
	return 0;
}

/* The member report: role, status, key, and for a member its balances. */
static int build_member(const gb_state *st, struct build *b)
{
	int rc = view_roster(st, b);
	if (rc != 0)
		return rc;
	const gb_participant *p = gb_roster_find(b->roster, (gb_str){ b->q->id, strlen(b->q->id) });
	if (p == NULL)
		return gb_err_set(&b->err, GB_ENOTFOUND, "participant '%s' not found as of entry %" PRIu64,
			b->q->id, b->q->as_of);
	char vkey[GB_VKEY_MAX];
	gb_vkey_format(&p->key, vkey);
	json_object_set_new(b->out, "role", json_string(gb_role_name(p->role)));
	json_object_set_new(b->out, "status", json_string(status_name(p)));
	json_object_set_new(b->out, "vkey", json_string(vkey));
	return p->role == GB_ROLE_MEMBER ? member_balances(st, b, b->out) : 0;
}

/* Every participant, in id order: id, role, status, key. */
static int build_members(const gb_state *st, struct build *b)
{
	int rc = view_roster(st, b);
	if (rc != 0)
		return rc;
	json_t *ps = json_array();
	for (size_t i = 0; i < b->roster->count; i++) {
		const gb_participant *p = &b->roster->p[i];
		char vkey[GB_VKEY_MAX];
		gb_vkey_format(&p->key, vkey);
		json_array_append_new(ps, json_pack("{s:s, s:s, s:s, s:s}", "id", p->id, "role",
			gb_role_name(p->role), "status", status_name(p), "vkey", vkey));
	}
	json_object_set_new(b->out, "participants", ps);
	return 0;
}

/* The fund report: the total, and each member's part (-m/M/fund). */
static int build_fund(const gb_state *st, struct build *b)
{
	int64_t total = 0;
	int rc = view_roster(st, b);
	if (rc != 0)
		return rc;
	roster_members(b->roster, b->members);
	const gb_shares *t = b->members;
	if (t->count > 0 && (rc = gb_books_fund_total(st, t, &total, &b->err)) != 0)
		return rc;
	json_t *parts = json_array();
	for (size_t i = 0; i < t->count; i++) {
		int64_t v;
		if ((rc = gb_books_balance(st, t->id[i], GB_ACCOUNT_FUND, NULL, &v, &b->err)) != 0) {
			json_decref(parts);
			return rc;
		}
		json_array_append_new(parts, json_pack("{s:s, s:I}", "id", t->id[i], "part_fen", (json_int_t)-v));
	}
	json_object_set_new(b->out, "total_fen", json_integer(total));
	json_object_set_new(b->out, "members", parts);
	return 0;
}

/* One account's balance; its member (and other member) must be participants. */
static int build_account(const gb_state *st, struct build *b)
{
	char member[GB_ID_MAX + 1], other[GB_ID_MAX + 1];
	int kind;
	int rc = gb_account_parse(b->q->id, member, &kind, other, &b->err);
	rc = rc ? rc : view_roster(st, b);
	if (rc != 0)
		return rc;
	const char *ids[2] = { member, other };
	for (int i = 0; i < 2; i++) {
		if (ids[i][0] != '\0' && gb_roster_find(b->roster, (gb_str){ ids[i], strlen(ids[i]) }) == NULL)
			return gb_err_set(&b->err, GB_ENOTFOUND, "account '%s': participant '%s' not found as of entry %" PRIu64,
				b->q->id, ids[i], b->q->as_of);
	}
	int64_t v;
	rc = gb_books_balance(st, member, kind, other[0] ? other : NULL, &v, &b->err);
	if (rc == 0)
		json_object_set_new(b->out, "balance_fen", json_integer(v));
	return rc;
}

/* A policy or claim record, as the state holds it (a canonical map). */
static int build_record(const gb_state *st, struct build *b)
{
	char key[GB_STATE_KEY_MAX + 1];
	const char *what = kind_names[b->q->kind], *id = b->q->id;
	const uint8_t *p;
	size_t len;
	if (snprintf(key, sizeof key, "%s/%s", what, id) >= (int)sizeof key)
		return gb_err_set(&b->err, GB_EVALUE, "%s id '%.40s...' is too long", what, id);
	int rc = gb_state_get(st, key, &p, &len);
	if (rc == GB_ENOTFOUND)
		return gb_err_set(&b->err, rc, "%s '%s' not found as of entry %" PRIu64, what, id, b->q->as_of);
	if (rc != 0)
		return gb_err_set(&b->err, rc, "reading %s: %s", key, gb_strerror(rc));
	json_t *rec = gb_mp_to_json(p, len);
	if (rec == NULL || !json_is_object(rec)) {
		json_decref(rec);
		return gb_err_set(&b->err, GB_ECORRUPT, "%s: the record is not a map", key);
	}
	json_object_set_new(b->out, "record", rec);
	return 0;
}

/* -------------------------------------------------------------- reconcile */

static int64_t figure(const gb_reconcile_member *m, size_t k)
{
	int64_t v;
	assert(k < GB_REPORT_RECONCILE_FIGURES);
	memcpy(&v, (const char *)m + figure_offsets[k], sizeof v);
	return v;
}

static json_t *rec_member_json(const gb_reconcile_member *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(m->id));
	for (size_t k = 0; k < GB_REPORT_RECONCILE_FIGURES; k++)
		json_object_set_new(o, gb_report_reconcile_figures[k], json_integer(figure(m, k)));
	return o;
}

static json_t *payment_json(const char *from, const char *to, int64_t fen)
{
	return json_pack("{s:s, s:s, s:I}", "from", from, "to", to, "amount_fen", (json_int_t)fen);
}

/* The reconciliation's JSON into o: members, total, debts, payments, sums. */
static void reconcile_json(const gb_reconcile *r, json_t *o)
{
	json_t *ms = json_array(), *debts = json_array(), *pays = json_array();
	assert(r->count <= GB_RECONCILE_MEMBERS_MAX);
	for (size_t i = 0; i < r->count; i++)
		json_array_append_new(ms, rec_member_json(&r->m[i]));
	for (size_t i = 0; i < r->count; i++)
		for (size_t j = 0; j < r->count; j++)
			if (r->pair_fen[i][j] > 0)
				json_array_append_new(debts, payment_json(r->m[i].id, r->m[j].id, r->pair_fen[i][j]));
	for (size_t k = 0; k < r->payment_count; k++)
		json_array_append_new(pays, payment_json(r->m[r->payment[k].from].id,
			r->m[r->payment[k].to].id, r->payment[k].amount_fen));
	json_object_set_new(o, "members", ms);
	json_object_set_new(o, "total", rec_member_json(&r->total));
	json_object_set_new(o, "debts", debts);
	json_object_set_new(o, "payments", pays);
	json_object_set_new(o, "paid_total_fen", json_integer(r->paid_total_fen));
	json_object_set_new(o, "net_total_fen", json_integer(r->net_total_fen));
}

static int build_reconcile(const gb_state *st, struct build *b)
{
	gb_reconcile *r = malloc(sizeof *r);
	if (r == NULL)
		return gb_err_set(&b->err, GB_ENOMEM, "reconcile: out of memory");
	int rc = gb_reconcile_members(st, b->members, &b->err);
	if (rc == 0)
		rc = gb_reconcile_run(st, b->members, r, &b->err);
	if (rc == 0)
		reconcile_json(r, b->out);
	free(r);
	return rc;
}

/* --------------------------------------------------------------- undercut */

/* "below floor by X; below cost by Y" in CNY. */
static void policy_reason(char *out, size_t cap, const gb_undercut_policy *p)
{
	char a[GB_FEN_TEXT_MAX], c[GB_FEN_TEXT_MAX];
	gb_fen_format_cny(a, p->below_floor_fen);
	gb_fen_format_cny(c, p->below_cost_fen);
	if (p->reasons == (GB_UNDERCUT_BELOW_FLOOR | GB_UNDERCUT_BELOW_COST))
		snprintf(out, cap, "below floor by %s; below cost by %s", a, c);
	else if (p->reasons == GB_UNDERCUT_BELOW_FLOOR)
		snprintf(out, cap, "below floor by %s", a);
	else
		snprintf(out, cap, "below cost by %s", c);
}

static json_t *und_member_json(const gb_undercut_member *m, size_t rank)
{
	char why[256];
	snprintf(why, sizeof why, "%" PRIu64 " of %" PRIu64 " policies below floor or cost, %" PRId64 ".%02" PRId64
		"%% of its premium", m->flagged_policies, m->policies, m->flagged_share_bps / 100,
		m->flagged_share_bps % 100);
	return json_pack("{s:I,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}",
		"rank", (json_int_t)rank, "id", m->id, "flagged", m->flagged,
		"policies", (json_int_t)m->policies, "below_floor", (json_int_t)m->below_floor,
		"below_cost", (json_int_t)m->below_cost, "flagged_policies", (json_int_t)m->flagged_policies,
		"premium_fen", (json_int_t)m->premium_fen, "written_fen", (json_int_t)m->written_fen,
		"flagged_share_bps", (json_int_t)m->flagged_share_bps,
		"shortfall_floor_fen", (json_int_t)m->shortfall_floor_fen,
		"shortfall_cost_fen", (json_int_t)m->shortfall_cost_fen, "shortfall_fen", (json_int_t)m->shortfall_fen,
		"paid_fen", (json_int_t)m->paid_fen, "loss_ratio_bps", (json_int_t)m->loss_ratio_bps,
		"peer_rate_bps", (json_int_t)m->peer_rate_bps, "reason", why);
}

static json_t *und_policy_json(const gb_undercut_policy *p, size_t rank)
{
	char why[256];
	policy_reason(why, sizeof why, p);
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}",
		"rank", (json_int_t)rank, "policy", p->number, "lead", p->lead, "industry", p->industry,
		"premium_fen", (json_int_t)p->premium_fen, "floor_fen", (json_int_t)p->floor_fen,
		"cost_fen", (json_int_t)p->cost_fen, "expected_claims_fen", (json_int_t)p->expected_claims_fen,
		"below_floor_fen", (json_int_t)p->below_floor_fen, "below_cost_fen", (json_int_t)p->below_cost_fen,
		"shortfall_fen", (json_int_t)p->shortfall_fen, "reason", why);
}

/* The undercut report's JSON into o (which holds as_of already). */
static void undercut_json(const gb_undercut *u, json_t *o)
{
	json_object_set_new(o, "as_of_date", json_integer((json_int_t)u->params.as_of_date));
	json_object_set_new(o, "params", json_pack("{s:I,s:I,s:I,s:I,s:I}",
		"loss_ratio_bps", (json_int_t)u->params.loss_ratio_bps, "expense_bps", (json_int_t)u->params.expense_bps,
		"credibility_k", (json_int_t)u->params.credibility_k, "member_bps", (json_int_t)u->params.member_bps,
		"setaside_bps", (json_int_t)u->setaside_bps));
	json_object_set_new(o, "policies", json_integer((json_int_t)u->policies));
	json_object_set_new(o, "claims", json_integer((json_int_t)u->claims));
	json_t *gs = json_array(), *ms = json_array(), *ps = json_array();
	for (size_t i = 0; i < u->group_count; i++) {
		const gb_undercut_group *g = &u->group[i];
		json_array_append_new(gs, json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I}", "industry", g->industry,
			"basis", g->basis, "policies", (json_int_t)g->policies, "earned_days", (json_int_t)g->earned_days,
			"premium_fen", (json_int_t)g->premium_fen, "paid_fen", (json_int_t)g->paid_fen,
			"credibility_bps", (json_int_t)g->credibility_bps));
	}
	for (size_t i = 0; i < u->member_count; i++)
		json_array_append_new(ms, und_member_json(&u->member[i], i + 1));
	for (size_t i = 0; i < u->policy_count; i++)
		json_array_append_new(ps, und_policy_json(&u->policy[i], i + 1));
	json_object_set_new(o, "industries", gs);
	json_object_set_new(o, "members", ms);
	json_object_set_new(o, "flagged_policies", ps);
}

static int build_undercut(const gb_state *st, struct build *b)
{
	gb_undercut *u = calloc(1, sizeof *u);
	if (u == NULL)
		return gb_err_set(&b->err, GB_ENOMEM, "undercut: out of memory");
	int rc = gb_undercut_run(st, &b->q->undercut, u, &b->err);
	if (rc == 0)
		undercut_json(u, b->out);
	gb_undercut_release(u);
	free(u);
	return rc;
}

/* ------------------------------------------------------------------ build */

/* The read view's body: fills b->out for the kind asked. */
static int report_view(const gb_state *st, void *arg)
{
	struct build *b = arg;
	assert(b->out != NULL);
	assert(!gb_report_kind_has_id(b->q->kind) || b->q->id != NULL);
	switch (b->q->kind) {
	case GB_REPORT_MEMBER: return build_member(st, b);
	case GB_REPORT_POLICY: case GB_REPORT_CLAIM: return build_record(st, b);
	case GB_REPORT_FUND: return build_fund(st, b);
	case GB_REPORT_ACCOUNT: return build_account(st, b);
	case GB_REPORT_MEMBERS: return build_members(st, b);
	case GB_REPORT_RECONCILE: return build_reconcile(st, b);
	default: return build_undercut(st, b);
	}
}

/*
 * The head every report starts with: {kind, id, as_of} for show's kinds,
 * {as_of} for reconcile and undercut (as their commands have always printed).
 */
static json_t *report_head(const gb_report_req *q, gb_err *err)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	if (q->kind < GB_REPORT_RECONCILE)
		json_object_set_new(o, "kind", json_string(kind_names[q->kind]));
	if (gb_report_kind_has_id(q->kind) && json_object_set_new(o, "id", json_string(q->id)) != 0) {
		json_decref(o);
		gb_err_set(err, GB_EVALUE, "%s id is not UTF-8", kind_names[q->kind]);
		return NULL;
	}
	json_object_set_new(o, "as_of", json_integer((json_int_t)q->as_of));
	return o;
}

int gb_report_build(gb_ledger *l, const gb_report_req *q, json_t **out, gb_err *err)
{
	assert(l != NULL && q != NULL && out != NULL);
	assert(q->kind >= 0 && q->kind < GB_REPORT_KINDS);
	assert(!gb_report_kind_has_id(q->kind) || q->id != NULL);
	struct build b = { .q = q };
	gb_err verr = { 0, "" };
	b.out = report_head(q, &b.err);
	b.roster = malloc(sizeof *b.roster);
	b.members = malloc(sizeof *b.members);
	int rc = b.out == NULL && b.err.code != 0 ? b.err.code : 0;
	if (rc == 0 && (b.out == NULL || b.roster == NULL || b.members == NULL))
		rc = gb_err_set(&b.err, GB_ENOMEM, "%s report: out of memory", kind_names[q->kind]);
	if (rc == 0 && (rc = gb_ledger_read(l, q->as_of, report_view, &b, &verr)) != 0 && b.err.code == 0)
		b.err = verr;
	free(b.roster);
	free(b.members);
	if (rc != 0) {
		json_decref(b.out);
		if (err != NULL)
			*err = b.err;
		return rc;
	}
	*out = b.out;
	return 0;
}

char *gb_report_dumps(const json_t *report)
{
	assert(report != NULL);
	return gb_json_dumps_line(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}
