/* SPDX-License-Identifier: MIT */
/* hostile_answers.c: see hostile_answers.h. */
#define _GNU_SOURCE
#include "hostile_answers.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CANARY     "canary-3f9e21d4-no-one-reads-this"
#define OTHER      "11010519491231002X" /* a valid identifier of someone else */
#define BANK_OPEN  "<Document xmlns=\"urn:chakong:bank:1\">"
#define MAX_INSTS  32
#define NOW_OPTION "--now=@1709600000"

/* ---- Building bodies -------------------------------------------------------- */

static char *
keep(struct hostile_run *h, char *s)
{
	assert_non_null(s);
	h->owned = realloc(h->owned, (h->n_owned + 1) * sizeof *h->owned);
	assert_non_null(h->owned);
	h->owned[h->n_owned++] = s;
	return s;
}

static char *printed(struct hostile_run *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *
printed(struct hostile_run *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	assert_true(vasprintf(&s, fmt, ap) >= 0);
	va_end(ap);
	return keep(h, s);
}

/* text with every `from` replaced by `to`; kept by h. */
static char *
replaced(struct hostile_run *h, const char *text, const char *from, const char *to)
{
	size_t n = 0, flen = strlen(from), tlen = strlen(to);
	for (const char *p = text; (p = strstr(p, from)) != NULL; p += flen)
		n++;
	char *out = malloc(strlen(text) + n * tlen + 1), *o = out;
	assert_non_null(out);
	for (const char *p = text;;) {
		const char *at = strstr(p, from);
		size_t k = at ? (size_t)(at - p) : strlen(p);
		memcpy(o, p, k);
		o += k;
		if (at == NULL)
			break;
		memcpy(o, to, tlen);
		o += tlen;
		p = at + flen;
	}
	*o = '\0';
	return keep(h, out);
}

static char *
testdata_file(struct hostile_run *h, const char *name)
{
	char *path = ck_test_path(CK_TESTDATA_DIR, name);
	char *text = ck_test_read_file(path, NULL);
	free(path);
	return keep(h, text);
}

/* "<e>" n times then "</e>" n times, inside open ... close. */
static char *
deep(struct hostile_run *h, const char *open, unsigned n, const char *close)
{
	size_t len = strlen(open) + (size_t)n * 7 + strlen(close) + 1;
	char *s = malloc(len), *p = s;
	assert_non_null(s);
	p += snprintf(p, len, "%s", open);
	for (unsigned i = 0; i < n; i++, p += 3)
		memcpy(p, "<e>", 3);
	for (unsigned i = 0; i < n; i++, p += 4)
		memcpy(p, "</e>", 4);
	snprintf(p, len - (size_t)(p - s), "%s", close);
	return keep(h, s);
}

static char *
xml_escaped(struct hostile_run *h, const char *text)
{
	char *a = replaced(h, text, "&", "&amp;");
	char *b = replaced(h, a, "<", "&lt;");
	return replaced(h, b, ">", "&gt;");
}

/* A SOAP answer of the vehicle kind around an inner document. */
static char *
soap(struct hostile_run *h, const char *inner)
{
	return printed(
	    h,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	    "<soap:Body><ns2:queryVehicleResponse xmlns:ns2=\"urn:chakong:trff:vehicle:1\">"
	    "<return>%s</return></ns2:queryVehicleResponse></soap:Body></soap:Envelope>",
	    xml_escaped(h, inner));
}

static char *
vehicle_inner(struct hostile_run *h, const char *prolog, const char *subject, const char *plate)
{
	return printed(h,
	               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>%s<root><head><code>1</code>"
	               "<message>成功</message><requestId>{RID}</requestId><status>FOUND</status>"
	               "<rownum>1</rownum></head><body><veh><syr>张三</syr><sfzmhm>%s</sfzmhm>"
	               "<hpzl>02</hpzl><hphm>%s</hphm><clsbdh>LSVAM4187C2184512</clsbdh>"
	               "<clpp>大众</clpp><clxh>SVW7167</clxh><ccdjrq>2012-08-20</ccdjrq><zt>GK</zt>"
	               "<dybj>1</dybj></veh></body></root>",
	               prolog, subject, plate);
}

/* ---- The institutions -------------------------------------------------------- */

static struct hostile_inst *
add(struct hostile_run *h, const char *id, const char *kind, const char *state, const char *want)
{
	assert_true(h->n_insts < MAX_INSTS);
	struct hostile_inst *in = &h->insts[h->n_insts++];
	*in = (struct hostile_inst){.id = id, .kind = kind, .state = state, .want = want};
	in->route.prefix = printed(h, "/%s/", id);
	return in;
}

static void
body(struct hostile_inst *in, const char *text)
{
	in->route.mode = HS_BODY;
	in->route.body = text;
}

static void
build_institutions(struct hostile_run *h)
{
	const struct hostile_size *z = &h->size;
	size_t huge = z->huge_bytes ? z->huge_bytes : (size_t)50 << 20;
	const char *bank =
	    replaced(h, testdata_file(h, "spec/bank-response.xml"), "q-000001-icbc-r0", "{RID}");
	const char *bdc = replaced(h, testdata_file(h, "spec/realestate-response.xml"),
	                           "q-000001-bdc-taixing-r0", "{RID}");
	const char *page1 = replaced(h, testdata_file(h, "spec/ecommerce-page1.xml"),
	                             "q-000001-alipay-r0", "{RID}");
	const char *bank_tail = "<RspnId>R1</RspnId><ReqId>{RID}</ReqId><Sts>NOT_FOUND</Sts>"
	                        "<Svcr><Nm>x</Nm></Svcr><Pty><Nm>张三</Nm><Id><Tp>RIC</Tp>"
	                        "<Val>" HOSTILE_SUBJECT "</Val></Id></Pty></InfRspn></Document>";
	struct hostile_inst *in;

	/* Controls: good answers are stored as such. */
	body(add(h, "bank-ok", "bank", "answered", "FOUND"), bank);
	body(add(h, "bdc-ok", "realestate", "answered", "FOUND"), bdc);
	body(add(h, "trff-ok", "vehicle", "answered", "FOUND"),
	     soap(h, vehicle_inner(h, "", HOSTILE_SUBJECT, "苏M12345")));

	/* DOCTYPEs and external entities: nothing they name is read.  An
	 * XInclude is an unknown element, dropped unread: the answer stands. */
	body(add(h, "bank-entity-fifo", "bank", "failed", "HOSTILE"),
	     printed(h,
	             "<?xml version=\"1.0\"?><!DOCTYPE Document [<!ENTITY x SYSTEM \"file://%s\">]>"
	             "%s<InfRspn><RspnId>&x;</RspnId>%s",
	             h->fifo, BANK_OPEN, strstr(bank_tail, "<ReqId>")));
	body(add(h, "bank-dtd-file", "bank", "failed", "HOSTILE"),
	     printed(h,
	             "<?xml version=\"1.0\"?><!DOCTYPE Document SYSTEM \"file://%s\">%s<InfRspn>%s",
	             h->canary, BANK_OPEN, bank_tail));
	body(
	    add(h, "bank-param-entity", "bank", "failed", "HOSTILE"),
	    printed(h,
	            "<?xml version=\"1.0\"?><!DOCTYPE Document [<!ENTITY %% p SYSTEM \"file://%s\">"
	            " %%p;]>%s<InfRspn>%s",
	            h->fifo, BANK_OPEN, bank_tail));
	body(add(h, "bank-xinclude", "bank", "answered", "NOT_FOUND"),
	     printed(h,
	             "%s<InfRspn><RspnId><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\""
	             " href=\"file://%s\" parse=\"text\"/></RspnId>%s",
	             BANK_OPEN, h->fifo, strstr(bank_tail, "<ReqId>")));
	/* Entity bombs and depth. */
	body(add(h, "bank-bomb", "bank", "failed", "HOSTILE"),
	     testdata_file(h, "hostile/billion-laughs.xml"));
	body(add(h, "bank-deep", "bank", "failed", "HOSTILE"),
	     deep(h, BANK_OPEN "<InfRspn>", 10000, "</InfRspn></Document>"));
	/* Size: 50 MiB announced or chunked, and 8 MiB of tiny elements
	 * under the size limit. */
	in = add(h, "bank-huge", "bank", "failed", "TOO_BIG");
	in->route =
	    (struct hs_route){.prefix = in->route.prefix,
	                      .mode = HS_HUGE,
	                      .body = "<?xml version=\"1.0\"?>" BANK_OPEN "<InfRspn><RspnId>",
	                      .filler = "0123456789abcdef",
	                      .size = huge};
	in = add(h, "bank-chunked", "bank", "failed", "TOO_BIG");
	in->route = (struct hs_route){.prefix = in->route.prefix,
	                              .mode = HS_HUGE_CHUNKED,
	                              .body = "<?xml version=\"1.0\"?>" BANK_OPEN "<InfRspn>",
	                              .filler = "<x/>",
	                              .size = huge};
	in = add(h, "bank-dense", "bank", "failed", "HOSTILE");
	in->route = (struct hs_route){.prefix = in->route.prefix,
	                              .mode = HS_HUGE,
	                              .body = BANK_OPEN "<InfRspn>",
	                              .filler = "<a/>",
	                              .size = ((size_t)8 << 20) - 16};
	/* Time: an endless trickle ends at the total timeout, every attempt. */
	in = add(h, "bank-trickle", "bank", "failed", "RETRIES_EXHAUSTED");
	in->route = (struct hs_route){.prefix = in->route.prefix,
	                              .mode = HS_TRICKLE,
	                              .body = "<?xml version=\"1.0\"?>",
	                              .filler = " ",
	                              .size = (size_t)1 << 20,
	                              .tick_ms = z->trickle_ms ? z->trickle_ms : 100};
	in = add(h, "bank-header", "bank", "failed", "RETRIES_EXHAUSTED");
	in->route = (struct hs_route){
	    .prefix = in->route.prefix, .mode = HS_HEADERS, .body = bank, .size = (size_t)1 << 20};
	/* Encodings and NUL. */
	body(add(h, "bank-utf8", "bank", "failed", "MALFORMED"),
	     replaced(h, bank, "泰兴支行", "泰兴\xff\xfe支行"));
	body(add(h, "bank-utf8-overlong", "bank", "failed", "MALFORMED"),
	     replaced(h, bank, "泰兴支行", "\xc0\xbc泰兴支行"));
	body(add(h, "bank-utf16", "bank", "failed", "MALFORMED"), printed(h, "\xff\xfe%s", bank));
	in = add(h, "bank-nul", "bank", "failed", "MALFORMED");
	char *nul = replaced(h, bank, "泰兴支行", "泰兴@支行");
	body(in, nul);
	in->route.body_len = strlen(nul);
	*strchr(nul, '@') = '\0';
	body(add(h, "bdc-gb18030", "realestate", "failed", "MALFORMED"),
	     replaced(h, bdc, "<ZL>", "<ZL>\x81\x20\xff"));
	/* About someone else. */
	body(add(h, "bank-other", "bank", "failed", "WRONG_SUBJECT"),
	     replaced(h, bank, HOSTILE_SUBJECT, OTHER));
	body(add(h, "bdc-other", "realestate", "failed", "WRONG_SUBJECT"),
	     replaced(h, bdc, HOSTILE_SUBJECT, OTHER));
	body(add(h, "jd-other", "ecommerce", "failed", "WRONG_SUBJECT"),
	     replaced(h, page1, HOSTILE_SUBJECT, OTHER));
	/* SOAP: a hostile envelope, and hostile documents inside a good one. */
	body(add(h, "trff-envelope-doctype", "vehicle", "failed", "HOSTILE"),
	     replaced(h, soap(h, vehicle_inner(h, "", HOSTILE_SUBJECT, "苏M12345")),
	              "?><soap:", "?><!DOCTYPE soap:Envelope [<!ENTITY e \"x\">]><soap:"));
	body(add(h, "trff-inner-entity", "vehicle", "failed", "HOSTILE"),
	     soap(h,
	          vehicle_inner(
	              h, printed(h, "<!DOCTYPE root [<!ENTITY x SYSTEM \"file://%s\">]>", h->fifo),
	              HOSTILE_SUBJECT, "&x;")));
	body(add(h, "trff-inner-bomb", "vehicle", "failed", "HOSTILE"),
	     soap(h, testdata_file(h, "hostile/billion-laughs.xml")));
	body(add(h, "trff-inner-deep", "vehicle", "failed", "HOSTILE"),
	     soap(h, deep(h, "<root>", 5000, "</root>")));
	body(add(h, "trff-inner-nul", "vehicle", "failed", "MALFORMED"),
	     soap(h, vehicle_inner(h, "", HOSTILE_SUBJECT, "苏M&#0;345")));
	body(add(h, "trff-inner-other", "vehicle", "failed", "WRONG_SUBJECT"),
	     soap(h, vehicle_inner(h, "", OTHER, "苏M12345")));
	/* A good first page, then a hostile one: nothing of either is kept. */
	in = add(h, "jd-page2", "ecommerce", "failed", "HOSTILE");
	body(in, page1);
	in->route.if_request_has = "<Cursor>c2</Cursor>";
	in->route.then_body = "<?xml version=\"1.0\"?><!DOCTYPE JudicialResult [<!ENTITY b "
	                      "\"bbbbbbbbbbbbbbbb\">]><JudicialResult xmlns=\"urn:chakong:ec:1\">"
	                      "<RequestId>{RID}</RequestId>&b;</JudicialResult>";
	/* A ticket that would turn the poll into a request elsewhere. */
	in = add(h, "si-dot-ticket", "socialsec", "failed", "MALFORMED");
	in->route.mode = HS_BODY;
	in->route.status = 202;
	in->route.body = "<Accepted xmlns=\"urn:chakong:si:1\"><RequestId>{RID}</RequestId>"
	                 "<Ticket>..</Ticket><PollAfter>1</PollAfter></Accepted>";
	/* Accepted, then a hostile result at the poll. */
	in = add(h, "si-poll", "socialsec", "failed", "HOSTILE");
	in->route.mode = HS_BODY;
	in->route.status = 202;
	in->route.body = "<Accepted xmlns=\"urn:chakong:si:1\"><RequestId>{RID}</RequestId>"
	                 "<Ticket>T-1</Ticket><PollAfter>1</PollAfter></Accepted>";
	in->poll = (struct hs_route){
	    .prefix = printed(h, "/si-poll/si/v1/inquiries/"),
	    .mode = HS_BODY,
	    .body = printed(h,
	                    "<?xml version=\"1.0\"?><!DOCTYPE Result [<!ENTITY x SYSTEM "
	                    "\"file://%s\">]><Result xmlns=\"urn:chakong:si:1\">"
	                    "<RequestId>{RID}</RequestId><Status>&x;</Status></Result>",
	                    h->fifo)};
}

/* ---- Setup -------------------------------------------------------------------- */

static void
write_config(struct hostile_run *h)
{
	const struct hostile_size *z = &h->size;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(
	    f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Config xmlns=\"urn:chakong:config:1\">\n"
	    "<Defaults><MaxInFlight>%u</MaxInFlight><TotalTimeoutMs>%u</TotalTimeoutMs>"
	    "<ConnectTimeoutMs>1000</ConnectTimeoutMs><Retries>1</Retries>"
	    "<BackoffBaseMs>50</BackoffBaseMs><BackoffMaxMs>100</BackoffMaxMs>"
	    "<BreakerFailures>10000</BreakerFailures><BreakerCooldownMs>100</BreakerCooldownMs>"
	    "</Defaults>\n",
	    z->max_in_flight, z->total_timeout_ms);
	for (int i = 0; i < h->n_insts; i++) {
		const struct hostile_inst *in = &h->insts[i];
		fprintf(f,
		        "<Institution id=\"%s\" kind=\"%s\"><Name>%s</Name>"
		        "<BaseUrl>http://127.0.0.1:%u/%s</BaseUrl>%s</Institution>\n",
		        in->id, in->kind, in->id, (unsigned)hs_port(h->server), in->id,
		        strcmp(in->kind, "realestate") == 0 ? "<District>泰兴市</District>" : "");
	}
	fprintf(f, "</Config>\n");
	fclose(f);
	ck_test_write_file(h->config, text, len);
	free(text);
}

void
hostile_import(struct hostile_run *h, const char *csv)
{
	char *path = ck_test_path(h->dir, "filing.csv");
	ck_test_write_file(path, csv, strlen(csv));
	char db_opt[4200];
	snprintf(db_opt, sizeof db_opt, "--db=%s", h->db);
	char *argv[] = {CK_CHAKONG_BIN, db_opt, NOW_OPTION, "import", path, NULL};
	struct ck_test_run run;
	ck_test_run(&run, h->dir, argv);
	if (run.status != 0)
		fail_msg("import: %s", run.errout);
	ck_test_run_free(&run);
	free(path);
}

void
hostile_setup(struct hostile_run *h, const struct hostile_size *size)
{
	*h = (struct hostile_run){.size = *size, .fifo_fd = -1};
	h->dir = ck_test_tmpdir();
	h->db = ck_test_path(h->dir, "engine.db");
	h->config = ck_test_path(h->dir, "chakong.xml");
	h->canary = ck_test_path(h->dir, "canary.txt");
	h->fifo = ck_test_path(h->dir, "canary.fifo");
	ck_test_write_file(h->canary, CANARY, strlen(CANARY));
	assert_int_equal(mkfifo(h->fifo, 0600), 0);
	/* Read-write, so that opening does not block and the FIFO keeps a
	 * writer: whoever opens it to read gets the canary, and it is gone. */
	h->fifo_fd = open(h->fifo, O_RDWR | O_NONBLOCK);
	assert_true(h->fifo_fd >= 0);
	assert_int_equal(write(h->fifo_fd, CANARY, strlen(CANARY)), (ssize_t)strlen(CANARY));

	h->insts = calloc(MAX_INSTS, sizeof *h->insts);
	assert_non_null(h->insts);
	build_institutions(h);
	/* Poll routes first: their prefixes are longer. */
	h->routes = calloc((size_t)h->n_insts * 2, sizeof *h->routes);
	assert_non_null(h->routes);
	for (int i = 0; i < h->n_insts; i++)
		if (h->insts[i].poll.prefix != NULL)
			h->routes[h->n_routes++] = h->insts[i].poll;
	for (int i = 0; i < h->n_insts; i++)
		h->routes[h->n_routes++] = h->insts[i].route;
	if (hs_start(h->routes, h->n_routes, &h->server) != 0)
		fail_msg("hostile server: %s", strerror(errno));
	write_config(h);

	char *csv = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&csv, &len);
	assert_non_null(f);
	fprintf(f, "case_no,court_code,court_name,filed_at,officer,amount_owed,debtor_kind,"
	           "debtor_name,debtor_id\n");
	for (int i = 1; i <= size->cases; i++)
		fprintf(f,
		        "(2024)苏1283执%d号,苏1283,泰兴市人民法院,2024-03-04,%s,100,person,张三,"
		        "%s\n",
		        i, HOSTILE_OFFICER, HOSTILE_SUBJECT);
	fclose(f);
	hostile_import(h, csv);
	free(csv);
}

