/*
 * test_csv.c: the RFC 4180 record reader (gongbao/csv.h): good records in
 * every form the RFC allows, and every malformed case with its reason, its
 * line number and the record after it read correctly.
 */
#include <string.h>

#include "cu.h"
#include "gongbao/csv.h"

static gb_csv_record rec;

/* Reads the next record of c and checks its return and line. */
static int next(gb_csv *c, int want_rc, unsigned want_line)
{
	gb_err err = { 0, "" };
	int rc = gb_csv_next(c, &rec, &err);
	CU_ASSERT_EQUAL(rc, want_rc);
	CU_ASSERT_EQUAL(rec.line, want_line);
	if (rc == GB_EVALUE)
		CU_ASSERT_EQUAL(err.code, GB_EVALUE);
	return rc;
}

/* Checks the fields of the last record read. */
static void fields(size_t count, const char *const *want)
{
	CU_ASSERT_EQUAL_FATAL(rec.field_count, count);
	for (size_t i = 0; i < count; i++) {
		CU_ASSERT_EQUAL(rec.field_len[i], strlen(want[i]));
		CU_ASSERT_STRING_EQUAL(rec.field[i], want[i]);
	}
}

static void test_plain(void)
{
	static const char text[] = "usci,name\na,b\r\nc,d";
	gb_csv c;
	gb_csv_init(&c, text, strlen(text));
	next(&c, 1, 1);
	fields(2, (const char *[]){ "usci", "name" });
	next(&c, 1, 2);
	fields(2, (const char *[]){ "a", "b" });
	CU_ASSERT_EQUAL(rec.reason, GB_CSV_OK);
	next(&c, 1, 3);     /* no final line end */
	fields(2, (const char *[]){ "c", "d" });
	next(&c, 0, 3);
	next(&c, 0, 3);
}

static void test_final_line_end_is_not_a_record(void)
{
	gb_csv c;
	gb_csv_init(&c, "a\n", 2);
	next(&c, 1, 1);
	fields(1, (const char *[]){ "a" });
	next(&c, 0, 2);
	gb_csv_init(&c, "", 0);
	next(&c, 0, 1);
}

static void test_empty_fields(void)
{
	static const char text[] = "a,,b\n,\n\"\",x\n";
	gb_csv c;
	gb_csv_init(&c, text, strlen(text));
	next(&c, 1, 1);
	fields(3, (const char *[]){ "a", "", "b" });
	next(&c, 1, 2);
	fields(2, (const char *[]){ "", "" });
	next(&c, 1, 3);
	fields(2, (const char *[]){ "", "x" });
}

static void test_quoted(void)
{
	/* Commas, doubled quotes, LF and CRLF inside quotes; the line count follows them. */
	static const char text[] = "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"p\r\nq\"\r\nnext,\"\"\"\"\n";
	gb_csv c;
	gb_csv_init(&c, text, strlen(text));
	next(&c, 1, 1);
	fields(4, (const char *[]){ "a,b", "say \"hi\"", "x\ny", "p\r\nq" });
	next(&c, 1, 4);
	fields(2, (const char *[]){ "next", "\"" });
	next(&c, 0, 5);
}

static void test_lone_cr_and_bom_and_utf8(void)
{
	static const char text[] = "\xEF\xBB\xBFusci,\xE5\x90\x8D\n" "a\rb,\xF0\x9F\x98\x80\n";
	gb_csv c;
	gb_csv_init(&c, text, strlen(text));
	next(&c, 1, 1);
	fields(2, (const char *[]){ "usci", "\xE5\x90\x8D" });
	next(&c, 1, 2);
	fields(2, (const char *[]){ "a\rb", "\xF0\x9F\x98\x80" });
}

static void test_sixteen_fields_and_longest_record(void)
{
	static char text[GB_CSV_RECORD_MAX + 16];
	gb_csv c;
	const char *sixteen = "0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f\n";
	gb_csv_init(&c, sixteen, strlen(sixteen));
	next(&c, 1, 1);
	CU_ASSERT_EQUAL(rec.field_count, 16);
	CU_ASSERT_STRING_EQUAL(rec.field[15], "f");
	/* 4095 bytes and LF: 4096, the most. */
	memset(text, 'x', GB_CSV_RECORD_MAX - 1);
	text[GB_CSV_RECORD_MAX - 1] = '\n';
	gb_csv_init(&c, text, GB_CSV_RECORD_MAX);
	next(&c, 1, 1);
	CU_ASSERT_EQUAL(rec.field_len[0], GB_CSV_RECORD_MAX - 1);
	/* 4094 bytes and CRLF likewise. */
	text[GB_CSV_RECORD_MAX - 2] = '\r';
	gb_csv_init(&c, text, GB_CSV_RECORD_MAX);
	next(&c, 1, 1);
	CU_ASSERT_EQUAL(rec.field_len[0], GB_CSV_RECORD_MAX - 2);
}

/* A malformed record between two good ones: its reason, line, message, and the next record. */
static void bad_case(const char *text, size_t len, int reason, unsigned line, unsigned next_line)
{
	gb_csv c;
	gb_err err = { 0, "" };
	char want[64];
	gb_csv_init(&c, text, len);
	next(&c, 1, 1);
	fields(2, (const char *[]){ "h1", "h2" });
	CU_ASSERT_EQUAL(gb_csv_next(&c, &rec, &err), GB_EVALUE);
	CU_ASSERT_EQUAL(rec.reason, reason);
	CU_ASSERT_EQUAL(rec.line, line);
	CU_ASSERT_EQUAL(rec.field_count, 0);
	snprintf(want, sizeof want, "line %u: %s", line, gb_csv_reason_text(reason));
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	if (next_line == 0) {
		/* An unterminated quote takes the rest of the input. */
		CU_ASSERT_EQUAL(gb_csv_next(&c, &rec, &err), 0);
		CU_ASSERT_EQUAL(c.pos, c.len);
		return;
	}
	next(&c, 1, next_line);
	fields(2, (const char *[]){ "ok", "1" });
	next(&c, 0, next_line + 1);
}

