/* SPDX-License-Identifier: MIT */
/* crashtest.c: the kill harness and the crash scenarios of reliability.h. */
#define _GNU_SOURCE
#include "reliability.h"
#include "chakong/error.h"
#include "chakong/report.h"
#include "chakong/timeutil.h"

#include <dirent.h>
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

/* Adds the figures of one kill loop to a total over several (zeroed to
 * begin with): the shortest life is over the loops that killed. */
static void
kill_stats_add(struct ck_kill_stats *total, const struct ck_kill_stats *ks)
{
	if (ks->kills > 0 && (total->kills == 0 || ks->shortest_ms < total->shortest_ms))
		total->shortest_ms = ks->shortest_ms;
	if (ks->longest_ms > total->longest_ms)
		total->longest_ms = ks->longest_ms;
	total->kills += ks->kills;
	total->starts += ks->starts;
	total->elapsed_ms += ks->elapsed_ms;
}

void
ck_kill_loop(char **argv, const struct ck_kill_opts *o, struct ck_kill_stats *out)
{
	*out = (struct ck_kill_stats){.shortest_ms = INT64_MAX};
	uint64_t rng = o->seed;
	int64_t begin = ck_et_mono_ms();
	char now_arg[64];
	assert_true(o->max_delay_ms >= 1);
	for (;;) {
		int64_t delay = 1 + (int64_t)(ck_rel_next(&rng) % (uint64_t)o->max_delay_ms);
		if (o->now_slot > 0) {
			/* The clock goes on from where the last start left it. */
			snprintf(now_arg, sizeof now_arg, "--now=@%lld",
			         (long long)(o->now_base + (ck_et_mono_ms() - begin) / 1000));
			argv[o->now_slot] = now_arg;
		}
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

/* ---- Report files --------------------------------------------------------------- */

/* Every run of the scenario reads this clock, long after every deadline:
 * a report is a function of the store and of that time only, so the
 * reports of two stores that found the same compare byte for byte. */
#define RUN_NOW "--now=2024-06-01T10:00:00+08:00"

/* A JSON document that ends where it should: balanced braces and brackets
 * outside strings, nothing after the outer object but a line end. */
static int
json_whole(const char *text, size_t len)
{
	int depth = 0, in_string = 0;
	size_t i = 0;
	if (len == 0 || text[0] != '{')
		return 0;
	for (; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"')
			in_string = 1;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			break;
	}
	return depth == 0 && i < len && (i + 1 == len || (i + 2 == len && text[i + 1] == '\n'));
}

struct report_census {
	int files; /* reports, whole */
	int temporaries;
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted; caller frees each and the array. */
static char **
list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	*n = 0;
	if (d == NULL) {
		if (errno == ENOENT)
			return NULL;
		fail_msg("%s: %s", dir, strerror(errno));
	}
	char **names = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			assert_non_null(names);
		}
		names[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof *names, by_name);
	return names;
}

static void
free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0;
}

/* No report file in dir is cut short (a temporary file may be: it is
 * renamed into place only once whole). */
static struct report_census
reports_whole(const char *dir, uint64_t seed, const char *what)
{
	struct report_census c = {0};
	size_t n;
	char **names = list_dir(dir, &n);
	for (size_t i = 0; i < n; i++) {
		if (names[i][0] == '.' && ends_with(names[i], ".tmp")) {
			c.temporaries++;
			continue;
		}
		char *path = ck_test_path(dir, names[i]);
		size_t len;
		char *text = ck_test_read_file(path, &len);
		int whole = 0;
		if (ends_with(names[i], ".json"))
			whole = strncmp(text, "{\"format\":\"chakong-report/1\"", 28) == 0 &&
			        json_whole(text, len);
		else if (ends_with(names[i], ".html"))
			whole = strncmp(text, "<!DOCTYPE html>", 15) == 0 &&
			        ends_with(text, "</html>\n") && strlen(text) == len;
		else
			fail_msg("seed %llu: %s: an unexpected file %s in the reports",
			         (unsigned long long)seed, what, names[i]);
		if (!whole)
			fail_msg("seed %llu: %s: report %s is cut short (%zu bytes)",
			         (unsigned long long)seed, what, names[i], len);
		c.files++;
		free(text);
		free(path);
	}
	free_names(names, n);
	return c;
}

/* got holds the same report files as want, byte for byte, and nothing
 * else (no temporary left behind). */
