/*
 * test_coverage.c: the register parser and the coverage report
 * (gongbao/coverage.h) over an in-memory state with hand-made policies:
 * every malformed-row reason with its line, the in-force boundaries (end
 * exclusive, cancellation on the day), grouping, the basis-point rounding,
 * and the policies the register does not know or classes differently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu.h"
#include "gongbao/coverage.h"
#include "gongbao/csv.h"

#define DAY 20260629      /* DAY + 1 is a date too */

/* A valid USCI: "91" + district + 8 digits of n + the two check characters, as GB 11714 and GB 32100 give. */
static const char *usci(const char *district, unsigned n)
{
	static char out[32][GB_USCI_LEN + 1];
	static int k;
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w11714[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	static const int w32100[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
	char *o = out[k++ % 32];
	snprintf(o, GB_USCI_LEN + 1, "91%s%08u", district, n);
	int sum = 0;
	for (int i = 0; i < 8; i++)
		sum += (o[8 + i] - '0') * w11714[i];
	int c = 11 - sum % 11;
	o[16] = c == 11 ? '0' : c == 10 ? 'X' : (char)('0' + c);
	sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (int)(strchr(alphabet, o[i]) - alphabet) * w32100[i];
	o[17] = alphabet[(31 - sum % 31) % 31];
	o[18] = '\0';
	if (!gb_usci_valid(o, GB_USCI_LEN))
		CU_FAIL("the test makes an invalid USCI");
	return o;
}

static gb_register reg;

static void parse(const char *text)
{
	gb_err err = { 0, "" };
	CU_ASSERT_EQUAL_FATAL(gb_register_parse(&reg, text, strlen(text), &err), 0);
}

static void test_register_good(void)
{
	char text[1024];
	snprintf(text, sizeof text,
		"\xEF\xBB\xBF" "统一社会信用代码,企业名称,行业,区县\r\n"
		"%s,\"舟山市海宏化工有限公司, \"\"东港\"\"\",chemicals,定海区\r\n"
		"%s,\"two\nlines\",mining,普陀区\r\n"
		"%s,Other Ltd,other,岱山县",
		usci("330902", 1), usci("330903", 2), usci("330921", 3));
	parse(text);
	CU_ASSERT_EQUAL(reg.row_count, 3);
	CU_ASSERT_EQUAL(reg.bad_count, 0);
	CU_ASSERT_EQUAL(reg.bad_listed, 0);
	CU_ASSERT_STRING_EQUAL(reg.rows[0].name, "舟山市海宏化工有限公司, \"东港\"");
	CU_ASSERT_STRING_EQUAL(reg.rows[0].industry, "chemicals");
	CU_ASSERT_STRING_EQUAL(reg.rows[0].district, "定海区");
	CU_ASSERT_EQUAL(reg.rows[0].line, 2);
	CU_ASSERT_STRING_EQUAL(reg.rows[1].name, "two\nlines");
	CU_ASSERT_EQUAL(reg.rows[1].line, 3);
	CU_ASSERT_EQUAL(reg.rows[2].line, 5);
	CU_ASSERT_PTR_EQUAL(gb_register_find(&reg, usci("330903", 2)), &reg.rows[1]);
	CU_ASSERT_PTR_NULL(gb_register_find(&reg, usci("330903", 4)));
	CU_ASSERT_PTR_NULL(gb_register_find(&reg, "short"));
	gb_register_release(&reg);
	CU_ASSERT_PTR_NULL(reg.rows);
	CU_ASSERT_EQUAL(reg.row_count, 0);
	gb_register_release(&reg);      /* a zeroed register is allowed */
}

static void test_register_malformed(void)
{
	char text[4096], bad_usci[GB_USCI_LEN + 1], long_district[80];
	snprintf(bad_usci, sizeof bad_usci, "%s", usci("330902", 7));
	bad_usci[17] = bad_usci[17] == '0' ? '1' : '0';        /* wrong check character */
	memset(long_district, 'd', 65);
	long_district[65] = '\0';
	int n = snprintf(text, sizeof text, "usci,name,industry,district\n"
		"%s,A,mining,d1\n"              /* 2 good */
		"%s,B,mining,d1\n"              /* 3 bad USCI */
		"%s,C,mining\n"                 /* 4 wrong field count */
		"%s,D,farming,d1\n"             /* 5 unknown industry */
		"%s,E,mining,d1\n"              /* 6 duplicate of line 2 */
		"%s,,mining,d1\n"               /* 7 empty name */
		"%s,G,mining,%s\n"              /* 8 district too long */
		"%s,H,\"mining\"x,d1\n"         /* 9 CSV: text after a closing quote */
		"\n"                            /* 10 empty line */
		"%s,J,Mining,d1\n"              /* 11 unknown industry (case matters) */
		"%s,K,fishery,d2\n"             /* 12 good */
		"%s,\"L,unterminated\n"         /* 13 unterminated quote: to the end */
		"%s,M,mining,d1\n",
		usci("330902", 1), bad_usci, usci("330902", 3), usci("330902", 4), usci("330902", 1),
		usci("330902", 5), usci("330902", 6), long_district, usci("330902", 8), usci("330902", 9),
		usci("330902", 10), usci("330902", 11), usci("330902", 12));
	CU_ASSERT_FATAL(n > 0 && n < (int)sizeof text);
	parse(text);
	CU_ASSERT_EQUAL(reg.row_count, 2);
	CU_ASSERT_EQUAL(reg.rows[0].line, 2);
	CU_ASSERT_EQUAL(reg.rows[1].line, 12);
	static const struct { uint32_t line; int reason; } want[] = {
		{ 3, GB_REG_BAD_USCI }, { 4, GB_REG_FIELD_COUNT }, { 5, GB_REG_UNKNOWN_INDUSTRY },
		{ 6, GB_REG_DUPLICATE_USCI }, { 7, GB_REG_BAD_NAME }, { 8, GB_REG_BAD_DISTRICT }, { 9, GB_REG_CSV },
		{ 10, GB_REG_CSV }, { 11, GB_REG_UNKNOWN_INDUSTRY }, { 13, GB_REG_CSV },
	};
	CU_ASSERT_EQUAL_FATAL(reg.bad_count, sizeof want / sizeof want[0]);
	CU_ASSERT_EQUAL(reg.bad_listed, reg.bad_count);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		CU_ASSERT_EQUAL(reg.bad[i].line, want[i].line);
		CU_ASSERT_EQUAL(reg.bad[i].reason, want[i].reason);
	}
	char msg[128];
	snprintf(msg, sizeof msg, "bad USCI '%s'", bad_usci);
	CU_ASSERT_NSTRING_EQUAL(reg.bad[0].why, msg, strlen(msg));
	CU_ASSERT_STRING_EQUAL(reg.bad[1].why, "3 fields, want 4 (usci,name,industry,district)");
	CU_ASSERT_STRING_EQUAL(reg.bad[2].why, "unknown industry 'farming'");
	snprintf(msg, sizeof msg, "duplicate USCI '%s' (first on line 2)", usci("330902", 1));
	CU_ASSERT_STRING_EQUAL(reg.bad[3].why, msg);
	CU_ASSERT_STRING_EQUAL(reg.bad[4].why, "name of 0 bytes, want 1 to 256");
	CU_ASSERT_STRING_EQUAL(reg.bad[5].why, "district of 65 bytes, want 1 to 64");
	CU_ASSERT_EQUAL(reg.bad[6].csv_reason, GB_CSV_AFTER_QUOTE);
	CU_ASSERT_STRING_EQUAL(reg.bad[6].why, "text after a closing quote");
	CU_ASSERT_EQUAL(reg.bad[7].csv_reason, GB_CSV_EMPTY_LINE);
	CU_ASSERT_EQUAL(reg.bad[9].csv_reason, GB_CSV_UNTERMINATED);
	CU_ASSERT_STRING_EQUAL(reg.bad[9].why, "unterminated quoted field");
	/* The duplicate keeps its first line's row. */
	CU_ASSERT_STRING_EQUAL(gb_register_find(&reg, usci("330902", 1))->name, "A");
	CU_ASSERT_STRING_EQUAL(gb_register_reason_text(GB_REG_DUPLICATE_USCI), "duplicate USCI");
	gb_register_release(&reg);
	/* A long value is quoted short, never cutting a UTF-8 character: 13 x 3 bytes, then one split. */
	snprintf(text, sizeof text, "usci,name,industry,district\n"
		"一二三四五六七八九十一二三四,n,mining,d\n"
		"%s,n,一二三四五六七八九十一二三四,d\n", usci("330902", 1));
	parse(text);
	CU_ASSERT_EQUAL_FATAL(reg.bad_count, 2);
	CU_ASSERT_NSTRING_EQUAL(reg.bad[0].why, "bad USCI '一二三四五六七八九十一二三' (want", 51);
	CU_ASSERT_STRING_EQUAL(reg.bad[1].why, "unknown industry '一二三四五六七八九十一二三'");
	CU_ASSERT_STRING_EQUAL(gb_register_reason_text(0), "unknown reason");
	gb_register_release(&reg);
}

static void test_register_header(void)
{
	char text[256];
	/* A data row first: reported as the missing header, not taken. */
	snprintf(text, sizeof text, "%s,A,mining,d1\n%s,B,mining,d1\n", usci("330902", 1), usci("330902", 2));
	parse(text);
	CU_ASSERT_EQUAL(reg.row_count, 1);
	CU_ASSERT_EQUAL_FATAL(reg.bad_count, 1);
	CU_ASSERT_EQUAL(reg.bad[0].line, 1);
	CU_ASSERT_EQUAL(reg.bad[0].reason, GB_REG_NO_HEADER);
	gb_register_release(&reg);
	parse("usci,name,industry\n");
	CU_ASSERT_EQUAL_FATAL(reg.bad_count, 1);
	CU_ASSERT_EQUAL(reg.bad[0].reason, GB_REG_NO_HEADER);
	gb_register_release(&reg);
	parse("");
	CU_ASSERT_EQUAL(reg.row_count, 0);
	CU_ASSERT_EQUAL_FATAL(reg.bad_count, 1);
	CU_ASSERT_EQUAL(reg.bad[0].reason, GB_REG_NO_HEADER);
	gb_register_release(&reg);
	/* A header alone is an empty register, and well formed. */
	parse("a,b,c,d\n");
	CU_ASSERT_EQUAL(reg.row_count, 0);
	CU_ASSERT_EQUAL(reg.bad_count, 0);
	gb_register_release(&reg);
	gb_err err = { 0, "" };
	CU_ASSERT_EQUAL(gb_register_parse(&reg, "x", (size_t)GB_REGISTER_BYTES_MAX + 1, &err), GB_ETOOBIG);
	CU_ASSERT_EQUAL(err.code, GB_ETOOBIG);
	CU_ASSERT_PTR_NULL(reg.rows);
}

static void test_register_bad_list_limit(void)
{
	size_t lines = GB_REGISTER_BAD_LIST_MAX + 5, cap = 32 + lines * 16;
	char *text = malloc(cap), *p = text;
	CU_ASSERT_FATAL(text != NULL);
	p += sprintf(p, "usci,name,industry,district\n");
	for (size_t i = 0; i < lines; i++)
		p += sprintf(p, "x,y,mining,d\n");
	parse(text);
	CU_ASSERT_EQUAL(reg.bad_count, lines);
	CU_ASSERT_EQUAL(reg.bad_listed, GB_REGISTER_BAD_LIST_MAX);
	CU_ASSERT_EQUAL(reg.bad[GB_REGISTER_BAD_LIST_MAX - 1].line, GB_REGISTER_BAD_LIST_MAX + 1);
	gb_register_release(&reg);
	free(text);
}

static void test_register_row_limit(void)
{
	size_t rows = GB_REGISTER_ROWS_MAX + 2, line_len = GB_USCI_LEN + 12;
	char *text = malloc(64 + rows * line_len), *p = text;
	CU_ASSERT_FATAL(text != NULL);
	p += sprintf(p, "usci,name,industry,district\n");
	for (size_t i = 0; i < rows; i++)
		p += sprintf(p, "%s,n,other,d\n", usci("330902", (unsigned)i));
	parse(text);
	CU_ASSERT_EQUAL(reg.row_count, GB_REGISTER_ROWS_MAX);
	CU_ASSERT_EQUAL_FATAL(reg.bad_count, 2);
	CU_ASSERT_EQUAL(reg.bad[0].reason, GB_REG_TOO_MANY_ROWS);
	CU_ASSERT_EQUAL(reg.bad[0].line, GB_REGISTER_ROWS_MAX + 2);
	CU_ASSERT_EQUAL(reg.bad[1].line, GB_REGISTER_ROWS_MAX + 3);
	CU_ASSERT_PTR_NOT_NULL(gb_register_find(&reg, usci("330902", GB_REGISTER_ROWS_MAX - 1)));
	CU_ASSERT_PTR_NULL(gb_register_find(&reg, usci("330902", GB_REGISTER_ROWS_MAX)));
	gb_register_release(&reg);
	free(text);
}

/* ---- the report ---- */

/* Stores a one-member policy; cancelled_on 0 means in force. */
static void put_policy(const gb_state *st, const char *no, const char *u, const char *industry, uint32_t start,
	uint32_t end, uint32_t cancelled_on)
{
	static gb_policy p;
	memset(&p, 0, sizeof p);
	snprintf(p.number, sizeof p.number, "%s", no);
	snprintf(p.usci, sizeof p.usci, "%s", u);
	snprintf(p.enterprise, sizeof p.enterprise, "Ent %s", no);
	snprintf(p.industry, sizeof p.industry, "%s", industry);
	p.basis = GB_BASIS_HEAD;
	p.exposure = p.headcount = 10;
	p.limit_fen = 40000000;
	p.premium_fen = p.term_premium_fen = p.floor_fen = 100000;
	p.start = start;
	p.end = end;
	p.status = cancelled_on ? GB_POLICY_CANCELLED : GB_POLICY_IN_FORCE;
	p.cancelled_on = cancelled_on;
	p.shares.count = 1;
	snprintf(p.shares.id[0], sizeof p.shares.id[0], "picc-zs");
	p.shares.bps[0] = 10000;
	gb_err err = { 0, "" };
	int rc = gb_policy_store(st, &p, &err);
	if (rc != 0)
		fprintf(stderr, "put_policy: %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

/*
 * Register: a1..a3 mining/d1, b1 mining/d2, c1..c8 fishery/d1 (lines 2..13).
 * Policies: a1 in force; a2 ended on DAY (end exclusive: not in force); a3
 * starts the day after; b1 cancelled on DAY; c1 cancelled the day after
 * (in force on DAY); c2 in force for exactly DAY but as chemicals; c8 under
 * two policies; c3..c7 none; x1 in force and not registered; x2 neither.
 */
static void make_world(gb_memstate **ms, gb_state *st)
{
	char text[2048], *p = text;
	p += sprintf(p, "usci,name,industry,district\n");
	for (unsigned i = 1; i <= 3; i++)
		p += sprintf(p, "%s,a%u,mining,d1\n", usci("330902", i), i);
	p += sprintf(p, "%s,b1,mining,d2\n", usci("330902", 11));
	for (unsigned i = 1; i <= 8; i++)
		p += sprintf(p, "%s,c%u,fishery,d1\n", usci("330902", 20 + i), i);
	parse(text);
	CU_ASSERT_EQUAL_FATAL(reg.row_count, 12);
	*ms = gb_memstate_new();
	CU_ASSERT_FATAL(*ms != NULL);
	*st = gb_memstate_state(*ms);
	put_policy(st, "P-a1", usci("330902", 1), "mining", 20260101, 20270101, 0);
	put_policy(st, "P-a2", usci("330902", 2), "mining", 20250630, DAY, 0);
	put_policy(st, "P-a3", usci("330902", 3), "mining", DAY + 1, 20270701, 0);
	put_policy(st, "P-b1", usci("330902", 11), "mining", 20260101, 20270101, DAY);
	put_policy(st, "P-c1", usci("330902", 21), "fishery", 20260101, 20270101, DAY + 1);
	put_policy(st, "P-c2", usci("330902", 22), "chemicals", DAY, DAY + 1, 0);
	put_policy(st, "P-c8a", usci("330902", 28), "fishery", 20260101, 20270101, 0);
	put_policy(st, "P-c8b", usci("330902", 28), "fishery", 20260301, 20270301, 0);
	put_policy(st, "P-x1", usci("330903", 99), "transport", 20260101, 20270101, 0);      /* not registered */
	put_policy(st, "P-x2", usci("330903", 98), "transport", 20250101, 20260101, 0);      /* nor in force */
	/* Other keys under other prefixes are not read. */
	CU_ASSERT_EQUAL(gb_state_put(st, "policy", "x", 1), 0);
	CU_ASSERT_EQUAL(gb_state_put(st, "policz/1", "x", 1), 0);
}

static void test_report(void)
{
	gb_memstate *ms;
	gb_state st;
	gb_coverage c;
	gb_err err = { 0, "" };
	make_world(&ms, &st);
	CU_ASSERT_EQUAL_FATAL(gb_coverage_run(&st, &reg, DAY, &c, &err), 0);
	CU_ASSERT_EQUAL(c.date, DAY);
	CU_ASSERT_EQUAL(c.policy_count, 10);
	CU_ASSERT_EQUAL(c.in_force_count, 6);   /* a1, c1, c2, c8a, c8b, x1 */
	/* Insured: a1, c1, c2, c8. Uninsured, by industry, district, line: c3..c7 | a2 a3 | b1. */
	static const uint32_t want_lines[] = { 8, 9, 10, 11, 12, 3, 4, 5 };
	CU_ASSERT_EQUAL_FATAL(c.uninsured_count, 8);
	for (size_t i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(reg.rows[c.uninsured[i]].line, want_lines[i]);
	CU_ASSERT_EQUAL(c.total.registered_count, 12);
	CU_ASSERT_EQUAL(c.total.uninsured_count, 8);
	CU_ASSERT_EQUAL(c.total.uninsured_bps, 6667);           /* 66.666...% half up */
	CU_ASSERT_EQUAL_FATAL(c.group_count, 3);
	CU_ASSERT_STRING_EQUAL(c.groups[0].industry, "fishery");
	CU_ASSERT_STRING_EQUAL(c.groups[0].district, "d1");
	CU_ASSERT_EQUAL(c.groups[0].n.registered_count, 8);
	CU_ASSERT_EQUAL(c.groups[0].n.uninsured_count, 5);
	CU_ASSERT_EQUAL(c.groups[0].n.uninsured_bps, 6250);
	CU_ASSERT_STRING_EQUAL(c.groups[1].industry, "mining");
	CU_ASSERT_STRING_EQUAL(c.groups[1].district, "d1");
	CU_ASSERT_EQUAL(c.groups[1].n.registered_count, 3);
	CU_ASSERT_EQUAL(c.groups[1].n.uninsured_count, 2);
	CU_ASSERT_EQUAL(c.groups[1].n.uninsured_bps, 6667);
	CU_ASSERT_STRING_EQUAL(c.groups[2].district, "d2");
	CU_ASSERT_EQUAL(c.groups[2].n.uninsured_bps, 10000);
	CU_ASSERT_EQUAL_FATAL(c.industry_count, 2);
	CU_ASSERT_STRING_EQUAL(c.industries[1].industry, "mining");
	CU_ASSERT_PTR_NULL(c.industries[1].district);
	CU_ASSERT_EQUAL(c.industries[1].n.registered_count, 4);
	CU_ASSERT_EQUAL(c.industries[1].n.uninsured_count, 3);
	CU_ASSERT_EQUAL(c.industries[1].n.uninsured_bps, 7500);
	CU_ASSERT_EQUAL_FATAL(c.district_count, 2);
	CU_ASSERT_STRING_EQUAL(c.districts[0].industry, "");
	CU_ASSERT_STRING_EQUAL(c.districts[0].district, "d1");
	CU_ASSERT_EQUAL(c.districts[0].n.registered_count, 11);
	CU_ASSERT_EQUAL(c.districts[0].n.uninsured_count, 7);
	CU_ASSERT_EQUAL(c.districts[0].n.uninsured_bps, 6364);  /* 63.636...% */
	/* Policies in force with a problem, by number: c2 (industry), x1 (not registered). */
	CU_ASSERT_EQUAL_FATAL(c.policy_problem_count, 2);
	CU_ASSERT_STRING_EQUAL(c.policies[0].number, "P-c2");
	CU_ASSERT_EQUAL(c.policies[0].problem, GB_COV_INDUSTRY_DIFFERS);
	CU_ASSERT_STRING_EQUAL(c.policies[0].industry, "chemicals");
	CU_ASSERT_STRING_EQUAL(c.policies[0].register_industry, "fishery");
	CU_ASSERT_EQUAL(c.policies[0].register_line, 7);
	CU_ASSERT_STRING_EQUAL(c.policies[1].number, "P-x1");
	CU_ASSERT_EQUAL(c.policies[1].problem, GB_COV_NOT_REGISTERED);
	CU_ASSERT_STRING_EQUAL(c.policies[1].register_industry, "");
	CU_ASSERT_EQUAL(c.policies[1].register_line, 0);
	CU_ASSERT_STRING_EQUAL(c.policies[1].enterprise, "Ent P-x1");
	gb_coverage_release(&c);
	CU_ASSERT_PTR_NULL(c.uninsured);
	/* The day after: c1 is cancelled, a3 starts, c2 has ended. */
	CU_ASSERT_EQUAL_FATAL(gb_coverage_run(&st, &reg, DAY + 1, &c, &err), 0);
	CU_ASSERT_EQUAL(c.in_force_count, 5);   /* a1, a3, c8a, c8b, x1 */
	CU_ASSERT_EQUAL(c.total.uninsured_count, 9);
	CU_ASSERT_EQUAL(c.policy_problem_count, 1);
	gb_coverage_release(&c);
	gb_memstate_free(ms);
	gb_register_release(&reg);
}

static int no_get(void *ctx, const char *key, const uint8_t **val, size_t *len)
{
	return GB_ENOTFOUND;
}

static void test_report_errors(void)
{
	gb_memstate *ms;
	gb_state st;
	gb_coverage c;
	gb_err err = { 0, "" };
	make_world(&ms, &st);
	gb_state flat = { NULL, no_get, NULL, NULL };
	CU_ASSERT_EQUAL(gb_coverage_run(&flat, &reg, DAY, &c, &err), GB_EINVAL);
	CU_ASSERT_EQUAL(err.code, GB_EINVAL);
	CU_ASSERT_PTR_NULL(c.uninsured);
	/* A record that does not parse fails the report. */
	CU_ASSERT_EQUAL(gb_state_put(&st, "policy/P-bad", "\x80", 1), 0);
	CU_ASSERT_EQUAL(gb_coverage_run(&st, &reg, DAY, &c, &err), GB_ECORRUPT);
	CU_ASSERT_EQUAL(err.code, GB_ECORRUPT);
	CU_ASSERT(strstr(err.msg, "P-bad") != NULL);
	CU_ASSERT_PTR_NULL(c.policies);
	gb_memstate_free(ms);
	gb_register_release(&reg);
	/* An empty register: all zero, nothing divided by zero. */
	parse("usci,name,industry,district\n");
	ms = gb_memstate_new();
	st = gb_memstate_state(ms);
	put_policy(&st, "P-1", usci("330902", 1), "mining", 20260101, 20270101, 0);
	CU_ASSERT_EQUAL_FATAL(gb_coverage_run(&st, &reg, DAY, &c, &err), 0);
	CU_ASSERT_EQUAL(c.total.registered_count, 0);
	CU_ASSERT_EQUAL(c.total.uninsured_bps, 0);
	CU_ASSERT_EQUAL(c.group_count, 0);
	CU_ASSERT_EQUAL(c.policy_problem_count, 1);
	gb_coverage_release(&c);
	gb_memstate_free(ms);
	gb_register_release(&reg);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "register: quoted, CRLF, BOM, UTF-8 header", test_register_good);
	CU_add_test(s, "register: every malformed row, with its line", test_register_malformed);
	CU_add_test(s, "register: header, empty, too big", test_register_header);
	CU_add_test(s, "register: malformed rows past the list limit are counted", test_register_bad_list_limit);
	CU_add_test(s, "register: rows past 1,000,000 are reported", test_register_row_limit);
	CU_add_test(s, "report: in force, groups, bps, mismatches", test_report);
	CU_add_test(s, "report: errors and an empty register", test_report_errors);
}

GB_CUNIT_MAIN("coverage", add_tests)
