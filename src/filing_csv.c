/* SPDX-License-Identifier: MIT */
/*
 * filing_csv.c: reading a CSV filing into checked cases.
 *
 * The rows of a case need not be adjacent, and a problem with the file as
 * a whole (bad encoding, an unclosed quote at the end) means that nothing
 * of it is imported, so nothing is stored before the whole file was read.
 * Holding the file (or its rows) until then would take memory in
 * proportion to its size; instead the file is read in passes and only the
 * case numbers and where each row lies are kept:
 *
 *   0. the encoding: valid UTF-8 (a BOM means UTF-8) or GB18030, checked
 *      over the whole file before any row is looked at;
 *   1. every record is parsed and checked as it comes (problems reported in
 *      the order of the lines), and its row remembered by its place in the
 *      file, in the list of its case;
 *   2. case by case, in the order in which the cases first appear, the
 *      rows are read again and checked once more (quietly: they passed),
 *      the rows of a case checked against each other, and the case stored
 *      whole or rejected whole.
 *
 * The file may change between the passes: its identity is compared before
 * the second pass and before every commit, and a row read again must still
 * be the record it was; otherwise the import stops (filing_commit).
 *
 * libcsv does the RFC 4180 work (quotes, doubled quotes, separators and
 * line breaks inside fields, CRLF).  It is fed one piece at a time, a piece
 * ending at a line break ('\n', or '\r', which libcsv also takes for the end
 * of a record), so that a record starts on a piece fed while libcsv is
 * between records: its place in the file and the physical line it starts
 * on are known.  A piece without quotes or NUL bytes that starts between
 * records is one record of plain fields: split here, it yields what libcsv
 * would, and most rows of a filing are such pieces.
 */
#include "chakong/error.h"
#include "filing_internal.h"
#include "textenc.h"

#include <csv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libcsv's parser states (csv.c): between records (ROW_NOT_BEGUN), and
 * inside a field (FIELD_BEGUN), which with `quoted` set at the end of the
 * input means a quote was never closed.  libcsv reports that only in its
 * strict mode, which would also refuse stray quotes we accept. */
#define CSV_BETWEEN_RECORDS 0
#define CSV_IN_FIELD        2

/* A row: where its record lies in the file (from the start of the piece on
 * which it starts to the end of the piece on which it ends), the line it
 * starts on, and the next row of its case.  Files are at most
 * CK_FILING_MAX_BYTES, so 32 bits hold offsets and line numbers. */
struct row {
	uint32_t off, len;
	uint32_t line;
	int32_t next; /* -1 at the end */
};

struct group {
	const char *key;     /* normalised case number, or the text as written */
	int32_t first, last; /* rows */
	int bad;             /* a row of the case had a problem */
};

/* A row of the case being stored, read and checked again. */
struct checked {
	long line;
	struct ck_case_rec rec;
	struct ck_debtor_rec debtor;
};

struct csv_import {
	struct filing_ctx *fx;
	struct filing_src *src;
	struct ck_utf8_conv *conv; /* GB18030 to UTF-8, or NULL for UTF-8 */
	size_t start;              /* after a UTF-8 byte order mark */
	struct csv_parser parser;
	int pass; /* 1: check and group; 2: read again and store */
	/* fields of the record being read (in fx->arena); has_nul[i] when
	 * field i held a NUL byte (C strings would silently cut it there) */
	char **fields;
	unsigned char *has_nul;
	size_t n_fields, cap_fields;
	/* pass 1 */
	long line;         /* physical line of the piece being fed, 1-based */
	long record_line;  /* line on which the current record started */
	size_t record_off; /* piece on which the current record started */
	size_t piece_end;  /* end of the piece being fed */
	int have_header;
	int column[F_COUNT_];
	struct row *rows;
	size_t n_rows, cap_rows;
	struct group *groups;
	size_t n_groups, cap_groups;
	int *slots; /* open-addressing table of group indexes, -1 empty */
	size_t n_slots;
	struct ck_arena keys; /* the groups' keys */
	/* pass 2 */
	const struct group *group; /* the case being read */
	const struct row *current; /* its row being read */
	int records;               /* records that row yielded */
	struct checked *rows2;
	size_t n_rows2, cap_rows2;
	int failed; /* CK_E_* when the file as a whole must be given up */
	char *err;
};

