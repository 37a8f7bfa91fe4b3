/* SPDX-License-Identifier: MIT */
/*
 * test_report.c: reports of whole runs against the simulator, through the
 * chakong program as the nightly job runs it: the JSON agrees with the
 * ground truth (checked by tests/report_vs_truth.py, a real JSON parser),
 * reports are byte-stable across runs, a failed deposits channel is never
 * "no property found", and a re-inquiry six months on shows a new account
 * as new property.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chakong/error.h"
#include "chakong/report.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"
#include "server.h"
#include "sim.h"
#include "testutil.h"

#define SEED     11
#define SUBJECTS 600
#define CASES    30
/* The simulator and the engine start on the filing day of the cases. */
#define START      1709602200 /* 2024-03-05T09:30:00+08:00 */
#define START_TEXT "@1709602200"

struct run_dir {
	char *dir, *db, *config, *reports;
	struct sim_world *world;
	struct sim_server *server;
};

/* A simulator (knobs: "INSTANCE.KEY=VALUE" assignments, NULL-terminated)
 * with its clock at START, and a directory with its configuration. */
static void
start(struct run_dir *r, const char *const *knobs)
{
	char err[CK_ERR_SIZE] = "";
	r->dir = ck_test_tmpdir();
	r->db = ck_test_path(r->dir, "chakong.db");
	r->config = ck_test_path(r->dir, "chakong.xml");
	r->reports = ck_test_path(r->dir, "reports");
	assert_int_equal(sim_world_new(SEED, SUBJECTS, &r->world, err), CK_OK);
	for (size_t i = 0; knobs != NULL && knobs[i] != NULL; i++)
		if (sim_behaviour_set(r->world, knobs[i], err) != CK_OK)
			fail_msg("%s: %s", knobs[i], err);
	struct sim_server_opts so = {.clock_offset_ms = ((int64_t)START - time(NULL)) * 1000};
	if (sim_server_start(r->world, &so, &r->server, err) != CK_OK)
		fail_msg("simulator: %s", err);
	char base[64];
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim_server_port(r->server));
	FILE *out = fopen(r->config, "w");
	assert_non_null(out);
	assert_int_equal(sim_write_config(r->world, base, out, err), CK_OK);
	fclose(out);
}

static void
stop(struct run_dir *r)
{
	sim_server_stop(r->server);
	sim_world_free(r->world);
	ck_test_rmtree(r->dir);
	free(r->dir);
	free(r->db);
	free(r->config);
	free(r->reports);
}

/* Runs chakong with --db and --now; returns its exit status. */
static int
chakong(struct run_dir *r, const char *now, const char *a1, const char *a2, const char *a3,
        const char *a4, const char *a5, struct ck_test_run *keep)
{
	const char *args[] = {
	    CK_CHAKONG_BIN, "--db", r->db, "--now", now, a1, a2, a3, a4, a5, NULL};
	char *argv[sizeof args / sizeof args[0]];
	memcpy(argv, args, sizeof args); /* exec's argv is not const-qualified */
	struct ck_test_run run;
	ck_test_run(&run, r->dir, argv);
	int status = run.status;
	if (status > 1)
		fprintf(stderr, "chakong %s: exit %d\n%s%s", a1, status, run.out, run.errout);
	if (keep != NULL)
		*keep = run;
	else
		ck_test_run_free(&run);
	return status;
}

/* Imports CASES generated cases and runs until every query is settled. */
static void
import_and_run(struct run_dir *r)
{
	char err[CK_ERR_SIZE] = "";
	char *csv = ck_test_path(r->dir, "filings.csv");
	FILE *out = fopen(csv, "w");
	assert_non_null(out);
	struct sim_filings_opts fo = {
	    .cases = CASES, .multi_debtor_permille = 300, .first_filed_at = START - 3600};
	assert_int_equal(sim_write_filings(r->world, &fo, out, err), CK_OK);
	fclose(out);
	assert_true(chakong(r, START_TEXT, "import", csv, NULL, NULL, NULL, NULL) <= 1);
	free(csv);
	int status =
	    chakong(r, START_TEXT, "run", "--config", r->config, "--wait", "--quiet", NULL);
	assert_true(status <= 1);
}

