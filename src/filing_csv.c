/* SPDX-License-Identifier: MIT */
/*
 * filing_csv.c: reading a CSV filing (UTF-8 text by now) into checked cases.
 *
 * libcsv does the RFC 4180 work (quotes, doubled quotes, separators and
 * line breaks inside fields, CRLF).  We feed it one physical line at a time
 * so that each record knows the line it starts on: a record starts on a
 * line fed while libcsv is between records.  Every record is checked as
 * soon as it is complete; rows are grouped by case number (rows of a case
 * need not be adjacent) and, once the whole file is read, each case is
 * checked for agreement between its rows and stored, all or nothing.
 */
#include "chakong/error.h"
#include "filing_internal.h"

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

struct row {
	long line;
	int group; /* index into groups */
	int next;  /* next row of the same case, -1 at the end */
	int bad;   /* a problem was reported for this row */
	struct ck_case_rec rec;
	struct ck_debtor_rec debtor;
};

struct group {
	const char *key; /* normalised case number, or the text as written */
	int first, last; /* rows */
	int bad;
};

struct csv_import {
	struct filing_ctx *fx;
	long line;        /* physical line being fed, 1-based */
	long record_line; /* line on which the current record started */
	/* fields of the record being read; has_nul[i] when field i held a NUL
	 * byte (C strings would silently cut it there) */
	char **fields;
	unsigned char *has_nul;
	size_t n_fields, cap_fields;
	/* header: column index of each field, or -1 */
	int have_header;
	int column[F_COUNT_];
	/* rows and their cases */
	struct row *rows;
	size_t n_rows, cap_rows;
	struct group *groups;
	size_t n_groups, cap_groups;
	int *slots; /* open-addressing table of group indexes, -1 empty */
	size_t n_slots;
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

/* The group of case `key`, created on first sight; -1 on out of memory. */
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
	int g = (int)ci->n_groups++;
	ci->groups[g] = (struct group){.key = key, .first = -1, .last = -1};
	ci->slots[i] = g;
	return g;
}

static void
read_row(struct csv_import *ci)
{
	struct filing_ctx *fx = ci->fx;
	const char *raw[F_COUNT_];
	int blank = 1;
	for (int f = 0; f < F_COUNT_; f++) {
		int c = ci->column[f];
		raw[f] = c >= 0 && (size_t)c < ci->n_fields ? ci->fields[c] : NULL;
	}
	for (size_t i = 0; i < ci->n_fields; i++)
		blank &= ci->fields[i][0] == '\0';
	if (blank)
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
	struct row *r = &ci->rows[ci->n_rows];
	*r = (struct row){.line = ci->record_line, .next = -1};
	char where[512];
	snprintf(where, sizeof where, "%s:%ld", fx->name, r->line);
	int problems = 0;
	for (int f = 0; f < F_COUNT_; f++) {
		int c = ci->column[f];
		if (c >= 0 && (size_t)c < ci->n_fields && ci->has_nul[c]) {
			filing_problem(fx, where, "%s contains a control character (code 0)",
			               ck_filing_csv_names[f]);
			problems++;
		}
	}
	problems += filing_check_case(fx, where, raw, &r->rec);
	problems += filing_check_debtor(fx, where, raw[F_DEBTOR_KIND], raw[F_DEBTOR_NAME],
	                                raw[F_DEBTOR_ID], &r->debtor);
	r->bad = problems > 0;

	/* Rows whose case number cannot be parsed still group by its text, so
	 * that the other rows of that case are rejected with it. */
	const char *key = r->rec.case_no ? r->rec.case_no : raw[F_CASE_NO] ? raw[F_CASE_NO] : "";
	int g = group_of(ci, key);
	if (g < 0) {
		give_up(ci, CK_E_NOMEM, "out of memory");
		return;
	}
	r->group = g;
	struct group *grp = &ci->groups[g];
	if (grp->last >= 0)
		ci->rows[grp->last].next = (int)ci->n_rows;
	else
		grp->first = (int)ci->n_rows;
	grp->last = (int)ci->n_rows;
	grp->bad |= r->bad;
	ci->n_rows++;
}