static int
give_up(struct csv_import *ci, int code, const char *what)
{
	if (ci->failed == CK_OK)
		ci->failed =
		    ck_fail(ci->err, code, "%s:%ld: %s", ci->fx->name, ci->record_line, what);
	return ci->failed;
}

/* The file changed between the passes: a row read again is not what it was. */
static int
changed(struct csv_import *ci, long line)
{
	if (ci->failed == CK_OK)
		ci->failed = ck_fail(ci->err, CK_E_IO,
		                     "%s:%ld: the file changed while it was being imported "
		                     "(this row is not what it was when the file was checked)",
		                     ci->fx->name, line);
	return ci->failed;
}

/* ---- Records ------------------------------------------------------------ */

static void
on_field(void *text, size_t len, void *data)
{
	struct csv_import *ci = data;
	if (ci->failed != CK_OK)
		return;
	if (ci->n_fields == ci->cap_fields) {
		size_t cap = ci->cap_fields ? ci->cap_fields * 2 : 16;
		char **grown = realloc(ci->fields, cap * sizeof *grown);
		if (grown != NULL)
			ci->fields = grown;
		unsigned char *grown_nul = realloc(ci->has_nul, cap);
		if (grown_nul != NULL)
			ci->has_nul = grown_nul;
		if (grown == NULL || grown_nul == NULL) {
			give_up(ci, CK_E_NOMEM, "out of memory");
			return;
		}
		ci->cap_fields = cap;
	}
	char *copy = filing_trimmed(ci->fx, text ? text : "", text ? len : 0);
	if (copy == NULL) {
		give_up(ci, CK_E_NOMEM, "out of memory");
		return;
	}
	ci->has_nul[ci->n_fields] = text != NULL && memchr(text, '\0', len) != NULL;
	ci->fields[ci->n_fields++] = copy;
}

static void on_record(int terminator, void *data);

/*
 * A piece without quotes or NUL bytes, fed between records, as libcsv
 * would read it: nothing when it holds only blanks (spaces, tabs) before
 * its line break, else one record of the fields between its commas (libcsv
 * trims spaces and tabs around them; filing_trimmed() trims those and
 * more, so they are left to it).
 */
static void
split_plain(struct csv_import *ci, const char *p, size_t len)
{
	if (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	size_t i = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == len)
		return;
	const char *end = p + len;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		on_field((void *)(uintptr_t)p, (size_t)(stop - p), ci);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	on_record('\n', ci);
}

/* Feeds one piece of UTF-8 text (see the file's comment). */
static void
feed_utf8(struct csv_import *ci, const char *p, size_t len)
{
	if (ci->parser.pstate == CSV_BETWEEN_RECORDS && memchr(p, '"', len) == NULL &&
	    memchr(p, '\0', len) == NULL) {
		split_plain(ci, p, len);
		return;
	}
	if (csv_parse(&ci->parser, p, len, on_field, on_record, ci) != len)
		give_up(ci, CK_E_NOMEM, csv_strerror(csv_error(&ci->parser)));
}

/* Feeds one piece of the file, converted if it is GB18030 (a piece ends
 * on a line break, which is never inside a GB18030 character). */
static void
feed(struct csv_import *ci, const char *p, size_t len, long line)
{
	if (ci->conv == NULL) {
		feed_utf8(ci, p, len);
		return;
	}
	const char *utf8;
	size_t utf8_len, bad;
	int rc = ck_utf8_conv_run(ci->conv, (const unsigned char *)p, len, &utf8, &utf8_len, &bad);
	if (rc == CK_E_ENCODING)
		changed(ci, line); /* the whole file converted in pass 0 */
	else if (rc != CK_OK)
		give_up(ci, rc, "out of memory");
	else
		feed_utf8(ci, utf8, utf8_len);
}

