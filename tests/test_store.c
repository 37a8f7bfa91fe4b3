/* SPDX-License-Identifier: MIT */
/*
 * test_store.c: the SQLite store: creation and permissions, migrations and
 * version refusal, case import semantics (create, unchanged, update, debtor
 * removal and restoration), all-or-nothing units and batches, the audit
 * trail.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/store.h"
#include "store_internal.h"

#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

struct fixture {
	char *dir;
	char *db;
	struct ck_store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = ck_test_tmpdir();
	f->db = ck_test_path(f->dir, "store.db");
	char err[CK_ERR_SIZE] = "";
	if (ck_store_open(f->db, &f->st, err) != CK_OK)
		fail_msg("open: %s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	ck_store_close(f->st);
	ck_test_rmtree(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* One integer from a SQL query on a separate connection. */
static long long
sql_int(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

static const struct ck_debtor_rec zhang = {CK_SUBJECT_PERSON, "张三", "320102198001011238"};
static const struct ck_debtor_rec trading = {CK_SUBJECT_ORG, "泰兴市某某贸易有限公司",
                                             "91321283MA1MX8K2PW"};

static struct ck_case_rec
sample_case(void)
{
	return (struct ck_case_rec){
	    .case_no = "(2024)苏1283执1234号",
	    .court_code = "苏1283",
	    .court_name = "泰兴市人民法院",
	    .filed_at = 1709540400,
	    .filed_offset_min = 480,
	    .officer = "李四",
	    .amount_owed = 15200000,
	    .status = CK_CASE_ACTIVE,
	};
}

static void
new_store_is_private_and_current(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(ck_store_version(f->st), CK_STORE_VERSION);
	assert_int_equal(sql_int(f->db, "PRAGMA user_version"), CK_STORE_VERSION);

	/* The WAL file SQLite creates on the first write is private too. */
	struct ck_case_rec c = sample_case();
	struct ck_import_outcome out;
	assert_int_equal(ck_store_import_case(f->st, &c, &zhang, 1, "t", 1, &out, NULL), CK_OK);
	char *wal = ck_test_path(f->dir, "store.db-wal");
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(wal);
	assert_int_equal(ck_store_integrity_check(f->st, NULL), CK_OK);
}

/* A store someone made readable by others (copied, restored from a
 * backup), and the -wal and -shm files beside it, are made private again
 * when opened; so is everything a store writes under a permissive umask. */
static void
loose_store_is_made_private(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "loose.db");
	char *wal = ck_test_path(dir, "loose.db-wal");
	char *shm = ck_test_path(dir, "loose.db-shm");
	mode_t old = umask(0);
	struct ck_store *st;
	assert_int_equal(ck_store_open(db, &st, NULL), CK_OK);
	struct ck_case_rec c = sample_case();
	struct ck_import_outcome out;
	assert_int_equal(ck_store_import_case(st, &c, &zhang, 1, "t", 1, &out, NULL), CK_OK);
	char *files[] = {db, wal, shm};
	struct stat sb;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(stat(files[i], &sb), 0);
		if ((sb.st_mode & 0777) != 0600)
			fail_msg("%s: mode %04o under umask 0", files[i],
			         (unsigned)sb.st_mode & 0777);
	}
	ck_store_close(st);
	assert_int_equal(chmod(db, 0644), 0);
	/* As a crash would leave them (closing removed them). */
	ck_test_write_file(wal, "", 0);
	ck_test_write_file(shm, "", 0);
	assert_int_equal(chmod(wal, 0666), 0);
	assert_int_equal(chmod(shm, 0640), 0);
	assert_int_equal(ck_store_open(db, &st, NULL), CK_OK);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(stat(files[i], &sb), 0);
		if ((sb.st_mode & 0777) != 0600)
			fail_msg("%s: mode %04o after opening", files[i],
			         (unsigned)sb.st_mode & 0777);
	}
	assert_int_equal(sql_int(db, "SELECT count(*) FROM cases"), 1);
	ck_store_close(st);
	umask(old);
	ck_test_rmtree(dir);
	free(db);
	free(wal);
	free(shm);
	free(dir);
}

