/* SPDX-License-Identifier: MIT */
/*
 * adapter.c: the core's side of adapter.h: names of kinds and records,
 * outcomes and their records (building and freeing), built requests, and
 * adapters' private per-query state.  The adapters themselves live in
 * adapters/<kind>/, their shared helpers in adapters/common/.
 */
#include "chakong/adapter.h"
#include "chakong/error.h"
#include "textenc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[CK_KIND_COUNT_] = {
    [CK_KIND_BANK] = "bank",           [CK_KIND_REALESTATE] = "realestate",
    [CK_KIND_VEHICLE] = "vehicle",     [CK_KIND_SOCIALSEC] = "socialsec",
    [CK_KIND_ECOMMERCE] = "ecommerce",
};

const char *
ck_kind_name(enum ck_kind kind)
{
	return (unsigned)kind < CK_KIND_COUNT_ ? kind_names[kind] : NULL;
}

int
ck_kind_parse(const char *name)
{
	for (int k = 0; name != NULL && k < CK_KIND_COUNT_; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

const char *
ck_asset_kind_name(enum ck_asset_kind kind)
{
	static const char *const names[CK_ASSET_KIND_COUNT_] = {
	    [CK_ASSET_DEPOSIT] = "deposit",       [CK_ASSET_WEALTH] = "wealth",
	    [CK_ASSET_REALESTATE] = "realestate", [CK_ASSET_VEHICLE] = "vehicle",
	    [CK_ASSET_WALLET] = "wallet",         [CK_ASSET_FUND] = "fund",
	};
	return (unsigned)kind < CK_ASSET_KIND_COUNT_ ? names[kind] : NULL;
}

const char *
ck_encumbrance_kind_name(enum ck_encumbrance_kind kind)
{
	switch (kind) {
	case CK_ENC_FREEZE: return "freeze";
	case CK_ENC_SEIZURE: return "seizure";
	case CK_ENC_MORTGAGE: return "mortgage";
	}
	return NULL;
}

const char *
ck_lead_kind_name(enum ck_lead_kind kind)
{
	static const char *const names[CK_LEAD_KIND_COUNT_] = {
	    [CK_LEAD_EMPLOYER] = "employer",     [CK_LEAD_PENSION] = "pension",
	    [CK_LEAD_BOUND_CARD] = "bound_card", [CK_LEAD_ADDRESS] = "address",
	    [CK_LEAD_SPENDING] = "spending",
	};
	return (unsigned)kind < CK_LEAD_KIND_COUNT_ ? names[kind] : NULL;
}

const char *
ck_outcome_type_name(enum ck_outcome_type type)
{
	static const char *const names[CK_OUTCOME_TYPE_COUNT_] = {
	    [CK_OUTCOME_NONE] = "none",
	    [CK_OUTCOME_FOUND] = "found",
	    [CK_OUTCOME_NOT_FOUND] = "not_found",
	    [CK_OUTCOME_MISMATCH] = "subject_mismatch",
	    [CK_OUTCOME_TICKET] = "ticket",
	    [CK_OUTCOME_NEXT_PAGE] = "next_page",
	    [CK_OUTCOME_RESUBMIT] = "resubmit",
	    [CK_OUTCOME_RETRY] = "retry",
	    [CK_OUTCOME_FAILED] = "failed",
	    [CK_OUTCOME_HOSTILE] = "hostile",
	    [CK_OUTCOME_CREDENTIALS] = "credentials",
	};
	return (unsigned)type < CK_OUTCOME_TYPE_COUNT_ ? names[type] : NULL;
}

void
ck_http_request_release(struct ck_http_request *rq)
{
	free(rq->path);
	free(rq->body);
	for (size_t i = 0; i < rq->n_headers; i++) {
		free(rq->headers[i].name);
		free(rq->headers[i].value);
	}
	memset(rq, 0, sizeof *rq);
}

void
ck_outcome_init(struct ck_outcome *out)
{
	memset(out, 0, sizeof *out);
	out->poll_after_s = -1;
	out->retry_after_s = -1;
}

static void
release_asset(struct ck_asset *a)
{
	free(a->ref);
	free(a->subtype);
	free(a->status);
	free(a->detail);
	for (size_t i = 0; i < a->n_encumbrances; i++) {
		free(a->encumbrances[i].authority);
		free(a->encumbrances[i].ref);
		free(a->encumbrances[i].detail);
	}
	free(a->encumbrances);
}

void
ck_outcome_truncate(struct ck_outcome *out, size_t n_assets, size_t n_leads)
{
	while (out->n_assets > n_assets)
		release_asset(&out->assets[--out->n_assets]);
	while (out->n_leads > n_leads) {
		struct ck_lead *l = &out->leads[--out->n_leads];
		free(l->label);
		free(l->code);
		free(l->detail);
	}
}

void
ck_outcome_take_records(struct ck_outcome *to, struct ck_outcome *from)
{
	ck_outcome_truncate(to, 0, 0);
	free(to->assets);
	free(to->leads);
	to->assets = from->assets;
	to->n_assets = from->n_assets;
	to->leads = from->leads;
	to->n_leads = from->n_leads;
	from->assets = NULL;
	from->leads = NULL;
	from->n_assets = from->n_leads = 0;
}

void
ck_outcome_release(struct ck_outcome *out)
{
	ck_outcome_truncate(out, 0, 0);
	free(out->assets);
	free(out->leads);
	free(out->ticket);
	free(out->cursor);
	free(out->registered_name);
	free(out->institution_name);
	ck_outcome_init(out);
}

/* Appends one zeroed element to a growable array; NULL on no memory. */
static void *
grow(void **array, size_t *n, size_t size)
{
	/* Doubling capacity kept implicit: grow to the next power of two. */
	size_t count = *n;
	if ((count & (count - 1)) == 0) {
		size_t cap = count ? count * 2 : 4;
		void *grown = realloc(*array, cap * size);
		if (grown == NULL)
			return NULL;
		*array = grown;
	}
	void *element = (char *)*array + count * size;
	memset(element, 0, size);
	*n = count + 1;
	return element;
}

struct ck_asset *
ck_outcome_add_asset(struct ck_outcome *out)
{
	return grow((void **)&out->assets, &out->n_assets, sizeof *out->assets);
}

struct ck_encumbrance *
ck_asset_add_encumbrance(struct ck_asset *asset)
{
	struct ck_encumbrance *e = grow((void **)&asset->encumbrances, &asset->n_encumbrances,
	                                sizeof *asset->encumbrances);
	if (e != NULL)
		e->starts_on = e->ends_on = CK_NO_DATE;
	return e;
}

struct ck_lead *
ck_outcome_add_lead(struct ck_outcome *out)
{
	return grow((void **)&out->leads, &out->n_leads, sizeof *out->leads);
}

void
ck_outcome_fail(struct ck_outcome *out, enum ck_outcome_type type, const char *reason,
                const char *fmt, ...)
{
	out->type = type;
	snprintf(out->reason, sizeof out->reason, "%s", reason);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof out->detail, fmt, ap);
	va_end(ap);
	/* vsnprintf may have cut the detail inside a UTF-8 sequence
	 * (institutions' texts are Chinese): drop the broken tail so that the
	 * detail stays text. */
	size_t n = strlen(out->detail), i = n;
	while (i > 0 && ((unsigned char)out->detail[i - 1] & 0xC0) == 0x80)
		i--;
	if (i > 0) {
		unsigned char lead = (unsigned char)out->detail[i - 1];
		size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
		if (n - (i - 1) < need)
			out->detail[i - 1] = '\0';
	}
	/* The detail is stored, logged and shown, and often quotes what an
	 * institution sent: it stays one line of printable UTF-8.  Line ends
	 * and tabs become spaces; other controls (C0, DEL, C1) and bytes that
	 * are not UTF-8 become '?'. */
	unsigned char *r = (unsigned char *)out->detail, *w = r;
	size_t left = strlen(out->detail);
	while (left > 0) {
		uint32_t cp = 0;
		size_t k = ck_utf8_seq(r, left, &cp);
		if (k == 0) {
			*w++ = '?';
			k = 1;
		} else if (cp == '\n' || cp == '\r' || cp == '\t') {
			*w++ = ' ';
		} else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
			*w++ = '?';
		} else {
			memmove(w, r, k);
			w += k;
		}
		r += k;
		left -= k;
	}
	*w = '\0';
}

