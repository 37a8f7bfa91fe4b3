/* SPDX-License-Identifier: MIT */
/*
 * test_sim_server.c: the simulator's HTTP side (server.c, sim_main.c).
 *
 * Starts servers in-process on 127.0.0.1 with an ephemeral port and talks
 * to them with libcurl as a plain client: idempotency and counting, every
 * fault class, "first N attempts fail", latency, the clock, body limits,
 * TLS and mutual TLS (certificates made at run time with the openssl
 * program), and the chakong-sim program itself (help, usage errors,
 * serve with --port-file until SIGTERM).  Every server is stopped by the
 * test that started it; every request has a timeout.
 */
#define _XOPEN_SOURCE 700 /* strncasecmp(), and kill() with the POSIX base */
#include "testutil.h"

#include "server.h"
#include "sim.h"

#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- Helpers ------------------------------------------------------------------ */

struct fixture {
	struct sim_world *world;
	struct sim_server *server;
	char base[64];
};

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void
make_world(struct fixture *f)
{
	char err[CK_ERR_SIZE] = "";
	memset(f, 0, sizeof *f);
	if (sim_world_new(7, 60, &f->world, err) != CK_OK)
		fail_msg("sim_world_new: %s", err);
}

/* Applies the assignments (NULL-terminated) and starts a plain server. */
static void
start_opts(struct fixture *f, const char *const *sets, const struct sim_server_opts *opts)
{
	char err[CK_ERR_SIZE] = "";
	for (size_t i = 0; sets != NULL && sets[i] != NULL; i++)
		if (sim_behaviour_set(f->world, sets[i], err) != CK_OK)
			fail_msg("%s: %s", sets[i], err);
	if (sim_server_start(f->world, opts, &f->server, err) != CK_OK)
		fail_msg("sim_server_start: %s", err);
	snprintf(f->base, sizeof f->base, "%s://127.0.0.1:%u",
	         sim_server_tls(f->server) ? "https" : "http",
	         (unsigned)sim_server_port(f->server));
}

static void
start(struct fixture *f, const char *const *sets)
{
	struct sim_server_opts opts = {0};
	make_world(f);
	start_opts(f, sets, &opts);
}

static void
finish(struct fixture *f)
{
	sim_server_stop(f->server);
	sim_world_free(f->world);
	memset(f, 0, sizeof *f);
}

static const struct sim_instance *
instance_of(const struct fixture *f, enum sim_kind kind)
{
	for (size_t i = 0; i < f->world->n_instances; i++)
		if (f->world->instances[i].kind == kind)
			return &f->world->instances[i];
	fail_msg("the world has no instance of kind %s", sim_kind_name(kind));
	return NULL;
}

/* A natural person of the population (socialsec answers only those). */
static const struct sim_subject *
person(const struct fixture *f, size_t nth)
{
	for (size_t i = 0; i < f->world->n_subjects; i++)
		if (f->world->subjects[i].kind == CK_SUBJECT_PERSON && nth-- == 0)
			return &f->world->subjects[i];
	fail_msg("not enough persons in the population");
	return NULL;
}

static char *
bank_request(const char *rid, const struct sim_subject *s)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b,
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<Document xmlns=\"urn:chakong:bank:1\"><InfReq><ReqId>%s</ReqId>"
	              "<CreDtTm>2024-03-05T01:00:00+08:00</CreDtTm>"
	              "<Authrty><Nm>泰兴市人民法院</Nm><Id>苏1283</Id></Authrty>"
	              "<LglBsis><CaseNo>(2024)苏1283执1234号</CaseNo><Offcr>李四</Offcr></LglBsis>"
	              "<Pty><Nm>",
	              rid);
	ck_buf_xml(&b, s->name);
	ck_buf_printf(&b,
	              "</Nm><Id><Tp>%s</Tp><Val>%s</Val></Id></Pty><Scp>ACCT</Scp><Scp>WLTH</Scp>"
	              "</InfReq></Document>\n",
	              s->kind == CK_SUBJECT_ORG ? "USCC" : "RIC", s->id_no);
	assert_false(b.failed);
	return b.data;
}

static char *
socialsec_request(const char *rid, const struct sim_subject *s)
{
	struct ck_buf b = {0};
	ck_buf_printf(&b,
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<Inquiry xmlns=\"urn:chakong:si:1\"><RequestId>%s</RequestId>"
	              "<Court code=\"苏1283\">泰兴市人民法院</Court>"
	              "<CaseNo>(2024)苏1283执1234号</CaseNo><Officer>李四</Officer>"
	              "<Person><Name>",
	              rid);
	ck_buf_xml(&b, s->name);
	ck_buf_printf(&b, "</Name><IdNo>%s</IdNo></Person></Inquiry>\n", s->id_no);
	assert_false(b.failed);
	return b.data;
}

struct reply {
	CURLcode rc;
	long status;
	char retry_after[32];
	struct ck_buf body;
	int64_t ms;
};

struct tls_client {
	const char *ca, *cert, *key;
};

static size_t
on_body(char *data, size_t size, size_t n, void *cls)
{
	ck_buf_add(&((struct reply *)cls)->body, data, size * n);
	return size * n;
}

static size_t
on_header(char *data, size_t size, size_t n, void *cls)
{
	struct reply *r = cls;
	size_t len = size * n;
	if (len > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
		size_t k = 0;
		for (size_t i = 12; i < len && k + 1 < sizeof r->retry_after; i++)
			if (data[i] != ' ' && data[i] != '\r' && data[i] != '\n')
				r->retry_after[k++] = data[i];
		r->retry_after[k] = '\0';
	}
	return len;
}

/* One request; body NULL means GET (or method when given). */
static void
request_tls(const char *url, const char *method, const char *rid, const char *body, long timeout_ms,
            const struct tls_client *tls, struct reply *r)
{
	memset(r, 0, sizeof *r);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	struct curl_slist *h = NULL;
	char line[128];
	if (rid != NULL) {
		snprintf(line, sizeof line, "X-Request-Id: %s", rid);
		h = curl_slist_append(h, line);
	}
	h = curl_slist_append(h, "Content-Type: application/xml; charset=utf-8");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (method != NULL)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (tls != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, tls->ca);
		if (tls->cert != NULL) {
			curl_easy_setopt(c, CURLOPT_SSLCERT, tls->cert);
			curl_easy_setopt(c, CURLOPT_SSLKEY, tls->key);
		}
	}
	int64_t t0 = mono_ms();
	r->rc = curl_easy_perform(c);
	r->ms = mono_ms() - t0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (r->body.data == NULL)
		ck_buf_add(&r->body, "", 0);
	assert_false(r->body.failed);
}

