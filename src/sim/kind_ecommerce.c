/* SPDX-License-Identifier: MIT */
/*
 * kind_ecommerce.c: the e-commerce and payment platforms (spec/
 * ecommerce.md): POST /open/judicial/query, answered one page at a time,
 * behaviour.page_size items a page.  Every page repeats the status and the
 * subject; every page but the last names the cursor of the next.
 *
 * Cursors are "c<page>-<8 hex digits>", the digits drawn from (seed,
 * instance, RequestId, page): opaque to the engine, checkable here without
 * remembering anything, and useless with another RequestId (400).
 */
#include "kinds.h"
#include "simdata.h"
#include "chakong/ids.h"
#include "chakong/xmlsafe.h"

#include <stdlib.h>
#include <string.h>

static void
ec_error(struct sim_reply *reply, int status, const char *code, const char *message)
{
	kinds_error_doc(reply, status, EC_NS, 0, code, message);
}

static int
ec_extract(xmlDoc *doc, struct kind_request *r, const char **why)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!ck_xml_is(root, EC_NS, "JudicialQuery")) {
		*why = "不是查询请求 (expected {urn:chakong:ec:1}JudicialQuery)";
		return -1;
	}
	kinds_child(root, EC_NS, "RequestId", r->request_id, sizeof r->request_id);
	kinds_child(root, EC_NS, "CaseNo", r->case_no, sizeof r->case_no);
	kinds_child(root, EC_NS, "CourtCode", r->court, sizeof r->court);
	kinds_child(root, EC_NS, "Officer", r->officer, sizeof r->officer);
	xmlNode *subject = ck_xml_first(root, EC_NS, "Subject");
	char *kind = subject ? ck_xml_attr(subject, "kind") : NULL;
	r->id_kind = kind == NULL                  ? 0
	             : strcmp(kind, "PERSON") == 0 ? CK_SUBJECT_PERSON
	             : strcmp(kind, "ORG") == 0    ? CK_SUBJECT_ORG
	                                           : 0;
	free(kind);
	kinds_child(subject, EC_NS, "Name", r->name, sizeof r->name);
	kinds_child(subject, EC_NS, "CertNo", r->id_no, sizeof r->id_no);
	kinds_child(root, EC_NS, "Cursor", r->cursor, sizeof r->cursor);
	return 0;
}

static const struct kind_def ec_def = {
    .request_schema = "ecommerce-request",
    .extract = ec_extract,
    .error = ec_error,
};

/* ---- Pages and cursors ------------------------------------------------------ */

static size_t
item_count(const struct kind_answer *a)
{
	return a->holding.status == SIM_NOT_FOUND ? 0 : a->holding.n_items;
}

unsigned
kind_ecommerce_pages(const struct kind_answer *a, unsigned page_size)
{
	size_t size = page_size ? page_size : 1;
	size_t n = item_count(a);
	return n == 0 ? 1 : (unsigned)((n + size - 1) / size);
}

static uint32_t
cursor_digits(const struct sim_world *world, const struct sim_instance *instance,
              const char *request_id, unsigned page)
{
	struct sim_rng rng;
	sim_rng_seed(&rng, world->seed, sim_hash(instance->id), sim_hash(request_id), page);
	return (uint32_t)sim_rng_next(&rng);
}

void
kind_ecommerce_cursor(const struct sim_world *world, const struct sim_instance *instance,
                      const char *request_id, unsigned page, char *out, size_t outsz)
{
	simd_format(out, outsz, "c%u-%08x", page,
	            (unsigned)cursor_digits(world, instance, request_id, page));
}

/* The page a cursor names, or 0 when it is not one of this query's. */
static unsigned
cursor_page(const struct sim_context *ctx, const char *request_id, const char *cursor)
{
	unsigned page = 0;
	const char *p = cursor;
	if (*p++ != 'c')
		return 0;
	for (; *p >= '0' && *p <= '9' && page < 100000000u; p++)
		page = page * 10 + (unsigned)(*p - '0');
	if (page < 2 || *p != '-')
		return 0;
	char want[64];
	kind_ecommerce_cursor(ctx->world, ctx->instance, request_id, page, want, sizeof want);
	return strcmp(want, cursor) == 0 ? page : 0;
}

/* ---- Rendering ------------------------------------------------------------ */

