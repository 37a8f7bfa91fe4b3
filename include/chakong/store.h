/* SPDX-License-Identifier: MIT */
/*
 * store.h: the SQLite store, the single source of truth of chakong.
 *
 * Every SQL statement of the program lives behind this header (src/store.c
 * and its schema file src/store_schema.c); callers speak in verbs on domain
 * objects and never see SQL text, so that a second implementation (for
 * example over PostgreSQL) can stand behind the same interface.
 *
 * Guarantees
 * - The database file is created with mode 0600 (its -wal and -shm files
 *   inherit that mode); it runs in WAL mode with foreign keys enforced.
 * - The schema is versioned with PRAGMA user_version.  Opening a file of an
 *   older version migrates it forward, one version at a time, each step in
 *   its own transaction; a file written by a newer chakong is refused with
 *   CK_E_VERSION and left untouched.
 * - Statements are prepared once per store and reused; nothing is ever built
 *   from input text.
 * - Each verb that changes several rows does so in one transaction (or one
 *   savepoint inside the caller's transaction, see ck_store_begin_batch()).
 *
 * Ownership: struct ck_store is allocated by ck_store_open() and freed by
 * ck_store_close().  Input records are borrowed for the duration of a call.
 * Rows passed to callbacks are borrowed and valid only during the callback.
 * A store is used by one thread at a time.
 */
#ifndef CHAKONG_STORE_H
#define CHAKONG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "chakong/adapter.h"
#include "chakong/ids.h"

/* The schema version this build writes (PRAGMA user_version). */
#define CK_STORE_VERSION 5

struct ck_store;

/* Opens (creating if needed, mode 0600) and migrates the store at path. */
int ck_store_open(const char *path, struct ck_store **out, char *err);
void ck_store_close(struct ck_store *st);

/* The schema version of the open file (after migration: CK_STORE_VERSION). */
int ck_store_version(struct ck_store *st);

/* Runs PRAGMA integrity_check: CK_OK when SQLite answers "ok". */
int ck_store_integrity_check(struct ck_store *st, char *err);

/*
 * Takes the store's run lock (an advisory lock on PATH.run-lock, released
 * when the store is closed or the process dies, however it dies): one run
 * or lookup at a time sends queries.  CK_E_AGAIN when another holds it.
 */
int ck_store_lock_runs(struct ck_store *st, char *err);

/*
 * Batches.  Importing many cases one transaction each would pay one commit
 * per case; a batch wraps many per-case savepoints in one transaction.  A
 * verb that fails inside a batch rolls back only its own savepoint, so each
 * case is still all-or-nothing; ck_store_commit_batch() makes the batch
 * durable.  Outside a batch each verb commits on its own.
 */
int ck_store_begin_batch(struct ck_store *st, char *err);
int ck_store_commit_batch(struct ck_store *st, char *err);

/*
 * Whole batches, for a caller that checks its input completely before
 * writing it, so that a verb can fail only on the store itself (disk full,
 * an I/O error), which ends the caller's work anyway.  The verbs inside take
 * no savepoint of their own (a savepoint copies every page its verb touches:
 * a third of an import's instructions), and the batch is all or nothing: a
 * verb that returns an error has rolled back the whole batch, which is then
 * closed (ck_store_commit_batch() would answer CK_E_USAGE).  Otherwise
 * ck_store_commit_batch() makes it durable.  A process killed at any moment
 * leaves the store as it was before the batch or after it.
 */
int ck_store_begin_whole_batch(struct ck_store *st, char *err);

/* Ends the open batch (of either kind) without keeping any of it. */
void ck_store_rollback_batch(struct ck_store *st);

/*
 * Bulk loading, for whole batches of thousands of cases (an import): until
 * ck_store_bulk_end(), a page cache of 32 MiB instead of 2, so that the
 * index pages a batch dirties (the debtors' identifiers come in no order,
 * each to a page of its own) stay in memory until the batch commits
 * instead of being written out and read back; and a checkpoint every
 * 20 000 pages of WAL (80 MiB) instead of 1 000, so that an index page
 * rewritten by many batches is copied into the database once rather than
 * after each.  Durability is the same: each batch is one commit.
 */
