/* SPDX-License-Identifier: MIT */
/*
 * amount.c: decimal amount text to int64_t hundredths and back, and ISO 4217
 * currency codes.  Parsing checks the whole grammar before computing a value
 * so that a malformed number is reported for what is wrong with it (an
 * exponent, a thousands separator) rather than for being too large, and the
 * value is accumulated in unsigned arithmetic against the exact int64_t
 * limits, so no input can overflow.
 */
#include "chakong/amount.h"
#include "chakong/error.h"
#include "textutil.h"

#include <stdlib.h>
#include <string.h>

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True when s (n bytes left) starts a full-width form U+FF01..U+FF5E, which
 * Chinese input methods produce for digits, '.', ',' and '-'. */
static int
is_fullwidth(const unsigned char *s, size_t n)
{
	return n >= 3 && s[0] == 0xef &&
	       ((s[1] == 0xbc && s[2] >= 0x81 && s[2] <= 0xbf) ||
	        (s[1] == 0xbd && s[2] >= 0x80 && s[2] <= 0x9e));
}

/*
 * Says why the character at p (n bytes left, p inside an amount whose grammar
 * it breaks) is not allowed.  `after_digits` is true when digits precede it,
 * which is what makes an 'e' an exponent and a ',' a thousands separator.
 */
static const char *
why_not(const char *p, size_t n, int after_digits)
{
	const unsigned char *u = (const unsigned char *)p;
	switch (p[0]) {
	case 'e':
	case 'E':
		if (after_digits && n > 1 &&
		    (is_digit(p[1]) || ((p[1] == '+' || p[1] == '-') && n > 2 && is_digit(p[2]))))
			return "exponents are not allowed";
		break;
	case ',':
		/* "48,000.00" is what spreadsheets write; "12,5" is a decimal comma. */
		if (after_digits && n >= 4 && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) &&
		    (n == 4 || p[4] == ',' || p[4] == '.'))
			return "thousands separators are not allowed";
		return "',' is not allowed (the decimal separator is '.')";
	case '+': return "'+' signs are not allowed";
	case '-': return "'-' is allowed only once, at the start";
	case '.': return "has more than one '.'";
	case ' ':
	case '\t':
	case '\r':
	case '\n': return "embedded blanks are not allowed";
	default: break;
	}
	if (is_fullwidth(u, n))
		return u[1] == 0xbc && u[2] >= 0x90 && u[2] <= 0x99
		           ? "full-width digits are not allowed (use ASCII 0-9)"
		           : "full-width characters are not allowed (use ASCII)";
	if (u[0] >= 0x80)
		return "non-ASCII characters are not allowed";
	return "only digits, one leading '-' and one '.' are allowed";
}

int
ck_amount_parse(const char *text, int64_t *minor, char *err)
{
	const char *s = text != NULL ? text : "";
	size_t len = strlen(s);
	ck_text_trim(&s, &len);
	if (len == 0)
		return ck_fail(err, CK_E_INVALID, "amount is empty");

	/* First pass: the grammar, with the first offending character named. */
	size_t i = 0;
	int neg = 0;
	if (s[i] == '-') {
		neg = 1;
		i++;
	}
	size_t int_start = i;
	while (i < len && is_digit(s[i]))
		i++;
	size_t int_end = i;
	if (int_end == int_start) {
		if (i == len)
			return ck_fail_quoted(err, CK_E_INVALID, s, len, "has no digits");
		if (s[i] == '.')
			return ck_fail_quoted(err, CK_E_INVALID, s, len,
			                      "needs a digit before the '.'");
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "%s", why_not(s + i, len - i, 0));
	}
	size_t frac_start = i, frac_end = i;
	if (i < len && s[i] == '.') {
		frac_start = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		frac_end = i;
	}
	/* What follows the digits is reported before the count of fraction
	 * digits: "1.234e5" is wrong for its exponent first. */
	if (i < len)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "%s", why_not(s + i, len - i, 1));
	if (frac_start > int_end && frac_end == frac_start)
		return ck_fail_quoted(err, CK_E_INVALID, s, len, "needs a digit after the '.'");
	if (frac_end - frac_start > 2)
		return ck_fail_quoted(err, CK_E_INVALID, s, len,
		                      "has more than two decimal places");

	/* Second pass: the value.  The magnitude may reach 2^63 for a negative
	 * amount (INT64_MIN) but only 2^63 - 1 for a positive one. */
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t units_limit = limit / 100, units = 0;
	for (size_t k = int_start; k < int_end; k++) {
		unsigned d = (unsigned)(s[k] - '0');
		if (units > (units_limit - d) / 10)
			goto range;
		units = units * 10 + d;
	}
	uint64_t cents = 0;
	for (size_t k = 0; k < 2; k++) {
		size_t at = frac_start + k;
		cents = cents * 10 + (at < frac_end ? (unsigned)(s[at] - '0') : 0);
	}
	if (cents > limit - units * 100)
		goto range;
	uint64_t mag = units * 100 + cents;
	if (minor != NULL) {
		if (!neg)
			*minor = (int64_t)mag;
		else if (mag == (uint64_t)INT64_MAX + 1)
			*minor = INT64_MIN;
		else
			*minor = -(int64_t)mag;
	}
	return CK_OK;
