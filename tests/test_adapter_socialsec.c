/* SPDX-License-Identifier: MIT */
/*
 * test_adapter_socialsec.c: the social-insurance adapter against spec
 * socialsec.md and common.md, with no server: the Inquiry it builds
 * validates and carries the query; polls name the ticket escaped; the
 * spec's examples and every recorded answer of testdata/answers/socialsec
 * read as they should; and the variants an institution may send (another
 * subject or RequestId, NOT_FOUND, SUBJECT_MISMATCH, 404 on a poll or on a
 * submission, error statuses, unknown elements, prefixes, a BOM, a DOCTYPE,
 * too many records) each give their outcome.
 */
#include "testutil.h"
#include "chakong/adapter.h"
#include "chakong/buf.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <dirent.h>
#include <string.h>

#define SI_NS    "urn:chakong:si:1"
#define ASKED_ID "320102198001011238"
#define OTHER_ID "11010519491231002X"
#define ANSWERS  CK_TESTDATA_DIR "/answers/socialsec"
#define MAX_RECS 10000

extern const struct ck_adapter ck_adapter_socialsec;
static const struct ck_adapter *const si = &ck_adapter_socialsec;

static int
setup(void **state)
{
	struct ck_xsd_set *xsd = NULL;
	int rc = ck_xsd_set_new(&xsd, NULL);
	*state = xsd;
	return rc;
}

static int
teardown(void **state)
{
	ck_xsd_set_free(*state);
	return 0;
}

/* The query of the spec's examples, as a submission. */
static struct ck_query_input
query(void)
{
	struct ck_query_input in = {
	    .request_id = "q-000001-si-r0",
	    .case_no = "(2024)苏1283执1234号",
	    .court_code = "苏1283",
	    .court_name = "泰兴市人民法院",
	    .officer = "李四",
	    .subject_kind = CK_SUBJECT_PERSON,
	    .subject_name = "张三",
	    .subject_id = ASKED_ID,
	    .now = 1709618531, /* 2024-03-05T14:02:11+08:00 */
	    .now_offset_min = 480,
	};
	return in;
}

/* The same query polling the ticket of the examples. */
static struct ck_query_input
poll_query(void)
{
	struct ck_query_input in = query();
	in.ticket = "T-7f3a9c";
	return in;
}

/* What a request carries in header `name`, or NULL. */
static const char *
header(const struct ck_http_request *rq, const char *name)
{
	for (size_t i = 0; i < rq->n_headers; i++)
		if (strcmp(rq->headers[i].name, name) == 0)
			return rq->headers[i].value;
	return NULL;
}

/*
 * Builds the request the answer is to (a poll when in->ticket is set, else
 * a submission), then interprets the answer with the same per-query state,
 * as the scheduler does.  Returns the outcome type.
 */
static enum ck_outcome_type
answer(struct ck_xsd_set *xsd, const struct ck_query_input *in, int status, const char *body,
       size_t max_records, struct ck_outcome *out)
{
	struct ck_adapter_env env = {.xsd = xsd, .max_records = max_records, .max_body = 1 << 20};
	struct ck_http_response r = {.status = status,
	                             .content_type = "application/xml; charset=utf-8",
	                             .body = body,
	                             .body_len = body ? strlen(body) : 0};
	void *state = ck_adapter_state_new(si);
	assert_non_null(state);
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "";
	if (in->ticket != NULL)
		assert_int_equal(si->build_poll(in, state, &rq, err), CK_OK);
	else
		assert_int_equal(si->build_submit(in, state, &rq, err), CK_OK);
	ck_http_request_release(&rq);
	ck_outcome_release(out);
	assert_int_equal(si->interpret(in, state, &r, &env, out), CK_OK);
	ck_adapter_state_free(si, state);
	return out->type;
}

static enum ck_outcome_type
answer_file(struct ck_xsd_set *xsd, const struct ck_query_input *in, int status, const char *path,
            struct ck_outcome *out)
{
	char *body = ck_test_read_file(path, NULL);
	enum ck_outcome_type t = answer(xsd, in, status, body, MAX_RECS, out);
	free(body);
	return t;
}

/* A Result document; `rest` holds the records (Employments, Pension). */
static char *
result(const char *request_id, const char *status, const char *id_no, const char *rest)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b,
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<Result xmlns=\"" SI_NS "\"><RequestId>%s</RequestId><Status>%s</Status>"
	              "<Person><Name>张三登记名</Name><IdNo>%s</IdNo></Person>%s</Result>",
	              request_id, status, id_no, rest);
	assert_false(b.failed);
	return ck_buf_detach(&b, NULL);
}

/* Employments holding n ACTIVE rows. */
static char *
employments(size_t n)
{
	struct ck_buf b = {0};
	ck_buf_puts(&b, "<Employments>");
	for (size_t i = 0; i < n; i++)
		ck_buf_printf(
		    &b,
		    "<Employment><Employer>公司%zu</Employer><Insurance>PENSION</Insurance>"
		    "<MonthlyBase>%zu.5</MonthlyBase><State>ACTIVE</State></Employment>",
		    i, 1000 + i);
	ck_buf_puts(&b, "</Employments>");
	assert_false(b.failed);
	return ck_buf_detach(&b, NULL);
}

