/* SPDX-License-Identifier: MIT */
/*
 * report_json.c: the report as JSON for machines.  Keys are stable and
 * documented in docs/report-json.md; amounts are integer hundredths with
 * their currency; times are ISO 8601 at the case's filing offset; dates
 * YYYY-MM-DD.  Nothing in it depends on row ids, the store's random name
 * or when in a run an answer came (answer times, poll counts), so two runs
 * over the same filings and answers render the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "chakong/error.h"
#include "chakong/json.h"
#include "chakong/report.h"
#include "chakong/timeutil.h"

#define REPORT_FORMAT "chakong-report/1"

static void
kv_time(struct ck_json *j, const char *key, int64_t epoch, int offset_min)
{
	char text[CK_TIME_BUF];
	ck_json_key(j, key);
	if (epoch == 0 || ck_time_format(epoch, offset_min, text, sizeof text) != CK_OK)
		ck_json_null(j);
	else
		ck_json_string(j, text);
}

/* CK_REPORT_NO_DATE is the writer's "no date" too: null. */
static void
kv_date(struct ck_json *j, const char *key, int64_t days)
{
	ck_json_kv_date(j, key, days);
}

static void
kv_bool(struct ck_json *j, const char *key, int value)
{
	ck_json_key(j, key);
	ck_json_bool(j, value);
}

static void
kv_opt_string(struct ck_json *j, const char *key, const char *value)
{
	ck_json_kv_string(j, key, value && *value ? value : NULL);
}

static void
kv_money(struct ck_json *j, const char *key, int has, int64_t amount)
{
	ck_json_key(j, key);
	if (has)
		ck_json_int(j, amount);
	else
		ck_json_null(j);
}

static void
fields(struct ck_json *j, const struct ck_report_field *f, size_t n)
{
	ck_json_key(j, "detail");
	ck_json_object_begin(j);
	for (size_t i = 0; i < n; i++) {
		ck_json_key(j, f[i].key);
		switch (f[i].type) {
		case 's': ck_json_string(j, f[i].value); break;
		case 'b': ck_json_bool(j, strcmp(f[i].value, "1") == 0); break;
		case 'n': ck_json_null(j); break;
		default: /* integers and nested JSON are JSON text already */
			ck_json_raw(j, f[i].value);
		}
	}
	ck_json_object_end(j);
}

static void
totals(struct ck_json *j, const struct ck_report_total *t, size_t n)
{
	ck_json_key(j, "totals");
	ck_json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		ck_json_object_begin(j);
		ck_json_kv_string(j, "currency", t[i].currency);
		ck_json_kv_int(j, "enforceable", t[i].enforceable);
		ck_json_kv_int(j, "liabilities", t[i].liabilities);
		ck_json_kv_int(j, "liquid_assets", t[i].n_liquid);
		ck_json_object_end(j);
	}
	ck_json_array_end(j);
}

static const char *const change_names[] = {NULL, "new", "changed", "vanished"};

static void
encumbrance(struct ck_json *j, const struct ck_report_encumbrance *e)
{
	ck_json_object_begin(j);
	ck_json_kv_string(j, "kind", e->kind);
	kv_opt_string(j, "authority", e->authority);
	kv_opt_string(j, "ref", e->ref);
	ck_json_key(j, "seq");
	if (e->seq)
		ck_json_int(j, e->seq);
	else
		ck_json_null(j);
	kv_money(j, "amount", e->has_amount, e->amount);
	kv_opt_string(j, "currency", e->currency);
	kv_date(j, "starts_on", e->starts_on);
	kv_date(j, "ends_on", e->ends_on);
	fields(j, e->fields, e->n_fields);
	ck_json_object_end(j);
}

