/* SPDX-License-Identifier: MIT */
/*
 * report.c: builds the report model of one round of a case from the store
 * (see report.h for what it claims and why).  Renderers are in
 * report_json.c, report_html.c and report_csv.c.
 *
 * Records come from the store ordered by debtor, so each debtor's assets,
 * leads and coverage rows are one contiguous slice of a flat array; the
 * arrays grow in the report's arena and are sliced per debtor at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "chakong/error.h"
#include "chakong/report.h"

/* ---- Names -------------------------------------------------------------- */

static const char *const coverage_names[CK_COV_COUNT_] = {
    "found", "not_found", "subject_mismatch", "pending", "failed", "not_applicable", "not_asked",
};

const char *
ck_coverage_name(enum ck_coverage c)
{
	return (unsigned)c < CK_COV_COUNT_ ? coverage_names[c] : NULL;
}

static const char *const channel_names[CK_CH_COUNT_] = {
    "deposits", "real_estate", "vehicles", "securities", "social_insurance", "online_platforms",
};

/* The institution kind that serves each channel; NULL: none exists yet. */
static const char *const channel_kinds[CK_CH_COUNT_] = {
    "bank", "realestate", "vehicle", NULL, "socialsec", "ecommerce",
};

const char *
ck_channel_name(enum ck_channel ch)
{
	return (unsigned)ch < CK_CH_COUNT_ ? channel_names[ch] : NULL;
}

const char *
ck_channel_kind(enum ck_channel ch)
{
	return (unsigned)ch < CK_CH_COUNT_ ? channel_kinds[ch] : NULL;
}

int
ck_channel_required_for_termination(enum ck_channel ch)
{
	return ch == CK_CH_DEPOSITS || ch == CK_CH_REALESTATE || ch == CK_CH_VEHICLES ||
	       ch == CK_CH_SECURITIES;
}

static const char *const channel_status_names[CK_CHS_COUNT_] = {
    "searched", "partial", "not_searched", "not_configured", "not_applicable",
};

const char *
ck_channel_status_name(enum ck_channel_status s)
{
	return (unsigned)s < CK_CHS_COUNT_ ? channel_status_names[s] : NULL;
}

static const char *const triage_names[CK_TRIAGE_COUNT_] = {
    "enforceable_now",
    "enforceable_after_disposal",
    "incomplete",
    "no_property_found",
};

const char *
ck_triage_name(enum ck_triage t)
{
	return (unsigned)t < CK_TRIAGE_COUNT_ ? triage_names[t] : NULL;
}

/* ---- The builder ---------------------------------------------------------- */

struct institution {
	const char *id, *kind, *name, *district;
	int enabled, persons_only;
};

/* A flat, growing array in the arena. */
struct vec {
	void *items;
	size_t n, cap;
};

struct builder {
	struct ck_store *st;
	struct ck_arena *mem;
	struct ck_report *r;
	char *err;
	int rc; /* the first failure inside a callback */

	struct institution *insts;
	size_t n_insts, cap_insts;
	int64_t *debtor_rows; /* parallel to r->debtors */

	struct vec coverage, assets, asset_ids, leads, encumbrances, fields;
	int round_found, want_round;
	struct ck_round_row round, previous;
	int have_previous;
};

static char *
dup(struct builder *b, const char *s)
{
	char *copy = ck_arena_strndup(b->mem, s ? s : "", strlen(s ? s : ""));
	if (copy == NULL && b->rc == CK_OK)
		b->rc = ck_fail(b->err, CK_E_NOMEM, "out of memory building a report");
	return copy;
}

/* Room for one more item of `size` bytes at the end of v; NULL on failure. */
static void *
push(struct builder *b, struct vec *v, size_t size)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *items = ck_arena_alloc(b->mem, cap * size);
		if (items == NULL) {
			if (b->rc == CK_OK)
				b->rc =
				    ck_fail(b->err, CK_E_NOMEM, "out of memory building a report");
			return NULL;
		}
		if (v->n)
			memcpy(items, v->items, v->n * size);
		v->items = items;
		v->cap = cap;
	}
	void *item = (char *)v->items + v->n * size;
	memset(item, 0, size);
	v->n++;
	return item;
}

static int
debtor_index(const struct builder *b, int64_t row)
{
	for (size_t i = 0; i < b->r->n_debtors; i++)
		if (b->debtor_rows[i] == row)
			return (int)i;
	return -1;
}

static const struct institution *
institution(const struct builder *b, const char *id)
{
	for (size_t i = 0; i < b->n_insts; i++)
		if (strcmp(b->insts[i].id, id) == 0)
			return &b->insts[i];
	return NULL;
}

