/* SPDX-License-Identifier: MIT */
/*
 * kinds.c: one request to one instance (sim.h, sim_handle), and what every
 * institution kind does alike (kinds.h).
 *
 * A request is refused with the kind's error document, in this order, when
 * its Content-Type is not XML in UTF-8, its body is not well-formed (or
 * hostile: a DOCTYPE), it is not the kind's request, it lacks the case
 * number or the officer, its X-Request-Id is missing or differs from the
 * RequestId inside, it names an organisation where only persons are
 * answered, it breaks the kind's request schema, or the identifier's check
 * character is wrong.  Then the RequestId is looked up in the server's
 * registry: a RequestId seen before with another subject is refused (409);
 * with other fields changed it is answered from the first request and
 * counted as a discrepancy (common.md, idempotency).
 *
 * Answers are dated from the first request of their RequestId, so a
 * repeated request gets the same bytes.
 */
#include "kinds.h"
#include "simdata.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Small helpers ------------------------------------------------------- */

void
kinds_copy(char *dst, size_t size, const char *text)
{
	simd_copy(dst, size, text != NULL ? text : "");
}

int
kinds_child(const xmlNode *parent, const char *ns, const char *local, char *dst, size_t size)
{
	dst[0] = '\0';
	if (parent == NULL)
		return 0;
	char *text = ck_xml_child_text(parent, ns, local);
	if (text == NULL)
		return 0;
	kinds_copy(dst, size, text);
	free(text);
	return 1;
}

void
kinds_reply_init(struct sim_reply *reply)
{
	reply->status = 500;
	reply->content_type = "application/xml; charset=utf-8";
	reply->body = (struct ck_buf){0};
	reply->retry_after_s = -1;
}

const char *
kinds_status_name(enum sim_status status)
{
	switch (status) {
	case SIM_FOUND: return "FOUND";
	case SIM_SUBJECT_MISMATCH: return "SUBJECT_MISMATCH";
	default: return "NOT_FOUND";
	}
}

void
kinds_time(struct ck_buf *b, int64_t ms)
{
	char text[CK_TIME_BUF];
	int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	if (ck_time_format(s, CK_DEFAULT_OFFSET_MIN, text, sizeof text) == CK_OK)
		ck_buf_puts(b, text);
	else
		b->failed = 1;
}

void
kinds_elem(struct ck_buf *b, const char *prefix, const char *name, const char *text)
{
	ck_buf_printf(b, "<%s%s>", prefix, name);
	ck_buf_xml(b, text);
	ck_buf_printf(b, "</%s%s>", prefix, name);
}

void
kinds_elem_amount(struct ck_buf *b, const char *prefix, const char *name, int64_t minor)
{
	ck_buf_printf(b, "<%s%s>", prefix, name);
	ck_buf_amount(b, minor);
	ck_buf_printf(b, "</%s%s>", prefix, name);
}

void
kinds_elem_date(struct ck_buf *b, const char *prefix, const char *name, int64_t days)
{
	ck_buf_printf(b, "<%s%s>", prefix, name);
	ck_buf_date(b, days);
	ck_buf_printf(b, "</%s%s>", prefix, name);
}

int
kinds_to_gb18030(const char *text, size_t len, struct ck_buf *out)
{
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	if (cd == (iconv_t)-1)
		return -1;
	char *in = (char *)(uintptr_t)text; /* iconv does not write through it */
	size_t in_left = len;
	int rc = 0;
	while (in_left > 0) {
		char chunk[4096], *o = chunk;
		size_t o_left = sizeof chunk;
		size_t r = iconv(cd, &in, &in_left, &o, &o_left);
		ck_buf_add(out, chunk, sizeof chunk - o_left);
		if (r == (size_t)-1 && o_left == sizeof chunk) {
			rc = -1; /* not UTF-8, or no progress */
			break;
		}
	}
	iconv_close(cd);
	return out->failed ? -1 : rc;
}

