/* SPDX-License-Identifier: MIT */
/*
 * socialsec.c: the social-insurance adapter (spec socialsec.md).
 *
 * The kind is asynchronous and answers about natural persons only.  A query
 * is submitted (POST /si/v1/inquiries, an Inquiry document), answered with a
 * ticket (202 Accepted), polled (GET /si/v1/inquiries/{ticket}) until the
 * Result comes (200), while the institution says Pending (202).  A 404 on a
 * poll means the ticket expired: the query is submitted again under the same
 * RequestId.
 *
 * A Result holds leads, not assets: each Employment is an employer lead (a
 * wage to withhold when ACTIVE), a Pension a pension lead (an income stream
 * and a bank to ask).  docs/adapters-socialsec.md gives the mapping.
 *
 * The per-query state remembers whether the last request built was a
 * submission or a poll, so that a 404 is read right even when the scheduler
 * resubmits with the old ticket still at hand; without state, a request
 * with in->ticket set counts as a poll.  Statuses common to every kind go
 * through ck_ad_common_status() (adapters/common/).
 */
#include "common/common.h"
#include "chakong/error.h"
#include "chakong/json.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SI_NS           "urn:chakong:si:1"
#define SI_CONTENT_TYPE "application/xml; charset=utf-8"
#define SI_INQUIRIES    "/si/v1/inquiries"
#define SI_CURRENCY     "CNY"

/* What the last request built for the query was. */
enum si_sent {
	SI_SENT_UNKNOWN = 0, /* nothing built in this process (zeroed state) */
	SI_SENT_SUBMIT,
	SI_SENT_POLL
};

struct si_state {
	enum si_sent sent;
};

static void
remember(void *state, enum si_sent sent)
{
	if (state != NULL)
		((struct si_state *)state)->sent = sent;
}

/* True when the response answers a poll rather than a submission. */
static int
answers_poll(const struct ck_query_input *in, const void *state)
{
	const struct si_state *s = state;
	if (s != NULL && s->sent != SI_SENT_UNKNOWN)
		return s->sent == SI_SENT_POLL;
	return in->ticket != NULL && in->ticket[0] != '\0';
}

/* ---- Requests ----------------------------------------------------------- */

static void
element(struct ck_buf *b, const char *indent, const char *name, const char *value)
{
	ck_buf_printf(b, "%s<%s>", indent, name);
	ck_buf_xml(b, value);
	ck_buf_printf(b, "</%s>\n", name);
}

/* The Inquiry of spec socialsec.md, "Submit", element for element. */
static void
inquiry(struct ck_buf *b, const struct ck_query_input *in)
{
	ck_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	               "<Inquiry xmlns=\"" SI_NS "\">\n");
	element(b, "  ", "RequestId", in->request_id);
	ck_buf_puts(b, "  <Court code=\"");
	ck_buf_xml(b, in->court_code);
	ck_buf_puts(b, "\">");
	ck_buf_xml(b, in->court_name);
	ck_buf_puts(b, "</Court>\n");
	element(b, "  ", "CaseNo", in->case_no);
	element(b, "  ", "Officer", in->officer);
	ck_buf_puts(b, "  <Person>\n");
	element(b, "    ", "Name", in->subject_name);
	element(b, "    ", "IdNo", in->subject_id);
	ck_buf_puts(b, "  </Person>\n</Inquiry>\n");
}

static int
si_build_submit(const struct ck_query_input *in, void *state, struct ck_http_request *out,
                char *err)
{
	memset(out, 0, sizeof *out);
	/* The scheduler records organisations as not applicable without
	 * sending (common.md); reaching here with one is its mistake. */
	if (in->subject_kind != CK_SUBJECT_PERSON)
		return ck_fail(err, CK_E_USAGE,
		               "social insurance answers about natural persons only: "
		               "the channel is not applicable to this subject");
	int rc = ck_ad_require_input(in, CK_NEED_ALL, "social insurance", err);
	if (rc != CK_OK)
		return rc;

	struct ck_buf body = {0};
	inquiry(&body, in);
	rc = CK_E_NOMEM;
	if (!body.failed)
		rc = ck_ad_request(out, "POST", SI_INQUIRIES, SI_CONTENT_TYPE, &body,
		                   in->request_id);
	ck_buf_release(&body); /* empty once ck_ad_request took it */
	if (rc == CK_OK)
		remember(state, SI_SENT_SUBMIT);
	return rc;
}

