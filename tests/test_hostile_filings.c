/* SPDX-License-Identifier: MIT */
/*
 * test_hostile_filings.c: filings written to hurt (spec/filing.md, "What a
 * bad filing gets"): SQL metacharacters are stored exactly as written;
 * path separators and ".." in case numbers, names of 10 000 characters,
 * control characters (C0, DEL, C1) and NUL bytes reject their case with a
 * message naming the line (or case) and the field; invalid UTF-8 and
 * GB18030 refuse the file with where it breaks; an XML filing with a
 * DOCTYPE, an external entity naming a canary file, an entity bomb or
 * nesting too deep is refused without anything being read.  No message
 * carries a control character, and nothing of a rejected case is stored.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/filing.h"
#include "chakong/store.h"
#include "chakong/xmlsafe.h"

#include <sqlite3.h>
#include <string.h>

#define CANARY "canary-7c2d0e55-must-not-be-read"

static const char header[] = "case_no,court_code,court_name,filed_at,officer,amount_owed,"
                             "debtor_kind,debtor_name,debtor_id\n";

struct fixture {
	char *dir;
	char *db;
	struct ck_store *st;
	struct ck_xsd_set *xsd;
	char messages[65536];
	struct ck_filing_stats stats;
	char err[CK_ERR_SIZE];
	int tried; /* hostile inputs tried, for the figures */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = ck_test_tmpdir();
	f->db = ck_test_path(f->dir, "store.db");
	assert_int_equal(ck_store_open(f->db, &f->st, NULL), CK_OK);
	assert_int_equal(ck_xsd_set_new(&f->xsd, NULL), CK_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	printf("hostile filings tried: %d\n", f->tried);
	ck_xsd_set_free(f->xsd);
	ck_store_close(f->st);
	ck_test_rmtree(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

static void
collect(void *ctx, const char *where, const char *message)
{
	struct fixture *f = ctx;
	size_t used = strlen(f->messages);
	snprintf(f->messages + used, sizeof f->messages - used, "%s: %s\n", where, message);
}

/* No control character in what the importer said: a filing must not be
 * able to write escape sequences or forged lines to a terminal or log. */
static void
assert_printable(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7F ||
		    (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F))
			fail_msg("control character %u in: %s", *p, text);
	}
}

static int
import(struct fixture *f, const char *name, const void *text, size_t len,
       enum ck_filing_encoding enc)
{
	struct ck_filing_opts opts = {.encoding = enc, .now = 1700000000};
	f->messages[0] = '\0';
	f->err[0] = '\0';
	f->tried++;
	int rc = ck_filing_import_buffer(f->st, f->xsd, name, text, len, &opts, collect, f,
	                                 &f->stats, f->err);
	assert_printable(f->messages);
	assert_printable(f->err);
	return rc;
}

static long long
sql_int(struct fixture *f, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

/* The number of rows of `table` whose `column` is exactly value (bound,
 * never pasted into the SQL). */
static long long
rows_with(struct fixture *f, const char *table, const char *column, const char *value, size_t len)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s = ?1", table, column);
	assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, value, (int)len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

/* A row of the spec's layout with one case number, officer and name. */
static size_t
row(char *out, size_t size, const char *case_no, const char *court, const char *officer,
    const char *name)
{
	int n = snprintf(out, size,
	                 "%s%s,%s,泰兴市人民法院,2024-03-04,%s,100,person,%s,320102198001011238\n",
	                 header, case_no, court, officer, name);
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

/* Imports one row; asserts the case was rejected with `message` naming
 * line 2 and nothing was stored. */
static void
rejected(struct fixture *f, const char *text, size_t len, const char *message)
{
	long long before = sql_int(f, "SELECT count(*) FROM cases");
	assert_int_equal(import(f, "h.csv", text, len, CK_ENCODING_AUTO), CK_OK);
	if (f->stats.cases_rejected != 1 || strstr(f->messages, message) == NULL)
		fail_msg("expected the case rejected with \"%s\", got:\n%s", message, f->messages);
	assert_non_null(strstr(f->messages, "h.csv:2: "));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), before);
}

