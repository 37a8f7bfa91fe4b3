/* SPDX-License-Identifier: MIT */
/*
 * truth.c: `chakong-sim truth`, the world as JSON (docs/sim.md, "Ground
 * truth"): every subject, and for each instance that can be asked about it
 * the status of its answer and every record it holds, so that tests can
 * compare the engine's store with what the institutions really hold.
 *
 * The output is a pure function of the world: keys in a fixed order, no
 * floating point (amounts are integer hundredths, areas too), one subject
 * per line.  It is streamed subject by subject, so a large world needs no
 * more memory than one subject's holdings.
 */
#include "sim.h"
#include "simdata.h"
#include "chakong/error.h"

#include <stdio.h>
#include <string.h>

static void
key(struct ck_buf *b, const char *name)
{
	ck_buf_printf(b, "\"%s\":", name);
}

static void
str_field(struct ck_buf *b, const char *name, const char *value)
{
	key(b, name);
	ck_buf_puts(b, "\"");
	ck_buf_json(b, value);
	ck_buf_puts(b, "\"");
}

static void
int_field(struct ck_buf *b, const char *name, int64_t value)
{
	key(b, name);
	ck_buf_printf(b, "%lld", (long long)value);
}

static void
date_field(struct ck_buf *b, const char *name, int64_t days)
{
	key(b, name);
	ck_buf_puts(b, "\"");
	ck_buf_date(b, days);
	ck_buf_puts(b, "\"");
}

static void
month_field(struct ck_buf *b, const char *name, int year, int month)
{
	key(b, name);
	ck_buf_printf(b, "\"%04d-%02d\"", year, month);
}

/* ---- Banks ------------------------------------------------------------------ */

static void
freeze_json(struct ck_buf *b, const struct sim_freeze *f, const char *currency)
{
	ck_buf_puts(b, "{");
	str_field(b, "authority", f->authority);
	ck_buf_puts(b, ",");
	str_field(b, "ref", f->ref);
	ck_buf_puts(b, ",");
	int_field(b, "amount", f->amount);
	ck_buf_puts(b, ",");
	str_field(b, "currency", currency);
	ck_buf_puts(b, ",");
	int_field(b, "seq", f->seq);
	ck_buf_puts(b, ",");
	date_field(b, "expires_on", f->expires_on);
	ck_buf_puts(b, "}");
}

static void
account_json(struct ck_buf *b, const struct sim_account *a)
{
	ck_buf_puts(b, "{");
	str_field(b, "id", a->id);
	ck_buf_puts(b, ",");
	str_field(b, "type", a->type);
	ck_buf_puts(b, ",");
	str_field(b, "currency", a->currency);
	ck_buf_puts(b, ",");
	str_field(b, "status", a->status);
	if (a->branch[0]) {
		ck_buf_puts(b, ",");
		str_field(b, "branch", a->branch);
	}
	if (a->opened_on >= 0) {
		ck_buf_puts(b, ",");
		date_field(b, "opened_on", a->opened_on);
	}
	ck_buf_puts(b, ",");
	int_field(b, "book", a->book);
	if (a->has_available) {
		ck_buf_puts(b, ",");
		int_field(b, "available", a->available);
	}
	ck_buf_puts(b, ",\"freezes\":[");
	for (size_t i = 0; i < a->n_freezes; i++) {
		if (i)
			ck_buf_puts(b, ",");
		freeze_json(b, &a->freezes[i], a->currency);
	}
	ck_buf_puts(b, "]}");
}

static void
wealth_json(struct ck_buf *b, const struct sim_wealth *w)
{
	ck_buf_puts(b, "{");
	str_field(b, "product_id", w->product_id);
	ck_buf_puts(b, ",");
	str_field(b, "product_name", w->product_name);
	ck_buf_puts(b, ",");
	int_field(b, "market_value", w->market_value);
	ck_buf_puts(b, ",");
	str_field(b, "currency", w->currency);
	if (w->matures_on >= 0) {
		ck_buf_puts(b, ",");
		date_field(b, "matures_on", w->matures_on);
	}
	ck_buf_puts(b, "}");
}

static void
bank_json(struct ck_buf *b, const struct sim_holding *h)
{
	ck_buf_puts(b, ",\"accounts\":[");
	for (size_t i = 0; i < h->n_accounts; i++) {
		if (i)
			ck_buf_puts(b, ",");
		account_json(b, &h->accounts[i]);
	}
	ck_buf_puts(b, "],\"wealth\":[");
	for (size_t i = 0; i < h->n_wealth; i++) {
		if (i)
			ck_buf_puts(b, ",");
		wealth_json(b, &h->wealth[i]);
	}
	ck_buf_puts(b, "]");
}