void
hostile_teardown(struct hostile_run *h)
{
	hs_stop(h->server);
	if (h->fifo_fd >= 0)
		close(h->fifo_fd);
	for (size_t i = 0; i < h->n_owned; i++)
		free(h->owned[i]);
	free(h->owned);
	free(h->routes);
	free(h->insts);
	ck_test_rmtree(h->dir);
	free(h->dir);
	free(h->db);
	free(h->config);
	free(h->canary);
	free(h->fifo);
}

/* ---- Running -------------------------------------------------------------------- */

int
hostile_run_engine(struct hostile_run *h, int valgrind, struct rusage *ru)
{
	char db_opt[4200], config_opt[4200];
	snprintf(db_opt, sizeof db_opt, "--db=%s", h->db);
	snprintf(config_opt, sizeof config_opt, "--config=%s", h->config);
	char *out = ck_test_path(h->dir, "run.out");
	char *err = ck_test_path(h->dir, "run.err");
	char *engine[] = {CK_CHAKONG_BIN, db_opt,    NOW_OPTION,   "run", config_opt,
	                  "--wait",       "--quiet", "--max-time", "600", NULL};
	char *under_valgrind[] = {"valgrind",
	                          "--quiet",
	                          "--leak-check=full",
	                          "--errors-for-leak-kinds=definite",
	                          "--error-exitcode=99",
	                          CK_CHAKONG_BIN,
	                          db_opt,
	                          NOW_OPTION,
	                          "run",
	                          config_opt,
	                          "--wait",
	                          "--quiet",
	                          "--max-time",
	                          "1800",
	                          NULL};
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		umask(0); /* chakong must make its files private by itself */
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_RDONLY);
		if (o < 0 || e < 0 || null < 0 || chdir(h->dir) != 0)
			_exit(126);
		dup2(null, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (valgrind)
			execvp(under_valgrind[0], under_valgrind);
		else
			execv(engine[0], engine);
		_exit(127);
	}
	int st;
	assert_int_equal(wait4(pid, &st, 0, ru), pid);
	h->under_valgrind = valgrind;
	int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (status != 0 && status != 1) {
		char *text = ck_test_read_file(err, NULL);
		fail_msg("the engine exited %d: %s", status, text);
	}
	free(out);
	free(err);
	return status;
}

