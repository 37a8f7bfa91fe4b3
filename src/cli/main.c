/* SPDX-License-Identifier: MIT */
/*
 * main.c: the chakong program: global options, the command table and
 * dispatch.  Each command lives in cmd_<name>.c (see cli.h for how to add
 * one).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chakong/error.h"

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"import", cmd_import, "import case filings (CSV or XML) into the store"},
    {"cases", cmd_cases, "list the cases in the store"},
    {"institutions", cmd_institutions, "list the configured institutions and their health"},
    {"run", cmd_run, "plan what is due and ask the institutions (the nightly job)"},
    {"lookup", cmd_lookup, "ask every institution about one debtor of a case now"},
    {"report", cmd_report, "render a case's asset report (HTML, JSON or CSV)"},
    {"status", cmd_status, "show what is pending and what is overdue"},
    {"demo", cmd_demo, "run it all against the built-in simulator in a fresh directory"},
    {NULL, NULL, NULL},
};

static const char *const main_usage[] = {
    "[--db FILE] [--now TIME] [--log-format text|json] [--log-level LEVEL] COMMAND [ARGS...]",
    "help COMMAND",
    "--version",
    NULL,
};

static const struct cli_option main_options[] = {
    {"db", 0, "FILE", "the store (default: $CHAKONG_DB, else ./chakong.db)"},
    {"now", 0, "TIME", "pretend the time is TIME (ISO 8601; default: $CHAKONG_NOW, else now)"},
    {"log-format", 0, "FMT", "log lines on stderr as text (default) or json"},
    {"log-level", 0, "LEVEL", "log events of LEVEL and above: error, warn, info (default), debug"},
    {"version", 'V', NULL, "print the version and exit"},
    {NULL, 0, NULL, NULL},
};

static void
print_main_help(const struct cli *cli)
{
	cli_print_usage(cli, main_usage, main_options);
	printf("\ncommands:\n");
	for (const struct command *c = commands; c->name != NULL; c++)
		printf("  %-13s %s\n", c->name, c->summary);
	printf("  %-13s %s\n", "help", "show the help of a command");
	printf("\nexit status: 0 done, 1 something was rejected or failed, 2 usage or I/O "
	       "error\n");
}

static const struct command *
find_command(const char *name)
{
	for (const struct command *c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int
main(int argc, char **argv)
{
	/* Everything chakong writes holds personal data: private by default. */
	umask(077);
	struct cli cli = {.prog = "chakong"};
	ck_log_init(&cli.log);
	cli.db_path = getenv("CHAKONG_DB");
	if (cli.db_path == NULL || *cli.db_path == '\0')
		cli.db_path = "chakong.db";
	ck_clock_system(&cli.clock);
	const char *env_now = getenv("CHAKONG_NOW");
	if (env_now != NULL && *env_now != '\0' &&
	    cli_set_now(&cli, env_now, "CHAKONG_NOW") != CLI_OK)
		return CLI_USAGE;

	/* Global options stand before the command. */
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_main_help(&cli);
			return CLI_OK;
		}
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("chakong %s\n", CK_VERSION);
			return CLI_OK;
		}
		/* Every global option takes a value: "--name VALUE" or "--name=VALUE". */
		char name[32];
		const char *value = NULL, *eq = strchr(a, '=');
		size_t len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : 0), a);
		int known = strcmp(name, "--db") == 0 || strcmp(name, "--now") == 0 ||
		            strcmp(name, "--log-format") == 0 || strcmp(name, "--log-level") == 0;
		if (!known) {
			cli_error(&cli, "unknown option '%s' (see '%s --help')", a, cli.prog);
			return CLI_USAGE;
		}
		if (eq != NULL)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		if (value == NULL || *value == '\0') {
			cli_error(&cli, "option '%s' needs a value", name);
			return CLI_USAGE;
		}
		if (strcmp(name, "--db") == 0)
			cli.db_path = value;
		else if (strcmp(name, "--now") == 0) {
			if (cli_set_now(&cli, value, "--now") != CLI_OK)
				return CLI_USAGE;
		} else if (cli_log_option(&cli, name, value) != 1)
			return CLI_USAGE;
	}
	if (i >= argc) {
		print_main_help(&cli);
		return CLI_USAGE;
	}
	const char *name = argv[i];
	if (strcmp(name, "help") == 0) {
		if (i + 1 >= argc) {
			print_main_help(&cli);
			return CLI_OK;
		}
		const struct command *c = find_command(argv[i + 1]);
		if (c == NULL) {
			cli_error(&cli, "no such command '%s' (see '%s --help')", argv[i + 1],
			          cli.prog);
			return CLI_USAGE;
		}
		char *help_argv[] = {argv[i + 1], "--help", NULL};
		c->run(&cli, 2, help_argv);
		return CLI_OK;
	}
	const struct command *c = find_command(name);
	if (c == NULL) {
		cli_error(&cli, "no such command '%s' (see '%s --help')", name, cli.prog);
		return CLI_USAGE;
	}
	cli.log.name = c->name;
	return c->run(&cli, argc - i, argv + i);
}
