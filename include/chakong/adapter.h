/* SPDX-License-Identifier: MIT */
/*
 * adapter.h: the interface between the scheduler and the institution kinds,
 * and the normalised records an answer turns into.
 *
 * An adapter knows one kind's wire format (spec/<kind>.md) and nothing else:
 * it does no networking, no SQL and reads no clock.  It is a const table of
 * pure functions (struct ck_adapter) that
 * - build the HTTP request of a query: its submission, the poll of a ticket
 *   (asynchronous kinds), or the next page (paginated kinds);
 * - interpret an HTTP response into exactly one outcome (struct ck_outcome):
 *   records, not found, subject mismatch, ticket with poll-after, next page,
 *   expired ticket, retry (optionally after), permanent failure with a
 *   reason, hostile, credentials refused.
 * The scheduler owns I/O, time, retries and storage.  Transport faults
 * (connection refused, timeouts, truncated bodies, oversized bodies) never
 * reach an adapter: the scheduler classifies them itself.
 *
 * Only src/adapter.c calls through the tables (ck_adapter_*() below); the
 * registry of kinds is adapters/registry.c.  Adding a kind: a directory
 * adapters/<kind>/, its schemas, an entry in the registry, testdata and
 * tests.
 *
 * Ownership
 * - Inputs (struct ck_query_input, struct ck_http_response) are borrowed
 *   for the call.
 * - A built request (struct ck_http_request) owns its body and header
 *   strings; free with ck_http_request_release().
 * - An outcome owns its records and strings; free with
 *   ck_outcome_release().  ck_outcome_init() before first use.
 * - Per-query private state: the adapter declares state_size; the core
 *   allocates it zeroed when a query starts (first request or first page)
 *   and frees it with ck_adapter_state_free() (which calls the adapter's
 *   release_state) when the query ends or restarts.  Paginated kinds keep
 *   what earlier pages said there; it is lost in a crash, and the query then
 *   starts again from its first page under the same RequestId.
 */
#ifndef CHAKONG_ADAPTER_H
#define CHAKONG_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "chakong/ids.h"

struct ck_xsd_set;

#define CK_ADAPTER_VERSION 1

enum ck_kind {
	CK_KIND_BANK = 0,
	CK_KIND_REALESTATE,
	CK_KIND_VEHICLE,
	CK_KIND_SOCIALSEC,
	CK_KIND_ECOMMERCE,
	CK_KIND_COUNT_
};

/* "bank", "realestate", "vehicle", "socialsec", "ecommerce"; NULL if none. */
const char *ck_kind_name(enum ck_kind kind);
/* The kind named, or -1. */
int ck_kind_parse(const char *name);

/* ---- Normalised records ------------------------------------------------- */

/* Dates are days since 1970-01-01; CK_NO_DATE when the answer gave none. */
#define CK_NO_DATE INT64_MIN

enum ck_asset_kind {
	CK_ASSET_DEPOSIT = 0, /* a bank account, liabilities included */
	CK_ASSET_WEALTH,      /* a wealth-management product */
	CK_ASSET_REALESTATE,  /* a property unit */
	CK_ASSET_VEHICLE,
	CK_ASSET_WALLET, /* a payment-platform balance */
	CK_ASSET_FUND,   /* a money-market fund balance on a platform */
	CK_ASSET_KIND_COUNT_
};

/* "deposit", "wealth", "realestate", "vehicle", "wallet", "fund". */
const char *ck_asset_kind_name(enum ck_asset_kind kind);

enum ck_encumbrance_kind {
	CK_ENC_FREEZE = 0, /* seq 1 in effect (amount held), > 1 queued (amount ordered) */
	CK_ENC_SEIZURE,    /* seq is the queue position; detail says first or queued */
	CK_ENC_MORTGAGE    /* amount is the secured amount */
};

const char *ck_encumbrance_kind_name(enum ck_encumbrance_kind kind);

struct ck_encumbrance {
	enum ck_encumbrance_kind kind;
	char *authority; /* freezing/seizing court, or mortgage holder */
	char *ref;       /* the other authority's case number, or NULL */
	int seq;         /* 0 when not applicable */
	int has_amount;
	int64_t amount;
	char currency[4];
	int64_t starts_on, ends_on; /* CK_NO_DATE when not given */
	char *detail;               /* JSON object text: kind-specific fields */
};

struct ck_asset {
	enum ck_asset_kind kind;
	char *ref;        /* the institution's own key: account, unit id, VIN, product, user id */
	char *subtype;    /* account type (CACC...), use (住宅...), plate kind, ... or NULL */
	char currency[4]; /* "" for property and vehicles */
	int has_book;
	int64_t book; /* book balance, market value, wallet balance */
	int has_available;
	int64_t available;   /* AVLB where stated */
	int64_t enforceable; /* what a new freeze can reach now; 0 for property, vehicles,
	                        liabilities */
	int liability;       /* loans, credit cards, negative balances: shown, never added */
	char *status;        /* account status, vehicle status letters, ... or NULL */
	char *detail;        /* JSON object text: every other field of the answer */
	struct ck_encumbrance *encumbrances;
	size_t n_encumbrances;
};