static void
request(const char *url, const char *method, const char *rid, const char *body, long timeout_ms,
        struct reply *r)
{
	request_tls(url, method, rid, body, timeout_ms, NULL, r);
}

/* POSTs a bank request about the nth person to the first bank. */
static void
bank_post(const struct fixture *f, const char *rid, size_t nth, long timeout_ms, struct reply *r)
{
	char url[160];
	snprintf(url, sizeof url, "%s/%s/fi/inquiry", f->base, instance_of(f, SIM_BANK)->id);
	char *body = bank_request(rid, person(f, nth));
	request(url, NULL, rid, body, timeout_ms, r);
	free(body);
}

static char *
get_stats(const struct fixture *f)
{
	char url[160];
	struct reply r;
	snprintf(url, sizeof url, "%s/_stats", f->base);
	request(url, NULL, NULL, NULL, 5000, &r);
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	return r.body.data;
}

/* The number after "key": inside the stats object of instance id, or
 * inside its sub-object `sub` ("by_status", "faults_injected") when given;
 * -1 when absent. */
static long long
stat_of(const char *json, const char *id, const char *sub, const char *key)
{
	char pat[96];
	snprintf(pat, sizeof pat, "\"%s\":{\"kind\"", id);
	const char *p = strstr(json, pat);
	assert_non_null(p);
	const char *end = strstr(p, "}}");
	assert_non_null(end);
	if (sub != NULL) {
		snprintf(pat, sizeof pat, "\"%s\":{", sub);
		p = strstr(p, pat);
		assert_true(p != NULL && p < end);
		end = strchr(p, '}');
	}
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *k = strstr(p, pat);
	if (k == NULL || k > end)
		return -1;
	return strtoll(k + strlen(pat), NULL, 10);
}

static void
reply_free(struct reply *r)
{
	ck_buf_release(&r->body);
}

/* ---- Idempotency and counting ---------------------------------------------------- */

static void
test_idempotent_repeat(void **state)
{
	(void)state;
	struct fixture f;
	start(&f, NULL);
	const char *bank = instance_of(&f, SIM_BANK)->id;
	const struct sim_subject *s = person(&f, 0);
	struct reply a, b, c;
	bank_post(&f, "q-000001-bank-r0", 0, 5000, &a);
	bank_post(&f, "q-000001-bank-r0", 0, 5000, &b);
	bank_post(&f, "q-000002-bank-r0", 1, 5000, &c);
	assert_int_equal(a.rc, CURLE_OK);
	assert_int_equal(a.status, 200);
	assert_int_equal(b.status, 200);
	assert_string_equal(a.body.data, b.body.data);
	assert_non_null(strstr(a.body.data, "q-000001-bank-r0"));
	assert_non_null(strstr(a.body.data, s->id_no));
	assert_int_equal(c.status, 200);

	char *json = get_stats(&f);
	assert_int_equal(stat_of(json, bank, NULL, "requests"), 3);
	assert_int_equal(stat_of(json, bank, NULL, "distinct_request_ids"), 2);
	assert_int_equal(stat_of(json, bank, NULL, "repeats"), 1);
	assert_int_equal(stat_of(json, bank, "by_status", "200"), 3);
	assert_int_equal(stat_of(json, bank, "faults_injected", "500"), 0);
	free(json);

	/* reset: counters go, the registry stays */
	char url[160];
	struct reply r;
	snprintf(url, sizeof url, "%s/_reset_stats", f.base);
	request(url, "POST", NULL, "", 5000, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	bank_post(&f, "q-000001-bank-r0", 0, 5000, &r);
	assert_string_equal(r.body.data, a.body.data);
	reply_free(&r);
	json = get_stats(&f);
	assert_int_equal(stat_of(json, bank, NULL, "requests"), 1);
	assert_int_equal(stat_of(json, bank, NULL, "repeats"), 1);
	assert_int_equal(stat_of(json, bank, NULL, "distinct_request_ids"), 2);
	free(json);
	/* the same RequestId with another officer: answered from the first
	 * request, counted as a discrepancy; with another subject: 409 */
	char url2[160];
	snprintf(url2, sizeof url2, "%s/%s/fi/inquiry", f.base, bank);
	char *body = bank_request("q-000001-bank-r0", s);
	char *officer = strstr(body, "<Offcr>李四</Offcr>");
	assert_non_null(officer);
	memcpy(officer + strlen("<Offcr>"), "王五", strlen("王五"));
	request(url2, NULL, "q-000001-bank-r0", body, 5000, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.data, a.body.data);
	reply_free(&r);
	free(body);
	body = bank_request("q-000001-bank-r0", person(&f, 3));
	request(url2, NULL, "q-000001-bank-r0", body, 5000, &r);
	assert_int_equal(r.status, 409);
	reply_free(&r);
	free(body);
	json = get_stats(&f);
	assert_int_equal(stat_of(json, bank, NULL, "discrepancies"), 1);
	assert_int_equal(stat_of(json, bank, "by_status", "409"), 1);
	assert_int_equal(stat_of(json, bank, NULL, "distinct_request_ids"), 2);
	free(json);

	reply_free(&a);
	reply_free(&b);
	reply_free(&c);
	finish(&f);
}

struct worker {
	const struct fixture *f;
	int from, n;
	int ok;
};

static void *
worker_run(void *cls)
{
	struct worker *w = cls;
	char url[160], rid[32];
	snprintf(url, sizeof url, "%s/%s/fi/inquiry", w->f->base, instance_of(w->f, SIM_BANK)->id);
	CURL *c = curl_easy_init();
	struct ck_buf sink = {0};
	for (int i = w->from; c != NULL && i < w->from + w->n; i++) {
		snprintf(rid, sizeof rid, "q-%06d-bank-r0", i);
		char *body = bank_request(rid, person(w->f, (size_t)i % 10));
		struct curl_slist *h = NULL;
		char line[64];
		snprintf(line, sizeof line, "X-Request-Id: %s", rid);
		h = curl_slist_append(h, line);
		h = curl_slist_append(h, "Content-Type: application/xml");
		for (int rep = 0; rep < 2; rep++) {
			long status = 0;
			curl_easy_setopt(c, CURLOPT_URL, url);
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
			struct reply r = {0};
			curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
			curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
			curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
			if (curl_easy_perform(c) == CURLE_OK &&
			    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
			    status == 200)
				w->ok++;
			ck_buf_release(&r.body);
		}
		curl_slist_free_all(h);
		free(body);
	}
	ck_buf_release(&sink);
	curl_easy_cleanup(c);
	return NULL;
}

static void
test_concurrent_counting(void **state)
{
	(void)state;
	struct fixture f;
	start(&f, NULL);
	struct worker w[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.f = &f, .from = i * 40, .n = 40};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].ok, 80);
	}
	const char *bank = instance_of(&f, SIM_BANK)->id;
	char *json = get_stats(&f);
	assert_int_equal(stat_of(json, bank, NULL, "requests"), 320);
	assert_int_equal(stat_of(json, bank, NULL, "distinct_request_ids"), 160);
	assert_int_equal(stat_of(json, bank, NULL, "repeats"), 160);
	free(json);
	finish(&f);
}

