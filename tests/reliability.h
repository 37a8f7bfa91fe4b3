/* SPDX-License-Identifier: MIT */
/*
 * reliability.h: the crash and fault suites (docs/RELIABILITY.md), shared
 * by their short versions in the normal suite (test_crash.c,
 * test_faults.c, test_isolation.c) and their long versions in tests/long.
 *
 * crashtest.c: a harness that starts a program again and again and kills
 * it with SIGKILL at random moments (a seeded generator) until it finishes
 * by itself; the scenarios built on it: `chakong run` against the
 * simulator (latency, asynchronous answers) and `chakong import` of a large
 * filing.
 *
 * faulttest.c: runs with the simulator's faults, and the check of every
 * query's outcome against the faults the simulator chose for each of its
 * attempts; the isolation measure (healthy institutions beside a stalled
 * one).
 *
 * Every function fails the current test rather than returning an error;
 * failures print the seed that chose the kill moments.
 */
#ifndef CK_RELIABILITY_H
#define CK_RELIABILITY_H

#include "enginetest.h"

/* ---- Seeds ------------------------------------------------------------------ */

/* The seed in environment variable `name` (decimal), else one drawn from
 * the time and the process id; printed either way, so that a failing run
 * can be repeated with the same kill moments. */
uint64_t ck_rel_seed(const char *name);

/* splitmix64 over *state. */
uint64_t ck_rel_next(uint64_t *state);

/* ---- The kill harness -------------------------------------------------------- */

struct ck_kill_opts {
	uint64_t seed;        /* of the kill moments */
	int min_kills;        /* fewer kills before the program finished fails */
	int64_t max_delay_ms; /* a start is killed uniformly in [1, max_delay_ms] ms */
	int64_t deadline_ms;  /* the whole loop must end within this */
	int expect_status;    /* the exit status of the start that finishes */
	const char *log_path; /* standard error of every start is appended here */
	/* When now_slot > 0, argv[now_slot] becomes "--now=@T" at each start,
	 * T = now_base + the whole seconds since the loop began: the clock
	 * goes on across starts as a real one does. */
	int now_slot;
	int64_t now_base;
	/* Called after each kill (the program dead, nothing running); may be NULL. */
	void (*after_kill)(void *ctx, int kills);
	void *ctx;
};

struct ck_kill_stats {
	int kills, starts;
	int64_t elapsed_ms;
	int64_t shortest_ms, longest_ms; /* of the lives cut short */
};

/* Runs argv (argv[0] a path) again and again, each start killed at a
 * random moment, until a start finishes by itself first. */
void ck_kill_loop(char **argv, const struct ck_kill_opts *opts, struct ck_kill_stats *out);

/* ---- Crash scenarios ------------------------------------------------------------ */

struct ck_crash_params {
	uint64_t world_seed;
	uint64_t kill_seed;
	size_t subjects, cases;
	int min_kills;
	size_t min_queries;         /* the store must hold at least this many queries */
	int min_report_kills;       /* kills of runs writing the reports */
	unsigned latency_median_ms; /* lognormal, sigma 0.5, at every institution */
	int transient_faults;       /* also a few 500, 503 and resets */
	int64_t deadline_ms;
};

struct ck_crash_figures {
	long long queries;      /* queries sent (not-applicable ones aside) */
	long long requests;     /* requests the simulator received */
	long long repeats;      /* requests repeating a RequestId (polls, pages, resends) */
	long long ref_requests; /* the same for the uninterrupted run */
	int64_t reference_ms;   /* the uninterrupted run */
	struct ck_kill_stats kill;
	int run_mid_report_kills; /* of which the run was writing its reports */
	int integrity_checks;
	int report_files;                 /* written by each run (HTML and JSON per case) */
	int64_t report_write_ms;          /* a run writing them all, uninterrupted */
	struct ck_kill_stats report_kill; /* kills of runs writing them all */
	int report_mid_kills;             /* kills after which the reports were half written */
};