/* The file names in dir ending with ext, sorted; NULL-terminated. */
static char **
files(const char *dir, const char *ext, size_t *n)
{
	struct dirent **list = NULL;
	int count = scandir(dir, &list, NULL, alphasort);
	assert_true(count >= 0);
	char **names = calloc((size_t)count + 1, sizeof *names);
	*n = 0;
	for (int i = 0; i < count; i++) {
		size_t len = strlen(list[i]->d_name), elen = strlen(ext);
		if (len > elen && strcmp(list[i]->d_name + len - elen, ext) == 0 &&
		    list[i]->d_name[0] != '.')
			names[(*n)++] = strdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return names;
}

static void
free_names(char **names)
{
	for (size_t i = 0; names[i] != NULL; i++)
		free(names[i]);
	free(names);
}

/* The report files of every case exist, one HTML and one JSON each, 0600. */
static void
reports_for_every_case(struct run_dir *r, size_t cases)
{
	size_t n_json, n_html;
	char **json = files(r->reports, ".json", &n_json);
	char **html = files(r->reports, ".html", &n_html);
	assert_int_equal(n_json, cases);
	assert_int_equal(n_html, cases);
	for (size_t i = 0; i < n_json; i++) {
		char *path = ck_test_path(r->reports, json[i]);
		struct stat sb;
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		free(path);
	}
	free_names(json);
	free_names(html);
}

/* Runs tests/report_vs_truth.py over every JSON report of r. */
static void
agrees_with_truth(struct run_dir *r, int64_t as_of_day)
{
	char err[CK_ERR_SIZE] = "";
	char *truth = ck_test_path(r->dir, "truth.json");
	FILE *out = fopen(truth, "w");
	assert_non_null(out);
	assert_int_equal(sim_write_truth(r->world, as_of_day, out, err), CK_OK);
	fclose(out);
	size_t n;
	char **json = files(r->reports, ".json", &n);
	char **argv = calloc(n + 4, sizeof *argv);
	argv[0] = "/usr/bin/python3";
	argv[1] = CK_SOURCE_DIR "/tests/report_vs_truth.py";
	argv[2] = truth;
	for (size_t i = 0; i < n; i++)
		argv[3 + i] = ck_test_path(r->reports, json[i]);
	struct ck_test_run run;
	ck_test_run(&run, r->dir, argv);
	if (run.status != 0)
		fail_msg("reports disagree with the truth (exit %d):\n%s%s", run.status, run.out,
		         run.errout);
	char want[64];
	snprintf(want, sizeof want, "%zu reports checked, 0 disagreements", n);
	assert_non_null(strstr(run.out, want));
	ck_test_run_free(&run);
	for (size_t i = 0; i < n; i++)
		free(argv[3 + i]);
	free(argv);
	free_names(json);
	free(truth);
}

/* The files of one extension are the same bytes in both runs. */
static void
same_files(struct run_dir *a, struct run_dir *b, const char *ext)
{
	size_t na, nb;
	char **fa = files(a->reports, ext, &na), **fb = files(b->reports, ext, &nb);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(fa[i], fb[i]);
		char *pa = ck_test_path(a->reports, fa[i]), *pb = ck_test_path(b->reports, fb[i]);
		size_t la, lb;
		char *ta = ck_test_read_file(pa, &la), *tb = ck_test_read_file(pb, &lb);
		if (la != lb || memcmp(ta, tb, la) != 0)
			fail_msg("%s differs between two runs of the same filings", fa[i]);
		free(ta);
		free(tb);
		free(pa);
		free(pb);
	}
	free_names(fa);
	free_names(fb);
}

