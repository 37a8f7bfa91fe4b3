/* SPDX-License-Identifier: MIT */
/*
 * kind_socialsec.c: the social insurance agency (spec/socialsec.md), the
 * asynchronous kind.  POST /si/v1/inquiries accepts a query (202 with a
 * ticket); GET /si/v1/inquiries/{ticket} answers 202 Pending until
 * behaviour.async_delay_s after the ticket was made, then 200 with the
 * Result.  A ticket expires 72 hours after the submission that made it
 * (404); submitting the same RequestId again returns the ticket, or the
 * result once ready, or after expiry a new ticket whose answer is the same.
 * Polls and resubmissions sooner than the last PollAfter are counted as
 * hammering (and answered all the same).  Organisations are refused: the
 * agency answers about persons only.
 *
 * Tickets are "T-" and ten hex digits drawn from (seed, instance,
 * RequestId, how many tickets the query had): deterministic.
 */
#include "kinds.h"
#include "simdata.h"
#include "chakong/ids.h"
#include "chakong/xmlsafe.h"

#include <stdlib.h>
#include <string.h>

#define SUBMIT_PATH    "/si/v1/inquiries"
#define POLL_PREFIX    "/si/v1/inquiries/"
#define TICKET_LIFE_MS (INT64_C(72) * 3600 * 1000)

static void
si_error(struct sim_reply *reply, int status, const char *code, const char *message)
{
	kinds_error_doc(reply, status, SI_NS, 0, code, message);
}

static int
si_extract(xmlDoc *doc, struct kind_request *r, const char **why)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!ck_xml_is(root, SI_NS, "Inquiry")) {
		*why = "不是查询请求 (expected {urn:chakong:si:1}Inquiry)";
		return -1;
	}
	kinds_child(root, SI_NS, "RequestId", r->request_id, sizeof r->request_id);
	xmlNode *court = ck_xml_first(root, SI_NS, "Court");
	char *code = court ? ck_xml_attr(court, "code") : NULL;
	char name[96];
	kinds_child(root, SI_NS, "Court", name, sizeof name);
	simd_format(r->court, sizeof r->court, "%s %s", code ? code : "", name);
	free(code);
	kinds_child(root, SI_NS, "CaseNo", r->case_no, sizeof r->case_no);
	kinds_child(root, SI_NS, "Officer", r->officer, sizeof r->officer);
	xmlNode *person = ck_xml_first(root, SI_NS, "Person");
	kinds_child(person, SI_NS, "Name", r->name, sizeof r->name);
	kinds_child(person, SI_NS, "IdNo", r->id_no, sizeof r->id_no);
	r->id_kind = CK_SUBJECT_PERSON;
	return 0;
}

static const struct kind_def si_def = {
    .request_schema = "socialsec-request",
    .persons_only = 1,
    .extract = si_extract,
    .error = si_error,
};

/* ---- Rendering ------------------------------------------------------------ */

static void
month(struct ck_buf *b, const char *name, int year, int mon)
{
	ck_buf_printf(b, "      <si:%s>%04d-%02d</si:%s>\n", name, year, mon, name);
}

static void
employment(struct ck_buf *b, const struct sim_employment *e)
{
	ck_buf_puts(b, "    <si:Employment>\n      ");
	kinds_elem(b, "si:", "Employer", e->employer);
	ck_buf_puts(b, "\n      ");
	kinds_elem(b, "si:", "EmployerCode", e->employer_code);
	ck_buf_printf(b, "\n      <si:Insurance>%s</si:Insurance>\n      ", e->insurance);
	kinds_elem_amount(b, "si:", "MonthlyBase", e->monthly_base);
	ck_buf_printf(b, "\n      <si:State>%s</si:State>\n", e->state);
	month(b, "Since", e->since_year, e->since_month);
	month(b, "LastPaid", e->last_paid_year, e->last_paid_month);
	ck_buf_puts(b, "    </si:Employment>\n");
}

void
kind_socialsec_render(const struct kind_answer *a, struct ck_buf *b)
{
	const struct sim_holding *h = &a->holding;
	ck_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<si:Result xmlns:si=\"" SI_NS "\">\n  ");
	kinds_elem(b, "si:", "RequestId", a->request_id);
	ck_buf_printf(b, "\n  <si:Status>%s</si:Status>\n  ", kinds_status_name(h->status));
	kinds_elem(b, "si:", "Agency", a->instance->name);
	ck_buf_puts(b, "\n  <si:AnsweredAt>");
	kinds_time(b, a->answered_ms);
	ck_buf_puts(b, "</si:AnsweredAt>\n  <si:Person>");
	kinds_elem(b, "si:", "Name", a->name);
	kinds_elem(b, "si:", "IdNo", a->id_no);
	ck_buf_puts(b, "</si:Person>\n");
	int records = h->status != SIM_NOT_FOUND;
	if (records && h->n_employments > 0) {
		ck_buf_puts(b, "  <si:Employments>\n");
		for (size_t i = 0; i < h->n_employments; i++)
			employment(b, &h->employments[i]);
		ck_buf_puts(b, "  </si:Employments>\n");
	}
	if (records && h->pension.present) {
		ck_buf_puts(b, "  <si:Pension>\n    ");
		kinds_elem_amount(b, "si:", "Monthly", h->pension.monthly);
		ck_buf_puts(b, "\n    ");
		kinds_elem(b, "si:", "PayingBank", h->pension.paying_bank);
		ck_buf_puts(b, "\n  </si:Pension>\n");
	}
	ck_buf_puts(b, "</si:Result>\n");
}