/* Appends s escaped for one URL path segment: everything outside the
 * unreserved characters of RFC 3986 becomes %XX, so that a ticket can hold
 * no '/', '?' or '#' of its own. */
static void
path_segment(struct ck_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		int keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		           (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '~' ||
		           *p == '-';
		if (keep) {
			ck_buf_add(b, (const char *)p, 1);
		} else {
			char esc[3] = {'%', hex[*p >> 4], hex[*p & 0x0f]};
			ck_buf_add(b, esc, sizeof esc);
		}
	}
}

static int
si_build_poll(const struct ck_query_input *in, void *state, struct ck_http_request *out, char *err)
{
	memset(out, 0, sizeof *out);
	if (ck_ad_blank(in->ticket))
		return ck_fail(err, CK_E_USAGE, "social insurance poll: no ticket to poll");
	if (ck_ad_blank(in->request_id))
		return ck_fail(err, CK_E_USAGE, "social insurance poll: the RequestId is missing");

	struct ck_buf path = {0};
	ck_buf_puts(&path, SI_INQUIRIES "/");
	path_segment(&path, in->ticket);
	int rc = CK_E_NOMEM;
	if (!path.failed)
		rc = ck_ad_request(out, "GET", path.data, NULL, NULL, in->request_id);
	ck_buf_release(&path);
	if (rc == CK_OK)
		remember(state, SI_SENT_POLL);
	return rc;
}

/* ---- Reading answers ---------------------------------------------------- */

/*
 * *value = the trimmed text of the first child `local` of parent, NULL when
 * absent or empty (common.md: empty means absent).  Unlike ck_ad_text this
 * tells a missing element from memory running out.
 */
static int
child_text(const xmlNode *parent, const char *local, char **value)
{
	*value = NULL;
	xmlNode *n = parent ? ck_xml_first(parent, SI_NS, local) : NULL;
	if (n == NULL)
		return CK_OK;
	char *t = ck_xml_text(n);
	if (t == NULL)
		return CK_E_NOMEM;
	if (*t == '\0')
		free(t);
	else
		*value = t;
	return CK_OK;
}

/* As child_text for an element the schema requires: absent means memory. */
static int
required_text(const xmlNode *parent, const char *local, char **value)
{
	int rc = child_text(parent, local, value);
	return rc == CK_OK && *value == NULL ? CK_E_NOMEM : rc;
}

/* 1 when the echoed RequestId is the query's; else marks the outcome. */
static int
same_request(const xmlNode *root, const struct ck_query_input *in, struct ck_outcome *out, int *rc)
{
	char *id = NULL;
	*rc = required_text(root, "RequestId", &id);
	if (*rc != CK_OK)
		return 0;
	int same = in->request_id != NULL && strcmp(id, in->request_id) == 0;
	free(id);
	if (!same)
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "answer to another RequestId");
	return same;
}

/* PollAfter in seconds (the schema allows 1 to 9 digits), -1 if absent. */
static int
poll_after(const xmlNode *root, int *seconds)
{
	char *text = NULL;
	int rc = child_text(root, "PollAfter", &text);
	*seconds = -1;
	if (rc != CK_OK || text == NULL)
		return rc;
	long v = 0;
	for (const char *p = text; *p >= '0' && *p <= '9' && v < 1000000000L; p++)
		v = v * 10 + (*p - '0');
	*seconds = (int)v;
	free(text);
	return CK_OK;
}

/* A ticket becomes one segment of the poll's path.  Every byte of it is
 * escaped there, but "." and ".." would still be dot segments, which HTTP
 * clients and servers resolve: the poll would go to another resource.  1
 * when the ticket can be polled; else frees it and marks the outcome. */
static int
pollable(char **ticket, struct ck_outcome *out)
{
	if (strcmp(*ticket, ".") != 0 && strcmp(*ticket, "..") != 0)
		return 1;
	ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
	                "ticket \"%s\" cannot be polled: it is no path segment", *ticket);
	free(*ticket);
	*ticket = NULL;
	return 0;
}

/* <Accepted>: the ticket to poll, after PollAfter seconds. */
static int
read_accepted(const xmlNode *root, const struct ck_query_input *in, struct ck_outcome *out)
{
	int rc;
	if (!same_request(root, in, out, &rc))
		return rc;
	rc = required_text(root, "Ticket", &out->ticket);
	if (rc != CK_OK || !pollable(&out->ticket, out))
		return rc;
	rc = poll_after(root, &out->poll_after_s);
	if (rc == CK_OK)
		out->type = CK_OUTCOME_TICKET;
	return rc;
}

