/*
 * cmd_reconcile.c: gongbao reconcile: each member's premium, set-aside,
 * claims, fund part and cash, what each owes each other, and the netting
 * plan, as of an entry or a date (spec/TRANSACTIONS.md section 11).
 *
 * The report is gb_report_build's JSON (gb_reconcile_run reads balances
 * only, in one snapshot), from the ledger or from a server; this file
 * prints it as text (CNY), JSON or CSV (fen), from the JSON alone.
 */
#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gongbao/money.h"

enum rec_format { REC_TEXT, REC_JSON, REC_CSV };

#define FIGURES_COUNT GB_REPORT_RECONCILE_FIGURES

/* Figure k of a member object. */
static int64_t figure(const json_t *m, size_t k)
{
	assert(k < FIGURES_COUNT);
	return cli_jint(m, gb_report_reconcile_figures[k]);
}

/* Long CSV: one figure a row, so that every part of the report fits one header. */
static void print_csv(const json_t *o)
{
	const json_t *ms = json_object_get(o, "members"), *debts = json_object_get(o, "debts"),
		*pays = json_object_get(o, "payments");
	size_t n = json_array_size(ms);
	printf("section,member,other,figure,amount_fen\n");
	for (size_t i = 0; i <= n; i++) {
		const json_t *m = i < n ? json_array_get(ms, i) : json_object_get(o, "total");
		for (size_t k = 0; k < FIGURES_COUNT; k++)
			printf("%s,%s,,%s,%" PRId64 "\n", i < n ? "member" : "total", cli_jstr(m, "id"),
				gb_report_reconcile_figures[k], figure(m, k));
	}
	for (size_t i = 0; i < json_array_size(debts); i++) {
		const json_t *d = json_array_get(debts, i);
		printf("debt,%s,%s,owes_fen,%" PRId64 "\n", cli_jstr(d, "from"), cli_jstr(d, "to"),
			cli_jint(d, "amount_fen"));
	}
	for (size_t k = 0; k < json_array_size(pays); k++) {
		const json_t *p = json_array_get(pays, k);
		printf("payment,%s,%s,pays_fen,%" PRId64 "\n", cli_jstr(p, "from"), cli_jstr(p, "to"),
			cli_jint(p, "amount_fen"));
	}
	printf("check,,,net_total_fen,%" PRId64 "\n", cli_jint(o, "net_total_fen"));
}

static const char *const headings[FIGURES_COUNT] = {
	"written", "received", "receivable", "set-aside", "fund part", "claims paid", "cash",
	"owed to it", "it owes", "net",
};

/* The members' table, the total last. */
static void print_table(const json_t *o)
{
	char a[GB_FEN_TEXT_MAX];
	const json_t *ms = json_object_get(o, "members");
	size_t n = json_array_size(ms);
	printf("%-16s", "member");
	for (size_t k = 0; k < FIGURES_COUNT; k++)
		printf(" %18s", headings[k]);
	printf("\n");
	for (size_t i = 0; i <= n; i++) {
		const json_t *m = i < n ? json_array_get(ms, i) : json_object_get(o, "total");
		printf("%-16s", cli_jstr(m, "id"));
		for (size_t k = 0; k < FIGURES_COUNT; k++)
			printf(" %18s", gb_fen_format_cny(a, figure(m, k)));
		printf("\n");
	}
}

static void print_text(const json_t *o)
{
	char a[GB_FEN_TEXT_MAX], b[GB_FEN_TEXT_MAX];
	const json_t *debts = json_object_get(o, "debts"), *pays = json_object_get(o, "payments");
	size_t n = json_array_size(pays);
	printf("reconciliation as of entry %" PRId64 " (CNY; net > 0: owed money)\n\n", cli_jint(o, "as_of"));
	print_table(o);
	printf("\nwhat each member owes each other, net of both sides:\n");
	for (size_t i = 0; i < json_array_size(debts); i++) {
		const json_t *d = json_array_get(debts, i);
		printf("  %-16s owes %-16s %18s\n", cli_jstr(d, "from"), cli_jstr(d, "to"),
			gb_fen_format_cny(a, cli_jint(d, "amount_fen")));
	}
	if (json_array_size(debts) == 0)
		printf("  nothing: every member is even with every other\n");
	printf("\nnetting plan (%zu payment%s for %zu members):\n", n, n == 1 ? "" : "s",
		json_array_size(json_object_get(o, "members")));
	for (size_t k = 0; k < n; k++) {
		const json_t *p = json_array_get(pays, k);
		printf("  %-16s pays %-16s %18s\n", cli_jstr(p, "from"), cli_jstr(p, "to"),
			gb_fen_format_cny(a, cli_jint(p, "amount_fen")));
	}
	printf("  paid in all %s; net positions sum to %s\n", gb_fen_format_cny(a, cli_jint(o, "paid_total_fen")),
		gb_fen_format_cny(b, cli_jint(o, "net_total_fen")));
}