static enum ck_outcome_type
answer_result(struct ck_xsd_set *xsd, const char *request_id, const char *status, const char *id_no,
              const char *rest, size_t max_records, struct ck_outcome *out)
{
	struct ck_query_input in = poll_query();
	char *body = result(request_id, status, id_no, rest);
	enum ck_outcome_type t = answer(xsd, &in, 200, body, max_records, out);
	free(body);
	return t;
}

static void
assert_failed(const struct ck_outcome *out, const char *reason)
{
	assert_int_equal(out->type, CK_OUTCOME_FAILED);
	assert_string_equal(out->reason, reason);
	assert_int_equal(out->n_leads, 0);
	assert_int_equal(out->n_assets, 0);
}

/* ---- Requests ----------------------------------------------------------- */

/* Parses a built body and checks it against socialsec-request. */
static xmlDoc *
valid_request(struct ck_xsd_set *xsd, const struct ck_http_request *rq)
{
	char err[CK_ERR_SIZE] = "";
	xmlDoc *doc = NULL;
	assert_int_equal(ck_xml_parse(rq->body, rq->body_len, NULL, &doc, err), CK_OK);
	if (ck_xsd_validate(xsd, "socialsec-request", doc, err) != CK_OK)
		fail_msg("request does not validate: %s", err);
	return doc;
}

static void
assert_child(const xmlNode *parent, const char *local, const char *want)
{
	char *got = ck_xml_child_text(parent, SI_NS, local);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* socialsec.md "Submit": every element of the example, values of the query. */
static void
submit_builds_the_spec_inquiry(void **state)
{
	struct ck_query_input in = query();
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(si->build_submit(&in, NULL, &rq, err), CK_OK);
	assert_string_equal(rq.method, "POST");
	assert_string_equal(rq.path, "/si/v1/inquiries");
	assert_string_equal(header(&rq, "Content-Type"), "application/xml; charset=utf-8");
	assert_string_equal(header(&rq, "X-Request-Id"), "q-000001-si-r0");
	assert_int_equal(rq.body_len, strlen(rq.body));

	xmlDoc *doc = valid_request(*state, &rq);
	xmlNode *root = xmlDocGetRootElement(doc);
	assert_true(ck_xml_is(root, SI_NS, "Inquiry"));
	assert_child(root, "RequestId", "q-000001-si-r0");
	xmlNode *court = ck_xml_first(root, SI_NS, "Court");
	char *code = ck_xml_attr(court, "code");
	assert_string_equal(code, "苏1283");
	free(code);
	assert_child(root, "Court", "泰兴市人民法院");
	assert_child(root, "CaseNo", "(2024)苏1283执1234号");
	assert_child(root, "Officer", "李四");
	xmlNode *person = ck_xml_first(root, SI_NS, "Person");
	assert_child(person, "Name", "张三");
	assert_child(person, "IdNo", ASKED_ID);
	xmlFreeDoc(doc);
	ck_http_request_release(&rq);
}

/* Values are XML-escaped, in text and in the code attribute. */
static void
submit_escapes_values(void **state)
{
	struct ck_query_input in = query();
	in.court_code = "苏\"1283\"&<";
	in.court_name = "泰兴 <法院> & \"庭\"";
	in.officer = "O'Brien & 李";
	in.subject_name = "张<三>";
	in.subject_id = OTHER_ID;
	struct ck_http_request rq;
	assert_int_equal(si->build_submit(&in, NULL, &rq, NULL), CK_OK);
	xmlDoc *doc = valid_request(*state, &rq);
	xmlNode *root = xmlDocGetRootElement(doc);
	char *code = ck_xml_attr(ck_xml_first(root, SI_NS, "Court"), "code");
	assert_string_equal(code, in.court_code);
	free(code);
	assert_child(root, "Court", in.court_name);
	assert_child(root, "Officer", in.officer);
	assert_child(ck_xml_first(root, SI_NS, "Person"), "Name", in.subject_name);
	assert_child(ck_xml_first(root, SI_NS, "Person"), "IdNo", OTHER_ID);
	xmlFreeDoc(doc);
	ck_http_request_release(&rq);
}

/* Organisations are not sent (common.md: the scheduler records the channel
 * as not applicable); nor is an Inquiry lacking a required element. */
static void
submit_refuses_organisations_and_gaps(void **state)
{
	(void)state;
	struct ck_query_input in = query();
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "";
	in.subject_kind = CK_SUBJECT_ORG;
	in.subject_id = "91321283MA1MX8K2PW";
	assert_int_equal(si->build_submit(&in, NULL, &rq, err), CK_E_USAGE);
	assert_non_null(strstr(err, "not applicable"));
	assert_null(rq.body);
	ck_http_request_release(&rq);

	const char **fields[] = {&in.request_id, &in.court_code,   &in.court_name, &in.case_no,
	                         &in.officer,    &in.subject_name, &in.subject_id};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		in = query();
		*fields[i] = i % 2 ? "" : NULL;
		err[0] = '\0';
		assert_int_equal(si->build_submit(&in, NULL, &rq, err), CK_E_USAGE);
		assert_non_null(strstr(err, "has no value"));
		ck_http_request_release(&rq);
	}
}

