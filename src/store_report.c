/* SPDX-License-Identifier: MIT */
/*
 * store_report.c: what reports read from the store (rounds, queries,
 * assets, encumbrances, leads of one round of a case) and when they are
 * due.  Read-only except ck_store_report_written().
 */
#include <sqlite3.h>
#include <string.h>

#include "chakong/error.h"
#include "chakong/store.h"
#include "store_internal.h"

/* The case's id; CK_E_NOTFOUND when there is none. */
static const char SQL_CASE_ID[] = "SELECT id FROM cases WHERE case_no = ?1";

static int
case_id(struct ck_store *st, const char *case_no, int64_t *id, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_CASE_ID, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_text(s, 1, case_no, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return CK_OK;
	if (rc == SQLITE_DONE)
		return ck_fail(err, CK_E_NOTFOUND, "no case %s in the store", case_no);
	return ck_store_db_fail(st, err, "finding a case");
}

/* The caller's callback, whichever kind of row it takes. */
union callback {
	ck_round_fn round;
	ck_institution_fn institution;
	ck_round_query_fn query;
	ck_stored_asset_fn asset;
	ck_stored_encumbrance_fn encumbrance;
	ck_stored_lead_fn lead;
};

/* Runs a prepared statement row by row: each row goes to `row`, which
 * reads the statement and calls the caller's callback. */
typedef int (*row_fn)(sqlite3_stmt *s, union callback fn, void *ctx);

static int
each_row(struct ck_store *st, sqlite3_stmt *s, row_fn row, union callback fn, void *ctx, char *err,
         const char *what)
{
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = row(s, fn, ctx);
	sqlite3_reset(s);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return ck_store_db_fail(st, err, what);
	return CK_OK;
}

/* Binds the case and round of a per-round statement (?1 case id, ?2 round). */
static sqlite3_stmt *
round_stmt(struct ck_store *st, const char *sql, const char *case_no, int round, int *rc, char *err)
{
	int64_t id = 0;
	*rc = case_id(st, case_no, &id, err);
	if (*rc != CK_OK)
		return NULL;
	sqlite3_stmt *s = ck_store_stmt(st, sql, err);
	if (s == NULL) {
		*rc = CK_E_STORE;
		return NULL;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, round);
	return s;
}

static int64_t
col_int_or_0(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, i);
}

/* ---- Rounds ---------------------------------------------------------------- */

static const char SQL_ROUNDS[] =
    "SELECT r.round, r.opened_at, r.deadline, r.report_written_at,"
    " (SELECT count(*) FROM queries q WHERE q.case_id = r.case_id AND q.round = r.round"
    "   AND q.state NOT IN ('answered', 'failed', 'not_applicable')),"
    " (SELECT max(finished_at) FROM queries q WHERE q.case_id = r.case_id"
    "   AND q.round = r.round)"
    " FROM rounds r WHERE r.case_id = ?1 ORDER BY r.round";

static int
round_row(sqlite3_stmt *s, union callback fn, void *ctx)
{
	struct ck_round_row row = {
	    .round = sqlite3_column_int(s, 0),
	    .opened_at = sqlite3_column_int64(s, 1),
	    .deadline = sqlite3_column_int64(s, 2),
	    .report_written_at = col_int_or_0(s, 3),
	    .open_queries = sqlite3_column_int(s, 4),
	    .last_finished_at = col_int_or_0(s, 5),
	};
	return fn.round(ctx, &row);
}

int
ck_store_each_round(struct ck_store *st, const char *case_no, ck_round_fn fn, void *ctx, char *err)
{
	int rc;
	sqlite3_stmt *s = round_stmt(st, SQL_ROUNDS, case_no, 0, &rc, err);
	if (s == NULL)
		return rc;
	return each_row(st, s, round_row, (union callback){.round = fn}, ctx, err,
	                "listing rounds");
}

/* ---- Institutions ---------------------------------------------------------- */

/* The order every report lists kinds in: the channels' order. */
#define KIND_ORDER(col)                                                                            \
	" CASE " col " WHEN 'bank' THEN 0 WHEN 'realestate' THEN 1 WHEN 'vehicle' THEN 2"          \
	" WHEN 'socialsec' THEN 3 ELSE 4 END"

