/* SPDX-License-Identifier: MIT */
/*
 * store.c: opening and migrating the SQLite store (store.h), and what the
 * store's verbs share (store_internal.h): the statement cache, error
 * messages, units of work and batches, the audit trail.  The verbs live in
 * store_cases.c (filings) and store_queries.c (inquiries).
 *
 * Bound text is SQLITE_STATIC throughout: inputs are borrowed for the call,
 * which covers every step of the statements they are bound to.
 */
#include "chakong/store.h"
#include "chakong/error.h"
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Shared by the verbs ------------------------------------------------ */

static const char SQL_AUDIT_INSERT[] =
    "INSERT INTO audit (at, actor, action, case_no, subject, institution_id, query_id, detail)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

int
ck_store_db_fail(struct ck_store *st, char *err, const char *what)
{
	return ck_fail(err, CK_E_STORE, "store %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

sqlite3_stmt *
ck_store_stmt(struct ck_store *st, const char *sql, char *err)
{
	size_t i = 0;
	while (i < st->n_stmts && st->stmts[i].sql != sql)
		i++;
	if (i < st->n_stmts) {
		sqlite3_reset(st->stmts[i].stmt);
		sqlite3_clear_bindings(st->stmts[i].stmt);
		return st->stmts[i].stmt;
	}
	/* Found by the address of its SQL text: each file keeps its statements
	 * as static arrays. */
	if (i == sizeof st->stmts / sizeof st->stmts[0]) {
		ck_fail(err, CK_E_STORE, "store %s: statement cache full", st->path);
		return NULL;
	}
	sqlite3_stmt *s;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		ck_store_db_fail(st, err, "preparing a statement");
		return NULL;
	}
	st->stmts[st->n_stmts].sql = sql;
	st->stmts[st->n_stmts].stmt = s;
	st->n_stmts++;
	return s;
}

int
ck_store_exec(struct ck_store *st, const char *sql, char *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return ck_store_db_fail(st, err, sql);
	return CK_OK;
}

int
ck_store_step_done(struct ck_store *st, sqlite3_stmt *s, char *err, const char *what)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return ck_store_db_fail(st, err, what);
	return CK_OK;
}

const char *
ck_store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? (const char *)t : "";
}

int
ck_store_audit(struct ck_store *st, const struct ck_audit_rec *a, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_AUDIT_INSERT, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, a->at);
	sqlite3_bind_text(s, 2, a->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, a->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, a->institution_id, -1, SQLITE_STATIC);
	if (a->query_id > 0)
		sqlite3_bind_int64(s, 7, a->query_id);
	sqlite3_bind_text(s, 8, a->detail, -1, SQLITE_STATIC);
	return ck_store_step_done(st, s, err, "writing the audit trail");
}

/* ---- Opening and migration -------------------------------------------- */

static int
user_version(struct ck_store *st, int *version, char *err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return ck_store_db_fail(st, err, "reading the schema version");
	int rc = sqlite3_step(s);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return ck_store_db_fail(st, err, "reading the schema version");
	return CK_OK;
}

/* Migrates the file forward; *ran is set when a migration was applied (the
 * connection then holds the definitions it read before, see
 * ck_store_open). */
static int
migrate(struct ck_store *st, int *ran, char *err)
{
	*ran = 0;
	int version;
	int rc = user_version(st, &version, err);
	if (rc != CK_OK)
		return rc;
	/* Version 2 rewrites definitions in sqlite_schema, which a connection
	 * in defensive mode (a build may default to it) refuses. */
	if (version < ck_store_migration_count)
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 0, (int *)NULL);
	while (version < ck_store_migration_count) {
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d", version + 1);
		rc = ck_store_exec(st, "BEGIN IMMEDIATE", err);
		if (rc != CK_OK)
			return rc;
		/* Re-read inside the write lock: another process may have
		 * migrated the file while we waited for it. */
		int now_version;
		rc = user_version(st, &now_version, err);
		if (rc == CK_OK && now_version == version) {
			const char *const *step = ck_store_migrations[version];
			for (; rc == CK_OK && *step != NULL; step++)
				rc = ck_store_exec(st, *step, err);
			if (rc == CK_OK)
				rc = ck_store_exec(st, bump, err);
		}
		if (rc != CK_OK) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		rc = ck_store_exec(st, "COMMIT", err);
		if (rc != CK_OK)
			return rc;
		*ran = 1;
		rc = user_version(st, &version, err);
		if (rc != CK_OK)
			return rc;
	}
	return CK_OK;
}

