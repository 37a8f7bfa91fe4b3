/* SPDX-License-Identifier: MIT */
/*
 * test_adapter_registry.c: the registry of institution kinds
 * (adapters/registry.c) walked kind by kind, as adapter.h promises it to
 * the scheduler: every kind has a table of this interface version, named
 * as ck_kind_name() names it; the mandatory slots are set and the optional
 * ones exactly when the capabilities call for them; private state is
 * consistent with its release; the kind's schemas are compiled in; its
 * submission validates against its request schema; and testdata holds a
 * recorded good answer for it.  Each kind's own behaviour is tested in
 * tests/test_adapter_<kind>.c.
 */
#include "testutil.h"
#include "chakong/adapter.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <dirent.h>
#include <string.h>

#define CK_CAP_ALL (CK_CAP_PERSONS_ONLY | CK_CAP_ASYNC | CK_CAP_PAGED)

/* The schemas of each kind besides "<kind>-request" (schemas/README.md):
 * at least one answer schema. */
static const char *const other_schemas[CK_KIND_COUNT_][5] = {
    [CK_KIND_BANK] = {"bank-response", "bank-error"},
    [CK_KIND_REALESTATE] = {"realestate-response", "realestate-error"},
    [CK_KIND_VEHICLE] = {"vehicle-response", "vehicle-response-op", "vehicle-result",
                         "vehicle-request-op"},
    [CK_KIND_SOCIALSEC] = {"socialsec-accepted", "socialsec-pending", "socialsec-result",
                           "socialsec-error"},
    [CK_KIND_ECOMMERCE] = {"ecommerce-response", "ecommerce-error"},
};

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

static const struct ck_adapter *
table(enum ck_kind kind)
{
	const struct ck_adapter *a = ck_adapter_for(kind);
	if (a == NULL)
		fail_msg("kind %d (%s) has no adapter table", kind, ck_kind_name(kind));
	return a;
}

/* Every kind has a table of this interface version, in its enum place,
 * named as the kind is; names are unique and parse back to the kind. */
static void
every_kind_has_its_table(void **state)
{
	(void)state;
	for (int k = 0; k < CK_KIND_COUNT_; k++) {
		const struct ck_adapter *a = table((enum ck_kind)k);
		assert_int_equal(a->version, CK_ADAPTER_VERSION);
		assert_int_equal(a->kind, k);
		assert_non_null(a->name);
		assert_non_null(ck_kind_name((enum ck_kind)k));
		assert_string_equal(a->name, ck_kind_name((enum ck_kind)k));
		assert_int_equal(ck_kind_parse(a->name), k);
		for (int j = 0; j < k; j++)
			if (strcmp(table((enum ck_kind)j)->name, a->name) == 0)
				fail_msg("kinds %d and %d are both named %s", j, k, a->name);
	}
	assert_null(ck_adapter_for(CK_KIND_COUNT_));
}

/* Mandatory slots set; build_poll exactly for asynchronous kinds,
 * build_next_page exactly for paginated ones; no unknown capability. */
static void
slots_match_capabilities(void **state)
{
	(void)state;
	for (int k = 0; k < CK_KIND_COUNT_; k++) {
		const struct ck_adapter *a = table((enum ck_kind)k);
		if ((a->caps & ~CK_CAP_ALL) != 0)
			fail_msg("%s: unknown capability bits %#x", a->name, a->caps & ~CK_CAP_ALL);
		if (a->build_submit == NULL || a->interpret == NULL)
			fail_msg("%s: build_submit and interpret are mandatory", a->name);
		if ((a->build_poll != NULL) != ((a->caps & CK_CAP_ASYNC) != 0))
			fail_msg("%s: build_poll must be set exactly when CK_CAP_ASYNC is",
			         a->name);
		if ((a->build_next_page != NULL) != ((a->caps & CK_CAP_PAGED) != 0))
			fail_msg("%s: build_next_page must be set exactly when CK_CAP_PAGED is",
			         a->name);
	}
}

/* A release_state needs a state to release; a declared state is allocated
 * zeroed and freed through the adapter. */
static void
state_is_consistent(void **state)
{
	(void)state;
	static const char zero[256];
	for (int k = 0; k < CK_KIND_COUNT_; k++) {
		const struct ck_adapter *a = table((enum ck_kind)k);
		if (a->state_size == 0) {
			if (a->release_state != NULL)
				fail_msg("%s: release_state without state", a->name);
			assert_null(ck_adapter_state_new(a));
			continue;
		}
		void *st = ck_adapter_state_new(a);
		assert_non_null(st);
		size_t n = a->state_size < sizeof zero ? a->state_size : sizeof zero;
		assert_memory_equal(st, zero, n);
		ck_adapter_state_free(a, st); /* the sanitizer build checks the release */
	}
}

/* The kind's schemas are compiled into the library: pruning a dummy
 * document against an unknown name would say CK_E_NOTFOUND. */
