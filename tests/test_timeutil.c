/* SPDX-License-Identifier: MIT */
/*
 * test_timeutil.c: ISO 8601 times and dates convert to the right epoch
 * seconds and day numbers and back, the calendar is the real one (checked
 * day by day against an independent count), bad text is refused with a
 * message that names it and says why, and the clock can be fixed from text.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DAY 86400

struct known {
	const char *text;
	int64_t epoch;
	int offset_min;
};

static void
known_epochs(void **state)
{
	(void)state;
	static const struct known cases[] = {
	    {"1970-01-01T00:00:00Z", 0, 0},
	    {"1970-01-01T00:00:00+00:00", 0, 0},
	    {"1970-01-01T08:00:00+08:00", 0, 480},
	    {"1969-12-31T23:59:59Z", -1, 0},
	    {"2024-03-05T09:30:00+08:00", 1709602200, 480},
	    {"2024-03-05T01:30:00Z", 1709602200, 0},
	    {"2024-03-04T20:30:00-05:00", 1709602200, -300},
	    {"2024-03-05T07:15:00+05:45", 1709602200, 345},
	    {"2024-03-04T16:00:00-09:30", 1709602200, -570},
	    {"2024-03-04T16:20:00+08:00", 1709540400, 480},
	    {"2024-02-29T12:00:00-05:00", 1709226000, -300},
	    {"2000-01-01T00:00:00Z", 946684800, 0},
	    {"2038-01-19T03:14:07Z", 2147483647, 0},
	    {"1969-07-20T20:17:40Z", -14182940, 0},
	    {"1900-01-01T00:00:00Z", -2208988800, 0},
	    {"0001-01-01T00:00:00Z", -62135596800, 0},
	    {"9999-12-31T23:59:59Z", 253402300799, 0},
	    {"0001-01-01T00:00:00+14:00", -62135647200, 840},
	    {"9999-12-31T23:59:59-12:00", 253402343999, -720},
	    {"2024-03-05T09:30:00+18:00", 1709602200 - 10 * 3600, 1080},
	    {"2024-03-05T09:30:00-18:00", 1709602200 + 26 * 3600, -1080},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[CK_ERR_SIZE] = "";
		int64_t epoch = 1;
		int off = 1;
		if (ck_time_parse(cases[i].text, &epoch, &off, err) != CK_OK)
			fail_msg("%s: %s", cases[i].text, err);
		if (epoch != cases[i].epoch || off != cases[i].offset_min)
			fail_msg("%s: got %lld %d", cases[i].text, (long long)epoch, off);
	}
}

/* The liberal forms read the same instant as the strict one. */
static void
liberal_forms(void **state)
{
	(void)state;
	static const struct known cases[] = {
	    {"2024-03-05t09:30:00+08:00", 1709602200, 480},
	    {"2024-03-05 09:30:00+08:00", 1709602200, 480},
	    {"2024-03-05T09:30:00+0800", 1709602200, 480},
	    {"2024-03-05T00:00:00-0130", 1709602200, -90},
	    {"2024-03-05T01:30:00z", 1709602200, 0},
	    {"2024-03-05T01:30:00-00:00", 1709602200, 0},
	    {"2024-03-05T09:30:00.5+08:00", 1709602200, 480},
	    {"2024-03-05T09:30:00.999999999+08:00", 1709602200, 480},
	    {"2024-03-05T09:30:00.000Z", 1709602200 + 8 * 3600, 0},
	    {" \t2024-03-05T09:30:00+08:00\r\n", 1709602200, 480},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[CK_ERR_SIZE] = "";
		int64_t epoch = 1;
		int off = 1;
		if (ck_time_parse(cases[i].text, &epoch, &off, err) != CK_OK)
			fail_msg("%s: %s", cases[i].text, err);
		if (epoch != cases[i].epoch || off != cases[i].offset_min)
			fail_msg("%s: got %lld %d", cases[i].text, (long long)epoch, off);
	}
	/* Either output may be NULL. */
	assert_int_equal(ck_time_parse("2024-03-05T09:30:00Z", NULL, NULL, NULL), CK_OK);
}

struct refusal {
	const char *text;
	const char *quoted;
	const char *reason;
};