/* Reads the store's random name, minting it on first open.  It comes from
 * the kernel's random source: it must differ between stores, and nothing
 * else in a store depends on it, so tests stay deterministic. */
static int
load_store_id(struct ck_store *st, char *err)
{
	static const char get[] = "SELECT value FROM meta WHERE key = 'store_id'";
	static const char put[] = "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?1)";
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_stmt *s = ck_store_stmt(st, get, err);
		if (s == NULL)
			return CK_E_STORE;
		if (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(st->store_id, sizeof st->store_id, "%s", ck_store_col_text(s, 0));
			sqlite3_reset(s);
			return CK_OK;
		}
		sqlite3_reset(s);
		unsigned char bytes[6];
		if (getrandom(bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes)
			return ck_fail(err, CK_E_IO, "store %s: no random bytes for its id: %s",
			               st->path, strerror(errno));
		char hex[2 * sizeof bytes + 1];
		for (size_t i = 0; i < sizeof bytes; i++)
			snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
		s = ck_store_stmt(st, put, err);
		if (s == NULL)
			return CK_E_STORE;
		sqlite3_bind_text(s, 1, hex, -1, SQLITE_STATIC);
		int rc = ck_store_step_done(st, s, err, "minting the store id");
		if (rc != CK_OK)
			return rc;
	}
	return ck_fail(err, CK_E_STORE, "store %s: cannot read its id", st->path);
}

/* Makes an open file private (0600) if group or others may touch it. */
static int
tighten(int fd, const char *path, char *err)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		return ck_fail(err, CK_E_IO, "cannot stat store %s: %s", path, strerror(errno));
	if ((sb.st_mode & 077) != 0 && fchmod(fd, 0600) != 0)
		return ck_fail(err, CK_E_IO,
		               "store %s is readable by others (mode %04o) and cannot be made "
		               "private: %s",
		               path, (unsigned)(sb.st_mode & 07777), strerror(errno));
	return CK_OK;
}

/* Creates the file with mode 0600 before SQLite sees it: SQLite would use
 * 0644 (less the umask), and its -wal and -shm files copy the mode of the
 * database file.  A store (or a -wal or -shm file left by a crash) that
 * someone made readable by others is made private again: it holds
 * personal data. */
static int
create_private(const char *path, char *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return ck_fail(err, CK_E_IO, "cannot open store %s: %s", path, strerror(errno));
	int rc = tighten(fd, path, err);
	close(fd);
	static const char *const suffixes[] = {"-wal", "-shm"};
	for (size_t i = 0; rc == CK_OK && i < 2; i++) {
		char side[4096];
		if ((size_t)snprintf(side, sizeof side, "%s%s", path, suffixes[i]) >= sizeof side)
			break;
		fd = open(side, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue; /* none yet: SQLite creates it with the store's mode */
		rc = tighten(fd, side, err);
		close(fd);
	}
	return rc;
}

static int
connect(struct ck_store *st, char *err)
{
	if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		return ck_fail(err, CK_E_STORE, "cannot open store %s: %s", st->path,
		               st->db ? sqlite3_errmsg(st->db) : "out of memory");
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 10000);
	return CK_OK;
}

