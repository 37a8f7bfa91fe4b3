/* SPDX-License-Identifier: MIT */
/*
 * test_engine_tls.c: `chakong run` against institutions over TLS, with
 * certificates made at run time by the openssl program in a private
 * temporary directory (spec common.md, Transport: peer verification is
 * never switched off; production institutions require mutual TLS; TLS
 * verification failures are not retried).
 *
 * - The simulator over HTTPS with a certificate of a CA the system does not
 *   trust: without a CaBundle the engine refuses it (reason TLS, one
 *   attempt, never an HTTP request, the institution stopped for the run and
 *   its other queries left for the next run); with the CA as CaBundle the
 *   answers are stored and equal what the simulator holds.
 * - The simulator requiring client certificates: without ClientCert and
 *   ClientKey it answers 403 (credentials refused: not retried, the
 *   institution stopped); with them, everything is answered.
 * - A TLS server that refuses the handshake itself for want of a client
 *   certificate (openssl s_server -Verify, TLS 1.3 and TLS 1.2): the
 *   engine's query fails with reason TLS, one attempt, not retried.
 */
#include "enginetest.h"
#include "chakong/error.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CASES 6
#define NOW   "2024-03-05T10:00:00+08:00"

static char *openssl;

static void
run_ok(char *const argv[])
{
	struct ck_test_run run;
	ck_test_run(&run, NULL, argv);
	if (run.status != 0)
		fail_msg("%s %s failed (%d): %s", argv[0], argv[1], run.status, run.errout);
	ck_test_run_free(&run);
}

/* A CA (dir/NAME-ca.pem) and a certificate it signs (dir/NAME.pem and its
 * key dir/NAME.key, mode 0600) with the extensions `ext`. */
static void
make_pki(const char *dir, const char *name, const char *ext)
{
	char ca[512], cakey[512], key[512], csr[512], crt[512], extf[512], subj[128];
	snprintf(ca, sizeof ca, "%s/%s-ca.pem", dir, name);
	snprintf(cakey, sizeof cakey, "%s/%s-ca.key", dir, name);
	snprintf(key, sizeof key, "%s/%s.key", dir, name);
	snprintf(csr, sizeof csr, "%s/%s.csr", dir, name);
	snprintf(crt, sizeof crt, "%s/%s.pem", dir, name);
	snprintf(extf, sizeof extf, "%s/%s.ext", dir, name);
	ck_test_write_file(extf, ext, strlen(ext));
	snprintf(subj, sizeof subj, "/CN=chakong test %s CA", name);
	char *a1[] = {
	    openssl,  "req",     "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
	    "-nodes", "-keyout", cakey,   "-out",    ca,   "-days",    "2",
	    "-subj",  subj,      NULL};
	run_ok(a1);
	char *a2[] = {
	    openssl,   "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
	    "-keyout", key,   "-out",    csr,  "-subj",    "/CN=127.0.0.1",           NULL};
	run_ok(a2);
	char *a3[] = {openssl, "x509",     "-req", "-in",         csr, "-CA",
	              ca,      "-CAkey",   cakey,  "-set_serial", "2", "-days",
	              "2",     "-extfile", extf,   "-out",        crt, NULL};
	run_ok(a3);
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(chmod(cakey, 0600), 0);
}

struct tls {
	struct eng f;
	char *ca, *cert, *key;                      /* the server's */
	char *client_ca, *client_cert, *client_key; /* the court's */
};

static const char *const insts[] = {"icbc", "jd", NULL};

/* The world, its certificates, and CASES cases imported; not served yet.
 * Skips the test when the openssl program is missing. */
