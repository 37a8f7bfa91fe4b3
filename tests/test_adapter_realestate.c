/* SPDX-License-Identifier: MIT */
/*
 * test_adapter_realestate.c: the real-estate adapter (spec realestate.md)
 * without a server: the request it builds validates against
 * realestate-request and carries the query's values; the spec's example
 * answer reads to exact records; every recorded answer under
 * testdata/answers/realestate reads as its name says; and variants: the
 * echoed subject and RequestId, each result status, each HTTP status,
 * unknown elements, prefixes, a byte order mark, hostile documents, the
 * record limit, shares, areas and the seizure queue.
 */
#include "testutil.h"
#include "chakong/adapter.h"
#include "chakong/buf.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <dirent.h>
#include <string.h>

extern const struct ck_adapter ck_adapter_realestate;

#define RID     "q-000001-bdc-taixing-r0"
#define PERSON  "320102198001011238"
#define ORG     "91321283MA1MX8K2PW"
#define ANSWERS CK_TESTDATA_DIR "/answers/realestate/"

static struct ck_xsd_set *xsd;

static int
setup(void **state)
{
	(void)state;
	return ck_xsd_set_new(&xsd, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	ck_xsd_set_free(xsd);
	return 0;
}

static struct ck_query_input
query(const char *request_id, enum ck_subject_kind kind, const char *name, const char *id)
{
	struct ck_query_input in = {
	    .request_id = request_id,
	    .case_no = "(2024)苏1283执1234号",
	    .court_code = "苏1283",
	    .court_name = "泰兴市人民法院",
	    .officer = "李四",
	    .subject_kind = kind,
	    .subject_name = name,
	    .subject_id = id,
	    .now = 1709602200, /* 2024-03-05T01:30:00Z */
	};
	return in;
}

/* Interprets one response; *out is initialised here and released by the
 * caller. */
static void
interpret_with(const struct ck_query_input *in, int status, const char *retry_after,
               const char *body, size_t len, size_t max_records, struct ck_outcome *out)
{
	struct ck_adapter_env env = {.xsd = xsd, .max_records = max_records, .max_body = 1 << 20};
	struct ck_http_response r = {
	    .status = status, .retry_after = retry_after, .body = body, .body_len = len};
	ck_outcome_init(out);
	assert_int_equal(ck_adapter_realestate.interpret(in, NULL, &r, &env, out), CK_OK);
}

static void
interpret(const char *body, struct ck_outcome *out)
{
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	interpret_with(&in, 200, NULL, body, strlen(body), 10000, out);
}

static void
interpret_file(const char *path, const struct ck_query_input *in, int status,
               struct ck_outcome *out)
{
	size_t len;
	char *body = ck_test_read_file(path, &len);
	interpret_with(in, status, NULL, body, len, 10000, out);
	free(body);
}

/* A UTF-8 answer around `units` (BDC elements). */
static char *
answer(const char *request_id, const char *status, const char *id, const char *units)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b,
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<CXJG><CXQQDH>%s</CXQQDH><JGZT>%s</JGZT><DJJG>泰兴市不动产登记中心</DJJG>"
	              "<QLR><QLRMC>张三</QLRMC><ZJH>%s</ZJH></QLR><BDCLIST>%s</BDCLIST></CXJG>",
	              request_id, status, id, units);
	char *text = ck_buf_detach(&b, NULL);
	assert_non_null(text);
	return text;
}

#define UNIT "<BDC><BDCDYH>321283001002GB00002F00020003</BDCDYH><ZL>泰兴市某路6号</ZL></BDC>"

static int64_t
day(int y, int m, int d)
{
	return ck_days_from_civil(y, m, d);
}

static int
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;
		if (n == 0)
			return 0;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += n;
	}
	return 1;
}

/* ---- Requests ----------------------------------------------------------- */

static const char *
header(const struct ck_http_request *rq, const char *name)
{
	for (size_t i = 0; i < rq->n_headers; i++)
		if (strcmp(rq->headers[i].name, name) == 0)
			return rq->headers[i].value;
	return NULL;
}

/* Builds the request for in, validates it against realestate-request and
 * checks every element's value. */
