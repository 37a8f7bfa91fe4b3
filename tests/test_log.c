/* SPDX-License-Identifier: MIT */
/*
 * test_log.c: log lines (log.h): the text and JSON forms to the byte, the
 * JSON read back by a strict reader, level filtering, identifiers masked
 * whether given as fields or slipped into a message; then a whole nightly
 * job of the chakong program against the simulator, with faults, at debug
 * level: every line is a well-formed log line and none holds a debtor's
 * identity number or an account number of the simulator's truth in clear.
 */
#include "testutil.h"
#include "server.h"
#include "sim.h"
#include "textenc.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/log.h"
#include "chakong/timeutil.h"

#include <string.h>

/* ---- A strict reader of one flat JSON object per line --------------------- */

/* The members of one line's object, in order; values decoded (strings) or
 * as written (numbers, true, false, null). */
struct jmember {
	char key[32];
	char value[2048];
	int is_string;
};

struct jobject {
	struct jmember m[16];
	int n;
};

struct reader {
	const char *p, *end;
	const char *why;
};

static void
skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
hex4(struct reader *r, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++, r->p++) {
		if (r->p >= r->end)
			return 0;
		char c = *r->p;
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
		             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
		             : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
		                                    : 16;
		if (d == 16)
			return 0;
		*v = *v * 16 + d;
	}
	return 1;
}

static void
put_utf8(char *out, size_t size, size_t *n, unsigned cp)
{
	unsigned char b[4];
	size_t k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	if (k == 1)
		b[0] = (unsigned char)cp;
	else {
		for (size_t i = k - 1; i > 0; i--, cp >>= 6)
			b[i] = (unsigned char)(0x80 | (cp & 0x3F));
		b[0] = (unsigned char)((k == 2 ? 0xC0 : k == 3 ? 0xE0 : 0xF0) | cp);
	}
	for (size_t i = 0; i < k && *n + 1 < size; i++)
		out[(*n)++] = (char)b[i];
}

/* A string (RFC 8259): no raw control characters, known escapes only,
 * surrogates in pairs, the raw bytes well-formed UTF-8. */
static int
read_string(struct reader *r, char *out, size_t size)
{
	size_t n = 0;
	if (r->p >= r->end || *r->p != '"')
		return r->why = "a string should start here", 0;
	r->p++;
	for (;;) {
		if (r->p >= r->end)
			return r->why = "a string is not closed", 0;
		unsigned char c = (unsigned char)*r->p;
		if (c == '"') {
			r->p++;
			break;
		}
		if (c < 0x20)
			return r->why = "a raw control character in a string", 0;
		if (c != '\\') {
			uint32_t cp;
			size_t k =
			    ck_utf8_seq((const unsigned char *)r->p, (size_t)(r->end - r->p), &cp);
			if (k == 0)
				return r->why = "a string is not UTF-8", 0;
			for (size_t i = 0; i < k && n + 1 < size; i++)
				out[n++] = r->p[i];
			r->p += k;
			continue;
		}
		r->p++;
		if (r->p >= r->end)
			return r->why = "an escape is cut", 0;
		char e = *r->p++;
		const char *simple = strchr("\"\\/bfnrt", e);
		if (e != '\0' && simple != NULL) {
			static const char decoded[] = "\"\\/\b\f\n\r\t";
			if (n + 1 < size)
				out[n++] = decoded[simple - "\"\\/bfnrt"];
			continue;
		}
		unsigned cp;
		if (e != 'u' || !hex4(r, &cp))
			return r->why = "a bad escape", 0;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return r->why = "a lone low surrogate", 0;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned lo;
			if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
				return r->why = "a lone high surrogate", 0;
			r->p += 2;
			if (!hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return r->why = "a bad surrogate pair", 0;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		}
		put_utf8(out, size, &n, cp);
	}
	out[n] = '\0';
	return 1;
}

/* A scalar that is not a string: an integer (all our numbers are), true,
 * false or null. */
static int
read_scalar(struct reader *r, char *out, size_t size)
{
	static const char *const words[] = {"true", "false", "null"};
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(words[i]);
		if ((size_t)(r->end - r->p) >= k && strncmp(r->p, words[i], k) == 0) {
			snprintf(out, size, "%s", words[i]);
			r->p += k;
			return 1;
		}
	}
	const char *start = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return r->why = "a value should start here", 0;
	if (*r->p == '0' && r->p + 1 < r->end && r->p[1] >= '0' && r->p[1] <= '9')
		return r->why = "a number with a leading zero", 0;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	snprintf(out, size, "%.*s", (int)(r->p - start), start);
	return 1;
}

