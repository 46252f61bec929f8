/*
 * cmd_undercut.c: gongbao undercut: policies priced below the rate floor
 * or below the technical cost, and the members that price them
 * (spec/TRANSACTIONS.md section 12).
 *
 * The report is gb_report_build's JSON (gb_undercut_run in one read view),
 * from the ledger or from a server; this file parses options and prints
 * that JSON as text, JSON or CSV. Amounts print in CNY from integer fen (no
 * floating point).
 */
#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gongbao/money.h"
#include "gongbao/undercut.h"

/* One CSV table: a row per member, then a row per flagged policy. */
static void print_csv(const json_t *o)
{
	const json_t *ms = json_object_get(o, "members"), *ps = json_object_get(o, "flagged_policies");
	printf("kind,rank,id,lead,industry,flagged,policies,below_floor,below_cost,premium_fen,floor_fen,cost_fen,"
		"below_floor_fen,below_cost_fen,shortfall_fen,loss_ratio_bps,peer_rate_bps,reason\n");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		const json_t *m = json_array_get(ms, i);
		printf("member,%zu,%s,%s,,%d,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",,,%" PRId64 ",%" PRId64
			",%" PRId64 ",%" PRId64 ",%" PRId64 ",\"%s\"\n", i + 1, cli_jstr(m, "id"), cli_jstr(m, "id"),
			json_is_true(json_object_get(m, "flagged")), cli_jint(m, "policies"), cli_jint(m, "below_floor"),
			cli_jint(m, "below_cost"), cli_jint(m, "premium_fen"), cli_jint(m, "shortfall_floor_fen"),
			cli_jint(m, "shortfall_cost_fen"), cli_jint(m, "shortfall_fen"), cli_jint(m, "loss_ratio_bps"),
			cli_jint(m, "peer_rate_bps"), cli_jstr(m, "reason"));
	}
	for (size_t i = 0; i < json_array_size(ps); i++) {
		const json_t *p = json_array_get(ps, i);
		printf("policy,%zu,%s,%s,%s,1,,,,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
			",,,\"%s\"\n", i + 1, cli_jstr(p, "policy"), cli_jstr(p, "lead"), cli_jstr(p, "industry"),
			cli_jint(p, "premium_fen"), cli_jint(p, "floor_fen"), cli_jint(p, "cost_fen"),
			cli_jint(p, "below_floor_fen"), cli_jint(p, "below_cost_fen"), cli_jint(p, "shortfall_fen"),
			cli_jstr(p, "reason"));
	}
}

/* A bps figure as a percentage "12.34%", or "-" for -1. */
static const char *pct(char out[24], int64_t bps)
{
	if (bps < 0)
		snprintf(out, 24, "-");
	else
		snprintf(out, 24, "%" PRId64 ".%02" PRId64 "%%", bps / 100, bps % 100);
	return out;
}

/* The heading: as of, counts, and the parameters used. */
static void print_heading(const json_t *o, size_t flagged)
{
	char c[24], d[24], e[24], f[24];
	const json_t *pr = json_object_get(o, "params");
	printf("undercut as of entry %" PRId64 " (%u): %" PRId64 " policies, %" PRId64 " claims; %zu member(s) "
		"and %zu policies flagged\n", cli_jint(o, "as_of"), (unsigned)cli_jint(o, "as_of_date"),
		cli_jint(o, "policies"), cli_jint(o, "claims"), flagged,
		json_array_size(json_object_get(o, "flagged_policies")));
	printf("  parameters: loss ratio %s, expense %s, set-aside %s, credibility k %" PRId64
		" policy-years, member threshold %s of premium\n", pct(c, cli_jint(pr, "loss_ratio_bps")),
		pct(d, cli_jint(pr, "expense_bps")), pct(e, cli_jint(pr, "setaside_bps")),
		cli_jint(pr, "credibility_k"), pct(f, cli_jint(pr, "member_bps")));
}