static const char SQL_INSTITUTIONS[] =
    "SELECT id, kind, name, ifnull(district, ''), enabled, persons_only FROM institutions"
    " ORDER BY" KIND_ORDER("kind") ", id";

static int
institution_row(sqlite3_stmt *s, union callback fn, void *ctx)
{
	struct ck_institution_row row = {
	    .id = ck_store_col_text(s, 0),
	    .kind = ck_store_col_text(s, 1),
	    .name = ck_store_col_text(s, 2),
	    .district = ck_store_col_text(s, 3),
	    .enabled = sqlite3_column_int(s, 4),
	    .persons_only = sqlite3_column_int(s, 5),
	};
	return fn.institution(ctx, &row);
}

int
ck_store_each_known_institution(struct ck_store *st, ck_institution_fn fn, void *ctx, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_INSTITUTIONS, err);
	if (s == NULL)
		return CK_E_STORE;
	return each_row(st, s, institution_row, (union callback){.institution = fn}, ctx, err,
	                "listing institutions");
}

/* ---- Queries of a round ---------------------------------------------------- */

static const char SQL_ROUND_QUERIES[] =
    "SELECT q.debtor_id, q.institution_id, q.request_id, q.state, ifnull(q.outcome, ''),"
    " ifnull(q.reason, ''), ifnull(q.reason_detail, ''), ifnull(q.ticket, ''), q.created_at,"
    " q.submitted_at, q.finished_at, q.attempts,"
    " (SELECT count(*) FROM assets a WHERE a.query_id = q.id),"
    " (SELECT count(*) FROM leads l WHERE l.query_id = q.id)"
    " FROM queries q JOIN debtors d ON d.id = q.debtor_id"
    " JOIN institutions i ON i.id = q.institution_id"
    " WHERE q.case_id = ?1 AND q.round = ?2"
    " ORDER BY d.position," KIND_ORDER("i.kind") ", q.institution_id";

static int
round_query_row(sqlite3_stmt *s, union callback fn, void *ctx)
{
	struct ck_round_query_row row = {
	    .debtor_row = sqlite3_column_int64(s, 0),
	    .institution_id = ck_store_col_text(s, 1),
	    .request_id = ck_store_col_text(s, 2),
	    .state = ck_query_state_parse(ck_store_col_text(s, 3)),
	    .outcome = ck_store_col_text(s, 4),
	    .reason = ck_store_col_text(s, 5),
	    .detail = ck_store_col_text(s, 6),
	    .ticket = ck_store_col_text(s, 7),
	    .created_at = col_int_or_0(s, 8),
	    .submitted_at = col_int_or_0(s, 9),
	    .finished_at = col_int_or_0(s, 10),
	    .attempts = sqlite3_column_int(s, 11),
	    .n_assets = sqlite3_column_int(s, 12),
	    .n_leads = sqlite3_column_int(s, 13),
	};
	return fn.query(ctx, &row);
}

int
ck_store_each_query_of_round(struct ck_store *st, const char *case_no, int round,
                             ck_round_query_fn fn, void *ctx, char *err)
{
	int rc;
	sqlite3_stmt *s = round_stmt(st, SQL_ROUND_QUERIES, case_no, round, &rc, err);
	if (s == NULL)
		return rc;
	return each_row(st, s, round_query_row, (union callback){.query = fn}, ctx, err,
	                "listing a round's queries");
}

/* ---- Records of a round ---------------------------------------------------- */

/* Records belong to answered queries only (a rejected or mismatched answer
 * stores none), so no state filter is needed. */
static const char SQL_ROUND_ASSETS[] =
    "SELECT a.id, a.debtor_id, a.raw_answer_id, q.institution_id, a.kind, a.ref,"
    " ifnull(a.subtype, ''), ifnull(a.currency, ''), ifnull(a.status, ''), a.detail, a.book,"
    " a.available, a.enforceable, a.liability"
    " FROM assets a JOIN queries q ON q.id = a.query_id JOIN debtors d ON d.id = a.debtor_id"
    " WHERE q.case_id = ?1 AND q.round = ?2"
    " ORDER BY d.position, CASE a.kind WHEN 'deposit' THEN 0 WHEN 'wealth' THEN 1"
    " WHEN 'realestate' THEN 2 WHEN 'vehicle' THEN 3 WHEN 'wallet' THEN 4 ELSE 5 END,"
    " q.institution_id, a.ref, a.id";

