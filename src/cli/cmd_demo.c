/* SPDX-License-Identifier: MIT */
/*
 * cmd_demo.c: `chakong demo`: the whole job end to end in a fresh
 * directory: the institution simulator (chakong-sim, a child process on a
 * free loopback port, some institutions faulty or asynchronous), its
 * configuration, generated filings, import, a run to completion with its
 * reports, and a summary.  Nothing outside the directory is touched; the
 * simulator is stopped however the demo ends (it also dies with us).
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chakong/amount.h"
#include "chakong/error.h"
#include "chakong/report.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"

static const char *const usage[] = {
    "demo [--dir DIR] [--cases N]",
    NULL,
};

enum { O_DB, O_NOW, O_DIR, O_CASES };
static const struct cli_option options[] = {
    CLI_GLOBAL_OPTIONS,
    [O_DIR] = {"dir", 'd', "DIR",
               "work here; created, must be new or empty (default chakong-demo)"},
    [O_CASES] = {"cases", 'n', "N", "cases to generate, 1 to 1000 (default 40)"},
    {NULL, 0, NULL, NULL},
};

#define DEMO_SUBJECTS "2000"

/* Faults and slowness that show the engine at work: a bank that is often
 * unavailable, lost connections everywhere, a slow platform, and social
 * insurance answering only after a while. */
static const char *const demo_knobs[] = {
    "icbc.fault.503=0.25",
    "*.fault.reset=0.03",
    "ccb.fault.500=0.1",
    "jd.latency=uniform:50-400",
    "si.async_delay=3",
    "si.poll_after=1",
    NULL,
};

struct demo {
	struct cli *cli;
	char dir[PATH_MAX];
	char sim[PATH_MAX];
	pid_t sim_pid;
};

/* dir/name; the directory's name was checked short enough by make_dir. */
static void
path_in(const struct demo *d, const char *name, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s", d->dir, name);
	if (n < 0 || (size_t)n >= size)
		out[0] = '\0';
}

