/* SPDX-License-Identifier: MIT */
/* crashtest.c: the kill harness and the crash scenarios of reliability.h. */
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

/* ---- Seeds ------------------------------------------------------------------ */

uint64_t
ck_rel_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

uint64_t
ck_rel_seed(const char *name)
{
	const char *text = getenv(name);
	uint64_t seed;
	if (text != NULL && *text != '\0') {
		char *end;
		errno = 0;
		seed = strtoull(text, &end, 10);
		if (errno != 0 || *end != '\0')
			fail_msg("%s=\"%s\": not a decimal number", name, text);
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t mix = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^
		               ((uint64_t)getpid() << 32);
		seed = ck_rel_next(&mix) % 1000000000u;
	}
	print_message("seed %llu (%s=%llu repeats these moments)\n", (unsigned long long)seed, name,
	              (unsigned long long)seed);
	return seed;
}

/* ---- The kill harness ---------------------------------------------------------- */

static pid_t
spawn(char *const argv[], const char *log_path)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int log =
		    log_path != NULL ? open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600) : null;
		dup2(null, 0);
		dup2(null, 1);
		dup2(log >= 0 ? log : null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
ck_kill_loop(char *const argv[], const struct ck_kill_opts *o, struct ck_kill_stats *out)
{
	*out = (struct ck_kill_stats){.shortest_ms = INT64_MAX};
	uint64_t rng = o->seed;
	int64_t begin = ck_et_mono_ms();
	assert_true(o->max_delay_ms >= 1);
	for (;;) {
		int64_t delay = 1 + (int64_t)(ck_rel_next(&rng) % (uint64_t)o->max_delay_ms);
		pid_t pid = spawn(argv, o->log_path);
		out->starts++;
		int64_t started = ck_et_mono_ms();
		int status = 0, exited = 0;
		while (!exited) {
			pid_t w = waitpid(pid, &status, WNOHANG);
			assert_true(w >= 0);
			if (w == pid) {
				exited = 1;
				break;
			}
			int64_t now = ck_et_mono_ms();
			if (now - begin > o->deadline_ms) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				fail_msg(
				    "seed %llu: not finished after %lld ms (%d starts, %d kills)",
				    (unsigned long long)o->seed, (long long)(now - begin),
				    out->starts, out->kills);
			}
			if (now - started >= delay)
				break;
			sleep_ms(1);
		}
		if (!exited) {
			kill(pid, SIGKILL);
			assert_int_equal(waitpid(pid, &status, 0), pid);
		}
		if (WIFEXITED(status)) {
			/* It finished by itself, perhaps just before the kill. */
			if (WEXITSTATUS(status) != o->expect_status)
				fail_msg(
				    "seed %llu: start %d exited with %d, not %d (its messages: "
				    "%s)",
				    (unsigned long long)o->seed, out->starts, WEXITSTATUS(status),
				    o->expect_status, o->log_path ? o->log_path : "none");
			break;
		}
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("seed %llu: start %d died of signal %d, not of our SIGKILL",
			         (unsigned long long)o->seed, out->starts,
			         WIFSIGNALED(status) ? WTERMSIG(status) : -1);
		int64_t life = ck_et_mono_ms() - started;
		out->kills++;
		out->shortest_ms = life < out->shortest_ms ? life : out->shortest_ms;
		out->longest_ms = life > out->longest_ms ? life : out->longest_ms;
		if (o->after_kill != NULL)
			o->after_kill(o->ctx, out->kills);
	}
	out->elapsed_ms = ck_et_mono_ms() - begin;
	if (out->kills == 0)
		out->shortest_ms = 0;
	if (out->kills < o->min_kills)
		fail_msg("seed %llu: the program finished after %d kills, fewer than %d: the kill "
		         "moments were too late for the work",
		         (unsigned long long)o->seed, out->kills, o->min_kills);
}

/* ---- Checks on a store ----------------------------------------------------------- */

/* PRAGMA integrity_check on a connection: "ok" or the first problem. */
static void
integrity_ok(sqlite3 *h, const char *what, uint64_t seed)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
		fail_msg("seed %llu: %s: integrity check: %s", (unsigned long long)seed, what,
		         sqlite3_errmsg(h));
	int rc = sqlite3_step(s);
	const char *text = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
	if (text == NULL || strcmp(text, "ok") != 0)
		fail_msg("seed %llu: %s: integrity check: %s", (unsigned long long)seed, what,
		         text ? text : sqlite3_errmsg(h));
	sqlite3_finalize(s);
}

/* Answers are stored with the state change in one transaction: an answered
 * query has exactly one audit row of its answer, and records belong to
 * answered queries only. */