/* Renders every case's CSV into reports/ with `chakong report`. */
static void
render_csv(struct run_dir *r)
{
	size_t n;
	char **json = files(r->reports, ".json", &n);
	for (size_t i = 0; i < n; i++) {
		char *path = ck_test_path(r->reports, json[i]);
		char *text = ck_test_read_file(path, NULL);
		char *no = strstr(text, "\"case_no\":\"");
		assert_non_null(no);
		no += strlen("\"case_no\":\"");
		*strchr(no, '"') = '\0';
		memcpy(path + strlen(path) - strlen("json"), "csv", sizeof "csv");
		char *argv[] = {CK_CHAKONG_BIN, "--db", r->db,   "report", no,
		                "--format",     "csv",  "--out", path,     NULL};
		struct ck_test_run run;
		ck_test_run(&run, r->dir, argv);
		assert_int_equal(run.status, 0);
		ck_test_run_free(&run);
		free(text);
		free(path);
	}
	free_names(json);
}

static int64_t
day_of(int64_t epoch)
{
	return (epoch + 8 * 3600) / 86400; /* the simulator's days are at +08:00 */
}

/* Whole runs: the truth, byte-stability across two runs, and no "no
 * property" claim when the deposits channel failed. */
static void
runs_agree_with_truth_and_are_stable(void **state)
{
	(void)state;
	struct run_dir a, b, broken;
	start(&a, NULL);
	import_and_run(&a);
	reports_for_every_case(&a, CASES);
	agrees_with_truth(&a, day_of(START));

	start(&b, NULL);
	import_and_run(&b);
	same_files(&a, &b, ".json");
	render_csv(&a);
	render_csv(&b);
	same_files(&a, &b, ".csv");
	stop(&b);

	/* Every bank answers malformed documents: deposits failed everywhere. */
	static const char *const banks_broken[] = {
	    "icbc.fault.malformed=1", "boc.fault.malformed=1", "ccb.fault.malformed=1", NULL};
	start(&broken, banks_broken);
	import_and_run(&broken);
	size_t n;
	char **json = files(broken.reports, ".json", &n);
	int was_no_property = 0;
	for (size_t i = 0; i < n; i++) {
		char *pa = ck_test_path(a.reports, json[i]),
		     *pb = ck_test_path(broken.reports, json[i]);
		char *ta = ck_test_read_file(pa, NULL), *tb = ck_test_read_file(pb, NULL);
		assert_null(strstr(tb, "\"class\":\"no_property_found\""));
		assert_non_null(strstr(tb, "\"channel\":\"deposits\",\"status\":\"not_searched\""));
		if (strstr(ta, "\"class\":\"no_property_found\"") != NULL) {
			was_no_property++;
			assert_non_null(strstr(tb, "\"class\":\"incomplete\""));
		}
		free(ta);
		free(tb);
		free(pa);
		free(pb);
	}
	free_names(json);
	/* Else the check above proved nothing. */
	assert_true(was_no_property > 0);
	stop(&broken);
	stop(&a);
}

/* A subject with an account opened between `from` and `to` (days) at a
 * bank, and no other account there opened that late. */
static const struct sim_subject *
subject_with_new_account(const struct sim_world *w, int64_t from, int64_t to, char *account,
                         size_t size)
{
	for (size_t i = 0; i < w->n_subjects; i++) {
		const struct sim_subject *s = &w->subjects[i];
		if (s->kind != CK_SUBJECT_PERSON)
			continue;
		for (size_t k = 0; k < w->n_instances; k++) {
			if (w->instances[k].kind != SIM_BANK)
				continue;
			struct sim_holding h;
			assert_int_equal(sim_world_holding(w, &w->instances[k], s, &h), CK_OK);
			int found = 0;
			for (size_t a = 0; h.status == SIM_FOUND && a < h.n_accounts; a++)
				if (h.accounts[a].opened_on > from &&
				    h.accounts[a].opened_on <= to &&
				    strcmp(h.accounts[a].type, "LOAN") != 0 &&
				    strcmp(h.accounts[a].type, "CARD") != 0) {
					snprintf(account, size, "%s", h.accounts[a].id);
					found = 1;
				}
			sim_holding_release(&h);
			if (found)
				return s;
		}
	}
	return NULL;
}

