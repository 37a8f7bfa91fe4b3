/* SPDX-License-Identifier: MIT */
/*
 * test_sim_kinds.c: the simulator's institution kinds (src/sim/kinds.c and
 * kind_<kind>.c) driven through sim_handle() with a small registry of
 * RequestIds standing in for the server's: every answer validates against
 * its schema and has the shape of the spec's example; NOT_FOUND,
 * SUBJECT_MISMATCH and misdirected answers validate too; real-estate
 * answers are GB18030; idempotency (same bytes, 409, discrepancies); the
 * social insurance ticket flow; e-commerce pages whose union is the
 * holding; and every kind of bad request refused with a valid error.
 */
#include "testutil.h"
#include "sim.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/xmlsafe.h"

#include <iconv.h>
#include <string.h>
#include <sys/types.h>

#define SOAP_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define SI_NS   "urn:chakong:si:1"
#define EC_NS   "urn:chakong:ec:1"
#define T0      INT64_C(1709600000000) /* 2024-03-05T08:53:20+08:00 */
#define HOUR_MS INT64_C(3600000)

/* ---- A registry of RequestIds, as the server keeps one ------------------- */

#define REG_MAX 512

struct registry {
	struct sim_query q[REG_MAX];
	size_t n;
	int hammering, discrepancies;
};

static struct sim_query *
reg_query(void *ctx, const char *request_id)
{
	struct registry *r = ctx;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->q[i].request_id, request_id) == 0)
			return &r->q[i];
	if (r->n == REG_MAX)
		return NULL;
	struct sim_query *q = &r->q[r->n++];
	memset(q, 0, sizeof *q);
	snprintf(q->request_id, sizeof q->request_id, "%s", request_id);
	return q;
}

static struct sim_query *
reg_by_ticket(void *ctx, const char *ticket)
{
	struct registry *r = ctx;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->q[i].ticket, ticket) == 0)
			return &r->q[i];
	return NULL;
}

static void
reg_set_ticket(void *ctx, struct sim_query *q, const char *ticket)
{
	(void)ctx;
	snprintf(q->ticket, sizeof q->ticket, "%s", ticket);
}

static void
reg_hammering(void *ctx)
{
	((struct registry *)ctx)->hammering++;
}

static void
reg_discrepancy(void *ctx)
{
	((struct registry *)ctx)->discrepancies++;
}

/* ---- Fixture ----------------------------------------------------------------- */

static struct sim_world *world;
static struct ck_xsd_set *xsd;
static struct registry *regs; /* one per instance: RequestIds are scoped to an institution */

static void
reset_registries(void)
{
	memset(regs, 0, world->n_instances * sizeof *regs);
}

static int
group_setup(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE] = "";
	if (sim_world_new(7, 2000, &world, err) != CK_OK || ck_xsd_set_new(&xsd, err) != CK_OK) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	regs = calloc(world->n_instances, sizeof *regs);
	return regs ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	ck_xsd_set_free(xsd);
	sim_world_free(world);
	free(regs);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	reset_registries();
	return 0;
}

static struct sim_instance *
instance(const char *id)
{
	struct sim_instance *in = sim_world_instance(world, id);
	if (in == NULL)
		fail_msg("no instance %s", id);
	return in;
}

static struct registry *
reg_of(const char *id)
{
	return &regs[instance(id) - world->instances];
}

static struct sim_context
context(const char *id)
{
	return (struct sim_context){.world = world,
	                            .instance = instance(id),
	                            .query = reg_query,
	                            .by_ticket = reg_by_ticket,
	                            .set_ticket = reg_set_ticket,
	                            .count_hammering = reg_hammering,
	                            .count_discrepancy = reg_discrepancy,
	                            .server_ctx = reg_of(id),
	                            .xsd = xsd};
}

/* ---- Requests ---------------------------------------------------------------- */

struct params {
	const char *rid;
	const char *name;
	const char *id;
	int org;
	const char *case_no; /* NULL: left out */
	const char *officer; /* NULL: left out */
	const char *cursor;  /* e-commerce: NULL sends <Cursor/> */
};

static struct params
params_for(const struct sim_subject *s, const char *rid)
{
	return (struct params){.rid = rid,
	                       .name = s->name,
	                       .id = s->id_no,
	                       .org = s->kind == CK_SUBJECT_ORG,
	                       .case_no = "(2024)苏1283执1234号",
	                       .officer = "李四"};
}

/* <tag>value</tag>, or nothing when value is NULL. */
static void
opt(struct sim_buf *b, const char *tag, const char *value)
{
	if (value != NULL)
		sim_buf_printf(b, "<%s>%s</%s>", tag, value, tag);
}

static void
bank_request(const struct params *p, struct sim_buf *b)
{
	sim_buf_printf(b,
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<Document xmlns=\"urn:chakong:bank:1\"><InfReq><ReqId>%s</ReqId>"
	               "<CreDtTm>2024-03-05T01:00:00+08:00</CreDtTm><Authrty><Nm>泰兴市人民法院"
	               "</Nm><Id>苏1283</Id></Authrty><LglBsis>",
	               p->rid);
	opt(b, "CaseNo", p->case_no);
	opt(b, "Offcr", p->officer);
	sim_buf_printf(b,
	               "</LglBsis><Pty><Nm>%s</Nm><Id><Tp>%s</Tp><Val>%s</Val></Id></Pty>"
	               "<Scp>ACCT</Scp><Scp>WLTH</Scp></InfReq></Document>\n",
	               p->name, p->org ? "USCC" : "RIC", p->id);
}

static void
realestate_request(const struct params *p, struct sim_buf *b)
{
	sim_buf_printf(b,
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CXQQ><CXQQDH>%s</CXQQDH>"
	               "<FYDM>苏1283</FYDM><FYMC>泰兴市人民法院</FYMC>",
	               p->rid);
	opt(b, "AH", p->case_no);
	opt(b, "CBR", p->officer);
	sim_buf_printf(b, "<QLRMC>%s</QLRMC><ZJLX>%s</ZJLX><ZJH>%s</ZJH></CXQQ>\n", p->name,
	               p->org ? "2" : "1", p->id);
}

static void
vehicle_request(const struct params *p, struct sim_buf *b)
{
	sim_buf_printf(b,
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<soapenv:Envelope xmlns:soapenv=\"" SOAP_NS "\" "
	               "xmlns:veh=\"urn:chakong:trff:vehicle:1\"><soapenv:Body><veh:queryVehicle>"
	               "<veh:requestId>%s</veh:requestId><veh:courtCode>苏1283</veh:courtCode>",
	               p->rid);
	opt(b, "veh:caseNo", p->case_no);
	opt(b, "veh:officer", p->officer);
	sim_buf_printf(b,
	               "<veh:ownerName>%s</veh:ownerName><veh:idType>%s</veh:idType>"
	               "<veh:idNo>%s</veh:idNo></veh:queryVehicle></soapenv:Body>"
	               "</soapenv:Envelope>\n",
	               p->name, p->org ? "B" : "A", p->id);
}

