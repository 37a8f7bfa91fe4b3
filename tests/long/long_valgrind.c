/* SPDX-License-Identifier: MIT */
/*
 * long_valgrind.c: the chakong program under valgrind memcheck
 * (--leak-check=full, definite leaks and memory errors are failures): every
 * command end to end against the simulator on loopback (import, run to
 * completion, lookup, cases, institutions), and a run against the hostile
 * institutions of hostile_answers.h.  The engine-against-simulator test
 * itself runs under valgrind too (ctest valgrind_test_engine_sim).
 */
#include "hostile_answers.h"
#include "server.h"
#include "sim.h"
#include "chakong/error.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define VALGRIND_ERROR 99

/* valgrind's path, from PATH. */
static char *
valgrind_path(void)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path ? path : "/usr/bin:/bin");
	char *found = NULL, *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir != NULL && found == NULL;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p = ck_test_path(dir, "valgrind");
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	if (found == NULL)
		fail_msg(
		    "valgrind is not installed (scripts/deps.sh installs it for the long suites)");
	return found;
}

/* Runs chakong under valgrind with up to 8 arguments; returns its exit
 * status, failing the test on a valgrind error. */
static int
chakong(const char *dir, const char *db, char *const args[], struct ck_test_run *run)
{
	static char *vg;
	if (vg == NULL)
		vg = valgrind_path();
	char db_opt[4200];
	snprintf(db_opt, sizeof db_opt, "--db=%s", db);
	char *argv[20] = {vg,
	                  "--quiet",
	                  "--leak-check=full",
	                  "--errors-for-leak-kinds=definite",
	                  "--error-exitcode=99",
	                  CK_CHAKONG_BIN,
	                  db_opt,
	                  "--now=@1709600000"};
	size_t n = 8;
	for (size_t i = 0; args[i] != NULL && n < 19; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	ck_test_run(run, dir, argv);
	if (run->status == VALGRIND_ERROR)
		fail_msg("valgrind found errors in chakong %s:\n%s", args[0], run->errout);
	return run->status;
}

static void
every_command_against_the_simulator(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE] = "";
	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "store.db");
	struct sim_world *world;
	assert_int_equal(sim_world_new(20241, 200, &world, err), CK_OK);
	struct sim_server_opts so = {0};
	struct sim_server *server;
	if (sim_server_start(world, &so, &server, err) != CK_OK)
		fail_msg("simulator: %s", err);
	char base[64];
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim_server_port(server));
	char *config = ck_test_path(dir, "chakong.xml");
	FILE *f = fopen(config, "w");
	assert_non_null(f);
	assert_int_equal(sim_write_config(world, base, f, err), CK_OK);
	fclose(f);
	char *filings = ck_test_path(dir, "filings.csv");
	f = fopen(filings, "w");
	assert_non_null(f);
	struct sim_filings_opts fo = {.cases = 20, .multi_debtor_permille = 300};
	assert_int_equal(sim_write_filings(world, &fo, f, err), CK_OK);
	fclose(f);

	struct ck_test_run run;
	char *import[] = {"import", filings, NULL};
	assert_int_equal(chakong(dir, db, import, &run), 0);
	ck_test_run_free(&run);
	char config_opt[4200];
	snprintf(config_opt, sizeof config_opt, "--config=%s", config);
	char *nightly[] = {"run", config_opt, "--wait", "--quiet", "--max-time=1200", NULL};
	if (chakong(dir, db, nightly, &run) != 0)
		fail_msg("run: %s%s", run.out, run.errout);
	ck_test_run_free(&run);

	/* Everything was answered (or was not applicable). */
	sqlite3 *h;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(h,
	                       "SELECT (SELECT count(*) FROM queries WHERE state NOT IN"
	                       " ('answered', 'not_applicable')),"
	                       " (SELECT count(*) FROM queries),"
	                       " (SELECT c.case_no || ' ' || d.id_no FROM cases c JOIN"
	                       " debtors d ON d.case_id = c.id LIMIT 1)",
	                       -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 0);
	assert_true(sqlite3_column_int(s, 1) > 100);
	char pair[256];
	snprintf(pair, sizeof pair, "%s", (const char *)sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	sqlite3_close(h);

	char *space = strchr(pair, ' ');
	*space = '\0';
	char case_opt[300], debtor_opt[64];
	snprintf(case_opt, sizeof case_opt, "--case=%s", pair);
	snprintf(debtor_opt, sizeof debtor_opt, "--debtor=%s", space + 1);
	char *lookup[] = {"lookup", case_opt, debtor_opt, config_opt, "--timeout=600", NULL};
	assert_int_equal(chakong(dir, db, lookup, &run), 0);
	assert_non_null(strstr(run.out, "assets:"));
	ck_test_run_free(&run);
	char *cases[] = {"cases", "--debtors", NULL};
	assert_int_equal(chakong(dir, db, cases, &run), 0);
	assert_int_equal(ck_test_count(run.out, "(20"), 20);
	ck_test_run_free(&run);
	char *insts[] = {"institutions", config_opt, NULL};
	assert_int_equal(chakong(dir, db, insts, &run), 0);
	ck_test_run_free(&run);

	sim_server_stop(server);
	sim_world_free(world);
	ck_test_rmtree(dir);
	free(filings);
	free(config);
	free(db);
	free(dir);
}

static void
hostile_institutions_under_valgrind(void **state)
{
	(void)state;
	struct hostile_run h;
	struct hostile_size size = {
	    .cases = 2,
	    .huge_bytes = (size_t)50 << 20,
	    .max_in_flight = 2,
	    .total_timeout_ms = 5000,
	};
	hostile_setup(&h, &size);
	struct rusage ru;
	assert_int_equal(hostile_run_engine(&h, 1, &ru), 1);
	hostile_check_outcomes(&h);
	hostile_check_canaries(&h);
	hostile_check_audit(&h);
	hostile_teardown(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_command_against_the_simulator),
	    cmocka_unit_test(hostile_institutions_under_valgrind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
