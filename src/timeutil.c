/* SPDX-License-Identifier: MIT */
/*
 * timeutil.c: ISO 8601 times and dates to epoch seconds and day numbers and
 * back, by calendar arithmetic on the proleptic Gregorian calendar; and the
 * injectable clock.  Nothing here consults the system time zone: the C
 * library's conversions depend on TZ and on process-wide state, and the
 * interfaces always say which offset they mean.
 */
#include "chakong/timeutil.h"
#include "chakong/error.h"
#include "textutil.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SECS_PER_DAY   86400
#define MAX_OFFSET_MIN (18 * 60) /* ISO 8601 and XSD allow offsets up to 18 hours */
#define MIN_YEAR       1
#define MAX_YEAR       9999 /* the texts have four-digit years */

/*
 * Day numbers are computed on years that begin on 1 March, so that the leap
 * day is the last day of its year and every month's start is a fixed distance
 * from the year's start.  EPOCH_SHIFT is the number of days from 0000-03-01
 * to 1970-01-01; a 400-year era always holds 146097 days.
 */
#define EPOCH_SHIFT   719468
#define DAYS_PER_ERA  146097
#define DAYS_PER_100Y 36524 /* a century whose last year is not a leap year */
#define DAYS_PER_4Y   1461

/* Days from 1 March to the first of each month, March first. */
static const int march_month_start[12] = {0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337};

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Months outside 1..12 carry into the year and days outside the month into
 * the neighbouring months: the result is linear in d. */
static int64_t
days_from_civil64(int64_t y, int64_t m, int64_t d)
{
	int64_t m0 = m - 1; /* January = 0 */
	int64_t carry = floor_div(m0, 12);
	y += carry;
	m0 -= carry * 12;
	int64_t from_march = m0 >= 2 ? m0 - 2 : m0 + 10;
	if (m0 < 2)
		y--; /* January and February end the previous March-based year */
	return 365 * y + floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400) +
	       march_month_start[from_march] + d - 1 - EPOCH_SHIFT;
}

/* |days| must stay well below 2^62 (see clamp_days) so nothing overflows. */
static void
civil_from_days64(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + EPOCH_SHIFT; /* days since 0000-03-01 */
	int64_t era = floor_div(z, DAYS_PER_ERA);
	int64_t in_era = z - era * DAYS_PER_ERA; /* 0..146096 */
	/* The era's last day (a 29 February) would count as a fifth century,
	 * and a four-year block's last day as a fifth year: clamp both. */
	int64_t cent = in_era / DAYS_PER_100Y;
	if (cent > 3)
		cent = 3;
	int64_t in_cent = in_era - cent * DAYS_PER_100Y;
	int64_t quad = in_cent / DAYS_PER_4Y;
	int64_t in_quad = in_cent - quad * DAYS_PER_4Y;
	int64_t yq = in_quad / 365;
	if (yq > 3)
		yq = 3;
	int doy = (int)(in_quad - yq * 365); /* 0..365, from 1 March */
	int mp = 11;
	while (march_month_start[mp] > doy)
		mp--;
	*d = doy - march_month_start[mp] + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = era * 400 + cent * 100 + quad * 4 + yq + (*m <= 2);
}

int64_t
ck_days_from_civil(int year, int month, int day)
{
	return days_from_civil64(year, month, day);
}

/* Day numbers from callers are held to about ±3 billion years, past which
 * no year fits an int, so that the arithmetic cannot overflow. */
static int64_t
clamp_days(int64_t days)
{
	const int64_t lim = (int64_t)1 << 40;
	return days > lim ? lim : days < -lim ? -lim : days;
}

void
ck_civil_from_days(int64_t days, int *year, int *month, int *day)
{
	int64_t y;
	civil_from_days64(clamp_days(days), &y, month, day);
	if (y > INT_MAX) {
		*year = INT_MAX;
		*month = 12;
		*day = 31;
	} else if (y < INT_MIN) {
		*year = INT_MIN;
		*month = 1;
		*day = 1;
	} else {
		*year = (int)y;
	}
}

