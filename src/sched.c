/* SPDX-License-Identifier: MIT */
/*
 * sched.c: the scheduler of sched.h: one event loop over libcurl's multi
 * interface, per-institution limits, and the mapping of every outcome to
 * the query's next state in the store.
 *
 * Sections: time and randomness; institutions at run time; transfers
 * (one HTTP exchange of a claimed query); outcomes; the loop.
 */
#include "chakong/sched.h"
#include "chakong/buf.h"
#include "chakong/error.h"
#include "chakong/log.h"
#include "chakong/xmlsafe.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A request costs this many tokens; a bucket gains rate_x100 per ms. */
#define TOKEN_COST 100000
/* How long an institution with nothing due is left alone before asking the
 * store again. */
#define IDLE_RECHECK_MS 1000
/* Group commit: what the loop stores is committed once this many queries
 * have moved, or this long after the first of them, whichever comes first
 * (and whenever the loop is about to wait with nothing in flight). */
#define GROUP_QUERIES 256
#define GROUP_MS      50

/* ---- Time and randomness --------------------------------------------------- */

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct run;

/* The run's clock: the configured clock at the start, then real elapsed
 * time, so that a fixed test clock still flows during a run. */
static int64_t now_s(const struct run *r);

static uint64_t
next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* ---- Institutions at run time --------------------------------------------- */

struct inst_rt {
	const struct ck_inst_config *cfg;
	const struct ck_adapter *adapter;
	int in_flight;
	int64_t tokens, last_refill_ms;
	int64_t idle_until_ms; /* nothing was due when last asked */
	int64_t resume_at_ms;  /* paused after a 429 */
	unsigned consecutive_failures;
	int64_t breaker_until_ms; /* open circuit: no request before this */
	int breaker_open, probing;
	int stopped; /* credentials refused: nothing more this run */
};

static void
refill(struct inst_rt *in, int64_t now)
{
	int64_t cap = in->cfg->rate_x100 >= 100 ? (int64_t)in->cfg->rate_x100 * 1000 : TOKEN_COST;
	if (in->cfg->rate_x100 == 0) {
		in->tokens = INT64_MAX / 2;
		return;
	}
	in->tokens += (now - in->last_refill_ms) * in->cfg->rate_x100;
	if (in->tokens > cap)
		in->tokens = cap;
	in->last_refill_ms = now;
}

/* ---- Transfers -------------------------------------------------------------- */

struct transfer {
	struct run *run;
	struct inst_rt *inst;
	CURL *easy;
	struct curl_slist *headers;
	struct ck_http_request rq;
	enum ck_request_type type;
	/* the claimed query (owned copies) */
	int64_t query_id;
	char *request_id, *case_no, *court_code, *court_name, *officer, *subject_name, *subject_id;
	enum ck_subject_kind subject_kind;
	char *ticket, *cursor;
	int failures;
	void *state; /* the adapter's, while the query is in flight */
	/* the response */
	int64_t started_ms, started_mono;
	int sends; /* requests libcurl sent for this exchange (see on_send) */
	struct ck_buf body;
	int too_big;
	char content_type[128];
	char retry_after[64];
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's words on a failed transfer */
	int64_t resume_at_ms;         /* a page to ask again after backoff: not before this */
	struct transfer *next;        /* in the run's list */
};

struct run {
	struct ck_store *st;
	const struct ck_config *cfg;
	struct ck_xsd_set *xsd;
	struct ck_xml_parser *xml; /* the answers' parser, kept between them */
	const struct ck_sched_opts *opts;
	struct ck_run_stats *stats;
	CURLM *multi;
	struct inst_rt *insts;
	size_t n_insts;
	struct transfer *transfers; /* in flight */
	struct transfer *delayed;   /* in flight, waiting to ask a failed page again */
	struct transfer *claimed;   /* claimed, not yet started */
	int64_t start_s, start_mono;
	uint64_t rng;
	char *err;
	int failed; /* a store error: stop */
	/* the open group of stored steps (see turn()) */
	int grouping;
	int64_t group_since_ms;
	int group_queries;
	/* easy handles of finished transfers, reset, for the next ones */
	CURL **idle_easy;
	size_t n_idle_easy, cap_idle_easy;
};

static int64_t
now_s(const struct run *r)
{
	return r->start_s + (mono_ms() - r->start_mono) / 1000;
}

/* What an event about a query is about.  The subject's identifier goes
 * in the field the logger masks, never in the message. */
static struct ck_log_about
about_query(const struct transfer *t)
{
	return (struct ck_log_about){.institution = t->inst->cfg->id,
	                             .case_no = t->case_no,
	                             .query = t->query_id,
	                             .request_id = t->request_id,
	                             .subject_id = t->subject_id};
}

static struct ck_log_about
about_inst(const struct inst_rt *in)
{
	return (struct ck_log_about){.institution = in->cfg->id};
}

/* An easy handle for a new transfer: a finished transfer's, or a new one.
 * Each handle carries buffers of tens of KiB that libcurl allocates and
 * frees with it: reusing them keeps that off every query. */
static CURL *
take_easy(struct run *r)
{
	if (r->n_idle_easy > 0)
		return r->idle_easy[--r->n_idle_easy];
	return curl_easy_init();
}

static void
give_easy(struct run *r, CURL *e)
{
	if (r->n_idle_easy < r->cap_idle_easy) {
		curl_easy_reset(e);
		r->idle_easy[r->n_idle_easy++] = e;
	} else {
		curl_easy_cleanup(e);
	}
}

