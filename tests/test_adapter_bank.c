/* SPDX-License-Identifier: MIT */
/*
 * test_adapter_bank.c: the bank adapter (adapters/bank/bank.c) against
 * spec/bank.md: the request it sends (valid against bank-request, both
 * scopes, RIC or USCC), the spec's example answers, what a new freeze can
 * reach (AVLB, never AVLB less the freezes again; 0 when AVLB is absent;
 * nothing on liabilities), freezes in queue order, the answer's own
 * arithmetic (MALFORMED when broken), subject checks and the statuses of
 * common.md.
 */
#include "testutil.h"
#include "common/common.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <string.h>

extern const struct ck_adapter ck_adapter_bank;
static const struct ck_adapter *const bank = &ck_adapter_bank;

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

static struct ck_query_input
person(const char *request_id)
{
	struct ck_query_input in = {
	    .request_id = request_id,
	    .case_no = "(2024)苏1283执1234号",
	    .court_code = "苏1283",
	    .court_name = "泰兴市人民法院",
	    .officer = "李四",
	    .subject_kind = CK_SUBJECT_PERSON,
	    .subject_name = "张三",
	    .subject_id = PERSON_ID,
	    .now = 1709571600, /* 2024-03-05T01:00:00+08:00 */
	    .now_offset_min = 480,
	};
	return in;
}

/* Interprets body (status 200 unless told) into out, which is released first. */
static void
answer(const struct ck_query_input *in, int status, const char *body, size_t max_records,
       struct ck_outcome *out)
{
	struct ck_adapter_env env = {.xsd = xsd, .max_records = max_records, .max_body = 1 << 20};
	struct ck_http_response r = {
	    .status = status, .body = body, .body_len = body ? strlen(body) : 0};
	ck_outcome_release(out);
	assert_int_equal(bank->interpret(in, NULL, &r, &env, out), CK_OK);
}

static char *
spec_example(const char *name)
{
	char *path = ck_test_path(CK_SPEC_EXAMPLES, name);
	char *text = ck_test_read_file(path, NULL);
	free(path);
	return text;
}

/* An answer of the spec's shape holding `records` (Acct and Wlth elements). */
static char *
document(const char *status, const char *id, const char *records)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b,
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<b:Document xmlns:b=\"urn:chakong:bank:1\"><b:InfRspn>"
	              "<b:ReqId>q-1</b:ReqId><b:Sts>%s</b:Sts>"
	              "<b:Svcr><b:Nm>某银行</b:Nm></b:Svcr>"
	              "<b:Pty><b:Nm>张叁</b:Nm><b:Id><b:Tp>RIC</b:Tp><b:Val>%s</b:Val></b:Id>"
	              "</b:Pty>%s</b:InfRspn></b:Document>",
	              status, id, records);
	assert_false(b.failed);
	return ck_buf_detach(&b, NULL);
}

/* One account: type, then Bal/Frz elements (prefix b:). */
static char *
account(const char *type, const char *ccy, const char *inside)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b,
	              "<b:Acct><b:Id>6222000011112222</b:Id><b:Tp>%s</b:Tp><b:Ccy>%s</b:Ccy>"
	              "<b:Sts>ENAB</b:Sts>%s</b:Acct>",
	              type, ccy, inside);
	return ck_buf_detach(&b, NULL);
}

/* Interprets a FOUND answer holding one account; returns its outcome type. */
static enum ck_outcome_type
one_account(const char *type, const char *ccy, const char *inside, struct ck_outcome *out)
{
	struct ck_query_input in = person("q-1");
	char *acct = account(type, ccy, inside);
	char *doc = document("FOUND", PERSON_ID, acct);
	answer(&in, 200, doc, 10000, out);
	free(doc);
	free(acct);
	return out->type;
}

static const char *
header(const struct ck_http_request *rq, const char *name)
{
	for (size_t i = 0; i < rq->n_headers; i++)
		if (strcmp(rq->headers[i].name, name) == 0)
			return rq->headers[i].value;
	return NULL;
}

static void
assert_valid_request(const struct ck_http_request *rq)
{
	xmlDoc *doc = NULL;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_xml_parse(rq->body, rq->body_len, NULL, &doc, err), CK_OK);
	if (ck_xsd_validate(xsd, "bank-request", doc, err) != CK_OK)
		fail_msg("request invalid: %s\n%s", err, rq->body);
	xmlFreeDoc(doc);
}

