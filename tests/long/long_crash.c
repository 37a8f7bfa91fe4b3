/* SPDX-License-Identifier: MIT */
/*
 * long_crash.c: the crash suite at full size (docs/RELIABILITY.md): three
 * runs of over 5 000 queries each against the simulator (latency,
 * asynchronous social insurance; the third with transient faults too),
 * `chakong run` killed with SIGKILL at random moments at least 20 times
 * per run, each run with its own seeds, and its reports compared with an
 * uninterrupted run's, then runs writing those reports killed at least 20
 * times; then `chakong import` of a filing of 100 000 cases killed at least
 * 20 times.
 *
 * CK_CRASH_SEED=N sets the first kill seed (the others follow it).
 */
#include "reliability.h"

static void
runs_of_5000_queries_killed_20_times(void **state)
{
	(void)state;
	uint64_t seed = ck_rel_seed("CK_CRASH_SEED");
	int total_kills = 0;
	for (int i = 0; i < 3; i++) {
		struct ck_crash_params p = {
		    .world_seed = 901 + (uint64_t)i,
		    .kill_seed = seed + (uint64_t)i,
		    .subjects = 1000,
		    .cases = 470,
		    .min_kills = 20,
		    .min_report_kills = 20,
		    .min_queries = 5000,
		    .latency_median_ms = 25,
		    .transient_faults = i == 2,
		    .deadline_ms = 1200000,
		};
		struct ck_crash_figures fig;
		ck_crash_runs(&p, &fig);
		print_message(
		    "crash run %d (world %llu, kill seed %llu%s): %lld queries answered, "
		    "%d kills in %d starts (lives %lld to %lld ms), %d integrity checks, "
		    "%lld requests (%lld repeating a RequestId; %lld uninterrupted), %lld "
		    "ms against %lld ms uninterrupted\n",
		    i + 1, (unsigned long long)p.world_seed, (unsigned long long)p.kill_seed,
		    p.transient_faults ? ", transient faults" : "", fig.queries, fig.kill.kills,
		    fig.kill.starts, (long long)fig.kill.shortest_ms,
		    (long long)fig.kill.longest_ms, fig.integrity_checks, fig.requests, fig.repeats,
		    fig.ref_requests, (long long)fig.kill.elapsed_ms, (long long)fig.reference_ms);
		print_message("  reports: %d files, written in %lld ms; %d kills of their writing "
		              "in %d starts (%d with the reports half written, %d more of runs "
		              "writing theirs)\n",
		              fig.report_files, (long long)fig.report_write_ms,
		              fig.report_kill.kills, fig.report_kill.starts, fig.report_mid_kills,
		              fig.run_mid_report_kills);
		assert_true(fig.kill.kills >= 20);
		assert_true(fig.report_kill.kills >= 20);
		assert_true(fig.queries >= 5000);
		total_kills += fig.kill.kills;
	}
	print_message("crash runs: %d kills survived\n", total_kills);
}

static void
import_of_100000_cases_killed_20_times(void **state)
{
	(void)state;
	uint64_t seed = ck_rel_seed("CK_CRASH_SEED");
	struct ck_import_figures fig;
	ck_crash_import(77, seed, 100000, 20, &fig);
	print_message("crash import: %lld cases, %lld debtors, %d kills in %d starts over %d "
	              "stores (%d with part of the file stored; lives %lld to %lld ms), %lld ms "
	              "uninterrupted\n",
	              fig.cases, fig.debtors, fig.kill.kills, fig.kill.starts, fig.episodes,
	              fig.mid_import_kills, (long long)fig.kill.shortest_ms,
	              (long long)fig.kill.longest_ms, (long long)fig.reference_ms);
	assert_true(fig.kill.kills >= 20);
	assert_true(fig.mid_import_kills > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(runs_of_5000_queries_killed_20_times),
	    cmocka_unit_test(import_of_100000_cases_killed_20_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