static void
socialsec_request(const struct params *p, struct sim_buf *b)
{
	sim_buf_printf(b,
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Inquiry xmlns=\"" SI_NS "\">"
	               "<RequestId>%s</RequestId><Court code=\"苏1283\">泰兴市人民法院</Court>",
	               p->rid);
	opt(b, "CaseNo", p->case_no);
	opt(b, "Officer", p->officer);
	sim_buf_printf(b, "<Person><Name>%s</Name><IdNo>%s</IdNo></Person></Inquiry>\n", p->name,
	               p->id);
}

static void
ecommerce_request(const struct params *p, struct sim_buf *b)
{
	sim_buf_printf(b,
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<JudicialQuery xmlns=\"" EC_NS "\"><RequestId>%s</RequestId>",
	               p->rid);
	opt(b, "CaseNo", p->case_no);
	sim_buf_puts(b, "<CourtCode>苏1283</CourtCode>");
	opt(b, "Officer", p->officer);
	sim_buf_printf(b, "<Subject kind=\"%s\"><Name>%s</Name><CertNo>%s</CertNo></Subject>",
	               p->org ? "ORG" : "PERSON", p->name, p->id);
	if (p->cursor != NULL) {
		sim_buf_puts(b, "<Cursor>");
		sim_buf_xml(b, p->cursor);
		sim_buf_puts(b, "</Cursor>");
	} else {
		sim_buf_puts(b, "<Cursor/>");
	}
	sim_buf_puts(b, "</JudicialQuery>\n");
}

static const char *const paths[SIM_KIND_COUNT_] = {"/fi/inquiry", "/bdc/cx",
                                                   "/trff/services/VehicleQuery",
                                                   "/si/v1/inquiries", "/open/judicial/query"};

static void
build(enum sim_kind kind, const struct params *p, struct sim_buf *b)
{
	switch (kind) {
	case SIM_BANK: bank_request(p, b); break;
	case SIM_REALESTATE: realestate_request(p, b); break;
	case SIM_VEHICLE: vehicle_request(p, b); break;
	case SIM_SOCIALSEC: socialsec_request(p, b); break;
	default: ecommerce_request(p, b); break;
	}
}

/* A request as it comes over HTTP; fields may be overridden before call(). */
static struct sim_request
request(enum sim_kind kind, const struct sim_buf *body, const char *rid, int64_t now)
{
	return (struct sim_request){.method = "POST",
	                            .path = paths[kind],
	                            .content_type = kind == SIM_VEHICLE
	                                                ? "text/xml; charset=utf-8"
	                                                : "application/xml; charset=utf-8",
	                            .soap_action = kind == SIM_VEHICLE ? "\"queryVehicle\"" : NULL,
	                            .request_id = rid,
	                            .body = body->data,
	                            .body_len = body->len,
	                            .now_ms = now};
}

static void
call(const char *inst, const struct sim_request *rq, struct sim_reply *reply)
{
	struct sim_context ctx = context(inst);
	sim_handle(&ctx, rq, reply);
	assert_false(reply->body.failed);
}

/* Sends p to inst at now. */
static void
ask(const char *inst, const struct params *p, int64_t now, struct sim_reply *reply)
{
	enum sim_kind kind = instance(inst)->kind;
	struct sim_buf body = {0};
	build(kind, p, &body);
	struct sim_request rq = request(kind, &body, p->rid, now);
	call(inst, &rq, reply);
	sim_buf_release(&body);
}

static void
poll_ticket(const char *ticket, const char *rid, int64_t now, struct sim_reply *reply)
{
	char path[96];
	snprintf(path, sizeof path, "/si/v1/inquiries/%s", ticket);
	struct sim_request rq = {.method = "GET", .path = path, .request_id = rid, .now_ms = now};
	call("si", &rq, reply);
}

/* ---- Reading answers ------------------------------------------------------------- */

static xmlDoc *
parse(const char *data, size_t len)
{
	xmlDoc *doc = NULL;
	char err[CK_ERR_SIZE] = "";
	if (ck_xml_parse(data, len, NULL, &doc, err) != CK_OK)
		fail_msg("answer does not parse: %s\n%.*s", err, (int)len, data);
	return doc;
}

static void
must_validate(const char *schema, xmlDoc *doc)
{
	char err[CK_ERR_SIZE] = "";
	if (ck_xsd_validate(xsd, schema, doc, err) != CK_OK) {
		xmlChar *text = NULL;
		int n = 0;
		xmlDocDumpMemory(doc, &text, &n);
		fail_msg("%s: %s\n%s", schema, err, text ? (char *)text : "");
	}
}

static xmlNode *
first_element(xmlNode *parent)
{
	for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static xmlDoc *
subtree_doc(xmlNode *n)
{
	xmlDoc *d = xmlNewDoc(BAD_CAST "1.0");
	xmlDocSetRootElement(d, xmlDocCopyNode(n, d, 1));
	return d;
}

/* The result document inside a vehicle answer (validated on the way). */
static xmlDoc *
vehicle_inner(xmlDoc *envelope)
{
	must_validate("vehicle-response", envelope);
	xmlNode *entry =
	    first_element(ck_xml_first(xmlDocGetRootElement(envelope), SOAP_NS, "Body"));
	assert_non_null(entry);
	xmlDoc *op = subtree_doc(entry);
	must_validate("vehicle-response-op", op);
	char *text = ck_xml_child_text(xmlDocGetRootElement(op), NULL, "return");
	assert_non_null(text);
	xmlDoc *inner = parse(text, strlen(text));
	must_validate("vehicle-result", inner);
	free(text);
	xmlFreeDoc(op);
	return inner;
}

/* Validates a 200 (or 202) answer of kind; returns the parsed document
 * (for the vehicle kind, the result document inside). */
static xmlDoc *
valid_answer(enum sim_kind kind, const struct sim_buf *body)
{
	xmlDoc *doc = parse(body->data, body->len);
	const char *root = (const char *)xmlDocGetRootElement(doc)->name;
	switch (kind) {
	case SIM_BANK: must_validate("bank-response", doc); break;
	case SIM_REALESTATE: must_validate("realestate-response", doc); break;
	case SIM_VEHICLE: {
		xmlDoc *inner = vehicle_inner(doc);
		xmlFreeDoc(doc);
		return inner;
	}
	case SIM_SOCIALSEC:
		must_validate(strcmp(root, "Result") == 0     ? "socialsec-result"
		              : strcmp(root, "Accepted") == 0 ? "socialsec-accepted"
		                                              : "socialsec-pending",
		              doc);
		break;
	default: must_validate("ecommerce-response", doc); break;
	}
	return doc;
}

/* Checks an error reply: its status, its code, and that it validates. */
static void
valid_error(enum sim_kind kind, const struct sim_reply *reply, int status, const char *code)
{
	if (reply->status != status)
		fail_msg("status %d, expected %d: %.*s", reply->status, status,
		         (int)reply->body.len, reply->body.data);
	xmlDoc *doc = parse(reply->body.data, reply->body.len);
	static const char *const schemas[SIM_KIND_COUNT_] = {"bank-error", "realestate-error",
	                                                     "vehicle-response", "socialsec-error",
	                                                     "ecommerce-error"};
	must_validate(schemas[kind], doc);
	if (kind == SIM_VEHICLE) {
		xmlNode *fault = ck_xml_first(
		    ck_xml_first(xmlDocGetRootElement(doc), SOAP_NS, "Body"), SOAP_NS, "Fault");
		assert_non_null(fault);
		char *fc = ck_xml_child_text(fault, NULL, "faultcode");
		assert_string_equal(fc, status >= 500 && strcmp(code, "INTERNAL_ERROR") == 0
		                            ? "soap:Server"
		                            : "soap:Client");
		free(fc);
	}
	if (code != NULL && strstr(reply->body.data, code) == NULL)
		fail_msg("expected code %s in %s", code, reply->body.data);
	xmlFreeDoc(doc);
}

static char *
text_at(xmlDoc *doc, const char *ns, const char *a, const char *b)
{
	xmlNode *n = ck_xml_first(xmlDocGetRootElement(doc), ns, a);
	return b ? ck_xml_child_text(n, ns, b) : ck_xml_text(n);
}

/* ---- The shape of the spec's examples -------------------------------------- */

#define MAX_PARENTS 64
#define MAX_KIDS    24

struct shape {
	char parent[MAX_PARENTS][32];
	char kids[MAX_PARENTS][MAX_KIDS][32];
	size_t n_kids[MAX_PARENTS];
	size_t n;
};

static size_t
shape_slot(struct shape *s, const char *parent)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->parent[i], parent) == 0)
			return i;
	assert_true(s->n < MAX_PARENTS);
	snprintf(s->parent[s->n], 32, "%s", parent);
	return s->n++;
}

