/* SPDX-License-Identifier: MIT */
/*
 * test_cli.c: the chakong program as a user meets it: help and version,
 * usage errors and exit statuses, `import` of the spec's filings (exit 1
 * with the bad line named, idempotent on a second run, GB18030 and XML
 * alike), `cases`, and the privacy of the store file.
 */
#include "testutil.h"

#include <iconv.h>
#include <string.h>
#include <sys/stat.h>

struct fixture {
	char *dir;
	char *db;
	char db_opt[4200];
	struct ck_test_run run;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = ck_test_tmpdir();
	f->db = ck_test_path(f->dir, "cli.db");
	snprintf(f->db_opt, sizeof f->db_opt, "--db=%s", f->db);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	ck_test_run_free(&f->run);
	ck_test_rmtree(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

/* Runs chakong with up to 6 arguments (NULL-terminated). */
static void
chakong(struct fixture *f, char *a1, char *a2, char *a3, char *a4, char *a5, char *a6)
{
	ck_test_run_free(&f->run);
	char *argv[] = {CK_CHAKONG_BIN, a1, a2, a3, a4, a5, a6, NULL};
	ck_test_run(&f->run, f->dir, argv);
}

static void
help_and_version(void **state)
{
	struct fixture *f = *state;
	chakong(f, "--help", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 0);
	assert_non_null(strstr(f->run.out, "usage: chakong"));
	assert_non_null(strstr(f->run.out, "import"));
	assert_non_null(strstr(f->run.out, "cases"));

	chakong(f, "--version", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 0);
	assert_non_null(strstr(f->run.out, "chakong "));

	char *commands[] = {"import", "cases",  "institutions", "run",
	                    "lookup", "report", "status",       "demo"};
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		chakong(f, "help", commands[i], NULL, NULL, NULL, NULL);
		assert_int_equal(f->run.status, 0);
		assert_non_null(strstr(f->run.out, "usage: chakong"));
		assert_non_null(strstr(f->run.out, commands[i]));
		char *help_out = strdup(f->run.out);
		chakong(f, commands[i], "--help", NULL, NULL, NULL, NULL);
		assert_int_equal(f->run.status, 0);
		assert_string_equal(f->run.out, help_out);
		free(help_out);
	}
}

/* Every option a command's --help lists is documented in the man page. */
static void
help_matches_man_page(void **state)
{
	struct fixture *f = *state;
	char *man = ck_test_read_file(CK_SOURCE_DIR "/docs/chakong.1", NULL);
	char *commands[] = {"import", "cases",  "institutions", "run", "lookup",
	                    "report", "status", "demo",         NULL};
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (commands[i] != NULL)
			chakong(f, commands[i], "--help", NULL, NULL, NULL, NULL);
		else
			chakong(f, "--help", NULL, NULL, NULL, NULL, NULL);
		assert_int_equal(f->run.status, 0);
		char want[128];
		if (commands[i] != NULL) {
			snprintf(want, sizeof want, "\\fB%s\\fR", commands[i]);
			if (strstr(man, want) == NULL)
				fail_msg("command %s is not in docs/chakong.1", commands[i]);
		}
		for (const char *p = f->run.out; (p = strstr(p, "--")) != NULL; p += 2) {
			size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
			if (n == 0)
				continue;
			/* roff spells every hyphen of an option "\\-" */
			size_t w = (size_t)snprintf(want, sizeof want, "\\-\\-");
			for (size_t k = 0; k < n && w + 3 < sizeof want; k++) {
				if (p[2 + k] == '-')
					want[w++] = '\\';
				want[w++] = p[2 + k];
			}
			want[w] = '\0';
			if (strstr(man, want) == NULL)
				fail_msg("option --%.*s of '%s --help' is not in docs/chakong.1",
				         (int)n, p + 2, commands[i] ? commands[i] : "chakong");
		}
	}
	free(man);
}

static void
usage_errors_exit_2(void **state)
{
	struct fixture *f = *state;
	chakong(f, "frobnicate", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "no such command 'frobnicate'"));

	chakong(f, f->db_opt, "import", NULL, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "no FILE given"));

	chakong(f, f->db_opt, "import", "--bogus", "x.csv", NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "unknown option '--bogus'"));

	chakong(f, f->db_opt, "import", "--encoding", "latin1", "x.csv", NULL);
	assert_int_equal(f->run.status, 2);

	chakong(f, f->db_opt, "import", "does-not-exist.csv", NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "does-not-exist.csv"));

	chakong(f, f->db_opt, "cases", "--status", "open", NULL, NULL);
	assert_int_equal(f->run.status, 2);

	chakong(f, "--now", "not a time", "cases", NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
}

