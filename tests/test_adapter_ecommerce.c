/* SPDX-License-Identifier: MIT */
/*
 * test_adapter_ecommerce.c: the e-commerce adapter
 * (adapters/ecommerce/ecommerce.c) against spec/ecommerce.md: page
 * requests (the first with an empty Cursor, the next with the cursor sent
 * back exactly), the spec's two pages read as one answer, what a new freeze
 * can reach of a wallet and its fund, leads, and the rules that make a
 * paginated answer malformed: pages that disagree on Status or Subject, a
 * skipped page, too many records over all pages, a NOT_FOUND of more than
 * one bare page.
 */
#include "testutil.h"
#include "common/common.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <string.h>

extern const struct ck_adapter ck_adapter_ecommerce;
static const struct ck_adapter *const ec = &ck_adapter_ecommerce;

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

#define PERSON_ID "320102198001011238"
#define ORG_ID    "91321283MA1MX8K2PW"
#define QUERY     "q-000001-alipay-r0"

static struct ck_query_input
person(void)
{
	struct ck_query_input in = {
	    .request_id = QUERY,
	    .case_no = "(2024)苏1283执1234号",
	    .court_code = "苏1283",
	    .court_name = "泰兴市人民法院",
	    .officer = "李四",
	    .subject_kind = CK_SUBJECT_PERSON,
	    .subject_name = "张三",
	    .subject_id = PERSON_ID,
	    .now = 1709571600,
	    .now_offset_min = 480,
	};
	return in;
}

/* One query: its state, allocated as the core does. */
struct query {
	struct ck_query_input in;
	void *state;
	size_t max_records;
	struct ck_outcome out;
};

static void
query_start(struct query *q)
{
	q->in = person();
	q->state = ck_adapter_state_new(ec);
	assert_non_null(q->state);
	q->max_records = 10000;
	ck_outcome_init(&q->out);
}

static void
query_end(struct query *q)
{
	ck_adapter_state_free(ec, q->state);
	ck_outcome_release(&q->out);
}

/* Interprets one response of the query; returns the outcome's type. */
static enum ck_outcome_type
page_status(struct query *q, int status, const char *body)
{
	struct ck_adapter_env env = {
	    .xsd = xsd, .max_records = q->max_records, .max_body = 1 << 20};
	struct ck_http_response r = {
	    .status = status, .body = body, .body_len = body ? strlen(body) : 0};
	ck_outcome_release(&q->out);
	assert_int_equal(ec->interpret(&q->in, q->state, &r, &env, &q->out), CK_OK);
	return q->out.type;
}

static enum ck_outcome_type
page(struct query *q, const char *body)
{
	return page_status(q, 200, body);
}

static enum ck_outcome_type
page_file(struct query *q, const char *dir, const char *name)
{
	char *path = ck_test_path(dir, name);
	char *text = ck_test_read_file(path, NULL);
	enum ck_outcome_type type = page(q, text);
	free(text);
	free(path);
	return type;
}

/* A page of the spec's shape; next and items may be NULL. */
static char *
page_doc(const char *status, const char *name, int index, int total, const char *next,
         const char *items)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b,
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<JudicialResult xmlns=\"urn:chakong:ec:1\">"
	              "<RequestId>" QUERY "</RequestId><Platform code=\"ALIPAY\">支付宝</Platform>"
	              "<Status>%s</Status><Subject kind=\"PERSON\"><Name>%s</Name>"
	              "<CertNo>" PERSON_ID "</CertNo></Subject>"
	              "<Page index=\"%d\" total=\"%d\"/>",
	              status, name, index, total);
	if (next != NULL)
		ck_buf_printf(&b, "<NextCursor>%s</NextCursor>", next);
	if (items != NULL)
		ck_buf_printf(&b, "<Items>%s</Items>", items);
	ck_buf_puts(&b, "</JudicialResult>");
	assert_false(b.failed);
	return ck_buf_detach(&b, NULL);
}

static enum ck_outcome_type
page_of(struct query *q, const char *status, const char *name, int index, int total,
        const char *next, const char *items)
{
	char *doc = page_doc(status, name, index, total, next, items);
	enum ck_outcome_type type = page(q, doc);
	free(doc);
	return type;
}