/* ---- Faults -------------------------------------------------------------------- */

/* Starts a server whose banks all answer with `fault`, posts once. */
static void
fault_once(const char *fault, long timeout_ms, struct fixture *f, struct reply *r)
{
	char set[64];
	snprintf(set, sizeof set, "*.fault.%s=1", fault);
	const char *sets[] = {set, NULL};
	start(f, sets);
	bank_post(f, "q-000009-bank-r0", 0, timeout_ms, r);
}

static void
expect_fault_counted(struct fixture *f, const char *fault)
{
	char *json = get_stats(f);
	assert_int_equal(stat_of(json, instance_of(f, SIM_BANK)->id, "faults_injected", fault), 1);
	assert_int_equal(stat_of(json, instance_of(f, SIM_BANK)->id, NULL, "distinct_request_ids"),
	                 1);
	free(json);
}

static void
test_fault_statuses(void **state)
{
	(void)state;
	static const struct {
		const char *fault;
		long status;
		int retry_after;
	} cases[] = {{"500", 500, 0}, {"503", 503, 1}, {"429", 429, 1}, {"401", 401, 0}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fixture f;
		struct reply r;
		fault_once(cases[i].fault, 5000, &f, &r);
		assert_int_equal(r.rc, CURLE_OK);
		assert_int_equal(r.status, cases[i].status);
		if (cases[i].retry_after) {
			char want[16];
			snprintf(want, sizeof want, "%u",
			         instance_of(&f, SIM_BANK)->behaviour.retry_after_s);
			assert_string_equal(r.retry_after, want);
		} else {
			assert_string_equal(r.retry_after, "");
		}
		assert_non_null(strstr(r.body.data, "<Error"));
		expect_fault_counted(&f, cases[i].fault);
		reply_free(&r);
		finish(&f);
	}
}

/* The vehicle kind's faults: a SOAP fault with 500, no SOAP body otherwise. */
static void
test_fault_vehicle_style(void **state)
{
	(void)state;
	struct fixture f;
	const char *sets[] = {"*.fault.500.first=1", "*.fault.503.first=2", NULL};
	start(&f, sets);
	char url[160];
	struct reply r;
	snprintf(url, sizeof url, "%s/%s/trff/services/VehicleQuery", f.base,
	         instance_of(&f, SIM_VEHICLE)->id);
	request(url, NULL, "q-000011-veh-r0", "<x/>", 5000, &r);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body.data, "<faultcode>soap:Server</faultcode>"));
	reply_free(&r);
	request(url, NULL, "q-000011-veh-r0", "<x/>", 5000, &r);
	assert_int_equal(r.status, 503);
	assert_null(strstr(r.body.data, "Envelope"));
	assert_string_equal(r.retry_after, "1");
	reply_free(&r);
	/* the third attempt reaches the kind, which refuses this body */
	request(url, NULL, "q-000011-veh-r0", "<x/>", 5000, &r);
	assert_true(r.status == 400 || r.status == 500 || r.status == 415);
	assert_non_null(strstr(r.body.data, "soap:Client"));
	reply_free(&r);
	finish(&f);
}

static void
test_fault_transport(void **state)
{
	(void)state;
	struct fixture f;
	struct reply r;

	fault_once("reset", 5000, &f, &r);
	assert_int_not_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.body.len, 0);
	expect_fault_counted(&f, "reset");
	reply_free(&r);
	finish(&f);

	fault_once("stall", 1000, &f, &r);
	assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(r.status, 200);
	assert_true(r.body.len < 16);
	expect_fault_counted(&f, "stall");
	reply_free(&r);
	finish(&f);

	fault_once("truncated", 5000, &f, &r);
	assert_int_equal(r.rc, CURLE_PARTIAL_FILE);
	expect_fault_counted(&f, "truncated");
	reply_free(&r);
	finish(&f);
}

static void
test_fault_bodies(void **state)
{
	(void)state;
	static const struct {
		const char *fault;
		int code; /* what the engine's hardened parser says */
		const char *needle;
	} cases[] = {{"malformed", CK_E_XML, "<Unclosed>"},
	             {"doctype", CK_E_HOSTILE, "SYSTEM \"file:///etc/passwd\""},
	             {"bomb", CK_E_HOSTILE, "&lol9;"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fixture f;
		struct reply r;
		xmlDoc *doc = NULL;
		fault_once(cases[i].fault, 5000, &f, &r);
		assert_int_equal(r.rc, CURLE_OK);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body.data, cases[i].needle));
		assert_non_null(strstr(r.body.data, "q-000009-bank-r0"));
		assert_int_equal(ck_xml_parse(r.body.data, r.body.len, NULL, &doc, NULL),
		                 cases[i].code);
		expect_fault_counted(&f, cases[i].fault);
		reply_free(&r);
		finish(&f);
	}

	struct fixture f;
	struct reply r;
	xmlDoc *doc = NULL;
	fault_once("oversized", 10000, &f, &r);
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_true(r.body.len > SIM_OVERSIZED_LIMIT);
	assert_true(r.body.len < SIM_OVERSIZED_LIMIT + 65536);
	assert_int_equal(ck_xml_parse(r.body.data, r.body.len, NULL, &doc, NULL), CK_E_TOOBIG);
	struct ck_xml_limits big = {.max_bytes = 2 * SIM_OVERSIZED_LIMIT};
	char err[CK_ERR_SIZE] = "";
	if (ck_xml_parse(r.body.data, r.body.len, &big, &doc, err) != CK_OK)
		fail_msg("oversized body is not well-formed: %s", err);
	xmlFreeDoc(doc);
	expect_fault_counted(&f, "oversized");
	reply_free(&r);
	finish(&f);
}