/* One line: exactly one object of scalar members, nothing after it. */
static int
read_line(const char *line, size_t len, struct jobject *o, const char **why)
{
	struct reader r = {line, line + len, NULL};
	o->n = 0;
	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{')
		return *why = "not an object", 0;
	r.p++;
	skip_ws(&r);
	int first = 1;
	while (r.p < r.end && *r.p != '}') {
		if (!first) {
			if (*r.p != ',')
				return *why = "a comma should be here", 0;
			r.p++;
			skip_ws(&r);
		}
		first = 0;
		if (o->n == 16)
			return *why = "too many members", 0;
		struct jmember *m = &o->m[o->n++];
		if (!read_string(&r, m->key, sizeof m->key))
			return *why = r.why, 0;
		for (int i = 0; i < o->n - 1; i++)
			if (strcmp(o->m[i].key, m->key) == 0)
				return *why = "a key twice", 0;
		skip_ws(&r);
		if (r.p >= r.end || *r.p != ':')
			return *why = "a colon should be here", 0;
		r.p++;
		skip_ws(&r);
		m->is_string = r.p < r.end && *r.p == '"';
		if (!(m->is_string ? read_string(&r, m->value, sizeof m->value)
		                   : read_scalar(&r, m->value, sizeof m->value)))
			return *why = r.why, 0;
		skip_ws(&r);
	}
	if (r.p >= r.end)
		return *why = "the object is not closed", 0;
	r.p++;
	skip_ws(&r);
	if (r.p != r.end)
		return *why = "something after the object", 0;
	return 1;
}

static const struct jmember *
member(const struct jobject *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->m[i].key, key) == 0)
			return &o->m[i];
	return NULL;
}

/* A member that must be there. */
static const struct jmember *
must(const struct jobject *o, const char *key)
{
	static const struct jmember none = {"", "", 0};
	const struct jmember *m = member(o, key);
	if (m == NULL)
		fail_msg("no member %s", key);
	return m != NULL ? m : &none;
}

/* The reader itself: it must refuse what is not JSON, or the checks below
 * prove nothing. */
static void
reader_refuses_bad_json(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "{\"a\":\"x\"",
	    "{\"a\":\"x\"} x",
	    "{\"a\":\"line\nbreak\"}",
	    "{\"a\":\"\\x41\"}",
	    "{\"a\":\"\xff\"}",
	    "{\"a\":\"\\ud800\"}",
	    "{\"a\":01}",
	    "{\"a\":1,\"a\":2}",
	    "{\"a\" \"x\"}",
	    "{\"a\":\"x\",}",
	};
	struct jobject o;
	const char *why;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (read_line(bad[i], strlen(bad[i]), &o, &why))
			fail_msg("the reader took %s", bad[i]);
	const char good[] = "{\"a\":\"\\u00e9\\ud83d\\ude00\\n\",\"b\":-12,\"c\":null}";
	assert_true(read_line(good, sizeof good - 1, &o, &why));
	assert_int_equal(o.n, 3);
	assert_string_equal(o.m[0].value, "\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_string_equal(must(&o, "b")->value, "-12");
	assert_false(must(&o, "b")->is_string);
}

/* ---- A logger writing into memory, at a fixed time ---------------------- */

struct capture {
	struct ck_log lg;
	char *text;
	size_t len;
	FILE *out;
	int64_t now_ms;
	int hooks;
};

static int64_t
fixed_ms(void *ctx)
{
	return ((struct capture *)ctx)->now_ms;
}

static void
count_hook(void *ctx)
{
	((struct capture *)ctx)->hooks++;
}

/* 2026-11-23T11:46:47Z */
static int64_t
example_ms(void)
{
	return (ck_days_from_civil(2026, 11, 23) * 86400 + 11 * 3600 + 46 * 60 + 47) * 1000 + 999;
}

static void
capture_start(struct capture *c, enum ck_log_format format, enum ck_log_level level)
{
	memset(c, 0, sizeof *c);
	c->out = open_memstream(&c->text, &c->len);
	assert_non_null(c->out);
	ck_log_init(&c->lg);
	c->lg.format = format;
	c->lg.level = level;
	c->lg.out = c->out;
	c->lg.name = "run";
	c->lg.now_ms = fixed_ms;
	c->lg.now_ctx = c;
	c->lg.before_line = count_hook;
	c->lg.before_ctx = c;
	c->now_ms = example_ms();
}