static int
asset_row(sqlite3_stmt *s, union callback fn, void *ctx)
{
	struct ck_stored_asset row = {
	    .id = sqlite3_column_int64(s, 0),
	    .debtor_row = sqlite3_column_int64(s, 1),
	    .raw_answer_id = sqlite3_column_int64(s, 2),
	    .institution_id = ck_store_col_text(s, 3),
	    .kind = ck_store_col_text(s, 4),
	    .ref = ck_store_col_text(s, 5),
	    .subtype = ck_store_col_text(s, 6),
	    .currency = ck_store_col_text(s, 7),
	    .status = ck_store_col_text(s, 8),
	    .detail = ck_store_col_text(s, 9),
	    .has_book = sqlite3_column_type(s, 10) != SQLITE_NULL,
	    .book = sqlite3_column_int64(s, 10),
	    .has_available = sqlite3_column_type(s, 11) != SQLITE_NULL,
	    .available = sqlite3_column_int64(s, 11),
	    .enforceable = sqlite3_column_int64(s, 12),
	    .liability = sqlite3_column_int(s, 13),
	};
	return fn.asset(ctx, &row);
}

int
ck_store_each_asset_of_round(struct ck_store *st, const char *case_no, int round,
                             ck_stored_asset_fn fn, void *ctx, char *err)
{
	int rc;
	sqlite3_stmt *s = round_stmt(st, SQL_ROUND_ASSETS, case_no, round, &rc, err);
	if (s == NULL)
		return rc;
	return each_row(st, s, asset_row, (union callback){.asset = fn}, ctx, err,
	                "listing a round's assets");
}

static const char SQL_ROUND_ENCUMBRANCES[] =
    "SELECT e.asset_id, e.kind, ifnull(e.authority, ''), ifnull(e.ref, ''),"
    " ifnull(e.currency, ''), e.detail, e.seq, e.amount, e.starts_on, e.ends_on"
    " FROM encumbrances e JOIN assets a ON a.id = e.asset_id"
    " JOIN queries q ON q.id = a.query_id WHERE q.case_id = ?1 AND q.round = ?2"
    " ORDER BY e.asset_id, CASE e.kind WHEN 'freeze' THEN 0 WHEN 'seizure' THEN 1 ELSE 2 END,"
    " e.seq IS NULL, e.seq, e.id";

static int
encumbrance_row(sqlite3_stmt *s, union callback fn, void *ctx)
{
	struct ck_stored_encumbrance row = {
	    .asset_id = sqlite3_column_int64(s, 0),
	    .kind = ck_store_col_text(s, 1),
	    .authority = ck_store_col_text(s, 2),
	    .ref = ck_store_col_text(s, 3),
	    .currency = ck_store_col_text(s, 4),
	    .detail = ck_store_col_text(s, 5),
	    .seq = (int)col_int_or_0(s, 6),
	    .has_amount = sqlite3_column_type(s, 7) != SQLITE_NULL,
	    .amount = sqlite3_column_int64(s, 7),
	    .has_starts_on = sqlite3_column_type(s, 8) != SQLITE_NULL,
	    .starts_on = sqlite3_column_int64(s, 8),
	    .has_ends_on = sqlite3_column_type(s, 9) != SQLITE_NULL,
	    .ends_on = sqlite3_column_int64(s, 9),
	};
	return fn.encumbrance(ctx, &row);
}

int
ck_store_each_encumbrance_of_round(struct ck_store *st, const char *case_no, int round,
                                   ck_stored_encumbrance_fn fn, void *ctx, char *err)
{
	int rc;
	sqlite3_stmt *s = round_stmt(st, SQL_ROUND_ENCUMBRANCES, case_no, round, &rc, err);
	if (s == NULL)
		return rc;
	return each_row(st, s, encumbrance_row, (union callback){.encumbrance = fn}, ctx, err,
	                "listing a round's encumbrances");
}

