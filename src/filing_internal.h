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

#include <sys/stat.h>

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

/*
 * A filing's bytes (filing_src.c): a caller's buffer, or an open file read
 * through a window of bounded size.  Pointers returned stay valid until the
 * next call on the same source.
 */
struct filing_src {
	const char *mem; /* the whole content, or NULL for a file */
	size_t size;
	int fd;         /* borrowed: the caller closes it */
	struct stat id; /* the file as measured when opened */
	char *win;      /* sequential reading: bytes [win_off, win_off + win_len) */
	size_t win_off, win_len, win_cap;
	char *one; /* a record read out of order */
	size_t one_cap;
};

void filing_src_memory(struct filing_src *s, const void *data, size_t len);
/* sb: the open file's fstat, its size the bytes to read. */
int filing_src_file(struct filing_src *s, int fd, const struct stat *sb);
void filing_src_release(struct filing_src *s);

/* The piece of text at off (off < size): up to and including the first
 * '\n' or '\r', or to the end.  NULL with *rc set on failure (CK_E_IO: the
 * file could not be read or is shorter than it was; CK_E_NOMEM). */
const char *filing_src_piece(struct filing_src *s, size_t off, size_t *len, int *rc);

/* Bytes [off, off + len).  `sequential` when the reading goes on forward
 * from here (the window moves), not for a read out of order. */
const char *filing_src_bytes(struct filing_src *s, size_t off, size_t len, int sequential, int *rc);

/* Copies bytes [off, off + len) into buf (CK_E_IO with errno, 0 when the
 * file was shorter). */
int filing_src_read(struct filing_src *s, size_t off, size_t len, char *buf);

/* Whether the file is still the one measured (device, inode, size, time of
 * last change); always for a buffer. */
int filing_src_unchanged(const struct filing_src *s);

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
	/* Strings of the checks: those of one record or one case at a time
	 * for CSV (reset between them), of the whole file for XML. */
	struct ck_arena arena;
	int quiet; /* checking again what was checked: report nothing */
	/* The file being imported when it is read more than once: it must
	 * still be the one checked when a batch is committed. */
	const struct filing_src *src;
	int cases_in_batch;           /* stored in the open store batch */
	struct ck_filing_stats batch; /* their counts, added to *stats on commit */
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

/* Stores a checked case in the import's open batch (opening one if none is,
 * committing it every FILING_CASES_PER_BATCH cases) and counts it.  Returns
 * CK_OK, or a store error that ends the import (the batch in progress was
 * rolled back whole: none of its cases was imported). */
int filing_store_case(struct filing_ctx *fx, const struct ck_case_rec *c,
                      const struct ck_debtor_rec *debtors, size_t n, char *err);

/* Commits the open batch, if any; its counts go to the import's stats. */
int filing_commit(struct filing_ctx *fx, char *err);

/* Counts a rejected case and says that nothing of it was stored. */
void filing_reject_case(struct filing_ctx *fx, const char *where, const char *case_no);

/* Copies a trimmed string into the arena (blanks: ASCII space, tab, CR, LF
 * and U+3000 IDEOGRAPHIC SPACE).  NULL when memory runs out. */
char *filing_trimmed(struct filing_ctx *fx, const char *s, size_t len);

/* Reads a CSV filing in its encoding (detected or fx->encoding). */
int filing_import_csv(struct filing_ctx *fx, struct filing_src *src, char *err);
int filing_import_xml(struct filing_ctx *fx, const void *data, size_t len, char *err);

#endif
