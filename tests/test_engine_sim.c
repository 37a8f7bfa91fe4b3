/* SPDX-License-Identifier: MIT */
/*
 * test_engine_sim.c: the engine against the simulator on loopback: cases
 * generated from the simulated population are imported and run to
 * completion, then the store is compared with what the simulator holds,
 * query by query and record by record (statuses; accounts, balances and
 * freezes; wealth; property units with mortgages and seizures; vehicles
 * and their status letters; wallets and funds; employers, pensions, cards,
 * addresses and spending).  Then the same with transient faults: the
 * answers converge to the same truth and the simulator saw exactly one
 * RequestId per query.  Runs killed with SIGKILL are test_crash.c's.
 */
#include "enginetest.h"
#include "chakong/error.h"

#include <string.h>

#define SEED     20241
#define SUBJECTS 400
#define CASES    200

/* Which faults an instance serves (test 3: every request of some). */
struct fault_plan {
	const char *instance;
	enum sim_fault fault;
};

static void
start_with(struct ck_et *f, int faults, const struct fault_plan *plan, size_t n_plan, size_t cases)
{
	ck_et_world(f, SEED, SUBJECTS);
	for (size_t i = 0; faults && i < f->world->n_instances; i++) {
		struct sim_behaviour *b = &f->world->instances[i].behaviour;
		b->fault_permille[SIM_FAULT_500] = 100;
		b->fault_permille[SIM_FAULT_503] = 50;
		b->fault_permille[SIM_FAULT_429] = 50;
		b->fault_permille[SIM_FAULT_RESET] = 40;
		b->fault_permille[SIM_FAULT_TRUNCATED] = 40;
		b->fault_permille[SIM_FAULT_STALL] = 20;
		b->retry_after_s = 1;
	}
	for (size_t i = 0; i < n_plan; i++) {
		struct sim_instance *inst = sim_world_instance(f->world, plan[i].instance);
		assert_non_null(inst);
		inst->behaviour.fault_permille[plan[i].fault] = 1000;
	}
	static const struct ck_et_tuning tuning = CK_ET_TUNING_DEFAULT;
	ck_et_serve(f, &tuning);
	ck_et_import(f, cases, 300);
}

static void
start(struct ck_et *f, int faults)
{
	start_with(f, faults, NULL, 0, CASES);
}

static void
run_equals_truth(void **state)
{
	(void)state;
	struct ck_et f;
	start(&f, 0);
	struct ck_run_stats stats;
	ck_et_run(&f, 1, &stats);
	assert_int_equal(stats.failed, 0);
	assert_true(stats.answered > 0);
	assert_int_equal(ck_et_sql(&f, "SELECT count(*) FROM queries WHERE state NOT IN"
	                               " ('answered', 'not_applicable')"),
	                 0);
	ck_et_compare_with_truth(&f);
	ck_et_one_request_id_per_query(&f);
	assert_int_equal(ck_et_sql(&f, "SELECT count(*) FROM queries WHERE state = 'answered'"
	                               " AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.query_id ="
	                               " queries.id AND a.action = 'query.answered')"),
	                 0);
	/* A second run finds nothing to do and sends nothing. */
	ck_et_run(&f, 1, &stats);
	assert_int_equal(stats.sent, 0);
	ck_et_stop(&f);
}

static void
faults_converge_to_the_same_truth(void **state)
{
	(void)state;
	struct ck_et f;
	start(&f, 1);
	struct ck_run_stats stats;
	ck_et_run(&f, 1, &stats);
	if (stats.failed != 0)
		fail_msg("%d queries failed, the first reason %s (%d)", stats.failed,
		         stats.failures[0].reason, stats.failures[0].count);
	assert_true(stats.sent > stats.answered); /* the faults were met and retried */
	ck_et_compare_with_truth(&f);
	ck_et_one_request_id_per_query(&f);
	assert_true(ck_et_sql(&f, "SELECT count(*) FROM attempts WHERE error_class IS NOT NULL"
	                          " OR http_status >= 429") > 0);
	ck_et_stop(&f);
}

/* Count of queries of one institution in a state with a reason. */
static long long
failed_with(struct ck_et *f, const char *inst, const char *reason)
{
	char sql[256];
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM queries WHERE institution_id = '%s' AND state = 'failed'"
	         " AND reason = '%s'",
	         inst, reason);
	return ck_et_sql(f, "%s", sql);
}

static long long
of_institution(struct ck_et *f, const char *inst, const char *cond)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM queries WHERE institution_id = '%s' AND %s",
	         inst, cond);
	return ck_et_sql(f, "%s", sql);
}

