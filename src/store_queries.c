/* SPDX-License-Identifier: MIT */
/*
 * store_queries.c: the store's verbs on inquiries (store.h): configured
 * institutions, planning rounds and queries, claiming due queries with a
 * lease, recovering leases after a crash, and finishing an attempt (the
 * attempt, its raw answer, the new state and the records, in one
 * transaction).
 *
 * Sections: names; institutions; planning; claiming; finishing; counts.
 */
#include "chakong/error.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"
#include "store_internal.h"
#include "zpack.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Names --------------------------------------------------------------- */

static const char *const state_names[CK_Q_STATE_COUNT_] = {
    [CK_Q_PLANNED] = "planned",
    [CK_Q_IN_FLIGHT] = "in_flight",
    [CK_Q_ANSWERED] = "answered",
    [CK_Q_WAITING] = "waiting",
    [CK_Q_RETRY] = "retry",
    [CK_Q_FAILED] = "failed",
    [CK_Q_NOT_APPLICABLE] = "not_applicable",
};

const char *
ck_query_state_name(enum ck_query_state state)
{
	return state > 0 && state < CK_Q_STATE_COUNT_ ? state_names[state] : NULL;
}

enum ck_query_state
ck_query_state_parse(const char *name)
{
	for (int s = 1; name != NULL && s < CK_Q_STATE_COUNT_; s++)
		if (strcmp(name, state_names[s]) == 0)
			return (enum ck_query_state)s;
	return 0;
}

/* ---- Institutions ------------------------------------------------------- */

static const char SQL_DISABLE_ALL[] = "UPDATE institutions SET enabled = 0";
static const char SQL_UPSERT_INSTITUTION[] =
    "INSERT INTO institutions (id, kind, name, district, base_url, enabled, persons_only,"
    " first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?7)"
    " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name,"
    " district = excluded.district, base_url = excluded.base_url, enabled = 1,"
    " persons_only = excluded.persons_only, last_seen = excluded.last_seen";

