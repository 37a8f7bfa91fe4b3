/* SPDX-License-Identifier: MIT */
/* cmd_import.c: `chakong import`: case filings into the store. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "chakong/error.h"
#include "chakong/filing.h"
#include "chakong/store.h"
#include "chakong/xmlsafe.h"

static const char *const usage[] = {
    "import [--encoding utf-8|gb18030] [--format csv|xml] FILE...",
    NULL,
};

enum { O_DB, O_NOW, O_ENCODING, O_FORMAT };
static const struct cli_option options[] = {
    CLI_GLOBAL_OPTIONS,
    [O_ENCODING] = {"encoding", 'e', "ENC", "CSV encoding: utf-8 or gb18030 (default: detect)"},
    [O_FORMAT] = {"format", 'f', "FMT", "csv or xml (default: by content)"},
    {NULL, 0, NULL, NULL},
};

static void
report_problem(void *ctx, const char *where, const char *message)
{
	const struct cli *cli = ctx;
	cli_log(cli, CK_LOG_WARN, "%s: %s", where, message);
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	struct cli_parsed p;
	int rc = cli_parse(cli, "import", usage, options, argc, argv, &p);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	struct ck_filing_opts opts = {.now = ck_clock_now(&cli->clock)};
	if (p.values[O_ENCODING] != NULL) {
		int enc = ck_filing_encoding_parse(p.values[O_ENCODING]);
		if (enc < 0) {
			cli_error(cli, "--encoding %s: must be utf-8 or gb18030",
			          p.values[O_ENCODING]);
			return CLI_USAGE;
		}
		opts.encoding = (enum ck_filing_encoding)enc;
	}
	if (p.values[O_FORMAT] != NULL) {
		if (strcmp(p.values[O_FORMAT], "csv") == 0)
			opts.format = CK_FILING_CSV;
		else if (strcmp(p.values[O_FORMAT], "xml") == 0)
			opts.format = CK_FILING_XML;
		else {
			cli_error(cli, "--format %s: must be csv or xml", p.values[O_FORMAT]);
			return CLI_USAGE;
		}
	}
	if (p.n_args == 0) {
		cli_error(cli, "import: no FILE given (see '%s import --help')", cli->prog);
		return CLI_USAGE;
	}

	char err[CK_ERR_SIZE] = "";
	struct ck_store *st = NULL;
	struct ck_xsd_set *xsd = NULL;
	if (ck_store_open(cli->db_path, &st, err) != CK_OK || ck_xsd_set_new(&xsd, err) != CK_OK) {
		cli_error(cli, "%s", err);
		ck_store_close(st);
		return CLI_USAGE;
	}
	int status = CLI_OK;
	for (int i = 0; i < p.n_args; i++) {
		struct ck_filing_stats stats;
		err[0] = '\0';
		if (ck_filing_import_file(st, xsd, p.args[i], &opts, report_problem, cli, &stats,
		                          err) != CK_OK) {
			int imported =
			    stats.cases_created + stats.cases_updated + stats.cases_unchanged;
			if (imported == 0)
				cli_error(cli, "%s (nothing of this file was imported)", err);
			else
				cli_error(cli,
				          "%s (%d cases of this file were imported before that, "
				          "each whole; importing it again completes it)",
				          err, imported);
			status = CLI_USAGE;
			continue;
		}
		printf("%s: %d created, %d updated, %d unchanged, %d rejected\n", p.args[i],
		       stats.cases_created, stats.cases_updated, stats.cases_unchanged,
		       stats.cases_rejected);
		if (stats.cases_rejected > 0 && status == CLI_OK)
			status = CLI_FAILED;
	}
	ck_xsd_set_free(xsd);
	ck_store_close(st);
	return status;
}
