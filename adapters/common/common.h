/* SPDX-License-Identifier: MIT */
/*
 * common.h: what every adapter does the same way: building requests,
 * classifying HTTP statuses by common.md, loading an answer (hardened
 * parse, pruning of unknown elements, schema validation), and reading
 * values while marking a bad one as a malformed answer.  Private to
 * adapters/; adapters stay pure (no I/O, no clock).
 */
#ifndef CHAKONG_ADAPTER_COMMON_H
#define CHAKONG_ADAPTER_COMMON_H

#include <libxml/tree.h>
#include <stdint.h>

#include "chakong/adapter.h"
#include "chakong/buf.h"

/* ---- Requests ----------------------------------------------------------- */

/*
 * Makes rq a request: method (static), path (copied), the body taken from
 * body (which is left empty), and the headers every kind sends:
 * Content-Type (when there is a body) and X-Request-Id.  CK_OK or
 * CK_E_NOMEM (rq released).
 */
int ck_ad_request(struct ck_http_request *rq, const char *method, const char *path,
                  const char *content_type, struct ck_buf *body, const char *request_id);
/* The query fields a kind's request carries (ck_ad_require_input). */
enum {
	CK_NEED_REQUEST_ID = 1u << 0,
	CK_NEED_COURT_CODE = 1u << 1,
	CK_NEED_COURT_NAME = 1u << 2,
	CK_NEED_CASE_NO = 1u << 3,
	CK_NEED_OFFICER = 1u << 4,
	CK_NEED_SUBJECT_NAME = 1u << 5,
	CK_NEED_SUBJECT_ID = 1u << 6,
	CK_NEED_ALL = (1u << 7) - 1
};

/* True when text is NULL or holds only blanks (space, tab, CR, LF). */
int ck_ad_blank(const char *text);

/*
 * Every request names the case and the officer (common.md) and its
 * elements are all required: CK_OK, or CK_E_USAGE "<kind> request: the
 * officer has no value" for the first needed field that is blank.
 */
int ck_ad_require_input(const struct ck_query_input *in, unsigned needed, const char *kind,
                        char *err);

/* The subject identifier as sent: 18 characters, a lower-case x made upper
 * case (common.md).  -1 when it has not 18 characters. */
int ck_ad_upper_id(const char *id, char out[CK_ID_BUF]);

/* Appends <name>value</name>, the value XML-escaped. */
void ck_ad_element(struct ck_buf *b, const char *name, const char *value);

/* Adds one more header (copied). */
int ck_ad_header(struct ck_http_request *rq, const char *name, const char *value);

/* ---- Answers ------------------------------------------------------------ */

/*
 * The statuses common.md gives one meaning for every kind: 401/403
 * CREDENTIALS; 429, 500, 502, 503, 504 RETRY (with Retry-After when sent);
 * 409 FAILED REQUEST_ID_REUSED; 400 FAILED BAD_REQUEST, or NOT_APPLICABLE
 * when the error document's Code is ORG_NOT_APPLICABLE (the error document
 * is read with error_schema in namespace error_ns, NULL for none; an
 * unreadable one only loses the detail).  Any other status but 200, 202 and
 * 404 is FAILED UNEXPECTED_STATUS.  Returns 1 when it set *out, 0 when the
 * kind must look at the response itself.
 */
int ck_ad_common_status(const struct ck_query_input *in, const struct ck_http_response *r,
                        const struct ck_adapter_env *env, const char *error_schema,
                        const char *error_ns, struct ck_outcome *out);

/*
 * Parses text with xmlsafe (limits from env), prunes what `schema` does not
 * declare and validates against it.  Returns CK_OK with *doc (the caller
 * frees it), 1 with *out set (HOSTILE for hostile content, FAILED MALFORMED
 * otherwise), or CK_E_NOMEM.
 */
int ck_ad_load(const char *text, size_t len, const struct ck_adapter_env *env, const char *schema,
               xmlDoc **doc, struct ck_outcome *out);

/* The same without pruning: a SOAP envelope is validated as received
 * (schemas/README.md), only the operation inside it is pruned. */
int ck_ad_load_exact(const char *text, size_t len, const struct ck_adapter_env *env,
                     const char *schema, xmlDoc **doc, struct ck_outcome *out);

/* Retry-After (delta seconds, or an HTTP date relative to now) in seconds,
 * or -1 when absent or unreadable. */
int ck_ad_retry_after(const char *value, int64_t now);

/* True when the echoed identifier is the one asked about (common.md:
 * compared after normalisation; a lower-case x equals X). */
int ck_ad_same_subject(const char *asked, const char *echoed);

/* ---- Values --------------------------------------------------------------
 * Each reads a value already checked by the schema's pattern and marks the
 * outcome FAILED MALFORMED naming `what` when it still does not hold (a date
 * that does not exist, an amount beyond int64).  They return 0, or -1 after
 * marking.  Empty text means absent (common.md). */

/* Text of the first (ns, local) child of parent, trimmed; NULL when absent
 * or empty.  The caller frees it. */
char *ck_ad_text(const xmlNode *parent, const char *ns, const char *local);
int ck_ad_amount(const char *text, int64_t *value, struct ck_outcome *out, const char *what);
/* CK_NO_DATE for NULL text. */
int ck_ad_date(const char *text, int64_t *days, struct ck_outcome *out, const char *what);
/* A small non-negative integer (sequence, count). */
int ck_ad_int(const char *text, int *value, struct ck_outcome *out, const char *what);

/*
 * Reads the trimmed text of the first child named names[i] (namespace ns,
 * NULL for none) of parent into values[i], for i < n; NULL when absent or
 * empty (common.md: the same thing).  CK_OK or CK_E_NOMEM; the caller frees
 * the values with ck_ad_free_fields() in either case.
 */
int ck_ad_read_fields(const xmlNode *parent, const char *ns, const char *const *names, size_t n,
                      char **values);
void ck_ad_free_fields(char **values, size_t n);
/* Takes a value out of a fields array (the array's slot becomes NULL). */
char *ck_ad_take(char **value);

/* Takes the text of a JSON writer as a record's detail (NULL on failure). */
char *ck_ad_strdup(const char *text);

#endif
