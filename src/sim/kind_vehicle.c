/* SPDX-License-Identifier: MIT */
/*
 * kind_vehicle.c: the vehicle registry (spec/vehicle.md), a SOAP 1.1 web
 * service: POST /trff/services/VehicleQuery with SOAPAction
 * "queryVehicle"; the answer's result document travels escaped as the text
 * of <return>.
 *
 * Refusals are SOAP faults, where the fault code decides: soap:Client for
 * a malformed or refused request (HTTP 500, or 409 for a RequestId reused
 * with another subject), soap:Server for the registry's own trouble.
 */
#include "kinds.h"
#include "simdata.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/xmlsafe.h"

#include <string.h>

static void
fault(struct sim_reply *reply, int status, const char *faultcode, const char *text)
{
	sim_buf_release(&reply->body);
	reply->status = status;
	reply->content_type = "text/xml; charset=utf-8";
	struct sim_buf *b = &reply->body;
	sim_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                "<soap:Envelope xmlns:soap=\"" SOAP_NS "\"><soap:Body><soap:Fault>");
	sim_buf_printf(b, "<faultcode>%s</faultcode>", faultcode);
	struct sim_buf safe = {0};
	kinds_safe_text(text, &safe);
	kinds_elem(b, "", "faultstring", safe.failed || safe.data == NULL ? "" : safe.data);
	sim_buf_release(&safe);
	sim_buf_puts(b, "</soap:Fault></soap:Body></soap:Envelope>\n");
}

static void
vehicle_error(struct sim_reply *reply, int status, const char *code, const char *message)
{
	struct sim_buf text = {0};
	sim_buf_printf(&text, "%s: %s", code, message != NULL ? message : "");
	/* A refused request is the client's fault and permanent; the HTTP
	 * status of a SOAP fault is 500 except for the statuses that say more. */
	int http = status == 400 ? 500 : status;
	fault(reply, http, status >= 500 ? "soap:Server" : "soap:Client",
	      text.failed ? code : text.data);
	sim_buf_release(&text);
}