static void
same_reports(const char *want, const char *got, const char *what)
{
	size_t nw, ng;
	char **w = list_dir(want, &nw);
	char **g = list_dir(got, &ng);
	if (nw == 0)
		fail_msg("%s: the reference wrote no report", what);
	for (size_t i = 0; i < nw || i < ng; i++) {
		if (i >= nw || i >= ng || strcmp(w[i], g[i]) != 0)
			fail_msg("%s: report files differ: %s where %s was written", what,
			         i < ng ? g[i] : "nothing", i < nw ? w[i] : "nothing");
		char *pw = ck_test_path(want, w[i]), *pg = ck_test_path(got, g[i]);
		size_t lw, lg;
		char *tw = ck_test_read_file(pw, &lw), *tg = ck_test_read_file(pg, &lg);
		if (lw != lg || memcmp(tw, tg, lw) != 0) {
			size_t at = 0;
			while (at < lw && at < lg && tw[at] == tg[at])
				at++;
			fail_msg("%s: %s differs from byte %zu: \"%.60s\" where \"%.60s\" was "
			         "written",
			         what, g[i], at, tg + at, tw + at);
		}
		free(tw);
		free(tg);
		free(pw);
		free(pg);
	}
	free_names(w, nw);
	free_names(g, ng);
}

/* ---- `chakong run` killed ----------------------------------------------------------- */

struct run_check {
	struct ck_et *f;
	uint64_t seed;
	int checks;
	const char *reports; /* the directory the runs write reports into */
	int mid_writing;     /* kills after which a report was being written */
	int files;           /* reports there when the report writing is complete */
};

