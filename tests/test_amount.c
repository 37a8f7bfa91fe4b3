/* SPDX-License-Identifier: MIT */
/*
 * test_amount.c: amounts parse to exact hundredths or are refused with a
 * message naming the text and the reason; formatting round-trips over the
 * whole int64_t range; currency codes are checked against ISO 4217.
 */
#include "testutil.h"
#include "chakong/amount.h"
#include "chakong/error.h"

#include <string.h>

struct good {
	const char *text;
	int64_t minor;
};

static void
accepts_the_grammar(void **state)
{
	(void)state;
	static const struct good cases[] = {
	    {"0", 0},
	    {"12.5", 1250},
	    {"-3.07", -307},
	    {"1234567890123.45", 123456789012345},
	    {"152000.00", 15200000},
	    {"800.5", 80050},
	    {"007.5", 750},
	    {"000", 0},
	    {"-0", 0},
	    {"-0.00", 0},
	    {"-0.1", -10},
	    {"0.01", 1},
	    {"0.1", 10},
	    {"100", 10000},
	    {"-1", -100},
	    {" 12.30\t\r\n", 1230},
	    {"\n\t -5 ", -500},
	    {"000000000000000000000000000000001.00", 100},
	    {"92233720368547758.07", INT64_MAX},
	    {"-92233720368547758.08", INT64_MIN},
	    {"-92233720368547758.07", -INT64_MAX},
	    {"92233720368547758", 9223372036854775800},
	    {"-92233720368547758", -9223372036854775800},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[CK_ERR_SIZE] = "";
		int64_t v = 12345;
		int rc = ck_amount_parse(cases[i].text, &v, err);
		if (rc != CK_OK)
			fail_msg("%s: %d %s", cases[i].text, rc, err);
		assert_int_equal(v, cases[i].minor);
		assert_string_equal(err, "");
	}
}

struct bad {
	const char *text;
	int code;
	const char *quoted; /* how the text appears in the message */
	const char *reason;
};

