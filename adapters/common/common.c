/* SPDX-License-Identifier: MIT */
/* common.c: the helpers every adapter shares (common.h). */
#include "common/common.h"
#include "chakong/amount.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
ck_ad_blank(const char *text)
{
	if (text == NULL)
		return 1;
	for (; *text; text++)
		if (*text != ' ' && *text != '\t' && *text != '\r' && *text != '\n')
			return 0;
	return 1;
}

int
ck_ad_require_input(const struct ck_query_input *in, unsigned needed, const char *kind, char *err)
{
	const struct {
		unsigned bit;
		const char *value, *what;
	} fields[] = {
	    {CK_NEED_REQUEST_ID, in->request_id, "the RequestId"},
	    {CK_NEED_COURT_CODE, in->court_code, "the court code"},
	    {CK_NEED_COURT_NAME, in->court_name, "the court name"},
	    {CK_NEED_CASE_NO, in->case_no, "the case number"},
	    {CK_NEED_OFFICER, in->officer, "the officer"},
	    {CK_NEED_SUBJECT_NAME, in->subject_name, "the subject's name"},
	    {CK_NEED_SUBJECT_ID, in->subject_id, "the subject's identifier"},
	};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if ((needed & fields[i].bit) && ck_ad_blank(fields[i].value))
			return ck_fail(err, CK_E_USAGE, "%s request: %s has no value", kind,
			               fields[i].what);
	return CK_OK;
}

int
ck_ad_upper_id(const char *id, char out[CK_ID_BUF])
{
	size_t n = id ? strlen(id) : 0;
	if (n != CK_ID_LEN)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = id[i] >= 'a' && id[i] <= 'z' ? (char)(id[i] - 'a' + 'A') : id[i];
	out[n] = '\0';
	return 0;
}

void
ck_ad_element(struct ck_buf *b, const char *name, const char *value)
{
	/* Appended piece by piece: this builds every request, and formatting
	 * the tags was most of its cost. */
	size_t n = strlen(name);
	ck_buf_add(b, "<", 1);
	ck_buf_add(b, name, n);
	ck_buf_add(b, ">", 1);
	ck_buf_xml(b, value);
	ck_buf_add(b, "</", 2);
	ck_buf_add(b, name, n);
	ck_buf_add(b, ">", 1);
}

int
ck_ad_header(struct ck_http_request *rq, const char *name, const char *value)
{
	if (rq->n_headers == CK_HTTP_MAX_HEADERS)
		return CK_E_USAGE;
	struct ck_http_header *h = &rq->headers[rq->n_headers];
	h->name = strdup(name);
	h->value = strdup(value);
	rq->n_headers++;
	return h->name && h->value ? CK_OK : CK_E_NOMEM;
}

int
ck_ad_request(struct ck_http_request *rq, const char *method, const char *path,
              const char *content_type, struct ck_buf *body, const char *request_id)
{
	memset(rq, 0, sizeof *rq);
	rq->method = method;
	rq->path = strdup(path);
	int rc = rq->path ? CK_OK : CK_E_NOMEM;
	if (rc == CK_OK && body != NULL) {
		rq->body = ck_buf_detach(body, &rq->body_len);
		if (rq->body == NULL)
			rc = CK_E_NOMEM;
		else
			rc = ck_ad_header(rq, "Content-Type", content_type);
	}
	if (rc == CK_OK)
		rc = ck_ad_header(rq, "X-Request-Id", request_id);
	if (rc != CK_OK)
		ck_http_request_release(rq);
	return rc;
}