static void
asset(struct ck_json *j, const struct ck_report_asset *a)
{
	ck_json_object_begin(j);
	ck_json_kv_string(j, "kind", a->kind);
	ck_json_kv_string(j, "institution", a->institution_id);
	ck_json_kv_string(j, "ref", a->ref);
	kv_opt_string(j, "subtype", a->subtype);
	kv_opt_string(j, "currency", a->currency);
	kv_money(j, "book", a->has_book, a->book);
	kv_money(j, "available", a->has_available, a->available);
	ck_json_kv_int(j, "enforceable", a->enforceable);
	kv_bool(j, "liability", a->liability);
	kv_bool(j, "seizable", a->seizable);
	kv_opt_string(j, "status", a->status);
	ck_json_kv_string(j, "change", change_names[a->change]);
	kv_opt_string(j, "change_note", a->change_note);
	fields(j, a->fields, a->n_fields);
	ck_json_key(j, "encumbrances");
	ck_json_array_begin(j);
	for (size_t i = 0; i < a->n_encumbrances; i++)
		encumbrance(j, &a->encumbrances[i]);
	ck_json_array_end(j);
	ck_json_object_end(j);
}

static void
lead(struct ck_json *j, const struct ck_report_lead *l)
{
	ck_json_object_begin(j);
	ck_json_kv_string(j, "kind", l->kind);
	ck_json_kv_string(j, "institution", l->institution_id);
	kv_opt_string(j, "label", l->label);
	kv_opt_string(j, "code", l->code);
	kv_money(j, "amount", l->has_amount, l->amount);
	kv_opt_string(j, "currency", l->currency);
	kv_bool(j, "bank_not_asked", l->bank_not_asked);
	kv_bool(j, "flagged", l->flagged);
	fields(j, l->fields, l->n_fields);
	ck_json_object_end(j);
}

static void
coverage(struct ck_json *j, const struct ck_report_coverage *c, int offset)
{
	ck_json_object_begin(j);
	ck_json_kv_string(j, "institution", c->institution_id);
	ck_json_kv_string(j, "name", c->institution_name);
	ck_json_kv_string(j, "kind", c->kind);
	kv_opt_string(j, "district", c->district);
	ck_json_kv_string(j, "outcome", ck_coverage_name(c->outcome));
	ck_json_kv_int(j, "records", c->n_records);
	kv_opt_string(j, "state", c->state);
	kv_opt_string(j, "reason", c->reason);
	kv_opt_string(j, "reason_detail", c->detail);
	kv_opt_string(j, "ticket", c->ticket);
	kv_time(j, "pending_since", c->outcome == CK_COV_PENDING ? c->since : 0, offset);
	/* Attempts of settled answers depend on timing (polls, retries): only
	 * an unsettled or failed query's count is worth its instability. */
	ck_json_key(j, "attempts");
	if (c->outcome == CK_COV_PENDING || c->outcome == CK_COV_FAILED)
		ck_json_int(j, c->attempts);
	else
		ck_json_null(j);
	ck_json_object_end(j);
}

static void
channel(struct ck_json *j, const struct ck_report_channel *c)
{
	ck_json_object_begin(j);
	ck_json_kv_string(j, "channel", ck_channel_name(c->channel));
	ck_json_kv_string(j, "status", ck_channel_status_name(c->status));
	kv_bool(j, "required_for_termination", ck_channel_required_for_termination(c->channel));
	ck_json_kv_int(j, "institutions_asked", c->asked);
	ck_json_kv_int(j, "answered", c->answered);
	ck_json_kv_int(j, "found", c->found);
	ck_json_kv_int(j, "pending", c->pending);
	ck_json_kv_int(j, "failed", c->failed);
	kv_opt_string(j, "districts_answered", c->districts);
	ck_json_object_end(j);
}

