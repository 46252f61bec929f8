/*
 * test_date.c: calendar dates (gongbao/date.h): days from the epoch,
 * validity, dates of Unix times, and the strict YYYY-MM-DD reader.
 */
#include <string.h>

#include "cu.h"
#include "gongbao/date.h"

static void test_days(void)
{
	CU_ASSERT_EQUAL(gb_date_days(19700101), 0);
	CU_ASSERT_EQUAL(gb_date_days(19700201), 31);
	CU_ASSERT_EQUAL(gb_date_days(20000301) - gb_date_days(20000228), 2);  /* 2000 is a leap year */
	CU_ASSERT_EQUAL(gb_date_days(21000301) - gb_date_days(21000228), 1);  /* 2100 is not */
	CU_ASSERT_EQUAL(gb_date_days(20260101), 20454);
	CU_ASSERT_EQUAL(gb_date_days(99991231), 2932896);
	const int64_t bad[] = { 19691231, 100000101, 20260230, 20230229, 21000229, 20261301, 20260001,
		20260100, 20260431, 0, -20260101 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT_EQUAL(gb_date_days(bad[i]), -1);
		CU_ASSERT_EQUAL(gb_date_valid(bad[i]), 0);
	}
	CU_ASSERT(gb_date_valid(20240229));
}

/* Every day from 1970 to 2200 and the last ones before 10000: date of time and back. */
static void test_of_time(void)
{
	CU_ASSERT_EQUAL(gb_date_of_time(0), 19700101);
	CU_ASSERT_EQUAL(gb_date_of_time(1767225600), 20260101);
	CU_ASSERT_EQUAL(gb_date_of_time(1767225599), 20251231);
	CU_ASSERT_EQUAL(gb_date_of_time(GB_TIME_END_S - 1), 99991231);
	int wrong = 0;
	for (uint64_t d = 0; d < 84000; d++) {
		uint32_t ymd = gb_date_of_time(d * 86400 + 43200);
		wrong += gb_date_days(ymd) != (int64_t)d;
	}
	for (uint64_t d = 2932800; d <= 2932896; d++)
		wrong += gb_date_days(gb_date_of_time(d * 86400)) != (int64_t)d;
	CU_ASSERT_EQUAL(wrong, 0);
}

static void test_parse(void)
{
	CU_ASSERT_EQUAL(gb_date_parse("2026-06-30"), 20260630);
	CU_ASSERT_EQUAL(gb_date_parse("2024-02-29"), 20240229);
	CU_ASSERT_EQUAL(gb_date_parse("1970-01-01"), 19700101);
	const char *bad[] = { "2026-02-30", "2023-02-29", "1969-12-31", "2026-6-30", "2026-06-30 ", " 2026-06-30",
		"2026/06/30", "2026-13-01", "+026-06-30", "2026-0-130", "20260630", "", "2026-06-3x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CU_ASSERT_EQUAL(gb_date_parse(bad[i]), 0);
}

static void add_tests(CU_pSuite s)
{
	CU_add_test(s, "days from the epoch and validity", test_days);
	CU_add_test(s, "the date of a Unix time, and back", test_of_time);
	CU_add_test(s, "YYYY-MM-DD, strictly", test_parse);
}

GB_CUNIT_MAIN("date", add_tests)