/* bank.md "Request": POST /fi/inquiry, every element, both scopes. */
static void
request_asks_both_scopes_of_the_subject(void **state)
{
	(void)state;
	struct ck_query_input in = person("q-000001-icbc-r0");
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(bank->build_submit(&in, NULL, &rq, err), CK_OK);
	assert_string_equal(rq.method, "POST");
	assert_string_equal(rq.path, "/fi/inquiry");
	assert_string_equal(header(&rq, "X-Request-Id"), "q-000001-icbc-r0");
	assert_string_equal(header(&rq, "Content-Type"), "application/xml; charset=utf-8");
	assert_valid_request(&rq);
	assert_non_null(strstr(rq.body, "<ReqId>q-000001-icbc-r0</ReqId>"));
	assert_non_null(strstr(rq.body, "<CreDtTm>2024-03-05T01:00:00+08:00</CreDtTm>"));
	assert_non_null(strstr(rq.body, "<Nm>泰兴市人民法院</Nm><Id>苏1283</Id>"));
	assert_non_null(strstr(rq.body, "<CaseNo>(2024)苏1283执1234号</CaseNo>"));
	assert_non_null(strstr(rq.body, "<Offcr>李四</Offcr>"));
	assert_non_null(strstr(rq.body, "<Tp>RIC</Tp><Val>" PERSON_ID "</Val>"));
	assert_non_null(strstr(rq.body, "<Scp>ACCT</Scp><Scp>WLTH</Scp>"));
	ck_http_request_release(&rq);

	/* An organisation by its credit code; text is escaped. */
	in.subject_kind = CK_SUBJECT_ORG;
	in.subject_id = ORG_ID;
	in.subject_name = "泰兴<某>贸易&公司";
	assert_int_equal(bank->build_submit(&in, NULL, &rq, err), CK_OK);
	assert_valid_request(&rq);
	assert_non_null(strstr(rq.body, "<Tp>USCC</Tp><Val>" ORG_ID "</Val>"));
	assert_non_null(strstr(rq.body, "泰兴&lt;某&gt;贸易&amp;公司"));
	ck_http_request_release(&rq);

	/* common.md: every request names the officer. */
	in.officer = "";
	assert_int_equal(bank->build_submit(&in, NULL, &rq, err), CK_E_USAGE);
	assert_non_null(strstr(err, "officer"));
}

/* bank.md "Response (200)", the spec's example, record by record. */
static void
spec_example_gives_deposits_and_wealth(void **state)
{
	(void)state;
	struct ck_query_input in = person("q-000001-icbc-r0");
	struct ck_outcome out;
	ck_outcome_init(&out);
	char *body = spec_example("bank-response.xml");
	answer(&in, 200, body, 10000, &out);
	free(body);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	assert_string_equal(out.institution_name, "中国工商银行");
	assert_int_equal(out.n_assets, 4);
	assert_int_equal(out.n_leads, 0);

	/* Frozen in part: a new freeze reaches AVLB, not AVLB less the freeze
	 * again (10000.00 of 12345.67, 2345.67 held by the freeze). */
	const struct ck_asset *a = &out.assets[0];
	assert_int_equal(a->kind, CK_ASSET_DEPOSIT);
	assert_string_equal(a->ref, "6222021203001234567");
	assert_string_equal(a->subtype, "CACC");
	assert_string_equal(a->currency, "CNY");
	assert_string_equal(a->status, "FRZN");
	assert_true(a->has_book);
	assert_int_equal(a->book, 1234567);
	assert_true(a->has_available);
	assert_int_equal(a->available, 1000000);
	assert_int_equal(a->enforceable, 1000000);
	assert_false(a->liability);
	assert_non_null(strstr(a->detail, "\"branch\":\"泰兴支行\""));
	assert_non_null(strstr(a->detail, "\"opened_on\":\"2015-06-01\""));
	assert_non_null(strstr(a->detail, "\"available_stated\":true"));
	assert_int_equal(a->n_encumbrances, 1);
	const struct ck_encumbrance *e = &a->encumbrances[0];
	assert_int_equal(e->kind, CK_ENC_FREEZE);
	assert_string_equal(e->authority, "靖江市人民法院");
	assert_string_equal(e->ref, "(2023)苏1282执555号");
	assert_int_equal(e->seq, 1);
	assert_true(e->has_amount);
	assert_int_equal(e->amount, 234567);
	assert_string_equal(e->currency, "CNY");
	assert_int_equal(e->ends_on, ck_days_from_civil(2024, 12, 31));
	assert_int_equal(e->starts_on, CK_NO_DATE);

	/* A foreign-currency account keeps its currency. */
	a = &out.assets[1];
	assert_string_equal(a->subtype, "SVGS");
	assert_string_equal(a->currency, "USD");
	assert_int_equal(a->book, 80050);
	assert_int_equal(a->enforceable, 80050);
	assert_int_equal(a->n_encumbrances, 0);

	/* A credit card: a liability, shown, never enforceable; no AVLB. */
	a = &out.assets[2];
	assert_string_equal(a->subtype, "CARD");
	assert_int_equal(a->book, -320000);
	assert_true(a->liability);
	assert_false(a->has_available);
	assert_int_equal(a->enforceable, 0);
	assert_non_null(strstr(a->detail, "\"available_stated\":false"));

	/* A wealth product counts at its market value. */
	a = &out.assets[3];
	assert_int_equal(a->kind, CK_ASSET_WEALTH);
	assert_string_equal(a->ref, "JY2023A001");
	assert_string_equal(a->currency, "CNY");
	assert_int_equal(a->book, 5000000);
	assert_int_equal(a->enforceable, 5000000);
	assert_false(a->liability);
	assert_non_null(strstr(a->detail, "\"name\":\"稳利365天\""));
	assert_non_null(strstr(a->detail, "\"matures_on\":\"2024-09-30\""));
	ck_outcome_release(&out);

	body = spec_example("bank-response-notfound.xml");
	in = person("q-000001-boc-r0");
	answer(&in, 200, body, 10000, &out);
	free(body);
	assert_int_equal(out.type, CK_OUTCOME_NOT_FOUND);
	assert_int_equal(out.n_assets, 0);
	assert_string_equal(out.institution_name, "中国银行");
	ck_outcome_release(&out);
}