#define CARD "<BoundCard><Bank>招商银行</Bank><CardTail>6789</CardTail></BoundCard>"

static const char *
header(const struct ck_http_request *rq, const char *name)
{
	for (size_t i = 0; i < rq->n_headers; i++)
		if (strcmp(rq->headers[i].name, name) == 0)
			return rq->headers[i].value;
	return NULL;
}

/* The request's Cursor as the platform reads it (untrimmed), after
 * checking the request against its schema. */
static char *
sent_cursor(const struct ck_http_request *rq)
{
	xmlDoc *doc = NULL;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_xml_parse(rq->body, rq->body_len, NULL, &doc, err), CK_OK);
	if (ck_xsd_validate(xsd, "ecommerce-request", doc, err) != CK_OK)
		fail_msg("request invalid: %s\n%s", err, rq->body);
	xmlNode *c = ck_xml_first(xmlDocGetRootElement(doc), "urn:chakong:ec:1", "Cursor");
	assert_non_null(c);
	xmlChar *content = xmlNodeGetContent(c);
	char *copy = strdup((const char *)content);
	xmlFree(content);
	xmlFreeDoc(doc);
	return copy;
}

/* ecommerce.md "Request": an empty Cursor first, then the previous page's
 * NextCursor exactly, XML-escaped. */
static void
requests_carry_the_cursor_exactly(void **state)
{
	(void)state;
	struct ck_query_input in = person();
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "";
	void *st = ck_adapter_state_new(ec);
	assert_int_equal(ec->build_submit(&in, st, &rq, err), CK_OK);
	assert_string_equal(rq.method, "POST");
	assert_string_equal(rq.path, "/open/judicial/query");
	assert_string_equal(header(&rq, "X-Request-Id"), QUERY);
	assert_string_equal(header(&rq, "Content-Type"), "application/xml; charset=utf-8");
	char *cursor = sent_cursor(&rq);
	assert_string_equal(cursor, "");
	free(cursor);
	assert_non_null(strstr(rq.body, "<Cursor/>"));
	assert_non_null(strstr(rq.body, "<RequestId>" QUERY "</RequestId>"));
	assert_non_null(strstr(rq.body, "<CaseNo>(2024)苏1283执1234号</CaseNo>"));
	assert_non_null(strstr(rq.body, "<CourtCode>苏1283</CourtCode>"));
	assert_non_null(strstr(rq.body, "<Officer>李四</Officer>"));
	assert_non_null(strstr(rq.body, "<Subject kind=\"PERSON\"><Name>张三</Name>"
	                                "<CertNo>" PERSON_ID "</CertNo></Subject>"));
	ck_http_request_release(&rq);

	/* Every page carries the same RequestId; the cursor tells them apart. */
	static const char *const cursors[] = {"c2", "  a<b>&c\"d'e  ", "x\r\ny\tz", "游标=2"};
	for (size_t i = 0; i < sizeof cursors / sizeof *cursors; i++) {
		in.cursor = cursors[i];
		assert_int_equal(ec->build_next_page(&in, st, &rq, err), CK_OK);
		assert_string_equal(header(&rq, "X-Request-Id"), QUERY);
		cursor = sent_cursor(&rq);
		assert_string_equal(cursor, cursors[i]);
		free(cursor);
		ck_http_request_release(&rq);
	}
	assert_int_equal(ec->build_next_page(&in, st, &rq, err), CK_OK);
	ck_http_request_release(&rq);
	in.cursor = "a\001b";
	assert_int_equal(ec->build_next_page(&in, st, &rq, err), CK_E_INVALID);
	in.cursor = NULL;
	assert_int_equal(ec->build_next_page(&in, st, &rq, err), CK_E_USAGE);

	/* An organisation; a request without the officer is refused. */
	in = person();
	in.subject_kind = CK_SUBJECT_ORG;
	in.subject_id = ORG_ID;
	assert_int_equal(ec->build_submit(&in, st, &rq, err), CK_OK);
	free(sent_cursor(&rq));
	assert_non_null(strstr(rq.body, "<Subject kind=\"ORG\">"));
	ck_http_request_release(&rq);
	in.officer = NULL;
	assert_int_equal(ec->build_submit(&in, st, &rq, err), CK_E_USAGE);
	ck_adapter_state_free(ec, st);
}