/* ---- Real estate ------------------------------------------------------------ */

static void
mortgage_json(struct ck_buf *b, const struct sim_mortgage *m)
{
	ck_buf_puts(b, "{");
	str_field(b, "holder", m->holder);
	ck_buf_puts(b, ",");
	int_field(b, "secured", m->secured);
	ck_buf_puts(b, ",\"currency\":\"CNY\",");
	date_field(b, "starts_on", m->starts_on);
	ck_buf_puts(b, ",");
	date_field(b, "ends_on", m->ends_on);
	ck_buf_puts(b, "}");
}

static void
seizure_json(struct ck_buf *b, const struct sim_seizure *z)
{
	ck_buf_puts(b, "{");
	str_field(b, "authority", z->authority);
	ck_buf_puts(b, ",");
	str_field(b, "ref", z->ref);
	ck_buf_puts(b, ",");
	str_field(b, "type", z->queued ? "轮候查封" : "查封");
	ck_buf_puts(b, ",");
	int_field(b, "position", z->position);
	ck_buf_puts(b, ",");
	date_field(b, "starts_on", z->starts_on);
	ck_buf_puts(b, ",");
	date_field(b, "ends_on", z->ends_on);
	ck_buf_puts(b, "}");
}

static void
property_json(struct ck_buf *b, const struct sim_property *p)
{
	static const char *const suffixes[] = {"", "㎡", "平方米"};
	ck_buf_puts(b, "{");
	str_field(b, "unit_id", p->unit_id);
	ck_buf_puts(b, ",");
	str_field(b, "certificate", p->certificate);
	ck_buf_puts(b, ",");
	str_field(b, "location", p->location);
	ck_buf_puts(b, ",");
	str_field(b, "use", p->use);
	ck_buf_puts(b, ",");
	int_field(b, "area", p->area);
	ck_buf_puts(b, ",");
	str_field(b, "area_suffix", suffixes[p->area_suffix % 3]);
	ck_buf_puts(b, ",");
	str_field(b, "ownership", p->ownership);
	if (p->share[0]) {
		ck_buf_puts(b, ",");
		str_field(b, "share", p->share);
	}
	ck_buf_puts(b, ",");
	date_field(b, "registered_on", p->registered_on);
	ck_buf_puts(b, ",\"mortgages\":[");
	for (size_t i = 0; i < p->n_mortgages; i++) {
		if (i)
			ck_buf_puts(b, ",");
		mortgage_json(b, &p->mortgages[i]);
	}
	ck_buf_puts(b, "],\"seizures\":[");
	for (size_t i = 0; i < p->n_seizures; i++) {
		if (i)
			ck_buf_puts(b, ",");
		seizure_json(b, &p->seizures[i]);
	}
	ck_buf_puts(b, "]}");
}

static void
realestate_json(struct ck_buf *b, const struct sim_holding *h)
{
	ck_buf_puts(b, ",\"properties\":[");
	for (size_t i = 0; i < h->n_properties; i++) {
		if (i)
			ck_buf_puts(b, ",");
		property_json(b, &h->properties[i]);
	}
	ck_buf_puts(b, "]");
}

/* ---- Vehicles, social insurance ---------------------------------------------------- */

static void
vehicle_json(struct ck_buf *b, const struct sim_vehicle *v)
{
	ck_buf_puts(b, "{");
	str_field(b, "plate_kind", v->plate_kind);
	ck_buf_puts(b, ",");
	str_field(b, "plate", v->plate);
	ck_buf_puts(b, ",");
	str_field(b, "vin", v->vin);
	ck_buf_puts(b, ",");
	str_field(b, "brand", v->brand);
	ck_buf_puts(b, ",");
	str_field(b, "model", v->model);
	ck_buf_puts(b, ",");
	date_field(b, "registered_on", v->registered_on);
	ck_buf_puts(b, ",");
	str_field(b, "status", v->status);
	ck_buf_printf(b, ",\"mortgaged\":%s}", v->mortgaged ? "true" : "false");
}

static void
vehicles_json(struct ck_buf *b, const struct sim_holding *h)
{
	ck_buf_puts(b, ",\"vehicles\":[");
	for (size_t i = 0; i < h->n_vehicles; i++) {
		if (i)
			ck_buf_puts(b, ",");
		vehicle_json(b, &h->vehicles[i]);
	}
	ck_buf_puts(b, "]");
}