static void
empty_file_is_migrated(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "v0.db");
	ck_test_write_file(db, "", 0); /* a v0 store: an empty file */
	struct ck_store *st;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_store_open(db, &st, err), CK_OK);
	assert_int_equal(ck_store_version(st), CK_STORE_VERSION);
	ck_store_close(st);
	/* Every table of the schema exists and is STRICT. */
	const char *tables[] = {"cases",        "debtors",  "institutions", "rounds",
	                        "queries",      "attempts", "raw_answers",  "assets",
	                        "encumbrances", "leads",    "audit"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char sql[200];
		snprintf(sql, sizeof sql,
		         "SELECT count(*) FROM pragma_table_list WHERE name = '%s' AND strict = 1",
		         tables[i]);
		if (sql_int(db, sql) != 1)
			fail_msg("table %s missing or not STRICT", tables[i]);
	}
	/* Opening again changes nothing. */
	assert_int_equal(ck_store_open(db, &st, err), CK_OK);
	ck_store_close(st);
	ck_test_rmtree(dir);
	free(db);
	free(dir);
}

static int count_case(void *ctx, const struct ck_case_row *row);

/* Counts the lists of three values or more after an IN in the schema's
 * definitions. */
static int
in_lists_left(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h,
	                                    "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	int n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(s, 0);
		while ((p = strstr(p, " IN ")) != NULL) {
			p += 4;
			while (*p == ' ')
				p++;
			if (*p != '(')
				continue;
			int commas = 0;
			for (; *p && *p != ')'; p++)
				commas += *p == ',';
			n += commas >= 2;
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

/* A case (id 1) in a store of an older version, for the migrations' tests. */
#define OLD_STORE_CASE                                                                             \
	"INSERT INTO cases (id, case_no, court_code, court_name, filed_at,"                        \
	" filed_offset_min, officer, amount_owed, status, imported_at,"                            \
	" updated_at, source) VALUES (1, '(2024)苏1283执1号',"                                  \
	" '苏1283', '泰兴市人民法院', 1, 480, '李四', 100,"                              \
	" 'active', 1, 1, 't');"

/* Opens db, which migrates it, and checks that it reached the current
 * version. */
static struct ck_store *
open_migrated(const char *db)
{
	struct ck_store *st;
	char err[CK_ERR_SIZE] = "";
	if (ck_store_open(db, &st, err) != CK_OK)
		fail_msg("open: %s", err);
	assert_int_equal(ck_store_version(st), CK_STORE_VERSION);
	return st;
}

/* Opens db (created) as a store of schema version `version`, built by the
 * migrations up to it, for a test of the migrations after it. */
static sqlite3 *
old_store(const char *db, int version)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	for (int v = 0; v < version; v++)
		for (const char *const *step = ck_store_migrations[v]; *step != NULL; step++)
			if (sqlite3_exec(h, *step, NULL, NULL, NULL) != SQLITE_OK)
				fail_msg("%s: %s", *step, sqlite3_errmsg(h));
	return h;
}

/* Version 3 drops the indexes of attempts and raw answers by query, which
 * nothing reads: a version 2 store is migrated in place, its rows kept, and
 * a new store has them neither. */
static void
version_2_store_loses_two_unread_indexes(void **state)
{
	struct fixture *f = *state;
	const char *count = "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN"
	                    " ('attempts_query', 'raw_answers_query')";
	assert_int_equal(sql_int(f->db, count), 0);

	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "v2.db");
	sqlite3 *h = old_store(db, 2);
	assert_int_equal(sqlite3_exec(h,
	                              "PRAGMA user_version = 2;"
	                              "INSERT INTO meta (key, value) VALUES ('kept', 'yes')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(sql_int(db, count), 2);

	struct ck_store *st = open_migrated(db);
	assert_int_equal(ck_store_integrity_check(st, NULL), CK_OK);
	ck_store_close(st);
	assert_int_equal(sql_int(db, count), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM meta WHERE key = 'kept'"), 1);
	ck_test_rmtree(dir);
	free(db);
	free(dir);
}

/* Version 5 drops the index of debtors by identity number alone, which no
 * statement reads: a version 4 store keeps its debtors and UNIQUE (case_id,
 * id_no), through which chakong finds a debtor; a new store has no such
 * index. */
static void
version_4_store_loses_the_debtor_number_index(void **state)
{
	struct fixture *f = *state;
	const char *count = "SELECT count(*) FROM sqlite_schema WHERE name = 'debtors_id_no'";
	assert_int_equal(sql_int(f->db, count), 0);

	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "v4.db");
	sqlite3 *h = old_store(db, 4);
	assert_int_equal(
	    sqlite3_exec(h,
	                 "PRAGMA user_version = 4;" OLD_STORE_CASE
	                 "INSERT INTO debtors (case_id, position, kind, name, id_no,"
	                 " added_at) VALUES (1, 0, 'person', '张三', '11010519491231002X', 1)",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(sql_int(db, count), 1);

	struct ck_store *st = open_migrated(db);
	ck_store_close(st);
	assert_int_equal(sql_int(db, count), 0);
	assert_int_equal(
	    sql_int(db, "SELECT count(*) FROM debtors WHERE id_no = '11010519491231002X'"), 1);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM pragma_index_list('debtors')"
	                             " WHERE \"unique\" = 1"),
	                 1);
	ck_test_rmtree(dir);
	free(db);
	free(dir);
}

/* Version 2 writes the constraints of version 1 without IN lists (SQLite
 * builds a temporary table for each at every insert): a version 1 store is
 * migrated in place, its rows kept, and the constraints refuse what they
 * refused. */
static void
version_1_store_loses_its_in_lists_not_its_constraints(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "v1.db");
	sqlite3 *h = old_store(db, 1);
	assert_int_equal(
	    sqlite3_exec(h, "PRAGMA user_version = 1;" OLD_STORE_CASE, NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(in_lists_left(db), 9);

	struct ck_store *st = open_migrated(db);
	assert_int_equal(ck_store_integrity_check(st, NULL), CK_OK);
	/* The case is there, and this connection can list it. */
	int n = 0;
	assert_int_equal(ck_store_each_case(st, 0, count_case, &n, NULL), CK_OK);
	assert_int_equal(n, 1);
	ck_store_close(st);
	assert_int_equal(in_lists_left(db), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name GLOB 'ck_*'"),
	                 0);

	/* Every rewritten constraint still refuses a value outside its list. */
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	const char *refused[] = {
	    "UPDATE cases SET status = 'open'",
	    "INSERT INTO institutions (id, kind, name, base_url, first_seen, last_seen)"
	    " VALUES ('x', 'shop', 'b', 'http://127.0.0.1/', 1, 1)",
	    "INSERT INTO institutions (id, kind, name, base_url, first_seen, last_seen)"
	    " VALUES ('icbc', 'bank', 'b', 'http://127.0.0.1/', 1, 1)",
	    "INSERT INTO debtors (case_id, position, kind, name, id_no, added_at)"
	    " VALUES (1, 0, 'person', '张三', '320102198001011238', 1)",
	    "INSERT INTO rounds (case_id, round, opened_at, deadline) VALUES (1, 0, 1, 2)",
	    "INSERT INTO queries (request_id, case_id, debtor_id, institution_id, round, state,"
	    " due_at, deadline, created_at, updated_at) VALUES ('r1', 1, 1, 'icbc', 0,"
	    " 'planned', 1, 1, 1, 1)",
	    "UPDATE queries SET state = 'lost'",
	    "UPDATE queries SET outcome = 'MAYBE'",
	    "INSERT INTO attempts (query_id, kind, started_at_ms) VALUES (1, 'peek', 1)",
	    "INSERT INTO attempts (query_id, kind, started_at_ms) VALUES (1, 'poll', 1)",
	    "INSERT INTO raw_answers (attempt_id, query_id, received_at, size, sha256, body)"
	    " VALUES (1, 1, 1, 0, '', x'')",
	    "INSERT INTO assets (query_id, debtor_id, raw_answer_id, kind, ref)"
	    " VALUES (1, 1, 1, 'gold', 'x')",
	    "INSERT INTO assets (query_id, debtor_id, raw_answer_id, kind, ref)"
	    " VALUES (1, 1, 1, 'fund', 'x')",
	    "INSERT INTO encumbrances (asset_id, kind) VALUES (1, 'lien')",
	    "INSERT INTO leads (query_id, debtor_id, raw_answer_id, kind) VALUES (1, 1, 1, "
	    "'rumour')",
	};
	/* Entries that set up rows for the next ones must pass; the others
	 * must be refused by their CHECK. */
	const int ok[] = {0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		int rc = sqlite3_exec(h, refused[i], NULL, NULL, NULL);
		if (ok[i] && rc != SQLITE_OK)
			fail_msg("%s: %s", refused[i], sqlite3_errmsg(h));
		if (!ok[i] && (rc == SQLITE_OK || strstr(sqlite3_errmsg(h), "CHECK") == NULL))
			fail_msg("not refused by its CHECK: %s (%s)", refused[i],
			         sqlite3_errmsg(h));
	}
	/* The claim's partial index holds planned, retry and waiting queries. */
	assert_int_equal(sql_int(db, "SELECT count(*) FROM queries INDEXED BY queries_claim"
	                             " WHERE state = 'planned' OR state = 'retry'"
	                             " OR state = 'waiting'"),
	                 1);
	sqlite3_close(h);
	ck_test_rmtree(dir);
	free(db);
	free(dir);
}

/* Version 4 adds rounds.report_settled: a report written after its round's
 * last answer is taken as up to date (the count of its ended queries),
 * any other is left to be written once more (NULL). */
static void
version_3_store_learns_what_its_reports_saw(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "v3.db");
	sqlite3 *h = old_store(db, 3);
	assert_int_equal(
	    sqlite3_exec(h,
	                 "PRAGMA user_version = 3;" OLD_STORE_CASE
	                 "INSERT INTO rounds (case_id, round, opened_at, deadline,"
	                 " report_written_at) VALUES (1, 0, 1, 2, 5), (1, 1, 3, 4, NULL)",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);

	struct ck_store *st = open_migrated(db);
	ck_store_close(st);
	assert_int_equal(sql_int(db, "SELECT report_settled FROM rounds WHERE round = 0"), 0);
	assert_int_equal(
	    sql_int(db, "SELECT count(*) FROM rounds WHERE round = 1 AND report_settled IS NULL"),
	    1);
	ck_test_rmtree(dir);
	free(db);
	free(dir);
}

static void
newer_version_is_refused_untouched(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "future.db");
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(h, "CREATE TABLE x(a); PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);

	struct ck_store *st = (struct ck_store *)1;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_store_open(db, &st, err), CK_E_VERSION);
	assert_null(st);
	assert_non_null(strstr(err, "99"));
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(sql_int(db, "PRAGMA user_version"), 99);
	/* Not even the journal mode (kept in the file header) was changed. */
	char *wal = ck_test_path(dir, "future.db-wal");
	struct stat sb;
	assert_int_not_equal(stat(wal, &sb), 0);
	free(wal);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "delete");
	sqlite3_finalize(s);
	sqlite3_close(h);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'cases'"), 0);
	ck_test_rmtree(dir);
	free(db);
	free(dir);
}

static void
import_create_unchanged_update(void **state)
{
	struct fixture *f = *state;
	struct ck_case_rec c = sample_case();
	struct ck_debtor_rec both[] = {zhang, trading};
	struct ck_import_outcome out;
	char err[CK_ERR_SIZE] = "";

	assert_int_equal(ck_store_import_case(f->st, &c, both, 2, "a.csv", 100, &out, err), CK_OK);
	assert_int_equal(out.result, CK_IMPORT_CREATED);
	assert_int_equal(out.debtors_added, 2);

	assert_int_equal(ck_store_import_case(f->st, &c, both, 2, "a.csv", 200, &out, err), CK_OK);
	assert_int_equal(out.result, CK_IMPORT_UNCHANGED);
	long long audit_rows = sql_int(f->db, "SELECT count(*) FROM audit");

	c.amount_owed = 15000000;
	assert_int_equal(ck_store_import_case(f->st, &c, both, 2, "b.csv", 300, &out, err), CK_OK);
	assert_int_equal(out.result, CK_IMPORT_UPDATED);
	assert_int_equal(out.fields_changed, 1);
	assert_int_equal(sql_int(f->db, "SELECT amount_owed FROM cases"), 15000000);
	assert_int_equal(sql_int(f->db, "SELECT updated_at FROM cases"), 300);
	assert_int_equal(sql_int(f->db, "SELECT imported_at FROM cases"), 100);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM audit"), audit_rows + 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'case.updated'"
	                                " AND detail = 'amount_owed' AND actor = 'b.csv'"),
	                 1);
}

