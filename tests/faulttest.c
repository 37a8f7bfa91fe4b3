/* SPDX-License-Identifier: MIT */
/* faulttest.c: fault runs, outcome checks and the isolation measure of
 * reliability.h. */
#define _GNU_SOURCE
#include "reliability.h"
#include "chakong/error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- What each fault must come to ------------------------------------------------ */

/* The reason a query fails with when an attempt meets a permanent fault;
 * NULL for a transient one (the query is asked again). */
static const char *
permanent_reason(int fault, int http_status)
{
	switch (fault) {
	case SIM_FAULT_MALFORMED: return "MALFORMED";
	case SIM_FAULT_DOCTYPE:
	case SIM_FAULT_BOMB: return "HOSTILE";
	case SIM_FAULT_OVERSIZED: return "TOO_BIG";
	case SIM_FAULT_401: return "CREDENTIALS";
	/* A misdirected result fails the query; a misdirected ticket (202)
	 * names nobody and is the simulator's ordinary answer. */
	case SIM_FAULT_WRONG_SUBJECT: return http_status == 200 ? "WRONG_SUBJECT" : NULL;
	default: return NULL;
	}
}

/* Whether an attempt's record shows the fault it met. */
static int
recorded_as(int fault, int http_status, const char *error_class)
{
	const char *ec = error_class ? error_class : "";
	switch (fault) {
	case SIM_FAULT_500: return http_status == 500;
	case SIM_FAULT_503: return http_status == 503;
	case SIM_FAULT_429: return http_status == 429;
	case SIM_FAULT_401: return http_status == 401;
	case SIM_FAULT_RESET:
	case SIM_FAULT_TRUNCATED: return http_status == 0 && strcmp(ec, "TRANSPORT") == 0;
	case SIM_FAULT_STALL: return http_status == 0 && strcmp(ec, "TIMEOUT") == 0;
	case SIM_FAULT_OVERSIZED: return http_status == 0 && strcmp(ec, "TOO_BIG") == 0;
	case SIM_FAULT_MALFORMED:
	case SIM_FAULT_DOCTYPE:
	case SIM_FAULT_BOMB: return http_status == 200;
	case SIM_FAULT_WRONG_SUBJECT: return http_status == 200 || http_status == 202;
	default: /* none: an answer, a ticket or a page */
		return (http_status == 200 || http_status == 202) && ec[0] == '\0';
	}
}

struct attempt_row {
	int http_status;
	char error_class[32];
	int64_t duration_ms;
};