static void
check_refusals(const struct refusal *cases, size_t n, int (*parse)(const char *text, char *err))
{
	for (size_t i = 0; i < n; i++) {
		char err[CK_ERR_SIZE] = "";
		int rc = parse(cases[i].text, err);
		if (rc != CK_E_INVALID)
			fail_msg("%s: got %d (%s)", cases[i].text, rc, err);
		if (strstr(err, cases[i].quoted) == NULL || strstr(err, cases[i].reason) == NULL)
			fail_msg("%s: message \"%s\" lacks %s or \"%s\"", cases[i].text, err,
			         cases[i].quoted, cases[i].reason);
		assert_null(strchr(err, '\n'));
		assert_true(err[strlen(err) - 1] != '.');
	}
}

static int
strict_time(const char *text, char *err)
{
	int64_t epoch = 42;
	int off = 42;
	int rc = ck_time_parse(text, &epoch, &off, err);
	if (rc != CK_OK) {
		assert_int_equal(epoch, 42);
		assert_int_equal(off, 42);
	}
	return rc;
}

static void
time_refusals(void **state)
{
	(void)state;
	static const struct refusal cases[] = {
	    {"2024-03-05T09:30:00", "\"2024-03-05T09:30:00\"", "has no UTC offset"},
	    {"2024-03-05T09:30:00.25", "\"2024-03-05T09:30:00.25\"", "has no UTC offset"},
	    {" 2024-03-05T09:30:00 ", "\"2024-03-05T09:30:00\"", "has no UTC offset"},
	    {"2024-03-05", "\"2024-03-05\"", "date without a time of day and UTC offset"},
	    {"2024-03-05T09:30:00+08", "\"2024-03-05T09:30:00+08\"",
	     "UTC offset must be Z, +HH:MM, -HH:MM, +HHMM or -HHMM"},
	    {"2024-03-05T09:30:00+8:00", "\"2024-03-05T09:30:00+8:00\"", "UTC offset must be"},
	    {"2024-03-05T09:30:00+08:0", "\"2024-03-05T09:30:00+08:0\"", "UTC offset must be"},
	    {"2024-03-05T09:30:00+18:01", "\"2024-03-05T09:30:00+18:01\"",
	     "UTC offset +18:01 is out of range (-18:00 to +18:00)"},
	    {"2024-03-05T09:30:00-19:00", "\"2024-03-05T09:30:00-19:00\"",
	     "UTC offset -19:00 is out of range"},
	    {"2024-03-05T09:30:00+05:60", "\"2024-03-05T09:30:00+05:60\"",
	     "UTC offset +05:60 is out of range"},
	    {"2024-03-05T09:30:00 +08:00", "\"2024-03-05T09:30:00 +08:00\"",
	     "expected a UTC offset (Z, +HH:MM or -HH:MM) after the time"},
	    {"2024-03-05T09:30:00CST", "\"2024-03-05T09:30:00CST\"", "expected a UTC offset"},
	    {"2024-03-05T09:30:00+08:00 extra", "\"2024-03-05T09:30:00+08:00 extra\"",
	     "unexpected text after the UTC offset"},
	    {"2024-03-05T09:30:00ZZ", "\"2024-03-05T09:30:00ZZ\"", "unexpected text after"},
	    {"2024-03-05T09:30:00.+08:00", "\"2024-03-05T09:30:00.+08:00\"",
	     "expected digits after '.'"},
	    {"2024-03-05T24:00:00Z", "\"2024-03-05T24:00:00Z\"", "hour 24 does not exist"},
	    {"2024-03-05T23:60:00Z", "\"2024-03-05T23:60:00Z\"", "minute 60 does not exist"},
	    {"2016-12-31T23:59:60Z", "\"2016-12-31T23:59:60Z\"",
	     "leap seconds (second 60) are not supported"},
	    {"2024-03-05T23:59:61Z", "\"2024-03-05T23:59:61Z\"", "second 61 does not exist"},
	    {"2024-03-05T09:30+08:00", "\"2024-03-05T09:30+08:00\"",
	     "expected a time of day HH:MM:SS after the date"},
	    {"2024-03-05T9:30:00+08:00", "\"2024-03-05T9:30:00+08:00\"",
	     "expected a time of day HH:MM:SS"},
	    {"2024-03-05X09:30:00+08:00", "\"2024-03-05X09:30:00+08:00\"",
	     "expected 'T' between the date and the time"},
	    {"2024-03-05T", "\"2024-03-05T\"", "expected a time of day"},
	    {"2024-13-05T09:30:00Z", "\"2024-13-05T09:30:00Z\"", "month 13 does not exist"},
	    {"2024-00-05T09:30:00Z", "\"2024-00-05T09:30:00Z\"", "month 00 does not exist"},
	    {"2023-02-29T09:30:00Z", "\"2023-02-29T09:30:00Z\"", "2023-02 has no day 29"},
	    {"2024-04-31T09:30:00Z", "\"2024-04-31T09:30:00Z\"", "2024-04 has no day 31"},
	    {"2024-03-00T09:30:00Z", "\"2024-03-00T09:30:00Z\"", "2024-03 has no day 00"},
	    {"0000-01-01T00:00:00Z", "\"0000-01-01T00:00:00Z\"", "year 0000 does not exist"},
	    {"24-03-05T09:30:00Z", "\"24-03-05T09:30:00Z\"",
	     "expected a time YYYY-MM-DDTHH:MM:SS+HH:MM"},
	    {"2024/03/05T09:30:00Z", "\"2024/03/05T09:30:00Z\"", "expected a time"},
	    {"20240305T093000Z", "\"20240305T093000Z\"", "expected a time"},
	    {"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-03-05T09:30:00Z",
	     "\"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-03-05T09:30:00Z\"",
	     "expected a time"},
	    {"yesterday", "\"yesterday\"", "expected a time"},
	    {"", "", "time is empty"},
	    {" \t", "", "time is empty"},
	};
	check_refusals(cases, sizeof cases / sizeof cases[0], strict_time);
	assert_int_equal(ck_time_parse(NULL, NULL, NULL, NULL), CK_E_INVALID);
}