struct collected {
	int n, removed;
	char ids[8][32];
};

static int
collect_debtor(void *ctx, const struct ck_debtor_row *d)
{
	struct collected *c = ctx;
	snprintf(c->ids[c->n++], sizeof c->ids[0], "%s", d->id_no);
	c->removed += d->removed;
	return 0;
}

static void
removed_debtor_kept_in_history_and_restored(void **state)
{
	struct fixture *f = *state;
	struct ck_case_rec c = sample_case();
	struct ck_debtor_rec both[] = {zhang, trading};
	struct ck_import_outcome out;
	assert_int_equal(ck_store_import_case(f->st, &c, both, 2, "a", 1, &out, NULL), CK_OK);

	assert_int_equal(ck_store_import_case(f->st, &c, &zhang, 1, "b", 2, &out, NULL), CK_OK);
	assert_int_equal(out.result, CK_IMPORT_UPDATED);
	assert_int_equal(out.debtors_removed, 1);

	struct collected now = {0}, all = {0};
	assert_int_equal(ck_store_each_debtor(f->st, c.case_no, 0, collect_debtor, &now, NULL),
	                 CK_OK);
	assert_int_equal(now.n, 1);
	assert_string_equal(now.ids[0], zhang.id_no);
	assert_int_equal(ck_store_each_debtor(f->st, c.case_no, 1, collect_debtor, &all, NULL),
	                 CK_OK);
	assert_int_equal(all.n, 2);
	assert_int_equal(all.removed, 1);
	assert_string_equal(all.ids[1], trading.id_no); /* removed ones come last */

	/* Importing the same again: nothing more to remove. */
	assert_int_equal(ck_store_import_case(f->st, &c, &zhang, 1, "b", 3, &out, NULL), CK_OK);
	assert_int_equal(out.result, CK_IMPORT_UNCHANGED);

	assert_int_equal(ck_store_import_case(f->st, &c, both, 2, "c", 4, &out, NULL), CK_OK);
	assert_int_equal(out.result, CK_IMPORT_UPDATED);
	assert_int_equal(out.debtors_added, 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM debtors WHERE removed_at IS NULL"),
	                 2);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM debtors"), 2);
	assert_int_equal(
	    sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'debtor.restored'"), 1);
}

static void
failed_import_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct ck_case_rec c = sample_case();
	struct ck_debtor_rec twice[] = {zhang, zhang}; /* violates UNIQUE(case, id) */
	struct ck_import_outcome out;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_store_import_case(f->st, &c, twice, 2, "a", 1, &out, err), CK_E_STORE);
	assert_non_null(strstr(err, "UNIQUE"));
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cases"), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM debtors"), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM audit"), 0);
	assert_int_equal(ck_store_import_case(f->st, &c, NULL, 0, "a", 1, &out, NULL),
	                 CK_E_INVALID);

	/* In a batch, a failing case rolls back alone. */
	assert_int_equal(ck_store_begin_batch(f->st, NULL), CK_OK);
	assert_int_equal(ck_store_import_case(f->st, &c, twice, 2, "a", 1, &out, NULL), CK_E_STORE);
	struct ck_case_rec other = sample_case();
	other.case_no = "(2024)苏1283执1235号";
	assert_int_equal(ck_store_import_case(f->st, &other, &zhang, 1, "a", 1, &out, NULL), CK_OK);
	assert_int_equal(ck_store_commit_batch(f->st, NULL), CK_OK);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM debtors"), 1);
	assert_int_equal(ck_store_commit_batch(f->st, NULL), CK_E_USAGE);
}