/* `chakong run --wait` killed at random moments until it finishes, against
 * a simulator with latency and asynchronous social insurance, the clock
 * going on across starts; after every kill the store is intact and no
 * report file is cut short; at the end: every query settled and equal to
 * the truth, one RequestId per query at the simulator, one audit row per
 * answer, the findings equal to those of an uninterrupted run of the same
 * cases, every report file the report of the finished store (none stale)
 * and the JSON reports, built at the same time, the uninterrupted run's
 * byte for byte.  Then runs writing every report of a finished store are
 * killed while writing (at least min_report_kills times): no report is
 * ever cut short, and the run that finishes leaves the reference's files
 * and no temporary. */
void ck_crash_runs(const struct ck_crash_params *p, struct ck_crash_figures *out);

struct ck_import_figures {
	long long cases, debtors;
	int64_t reference_ms;
	int mid_import_kills; /* kills after which some but not all cases were stored */
	int episodes;         /* stores filled by killed imports until one finished */
	struct ck_kill_stats kill;
};

/* `chakong import` of a filing of `cases` cases killed at random moments
 * and started again until one import finishes, on new stores until there
 * were min_kills kills: after every kill the store is intact and every case
 * is either absent or present whole (its fields, all its debtors, one
 * creation in the audit); the import that finishes completes the store,
 * and importing again changes nothing. */
void ck_crash_import(uint64_t world_seed, uint64_t kill_seed, size_t cases, int min_kills,
                     struct ck_import_figures *out);

/* ---- Faults ------------------------------------------------------------------------ */

struct ck_fault_figures {
	long long queries, answered, attempts;
	long long injected[SIM_FAULT_COUNT_];  /* faults met by the engine, by class */
	long long failed_by[SIM_FAULT_COUNT_]; /* queries failed for good, by class */
	long long unsent;                      /* left for the next run (credentials refused) */
	int64_t elapsed_ms, bound_ms;          /* summed over runs by ck_fault_figures_add() */
	double worst_share;                    /* the largest elapsed / bound of a run */
};

/* Checks every query of the store against the faults the simulator chose
 * for each of its attempts (sim_fault_choose): every attempt recorded as
 * the fault it met; a query whose attempts met only transient faults is
 * answered and equal to the truth; one that met a permanent fault failed
 * there with its reason; none left unsettled unless its institution
 * refused the credentials.  The engine's attempts equal the simulator's
 * requests, instance by instance, and so do the faults by class. */
void ck_faults_check_outcomes(struct ck_et *f, struct ck_fault_figures *fig);

/* A run in-process to the end (wait), timed, with max_time as a safety
 * net; then ck_faults_check_outcomes() and the check that the run took no
 * longer than its timeouts allow (fig->bound_ms). */
void ck_faults_run_and_check(struct ck_et *f, struct ck_fault_figures *fig);

/* The tuning of the fault runs. */
#define CK_FAULT_TUNING                                                                            \
	{                                                                                          \
		.max_in_flight = 8, .connect_timeout_ms = 1000, .total_timeout_ms = 1000,          \
		.retries = 40, .backoff_base_ms = 20, .backoff_max_ms = 200,                       \
		.breaker_failures = 8, .breaker_cooldown_ms = 100                                  \
	}

/* Adds the figures of b to a. */
void ck_fault_figures_add(struct ck_fault_figures *a, const struct ck_fault_figures *b);

/* Prints the figures, one line per class. */
void ck_fault_figures_print(const char *title, const struct ck_fault_figures *fig);

/* ---- Isolation ------------------------------------------------------------------------ */

struct ck_isolation_params {
	uint64_t world_seed;
	size_t subjects, cases;
	const char *stalled; /* the institution that stalls every answer */
	int repetitions;     /* measurements of each setting; the best counts */
	unsigned latency_ms; /* fixed, at every institution */
	unsigned max_in_flight;
	unsigned total_timeout_ms; /* of every institution, the stalled one's included */
};

struct ck_isolation_figures {
	int64_t healthy_ms[8];      /* without the stalled institution, each measurement */
	int64_t with_stalled_ms[8]; /* with it */
	int64_t best_healthy_ms, best_with_stalled_ms;
	double ratio;
};

/* Measures how long the healthy institutions take to settle every query
 * with all institutions healthy and with `stalled` stalling every answer,
 * interleaved, `repetitions` times each. */
void ck_isolation_measure(const struct ck_isolation_params *p, struct ck_isolation_figures *out);

#endif
