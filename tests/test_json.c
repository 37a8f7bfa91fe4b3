/* SPDX-License-Identifier: MIT */
/* test_json.c: the JSON writer: nesting and commas, escaping, dates, and
 * refusing to hand out unfinished or misnested text. */
#include "testutil.h"
#include "chakong/adapter.h"
#include "chakong/json.h"

#include <string.h>

static void
nested_values_get_commas_right(void **state)
{
	(void)state;
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "name", "张三");
	ck_json_kv_int(&j, "amount", -1234);
	ck_json_key(&j, "list");
	ck_json_array_begin(&j);
	ck_json_int(&j, 1);
	ck_json_bool(&j, 0);
	ck_json_null(&j);
	ck_json_object_begin(&j);
	ck_json_object_end(&j);
	ck_json_array_end(&j);
	ck_json_kv_date(&j, "on", 19663);
	ck_json_kv_date(&j, "never", CK_NO_DATE);
	ck_json_kv_string(&j, "none", NULL);
	ck_json_object_end(&j);
	char *text = ck_json_detach(&j);
	assert_string_equal(text, "{\"name\":\"张三\",\"amount\":-1234,\"list\":[1,false,null,{}],"
	                          "\"on\":\"2023-11-02\",\"never\":null,\"none\":null}");
	free(text);
}

static void
strings_are_escaped(void **state)
{
	(void)state;
	struct ck_json j;
	ck_json_init(&j);
	ck_json_string(&j, "a\"b\\c\n\t\x01");
	char *text = ck_json_detach(&j);
	assert_string_equal(text, "\"a\\\"b\\\\c\\n\\t\\u0001\"");
	free(text);
}

static void
unfinished_or_misnested_is_refused(void **state)
{
	(void)state;
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	assert_null(ck_json_detach(&j)); /* not closed */
	ck_json_array_end(&j);           /* nothing open */
	assert_true(j.failed);
	assert_null(ck_json_detach(&j));
	ck_json_object_begin(&j);
	ck_json_key(&j, "k");
	ck_json_object_end(&j); /* a key without a value */
	assert_null(ck_json_detach(&j));
	for (int i = 0; i <= CK_JSON_MAX_DEPTH; i++)
		ck_json_array_begin(&j);
	assert_true(j.failed);
	ck_json_release(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nested_values_get_commas_right),
	    cmocka_unit_test(strings_are_escaped),
	    cmocka_unit_test(unfinished_or_misnested_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