int ck_store_bulk_begin(struct ck_store *st, char *err);
void ck_store_bulk_end(struct ck_store *st);

/* Whether a batch (of either kind) is open. */
int ck_store_in_batch(const struct ck_store *st);

enum ck_case_status {
	CK_CASE_ACTIVE = 1,     /* queried on filing */
	CK_CASE_TERMINATED = 2, /* 终结本次执行: re-queried every six months for five years */
	CK_CASE_CLOSED = 3      /* kept for history and reports; no new inquiries */
};

/* "active", "terminated", "closed"; NULL for anything else. */
const char *ck_case_status_name(enum ck_case_status status);
/* Parses the English names; 0 when unknown. */
enum ck_case_status ck_case_status_parse(const char *text);

/* "person" or "org". */
const char *ck_subject_kind_name(enum ck_subject_kind kind);

/* A case as a filing states it.  All strings are UTF-8, borrowed. */
struct ck_case_rec {
	const char *case_no;    /* normalised (ck_ids_parse_case_no) */
	const char *court_code; /* e.g. "苏1283" */
	const char *court_name;
	int64_t filed_at;     /* UTC epoch seconds */
	int filed_offset_min; /* the offset it was filed with, for display */
	const char *officer;
	int64_t amount_owed; /* hundredths of CNY, > 0 */
	enum ck_case_status status;
	int64_t terminated_on; /* days since 1970-01-01; only when TERMINATED */
};

struct ck_debtor_rec {
	enum ck_subject_kind kind;
	const char *name;
	const char *id_no; /* normalised 18-character identifier */
};

enum ck_import_result {
	CK_IMPORT_CREATED = 1,  /* the case was new */
	CK_IMPORT_UPDATED = 2,  /* it existed and something changed */
	CK_IMPORT_UNCHANGED = 3 /* it existed exactly like this */
};

struct ck_import_outcome {
	enum ck_import_result result;
	int debtors_added;   /* new to the case, or back after a removal */
	int debtors_removed; /* in the store but no longer in the filing */
	int fields_changed;  /* case fields or debtor names that changed */
};

/*
 * Imports one case with its complete list of debtors: creates it, or
 * updates it to equal the filing.  A debtor missing from the list is kept
 * with its removal time (history) and no longer counts as a debtor of the
 * case; a debtor who comes back is restored.  Every change is written to the
 * audit trail with `source` (e.g. the file name) as its origin and `now` as
 * its time.  All or nothing: on failure nothing of this case changed.
 */
int ck_store_import_case(struct ck_store *st, const struct ck_case_rec *c,
                         const struct ck_debtor_rec *debtors, size_t n_debtors, const char *source,
                         int64_t now, struct ck_import_outcome *out, char *err);

/* A case as stored, for listings.  Strings borrowed for the callback. */
struct ck_case_row {
	const char *case_no;
	const char *court_code;
	const char *court_name;
	int64_t filed_at;
	int filed_offset_min;
	const char *officer;
	int64_t amount_owed;
	enum ck_case_status status;
	int has_terminated_on;
	int64_t terminated_on;
	int debtors;         /* current debtors (removed ones not counted) */
	int64_t imported_at; /* first import */
	int64_t updated_at;  /* last change */
};

/* Callbacks return 0 to go on, anything else to stop (returned as is). */
typedef int (*ck_case_fn)(void *ctx, const struct ck_case_row *row);

/* Calls fn for each case, ordered by filing time then case number;
 * status 0 means every status. */
int ck_store_each_case(struct ck_store *st, enum ck_case_status status, ck_case_fn fn, void *ctx,
                       char *err);

