/* SPDX-License-Identifier: MIT */
/*
 * test_schemas.c: the institution message schemas (schemas/<kind>-*.xsd)
 * against the documents under testdata/answers/<kind>/.  Every good-*.xml
 * must validate and every bad-*.xml must fail with CK_E_SCHEMA, after the
 * steps an adapter takes before validating, which this file also serves to
 * illustrate: answers are pruned of the elements and attributes their
 * schema does not declare; the vehicle kind's SOAP envelope, operation
 * element and escaped result document are validated one after the other.
 * testdata/answers/README.md gives the file naming convention; with
 * CK_TEST_VERBOSE set in the environment, every file's outcome is printed.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"
#include "schemas_embedded.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#define XS_NS   "http://www.w3.org/2001/XMLSchema"
#define SOAP_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define VEH_NS  "urn:chakong:trff:vehicle:1"

static const char *const kinds[] = {"bank", "realestate", "vehicle", "socialsec", "ecommerce"};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static struct ck_xsd_set *set;

static int
setup(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE] = "";
	if (ck_xsd_set_new(&set, err) != CK_OK) {
		fprintf(stderr, "ck_xsd_set_new: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ck_xsd_set_free(set);
	set = NULL;
	return 0;
}

/* ---- Schemas and pruning ---- */

static const struct ck_embedded_schema *
embedded(const char *name)
{
	for (const struct ck_embedded_schema *es = ck_embedded_schemas; es->name != NULL; es++)
		if (strcmp(es->name, name) == 0)
			return es;
	return NULL;
}

/* What an adapter does to an answer before validating it (schemas/README.md). */
static void
prune(xmlDoc *doc, const char *schema)
{
	char err[CK_ERR_SIZE] = "";
	if (ck_xsd_prune(set, schema, doc, err) != CK_OK)
		fail_msg("pruning against %s: %s", schema, err);
}

/* ---- Validation the way an adapter does it ---- */

/* A new document whose root is a copy of n (namespaces in scope come too). */
static xmlDoc *
subtree_doc(xmlNode *n)
{
	xmlDoc *d = xmlNewDoc(BAD_CAST "1.0");
	assert_non_null(d);
	xmlNode *c = xmlDocCopyNode(n, d, 1);
	assert_non_null(c);
	xmlDocSetRootElement(d, c);
	return d;
}

/* The element in the Body of a SOAP envelope the schema has accepted. */
static xmlNode *
body_entry(xmlDoc *doc)
{
	xmlNode *body = ck_xml_first(xmlDocGetRootElement(doc), SOAP_NS, "Body");
	assert_non_null(body);
	xmlNode *entry = xmlFirstElementChild(body);
	assert_non_null(entry);
	return entry;
}

/* SOAP request: the envelope, then the operation element on its own. */
static int
validate_vehicle_request(xmlDoc *doc, char *err)
{
	int rc = ck_xsd_validate(set, "vehicle-request", doc, err);
	if (rc != CK_OK)
		return rc;
	xmlDoc *op = subtree_doc(body_entry(doc));
	rc = ck_xsd_validate(set, "vehicle-request-op", op, err);
	xmlFreeDoc(op);
	return rc;
}

/* SOAP answer: the envelope; a fault ends there; otherwise the operation
 * element (pruned), then the text of its return parsed as a document of
 * its own (pruned). */
static int
validate_vehicle_response(xmlDoc *doc, char *err)
{
	int rc = ck_xsd_validate(set, "vehicle-response", doc, err);
	if (rc != CK_OK)
		return rc;
	xmlNode *entry = body_entry(doc);
	if (ck_xml_is(entry, SOAP_NS, "Fault"))
		return CK_OK;
	xmlDoc *op = subtree_doc(entry);
	prune(op, "vehicle-response-op");
	rc = ck_xsd_validate(set, "vehicle-response-op", op, err);
	if (rc == CK_OK) {
		xmlNode *root = xmlDocGetRootElement(op);
		xmlNode *ret = ck_xml_first(root, NULL, "return");
		if (ret == NULL)
			ret = ck_xml_first(root, VEH_NS, "return");
		char *text = ck_xml_text(ret);
		assert_non_null(text);
		xmlDoc *inner = NULL;
		rc = ck_xml_parse(text, strlen(text), NULL, &inner, err);
		free(text);
		if (rc == CK_OK) {
			prune(inner, "vehicle-result");
			rc = ck_xsd_validate(set, "vehicle-result", inner, err);
			xmlFreeDoc(inner);
		}
	}
	xmlFreeDoc(op);
	return rc;
}

