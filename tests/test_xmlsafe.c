/* SPDX-License-Identifier: MIT */
/*
 * test_xmlsafe.c: hostile documents (DOCTYPE, external and parameter
 * entities, entity bombs, deep nesting, oversize input) are refused without
 * anything being fetched or printed; encodings decode to the exact UTF-8
 * text; lookup goes by namespace URI, never by prefix; the embedded filing
 * schema validates.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BANK_NS   "urn:chakong:bank:1"
#define FILING_NS "urn:chakong:filing:1"

/* Unique text that must never come out of the parser: if it does, a file
 * was read. */
#define CANARY "canary-4e1f9b7d-never-read"

/* The suite runs twice: with a parser context per document, then with one
 * parser kept throughout (ck_xml_parse_with), which must refuse and accept
 * the same documents with the same messages whatever it parsed before. */
static struct ck_xml_parser *shared;

static int
mem_parse(const void *buf, size_t len, const struct ck_xml_limits *limits, xmlDoc **doc, char *err)
{
	return shared != NULL ? ck_xml_parse_with(shared, buf, len, limits, doc, err)
	                      : ck_xml_parse(buf, len, limits, doc, err);
}

/* Parses a NUL-terminated string; returns the code, and frees any document
 * after checking that failures yield none. */
static int
parse_str(const char *s, const struct ck_xml_limits *limits, char *err)
{
	xmlDoc *doc = (xmlDoc *)1;
	err[0] = '\0';
	int rc = mem_parse(s, strlen(s), limits, &doc, err);
	if (rc != CK_OK)
		assert_null(doc);
	else
		assert_non_null(doc);
	xmlFreeDoc(doc);
	return rc;
}

static xmlDoc *
parse_ok(const void *buf, size_t len)
{
	char err[CK_ERR_SIZE] = "";
	xmlDoc *doc = NULL;
	int rc = mem_parse(buf, len, NULL, &doc, err);
	if (rc != CK_OK)
		fail_msg("parse failed: %s: %s", ck_strerror(rc), err);
	return doc;
}

static xmlDoc *
parse_file_ok(const char *path)
{
	char err[CK_ERR_SIZE] = "";
	xmlDoc *doc = NULL;
	int rc = ck_xml_parse_file(path, NULL, &doc, err);
	if (rc != CK_OK)
		fail_msg("parse of %s failed: %s: %s", path, ck_strerror(rc), err);
	return doc;
}

static int
parse_path(const char *path, const struct ck_xml_limits *limits, char *err)
{
	xmlDoc *doc = (xmlDoc *)1;
	err[0] = '\0';
	int rc = ck_xml_parse_file(path, limits, &doc, err);
	if (rc != CK_OK)
		assert_null(doc);
	xmlFreeDoc(doc);
	return rc;
}

/* "<e>" n times then "</e>" n times; caller frees. */
static char *
nested(unsigned n)
{
	char *s = malloc((size_t)n * 7 + 1);
	assert_non_null(s);
	char *p = s;
	for (unsigned i = 0; i < n; i++, p += 3)
		memcpy(p, "<e>", 3);
	for (unsigned i = 0; i < n; i++, p += 4)
		memcpy(p, "</e>", 4);
	*p = '\0';
	return s;
}

static char *
testdata(const char *name)
{
	return ck_test_path(CK_TESTDATA_DIR, name);
}

static char *
spec_example(const char *name)
{
	return ck_test_path(CK_SPEC_EXAMPLES, name);
}