/* The attempts of a query in order; caller frees. */
static struct attempt_row *
attempts_of(struct ck_et *f, int64_t query_id, size_t *n)
{
	sqlite3_stmt *s;
	assert_int_equal(
	    sqlite3_prepare_v2(f->h,
	                       "SELECT ifnull(http_status, 0), error_class, duration_ms"
	                       " FROM attempts WHERE query_id = ?1 ORDER BY id",
	                       -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(s, 1, query_id);
	struct attempt_row *rows = NULL;
	size_t count = 0, cap = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			rows = realloc(rows, cap * sizeof *rows);
			assert_non_null(rows);
		}
		struct attempt_row *r = &rows[count++];
		r->http_status = sqlite3_column_int(s, 0);
		const unsigned char *ec = sqlite3_column_text(s, 1);
		snprintf(r->error_class, sizeof r->error_class, "%s", ec ? (const char *)ec : "");
		r->duration_ms = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	*n = count;
	return rows;
}

struct inst_tally {
	long long attempts, injected[SIM_FAULT_COUNT_];
	int stopped; /* refused our credentials in this run */
};

void
ck_faults_check_outcomes(struct ck_et *f, struct ck_fault_figures *fig)
{
	size_t n_inst = f->world->n_instances;
	struct inst_tally *tally = calloc(n_inst, sizeof *tally);
	assert_non_null(tally);
	for (size_t i = 0; i < n_inst; i++)
		tally[i].stopped = ck_et_sql(f,
		                             "SELECT count(*) FROM queries WHERE institution_id ="
		                             " '%s' AND reason = 'CREDENTIALS'",
		                             f->world->instances[i].id) > 0;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(f->h,
	                                    "SELECT q.id, q.request_id, q.institution_id, q.state,"
	                                    " ifnull(q.reason, ''), d.kind FROM queries q"
	                                    " JOIN debtors d ON d.id = q.debtor_id ORDER BY q.id",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *rid = (const char *)sqlite3_column_text(s, 1);
		const char *inst_id = (const char *)sqlite3_column_text(s, 2);
		const char *state = (const char *)sqlite3_column_text(s, 3);
		const char *reason = (const char *)sqlite3_column_text(s, 4);
		size_t ix = 0;
		while (ix < n_inst && strcmp(f->world->instances[ix].id, inst_id) != 0)
			ix++;
		assert_true(ix < n_inst);
		const struct sim_instance *inst = &f->world->instances[ix];
		if (strcmp(state, "not_applicable") == 0) {
			assert_int_equal(inst->kind, SIM_SOCIALSEC);
			continue;
		}
		fig->queries++;
		size_t n;
		struct attempt_row *a = attempts_of(f, id, &n);
		tally[ix].attempts += (long long)n;
		fig->attempts += (long long)n;
		const char *failed_for = NULL;
		int last_fault = -1;
		for (size_t k = 0; k < n; k++) {
			int fault = sim_fault_choose(f->world->seed, inst, rid, (uint32_t)(k + 1));
			if (!recorded_as(fault, a[k].http_status, a[k].error_class))
				fail_msg(
				    "query %lld at %s, attempt %zu: met %s, recorded as HTTP %d "
				    "%s",
				    (long long)id, inst_id, k + 1,
				    fault < 0 ? "no fault" : sim_fault_name(fault),
				    a[k].http_status, a[k].error_class);
			if (fault >= 0) {
				tally[ix].injected[fault]++;
				fig->injected[fault]++;
			}
			const char *why = permanent_reason(fault, a[k].http_status);
			if (why != NULL) {
				if (k + 1 != n)
					fail_msg(
					    "query %lld at %s: %s at attempt %zu, yet asked again",
					    (long long)id, inst_id, sim_fault_name(fault), k + 1);
				failed_for = why;
				fig->failed_by[fault]++;
			}
			last_fault = fault;
		}
		if (failed_for != NULL) {
			if (strcmp(state, "failed") != 0 || strcmp(reason, failed_for) != 0)
				fail_msg("query %lld at %s: %s %s, not failed %s", (long long)id,
				         inst_id, state, reason, failed_for);
		} else if (strcmp(state, "answered") == 0) {
			if (n == 0 || last_fault >= 0)
				fail_msg("query %lld at %s: answered by a fault (%s)",
				         (long long)id, inst_id,
				         n == 0 ? "no attempt" : sim_fault_name(last_fault));
			ck_et_check_answered(f, id);
			fig->answered++;
		} else if (tally[ix].stopped &&
		           (strcmp(state, "planned") == 0 || strcmp(state, "retry") == 0 ||
		            strcmp(state, "waiting") == 0)) {
			fig->unsent++; /* for the next run */
		} else {
			fail_msg(
			    "query %lld at %s: %s %s after %zu attempts, only transient faults",
			    (long long)id, inst_id, state, reason, n);
		}
		free(a);
	}
	sqlite3_finalize(s);

	/* The engine's record and the simulator's count agree. */
	for (size_t i = 0; i < n_inst; i++) {
		const char *id = f->world->instances[i].id;
		long long requests = ck_et_sim_counter(f, id, "requests");
		if (requests != tally[i].attempts)
			fail_msg("%s: the simulator received %lld requests, the store records %lld "
			         "attempts",
			         id, requests, tally[i].attempts);
		for (int c = 0; c < SIM_FAULT_COUNT_; c++) {
			char name[64];
			snprintf(name, sizeof name, "faults_injected.%s", sim_fault_name(c));
			long long injected = ck_et_sim_counter(f, id, name);
			if (injected != tally[i].injected[c])
				fail_msg("%s: %lld %s faults injected, %lld met by the engine", id,
				         injected, sim_fault_name(c), tally[i].injected[c]);
		}
	}
	/* Nothing refused became a record. */
	assert_int_equal(ck_et_sql(f, "SELECT (SELECT count(*) FROM assets a JOIN queries q ON"
	                              " q.id = a.query_id WHERE q.state != 'answered') +"
	                              " (SELECT count(*) FROM leads l JOIN queries q ON q.id ="
	                              " l.query_id WHERE q.state != 'answered')"),
	                 0);
	free(tally);
}

/* ---- A run, timed and bounded ---------------------------------------------------- */

/* The longest a run may take given the configuration and what it met: per
 * institution, its queries in waves of max_in_flight, each query's attempts
 * one after the other, each attempt at most the total timeout and then at
 * most the longest wait before the next (backoff, Retry-After, PollAfter,
 * rounded up to whole seconds), plus the circuit breaker's pauses and a
 * pause per 429; the slowest institution decides. */
static int64_t
time_bound_ms(struct ck_et *f)
{
	int64_t worst = 0;
	for (size_t i = 0; i < f->cfg->n_insts; i++) {
		const struct ck_inst_config *c = &f->cfg->insts[i];
		const struct sim_instance *inst = sim_world_instance(f->world, c->id);
		assert_non_null(inst);
		long long queries = ck_et_sql(f,
		                              "SELECT count(*) FROM queries WHERE institution_id ="
		                              " '%s' AND attempts > 0",
		                              c->id);
		long long chain = ck_et_sql(f,
		                            "SELECT ifnull(max(n), 0) FROM (SELECT count(*) AS n"
		                            " FROM attempts t JOIN queries q ON q.id = t.query_id"
		                            " WHERE q.institution_id = '%s' GROUP BY q.id)",
		                            c->id);
		long long attempts = ck_et_sql(f,
		                               "SELECT count(*) FROM attempts t JOIN queries q ON"
		                               " q.id = t.query_id WHERE q.institution_id = '%s'",
		                               c->id);
		long long r429 =
		    ck_et_sql(f,
		              "SELECT count(*) FROM attempts t JOIN queries q ON q.id ="
		              " t.query_id WHERE q.institution_id = '%s' AND"
		              " t.http_status = 429",
		              c->id);
		int64_t wait_ms = (c->backoff_max_ms + 999) / 1000 * 1000;
		int64_t other =
		    1000LL * (inst->behaviour.retry_after_s > inst->behaviour.poll_after_s
		                  ? inst->behaviour.retry_after_s
		                  : inst->behaviour.poll_after_s);
		if (other > wait_ms)
			wait_ms = other;
		if (wait_ms < 1000)
			wait_ms = 1000;
		wait_ms += 1000; /* due times are whole seconds */
		int64_t waves = (queries + c->max_in_flight - 1) / c->max_in_flight;
		int64_t t = waves * chain * ((int64_t)c->total_timeout_ms + wait_ms) +
		            attempts / c->breaker_failures * (int64_t)c->breaker_cooldown_ms +
		            r429 * 1000LL *
		                (inst->behaviour.retry_after_s ? inst->behaviour.retry_after_s : 1);
		if (t > worst)
			worst = t;
	}
	return worst + 5000; /* starting, planning, the last commits */
}

void
ck_faults_run_and_check(struct ck_et *f, struct ck_fault_figures *fig)
{
	*fig = (struct ck_fault_figures){0};
	struct ck_clock clock;
	ck_clock_fixed(&clock, 1709600000);
	/* A safety net only: the bound checked below is much tighter. */
	struct ck_sched_opts opts = {.wait = 1, .max_time_s = 900, .seed = 11};
	char err[CK_ERR_SIZE] = "";
	struct ck_run_stats stats;
	int64_t t0 = ck_et_mono_ms();
	if (ck_sched_run(f->st, f->cfg, f->xsd, &clock, &opts, &stats, err) != CK_OK)
		fail_msg("run: %s", err);
	fig->elapsed_ms = ck_et_mono_ms() - t0;
	ck_faults_check_outcomes(f, fig);
	fig->bound_ms = time_bound_ms(f);
	fig->worst_share = (double)fig->elapsed_ms / (double)fig->bound_ms;
	if (fig->elapsed_ms > fig->bound_ms)
		fail_msg("the run took %lld ms, more than the %lld ms its timeouts allow",
		         (long long)fig->elapsed_ms, (long long)fig->bound_ms);
	/* No exchange outlived its timeout. */
	unsigned timeout = 0;
	for (size_t i = 0; i < f->cfg->n_insts; i++)
		if (f->cfg->insts[i].total_timeout_ms > timeout)
			timeout = f->cfg->insts[i].total_timeout_ms;
	long long longest = ck_et_sql(f, "SELECT ifnull(max(duration_ms), 0) FROM attempts");
	if (longest > (long long)timeout + 500)
		fail_msg("an attempt lasted %lld ms, the timeout is %u ms", longest, timeout);
}

void
ck_fault_figures_add(struct ck_fault_figures *a, const struct ck_fault_figures *b)
{
	a->queries += b->queries;
	a->answered += b->answered;
	a->attempts += b->attempts;
	a->unsent += b->unsent;
	for (int c = 0; c < SIM_FAULT_COUNT_; c++) {
		a->injected[c] += b->injected[c];
		a->failed_by[c] += b->failed_by[c];
	}
	a->elapsed_ms += b->elapsed_ms;
	a->bound_ms += b->bound_ms;
	if (b->worst_share > a->worst_share)
		a->worst_share = b->worst_share;
}

void
ck_fault_figures_print(const char *title, const struct ck_fault_figures *fig)
{
	print_message("%s: %lld queries, %lld attempts, %lld answered, %lld left for the next run;"
	              " %lld ms, the slowest run %.0f %% of the time its timeouts allow\n",
	              title, fig->queries, fig->attempts, fig->answered, fig->unsent,
	              (long long)fig->elapsed_ms, 100.0 * fig->worst_share);
	for (int c = 0; c < SIM_FAULT_COUNT_; c++)
		print_message("  %-13s injected %6lld  queries failed for it %6lld\n",
		              sim_fault_name(c), fig->injected[c], fig->failed_by[c]);
}

/* ---- Isolation -------------------------------------------------------------------- */

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One measurement: from the start of `chakong run --wait` to the moment
 * every query of the healthy institutions is settled (read from the store
 * every few milliseconds); then the run is killed. */
static int64_t
measure_once(const struct ck_isolation_params *p, int stalled)
{
	struct ck_et f;
	ck_et_world(&f, p->world_seed, p->subjects);
	for (size_t i = 0; i < f.world->n_instances; i++) {
		struct sim_behaviour *b = &f.world->instances[i].behaviour;
		b->latency = SIM_LAT_FIXED;
		b->latency_ms = p->latency_ms;
		/* Social insurance answers by ticket and poll, at once: its
		 * polls would otherwise fall on whole seconds and make the
		 * measure jump by a second. */
		b->async_delay_s = 0;
		b->poll_after_s = 0;
	}
	if (stalled) {
		struct sim_instance *bad = sim_world_instance(f.world, p->stalled);
		assert_non_null(bad);
		bad->behaviour.fault_permille[SIM_FAULT_STALL] = 1000;
	}
	/* The configuration's defaults (docs/config.md) but for the number in
	 * flight and the timeout: a stalled answer holds its place until then,
	 * and the institution then meets its backoff and circuit breaker. */
	struct ck_et_tuning tuning = {.max_in_flight = p->max_in_flight,
	                              .connect_timeout_ms = 10000,
	                              .total_timeout_ms = p->total_timeout_ms,
	                              .retries = 6,
	                              .backoff_base_ms = 500,
	                              .backoff_max_ms = 60000,
	                              .breaker_failures = 8,
	                              .breaker_cooldown_ms = 30000};
	ck_et_serve(&f, &tuning);
	ck_et_import(&f, p->cases, 300);
	char db_opt[4200], config_opt[4200];
	snprintf(db_opt, sizeof db_opt, "--db=%s", f.db);
	snprintf(config_opt, sizeof config_opt, "--config=%s", f.config);
	char *argv[] = {CK_CHAKONG_BIN, db_opt,    "run",          config_opt,
	                "--wait",       "--quiet", "--no-reports", NULL};
	char count_all[256], count_open[256];
	snprintf(count_all, sizeof count_all,
	         "SELECT count(*) FROM queries WHERE institution_id != '%s'", p->stalled);
	snprintf(count_open, sizeof count_open,
	         "SELECT count(*) FROM queries WHERE institution_id != '%s' AND state NOT IN"
	         " ('answered', 'failed', 'not_applicable')",
	         p->stalled);

	int64_t t0 = ck_et_mono_ms();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	int64_t took = -1;
	while (took < 0) {
		if (ck_et_mono_ms() - t0 > 300000) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("the healthy institutions did not finish in 300 s");
		}
		if (ck_et_sql(&f, "%s", count_all) > 0 && ck_et_sql(&f, "%s", count_open) == 0)
			took = ck_et_mono_ms() - t0;
		else
			sleep_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* The healthy institutions' work was done, and right. */
	const char *const skip[] = {p->stalled, NULL};
	ck_et_compare_with_truth_but(&f, skip);
	/* Social insurance did answer by ticket and poll. */
	assert_true(ck_et_sql(&f, "SELECT count(*) FROM attempts t JOIN queries q ON q.id ="
	                          " t.query_id WHERE q.institution_id = 'si' AND t.kind = 'poll'"
	                          " AND t.http_status = 200") > 0);
	if (stalled)
		assert_int_equal(ck_et_sql(&f,
		                           "SELECT count(*) FROM queries WHERE institution_id ="
		                           " '%s' AND state = 'answered'",
		                           p->stalled),
		                 0);
	ck_et_stop(&f);
	return took;
}

void
ck_isolation_measure(const struct ck_isolation_params *p, struct ck_isolation_figures *out)
{
	*out = (struct ck_isolation_figures){.best_healthy_ms = INT64_MAX,
	                                     .best_with_stalled_ms = INT64_MAX};
	assert_true(p->repetitions >= 1 && p->repetitions <= 8);
	for (int r = 0; r < p->repetitions; r++) {
		out->healthy_ms[r] = measure_once(p, 0);
		out->with_stalled_ms[r] = measure_once(p, 1);
		if (out->healthy_ms[r] < out->best_healthy_ms)
			out->best_healthy_ms = out->healthy_ms[r];
		if (out->with_stalled_ms[r] < out->best_with_stalled_ms)
			out->best_with_stalled_ms = out->with_stalled_ms[r];
		print_message(
		    "isolation %d: healthy institutions done in %lld ms, %lld ms beside a "
		    "stalled %s\n",
		    r + 1, (long long)out->healthy_ms[r], (long long)out->with_stalled_ms[r],
		    p->stalled);
	}
	out->ratio = (double)out->best_with_stalled_ms / (double)out->best_healthy_ms;
}