/* Child element names of n, a run of one name counted once. */
static size_t
child_names(const xmlNode *n, const char **out, size_t max)
{
	size_t k = 0;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (k > 0 && strcmp(out[k - 1], (const char *)c->name) == 0)
			continue;
		assert_true(k < max);
		out[k++] = (const char *)c->name;
	}
	return k;
}

static ssize_t
kid_index(const struct shape *s, size_t slot, const char *name)
{
	for (size_t i = 0; i < s->n_kids[slot]; i++)
		if (strcmp(s->kids[slot][i], name) == 0)
			return (ssize_t)i;
	return -1;
}

/* Adds the example's parent -> children orders to s, merging occurrences. */
static void
shape_learn(struct shape *s, const xmlNode *n)
{
	const char *names[MAX_KIDS];
	size_t k = child_names(n, names, MAX_KIDS);
	if (k > 0) {
		size_t slot = shape_slot(s, (const char *)n->name);
		ssize_t at = -1;
		for (size_t i = 0; i < k; i++) {
			ssize_t found = kid_index(s, slot, names[i]);
			if (found < 0) {
				assert_true(s->n_kids[slot] < MAX_KIDS);
				memmove(s->kids[slot][at + 2], s->kids[slot][at + 1],
				        (s->n_kids[slot] - (size_t)(at + 1)) * 32);
				snprintf(s->kids[slot][at + 1], 32, "%s", names[i]);
				s->n_kids[slot]++;
				found = at + 1;
			}
			at = found;
		}
	}
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			shape_learn(s, c);
}

/* Every element of n has children the example has, in the example's order
 * (except under `any_order`, where the spec allows any order). */
static void
shape_check(const struct shape *s, const xmlNode *n, const char *any_order)
{
	const char *names[MAX_KIDS * 4];
	size_t k = child_names(n, names, MAX_KIDS * 4);
	if (k == 0)
		return;
	size_t slot = s->n;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->parent[i], (const char *)n->name) == 0)
			slot = i;
	if (slot == s->n)
		fail_msg("<%s> has children, the example's has none", n->name);
	ssize_t last = -1;
	for (size_t i = 0; i < k; i++) {
		ssize_t at = kid_index(s, slot, names[i]);
		if (at < 0)
			fail_msg("<%s> in <%s>: not in the example", names[i], n->name);
		if (at <= last &&
		    (any_order == NULL || strcmp(any_order, (const char *)n->name) != 0))
			fail_msg("<%s> in <%s>: out of the example's order", names[i], n->name);
		last = at;
	}
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			shape_check(s, c, any_order);
}

static xmlDoc *
example(const char *name)
{
	char *path = ck_test_path(CK_SPEC_EXAMPLES, name);
	size_t len = 0;
	char *data = ck_test_read_file(path, &len);
	xmlDoc *doc = parse(data, len);
	free(data);
	free(path);
	return doc;
}

static void
like_examples(xmlDoc *mine, const char *const *examples, const char *any_order, int inner)
{
	struct shape *s = calloc(1, sizeof *s);
	for (const char *const *e = examples; *e; e++) {
		xmlDoc *ex = example(*e);
		if (inner) {
			xmlDoc *in = vehicle_inner(ex);
			xmlFreeDoc(ex);
			ex = in;
		}
		shape_learn(s, xmlDocGetRootElement(ex));
		xmlFreeDoc(ex);
	}
	shape_check(s, xmlDocGetRootElement(mine), any_order);
	free(s);
}

/* ---- Finding subjects ------------------------------------------------------------ */

typedef int (*holding_pred)(const struct sim_holding *h);

static const struct sim_subject *
find_subject(const char *inst, enum sim_status status, holding_pred pred)
{
	const struct sim_instance *in = instance(inst);
	for (size_t i = 0; i < world->n_subjects; i++) {
		if (in->kind == SIM_SOCIALSEC && world->subjects[i].kind != CK_SUBJECT_PERSON)
			continue; /* the agency refuses to be asked about organisations */
		struct sim_holding h;
		assert_int_equal(sim_world_holding(world, in, &world->subjects[i], &h), CK_OK);
		int ok = h.status == status && (pred == NULL || pred(&h));
		sim_holding_release(&h);
		if (ok)
			return &world->subjects[i];
	}
	fail_msg("no subject at %s with the status and records wanted", inst);
	return NULL;
}

static int
rich_bank(const struct sim_holding *h)
{
	int freeze = 0, dated = 0;
	for (size_t i = 0; i < h->n_accounts; i++) {
		freeze |= h->accounts[i].n_freezes > 0;
		dated |= h->accounts[i].opened_on >= 0 && h->accounts[i].branch[0];
	}
	return freeze && dated && h->n_wealth > 0;
}

static int
rich_property(const struct sim_holding *h)
{
	for (size_t i = 0; i < h->n_properties; i++)
		if (h->properties[i].n_mortgages && h->properties[i].n_seizures &&
		    h->properties[i].share[0])
			return 1;
	return 0;
}

