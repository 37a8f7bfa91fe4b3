/* SPDX-License-Identifier: MIT */
/*
 * test_crash.c: the crash suite, short (docs/RELIABILITY.md; the long one is
 * tests/long/long_crash.c): `chakong run` against the simulator killed with
 * SIGKILL at random moments until it finishes, then compared with the truth
 * and with an uninterrupted run, findings and reports; runs killed while
 * writing reports, no report ever cut short; `chakong import` of a large
 * filing killed at random moments, no case ever half imported.
 *
 * CK_CRASH_SEED=N repeats the kill moments of a run (they are printed).
 */
#include "reliability.h"

static void
killed_runs_converge(void **state)
{
	(void)state;
	uint64_t seed = ck_rel_seed("CK_CRASH_SEED");
	struct ck_crash_params p = {
	    .world_seed = 20241,
	    .kill_seed = seed,
	    .subjects = 400,
	    .cases = 60,
	    .min_kills = 6,
	    .min_report_kills = 5,
	    .min_queries = 500,
	    .latency_median_ms = 15,
	    .deadline_ms = 180000,
	};
	struct ck_crash_figures fig;
	ck_crash_runs(&p, &fig);
	print_message("crash: %lld queries, %d kills in %d starts (lives %lld to %lld ms), %lld "
	              "requests (%lld uninterrupted), %lld ms against %lld ms uninterrupted\n",
	              fig.queries, fig.kill.kills, fig.kill.starts, (long long)fig.kill.shortest_ms,
	              (long long)fig.kill.longest_ms, fig.requests, fig.ref_requests,
	              (long long)fig.kill.elapsed_ms, (long long)fig.reference_ms);
	print_message("reports: %d files, written in %lld ms; %d kills of their writing in %d "
	              "starts (%d with the reports half written, %d more of runs writing theirs)\n",
	              fig.report_files, (long long)fig.report_write_ms, fig.report_kill.kills,
	              fig.report_kill.starts, fig.report_mid_kills, fig.run_mid_report_kills);
	assert_true(fig.kill.kills >= 5);
	assert_true(fig.report_kill.kills >= 5);
	assert_int_equal(fig.integrity_checks, fig.kill.kills + fig.report_kill.kills);
}

static void
killed_imports_leave_whole_cases(void **state)
{
	(void)state;
	uint64_t seed = ck_rel_seed("CK_CRASH_SEED");
	struct ck_import_figures fig;
	ck_crash_import(7, seed, 30000, 5, &fig);
	print_message("import: %lld cases, %lld debtors, %d kills (%d with part of the file "
	              "stored), %lld ms uninterrupted\n",
	              fig.cases, fig.debtors, fig.kill.kills, fig.mid_import_kills,
	              (long long)fig.reference_ms);
	assert_true(fig.kill.kills >= 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(killed_runs_converge),
	    cmocka_unit_test(killed_imports_leave_whole_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
