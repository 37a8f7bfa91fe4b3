/* SPDX-License-Identifier: MIT */
/*
 * test_faults.c: the fault suite, short (docs/RELIABILITY.md; the long one
 * is tests/long/long_faults.c).  Every fault class of the simulator at 50 %
 * of the attempts, alone at an institution, then all mixed at every
 * institution: each query ends as the faults it met say (answered and equal
 * to the truth, or failed with the fault's reason), every attempt is
 * recorded as the fault it met, and the run ends within what its timeouts
 * allow.
 */
#include "reliability.h"

#define SEED     7301
#define SUBJECTS 300

/* Institution i gets class (i + offset) mod SIM_FAULT_COUNT_ at `permille`. */
static void
rotation(size_t offset, size_t cases, struct ck_fault_figures *total)
{
	struct ck_et f;
	ck_et_world(&f, SEED + offset, SUBJECTS);
	for (size_t i = 0; i < f.world->n_instances; i++) {
		struct sim_behaviour *b = &f.world->instances[i].behaviour;
		b->fault_permille[(i + offset) % SIM_FAULT_COUNT_] = 500;
		b->retry_after_s = 1;
	}
	static const struct ck_et_tuning tuning = CK_FAULT_TUNING;
	ck_et_serve(&f, &tuning);
	ck_et_import(&f, cases, 300);
	struct ck_fault_figures fig;
	ck_faults_run_and_check(&f, &fig);
	ck_fault_figures_add(total, &fig);
	ck_et_stop(&f);
}

static void
each_class_alone_at_half(void **state)
{
	(void)state;
	struct ck_fault_figures total = {0};
	/* Two runs give every class an institution: 0..8, then 9..11 and 0..5. */
	rotation(0, 14, &total);
	rotation(9, 14, &total);
	ck_fault_figures_print("each class alone at 50 %", &total);
	for (int c = 0; c < SIM_FAULT_COUNT_; c++)
		if (total.injected[c] == 0)
			fail_msg("no %s fault was met", sim_fault_name(c));
	static const int permanent[] = {SIM_FAULT_MALFORMED,     SIM_FAULT_DOCTYPE,
	                                SIM_FAULT_BOMB,          SIM_FAULT_OVERSIZED,
	                                SIM_FAULT_WRONG_SUBJECT, SIM_FAULT_401};
	for (size_t k = 0; k < sizeof permanent / sizeof permanent[0]; k++)
		assert_true(total.failed_by[permanent[k]] > 0);
	assert_true(total.answered > total.queries / 3);
}

static void
all_classes_mixed(void **state)
{
	(void)state;
	/* Every class but 401 (which stops the institution for the run) at
	 * every institution, half of the attempts faulted in all. */
	struct ck_et f;
	ck_et_world(&f, SEED, SUBJECTS);
	for (size_t i = 0; i < f.world->n_instances; i++) {
		struct sim_behaviour *b = &f.world->instances[i].behaviour;
		for (int c = 0; c < SIM_FAULT_COUNT_; c++)
			b->fault_permille[c] = c == SIM_FAULT_401 ? 0 : 45;
		b->retry_after_s = 1;
	}
	static const struct ck_et_tuning tuning = CK_FAULT_TUNING;
	ck_et_serve(&f, &tuning);
	ck_et_import(&f, 20, 300);
	struct ck_fault_figures fig;
	ck_faults_run_and_check(&f, &fig);
	ck_fault_figures_print("all classes but 401 mixed, 49.5 % in all", &fig);
	for (int c = 0; c < SIM_FAULT_COUNT_; c++)
		if (c != SIM_FAULT_401 && fig.injected[c] == 0)
			fail_msg("no %s fault was met", sim_fault_name(c));
	assert_true(fig.answered > 0);
	ck_et_stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_class_alone_at_half),
	    cmocka_unit_test(all_classes_mixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
