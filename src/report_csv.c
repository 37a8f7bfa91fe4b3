/* SPDX-License-Identifier: MIT */
/*
 * report_csv.c: the report as CSV for spreadsheets and case-management
 * imports (columns: docs/report-csv.md).  One row per asset, vanished
 * asset and lead, and, so that a spreadsheet also shows what was not
 * searched, one row per channel and per institution asked about each
 * debtor, plus the case and its totals; the row_type column tells them
 * apart.  RFC 4180: comma-separated, CRLF line ends, a field quoted (by
 * libcsv) when it holds a comma, a quote, CR or LF.  UTF-8 with a BOM, or
 * GB18030 without one.
 *
 * Identifiers are masked as in the HTML (report_html.c says which) unless
 * opt->reveal.  A text field that a spreadsheet would take for a formula
 * (it begins with =, +, -, @, tab or CR) is written with a leading
 * apostrophe; the amount columns are never touched.
 *
 * Sections: cells and rows; the case; coverage; assets; leads; the file.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "chakong/error.h"
#include "chakong/report.h"
#include "report_zh.h"
#include "textenc.h"

/* ---- Cells and rows ------------------------------------------------------ */

enum col {
	C_ROW_TYPE,
	C_CASE_NO,
	C_ROUND,
	C_DEBTOR_NO,
	C_DEBTOR_NAME,
	C_DEBTOR_KIND,
	C_DEBTOR_ID,
	C_INSTITUTION_ID,
	C_INSTITUTION_NAME,
	C_CATEGORY,
	C_CATEGORY_ZH,
	C_REF,
	C_SUBTYPE,
	C_DESCRIPTION,
	C_CURRENCY,
	C_BOOK,
	C_AVAILABLE,
	C_ENFORCEABLE,
	C_AMOUNT,
	C_LIABILITY,
	C_SEIZABLE,
	C_STATUS,
	C_STATUS_ZH,
	C_ENCUMBRANCES,
	C_CHANGE,
	C_CHANGE_NOTE,
	C_FLAGS,
	C_NOTE,
	C_DETAIL,
	C_COUNT_
};

/* The header row: stable names, documented in docs/report-csv.md. */
static const char *const col_names[C_COUNT_] = {
    [C_ROW_TYPE] = "row_type",
    [C_CASE_NO] = "case_no",
    [C_ROUND] = "round",
    [C_DEBTOR_NO] = "debtor_no",
    [C_DEBTOR_NAME] = "debtor_name",
    [C_DEBTOR_KIND] = "debtor_kind",
    [C_DEBTOR_ID] = "debtor_id",
    [C_INSTITUTION_ID] = "institution_id",
    [C_INSTITUTION_NAME] = "institution_name",
    [C_CATEGORY] = "category",
    [C_CATEGORY_ZH] = "category_zh",
    [C_REF] = "ref",
    [C_SUBTYPE] = "subtype",
    [C_DESCRIPTION] = "description",
    [C_CURRENCY] = "currency",
    [C_BOOK] = "book",
    [C_AVAILABLE] = "available",
    [C_ENFORCEABLE] = "enforceable",
    [C_AMOUNT] = "amount",
    [C_LIABILITY] = "liability",
    [C_SEIZABLE] = "seizable",
    [C_STATUS] = "status",
    [C_STATUS_ZH] = "status_zh",
    [C_ENCUMBRANCES] = "encumbrances",
    [C_CHANGE] = "change",
    [C_CHANGE_NOTE] = "change_note",
    [C_FLAGS] = "flags",
    [C_NOTE] = "note",
    [C_DETAIL] = "detail",
};

struct csv {
	struct ck_buf doc; /* UTF-8, without the BOM */
	struct ck_buf cell[C_COUNT_];
	const struct ck_report *r;
	int reveal;
};

