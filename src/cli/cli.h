/* SPDX-License-Identifier: MIT */
/*
 * cli.h: what the chakong program's subcommands share: the command table's
 * shape, options as data, the global context and exit statuses.
 *
 * Adding a command: write src/cli/cmd_<name>.c with its option table, its
 * usage text and `int cmd_<name>(struct cli *, int argc, char **argv)`,
 * add it to commands[] in main.c, document it in docs/chakong.1 and the
 * README, and test it (tests/test_cli_*.c).  Commands call only the public
 * headers in include/chakong/: no business logic lives here.
 */
#ifndef CHAKONG_CLI_H
#define CHAKONG_CLI_H

#include <stdint.h>

#include "chakong/log.h"
#include "chakong/timeutil.h"

/* Exit statuses of every command. */
enum {
	CLI_OK = 0,     /* everything done */
	CLI_FAILED = 1, /* ran, but something was rejected or failed */
	CLI_USAGE = 2   /* bad usage, or an I/O or store error */
};

/* Global state of one invocation, owned by main(). */
struct cli {
	const char *prog;    /* "chakong" */
	const char *db_path; /* --db, $CHAKONG_DB, or "chakong.db" */
	struct ck_clock clock;
	struct ck_log log; /* --log-format, --log-level; named after the command */
};

/* An option of a command: "--name VALUE" / "--name=VALUE" / "-c VALUE",
 * or a flag when arg is NULL. */
struct cli_option {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 when none */
	const char *arg;  /* placeholder for the value ("FILE"), NULL for a flag */
	const char *help; /* one line */
};

/* Values found by cli_parse(): values[i] belongs to options[i] (a flag's
 * value is "1" when given); NULL when not given. */
struct cli_parsed {
	const char *values[16];
	int n_args;  /* positional arguments left in args */
	char **args; /* borrowed from argv */
};

/* The options every command also takes after its name (--db, --now):
 * cli_parse() applies them to the struct cli.  Start a table with it. */
#define CLI_GLOBAL_OPTIONS                                                                         \
	{"db", 0, "FILE", "the store (default: $CHAKONG_DB, else ./chakong.db)"},                  \
	{                                                                                          \
		"now", 0, "TIME", "take TIME (ISO 8601) as the current time"                       \
	}

/* Sets the clock from --now / $CHAKONG_NOW text; CLI_USAGE on bad text. */
int cli_set_now(struct cli *cli, const char *text, const char *origin);

/*
 * The global options that set up the log: "--log-format" and "--log-level"
 * (a is the option as given, value its value or NULL when none is given).
 * Returns 1 when a is one of them and was applied, 0 when it is none of
 * them, CLI_USAGE (after saying why) for a missing or bad value.  Accepted
 * before the command and after it, like --db and --now.
 */
int cli_log_option(struct cli *cli, const char *a, const char *value);

/*
 * Parses argv[1..argc) against options (terminated by a {NULL} entry, at
 * most 16).  "--" ends options.  Returns CLI_OK, or CLI_USAGE after printing
 * what was wrong; "--help"/"-h" prints the usage and returns -1 (the caller
 * then exits 0).
 */
int cli_parse(struct cli *cli, const char *command, const char *const *usage,
              const struct cli_option *options, int argc, char **argv, struct cli_parsed *out);

/* Prints the usage lines and the option table of a command to stdout. */
void cli_print_usage(const struct cli *cli, const char *const *usage,
                     const struct cli_option *options);

/* Logs a message of the command at `level` (log.h: to stderr, with the
 * time and the level, identifiers in it masked). */
void cli_log(const struct cli *cli, enum ck_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same at level error: what went wrong with the command. */
void cli_error(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Terminal display width of UTF-8 text (CJK wide characters count 2). */
int cli_display_width(const char *text);

/* Prints text left-aligned in a column of `width` display cells. */
void cli_print_padded(const char *text, int width);

/* The configuration file: given, else $CHAKONG_CONFIG, else "chakong.xml". */
const char *cli_config_path(const char *given);

/* The reports directory: given, else $CHAKONG_REPORTS, else "reports". */
const char *cli_reports_dir(const char *given);

int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_institutions(struct cli *cli, int argc, char **argv);
int cmd_lookup(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_cases(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);

#endif