/* Diagnostics are log lines: time, level, command; JSON on request; the
 * log options before the command or after it. */
static void
log_options(void **state)
{
	struct fixture *f = *state;
	chakong(f, "frobnicate", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_int_equal(ck_test_count(f->run.errout, "\n"), 1);
	assert_int_equal(strlen(f->run.errout) > 21 && f->run.errout[4] == '-' &&
	                     f->run.errout[10] == 'T' && f->run.errout[19] == 'Z',
	                 1);
	assert_non_null(strstr(f->run.errout, "Z ERROR chakong: no such command 'frobnicate'"));

	chakong(f, "--log-format", "json", "frobnicate", NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_int_equal(strncmp(f->run.errout, "{\"time\":\"", 9), 0);
	assert_non_null(strstr(f->run.errout, "Z\",\"level\":\"error\",\"command\":\"chakong\","
	                                      "\"msg\":\"no such command 'frobnicate' (see "
	                                      "'chakong --help')\"}\n"));

	/* After the command, as --db and --now. */
	chakong(f, f->db_opt, "cases", "--log-format=json", NULL, NULL, NULL);
	assert_int_equal(f->run.status, 0);
	assert_non_null(strstr(f->run.errout, "\"level\":\"info\",\"command\":\"cases\","
	                                      "\"msg\":\"no cases\"}"));
	chakong(f, f->db_opt, "--log-level=warn", "cases", NULL, NULL, NULL);
	assert_int_equal(f->run.status, 0);
	assert_string_equal(f->run.errout, "");
	chakong(f, f->db_opt, "cases", "--log-level", "warn", NULL, NULL);
	assert_int_equal(f->run.status, 0);
	assert_string_equal(f->run.errout, "");

	chakong(f, "--log-format=xml", "cases", NULL, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "--log-format xml: must be text or json"));
	chakong(f, f->db_opt, "cases", "--log-level", "loud", NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "must be error, warn, info or debug"));
	chakong(f, "--log-level", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	chakong(f, f->db_opt, "cases", "--log-level", NULL, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "'--log-level' needs a value"));
}

static void
import_spec_csv_twice(void **state)
{
	struct fixture *f = *state;
	char *csv = ck_test_path(CK_SPEC_EXAMPLES, "filing.csv");
	chakong(f, f->db_opt, "import", csv, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 1);
	assert_non_null(strstr(f->run.errout, "filing.csv:4: amount_owed"));
	assert_non_null(strstr(f->run.out, "1 created, 0 updated, 0 unchanged, 1 rejected"));
	struct stat sb;
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	chakong(f, f->db_opt, "import", csv, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 1);
	assert_non_null(strstr(f->run.out, "0 created, 0 updated, 1 unchanged, 1 rejected"));

	chakong(f, f->db_opt, "cases", NULL, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 0);
	assert_non_null(strstr(f->run.out, "(2024)苏1283执1234号"));
	assert_null(strstr(f->run.out, "(2023)"));
	assert_non_null(strstr(f->run.out, "152000.00"));

	/* Debtors are masked unless revealed. */
	chakong(f, f->db_opt, "cases", "--debtors", NULL, NULL, NULL);
	assert_non_null(strstr(f->run.out, "320102********1238"));
	assert_null(strstr(f->run.out, "320102198001011238"));
	chakong(f, f->db_opt, "cases", "--debtors", "--reveal", NULL, NULL);
	assert_non_null(strstr(f->run.out, "320102198001011238"));
	free(csv);
}