/* Everything written so far (the capture goes on). */
static const char *
captured(struct capture *c)
{
	fflush(c->out);
	return c->text ? c->text : "";
}

static void
capture_end(struct capture *c)
{
	fclose(c->out);
	free(c->text);
}

static const char SUBJECT[] = "320102198001011238";
static const char ACCOUNT[] = "6222020200112233445";

/* ---- The forms -------------------------------------------------------------- */

static void
text_form(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c, CK_LOG_TEXT, CK_LOG_INFO);
	struct ck_log_about a = {.institution = "bank-a"};
	ck_logf(&c.lg, CK_LOG_WARN, &a, "credentials refused (HTTP %d); stopped for this run", 401);
	assert_string_equal(captured(&c), "2026-11-23T11:46:47Z WARN  run: bank-a: credentials "
	                                  "refused (HTTP 401); stopped for this run\n");
	capture_end(&c);

	/* Every field, in the documented order. */
	capture_start(&c, CK_LOG_TEXT, CK_LOG_DEBUG);
	a = (struct ck_log_about){.institution = "icbc",
	                          .case_no = "(2024)苏1283执1234号",
	                          .query = 17,
	                          .request_id = "5f2a-d3-icbc-r0",
	                          .subject_id = SUBJECT,
	                          .account = ACCOUNT,
	                          .reason = "RETRIES_EXHAUSTED",
	                          .http_status = 503};
	ck_logf(&c.lg, CK_LOG_DEBUG, &a, "query failed");
	ck_logf(&c.lg, CK_LOG_ERROR, NULL, "no store");
	assert_string_equal(captured(&c),
	                    "2026-11-23T11:46:47Z DEBUG run: icbc: query failed"
	                    " case=(2024)苏1283执1234号 query=17 request_id=5f2a-d3-icbc-r0"
	                    " subject=320102********1238 account=***************3445"
	                    " reason=RETRIES_EXHAUSTED http_status=503\n"
	                    "2026-11-23T11:46:47Z ERROR run: no store\n");
	capture_end(&c);
}

/* The names of the work are written as given, even when they are all
 * digits; messages and reasons are scrubbed. */
static void
work_names_are_not_scrubbed(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c, CK_LOG_TEXT, CK_LOG_INFO);
	struct ck_log_about a = {.institution = "b123456789012",
	                         .case_no = "(2024)苏1283执123456789012号",
	                         .request_id = "123456789012-d3-icbc-r0",
	                         .reason = "X_123456789012"};
	ck_logf(&c.lg, CK_LOG_INFO, &a, "ask 123456789012-d3-icbc-r0 again");
	assert_string_equal(captured(&c), "2026-11-23T11:46:47Z INFO  run: b123456789012: ask "
	                                  "********9012-d3-icbc-r0 again"
	                                  " case=(2024)苏1283执123456789012号"
	                                  " request_id=123456789012-d3-icbc-r0"
	                                  " reason=X_********9012\n");
	capture_end(&c);
}

/* The time is UTC by arithmetic: the epoch, before it, a leap day. */
static void
times_in_utc(void **state)
{
	(void)state;
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
	    {0, "1970-01-01T00:00:00Z"},
	    {-1, "1969-12-31T23:59:59Z"},
	    {-86400000, "1969-12-31T00:00:00Z"},
	    {951825600000, "2000-02-29T12:00:00Z"},
	    {4102444799999, "2099-12-31T23:59:59Z"},
	    {INT64_MIN, "0001-01-01T00:00:00Z"},
	    {INT64_MAX, "9999-12-31T23:59:59Z"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct capture c;
		capture_start(&c, CK_LOG_TEXT, CK_LOG_INFO);
		c.now_ms = cases[i].ms;
		ck_logf(&c.lg, CK_LOG_INFO, NULL, "x");
		char want[64];
		snprintf(want, sizeof want, "%s INFO  run: x\n", cases[i].want);
		assert_string_equal(captured(&c), want);
		capture_end(&c);
	}
	/* Without an injected clock: the wall clock, now. */
	struct capture c;
	capture_start(&c, CK_LOG_JSON, CK_LOG_INFO);
	c.lg.now_ms = NULL;
	int64_t before = ck_clock_now(NULL);
	ck_logf(&c.lg, CK_LOG_INFO, NULL, "x");
	int64_t after = ck_clock_now(NULL);
	struct jobject o;
	const char *why = NULL;
	const char *text = captured(&c);
	if (!read_line(text, strlen(text), &o, &why))
		fail_msg("%s: %s", text, why);
	int64_t at;
	assert_int_equal(ck_time_parse(must(&o, "time")->value, &at, NULL, NULL), CK_OK);
	assert_true(at >= before && at <= after);
	capture_end(&c);
}