static int
date_only(const char *text, char *err)
{
	int64_t days = 42;
	int rc = ck_date_parse(text, &days, err);
	if (rc != CK_OK)
		assert_int_equal(days, 42);
	return rc;
}

static void
dates(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int64_t days;
	} good[] = {
	    {"1970-01-01", 0},       {"1969-12-31", -1},       {"1970-01-02", 1},
	    {"2000-02-29", 11016},   {"1600-02-29", -135081},  {"2024-02-29", 19782},
	    {"1900-01-01", -25567},  {"2100-12-31", 47846},    {"0001-01-01", -719162},
	    {"9999-12-31", 2932896}, {" 2024-03-05\n", 19787},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char err[CK_ERR_SIZE] = "";
		int64_t days = 12345;
		if (ck_date_parse(good[i].text, &days, err) != CK_OK)
			fail_msg("%s: %s", good[i].text, err);
		assert_int_equal(days, good[i].days);
	}
	static const struct refusal bad[] = {
	    {"1900-02-29", "\"1900-02-29\"", "1900-02 has no day 29"},
	    {"2100-02-29", "\"2100-02-29\"", "2100-02 has no day 29"},
	    {"2023-02-29", "\"2023-02-29\"", "2023-02 has no day 29"},
	    {"2024-06-31", "\"2024-06-31\"", "2024-06 has no day 31"},
	    {"2024-01-32", "\"2024-01-32\"", "2024-01 has no day 32"},
	    {"2024-13-01", "\"2024-13-01\"", "month 13 does not exist"},
	    {"0000-12-31", "\"0000-12-31\"", "year 0000 does not exist"},
	    {"2024-3-5", "\"2024-3-5\"", "expected a date YYYY-MM-DD"},
	    {"20240305", "\"20240305\"", "expected a date YYYY-MM-DD"},
	    {"2024/03/05", "\"2024/03/05\"", "expected a date YYYY-MM-DD"},
	    {"12024-03-05", "\"12024-03-05\"", "expected a date YYYY-MM-DD"},
	    {"2024-03-05T00:00:00Z", "\"2024-03-05T00:00:00Z\"", "expected a date YYYY-MM-DD"},
	    {"2024-03-05 x", "\"2024-03-05 x\"", "expected a date YYYY-MM-DD"},
	    {"-001-03-05", "\"-001-03-05\"", "expected a date YYYY-MM-DD"},
	    {"", "", "date is empty"},
	};
	check_refusals(bad, sizeof bad / sizeof bad[0], date_only);
}

