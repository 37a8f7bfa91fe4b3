/* SPDX-License-Identifier: MIT */
/*
 * log.c: the log lines of log.h: level filtering, the two line forms, and
 * the cleaning every piece of text goes through before it is written
 * (masking identifiers, control characters, broken UTF-8).
 */
#include "chakong/log.h"
#include "chakong/buf.h"
#include "chakong/ids.h"
#include "chakong/json.h"
#include "chakong/timeutil.h"
#include "textenc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest message kept; the rest is cut (at a character boundary: a
 * sequence cut short becomes '?'). */
#define MSG_MAX 1024
/* Shortest run of digits taken for an account number: Chinese bank
 * account and card numbers have 12 to 25 digits. */
#define ACCOUNT_MIN_DIGITS 12

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const level_labels[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

void
ck_log_init(struct ck_log *lg)
{
	*lg = (struct ck_log){.format = CK_LOG_TEXT, .level = CK_LOG_INFO, .name = "chakong"};
}

int
ck_log_level_parse(const char *text)
{
	for (int i = 0; text != NULL && i <= CK_LOG_DEBUG; i++)
		if (strcmp(text, level_names[i]) == 0)
			return i;
	return -1;
}

int
ck_log_format_parse(const char *text)
{
	if (text != NULL && strcmp(text, "text") == 0)
		return CK_LOG_TEXT;
	if (text != NULL && strcmp(text, "json") == 0)
		return CK_LOG_JSON;
	return -1;
}

const char *
ck_log_level_name(enum ck_log_level level)
{
	return (unsigned)level <= CK_LOG_DEBUG ? level_names[level] : "?";
}

int
ck_log_enabled(const struct ck_log *lg, enum ck_log_level level)
{
	return lg != NULL && (unsigned)level <= CK_LOG_DEBUG && level <= lg->level;
}

/* ---- Scrubbing ------------------------------------------------------------ */

static int
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Appends n bytes to out[*len], as far as they fit (outsz includes the NUL). */
static void
put(char *out, size_t outsz, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= outsz)
		return;
	if (n > outsz - 1 - *len)
		n = outsz - 1 - *len;
	memcpy(out + *len, s, n);
	*len += n;
}

/* 17 digits and a digit or X: a resident identity number, perhaps with a
 * mistyped check character (a filing's error), still someone's number. */
static int
looks_resident(const char *id)
{
	for (int i = 0; i < CK_ID_LEN - 1; i++)
		if (!is_digit(id[i]))
			return 0;
	return is_digit(id[CK_ID_LEN - 1]) || id[CK_ID_LEN - 1] == 'X' || id[CK_ID_LEN - 1] == 'x';
}

/* One token (letters and digits), masked where it holds an identifier or
 * an account number. */
static void
scrub_token(const char *tok, size_t n, char *out, size_t outsz, size_t *len)
{
	char buf[CK_MASK_BUF];
	if (n == CK_ID_LEN) {
		char id[CK_ID_BUF];
		memcpy(id, tok, n);
		id[n] = '\0';
		if (ck_ids_kind_of(id) != 0 || looks_resident(id)) {
			ck_ids_mask_id(id, buf, sizeof buf);
			put(out, outsz, len, buf, strlen(buf));
			return;
		}
	}
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && is_digit(tok[j]))
			j++;
		if (j - i >= ACCOUNT_MIN_DIGITS) {
			/* Longer runs than a mask buffer holds: stars, then the last 4. */
			size_t stars = j - i - 4;
			for (size_t k = 0; k < stars; k++)
				put(out, outsz, len, "*", 1);
			put(out, outsz, len, tok + j - 4, 4);
		} else if (j == i) {
			j++; /* a letter */
			put(out, outsz, len, tok + i, 1);
		} else {
			put(out, outsz, len, tok + i, j - i);
		}
		i = j;
	}
}

void
ck_log_scrub(const char *text, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return;
	size_t len = 0;
	const char *p = text ? text : "";
	while (*p) {
		if (!is_alnum(*p)) {
			put(out, outsz, &len, p, 1);
			p++;
			continue;
		}
		size_t n = 0;
		while (is_alnum(p[n]))
			n++;
		scrub_token(p, n, out, outsz, &len);
		p += n;
	}
	out[len] = '\0';
}

/* ---- Cleaning ------------------------------------------------------------- */

/* Appends text to b with control characters (C0, DEL, C1) as spaces and
 * bytes that are not well-formed UTF-8 as '?': a line stays one line, and
 * valid UTF-8 for JSON readers and terminals. */
static void
add_clean(struct ck_buf *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = ck_utf8_seq(p + i, n - i, &cp);
		if (k == 0) {
			ck_buf_add(b, "?", 1);
			i++;
		} else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
			ck_buf_add(b, " ", 1);
			i += k;
		} else {
			ck_buf_add(b, text + i, k);
			i += k;
		}
	}
}

/* Text cleaned, and scrubbed when asked, into a new buffer owned by the
 * caller (NULL when memory ran out). */
static char *
clean(const char *text, int scrub)
{
	size_t n = strlen(text);
	char *scrubbed = malloc(n + 1);
	if (scrubbed == NULL)
		return NULL;
	if (scrub)
		ck_log_scrub(text, scrubbed, n + 1);
	else
		memcpy(scrubbed, text, n + 1);
	struct ck_buf b = {0};
	add_clean(&b, scrubbed);
	free(scrubbed);
	if (b.data == NULL && !b.failed)
		ck_buf_add(&b, "", 0);
	return ck_buf_detach(&b, NULL);
}

/* ---- Lines ---------------------------------------------------------------- */