static void test_malformed(void)
{
#define BAD(s, reason, line, next_line) bad_case(s, sizeof(s) - 1, reason, line, next_line)
	BAD("h1,h2\nab\"c,d\nok,1\n", GB_CSV_BARE_QUOTE, 2, 3);
	BAD("h1,h2\n\"ab\"c,d\nok,1\n", GB_CSV_AFTER_QUOTE, 2, 3);
	BAD("h1,h2\n\"ab\" ,d\nok,1\n", GB_CSV_AFTER_QUOTE, 2, 3);
	/* After the bad quote the record still ends at its line end, a quoted one included. */
	BAD("h1,h2\nx\"y,\"a\nb\"\nok,1\n", GB_CSV_BARE_QUOTE, 2, 4);
	BAD("h1,h2\n\n" "ok,1\n", GB_CSV_EMPTY_LINE, 2, 3);
	BAD("h1,h2\r\n\r\n" "ok,1\r\n", GB_CSV_EMPTY_LINE, 2, 3);
	BAD("h1,h2\na,\xFF\nok,1\n", GB_CSV_BAD_UTF8, 2, 3);
	BAD("h1,h2\na,\xC0\x80\nok,1\n", GB_CSV_BAD_UTF8, 2, 3);            /* overlong NUL */
	BAD("h1,h2\na,\xED\xA0\x80\nok,1\n", GB_CSV_BAD_UTF8, 2, 3);        /* a surrogate */
	BAD("h1,h2\na,\xF4\x90\x80\x80\nok,1\n", GB_CSV_BAD_UTF8, 2, 3);    /* above U+10FFFF */
	BAD("h1,h2\na,\xE4\xB8\nok,1\n", GB_CSV_BAD_UTF8, 2, 3);            /* cut short */
	BAD("h1,h2\na,\x80\nok,1\n", GB_CSV_BAD_UTF8, 2, 3);                /* a lone continuation */
	BAD("h1,h2\na,b\0c\nok,1\n", GB_CSV_BAD_UTF8, 2, 3);                /* NUL */
	BAD("h1,h2\n0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f,g\nok,1\n", GB_CSV_TOO_MANY_FIELDS, 2, 3);
	BAD("h1,h2\n\"multi\nline\",\"unterminated\nok,1\n", GB_CSV_UNTERMINATED, 2, 0);
	BAD("h1,h2\n\"", GB_CSV_UNTERMINATED, 2, 0);
#undef BAD
}

static void test_too_long(void)
{
	static char text[3 * GB_CSV_RECORD_MAX];
	size_t n = 0;
	memcpy(text, "h1,h2\n", 6);
	n = 6;
	/* 4096 bytes and LF: one too many; then 4095 and CRLF: one too many. */
	memset(text + n, 'x', GB_CSV_RECORD_MAX);
	n += GB_CSV_RECORD_MAX;
	text[n++] = '\n';
	memset(text + n, 'y', GB_CSV_RECORD_MAX - 1);
	n += GB_CSV_RECORD_MAX - 1;
	memcpy(text + n, "\r\nok,1\n", 7);
	n += 7;
	gb_csv c;
	gb_csv_init(&c, text, n);
	next(&c, 1, 1);
	next(&c, GB_EVALUE, 2);
	CU_ASSERT_EQUAL(rec.reason, GB_CSV_TOO_LONG);
	next(&c, GB_EVALUE, 3);
	CU_ASSERT_EQUAL(rec.reason, GB_CSV_TOO_LONG);
	next(&c, 1, 4);
	fields(2, (const char *[]){ "ok", "1" });
	/* A long quoted field spanning lines: reported at the line it starts on, the count right after. */
	n = 0;
	memcpy(text, "h1,h2\n\"", 7);
	n = 7;
	for (int i = 0; i < GB_CSV_RECORD_MAX; i++)
		text[n++] = i % 100 == 99 ? '\n' : 'z';
	memcpy(text + n, "\"\nok,1\n", 7);
	n += 7;
	gb_csv_init(&c, text, n);
	next(&c, 1, 1);
	next(&c, GB_EVALUE, 2);
	CU_ASSERT_EQUAL(rec.reason, GB_CSV_TOO_LONG);
	next(&c, 1, 2 + GB_CSV_RECORD_MAX / 100 + 1);
	fields(2, (const char *[]){ "ok", "1" });
}

static void test_reason_text(void)
{
	CU_ASSERT_STRING_EQUAL(gb_csv_reason_text(GB_CSV_UNTERMINATED), "unterminated quoted field");
	CU_ASSERT_STRING_EQUAL(gb_csv_reason_text(99), "unknown reason");
	CU_ASSERT_STRING_EQUAL(gb_csv_reason_text(-1), "unknown reason");
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "plain records, LF and CRLF", test_plain);
	CU_add_test(s, "a final line end is not a record", test_final_line_end_is_not_a_record);
	CU_add_test(s, "empty fields", test_empty_fields);
	CU_add_test(s, "quoted fields and line numbers", test_quoted);
	CU_add_test(s, "lone CR, BOM, UTF-8", test_lone_cr_and_bom_and_utf8);
	CU_add_test(s, "16 fields and the longest record", test_sixteen_fields_and_longest_record);
	CU_add_test(s, "every malformed case, and the record after it", test_malformed);
	CU_add_test(s, "records too long", test_too_long);
	CU_add_test(s, "reason texts", test_reason_text);
}

GB_CUNIT_MAIN("csv", add_tests)