/* chakong-sim: $CHAKONG_SIM, else beside this program. */
static int
find_simulator(struct demo *d)
{
	const char *env = getenv("CHAKONG_SIM");
	if (env != NULL && *env != '\0') {
		snprintf(d->sim, sizeof d->sim, "%s", env);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n <= 0) {
			cli_error(d->cli, "demo: cannot find this program's directory: %s",
			          strerror(errno));
			return CLI_USAGE;
		}
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		*slash = '\0';
		int len = snprintf(d->sim, sizeof d->sim, "%s/chakong-sim", self);
		if (len < 0 || (size_t)len >= sizeof d->sim)
			d->sim[0] = '\0';
	}
	if (access(d->sim, X_OK) != 0) {
		cli_error(d->cli, "demo: the simulator %s cannot be run (%s); set CHAKONG_SIM",
		          d->sim, strerror(errno));
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* The directory, new or empty. */
static int
make_dir(struct demo *d, const char *dir)
{
	if (strlen(dir) + 32 >= sizeof d->dir) {
		cli_error(d->cli, "demo: --dir %s: too long", dir);
		return CLI_USAGE;
	}
	snprintf(d->dir, sizeof d->dir, "%s", dir);
	if (mkdir(dir, 0700) == 0)
		return CLI_OK;
	DIR *dp = errno == EEXIST ? opendir(dir) : NULL;
	if (dp == NULL) {
		cli_error(d->cli, "demo: %s: %s", dir, strerror(errno));
		return CLI_USAGE;
	}
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(dp)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(dp);
	if (!empty) {
		cli_error(d->cli, "demo: %s is not empty: remove it or choose another --dir", dir);
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* Starts argv with output to log (NULL: inherited); the child dies with us. */
static pid_t
spawn(const struct demo *d, char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(127); /* the parent is already gone */
	if (log != NULL) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
	}
	execv(d->sim, argv);
	_exit(127);
}

static int
run_simulator_command(struct demo *d, char *const argv[])
{
	pid_t pid = spawn(d, argv, NULL);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		cli_error(d->cli, "demo: chakong-sim %s failed", argv[1]);
		return CLI_USAGE;
	}
	return CLI_OK;
}

static int
start_simulator(struct demo *d)
{
	char port[PATH_MAX], config[PATH_MAX], log[PATH_MAX];
	path_in(d, "sim.port", port, sizeof port);
	path_in(d, "chakong.xml", config, sizeof config);
	path_in(d, "sim.log", log, sizeof log);
	const char *argv[40] = {"chakong-sim",  "serve", "--port-file", port,
	                        "--config-out", config,  "--subjects",  DEMO_SUBJECTS};
	size_t n = 8;
	for (size_t i = 0; demo_knobs[i] != NULL; i++) {
		argv[n++] = "--set";
		argv[n++] = demo_knobs[i];
	}
	char *args[40];
	memcpy(args, argv, sizeof argv); /* exec's argv is not const-qualified */
	d->sim_pid = spawn(d, args, log);
	if (d->sim_pid < 0) {
		cli_error(d->cli, "demo: cannot start the simulator: %s", strerror(errno));
		return CLI_USAGE;
	}
	for (int tries = 0; tries < 100; tries++) { /* up to 10 s */
		struct stat sb;
		if (stat(port, &sb) == 0 && sb.st_size > 0 && stat(config, &sb) == 0)
			return CLI_OK;
		if (waitpid(d->sim_pid, NULL, WNOHANG) == d->sim_pid) {
			d->sim_pid = 0;
			break;
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	cli_error(d->cli, "demo: the simulator did not start (see %s)", log);
	return CLI_USAGE;
}

static void
stop_simulator(struct demo *d)
{
	if (d->sim_pid <= 0)
		return;
	kill(d->sim_pid, SIGTERM);
	waitpid(d->sim_pid, NULL, 0);
	d->sim_pid = 0;
}

/* What the summary counts, case by case, from the reports' model. */
struct tally {
	struct ck_store *st;
	int64_t now;
	int cases, debtors, triage[CK_TRIAGE_COUNT_], incomplete_rounds, failed_rows;
	int no_round; /* cases without a round (so without a report) */
	int64_t enforceable_cny, owed;
	int assets, leads;
	char first_case[CK_CASE_NO_BUF];
};

static int
count_case(void *ctx, const struct ck_case_row *c)
{
	struct tally *t = ctx;
	char err[CK_ERR_SIZE];
	struct ck_report *r = NULL;
	if (ck_report_build(t->st, c->case_no, -1, t->now, &r, err) != CK_OK) {
		t->no_round++;
		return 0;
	}
	if (t->cases++ == 0)
		snprintf(t->first_case, sizeof t->first_case, "%s", c->case_no);
	t->triage[r->triage]++;
	t->incomplete_rounds += !r->complete;
	t->failed_rows += r->failed;
	t->owed += r->amount_owed;
	t->debtors += (int)r->n_debtors;
	for (size_t i = 0; i < r->n_totals; i++)
		if (strcmp(r->totals[i].currency, "CNY") == 0)
			t->enforceable_cny += r->totals[i].enforceable;
	for (size_t i = 0; i < r->n_debtors; i++) {
		t->assets += (int)r->debtors[i].n_assets;
		t->leads += (int)r->debtors[i].n_leads;
	}
	ck_report_free(r);
	return 0;
}

static const char *const triage_labels[CK_TRIAGE_COUNT_] = {
    "enforceable now (可立即执行)",
    "enforceable after disposal (处置财产后可执行)",
    "incomplete (查询未完成)",
    "no property found (未发现可供执行财产)",
};

static int
summary(struct demo *d)
{
	char err[CK_ERR_SIZE] = "";
	struct ck_store *st = NULL;
	if (ck_store_open(d->cli->db_path, &st, err) != CK_OK) {
		cli_error(d->cli, "%s", err);
		return CLI_USAGE;
	}
	struct tally t = {.st = st, .now = ck_clock_now(&d->cli->clock)};
	int rc = ck_store_each_case(st, 0, count_case, &t, err);
	ck_store_close(st);
	if (rc != CK_OK) {
		cli_error(d->cli, "%s", err);
		return CLI_USAGE;
	}
	char owed[CK_AMOUNT_BUF], found[CK_AMOUNT_BUF], name[512] = "";
	ck_amount_format(t.owed, owed, sizeof owed);
	ck_amount_format(t.enforceable_cny, found, sizeof found);
	if (t.cases > 0)
		ck_report_file_name(t.first_case, "html", name, sizeof name, err);
	printf("\n== summary\n");
	printf("  cases reported          %d (%d debtors)\n", t.cases, t.debtors);
	if (t.no_round)
		printf("  not reported            %d (no inquiry round: see chakong status)\n",
		       t.no_round);
	for (int i = 0; i < CK_TRIAGE_COUNT_; i++) {
		printf("  ");
		cli_print_padded(triage_labels[i], 48);
		printf(" %d\n", t.triage[i]);
	}
	printf("  assets found            %d, leads %d\n", t.assets, t.leads);
	printf("  enforceable now (CNY)   %s of %s owed\n", found, owed);
	printf("  institutions failed     %d answers (see the reports' coverage)\n", t.failed_rows);
	printf("  reports                 %s/reports/ (HTML for officers, JSON for machines)\n",
	       d->dir);
	if (*name)
		printf("  open one                xdg-open '%s/reports/%s'\n", d->dir, name);
	printf("  more                    chakong --db %s/chakong.db status --all\n", d->dir);
	return t.cases > 0 && t.incomplete_rounds == 0 && t.no_round == 0 ? CLI_OK : CLI_FAILED;
}

static int
latest_filing(void *ctx, const struct ck_case_row *c)
{
	int64_t *latest = ctx;
	if (c->filed_at > *latest)
		*latest = c->filed_at;
	return 0;
}

/* The generated filings run through office hours, past the present for a
 * demo started in the morning: the nightly job then runs after the last
 * one, so the demo's clock moves there (only this process's). */
static int
run_after_the_filings(struct demo *d)
{
	char err[CK_ERR_SIZE] = "";
	struct ck_store *st = NULL;
	int64_t latest = 0;
	if (ck_store_open(d->cli->db_path, &st, err) != CK_OK ||
	    ck_store_each_case(st, 0, latest_filing, &latest, err) != CK_OK) {
		ck_store_close(st);
		cli_error(d->cli, "%s", err);
		return CLI_USAGE;
	}
	ck_store_close(st);
	if (latest + 1800 > ck_clock_now(&d->cli->clock)) {
		char when[CK_TIME_BUF];
		ck_clock_fixed(&d->cli->clock, latest + 1800);
		ck_time_format(latest + 1800, CK_DEFAULT_OFFSET_MIN, when, sizeof when);
		printf("(the clock is set to %s, after the last filing, as for the nightly job)\n",
		       when);
	}
	return CLI_OK;
}

static int
demo(struct demo *d, const char *cases)
{
	char filings[PATH_MAX], config[PATH_MAX], reports[PATH_MAX], db[PATH_MAX];
	path_in(d, "filings.csv", filings, sizeof filings);
	path_in(d, "chakong.xml", config, sizeof config);
	path_in(d, "reports", reports, sizeof reports);
	path_in(d, "chakong.db", db, sizeof db);
	d->cli->db_path = db;

	printf("== the simulator: nine institutions on loopback, some faulty or slow\n");
	fflush(stdout);
	int rc = start_simulator(d);
	if (rc != CLI_OK)
		return rc;

	/* A day's filings, a few minutes apart from some hours ago, so that
	 * their 24-hour deadlines are still ahead.  All active: a case filed
	 * already terminated is first asked about six months after its
	 * termination, and the demo reports on every case it files. */
	char first[CK_TIME_BUF];
	ck_time_format(ck_clock_now(&d->cli->clock) - 4 * 3600, CK_DEFAULT_OFFSET_MIN, first,
	               sizeof first);
	const char *gen[] = {
	    "chakong-sim",   "filings", "--cases",   cases, "--subjects",   DEMO_SUBJECTS,
	    "--first-filed", first,     "--max-gap", "600", "--terminated", "0",
	    "--out",         filings,   NULL};
	char *gen_args[sizeof gen / sizeof gen[0]];
	memcpy(gen_args, gen, sizeof gen);
	printf("\n== %s generated cases: import\n", cases);
	fflush(stdout);
	if ((rc = run_simulator_command(d, gen_args)) != CLI_OK)
		return rc;
	char *import[] = {"import", filings, NULL};
	if ((rc = cmd_import(d->cli, 2, import)) > CLI_FAILED ||
	    (rc = run_after_the_filings(d)) != CLI_OK)
		return rc;

	printf("\n== run until every institution has answered (faults are retried)\n");
	fflush(stdout);
	char *run[] = {"run", "--config", config, "--wait", "--quiet", "--reports", reports, NULL};
	if ((rc = cmd_run(d->cli, 7, run)) > CLI_FAILED)
		return rc;
	fflush(stdout);
	return summary(d);
}

int
cmd_demo(struct cli *cli, int argc, char **argv)
{
	struct cli_parsed p;
	int rc = cli_parse(cli, "demo", usage, options, argc, argv, &p);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	const char *cases = p.values[O_CASES] ? p.values[O_CASES] : "40";
	char *end;
	long n = strtol(cases, &end, 10);
	if (*cases == '\0' || *end != '\0' || n < 1 || n > 1000) {
		cli_error(cli, "demo: --cases %s: must be 1 to 1000", cases);
		return CLI_USAGE;
	}
	if (p.n_args > 0) {
		cli_error(cli, "demo: unexpected argument '%s'", p.args[0]);
		return CLI_USAGE;
	}
	struct demo d = {.cli = cli};
	if ((rc = find_simulator(&d)) != CLI_OK ||
	    (rc = make_dir(&d, p.values[O_DIR] ? p.values[O_DIR] : "chakong-demo")) != CLI_OK)
		return rc;
	rc = demo(&d, cases);
	stop_simulator(&d);
	return rc;
}