static void
free_transfer(struct transfer *t)
{
	if (t->easy != NULL)
		give_easy(t->run, t->easy);
	curl_slist_free_all(t->headers);
	ck_http_request_release(&t->rq);
	if (t->state != NULL)
		ck_adapter_state_free(t->inst->adapter, t->state);
	ck_buf_release(&t->body);
	free(t->request_id);
	free(t->case_no);
	free(t->court_code);
	free(t->court_name);
	free(t->officer);
	free(t->subject_name);
	free(t->subject_id);
	free(t->ticket);
	free(t->cursor);
	free(t);
}

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;
	/* Refuse an oversized body without buffering it (common.md). */
	if (t->body.len + len > t->inst->cfg->max_body) {
		t->too_big = 1;
		return 0;
	}
	ck_buf_add(&t->body, data, len);
	return t->body.failed ? 0 : len;
}

/* Copies a header's value (trimmed) when the line is "name: value". */
static void
keep_header(const char *line, size_t len, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	const char *v = line + n + 1;
	size_t vlen = len - n - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	snprintf(out, size, "%.*s", (int)vlen, v);
}

static size_t
on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n;
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, say): forget the last one's. */
		t->content_type[0] = t->retry_after[0] = '\0';
	}
	keep_header(line, len, "Content-Type", t->content_type, sizeof t->content_type);
	keep_header(line, len, "Retry-After", t->retry_after, sizeof t->retry_after);
	return len;
}

/* Called before each request libcurl sends.  Besides ours, libcurl sends a
 * request again by itself, at once, when a reused connection closes before
 * any answer: the institution saw both, so both are recorded. */
static int
on_send(void *ctx, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
	(void)primary_ip;
	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	struct transfer *t = ctx;
	t->sends++;
	return CURL_PREREQFUNC_OK;
}

static struct ck_query_input
query_input(const struct transfer *t)
{
	return (struct ck_query_input){
	    .request_id = t->request_id,
	    .case_no = t->case_no,
	    .court_code = t->court_code,
	    .court_name = t->court_name,
	    .officer = t->officer,
	    .subject_kind = t->subject_kind,
	    .subject_name = t->subject_name,
	    .subject_id = t->subject_id,
	    .ticket = t->ticket,
	    .cursor = t->cursor,
	    .now = now_s(t->run),
	    .now_offset_min = CK_DEFAULT_OFFSET_MIN,
	};
}

/* Builds the request of t->type and hands it to libcurl. */
static int
start_transfer(struct transfer *t, char *err)
{
	const struct ck_inst_config *cfg = t->inst->cfg;
	struct ck_query_input in = query_input(t);
	ck_http_request_release(&t->rq);
	int rc = ck_adapter_build(t->inst->adapter, t->type, &in, t->state, &t->rq, err);
	if (rc != CK_OK)
		return rc;
	if (t->easy == NULL)
		t->easy = take_easy(t->run);
	else
		curl_easy_reset(t->easy);
	curl_slist_free_all(t->headers);
	t->headers = NULL;
	ck_buf_release(&t->body);
	t->too_big = 0;
	t->content_type[0] = t->retry_after[0] = t->errbuf[0] = '\0';
	if (t->easy == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory starting a transfer");

	char url[2048];
	snprintf(url, sizeof url, "%s%s", cfg->base_url, t->rq.path);
	for (size_t i = 0; i < t->rq.n_headers; i++) {
		char line[1024];
		snprintf(line, sizeof line, "%s: %s", t->rq.headers[i].name,
		         t->rq.headers[i].value);
		t->headers = curl_slist_append(t->headers, line);
	}
	if (cfg->token != NULL) {
		char line[1024];
		snprintf(line, sizeof line, "Authorization: Bearer %s", cfg->token);
		t->headers = curl_slist_append(t->headers, line);
	}
	t->headers = curl_slist_append(t->headers, "Expect:");
	CURL *e = t->easy;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_send);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, t);
	t->sends = 0;
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg->total_timeout_ms);
	/* Peer verification is always on (common.md), whatever libcurl's
	 * defaults.  A CaBundle replaces the system's trust store: only the CAs
	 * it holds may vouch for the institution. */
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->ca_bundle != NULL) {
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_bundle);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	if (cfg->client_cert != NULL)
		curl_easy_setopt(e, CURLOPT_SSLCERT, cfg->client_cert);
	if (cfg->client_key != NULL)
		curl_easy_setopt(e, CURLOPT_SSLKEY, cfg->client_key);
	if (strcmp(t->rq.method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->rq.body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->rq.body_len);
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}
	if (curl_multi_add_handle(t->run->multi, e) != CURLM_OK)
		return ck_fail(err, CK_E_IO, "libcurl refused a transfer");
	t->started_ms = (int64_t)now_s(t->run) * 1000;
	t->started_mono = mono_ms();
	t->run->stats->sent++;
	return CK_OK;
}

/* ---- Outcomes --------------------------------------------------------------- */

static void
count_failure(struct ck_run_stats *s, const char *reason)
{
	s->failed++;
	for (size_t i = 0; i < sizeof s->failures / sizeof s->failures[0]; i++) {
		if (s->failures[i].count == 0)
			snprintf(s->failures[i].reason, sizeof s->failures[i].reason, "%s", reason);
		if (strcmp(s->failures[i].reason, reason) == 0) {
			s->failures[i].count++;
			return;
		}
	}
}

/* Full jitter: uniform in [0, min(max, base * 2^failures)], never sooner
 * than Retry-After; whole seconds, at least one. */
