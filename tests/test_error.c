/* SPDX-License-Identifier: MIT */
/* test_error.c: result codes have names and error buffers keep the first message. */
#include "testutil.h"
#include "chakong/error.h"

#include <string.h>

static void
every_code_has_a_name(void **state)
{
	(void)state;
	for (int code = CK_OK; code > CK_E_LAST_; code--)
		assert_string_not_equal(ck_strerror(code), "unknown error");
	assert_string_equal(ck_strerror(CK_E_LAST_), "unknown error");
}

static void
first_message_wins_and_has_no_newline(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_fail(err, CK_E_INVALID, "line %d\nbad", 4), CK_E_INVALID);
	assert_string_equal(err, "line 4 bad");
	ck_fail(err, CK_E_IO, "second");
	assert_string_equal(err, "line 4 bad");
	assert_int_equal(ck_fail(NULL, CK_E_IO, "ignored"), CK_E_IO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_code_has_a_name),
	    cmocka_unit_test(first_message_wins_and_has_no_newline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