static int
has_records(const struct sim_holding *h)
{
	return h->n_accounts + h->n_properties + h->n_vehicles + h->n_employments + h->n_items > 0;
}

static int
employed_no_pension(const struct sim_holding *h)
{
	return h->n_employments > 0 && !h->pension.present;
}

static int
many_items(const struct sim_holding *h)
{
	return h->n_items > 5;
}

/* The 200 answer about p's subject at inst (social insurance: submitted,
 * then polled once ready). */
static void
answer(const char *inst, const struct params *p, struct sim_reply *reply)
{
	ask(inst, p, T0, reply);
	if (instance(inst)->kind != SIM_SOCIALSEC || reply->status != 202)
		return;
	xmlDoc *doc = parse(reply->body.data, reply->body.len);
	char *ticket = text_at(doc, SI_NS, "Ticket", NULL);
	xmlFreeDoc(doc);
	sim_buf_release(&reply->body);
	poll_ticket(ticket, p->rid, T0 + 5000, reply);
	free(ticket);
}

/* ---- Tests: answers ------------------------------------------------------------ */

static void
answers_like_spec_examples(void **state)
{
	(void)state;
	static const char *const bank_ex[] = {"bank-response.xml", NULL};
	static const char *const re_ex[] = {"realestate-response.xml", NULL};
	static const char *const veh_ex[] = {"vehicle-response.xml", NULL};
	static const char *const si_ex[] = {"socialsec-result.xml", NULL};
	static const char *const ec_ex[] = {"ecommerce-page1.xml", "ecommerce-page2.xml", NULL};
	struct {
		const char *inst;
		holding_pred pred;
		const char *const *examples;
		const char *any_order;
	} cases[] = {
	    {"icbc", rich_bank, bank_ex, NULL},     {"bdc-taixing", rich_property, re_ex, NULL},
	    {"trff", has_records, veh_ex, NULL},    {"si", employed_no_pension, si_ex, NULL},
	    {"alipay", many_items, ec_ex, "Items"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct sim_subject *s = find_subject(cases[i].inst, SIM_FOUND, cases[i].pred);
		struct params p = params_for(s, "q-000001-r0");
		struct sim_reply reply;
		answer(cases[i].inst, &p, &reply);
		assert_int_equal(reply.status, 200);
		enum sim_kind kind = instance(cases[i].inst)->kind;
		xmlDoc *doc = valid_answer(kind, &reply.body);
		if (kind == SIM_VEHICLE) {
			xmlDoc *env = parse(reply.body.data, reply.body.len);
			like_examples(env, cases[i].examples, NULL, 0);
			xmlFreeDoc(env);
		}
		like_examples(doc, cases[i].examples, cases[i].any_order, kind == SIM_VEHICLE);
		assert_non_null(strstr(reply.body.data, s->id_no));
		xmlFreeDoc(doc);
		sim_buf_release(&reply.body);
	}
}

static void
not_found_and_mismatch_validate(void **state)
{
	(void)state;
	static const char *const insts[] = {"icbc", "boc", "bdc-taixing", "bdc-jingjiang",
	                                    "trff", "si",  "alipay",      "jd"};
	char rid[32];
	int n = 0;
	for (size_t i = 0; i < sizeof insts / sizeof insts[0]; i++) {
		enum sim_kind kind = instance(insts[i])->kind;
		enum sim_status statuses[] = {SIM_NOT_FOUND, SIM_SUBJECT_MISMATCH};
		for (size_t k = 0; k < 2; k++) {
			const struct sim_subject *s = find_subject(insts[i], statuses[k], NULL);
			snprintf(rid, sizeof rid, "nf-%d", n++);
			struct params p = params_for(s, rid);
			struct sim_reply reply;
			answer(insts[i], &p, &reply);
			assert_int_equal(reply.status, 200);
			xmlDoc *doc = valid_answer(kind, &reply.body);
			const char *want =
			    statuses[k] == SIM_NOT_FOUND ? "NOT_FOUND" : "SUBJECT_MISMATCH";
			if (strstr(reply.body.data, want) == NULL) {
				/* real estate: the status is ASCII in GB18030 too */
				fail_msg("%s: no %s in %s", insts[i], want, reply.body.data);
			}
			xmlFreeDoc(doc);
			sim_buf_release(&reply.body);
		}
	}
}

static void
unknown_subject_not_found(void **state)
{
	(void)state;
	static const char *const insts[] = {"ccb", "bdc-jingjiang", "trff", "si", "jd"};
	for (size_t i = 0; i < sizeof insts / sizeof insts[0]; i++) {
		struct params p = {.rid = "unknown-1",
		                   .name = "张三",
		                   .id = "11010519491231002X",
		                   .case_no = "(2024)苏1283执1234号",
		                   .officer = "李四"};
		struct sim_reply reply;
		reset_registries();
		answer(insts[i], &p, &reply);
		assert_int_equal(reply.status, 200);
		enum sim_kind kind = instance(insts[i])->kind;
		xmlDoc *doc = valid_answer(kind, &reply.body);
		assert_non_null(strstr(reply.body.data, "NOT_FOUND"));
		if (kind != SIM_VEHICLE) /* a vehicle NOT_FOUND echoes no subject */
			assert_non_null(strstr(reply.body.data, "11010519491231002X"));
		xmlFreeDoc(doc);
		sim_buf_release(&reply.body);
	}
}

static int
contains(const struct sim_buf *b, const char *bytes, size_t n)
{
	for (size_t i = 0; n <= b->len && i + n <= b->len; i++)
		if (memcmp(b->data + i, bytes, n) == 0)
			return 1;
	return 0;
}

static void
realestate_is_gb18030(void **state)
{
	(void)state;
	const struct sim_subject *s = find_subject("bdc-jingjiang", SIM_FOUND, NULL);
	struct params p = params_for(s, "re-1");
	struct sim_reply reply;
	ask("bdc-jingjiang", &p, T0, &reply);
	assert_int_equal(reply.status, 200);
	assert_non_null(strstr(reply.content_type, "GB18030"));
	const char decl[] = "<?xml version=\"1.0\" encoding=\"GB18030\"?>";
	assert_memory_equal(reply.body.data, decl, sizeof decl - 1);
	/* The name is there in GB18030 bytes, not in UTF-8 ones. */
	char name_copy[96], gb[64], *in = name_copy, *out = gb;
	snprintf(name_copy, sizeof name_copy, "%s", s->name);
	size_t in_left = strlen(s->name), out_left = sizeof gb;
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	assert_true(iconv(cd, &in, &in_left, &out, &out_left) != (size_t)-1);
	iconv_close(cd);
	assert_true(contains(&reply.body, gb, sizeof gb - out_left));
	assert_false(contains(&reply.body, s->name, strlen(s->name)));
	xmlDoc *doc = valid_answer(SIM_REALESTATE, &reply.body);
	char *name = text_at(doc, NULL, "QLR", "QLRMC");
	assert_string_equal(name, s->name);
	char *where = text_at(doc, NULL, "DJJG", NULL);
	assert_string_equal(where, "靖江市不动产登记中心");
	free(name);
	free(where);
	xmlFreeDoc(doc);
	sim_buf_release(&reply.body);
}

static int
suffixed(const struct sim_holding *h)
{
	for (size_t i = 0; i < h->n_properties; i++)
		if (h->properties[i].area_suffix == 2)
			return 1;
	return 0;
}

static void
realestate_area_suffix(void **state)
{
	(void)state;
	const struct sim_subject *s = find_subject("bdc-taixing", SIM_FOUND, suffixed);
	struct params p = params_for(s, "re-2");
	struct sim_reply reply;
	ask("bdc-taixing", &p, T0, &reply);
	xmlDoc *doc = valid_answer(SIM_REALESTATE, &reply.body);
	xmlChar *text = NULL;
	int n = 0;
	xmlDocDumpMemoryEnc(doc, &text, &n, "UTF-8");
	assert_non_null(strstr((char *)text, "平方米</JZMJ>"));
	xmlFree(text);
	xmlFreeDoc(doc);
	sim_buf_release(&reply.body);
}

static void
misdirected_answers(void **state)
{
	(void)state;
	static const char *const insts[] = {"icbc", "bdc-taixing", "trff", "si", "alipay"};
	for (size_t i = 0; i < sizeof insts / sizeof insts[0]; i++) {
		enum sim_kind kind = instance(insts[i])->kind;
		const struct sim_subject *s = find_subject(insts[i], SIM_FOUND, NULL);
		struct params p = params_for(s, "wrong-1");
		struct sim_buf body = {0};
		build(kind, &p, &body);
		struct sim_request rq = request(kind, &body, p.rid, T0);
		rq.wrong_subject = 1;
		if (kind == SIM_SOCIALSEC) { /* submit, then poll with the fault */
			struct sim_reply accepted;
			call(insts[i], &rq, &accepted);
			xmlDoc *d = parse(accepted.body.data, accepted.body.len);
			char *ticket = text_at(d, SI_NS, "Ticket", NULL);
			xmlFreeDoc(d);
			char path[96];
			snprintf(path, sizeof path, "/si/v1/inquiries/%s", ticket);
			rq = (struct sim_request){.method = "GET",
			                          .path = path,
			                          .request_id = p.rid,
			                          .now_ms = T0 + 10000,
			                          .wrong_subject = 1};
			struct sim_reply reply;
			call(insts[i], &rq, &reply);
			assert_int_equal(reply.status, 200);
			xmlFreeDoc(valid_answer(kind, &reply.body));
			assert_null(strstr(reply.body.data, s->id_no));
			sim_buf_release(&reply.body);
			sim_buf_release(&accepted.body);
			free(ticket);
		} else {
			struct sim_reply reply;
			call(insts[i], &rq, &reply);
			assert_int_equal(reply.status, 200);
			xmlFreeDoc(valid_answer(kind, &reply.body));
			assert_null(strstr(reply.body.data, s->id_no));
			assert_non_null(strstr(reply.body.data, "FOUND"));
			sim_buf_release(&reply.body);
		}
		sim_buf_release(&body);
		reset_registries();
	}
}

static void
answers_deterministic(void **state)
{
	(void)state;
	struct sim_world *twin = NULL, *other = NULL;
	assert_int_equal(sim_world_new(7, 2000, &twin, NULL), CK_OK);
	assert_int_equal(sim_world_new(8, 2000, &other, NULL), CK_OK);
	size_t differ = 0;
	for (size_t i = 0; i < 60; i++) {
		for (size_t j = 0; j < world->n_instances; j++) {
			struct sim_buf a = {0}, b = {0}, c = {0};
			sim_render_answer(world, &world->instances[j], &world->subjects[i], "r-1",
			                  1, &a);
			sim_render_answer(twin, &twin->instances[j], &twin->subjects[i], "r-1", 1,
			                  &b);
			sim_render_answer(other, &other->instances[j], &other->subjects[i], "r-1",
			                  1, &c);
			assert_false(a.failed || b.failed || c.failed);
			assert_int_equal(a.len, b.len);
			assert_memory_equal(a.data, b.data, a.len);
			differ += a.len != c.len || memcmp(a.data, c.data, a.len) != 0;
			xmlFreeDoc(valid_answer(world->instances[j].kind, &a));
			sim_buf_release(&a);
			sim_buf_release(&b);
			sim_buf_release(&c);
		}
	}
	assert_true(differ > 400);
	sim_world_free(twin);
	sim_world_free(other);
}

/* ---- Tests: idempotency ----------------------------------------------------------- */

static void
same_request_id_same_body(void **state)
{
	(void)state;
	const struct sim_subject *s = find_subject("icbc", SIM_FOUND, NULL);
	struct params p = params_for(s, "idem-1");
	struct sim_reply first, again, changed;
	ask("icbc", &p, T0, &first);
	ask("icbc", &p, T0 + 60000, &again);
	assert_int_equal(first.status, 200);
	assert_int_equal(again.body.len, first.body.len);
	assert_memory_equal(again.body.data, first.body.data, first.body.len);
	struct registry *reg = reg_of("icbc");
	assert_int_equal(reg->discrepancies, 0);
	/* Another officer under the same RequestId: logged, answered as before. */
	p.officer = "王五";
	p.name = "别名";
	ask("icbc", &p, T0 + 120000, &changed);
	assert_int_equal(changed.status, 200);
	assert_int_equal(changed.body.len, first.body.len);
	assert_memory_equal(changed.body.data, first.body.data, first.body.len);
	assert_int_equal(reg->discrepancies, 1);
	assert_int_equal(reg_query(reg, "idem-1")->seen, 3);
	sim_buf_release(&first.body);
	sim_buf_release(&again.body);
	sim_buf_release(&changed.body);
}

static void
reused_request_id_conflicts(void **state)
{
	(void)state;
	static const char *const insts[] = {"boc", "bdc-taixing", "trff", "si", "jd"};
	for (size_t i = 0; i < sizeof insts / sizeof insts[0]; i++) {
		const struct sim_subject *a = &world->subjects[0], *b = &world->subjects[1];
		for (size_t k = 1; instance(insts[i])->kind == SIM_SOCIALSEC &&
		                   (a->kind != CK_SUBJECT_PERSON || b->kind != CK_SUBJECT_PERSON);
		     k++) {
			a = &world->subjects[k];
			b = &world->subjects[k + 1];
		}
		struct params p = params_for(a, "reuse-1");
		struct sim_reply reply;
		ask(insts[i], &p, T0, &reply);
		assert_true(reply.status == 200 || reply.status == 202);
		sim_buf_release(&reply.body);
		p = params_for(b, "reuse-1");
		ask(insts[i], &p, T0 + 5000, &reply);
		valid_error(instance(insts[i])->kind, &reply, 409, "REQUEST_ID_REUSED");
		sim_buf_release(&reply.body);
	}
}

/* ---- Tests: social insurance ---------------------------------------------------- */

static char *
ticket_of(const struct sim_reply *reply)
{
	xmlDoc *doc = valid_answer(SIM_SOCIALSEC, &reply->body);
	char *ticket = text_at(doc, SI_NS, "Ticket", NULL);
	char *poll_after = text_at(doc, SI_NS, "PollAfter", NULL);
	assert_string_equal(poll_after, "1");
	free(poll_after);
	xmlFreeDoc(doc);
	return ticket;
}

static void
socialsec_flow(void **state)
{
	(void)state;
	const struct sim_subject *s = find_subject("si", SIM_FOUND, NULL);
	struct registry *reg = reg_of("si");
	struct params p = params_for(s, "si-flow-1");
	struct sim_reply r1, r2, r3, r4, r5, r6, r7, r8;
	ask("si", &p, T0, &r1);
	assert_int_equal(r1.status, 202);
	char *ticket = ticket_of(&r1);
	assert_true(strncmp(ticket, "T-", 2) == 0);

	poll_ticket(ticket, p.rid, T0 + 300, &r2); /* too soon: hammering */
	assert_int_equal(r2.status, 202);
	assert_int_equal(reg->hammering, 1);
	char *same = ticket_of(&r2);
	assert_string_equal(same, ticket);

	poll_ticket(ticket, p.rid, T0 + 2500, &r3); /* ready after async_delay_s = 2 */
	assert_int_equal(r3.status, 200);
	assert_int_equal(reg->hammering, 1);
	xmlFreeDoc(valid_answer(SIM_SOCIALSEC, &r3.body));
	assert_non_null(strstr(r3.body.data, s->id_no));

	ask("si", &p, T0 + 10000, &r4); /* resubmitted once ready: the result */
	assert_int_equal(r4.status, 200);
	assert_memory_equal(r4.body.data, r3.body.data, r3.body.len);

	poll_ticket(ticket, p.rid, T0 + 72 * HOUR_MS, &r5); /* expired */
	valid_error(SIM_SOCIALSEC, &r5, 404, "EXPIRED_TICKET");

	ask("si", &p, T0 + 72 * HOUR_MS + 1000, &r6); /* a new ticket */
	assert_int_equal(r6.status, 202);
	char *fresh = ticket_of(&r6);
	assert_string_not_equal(fresh, ticket);
	poll_ticket(ticket, p.rid, T0 + 73 * HOUR_MS, &r7); /* the old one is gone */
	valid_error(SIM_SOCIALSEC, &r7, 404, "UNKNOWN_TICKET");
	poll_ticket(fresh, p.rid, T0 + 73 * HOUR_MS, &r8); /* the same answer */
	assert_int_equal(r8.status, 200);
	assert_int_equal(r8.body.len, r3.body.len);
	assert_memory_equal(r8.body.data, r3.body.data, r3.body.len);
	assert_int_equal(reg->hammering, 1);

	struct sim_reply *all[] = {&r1, &r2, &r3, &r4, &r5, &r6, &r7, &r8};
	for (size_t i = 0; i < 8; i++)
		sim_buf_release(&all[i]->body);
	free(ticket);
	free(same);
	free(fresh);
}

static void
socialsec_refusals(void **state)
{
	(void)state;
	struct sim_reply reply;
	poll_ticket("T-nosuch", "x", T0, &reply);
	valid_error(SIM_SOCIALSEC, &reply, 404, "UNKNOWN_TICKET");
	sim_buf_release(&reply.body);

	const struct sim_subject *org = &world->subjects[0];
	for (size_t i = 0; org->kind != CK_SUBJECT_ORG; i++)
		org = &world->subjects[i];
	struct params p = params_for(org, "si-org-1");
	ask("si", &p, T0, &reply);
	valid_error(SIM_SOCIALSEC, &reply, 400, "ORG_NOT_APPLICABLE");
	sim_buf_release(&reply.body);

	/* A poll must carry the query's RequestId. */
	const struct sim_subject *s = find_subject("si", SIM_FOUND, NULL);
	p = params_for(s, "si-rid-1");
	ask("si", &p, T0, &reply);
	char *ticket = ticket_of(&reply);
	sim_buf_release(&reply.body);
	poll_ticket(ticket, "another", T0 + 5000, &reply);
	valid_error(SIM_SOCIALSEC, &reply, 400, "REQUEST_ID_MISMATCH");
	sim_buf_release(&reply.body);
	poll_ticket(ticket, NULL, T0 + 5000, &reply);
	valid_error(SIM_SOCIALSEC, &reply, 400, "MISSING_REQUEST_ID");
	sim_buf_release(&reply.body);
	free(ticket);
}

/* ---- Tests: e-commerce pages ------------------------------------------------------- */

/* "A:user", "C:bank/tail", "D:address", "S:period": an item's identity. */
static void
item_key(const struct sim_item *it, char *out, size_t size)
{
	switch (it->type) {
	case SIM_ITEM_ACCOUNT: snprintf(out, size, "A:%s", it->user_id); break;
	case SIM_ITEM_CARD: snprintf(out, size, "C:%s/%s", it->bank, it->card_tail); break;
	case SIM_ITEM_ADDRESS: snprintf(out, size, "D:%s", it->address); break;
	default: snprintf(out, size, "S:%s", it->period); break;
	}
}

static void
node_key(xmlNode *n, char *out, size_t size)
{
	const char *name = (const char *)n->name;
	int account = strcmp(name, "Account") == 0, card = strcmp(name, "BoundCard") == 0;
	int address = strcmp(name, "Address") == 0;
	char *a = ck_xml_child_text(n, EC_NS,
	                            account   ? "UserId"
	                            : card    ? "Bank"
	                            : address ? "Text"
	                                      : "Period");
	char *b = card ? ck_xml_child_text(n, EC_NS, "CardTail") : NULL;
	assert_non_null(a);
	if (card)
		snprintf(out, size, "C:%s/%s", a, b ? b : "");
	else
		snprintf(out, size, "%s:%s", account ? "A" : address ? "D" : "S", a);
	free(a);
	free(b);
}

static void
ecommerce_pages_union(void **state)
{
	(void)state;
	const struct sim_subject *s = find_subject("jd", SIM_FOUND, many_items);
	struct sim_holding h;
	assert_int_equal(sim_world_holding(world, instance("jd"), s, &h), CK_OK);
	char keys[64][200];
	size_t n = 0;
	unsigned pages = 0, total = 0;
	char cursor[128] = "", first_subject[256] = "";
	for (;;) {
		struct params p = params_for(s, "ec-pages-1");
		p.cursor = cursor[0] ? cursor : NULL;
		struct sim_reply reply;
		ask("jd", &p, T0 + pages * 1000, &reply);
		assert_int_equal(reply.status, 200);
		xmlDoc *doc = valid_answer(SIM_ECOMMERCE, &reply.body);
		xmlNode *root = xmlDocGetRootElement(doc);
		xmlNode *page = ck_xml_first(root, EC_NS, "Page");
		char *index = ck_xml_attr(page, "index"), *tot = ck_xml_attr(page, "total");
		assert_int_equal(strtoul(index, NULL, 10), pages + 1);
		if (pages == 0)
			total = (unsigned)strtoul(tot, NULL, 10);
		assert_int_equal(strtoul(tot, NULL, 10), total);
		free(index);
		free(tot);
		/* Status and Subject repeat on every page, the same. */
		char *name = text_at(doc, EC_NS, "Subject", "Name");
		char *cert = text_at(doc, EC_NS, "Subject", "CertNo");
		char here[256];
		snprintf(here, sizeof here, "%s/%s", name, cert);
		if (pages == 0)
			snprintf(first_subject, sizeof first_subject, "%s", here);
		assert_string_equal(here, first_subject);
		free(name);
		free(cert);
		for (xmlNode *it = first_element(ck_xml_first(root, EC_NS, "Items")); it;
		     it = xmlNextElementSibling(it)) {
			assert_true(n < 64);
			node_key(it, keys[n++], sizeof keys[0]);
		}
		char *next = ck_xml_child_text(root, EC_NS, "NextCursor");
		pages++;
		xmlFreeDoc(doc);
		sim_buf_release(&reply.body);
		if (next == NULL)
			break;
		snprintf(cursor, sizeof cursor, "%s", next);
		free(next);
	}
	assert_int_equal(pages, total);
	assert_int_equal(pages, (h.n_items + 1) / 2);
	assert_int_equal(n, h.n_items);
	for (size_t i = 0; i < n; i++) {
		char want[200];
		item_key(&h.items[i], want, sizeof want);
		assert_string_equal(keys[i], want);
	}
	assert_int_equal(reg_of("jd")->discrepancies, 0);
	sim_holding_release(&h);
}

static void
ecommerce_bad_cursors(void **state)
{
	(void)state;
	const struct sim_subject *s = find_subject("alipay", SIM_FOUND, many_items);
	struct params p = params_for(s, "ec-cur-1");
	struct sim_reply reply;
	ask("alipay", &p, T0, &reply);
	xmlDoc *doc = parse(reply.body.data, reply.body.len);
	char *next = ck_xml_child_text(xmlDocGetRootElement(doc), EC_NS, "NextCursor");
	assert_non_null(next);
	xmlFreeDoc(doc);
	sim_buf_release(&reply.body);
	const char *bad[] = {"garbage", "c2-00000000", "c99-0", "c1-x", next};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct params q =
		    params_for(s, i + 1 < sizeof bad / sizeof bad[0] ? "ec-cur-1" : "ec-cur-2");
		q.cursor = bad[i]; /* the last: a good cursor of another RequestId */
		ask("alipay", &q, T0, &reply);
		valid_error(SIM_ECOMMERCE, &reply, 400, "BAD_CURSOR");
		sim_buf_release(&reply.body);
	}
	free(next);
	/* NOT_FOUND is one page without items. */
	const struct sim_subject *none = find_subject("alipay", SIM_NOT_FOUND, NULL);
	p = params_for(none, "ec-none");
	ask("alipay", &p, T0, &reply);
	assert_non_null(strstr(reply.body.data, "<Page index=\"1\" total=\"1\"/>"));
	assert_null(strstr(reply.body.data, "<Items>"));
	assert_null(strstr(reply.body.data, "NextCursor"));
	sim_buf_release(&reply.body);
}