static int64_t
backoff_s(struct run *r, const struct ck_inst_config *cfg, int failures, int retry_after_s)
{
	uint64_t ceiling = cfg->backoff_base_ms;
	for (int i = 0; i < failures && ceiling < cfg->backoff_max_ms; i++)
		ceiling *= 2;
	if (ceiling > cfg->backoff_max_ms)
		ceiling = cfg->backoff_max_ms;
	int64_t delay_ms = (int64_t)(next_random(&r->rng) % (ceiling + 1));
	int64_t s = (delay_ms + 999) / 1000;
	if (retry_after_s > s)
		s = retry_after_s;
	return s < 1 ? 1 : s;
}

/* An attempt that failed without an answer worth keeping: the institution
 * may be in trouble. */
static void
note_trouble(struct run *r, struct inst_rt *in)
{
	if (++in->consecutive_failures >= in->cfg->breaker_failures && !in->breaker_open) {
		in->breaker_open = 1;
		in->breaker_until_ms = mono_ms() + in->cfg->breaker_cooldown_ms;
		struct ck_log_about a = about_inst(in);
		ck_logf(r->opts->log, CK_LOG_WARN, &a,
		        "%u failures in a row: circuit breaker open, pausing it for %u ms",
		        in->consecutive_failures, in->cfg->breaker_cooldown_ms);
	} else if (in->probing) {
		in->breaker_until_ms = mono_ms() + in->cfg->breaker_cooldown_ms;
	}
	in->probing = 0;
}

static void
note_health(struct run *r, struct inst_rt *in)
{
	if (in->breaker_open) {
		struct ck_log_about a = about_inst(in);
		ck_logf(r->opts->log, CK_LOG_INFO, &a, "answering again: circuit breaker closed");
	}
	in->consecutive_failures = 0;
	in->breaker_open = in->probing = 0;
}

/* A refusal that every query of the institution would meet (credentials,
 * TLS): nothing more goes to it in this run, and its other queries wait
 * for the next run instead of failing one by one. */
static int
stop_institution(struct run *r, struct inst_rt *in, const char *reason, int http_status,
                 const char *why, const char *hint)
{
	if (in->stopped)
		return CK_OK;
	in->stopped = 1;
	r->stats->stopped_institutions++;
	struct ck_log_about a = about_inst(in);
	a.reason = reason;
	a.http_status = http_status;
	ck_logf(r->opts->log, CK_LOG_ERROR, &a, "%s: nothing more goes to it in this run; %s", why,
	        hint);
	/* Its other queries wait for the next run, not for this one. */
	return ck_store_set_enabled(r->st, in->cfg->id, 0, r->err) == CK_OK ? CK_OK : CK_E_STORE;
}

static int
is_rejected(const struct ck_outcome *o)
{
	return o->type == CK_OUTCOME_HOSTILE ||
	       (o->type == CK_OUTCOME_FAILED &&
	        (strcmp(o->reason, "WRONG_SUBJECT") == 0 || strcmp(o->reason, "MALFORMED") == 0 ||
	         strcmp(o->reason, "TOO_MANY_RECORDS") == 0));
}

/* Every attempt at debug level: enough to follow one query through a run. */
static void
log_attempt(const struct transfer *t, const struct ck_outcome *o, int http_status,
            int64_t duration_ms)
{
	static const char *const kinds[] = {"submit", "poll", "page"};
	static const char *const outcomes[CK_OUTCOME_TYPE_COUNT_] = {"no outcome",
	                                                             "found",
	                                                             "not found",
	                                                             "subject mismatch",
	                                                             "ticket",
	                                                             "next page",
	                                                             "ticket gone, submit again",
	                                                             "retry",
	                                                             "failed",
	                                                             "hostile answer",
	                                                             "credentials refused"};
	const struct ck_log *lg = t->run->opts->log;
	if (!ck_log_enabled(lg, CK_LOG_DEBUG))
		return;
	struct ck_log_about a = about_query(t);
	a.http_status = http_status;
	a.reason = o->reason[0] ? o->reason : NULL;
	const char *outcome =
	    (unsigned)o->type < CK_OUTCOME_TYPE_COUNT_ ? outcomes[o->type] : "unknown";
	ck_logf(lg, CK_LOG_DEBUG, &a, "%s in %lld ms: %s%s%s", kinds[t->type],
	        (long long)duration_ms, outcome, o->detail[0] ? ": " : "", o->detail);
}

/* Stores what an attempt came to; returns 1 when the query goes on (next
 * page started), 2 when a failed page is to be asked again after a backoff
 * (t->resume_at_ms), 0 when it left flight, or a negative error. */