static void
json_form(void **state)
{
	(void)state;
	struct capture c;
	capture_start(&c, CK_LOG_JSON, CK_LOG_DEBUG);
	struct ck_log_about a = {.institution = "icbc",
	                         .case_no = "(2024)苏1283执1234号",
	                         .query = 17,
	                         .request_id = "5f2a-d3-icbc-r0",
	                         .subject_id = SUBJECT,
	                         .account = ACCOUNT,
	                         .reason = "MALFORMED",
	                         .http_status = 200};
	/* Quotes, backslashes, control characters, non-ASCII, broken UTF-8. */
	ck_logf(&c.lg, CK_LOG_WARN, &a, "say \"hi\" \\ back\nnext\tcol\x01 é 中 \xff end");
	ck_logf(&c.lg, CK_LOG_INFO, NULL, "plain");
	const char *text = captured(&c);
	assert_int_equal(ck_test_count(text, "\n"), 2);

	const char *nl = strchr(text, '\n');
	struct jobject o;
	const char *why = NULL;
	if (!read_line(text, (size_t)(nl - text), &o, &why))
		fail_msg("%.*s: %s", (int)(nl - text), text, why);
	static const char *const keys[] = {
	    "time",           "level",          "command", "msg",
	    "institution",    "case",           "query",   "request_id",
	    "subject_masked", "account_masked", "reason",  "http_status"};
	static const char *const values[] = {"2026-11-23T11:46:47Z",
	                                     "warn",
	                                     "run",
	                                     "say \"hi\" \\ back next col  é 中 ? end",
	                                     "icbc",
	                                     "(2024)苏1283执1234号",
	                                     "17",
	                                     "5f2a-d3-icbc-r0",
	                                     "320102********1238",
	                                     "***************3445",
	                                     "MALFORMED",
	                                     "200"};
	assert_int_equal(o.n, 12);
	for (int i = 0; i < 12; i++) {
		assert_string_equal(o.m[i].key, keys[i]);
		assert_string_equal(o.m[i].value, values[i]);
		assert_int_equal(o.m[i].is_string, strcmp(keys[i], "query") != 0 &&
		                                       strcmp(keys[i], "http_status") != 0);
	}
	if (!read_line(nl + 1, strlen(nl + 1) - 1, &o, &why))
		fail_msg("%s: %s", nl + 1, why);
	assert_int_equal(o.n, 4); /* nothing about: only the four keys always there */
	assert_string_equal(must(&o, "level")->value, "info");
	assert_string_equal(must(&o, "msg")->value, "plain");
	capture_end(&c);
}

/* ---- Levels ----------------------------------------------------------------- */

static void
levels_filter(void **state)
{
	(void)state;
	for (int lv = CK_LOG_ERROR; lv <= CK_LOG_DEBUG; lv++) {
		struct capture c;
		capture_start(&c, CK_LOG_TEXT, (enum ck_log_level)lv);
		for (int ev = CK_LOG_ERROR; ev <= CK_LOG_DEBUG; ev++) {
			assert_int_equal(ck_log_enabled(&c.lg, (enum ck_log_level)ev), ev <= lv);
			ck_logf(&c.lg, (enum ck_log_level)ev, NULL, "event %s",
			        ck_log_level_name((enum ck_log_level)ev));
		}
		const char *text = captured(&c);
		assert_int_equal(ck_test_count(text, "\n"), lv + 1);
		assert_int_equal(c.hooks, lv + 1); /* the hook runs for written lines only */
		assert_int_equal(strstr(text, "ERROR run: event error") != NULL, 1);
		assert_int_equal(strstr(text, "WARN  run: event warn") != NULL, lv >= CK_LOG_WARN);
		assert_int_equal(strstr(text, "INFO  run: event info") != NULL, lv >= CK_LOG_INFO);
		assert_int_equal(strstr(text, "DEBUG run: event debug") != NULL,
		                 lv >= CK_LOG_DEBUG);
		capture_end(&c);
	}
	/* No logger: nothing, and no crash. */
	assert_false(ck_log_enabled(NULL, CK_LOG_ERROR));
	ck_logf(NULL, CK_LOG_ERROR, NULL, "nowhere");

	static const char *const names[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ck_log_level_parse(names[i]), i);
		assert_string_equal(ck_log_level_name((enum ck_log_level)i), names[i]);
	}
	assert_int_equal(ck_log_level_parse("warning"), -1);
	assert_int_equal(ck_log_level_parse("INFO"), -1);
	assert_int_equal(ck_log_level_parse(NULL), -1);
	assert_int_equal(ck_log_format_parse("text"), CK_LOG_TEXT);
	assert_int_equal(ck_log_format_parse("json"), CK_LOG_JSON);
	assert_int_equal(ck_log_format_parse("xml"), -1);
	assert_int_equal(ck_log_format_parse(NULL), -1);
}

