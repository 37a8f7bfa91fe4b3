/* SPDX-License-Identifier: MIT */
/*
 * test_isolation.c: one broken institution does not slow the others
 * (docs/RELIABILITY.md).  The time the healthy institutions take to settle
 * every query is measured with all institutions healthy and with one that
 * stalls every answer (headers, then a byte now and then, never the end),
 * interleaved, twice each; the best of each must be within 1.2x.
 * Registered to run alone (RUN_SERIAL): the measure wants a quiet machine.
 */
#include "reliability.h"

static void
a_stalled_institution_does_not_slow_the_others(void **state)
{
	(void)state;
	struct ck_isolation_params p = {
	    .world_seed = 4242,
	    .subjects = 400,
	    .cases = 120,
	    .stalled = "icbc",
	    .repetitions = 2,
	    .latency_ms = 40,
	    .max_in_flight = 4,
	    .total_timeout_ms = 2000,
	};
	struct ck_isolation_figures fig;
	ck_isolation_measure(&p, &fig);
	print_message("isolation: best %lld ms healthy, %lld ms beside a stalled institution: "
	              "ratio %.3f\n",
	              (long long)fig.best_healthy_ms, (long long)fig.best_with_stalled_ms,
	              fig.ratio);
	/* Enough work for the ratio to mean something. */
	assert_true(fig.best_healthy_ms >= 2000);
	if (fig.ratio > 1.2)
		fail_msg("the healthy institutions took %.2fx as long beside a stalled one",
		         fig.ratio);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_stalled_institution_does_not_slow_the_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