/* ---- Checks ----------------------------------------------------------------------- */

long long
hostile_sql_int(struct hostile_run *h, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(h->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static long long
of(struct hostile_run *h, const char *id, const char *cond)
{
	char sql[512];
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM queries q WHERE q.institution_id = '%s' AND (%s)", id, cond);
	return hostile_sql_int(h, sql);
}

void
hostile_check_outcomes(struct hostile_run *h)
{
	char cond[256];
	for (int i = 0; i < h->n_insts; i++) {
		const struct hostile_inst *in = &h->insts[i];
		long long all = of(h, in->id, "1");
		if (all != h->size.cases)
			fail_msg("%s: %lld queries, expected %d", in->id, all, h->size.cases);
		int answered = strcmp(in->state, "answered") == 0;
		snprintf(cond, sizeof cond, "state = '%s' AND %s = '%s'", in->state,
		         answered ? "outcome" : "reason", in->want);
		long long ok = of(h, in->id, cond);
		if (ok != all) {
			char sql[256];
			snprintf(sql, sizeof sql,
			         "SELECT count(*) FROM queries WHERE institution_id = '%s' AND"
			         " state = 'failed' AND reason = 'HOSTILE'",
			         in->id);
			fail_msg("%s: %lld of %lld queries ended %s %s (%lld hostile)", in->id, ok,
			         all, in->state, in->want, hostile_sql_int(h, sql));
		}
		/* Nothing of a refused answer is an asset or a lead. */
		if (!answered && of(h, in->id,
		                    "EXISTS (SELECT 1 FROM assets a WHERE a.query_id = q.id) OR"
		                    " EXISTS (SELECT 1 FROM leads l WHERE l.query_id = q.id)") != 0)
			fail_msg("%s: a refused answer left records", in->id);
		if (strcmp(in->want, "FOUND") == 0 &&
		    of(h, in->id, "NOT EXISTS (SELECT 1 FROM assets a WHERE a.query_id = q.id)") !=
		        0)
			fail_msg("%s: a good answer left no records", in->id);
		/* A refused body is kept for audit, marked with its reason. */
		if (strcmp(in->want, "HOSTILE") == 0 || strcmp(in->want, "MALFORMED") == 0 ||
		    strcmp(in->want, "WRONG_SUBJECT") == 0) {
			snprintf(
			    cond, sizeof cond,
			    "NOT EXISTS (SELECT 1 FROM raw_answers r WHERE r.query_id = q.id AND"
			    " r.rejected = 1 AND r.reject_reason = '%s')",
			    in->want);
			if (of(h, in->id, cond) != 0)
				fail_msg("%s: a refused answer was not kept, marked %s", in->id,
				         in->want);
		}
	}
	/* Nothing an answer said sent a request elsewhere: every request went
	 * to its institution's own paths, none with a dot segment. */
	for (const char *p = hs_paths(h->server); *p; p = strchr(p, '\n') + 1) {
		size_t n = strcspn(p, "\n");
		if (memmem(p, n, "/../", 4) != NULL || memmem(p, n, "/./", 3) != NULL ||
		    (n >= 3 && memcmp(p + n - 3, "/..", 3) == 0))
			fail_msg("a request went to %.*s", (int)n, p);
		if (strncmp(p, "/si-dot-ticket/", 15) == 0 &&
		    strncmp(p, "/si-dot-ticket/si/v1/inquiries\n", 31) != 0)
			fail_msg("a request went to %.*s", (int)n, p);
	}
	/* The trickle was cut by the total timeout on every attempt (in about
	 * that time, but under valgrind, where parsing the 8 MiB answers holds
	 * the event loop for seconds). */
	char sql[512];
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM attempts t JOIN queries q ON q.id = t.query_id WHERE"
	         " q.institution_id = 'bank-trickle' AND (t.error_class IS NOT 'TIMEOUT' OR"
	         " t.duration_ms > %lld)",
	         h->under_valgrind ? 3600000LL : (long long)h->size.total_timeout_ms + 5000);
	long long slow = hostile_sql_int(h, sql);
	if (slow != 0)
		fail_msg("%lld attempts at bank-trickle did not end in a timeout in time", slow);
}

void
hostile_check_canaries(struct hostile_run *h)
{
	char back[128] = "";
	ssize_t n = read(h->fifo_fd, back, sizeof back - 1);
	if (n != (ssize_t)strlen(CANARY))
		fail_msg("the canary FIFO was read: %zd bytes left", n);
	back[n] = '\0';
	assert_string_equal(back, CANARY);
	/* Put it back for the next check. */
	assert_int_equal(write(h->fifo_fd, CANARY, strlen(CANARY)), (ssize_t)strlen(CANARY));
	/* No table holds the canary text (the store is not compressed but for
	 * raw answers, which hold only what the server sent). */
	const char *files[] = {"engine.db", "engine.db-wal"};
	for (size_t i = 0; i < 2; i++) {
		char *p = ck_test_path(h->dir, files[i]);
		struct stat sb;
		if (stat(p, &sb) == 0) {
			size_t len;
			char *data = ck_test_read_file(p, &len);
			assert_null(memmem(data, len, CANARY, strlen(CANARY)));
			free(data);
		}
		free(p);
	}
}

void
hostile_check_audit(struct hostile_run *h)
{
	long long queries = hostile_sql_int(h, "SELECT count(*) FROM queries");
	assert_true(queries > 0);
	/* Every query is settled, and has exactly one terminal audit row ... */
	assert_int_equal(hostile_sql_int(h, "SELECT count(*) FROM queries WHERE state NOT IN"
	                                    " ('answered', 'failed', 'not_applicable')"),
	                 0);
	assert_int_equal(hostile_sql_int(h, "SELECT count(*) FROM audit WHERE action IN"
	                                    " ('query.answered', 'query.failed',"
	                                    " 'query.not_applicable')"),
	                 queries);
	/* ... naming the officer, the case, the institution, the time and the
	 * outcome or reason the query has. */
	assert_int_equal(
	    hostile_sql_int(h, "SELECT count(*) FROM queries q JOIN cases c ON c.id = q.case_id"
	                       " WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.query_id = q.id"
	                       " AND a.action = 'query.' || q.state"
	                       " AND a.actor = c.officer AND a.actor = '" HOSTILE_OFFICER "'"
	                       " AND a.case_no = c.case_no AND a.institution_id = q.institution_id"
	                       " AND a.at >= 1709600000 AND a.at < 1709600000 + 3600"
	                       " AND a.subject IS NOT NULL"
	                       " AND a.detail LIKE coalesce(q.outcome, q.reason) || '%')"),
	    0);
}

long
hostile_memory_bound(const struct hostile_size *size)
{
	/* The process at rest (libraries, the schemas compiled, SQLite's
	 * cache), the bodies held while they arrive (at most MaxBodyBytes for
	 * each request in flight at the institutions that send large bodies:
	 * bank-huge, bank-chunked, bank-dense), and one document parsed at a
	 * time: at most one node per 8 bytes of MaxBodyBytes, each about 160
	 * bytes of tree, so 20 x MaxBodyBytes. */
	const long mib = 1L << 20, max_body = 8 * mib;
	return 64 * mib + 3L * size->max_in_flight * max_body + 20 * max_body;
}

void
hostile_lookup(struct hostile_run *h, const char *case_no, const char *id, struct ck_test_run *run)
{
	char db_opt[4200], config_opt[4200], case_opt[512], debtor_opt[64];
	snprintf(db_opt, sizeof db_opt, "--db=%s", h->db);
	snprintf(config_opt, sizeof config_opt, "--config=%s", h->config);
	snprintf(case_opt, sizeof case_opt, "--case=%s", case_no);
	snprintf(debtor_opt, sizeof debtor_opt, "--debtor=%s", id);
	char *argv[] = {CK_CHAKONG_BIN, db_opt,     NOW_OPTION,     "lookup", case_opt,
	                debtor_opt,     config_opt, "--timeout=60", NULL};
	ck_test_run(run, h->dir, argv);
}