static void
test_fault_wrong_subject(void **state)
{
	(void)state;
	struct fixture f;
	struct reply r;
	fault_once("wrong_subject", 5000, &f, &r);
	const struct sim_subject *asked = person(&f, 0);
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body.data, asked->id_no));
	/* it echoes the identifier of someone else of the population */
	int other = 0;
	for (size_t i = 0; i < f.world->n_subjects; i++)
		if (&f.world->subjects[i] != asked &&
		    strstr(r.body.data, f.world->subjects[i].id_no))
			other = 1;
	assert_true(other);
	expect_fault_counted(&f, "wrong_subject");
	reply_free(&r);
	finish(&f);
}

static void
test_fault_first_attempts(void **state)
{
	(void)state;
	struct fixture f;
	const char *sets[] = {"*.fault.500.first=2", NULL};
	start(&f, sets);
	struct reply r;
	long want[] = {500, 500, 200, 200};
	for (size_t i = 0; i < 4; i++) {
		bank_post(&f, "q-000003-bank-r0", 0, 5000, &r);
		assert_int_equal(r.status, want[i]);
		reply_free(&r);
	}
	/* another RequestId starts over */
	bank_post(&f, "q-000004-bank-r0", 1, 5000, &r);
	assert_int_equal(r.status, 500);
	reply_free(&r);
	char *json = get_stats(&f);
	const char *bank = instance_of(&f, SIM_BANK)->id;
	assert_int_equal(stat_of(json, bank, "faults_injected", "500"), 3);
	assert_int_equal(stat_of(json, bank, "by_status", "500"), 3);
	assert_int_equal(stat_of(json, bank, "by_status", "200"), 2);
	assert_int_equal(stat_of(json, bank, NULL, "distinct_request_ids"), 2);
	assert_int_equal(stat_of(json, bank, NULL, "repeats"), 3);
	free(json);
	finish(&f);
}

static void
test_fault_choice_deterministic(void **state)
{
	(void)state;
	struct sim_instance inst;
	memset(&inst, 0, sizeof inst);
	snprintf(inst.id, sizeof inst.id, "icbc");
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_behaviour_apply(&inst.behaviour, "fault.503", "0.3", err), CK_OK);
	assert_int_equal(sim_behaviour_apply(&inst.behaviour, "fault.reset", "0.1", err), CK_OK);
	int n503 = 0, nreset = 0, differs = 0;
	for (int i = 0; i < 2000; i++) {
		char rid[32];
		snprintf(rid, sizeof rid, "q-%06d", i);
		int a = sim_fault_choose(1, &inst, rid, 1);
		assert_int_equal(a, sim_fault_choose(1, &inst, rid, 1));
		if (a != sim_fault_choose(1, &inst, rid, 2) ||
		    a != sim_fault_choose(2, &inst, rid, 1))
			differs++;
		n503 += a == SIM_FAULT_503;
		nreset += a == SIM_FAULT_RESET;
		assert_true(a == -1 || a == SIM_FAULT_503 || a == SIM_FAULT_RESET);
	}
	assert_in_range(n503, 500, 700);
	assert_in_range(nreset, 130, 270);
	assert_true(differs > 100);

	/* first-N rules come before rates, in class order */
	assert_int_equal(sim_behaviour_apply(&inst.behaviour, "fault.429.first", "1", err), CK_OK);
	assert_int_equal(sim_fault_choose(1, &inst, "x", 1), SIM_FAULT_429);

	/* the same through a server: a rate of 0.5 gives the same sequence twice */
	char seq[2][41];
	for (int run = 0; run < 2; run++) {
		struct fixture f;
		const char *sets[] = {"*.fault.503=0.5", NULL};
		start(&f, sets);
		for (int i = 0; i < 40; i++) {
			char rid[32];
			struct reply r;
			snprintf(rid, sizeof rid, "q-%06d-bank-r0", i);
			bank_post(&f, rid, 0, 5000, &r);
			seq[run][i] = r.status == 503 ? 'F' : r.status == 200 ? '.' : '?';
			reply_free(&r);
		}
		seq[run][40] = '\0';
		finish(&f);
	}
	assert_string_equal(seq[0], seq[1]);
	assert_null(strchr(seq[0], '?'));
	assert_in_range(ck_test_count(seq[0], "F"), 8, 32);
}

/* ---- Latency ---------------------------------------------------------------------- */

static void
test_latency(void **state)
{
	(void)state;
	struct sim_instance inst;
	memset(&inst, 0, sizeof inst);
	snprintf(inst.id, sizeof inst.id, "x");
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_behaviour_apply(&inst.behaviour, "latency", "uniform:10-20", err),
	                 CK_OK);
	int spread = 0;
	for (uint32_t a = 1; a <= 200; a++) {
		unsigned ms = sim_latency_choose(3, &inst, "q-1", a);
		assert_in_range(ms, 10, 20);
		assert_int_equal(ms, sim_latency_choose(3, &inst, "q-1", a));
		spread |= 1 << (ms - 10);
	}
	assert_int_equal(spread, (1 << 11) - 1);
	assert_int_equal(sim_behaviour_apply(&inst.behaviour, "latency", "lognormal:100:0.5", err),
	                 CK_OK);
	int below = 0;
	for (uint32_t a = 1; a <= 1000; a++) {
		unsigned ms = sim_latency_choose(3, &inst, "q-2", a);
		assert_true(ms <= SIM_LATENCY_CAP_MS);
		below += ms < 100;
	}
	assert_in_range(below, 430, 570); /* the median is 100 ms */

	struct fixture f;
	const char *sets[] = {"*.latency=fixed:250", NULL};
	start(&f, sets);
	struct reply r;
	bank_post(&f, "q-000005-bank-r0", 0, 5000, &r);
	assert_int_equal(r.status, 200);
	assert_true(r.ms >= 250);
	reply_free(&r);
	finish(&f);
}

/* ---- Knobs ------------------------------------------------------------------------- */

static void
expect_set_error(struct sim_world *world, const char *text, const char *mention)
{
	char err[CK_ERR_SIZE] = "";
	int rc = sim_behaviour_set(world, text, err);
	if (rc == CK_OK)
		fail_msg("\"%s\" was accepted", text);
	if (strstr(err, mention) == NULL)
		fail_msg("\"%s\": message \"%s\" does not mention \"%s\"", text, err, mention);
}

