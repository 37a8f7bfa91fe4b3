/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c: `chakong run`, the nightly job: plan what is due and ask every
 * configured institution, until nothing more can be done now.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chakong/config.h"
#include "chakong/error.h"
#include "chakong/report.h"
#include "chakong/sched.h"
#include "chakong/store.h"
#include "chakong/xmlsafe.h"

static const char *const usage[] = {
    "run [--config FILE] [--max-time SECONDS] [--wait] [--linger SECONDS] [--quiet]"
    " [--reports DIR | --no-reports]",
    NULL,
};

enum { O_DB, O_NOW, O_CONFIG, O_MAX_TIME, O_WAIT, O_LINGER, O_QUIET, O_REPORTS, O_NO_REPORTS };
static const struct cli_option options[] = {
    CLI_GLOBAL_OPTIONS,
    [O_CONFIG] = {"config", 'c', "FILE",
                  "the configuration (default: $CHAKONG_CONFIG, else ./chakong.xml)"},
    [O_MAX_TIME] = {"max-time", 't', "SECONDS",
                    "stop after this long, leaving the rest to the next run (default: none)"},
    [O_WAIT] = {"wait", 'w', NULL, "keep polling and retrying until every query is settled"},
    [O_LINGER] = {"linger", 0, "SECONDS",
                  "without --wait, still wait for what is due this soon (default 30)"},
    [O_QUIET] = {"quiet", 'q', NULL, "no progress line, only the summary"},
    [O_REPORTS] = {"reports", 0, "DIR",
                   "write reports here (default: $CHAKONG_REPORTS, else ./reports)"},
    [O_NO_REPORTS] = {"no-reports", 0, NULL, "do not write reports"},
    {NULL, 0, NULL, NULL},
};

struct run_ui {
	const struct cli *cli;
	int progress; /* a progress line is wanted (a terminal, text logs) */
	int shown;    /* and one is on the screen, not ended yet */
	struct ck_store *st;
	const char *reports; /* NULL: none written */
	time_t reports_at;   /* when due reports were last written */
	int reports_written;
	int reports_failed;
};

/* Writes the reports that became due: a case's report is written as soon as
 * its round is complete (or its deadline passed), and again when a late
 * answer arrives.  A failure is said once and does not stop the run. */
static void
write_due_reports(struct run_ui *ui)
{
	if (ui->reports == NULL || ui->reports_failed)
		return;
	char err[CK_ERR_SIZE] = "";
	int written = 0;
	struct ck_report_render opt = {0};
	if (ck_report_write_due(ui->st, ui->reports, CK_REPORT_HTML | CK_REPORT_JSON, &opt,
	                        ck_clock_now(&ui->cli->clock), &written, err) != CK_OK) {
		cli_error(ui->cli, "writing reports: %s", err);
		ui->reports_failed = 1;
	}
	ui->reports_written += written;
	ui->reports_at = time(NULL);
}

static void
show_progress(void *ctx, const struct ck_run_stats *s)
{
	struct run_ui *ui = ctx;
	if (time(NULL) - ui->reports_at >= 5)
		write_due_reports(ui);
	if (!ui->progress)
		return;
	fprintf(stderr, "\r%s: sent %d, answered %d, failed %d, in flight %d   ", ui->cli->prog,
	        s->sent, s->answered, s->failed, s->in_flight);
	fflush(stderr);
	ui->shown = 1;
}

/* A log line must not be written over the progress line: end it first. */
static void
end_progress(void *ctx)
{
	struct run_ui *ui = ctx;
	if (ui->shown)
		fputc('\n', stderr);
	ui->shown = 0;
}

static int
parse_seconds(const struct cli *cli, const char *option, const char *text, long *out)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (*end != '\0' || end == text || v < 0 || v > 86400 * 7) {
		cli_error(cli, "--%s %s: must be 0 to 604800 seconds", option, text);
		return CLI_USAGE;
	}
	*out = v;
	return CLI_OK;
}