static int
apply(struct transfer *t, struct ck_outcome *o, int http_status, const char *error_class)
{
	struct run *r = t->run;
	struct inst_rt *in = t->inst;
	int64_t now = now_s(r);
	static const char *const kinds[] = {"submit", "poll", "page"};
	struct ck_attempt_rec attempt = {
	    .kind = kinds[t->type],
	    .started_ms = t->started_ms,
	    .duration_ms = mono_ms() - t->started_mono,
	    .http_status = http_status,
	    .error_class = error_class,
	    .detail = o->type == CK_OUTCOME_FAILED || o->type == CK_OUTCOME_RETRY ||
	                      o->type == CK_OUTCOME_HOSTILE
	                  ? o->detail
	                  : NULL,
	};
	struct ck_raw_rec raw = {
	    .content_type = t->content_type[0] ? t->content_type : NULL,
	    .body = t->body.data ? t->body.data : "",
	    .len = t->body.len,
	    .rejected = is_rejected(o),
	    .reject_reason = is_rejected(o) ? o->reason : NULL,
	};
	const struct ck_raw_rec *rawp = http_status > 0 ? &raw : NULL;
	struct ck_query_result res = {0};
	int rc;
	log_attempt(t, o, http_status, attempt.duration_ms);

	switch (o->type) {
	case CK_OUTCOME_NEXT_PAGE:
		rc = ck_store_finish(r->st, t->query_id, &attempt, rawp, NULL, now,
		                     now + in->cfg->total_timeout_ms / 1000 * 2 + 60, r->err);
		if (rc != CK_OK)
			return rc;
		note_health(r, in);
		free(t->cursor);
		t->cursor = o->cursor;
		o->cursor = NULL;
		t->type = CK_REQUEST_PAGE;
		rc = start_transfer(t, r->err);
		return rc == CK_OK ? 1 : rc;
	case CK_OUTCOME_FOUND:
	case CK_OUTCOME_NOT_FOUND:
	case CK_OUTCOME_MISMATCH:
		res.state = CK_Q_ANSWERED;
		res.outcome = o->type == CK_OUTCOME_FOUND       ? "FOUND"
		              : o->type == CK_OUTCOME_NOT_FOUND ? "NOT_FOUND"
		                                                : "SUBJECT_MISMATCH";
		res.records = o->type == CK_OUTCOME_FOUND ? o : NULL;
		r->stats->answered++;
		r->stats->found += o->type == CK_OUTCOME_FOUND;
		r->stats->not_found += o->type == CK_OUTCOME_NOT_FOUND;
		r->stats->mismatch += o->type == CK_OUTCOME_MISMATCH;
		note_health(r, in);
		break;
	case CK_OUTCOME_TICKET:
		res.state = CK_Q_WAITING;
		res.ticket = o->ticket;
		res.due_at = now + (o->poll_after_s >= 0 ? o->poll_after_s : 60);
		res.accepted = t->type == CK_REQUEST_SUBMIT;
		note_health(r, in);
		break;
	case CK_OUTCOME_RESUBMIT:
		/* The ticket is gone: submit again, same RequestId, now. */
		res.state = CK_Q_WAITING;
		res.due_at = now;
		note_health(r, in);
		break;
	case CK_OUTCOME_RETRY:
		if (t->type == CK_REQUEST_PAGE && (unsigned)t->failures + 1 <= in->cfg->retries) {
			/* Earlier pages are held in the adapter's state: ask this page
			 * again after the backoff instead of starting over. */
			rc = ck_store_finish(r->st, t->query_id, &attempt, rawp, NULL, now,
			                     now + in->cfg->total_timeout_ms / 1000 * 2 + 60,
			                     r->err);
			if (rc != CK_OK)
				return rc;
			if (http_status == 429)
				in->resume_at_ms =
				    mono_ms() +
				    1000L * (o->retry_after_s > 0 ? o->retry_after_s : 1);
			note_trouble(r, in);
			t->resume_at_ms =
			    mono_ms() + backoff_s(r, in->cfg, t->failures, o->retry_after_s) * 1000;
			t->failures++;
			return 2;
		}
		if ((unsigned)t->failures + 1 > in->cfg->retries) {
			res.state = CK_Q_FAILED;
			res.reason = "RETRIES_EXHAUSTED";
			res.detail = o->reason;
			count_failure(r->stats, res.reason);
			struct ck_log_about a = about_query(t);
			a.reason = res.reason;
			a.http_status = http_status;
			ck_logf(r->opts->log, CK_LOG_WARN, &a,
			        "query failed: %u retries exhausted, the last %s%s%s",
			        in->cfg->retries, o->reason, o->detail[0] ? ": " : "", o->detail);
		} else {
			res.state = CK_Q_RETRY;
			res.reason = o->reason;
			res.detail = o->detail;
			res.ticket = t->ticket;
			res.due_at = now + backoff_s(r, in->cfg, t->failures, o->retry_after_s);
		}
		if (http_status == 429) {
			int pause = o->retry_after_s > 0 ? o->retry_after_s : 1;
			in->resume_at_ms = mono_ms() + (int64_t)pause * 1000;
		}
		note_trouble(r, in);
		break;
	case CK_OUTCOME_CREDENTIALS: {
		char why[64];
		snprintf(why, sizeof why, "credentials refused (HTTP %d)", http_status);
		if (stop_institution(r, in, "CREDENTIALS", http_status, why,
		                     "check its certificate and token") != CK_OK)
			return CK_E_STORE;
		res.state = CK_Q_FAILED;
		res.reason = "CREDENTIALS";
		res.detail = o->detail;
		count_failure(r->stats, res.reason);
		break;
	}
	default: /* FAILED, HOSTILE */
		res.state = CK_Q_FAILED;
		res.reason = o->reason[0] ? o->reason : "FAILED";
		res.detail = o->detail;
		count_failure(r->stats, res.reason);
		{
			struct ck_log_about a = about_query(t);
			a.reason = res.reason;
			a.http_status = http_status;
			ck_logf(r->opts->log, CK_LOG_WARN, &a, "query failed: %s%s%s", res.reason,
			        o->detail[0] ? ": " : "", o->detail);
		}
		if (error_class != NULL && strcmp(error_class, "TLS") == 0) {
			char why[CK_DETAIL_BUF + 32];
			snprintf(why, sizeof why, "failed TLS (%s)", o->detail);
			if (stop_institution(r, in, "TLS", http_status, why,
			                     "check its CaBundle, ClientCert and ClientKey") !=
			    CK_OK)
				return CK_E_STORE;
		} else {
			note_health(r, in); /* the institution answered: it is not in trouble */
		}
		break;
	}
	rc = ck_store_finish(r->st, t->query_id, &attempt, rawp, &res, now, 0, r->err);
	return rc == CK_OK ? 0 : rc;
}