static void
write_filing(const char *path, const struct sim_subject *s, const char *status,
             const char *terminated_at)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	        "case_no,court_code,court_name,filed_at,officer,amount_owed,debtor_kind,"
	        "debtor_name,debtor_id,status,terminated_at\n"
	        "(2024)苏1283执77号,苏1283,泰兴市人民法院,2024-03-05T08:30:00+08:00,李四,"
	        "99999999.00,person,%s,%s,%s,%s\n",
	        s->name, s->id_no, status, terminated_at);
	fclose(f);
}

/* A terminated case asked again six months later shows the account the
 * bank opened meanwhile as new property. */
static void
reinquiry_shows_new_property(void **state)
{
	(void)state;
	struct run_dir r;
	start(&r, NULL);
	char account[64];
	int64_t terminated = ck_days_from_civil(2024, 3, 6);
	const struct sim_subject *s = subject_with_new_account(
	    r.world, day_of(START), ck_date_add_months(terminated, 6), account, sizeof account);
	assert_non_null(s);
	char *csv = ck_test_path(r.dir, "case.csv");
	write_filing(csv, s, "active", "");
	assert_int_equal(chakong(&r, START_TEXT, "import", csv, NULL, NULL, NULL, NULL), 0);
	assert_true(
	    chakong(&r, START_TEXT, "run", "--config", r.config, "--wait", "--quiet", NULL) <= 1);
	struct ck_test_run round0;
	assert_int_equal(chakong(&r, START_TEXT, "report", "(2024)苏1283执77号", "--format", "json",
	                         NULL, &round0),
	                 0);
	assert_null(strstr(round0.out, account)); /* not opened yet */
	assert_non_null(strstr(round0.out, "\"number\":0"));

	/* Terminated the next day; six months and a day later the next round. */
	write_filing(csv, s, "terminated", "2024-03-06");
	assert_int_equal(chakong(&r, START_TEXT, "import", csv, NULL, NULL, NULL, NULL), 0);
	int64_t later = (ck_date_add_months(terminated, 6) + 1) * 86400 - 8 * 3600 + 36000;
	char now[32];
	snprintf(now, sizeof now, "@%lld", (long long)later);
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_server_advance(r.server, later - START, err), CK_OK);
	assert_true(chakong(&r, now, "run", "--config", r.config, "--wait", "--quiet", NULL) <= 1);
	struct ck_test_run round1;
	assert_int_equal(
	    chakong(&r, now, "report", "(2024)苏1283执77号", "--format", "json", NULL, &round1), 0);
	assert_non_null(strstr(round1.out, "\"number\":1"));
	assert_non_null(strstr(round1.out, "\"previous\":0"));
	assert_non_null(strstr(round1.out, "\"new_property\":true"));
	char want[128];
	snprintf(want, sizeof want, "\"ref\":\"%s\"", account);
	const char *asset = strstr(round1.out, want);
	assert_non_null(asset);
	const char *change = strstr(asset, "\"change\":");
	assert_non_null(change);
	assert_memory_equal(change, "\"change\":\"new\"", strlen("\"change\":\"new\""));
	ck_test_run_free(&round0);
	ck_test_run_free(&round1);
	free(csv);
	stop(&r);
}

static char *
report_of(struct run_dir *r, const char *case_no)
{
	char name[512], err[CK_ERR_SIZE];
	assert_int_equal(ck_report_file_name(case_no, "json", name, sizeof name, err), CK_OK);
	char *path = ck_test_path(r->reports, name);
	struct stat sb;
	char *text = stat(path, &sb) == 0 ? ck_test_read_file(path, NULL) : NULL;
	free(path);
	return text;
}

