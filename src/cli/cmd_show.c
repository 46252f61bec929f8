/*
 * cmd_show.c: gongbao show: one member, policy, claim, account or the
 * prevention fund, as the derived state holds it, now or as of an earlier
 * entry or date.
 *
 * Everything is read through one gb_ledger_read view, so a report is one
 * consistent snapshot. The builders make a JSON object (amounts in fen as
 * integers); the text form is printed from that same object, with amounts
 * in CNY formatted from the integer fen (no floating point).
 */
#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gongbao/money.h"
#include "gongbao/books.h"
#include "gongbao/json.h"
#include "gongbao/rules.h"

/* Longest CNY text: "-10,000,000,000,000.00" and a NUL. */
#define CNY_MAX 48

enum show_kind { SHOW_MEMBER, SHOW_POLICY, SHOW_CLAIM, SHOW_FUND, SHOW_ACCOUNT };

static const char *const kind_names[] = { "member", "policy", "claim", "fund", "account" };

/* What one show asks for, and what the read view builds. */
struct show_req {
	int kind;
	const char *id;                 /* NULL for the fund */
	uint64_t as_of;                 /* the index reported on */
	json_t *out;                    /* the report, built in the view */
	gb_err err;
};

/* Writes fen as CNY with thousands separators and two decimals: -1,234.05. */
static void cny(char out[CNY_MAX], int64_t fen)
{
	char buf[GB_FEN_TEXT_MAX];
	snprintf(out, CNY_MAX, "%s", gb_fen_format_cny(buf, fen));
}

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

/* Loads the roster as the view holds it. */
static int view_roster(const gb_state *st, gb_roster *r, gb_err *err)
{
	const uint8_t *p;
	size_t len;
	int rc = gb_state_get(st, "roster", &p, &len);
	if (rc != 0)
		return gb_err_set(err, rc == GB_ENOTFOUND ? GB_ECORRUPT : rc, "no roster in the state");
	return gb_roster_decode(r, p, len, err);
}

/* The member report: role, status, key, balances, and what it owes and is owed. */
static int build_member(const gb_state *st, struct show_req *q)
{
	static gb_roster r;
	static gb_shares t;
	gb_member_balances b;
	int rc = view_roster(st, &r, &q->err);
	if (rc != 0)
		return rc;
	const gb_participant *p = gb_roster_find(&r, (gb_str){ q->id, strlen(q->id) });
	if (p == NULL)
		return gb_err_set(&q->err, GB_ENOTFOUND, "participant '%s' not found as of entry %" PRIu64,
			q->id, q->as_of);
	char vkey[GB_VKEY_MAX];
	gb_vkey_format(&p->key, vkey);
	json_t *o = q->out;
	json_object_set_new(o, "role", json_string(gb_role_name(p->role)));
	json_object_set_new(o, "status", json_string(p->revoked ? "revoked" : p->suspended ? "suspended" : "active"));
	json_object_set_new(o, "vkey", json_string(vkey));
	if (p->role != GB_ROLE_MEMBER)
		return 0;
	roster_members(&r, &t);
	rc = gb_books_member_balances(st, &t, q->id, &b, &q->err);
	if (rc != 0)
		return rc;
	json_t *bal = json_object(), *others = json_array();
	for (int k = 0; k < GB_ACCOUNT_OWN_KINDS; k++)
		json_object_set_new(bal, gb_account_kind_name(k), json_integer(b.own_fen[k]));
	for (size_t i = 0; i < b.count; i++) {
		if (strcmp(t.id[i], q->id) == 0)
			continue;
		json_t *m = json_object();
		json_object_set_new(m, "id", json_string(t.id[i]));
		json_object_set_new(m, "owed_fen", json_integer(b.due_from_fen[i]));
		json_object_set_new(m, "owes_fen", json_integer(-b.due_to_fen[i]));
		json_object_set_new(m, "net_fen", json_integer(b.due_from_fen[i] + b.due_to_fen[i]));
		json_array_append_new(others, m);
	}
	json_object_set_new(o, "balances", bal);
	json_object_set_new(o, "total_fen", json_integer(b.total_fen));
	json_object_set_new(o, "members", others);
	return 0;
}