/* Checks the text of the child (ns, local) of parent. */
static void
assert_child_text(const xmlNode *parent, const char *ns, const char *local, const char *want)
{
	char *got = ck_xml_child_text(parent, ns, local);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* ---- hostile documents ------------------------------------------------ */

static void
spec_xxe_example_is_hostile(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	char *path = spec_example("hostile-xxe.xml");
	assert_int_equal(parse_path(path, NULL, err), CK_E_HOSTILE);
	assert_non_null(strstr(err, "document type declaration (DOCTYPE) is not allowed"));
	assert_non_null(strstr(err, "line 2: "));
	assert_null(strstr(err, "root:")); /* nothing of /etc/passwd */

	size_t len;
	char *bytes = ck_test_read_file(path, &len);
	xmlDoc *doc = (xmlDoc *)1;
	err[0] = '\0';
	assert_int_equal(mem_parse(bytes, len, NULL, &doc, err), CK_E_HOSTILE);
	assert_null(doc);
	assert_string_equal(err, "line 2: document type declaration (DOCTYPE) is not allowed");
	free(bytes);
	free(path);
}

/*
 * Every way a document can name a file: external general entity (in text
 * and in an attribute), external DTD, external parameter entity, a DOCTYPE
 * after a broken declaration, XInclude and a schema location hint.  Each
 * names two canaries: a regular file whose text must never appear, and a
 * FIFO holding the same text that must still hold it afterwards, which
 * proves that nobody opened and read it.
 */
static const char *const name_a_file[] = {
    "<!DOCTYPE a [<!ENTITY x SYSTEM \"file://@\">]>\n<a>&x;</a>",
    "<!DOCTYPE a [<!ENTITY x SYSTEM \"file://@\">]>\n<a b=\"&x;\"/>",
    "<?xml version=\"1.0\"?>\n<!DOCTYPE a SYSTEM \"file://@\">\n<a/>",
    "<!DOCTYPE a [<!ENTITY % p SYSTEM \"file://@\"> %p;]>\n<a/>",
    "<?xml version=\"1.0\" standalone=\"maybe\"?>\n<!DOCTYPE a SYSTEM \"file://@\">\n<a/>",
    "<a xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
    "<xi:include href=\"file://@\" parse=\"text\"/></a>",
    "<Filings xmlns=\"" FILING_NS "\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
    " xsi:schemaLocation=\"" FILING_NS " file://@\"/>",
};

/* Copies template into out (of size n) with its one '@' replaced by path. */
static void
fill(char *out, size_t n, const char *template, const char *path)
{
	const char *at = strchr(template, '@');
	assert_non_null(at);
	int w = snprintf(out, n, "%.*s%s%s", (int)(at - template), template, path, at + 1);
	assert_true(w > 0 && (size_t)w < n);
}

static void
external_entities_and_dtds_read_no_file(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *plain = ck_test_path(dir, "canary.txt");
	char *fifo = ck_test_path(dir, "canary.fifo");
	ck_test_write_file(plain, CANARY, strlen(CANARY));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* Read-write so that opening does not block and the FIFO keeps a
	 * writer: whoever else opened it could read the canary. */
	int fd = open(fifo, O_RDWR | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, CANARY, strlen(CANARY)), (ssize_t)strlen(CANARY));

	const char *targets[] = {plain, fifo};
	char doc[1024], err[CK_ERR_SIZE];
	for (size_t i = 0; i < 5; i++) {
		for (size_t t = 0; t < 2; t++) {
			fill(doc, sizeof doc, name_a_file[i], targets[t]);
			int rc = parse_str(doc, NULL, err);
			if (rc != CK_E_HOSTILE)
				fail_msg("variant %zu: %s (%s)", i, ck_strerror(rc), err);
			assert_non_null(strstr(err, "not allowed"));
			assert_null(strstr(err, CANARY));
		}
	}

	/* XInclude is never processed: the element stays an element. */
	for (size_t t = 0; t < 2; t++) {
		fill(doc, sizeof doc, name_a_file[5], targets[t]);
		xmlDoc *d = parse_ok(doc, strlen(doc));
		xmlNode *root = xmlDocGetRootElement(d);
		assert_non_null(ck_xml_first(root, "http://www.w3.org/2001/XInclude", "include"));
		char *text = ck_xml_text(root);
		assert_string_equal(text, "");
		free(text);
		xmlFreeDoc(d);
	}

	/* A schema location hint in the instance is not followed. */
	struct ck_xsd_set *set;
	assert_int_equal(ck_xsd_set_new(&set, err), CK_OK);
	for (size_t t = 0; t < 2; t++) {
		fill(doc, sizeof doc, name_a_file[6], targets[t]);
		xmlDoc *d = parse_ok(doc, strlen(doc));
		err[0] = '\0';
		assert_int_equal(ck_xsd_validate(set, "filing", d, err), CK_OK);
		xmlFreeDoc(d);
	}
	ck_xsd_set_free(set);

	char back[64] = "";
	assert_int_equal(read(fd, back, sizeof back - 1), (ssize_t)strlen(CANARY));
	assert_string_equal(back, CANARY);
	close(fd);
	ck_test_rmtree(dir);
	free(plain);
	free(fifo);
	free(dir);
}

static void
billion_laughs_is_stopped_at_the_doctype(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	char *path = testdata("hostile/billion-laughs.xml");
	assert_int_equal(parse_path(path, NULL, err), CK_E_HOSTILE);
	assert_non_null(strstr(err, "DOCTYPE"));
	free(path);
}

static void
entity_references_are_hostile(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	const char *files[] = {"hostile/undeclared-entity.xml", "hostile/entity-in-attribute.xml",
	                       "hostile/doctype-after-bad-declaration.xml",
	                       "hostile/doctype-and-malformed.xml"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *path = testdata(files[i]);
		int rc = parse_path(path, NULL, err);
		if (rc != CK_E_HOSTILE)
			fail_msg("%s: %s (%s)", files[i], ck_strerror(rc), err);
		free(path);
	}
	/* The five predefined entities and character references are text. */
	const char refs[] = "<a>&amp;&lt;&gt;&apos;&quot;&#x5F20;&#19977;</a>";
	xmlDoc *doc = parse_ok(refs, sizeof refs - 1);
	char *text = ck_xml_text(xmlDocGetRootElement(doc));
	assert_string_equal(text, u8"&<>'\"张三");
	free(text);
	xmlFreeDoc(doc);
}