/* A report is written when its round is complete, or at the deadline with
 * what is missing marked, and again when a late answer completes it. */
static void
reports_follow_the_round(void **state)
{
	(void)state;
	static const char *const slow_si[] = {"si.async_delay=100000", "si.poll_after=3600", NULL};
	struct run_dir r;
	start(&r, slow_si);
	const struct sim_subject *person = NULL;
	for (size_t i = 0; person == NULL && i < r.world->n_subjects; i++)
		if (r.world->subjects[i].kind == CK_SUBJECT_PERSON)
			person = &r.world->subjects[i];
	char *csv = ck_test_path(r.dir, "case.csv");
	write_filing(csv, person, "active", ""); /* filed 2024-03-05T08:30+08:00 */
	const char *no = "(2024)苏1283执77号";
	assert_int_equal(chakong(&r, START_TEXT, "import", csv, NULL, NULL, NULL, NULL), 0);

	/* Social insurance answers a day later: no report before the deadline. */
	assert_true(chakong(&r, START_TEXT, "run", "--config", r.config, "--quiet", NULL, NULL) <=
	            1);
	assert_null(report_of(&r, no));
	struct ck_test_run status;
	chakong(&r, START_TEXT, "status", NULL, NULL, NULL, NULL, &status);
	assert_non_null(strstr(status.out, "1 cases with queries open, 0 of them overdue"));
	ck_test_run_free(&status);

	/* Past the deadline: written, incomplete, the pending channel named. */
	char now[32];
	snprintf(now, sizeof now, "@%d", START + 2 * 86400);
	assert_true(chakong(&r, now, "run", "--config", r.config, "--quiet", NULL, NULL) <= 1);
	char *first = report_of(&r, no);
	assert_non_null(first);
	assert_non_null(strstr(first, "\"complete\":false"));
	assert_non_null(
	    strstr(first, "\"channel\":\"social_insurance\",\"status\":\"not_searched\""));
	assert_non_null(strstr(first, "\"outcome\":\"pending\""));
	chakong(&r, now, "status", NULL, NULL, NULL, NULL, &status);
	assert_non_null(strstr(status.out, "OVERDUE"));
	ck_test_run_free(&status);

	/* The late answer arrives: the report is written again, complete. */
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_server_advance(r.server, 130000, err),
	                 CK_OK); /* before expiry (72 h) */
	snprintf(now, sizeof now, "@%d", START + 3 * 86400);
	assert_true(chakong(&r, now, "run", "--config", r.config, "--quiet", NULL, NULL) <= 1);
	char *second = report_of(&r, no);
	assert_non_null(strstr(second, "\"complete\":true"));
	assert_non_null(strstr(second, "\"deadline_met\":false"));
	assert_null(strstr(second, "\"outcome\":\"pending\""));
	free(first);
	free(second);
	free(csv);
	stop(&r);
}

/* `chakong demo` runs it all and leaves a report for every case asked
 * about, and no simulator behind. */
static void
demo_leaves_reports(void **state)
{
	(void)state;
	char *dir = ck_test_tmpdir();
	char *work = ck_test_path(dir, "demo");
	setenv("CHAKONG_SIM", CK_SIM_BIN, 1);
	char *argv[] = {CK_CHAKONG_BIN, "demo", "--dir", work, "--cases", "20", NULL};
	struct ck_test_run run;
	ck_test_run(&run, dir, argv);
	if (run.status != 0)
		fail_msg("demo: exit %d\n%s%s", run.status, run.out, run.errout);
	/* Every case it filed is reported (20 cases: the generator's default
	 * would have filed one of them already terminated, not asked about for
	 * six months). */
	assert_non_null(strstr(run.out, "cases reported          20 "));
	assert_null(strstr(run.out, "not reported"));
	struct run_dir r = {.dir = work};
	r.reports = ck_test_path(work, "reports");
	reports_for_every_case(&r, 20);
	/* The simulator removes its port file when it exits cleanly. */
	char *port = ck_test_path(work, "sim.port");
	struct stat sb;
	assert_int_not_equal(stat(port, &sb), 0);
	/* Run again in the same, now full, directory: refused, nothing touched. */
	ck_test_run_free(&run);
	ck_test_run(&run, dir, argv);
	assert_int_equal(run.status, 2);
	assert_non_null(strstr(run.errout, "not empty"));
	ck_test_run_free(&run);
	free(port);
	free(r.reports);
	free(work);
	ck_test_rmtree(dir);
	free(dir);
}