static void
prepare(struct tls *t)
{
	if (openssl == NULL) {
		print_message("openssl is not installed: TLS not tested (scripts/deps.sh "
		              "installs it)\n");
		skip();
	}
	memset(t, 0, sizeof *t);
	eng_world(&t->f, 80);
	make_pki(t->f.dir, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
	make_pki(t->f.dir, "client", "extendedKeyUsage=clientAuth\n");
	t->ca = ck_test_path(t->f.dir, "server-ca.pem");
	t->cert = ck_test_path(t->f.dir, "server.pem");
	t->key = ck_test_path(t->f.dir, "server.key");
	t->client_ca = ck_test_path(t->f.dir, "client-ca.pem");
	t->client_cert = ck_test_path(t->f.dir, "client.pem");
	t->client_key = ck_test_path(t->f.dir, "client.key");
	char *csv = eng_filings(&t->f, CASES);
	eng_import(&t->f, csv, NOW);
	free(csv);
}

static void
finish(struct tls *t)
{
	eng_stop(&t->f);
	free(t->ca);
	free(t->cert);
	free(t->key);
	free(t->client_ca);
	free(t->client_cert);
	free(t->client_key);
}

static long long
of(struct tls *t, const char *inst, const char *cond)
{
	return eng_sql(&t->f, "SELECT count(*) FROM queries WHERE institution_id = '%s' AND %s",
	               inst, cond);
}

/* One query of each institution failed with `reason` after a single
 * attempt; the others were never sent and wait for the next run. */
static void
one_refusal_each(struct tls *t, const char *reason, const char *error_class)
{
	for (size_t i = 0; insts[i] != NULL; i++) {
		char cond[128];
		snprintf(cond, sizeof cond, "state = 'failed' AND reason = '%s'", reason);
		assert_int_equal(of(t, insts[i], cond), 1);
		assert_int_equal(of(t, insts[i], "state = 'planned' AND attempts = 0"), CASES - 1);
		assert_int_equal(eng_sql(&t->f,
		                         "SELECT count(*) FROM attempts a JOIN queries q ON"
		                         " q.id = a.query_id WHERE q.institution_id = '%s'",
		                         insts[i]),
		                 1);
		if (error_class != NULL)
			assert_int_equal(
			    eng_sql(&t->f,
			            "SELECT count(*) FROM attempts a JOIN queries q ON"
			            " q.id = a.query_id WHERE q.institution_id = '%s'"
			            " AND a.error_class = '%s' AND a.http_status IS NULL",
			            insts[i], error_class),
			    1);
	}
}

static void
all_answered_as_held(struct tls *t, int failed_before)
{
	for (size_t i = 0; insts[i] != NULL; i++) {
		assert_int_equal(of(t, insts[i], "state = 'answered'"), CASES - failed_before);
		assert_int_equal(eng_check_answers(&t->f, insts[i]), CASES - failed_before);
		/* one RequestId per query the institution ever saw */
		assert_int_equal(eng_stat(&t->f, insts[i], "distinct_request_ids"),
		                 CASES - failed_before);
	}
}

static void
server_ca_is_needed(void **state)
{
	(void)state;
	struct tls t;
	prepare(&t);
	struct sim_server_opts so = {.tls_cert_file = t.cert, .tls_key_file = t.key};
	eng_serve(&t.f, &so);
	assert_int_equal(strncmp(t.f.base, "https://", 8), 0);

	/* No CaBundle: the system's trust store does not know the test CA. */
	eng_config(&t.f, insts, "<MaxInFlight>1</MaxInFlight>");
	struct ck_test_run run;
	int64_t ms;
	eng_run(&t.f, &run, NOW, &ms, NULL);
	assert_int_equal(run.status, 1); /* a query failed */
	assert_true(ms < 15000);         /* and nothing hung */
	assert_non_null(strstr(run.out, "failed 2 (TLS 2)"));
	assert_non_null(strstr(run.out, "institutions stopped for this run"));
	assert_non_null(strstr(run.errout, "icbc: failed TLS"));
	assert_non_null(strstr(run.errout, "CaBundle"));
	ck_test_run_free(&run);
	one_refusal_each(&t, "TLS", "TLS");
	assert_true(eng_sql(&t.f, "SELECT count(*) FROM queries WHERE reason = 'TLS'"
	                          " AND reason_detail LIKE '%%certificate%%'") == 2);
	/* The handshake failed: the simulator never saw a request. */
	for (size_t i = 0; insts[i] != NULL; i++)
		assert_int_equal(eng_stat(&t.f, insts[i], "requests"), 0);

	/* A CaBundle naming the test CA: the rest is answered. */
	char settings[4200];
	snprintf(settings, sizeof settings, "<MaxInFlight>1</MaxInFlight><CaBundle>%s</CaBundle>",
	         t.ca);
	eng_config(&t.f, insts, settings);
	eng_run(&t.f, &run, NOW, NULL, (const char *[]){"--wait", NULL});
	if (run.status != 0)
		fail_msg("run: %d\n%s%s", run.status, run.out, run.errout);
	ck_test_run_free(&run);
	all_answered_as_held(&t, 1);
	/* The failed queries stay failed: TLS refusals are not retried. */
	assert_int_equal(eng_sql(&t.f, "SELECT count(*) FROM queries WHERE reason = 'TLS'"
	                               " AND state = 'failed' AND attempts = 1"),
	                 2);
	finish(&t);
}

static void
client_certificate_is_needed(void **state)
{
	(void)state;
	struct tls t;
	prepare(&t);
	struct sim_server_opts so = {
	    .tls_cert_file = t.cert, .tls_key_file = t.key, .tls_client_ca_file = t.client_ca};
	eng_serve(&t.f, &so);

	/* The server is trusted, but we present no certificate: the simulator
	 * completes the handshake and answers 403 (docs/sim-server.md), which
	 * is credentials refused (common.md): not retried, the institution
	 * stopped for the run. */
	char settings[8400];
	snprintf(settings, sizeof settings, "<MaxInFlight>1</MaxInFlight><CaBundle>%s</CaBundle>",
	         t.ca);
	eng_config(&t.f, insts, settings);
	struct ck_test_run run;
	int64_t ms;
	eng_run(&t.f, &run, NOW, &ms, NULL);
	assert_int_equal(run.status, 1);
	assert_true(ms < 15000);
	assert_non_null(strstr(run.out, "failed 2 (CREDENTIALS 2)"));
	ck_test_run_free(&run);
	one_refusal_each(&t, "CREDENTIALS", NULL);
	assert_int_equal(eng_stat(&t.f, NULL, "tls_refused"), 2);
	for (size_t i = 0; insts[i] != NULL; i++)
		assert_int_equal(eng_stat(&t.f, insts[i], "requests"), 0);

	/* With our certificate and key: everything else is answered. */
	snprintf(settings, sizeof settings,
	         "<MaxInFlight>1</MaxInFlight><CaBundle>%s</CaBundle>"
	         "<ClientCert>%s</ClientCert><ClientKey>%s</ClientKey>",
	         t.ca, t.client_cert, t.client_key);
	eng_config(&t.f, insts, settings);
	eng_run(&t.f, &run, NOW, NULL, (const char *[]){"--wait", NULL});
	if (run.status != 0)
		fail_msg("run: %d\n%s%s", run.status, run.out, run.errout);
	ck_test_run_free(&run);
	all_answered_as_held(&t, 1);
	assert_int_equal(eng_stat(&t.f, NULL, "tls_refused"), 2);

	/* A client key others may read is refused before anything is sent. */
	assert_int_equal(chmod(t.client_key, 0640), 0);
	eng_run(&t.f, &run, NOW, NULL, NULL);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.errout, "ClientKey"));
	assert_non_null(strstr(run.errout, "readable by others"));
	ck_test_run_free(&run);
	finish(&t);
}