static void
after_run_kill(void *ctx, int kills)
{
	struct run_check *c = ctx;
	char what[64];
	snprintf(what, sizeof what, "after kill %d", kills);
	integrity_ok(c->f->h, what, c->seed);
	answers_whole(c->f, c->seed, kills);
	struct report_census rc = reports_whole(c->reports, c->seed, what);
	c->mid_writing += rc.temporaries > 0 || (rc.files > 0 && rc.files < c->files);
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

/* A copy of a store that no program is using (VACUUM INTO: whole,
 * whatever is still in its write-ahead log). */
static void
copy_store(const char *from, const char *to)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open_v2(from, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(h, "VACUUM INTO ?1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, to, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		fail_msg("copying %s: %s", from, sqlite3_errmsg(h));
	sqlite3_finalize(s);
	sqlite3_close(h);
}

/* The value of "built_at" in a JSON report, as epoch seconds. */
static int64_t
built_at(const char *json, const char *name)
{
	const char *at = strstr(json, "\"built_at\":\"");
	if (at == NULL)
		fail_msg("%s: no built_at", name);
	char text[64];
	snprintf(text, sizeof text, "%.*s", (int)strcspn(at + 12, "\""), at + 12);
	int64_t t;
	if (ck_time_parse_lenient(text, CK_DEFAULT_OFFSET_MIN, &t, NULL, NULL) != CK_OK)
		fail_msg("%s: built_at \"%s\"", name, text);
	return t;
}

/* The report files a run wrote into `dir` for every case of the store
 * `db`: each is the case's report built from the finished store at the
 * time it says it was built (none is stale), and the JSON report built at
 * `ref_now` is, byte for byte, the one the uninterrupted run wrote into
 * `ref_dir`. */
static void
reports_are_final(const char *db, const char *dir, const char *ref_dir, int64_t ref_now)
{
	char err[CK_ERR_SIZE] = "";
	struct ck_store *st;
	if (ck_store_open(db, &st, err) != CK_OK)
		fail_msg("%s: %s", db, err);
	sqlite3 *h;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(
	    sqlite3_prepare_v2(h, "SELECT case_no FROM cases ORDER BY case_no", -1, &s, NULL),
	    SQLITE_OK);
	int cases = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *case_no = (const char *)sqlite3_column_text(s, 0);
		char json_name[512], html_name[512];
		assert_int_equal(
		    ck_report_file_name(case_no, "json", json_name, sizeof json_name, err), CK_OK);
		assert_int_equal(
		    ck_report_file_name(case_no, "html", html_name, sizeof html_name, err), CK_OK);
		char *path = ck_test_path(dir, json_name);
		size_t len;
		char *json = ck_test_read_file(path, &len);
		free(path);
		int64_t times[2] = {built_at(json, json_name), ref_now};
		const char *dirs[2] = {dir, ref_dir};
		for (int k = 0; k < 2; k++) {
			struct ck_report *r = NULL;
			if (ck_report_build(st, case_no, -1, times[k], &r, err) != CK_OK)
				fail_msg("report of %s: %s", case_no, err);
			struct ck_report_render opt = {0};
			struct ck_buf want[2] = {{0}, {0}};
			assert_int_equal(ck_report_json(r, &want[0], err), CK_OK);
			assert_int_equal(ck_report_html(r, &opt, &want[1], err), CK_OK);
			const char *names[2] = {json_name, html_name};
			/* The HTML names each query's RequestId (the store's own) and
			 * when it was answered: the uninterrupted run's differs there;
			 * the JSON promises the same bytes for the same findings. */
			for (int m = 0; m < (k == 0 ? 2 : 1); m++) {
				char *p = ck_test_path(dirs[k], names[m]);
				size_t got_len;
				char *got = ck_test_read_file(p, &got_len);
				if (got_len != want[m].len ||
				    memcmp(got, want[m].data, got_len) != 0)
					fail_msg("%s: not the report of the finished store%s", p,
					         k == 0 ? " (a stale one)" : "");
				free(got);
				free(p);
			}
			ck_buf_release(&want[0]);
			ck_buf_release(&want[1]);
			ck_report_free(r);
		}
		free(json);
		cases++;
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	ck_store_close(st);
	assert_true(cases > 0);
}

struct write_check {
	const char *db, *reports;
	uint64_t seed;
	int files, mid, checks;
};

static void
after_write_kill(void *ctx, int kills)
{
	struct write_check *c = ctx;
	char what[64];
	snprintf(what, sizeof what, "after kill %d of the report writing", kills);
	sqlite3 *h;
	assert_int_equal(sqlite3_open_v2(c->db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	integrity_ok(h, what, c->seed);
	sqlite3_close(h);
	struct report_census rc = reports_whole(c->reports, c->seed, what);
	c->mid += rc.temporaries > 0 || (rc.files > 0 && rc.files < c->files);
	c->checks++;
}

void
ck_crash_runs(const struct ck_crash_params *p, struct ck_crash_figures *out)
{
	*out = (struct ck_crash_figures){0};
	char err[CK_ERR_SIZE] = "";
	int64_t base;
	assert_int_equal(
	    ck_time_parse_lenient(RUN_NOW + 6, CK_DEFAULT_OFFSET_MIN, &base, NULL, err), CK_OK);
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
	char db_opt[4200], config_opt[4200], reports_opt[4200];
	char *argv[] = {CK_CHAKONG_BIN, db_opt,   RUN_NOW,   "run", config_opt,
	                reports_opt,    "--wait", "--quiet", NULL};
	struct ck_test_run run;
	char *ref_db = ck_test_path(f.dir, "reference.db");
	char *unreported = ck_test_path(f.dir, "unreported.db");
	char *ref_reports = ck_test_path(f.dir, "reference-reports");
	char *reports = ck_test_path(f.dir, "reports");
	char *log = ck_test_path(f.dir, "runs.log");

	/* The uninterrupted run, without reports: the findings to match and
	 * the pace of the work that sets the kill moments; a copy of the
	 * finished store whose reports are still to write; then its reports. */
	ck_et_serve(&f, &tuning);
	ck_et_use_store(&f, "reference.db");
	ck_et_import(&f, p->cases, 300);
	snprintf(config_opt, sizeof config_opt, "--config=%s", f.config);
	snprintf(db_opt, sizeof db_opt, "--db=%s", ref_db);
	snprintf(reports_opt, sizeof reports_opt, "--no-reports");
	int64_t t0 = ck_et_mono_ms();
	ck_test_run(&run, NULL, argv);
	out->reference_ms = ck_et_mono_ms() - t0;
	if (run.status != 0)
		fail_msg("the uninterrupted run exited with %d: %s", run.status, run.errout);
	ck_test_run_free(&run);
	ck_et_compare_with_truth(&f);
	ck_et_one_request_id_per_query(&f);
	out->ref_requests = sim_total(&f, "requests");
	char *reference = ck_et_findings(ref_db);
	ck_et_use_store(&f, "engine.db"); /* closes the reference */
	copy_store(ref_db, unreported);
	snprintf(reports_opt, sizeof reports_opt, "--reports=%s", ref_reports);
	t0 = ck_et_mono_ms();
	ck_test_run(&run, NULL, argv);
	out->report_write_ms = ck_et_mono_ms() - t0;
	if (run.status != 0)
		fail_msg("writing the reports exited with %d: %s", run.status, run.errout);
	ck_test_run_free(&run);
	out->report_files = reports_whole(ref_reports, p->kill_seed, "the reference").files;
	assert_int_equal(out->report_files, 2 * (int)p->cases);

	/* The same cases in a new store, against a fresh simulator, killed
	 * again and again; the clock goes on across the starts. */
	ck_et_serve(&f, &tuning);
	ck_et_import(&f, p->cases, 300);
	snprintf(config_opt, sizeof config_opt, "--config=%s", f.config);
	snprintf(db_opt, sizeof db_opt, "--db=%s", f.db);
	snprintf(reports_opt, sizeof reports_opt, "--reports=%s", reports);
	struct run_check check = {
	    .f = &f, .seed = p->kill_seed, .reports = reports, .files = out->report_files};
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
	    .now_slot = 2,
	    .now_base = base,
	    .after_kill = after_run_kill,
	    .ctx = &check,
	};
	ck_kill_loop(argv, &ko, &out->kill);
	argv[2] = RUN_NOW;
	out->integrity_checks = check.checks;
	out->run_mid_report_kills = check.mid_writing;

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
	struct report_census rc = reports_whole(reports, p->kill_seed, "at the end");
	if (rc.temporaries != 0 || rc.files != out->report_files)
		fail_msg("seed %llu: %d reports and %d temporary files at the end, not %d and 0",
		         (unsigned long long)p->kill_seed, rc.files, rc.temporaries,
		         out->report_files);
	reports_are_final(f.db, reports, ref_reports, base);

	/* Kills while the reports are written: copies of the finished store
	 * whose reports are still to write, each run killed at moments spread
	 * over the writing until one finishes; at least min_report_kills kills
	 * in all. */
	for (int episode = 1; out->report_kill.kills < p->min_report_kills; episode++) {
		char name[32];
		snprintf(name, sizeof name, "reports-%d", episode);
		char *dir = ck_test_path(f.dir, name);
		snprintf(name, sizeof name, "writing-%d.db", episode);
		char *db = ck_test_path(f.dir, name);
		copy_store(unreported, db);
		snprintf(db_opt, sizeof db_opt, "--db=%s", db);
		snprintf(reports_opt, sizeof reports_opt, "--reports=%s", dir);
		struct write_check wc = {
		    .db = db, .reports = dir, .seed = p->kill_seed, .files = out->report_files};
		struct ck_kill_opts wo = {
		    .seed = p->kill_seed + 1000 + (uint64_t)episode,
		    .max_delay_ms = out->report_write_ms * 5 / 4 + 1,
		    .deadline_ms = 60 * out->report_write_ms + 60000,
		    .expect_status = 0,
		    .log_path = log,
		    .after_kill = after_write_kill,
		    .ctx = &wc,
		};
		struct ck_kill_stats ks;
		ck_kill_loop(argv, &wo, &ks);
		same_reports(ref_reports, dir, "reports whose writing was killed");
		kill_stats_add(&out->report_kill, &ks);
		out->report_mid_kills += wc.mid;
		out->integrity_checks += wc.checks;
		free(dir);
		free(db);
		if (episode > 4 * p->min_report_kills + 10)
			fail_msg("seed %llu: %d episodes without %d kills",
			         (unsigned long long)p->kill_seed, episode, p->min_report_kills);
	}
	free(found);
	free(reference);
	free(ref_db);
	free(unreported);
	free(ref_reports);
	free(reports);
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
 * or recorded twice.  A case's creation names the debtors it was created
 * with (", " between them); debtors added later have rows of their own. */
static const char SQL_AUDIT_AGREES[] =
    "SELECT (SELECT count(*) FROM audit WHERE action = 'case.created')"
    " = (SELECT count(*) FROM cases)"
    " AND (SELECT total(length(detail) - length(replace(detail, ',', '')) + 1) FROM audit"
    "  WHERE action = 'case.created')"
    "  + (SELECT count(*) FROM audit WHERE action = 'debtor.added')"
    " = (SELECT count(*) FROM debtors)"
    " AND NOT EXISTS (SELECT 1 FROM audit a JOIN cases c ON c.case_no = a.case_no"
    "  JOIN debtors d ON d.case_id = c.id AND d.position = 0"
    "  WHERE a.action = 'case.created' AND a.detail NOT LIKE d.id_no || '%')"
    " AND (SELECT count(DISTINCT case_no) FROM audit WHERE action = 'case.created')"
    " = (SELECT count(*) FROM cases)";

static void
check_import(struct import_check *c, const char *what)
{
	if (access(c->db, F_OK) != 0)
		return; /* killed before the store was made: nothing imported */
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
		kill_stats_add(&out->kill, &ks);
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