/* bank.md Notes: what a new freeze can reach on each kind of account. */
static void
enforceable_is_available_on_asset_accounts_only(void **state)
{
	(void)state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	const char *book_avlb = "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>500.00</b:Amt></b:Bal>"
	                        "<b:Bal><b:Tp>AVLB</b:Tp><b:Amt>300.00</b:Amt></b:Bal>";

	/* Without AVLB: 0, and the detail says it was not stated. */
	assert_int_equal(
	    one_account("SVGS", "CNY", "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>500</b:Amt></b:Bal>", &out),
	    CK_OUTCOME_FOUND);
	assert_int_equal(out.assets[0].book, 50000);
	assert_false(out.assets[0].has_available);
	assert_int_equal(out.assets[0].enforceable, 0);
	assert_non_null(strstr(out.assets[0].detail, "\"available_stated\":false"));

	/* AVLB below zero reaches nothing. */
	assert_int_equal(one_account("CACC", "CNY",
	                             "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>0</b:Amt></b:Bal>"
	                             "<b:Bal><b:Tp>AVLB</b:Tp><b:Amt>-20</b:Amt></b:Bal>",
	                             &out),
	                 CK_OUTCOME_FOUND);
	assert_true(out.assets[0].has_available);
	assert_int_equal(out.assets[0].available, -2000);
	assert_int_equal(out.assets[0].enforceable, 0);

	/* Time deposits are asset accounts. */
	assert_int_equal(one_account("TDEP", "CNY", book_avlb, &out), CK_OUTCOME_FOUND);
	assert_int_equal(out.assets[0].enforceable, 30000);
	assert_false(out.assets[0].liability);

	/* LOAN and CARD are liabilities whatever the sign. */
	assert_int_equal(one_account("LOAN", "CNY", book_avlb, &out), CK_OUTCOME_FOUND);
	assert_true(out.assets[0].liability);
	assert_int_equal(out.assets[0].enforceable, 0);
	assert_int_equal(out.assets[0].available, 30000);
	assert_int_equal(one_account("CARD", "CNY", book_avlb, &out), CK_OUTCOME_FOUND);
	assert_true(out.assets[0].liability);
	assert_int_equal(out.assets[0].enforceable, 0);

	/* An overdrawn current account is a liability too. */
	assert_int_equal(one_account("CACC", "CNY",
	                             "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>-0.01</b:Amt></b:Bal>"
	                             "<b:Bal><b:Tp>AVLB</b:Tp><b:Amt>-5</b:Amt></b:Bal>",
	                             &out),
	                 CK_OUTCOME_FOUND);
	assert_true(out.assets[0].liability);
	assert_int_equal(out.assets[0].enforceable, 0);

	/* A missing Ccy means CNY; balances without Ccy are the account's. */
	assert_int_equal(one_account("SVGS", "", book_avlb, &out), CK_OUTCOME_FOUND);
	assert_string_equal(out.assets[0].currency, "CNY");
	assert_int_equal(one_account("SVGS", "HKD", book_avlb, &out), CK_OUTCOME_FOUND);
	assert_string_equal(out.assets[0].currency, "HKD");
	ck_outcome_release(&out);
}

