/* SPDX-License-Identifier: MIT */
/*
 * fuzz_adapter.h: what the five adapter targets (fuzz_<kind>.c) share: one
 * input plays the institution's side of one query, as the scheduler would
 * meet it.
 *
 * The input is a sequence of responses separated by form feeds ('\f' is no
 * XML character, so no answer is cut by it).  A response may start with a
 * line "HTTP <status>[ <Retry-After>]"; without one it is a 200.  Each
 * response is interpreted with the query's private state, the outcome
 * decides the next request as the scheduler does (a ticket is polled, a
 * cursor is paged, a resubmission submits again, an end starts a new
 * query), and that request is built.  Testdata answers are inputs as they
 * are: one 200 response.
 *
 * Besides not crashing, each step must keep these:
 * - interpreting returns CK_OK or CK_E_NOMEM, and the outcome has a type;
 * - answers (found, not found, mismatch) come only from a 200;
 * - failures carry a reason, a ticket outcome a ticket, a page a cursor;
 * - the reason and the detail are one line of printable text (they are
 *   stored, logged and shown: an institution must not be able to write
 *   escape sequences or forged lines there);
 * - a found answer holds at most 2 x max_records records, every asset has
 *   a reference, a currency of 0 or 3 upper-case letters, an enforceable
 *   amount >= 0 and none at all when it is a liability;
 * - a built request's body is well-formed XML, and its path has no "."
 *   or ".." segment, no '?', '#' or blank: nothing an answer said can
 *   steer a request elsewhere.
 * A broken rule aborts (libFuzzer reports it as a crash).  With
 * CK_FUZZ_TRACE set in the environment, each step is printed on stderr.
 */
#ifndef CK_FUZZ_ADAPTER_H
#define CK_FUZZ_ADAPTER_H

#include "chakong/adapter.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_RESPONSES 16
#define FUZZ_MAX_RECORDS   50

static void
fuzz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static void
fuzz_check_request(const struct ck_http_request *rq)
{
	fuzz_check(rq->path != NULL && rq->path[0] == '/', "request path starts with /");
	for (const char *p = rq->path; *p; p++)
		fuzz_check(*p > 0x20 && *p < 0x7f && *p != '?' && *p != '#',
		           "request path is printable, without query or fragment");
	for (const char *seg = rq->path; seg != NULL; seg = strchr(seg + 1, '/')) {
		const char *s = seg + 1;
		size_t n = strcspn(s, "/");
		fuzz_check(!(n == 1 && s[0] == '.') && !(n == 2 && s[0] == '.' && s[1] == '.'),
		           "no dot segment in a request path");
	}
	for (size_t i = 0; i < rq->n_headers; i++)
		for (const char *p = rq->headers[i].value; *p; p++)
			fuzz_check(*p != '\r' && *p != '\n', "no line break in a header");
	if (rq->body != NULL) {
		xmlDoc *doc = NULL;
		int rc = ck_xml_parse(rq->body, rq->body_len, NULL, &doc, NULL);
		fuzz_check(rc == CK_OK, "a request body is well-formed XML");
		xmlFreeDoc(doc);
	}
}

static void
fuzz_check_outcome(const struct ck_outcome *o, int status)
{
	fuzz_check(o->type > CK_OUTCOME_NONE && o->type < CK_OUTCOME_TYPE_COUNT_, "outcome type");
	for (const unsigned char *p = (const unsigned char *)o->detail; *p; p++)
		fuzz_check(*p >= 0x20 && *p != 0x7f &&
		               !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f),
		           "the detail is printable");
	for (const unsigned char *p = (const unsigned char *)o->reason; *p; p++)
		fuzz_check(*p >= 0x20 && *p < 0x7f, "the reason is printable");
	int answer = o->type == CK_OUTCOME_FOUND || o->type == CK_OUTCOME_NOT_FOUND ||
	             o->type == CK_OUTCOME_MISMATCH;
	fuzz_check(!answer || status == 200, "answers come with 200");
	if (o->type == CK_OUTCOME_FAILED || o->type == CK_OUTCOME_HOSTILE ||
	    o->type == CK_OUTCOME_CREDENTIALS)
		fuzz_check(o->reason[0] != '\0', "a failure has a reason");
	if (o->type == CK_OUTCOME_TICKET)
		fuzz_check(o->ticket != NULL && o->ticket[0] != '\0', "a ticket outcome has one");
	if (o->type == CK_OUTCOME_NEXT_PAGE)
		fuzz_check(o->cursor != NULL && o->cursor[0] != '\0', "a next page has a cursor");
	if (o->type != CK_OUTCOME_FOUND)
		return;
	fuzz_check(o->n_assets + o->n_leads <= 2 * FUZZ_MAX_RECORDS, "records within the limit");
	for (size_t i = 0; i < o->n_assets; i++) {
		const struct ck_asset *a = &o->assets[i];
		fuzz_check(a->ref != NULL && a->ref[0] != '\0', "an asset has a reference");
		size_t c = strlen(a->currency);
		fuzz_check(c == 0 || (c == 3 && a->currency[0] >= 'A' && a->currency[0] <= 'Z' &&
		                      a->currency[1] >= 'A' && a->currency[1] <= 'Z' &&
		                      a->currency[2] >= 'A' && a->currency[2] <= 'Z'),
		           "a currency code");
		fuzz_check(a->enforceable >= 0, "enforceable >= 0");
		fuzz_check(!a->liability || a->enforceable == 0,
		           "a liability is never enforceable");
		for (size_t k = 0; k < a->n_encumbrances; k++)
			fuzz_check(a->encumbrances[k].kind <= CK_ENC_MORTGAGE, "encumbrance kind");
	}
}

