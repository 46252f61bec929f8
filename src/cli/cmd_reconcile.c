/*
 * cmd_reconcile.c: gongbao reconcile: each member's premium, set-aside,
 * claims, fund part and cash, what each owes each other, and the netting
 * plan, as of an entry or a date (spec/TRANSACTIONS.md section 11).
 *
 * gb_reconcile_run reads balances only, in one gb_ledger_read snapshot;
 * this file prints its result as text (CNY), JSON or CSV (fen).
 */
#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gongbao/money.h"
#include "gongbao/reconcile.h"

enum rec_format { REC_TEXT, REC_JSON, REC_CSV };

/* The figures of gb_reconcile_member, in print order, by name. */
struct rec_figure {
	const char *name;
	size_t offset;
};

#define FIG(f) { #f, offsetof(gb_reconcile_member, f) }
static const struct rec_figure figures[] = {
	FIG(premium_written_fen), FIG(premium_received_fen), FIG(receivable_fen), FIG(setaside_fen),
	FIG(fund_part_fen), FIG(claims_paid_fen), FIG(cash_fen), FIG(owed_fen), FIG(owes_fen),
	FIG(net_fen),
};
#define FIGURES_COUNT (sizeof figures / sizeof figures[0])

static int64_t figure(const gb_reconcile_member *m, size_t k)
{
	assert(k < FIGURES_COUNT);
	int64_t v;
	memcpy(&v, (const char *)m + figures[k].offset, sizeof v);
	return v;
}

/* The result (44 KB), filled in the read view. */
static gb_reconcile result;

static int reconcile_view(const gb_state *st, void *arg)
{
	static gb_shares t;
	gb_err *err = arg;
	int rc = gb_reconcile_members(st, &t, err);
	return rc ? rc : gb_reconcile_run(st, &t, &result, err);
}

static json_t *member_json(const gb_reconcile_member *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(m->id));
	for (size_t k = 0; k < FIGURES_COUNT; k++)
		json_object_set_new(o, figures[k].name, json_integer(figure(m, k)));
	return o;
}

static json_t *payment_json(const char *from, const char *to, int64_t fen)
{
	json_t *o = json_object();
	json_object_set_new(o, "from", json_string(from));
	json_object_set_new(o, "to", json_string(to));
	json_object_set_new(o, "amount_fen", json_integer(fen));
	return o;
}

static void print_json(const gb_reconcile *r, uint64_t as_of)
{
	json_t *o = json_object(), *ms = json_array(), *debts = json_array(), *pays = json_array();
	json_object_set_new(o, "as_of", json_integer((json_int_t)as_of));
	for (size_t i = 0; i < r->count; i++)
		json_array_append_new(ms, member_json(&r->m[i]));
	for (size_t i = 0; i < r->count; i++)
		for (size_t j = 0; j < r->count; j++)
			if (r->pair_fen[i][j] > 0)
				json_array_append_new(debts, payment_json(r->m[i].id, r->m[j].id, r->pair_fen[i][j]));
	for (size_t k = 0; k < r->payment_count; k++)
		json_array_append_new(pays, payment_json(r->m[r->payment[k].from].id,
			r->m[r->payment[k].to].id, r->payment[k].amount_fen));
	json_object_set_new(o, "members", ms);
	json_object_set_new(o, "total", member_json(&r->total));
	json_object_set_new(o, "debts", debts);
	json_object_set_new(o, "payments", pays);
	json_object_set_new(o, "paid_total_fen", json_integer(r->paid_total_fen));
	json_object_set_new(o, "net_total_fen", json_integer(r->net_total_fen));
	cli_print_json(o, 0);
	json_decref(o);
}