range:
	return ck_fail_quoted(err, CK_E_RANGE, s, len,
	                      "is out of range (-92233720368547758.08 to 92233720368547758.07)");
}

int
ck_amount_format(int64_t minor, char *out, size_t outsz)
{
	/* Negating in unsigned arithmetic is defined for INT64_MIN too. */
	uint64_t mag = minor < 0 ? 0 - (uint64_t)minor : (uint64_t)minor;
	char tmp[CK_AMOUNT_BUF];
	size_t n = sizeof tmp;
	tmp[--n] = (char)('0' + mag % 10);
	mag /= 10;
	tmp[--n] = (char)('0' + mag % 10);
	mag /= 10;
	tmp[--n] = '.';
	do {
		tmp[--n] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag > 0);
	if (minor < 0)
		tmp[--n] = '-';
	size_t len = sizeof tmp - n;
	if (out == NULL || outsz <= len) {
		if (out != NULL && outsz > 0)
			out[0] = '\0';
		return CK_E_RANGE;
	}
	memcpy(out, tmp + n, len);
	out[len] = '\0';
	return (int)len;
}

/*
 * ISO 4217 Table A.1 alphabetic codes in force, sorted for binary search:
 * national currencies, fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI,
 * UYW), precious metals, bond-market units and SDR-style units.  As amended
 * through 2025: XCG replaced ANG, ZWG replaced ZWL, SLE replaced SLL, and
 * HRK went with Croatia's adoption of the euro.  XTS (reserved for testing)
 * and XXX (no currency involved) are in Table A.1 but left out: an amount the
 * engine stores is always money in some real currency.
 */
static const char currencies[][CK_CURRENCY_BUF] = {
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE",
    "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
    "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK",
    "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD",
    "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV",
    "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD",
    "XPF", "XPT", "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG",
};

static int
cmp_code(const void *key, const void *elem)
{
	return memcmp(key, elem, 3);
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_letter(char c)
{
	return is_upper(c) || (c >= 'a' && c <= 'z');
}

int
ck_currency_check(const char *text, char out[CK_CURRENCY_BUF], char *err)
{
	char q[CK_QUOTE_BUF];
	const char *s = text != NULL ? text : "";
	size_t len = strlen(s);
	ck_text_trim(&s, &len);
	if (out != NULL)
		out[0] = '\0';
	if (len == 0) {
		s = "CNY"; /* common.md: CNY where none is given */
		len = 3;
	}
	if (len != 3 || !is_letter(s[0]) || !is_letter(s[1]) || !is_letter(s[2]))
		return ck_fail(err, CK_E_INVALID,
		               "currency %s must be three ASCII letters (ISO 4217)",
		               ck_text_quote(s, len, q));
	/* Lower case is refused rather than folded: the interfaces send codes
	 * in upper case, so anything else points at a broken sender. */
	if (!is_upper(s[0]) || !is_upper(s[1]) || !is_upper(s[2]))
		return ck_fail(err, CK_E_INVALID, "currency %s must be upper case",
		               ck_text_quote(s, len, q));
	if (bsearch(s, currencies, sizeof currencies / sizeof currencies[0], sizeof currencies[0],
	            cmp_code) == NULL)
		return ck_fail(err, CK_E_INVALID, "currency %s is not an ISO 4217 code in use",
		               ck_text_quote(s, len, q));
	if (out != NULL) {
		memcpy(out, s, 3);
		out[3] = '\0';
	}
	return CK_OK;
}