/* Validates doc as the message `message` of `kind`; requests are validated
 * as they are, answers are pruned first. */
static int
validate_message(const char *kind, const char *message, xmlDoc *doc, char *err)
{
	int request = strcmp(message, "request") == 0;
	if (strcmp(kind, "vehicle") == 0 && request)
		return validate_vehicle_request(doc, err);
	if (strcmp(kind, "vehicle") == 0 && strcmp(message, "response") == 0)
		return validate_vehicle_response(doc, err);
	char schema[128];
	snprintf(schema, sizeof schema, "%s-%s", kind, message);
	if (!request && embedded(schema) != NULL)
		prune(doc, schema);
	return ck_xsd_validate(set, schema, doc, err);
}

/* ---- The answers directory ---- */

static char *
answers_dir(const char *kind)
{
	size_t n = strlen(CK_TESTDATA_DIR) + strlen(kind) + 16;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/answers/%s", CK_TESTDATA_DIR, kind);
	return p;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .xml files of dir, sorted; caller frees each and the array. */
/* A growable list of owned strings. */
struct names {
	char **v;
	size_t n, cap;
};

static void
push(struct names *s, char *owned)
{
	assert_non_null(owned);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		assert_non_null(s->v);
	}
	s->v[s->n++] = owned;
}

static char **
xml_files(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	struct names list = {0};
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".xml") == 0)
			push(&list, strdup(e->d_name));
	}
	closedir(d);
	qsort(list.v, list.n, sizeof *list.v, cmp_str);
	*count = list.n;
	return list.v;
}

/*
 * Splits "good-response-extra.xml" into the verdict (1 for good, 0 for bad)
 * and the message ("response").  Returns 0 when the name breaks the
 * convention.
 */
static int
split_name(const char *file, int *good, char *message, size_t size)
{
	const char *rest;
	if (strncmp(file, "good-", 5) == 0) {
		*good = 1;
		rest = file + 5;
	} else if (strncmp(file, "bad-", 4) == 0) {
		*good = 0;
		rest = file + 4;
	} else {
		return 0;
	}
	size_t len = strcspn(rest, "-.");
	if (len == 0 || len >= size)
		return 0;
	memcpy(message, rest, len);
	message[len] = '\0';
	return 1;
}

static xmlDoc *
parse_or_fail(const char *path)
{
	size_t len;
	char *buf = ck_test_read_file(path, &len);
	char err[CK_ERR_SIZE] = "";
	xmlDoc *doc = NULL;
	int rc = ck_xml_parse(buf, len, NULL, &doc, err);
	free(buf);
	if (rc != CK_OK)
		fail_msg("%s does not parse (%s): %s", path, ck_strerror(rc), err);
	return doc;
}

/* Checks one file by its name; returns 1 when it behaves as named. */
static int
check_file(const char *kind, const char *dir, const char *file)
{
	int good;
	char message[32];
	if (!split_name(file, &good, message, sizeof message)) {
		print_error("%s/%s: name is not good-<message>[-<variant>].xml or "
		            "bad-<message>[-<variant>].xml\n",
		            kind, file);
		return 0;
	}
	char *path = ck_test_path(dir, file);
	xmlDoc *doc = parse_or_fail(path);
	free(path);
	char err[CK_ERR_SIZE] = "";
	int rc = validate_message(kind, message, doc, err);
	xmlFreeDoc(doc);
	int want = good ? CK_OK : CK_E_SCHEMA;
	if (getenv("CK_TEST_VERBOSE") != NULL)
		print_message("%s/%s: %s%s%s\n", kind, file, ck_strerror(rc), err[0] ? ": " : "",
		              err);
	if (rc != want) {
		print_error("%s/%s: expected %s, got %s%s%s\n", kind, file, ck_strerror(want),
		            ck_strerror(rc), err[0] ? ": " : "", err);
		return 0;
	}
	return 1;
}

/* Every file of one kind's directory behaves as its name says, and the
 * directory holds good and bad examples of each of the kind's messages. */
