/* SPDX-License-Identifier: MIT */
/*
 * xmlsafe.c: hardened XML parsing on top of libxml2, lookup by namespace URI
 * and local name, and validation against the XSDs compiled into the library.
 *
 * Bytes reach libxml2 only as UTF-8: the declared encoding is decoded here
 * first, because libxml2 2.9 reports conversion failures through its
 * process-wide generic error channel (stderr) and then only as "premature
 * end of data", which cannot be told apart from truncation.  DOCTYPEs,
 * entity references and deep nesting are stopped from SAX callbacks
 * installed on a private parser context, so nothing they declare or name is
 * ever acted on.
 */
#include "chakong/xmlsafe.h"
#include "chakong/error.h"
#include "schemas_embedded.h"
#include "textenc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlschemastypes.h>

/*
 * The options every parse uses.  Deliberately absent: XML_PARSE_NOENT,
 * XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR, XML_PARSE_DTDVALID (they act on
 * DTDs), XML_PARSE_XINCLUDE, XML_PARSE_HUGE (it lifts libxml2's own limits)
 * and XML_PARSE_BIG_LINES (it stores line numbers in node->psvi, a field
 * schema validation also uses).  XML_PARSE_IGNORE_ENC because the text
 * handed over is already UTF-8 whatever its declaration says.
 */
#define PARSE_OPTIONS                                                                              \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC)

#define ENCNAME_MAX 64

static const char doctype_reason[] = "document type declaration (DOCTYPE) is not allowed";

/* The first error libxml2 reported: later ones are mostly consequences. */
struct first_error {
	int set;
	long line;
	char msg[CK_ERR_SIZE];
};