/* The spec's two pages: the union is one wallet, one fund, one bound card,
 * one address and one spending record. */
static void
spec_pages_make_one_answer(void **state)
{
	(void)state;
	struct query q;
	query_start(&q);
	assert_int_equal(page_file(&q, CK_SPEC_EXAMPLES, "ecommerce-page1.xml"),
	                 CK_OUTCOME_NEXT_PAGE);
	assert_string_equal(q.out.cursor, "c2");
	assert_int_equal(q.out.n_assets, 0);
	assert_int_equal(q.out.n_leads, 0);
	assert_int_equal(page_file(&q, CK_SPEC_EXAMPLES, "ecommerce-page2.xml"), CK_OUTCOME_FOUND);
	assert_null(q.out.cursor);
	assert_string_equal(q.out.institution_name, "支付宝");
	assert_int_equal(q.out.n_assets, 2);
	assert_int_equal(q.out.n_leads, 3);

	const struct ck_asset *w = &q.out.assets[0];
	assert_int_equal(w->kind, CK_ASSET_WALLET);
	assert_string_equal(w->ref, "2088102122801234");
	assert_string_equal(w->currency, "CNY");
	assert_true(w->has_book);
	assert_int_equal(w->book, 152033);
	assert_int_equal(w->enforceable, 152033);
	assert_false(w->liability);
	assert_non_null(strstr(w->detail, "\"mobile\":\"138****5678\""));
	assert_non_null(strstr(w->detail, "\"frozen\":0"));
	const struct ck_asset *f = &q.out.assets[1];
	assert_int_equal(f->kind, CK_ASSET_FUND);
	assert_string_equal(f->ref, "2088102122801234");
	assert_string_equal(f->currency, "CNY");
	assert_int_equal(f->book, 3021109);
	assert_int_equal(f->enforceable, 3021109);

	const struct ck_lead *l = &q.out.leads[0];
	assert_int_equal(l->kind, CK_LEAD_BOUND_CARD);
	assert_string_equal(l->label, "招商银行");
	assert_string_equal(l->code, "6789");
	l = &q.out.leads[1];
	assert_int_equal(l->kind, CK_LEAD_ADDRESS);
	assert_string_equal(l->label, "江苏省泰州市泰兴市某小区5栋302");
	assert_string_equal(l->detail, "{\"last_used\":\"2024-02-18\"}");
	l = &q.out.leads[2];
	assert_int_equal(l->kind, CK_LEAD_SPENDING);
	assert_string_equal(l->label, "2023-09/2024-02");
	assert_true(l->has_amount);
	assert_int_equal(l->amount, 4821000);
	assert_string_equal(l->currency, "CNY");
	assert_string_equal(l->detail, "{\"flights\":3,\"hotels\":5,\"luxury\":2}");
	query_end(&q);
}

/* Interprets a single last page holding one Account. */
static void
one_account(struct query *q, const char *balance, const char *fund, const char *frozen)
{
	char items[512];
	snprintf(items, sizeof items,
	         "<Account><UserId>U1</UserId><Balance>%s</Balance>%s%s%s<Frozen>%s</Frozen>"
	         "</Account>",
	         balance, fund ? "<FundBalance>" : "", fund ? fund : "",
	         fund ? "</FundBalance>" : "", frozen);
	ck_adapter_state_free(ec, q->state);
	q->state = ck_adapter_state_new(ec);
	page_of(q, "FOUND", "张三", 1, 1, NULL, items);
}

/* ecommerce.md: Frozen is held of Balance and FundBalance together; a new
 * freeze reaches max(Balance + FundBalance - Frozen, 0), wallet first. */