static int
numeric(enum col k)
{
	return k == C_ROUND || k == C_DEBTOR_NO || k == C_BOOK || k == C_AVAILABLE ||
	       k == C_ENFORCEABLE || k == C_AMOUNT;
}

static void
put(struct csv *c, enum col k, const char *text)
{
	ck_zh_clean(&c->cell[k], text);
}

static void
put_amount(struct csv *c, enum col k, int64_t minor)
{
	ck_buf_amount(&c->cell[k], minor);
}

static void
put_int(struct csv *c, enum col k, long long n)
{
	ck_buf_printf(&c->cell[k], "%lld", n);
}

/* Appends to a list cell ("; " between items). */
static struct ck_buf *
item(struct csv *c, enum col k)
{
	if (c->cell[k].len)
		ck_buf_puts(&c->cell[k], k == C_FLAGS ? " " : "; ");
	return &c->cell[k];
}

static void
put_item(struct csv *c, enum col k, const char *text)
{
	ck_zh_clean(item(c, k), text);
}

/* key=value in the detail column. */
static void
detail(struct csv *c, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	struct ck_buf *b = item(c, C_DETAIL);
	ck_buf_puts(b, key);
	ck_buf_puts(b, "=");
	ck_zh_clean(b, value);
}

static void
detail_int(struct csv *c, const char *key, long long n)
{
	ck_buf_printf(item(c, C_DETAIL), "%s=%lld", key, n);
}

static void
detail_time(struct csv *c, const char *key, int64_t epoch)
{
	if (epoch == 0)
		return;
	struct ck_buf *b = item(c, C_DETAIL);
	ck_buf_printf(b, "%s=", key);
	ck_zh_time(b, epoch, c->r->filed_offset_min);
}

static void
field(struct csv *c, enum col k, const char *text)
{
	if (text != NULL)
		put(c, k, text);
}

static void
id_no(struct csv *c, enum col k, const char *id)
{
	char masked[CK_MASK_BUF];
	if (c->reveal) {
		put(c, k, id);
		return;
	}
	ck_ids_mask_id(id, masked, sizeof masked);
	put(c, k, masked);
}

static void
account(struct csv *c, enum col k, const char *ref)
{
	char masked[CK_MASK_BUF];
	if (c->reveal) {
		put(c, k, ref);
		return;
	}
	ck_ids_mask_account(ref, masked, sizeof masked);
	put(c, k, masked);
}

static void
write_field(struct ck_buf *doc, const char *text, size_t len, int guard)
{
	int quote = 0;
	for (size_t i = 0; i < len && !quote; i++)
		quote = text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n';
	int formula = guard && len > 0 && strchr("=+-@\t\r", text[0]) != NULL;
	if (!quote && !formula) {
		ck_buf_add(doc, text, len);
		return;
	}
	/* libcsv quotes the whole field and doubles its quotes. */
	size_t src_len = len + (size_t)formula;
	size_t need = 2 * src_len + 2; /* every byte a quote, and the two around */
	char *src = malloc(src_len);
	char *dest = src ? malloc(need) : NULL;
	if (dest == NULL) {
		free(src);
		doc->failed = 1;
		return;
	}
	src[0] = '\'';
	memcpy(src + formula, text, len);
	size_t n = csv_write(dest, need, src, src_len);
	if (n <= need)
		ck_buf_add(doc, dest, n);
	else
		doc->failed = 1;
	free(dest);
	free(src);
}

/* Writes the row's cells and empties them for the next row. */
static void
emit(struct csv *c)
{
	for (int k = 0; k < C_COUNT_; k++) {
		struct ck_buf *cell = &c->cell[k];
		if (cell->failed)
			c->doc.failed = 1;
		if (k > 0)
			ck_buf_add(&c->doc, ",", 1);
		if (cell->len)
			write_field(&c->doc, cell->data, cell->len, !numeric((enum col)k));
		cell->len = 0;
		if (cell->data)
			cell->data[0] = '\0';
	}
	ck_buf_add(&c->doc, "\r\n", 2);
}