/* bank.md: Frz/Seq 1 in effect, 2, 3, ... queued: encumbrances in queue
 * order whatever the order of the document. */
static void
freezes_come_in_queue_order(void **state)
{
	(void)state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	const char *inside =
	    "<b:Frz><b:Authrty>C3</b:Authrty><b:Amt>9000</b:Amt><b:Seq>3</b:Seq></b:Frz>"
	    "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>1000</b:Amt></b:Bal>"
	    "<b:Frz><b:Authrty>C1a</b:Authrty><b:Amt>300</b:Amt><b:Seq>1</b:Seq>"
	    "<b:XpryDt>2025-01-31</b:XpryDt></b:Frz>"
	    "<b:Frz><b:Authrty>C2</b:Authrty><b:Ref>(2024)苏01执1号</b:Ref>"
	    "<b:Amt Ccy=\"CNY\">5000</b:Amt><b:Seq>2</b:Seq></b:Frz>"
	    "<b:Bal><b:Tp>AVLB</b:Tp><b:Amt>200</b:Amt></b:Bal>"
	    "<b:Frz><b:Authrty>C1b</b:Authrty><b:Amt>500</b:Amt><b:Seq>1</b:Seq></b:Frz>";
	assert_int_equal(one_account("CACC", "CNY", inside, &out), CK_OUTCOME_FOUND);
	const struct ck_asset *a = &out.assets[0];
	assert_int_equal(a->n_encumbrances, 4);
	const char *order[] = {"C1a", "C1b", "C2", "C3"};
	const int seq[] = {1, 1, 2, 3};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(a->encumbrances[i].authority, order[i]);
		assert_int_equal(a->encumbrances[i].seq, seq[i]);
		assert_int_equal(a->encumbrances[i].kind, CK_ENC_FREEZE);
		assert_string_equal(a->encumbrances[i].currency, "CNY");
	}
	assert_int_equal(a->encumbrances[0].ends_on, ck_days_from_civil(2025, 1, 31));
	assert_null(a->encumbrances[1].ref);
	assert_string_equal(a->encumbrances[2].ref, "(2024)苏01执1号");
	assert_non_null(strstr(a->encumbrances[2].detail, "queued"));
	/* Queued freezes (ordered 5000 and 9000 of a 1000 balance) hold nothing
	 * yet; the 200 left is what a new freeze reaches. */
	assert_int_equal(a->enforceable, 20000);

	/* A freeze in another currency keeps its own. */
	assert_int_equal(one_account("SVGS", "USD",
	                             "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt Ccy=\"USD\">10</b:Amt></b:Bal>"
	                             "<b:Frz><b:Amt Ccy=\"CNY\">70</b:Amt><b:Seq>1</b:Seq></b:Frz>",
	                             &out),
	                 CK_OUTCOME_FOUND);
	assert_string_equal(out.assets[0].encumbrances[0].currency, "CNY");
	assert_int_equal(out.assets[0].encumbrances[0].amount, 7000);
	ck_outcome_release(&out);
}

static void
assert_malformed(const char *type, const char *ccy, const char *inside, const char *why)
{
	struct ck_outcome out;
	ck_outcome_init(&out);
	if (one_account(type, ccy, inside, &out) != CK_OUTCOME_FAILED)
		fail_msg("accepted: %s", inside);
	assert_string_equal(out.reason, "MALFORMED");
	if (strstr(out.detail, why) == NULL)
		fail_msg("detail \"%s\" does not say \"%s\"", out.detail, why);
	assert_int_equal(out.n_assets, 0); /* nothing of a failed answer */
	ck_outcome_release(&out);
}