static void
item(struct sim_buf *b, const struct sim_item *it)
{
	sim_buf_puts(b, "    ");
	switch (it->type) {
	case SIM_ITEM_ACCOUNT:
		sim_buf_puts(b, "<Account>");
		kinds_elem(b, "", "UserId", it->user_id);
		if (it->mobile[0])
			kinds_elem(b, "", "Mobile", it->mobile);
		kinds_elem_amount(b, "", "Balance", it->balance);
		if (it->has_fund)
			kinds_elem_amount(b, "", "FundBalance", it->fund_balance);
		kinds_elem_amount(b, "", "Frozen", it->frozen);
		sim_buf_puts(b, "</Account>\n");
		break;
	case SIM_ITEM_CARD:
		sim_buf_puts(b, "<BoundCard>");
		kinds_elem(b, "", "Bank", it->bank);
		kinds_elem(b, "", "CardTail", it->card_tail);
		sim_buf_puts(b, "</BoundCard>\n");
		break;
	case SIM_ITEM_ADDRESS:
		sim_buf_puts(b, "<Address>");
		kinds_elem(b, "", "Text", it->address);
		kinds_elem_date(b, "", "LastUsed", it->last_used_on);
		sim_buf_puts(b, "</Address>\n");
		break;
	case SIM_ITEM_SPENDING:
		sim_buf_puts(b, "<Spending>");
		kinds_elem(b, "", "Period", it->period);
		kinds_elem_amount(b, "", "Total", it->total);
		sim_buf_printf(b, "<Flights>%d</Flights><Hotels>%d</Hotels><Luxury>%d</Luxury>",
		               it->flights, it->hotels, it->luxury);
		sim_buf_puts(b, "</Spending>\n");
		break;
	}
}

void
kind_ecommerce_render(const struct kind_answer *a, unsigned page_size, const char *next_cursor,
                      struct sim_buf *b)
{
	unsigned size = page_size ? page_size : 1;
	unsigned pages = kind_ecommerce_pages(a, size);
	if (a->page < 1 || a->page > pages)
		return;
	sim_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                "<JudicialResult xmlns=\"" EC_NS "\">\n  ");
	kinds_elem(b, "", "RequestId", a->request_id);
	sim_buf_puts(b, "\n  <Platform code=\"");
	sim_buf_xml(b, a->instance->code);
	sim_buf_puts(b, "\">");
	sim_buf_xml(b, a->instance->name);
	sim_buf_printf(b, "</Platform>\n  <Status>%s</Status>\n  <Subject kind=\"%s\">",
	               kinds_status_name(a->holding.status),
	               a->kind == CK_SUBJECT_ORG ? "ORG" : "PERSON");
	kinds_elem(b, "", "Name", a->name);
	kinds_elem(b, "", "CertNo", a->id_no);
	sim_buf_printf(b, "</Subject>\n  <Page index=\"%u\" total=\"%u\"/>\n", a->page, pages);
	if (next_cursor != NULL && next_cursor[0] != '\0') {
		sim_buf_puts(b, "  ");
		kinds_elem(b, "", "NextCursor", next_cursor);
		sim_buf_puts(b, "\n");
	}
	size_t n = item_count(a), from = (size_t)(a->page - 1) * size;
	if (from < n) {
		size_t to = from + size < n ? from + size : n;
		sim_buf_puts(b, "  <Items>\n");
		for (size_t i = from; i < to; i++)
			item(b, &a->holding.items[i]);
		sim_buf_puts(b, "  </Items>\n");
	}
	sim_buf_puts(b, "</JudicialResult>\n");
}

void
kind_ecommerce_handle(const struct sim_context *ctx, const struct sim_request *rq,
                      struct sim_reply *reply)
{
	if (!kinds_route(&ec_def, rq, "POST", "/open/judicial/query", reply))
		return;
	struct kind_request r;
	struct sim_query *q = kinds_accept(ctx, rq, &ec_def, &r, reply);
	if (q == NULL)
		return;
	unsigned page = r.cursor[0] ? cursor_page(ctx, q->request_id, r.cursor) : 1;
	const struct sim_subject *s = q->subject ? &ctx->world->subjects[q->subject - 1] : NULL;
	struct kind_answer a;
	if (kinds_answer_init(&a, ctx->world, ctx->instance, s, r.id_no, r.id_kind, r.name,
	                      q->request_id, q->first_ms, rq->wrong_subject) != 0) {
		ec_error(reply, 500, "INTERNAL_ERROR", "系统繁忙 (out of memory)");
		return;
	}
	unsigned size = ctx->instance->behaviour.page_size ? ctx->instance->behaviour.page_size : 1;
	unsigned pages = kind_ecommerce_pages(&a, size);
	/* A misdirected answer (the WRONG_SUBJECT fault) may have fewer pages:
	 * it stays a valid page, of the other subject. */
	if (rq->wrong_subject && page > pages)
		page = pages;
	if (page == 0 || page > pages) {
		ec_error(reply, 400, "BAD_CURSOR", "游标无效 (unknown cursor)");
		kinds_answer_release(&a);
		return;
	}
	a.page = page;
	char next[64] = "";
	if (page < pages)
		kind_ecommerce_cursor(ctx->world, ctx->instance, q->request_id, page + 1, next,
		                      sizeof next);
	reply->status = 200;
	reply->content_type = "application/xml; charset=utf-8";
	kind_ecommerce_render(&a, size, next, &reply->body);
	kinds_answer_release(&a);
}