static void
begin(struct csv *c, const char *row_type)
{
	put(c, C_ROW_TYPE, row_type);
	put(c, C_CASE_NO, c->r->case_no);
	put_int(c, C_ROUND, c->r->round);
}

static void
begin_debtor(struct csv *c, const char *row_type, const struct ck_report_debtor *d, size_t index)
{
	begin(c, row_type);
	put_int(c, C_DEBTOR_NO, (long long)index + 1);
	put(c, C_DEBTOR_NAME, d->name);
	put(c, C_DEBTOR_KIND, d->kind == CK_SUBJECT_ORG ? "org" : "person");
	id_no(c, C_DEBTOR_ID, d->id_no);
}

/* ---- The case ------------------------------------------------------------------ */

static void
case_row(struct csv *c)
{
	const struct ck_report *r = c->r;
	begin(c, "case");
	put(c, C_CATEGORY, ck_triage_name(r->triage));
	field(c, C_CATEGORY_ZH, ck_zh_triage(r->triage));
	put(c, C_DESCRIPTION, r->court_name);
	put(c, C_CURRENCY, r->currency);
	put_amount(c, C_AMOUNT, r->amount_owed);
	const char *status = r->complete && r->deadline_met ? "deadline_met"
	                     : r->complete                  ? "late"
	                     : r->overdue                   ? "overdue"
	                                                    : "in_progress";
	const char *status_zh = r->complete && r->deadline_met ? "已按期"
	                        : r->complete || r->overdue    ? "逾期"
	                                                       : "进行中";
	put(c, C_STATUS, status);
	put(c, C_STATUS_ZH, status_zh);
	if (r->new_property)
		put_item(c, C_FLAGS, "new_property");
	if (r->termination_coverage)
		put_item(c, C_FLAGS, "termination_coverage");
	ck_zh_triage_rule(&c->cell[C_NOTE], r);
	detail(c, "rule", r->triage_rule);
	detail(c, "court_code", r->court_code);
	detail(c, "officer", r->officer);
	detail_time(c, "filed_at", r->filed_at);
	detail(c, "case_status", r->status);
	if (r->has_terminated_on) {
		struct ck_buf *b = item(c, C_DETAIL);
		ck_buf_puts(b, "terminated_on=");
		ck_zh_date(b, r->terminated_on);
	}
	if (r->previous_round >= 0)
		detail_int(c, "previous_round", r->previous_round);
	detail_time(c, "opened_at", r->opened_at);
	detail_time(c, "deadline", r->deadline);
	/* Like the JSON, nothing that depends on when within a run an answer
	 * came (completion and answer times, poll counts, RequestIds): two
	 * runs over the same filings and answers give the same bytes. */
	detail_time(c, "built_at", r->built_at);
	detail_int(c, "pending", r->pending);
	detail_int(c, "failed", r->failed);
	detail_int(c, "subject_mismatches", r->mismatches);
	emit(c);
}

static void
total_rows(struct csv *c, const char *row_type, const struct ck_report_debtor *d, size_t index,
           const struct ck_report_total *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (d != NULL)
			begin_debtor(c, row_type, d, index);
		else
			begin(c, row_type);
		put(c, C_CATEGORY, "enforceable_total");
		put(c, C_CATEGORY_ZH, "可冻结金额合计");
		put(c, C_CURRENCY, t[i].currency);
		put_amount(c, C_ENFORCEABLE, t[i].enforceable);
		put_amount(c, C_AMOUNT, t[i].liabilities);
		put(c, C_NOTE, "amount列为负债合计，不计入可冻结金额");
		detail_int(c, "liquid_assets", t[i].n_liquid);
		emit(c);
	}
}

/* ---- Coverage ------------------------------------------------------------------- */