static void
answers_whole(struct ck_et *f, uint64_t seed, int kills)
{
	long long bad = ck_et_sql(f, "SELECT count(*) FROM queries q LEFT JOIN (SELECT query_id,"
	                             " count(*) AS n FROM audit WHERE action = 'query.answered'"
	                             " GROUP BY query_id) a ON a.query_id = q.id"
	                             " WHERE (q.state = 'answered') != (ifnull(a.n, 0) = 1)");
	if (bad != 0)
		fail_msg("seed %llu, after kill %d: %lld queries whose answer and audit disagree",
		         (unsigned long long)seed, kills, bad);
	bad = ck_et_sql(f, "SELECT (SELECT count(*) FROM assets a JOIN queries q ON q.id ="
	                   " a.query_id WHERE q.state != 'answered') + (SELECT count(*) FROM"
	                   " leads l JOIN queries q ON q.id = l.query_id WHERE q.state !="
	                   " 'answered')");
	if (bad != 0)
		fail_msg("seed %llu, after kill %d: %lld records of queries not answered",
		         (unsigned long long)seed, kills, bad);
}

/* ---- `chakong run` killed ----------------------------------------------------------- */

struct run_check {
	struct ck_et *f;
	uint64_t seed;
	int checks;
};

static void
after_run_kill(void *ctx, int kills)
{
	struct run_check *c = ctx;
	char what[64];
	snprintf(what, sizeof what, "after kill %d", kills);
	integrity_ok(c->f->h, what, c->seed);
	answers_whole(c->f, c->seed, kills);
	c->checks++;
}

static long long
sim_total(struct ck_et *f, const char *counter)
{
	long long n = 0;
	for (size_t i = 0; i < f->world->n_instances; i++)
		n += ck_et_sim_counter(f, f->world->instances[i].id, counter);
	return n;
}

void
ck_crash_runs(const struct ck_crash_params *p, struct ck_crash_figures *out)
{
	*out = (struct ck_crash_figures){0};
	struct ck_et f;
	ck_et_world(&f, p->world_seed, p->subjects);
	for (size_t i = 0; i < f.world->n_instances; i++) {
		struct sim_behaviour *b = &f.world->instances[i].behaviour;
		b->latency = SIM_LAT_LOGNORMAL;
		b->latency_ms = p->latency_median_ms;
		b->latency_sigma_x100 = 50;
		b->async_delay_s = 2;
		b->poll_after_s = 1;
		if (p->transient_faults) {
			b->fault_permille[SIM_FAULT_500] = 30;
			b->fault_permille[SIM_FAULT_503] = 20;
			b->fault_permille[SIM_FAULT_RESET] = 20;
			b->retry_after_s = 1;
		}
	}
	struct ck_et_tuning tuning = CK_ET_TUNING_DEFAULT;
	tuning.total_timeout_ms = 5000;

	/* The uninterrupted run: the figures to match, and the pace of the
	 * work that sets the kill moments. */
	ck_et_serve(&f, &tuning);
	ck_et_use_store(&f, "reference.db");
	ck_et_import(&f, p->cases, 300);
	char db_opt[4200], config_opt[4200];
	snprintf(config_opt, sizeof config_opt, "--config=%s", f.config);
	snprintf(db_opt, sizeof db_opt, "--db=%s", f.db);
	char *argv[] = {CK_CHAKONG_BIN, db_opt, "run", config_opt, "--wait", "--quiet", NULL};
	struct ck_test_run run;
	int64_t t0 = ck_et_mono_ms();
	ck_test_run(&run, NULL, argv);
	out->reference_ms = ck_et_mono_ms() - t0;
	if (run.status != 0)
		fail_msg("the uninterrupted run exited with %d: %s", run.status, run.errout);
	ck_test_run_free(&run);
	ck_et_compare_with_truth(&f);
	ck_et_one_request_id_per_query(&f);
	out->ref_requests = sim_total(&f, "requests");
	char *reference = ck_et_findings(f.db);

	/* The same cases in a new store, against a fresh simulator. */
	ck_et_serve(&f, &tuning);
	ck_et_use_store(&f, "engine.db");
	ck_et_import(&f, p->cases, 300);
	snprintf(config_opt, sizeof config_opt, "--config=%s", f.config);
	snprintf(db_opt, sizeof db_opt, "--db=%s", f.db);
	char *log = ck_test_path(f.dir, "runs.log");
	struct run_check check = {.f = &f, .seed = p->kill_seed};
	/* Each start is cut short on average at a third of the work divided by
	 * the kills wanted: the wanted kills cannot finish it, and the lives
	 * cut short spread over the whole run, start to end. */
	int64_t mean = out->reference_ms / (3 * p->min_kills);
	struct ck_kill_opts ko = {
	    .seed = p->kill_seed,
	    .min_kills = p->min_kills,
	    .max_delay_ms = 2 * (mean > 10 ? mean : 10),
	    .deadline_ms = p->deadline_ms,
	    .expect_status = 0,
	    .log_path = log,
	    .after_kill = after_run_kill,
	    .ctx = &check,
	};
	ck_kill_loop(argv, &ko, &out->kill);
	out->integrity_checks = check.checks;

	integrity_ok(f.h, "at the end", p->kill_seed);
	answers_whole(&f, p->kill_seed, out->kill.kills);
	long long unsettled = ck_et_sql(&f, "SELECT count(*) FROM queries WHERE state NOT IN"
	                                    " ('answered', 'not_applicable')");
	if (unsettled != 0)
		fail_msg("seed %llu: %lld queries unsettled after the run finished",
		         (unsigned long long)p->kill_seed, unsettled);
	out->queries = ck_et_sql(&f, "SELECT count(*) FROM queries WHERE state = 'answered'");
	if ((size_t)out->queries < p->min_queries)
		fail_msg("only %lld queries, fewer than the %zu wanted", out->queries,
		         p->min_queries);
	ck_et_compare_with_truth(&f);
	ck_et_one_request_id_per_query(&f);
	out->requests = sim_total(&f, "requests");
	out->repeats = sim_total(&f, "repeats");
	char *found = ck_et_findings(f.db);
	ck_et_same_findings(reference, found, "the killed run against the uninterrupted one");
	free(found);
	free(reference);
	free(log);
	ck_et_stop(&f);
}

