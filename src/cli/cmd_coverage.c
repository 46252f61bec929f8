/*
 * cmd_coverage.c: gongbao coverage: the regulator's register of enterprises
 * that must insure against the policies in the ledger (gongbao/coverage.h,
 * spec/TRANSACTIONS.md section 13).
 *
 * Reads the register, reads the newest derived state in one gb_ledger_read
 * view, and prints the report as text, JSON or CSV. Malformed register lines
 * are part of the report and make the exit status 1.
 */
#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "gongbao/date.h"
#include "gongbao/coverage.h"
#include "gongbao/entry.h"
#include "gongbao/store.h"

enum cov_format { FMT_TEXT, FMT_JSON, FMT_CSV };

/* What the read view needs and fills. */
struct cov_req {
	const gb_register *reg;
	uint32_t date;
	gb_coverage cov;
	gb_err err;
};

static int cov_view(const gb_state *st, void *arg)
{
	struct cov_req *q = arg;
	assert(q->reg != NULL);
	assert(q->date != 0);
	return gb_coverage_run(st, q->reg, q->date, &q->cov, &q->err);
}


/* The UTC date of the ledger's newest entry. */
static int latest_date(gb_ledger *l, uint32_t *date, gb_err *err)
{
	uint64_t size;
	uint8_t *p;
	size_t len;
	gb_entry e;
	int rc = gb_ledger_size(l, &size, err);
	rc = rc ? rc : gb_ledger_get(l, size - 1, &p, &len, err);
	if (rc != 0)
		return rc;
	rc = gb_entry_decode(p, len, &e, err);
	if (rc == 0 && e.time >= GB_TIME_END_S)
		rc = gb_err_set(err, GB_ECORRUPT, "entry %" PRIu64 ": time %" PRIu64 " is out of range", size - 1, e.time);
	else if (rc == 0)
		*date = gb_date_of_time(e.time);
	free(p);
	return rc;
}

/* "12.34" for 1234 bps, into a caller buffer. */
static const char *pct(char buf[16], uint32_t bps)
{
	snprintf(buf, 16, "%u.%02u", bps / 100, bps % 100);
	return buf;
}

static json_t *count_json(const gb_coverage_count *n)
{
	char b[16];
	return json_pack("{s:I,s:I,s:i,s:s}", "registered", (json_int_t)n->registered_count,
		"uninsured", (json_int_t)n->uninsured_count, "uninsured_bps", (int)n->uninsured_bps,
		"uninsured_pct", pct(b, n->uninsured_bps));
}

static json_t *groups_json(const gb_coverage_group *g, size_t count)
{
	json_t *a = json_array();
	for (size_t i = 0; i < count; i++) {
		json_t *o = json_object(), *n = count_json(&g[i].n);
		if (g[i].industry[0] != '\0')
			json_object_set_new(o, "industry", json_string(g[i].industry));
		if (g[i].district != NULL)
			json_object_set_new(o, "district", json_string(g[i].district));
		json_object_update(o, n);
		json_decref(n);
		json_array_append_new(a, o);
	}
	return a;
}

/* The whole report as one JSON object. */
static json_t *report_json(const gb_register *reg, const gb_coverage *c, const char *date)
{
	json_t *o = json_object(), *un = json_array(), *nr = json_array(), *diff = json_array(), *bad = json_array();
	json_object_set_new(o, "date", json_string(date));
	json_object_set_new(o, "policies_read", json_integer((json_int_t)c->policy_count));
	json_object_set_new(o, "policies_in_force", json_integer((json_int_t)c->in_force_count));
	json_object_set_new(o, "total", count_json(&c->total));
	json_object_set_new(o, "groups", groups_json(c->groups, c->group_count));
	json_object_set_new(o, "industries", groups_json(c->industries, c->industry_count));
	json_object_set_new(o, "districts", groups_json(c->districts, c->district_count));
	for (size_t i = 0; i < c->uninsured_count; i++) {
		const gb_register_row *r = &reg->rows[c->uninsured[i]];
		json_array_append_new(un, json_pack("{s:i,s:s,s:s,s:s,s:s}", "line", (int)r->line, "usci", r->usci,
			"name", r->name, "industry", r->industry, "district", r->district));
	}
	for (size_t i = 0; i < c->policy_problem_count; i++) {
		const gb_coverage_policy *p = &c->policies[i];
		json_t *e = json_pack("{s:s,s:s,s:s,s:s}", "policy", p->number, "usci", p->usci,
			"enterprise", p->enterprise, "industry", p->industry);
		if (p->problem == GB_COV_INDUSTRY_DIFFERS) {
			json_object_set_new(e, "register_industry", json_string(p->register_industry));
			json_object_set_new(e, "register_line", json_integer(p->register_line));
		}
		json_array_append_new(p->problem == GB_COV_NOT_REGISTERED ? nr : diff, e);
	}
	for (size_t i = 0; i < reg->bad_listed; i++)
		json_array_append_new(bad, json_pack("{s:i,s:s,s:s}", "line", (int)reg->bad[i].line,
			"reason", gb_register_reason_text(reg->bad[i].reason), "why", reg->bad[i].why));
	json_object_set_new(o, "uninsured", un);
	json_object_set_new(o, "not_registered", nr);
	json_object_set_new(o, "industry_differs", diff);
	json_object_set_new(o, "malformed", bad);
	json_object_set_new(o, "malformed_count", json_integer((json_int_t)reg->bad_count));
	return o;
}