/*
 * Whether a transfer that failed with `code` met a TLS refusal that asking
 * again cannot cure (common.md: TLS verification failures are not
 * retried): the institution's certificate did not verify against our
 * trust store or CaBundle, our own CA bundle, certificate or key could not
 * be used, or the institution's TLS stack refused us with an alert (most
 * often: it wants a client certificate we did not send, or does not accept
 * the one we sent).  libcurl reports such an alert as
 * CURLE_SSL_CONNECT_ERROR, or under TLS 1.3, where the server judges the
 * client's certificate after the handshake, as CURLE_RECV_ERROR on the
 * first read (CURLE_SSL_CLIENTCERT only with some backends).  Only its
 * error text tells an alert from a network fault, which reaches us with the
 * same codes and the system's errno set (a connection reset during the
 * handshake): such faults stay transient.
 */
static int
tls_refused(const struct transfer *t, CURLcode code)
{
	switch (code) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT: return 1;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR: {
		long os_errno = 0;
		curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
		return os_errno == 0 && strncmp(t->inst->cfg->base_url, "https://", 8) == 0 &&
		       strstr(t->errbuf, "alert") != NULL;
	}
	default: return 0;
	}
}

/* The outcome of a transfer that got no HTTP response. */
static void
transport_outcome(const struct transfer *t, CURLcode code, struct ck_outcome *o,
                  const char **error_class)
{
	if (t->too_big) {
		*error_class = "TOO_BIG";
		ck_outcome_fail(o, CK_OUTCOME_FAILED, "TOO_BIG", "body larger than %zu bytes",
		                t->inst->cfg->max_body);
		return;
	}
	const char *what = t->errbuf[0] ? t->errbuf : curl_easy_strerror(code);
	if (tls_refused(t, code)) {
		*error_class = "TLS";
		ck_outcome_fail(o, CK_OUTCOME_FAILED, "TLS", "%s", what);
		return;
	}
	*error_class = code == CURLE_OPERATION_TIMEDOUT ? "TIMEOUT" : "TRANSPORT";
	ck_outcome_fail(o, CK_OUTCOME_RETRY, *error_class, "%s", what);
}

/* Records the requests libcurl sent again by itself in this exchange
 * (on_send): each is a failed attempt, without an answer. */
static int
record_resends(struct transfer *t)
{
	struct run *r = t->run;
	int64_t now = now_s(r);
	for (; t->sends > 1; t->sends--) {
		struct ck_attempt_rec a = {
		    .kind = t->type == CK_REQUEST_SUBMIT ? "submit"
		            : t->type == CK_REQUEST_POLL ? "poll"
		                                         : "page",
		    .started_ms = t->started_ms,
		    .duration_ms = 0,
		    .error_class = "TRANSPORT",
		    .detail = "the connection closed before any answer; libcurl sent the request "
		              "again at once",
		};
		int rc =
		    ck_store_finish(r->st, t->query_id, &a, NULL, NULL, now,
		                    now + t->inst->cfg->total_timeout_ms / 1000 * 2 + 60, r->err);
		if (rc != CK_OK)
			return rc;
		t->failures++;
	}
	return CK_OK;
}

/* A transfer is done: interpret, store, and either go on or let it go. */
static void
on_done(struct transfer *t, CURLcode code)
{
	struct run *r = t->run;
	curl_multi_remove_handle(r->multi, t->easy);
	if (record_resends(t) != CK_OK) {
		r->failed = CK_E_STORE;
		return;
	}
	struct ck_outcome o;
	ck_outcome_init(&o);
	long status = 0;
	const char *error_class = NULL;
	if (code == CURLE_OK) {
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		struct ck_http_response resp = {
		    .status = (int)status,
		    .content_type = t->content_type[0] ? t->content_type : NULL,
		    .retry_after = t->retry_after[0] ? t->retry_after : NULL,
		    .body = t->body.data ? t->body.data : "",
		    .body_len = t->body.len,
		};
		struct ck_adapter_env env = {.xsd = r->xsd,
		                             .xml = r->xml,
		                             .max_records = t->inst->cfg->max_records,
		                             .max_body = t->inst->cfg->max_body};
		struct ck_query_input in = query_input(t);
		if (ck_adapter_interpret(t->inst->adapter, &in, t->state, &resp, &env, &o) !=
		    CK_OK) {
			ck_outcome_release(&o);
			ck_outcome_fail(&o, CK_OUTCOME_RETRY, "NOMEM",
			                "out of memory interpreting");
		}
	} else {
		transport_outcome(t, code, &o, &error_class);
	}
	int rc = apply(t, &o, (int)status, error_class);
	ck_outcome_release(&o);
	if (rc == 1)
		return; /* the next page is on its way */
	if (rc == 2) {
		/* The same page later: from the in-flight list to the delayed one. */
		struct transfer **p = &r->transfers;
		while (*p != t)
			p = &(*p)->next;
		*p = t->next;
		t->next = r->delayed;
		r->delayed = t;
		return;
	}
	if (rc < 0)
		r->failed = rc;
	t->inst->in_flight--;
	struct transfer **p = &r->transfers;
	while (*p != t)
		p = &(*p)->next;
	*p = t->next;
	free_transfer(t);
}