/* ---- Pass 0: the encoding ---------------------------------------------- */

/* The first byte at or after `from` that is not valid in the encoding (UTF-8
 * when conv is NULL), and its line; *bad = size when every byte is. */
static int
scan_encoding(struct csv_import *ci, struct ck_utf8_conv *conv, size_t from, size_t *bad,
              long *bad_line)
{
	struct filing_src *src = ci->src;
	long line = 1;
	*bad = src->size;
	for (size_t off = from; off < src->size;) {
		size_t len;
		int rc;
		const char *p = filing_src_piece(src, off, &len, &rc);
		if (p == NULL)
			return rc;
		size_t at = len;
		if (conv == NULL) {
			at = ck_utf8_invalid_at((const unsigned char *)p, len);
		} else {
			const char *out;
			size_t out_len;
			rc = ck_utf8_conv_run(conv, (const unsigned char *)p, len, &out, &out_len,
			                      &at);
			if (rc == CK_OK)
				at = len;
			else if (rc != CK_E_ENCODING)
				return rc;
		}
		if (at < len) {
			*bad = off + at;
			*bad_line = line;
			return CK_OK;
		}
		line += p[len - 1] == '\n';
		off += len;
	}
	return CK_OK;
}

/* Settles the encoding (filing.md: a BOM means UTF-8; otherwise valid UTF-8
 * means UTF-8; otherwise GB18030, unless the caller said which) and checks
 * the whole file in it. */
static int
choose_encoding(struct csv_import *ci)
{
	struct filing_ctx *fx = ci->fx;
	struct filing_src *src = ci->src;
	int rc = CK_OK;
	int has_bom = 0;
	if (src->size >= 3) {
		const char *p = filing_src_bytes(src, 0, 3, 1, &rc);
		if (p == NULL)
			return ck_fail(ci->err, rc, "cannot read %s: %s", fx->name,
			               ck_strerror(rc));
		has_bom = memcmp(p, "\xef\xbb\xbf", 3) == 0;
	}
	size_t bad = 0;
	long bad_line = 1;
	enum ck_filing_encoding enc = fx->encoding;
	int utf8_checked = 0;
	if (enc == CK_ENCODING_AUTO) {
		enc = CK_ENCODING_UTF8;
		if (!has_bom) {
			if ((rc = scan_encoding(ci, NULL, 0, &bad, &bad_line)) != CK_OK)
				goto unreadable;
			if (bad != src->size)
				enc = CK_ENCODING_GB18030;
			utf8_checked = 1;
		}
	}
	if (enc == CK_ENCODING_UTF8) {
		ci->start = has_bom ? 3 : 0;
		if (!utf8_checked &&
		    (rc = scan_encoding(ci, NULL, ci->start, &bad, &bad_line)) != CK_OK)
			goto unreadable;
		if (bad != src->size)
			return ck_fail(ci->err, CK_E_ENCODING,
			               "%s:%ld: not valid UTF-8 (byte offset %zu)", fx->name,
			               bad_line, bad);
		return CK_OK;
	}
	rc = ck_utf8_conv_open("GB18030", &ci->conv);
	if (rc != CK_OK)
		return ck_fail(ci->err, rc, "%s: cannot convert from GB18030: %s", fx->name,
		               ck_strerror(rc));
	if ((rc = scan_encoding(ci, ci->conv, 0, &bad, &bad_line)) != CK_OK)
		goto unreadable;
	if (bad != src->size)
		return ck_fail(ci->err, CK_E_ENCODING,
		               "%s:%ld: neither valid UTF-8 nor valid GB18030 (byte offset %zu)",
		               fx->name, bad_line, bad);
	return CK_OK;
unreadable:
	return ck_fail(ci->err, rc, "cannot read %s: %s", fx->name, ck_strerror(rc));
}