static void
frozen_covers_wallet_and_fund_together(void **state)
{
	(void)state;
	static const struct {
		const char *balance, *fund, *frozen;
		int64_t wallet, fund_enf;
	} cases[] = {
	    {"100", "50", "0", 10000, 5000}, {"100", "50", "30", 7000, 5000},
	    {"100", "50", "120", 0, 3000},   {"100", "50", "150", 0, 0},
	    {"100", "50", "999", 0, 0},      {"0", "50", "20", 0, 3000},
	    {"100", NULL, "30", 7000, -1},   {"100", NULL, "130", 0, -1},
	    {"100", "", "30", 7000, -1}, /* an empty FundBalance is absent */
	};
	struct query q;
	query_start(&q);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		one_account(&q, cases[i].balance, cases[i].fund, cases[i].frozen);
		assert_int_equal(q.out.type, CK_OUTCOME_FOUND);
		assert_int_equal(q.out.n_assets, cases[i].fund_enf < 0 ? 1 : 2);
		assert_int_equal(q.out.assets[0].enforceable, cases[i].wallet);
		if (cases[i].fund_enf >= 0)
			assert_int_equal(q.out.assets[1].enforceable, cases[i].fund_enf);
	}
	/* A negative wallet balance is a liability, and what it lacks comes
	 * off the fund: 50 - 10, as the spec's sum says. */
	one_account(&q, "-10", "50", "0");
	assert_true(q.out.assets[0].liability);
	assert_int_equal(q.out.assets[0].enforceable, 0);
	assert_false(q.out.assets[1].liability);
	assert_int_equal(q.out.assets[1].enforceable, 4000);
	one_account(&q, "-10", "50", "20");
	assert_int_equal(q.out.assets[1].enforceable, 2000);
	/* A negative fund is a liability and takes nothing off the wallet: the
	 * one case where the split (100) departs from the spec's sum (50). */
	one_account(&q, "100", "-50", "0");
	assert_int_equal(q.out.assets[0].enforceable, 10000);
	assert_true(q.out.assets[1].liability);
	assert_int_equal(q.out.assets[1].enforceable, 0);
	/* Extremes saturate instead of overflowing. */
	one_account(&q, "-92233720368547758.08", "92233720368547758.07", "92233720368547758.07");
	assert_int_equal(q.out.type, CK_OUTCOME_FOUND);
	assert_int_equal(q.out.assets[0].enforceable, 0);
	assert_int_equal(q.out.assets[1].enforceable, 0);
	/* Nothing can hold a negative amount. */
	one_account(&q, "100", NULL, "-1");
	assert_int_equal(q.out.type, CK_OUTCOME_FAILED);
	assert_string_equal(q.out.reason, "MALFORMED");
	query_end(&q);
}

static void
assert_failed(struct query *q, const char *reason)
{
	assert_int_equal(q->out.type, CK_OUTCOME_FAILED);
	assert_string_equal(q->out.reason, reason);
	assert_int_equal(q->out.n_assets, 0);
	assert_int_equal(q->out.n_leads, 0);
	assert_null(q->out.cursor);
}

/* ecommerce.md: Status and Subject repeat on every page and must agree;
 * the index rises by one per page; else nothing of the query is kept. */
