/* SPDX-License-Identifier: MIT */
/*
 * store_cases.c: the store's verbs on filings (store.h): importing a case
 * with its debtors, and listing cases and debtors.
 */
#include "chakong/error.h"
#include "chakong/store.h"
#include "store_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_CASE_GET[] =
    "SELECT id, court_code, court_name, filed_at, filed_offset_min, officer,"
    " amount_owed, status, terminated_on FROM cases WHERE case_no = ?1";

static const char SQL_CASE_INSERT[] =
    "INSERT INTO cases (case_no, court_code, court_name, filed_at,"
    " filed_offset_min, officer, amount_owed, status, terminated_on,"
    " imported_at, updated_at, source)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)";

static const char SQL_CASE_UPDATE[] =
    "UPDATE cases SET court_code = ?2, court_name = ?3, filed_at = ?4,"
    " filed_offset_min = ?5, officer = ?6, amount_owed = ?7, status = ?8,"
    " terminated_on = ?9, updated_at = ?10, source = ?11 WHERE id = ?1";

static const char SQL_DEBTORS_OF_CASE[] = "SELECT id, kind, name, id_no, position, removed_at"
                                          " FROM debtors WHERE case_id = ?1 ORDER BY position";

static const char SQL_DEBTOR_INSERT[] =
    "INSERT INTO debtors (case_id, position, kind, name, id_no, added_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static const char SQL_DEBTOR_UPDATE[] =
    "UPDATE debtors SET name = ?2, removed_at = NULL WHERE id = ?1";

static const char SQL_DEBTOR_REMOVE[] = "UPDATE debtors SET removed_at = ?2 WHERE id = ?1";

#define CASE_ROW                                                                                   \
	"SELECT c.case_no, c.court_code, c.court_name, c.filed_at,"                                \
	" c.filed_offset_min, c.officer, c.amount_owed, c.status, c.terminated_on,"                \
	" c.imported_at, c.updated_at,"                                                            \
	" (SELECT count(*) FROM debtors d WHERE d.case_id = c.id"                                  \
	"  AND d.removed_at IS NULL)"                                                              \
	" FROM cases c"

static const char SQL_EACH_CASE[] = CASE_ROW " WHERE ?1 IS NULL OR c.status = ?1"
                                             " ORDER BY c.filed_at, c.case_no";
/* Apart from the listing, so that a listing's callback may look one up. */
static const char SQL_ONE_CASE[] = CASE_ROW " WHERE c.case_no = ?2";

static const char SQL_EACH_DEBTOR[] =
    "SELECT d.kind, d.name, d.id_no, d.added_at, d.removed_at, d.id"
    " FROM debtors d JOIN cases c ON c.id = d.case_id"
    " WHERE c.case_no = ?1 AND (?2 OR d.removed_at IS NULL)"
    " ORDER BY d.removed_at IS NOT NULL, d.position";

/* ---- Case import ------------------------------------------------------- */

const char *
ck_case_status_name(enum ck_case_status status)
{
	switch (status) {
	case CK_CASE_ACTIVE: return "active";
	case CK_CASE_TERMINATED: return "terminated";
	case CK_CASE_CLOSED: return "closed";
	}
	return NULL;
}

enum ck_case_status
ck_case_status_parse(const char *text)
{
	static const enum ck_case_status all[] = {CK_CASE_ACTIVE, CK_CASE_TERMINATED,
	                                          CK_CASE_CLOSED};
	for (size_t i = 0; text != NULL && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(text, ck_case_status_name(all[i])) == 0)
			return all[i];
	return 0;
}

const char *
ck_subject_kind_name(enum ck_subject_kind kind)
{
	return kind == CK_SUBJECT_ORG ? "org" : "person";
}

static int
audit(struct ck_store *st, int64_t at, const char *actor, const char *action, const char *case_no,
      const char *subject, const char *detail, char *err)
{
	struct ck_audit_rec a = {.at = at,
	                         .actor = actor,
	                         .action = action,
	                         .case_no = case_no,
	                         .subject = subject,
	                         .detail = detail};
	return ck_store_audit(st, &a, err);
}