static void
employment_json(struct ck_buf *b, const struct sim_employment *e)
{
	ck_buf_puts(b, "{");
	str_field(b, "employer", e->employer);
	ck_buf_puts(b, ",");
	str_field(b, "employer_code", e->employer_code);
	ck_buf_puts(b, ",");
	str_field(b, "insurance", e->insurance);
	ck_buf_puts(b, ",");
	int_field(b, "monthly_base", e->monthly_base);
	ck_buf_puts(b, ",\"currency\":\"CNY\",");
	str_field(b, "state", e->state);
	ck_buf_puts(b, ",");
	month_field(b, "since", e->since_year, e->since_month);
	ck_buf_puts(b, ",");
	month_field(b, "last_paid", e->last_paid_year, e->last_paid_month);
	ck_buf_puts(b, "}");
}

static void
socialsec_json(struct ck_buf *b, const struct sim_holding *h)
{
	ck_buf_puts(b, ",\"employments\":[");
	for (size_t i = 0; i < h->n_employments; i++) {
		if (i)
			ck_buf_puts(b, ",");
		employment_json(b, &h->employments[i]);
	}
	ck_buf_puts(b, "]");
	if (h->pension.present) {
		ck_buf_puts(b, ",\"pension\":{");
		int_field(b, "monthly", h->pension.monthly);
		ck_buf_puts(b, ",\"currency\":\"CNY\",");
		str_field(b, "paying_bank", h->pension.paying_bank);
		ck_buf_puts(b, "}");
	}
}

/* ---- E-commerce ------------------------------------------------------------------ */

static void
item_json(struct ck_buf *b, const struct sim_item *it)
{
	switch (it->type) {
	case SIM_ITEM_ACCOUNT:
		ck_buf_puts(b, "{\"type\":\"account\",");
		str_field(b, "user_id", it->user_id);
		if (it->mobile[0]) {
			ck_buf_puts(b, ",");
			str_field(b, "mobile", it->mobile);
		}
		ck_buf_puts(b, ",");
		int_field(b, "balance", it->balance);
		if (it->has_fund) {
			ck_buf_puts(b, ",");
			int_field(b, "fund_balance", it->fund_balance);
		}
		ck_buf_puts(b, ",");
		int_field(b, "frozen", it->frozen);
		ck_buf_puts(b, ",\"currency\":\"CNY\"}");
		break;
	case SIM_ITEM_CARD:
		ck_buf_puts(b, "{\"type\":\"card\",");
		str_field(b, "bank", it->bank);
		ck_buf_puts(b, ",");
		str_field(b, "card_tail", it->card_tail);
		ck_buf_puts(b, "}");
		break;
	case SIM_ITEM_ADDRESS:
		ck_buf_puts(b, "{\"type\":\"address\",");
		str_field(b, "text", it->address);
		ck_buf_puts(b, ",");
		date_field(b, "last_used_on", it->last_used_on);
		ck_buf_puts(b, "}");
		break;
	case SIM_ITEM_SPENDING:
		ck_buf_puts(b, "{\"type\":\"spending\",");
		str_field(b, "period", it->period);
		ck_buf_puts(b, ",");
		int_field(b, "total", it->total);
		ck_buf_printf(b,
		              ",\"currency\":\"CNY\",\"flights\":%d,\"hotels\":%d,\"luxury\":%d}",
		              it->flights, it->hotels, it->luxury);
		break;
	}
}

static void
ecommerce_json(struct ck_buf *b, const struct sim_holding *h)
{
	ck_buf_puts(b, ",\"items\":[");
	for (size_t i = 0; i < h->n_items; i++) {
		if (i)
			ck_buf_puts(b, ",");
		item_json(b, &h->items[i]);
	}
	ck_buf_puts(b, "]");
}

/* ---- The world ------------------------------------------------------------------- */

static const char *
status_name(enum sim_status status)
{
	return status == SIM_FOUND              ? "FOUND"
	       : status == SIM_SUBJECT_MISMATCH ? "SUBJECT_MISMATCH"
	                                        : "NOT_FOUND";
}

