/* SPDX-License-Identifier: MIT */
/*
 * sched.h: the scheduler: plans what is due, then sends every due query to
 * its institution and stores what comes back, in one event loop (libcurl
 * multi), keeping each institution at its own limits.
 *
 * Per institution: at most max_in_flight requests at once, a token bucket
 * of rate_x100 / 100 requests per second, timeouts, a retry budget with
 * exponential backoff and full jitter (never sooner than a Retry-After), a
 * pause after 429, a circuit breaker after consecutive failures (one probe
 * after the cooldown), and a stop for the run when credentials are refused
 * or TLS fails (a certificate that does not verify, a handshake refused).
 * One institution's slowness never holds up another: nothing waits on a
 * single institution.
 *
 * Durability: queries are claimed from the store with a lease, and every
 * step of a query (its claim, its outcome with the raw answer and records)
 * is stored atomically.  Steps are committed in groups (at most 256 steps
 * or 50 ms apart, and before the run waits with nothing in flight): a run
 * killed at any moment loses at most the open group, whose queries the next
 * run recovers (expired leases) and sends again under the same RequestIds,
 * never new ones.  Memory is O(queries in flight): due queries are claimed
 * in batches as capacity frees.
 *
 * Events worth an operator's attention are logged through the logger in
 * the options (log.h), never written anywhere directly.
 *
 * Ownership: everything passed in is borrowed for the call.
 */
#ifndef CHAKONG_SCHED_H
#define CHAKONG_SCHED_H

#include <stdint.h>

#include "chakong/config.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"

struct ck_xsd_set;
struct ck_log;

/* Progress and summary of a run. */
struct ck_run_stats {
	int planned;  /* queries planned at the start */
	int sent;     /* HTTP requests sent (submissions, polls, pages) */
	int answered; /* queries that reached an answer */
	int found, not_found, mismatch;
	int waiting;              /* tickets to poll later */
	int retry_later;          /* queries left for a later attempt */
	int failed;               /* queries that failed for good */
	int in_flight;            /* at the moment of a progress report */
	int stopped_institutions; /* credentials or TLS refused: stopped for the run */
	int max_time_reached;     /* the run stopped at max_time_s with work left */
	struct {
		char reason[32];
		int count;
	} failures[16]; /* failed queries by reason (the first 16 reasons) */
};

struct ck_sched_opts {
	int64_t max_time_s;  /* stop after this many seconds, abandoning what is in flight (sent
	                        again, same RequestIds, by the next run); 0: no limit */
	int wait;            /* keep going until nothing is left to poll or retry */
	int linger_s;        /* without wait: still wait for what is due this soon */
	uint64_t seed;       /* for backoff jitter */
	int64_t only_debtor; /* `lookup`: only this debtor row\'s queries; 0 for all */
	/* Called about twice a second with the stats so far; may be NULL. */
	void (*progress)(void *ctx, const struct ck_run_stats *stats);
	/* Where the run's events go (log.h): the run's start and summary at
	 * info; an institution stopped, a circuit breaker opened, a query
	 * failed for good, queries taken back from a killed run at warn or
	 * error; every attempt at debug.  NULL: no log. */
	const struct ck_log *log;
	void *ctx; /* for progress */
};

/*
 * Runs once: syncs the configured institutions into the store, recovers
 * expired leases, plans what is due, and sends until nothing more can be
 * done now (or max_time).  Returns CK_OK (stats filled), or an error of the
 * store or of libcurl's setup, after which the next run resumes.
 */
int ck_sched_run(struct ck_store *st, const struct ck_config *cfg, struct ck_xsd_set *xsd,
                 const struct ck_clock *clock, const struct ck_sched_opts *opts,
                 struct ck_run_stats *stats, char *err);

#endif