static void
on_record(int terminator, void *data)
{
	(void)terminator;
	struct csv_import *ci = data;
	if (ci->failed == CK_OK) {
		if (!ci->have_header)
			read_header(ci);
		else
			read_row(ci);
	}
	ci->n_fields = 0;
}

/* Reports the first case field on which row r disagrees with row first. */
static int
rows_disagree(struct filing_ctx *fx, const struct row *first, const struct row *r)
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

/* Checks the rows of group g against each other and stores the case. */
static int
finish_case(struct csv_import *ci, struct group *grp, struct ck_debtor_rec **debtors, size_t *cap)
{
	struct filing_ctx *fx = ci->fx;
	const struct row *first = &ci->rows[grp->first];
	size_t n = 0;
	int bad = grp->bad;
	for (int i = grp->first; !grp->bad && i >= 0; i = ci->rows[i].next) {
		const struct row *r = &ci->rows[i];
		bad |= rows_disagree(fx, first, r);
		for (int j = grp->first; j != i; j = ci->rows[j].next) {
			if (strcmp(ci->rows[j].debtor.id_no, r->debtor.id_no) != 0)
				continue;
			char where[512];
			snprintf(where, sizeof where, "%s:%ld", fx->name, r->line);
			filing_problem(fx, where, "debtor_id %s appears again (first on line %ld)",
			               r->debtor.id_no, ci->rows[j].line);
			bad = 1;
			break;
		}
		if (n == *cap) {
			size_t grown_cap = *cap ? *cap * 2 : 8;
			struct ck_debtor_rec *grown = realloc(*debtors, grown_cap * sizeof *grown);
			if (grown == NULL)
				return give_up(ci, CK_E_NOMEM, "out of memory");
			*debtors = grown;
			*cap = grown_cap;
		}
		(*debtors)[n++] = r->debtor;
	}
	if (bad) {
		char where[512];
		snprintf(where, sizeof where, "%s:%ld", fx->name, first->line);
		filing_reject_case(fx, where, grp->key);
		return CK_OK;
	}
	return filing_store_case(fx, &first->rec, *debtors, n, ci->err);
}

int
filing_import_csv(struct filing_ctx *fx, const char *text, size_t len, char *err)
{
	struct csv_parser parser;
	if (csv_init(&parser, CSV_APPEND_NULL) != 0)
		return ck_fail(err, CK_E_NOMEM, "out of memory starting the CSV reader");
	struct csv_import ci = {.fx = fx, .line = 0, .record_line = 1, .err = err};

	for (size_t pos = 0; pos < len && ci.failed == CK_OK;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
		ci.line++;
		if (parser.pstate == CSV_BETWEEN_RECORDS)
			ci.record_line = ci.line;
		if (csv_parse(&parser, text + pos, line_len, on_field, on_record, &ci) != line_len)
			give_up(&ci, CK_E_NOMEM, csv_strerror(csv_error(&parser)));
		pos += line_len;
	}
	if (ci.failed == CK_OK && parser.pstate == CSV_IN_FIELD && parser.quoted)
		give_up(&ci, CK_E_INVALID,
		        "a quoted field is not closed before the end of the file");
	if (ci.failed == CK_OK)
		csv_fini(&parser, on_field, on_record, &ci);
	csv_free(&parser);
	if (ci.failed == CK_OK && !ci.have_header)
		ci.failed =
		    ck_fail(err, CK_E_INVALID, "%s: the file is empty (no header row)", fx->name);

	struct ck_debtor_rec *debtors = NULL;
	size_t cap = 0;
	for (size_t g = 0; ci.failed == CK_OK && g < ci.n_groups; g++) {
		int rc = finish_case(&ci, &ci.groups[g], &debtors, &cap);
		if (rc != CK_OK && ci.failed == CK_OK)
			ci.failed = rc;
	}
	free(debtors);
	free(ci.fields);
	free(ci.has_nul);
	free(ci.rows);
	free(ci.groups);
	free(ci.slots);
	return ci.failed;
}
