/*
 * cmd_undercut.c: gongbao undercut: policies priced below the rate floor
 * or below the technical cost, and the members that price them
 * (spec/TRANSACTIONS.md section 12).
 *
 * The report is computed by gb_undercut_run inside one gb_ledger_read
 * view; this file only parses options and prints text, JSON or CSV.
 * Amounts print in CNY from integer fen (no floating point).
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

/* What one run asks for, and what the read view fills. */
struct undercut_req {
	gb_undercut_params params;
	gb_undercut res;
	gb_err err;
};

static int undercut_view(const gb_state *st, void *arg)
{
	struct undercut_req *q = arg;
	assert(q != NULL);
	return gb_undercut_run(st, &q->params, &q->res, &q->err);
}

/* "below floor by X; below cost by Y" in CNY. */
static void reason_text(char *out, size_t cap, const gb_undercut_policy *p)
{
	char a[GB_FEN_TEXT_MAX], b[GB_FEN_TEXT_MAX];
	gb_fen_format_cny(a, p->below_floor_fen);
	gb_fen_format_cny(b, p->below_cost_fen);
	if (p->reasons == (GB_UNDERCUT_BELOW_FLOOR | GB_UNDERCUT_BELOW_COST))
		snprintf(out, cap, "below floor by %s; below cost by %s", a, b);
	else if (p->reasons == GB_UNDERCUT_BELOW_FLOOR)
		snprintf(out, cap, "below floor by %s", a);
	else
		snprintf(out, cap, "below cost by %s", b);
}

/* "below floor or cost: 134 of 134 policies, 100.00% of premium" for a member. */
static void member_reason(char *out, size_t cap, const gb_undercut_member *m)
{
	snprintf(out, cap, "%" PRIu64 " of %" PRIu64 " policies below floor or cost, %" PRId64 ".%02" PRId64
		"%% of its premium", m->flagged_policies, m->policies, m->flagged_share_bps / 100,
		m->flagged_share_bps % 100);
}

static json_t *member_json(const gb_undercut_member *m, size_t rank)
{
	char why[256];
	member_reason(why, sizeof why, m);
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

static json_t *policy_json(const gb_undercut_policy *p, size_t rank)
{
	char why[256];
	reason_text(why, sizeof why, p);
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}",
		"rank", (json_int_t)rank, "policy", p->number, "lead", p->lead, "industry", p->industry,
		"premium_fen", (json_int_t)p->premium_fen, "floor_fen", (json_int_t)p->floor_fen,
		"cost_fen", (json_int_t)p->cost_fen, "expected_claims_fen", (json_int_t)p->expected_claims_fen,
		"below_floor_fen", (json_int_t)p->below_floor_fen, "below_cost_fen", (json_int_t)p->below_cost_fen,
		"shortfall_fen", (json_int_t)p->shortfall_fen, "reason", why);
}

static void print_json(const gb_undercut *u, uint64_t as_of)
{
	json_t *o = json_pack("{s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I},s:I,s:I}", "as_of", (json_int_t)as_of,
		"as_of_date", (json_int_t)u->params.as_of_date, "params",
		"loss_ratio_bps", (json_int_t)u->params.loss_ratio_bps, "expense_bps", (json_int_t)u->params.expense_bps,
		"credibility_k", (json_int_t)u->params.credibility_k, "member_bps", (json_int_t)u->params.member_bps,
		"setaside_bps", (json_int_t)u->setaside_bps, "policies", (json_int_t)u->policies,
		"claims", (json_int_t)u->claims);
	json_t *gs = json_array(), *ms = json_array(), *ps = json_array();
	for (size_t i = 0; i < u->group_count; i++) {
		const gb_undercut_group *g = &u->group[i];
		json_array_append_new(gs, json_pack("{s:s,s:i,s:I,s:I,s:I,s:I,s:I}", "industry", g->industry,
			"basis", g->basis, "policies", (json_int_t)g->policies, "earned_days", (json_int_t)g->earned_days,
			"premium_fen", (json_int_t)g->premium_fen, "paid_fen", (json_int_t)g->paid_fen,
			"credibility_bps", (json_int_t)g->credibility_bps));
	}
	for (size_t i = 0; i < u->member_count; i++)
		json_array_append_new(ms, member_json(&u->member[i], i + 1));
	for (size_t i = 0; i < u->policy_count; i++)
		json_array_append_new(ps, policy_json(&u->policy[i], i + 1));
	json_object_set_new(o, "industries", gs);
	json_object_set_new(o, "members", ms);
	json_object_set_new(o, "flagged_policies", ps);
	cli_print_json(o, 0);
	json_decref(o);
}

