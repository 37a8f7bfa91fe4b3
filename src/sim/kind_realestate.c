/* SPDX-License-Identifier: MIT */
/*
 * kind_realestate.c: the real-estate registration centre (spec/
 * realestate.md): POST /bdc/cx with a CXQQ document (UTF-8), answered at
 * once with a CXJG document encoded in GB18030, declared so, with no
 * namespace.  Errors are GB18030 too.
 *
 * A centre answers only for its own district: what the population holds
 * elsewhere is invisible here.  Some centres send the floor area with a
 * unit suffix (a known defect the spec asks readers to strip); the holding
 * says which units carry one.
 */
#include "kinds.h"
#include "simdata.h"
#include "chakong/ids.h"
#include "chakong/xmlsafe.h"

#include <string.h>

static void
re_error(struct sim_reply *reply, int status, const char *code, const char *message)
{
	kinds_error_doc(reply, status, NULL, 1, code, message);
}

static int
re_extract(xmlDoc *doc, struct kind_request *r, const char **why)
{
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!ck_xml_is(root, NULL, "CXQQ")) {
		*why = "不是查询请求 (expected CXQQ)";
		return -1;
	}
	char code[64], name[96], type[8];
	kinds_child(root, NULL, "CXQQDH", r->request_id, sizeof r->request_id);
	kinds_child(root, NULL, "FYDM", code, sizeof code);
	kinds_child(root, NULL, "FYMC", name, sizeof name);
	simd_format(r->court, sizeof r->court, "%s %s", code, name);
	kinds_child(root, NULL, "AH", r->case_no, sizeof r->case_no);
	kinds_child(root, NULL, "CBR", r->officer, sizeof r->officer);
	kinds_child(root, NULL, "QLRMC", r->name, sizeof r->name);
	kinds_child(root, NULL, "ZJLX", type, sizeof type);
	kinds_child(root, NULL, "ZJH", r->id_no, sizeof r->id_no);
	r->id_kind = strcmp(type, "1") == 0   ? CK_SUBJECT_PERSON
	             : strcmp(type, "2") == 0 ? CK_SUBJECT_ORG
	                                      : 0;
	return 0;
}

static const struct kind_def re_def = {
    .request_schema = "realestate-request",
    .extract = re_extract,
    .error = re_error,
};

/* ---- Rendering ------------------------------------------------------------ */

static void
mortgages(struct ck_buf *b, const struct sim_property *p)
{
	ck_buf_puts(b, "      <DYXX>");
	for (size_t i = 0; i < p->n_mortgages; i++) {
		const struct sim_mortgage *m = &p->mortgages[i];
		ck_buf_puts(b, "<DY>");
		kinds_elem(b, "", "DYQR", m->holder);
		kinds_elem_amount(b, "", "BDBZZQSE", m->secured);
		kinds_elem_date(b, "", "ZWLXQSSJ", m->starts_on);
		kinds_elem_date(b, "", "ZWLXJSSJ", m->ends_on);
		ck_buf_puts(b, "</DY>");
	}
	ck_buf_puts(b, "</DYXX>\n");
}

static void
seizures(struct ck_buf *b, const struct sim_property *p)
{
	ck_buf_puts(b, "      <CFXX>");
	for (size_t i = 0; i < p->n_seizures; i++) {
		const struct sim_seizure *z = &p->seizures[i];
		ck_buf_puts(b, "<CF>");
		kinds_elem(b, "", "CFJG", z->authority);
		kinds_elem(b, "", "CFWH", z->ref);
		kinds_elem(b, "", "CFLX", z->queued ? "轮候查封" : "查封");
		ck_buf_printf(b, "<LHSX>%d</LHSX>", z->position);
		kinds_elem_date(b, "", "CFQSSJ", z->starts_on);
		kinds_elem_date(b, "", "CFJSSJ", z->ends_on);
		ck_buf_puts(b, "</CF>");
	}
	ck_buf_puts(b, "</CFXX>\n");
}