/* Prints one CSV field (RFC 4180: quoted when it holds a comma, quote or line end) and sep. */
static void csv_field(const char *s, char sep)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
	} else {
		putchar('"');
		for (const char *p = s; *p != '\0'; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	}
	putchar(sep);
}

/* One CSV line of the fixed columns; NULL or "" for an empty field. */
static void csv_line(const char *kind, uint32_t line, const char *usci, const char *name, const char *industry,
	const char *district, const char *policy, const gb_coverage_count *n, const char *detail)
{
	char num[3][24], b[16];
	snprintf(num[0], sizeof num[0], "%" PRIu32, line);
	csv_field(kind, ',');
	csv_field(line ? num[0] : "", ',');
	csv_field(usci, ',');
	csv_field(name, ',');
	csv_field(industry, ',');
	csv_field(district, ',');
	csv_field(policy, ',');
	if (n != NULL) {
		snprintf(num[1], sizeof num[1], "%" PRIu64, n->registered_count);
		snprintf(num[2], sizeof num[2], "%" PRIu64, n->uninsured_count);
	}
	csv_field(n ? num[1] : "", ',');
	csv_field(n ? num[2] : "", ',');
	csv_field(n ? pct(b, n->uninsured_bps) : "", ',');
	csv_field(detail, '\n');
}

static void print_csv(const gb_register *reg, const gb_coverage *c)
{
	puts("kind,line,usci,name,industry,district,policy,registered,uninsured,uninsured_pct,detail");
	csv_line("total", 0, NULL, NULL, NULL, NULL, NULL, &c->total, NULL);
	for (size_t i = 0; i < c->group_count; i++)
		csv_line("group", 0, NULL, NULL, c->groups[i].industry, c->groups[i].district, NULL, &c->groups[i].n, NULL);
	for (size_t i = 0; i < c->industry_count; i++)
		csv_line("industry", 0, NULL, NULL, c->industries[i].industry, NULL, NULL, &c->industries[i].n, NULL);
	for (size_t i = 0; i < c->district_count; i++)
		csv_line("district", 0, NULL, NULL, NULL, c->districts[i].district, NULL, &c->districts[i].n, NULL);
	for (size_t i = 0; i < c->uninsured_count; i++) {
		const gb_register_row *r = &reg->rows[c->uninsured[i]];
		csv_line("uninsured", r->line, r->usci, r->name, r->industry, r->district, NULL, NULL, NULL);
	}
	for (size_t i = 0; i < c->policy_problem_count; i++) {
		const gb_coverage_policy *p = &c->policies[i];
		char why[64];
		snprintf(why, sizeof why, "the register says %s", p->register_industry);
		int nr = p->problem == GB_COV_NOT_REGISTERED;
		csv_line(nr ? "not_registered" : "industry_differs", p->register_line, p->usci, p->enterprise,
			p->industry, NULL, p->number, NULL, nr ? NULL : why);
	}
	for (size_t i = 0; i < reg->bad_listed; i++)
		csv_line("malformed", reg->bad[i].line, NULL, NULL, NULL, NULL, NULL, NULL, reg->bad[i].why);
}

/* Columns a UTF-8 string takes on a terminal: 2 for East Asian wide characters (U+1100 up, roughly), else 1. */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p & 0xC0) == 0x80)
			continue;       /* a continuation byte */
		w += *p >= 0xE1 ? 2 : 1;    /* a lead byte of U+1000 and up (3-4 byte forms) */
	}
	return w;
}

/* Prints s left-aligned in `cols` terminal columns. */
static void print_padded(const char *s, size_t cols)
{
	size_t w = text_width(s);
	fputs(s, stdout);
	for (size_t i = w; i < cols; i++)
		putchar(' ');
}

