/* SPDX-License-Identifier: MIT */
/*
 * filing.h: importing the court's case filings (spec/filing.md) into the
 * store.
 *
 * A filing file is CSV (UTF-8 with or without BOM, or GB18030; RFC 4180
 * quoting; columns found by header name) or XML (urn:chakong:filing:1,
 * validated by schemas/filing.xsd).  Each case is checked whole: one bad row
 * or field rejects the case, with one message per problem naming where (CSV:
 * the physical line on which the record starts, the header being line 1;
 * XML: the case number), the field and why.  Good cases in the same file are
 * imported, each all-or-nothing; importing is idempotent on the case number.
 *
 * A problem with the file as a whole (unreadable, not CSV or XML, missing
 * required columns, malformed XML) is returned as an error and nothing of
 * the file is imported.  A CSV file is read in passes (checked whole, then
 * stored case by case) and never held in memory: memory grows with the
 * number of its rows and cases, not its bytes.  Cases are committed many
 * at a time; an error from the store, or the file changing while it is
 * imported, stops the import: the cases of the batches committed before
 * (counted in the stats) stay imported, whole, and none of the batch in
 * progress is.
 *
 * Ownership: everything passed in is borrowed for the call.  Messages given
 * to the report callback are valid only during the callback.
 */
#ifndef CHAKONG_FILING_H
#define CHAKONG_FILING_H

#include <stddef.h>
#include <stdint.h>

struct ck_store;
struct ck_xsd_set;

enum ck_filing_format {
	CK_FILING_AUTO = 0, /* by content: XML if it starts with '<' (after a BOM and blanks) */
	CK_FILING_CSV,
	CK_FILING_XML
};

enum ck_filing_encoding {
	CK_ENCODING_AUTO = 0, /* BOM -> UTF-8; valid UTF-8 -> UTF-8; else GB18030 */
	CK_ENCODING_UTF8,
	CK_ENCODING_GB18030
};

/* Largest filing file or buffer accepted (bigger ones are refused before
 * reading). */
#define CK_FILING_MAX_BYTES ((size_t)1 << 30)
/* Longest name, court name or officer, in characters. */
#define CK_FILING_MAX_NAME_CHARS 256

struct ck_filing_opts {
	enum ck_filing_format format;
	enum ck_filing_encoding encoding; /* CSV only: XML declares its own */
	const char *source;               /* name recorded in the audit trail; default: path */
	int64_t now;                      /* time recorded for the changes */
};

struct ck_filing_stats {
	int cases_created;
	int cases_updated;
	int cases_unchanged;
	int cases_rejected;
	int debtors_added;
	int debtors_removed;
};

/*
 * Called once per problem found: `where` is "FILE:LINE" or "FILE: case NO",
 * `message` names the field and why ("amount_owed \"48,000.00\": thousands
 * separators are not allowed").
 */
typedef void (*ck_filing_report_fn)(void *ctx, const char *where, const char *message);

/* Parses "utf-8" / "utf8" / "gb18030" / "gbk" (GBK is read as GB18030, its
 * superset); returns -1 for anything else. */
int ck_filing_encoding_parse(const char *text);

/*
 * Imports one file.  Returns CK_OK when the file could be read as a whole
 * (stats then tell what was imported and rejected), or an error (then `err`
 * says why; stats count the cases imported before it, none when the
 * problem is with the file as a whole).
 */
int ck_filing_import_file(struct ck_store *st, struct ck_xsd_set *xsd, const char *path,
                          const struct ck_filing_opts *opts, ck_filing_report_fn report,
                          void *report_ctx, struct ck_filing_stats *stats, char *err);

/* The same for a buffer in memory; `name` stands for the path in messages. */
int ck_filing_import_buffer(struct ck_store *st, struct ck_xsd_set *xsd, const char *name,
                            const void *data, size_t len, const struct ck_filing_opts *opts,
                            ck_filing_report_fn report, void *report_ctx,
                            struct ck_filing_stats *stats, char *err);

#endif