static void
keep_first_error(struct first_error *fe, const xmlError *e)
{
	if (fe == NULL || e == NULL || fe->set || e->level < XML_ERR_ERROR)
		return;
	fe->set = 1;
	fe->line = e->line;
	snprintf(fe->msg, sizeof fe->msg, "%s", e->message ? e->message : "unknown error");
	size_t n = strlen(fe->msg);
	while (n > 0 && (fe->msg[n - 1] == '\n' || fe->msg[n - 1] == '\r' ||
	                 fe->msg[n - 1] == ' ' || fe->msg[n - 1] == '\t'))
		fe->msg[--n] = '\0';
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* "path: " or "" in front of every message. */
#define WHERE_FMT "%s%s"
#define WHERE(w)  (w) ? (w) : "", (w) ? ": " : ""

/* ---- decoding to UTF-8 ------------------------------------------------ */

/* EncName of the XML specification: [A-Za-z] ([A-Za-z0-9._] | '-')*.  This
 * also keeps iconv's suffixes ("//IGNORE", "//TRANSLIT") out of iconv_open,
 * which would otherwise let a document ask for invalid bytes to be dropped. */
static int
valid_encname(const char *s, size_t n)
{
	if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/*
 * Finds the encoding pseudo-attribute of an XML declaration at the start of
 * p (ASCII-compatible bytes).  name gets "" when there is no declaration or
 * no encoding in it.  A declaration we cannot read is left to libxml2, which
 * reports it as malformed: the text is then treated as UTF-8, the default,
 * so misreading it here can only make a document fail, never change its
 * meaning.  Returns -1 when the name is not a valid EncName.
 */
static int
declared_encoding(const char *p, size_t len, char name[ENCNAME_MAX])
{
	name[0] = '\0';
	if (len < 6 || memcmp(p, "<?xml", 5) != 0 || !is_blank((unsigned char)p[5]))
		return 0;
	size_t i = 5;
	for (;;) {
		while (i < len && is_blank((unsigned char)p[i]))
			i++;
		size_t key = i;
		while (i < len && p[i] >= 'a' && p[i] <= 'z')
			i++;
		size_t keylen = i - key;
		if (keylen == 0)
			return 0;
		while (i < len && is_blank((unsigned char)p[i]))
			i++;
		if (i >= len || p[i] != '=')
			return 0;
		i++;
		while (i < len && is_blank((unsigned char)p[i]))
			i++;
		if (i >= len || (p[i] != '"' && p[i] != '\''))
			return 0;
		char quote = p[i++];
		size_t val = i;
		while (i < len && p[i] != quote && p[i] != '<' && p[i] != '>')
			i++;
		if (i >= len || p[i] != quote)
			return 0;
		size_t vallen = i - val;
		i++;
		if (keylen == 8 && memcmp(p + key, "encoding", 8) == 0) {
			if (vallen >= ENCNAME_MAX || !valid_encname(p + val, vallen))
				return -1;
			memcpy(name, p + val, vallen);
			name[vallen] = '\0';
			return 0;
		}
	}
}

static int
is_utf8_name(const char *name)
{
	return strcasecmp(name, "UTF-8") == 0 || strcasecmp(name, "UTF8") == 0;
}

static int
is_utf16_name(const char *name)
{
	return strncasecmp(name, "UTF-16", 6) == 0 || strncasecmp(name, "UTF16", 5) == 0;
}

/* The document as UTF-8, ready for libxml2. */
struct utf8_text {
	const char *p;
	size_t len;
	char *owned; /* the converted copy p points into, or NULL */
};

/* Converts p from `from` to UTF-8 into a new buffer; `skipped` bytes (a
 * byte order mark) came before p, for the offsets in messages. */
static int
convert(const char *from, const unsigned char *p, size_t len, size_t skipped, struct utf8_text *out,
        const char *where, char *err)
{
	char *buf;
	size_t used, bad = 0;
	int rc = ck_to_utf8(from, p, len, &buf, &used, &bad);
	if (rc == CK_E_NOTFOUND)
		return ck_fail(err, CK_E_ENCODING, WHERE_FMT "unsupported encoding %s",
		               WHERE(where), from);
	if (rc == CK_E_ENCODING)
		return ck_fail(err, CK_E_ENCODING,
		               WHERE_FMT "line %ld: bytes invalid in encoding %s at offset %zu",
		               WHERE(where), ck_line_at((const char *)p, bad), from, skipped + bad);
	if (rc != CK_OK)
		return ck_fail(err, rc, "out of memory decoding %s", from);
	out->owned = buf;
	out->p = buf;
	out->len = used;
	return CK_OK;
}

/*
 * Turns the bytes of a document into UTF-8 text as its byte order mark or
 * XML declaration says.  A byte order mark and a declaration that disagree
 * are refused rather than resolved: either choice could misread the text.
 */
static int
to_utf8(const unsigned char *p, size_t len, struct utf8_text *out, const char *where, char *err)
{
	char name[ENCNAME_MAX];
	const char *bom = NULL;
	int utf16 = 0;
	out->p = (const char *)p;
	out->len = len;
	out->owned = NULL;

	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		bom = "UTF-8";
	} else if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
		bom = "UTF-16LE";
		utf16 = 1;
	} else if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
		bom = "UTF-16BE";
		utf16 = 1;
	}

	if (utf16) {
		int rc = convert(bom, p + 2, len - 2, 2, out, where, err);
		if (rc != CK_OK)
			return rc;
		if (declared_encoding(out->p, out->len, name) < 0)
			return ck_fail(err, CK_E_ENCODING,
			               WHERE_FMT "the XML declaration names an invalid encoding",
			               WHERE(where));
		if (name[0] != '\0' && !is_utf16_name(name))
			return ck_fail(err, CK_E_ENCODING,
			               WHERE_FMT
			               "byte order mark says %s but the declaration says %s",
			               WHERE(where), bom, name);
		return CK_OK;
	}
	if (bom != NULL) {
		p += 3;
		len -= 3;
		out->p = (const char *)p;
		out->len = len;
	}
	if (declared_encoding((const char *)p, len, name) < 0)
		return ck_fail(err, CK_E_ENCODING,
		               WHERE_FMT "the XML declaration names an invalid encoding",
		               WHERE(where));
	if (name[0] == '\0' || is_utf8_name(name)) {
		size_t bad = ck_utf8_invalid_at(p, len);
		if (bad < len)
			return ck_fail(err, CK_E_ENCODING,
			               WHERE_FMT
			               "line %ld: bytes invalid in encoding UTF-8 at offset %zu",
			               WHERE(where), ck_line_at((const char *)p, bad),
			               bad + (bom != NULL ? 3 : 0));
		return CK_OK;
	}
	if (bom != NULL)
		return ck_fail(err, CK_E_ENCODING,
		               WHERE_FMT "byte order mark says UTF-8 but the declaration says %s",
		               WHERE(where), name);
	int rc = convert(name, p, len, 0, out, where, err);
	if (rc != CK_OK)
		return rc;
	/* The declaration was read as ASCII; an encoding in which it does not
	 * read back the same (UTF-16 without a byte order mark, EBCDIC) is not
	 * the document's. */
	if (out->len < 5 || memcmp(out->p, "<?xml", 5) != 0)
		return ck_fail(err, CK_E_ENCODING,
		               WHERE_FMT "the document is not encoded in its declared encoding %s",
		               WHERE(where), name);
	return CK_OK;
}

/* ---- parsing ---------------------------------------------------------- */

/* The limits of one parse, defaults applied. */
struct parse_limits {
	size_t max_bytes;
	unsigned max_depth;
	size_t max_nodes;
};

/* libxml2's tree builder, which the checking callbacks below call on. */
struct tree_builder {
	startElementNsSAX2Func start_element;
	endElementNsSAX2Func end_element;
	charactersSAXFunc characters;
	ignorableWhitespaceSAXFunc whitespace;
	cdataBlockSAXFunc cdata;
	commentSAXFunc comment;
	processingInstructionSAXFunc pi;
};

/* A parser context with the checking callbacks installed, and the tree
 * builder they call; ctxt is NULL until made. */
struct ck_xml_parser {
	xmlParserCtxtPtr ctxt;
	struct tree_builder next;
};

/* What the SAX callbacks share during one parse; reached through the
 * parser's _private. */
struct parse_state {
	struct parse_limits limits;
	unsigned depth;
	size_t nodes;
	int in_text; /* the last event was text of this kind: libxml2 joins it */
	int hostile;
	long hostile_line;
	char hostile_reason[128];
	struct first_error error;
	const struct tree_builder *next;
};

static struct parse_state *
state_of(void *ctx)
{
	return ctx ? ((xmlParserCtxtPtr)ctx)->_private : NULL;
}