/* <Pending>: not ready.  It carries no RequestId, so its ticket is what ties
 * it to the query: a poll answered about another ticket is refused. */
static int
read_pending(const xmlNode *root, const struct ck_query_input *in, int poll, struct ck_outcome *out)
{
	char *ticket = NULL;
	int rc = required_text(root, "Ticket", &ticket);
	if (rc != CK_OK)
		return rc;
	if (poll && !ck_ad_blank(in->ticket) && strcmp(ticket, in->ticket) != 0) {
		free(ticket);
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "answer to another ticket");
		return CK_OK;
	}
	if (!pollable(&ticket, out))
		return CK_OK;
	out->ticket = ticket;
	rc = poll_after(root, &out->poll_after_s);
	if (rc == CK_OK)
		out->type = CK_OUTCOME_TICKET;
	return rc;
}

/* A month "YYYY-MM" checked against the calendar, rewritten canonically
 * into buf; NULL text stays absent.  0, or -1 with the outcome marked. */
static int
month(const char *text, char buf[8], struct ck_outcome *out, size_t index, const char *what)
{
	char err[CK_ERR_SIZE] = "";
	int y, m;
	buf[0] = '\0';
	if (text == NULL)
		return 0;
	if (ck_month_parse(text, &y, &m, err) != CK_OK) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "Employment %zu %s: %s", index,
		                what, err);
		return -1;
	}
	snprintf(buf, 8, "%04d-%02d", y, m);
	return 0;
}

/* The fields of one Employment, as text (each NULL when absent). */
struct employment {
	char *employer, *code, *insurance, *base, *state, *since, *last_paid;
};

static void
employment_release(struct employment *e)
{
	free(e->employer);
	free(e->code);
	free(e->insurance);
	free(e->base);
	free(e->state);
	free(e->since);
	free(e->last_paid);
}

static int
employment_read(const xmlNode *n, struct employment *e)
{
	memset(e, 0, sizeof *e);
	int rc = required_text(n, "Employer", &e->employer);
	if (rc == CK_OK)
		rc = child_text(n, "EmployerCode", &e->code);
	if (rc == CK_OK)
		rc = required_text(n, "Insurance", &e->insurance);
	if (rc == CK_OK)
		rc = child_text(n, "MonthlyBase", &e->base);
	if (rc == CK_OK)
		rc = required_text(n, "State", &e->state);
	if (rc == CK_OK)
		rc = child_text(n, "Since", &e->since);
	if (rc == CK_OK)
		rc = child_text(n, "LastPaid", &e->last_paid);
	return rc;
}

/* The detail object of an employer lead (NULL when memory runs out). */
static char *
employment_detail(const struct employment *e, const char *since, const char *last_paid)
{
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "insurance", e->insurance);
	ck_json_kv_string(&j, "state", e->state);
	ck_json_kv_string(&j, "since", since[0] ? since : NULL);
	ck_json_kv_string(&j, "last_paid", last_paid[0] ? last_paid : NULL);
	/* socialsec.md: an ACTIVE employment is a lead for wage withholding. */
	ck_json_key(&j, "withholding_lead");
	ck_json_bool(&j, strcmp(e->state, "ACTIVE") == 0);
	ck_json_object_end(&j);
	return ck_json_detach(&j);
}

/* One Employment (index counts from 1) as an employer lead.  CK_OK (the
 * outcome may be marked MALFORMED) or CK_E_NOMEM. */
static int
employment_lead(const xmlNode *n, size_t index, struct ck_outcome *out)
{
	struct employment e;
	char what[48], since[8], last_paid[8];
	int64_t base = 0;
	int rc = employment_read(n, &e);
	if (rc != CK_OK)
		goto out;
	snprintf(what, sizeof what, "Employment %zu MonthlyBase", index);
	if ((e.base != NULL && ck_ad_amount(e.base, &base, out, what) != 0) ||
	    month(e.since, since, out, index, "Since") != 0 ||
	    month(e.last_paid, last_paid, out, index, "LastPaid") != 0)
		goto out;
	struct ck_lead *lead = ck_outcome_add_lead(out);
	if (lead == NULL) {
		rc = CK_E_NOMEM;
		goto out;
	}
	lead->kind = CK_LEAD_EMPLOYER;
	lead->detail = employment_detail(&e, since, last_paid);
	lead->label = e.employer;
	lead->code = e.code;
	e.employer = e.code = NULL; /* now the lead's */
	if (e.base != NULL) {
		lead->has_amount = 1;
		lead->amount = base;
		memcpy(lead->currency, SI_CURRENCY, sizeof lead->currency);
	}
	if (lead->detail == NULL)
		rc = CK_E_NOMEM;
out:
	employment_release(&e);
	return rc;
}