/* socialsec.md "Poll": GET, no body, the ticket as one escaped path segment,
 * X-Request-Id the query's RequestId. */
static void
poll_gets_the_escaped_ticket(void **state)
{
	(void)state;
	struct ck_query_input in = poll_query();
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(si->build_poll(&in, NULL, &rq, err), CK_OK);
	assert_string_equal(rq.method, "GET");
	assert_string_equal(rq.path, "/si/v1/inquiries/T-7f3a9c");
	assert_null(rq.body);
	assert_int_equal(rq.body_len, 0);
	assert_null(header(&rq, "Content-Type"));
	assert_string_equal(header(&rq, "X-Request-Id"), "q-000001-si-r0");
	ck_http_request_release(&rq);

	in.ticket = "a/b c?d#e%f_g.h~i-j+k票";
	assert_int_equal(si->build_poll(&in, NULL, &rq, err), CK_OK);
	assert_string_equal(rq.path, "/si/v1/inquiries/a%2Fb%20c%3Fd%23e%25f_g.h~i-j%2Bk%E7%A5%A8");
	ck_http_request_release(&rq);

	in.ticket = "";
	assert_int_equal(si->build_poll(&in, NULL, &rq, err), CK_E_USAGE);
	ck_http_request_release(&rq);
	in.ticket = NULL;
	assert_int_equal(si->build_poll(&in, NULL, &rq, err), CK_E_USAGE);
	ck_http_request_release(&rq);
}

/* A ticket "." or ".." would be a dot segment of the poll's path, which
 * the HTTP client resolves: GET /si/v1/inquiries/.. goes to /si/v1/.  Such
 * an answer is malformed; a ticket merely holding dots is polled, escaped.
 * Found by fuzz_socialsec's rule on request paths. */
static void
dot_tickets_are_refused(void **state)
{
	struct ck_xsd_set *xsd = *state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	static const char *const dots[] = {".", ".."};
	for (size_t i = 0; i < 2; i++) {
		char body[512];
		snprintf(
		    body, sizeof body,
		    "<Accepted xmlns=\"urn:chakong:si:1\"><RequestId>q-000001-si-r0</RequestId>"
		    "<Ticket>%s</Ticket><PollAfter>1</PollAfter></Accepted>",
		    dots[i]);
		struct ck_query_input in = query();
		assert_int_equal(answer(xsd, &in, 202, body, MAX_RECS, &out), CK_OUTCOME_FAILED);
		assert_failed(&out, "MALFORMED");
		assert_non_null(strstr(out.detail, "cannot be polled"));
		assert_null(out.ticket);
		snprintf(body, sizeof body,
		         "<Pending xmlns=\"urn:chakong:si:1\"><Ticket>%s</Ticket>"
		         "<PollAfter>1</PollAfter></Pending>",
		         dots[i]);
		assert_int_equal(answer(xsd, &in, 202, body, MAX_RECS, &out), CK_OUTCOME_FAILED);
		assert_failed(&out, "MALFORMED");
	}
	const char body[] = "<Accepted xmlns=\"urn:chakong:si:1\"><RequestId>q-000001-si-r0"
	                    "</RequestId><Ticket>...</Ticket></Accepted>";
	struct ck_query_input in = query();
	assert_int_equal(answer(xsd, &in, 202, body, MAX_RECS, &out), CK_OUTCOME_TICKET);
	assert_string_equal(out.ticket, "...");
	in = poll_query();
	in.ticket = "...";
	struct ck_http_request rq;
	assert_int_equal(si->build_poll(&in, NULL, &rq, NULL), CK_OK);
	assert_string_equal(rq.path, "/si/v1/inquiries/...");
	ck_http_request_release(&rq);
	ck_outcome_release(&out);
}

/* ---- The spec's examples (normative) ------------------------------------ */