static void
import_gb18030_and_xml(void **state)
{
	struct fixture *f = *state;
	/* The spec's CSV converted to GB18030, as iconv would. */
	char *csv = ck_test_path(CK_SPEC_EXAMPLES, "filing.csv");
	char *utf8 = ck_test_read_file(csv, NULL);
	iconv_t cd = iconv_open("GB18030", "UTF-8");
	size_t in_left = strlen(utf8), cap = in_left * 2, out_left = cap;
	char *gb = malloc(cap), *dst = gb, *src = utf8;
	assert_int_not_equal(iconv(cd, &src, &in_left, &dst, &out_left), (size_t)-1);
	iconv_close(cd);
	char *gb_path = ck_test_path(f->dir, "filing-gb.csv");
	ck_test_write_file(gb_path, gb, cap - out_left);

	chakong(f, f->db_opt, "import", gb_path, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 1);
	assert_non_null(strstr(f->run.out, "1 created"));
	assert_non_null(strstr(f->run.errout, "filing-gb.csv:4: amount_owed"));

	char *xml = ck_test_path(CK_SPEC_EXAMPLES, "filing.xml");
	chakong(f, f->db_opt, "import", xml, NULL, NULL, NULL);
	assert_int_equal(f->run.status, 0);
	assert_non_null(strstr(f->run.out, "1 created, 0 updated, 1 unchanged, 0 rejected"));

	chakong(f, f->db_opt, "cases", "--status", "terminated", NULL, NULL);
	assert_int_equal(f->run.status, 0);
	assert_non_null(strstr(f->run.out, "(2023)苏1283执988号"));
	assert_null(strstr(f->run.out, "(2024)"));
	free(xml);
	free(gb_path);
	free(gb);
	free(utf8);
	free(csv);
}

/* No inquiry without a case: a debtor of no filed, open case is refused
 * before anything is sent, configuration or not. */
static void
lookup_refuses_a_debtor_of_no_case(void **state)
{
	struct fixture *f = *state;
	char *csv = ck_test_path(CK_SPEC_EXAMPLES, "filing.csv");
	chakong(f, f->db_opt, "import", csv, NULL, NULL, NULL);
	free(csv);
	chakong(f, f->db_opt, "lookup", "--case", "(2024)苏1283执1234号", "--debtor",
	        "11010519491231002X");
	assert_int_equal(f->run.status, 1);
	assert_non_null(strstr(f->run.errout, "refused"));
	assert_non_null(strstr(f->run.errout, "110105********002X")); /* masked */
	assert_null(strstr(f->run.errout, "11010519491231002X"));
	chakong(f, f->db_opt, "lookup", "--case", "(2020)苏1283执1号", "--debtor",
	        "320102198001011238");
	assert_int_equal(f->run.status, 1);
	chakong(f, f->db_opt, "lookup", "--case", "(2024)苏1283执1234号", "--debtor", "12345");
	assert_int_equal(f->run.status, 2);
	chakong(f, f->db_opt, "lookup", "--case", "(2024)苏1283执1234号", NULL, NULL);
	assert_int_equal(f->run.status, 2);
	/* A debtor of the case gets as far as the configuration (none here). */
	chakong(f, f->db_opt, "lookup", "--case", "(2024)苏1283执1234号", "--debtor",
	        "320102198001011238");
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "chakong.xml"));
}

static void
institutions_lists_the_configuration(void **state)
{
	struct fixture *f = *state;
	const char config[] =
	    "<Config xmlns=\"urn:chakong:config:1\">"
	    "<Institution id=\"icbc\" kind=\"bank\"><Name>中国工商银行</Name>"
	    "<BaseUrl>http://127.0.0.1:9/icbc</BaseUrl></Institution>"
	    "<Institution id=\"si\" kind=\"socialsec\" enabled=\"false\">"
	    "<Name>社保</Name><BaseUrl>http://127.0.0.1:9/si</BaseUrl></Institution>"
	    "</Config>";
	char *path = ck_test_path(f->dir, "chakong.xml");
	ck_test_write_file(path, config, sizeof config - 1);
	chakong(f, f->db_opt, "institutions", NULL, NULL, NULL, NULL); /* ./chakong.xml */
	assert_int_equal(f->run.status, 0);
	assert_non_null(strstr(f->run.out, "icbc"));
	assert_non_null(strstr(f->run.out, "enabled"));
	assert_non_null(strstr(f->run.out, "disabled"));
	assert_non_null(strstr(f->run.out, "中国工商银行"));
	ck_test_write_file(path, "<Config/>", 9);
	chakong(f, f->db_opt, "institutions", "--config", path, NULL, NULL);
	assert_int_equal(f->run.status, 2);
	assert_non_null(strstr(f->run.errout, "chakong.xml"));
	free(path);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(help_and_version),
	    T(help_matches_man_page),
	    T(usage_errors_exit_2),
	    T(log_options),
	    T(import_spec_csv_twice),
	    T(import_gb18030_and_xml),
	    T(institutions_lists_the_configuration),
	    T(lookup_refuses_a_debtor_of_no_case),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
