/* SPDX-License-Identifier: MIT */
/*
 * kind_bank.c: the bank kind (spec/bank.md): POST /fi/inquiry with an
 * InfReq document, answered at once with an InfRspn in
 * urn:chakong:bank:1.
 *
 * Answers take the shapes of the spec's examples: a result with records is
 * written with the prefix "b:" and indented, a NOT_FOUND on one line in
 * the default namespace (both are the same to a reader that matches on the
 * namespace).  The bank answers only for the scopes asked: FOUND with no
 * record in them reads NOT_FOUND.
 */
#include "kinds.h"
#include "simdata.h"
#include "chakong/ids.h"
#include "chakong/xmlsafe.h"

#include <stdlib.h>
#include <string.h>

static void
bank_error(struct sim_reply *reply, int status, const char *code, const char *message)
{
	kinds_error_doc(reply, status, BANK_NS, 0, code, message);
}

static unsigned
scope_bit(const char *text)
{
	return strcmp(text, "ACCT") == 0 ? SCOPE_ACCT : strcmp(text, "WLTH") == 0 ? SCOPE_WLTH : 0;
}

static int
bank_extract(xmlDoc *doc, struct kind_request *r, const char **why)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	xmlNode *req =
	    ck_xml_is(root, BANK_NS, "Document") ? ck_xml_first(root, BANK_NS, "InfReq") : NULL;
	if (req == NULL) {
		*why = "不是查询请求 (expected {urn:chakong:bank:1}Document/InfReq)";
		return -1;
	}
	kinds_child(req, BANK_NS, "ReqId", r->request_id, sizeof r->request_id);
	char code[64], name[96], type[16];
	xmlNode *auth = ck_xml_first(req, BANK_NS, "Authrty");
	kinds_child(auth, BANK_NS, "Id", code, sizeof code);
	kinds_child(auth, BANK_NS, "Nm", name, sizeof name);
	simd_format(r->court, sizeof r->court, "%s %s", code, name);
	xmlNode *basis = ck_xml_first(req, BANK_NS, "LglBsis");
	kinds_child(basis, BANK_NS, "CaseNo", r->case_no, sizeof r->case_no);
	kinds_child(basis, BANK_NS, "Offcr", r->officer, sizeof r->officer);
	xmlNode *pty = ck_xml_first(req, BANK_NS, "Pty");
	kinds_child(pty, BANK_NS, "Nm", r->name, sizeof r->name);
	xmlNode *id = pty ? ck_xml_first(pty, BANK_NS, "Id") : NULL;
	kinds_child(id, BANK_NS, "Tp", type, sizeof type);
	kinds_child(id, BANK_NS, "Val", r->id_no, sizeof r->id_no);
	r->id_kind = strcmp(type, "RIC") == 0    ? CK_SUBJECT_PERSON
	             : strcmp(type, "USCC") == 0 ? CK_SUBJECT_ORG
	                                         : 0;
	for (xmlNode *s = ck_xml_first(req, BANK_NS, "Scp"); s;
	     s = ck_xml_next(s, BANK_NS, "Scp")) {
		char text[16];
		char *t = ck_xml_text(s);
		kinds_copy(text, sizeof text, t);
		free(t);
		r->scope |= scope_bit(text);
	}
	return 0;
}

static const struct kind_def bank_def = {
    .request_schema = "bank-request",
    .extract = bank_extract,
    .error = bank_error,
};

/* ---- Rendering ------------------------------------------------------------ */

/* "ICBC-20240305-000123": the bank's own reference of its answer. */
static void
response_id(struct ck_buf *b, const struct kind_answer *a)
{
	for (const char *p = a->instance->id; *p; p++) {
		char c = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
		ck_buf_add(b, &c, 1);
	}
	struct ck_buf day = {0};
	kinds_time(&day, a->answered_ms);
	if (!day.failed && day.len >= 10)
		ck_buf_printf(b, "-%.4s%.2s%.2s", day.data, day.data + 5, day.data + 8);
	ck_buf_release(&day);
	uint64_t h = sim_hash(a->request_id) ^ sim_hash(a->instance->id) ^ a->world->seed;
	ck_buf_printf(b, "-%06u", (unsigned)(h % 1000000u));
}

static void
amount_elem(struct ck_buf *b, const char *p, const char *name, int64_t minor, const char *ccy)
{
	ck_buf_printf(b, "<%s%s Ccy=\"%s\">", p, name, ccy);
	ck_buf_amount(b, minor);
	ck_buf_printf(b, "</%s%s>", p, name);
}

static void
balance(struct ck_buf *b, const char *type, int64_t minor, const char *ccy)
{
	ck_buf_printf(b, "      <b:Bal><b:Tp>%s</b:Tp>", type);
	amount_elem(b, "b:", "Amt", minor, ccy);
	ck_buf_puts(b, "</b:Bal>\n");
}

static void
freeze(struct ck_buf *b, const struct sim_freeze *f, const char *ccy)
{
	ck_buf_puts(b, "      <b:Frz>\n        ");
	kinds_elem(b, "b:", "Authrty", f->authority);
	ck_buf_puts(b, "\n        ");
	kinds_elem(b, "b:", "Ref", f->ref);
	ck_buf_puts(b, "\n        ");
	amount_elem(b, "b:", "Amt", f->amount, ccy);
	ck_buf_printf(b, "\n        <b:Seq>%d</b:Seq>\n        ", f->seq);
	kinds_elem_date(b, "b:", "XpryDt", f->expires_on);
	ck_buf_puts(b, "\n      </b:Frz>\n");
}

