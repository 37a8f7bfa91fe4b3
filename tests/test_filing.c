/* SPDX-License-Identifier: MIT */
/*
 * test_filing.c: importing filings (spec/filing.md): the spec's examples in
 * CSV (UTF-8 and GB18030) and XML, RFC 4180 quirks, line numbers, every
 * rejection rule, idempotence and re-import with changed debtors.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/filing.h"
#include "chakong/store.h"
#include "chakong/xmlsafe.h"

#include <iconv.h>
#include <sqlite3.h>
#include <string.h>

struct fixture {
	char *dir;
	char *db;
	struct ck_store *st;
	struct ck_xsd_set *xsd;
	char messages[16384]; /* every reported problem, one per line */
	struct ck_filing_stats stats;
	char err[CK_ERR_SIZE];
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

/* Imports text as the file `name`; returns the import's result code. */
static int
import_text(struct fixture *f, const char *name, const char *text, size_t len,
            enum ck_filing_encoding enc)
{
	struct ck_filing_opts opts = {.encoding = enc, .now = 1700000000};
	f->messages[0] = '\0';
	f->err[0] = '\0';
	return ck_filing_import_buffer(f->st, f->xsd, name, text, len, &opts, collect, f, &f->stats,
	                               f->err);
}

static int
import_str(struct fixture *f, const char *text)
{
	return import_text(f, "t.csv", text, strlen(text), CK_ENCODING_AUTO);
}

static int
import_path(struct fixture *f, const char *path)
{
	struct ck_filing_opts opts = {.now = 1700000000, .source = "test"};
	f->messages[0] = '\0';
	f->err[0] = '\0';
	return ck_filing_import_file(f->st, f->xsd, path, &opts, collect, f, &f->stats, f->err);
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

/* A text digest of the cases and debtors tables, for comparing stores. */
static char *
dump(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(h,
	                       "SELECT c.case_no, c.court_code, c.court_name, c.filed_at,"
	                       " c.filed_offset_min, c.officer, c.amount_owed, c.status,"
	                       " ifnull(c.terminated_on, ''), d.kind, d.name, d.id_no,"
	                       " d.position, ifnull(d.removed_at, '')"
	                       " FROM cases c JOIN debtors d ON d.case_id = c.id"
	                       " ORDER BY c.case_no, d.position",
	                       -1, &s, NULL),
	    SQLITE_OK);
	size_t cap = 65536, len = 0;
	char *out = calloc(1, cap);
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(s); i++)
			len += (size_t)snprintf(out + len, cap - len, "%s|",
			                        (const char *)sqlite3_column_text(s, i));
		len += (size_t)snprintf(out + len, cap - len, "\n");
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return out;
}

static char *
to_gb18030(const char *utf8, size_t *out_len)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t in_left = strlen(utf8), cap = in_left * 2 + 4, out_left = cap;
	char *out = malloc(cap), *dst = out, *src = (char *)(uintptr_t)utf8;
	assert_int_not_equal(iconv(cd, &src, &in_left, &dst, &out_left), (size_t)-1);
	iconv_close(cd);
	*out_len = cap - out_left;
	return out;
}

static char *
spec_path(const char *name)
{
	return ck_test_path(CK_SPEC_EXAMPLES, name);
}

static void
spec_csv_imports_good_case_and_rejects_line_4(void **state)
{
	struct fixture *f = *state;
	char *path = spec_path("filing.csv");
	assert_int_equal(import_path(f, path), CK_OK);
	assert_int_equal(f->stats.cases_created, 1);
	assert_int_equal(f->stats.cases_rejected, 1);
	assert_non_null(strstr(f->messages, "filing.csv:4: amount_owed"));
	assert_non_null(strstr(f->messages, "thousands separators"));
	assert_int_equal(ck_test_count(f->messages, "filing.csv:2"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors d JOIN cases c ON c.id ="
	                            " d.case_id WHERE c.case_no = '(2024)苏1283执1234号'"),
	                 2);
	assert_int_equal(sql_int(f, "SELECT amount_owed FROM cases"), 15200000);
	/* 2024-03-04T16:20:00+08:00 */
	assert_int_equal(sql_int(f, "SELECT filed_at FROM cases"), 1709540400);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors WHERE name = '赵六'"), 0);

	/* Again: nothing changes, the bad case is still rejected. */
	char *before = dump(f->db);
	long long audit = sql_int(f, "SELECT count(*) FROM audit");
	assert_int_equal(import_path(f, path), CK_OK);
	assert_int_equal(f->stats.cases_unchanged, 1);
	assert_int_equal(f->stats.cases_created + f->stats.cases_updated, 0);
	assert_int_equal(f->stats.cases_rejected, 1);
	char *after = dump(f->db);
	assert_string_equal(before, after);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), audit);
	free(before);
	free(after);
	free(path);
}