/* ---- Case, rounds, institutions, debtors ------------------------------------ */

static int
on_case(void *ctx, const struct ck_case_row *c)
{
	struct builder *b = ctx;
	struct ck_report *r = b->r;
	r->case_no = dup(b, c->case_no);
	r->court_code = dup(b, c->court_code);
	r->court_name = dup(b, c->court_name);
	r->officer = dup(b, c->officer);
	r->currency = "CNY";
	r->status = ck_case_status_name(c->status);
	r->filed_at = c->filed_at;
	r->filed_offset_min = c->filed_offset_min;
	r->amount_owed = c->amount_owed;
	r->has_terminated_on = c->has_terminated_on;
	r->terminated_on = c->terminated_on;
	return b->rc;
}

static int
on_round(void *ctx, const struct ck_round_row *row)
{
	struct builder *b = ctx; /* rounds come oldest first */
	if (b->want_round >= 0 && row->round > b->want_round)
		return 0;
	if (b->want_round >= 0 && row->round < b->want_round) {
		b->previous = *row;
		b->have_previous = 1;
		return 0;
	}
	if (b->round_found) { /* the latest is wanted: the one before becomes previous */
		b->previous = b->round;
		b->have_previous = 1;
	}
	b->round = *row;
	b->round_found = 1;
	return 0;
}

static int
on_institution(void *ctx, const struct ck_institution_row *row)
{
	struct builder *b = ctx;
	struct vec v = {b->insts, b->n_insts, b->cap_insts};
	struct institution *in = push(b, &v, sizeof *in);
	if (in == NULL)
		return b->rc;
	b->insts = v.items;
	b->n_insts = v.n;
	b->cap_insts = v.cap;
	in->id = dup(b, row->id);
	in->kind = dup(b, row->kind);
	in->name = dup(b, row->name);
	in->district = dup(b, row->district);
	in->enabled = row->enabled;
	in->persons_only = row->persons_only;
	return b->rc;
}

static int
on_debtor(void *ctx, const struct ck_debtor_row *row)
{
	struct builder *b = ctx;
	struct ck_report *r = b->r;
	size_t n = r->n_debtors + 1;
	struct ck_report_debtor *debtors = ck_arena_alloc(b->mem, n * sizeof *debtors);
	int64_t *rows = ck_arena_alloc(b->mem, n * sizeof *rows);
	if (debtors == NULL || rows == NULL)
		return b->rc = ck_fail(b->err, CK_E_NOMEM, "out of memory building a report");
	if (r->n_debtors) {
		memcpy(debtors, r->debtors, r->n_debtors * sizeof *debtors);
		memcpy(rows, b->debtor_rows, r->n_debtors * sizeof *rows);
	}
	struct ck_report_debtor *d = &debtors[r->n_debtors];
	memset(d, 0, sizeof *d);
	d->kind = row->kind;
	d->name = dup(b, row->name);
	d->id_no = dup(b, row->id_no);
	rows[r->n_debtors] = row->row;
	r->debtors = debtors;
	b->debtor_rows = rows;
	r->n_debtors = n;
	return b->rc;
}

/* ---- Coverage ----------------------------------------------------------------- */

struct coverage_item {
	int debtor;
	struct ck_report_coverage row;
};

static enum ck_coverage
coverage_of(const struct ck_round_query_row *q)
{
	switch (q->state) {
	case CK_Q_ANSWERED:
		return strcmp(q->outcome, "FOUND") == 0       ? CK_COV_FOUND
		       : strcmp(q->outcome, "NOT_FOUND") == 0 ? CK_COV_NOT_FOUND
		                                              : CK_COV_MISMATCH;
	case CK_Q_FAILED: return CK_COV_FAILED;
	case CK_Q_NOT_APPLICABLE: return CK_COV_NOT_APPLICABLE;
	default: return CK_COV_PENDING;
	}
}

static int
on_query(void *ctx, const struct ck_round_query_row *q)
{
	struct builder *b = ctx;
	int d = debtor_index(b, q->debtor_row);
	const struct institution *in = institution(b, q->institution_id);
	if (d < 0 || in == NULL)
		return 0; /* a removed debtor's query: not part of the report */
	struct coverage_item *item = push(b, &b->coverage, sizeof *item);
	if (item == NULL)
		return b->rc;
	item->debtor = d;
	struct ck_report_coverage *c = &item->row;
	c->institution_id = in->id;
	c->institution_name = in->name;
	c->kind = in->kind;
	c->district = in->district;
	c->outcome = coverage_of(q);
	c->n_records = q->n_assets + q->n_leads;
	c->request_id = dup(b, q->request_id);
	c->state = ck_query_state_name(q->state);
	c->reason = dup(b, q->reason);
	c->detail = dup(b, q->detail);
	c->ticket = dup(b, q->ticket);
	c->since = q->submitted_at ? q->submitted_at : q->created_at;
	c->answered_at = q->state == CK_Q_ANSWERED ? q->finished_at : 0;
	c->attempts = q->attempts;
	return b->rc;
}