/* Calls fn once with the case (normalised case number); CK_E_NOTFOUND when
 * the store has no such case. */
int ck_store_find_case(struct ck_store *st, const char *case_no, ck_case_fn fn, void *ctx,
                       char *err);

struct ck_debtor_row {
	int64_t row; /* the debtor's row id, as other calls name it */
	enum ck_subject_kind kind;
	const char *name;
	const char *id_no;
	int64_t added_at;
	int removed; /* 1 when no longer a debtor of the case */
	int64_t removed_at;
};

typedef int (*ck_debtor_fn)(void *ctx, const struct ck_debtor_row *row);

/* Calls fn for each debtor of the case (current first, in filing order,
 * then removed ones); CK_E_NOTFOUND when there is no such case. */
int ck_store_each_debtor(struct ck_store *st, const char *case_no, int include_removed,
                         ck_debtor_fn fn, void *ctx, char *err);

/* ---- Institutions and inquiries (store_queries.c) ---------------------- */

/* A configured institution, as the scheduler knows it. */
struct ck_institution_rec {
	const char *id;   /* [a-z0-9_-], unique */
	const char *kind; /* ck_kind_name() */
	const char *name;
	const char *district; /* real estate, else NULL */
	const char *base_url;
	int persons_only; /* organisations are not applicable (social insurance) */
};

/*
 * Makes the store's institutions those configured: each is added or
 * updated and enabled; every other one stays for history, disabled (no new
 * queries are planned for it).  One transaction.
 */
int ck_store_sync_institutions(struct ck_store *st, const struct ck_institution_rec *list, size_t n,
                               int64_t now, char *err);

/* Enables or disables one institution until the next sync (a run stops an
 * institution that refuses our credentials this way). */
int ck_store_set_enabled(struct ck_store *st, const char *id, int enabled, char *err);

enum ck_query_state {
	CK_Q_PLANNED = 1,    /* minted, never sent */
	CK_Q_IN_FLIGHT,      /* claimed by a scheduler until lease_until */
	CK_Q_ANSWERED,       /* FOUND, NOT_FOUND or SUBJECT_MISMATCH: terminal */
	CK_Q_WAITING,        /* a ticket to poll at due_at */
	CK_Q_RETRY,          /* to send again at due_at, same RequestId */
	CK_Q_FAILED,         /* terminal, with a reason */
	CK_Q_NOT_APPLICABLE, /* terminal: never sent (an organisation at social insurance,
	                        a debtor removed, a case closed) */
	CK_Q_STATE_COUNT_
};

const char *ck_query_state_name(enum ck_query_state state);
enum ck_query_state ck_query_state_parse(const char *name);

struct ck_plan_stats {
	int rounds_opened;
	int queries_planned;
	int not_applicable; /* planned straight into not_applicable */
	int cancelled;      /* unsent queries of removed debtors and closed cases */
};

/*
 * Plans what is due at `now`: round 0 for every active case that has none;
 * for a terminated case, round k (k = 1..10) once now has passed
 * terminated_on + 6k months and no round >= k exists (missed rounds are not
 * made up: the latest due one is opened); then, for the latest round of
 * every active or terminated case, one query per current debtor and enabled
 * institution that has none yet, its RequestId minted once.  Unsent queries
 * of removed debtors and of closed cases are cancelled.  One transaction.
 */
int ck_store_plan(struct ck_store *st, int64_t now, struct ck_plan_stats *out, char *err);

/* in_flight queries whose lease ended before now (every in_flight query
 * when `all`: the caller holds the run lock, so no other run owns one) go
 * back to retry, due now: what a killed run had sent is sent again under
 * the same RequestId. */
int ck_store_recover_leases(struct ck_store *st, int64_t now, int all, int *recovered, char *err);