static void
bind_case(sqlite3_stmt *s, const struct ck_case_rec *c, int64_t now, const char *source)
{
	sqlite3_bind_text(s, 2, c->court_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, c->court_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, c->filed_at);
	sqlite3_bind_int(s, 5, c->filed_offset_min);
	sqlite3_bind_text(s, 6, c->officer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, c->amount_owed);
	sqlite3_bind_text(s, 8, ck_case_status_name(c->status), -1, SQLITE_STATIC);
	if (c->status == CK_CASE_TERMINATED)
		sqlite3_bind_int64(s, 9, c->terminated_on);
	sqlite3_bind_int64(s, 10, now);
	sqlite3_bind_text(s, 11, source, -1, SQLITE_STATIC);
}

/* Appends ", name" to a list of changed fields (bounded, for the audit). */
static void
note_change(char *list, size_t size, const char *name)
{
	size_t len = strlen(list);
	snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

/* Compares the stored row of S_CASE_GET with the filing; lists differences. */
static int
case_changes(sqlite3_stmt *s, const struct ck_case_rec *c, char *list, size_t size)
{
	int n = 0;
	const char *status = ck_case_status_name(c->status);
	int term_stored = sqlite3_column_type(s, 8) != SQLITE_NULL;
	int term_new = c->status == CK_CASE_TERMINATED;
#define CHANGED(cond, name)                                                                        \
	do {                                                                                       \
		if (cond) {                                                                        \
			note_change(list, size, name);                                             \
			n++;                                                                       \
		}                                                                                  \
	} while (0)
	CHANGED(strcmp(ck_store_col_text(s, 1), c->court_code) != 0, "court_code");
	CHANGED(strcmp(ck_store_col_text(s, 2), c->court_name) != 0, "court_name");
	CHANGED(sqlite3_column_int64(s, 3) != c->filed_at ||
	            sqlite3_column_int(s, 4) != c->filed_offset_min,
	        "filed_at");
	CHANGED(strcmp(ck_store_col_text(s, 5), c->officer) != 0, "officer");
	CHANGED(sqlite3_column_int64(s, 6) != c->amount_owed, "amount_owed");
	CHANGED(strcmp(ck_store_col_text(s, 7), status) != 0, "status");
	CHANGED(term_stored != term_new ||
	            (term_new && sqlite3_column_int64(s, 8) != c->terminated_on),
	        "terminated_at");
#undef CHANGED
	return n;
}

struct stored_debtor {
	int64_t id;
	char *name;
	char *id_no;
	int position;
	int removed;
	int seen; /* named by the filing being imported */
};

static void
free_debtors(struct stored_debtor *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].name);
		free(d[i].id_no);
	}
	free(d);
}

static int
load_debtors(struct ck_store *st, int64_t case_id, struct stored_debtor **out, size_t *n_out,
             char *err)
{
	*out = NULL;
	*n_out = 0;
	sqlite3_stmt *s = ck_store_stmt(st, SQL_DEBTORS_OF_CASE, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_int64(s, 1, case_id);
	struct stored_debtor *d = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			struct stored_debtor *grown = realloc(d, cap * sizeof *d);
			if (grown == NULL)
				goto nomem;
			d = grown;
		}
		d[n] = (struct stored_debtor){
		    .id = sqlite3_column_int64(s, 0),
		    .name = strdup(ck_store_col_text(s, 2)),
		    .id_no = strdup(ck_store_col_text(s, 3)),
		    .position = sqlite3_column_int(s, 4),
		    .removed = sqlite3_column_type(s, 5) != SQLITE_NULL,
		};
		n++;
		if (d[n - 1].name == NULL || d[n - 1].id_no == NULL)
			goto nomem;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free_debtors(d, n);
		return ck_store_db_fail(st, err, "reading debtors");
	}
	*out = d;
	*n_out = n;
	return CK_OK;
