/* SPDX-License-Identifier: MIT */
/*
 * filing_xml.c: reading an XML filing (urn:chakong:filing:1) into checked
 * cases.
 *
 * The document goes through xmlsafe (hardened parse) and the filing XSD.
 * When the document as a whole fails the schema, each Case is validated on
 * its own so that one bad case does not hold back the good ones; then the
 * checks shared with CSV (filing.c) run on every case that passed.
 */
#include "chakong/error.h"
#include "chakong/xmlsafe.h"
#include "filing_internal.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILING_NS        "urn:chakong:filing:1"
#define FILING_MAX_DEPTH 16

/* Field names as the XML spells them, for messages. */
static const char *const xml_names[F_COUNT_] = {
    [F_CASE_NO] = "Case/@no",
    [F_COURT_CODE] = "Court/@code",
    [F_COURT_NAME] = "Court",
    [F_FILED_AT] = "FiledAt",
    [F_OFFICER] = "Officer",
    [F_AMOUNT_OWED] = "AmountOwed",
    [F_DEBTOR_KIND] = "Debtor/@kind",
    [F_DEBTOR_NAME] = "Debtor/Name",
    [F_DEBTOR_ID] = "Debtor/Id",
    [F_STATUS] = "Case/@status",
    [F_TERMINATED_AT] = "TerminatedAt",
};

/* Validates one Case on its own, in a document of its own. */
static int
validate_case(struct filing_ctx *fx, xmlNode *case_node, char *err)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = doc ? xmlNewDocNode(doc, NULL, (const xmlChar *)"Filings", NULL) : NULL;
	if (root == NULL) {
		xmlFreeDoc(doc);
		return ck_fail(err, CK_E_NOMEM, "out of memory");
	}
	xmlDocSetRootElement(doc, root);
	xmlSetNs(root, xmlNewNs(root, (const xmlChar *)FILING_NS, NULL));
	xmlNode *copy = xmlDocCopyNode(case_node, doc, 1);
	int rc = copy != NULL && xmlAddChild(root, copy) != NULL
	             ? ck_xsd_validate(fx->xsd, "filing", doc, err)
	             : ck_fail(err, CK_E_NOMEM, "out of memory");
	xmlFreeDoc(doc);
	return rc;
}

/* "FILE:LINE (case NO)" for messages about node.  libxml2 counts lines in
 * 16 bits: from line 65535 on it cannot say, and the case number alone
 * places the message. */
static void
locate(const struct filing_ctx *fx, const xmlNode *node, const char *case_no, char *where,
       size_t size)
{
	long line = ck_xml_line(node);
	const char *no = case_no ? case_no : "without a number";
	if (line > 0 && line < 65535)
		snprintf(where, size, "%s:%ld (case %s)", fx->name, line, no);
	else
		snprintf(where, size, "%s (case %s)", fx->name, no);
}

/* Arena copy of an element's text, or NULL when absent (or on no memory,
 * which then shows as the field missing: the import reports it). */
static const char *
text_of(struct filing_ctx *fx, const xmlNode *n)
{
	if (n == NULL)
		return NULL;
	char *t = ck_xml_text(n);
	if (t == NULL)
		return NULL;
	const char *copy = filing_trimmed(fx, t, strlen(t));
	free(t);
	return copy;
}

static const char *
attr_of(struct filing_ctx *fx, const xmlNode *n, const char *name)
{
	char *a = n ? ck_xml_attr(n, name) : NULL;
	if (a == NULL)
		return NULL;
	const char *copy = filing_trimmed(fx, a, strlen(a));
	free(a);
	return copy;
}

/* The only child element named `local`; reports a repeated one. */
static xmlNode *
single(struct filing_ctx *fx, const char *where, const xmlNode *parent, const char *local,
       int *problems)
{
	xmlNode *n = ck_xml_first(parent, FILING_NS, local);
	if (n != NULL && ck_xml_next(n, FILING_NS, local) != NULL) {
		filing_problem(fx, where, "%s appears more than once", local);
		(*problems)++;
	}
	return n;
}