static void
spec_examples(void **state)
{
	struct ck_query_input submit = query(), poll = poll_query();
	struct ck_outcome out;
	ck_outcome_init(&out);

	assert_int_equal(
	    answer_file(*state, &submit, 202, CK_SPEC_EXAMPLES "/socialsec-accepted.xml", &out),
	    CK_OUTCOME_TICKET);
	assert_string_equal(out.ticket, "T-7f3a9c");
	assert_int_equal(out.poll_after_s, 300);

	assert_int_equal(
	    answer_file(*state, &poll, 202, CK_SPEC_EXAMPLES "/socialsec-pending.xml", &out),
	    CK_OUTCOME_TICKET);
	assert_string_equal(out.ticket, "T-7f3a9c");
	assert_int_equal(out.poll_after_s, 600);

	assert_int_equal(
	    answer_file(*state, &poll, 200, CK_SPEC_EXAMPLES "/socialsec-result.xml", &out),
	    CK_OUTCOME_FOUND);
	assert_string_equal(out.institution_name, "泰州市社会保险事业管理中心");
	assert_int_equal(out.n_assets, 0);
	assert_int_equal(out.n_leads, 1);
	const struct ck_lead *l = &out.leads[0];
	assert_int_equal(l->kind, CK_LEAD_EMPLOYER);
	assert_string_equal(l->label, "泰兴市某某贸易有限公司");
	assert_string_equal(l->code, "91321283MA1MX8K2PW");
	assert_true(l->has_amount);
	assert_int_equal(l->amount, 650000);
	assert_string_equal(l->currency, "CNY");
	assert_string_equal(l->detail,
	                    "{\"insurance\":\"PENSION\",\"state\":\"ACTIVE\",\"since\":\"2021-03\","
	                    "\"last_paid\":\"2024-02\",\"withholding_lead\":true}");

	/* A resubmission whose answer is ready gets the Result itself (200). */
	assert_int_equal(
	    answer_file(*state, &submit, 200, CK_SPEC_EXAMPLES "/socialsec-result.xml", &out),
	    CK_OUTCOME_FOUND);
	ck_outcome_release(&out);
}

/* ---- Recorded answers --------------------------------------------------- */

/* The status and request a recorded message answers; 0 for requests. */
static int
status_of(const char *message, int *poll)
{
	*poll = strcmp(message, "accepted") != 0;
	if (strcmp(message, "accepted") == 0 || strcmp(message, "pending") == 0)
		return 202;
	if (strcmp(message, "result") == 0)
		return 200;
	if (strcmp(message, "error") == 0)
		return 400;
	return 0;
}

static void
check_recorded(struct ck_xsd_set *xsd, const char *name, int good, int status, int poll)
{
	struct ck_query_input in = poll ? poll_query() : query();
	struct ck_outcome out;
	ck_outcome_init(&out);
	char *path = ck_test_path(ANSWERS, name);
	enum ck_outcome_type t = answer_file(xsd, &in, status, path, &out);
	if (status == 400) {
		/* An error document that does not validate only loses its detail. */
		assert_int_equal(t, CK_OUTCOME_FAILED);
		if (strcmp(out.reason, good ? "NOT_APPLICABLE" : "BAD_REQUEST") != 0)
			fail_msg("%s: %s", name, out.reason);
	} else if (good && (t == CK_OUTCOME_FAILED || t == CK_OUTCOME_HOSTILE)) {
		fail_msg("%s: %s %s", name, out.reason, out.detail);
	} else if (!good && !(t == CK_OUTCOME_HOSTILE ||
	                      (t == CK_OUTCOME_FAILED && strcmp(out.reason, "MALFORMED") == 0))) {
		fail_msg("%s: %s, not refused as malformed", name, ck_outcome_type_name(t));
	}
	free(path);
	ck_outcome_release(&out);
}

static void
recorded_answers(void **state)
{
	DIR *dir = opendir(ANSWERS);
	assert_non_null(dir);
	int checked = 0;
	for (struct dirent *d; (d = readdir(dir)) != NULL;) {
		char message[32] = "";
		const char *name = d->d_name;
		int good = strncmp(name, "good-", 5) == 0;
		if (!good && strncmp(name, "bad-", 4) != 0)
			continue;
		const char *m = name + (good ? 5 : 4);
		size_t n = strcspn(m, "-.");
		if (n >= sizeof message)
			fail_msg("%s: unexpected name", name);
		memcpy(message, m, n);
		int poll, status = status_of(message, &poll);
		if (status == 0)
			continue; /* requests are the request test's business */
		check_recorded(*state, name, good, status, poll);
		checked++;
	}
	closedir(dir);
	assert_true(checked >= 30);
}

