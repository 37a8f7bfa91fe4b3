/* SPDX-License-Identifier: MIT */
/*
 * enginetest.h: what the tests of the engine against the simulator share.
 * Two fixtures over the same simulator:
 *
 * - struct eng (test_engine_tls.c, test_engine_clock.c,
 *   test_engine_run_cli.c): a simulator served in the test process
 *   (optionally over TLS), a store and a configuration naming some of its
 *   instances, the chakong program run on them, and checks of the store
 *   against the simulator's holdings and its counters.
 * - struct ck_et (test_engine_sim.c and the crash and fault suites of
 *   reliability.h): every instance of a world, a configuration with tuned
 *   <Defaults>, cases from the population imported in-process, runs
 *   in-process or by the program, the store compared with the simulator's
 *   holdings record by record, and a canonical dump of what a store found
 *   (to compare two stores).
 *
 * Every function fails the current test rather than returning an error.
 * Strings returned are malloc'd; the fixtures own their paths.
 */
#ifndef CK_ENGINETEST_H
#define CK_ENGINETEST_H

#include "testutil.h"
#include "server.h"
#include "sim.h"
#include "chakong/config.h"
#include "chakong/sched.h"
#include "chakong/store.h"

#include <sqlite3.h>

/* Milliseconds of a monotonic clock. */
int64_t ck_et_mono_ms(void);

/* ---- struct eng ------------------------------------------------------------ */

struct eng {
	char *dir; /* a private temporary directory (0700) */
	char *db, *config;
	struct sim_world *world;
	struct sim_server *server;
	char base[64]; /* http(s)://127.0.0.1:PORT */
	sqlite3 *h;    /* a reader of the store, once it exists */
};

/* A world of `subjects` subjects (seed fixed), its behaviour knobs left for
 * the caller to set before eng_serve(). */
void eng_world(struct eng *f, size_t subjects);
/* Serves the world (opts may be NULL: plain HTTP). */
void eng_serve(struct eng *f, const struct sim_server_opts *opts);
void eng_stop(struct eng *f);

/*
 * Writes the configuration: one Institution per id of `ids` (NULL-
 * terminated, instances of the world) at the served base URL, each with
 * `settings` (XML elements of config.xsd, e.g. "<MaxInFlight>1</MaxInFlight>"
 * or a CaBundle; may be "").
 */
void eng_config(struct eng *f, const char *const *ids, const char *settings);

/* Imports `csv` (a filing, spec/filing.md) with `chakong import` at `now`. */
void eng_import(struct eng *f, const char *csv, const char *now);
/* A filing of `cases` cases of one debtor each from the population, filed
 * 2024-03-04. */
char *eng_filings(struct eng *f, size_t cases);

/* Runs `chakong --db DB --now NOW run --config CONFIG ARGS...` (args
 * NULL-terminated); *elapsed_ms (may be NULL) gets the wall time. */
void eng_run(struct eng *f, struct ck_test_run *run, const char *now, int64_t *elapsed_ms,
             const char *const *args);

/* The single integer a SQL query of the store returns. */
long long eng_sql(struct eng *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A counter of the simulator's /_stats: of an instance ("requests",
 * "distinct_request_ids", "repeats", "stall" of faults_injected...), or of
 * the server when inst is NULL ("tls_refused"). */
long long eng_stat(struct eng *f, const char *inst, const char *key);

/* Every answered query of the instance has the outcome the simulator holds
 * (FOUND, NOT_FOUND, SUBJECT_MISMATCH) and as many assets as it holds
 * accounts and wealth (banks); returns how many were checked. */
int eng_check_answers(struct eng *f, const char *inst);

/* The full path of a program found in $PATH, or NULL. */
char *eng_find_program(const char *name);

/* ---- struct ck_et ------------------------------------------------------------ */

/* How the engine is told to treat every institution (the <Defaults> of the
 * configuration it is given): short timeouts and backoff, so that faults
 * settle quickly. */