static void
gb18030_csv_imports_identically(void **state)
{
	struct fixture *f = *state;
	char *path = spec_path("filing.csv");
	char *utf8 = ck_test_read_file(path, NULL);
	assert_int_equal(import_str(f, utf8), CK_OK);
	char *expected = dump(f->db);

	/* A second store, fed the GB18030 bytes: detected and converted. */
	struct fixture g = {0};
	g.dir = ck_test_tmpdir();
	g.db = ck_test_path(g.dir, "gb.db");
	assert_int_equal(ck_store_open(g.db, &g.st, NULL), CK_OK);
	g.xsd = f->xsd;
	size_t gb_len;
	char *gb = to_gb18030(utf8, &gb_len);
	assert_true(gb_len < strlen(utf8)); /* really re-encoded */
	assert_int_equal(import_text(&g, "gb.csv", gb, gb_len, CK_ENCODING_AUTO), CK_OK);
	assert_int_equal(g.stats.cases_created, 1);
	assert_int_equal(g.stats.cases_rejected, 1);
	assert_non_null(strstr(g.messages, "gb.csv:4: amount_owed"));
	char *got = dump(g.db);
	assert_string_equal(expected, got);

	/* Forced as UTF-8, the same bytes are refused whole, naming the line. */
	assert_int_equal(import_text(&g, "gb.csv", gb, gb_len, CK_ENCODING_UTF8), CK_E_ENCODING);
	assert_non_null(strstr(g.err, "gb.csv:2: not valid UTF-8"));

	ck_store_close(g.st);
	ck_test_rmtree(g.dir);
	free(g.dir);
	free(g.db);
	free(gb);
	free(got);
	free(expected);
	free(utf8);
	free(path);
}

static void
spec_xml_imports_both_cases(void **state)
{
	struct fixture *f = *state;
	char *csv = spec_path("filing.csv");
	char *xml = spec_path("filing.xml");
	assert_int_equal(import_path(f, csv), CK_OK);
	char *from_csv = dump(f->db);
	assert_int_equal(import_path(f, xml), CK_OK);
	assert_string_equal(f->messages, "");
	assert_int_equal(f->stats.cases_unchanged, 1); /* the 2024 case, as from CSV */
	assert_int_equal(f->stats.cases_created, 1);   /* the 2023 case, valid here */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases WHERE status = 'terminated'"
	                            " AND case_no = '(2023)苏1283执988号'"
	                            " AND terminated_on = 19663" /* 2023-11-02 */
	                            " AND amount_owed = 4800000"),
	                 1);
	/* The 2024 case is the same whether it came from CSV or XML. */
	char *both = dump(f->db);
	assert_non_null(strstr(both, from_csv));
	free(both);
	free(from_csv);
	free(csv);
	free(xml);
}

static const char header[] = "case_no,court_code,court_name,filed_at,officer,amount_owed,"
                             "debtor_kind,debtor_name,debtor_id,status,terminated_at\n";