int
ck_store_sync_institutions(struct ck_store *st, const struct ck_institution_rec *list, size_t n,
                           int64_t now, char *err)
{
	int rc = ck_store_unit_begin(st, err);
	if (rc != CK_OK)
		return rc;
	sqlite3_stmt *s = ck_store_stmt(st, SQL_DISABLE_ALL, err);
	rc = s ? ck_store_step_done(st, s, err, "disabling institutions") : CK_E_STORE;
	for (size_t i = 0; rc == CK_OK && i < n; i++) {
		s = ck_store_stmt(st, SQL_UPSERT_INSTITUTION, err);
		if (s == NULL) {
			rc = CK_E_STORE;
			break;
		}
		sqlite3_bind_text(s, 1, list[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, list[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, list[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, list[i].district, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, list[i].base_url, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 6, list[i].persons_only != 0);
		sqlite3_bind_int64(s, 7, now);
		rc = ck_store_step_done(st, s, err, "recording an institution");
	}
	return ck_store_unit_end(st, rc, err);
}

static const char SQL_SET_ENABLED[] = "UPDATE institutions SET enabled = ?2 WHERE id = ?1";

int
ck_store_set_enabled(struct ck_store *st, const char *id, int enabled, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_SET_ENABLED, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, enabled != 0);
	return ck_store_step_done(st, s, err, "enabling an institution");
}

/* ---- Planning ------------------------------------------------------------ */

/* Round 0: the first inquiry of an active case. */
static const char SQL_OPEN_FIRST_ROUNDS[] =
    "INSERT INTO rounds (case_id, round, opened_at, deadline)"
    " SELECT c.id, 0, ?1, c.filed_at + 86400 FROM cases c"
    " WHERE c.status = 'active' AND NOT EXISTS (SELECT 1 FROM rounds r WHERE r.case_id = c.id)";

static const char SQL_TERMINATED[] =
    "SELECT c.id, c.terminated_on, (SELECT max(round) FROM rounds r WHERE r.case_id = c.id)"
    " FROM cases c WHERE c.status = 'terminated'";

static const char SQL_OPEN_ROUND[] = "INSERT INTO rounds (case_id, round, opened_at, deadline)"
                                     " VALUES (?1, ?2, ?3, ?3 + 86400)";

/* Unsent queries of debtors no longer in their case, or of closed cases. */
static const char SQL_CANCEL[] =
    "UPDATE queries SET state = 'not_applicable', lease_until = NULL,"
    " reason = CASE WHEN (SELECT status FROM cases c WHERE c.id = queries.case_id) = 'closed'"
    "  THEN 'CASE_CLOSED' ELSE 'DEBTOR_REMOVED' END,"
    " finished_at = ?1, updated_at = ?1"
    " WHERE state IN ('planned', 'retry', 'waiting') AND ("
    "  EXISTS (SELECT 1 FROM debtors d WHERE d.id = queries.debtor_id"
    "   AND d.removed_at IS NOT NULL)"
    "  OR EXISTS (SELECT 1 FROM cases c WHERE c.id = queries.case_id AND c.status = 'closed'))";

/*
 * The queries of the latest round of every live case, for every current
 * debtor and enabled institution, that do not exist yet: those that do are
 * passed over by their uniqueness (debtor, institution, round), which the
 * insert looks up anyway, rather than by a search of their own (a tenth of
 * planning).  ?3 selects the
 * applicable ones (1) or those that are not (0): organisations asked of a
 * persons-only kind are recorded as not applicable without being sent.
 * The RequestId: the store's id, the debtor, the institution, the round.
 */
static const char SQL_PLAN_QUERIES[] =
    "INSERT INTO queries (request_id, case_id, debtor_id, institution_id, round, state,"
    " reason, due_at, deadline, created_at, updated_at, finished_at)"
    " SELECT ?2 || '-d' || d.id || '-' || i.id || '-r' || r.round, c.id, d.id, i.id, r.round,"
    "  CASE WHEN ?3 THEN 'planned' ELSE 'not_applicable' END,"
    "  CASE WHEN ?3 THEN NULL ELSE 'ORG_NOT_APPLICABLE' END,"
    "  ?1, r.deadline, ?1, ?1, CASE WHEN ?3 THEN NULL ELSE ?1 END"
    " FROM cases c"
    " JOIN rounds r ON r.case_id = c.id"
    "  AND r.round = (SELECT max(round) FROM rounds r2 WHERE r2.case_id = c.id)"
    " JOIN debtors d ON d.case_id = c.id AND d.removed_at IS NULL"
    " JOIN institutions i ON i.enabled = 1"
    " WHERE c.status IN ('active', 'terminated')"
    "  AND (NOT (i.persons_only = 1 AND d.kind = 'org')) = ?3"
    " ON CONFLICT (debtor_id, institution_id, round) DO NOTHING";

/* Start of a date (days since 1970-01-01) in China Standard Time. */
static int64_t
date_start(int64_t days)
{
	return days * 86400 - (int64_t)CK_DEFAULT_OFFSET_MIN * 60;
}

/* The latest re-inquiry round due at now for a case terminated on
 * `terminated_on`: k such that terminated_on + 6k months <= now, at most
 * 10 (five years); 0 when none is due yet. */
static int
due_round(int64_t terminated_on, int64_t now)
{
	int k = 0;
	while (k < 10 && date_start(ck_date_add_months(terminated_on, 6 * (k + 1))) <= now)
		k++;
	return k;
}

static int
open_reinquiry_rounds(struct ck_store *st, int64_t now, int *opened, char *err)
{
	sqlite3_stmt *cases = ck_store_stmt(st, SQL_TERMINATED, err);
	if (cases == NULL)
		return CK_E_STORE;
	int rc = CK_OK, step;
	while (rc == CK_OK && (step = sqlite3_step(cases)) == SQLITE_ROW) {
		int k = due_round(sqlite3_column_int64(cases, 1), now);
		int have = sqlite3_column_type(cases, 2) == SQLITE_NULL
		               ? -1
		               : sqlite3_column_int(cases, 2);
		if (k == 0 || have >= k)
			continue;
		sqlite3_stmt *s = ck_store_stmt(st, SQL_OPEN_ROUND, err);
		if (s == NULL) {
			rc = CK_E_STORE;
			break;
		}
		sqlite3_bind_int64(s, 1, sqlite3_column_int64(cases, 0));
		sqlite3_bind_int(s, 2, k);
		sqlite3_bind_int64(s, 3, now);
		rc = ck_store_step_done(st, s, err, "opening a re-inquiry round");
		*opened += rc == CK_OK;
	}
	if (rc == CK_OK && step != SQLITE_DONE)
		rc = ck_store_db_fail(st, err, "reading terminated cases");
	sqlite3_reset(cases);
	return rc;
}

static int
run_counted(struct ck_store *st, const char *sql, int64_t now, int applicable, int *count,
            char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, sql, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, now);
	if (sql == SQL_PLAN_QUERIES) {
		sqlite3_bind_text(s, 2, st->store_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, applicable);
	}
	int rc = ck_store_step_done(st, s, err, "planning");
	if (rc == CK_OK)
		*count += sqlite3_changes(st->db);
	return rc;
}

int
ck_store_plan(struct ck_store *st, int64_t now, struct ck_plan_stats *out, char *err)
{
	*out = (struct ck_plan_stats){0};
	int rc = ck_store_unit_begin(st, err);
	if (rc == CK_OK)
		rc = run_counted(st, SQL_OPEN_FIRST_ROUNDS, now, 0, &out->rounds_opened, err);
	if (rc == CK_OK)
		rc = open_reinquiry_rounds(st, now, &out->rounds_opened, err);
	if (rc == CK_OK)
		rc = run_counted(st, SQL_CANCEL, now, 0, &out->cancelled, err);
	if (rc == CK_OK)
		rc = run_counted(st, SQL_PLAN_QUERIES, now, 1, &out->queries_planned, err);
	if (rc == CK_OK)
		rc = run_counted(st, SQL_PLAN_QUERIES, now, 0, &out->not_applicable, err);
	return ck_store_unit_end(st, rc, err);
}

/* ---- Claiming ------------------------------------------------------------ */

static const char SQL_RECOVER[] =
    "UPDATE queries SET state = 'retry', due_at = ?1, lease_until = NULL, updated_at = ?1"
    " WHERE state = 'in_flight' AND (?2 OR lease_until < ?1)";

int
ck_store_recover_leases(struct ck_store *st, int64_t now, int all, int *recovered, char *err)
{
	*recovered = 0;
	sqlite3_stmt *s = ck_store_stmt(st, SQL_RECOVER, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, all != 0);
	int rc = ck_store_step_done(st, s, err, "recovering leases");
	if (rc == CK_OK)
		*recovered = sqlite3_changes(st->db);
	return rc;
}

/* The state test is written as the partial index queries_claim writes it
 * (schema version 2), so that SQLite claims through that index. */
static const char SQL_DUE[] =
    "SELECT q.id, q.request_id, q.round, q.state, q.ticket, q.attempts, q.deadline,"
    " ifnull(q.submitted_at, 0), c.case_no, c.court_code, c.court_name, c.officer,"
    " d.kind, d.name, d.id_no, q.failures"
    " FROM queries q JOIN cases c ON c.id = q.case_id JOIN debtors d ON d.id = q.debtor_id"
    " WHERE q.institution_id = ?1"
    " AND (q.state = 'planned' OR q.state = 'retry' OR q.state = 'waiting')"
    " AND q.due_at <= ?2 AND (?4 = 0 OR q.debtor_id = ?4)"
    " ORDER BY q.deadline, q.id LIMIT ?3";

static const char SQL_TAKE[] = "UPDATE queries SET state = 'in_flight', lease_until = ?2,"
                               " updated_at = ?3 WHERE id = ?1";

int
ck_store_claim(struct ck_store *st, const char *institution_id, int64_t only_debtor, int64_t now,
               int64_t lease_until, int limit, ck_claim_fn fn, void *ctx, int *claimed, char *err)
{
	*claimed = 0;
	int rc = ck_store_unit_begin(st, err);
	if (rc != CK_OK)
		return rc;
	sqlite3_stmt *due = ck_store_stmt(st, SQL_DUE, err);
	if (due == NULL)
		return ck_store_unit_end(st, CK_E_STORE, err);
	sqlite3_bind_text(due, 1, institution_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(due, 2, now);
	sqlite3_bind_int(due, 3, limit);
	sqlite3_bind_int64(due, 4, only_debtor);
	int step;
	while (rc == CK_OK && (step = sqlite3_step(due)) == SQLITE_ROW) {
		sqlite3_stmt *take = ck_store_stmt(st, SQL_TAKE, err);
		if (take == NULL) {
			rc = CK_E_STORE;
			break;
		}
		sqlite3_bind_int64(take, 1, sqlite3_column_int64(due, 0));
		sqlite3_bind_int64(take, 2, lease_until);
		sqlite3_bind_int64(take, 3, now);
		rc = ck_store_step_done(st, take, err, "claiming a query");
		if (rc != CK_OK)
			break;
		struct ck_claim c = {
		    .query_id = sqlite3_column_int64(due, 0),
		    .request_id = ck_store_col_text(due, 1),
		    .institution_id = institution_id,
		    .round = sqlite3_column_int(due, 2),
		    .was = ck_query_state_parse(ck_store_col_text(due, 3)),
		    .ticket = sqlite3_column_type(due, 4) == SQLITE_NULL
		                  ? NULL
		                  : ck_store_col_text(due, 4),
		    .attempts = sqlite3_column_int(due, 5),
		    .deadline = sqlite3_column_int64(due, 6),
		    .submitted_at = sqlite3_column_int64(due, 7),
		    .case_no = ck_store_col_text(due, 8),
		    .court_code = ck_store_col_text(due, 9),
		    .court_name = ck_store_col_text(due, 10),
		    .officer = ck_store_col_text(due, 11),
		    .subject_kind = strcmp(ck_store_col_text(due, 12), "org") == 0
		                        ? CK_SUBJECT_ORG
		                        : CK_SUBJECT_PERSON,
		    .subject_name = ck_store_col_text(due, 13),
		    .subject_id = ck_store_col_text(due, 14),
		    .failures = sqlite3_column_int(due, 15),
		};
		(*claimed)++;
		if (fn(ctx, &c) != 0)
			break;
	}
	if (rc == CK_OK && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = ck_store_db_fail(st, err, "finding due queries");
	sqlite3_reset(due);
	return ck_store_unit_end(st, rc, err);
}

/* ---- Finishing ------------------------------------------------------------ */

static const char SQL_ATTEMPT[] =
    "INSERT INTO attempts (query_id, kind, started_at_ms, duration_ms, http_status,"
    " error_class, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

static const char SQL_RAW[] =
    "INSERT INTO raw_answers (attempt_id, query_id, received_at, content_type, size, sha256,"
    " body, rejected, reject_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/* An exchange that keeps the query in flight: a page read (?4 = 0), or a
 * page that failed and will be asked again (?4 = 1, a failure). */
static const char SQL_PAGE[] =
    "UPDATE queries SET attempts = attempts + 1, pages = pages + (1 - ?4),"
    " failures = failures + ?4, lease_until = ?2, updated_at = ?3"
    " WHERE id = ?1 AND state = 'in_flight'";

static const char SQL_MOVE[] =
    "UPDATE queries SET state = ?2, outcome = ?3, reason = ?4, reason_detail = ?5,"
    " ticket = ?6, due_at = ifnull(?7, due_at), attempts = attempts + 1, lease_until = NULL,"
    " failures = failures + (?2 = 'retry' AND NOT ?10),"
    " submitted_at = CASE WHEN ?8 THEN ifnull(submitted_at, ?9) ELSE submitted_at END,"
    " finished_at = CASE WHEN ?11 THEN ?9 END,"
    " updated_at = ?9 WHERE id = ?1 AND state = 'in_flight'";

static const char SQL_WHO[] = "SELECT c.case_no, c.officer, d.id_no, q.institution_id,"
                              " q.debtor_id FROM queries q JOIN cases c ON c.id = q.case_id"
                              " JOIN debtors d ON d.id = q.debtor_id WHERE q.id = ?1";

static const char SQL_ASSET[] =
    "INSERT INTO assets (query_id, debtor_id, raw_answer_id, kind, ref, subtype, currency,"
    " book, available, enforceable, liability, status, detail)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ifnull(?13, '{}'))";

static const char SQL_ENCUMBRANCE[] =
    "INSERT INTO encumbrances (asset_id, kind, authority, ref, seq, amount, currency,"
    " starts_on, ends_on, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
    " ifnull(?10, '{}'))";

static const char SQL_LEAD[] =
    "INSERT INTO leads (query_id, debtor_id, raw_answer_id, kind, label, code, amount,"
    " currency, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ifnull(?9, '{}'))";

static void
bind_text_or_null(sqlite3_stmt *s, int i, const char *text)
{
	if (text != NULL && *text != '\0')
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
}

static void
bind_date(sqlite3_stmt *s, int i, int64_t days)
{
	if (days != CK_NO_DATE)
		sqlite3_bind_int64(s, i, days);
}

static int
insert_attempt(struct ck_store *st, int64_t query_id, const struct ck_attempt_rec *a,
               int64_t *attempt_id, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_ATTEMPT, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, query_id);
	sqlite3_bind_text(s, 2, a->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, a->started_ms);
	sqlite3_bind_int64(s, 4, a->duration_ms);
	if (a->http_status > 0)
		sqlite3_bind_int(s, 5, a->http_status);
	bind_text_or_null(s, 6, a->error_class);
	bind_text_or_null(s, 7, a->detail);
	int rc = ck_store_step_done(st, s, err, "recording an attempt");
	*attempt_id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

/* SHA-256 of data as 64 lower-case hex digits, with the store's digest. */
static int
sha256_hex(struct ck_store *st, const void *data, size_t len, char hex[65])
{
	if (st->sha256 == NULL && (st->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return CK_E_IO;
	if (st->md == NULL && (st->md = EVP_MD_CTX_new()) == NULL)
		return CK_E_NOMEM;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (EVP_DigestInit_ex2(st->md, st->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(st->md, data, len) != 1 ||
	    EVP_DigestFinal_ex(st->md, md, &md_len) != 1 || md_len != 32)
		return CK_E_IO;
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < md_len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * md_len] = '\0';
	return CK_OK;
}

/* The output buffer is kept for the next answer unless an unusually large
 * one made it grow past this. */
#define ZBUF_KEEP ((size_t)1 << 20)

void
ck_store_release_answer_codec(struct ck_store *st)
{
	free(st->zbuf);
	st->zbuf = NULL;
	st->zbuf_cap = 0;
	EVP_MD_CTX_free(st->md);
	st->md = NULL;
	EVP_MD_free(st->sha256);
	st->sha256 = NULL;
}

/* Compresses body into st->zbuf as a zlib stream (zpack.h: one block with
 * the fixed Huffman codes, a tenth larger than zlib's level 1 on the
 * institutions' answers for a sixth of its instructions). */
static int
compress_body(struct ck_store *st, const void *body, size_t len, size_t *packed_len)
{
	size_t bound = ck_zpack_bound(len);
	if (bound > st->zbuf_cap) {
		unsigned char *grown = realloc(st->zbuf, bound);
		if (grown == NULL)
			return CK_E_NOMEM;
		st->zbuf = grown;
		st->zbuf_cap = bound;
	}
	*packed_len = ck_zpack(body, len, st->zbuf, st->zbuf_cap);
	return *packed_len > 0 ? CK_OK : CK_E_TOOBIG;
}

static int
insert_raw(struct ck_store *st, int64_t query_id, int64_t attempt_id, const struct ck_raw_rec *r,
           int64_t now, int64_t *raw_id, char *err)
{
	char hex[65];
	int hrc = sha256_hex(st, r->body, r->len, hex);
	if (hrc != CK_OK)
		return ck_fail(err, hrc, "cannot hash a raw answer");
	size_t packed_len = 0;
	int zrc = compress_body(st, r->body, r->len, &packed_len);
	if (zrc != CK_OK)
		return ck_fail(err, zrc, "cannot compress a raw answer of %zu bytes", r->len);
	const unsigned char *packed = st->zbuf;
	int rc = CK_E_STORE;
	sqlite3_stmt *s = ck_store_stmt(st, SQL_RAW, err);
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, attempt_id);
		sqlite3_bind_int64(s, 2, query_id);
		sqlite3_bind_int64(s, 3, now);
		bind_text_or_null(s, 4, r->content_type);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)r->len);
		sqlite3_bind_text(s, 6, hex, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 7, packed, (int)packed_len, SQLITE_STATIC);
		sqlite3_bind_int(s, 8, r->rejected != 0);
		bind_text_or_null(s, 9, r->reject_reason);
		rc = ck_store_step_done(st, s, err, "keeping a raw answer");
		*raw_id = sqlite3_last_insert_rowid(st->db);
	}
	if (st->zbuf_cap > ZBUF_KEEP) {
		free(st->zbuf);
		st->zbuf = NULL;
		st->zbuf_cap = 0;
	}
	return rc;
}

static int
insert_encumbrances(struct ck_store *st, int64_t asset_id, const struct ck_asset *a, char *err)
{
	int rc = CK_OK;
	for (size_t i = 0; rc == CK_OK && i < a->n_encumbrances; i++) {
		const struct ck_encumbrance *e = &a->encumbrances[i];
		sqlite3_stmt *s = ck_store_stmt(st, SQL_ENCUMBRANCE, err);
		if (s == NULL)
			return CK_E_STORE;
		sqlite3_bind_int64(s, 1, asset_id);
		sqlite3_bind_text(s, 2, ck_encumbrance_kind_name(e->kind), -1, SQLITE_STATIC);
		bind_text_or_null(s, 3, e->authority);
		bind_text_or_null(s, 4, e->ref);
		if (e->seq > 0)
			sqlite3_bind_int(s, 5, e->seq);
		if (e->has_amount)
			sqlite3_bind_int64(s, 6, e->amount);
		bind_text_or_null(s, 7, e->currency);
		bind_date(s, 8, e->starts_on);
		bind_date(s, 9, e->ends_on);
		bind_text_or_null(s, 10, e->detail);
		rc = ck_store_step_done(st, s, err, "storing an encumbrance");
	}
	return rc;
}

static int
insert_records(struct ck_store *st, int64_t query_id, int64_t debtor_id, int64_t raw_id,
               const struct ck_outcome *o, char *err)
{
	/* Nothing to replace: records are stored only with the move to
	 * answered, a final state, and that move (made first) finds the query
	 * in flight, so it has none yet. */
	int rc = CK_OK;
	for (size_t i = 0; rc == CK_OK && i < o->n_assets; i++) {
		const struct ck_asset *a = &o->assets[i];
		sqlite3_stmt *s = ck_store_stmt(st, SQL_ASSET, err);
		if (s == NULL)
			return CK_E_STORE;
		sqlite3_bind_int64(s, 1, query_id);
		sqlite3_bind_int64(s, 2, debtor_id);
		sqlite3_bind_int64(s, 3, raw_id);
		sqlite3_bind_text(s, 4, ck_asset_kind_name(a->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, a->ref ? a->ref : "", -1, SQLITE_STATIC);
		bind_text_or_null(s, 6, a->subtype);
		bind_text_or_null(s, 7, a->currency);
		if (a->has_book)
			sqlite3_bind_int64(s, 8, a->book);
		if (a->has_available)
			sqlite3_bind_int64(s, 9, a->available);
		sqlite3_bind_int64(s, 10, a->enforceable);
		sqlite3_bind_int(s, 11, a->liability != 0);
		bind_text_or_null(s, 12, a->status);
		bind_text_or_null(s, 13, a->detail);
		rc = ck_store_step_done(st, s, err, "storing an asset");
		if (rc == CK_OK)
			rc = insert_encumbrances(st, sqlite3_last_insert_rowid(st->db), a, err);
	}
	for (size_t i = 0; rc == CK_OK && i < o->n_leads; i++) {
		const struct ck_lead *l = &o->leads[i];
		sqlite3_stmt *s = ck_store_stmt(st, SQL_LEAD, err);
		if (s == NULL)
			return CK_E_STORE;
		sqlite3_bind_int64(s, 1, query_id);
		sqlite3_bind_int64(s, 2, debtor_id);
		sqlite3_bind_int64(s, 3, raw_id);
		sqlite3_bind_text(s, 4, ck_lead_kind_name(l->kind), -1, SQLITE_STATIC);
		bind_text_or_null(s, 5, l->label);
		bind_text_or_null(s, 6, l->code);
		if (l->has_amount)
			sqlite3_bind_int64(s, 7, l->amount);
		bind_text_or_null(s, 8, l->currency);
		bind_text_or_null(s, 9, l->detail);
		rc = ck_store_step_done(st, s, err, "storing a lead");
	}
	return rc;
}

/* The audit row of a query reaching `action` (全程留痕): who asked (the
 * officer of the case), about whom, of which institution, and the result;
 * no row when action is NULL.  *debtor_id gets the query's debtor. */
static int
audit_query(struct ck_store *st, int64_t query_id, const char *action, const char *detail,
            int64_t now, int64_t *debtor_id, char *err)
{
	sqlite3_stmt *who = ck_store_stmt(st, SQL_WHO, err);
	if (who == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(who, 1, query_id);
	if (sqlite3_step(who) != SQLITE_ROW) {
		sqlite3_reset(who);
		return ck_store_db_fail(st, err, "finding a query");
	}
	*debtor_id = sqlite3_column_int64(who, 4);
	struct ck_audit_rec a = {
	    .at = now,
	    .actor = ck_store_col_text(who, 1),
	    .action = action,
	    .case_no = ck_store_col_text(who, 0),
	    .subject = ck_store_col_text(who, 2),
	    .institution_id = ck_store_col_text(who, 3),
	    .query_id = query_id,
	    .detail = detail,
	};
	int rc = action ? ck_store_audit(st, &a, err) : CK_OK;
	sqlite3_reset(who);
	return rc;
}

static int
move_query(struct ck_store *st, int64_t query_id, const struct ck_query_result *r, int64_t now,
           char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_MOVE, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, query_id);
	sqlite3_bind_text(s, 2, ck_query_state_name(r->state), -1, SQLITE_STATIC);
	bind_text_or_null(s, 3, r->outcome);
	bind_text_or_null(s, 4, r->reason);
	bind_text_or_null(s, 5, r->detail);
	bind_text_or_null(s, 6, r->ticket);
	if (r->state == CK_Q_WAITING || r->state == CK_Q_RETRY)
		sqlite3_bind_int64(s, 7, r->due_at);
	sqlite3_bind_int(s, 8, r->accepted != 0);
	sqlite3_bind_int64(s, 9, now);
	sqlite3_bind_int(s, 10, r->aborted != 0);
	/* Terminal or not is bound rather than written as `?2 IN (...)`: SQLite
	 * builds a temporary table for each such list at every execution. */
	sqlite3_bind_int(s, 11,
	                 r->state == CK_Q_ANSWERED || r->state == CK_Q_FAILED ||
	                     r->state == CK_Q_NOT_APPLICABLE);
	int rc = ck_store_step_done(st, s, err, "moving a query");
	if (rc == CK_OK && sqlite3_changes(st->db) != 1)
		rc = ck_fail(err, CK_E_STORE, "store %s: query %lld is no longer in flight",
		             st->path, (long long)query_id);
	return rc;
}

static int
keep_paging(struct ck_store *st, int64_t query_id, int failed, int64_t now, int64_t lease_until,
            char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_PAGE, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, query_id);
	sqlite3_bind_int64(s, 2, lease_until);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_int(s, 4, failed != 0);
	int rc = ck_store_step_done(st, s, err, "recording a page");
	if (rc == CK_OK && sqlite3_changes(st->db) != 1)
		rc = ck_fail(err, CK_E_STORE, "store %s: query %lld is no longer in flight",
		             st->path, (long long)query_id);
	return rc;
}

/* The audit action of a move, or NULL when it needs none (retries). */
static const char *
audit_action(const struct ck_query_result *r)
{
	switch (r->state) {
	case CK_Q_ANSWERED: return "query.answered";
	case CK_Q_FAILED: return "query.failed";
	case CK_Q_NOT_APPLICABLE: return "query.not_applicable";
	case CK_Q_WAITING: return r->accepted ? "query.accepted" : NULL;
	default: return NULL;
	}
}

int
ck_store_finish(struct ck_store *st, int64_t query_id, const struct ck_attempt_rec *attempt,
                const struct ck_raw_rec *raw, const struct ck_query_result *result, int64_t now,
                int64_t lease_until, char *err)
{
	int rc = ck_store_unit_begin(st, err);
	if (rc != CK_OK)
		return rc;
	int64_t attempt_id = 0, raw_id = 0, debtor_id = 0;
	rc = insert_attempt(st, query_id, attempt, &attempt_id, err);
	if (rc == CK_OK && raw != NULL)
		rc = insert_raw(st, query_id, attempt_id, raw, now, &raw_id, err);
	if (rc == CK_OK && result == NULL)
		rc = keep_paging(st, query_id,
		                 attempt->error_class != NULL || attempt->http_status >= 400, now,
		                 lease_until, err);
	if (rc == CK_OK && result != NULL)
		rc = move_query(st, query_id, result, now, err);
	if (rc == CK_OK && result != NULL) {
		/* The audit keeps the outcome, or the reason and its detail. */
		char detail[CK_DETAIL_BUF + CK_REASON_BUF + 2];
		snprintf(detail, sizeof detail, "%s%s%s",
		         result->outcome  ? result->outcome
		         : result->reason ? result->reason
		                          : "",
		         result->detail ? ": " : "", result->detail ? result->detail : "");
		rc = audit_query(st, query_id, audit_action(result), detail, now, &debtor_id, err);
	}
	if (rc == CK_OK && result != NULL && result->state == CK_Q_ANSWERED &&
	    result->records != NULL && (result->records->n_assets || result->records->n_leads)) {
		if (raw_id == 0)
			rc = ck_fail(err, CK_E_USAGE,
			             "records without the raw answer they came from");
		else
			rc = insert_records(st, query_id, debtor_id, raw_id, result->records, err);
	}
	return ck_store_unit_end(st, rc, err);
}

/* ---- Counts ---------------------------------------------------------------- */

static const char SQL_COUNT_STATES[] = "SELECT state, count(*) FROM queries GROUP BY state";

int
ck_store_count_states(struct ck_store *st, int counts[CK_Q_STATE_COUNT_], char *err)
{
	memset(counts, 0, sizeof(int) * CK_Q_STATE_COUNT_);
	sqlite3_stmt *s = ck_store_stmt(st, SQL_COUNT_STATES, err);
	if (s == NULL)
		return CK_E_STORE;
	int step;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		enum ck_query_state state = ck_query_state_parse(ck_store_col_text(s, 0));
		if (state != 0)
			counts[state] = sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	return step == SQLITE_DONE ? CK_OK : ck_store_db_fail(st, err, "counting queries");
}

static const char SQL_NEXT_DUE[] =
    "SELECT min(q.due_at) FROM queries q JOIN institutions i ON i.id = q.institution_id"
    " WHERE i.enabled = 1 AND q.state IN ('planned', 'retry', 'waiting')"
    " AND (?1 = 0 OR q.debtor_id = ?1)";

int
ck_store_next_due(struct ck_store *st, int64_t only_debtor, int64_t *when, int *any, char *err)
{
	*any = 0;
	sqlite3_stmt *s = ck_store_stmt(st, SQL_NEXT_DUE, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, only_debtor);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*any = 1;
		*when = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	return step == SQLITE_ROW ? CK_OK : ck_store_db_fail(st, err, "finding the next due query");
}

/* Latency percentiles come from the attempts since `since`: the smallest
 * duration whose rank reaches the share (median: half, p95: 95 %). */
static const char SQL_HEALTH[] =
    "WITH a AS (SELECT q.institution_id AS inst, t.duration_ms AS d,"
    "  row_number() OVER (PARTITION BY q.institution_id ORDER BY t.duration_ms) AS rn,"
    "  count(*) OVER (PARTITION BY q.institution_id) AS n"
    "  FROM attempts t JOIN queries q ON q.id = t.query_id"
    "  WHERE t.started_at_ms >= ?1 AND t.duration_ms IS NOT NULL)"
    " SELECT i.id, i.kind, i.name, i.enabled,"
    " (SELECT count(*) FROM queries q WHERE q.institution_id = i.id AND q.state = 'answered'),"
    " (SELECT count(*) FROM queries q WHERE q.institution_id = i.id AND q.state = 'failed'),"
    " (SELECT count(*) FROM queries q WHERE q.institution_id = i.id"
    "  AND q.state IN ('planned', 'retry', 'waiting', 'in_flight')),"
    " (SELECT count(*) FROM a WHERE a.inst = i.id),"
    " (SELECT min(d) FROM a WHERE a.inst = i.id AND a.rn * 2 >= a.n),"
    " (SELECT min(d) FROM a WHERE a.inst = i.id AND a.rn * 100 >= a.n * 95)"
    " FROM institutions i ORDER BY i.enabled DESC, i.id";

int
ck_store_each_institution(struct ck_store *st, int64_t since_ms, ck_health_fn fn, void *ctx,
                          char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_HEALTH, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, since_ms);
	int step, stop = 0;
	while (!stop && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct ck_institution_health h = {
		    .id = ck_store_col_text(s, 0),
		    .kind = ck_store_col_text(s, 1),
		    .name = ck_store_col_text(s, 2),
		    .enabled = sqlite3_column_int(s, 3),
		    .answered = sqlite3_column_int(s, 4),
		    .failed = sqlite3_column_int(s, 5),
		    .pending = sqlite3_column_int(s, 6),
		    .attempts = sqlite3_column_int(s, 7),
		    .p50_ms = sqlite3_column_int64(s, 8),
		    .p95_ms = sqlite3_column_int64(s, 9),
		};
		stop = fn(ctx, &h);
	}
	sqlite3_reset(s);
	if (stop)
		return stop;
	return step == SQLITE_DONE ? CK_OK : ck_store_db_fail(st, err, "reading institutions");
}