/* Marks the document hostile and halts the parser: xmlStopParser() discards
 * the rest of the input, so nothing after this point is read. */
static void
stop_hostile(void *ctx, const char *reason)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = state_of(ctx);
	if (st != NULL && !st->hostile) {
		st->hostile = 1;
		st->hostile_line = ctxt->input ? ctxt->input->line : 0;
		snprintf(st->hostile_reason, sizeof st->hostile_reason, "%s", reason);
	}
	xmlStopParser(ctxt);
}

/* Called as soon as "<!DOCTYPE name ExternalID" has been read, before an
 * internal subset is looked at or an external one is fetched. */
static void
on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *public_id,
                   const xmlChar *system_id)
{
	(void)name;
	(void)public_id;
	(void)system_id;
	stop_hostile(ctx, doctype_reason);
}

/* Apart from on_get_entity, the callbacks below can only run once a DTD
 * has declared something, which the callback above prevents; they are set
 * so that a change in libxml2's order of events would still end in a
 * refusal rather than in a declaration being acted on. */
static void
on_external_subset(void *ctx, const xmlChar *name, const xmlChar *public_id,
                   const xmlChar *system_id)
{
	(void)name;
	(void)public_id;
	(void)system_id;
	stop_hostile(ctx, doctype_reason);
}

static void
on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
               const xmlChar *system_id, xmlChar *content)
{
	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	stop_hostile(ctx, "entity declarations are not allowed");
}

static void
on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                        const xmlChar *system_id, const xmlChar *notation)
{
	(void)name;
	(void)public_id;
	(void)system_id;
	(void)notation;
	stop_hostile(ctx, "entity declarations are not allowed");
}

static xmlParserInputPtr
on_resolve_entity(void *ctx, const xmlChar *public_id, const xmlChar *system_id)
{
	(void)public_id;
	(void)system_id;
	stop_hostile(ctx, "external entities are not allowed");
	return NULL;
}

/* Reached for every entity reference except the five predefined ones,
 * which libxml2 resolves itself before asking. */
static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
	(void)name;
	stop_hostile(ctx, "entity references are not allowed");
	return NULL;
}

static xmlEntityPtr
on_get_parameter_entity(void *ctx, const xmlChar *name)
{
	(void)name;
	stop_hostile(ctx, "parameter entity references are not allowed");
	return NULL;
}

static void
on_reference(void *ctx, const xmlChar *name)
{
	(void)name;
	stop_hostile(ctx, "entity references are not allowed");
}

/* Adds n nodes to the document's count; 0 when they stay within the
 * budget, else the parser is stopped before they are built.  text is the
 * kind of text event (1 characters, 2 CDATA) or 0: libxml2 appends text to
 * a text node of the same kind just before it, so a run of text events
 * costs one node. */
static int
over_budget(void *ctx, struct parse_state *st, size_t n, int text)
{
	if (text != 0 && st->in_text == text)
		return 0;
	st->in_text = text;
	st->nodes += n;
	if (st->nodes <= st->limits.max_nodes)
		return 0;
	char reason[96];
	snprintf(reason, sizeof reason, "more than %zu nodes (elements, attributes, text)",
	         st->limits.max_nodes);
	stop_hostile(ctx, reason);
	return 1;
}

/* Counts depth as elements open, and stops before building the element
 * that goes too deep, so a deep document costs no more than max_depth
 * levels of work; counts its nodes (the element, its namespace
 * declarations, each attribute and its value) against the budget. */
static void
on_start_element(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                 int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                 const xmlChar **attributes)
{
	struct parse_state *st = state_of(ctx);
	if (st == NULL || st->hostile)
		return;
	if (++st->depth > st->limits.max_depth) {
		char reason[64];
		snprintf(reason, sizeof reason, "elements nested deeper than %u",
		         st->limits.max_depth);
		stop_hostile(ctx, reason);
		return;
	}
	size_t n = 1 + (size_t)(nb_namespaces > 0 ? nb_namespaces : 0) +
	           2 * (size_t)(nb_attributes > 0 ? nb_attributes : 0);
	if (over_budget(ctx, st, n, 0))
		return;
	st->next->start_element(ctx, local, prefix, uri, nb_namespaces, namespaces, nb_attributes,
	                        nb_defaulted, attributes);
}

static void
on_end_element(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
	struct parse_state *st = state_of(ctx);
	if (st == NULL)
		return;
	st->depth--;
	st->in_text = 0;
	st->next->end_element(ctx, local, prefix, uri);
}

static void
on_characters(void *ctx, const xmlChar *text, int len)
{
	struct parse_state *st = state_of(ctx);
	if (st != NULL && !st->hostile && !over_budget(ctx, st, 1, 1))
		st->next->characters(ctx, text, len);
}

static void
on_whitespace(void *ctx, const xmlChar *text, int len)
{
	struct parse_state *st = state_of(ctx);
	if (st != NULL && !st->hostile && !over_budget(ctx, st, 1, 1))
		st->next->whitespace(ctx, text, len);
}

static void
on_cdata(void *ctx, const xmlChar *text, int len)
{
	struct parse_state *st = state_of(ctx);
	if (st != NULL && !st->hostile && !over_budget(ctx, st, 1, 2))
		st->next->cdata(ctx, text, len);
}

