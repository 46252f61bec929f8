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

/* The report from the server c: GET /v1/KIND with the arguments of q. */
static int from_server(gb_client *c, const char *as_of_opt, const gb_report_req *q, json_t **out, gb_err *err)
{
	char path[REPORT_PATH_MAX];
	if (report_path(q, as_of_opt, path) != 0)
		return gb_err_set(err, GB_ETOOBIG, "the request for '%.40s' is over %d bytes", q->id ? q->id : "",
			REPORT_PATH_MAX);
	int rc = gb_client_get_json(c, path, out, err);
	if (rc == 0 && !json_is_object(*out)) {
		json_decref(*out);
		return gb_err_set(err, GB_ENET, "%s%s: the answer is not a JSON object", gb_client_url(c), path);
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