/* The Code and Message of an error document, as "CODE: message". */
static void
error_detail(const struct ck_http_response *r, const struct ck_adapter_env *env, const char *schema,
             const char *ns, char *code, size_t code_size, char *detail, size_t detail_size)
{
	xmlDoc *doc = NULL;
	struct ck_outcome ignored;
	ck_outcome_init(&ignored);
	code[0] = '\0';
	snprintf(detail, detail_size, "HTTP %d", r->status);
	if (schema == NULL || r->body_len == 0 ||
	    ck_ad_load(r->body, r->body_len, env, schema, &doc, &ignored) != CK_OK) {
		ck_outcome_release(&ignored);
		return;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	char *c = ck_ad_text(root, ns, "Code");
	char *m = ck_ad_text(root, ns, "Message");
	snprintf(code, code_size, "%s", c ? c : "");
	snprintf(detail, detail_size, "HTTP %d %s: %s", r->status, c ? c : "", m ? m : "");
	free(c);
	free(m);
	xmlFreeDoc(doc);
}

int
ck_ad_common_status(const struct ck_query_input *in, const struct ck_http_response *r,
                    const struct ck_adapter_env *env, const char *error_schema,
                    const char *error_ns, struct ck_outcome *out)
{
	char code[64], detail[CK_DETAIL_BUF];
	switch (r->status) {
	case 200:
	case 202:
	case 404: return 0;
	case 401:
	case 403:
		ck_outcome_fail(out, CK_OUTCOME_CREDENTIALS, "CREDENTIALS",
		                "HTTP %d: the institution refused our credentials", r->status);
		return 1;
	case 429:
	case 500:
	case 502:
	case 503:
	case 504:
		out->type = CK_OUTCOME_RETRY;
		out->retry_after_s = ck_ad_retry_after(r->retry_after, in->now);
		snprintf(out->reason, sizeof out->reason, "HTTP_%d", r->status);
		snprintf(out->detail, sizeof out->detail, "HTTP %d", r->status);
		return 1;
	case 409:
		error_detail(r, env, error_schema, error_ns, code, sizeof code, detail,
		             sizeof detail);
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "REQUEST_ID_REUSED", "%s", detail);
		return 1;
	case 400:
		error_detail(r, env, error_schema, error_ns, code, sizeof code, detail,
		             sizeof detail);
		ck_outcome_fail(out, CK_OUTCOME_FAILED,
		                strcmp(code, "ORG_NOT_APPLICABLE") == 0 ? "NOT_APPLICABLE"
		                                                        : "BAD_REQUEST",
		                "%s", detail);
		return 1;
	}
	ck_outcome_fail(out, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS", "HTTP %d", r->status);
	return 1;
}

/* Parses, prunes when asked, validates; see ck_ad_load(). */
static int
load(const char *text, size_t len, const struct ck_adapter_env *env, const char *schema, int prune,
     xmlDoc **doc, struct ck_outcome *out)
{
	char err[CK_ERR_SIZE] = "";
	struct ck_xml_limits limits = {.max_bytes = env->max_body};
	*doc = NULL;
	int rc = ck_xml_parse_with(env->xml, text, len, &limits, doc, err);
	if (rc == CK_OK && prune)
		rc = ck_xsd_prune(env->xsd, schema, *doc, err);
	if (rc == CK_OK)
		rc = ck_xsd_validate(env->xsd, schema, *doc, err);
	if (rc == CK_OK)
		return CK_OK;
	xmlFreeDoc(*doc);
	*doc = NULL;
	if (rc == CK_E_NOMEM)
		return rc;
	if (rc == CK_E_HOSTILE)
		ck_outcome_fail(out, CK_OUTCOME_HOSTILE, "HOSTILE", "%s", err);
	else
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "%s: %s", schema, err);
	return 1;
}

int
ck_ad_load(const char *text, size_t len, const struct ck_adapter_env *env, const char *schema,
           xmlDoc **doc, struct ck_outcome *out)
{
	return load(text, len, env, schema, 1, doc, out);
}

int
ck_ad_load_exact(const char *text, size_t len, const struct ck_adapter_env *env, const char *schema,
                 xmlDoc **doc, struct ck_outcome *out)
{
	return load(text, len, env, schema, 0, doc, out);
}

/* The part of an IMF-fixdate (RFC 9110) after the weekday and its comma:
 * " 06 Nov 1994 08:49:37 GMT". */