/* A claimed query, borrowed for the callback. */
struct ck_claim {
	int64_t query_id;
	const char *request_id;
	const char *institution_id;
	int round;
	enum ck_query_state was; /* planned, retry or waiting */
	const char *ticket;      /* NULL unless waiting */
	int attempts;            /* every exchange so far, polls and pages included */
	int failures;            /* attempts that ended in retry: the retry budget's count */
	int64_t deadline;
	int64_t submitted_at; /* 0 when never accepted */
	const char *case_no;
	const char *court_code;
	const char *court_name;
	const char *officer;
	enum ck_subject_kind subject_kind;
	const char *subject_name;
	const char *subject_id;
};

typedef int (*ck_claim_fn)(void *ctx, const struct ck_claim *claim);

/*
 * Claims up to `limit` queries of one institution that are due at `now`
 * (planned, retry or waiting with due_at <= now), earliest deadline first,
 * only those of the debtor row only_debtor unless it is 0: each becomes
 * in_flight until lease_until, then fn sees it (fn must not call the store:
 * the claim's transaction is open).  *claimed gets the count.
 */
int ck_store_claim(struct ck_store *st, const char *institution_id, int64_t only_debtor,
                   int64_t now, int64_t lease_until, int limit, ck_claim_fn fn, void *ctx,
                   int *claimed, char *err);

/* One HTTP exchange of a query, as the attempts table keeps it. */
struct ck_attempt_rec {
	const char *kind; /* "submit", "poll", "page" */
	int64_t started_ms;
	int64_t duration_ms;
	int http_status;         /* 0 when none came */
	const char *error_class; /* NULL, or TIMEOUT, TRANSPORT, TLS, TOO_BIG, ... */
	const char *detail;
};

/* A body received: stored zlib-compressed with the SHA-256 of its bytes. */
struct ck_raw_rec {
	const char *content_type;
	const void *body;
	size_t len;
	int rejected; /* hostile, malformed, wrong subject: kept for audit only */
	const char *reject_reason;
};

/* Where a query goes after an attempt. */
struct ck_query_result {
	enum ck_query_state state; /* ANSWERED, WAITING, RETRY, FAILED, NOT_APPLICABLE */
	const char *outcome;       /* ANSWERED: "FOUND", "NOT_FOUND" or "SUBJECT_MISMATCH" */
	const char *reason;        /* FAILED (and RETRY, for the record) */
	const char *detail;
	const char *ticket; /* WAITING: the ticket to poll (NULL: submit again) */
	int64_t due_at;     /* WAITING, RETRY: when to act next */
	int accepted;       /* the institution accepted a submission (sets submitted_at) */
	int aborted;        /* RETRY: we stopped waiting (the run ended): not counted against
	                       the retry budget */
	const struct ck_outcome *records; /* ANSWERED FOUND: the assets and leads to keep */
};

/*
 * Records an attempt of a claimed query (with its raw answer when raw is
 * not NULL) and moves the query to result->state, storing its records,
 * all in one transaction.  result NULL records the attempt only and keeps
 * the query in flight (a page of a paginated answer), extending its lease
 * to lease_until.  *raw_id (may be NULL) gets the raw answer's row id.
 */
int ck_store_finish(struct ck_store *st, int64_t query_id, const struct ck_attempt_rec *attempt,
                    const struct ck_raw_rec *raw, const struct ck_query_result *result, int64_t now,
                    int64_t lease_until, char *err);

/* The earliest due_at of a query still to be sent or polled at an enabled
 * institution (only of the debtor row only_debtor unless it is 0); *any is
 * 0 when there is none. */
int ck_store_next_due(struct ck_store *st, int64_t only_debtor, int64_t *when, int *any, char *err);

/* An institution's record and recent health, borrowed for the callback. */
struct ck_institution_health {
	const char *id, *kind, *name;
	int enabled;                   /* configured at the last run */
	int answered, failed, pending; /* queries, all time */
	int attempts;                  /* HTTP exchanges since the window's start */
	int64_t p50_ms, p95_ms;        /* their latency (0 when none) */
};