int64_t
ck_date_add_months(int64_t days, int months)
{
	int64_t y;
	int m, d;
	civil_from_days64(clamp_days(days), &y, &m, &d);
	int64_t total = y * 12 + (m - 1) + months;
	int64_t ny = floor_div(total, 12);
	int nm = (int)(total - ny * 12) + 1;
	int last = days_in_month(ny, nm);
	return days_from_civil64(ny, nm, d > last ? last : d);
}

/* ---- parsing ---- */

/* Reads exactly n ASCII digits at s into *out. */
static int
read_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* Points s at text without its surrounding blanks (NULL reads as ""). */
static void
prepare(const char *text, const char **s, size_t *len)
{
	*s = text != NULL ? text : "";
	*len = strlen(*s);
	ck_text_trim(s, len);
}

/* Reads "YYYY-MM-DD" at the start of s (len bytes) without range checks. */
static int
scan_date(const char *s, size_t len, int *y, int *m, int *d)
{
	return len >= 10 && read_digits(s, 4, y) && s[4] == '-' && read_digits(s + 5, 2, m) &&
	       s[7] == '-' && read_digits(s + 8, 2, d);
}

/* Checks a date scanned from s (len bytes, quoted in messages) against the
 * calendar. */
static int
check_date(int y, int m, int d, const char *s, size_t len, char *err)
{
	if (y < MIN_YEAR)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "year 0000 does not exist");
	if (m < 1 || m > 12)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "month %02d does not exist", m);
	if (d < 1 || d > days_in_month(y, m))
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "%04d-%02d has no day %02d", y, m,
		                      d);
	return CK_OK;
}

static int
parse_date_at(const char *s, size_t len, int64_t *days, char *err)
{
	int y, m, d;
	if (len != 10 || !scan_date(s, len, &y, &m, &d))
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "expected a date YYYY-MM-DD");
	int rc = check_date(y, m, d, s, len, err);
	if (rc != CK_OK)
		return rc;
	*days = days_from_civil64(y, m, d);
	return CK_OK;
}

int
ck_date_parse(const char *text, int64_t *days, char *err)
{
	const char *s;
	size_t len;
	int64_t v = 0;
	prepare(text, &s, &len);
	if (len == 0)
		return ck_fail(err, CK_E_INVALID, "date is empty");
	int rc = parse_date_at(s, len, &v, err);
	if (rc == CK_OK && days != NULL)
		*days = v;
	return rc;
}

int
ck_month_parse(const char *text, int *year, int *month, char *err)
{
	const char *s;
	size_t len;
	int y, m;
	prepare(text, &s, &len);
	if (len == 0)
		return ck_fail(err, CK_E_INVALID, "month is empty");
	if (len != 7 || !read_digits(s, 4, &y) || s[4] != '-' || !read_digits(s + 5, 2, &m))
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "expected a month YYYY-MM");
	if (y < MIN_YEAR)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "year 0000 does not exist");
	if (m < 1 || m > 12)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "month %02d does not exist", m);
	if (year != NULL)
		*year = y;
	if (month != NULL)
		*month = m;
	return CK_OK;
}

/*
 * The body of ck_time_parse on trimmed text.  Accepted, beyond the strict
 * form: 't' or a space instead of 'T', 'z' for 'Z', "+HHMM" for "+HH:MM",
 * and any number of fraction digits (dropped: the store keeps seconds).
 */