static void print_groups(const char *title, const gb_coverage_group *g, size_t count)
{
	char b[16];
	printf("\n%s\n", title);
	for (size_t i = 0; i < count; i++) {
		char label[GB_INDUSTRY_MAX + GB_DISTRICT_MAX + 4];
		snprintf(label, sizeof label, "%s%s%s", g[i].industry, g[i].industry[0] && g[i].district ? " / " : "",
			g[i].district ? g[i].district : "");
		fputs("  ", stdout);
		print_padded(label, 34);
		printf(" %8" PRIu64 " registered %8" PRIu64 " uninsured %7s%%\n",
			g[i].n.registered_count, g[i].n.uninsured_count, pct(b, g[i].n.uninsured_bps));
	}
}

static void print_text(const gb_register *reg, const gb_coverage *c, const char *date)
{
	char b[16];
	printf("coverage on %s: %" PRIu64 " of %" PRIu64 " registered enterprises have no policy in force (%s%%)\n",
		date, c->total.uninsured_count, c->total.registered_count, pct(b, c->total.uninsured_bps));
	printf("policies: %" PRIu64 " in the ledger, %" PRIu64 " in force on %s; register: %zu enterprises, "
		"%zu malformed lines\n", c->policy_count, c->in_force_count, date, reg->row_count, reg->bad_count);
	print_groups("by industry and district", c->groups, c->group_count);
	print_groups("by industry", c->industries, c->industry_count);
	print_groups("by district", c->districts, c->district_count);
	printf("\nuninsured enterprises (%zu): line, USCI, name, industry, district\n", c->uninsured_count);
	for (size_t i = 0; i < c->uninsured_count; i++) {
		const gb_register_row *r = &reg->rows[c->uninsured[i]];
		printf("  %6" PRIu32 "  %s  %s  %s  %s\n", r->line, r->usci, r->name, r->industry, r->district);
	}
	for (int kind = GB_COV_NOT_REGISTERED; kind <= GB_COV_INDUSTRY_DIFFERS; kind++) {
		size_t n = 0;
		for (size_t i = 0; i < c->policy_problem_count; i++)
			n += c->policies[i].problem == kind;
		printf("\npolicies in force %s (%zu)\n", kind == GB_COV_NOT_REGISTERED
			? "whose enterprise is not on the register" : "whose industry differs from the register", n);
		for (size_t i = 0; i < c->policy_problem_count; i++) {
			const gb_coverage_policy *p = &c->policies[i];
			if (p->problem != kind)
				continue;
			printf("  %s  %s  %s  %s", p->number, p->usci, p->enterprise, p->industry);
			if (kind == GB_COV_INDUSTRY_DIFFERS)
				printf("  (register line %" PRIu32 ": %s)", p->register_line, p->register_industry);
			putchar('\n');
		}
	}
	printf("\nmalformed register lines (%zu)\n", reg->bad_count);
	for (size_t i = 0; i < reg->bad_listed; i++)
		printf("  line %" PRIu32 ": %s: %s\n", reg->bad[i].line, gb_register_reason_text(reg->bad[i].reason),
			reg->bad[i].why);
	if (reg->bad_count > reg->bad_listed)
		printf("  ... and %zu more, not listed\n", reg->bad_count - reg->bad_listed);
}

/* Opens the ledger, resolves the date and builds the report into q->cov. */
static int build(const char *ledger_opt, const char *on_opt, struct cov_req *q)
{
	gb_ledger *l;
	int rc = cli_open_ledger("coverage", ledger_opt, 1, &l);
	if (rc != CLI_OK)
		return rc;
	rc = on_opt == NULL ? latest_date(l, &q->date, &q->err) : 0;
	gb_err verr = { 0, "" };
	if (rc == 0 && (rc = gb_ledger_read(l, GB_STORE_LATEST, cov_view, q, &verr)) != 0 && q->err.code == 0)
		q->err = verr;
	gb_ledger_close(l);
	return rc == 0 ? CLI_OK : cli_fail(&q->err);
}