static void
channel_rows(struct csv *c, const struct ck_report_debtor *d, size_t index)
{
	for (int ch = 0; ch < CK_CH_COUNT_; ch++) {
		const struct ck_report_channel *x = &d->channels[ch];
		begin_debtor(c, "channel", d, index);
		put(c, C_CATEGORY, ck_channel_name(x->channel));
		put(c, C_CATEGORY_ZH, ck_zh_channel(x->channel));
		put(c, C_STATUS, ck_channel_status_name(x->status));
		put(c, C_STATUS_ZH, ck_zh_channel_status(x->status));
		if (ck_channel_required_for_termination(x->channel))
			put_item(c, C_FLAGS, "required_for_termination");
		ck_zh_channel_note(&c->cell[C_NOTE], d, x->channel);
		detail_int(c, "institutions_asked", x->asked);
		detail_int(c, "answered", x->answered);
		detail_int(c, "found", x->found);
		detail_int(c, "pending", x->pending);
		detail_int(c, "failed", x->failed);
		detail(c, "districts_answered", x->districts);
		emit(c);
	}
}

static void
coverage_rows(struct csv *c, const struct ck_report_debtor *d, size_t index)
{
	for (size_t i = 0; i < d->n_coverage; i++) {
		const struct ck_report_coverage *x = &d->coverage[i];
		begin_debtor(c, "coverage", d, index);
		put(c, C_INSTITUTION_ID, x->institution_id);
		put(c, C_INSTITUTION_NAME, x->institution_name);
		put(c, C_CATEGORY, x->kind);
		field(c, C_CATEGORY_ZH, ck_zh_institution_kind(x->kind));
		put(c, C_STATUS, ck_coverage_name(x->outcome));
		put(c, C_STATUS_ZH, ck_zh_coverage(x->outcome));
		switch (x->outcome) {
		case CK_COV_MISMATCH: put(c, C_NOTE, "请核对立案信息"); break;
		case CK_COV_PENDING: put(c, C_NOTE, "等待答复"); break;
		case CK_COV_FAILED: put(c, C_NOTE, "查询失败，该机构未查询"); break;
		case CK_COV_NOT_ASKED: put(c, C_NOTE, "本轮未向该机构发出查询"); break;
		default: break;
		}
		detail(c, "district", x->district);
		if (x->outcome == CK_COV_FOUND)
			detail_int(c, "records", x->n_records);
		detail(c, "state", x->state);
		detail(c, "reason", x->reason);
		detail(c, "reason_detail", x->detail);
		detail(c, "ticket", x->ticket);
		if (x->outcome == CK_COV_PENDING)
			detail_time(c, "pending_since", x->since);
		if (x->outcome == CK_COV_PENDING || x->outcome == CK_COV_FAILED)
			detail_int(c, "attempts", x->attempts);
		emit(c);
	}
}

/* ---- Assets ----------------------------------------------------------------------- */

static int
is_account(const char *kind)
{
	return strcmp(kind, "deposit") == 0 || strcmp(kind, "wallet") == 0 ||
	       strcmp(kind, "fund") == 0 || ck_zh_asset_kind(kind) == NULL;
}