static int
month_only(const char *text, char *err)
{
	int y = 42, m = 42;
	int rc = ck_month_parse(text, &y, &m, err);
	if (rc != CK_OK) {
		assert_int_equal(y, 42);
		assert_int_equal(m, 42);
	}
	return rc;
}

static void
months(void **state)
{
	(void)state;
	int y = 0, m = 0;
	assert_int_equal(ck_month_parse("2024-02", &y, &m, NULL), CK_OK);
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(ck_month_parse(" 2021-12 ", &y, &m, NULL), CK_OK);
	assert_int_equal(y, 2021);
	assert_int_equal(m, 12);
	assert_int_equal(ck_month_parse("0001-01", NULL, NULL, NULL), CK_OK);
	static const struct refusal bad[] = {
	    {"2024-13", "\"2024-13\"", "month 13 does not exist"},
	    {"2024-00", "\"2024-00\"", "month 00 does not exist"},
	    {"0000-05", "\"0000-05\"", "year 0000 does not exist"},
	    {"2024-2", "\"2024-2\"", "expected a month YYYY-MM"},
	    {"2024-02-01", "\"2024-02-01\"", "expected a month YYYY-MM"},
	    {"2024\xe2\x80\x93"
	     "02",
	     "\"2024\xe2\x80\x93"
	     "02\"",
	     "expected a month YYYY-MM"},
	    {"202402", "\"202402\"", "expected a month YYYY-MM"},
	    {"", "", "month is empty"},
	};
	check_refusals(bad, sizeof bad / sizeof bad[0], month_only);
}

struct formatted {
	int64_t epoch;
	int offset_min;
	const char *text;
};