/* Report file names: readable for normal case numbers; safe and distinct
 * whatever the store holds. */
/* ck_store_each_case callback: appends the case number to a
 * NULL-terminated array. */
static int
collect_case(void *ctx, const struct ck_case_row *c)
{
	char ***list = ctx;
	size_t n = 0;
	while (*list != NULL && (*list)[n] != NULL)
		n++;
	char **grown = realloc(*list, (n + 2) * sizeof *grown);
	assert_non_null(grown);
	grown[n] = strdup(c->case_no);
	grown[n + 1] = NULL;
	*list = grown;
	return 0;
}

/* Entries of dir: the hidden ones (temporary files) or the others. */
static size_t
count_entries(const char *dir, int hidden)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    (e->d_name[0] == '.') == hidden)
			n++;
	closedir(d);
	return n;
}

static int
count_due(void *ctx, const char *case_no, int round)
{
	(void)case_no;
	(void)round;
	(*(int *)ctx)++;
	return 0;
}

/* Rounds whose report is recorded as written at `at`. */
static long long
rounds_reported_at(const char *db, int64_t at)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s = NULL;
	assert_int_equal(
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM rounds WHERE report_written_at = ?1", -1,
	                       &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(s, 1, at);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

/* A batch of reports: nothing takes its final name, and no round is
 * recorded as reported, until the batch is finished; then every file is
 * whole, 0600, and no temporary is left.  A batch dropped unfinished
 * leaves nothing; a case added twice is one file; a batch finishes by
 * itself when full or open long enough. */
static void
batches_publish_at_once(void **state)
{
	(void)state;
	struct run_dir r;
	start(&r, NULL);
	import_and_run(&r);
	char err[CK_ERR_SIZE] = "";
	struct ck_store *st = NULL;
	assert_int_equal(ck_store_open(r.db, &st, err), CK_OK);
	char **case_no = NULL;
	size_t n = 0;
	assert_int_equal(ck_store_each_case(st, 0, collect_case, &case_no, err), CK_OK);
	for (n = 0; case_no[n] != NULL; n++)
		;
	assert_int_equal(n, CASES);
	char *dir = ck_test_path(r.dir, "batch");
	assert_int_equal(mkdir(dir, 0700), 0);
	const int64_t later = START + 86400, latest = START + 2 * 86400;
	struct ck_report_render opt = {0};
	const int both = CK_REPORT_HTML | CK_REPORT_JSON;

	/* Dropped unfinished: nothing is left behind. */
	struct ck_report_batch *b = NULL;
	assert_int_equal(ck_report_batch_new(st, dir, later, &b, err), CK_OK);
	ck_report_batch_limits(b, 1000, INT64_MAX);
	assert_int_equal(ck_report_batch_add(b, case_no[0], -1, both, &opt, err), CK_OK);
	assert_int_equal(count_entries(dir, 1), 2);
	ck_report_batch_free(b);
	assert_int_equal(count_entries(dir, 1) + count_entries(dir, 0), 0);
	assert_int_equal(rounds_reported_at(r.db, later), 0);

	/* Every case, the first twice. */
	assert_int_equal(ck_report_batch_new(st, dir, later, &b, err), CK_OK);
	ck_report_batch_limits(b, 1000, INT64_MAX);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ck_report_batch_add(b, case_no[i], -1, both, &opt, err), CK_OK);
	assert_int_equal(ck_report_batch_add(b, case_no[0], -1, both, &opt, err), CK_OK);
	assert_int_equal(ck_report_batch_add(b, "(2024)苏0000执0号", -1, both, &opt, err),
	                 CK_E_NOTFOUND);
	assert_int_equal(count_entries(dir, 0), 0);
	assert_int_equal(count_entries(dir, 1), 2 * n);
	assert_int_equal(rounds_reported_at(r.db, later), 0);
	assert_int_equal(ck_report_batch_finish(b, err), CK_OK);
	assert_int_equal(count_entries(dir, 1), 0);
	assert_int_equal(count_entries(dir, 0), 2 * n);
	assert_true(rounds_reported_at(r.db, later) >= (long long)n);
	struct run_dir view = r;
	view.reports = dir;
	reports_for_every_case(&view, n);
	for (size_t i = 0; i < n; i++) {
		char *text = report_of(&view, case_no[i]);
		assert_non_null(text);
		assert_non_null(strstr(text, "\"format\":\"chakong-report/1\""));
		free(text);
	}
	/* A batch finished twice has nothing more to do. */
	assert_int_equal(ck_report_batch_finish(b, err), CK_OK);
	ck_report_batch_free(b);

	/* Finished by itself when full: the same case added as many times as
	 * the batch holds is published before ck_report_batch_finish(). */
	char *first = report_of(&view, case_no[0]);
	assert_int_equal(ck_report_batch_new(st, dir, latest, &b, err), CK_OK);
	ck_report_batch_limits(b, 10, INT64_MAX);
	for (int i = 0; i < 9; i++)
		assert_int_equal(ck_report_batch_add(b, case_no[0], -1, CK_REPORT_JSON, &opt, err),
		                 CK_OK);
	assert_int_equal(count_entries(dir, 1), 1);
	assert_int_equal(ck_report_batch_add(b, case_no[0], -1, CK_REPORT_JSON, &opt, err), CK_OK);
	assert_int_equal(count_entries(dir, 1), 0);
	char *again = report_of(&view, case_no[0]);
	assert_string_not_equal(first, again); /* built at `latest` */
	assert_true(rounds_reported_at(r.db, latest) >= 1);
	ck_report_batch_free(b);
	free(first);
	free(again);

	/* By default a batch's first case is published at once: a process
	 * killed soon after it starts still gets a report out. */
	assert_int_equal(ck_report_batch_new(st, dir, latest + 2, &b, err), CK_OK);
	assert_int_equal(ck_report_batch_add(b, case_no[2], -1, CK_REPORT_JSON, &opt, err), CK_OK);
	assert_int_equal(count_entries(dir, 1), 0);
	assert_true(rounds_reported_at(r.db, latest + 2) >= 1);
	ck_report_batch_free(b);

	/* Finished by itself when open long enough: with no time at all, at
	 * every case added. */
	assert_int_equal(ck_report_batch_new(st, dir, latest + 1, &b, err), CK_OK);
	ck_report_batch_limits(b, 1000, 0);
	assert_int_equal(ck_report_batch_add(b, case_no[1], -1, CK_REPORT_JSON, &opt, err), CK_OK);
	assert_int_equal(count_entries(dir, 1), 0);
	assert_true(rounds_reported_at(r.db, latest + 1) >= 1);
	ck_report_batch_free(b);

	/* A file gone before its batch finishes (removed by another hand):
	 * the batch fails naming it, no file of the batch takes its final
	 * name, none is left behind, and no round is recorded, although
	 * another thread than the caller's flushes that file. */
	char *broken = ck_test_path(r.dir, "broken");
	assert_int_equal(mkdir(broken, 0700), 0);
	assert_int_equal(ck_report_batch_new(st, broken, latest + 3, &b, err), CK_OK);
	ck_report_batch_limits(b, 1000, INT64_MAX);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ck_report_batch_add(b, case_no[i], -1, both, &opt, err), CK_OK);
	char name[512], tmp[1024];
	assert_int_equal(ck_report_file_name(case_no[n - 1], "json", name, sizeof name, err),
	                 CK_OK);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", broken, name);
	assert_int_equal(unlink(tmp), 0);
	assert_int_equal(ck_report_batch_finish(b, err), CK_E_IO);
	assert_non_null(strstr(err, name));
	assert_int_equal(count_entries(broken, 0) + count_entries(broken, 1), 0);
	assert_int_equal(rounds_reported_at(r.db, latest + 3), 0);
	ck_report_batch_free(b);
	free(broken);

	/* Recorded by a clock behind the answers' (set back, or the same
	 * second): a report is due again when another query ends, not by
	 * comparing times, so these are not due again. */
	assert_int_equal(ck_report_batch_new(st, dir, START - 86400, &b, err), CK_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ck_report_batch_add(b, case_no[i], -1, both, &opt, err), CK_OK);
	assert_int_equal(ck_report_batch_finish(b, err), CK_OK);
	ck_report_batch_free(b);
	int due = 0;
	assert_int_equal(ck_store_each_report_due(st, latest, count_due, &due, err), CK_OK);
	assert_int_equal(due, 0);

	for (size_t i = 0; i < n; i++)
		free(case_no[i]);
	free(case_no);
	free(dir);
	ck_store_close(st);
	stop(&r);
}