/* ---- Masking ---------------------------------------------------------------- */

static void
identifiers_are_masked(void **state)
{
	(void)state;
	for (int format = CK_LOG_TEXT; format <= CK_LOG_JSON; format++) {
		struct capture c;
		capture_start(&c, (enum ck_log_format)format, CK_LOG_DEBUG);
		struct ck_log_about a = {.subject_id = SUBJECT, .account = ACCOUNT};
		ck_logf(&c.lg, CK_LOG_INFO, &a, "fields only");
		/* Identifiers slipped into messages by mistake, or echoed from
		 * what an institution or a filing said. */
		ck_logf(&c.lg, CK_LOG_WARN, NULL,
		        "debtor %s, card %s, old 110105491231002, person 11010519491231002x, "
		        "org 91350100M000100Y43, typo 320102198001011237, 证件号%s的",
		        SUBJECT, ACCOUNT, "440524188001010014");
		const char *text = captured(&c);
		static const char *const clear[] = {
		    SUBJECT,      ACCOUNT,      "110105491231002",   "11010519491231002",
		    "91350100M0", "3201021980", "440524188001010014"};
		for (size_t i = 0; i < sizeof clear / sizeof clear[0]; i++)
			if (strstr(text, clear[i]) != NULL)
				fail_msg("%s in clear in: %s", clear[i], text);
		static const char *const masked[] = {
		    "320102********1238",        "***************3445",
		    "debtor 320102********1238", "card ***************3445",
		    "old ***********1002,",      "person 110105********002x",
		    "org 913501********0Y43",    "typo 320102********1237",
		    "证件号440524********0014的"};
		for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++)
			if (strstr(text, masked[i]) == NULL)
				fail_msg("%s not in: %s", masked[i], text);
		capture_end(&c);
	}
}

static void
scrub_keeps_what_is_not_an_identifier(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"HTTP 503 after 1500 ms", "HTTP 503 after 1500 ms"},
	    {"(2024)苏1283执1234号", "(2024)苏1283执1234号"},
	    {"11 digits 12345678901 stay", "11 digits 12345678901 stay"},
	    {"12 digits 123456789012 go", "12 digits ********9012 go"},
	    {"in a word ab1234567890123cd", "in a word ab*********0123cd"},
	    {"18 letters ABCDEFGHIJKLMNOPQR", "18 letters ABCDEFGHIJKLMNOPQR"},
	    {"a bad credit code 91350100M000100Y44", "a bad credit code 91350100M000100Y44"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[128];
		ck_log_scrub(cases[i].in, out, sizeof out);
		assert_string_equal(out, cases[i].want);
	}
	/* A 30-digit run: longer than a mask buffer, still masked whole. */
	char out[64];
	ck_log_scrub("123456789012345678901234567890", out, sizeof out);
	assert_string_equal(out, "**************************7890");
	ck_log_scrub(NULL, out, sizeof out);
	assert_string_equal(out, "");
}

/* However short the output, it is a prefix of the masked text. */
static void
scrub_cut_short_reveals_nothing(void **state)
{
	(void)state;
	const char text[] = "id 320102198001011238 acct 6222020200112233445.";
	char full[sizeof text];
	ck_log_scrub(text, full, sizeof full);
	assert_string_equal(full, "id 320102********1238 acct ***************3445.");
	for (size_t size = 1; size <= sizeof full; size++) {
		char out[sizeof full];
		memset(out, 'z', sizeof out);
		ck_log_scrub(text, out, size);
		assert_int_equal(strlen(out), size - 1);
		assert_memory_equal(out, full, size - 1);
	}
}

/* ---- A whole run of the program ---------------------------------------- */

#define SEED     777
#define SUBJECTS 300
#define CASES    40

struct job {
	char *dir, *db_opt, *config_opt;
	struct sim_world *world;
	struct sim_server *server;
};

