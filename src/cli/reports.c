/*
 * reports.c: how show, reconcile and undercut get their report: built from
 * the ledger by gb_report_build, or fetched from a gongbao server's GET
 * /v1/KIND (spec/API.md), which answers the same JSON. The commands then
 * print text, JSON or CSV from that JSON alone, so that the two sources
 * print the same bytes. An --as-of of the wrong form is a usage error
 * before either is asked.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Longest request path of a report: an account name (at most ~140 bytes) percent-encoded, and the rest. */
#define REPORT_PATH_MAX 1024

/* Appends "&name=value" (or "?name=value" first), the value percent-encoded but for RFC 3986's unreserved. */
static int add_arg(char *path, const char *name, const char *value)
{
	size_t n = strlen(path);
	int w = snprintf(path + n, REPORT_PATH_MAX - n, "%c%s=", strchr(path, '?') ? '&' : '?', name);
	if (w < 0 || (size_t)w >= REPORT_PATH_MAX - n)
		return -1;
	n += (size_t)w;
	for (const unsigned char *v = (const unsigned char *)value; *v != '\0'; v++) {
		int plain = (*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') ||
			strchr("-._~", *v) != NULL;
		if (n + 4 > REPORT_PATH_MAX)
			return -1;
		n += (size_t)snprintf(path + n, 4, plain ? "%c" : "%%%02X", *v);
	}
	return 0;
}

/* The path of q's endpoint with its arguments (spec/API.md); -1 if it would not fit. */
static int report_path(const gb_report_req *q, const char *as_of_opt, char path[REPORT_PATH_MAX])
{
	char v[4][24];
	snprintf(path, REPORT_PATH_MAX, "/v1/%s", gb_report_kind_name(q->kind));
	if (q->id != NULL && add_arg(path, "id", q->id) != 0)
		return -1;
	if (as_of_opt != NULL && add_arg(path, "as_of", as_of_opt) != 0)
		return -1;
	if (q->kind != GB_REPORT_UNDERCUT)
		return 0;
	snprintf(v[0], sizeof v[0], "%" PRId64, q->undercut.loss_ratio_bps);
	snprintf(v[1], sizeof v[1], "%" PRId64, q->undercut.expense_bps);
	snprintf(v[2], sizeof v[2], "%" PRId64, q->undercut.credibility_k);
	snprintf(v[3], sizeof v[3], "%" PRId64, q->undercut.member_bps);
	return add_arg(path, "loss_ratio_bps", v[0]) || add_arg(path, "expense_bps", v[1]) ||
		add_arg(path, "credibility_k", v[2]) || add_arg(path, "member_bps", v[3]) ? -1 : 0;
}

/*
 * The members of each report that the commands print (spec/API.md section
 * 5), as "name:T", "obj.name:T" (in the object obj) or "list[].name:T" (in
 * every object of the array list), T one of i (integer), s (string), b
 * (boolean), o (object), a (array). A server's answer must have them all.
 */
static const char *const shape_member[] = { "kind:s", "id:s", "as_of:i", "role:s", "status:s", "vkey:s", NULL };
static const char *const shape_member_books[] = { "balances.cash:i", "balances.receivable:i",
	"balances.premium:i", "balances.setaside:i", "balances.fund:i", "balances.claims:i", "total_fen:i",
	"members:a", "members[].id:s", "members[].owed_fen:i", "members[].owes_fen:i", "members[].net_fen:i", NULL };
static const char *const shape_record[] = { "kind:s", "id:s", "as_of:i", "record:o", NULL };
static const char *const shape_fund[] = { "kind:s", "as_of:i", "total_fen:i", "members:a", "members[].id:s",
	"members[].part_fen:i", NULL };
static const char *const shape_account[] = { "kind:s", "id:s", "as_of:i", "balance_fen:i", NULL };
static const char *const shape_members[] = { "kind:s", "as_of:i", "participants:a", "participants[].id:s",
	"participants[].role:s", "participants[].status:s", "participants[].vkey:s", NULL };
static const char *const shape_reconcile[] = { "as_of:i", "members:a", "members[].id:s", "total.id:s",
	"debts:a", "debts[].from:s", "debts[].to:s", "debts[].amount_fen:i", "payments:a", "payments[].from:s",
	"payments[].to:s", "payments[].amount_fen:i", "paid_total_fen:i", "net_total_fen:i", NULL };
static const char *const shape_undercut[] = { "as_of:i", "as_of_date:i", "params.loss_ratio_bps:i",
	"params.expense_bps:i", "params.credibility_k:i", "params.member_bps:i", "params.setaside_bps:i",
	"policies:i", "claims:i", "industries:a", "members:a", "members[].rank:i", "members[].id:s",
	"members[].flagged:b", "members[].policies:i", "members[].below_floor:i", "members[].below_cost:i",
	"members[].premium_fen:i", "members[].shortfall_floor_fen:i", "members[].shortfall_cost_fen:i",
	"members[].shortfall_fen:i", "members[].loss_ratio_bps:i", "members[].peer_rate_bps:i",
	"members[].reason:s", "flagged_policies:a", "flagged_policies[].rank:i", "flagged_policies[].policy:s",
	"flagged_policies[].lead:s", "flagged_policies[].industry:s", "flagged_policies[].premium_fen:i",
	"flagged_policies[].floor_fen:i", "flagged_policies[].cost_fen:i", "flagged_policies[].below_floor_fen:i",
	"flagged_policies[].below_cost_fen:i", "flagged_policies[].shortfall_fen:i", "flagged_policies[].reason:s",
	NULL };

static int type_is(const json_t *v, char t)
{
	switch (t) {
	case 'i': return json_is_integer(v);
	case 's': return json_is_string(v);
	case 'b': return json_is_boolean(v);
	case 'o': return json_is_object(v);
	default: return json_is_array(v);
	}
}

/* 1 if o has the member `spec` names (see shape_member), of its type. */
static int has_member(const json_t *o, const char *spec)
{
	const char *colon = strchr(spec, ':'), *dot = strchr(spec, '.');
	char head[48];
	assert(colon != NULL && colon[1] != '\0');
	if (dot == NULL || dot > colon) {
		snprintf(head, sizeof head, "%.*s", (int)(colon - spec), spec);
		return type_is(json_object_get(o, head), colon[1]);
	}
	int list = dot - spec > 2 && dot[-1] == ']';
	snprintf(head, sizeof head, "%.*s", (int)(dot - spec - (list ? 2 : 0)), spec);
	const json_t *v = json_object_get(o, head);
	if (!list)
		return json_is_object(v) && has_member(v, dot + 1);
	for (size_t i = 0; i < json_array_size(v); i++) /* an array in an answer of at most 64 MiB */
		if (!has_member(json_array_get(v, i), dot + 1))
			return 0;
	return json_is_array(v);
}

/* 1 if every member of shape (NULL-terminated) is in o; else 0 with *missing the first one not. */
static int has_shape(const json_t *o, const char *const *shape, const char **missing)
{
	for (size_t i = 0; shape[i] != NULL; i++)
		if (!has_member(o, shape[i])) {
			*missing = shape[i];
			return 0;
		}
	return 1;
}

/* 1 if every reconcile figure is an integer in each member and in the total. */
static int has_figures(const json_t *o, const char **missing)
{
	const json_t *ms = json_object_get(o, "members");
	for (size_t k = 0; k < GB_REPORT_RECONCILE_FIGURES; k++) {
		*missing = gb_report_reconcile_figures[k];
		if (!json_is_integer(json_object_get(json_object_get(o, "total"), *missing)))
			return 0;
		for (size_t i = 0; i < json_array_size(ms); i++)
			if (!json_is_integer(json_object_get(json_array_get(ms, i), *missing)))
				return 0;
	}
	return 1;
}

/*
 * Checks that a server's answer is the report q asked for: the kind and
 * id asked for, as of the index asked for (when one was), with every member
 * the commands print, of its type; so that a broken or foreign server's
 * answer is refused (GB_ENET) rather than printed with "?" and 0 for what
 * it lacks.
 */
static int check_report(const json_t *o, const gb_report_req *q, const char *as_of_opt, gb_err *err)
{
	static const char *const *const shapes[GB_REPORT_KINDS] = { shape_member, shape_record, shape_record,
		shape_fund, shape_account, shape_members, shape_reconcile, shape_undercut };
	const char *missing = NULL, *kind = json_string_value(json_object_get(o, "kind"));
	uint64_t as_of;
	assert(q->kind >= 0 && q->kind < GB_REPORT_KINDS);
	if (!has_shape(o, shapes[q->kind], &missing) ||
		(q->kind == GB_REPORT_MEMBER && strcmp(json_string_value(json_object_get(o, "role")), "member") == 0 &&
			!has_shape(o, shape_member_books, &missing)) ||
		(q->kind == GB_REPORT_RECONCILE && !has_figures(o, &missing)))
		return gb_err_set(err, GB_ENET, "the answer is not a %s report: no '%s'", gb_report_kind_name(q->kind),
			missing);
	if (kind != NULL && strcmp(kind, gb_report_kind_name(q->kind)) != 0)
		return gb_err_set(err, GB_ENET, "the answer is a report of kind '%.40s', not '%s'", kind,
			gb_report_kind_name(q->kind));
	if (q->id != NULL && strcmp(json_string_value(json_object_get(o, "id")), q->id) != 0)
		return gb_err_set(err, GB_ENET, "the answer is about '%.80s', not '%.80s'",
			json_string_value(json_object_get(o, "id")), q->id);
	if (as_of_opt != NULL && strchr(as_of_opt, '-') == NULL && sscanf(as_of_opt, "%" SCNu64, &as_of) == 1 &&
		(json_int_t)as_of != json_integer_value(json_object_get(o, "as_of")))
		return gb_err_set(err, GB_ENET, "the answer is as of entry %" PRId64 ", not %s", cli_jint(o, "as_of"),
			as_of_opt);
	return 0;
}

/* The report from the server c: GET /v1/KIND with the arguments of q, checked by check_report. */
static int from_server(gb_client *c, const char *as_of_opt, const gb_report_req *q, json_t **out, gb_err *err)
{
	char path[REPORT_PATH_MAX];
	if (report_path(q, as_of_opt, path) != 0)
		return gb_err_set(err, GB_ETOOBIG, "the request for '%.40s' is over %d bytes", q->id ? q->id : "",
			REPORT_PATH_MAX);
	int rc = gb_client_get_json(c, path, out, err);
	if (rc != 0)
		return rc;
	rc = json_is_object(*out) ? check_report(*out, q, as_of_opt, err) :
		gb_err_set(err, GB_ENET, "the answer is not a JSON object");
	if (rc != 0) {
		gb_err_prefix(err, rc, "%s%s: ", gb_client_url(c), path);
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int cli_report_get(const char *cmd, const char *ledger_opt, const char *server_url, const char *as_of_opt,
	gb_report_req *q, json_t **out)
{
	struct cli_target t;
	gb_err err = { 0, "" };
	assert(cmd != NULL && q != NULL && out != NULL);
	if (as_of_opt != NULL && gb_report_as_of_check(as_of_opt, &err) != 0)
		return cli_usage(cmd, "--%s", err.msg);
	int rc = cli_open_target(cmd, ledger_opt, server_url, 1, &t);
	if (rc != CLI_OK)
		return rc;
	if (t.client != NULL) {
		rc = from_server(t.client, as_of_opt, q, out, &err);
	} else {
		rc = cli_resolve_as_of(t.ledger, as_of_opt, &q->as_of, &err);
		if (rc == 0)
			rc = gb_report_build(t.ledger, q, out, &err);
	}
	cli_close_target(&t);
	return rc == 0 ? CLI_OK : cli_fail(&err);
}

void cli_print_report(const json_t *report)
{
	char *text = gb_report_dumps(report);
	if (text != NULL)
		fputs(text, stdout);
	free(text);
}

const char *cli_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "?";
}

int64_t cli_jint(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}