/* The fund report: the total, and each member's part (-m/M/fund). */
static int build_fund(const gb_state *st, struct show_req *q)
{
	static gb_roster r;
	static gb_shares t;
	int64_t total;
	int rc = view_roster(st, &r, &q->err);
	if (rc != 0)
		return rc;
	roster_members(&r, &t);
	if (t.count > 0 && (rc = gb_books_fund_total(st, &t, &total, &q->err)) != 0)
		return rc;
	json_t *parts = json_array();
	for (size_t i = 0; i < t.count; i++) {
		int64_t v;
		rc = gb_books_balance(st, t.id[i], GB_ACCOUNT_FUND, NULL, &v, &q->err);
		if (rc != 0) {
			json_decref(parts);
			return rc;
		}
		json_t *m = json_object();
		json_object_set_new(m, "id", json_string(t.id[i]));
		json_object_set_new(m, "part_fen", json_integer(-v));
		json_array_append_new(parts, m);
	}
	json_object_set_new(q->out, "total_fen", json_integer(t.count ? total : 0));
	json_object_set_new(q->out, "members", parts);
	return 0;
}

/* One account's balance; its member must be a participant. */
static int build_account(const gb_state *st, struct show_req *q)
{
	static gb_roster r;
	char member[GB_ID_MAX + 1], other[GB_ID_MAX + 1];
	int kind;
	int rc = gb_account_parse(q->id, member, &kind, other, &q->err);
	rc = rc ? rc : view_roster(st, &r, &q->err);
	if (rc != 0)
		return rc;
	const char *ids[2] = { member, other };
	for (int i = 0; i < 2; i++) {
		if (ids[i][0] != '\0' && gb_roster_find(&r, (gb_str){ ids[i], strlen(ids[i]) }) == NULL)
			return gb_err_set(&q->err, GB_ENOTFOUND, "account '%s': participant '%s' not found as of entry %" PRIu64,
				q->id, ids[i], q->as_of);
	}
	int64_t v;
	rc = gb_books_balance(st, member, kind, other[0] ? other : NULL, &v, &q->err);
	if (rc == 0)
		json_object_set_new(q->out, "balance_fen", json_integer(v));
	return rc;
}

/* A policy or claim record, as the state holds it (a canonical map). */
static int build_record(const gb_state *st, struct show_req *q)
{
	char key[GB_STATE_KEY_MAX + 1];
	const char *what = kind_names[q->kind];
	const uint8_t *p;
	size_t len;
	if (snprintf(key, sizeof key, "%s/%s", what, q->id) >= (int)sizeof key)
		return gb_err_set(&q->err, GB_EVALUE, "%s id '%.40s...' is too long", what, q->id);
	int rc = gb_state_get(st, key, &p, &len);
	if (rc == GB_ENOTFOUND)
		return gb_err_set(&q->err, rc, "%s '%s' not found as of entry %" PRIu64, what, q->id, q->as_of);
	if (rc != 0)
		return gb_err_set(&q->err, rc, "reading %s: %s", key, gb_strerror(rc));
	json_t *rec = gb_mp_to_json(p, len);
	if (rec == NULL || !json_is_object(rec)) {
		json_decref(rec);
		return gb_err_set(&q->err, GB_ECORRUPT, "%s: the record is not a map", key);
	}
	json_object_set_new(q->out, "record", rec);
	return 0;
}

/* The read view's body: builds q->out for the kind asked. */
static int show_view(const gb_state *st, void *arg)
{
	struct show_req *q = arg;
	assert(q->out != NULL);
	assert(q->kind == SHOW_FUND || q->id != NULL);
	switch (q->kind) {
	case SHOW_MEMBER: return build_member(st, q);
	case SHOW_FUND: return build_fund(st, q);
	case SHOW_ACCOUNT: return build_account(st, q);
	default: return build_record(st, q);
	}
}