static void
ticket_reply(struct sim_reply *reply, const char *root, const struct sim_query *q,
             unsigned poll_after)
{
	struct ck_buf *b = &reply->body;
	ck_buf_release(b);
	reply->status = 202;
	reply->content_type = "application/xml; charset=utf-8";
	ck_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"" SI_NS "\">",
	              root);
	if (strcmp(root, "Accepted") == 0)
		kinds_elem(b, "", "RequestId", q->request_id);
	kinds_elem(b, "", "Ticket", q->ticket);
	ck_buf_printf(b, "<PollAfter>%u</PollAfter></%s>\n", poll_after, root);
}

static void
result_reply(const struct sim_context *ctx, const struct sim_request *rq, const struct sim_query *q,
             struct sim_reply *reply)
{
	const struct sim_subject *s = q->subject ? &ctx->world->subjects[q->subject - 1] : NULL;
	int64_t answered = q->first_ms + (int64_t)ctx->instance->behaviour.async_delay_s * 1000;
	struct kind_answer a;
	if (kinds_answer_init(&a, ctx->world, ctx->instance, s, q->subject_id, CK_SUBJECT_PERSON,
	                      q->name, q->request_id, answered, rq->wrong_subject) != 0) {
		si_error(reply, 500, "INTERNAL_ERROR", "系统繁忙 (out of memory)");
		return;
	}
	ck_buf_release(&reply->body);
	reply->status = 200;
	reply->content_type = "application/xml; charset=utf-8";
	kind_socialsec_render(&a, &reply->body);
	kinds_answer_release(&a);
}

/* ---- The flow ---------------------------------------------------------------- */

static void
new_ticket(const struct sim_context *ctx, struct sim_query *q, int64_t now_ms)
{
	struct sim_rng rng;
	sim_rng_seed(&rng, ctx->world->seed, sim_hash(ctx->instance->id), sim_hash(q->request_id),
	             q->tickets++);
	char ticket[sizeof q->ticket];
	simd_format(ticket, sizeof ticket, "T-%010llx",
	            (unsigned long long)(sim_rng_next(&rng) & 0xffffffffffull));
	kinds_copy(q->ticket, sizeof q->ticket, ticket);
	q->ticket_created_ms = now_ms;
	if (ctx->set_ticket != NULL)
		ctx->set_ticket(ctx->server_ctx, q, ticket);
}

static int
ready(const struct sim_context *ctx, const struct sim_query *q, int64_t now_ms)
{
	return now_ms >=
	       q->ticket_created_ms + (int64_t)ctx->instance->behaviour.async_delay_s * 1000;
}

static void
hammering(const struct sim_context *ctx, const struct sim_query *q, int64_t now_ms)
{
	if (now_ms < q->next_poll_ms && ctx->count_hammering != NULL)
		ctx->count_hammering(ctx->server_ctx);
}

static void
submit(const struct sim_context *ctx, const struct sim_request *rq, struct sim_reply *reply)
{
	struct kind_request r;
	struct sim_query *q = kinds_accept(ctx, rq, &si_def, &r, reply);
	if (q == NULL)
		return;
	unsigned poll_after = ctx->instance->behaviour.poll_after_s;
	int64_t now = rq->now_ms;
	if (q->ticket[0] != '\0')
		hammering(ctx, q, now);
	if (q->ticket[0] == '\0' || now >= q->ticket_created_ms + TICKET_LIFE_MS) {
		new_ticket(ctx, q, now);
	} else if (ready(ctx, q, now)) {
		result_reply(ctx, rq, q, reply);
		return;
	}
	q->next_poll_ms = now + (int64_t)poll_after * 1000;
	ticket_reply(reply, "Accepted", q, poll_after);
}

static void
poll(const struct sim_context *ctx, const struct sim_request *rq, const char *ticket,
     struct sim_reply *reply)
{
	if (rq->method == NULL || strcmp(rq->method, "GET") != 0) {
		si_error(reply, 405, "METHOD_NOT_ALLOWED", "请求方法不被允许 (method not allowed)");
		return;
	}
	struct sim_query *q = ctx->by_ticket ? ctx->by_ticket(ctx->server_ctx, ticket) : NULL;
	int64_t now = rq->now_ms;
	if (q == NULL || strcmp(q->ticket, ticket) != 0) {
		si_error(reply, 404, "UNKNOWN_TICKET", "查询单不存在 (unknown ticket)");
		return;
	}
	if (now >= q->ticket_created_ms + TICKET_LIFE_MS) {
		si_error(reply, 404, "EXPIRED_TICKET", "查询单已过期，请重新提交 (ticket expired)");
		return;
	}
	if (rq->request_id == NULL || strcmp(rq->request_id, q->request_id) != 0) {
		si_error(reply, 400, rq->request_id ? "REQUEST_ID_MISMATCH" : "MISSING_REQUEST_ID",
		         "X-Request-Id 应为该查询单的请求单号 (X-Request-Id must be the query's)");
		return;
	}
	hammering(ctx, q, now);
	if (ready(ctx, q, now)) {
		result_reply(ctx, rq, q, reply);
		return;
	}
	unsigned poll_after = ctx->instance->behaviour.poll_after_s;
	q->next_poll_ms = now + (int64_t)poll_after * 1000;
	ticket_reply(reply, "Pending", q, poll_after);
}

void
kind_socialsec_handle(const struct sim_context *ctx, const struct sim_request *rq,
                      struct sim_reply *reply)
{
	size_t n = strlen(POLL_PREFIX);
	if (rq->path != NULL && strncmp(rq->path, POLL_PREFIX, n) == 0 && rq->path[n] != '\0' &&
	    strchr(rq->path + n, '/') == NULL) {
		poll(ctx, rq, rq->path + n, reply);
		return;
	}
	if (!kinds_route(&si_def, rq, "POST", SUBMIT_PATH, reply))
		return;
	submit(ctx, rq, reply);
}