static void
test_set_parsing(void **state)
{
	(void)state;
	struct fixture f;
	make_world(&f);
	const char *bank = instance_of(&f, SIM_BANK)->id;
	char text[128], err[CK_ERR_SIZE] = "";
	struct {
		const char *assign;
		const char *mention;
	} bad[] = {
	    {"latency=fixed:5", "INSTANCE.KEY=VALUE"},
	    {".latency", "INSTANCE.KEY=VALUE"},
	    {"nosuch.page_size=3", "nosuch"},
	    {".bogus=1", "bogus"},
	    {".latency=fixed:x", "fixed:x"},
	    {".latency=uniform:20-10", "uniform:20-10"},
	    {".latency=lognormal:100", "lognormal:100"},
	    {".latency=lognormal:100:0.123", "lognormal:100:0.123"},
	    {".latency=sometimes", "sometimes"},
	    {".page_size=0", "page_size"},
	    {".page_size=12x", "12x"},
	    {".retry_after=-1", "-1"},
	    {".async_delay=", "async_delay"},
	    {".fault.999=0.1", "999"},
	    {".fault.500=1.5", "1.5"},
	    {".fault.500=0.12345", "0.12345"},
	    {".fault.500=abc", "abc"},
	    {".fault.500.last=2", "fault.500.last"},
	    {".fault.500.first=two", "two"},
	    {"*.poll_after=1e3", "1e3"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		/* ".KEY=VALUE" entries are about the first bank */
		snprintf(text, sizeof text, "%s%s", bad[i].assign[0] == '.' ? bank : "",
		         bad[i].assign);
		expect_set_error(f.world, text, bad[i].mention);
	}

	snprintf(text, sizeof text, "%s.latency=uniform:5-20", bank);
	assert_int_equal(sim_behaviour_set(f.world, text, err), CK_OK);
	const struct sim_behaviour *b = &instance_of(&f, SIM_BANK)->behaviour;
	assert_int_equal(b->latency, SIM_LAT_UNIFORM);
	assert_int_equal(b->latency_min_ms, 5);
	assert_int_equal(b->latency_ms, 20);
	snprintf(text, sizeof text, "%s.latency=lognormal:80:0.75", bank);
	assert_int_equal(sim_behaviour_set(f.world, text, err), CK_OK);
	assert_int_equal(b->latency, SIM_LAT_LOGNORMAL);
	assert_int_equal(b->latency_sigma_x100, 75);
	assert_int_equal(sim_behaviour_set(f.world, "*.retry_after=7", err), CK_OK);
	assert_int_equal(sim_behaviour_set(f.world, "*.fault.truncated.first=3", err), CK_OK);
	assert_int_equal(sim_behaviour_set(f.world, "*.fault.wrong_subject=0.25", err), CK_OK);
	for (size_t i = 0; i < f.world->n_instances; i++) {
		const struct sim_behaviour *x = &f.world->instances[i].behaviour;
		assert_int_equal(x->retry_after_s, 7);
		assert_int_equal(x->fault_first[SIM_FAULT_TRUNCATED], 3);
		assert_int_equal(x->fault_permille[SIM_FAULT_WRONG_SUBJECT], 250);
	}
	snprintf(text, sizeof text, "%s.fault.500=1", bank);
	assert_int_equal(sim_behaviour_set(f.world, text, err), CK_OK);
	assert_int_equal(b->fault_permille[SIM_FAULT_500], 1000);
	/* rates adding up to more than 1 pass alone but not together */
	assert_int_equal(sim_behaviour_check(f.world, err), CK_E_INVALID);
	assert_non_null(strstr(err, bank));
	struct sim_server *server = NULL;
	struct sim_server_opts opts = {0};
	assert_int_equal(sim_server_start(f.world, &opts, &server, NULL), CK_E_INVALID);
	assert_null(server);

	/* a behaviour file */
	char *dir = ck_test_tmpdir();
	char *path = ck_test_path(dir, "knobs");
	snprintf(text, sizeof text,
	         "# knobs for a test\n\n  %s.page_size = 5\n*.fault.500=0   # off again\n", bank);
	ck_test_write_file(path, text, strlen(text));
	err[0] = '\0';
	/* "page_size = 5" has blanks around "=": refused, with file and line */
	assert_int_not_equal(sim_behaviour_load(f.world, path, err), CK_OK);
	assert_non_null(strstr(err, ":3: "));
	snprintf(text, sizeof text,
	         "# knobs for a test\n\n  %s.page_size=5\n*.fault.500=0   # off again\n", bank);
	ck_test_write_file(path, text, strlen(text));
	err[0] = '\0';
	if (sim_behaviour_load(f.world, path, err) != CK_OK)
		fail_msg("%s", err);
	assert_int_equal(b->page_size, 5);
	assert_int_equal(b->fault_permille[SIM_FAULT_500], 0);
	assert_int_equal(sim_behaviour_check(f.world, err), CK_OK);
	ck_test_write_file(path, "*.fault.stall=0.2\nnosuch.latency=none\n", 38);
	err[0] = '\0';
	assert_int_equal(sim_behaviour_load(f.world, path, err), CK_E_USAGE);
	assert_non_null(strstr(err, ":2: "));
	assert_non_null(strstr(err, "nosuch"));
	char *missing = ck_test_path(dir, "missing");
	err[0] = '\0';
	assert_int_equal(sim_behaviour_load(f.world, missing, err), CK_E_IO);
	free(missing);
	free(path);
	ck_test_rmtree(dir);
	free(dir);

	/* --now */
	int64_t off = 0;
	assert_int_equal(sim_clock_offset("2024-03-05T09:30:00+08:00", &off, err), CK_OK);
	assert_true(off < 0);
	err[0] = '\0';
	assert_int_equal(sim_clock_offset("yesterday", &off, err), CK_E_INVALID);
	assert_non_null(strstr(err, "yesterday"));
	sim_world_free(f.world);
}

/* ---- Routing, limits, the clock ------------------------------------------------------ */

static void
test_routing_and_limits(void **state)
{
	(void)state;
	struct fixture f;
	start(&f, NULL);
	char url[200];
	struct reply r;
	snprintf(url, sizeof url, "%s/nosuch/fi/inquiry", f.base);
	request(url, NULL, "q-1", "<x/>", 5000, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	snprintf(url, sizeof url, "%s/", f.base);
	request(url, NULL, NULL, NULL, 5000, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	snprintf(url, sizeof url, "%s/_stats", f.base);
	request(url, "POST", NULL, "", 5000, &r);
	assert_int_equal(r.status, 405);
	reply_free(&r);
	snprintf(url, sizeof url, "%s/_clock?advance=soon", f.base);
	request(url, "POST", NULL, "", 5000, &r);
	assert_int_equal(r.status, 400);
	reply_free(&r);

	/* a body over the limit: 413, and the connection stays usable */
	size_t big = SIM_SERVER_MAX_BODY + 1;
	char *body = malloc(big + 1);
	assert_non_null(body);
	memset(body, 'x', big);
	body[big] = '\0';
	snprintf(url, sizeof url, "%s/%s/fi/inquiry", f.base, instance_of(&f, SIM_BANK)->id);
	request(url, NULL, "q-000006-bank-r0", body, 5000, &r);
	assert_int_equal(r.status, 413);
	reply_free(&r);
	free(body);
	bank_post(&f, "q-000006-bank-r0", 0, 5000, &r);
	assert_int_equal(r.status, 200);
	reply_free(&r);

	char *json = get_stats(&f);
	assert_non_null(strstr(json, "\"unrouted\":2"));
	assert_int_equal(stat_of(json, instance_of(&f, SIM_BANK)->id, "by_status", "413"), 1);
	free(json);
	finish(&f);
}

static char *
between(const char *text, const char *open, const char *close)
{
	const char *a = strstr(text, open);
	if (a == NULL)
		return NULL;
	a += strlen(open);
	const char *b = strstr(a, close);
	if (b == NULL)
		return NULL;
	return strndup(a, (size_t)(b - a));
}

static void
test_clock_expires_ticket(void **state)
{
	(void)state;
	struct fixture f;
	start(&f, NULL);
	const char *si = instance_of(&f, SIM_SOCIALSEC)->id;
	const char *rid = "q-000007-si-r0";
	char url[200];
	struct reply r;
	char *body = socialsec_request(rid, person(&f, 2));
	snprintf(url, sizeof url, "%s/%s/si/v1/inquiries", f.base, si);
	request(url, NULL, rid, body, 5000, &r);
	free(body);
	assert_int_equal(r.status, 202);
	char *ticket = between(r.body.data, "<Ticket>", "</Ticket>");
	assert_non_null(ticket);
	reply_free(&r);

	/* polled at once, sooner than PollAfter: hammering */
	snprintf(url, sizeof url, "%s/%s/si/v1/inquiries/%s", f.base, si, ticket);
	request(url, NULL, rid, NULL, 5000, &r);
	assert_true(r.status == 202 || r.status == 200);
	reply_free(&r);
	char *json = get_stats(&f);
	assert_int_equal(stat_of(json, si, NULL, "hammering"), 1);
	assert_int_equal(stat_of(json, si, NULL, "distinct_request_ids"), 1);
	assert_int_equal(stat_of(json, si, NULL, "repeats"), 1);
	free(json);

	char curl_url[200];
	snprintf(curl_url, sizeof curl_url, "%s/_clock", f.base);
	request(curl_url, NULL, NULL, NULL, 5000, &r);
	assert_int_equal(r.status, 200);
	char *ms = between(r.body.data, "\"now_ms\":", "}");
	assert_non_null(ms);
	long long before = strtoll(ms, NULL, 10);
	free(ms);
	reply_free(&r);

	snprintf(curl_url, sizeof curl_url, "%s/_clock?advance=%d", f.base, 72 * 3600 + 60);
	request(curl_url, "POST", NULL, "", 5000, &r);
	assert_int_equal(r.status, 200);
	ms = between(r.body.data, "\"now_ms\":", "}");
	assert_non_null(ms);
	assert_true(strtoll(ms, NULL, 10) - before >= (72LL * 3600 + 60) * 1000);
	free(ms);
	reply_free(&r);

	request(url, NULL, rid, NULL, 5000, &r);
	assert_int_equal(r.status, 404);
	reply_free(&r);
	free(ticket);
	finish(&f);
}

/* ---- Stop while a stall is under way ---------------------------------------------- */

struct stalled {
	const struct fixture *f;
	struct reply r;
};

static void *
stalled_run(void *cls)
{
	struct stalled *s = cls;
	char url[160];
	snprintf(url, sizeof url, "%s/%s/fi/inquiry", s->f->base, instance_of(s->f, SIM_BANK)->id);
	char *body = bank_request("q-000008-bank-r0", person(s->f, 0));
	/* no cmocka assertions in this thread */
	memset(&s->r, 0, sizeof s->r);
	CURL *c = curl_easy_init();
	if (c != NULL) {
		struct curl_slist *h = curl_slist_append(NULL, "X-Request-Id: q-000008-bank-r0");
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &s->r);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		int64_t t0 = mono_ms();
		s->r.rc = curl_easy_perform(c);
		s->r.ms = mono_ms() - t0;
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
	}
	free(body);
	return NULL;
}

static void
test_stop_during_stall(void **state)
{
	(void)state;
	struct fixture f;
	const char *sets[] = {"*.fault.stall=1", NULL};
	start(&f, sets);
	struct stalled s = {.f = &f};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, stalled_run, &s), 0);
	sleep_ms(600);
	int64_t t0 = mono_ms();
	sim_server_stop(f.server);
	f.server = NULL;
	int64_t took = mono_ms() - t0;
	pthread_join(t, NULL);
	assert_true(took < 3000);
	assert_int_not_equal(s.r.rc, CURLE_OK);
	assert_true(s.r.ms < 10000);
	assert_true(s.r.body.len >= 1); /* it had been trickling */
	reply_free(&s.r);
	finish(&f);
}