static void
file_names_are_safe(void **state)
{
	(void)state;
	char name[512], other[512], err[CK_ERR_SIZE];
	assert_int_equal(
	    ck_report_file_name("(2024)苏1283执1234号", "html", name, sizeof name, err), CK_OK);
	assert_string_equal(name, "2024-苏1283执1234号.html");
	static const char *const hostile[] = {
	    "../../etc/passwd",
	    "..",
	    ".",
	    "",
	    "(2024)a/b执1号",
	    "(2024)a\\b执1号",
	    "a\nb",
	    "(2024)苏1283执1234号/../x",
	    "(2024)苏1283执1234号 ",
	};
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		assert_int_equal(ck_report_file_name(hostile[i], "json", name, sizeof name, err),
		                 CK_OK);
		assert_null(strchr(name, '/'));
		assert_null(strstr(name, ".."));
		assert_true(name[0] != '.');
		for (const char *p = name; *p; p++)
			assert_true((unsigned char)*p >= 0x20);
		/* Distinct from the plain case number and from one another. */
		for (size_t k = 0; k < i; k++) {
			assert_int_equal(
			    ck_report_file_name(hostile[k], "json", other, sizeof other, err),
			    CK_OK);
			assert_string_not_equal(name, other);
		}
	}
	/* A very long number is cut at a character boundary, and hashed. */
	char longer[1200];
	size_t len = (size_t)snprintf(longer, sizeof longer, "(2024)");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(longer + len, sizeof longer - len, "苏");
	snprintf(longer + len, sizeof longer - len, "执1号");
	assert_int_equal(ck_report_file_name(longer, "csv", name, sizeof name, err), CK_OK);
	assert_true(strlen(name) < 255);
	for (const unsigned char *p = (const unsigned char *)name; *p;) { /* whole characters */
		size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
		assert_true((*p & 0xC0) != 0x80);
		for (size_t k = 1; k < n; k++)
			assert_int_equal(p[k] & 0xC0, 0x80);
		p += n;
	}
	assert_int_equal(ck_report_file_name(longer, "csv", name, 8, err), CK_E_RANGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(file_names_are_safe),
	    cmocka_unit_test(runs_agree_with_truth_and_are_stable),
	    cmocka_unit_test(reinquiry_shows_new_property),
	    cmocka_unit_test(reports_follow_the_round),
	    cmocka_unit_test(demo_leaves_reports),
	    cmocka_unit_test(batches_publish_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
