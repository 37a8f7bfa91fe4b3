/* SPDX-License-Identifier: MIT */
/*
 * hostile_answers.h: the hostile institutions shared by
 * tests/test_hostile_answers.c (sized to run in seconds) and
 * tests/long/long_hostile.c (full size): a store with cases of one debtor,
 * a hostile server (hostile_server.h) with one route per hostile answer, a
 * configuration naming one institution per route, and the checks of what
 * `chakong run` made of it.
 *
 * Every function fails the current test (cmocka) rather than returning an
 * error.  hostile_teardown() frees everything hostile_setup() made.
 */
#ifndef CK_HOSTILE_ANSWERS_H
#define CK_HOSTILE_ANSWERS_H

#include "testutil.h"
#include "hostile_server.h"

#include <string.h>
#include <sys/resource.h>

/* How big the run is. */
struct hostile_size {
	int cases;                 /* cases filed, all about the same debtor */
	size_t huge_bytes;         /* what the oversized answers send (0: 50 MiB) */
	unsigned max_in_flight;    /* MaxInFlight of every institution */
	unsigned total_timeout_ms; /* TotalTimeoutMs: ends the trickles */
	unsigned trickle_ms;       /* one byte of a trickle per this many ms (0: 100) */
};

/* One institution and what its queries must end as. */
struct hostile_inst {
	const char *id, *kind;
	const char *state; /* "answered" or "failed" */
	const char *want;  /* the outcome (answered) or the reason (failed) */
	struct hs_route route;
	struct hs_route poll; /* social insurance: the poll's route, prefix NULL if none */
};

struct hostile_run {
	char *dir, *db, *config;
	char *canary, *fifo; /* the canary file and FIFO the entities name */
	int fifo_fd;         /* holds the FIFO open, with the canary in it */
	struct hs_server *server;
	struct hostile_inst *insts;
	int n_insts;
	struct hs_route *routes;
	size_t n_routes;
	char **owned; /* bodies built for the routes */
	size_t n_owned;
	struct hostile_size size;
	int under_valgrind; /* the last run was under valgrind: slow */
};

#define HOSTILE_SUBJECT "320102198001011238"
#define HOSTILE_OFFICER "李四"

/* Builds the institutions and starts the server, writes the configuration
 * and imports size->cases cases ((2024)苏1283执1号, ...) of one debtor. */
void hostile_setup(struct hostile_run *h, const struct hostile_size *size);
void hostile_teardown(struct hostile_run *h);

/* Imports a CSV filing (text) into the store with `chakong import`. */
void hostile_import(struct hostile_run *h, const char *csv);

/* Runs `chakong run --wait` (under umask 0) until every query is settled;
 * *ru gets the child's resource usage (ru_maxrss: peak RSS in KiB).
 * Returns its exit status.  With valgrind set, the engine runs under
 * valgrind memcheck (definite leaks and errors make it exit 99). */
int hostile_run_engine(struct hostile_run *h, int valgrind, struct rusage *ru);

/* Each institution's queries ended as hostile_inst says, with nothing of
 * a refused answer stored as an asset and its raw answer kept, marked. */
void hostile_check_outcomes(struct hostile_run *h);
/* The canary is still in its FIFO (no one read it) and in no table. */
void hostile_check_canaries(struct hostile_run *h);
/* One terminal audit row per query: officer, case, institution, time,
 * outcome or reason. */
void hostile_check_audit(struct hostile_run *h);

/* The bound on the engine's peak RSS for a run of this size, in bytes
 * (docs/RELIABILITY.md, "Hostile input"). */
long hostile_memory_bound(const struct hostile_size *size);

/* `chakong lookup --case case_no --debtor id` with the configuration. */
void hostile_lookup(struct hostile_run *h, const char *case_no, const char *id,
                    struct ck_test_run *run);

long long hostile_sql_int(struct hostile_run *h, const char *sql);

#endif