static void
nesting_deeper_than_the_limit_is_hostile(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	struct ck_xml_limits limits = {.max_depth = 64};
	char *deep = nested(100);
	assert_int_equal(parse_str(deep, &limits, err), CK_E_HOSTILE);
	assert_non_null(strstr(err, "elements nested deeper than 64"));
	free(deep);

	unsigned ok[] = {1, 60, 64};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char *s = nested(ok[i]);
		assert_int_equal(parse_str(s, &limits, err), CK_OK);
		free(s);
	}
	char *s = nested(65);
	assert_int_equal(parse_str(s, &limits, err), CK_E_HOSTILE);
	assert_int_equal(parse_str(s, NULL, err), CK_E_HOSTILE); /* default is 64 */
	limits.max_depth = 65;
	assert_int_equal(parse_str(s, &limits, err), CK_OK);
	free(s);

	/* Above libxml2's own limit, the refusal is still ours. */
	limits.max_depth = 100000;
	s = nested(300);
	assert_int_equal(parse_str(s, &limits, err), CK_E_HOSTILE);
	free(s);
}

static void
oversize_input_is_refused(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	struct ck_xml_limits limits = {.max_bytes = 1024};
	char big[2049];
	memset(big, 'x', sizeof big - 1);
	memcpy(big, "<a>", 3);
	memcpy(big + sizeof big - 5, "</a>", 4);
	big[sizeof big - 1] = '\0';
	assert_int_equal(parse_str(big, &limits, err), CK_E_TOOBIG);
	assert_non_null(strstr(err, "1024"));
	assert_int_equal(parse_str(big, NULL, err), CK_OK);

	/* Exactly at the limit is fine. */
	char fits[1025];
	memset(fits, 'x', sizeof fits - 1);
	memcpy(fits, "<a>", 3);
	memcpy(fits + sizeof fits - 5, "</a>", 4);
	fits[sizeof fits - 1] = '\0';
	assert_int_equal(parse_str(fits, &limits, err), CK_OK);

	char *dir = ck_test_tmpdir();
	char *path = ck_test_path(dir, "big.xml");
	ck_test_write_file(path, big, strlen(big));
	assert_int_equal(parse_path(path, &limits, err), CK_E_TOOBIG);
	ck_test_write_file(path, fits, strlen(fits));
	assert_int_equal(parse_path(path, &limits, err), CK_OK);
	free(path);

	/* From a FIFO that never ends, exactly limit + 1 bytes are taken: the
	 * rest is still in it afterwards (reading on would block for ever). */
	char *fifo = ck_test_path(dir, "endless.fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	int fd = open(fifo, O_RDWR | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, 2048), 2048);
	assert_int_equal(parse_path(fifo, &limits, err), CK_E_TOOBIG);
	char rest[4096];
	assert_int_equal(read(fd, rest, sizeof rest), 2048 - 1025);
	close(fd);
	free(fifo);
	ck_test_rmtree(dir);
	free(dir);
}

/* "<r>" + n copies of unit + "</r>"; caller frees. */
static char *
repeated(const char *unit, size_t n)
{
	size_t u = strlen(unit);
	char *s = malloc(n * u + 8);
	assert_non_null(s);
	memcpy(s, "<r>", 3);
	for (size_t i = 0; i < n; i++)
		memcpy(s + 3 + i * u, unit, u);
	memcpy(s + 3 + n * u, "</r>", 5);
	return s;
}

/* A tree node costs about 130 bytes and "<a/>" 4 bytes of input: without a
 * budget, an answer within the size limit would cost 30 times its size. */
static void
more_nodes_than_the_budget_is_hostile(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	struct ck_xml_limits limits = {.max_nodes = 100};
	/* The root and 99 elements fit; one more does not. */
	char *s = repeated("<a/>", 99);
	assert_int_equal(parse_str(s, &limits, err), CK_OK);
	free(s);
	s = repeated("<a/>", 100);
	assert_int_equal(parse_str(s, &limits, err), CK_E_HOSTILE);
	assert_non_null(strstr(err, "more than 100 nodes"));
	free(s);
	/* An attribute is two nodes (it and its value), a namespace
	 * declaration one; text next to text is one node. */
	s = repeated("<a b=\"1\"/>", 33); /* 1 + 33 * 3 */
	assert_int_equal(parse_str(s, &limits, err), CK_OK);
	free(s);
	s = repeated("<a b=\"1\" c=\"2\"/>", 20); /* 1 + 20 * 5 */
	assert_int_equal(parse_str(s, &limits, err), CK_E_HOSTILE);
	free(s);
	s = repeated("<a xmlns:p=\"u\"/>", 49); /* 1 + 49 * 2 */
	assert_int_equal(parse_str(s, &limits, err), CK_OK);
	free(s);
	s = repeated("<a>x&amp;y&lt;z</a>", 49); /* 1 + 49 * 2 */
	assert_int_equal(parse_str(s, &limits, err), CK_OK);
	free(s);
	/* Text between elements, comments, processing instructions and
	 * CDATA sections are nodes too. */
	const char *units[] = {"<a/> ", "<!--c--><a/>", "<?p?><a/>", "<![CDATA[x]]><a/>"};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		s = repeated(units[i], 50); /* 1 + 50 * 2 */
		if (parse_str(s, &limits, err) != CK_E_HOSTILE)
			fail_msg("%s: not refused", units[i]);
		free(s);
		s = repeated(units[i], 49); /* 1 + 49 * 2 */
		if (parse_str(s, &limits, err) != CK_OK)
			fail_msg("%s: %s", units[i], err);
		free(s);
	}

	/* By default the budget is one node per 8 bytes of the size limit:
	 * 8 MiB of "<a/>" is refused, not built. */
	size_t n = (CK_XML_DEFAULT_MAX_BYTES - 8) / 4;
	s = repeated("<a/>", n);
	assert_int_equal(parse_str(s, NULL, err), CK_E_HOSTILE);
	assert_non_null(strstr(err, "nodes"));
	free(s);
	/* The spec's bank answer, its account repeated to nearly 8 MiB,
	 * whitespace and all, is well within it. */
	char *path = spec_example("bank-response.xml");
	size_t len;
	char *answer = ck_test_read_file(path, &len);
	const char *from = strstr(answer, "<b:Acct>"), *to = strstr(answer, "</b:Acct>");
	assert_non_null(from);
	assert_non_null(to);
	to += strlen("</b:Acct>\n    ");
	size_t acct = (size_t)(to - from), head = (size_t)(to - answer), tail = len - head;
	size_t copies = (CK_XML_DEFAULT_MAX_BYTES - len) / acct;
	char *big = malloc(len + copies * acct + 1);
	assert_non_null(big);
	memcpy(big, answer, head);
	for (size_t i = 0; i < copies; i++)
		memcpy(big + head + i * acct, from, acct);
	memcpy(big + head + copies * acct, answer + head, tail);
	big[len + copies * acct] = '\0';
	assert_true(strlen(big) > CK_XML_DEFAULT_MAX_BYTES - acct);
	if (parse_str(big, NULL, err) != CK_OK)
		fail_msg("a real answer of %zu bytes: %s", strlen(big), err);
	free(big);
	free(answer);
	free(path);
}