static void
print_summary(const struct ck_run_stats *s)
{
	printf("planned %d new queries; sent %d requests\n", s->planned, s->sent);
	printf("answered %d (found %d, not found %d, subject mismatch %d)\n", s->answered, s->found,
	       s->not_found, s->mismatch);
	printf("failed %d", s->failed);
	const char *sep = " (";
	for (size_t i = 0; i < sizeof s->failures / sizeof s->failures[0]; i++)
		if (s->failures[i].count > 0) {
			printf("%s%s %d", sep, s->failures[i].reason, s->failures[i].count);
			sep = ", ";
		}
	printf("%s\n", sep[0] == ',' ? ")" : "");
	printf("waiting for answers %d; to retry later %d\n", s->waiting, s->retry_later);
	if (s->stopped_institutions > 0)
		printf("institutions stopped for this run (credentials or TLS refused): %d\n",
		       s->stopped_institutions);
	if (s->max_time_reached)
		printf("stopped at --max-time: the next run goes on, under the same RequestIds\n");
}

int
cmd_run(struct cli *cli, int argc, char **argv)
{
	struct cli_parsed p;
	int rc = cli_parse(cli, "run", usage, options, argc, argv, &p);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	long max_time = 0, linger = 30;
	if ((p.values[O_MAX_TIME] &&
	     parse_seconds(cli, "max-time", p.values[O_MAX_TIME], &max_time) != CLI_OK) ||
	    (p.values[O_LINGER] &&
	     parse_seconds(cli, "linger", p.values[O_LINGER], &linger) != CLI_OK))
		return CLI_USAGE;
	if (p.n_args > 0) {
		cli_error(cli, "run: unexpected argument '%s'", p.args[0]);
		return CLI_USAGE;
	}
	char err[CK_ERR_SIZE] = "";
	struct ck_xsd_set *xsd = NULL;
	struct ck_config *cfg = NULL;
	struct ck_store *st = NULL;
	const char *path = cli_config_path(p.values[O_CONFIG]);
	if (ck_xsd_set_new(&xsd, err) != CK_OK || ck_config_load(path, xsd, &cfg, err) != CK_OK ||
	    ck_store_open(cli->db_path, &st, err) != CK_OK) {
		cli_error(cli, "%s", err);
		ck_config_free(cfg);
		ck_xsd_set_free(xsd);
		return CLI_USAGE;
	}
	struct run_ui ui = {.cli = cli,
	                    .progress =
	                        !p.values[O_QUIET] && isatty(2) && cli->log.format == CK_LOG_TEXT,
	                    .st = st,
	                    .reports_at = time(NULL)};
	if (!p.values[O_NO_REPORTS]) {
		ui.reports = cli_reports_dir(p.values[O_REPORTS]);
		if (mkdir(ui.reports, 0700) != 0 && errno != EEXIST) {
			cli_error(cli, "%s: %s", ui.reports, strerror(errno));
			ck_store_close(st);
			ck_config_free(cfg);
			ck_xsd_set_free(xsd);
			return CLI_USAGE;
		}
	}
	cli->log.before_line = end_progress;
	cli->log.before_ctx = &ui;
	struct ck_sched_opts opts = {.max_time_s = max_time,
	                             .wait = p.values[O_WAIT] != NULL,
	                             .linger_s = (int)linger,
	                             .seed = (uint64_t)ck_clock_now(&cli->clock),
	                             .progress = show_progress,
	                             .log = &cli->log,
	                             .ctx = &ui};
	struct ck_run_stats stats;
	rc = ck_sched_run(st, cfg, xsd, &cli->clock, &opts, &stats, err);
	end_progress(&ui);
	cli->log.before_line = NULL;
	if (rc == CK_OK)
		write_due_reports(&ui);
	ck_store_close(st);
	ck_config_free(cfg);
	ck_xsd_set_free(xsd);
	if (rc != CK_OK) {
		cli_error(cli, "%s (the next run resumes where this one stopped)", err);
		return CLI_USAGE;
	}
	print_summary(&stats);
	if (ui.reports != NULL)
		printf("reports written: %d (in %s)\n", ui.reports_written, ui.reports);
	return stats.failed > 0 || ui.reports_failed ? CLI_FAILED : CLI_OK;
}
