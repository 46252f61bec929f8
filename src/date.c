/*
 * date.c: calendar dates (gongbao/date.h). Civil-day conversions are
 * H. Hinnant's days_from_civil and civil_from_days: exact, no tables beyond
 * the month lengths, no loops.
 */
#include <assert.h>
#include <string.h>

#include "gongbao/date.h"

int64_t gb_date_days(int64_t ymd)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (ymd < GB_DATE_MIN || ymd > GB_DATE_MAX)
		return -1;
	int64_t y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	if (m < 1 || m > 12 || d < 1)
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	y -= m <= 2;
	int64_t era = y / 400, yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	assert(days >= 0);
	return days;
}

int gb_date_valid(int64_t ymd)
{
	return gb_date_days(ymd) >= 0;
}

uint32_t gb_date_of_time(uint64_t t)
{
	assert(t < GB_TIME_END_S);
	int64_t z = (int64_t)(t / 86400) + 719468;
	int64_t era = z / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1;
	int64_t month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);
	assert(month >= 1 && month <= 12 && day >= 1 && day <= 31);
	return (uint32_t)(year * 10000 + month * 100 + day);
}

uint32_t gb_date_parse(const char *s)
{
	assert(s != NULL);
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	int64_t v = 0;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return gb_date_valid(v) ? (uint32_t)v : 0;
}
