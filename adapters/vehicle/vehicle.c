/* SPDX-License-Identifier: MIT */
/*
 * vehicle.c: the adapter for vehicle registries (traffic police; spec:
 * vehicle.md).  A synchronous SOAP 1.1 service: POST
 * /trff/services/VehicleQuery with a queryVehicle envelope; the answer's
 * <return> holds the result as an escaped XML document of its own.  Each
 * veh row becomes a CK_ASSET_VEHICLE whose status is its set of status
 * letters; docs/adapters-vehicle.md gives the whole mapping.
 *
 * An answer is read as schemas/README.md says, in steps that must all
 * pass: the envelope as received, unpruned, against vehicle-response; a
 * soap:Fault there decides the outcome by its faultcode QName (resolved by
 * the namespace declarations in scope, never by the prefix's spelling);
 * otherwise Body's element, copied into a document of its own, pruned and
 * validated against vehicle-response-op; then the trimmed text of
 * <return>, parsed with the same hardening, pruned and validated against
 * vehicle-result.
 *
 * For this kind the SOAP fault code decides, not the HTTP status: a fault
 * comes with HTTP 500 (409 for a reused RequestId).  Without a SOAP fault,
 * statuses keep common.md's meaning (common/common.c); 401/403 always do.
 *
 * The inner result document and its records are vehicle_result.c's.
 *
 * Sections: request; reading values; faults; the envelope; the table.
 */
#include "common/common.h"
#include "vehicle/vehicle_internal.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <stdlib.h>
#include <string.h>

#define VEH_PATH         "/trff/services/VehicleQuery"
#define VEH_CONTENT_TYPE "text/xml; charset=utf-8"
#define VEH_SOAP_ACTION  "\"queryVehicle\"" /* quoted, as SOAP 1.1 writes it */
#define SOAP_NS          "http://schemas.xmlsoap.org/soap/envelope/"
#define VEH_NS           "urn:chakong:trff:vehicle:1"
#define VEH_ENVELOPE     "vehicle-response"
#define VEH_OPERATION    "vehicle-response-op"
#define VEH_RESULT       "vehicle-result"

#define MARKED CK_VEH_MARKED

/* ---- Request ------------------------------------------------------------ */

static void
add_element(struct ck_buf *b, const char *name, const char *value)
{
	ck_buf_printf(b, "      <veh:%s>", name);
	ck_buf_xml(b, value);
	ck_buf_printf(b, "</veh:%s>\n", name);
}

static int
veh_build_submit(const struct ck_query_input *in, void *state, struct ck_http_request *out,
                 char *err)
{
	(void)state;
	/* Every child of queryVehicle, in the spec's order; idType and idNo
	 * follow. */
	const char *const names[] = {"requestId", "courtCode", "caseNo", "officer", "ownerName"};
	const char *const values[] = {in->request_id, in->court_code, in->case_no, in->officer,
	                              in->subject_name};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (ck_ad_blank(values[i]))
			return ck_fail(err, CK_E_USAGE, "vehicle request: %s has no value",
			               names[i]);
	const char *id_type = in->subject_kind == CK_SUBJECT_PERSON ? "A"
	                      : in->subject_kind == CK_SUBJECT_ORG  ? "B"
	                                                            : NULL;
	if (id_type == NULL)
		return ck_fail(err, CK_E_USAGE, "vehicle request: unknown subject kind %d",
		               (int)in->subject_kind);
	char id[CK_ID_BUF];
	if (ck_ad_upper_id(in->subject_id, id) != 0)
		return ck_fail(err, CK_E_USAGE,
		               "vehicle request: the subject identifier must have 18 characters");

	struct ck_buf b = {0};
	ck_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                "<soapenv:Envelope xmlns:soapenv=\"" SOAP_NS "\"\n"
	                "                  xmlns:veh=\"" VEH_NS "\">\n"
	                "  <soapenv:Body>\n"
	                "    <veh:queryVehicle>\n");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		add_element(&b, names[i], values[i]);
	add_element(&b, "idType", id_type);
	add_element(&b, "idNo", id);
	ck_buf_puts(&b, "    </veh:queryVehicle>\n"
	                "  </soapenv:Body>\n"
	                "</soapenv:Envelope>\n");
	int rc = CK_E_NOMEM;
	if (!b.failed)
		rc = ck_ad_request(out, "POST", VEH_PATH, VEH_CONTENT_TYPE, &b, in->request_id);
	if (rc == CK_OK) {
		rc = ck_ad_header(out, "SOAPAction", VEH_SOAP_ACTION);
		if (rc != CK_OK)
			ck_http_request_release(out);
	}
	ck_buf_release(&b); /* empty unless the request could not take it */
	return rc;
}