static void
on_comment(void *ctx, const xmlChar *text)
{
	struct parse_state *st = state_of(ctx);
	if (st != NULL && !st->hostile && !over_budget(ctx, st, 1, 0))
		st->next->comment(ctx, text);
}

static void
on_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	struct parse_state *st = state_of(ctx);
	if (st != NULL && !st->hostile && !over_budget(ctx, st, 1, 0))
		st->next->pi(ctx, target, data);
}

/* Structured errors of this context only: the handler is per parser, so
 * nothing is printed and no process-wide handler is involved. */
static void
on_parse_error(void *ctx, xmlErrorPtr e)
{
	struct parse_state *st = state_of(ctx);
	if (st != NULL)
		keep_first_error(&st->error, e);
}

/* Makes p's parser context: libxml2's tree builder, with the callbacks
 * above in front of it and the refusals of DTDs and entities. */
static int
make_context(struct ck_xml_parser *p, char *err)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (ctxt == NULL || ctxt->sax == NULL) {
		xmlFreeParserCtxt(ctxt);
		return ck_fail(err, CK_E_NOMEM, "out of memory creating an XML parser");
	}
	xmlSAXHandler *sax = ctxt->sax;
	struct tree_builder *next = &p->next;
	next->start_element = sax->startElementNs;
	next->end_element = sax->endElementNs;
	next->characters = sax->characters;
	next->whitespace = sax->ignorableWhitespace;
	next->cdata = sax->cdataBlock;
	next->comment = sax->comment;
	next->pi = sax->processingInstruction;
	if (next->start_element == NULL || next->end_element == NULL || next->characters == NULL ||
	    next->whitespace == NULL || next->cdata == NULL || next->comment == NULL ||
	    next->pi == NULL) {
		xmlFreeParserCtxt(ctxt);
		return ck_fail(err, CK_E_NOMEM, "the XML parser lacks its tree builder");
	}
	sax->startElementNs = on_start_element;
	sax->endElementNs = on_end_element;
	sax->characters = on_characters;
	sax->ignorableWhitespace = on_whitespace;
	sax->cdataBlock = on_cdata;
	sax->comment = on_comment;
	sax->processingInstruction = on_pi;
	sax->internalSubset = on_internal_subset;
	sax->externalSubset = on_external_subset;
	sax->entityDecl = on_entity_decl;
	sax->unparsedEntityDecl = on_unparsed_entity_decl;
	sax->resolveEntity = on_resolve_entity;
	sax->getEntity = on_get_entity;
	sax->getParameterEntity = on_get_parameter_entity;
	sax->reference = on_reference;
	sax->serror = on_parse_error;
	p->ctxt = ctxt;
	return CK_OK;
}

/* Parses with kept's context (made first if needed), or with a context of
 * its own when kept is NULL.  The context is kept for the next document
 * only after a document it parsed without fault (libxml2 resets it at the
 * start of each parse; a fault may leave it halted, or a DOCTYPE's name
 * in it), and while its dictionary of names stays small. */
static int
parse_utf8(const char *p, size_t len, const struct parse_limits *limits, const char *where,
           struct ck_xml_parser *kept, xmlDoc **out, char *err)
{
	if (len > INT_MAX)
		return ck_fail(err, CK_E_TOOBIG, WHERE_FMT "document is %zu bytes, more than %d",
		               WHERE(where), len, INT_MAX);
	struct ck_xml_parser once = {0};
	struct ck_xml_parser *use = kept != NULL ? kept : &once;
	if (use->ctxt == NULL) {
		int made = make_context(use, err);
		if (made != CK_OK)
			return made;
	}
	xmlParserCtxtPtr ctxt = use->ctxt;
	xmlCtxtResetLastError(ctxt);
	struct parse_state st = {.limits = *limits, .next = &use->next};
	ctxt->_private = &st;

	xmlDoc *doc = xmlCtxtReadMemory(ctxt, p, (int)len, NULL, NULL, PARSE_OPTIONS);
	int rc = CK_OK;
	/* After an earlier fatal error libxml2 stops calling SAX callbacks but
	 * still reads a DOCTYPE, noting its name; the document is hostile all
	 * the same (and nothing in it was acted on, callbacks being off). */
	if (!st.hostile && (ctxt->intSubName != NULL || ctxt->inSubset != 0)) {
		st.hostile = 1;
		st.hostile_line = 0;
		snprintf(st.hostile_reason, sizeof st.hostile_reason, "%s", doctype_reason);
	}
	if (st.hostile) {
		if (st.hostile_line > 0)
			rc = ck_fail(err, CK_E_HOSTILE, WHERE_FMT "line %ld: %s", WHERE(where),
			             st.hostile_line, st.hostile_reason);
		else
			rc = ck_fail(err, CK_E_HOSTILE, WHERE_FMT "%s", WHERE(where),
			             st.hostile_reason);
	} else if (doc == NULL || !ctxt->wellFormed || !ctxt->nsWellFormed ||
	           xmlDocGetRootElement(doc) == NULL) {
		/* nsWellFormed: libxml2 builds a tree around an undeclared prefix,
		 * but then no element can be found by its namespace URI. */
		if (!st.error.set)
			keep_first_error(&st.error, xmlCtxtGetLastError(ctxt));
		if (st.error.set)
			rc = ck_fail(err, CK_E_XML, WHERE_FMT "line %ld: %s", WHERE(where),
			             st.error.line, st.error.msg);
		else
			rc = ck_fail(err, CK_E_XML, WHERE_FMT "not well-formed", WHERE(where));
	}
	ctxt->_private = NULL;
	if (kept == NULL || rc != CK_OK || ctxt->dict == NULL ||
	    xmlDictSize(ctxt->dict) > CK_XML_PARSER_MAX_NAMES) {
		xmlFreeParserCtxt(ctxt);
		use->ctxt = NULL;
	}
	if (rc != CK_OK) {
		xmlFreeDoc(doc);
		return rc;
	}
	*out = doc;
	return CK_OK;
}