/* A whole batch has no savepoint per case: a failing case rolls back the
 * whole batch and closes it; the store goes on outside it. */
static void
whole_batch_fails_whole(void **state)
{
	struct fixture *f = *state;
	struct ck_case_rec c = sample_case();
	struct ck_case_rec other = sample_case();
	other.case_no = "(2024)苏1283执1235号";
	struct ck_debtor_rec twice[] = {zhang, zhang}; /* violates UNIQUE(case, id) */
	struct ck_import_outcome out;
	char err[CK_ERR_SIZE] = "";

	assert_int_equal(ck_store_begin_whole_batch(f->st, NULL), CK_OK);
	assert_true(ck_store_in_batch(f->st));
	assert_int_equal(ck_store_begin_batch(f->st, NULL), CK_E_USAGE);
	assert_int_equal(ck_store_import_case(f->st, &other, &zhang, 1, "a", 1, &out, NULL), CK_OK);
	assert_int_equal(ck_store_import_case(f->st, &c, twice, 2, "a", 1, &out, err), CK_E_STORE);
	assert_non_null(strstr(err, "UNIQUE"));
	assert_false(ck_store_in_batch(f->st));
	assert_int_equal(ck_store_commit_batch(f->st, NULL), CK_E_USAGE);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cases"), 0);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM audit"), 0);

	/* A refused case (no debtor) ends the batch the same way. */
	assert_int_equal(ck_store_begin_whole_batch(f->st, NULL), CK_OK);
	assert_int_equal(ck_store_import_case(f->st, &other, &zhang, 1, "a", 1, &out, NULL), CK_OK);
	assert_int_equal(ck_store_import_case(f->st, &c, NULL, 0, "a", 1, &out, NULL),
	                 CK_E_INVALID);
	assert_false(ck_store_in_batch(f->st));
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cases"), 0);

	/* Rolled back on request; then committed whole. */
	assert_int_equal(ck_store_begin_whole_batch(f->st, NULL), CK_OK);
	assert_int_equal(ck_store_import_case(f->st, &other, &zhang, 1, "a", 1, &out, NULL), CK_OK);
	ck_store_rollback_batch(f->st);
	assert_false(ck_store_in_batch(f->st));
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cases"), 0);
	assert_int_equal(ck_store_begin_whole_batch(f->st, NULL), CK_OK);
	assert_int_equal(ck_store_import_case(f->st, &other, &zhang, 1, "a", 1, &out, NULL), CK_OK);
	assert_int_equal(out.result, CK_IMPORT_CREATED);
	struct ck_debtor_rec both[] = {zhang, trading};
	assert_int_equal(ck_store_import_case(f->st, &c, both, 2, "a", 1, &out, NULL), CK_OK);
	assert_int_equal(ck_store_commit_batch(f->st, NULL), CK_OK);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cases"), 2);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM debtors"), 3);
	/* One audit row per case created, naming its debtors. */
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM audit"), 2);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'case.created'"
	                                " AND detail = '320102198001011238, 91321283MA1MX8K2PW'"
	                                " AND subject IS NULL"),
	                 1);

	/* Outside a batch, a failing case rolls back alone as before. */
	struct ck_case_rec third = sample_case();
	third.case_no = "(2024)苏1283执1236号";
	assert_int_equal(ck_store_import_case(f->st, &third, twice, 2, "b", 2, &out, NULL),
	                 CK_E_STORE);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM cases"), 2);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM debtors"), 3);

	/* Bulk loading changes settings only. */
	assert_int_equal(ck_store_bulk_begin(f->st, NULL), CK_OK);
	assert_int_equal(ck_store_import_case(f->st, &c, &zhang, 1, "c", 3, &out, NULL), CK_OK);
	assert_int_equal(out.debtors_removed, 1);
	ck_store_bulk_end(f->st);
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM debtors WHERE removed_at = 3"), 1);
}