static void
holding_json(struct ck_buf *b, const struct sim_instance *in, const struct sim_holding *h)
{
	str_field(b, "status", status_name(h->status));
	if (h->status == SIM_SUBJECT_MISMATCH) {
		ck_buf_puts(b, ",");
		str_field(b, "registered_name", h->registered_name);
	}
	if (h->status == SIM_NOT_FOUND)
		return;
	switch (in->kind) {
	case SIM_BANK: bank_json(b, h); break;
	case SIM_REALESTATE: realestate_json(b, h); break;
	case SIM_VEHICLE: vehicles_json(b, h); break;
	case SIM_SOCIALSEC: socialsec_json(b, h); break;
	case SIM_ECOMMERCE: ecommerce_json(b, h); break;
	default: break;
	}
}

static int
subject_json(const struct sim_world *w, const struct sim_subject *s, int64_t as_of,
             struct ck_buf *b)
{
	ck_buf_puts(b, "{");
	str_field(b, "id_no", s->id_no);
	ck_buf_puts(b, ",");
	str_field(b, "kind", s->kind == CK_SUBJECT_PERSON ? "person" : "org");
	ck_buf_puts(b, ",");
	str_field(b, "name", s->name);
	ck_buf_puts(b, ",\"instances\":{");
	int first = 1;
	for (size_t i = 0; i < w->n_instances; i++) {
		const struct sim_instance *in = &w->instances[i];
		if (in->kind == SIM_SOCIALSEC && s->kind == CK_SUBJECT_ORG)
			continue; /* not applicable: the kind answers about persons only */
		struct sim_holding h;
		int rc = sim_world_holding(w, in, s, &h);
		if (rc != CK_OK)
			return rc;
		sim_holding_as_of(&h, as_of);
		ck_buf_printf(b, "%s\"", first ? "" : ",");
		ck_buf_json(b, in->id);
		ck_buf_puts(b, "\":{");
		holding_json(b, in, &h);
		ck_buf_puts(b, "}");
		sim_holding_release(&h);
		first = 0;
	}
	ck_buf_puts(b, "}}");
	return b->failed ? CK_E_NOMEM : CK_OK;
}

static void
instances_json(const struct sim_world *w, struct ck_buf *b)
{
	ck_buf_puts(b, "\"instances\":[\n");
	for (size_t i = 0; i < w->n_instances; i++) {
		const struct sim_instance *in = &w->instances[i];
		ck_buf_puts(b, "{");
		str_field(b, "id", in->id);
		ck_buf_puts(b, ",");
		str_field(b, "kind", sim_kind_name(in->kind));
		ck_buf_puts(b, ",");
		str_field(b, "name", in->name);
		ck_buf_puts(b, ",");
		str_field(b, "code", in->code);
		if (in->district[0]) {
			ck_buf_puts(b, ",");
			str_field(b, "district", in->district);
		}
		ck_buf_puts(b, i + 1 < w->n_instances ? "},\n" : "}\n");
	}
	ck_buf_puts(b, "],\n");
}

static int
flush(struct ck_buf *b, FILE *out, char *err)
{
	if (b->failed)
		return ck_fail(err, CK_E_NOMEM, "no memory for the ground truth");
	if (b->len && fwrite(b->data, 1, b->len, out) != b->len)
		return ck_fail(err, CK_E_IO, "cannot write the ground truth");
	b->len = 0;
	return CK_OK;
}

int
sim_write_truth(const struct sim_world *world, int64_t as_of, FILE *out, char *err)
{
	if (world == NULL || out == NULL)
		return ck_fail(err, CK_E_USAGE, "sim_write_truth: world or out is NULL");
	struct ck_buf b = {0};
	ck_buf_printf(&b, "{\"seed\":%llu,\"reference_date\":\"", (unsigned long long)world->seed);
	ck_buf_date(&b, simd_reference_day());
	ck_buf_puts(&b, "\",\n");
	instances_json(world, &b);
	ck_buf_puts(&b, "\"subjects\":[\n");
	int rc = flush(&b, out, err);
	for (size_t i = 0; rc == CK_OK && i < world->n_subjects; i++) {
		rc = subject_json(world, &world->subjects[i], as_of, &b);
		if (rc != CK_OK) {
			ck_fail(err, rc, "cannot describe subject %zu", i);
			break;
		}
		ck_buf_puts(&b, i + 1 < world->n_subjects ? ",\n" : "\n");
		rc = flush(&b, out, err);
	}
	if (rc == CK_OK) {
		ck_buf_puts(&b, "]}\n");
		rc = flush(&b, out, err);
	}
	if (rc == CK_OK && fflush(out) != 0)
		rc = ck_fail(err, CK_E_IO, "cannot write the ground truth");
	ck_buf_release(&b);
	return rc;
}