static void print_text(const json_t *o, size_t limit)
{
	char a[GB_FEN_TEXT_MAX], b[GB_FEN_TEXT_MAX], c[24], d[24], e[24];
	const json_t *ms = json_object_get(o, "members"), *ps = json_object_get(o, "flagged_policies");
	size_t flagged = 0, np = json_array_size(ps);
	for (size_t i = 0; i < json_array_size(ms); i++)
		flagged += json_is_true(json_object_get(json_array_get(ms, i), "flagged"));
	print_heading(o, flagged);
	printf("\nmembers (ranked)           flag  policies  <floor  <cost   flagged%%   shortfall CNY     loss ratio  vs peers\n");
	for (size_t i = 0; i < json_array_size(ms); i++) {
		const json_t *m = json_array_get(ms, i);
		gb_fen_format_cny(a, cli_jint(m, "shortfall_fen"));
		printf("  %2zu %-22s %-5s %8" PRId64 " %7" PRId64 " %6" PRId64 " %9s %17s %12s %9s\n", i + 1,
			cli_jstr(m, "id"), json_is_true(json_object_get(m, "flagged")) ? "YES" : "no",
			cli_jint(m, "policies"), cli_jint(m, "below_floor"), cli_jint(m, "below_cost"),
			pct(c, cli_jint(m, "flagged_share_bps")), a, pct(d, cli_jint(m, "loss_ratio_bps")),
			pct(e, cli_jint(m, "peer_rate_bps")));
	}
	printf("\nflagged policies (ranked by shortfall)%s\n", np > limit ? " (first ones; --limit)" : "");
	for (size_t i = 0; i < np && i < limit; i++) {
		const json_t *p = json_array_get(ps, i);
		gb_fen_format_cny(a, cli_jint(p, "premium_fen"));
		gb_fen_format_cny(b, cli_jint(p, "floor_fen"));
		printf("  %4zu %-20s %-16s %-12s premium %14s floor %14s: %s\n", i + 1, cli_jstr(p, "policy"),
			cli_jstr(p, "lead"), cli_jstr(p, "industry"), a, b, cli_jstr(p, "reason"));
	}
}

/* Parses a bps or count option into *out within lo..hi. */
static int int_opt(const char *name, const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	uint64_t v;
	if (cli_parse_u64(s, &v) != 0 || v < (uint64_t)lo || v > (uint64_t)hi)
		return cli_usage("undercut", "%s '%s' is not an integer in %" PRId64 "..%" PRId64, name, s, lo, hi);
	*out = (int64_t)v;
	return CLI_OK;
}

/* Reads the options; returns CLI_OK or CLI_USAGE. */
static int parse_opts(int argc, char **argv, gb_undercut_params *up, const char **ledger, const char **server,
	const char **as_of, int *format, size_t *limit)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' }, { "server", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' }, { "as-of", required_argument, NULL, 'a' },
		{ "loss-ratio-bps", required_argument, NULL, 'r' }, { "expense-bps", required_argument, NULL, 'x' },
		{ "credibility-k", required_argument, NULL, 'k' }, { "member-bps", required_argument, NULL, 'm' },
		{ "limit", required_argument, NULL, 'n' }, { NULL, 0, NULL, 0 }
	};
	int c, rc = CLI_OK;
	int64_t n = 0;
	optind = 1;
	while (rc == CLI_OK && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': *ledger = optarg; break;
		case 's': *server = optarg; break;
		case 'j': *format = *format == 0 || *format == 1 ? 1 : 3; break;
		case 'c': *format = *format == 0 || *format == 2 ? 2 : 3; break;
		case 'a': *as_of = optarg; break;
		case 'r': rc = int_opt("--loss-ratio-bps", optarg, 0, 10000, &up->loss_ratio_bps); break;
		case 'x': rc = int_opt("--expense-bps", optarg, 0, 10000, &up->expense_bps); break;
		case 'k': rc = int_opt("--credibility-k", optarg, 1, GB_UNDERCUT_K_MAX, &up->credibility_k); break;
		case 'm': rc = int_opt("--member-bps", optarg, 1, 10000, &up->member_bps); break;
		case 'n':
			rc = int_opt("--limit", optarg, 0, GB_UNDERCUT_POLICIES_MAX, &n);
			if (rc == CLI_OK)
				*limit = (size_t)n;
			break;
		default: return cli_usage("undercut", "unknown option");
		}
	}
	if (rc == CLI_OK && *format == 3)
		return cli_usage("undercut", "--json and --csv exclude each other");
	if (rc == CLI_OK && optind < argc)
		return cli_usage("undercut", "unexpected argument '%s'", argv[optind]);
	return rc;
}