static void
csv_rfc4180_quirks(void **state)
{
	struct fixture *f = *state;
	/* Columns in another order with an extra one; CRLF; quoted fields with
	 * commas, doubled quotes and a line break; blanks and full-width
	 * parentheses around the case number; rows of one case not adjacent. */
	const char *text =
	    "note,debtor_id,debtor_name,debtor_kind,case_no,court_code,court_name,"
	    "filed_at,officer,amount_owed\r\n"
	    "\"a, b\",320102198001011238,张三,person,  （2024）苏1283执1234号 ,苏1283,"
	    "泰兴市人民法院,2024-03-04T16:20:00+08:00,李四,152000.00\r\n"
	    "x,11010519491231002X,赵六,自然人,(2024)苏1283执77号,苏1283,\"泰兴市\n人民法院\","
	    "2024-03-05,王五,100\r\n"
	    "\"say \"\"hi\"\"\",91321283MA1MX8K2PW,\"泰兴市某某贸易有限公司\",法人,"
	    "(2024)苏1283执1234号,苏1283,泰兴市人民法院,2024-03-04T16:20:00+08:00,李四,"
	    "152000.00\r\n";
	assert_int_equal(import_str(f, text), CK_OK);
	assert_string_equal(f->messages, "");
	assert_int_equal(f->stats.cases_created, 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors d JOIN cases c ON c.id ="
	                            " d.case_id WHERE c.case_no = '(2024)苏1283执1234号'"),
	                 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases WHERE court_name ="
	                            " '泰兴市' || char(10) || '人民法院'"),
	                 1);
	/* A date alone means 00:00 China Standard Time. */
	assert_int_equal(sql_int(f, "SELECT filed_at FROM cases WHERE officer = '王五'"),
	                 1709568000);
}

static void
csv_lines_count_from_record_starts(void **state)
{
	struct fixture *f = *state;
	/* Line 2 holds a record spanning lines 2-4; line 5 is blank; the bad
	 * record starts on line 6. */
	char text[2048];
	snprintf(text, sizeof text,
	         "%s"
	         "(2024)苏1283执1号,苏1283,\"泰兴市\n人民\n法院\",2024-03-04,李四,1,person,张三,"
	         "320102198001011238,,\n"
	         "\n"
	         "(2024)苏1283执2号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	         "320102198001011239,,\n",
	         header);
	assert_int_equal(import_str(f, text), CK_OK);
	assert_int_equal(f->stats.cases_created, 1);
	assert_int_equal(f->stats.cases_rejected, 1);
	assert_non_null(strstr(f->messages,
	                       "t.csv:6: debtor_id 320102198001011239: check character "
	                       "should be 8"));
}

struct bad_row {
	const char *row;     /* data row after the header */
	const char *message; /* expected in the report */
};

static void
csv_rejections_name_field_and_why(void **state)
{
	struct fixture *f = *state;
	static const struct bad_row bad[] = {
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,0,person,张三,"
	     "320102198001011238,,",
	     "t.csv:2: amount_owed \"0\": must be greater than 0"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,1.234,person,张三,"
	     "320102198001011238,,",
	     "t.csv:2: amount_owed"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,1,org,张三,"
	     "320102198001011238,,",
	     "debtor_id 320102198001011238 is a resident identity number but debtor_kind is "
	     "org"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,某公司,"
	     "91321283MA1MX8K2PW,,",
	     "is a unified social credit code but debtor_kind is person"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,1,company,张三,"
	     "320102198001011238,,",
	     "debtor_kind \"company\""},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	     "320102800101123,,",
	     "t.csv:2: debtor_id"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	     "320102198001011238,terminated,",
	     "terminated_at is required when status is terminated"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	     "320102198001011238,active,2024-05-01",
	     "terminated_at is given but status is not terminated"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	     "320102198001011238,open,",
	     "status \"open\": must be active, terminated or closed"},
	    {"(2024)苏1283执1号,苏1284,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	     "320102198001011238,,",
	     "court_code \"苏1284\" does not match the court of case_no (苏1283)"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,,1,person,张三,"
	     "320102198001011238,,",
	     "t.csv:2: officer is missing"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,yesterday,李四,1,person,张三,"
	     "320102198001011238,,",
	     "t.csv:2: filed_at"},
	    {"(2024)苏1283民1号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	     "320102198001011238,,",
	     "t.csv:2: case_no"},
	    {"(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四\x01,1,person,张三,"
	     "320102198001011238,,",
	     "officer contains a control character"},
	};
	char text[4096];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "%s%s\n", header, bad[i].row);
		assert_int_equal(import_str(f, text), CK_OK);
		if (strstr(f->messages, bad[i].message) == NULL)
			fail_msg("row %zu: expected \"%s\" in:\n%s", i, bad[i].message,
			         f->messages);
		assert_int_equal(f->stats.cases_rejected, 1);
		assert_int_equal(f->stats.cases_created, 0);
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), 0);
}