static void
pages_that_disagree_fail_the_query(void **state)
{
	(void)state;
	struct query q;
	const char *items = "<Account><UserId>U1</UserId><Balance>1</Balance>"
	                    "<Frozen>0</Frozen></Account>";

	/* Status changes on page 2. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 2, "c2", items), CK_OUTCOME_NEXT_PAGE);
	page_of(&q, "SUBJECT_MISMATCH", "张三", 2, 2, NULL, CARD);
	assert_failed(&q, "MALFORMED");
	assert_non_null(strstr(q.out.detail, "disagrees with page 1"));
	query_end(&q);

	/* The Subject's name changes on page 2. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 2, "c2", items), CK_OUTCOME_NEXT_PAGE);
	page_of(&q, "FOUND", "张叁", 2, 2, NULL, CARD);
	assert_failed(&q, "MALFORMED");
	query_end(&q);

	/* The Subject's kind changes on page 2. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 2, "c2", items), CK_OUTCOME_NEXT_PAGE);
	char *doc = page_doc("FOUND", "张三", 2, 2, NULL, CARD);
	char *kind = strstr(doc, "kind=\"PERSON\"");
	memcpy(kind, "kind=\"ORG\"   ", 13);
	page(&q, doc);
	free(doc);
	assert_failed(&q, "MALFORMED");
	query_end(&q);

	/* Another subject on page 2 is misdirected data. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 2, "c2", items), CK_OUTCOME_NEXT_PAGE);
	doc = page_doc("FOUND", "张三", 2, 2, NULL, CARD);
	memcpy(strstr(doc, PERSON_ID), "11010519491231002X", 18);
	page(&q, doc);
	free(doc);
	assert_failed(&q, "WRONG_SUBJECT");
	assert_null(strstr(q.out.detail, "11010519491231002X"));
	query_end(&q);

	/* A skipped page index; a first page that is not page 1; a repeated
	 * page; an index beyond the total. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 3, "c2", items), CK_OUTCOME_NEXT_PAGE);
	page_of(&q, "FOUND", "张三", 3, 3, NULL, CARD);
	assert_failed(&q, "MALFORMED");
	assert_non_null(strstr(q.out.detail, "page index 3 follows page 1"));
	query_end(&q);
	query_start(&q);
	page_of(&q, "FOUND", "张三", 2, 2, NULL, items);
	assert_failed(&q, "MALFORMED");
	query_end(&q);
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 3, "c2", items), CK_OUTCOME_NEXT_PAGE);
	page_of(&q, "FOUND", "张三", 1, 3, "c2", items);
	assert_failed(&q, "MALFORMED");
	query_end(&q);
	query_start(&q);
	page_of(&q, "FOUND", "张三", 2, 1, NULL, items);
	assert_failed(&q, "MALFORMED");
	query_end(&q);

	/* The answer is to this query. */
	query_start(&q);
	q.in.request_id = "q-other";
	page_of(&q, "FOUND", "张三", 1, 1, NULL, items);
	assert_failed(&q, "MALFORMED");
	query_end(&q);

	/* An invalid page 2 fails the query too. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 2, "c2", items), CK_OUTCOME_NEXT_PAGE);
	page_of(&q, "FOUND", "张三", 2, 2, NULL, "<Account><UserId>U</UserId></Account>");
	assert_failed(&q, "MALFORMED");
	query_end(&q);

	/* A page that fails half-way through its items leaves no part of them
	 * in the state. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 2, "c2", items), CK_OUTCOME_NEXT_PAGE);
	page_of(&q, "FOUND", "张三", 2, 2, NULL,
	        CARD "<Account><UserId>U2</UserId><Balance>1</Balance><FundBalance>2</FundBalance>"
	             "<Frozen>0</Frozen></Account>"
	             "<Spending><Period>2023-02-30/2024-01</Period></Spending>");
	assert_failed(&q, "MALFORMED");
	/* The state is as page 1 left it: page 2 read again (as after a
	 * CK_E_NOMEM) adds its records once. */
	assert_int_equal(page_of(&q, "FOUND", "张三", 2, 2, NULL, CARD), CK_OUTCOME_FOUND);
	assert_int_equal(q.out.n_assets, 1);
	assert_int_equal(q.out.n_leads, 1);
	query_end(&q);

	/* A page total that grows is fine: the cursor decides. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 1, "c2", items), CK_OUTCOME_NEXT_PAGE);
	assert_int_equal(page_of(&q, "FOUND", "张三", 2, 3, "c3", NULL), CK_OUTCOME_NEXT_PAGE);
	assert_int_equal(page_of(&q, "FOUND", "张三", 3, 3, NULL, CARD), CK_OUTCOME_FOUND);
	assert_int_equal(q.out.n_assets, 1);
	assert_int_equal(q.out.n_leads, 1);
	query_end(&q);
}

/* common.md "Limits": an item of any type summed over all pages. */
static void
too_many_records_over_pages(void **state)
{
	(void)state;
	struct query q;
	const char *two = CARD "<Address><Text>某地</Text></Address>";
	query_start(&q);
	q.max_records = 4;
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 3, "c2", two), CK_OUTCOME_NEXT_PAGE);
	assert_int_equal(page_of(&q, "FOUND", "张三", 2, 3, "c3", two), CK_OUTCOME_NEXT_PAGE);
	page_of(&q, "FOUND", "张三", 3, 3, NULL, CARD);
	assert_failed(&q, "TOO_MANY_RECORDS");
	query_end(&q);

	/* Exactly at the limit: an Account is one record, though two assets. */
	query_start(&q);
	q.max_records = 4;
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 2, "c2", two), CK_OUTCOME_NEXT_PAGE);
	assert_int_equal(page_of(&q, "FOUND", "张三", 2, 2, NULL,
	                         CARD "<Account><UserId>U</UserId><Balance>1</Balance>"
	                              "<FundBalance>2</FundBalance><Frozen>0</Frozen></Account>"),
	                 CK_OUTCOME_FOUND);
	assert_int_equal(q.out.n_assets, 2);
	assert_int_equal(q.out.n_leads, 3);
	query_end(&q);

	/* One page over the limit on its own. */
	query_start(&q);
	q.max_records = 1;
	page_of(&q, "FOUND", "张三", 1, 1, NULL, two);
	assert_failed(&q, "TOO_MANY_RECORDS");
	query_end(&q);
}