static void
account(struct ck_buf *b, const struct sim_account *acc)
{
	ck_buf_puts(b, "    <b:Acct>\n      ");
	kinds_elem(b, "b:", "Id", acc->id);
	ck_buf_printf(b,
	              "\n      <b:Tp>%s</b:Tp>\n      <b:Ccy>%s</b:Ccy>\n      <b:Sts>%s</b:Sts>\n",
	              acc->type, acc->currency, acc->status);
	if (acc->branch[0]) {
		ck_buf_puts(b, "      ");
		kinds_elem(b, "b:", "Brnch", acc->branch);
		ck_buf_puts(b, "\n");
	}
	if (acc->opened_on >= 0) {
		ck_buf_puts(b, "      ");
		kinds_elem_date(b, "b:", "OpngDt", acc->opened_on);
		ck_buf_puts(b, "\n");
	}
	balance(b, "BOOK", acc->book, acc->currency);
	if (acc->has_available)
		balance(b, "AVLB", acc->available, acc->currency);
	for (size_t i = 0; i < acc->n_freezes; i++)
		freeze(b, &acc->freezes[i], acc->currency);
	ck_buf_puts(b, "    </b:Acct>\n");
}

static void
wealth(struct ck_buf *b, const struct sim_wealth *w)
{
	ck_buf_puts(b, "    <b:Wlth>\n      ");
	kinds_elem(b, "b:", "PdctId", w->product_id);
	ck_buf_puts(b, "\n      ");
	kinds_elem(b, "b:", "PdctNm", w->product_name);
	ck_buf_printf(b, "\n      <b:Ccy>%s</b:Ccy>\n      <b:MktVal>", w->currency);
	amount_elem(b, "b:", "Amt", w->market_value, w->currency);
	ck_buf_puts(b, "</b:MktVal>\n");
	if (w->matures_on >= 0) {
		ck_buf_puts(b, "      ");
		kinds_elem_date(b, "b:", "MtrtyDt", w->matures_on);
		ck_buf_puts(b, "\n");
	}
	ck_buf_puts(b, "    </b:Wlth>\n");
}

/* Svcr, AnsDtTm and Pty, with prefix p. */
static void
head_tail(struct ck_buf *b, const struct kind_answer *a, const char *p, const char *sep)
{
	ck_buf_printf(b, "<%sSvcr><%sBIC>%s</%sBIC>", p, p, a->instance->code, p);
	kinds_elem(b, p, "Nm", a->instance->name);
	ck_buf_printf(b, "</%sSvcr>%s<%sAnsDtTm>", p, sep, p);
	kinds_time(b, a->answered_ms);
	ck_buf_printf(b, "</%sAnsDtTm>%s<%sPty>", p, sep, p);
	kinds_elem(b, p, "Nm", a->name);
	ck_buf_printf(b, "<%sId><%sTp>%s</%sTp>", p, p, a->kind == CK_SUBJECT_ORG ? "USCC" : "RIC",
	              p);
	kinds_elem(b, p, "Val", a->id_no);
	ck_buf_printf(b, "</%sId></%sPty>", p, p);
}

static void
render_not_found(const struct kind_answer *a, struct ck_buf *b)
{
	ck_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<Document xmlns=\"urn:chakong:bank:1\"><InfRspn><RspnId>");
	response_id(b, a);
	ck_buf_puts(b, "</RspnId>");
	kinds_elem(b, "", "ReqId", a->request_id);
	ck_buf_puts(b, "<Sts>NOT_FOUND</Sts>");
	head_tail(b, a, "", "");
	ck_buf_puts(b, "</InfRspn></Document>\n");
}

void
kind_bank_render(const struct kind_answer *a, struct ck_buf *b)
{
	const struct sim_holding *h = &a->holding;
	size_t accounts = (a->scope & SCOPE_ACCT) ? h->n_accounts : 0;
	size_t products = (a->scope & SCOPE_WLTH) ? h->n_wealth : 0;
	enum sim_status status = h->status;
	if (status == SIM_NOT_FOUND || (status == SIM_FOUND && accounts + products == 0)) {
		render_not_found(a, b);
		return;
	}
	ck_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<b:Document xmlns:b=\"urn:chakong:bank:1\">\n  <b:InfRspn>\n"
	               "    <b:RspnId>");
	response_id(b, a);
	ck_buf_puts(b, "</b:RspnId>\n    ");
	kinds_elem(b, "b:", "ReqId", a->request_id);
	ck_buf_printf(b, "\n    <b:Sts>%s</b:Sts>\n    ", kinds_status_name(status));
	head_tail(b, a, "b:", "\n    ");
	ck_buf_puts(b, "\n");
	for (size_t i = 0; i < accounts; i++)
		account(b, &h->accounts[i]);
	for (size_t i = 0; i < products; i++)
		wealth(b, &h->wealth[i]);
	ck_buf_puts(b, "  </b:InfRspn>\n</b:Document>\n");
}

void
kind_bank_handle(const struct sim_context *ctx, const struct sim_request *rq,
                 struct sim_reply *reply)
{
	if (!kinds_route(&bank_def, rq, "POST", "/fi/inquiry", reply))
		return;
	struct kind_request r;
	struct sim_query *q = kinds_accept(ctx, rq, &bank_def, &r, reply);
	if (q == NULL)
		return;
	const struct sim_subject *s = q->subject ? &ctx->world->subjects[q->subject - 1] : NULL;
	struct kind_answer a;
	if (kinds_answer_init(&a, ctx->world, ctx->instance, s, r.id_no, r.id_kind, r.name,
	                      q->request_id, q->first_ms, rq->wrong_subject) != 0) {
		bank_error(reply, 500, "INTERNAL_ERROR", "系统繁忙 (out of memory)");
		return;
	}
	a.scope = r.scope;
	reply->status = 200;
	reply->content_type = "application/xml; charset=utf-8";
	kind_bank_render(&a, &reply->body);
	kinds_answer_release(&a);
}