static void
csv_case_rejected_whole(void **state)
{
	struct fixture *f = *state;
	/* Two rows disagree on the amount; a debtor repeats in another case;
	 * a third case is good and imports. */
	char text[4096];
	snprintf(text, sizeof text,
	         "%s"
	         "(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,100,person,张三,"
	         "320102198001011238,,\n"
	         "(2024)苏1283执2号,苏1283,泰兴市人民法院,2024-03-04,李四,100,person,张三,"
	         "320102198001011238,,\n"
	         "(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,200,person,赵六,"
	         "11010519491231002X,,\n"
	         "(2024)苏1283执2号,苏1283,泰兴市人民法院,2024-03-04,李四,100,person,张三,"
	         "320102198001011238,,\n"
	         "(2024)苏1283执3号,苏1283,泰兴市人民法院,2024-03-04,李四,100,person,张三,"
	         "320102198001011238,,\n",
	         header);
	assert_int_equal(import_str(f, text), CK_OK);
	assert_int_equal(f->stats.cases_rejected, 2);
	assert_int_equal(f->stats.cases_created, 1);
	assert_non_null(strstr(f->messages, "t.csv:4: amount_owed differs from line 2"));
	assert_non_null(strstr(f->messages,
	                       "t.csv:5: debtor_id 320102198001011238 appears again (first on "
	                       "line 3)"));
	assert_non_null(strstr(f->messages, "case (2024)苏1283执1号 rejected"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors"), 1);
}

static void
csv_file_level_errors_import_nothing(void **state)
{
	struct fixture *f = *state;
	const char *no_officer = "case_no,court_code,court_name,filed_at,amount_owed,debtor_kind,"
	                         "debtor_name,debtor_id\n"
	                         "(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,1,person,"
	                         "张三,320102198001011238\n";
	assert_int_equal(import_str(f, no_officer), CK_E_INVALID);
	assert_non_null(strstr(f->err, "t.csv:1: the header lacks required column(s): officer"));
	assert_int_equal(import_str(f, ""), CK_E_INVALID);
	assert_non_null(strstr(f->err, "empty"));
	char text[1024];
	snprintf(text, sizeof text,
	         "%s(2024)苏1283执1号,苏1283,\"泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	         "320102198001011238,,\n",
	         header);
	assert_int_equal(import_str(f, text), CK_E_INVALID);
	assert_non_null(strstr(f->err, "t.csv:2: a quoted field is not closed"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 0);
}

static void
reimport_updates_debtors(void **state)
{
	struct fixture *f = *state;
	char text[4096];
	const char *zhang = "(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,100,person,"
	                    "张三,320102198001011238,,\n";
	const char *zhao = "(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,100,person,"
	                   "赵六,11010519491231002x,,\n";
	snprintf(text, sizeof text, "%s%s%s", header, zhang, zhao);
	assert_int_equal(import_str(f, text), CK_OK);
	assert_int_equal(f->stats.cases_created, 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors WHERE id_no ="
	                            " '11010519491231002X'"),
	                 1); /* lower-case x normalised */

	snprintf(text, sizeof text, "%s%s", header, zhang);
	assert_int_equal(import_str(f, text), CK_OK);
	assert_int_equal(f->stats.cases_updated, 1);
	assert_int_equal(f->stats.debtors_removed, 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors WHERE removed_at IS NOT NULL"),
	                 1);

	/* The amount corrected and the debtor back. */
	snprintf(text, sizeof text, "%s%s%s", header, zhang, zhao);
	char *p;
	while ((p = strstr(text, ",100,")) != NULL)
		memcpy(p, ",150,", 5);
	assert_int_equal(import_str(f, text), CK_OK);
	assert_int_equal(f->stats.cases_updated, 1);
	assert_int_equal(f->stats.debtors_added, 1);
	assert_int_equal(sql_int(f, "SELECT amount_owed FROM cases"), 15000);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors WHERE removed_at IS NULL"), 2);
}

/* A valid resident identity number for person n (birth date from n, then
 * the check character). */
static void
resident_id(unsigned n, char out[19])
{
	static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	snprintf(out, 19, "3201021980%02u%02u%03u", 1 + n % 12, 1 + n / 12 % 28, n / 336 % 1000);
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * weights[i];
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
}

/* A filing of `cases` one-debtor cases (serials 1..cases) with case 0's two
 * rows apart: the first after the header, the other at the end, after more
 * than the reader's window of other rows.  `bad_last` spoils the last. */
static char *
filing_with_rows_apart(struct fixture *f, int cases, int bad_last)
{
	size_t cap = (size_t)cases * 160 + 1024, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text, cap, "%s", header);
	char id[19];
	for (int i = 0; i <= cases; i++) {
		resident_id((unsigned)i, id);
		len +=
		    (size_t)snprintf(text + len, cap - len,
		                     "(2024)苏1283执%d号,苏1283,泰兴市人民法院,2024-03-04,李四,100,"
		                     "person,张三,%s,,\n",
		                     i, id);
	}
	len += (size_t)snprintf(text + len, cap - len,
	                        "(2024)苏1283执0号,苏1283,泰兴市人民法院,2024-03-04,李四,100,"
	                        "org,某公司,%s,,\n",
	                        bad_last ? "91321283MA1MX8K2PX" : "91321283MA1MX8K2PW");
	char *path = ck_test_path(f->dir, "apart.csv");
	ck_test_write_file(path, text, len);
	free(text);
	return path;
}

/* The rows of a case far apart in a file (more than the reader's window
 * between them) make one case, its debtors in the order of the file. */
static void
csv_file_rows_apart_make_one_case(void **state)
{
	struct fixture *f = *state;
	char *path = filing_with_rows_apart(f, 12000, 0);
	assert_int_equal(import_path(f, path), CK_OK);
	assert_string_equal(f->messages, "");
	assert_int_equal(f->stats.cases_created, 12001);
	assert_int_equal(f->stats.debtors_added, 12002);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors d JOIN cases c ON c.id ="
	                            " d.case_id WHERE c.case_no = '(2024)苏1283执0号'"
	                            " AND ((d.position = 0 AND d.kind = 'person')"
	                            "  OR (d.position = 1 AND d.id_no = '91321283MA1MX8K2PW'))"),
	                 2);
	/* Stored in the order in which cases first appear. */
	assert_int_equal(sql_int(f, "SELECT id FROM cases WHERE case_no = '(2024)苏1283执0号'"), 1);

	/* Again: every case unchanged. */
	long long audit = sql_int(f, "SELECT count(*) FROM audit");
	assert_int_equal(import_path(f, path), CK_OK);
	assert_int_equal(f->stats.cases_unchanged, 12001);
	assert_int_equal(f->stats.cases_created + f->stats.cases_updated, 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit"), audit);
	free(path);
}

