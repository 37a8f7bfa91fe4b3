/* SPDX-License-Identifier: MIT */
/*
 * filing.c: the filing importer's entry points (filing.h): reading the file,
 * choosing its format and encoding, the checks both formats share, and
 * handing checked cases to the store.  Reading CSV and XML lives in
 * filing_csv.c and filing_xml.c.
 */
#include "chakong/filing.h"
#include "chakong/amount.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"
#include "filing_internal.h"
#include "textenc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Cases per store transaction.  Each case is checked whole before it is
 * written, so a case needs no savepoint of its own (a whole batch, store.h);
 * a kill loses at most the batch in progress, never part of a case.  Many
 * cases per commit matter because the debtors' identifiers arrive in no
 * order: each lands on its own page of their index, and a page is written
 * out once per commit however many of the batch's identifiers it took
 * (512 cases per commit wrote five pages per case at a million cases).
 */
#define FILING_CASES_PER_BATCH 16384

const char *const ck_filing_csv_names[F_COUNT_] = {
    [F_CASE_NO] = "case_no",
    [F_COURT_CODE] = "court_code",
    [F_COURT_NAME] = "court_name",
    [F_FILED_AT] = "filed_at",
    [F_OFFICER] = "officer",
    [F_AMOUNT_OWED] = "amount_owed",
    [F_DEBTOR_KIND] = "debtor_kind",
    [F_DEBTOR_NAME] = "debtor_name",
    [F_DEBTOR_ID] = "debtor_id",
    [F_STATUS] = "status",
    [F_TERMINATED_AT] = "terminated_at",
};

/*
 * Makes a message safe to print: messages quote what the filing holds, and
 * a filing may hold anything.  Control characters (C0, DEL, and C1 written
 * as UTF-8) become '?', so that no escape sequence or line break reaches a
 * terminal or a log; a character cut by truncation at the end is dropped.
 */
static void
printable(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;
	while (*r) {
		if (*r < 0x20 || *r == 0x7F) {
			*w++ = '?';
			r++;
		} else if (r[0] == 0xC2 && r[1] >= 0x80 && r[1] <= 0x9F) {
			*w++ = '?';
			r += 2;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	/* The text is valid UTF-8 up to a possible cut: drop a lead byte
	 * without all its continuation bytes. */
	size_t n = (size_t)(w - (unsigned char *)s), back = 0;
	while (back < n && back < 4 && (((unsigned char)s[n - 1 - back]) & 0xC0) == 0x80)
		back++;
	if (back < n) {
		unsigned char lead = (unsigned char)s[n - 1 - back];
		size_t want = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
		if (want > back)
			s[n - 1 - back] = '\0';
	}
}

void
filing_problem(struct filing_ctx *fx, const char *where, const char *fmt, ...)
{
	if (fx->quiet)
		return;
	char msg[1024], at[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(at, sizeof at, "%s", where);
	printable(msg);
	printable(at);
	if (fx->report != NULL)
		fx->report(fx->report_ctx, at, msg);
}

/* ---- Text helpers ------------------------------------------------------- */

static const char ideographic_space[] = "\xe3\x80\x80"; /* U+3000 */

static int
is_blank_at(const char *s, size_t len, size_t i, size_t *width)
{
	if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		*width = 1;
		return 1;
	}
	if (len - i >= 3 && memcmp(s + i, ideographic_space, 3) == 0) {
		*width = 3;
		return 1;
	}
	return 0;
}

char *
filing_trimmed(struct filing_ctx *fx, const char *s, size_t len)
{
	size_t start = 0, w;
	while (start < len && is_blank_at(s, len, start, &w))
		start += w;
	size_t end = len;
	for (;;) {
		if (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r' ||
		                    s[end - 1] == '\n'))
			end--;
		else if (end - start >= 3 && memcmp(s + end - 3, ideographic_space, 3) == 0)
			end -= 3;
		else
			break;
	}
	return ck_arena_strndup(&fx->arena, s + start, end - start);
}

/* Characters (code points) in valid UTF-8 text. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Checks a free-text field: present, not too long, no control characters
 * (C0, DEL, C1; line breaks and tabs, which RFC 4180 quoting allows, are
 * kept and stored as they are). */
static int
check_text(struct filing_ctx *fx, const char *where, enum filing_field f, const char *value)
{
	const char *name = fx->field_names[f];
	if (value == NULL || *value == '\0') {
		filing_problem(fx, where, "%s is missing", name);
		return 1;
	}
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		unsigned code = *p;
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			code = p[1]; /* U+0080..U+009F */
		else if ((code >= 0x20 || code == '\t' || code == '\n' || code == '\r') &&
		         code != 0x7F)
			continue;
		filing_problem(fx, where, "%s contains a control character (code %u)", name, code);
		return 1;
	}
	if (utf8_chars(value) > CK_FILING_MAX_NAME_CHARS) {
		filing_problem(fx, where, "%s is longer than %d characters", name,
		               CK_FILING_MAX_NAME_CHARS);
		return 1;
	}
	return 0;
}