/* ---- Pass 1: checking and grouping ------------------------------------- */

static int
read_header(struct csv_import *ci)
{
	for (int f = 0; f < F_COUNT_; f++)
		ci->column[f] = -1;
	for (size_t i = 0; i < ci->n_fields; i++) {
		for (int f = 0; f < F_COUNT_; f++) {
			if (ci->has_nul[i] ||
			    strcasecmp(ci->fields[i], ck_filing_csv_names[f]) != 0)
				continue;
			if (ci->column[f] >= 0) {
				char what[128];
				snprintf(what, sizeof what, "column %s appears twice in the header",
				         ck_filing_csv_names[f]);
				return give_up(ci, CK_E_INVALID, what);
			}
			ci->column[f] = (int)i;
		}
	}
	char missing[256] = "";
	for (int f = 0; f < F_COUNT_; f++) {
		if (ci->column[f] >= 0 || f == F_STATUS || f == F_TERMINATED_AT)
			continue;
		size_t used = strlen(missing);
		snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "",
		         ck_filing_csv_names[f]);
	}
	if (missing[0] != '\0') {
		char what[400];
		snprintf(what, sizeof what, "the header lacks required column(s): %s", missing);
		return give_up(ci, CK_E_INVALID, what);
	}
	ci->have_header = 1;
	return CK_OK;
}

static uint64_t
hash_text(const char *s)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static int
grow_slots(struct csv_import *ci)
{
	size_t n = ci->n_slots ? ci->n_slots * 2 : 1024;
	int *slots = malloc(n * sizeof *slots);
	if (slots == NULL)
		return CK_E_NOMEM;
	for (size_t i = 0; i < n; i++)
		slots[i] = -1;
	for (size_t g = 0; g < ci->n_groups; g++) {
		size_t i = hash_text(ci->groups[g].key) & (n - 1);
		while (slots[i] >= 0)
			i = (i + 1) & (n - 1);
		slots[i] = (int)g;
	}
	free(ci->slots);
	ci->slots = slots;
	ci->n_slots = n;
	return CK_OK;
}

/* The group of case `key`, created on first sight (with a copy of the key);
 * -1 on out of memory. */
static int
group_of(struct csv_import *ci, const char *key)
{
	if ((ci->n_groups + 1) * 2 > ci->n_slots && grow_slots(ci) != CK_OK)
		return -1;
	size_t i = hash_text(key) & (ci->n_slots - 1);
	for (; ci->slots[i] >= 0; i = (i + 1) & (ci->n_slots - 1))
		if (strcmp(ci->groups[ci->slots[i]].key, key) == 0)
			return ci->slots[i];
	if (ci->n_groups == ci->cap_groups) {
		size_t cap = ci->cap_groups ? ci->cap_groups * 2 : 256;
		struct group *grown = realloc(ci->groups, cap * sizeof *grown);
		if (grown == NULL)
			return -1;
		ci->groups = grown;
		ci->cap_groups = cap;
	}
	const char *copy = ck_arena_strndup(&ci->keys, key, strlen(key));
	if (copy == NULL)
		return -1;
	int g = (int)ci->n_groups++;
	ci->groups[g] = (struct group){.key = copy, .first = -1, .last = -1};
	ci->slots[i] = g;
	return g;
}

/* The raw fields of the record by filing field; whether all are blank. */
static int
raw_fields(struct csv_import *ci, const char *raw[F_COUNT_])
{
	int blank = 1;
	for (int f = 0; f < F_COUNT_; f++) {
		int c = ci->column[f];
		raw[f] = c >= 0 && (size_t)c < ci->n_fields ? ci->fields[c] : NULL;
	}
	for (size_t i = 0; i < ci->n_fields; i++)
		blank &= ci->fields[i][0] == '\0';
	return blank;
}