/* ---- The loop --------------------------------------------------------------- */

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int
on_claim(void *ctx, const struct ck_claim *c)
{
	struct run *r = ctx;
	struct transfer *t = calloc(1, sizeof *t);
	if (t == NULL)
		return 1;
	t->run = r;
	t->query_id = c->query_id;
	t->request_id = strdup(c->request_id);
	t->case_no = strdup(c->case_no);
	t->court_code = strdup(c->court_code);
	t->court_name = strdup(c->court_name);
	t->officer = strdup(c->officer);
	t->subject_name = strdup(c->subject_name);
	t->subject_id = strdup(c->subject_id);
	t->subject_kind = c->subject_kind;
	t->ticket = dup_or_null(c->ticket);
	t->failures = c->failures;
	t->type = c->ticket != NULL ? CK_REQUEST_POLL : CK_REQUEST_SUBMIT;
	t->next = r->claimed;
	r->claimed = t;
	return 0;
}

/* Claims as many due queries of one institution as it may take now, and
 * starts them. */
static void
fill(struct run *r, struct inst_rt *in)
{
	int64_t now_ms = mono_ms();
	if (in->stopped || now_ms < in->resume_at_ms || now_ms < in->idle_until_ms)
		return;
	refill(in, now_ms);
	int room = (int)in->cfg->max_in_flight - in->in_flight;
	if (in->breaker_open) {
		if (now_ms < in->breaker_until_ms || in->in_flight > 0)
			return;
		in->probing = 1; /* half open: one request tells */
		room = 1;
	}
	int64_t affordable = in->tokens / TOKEN_COST;
	if (affordable < room)
		room = (int)affordable;
	if (room <= 0)
		return;
	int64_t now = now_s(r);
	int64_t lease = now + (int64_t)in->cfg->total_timeout_ms / 1000 * 2 + 60;
	int claimed = 0;
	if (ck_store_claim(r->st, in->cfg->id, r->opts->only_debtor, now, lease, room, on_claim, r,
	                   &claimed, r->err) != CK_OK) {
		r->failed = CK_E_STORE;
		return;
	}
	if (claimed == 0)
		in->idle_until_ms = now_ms + IDLE_RECHECK_MS;
	r->group_queries += claimed;
	while (r->claimed != NULL) {
		struct transfer *t = r->claimed;
		r->claimed = t->next;
		t->inst = in;
		t->state = ck_adapter_state_new(in->adapter);
		if (in->adapter->state_size > 0 && t->state == NULL) {
			free_transfer(t);
			r->failed = CK_E_NOMEM;
			continue;
		}
		char why[CK_ERR_SIZE] = "";
		if (start_transfer(t, why) != CK_OK) {
			/* The query cannot be asked at all (an adapter refusing to
			 * build it): it fails rather than spinning. */
			struct ck_outcome o;
			ck_outcome_init(&o);
			ck_outcome_fail(&o, CK_OUTCOME_FAILED, "INTERNAL", "%s", why);
			if (apply(t, &o, 0, "INTERNAL") < 0)
				r->failed = CK_E_STORE;
			ck_outcome_release(&o);
			free_transfer(t);
			continue;
		}
		in->tokens -= in->cfg->rate_x100 ? TOKEN_COST : 0;
		in->in_flight++;
		t->next = r->transfers;
		r->transfers = t;
	}
}

/* Asks again the pages whose backoff is over; returns the milliseconds to
 * the next one still waiting (or `cap`). */
static int64_t
resume_delayed(struct run *r, int64_t cap)
{
	int64_t now = mono_ms(), next = cap;
	for (struct transfer **p = &r->delayed; *p != NULL;) {
		struct transfer *t = *p;
		if (t->resume_at_ms > now) {
			if (t->resume_at_ms - now < next)
				next = t->resume_at_ms - now;
			p = &t->next;
			continue;
		}
		*p = t->next;
		t->next = r->transfers;
		r->transfers = t;
		if (start_transfer(t, r->err) != CK_OK) {
			struct ck_outcome o;
			ck_outcome_init(&o);
			ck_outcome_fail(&o, CK_OUTCOME_FAILED, "INTERNAL", "%s", r->err);
			r->err[0] = '\0';
			if (apply(t, &o, 0, "INTERNAL") < 0)
				r->failed = CK_E_STORE;
			ck_outcome_release(&o);
			r->transfers = t->next;
			t->inst->in_flight--;
			free_transfer(t);
		}
	}
	return next;
}

/*
 * Group commit.  Each step a query takes (claimed, answered, a page read, a
 * retry planned) is stored atomically in a savepoint of its own, inside a
 * store transaction that the loop commits once GROUP_QUERIES steps are in
 * it or GROUP_MS after it opened, and before the loop waits with nothing in
 * flight.  With a commit per step (two per query), the pages that
 * consecutive queries share (the queries table and its indexes, the
 * attempts, the audit trail) were written again at every commit; grouped,
 * they are written once per group.  A run killed in the middle loses the
 * steps of the open group only: their queries are still planned, or in
 * flight on the next run, and are asked again under the same RequestIds,
 * which the institutions answer from their record (common.md).
 */
static int
group_open(struct run *r)
{
	if (r->grouping)
		return CK_OK;
	if (ck_store_begin_batch(r->st, r->err) != CK_OK) {
		r->failed = CK_E_STORE;
		return CK_E_STORE;
	}
	r->grouping = 1;
	r->group_since_ms = mono_ms();
	r->group_queries = 0;
	return CK_OK;
}