/* Length (1-4) of the well-formed UTF-8 sequence at p, or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80           ? 1
	           : (p[0] >> 5) == 0x6  ? 2
	           : (p[0] >> 4) == 0xE  ? 3
	           : (p[0] >> 3) == 0x1E ? 4
	                                 : 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

void
kinds_safe_text(const char *text, struct ck_buf *out)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0) {
			ck_buf_add(out, "?", 1);
			p++;
		} else if (n == 1 && *p < 0x20 && *p != '\t') {
			ck_buf_add(out, " ", 1);
			p++;
		} else {
			ck_buf_add(out, (const char *)p, n);
			p += n;
		}
	}
}

static void
error_body(struct ck_buf *doc, const char *ns, int gb18030, const char *code, const char *message)
{
	ck_buf_printf(doc, "<?xml version=\"1.0\" encoding=\"%s\"?>\n",
	              gb18030 ? "GB18030" : "UTF-8");
	if (ns != NULL)
		ck_buf_printf(doc, "<Error xmlns=\"%s\">", ns);
	else
		ck_buf_puts(doc, "<Error>");
	kinds_elem(doc, "", "Code", code);
	struct ck_buf safe = {0};
	kinds_safe_text(message != NULL ? message : "", &safe);
	kinds_elem(doc, "", "Message", safe.failed || safe.data == NULL ? "" : safe.data);
	ck_buf_release(&safe);
	ck_buf_puts(doc, "</Error>\n");
}

void
kinds_error_doc(struct sim_reply *reply, int status, const char *ns, int gb18030, const char *code,
                const char *message)
{
	struct ck_buf doc = {0};
	error_body(&doc, ns, gb18030, code, message);
	ck_buf_release(&reply->body);
	reply->status = status;
	if (!gb18030) {
		reply->content_type = "application/xml; charset=utf-8";
		reply->body = doc;
		return;
	}
	reply->content_type = "application/xml; charset=GB18030";
	if (doc.failed || kinds_to_gb18030(doc.data, doc.len, &reply->body) != 0)
		reply->body.failed = 1;
	ck_buf_release(&doc);
}

/* ---- Checking a request ------------------------------------------------------ */

static const char *
skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *
trim_end(const char *start, const char *end)
{
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

/* Checks one "name=value" parameter: only the charset matters. */
static int
media_param(const char *p, const char *end, const char **why)
{
	p = skip_blanks(p, end);
	const char *eq = memchr(p, '=', (size_t)(end - p));
	if (eq == NULL)
		return 0;
	const char *name_end = trim_end(p, eq);
	if ((size_t)(name_end - p) != 7 || strncasecmp(p, "charset", 7) != 0)
		return 0;
	const char *v = skip_blanks(eq + 1, end), *v_end = trim_end(v, end);
	if (v_end - v >= 2 && *v == '"' && v_end[-1] == '"')
		v++, v_end--;
	size_t n = (size_t)(v_end - v);
	if ((n == 5 && strncasecmp(v, "utf-8", 5) == 0) ||
	    (n == 4 && strncasecmp(v, "utf8", 4) == 0))
		return 0;
	*why = "只接受 UTF-8 编码的请求 (charset must be utf-8)";
	return -1;
}

int
kinds_media_type(const char *content_type, const char **why)
{
	if (content_type == NULL) {
		*why = "缺少 Content-Type (application/xml; charset=utf-8)";
		return -1;
	}
	const char *end = content_type + strlen(content_type);
	const char *p = skip_blanks(content_type, end);
	const char *semi = strchr(p, ';');
	const char *type_end = trim_end(p, semi ? semi : end);
	size_t n = (size_t)(type_end - p);
	if (!(n == 15 && strncasecmp(p, "application/xml", n) == 0) &&
	    !(n == 8 && strncasecmp(p, "text/xml", n) == 0)) {
		*why = "Content-Type 应为 application/xml 或 text/xml";
		return -1;
	}
	while (semi != NULL) {
		p = semi + 1;
		semi = strchr(p, ';');
		if (media_param(p, semi ? semi : end, why) != 0)
			return -1;
	}
	return 0;
}

int
kinds_route(const struct kind_def *def, const struct sim_request *rq, const char *method,
            const char *path, struct sim_reply *reply)
{
	if (rq->path == NULL || strcmp(rq->path, path) != 0) {
		def->error(reply, 404, "UNKNOWN_PATH", "没有这个接口 (unknown path)");
		return 0;
	}
	if (rq->method == NULL || strcmp(rq->method, method) != 0) {
		def->error(reply, 405, "METHOD_NOT_ALLOWED",
		           "请求方法不被允许 (method not allowed)");
		return 0;
	}
	return 1;
}

/* A hash of the fields a repeated RequestId must repeat unchanged. */
static uint64_t
fingerprint(const struct kind_request *r)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b, "%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%u", r->case_no, r->court, r->officer,
	              r->name, r->id_kind, r->scope);
	uint64_t h = b.failed ? 0 : sim_hash(b.data);
	ck_buf_release(&b);
	return h;
}