/* The next response of the input: [*pos, end of part), status and
 * Retry-After taken from an "HTTP" line.  0 when none is left. */
static int
fuzz_next_part(const uint8_t *data, size_t size, size_t *pos, const char **body, size_t *len,
               int *status, char retry_after[16])
{
	if (*pos > size)
		return 0;
	const uint8_t *start = data + *pos;
	const uint8_t *ff = memchr(start, '\f', size - *pos);
	size_t n = ff ? (size_t)(ff - start) : size - *pos;
	*pos += n + 1;
	*status = 200;
	retry_after[0] = '\0';
	if (n >= 9 && memcmp(start, "HTTP ", 5) == 0 && start[5] >= '1' && start[5] <= '5' &&
	    start[6] >= '0' && start[6] <= '9' && start[7] >= '0' && start[7] <= '9') {
		*status = (start[5] - '0') * 100 + (start[6] - '0') * 10 + (start[7] - '0');
		size_t i = 8, r = 0;
		if (start[i] == ' ')
			for (i++; i < n && start[i] != '\n' && r < 15; i++)
				retry_after[r++] = (char)start[i];
		retry_after[r] = '\0';
		while (i < n && start[i] != '\n')
			i++;
		i += i < n;
		start += i;
		n -= i;
	}
	*body = (const char *)start;
	*len = n;
	return 1;
}

static int
fuzz_adapter(enum ck_kind kind, const char *request_id, const uint8_t *data, size_t size)
{
	static struct ck_xsd_set *xsd;
	if (xsd == NULL && ck_xsd_set_new(&xsd, NULL) != CK_OK)
		abort();
	const struct ck_adapter *a = ck_adapter_for(kind);
	struct ck_adapter_env env = {
	    .xsd = xsd, .max_records = FUZZ_MAX_RECORDS, .max_body = (size_t)1 << 20};
	/* An organisation when the input names the spec's credit code but not
	 * its person (an employer's code in a person's answer is no subject). */
	static const char org_id[] = "91321283MA1MX8K2PW", person_id[] = "320102198001011238";
	int org = 0, person = 0;
	for (size_t i = 0; i + sizeof org_id - 1 <= size; i++) {
		org |= memcmp(data + i, org_id, sizeof org_id - 1) == 0;
		person |= memcmp(data + i, person_id, sizeof person_id - 1) == 0;
	}
	org &= !person;
	struct ck_query_input in = {
	    .request_id = request_id,
	    .case_no = "(2024)苏1283执1234号",
	    .court_code = "苏1283",
	    .court_name = "泰兴市人民法院",
	    .officer = "李四",
	    .subject_kind = org ? CK_SUBJECT_ORG : CK_SUBJECT_PERSON,
	    .subject_name = org ? "泰兴市某某贸易有限公司" : "张三",
	    .subject_id = org ? org_id : person_id,
	    .now = 1709600000,
	    .now_offset_min = 480,
	};
	enum ck_request_type type = CK_REQUEST_SUBMIT;
	char *ticket = NULL, *cursor = NULL;
	void *state = ck_adapter_state_new(a);
	size_t pos = 0;
	const char *body;
	size_t len;
	int status;
	char retry_after[16];
	for (int step = 0; step < FUZZ_MAX_RESPONSES &&
	                   fuzz_next_part(data, size, &pos, &body, &len, &status, retry_after);
	     step++) {
		in.ticket = ticket;
		in.cursor = cursor;
		struct ck_http_request rq = {0};
		if (ck_adapter_build(a, type, &in, state, &rq, NULL) == CK_OK)
			fuzz_check_request(&rq);
		ck_http_request_release(&rq);

		struct ck_http_response resp = {
		    .status = status,
		    .content_type = "application/xml; charset=utf-8",
		    .retry_after = retry_after[0] ? retry_after : NULL,
		    .body = body,
		    .body_len = len,
		};
		struct ck_outcome o;
		ck_outcome_init(&o);
		int rc = ck_adapter_interpret(a, &in, state, &resp, &env, &o);
		fuzz_check(rc == CK_OK || rc == CK_E_NOMEM, "interpret returns OK or NOMEM");
		if (rc == CK_OK)
			fuzz_check_outcome(&o, status);
		if (getenv("CK_FUZZ_TRACE") != NULL)
			fprintf(stderr, "step %d: request %d, HTTP %d, %zu bytes: %s %s %s\n", step,
			        (int)type, status, len, ck_outcome_type_name(o.type), o.reason,
			        o.detail);
		switch (rc == CK_OK ? o.type : CK_OUTCOME_RETRY) {
		case CK_OUTCOME_TICKET:
			free(ticket);
			ticket = o.ticket;
			o.ticket = NULL;
			type = CK_REQUEST_POLL;
			break;
		case CK_OUTCOME_NEXT_PAGE:
			free(cursor);
			cursor = o.cursor;
			o.cursor = NULL;
			type = CK_REQUEST_PAGE;
			break;
		case CK_OUTCOME_RESUBMIT: type = CK_REQUEST_SUBMIT; break;
		case CK_OUTCOME_RETRY: break; /* the same request again */
		default:                      /* the query ended: a new one */
			ck_adapter_state_free(a, state);
			state = ck_adapter_state_new(a);
			free(ticket);
			free(cursor);
			ticket = cursor = NULL;
			type = CK_REQUEST_SUBMIT;
		}
		ck_outcome_release(&o);
	}
	ck_adapter_state_free(a, state);
	free(ticket);
	free(cursor);
	return 0;
}

#endif
