/* SPDX-License-Identifier: MIT */
/*
 * cmd_report.c: `chakong report`: render one case's report on demand, to
 * standard output, to a file, or into the reports directory.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/report.h"
#include "chakong/store.h"

static const char *const usage[] = {
    "report CASE [--format html|json|csv] [--out PATH] [--round N] [--reveal]"
    " [--encoding utf-8|gb18030]",
    "report --all [--reports DIR] [--reveal]",
    NULL,
};

enum { O_DB, O_NOW, O_FORMAT, O_OUT, O_ROUND, O_REVEAL, O_ENCODING, O_ALL, O_REPORTS };
static const struct cli_option options[] = {
    CLI_GLOBAL_OPTIONS,
    [O_FORMAT] = {"format", 'f', "FMT", "html (default), json or csv"},
    [O_OUT] = {"out", 'o', "PATH", "write to PATH (mode 0600) instead of standard output"},
    [O_ROUND] = {"round", 0, "N", "the inquiry round (default: the latest)"},
    [O_REVEAL] = {"reveal", 0, NULL, "show identity and account numbers in full"},
    [O_ENCODING] = {"encoding", 0, "ENC", "CSV: utf-8 with a BOM (default) or gb18030"},
    [O_ALL] = {"all", 0, NULL, "write HTML and JSON reports of every case into --reports"},
    [O_REPORTS] = {"reports", 0, "DIR",
                   "the reports directory (default: $CHAKONG_REPORTS, else ./reports)"},
    {NULL, 0, NULL, NULL},
};

/* The case numbers are listed first, then the reports written: finishing
 * a batch writes to the store that the listing statement reads. */
struct case_list {
	char **case_no;
	size_t n, cap;
};

static int
list_case(void *ctx, const struct ck_case_row *c)
{
	struct case_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **p = realloc(l->case_no, cap * sizeof *p);
		if (p == NULL)
			return CK_E_NOMEM;
		l->case_no = p;
		l->cap = cap;
	}
	if ((l->case_no[l->n] = strdup(c->case_no)) == NULL)
		return CK_E_NOMEM;
	l->n++;
	return 0;
}

static int
report_all(struct cli *cli, struct ck_store *st, const char *dir,
           const struct ck_report_render *opt)
{
	char err[CK_ERR_SIZE] = "";
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		cli_error(cli, "%s: %s", dir, strerror(errno));
		return CLI_USAGE;
	}
	struct case_list cases = {0};
	int rc = ck_store_each_case(st, 0, list_case, &cases, err);
	if (rc == CK_E_NOMEM)
		ck_fail(err, rc, "out of memory listing the cases");
	struct ck_report_batch *b = NULL;
	if (rc == CK_OK)
		rc = ck_report_batch_new(st, dir, ck_clock_now(&cli->clock), &b, err);
	int added = 0, skipped = 0;
	for (size_t i = 0; rc == CK_OK && i < cases.n; i++) {
		rc = ck_report_batch_add(b, cases.case_no[i], -1, CK_REPORT_HTML | CK_REPORT_JSON,
		                         opt, err);
		if (rc == CK_E_NOTFOUND) { /* no round yet: nothing to report */
			skipped++;
			rc = CK_OK;
		} else {
			added += rc == CK_OK;
		}
	}
	if (rc == CK_OK)
		rc = ck_report_batch_finish(b, err);
	ck_report_batch_free(b);
	for (size_t i = 0; i < cases.n; i++)
		free(cases.case_no[i]);
	free(cases.case_no);
	if (rc != CK_OK) {
		cli_error(cli, "%s", err);
		return CLI_USAGE;
	}
	printf("%d reports written to %s", added, dir);
	if (skipped)
		printf(" (%d cases have no inquiry round yet)", skipped);
	printf("\n");
	return CLI_OK;
}

static int
report_one(struct cli *cli, struct ck_store *st, const char *case_no, int round, const char *format,
           const char *out, const struct ck_report_render *opt)
{
	char err[CK_ERR_SIZE] = "";
	struct ck_case_no parsed;
	if (ck_ids_parse_case_no(case_no, &parsed, err) != CK_OK) {
		cli_error(cli, "report: %s", err);
		return CLI_USAGE;
	}
	struct ck_report *r = NULL;
	if (ck_report_build(st, parsed.normalised, round, ck_clock_now(&cli->clock), &r, err) !=
	    CK_OK) {
		cli_error(cli, "report: %s", err);
		return CLI_FAILED;
	}
	struct ck_buf b = {0};
	int rc = strcmp(format, "json") == 0  ? ck_report_json(r, &b, err)
	         : strcmp(format, "csv") == 0 ? ck_report_csv(r, opt, &b, err)
	                                      : ck_report_html(r, opt, &b, err);
	ck_report_free(r);
	int status = CLI_OK;
	if (rc != CK_OK) {
		cli_error(cli, "report: %s", err);
		status = CLI_USAGE;
	} else if (out != NULL) {
		if (ck_report_save(out, b.data ? b.data : "", b.len, err) != CK_OK) {
			cli_error(cli, "report: %s", err);
			status = CLI_USAGE;
		}
	} else if (fwrite(b.data ? b.data : "", 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		cli_error(cli, "report: writing standard output: %s", strerror(errno));
		status = CLI_USAGE;
	}
	ck_buf_release(&b);
	return status;
}

int
cmd_report(struct cli *cli, int argc, char **argv)
{
	struct cli_parsed p;
	int rc = cli_parse(cli, "report", usage, options, argc, argv, &p);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	const char *format = p.values[O_FORMAT] ? p.values[O_FORMAT] : "html";
	const char *encoding = p.values[O_ENCODING] ? p.values[O_ENCODING] : "utf-8";
	if (strcmp(format, "html") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0) {
		cli_error(cli, "report: --format %s: must be html, json or csv", format);
		return CLI_USAGE;
	}
	if (strcmp(encoding, "utf-8") != 0 && strcmp(encoding, "gb18030") != 0) {
		cli_error(cli, "report: --encoding %s: must be utf-8 or gb18030", encoding);
		return CLI_USAGE;
	}
	int round = -1;
	if (p.values[O_ROUND] != NULL) {
		char *end;
		long v = strtol(p.values[O_ROUND], &end, 10);
		if (*p.values[O_ROUND] == '\0' || *end != '\0' || v < 0 || v > 1000) {
			cli_error(cli, "report: --round %s: must be a round number (0, 1, ...)",
			          p.values[O_ROUND]);
			return CLI_USAGE;
		}
		round = (int)v;
	}
	int all = p.values[O_ALL] != NULL;
	if (all ? p.n_args != 0 : p.n_args != 1) {
		cli_error(cli, all ? "report: --all takes no case number"
		                   : "report: name one case number (see chakong help report)");
		return CLI_USAGE;
	}
	struct ck_report_render opt = {.reveal = p.values[O_REVEAL] != NULL,
	                               .gb18030 = strcmp(encoding, "gb18030") == 0};
	char err[CK_ERR_SIZE] = "";
	struct ck_store *st = NULL;
	if (ck_store_open(cli->db_path, &st, err) != CK_OK) {
		cli_error(cli, "%s", err);
		return CLI_USAGE;
	}
	rc = all ? report_all(cli, st, cli_reports_dir(p.values[O_REPORTS]), &opt)
	         : report_one(cli, st, p.args[0], round, format, p.values[O_OUT], &opt);
	ck_store_close(st);
	return rc;
}
