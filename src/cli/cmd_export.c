/*
 * cmd_export.c: gongbao export --format ledger|beancount|csv: the books as
 * a plain-text accounting journal (spec/TRANSACTIONS.md section 11).
 *
 * One transaction per entry that posted, read from the posting sets the
 * state records under "post/<index>" (gb_books_posted), dated by the
 * entry's time (UTC day). Amounts are fen printed with two decimals, exact,
 * debit positive, so every transaction sums to zero as the books do.
 *
 * Two passes: first the entries' times and types (gb_ledger_get, outside
 * any read view: LMDB allows one read transaction per thread), then one
 * gb_ledger_read snapshot as of the last index for the roster and the
 * posting sets.
 */
#include <assert.h>
#include <ctype.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "gongbao/books.h"
#include "gongbao/entry.h"
#include "gongbao/reconcile.h"

enum exp_format { EXP_LEDGER, EXP_BEANCOUNT, EXP_CSV };
static const char *const format_names[] = { "ledger", "beancount", "csv" };

/* Distinct entry types remembered for the narration. */
#define TYPES_MAX 64
#define TYPE_LEN_MAX 40
/* A member's name as an account component, and a whole journal account name. */
#define COMPONENT_MAX (GB_ID_MAX + 1)
#define JOURNAL_ACCOUNT_MAX (16 + 9 + COMPONENT_MAX + 12 + COMPONENT_MAX)

/* Where each kind of account goes in the journal: its root and its leaf. */
static const char *const kind_root[GB_ACCOUNT_KIND_COUNT] = {
	"Assets", "Assets", "Income", "Expenses", "Liabilities", "Expenses", "Assets", "Liabilities",
};
static const char *const kind_leaf[GB_ACCOUNT_KIND_COUNT] = {
	"Cash", "Receivable", "Premium", "SetAside", "Fund", "Claims", "DueFrom", "DueTo",
};

struct export_req {
	int format;
	uint64_t as_of;
	uint32_t *day;                  /* [index]: days since 1970-01-01 */
	uint8_t *type;                  /* [index]: into types[] */
	char types[TYPES_MAX][TYPE_LEN_MAX + 1];
	size_t types_count;
	gb_shares members;              /* ids, ascending */
	char component[GB_SHARES_MAX][COMPONENT_MAX + 1];
	uint8_t seen[GB_SHARES_MAX][GB_ACCOUNT_KIND_COUNT][GB_SHARES_MAX + 1];
	gb_err err;
};

/* Writes day (days since the epoch) as YYYY-MM-DD. */
static void format_day(char out[16], uint32_t day)
{
	time_t t = (time_t)day * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

/* Writes fen as an exact decimal with two places and no separators: -1234.05. */
static void format_amount(char out[32], int64_t fen)
{
	assert(fen >= -GB_FEN_MAX);
	assert(fen <= GB_FEN_MAX);
	uint64_t a = (uint64_t)(fen < 0 ? -fen : fen);
	snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64, fen < 0 ? "-" : "", a / 100, a % 100);
}

/* The member's id as an account component the tool accepts (see section 11). */
static void member_component(char out[COMPONENT_MAX + 1], const char *id, int format)
{
	size_t n = strlen(id);
	assert(n >= 1 && n <= GB_ID_MAX);
	for (size_t i = 0; i <= n; i++) {
		char ch = id[i];
		if (ch == ':' || (format == EXP_BEANCOUNT && (ch == '.' || ch == '_')))
			ch = '-';
		out[i] = ch;
	}
	if (format == EXP_BEANCOUNT && !isupper((unsigned char)out[0]) && !isdigit((unsigned char)out[0]))
		out[0] = isalpha((unsigned char)out[0]) ? (char)toupper((unsigned char)out[0]) : 'X';
}

/* Maps every member and rejects two members whose names would merge. */
static int map_members(struct export_req *q)
{
	for (size_t i = 0; i < q->members.count; i++) {
		member_component(q->component[i], q->members.id[i], q->format);
		for (size_t j = 0; j < i; j++)
			if (strcmp(q->component[i], q->component[j]) == 0)
				return gb_err_set(&q->err, GB_EVALUE,
					"members '%s' and '%s' would both be '%s' in a %s journal",
					q->members.id[j], q->members.id[i], q->component[i],
					format_names[q->format]);
	}
	return 0;
}

/* Index of id among the members, or members.count. */
static size_t member_index(const struct export_req *q, const char *id)
{
	size_t lo = 0, hi = q->members.count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(q->members.id[mid], id);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return q->members.count;
}

/* The journal name of account (member m, kind, other o or members.count). */
static void journal_account(const struct export_req *q, size_t m, int kind, size_t o,
	char out[JOURNAL_ACCOUNT_MAX + 1])
{
	assert(m < q->members.count);
	assert(kind >= 0 && kind < GB_ACCOUNT_KIND_COUNT);
	if (q->format == EXP_CSV) {
		gb_account_name(out, q->members.id[m], kind,
			o < q->members.count ? q->members.id[o] : NULL, NULL);
		return;
	}
	int n = snprintf(out, JOURNAL_ACCOUNT_MAX + 1, "%s:Members:%s:%s", kind_root[kind],
		q->component[m], kind_leaf[kind]);
	if (o < q->members.count)
		snprintf(out + n, (size_t)(JOURNAL_ACCOUNT_MAX + 1 - n), ":%s", q->component[o]);
}