/* ---- Reading values ----------------------------------------------------- */

/* ---- Faults ------------------------------------------------------------- */

/* `local` is `code` or a dotted refinement of it (Client.Duplicate). */
static int
is_fault_code(const char *local, const char *code)
{
	size_t n = strlen(code);
	return strncmp(local, code, n) == 0 && (local[n] == '\0' || local[n] == '.');
}

/*
 * The outcome of a soap:Fault.  The faultcode is a QName: its prefix is
 * resolved with the namespace declarations in scope of the faultcode
 * element (an unprefixed code takes the default namespace), so
 * "x:Server" is the envelope's Server whatever x is called, and
 * "soap:Server" is not when soap is bound to something else there.
 * {envelope}Server is transient; {envelope}Client and any other code are
 * permanent (schemas/README.md), and with HTTP 409 that is a reused
 * RequestId (common.md).
 */
static int
read_fault(const struct ck_query_input *in, const struct ck_http_response *r, xmlDoc *doc,
           const xmlNode *fault, struct ck_outcome *out)
{
	xmlNode *code = ck_xml_first(fault, NULL, "faultcode");
	char *qname = code ? ck_xml_text(code) : NULL;
	char *text = ck_xml_child_text(fault, NULL, "faultstring");
	if (qname == NULL || text == NULL) {
		free(qname);
		free(text);
		return CK_E_NOMEM; /* both required by the envelope's schema */
	}
	char *colon = strchr(qname, ':');
	const char *local = colon ? colon + 1 : qname;
	if (colon)
		*colon = '\0';
	xmlNs *ns = xmlSearchNs(doc, code, colon ? (const xmlChar *)qname : NULL);
	const char *uri = ns && ns->href && ns->href[0] ? (const char *)ns->href : NULL;
	if (colon)
		*colon = ':';
	int in_envelope = uri != NULL && strcmp(uri, SOAP_NS) == 0;
	if (colon != NULL && uri == NULL) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "SOAP faultcode %s has an undeclared prefix", qname);
	} else if (in_envelope && is_fault_code(local, "Server")) {
		ck_outcome_fail(out, CK_OUTCOME_RETRY, "SOAP_SERVER", "SOAP fault %s: %s", qname,
		                text);
		out->retry_after_s = ck_ad_retry_after(r->retry_after, in->now);
	} else {
		ck_outcome_fail(out, CK_OUTCOME_FAILED,
		                r->status == 409 ? "REQUEST_ID_REUSED" : "REFUSED",
		                "SOAP fault %s: %s", qname, text);
	}
	free(qname);
	free(text);
	return CK_OK;
}

/* ---- The envelope ------------------------------------------------------- */

/* Step 1: the envelope as received, without pruning (SOAP's own wildcards
 * stand for it).  CK_OK with *doc, MARKED with *out set, or CK_E_NOMEM. */
static int
load_envelope(const struct ck_http_response *r, const struct ck_adapter_env *env, xmlDoc **doc,
              struct ck_outcome *out)
{
	return ck_ad_load_exact(r->body, r->body_len, env, VEH_ENVELOPE, doc, out);
}

/* Steps 2 and 3: Body's element copied (with the namespace declarations in
 * scope) into a document of its own, pruned and validated; then the text
 * of <return>, qualified or not, as the inner document. */