static void
formats_with_offset(void **state)
{
	(void)state;
	static const struct formatted cases[] = {
	    {0, 0, "1970-01-01T00:00:00+00:00"},
	    {-1, 0, "1969-12-31T23:59:59+00:00"},
	    {1709602200, 480, "2024-03-05T09:30:00+08:00"},
	    {1709602200, 0, "2024-03-05T01:30:00+00:00"},
	    {1709602200, -300, "2024-03-04T20:30:00-05:00"},
	    {1709602200, 345, "2024-03-05T07:15:00+05:45"},
	    {1709602200, -570, "2024-03-04T16:00:00-09:30"},
	    {1709602200, -30, "2024-03-05T01:00:00-00:30"},
	    {1709602200, 1080, "2024-03-05T19:30:00+18:00"},
	    {1709602200, -1080, "2024-03-04T07:30:00-18:00"},
	    {-62135596800, 0, "0001-01-01T00:00:00+00:00"},
	    {253402300799, 0, "9999-12-31T23:59:59+00:00"},
	    {-2208988800, 480, "1900-01-01T08:00:00+08:00"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[CK_TIME_BUF];
		assert_int_equal(
		    ck_time_format(cases[i].epoch, cases[i].offset_min, out, sizeof out), CK_OK);
		assert_string_equal(out, cases[i].text);
	}
	/* "Z" read in is written back as "+00:00". */
	int64_t e;
	int off;
	char out[CK_TIME_BUF];
	assert_int_equal(ck_time_parse("2024-03-05T01:30:00Z", &e, &off, NULL), CK_OK);
	assert_int_equal(ck_time_format(e, off, out, sizeof out), CK_OK);
	assert_string_equal(out, "2024-03-05T01:30:00+00:00");
}

static void
format_refusals(void **state)
{
	(void)state;
	char out[CK_TIME_BUF];
	static const struct {
		int64_t epoch;
		int offset_min;
	} cases[] = {
	    {-62135596801, 0},   /* 0000-12-31 */
	    {253402300800, 0},   /* 10000-01-01 */
	    {-62135596800, -60}, /* 0000-12-31T23:00 at -01:00 */
	    {0, 1081},           {0, -1081},        {0, INT_MIN},       {INT64_MAX, 0},
	    {INT64_MIN, 0},      {INT64_MAX, 1080}, {INT64_MIN, -1080},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(out, 'x', sizeof out);
		assert_int_equal(
		    ck_time_format(cases[i].epoch, cases[i].offset_min, out, sizeof out),
		    CK_E_RANGE);
		assert_string_equal(out, "");
	}
	/* 25 characters need 26 bytes. */
	memset(out, 'x', sizeof out);
	assert_int_equal(ck_time_format(0, 0, out, 25), CK_E_RANGE);
	assert_string_equal(out, "");
	assert_int_equal(ck_time_format(0, 0, out, 26), CK_OK);
	assert_int_equal(ck_time_format(0, 0, NULL, 0), CK_E_RANGE);

	char date[CK_DATE_BUF];
	assert_int_equal(ck_date_format(19787, date, sizeof date), CK_OK);
	assert_string_equal(date, "2024-03-05");
	assert_int_equal(ck_date_format(-719162, date, sizeof date), CK_OK);
	assert_string_equal(date, "0001-01-01");
	assert_int_equal(ck_date_format(2932896, date, sizeof date), CK_OK);
	assert_string_equal(date, "9999-12-31");
	memset(date, 'x', sizeof date);
	assert_int_equal(ck_date_format(-719163, date, sizeof date), CK_E_RANGE);
	assert_string_equal(date, "");
	assert_int_equal(ck_date_format(2932897, date, sizeof date), CK_E_RANGE);
	assert_int_equal(ck_date_format(INT64_MAX, date, sizeof date), CK_E_RANGE);
	assert_int_equal(ck_date_format(INT64_MIN, date, sizeof date), CK_E_RANGE);
	assert_int_equal(ck_date_format(0, date, CK_DATE_BUF - 1), CK_E_RANGE);
	assert_string_equal(date, "");
}

/* format(parse(x)) == x for canonical text at many offsets, and
 * parse(format(e, off)) == (e, off) across the four-digit years. */
static void
times_round_trip(void **state)
{
	(void)state;
	static const char *texts[] = {
	    "2024-03-05T09:30:00+08:00", "2024-03-04T16:20:00+08:00", "2023-05-10T09:00:00+08:00",
	    "2024-03-05T01:30:00+00:00", "1999-12-31T23:59:59-05:00", "2000-02-29T00:00:00+05:45",
	    "2024-12-31T23:59:59-12:00", "2025-01-01T00:00:00+14:00", "1970-01-01T00:00:00-09:30",
	    "1900-03-01T12:34:56+18:00", "2100-02-28T23:00:00-18:00", "0001-01-01T00:00:00+00:00",
	    "9999-12-31T23:59:59+00:00",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		int64_t e;
		int off;
		char out[CK_TIME_BUF];
		assert_int_equal(ck_time_parse(texts[i], &e, &off, NULL), CK_OK);
		assert_int_equal(ck_time_format(e, off, out, sizeof out), CK_OK);
		assert_string_equal(out, texts[i]);
	}

	static const int offsets[] = {0, 480, -300, 345, -570, 1080, -1080, 60, -60, 330};
	const int64_t lo = -62135596800 + 18 * 3600, hi = 253402300799 - 18 * 3600;
	/* A step coprime with a day's seconds walks through every time of day. */
	for (int64_t e = lo; e <= hi; e += 9876543) {
		for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
			char out[CK_TIME_BUF], err[CK_ERR_SIZE] = "";
			int64_t back;
			int off;
			assert_int_equal(ck_time_format(e, offsets[k], out, sizeof out), CK_OK);
			if (ck_time_parse(out, &back, &off, err) != CK_OK)
				fail_msg("%s: %s", out, err);
			assert_int_equal(back, e);
			assert_int_equal(off, offsets[k]);
		}
	}
}