static int coverage_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' }, { "register", required_argument, NULL, 'r' },
		{ "on", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' }, { NULL, 0, NULL, 0 }
	};
	const char *ledger_opt = NULL, *reg_path = NULL, *on_opt = NULL;
	int format = FMT_TEXT, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
		else if (c == 'r')
			reg_path = optarg;
		else if (c == 'o')
			on_opt = optarg;
		else if ((c == 'j' || c == 'c') && format != FMT_TEXT)
			return cli_usage("coverage", "--json and --csv exclude each other");
		else if (c == 'j' || c == 'c')
			format = c == 'j' ? FMT_JSON : FMT_CSV;
		else
			return cli_usage("coverage", "unknown option");
	}
	if (optind != argc)
		return cli_usage("coverage", "unexpected argument '%s'", argv[optind]);
	if (reg_path == NULL)
		return cli_usage("coverage", "want --register FILE.csv");
	struct cov_req q = { 0 };
	if (on_opt != NULL && (q.date = gb_date_parse(on_opt)) == 0)
		return cli_usage("coverage", "--on '%s' is not a date YYYY-MM-DD", on_opt);
	static gb_register reg;
	uint8_t *text;
	size_t len;
	if (cli_read_input(reg_path, GB_REGISTER_BYTES_MAX, &text, &len, &q.err) != 0)
		return cli_fail(&q.err);
	int rc = gb_register_parse(&reg, (const char *)text, len, &q.err);
	free(text);     /* the register keeps copies of its fields */
	if (rc != 0)
		return cli_fail(&q.err);
	q.reg = &reg;
	rc = build(ledger_opt, on_opt, &q);
	if (rc == CLI_OK) {
		char date[16];
		snprintf(date, sizeof date, "%04u-%02u-%02u", (unsigned)(q.date / 10000 % 10000),
			(unsigned)(q.date / 100 % 100), (unsigned)(q.date % 100));
		if (format == FMT_JSON) {
			json_t *o = report_json(&reg, &q.cov, date);
			cli_print_json(o, 0);
			json_decref(o);
		} else if (format == FMT_CSV) {
			print_csv(&reg, &q.cov);
		} else {
			print_text(&reg, &q.cov, date);
		}
		if (reg.bad_count > 0) {
			fprintf(stderr, "gongbao coverage: the register has %zu malformed lines (listed in the report)\n",
				reg.bad_count);
			rc = CLI_FAIL;
		}
	}
	gb_coverage_release(&q.cov);
	gb_register_release(&reg);
	return rc;
}

const struct cli_cmd cli_cmd_coverage = {
	"coverage", "list registered enterprises with no policy in force, and mismatched policies",
	"Usage: gongbao coverage [--ledger DIR] --register FILE.csv [--on YYYY-MM-DD] [--json|--csv]\n"
	"\n"
	"Compares the regulator's register of enterprises that must insure with the\n"
	"policies in the ledger (its newest state; spec/TRANSACTIONS.md section 13):\n"
	"  - the enterprises with no policy in force on the date (a policy is in force\n"
	"    on D when start <= D < end and it was not cancelled on or before D), with\n"
	"    counts and the uninsured share (exact: basis points, printed with two\n"
	"    decimals) by industry and district, by industry, by district and in total;\n"
	"  - the policies in force on the date whose USCI is not on the register, and\n"
	"    those whose industry differs from the register's;\n"
	"  - every malformed register line, with its line number and reason.\n"
	"\n"
	"The register: RFC 4180 CSV (UTF-8, LF or CRLF, quoted fields may hold commas,\n"
	"doubled quotes and line ends), a header line of 4 fields, then one line per\n"
	"enterprise: usci,name,industry,district. usci: a valid unified social credit\n"
	"code (GB 32100-2015, unique in the file); industry: mining, chemicals,\n"
	"fireworks, transport, construction, explosives, smelting, fishery or other;\n"
	"name 1-256 bytes, district 1-64 bytes. Limits: 4096 bytes a record, 16 fields,\n"
	"1,000,000 rows, 256 MiB. A malformed line (bad USCI, wrong field count,\n"
	"unknown industry, unterminated quote, duplicate USCI, ...) is never skipped\n"
	"silently: it is listed in the report (the first 10,000; all are counted) and\n"
	"the command exits 1 after printing the whole report. A duplicate keeps its\n"
	"first line.\n"
	"\n"
	"Options:\n"
	"  --register FILE     the register (\"-\" for stdin)\n"
	"  --on YYYY-MM-DD     the date (default: the UTC date of the ledger's newest entry)\n"
	"  --json              JSON: {date, policies_read, policies_in_force, total,\n"
	"                      groups, industries, districts (each {industry?, district?,\n"
	"                      registered, uninsured, uninsured_bps, uninsured_pct}),\n"
	"                      uninsured: [{line, usci, name, industry, district}],\n"
	"                      not_registered, industry_differs: [{policy, usci, enterprise,\n"
	"                      industry, register_industry?, register_line?}],\n"
	"                      malformed: [{line, reason, why}], malformed_count}\n"
	"  --csv               one CSV table: kind,line,usci,name,industry,district,policy,\n"
	"                      registered,uninsured,uninsured_pct,detail with kind total,\n"
	"                      group, industry, district, uninsured, not_registered,\n"
	"                      industry_differs or malformed\n"
	"  --ledger DIR        the ledger (else $GONGBAO_LEDGER)\n"
	"\n"
	"Exit status: 0 the report is complete, 1 the register has malformed lines (the\n"
	"report is still printed) or the command failed, 2 bad usage.\n",
	coverage_run,
};
