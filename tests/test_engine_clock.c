/* SPDX-License-Identifier: MIT */
/*
 * test_engine_clock.c: re-inquiry of terminated cases end to end, with the
 * clock set by --now (DOMAIN.md: for five years after termination the
 * court re-queries every six months; store.h, ck_store_plan).
 *
 * Two cases are imported with `chakong import`: one active, one filed as
 * terminated on 2024-03-10.  `chakong run` at successive times, the
 * simulator's clock kept in step:
 * - at filing: round 0 of the active case only (a case filed terminated
 *   gets no round 0), answered as the simulator holds;
 * - the day before six months have passed: nothing planned, nothing sent;
 * - six months later: round 1 of the terminated case, RequestIds ending in
 *   -r1, answered; a second run that day sends nothing more;
 * - a year after termination: round 2;
 * - two years after: round 4 (round 3, missed, is not made up);
 * - five years after: round 10, the last; nothing after it.
 */
#include "enginetest.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"

#include <string.h>

static const char *const insts[] = {"icbc", "trff", "jd", NULL};
#define N_INSTS 3

#define ACTIVE     "(2024)苏1283执101号"
#define TERMINATED "(2024)苏1283执102号"

/* A person of the population not yet used. */
static const struct sim_subject *
person(struct eng *f, size_t *from)
{
	while (*from < f->world->n_subjects && f->world->subjects[*from].kind != CK_SUBJECT_PERSON)
		(*from)++;
	assert_true(*from < f->world->n_subjects);
	return &f->world->subjects[(*from)++];
}

static int64_t
epoch(const char *text)
{
	struct ck_clock c;
	char err[CK_ERR_SIZE] = "";
	if (ck_clock_from_text(&c, text, err) != CK_OK)
		fail_msg("%s: %s", text, err);
	return ck_clock_now(&c);
}

/* The simulator's clock to `text`, then `chakong run --wait` at it. */
static void
run_at(struct eng *f, const char *text, struct ck_test_run *run)
{
	char err[CK_ERR_SIZE] = "";
	int64_t ahead = epoch(text) - sim_server_now_ms(f->server) / 1000;
	if (ahead > 0 && sim_server_advance(f->server, ahead, err) != CK_OK)
		fail_msg("advance: %s", err);
	eng_run(f, run, text, NULL, (const char *[]){"--wait", NULL});
	if (run->status != 0)
		fail_msg("run at %s: %d\n%s%s", text, run->status, run->out, run->errout);
}

static long long
requests(struct eng *f)
{
	long long n = 0;
	for (size_t i = 0; insts[i] != NULL; i++)
		n += eng_stat(f, insts[i], "requests");
	return n;
}

static long long
distinct(struct eng *f)
{
	long long n = 0;
	for (size_t i = 0; insts[i] != NULL; i++)
		n += eng_stat(f, insts[i], "distinct_request_ids");
	return n;
}

/* The queries of a case's round: all answered, RequestIds ending -rN. */
static void
round_answered(struct eng *f, const char *case_no, int round)
{
	assert_int_equal(eng_sql(f,
	                         "SELECT count(*) FROM queries q JOIN cases c ON c.id = q.case_id"
	                         " WHERE c.case_no = '%s' AND q.round = %d AND q.state = 'answered'"
	                         " AND q.request_id LIKE '%%-r%d'",
	                         case_no, round, round),
	                 N_INSTS);
	assert_int_equal(eng_sql(f,
	                         "SELECT count(*) FROM rounds r JOIN cases c ON c.id = r.case_id"
	                         " WHERE c.case_no = '%s' AND r.round = %d",
	                         case_no, round),
	                 1);
}

static long long
rounds_of(struct eng *f, const char *case_no)
{
	return eng_sql(f,
	               "SELECT count(*) FROM rounds r JOIN cases c ON c.id = r.case_id"
	               " WHERE c.case_no = '%s'",
	               case_no);
}

/* Nothing planned, nothing sent, nothing new at the simulator. */
static void
nothing_due(struct eng *f, const char *text)
{
	long long before = requests(f);
	struct ck_test_run run;
	run_at(f, text, &run);
	if (strstr(run.out, "planned 0 new queries; sent 0 requests") == NULL)
		fail_msg("at %s:\n%s", text, run.out);
	ck_test_run_free(&run);
	assert_int_equal(requests(f), before);
}