static int
validate(const struct sim_context *ctx, const struct kind_def *def, xmlDoc *doc, char *err)
{
	struct ck_xsd_set *own = NULL, *xsd = ctx->xsd;
	if (xsd == NULL) {
		int rc = ck_xsd_set_new(&own, err);
		if (rc != CK_OK)
			return rc;
		xsd = own;
	}
	int rc = def->validate ? def->validate(xsd, doc, err)
	                       : ck_xsd_validate(xsd, def->request_schema, doc, err);
	ck_xsd_set_free(own);
	return rc;
}

/* The checks of a parsed request before the registry sees it: 0, or -1
 * with reply filled. */
static int
check_request(const struct sim_context *ctx, const struct sim_request *rq,
              const struct kind_def *def, xmlDoc *doc, struct kind_request *r,
              struct sim_reply *reply)
{
	const char *why = NULL;
	char err[CK_ERR_SIZE] = "";
	if (def->extract(doc, r, &why) != 0)
		def->error(reply, 400, "INVALID_REQUEST", why);
	else if (r->case_no[0] == '\0')
		def->error(reply, 400, "MISSING_CASE_NO", "缺少案号 (case number missing)");
	else if (r->officer[0] == '\0')
		def->error(reply, 400, "MISSING_OFFICER", "缺少承办人 (officer missing)");
	else if (rq->request_id == NULL)
		def->error(reply, 400, "MISSING_REQUEST_ID", "缺少 X-Request-Id");
	else if (strcmp(rq->request_id, r->request_id) != 0)
		def->error(reply, 400, "REQUEST_ID_MISMATCH",
		           "X-Request-Id 与报文中的请求单号不一致 (X-Request-Id differs from the "
		           "RequestId)");
	else if (def->persons_only && ck_ids_kind_of(r->id_no) == CK_SUBJECT_ORG)
		def->error(reply, 400, "ORG_NOT_APPLICABLE",
		           "本机构只受理自然人查询 (only natural persons can be asked)");
	else if (validate(ctx, def, doc, err) != CK_OK)
		def->error(reply, 400, "INVALID_REQUEST", err);
	else if (ck_ids_check_subject((enum ck_subject_kind)r->id_kind, r->id_no, NULL, err) !=
	         CK_OK)
		def->error(reply, 400, "INVALID_ID", err);
	else
		return 0;
	return -1;
}