static void
default_namespace_pension_and_states(void **state)
{
	struct ck_query_input in = poll_query();
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(answer_file(*state, &in, 200, ANSWERS "/good-result-default-ns.xml", &out),
	                 CK_OUTCOME_FOUND);
	assert_null(out.institution_name);
	assert_int_equal(out.n_leads, 3);
	assert_int_equal(out.leads[0].kind, CK_LEAD_EMPLOYER);
	assert_string_equal(out.leads[0].label, "泰兴市某某贸易有限公司");
	assert_null(out.leads[0].code);
	assert_false(out.leads[0].has_amount);
	assert_string_equal(out.leads[0].currency, "");
	assert_string_equal(out.leads[0].detail,
	                    "{\"insurance\":\"MEDICAL\",\"state\":\"ENDED\",\"since\":\"2019-01\","
	                    "\"last_paid\":\"2021-02\",\"withholding_lead\":false}");
	assert_string_equal(out.leads[1].label, "某某物流有限公司");
	assert_string_equal(out.leads[1].detail,
	                    "{\"insurance\":\"INJURY\",\"state\":\"SUSPENDED\",\"since\":null,"
	                    "\"last_paid\":null,\"withholding_lead\":false}");
	assert_int_equal(out.leads[2].kind, CK_LEAD_PENSION);
	assert_string_equal(out.leads[2].label, "中国农业银行");
	assert_null(out.leads[2].code);
	assert_true(out.leads[2].has_amount);
	assert_int_equal(out.leads[2].amount, 320000);
	assert_string_equal(out.leads[2].currency, "CNY");
	assert_string_equal(out.leads[2].detail, "{}");

	/* A pension alone is a FOUND answer; its bank may go unnamed. */
	assert_int_equal(answer_result(*state, "q-000001-si-r0", "FOUND", ASKED_ID,
	                               "<Pension><Monthly>-0.5</Monthly></Pension>", MAX_RECS,
	                               &out),
	                 CK_OUTCOME_FOUND);
	assert_int_equal(out.n_leads, 1);
	assert_null(out.leads[0].label);
	assert_int_equal(out.leads[0].amount, -50);
	ck_outcome_release(&out);
}

/* common.md: empty elements and absent optional ones mean the same. */
static void
empty_optionals_are_absent(void **state)
{
	struct ck_query_input in = poll_query();
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(
	    answer_file(*state, &in, 200, ANSWERS "/good-result-empty-optional.xml", &out),
	    CK_OUTCOME_FOUND);
	assert_null(out.institution_name);
	assert_int_equal(out.n_leads, 1); /* the empty Pension is none */
	assert_null(out.leads[0].code);
	assert_false(out.leads[0].has_amount);
	assert_non_null(strstr(out.leads[0].detail, "\"since\":null,\"last_paid\":null"));
	assert_non_null(strstr(out.leads[0].detail, "\"withholding_lead\":true"));
	ck_outcome_release(&out);
}

/* Unknown elements and attributes are ignored; prefixes do not matter; a
 * byte order mark may precede the declaration. */
static void
extras_prefixes_and_bom(void **state)
{
	struct ck_query_input in = poll_query();
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(answer_file(*state, &in, 200, ANSWERS "/good-result-extra.xml", &out),
	                 CK_OUTCOME_FOUND);
	assert_int_equal(out.n_leads, 1);
	assert_non_null(strstr(out.leads[0].detail, "\"state\":\"ACTIVE\""));

	assert_int_equal(answer_file(*state, &in, 200, ANSWERS "/good-result-bom.xml", &out),
	                 CK_OUTCOME_FOUND);
	assert_int_equal(out.leads[0].amount, 650000);

	struct ck_query_input submit = query();
	assert_int_equal(
	    answer_file(*state, &submit, 202, ANSWERS "/good-accepted-prefix-reordered.xml", &out),
	    CK_OUTCOME_TICKET);
	assert_string_equal(out.ticket, "T-7f3a9c");
	assert_int_equal(out.poll_after_s, 300);

	assert_int_equal(
	    answer_file(*state, &submit, 202, ANSWERS "/good-accepted-no-poll-after.xml", &out),
	    CK_OUTCOME_TICKET);
	assert_int_equal(out.poll_after_s, -1);

	assert_int_equal(answer_file(*state, &in, 202, ANSWERS "/good-pending-extra.xml", &out),
	                 CK_OUTCOME_TICKET);
	assert_int_equal(out.poll_after_s, 600);
	ck_outcome_release(&out);
}

/* ---- Answers checked against the query ---------------------------------- */

/* common.md: another identifier is WRONG_SUBJECT, and the detail names no
 * identity number; a lower-case x is the same identifier. */
static void
wrong_subject(void **state)
{
	char *emp = employments(1);
	struct ck_outcome out;
	ck_outcome_init(&out);
	answer_result(*state, "q-000001-si-r0", "FOUND", OTHER_ID, emp, MAX_RECS, &out);
	assert_failed(&out, "WRONG_SUBJECT");
	assert_null(strstr(out.detail, OTHER_ID));
	assert_null(strstr(out.detail, ASKED_ID));
	answer_result(*state, "q-000001-si-r0", "SUBJECT_MISMATCH", OTHER_ID, emp, MAX_RECS, &out);
	assert_failed(&out, "WRONG_SUBJECT");

	struct ck_query_input in = poll_query();
	in.subject_id = OTHER_ID;
	char *body = result("q-000001-si-r0", "FOUND", "11010519491231002x", emp);
	assert_int_equal(answer(*state, &in, 200, body, MAX_RECS, &out), CK_OUTCOME_FOUND);
	free(body);
	free(emp);
	ck_outcome_release(&out);
}