static void
debtor(struct ck_json *j, const struct ck_report_debtor *d, int offset)
{
	ck_json_object_begin(j);
	ck_json_kv_string(j, "kind", d->kind == CK_SUBJECT_ORG ? "org" : "person");
	ck_json_kv_string(j, "name", d->name);
	ck_json_kv_string(j, "id_no", d->id_no);
	ck_json_key(j, "channels");
	ck_json_array_begin(j);
	for (int ch = 0; ch < CK_CH_COUNT_; ch++)
		channel(j, &d->channels[ch]);
	ck_json_array_end(j);
	ck_json_key(j, "coverage");
	ck_json_array_begin(j);
	for (size_t i = 0; i < d->n_coverage; i++)
		coverage(j, &d->coverage[i], offset);
	ck_json_array_end(j);
	ck_json_key(j, "assets");
	ck_json_array_begin(j);
	for (size_t i = 0; i < d->n_assets; i++)
		asset(j, &d->assets[i]);
	ck_json_array_end(j);
	ck_json_key(j, "vanished");
	ck_json_array_begin(j);
	for (size_t i = 0; i < d->n_vanished; i++)
		asset(j, &d->vanished[i]);
	ck_json_array_end(j);
	ck_json_key(j, "leads");
	ck_json_array_begin(j);
	for (size_t i = 0; i < d->n_leads; i++)
		lead(j, &d->leads[i]);
	ck_json_array_end(j);
	totals(j, d->totals, d->n_totals);
	ck_json_object_end(j);
}

int
ck_report_json(const struct ck_report *r, struct ck_buf *out, char *err)
{
	int offset = r->filed_offset_min;
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "format", REPORT_FORMAT);
	kv_time(&j, "built_at", r->built_at, offset);

	ck_json_key(&j, "case");
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "case_no", r->case_no);
	ck_json_kv_string(&j, "court_code", r->court_code);
	ck_json_kv_string(&j, "court_name", r->court_name);
	ck_json_kv_string(&j, "officer", r->officer);
	kv_time(&j, "filed_at", r->filed_at, offset);
	ck_json_kv_int(&j, "amount_owed", r->amount_owed);
	ck_json_kv_string(&j, "currency", r->currency);
	ck_json_kv_string(&j, "status", r->status);
	kv_date(&j, "terminated_on", r->has_terminated_on ? r->terminated_on : CK_REPORT_NO_DATE);
	ck_json_object_end(&j);

	ck_json_key(&j, "round");
	ck_json_object_begin(&j);
	ck_json_kv_int(&j, "number", r->round);
	ck_json_key(&j, "previous");
	if (r->previous_round >= 0)
		ck_json_int(&j, r->previous_round);
	else
		ck_json_null(&j);
	kv_time(&j, "opened_at", r->opened_at, offset);
	kv_time(&j, "deadline", r->deadline, offset);
	kv_bool(&j, "complete", r->complete);
	kv_bool(&j, "deadline_met", r->deadline_met);
	kv_bool(&j, "overdue", r->overdue);
	ck_json_object_end(&j);

	ck_json_key(&j, "triage");
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "class", ck_triage_name(r->triage));
	ck_json_kv_string(&j, "rule", r->triage_rule);
	kv_bool(&j, "termination_coverage", r->termination_coverage);
	kv_bool(&j, "new_property", r->new_property);
	ck_json_kv_int(&j, "pending", r->pending);
	ck_json_kv_int(&j, "failed", r->failed);
	ck_json_kv_int(&j, "subject_mismatches", r->mismatches);
	ck_json_object_end(&j);

	totals(&j, r->totals, r->n_totals);
	ck_json_key(&j, "debtors");
	ck_json_array_begin(&j);
	for (size_t i = 0; i < r->n_debtors; i++)
		debtor(&j, &r->debtors[i], offset);
	ck_json_array_end(&j);
	ck_json_object_end(&j);

	char *text = ck_json_detach(&j);
	if (text == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory rendering a report");
	ck_buf_puts(out, text);
	ck_buf_puts(out, "\n");
	free(text);
	return out->failed ? ck_fail(err, CK_E_NOMEM, "out of memory rendering a report") : CK_OK;
}
