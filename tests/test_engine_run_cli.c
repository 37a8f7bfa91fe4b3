/* SPDX-License-Identifier: MIT */
/*
 * test_engine_run_cli.c: `chakong run` as an operator meets it, against the
 * simulator (docs/chakong.1):
 * - --max-time against an institution whose answers stall: the run returns
 *   at the limit (not when the stalled transfers time out), prints its
 *   summary and exits 0; what was in flight is left to retry, not counted
 *   as a failure, and the next run completes it under the same RequestIds
 *   (one distinct RequestId per query at the simulator);
 * - the live progress line is printed on a terminal only (run under
 *   script(1) for a pseudo-terminal), never with --quiet, and the summary
 *   always.
 */
#include "enginetest.h"

#include <string.h>
#include <time.h>

#define NOW   "2024-03-05T10:00:00+08:00"
#define CASES 5

static const char *const insts[] = {"icbc", "boc", NULL};

static long long
of(struct eng *f, const char *inst, const char *cond)
{
	return eng_sql(f, "SELECT count(*) FROM queries WHERE institution_id = '%s' AND %s", inst,
	               cond);
}

static void
max_time_stops_a_stalled_run(void **state)
{
	(void)state;
	struct eng f;
	eng_world(&f, 60);
	/* Every first attempt at icbc stalls: headers, then a byte every 250 ms,
	 * never the end (docs/sim-server.md); later attempts are answered. */
	sim_world_instance(f.world, "icbc")->behaviour.fault_first[SIM_FAULT_STALL] = 1;
	eng_serve(&f, NULL);
	eng_config(&f, insts, ""); /* TotalTimeoutMs 30 s: the stall outlasts the run */
	char *csv = eng_filings(&f, CASES);
	eng_import(&f, csv, NOW);
	free(csv);

	struct ck_test_run run;
	int64_t ms;
	eng_run(&f, &run, NOW, &ms, (const char *[]){"--max-time", "2", NULL});
	if (run.status != 0)
		fail_msg("run: %d\n%s%s", run.status, run.out, run.errout);
	if (ms < 2000 || ms > 4500)
		fail_msg("--max-time 2 returned after %lld ms", (long long)ms);
	assert_non_null(strstr(run.out, "planned 10 new queries"));
	assert_non_null(strstr(run.out, "answered 5 "));
	assert_non_null(strstr(run.out, "failed 0\n"));
	assert_non_null(strstr(run.out, "to retry later 5"));
	assert_non_null(strstr(run.out, "stopped at --max-time"));
	ck_test_run_free(&run);

	/* What was in flight waits for the next run: one attempt, not a
	 * failure of the institution's, due at once. */
	assert_int_equal(of(&f, "boc", "state = 'answered'"), CASES);
	assert_int_equal(of(&f, "icbc",
	                    "state = 'retry' AND reason = 'ABORTED' AND attempts = 1"
	                    " AND failures = 0"),
	                 CASES);
	assert_int_equal(eng_sql(&f, "SELECT count(*) FROM attempts a JOIN queries q ON"
	                             " q.id = a.query_id WHERE q.institution_id = 'icbc'"
	                             " AND a.error_class = 'ABORTED' AND a.kind = 'submit'"),
	                 CASES);
	assert_int_equal(eng_stat(&f, "icbc", "stall"), CASES);
	assert_int_equal(eng_stat(&f, "icbc", "requests"), CASES);

	/* The next run completes them, under the same RequestIds. */
	eng_run(&f, &run, NOW, &ms, (const char *[]){"--max-time", "20", NULL});
	if (run.status != 0)
		fail_msg("run: %d\n%s%s", run.status, run.out, run.errout);
	assert_non_null(strstr(run.out, "planned 0 new queries; sent 5 requests"));
	assert_null(strstr(run.out, "stopped at --max-time"));
	assert_true(ms < 5000);
	ck_test_run_free(&run);
	assert_int_equal(of(&f, "icbc", "state = 'answered' AND attempts = 2"), CASES);
	assert_int_equal(eng_check_answers(&f, "icbc"), CASES);
	assert_int_equal(eng_check_answers(&f, "boc"), CASES);
	assert_int_equal(eng_stat(&f, "icbc", "distinct_request_ids"), CASES);
	assert_int_equal(eng_stat(&f, "icbc", "requests"), 2 * CASES);
	assert_int_equal(eng_stat(&f, "icbc", "repeats"), CASES);
	assert_int_equal(eng_stat(&f, "boc", "distinct_request_ids"), CASES);
	assert_int_equal(eng_stat(&f, "boc", "requests"), CASES);
	eng_stop(&f);
}

/* A fresh store in the fixture's directory, with the cases imported. */
static void
fresh_store(struct eng *f, const char *name)
{
	if (f->h != NULL)
		sqlite3_close(f->h);
	f->h = NULL;
	free(f->db);
	f->db = ck_test_path(f->dir, name);
	char *csv = eng_filings(f, 4);
	eng_import(f, csv, NOW);
	free(csv);
}