/* ecommerce.md: NOT_FOUND is a single page with no items; FOUND has items
 * somewhere; SUBJECT_MISMATCH is an answer with the platform's name. */
static void
results_of_every_kind(void **state)
{
	(void)state;
	struct query q;
	query_start(&q);
	assert_int_equal(
	    page_file(&q, CK_TESTDATA_DIR "/answers/ecommerce", "good-response-notfound.xml"),
	    CK_OUTCOME_NOT_FOUND);
	assert_int_equal(q.out.n_assets + q.out.n_leads, 0);
	query_end(&q);

	query_start(&q);
	page_of(&q, "NOT_FOUND", "张三", 1, 2, "c2", NULL);
	assert_failed(&q, "MALFORMED");
	query_end(&q);
	query_start(&q);
	page_of(&q, "NOT_FOUND", "张三", 1, 1, NULL, CARD);
	assert_failed(&q, "MALFORMED");
	query_end(&q);
	query_start(&q);
	page_of(&q, "NOT_FOUND", "张三", 1, 1, "c2", NULL);
	assert_failed(&q, "MALFORMED");
	query_end(&q);

	/* FOUND with no item on any page. */
	query_start(&q);
	assert_int_equal(page_of(&q, "FOUND", "张三", 1, 2, "c2", NULL), CK_OUTCOME_NEXT_PAGE);
	page_of(&q, "FOUND", "张三", 2, 2, NULL, "");
	assert_failed(&q, "MALFORMED");
	query_end(&q);

	/* SUBJECT_MISMATCH, for an organisation, under a prefix. */
	query_start(&q);
	q.in.request_id = "q-000001-jd-r0";
	q.in.subject_kind = CK_SUBJECT_ORG;
	q.in.subject_id = ORG_ID;
	assert_int_equal(
	    page_file(&q, CK_TESTDATA_DIR "/answers/ecommerce", "good-response-prefix.xml"),
	    CK_OUTCOME_MISMATCH);
	assert_string_equal(q.out.registered_name, "泰兴市某贸易公司");
	assert_int_equal(q.out.n_leads, 1);
	assert_int_equal(q.out.leads[0].kind, CK_LEAD_ADDRESS);
	assert_null(q.out.institution_name);
	query_end(&q);

	/* Mismatch over two pages: records of both kept. */
	query_start(&q);
	assert_int_equal(page_of(&q, "SUBJECT_MISMATCH", "张叁", 1, 2, "c2", CARD),
	                 CK_OUTCOME_NEXT_PAGE);
	assert_int_equal(page_of(&q, "SUBJECT_MISMATCH", "张叁", 2, 2, NULL, CARD),
	                 CK_OUTCOME_MISMATCH);
	assert_string_equal(q.out.registered_name, "张叁");
	assert_int_equal(q.out.n_leads, 2);
	query_end(&q);
}

/* The state across what happens between pages: a retried page keeps what
 * earlier pages said; a query that starts over starts from nothing. */
