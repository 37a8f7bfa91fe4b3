/* SPDX-License-Identifier: MIT */
/*
 * kinds.h: what the institution kinds share (kinds.c): checking a request
 * the same way for every kind (method, Content-Type, hardened parsing,
 * schema, X-Request-Id, case number and officer, idempotency), gathering
 * what an answer says, and the helpers that write documents.  Each kind
 * (kind_<kind>.c) supplies how to read its request, how to write its
 * answers and errors, and its own flow (tickets, pages).  Private to
 * src/sim.
 */
#ifndef CHAKONG_SIM_KINDS_H
#define CHAKONG_SIM_KINDS_H

#include <stddef.h>
#include <stdint.h>
#include <libxml/tree.h>

#include "sim.h"

#define BANK_NS "urn:chakong:bank:1"
#define SOAP_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define VEH_NS  "urn:chakong:trff:vehicle:1"
#define SI_NS   "urn:chakong:si:1"
#define EC_NS   "urn:chakong:ec:1"

/* Bank scopes (bits of sim_query.scope). */
#define SCOPE_ACCT 1u
#define SCOPE_WLTH 2u

/* A request's fields, as read by the kind.  Text is trimmed UTF-8, cut
 * short to the buffer; empty means absent. */
struct kind_request {
	char request_id[65];
	char id_no[32]; /* the subject's identifier as sent */
	int id_kind;    /* what the kind's type field says: CK_SUBJECT_*, 0 unknown */
	char name[96];  /* the subject's name */
	char case_no[128];
	char court[160]; /* court code and name, as far as the kind sends them */
	char officer[96];
	unsigned scope;       /* bank */
	char cursor[128];     /* e-commerce: "" on the first page (Cursor empty or absent) */
	uint64_t fingerprint; /* kinds.c: of every field but RequestId, subject and cursor */
};

/* How a kind reads and refuses requests. */
struct kind_def {
	const char *request_schema; /* embedded schema name, e.g. "bank-request" */
	const char *soap_action;    /* required SOAPAction (quotes optional), or NULL */
	int persons_only;           /* organisations get 400 ORG_NOT_APPLICABLE */
	/* Reads the fields of a parsed request; 0, or -1 with *why set when the
	 * document is not this kind's request at all. */
	int (*extract)(xmlDoc *doc, struct kind_request *r, const char **why);
	/* Validates the parsed request (NULL: against request_schema). */
	int (*validate)(struct ck_xsd_set *xsd, xmlDoc *doc, char *err);
	/* Fills reply with the kind's error document. */
	void (*error)(struct sim_reply *reply, int status, const char *code, const char *message);
};

/* Starts a reply: status 500, no body, no Retry-After. */
void kinds_reply_init(struct sim_reply *reply);

/* Checks method and path; on a mismatch fills reply (404 or 405) and
 * returns 0. */
int kinds_route(const struct kind_def *def, const struct sim_request *rq, const char *method,
                const char *path, struct sim_reply *reply);

/*
 * Checks, parses and registers a request body.  Returns the registry entry
 * of its RequestId (seen already counted) with *r filled, or NULL when the
 * request was refused: reply then holds the error (400, 409, 500).  A
 * repeated RequestId with other fields changed is counted as a discrepancy
 * and r's name and scope are those of the first request.
 */
struct sim_query *kinds_accept(const struct sim_context *ctx, const struct sim_request *rq,
                               const struct kind_def *def, struct kind_request *r,
                               struct sim_reply *reply);

/* Checks a Content-Type (application/xml or text/xml, charset absent or
 * UTF-8): 0, or -1 with *why set. */
int kinds_media_type(const char *content_type, const char **why);

/* ---- Answers ------------------------------------------------------------- */

/* What an answer says: whom about, what the instance holds, when. */
struct kind_answer {
	const struct sim_world *world;
	const struct sim_instance *instance;
	const struct sim_subject *subject; /* NULL: not in the population */
	struct sim_holding holding;        /* owned: kinds_answer_release() */
	char id_no[CK_ID_BUF + 8];         /* identifier echoed */
	int kind;                          /* CK_SUBJECT_* of the identifier echoed */
	char name[96];                     /* name echoed: the instance's own */
	const char *request_id;
	int64_t answered_ms;
	unsigned scope; /* bank: scopes asked */
	unsigned page;  /* e-commerce: 1-based */
};