/* An integer member of o (0 if absent). */
static int64_t jint(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static void print_member(const json_t *o)
{
	char a[CNY_MAX], b[CNY_MAX], c[CNY_MAX];
	printf("%s '%s' as of entry %" PRId64 "\n", json_string_value(json_object_get(o, "role")),
		json_string_value(json_object_get(o, "id")), jint(o, "as_of"));
	printf("  status  %s\n  vkey    %s\n", json_string_value(json_object_get(o, "status")),
		json_string_value(json_object_get(o, "vkey")));
	const json_t *bal = json_object_get(o, "balances");
	if (bal == NULL)
		return;
	printf("  balances (CNY; debit +, credit -)\n");
	for (int k = 0; k < GB_ACCOUNT_OWN_KINDS; k++) {
		cny(a, jint(bal, gb_account_kind_name(k)));
		printf("    %-12s %22s\n", gb_account_kind_name(k), a);
	}
	cny(a, jint(o, "total_fen"));
	printf("    %-12s %22s\n", "total", a);
	const json_t *ms = json_object_get(o, "members");
	if (json_array_size(ms) == 0)
		return;
	printf("  with other members (CNY)  %-22s %20s %20s %20s\n", "member", "owed to it", "it owes", "net");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		const json_t *m = json_array_get(ms, i);
		cny(a, jint(m, "owed_fen"));
		cny(b, jint(m, "owes_fen"));
		cny(c, jint(m, "net_fen"));
		printf("                            %-22s %20s %20s %20s\n",
			json_string_value(json_object_get(m, "id")), a, b, c);
	}
}

static void print_fund(const json_t *o)
{
	char a[CNY_MAX];
	cny(a, jint(o, "total_fen"));
	printf("prevention fund as of entry %" PRId64 ": %s CNY\n", jint(o, "as_of"), a);
	const json_t *ms = json_object_get(o, "members");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		const json_t *m = json_array_get(ms, i);
		cny(a, jint(m, "part_fen"));
		printf("  %-24s %22s\n", json_string_value(json_object_get(m, "id")), a);
	}
}

/* A record's fields, one a line; *_fen integers also in CNY, maps and arrays as JSON. */
static void print_record(const json_t *o)
{
	const json_t *rec = json_object_get(o, "record");
	const char *key;
	const json_t *v;
	printf("%s '%s' as of entry %" PRId64 "\n", json_string_value(json_object_get(o, "kind")),
		json_string_value(json_object_get(o, "id")), jint(o, "as_of"));
	json_object_foreach((json_t *)rec, key, v) {
		size_t kl = strlen(key);
		if (json_is_integer(v) && kl > 4 && strcmp(key + kl - 4, "_fen") == 0) {
			char a[CNY_MAX];
			cny(a, (int64_t)json_integer_value(v));
			printf("  %-16s %s CNY\n", key, a);
		} else if (json_is_string(v)) {
			printf("  %-16s %s\n", key, json_string_value(v));
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			printf("  %-16s %s\n", key, s ? s : "?");
			free(s);
		}
	}
}

static void print_text(const json_t *o, int kind)
{
	char a[CNY_MAX];
	switch (kind) {
	case SHOW_MEMBER: print_member(o); break;
	case SHOW_FUND: print_fund(o); break;
	case SHOW_ACCOUNT:
		cny(a, jint(o, "balance_fen"));
		printf("%s  %s CNY  (as of entry %" PRId64 ")\n", json_string_value(json_object_get(o, "id")), a,
			jint(o, "as_of"));
		break;
	default: print_record(o); break;
	}
}