static const char SQL_ROUND_LEADS[] =
    "SELECT l.debtor_id, q.institution_id, l.kind, ifnull(l.label, ''), ifnull(l.code, ''),"
    " ifnull(l.currency, ''), l.detail, l.amount"
    " FROM leads l JOIN queries q ON q.id = l.query_id JOIN debtors d ON d.id = l.debtor_id"
    " WHERE q.case_id = ?1 AND q.round = ?2"
    " ORDER BY d.position, CASE l.kind WHEN 'employer' THEN 0 WHEN 'pension' THEN 1"
    " WHEN 'bound_card' THEN 2 WHEN 'address' THEN 3 ELSE 4 END, q.institution_id, l.id";

static int
lead_row(sqlite3_stmt *s, union callback fn, void *ctx)
{
	struct ck_stored_lead row = {
	    .debtor_row = sqlite3_column_int64(s, 0),
	    .institution_id = ck_store_col_text(s, 1),
	    .kind = ck_store_col_text(s, 2),
	    .label = ck_store_col_text(s, 3),
	    .code = ck_store_col_text(s, 4),
	    .currency = ck_store_col_text(s, 5),
	    .detail = ck_store_col_text(s, 6),
	    .has_amount = sqlite3_column_type(s, 7) != SQLITE_NULL,
	    .amount = sqlite3_column_int64(s, 7),
	};
	return fn.lead(ctx, &row);
}

int
ck_store_each_lead_of_round(struct ck_store *st, const char *case_no, int round,
                            ck_stored_lead_fn fn, void *ctx, char *err)
{
	int rc;
	sqlite3_stmt *s = round_stmt(st, SQL_ROUND_LEADS, case_no, round, &rc, err);
	if (s == NULL)
		return rc;
	return each_row(st, s, lead_row, (union callback){.lead = fn}, ctx, err,
	                "listing a round's leads");
}

/* ---- Details ----------------------------------------------------------------- */

static const char SQL_JSON_FIELDS[] = "SELECT key, type, CASE WHEN type IN ('object', 'array')"
                                      " THEN json(value) ELSE value END FROM json_each(?1)";

int
ck_store_json_fields(struct ck_store *st, const char *json, ck_json_field_fn fn, void *ctx,
                     char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_JSON_FIELDS, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *type = ck_store_col_text(s, 1);
		char t = strcmp(type, "text") == 0      ? 's'
		         : strcmp(type, "integer") == 0 ? 'i'
		         : strcmp(type, "real") == 0    ? 'r'
		         : strcmp(type, "true") == 0    ? 'b'
		         : strcmp(type, "false") == 0   ? 'b'
		         : strcmp(type, "null") == 0    ? 'n'
		                                        : 'j';
		const char *value =
		    t == 'b' ? (type[0] == 't' ? "1" : "0") : ck_store_col_text(s, 2);
		stop = fn(ctx, ck_store_col_text(s, 0), t, value);
	}
	sqlite3_reset(s);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return ck_store_db_fail(st, err, "reading a record's detail");
	return CK_OK;
}

/* ---- When reports are due -------------------------------------------------- */

/* The latest round of each case with its state; a report is due when it
 * was never written and the round is complete or past its deadline, or it
 * was written before the deadline passed on an incomplete round, or a
 * query of the round has ended since it was written (more have ended than
 * had then: an ended query never reopens). */