/* Enabled institutions without a query for a debtor: asked nothing (or not
 * applicable to an organisation).  They join the debtor's rows. */
static void
add_unasked(struct builder *b)
{
	size_t n_queried = b->coverage.n;
	for (size_t d = 0; d < b->r->n_debtors; d++) {
		for (size_t i = 0; i < b->n_insts; i++) {
			const struct institution *in = &b->insts[i];
			if (!in->enabled)
				continue;
			int asked = 0;
			for (size_t k = 0; k < n_queried && !asked; k++) {
				const struct coverage_item *c =
				    (const struct coverage_item *)b->coverage.items + k;
				asked = c->debtor == (int)d &&
				        strcmp(c->row.institution_id, in->id) == 0;
			}
			if (asked)
				continue;
			struct coverage_item *item = push(b, &b->coverage, sizeof *item);
			if (item == NULL)
				return;
			item->debtor = (int)d;
			item->row = (struct ck_report_coverage){
			    .institution_id = in->id,
			    .institution_name = in->name,
			    .kind = in->kind,
			    .district = in->district,
			    .outcome = in->persons_only && b->r->debtors[d].kind == CK_SUBJECT_ORG
			                   ? CK_COV_NOT_APPLICABLE
			                   : CK_COV_NOT_ASKED,
			    .request_id = "",
			    .state = "",
			    .reason = "",
			    .detail = "",
			    .ticket = "",
			};
		}
	}
}

static int
kind_rank(const char *kind)
{
	for (int ch = 0; ch < CK_CH_COUNT_; ch++)
		if (channel_kinds[ch] && strcmp(channel_kinds[ch], kind) == 0)
			return ch;
	return CK_CH_COUNT_;
}

static int
compare_coverage(const void *pa, const void *pb)
{
	const struct coverage_item *a = pa, *b = pb;
	if (a->debtor != b->debtor)
		return a->debtor - b->debtor;
	int ka = kind_rank(a->row.kind), kb = kind_rank(b->row.kind);
	if (ka != kb)
		return ka - kb;
	return strcmp(a->row.institution_id, b->row.institution_id);
}

/* ---- Records ------------------------------------------------------------------ */

struct field_ctx {
	struct builder *b;
	struct vec *fields;
};

static int
on_field(void *ctx, const char *key, char type, const char *value)
{
	struct field_ctx *fc = ctx;
	struct ck_report_field *f = push(fc->b, fc->fields, sizeof *f);
	if (f == NULL)
		return fc->b->rc;
	f->key = dup(fc->b, key);
	f->type = type == 'r' ? 'j' : type; /* no real numbers are stored; keep any as JSON */
	f->value = dup(fc->b, value);
	return fc->b->rc;
}

/* The detail's fields as an array of the arena. */
static int
read_fields(struct builder *b, const char *json, struct ck_report_field **out, size_t *n)
{
	struct vec fields = {0};
	struct field_ctx fc = {b, &fields};
	int rc = ck_store_json_fields(b->st, json, on_field, &fc, b->err);
	if (rc != CK_OK)
		return b->rc != CK_OK ? b->rc : (b->rc = rc);
	*out = fields.items;
	*n = fields.n;
	return CK_OK;
}