/* ---- One debtor's results (lookup) --------------------------------------- */

static const char SQL_FIND_DEBTOR[] =
    "SELECT d.id, c.status, d.removed_at IS NOT NULL FROM debtors d"
    " JOIN cases c ON c.id = d.case_id WHERE c.case_no = ?1 AND d.id_no = ?2";

int
ck_store_find_debtor(struct ck_store *st, const char *case_no, const char *id_no,
                     struct ck_debtor_ref *out, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_FIND_DEBTOR, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_text(s, 1, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id_no, -1, SQLITE_STATIC);
	int step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		out->debtor_row = sqlite3_column_int64(s, 0);
		out->case_status = ck_case_status_parse(ck_store_col_text(s, 1));
		out->removed = sqlite3_column_int(s, 2);
	}
	sqlite3_reset(s);
	if (step == SQLITE_ROW)
		return CK_OK;
	if (step == SQLITE_DONE)
		return ck_fail(err, CK_E_NOTFOUND, "no such debtor in case %s", case_no);
	return ck_store_db_fail(st, err, "finding a debtor");
}

static const char SQL_DEBTOR_QUERIES[] =
    "SELECT q.institution_id, i.name, i.kind, q.round, q.state, q.outcome, q.reason,"
    " q.reason_detail, q.ticket, ifnull(q.submitted_at, 0), q.attempts,"
    " (SELECT count(*) FROM assets a WHERE a.query_id = q.id),"
    " (SELECT count(*) FROM leads l WHERE l.query_id = q.id)"
    " FROM queries q JOIN institutions i ON i.id = q.institution_id"
    " WHERE q.debtor_id = ?1"
    " AND q.round = (SELECT max(round) FROM queries q2 WHERE q2.debtor_id = ?1)"
    " ORDER BY i.kind, q.institution_id";