static void
effective_limits(const struct ck_xml_limits *limits, struct parse_limits *out)
{
	out->max_bytes = limits && limits->max_bytes ? limits->max_bytes : CK_XML_DEFAULT_MAX_BYTES;
	out->max_depth = limits && limits->max_depth ? limits->max_depth : CK_XML_DEFAULT_MAX_DEPTH;
	/* Past libxml2's own limit its error would come first and read as
	 * malformed; at or under it, ours always does. */
	if (out->max_depth > xmlParserMaxDepth)
		out->max_depth = xmlParserMaxDepth;
	out->max_nodes = limits && limits->max_nodes ? limits->max_nodes
	                                             : out->max_bytes / CK_XML_BYTES_PER_NODE;
	if (out->max_nodes < 64)
		out->max_nodes = 64;
}

static int
parse_bytes(const void *buf, size_t len, const struct parse_limits *limits, const char *where,
            struct ck_xml_parser *kept, xmlDoc **out, char *err)
{
	struct utf8_text text;
	int rc = to_utf8(buf, len, &text, where, err);
	if (rc == CK_OK) {
		/* NUL is not an XML character in any encoding; libxml2 would
		 * report it only as a confusing "premature end of data". */
		const char *nul = memchr(text.p, '\0', text.len);
		if (nul != NULL)
			rc = ck_fail(err, CK_E_XML,
			             WHERE_FMT "line %ld: NUL character is not allowed in XML",
			             WHERE(where), ck_line_at(text.p, (size_t)(nul - text.p)));
	}
	if (rc == CK_OK)
		rc = parse_utf8(text.p, text.len, limits, where, kept, out, err);
	free(text.owned);
	return rc;
}

int
ck_xml_parser_new(struct ck_xml_parser **out, char *err)
{
	if (out == NULL)
		return ck_fail(err, CK_E_USAGE, "ck_xml_parser_new: no result pointer");
	xmlInitParser();
	*out = calloc(1, sizeof **out);
	return *out != NULL ? CK_OK : ck_fail(err, CK_E_NOMEM, "out of memory creating a parser");
}

void
ck_xml_parser_free(struct ck_xml_parser *p)
{
	if (p == NULL)
		return;
	xmlFreeParserCtxt(p->ctxt);
	free(p);
}

int
ck_xml_parse(const void *buf, size_t len, const struct ck_xml_limits *limits, xmlDoc **out,
             char *err)
{
	return ck_xml_parse_with(NULL, buf, len, limits, out, err);
}

int
ck_xml_parse_with(struct ck_xml_parser *parser, const void *buf, size_t len,
                  const struct ck_xml_limits *limits, xmlDoc **out, char *err)
{
	if (out == NULL || (buf == NULL && len > 0))
		return ck_fail(err, CK_E_USAGE, "ck_xml_parse: no document or no result pointer");
	*out = NULL;
	struct parse_limits lim;
	effective_limits(limits, &lim);
	if (len > lim.max_bytes)
		return ck_fail(err, CK_E_TOOBIG,
		               "document is %zu bytes, more than the limit of %zu", len,
		               lim.max_bytes);
	xmlInitParser();
	return parse_bytes(buf != NULL ? buf : "", len, &lim, NULL, parser, out, err);
}

