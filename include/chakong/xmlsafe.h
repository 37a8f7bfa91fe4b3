/* SPDX-License-Identifier: MIT */
/*
 * xmlsafe.h: the only way chakong reads XML.
 *
 * Every document the program reads (filings, institution answers, the inner
 * document of a SOAP answer, configuration) is parsed here, with libxml2
 * hardened as follows:
 * - no network access, no DTD loading, no entity substitution, no XInclude;
 * - any DOCTYPE (internal or external subset) is rejected as hostile before
 *   its declarations are acted on, so entity bombs and external entities
 *   never expand; a reference to any entity other than the five predefined
 *   ones (&amp; &lt; &gt; &apos; &quot;) is hostile too;
 * - input larger than limits->max_bytes is refused before parsing;
 *   nesting deeper than limits->max_depth, and more nodes than
 *   limits->max_nodes, are refused as hostile while parsing, so that the
 *   tree a document costs is bounded whatever its shape (a tree node takes
 *   about 130 bytes, a small element 4 bytes of input);
 * - the encoding named in the XML declaration is honoured (UTF-8, GB18030,
 *   GBK, ...; a UTF-8 byte order mark may precede the declaration, and a
 *   UTF-16 document is recognised by its byte order mark); text comes out of
 *   the tree as UTF-8.  chakong decodes the bytes itself (iconv) and hands
 *   libxml2 only UTF-8, so bytes invalid in the encoding are reported
 *   precisely (CK_E_ENCODING) and libxml2 never writes to stderr.
 * Processing instructions and comments are allowed and ignored.
 *
 * Elements are looked up by (namespace URI, local name), never by prefix.
 *
 * XSD validation uses schemas compiled into the program (the .xsd files of
 * schemas/); a struct ck_xsd_set compiles each schema once, on first use,
 * and keeps it, with a validation context for it, until ck_xsd_set_free().  Hints in the instance
 * (xsi:schemaLocation) are never followed.
 *
 * Messages: "line N: reason" (prefixed by "path: " for ck_xml_parse_file),
 * where reason is libxml2's own for well-formedness and schema errors.
 *
 * Threads: nothing here keeps global state of its own; a document, and a
 * struct ck_xsd_set, serve one thread at a time.  libxml2 itself must be
 * initialised (xmlInitParser(), which this module also calls) from the main
 * thread before threads share it; ck_xsd_set_new() also initialises its
 * built-in schema types, so make the sets before starting the threads that
 * use them.
 *
 * Ownership: documents returned by ck_xml_parse*() belong to the caller and
 * are freed with xmlFreeDoc(); strings returned by ck_xml_text(),
 * ck_xml_attr() and ck_xml_child_text() are malloc'd and freed with free().
 */
#ifndef CHAKONG_XMLSAFE_H
#define CHAKONG_XMLSAFE_H

#include <stddef.h>
#include <libxml/tree.h>

#define CK_XML_DEFAULT_MAX_BYTES ((size_t)8 << 20) /* common.md: 8 MiB */
#define CK_XML_DEFAULT_MAX_DEPTH 64

/* The default node budget: one node per this many bytes of max_bytes.
 * Real answers hold about one node per 10 bytes, whitespace included. */
#define CK_XML_BYTES_PER_NODE 8

/* max_depth counts elements: the root alone is depth 1.  Values above
 * libxml2's own limit (256) act as 256, so that the refusal is always ours
 * (hostile) rather than libxml2's.  max_nodes counts what the tree would
 * hold: each element, attribute value (two: the attribute and its text),
 * namespace declaration, run of text, CDATA section, comment and
 * processing instruction. */
struct ck_xml_limits {
	size_t max_bytes;   /* 0 means CK_XML_DEFAULT_MAX_BYTES */
	unsigned max_depth; /* 0 means CK_XML_DEFAULT_MAX_DEPTH */
	size_t max_nodes;   /* 0 means max_bytes / CK_XML_BYTES_PER_NODE (at least 64) */
};

/*
 * Parses a document from memory.  limits may be NULL (defaults).
 * Returns CK_OK and *out, or:
 *   CK_E_TOOBIG   larger than max_bytes;
 *   CK_E_HOSTILE  a DOCTYPE, an entity declaration or reference, nesting
 *                 deeper than max_depth, or more than max_nodes nodes;
 *   CK_E_ENCODING bytes invalid in the declared encoding, an encoding
 *                 this build cannot convert, or a byte order mark that
 *                 contradicts the declaration;
 *   CK_E_XML      not well-formed, NUL characters included (the message
 *                 gives line and reason);
 *   CK_E_USAGE    out is NULL, or buf is NULL with len > 0.
 * A hostile document is reported as CK_E_HOSTILE even when it is also
 * malformed.  On failure *out is NULL.
 */