static int
http_date(const char *s, int64_t *epoch)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4], zone[4];
	int day, year, h, m, sec, used = 0;
	if (sscanf(s, "%d %3s %d %d:%d:%d %3s%n", &day, mon, &year, &h, &m, &sec, zone, &used) !=
	        7 ||
	    strcmp(zone, "GMT") != 0 || s[used] != '\0')
		return 0;
	const char *p = strstr(months, mon);
	if (p == NULL || (p - months) % 3 != 0 || day < 1 || day > 31 || h > 23 || m > 59 ||
	    sec > 60)
		return 0;
	*epoch = ck_days_from_civil(year, (int)(p - months) / 3 + 1, day) * 86400 + h * 3600 +
	         m * 60 + sec;
	return 1;
}

int
ck_ad_retry_after(const char *value, int64_t now)
{
	if (value == NULL)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	const int cap = 86400 * 30; /* a month: anything longer is a mistake */
	if (*value >= '0' && *value <= '9') {
		long long seconds = 0;
		const char *p = value;
		for (; *p >= '0' && *p <= '9'; p++)
			if (seconds <= cap)
				seconds = seconds * 10 + (*p - '0');
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			return -1;
		return seconds > cap ? cap : (int)seconds;
	}
	/* The weekday and its comma come first in an HTTP date. */
	const char *comma = strchr(value, ',');
	int64_t at;
	if (comma == NULL || !http_date(comma + 1, &at))
		return -1;
	return at <= now ? 0 : at - now > cap ? cap : (int)(at - now);
}

int
ck_ad_same_subject(const char *asked, const char *echoed)
{
	if (asked == NULL || echoed == NULL)
		return 0;
	while (*echoed == ' ' || *echoed == '\t' || *echoed == '\r' || *echoed == '\n')
		echoed++;
	size_t n = strlen(asked), m = strlen(echoed);
	while (m > 0 && (echoed[m - 1] == ' ' || echoed[m - 1] == '\t' || echoed[m - 1] == '\r' ||
	                 echoed[m - 1] == '\n'))
		m--;
	return n == m && strncasecmp(asked, echoed, n) == 0;
}

char *
ck_ad_text(const xmlNode *parent, const char *ns, const char *local)
{
	char *t = parent ? ck_xml_child_text(parent, ns, local) : NULL;
	if (t != NULL && *t == '\0') {
		free(t);
		return NULL;
	}
	return t;
}

int
ck_ad_amount(const char *text, int64_t *value, struct ck_outcome *out, const char *what)
{
	char err[CK_ERR_SIZE] = "";
	if (text != NULL && ck_amount_parse(text, value, err) == CK_OK)
		return 0;
	ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "%s: %s", what,
	                text ? err : "missing");
	return -1;
}

int
ck_ad_date(const char *text, int64_t *days, struct ck_outcome *out, const char *what)
{
	char err[CK_ERR_SIZE] = "";
	*days = CK_NO_DATE;
	if (text == NULL || ck_date_parse(text, days, err) == CK_OK)
		return 0;
	ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "%s: %s", what, err);
	return -1;
}

int
ck_ad_int(const char *text, int *value, struct ck_outcome *out, const char *what)
{
	long v = 0;
	const char *p = text;
	for (; p != NULL && *p >= '0' && *p <= '9' && v < 1000000; p++)
		v = v * 10 + (*p - '0');
	if (p == NULL || p == text || *p != '\0') {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "%s: not a number", what);
		return -1;
	}
	*value = (int)v;
	return 0;
}

int
ck_ad_read_fields(const xmlNode *parent, const char *ns, const char *const *names, size_t n,
                  char **values)
{
	int rc = CK_OK;
	for (size_t i = 0; i < n; i++) {
		values[i] = NULL;
		xmlNode *child = parent ? ck_xml_first(parent, ns, names[i]) : NULL;
		if (child == NULL || rc != CK_OK)
			continue;
		values[i] = ck_xml_text(child);
		if (values[i] == NULL) {
			rc = CK_E_NOMEM;
		} else if (values[i][0] == '\0') {
			free(values[i]);
			values[i] = NULL;
		}
	}
	return rc;
}

void
ck_ad_free_fields(char **values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(values[i]);
}

char *
ck_ad_take(char **value)
{
	char *v = *value;
	*value = NULL;
	return v;
}

char *
ck_ad_strdup(const char *text)
{
	return text ? strdup(text) : NULL;
}