/* A Pension with its Monthly as a pension lead; an empty one is none. */
static int
pension_lead(const xmlNode *pension, struct ck_outcome *out)
{
	char *monthly = NULL, *bank = NULL;
	int64_t amount;
	int rc = child_text(pension, "Monthly", &monthly);
	if (rc == CK_OK)
		rc = child_text(pension, "PayingBank", &bank);
	if (rc != CK_OK || monthly == NULL ||
	    ck_ad_amount(monthly, &amount, out, "Pension Monthly"))
		goto out;
	struct ck_lead *lead = ck_outcome_add_lead(out);
	if (lead == NULL) {
		rc = CK_E_NOMEM;
		goto out;
	}
	lead->kind = CK_LEAD_PENSION;
	lead->label = bank;
	bank = NULL;
	lead->has_amount = 1;
	lead->amount = amount;
	memcpy(lead->currency, SI_CURRENCY, sizeof lead->currency);
	lead->detail = ck_ad_strdup("{}");
	if (lead->detail == NULL)
		rc = CK_E_NOMEM;
out:
	free(monthly);
	free(bank);
	return rc;
}

/* A failed outcome carries no records: drops the leads read before the
 * record that failed. */
static void
drop_leads(struct ck_outcome *out)
{
	for (size_t i = 0; i < out->n_leads; i++) {
		free(out->leads[i].label);
		free(out->leads[i].code);
		free(out->leads[i].detail);
	}
	free(out->leads);
	out->leads = NULL;
	out->n_leads = 0;
}

static size_t
count_employments(const xmlNode *employments)
{
	size_t n = 0;
	for (xmlNode *e = employments ? ck_xml_first(employments, SI_NS, "Employment") : NULL;
	     e != NULL; e = ck_xml_next(e, SI_NS, "Employment"))
		n++;
	return n;
}

/* The leads of a FOUND result: employments in document order, then the
 * pension. */
static int
found_leads(const xmlNode *employments, const xmlNode *pension, struct ck_outcome *out)
{
	size_t index = 1;
	for (xmlNode *e = employments ? ck_xml_first(employments, SI_NS, "Employment") : NULL;
	     e != NULL; e = ck_xml_next(e, SI_NS, "Employment"), index++) {
		int rc = employment_lead(e, index, out);
		if (rc != CK_OK || out->type == CK_OUTCOME_FAILED)
			return rc;
	}
	if (pension == NULL)
		return CK_OK;
	return pension_lead(pension, out);
}

/* The echoed person is the one asked about; else WRONG_SUBJECT.  The
 * detail names no identifier (it is personal data). */
static int
same_subject(const xmlNode *person, const struct ck_query_input *in, struct ck_outcome *out,
             int *rc)
{
	char *id = NULL;
	*rc = required_text(person, "IdNo", &id);
	if (*rc != CK_OK)
		return 0;
	int same = ck_ad_same_subject(in->subject_id, id);
	free(id);
	if (!same)
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "WRONG_SUBJECT",
		                "the answer is about another person than the one asked about");
	return same;
}

/* What the Status says, once the records agree with it. */
static int
result_status(const xmlNode *root, const xmlNode *person, const xmlNode *employments,
              const xmlNode *pension, struct ck_outcome *out)
{
	char *status = NULL;
	int rc = required_text(root, "Status", &status);
	if (rc != CK_OK)
		return rc;
	/* An empty Pension is no pension (socialsec-result.xsd). */
	int has_records = count_employments(employments) > 0 ||
	                  (pension != NULL && ck_xml_first(pension, SI_NS, "Monthly") != NULL);
	if (strcmp(status, "SUBJECT_MISMATCH") == 0) {
		/* The records stay in the raw answer only (common.md, Results). */
		rc = required_text(person, "Name", &out->registered_name);
		if (rc == CK_OK)
			out->type = CK_OUTCOME_MISMATCH;
	} else if (strcmp(status, "NOT_FOUND") == 0) {
		if (has_records)
			ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
			                "NOT_FOUND followed by records");
		else
			out->type = CK_OUTCOME_NOT_FOUND;
	} else if (!has_records) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "FOUND without any record");
	} else {
		rc = found_leads(employments, pension, out);
		if (rc == CK_OK && out->type == CK_OUTCOME_FAILED)
			drop_leads(out);
		else if (rc == CK_OK)
			out->type = CK_OUTCOME_FOUND;
	}
	free(status);
	return rc;
}