/* ---- encodings ---------------------------------------------------------- */

static void
gb18030_realestate_answer_decodes_to_utf8(void **state)
{
	(void)state;
	char *path = spec_example("realestate-response.xml");
	xmlDoc *doc = parse_file_ok(path);
	xmlNode *root = ck_xml_first((xmlNode *)doc, NULL, "CXJG");
	assert_non_null(root);
	xmlNode *qlr = ck_xml_first(root, NULL, "QLR");
	assert_non_null(qlr);
	char *name = ck_xml_child_text(qlr, NULL, "QLRMC");
	assert_non_null(name);
	/* The exact UTF-8 bytes of 张三. */
	assert_string_equal(name, "\xe5\xbc\xa0\xe4\xb8\x89");
	free(name);
	xmlNode *bdc = ck_xml_first(ck_xml_first(root, NULL, "BDCLIST"), NULL, "BDC");
	assert_child_text(bdc, NULL, "ZL", u8"泰兴市济川街道某路18号3幢1201室");
	assert_child_text(bdc, NULL, "JZMJ", u8"128.56㎡");
	assert_int_equal(ck_xml_line(ck_xml_first(bdc, NULL, "ZL")), 12);
	xmlFreeDoc(doc);

	/* The same from memory. */
	size_t len;
	char *bytes = ck_test_read_file(path, &len);
	doc = parse_ok(bytes, len);
	root = xmlDocGetRootElement(doc);
	assert_child_text(root, NULL, "DJJG", u8"泰兴市不动产登记中心");
	xmlFreeDoc(doc);
	free(bytes);
	free(path);
}

static void
gbk_bom_utf16_and_latin1_decode(void **state)
{
	(void)state;
	const char *files[] = {"xml/gbk.xml", "xml/bom-utf8.xml", "xml/utf16le-bom.xml"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *path = testdata(files[i]);
		xmlDoc *doc = parse_file_ok(path);
		char *text = ck_xml_text(xmlDocGetRootElement(doc));
		assert_string_equal(text, u8"张三");
		free(text);
		xmlFreeDoc(doc);
		free(path);
	}
	const char latin1[] = "<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9</a>";
	xmlDoc *doc = parse_ok(latin1, sizeof latin1 - 1);
	char *text = ck_xml_text(xmlDocGetRootElement(doc));
	assert_string_equal(text, u8"café");
	free(text);
	xmlFreeDoc(doc);
}

static void
invalid_bytes_are_encoding_errors(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	char *path = testdata("xml/invalid-utf8.xml");
	assert_int_equal(parse_path(path, NULL, err), CK_E_ENCODING);
	assert_non_null(strstr(err, "invalid-utf8.xml: line 3: "));
	assert_non_null(strstr(err, "UTF-8"));
	free(path);

	path = testdata("xml/invalid-gb18030.xml");
	assert_int_equal(parse_path(path, NULL, err), CK_E_ENCODING);
	assert_non_null(strstr(err, "line 3: "));
	assert_non_null(strstr(err, "GB18030"));
	free(path);

	const char *bad[] = {
	    "<a>\xc0\xaf</a>",                                     /* overlong '/' */
	    "<a>\xed\xa0\x80</a>",                                 /* surrogate */
	    "<a>\xf4\x90\x80\x80</a>",                             /* above U+10FFFF */
	    "<a>\xe5\xbc",                                         /* cut short */
	    "<a>\xff</a>",                                         /* never in UTF-8 */
	    "<?xml version='1.0' encoding='GBK'?><a>\x81<</a>",    /* GBK lead byte */
	    "<?xml version='1.0' encoding='GB18030'?><a>\x81\x30", /* cut short */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse_str(bad[i], NULL, err);
		if (rc != CK_E_ENCODING)
			fail_msg("case %zu: %s (%s)", i, ck_strerror(rc), err);
	}
}