/* ---- TLS ------------------------------------------------------------------------------ */

static char *
find_program(const char *name)
{
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char buf[1024];
		snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, name);
		if (n > 0 && access(buf, X_OK) == 0)
			return strdup(buf);
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

static void
run_ok(char *const argv[])
{
	struct ck_test_run run;
	ck_test_run(&run, NULL, argv);
	if (run.status != 0)
		fail_msg("%s %s failed (%d): %s", argv[0], argv[1], run.status, run.errout);
	ck_test_run_free(&run);
}

/* A CA (dir/NAME-ca.pem, -ca.key) and a certificate it signs
 * (dir/NAME.pem, .key) with the given extension line. */
static void
make_pki(char *openssl, const char *dir, const char *name, const char *ext)
{
	char ca[512], cakey[512], key[512], csr[512], crt[512], extf[512], subj[128];
	snprintf(ca, sizeof ca, "%s/%s-ca.pem", dir, name);
	snprintf(cakey, sizeof cakey, "%s/%s-ca.key", dir, name);
	snprintf(key, sizeof key, "%s/%s.key", dir, name);
	snprintf(csr, sizeof csr, "%s/%s.csr", dir, name);
	snprintf(crt, sizeof crt, "%s/%s.pem", dir, name);
	snprintf(extf, sizeof extf, "%s/%s.ext", dir, name);
	ck_test_write_file(extf, ext, strlen(ext));
	char *op = openssl;
	snprintf(subj, sizeof subj, "/CN=chakong-sim test %s CA", name);
	char *a1[] = {
	    op,       "req",     "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
	    "-nodes", "-keyout", cakey,   "-out",    ca,   "-days",    "2",
	    "-subj",  subj,      NULL};
	run_ok(a1);
	char *a2[] = {
	    op,        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
	    "-keyout", key,   "-out",    csr,  "-subj",    "/CN=127.0.0.1",           NULL};
	run_ok(a2);
	char *a3[] = {op,  "x509",     "-req", "-in",         csr, "-CA",
	              ca,  "-CAkey",   cakey,  "-set_serial", "2", "-days",
	              "2", "-extfile", extf,   "-out",        crt, NULL};
	run_ok(a3);
}