static void
lenient_times(void **state)
{
	(void)state;
	int64_t e = 0;
	int off = 0;
	char err[CK_ERR_SIZE] = "";
	/* filing.md: a date alone is 00:00 +08:00. */
	assert_int_equal(ck_time_parse_lenient("2023-05-10", CK_DEFAULT_OFFSET_MIN, &e, &off, err),
	                 CK_OK);
	assert_int_equal(e, 1683648000);
	assert_int_equal(off, 480);
	assert_int_equal(ck_time_parse_lenient(" 2023-05-10 ", 0, &e, &off, err), CK_OK);
	assert_int_equal(e, 1683648000 + 8 * 3600);
	assert_int_equal(off, 0);
	assert_int_equal(ck_time_parse_lenient("2023-05-10", -300, &e, &off, err), CK_OK);
	assert_int_equal(e, 1683648000 + 13 * 3600);
	assert_int_equal(off, -300);
	/* A full time keeps its own offset whatever the default. */
	assert_int_equal(ck_time_parse_lenient("2024-03-04T16:20:00+08:00", 0, &e, &off, err),
	                 CK_OK);
	assert_int_equal(e, 1709540400);
	assert_int_equal(off, 480);
	assert_string_equal(err, "");

	static const struct refusal bad[] = {
	    {"2024-03-05T09:30:00", "\"2024-03-05T09:30:00\"", "has no UTC offset"},
	    {"2023-02-29", "\"2023-02-29\"", "2023-02 has no day 29"},
	    {"2024/03/05", "\"2024/03/05\"", "expected a date YYYY-MM-DD"},
	    {"2024-3-5", "\"2024-3-5\"", "expected a time"},
	    {"", "", "time is empty"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		e = 42;
		assert_int_equal(ck_time_parse_lenient(bad[i].text, 480, &e, NULL, err),
		                 CK_E_INVALID);
		assert_int_equal(e, 42);
		if (strstr(err, bad[i].quoted) == NULL || strstr(err, bad[i].reason) == NULL)
			fail_msg("%s: message \"%s\"", bad[i].text, err);
	}
	err[0] = '\0';
	assert_int_equal(ck_time_parse_lenient("2023-05-10", 1081, &e, NULL, err), CK_E_USAGE);
	assert_non_null(strstr(err, "1081"));
}

static int
is_leap_year(int y)
{
	if (y % 400 == 0)
		return 1;
	if (y % 100 == 0)
		return 0;
	return y % 4 == 0;
}

/* Every day from 1900-01-01 to 2100-12-31, counted independently: day
 * numbers are consecutive, civil dates advance by one day with months and
 * years rolling over at the right lengths, and text round-trips. */
static void
every_day_1900_to_2100(void **state)
{
	(void)state;
	static const int month_len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = 1900, m = 1, d = 1;
	int64_t first = ck_days_from_civil(1900, 1, 1);
	int64_t last = ck_days_from_civil(2100, 12, 31);
	assert_int_equal(first, -25567);
	assert_int_equal(last, 47846);
	int64_t count = 0;
	for (int64_t days = first; days <= last; days++, count++) {
		int cy, cm, cd;
		ck_civil_from_days(days, &cy, &cm, &cd);
		if (cy != y || cm != m || cd != d)
			fail_msg("day %lld: got %04d-%02d-%02d, want %04d-%02d-%02d",
			         (long long)days, cy, cm, cd, y, m, d);
		assert_int_equal(ck_days_from_civil(y, m, d), days);

		char text[CK_DATE_BUF], want[48];
		snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
		assert_int_equal(ck_date_format(days, text, sizeof text), CK_OK);
		assert_string_equal(text, want);
		int64_t back;
		assert_int_equal(ck_date_parse(text, &back, NULL), CK_OK);
		assert_int_equal(back, days);
		/* 1970-01-01 was a Thursday; weekdays repeat every seven days. */
		assert_int_equal(((days % 7) + 7 + 4) % 7, (int)((count + 1) % 7));

		int len = month_len[m - 1] + (m == 2 && is_leap_year(y));
		if (++d > len) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	assert_int_equal(y, 2101);
	assert_int_equal(count, 73414); /* 201 years, 49 of them leap (not 1900, 2100) */
}

/* Every day of the four-digit years converts back and forth exactly. */
static void
every_day_of_four_digit_years(void **state)
{
	(void)state;
	int py, pm, pd;
	ck_civil_from_days(-719163, &py, &pm, &pd);
	assert_int_equal(py, 0);
	assert_int_equal(pm, 12);
	assert_int_equal(pd, 31);
	for (int64_t days = -719162; days <= 2932896; days++) {
		int y, m, d;
		ck_civil_from_days(days, &y, &m, &d);
		assert_int_equal(ck_days_from_civil(y, m, d), days);
		/* Successive days: next day of the month, or the 1st after a month end. */
		if (!(d == pd + 1 && m == pm && y == py) &&
		    !(d == 1 && ((m == pm + 1 && y == py) || (m == 1 && pm == 12 && y == py + 1))))
			fail_msg("day %lld: %d-%d-%d after %d-%d-%d", (long long)days, y, m, d, py,
			         pm, pd);
		py = y;
		pm = m;
		pd = d;
	}
	assert_int_equal(py, 9999);
}

static void
civil_arithmetic_carries(void **state)
{
	(void)state;
	assert_int_equal(ck_days_from_civil(2024, 13, 1), ck_days_from_civil(2025, 1, 1));
	assert_int_equal(ck_days_from_civil(2024, 0, 1), ck_days_from_civil(2023, 12, 1));
	assert_int_equal(ck_days_from_civil(2024, -11, 1), ck_days_from_civil(2023, 1, 1));
	assert_int_equal(ck_days_from_civil(2024, 3, 0), ck_days_from_civil(2024, 2, 29));
	assert_int_equal(ck_days_from_civil(2024, 1, 366), ck_days_from_civil(2024, 12, 31));
	assert_int_equal(ck_days_from_civil(-1, 3, 1), -719468 - 366); /* year 0 is a leap year */
	assert_int_equal(ck_days_from_civil(0, 3, 1), -719468);

	/* Far outside any real use: no overflow, the year saturates. */
	int y, m, d;
	ck_civil_from_days(INT64_MAX, &y, &m, &d);
	assert_int_equal(y, INT_MAX);
	ck_civil_from_days(INT64_MIN, &y, &m, &d);
	assert_int_equal(y, INT_MIN);
	(void)ck_days_from_civil(INT_MAX, INT_MAX, INT_MAX);
	(void)ck_days_from_civil(INT_MIN, INT_MIN, INT_MIN);
}

struct add {
	const char *from;
	int months;
	const char *to;
};

static void
adding_months_clamps_the_day(void **state)
{
	(void)state;
	static const struct add cases[] = {
	    {"2024-08-31", 6, "2025-02-28"},     {"2024-02-29", 12, "2025-02-28"},
	    {"2024-02-29", 48, "2028-02-29"},    {"2024-03-31", -1, "2024-02-29"},
	    {"2024-01-31", 1, "2024-02-29"},     {"2023-01-31", 1, "2023-02-28"},
	    {"2024-10-31", 1, "2024-11-30"},     {"2024-08-31", -6, "2024-02-29"},
	    {"2024-05-15", -17, "2022-12-15"},   {"2024-12-15", 1, "2025-01-15"},
	    {"2025-01-15", -1, "2024-12-15"},    {"2024-03-05", 0, "2024-03-05"},
	    {"2024-03-05", 1200, "2124-03-05"},  {"1970-01-01", -1, "1969-12-01"},
	    {"2000-02-29", -1200, "1900-02-28"}, {"0001-01-31", 1, "0001-02-28"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t from, to;
		char out[CK_DATE_BUF];
		assert_int_equal(ck_date_parse(cases[i].from, &from, NULL), CK_OK);
		to = ck_date_add_months(from, cases[i].months);
		assert_int_equal(ck_date_format(to, out, sizeof out), CK_OK);
		if (strcmp(out, cases[i].to) != 0)
			fail_msg("%s %+d months: got %s, want %s", cases[i].from, cases[i].months,
			         out, cases[i].to);
	}

	/* Property: the month moves by exactly n, the day is kept or clamped
	 * to the last day of the target month. */
	for (int64_t days = ck_days_from_civil(2023, 1, 1);
	     days <= ck_days_from_civil(2025, 12, 31); days++) {
		int y, m, d;
		ck_civil_from_days(days, &y, &m, &d);
		for (int n = -30; n <= 30; n++) {
			int ty, tm, td;
			ck_civil_from_days(ck_date_add_months(days, n), &ty, &tm, &td);
			int want_index = y * 12 + (m - 1) + n;
			assert_int_equal(ty * 12 + (tm - 1), want_index);
			int next_first = (int)ck_days_from_civil(ty, tm + 1, 1);
			int last = next_first - (int)ck_days_from_civil(ty, tm, 1);
			assert_int_equal(td, d < last ? d : last);
		}
	}
	/* Extreme counts do not overflow. */
	(void)ck_date_add_months(0, INT_MAX);
	(void)ck_date_add_months(0, INT_MIN);
	(void)ck_date_add_months(INT64_MAX, INT_MAX);
	(void)ck_date_add_months(INT64_MIN, INT_MIN);
}

static void
clocks(void **state)
{
	(void)state;
	struct ck_clock c;
	ck_clock_fixed(&c, 1709602200);
	assert_int_equal(ck_clock_now(&c), 1709602200);
	assert_int_equal(ck_clock_now(&c), 1709602200);

	ck_clock_system(&c);
	int64_t now = ck_clock_now(&c), ref = (int64_t)time(NULL);
	assert_true(now >= ref - 5 && now <= ref + 5);
	now = ck_clock_now(NULL);
	assert_true(now >= ref - 5 && now <= ref + 5);
}

static void
clock_from_text(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int64_t epoch;
	} good[] = {
	    {"2024-03-05T09:30:00+08:00", 1709602200},
	    {"2024-03-05T01:30:00Z", 1709602200},
	    {"2024-03-05", 1709568000},
	    {" 2024-09-30 ", 1727625600},
	    {"@1709602200", 1709602200},
	    {"@0", 0},
	    {"@-1", -1},
	    {"@000042", 42},
	    {"@-62135596800", -62135596800},
	    {"@253402300799", 253402300799},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct ck_clock c;
		char err[CK_ERR_SIZE] = "";
		ck_clock_system(&c);
		if (ck_clock_from_text(&c, good[i].text, err) != CK_OK)
			fail_msg("%s: %s", good[i].text, err);
		assert_true(c.is_fixed);
		assert_int_equal(ck_clock_now(&c), good[i].epoch);
	}

	static const struct {
		const char *text;
		int code;
		const char *message;
	} bad[] = {
	    {"@", CK_E_INVALID, "\"@\": expected \"@\" and epoch seconds"},
	    {"@-", CK_E_INVALID, "\"@-\": expected \"@\" and epoch seconds"},
	    {"@12x", CK_E_INVALID, "\"@12x\": expected \"@\" and epoch seconds"},
	    {"@+5", CK_E_INVALID, "\"@+5\": expected"},
	    {"@ 5", CK_E_INVALID, "\"@ 5\": expected"},
	    {"@--5", CK_E_INVALID, "\"@--5\": expected"},
	    {"@1.5", CK_E_INVALID, "\"@1.5\": expected"},
	    {"@253402300800", CK_E_RANGE, "\"@253402300800\": is outside the years 0001-9999"},
	    {"@-62135596801", CK_E_RANGE, "\"@-62135596801\": is outside the years 0001-9999"},
	    {"@99999999999999999999999999", CK_E_RANGE, "is outside the years"},
	    {"@-99999999999999999999999999", CK_E_RANGE, "is outside the years"},
	    {"tomorrow", CK_E_INVALID, "\"tomorrow\": expected a time"},
	    {"2024-03-05T09:30:00", CK_E_INVALID, "\"2024-03-05T09:30:00\": has no UTC offset"},
	    {"2024-02-30", CK_E_INVALID, "\"2024-02-30\": 2024-02 has no day 30"},
	    {"", CK_E_INVALID, "clock time is empty"},
	    {NULL, CK_E_INVALID, "clock time is empty"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ck_clock c;
		char err[CK_ERR_SIZE] = "";
		ck_clock_fixed(&c, 42);
		int rc = ck_clock_from_text(&c, bad[i].text, err);
		if (rc != bad[i].code || strstr(err, bad[i].message) == NULL)
			fail_msg("%s: got %d \"%s\", want %d \"%s\"",
			         bad[i].text ? bad[i].text : "(null)", rc, err, bad[i].code,
			         bad[i].message);
		/* A failed setting leaves the clock alone. */
		assert_true(c.is_fixed);
		assert_int_equal(ck_clock_now(&c), 42);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(known_epochs),
	    cmocka_unit_test(liberal_forms),
	    cmocka_unit_test(time_refusals),
	    cmocka_unit_test(dates),
	    cmocka_unit_test(months),
	    cmocka_unit_test(formats_with_offset),
	    cmocka_unit_test(format_refusals),
	    cmocka_unit_test(times_round_trip),
	    cmocka_unit_test(lenient_times),
	    cmocka_unit_test(every_day_1900_to_2100),
	    cmocka_unit_test(every_day_of_four_digit_years),
	    cmocka_unit_test(civil_arithmetic_carries),
	    cmocka_unit_test(adding_months_clamps_the_day),
	    cmocka_unit_test(clocks),
	    cmocka_unit_test(clock_from_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
