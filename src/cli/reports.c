/*
 * reports.c: how show, reconcile and undercut get their report: built from
 * the ledger by gb_report_build, or fetched from a gongbao server's GET
 * /v1/KIND (spec/API.md), which answers the same JSON. The commands then
 * print text, JSON or CSV from that JSON alone, so that the two sources
 * print the same bytes.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The report from the ledger at ledger_opt (or GONGBAO_LEDGER). */
static int from_ledger(const char *cmd, const char *ledger_opt, const char *as_of_opt, gb_report_req *q,
	json_t **out)
{
	gb_ledger *l;
	gb_err err = { 0, "" };
	int rc = cli_open_ledger(cmd, ledger_opt, 1, &l);
	if (rc != CLI_OK)
		return rc;
	rc = cli_resolve_as_of(l, as_of_opt, &q->as_of, &err);
	if (rc == 0)
		rc = gb_report_build(l, q, out, &err);
	gb_ledger_close(l);
	if (rc == GB_EUSAGE)
		return cli_usage(cmd, "%s", err.msg);
	return rc == 0 ? CLI_OK : cli_fail(&err);
}

int cli_report_get(const char *cmd, const char *ledger_opt, const char *server_url, const char *as_of_opt,
	gb_report_req *q, json_t **out)
{
	assert(cmd != NULL && q != NULL && out != NULL);
	if (server_url != NULL && ledger_opt != NULL)
		return cli_usage(cmd, "--ledger and --server exclude each other");
	return from_ledger(cmd, ledger_opt, as_of_opt, q, out);
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