static void
unknown_or_contradictory_encodings_are_refused(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	char *path = testdata("xml/unsupported-encoding.xml");
	assert_int_equal(parse_path(path, NULL, err), CK_E_ENCODING);
	assert_non_null(strstr(err, "unsupported encoding X-NO-SUCH-CHARSET"));
	free(path);

	/* iconv's "//IGNORE" would drop the invalid byte: not an EncName. */
	assert_int_equal(
	    parse_str("<?xml version='1.0' encoding='GB18030//IGNORE'?><a>\x81</a>", NULL, err),
	    CK_E_ENCODING);
	/* A UTF-8 byte order mark before a GB18030 declaration. */
	assert_int_equal(
	    parse_str("\xef\xbb\xbf<?xml version='1.0' encoding='GB18030'?><a/>", NULL, err),
	    CK_E_ENCODING);
	assert_non_null(strstr(err, "byte order mark"));
	/* Labelled UTF-16 but written in single bytes. */
	assert_int_equal(parse_str("<?xml version='1.0' encoding='UTF-16'?><a/>", NULL, err),
	                 CK_E_ENCODING);
}

/* ---- malformed documents --------------------------------------------- */

static void
malformed_documents_say_where(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE];
	char *path = testdata("xml/malformed.xml");
	assert_int_equal(parse_path(path, NULL, err), CK_E_XML);
	assert_non_null(strstr(err, "malformed.xml: line 3: "));
	assert_non_null(strstr(err, "mismatch"));
	assert_null(strchr(err, '\n'));
	free(path);

	size_t len;
	path = testdata("xml/malformed.xml");
	char *bytes = ck_test_read_file(path, &len);
	xmlDoc *doc = (xmlDoc *)1;
	err[0] = '\0';
	assert_int_equal(mem_parse(bytes, len, NULL, &doc, err), CK_E_XML);
	assert_null(doc);
	assert_true(strncmp(err, "line 3: ", 8) == 0);
	free(bytes);
	free(path);

	path = testdata("xml/nul-byte.xml");
	assert_int_equal(parse_path(path, NULL, err), CK_E_XML);
	assert_non_null(strstr(err, "line 2: NUL"));
	free(path);

	assert_int_equal(parse_str("", NULL, err), CK_E_XML);
	assert_int_equal(parse_str("just text", NULL, err), CK_E_XML);
	assert_int_equal(parse_str("<a>\x01</a>", NULL, err), CK_E_XML);
	assert_int_equal(parse_str("<a/><b/>", NULL, err), CK_E_XML);
	/* Undeclared prefixes: the element could not be found by its URI. */
	assert_int_equal(parse_str("<a>\n<x:b/></a>", NULL, err), CK_E_XML);
	assert_non_null(strstr(err, "line 2: "));
	assert_int_equal(parse_str("<a x:k='1'/>", NULL, err), CK_E_XML);
}

static void
bad_calls_and_missing_files(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE] = "";
	xmlDoc *doc = NULL;
	assert_int_equal(ck_xml_parse(NULL, 3, NULL, &doc, err), CK_E_USAGE);
	assert_int_equal(ck_xml_parse("<a/>", 4, NULL, NULL, err), CK_E_USAGE);
	err[0] = '\0';
	char *dir = ck_test_tmpdir();
	char *path = ck_test_path(dir, "absent.xml");
	assert_int_equal(ck_xml_parse_file(path, NULL, &doc, err), CK_E_IO);
	assert_null(doc);
	assert_non_null(strstr(err, "absent.xml"));
	assert_int_equal(parse_path(dir, NULL, err), CK_E_IO); /* a directory */
	ck_test_rmtree(dir);
	free(path);
	free(dir);
}

static void
processing_instructions_and_comments_are_ignored(void **state)
{
	(void)state;
	char *path = testdata("xml/pi-and-comments.xml");
	xmlDoc *doc = parse_file_ok(path);
	xmlNode *root = ck_xml_first((xmlNode *)doc, NULL, "a");
	assert_non_null(root);
	assert_ptr_equal(ck_xml_first(root, NULL, NULL), ck_xml_first(root, NULL, "b"));
	char *text = ck_xml_text(root);
	assert_string_equal(text, "v");
	free(text);
	xmlFreeDoc(doc);
	free(path);
}

/* ---- lookup ------------------------------------------------------------ */