int
ck_store_each_query_of_debtor(struct ck_store *st, int64_t debtor_row, ck_query_row_fn fn,
                              void *ctx, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_DEBTOR_QUERIES, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, debtor_row);
	int step, stop = 0;
	while (!stop && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct ck_query_row row = {
		    .institution_id = ck_store_col_text(s, 0),
		    .institution_name = ck_store_col_text(s, 1),
		    .kind = ck_store_col_text(s, 2),
		    .round = sqlite3_column_int(s, 3),
		    .state = ck_query_state_parse(ck_store_col_text(s, 4)),
		    .outcome = ck_store_col_text(s, 5),
		    .reason = ck_store_col_text(s, 6),
		    .detail = ck_store_col_text(s, 7),
		    .ticket = ck_store_col_text(s, 8),
		    .submitted_at = sqlite3_column_int64(s, 9),
		    .attempts = sqlite3_column_int(s, 10),
		    .n_assets = sqlite3_column_int(s, 11),
		    .n_leads = sqlite3_column_int(s, 12),
		};
		stop = fn(ctx, &row);
	}
	sqlite3_reset(s);
	if (stop)
		return stop;
	return step == SQLITE_DONE ? CK_OK : ck_store_db_fail(st, err, "listing queries");
}

static const char SQL_DEBTOR_ASSETS[] =
    "SELECT q.institution_id, a.kind, a.ref, a.subtype, a.currency, a.status, a.book,"
    " a.available, a.enforceable, a.liability,"
    " (SELECT count(*) FROM encumbrances e WHERE e.asset_id = a.id)"
    " FROM assets a JOIN queries q ON q.id = a.query_id WHERE a.debtor_id = ?1"
    " AND q.round = (SELECT max(round) FROM queries q2 WHERE q2.debtor_id = ?1)"
    " ORDER BY a.kind, q.institution_id, a.id";