static int
read_operation(const struct ck_query_input *in, xmlNode *entry, const struct ck_adapter_env *env,
               struct ck_outcome *out)
{
	char err[CK_ERR_SIZE] = "";
	xmlDoc *op = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *copy = op ? xmlDocCopyNode(entry, op, 1) : NULL;
	if (copy == NULL) {
		xmlFreeDoc(op);
		return CK_E_NOMEM;
	}
	xmlDocSetRootElement(op, copy);
	int rc = ck_xsd_prune(env->xsd, VEH_OPERATION, op, err);
	if (rc == CK_OK)
		rc = ck_xsd_validate(env->xsd, VEH_OPERATION, op, err);
	if (rc != CK_OK && rc != CK_E_NOMEM) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "%s: %s", VEH_OPERATION, err);
		rc = MARKED;
	}
	char *text = NULL;
	if (rc == CK_OK) {
		xmlNode *ret = ck_xml_first(copy, NULL, "return");
		text = ck_xml_text(ret ? ret : ck_xml_first(copy, VEH_NS, "return"));
		if (text == NULL)
			rc = CK_E_NOMEM; /* the schema requires one return */
	}
	xmlDoc *inner = NULL;
	if (rc == CK_OK)
		rc = ck_ad_load(text, strlen(text), env, VEH_RESULT, &inner, out);
	if (rc == CK_OK)
		rc = ck_veh_read_result(in, xmlDocGetRootElement(inner), env, out);
	xmlFreeDoc(inner);
	free(text);
	xmlFreeDoc(op);
	return rc;
}

/* The one element in Body (the envelope's schema allows no more). */
static xmlNode *
body_entry(xmlDoc *doc)
{
	xmlNode *body = ck_xml_first(xmlDocGetRootElement(doc), SOAP_NS, "Body");
	for (xmlNode *c = body ? body->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

/* A status without a SOAP fault: common.md's meaning; 202 and 404 belong
 * to polls, which this kind has none of. */
static void
status_outcome(const struct ck_query_input *in, const struct ck_http_response *r,
               const struct ck_adapter_env *env, struct ck_outcome *out)
{
	if (!ck_ad_common_status(in, r, env, NULL, NULL, out))
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS", "HTTP %d", r->status);
}

static int
veh_interpret(const struct ck_query_input *in, void *state, const struct ck_http_response *response,
              const struct ck_adapter_env *env, struct ck_outcome *out)
{
	(void)state;
	if (response->status == 401 || response->status == 403) {
		/* Credentials: whatever the body says, stop sending (common.md). */
		status_outcome(in, response, env, out);
		return CK_OK;
	}
	xmlDoc *doc = NULL;
	int rc;
	if (response->status == 200) {
		rc = load_envelope(response, env, &doc, out);
	} else {
		/* A failure status counts only with a valid SOAP envelope; a
		 * gateway's HTML page, an empty body or anything unreadable
		 * leaves the status to decide. */
		struct ck_outcome ignored;
		ck_outcome_init(&ignored);
		rc = response->body_len ? load_envelope(response, env, &doc, &ignored) : CK_OK;
		ck_outcome_release(&ignored);
		if (rc == MARKED)
			rc = CK_OK;
	}
	xmlNode *entry = rc == CK_OK && doc ? body_entry(doc) : NULL;
	if (entry != NULL && ck_xml_is(entry, SOAP_NS, "Fault"))
		rc = read_fault(in, response, doc, entry, out);
	else if (rc == CK_OK && response->status != 200)
		status_outcome(in, response, env, out);
	else if (rc == CK_OK)
		rc = read_operation(in, entry, env, out);
	xmlFreeDoc(doc);
	return rc == MARKED ? CK_OK : rc;
}

/* ---- The table ---------------------------------------------------------- */

const struct ck_adapter ck_adapter_vehicle = {
    .version = CK_ADAPTER_VERSION,    /* the interface this table was written for */
    .kind = CK_KIND_VEHICLE,          /* vehicle registries (vehicle.md) */
    .name = "vehicle",                /* ck_kind_name(CK_KIND_VEHICLE) */
    .caps = 0,                        /* persons and organisations; synchronous; one page */
    .state_size = 0,                  /* nothing carried between requests */
    .build_submit = veh_build_submit, /* POST a queryVehicle SOAP envelope */
    .build_poll = NULL,               /* synchronous: nothing to poll */
    .build_next_page = NULL,          /* answers come whole */
    .interpret = veh_interpret,       /* envelope → fault or inner result → vehicles */
    .release_state = NULL,            /* no state */
};