static void
terminated_case_every_six_months(void **state)
{
	(void)state;
	struct eng f;
	eng_world(&f, 60);
	struct sim_server_opts so = {0};
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_clock_offset("2024-03-05T10:00:00+08:00", &so.clock_offset_ms, err),
	                 CK_OK);
	eng_serve(&f, &so);
	eng_config(&f, insts, "");

	size_t at = 0;
	const struct sim_subject *a = person(&f, &at), *b = person(&f, &at);
	char csv[2048];
	snprintf(csv, sizeof csv,
	         "case_no,court_code,court_name,filed_at,officer,amount_owed,debtor_kind,"
	         "debtor_name,debtor_id,status,terminated_at\n"
	         "%s,苏1283,泰兴市人民法院,2024-03-04T09:00:00+08:00,李四,1000.00,person,%s,%s,"
	         "active,\n"
	         "%s,苏1283,泰兴市人民法院,2024-03-04T09:30:00+08:00,李四,2000.00,person,%s,%s,"
	         "terminated,2024-03-10\n",
	         ACTIVE, a->name, a->id_no, TERMINATED, b->name, b->id_no);
	eng_import(&f, csv, "2024-03-05T09:00:00+08:00");

	/* At filing: round 0 of the active case; none for the terminated one. */
	struct ck_test_run run;
	run_at(&f, "2024-03-05T10:00:00+08:00", &run);
	assert_non_null(strstr(run.out, "planned 3 new queries"));
	ck_test_run_free(&run);
	round_answered(&f, ACTIVE, 0);
	assert_int_equal(rounds_of(&f, TERMINATED), 0);
	assert_int_equal(distinct(&f), N_INSTS);

	/* Termination + 6 months is 2024-09-10 00:00 (+08:00): not yet. */
	nothing_due(&f, "2024-09-09T23:59:00+08:00");
	assert_int_equal(rounds_of(&f, TERMINATED), 0);

	/* Six months after: round 1, answered as the simulator holds. */
	run_at(&f, "2024-09-10T09:00:00+08:00", &run);
	assert_non_null(strstr(run.out, "planned 3 new queries"));
	ck_test_run_free(&run);
	round_answered(&f, TERMINATED, 1);
	assert_int_equal(distinct(&f), 2 * N_INSTS);
	for (size_t i = 0; insts[i] != NULL; i++)
		assert_int_equal(eng_check_answers(&f, insts[i]), 2);
	/* The same day again, and the active case later: nothing new. */
	nothing_due(&f, "2024-09-10T18:00:00+08:00");
	nothing_due(&f, "2025-03-09T12:00:00+08:00");
	assert_int_equal(rounds_of(&f, ACTIVE), 1);

	/* A year after termination: round 2. */
	run_at(&f, "2025-03-10T09:00:00+08:00", &run);
	ck_test_run_free(&run);
	round_answered(&f, TERMINATED, 2);
	assert_int_equal(distinct(&f), 3 * N_INSTS);

	/* Two years after, the run of 18 months having been missed: round 4;
	 * a missed round is not made up. */
	run_at(&f, "2026-03-11T09:00:00+08:00", &run);
	ck_test_run_free(&run);
	round_answered(&f, TERMINATED, 4);
	assert_int_equal(eng_sql(&f, "SELECT count(*) FROM rounds WHERE round = 3"), 0);
	assert_int_equal(distinct(&f), 4 * N_INSTS);

	/* Five years after: round 10, the last. */
	run_at(&f, "2029-03-10T09:00:00+08:00", &run);
	ck_test_run_free(&run);
	round_answered(&f, TERMINATED, 10);
	nothing_due(&f, "2029-09-11T09:00:00+08:00");
	nothing_due(&f, "2031-03-11T09:00:00+08:00");
	assert_int_equal(rounds_of(&f, TERMINATED), 4); /* 1, 2, 4 and 10 */
	assert_int_equal(distinct(&f), 5 * N_INSTS);
	/* One RequestId per query; each sent once (e-commerce: once per page). */
	for (size_t i = 0; insts[i] != NULL; i++)
		assert_int_equal(eng_stat(&f, insts[i], "distinct_request_ids"), 5);
	assert_int_equal(eng_stat(&f, "icbc", "requests"), 5);
	assert_int_equal(eng_stat(&f, "trff", "requests"), 5);
	assert_int_equal(eng_stat(&f, "jd", "requests"), 5 + eng_stat(&f, "jd", "repeats"));
	eng_stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(terminated_case_every_six_months),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