static void
check_request(const struct ck_query_input *in, const char *id_type, const char *id)
{
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_adapter_realestate.build_submit(in, NULL, &rq, err), CK_OK);
	assert_string_equal(rq.method, "POST");
	assert_string_equal(rq.path, "/bdc/cx");
	assert_string_equal(header(&rq, "Content-Type"), "application/xml; charset=utf-8");
	assert_string_equal(header(&rq, "X-Request-Id"), in->request_id);
	assert_int_equal(rq.body_len, strlen(rq.body));

	xmlDoc *doc = NULL;
	assert_int_equal(ck_xml_parse(rq.body, rq.body_len, NULL, &doc, err), CK_OK);
	if (ck_xsd_validate(xsd, "realestate-request", doc, err) != CK_OK)
		fail_msg("%s\n%s", err, rq.body);
	xmlNode *root = xmlDocGetRootElement(doc);
	const char *names[] = {"CXQQDH", "FYDM", "FYMC", "AH", "CBR", "QLRMC", "ZJLX", "ZJH"};
	const char *values[] = {in->request_id, in->court_code,   in->court_name, in->case_no,
	                        in->officer,    in->subject_name, id_type,        id};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *text = ck_xml_child_text(root, NULL, names[i]);
		assert_non_null(text);
		assert_string_equal(text, values[i]);
		free(text);
	}
	xmlFreeDoc(doc);
	ck_http_request_release(&rq);
}

static void
requests_validate_and_carry_the_query(void **state)
{
	(void)state;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	check_request(&in, "1", PERSON);
	in = query("q-000001-bdc-taixing-r1", CK_SUBJECT_ORG, "泰兴市某某贸易有限公司", ORG);
	check_request(&in, "2", ORG);
	/* Values are escaped; a lower-case x goes out upper case. */
	in = query(RID, CK_SUBJECT_PERSON, "A&B <\"张\">'", "11010519491231002x");
	in.officer = "王&五";
	check_request(&in, "1", "11010519491231002X");
}

static void
requests_refuse_missing_values(void **state)
{
	(void)state;
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "";
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	in.officer = NULL;
	assert_int_equal(ck_adapter_realestate.build_submit(&in, NULL, &rq, err), CK_E_USAGE);
	assert_non_null(strstr(err, "CBR"));
	in = query(RID, CK_SUBJECT_PERSON, " ", PERSON);
	assert_int_equal(ck_adapter_realestate.build_submit(&in, NULL, &rq, NULL), CK_E_USAGE);
	in = query(RID, (enum ck_subject_kind)0, "张三", PERSON);
	assert_int_equal(ck_adapter_realestate.build_submit(&in, NULL, &rq, NULL), CK_E_USAGE);
	in = query(RID, CK_SUBJECT_PERSON, "张三", "32010219800101123");
	assert_int_equal(ck_adapter_realestate.build_submit(&in, NULL, &rq, NULL), CK_E_USAGE);
}

static void
the_table_is_complete(void **state)
{
	(void)state;
	const struct ck_adapter *a = &ck_adapter_realestate;
	assert_int_equal(a->version, CK_ADAPTER_VERSION);
	assert_int_equal(a->kind, CK_KIND_REALESTATE);
	assert_string_equal(a->name, ck_kind_name(CK_KIND_REALESTATE));
	assert_int_equal(a->caps, 0);
	assert_non_null(a->build_submit);
	assert_non_null(a->interpret);
	assert_null(a->build_poll);
	assert_null(a->build_next_page);
}

/* ---- The spec's example ------------------------------------------------- */

static const char first_detail[] =
    "{\"certificate\":\"苏(2019)泰兴市不动产权第0001234号\","
    "\"location\":\"泰兴市济川街道某路18号3幢1201室\",\"area\":12856,"
    "\"ownership\":\"按份共有\",\"share\":\"50%\",\"share_stated\":true,"
    "\"share_meaning\":\"as_written\",\"registered_on\":\"2019-06-30\","
    "\"mortgaged_flag\":true,\"seized_flag\":true}";

static const char second_detail[] =
    "{\"certificate\":\"苏(2021)泰兴市不动产权第0009876号\","
    "\"location\":\"泰兴市黄桥镇某街6号车库B-12\",\"area\":1420,"
    "\"ownership\":\"单独所有\",\"share\":null,\"share_stated\":false,"
    "\"share_meaning\":\"whole\",\"registered_on\":\"2021-02-01\","
    "\"mortgaged_flag\":false,\"seized_flag\":false}";