static void
write_text(const char *path, const char *text)
{
	ck_test_write_file(path, text, strlen(text));
}

/* The simulator's configuration with retries and backoff short enough that
 * faults settle within seconds. */
static void
write_config(struct job *j, const char *path)
{
	char base[64], err[CK_ERR_SIZE] = "";
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim_server_port(j->server));
	char *xml = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&xml, &len);
	assert_int_equal(sim_write_config(j->world, base, mem, err), CK_OK);
	fclose(mem);
	const char *defaults = "<Defaults>";
	char *at = strstr(xml, defaults);
	assert_non_null(at);
	at += strlen(defaults);
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fprintf(out, "%.*s", (int)(at - xml), xml);
	fputs("<BackoffBaseMs>10</BackoffBaseMs><BackoffMaxMs>50</BackoffMaxMs>"
	      "<BreakerFailures>4</BreakerFailures><BreakerCooldownMs>100</BreakerCooldownMs>",
	      out);
	/* Every other default stays; the retries are cut to two. */
	char *retries = strstr(at, "<Retries>");
	assert_non_null(retries);
	fprintf(out, "%.*s<Retries>2</Retries>%s", (int)(retries - at), at,
	        strstr(retries, "</Retries>") + strlen("</Retries>"));
	fclose(out);
	free(xml);
}

static void
job_start(struct job *j)
{
	char err[CK_ERR_SIZE] = "";
	j->dir = ck_test_tmpdir();
	assert_int_equal(sim_world_new(SEED, SUBJECTS, &j->world, err), CK_OK);
	for (size_t i = 0; i < j->world->n_instances; i++) {
		struct sim_behaviour *b = &j->world->instances[i].behaviour;
		b->fault_permille[SIM_FAULT_500] = 150;
		b->fault_permille[SIM_FAULT_RESET] = 30;
		b->retry_after_s = 1;
	}
	/* Faults that are warnings and errors: credentials refused, answers about
	 * someone else (which name that someone), an institution down. */
	static const struct {
		const char *id;
		enum sim_fault fault;
	} always[] = {
	    {"icbc", SIM_FAULT_401}, {"ccb", SIM_FAULT_WRONG_SUBJECT}, {"trff", SIM_FAULT_500}};
	for (size_t i = 0; i < sizeof always / sizeof always[0]; i++) {
		struct sim_instance *inst = sim_world_instance(j->world, always[i].id);
		assert_non_null(inst);
		memset(inst->behaviour.fault_permille, 0, sizeof inst->behaviour.fault_permille);
		inst->behaviour.fault_permille[always[i].fault] = 1000;
	}
	struct sim_server_opts so = {0};
	if (sim_server_start(j->world, &so, &j->server, err) != CK_OK)
		fail_msg("simulator: %s", err);

	char *config = ck_test_path(j->dir, "chakong.xml");
	write_config(j, config);
	char *db = ck_test_path(j->dir, "chakong.db");
	size_t n = strlen(db) + strlen(config) + 16;
	j->db_opt = malloc(n);
	j->config_opt = malloc(n);
	snprintf(j->db_opt, n, "--db=%s", db);
	snprintf(j->config_opt, n, "--config=%s", config);
	free(db);
	free(config);
}

static void
job_stop(struct job *j)
{
	sim_server_stop(j->server);
	sim_world_free(j->world);
	ck_test_rmtree(j->dir);
	free(j->dir);
	free(j->db_opt);
	free(j->config_opt);
}

/* Fails if any identity number of the population, or any account number or
 * platform account the simulator holds, is in `text` in clear; returns how
 * many subjects' masked numbers it holds. */
static int
no_identifier_in_clear(struct job *j, const char *text)
{
	int masked_seen = 0;
	for (size_t s = 0; s < j->world->n_subjects; s++) {
		const struct sim_subject *subj = &j->world->subjects[s];
		if (strstr(text, subj->id_no) != NULL)
			fail_msg("the identity number of subject %zu is in a log line in clear", s);
		char masked[CK_MASK_BUF];
		ck_ids_mask_id(subj->id_no, masked, sizeof masked);
		masked_seen += strstr(text, masked) != NULL;
		for (size_t i = 0; i < j->world->n_instances; i++) {
			const struct sim_instance *inst = &j->world->instances[i];
			if (inst->kind != SIM_BANK && inst->kind != SIM_ECOMMERCE)
				continue;
			struct sim_holding h;
			assert_int_equal(sim_world_holding(j->world, inst, subj, &h), CK_OK);
			for (size_t k = 0; k < h.n_accounts; k++)
				if (strstr(text, h.accounts[k].id) != NULL)
					fail_msg("an account of subject %zu at %s is in a log line",
					         s, inst->id);
			for (size_t k = 0; k < h.n_items; k++)
				if (h.items[k].type == SIM_ITEM_ACCOUNT &&
				    strstr(text, h.items[k].user_id) != NULL)
					fail_msg("a platform account of subject %zu at %s is in "
					         "a log line",
					         s, inst->id);
			sim_holding_release(&h);
		}
	}
	return masked_seen;
}

