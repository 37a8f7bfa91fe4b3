/* SPDX-License-Identifier: MIT */
/*
 * filing_internal.h: what the filing importer's files share (filing.c holds
 * the checks common to both formats and the store calls; filing_csv.c and
 * filing_xml.c read their format into those checks).  Private to src/.
 */
#ifndef CHAKONG_FILING_INTERNAL_H
#define CHAKONG_FILING_INTERNAL_H

#include "arena.h"
#include "chakong/filing.h"
#include "chakong/store.h"

/* The fields of a filing, in the order of the CSV columns of filing.md. */
enum filing_field {
	F_CASE_NO,
	F_COURT_CODE,
	F_COURT_NAME,
	F_FILED_AT,
	F_OFFICER,
	F_AMOUNT_OWED,
	F_DEBTOR_KIND,
	F_DEBTOR_NAME,
	F_DEBTOR_ID,
	F_STATUS,
	F_TERMINATED_AT,
	F_COUNT_
};

/* CSV column names, which messages use for both formats' fields unless a
 * format passes its own names. */
extern const char *const ck_filing_csv_names[F_COUNT_];

/* One import of one file. */
struct filing_ctx {
	struct ck_store *st;
	struct ck_xsd_set *xsd;
	const char *name;   /* file name in messages */
	const char *source; /* origin in the audit trail */
	int64_t now;
	enum ck_filing_encoding encoding;
	ck_filing_report_fn report;
	void *report_ctx;
	struct ck_filing_stats *stats;
	const char *const *field_names; /* names of the fields in messages */
	struct ck_arena arena;          /* strings of this import */
	int cases_in_batch;
};

/* Reports one problem found at `where` (printf-style message). */
void filing_problem(struct filing_ctx *fx, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Checks the case fields of raw (indexes F_CASE_NO .. F_TERMINATED_AT except
 * the debtor fields; NULL or blank means absent) and fills *out with values
 * whose strings live in the import's arena.  Reports every problem found at
 * `where` and returns how many there were (0: *out is good).
 */
int filing_check_case(struct filing_ctx *fx, const char *where, const char *const raw[F_COUNT_],
                      struct ck_case_rec *out);

/* The same for one debtor's kind, name and identifier. */
int filing_check_debtor(struct filing_ctx *fx, const char *where, const char *kind,
                        const char *name, const char *id, struct ck_debtor_rec *out);

/* Stores a checked case (one savepoint in the import's batch) and counts it.
 * Returns CK_OK, or a store error that ends the import. */
int filing_store_case(struct filing_ctx *fx, const struct ck_case_rec *c,
                      const struct ck_debtor_rec *debtors, size_t n, char *err);

/* Counts a rejected case and says that nothing of it was stored. */
void filing_reject_case(struct filing_ctx *fx, const char *where, const char *case_no);

/* Copies a trimmed string into the arena (blanks: ASCII space, tab, CR, LF
 * and U+3000 IDEOGRAPHIC SPACE).  NULL when memory runs out. */
char *filing_trimmed(struct filing_ctx *fx, const char *s, size_t len);

int filing_import_csv(struct filing_ctx *fx, const char *utf8, size_t len, char *err);
int filing_import_xml(struct filing_ctx *fx, const void *data, size_t len, char *err);

#endif