int
ck_store_each_asset_of_debtor(struct ck_store *st, int64_t debtor_row, ck_asset_row_fn fn,
                              void *ctx, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_DEBTOR_ASSETS, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, debtor_row);
	int step, stop = 0;
	while (!stop && (step = sqlite3_step(s)) == SQLITE_ROW) {
		struct ck_asset_row row = {
		    .institution_id = ck_store_col_text(s, 0),
		    .kind = ck_store_col_text(s, 1),
		    .ref = ck_store_col_text(s, 2),
		    .subtype = ck_store_col_text(s, 3),
		    .currency = ck_store_col_text(s, 4),
		    .status = ck_store_col_text(s, 5),
		    .has_book = sqlite3_column_type(s, 6) != SQLITE_NULL,
		    .book = sqlite3_column_int64(s, 6),
		    .has_available = sqlite3_column_type(s, 7) != SQLITE_NULL,
		    .available = sqlite3_column_int64(s, 7),
		    .enforceable = sqlite3_column_int64(s, 8),
		    .liability = sqlite3_column_int(s, 9),
		    .n_encumbrances = sqlite3_column_int(s, 10),
		};
		stop = fn(ctx, &row);
	}
	sqlite3_reset(s);
	if (stop)
		return stop;
	return step == SQLITE_DONE ? CK_OK : ck_store_db_fail(st, err, "listing assets");
}