/* ---- Tests: bad requests ----------------------------------------------------------- */

static const char *const kind_insts[SIM_KIND_COUNT_] = {"icbc", "bdc-taixing", "trff", "si",
                                                        "alipay"};

/* Status of a refusal: SOAP faults come with 500 unless the status says
 * more. */
static int
refused(enum sim_kind kind)
{
	return kind == SIM_VEHICLE ? 500 : 400;
}

static void
send_modified(enum sim_kind kind, const struct params *p, const char *ctype, const char *rid,
              const char *body, struct sim_reply *reply)
{
	struct sim_buf b = {0};
	if (body != NULL)
		sim_buf_puts(&b, body);
	else
		build(kind, p, &b);
	struct sim_request rq = request(kind, &b, rid, T0);
	rq.content_type = ctype;
	call(kind_insts[kind], &rq, reply);
	sim_buf_release(&b);
}

static void
bad_requests_refused(void **state)
{
	(void)state;
	char *xxe_path = ck_test_path(CK_SPEC_EXAMPLES, "hostile-xxe.xml");
	char *xxe = ck_test_read_file(xxe_path, NULL);
	for (int k = 0; k < SIM_KIND_COUNT_; k++) {
		enum sim_kind kind = (enum sim_kind)k;
		const struct sim_subject *s = &world->subjects[0];
		for (size_t i = 1; s->kind != CK_SUBJECT_PERSON; i++)
			s = &world->subjects[i];
		const char *ct =
		    kind == SIM_VEHICLE ? "text/xml; charset=utf-8" : "application/xml";
		struct params p = params_for(s, "bad-1");
		struct sim_reply reply;

		p.officer = NULL;
		send_modified(kind, &p, ct, "bad-1", NULL, &reply);
		valid_error(kind, &reply, refused(kind), "MISSING_OFFICER");
		sim_buf_release(&reply.body);
		p = params_for(s, "bad-1");
		p.case_no = NULL;
		send_modified(kind, &p, ct, "bad-1", NULL, &reply);
		valid_error(kind, &reply, refused(kind), "MISSING_CASE_NO");
		sim_buf_release(&reply.body);

		p = params_for(s, "bad-1");
		send_modified(kind, &p, "application/xml; charset=GBK", "bad-1", NULL, &reply);
		valid_error(kind, &reply, refused(kind), "BAD_CONTENT_TYPE");
		sim_buf_release(&reply.body);
		send_modified(kind, &p, NULL, "bad-1", NULL, &reply);
		valid_error(kind, &reply, refused(kind), "BAD_CONTENT_TYPE");
		sim_buf_release(&reply.body);
		send_modified(kind, &p, "application/json", "bad-1", NULL, &reply);
		valid_error(kind, &reply, refused(kind), "BAD_CONTENT_TYPE");
		sim_buf_release(&reply.body);

		send_modified(kind, &p, ct, "bad-2", NULL, &reply);
		valid_error(kind, &reply, refused(kind), "REQUEST_ID_MISMATCH");
		sim_buf_release(&reply.body);
		send_modified(kind, &p, ct, NULL, NULL, &reply);
		valid_error(kind, &reply, refused(kind), "MISSING_REQUEST_ID");
		sim_buf_release(&reply.body);

		send_modified(kind, &p, ct, "bad-1", "<Document><unclosed>", &reply);
		valid_error(kind, &reply, refused(kind), "MALFORMED_REQUEST");
		sim_buf_release(&reply.body);
		send_modified(kind, &p, ct, "bad-1", xxe, &reply);
		valid_error(kind, &reply, refused(kind), "HOSTILE_REQUEST");
		sim_buf_release(&reply.body);

		char wrong_check[CK_ID_BUF];
		memcpy(wrong_check, s->id_no, CK_ID_BUF);
		wrong_check[17] = wrong_check[17] == '1' ? '2' : '1';
		p.id = wrong_check;
		send_modified(kind, &p, ct, "bad-1", NULL, &reply);
		valid_error(kind, &reply, refused(kind), "INVALID_ID");
		sim_buf_release(&reply.body);
		p = params_for(s, "bad-1");
		p.name = "";
		send_modified(kind, &p, ct, "bad-1", NULL, &reply);
		valid_error(kind, &reply, refused(kind), "INVALID_REQUEST");
		sim_buf_release(&reply.body);

		/* None of these was registered: the RequestId is still free. */
		for (size_t i = 0; i < world->n_instances; i++)
			assert_int_equal(regs[i].n, 0);
	}
	free(xxe);
	free(xxe_path);
}