static void
lookup_goes_by_namespace_not_prefix(void **state)
{
	(void)state;
	const char *files[] = {CK_SPEC_EXAMPLES "/bank-response.xml",
	                       CK_TESTDATA_DIR "/xml/bank-default-ns.xml"};
	for (size_t i = 0; i < 2; i++) {
		xmlDoc *doc = parse_file_ok(files[i]);
		xmlNode *root = ck_xml_first((xmlNode *)doc, BANK_NS, "Document");
		assert_non_null(root);
		assert_true(ck_xml_is(root, BANK_NS, "Document"));
		assert_true(ck_xml_is(root, BANK_NS, NULL));
		assert_false(ck_xml_is(root, NULL, "Document"));
		assert_false(ck_xml_is(root, "urn:chakong:bank:2", "Document"));
		xmlNode *inf = ck_xml_first(root, BANK_NS, "InfRspn");
		assert_non_null(inf);
		assert_child_text(inf, BANK_NS, "Sts", "FOUND");
		assert_null(ck_xml_first(root, "urn:chakong:bank:2", "InfRspn"));
		assert_null(ck_xml_first(root, NULL, "InfRspn"));
		assert_null(ck_xml_first(root, "b", "InfRspn")); /* a prefix is no URI */
		assert_null(ck_xml_child_text(inf, BANK_NS, "Absent"));
		assert_null(ck_xml_child_text(inf, NULL, "Sts"));

		int accounts = 0;
		for (xmlNode *a = ck_xml_first(inf, BANK_NS, "Acct"); a != NULL;
		     a = ck_xml_next(a, BANK_NS, "Acct"))
			accounts++;
		assert_int_equal(accounts, i == 0 ? 3 : 1);
		xmlNode *amt =
		    ck_xml_first(ck_xml_first(ck_xml_first(inf, BANK_NS, "Acct"), BANK_NS, "Bal"),
		                 BANK_NS, "Amt");
		char *ccy = ck_xml_attr(amt, "Ccy");
		assert_string_equal(ccy, "CNY");
		free(ccy);
		assert_int_equal(ck_xml_line(ck_xml_first(inf, BANK_NS, "Sts")), 6);
		xmlFreeDoc(doc);
	}

	xmlDoc *doc = parse_file_ok(CK_TESTDATA_DIR "/xml/bank-wrong-ns.xml");
	xmlNode *root = xmlDocGetRootElement(doc);
	assert_false(ck_xml_is(root, BANK_NS, "Document"));
	assert_null(ck_xml_first((xmlNode *)doc, BANK_NS, "Document"));
	xmlFreeDoc(doc);
}

static void
text_and_attributes(void **state)
{
	(void)state;
	const char xml[] = "<a xmlns:p='urn:p' k=' v ' p:only='ns'>"
	                   "<t>  \t\r\n \xe5\xbc\xa0 x \n</t><e/><s>   </s><c><![CDATA[ cd ]]></c>"
	                   "<m> a <i>b</i> c </m><k> x<!-- c -->y </k><q> a &amp; b </q>"
	                   "<z>a<![CDATA[ b ]]></z><u xmlns='urn:x'><n xmlns=''/></u></a>";
	xmlDoc *doc = parse_ok(xml, sizeof xml - 1);
	xmlNode *a = xmlDocGetRootElement(doc);
	assert_child_text(a, NULL, "t", u8"张 x");
	assert_child_text(a, NULL, "e", "");
	assert_child_text(a, NULL, "s", "");
	assert_child_text(a, NULL, "c", "cd");
	/* Text in several pieces: all of it, in order, blanks trimmed at the
	 * ends only. */
	assert_child_text(a, NULL, "m", "a b c");
	assert_child_text(a, NULL, "k", "xy");
	assert_child_text(a, NULL, "q", "a & b");
	assert_child_text(a, NULL, "z", "a b");
	assert_null(ck_xml_text(NULL));
	char *v = ck_xml_attr(a, "k");
	assert_string_equal(v, " v ");
	free(v);
	assert_null(ck_xml_attr(a, "only")); /* it has a namespace */
	assert_null(ck_xml_attr(a, "missing"));
	assert_null(ck_xml_attr(NULL, "k"));
	xmlNode *u = ck_xml_first(a, "urn:x", "u");
	assert_non_null(u);
	assert_non_null(ck_xml_first(u, NULL, "n")); /* xmlns='' is no namespace */
	assert_null(ck_xml_first(NULL, NULL, NULL));
	assert_null(ck_xml_next(NULL, NULL, NULL));
	assert_null(ck_xml_next(u, NULL, NULL));
	assert_false(ck_xml_is(NULL, NULL, NULL));
	assert_int_equal(ck_xml_line(NULL), 0);
	xmlFreeDoc(doc);
}

/* ---- XSD --------------------------------------------------------------- */