/* value as one CSV field: quoted, its quotes doubled. */
static void
csv_quote(const char *value, char *out, size_t size)
{
	size_t o = 0;
	out[o++] = '"';
	for (const char *p = value; *p && o + 3 < size; p++) {
		if (*p == '"')
			out[o++] = '"';
		out[o++] = *p;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static void
sql_metacharacters_are_stored_verbatim(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = {
	    "Robert'); DROP TABLE cases;--",
	    "\"quoted\", and a comma",
	    "a%_b\\c' OR '1'='1",
	    "张三; DELETE FROM debtors WHERE 1=1; --",
	    "x' UNION SELECT id_no FROM debtors --",
	};
	char text[1024], case_no[64], quoted[256];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(case_no, sizeof case_no, "(2024)苏1283执%zu号", i + 1);
		csv_quote(names[i], quoted, sizeof quoted);
		size_t len = row(text, sizeof text, case_no, "苏1283", quoted, quoted);
		assert_int_equal(import(f, "h.csv", text, len, CK_ENCODING_AUTO), CK_OK);
		if (f->stats.cases_created != 1)
			fail_msg("%s: %s", names[i], f->messages);
		assert_int_equal(rows_with(f, "debtors", "name", names[i], strlen(names[i])), 1);
		assert_int_equal(rows_with(f, "cases", "officer", names[i], strlen(names[i])), 1);
	}
	/* Every table is still there, and holds what was imported. */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 5);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors"), 5);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"),
	                 sql_int(f, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
	                            " AND name IN ('meta', 'cases', 'debtors', 'institutions',"
	                            " 'rounds', 'queries', 'attempts', 'raw_answers', 'assets',"
	                            " 'encumbrances', 'leads', 'audit')"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"), 12);
}

static void
path_separators_and_dots_in_case_numbers_are_refused(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *case_no, *court;
	} bad[] = {
	    {"(2024)../..执1号", "../.."},
	    {"(2024)..执1号", ".."},
	    {"(2024)苏/1283执1号", "苏/1283"},
	    {"(2024)苏\\1283执1号", "苏\\1283"},
	    {"(2024)../../../etc/passwd执1号", "../../../etc/passwd"},
	    {"(2024)苏1283执1号/../../x", "苏1283"},
	    {"(2024)苏1283执../1号", "苏1283"},
	    {"(2024)苏1283';--执1号", "苏1283';--"},
	};
	char text[1024];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len = row(text, sizeof text, bad[i].case_no, bad[i].court, "李四", "张三");
		rejected(f, text, len, "case_no case number");
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), 0);
}

static void
names_of_ten_thousand_characters_are_refused(void **state)
{
	struct fixture *f = *state;
	size_t n = 10000;
	char *name = malloc(n * 3 + 1);
	assert_non_null(name);
	for (size_t i = 0; i < n; i++)
		memcpy(name + i * 3, "名", 3);
	name[n * 3] = '\0';
	size_t size = n * 3 + 1024;
	char *text = malloc(size);
	assert_non_null(text);

	size_t len = row(text, size, "(2024)苏1283执1号", "苏1283", "李四", name);
	rejected(f, text, len, "debtor_name is longer than 256 characters");
	len = row(text, size, "(2024)苏1283执1号", "苏1283", name, "张三");
	rejected(f, text, len, "officer is longer than 256 characters");
	/* A case number or an identifier that long is refused as such. */
	char *long_no = malloc(n * 3 + 64);
	assert_non_null(long_no);
	snprintf(long_no, n * 3 + 64, "(2024)%s执1号", name);
	len = row(text, size, long_no, "苏1283", "李四", "张三");
	rejected(f, text, len, "is too long");
	memset(name, '1', n);
	name[n] = '\0';
	len = (size_t)snprintf(text, size,
	                       "%s(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,100,"
	                       "person,张三,%s\n",
	                       header, name);
	rejected(f, text, len, "debtor_id");
	/* And an amount of 10 000 digits. */
	len = (size_t)snprintf(text, size,
	                       "%s(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,%s,"
	                       "person,张三,320102198001011238\n",
	                       header, name);
	rejected(f, text, len, "amount_owed");
	/* At the limit is fine. */
	name[0] = '\0';
	for (size_t i = 0; i < CK_FILING_MAX_NAME_CHARS; i++)
		memcpy(name + i * 3, "名", 3);
	name[CK_FILING_MAX_NAME_CHARS * 3] = '\0';
	len = row(text, size, "(2024)苏1283执1号", "苏1283", "李四", name);
	assert_int_equal(import(f, "h.csv", text, len, CK_ENCODING_AUTO), CK_OK);
	assert_int_equal(f->stats.cases_created, 1);
	assert_int_equal(rows_with(f, "debtors", "name", name, strlen(name)), 1);
	free(long_no);
	free(text);
	free(name);
}