/* Prints one entry's posting set as a transaction (or CSV rows). */
static int print_entry(struct export_req *q, const gb_postings *ps, uint64_t index)
{
	char date[16], amount[32], name[JOURNAL_ACCOUNT_MAX + 1];
	size_t map[GB_BOOKS_MEMBERS_MAX];
	format_day(date, q->day[index]);
	for (size_t i = 0; i < ps->member_count; i++) {
		map[i] = member_index(q, ps->member[i]);
		if (map[i] == q->members.count)
			return gb_err_set(&q->err, GB_ECORRUPT, "entry %" PRIu64 " posts to '%s', not a member",
				index, ps->member[i]);
	}
	const char *type = q->types[q->type[index]];
	if (q->format == EXP_LEDGER)
		printf("%s * entry %" PRIu64 " %s\n", date, index, type);
	else if (q->format == EXP_BEANCOUNT)
		printf("%s * \"entry %" PRIu64 " %s\"\n", date, index, type);
	for (size_t i = 0; i < ps->count; i++) {
		const gb_posting *p = &ps->line[i];
		size_t o = p->other == GB_POSTING_NO_OTHER ? q->members.count : map[p->other];
		journal_account(q, map[p->member], p->kind, o, name);
		q->seen[map[p->member]][p->kind][o] = 1;
		if (q->format == EXP_CSV) {
			printf("%" PRIu64 ",%s,%s,%" PRId64 "\n", index, date, name, p->amount_fen);
			continue;
		}
		format_amount(amount, p->amount_fen);
		printf("    %-60s  %s CNY\n", name, amount);
	}
	if (q->format != EXP_CSV)
		printf("\n");
	return 0;
}

/* Beancount: an open directive for every account used, on the first day. */
static void print_opens(const struct export_req *q)
{
	char date[16], name[JOURNAL_ACCOUNT_MAX + 1];
	format_day(date, q->day[0]);
	for (size_t m = 0; m < q->members.count; m++)
		for (int k = 0; k < GB_ACCOUNT_KIND_COUNT; k++)
			for (size_t o = 0; o <= q->members.count; o++)
				if (q->seen[m][k][o]) {
					journal_account(q, m, k, o, name);
					printf("%s open %s CNY\n", date, name);
				}
}

/* The view: members, then every recorded posting set 0 .. as_of. */
static int export_view(const gb_state *st, void *arg)
{
	static gb_postings ps; /* 41 KB */
	struct export_req *q = arg;
	int rc = gb_reconcile_members(st, &q->members, &q->err);
	/* The csv export keeps gongbao's own account names, which cannot clash. */
	rc = rc ? rc : q->format == EXP_CSV ? 0 : map_members(q);
	if (rc != 0)
		return rc;
	if (q->format == EXP_CSV)
		printf("index,date,account,amount_fen\n");
	else if (q->format == EXP_BEANCOUNT)
		printf("option \"title\" \"gongbao books as of entry %" PRIu64 "\"\n"
			"option \"operating_currency\" \"CNY\"\n\n", q->as_of);
	else
		printf("; gongbao books as of entry %" PRIu64 "\n\n", q->as_of);
	for (uint64_t i = 0; i <= q->as_of; i++) {
		rc = gb_books_posted(&ps, st, i, &q->err);
		if (rc == GB_ENOTFOUND)
			continue;
		rc = rc ? rc : print_entry(q, &ps, i);
		if (rc != 0)
			return rc;
	}
	if (q->format == EXP_BEANCOUNT)
		print_opens(q);
	return 0;
}

/* The interned index of an entry type (the last slot holds the overflow). */
static uint8_t intern_type(struct export_req *q, gb_str type)
{
	char s[TYPE_LEN_MAX + 1];
	snprintf(s, sizeof s, "%.*s", (int)(type.len < TYPE_LEN_MAX ? type.len : TYPE_LEN_MAX), type.ptr);
	for (size_t i = 0; i < q->types_count; i++)
		if (strcmp(q->types[i], s) == 0)
			return (uint8_t)i;
	if (q->types_count == TYPES_MAX)
		return TYPES_MAX - 1;
	snprintf(q->types[q->types_count], sizeof q->types[0], "%s", s);
	return (uint8_t)q->types_count++;
}