static const char SQL_REPORTS_DUE[] =
    "SELECT case_no, round FROM ("
    " SELECT c.case_no, r.round, r.deadline, r.report_written_at AS written,"
    "  r.report_settled AS settled_then,"
    "  (SELECT count(*) FROM queries q WHERE q.case_id = r.case_id AND q.round = r.round"
    "    AND q.state NOT IN ('answered', 'failed', 'not_applicable')) AS open,"
    "  (SELECT count(*) FROM queries q WHERE q.case_id = r.case_id AND q.round = r.round) AS n"
    " FROM rounds r JOIN cases c ON c.id = r.case_id"
    " WHERE r.round = (SELECT max(round) FROM rounds r2 WHERE r2.case_id = r.case_id))"
    " WHERE n > 0 AND ("
    "  (written IS NULL AND (open = 0 OR deadline <= ?1))"
    "  OR (written IS NOT NULL AND open > 0 AND written < deadline AND deadline <= ?1)"
    "  OR (written IS NOT NULL AND n - open > ifnull(settled_then, -1)))"
    " ORDER BY deadline, case_no";

int
ck_store_each_report_due(struct ck_store *st, int64_t now, ck_report_due_fn fn, void *ctx,
                         char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_REPORTS_DUE, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, now);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = fn(ctx, ck_store_col_text(s, 0), sqlite3_column_int(s, 1));
	sqlite3_reset(s);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return ck_store_db_fail(st, err, "listing the reports due");
	return CK_OK;
}

static const char SQL_REPORT_WRITTEN[] =
    "UPDATE rounds SET report_written_at = ?3,"
    " report_settled = (SELECT count(*) FROM queries q WHERE q.case_id = ?1 AND q.round = ?2"
    "  AND q.state IN ('answered', 'failed', 'not_applicable')),"
    " completed_at = CASE WHEN (SELECT count(*) FROM queries q WHERE q.case_id = ?1"
    "   AND q.round = ?2 AND q.state NOT IN ('answered', 'failed', 'not_applicable')) = 0"
    "  THEN ifnull(completed_at, (SELECT max(finished_at) FROM queries q"
    "   WHERE q.case_id = ?1 AND q.round = ?2)) END"
    " WHERE case_id = ?1 AND round = ?2";

int
ck_store_report_written(struct ck_store *st, const char *case_no, int round, int64_t at, char *err)
{
	int rc;
	sqlite3_stmt *s = round_stmt(st, SQL_REPORT_WRITTEN, case_no, round, &rc, err);
	if (s == NULL)
		return rc;
	sqlite3_bind_int64(s, 3, at);
	return ck_store_step_done(st, s, err, "recording a written report");
}

/* ---- Status ------------------------------------------------------------------ */

static const char SQL_ROUND_STATUS[] =
    "SELECT c.case_no, r.round, r.deadline, r.report_written_at,"
    /* in the order of enum ck_query_state */
    " count(q.id), sum(q.state = 'planned'), sum(q.state = 'in_flight'),"
    " sum(q.state = 'answered'), sum(q.state = 'waiting'), sum(q.state = 'retry'),"
    " sum(q.state = 'failed'), sum(q.state = 'not_applicable')"
    " FROM rounds r JOIN cases c ON c.id = r.case_id"
    " LEFT JOIN queries q ON q.case_id = r.case_id AND q.round = r.round"
    " WHERE r.round = (SELECT max(round) FROM rounds r2 WHERE r2.case_id = r.case_id)"
    " AND (?1 IS NULL OR c.case_no = ?1)"
    " GROUP BY r.case_id, r.round ORDER BY r.deadline, c.case_no";

int
ck_store_each_round_status(struct ck_store *st, const char *case_no, ck_round_status_fn fn,
                           void *ctx, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_ROUND_STATUS, err);
	if (s == NULL)
		return CK_E_STORE;
	if (case_no != NULL)
		sqlite3_bind_text(s, 1, case_no, -1, SQLITE_STATIC);
	int rc, stop = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct ck_round_status row = {
		    .case_no = ck_store_col_text(s, 0),
		    .round = sqlite3_column_int(s, 1),
		    .deadline = sqlite3_column_int64(s, 2),
		    .report_written_at = col_int_or_0(s, 3),
		    .queries = sqlite3_column_int(s, 4),
		};
		for (int i = 0; i < CK_Q_STATE_COUNT_ - 1; i++)
			row.by_state[i + 1] = (int)col_int_or_0(s, 5 + i);
		stop = fn(ctx, &row);
	}
	sqlite3_reset(s);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return ck_store_db_fail(st, err, "listing the status of rounds");
	return CK_OK;
}