struct ck_et_tuning {
	unsigned max_in_flight;
	unsigned connect_timeout_ms;
	unsigned total_timeout_ms;
	unsigned retries;
	unsigned backoff_base_ms, backoff_max_ms;
	unsigned breaker_failures, breaker_cooldown_ms;
};

/* The tuning of the engine-against-simulator tests. */
#define CK_ET_TUNING_DEFAULT                                                                       \
	{                                                                                          \
		.max_in_flight = 8, .connect_timeout_ms = 1000, .total_timeout_ms = 1500,          \
		.retries = 40, .backoff_base_ms = 20, .backoff_max_ms = 200,                       \
		.breaker_failures = 8, .breaker_cooldown_ms = 100                                  \
	}

struct ck_et {
	char *dir;    /* a fresh temporary directory, removed by ck_et_stop() */
	char *db;     /* the store under test: dir/engine.db unless changed */
	char *config; /* dir/chakong.xml: the configuration for the running server */
	struct sim_world *world;
	struct sim_server *server;
	struct ck_xsd_set *xsd;
	struct ck_store *st; /* the store, open read-write (NULL until ck_et_import) */
	struct ck_config *cfg;
	sqlite3 *h; /* a reader of the store */
	struct ck_et_tuning tuning;
};

/* Makes the directory and the world (seed, subjects).  Knobs of the world's
 * instances may be set between this and ck_et_serve(). */
void ck_et_world(struct ck_et *f, uint64_t seed, size_t subjects);

/* Starts the simulator with the instances' knobs as they are, and writes
 * the configuration naming it (tuning t) to f->config and loads it into
 * f->cfg.  A running server is stopped first (its RequestId registry and
 * counters go with it). */
void ck_et_serve(struct ck_et *f, const struct ck_et_tuning *t);
void ck_et_stop_server(struct ck_et *f);

/* A filing CSV of `cases` cases from the population (multi_permille of them
 * with two or three debtors); caller frees. */
char *ck_et_filings(struct ck_et *f, size_t cases, unsigned multi_permille, size_t *len);

/* Opens f->db (closing the store and reader open before, if any) and
 * imports the cases into it in-process, filed at 2024-03-04. */
void ck_et_import(struct ck_et *f, size_t cases, unsigned multi_permille);

/* Points f->db at dir/name (closing the store open before). */
void ck_et_use_store(struct ck_et *f, const char *name);

/* One run in-process at the clock 2024-03-05 (the clock of the imports). */
void ck_et_run(struct ck_et *f, int wait, struct ck_run_stats *stats);

/* Stops everything and removes the directory. */
void ck_et_stop(struct ck_et *f);

/* A single integer from SQL on the reader; printf-style. */
long long ck_et_sql(struct ck_et *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Checks one answered query of the store against the simulator's holding:
 * the outcome, and every asset, encumbrance and lead, exactly. */
void ck_et_check_answered(struct ck_et *f, int64_t query_id);

/* Every query of the store, but those of the instances in `skip`
 * (NULL-terminated, may be NULL), must be answered and equal the truth
 * (organisations at social insurance: not applicable). */
void ck_et_compare_with_truth_but(struct ck_et *f, const char *const *skip);
void ck_et_compare_with_truth(struct ck_et *f);

/* A counter of one instance from the simulator's stats: "requests",
 * "distinct_request_ids", "repeats", or "faults_injected.CLASS". */
long long ck_et_sim_counter(struct ck_et *f, const char *instance, const char *name);

/* The simulator saw exactly one distinct RequestId per query the store
 * holds for each instance (not-applicable ones aside). */
void ck_et_one_request_id_per_query(struct ck_et *f);

/* What a store found, as text independent of row ids, times and the order
 * of work: every query (debtor, institution, round, state, outcome, reason)
 * with its assets, encumbrances and leads, sorted.  Caller frees. */
char *ck_et_findings(const char *db_path);

/* Fails with the first line that differs when two dumps differ. */
void ck_et_same_findings(const char *want, const char *got, const char *what);

#endif
