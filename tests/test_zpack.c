/* SPDX-License-Identifier: MIT */
/*
 * test_zpack.c: what ck_zpack() writes is a zlib stream that zlib's own
 * uncompress() reads back byte for byte: every byte value as a literal,
 * every match length from 4 to 258, distances from 1 to 32768 (never
 * further: inflate would refuse it), empty and one-byte input, incompressible input within the
 * bound, the recorded answers of testdata/answers; output too small is
 * refused; the same input gives the same bytes.
 */
#include "testutil.h"
#include "zpack.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A deterministic stream of bytes for the tests' inputs. */
static uint32_t
next_random(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* Compresses in, checks the stream's frame, inflates it with zlib and
 * compares; returns the compressed length. */
static size_t
round_trip(const unsigned char *in, size_t len)
{
	size_t cap = ck_zpack_bound(len);
	unsigned char *packed = malloc(cap);
	unsigned char *back = malloc(len + 1);
	assert_non_null(packed);
	assert_non_null(back);
	size_t n = ck_zpack(in, len, packed, cap);
	assert_true(n > 0 && n <= cap);
	assert_int_equal(packed[0], 0x78);
	assert_int_equal((packed[0] * 256 + packed[1]) % 31, 0);
	uLongf back_len = (uLongf)len + 1;
	assert_int_equal(uncompress(back, &back_len, packed, (uLong)n), Z_OK);
	assert_int_equal(back_len, len);
	assert_memory_equal(back, in, len);
	free(back);
	free(packed);
	return n;
}

static void
empty_and_tiny_inputs(void **state)
{
	(void)state;
	round_trip((const unsigned char *)"", 0);
	round_trip((const unsigned char *)"x", 1);
	round_trip((const unsigned char *)"abc", 3);
	round_trip((const unsigned char *)"abcd", 4);
	round_trip((const unsigned char *)"aaaaaaaa", 8);
}

static void
every_byte_value_as_a_literal(void **state)
{
	(void)state;
	unsigned char in[512];
	for (int i = 0; i < 256; i++) {
		in[i] = (unsigned char)i;
		in[511 - i] = (unsigned char)i;
	}
	round_trip(in, sizeof in);
}

/* A block of random bytes, then zeros up to `dist`, then the block's first
 * `len` bytes and a byte that cannot continue the match: the zeros hash
 * alike, so the block's positions stay in the table and the copy is one
 * match of exactly len bytes at exactly dist. */
static size_t
far_copy(size_t len, size_t dist, uint32_t *seed)
{
	size_t block = 300;
	size_t total = dist + len + 1;
	unsigned char *in = calloc(total, 1);
	assert_non_null(in);
	for (size_t i = 0; i < block; i++)
		in[i] = (unsigned char)(1 + next_random(seed) % 255);
	memcpy(in + dist, in, len);
	in[dist + len] = (unsigned char)(in[len] ^ 0xff);
	size_t n = round_trip(in, total);
	free(in);
	return n;
}

static void
every_length_and_distance_code(void **state)
{
	(void)state;
	uint32_t seed = 7;
	for (size_t len = 4; len <= 258; len++)
		far_copy(len, 1000, &seed);
	/* The first and last distance of each distance code from 5 up, and
	 * the window's end. */
	for (size_t base = 4; base <= 16384; base *= 2) {
		size_t dists[] = {base + 1, base + base / 2, base + base / 2 + 1, 2 * base};
		for (size_t i = 0; i < 4; i++)
			if (dists[i] >= 301)
				far_copy(258, dists[i], &seed);
	}
	/* zlib's inflate refuses a distance past the window, so these round
	 * trips also show that none is written. */
	far_copy(258, 32768, &seed);
	far_copy(258, 32769, &seed);
	far_copy(258, 40000, &seed);
	/* Short distances (codes 0 to 8) and long runs: a random pattern of
	 * each period, repeated. */
	for (size_t period = 1; period <= 300; period++) {
		unsigned char in[1800];
		for (size_t i = 0; i < period; i++)
			in[i] = (unsigned char)next_random(&seed);
		for (size_t i = period; i < sizeof in; i++)
			in[i] = in[i - period];
		assert_true(round_trip(in, sizeof in) < sizeof in / 2);
	}
}

static void
incompressible_input_stays_within_the_bound(void **state)
{
	(void)state;
	uint32_t seed = 1;
	size_t len = 200000;
	unsigned char *in = malloc(len);
	assert_non_null(in);
	for (size_t i = 0; i < len; i++)
		in[i] = (unsigned char)next_random(&seed);
	round_trip(in, len);
	/* All bytes from 144 up take 9 bits: the worst case of the bound. */
	for (size_t i = 0; i < len; i++)
		in[i] = (unsigned char)(144 + next_random(&seed) % 112);
	round_trip(in, len);
	free(in);
}

static void
large_repetitive_input(void **state)
{
	(void)state;
	size_t len = (size_t)8 << 20;
	unsigned char *in = malloc(len);
	assert_non_null(in);
	const char *row = "<b:Acct><b:Id>6222021275310316232</b:Id><b:Nm>中国工商银行</b:Nm>\n";
	size_t row_len = strlen(row);
	uint32_t seed = 3;
	for (size_t i = 0; i < len; i++)
		in[i] = (i % 997 == 0) ? (unsigned char)next_random(&seed)
		                       : (unsigned char)row[i % row_len];
	assert_true(round_trip(in, len) < len / 10);
	free(in);
}

static void
recorded_answers(void **state)
{
	(void)state;
	static const char *const kinds[] = {"bank", "realestate", "vehicle", "socialsec",
	                                    "ecommerce"};
	int seen = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		char dir[512];
		snprintf(dir, sizeof dir, "%s/answers/%s", CK_TESTDATA_DIR, kinds[k]);
		DIR *d = opendir(dir);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char path[1024];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			FILE *f = fopen(path, "rb");
			if (f == NULL)
				continue;
			static unsigned char in[1 << 20];
			size_t len = fread(in, 1, sizeof in, f);
			fclose(f);
			round_trip(in, len);
			seen++;
		}
		closedir(d);
	}
	assert_true(seen >= 10);
}

static void
small_output_is_refused_and_output_is_deterministic(void **state)
{
	(void)state;
	const char *text = "<Document><Sts>NOT_FOUND</Sts><Sts>NOT_FOUND</Sts></Document>";
	size_t len = strlen(text);
	unsigned char a[256], b[256];
	assert_int_equal(ck_zpack(text, len, a, ck_zpack_bound(len) - 1), 0);
	/* A different earlier input leaves nothing behind. */
	size_t n = ck_zpack(text, len, a, sizeof a);
	unsigned char other[200];
	memset(other, 'N', sizeof other);
	assert_true(ck_zpack(other, sizeof other, b, sizeof b) > 0);
	assert_int_equal(ck_zpack(text, len, b, sizeof b), n);
	assert_memory_equal(a, b, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_and_tiny_inputs),
	    cmocka_unit_test(every_byte_value_as_a_literal),
	    cmocka_unit_test(every_length_and_distance_code),
	    cmocka_unit_test(incompressible_input_stays_within_the_bound),
	    cmocka_unit_test(large_repetitive_input),
	    cmocka_unit_test(recorded_answers),
	    cmocka_unit_test(small_output_is_refused_and_output_is_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
