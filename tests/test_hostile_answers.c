/* SPDX-License-Identifier: MIT */
/*
 * test_hostile_answers.c: `chakong run` facing institutions that answer to
 * hurt (tests/hostile_server.c on loopback), one institution per hostile
 * answer: a DOCTYPE whose external entity names a canary FIFO or file, an
 * entity bomb, nesting 10 000 deep, 50 MiB bodies with and without a
 * Content-Length, 8 MiB of tiny elements (within the size limit), an
 * endless trickle, a 1 MiB header, invalid UTF-8, UTF-16 and GB18030, NUL
 * bytes, answers about another subject, SOAP inner documents that are
 * themselves hostile, a hostile second page, a hostile poll result.
 *
 * Each query must end as it should (HOSTILE, TOO_BIG, MALFORMED,
 * WRONG_SUBJECT, RETRIES_EXHAUSTED after timeouts), beside control
 * institutions whose good answers are stored; no canary byte is read; the
 * engine's peak memory stays under the bound of docs/RELIABILITY.md; every
 * query has its audit row (officer, case, institution, time, outcome);
 * every file the engine wrote is private even under umask 0; and `lookup`
 * refuses a debtor of no filed, open case without sending anything.
 *
 * tests/long/long_hostile.c runs the same institutions at full size.
 */
#define _GNU_SOURCE
#include "hostile_answers.h"

#include <dirent.h>
#include <sys/stat.h>

/* Checks that every entry under dir the engine made has no group or other
 * permission (the test's own files: the configuration, the filing, the
 * canaries, the run's output, are left out at the top); returns how many
 * were checked. */
static int
private_tree(const char *dir, int depth)
{
	static const char *const ours[] = {"chakong.xml", "filing.csv", "canary.txt",
	                                   "canary.fifo", "run.out",    "run.err"};
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int seen = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int mine = 0;
		for (size_t i = 0; depth == 0 && i < sizeof ours / sizeof ours[0]; i++)
			mine |= strcmp(e->d_name, ours[i]) == 0;
		if (mine)
			continue;
		char *p = ck_test_path(dir, e->d_name);
		struct stat sb;
		assert_int_equal(lstat(p, &sb), 0);
		if ((sb.st_mode & 077) != 0)
			fail_msg("%s has mode %04o", p, (unsigned)sb.st_mode & 07777);
		seen++;
		if (S_ISDIR(sb.st_mode))
			seen += private_tree(p, depth + 1);
		free(p);
	}
	closedir(d);
	return seen;
}

static void
answers_end_as_they_should(void **state)
{
	(void)state;
	struct hostile_run h;
	struct hostile_size size = {
	    .cases = 3,
	    .huge_bytes = (size_t)50 << 20,
	    .max_in_flight = 2,
	    .total_timeout_ms = 1500,
	};
	hostile_setup(&h, &size);
	struct rusage ru;
	int status = hostile_run_engine(&h, 0, &ru);
	assert_int_equal(status, 1); /* queries failed, as they should */
	hostile_check_outcomes(&h);
	hostile_check_canaries(&h);
	hostile_check_audit(&h);

	/* Peak memory: see hostile_memory_bound(). */
	long peak_kib = ru.ru_maxrss;
	long bound_kib = hostile_memory_bound(&size) / 1024;
	printf("hostile answers: %d institutions, %d queries, %u requests; engine peak RSS %ld "
	       "KiB (bound %ld KiB)\n",
	       h.n_insts, h.n_insts * size.cases, hs_requests(h.server, NULL), peak_kib, bound_kib);
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer keeps freed memory in quarantine and adds shadow
	 * memory: the bound holds for the program as shipped, checked by the
	 * normal build. */
	(void)bound_kib;
#else
	if (peak_kib > bound_kib)
		fail_msg("the engine peaked at %ld KiB, over its bound of %ld KiB", peak_kib,
		         bound_kib);
#endif

	/* Every file and directory the engine wrote (the store, its -wal, -shm
	 * and run lock, the reports) is private, though it ran under umask 0. */
	int seen = private_tree(h.dir, 0);
	assert_true(seen >= 2 + size.cases); /* the store, its lock, a report a case */
	hostile_teardown(&h);
}

/* No inquiry without a case: a debtor of no case, of a case never filed,
 * of a closed case, or removed from a case is refused before anything is
 * sent, though the configuration names reachable institutions. */
static void
lookup_refuses_a_debtor_of_no_case(void **state)
{
	(void)state;
	struct hostile_run h;
	struct hostile_size size = {.cases = 1, .max_in_flight = 1, .total_timeout_ms = 1500};
	hostile_setup(&h, &size);
	/* A closed case, and a case whose second debtor a later filing
	 * dropped. */
	hostile_import(&h, "case_no,court_code,court_name,filed_at,officer,amount_owed,"
	                   "debtor_kind,debtor_name,debtor_id,status\n"
	                   "(2024)苏1283执900号,苏1283,泰兴市人民法院,2024-03-01,李四,1,person,"
	                   "赵六,11010519491231002X,closed\n"
	                   "(2024)苏1283执901号,苏1283,泰兴市人民法院,2024-03-01,李四,1,person,"
	                   "张三,320102198001011238,\n"
	                   "(2024)苏1283执901号,苏1283,泰兴市人民法院,2024-03-01,李四,1,person,"
	                   "赵六,11010519491231002X,\n");
	hostile_import(&h, "case_no,court_code,court_name,filed_at,officer,amount_owed,"
	                   "debtor_kind,debtor_name,debtor_id\n"
	                   "(2024)苏1283执901号,苏1283,泰兴市人民法院,2024-03-01,李四,1,person,"
	                   "张三,320102198001011238\n");
	static const char *const refused[][2] = {
	    {"(2024)苏1283执1号", "11010519491231002X"},     /* not a debtor of the case */
	    {"(2024)苏1283执77777号", "320102198001011238"}, /* no such case */
	    {"(2024)苏1283执900号", "11010519491231002X"},   /* a closed case */
	    {"(2024)苏1283执901号", "11010519491231002X"},   /* removed from the case */
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct ck_test_run run;
		hostile_lookup(&h, refused[i][0], refused[i][1], &run);
		if (run.status != 1 || strstr(run.errout, "refused") == NULL)
			fail_msg("%s %s: exit %d: %s", refused[i][0], refused[i][1], run.status,
			         run.errout);
		ck_test_run_free(&run);
	}
	assert_int_equal(hs_requests(h.server, NULL), 0);
	assert_int_equal(hostile_sql_int(&h, "SELECT count(*) FROM queries"), 0);
	assert_int_equal(hostile_sql_int(&h, "SELECT count(*) FROM attempts"), 0);
	/* The control: a debtor of an open case is asked. */
	struct ck_test_run run;
	hostile_lookup(&h, "(2024)苏1283执901号", "320102198001011238", &run);
	assert_true(hs_requests(h.server, NULL) > 0);
	assert_true(
	    hostile_sql_int(&h, "SELECT count(*) FROM queries q JOIN debtors d ON"
	                        " d.id = q.debtor_id WHERE d.id_no = '320102198001011238'") > 0);
	ck_test_run_free(&run);
	hostile_teardown(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(answers_end_as_they_should),
	    cmocka_unit_test(lookup_refuses_a_debtor_of_no_case),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