/* bank.md: "A document that breaks these is malformed." */
static void
broken_arithmetic_is_malformed(void **state)
{
	(void)state;
	/* Freezes in effect hold more than the book balance. */
	assert_malformed("CACC", "CNY",
	                 "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>100</b:Amt></b:Bal>"
	                 "<b:Frz><b:Amt>60</b:Amt><b:Seq>1</b:Seq></b:Frz>"
	                 "<b:Frz><b:Amt>40.01</b:Amt><b:Seq>1</b:Seq></b:Frz>",
	                 "more than the book balance");
	assert_malformed("CACC", "CNY",
	                 "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>-5</b:Amt></b:Bal>"
	                 "<b:Frz><b:Amt>1</b:Amt><b:Seq>1</b:Seq></b:Frz>",
	                 "more than the book balance");
	/* AVLB above the book balance less effective freezes. */
	assert_malformed("CACC", "CNY",
	                 "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>100</b:Amt></b:Bal>"
	                 "<b:Bal><b:Tp>AVLB</b:Tp><b:Amt>80.01</b:Amt></b:Bal>"
	                 "<b:Frz><b:Amt>20</b:Amt><b:Seq>1</b:Seq></b:Frz>",
	                 "AVLB exceeds");
	assert_malformed("SVGS", "CNY",
	                 "<b:Bal><b:Tp>AVLB</b:Tp><b:Amt>100.01</b:Amt></b:Bal>"
	                 "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>100</b:Amt></b:Bal>",
	                 "AVLB exceeds");
	/* A balance in another currency than its account. */
	assert_malformed("SVGS", "USD",
	                 "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt Ccy=\"CNY\">100</b:Amt></b:Bal>",
	                 "an amount in CNY in a record in USD");
	assert_malformed("SVGS", "",
	                 "<b:Bal><b:Tp>AVLB</b:Tp><b:Amt Ccy=\"EUR\">100</b:Amt></b:Bal>",
	                 "an amount in EUR in a record in CNY");
	/* One balance of a type, not two. */
	assert_malformed("SVGS", "CNY",
	                 "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>1</b:Amt></b:Bal>"
	                 "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>2</b:Amt></b:Bal>",
	                 "two BOOK balances");
	/* A currency that ISO 4217 does not know. */
	assert_malformed("SVGS", "ABC", "", "ABC");

	/* The limits hold: exactly at them is fine, and queued freezes and
	 * freezes in another currency are not added in. */
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(one_account("CACC", "CNY",
	                             "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>100</b:Amt></b:Bal>"
	                             "<b:Bal><b:Tp>AVLB</b:Tp><b:Amt>0</b:Amt></b:Bal>"
	                             "<b:Frz><b:Amt>60</b:Amt><b:Seq>1</b:Seq></b:Frz>"
	                             "<b:Frz><b:Amt>40</b:Amt><b:Seq>1</b:Seq></b:Frz>"
	                             "<b:Frz><b:Amt>1000</b:Amt><b:Seq>2</b:Seq></b:Frz>"
	                             "<b:Frz><b:Amt Ccy=\"USD\">1000</b:Amt><b:Seq>1</b:Seq>"
	                             "</b:Frz>",
	                             &out),
	                 CK_OUTCOME_FOUND);
	assert_int_equal(out.assets[0].enforceable, 0);
	/* Amounts at the ends of int64_t do not overflow the checks. */
	assert_int_equal(
	    one_account("CACC", "CNY",
	                "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>92233720368547758.07</b:Amt></b:Bal>"
	                "<b:Frz><b:Amt>92233720368547758.07</b:Amt><b:Seq>1</b:Seq></b:Frz>"
	                "<b:Frz><b:Amt>92233720368547758.07</b:Amt><b:Seq>1</b:Seq></b:Frz>",
	                &out),
	    CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "MALFORMED");
	assert_int_equal(one_account("CACC", "CNY",
	                             "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>-92233720368547758.08</b:Amt>"
	                             "</b:Bal><b:Bal><b:Tp>AVLB</b:Tp>"
	                             "<b:Amt>-92233720368547758.08</b:Amt></b:Bal>",
	                             &out),
	                 CK_OUTCOME_FOUND);
	assert_true(out.assets[0].liability);
	ck_outcome_release(&out);
}

static enum ck_outcome_type
wealth(const char *inside, struct ck_outcome *out)
{
	struct ck_query_input in = person("q-1");
	char *doc = document("FOUND", PERSON_ID, inside);
	answer(&in, 200, doc, 10000, out);
	free(doc);
	return out->type;
}