/* A bad row at the end of a file rejects its case, whose good row came
 * first: nothing of that case is stored, the other cases are. */
static void
csv_file_bad_row_apart_stores_nothing_of_its_case(void **state)
{
	struct fixture *f = *state;
	char *path = filing_with_rows_apart(f, 12000, 1);
	assert_int_equal(import_path(f, path), CK_OK);
	assert_int_equal(f->stats.cases_created, 12000);
	assert_int_equal(f->stats.cases_rejected, 1);
	assert_non_null(strstr(f->messages, "apart.csv:12003: debtor_id 91321283MA1MX8K2PX"));
	assert_non_null(strstr(f->messages, "apart.csv:2: case (2024)苏1283执0号 rejected"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases WHERE case_no ="
	                            " '(2024)苏1283执0号'"),
	                 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE case_no ="
	                            " '(2024)苏1283执0号'"),
	                 0);
	free(path);
}

/* Changes the file being imported from the problem report (which the
 * reader calls while it reads the file the first time). */
struct changer {
	struct fixture *f;
	const char *path;
};

static void
change_file(void *ctx, const char *where, const char *message)
{
	struct changer *c = ctx;
	collect(c->f, where, message);
	FILE *fp = fopen(c->path, "a");
	assert_non_null(fp);
	fputs("(2024)苏1283执9号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	      "320102198001011238,,\n",
	      fp);
	fclose(fp);
}