static void
encumbrance(struct csv *c, const struct ck_report_encumbrance *e)
{
	struct ck_buf *b = item(c, C_ENCUMBRANCES);
	if (strcmp(e->kind, "freeze") == 0) {
		if (e->seq == 1)
			ck_buf_puts(b, "在先冻结（顺位1）");
		else if (e->seq > 1)
			ck_buf_printf(b, "轮候冻结（顺位%d）", e->seq);
		else
			ck_buf_puts(b, "冻结");
	} else if (strcmp(e->kind, "seizure") == 0) {
		int queued = ck_zh_field_bool(e->fields, e->n_fields, "queued") == 1 || e->seq > 1;
		if (queued && e->seq > 0)
			ck_buf_printf(b, "轮候查封（第%d位）", e->seq);
		else
			ck_buf_puts(b, queued ? "轮候查封" : "首封");
	} else if (strcmp(e->kind, "mortgage") == 0) {
		ck_buf_puts(b, "抵押");
	} else {
		ck_zh_clean(b, e->kind);
	}
	ck_buf_puts(b, " ");
	ck_zh_clean(b, *e->authority ? e->authority : "—");
	if (*e->ref) {
		ck_buf_puts(b, " ");
		ck_zh_clean(b, e->ref);
	}
	if (e->has_amount) {
		ck_buf_puts(b, " ");
		ck_buf_amount(b, e->amount);
		ck_buf_puts(b, " ");
		ck_zh_clean(b, *e->currency ? e->currency : "CNY");
	}
	if (e->starts_on != CK_REPORT_NO_DATE) {
		ck_buf_puts(b, " 自");
		ck_zh_date(b, e->starts_on);
	}
	if (e->ends_on != CK_REPORT_NO_DATE) {
		ck_buf_puts(b, " 至");
		ck_zh_date(b, e->ends_on);
	}
}

/* Every stored field of the detail, personal ones masked; nested JSON
 * (the vehicle's letters, already in status_zh) is left out. */
static void
fields(struct csv *c, const struct ck_report_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].type == 'j' || f[i].type == 'n')
			continue;
		const char *value = f[i].type == 'b'
		                        ? (strcmp(f[i].value, "1") == 0 ? "true" : "false")
		                        : f[i].value;
		if (strcmp(f[i].key, "area") == 0 && f[i].type == 'i') {
			/* Stored in hundredths of a square metre. */
			struct ck_buf *b = item(c, C_DETAIL);
			ck_buf_puts(b, "area=");
			ck_buf_amount(b, strtoll(f[i].value, NULL, 10));
		} else if (strcmp(f[i].key, "mobile") == 0 && !c->reveal) {
			char masked[CK_MASK_BUF];
			ck_ids_mask_account(value, masked, sizeof masked);
			detail(c, f[i].key, masked);
		} else {
			detail(c, f[i].key, value);
		}
	}
}

static const char *
text_of(const struct ck_report_asset *a, const char *key)
{
	return ck_zh_field_text(a->fields, a->n_fields, key);
}

static void
description(struct csv *c, const struct ck_report_asset *a)
{
	const char *parts[3] = {NULL, NULL, NULL};
	if (strcmp(a->kind, "deposit") == 0)
		parts[0] = text_of(a, "branch");
	else if (strcmp(a->kind, "wealth") == 0)
		parts[0] = text_of(a, "name");
	else if (strcmp(a->kind, "realestate") == 0)
		parts[0] = text_of(a, "location");
	else if (strcmp(a->kind, "vehicle") == 0) {
		parts[0] = text_of(a, "plate");
		parts[1] = text_of(a, "brand");
		parts[2] = text_of(a, "model");
	}
	for (int i = 0; i < 3; i++) {
		if (parts[i] == NULL)
			continue;
		if (c->cell[C_DESCRIPTION].len)
			ck_buf_puts(&c->cell[C_DESCRIPTION], " ");
		put(c, C_DESCRIPTION, parts[i]);
	}
}

static void
asset_status(struct csv *c, const struct ck_report_asset *a)
{
	put(c, C_STATUS, a->status);
	if (strcmp(a->kind, "deposit") == 0) {
		field(c, C_STATUS_ZH, ck_zh_account_status(a->status));
		return;
	}
	if (strcmp(a->kind, "vehicle") != 0)
		return;
	for (const char *p = a->status; *p; p++) {
		const char *meaning = ck_zh_vehicle_letter(*p);
		char code[2] = {*p, '\0'};
		struct ck_buf *b = item(c, C_STATUS_ZH);
		ck_zh_clean(b, code);
		ck_buf_puts(b, " ");
		ck_buf_puts(b, meaning ? meaning : "（未知代码）");
	}
}

