/* SPDX-License-Identifier: MIT */
/* cmd_cases.c: `chakong cases`: the cases in the store, one per line. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "chakong/amount.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"

static const char *const usage[] = {
    "cases [--status active|terminated|closed] [--debtors [--reveal]]",
    NULL,
};

enum { O_DB, O_NOW, O_STATUS, O_DEBTORS, O_REVEAL };
static const struct cli_option options[] = {
    CLI_GLOBAL_OPTIONS,
    [O_STATUS] = {"status", 's', "S", "only cases of this status"},
    [O_DEBTORS] = {"debtors", 'd', NULL, "list each case's debtors under it"},
    [O_REVEAL] = {"reveal", 0, NULL, "show identity numbers in full (default: masked)"},
    {NULL, 0, NULL, NULL},
};

struct listing {
	struct cli *cli;
	struct ck_store *st;
	int debtors, reveal, count;
};

static int
print_debtor(void *ctx, const struct ck_debtor_row *d)
{
	const struct listing *l = ctx;
	char masked[CK_MASK_BUF];
	if (!l->reveal)
		ck_ids_mask_id(d->id_no, masked, sizeof masked);
	printf("    %-6s %s  %s%s\n", ck_subject_kind_name(d->kind), l->reveal ? d->id_no : masked,
	       d->name, d->removed ? "  (removed)" : "");
	return 0;
}

static int
print_case(void *ctx, const struct ck_case_row *c)
{
	struct listing *l = ctx;
	char filed[CK_TIME_BUF], amount[CK_AMOUNT_BUF];
	ck_time_format(c->filed_at, c->filed_offset_min, filed, sizeof filed);
	ck_amount_format(c->amount_owed, amount, sizeof amount);
	if (l->count++ == 0) {
		cli_print_padded("CASE", 28);
		printf("  %-10s  %-25s  %14s  %7s  %s\n", "STATUS", "FILED", "OWED (CNY)",
		       "DEBTORS", "OFFICER");
	}
	cli_print_padded(c->case_no, 28);
	printf("  %-10s  %-25s  %14s  %7d  %s\n", ck_case_status_name(c->status), filed, amount,
	       c->debtors, c->officer);
	if (l->debtors) {
		char err[CK_ERR_SIZE] = "";
		if (ck_store_each_debtor(l->st, c->case_no, 1, print_debtor, l, err) != CK_OK)
			cli_error(l->cli, "%s", err);
	}
	return 0;
}

int
cmd_cases(struct cli *cli, int argc, char **argv)
{
	struct cli_parsed p;
	int rc = cli_parse(cli, "cases", usage, options, argc, argv, &p);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	enum ck_case_status status = 0;
	if (p.values[O_STATUS] != NULL &&
	    (status = ck_case_status_parse(p.values[O_STATUS])) == 0) {
		cli_error(cli, "--status %s: must be active, terminated or closed",
		          p.values[O_STATUS]);
		return CLI_USAGE;
	}
	if (p.n_args > 0) {
		cli_error(cli, "cases: unexpected argument '%s'", p.args[0]);
		return CLI_USAGE;
	}
	char err[CK_ERR_SIZE] = "";
	struct listing l = {.cli = cli,
	                    .debtors = p.values[O_DEBTORS] != NULL,
	                    .reveal = p.values[O_REVEAL] != NULL};
	if (ck_store_open(cli->db_path, &l.st, err) != CK_OK) {
		cli_error(cli, "%s", err);
		return CLI_USAGE;
	}
	rc = ck_store_each_case(l.st, status, print_case, &l, err);
	ck_store_close(l.st);
	if (rc != CK_OK) {
		cli_error(cli, "%s", err);
		return CLI_USAGE;
	}
	if (l.count == 0)
		cli_log(cli, CK_LOG_INFO, "no cases%s%s", status ? " with status " : "",
		        status ? ck_case_status_name(status) : "");
	return CLI_OK;
}