static void
line(struct ck_buf *b, const char *name, const char *text)
{
	ck_buf_puts(b, "      ");
	kinds_elem(b, "", name, text);
	ck_buf_puts(b, "\n");
}

static void
unit(struct ck_buf *b, const struct sim_property *p)
{
	static const char *const suffixes[] = {"", "㎡", "平方米"};
	ck_buf_puts(b, "    <BDC>\n");
	line(b, "BDCDYH", p->unit_id);
	line(b, "BDCQZH", p->certificate);
	line(b, "ZL", p->location);
	line(b, "GHYT", p->use);
	ck_buf_puts(b, "      <JZMJ>");
	ck_buf_amount(b, p->area);
	ck_buf_printf(b, "%s</JZMJ>\n", suffixes[p->area_suffix % 3]);
	line(b, "GYFS", p->ownership);
	if (p->share[0])
		line(b, "QLBL", p->share);
	ck_buf_puts(b, "      ");
	kinds_elem_date(b, "", "DJSJ", p->registered_on);
	ck_buf_printf(b, "\n      <DYZT>%d</DYZT>\n", p->n_mortgages > 0);
	if (p->n_mortgages > 0)
		mortgages(b, p);
	ck_buf_printf(b, "      <CFZT>%d</CFZT>\n", p->n_seizures > 0);
	if (p->n_seizures > 0)
		seizures(b, p);
	ck_buf_puts(b, "    </BDC>\n");
}

static void
render_utf8(const struct kind_answer *a, struct ck_buf *b)
{
	const struct sim_holding *h = &a->holding;
	ck_buf_puts(b, "<?xml version=\"1.0\" encoding=\"GB18030\"?>\n<CXJG>\n  ");
	kinds_elem(b, "", "CXQQDH", a->request_id);
	ck_buf_printf(b, "\n  <JGZT>%s</JGZT>\n  ", kinds_status_name(h->status));
	kinds_elem(b, "", "DJJG", a->instance->name);
	ck_buf_puts(b, "\n  <CXSJ>");
	kinds_time(b, a->answered_ms);
	ck_buf_puts(b, "</CXSJ>\n  <QLR>");
	kinds_elem(b, "", "QLRMC", a->name);
	kinds_elem(b, "", "ZJH", a->id_no);
	ck_buf_puts(b, "</QLR>\n");
	if (h->status == SIM_NOT_FOUND || h->n_properties == 0) {
		ck_buf_puts(b, "  <BDCLIST/>\n</CXJG>\n");
		return;
	}
	ck_buf_puts(b, "  <BDCLIST>\n");
	for (size_t i = 0; i < h->n_properties; i++)
		unit(b, &h->properties[i]);
	ck_buf_puts(b, "  </BDCLIST>\n</CXJG>\n");
}

void
kind_realestate_render(const struct kind_answer *a, struct ck_buf *out)
{
	struct ck_buf utf8 = {0};
	render_utf8(a, &utf8);
	if (utf8.failed || kinds_to_gb18030(utf8.data, utf8.len, out) != 0)
		out->failed = 1;
	ck_buf_release(&utf8);
}

void
kind_realestate_handle(const struct sim_context *ctx, const struct sim_request *rq,
                       struct sim_reply *reply)
{
	if (!kinds_route(&re_def, rq, "POST", "/bdc/cx", reply))
		return;
	struct kind_request r;
	struct sim_query *q = kinds_accept(ctx, rq, &re_def, &r, reply);
	if (q == NULL)
		return;
	const struct sim_subject *s = q->subject ? &ctx->world->subjects[q->subject - 1] : NULL;
	struct kind_answer a;
	if (kinds_answer_init(&a, ctx->world, ctx->instance, s, r.id_no, r.id_kind, r.name,
	                      q->request_id, q->first_ms, rq->wrong_subject) != 0) {
		re_error(reply, 500, "INTERNAL_ERROR", "系统繁忙 (out of memory)");
		return;
	}
	reply->status = 200;
	reply->content_type = "application/xml; charset=GB18030";
	kind_realestate_render(&a, &reply->body);
	kinds_answer_release(&a);
}