/* openssl s_server requiring a client certificate (-Verify): it refuses
 * the handshake with an alert.  Returns its pid; *port gets its port. */
static pid_t
start_s_server(struct tls *t, int tls13, unsigned *port)
{
	int out[2];
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(out[1], 1);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 2);
		close(out[0]);
		char *argv[] = {openssl,   "s_server",
		                "-accept", "127.0.0.1:0",
		                "-cert",   t->cert,
		                "-key",    t->key,
		                "-CAfile", t->client_ca,
		                "-Verify", "1",
		                "-www",    tls13 ? "-tls1_3" : "-no_tls1_3",
		                NULL};
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	/* It prints "ACCEPT 127.0.0.1:PORT" once it listens. */
	char buf[4096];
	size_t len = 0;
	*port = 0;
	while (*port == 0 && len + 1 < sizeof buf) {
		ssize_t n = read(out[0], buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		const char *at = strstr(buf, "ACCEPT 127.0.0.1:");
		if (at != NULL && strchr(at, '\n') != NULL)
			*port = (unsigned)strtoul(at + strlen("ACCEPT 127.0.0.1:"), NULL, 10);
	}
	close(out[0]);
	if (*port == 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		fail_msg("openssl s_server did not start");
	}
	return pid;
}

static void
handshake_refusal_is_tls(void **state)
{
	(void)state;
	struct tls t;
	prepare(&t);
	static const char *const one[] = {"icbc", NULL};
	for (int tls13 = 1; tls13 >= 0; tls13--) {
		unsigned port;
		pid_t pid = start_s_server(&t, tls13, &port);
		snprintf(t.f.base, sizeof t.f.base, "https://127.0.0.1:%u", port);
		char settings[4200];
		snprintf(settings, sizeof settings,
		         "<MaxInFlight>1</MaxInFlight><CaBundle>%s</CaBundle>", t.ca);
		eng_config(&t.f, one, settings);
		struct ck_test_run run;
		int64_t ms;
		eng_run(&t.f, &run, NOW, &ms, NULL);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		if (run.status != 1 || strstr(run.out, "failed 1 (TLS 1)") == NULL)
			fail_msg("TLS 1.%d: %d\n%s%s", tls13 ? 3 : 2, run.status, run.out,
			         run.errout);
		assert_true(ms < 15000);
		ck_test_run_free(&run);
		/* One more query failed, after one attempt; the others wait. */
		assert_int_equal(of(&t, "icbc",
		                    "state = 'failed' AND reason = 'TLS' AND attempts = 1"
		                    " AND reason_detail LIKE '%alert%'"),
		                 tls13 ? 1 : 2);
		assert_int_equal(of(&t, "icbc", "state = 'planned' AND attempts = 0"),
		                 CASES - (tls13 ? 1 : 2));
		assert_int_equal(eng_sql(&t.f, "SELECT count(*) FROM attempts a JOIN queries q"
		                               " ON q.id = a.query_id WHERE q.institution_id ="
		                               " 'icbc' AND a.error_class = 'TLS'"),
		                 tls13 ? 1 : 2);
	}
	finish(&t);
}

static int
setup(void **state)
{
	(void)state;
	openssl = eng_find_program("openssl");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(openssl);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(server_ca_is_needed),
	    cmocka_unit_test(client_certificate_is_needed),
	    cmocka_unit_test(handshake_refusal_is_tls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
