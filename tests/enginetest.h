/* SPDX-License-Identifier: MIT */
/*
 * enginetest.h: what the tests of `chakong run` against the simulator
 * share (test_engine_tls.c, test_engine_clock.c, test_engine_run_cli.c):
 * a simulator served in the test process (optionally over TLS), a store
 * and a configuration naming some of its instances, the chakong program
 * run on them, and checks of the store against the simulator's holdings
 * and its counters.
 *
 * Every function fails the current test rather than returning an error.
 * Strings returned are malloc'd; the fixture owns its paths.
 */
#ifndef CK_ENGINETEST_H
#define CK_ENGINETEST_H

#include "testutil.h"
#include "server.h"
#include "sim.h"

#include <sqlite3.h>

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

#endif