/* The example's records, whichever file (and encoding) carried them. */
static void
check_example(const struct ck_outcome *out)
{
	assert_int_equal(out->type, CK_OUTCOME_FOUND);
	assert_string_equal(out->institution_name, "泰兴市不动产登记中心");
	assert_null(out->registered_name);
	assert_int_equal(out->n_leads, 0);
	assert_int_equal(out->n_assets, 2);

	const struct ck_asset *a = &out->assets[0];
	assert_int_equal(a->kind, CK_ASSET_REALESTATE);
	assert_string_equal(a->ref, "321283001001GB00001F00010001");
	assert_string_equal(a->subtype, "住宅");
	assert_string_equal(a->currency, "");
	assert_false(a->has_book);
	assert_false(a->has_available);
	assert_int_equal(a->enforceable, 0);
	assert_false(a->liability);
	assert_null(a->status);
	assert_string_equal(a->detail, first_detail);
	assert_int_equal(a->n_encumbrances, 2);

	const struct ck_encumbrance *m = &a->encumbrances[0];
	assert_int_equal(m->kind, CK_ENC_MORTGAGE);
	assert_string_equal(m->authority, "中国建设银行泰兴支行");
	assert_null(m->ref);
	assert_int_equal(m->seq, 0);
	assert_true(m->has_amount);
	assert_int_equal(m->amount, 80000000);
	assert_string_equal(m->currency, "CNY");
	assert_int_equal(m->starts_on, day(2019, 6, 30));
	assert_int_equal(m->ends_on, day(2049, 6, 29));
	assert_string_equal(m->detail, "{}");

	const struct ck_encumbrance *s = &a->encumbrances[1];
	assert_int_equal(s->kind, CK_ENC_SEIZURE);
	assert_string_equal(s->authority, "靖江市人民法院");
	assert_string_equal(s->ref, "(2023)苏1282执555号");
	assert_int_equal(s->seq, 1);
	assert_false(s->has_amount);
	assert_string_equal(s->currency, "");
	assert_int_equal(s->starts_on, day(2023, 5, 1));
	assert_int_equal(s->ends_on, day(2026, 4, 30));
	assert_string_equal(s->detail, "{\"type\":\"查封\",\"queued\":false}");

	a = &out->assets[1];
	assert_int_equal(a->kind, CK_ASSET_REALESTATE);
	assert_string_equal(a->ref, "321283001002GB00002F00020003");
	assert_string_equal(a->subtype, "车库");
	assert_string_equal(a->currency, "");
	assert_int_equal(a->enforceable, 0);
	assert_string_equal(a->detail, second_detail);
	assert_int_equal(a->n_encumbrances, 0);
}

static void
spec_example_reads_to_exact_records(void **state)
{
	(void)state;
	struct ck_outcome out;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	interpret_file(CK_SPEC_EXAMPLES "/realestate-response.xml", &in, 200, &out);
	check_example(&out);
	ck_outcome_release(&out);
	/* The same answer in UTF-8, and after a byte order mark. */
	interpret_file(ANSWERS "good-response-utf8.xml", &in, 200, &out);
	check_example(&out);
	ck_outcome_release(&out);
	interpret_file(ANSWERS "good-response-bom.xml", &in, 200, &out);
	check_example(&out);
	ck_outcome_release(&out);
}

/* ---- Recorded answers --------------------------------------------------- */

struct recorded {
	const char *file;
	const char *request_id;
	const char *subject_id;
	int status; /* HTTP status it is sent with */
	enum ck_outcome_type type;
	const char *reason; /* for FAILED */
};