static int show_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "as-of", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ledger_opt = NULL, *as_of_opt = NULL;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
		else if (c == 'j')
			json = 1;
		else if (c == 'a')
			as_of_opt = optarg;
		else
			return cli_usage("show", "unknown option");
	}
	if (optind >= argc)
		return cli_usage("show", "want a KIND: member, policy, claim, fund or account");
	struct show_req q = { .kind = -1 };
	for (int k = 0; k < (int)(sizeof kind_names / sizeof kind_names[0]); k++)
		if (strcmp(argv[optind], kind_names[k]) == 0)
			q.kind = k;
	if (q.kind < 0)
		return cli_usage("show", "unknown kind '%s': want member, policy, claim, fund or account", argv[optind]);
	int want_args = q.kind == SHOW_FUND ? 1 : 2;
	if (argc - optind != want_args)
		return cli_usage("show", q.kind == SHOW_FUND ? "'show fund' takes no ID" : "want one ID after '%s'",
			argv[optind]);
	q.id = q.kind == SHOW_FUND ? NULL : argv[optind + 1];
	gb_ledger *l;
	int rc = cli_open_ledger("show", ledger_opt, 1, &l);
	if (rc != CLI_OK)
		return rc;
	rc = cli_resolve_as_of(l, as_of_opt, &q.as_of, &q.err);
	if (rc == GB_EUSAGE) {
		gb_ledger_close(l);
		return cli_usage("show", "%s", q.err.msg);
	}
	q.out = json_object();
	json_object_set_new(q.out, "kind", json_string(kind_names[q.kind]));
	if (q.id != NULL)
		json_object_set_new(q.out, "id", json_string(q.id));
	json_object_set_new(q.out, "as_of", json_integer((json_int_t)q.as_of));
	gb_err verr;
	if (rc == 0 && (rc = gb_ledger_read(l, q.as_of, show_view, &q, &verr)) != 0 && q.err.code == 0)
		q.err = verr;
	gb_ledger_close(l);
	if (rc != 0) {
		json_decref(q.out);
		return cli_fail(&q.err);
	}
	if (json)
		cli_print_json(q.out, 0);
	else
		print_text(q.out, q.kind);
	json_decref(q.out);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_show = {
	"show", "print a member, policy, claim, account or the prevention fund",
	"Usage: gongbao show [--ledger DIR] KIND [ID] [--json] [--as-of INDEX|YYYY-MM-DD]\n"
	"\n"
	"Prints one object of the derived state, read in one consistent snapshot.\n"
	"Amounts print in CNY (fen / 100, two decimals, exact); with --json they are\n"
	"integers in fen, in fields ending _fen. Balances are debit positive, credit\n"
	"negative (spec/TRANSACTIONS.md section 2).\n"
	"\n"
	"Kinds:\n"
	"  member ID     a participant: role, status (active, suspended or revoked) and\n"
	"                verifier key; for a member also its balances (cash, receivable,\n"
	"                premium, setaside, fund, claims, and their total, 0 when its\n"
	"                books balance) and, for every other member, what that member\n"
	"                owes it (owed_fen = m/ID/due_from/N), what it owes that member\n"
	"                (owes_fen = -m/ID/due_to/N) and the net (owed - owes).\n"
	"                JSON: {kind, id, as_of, role, status, vkey, balances: {cash, ...},\n"
	"                total_fen, members: [{id, owed_fen, owes_fen, net_fen}]}\n"
	"  policy NO     the policy record (spec/TRANSACTIONS.md section 6) as stored;\n"
	"                JSON: {kind, id, as_of, record: {...}}\n"
	"  claim ID      the claim record, likewise\n"
	"  fund          the prevention fund: its total and each member's part\n"
	"                (-m/M/fund); JSON: {kind, as_of, total_fen, members: [{id, part_fen}]}\n"
	"  account NAME  one balance, NAME as m/MEMBER/KIND or m/MEMBER/due_from|due_to/OTHER;\n"
	"                JSON: {kind, id, as_of, balance_fen}\n"
	"\n"
	"Options:\n"
	"  --json              machine-readable JSON (indented)\n"
	"  --as-of INDEX       as of entry INDEX (0 .. size-1): exact\n"
	"  --as-of YYYY-MM-DD  as of the last entry whose time falls on or before that UTC\n"
	"                      day (exact to within the consortium's clock skew)\n"
	"  --ledger DIR        the ledger (else $GONGBAO_LEDGER)\n"
	"\n"
	"Errors: an unknown participant, policy or claim is GB_ENOTFOUND; an index past\n"
	"the log is GB_ERANGE; a date before the first entry is GB_ENOTFOUND; a malformed\n"
	"account name is GB_EVALUE.\n",
	show_run,
};