static int
group_commit(struct run *r)
{
	if (!r->grouping)
		return CK_OK;
	r->grouping = 0;
	/* After a failure, keep its message rather than the commit's. */
	char why[CK_ERR_SIZE] = "";
	if (ck_store_commit_batch(r->st, r->failed ? why : r->err) != CK_OK) {
		r->failed = CK_E_STORE;
		return CK_E_STORE;
	}
	return CK_OK;
}

/*
 * One turn of the loop's bookkeeping: stores what libcurl has finished,
 * claims what each institution may take now and restarts the pages whose
 * backoff is over, inside the open group, and commits the group when it is
 * due.  *wait_ms (the longest the loop may then wait) is shortened to the
 * next delayed page and to the group's commit.
 */
static int
turn(struct run *r, int over, int64_t *wait_ms)
{
	if (group_open(r) != CK_OK)
		return CK_E_STORE;
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(r->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct transfer *t;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		on_done(t, msg->data.result);
		r->group_queries++;
	}
	if (!over) {
		for (size_t i = 0; i < r->n_insts && !r->failed; i++)
			fill(r, &r->insts[i]);
		*wait_ms = resume_delayed(r, *wait_ms);
	}
	int64_t open_ms = mono_ms() - r->group_since_ms;
	if (r->failed || r->group_queries >= GROUP_QUERIES || open_ms >= GROUP_MS ||
	    (r->transfers == NULL && r->delayed == NULL)) {
		if (group_commit(r) != CK_OK)
			return CK_E_STORE;
	} else if (*wait_ms > GROUP_MS - open_ms) {
		*wait_ms = GROUP_MS - open_ms;
	}
	return r->failed ? r->failed : CK_OK;
}

/* Nothing in flight: is there anything due soon enough to wait for? */
static int
worth_waiting(struct run *r, int64_t *wait_ms)
{
	int64_t when;
	int any;
	if (ck_store_next_due(r->st, r->opts->only_debtor, &when, &any, r->err) != CK_OK) {
		r->failed = CK_E_STORE;
		return 0;
	}
	int usable = 0;
	for (size_t i = 0; i < r->n_insts; i++)
		usable |= !r->insts[i].stopped;
	if (!any || !usable)
		return 0;
	int64_t delta = when - now_s(r);
	if (!r->opts->wait && delta > r->opts->linger_s)
		return 0;
	*wait_ms = delta > 0 ? delta * 1000 : 200;
	if (*wait_ms > 1000)
		*wait_ms = 1000;
	return 1;
}

/* Queries still in flight when the run must end go back to retry now, so
 * that the next run need not wait for their leases and sends them again
 * under the same RequestIds.  Giving up is ours, not the institution's
 * failure: it does not count against the retry budget. */
static void
abandon_in_flight(struct run *r)
{
	static const char *const kinds[] = {"submit", "poll", "page"};
	int n = 0;
	while (r->delayed != NULL) {
		struct transfer *t = r->delayed;
		r->delayed = t->next;
		t->next = r->transfers; /* not in libcurl's hands: removing it is a no-op */
		r->transfers = t;
	}
	while (r->transfers != NULL) {
		struct transfer *t = r->transfers;
		r->transfers = t->next;
		curl_multi_remove_handle(r->multi, t->easy);
		if (record_resends(t) != CK_OK)
			r->failed = CK_E_STORE;
		struct ck_attempt_rec a = {.kind = kinds[t->type],
		                           .started_ms = t->started_ms,
		                           .duration_ms = mono_ms() - t->started_mono,
		                           .error_class = "ABORTED",
		                           .detail = "the run ended before the answer"};
		struct ck_query_result res = {.state = CK_Q_RETRY,
		                              .reason = "ABORTED",
		                              .ticket = t->ticket,
		                              .due_at = now_s(r),
		                              .aborted = 1};
		if (ck_store_finish(r->st, t->query_id, &a, NULL, &res, now_s(r), 0, r->err) !=
		    CK_OK)
			r->failed = CK_E_STORE;
		free_transfer(t);
		n++;
	}
	if (n > 0)
		ck_logf(r->opts->log, CK_LOG_INFO, NULL,
		        "%d queries still in flight at the end of the run: left to retry at once "
		        "in the next run",
		        n);
}

static void
log_summary(const struct run *r)
{
	const struct ck_run_stats *s = r->stats;
	ck_logf(r->opts->log, CK_LOG_INFO, NULL,
	        "run finished in %lld s: %d planned, %d requests sent, %d answered (%d found, "
	        "%d not found, %d subject mismatch), %d failed, %d waiting for answers, %d to "
	        "retry later, %d institutions stopped",
	        (long long)((mono_ms() - r->start_mono) / 1000), s->planned, s->sent, s->answered,
	        s->found, s->not_found, s->mismatch, s->failed, s->waiting, s->retry_later,
	        s->stopped_institutions);
}

