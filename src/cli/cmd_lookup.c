/* SPDX-License-Identifier: MIT */
/*
 * cmd_lookup.c: `chakong lookup`: ask every applicable institution about
 * one debtor of a filed case now, and show what they said.  No inquiry
 * without a case: a debtor who is not in a filed, open case is refused.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chakong/amount.h"
#include "chakong/config.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/sched.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

static const char *const usage[] = {
    "lookup --case NO --debtor ID [--config FILE] [--timeout SECONDS] [--reveal]",
    NULL,
};

enum { O_DB, O_NOW, O_CASE, O_DEBTOR, O_CONFIG, O_TIMEOUT, O_REVEAL };
static const struct cli_option options[] = {
    CLI_GLOBAL_OPTIONS,
    [O_CASE] = {"case", 0, "NO", "the case number, e.g. (2024)苏1283执1234号"},
    [O_DEBTOR] = {"debtor", 0, "ID", "the debtor's resident ID or credit code"},
    [O_CONFIG] = {"config", 'c', "FILE",
                  "the configuration (default: $CHAKONG_CONFIG, else ./chakong.xml)"},
    [O_TIMEOUT] = {"timeout", 0, "SECONDS", "wait this long for answers (default 60)"},
    [O_REVEAL] = {"reveal", 0, NULL, "show identity and account numbers in full"},
    {NULL, 0, NULL, NULL},
};

struct shown {
	int reveal;
};

static int
print_query(void *ctx, const struct ck_query_row *q)
{
	(void)ctx;
	printf("  %-14s %-10s ", q->institution_id, q->kind);
	switch (q->state) {
	case CK_Q_ANSWERED:
		if (strcmp(q->outcome, "FOUND") == 0)
			printf("found (%d assets, %d leads)", q->n_assets, q->n_leads);
		else if (strcmp(q->outcome, "NOT_FOUND") == 0)
			printf("not found");
		else
			printf(
			    "subject mismatch: the institution holds this ID under another name");
		break;
	case CK_Q_WAITING:
		printf("pending");
		if (q->ticket[0])
			printf(", ticket %s", q->ticket);
		if (q->submitted_at > 0) {
			char when[CK_TIME_BUF];
			ck_time_format(q->submitted_at, CK_DEFAULT_OFFSET_MIN, when, sizeof when);
			printf(", submitted %s", when);
		}
		break;
	case CK_Q_FAILED:
		printf("failed: %s%s%s", q->reason, q->detail[0] ? " — " : "", q->detail);
		break;
	case CK_Q_NOT_APPLICABLE: printf("not applicable (%s)", q->reason); break;
	default:
		printf("not answered yet (%s, %d attempts)", ck_query_state_name(q->state),
		       q->attempts);
	}
	printf("  %s\n", q->institution_name);
	return 0;
}

static int
print_asset(void *ctx, const struct ck_asset_row *a)
{
	const struct shown *s = ctx;
	char ref[CK_MASK_BUF], book[CK_AMOUNT_BUF] = "", enforceable[CK_AMOUNT_BUF];
	if (s->reveal || strcmp(a->kind, "realestate") == 0 || strcmp(a->kind, "vehicle") == 0)
		snprintf(ref, sizeof ref, "%s", a->ref);
	else
		ck_ids_mask_account(a->ref, ref, sizeof ref);
	if (a->has_book)
		ck_amount_format(a->book, book, sizeof book);
	ck_amount_format(a->enforceable, enforceable, sizeof enforceable);
	printf("  %-10s %-14s %-24s %-6s %3s %14s  enforceable %s%s%s\n", a->kind,
	       a->institution_id, ref, a->subtype, a->currency, book, enforceable,
	       a->liability ? "  (liability)" : "", a->n_encumbrances ? "  (encumbered)" : "");
	return 0;
}

/* The normalised identifier of a person or an organisation. */
static int
normalise_id(const char *text, char out[CK_ID_BUF], char *err)
{
	int kind = ck_ids_kind_of(text);
	if (kind == 0)
		return ck_ids_check_resident(text, out, err) == CK_OK
		           ? CK_OK
		           : ck_ids_check_credit_code(text, out, err);
	return ck_ids_check_subject((enum ck_subject_kind)kind, text, out, err);
}