/* The connection's settings (the journal mode lives in the file). */
static int
settings(struct ck_store *st, char *err)
{
	return ck_store_exec(st, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", err);
}

int
ck_store_open(const char *path, struct ck_store **out, char *err)
{
	*out = NULL;
	int rc = create_private(path, err);
	if (rc != CK_OK)
		return rc;
	struct ck_store *st = calloc(1, sizeof *st);
	if (st != NULL)
		st->run_lock = -1;
	if (st == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		return ck_fail(err, CK_E_NOMEM, "out of memory opening store %s", path);
	}
	rc = connect(st, err);
	if (rc != CK_OK)
		goto fail;
	/* A file from a newer chakong is refused before anything (even the
	 * journal mode, which lives in the file header) is written to it. */
	int version;
	rc = user_version(st, &version, err);
	if (rc == CK_OK && version > ck_store_migration_count)
		rc = ck_fail(err, CK_E_VERSION,
		             "store %s has schema version %d, written by a newer chakong; "
		             "this program knows versions up to %d and will not touch it",
		             st->path, version, ck_store_migration_count);
	if (rc != CK_OK)
		goto fail;
	/* WAL lets readers (reports, status) run beside the nightly writer.
	 * synchronous=NORMAL in WAL mode survives any process crash; a power
	 * loss can lose the last transactions but never corrupts, and every
	 * lost step is redone idempotently (same RequestId). */
	rc = ck_store_exec(st, "PRAGMA journal_mode = WAL", err);
	if (rc == CK_OK)
		rc = settings(st, err);
	int migrated = 0;
	if (rc == CK_OK)
		rc = migrate(st, &migrated, err);
	/* A migration that rewrote definitions in place leaves this connection
	 * with the ones it had parsed: a new connection reads the new ones. */
	if (rc == CK_OK && migrated) {
		sqlite3_close(st->db);
		st->db = NULL;
		rc = connect(st, err);
		if (rc == CK_OK)
			rc = settings(st, err);
	}
	if (rc == CK_OK)
		rc = load_store_id(st, err);
	if (rc != CK_OK)
		goto fail;
	*out = st;
	return CK_OK;
fail:
	ck_store_close(st);
	return rc;
}

void
ck_store_close(struct ck_store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n_stmts; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	if (st->run_lock >= 0)
		close(st->run_lock); /* releases the lock */
	ck_store_release_answer_codec(st);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

int
ck_store_version(struct ck_store *st)
{
	int version = -1;
	user_version(st, &version, NULL);
	return version;
}

int
ck_store_integrity_check(struct ck_store *st, char *err)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
		return ck_store_db_fail(st, err, "integrity check");
	int rc = sqlite3_step(s);
	int ok = rc == SQLITE_ROW && strcmp(ck_store_col_text(s, 0), "ok") == 0;
	if (!ok && rc == SQLITE_ROW)
		ck_fail(err, CK_E_STORE, "store %s is damaged: %s", st->path,
		        ck_store_col_text(s, 0));
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return ck_store_db_fail(st, err, "integrity check");
	return ok ? CK_OK : CK_E_STORE;
}

/* ---- The run lock -------------------------------------------------------- */

int
ck_store_lock_runs(struct ck_store *st, char *err)
{
	if (st->run_lock >= 0)
		return CK_OK;
	size_t n = strlen(st->path) + sizeof ".run-lock";
	char *path = malloc(n);
	if (path == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory locking store %s", st->path);
	snprintf(path, n, "%s.run-lock", st->path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int saved = errno;
	free(path);
	if (fd < 0)
		return ck_fail(err, CK_E_IO, "cannot open the run lock of store %s: %s", st->path,
		               strerror(saved));
	/* flock is released by the kernel when the holder dies, however. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		saved = errno;
		close(fd);
		if (saved == EWOULDBLOCK)
			return ck_fail(err, CK_E_AGAIN,
			               "another run or lookup is using store %s; try again when it "
			               "has finished",
			               st->path);
		return ck_fail(err, CK_E_IO, "cannot lock store %s: %s", st->path, strerror(saved));
	}
	st->run_lock = fd;
	return CK_OK;
}

/* ---- Transactions and batches ----------------------------------------- */

/* Transaction control runs several times per query in a run: prepared once
 * like every other statement, not parsed again at each use. */
static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
/* A batch holds many small units, each a savepoint whose first write to a
 * page copies the page into the sub-journal.  Kept in memory, that is a
 * copy; left to SQLite's default, the sub-journal spills to a temporary
 * file past 64 KiB and every later copy in the batch becomes two writes
 * to it (a run spent more time in those writes than in anything else).  A
 * unit touches tens of pages, so memory stays small; statements outside
 * batches (planning a whole round at once) keep the default. */
static const char SQL_JOURNALS_IN_MEMORY[] = "PRAGMA temp_store = MEMORY";
static const char SQL_JOURNALS_DEFAULT[] = "PRAGMA temp_store = DEFAULT";
static const char SQL_SAVEPOINT[] = "SAVEPOINT ck_unit";
static const char SQL_RELEASE[] = "RELEASE ck_unit";

/* The kinds of batch (st->in_batch). */
enum { NO_BATCH = 0, SAVEPOINT_BATCH = 1, WHOLE_BATCH = 2 };

static int
control(struct ck_store *st, const char *sql, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, sql, err);
	return s ? ck_store_step_done(st, s, err, sql) : CK_E_STORE;
}

static int
begin_batch(struct ck_store *st, int kind, char *err)
{
	if (st->in_batch != NO_BATCH)
		return ck_fail(err, CK_E_USAGE, "store %s: a batch is already open", st->path);
	/* temp_store cannot change inside a transaction: before BEGIN.  (A
	 * whole batch opens no savepoint, but SQLite may still keep statement
	 * journals for single statements.) */
	int rc = control(st, SQL_JOURNALS_IN_MEMORY, err);
	if (rc == CK_OK)
		rc = control(st, SQL_BEGIN, err);
	if (rc == CK_OK)
		st->in_batch = kind;
	else
		control(st, SQL_JOURNALS_DEFAULT, NULL);
	return rc;
}

int
ck_store_begin_batch(struct ck_store *st, char *err)
{
	return begin_batch(st, SAVEPOINT_BATCH, err);
}

int
ck_store_begin_whole_batch(struct ck_store *st, char *err)
{
	return begin_batch(st, WHOLE_BATCH, err);
}

int
ck_store_in_batch(const struct ck_store *st)
{
	return st->in_batch != NO_BATCH;
}

int
ck_store_commit_batch(struct ck_store *st, char *err)
{
	if (st->in_batch == NO_BATCH)
		return ck_fail(err, CK_E_USAGE, "store %s: no batch is open", st->path);
	st->in_batch = NO_BATCH;
	int rc = control(st, SQL_COMMIT, err);
	if (rc != CK_OK)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	int back = control(st, SQL_JOURNALS_DEFAULT, err);
	return rc != CK_OK ? rc : back;
}

/* Bulk loading: see store.h.  SQLite's defaults are a cache of 2 MiB
 * (-2000) and a checkpoint every 1000 pages. */
static const char SQL_BULK_ON[] = "PRAGMA cache_size = -32768";
static const char SQL_BULK_CHECKPOINTS[] = "PRAGMA wal_autocheckpoint = 20000";
static const char SQL_BULK_OFF[] = "PRAGMA cache_size = -2000";
static const char SQL_BULK_CHECKPOINTS_OFF[] = "PRAGMA wal_autocheckpoint = 1000";

int
ck_store_bulk_begin(struct ck_store *st, char *err)
{
	int rc = ck_store_exec(st, SQL_BULK_ON, err);
	if (rc == CK_OK)
		rc = ck_store_exec(st, SQL_BULK_CHECKPOINTS, err);
	return rc;
}

void
ck_store_bulk_end(struct ck_store *st)
{
	ck_store_exec(st, SQL_BULK_OFF, NULL);
	ck_store_exec(st, SQL_BULK_CHECKPOINTS_OFF, NULL);
}

void
ck_store_rollback_batch(struct ck_store *st)
{
	if (st->in_batch == NO_BATCH)
		return;
	st->in_batch = NO_BATCH;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	control(st, SQL_JOURNALS_DEFAULT, NULL);
}

/* A unit of work: its own transaction, a savepoint inside a batch, nothing
 * of its own inside a whole batch. */
int
ck_store_unit_begin(struct ck_store *st, char *err)
{
	switch (st->in_batch) {
	case SAVEPOINT_BATCH: return control(st, SQL_SAVEPOINT, err);
	case WHOLE_BATCH: return CK_OK;
	default: return control(st, SQL_BEGIN, err);
	}
}

int
ck_store_unit_end(struct ck_store *st, int rc, char *err)
{
	if (rc == CK_OK) {
		if (st->in_batch == WHOLE_BATCH)
			return CK_OK;
		rc = control(st, st->in_batch == SAVEPOINT_BATCH ? SQL_RELEASE : SQL_COMMIT, err);
		if (rc == CK_OK)
			return CK_OK;
	}
	switch (st->in_batch) {
	case SAVEPOINT_BATCH:
		sqlite3_exec(st->db, "ROLLBACK TO ck_unit; RELEASE ck_unit", NULL, NULL, NULL);
		break;
	case WHOLE_BATCH:
		/* SQLite may have rolled back already (after an I/O error or a
		 * full disk): then this ROLLBACK has nothing to do. */
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		st->in_batch = NO_BATCH;
		control(st, SQL_JOURNALS_DEFAULT, NULL);
		break;
	default: sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL); break;
	}
	return rc;
}