static void
control_characters_and_nul_are_refused(void **state)
{
	struct fixture *f = *state;
	char text[1024], name[64], message[96];
	/* Every C0 control but tab and the line ends, and DEL, in a name. */
	for (unsigned c = 1; c < 0x20 || c == 0x7F; c = c == 0x1F ? 0x7F : c + 1) {
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		snprintf(name, sizeof name, "\"张%c三\"", (char)c);
		size_t len = row(text, sizeof text, "(2024)苏1283执1号", "苏1283", "李四", name);
		snprintf(message, sizeof message,
		         "debtor_name contains a control character (code %u)", c);
		rejected(f, text, len, message);
		if (c == 0x7F)
			break;
	}
	/* C1 controls (U+0080..U+009F), in the officer. */
	for (unsigned c = 0x80; c <= 0x9F; c++) {
		snprintf(name, sizeof name, "李%c%c四", 0xC2, (char)c);
		size_t len = row(text, sizeof text, "(2024)苏1283执1号", "苏1283", name, "张三");
		snprintf(message, sizeof message, "officer contains a control character (code %u)",
		         c);
		rejected(f, text, len, message);
	}
	/* A NUL byte would cut the name short if the text were taken as a C
	 * string: the case is rejected instead, whichever field holds it. */
	size_t len = row(text, sizeof text, "(2024)苏1283执1号", "苏1283", "李四", "张三@evil");
	char *at = memchr(text, '@', len);
	assert_non_null(at);
	*at = '\0';
	rejected(f, text, len, "debtor_name contains a control character (code 0)");
	assert_int_equal(rows_with(f, "debtors", "name", "张三", strlen("张三")), 0);
	len = row(text, sizeof text, "(2024)苏1283执1号@", "苏1283", "李四", "张三");
	at = memchr(text, '@', len);
	*at = '\0';
	rejected(f, text, len, "case_no contains a control character (code 0)");
	/* A NUL in a header name is no column name. */
	char hdr[512];
	len = row(text, sizeof text, "(2024)苏1283执1号", "苏1283", "李四", "张三");
	memcpy(hdr, text, len);
	at = strstr(hdr, "officer");
	at[7] = '\0'; /* the comma after it */
	assert_int_equal(import(f, "h.csv", hdr, len, CK_ENCODING_AUTO), CK_E_INVALID);
	assert_non_null(strstr(f->err, "lacks required column(s)"));

	/* Escape sequences in a field that is echoed back reach no terminal. */
	len = (size_t)snprintf(text, sizeof text,
	                       "case_no,court_code,court_name,filed_at,officer,amount_owed,"
	                       "debtor_kind,debtor_name,debtor_id,status\n"
	                       "(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,100,"
	                       "\x1b[2J\x1b]0;owned\x07,张三,320102198001011238,"
	                       "\"x\r\nchakong: all cases imported\x1b[31m\"\n");
	rejected(f, text, len, "debtor_kind \"?[2J?]0;owned?\"");
	assert_non_null(strstr(f->messages, "status \"x??chakong: all cases imported?[31m\""));

	/* Tabs and line breaks inside a quoted name are text (RFC 4180):
	 * stored exactly as written. */
	len = row(text, sizeof text, "(2024)苏1283执1号", "苏1283", "李四", "\"张\t三\r\n丰\"");
	assert_int_equal(import(f, "h.csv", text, len, CK_ENCODING_AUTO), CK_OK);
	assert_int_equal(f->stats.cases_created, 1);
	assert_int_equal(rows_with(f, "debtors", "name", "张\t三\r\n丰", strlen("张\t三\r\n丰")),
	                 1);
}