static const struct recorded recorded[] = {
    {"good-response.xml", RID, PERSON, 200, CK_OUTCOME_FOUND, NULL},
    {"good-response-area-unit.xml", RID, PERSON, 200, CK_OUTCOME_FOUND, NULL},
    {"good-response-bom.xml", RID, PERSON, 200, CK_OUTCOME_FOUND, NULL},
    {"good-response-empty-optional.xml", RID, PERSON, 200, CK_OUTCOME_FOUND, NULL},
    {"good-response-extra.xml", RID, PERSON, 200, CK_OUTCOME_FOUND, NULL},
    {"good-response-notfound-empty-list.xml", "q-000003-bdc-taixing-r0", ORG, 200,
     CK_OUTCOME_NOT_FOUND, NULL},
    {"good-response-notfound.xml", "q-000002-bdc-taixing-r0", PERSON, 200, CK_OUTCOME_NOT_FOUND,
     NULL},
    {"good-response-reordered.xml", RID, PERSON, 200, CK_OUTCOME_MISMATCH, NULL},
    {"good-response-small-gb18030.xml", RID, PERSON, 200, CK_OUTCOME_FOUND, NULL},
    {"good-response-utf8.xml", RID, PERSON, 200, CK_OUTCOME_FOUND, NULL},
    /* Error bodies come with a 4xx status; a bad one only loses the text. */
    {"good-error.xml", RID, PERSON, 400, CK_OUTCOME_FAILED, "BAD_REQUEST"},
    {"good-error-utf8-reordered.xml", RID, PERSON, 400, CK_OUTCOME_FAILED, "BAD_REQUEST"},
    {"bad-error-namespaced.xml", RID, PERSON, 400, CK_OUTCOME_FAILED, "BAD_REQUEST"},
    {"bad-error-no-code.xml", RID, PERSON, 400, CK_OUTCOME_FAILED, "BAD_REQUEST"},
};

static const struct recorded *
find_recorded(const char *file)
{
	for (size_t i = 0; i < sizeof recorded / sizeof recorded[0]; i++)
		if (strcmp(recorded[i].file, file) == 0)
			return &recorded[i];
	return NULL;
}

static void
check_recorded(const char *file, const struct recorded *want)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", ANSWERS, file);
	struct ck_query_input in =
	    query(want->request_id, CK_SUBJECT_PERSON, "张三", want->subject_id);
	struct ck_outcome out;
	interpret_file(path, &in, want->status, &out);
	if (out.type != want->type || (want->reason && strcmp(out.reason, want->reason) != 0))
		fail_msg("%s: %s %s (%s)", file, ck_outcome_type_name(out.type), out.reason,
		         out.detail);
	if (out.type != CK_OUTCOME_FOUND)
		assert_int_equal(out.n_assets, 0);
	assert_true(valid_utf8(out.detail));
	ck_outcome_release(&out);
}

/* Every good answer reads as recorded above; every bad answer is
 * MALFORMED.  A file the table does not know fails, so none goes
 * unchecked. */
static void
recorded_answers_read_as_named(void **state)
{
	(void)state;
	static const struct recorded bad = {NULL, RID, PERSON, 200, CK_OUTCOME_FAILED, "MALFORMED"};
	DIR *dir = opendir(ANSWERS);
	assert_non_null(dir);
	int good = 0, malformed = 0;
	for (struct dirent *e; (e = readdir(dir)) != NULL;) {
		const char *name = e->d_name;
		if (strstr(name, ".xml") == NULL || strncmp(name, "bad-request", 11) == 0 ||
		    strncmp(name, "good-request", 12) == 0)
			continue; /* requests: see requests_validate_and_carry_the_query */
		const struct recorded *want = find_recorded(name);
		if (want == NULL && strncmp(name, "bad-response", 12) == 0)
			want = &bad;
		if (want == NULL)
			fail_msg("%s: not in the table of recorded answers", name);
		check_recorded(name, want);
		if (want == &bad)
			malformed++;
		else
			good++;
	}
	closedir(dir);
	assert_int_equal(good, sizeof recorded / sizeof recorded[0]);
	assert_true(malformed >= 20);
}