static int64_t
wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "2026-11-23T11:46:47Z" (floor of the second), within years 0001-9999. */
static void
format_utc(int64_t ms, char out[CK_TIME_BUF])
{
	const int64_t lo = -62135596800000, hi = 253402300799999;
	ms = ms < lo ? lo : ms > hi ? hi : ms;
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
	int64_t sec = s - days * 86400;
	int y, m, d;
	ck_civil_from_days(days, &y, &m, &d);
	snprintf(out, CK_TIME_BUF, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
	         (int)(sec / 60 % 60), (int)(sec % 60));
}

/* The cleaned, masked fields of an event. */
struct fields {
	char *msg, *institution, *case_no, *request_id, *reason, *subject, *account;
	int64_t query;
	int http_status;
	int failed;
};

static char *
clean_opt(struct fields *f, const char *text, int scrub)
{
	if (text == NULL || *text == '\0')
		return NULL;
	char *c = clean(text, scrub);
	f->failed |= c == NULL;
	return c;
}

static void
fields_release(struct fields *f)
{
	free(f->msg);
	free(f->institution);
	free(f->case_no);
	free(f->request_id);
	free(f->reason);
	free(f->subject);
	free(f->account);
}

static void
text_kv(struct ck_buf *b, const char *key, const char *value)
{
	if (value != NULL && *value != '\0')
		ck_buf_printf(b, " %s=%s", key, value);
}

static const char *
name_of(const struct ck_log *lg)
{
	return lg->name != NULL && *lg->name != '\0' ? lg->name : "chakong";
}

static char *
text_line(const struct ck_log *lg, enum ck_log_level level, const char *when,
          const struct fields *f)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b, "%s %s %s: ", when, level_labels[level], name_of(lg));
	if (f->institution != NULL)
		ck_buf_printf(&b, "%s: ", f->institution);
	ck_buf_puts(&b, f->msg);
	text_kv(&b, "case", f->case_no);
	if (f->query > 0)
		ck_buf_printf(&b, " query=%lld", (long long)f->query);
	text_kv(&b, "request_id", f->request_id);
	text_kv(&b, "subject", f->subject);
	text_kv(&b, "account", f->account);
	text_kv(&b, "reason", f->reason);
	if (f->http_status > 0)
		ck_buf_printf(&b, " http_status=%d", f->http_status);
	ck_buf_add(&b, "\n", 1);
	return ck_buf_detach(&b, NULL);
}

static void
json_kv(struct ck_json *j, const char *key, const char *value)
{
	if (value != NULL && *value != '\0')
		ck_json_kv_string(j, key, value);
}

static char *
json_line(const struct ck_log *lg, enum ck_log_level level, const char *when,
          const struct fields *f)
{
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "time", when);
	ck_json_kv_string(&j, "level", level_names[level]);
	ck_json_kv_string(&j, "command", name_of(lg));
	ck_json_kv_string(&j, "msg", f->msg);
	json_kv(&j, "institution", f->institution);
	json_kv(&j, "case", f->case_no);
	if (f->query > 0)
		ck_json_kv_int(&j, "query", f->query);
	json_kv(&j, "request_id", f->request_id);
	json_kv(&j, "subject_masked", f->subject);
	json_kv(&j, "account_masked", f->account);
	json_kv(&j, "reason", f->reason);
	if (f->http_status > 0)
		ck_json_kv_int(&j, "http_status", f->http_status);
	ck_json_object_end(&j);
	char *body = ck_json_detach(&j);
	if (body == NULL)
		return NULL;
	struct ck_buf b = {0};
	ck_buf_puts(&b, body);
	ck_buf_add(&b, "\n", 1);
	free(body);
	return ck_buf_detach(&b, NULL);
}

void
ck_logf(const struct ck_log *lg, enum ck_log_level level, const struct ck_log_about *about,
        const char *fmt, ...)
{
	if (!ck_log_enabled(lg, level))
		return;
	int64_t ms = lg->now_ms != NULL ? lg->now_ms(lg->now_ctx) : wall_ms();
	char when[CK_TIME_BUF], raw[MSG_MAX];
	format_utc(ms, when);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);

	static const struct ck_log_about none = {0};
	const struct ck_log_about *a = about != NULL ? about : &none;
	struct fields f = {.query = a->query, .http_status = a->http_status};
	f.msg = clean(raw, 1);
	f.failed |= f.msg == NULL;
	/* Free text is scrubbed; the names of the work (institution, case,
	 * RequestId, whose hex may be all digits) are not personal data. */
	f.institution = clean_opt(&f, a->institution, 0);
	f.case_no = clean_opt(&f, a->case_no, 0);
	f.request_id = clean_opt(&f, a->request_id, 0);
	f.reason = clean_opt(&f, a->reason, 1);
	/* Identifiers only ever masked; cleaned too, in case one is not ASCII. */
	char masked[CK_MASK_BUF];
	ck_ids_mask_id(a->subject_id, masked, sizeof masked);
	f.subject = clean_opt(&f, masked, 0);
	ck_ids_mask_account(a->account, masked, sizeof masked);
	f.account = clean_opt(&f, masked, 0);
	char *line = NULL;
	if (!f.failed)
		line = lg->format == CK_LOG_JSON ? json_line(lg, level, when, &f)
		                                 : text_line(lg, level, when, &f);
	fields_release(&f);

	FILE *out = lg->out != NULL ? lg->out : stderr;
	if (lg->before_line != NULL)
		lg->before_line(lg->before_ctx);
	if (line != NULL)
		fwrite(line, 1, strlen(line), out);
	else
		fprintf(out, "%s %s %s: out of memory writing a log line\n", when,
		        level_labels[level], name_of(lg));
	fflush(out);
	free(line);
}