static void
filing_schema_validates(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE] = "";
	struct ck_xsd_set *set = NULL;
	assert_int_equal(ck_xsd_set_new(&set, err), CK_OK);
	xmlDoc *good = parse_file_ok(CK_SPEC_EXAMPLES "/filing.xml");
	/* Twice with the same set: compiled on the first call, kept. */
	assert_int_equal(ck_xsd_validate(set, "filing", good, err), CK_OK);
	assert_int_equal(ck_xsd_validate(set, "filing", good, err), CK_OK);
	assert_string_equal(err, "");

	xmlDoc *bad = parse_file_ok(CK_TESTDATA_DIR "/xml/filing-bad-status.xml");
	assert_int_equal(ck_xsd_validate(set, "filing", bad, err), CK_E_SCHEMA);
	assert_true(strncmp(err, "line 3: ", 8) == 0);
	assert_non_null(strstr(err, "'open'"));
	xmlFreeDoc(bad);

	bad = parse_file_ok(CK_TESTDATA_DIR "/xml/filing-debtor-without-id.xml");
	err[0] = '\0';
	assert_int_equal(ck_xsd_validate(set, "filing", bad, err), CK_E_SCHEMA);
	assert_true(strncmp(err, "line 8: ", 8) == 0);
	assert_non_null(strstr(err, "Id"));
	xmlFreeDoc(bad);

	/* A document of another kind is not a filing. */
	bad = parse_file_ok(CK_SPEC_EXAMPLES "/bank-response.xml");
	err[0] = '\0';
	assert_int_equal(ck_xsd_validate(set, "filing", bad, err), CK_E_SCHEMA);
	xmlFreeDoc(bad);

	err[0] = '\0';
	assert_int_equal(ck_xsd_validate(set, "no-such-schema", good, err), CK_E_NOTFOUND);
	assert_non_null(strstr(err, "no-such-schema"));
	assert_int_equal(ck_xsd_validate(set, "filing", good, err), CK_OK);
	xmlFreeDoc(good);
	ck_xsd_set_free(set);
	ck_xsd_set_free(NULL);
}

/* ---- nothing on stderr -------------------------------------------------- */

static void
libxml2_prints_nothing(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *path = ck_test_path(dir, "stderr.txt");
	fflush(stderr);
	int saved = dup(2);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);

	char err[CK_ERR_SIZE];
	int codes[8];
	codes[0] = parse_str("<!DOCTYPE a [<!ENTITY x SYSTEM 'file:///nonexistent'>]><a>&x;</a>",
	                     NULL, err);
	codes[1] = parse_str("<a>\n<b></a>", NULL, err);
	codes[2] = parse_str("<?xml version='1.0' encoding='GB18030'?><a>\x81<</a>", NULL, err);
	codes[3] = parse_str("<?xml version='1.0' encoding='X-NO-SUCH-CHARSET'?><a/>", NULL, err);
	codes[4] = parse_str("<a>\xc3\x28</a>", NULL, err);
	codes[5] = parse_str("<a>&nbsp;</a>", NULL, err);
	struct ck_xsd_set *set;
	xmlDoc *doc = NULL;
	ck_xsd_set_new(&set, err);
	ck_xml_parse_file(CK_TESTDATA_DIR "/xml/filing-bad-status.xml", NULL, &doc, err);
	codes[6] = ck_xsd_validate(set, "filing", doc, err);
	xmlFreeDoc(doc);
	ck_xsd_set_free(set);
	codes[7] = parse_str("<?xml version='1.0' standalone='maybe'?><a>", NULL, err);

	fflush(stderr);
	size_t quiet_len;
	char *quiet = ck_test_read_file(path, &quiet_len);

	/* Control: plain libxml2 does print on a conversion failure, so the
	 * capture above would have seen it. */
	const char gb[] = "<?xml version='1.0' encoding='GB18030'?><a>\x81<</a>";
	xmlFreeDoc(xmlReadMemory(gb, sizeof gb - 1, NULL, NULL, XML_PARSE_NOERROR));
	fflush(stderr);
	size_t control_len;
	char *control = ck_test_read_file(path, &control_len);

	assert_int_equal(dup2(saved, 2), 2);
	close(saved);

	assert_int_equal(codes[0], CK_E_HOSTILE);
	assert_int_equal(codes[1], CK_E_XML);
	assert_int_equal(codes[2], CK_E_ENCODING);
	assert_int_equal(codes[3], CK_E_ENCODING);
	assert_int_equal(codes[4], CK_E_ENCODING);
	assert_int_equal(codes[5], CK_E_HOSTILE);
	assert_int_equal(codes[6], CK_E_SCHEMA);
	assert_int_equal(codes[7], CK_E_XML);
	if (quiet_len != 0)
		fail_msg("libxml2 wrote to stderr: %s", quiet);
	assert_true(control_len > 0);
	free(quiet);
	free(control);
	ck_test_rmtree(dir);
	free(path);
	free(dir);
}

/* ---- one parser kept between documents ---------------------------------- */

/* The document serialised, for comparing trees; caller frees. */
static char *
dump(xmlDoc *doc)
{
	xmlChar *text = NULL;
	int len = 0;
	xmlDocDumpMemory(doc, &text, &len);
	assert_non_null(text);
	char *copy = strdup((const char *)text);
	xmlFree(text);
	return copy;
}

/* A kept parser answers every document as a parser of its own would: the
 * same code, message and tree, after hostile, malformed and good documents
 * alike, and after its dictionary of names has grown past its bound. */