static const struct ck_report_field *
field(const struct ck_report_field *fields, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

/* Vehicles count for disposal when every status letter allows a seizure
 * (vehicle.md: A, D, G, I, Q seizable; K already seized, a new seizure
 * queues; L held by an authority, so located).  Any letter meaning gone,
 * stolen, restricted, scrap value or unknown keeps it out. */
static int
vehicle_seizable(const char *letters)
{
	if (*letters == '\0')
		return 0;
	for (const char *p = letters; *p; p++)
		if (strchr("ADGIKLQ", *p) == NULL)
			return 0;
	return 1;
}

struct asset_item {
	int debtor;
	int64_t id;
	struct ck_report_asset row;
};

static int
on_asset(void *ctx, const struct ck_stored_asset *a)
{
	struct builder *b = ctx;
	int d = debtor_index(b, a->debtor_row);
	const struct institution *in = institution(b, a->institution_id);
	if (d < 0 || in == NULL)
		return 0;
	struct asset_item *item = push(b, &b->assets, sizeof *item);
	if (item == NULL)
		return b->rc;
	item->debtor = d;
	item->id = a->id;
	struct ck_report_asset *x = &item->row;
	x->institution_id = in->id;
	x->institution_name = in->name;
	x->kind = dup(b, a->kind);
	x->ref = dup(b, a->ref);
	x->subtype = dup(b, a->subtype);
	x->currency = dup(b, a->currency);
	x->status = dup(b, a->status);
	x->has_book = a->has_book;
	x->book = a->book;
	x->has_available = a->has_available;
	x->available = a->available;
	x->enforceable = a->enforceable;
	x->liability = a->liability;
	x->raw_answer_id = a->raw_answer_id;
	x->change_note = "";
	x->seizable = strcmp(a->kind, "realestate") == 0 ||
	              (strcmp(a->kind, "vehicle") == 0 && vehicle_seizable(a->status));
	if (b->rc == CK_OK)
		read_fields(b, a->detail, &x->fields, &x->n_fields);
	return b->rc;
}

struct encumbrance_item {
	int64_t asset_id;
	struct ck_report_encumbrance row;
};

static int
on_encumbrance(void *ctx, const struct ck_stored_encumbrance *e)
{
	struct builder *b = ctx;
	struct encumbrance_item *item = push(b, &b->encumbrances, sizeof *item);
	if (item == NULL)
		return b->rc;
	item->asset_id = e->asset_id;
	struct ck_report_encumbrance *x = &item->row;
	x->kind = dup(b, e->kind);
	x->authority = dup(b, e->authority);
	x->ref = dup(b, e->ref);
	x->seq = e->seq;
	x->has_amount = e->has_amount;
	x->amount = e->amount;
	x->currency = dup(b, e->currency);
	x->starts_on = e->has_starts_on ? e->starts_on : CK_REPORT_NO_DATE;
	x->ends_on = e->has_ends_on ? e->ends_on : CK_REPORT_NO_DATE;
	if (b->rc == CK_OK)
		read_fields(b, e->detail, &x->fields, &x->n_fields);
	return b->rc;
}

/* Hangs each encumbrance (ordered by asset id) on its asset. */
static void
attach_encumbrances(struct builder *b)
{
	struct encumbrance_item *enc = b->encumbrances.items;
	size_t n = b->encumbrances.n;
	struct asset_item *assets = b->assets.items;
	for (size_t i = 0; i < b->assets.n && b->rc == CK_OK; i++) {
		size_t first = 0;
		while (first < n && enc[first].asset_id != assets[i].id)
			first++;
		size_t count = 0;
		while (first + count < n && enc[first + count].asset_id == assets[i].id)
			count++;
		if (count == 0)
			continue;
		struct ck_report_encumbrance *list = ck_arena_alloc(b->mem, count * sizeof *list);
		if (list == NULL) {
			b->rc = ck_fail(b->err, CK_E_NOMEM, "out of memory building a report");
			return;
		}
		for (size_t k = 0; k < count; k++)
			list[k] = enc[first + k].row;
		assets[i].row.encumbrances = list;
		assets[i].row.n_encumbrances = count;
	}
}

struct lead_item {
	int debtor;
	struct ck_report_lead row;
};

static int
on_lead(void *ctx, const struct ck_stored_lead *l)
{
	struct builder *b = ctx;
	int d = debtor_index(b, l->debtor_row);
	const struct institution *in = institution(b, l->institution_id);
	if (d < 0 || in == NULL)
		return 0;
	struct lead_item *item = push(b, &b->leads, sizeof *item);
	if (item == NULL)
		return b->rc;
	item->debtor = d;
	struct ck_report_lead *x = &item->row;
	x->institution_id = in->id;
	x->institution_name = in->name;
	x->kind = dup(b, l->kind);
	x->label = dup(b, l->label);
	x->code = dup(b, l->code);
	x->has_amount = l->has_amount;
	x->amount = l->amount;
	x->currency = dup(b, l->currency);
	if (b->rc == CK_OK)
		read_fields(b, l->detail, &x->fields, &x->n_fields);
	return b->rc;
}

/* A bound card's bank is "asked" when a configured bank's name and the
 * card's bank name contain one another (platforms shorten bank names). */
static int
bank_is_asked(const struct builder *b, const char *bank)
{
	if (*bank == '\0')
		return 0;
	for (size_t i = 0; i < b->n_insts; i++) {
		const struct institution *in = &b->insts[i];
		if (in->enabled && strcmp(in->kind, "bank") == 0 &&
		    (strstr(in->name, bank) != NULL || strstr(bank, in->name) != NULL))
			return 1;
	}
	return 0;
}

static int
count_field(const struct ck_report_lead *l, const char *key)
{
	const struct ck_report_field *f = field(l->fields, l->n_fields, key);
	return f != NULL && f->type == 'i' && strcmp(f->value, "0") != 0;
}

static void
flag_leads(struct builder *b)
{
	struct lead_item *leads = b->leads.items;
	for (size_t i = 0; i < b->leads.n; i++) {
		struct ck_report_lead *l = &leads[i].row;
		if (strcmp(l->kind, "bound_card") == 0)
			l->bank_not_asked = !bank_is_asked(b, l->label);
		else if (strcmp(l->kind, "spending") == 0)
			l->flagged = count_field(l, "flights") || count_field(l, "hotels") ||
			             count_field(l, "luxury");
	}
}

/* ---- Changes since the round before ------------------------------------------ */

/* The previous round's records, loaded apart. */
struct previous {
	struct builder *b;
	struct vec assets;   /* struct asset_item */
	struct vec coverage; /* struct coverage_item */
};

static int
on_previous_asset(void *ctx, const struct ck_stored_asset *a)
{
	struct previous *p = ctx;
	struct vec saved = p->b->assets;
	p->b->assets = p->assets;
	int rc = on_asset(p->b, a);
	p->assets = p->b->assets;
	p->b->assets = saved;
	return rc;
}

static int
on_previous_query(void *ctx, const struct ck_round_query_row *q)
{
	struct previous *p = ctx;
	struct vec saved = p->b->coverage;
	p->b->coverage = p->coverage;
	int rc = on_query(p->b, q);
	p->coverage = p->b->coverage;
	p->b->coverage = saved;
	return rc;
}

/* Whether the institution answered (found or not found) about the debtor. */
static int
answered(const struct vec *coverage, int debtor, const char *institution_id)
{
	const struct coverage_item *c = coverage->items;
	for (size_t i = 0; i < coverage->n; i++)
		if (c[i].debtor == debtor && strcmp(c[i].row.institution_id, institution_id) == 0)
			return c[i].row.outcome == CK_COV_FOUND ||
			       c[i].row.outcome == CK_COV_NOT_FOUND;
	return 0;
}

static const struct asset_item *
find_asset(const struct vec *assets, const struct asset_item *like)
{
	const struct asset_item *a = assets->items;
	for (size_t i = 0; i < assets->n; i++)
		if (a[i].debtor == like->debtor &&
		    strcmp(a[i].row.institution_id, like->row.institution_id) == 0 &&
		    strcmp(a[i].row.kind, like->row.kind) == 0 &&
		    strcmp(a[i].row.ref, like->row.ref) == 0)
			return &a[i];
	return NULL;
}

/* What differs between two rounds' records of one asset, in words. */
static const char *
difference(struct builder *b, const struct ck_report_asset *now, const struct ck_report_asset *was)
{
	char note[160] = "";
	size_t len = 0;
	if (now->has_book != was->has_book || now->book != was->book)
		len += (size_t)snprintf(note + len, sizeof note - len, "book balance; ");
	if (len < sizeof note &&
	    (now->has_available != was->has_available || now->available != was->available))
		len += (size_t)snprintf(note + len, sizeof note - len, "available balance; ");
	if (len < sizeof note && now->enforceable != was->enforceable)
		len += (size_t)snprintf(note + len, sizeof note - len, "enforceable; ");
	if (len < sizeof note && strcmp(now->status, was->status) != 0)
		len += (size_t)snprintf(note + len, sizeof note - len, "status; ");
	if (len < sizeof note && now->n_encumbrances != was->n_encumbrances)
		len += (size_t)snprintf(note + len, sizeof note - len, "encumbrances; ");
	if (len == 0)
		return NULL;
	if (len >= 2 && len < sizeof note)
		note[len - 2] = '\0';
	return dup(b, note);
}

static int
compare_rounds(struct builder *b, int previous_round)
{
	struct previous p = {.b = b};
	int rc = ck_store_each_query_of_round(b->st, b->r->case_no, previous_round,
	                                      on_previous_query, &p, b->err);
	if (rc == CK_OK)
		rc = ck_store_each_asset_of_round(b->st, b->r->case_no, previous_round,
		                                  on_previous_asset, &p, b->err);
	if (rc != CK_OK)
		return b->rc != CK_OK ? b->rc : rc;

	struct asset_item *now = b->assets.items;
	for (size_t i = 0; i < b->assets.n; i++) {
		const struct asset_item *was = find_asset(&p.assets, &now[i]);
		if (was != NULL) {
			const char *note = difference(b, &now[i].row, &was->row);
			if (note != NULL) {
				now[i].row.change = CK_CHANGE_CHANGED;
				now[i].row.change_note = note;
			}
		} else if (answered(&p.coverage, now[i].debtor, now[i].row.institution_id)) {
			/* New only if the institution answered before: an asset of an
			 * institution that failed last time is merely unseen. */
			now[i].row.change = CK_CHANGE_NEW;
			if (!now[i].row.liability)
				b->r->new_property = 1;
		}
	}
	/* Vanished: answered both times, present before, absent now.  Collected
	 * per debtor after slicing (vanished_of_debtor). */
	struct asset_item *was = p.assets.items;
	for (size_t i = 0; i < p.assets.n; i++) {
		if (find_asset(&b->assets, &was[i]) != NULL ||
		    !answered(&b->coverage, was[i].debtor, was[i].row.institution_id))
			continue;
		was[i].row.change = CK_CHANGE_VANISHED;
		struct ck_report_debtor *d = &b->r->debtors[was[i].debtor];
		struct vec v = {d->vanished, d->n_vanished, d->n_vanished};
		struct ck_report_asset *x = push(b, &v, sizeof *x);
		if (x == NULL)
			return b->rc;
		*x = was[i].row;
		d->vanished = v.items;
		d->n_vanished = v.n;
	}
	return CK_OK;
}

/* ---- Figures ------------------------------------------------------------------ */

static struct ck_report_total *
total_for(struct builder *b, struct ck_report_total **totals, size_t *n, const char *currency)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*totals)[i].currency, currency) == 0)
			return &(*totals)[i];
	struct vec v = {*totals, *n, *n};
	struct ck_report_total *t = push(b, &v, sizeof *t);
	if (t == NULL)
		return NULL;
	snprintf(t->currency, sizeof t->currency, "%s", currency);
	*totals = v.items;
	*n = v.n;
	return t;
}