/*
 * Gathers the answer about subject (NULL: the identifier id_no of kind
 * id_kind is unknown, and asked_name is echoed).  With wrong_subject the
 * answer is about another subject of the same kind that this instance
 * knows (the WRONG_SUBJECT fault).  CK_OK or CK_E_NOMEM.
 */
int kinds_answer_init(struct kind_answer *a, const struct sim_world *world,
                      const struct sim_instance *instance, const struct sim_subject *subject,
                      const char *id_no, int id_kind, const char *asked_name,
                      const char *request_id, int64_t answered_ms, int wrong_subject);
void kinds_answer_release(struct kind_answer *a);

/* The answer time sim_render_answer() uses: 2024-03-05T09:30:00+08:00. */
#define KINDS_RENDER_MS INT64_C(1709602200000)

/* ---- Writing ------------------------------------------------------------- */

const char *kinds_status_name(enum sim_status status);
/* Appends a time (ms since the epoch) at +08:00. */
void kinds_time(struct sim_buf *b, int64_t ms);
/* Appends <name>text</name> with the text escaped; prefix may be "". */
void kinds_elem(struct sim_buf *b, const char *prefix, const char *name, const char *text);
/* Appends <name>amount</name>. */
void kinds_elem_amount(struct sim_buf *b, const char *prefix, const char *name, int64_t minor);
/* Appends <name>YYYY-MM-DD</name>. */
void kinds_elem_date(struct sim_buf *b, const char *prefix, const char *name, int64_t days);

/* Writes an <Error><Code/><Message/></Error> document in namespace ns
 * (NULL: none), UTF-8 or GB18030. */
void kinds_error_doc(struct sim_reply *reply, int status, const char *ns, int gb18030,
                     const char *code, const char *message);

/* Appends text as an XML document can carry it (not yet escaped): broken
 * UTF-8 (a message cut short inside a character) becomes '?', control
 * characters other than tab become blanks. */
void kinds_safe_text(const char *text, struct sim_buf *out);

/* Converts UTF-8 text to GB18030, appending to out: 0, or -1. */
int kinds_to_gb18030(const char *text, size_t len, struct sim_buf *out);

/* Copies at most size - 1 bytes of text (cut at a character boundary). */
void kinds_copy(char *dst, size_t size, const char *text);
/* Copies the trimmed text of the child (ns, local) of parent into dst; ""
 * when it is absent.  Returns 1 when the child is present. */
int kinds_child(const xmlNode *parent, const char *ns, const char *local, char *dst, size_t size);

/* ---- The kinds ------------------------------------------------------------ */

void kind_bank_handle(const struct sim_context *ctx, const struct sim_request *rq,
                      struct sim_reply *reply);
void kind_bank_render(const struct kind_answer *a, struct sim_buf *out);

void kind_realestate_handle(const struct sim_context *ctx, const struct sim_request *rq,
                            struct sim_reply *reply);
/* Appends the GB18030 bytes of the answer. */
void kind_realestate_render(const struct kind_answer *a, struct sim_buf *out);

void kind_vehicle_handle(const struct sim_context *ctx, const struct sim_request *rq,
                         struct sim_reply *reply);
void kind_vehicle_render(const struct kind_answer *a, struct sim_buf *out);

void kind_socialsec_handle(const struct sim_context *ctx, const struct sim_request *rq,
                           struct sim_reply *reply);
/* The Result document (HTTP 200). */
void kind_socialsec_render(const struct kind_answer *a, struct sim_buf *out);

void kind_ecommerce_handle(const struct sim_context *ctx, const struct sim_request *rq,
                           struct sim_reply *reply);
/* One page (a->page) of page_size items; nothing when the page does not
 * exist. */
void kind_ecommerce_render(const struct kind_answer *a, unsigned page_size, const char *next_cursor,
                           struct sim_buf *out);
/* Pages of the answer for page_size items a page (at least 1). */
unsigned kind_ecommerce_pages(const struct kind_answer *a, unsigned page_size);
/* The cursor of page (>= 2) of request_id at instance. */
void kind_ecommerce_cursor(const struct sim_world *world, const struct sim_instance *instance,
                           const char *request_id, unsigned page, char *out, size_t outsz);

#endif