/* bank.md: "a Wlth's Ccy equals its MktVal/Amt@Ccy". */
static void
wealth_products_keep_their_currency(void **state)
{
	(void)state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(wealth("<b:Wlth><b:PdctId>W1</b:PdctId><b:Ccy>USD</b:Ccy>"
	                        "<b:MktVal><b:Amt Ccy=\"USD\">12.5</b:Amt></b:MktVal></b:Wlth>",
	                        &out),
	                 CK_OUTCOME_FOUND);
	assert_string_equal(out.assets[0].currency, "USD");
	assert_int_equal(out.assets[0].book, 1250);
	assert_int_equal(out.assets[0].enforceable, 1250);
	assert_non_null(strstr(out.assets[0].detail, "\"name\":null"));
	assert_non_null(strstr(out.assets[0].detail, "\"matures_on\":null"));

	assert_int_equal(wealth("<b:Wlth><b:PdctId>W1</b:PdctId><b:Ccy>USD</b:Ccy>"
	                        "<b:MktVal><b:Amt Ccy=\"CNY\">12.5</b:Amt></b:MktVal></b:Wlth>",
	                        &out),
	                 CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "MALFORMED");
	assert_int_equal(wealth("<b:Wlth><b:PdctId>W1</b:PdctId>"
	                        "<b:MktVal><b:Amt Ccy=\"USD\">12.5</b:Amt></b:MktVal></b:Wlth>",
	                        &out),
	                 CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "MALFORMED");

	/* A negative market value reaches nothing. */
	assert_int_equal(wealth("<b:Wlth><b:PdctId>W1</b:PdctId>"
	                        "<b:MktVal><b:Amt>-1</b:Amt></b:MktVal></b:Wlth>",
	                        &out),
	                 CK_OUTCOME_FOUND);
	assert_int_equal(out.assets[0].enforceable, 0);
	assert_true(out.assets[0].liability);

	/* Records come in document order, accounts and products mixed. */
	char *acct = account("SVGS", "CNY", "");
	struct ck_buf b = {0};
	ck_buf_puts(&b, "<b:Wlth><b:PdctId>W1</b:PdctId><b:MktVal><b:Amt>1</b:Amt></b:MktVal>"
	                "</b:Wlth>");
	ck_buf_puts(&b, acct);
	ck_buf_puts(&b, "<b:Wlth><b:PdctId>W2</b:PdctId><b:MktVal><b:Amt>2</b:Amt></b:MktVal>"
	                "</b:Wlth>");
	free(acct);
	assert_int_equal(wealth(b.data, &out), CK_OUTCOME_FOUND);
	ck_buf_release(&b);
	assert_int_equal(out.n_assets, 3);
	assert_string_equal(out.assets[0].ref, "W1");
	assert_int_equal(out.assets[1].kind, CK_ASSET_DEPOSIT);
	assert_int_equal(out.assets[1].book, 0);
	assert_false(out.assets[1].has_book);
	assert_non_null(strstr(out.assets[1].detail, "\"book_stated\":false"));
	assert_string_equal(out.assets[2].ref, "W2");
	ck_outcome_release(&out);
}

