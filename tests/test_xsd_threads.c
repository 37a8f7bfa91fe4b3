/* SPDX-License-Identifier: MIT */
/*
 * test_xsd_threads.c: schema sets used by several threads at once, each its
 * own set, from the first validation of the process on (as chakong-sim's
 * connection threads do).  libxml2 builds its table of built-in schema
 * types lazily and without a lock when the first schema is compiled; two
 * threads doing that together each built one and one was lost (found by
 * LeakSanitizer in the sanitizer build of the tests that run the
 * simulator).  ck_xsd_set_new() now builds it in the caller's thread.  In
 * the sanitizer build a lost table fails this program at exit; in every
 * build each thread's validations must give the right verdicts.
 *
 * This is a program of its own so that nothing has compiled a schema before
 * the threads start.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <pthread.h>
#include <string.h>

#define THREADS 8
#define ROUNDS  20

static pthread_barrier_t start;

static const char good[] = "<Filings xmlns=\"urn:chakong:filing:1\"/>";
static const char bad[] = "<Filings xmlns=\"urn:chakong:filing:1\"><Nope/></Filings>";

struct worker {
	struct ck_xsd_set *set;
	int wrong;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	xmlDoc *ok = NULL, *ko = NULL;
	if (ck_xml_parse(good, sizeof good - 1, NULL, &ok, NULL) != CK_OK ||
	    ck_xml_parse(bad, sizeof bad - 1, NULL, &ko, NULL) != CK_OK) {
		w->wrong++;
		return NULL;
	}
	pthread_barrier_wait(&start);
	for (int i = 0; i < ROUNDS; i++) {
		w->wrong += ck_xsd_validate(w->set, "filing", ok, NULL) != CK_OK;
		w->wrong += ck_xsd_validate(w->set, "filing", ko, NULL) != CK_E_SCHEMA;
	}
	xmlFreeDoc(ok);
	xmlFreeDoc(ko);
	return NULL;
}

static void
first_validations_in_parallel(void **state)
{
	(void)state;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	/* Sets are made in the main thread, as the simulator makes them. */
	for (int i = 0; i < THREADS; i++) {
		w[i].wrong = 0;
		assert_int_equal(ck_xsd_set_new(&w[i].set, NULL), CK_OK);
	}
	assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(w[i].wrong, 0);
		ck_xsd_set_free(w[i].set);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_validations_in_parallel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