static int
import_case(struct filing_ctx *fx, xmlNode *case_node, struct ck_debtor_rec **debtors, size_t *cap,
            char *err)
{
	const char *raw[F_COUNT_] = {0};
	raw[F_CASE_NO] = attr_of(fx, case_node, "no");
	raw[F_STATUS] = attr_of(fx, case_node, "status");
	char where[512];
	locate(fx, case_node, raw[F_CASE_NO], where, sizeof where);

	int problems = 0;
	xmlNode *court = single(fx, where, case_node, "Court", &problems);
	raw[F_COURT_CODE] = attr_of(fx, court, "code");
	raw[F_COURT_NAME] = text_of(fx, court);
	raw[F_FILED_AT] = text_of(fx, single(fx, where, case_node, "FiledAt", &problems));
	raw[F_OFFICER] = text_of(fx, single(fx, where, case_node, "Officer", &problems));
	raw[F_AMOUNT_OWED] = text_of(fx, single(fx, where, case_node, "AmountOwed", &problems));
	raw[F_TERMINATED_AT] = text_of(fx, single(fx, where, case_node, "TerminatedAt", &problems));
	if (court == NULL) {
		filing_problem(fx, where, "Court is missing");
		problems++;
	}
	struct ck_case_rec rec;
	problems += filing_check_case(fx, where, raw, &rec);

	size_t n = 0;
	for (xmlNode *d = ck_xml_first(case_node, FILING_NS, "Debtor"); d != NULL;
	     d = ck_xml_next(d, FILING_NS, "Debtor")) {
		char dwhere[512];
		locate(fx, d, raw[F_CASE_NO], dwhere, sizeof dwhere);
		if (n == *cap) {
			size_t grown_cap = *cap ? *cap * 2 : 8;
			struct ck_debtor_rec *grown = realloc(*debtors, grown_cap * sizeof *grown);
			if (grown == NULL)
				return ck_fail(err, CK_E_NOMEM, "out of memory");
			*debtors = grown;
			*cap = grown_cap;
		}
		struct ck_debtor_rec *rec_d = &(*debtors)[n];
		int bad = filing_check_debtor(fx, dwhere, attr_of(fx, d, "kind"),
		                              text_of(fx, ck_xml_first(d, FILING_NS, "Name")),
		                              text_of(fx, ck_xml_first(d, FILING_NS, "Id")), rec_d);
		/* Earlier debtors that failed their checks have no id_no. */
		for (size_t j = 0; !bad && j < n; j++)
			if ((*debtors)[j].id_no != NULL &&
			    strcmp((*debtors)[j].id_no, rec_d->id_no) == 0) {
				filing_problem(fx, dwhere, "Debtor/Id %s appears again in the case",
				               rec_d->id_no);
				bad = 1;
			}
		problems += bad;
		n++;
	}
	if (n == 0) {
		filing_problem(fx, where, "the case has no Debtor");
		problems++;
	}
	if (problems > 0) {
		filing_reject_case(fx, where, rec.case_no ? rec.case_no : raw[F_CASE_NO]);
		return CK_OK;
	}
	return filing_store_case(fx, &rec, *debtors, n, err);
}

int
filing_import_xml(struct filing_ctx *fx, const void *data, size_t len, char *err)
{
	fx->field_names = xml_names;
	struct ck_xml_limits limits = {.max_bytes = CK_FILING_MAX_BYTES,
	                               .max_depth = FILING_MAX_DEPTH};
	xmlDoc *doc = NULL;
	char why[CK_ERR_SIZE] = "";
	int rc = ck_xml_parse(data, len, &limits, &doc, why);
	if (rc != CK_OK)
		return ck_fail(err, rc, "%s: %s", fx->name, why);
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!ck_xml_is(root, FILING_NS, "Filings")) {
		xmlFreeDoc(doc);
		return ck_fail(err, CK_E_SCHEMA,
		               "%s: the root element is not Filings in namespace " FILING_NS,
		               fx->name);
	}
	/* When the whole fails its schema, find the cases that fail on their
	 * own (marked through the node's application pointer); a failure that
	 * no case explains is about the file as a whole. */
	static char invalid_mark;
	char schema_err[CK_ERR_SIZE] = "";
	if (ck_xsd_validate(fx->xsd, "filing", doc, schema_err) != CK_OK) {
		int invalid_cases = 0;
		for (xmlNode *c = ck_xml_first(root, FILING_NS, "Case"); c != NULL;
		     c = ck_xml_next(c, FILING_NS, "Case")) {
			char case_err[CK_ERR_SIZE] = "";
			if (validate_case(fx, c, case_err) == CK_OK)
				continue;
			char *no = ck_xml_attr(c, "no");
			char where[512];
			locate(fx, c, no, where, sizeof where);
			filing_problem(fx, where, "%s", case_err);
			filing_reject_case(fx, where, no);
			free(no);
			c->_private = &invalid_mark;
			invalid_cases++;
		}
		if (invalid_cases == 0) {
			xmlFreeDoc(doc);
			return ck_fail(err, CK_E_SCHEMA, "%s: %s", fx->name, schema_err);
		}
	}

	struct ck_debtor_rec *debtors = NULL;
	size_t cap = 0;
	rc = CK_OK;
	for (xmlNode *c = ck_xml_first(root, FILING_NS, "Case"); rc == CK_OK && c != NULL;
	     c = ck_xml_next(c, FILING_NS, "Case"))
		if (c->_private != &invalid_mark)
			rc = import_case(fx, c, &debtors, &cap, err);
	free(debtors);
	xmlFreeDoc(doc);
	return rc;
}