static void
answers_of_kind(const char *kind)
{
	char *dir = answers_dir(kind);
	size_t n;
	char **files = xml_files(dir, &n);
	size_t good = 0, bad = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (!check_file(kind, dir, files[i]))
			failed++;
		else if (strncmp(files[i], "good-", 5) == 0)
			good++;
		else
			bad++;
	}

	/* Each schema of the kind (the vehicle's operation schemas are
	 * reached through its envelopes) has good and bad examples. */
	size_t klen = strlen(kind);
	for (const struct ck_embedded_schema *es = ck_embedded_schemas; es->name != NULL; es++) {
		if (strncmp(es->name, kind, klen) != 0 || es->name[klen] != '-' ||
		    strstr(es->name, "-op") != NULL)
			continue;
		char prefix[128];
		for (int g = 0; g < 2; g++) {
			snprintf(prefix, sizeof prefix, "%s%s", g ? "good-" : "bad-",
			         es->name + klen + 1);
			size_t plen = strlen(prefix);
			int found = 0;
			for (size_t i = 0; i < n && !found; i++)
				found = strncmp(files[i], prefix, plen) == 0 &&
				        (files[i][plen] == '-' || files[i][plen] == '.');
			if (!found) {
				print_error("%s: no %s*.xml for schema %s\n", kind, prefix,
				            es->name);
				failed++;
			}
		}
	}
	print_message("%s: %zu files: %zu good and %zu bad as expected, %zu not\n", kind, n, good,
	              bad, failed);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(dir);
	assert_int_equal(failed, 0);
}

static void
bank_answers(void **state)
{
	(void)state;
	answers_of_kind("bank");
}

static void
realestate_answers(void **state)
{
	(void)state;
	answers_of_kind("realestate");
}

static void
vehicle_answers(void **state)
{
	(void)state;
	answers_of_kind("vehicle");
}

static void
socialsec_answers(void **state)
{
	(void)state;
	answers_of_kind("socialsec");
}

static void
ecommerce_answers(void **state)
{
	(void)state;
	answers_of_kind("ecommerce");
}

/* common.md: "Every request names the case number and the officer in
 * charge": the spec's request example validates, and without either it
 * does not. */
static void
requests_need_case_number_and_officer(void **state)
{
	(void)state;
	static const char *const files[] = {"good-request.xml", "bad-request-no-caseno.xml",
	                                    "bad-request-no-officer.xml"};
	for (size_t k = 0; k < NKINDS; k++) {
		char *dir = answers_dir(kinds[k]);
		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
			char *path = ck_test_path(dir, files[i]);
			struct stat st;
			if (stat(path, &st) != 0)
				fail_msg("missing %s", path);
			free(path);
			assert_true(check_file(kinds[k], dir, files[i]));
		}
		free(dir);
	}
}

/* The extra elements of good-*-extra answers validate only because they
 * are pruned: the schemas themselves stay strict. */
static void
extras_need_pruning(void **state)
{
	(void)state;
	static const struct {
		const char *kind, *file, *schema;
	} cases[] = {
	    {"bank", "good-response-extra.xml", "bank-response"},
	    {"realestate", "good-response-extra.xml", "realestate-response"},
	    {"socialsec", "good-result-extra.xml", "socialsec-result"},
	    {"socialsec", "good-pending-extra.xml", "socialsec-pending"},
	    {"ecommerce", "good-response-extra.xml", "ecommerce-response"},
	    {"vehicle", "good-result-extra.xml", "vehicle-result"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *dir = answers_dir(cases[i].kind);
		char *path = ck_test_path(dir, cases[i].file);
		xmlDoc *doc = parse_or_fail(path);
		char err[CK_ERR_SIZE] = "";
		if (ck_xsd_validate(set, cases[i].schema, doc, err) != CK_E_SCHEMA)
			fail_msg("%s validates without pruning", path);
		err[0] = '\0';
		prune(doc, cases[i].schema);
		if (ck_xsd_validate(set, cases[i].schema, doc, err) != CK_OK)
			fail_msg("%s after pruning: %s", path, err);
		xmlFreeDoc(doc);
		free(path);
		free(dir);
	}
}

/* The examples of the spec itself, where the build can see them. */
static void
spec_examples_validate(void **state)
{
	(void)state;
	static const struct {
		const char *file, *kind, *message;
	} cases[] = {
	    {"bank-response.xml", "bank", "response"},
	    {"bank-response-notfound.xml", "bank", "response"},
	    {"realestate-response.xml", "realestate", "response"},
	    {"vehicle-response.xml", "vehicle", "response"},
	    {"vehicle-fault.xml", "vehicle", "response"},
	    {"socialsec-accepted.xml", "socialsec", "accepted"},
	    {"socialsec-pending.xml", "socialsec", "pending"},
	    {"socialsec-result.xml", "socialsec", "result"},
	    {"ecommerce-page1.xml", "ecommerce", "response"},
	    {"ecommerce-page2.xml", "ecommerce", "response"},
	};
	struct stat st;
	if (stat(CK_SPEC_EXAMPLES, &st) != 0 || !S_ISDIR(st.st_mode))
		skip();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = ck_test_path(CK_SPEC_EXAMPLES, cases[i].file);
		xmlDoc *doc = parse_or_fail(path);
		char err[CK_ERR_SIZE] = "";
		if (validate_message(cases[i].kind, cases[i].message, doc, err) != CK_OK)
			fail_msg("%s: %s", path, err);
		xmlFreeDoc(doc);
		free(path);
	}
}