int
cmd_lookup(struct cli *cli, int argc, char **argv)
{
	struct cli_parsed p;
	int rc = cli_parse(cli, "lookup", usage, options, argc, argv, &p);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	if (p.values[O_CASE] == NULL || p.values[O_DEBTOR] == NULL) {
		cli_error(cli, "lookup: --case and --debtor are required (see '%s lookup --help')",
		          cli->prog);
		return CLI_USAGE;
	}
	long timeout = 60;
	if (p.values[O_TIMEOUT] != NULL) {
		char *end;
		timeout = strtol(p.values[O_TIMEOUT], &end, 10);
		if (*end != '\0' || timeout < 1 || timeout > 3600) {
			cli_error(cli, "--timeout %s: must be 1 to 3600 seconds",
			          p.values[O_TIMEOUT]);
			return CLI_USAGE;
		}
	}
	char err[CK_ERR_SIZE] = "", id[CK_ID_BUF], masked[CK_MASK_BUF];
	struct ck_case_no no;
	if (ck_ids_parse_case_no(p.values[O_CASE], &no, err) != CK_OK ||
	    normalise_id(p.values[O_DEBTOR], id, err) != CK_OK) {
		cli_error(cli, "%s", err);
		return CLI_USAGE;
	}
	ck_ids_mask_id(id, masked, sizeof masked);
	struct ck_xsd_set *xsd = NULL;
	struct ck_config *cfg = NULL;
	struct ck_store *st = NULL;
	struct ck_debtor_ref ref;
	int status = CLI_OK;
	if (ck_store_open(cli->db_path, &st, err) != CK_OK) {
		cli_error(cli, "%s", err);
		return CLI_USAGE;
	}
	/* No inquiry without a case: checked before anything else. */
	rc = ck_store_find_debtor(st, no.normalised, id, &ref, err);
	if (rc != CK_OK || ref.case_status == CK_CASE_CLOSED || ref.removed) {
		cli_error(cli,
		          "refused: %s is not a debtor of a filed, open case %s (no inquiry "
		          "without a case)",
		          p.values[O_REVEAL] ? id : masked, no.normalised);
		status = rc == CK_OK || rc == CK_E_NOTFOUND ? CLI_FAILED : CLI_USAGE;
		goto out;
	}
	if (ck_xsd_set_new(&xsd, err) != CK_OK ||
	    ck_config_load(cli_config_path(p.values[O_CONFIG]), xsd, &cfg, err) != CK_OK) {
		cli_error(cli, "%s", err);
		status = CLI_USAGE;
		goto out;
	}
	struct ck_sched_opts opts = {.max_time_s = timeout,
	                             .linger_s = (int)timeout,
	                             .seed = (uint64_t)ck_clock_now(&cli->clock),
	                             .only_debtor = ref.debtor_row,
	                             .log = &cli->log};
	struct ck_run_stats stats;
	if (ck_sched_run(st, cfg, xsd, &cli->clock, &opts, &stats, err) != CK_OK) {
		cli_error(cli, "%s", err);
		status = CLI_USAGE;
		goto out;
	}
	struct shown shown = {.reveal = p.values[O_REVEAL] != NULL};
	printf("%s, debtor %s\n", no.normalised, shown.reveal ? id : masked);
	rc = ck_store_each_query_of_debtor(st, ref.debtor_row, print_query, NULL, err);
	if (rc == CK_OK) {
		printf("assets:\n");
		rc = ck_store_each_asset_of_debtor(st, ref.debtor_row, print_asset, &shown, err);
	}
	if (rc != CK_OK) {
		cli_error(cli, "%s", err);
		status = CLI_USAGE;
	} else if (stats.failed > 0) {
		status = CLI_FAILED;
	}
out:
	ck_store_close(st);
	ck_config_free(cfg);
	ck_xsd_set_free(xsd);
	return status;
}
