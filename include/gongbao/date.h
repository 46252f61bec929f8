/*
 * gongbao/date.h: calendar dates as gongbao writes them: YYYYMMDD integers
 * (20260630), UTC, from 1970-01-01 to 9999-12-31. One implementation for the
 * rules (policy periods, accident dates), the reports (as-of dates, exposure
 * in days) and the commands (--on, --as-of).
 */
#ifndef GONGBAO_DATE_H
#define GONGBAO_DATE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GB_DATE_MIN 19700101
#define GB_DATE_MAX 99991231
#define GB_TIME_END_S 253402300800ULL   /* 10000-01-01T00:00:00Z, Unix seconds */

/*
 * Days from 1970-01-01 to the date ymd (YYYYMMDD), or -1 if ymd is not a
 * calendar day from GB_DATE_MIN to GB_DATE_MAX (month 1-12, day within the
 * month, leap years by the Gregorian rule).
 */
int64_t gb_date_days(int64_t ymd);

/* 1 if ymd is such a calendar day, else 0. */
int gb_date_valid(int64_t ymd);

/* The UTC date YYYYMMDD of Unix time t (seconds; t < GB_TIME_END_S). */
uint32_t gb_date_of_time(uint64_t t);

/*
 * Parses "YYYY-MM-DD" (exactly ten characters, digits and two hyphens: no
 * blanks or signs) into YYYYMMDD. Returns it, or 0 if s is not a calendar
 * day in range (2026-02-30 is not).
 */
uint32_t gb_date_parse(const char *s);

#ifdef __cplusplus
}
#endif
#endif