/* ---- `chakong import` killed --------------------------------------------------------- */

struct import_check {
	const char *db, *ref;
	uint64_t seed;
	long long total;
	int mid;
};

static long long
one_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	long long v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	return v;
}

/* Cases of the store that differ from the reference (an uninterrupted
 * import of the same file), in their fields or their debtors. */
static const char SQL_CASES_NOT_WHOLE[] =
    "SELECT count(*) FROM main.cases c LEFT JOIN ref.cases r ON r.case_no = c.case_no"
    " WHERE r.id IS NULL OR c.court_code != r.court_code OR c.court_name != r.court_name"
    " OR c.filed_at != r.filed_at OR c.officer != r.officer OR c.amount_owed != r.amount_owed"
    " OR c.status != r.status"
    " OR (SELECT count(*) FROM main.debtors d WHERE d.case_id = c.id AND d.removed_at IS NULL)"
    "  != (SELECT count(*) FROM ref.debtors e WHERE e.case_id = r.id)"
    " OR EXISTS (SELECT 1 FROM main.debtors d WHERE d.case_id = c.id AND NOT EXISTS"
    "  (SELECT 1 FROM ref.debtors e WHERE e.case_id = r.id AND e.id_no = d.id_no"
    "   AND e.name = d.name AND e.kind = d.kind AND e.position = d.position"
    "   AND d.removed_at IS NULL))";

/* Creations recorded in the audit trail but for cases or debtors absent,
 * or recorded twice. */
static const char SQL_AUDIT_AGREES[] =
    "SELECT (SELECT count(*) FROM audit WHERE action = 'case.created')"
    " = (SELECT count(*) FROM cases)"
    " AND (SELECT count(*) FROM audit WHERE action = 'debtor.added')"
    " = (SELECT count(*) FROM debtors)"
    " AND (SELECT count(DISTINCT case_no) FROM audit WHERE action = 'case.created')"
    " = (SELECT count(*) FROM cases)";

