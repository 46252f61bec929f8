/*
 * cmd_show.c: gongbao show: one member, policy, claim, account, the
 * prevention fund or the list of participants, as the derived state holds
 * it, now or as of an earlier entry or date.
 *
 * The report is one JSON object built by gb_report_build in one consistent
 * snapshot (or fetched from a server that builds the same one); the text
 * form is printed from that object, with amounts in CNY formatted from the
 * integer fen (no floating point).
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

/* Longest CNY text: "-10,000,000,000,000.00" and a NUL. */
#define CNY_MAX 48

/* Writes fen as CNY with thousands separators and two decimals: -1,234.05. */
static void cny(char out[CNY_MAX], int64_t fen)
{
	char buf[GB_FEN_TEXT_MAX];
	snprintf(out, CNY_MAX, "%s", gb_fen_format_cny(buf, fen));
}

static void print_member(const json_t *o)
{
	char a[CNY_MAX], b[CNY_MAX], c[CNY_MAX];
	printf("%s '%s' as of entry %" PRId64 "\n", cli_jstr(o, "role"), cli_jstr(o, "id"), cli_jint(o, "as_of"));
	printf("  status  %s\n  vkey    %s\n", cli_jstr(o, "status"), cli_jstr(o, "vkey"));
	const json_t *bal = json_object_get(o, "balances");
	if (bal == NULL)
		return;
	printf("  balances (CNY; debit +, credit -)\n");
	for (int k = 0; k < GB_ACCOUNT_OWN_KINDS; k++) {
		cny(a, cli_jint(bal, gb_account_kind_name(k)));
		printf("    %-12s %22s\n", gb_account_kind_name(k), a);
	}
	cny(a, cli_jint(o, "total_fen"));
	printf("    %-12s %22s\n", "total", a);
	const json_t *ms = json_object_get(o, "members");
	if (json_array_size(ms) == 0)
		return;
	printf("  with other members (CNY)  %-22s %20s %20s %20s\n", "member", "owed to it", "it owes", "net");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		const json_t *m = json_array_get(ms, i);
		cny(a, cli_jint(m, "owed_fen"));
		cny(b, cli_jint(m, "owes_fen"));
		cny(c, cli_jint(m, "net_fen"));
		printf("                            %-22s %20s %20s %20s\n", cli_jstr(m, "id"), a, b, c);
	}
}

/* The participants, one a line. */
static void print_members(const json_t *o)
{
	const json_t *ps = json_object_get(o, "participants");
	printf("participants as of entry %" PRId64 " (%zu)\n", cli_jint(o, "as_of"), json_array_size(ps));
	for (size_t i = 0; i < json_array_size(ps); i++) {
		const json_t *p = json_array_get(ps, i);
		printf("  %-24s %-12s %-10s %s\n", cli_jstr(p, "id"), cli_jstr(p, "role"), cli_jstr(p, "status"),
			cli_jstr(p, "vkey"));
	}
}

static void print_fund(const json_t *o)
{
	char a[CNY_MAX];
	cny(a, cli_jint(o, "total_fen"));
	printf("prevention fund as of entry %" PRId64 ": %s CNY\n", cli_jint(o, "as_of"), a);
	const json_t *ms = json_object_get(o, "members");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		const json_t *m = json_array_get(ms, i);
		cny(a, cli_jint(m, "part_fen"));
		printf("  %-24s %22s\n", cli_jstr(m, "id"), a);
	}
}

/* A record's fields, one a line; *_fen integers also in CNY, maps and arrays as JSON. */
static void print_record(const json_t *o)
{
	const json_t *rec = json_object_get(o, "record");
	const char *key;
	const json_t *v;
	printf("%s '%s' as of entry %" PRId64 "\n", cli_jstr(o, "kind"), cli_jstr(o, "id"), cli_jint(o, "as_of"));
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
	case GB_REPORT_MEMBER: print_member(o); break;
	case GB_REPORT_MEMBERS: print_members(o); break;
	case GB_REPORT_FUND: print_fund(o); break;
	case GB_REPORT_ACCOUNT:
		cny(a, cli_jint(o, "balance_fen"));
		printf("%s  %s CNY  (as of entry %" PRId64 ")\n", cli_jstr(o, "id"), a, cli_jint(o, "as_of"));
		break;
	default: print_record(o); break;
	}
}

/* The kind named by `name`, one of show's; -1 for anything else. */
static int show_kind(const char *name)
{
	static const int kinds[] = { GB_REPORT_MEMBER, GB_REPORT_POLICY, GB_REPORT_CLAIM, GB_REPORT_FUND,
		GB_REPORT_ACCOUNT, GB_REPORT_MEMBERS };
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		if (strcmp(name, gb_report_kind_name(kinds[k])) == 0)
			return kinds[k];
	return -1;
}

static int show_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "server", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "as-of", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *ledger_opt = NULL, *server_opt = NULL, *as_of_opt = NULL;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
		else if (c == 's')
			server_opt = optarg;
		else if (c == 'j')
			json = 1;
		else if (c == 'a')
			as_of_opt = optarg;
		else
			return cli_usage("show", "unknown option");
	}
	if (optind >= argc)
		return cli_usage("show", "want a KIND: member, policy, claim, fund, account or members");
	gb_report_req q = { .kind = show_kind(argv[optind]) };
	if (q.kind < 0)
		return cli_usage("show", "unknown kind '%s': want member, policy, claim, fund, account or members",
			argv[optind]);
	int has_id = gb_report_kind_has_id(q.kind);
	if (argc - optind != 1 + has_id)
		return cli_usage("show", has_id ? "want one ID after '%s'" : "'show %s' takes no ID", argv[optind]);
	q.id = has_id ? argv[optind + 1] : NULL;
	json_t *o;
	int rc = cli_report_get("show", ledger_opt, server_opt, as_of_opt, &q, &o);
	if (rc != CLI_OK)
		return rc;
	if (json)
		cli_print_report(o);
	else
		print_text(o, q.kind);
	json_decref(o);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_show = {
	"show", "print a member, policy, claim, account, the prevention fund or the participants",
	"Usage: gongbao show [--ledger DIR | --server URL] KIND [ID] [--json] [--as-of INDEX|YYYY-MM-DD]\n"
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
	"  members       every participant, in id order, with its role, status and key;\n"
	"                JSON: {kind, as_of, participants: [{id, role, status, vkey}]}\n"
	"\n"
	"Options:\n"
	"  --json              machine-readable JSON (indented)\n"
	"  --as-of INDEX       as of entry INDEX (0 .. size-1): exact\n"
	"  --as-of YYYY-MM-DD  as of the last entry whose time falls on or before that UTC\n"
	"                      day (exact to within the consortium's clock skew)\n"
	"  --ledger DIR        the ledger (else $GONGBAO_LEDGER)\n"
	"  --server URL        instead of a ledger, a gongbao server (http://HOST:PORT): the\n"
	"                      same report from its GET /v1/KIND, printed the same way;\n"
	"                      an answer that is not that report (another kind, id or\n"
	"                      as-of index, a member missing) is GB_ENET, never printed\n"
	"\n"
	"Errors: an unknown participant, policy or claim is GB_ENOTFOUND; an index past\n"
	"the log is GB_ERANGE; a date before the first entry is GB_ENOTFOUND; a malformed\n"
	"account name is GB_EVALUE.\n",
	show_run,
};