static void
asset_note(struct csv *c, const struct ck_report_asset *a)
{
	if (a->liability)
		put_item(c, C_NOTE, "负债（不计入）");
	else if (strcmp(a->kind, "deposit") == 0 && !a->has_available)
		put_item(c, C_NOTE, "可用余额未提供");
	if (strcmp(a->kind, "vehicle") == 0) {
		if (a->seizable && strchr(a->status, 'K'))
			put_item(c, C_NOTE, "已被查封，本院查封将轮候");
		for (const char *p = a->status; !a->seizable && *p; p++) {
			const char *why = ck_zh_vehicle_obstacle(*p);
			if (why != NULL)
				put_item(c, C_NOTE, why);
		}
	}
	if (strcmp(a->kind, "realestate") == 0) {
		const char *meaning = text_of(a, "share_meaning");
		if (meaning != NULL && strcmp(meaning, "not_stated") == 0)
			put_item(c, C_NOTE, "未载明份额");
		for (size_t i = 0; i < a->n_encumbrances; i++)
			if (strcmp(a->encumbrances[i].kind, "seizure") == 0) {
				put_item(c, C_NOTE, "本院查封将轮候");
				break;
			}
	}
}

static void
asset_row(struct csv *c, const char *row_type, const struct ck_report_debtor *d, size_t index,
          const struct ck_report_asset *a)
{
	begin_debtor(c, row_type, d, index);
	put(c, C_INSTITUTION_ID, a->institution_id);
	put(c, C_INSTITUTION_NAME, a->institution_name);
	put(c, C_CATEGORY, a->kind);
	/* An account says its type (活期账户, 贷款...) where the vocabulary knows it. */
	const char *type = strcmp(a->kind, "deposit") == 0 ? ck_zh_account_type(a->subtype) : NULL;
	field(c, C_CATEGORY_ZH, type ? type : ck_zh_asset_kind(a->kind));
	if (is_account(a->kind))
		account(c, C_REF, a->ref);
	else
		put(c, C_REF, a->ref);
	put(c, C_SUBTYPE, a->subtype);
	description(c, a);
	put(c, C_CURRENCY, a->currency);
	if (a->has_book)
		put_amount(c, C_BOOK, a->book);
	if (a->has_available)
		put_amount(c, C_AVAILABLE, a->available);
	put_amount(c, C_ENFORCEABLE, a->enforceable);
	put(c, C_LIABILITY, a->liability ? "1" : "0");
	put(c, C_SEIZABLE, a->seizable ? "1" : "0");
	asset_status(c, a);
	for (size_t i = 0; i < a->n_encumbrances; i++)
		encumbrance(c, &a->encumbrances[i]);
	put(c, C_CHANGE, ck_zh_change_name(a->change));
	ck_zh_change_note(&c->cell[C_CHANGE_NOTE], a->change_note);
	asset_note(c, a);
	fields(c, a->fields, a->n_fields);
	emit(c);
}

/* ---- Leads ---------------------------------------------------------------------- */