static int
compare_totals(const void *pa, const void *pb)
{
	const struct ck_report_total *a = pa, *b = pb;
	int a_cny = strcmp(a->currency, "CNY") == 0, b_cny = strcmp(b->currency, "CNY") == 0;
	if (a_cny != b_cny)
		return b_cny - a_cny;
	return strcmp(a->currency, b->currency);
}

static int
liquid(const char *kind)
{
	return strcmp(kind, "deposit") == 0 || strcmp(kind, "wealth") == 0 ||
	       strcmp(kind, "wallet") == 0 || strcmp(kind, "fund") == 0;
}

/* Adds an asset to a list of totals. */
static void
add_to_totals(struct builder *b, struct ck_report_total **totals, size_t *n,
              const struct ck_report_asset *a)
{
	if (!liquid(a->kind))
		return;
	struct ck_report_total *t = total_for(b, totals, n, *a->currency ? a->currency : "CNY");
	if (t == NULL)
		return;
	if (a->liability) {
		t->liabilities += a->has_book && a->book < 0 ? a->book : 0;
	} else {
		t->enforceable += a->enforceable;
		t->n_liquid++;
	}
}

static void
channel_summary(struct builder *b, struct ck_report_debtor *d)
{
	for (int ch = 0; ch < CK_CH_COUNT_; ch++) {
		struct ck_report_channel *c = &d->channels[ch];
		c->channel = (enum ck_channel)ch;
		c->districts = "";
		int not_applicable = 0;
		char districts[512] = "";
		size_t dlen = 0;
		for (size_t i = 0; i < d->n_coverage; i++) {
			const struct ck_report_coverage *row = &d->coverage[i];
			if (channel_kinds[ch] == NULL || strcmp(row->kind, channel_kinds[ch]) != 0)
				continue;
			switch (row->outcome) {
			case CK_COV_NOT_APPLICABLE: not_applicable++; continue;
			case CK_COV_FOUND:
				c->found++;
				/* fall through */
			case CK_COV_NOT_FOUND:
			case CK_COV_MISMATCH:
				c->answered++;
				if (*row->district &&
				    dlen + strlen(row->district) + 4 < sizeof districts)
					dlen += (size_t)snprintf(districts + dlen,
					                         sizeof districts - dlen, "%s%s",
					                         dlen ? "、" : "", row->district);
				break;
			case CK_COV_FAILED: c->failed++; break;
			default: c->pending++;
			}
			c->asked++;
		}
		c->status = c->asked == 0 && not_applicable > 0 ? CK_CHS_NOT_APPLICABLE
		            : c->asked == 0                     ? CK_CHS_NOT_CONFIGURED
		            : c->answered == c->asked           ? CK_CHS_SEARCHED
		            : c->answered > 0                   ? CK_CHS_PARTIAL
		                                                : CK_CHS_NOT_SEARCHED;
		if (dlen)
			c->districts = dup(b, districts);
	}
}