static void
check_import(struct import_check *c, const char *what)
{
	sqlite3 *h;
	if (sqlite3_open_v2(c->db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("seed %llu: %s: cannot open the store: %s", (unsigned long long)c->seed,
		         what, sqlite3_errmsg(h));
	integrity_ok(h, what, c->seed);
	long long cases = one_int(h, "SELECT count(*) FROM cases");
	if (cases < 0) {
		/* Killed before the schema was made: nothing imported. */
		sqlite3_close(h);
		return;
	}
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(h, "ATTACH DATABASE ?1 AS ref", -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(s, 1, c->ref, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		fail_msg("attach: %s", sqlite3_errmsg(h));
	sqlite3_finalize(s);
	long long broken = one_int(h, SQL_CASES_NOT_WHOLE);
	if (broken != 0)
		fail_msg("seed %llu: %s: %lld of %lld cases stored are not whole",
		         (unsigned long long)c->seed, what, broken, cases);
	if (one_int(h, SQL_AUDIT_AGREES) != 1)
		fail_msg("seed %llu: %s: the audit trail's creations differ from the cases and "
		         "debtors stored",
		         (unsigned long long)c->seed, what);
	c->mid += cases > 0 && cases < c->total;
	sqlite3_close(h);
}

static void
after_import_kill(void *ctx, int kills)
{
	char what[64];
	snprintf(what, sizeof what, "after kill %d", kills);
	check_import(ctx, what);
}

void
ck_crash_import(uint64_t world_seed, uint64_t kill_seed, size_t cases, int min_kills,
                struct ck_import_figures *out)
{
	*out = (struct ck_import_figures){0};
	struct ck_et f;
	ck_et_world(&f, world_seed, cases + cases / 2);
	size_t len;
	char *csv = ck_et_filings(&f, cases, 300, &len);
	char *filing = ck_test_path(f.dir, "filing.csv");
	ck_test_write_file(filing, csv, len);
	free(csv);
	char *ref = ck_test_path(f.dir, "reference.db");
	char *log = ck_test_path(f.dir, "imports.log");
	char db_opt[4200];

	/* The uninterrupted import: what every case must look like, and the
	 * time the kill moments are spread over. */
	snprintf(db_opt, sizeof db_opt, "--db=%s", ref);
	char *argv[] = {CK_CHAKONG_BIN, db_opt, "--now=@1709600000", "import", filing, NULL};
	struct ck_test_run run;
	int64_t t0 = ck_et_mono_ms();
	ck_test_run(&run, NULL, argv);
	out->reference_ms = ck_et_mono_ms() - t0;
	if (run.status != 0)
		fail_msg("the uninterrupted import exited with %d: %s", run.status, run.errout);
	ck_test_run_free(&run);

	sqlite3 *h;
	assert_int_equal(sqlite3_open_v2(ref, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	out->cases = one_int(h, "SELECT count(*) FROM cases");
	out->debtors = one_int(h, "SELECT count(*) FROM debtors");
	sqlite3_close(h);
	assert_int_equal(out->cases, (long long)cases);

	/* Episodes, each on a new store: imports killed at moments spread over
	 * the length of a whole import until one finishes by itself, which
	 * completes the store.  Later starts of an episode go faster (what
	 * was committed is only compared), so an episode ends after a few
	 * kills; episodes follow each other until enough kills were made. */
	out->kill.shortest_ms = INT64_MAX;
	for (int episode = 1; out->kill.kills < min_kills; episode++) {
		char name[32];
		snprintf(name, sizeof name, "engine-%d.db", episode);
		ck_et_use_store(&f, name);
		snprintf(db_opt, sizeof db_opt, "--db=%s", f.db);
		struct import_check check = {
		    .db = f.db, .ref = ref, .seed = kill_seed, .total = out->cases};
		struct ck_kill_opts ko = {
		    .seed = kill_seed + (uint64_t)episode,
		    .min_kills = 0,
		    .max_delay_ms = out->reference_ms,
		    .deadline_ms = 30 * out->reference_ms + 60000,
		    .expect_status = 0,
		    .log_path = log,
		    .after_kill = after_import_kill,
		    .ctx = &check,
		};
		struct ck_kill_stats ks;
		ck_kill_loop(argv, &ko, &ks);
		out->kill.kills += ks.kills;
		out->kill.starts += ks.starts;
		out->kill.elapsed_ms += ks.elapsed_ms;
		if (ks.kills > 0 && ks.shortest_ms < out->kill.shortest_ms)
			out->kill.shortest_ms = ks.shortest_ms;
		if (ks.longest_ms > out->kill.longest_ms)
			out->kill.longest_ms = ks.longest_ms;
		out->mid_import_kills += check.mid;
		out->episodes = episode;

		/* The import that finished left the store complete. */
		check_import(&check, "at the end");
		assert_int_equal(sqlite3_open_v2(f.db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(one_int(h, "SELECT count(*) FROM cases"), out->cases);
		assert_int_equal(one_int(h, "SELECT count(*) FROM debtors"), out->debtors);
		sqlite3_close(h);
		if (episode > 4 * min_kills + 10)
			fail_msg("seed %llu: %d episodes without %d kills",
			         (unsigned long long)kill_seed, episode, min_kills);
	}

	/* Importing again changes nothing. */
	ck_test_run(&run, NULL, argv);
	assert_int_equal(run.status, 0);
	char want[128];
	snprintf(want, sizeof want, "0 created, 0 updated, %lld unchanged, 0 rejected", out->cases);
	if (strstr(run.out, want) == NULL)
		fail_msg("importing again: %s (wanted \"%s\")", run.out, want);
	ck_test_run_free(&run);
	free(filing);
	free(ref);
	free(log);
	ck_et_stop(&f);
}