static int
parse_time_at(const char *s, size_t len, int64_t *epoch, int *offset_min, char *err)
{
	int y, mo, d, h, mi, sec;
	if (!scan_date(s, len, &y, &mo, &d))
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "expected a time YYYY-MM-DDTHH:MM:SS+HH:MM");
	int rc = check_date(y, mo, d, s, len, err);
	if (rc != CK_OK)
		return rc;
	size_t p = 10;
	if (p == len)
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "is a date without a time of day and UTC offset");
	if (s[p] != 'T' && s[p] != 't' && s[p] != ' ')
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "expected 'T' between the date and the time");
	p++;
	if (len - p < 8 || !read_digits(s + p, 2, &h) || s[p + 2] != ':' ||
	    !read_digits(s + p + 3, 2, &mi) || s[p + 5] != ':' || !read_digits(s + p + 6, 2, &sec))
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "expected a time of day HH:MM:SS after the date");
	if (h > 23)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "hour %02d does not exist", h);
	if (mi > 59)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "minute %02d does not exist", mi);
	/* Epoch seconds cannot name a leap second, and no interface needs one. */
	if (sec == 60)
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "leap seconds (second 60) are not supported");
	if (sec > 59)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "second %02d does not exist", sec);
	p += 8;
	if (p < len && s[p] == '.') {
		size_t start = ++p;
		while (p < len && s[p] >= '0' && s[p] <= '9')
			p++;
		if (p == start)
			return ck_fail_quoted(err, CK_E_INVALID, s, len,
			                      "expected digits after '.'");
	}
	if (p == len)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "has no UTC offset");

	int off;
	if (s[p] == 'Z' || s[p] == 'z') {
		off = 0;
		p++;
	} else if (s[p] == '+' || s[p] == '-') {
		int oh, om;
		char sign = s[p];
		if (len - p >= 6 && read_digits(s + p + 1, 2, &oh) && s[p + 3] == ':' &&
		    read_digits(s + p + 4, 2, &om))
			p += 6;
		else if (len - p >= 5 && read_digits(s + p + 1, 2, &oh) &&
		         read_digits(s + p + 3, 2, &om))
			p += 5;
		else
			return ck_fail_quoted(
			    err, CK_E_INVALID, s, len,
			    "UTC offset must be Z, +HH:MM, -HH:MM, +HHMM or -HHMM");
		if (om > 59 || oh * 60 + om > MAX_OFFSET_MIN)
			return ck_fail_quoted(
			    err, CK_E_INVALID, s, len,
			    "UTC offset %c%02d:%02d is out of range (-18:00 to +18:00)", sign, oh,
			    om);
		off = (oh * 60 + om) * (sign == '-' ? -1 : 1);
	} else {
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "expected a UTC offset (Z, +HH:MM or -HH:MM) after the time");
	}
	if (p != len)
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "unexpected text after the UTC offset");

	int64_t days = days_from_civil64(y, mo, d);
	if (epoch != NULL)
		*epoch = days * SECS_PER_DAY + h * 3600 + mi * 60 + sec - (int64_t)off * 60;
	if (offset_min != NULL)
		*offset_min = off;
	return CK_OK;
}

int
ck_time_parse(const char *text, int64_t *epoch, int *offset_min, char *err)
{
	const char *s;
	size_t len;
	prepare(text, &s, &len);
	if (len == 0)
		return ck_fail(err, CK_E_INVALID, "time is empty");
	return parse_time_at(s, len, epoch, offset_min, err);
}

int
ck_time_parse_lenient(const char *text, int default_offset_min, int64_t *epoch, int *offset_min,
                      char *err)
{
	const char *s;
	size_t len;
	if (default_offset_min < -MAX_OFFSET_MIN || default_offset_min > MAX_OFFSET_MIN)
		return ck_fail(err, CK_E_USAGE, "default UTC offset %d minutes is out of range",
		               default_offset_min);
	prepare(text, &s, &len);
	if (len == 0)
		return ck_fail(err, CK_E_INVALID, "time is empty");
	/* Ten characters can only be a date; anything longer must be a time. */
	if (len != 10)
		return parse_time_at(s, len, epoch, offset_min, err);
	int64_t days = 0;
	int rc = parse_date_at(s, len, &days, err);
	if (rc != CK_OK)
		return rc;
	if (epoch != NULL)
		*epoch = days * SECS_PER_DAY - (int64_t)default_offset_min * 60;
	if (offset_min != NULL)
		*offset_min = default_offset_min;
	return CK_OK;
}

/* ---- formatting ---- */

/* Writes the date of day number `days` as YYYY-MM-DD into out (11 bytes),
 * or fails when its year has no four-digit form. */
static int
put_date(int64_t days, char *out)
{
	int64_t y;
	int m, d;
	if (days < days_from_civil64(MIN_YEAR, 1, 1) || days > days_from_civil64(MAX_YEAR, 12, 31))
		return CK_E_RANGE;
	civil_from_days64(days, &y, &m, &d);
	snprintf(out, CK_DATE_BUF, "%04d-%02d-%02d", (int)y, m, d);
	return CK_OK;
}