static void
routes_and_media_types(void **state)
{
	(void)state;
	const struct sim_subject *s = find_subject("ccb", SIM_FOUND, NULL);
	struct params p = params_for(s, "route-1");
	struct sim_buf body = {0};
	build(SIM_BANK, &p, &body);
	struct sim_reply reply;
	struct sim_request rq = request(SIM_BANK, &body, "route-1", T0);
	rq.path = "/fi/other";
	call("ccb", &rq, &reply);
	valid_error(SIM_BANK, &reply, 404, "UNKNOWN_PATH");
	sim_buf_release(&reply.body);
	rq = request(SIM_BANK, &body, "route-1", T0);
	rq.method = "GET";
	call("ccb", &rq, &reply);
	valid_error(SIM_BANK, &reply, 405, "METHOD_NOT_ALLOWED");
	sim_buf_release(&reply.body);
	const char *good[] = {"application/xml", "text/xml", "application/xml;charset=\"UTF-8\"",
	                      "Application/XML; Charset=utf8"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		rq = request(SIM_BANK, &body, "route-1", T0);
		rq.content_type = good[i];
		call("ccb", &rq, &reply);
		assert_int_equal(reply.status, 200);
		sim_buf_release(&reply.body);
	}
	sim_buf_release(&body);

	/* SOAP wants its action; without quotes is accepted too. */
	build(SIM_VEHICLE, &p, &body);
	rq = request(SIM_VEHICLE, &body, "route-1", T0);
	rq.soap_action = NULL;
	call("trff", &rq, &reply);
	valid_error(SIM_VEHICLE, &reply, 500, "BAD_SOAP_ACTION");
	sim_buf_release(&reply.body);
	rq.soap_action = "queryVehicle";
	call("trff", &rq, &reply);
	assert_int_equal(reply.status, 200);
	sim_buf_release(&reply.body);
	sim_buf_release(&body);
}