static int
count_case(void *ctx, const struct ck_case_row *row)
{
	(void)row;
	(*(int *)ctx)++;
	return 0;
}

static void
listing_filters_by_status(void **state)
{
	struct fixture *f = *state;
	struct ck_case_rec a = sample_case(), b = sample_case();
	b.case_no = "(2023)苏1283执988号";
	b.status = CK_CASE_TERMINATED;
	b.terminated_on = 19663;
	struct ck_import_outcome out;
	assert_int_equal(ck_store_import_case(f->st, &a, &zhang, 1, "x", 1, &out, NULL), CK_OK);
	assert_int_equal(ck_store_import_case(f->st, &b, &trading, 1, "x", 1, &out, NULL), CK_OK);
	int all = 0, terminated = 0, closed = 0;
	assert_int_equal(ck_store_each_case(f->st, 0, count_case, &all, NULL), CK_OK);
	assert_int_equal(
	    ck_store_each_case(f->st, CK_CASE_TERMINATED, count_case, &terminated, NULL), CK_OK);
	assert_int_equal(ck_store_each_case(f->st, CK_CASE_CLOSED, count_case, &closed, NULL),
	                 CK_OK);
	assert_int_equal(all, 2);
	assert_int_equal(terminated, 1);
	assert_int_equal(closed, 0);
	char err[CK_ERR_SIZE] = "";
	struct collected none = {0};
	assert_int_equal(
	    ck_store_each_debtor(f->st, "(2020)苏1283执1号", 1, collect_debtor, &none, err),
	    CK_E_NOTFOUND);
}