/* A filing with the population's first two people, one of them with a
 * mistyped check character, the other with a bad amount: both rejected,
 * and the import's messages name the fields. */
static void
write_bad_filing(struct job *j, const char *path)
{
	const struct sim_subject *p[2];
	size_t n = 0;
	for (size_t s = 0; s < j->world->n_subjects && n < 2; s++)
		if (j->world->subjects[s].kind == CK_SUBJECT_PERSON)
			p[n++] = &j->world->subjects[s];
	assert_int_equal(n, 2);
	char typo[CK_ID_BUF];
	memcpy(typo, p[0]->id_no, sizeof typo);
	typo[17] = typo[17] == '1' ? '2' : '1';
	char csv[1024];
	snprintf(csv, sizeof csv,
	         "case_no,court_code,court_name,filed_at,officer,amount_owed,debtor_kind,"
	         "debtor_name,debtor_id,status,terminated_at\n"
	         "(2024)苏1283执90001号,苏1283,泰兴市人民法院,2024-03-04,李四,1.00,person,%s,%s,"
	         "active,\n"
	         "(2024)苏1283执90002号,苏1283,泰兴市人民法院,2024-03-04,李四,1.0.0,person,%s,%s,"
	         "active,\n",
	         p[0]->name, typo, p[1]->name, p[1]->id_no);
	write_text(path, csv);
	/* The typo is someone's number all the same: it must not be logged. */
	assert_null(strstr(csv, "\n\n"));
}

/* Each line: "TIME LEVEL command: ..." with a UTC time. */
static void
text_lines_well_formed(const char *text, const char *command)
{
	for (const char *line = text; *line != '\0';) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		char when[21];
		snprintf(when, sizeof when, "%.20s", line);
		if (ck_time_parse(when, NULL, NULL, NULL) != CK_OK || when[19] != 'Z')
			fail_msg("no time at the start of: %.*s", (int)(nl - line), line);
		static const char *const labels[] = {" ERROR ", " WARN  ", " INFO  ", " DEBUG "};
		int found = 0;
		for (size_t i = 0; i < 4; i++)
			found |= strncmp(line + 20, labels[i], 7) == 0;
		if (!found || strncmp(line + 27, command, strlen(command)) != 0 ||
		    line[27 + strlen(command)] != ':')
			fail_msg("not a log line: %.*s", (int)(nl - line), line);
		line = nl + 1;
	}
}