static int
present(const char *s)
{
	return s != NULL && *s != '\0';
}

/* ---- Checks shared by both formats ------------------------------------ */

int
filing_check_case(struct filing_ctx *fx, const char *where, const char *const raw[F_COUNT_],
                  struct ck_case_rec *out)
{
	const char *const *names = fx->field_names;
	char err[CK_ERR_SIZE];
	int problems = 0;
	*out = (struct ck_case_rec){0};

	struct ck_case_no no;
	err[0] = '\0';
	if (!present(raw[F_CASE_NO])) {
		filing_problem(fx, where, "%s is missing", names[F_CASE_NO]);
		problems++;
	} else if (ck_ids_parse_case_no(raw[F_CASE_NO], &no, err) != CK_OK) {
		filing_problem(fx, where, "%s %s", names[F_CASE_NO], err);
		problems++;
	} else {
		out->case_no = ck_arena_strndup(&fx->arena, no.normalised, strlen(no.normalised));
	}

	problems += check_text(fx, where, F_COURT_CODE, raw[F_COURT_CODE]);
	if (out->case_no != NULL && present(raw[F_COURT_CODE]) &&
	    strcmp(raw[F_COURT_CODE], no.court) != 0) {
		filing_problem(fx, where, "%s \"%s\" does not match the court of %s (%s)",
		               names[F_COURT_CODE], raw[F_COURT_CODE], names[F_CASE_NO], no.court);
		problems++;
	}
	out->court_code = raw[F_COURT_CODE];
	problems += check_text(fx, where, F_COURT_NAME, raw[F_COURT_NAME]);
	out->court_name = raw[F_COURT_NAME];
	problems += check_text(fx, where, F_OFFICER, raw[F_OFFICER]);
	out->officer = raw[F_OFFICER];

	err[0] = '\0';
	if (!present(raw[F_FILED_AT])) {
		filing_problem(fx, where, "%s is missing", names[F_FILED_AT]);
		problems++;
	} else if (ck_time_parse_lenient(raw[F_FILED_AT], CK_DEFAULT_OFFSET_MIN, &out->filed_at,
	                                 &out->filed_offset_min, err) != CK_OK) {
		filing_problem(fx, where, "%s %s", names[F_FILED_AT], err);
		problems++;
	}

	err[0] = '\0';
	if (!present(raw[F_AMOUNT_OWED])) {
		filing_problem(fx, where, "%s is missing", names[F_AMOUNT_OWED]);
		problems++;
	} else if (ck_amount_parse(raw[F_AMOUNT_OWED], &out->amount_owed, err) != CK_OK) {
		filing_problem(fx, where, "%s %s", names[F_AMOUNT_OWED], err);
		problems++;
	} else if (out->amount_owed <= 0) {
		filing_problem(fx, where, "%s \"%s\": must be greater than 0", names[F_AMOUNT_OWED],
		               raw[F_AMOUNT_OWED]);
		problems++;
	}