void *
ck_adapter_state_new(const struct ck_adapter *a)
{
	return a->state_size ? calloc(1, a->state_size) : NULL;
}

void
ck_adapter_state_free(const struct ck_adapter *a, void *state)
{
	if (state == NULL)
		return;
	if (a->release_state != NULL)
		a->release_state(state);
	free(state);
}

int
ck_adapter_build(const struct ck_adapter *a, enum ck_request_type type,
                 const struct ck_query_input *in, void *state, struct ck_http_request *out,
                 char *err)
{
	memset(out, 0, sizeof *out);
	int (*build)(const struct ck_query_input *, void *, struct ck_http_request *, char *) =
	    type == CK_REQUEST_SUBMIT ? a->build_submit
	    : type == CK_REQUEST_POLL ? a->build_poll
	                              : a->build_next_page;
	if (build == NULL)
		return ck_fail(err, CK_E_USAGE, "adapter %s cannot build that request", a->name);
	return build(in, state, out, err);
}

int
ck_adapter_interpret(const struct ck_adapter *a, const struct ck_query_input *in, void *state,
                     const struct ck_http_response *response, const struct ck_adapter_env *env,
                     struct ck_outcome *out)
{
	int rc = a->interpret(in, state, response, env, out);
	if (rc == CK_OK && out->type == CK_OUTCOME_NONE)
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "INTERNAL",
		                "adapter %s gave no outcome for HTTP %d", a->name,
		                response->status);
	return rc;
}