typedef int (*ck_health_fn)(void *ctx, const struct ck_institution_health *h);

/* Calls fn for every institution the store knows, enabled ones first, with
 * latency over the attempts started since since_ms (epoch milliseconds). */
int ck_store_each_institution(struct ck_store *st, int64_t since_ms, ck_health_fn fn, void *ctx,
                              char *err);

/* ---- One debtor's results (lookup) -------------------------------------- */

struct ck_debtor_ref {
	int64_t debtor_row;
	enum ck_case_status case_status;
	int removed; /* no longer a debtor of the case */
};

/* Finds the debtor with this identifier in the case; CK_E_NOTFOUND when the
 * case does not exist or does not name the debtor. */
int ck_store_find_debtor(struct ck_store *st, const char *case_no, const char *id_no,
                         struct ck_debtor_ref *out, char *err);

/* A query of the debtor's latest round, borrowed for the callback; strings
 * are "" when not set. */
struct ck_query_row {
	const char *institution_id, *institution_name, *kind;
	int round;
	enum ck_query_state state;
	const char *outcome, *reason, *detail, *ticket;
	int64_t submitted_at; /* 0 when never accepted */
	int attempts;
	int n_assets, n_leads;
};

typedef int (*ck_query_row_fn)(void *ctx, const struct ck_query_row *row);

int ck_store_each_query_of_debtor(struct ck_store *st, int64_t debtor_row, ck_query_row_fn fn,
                                  void *ctx, char *err);

/* An asset found in the debtor's latest round, borrowed for the callback. */
struct ck_asset_row {
	const char *institution_id;
	const char *kind, *ref, *subtype, *currency, *status;
	int has_book;
	int64_t book;
	int has_available;
	int64_t available;
	int64_t enforceable;
	int liability;
	int n_encumbrances;
};

typedef int (*ck_asset_row_fn)(void *ctx, const struct ck_asset_row *row);

int ck_store_each_asset_of_debtor(struct ck_store *st, int64_t debtor_row, ck_asset_row_fn fn,
                                  void *ctx, char *err);

/* Counts of queries by state (indexed by enum ck_query_state). */
int ck_store_count_states(struct ck_store *st, int counts[CK_Q_STATE_COUNT_], char *err);

/* ---- What reports read (store_report.c) ---------------------------------- */

/* An inquiry round of a case. */
struct ck_round_row {
	int round;
	int64_t opened_at, deadline;
	int open_queries;          /* queries not yet terminal */
	int64_t last_finished_at;  /* the latest end of one of its queries; 0 when none */
	int64_t report_written_at; /* 0 when never */
};

typedef int (*ck_round_fn)(void *ctx, const struct ck_round_row *row);

/* Calls fn for each round of the case, oldest first (none when no round
 * was opened yet); CK_E_NOTFOUND when there is no such case. */
int ck_store_each_round(struct ck_store *st, const char *case_no, ck_round_fn fn, void *ctx,
                        char *err);

/* An institution the store knows, borrowed for the callback. */
struct ck_institution_row {
	const char *id, *kind, *name, *district; /* district "" when none */
	int enabled;
	int persons_only;
};

typedef int (*ck_institution_fn)(void *ctx, const struct ck_institution_row *row);

/* Every institution, ordered by kind (bank, realestate, vehicle,
 * socialsec, ecommerce) then id. */
int ck_store_each_known_institution(struct ck_store *st, ck_institution_fn fn, void *ctx,
                                    char *err);

/* A query of a round, borrowed for the callback; strings "" when not set. */
struct ck_round_query_row {
	int64_t debtor_row;
	const char *institution_id, *request_id;
	enum ck_query_state state;
	const char *outcome, *reason, *detail, *ticket;
	int64_t created_at, submitted_at, finished_at; /* 0 when not set */
	int attempts;
	int n_assets, n_leads;
};

typedef int (*ck_round_query_fn)(void *ctx, const struct ck_round_query_row *row);

