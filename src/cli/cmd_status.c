/* SPDX-License-Identifier: MIT */
/*
 * cmd_status.c: `chakong status [CASE]`: what is still pending and what is
 * overdue: per case, the latest round's queries by state and whether its
 * report deadline has passed; for one case, also each institution that has
 * not answered or failed, per debtor.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/report.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"

static const char *const usage[] = {
    "status [CASE] [--all] [--reveal]",
    NULL,
};

enum { O_DB, O_NOW, O_ALL, O_REVEAL };
static const struct cli_option options[] = {
    CLI_GLOBAL_OPTIONS,
    [O_ALL] = {"all", 'a', NULL, "list every case, finished ones too"},
    [O_REVEAL] = {"reveal", 0, NULL, "show identity numbers in full (one case)"},
    {NULL, 0, NULL, NULL},
};

struct listing {
	int64_t now;
	int all, shown, open_cases, overdue_cases;
};

static int
open_queries(const struct ck_round_status *s)
{
	return s->by_state[CK_Q_PLANNED] + s->by_state[CK_Q_IN_FLIGHT] + s->by_state[CK_Q_RETRY] +
	       s->by_state[CK_Q_WAITING];
}

static int
print_round(void *ctx, const struct ck_round_status *s)
{
	struct listing *l = ctx;
	int open = open_queries(s);
	int overdue = open > 0 && l->now > s->deadline;
	l->open_cases += open > 0;
	l->overdue_cases += overdue;
	if (!l->all && open == 0 && s->report_written_at != 0)
		return 0;
	if (l->shown++ == 0) {
		cli_print_padded("CASE", 28);
		printf("  %5s  %-25s  %-8s  %7s  %7s  %7s  %6s  %s\n", "ROUND", "DEADLINE", "",
		       "TO SEND", "WAITING", "ANSWERS", "FAILED", "REPORT");
	}
	char deadline[CK_TIME_BUF];
	ck_time_format(s->deadline, CK_DEFAULT_OFFSET_MIN, deadline, sizeof deadline);
	cli_print_padded(s->case_no, 28);
	printf("  %5d  %-25s  %-8s  %7d  %7d  %7d  %6d  %s\n", s->round, deadline,
	       overdue ? "OVERDUE"
	       : open  ? "open"
	               : "done",
	       s->by_state[CK_Q_PLANNED] + s->by_state[CK_Q_IN_FLIGHT] + s->by_state[CK_Q_RETRY],
	       s->by_state[CK_Q_WAITING], s->by_state[CK_Q_ANSWERED], s->by_state[CK_Q_FAILED],
	       s->report_written_at ? "written" : "not yet");
	return 0;
}

/* One case in detail: the institutions not (yet) answered, per debtor. */
static int
case_detail(struct cli *cli, struct ck_store *st, const char *case_no, int reveal)
{
	char err[CK_ERR_SIZE] = "";
	struct ck_report *r = NULL;
	if (ck_report_build(st, case_no, -1, ck_clock_now(&cli->clock), &r, err) != CK_OK) {
		cli_error(cli, "status: %s", err);
		return CLI_FAILED;
	}
	int shown = 0;
	for (size_t d = 0; d < r->n_debtors; d++) {
		const struct ck_report_debtor *debtor = &r->debtors[d];
		char id[CK_MASK_BUF];
		ck_ids_mask_id(debtor->id_no, id, sizeof id);
		for (size_t i = 0; i < debtor->n_coverage; i++) {
			const struct ck_report_coverage *c = &debtor->coverage[i];
			if (c->outcome != CK_COV_PENDING && c->outcome != CK_COV_FAILED &&
			    c->outcome != CK_COV_NOT_ASKED)
				continue;
			if (shown++ == 0)
				printf("\n%-20s %-14s %-10s %s\n", "DEBTOR", "INSTITUTION", "KIND",
				       "STATE");
			printf("%-20s %-14s %-10s ", reveal ? debtor->id_no : id, c->institution_id,
			       c->kind);
			if (c->outcome == CK_COV_FAILED) {
				printf("failed: %s (%d attempts)%s%s\n", c->reason, c->attempts,
				       *c->detail ? " — " : "", c->detail);
			} else if (c->outcome == CK_COV_NOT_ASKED) {
				printf(
				    "not asked in this round (configured after it was planned)\n");
			} else {
				char since[CK_TIME_BUF] = "";
				if (c->since)
					ck_time_format(c->since, CK_DEFAULT_OFFSET_MIN, since,
					               sizeof since);
				printf("%s%s%s%s%s\n", c->state, *c->ticket ? ", ticket " : "",
				       c->ticket, *since ? ", since " : "", since);
			}
		}
	}
	if (shown == 0)
		printf("\nevery institution asked has answered.\n");
	ck_report_free(r);
	return CLI_OK;
}

int
cmd_status(struct cli *cli, int argc, char **argv)
{
	struct cli_parsed p;
	int rc = cli_parse(cli, "status", usage, options, argc, argv, &p);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if (p.n_args > 1) {
		cli_error(cli, "status: at most one case number");
		return CLI_USAGE;
	}
	char err[CK_ERR_SIZE] = "";
	struct ck_case_no parsed;
	const char *case_no = NULL;
	if (p.n_args == 1) {
		if (ck_ids_parse_case_no(p.args[0], &parsed, err) != CK_OK) {
			cli_error(cli, "status: %s", err);
			return CLI_USAGE;
		}
		case_no = parsed.normalised;
	}
	struct ck_store *st = NULL;
	if (ck_store_open(cli->db_path, &st, err) != CK_OK) {
		cli_error(cli, "%s", err);
		return CLI_USAGE;
	}
	struct listing l = {.now = ck_clock_now(&cli->clock), .all = p.values[O_ALL] || case_no};
	rc = ck_store_each_round_status(st, case_no, print_round, &l, err);
	if (rc != CK_OK) {
		cli_error(cli, "status: %s", err);
		rc = CLI_USAGE;
	} else if (case_no != NULL) {
		rc = l.shown ? case_detail(cli, st, case_no, p.values[O_REVEAL] != NULL)
		             : (cli_error(cli, "status: no inquiry round for case %s", case_no),
		                CLI_FAILED);
	} else {
		if (l.shown == 0)
			printf("nothing pending.\n");
		printf("%d cases with queries open, %d of them overdue\n", l.open_cases,
		       l.overdue_cases);
		rc = CLI_OK;
	}
	ck_store_close(st);
	return rc;
}