/* common.md "Documents" and "Results": the echoed subject, the statuses. */
static void
subjects_and_results(void **state)
{
	(void)state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	struct ck_query_input in = person("q-1");
	char *acct = account("SVGS", "CNY", "<b:Bal><b:Tp>BOOK</b:Tp><b:Amt>1</b:Amt></b:Bal>");

	/* Another person's data is refused whole, the identifier masked. */
	char *doc = document("FOUND", "11010519491231002X", acct);
	answer(&in, 200, doc, 10000, &out);
	free(doc);
	assert_int_equal(out.type, CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "WRONG_SUBJECT");
	assert_null(strstr(out.detail, "11010519491231002X"));
	assert_int_equal(out.n_assets, 0);

	/* A lower-case x is the same identifier. */
	in.subject_id = "11010519491231002X";
	doc = document("FOUND", "11010519491231002x", acct);
	answer(&in, 200, doc, 10000, &out);
	free(doc);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	in.subject_id = PERSON_ID;

	/* SUBJECT_MISMATCH is an answer: the bank's name, records kept. */
	doc = document("SUBJECT_MISMATCH", PERSON_ID, acct);
	answer(&in, 200, doc, 10000, &out);
	free(doc);
	assert_int_equal(out.type, CK_OUTCOME_MISMATCH);
	assert_string_equal(out.registered_name, "张叁");
	assert_int_equal(out.n_assets, 1);

	/* An organisation asked about must come back as a USCC. */
	in.subject_kind = CK_SUBJECT_ORG;
	doc = document("FOUND", PERSON_ID, acct);
	answer(&in, 200, doc, 10000, &out);
	free(doc);
	assert_int_equal(out.type, CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "MALFORMED");
	in.subject_kind = CK_SUBJECT_PERSON;

	/* FOUND has records; NOT_FOUND has none. */
	doc = document("FOUND", PERSON_ID, "");
	answer(&in, 200, doc, 10000, &out);
	free(doc);
	assert_string_equal(out.reason, "MALFORMED");
	doc = document("NOT_FOUND", PERSON_ID, acct);
	answer(&in, 200, doc, 10000, &out);
	free(doc);
	assert_string_equal(out.reason, "MALFORMED");
	doc = document("NOT_FOUND", PERSON_ID, "");
	answer(&in, 200, doc, 10000, &out);
	free(doc);
	assert_int_equal(out.type, CK_OUTCOME_NOT_FOUND);
	assert_string_equal(out.institution_name, "某银行");

	/* The answer is to this request. */
	in.request_id = "q-2";
	doc = document("NOT_FOUND", PERSON_ID, "");
	answer(&in, 200, doc, 10000, &out);
	free(doc);
	assert_string_equal(out.reason, "MALFORMED");
	assert_non_null(strstr(out.detail, "q-1"));
	in.request_id = "q-1";

	/* common.md "Limits": more records than the maximum. */
	struct ck_buf b = {0};
	for (int i = 0; i < 3; i++)
		ck_buf_puts(&b, acct);
	doc = document("FOUND", PERSON_ID, b.data);
	ck_buf_release(&b);
	answer(&in, 200, doc, 3, &out);
	assert_int_equal(out.type, CK_OUTCOME_FOUND);
	answer(&in, 200, doc, 2, &out);
	free(doc);
	assert_int_equal(out.type, CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "TOO_MANY_RECORDS");
	assert_int_equal(out.n_assets, 0);
	free(acct);
	ck_outcome_release(&out);
}

/* common.md "HTTP status semantics" and "Documents": the bank's statuses,
 * error bodies, hostile and invalid answers. */
static void
statuses_and_bad_documents(void **state)
{
	(void)state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	struct ck_query_input in = person("q-1");
	answer(&in, 400, "<Error xmlns=\"urn:chakong:bank:1\"><Code>MISSING_OFFICER</Code></Error>",
	       10000, &out);
	assert_int_equal(out.type, CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "BAD_REQUEST");
	assert_non_null(strstr(out.detail, "MISSING_OFFICER"));
	answer(&in, 503, NULL, 10000, &out);
	assert_int_equal(out.type, CK_OUTCOME_RETRY);
	answer(&in, 401, NULL, 10000, &out);
	assert_int_equal(out.type, CK_OUTCOME_CREDENTIALS);
	answer(&in, 202, NULL, 10000, &out);
	assert_string_equal(out.reason, "UNEXPECTED_STATUS");
	answer(&in, 404, NULL, 10000, &out);
	assert_string_equal(out.reason, "UNEXPECTED_STATUS");

	char *hostile = spec_example("hostile-xxe.xml");
	answer(&in, 200, hostile, 10000, &out);
	free(hostile);
	assert_int_equal(out.type, CK_OUTCOME_HOSTILE);
	answer(&in, 200, "<Document xmlns=\"urn:chakong:bank:1\"><InfRspn>", 10000, &out);
	assert_string_equal(out.reason, "MALFORMED");
	answer(&in, 200, "", 10000, &out);
	assert_string_equal(out.reason, "MALFORMED");

	/* Every bad answer of the schema tests is refused, never read. */
	static const char *const bad[] = {
	    "bad-response-amount-exponent.xml", "bad-response-currency-lowercase.xml",
	    "bad-response-freeze-seq.xml",      "bad-response-no-party-id.xml",
	    "bad-response-status-twice.xml",    "bad-response-wealth-no-value.xml",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *path = ck_test_path(CK_TESTDATA_DIR "/answers/bank", bad[i]);
		char *text = ck_test_read_file(path, NULL);
		answer(&in, 200, text, 10000, &out);
		if (out.type != CK_OUTCOME_FAILED || strcmp(out.reason, "MALFORMED") != 0)
			fail_msg("%s: %s %s", bad[i], ck_outcome_type_name(out.type), out.reason);
		free(text);
		free(path);
	}
	ck_outcome_release(&out);
}

