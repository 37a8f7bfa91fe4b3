/* SPDX-License-Identifier: MIT */
/* cmd_institutions.c: `chakong institutions`: what is configured, and how
 * each institution has been answering (from the store). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chakong/config.h"
#include "chakong/error.h"
#include "chakong/store.h"
#include "chakong/xmlsafe.h"

static const char *const usage[] = {
    "institutions [--config FILE] [--days N]",
    NULL,
};

enum { O_DB, O_NOW, O_CONFIG, O_DAYS };
static const struct cli_option options[] = {
    CLI_GLOBAL_OPTIONS,
    [O_CONFIG] = {"config", 'c', "FILE",
                  "the configuration (default: $CHAKONG_CONFIG, else ./chakong.xml)"},
    [O_DAYS] = {"days", 0, "N", "latency over the last N days (default 7)"},
    {NULL, 0, NULL, NULL},
};

struct listing {
	const struct ck_config *cfg;
	char *shown; /* per configured institution: already listed from the store */
	int count;
};

static const struct ck_inst_config *
configured(struct listing *l, const char *id)
{
	for (size_t i = 0; l->cfg != NULL && i < l->cfg->n_insts; i++)
		if (strcmp(l->cfg->insts[i].id, id) == 0) {
			l->shown[i] = 1;
			return &l->cfg->insts[i];
		}
	return NULL;
}

static int
print_health(void *ctx, const struct ck_institution_health *h)
{
	struct listing *l = ctx;
	const struct ck_inst_config *c = configured(l, h->id);
	if (l->count++ == 0)
		printf("%-16s %-10s %-12s %8s %7s %8s %8s %8s %8s  %s\n", "ID", "KIND", "STATE",
		       "ANSWERED", "FAILED", "PENDING", "ATTEMPTS", "P50(ms)", "P95(ms)", "NAME");
	const char *state = c == NULL ? "unconfigured" : c->enabled ? "enabled" : "disabled";
	printf("%-16s %-10s %-12s %8d %7d %8d %8d %8lld %8lld  %s\n", h->id, h->kind, state,
	       h->answered, h->failed, h->pending, h->attempts, (long long)h->p50_ms,
	       (long long)h->p95_ms, h->name);
	return 0;
}

int
cmd_institutions(struct cli *cli, int argc, char **argv)
{
	struct cli_parsed p;
	int rc = cli_parse(cli, "institutions", usage, options, argc, argv, &p);
	if (rc != CLI_OK)
		return rc < 0 ? CLI_OK : rc;
	long days = 7;
	if (p.values[O_DAYS] != NULL) {
		char *end;
		days = strtol(p.values[O_DAYS], &end, 10);
		if (*end != '\0' || days < 1 || days > 3650) {
			cli_error(cli, "--days %s: must be 1 to 3650", p.values[O_DAYS]);
			return CLI_USAGE;
		}
	}
	char err[CK_ERR_SIZE] = "";
	struct ck_xsd_set *xsd = NULL;
	struct ck_config *cfg = NULL;
	const char *path = cli_config_path(p.values[O_CONFIG]);
	if (ck_xsd_set_new(&xsd, err) != CK_OK ||
	    (access(path, F_OK) == 0 && ck_config_load(path, xsd, &cfg, err) != CK_OK)) {
		cli_error(cli, "%s", err);
		ck_xsd_set_free(xsd);
		return CLI_USAGE;
	}
	struct ck_store *st = NULL;
	if (ck_store_open(cli->db_path, &st, err) != CK_OK) {
		cli_error(cli, "%s", err);
		ck_config_free(cfg);
		ck_xsd_set_free(xsd);
		return CLI_USAGE;
	}
	struct listing l = {.cfg = cfg, .shown = calloc(cfg ? cfg->n_insts + 1 : 1, 1)};
	int64_t since_ms = (ck_clock_now(&cli->clock) - days * 86400) * 1000;
	rc = l.shown ? ck_store_each_institution(st, since_ms, print_health, &l, err) : CK_E_NOMEM;
	/* Configured but never run: listed from the file, with no health yet. */
	for (size_t i = 0; rc == CK_OK && cfg != NULL && i < cfg->n_insts; i++) {
		if (l.shown[i])
			continue;
		struct ck_institution_health h = {.id = cfg->insts[i].id,
		                                  .kind = ck_kind_name(cfg->insts[i].kind),
		                                  .name = cfg->insts[i].name};
		print_health(&l, &h);
	}
	free(l.shown);
	ck_store_close(st);
	ck_config_free(cfg);
	ck_xsd_set_free(xsd);
	if (rc != CK_OK) {
		cli_error(cli, "%s", err);
		return CLI_USAGE;
	}
	if (l.count == 0)
		cli_log(cli, CK_LOG_INFO, "no institutions yet (configure them in %s and run)",
		        path);
	return CLI_OK;
}