	out->status = present(raw[F_STATUS]) ? ck_case_status_parse(raw[F_STATUS]) : CK_CASE_ACTIVE;
	if (out->status == 0) {
		filing_problem(fx, where, "%s \"%s\": must be active, terminated or closed",
		               names[F_STATUS], raw[F_STATUS]);
		problems++;
	}
	if (out->status == CK_CASE_TERMINATED && !present(raw[F_TERMINATED_AT])) {
		filing_problem(fx, where, "%s is required when %s is terminated",
		               names[F_TERMINATED_AT], names[F_STATUS]);
		problems++;
	} else if (out->status != CK_CASE_TERMINATED && present(raw[F_TERMINATED_AT])) {
		filing_problem(fx, where, "%s is given but %s is not terminated",
		               names[F_TERMINATED_AT], names[F_STATUS]);
		problems++;
	} else if (out->status == CK_CASE_TERMINATED) {
		/* A date, or a time whose date (at its own offset) counts. */
		int64_t at;
		int offset;
		err[0] = '\0';
		if (ck_time_parse_lenient(raw[F_TERMINATED_AT], CK_DEFAULT_OFFSET_MIN, &at, &offset,
		                          err) != CK_OK) {
			filing_problem(fx, where, "%s %s", names[F_TERMINATED_AT], err);
			problems++;
		} else {
			int64_t local = at + (int64_t)offset * 60;
			out->terminated_on =
			    local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
			if (problems == 0 && at < out->filed_at - 86400) {
				filing_problem(fx, where, "%s \"%s\" is before %s",
				               names[F_TERMINATED_AT], raw[F_TERMINATED_AT],
				               names[F_FILED_AT]);
				problems++;
			}
		}
	}
	return problems;
}

/* Debtor kinds of filing.md: the English words and the Chinese legal terms
 * (非法人组织, an unincorporated organisation, also holds a credit code). */
static enum ck_subject_kind
parse_kind(const char *text)
{
	static const struct {
		const char *word;
		enum ck_subject_kind kind;
	} kinds[] = {
	    {"person", CK_SUBJECT_PERSON},  {"org", CK_SUBJECT_ORG},
	    {"自然人", CK_SUBJECT_PERSON},  {"法人", CK_SUBJECT_ORG},
	    {"非法人组织", CK_SUBJECT_ORG},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(text, kinds[i].word) == 0)
			return kinds[i].kind;
	return 0;
}

int
filing_check_debtor(struct filing_ctx *fx, const char *where, const char *kind_text,
                    const char *name, const char *id, struct ck_debtor_rec *out)
{
	const char *const *names = fx->field_names;
	int problems = 0;
	*out = (struct ck_debtor_rec){0};

	enum ck_subject_kind kind = 0;
	if (!present(kind_text)) {
		filing_problem(fx, where, "%s is missing", names[F_DEBTOR_KIND]);
		problems++;
	} else if ((kind = parse_kind(kind_text)) == 0) {
		filing_problem(fx, where,
		               "%s \"%s\": must be person or org (自然人, 法人, 非法人组织)",
		               names[F_DEBTOR_KIND], kind_text);
		problems++;
	}
	out->kind = kind;
	problems += check_text(fx, where, F_DEBTOR_NAME, name);
	out->name = name;

	char normalised[CK_ID_BUF], err[CK_ERR_SIZE] = "";
	if (!present(id)) {
		filing_problem(fx, where, "%s is missing", names[F_DEBTOR_ID]);
		return problems + 1;
	}
	if (kind == 0)
		return problems;
	if (ck_ids_check_subject(kind, id, normalised, err) == CK_OK) {
		out->id_no = ck_arena_strndup(&fx->arena, normalised, strlen(normalised));
		return problems;
	}
	/* Say plainly when the identifier is good but of the other kind. */
	int other = kind == CK_SUBJECT_PERSON ? CK_SUBJECT_ORG : CK_SUBJECT_PERSON;
	if (ck_ids_kind_of(id) == other)
		filing_problem(fx, where, "%s %s is a %s but %s is %s", names[F_DEBTOR_ID], id,
		               other == CK_SUBJECT_ORG ? "unified social credit code"
		                                       : "resident identity number",
		               names[F_DEBTOR_KIND], kind_text);
	else
		filing_problem(fx, where, "%s %s", names[F_DEBTOR_ID], err);
	return problems + 1;
}