/* Long CSV: one figure a row, so that every part of the report fits one header. */
static void print_csv(const gb_reconcile *r)
{
	printf("section,member,other,figure,amount_fen\n");
	for (size_t i = 0; i <= r->count; i++) {
		const gb_reconcile_member *m = i < r->count ? &r->m[i] : &r->total;
		for (size_t k = 0; k < FIGURES_COUNT; k++)
			printf("%s,%s,,%s,%" PRId64 "\n", i < r->count ? "member" : "total", m->id,
				figures[k].name, figure(m, k));
	}
	for (size_t i = 0; i < r->count; i++)
		for (size_t j = 0; j < r->count; j++)
			if (r->pair_fen[i][j] > 0)
				printf("debt,%s,%s,owes_fen,%" PRId64 "\n", r->m[i].id, r->m[j].id,
					r->pair_fen[i][j]);
	for (size_t k = 0; k < r->payment_count; k++)
		printf("payment,%s,%s,pays_fen,%" PRId64 "\n", r->m[r->payment[k].from].id,
			r->m[r->payment[k].to].id, r->payment[k].amount_fen);
	printf("check,,,net_total_fen,%" PRId64 "\n", r->net_total_fen);
}

static const char *const headings[FIGURES_COUNT] = {
	"written", "received", "receivable", "set-aside", "fund part", "claims paid", "cash",
	"owed to it", "it owes", "net",
};

static void print_text(const gb_reconcile *r, uint64_t as_of)
{
	char a[GB_FEN_TEXT_MAX];
	printf("reconciliation as of entry %" PRIu64 " (CNY; net > 0: owed money)\n\n", as_of);
	printf("%-16s", "member");
	for (size_t k = 0; k < FIGURES_COUNT; k++)
		printf(" %18s", headings[k]);
	printf("\n");
	for (size_t i = 0; i <= r->count; i++) {
		const gb_reconcile_member *m = i < r->count ? &r->m[i] : &r->total;
		printf("%-16s", m->id);
		for (size_t k = 0; k < FIGURES_COUNT; k++)
			printf(" %18s", gb_fen_format_cny(a, figure(m, k)));
		printf("\n");
	}
	printf("\nwhat each member owes each other, net of both sides:\n");
	size_t debts = 0;
	for (size_t i = 0; i < r->count; i++)
		for (size_t j = 0; j < r->count; j++)
			if (r->pair_fen[i][j] > 0) {
				printf("  %-16s owes %-16s %18s\n", r->m[i].id, r->m[j].id,
					gb_fen_format_cny(a, r->pair_fen[i][j]));
				debts++;
			}
	if (debts == 0)
		printf("  nothing: every member is even with every other\n");
	printf("\nnetting plan (%zu payment%s for %zu members):\n", r->payment_count,
		r->payment_count == 1 ? "" : "s", r->count);
	for (size_t k = 0; k < r->payment_count; k++)
		printf("  %-16s pays %-16s %18s\n", r->m[r->payment[k].from].id,
			r->m[r->payment[k].to].id, gb_fen_format_cny(a, r->payment[k].amount_fen));
	printf("  paid in all %s; net positions sum to %s\n", gb_fen_format_cny(a, r->paid_total_fen),
		gb_fen_format_cny((char[GB_FEN_TEXT_MAX]){ 0 }, r->net_total_fen));
}

static int reconcile_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "as-of", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ledger_opt = NULL, *as_of_opt = NULL;
	int format = REC_TEXT, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
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
	gb_ledger *l;
	int rc = cli_open_ledger("reconcile", ledger_opt, 1, &l);
	if (rc != CLI_OK)
		return rc;
	gb_err err = { 0 }, verr = { 0 };
	uint64_t as_of;
	rc = cli_resolve_as_of(l, as_of_opt, &as_of, &err);
	if (rc == GB_EUSAGE) {
		gb_ledger_close(l);
		return cli_usage("reconcile", "%s", err.msg);
	}
	if (rc == 0 && (rc = gb_ledger_read(l, as_of, reconcile_view, &err, &verr)) != 0 && err.code == 0)
		err = verr;
	gb_ledger_close(l);
	if (rc != 0)
		return cli_fail(&err);
	if (format == REC_JSON)
		print_json(&result, as_of);
	else if (format == REC_CSV)
		print_csv(&result);
	else
		print_text(&result, as_of);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_reconcile = {
	"reconcile", "reconcile the members' books and plan the settlements",
	"Usage: gongbao reconcile [--ledger DIR] [--as-of INDEX|YYYY-MM-DD] [--json|--csv]\n"
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
	"\n"
	"Errors: an index past the log is GB_ERANGE, a date before the first entry\n"
	"GB_ENOTFOUND; debts that do not mirror each other are GB_EINVARIANT.\n",
	reconcile_run,
};