/* Looks the RequestId up in the registry and applies idempotency. */
static struct sim_query *
register_query(const struct sim_context *ctx, const struct sim_request *rq,
               const struct kind_def *def, struct kind_request *r, struct sim_reply *reply)
{
	struct sim_query *q = ctx->query(ctx->server_ctx, r->request_id);
	if (q == NULL) {
		def->error(reply, 500, "INTERNAL_ERROR", "系统繁忙 (out of memory)");
		return NULL;
	}
	if (q->request_id[0] == '\0')
		kinds_copy(q->request_id, sizeof q->request_id, r->request_id);
	if (q->seen == 0) {
		const struct sim_subject *s = sim_world_find(ctx->world, r->id_no);
		q->subject = s != NULL ? s->index + 1 : 0;
		kinds_copy(q->subject_id, sizeof q->subject_id, r->id_no);
		q->fingerprint = r->fingerprint;
		q->first_ms = rq->now_ms;
		kinds_copy(q->name, sizeof q->name, r->name);
		q->scope = r->scope;
	}
	q->seen++;
	if (strcmp(q->subject_id, r->id_no) != 0) {
		def->error(reply, 409, "REQUEST_ID_REUSED",
		           "请求单号已用于另一查询对象 (RequestId reused for another subject)");
		return NULL;
	}
	if (q->seen > 1 && q->fingerprint != r->fingerprint && ctx->count_discrepancy != NULL)
		ctx->count_discrepancy(ctx->server_ctx);
	/* Idempotency wins: the answer is the first request's. */
	kinds_copy(r->name, sizeof r->name, q->name);
	r->scope = q->scope;
	return q;
}

/* SOAP 1.1 quotes the action; be liberal and accept it bare too. */
static int
soap_action_ok(const char *sent, const char *want)
{
	if (sent == NULL)
		return 0;
	size_t n = strlen(sent), w = strlen(want);
	if (n == w + 2 && sent[0] == '"' && sent[n - 1] == '"')
		return strncmp(sent + 1, want, w) == 0;
	return strcmp(sent, want) == 0;
}

struct sim_query *
kinds_accept(const struct sim_context *ctx, const struct sim_request *rq,
             const struct kind_def *def, struct kind_request *r, struct sim_reply *reply)
{
	const char *why = NULL;
	*r = (struct kind_request){0};
	if (kinds_media_type(rq->content_type, &why) != 0) {
		def->error(reply, 400, "BAD_CONTENT_TYPE", why);
		return NULL;
	}
	if (def->soap_action != NULL && !soap_action_ok(rq->soap_action, def->soap_action)) {
		def->error(reply, 400, "BAD_SOAP_ACTION", "SOAPAction 应为 \"queryVehicle\"");
		return NULL;
	}
	xmlDoc *doc = NULL;
	char err[CK_ERR_SIZE] = "";
	int rc = ck_xml_parse(rq->body, rq->body_len, NULL, &doc, err);
	if (rc != CK_OK) {
		def->error(reply, 400, rc == CK_E_HOSTILE ? "HOSTILE_REQUEST" : "MALFORMED_REQUEST",
		           err[0] ? err : ck_strerror(rc));
		return NULL;
	}
	rc = check_request(ctx, rq, def, doc, r, reply);
	xmlFreeDoc(doc);
	if (rc != 0)
		return NULL;
	char norm[CK_ID_BUF];
	ck_ids_check_subject((enum ck_subject_kind)r->id_kind, r->id_no, norm, NULL);
	kinds_copy(r->id_no, sizeof r->id_no, norm);
	r->fingerprint = fingerprint(r);
	return register_query(ctx, rq, def, r, reply);
}

/* ---- Answers -------------------------------------------------------------------- */

/* Another subject of kind that instance holds records about (else any
 * other subject of that kind, else any other subject): whom a misdirected
 * answer is about. */
static const struct sim_subject *
other_subject(const struct sim_world *w, const struct sim_instance *in,
              const struct sim_subject *subject, int kind)
{
	size_t n = w->n_subjects;
	if (n == 0)
		return NULL;
	size_t start = subject != NULL ? subject->index + 1 : 0;
	const struct sim_subject *same_kind = NULL, *any = NULL;
	for (size_t t = 0; t < n && t < 256; t++) {
		const struct sim_subject *s = &w->subjects[(start + t) % n];
		if (s == subject)
			continue;
		if (any == NULL)
			any = s;
		if ((int)s->kind != kind)
			continue;
		if (same_kind == NULL)
			same_kind = s;
		struct sim_holding h;
		if (sim_world_holding(w, in, s, &h) != CK_OK)
			break;
		int found = h.status == SIM_FOUND;
		sim_holding_release(&h);
		if (found)
			return s;
	}
	return same_kind != NULL ? same_kind : any;
}

