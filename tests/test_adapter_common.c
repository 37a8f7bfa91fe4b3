/* SPDX-License-Identifier: MIT */
/*
 * test_adapter_common.c: what every adapter shares: the meaning of HTTP
 * statuses (common.md), Retry-After in both forms, subject comparison,
 * loading answers (hostile, malformed, unknown elements pruned), building
 * requests, and outcomes owning their records.
 */
#include "testutil.h"
#include "common/common.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <string.h>

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

static const struct ck_query_input input = {.request_id = "q-1", .now = 1700000000};

static enum ck_outcome_type
classify(int status, const char *retry_after, const char *body, struct ck_outcome *out)
{
	struct ck_adapter_env env = {.xsd = xsd, .max_records = 10000, .max_body = 1 << 20};
	struct ck_http_response r = {.status = status,
	                             .retry_after = retry_after,
	                             .body = body,
	                             .body_len = body ? strlen(body) : 0};
	ck_outcome_release(out);
	if (!ck_ad_common_status(&input, &r, &env, "bank-error", "urn:chakong:bank:1", out))
		return CK_OUTCOME_NONE;
	return out->type;
}

static void
statuses_mean_what_common_md_says(void **state)
{
	(void)state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	assert_int_equal(classify(200, NULL, NULL, &out), CK_OUTCOME_NONE);
	assert_int_equal(classify(202, NULL, NULL, &out), CK_OUTCOME_NONE);
	assert_int_equal(classify(404, NULL, NULL, &out), CK_OUTCOME_NONE);
	assert_int_equal(classify(401, NULL, NULL, &out), CK_OUTCOME_CREDENTIALS);
	assert_int_equal(classify(403, NULL, NULL, &out), CK_OUTCOME_CREDENTIALS);
	assert_int_equal(classify(429, "7", NULL, &out), CK_OUTCOME_RETRY);
	assert_int_equal(out.retry_after_s, 7);
	for (int s = 500; s <= 504; s++)
		if (s != 501) {
			assert_int_equal(classify(s, NULL, NULL, &out), CK_OUTCOME_RETRY);
			assert_int_equal(out.retry_after_s, -1);
		}
	assert_int_equal(classify(409, NULL, NULL, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "REQUEST_ID_REUSED");
	assert_int_equal(classify(418, NULL, NULL, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "UNEXPECTED_STATUS");

	const char *org = "<Error xmlns=\"urn:chakong:bank:1\"><Code>ORG_NOT_APPLICABLE</Code>"
	                  "<Message>persons only</Message></Error>";
	assert_int_equal(classify(400, NULL, org, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "NOT_APPLICABLE");
	const char *bad = "<Error xmlns=\"urn:chakong:bank:1\"><Code>MISSING_OFFICER</Code>"
	                  "<Message>Offcr is required</Message></Error>";
	assert_int_equal(classify(400, NULL, bad, &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "BAD_REQUEST");
	assert_non_null(strstr(out.detail, "MISSING_OFFICER: Offcr is required"));
	assert_int_equal(classify(400, NULL, "not xml at all", &out), CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "BAD_REQUEST");
	ck_outcome_release(&out);
}

static void
retry_after_in_seconds_or_http_date(void **state)
{
	(void)state;
	int64_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
	assert_int_equal(ck_ad_retry_after("120", now), 120);
	assert_int_equal(ck_ad_retry_after("0", now), 0);
	assert_int_equal(ck_ad_retry_after(NULL, now), -1);
	assert_int_equal(ck_ad_retry_after("soon", now), -1);
	assert_int_equal(ck_ad_retry_after("-5", now), -1);
	assert_int_equal(ck_ad_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), 30);
	assert_int_equal(ck_ad_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), 0);
	assert_int_equal(ck_ad_retry_after("Sun, 06 Foo 1994 08:50:07 GMT", now), -1);
	assert_int_equal(ck_ad_retry_after("99999999999", now), 86400 * 30);
}

static void
subjects_compare_after_normalisation(void **state)
{
	(void)state;
	assert_true(ck_ad_same_subject("11010519491231002X", "11010519491231002x"));
	assert_true(ck_ad_same_subject("11010519491231002X", " 11010519491231002X\n"));
	assert_false(ck_ad_same_subject("11010519491231002X", "110105194912310021"));
	assert_false(ck_ad_same_subject("11010519491231002X", NULL));
	assert_false(ck_ad_same_subject("11010519491231002X", "11010519491231002"));
}

static void
loading_prunes_unknown_and_refuses_hostile(void **state)
{
	(void)state;
	struct ck_adapter_env env = {.xsd = xsd, .max_records = 10000, .max_body = 1 << 20};
	struct ck_outcome out;
	ck_outcome_init(&out);
	xmlDoc *doc;
	const char *extra = "<Error xmlns=\"urn:chakong:bank:1\" added=\"1\"><Code>X</Code>"
	                    "<Message>m</Message><NewField>n</NewField></Error>";
	assert_int_equal(ck_ad_load(extra, strlen(extra), &env, "bank-error", &doc, &out), CK_OK);
	xmlFreeDoc(doc);
	const char *hostile = "<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><e>&x;</e>";
	assert_int_equal(ck_ad_load(hostile, strlen(hostile), &env, "bank-error", &doc, &out), 1);
	assert_int_equal(out.type, CK_OUTCOME_HOSTILE);
	ck_outcome_release(&out);
	const char *missing = "<Error xmlns=\"urn:chakong:bank:1\"><Message>m</Message></Error>";
	assert_int_equal(ck_ad_load(missing, strlen(missing), &env, "bank-error", &doc, &out), 1);
	assert_int_equal(out.type, CK_OUTCOME_FAILED);
	assert_string_equal(out.reason, "MALFORMED");
	ck_outcome_release(&out);
}

static void
requests_carry_the_common_headers(void **state)
{
	(void)state;
	struct ck_buf body = {0};
	ck_buf_puts(&body, "<x/>");
	struct ck_http_request rq;
	assert_int_equal(ck_ad_request(&rq, "POST", "/fi/inquiry", "application/xml; charset=utf-8",
	                               &body, "q-1"),
	                 CK_OK);
	assert_null(body.data);
	assert_string_equal(rq.body, "<x/>");
	assert_int_equal(rq.body_len, 4);
	assert_int_equal(rq.n_headers, 2);
	assert_string_equal(rq.headers[0].name, "Content-Type");
	assert_string_equal(rq.headers[1].name, "X-Request-Id");
	assert_string_equal(rq.headers[1].value, "q-1");
	ck_http_request_release(&rq);
	assert_int_equal(ck_ad_request(&rq, "GET", "/si/v1/inquiries/T-1", NULL, NULL, "q-1"),
	                 CK_OK);
	assert_null(rq.body);
	assert_int_equal(rq.n_headers, 1);
	ck_http_request_release(&rq);
}

static void
outcomes_own_their_records(void **state)
{
	(void)state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	for (int i = 0; i < 100; i++) {
		struct ck_asset *a = ck_outcome_add_asset(&out);
		assert_non_null(a);
		a->ref = strdup("6222");
		for (int k = 0; k < 3; k++) {
			struct ck_encumbrance *e = ck_asset_add_encumbrance(a);
			assert_int_equal(e->starts_on, CK_NO_DATE);
			e->authority = strdup("court");
		}
		struct ck_lead *l = ck_outcome_add_lead(&out);
		l->label = strdup("lead");
	}
	assert_int_equal(out.n_assets, 100);
	assert_string_equal(out.assets[99].ref, "6222");
	assert_int_equal(out.assets[50].n_encumbrances, 3);
	ck_outcome_fail(&out, CK_OUTCOME_FAILED, "MALFORMED", "line %d\nsecond", 3);
	assert_string_equal(out.detail, "line 3 second");
	ck_outcome_release(&out); /* the sanitizer build proves nothing leaks */
	assert_int_equal(out.n_assets, 0);
	assert_int_equal(out.retry_after_s, -1);
	assert_string_equal(ck_outcome_type_name(CK_OUTCOME_MISMATCH), "subject_mismatch");
	assert_string_equal(ck_kind_name(CK_KIND_SOCIALSEC), "socialsec");
	assert_int_equal(ck_kind_parse("vehicle"), CK_KIND_VEHICLE);
	assert_int_equal(ck_kind_parse("boat"), -1);
}

/* A detail quotes what the institution sent (a schema error names the
 * namespace or the value): it reaches the store, the logs and a terminal
 * as one line of printable UTF-8, whatever the answer held.  Found by
 * fuzz_socialsec (testdata/fuzz/socialsec/). */
static void
details_are_one_printable_line(void **state)
{
	(void)state;
	struct ck_outcome out;
	ck_outcome_init(&out);
	ck_outcome_fail(&out, CK_OUTCOME_FAILED, "MALFORMED", "%s",
	                "urn:chak\x7fng \x1b[2Jred\x1b]0;title\x07 \xc2\x85next\tcol\r\n"
	                "\xff\xfe bad \xe5\xbc 张三");
	assert_string_equal(out.detail, "urn:chak?ng ?[2Jred?]0;title? ?next col  ?? bad ?? 张三");
	ck_outcome_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(statuses_mean_what_common_md_says),
	    cmocka_unit_test(retry_after_in_seconds_or_http_date),
	    cmocka_unit_test(subjects_compare_after_normalisation),
	    cmocka_unit_test(loading_prunes_unknown_and_refuses_hostile),
	    cmocka_unit_test(requests_carry_the_common_headers),
	    cmocka_unit_test(outcomes_own_their_records),
	    cmocka_unit_test(details_are_one_printable_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