static xmlNode *
first_element(xmlNode *parent)
{
	for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static int
vehicle_extract(xmlDoc *doc, struct kind_request *r, const char **why)
{
	xmlNode *env = xmlDocGetRootElement(doc);
	xmlNode *body =
	    ck_xml_is(env, SOAP_NS, "Envelope") ? ck_xml_first(env, SOAP_NS, "Body") : NULL;
	xmlNode *op = body ? ck_xml_first(body, VEH_NS, "queryVehicle") : NULL;
	if (op == NULL) {
		*why = "不是 queryVehicle 请求 (expected a SOAP 1.1 envelope with queryVehicle)";
		return -1;
	}
	char code[64], type[8];
	kinds_child(op, VEH_NS, "requestId", r->request_id, sizeof r->request_id);
	kinds_child(op, VEH_NS, "courtCode", code, sizeof code);
	kinds_copy(r->court, sizeof r->court, code);
	kinds_child(op, VEH_NS, "caseNo", r->case_no, sizeof r->case_no);
	kinds_child(op, VEH_NS, "officer", r->officer, sizeof r->officer);
	kinds_child(op, VEH_NS, "ownerName", r->name, sizeof r->name);
	kinds_child(op, VEH_NS, "idType", type, sizeof type);
	kinds_child(op, VEH_NS, "idNo", r->id_no, sizeof r->id_no);
	r->id_kind = strcmp(type, "A") == 0   ? CK_SUBJECT_PERSON
	             : strcmp(type, "B") == 0 ? CK_SUBJECT_ORG
	                                      : 0;
	return 0;
}

/* The envelope, then the operation element as a document of its own
 * (schemas/README.md, "The vehicle kind"). */
static int
vehicle_validate(struct ck_xsd_set *xsd, xmlDoc *doc, char *err)
{
	int rc = ck_xsd_validate(xsd, "vehicle-request", doc, err);
	if (rc != CK_OK)
		return rc;
	xmlNode *op = first_element(ck_xml_first(xmlDocGetRootElement(doc), SOAP_NS, "Body"));
	xmlDoc *opdoc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *copy = opdoc && op ? xmlDocCopyNode(op, opdoc, 1) : NULL;
	if (copy == NULL) {
		xmlFreeDoc(opdoc);
		return ck_fail(err, CK_E_NOMEM, "no memory to check the operation");
	}
	xmlDocSetRootElement(opdoc, copy);
	rc = ck_xsd_validate(xsd, "vehicle-request-op", opdoc, err);
	xmlFreeDoc(opdoc);
	return rc;
}

static const struct kind_def vehicle_def = {
    .request_schema = "vehicle-request",
    .soap_action = "queryVehicle",
    .extract = vehicle_extract,
    .validate = vehicle_validate,
    .error = vehicle_error,
};

/* ---- Rendering ------------------------------------------------------------ */

static void
row(struct sim_buf *b, const struct kind_answer *a, const struct sim_vehicle *v)
{
	sim_buf_puts(b, "<veh>");
	kinds_elem(b, "", "syr", a->name);
	kinds_elem(b, "", "sfzmhm", a->id_no);
	kinds_elem(b, "", "hpzl", v->plate_kind);
	kinds_elem(b, "", "hphm", v->plate);
	kinds_elem(b, "", "clsbdh", v->vin);
	kinds_elem(b, "", "clpp", v->brand);
	kinds_elem(b, "", "clxh", v->model);
	kinds_elem_date(b, "", "ccdjrq", v->registered_on);
	kinds_elem(b, "", "zt", v->status);
	sim_buf_printf(b, "<dybj>%d</dybj></veh>", v->mortgaged ? 1 : 0);
}

/* The result document, unescaped. */
static void
inner(const struct kind_answer *a, struct sim_buf *b)
{
	const struct sim_holding *h = &a->holding;
	size_t rows = h->status == SIM_NOT_FOUND ? 0 : h->n_vehicles;
	sim_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><root><head><code>1</code>"
	                "<message>成功</message>");
	kinds_elem(b, "", "requestId", a->request_id);
	sim_buf_printf(b, "<status>%s</status><rownum>%zu</rownum></head>",
	               kinds_status_name(h->status), rows);
	if (rows == 0) {
		sim_buf_puts(b, "<body/></root>");
		return;
	}
	sim_buf_puts(b, "<body>");
	for (size_t i = 0; i < rows; i++)
		row(b, a, &h->vehicles[i]);
	sim_buf_puts(b, "</body></root>");
}

void
kind_vehicle_render(const struct kind_answer *a, struct sim_buf *out)
{
	struct sim_buf doc = {0};
	inner(a, &doc);
	sim_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<soap:Envelope xmlns:soap=\"" SOAP_NS "\">\n"
	                  "  <soap:Body>\n"
	                  "    <ns2:queryVehicleResponse xmlns:ns2=\"" VEH_NS "\">\n"
	                  "      <return>");
	if (doc.failed)
		out->failed = 1;
	else
		sim_buf_xml(out, doc.data);
	sim_buf_puts(out, "</return>\n"
	                  "    </ns2:queryVehicleResponse>\n"
	                  "  </soap:Body>\n"
	                  "</soap:Envelope>\n");
	sim_buf_release(&doc);
}

void
kind_vehicle_handle(const struct sim_context *ctx, const struct sim_request *rq,
                    struct sim_reply *reply)
{
	if (!kinds_route(&vehicle_def, rq, "POST", "/trff/services/VehicleQuery", reply))
		return;
	struct kind_request r;
	struct sim_query *q = kinds_accept(ctx, rq, &vehicle_def, &r, reply);
	if (q == NULL)
		return;
	const struct sim_subject *s = q->subject ? &ctx->world->subjects[q->subject - 1] : NULL;
	struct kind_answer a;
	if (kinds_answer_init(&a, ctx->world, ctx->instance, s, r.id_no, r.id_kind, r.name,
	                      q->request_id, q->first_ms, rq->wrong_subject) != 0) {
		vehicle_error(reply, 500, "INTERNAL_ERROR", "系统繁忙 (out of memory)");
		return;
	}
	reply->status = 200;
	reply->content_type = "text/xml; charset=utf-8";
	kind_vehicle_render(&a, &reply->body);
	kinds_answer_release(&a);
}
