/* SPDX-License-Identifier: MIT */
/*
 * test_textenc.c: the offset of the first byte that is not well-formed
 * UTF-8 is exact wherever it falls, inside or after runs of ASCII of any
 * length (the check skips ASCII eight bytes at a time), after multi-byte
 * sequences, and for sequences cut short at the end.
 */
#include "testutil.h"
#include "textenc.h"

#include <string.h>

/* The offset, one sequence at a time. */
static size_t
reference_invalid_at(const unsigned char *p, size_t len)
{
	uint32_t cp;
	size_t i = 0, n;
	while (i < len && (n = ck_utf8_seq(p + i, len - i, &cp)) > 0)
		i += n;
	return i;
}

static void
invalid_byte_at_every_offset(void **state)
{
	(void)state;
	static const char *const bad[] = {"\xff",     "\xc0\xaf", "\xed\xa0\x80",
	                                  "\xe4\xb8", "\x80",     "\xf4\x90\x80\x80"};
	static const char *const fill[] = {"a", "中", "<b:Nm>", "é"};
	for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
		for (size_t f = 0; f < sizeof fill / sizeof fill[0]; f++)
			for (size_t at = 0; at < 40; at++) {
				unsigned char text[128];
				size_t len = 0;
				while (len < at) {
					size_t n = strlen(fill[f]);
					if (len + n > at)
						break;
					memcpy(text + len, fill[f], n);
					len += n;
				}
				while (len < at)
					text[len++] = 'x';
				size_t bad_len = strlen(bad[b]);
				memcpy(text + len, bad[b], bad_len);
				/* Cut short at the end, then followed by ASCII. */
				assert_int_equal(ck_utf8_invalid_at(text, len + bad_len), at);
				memset(text + len + bad_len, 'z', 20);
				assert_int_equal(ck_utf8_invalid_at(text, len + bad_len + 20), at);
				assert_int_equal(reference_invalid_at(text, len + bad_len + 20),
				                 at);
			}
}

static void
valid_text_of_every_length(void **state)
{
	(void)state;
	static const char text[] = "<?xml version=\"1.0\"?><b:Nm>中国工商银行</b:Nm> plain ascii "
	                           "text of some length, then 😀 and é at the end";
	size_t len = sizeof text - 1;
	for (size_t start = 0; start < 16; start++)
		for (size_t n = 0; start + n <= len; n++) {
			const unsigned char *p = (const unsigned char *)text + start;
			assert_int_equal(ck_utf8_invalid_at(p, n), reference_invalid_at(p, n));
		}
	assert_int_equal(ck_utf8_invalid_at((const unsigned char *)text, len), len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(invalid_byte_at_every_offset),
	    cmocka_unit_test(valid_text_of_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