enum ck_lead_kind {
	CK_LEAD_EMPLOYER = 0, /* label employer, code credit code, amount monthly base */
	CK_LEAD_PENSION,      /* label paying bank, amount monthly */
	CK_LEAD_BOUND_CARD,   /* label bank, code card tail */
	CK_LEAD_ADDRESS,      /* label the address; detail last use */
	CK_LEAD_SPENDING,     /* label the period, amount the total; detail the counts */
	CK_LEAD_KIND_COUNT_
};

const char *ck_lead_kind_name(enum ck_lead_kind kind);

struct ck_lead {
	enum ck_lead_kind kind;
	char *label;
	char *code;
	int has_amount;
	int64_t amount;
	char currency[4];
	char *detail; /* JSON object text */
};

/* ---- Queries, requests and responses ------------------------------------ */

/* What a request is built from.  Strings are borrowed, UTF-8. */
struct ck_query_input {
	const char *request_id;
	const char *case_no;
	const char *court_code;
	const char *court_name;
	const char *officer;
	enum ck_subject_kind subject_kind;
	const char *subject_name;
	const char *subject_id; /* normalised identifier */
	const char *ticket;     /* for a poll: the ticket of the submission */
	const char *cursor;     /* for a next page: the previous page's NextCursor */
	int64_t now;            /* epoch seconds, for creation times in requests */
	int now_offset_min;     /* the offset to write them with */
};

#define CK_HTTP_MAX_HEADERS 8

struct ck_http_header {
	char *name;
	char *value;
};

/* A request to send: path relative to the institution's base URL. */
struct ck_http_request {
	const char *method; /* "POST" or "GET" (static string) */
	char *path;
	struct ck_http_header headers[CK_HTTP_MAX_HEADERS];
	size_t n_headers;
	char *body; /* NULL for GET */
	size_t body_len;
};

void ck_http_request_release(struct ck_http_request *rq);

/* A response received whole (the scheduler enforces size and time). */
struct ck_http_response {
	int status;
	const char *content_type; /* NULL when absent */
	const char *retry_after;  /* the Retry-After header as sent, NULL when absent */
	const char *body;
	size_t body_len;
};

/* ---- Outcomes ------------------------------------------------------------ */

enum ck_outcome_type {
	CK_OUTCOME_NONE = 0,
	CK_OUTCOME_FOUND,       /* records follow (all pages of a paginated query) */
	CK_OUTCOME_NOT_FOUND,   /* an answer: the channel was searched */
	CK_OUTCOME_MISMATCH,    /* SUBJECT_MISMATCH: an answer; records kept but not assets */
	CK_OUTCOME_TICKET,      /* accepted or pending: poll `ticket` after poll_after_s */
	CK_OUTCOME_NEXT_PAGE,   /* a page was read; ask for `cursor` next */
	CK_OUTCOME_RESUBMIT,    /* the ticket is unknown or expired: submit again, same RequestId */
	CK_OUTCOME_RETRY,       /* transient: retry later (retry_after_s >= 0 when told) */
	CK_OUTCOME_FAILED,      /* permanent for this query: reason says why */
	CK_OUTCOME_HOSTILE,     /* the answer was hostile (DOCTYPE, entities, depth...): reason */
	CK_OUTCOME_CREDENTIALS, /* 401/403: stop sending to this institution for the run */
	CK_OUTCOME_TYPE_COUNT_
};

const char *ck_outcome_type_name(enum ck_outcome_type type);

/*
 * Failure reasons (stable codes, stored and reported):
 *   WRONG_SUBJECT      the answer is about another subject (common.md)
 *   MALFORMED          not well-formed, invalid against its schema, or
 *                      contradicting itself (pages disagree, rownum wrong,
 *                      freeze invariants broken)
 *   BAD_REQUEST        400: the institution refused the request (detail:
 *                      its error text)
 *   REQUEST_ID_REUSED  409
 *   NOT_APPLICABLE     400 ORG_NOT_APPLICABLE
 *   REFUSED            the institution refused the query (vehicle head/code
 *                      0, SOAP Client fault): detail is its message
 *   TOO_MANY_RECORDS   more records than the configured maximum
 *   UNEXPECTED_STATUS  an HTTP status the kind does not define
 *   HOSTILE            (with CK_OUTCOME_HOSTILE)
 * The scheduler adds its own: TIMEOUT, TRANSPORT, TLS, TOO_BIG, CREDENTIALS,
 * RETRIES_EXHAUSTED.
 */
#define CK_REASON_BUF 32
#define CK_DETAIL_BUF 256