static void
invalid_encodings_refuse_the_file(void **state)
{
	struct fixture *f = *state;
	char text[1024];
	size_t len = row(text, sizeof text, "(2024)苏1283执1号", "苏1283", "李四", "张三");
	char bad[1100];
	/* A byte order mark says UTF-8; a lone continuation byte follows. */
	memcpy(bad, "\xef\xbb\xbf", 3);
	memcpy(bad + 3, text, len);
	char *name = strstr(bad + 3, "张三");
	name[0] = '\x80'; /* a continuation byte with no lead */
	assert_int_equal(import(f, "h.csv", bad, len + 3, CK_ENCODING_AUTO), CK_E_ENCODING);
	assert_non_null(strstr(f->err, "h.csv:2: not valid UTF-8 (byte offset"));
	/* Neither UTF-8 nor GB18030: 0x80 and 0xFF are no lead bytes in
	 * GB18030, a lead byte at the end has nothing after it. */
	static const char *const tails[] = {"\x80", "\xff\xff", "\x81", "\x81\x30\x81"};
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		len = row(text, sizeof text, "(2024)苏1283执1号", "苏1283", "李四", tails[i]);
		assert_int_equal(import(f, "h.csv", text, len, CK_ENCODING_AUTO), CK_E_ENCODING);
		if (strstr(f->err, "h.csv:2: neither valid UTF-8 nor valid GB18030") == NULL)
			fail_msg("tail %zu: %s", i, f->err);
		/* Told it is GB18030, the same. */
		assert_int_equal(import(f, "h.csv", text, len, CK_ENCODING_GB18030), CK_E_ENCODING);
		/* Told it is UTF-8, refused as not UTF-8. */
		assert_int_equal(import(f, "h.csv", text, len, CK_ENCODING_UTF8), CK_E_ENCODING);
		assert_non_null(strstr(f->err, "h.csv:2: not valid UTF-8"));
	}
	/* Overlong and surrogate UTF-8 forms are not UTF-8 (nor GB18030). */
	static const char *const forms[] = {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
	                                    "\xf4\x90\x80\x80"};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		len = row(text, sizeof text, "(2024)苏1283执1号", "苏1283", "李四", forms[i]);
		assert_int_equal(import(f, "h.csv", text, len, CK_ENCODING_UTF8), CK_E_ENCODING);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 0);
}

/* An XML filing around one case, with `prolog` before the root and
 * `name` as the debtor's name. */