/* ---- Storing ------------------------------------------------------------ */

int
filing_store_case(struct filing_ctx *fx, const struct ck_case_rec *c,
                  const struct ck_debtor_rec *debtors, size_t n, char *err)
{
	if (fx->cases_in_batch == 0) {
		int rc = ck_store_begin_whole_batch(fx->st, err);
		if (rc != CK_OK)
			return rc;
		fx->batch = (struct ck_filing_stats){0};
	}
	struct ck_import_outcome outcome;
	int rc = ck_store_import_case(fx->st, c, debtors, n, fx->source, fx->now, &outcome, err);
	if (rc != CK_OK) {
		/* The store rolled back the whole batch. */
		fx->cases_in_batch = 0;
		return rc;
	}
	switch (outcome.result) {
	case CK_IMPORT_CREATED: fx->batch.cases_created++; break;
	case CK_IMPORT_UPDATED: fx->batch.cases_updated++; break;
	case CK_IMPORT_UNCHANGED: fx->batch.cases_unchanged++; break;
	}
	fx->batch.debtors_added += outcome.debtors_added;
	fx->batch.debtors_removed += outcome.debtors_removed;
	if (++fx->cases_in_batch == FILING_CASES_PER_BATCH)
		return filing_commit(fx, err);
	return CK_OK;
}

int
filing_commit(struct filing_ctx *fx, char *err)
{
	if (fx->cases_in_batch == 0)
		return CK_OK;
	fx->cases_in_batch = 0;
	if (fx->src != NULL && !filing_src_unchanged(fx->src)) {
		ck_store_rollback_batch(fx->st);
		return ck_fail(err, CK_E_IO,
		               "%s changed while it was being imported: stopped, the cases of the "
		               "batch in progress were not imported",
		               fx->name);
	}
	int rc = ck_store_commit_batch(fx->st, err);
	if (rc != CK_OK)
		return rc;
	fx->stats->cases_created += fx->batch.cases_created;
	fx->stats->cases_updated += fx->batch.cases_updated;
	fx->stats->cases_unchanged += fx->batch.cases_unchanged;
	fx->stats->debtors_added += fx->batch.debtors_added;
	fx->stats->debtors_removed += fx->batch.debtors_removed;
	return CK_OK;
}

void
filing_reject_case(struct filing_ctx *fx, const char *where, const char *case_no)
{
	fx->stats->cases_rejected++;
	filing_problem(fx, where, "case %s rejected: nothing of it was imported",
	               present(case_no) ? case_no : "without a case number");
}

/* ---- Entry points ------------------------------------------------------- */

int
ck_filing_encoding_parse(const char *text)
{
	if (strcasecmp(text, "utf-8") == 0 || strcasecmp(text, "utf8") == 0)
		return CK_ENCODING_UTF8;
	if (strcasecmp(text, "gb18030") == 0 || strcasecmp(text, "gbk") == 0)
		return CK_ENCODING_GB18030;
	return -1;
}

/* XML if the text starts with '<' after a BOM and blanks. */
static int
sniff_format(struct filing_src *src, enum ck_filing_format *format)
{
	size_t off = 0;
	int rc;
	const char *p;
	if (src->size >= 3) {
		if ((p = filing_src_bytes(src, 0, 3, 1, &rc)) == NULL)
			return rc;
		if (memcmp(p, "\xef\xbb\xbf", 3) == 0)
			off = 3;
	}
	while (off < src->size) {
		size_t n = src->size - off < 4096 ? src->size - off : 4096;
		if ((p = filing_src_bytes(src, off, n, 1, &rc)) == NULL)
			return rc;
		for (size_t i = 0; i < n; i++) {
			if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')
				continue;
			*format = p[i] == '<' ? CK_FILING_XML : CK_FILING_CSV;
			return CK_OK;
		}
		off += n;
	}
	*format = CK_FILING_CSV;
	return CK_OK;
}