static void
refuses_with_the_reason(void **state)
{
	(void)state;
	static const struct bad cases[] = {
	    {"48,000.00", CK_E_INVALID, "\"48,000.00\"", "thousands separators are not allowed"},
	    {"1,000", CK_E_INVALID, "\"1,000\"", "thousands separators"},
	    {"1,234,567", CK_E_INVALID, "\"1,234,567\"", "thousands separators"},
	    {"12,5", CK_E_INVALID, "\"12,5\"", "decimal separator is '.'"},
	    {"1e5", CK_E_INVALID, "\"1e5\"", "exponents are not allowed"},
	    {"1E-2", CK_E_INVALID, "\"1E-2\"", "exponents are not allowed"},
	    {"1.5e+3", CK_E_INVALID, "\"1.5e+3\"", "exponents are not allowed"},
	    {"1.234e5", CK_E_INVALID, "\"1.234e5\"", "exponents are not allowed"},
	    {"+5", CK_E_INVALID, "\"+5\"", "'+' signs are not allowed"},
	    {"1.234", CK_E_INVALID, "\"1.234\"", "has more than two decimal places"},
	    {"0.001", CK_E_INVALID, "\"0.001\"", "has more than two decimal places"},
	    {".5", CK_E_INVALID, "\".5\"", "needs a digit before the '.'"},
	    {"-.5", CK_E_INVALID, "\"-.5\"", "needs a digit before the '.'"},
	    {"5.", CK_E_INVALID, "\"5.\"", "needs a digit after the '.'"},
	    {"--1", CK_E_INVALID, "\"--1\"", "'-' is allowed only once, at the start"},
	    {"1-", CK_E_INVALID, "\"1-\"", "'-' is allowed only once, at the start"},
	    {"-", CK_E_INVALID, "\"-\"", "has no digits"},
	    {"1 000", CK_E_INVALID, "\"1 000\"", "embedded blanks are not allowed"},
	    {"1\t000", CK_E_INVALID, "\"1\\t000\"", "embedded blanks are not allowed"},
	    {"- 5", CK_E_INVALID, "\"- 5\"", "embedded blanks are not allowed"},
	    {"1.2.3", CK_E_INVALID, "\"1.2.3\"", "more than one '.'"},
	    {"\xef\xbc\x91\xef\xbc\x92", CK_E_INVALID, "\"\xef\xbc\x91\xef\xbc\x92\"",
	     "full-width digits are not allowed"},
	    {"12\xef\xbc\x8e"
	     "5",
	     CK_E_INVALID,
	     "\"12\xef\xbc\x8e"
	     "5\"",
	     "full-width characters are not allowed"},
	    {"\xd9\xa1", CK_E_INVALID, "\"\xd9\xa1\"", "non-ASCII characters are not allowed"},
	    {"12\xff", CK_E_INVALID, "\"12\\xff\"", "non-ASCII characters are not allowed"},
	    {"abc", CK_E_INVALID, "\"abc\"", "only digits"},
	    {"NaN", CK_E_INVALID, "\"NaN\"", "only digits"},
	    {"inf", CK_E_INVALID, "\"inf\"", "only digits"},
	    {"0x10", CK_E_INVALID, "\"0x10\"", "only digits"},
	    {"12\"", CK_E_INVALID, "\"12\\\"\"", "only digits"},
	    {"92233720368547758.08", CK_E_RANGE, "\"92233720368547758.08\"", "out of range"},
	    {"-92233720368547758.09", CK_E_RANGE, "\"-92233720368547758.09\"", "out of range"},
	    {"92233720368547759", CK_E_RANGE, "\"92233720368547759\"", "out of range"},
	    {"100000000000000000", CK_E_RANGE, "\"100000000000000000\"", "out of range"},
	    {"184467440737095516.16", CK_E_RANGE, "\"184467440737095516.16\"", "out of range"},
	    {"99999999999999999999999999999", CK_E_RANGE, "\"99999999999999999999999999999\"",
	     "out of range"},
	    /* A malformed number is reported for its form, never as too large. */
	    {"99999999999999999999999e5", CK_E_INVALID, "\"99999999999999999999999e5\"",
	     "exponents"},
	    {"99999999999999999999,999", CK_E_INVALID, "\"99999999999999999999,999\"",
	     "thousands separators"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[CK_ERR_SIZE] = "";
		int64_t v = 777;
		int rc = ck_amount_parse(cases[i].text, &v, err);
		if (rc != cases[i].code)
			fail_msg("%s: got %d, want %d (%s)", cases[i].text, rc, cases[i].code, err);
		assert_int_equal(v, 777); /* untouched on failure */
		if (strstr(err, cases[i].quoted) == NULL || strstr(err, cases[i].reason) == NULL)
			fail_msg("%s: message \"%s\" lacks %s or \"%s\"", cases[i].text, err,
			         cases[i].quoted, cases[i].reason);
		assert_null(strchr(err, '\n'));
		assert_true(err[strlen(err) - 1] != '.');
	}
}

static void
the_filing_example_reads_clearly(void **state)
{
	(void)state;
	char err[CK_ERR_SIZE] = "";
	int64_t v;
	assert_int_equal(ck_amount_parse("48,000.00", &v, err), CK_E_INVALID);
	assert_string_equal(err, "\"48,000.00\": thousands separators are not allowed");
}

static void
empty_text_is_refused(void **state)
{
	(void)state;
	const char *empties[] = {"", " ", "\t\r\n ", NULL};
	for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
		char err[CK_ERR_SIZE] = "";
		int64_t v = 5;
		assert_int_equal(ck_amount_parse(empties[i], &v, err), CK_E_INVALID);
		assert_int_equal(v, 5);
		assert_non_null(strstr(err, "is empty"));
	}
	/* NULL err and NULL output are allowed. */
	assert_int_equal(ck_amount_parse("", NULL, NULL), CK_E_INVALID);
	assert_int_equal(ck_amount_parse("1.5", NULL, NULL), CK_OK);
}

