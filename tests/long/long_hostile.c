/* SPDX-License-Identifier: MIT */
/*
 * long_hostile.c: the hostile institutions of tests/test_hostile_answers.c
 * at full size: 40 cases (over 1 100 queries), every institution at the
 * default MaxInFlight (8) and TotalTimeoutMs (30 s) with trickles of one
 * byte a second, oversized answers of 512 MiB.  The same outcomes, canary,
 * audit and peak-memory checks; the figures go to docs/RELIABILITY.md.
 */
#include "hostile_answers.h"

#include <time.h>

static void
hostile_answers_at_full_size(void **state)
{
	(void)state;
	struct hostile_run h;
	struct hostile_size size = {
	    .cases = 40,
	    .huge_bytes = (size_t)512 << 20,
	    .max_in_flight = 8,
	    .total_timeout_ms = 30000,
	    .trickle_ms = 1000,
	};
	hostile_setup(&h, &size);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct rusage ru;
	assert_int_equal(hostile_run_engine(&h, 0, &ru), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	hostile_check_outcomes(&h);
	hostile_check_canaries(&h);
	hostile_check_audit(&h);
	long bound_kib = hostile_memory_bound(&size) / 1024;
	long cpu_ms = (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	              (long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	printf("hostile answers at full size: %d institutions, %d queries, %u requests in %ld s; "
	       "engine peak RSS %ld KiB (bound %ld KiB), CPU %ld ms\n",
	       h.n_insts, h.n_insts * size.cases, hs_requests(h.server, NULL),
	       (long)(t1.tv_sec - t0.tv_sec), ru.ru_maxrss, bound_kib, cpu_ms);
#if !defined(__SANITIZE_ADDRESS__)
	if (ru.ru_maxrss > bound_kib)
		fail_msg("the engine peaked at %ld KiB, over its bound of %ld KiB", ru.ru_maxrss,
		         bound_kib);
#endif
	hostile_teardown(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hostile_answers_at_full_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
