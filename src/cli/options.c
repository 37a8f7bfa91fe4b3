/* SPDX-License-Identifier: MIT */
/* options.c: parsing a command's options from its table, usage text, and
 * the small output helpers of cli.h. */
#include "cli.h"
#include "chakong/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
vlog(const struct cli *cli, enum ck_log_level level, const char *fmt, va_list ap)
{
	if (!ck_log_enabled(&cli->log, level))
		return;
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	ck_logf(&cli->log, level, NULL, "%s", msg);
}

void
cli_log(const struct cli *cli, enum ck_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(cli, level, fmt, ap);
	va_end(ap);
}

void
cli_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(cli, CK_LOG_ERROR, fmt, ap);
	va_end(ap);
}

int
cli_log_option(struct cli *cli, const char *a, const char *value)
{
	int is_format = strcmp(a, "--log-format") == 0;
	int is_level = strcmp(a, "--log-level") == 0;
	if (!is_format && !is_level)
		return 0;
	if (value == NULL || *value == '\0') {
		cli_error(cli, "option '%s' needs a value", a);
		return CLI_USAGE;
	}
	int v = is_format ? ck_log_format_parse(value) : ck_log_level_parse(value);
	if (v < 0) {
		cli_error(cli, "%s %s: must be %s", a, value,
		          is_format ? "text or json" : "error, warn, info or debug");
		return CLI_USAGE;
	}
	if (is_format)
		cli->log.format = (enum ck_log_format)v;
	else
		cli->log.level = (enum ck_log_level)v;
	return 1;
}

void
cli_print_usage(const struct cli *cli, const char *const *usage, const struct cli_option *options)
{
	for (int i = 0; usage[i] != NULL; i++)
		printf("%s %s %s\n", i == 0 ? "usage:" : "      ", cli->prog, usage[i]);
	if (options == NULL || options[0].name == NULL)
		return;
	printf("\noptions:\n");
	for (const struct cli_option *o = options; o->name != NULL; o++) {
		char left[64];
		snprintf(left, sizeof left, "%s%c%s--%s%s%s", o->short_name ? "-" : "",
		         o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
		         o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-26s %s\n", left + (o->short_name ? 0 : 1), o->help);
	}
}

static const struct cli_option *
find_long(const struct cli_option *options, const char *name, size_t len)
{
	for (const struct cli_option *o = options; o->name != NULL; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

int
cli_set_now(struct cli *cli, const char *text, const char *origin)
{
	char err[CK_ERR_SIZE] = "";
	if (ck_clock_from_text(&cli->clock, text, err) != CK_OK) {
		cli_error(cli, "%s: %s", origin, err);
		return CLI_USAGE;
	}
	return CLI_OK;
}

int
cli_parse(struct cli *cli, const char *command, const char *const *usage,
          const struct cli_option *options, int argc, char **argv, struct cli_parsed *out)
{
	memset(out, 0, sizeof *out);
	char **positional = argv + 1;
	int n_pos = 0, only_args = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			positional[n_pos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_usage(cli, usage, options);
			return -1;
		}
		const struct cli_option *o = NULL;
		const char *value = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
			o = find_long(options, a + 2, len);
			value = eq ? eq + 1 : NULL;
		} else if (a[2] == '\0') {
			for (const struct cli_option *p = options; p->name != NULL && !o; p++)
				if (p->short_name == a[1])
					o = p;
		}
		if (o == NULL && a[1] == '-') {
			/* The log options are global: accepted after the command too. */
			char name[32];
			const char *eq = strchr(a, '=');
			size_t len = eq != NULL ? (size_t)(eq - a) : strlen(a);
			snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : 0), a);
			const char *v = eq != NULL ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
			int applied = cli_log_option(cli, name, v);
			if (applied == 1) {
				i += eq == NULL;
				continue;
			}
			if (applied != 0)
				return CLI_USAGE;
		}
		if (o == NULL) {
			cli_error(cli, "unknown option '%s' (see '%s%s%s --help')", a, cli->prog,
			          command ? " " : "", command ? command : "");
			return CLI_USAGE;
		}
		if (o->arg == NULL && value != NULL) {
			cli_error(cli, "option '--%s' takes no value", o->name);
			return CLI_USAGE;
		}
		if (o->arg != NULL && value == NULL) {
			if (i + 1 >= argc) {
				cli_error(cli, "option '--%s' needs a value (%s)", o->name, o->arg);
				return CLI_USAGE;
			}
			value = argv[++i];
		}
		out->values[o - options] = o->arg ? value : "1";
		if (strcmp(o->name, "db") == 0)
			cli->db_path = value;
		else if (strcmp(o->name, "now") == 0 && cli_set_now(cli, value, "--now") != CLI_OK)
			return CLI_USAGE;
	}
	out->n_args = n_pos;
	out->args = positional;
	return CLI_OK;
}

/* Wide (two-cell) ranges of the scripts chakong prints: CJK, Hangul,
 * full-width forms.  Enough for names, courts and addresses. */
static int
is_wide(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	       (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

int
cli_display_width(const char *text)
{
	int width = 0;
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		unsigned cp = *p;
		int n = cp < 0x80 ? 0 : cp < 0xE0 ? 1 : cp < 0xF0 ? 2 : 3;
		cp &= n == 0 ? 0x7F : n == 1 ? 0x1F : n == 2 ? 0x0F : 0x07;
		p++;
		for (int k = 0; k < n && (*p & 0xC0) == 0x80; k++, p++)
			cp = (cp << 6) | (*p & 0x3F);
		width += is_wide(cp) ? 2 : 1;
	}
	return width;
}

void
cli_print_padded(const char *text, int width)
{
	fputs(text, stdout);
	for (int w = cli_display_width(text); w < width; w++)
		fputc(' ', stdout);
}

const char *
cli_config_path(const char *given)
{
	if (given != NULL)
		return given;
	const char *env = getenv("CHAKONG_CONFIG");
	return env != NULL && *env != '\0' ? env : "chakong.xml";
}

const char *
cli_reports_dir(const char *given)
{
	if (given != NULL)
		return given;
	const char *env = getenv("CHAKONG_REPORTS");
	return env != NULL && *env != '\0' ? env : "reports";
}