static void
schemas_exist(void **state)
{
	for (int k = 0; k < CK_KIND_COUNT_; k++) {
		const struct ck_adapter *a = table((enum ck_kind)k);
		char request[64];
		snprintf(request, sizeof request, "%s-request", a->name);
		const char *names[6] = {request};
		for (size_t i = 0; i < 5 && other_schemas[k][i] != NULL; i++)
			names[i + 1] = other_schemas[k][i];
		if (names[1] == NULL)
			fail_msg("%s: no answer schema listed for the kind", a->name);
		for (size_t i = 0; i < 6 && names[i] != NULL; i++) {
			xmlDoc *doc = NULL;
			char err[CK_ERR_SIZE] = "";
			const char *dummy = "<dummy><child/></dummy>";
			assert_int_equal(ck_xml_parse(dummy, strlen(dummy), NULL, &doc, err),
			                 CK_OK);
			int rc = ck_xsd_prune(*state, names[i], doc, err);
			xmlFreeDoc(doc);
			if (rc == CK_E_NOTFOUND)
				fail_msg("%s: no embedded schema %s", a->name, names[i]);
			assert_int_equal(rc, CK_OK);
		}
	}
}

/* A query as a filing gives it, about a person or an organisation. */
static struct ck_query_input
query(enum ck_subject_kind subject)
{
	struct ck_query_input in = {
	    .request_id = "q-000009-registry-r0",
	    .case_no = "(2024)苏1283执1234号",
	    .court_code = "苏1283",
	    .court_name = "泰兴市人民法院",
	    .officer = "李四",
	    .subject_kind = subject,
	    .subject_name = subject == CK_SUBJECT_PERSON ? "张三" : "泰兴市某某贸易有限公司",
	    .subject_id =
	        subject == CK_SUBJECT_PERSON ? "320102198001011238" : "91321283MA1MX8K2PW",
	    .now = 1709602200, /* 2024-03-05T09:30:00+08:00 */
	    .now_offset_min = 480,
	};
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

static void
submission_validates(struct ck_xsd_set *xsd, const struct ck_adapter *a,
                     const struct ck_query_input *in)
{
	void *st = ck_adapter_state_new(a);
	struct ck_http_request rq;
	char err[CK_ERR_SIZE] = "", schema[64];
	if (a->build_submit(in, st, &rq, err) != CK_OK)
		fail_msg("%s: build_submit: %s", a->name, err);
	assert_non_null(rq.path);
	assert_non_null(rq.body);
	const char *id = header(&rq, "X-Request-Id");
	if (id == NULL || strcmp(id, in->request_id) != 0)
		fail_msg("%s: X-Request-Id is not the RequestId", a->name);
	xmlDoc *doc = NULL;
	snprintf(schema, sizeof schema, "%s-request", a->name);
	assert_int_equal(ck_xml_parse(rq.body, rq.body_len, NULL, &doc, err), CK_OK);
	if (ck_xsd_validate(xsd, schema, doc, err) != CK_OK)
		fail_msg("%s: the submission does not validate: %s", a->name, err);
	xmlFreeDoc(doc);
	ck_http_request_release(&rq);
	ck_adapter_state_free(a, st);
}

/* Every kind builds a valid submission about a person; about an
 * organisation too, unless it answers about persons only: then it refuses
 * (the scheduler records the channel as not applicable). */
static void
submissions_validate(void **state)
{
	struct ck_query_input person = query(CK_SUBJECT_PERSON), org = query(CK_SUBJECT_ORG);
	for (int k = 0; k < CK_KIND_COUNT_; k++) {
		const struct ck_adapter *a = table((enum ck_kind)k);
		submission_validates(*state, a, &person);
		if (!(a->caps & CK_CAP_PERSONS_ONLY)) {
			submission_validates(*state, a, &org);
			continue;
		}
		void *st = ck_adapter_state_new(a);
		struct ck_http_request rq;
		if (a->build_submit(&org, st, &rq, NULL) != CK_E_USAGE)
			fail_msg("%s: answers about persons only, yet built a request about an "
			         "organisation",
			         a->name);
		ck_http_request_release(&rq);
		ck_adapter_state_free(a, st);
	}
}

/* testdata/answers/<kind>/ holds at least one recorded good answer (a
 * good-* file that is not a request), so the kind is tested without a
 * server. */
static void
recorded_answers_exist(void **state)
{
	(void)state;
	for (int k = 0; k < CK_KIND_COUNT_; k++) {
		const struct ck_adapter *a = table((enum ck_kind)k);
		char *dirpath = ck_test_path(CK_TESTDATA_DIR "/answers", a->name);
		DIR *dir = opendir(dirpath);
		if (dir == NULL)
			fail_msg("%s: no directory testdata/answers/%s", a->name, a->name);
		int good = 0;
		for (struct dirent *d; (d = readdir(dir)) != NULL;)
			if (strncmp(d->d_name, "good-", 5) == 0 &&
			    strncmp(d->d_name, "good-request", 12) != 0)
				good++;
		closedir(dir);
		free(dirpath);
		if (good == 0)
			fail_msg("%s: no recorded good answer in testdata/answers/%s", a->name,
			         a->name);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_kind_has_its_table), cmocka_unit_test(slots_match_capabilities),
	    cmocka_unit_test(state_is_consistent),      cmocka_unit_test(schemas_exist),
	    cmocka_unit_test(submissions_validate),     cmocka_unit_test(recorded_answers_exist),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