/* Checks the record as a row of a case: the number of problems reported. */
static int
check_row(struct csv_import *ci, const char *where, const char *const raw[F_COUNT_],
          struct ck_case_rec *rec, struct ck_debtor_rec *debtor)
{
	struct filing_ctx *fx = ci->fx;
	int problems = 0;
	for (int f = 0; f < F_COUNT_; f++) {
		int c = ci->column[f];
		if (c >= 0 && (size_t)c < ci->n_fields && ci->has_nul[c]) {
			filing_problem(fx, where, "%s contains a control character (code 0)",
			               ck_filing_csv_names[f]);
			problems++;
		}
	}
	problems += filing_check_case(fx, where, raw, rec);
	problems += filing_check_debtor(fx, where, raw[F_DEBTOR_KIND], raw[F_DEBTOR_NAME],
	                                raw[F_DEBTOR_ID], debtor);
	return problems;
}

/* Rows whose case number cannot be parsed still group by its text, so that
 * the other rows of that case are rejected with it. */
static const char *
case_key(const struct ck_case_rec *rec, const char *const raw[F_COUNT_])
{
	return rec->case_no ? rec->case_no : raw[F_CASE_NO] ? raw[F_CASE_NO] : "";
}

static void
first_read(struct csv_import *ci)
{
	const char *raw[F_COUNT_];
	if (raw_fields(ci, raw))
		return; /* a line of bare separators carries nothing */
	if (ci->n_rows == ci->cap_rows) {
		size_t cap = ci->cap_rows ? ci->cap_rows * 2 : 256;
		struct row *grown = realloc(ci->rows, cap * sizeof *grown);
		if (grown == NULL) {
			give_up(ci, CK_E_NOMEM, "out of memory");
			return;
		}
		ci->rows = grown;
		ci->cap_rows = cap;
	}
	char where[512];
	snprintf(where, sizeof where, "%s:%ld", ci->fx->name, ci->record_line);
	struct ck_case_rec rec;
	struct ck_debtor_rec debtor;
	int bad = check_row(ci, where, raw, &rec, &debtor) > 0;

	int g = group_of(ci, case_key(&rec, raw));
	if (g < 0) {
		give_up(ci, CK_E_NOMEM, "out of memory");
		return;
	}
	int32_t r = (int32_t)ci->n_rows++;
	ci->rows[r] = (struct row){.off = (uint32_t)ci->record_off,
	                           .len = (uint32_t)(ci->piece_end - ci->record_off),
	                           .line = (uint32_t)ci->record_line,
	                           .next = -1};
	struct group *grp = &ci->groups[g];
	if (grp->last >= 0)
		ci->rows[grp->last].next = r;
	else
		grp->first = r;
	grp->last = r;
	grp->bad |= bad;
}

/* ---- Pass 2: reading a case again ------------------------------------- */

static void
read_again(struct csv_import *ci)
{
	long line = (long)ci->current->line;
	if (ci->records++ > 0) {
		changed(ci, line);
		return;
	}
	const char *raw[F_COUNT_];
	if (raw_fields(ci, raw)) {
		changed(ci, line);
		return;
	}
	if (ci->n_rows2 == ci->cap_rows2) {
		size_t cap = ci->cap_rows2 ? ci->cap_rows2 * 2 : 8;
		struct checked *grown = realloc(ci->rows2, cap * sizeof *grown);
		if (grown == NULL) {
			give_up(ci, CK_E_NOMEM, "out of memory");
			return;
		}
		ci->rows2 = grown;
		ci->cap_rows2 = cap;
	}
	struct checked *c = &ci->rows2[ci->n_rows2];
	c->line = line;
	if (check_row(ci, "", raw, &c->rec, &c->debtor) > 0 ||
	    strcmp(case_key(&c->rec, raw), ci->group->key) != 0) {
		changed(ci, line);
		return;
	}
	ci->n_rows2++;
}