static void
long_or_hostile_text_is_quoted_safely(void **state)
{
	(void)state;
	char text[600], err[CK_ERR_SIZE] = "";
	memset(text, '7', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	text[1] = ',';
	int64_t v;
	assert_int_equal(ck_amount_parse(text, &v, err), CK_E_INVALID);
	assert_non_null(strstr(err, "...\": "));
	assert_non_null(strstr(err, "',' is not allowed"));
	assert_true(strlen(err) < CK_ERR_SIZE - 1);

	/* A terminal escape and a cut UTF-8 sequence come out escaped. */
	err[0] = '\0';
	assert_int_equal(ck_amount_parse("1\x1b[31m\xe4\xb8", &v, err), CK_E_INVALID);
	assert_non_null(strstr(err, "\"1\\x1b[31m\\xe4\\xb8\""));
	for (const char *p = err; *p; p++)
		assert_true((unsigned char)*p >= 0x20);
}

struct shown {
	int64_t minor;
	const char *text;
};

static void
formats_two_fraction_digits(void **state)
{
	(void)state;
	static const struct shown cases[] = {
	    {0, "0.00"},
	    {1, "0.01"},
	    {-1, "-0.01"},
	    {10, "0.10"},
	    {-10, "-0.10"},
	    {100, "1.00"},
	    {-100, "-1.00"},
	    {1250, "12.50"},
	    {-307, "-3.07"},
	    {123456789012345, "1234567890123.45"},
	    {INT64_MAX, "92233720368547758.07"},
	    {INT64_MIN, "-92233720368547758.08"},
	    {INT64_MIN + 1, "-92233720368547758.07"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[CK_AMOUNT_BUF];
		int n = ck_amount_format(cases[i].minor, out, sizeof out);
		assert_int_equal(n, (int)strlen(cases[i].text));
		assert_string_equal(out, cases[i].text);
	}
}

static void
format_refuses_small_buffers(void **state)
{
	(void)state;
	char out[CK_AMOUNT_BUF];
	/* "-3.07" needs 6 bytes with its NUL. */
	memset(out, 'x', sizeof out);
	assert_int_equal(ck_amount_format(-307, out, 5), CK_E_RANGE);
	assert_string_equal(out, "");
	assert_int_equal(ck_amount_format(-307, out, 6), 5);
	assert_string_equal(out, "-3.07");
	memset(out, 'x', sizeof out);
	assert_int_equal(ck_amount_format(INT64_MIN, out, 21), CK_E_RANGE);
	assert_string_equal(out, "");
	assert_int_equal(ck_amount_format(INT64_MIN, out, 22), 21);
	out[0] = 'x';
	assert_int_equal(ck_amount_format(5, out, 0), CK_E_RANGE);
	assert_int_equal(out[0], 'x'); /* no room even for "" */
	assert_int_equal(ck_amount_format(5, NULL, 0), CK_E_RANGE);
}

/* format(parse(x)) gives x back for text already in canonical form. */
static void
canonical_text_round_trips(void **state)
{
	(void)state;
	static const char *texts[] = {
	    "0.00",
	    "0.01",
	    "-0.01",
	    "1.00",
	    "-1.00",
	    "12.50",
	    "152000.00",
	    "1234567890123.45",
	    "-1234567890123.45",
	    "92233720368547758.07",
	    "-92233720368547758.08",
	    "92233720368547758.00",
	    "-92233720368547757.99",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		int64_t v;
		char out[CK_AMOUNT_BUF];
		assert_int_equal(ck_amount_parse(texts[i], &v, NULL), CK_OK);
		assert_true(ck_amount_format(v, out, sizeof out) > 0);
		assert_string_equal(out, texts[i]);
	}
}

static void
check_value_round_trip(int64_t v)
{
	char out[CK_AMOUNT_BUF], err[CK_ERR_SIZE] = "";
	int64_t back = ~v; /* anything but v */
	assert_true(ck_amount_format(v, out, sizeof out) > 0);
	if (ck_amount_parse(out, &back, err) != CK_OK)
		fail_msg("%s: %s", out, err);
	assert_int_equal(back, v);
}

/* parse(format(v)) gives v back, densely around zero and the limits and
 * at pseudo-random points all over the range. */
static void
values_round_trip(void **state)
{
	(void)state;
	for (int64_t v = -100000; v <= 100000; v++)
		check_value_round_trip(v);
	for (int64_t d = 0; d < 1000; d++) {
		check_value_round_trip(INT64_MAX - d);
		check_value_round_trip(INT64_MIN + d);
	}
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < 200000; i++) {
		/* xorshift64: deterministic, covers every magnitude. */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t v;
		memcpy(&v, &x, sizeof v);
		check_value_round_trip(v >> (i % 60));
	}
}

static void
currency_codes(void **state)
{
	(void)state;
	static const char *good[] = {"CNY", "USD", "EUR", "HKD", "JPY", "GBP", "MOP", "TWD",
	                             "AED", "ZWG", "ZMW", "XAU", "XCG", "SLE", "VED", "CHE"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char out[CK_CURRENCY_BUF] = "", err[CK_ERR_SIZE] = "";
		if (ck_currency_check(good[i], out, err) != CK_OK)
			fail_msg("%s: %s", good[i], err);
		assert_string_equal(out, good[i]);
	}

	char out[CK_CURRENCY_BUF] = "xx";
	assert_int_equal(ck_currency_check(NULL, out, NULL), CK_OK);
	assert_string_equal(out, "CNY");
	assert_int_equal(ck_currency_check("", out, NULL), CK_OK);
	assert_string_equal(out, "CNY");
	assert_int_equal(ck_currency_check(" \t\n", out, NULL), CK_OK);
	assert_string_equal(out, "CNY");
	assert_int_equal(ck_currency_check("  USD\r\n", out, NULL), CK_OK);
	assert_string_equal(out, "USD");
	assert_int_equal(ck_currency_check("EUR", NULL, NULL), CK_OK);
}

/* The whole set of codes accepted: ISO 4217 Table A.1 as amended through
 * 2025, less XTS and XXX.  Every three-letter combination is tried, so a
 * missing, extra or mis-sorted entry in the library's table shows up. */
static void
currency_set_is_exactly_iso_4217(void **state)
{
	(void)state;
	static const char active[] =
	    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL "
	    "BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK "
	    "DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL "
	    "HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT "
	    "LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR "
	    "MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF "
	    "SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP "
	    "TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU "
	    "XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG";
	int accepted = 0;
	char code[4] = "AAA";
	for (code[0] = 'A'; code[0] <= 'Z'; code[0]++)
		for (code[1] = 'A'; code[1] <= 'Z'; code[1]++)
			for (code[2] = 'A'; code[2] <= 'Z'; code[2]++) {
				const char *at = strstr(active, code);
				int listed = at != NULL && (at - active) % 4 == 0;
				int rc = ck_currency_check(code, NULL, NULL);
				if (rc != (listed ? CK_OK : CK_E_INVALID))
					fail_msg("%s: got %d", code, rc);
				accepted += rc == CK_OK;
			}
	assert_int_equal(accepted, 177);
}

static void
currency_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
	    {"usd", "currency \"usd\" must be upper case"},
	    {"Usd", "currency \"Usd\" must be upper case"},
	    {"US", "currency \"US\" must be three ASCII letters (ISO 4217)"},
	    {"USDX", "currency \"USDX\" must be three ASCII letters (ISO 4217)"},
	    {"US D", "currency \"US D\" must be three ASCII letters (ISO 4217)"},
	    {"U1D", "currency \"U1D\" must be three ASCII letters (ISO 4217)"},
	    {"\xef\xbc\xb5\xef\xbc\xb3\xef\xbc\xa4",
	     "currency \"\xef\xbc\xb5\xef\xbc\xb3\xef\xbc\xa4\" must be three ASCII letters"},
	    {"XYZ", "currency \"XYZ\" is not an ISO 4217 code in use"},
	    {"AAA", "currency \"AAA\" is not an ISO 4217 code in use"},
	    {"ZZZ", "currency \"ZZZ\" is not an ISO 4217 code in use"},
	    {"RMB", "currency \"RMB\" is not an ISO 4217 code in use"},
	    {"HRK", "currency \"HRK\" is not an ISO 4217 code in use"},
	    {"DEM", "currency \"DEM\" is not an ISO 4217 code in use"},
	    {"XTS", "currency \"XTS\" is not an ISO 4217 code in use"},
	    {"XXX", "currency \"XXX\" is not an ISO 4217 code in use"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[CK_CURRENCY_BUF] = "abc", err[CK_ERR_SIZE] = "";
		assert_int_equal(ck_currency_check(cases[i].text, out, err), CK_E_INVALID);
		assert_string_equal(out, "");
		if (strstr(err, cases[i].message) == NULL)
			fail_msg("%s: message \"%s\", want \"%s\"", cases[i].text, err,
			         cases[i].message);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accepts_the_grammar),
	    cmocka_unit_test(refuses_with_the_reason),
	    cmocka_unit_test(the_filing_example_reads_clearly),
	    cmocka_unit_test(empty_text_is_refused),
	    cmocka_unit_test(long_or_hostile_text_is_quoted_safely),
	    cmocka_unit_test(formats_two_fraction_digits),
	    cmocka_unit_test(format_refuses_small_buffers),
	    cmocka_unit_test(canonical_text_round_trips),
	    cmocka_unit_test(values_round_trip),
	    cmocka_unit_test(currency_codes),
	    cmocka_unit_test(currency_set_is_exactly_iso_4217),
	    cmocka_unit_test(currency_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