static size_t
xml_filing_in(char *out, size_t size, const char *encoding, const char *prolog, const char *name)
{
	int n =
	    snprintf(out, size,
	             "<?xml version=\"1.0\" encoding=\"%s\"?>\n%s"
	             "<Filings xmlns=\"urn:chakong:filing:1\">\n"
	             "<Case no=\"(2024)苏1283执1号\"><Court code=\"苏1283\">泰兴市人民法院</Court>"
	             "<FiledAt>2024-03-04</FiledAt><Officer>李四</Officer>"
	             "<AmountOwed>1</AmountOwed><Debtor kind=\"person\"><Name>%s</Name>"
	             "<Id>320102198001011238</Id></Debtor></Case>\n</Filings>\n",
	             encoding, prolog, name);
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

static size_t
xml_filing(char *out, size_t size, const char *prolog, const char *name)
{
	return xml_filing_in(out, size, "UTF-8", prolog, name);
}

static void
hostile_xml_filings_read_nothing(void **state)
{
	struct fixture *f = *state;
	char *canary = ck_test_path(f->dir, "canary.txt");
	ck_test_write_file(canary, CANARY, strlen(CANARY));
	char prolog[1024], text[4096];
	/* '@' stands for the canary's path. */
	static const char *const templates[] = {
	    "<!DOCTYPE Filings [<!ENTITY x SYSTEM \"file://@\">]>",
	    "<!DOCTYPE Filings SYSTEM \"file://@\">",
	    "<!DOCTYPE Filings [<!ENTITY % p SYSTEM \"file://@\"> %p;]>",
	    "<!DOCTYPE Filings PUBLIC \"-//x//y\" \"@\">",
	};
	for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++) {
		const char *at = strchr(templates[i], '@');
		snprintf(prolog, sizeof prolog, "%.*s%s%s", (int)(at - templates[i]), templates[i],
		         canary, at + 1);
		size_t len = xml_filing(text, sizeof text, prolog, i == 0 ? "&x;" : "张三");
		assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_HOSTILE);
		assert_null(strstr(f->err, CANARY));
		assert_null(strstr(f->messages, CANARY));
	}
	/* An entity bomb, an undeclared entity, nesting past the filing's
	 * depth limit. */
	size_t len = xml_filing(text, sizeof text,
	                        "<!DOCTYPE Filings [<!ENTITY a \"aaaaaaaaaa\">"
	                        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	                        "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>",
	                        "&c;");
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_HOSTILE);
	len = xml_filing(text, sizeof text, "", "&nbsp;");
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_HOSTILE);
	char deep[2048] = "";
	for (int i = 0; i < 40; i++)
		strncat(deep, "<x>", sizeof deep - strlen(deep) - 1);
	for (int i = 0; i < 40; i++)
		strncat(deep, "</x>", sizeof deep - strlen(deep) - 1);
	len = xml_filing(text, sizeof text, "", deep);
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_HOSTILE);
	/* NUL and C0 controls are not XML characters: the file is refused. */
	len = xml_filing(text, sizeof text, "", "张&#0;三");
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_XML);
	len = xml_filing(text, sizeof text, "", "张&#1;三");
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_XML);
	len = xml_filing(text, sizeof text, "", "张@三");
	*(char *)memchr(text, '@', len) = '\0';
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_XML);
	/* C1 controls are XML characters, but no name holds one: the case is
	 * rejected, named by its number and field. */
	len = xml_filing(text, sizeof text, "", "张&#x85;三");
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_OK);
	assert_int_equal(f->stats.cases_rejected, 1);
	assert_non_null(strstr(f->messages, "(case (2024)苏1283执1号): Debtor/Name contains a "
	                                    "control character (code 133)"));
	/* Invalid bytes in the declared encoding. */
	len = xml_filing(text, sizeof text, "", "张\xff三");
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_ENCODING);
	len = xml_filing_in(text, sizeof text, "GB18030", "", "\x81\x30");
	assert_int_equal(import(f, "h.xml", text, len, CK_ENCODING_AUTO), CK_E_ENCODING);
	/* A name of 10 000 characters in XML. */
	size_t n = 10000;
	char *name = malloc(n * 3 + 1);
	assert_non_null(name);
	for (size_t i = 0; i < n; i++)
		memcpy(name + i * 3, "名", 3);
	name[n * 3] = '\0';
	char *big = malloc(n * 3 + 1024);
	assert_non_null(big);
	len = xml_filing(big, n * 3 + 1024, "", name);
	assert_int_equal(import(f, "h.xml", big, len, CK_ENCODING_AUTO), CK_OK);
	assert_int_equal(f->stats.cases_rejected, 1);
	assert_non_null(strstr(f->messages, "(case (2024)苏1283执1号)"));
	assert_non_null(strstr(f->messages, "Debtor/Name is longer than 256 characters"));
	free(big);
	free(name);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 0);
	/* The canary is still only in its file. */
	assert_int_equal(rows_with(f, "audit", "detail", CANARY, strlen(CANARY)), 0);
	free(canary);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(sql_metacharacters_are_stored_verbatim),
	    T(path_separators_and_dots_in_case_numbers_are_refused),
	    T(names_of_ten_thousand_characters_are_refused),
	    T(control_characters_and_nul_are_refused),
	    T(invalid_encodings_refuse_the_file),
	    T(hostile_xml_filings_read_nothing),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