static void
on_record(int terminator, void *data)
{
	(void)terminator;
	struct csv_import *ci = data;
	if (ci->failed == CK_OK) {
		if (ci->pass == 2)
			read_again(ci);
		else if (!ci->have_header)
			read_header(ci);
		else
			first_read(ci);
	}
	ci->n_fields = 0;
	if (ci->pass == 1)
		ck_arena_reset(&ci->fx->arena); /* pass 2 keeps a case's strings */
}

/* Reads row `i` of the current group again into rows2. */
static int
read_row(struct csv_import *ci, int32_t i, int sequential)
{
	const struct row *r = ci->current = &ci->rows[i];
	int rc;
	const char *p = filing_src_bytes(ci->src, r->off, r->len, sequential, &rc);
	if (p == NULL)
		return rc == CK_E_NOMEM ? give_up(ci, rc, "out of memory") : changed(ci, r->line);
	ci->records = 0;
	if (ci->parser.pstate != CSV_BETWEEN_RECORDS)
		changed(ci, r->line);
	long line = (long)r->line;
	for (size_t off = 0; off < r->len && ci->failed == CK_OK;) {
		const char *nl = memchr(p + off, '\n', r->len - off);
		size_t stop = nl ? (size_t)(nl - p) : r->len;
		const char *cr = memchr(p + off, '\r', stop - off);
		size_t end = (cr ? (size_t)(cr - p) : nl ? stop : r->len - 1) + 1;
		feed(ci, p + off, end - off, line);
		line += p[end - 1] == '\n';
		off = end;
	}
	if (ci->failed == CK_OK && ci->records == 0)
		csv_fini(&ci->parser, on_field, on_record, ci); /* the last, unterminated */
	if (ci->failed == CK_OK && ci->records != 1)
		changed(ci, r->line);
	return ci->failed;
}

/* Reports the first case field on which row r disagrees with row first. */
static int
rows_disagree(struct filing_ctx *fx, const struct checked *first, const struct checked *r)
{
	const struct ck_case_rec *a = &first->rec, *b = &r->rec;
	const char *field = NULL;
	if (strcmp(a->court_code, b->court_code) != 0)
		field = "court_code";
	else if (strcmp(a->court_name, b->court_name) != 0)
		field = "court_name";
	else if (a->filed_at != b->filed_at)
		field = "filed_at";
	else if (strcmp(a->officer, b->officer) != 0)
		field = "officer";
	else if (a->amount_owed != b->amount_owed)
		field = "amount_owed";
	else if (a->status != b->status)
		field = "status";
	else if (a->status == CK_CASE_TERMINATED && a->terminated_on != b->terminated_on)
		field = "terminated_at";
	if (field == NULL)
		return 0;
	char where[512];
	snprintf(where, sizeof where, "%s:%ld", fx->name, r->line);
	filing_problem(fx, where, "%s differs from line %ld of the same case", field, first->line);
	return 1;
}

/* Reads the rows of group g again, checks them against each other and
 * stores the case, or rejects it. */
static int
finish_case(struct csv_import *ci, struct group *grp, struct ck_debtor_rec **debtors, size_t *cap)
{
	struct filing_ctx *fx = ci->fx;
	if (grp->bad) {
		char where[512];
		snprintf(where, sizeof where, "%s:%lu", fx->name,
		         (unsigned long)ci->rows[grp->first].line);
		filing_reject_case(fx, where, grp->key);
		return CK_OK;
	}
	ci->group = grp;
	ci->n_rows2 = 0;
	ck_arena_reset(&fx->arena);
	fx->quiet = 1;
	for (int32_t i = grp->first; i >= 0 && ci->failed == CK_OK; i = ci->rows[i].next)
		read_row(ci, i, i == grp->first);
	fx->quiet = 0;
	if (ci->failed != CK_OK)
		return ci->failed;

	const struct checked *first = &ci->rows2[0];
	int bad = 0;
	if (ci->n_rows2 > *cap) {
		struct ck_debtor_rec *grown = realloc(*debtors, ci->n_rows2 * sizeof *grown);
		if (grown == NULL)
			return give_up(ci, CK_E_NOMEM, "out of memory");
		*debtors = grown;
		*cap = ci->n_rows2;
	}
	for (size_t i = 0; i < ci->n_rows2; i++) {
		const struct checked *r = &ci->rows2[i];
		bad |= rows_disagree(fx, first, r);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(ci->rows2[j].debtor.id_no, r->debtor.id_no) != 0)
				continue;
			char where[512];
			snprintf(where, sizeof where, "%s:%ld", fx->name, r->line);
			filing_problem(fx, where, "debtor_id %s appears again (first on line %ld)",
			               r->debtor.id_no, ci->rows2[j].line);
			bad = 1;
			break;
		}
		(*debtors)[i] = r->debtor;
	}
	if (bad) {
		char where[512];
		snprintf(where, sizeof where, "%s:%ld", fx->name, first->line);
		filing_reject_case(fx, where, grp->key);
		return CK_OK;
	}
	return filing_store_case(fx, &first->rec, *debtors, ci->n_rows2, ci->err);
}