/* The good answers of the schema tests (prefixes, the default namespace,
 * a BOM, unknown elements, blanks, empty optional elements) all read. */
static void
good_answers_of_every_shape(void **state)
{
	(void)state;
	static const struct {
		const char *file, *request_id, *subject;
		enum ck_outcome_type type;
		size_t n_assets;
	} cases[] = {
	    {"good-response.xml", "q-000001-icbc-r0", PERSON_ID, CK_OUTCOME_FOUND, 4},
	    {"good-response-bom.xml", "q-000001-boc-r0", PERSON_ID, CK_OUTCOME_NOT_FOUND, 0},
	    {"good-response-notfound.xml", "q-000001-boc-r0", PERSON_ID, CK_OUTCOME_NOT_FOUND, 0},
	    {"good-response-prefix.xml", "q-000001-abc-r0", ORG_ID, CK_OUTCOME_NOT_FOUND, 0},
	    {"good-response-default-ns.xml", "q-000002-icbc-r0", PERSON_ID, CK_OUTCOME_MISMATCH, 2},
	    {"good-response-extra.xml", "q-000001-icbc-r0", PERSON_ID, CK_OUTCOME_FOUND, 1},
	    {"good-response-whitespace.xml", "q-000001-icbc-r0", PERSON_ID, CK_OUTCOME_FOUND, 1},
	    {"good-response-empty-optional.xml", "q-000001-icbc-r0", PERSON_ID, CK_OUTCOME_FOUND,
	     2},
	};
	struct ck_outcome out;
	ck_outcome_init(&out);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct ck_query_input in = person(cases[i].request_id);
		in.subject_id = cases[i].subject;
		in.subject_kind =
		    strcmp(cases[i].subject, ORG_ID) == 0 ? CK_SUBJECT_ORG : CK_SUBJECT_PERSON;
		char *path = ck_test_path(CK_TESTDATA_DIR "/answers/bank", cases[i].file);
		char *text = ck_test_read_file(path, NULL);
		answer(&in, 200, text, 10000, &out);
		if (out.type != cases[i].type || out.n_assets != cases[i].n_assets)
			fail_msg("%s: %s %s %s, %zu assets", cases[i].file,
			         ck_outcome_type_name(out.type), out.reason, out.detail,
			         out.n_assets);
		free(text);
		free(path);
	}
	/* The extra elements changed nothing: 100.00 booked, no AVLB. */
	ck_outcome_release(&out);
	struct ck_query_input in = person("q-000001-icbc-r0");
	char *text =
	    ck_test_read_file(CK_TESTDATA_DIR "/answers/bank/good-response-extra.xml", NULL);
	answer(&in, 200, text, 10000, &out);
	free(text);
	assert_int_equal(out.assets[0].book, 10000);
	assert_string_equal(out.assets[0].status, "ENAB");
	assert_int_equal(out.assets[0].enforceable, 0);
	ck_outcome_release(&out);
}

static void
table_is_complete(void **state)
{
	(void)state;
	assert_int_equal(bank->version, CK_ADAPTER_VERSION);
	assert_int_equal(bank->kind, CK_KIND_BANK);
	assert_string_equal(bank->name, ck_kind_name(CK_KIND_BANK));
	assert_int_equal(bank->caps, 0);
	assert_non_null(bank->build_submit);
	assert_null(bank->build_poll);
	assert_null(bank->build_next_page);
	assert_non_null(bank->interpret);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(request_asks_both_scopes_of_the_subject),
	    cmocka_unit_test(spec_example_gives_deposits_and_wealth),
	    cmocka_unit_test(enforceable_is_available_on_asset_accounts_only),
	    cmocka_unit_test(freezes_come_in_queue_order),
	    cmocka_unit_test(broken_arithmetic_is_malformed),
	    cmocka_unit_test(wealth_products_keep_their_currency),
	    cmocka_unit_test(subjects_and_results),
	    cmocka_unit_test(statuses_and_bad_documents),
	    cmocka_unit_test(good_answers_of_every_shape),
	    cmocka_unit_test(table_is_complete),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