nomem:
	sqlite3_reset(s);
	free_debtors(d, n);
	return ck_fail(err, CK_E_NOMEM, "out of memory reading debtors");
}

/*
 * Adds the case.  Its audit row names the debtors it was created with
 * (their identifiers in filing order, ", " between them): one row per case
 * rather than one more per debtor, the larger part of an import's writes.
 * Debtors added to the case later get their own debtor.added rows.
 */
static int
insert_case(struct ck_store *st, const struct ck_case_rec *c, const struct ck_debtor_rec *debtors,
            size_t n_debtors, const char *source, int64_t now, int64_t *case_id, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_CASE_INSERT, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_text(s, 1, c->case_no, -1, SQLITE_STATIC);
	bind_case(s, c, now, source);
	int rc = ck_store_step_done(st, s, err, "adding a case");
	*case_id = sqlite3_last_insert_rowid(st->db);
	if (rc != CK_OK)
		return rc;
	char small[256], *named = small;
	size_t need = 1;
	for (size_t i = 0; i < n_debtors; i++)
		need += strlen(debtors[i].id_no) + 2;
	if (need > sizeof small && (named = malloc(need)) == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory adding case %s", c->case_no);
	size_t len = 0;
	for (size_t i = 0; i < n_debtors; i++) {
		size_t n = strlen(debtors[i].id_no);
		if (i > 0) {
			memcpy(named + len, ", ", 2);
			len += 2;
		}
		memcpy(named + len, debtors[i].id_no, n);
		len += n;
	}
	named[len] = '\0';
	rc = audit(st, now, source, "case.created", c->case_no, NULL, named, err);
	if (named != small)
		free(named);
	return rc;
}

/* Brings the debtors of case_id in line with the filing. */
static int
sync_debtors(struct ck_store *st, int64_t case_id, const struct ck_case_rec *c,
             const struct ck_debtor_rec *debtors, size_t n_debtors, const char *source, int64_t now,
             struct ck_import_outcome *out, char *err)
{
	struct stored_debtor *have = NULL;
	size_t n_have = 0;
	/* A case just created has no debtors yet: nothing to read. */
	int rc = out->result == CK_IMPORT_CREATED ? CK_OK
	                                          : load_debtors(st, case_id, &have, &n_have, err);
	if (rc != CK_OK)
		return rc;
	int next_position = 0;
	for (size_t i = 0; i < n_have; i++)
		if (have[i].position >= next_position)
			next_position = have[i].position + 1;

	for (size_t i = 0; rc == CK_OK && i < n_debtors; i++) {
		const struct ck_debtor_rec *want = &debtors[i];
		struct stored_debtor *found = NULL;
		for (size_t j = 0; j < n_have && found == NULL; j++)
			if (strcmp(have[j].id_no, want->id_no) == 0)
				found = &have[j];
		if (found == NULL) {
			sqlite3_stmt *s = ck_store_stmt(st, SQL_DEBTOR_INSERT, err);
			if (s == NULL) {
				rc = CK_E_STORE;
				break;
			}
			sqlite3_bind_int64(s, 1, case_id);
			sqlite3_bind_int(s, 2, next_position++);
			sqlite3_bind_text(s, 3, ck_subject_kind_name(want->kind), -1,
			                  SQLITE_STATIC);
			sqlite3_bind_text(s, 4, want->name, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 5, want->id_no, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 6, now);
			rc = ck_store_step_done(st, s, err, "adding a debtor");
			/* A new case's audit row names its first debtors. */
			if (rc == CK_OK && out->result != CK_IMPORT_CREATED)
				rc = audit(st, now, source, "debtor.added", c->case_no, want->id_no,
				           NULL, err);
			out->debtors_added++;
			continue;
		}
		found->seen = 1;
		int renamed = strcmp(found->name, want->name) != 0;
		if (!renamed && !found->removed)
			continue;
		sqlite3_stmt *s = ck_store_stmt(st, SQL_DEBTOR_UPDATE, err);
		if (s == NULL) {
			rc = CK_E_STORE;
			break;
		}
		sqlite3_bind_int64(s, 1, found->id);
		sqlite3_bind_text(s, 2, want->name, -1, SQLITE_STATIC);
		rc = ck_store_step_done(st, s, err, "updating a debtor");
		if (rc == CK_OK && found->removed) {
			out->debtors_added++;
			rc = audit(st, now, source, "debtor.restored", c->case_no, want->id_no,
			           NULL, err);
		}
		if (rc == CK_OK && renamed) {
			out->fields_changed++;
			rc = audit(st, now, source, "debtor.renamed", c->case_no, want->id_no, NULL,
			           err);
		}
	}
	for (size_t j = 0; rc == CK_OK && j < n_have; j++) {
		if (have[j].seen || have[j].removed)
			continue;
		sqlite3_stmt *s = ck_store_stmt(st, SQL_DEBTOR_REMOVE, err);
		if (s == NULL) {
			rc = CK_E_STORE;
			break;
		}
		sqlite3_bind_int64(s, 1, have[j].id);
		sqlite3_bind_int64(s, 2, now);
		rc = ck_store_step_done(st, s, err, "removing a debtor");
		if (rc == CK_OK)
			rc = audit(st, now, source, "debtor.removed", c->case_no, have[j].id_no,
			           NULL, err);
		out->debtors_removed++;
	}
	free_debtors(have, n_have);
	return rc;
}

int
ck_store_import_case(struct ck_store *st, const struct ck_case_rec *c,
                     const struct ck_debtor_rec *debtors, size_t n_debtors, const char *source,
                     int64_t now, struct ck_import_outcome *out, char *err)
{
	*out = (struct ck_import_outcome){0};
	int rc = ck_store_unit_begin(st, err);
	if (rc != CK_OK)
		return rc;
	/* Refused inside the unit, so that a whole batch ends as its contract
	 * says whatever fails. */
	if (n_debtors == 0)
		return ck_store_unit_end(
		    st, ck_fail(err, CK_E_INVALID, "case %s has no debtor", c->case_no), err);
	if (ck_case_status_name(c->status) == NULL)
		return ck_store_unit_end(
		    st, ck_fail(err, CK_E_INVALID, "case %s has no valid status", c->case_no), err);

	sqlite3_stmt *s = ck_store_stmt(st, SQL_CASE_GET, err);
	if (s == NULL)
		return ck_store_unit_end(st, CK_E_STORE, err);
	sqlite3_bind_text(s, 1, c->case_no, -1, SQLITE_STATIC);
	int step = sqlite3_step(s);
	int64_t case_id = 0;
	char changed[256] = "";
	int n_changed = 0;
	if (step == SQLITE_ROW) {
		case_id = sqlite3_column_int64(s, 0);
		n_changed = case_changes(s, c, changed, sizeof changed);
		sqlite3_reset(s);
		out->result = CK_IMPORT_UNCHANGED;
	} else {
		sqlite3_reset(s);
		if (step != SQLITE_DONE)
			return ck_store_unit_end(st, ck_store_db_fail(st, err, "looking up a case"),
			                         err);
		rc = insert_case(st, c, debtors, n_debtors, source, now, &case_id, err);
		out->result = CK_IMPORT_CREATED;
	}
	if (rc == CK_OK)
		rc = sync_debtors(st, case_id, c, debtors, n_debtors, source, now, out, err);
	if (rc == CK_OK && n_changed > 0) {
		out->fields_changed += n_changed;
		s = ck_store_stmt(st, SQL_CASE_UPDATE, err);
		if (s == NULL)
			return ck_store_unit_end(st, CK_E_STORE, err);
		sqlite3_bind_int64(s, 1, case_id);
		bind_case(s, c, now, source);
		rc = ck_store_step_done(st, s, err, "updating a case");
		if (rc == CK_OK)
			rc = audit(st, now, source, "case.updated", c->case_no, NULL, changed, err);
	}
	if (out->result == CK_IMPORT_UNCHANGED &&
	    (out->fields_changed || out->debtors_added || out->debtors_removed))
		out->result = CK_IMPORT_UPDATED;
	return ck_store_unit_end(st, rc, err);
}

/* ---- Listings ----------------------------------------------------------- */

/* Cases of a status (0: any), or the one named case_no (NULL: any). */
static int
each_case(struct ck_store *st, enum ck_case_status status, const char *case_no, ck_case_fn fn,
          void *ctx, int *rows, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, case_no ? SQL_ONE_CASE : SQL_EACH_CASE, err);
	if (s == NULL)
		return CK_E_STORE;
	if (status != 0)
		sqlite3_bind_text(s, 1, ck_case_status_name(status), -1, SQLITE_STATIC);
	if (case_no != NULL)
		sqlite3_bind_text(s, 2, case_no, -1, SQLITE_STATIC);
	int rc, stop = 0;
	*rows = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		++*rows;
		struct ck_case_row row = {
		    .case_no = ck_store_col_text(s, 0),
		    .court_code = ck_store_col_text(s, 1),
		    .court_name = ck_store_col_text(s, 2),
		    .filed_at = sqlite3_column_int64(s, 3),
		    .filed_offset_min = sqlite3_column_int(s, 4),
		    .officer = ck_store_col_text(s, 5),
		    .amount_owed = sqlite3_column_int64(s, 6),
		    .status = ck_case_status_parse(ck_store_col_text(s, 7)),
		    .has_terminated_on = sqlite3_column_type(s, 8) != SQLITE_NULL,
		    .terminated_on = sqlite3_column_int64(s, 8),
		    .imported_at = sqlite3_column_int64(s, 9),
		    .updated_at = sqlite3_column_int64(s, 10),
		    .debtors = sqlite3_column_int(s, 11),
		};
		stop = fn(ctx, &row);
	}
	sqlite3_reset(s);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return ck_store_db_fail(st, err, "listing cases");
	return CK_OK;
}