static void
debtor_figures(struct builder *b, struct ck_report_debtor *d)
{
	for (size_t i = 0; i < d->n_assets; i++) {
		const struct ck_report_asset *a = &d->assets[i];
		add_to_totals(b, &d->totals, &d->n_totals, a);
		add_to_totals(b, &b->r->totals, &b->r->n_totals, a);
		if (strcmp(a->kind, "realestate") == 0)
			d->n_realestate++;
		else if (strcmp(a->kind, "vehicle") == 0) {
			d->n_vehicles++;
			d->n_seizable_vehicles += a->seizable;
		}
	}
	if (d->n_totals > 1)
		qsort(d->totals, d->n_totals, sizeof *d->totals, compare_totals);
	for (size_t i = 0; i < d->n_coverage; i++) {
		enum ck_coverage o = d->coverage[i].outcome;
		b->r->pending += o == CK_COV_PENDING || o == CK_COV_NOT_ASKED;
		b->r->failed += o == CK_COV_FAILED;
		b->r->mismatches += o == CK_COV_MISMATCH;
	}
	channel_summary(b, d);
}

/* The triage rules, in the order they are tried (docs/report.md). */
static void
triage(struct ck_report *r)
{
	int64_t cny = 0;
	int disposable = 0, termination = 1;
	for (size_t i = 0; i < r->n_totals; i++)
		if (strcmp(r->totals[i].currency, "CNY") == 0)
			cny = r->totals[i].enforceable;
	for (size_t d = 0; d < r->n_debtors; d++) {
		const struct ck_report_debtor *debtor = &r->debtors[d];
		disposable += debtor->n_realestate + debtor->n_seizable_vehicles;
		for (int ch = 0; ch < CK_CH_COUNT_; ch++)
			if (ck_channel_required_for_termination((enum ck_channel)ch) &&
			    debtor->channels[ch].status != CK_CHS_SEARCHED)
				termination = 0;
	}
	r->termination_coverage = termination && r->n_debtors > 0;
	if (cny >= r->amount_owed) {
		r->triage = CK_TRIAGE_ENFORCEABLE_NOW;
		r->triage_rule = "liquid assets enforceable now in CNY cover the amount owed";
	} else if (disposable > 0) {
		r->triage = CK_TRIAGE_AFTER_DISPOSAL;
		r->triage_rule = "liquid assets fall short of the amount owed; real estate or "
		                 "seizable vehicles were found";
	} else if (r->n_debtors == 0) {
		r->triage = CK_TRIAGE_INCOMPLETE;
		r->triage_rule = "the case names no current debtor: nobody was searched";
	} else if (r->pending > 0 || r->failed > 0) {
		r->triage = CK_TRIAGE_INCOMPLETE;
		r->triage_rule = "liquid assets fall short and no property was found so far, but "
		                 "some institutions have not answered (pending or failed)";
	} else if (r->mismatches > 0) {
		r->triage = CK_TRIAGE_INCOMPLETE;
		r->triage_rule = "an institution answered about a subject of another name: check "
		                 "the filing before concluding that nothing was found";
	} else {
		r->triage = CK_TRIAGE_NO_PROPERTY;
		r->triage_rule =
		    "every institution asked answered; liquid assets fall short and no "
		    "real estate or seizable vehicle was found";
	}
}