/* ---- The import ----------------------------------------------------------- */

/* Pass 1 over the whole file. */
static void
check_all(struct csv_import *ci)
{
	struct filing_src *src = ci->src;
	ci->line = 1;
	ci->record_line = 1;
	for (size_t off = ci->start; off < src->size && ci->failed == CK_OK;) {
		size_t len;
		int rc;
		const char *p = filing_src_piece(src, off, &len, &rc);
		if (p == NULL) {
			give_up(ci, rc,
			        rc == CK_E_NOMEM ? "out of memory" : "cannot read the file");
			break;
		}
		if (ci->parser.pstate == CSV_BETWEEN_RECORDS) {
			ci->record_line = ci->line;
			ci->record_off = off;
		}
		ci->piece_end = off + len;
		feed(ci, p, len, ci->line);
		ci->line += p[len - 1] == '\n';
		off += len;
	}
	if (ci->failed == CK_OK && ci->parser.pstate == CSV_IN_FIELD && ci->parser.quoted)
		give_up(ci, CK_E_INVALID,
		        "a quoted field is not closed before the end of the file");
	if (ci->failed == CK_OK)
		csv_fini(&ci->parser, on_field, on_record, ci);
	if (ci->failed == CK_OK && !ci->have_header)
		ci->failed = ck_fail(ci->err, CK_E_INVALID, "%s: the file is empty (no header row)",
		                     ci->fx->name);
}

int
filing_import_csv(struct filing_ctx *fx, struct filing_src *src, char *err)
{
	struct csv_import ci = {.fx = fx, .src = src, .err = err};
	if (csv_init(&ci.parser, CSV_APPEND_NULL) != 0)
		return ck_fail(err, CK_E_NOMEM, "out of memory starting the CSV reader");
	ci.failed = choose_encoding(&ci);
	if (ci.failed == CK_OK) {
		ci.pass = 1;
		check_all(&ci);
	}
	if (ci.failed == CK_OK && !filing_src_unchanged(src))
		ci.failed = ck_fail(
		    err, CK_E_IO, "%s changed while it was being read; nothing of it was imported",
		    fx->name);
	ck_arena_reset(&fx->arena);

	ci.pass = 2;
	struct ck_debtor_rec *debtors = NULL;
	size_t cap = 0;
	for (size_t g = 0; ci.failed == CK_OK && g < ci.n_groups; g++) {
		int rc = finish_case(&ci, &ci.groups[g], &debtors, &cap);
		if (rc != CK_OK && ci.failed == CK_OK)
			ci.failed = rc;
	}
	csv_free(&ci.parser);
	ck_utf8_conv_close(ci.conv);
	free(debtors);
	free(ci.rows2);
	free(ci.fields);
	free(ci.has_nul);
	free(ci.rows);
	free(ci.groups);
	free(ci.slots);
	ck_arena_release(&ci.keys);
	return ci.failed;
}
