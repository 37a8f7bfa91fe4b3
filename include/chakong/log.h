/* SPDX-License-Identifier: MIT */
/*
 * log.h: diagnostic log lines: one line per event, with the time, the
 * level and masked identifiers, as text for people or as JSON for log
 * collectors.
 *
 * Logs are diagnostics (written to stderr by default); what a command is
 * asked for (tables, summaries, reports, --help) is its output and never
 * goes through here.
 *
 * Forms of a line:
 *   text  2026-11-23T11:46:47Z WARN  run: icbc: 5 failures in a row ... case=... query=17
 *         time, the level padded to 5, the logger's name (the command), the
 *         institution when there is one, the message, then the other fields
 *         of the event as key=value.
 *   json  {"time":"2026-11-23T11:46:47Z","level":"warn","command":"run",
 *          "msg":"...","institution":"icbc","case":"...","query":17,...}
 *         one object per line; keys, in this order, each only when set:
 *         time, level, command, msg, institution, case, query, request_id,
 *         subject_masked, account_masked, reason, http_status.  These keys
 *         are stable: collectors may rely on them.
 *
 * The time is the real time of the event (UTC, whole seconds, "Z"), read
 * from the wall clock or from a clock the caller injects (tests); it is not
 * the engine's business clock (ck_clock, --now), which may be set to "six
 * months later" for a drill while the log must say when things happened.
 *
 * Personal data: identifiers are passed in the fields subject_id and
 * account of struct ck_log_about, and only their masked forms are written
 * (ck_ids_mask_id, ck_ids_mask_account), so an event built from those fields
 * cannot reveal one.  As a second line of defence the message and the
 * reason are scrubbed before they are written: any token that is a valid
 * resident identity number or credit code (or shaped like the former) is
 * masked as an identifier, and any run of 12 or more digits as an account
 * number (see ck_log_scrub()).  The institution, the case number and the
 * RequestId name the work, not a person, and are written as given.  In
 * every field control characters become spaces and bytes that are not
 * UTF-8 become '?', so a line is always one line of valid UTF-8 (and valid
 * JSON in the JSON form).
 *
 * No global state: the program owns a struct ck_log and lends it to the
 * library (sched.h), which logs through it or not at all when given NULL.
 * Each line is written with one call and flushed, so lines of concurrent
 * processes on the same file do not interleave.
 *
 * Ownership: the logger borrows `out`, `name` and the hooks' contexts; they
 * must outlive it.  Nothing is allocated that outlives a call.
 */
#ifndef CHAKONG_LOG_H
#define CHAKONG_LOG_H

#include <stdint.h>
#include <stdio.h>

/* In order of importance: a logger at level L writes events of L and
 * above (ERROR is the most important). */
enum ck_log_level { CK_LOG_ERROR = 0, CK_LOG_WARN, CK_LOG_INFO, CK_LOG_DEBUG };

enum ck_log_format { CK_LOG_TEXT = 0, CK_LOG_JSON };

/* A logger.  Set up with ck_log_init(), then change the public fields as
 * wanted (they may be changed between events, e.g. after late options). */
struct ck_log {
	enum ck_log_format format; /* default CK_LOG_TEXT */
	enum ck_log_level level;   /* default CK_LOG_INFO */
	FILE *out;                 /* default stderr */
	const char *name;          /* the command, e.g. "run"; default "chakong" */
	/* Milliseconds since the epoch of the event; NULL: the wall clock. */
	int64_t (*now_ms)(void *ctx);
	void *now_ctx;
	/* Called just before a line is written (e.g. to end a progress line on
	 * a terminal); may be NULL. */
	void (*before_line)(void *ctx);
	void *before_ctx;
};

/* What an event is about.  Every member may be left zero (not written). */
struct ck_log_about {
	const char *institution; /* the institution's id */
	const char *case_no;     /* the case number: public court data */
	int64_t query;           /* the query's row id; 0 none */
	const char *request_id;  /* the query's RequestId */
	const char *subject_id;  /* a debtor's identifier: written masked only */
	const char *account;     /* an account number: written masked only */
	const char *reason;      /* a failure reason code, e.g. "RETRIES_EXHAUSTED" */
	int http_status;         /* 0 none */
};

/* Sets the defaults above. */
void ck_log_init(struct ck_log *lg);

/* "error", "warn", "info", "debug" -> the level; -1 for anything else. */
int ck_log_level_parse(const char *text);
/* "text", "json" -> the format; -1 for anything else. */
int ck_log_format_parse(const char *text);
/* The lower-case name of a level ("warn"); "?" for none. */
const char *ck_log_level_name(enum ck_log_level level);

/* Whether an event of `level` would be written (0 for a NULL logger):
 * callers test it before preparing costly detail. */
int ck_log_enabled(const struct ck_log *lg, enum ck_log_level level);

/*
 * Writes one event, if lg is not NULL and its level admits it.  The
 * message is printf-style, one line, lower case, no final period, and is
 * cut at about 1000 bytes; about may be NULL.  Never fails: a line that
 * cannot be built (out of memory) is replaced by a short notice.
 */
void ck_logf(const struct ck_log *lg, enum ck_log_level level, const struct ck_log_about *about,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * The scrubbing applied to every message: copies text to out, masking each
 * token (a run of ASCII letters and digits) of 18 characters that is a
 * valid identifier, or shaped like a resident identity number (17 digits
 * and a digit or X, whatever its check character), as ck_ids_mask_id()
 * does, and within other tokens each run of 12 or more ASCII digits as
 * ck_ids_mask_account() does.  Masking keeps the
 * length, so out needs strlen(text) + 1 bytes; a smaller out gets a prefix
 * of the result, never a prefix of an unmasked identifier.
 */
void ck_log_scrub(const char *text, char *out, size_t outsz);

#endif