static void
nightly_job_logs_no_identifier(void **state)
{
	(void)state;
	struct job j = {0};
	job_start(&j);
	char err[CK_ERR_SIZE] = "";
	char *filings = ck_test_path(j.dir, "filings.csv");
	struct sim_filings_opts fo = {.cases = CASES, .multi_debtor_permille = 300};
	FILE *out = fopen(filings, "w");
	assert_non_null(out);
	assert_int_equal(sim_write_filings(j.world, &fo, out, err), CK_OK);
	fclose(out);
	char *bad = ck_test_path(j.dir, "bad.csv");
	write_bad_filing(&j, bad);

	struct ck_test_run run = {0};
	char *import[] = {CK_CHAKONG_BIN,
	                  j.db_opt,
	                  "--now=@1709600000",
	                  "--log-level=debug",
	                  "import",
	                  filings,
	                  bad,
	                  NULL};
	ck_test_run(&run, j.dir, import);
	assert_int_equal(run.status, 1); /* the two bad cases */
	text_lines_well_formed(run.errout, "import");
	assert_true(ck_test_count(run.errout, " WARN  import: ") >= 2);
	assert_non_null(strstr(run.errout, "bad.csv:2: debtor_id"));
	struct ck_buf all = {0};
	ck_buf_puts(&all, run.errout);
	ck_test_run_free(&run);

	/* The nightly job in text form, at debug level.  One institution is
	 * down: the time limit ends the run when it is the only one left. */
	char *job[] = {CK_CHAKONG_BIN, j.db_opt, "--now=@1709600000", "--log-level", "debug", "run",
	               j.config_opt,   "--wait", "--max-time=4",      NULL};
	ck_test_run(&run, j.dir, job);
	assert_int_equal(run.status, 1); /* queries failed */
	const char *e = run.errout;
	text_lines_well_formed(e, "run");
	assert_non_null(strstr(e, " INFO  run: run started: "));
	assert_non_null(strstr(e, " INFO  run: run finished in "));
	assert_non_null(strstr(e, " INFO  run: time limit of 4 s reached"));
	assert_non_null(strstr(e, " ERROR run: icbc: credentials refused (HTTP 401)"));
	assert_non_null(strstr(e, " WARN  run: trff: 4 failures in a row: circuit breaker open"));
	assert_non_null(strstr(e, " WARN  run: trff: query failed: 2 retries exhausted"));
	assert_non_null(strstr(e, " WARN  run: ccb: query failed: WRONG_SUBJECT: the answer is "
	                          "about "));
	assert_true(ck_test_count(e, " DEBUG run: ") > 100);
	assert_non_null(strstr(e, "reason=RETRIES_EXHAUSTED"));
	/* The summary on stdout stays as it was. */
	assert_non_null(strstr(run.out, "planned "));
	assert_null(strstr(run.out, " INFO "));
	ck_buf_puts(&all, e);
	ck_test_run_free(&run);

	/* Again in JSON, as a collector reads it: icbc refuses again. */
	char *again[] = {CK_CHAKONG_BIN,      j.db_opt,
	                 "--now=@1709600000", "run",
	                 "--log-format=json", "--log-level=debug",
	                 "--max-time=2",      "--linger=0",
	                 j.config_opt,        NULL};
	ck_test_run(&run, j.dir, again);
	int lines = 0, refused = 0;
	for (const char *line = run.errout; *line != '\0'; lines++) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		struct jobject o;
		const char *why = NULL;
		if (!read_line(line, (size_t)(nl - line), &o, &why))
			fail_msg("not JSON (%s): %.*s", why, (int)(nl - line), line);
		assert_true(o.n >= 4);
		assert_string_equal(o.m[0].key, "time");
		assert_string_equal(o.m[1].key, "level");
		assert_string_equal(o.m[2].key, "command");
		assert_string_equal(o.m[3].key, "msg");
		assert_string_equal(o.m[2].value, "run");
		assert_int_not_equal(ck_log_level_parse(o.m[1].value), -1);
		const struct jmember *inst = member(&o, "institution");
		refused += inst != NULL && strcmp(inst->value, "icbc") == 0 &&
		           strcmp(o.m[1].value, "error") == 0;
		assert_null(member(&o, "subject_id")); /* only ever the masked key */
		line = nl + 1;
	}
	assert_true(lines >= 3);
	assert_int_equal(refused, 1);
	ck_buf_puts(&all, run.errout);

	/* Not one identity number or account number in clear in any line; the
	 * masked ones are there, so the events did name the debtors. */
	assert_false(all.failed);
	int masked = no_identifier_in_clear(&j, all.data);
	assert_true(masked >= 10);
	char typo_masked[CK_MASK_BUF];
	for (size_t s = 0; s < j.world->n_subjects; s++)
		if (j.world->subjects[s].kind == CK_SUBJECT_PERSON) {
			char typo[CK_ID_BUF];
			memcpy(typo, j.world->subjects[s].id_no, sizeof typo);
			typo[17] = typo[17] == '1' ? '2' : '1';
			assert_null(strstr(all.data, typo));
			ck_ids_mask_id(typo, typo_masked, sizeof typo_masked);
			assert_non_null(strstr(all.data, typo_masked));
			break;
		}
	ck_buf_release(&all);
	ck_test_run_free(&run);
	free(filings);
	free(bad);
	job_stop(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(reader_refuses_bad_json),
	    cmocka_unit_test(text_form),
	    cmocka_unit_test(work_names_are_not_scrubbed),
	    cmocka_unit_test(times_in_utc),
	    cmocka_unit_test(json_form),
	    cmocka_unit_test(levels_filter),
	    cmocka_unit_test(identifiers_are_masked),
	    cmocka_unit_test(scrub_keeps_what_is_not_an_identifier),
	    cmocka_unit_test(scrub_cut_short_reveals_nothing),
	    cmocka_unit_test(nightly_job_logs_no_identifier),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