int
ck_store_each_case(struct ck_store *st, enum ck_case_status status, ck_case_fn fn, void *ctx,
                   char *err)
{
	int rows;
	return each_case(st, status, NULL, fn, ctx, &rows, err);
}

int
ck_store_find_case(struct ck_store *st, const char *case_no, ck_case_fn fn, void *ctx, char *err)
{
	int rows;
	int rc = each_case(st, 0, case_no, fn, ctx, &rows, err);
	if (rc == CK_OK && rows == 0)
		return ck_fail(err, CK_E_NOTFOUND, "no case %s in the store", case_no);
	return rc;
}

int
ck_store_each_debtor(struct ck_store *st, const char *case_no, int include_removed, ck_debtor_fn fn,
                     void *ctx, char *err)
{
	sqlite3_stmt *s = ck_store_stmt(st, SQL_EACH_DEBTOR, err);
	if (s == NULL)
		return CK_E_STORE;
	sqlite3_bind_text(s, 1, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, include_removed != 0);
	int rc, stop = 0, rows = 0;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct ck_debtor_row row = {
		    .row = sqlite3_column_int64(s, 5),
		    .kind = strcmp(ck_store_col_text(s, 0), "org") == 0 ? CK_SUBJECT_ORG
		                                                        : CK_SUBJECT_PERSON,
		    .name = ck_store_col_text(s, 1),
		    .id_no = ck_store_col_text(s, 2),
		    .added_at = sqlite3_column_int64(s, 3),
		    .removed = sqlite3_column_type(s, 4) != SQLITE_NULL,
		    .removed_at = sqlite3_column_int64(s, 4),
		};
		rows++;
		stop = fn(ctx, &row);
	}
	sqlite3_reset(s);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return ck_store_db_fail(st, err, "listing debtors");
	if (rows == 0)
		return ck_fail(err, CK_E_NOTFOUND, "no case %s in the store", case_no);
	return CK_OK;
}
