/* SPDX-License-Identifier: MIT */
/*
 * test_buf.c: the growable buffer keeps its content NUL-terminated and
 * exact whether a formatted piece fits the room left or makes it grow;
 * XML escaping copies unescaped runs whole and escapes the five characters
 * anywhere in the text.
 */
#include "testutil.h"
#include "chakong/buf.h"

#include <string.h>

static void
printf_fits_and_grows(void **state)
{
	(void)state;
	struct ck_buf b = {0};
	ck_buf_printf(&b, "%s-%d", "a", 1); /* no room yet: measured, grown */
	assert_string_equal(b.data, "a-1");
	assert_int_equal(b.len, 3);
	/* Pieces that fit the room left, then one just past the end of the
	 * capacity, then one much longer than it. */
	char expect[4096] = "a-1";
	for (int i = 0; i < 40; i++) {
		ck_buf_printf(&b, "<%02d>", i);
		snprintf(expect + strlen(expect), sizeof expect - strlen(expect), "<%02d>", i);
	}
	assert_string_equal(b.data, expect);
	size_t room = b.cap - b.len;
	char exact[600];
	assert_true(room > 0 && room < sizeof exact);
	memset(exact, 'x', room);
	exact[room] = '\0';
	ck_buf_printf(&b, "%s", exact); /* room bytes: one more than fit with the NUL */
	size_t expect_len = strlen(expect);
	snprintf(expect + expect_len, sizeof expect - expect_len, "%s", exact);
	assert_string_equal(b.data, expect);
	assert_int_equal(b.len, strlen(expect));
	char long_piece[2000];
	memset(long_piece, 'y', sizeof long_piece - 1);
	long_piece[sizeof long_piece - 1] = '\0';
	ck_buf_printf(&b, "[%s]", long_piece);
	assert_int_equal(b.len, strlen(expect) + sizeof long_piece + 1);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.data[strlen(expect)], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_false(b.failed);
	ck_buf_release(&b);
}

static void
xml_escapes_in_runs(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", ""},
	    {"plain 中文 text", "plain 中文 text"},
	    {"<", "&lt;"},
	    {"a<b>c&d\"e'f", "a&lt;b&gt;c&amp;d&quot;e&apos;f"},
	    {"&&", "&amp;&amp;"},
	    {"end>", "end&gt;"},
	    {"'start", "&apos;start"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ck_buf b = {0};
		ck_buf_puts(&b, "|");
		ck_buf_xml(&b, cases[i].in);
		ck_buf_puts(&b, "|");
		char expect[128];
		snprintf(expect, sizeof expect, "|%s|", cases[i].out);
		assert_string_equal(b.data, expect);
		assert_int_equal(b.len, strlen(expect));
		ck_buf_release(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(printf_fits_and_grows),
	    cmocka_unit_test(xml_escapes_in_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
