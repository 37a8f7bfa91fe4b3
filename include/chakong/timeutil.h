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

/* Parses a time with offset.  offset_min may be NULL. */
int ck_time_parse(const char *text, int64_t *epoch, int *offset_min, char *err);

/* Parses either a time with offset or a date "YYYY-MM-DD" (then 00:00 at
 * default_offset_min). */
int ck_time_parse_lenient(const char *text, int default_offset_min, int64_t *epoch, int *offset_min,
                          char *err);

/* Parses "YYYY-MM-DD" into days since 1970-01-01 (may be negative). */
int ck_date_parse(const char *text, int64_t *days, char *err);

/* Parses "YYYY-MM" into year and month. */
int ck_month_parse(const char *text, int *year, int *month, char *err);

/* Formats epoch seconds at the given offset: "2024-03-05T09:30:00+08:00"
 * ("Z" is never written).  Returns CK_OK or CK_E_RANGE. */
int ck_time_format(int64_t epoch, int offset_min, char *out, size_t outsz);

/* Formats days since 1970-01-01 as "YYYY-MM-DD". */
int ck_date_format(int64_t days, char *out, size_t outsz);

/* Days since 1970-01-01 for a civil date (no range check), and back. */
int64_t ck_days_from_civil(int year, int month, int day);
void ck_civil_from_days(int64_t days, int *year, int *month, int *day);

/* Adds months to a date, clamping the day to the target month's length
 * (2024-08-31 + 6 months = 2025-02-28). */
int64_t ck_date_add_months(int64_t days, int months);

/*
 * The clock.  A fixed clock always answers `fixed`; the system clock reads
 * CLOCK_REALTIME.  ck_clock_from_text() parses "--now"/CHAKONG_NOW values
 * (any time ck_time_parse_lenient accepts, or "@<epoch seconds>").
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