/* ---- Assembly ----------------------------------------------------------------- */

static void
slice(struct builder *b)
{
	struct ck_report *r = b->r;
	struct coverage_item *cov = b->coverage.items;
	struct asset_item *assets = b->assets.items;
	struct lead_item *leads = b->leads.items;
	for (size_t d = 0; d < r->n_debtors && b->rc == CK_OK; d++) {
		struct ck_report_debtor *debtor = &r->debtors[d];
		size_t n = 0;
		for (size_t i = 0; i < b->coverage.n; i++)
			n += cov[i].debtor == (int)d;
		debtor->coverage = ck_arena_alloc(b->mem, (n ? n : 1) * sizeof *debtor->coverage);
		n = 0;
		for (size_t i = 0; i < b->assets.n; i++)
			n += assets[i].debtor == (int)d;
		debtor->assets = ck_arena_alloc(b->mem, (n ? n : 1) * sizeof *debtor->assets);
		n = 0;
		for (size_t i = 0; i < b->leads.n; i++)
			n += leads[i].debtor == (int)d;
		debtor->leads = ck_arena_alloc(b->mem, (n ? n : 1) * sizeof *debtor->leads);
		if (!debtor->coverage || !debtor->assets || !debtor->leads) {
			b->rc = ck_fail(b->err, CK_E_NOMEM, "out of memory building a report");
			return;
		}
		for (size_t i = 0; i < b->coverage.n; i++)
			if (cov[i].debtor == (int)d)
				debtor->coverage[debtor->n_coverage++] = cov[i].row;
		for (size_t i = 0; i < b->assets.n; i++)
			if (assets[i].debtor == (int)d)
				debtor->assets[debtor->n_assets++] = assets[i].row;
		for (size_t i = 0; i < b->leads.n; i++)
			if (leads[i].debtor == (int)d)
				debtor->leads[debtor->n_leads++] = leads[i].row;
	}
}