static void
state_survives_retries_and_restarts(void **state)
{
	(void)state;
	struct query q;
	query_start(&q);
	assert_int_equal(page_file(&q, CK_SPEC_EXAMPLES, "ecommerce-page1.xml"),
	                 CK_OUTCOME_NEXT_PAGE);
	assert_int_equal(page_status(&q, 503, NULL), CK_OUTCOME_RETRY);
	assert_int_equal(page_status(&q, 429, NULL), CK_OUTCOME_RETRY);
	assert_int_equal(page_file(&q, CK_SPEC_EXAMPLES, "ecommerce-page2.xml"), CK_OUTCOME_FOUND);
	assert_int_equal(q.out.n_assets, 2);
	assert_int_equal(q.out.n_leads, 3);
	query_end(&q);

	/* build_submit starts the query over: page 1 again is page 1. */
	query_start(&q);
	assert_int_equal(page_file(&q, CK_SPEC_EXAMPLES, "ecommerce-page1.xml"),
	                 CK_OUTCOME_NEXT_PAGE);
	struct ck_http_request rq;
	assert_int_equal(ec->build_submit(&q.in, q.state, &rq, NULL), CK_OK);
	ck_http_request_release(&rq);
	assert_int_equal(page_file(&q, CK_SPEC_EXAMPLES, "ecommerce-page1.xml"),
	                 CK_OUTCOME_NEXT_PAGE);
	assert_int_equal(page_file(&q, CK_SPEC_EXAMPLES, "ecommerce-page2.xml"), CK_OUTCOME_FOUND);
	assert_int_equal(q.out.n_assets, 2);
	assert_int_equal(q.out.n_leads, 3);
	query_end(&q);

	/* A state freed halfway holds records of page 1: nothing leaks (the
	 * sanitizer build checks). */
	query_start(&q);
	assert_int_equal(page_file(&q, CK_SPEC_EXAMPLES, "ecommerce-page1.xml"),
	                 CK_OUTCOME_NEXT_PAGE);
	query_end(&q);
}

/* The good answers of the schema tests: unknown elements pruned, items in
 * any order, empty optional elements, blanks around the cursor. */
static void
good_answers_of_every_shape(void **state)
{
	(void)state;
	const char *dir = CK_TESTDATA_DIR "/answers/ecommerce";
	struct query q;

	query_start(&q);
	assert_int_equal(page_file(&q, dir, "good-response-extra.xml"), CK_OUTCOME_FOUND);
	assert_int_equal(q.out.n_assets, 1);
	assert_int_equal(q.out.n_leads, 0);
	assert_int_equal(q.out.assets[0].book, 152033);
	assert_string_equal(q.out.assets[0].detail, "{\"mobile\":null,\"frozen\":0}");
	query_end(&q);

	query_start(&q);
	assert_int_equal(page_file(&q, dir, "good-response-bom.xml"), CK_OUTCOME_NEXT_PAGE);
	query_end(&q);

	/* Page 1 of 3, items mixed; its cursor is sent back without blanks. */
	query_start(&q);
	assert_int_equal(page_file(&q, dir, "good-response-mixed-items.xml"), CK_OUTCOME_NEXT_PAGE);
	assert_string_equal(q.out.cursor, "c2");
	assert_int_equal(page_of(&q, "FOUND", "张三", 2, 3, NULL, NULL), CK_OUTCOME_FOUND);
	assert_int_equal(q.out.n_assets, 3);
	assert_int_equal(q.out.n_leads, 4);
	assert_int_equal(q.out.assets[0].book, -50);
	assert_true(q.out.assets[0].liability);
	assert_int_equal(q.out.assets[0].enforceable, 0);
	assert_int_equal(q.out.assets[1].kind, CK_ASSET_WALLET);
	assert_int_equal(q.out.assets[1].enforceable, 0);
	assert_int_equal(q.out.assets[2].kind, CK_ASSET_FUND);
	assert_int_equal(q.out.assets[2].enforceable, 1);
	assert_int_equal(q.out.leads[0].kind, CK_LEAD_SPENDING);
	assert_false(q.out.leads[0].has_amount);
	assert_string_equal(q.out.leads[0].detail,
	                    "{\"flights\":null,\"hotels\":null,\"luxury\":0}");
	assert_int_equal(q.out.leads[1].kind, CK_LEAD_BOUND_CARD);
	assert_null(q.out.leads[1].code);
	assert_int_equal(q.out.leads[2].kind, CK_LEAD_ADDRESS);
	assert_int_equal(q.out.leads[3].kind, CK_LEAD_BOUND_CARD);
	assert_string_equal(q.out.leads[3].label, "中国工商银行");
	query_end(&q);

	/* Page 2 with every optional element empty. */
	query_start(&q);
	assert_int_equal(page_file(&q, dir, "good-response.xml"), CK_OUTCOME_NEXT_PAGE);
	assert_int_equal(page_file(&q, dir, "good-response-empty-optional.xml"), CK_OUTCOME_FOUND);
	assert_int_equal(q.out.n_assets, 3); /* page 1: wallet + fund; page 2: wallet */
	assert_int_equal(q.out.n_leads, 4);
	assert_int_equal(q.out.assets[2].book, 100);
	assert_string_equal(q.out.assets[2].detail, "{\"mobile\":null,\"frozen\":0}");
	assert_string_equal(q.out.leads[1].detail, "{\"last_used\":null}");
	assert_false(q.out.leads[2].has_amount);
	assert_string_equal(q.out.institution_name, "支付宝"); /* page 1's */
	query_end(&q);
}