/* <Result>: checked against the query, then read by its Status. */
static int
read_result(const xmlNode *root, const struct ck_query_input *in, const struct ck_adapter_env *env,
            struct ck_outcome *out)
{
	int rc;
	if (!same_request(root, in, out, &rc))
		return rc;
	const xmlNode *person = ck_xml_first(root, SI_NS, "Person");
	if (!same_subject(person, in, out, &rc))
		return rc;
	rc = child_text(root, "Agency", &out->institution_name);
	if (rc != CK_OK)
		return rc;
	const xmlNode *employments = ck_xml_first(root, SI_NS, "Employments");
	size_t n = count_employments(employments);
	if (n > env->max_records) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "TOO_MANY_RECORDS",
		                "%zu employments, more than the maximum of %zu", n,
		                env->max_records);
		return CK_OK;
	}
	return result_status(root, person, employments, ck_xml_first(root, SI_NS, "Pension"), out);
}

/*
 * The schema of a 202 answer: Pending or Accepted, told by its root.  This
 * only peeks; ck_ad_load parses again and reports whatever is wrong (a
 * hostile or broken body then fails the same way whichever schema is named).
 */
static const char *
schema_of_202(const struct ck_http_response *r, const struct ck_adapter_env *env)
{
	struct ck_xml_limits limits = {.max_bytes = env->max_body};
	xmlDoc *doc = NULL;
	const char *schema = "socialsec-accepted";
	if (ck_xml_parse(r->body, r->body_len, &limits, &doc, NULL) == CK_OK &&
	    ck_xml_is(xmlDocGetRootElement(doc), SI_NS, "Pending"))
		schema = "socialsec-pending";
	xmlFreeDoc(doc);
	return schema;
}

static int
si_interpret(const struct ck_query_input *in, void *state, const struct ck_http_response *r,
             const struct ck_adapter_env *env, struct ck_outcome *out)
{
	if (ck_ad_common_status(in, r, env, "socialsec-error", SI_NS, out))
		return CK_OK;
	int poll = answers_poll(in, state);
	if (r->status == 404) {
		if (!poll) {
			ck_outcome_fail(out, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS",
			                "HTTP 404 to a submission");
			return CK_OK;
		}
		out->type = CK_OUTCOME_RESUBMIT;
		snprintf(out->detail, sizeof out->detail, "HTTP 404: ticket unknown or expired");
		return CK_OK;
	}
	/* 200 is a Result (to a poll, or to a resubmission already answered);
	 * 202 is Accepted (to a submission) or Pending (to a poll). */
	const char *schema = r->status == 200 ? "socialsec-result" : schema_of_202(r, env);
	xmlDoc *doc = NULL;
	int rc = ck_ad_load(r->body, r->body_len, env, schema, &doc, out);
	if (rc != CK_OK)
		return rc == 1 ? CK_OK : rc;
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (r->status == 200)
		rc = read_result(root, in, env, out);
	else if (strcmp(schema, "socialsec-pending") == 0)
		rc = read_pending(root, in, poll, out);
	else
		rc = read_accepted(root, in, out);
	xmlFreeDoc(doc);
	return rc;
}

const struct ck_adapter ck_adapter_socialsec = {
    .version = CK_ADAPTER_VERSION,              /* version */
    .kind = CK_KIND_SOCIALSEC,                  /* kind */
    .name = "socialsec",                        /* name: ck_kind_name(kind) */
    .caps = CK_CAP_ASYNC | CK_CAP_PERSONS_ONLY, /* caps: tickets; persons only */
    .state_size = sizeof(struct si_state),      /* state_size: submission or poll */
    .build_submit = si_build_submit,            /* build_submit: POST the Inquiry */
    .build_poll = si_build_poll,                /* build_poll: GET the ticket */
    .build_next_page = NULL,                    /* build_next_page: not paginated */
    .interpret = si_interpret,                  /* interpret: Accepted, Pending, Result */
    .release_state = NULL,                      /* release_state: state owns no memory */
};