/* The file is read twice; if it changes in between, nothing is imported
 * (the second reading would not be of the file checked). */
static void
csv_file_changed_while_read_imports_nothing(void **state)
{
	struct fixture *f = *state;
	char text[2048];
	snprintf(text, sizeof text,
	         "%s"
	         "(2024)苏1283执1号,苏1283,泰兴市人民法院,2024-03-04,李四,0,person,张三,"
	         "320102198001011238,,\n"
	         "(2024)苏1283执2号,苏1283,泰兴市人民法院,2024-03-04,李四,1,person,张三,"
	         "320102198001011238,,\n",
	         header);
	char *path = ck_test_path(f->dir, "moving.csv");
	ck_test_write_file(path, text, strlen(text));
	struct changer c = {.f = f, .path = path};
	struct ck_filing_opts opts = {.now = 1700000000};
	f->messages[0] = '\0';
	f->err[0] = '\0';
	assert_int_equal(
	    ck_filing_import_file(f->st, f->xsd, path, &opts, change_file, &c, &f->stats, f->err),
	    CK_E_IO);
	assert_non_null(strstr(f->err, "moving.csv changed while it was being read"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 0);
	free(path);
}

/* Found while reading files piece by piece: with line ends of a lone CR
 * (which libcsv takes as record ends), a record after a line break quoted
 * inside a field was reported on the line where that field began. */
static void
csv_cr_line_ends_count_physical_lines(void **state)
{
	struct fixture *f = *state;
	const char *text =
	    "case_no,court_code,court_name,filed_at,officer,amount_owed,debtor_kind,debtor_name,"
	    "debtor_id\r"
	    "(2024)苏1283执1号,苏1283,\"泰兴市\n人民法院\",2024-03-04,李四,1,person,张三,"
	    "320102198001011238\r"
	    "(2024)苏1283执2号,苏1283,泰兴市人民法院,2024-03-04,李四,0,person,张三,"
	    "320102198001011238\r";
	assert_int_equal(import_str(f, text), CK_OK);
	assert_int_equal(f->stats.cases_created, 1);
	assert_int_equal(f->stats.cases_rejected, 1);
	assert_non_null(strstr(f->messages, "t.csv:2: amount_owed \"0\""));
}

static const char xml_head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                               "<Filings xmlns=\"urn:chakong:filing:1\">\n";

static void
xml_bad_case_rejected_good_imported(void **state)
{
	struct fixture *f = *state;
	char text[4096];
	snprintf(
	    text, sizeof text,
	    "%s"
	    "<Case no=\"(2024)苏1283执1号\" status=\"open\"><Court code=\"苏1283\">泰兴市人民法院"
	    "</Court><FiledAt>2024-03-04</FiledAt><Officer>李四</Officer>"
	    "<AmountOwed>1</AmountOwed><Debtor kind=\"person\"><Name>张三</Name>"
	    "<Id>320102198001011238</Id></Debtor></Case>\n"
	    "<Case no=\"(2024)苏1283执2号\"><Court code=\"苏1283\">泰兴市人民法院"
	    "</Court><FiledAt>2024-03-04</FiledAt>"
	    "<AmountOwed>1</AmountOwed><Debtor kind=\"person\"><Name>张三</Name>"
	    "<Id>320102198001011238</Id></Debtor></Case>\n"
	    "<Case no=\"(2024)苏1283执3号\"><Court code=\"苏1283\">泰兴市人民法院"
	    "</Court><Officer>李四</Officer><FiledAt>2024-03-04</FiledAt>"
	    "<AmountOwed>1</AmountOwed><Debtor kind=\"person\"><Name>张三</Name>"
	    "<Id>320102198001011238</Id></Debtor><Debtor kind=\"法人\"><Name>某公司</Name>"
	    "<Id>91321283MA1MX8K2PW</Id></Debtor></Case>\n"
	    "<Case no=\"(2024)苏1283执4号\"><Court code=\"苏1283\">泰兴市人民法院"
	    "</Court><Officer>李四</Officer><FiledAt>2024-03-04</FiledAt>"
	    "<AmountOwed>1</AmountOwed><Debtor kind=\"person\"><Name>张三</Name>"
	    "<Id>320102198001011230</Id></Debtor></Case>\n"
	    "</Filings>\n",
	    xml_head);
	assert_int_equal(import_text(f, "f.xml", text, strlen(text), CK_ENCODING_AUTO), CK_OK);
	assert_int_equal(f->stats.cases_created, 1);
	assert_int_equal(f->stats.cases_rejected, 3);
	assert_non_null(strstr(f->messages, "f.xml:3 (case (2024)苏1283执1号)"));
	assert_non_null(
	    strstr(f->messages, "f.xml:4 (case (2024)苏1283执2号): Officer is missing"));
	assert_non_null(
	    strstr(f->messages, "Debtor/Id 320102198001011230: check character should"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases WHERE case_no ="
	                            " '(2024)苏1283执3号'"),
	                 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM debtors WHERE kind = 'org'"), 1);
}

/* Found by fuzzing: a bad debtor followed by a good one crashed the check
 * for repeated debtors. */
static void
xml_bad_debtor_then_good_debtor(void **state)
{
	struct fixture *f = *state;
	char text[2048];
	snprintf(text, sizeof text,
	         "%s<Case no=\"(2024)苏1283执5号\"><Court code=\"苏1283\">泰兴市人民法院"
	         "</Court><Officer>李四</Officer><FiledAt>2024-03-04</FiledAt>"
	         "<AmountOwed>1</AmountOwed><Debtor kind=\"person\"><Name>张三</Name>"
	         "<Id>320102198001011230</Id></Debtor><Debtor kind=\"person\"><Name>张三</Name>"
	         "<Id>320102198001011238</Id></Debtor></Case></Filings>",
	         xml_head);
	assert_int_equal(import_text(f, "d.xml", text, strlen(text), CK_ENCODING_AUTO), CK_OK);
	assert_int_equal(f->stats.cases_rejected, 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 0);
}

static void
xml_file_level_errors_import_nothing(void **state)
{
	struct fixture *f = *state;
	char *hostile = spec_path("hostile-xxe.xml");
	assert_int_equal(import_path(f, hostile), CK_E_HOSTILE);
	free(hostile);

	const char *wrong_ns = "<Filings xmlns=\"urn:other\"><Case no=\"x\"/></Filings>";
	assert_int_equal(import_text(f, "w.xml", wrong_ns, strlen(wrong_ns), CK_ENCODING_AUTO),
	                 CK_E_SCHEMA);
	assert_non_null(strstr(f->err, "w.xml: the root element is not Filings"));

	char text[2048];
	snprintf(text, sizeof text,
	         "%s<Case no=\"(2024)苏1283执3号\"><Court code=\"苏1283\">泰兴市人民法院"
	         "</Court><Officer>李四</Officer><FiledAt>2024-03-04</FiledAt>"
	         "<AmountOwed>1</AmountOwed><Debtor kind=\"person\"><Name>张三</Name>"
	         "<Id>320102198001011238</Id></Debtor></Case><Stray/></Filings>",
	         xml_head);
	assert_int_equal(import_text(f, "s.xml", text, strlen(text), CK_ENCODING_AUTO),
	                 CK_E_SCHEMA);
	const char *cut = "<Filings xmlns=\"urn:chakong:filing:1\"><Case";
	assert_int_equal(import_text(f, "c.xml", cut, strlen(cut), CK_ENCODING_AUTO), CK_E_XML);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM cases"), 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(spec_csv_imports_good_case_and_rejects_line_4),
	    T(gb18030_csv_imports_identically),
	    T(spec_xml_imports_both_cases),
	    T(csv_rfc4180_quirks),
	    T(csv_lines_count_from_record_starts),
	    T(csv_rejections_name_field_and_why),
	    T(csv_case_rejected_whole),
	    T(csv_file_level_errors_import_nothing),
	    T(reimport_updates_debtors),
	    T(csv_file_rows_apart_make_one_case),
	    T(csv_file_bad_row_apart_stores_nothing_of_its_case),
	    T(csv_file_changed_while_read_imports_nothing),
	    T(csv_cr_line_ends_count_physical_lines),
	    T(xml_bad_case_rejected_good_imported),
	    T(xml_bad_debtor_then_good_debtor),
	    T(xml_file_level_errors_import_nothing),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
