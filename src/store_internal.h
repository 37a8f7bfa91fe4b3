/* SPDX-License-Identifier: MIT */
/*
 * store_internal.h: what the store's files (store.c, store_cases.c,
 * store_queries.c, store_schema.c) share and nothing else may see.
 */
#ifndef CHAKONG_STORE_INTERNAL_H
#define CHAKONG_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

struct ck_store;

/* Forward migrations (store_schema.c): ck_store_migrations[v] takes a file
 * from version v to v + 1, a NULL-terminated list of statements. */
extern const char *const *const ck_store_migrations[];
extern const int ck_store_migration_count;

struct ck_store_cached {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct ck_store {
	sqlite3 *db;
	char *path;
	char store_id[17]; /* random, minted with the file: salts RequestIds */
	struct ck_store_cached stmts[128];
	size_t n_stmts;
	/* 0: no batch; else the kind of the open batch (a batch of
	 * savepoints, or a whole one: store.c) */
	int in_batch;
	int run_lock; /* file descriptor of the held run lock, -1 when none */
	/* Keeping raw answers (store_queries.c): one output buffer for the
	 * compressed bytes, and the SHA-256 implementation fetched once with
	 * one digest context, instead of a fetch and a context per answer.
	 * NULL until the first answer. */
	unsigned char *zbuf;
	size_t zbuf_cap;
	EVP_MD *sha256;
	EVP_MD_CTX *md;
};

/* Releases the raw answers' buffer and digest (store_queries.c). */
void ck_store_release_answer_codec(struct ck_store *st);

/* The prepared statement for sql (a static array: its address is the key),
 * reset with bindings cleared; NULL after writing err. */
sqlite3_stmt *ck_store_stmt(struct ck_store *st, const char *sql, char *err);

/* Writes "store PATH: WHAT: sqlite's message" into err; returns CK_E_STORE. */
int ck_store_db_fail(struct ck_store *st, char *err, const char *what);
int ck_store_exec(struct ck_store *st, const char *sql, char *err);
/* Steps a statement that returns no rows, and resets it. */
int ck_store_step_done(struct ck_store *st, sqlite3_stmt *s, char *err, const char *what);
/* Column text, "" for NULL. */
const char *ck_store_col_text(sqlite3_stmt *s, int i);

/* A unit of work: its own transaction, a savepoint inside a batch, or
 * nothing of its own inside a whole batch.  ck_store_unit_end() commits
 * (releases) when rc is CK_OK, else rolls back the unit (the whole batch
 * and closes it, inside a whole batch); returns the final code. */
int ck_store_unit_begin(struct ck_store *st, char *err);
int ck_store_unit_end(struct ck_store *st, int rc, char *err);

struct ck_audit_rec {
	int64_t at;
	const char *actor;
	const char *action;
	const char *case_no;        /* or NULL */
	const char *subject;        /* or NULL */
	const char *institution_id; /* or NULL */
	int64_t query_id;           /* 0 when none */
	const char *detail;         /* or NULL */
};

int ck_store_audit(struct ck_store *st, const struct ck_audit_rec *a, char *err);

#endif
