/* SPDX-License-Identifier: MIT */
/*
 * timeutil.h: ISO 8601 times and dates, and the injectable clock.
 *
 * Times in the interfaces carry an offset ("2024-03-05T09:30:00+08:00",
 * "...Z", fraction of seconds allowed and ignored); they are converted to
 * UTC epoch seconds (int64_t) plus the offset in minutes, kept for display.
 * Dates are "YYYY-MM-DD", months "YYYY-MM"; both are checked against the
 * real calendar (proleptic Gregorian).  No function here reads the system
 * time zone or calls gmtime/localtime/mktime: conversions are arithmetic.
 *
 * The clock: the library never reads the system time directly; it asks a
 * struct ck_clock owned by the caller's context, so tests can run "six months
 * later" without waiting.
 */
#ifndef CHAKONG_TIMEUTIL_H
#define CHAKONG_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define CK_TIME_BUF 32 /* "2024-03-05T09:30:00+08:00" and NUL */
#define CK_DATE_BUF 11 /* "2024-03-05" and NUL */

/* Offset used where a filing gives a date only: China Standard Time. */
#define CK_DEFAULT_OFFSET_MIN (8 * 60)

/*
 * Parses a time with offset: "YYYY-MM-DDTHH:MM:SS", an optional fraction
 * ".d..." (dropped, not rounded), then "Z", "+HH:MM", "-HH:MM", "+HHMM" or
 * "-HHMM" (at most 18:00; "-00:00" means UTC).  Liberal where ISO 8601 and
 * RFC 3339 readers commonly are: 't' or a space for 'T', 'z' for 'Z', and
 * blanks around the text.  Refused with CK_E_INVALID and a message that
 * quotes the text: no offset ("has no UTC offset"), "+HH" alone, dates not
 * in the calendar, hour 24, second 60 (epoch seconds cannot name a leap
 * second), years before 0001.  epoch and offset_min are written only on
 * success; either may be NULL.
 */
int ck_time_parse(const char *text, int64_t *epoch, int *offset_min, char *err);

/* Parses either a time with offset or a date "YYYY-MM-DD" (then 00:00 at
 * default_offset_min, which is also what *offset_min gets).  CK_E_USAGE when
 * default_offset_min is beyond ±18 hours. */
int ck_time_parse_lenient(const char *text, int default_offset_min, int64_t *epoch, int *offset_min,
                          char *err);

/* Parses "YYYY-MM-DD" (exactly: 4-digit year 0001-9999, 2-digit month and
 * day, a real calendar date) into days since 1970-01-01 (may be negative).
 * Blanks around it are ignored; *days is written only on success. */
int ck_date_parse(const char *text, int64_t *days, char *err);

/* Parses "YYYY-MM" (year 0001-9999, month 01-12) into year and month; each
 * output may be NULL. */
int ck_month_parse(const char *text, int *year, int *month, char *err);

/* Formats epoch seconds at the given offset: "2024-03-05T09:30:00+08:00"
 * ("Z" is never written: UTC is "+00:00").  Returns CK_OK, or CK_E_RANGE
 * when the local year is outside 0001-9999, the offset beyond ±18 hours or
 * outsz too small (CK_TIME_BUF always suffices); then out gets "" if it can. */
int ck_time_format(int64_t epoch, int offset_min, char *out, size_t outsz);

/* Formats days since 1970-01-01 as "YYYY-MM-DD".  CK_OK, or CK_E_RANGE (as
 * for ck_time_format) for years outside 0001-9999 or outsz < CK_DATE_BUF. */
int ck_date_format(int64_t days, char *out, size_t outsz);

/* Days since 1970-01-01 for a civil date, and back.  There is no range
 * check: a month outside 1-12 carries into the year and a day outside the
 * month into the neighbouring months (2024-13-01 is 2025-01-01, 2024-03-00
 * is 2024-02-29).  ck_civil_from_days saturates beyond the years an int can
 * hold. */
int64_t ck_days_from_civil(int year, int month, int day);
void ck_civil_from_days(int64_t days, int *year, int *month, int *day);

/* Adds months (negative: subtracts) to a date, clamping the day to the
 * target month's length (2024-08-31 + 6 months = 2025-02-28, 2024-03-31 - 1
 * month = 2024-02-29). */
int64_t ck_date_add_months(int64_t days, int months);

/*
 * The clock.  A fixed clock always answers `fixed`; the system clock reads
 * CLOCK_REALTIME (so does ck_clock_now(NULL)).  ck_clock_from_text() parses
 * "--now"/CHAKONG_NOW values into a fixed clock: any time
 * ck_time_parse_lenient accepts (a bare date is 00:00 at +08:00), or
 * "@<epoch seconds>" with an optional '-', within years 0001-9999
 * (CK_E_RANGE beyond).  On failure the clock is left as it was.
 */
struct ck_clock {
	int64_t fixed; /* seconds since the epoch, used when is_fixed */
	int is_fixed;
};

void ck_clock_system(struct ck_clock *clock);
void ck_clock_fixed(struct ck_clock *clock, int64_t epoch);
int ck_clock_from_text(struct ck_clock *clock, const char *text, char *err);
int64_t ck_clock_now(const struct ck_clock *clock);

#endif