static void
another_request_id(void **state)
{
	char *emp = employments(1);
	struct ck_outcome out;
	ck_outcome_init(&out);
	answer_result(*state, "q-000002-si-r0", "FOUND", ASKED_ID, emp, MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	assert_string_equal(out.detail, "answer to another RequestId");

	struct ck_query_input submit = query();
	const char *accepted = "<Accepted xmlns=\"" SI_NS "\"><RequestId>q-000001-si-r1"
	                       "</RequestId><Ticket>T-1</Ticket></Accepted>";
	assert_int_equal(answer(*state, &submit, 202, accepted, MAX_RECS, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.detail, "answer to another RequestId");
	assert_null(out.ticket);
	free(emp);
	ck_outcome_release(&out);
}

/* A Pending carries no RequestId: its ticket must be the one polled.  To a
 * submission (not what socialsec.md describes, but harmless) it is a
 * ticket like Accepted. */
static void
pending_for_another_ticket(void **state)
{
	const char *pending = "<Pending xmlns=\"" SI_NS "\"><Ticket>T-other</Ticket>"
	                      "<PollAfter>60</PollAfter></Pending>";
	struct ck_query_input in = poll_query();
	struct ck_outcome out;
	ck_outcome_init(&out);
	answer(*state, &in, 202, pending, MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	assert_string_equal(out.detail, "answer to another ticket");
	assert_null(out.ticket);

	struct ck_query_input submit = query();
	assert_int_equal(answer(*state, &submit, 202, pending, MAX_RECS, &out), CK_OUTCOME_TICKET);
	assert_string_equal(out.ticket, "T-other");
	assert_int_equal(out.poll_after_s, 60);

	const char *slow = "<Pending xmlns=\"" SI_NS "\"><Ticket>T-7f3a9c</Ticket>"
	                   "<PollAfter>999999999</PollAfter></Pending>";
	assert_int_equal(answer(*state, &in, 202, slow, MAX_RECS, &out), CK_OUTCOME_TICKET);
	assert_int_equal(out.poll_after_s, 999999999);
	ck_outcome_release(&out);
}

/* ---- Statuses ------------------------------------------------------------ */

static void
not_found_and_found_agree_with_records(void **state)
{
	struct ck_query_input in = poll_query();
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(answer_file(*state, &in, 200, ANSWERS "/good-result-notfound.xml", &out),
	                 CK_OUTCOME_NOT_FOUND);
	assert_int_equal(out.n_leads, 0);
	assert_string_equal(out.institution_name, "泰州市社会保险事业管理中心");

	assert_int_equal(answer_result(*state, "q-000001-si-r0", "NOT_FOUND", ASKED_ID,
	                               "<Pension/>", MAX_RECS, &out),
	                 CK_OUTCOME_NOT_FOUND);

	char *emp = employments(1);
	answer_result(*state, "q-000001-si-r0", "NOT_FOUND", ASKED_ID, emp, MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	answer_result(*state, "q-000001-si-r0", "NOT_FOUND", ASKED_ID,
	              "<Pension><Monthly>1</Monthly></Pension>", MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	answer_result(*state, "q-000001-si-r0", "FOUND", ASKED_ID, "<Employments/><Pension/>",
	              MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	free(emp);
	ck_outcome_release(&out);
}

/* common.md: SUBJECT_MISMATCH is an answer; the records stay in the raw
 * answer and become no leads. */
static void
subject_mismatch(void **state)
{
	char *emp = employments(2);
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(answer_result(*state, "q-000001-si-r0", "SUBJECT_MISMATCH", ASKED_ID, emp,
	                               MAX_RECS, &out),
	                 CK_OUTCOME_MISMATCH);
	assert_string_equal(out.registered_name, "张三登记名");
	assert_int_equal(out.n_leads, 0);
	assert_int_equal(answer_result(*state, "q-000001-si-r0", "SUBJECT_MISMATCH", ASKED_ID, "",
	                               MAX_RECS, &out),
	                 CK_OUTCOME_MISMATCH);
	free(emp);
	ck_outcome_release(&out);
}

static enum ck_outcome_type
interpret_bare(struct ck_xsd_set *xsd, const struct ck_query_input *in, void *state, int status,
               struct ck_outcome *out)
{
	struct ck_adapter_env env = {.xsd = xsd, .max_records = MAX_RECS, .max_body = 1 << 20};
	struct ck_http_response r = {.status = status};
	ck_outcome_release(out);
	assert_int_equal(si->interpret(in, state, &r, &env, out), CK_OK);
	return out->type;
}

/* socialsec.md: 404 on a poll means resubmit; on a submission it is no
 * status the kind defines.  The state knows which request was built; with
 * no state, a set ticket means a poll. */
static void
not_found_status_on_poll_and_submit(void **state)
{
	struct ck_query_input poll = poll_query(), submit = query();
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(answer(*state, &poll, 404, NULL, MAX_RECS, &out), CK_OUTCOME_RESUBMIT);
	assert_int_equal(answer(*state, &submit, 404, NULL, MAX_RECS, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "UNEXPECTED_STATUS");

	/* A resubmission with the expired ticket still at hand. */
	void *st = ck_adapter_state_new(si);
	struct ck_http_request rq;
	assert_int_equal(si->build_submit(&poll, st, &rq, NULL), CK_OK);
	ck_http_request_release(&rq);
	assert_int_equal(interpret_bare(*state, &poll, st, 404, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "UNEXPECTED_STATUS");
	assert_int_equal(si->build_poll(&poll, st, &rq, NULL), CK_OK);
	ck_http_request_release(&rq);
	assert_int_equal(interpret_bare(*state, &poll, st, 404, &out), CK_OUTCOME_RESUBMIT);
	ck_adapter_state_free(si, st);

	assert_int_equal(interpret_bare(*state, &poll, NULL, 404, &out), CK_OUTCOME_RESUBMIT);
	assert_int_equal(interpret_bare(*state, &submit, NULL, 404, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "UNEXPECTED_STATUS");
	ck_outcome_release(&out);
}

static enum ck_outcome_type
answer_status(struct ck_xsd_set *xsd, int status, const char *retry_after, const char *body,
              struct ck_outcome *out)
{
	struct ck_query_input in = query();
	struct ck_adapter_env env = {.xsd = xsd, .max_records = MAX_RECS, .max_body = 1 << 20};
	struct ck_http_response r = {.status = status,
	                             .retry_after = retry_after,
	                             .body = body,
	                             .body_len = body ? strlen(body) : 0};
	ck_outcome_release(out);
	assert_int_equal(si->interpret(&in, NULL, &r, &env, out), CK_OK);
	return out->type;
}

/* common.md "HTTP status semantics", as this kind's error documents say. */
static void
error_statuses(void **state)
{
	struct ck_outcome out;
	ck_outcome_init(&out);
	char *org = ck_test_read_file(ANSWERS "/good-error.xml", NULL);
	assert_int_equal(answer_status(*state, 400, NULL, org, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "NOT_APPLICABLE");
	assert_non_null(strstr(out.detail, "ORG_NOT_APPLICABLE"));
	free(org);
	const char *bad = "<Error xmlns=\"" SI_NS "\"><Code>MISSING_OFFICER</Code>"
	                  "<Message>Officer is required</Message></Error>";
	assert_int_equal(answer_status(*state, 400, NULL, bad, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "BAD_REQUEST");
	assert_non_null(strstr(out.detail, "MISSING_OFFICER: Officer is required"));
	assert_int_equal(answer_status(*state, 400, NULL, "no xml", &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "BAD_REQUEST");

	assert_int_equal(answer_status(*state, 429, "120", NULL, &out), CK_OUTCOME_RETRY);
	assert_int_equal(out.retry_after_s, 120);
	assert_int_equal(answer_status(*state, 429, NULL, NULL, &out), CK_OUTCOME_RETRY);
	assert_int_equal(out.retry_after_s, -1);
	assert_int_equal(answer_status(*state, 503, "Tue, 05 Mar 2024 06:03:11 GMT", NULL, &out),
	                 CK_OUTCOME_RETRY);
	assert_int_equal(out.retry_after_s, 60);
	assert_int_equal(answer_status(*state, 500, NULL, NULL, &out), CK_OUTCOME_RETRY);
	assert_int_equal(answer_status(*state, 401, NULL, NULL, &out), CK_OUTCOME_CREDENTIALS);
	assert_int_equal(answer_status(*state, 403, NULL, NULL, &out), CK_OUTCOME_CREDENTIALS);
	assert_int_equal(answer_status(*state, 409, NULL, NULL, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "REQUEST_ID_REUSED");
	assert_int_equal(answer_status(*state, 418, NULL, NULL, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "UNEXPECTED_STATUS");
	ck_outcome_release(&out);
}

/* ---- Hostile and malformed answers --------------------------------------- */

static void
hostile_and_broken_bodies(void **state)
{
	struct ck_query_input poll = poll_query();
	struct ck_outcome out;
	ck_outcome_init(&out);
	char *xxe = ck_test_read_file(CK_SPEC_EXAMPLES "/hostile-xxe.xml", NULL);
	assert_int_equal(answer(*state, &poll, 200, xxe, MAX_RECS, &out), CK_OUTCOME_HOSTILE);
	assert_int_equal(answer(*state, &poll, 202, xxe, MAX_RECS, &out), CK_OUTCOME_HOSTILE);
	free(xxe);
	const char *doctype = "<?xml version=\"1.0\"?><!DOCTYPE Result><Result xmlns=\"" SI_NS
	                      "\"><RequestId>q-000001-si-r0</RequestId></Result>";
	assert_int_equal(answer(*state, &poll, 200, doctype, MAX_RECS, &out), CK_OUTCOME_HOSTILE);
	assert_int_equal(out.n_leads, 0);

	answer(*state, &poll, 200, "", MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	answer(*state, &poll, 200, "<Result xmlns=\"" SI_NS "\">", MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	/* A Pending is no answer to 200, nor a Result to 202. */
	answer_file(*state, &poll, 200, CK_SPEC_EXAMPLES "/socialsec-pending.xml", &out);
	assert_failed(&out, "MALFORMED");
	answer_file(*state, &poll, 202, CK_SPEC_EXAMPLES "/socialsec-result.xml", &out);
	assert_failed(&out, "MALFORMED");
	ck_outcome_release(&out);
}

/* A value the schema lets through but the engine cannot hold refuses the
 * whole answer, and the leads read before it go too. */
static void
values_beyond_range(void **state)
{
	const char *rows = "<Employments>"
	                   "<Employment><Employer>A</Employer><Insurance>PENSION</Insurance>"
	                   "<MonthlyBase>1.00</MonthlyBase><State>ACTIVE</State></Employment>"
	                   "<Employment><Employer>B</Employer><Insurance>PENSION</Insurance>"
	                   "<MonthlyBase>99999999999999999999.00</MonthlyBase>"
	                   "<State>ACTIVE</State></Employment></Employments>";
	struct ck_outcome out;
	ck_outcome_init(&out);
	answer_result(*state, "q-000001-si-r0", "FOUND", ASKED_ID, rows, MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	assert_non_null(strstr(out.detail, "Employment 2 MonthlyBase"));

	/* The schema already refuses months that do not exist; so does the
	 * adapter (ck_month_parse) if a schema ever lets one through. */
	char *month13 = ck_test_read_file(ANSWERS "/bad-result-month.xml", NULL);
	struct ck_query_input in = poll_query();
	answer(*state, &in, 200, month13, MAX_RECS, &out);
	assert_failed(&out, "MALFORMED");
	free(month13);
	ck_outcome_release(&out);
}

/* common.md "Limits": employments are the primary records; the pension does
 * not count. */
static void
too_many_records(void **state)
{
	char *emp = employments(3);
	struct ck_buf rest = {0};
	ck_buf_puts(&rest, emp);
	ck_buf_puts(&rest, "<Pension><Monthly>10</Monthly></Pension>");
	struct ck_outcome out;
	ck_outcome_init(&out);
	answer_result(*state, "q-000001-si-r0", "FOUND", ASKED_ID, rest.data, 2, &out);
	assert_failed(&out, "TOO_MANY_RECORDS");
	assert_int_equal(
	    answer_result(*state, "q-000001-si-r0", "FOUND", ASKED_ID, rest.data, 3, &out),
	    CK_OUTCOME_FOUND);
	assert_int_equal(out.n_leads, 4);
	assert_int_equal(out.leads[2].amount, 100250);
	assert_int_equal(out.leads[3].kind, CK_LEAD_PENSION);
	answer_result(*state, "q-000001-si-r0", "SUBJECT_MISMATCH", ASKED_ID, rest.data, 2, &out);
	assert_failed(&out, "TOO_MANY_RECORDS");
	ck_buf_release(&rest);
	free(emp);
	ck_outcome_release(&out);
}

/* The table: what the scheduler relies on. */
static void
the_table(void **state)
{
	(void)state;
	assert_int_equal(si->version, CK_ADAPTER_VERSION);
	assert_int_equal(si->kind, CK_KIND_SOCIALSEC);
	assert_string_equal(si->name, ck_kind_name(CK_KIND_SOCIALSEC));
	assert_int_equal(si->caps, CK_CAP_ASYNC | CK_CAP_PERSONS_ONLY);
	assert_non_null(si->build_submit);
	assert_non_null(si->build_poll);
	assert_null(si->build_next_page);
	assert_non_null(si->interpret);
	assert_null(si->release_state);
	assert_true(si->state_size > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(submit_builds_the_spec_inquiry),
	    cmocka_unit_test(submit_escapes_values),
	    cmocka_unit_test(submit_refuses_organisations_and_gaps),
	    cmocka_unit_test(poll_gets_the_escaped_ticket),
	    cmocka_unit_test(dot_tickets_are_refused),
	    cmocka_unit_test(spec_examples),
	    cmocka_unit_test(recorded_answers),
	    cmocka_unit_test(default_namespace_pension_and_states),
	    cmocka_unit_test(empty_optionals_are_absent),
	    cmocka_unit_test(extras_prefixes_and_bom),
	    cmocka_unit_test(wrong_subject),
	    cmocka_unit_test(another_request_id),
	    cmocka_unit_test(pending_for_another_ticket),
	    cmocka_unit_test(not_found_and_found_agree_with_records),
	    cmocka_unit_test(subject_mismatch),
	    cmocka_unit_test(not_found_status_on_poll_and_submit),
	    cmocka_unit_test(error_statuses),
	    cmocka_unit_test(hostile_and_broken_bodies),
	    cmocka_unit_test(values_beyond_range),
	    cmocka_unit_test(too_many_records),
	    cmocka_unit_test(the_table),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