static void
permanent_faults_fail_with_their_reason(void **state)
{
	(void)state;
	static const struct fault_plan plan[] = {
	    {"icbc", SIM_FAULT_401},          {"boc", SIM_FAULT_MALFORMED},
	    {"ccb", SIM_FAULT_WRONG_SUBJECT}, {"bdc-taixing", SIM_FAULT_DOCTYPE},
	    {"jd", SIM_FAULT_BOMB},           {"trff", SIM_FAULT_OVERSIZED},
	};
	struct ck_et f;
	start_with(&f, 0, plan, sizeof plan / sizeof plan[0], 12);
	struct ck_run_stats stats;
	ck_et_run(&f, 1, &stats);
	assert_int_equal(stats.stopped_institutions, 1);

	/* Credentials refused: what was in flight fails, nothing more is sent
	 * to it in this run; the rest waits for the next run. */
	long long refused = failed_with(&f, "icbc", "CREDENTIALS");
	assert_true(refused >= 1 && refused <= 8);
	assert_int_equal(of_institution(&f, "icbc", "state = 'planned'"),
	                 of_institution(&f, "icbc", "1") - refused);
	assert_int_equal(of_institution(&f, "boc", "1"), failed_with(&f, "boc", "MALFORMED"));
	assert_int_equal(of_institution(&f, "ccb", "1"), failed_with(&f, "ccb", "WRONG_SUBJECT"));
	assert_int_equal(of_institution(&f, "bdc-taixing", "1"),
	                 failed_with(&f, "bdc-taixing", "HOSTILE"));
	assert_int_equal(of_institution(&f, "jd", "1"), failed_with(&f, "jd", "HOSTILE"));
	assert_int_equal(of_institution(&f, "trff", "1"), failed_with(&f, "trff", "TOO_BIG"));
	/* What was refused is kept for audit, marked, and never an asset. */
	assert_int_equal(ck_et_sql(&f, "SELECT count(*) FROM raw_answers r JOIN queries q ON"
	                               " q.id = r.query_id WHERE q.institution_id = 'ccb'"
	                               " AND r.rejected = 1 AND r.reject_reason = 'WRONG_SUBJECT'"),
	                 of_institution(&f, "ccb", "1"));
	assert_int_equal(ck_et_sql(&f, "SELECT count(*) FROM assets a JOIN queries q ON"
	                               " q.id = a.query_id WHERE q.institution_id IN"
	                               " ('icbc', 'boc', 'ccb', 'bdc-taixing', 'jd', 'trff')"),
	                 0);
	/* The other institutions are unaffected. */
	static const char *const broken[] = {"icbc", "boc",  "ccb", "bdc-taixing",
	                                     "jd",   "trff", NULL};
	ck_et_compare_with_truth_but(&f, broken);
	assert_true(ck_et_sql(&f, "SELECT count(*) FROM queries WHERE state = 'answered'") > 20);
	ck_et_stop(&f);
}

/* Tickets outlive a run; an expired one is submitted again under the same
 * RequestId and its answer collected by a later run. */
static void
tickets_survive_runs_and_expiry(void **state)
{
	(void)state;
	struct ck_et f;
	start_with(&f, 0, NULL, 0, 12);
	struct ck_run_stats stats;
	ck_et_run(&f, 0, &stats); /* no wait: social insurance answers later */
	long long waiting = of_institution(&f, "si", "state = 'waiting' AND ticket IS NOT NULL");
	assert_true(waiting > 0);
	/* Three days later the tickets have expired at the institution. */
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_server_advance(f.server, 73 * 3600, err), CK_OK);
	ck_et_run(&f, 1, &stats);
	assert_int_equal(of_institution(&f, "si", "state NOT IN ('answered', 'not_applicable')"),
	                 0);
	assert_true(ck_et_sql(&f, "SELECT count(*) FROM attempts t JOIN queries q ON q.id ="
	                          " t.query_id WHERE q.institution_id = 'si' AND t.kind = 'poll'"
	                          " AND t.http_status = 404") > 0);
	ck_et_compare_with_truth(&f);
	ck_et_one_request_id_per_query(&f);
	ck_et_stop(&f);
}

/* The progress callback may read the store (chakong run writes the reports
 * of the cases just completed from it): whatever the run has counted as
 * answered by then is committed, as another connection sees it, although
 * the run commits its steps in groups. */
struct progress_seen {
	struct ck_et *f;
	int calls, behind;
};

static void
progress_reads_committed(void *ctx, const struct ck_run_stats *stats)
{
	struct progress_seen *p = ctx;
	p->calls++;
	long long seen = ck_et_sql(p->f, "SELECT count(*) FROM queries WHERE state = 'answered'");
	if (seen < stats->answered)
		p->behind++;
}

static void
progress_sees_what_is_committed(void **state)
{
	(void)state;
	struct ck_et f;
	start(&f, 0);
	/* A steady trickle of answers for a few seconds: 100 a second from
	 * each institution, so that groups are open when progress is called. */
	for (size_t i = 0; i < f.cfg->n_insts; i++)
		f.cfg->insts[i].rate_x100 = 10000;
	struct progress_seen seen = {.f = &f};
	struct ck_clock clock;
	ck_clock_fixed(&clock, 1709600000); /* 2024-03-05 */
	struct ck_sched_opts opts = {.wait = 1,
	                             .max_time_s = 240,
	                             .seed = 7,
	                             .progress = progress_reads_committed,
	                             .ctx = &seen};
	struct ck_run_stats stats;
	char err[CK_ERR_SIZE] = "";
	if (ck_sched_run(f.st, f.cfg, f.xsd, &clock, &opts, &stats, err) != CK_OK)
		fail_msg("run: %s", err);
	assert_true(seen.calls >= 2);
	assert_int_equal(seen.behind, 0);
	assert_int_equal(ck_et_sql(&f, "SELECT count(*) FROM queries WHERE state = 'answered'"),
	                 stats.answered);
	ck_et_stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(run_equals_truth),
	    cmocka_unit_test(progress_sees_what_is_committed),
	    cmocka_unit_test(faults_converge_to_the_same_truth),
	    cmocka_unit_test(permanent_faults_fail_with_their_reason),
	    cmocka_unit_test(tickets_survive_runs_and_expiry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