static void
error_bodies_give_their_text(void **state)
{
	(void)state;
	struct ck_outcome out;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	interpret_file(ANSWERS "good-error.xml", &in, 400, &out);
	assert_string_equal(out.reason, "BAD_REQUEST");
	assert_non_null(strstr(out.detail, "MISSING_FIELD: 缺少承办人"));
	ck_outcome_release(&out);
	interpret_file(ANSWERS "good-error.xml", &in, 409, &out);
	assert_string_equal(out.reason, "REQUEST_ID_REUSED");
	assert_non_null(strstr(out.detail, "MISSING_FIELD"));
	ck_outcome_release(&out);
	interpret_file(ANSWERS "bad-error-namespaced.xml", &in, 400, &out);
	assert_string_equal(out.detail, "HTTP 400");
	ck_outcome_release(&out);
	const char *org = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	                  "<Error><Code>ORG_NOT_APPLICABLE</Code></Error>";
	interpret_with(&in, 400, NULL, org, strlen(org), 10000, &out);
	assert_string_equal(out.reason, "NOT_APPLICABLE");
	ck_outcome_release(&out);
}

static void
a_long_message_is_cut_between_characters(void **state)
{
	(void)state;
	struct ck_buf b = {0};
	ck_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>X</Code><Message>");
	for (int i = 0; i < 200; i++)
		ck_buf_puts(&b, "缺");
	ck_buf_puts(&b, "</Message></Error>");
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	for (int shift = 0; shift < 3; shift++) {
		/* Move the cut across each byte of a character. */
		struct ck_buf body = {0};
		ck_buf_puts(&body, b.data);
		char *p = strstr(body.data, "<Code>X");
		memmove(p + 6 + shift, p + 6, strlen(p + 6) + 1);
		memset(p + 6, 'X', (size_t)shift);
		struct ck_outcome out;
		interpret_with(&in, 400, NULL, body.data, strlen(body.data), 10000, &out);
		assert_int_equal(out.type, CK_OUTCOME_FAILED);
		assert_true(valid_utf8(out.detail));
		assert_true(strlen(out.detail) > CK_DETAIL_BUF - 5);
		ck_outcome_release(&out);
		ck_buf_release(&body);
	}
	ck_buf_release(&b);
}

/* ---- Variants ----------------------------------------------------------- */

static void
another_subject_echoed_is_wrong_subject(void **state)
{
	(void)state;
	struct ck_outcome out;
	char *body = answer(RID, "FOUND", "110105194912310021", UNIT);
	interpret(body, &out);
	assert_int_equal(out.type, CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "WRONG_SUBJECT");
	assert_int_equal(out.n_assets, 0);
	assert_null(strstr(out.detail, "1101"));
	assert_null(strstr(out.detail, "3201"));
	ck_outcome_release(&out);
	free(body);
	/* NOT_FOUND and SUBJECT_MISMATCH answers echo the subject too. */
	body = answer(RID, "NOT_FOUND", "110105194912310021", "");
	interpret(body, &out);
	assert_string_equal(out.reason, "WRONG_SUBJECT");
	ck_outcome_release(&out);
	free(body);
	body = answer(RID, "SUBJECT_MISMATCH", "110105194912310021", UNIT);
	interpret(body, &out);
	assert_string_equal(out.reason, "WRONG_SUBJECT");
	ck_outcome_release(&out);
	free(body);
}

static void
subject_compares_after_normalisation(void **state)
{
	(void)state;
	struct ck_outcome out;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", "11010519491231002X");
	char *body = answer(RID, "FOUND", " 11010519491231002x ", UNIT);
	interpret_with(&in, 200, NULL, body, strlen(body), 10000, &out);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	ck_outcome_release(&out);
	free(body);
}

static void
another_request_id_is_malformed(void **state)
{
	(void)state;
	struct ck_outcome out;
	char *body = answer("q-000009-bdc-taixing-r0", "FOUND", PERSON, UNIT);
	interpret(body, &out);
	assert_int_equal(out.type, CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "MALFORMED");
	assert_string_equal(out.detail, "answer to another RequestId");
	assert_int_equal(out.n_assets, 0);
	ck_outcome_release(&out);
	free(body);
}

static void
not_found_is_an_answer(void **state)
{
	(void)state;
	struct ck_outcome out;
	struct ck_query_input in =
	    query("q-000002-bdc-taixing-r0", CK_SUBJECT_PERSON, "张三", PERSON);
	interpret_file(ANSWERS "good-response-notfound.xml", &in, 200, &out);
	assert_int_equal(out.type, CK_OUTCOME_NOT_FOUND);
	assert_int_equal(out.n_assets, 0);
	assert_string_equal(out.institution_name, "泰兴市不动产登记中心");
	ck_outcome_release(&out);
	/* A status the units contradict is malformed, either way. */
	char *body = answer(RID, "NOT_FOUND", PERSON, UNIT);
	interpret(body, &out);
	assert_string_equal(out.reason, "MALFORMED");
	assert_int_equal(out.n_assets, 0);
	ck_outcome_release(&out);
	free(body);
	body = answer(RID, "FOUND", PERSON, "");
	interpret(body, &out);
	assert_string_equal(out.reason, "MALFORMED");
	ck_outcome_release(&out);
	free(body);
}