/* The queries of the case's round, by debtor then institution kind and id. */
int ck_store_each_query_of_round(struct ck_store *st, const char *case_no, int round,
                                 ck_round_query_fn fn, void *ctx, char *err);

/* A stored asset, borrowed for the callback; strings "" when not set. */
struct ck_stored_asset {
	int64_t id, debtor_row, raw_answer_id;
	const char *institution_id;
	const char *kind, *ref, *subtype, *currency, *status, *detail;
	int has_book;
	int64_t book;
	int has_available;
	int64_t available;
	int64_t enforceable;
	int liability;
};

typedef int (*ck_stored_asset_fn)(void *ctx, const struct ck_stored_asset *row);

/* The assets found in the case's round, by debtor, kind (deposit, wealth,
 * realestate, vehicle, wallet, fund), institution and ref. */
int ck_store_each_asset_of_round(struct ck_store *st, const char *case_no, int round,
                                 ck_stored_asset_fn fn, void *ctx, char *err);

struct ck_stored_encumbrance {
	int64_t asset_id;
	const char *kind, *authority, *ref, *currency, *detail;
	int seq; /* 0 when not set */
	int has_amount;
	int64_t amount;
	int has_starts_on, has_ends_on;
	int64_t starts_on, ends_on; /* days */
};

typedef int (*ck_stored_encumbrance_fn)(void *ctx, const struct ck_stored_encumbrance *row);

/* The encumbrances of the round's assets, by asset, kind (freeze, seizure,
 * mortgage) and queue position. */
int ck_store_each_encumbrance_of_round(struct ck_store *st, const char *case_no, int round,
                                       ck_stored_encumbrance_fn fn, void *ctx, char *err);

struct ck_stored_lead {
	int64_t debtor_row;
	const char *institution_id;
	const char *kind, *label, *code, *currency, *detail;
	int has_amount;
	int64_t amount;
};

typedef int (*ck_stored_lead_fn)(void *ctx, const struct ck_stored_lead *row);

/* The leads found in the case's round, by debtor, kind and institution. */
int ck_store_each_lead_of_round(struct ck_store *st, const char *case_no, int round,
                                ck_stored_lead_fn fn, void *ctx, char *err);

/* The top-level members of a JSON object text (a record's detail), in
 * order: type is 's' text, 'i' integer, 'r' real, 'b' boolean ("1"/"0"),
 * 'n' null, 'j' an array or object as JSON text. */
typedef int (*ck_json_field_fn)(void *ctx, const char *key, char type, const char *value);
int ck_store_json_fields(struct ck_store *st, const char *json, ck_json_field_fn fn, void *ctx,
                         char *err);

/* A round whose report is to be written (or written again). */
typedef int (*ck_report_due_fn)(void *ctx, const char *case_no, int round);

/* The latest round of every case whose report is due at `now`: never
 * written and either complete or past its deadline; or written before its
 * deadline passed while incomplete; or written before one of its queries
 * ended (a late answer).  By deadline. */
int ck_store_each_report_due(struct ck_store *st, int64_t now, ck_report_due_fn fn, void *ctx,
                             char *err);

/* Records that the round's report was written at `at`. */
int ck_store_report_written(struct ck_store *st, const char *case_no, int round, int64_t at,
                            char *err);

/* The latest round of a case, counted by query state. */
struct ck_round_status {
	const char *case_no;
	int round;
	int64_t deadline;
	int64_t report_written_at; /* 0 when never */
	int queries;
	int by_state[CK_Q_STATE_COUNT_]; /* indexed by enum ck_query_state */
};

typedef int (*ck_round_status_fn)(void *ctx, const struct ck_round_status *row);

/* The latest round of every case (or of case_no only, when not NULL), by
 * deadline. */
int ck_store_each_round_status(struct ck_store *st, const char *case_no, ck_round_status_fn fn,
                               void *ctx, char *err);

#endif