static void
lead_row(struct csv *c, const struct ck_report_debtor *d, size_t index,
         const struct ck_report_lead *l)
{
	begin_debtor(c, "lead", d, index);
	put(c, C_INSTITUTION_ID, l->institution_id);
	put(c, C_INSTITUTION_NAME, l->institution_name);
	put(c, C_CATEGORY, l->kind);
	field(c, C_CATEGORY_ZH, ck_zh_lead_kind(l->kind));
	/* Codes: a credit code or a card tail is shown; a whole card number
	 * or an unknown kind's code is masked like an account. */
	if (strcmp(l->kind, "employer") == 0 ||
	    (strcmp(l->kind, "bound_card") == 0 && strlen(l->code) <= 4))
		put(c, C_REF, l->code);
	else
		account(c, C_REF, l->code);
	put(c, C_DESCRIPTION, l->label);
	put(c, C_CURRENCY, l->currency);
	if (l->has_amount)
		put_amount(c, C_AMOUNT, l->amount);
	const char *insurance = ck_zh_field_text(l->fields, l->n_fields, "insurance");
	const char *state = ck_zh_field_text(l->fields, l->n_fields, "state");
	field(c, C_SUBTYPE, insurance);
	field(c, C_STATUS, state);
	field(c, C_STATUS_ZH, ck_zh_employment_state(state));
	if (ck_zh_field_bool(l->fields, l->n_fields, "withholding_lead") == 1) {
		put_item(c, C_FLAGS, "withholding_lead");
		put_item(c, C_NOTE, "可扣划工资");
	}
	if (l->bank_not_asked) {
		put_item(c, C_FLAGS, "bank_not_asked");
		put_item(c, C_NOTE, "未查询该银行，建议补充查询");
	}
	if (l->flagged) {
		put_item(c, C_FLAGS, "flagged");
		put_item(c, C_NOTE, "请核查限制消费：如已发出限制消费令，上述消费可能违反该令");
	}
	if (strcmp(l->kind, "pension") == 0)
		put_item(c, C_NOTE, "可查询、冻结该银行的养老金账户");
	fields(c, l->fields, l->n_fields);
	emit(c);
}

/* ---- The file --------------------------------------------------------------------- */

static void
header_row(struct csv *c)
{
	for (int k = 0; k < C_COUNT_; k++)
		put(c, (enum col)k, col_names[k]);
	emit(c);
}

static void
debtor_rows(struct csv *c, const struct ck_report_debtor *d, size_t index)
{
	total_rows(c, "debtor_total", d, index, d->totals, d->n_totals);
	channel_rows(c, d, index);
	coverage_rows(c, d, index);
	for (size_t i = 0; i < d->n_assets; i++)
		asset_row(c, "asset", d, index, &d->assets[i]);
	for (size_t i = 0; i < d->n_vanished; i++)
		asset_row(c, "vanished", d, index, &d->vanished[i]);
	for (size_t i = 0; i < d->n_leads; i++)
		lead_row(c, d, index, &d->leads[i]);
}

int
ck_report_csv(const struct ck_report *r, const struct ck_report_render *opt, struct ck_buf *out,
              char *err)
{
	struct csv c = {.r = r, .reveal = opt != NULL && opt->reveal};
	header_row(&c);
	case_row(&c);
	total_rows(&c, "total", NULL, 0, r->totals, r->n_totals);
	for (size_t i = 0; i < r->n_debtors; i++)
		debtor_rows(&c, &r->debtors[i], i);
	for (int k = 0; k < C_COUNT_; k++)
		ck_buf_release(&c.cell[k]);

	int rc = CK_OK;
	if (c.doc.failed) {
		rc = ck_fail(err, CK_E_NOMEM, "out of memory rendering a report");
	} else if (opt != NULL && opt->gb18030) {
		char *converted = NULL;
		size_t len = 0, bad = 0;
		rc = ck_from_utf8("GB18030", (const unsigned char *)c.doc.data, c.doc.len,
		                  &converted, &len, &bad);
		if (rc == CK_OK)
			ck_buf_add(out, converted, len);
		else if (rc == CK_E_NOMEM)
			rc = ck_fail(err, rc, "out of memory rendering a report");
		else
			rc = ck_fail(err, rc, "report CSV: cannot convert to GB18030 (byte %zu)",
			             bad);
		free(converted);
	} else {
		ck_buf_add(out, "\xEF\xBB\xBF", 3); /* the BOM spreadsheets look for */
		ck_buf_add(out, c.doc.data, c.doc.len);
	}
	ck_buf_release(&c.doc);
	if (rc == CK_OK && out->failed)
		rc = ck_fail(err, CK_E_NOMEM, "out of memory rendering a report");
	return rc;
}
