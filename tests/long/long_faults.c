/* SPDX-License-Identifier: MIT */
/*
 * long_faults.c: the fault suite at full size (docs/RELIABILITY.md): every
 * fault class at 50 % alone at every institution (twelve runs, the classes
 * turning round the institutions), all classes mixed at every institution
 * with three seeds (50 % of the attempts faulted in all), and the isolation
 * measure with more work, three times each, with a short timeout and with
 * the default one.
 */
#include "reliability.h"

static const struct ck_et_tuning tuning = CK_FAULT_TUNING;

static void
every_class_alone_at_every_institution(void **state)
{
	(void)state;
	struct ck_fault_figures total = {0};
	for (size_t offset = 0; offset < SIM_FAULT_COUNT_; offset++) {
		struct ck_et f;
		ck_et_world(&f, 5100 + offset, 600);
		for (size_t i = 0; i < f.world->n_instances; i++) {
			struct sim_behaviour *b = &f.world->instances[i].behaviour;
			b->fault_permille[(i + offset) % SIM_FAULT_COUNT_] = 500;
			b->retry_after_s = 1;
		}
		ck_et_serve(&f, &tuning);
		ck_et_import(&f, 40, 300);
		struct ck_fault_figures fig;
		ck_faults_run_and_check(&f, &fig);
		ck_fault_figures_add(&total, &fig);
		ck_et_stop(&f);
	}
	ck_fault_figures_print("each class alone at 50 %, every institution", &total);
	for (int c = 0; c < SIM_FAULT_COUNT_; c++)
		assert_true(total.injected[c] > 0);
}

static void
all_classes_mixed_three_seeds(void **state)
{
	(void)state;
	struct ck_fault_figures total = {0};
	for (int run = 0; run < 3; run++) {
		struct ck_et f;
		ck_et_world(&f, 6100 + (uint64_t)run, 600);
		for (size_t i = 0; i < f.world->n_instances; i++) {
			struct sim_behaviour *b = &f.world->instances[i].behaviour;
			/* The third run includes 401 (stopping an institution for
			 * the run); the first two leave it out so that their
			 * institutions see every other class to the end. */
			for (int c = 0; c < SIM_FAULT_COUNT_; c++)
				b->fault_permille[c] = run == 2 ? 41 : c == SIM_FAULT_401 ? 0 : 45;
			b->retry_after_s = 1;
		}
		ck_et_serve(&f, &tuning);
		ck_et_import(&f, 80, 300);
		struct ck_fault_figures fig;
		ck_faults_run_and_check(&f, &fig);
		ck_fault_figures_add(&total, &fig);
		ck_et_stop(&f);
	}
	ck_fault_figures_print("all classes mixed at 50 % in all, three seeds", &total);
	for (int c = 0; c < SIM_FAULT_COUNT_; c++)
		assert_true(total.injected[c] > 0);
}

static void
isolation(unsigned timeout_ms)
{
	struct ck_isolation_params p = {
	    .world_seed = 4243,
	    .subjects = 800,
	    .cases = 300,
	    .stalled = "icbc",
	    .repetitions = 3,
	    .latency_ms = 40,
	    .max_in_flight = 4,
	    .total_timeout_ms = timeout_ms,
	};
	struct ck_isolation_figures fig;
	ck_isolation_measure(&p, &fig);
	print_message("isolation (timeout %u ms): best %lld ms healthy, %lld ms beside a stalled "
	              "institution: ratio %.3f\n",
	              timeout_ms, (long long)fig.best_healthy_ms,
	              (long long)fig.best_with_stalled_ms, fig.ratio);
	assert_true(fig.best_healthy_ms >= 5000);
	if (fig.ratio > 1.2)
		fail_msg("the healthy institutions took %.2fx as long beside a stalled one",
		         fig.ratio);
}

static void
a_stalled_institution_does_not_slow_the_others(void **state)
{
	(void)state;
	isolation(2000);  /* the stalled one times out, backs off, trips its breaker */
	isolation(30000); /* the default: it holds its connections throughout */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_class_alone_at_every_institution),
	    cmocka_unit_test(all_classes_mixed_three_seeds),
	    cmocka_unit_test(a_stalled_institution_does_not_slow_the_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