static int
setup(struct run *r, const struct ck_clock *clock, struct ck_plan_stats *ps)
{
	r->start_s = ck_clock_now(clock);
	r->start_mono = mono_ms();
	r->n_insts = 0;
	int made = ck_xml_parser_new(&r->xml, r->err);
	if (made != CK_OK)
		return made;
	r->insts = calloc(r->cfg->n_insts ? r->cfg->n_insts : 1, sizeof *r->insts);
	struct ck_institution_rec *recs =
	    calloc(r->cfg->n_insts ? r->cfg->n_insts : 1, sizeof *recs);
	if (r->insts == NULL || recs == NULL) {
		free(recs);
		return ck_fail(r->err, CK_E_NOMEM, "out of memory starting the run");
	}
	size_t n = 0;
	for (size_t i = 0; i < r->cfg->n_insts; i++) {
		const struct ck_inst_config *c = &r->cfg->insts[i];
		if (!c->enabled)
			continue;
		const struct ck_adapter *a = ck_adapter_for(c->kind);
		recs[n] = (struct ck_institution_rec){
		    c->id,       ck_kind_name(c->kind), c->name,
		    c->district, c->base_url,           (a->caps & CK_CAP_PERSONS_ONLY) != 0};
		r->insts[n] = (struct inst_rt){.cfg = c, .adapter = a, .last_refill_ms = mono_ms()};
		refill(&r->insts[n], mono_ms());
		r->insts[n].tokens =
		    r->insts[n].tokens > TOKEN_COST ? r->insts[n].tokens : TOKEN_COST;
		n++;
	}
	r->n_insts = n;
	for (size_t i = 0; i < n; i++)
		r->cap_idle_easy += r->insts[i].cfg->max_in_flight;
	r->idle_easy = calloc(r->cap_idle_easy ? r->cap_idle_easy : 1, sizeof *r->idle_easy);
	if (r->idle_easy == NULL)
		r->cap_idle_easy = 0; /* no reuse: each transfer makes its own handle */
	int recovered = 0;
	int rc = ck_store_lock_runs(r->st, r->err);
	if (rc == CK_OK)
		rc = ck_store_sync_institutions(r->st, recs, n, r->start_s, r->err);
	free(recs);
	/* Holding the run lock, every query in flight is a killed run's. */
	if (rc == CK_OK)
		rc = ck_store_recover_leases(r->st, r->start_s, 1, &recovered, r->err);
	if (rc == CK_OK)
		rc = ck_store_plan(r->st, r->start_s, ps, r->err);
	if (rc == CK_OK && recovered > 0)
		ck_logf(r->opts->log, CK_LOG_WARN, NULL,
		        "%d queries were in flight when an earlier run stopped: sending "
		        "them again under the same RequestIds",
		        recovered);
	if (rc == CK_OK)
		ck_logf(r->opts->log, CK_LOG_INFO, NULL,
		        "run started: %zu institutions enabled, %d new queries planned", n,
		        ps->queries_planned);
	r->multi = curl_multi_init();
	if (rc == CK_OK && r->multi == NULL)
		rc = ck_fail(r->err, CK_E_NOMEM, "libcurl could not start");
	return rc;
}

int
ck_sched_run(struct ck_store *st, const struct ck_config *cfg, struct ck_xsd_set *xsd,
             const struct ck_clock *clock, const struct ck_sched_opts *opts,
             struct ck_run_stats *stats, char *err)
{
	*stats = (struct ck_run_stats){0};
	struct run r = {.st = st,
	                .cfg = cfg,
	                .xsd = xsd,
	                .opts = opts,
	                .stats = stats,
	                .rng = opts->seed ^ 0x5eed,
	                .err = err};
	struct ck_plan_stats ps = {0};
	int rc = setup(&r, clock, &ps);
	stats->planned = ps.queries_planned;
	int64_t last_progress = mono_ms();
	int64_t end_mono =
	    opts->max_time_s > 0 ? r.start_mono + opts->max_time_s * 1000 : INT64_MAX;
	while (rc == CK_OK && !r.failed) {
		/* Past the time limit, what has finished is still stored; then
		 * what is in flight is abandoned below, to be sent again next run. */
		int over = mono_ms() >= end_mono;
		int64_t wait_ms = 100;
		if (turn(&r, over, &wait_ms) != CK_OK)
			break;
		if (over) {
			stats->max_time_reached = 1;
			ck_logf(
			    opts->log, CK_LOG_INFO, NULL,
			    "time limit of %lld s reached: the run stops; what is left goes to the "
			    "next run",
			    (long long)opts->max_time_s);
			break;
		}
		if (r.transfers == NULL && r.delayed == NULL && !worth_waiting(&r, &wait_ms))
			break;
		if (wait_ms > end_mono - mono_ms())
			wait_ms = end_mono - mono_ms() > 0 ? end_mono - mono_ms() : 0;
		int running;
		curl_multi_poll(r.multi, NULL, 0, (int)wait_ms, NULL);
		curl_multi_perform(r.multi, &running);
		if (opts->progress != NULL && mono_ms() - last_progress >= 500) {
			/* The caller may read the store (run writes the reports of
			 * cases just completed): what it reads is committed. */
			if (group_commit(&r) != CK_OK)
				break;
			int n = 0;
			for (struct transfer *t = r.transfers; t != NULL; t = t->next)
				n++;
			stats->in_flight = n;
			opts->progress(opts->ctx, stats);
			last_progress = mono_ms();
		}
	}
	group_commit(&r);
	abandon_in_flight(&r);
	if (rc == CK_OK && r.failed)
		rc = r.failed;
	int counts[CK_Q_STATE_COUNT_];
	if (rc == CK_OK && ck_store_count_states(st, counts, err) == CK_OK) {
		stats->waiting = counts[CK_Q_WAITING];
		stats->retry_later = counts[CK_Q_RETRY] + counts[CK_Q_PLANNED];
	}
	stats->in_flight = 0;
	if (rc == CK_OK)
		log_summary(&r);
	while (r.n_idle_easy > 0)
		curl_easy_cleanup(r.idle_easy[--r.n_idle_easy]);
	free(r.idle_easy);
	if (r.multi != NULL)
		curl_multi_cleanup(r.multi);
	free(r.insts);
	ck_xml_parser_free(r.xml);
	return rc;
}