static void
audit_trail_is_append_only(void **state)
{
	struct fixture *f = *state;
	struct ck_case_rec c = sample_case();
	struct ck_import_outcome out;
	assert_int_equal(ck_store_import_case(f->st, &c, &zhang, 1, "x", 1, &out, NULL), CK_OK);
	sqlite3 *h;
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "UPDATE audit SET actor = 'me'", NULL, NULL, NULL),
	                     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	/* The case's creation, naming its debtor. */
	assert_int_equal(sql_int(f->db, "SELECT count(*) FROM audit WHERE actor = 'x'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(new_store_is_private_and_current, setup, teardown),
	    cmocka_unit_test(loose_store_is_made_private),
	    cmocka_unit_test(empty_file_is_migrated),
	    cmocka_unit_test(newer_version_is_refused_untouched),
	    cmocka_unit_test(version_3_store_learns_what_its_reports_saw),
	    cmocka_unit_test(version_1_store_loses_its_in_lists_not_its_constraints),
	    cmocka_unit_test_setup_teardown(version_4_store_loses_the_debtor_number_index, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(version_2_store_loses_two_unread_indexes, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(import_create_unchanged_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(removed_debtor_kept_in_history_and_restored, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(failed_import_leaves_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(whole_batch_fails_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(listing_filters_by_status, setup, teardown),
	    cmocka_unit_test_setup_teardown(audit_trail_is_append_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