int
kinds_answer_init(struct kind_answer *a, const struct sim_world *world,
                  const struct sim_instance *instance, const struct sim_subject *subject,
                  const char *id_no, int id_kind, const char *asked_name, const char *request_id,
                  int64_t answered_ms, int wrong_subject)
{
	*a = (struct kind_answer){0};
	a->world = world;
	a->instance = instance;
	a->request_id = request_id;
	a->answered_ms = answered_ms;
	a->scope = SCOPE_ACCT | SCOPE_WLTH;
	a->page = 1;
	if (wrong_subject) {
		const struct sim_subject *other = other_subject(world, instance, subject, id_kind);
		if (other != NULL) {
			subject = other;
			id_no = other->id_no;
			id_kind = (int)other->kind;
		}
	}
	a->subject = subject;
	if (subject != NULL) {
		int rc = sim_world_holding(world, instance, subject, &a->holding);
		if (rc != CK_OK)
			return rc;
		/* What the institution knows on the day it first answered this
		 * RequestId (so a repeat gets the same answer): the day at +08:00. */
		int64_t local_s = answered_ms / 1000 + CK_DEFAULT_OFFSET_MIN * 60;
		sim_holding_as_of(&a->holding, local_s / 86400 - (local_s % 86400 < 0));
	}
	kinds_copy(a->id_no, sizeof a->id_no, id_no);
	a->kind = id_kind;
	const char *name = a->holding.status == SIM_SUBJECT_MISMATCH ? a->holding.registered_name
	                   : subject != NULL                         ? subject->name
	                                                             : asked_name;
	kinds_copy(a->name, sizeof a->name, name);
	return CK_OK;
}

void
kinds_answer_release(struct kind_answer *a)
{
	sim_holding_release(&a->holding);
}

/* ---- Entry points ------------------------------------------------------------------ */

void
sim_handle(const struct sim_context *ctx, const struct sim_request *rq, struct sim_reply *reply)
{
	kinds_reply_init(reply);
	switch (ctx->instance->kind) {
	case SIM_BANK: kind_bank_handle(ctx, rq, reply); break;
	case SIM_REALESTATE: kind_realestate_handle(ctx, rq, reply); break;
	case SIM_VEHICLE: kind_vehicle_handle(ctx, rq, reply); break;
	case SIM_SOCIALSEC: kind_socialsec_handle(ctx, rq, reply); break;
	case SIM_ECOMMERCE: kind_ecommerce_handle(ctx, rq, reply); break;
	default:
		kinds_error_doc(reply, 500, NULL, 0, "INTERNAL_ERROR", "unknown institution kind");
		break;
	}
}

void
sim_render_answer(const struct sim_world *world, const struct sim_instance *instance,
                  const struct sim_subject *subject, const char *request_id, unsigned page,
                  struct ck_buf *out)
{
	struct kind_answer a;
	if (kinds_answer_init(&a, world, instance, subject, subject->id_no, (int)subject->kind,
	                      subject->name, request_id, KINDS_RENDER_MS, 0) != CK_OK) {
		out->failed = 1;
		return;
	}
	a.page = page ? page : 1;
	switch (instance->kind) {
	case SIM_BANK: kind_bank_render(&a, out); break;
	case SIM_REALESTATE: kind_realestate_render(&a, out); break;
	case SIM_VEHICLE: kind_vehicle_render(&a, out); break;
	case SIM_SOCIALSEC: kind_socialsec_render(&a, out); break;
	case SIM_ECOMMERCE: {
		unsigned size = instance->behaviour.page_size ? instance->behaviour.page_size : 1;
		char cursor[64] = "";
		if (a.page < kind_ecommerce_pages(&a, size))
			kind_ecommerce_cursor(world, instance, request_id, a.page + 1, cursor,
			                      sizeof cursor);
		kind_ecommerce_render(&a, size, cursor, out);
		break;
	}
	default: break;
	}
	kinds_answer_release(&a);
}