static void
test_tls(void **state)
{
	(void)state;
	char *openssl = find_program("openssl");
	if (openssl == NULL) {
		print_message(
		    "openssl is not installed: TLS not tested (scripts/deps.sh installs it)\n");
		skip();
	}
	char *dir = ck_test_tmpdir();
	make_pki(openssl, dir, "server", "subjectAltName=IP:127.0.0.1\n");
	make_pki(openssl, dir, "client", "extendedKeyUsage=clientAuth\n");
	make_pki(openssl, dir, "stranger", "subjectAltName=IP:127.0.0.1\n");
	char *cert = ck_test_path(dir, "server.pem"), *key = ck_test_path(dir, "server.key");
	char *ca = ck_test_path(dir, "server-ca.pem");
	char *client_ca = ck_test_path(dir, "client-ca.pem");
	char *client_cert = ck_test_path(dir, "client.pem");
	char *client_key = ck_test_path(dir, "client.key");
	char *stranger_ca = ck_test_path(dir, "stranger-ca.pem");
	char *stranger_cert = ck_test_path(dir, "stranger.pem");
	char *stranger_key = ck_test_path(dir, "stranger.key");
	char url[160];
	struct reply r;

	/* HTTPS: the right CA verifies, another does not */
	struct fixture f;
	make_world(&f);
	struct sim_server_opts opts = {.tls_cert_file = cert, .tls_key_file = key};
	start_opts(&f, NULL, &opts);
	assert_int_equal(strncmp(f.base, "https://", 8), 0);
	snprintf(url, sizeof url, "%s/_stats", f.base);
	struct tls_client good = {.ca = ca};
	request_tls(url, NULL, NULL, NULL, 5000, &good, &r);
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	struct tls_client wrong = {.ca = stranger_ca};
	request_tls(url, NULL, NULL, NULL, 5000, &wrong, &r);
	assert_int_equal(r.rc, CURLE_PEER_FAILED_VERIFICATION);
	reply_free(&r);
	finish(&f);

	/* mutual TLS */
	make_world(&f);
	opts.tls_client_ca_file = client_ca;
	start_opts(&f, NULL, &opts);
	snprintf(url, sizeof url, "%s/%s/fi/inquiry", f.base, instance_of(&f, SIM_BANK)->id);
	char *body = bank_request("q-000010-bank-r0", person(&f, 0));
	request_tls(url, NULL, "q-000010-bank-r0", body, 5000, &good, &r);
	assert_true(r.rc != CURLE_OK || r.status == 403);
	reply_free(&r);
	struct tls_client stranger = {.ca = ca, .cert = stranger_cert, .key = stranger_key};
	request_tls(url, NULL, "q-000010-bank-r0", body, 5000, &stranger, &r);
	assert_true(r.rc != CURLE_OK || r.status == 403);
	reply_free(&r);
	struct tls_client mutual = {.ca = ca, .cert = client_cert, .key = client_key};
	request_tls(url, NULL, "q-000010-bank-r0", body, 5000, &mutual, &r);
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "q-000010-bank-r0"));
	reply_free(&r);
	free(body);
	char *json = NULL;
	snprintf(url, sizeof url, "%s/_stats", f.base);
	request_tls(url, NULL, NULL, NULL, 5000, &mutual, &r);
	json = r.body.data;
	assert_non_null(strstr(json, "\"tls_refused\":2"));
	reply_free(&r);
	finish(&f);

	/* refused at start: a key without a certificate, unreadable files */
	make_world(&f);
	struct sim_server_opts half = {.tls_key_file = key};
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_server_start(f.world, &half, &f.server, err), CK_E_USAGE);
	struct sim_server_opts gone = {.tls_cert_file = "/nonexistent/cert.pem",
	                               .tls_key_file = key};
	err[0] = '\0';
	assert_int_equal(sim_server_start(f.world, &gone, &f.server, err), CK_E_IO);
	assert_non_null(strstr(err, "/nonexistent/cert.pem"));
	finish(&f);

	free(cert);
	free(key);
	free(ca);
	free(client_ca);
	free(client_cert);
	free(client_key);
	free(stranger_ca);
	free(stranger_cert);
	free(stranger_key);
	ck_test_rmtree(dir);
	free(dir);
	free(openssl);
}

/* ---- The program ---------------------------------------------------------------------- */

static void
expect_run(char *const argv[], int status, const char *out_has, const char *err_has)
{
	struct ck_test_run run;
	ck_test_run(&run, NULL, argv);
	if (run.status != status)
		fail_msg("%s %s: exit %d, expected %d; stderr: %s", argv[1], argv[2] ? argv[2] : "",
		         run.status, status, run.errout);
	if (out_has != NULL && strstr(run.out, out_has) == NULL)
		fail_msg("%s: stdout lacks \"%s\": %s", argv[1], out_has, run.out);
	if (err_has != NULL && strstr(run.errout, err_has) == NULL)
		fail_msg("%s: stderr lacks \"%s\": %s", argv[1], err_has, run.errout);
	ck_test_run_free(&run);
}