int
ck_date_format(int64_t days, char *out, size_t outsz)
{
	char buf[CK_DATE_BUF];
	int rc = put_date(days, buf);
	if (rc == CK_OK && out != NULL && outsz >= CK_DATE_BUF) {
		memcpy(out, buf, CK_DATE_BUF);
		return CK_OK;
	}
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	return CK_E_RANGE;
}

int
ck_time_format(int64_t epoch, int offset_min, char *out, size_t outsz)
{
	char buf[CK_TIME_BUF];
	int len = 0;
	/* The bound on epoch keeps epoch + offset from overflowing; such
	 * times are far outside years 0001-9999 anyway. */
	int ok = offset_min >= -MAX_OFFSET_MIN && offset_min <= MAX_OFFSET_MIN &&
	         epoch > INT64_MIN / 2 && epoch < INT64_MAX / 2;
	if (ok) {
		int64_t local = epoch + (int64_t)offset_min * 60;
		int64_t days = floor_div(local, SECS_PER_DAY);
		int secs = (int)(local - days * SECS_PER_DAY);
		int off = offset_min < 0 ? -offset_min : offset_min;
		ok = put_date(days, buf) == CK_OK;
		if (ok)
			len = snprintf(buf + 10, sizeof buf - 10, "T%02d:%02d:%02d%c%02d:%02d",
			               secs / 3600, secs / 60 % 60, secs % 60,
			               offset_min < 0 ? '-' : '+', off / 60, off % 60) +
			      10;
	}
	if (ok && out != NULL && (size_t)len < outsz) {
		memcpy(out, buf, (size_t)len + 1);
		return CK_OK;
	}
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	return CK_E_RANGE;
}

/* ---- the clock ---- */

void
ck_clock_system(struct ck_clock *clock)
{
	clock->fixed = 0;
	clock->is_fixed = 0;
}

void
ck_clock_fixed(struct ck_clock *clock, int64_t epoch)
{
	clock->fixed = epoch;
	clock->is_fixed = 1;
}

int
ck_clock_from_text(struct ck_clock *clock, const char *text, char *err)
{
	const char *s;
	size_t len;
	prepare(text, &s, &len);
	if (len == 0)
		return ck_fail(err, CK_E_INVALID, "clock time is empty");
	if (s[0] != '@') {
		int64_t epoch;
		int rc = ck_time_parse_lenient(s, CK_DEFAULT_OFFSET_MIN, &epoch, NULL, err);
		if (rc == CK_OK)
			ck_clock_fixed(clock, epoch);
		return rc;
	}
	/* "@<seconds>": kept to the years the rest of the engine can write, so
	 * that a clock set this way never yields an unprintable time. */
	const int64_t lo = days_from_civil64(MIN_YEAR, 1, 1) * SECS_PER_DAY;
	const int64_t hi = (days_from_civil64(MAX_YEAR, 12, 31) + 1) * SECS_PER_DAY - 1;
	size_t p = 1;
	int neg = p < len && s[p] == '-';
	p += (size_t)neg;
	if (p == len)
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "expected \"@\" and epoch seconds");
	int64_t v = 0;
	for (; p < len; p++) {
		if (s[p] < '0' || s[p] > '9')
			return ck_fail_quoted(err, CK_E_INVALID, s, len,
			                      "expected \"@\" and epoch seconds");
		/* Stop accumulating once past the range: no overflow, same answer. */
		if (v <= hi)
			v = v * 10 + (s[p] - '0');
	}
	if (neg)
		v = -v;
	if (v < lo || v > hi)
		return ck_fail_quoted(err, CK_E_RANGE, s, len, "is outside the years 0001-9999");
	ck_clock_fixed(clock, v);
	return CK_OK;
}

int64_t
ck_clock_now(const struct ck_clock *clock)
{
	struct timespec ts;
	if (clock != NULL && clock->is_fixed)
		return clock->fixed;
	/* CLOCK_REALTIME cannot fail with a valid clock id and pointer; should
	 * it anyway, the epoch is a recognisably wrong answer. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}