int
ck_xml_parse_file(const char *path, const struct ck_xml_limits *limits, xmlDoc **out, char *err)
{
	if (out == NULL || path == NULL)
		return ck_fail(err, CK_E_USAGE, "ck_xml_parse_file: no path or no result pointer");
	*out = NULL;
	struct parse_limits lim;
	effective_limits(limits, &lim);
	size_t max_bytes = lim.max_bytes;

	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return ck_fail(err, CK_E_IO, "cannot open %s: %s", path, strerror(errno));
	int rc = CK_OK;
	char *buf = NULL;
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		rc = ck_fail(err, CK_E_IO, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size > max_bytes) {
		rc = ck_fail(err, CK_E_TOOBIG, "%s: %jd bytes, more than the limit of %zu", path,
		             (intmax_t)sb.st_size, max_bytes);
		goto out;
	}
	/* One byte past the limit is enough to know the limit is passed. */
	size_t limit = max_bytes < SIZE_MAX ? max_bytes + 1 : max_bytes;
	size_t cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : 64 * 1024;
	if (cap > limit)
		cap = limit;
	size_t used = 0;
	buf = malloc(cap);
	if (buf == NULL) {
		rc = ck_fail(err, CK_E_NOMEM, "out of memory reading %s", path);
		goto out;
	}
	for (;;) {
		if (used == cap) {
			if (cap == limit)
				break;
			size_t grown_cap = cap <= limit / 2 ? cap * 2 : limit;
			char *grown = realloc(buf, grown_cap);
			if (grown == NULL) {
				rc = ck_fail(err, CK_E_NOMEM, "out of memory reading %s", path);
				goto out;
			}
			buf = grown;
			cap = grown_cap;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ck_fail(err, CK_E_IO, "cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max_bytes) {
		rc = ck_fail(err, CK_E_TOOBIG, "%s: more than the limit of %zu bytes", path,
		             max_bytes);
		goto out;
	}
	xmlInitParser();
	rc = parse_bytes(buf, used, &lim, path, NULL, out, err);
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- lookup ----------------------------------------------------------- */

int
ck_xml_is(const xmlNode *n, const char *ns_uri, const char *local)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return 0;
	if (local != NULL && (n->name == NULL || strcmp((const char *)n->name, local) != 0))
		return 0;
	/* xmlns="" undeclares the default namespace: that is no namespace. */
	const char *href = n->ns != NULL && n->ns->href != NULL && n->ns->href[0] != '\0'
	                       ? (const char *)n->ns->href
	                       : NULL;
	if (ns_uri == NULL)
		return href == NULL;
	return href != NULL && strcmp(href, ns_uri) == 0;
}

xmlNode *
ck_xml_next(const xmlNode *n, const char *ns_uri, const char *local)
{
	for (xmlNode *c = n ? n->next : NULL; c != NULL; c = c->next)
		if (ck_xml_is(c, ns_uri, local))
			return c;
	return NULL;
}

xmlNode *
ck_xml_first(const xmlNode *parent, const char *ns_uri, const char *local)
{
	if (parent == NULL)
		return NULL;
	xmlNode *c = parent->children;
	if (c == NULL || ck_xml_is(c, ns_uri, local))
		return c;
	return ck_xml_next(c, ns_uri, local);
}

/* A malloc'd copy of an xmlMalloc'd string: the two allocators need not be
 * the same, and the header promises free(). */
static char *
dup_trimmed(xmlChar *s, int trim)
{
	if (s == NULL)
		return NULL;
	const char *b = (const char *)s;
	size_t n = strlen(b);
	if (trim) {
		while (n > 0 && is_blank((unsigned char)*b)) {
			b++;
			n--;
		}
		while (n > 0 && is_blank((unsigned char)b[n - 1]))
			n--;
	}
	char *r = malloc(n + 1);
	if (r != NULL) {
		memcpy(r, b, n);
		r[n] = '\0';
	}
	xmlFree(s);
	return r;
}

/* A malloc'd copy of s without surrounding blanks. */
static char *
copy_trimmed(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && is_blank((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank((unsigned char)s[n - 1]))
		n--;
	char *r = malloc(n + 1);
	if (r != NULL) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

char *
ck_xml_text(const xmlNode *n)
{
	if (n == NULL)
		return NULL;
	/* Most elements hold one run of text, or none: read it in place
	 * rather than gather it into a buffer of libxml2's first. */
	const xmlNode *c = n->type == XML_ELEMENT_NODE ? n->children : NULL;
	if (n->type == XML_ELEMENT_NODE && c == NULL)
		return copy_trimmed("");
	if (c != NULL && c->next == NULL &&
	    (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != NULL)
		return copy_trimmed((const char *)c->content);
	return dup_trimmed(xmlNodeGetContent(n), 1);
}

char *
ck_xml_attr(const xmlNode *n, const char *name)
{
	if (n == NULL || name == NULL || n->type != XML_ELEMENT_NODE)
		return NULL;
	return dup_trimmed(xmlGetNoNsProp(n, (const xmlChar *)name), 0);
}

char *
ck_xml_child_text(const xmlNode *parent, const char *ns_uri, const char *local)
{
	xmlNode *c = ck_xml_first(parent, ns_uri, local);
	return c != NULL ? ck_xml_text(c) : NULL;
}

long
ck_xml_line(const xmlNode *n)
{
	if (n == NULL)
		return 0;
	long line = xmlGetLineNo(n);
	return line > 0 ? line : 0;
}

/* ---- XSD -------------------------------------------------------------- */

/* The names a schema declares, for pruning: each key is the local name
 * and the namespace URI, two strings one after the other ("local\0ns"),
 * the keys sorted by local name, then namespace. */
struct declared {
	int loaded;
	char **elements, **attributes;
	size_t n_elements, n_attributes;
};

struct ck_xsd_set {
	size_t count;
	struct declared *declared; /* by index, filled on first prune */
	/* By index, made on first use and kept while documents validate:
	 * making one (with the schema parser context libxml2 makes on it)
	 * cost a tenth of validating an answer. */
	xmlSchemaValidCtxtPtr *vctxt;
	xmlSchemaPtr schema[]; /* by index into ck_embedded_schemas; NULL until used */
};

static void
on_schema_error(void *ctx, xmlErrorPtr e)
{
	keep_first_error(ctx, e);
}

int
ck_xsd_set_new(struct ck_xsd_set **out, char *err)
{
	if (out == NULL)
		return ck_fail(err, CK_E_USAGE, "ck_xsd_set_new: no result pointer");
	*out = NULL;
	size_t count = 0;
	while (ck_embedded_schemas[count].name != NULL)
		count++;
	struct ck_xsd_set *set = calloc(1, sizeof *set + count * sizeof set->schema[0]);
	if (set == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory creating a schema set");
	set->count = count;
	set->declared = calloc(count ? count : 1, sizeof *set->declared);
	set->vctxt = calloc(count ? count : 1, sizeof *set->vctxt);
	if (set->declared == NULL || set->vctxt == NULL) {
		free(set->declared);
		free(set->vctxt);
		free(set);
		return ck_fail(err, CK_E_NOMEM, "out of memory creating a schema set");
	}
	xmlInitParser();
	/* libxml2 builds its table of built-in schema types when the first
	 * schema is compiled, without a lock: threads compiling their first
	 * schemas together would each build one.  Build it here, in the thread
	 * that makes the set, before any other thread can use it. */
	xmlSchemaInitTypes();
	*out = set;
	return CK_OK;
}

static void
free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void
ck_xsd_set_free(struct ck_xsd_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->count; i++) {
		xmlSchemaFreeValidCtxt(set->vctxt[i]);
		xmlSchemaFree(set->schema[i]);
		free_names(set->declared[i].elements, set->declared[i].n_elements);
		free_names(set->declared[i].attributes, set->declared[i].n_attributes);
	}
	free(set->declared);
	free(set->vctxt);
	free(set);
}

/* Compiles embedded schema i.  Our schemas import and include nothing, so
 * the schema parser has nothing to fetch. */
static int
compile_schema(struct ck_xsd_set *set, size_t i, char *err)
{
	const struct ck_embedded_schema *es = &ck_embedded_schemas[i];
	if (es->size > INT_MAX)
		return ck_fail(err, CK_E_TOOBIG, "embedded schema %s is too large", es->name);
	struct first_error fe = {0};
	xmlSchemaParserCtxtPtr pctxt =
	    xmlSchemaNewMemParserCtxt((const char *)es->data, (int)es->size);
	if (pctxt == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory compiling schema %s", es->name);
	xmlSchemaSetParserStructuredErrors(pctxt, on_schema_error, &fe);
	set->schema[i] = xmlSchemaParse(pctxt);
	xmlSchemaFreeParserCtxt(pctxt);
	if (set->schema[i] == NULL)
		return ck_fail(err, CK_E_SCHEMA,
		               "embedded schema %s does not compile: line %ld: %s", es->name,
		               fe.line, fe.set ? fe.msg : "unknown error");
	return CK_OK;
}

int
ck_xsd_validate(struct ck_xsd_set *set, const char *name, xmlDoc *doc, char *err)
{
	if (set == NULL || name == NULL || doc == NULL)
		return ck_fail(err, CK_E_USAGE, "ck_xsd_validate: no schema set, name or document");
	size_t i = 0;
	while (i < set->count && strcmp(ck_embedded_schemas[i].name, name) != 0)
		i++;
	if (i == set->count)
		return ck_fail(err, CK_E_NOTFOUND, "no embedded schema named %s", name);
	if (set->schema[i] == NULL) {
		int rc = compile_schema(set, i, err);
		if (rc != CK_OK)
			return rc;
	}
	if (set->vctxt[i] == NULL &&
	    (set->vctxt[i] = xmlSchemaNewValidCtxt(set->schema[i])) == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory validating against %s", name);
	xmlSchemaValidCtxtPtr vctxt = set->vctxt[i];
	struct first_error fe = {0};
	xmlSchemaSetValidStructuredErrors(vctxt, on_schema_error, &fe);
	int r = xmlSchemaValidateDoc(vctxt, doc);
	xmlSchemaSetValidStructuredErrors(vctxt, NULL, NULL); /* fe ends here */
	if (r == 0)
		return CK_OK;
	/* libxml2 clears the context after each document; one that refused
	 * a document is dropped all the same, so that nothing a bad document
	 * left behind can reach the next. */
	xmlSchemaFreeValidCtxt(vctxt);
	set->vctxt[i] = NULL;
	if (fe.set)
		return ck_fail(err, CK_E_SCHEMA, "line %ld: %s", fe.line, fe.msg);
	return ck_fail(err, CK_E_SCHEMA, "document does not validate against %s (libxml2 code %d)",
	               name, r);
}

/* ---- Pruning unknown elements before validation -------------------------- */

#define XS_NS "http://www.w3.org/2001/XMLSchema"

static int
schema_index(const struct ck_xsd_set *set, const char *name, size_t *index)
{
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(ck_embedded_schemas[i].name, name) == 0) {
			*index = i;
			return 1;
		}
	return 0;
}

static int
add_name(char ***names, size_t *n, const char *ns, const char *local)
{
	size_t local_len = strlen(local), ns_len = strlen(ns);
	char *key = malloc(local_len + ns_len + 2);
	char **grown = realloc(*names, (*n + 1) * sizeof **names);
	if (key == NULL || grown == NULL) {
		free(key);
		if (grown != NULL)
			*names = grown;
		return CK_E_NOMEM;
	}
	memcpy(key, local, local_len + 1);
	memcpy(key + local_len + 1, ns, ns_len + 1);
	*names = grown;
	(*names)[(*n)++] = key;
	return CK_OK;
}

/* Collects the xs:element and xs:attribute declarations under n.  A
 * declaration is in the target namespace when it is global, when its form
 * says qualified, or, without a form, when the schema's default says so. */
static int
collect_declared(const xmlNode *n, const char *tns, int elements_qualified,
                 int attributes_qualified, struct declared *d)
{
	int rc = CK_OK;
	for (xmlNode *c = ck_xml_first(n, XS_NS, NULL); rc == CK_OK && c != NULL;
	     c = ck_xml_next(c, XS_NS, NULL)) {
		int is_element = ck_xml_is(c, XS_NS, "element");
		char *name = ck_xml_attr(c, "name");
		if (name != NULL && (is_element || ck_xml_is(c, XS_NS, "attribute"))) {
			char *form = ck_xml_attr(c, "form");
			int qualified =
			    ck_xml_is(n, XS_NS, "schema") || (form ? strcmp(form, "qualified") == 0
			                                      : is_element ? elements_qualified
			                                                   : attributes_qualified);
			rc = is_element ? add_name(&d->elements, &d->n_elements,
			                           qualified ? tns : "", name)
			                : add_name(&d->attributes, &d->n_attributes,
			                           qualified ? tns : "", name);
			free(form);
		}
		free(name);
		if (rc == CK_OK)
			rc = collect_declared(c, tns, elements_qualified, attributes_qualified, d);
	}
	return rc;
}

static int
attr_is(const xmlNode *n, const char *name, const char *value)
{
	char *v = ck_xml_attr(n, name);
	int is = v != NULL && strcmp(v, value) == 0;
	free(v);
	return is;
}

/* Orders the key of (ns, local) against (href, local): by local name
 * first, which tells most names apart at their first characters, where
 * the namespaces of one schema are all alike. */
static int
compare_name(const char *key, const char *href, const char *local)
{
	int c = strcmp(key, local);
	return c != 0 ? c : strcmp(key + strlen(key) + 1, href);
}

static int
compare_keys(const void *a, const void *b)
{
	const char *ka = *(char *const *)a, *kb = *(char *const *)b;
	return compare_name(ka, kb + strlen(kb) + 1, kb);
}

static int
load_declared(struct ck_xsd_set *set, size_t i, char *err)
{
	const struct ck_embedded_schema *es = &ck_embedded_schemas[i];
	xmlDoc *xsd = NULL;
	int rc = ck_xml_parse(es->data, es->size, NULL, &xsd, err);
	if (rc != CK_OK)
		return rc;
	xmlNode *root = xmlDocGetRootElement(xsd);
	char *tns = ck_xml_attr(root, "targetNamespace");
	rc =
	    collect_declared(root, tns ? tns : "", attr_is(root, "elementFormDefault", "qualified"),
	                     attr_is(root, "attributeFormDefault", "qualified"), &set->declared[i]);
	free(tns);
	xmlFreeDoc(xsd);
	if (rc != CK_OK)
		return ck_fail(err, rc, "out of memory reading schema %s", es->name);
	struct declared *d = &set->declared[i];
	if (d->n_elements > 1)
		qsort(d->elements, d->n_elements, sizeof *d->elements, compare_keys);
	if (d->n_attributes > 1)
		qsort(d->attributes, d->n_attributes, sizeof *d->attributes, compare_keys);
	d->loaded = 1;
	return CK_OK;
}

/* Binary search of names, sorted by load_declared(): every element of
 * every answer is looked up here. */
static int
is_declared(char *const *names, size_t n, const xmlNs *ns, const xmlChar *local)
{
	const char *href = ns != NULL && ns->href != NULL ? (const char *)ns->href : "";
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = compare_name(names[mid], href, (const char *)local);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void
prune_node(xmlNode *n, const struct declared *d)
{
	for (xmlAttr *a = n->properties, *next; a != NULL; a = next) {
		next = a->next;
		if (!is_declared(d->attributes, d->n_attributes, a->ns, a->name))
			xmlRemoveProp(a);
	}
	for (xmlNode *c = n->children, *next; c != NULL; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_declared(d->elements, d->n_elements, c->ns, c->name)) {
			prune_node(c, d);
		} else {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
}

int
ck_xsd_prune(struct ck_xsd_set *set, const char *name, xmlDoc *doc, char *err)
{
	if (set == NULL || name == NULL || doc == NULL)
		return ck_fail(err, CK_E_USAGE, "ck_xsd_prune: no schema set, name or document");
	size_t i;
	if (!schema_index(set, name, &i))
		return ck_fail(err, CK_E_NOTFOUND, "no embedded schema named %s", name);
	if (!set->declared[i].loaded) {
		int rc = load_declared(set, i, err);
		if (rc != CK_OK)
			return rc;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	if (root != NULL)
		prune_node(root, &set->declared[i]);
	return CK_OK;
}