/* `chakong run` under script(1): stdout and stderr are a terminal. */
static void
run_on_tty(struct eng *f, const char *script, const char *extra, struct ck_test_run *run)
{
	char cmd[16384];
	snprintf(cmd, sizeof cmd, "'%s' '--db=%s' '--now=%s' run '--config=%s' %s", CK_CHAKONG_BIN,
	         f->db, NOW, f->config, extra);
	char *argv[] = {(char *)(uintptr_t)script, "-qec", cmd, "/dev/null", NULL};
	ck_test_run(run, NULL, argv);
	if (run->status != 0)
		fail_msg("%s: %d\n%s%s", cmd, run->status, run->out, run->errout);
}

static void
progress_only_on_a_terminal(void **state)
{
	(void)state;
	char *script = eng_find_program("script");
	if (script == NULL) {
		print_message("script(1) is not installed (util-linux): progress line not "
		              "tested\n");
		skip();
	}
	struct eng f;
	eng_world(&f, 60);
	/* About two seconds of work, so that progress is reported (twice a
	 * second) several times. */
	struct sim_instance *boc = sim_world_instance(f.world, "boc");
	boc->behaviour.latency = SIM_LAT_FIXED;
	boc->behaviour.latency_ms = 450;
	eng_serve(&f, NULL);
	static const char *const one[] = {"boc", NULL};
	eng_config(&f, one, "<MaxInFlight>1</MaxInFlight>");

	/* On a terminal: the progress line, rewritten in place, then the
	 * summary. */
	struct ck_test_run run;
	fresh_store(&f, "tty.db");
	run_on_tty(&f, script, "", &run);
	assert_non_null(strstr(run.out, "\rchakong: sent "));
	assert_non_null(strstr(run.out, ", in flight 1"));
	assert_non_null(strstr(run.out, "answered 4 (found "));
	ck_test_run_free(&run);

	/* --quiet: the summary only. */
	fresh_store(&f, "quiet.db");
	run_on_tty(&f, script, "--quiet", &run);
	assert_null(strstr(run.out, "in flight"));
	assert_non_null(strstr(run.out, "answered 4 (found "));
	ck_test_run_free(&run);

	/* Not a terminal (pipes): the summary, and on stderr log lines only. */
	fresh_store(&f, "pipe.db");
	eng_run(&f, &run, NOW, NULL, NULL);
	assert_int_equal(run.status, 0);
	assert_non_null(strstr(run.out, "answered 4 (found "));
	assert_null(strstr(run.out, "in flight"));
	assert_null(strstr(run.errout, "in flight"));
	assert_null(strchr(run.errout, '\r'));
	ck_test_run_free(&run);
	eng_stop(&f);
	free(script);
}

/* `chakong lookup` plans what is due, like the nightly job, but sends only
 * the queries of the debtor it names, and returns once they are settled,
 * however many other queries are due. */
static void
lookup_asks_only_its_debtor(void **state)
{
	(void)state;
	struct eng f;
	eng_world(&f, 60);
	eng_serve(&f, NULL);
	eng_config(&f, insts, "");
	char *csv = eng_filings(&f, CASES);
	eng_import(&f, csv, NOW);
	free(csv);
	struct ck_test_run run;
	char case_no[128] = "", id_no[32] = "";
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(f.h,
	                                    "SELECT c.case_no, d.id_no FROM debtors d JOIN cases c"
	                                    " ON c.id = d.case_id ORDER BY d.id LIMIT 1",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	snprintf(case_no, sizeof case_no, "--case=%s", sqlite3_column_text(s, 0));
	snprintf(id_no, sizeof id_no, "--debtor=%s", sqlite3_column_text(s, 1));
	sqlite3_finalize(s);

	char db[4200], config[4200];
	snprintf(db, sizeof db, "--db=%s", f.db);
	snprintf(config, sizeof config, "--config=%s", f.config);
	char *argv[] = {CK_CHAKONG_BIN, db,     "--now=" NOW,   "lookup", case_no,
	                id_no,          config, "--timeout=30", NULL};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_test_run(&run, NULL, argv);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (run.status != 0)
		fail_msg("lookup: %d\n%s%s", run.status, run.out, run.errout);
	ck_test_run_free(&run);
	assert_true(t1.tv_sec - t0.tv_sec < 10); /* not the whole --timeout */
	for (size_t i = 0; insts[i] != NULL; i++) {
		assert_int_equal(of(&f, insts[i], "state = 'answered'"), 1);
		assert_int_equal(of(&f, insts[i], "state = 'planned'"), CASES - 1);
		assert_int_equal(eng_stat(&f, insts[i], "distinct_request_ids"), 1);
		assert_int_equal(eng_check_answers(&f, insts[i]), 1);
	}
	eng_stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(max_time_stops_a_stalled_run),
	    cmocka_unit_test(progress_only_on_a_terminal),
	    cmocka_unit_test(lookup_asks_only_its_debtor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