/* Statuses and documents that are not a page at all. */
static void
statuses_and_bad_documents(void **state)
{
	(void)state;
	struct query q;
	query_start(&q);
	assert_int_equal(page_status(&q, 401, NULL), CK_OUTCOME_CREDENTIALS);
	page_status(&q, 400,
	            "<Error xmlns=\"urn:chakong:ec:1\"><Code>BAD_CURSOR</Code>"
	            "<Message>unknown cursor</Message></Error>");
	assert_failed(&q, "BAD_REQUEST");
	assert_non_null(strstr(q.out.detail, "BAD_CURSOR: unknown cursor"));
	page_status(&q, 404, NULL);
	assert_failed(&q, "UNEXPECTED_STATUS");
	char *path = ck_test_path(CK_SPEC_EXAMPLES, "hostile-xxe.xml");
	char *text = ck_test_read_file(path, NULL);
	assert_int_equal(page(&q, text), CK_OUTCOME_HOSTILE);
	free(text);
	free(path);

	static const char *const bad[] = {
	    "bad-response-no-page.xml",
	    "bad-response-page-zero.xml",
	    "bad-response-amount-currency.xml",
	    "bad-response-period.xml",
	    "bad-response-item-outside-items.xml",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		page_file(&q, CK_TESTDATA_DIR "/answers/ecommerce", bad[i]);
		if (q.out.type != CK_OUTCOME_FAILED || strcmp(q.out.reason, "MALFORMED") != 0)
			fail_msg("%s: %s %s", bad[i], ck_outcome_type_name(q.out.type),
			         q.out.reason);
	}

	/* A period the pattern lets through but the calendar does not. */
	page_of(&q, "FOUND", "张三", 1, 1, NULL,
	        "<Spending><Period>2023-02-30/2024-01</Period></Spending>");
	assert_failed(&q, "MALFORMED");
	query_end(&q);
}

static void
table_is_complete(void **state)
{
	(void)state;
	assert_int_equal(ec->version, CK_ADAPTER_VERSION);
	assert_int_equal(ec->kind, CK_KIND_ECOMMERCE);
	assert_string_equal(ec->name, ck_kind_name(CK_KIND_ECOMMERCE));
	assert_int_equal(ec->caps, CK_CAP_PAGED);
	assert_true(ec->state_size > 0);
	assert_non_null(ec->build_submit);
	assert_null(ec->build_poll);
	assert_non_null(ec->build_next_page);
	assert_non_null(ec->interpret);
	assert_non_null(ec->release_state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(requests_carry_the_cursor_exactly),
	    cmocka_unit_test(spec_pages_make_one_answer),
	    cmocka_unit_test(frozen_covers_wallet_and_fund_together),
	    cmocka_unit_test(pages_that_disagree_fail_the_query),
	    cmocka_unit_test(too_many_records_over_pages),
	    cmocka_unit_test(results_of_every_kind),
	    cmocka_unit_test(state_survives_retries_and_restarts),
	    cmocka_unit_test(good_answers_of_every_shape),
	    cmocka_unit_test(statuses_and_bad_documents),
	    cmocka_unit_test(table_is_complete),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