static int
build(struct builder *b, const char *case_no, int round, int64_t now)
{
	struct ck_report *r = b->r;
	int rc = ck_store_find_case(b->st, case_no, on_case, b, b->err);
	if (rc == CK_OK)
		rc = ck_store_each_round(b->st, case_no, on_round, b, b->err);
	if (rc != CK_OK)
		return rc;
	if (!b->round_found)
		return ck_fail(b->err, CK_E_NOTFOUND,
		               round < 0 ? "case %s has no inquiry round yet (run plans one)"
		                         : "case %s has no round %d",
		               case_no, round);
	r->round = b->round.round;
	r->previous_round = b->have_previous ? b->previous.round : -1;
	r->opened_at = b->round.opened_at;
	r->deadline = b->round.deadline;
	r->complete = b->round.open_queries == 0;
	r->completed_at = r->complete ? b->round.last_finished_at : 0;
	r->deadline_met = r->complete && r->completed_at <= r->deadline;
	r->overdue = !r->complete && now > r->deadline;
	r->built_at = now;

	if ((rc = ck_store_each_known_institution(b->st, on_institution, b, b->err)) != CK_OK ||
	    (rc = ck_store_each_debtor(b->st, r->case_no, 0, on_debtor, b, b->err)) != CK_OK ||
	    (rc = ck_store_each_query_of_round(b->st, r->case_no, r->round, on_query, b, b->err)) !=
	        CK_OK)
		return rc;
	add_unasked(b);
	if (b->rc != CK_OK)
		return b->rc;
	if (b->coverage.n > 1)
		qsort(b->coverage.items, b->coverage.n, sizeof(struct coverage_item),
		      compare_coverage);
	if ((rc = ck_store_each_asset_of_round(b->st, r->case_no, r->round, on_asset, b, b->err)) !=
	        CK_OK ||
	    (rc = ck_store_each_encumbrance_of_round(b->st, r->case_no, r->round, on_encumbrance, b,
	                                             b->err)) != CK_OK ||
	    (rc = ck_store_each_lead_of_round(b->st, r->case_no, r->round, on_lead, b, b->err)) !=
	        CK_OK)
		return rc;
	attach_encumbrances(b);
	flag_leads(b);
	if (b->rc == CK_OK && r->previous_round >= 0)
		compare_rounds(b, r->previous_round);
	if (b->rc == CK_OK)
		slice(b);
	for (size_t d = 0; d < r->n_debtors && b->rc == CK_OK; d++)
		debtor_figures(b, &r->debtors[d]);
	if (b->rc != CK_OK)
		return b->rc;
	if (r->n_totals > 1)
		qsort(r->totals, r->n_totals, sizeof *r->totals, compare_totals);
	triage(r);
	return CK_OK;
}

int
ck_report_build(struct ck_store *st, const char *case_no, int round, int64_t now,
                struct ck_report **out, char *err)
{
	*out = NULL;
	struct ck_arena *mem = calloc(1, sizeof *mem);
	struct ck_report *r = mem ? ck_arena_alloc(mem, sizeof *r) : NULL;
	if (r == NULL) {
		free(mem);
		return ck_fail(err, CK_E_NOMEM, "out of memory building a report");
	}
	memset(r, 0, sizeof *r);
	r->mem_ = mem;
	struct builder b = {.st = st, .mem = mem, .r = r, .err = err, .want_round = round};
	int rc = build(&b, case_no, round, now);
	if (rc != CK_OK) {
		ck_report_free(r);
		return rc;
	}
	*out = r;
	return CK_OK;
}

void
ck_report_free(struct ck_report *r)
{
	if (r == NULL)
		return;
	struct ck_arena *mem = r->mem_;
	ck_arena_release(mem); /* r itself lives in the arena */
	free(mem);
}