static void
subject_mismatch_names_the_registered_subject(void **state)
{
	(void)state;
	struct ck_outcome out;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	interpret_file(ANSWERS "good-response-reordered.xml", &in, 200, &out);
	assert_int_equal(out.type, CK_OUTCOME_MISMATCH);
	assert_string_equal(out.registered_name, "张叁");
	assert_int_equal(out.n_assets, 0); /* kept with the raw answer only */
	assert_int_equal(out.n_leads, 0);
	ck_outcome_release(&out);
}

static void
http_statuses_mean_what_common_md_says(void **state)
{
	(void)state;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	struct ck_outcome out;
	static const struct {
		int status;
		const char *retry_after;
		enum ck_outcome_type type;
		const char *reason;
		int retry_after_s;
	} cases[] = {
	    {400, NULL, CK_OUTCOME_FAILED, "BAD_REQUEST", -1},
	    {401, NULL, CK_OUTCOME_CREDENTIALS, "CREDENTIALS", -1},
	    {403, NULL, CK_OUTCOME_CREDENTIALS, "CREDENTIALS", -1},
	    {404, NULL, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS", -1},
	    {202, NULL, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS", -1},
	    {409, NULL, CK_OUTCOME_FAILED, "REQUEST_ID_REUSED", -1},
	    {418, NULL, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS", -1},
	    {429, "30", CK_OUTCOME_RETRY, "HTTP_429", 30},
	    {429, NULL, CK_OUTCOME_RETRY, "HTTP_429", -1},
	    {500, NULL, CK_OUTCOME_RETRY, "HTTP_500", -1},
	    {502, NULL, CK_OUTCOME_RETRY, "HTTP_502", -1},
	    {503, "Tue, 05 Mar 2024 01:32:00 GMT", CK_OUTCOME_RETRY, "HTTP_503", 120},
	    {504, "soon", CK_OUTCOME_RETRY, "HTTP_504", -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		interpret_with(&in, cases[i].status, cases[i].retry_after, "", 0, 10000, &out);
		assert_int_equal(out.type, cases[i].type);
		assert_string_equal(out.reason, cases[i].reason);
		assert_int_equal(out.retry_after_s, cases[i].retry_after_s);
		ck_outcome_release(&out);
	}
}

static void
unknown_elements_and_prefixes_are_ignored(void **state)
{
	(void)state;
	struct ck_outcome out;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	interpret_file(ANSWERS "good-response-extra.xml", &in, 200, &out);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	assert_int_equal(out.n_assets, 1);
	/* x:Geo held its own JZMJ: pruned with it, never read. */
	assert_non_null(strstr(out.assets[0].detail, "\"area\":12856"));
	assert_null(out.assets[0].subtype);
	ck_outcome_release(&out);

	char *body = answer(RID, "FOUND", PERSON,
	                    "<BDC xmlns:a=\"urn:other\" a:id=\"7\"><a:BDCDYH>other</a:BDCDYH>"
	                    "<BDCDYH>U-1</BDCDYH><ZL>某路</ZL><NEW>n</NEW>"
	                    "<a:JZMJ>not an area</a:JZMJ><JZMJ>90</JZMJ></BDC>");
	interpret(body, &out);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	assert_string_equal(out.assets[0].ref, "U-1");
	assert_non_null(strstr(out.assets[0].detail, "\"area\":9000"));
	ck_outcome_release(&out);
	free(body);

	/* The answer's own names in a namespace are not its names. */
	interpret_file(ANSWERS "bad-response-namespaced.xml", &in, 200, &out);
	assert_string_equal(out.reason, "MALFORMED");
	ck_outcome_release(&out);
}

static void
hostile_documents_are_refused(void **state)
{
	(void)state;
	struct ck_outcome out;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	interpret_file(CK_SPEC_EXAMPLES "/hostile-xxe.xml", &in, 200, &out);
	assert_int_equal(out.type, CK_OUTCOME_HOSTILE);
	assert_string_equal(out.reason, "HOSTILE");
	ck_outcome_release(&out);
	const char *files[] = {"billion-laughs.xml", "doctype-after-bad-declaration.xml",
	                       "doctype-and-malformed.xml", "entity-in-attribute.xml",
	                       "undeclared-entity.xml"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/hostile/%s", CK_TESTDATA_DIR, files[i]);
		interpret_file(path, &in, 200, &out);
		assert_int_equal(out.type, CK_OUTCOME_HOSTILE);
		ck_outcome_release(&out);
	}
	const char *doctype = "<?xml version=\"1.0\" encoding=\"GB18030\"?>\n"
	                      "<!DOCTYPE CXJG [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	                      "<CXJG><CXQQDH>&x;</CXQQDH></CXJG>";
	interpret(doctype, &out);
	assert_int_equal(out.type, CK_OUTCOME_HOSTILE);
	ck_outcome_release(&out);
}

static void
unreadable_answers_are_malformed(void **state)
{
	(void)state;
	struct ck_outcome out;
	const char *bodies[] = {
	    "",
	    "not xml",
	    "<?xml version=\"1.0\" encoding=\"GB18030\"?><CXJG><CXQQDH>\x81</CXQQDH></CXJG>",
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>X</Code></Error>",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		interpret(bodies[i], &out);
		assert_int_equal(out.type, CK_OUTCOME_FAILED);
		assert_string_equal(out.reason, "MALFORMED");
		ck_outcome_release(&out);
	}
}

static void
too_many_units_are_implausible(void **state)
{
	(void)state;
	struct ck_outcome out;
	struct ck_query_input in = query(RID, CK_SUBJECT_PERSON, "张三", PERSON);
	size_t len;
	char *body = ck_test_read_file(CK_SPEC_EXAMPLES "/realestate-response.xml", &len);
	interpret_with(&in, 200, NULL, body, len, 1, &out);
	assert_int_equal(out.type, CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "TOO_MANY_RECORDS");
	assert_int_equal(out.n_assets, 0);
	ck_outcome_release(&out);
	interpret_with(&in, 200, NULL, body, len, 2, &out);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	ck_outcome_release(&out);
	free(body);
}

static void
shares_say_what_the_answer_says(void **state)
{
	(void)state;
	struct ck_outcome out;
	char *body = answer(
	    RID, "FOUND", PERSON,
	    "<BDC><BDCDYH>U1</BDCDYH><ZL>z</ZL><GYFS>共同共有</GYFS><JZMJ>90 平方米</JZMJ></BDC>"
	    "<BDC><BDCDYH>U2</BDCDYH><ZL>z</ZL><GYFS>按份共有</GYFS><QLBL> 1/3 </QLBL>"
	    "<JZMJ>0.5㎡</JZMJ></BDC>"
	    "<BDC><BDCDYH>U3</BDCDYH><ZL>z</ZL><GYFS>按份共有</GYFS><QLBL></QLBL></BDC>"
	    "<BDC><BDCDYH>U4</BDCDYH><ZL>z</ZL><QLBL>全部</QLBL><JZMJ>1234567.8</JZMJ></BDC>");
	interpret(body, &out);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	assert_int_equal(out.n_assets, 4);
	assert_string_equal(out.assets[0].detail,
	                    "{\"certificate\":null,\"location\":\"z\",\"area\":9000,"
	                    "\"ownership\":\"共同共有\",\"share\":null,\"share_stated\":false,"
	                    "\"share_meaning\":\"not_stated\",\"registered_on\":null,"
	                    "\"mortgaged_flag\":null,\"seized_flag\":null}");
	assert_non_null(strstr(out.assets[1].detail, "\"area\":50,"));
	assert_non_null(strstr(out.assets[1].detail, "\"share\":\"1/3\",\"share_stated\":true,"
	                                             "\"share_meaning\":\"as_written\""));
	assert_non_null(strstr(out.assets[2].detail, "\"area\":null,"));
	assert_non_null(strstr(out.assets[2].detail, "\"share\":null,\"share_stated\":false,"
	                                             "\"share_meaning\":\"not_stated\""));
	assert_non_null(strstr(out.assets[3].detail, "\"area\":123456780,\"ownership\":null,"
	                                             "\"share\":\"全部\""));
	ck_outcome_release(&out);
	free(body);
}

static void
seizures_keep_their_queue(void **state)
{
	(void)state;
	struct ck_outcome out;
	/* The flags say nothing; the lists are authoritative. */
	char *body = answer(
	    RID, "FOUND", PERSON,
	    "<BDC><BDCDYH>U1</BDCDYH><ZL>z</ZL><DYZT>0</DYZT><CFZT>0</CFZT>"
	    "<DYXX><DY><DYQR>银行甲</DYQR></DY><DY><DYQR>银行乙</DYQR><BDBZZQSE>-3.5</BDBZZQSE>"
	    "</DY></DYXX>"
	    "<CFXX><CF><CFJG>法院甲</CFJG><CFLX>查封</CFLX><LHSX>1</LHSX></CF>"
	    "<CF><CFLX>轮候查封</CFLX><CFJG>法院乙</CFJG><LHSX>2</LHSX><CFWH></CFWH>"
	    "<CFJSSJ>2027-01-31</CFJSSJ></CF>"
	    "<CF><CFJG>法院丙</CFJG><CFLX>轮候查封</CFLX></CF></CFXX></BDC>");
	interpret(body, &out);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	const struct ck_asset *a = &out.assets[0];
	assert_non_null(strstr(a->detail, "\"mortgaged_flag\":false,\"seized_flag\":false"));
	assert_int_equal(a->n_encumbrances, 5);
	assert_int_equal(a->encumbrances[0].kind, CK_ENC_MORTGAGE);
	assert_false(a->encumbrances[0].has_amount);
	assert_string_equal(a->encumbrances[0].currency, "");
	assert_int_equal(a->encumbrances[0].starts_on, CK_NO_DATE);
	assert_int_equal(a->encumbrances[1].amount, -350);
	assert_string_equal(a->encumbrances[1].authority, "银行乙");
	const struct ck_encumbrance *s = &a->encumbrances[2];
	assert_int_equal(s->kind, CK_ENC_SEIZURE);
	assert_string_equal(s->authority, "法院甲");
	assert_int_equal(s->seq, 1);
	assert_string_equal(s->detail, "{\"type\":\"查封\",\"queued\":false}");
	s = &a->encumbrances[3];
	assert_string_equal(s->authority, "法院乙");
	assert_null(s->ref);
	assert_int_equal(s->seq, 2);
	assert_int_equal(s->starts_on, CK_NO_DATE);
	assert_int_equal(s->ends_on, day(2027, 1, 31));
	assert_string_equal(s->detail, "{\"type\":\"轮候查封\",\"queued\":true}");
	assert_int_equal(a->encumbrances[4].seq, 0);
	ck_outcome_release(&out);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(requests_validate_and_carry_the_query),
	    cmocka_unit_test(requests_refuse_missing_values),
	    cmocka_unit_test(the_table_is_complete),
	    cmocka_unit_test(spec_example_reads_to_exact_records),
	    cmocka_unit_test(recorded_answers_read_as_named),
	    cmocka_unit_test(error_bodies_give_their_text),
	    cmocka_unit_test(a_long_message_is_cut_between_characters),
	    cmocka_unit_test(another_subject_echoed_is_wrong_subject),
	    cmocka_unit_test(subject_compares_after_normalisation),
	    cmocka_unit_test(another_request_id_is_malformed),
	    cmocka_unit_test(not_found_is_an_answer),
	    cmocka_unit_test(subject_mismatch_names_the_registered_subject),
	    cmocka_unit_test(http_statuses_mean_what_common_md_says),
	    cmocka_unit_test(unknown_elements_and_prefixes_are_ignored),
	    cmocka_unit_test(hostile_documents_are_refused),
	    cmocka_unit_test(unreadable_answers_are_malformed),
	    cmocka_unit_test(too_many_units_are_implausible),
	    cmocka_unit_test(shares_say_what_the_answer_says),
	    cmocka_unit_test(seizures_keep_their_queue),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