static int undercut_run(int argc, char **argv)
{
	const char *ledger_opt = NULL, *server_opt = NULL, *as_of_opt = NULL;
	int format = 0;
	size_t limit = 50;
	gb_report_req q = { .kind = GB_REPORT_UNDERCUT };
	gb_undercut_params_default(&q.undercut);
	int rc = parse_opts(argc, argv, &q.undercut, &ledger_opt, &server_opt, &as_of_opt, &format, &limit);
	if (rc != CLI_OK)
		return rc;
	json_t *o;
	if ((rc = cli_report_get("undercut", ledger_opt, server_opt, as_of_opt, &q, &o)) != CLI_OK)
		return rc;
	if (format == 1)
		cli_print_report(o);
	else if (format == 2)
		print_csv(o);
	else
		print_text(o, limit);
	json_decref(o);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_undercut = {
	"undercut", "policies priced below the rate floor or the technical cost, by member",
	"Usage: gongbao undercut [--ledger DIR | --server URL] [--as-of INDEX|YYYY-MM-DD] [--json|--csv]\n"
	"                        [--loss-ratio-bps N] [--expense-bps N] [--credibility-k N]\n"
	"                        [--member-bps N] [--limit N]\n"
	"\n"
	"Tests every policy's term premium against (a) its rate-table floor (floor_fen)\n"
	"and (b) a technical cost: expected claims from the consortium's own experience\n"
	"in its industry (claims paid per unit of exposure earned), credibility-weighted\n"
	"toward the rate table's expected loss (floor x loss ratio), plus its commission,\n"
	"grossed up for the prevention set-aside (params.setaside_bps) and an expense\n"
	"loading. Per member (the lead of the policies it priced): policies below the\n"
	"floor or below cost, the shortfall in CNY, its loss ratio (claims paid /\n"
	"premium written) and its rate against the other members in the same\n"
	"industries (100% = the peers' rate). A member is flagged when the policies\n"
	"below floor or cost carry at least --member-bps of its premium. The formulas\n"
	"are spec/TRANSACTIONS.md section 12.\n"
	"\n"
	"Output: the members ranked (flagged first, then by shortfall), then the\n"
	"flagged policies ranked by shortfall with the reason for each. --json: {as_of,\n"
	"as_of_date, params, policies, claims, industries: [...], members: [{rank, id,\n"
	"flagged, ..., reason}], flagged_policies: [{rank, policy, lead, industry,\n"
	"premium_fen, floor_fen, cost_fen, ..., reason}]}, amounts in fen. --csv: one\n"
	"table, a row per member (kind 'member') then per flagged policy (kind 'policy').\n"
	"\n"
	"Options:\n"
	"  --loss-ratio-bps N  the rate table's expected loss ratio (default 6000 = 60%)\n"
	"  --expense-bps N     expense loading on the technical premium (default 1000)\n"
	"  --credibility-k N   policy-years of experience that get half the weight\n"
	"                      (Z = n / (n + k), default 1000)\n"
	"  --member-bps N      member flag threshold, share of its premium (default 2000)\n"
	"  --limit N           text output: at most N flagged policies (default 50)\n"
	"  --as-of INDEX|DATE  as of an entry index or the last entry of a UTC day\n"
	"  --ledger DIR        the ledger (else $GONGBAO_LEDGER)\n"
	"  --server URL        instead of a ledger, a gongbao server (http://HOST:PORT): the\n"
	"                      same report from its GET /v1/undercut with these parameters;\n"
	"                      an answer that is not that report is GB_ENET\n"
	"\n"
	"Errors: a bad option value is a usage error (exit 2); an as-of index past the\n"
	"log is GB_ERANGE; set-aside plus expense above 9,000 bps is GB_EVALUE.\n",
	undercut_run,
};