static void
kept_parser_answers_as_a_fresh_one(void **state)
{
	(void)state;
	char *deep = nested(100);
	const char *docs[] = {
	    "<a xmlns='urn:x'><b k='1'>text</b><c/></a>",
	    "<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>",
	    "<a><b>after a DOCTYPE</b></a>",
	    "<a>&undeclared;</a>",
	    "<a>&amp;&lt;</a>",
	    deep,
	    "<r><e/><e/><e/><e/><e/><e/><e/><e/><e/><e/><e/><e/></r>",
	    "<a>\n<b></a>",
	    "<a>\xc3\x28</a>",
	    "<p:a xmlns:p='urn:p'><p:b/></p:a>",
	    "<a><q:b/></a>",
	    "<?xml version='1.0' encoding='GB18030'?><a>\xd6\xd0</a>",
	    "<a xmlns='urn:x'><b k='1'>text</b><c/></a>",
	};
	const struct ck_xml_limits tight = {.max_depth = 50, .max_nodes = 20};
	struct ck_xml_parser *kept = NULL;
	assert_int_equal(ck_xml_parser_new(&kept, NULL), CK_OK);
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
			const struct ck_xml_limits *limits = i % 2 ? &tight : NULL;
			char want_err[CK_ERR_SIZE] = "", got_err[CK_ERR_SIZE] = "";
			xmlDoc *want = NULL, *got = NULL;
			int want_rc =
			    ck_xml_parse(docs[i], strlen(docs[i]), limits, &want, want_err);
			int got_rc = ck_xml_parse_with(kept, docs[i], strlen(docs[i]), limits, &got,
			                               got_err);
			assert_int_equal(got_rc, want_rc);
			assert_string_equal(got_err, want_err);
			if (want_rc == CK_OK) {
				char *a = dump(want), *b = dump(got);
				assert_string_equal(b, a);
				free(a);
				free(b);
			}
			xmlFreeDoc(want);
			xmlFreeDoc(got);
		}
	/* Names enough to pass the dictionary's bound, a few per document. */
	for (int i = 0; i < CK_XML_PARSER_MAX_NAMES / 2; i++) {
		char text[128];
		snprintf(text, sizeof text, "<r><n%da/><n%db>x</n%db><t>%d</t></r>", i, i, i,
		         i % 1000);
		xmlDoc *doc = NULL;
		char err[CK_ERR_SIZE] = "";
		if (ck_xml_parse_with(kept, text, strlen(text), NULL, &doc, err) != CK_OK)
			fail_msg("%s: %s", text, err);
		xmlNode *b =
		    ck_xml_next(ck_xml_first(xmlDocGetRootElement(doc), NULL, NULL), NULL, NULL);
		char name[32];
		snprintf(name, sizeof name, "n%db", i);
		assert_string_equal((const char *)b->name, name);
		xmlFreeDoc(doc);
	}
	/* Documents outlive the parser that made them. */
	xmlDoc *doc = NULL;
	assert_int_equal(ck_xml_parse_with(kept, docs[0], strlen(docs[0]), NULL, &doc, NULL),
	                 CK_OK);
	ck_xml_parser_free(kept);
	ck_xml_parser_free(NULL);
	assert_child_text(xmlDocGetRootElement(doc), "urn:x", "b", "text");
	xmlFreeDoc(doc);
	free(deep);
}

static int
keep_one_parser(void **state)
{
	(void)state;
	return ck_xml_parser_new(&shared, NULL) == CK_OK ? 0 : -1;
}

static int
drop_the_parser(void **state)
{
	(void)state;
	ck_xml_parser_free(shared);
	shared = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(spec_xxe_example_is_hostile),
	    cmocka_unit_test(external_entities_and_dtds_read_no_file),
	    cmocka_unit_test(billion_laughs_is_stopped_at_the_doctype),
	    cmocka_unit_test(entity_references_are_hostile),
	    cmocka_unit_test(nesting_deeper_than_the_limit_is_hostile),
	    cmocka_unit_test(oversize_input_is_refused),
	    cmocka_unit_test(more_nodes_than_the_budget_is_hostile),
	    cmocka_unit_test(gb18030_realestate_answer_decodes_to_utf8),
	    cmocka_unit_test(gbk_bom_utf16_and_latin1_decode),
	    cmocka_unit_test(invalid_bytes_are_encoding_errors),
	    cmocka_unit_test(unknown_or_contradictory_encodings_are_refused),
	    cmocka_unit_test(malformed_documents_say_where),
	    cmocka_unit_test(bad_calls_and_missing_files),
	    cmocka_unit_test(processing_instructions_and_comments_are_ignored),
	    cmocka_unit_test(lookup_goes_by_namespace_not_prefix),
	    cmocka_unit_test(text_and_attributes),
	    cmocka_unit_test(filing_schema_validates),
	    cmocka_unit_test(libxml2_prints_nothing),
	    cmocka_unit_test(kept_parser_answers_as_a_fresh_one),
	};
	int failed = cmocka_run_group_tests_name("a parser per document", tests, NULL, NULL);
	failed +=
	    cmocka_run_group_tests_name("one parser kept", tests, keep_one_parser, drop_the_parser);
	return failed;
}