struct ck_outcome {
	enum ck_outcome_type type;
	char reason[CK_REASON_BUF];
	char detail[CK_DETAIL_BUF]; /* one line, no personal data beyond what the reason needs */
	char *ticket;
	int poll_after_s; /* -1 when not given */
	char *cursor;
	int retry_after_s;      /* -1 when not given */
	char *registered_name;  /* MISMATCH: the institution's own name for the subject */
	char *institution_name; /* as the answer names itself, or NULL */
	struct ck_asset *assets;
	size_t n_assets;
	struct ck_lead *leads;
	size_t n_leads;
};

void ck_outcome_init(struct ck_outcome *out);
void ck_outcome_release(struct ck_outcome *out);
/* Frees the records past the first n_assets assets and n_leads leads (what
 * a failed page or record added); 0, 0 drops them all. */
void ck_outcome_truncate(struct ck_outcome *out, size_t n_assets, size_t n_leads);
/* Moves every record of `from` to `to` (whose own records are freed). */
void ck_outcome_take_records(struct ck_outcome *to, struct ck_outcome *from);

/* Helpers for adapters building outcomes (src/adapter.c).  Each returns the
 * new zeroed element, or NULL when memory runs out (the outcome is then
 * unusable: the adapter reports CK_E_NOMEM). */
struct ck_asset *ck_outcome_add_asset(struct ck_outcome *out);
struct ck_encumbrance *ck_asset_add_encumbrance(struct ck_asset *asset);
struct ck_lead *ck_outcome_add_lead(struct ck_outcome *out);
/* Sets a failure outcome (type FAILED, HOSTILE, ...) with reason and a
 * printf-style detail. */
void ck_outcome_fail(struct ck_outcome *out, enum ck_outcome_type type, const char *reason,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* What an adapter may use while interpreting. */
struct ck_adapter_env {
	struct ck_xsd_set *xsd;    /* compiled schemas */
	struct ck_xml_parser *xml; /* kept from one answer to the next; NULL: one each */
	size_t max_records;        /* common.md: default 10 000 per query */
	size_t max_body;           /* bytes: default 8 MiB; also the XML size cap */
};

/* ---- The adapter table -------------------------------------------------- */

#define CK_CAP_PERSONS_ONLY 0x1u /* organisations are not applicable (social insurance) */
#define CK_CAP_ASYNC        0x2u /* answers come later: tickets and polls */
#define CK_CAP_PAGED        0x4u /* answers come in pages */

struct ck_adapter {
	int version; /* CK_ADAPTER_VERSION */
	enum ck_kind kind;
	const char *name;  /* ck_kind_name(kind) */
	unsigned caps;     /* CK_CAP_* */
	size_t state_size; /* private per-query state, 0 when none */

	/* The first request of a query (and a resubmission). */
	int (*build_submit)(const struct ck_query_input *in, void *state,
	                    struct ck_http_request *out, char *err);
	/* The poll of in->ticket; NULL unless CK_CAP_ASYNC. */
	int (*build_poll)(const struct ck_query_input *in, void *state, struct ck_http_request *out,
	                  char *err);
	/* The page at in->cursor; NULL unless CK_CAP_PAGED. */
	int (*build_next_page)(const struct ck_query_input *in, void *state,
	                       struct ck_http_request *out, char *err);
	/*
	 * Interprets the response to a request built above into *out (already
	 * initialised).  Returns CK_OK, or CK_E_NOMEM (then *out is released
	 * by the caller and the query retried).  Every document is parsed with
	 * xmlsafe, pruned and validated against its schema; the echoed subject
	 * must equal in->subject_id (else FAILED WRONG_SUBJECT).
	 */
	int (*interpret)(const struct ck_query_input *in, void *state,
	                 const struct ck_http_response *response, const struct ck_adapter_env *env,
	                 struct ck_outcome *out);
	/* Frees what state holds (not state itself); NULL when nothing to free. */
	void (*release_state)(void *state);
};

/* ---- Calling adapters (src/adapter.c: the only code that uses the table) */

enum ck_request_type { CK_REQUEST_SUBMIT = 0, CK_REQUEST_POLL, CK_REQUEST_PAGE };

/* Builds the request of `type` for a query; CK_E_USAGE when the kind has no
 * such request (a poll of a synchronous kind). */
int ck_adapter_build(const struct ck_adapter *a, enum ck_request_type type,
                     const struct ck_query_input *in, void *state, struct ck_http_request *out,
                     char *err);

/* Interprets a response; never leaves *out without a type: an adapter that
 * sets none makes it FAILED INTERNAL. */
int ck_adapter_interpret(const struct ck_adapter *a, const struct ck_query_input *in, void *state,
                         const struct ck_http_response *response, const struct ck_adapter_env *env,
                         struct ck_outcome *out);

/* The registry (adapters/registry.c): every kind, in enum order. */
const struct ck_adapter *ck_adapter_for(enum ck_kind kind);

/* Per-query state for adapter a: zeroed, or NULL when a has none (or out of
 * memory: check a->state_size). */
void *ck_adapter_state_new(const struct ck_adapter *a);
void ck_adapter_state_free(const struct ck_adapter *a, void *state);

#endif