static void
ignore_schema_error(void *ctx, xmlErrorPtr e)
{
	char *first = ctx;
	if (first[0] == '\0' && e != NULL && e->message != NULL)
		snprintf(first, CK_ERR_SIZE, "line %d: %s", e->line, e->message);
}

/* Every embedded schema compiles (a schema that does not would make every
 * bad-* file "fail" for the wrong reason). */
static void
every_schema_compiles(void **state)
{
	(void)state;
	size_t count = 0;
	for (const struct ck_embedded_schema *es = ck_embedded_schemas; es->name != NULL; es++) {
		char first[CK_ERR_SIZE] = "";
		xmlSchemaParserCtxtPtr p =
		    xmlSchemaNewMemParserCtxt((const char *)es->data, (int)es->size);
		assert_non_null(p);
		xmlSchemaSetParserStructuredErrors(p, ignore_schema_error, first);
		xmlSchemaPtr s = xmlSchemaParse(p);
		xmlSchemaFreeParserCtxt(p);
		if (s == NULL)
			fail_msg("schema %s does not compile: %s", es->name, first);
		xmlSchemaFree(s);
		count++;
	}
	assert_true(count > 1);
}

/* Pruning looks names up by namespace and local name exactly: a declared
 * name stays wherever it is, and names a character short or long, in
 * another namespace or in none go, with every attribute no xs:attribute
 * declares. */
static void
prune_matches_names_exactly(void **state)
{
	(void)state;
	static const char doc_text[] =
	    "<b:Document xmlns:b=\"urn:chakong:bank:1\" xmlns:x=\"urn:chakong:bank:2\">"
	    "<b:Acct Ccy=\"CNY\" Cc=\"1\" Ccyx=\"2\" x:Ccy=\"3\"/><b:Acc/><b:Accta/>"
	    "<x:Acct/><Acct xmlns=\"\"/><b:Ccy/><b:A/><b:Zzzz/><b:Id/><b:Document/>"
	    "</b:Document>";
	xmlDoc *doc = NULL;
	char err[CK_ERR_SIZE] = "";
	if (ck_xml_parse(doc_text, sizeof doc_text - 1, NULL, &doc, err) != CK_OK)
		fail_msg("%s", err);
	prune(doc, "bank-response");
	char kept[256] = "";
	size_t used = 0;
	for (xmlNode *c = xmlDocGetRootElement(doc)->children; c != NULL; c = c->next) {
		used +=
		    (size_t)snprintf(kept + used, sizeof kept - used, "%s", (const char *)c->name);
		for (xmlAttr *a = c->properties; a != NULL; a = a->next)
			used += (size_t)snprintf(kept + used, sizeof kept - used, "@%s",
			                         (const char *)a->name);
		used += (size_t)snprintf(kept + used, sizeof kept - used, " ");
		assert_true(used < sizeof kept);
	}
	assert_string_equal(kept, "Acct@Ccy Ccy Id Document ");
	xmlFreeDoc(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_schema_compiles),
	    cmocka_unit_test(spec_examples_validate),
	    cmocka_unit_test(requests_need_case_number_and_officer),
	    cmocka_unit_test(extras_need_pruning),
	    cmocka_unit_test(prune_matches_names_exactly),
	    cmocka_unit_test(bank_answers),
	    cmocka_unit_test(realestate_answers),
	    cmocka_unit_test(vehicle_answers),
	    cmocka_unit_test(socialsec_answers),
	    cmocka_unit_test(ecommerce_answers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