/* First pass: the day and the type of entries 0 .. as_of. */
static int read_times(gb_ledger *l, struct export_req *q)
{
	size_t n = (size_t)q->as_of + 1;
	q->day = malloc(n * sizeof q->day[0]);
	q->type = malloc(n);
	if (q->day == NULL || q->type == NULL)
		return gb_err_set(&q->err, GB_ENOMEM, "no memory for %zu entries' dates", n);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *p;
		size_t len;
		gb_entry e;
		int rc = gb_ledger_get(l, i, &p, &len, &q->err);
		if (rc != 0)
			return rc;
		rc = gb_entry_decode(p, len, &e, &q->err);
		if (rc == 0) {
			q->day[i] = (uint32_t)(e.time / 86400);
			q->type[i] = intern_type(q, e.type);
		}
		free(p);
		if (rc != 0)
			return gb_err_prefix(&q->err, rc, "entry %" PRIu64 ": ", i);
	}
	return 0;
}

static int parse_format(const char *s)
{
	for (int f = 0; f < (int)(sizeof format_names / sizeof format_names[0]); f++)
		if (strcmp(s, format_names[f]) == 0)
			return f;
	return -1;
}

static int export_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ledger", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "as-of", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	static struct export_req q; /* 45 KB: ids, names and seen-account flags */
	const char *ledger_opt = NULL, *as_of_opt = NULL, *format_opt = NULL;
	int c = cli_export_bundle(argc, argv); /* --bundle: cmd_audit.c */
	if (c >= 0)
		return c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l')
			ledger_opt = optarg;
		else if (c == 'f')
			format_opt = optarg;
		else if (c == 'a')
			as_of_opt = optarg;
		else
			return cli_usage("export", "unknown option");
	}
	if (optind != argc)
		return cli_usage("export", "unexpected argument '%s'", argv[optind]);
	if (format_opt == NULL)
		return cli_usage("export", "want --format ledger, beancount or csv");
	memset(&q, 0, sizeof q);
	if ((q.format = parse_format(format_opt)) < 0)
		return cli_usage("export", "unknown format '%s': want ledger, beancount or csv", format_opt);
	gb_ledger *l;
	int rc = cli_open_ledger("export", ledger_opt, 1, &l);
	if (rc != CLI_OK)
		return rc;
	rc = cli_resolve_as_of(l, as_of_opt, &q.as_of, &q.err);
	if (rc == GB_EUSAGE) {
		gb_ledger_close(l);
		return cli_usage("export", "%s", q.err.msg);
	}
	gb_err verr = { 0 };
	rc = rc ? rc : read_times(l, &q);
	if (rc == 0 && (rc = gb_ledger_read(l, q.as_of, export_view, &q, &verr)) != 0 && q.err.code == 0)
		q.err = verr;
	gb_ledger_close(l);
	free(q.day);
	free(q.type);
	if (fflush(stdout) != 0 && rc == 0)
		rc = gb_err_set(&q.err, GB_EIO, "writing the journal: %s", "stdout failed");
	return rc ? cli_fail(&q.err) : CLI_OK;
}

const struct cli_cmd cli_cmd_export = {
	"export", "write the books as a ledger, beancount or CSV journal",
	"Usage: gongbao export [--ledger DIR] --format ledger|beancount|csv\n"
	"                      [--as-of INDEX|YYYY-MM-DD]\n"
	"       gongbao export --bundle FILE [--ledger DIR] (--key LOG.sec | --checkpoint FILE)\n"
	"\n"
	"With --bundle: writes a portable bundle of the log with a signed checkpoint,\n"
	"for `gongbao audit --bundle` (see gongbao audit --help). Otherwise:\n"
	"\n"
	"Writes the books on stdout as a plain-text accounting journal: one\n"
	"transaction per entry that posted (spec/TRANSACTIONS.md section 11), dated by\n"
	"the entry's time (UTC day), amounts in CNY with two decimals, exact, debit\n"
	"positive. `ledger -f FILE bal` and `bean-check FILE` accept the journals, and\n"
	"their balances equal `gongbao reconcile`'s figures.\n"
	"\n"
	"Accounts: m/M/cash is Assets:Members:M:Cash; receivable Assets:...:Receivable;\n"
	"due_from/N Assets:...:DueFrom:N; premium Income:...:Premium; setaside and\n"
	"claims Expenses:...:SetAside and :Claims; fund Liabilities:...:Fund;\n"
	"due_to/N Liabilities:...:DueTo:N. In a ledger journal ':' in an id becomes\n"
	"'-'; in beancount also '.' and '_', and a first lower-case letter is\n"
	"capitalised (picc-zs is Picc-zs). Two members that would share a name are\n"
	"GB_EVALUE. Beancount journals open every account used on the first entry's day.\n"
	"--format csv: header index,date,account,amount_fen with gongbao's account\n"
	"names (m/picc-zs/cash) and integer fen.\n"
	"\n"
	"Options:\n"
	"  --format F          ledger, beancount or csv (required)\n"
	"  --as-of INDEX       entries 0 .. INDEX\n"
	"  --as-of YYYY-MM-DD  entries up to the last one on or before that UTC day\n"
	"  --ledger DIR        the ledger (else $GONGBAO_LEDGER)\n"
	"\n"
	"It reads every entry up to the index (for its date), so its time grows with\n"
	"the log; a damaged entry is GB_ECORRUPT.\n",
	export_run,
};