static int reconcile_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "server", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "as-of", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ledger_opt = NULL, *server_opt = NULL, *as_of_opt = NULL;
	int format = REC_TEXT, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
		else if (c == 's')
			server_opt = optarg;
		else if (c == 'j' || c == 'c') {
			if (format != REC_TEXT)
				return cli_usage("reconcile", "--json and --csv exclude each other");
			format = c == 'j' ? REC_JSON : REC_CSV;
		} else if (c == 'a')
			as_of_opt = optarg;
		else
			return cli_usage("reconcile", "unknown option");
	}
	if (optind != argc)
		return cli_usage("reconcile", "unexpected argument '%s'", argv[optind]);
	gb_report_req q = { .kind = GB_REPORT_RECONCILE };
	json_t *o;
	int rc = cli_report_get("reconcile", ledger_opt, server_opt, as_of_opt, &q, &o);
	if (rc != CLI_OK)
		return rc;
	if (format == REC_JSON)
		cli_print_report(o);
	else if (format == REC_CSV)
		print_csv(o);
	else
		print_text(o);
	json_decref(o);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_reconcile = {
	"reconcile", "reconcile the members' books and plan the settlements",
	"Usage: gongbao reconcile [--ledger DIR | --server URL] [--as-of INDEX|YYYY-MM-DD] [--json|--csv]\n"
	"\n"
	"For every member (spec/TRANSACTIONS.md section 11): premium written (its\n"
	"share, -m/M/premium), premium received (written - receivable), receivable,\n"
	"prevention set-aside, its fund part (-m/M/fund), claims and advances paid\n"
	"(its share), cash, what the others owe it (sum of m/M/due_from/N), what it\n"
	"owes them (sum of -m/M/due_to/N) and its net position (owed - owes); the\n"
	"totals; what each member owes each other, net of both sides; and a netting\n"
	"plan: the largest debtor pays the largest creditor, repeatedly, at most\n"
	"n - 1 payments that bring every member to zero. The net positions sum to 0.\n"
	"\n"
	"It reads only the derived balances (members^2 reads), never the entries: its\n"
	"time does not depend on the number of entries in the log.\n"
	"\n"
	"Output: text in CNY (two decimals, exact); --json with integers in fen:\n"
	"  {as_of, members: [{id, premium_written_fen, premium_received_fen,\n"
	"   receivable_fen, setaside_fen, fund_part_fen, claims_paid_fen, cash_fen,\n"
	"   owed_fen, owes_fen, net_fen}], total: {...}, debts: [{from, to, amount_fen}],\n"
	"   payments: [{from, to, amount_fen}], paid_total_fen, net_total_fen}\n"
	"--csv: one figure a row, header section,member,other,figure,amount_fen; the\n"
	"sections are member, total, debt (owes_fen), payment (pays_fen) and check\n"
	"(net_total_fen).\n"
	"\n"
	"Options:\n"
	"  --as-of INDEX       as of entry INDEX (0 .. size-1)\n"
	"  --as-of YYYY-MM-DD  as of the last entry on or before that UTC day\n"
	"  --ledger DIR        the ledger (else $GONGBAO_LEDGER)\n"
	"  --server URL        instead of a ledger, a gongbao server (http://HOST:PORT): the\n"
	"                      same report from its GET /v1/reconcile, printed the same way;\n"
	"                      an answer that is not that report is GB_ENET\n"
	"\n"
	"Errors: an index past the log is GB_ERANGE, a date before the first entry\n"
	"GB_ENOTFOUND; debts that do not mirror each other are GB_EINVARIANT.\n",
	reconcile_run,
};