/* Reads the whole source into memory (XML is parsed as a document). */
static int
whole(struct filing_src *src, const char *name, const char **data, char **owned, char *err)
{
	*owned = NULL;
	if (src->mem != NULL) {
		*data = src->mem;
		return CK_OK;
	}
	char *buf = malloc(src->size + 1);
	if (buf == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory reading %s", name);
	if (filing_src_read(src, 0, src->size, buf) != CK_OK) {
		free(buf);
		return ck_fail(err, CK_E_IO, "cannot read %s: %s", name,
		               errno ? strerror(errno) : "file changed while reading");
	}
	buf[src->size] = '\0';
	*data = *owned = buf;
	return CK_OK;
}

static int
import_src(struct ck_store *st, struct ck_xsd_set *xsd, const char *name, struct filing_src *src,
           const struct ck_filing_opts *opts, ck_filing_report_fn report, void *report_ctx,
           struct ck_filing_stats *stats, char *err)
{
	*stats = (struct ck_filing_stats){0};
	struct filing_ctx fx = {
	    .st = st,
	    .xsd = xsd,
	    .name = name,
	    .source = opts->source ? opts->source : name,
	    .now = opts->now,
	    .encoding = opts->encoding,
	    .report = report,
	    .report_ctx = report_ctx,
	    .stats = stats,
	    .field_names = ck_filing_csv_names,
	};
	enum ck_filing_format format = opts->format;
	int rc = CK_OK;
	if (format == CK_FILING_AUTO && (rc = sniff_format(src, &format)) != CK_OK)
		return ck_fail(err, rc, "cannot read %s: %s", name, ck_strerror(rc));
	if (format == CK_FILING_XML) {
		const char *data = NULL;
		char *owned = NULL;
		rc = whole(src, name, &data, &owned, err);
		if (rc == CK_OK)
			rc = filing_import_xml(&fx, data, src->size, err);
		free(owned);
	} else {
		fx.src = src;
		rc = ck_store_bulk_begin(st, err);
		if (rc == CK_OK)
			rc = filing_import_csv(&fx, src, err);
	}
	if (rc == CK_OK)
		rc = filing_commit(&fx, err);
	else if (fx.cases_in_batch > 0)
		ck_store_rollback_batch(st); /* none of the batch in progress */
	if (format != CK_FILING_XML)
		ck_store_bulk_end(st);
	ck_arena_release(&fx.arena);
	return rc;
}

int
ck_filing_import_buffer(struct ck_store *st, struct ck_xsd_set *xsd, const char *name,
                        const void *data, size_t len, const struct ck_filing_opts *opts,
                        ck_filing_report_fn report, void *report_ctx, struct ck_filing_stats *stats,
                        char *err)
{
	*stats = (struct ck_filing_stats){0};
	if (len > CK_FILING_MAX_BYTES)
		return ck_fail(err, CK_E_TOOBIG, "%s is larger than %zu bytes", name,
		               CK_FILING_MAX_BYTES);
	struct filing_src src;
	filing_src_memory(&src, data, len);
	int rc = import_src(st, xsd, name, &src, opts, report, report_ctx, stats, err);
	filing_src_release(&src);
	return rc;
}

int
ck_filing_import_file(struct ck_store *st, struct ck_xsd_set *xsd, const char *path,
                      const struct ck_filing_opts *opts, ck_filing_report_fn report,
                      void *report_ctx, struct ck_filing_stats *stats, char *err)
{
	*stats = (struct ck_filing_stats){0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ck_fail(err, CK_E_IO, "cannot open %s: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return ck_fail(err, CK_E_IO, "%s is not a regular file", path);
	}
	if ((uint64_t)sb.st_size > CK_FILING_MAX_BYTES) {
		close(fd);
		return ck_fail(err, CK_E_TOOBIG, "%s is larger than %zu bytes", path,
		               CK_FILING_MAX_BYTES);
	}
	struct filing_src src;
	filing_src_file(&src, fd, &sb);
	int rc = import_src(st, xsd, path, &src, opts, report, report_ctx, stats, err);
	filing_src_release(&src);
	close(fd);
	return rc;
}