int ck_xml_parse(const void *buf, size_t len, const struct ck_xml_limits *limits, xmlDoc **out,
                 char *err);

/*
 * A parser kept from one document to the next, for code that parses many
 * (the scheduler, one answer after another): libxml2's parser context,
 * with the checks above installed once, instead of one made and freed for
 * each document; 1 % of the engine's instructions per answer.  The
 * checks, limits, results and messages are ck_xml_parse()'s.  A parse that
 * fails leaves the next one to a new context, and so does a dictionary of
 * names grown past CK_XML_PARSER_MAX_NAMES (element names and short texts
 * are interned in it), which bounds what the parser keeps.
 *
 * Documents it returns share its dictionary: free them in the thread that
 * uses the parser, like the parser itself (they may outlive it).
 * ck_xml_parser_new() allocates (CK_E_NOMEM, CK_E_USAGE), ck_xml_parser_free()
 * frees; NULL is a no-op.  ck_xml_parse_with(NULL, ...) is ck_xml_parse().
 */
#define CK_XML_PARSER_MAX_NAMES 4096
struct ck_xml_parser;
int ck_xml_parser_new(struct ck_xml_parser **out, char *err);
void ck_xml_parser_free(struct ck_xml_parser *parser);
int ck_xml_parse_with(struct ck_xml_parser *parser, const void *buf, size_t len,
                      const struct ck_xml_limits *limits, xmlDoc **out, char *err);

/* Reads a file and parses it as ck_xml_parse() does.  A regular file larger
 * than max_bytes is refused from its size alone; from anything else (a pipe)
 * at most max_bytes + 1 bytes are read.  CK_E_IO if it cannot be read. */
int ck_xml_parse_file(const char *path, const struct ck_xml_limits *limits, xmlDoc **out,
                      char *err);

/* True when n is an element named `local` in namespace `ns_uri`; ns_uri
 * NULL means "in no namespace" (xmlns="" counts as no namespace); local
 * NULL matches any name. */
int ck_xml_is(const xmlNode *n, const char *ns_uri, const char *local);

/* The first element child of parent matching (ns_uri, local), or NULL;
 * local NULL matches any element.  parent may be the document itself,
 * cast: ck_xml_first((xmlNode *)doc, ns, "Root") checks the root. */
xmlNode *ck_xml_first(const xmlNode *parent, const char *ns_uri, const char *local);

/* The next element sibling after n matching (ns_uri, local), or NULL. */
xmlNode *ck_xml_next(const xmlNode *n, const char *ns_uri, const char *local);

/* Text content of n with surrounding blanks (space, tab, CR, LF) removed;
 * "" for an empty element; NULL when n is NULL or memory runs out. */
char *ck_xml_text(const xmlNode *n);

/* Value of the attribute `name` (no namespace) of n, exactly as written
 * (attributes carry no padding); NULL when absent. */
char *ck_xml_attr(const xmlNode *n, const char *name);

/* Text of the first child (ns_uri, local) of parent, trimmed; NULL when the
 * child is absent.  A convenience over ck_xml_first + ck_xml_text. */
char *ck_xml_child_text(const xmlNode *parent, const char *ns_uri, const char *local);

/* Source line of n (1-based), 0 if unknown.  libxml2 stores lines in 16
 * bits: lines after 65534 read as 65535. */
long ck_xml_line(const xmlNode *n);

struct ck_xsd_set;

/* An empty set: nothing is compiled until ck_xsd_validate() needs it.
 * CK_E_NOMEM or CK_E_USAGE (out NULL).  ck_xsd_set_free(NULL) is a no-op. */
int ck_xsd_set_new(struct ck_xsd_set **out, char *err);
void ck_xsd_set_free(struct ck_xsd_set *set);

/*
 * Validates doc against the embedded schema `name` (the file name under
 * schemas/ without ".xsd", e.g. "filing").  CK_OK, CK_E_SCHEMA with the line
 * and reason of the first violation, or CK_E_NOTFOUND for an unknown name.
 * The document is not modified (no default attributes are added).
 */
int ck_xsd_validate(struct ck_xsd_set *set, const char *name, xmlDoc *doc, char *err);

/*
 * Removes from doc what the schema `name` does not declare, so that unknown
 * extra elements (common.md: institutions add fields over time) do not fail
 * validation: below the root, every element whose {namespace}local-name no
 * xs:element of the schema declares, with its subtree; on every element,
 * every attribute no xs:attribute declares.  Names compare by namespace URI
 * and local name.  A known name in a wrong place is kept, and validation
 * then refuses it.  See schemas/README.md.  CK_OK, CK_E_NOTFOUND, CK_E_NOMEM.
 */
int ck_xsd_prune(struct ck_xsd_set *set, const char *name, xmlDoc *doc, char *err);

#endif