/* Replaces the first `from` in body with `to` (test requests only). */
static void
replace_in(struct sim_buf *body, const char *from, const char *to)
{
	char *at = strstr(body->data, from);
	assert_non_null(at);
	struct sim_buf out = {0};
	sim_buf_add(&out, body->data, (size_t)(at - body->data));
	sim_buf_puts(&out, to);
	sim_buf_puts(&out, at + strlen(from));
	sim_buf_release(body);
	*body = out;
}

/* A schema message quoting Chinese text is cut short at 256 bytes, maybe
 * inside a character: the error document stays well-formed. */
static void
long_messages_stay_well_formed(void **state)
{
	(void)state;
	struct sim_buf odd = {0};
	for (int i = 0; i < 150; i++)
		sim_buf_puts(&odd, "甲");
	const struct sim_subject *s = &world->subjects[0];
	for (size_t i = 1; s->kind != CK_SUBJECT_PERSON; i++)
		s = &world->subjects[i];
	struct {
		const char *inst, *from, *to_open, *to_close;
	} cases[] = {
	    {"icbc", "<Scp>ACCT</Scp>", "<Scp>", "</Scp>"},
	    {"bdc-taixing", "<ZJLX>1</ZJLX>", "<ZJLX>", "</ZJLX>"},
	    {"trff", "<veh:idType>A</veh:idType>", "<veh:idType>", "</veh:idType>"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum sim_kind kind = instance(cases[i].inst)->kind;
		struct params p = params_for(s, "long-1");
		struct sim_buf body = {0}, to = {0};
		build(kind, &p, &body);
		sim_buf_printf(&to, "%s%s%s", cases[i].to_open, odd.data, cases[i].to_close);
		replace_in(&body, cases[i].from, to.data);
		struct sim_request rq = request(kind, &body, "long-1", T0);
		struct sim_reply reply;
		call(cases[i].inst, &rq, &reply);
		valid_error(kind, &reply, refused(kind), "INVALID_REQUEST");
		sim_buf_release(&reply.body);
		sim_buf_release(&body);
		sim_buf_release(&to);
	}
	sim_buf_release(&odd);
}

static void
works_without_schema_set(void **state)
{
	(void)state;
	const struct sim_subject *s = find_subject("boc", SIM_FOUND, NULL);
	struct params p = params_for(s, "noxsd-1");
	struct sim_buf body = {0};
	build(SIM_BANK, &p, &body);
	struct sim_request rq = request(SIM_BANK, &body, "noxsd-1", T0);
	struct sim_context ctx = context("boc");
	ctx.xsd = NULL;
	struct sim_reply reply;
	sim_handle(&ctx, &rq, &reply);
	assert_int_equal(reply.status, 200);
	xmlFreeDoc(valid_answer(SIM_BANK, &reply.body));
	sim_buf_release(&reply.body);
	sim_buf_release(&body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(answers_like_spec_examples, setup),
	    cmocka_unit_test_setup(not_found_and_mismatch_validate, setup),
	    cmocka_unit_test_setup(unknown_subject_not_found, setup),
	    cmocka_unit_test_setup(realestate_is_gb18030, setup),
	    cmocka_unit_test_setup(realestate_area_suffix, setup),
	    cmocka_unit_test_setup(misdirected_answers, setup),
	    cmocka_unit_test_setup(answers_deterministic, setup),
	    cmocka_unit_test_setup(same_request_id_same_body, setup),
	    cmocka_unit_test_setup(reused_request_id_conflicts, setup),
	    cmocka_unit_test_setup(socialsec_flow, setup),
	    cmocka_unit_test_setup(socialsec_refusals, setup),
	    cmocka_unit_test_setup(ecommerce_pages_union, setup),
	    cmocka_unit_test_setup(ecommerce_bad_cursors, setup),
	    cmocka_unit_test_setup(bad_requests_refused, setup),
	    cmocka_unit_test_setup(routes_and_media_types, setup),
	    cmocka_unit_test_setup(long_messages_stay_well_formed, setup),
	    cmocka_unit_test_setup(works_without_schema_set, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