static void
test_program_usage(void **state)
{
	(void)state;
	char *bin = CK_SIM_BIN;
	char *cmds[] = {"serve", "truth", "filings", "config"};
	for (size_t i = 0; i < 4; i++) {
		char want[64];
		snprintf(want, sizeof want, "usage: chakong-sim %s", cmds[i]);
		char *a[] = {bin, cmds[i], "--help", NULL};
		expect_run(a, 0, want, NULL);
		char *b[] = {bin, "help", cmds[i], NULL};
		expect_run(b, 0, want, NULL);
	}
	char *top[] = {bin, "--help", NULL};
	expect_run(top, 0, "usage: chakong-sim COMMAND", NULL);
	char *none[] = {bin, NULL};
	expect_run(none, 2, NULL, "usage");
	char *unknown[] = {bin, "frobnicate", NULL};
	expect_run(unknown, 2, NULL, "frobnicate");
	char *bad_opt[] = {bin, "serve", "--bogus", NULL};
	expect_run(bad_opt, 2, NULL, "--bogus");
	char *bad_set[] = {bin, "serve", "--subjects", "5", "--set", "*.latency=soon", NULL};
	expect_run(bad_set, 2, NULL, "soon");
	char *bad_port[] = {bin, "serve", "--port", "70000", NULL};
	expect_run(bad_port, 2, NULL, "70000");
	char *bad_now[] = {bin, "serve", "--now", "later", NULL};
	expect_run(bad_now, 2, NULL, "later");
	char *no_cases[] = {bin, "filings", NULL};
	expect_run(no_cases, 2, NULL, "--cases");
	char *no_url[] = {bin, "config", NULL};
	expect_run(no_url, 2, NULL, "--base-url");
	char *missing_value[] = {bin, "truth", "--seed", NULL};
	expect_run(missing_value, 2, NULL, "--seed");
}

static void
test_program_outputs(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *truth = ck_test_path(dir, "truth.json");
	char *filings = ck_test_path(dir, "filings.csv");
	char *config = ck_test_path(dir, "config.xml");
	char *bin = CK_SIM_BIN;
	/* an existing, readable file is made private too */
	ck_test_write_file(truth, "old", 3);
	assert_int_equal(chmod(truth, 0644), 0);
	char *a[] = {bin, "truth", "--subjects", "20", "--seed", "4", "--out", truth, NULL};
	expect_run(a, 0, NULL, NULL);
	char *b[] = {bin,     "filings", "--cases", "5",   "--subjects",    "20",
	             "--out", filings,   "--multi", "200", "--first-filed", "2024-03-01",
	             NULL};
	expect_run(b, 0, NULL, NULL);
	char *c[] = {bin,     "config", "--base-url", "http://127.0.0.1:8080", "--subjects", "20",
	             "--out", config,   NULL};
	expect_run(c, 0, NULL, NULL);
	const char *files[] = {truth, filings, config};
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		assert_int_equal(stat(files[i], &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_true(st.st_size > 0);
	}
	char *unwritable[] = {bin, "truth", "--out", "/nonexistent/dir/truth.json", NULL};
	expect_run(unwritable, 1, NULL, "/nonexistent/dir/truth.json");
	free(truth);
	free(filings);
	free(config);
	ck_test_rmtree(dir);
	free(dir);
}

/* The server process of test_program_serve, killed by the teardown if the
 * test failed before stopping it. */
static pid_t serve_pid;

static int
reap_server(void **state)
{
	(void)state;
	if (serve_pid > 0) {
		kill(serve_pid, SIGKILL);
		waitpid(serve_pid, NULL, 0);
		serve_pid = 0;
	}
	return 0;
}

static void
test_program_serve(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *port_file = ck_test_path(dir, "port");
	char *config = ck_test_path(dir, "config.xml");
	char *behaviour = ck_test_path(dir, "knobs");
	ck_test_write_file(behaviour, "*.retry_after=9 # all\n", 22);
	char *argv[] = {CK_SIM_BIN,    "serve",      "--port",       "0",
	                "--port-file", port_file,    "--subjects",   "20",
	                "--now",       "2024-03-05", "--config-out", config,
	                "--behaviour", behaviour,    "--set",        "*.fault.429.first=1",
	                NULL};
	pid_t pid;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	serve_pid = pid;

	struct stat st;
	int64_t t0 = mono_ms();
	while (stat(port_file, &st) != 0 && mono_ms() - t0 < 10000)
		sleep_ms(20);
	if (stat(port_file, &st) != 0)
		fail_msg("chakong-sim serve wrote no port file within 10 s");
	char *text = ck_test_read_file(port_file, NULL);
	unsigned port = (unsigned)strtoul(text, NULL, 10);
	free(text);
	assert_true(port > 0);
	assert_int_equal(stat(config, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	char url[128];
	struct reply r;
	snprintf(url, sizeof url, "http://127.0.0.1:%u/_clock", port);
	request(url, NULL, NULL, NULL, 5000, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "\"now\":\"2024-03-05T"));
	reply_free(&r);

	/* the behaviour file and --set took effect */
	struct fixture f;
	make_world(&f);
	const char *bank = instance_of(&f, SIM_BANK)->id;
	snprintf(url, sizeof url, "http://127.0.0.1:%u/%s/fi/inquiry", port, bank);
	request(url, NULL, "q-1", "<x/>", 5000, &r);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.retry_after, "9");
	reply_free(&r);
	sim_world_free(f.world);

	assert_int_equal(kill(pid, SIGTERM), 0);
	int status = -1;
	t0 = mono_ms();
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (mono_ms() - t0 > 10000)
			fail_msg("chakong-sim serve did not stop within 10 s of SIGTERM");
		sleep_ms(20);
	}
	serve_pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(stat(port_file, &st), 0); /* removed at exit */

	free(port_file);
	free(config);
	free(behaviour);
	ck_test_rmtree(dir);
	free(dir);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_idempotent_repeat),
	    cmocka_unit_test(test_concurrent_counting),
	    cmocka_unit_test(test_fault_statuses),
	    cmocka_unit_test(test_fault_vehicle_style),
	    cmocka_unit_test(test_fault_transport),
	    cmocka_unit_test(test_fault_bodies),
	    cmocka_unit_test(test_fault_wrong_subject),
	    cmocka_unit_test(test_fault_first_attempts),
	    cmocka_unit_test(test_fault_choice_deterministic),
	    cmocka_unit_test(test_latency),
	    cmocka_unit_test(test_set_parsing),
	    cmocka_unit_test(test_routing_and_limits),
	    cmocka_unit_test(test_clock_expires_ticket),
	    cmocka_unit_test(test_stop_during_stall),
	    cmocka_unit_test(test_tls),
	    cmocka_unit_test(test_program_usage),
	    cmocka_unit_test(test_program_outputs),
	    cmocka_unit_test_teardown(test_program_serve, reap_server),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return failed;
}