/* One CSV table: a row per member, then a row per flagged policy. */
static void print_csv(const gb_undercut *u)
{
	char why[256];
	printf("kind,rank,id,lead,industry,flagged,policies,below_floor,below_cost,premium_fen,floor_fen,cost_fen,"
		"below_floor_fen,below_cost_fen,shortfall_fen,loss_ratio_bps,peer_rate_bps,reason\n");
	for (size_t i = 0; i < u->member_count; i++) {
		const gb_undercut_member *m = &u->member[i];
		member_reason(why, sizeof why, m);
		printf("member,%zu,%s,%s,,%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRId64 ",,,%" PRId64 ",%" PRId64
			",%" PRId64 ",%" PRId64 ",%" PRId64 ",\"%s\"\n", i + 1, m->id, m->id, m->flagged, m->policies,
			m->below_floor, m->below_cost, m->premium_fen, m->shortfall_floor_fen, m->shortfall_cost_fen,
			m->shortfall_fen, m->loss_ratio_bps, m->peer_rate_bps, why);
	}
	for (size_t i = 0; i < u->policy_count; i++) {
		const gb_undercut_policy *p = &u->policy[i];
		reason_text(why, sizeof why, p);
		printf("policy,%zu,%s,%s,%s,1,,,,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
			",,,\"%s\"\n", i + 1, p->number, p->lead, p->industry, p->premium_fen, p->floor_fen, p->cost_fen,
			p->below_floor_fen, p->below_cost_fen, p->shortfall_fen, why);
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

static void print_text(const gb_undercut *u, uint64_t as_of, size_t limit)
{
	char a[GB_FEN_TEXT_MAX], b[GB_FEN_TEXT_MAX], c[24], d[24], e[24], why[256];
	size_t flagged = 0;
	for (size_t i = 0; i < u->member_count; i++)
		flagged += (size_t)u->member[i].flagged;
	printf("undercut as of entry %" PRIu64 " (%u): %" PRIu64 " policies, %" PRIu64 " claims; %zu member(s) "
		"and %zu policies flagged\n", as_of, (unsigned)u->params.as_of_date, u->policies, u->claims, flagged,
		u->policy_count);
	printf("  parameters: loss ratio %s, expense %s, set-aside %s, credibility k %" PRId64
		" policy-years, member threshold %s of premium\n", pct(c, u->params.loss_ratio_bps),
		pct(d, u->params.expense_bps), pct(e, u->setaside_bps), u->params.credibility_k,
		pct(why, u->params.member_bps));
	printf("\nmembers (ranked)           flag  policies  <floor  <cost   flagged%%   shortfall CNY     loss ratio  vs peers\n");
	for (size_t i = 0; i < u->member_count; i++) {
		const gb_undercut_member *m = &u->member[i];
		gb_fen_format_cny(a, m->shortfall_fen);
		printf("  %2zu %-22s %-5s %8" PRIu64 " %7" PRIu64 " %6" PRIu64 " %9s %17s %12s %9s\n", i + 1, m->id,
			m->flagged ? "YES" : "no", m->policies, m->below_floor, m->below_cost, pct(c, m->flagged_share_bps),
			a, pct(d, m->loss_ratio_bps), pct(e, m->peer_rate_bps));
	}
	printf("\nflagged policies (ranked by shortfall)%s\n", u->policy_count > limit ? " (first ones; --limit)" : "");
	for (size_t i = 0; i < u->policy_count && i < limit; i++) {
		const gb_undercut_policy *p = &u->policy[i];
		gb_fen_format_cny(a, p->premium_fen);
		gb_fen_format_cny(b, p->floor_fen);
		reason_text(why, sizeof why, p);
		printf("  %4zu %-20s %-16s %-12s premium %14s floor %14s: %s\n", i + 1, p->number, p->lead,
			p->industry, a, b, why);
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
static int parse_opts(int argc, char **argv, struct undercut_req *q, const char **ledger, const char **as_of,
	int *format, size_t *limit)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' }, { "json", no_argument, NULL, 'j' },
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
		case 'j': *format = *format == 0 || *format == 1 ? 1 : 3; break;
		case 'c': *format = *format == 0 || *format == 2 ? 2 : 3; break;
		case 'a': *as_of = optarg; break;
		case 'r': rc = int_opt("--loss-ratio-bps", optarg, 0, 10000, &q->params.loss_ratio_bps); break;
		case 'x': rc = int_opt("--expense-bps", optarg, 0, 10000, &q->params.expense_bps); break;
		case 'k': rc = int_opt("--credibility-k", optarg, 1, GB_UNDERCUT_K_MAX, &q->params.credibility_k); break;
		case 'm': rc = int_opt("--member-bps", optarg, 1, 10000, &q->params.member_bps); break;
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
	static struct undercut_req q;
	const char *ledger_opt = NULL, *as_of_opt = NULL;
	int format = 0;
	size_t limit = 50;
	memset(&q, 0, sizeof q);
	gb_undercut_params_default(&q.params);
	int rc = parse_opts(argc, argv, &q, &ledger_opt, &as_of_opt, &format, &limit);
	if (rc != CLI_OK)
		return rc;
	gb_ledger *l;
	if ((rc = cli_open_ledger("undercut", ledger_opt, 1, &l)) != CLI_OK)
		return rc;
	uint64_t as_of = 0;
	rc = cli_resolve_as_of(l, as_of_opt, &as_of, &q.err);
	if (rc == GB_EUSAGE) {
		gb_ledger_close(l);
		return cli_usage("undercut", "%s", q.err.msg);
	}
	gb_err verr = { 0, "" };
	if (rc == 0 && (rc = gb_ledger_read(l, as_of, undercut_view, &q, &verr)) != 0 && q.err.code == 0)
		q.err = verr;
	gb_ledger_close(l);
	if (rc != 0) {
		gb_undercut_release(&q.res);
		return cli_fail(&q.err);
	}
	if (format == 1)
		print_json(&q.res, as_of);
	else if (format == 2)
		print_csv(&q.res);
	else
		print_text(&q.res, as_of, limit);
	gb_undercut_release(&q.res);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_undercut = {
	"undercut", "policies priced below the rate floor or the technical cost, by member",
	"Usage: gongbao undercut [--ledger DIR] [--as-of INDEX|YYYY-MM-DD] [--json|--csv]\n"
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
	"\n"
	"Errors: a bad option value is a usage error (exit 2); an as-of index past the\n"
	"log is GB_ERANGE; set-aside plus expense above 9,000 bps is GB_EVALUE.\n",
	undercut_run,
};
