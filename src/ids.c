/* SPDX-License-Identifier: MIT */
/*
 * ids.c: checks and normalises resident identity numbers, unified social
 * credit codes and case numbers, and masks identifiers for logs.  Every
 * function is pure and writes only into caller buffers.  UTF-8 is handled at
 * the byte level: case numbers are matched against the exact encodings of
 * the few CJK characters they use, and any text echoed in a message is
 * cleaned so that a message never carries control characters or broken
 * UTF-8 into a report or a log line.
 */
#include "chakong/ids.h"
#include "chakong/error.h"
#include "textenc.h"
#include "textutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* UTF-8 encodings of the non-ASCII characters a case number may contain. */
#define U_LPAREN "\xEF\xBC\x88" /* U+FF08 fullwidth left parenthesis */
#define U_RPAREN "\xEF\xBC\x89" /* U+FF09 fullwidth right parenthesis */
#define U_ZHI    "\xE6\x89\xA7" /* U+6267, the enforcement case type */
#define U_HAO    "\xE5\x8F\xB7" /* U+53F7, closes every case number */
#define U_IDSP   "\xE3\x80\x80" /* U+3000 ideographic space */
#define U_LEN    3              /* all of the above are 3 bytes long */

#define RESIDENT_CHECKS "10X98765432"
#define CREDIT_ALPHABET "0123456789ABCDEFGHJKLMNPQRTUWXY"

static const int resident_weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
static const int credit_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                       29, 25, 13, 8,  24, 10, 30, 28};

/* Case numbers are short; anything far longer is refused before it is
 * scanned piece by piece, and its echo in a message is cut. */
#define CASE_NO_MAX 512

/* Bytes of user input echoed in a message: enough for any real identifier
 * or case number, small enough to leave room for the reason in CK_ERR_SIZE. */
#define SHOW_MAX 64
#define SHOW_BUF (SHOW_MAX + 4) /* "..." and NUL */

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Bytes taken by the character at s[0..n): its UTF-8 length, or 1 for a
 * byte that does not start a well-formed sequence (counted on its own). */
static size_t
char_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t k = ck_utf8_seq(s, n, &cp);
	return k ? k : 1;
}

/* Number of characters in s[0..n), counted as char_len() steps. */
static size_t
char_count(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t count = 0;
	for (size_t i = 0; i < n; i += char_len(p + i, n - i))
		count++;
	return count;
}

/*
 * Copies s[0..n) into buf for echoing in a message.  Control characters and
 * bytes that are not well-formed UTF-8 become '?'; input longer than
 * SHOW_MAX bytes is cut at a character boundary and marked with "...".
 */
static void
show(const char *s, size_t n, char buf[SHOW_BUF])
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	while (i < n) {
		uint32_t cp = 0;
		size_t k = ck_utf8_seq(p + i, n - i, &cp);
		bool bad = k == 0 || cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
		size_t outlen = bad ? 1 : k;
		if (o + outlen > SHOW_MAX)
			break;
		if (bad)
			buf[o] = '?';
		else
			memcpy(buf + o, s + i, k);
		o += outlen;
		i += k ? k : 1;
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

static bool
starts_with(const char *s, size_t n, const char *prefix, size_t plen)
{
	return n >= plen && memcmp(s, prefix, plen) == 0;
}

/* Value of n ASCII digits (the caller has checked them; n <= 9). */
static int
digits_value(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Proleptic Gregorian calendar: dates of birth before 1582 do not occur,
 * and no age limit is applied (the domain says age is not checked). */
static bool
real_date(int year, int month, int day)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12 || day < 1)
		return false;
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	int last = mdays[month - 1] + (month == 2 && leap ? 1 : 0);
	return day <= last;
}

/* YYYYMMDD as 8 ASCII digits. */
static bool
real_date8(const char *ymd)
{
	return real_date(digits_value(ymd, 4), digits_value(ymd + 4, 2), digits_value(ymd + 6, 2));
}

char
ck_ids_resident_check_char(const char *first17)
{
	if (first17 == NULL)
		return '\0';
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		/* A NUL fails is_digit(), so a short string is never overread. */
		if (!is_digit((unsigned char)first17[i]))
			return '\0';
		sum += (first17[i] - '0') * resident_weights[i];
	}
	return RESIDENT_CHECKS[sum % 11];
}

/* Index of c in the credit code alphabet (lower case folded), or -1. */
static int
credit_value(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == '\0')
		return -1;
	const char *hit = strchr(CREDIT_ALPHABET, c);
	return hit ? (int)(hit - CREDIT_ALPHABET) : -1;
}

char
ck_ids_credit_check_char(const char *first17)
{
	if (first17 == NULL)
		return '\0';
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		int v = credit_value(first17[i]);
		if (v < 0)
			return '\0';
		sum += v * credit_weights[i];
	}
	int check = 31 - sum % 31;
	return CREDIT_ALPHABET[check == 31 ? 0 : check];
}

/*
 * Finds the first of the `want` characters of s[0..n) (already known to
 * hold exactly `want` characters) that fails `ok`, and returns its 1-based
 * position, or 0 when every character passes.  Multi-byte characters always
 * fail, so a full-width digit is reported where it stands.
 */
static size_t
first_bad_char(const char *s, size_t n, bool (*ok)(size_t pos, unsigned char c))
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 1;
	for (size_t i = 0; i < n; pos++) {
		size_t k = char_len(p + i, n - i);
		if (k != 1 || !ok(pos, p[i]))
			return pos;
		i += k;
	}
	return 0;
}

static bool
resident_char_ok(size_t pos, unsigned char c)
{
	return is_digit(c) || (pos == CK_ID_LEN && (c == 'X' || c == 'x'));
}

static bool
digit_ok(size_t pos, unsigned char c)
{
	(void)pos;
	return is_digit(c);
}

static bool
credit_char_ok(size_t pos, unsigned char c)
{
	(void)pos;
	return credit_value((char)c) >= 0;
}

/* What every identifier check starts with: no text (a caller's mistake),
 * blank text (missing), and the trimmed text as messages show it.  Clears
 * out so that a failed check leaves no stale identifier behind. */
static int
begin_check(const char *text, const char *what, char out[CK_ID_BUF], const char **s, size_t *n,
            char shown[SHOW_BUF], char *err)
{
	if (out != NULL)
		out[0] = '\0';
	if (text == NULL)
		return ck_fail(err, CK_E_USAGE, "no %s given", what);
	*n = strlen(text);
	*s = text;
	ck_text_trim(s, n);
	if (*n == 0)
		return ck_fail(err, CK_E_INVALID, "%s is missing", what);
	show(*s, *n, shown);
	return CK_OK;
}

int
ck_ids_check_resident(const char *text, char out[CK_ID_BUF], char *err)
{
	char shown[SHOW_BUF];
	const char *s;
	size_t n;
	int rc = begin_check(text, "resident identity number", out, &s, &n, shown, err);
	if (rc != CK_OK)
		return rc;

	size_t chars = char_count(s, n);
	if (chars == 15 && n == 15 && first_bad_char(s, n, digit_ok) == 0)
		return ck_fail(err, CK_E_INVALID,
		               "%s: 15-digit numbers must be converted to 18 characters first",
		               shown);
	if (chars != CK_ID_LEN)
		return ck_fail(err, CK_E_INVALID, "%s: must have 18 characters (has %zu)", shown,
		               chars);
	size_t bad = first_bad_char(s, n, resident_char_ok);
	if (bad == CK_ID_LEN)
		return ck_fail(err, CK_E_INVALID, "%s: character 18 must be a digit or x", shown);
	if (bad != 0)
		return ck_fail(err, CK_E_INVALID, "%s: character %zu is not a digit", shown, bad);

	/* Every character is one ASCII byte from here on. */
	char id[CK_ID_BUF];
	memcpy(id, s, CK_ID_LEN);
	id[CK_ID_LEN] = '\0';
	if (id[17] == 'x')
		id[17] = 'X';
	if (!real_date8(id + 6))
		return ck_fail(err, CK_E_INVALID, "%s: date of birth %.8s is not a real date",
		               shown, id + 6);
	char check = ck_ids_resident_check_char(id);
	if (id[17] != check)
		return ck_fail(err, CK_E_INVALID, "%s: check character should be %c", shown, check);
	if (out != NULL)
		memcpy(out, id, CK_ID_BUF);
	return CK_OK;
}

int
ck_ids_resident_from15(const char *text, char out[CK_ID_BUF], char *err)
{
	char shown[SHOW_BUF];
	const char *s;
	size_t n;
	int rc = begin_check(text, "resident identity number", out, &s, &n, shown, err);
	if (rc != CK_OK)
		return rc;

	size_t chars = char_count(s, n);
	if (chars != 15)
		return ck_fail(err, CK_E_INVALID,
		               "%s: an old number must have 15 characters (has %zu)", shown, chars);
	size_t bad = first_bad_char(s, n, digit_ok);
	if (bad != 0)
		return ck_fail(err, CK_E_INVALID, "%s: character %zu is not a digit", shown, bad);

	/* Old numbers were issued to people born in the 1900s only. */
	char id[CK_ID_BUF];
	memcpy(id, s, 6);
	memcpy(id + 6, "19", 2);
	memcpy(id + 8, s + 6, 9);
	if (!real_date8(id + 6))
		return ck_fail(err, CK_E_INVALID, "%s: date of birth %.8s is not a real date",
		               shown, id + 6);
	id[17] = ck_ids_resident_check_char(id);
	id[CK_ID_LEN] = '\0';
	if (out != NULL)
		memcpy(out, id, CK_ID_BUF);
	return CK_OK;
}

int
ck_ids_check_credit_code(const char *text, char out[CK_ID_BUF], char *err)
{
	char shown[SHOW_BUF];
	const char *s;
	size_t n;
	int rc = begin_check(text, "unified social credit code", out, &s, &n, shown, err);
	if (rc != CK_OK)
		return rc;

	size_t chars = char_count(s, n);
	if (chars != CK_ID_LEN)
		return ck_fail(err, CK_E_INVALID, "%s: must have 18 characters (has %zu)", shown,
		               chars);
	size_t bad = first_bad_char(s, n, credit_char_ok);
	if (bad != 0)
		return ck_fail(err, CK_E_INVALID,
		               "%s: character %zu is not allowed (digits and capital letters "
		               "except i, o, s, v, z)",
		               shown, bad);

	char code[CK_ID_BUF];
	for (size_t i = 0; i < CK_ID_LEN; i++)
		code[i] = CREDIT_ALPHABET[credit_value(s[i])];
	code[CK_ID_LEN] = '\0';
	char check = ck_ids_credit_check_char(code);
	if (code[17] != check)
		return ck_fail(err, CK_E_INVALID, "%s: check character should be %c", shown, check);
	if (out != NULL)
		memcpy(out, code, CK_ID_BUF);
	return CK_OK;
}

int
ck_ids_check_subject(enum ck_subject_kind kind, const char *text, char out[CK_ID_BUF], char *err)
{
	switch (kind) {
	case CK_SUBJECT_PERSON: return ck_ids_check_resident(text, out, err);
	case CK_SUBJECT_ORG: return ck_ids_check_credit_code(text, out, err);
	}
	if (out != NULL)
		out[0] = '\0';
	return ck_fail(err, CK_E_USAGE, "unknown subject kind %d", (int)kind);
}

int
ck_ids_kind_of(const char *text)
{
	if (ck_ids_check_resident(text, NULL, NULL) == CK_OK)
		return CK_SUBJECT_PERSON;
	if (ck_ids_check_credit_code(text, NULL, NULL) == CK_OK)
		return CK_SUBJECT_ORG;
	return 0;
}

/* ---- case numbers ---- */

/* Narrows s[0..*n) to drop ASCII blanks and ideographic spaces on both
 * sides: Chinese input methods produce U+3000 as readily as a space. */
static const char *
trim_case_no(const char *s, size_t *n)
{
	size_t len = *n;
	for (;;) {
		if (len > 0 && ck_text_is_blank((char)s[0])) {
			s++;
			len--;
		} else if (starts_with(s, len, U_IDSP, U_LEN)) {
			s += U_LEN;
			len -= U_LEN;
		} else {
			break;
		}
	}
	for (;;) {
		if (len > 0 && ck_text_is_blank((char)s[len - 1]))
			len--;
		else if (len >= U_LEN && memcmp(s + len - U_LEN, U_IDSP, U_LEN) == 0)
			len -= U_LEN;
		else
			break;
	}
	*n = len;
	return s;
}

/* Offset of the first occurrence of the 3-byte character u in s[0..n), or n.
 * Input has been checked to be well-formed UTF-8, so a match is always a
 * whole character and never the tail of another. */
static size_t
find_u(const char *s, size_t n, const char *u)
{
	for (size_t i = 0; i + U_LEN <= n; i++)
		if (memcmp(s + i, u, U_LEN) == 0)
			return i;
	return n;
}

static bool
is_well_formed_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = ck_utf8_seq(p + i, n - i, &cp);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

static bool
is_blank_at(const char *s, size_t n)
{
	return (n > 0 && ck_text_is_blank((char)s[0])) || starts_with(s, n, U_IDSP, U_LEN);
}

static bool is_cjk_ideograph(uint32_t cp);

/* What is wrong with a court code (to be stored in bufsz bytes with its
 * NUL), or NULL when nothing is.  A court code names the court ("苏1283",
 * "京01", "最高法") and sits between ")" and 执: Chinese characters,
 * letters and digits.  Blanks, control characters and parentheses are
 * typing errors named as such; anything else (a path separator, a dot,
 * quotes, punctuation) is refused too, since the case number ends up in
 * file names, requests and reports. */
static const char *
court_problem(const char *s, size_t n, size_t bufsz)
{
	if (n == 0)
		return "the court code is missing";
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (is_blank_at(s + i, n - i))
			return "the court code must not contain blanks";
		if (c < 0x20 || c == 0x7F)
			return "the court code must not contain control characters";
		if (c == '(' || c == ')' || starts_with(s + i, n - i, U_LPAREN, U_LEN) ||
		    starts_with(s + i, n - i, U_RPAREN, U_LEN))
			return "the court code must not contain parentheses";
		uint32_t cp = 0;
		size_t k = ck_utf8_seq((const unsigned char *)s + i, n - i, &cp);
		if (k == 0 ||
		    !((cp < 0x80 && (is_digit((unsigned char)cp) || (cp >= 'A' && cp <= 'Z') ||
		                     (cp >= 'a' && cp <= 'z'))) ||
		      is_cjk_ideograph(cp)))
			return "the court code must be chinese characters, letters and digits";
		i += k;
	}
	if (n >= bufsz)
		return "the court code is too long";
	return NULL;
}

/* CJK Unified Ideographs and Extension A: the characters case types use. */
static bool
is_cjk_ideograph(uint32_t cp)
{
	return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF);
}

/* What is wrong with a case type (known to start with 执; to be stored in
 * bufsz bytes with its NUL), or NULL. */
static const char *
type_problem(const char *s, size_t n, size_t bufsz)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t k = ck_utf8_seq(p + i, n - i, &cp);
		if (is_blank_at(s + i, n - i))
			return "the case type must not contain blanks";
		if (k == 0 || !is_cjk_ideograph(cp))
			return "the case type must be chinese characters (e.g. 执, 执恢, 执保)";
		if (starts_with(s + i, n - i, U_HAO, U_LEN))
			return "the serial number is missing before 号";
		i += k;
	}
	if (n >= bufsz)
		return "the case type is too long";
	return NULL;
}

int
ck_ids_parse_case_no(const char *text, struct ck_case_no *out, char *err)
{
	char shown[SHOW_BUF];
	const char *why = NULL;
	if (out == NULL)
		return ck_fail(err, CK_E_USAGE, "no case number result buffer given");
	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return ck_fail(err, CK_E_USAGE, "no case number given");
	size_t n = strnlen(text, CASE_NO_MAX + 1);
	if (n > CASE_NO_MAX) {
		show(text, n, shown);
		return ck_fail(err, CK_E_INVALID, "case number %s: is too long", shown);
	}
	if (!is_well_formed_utf8(text, n)) {
		show(text, n, shown);
		return ck_fail(err, CK_E_INVALID, "case number %s: is not valid utf-8", shown);
	}
	const char *s = trim_case_no(text, &n);
	if (n == 0)
		return ck_fail(err, CK_E_INVALID, "case number is missing");
	show(s, n, shown);

	/* "(" year ")" */
	size_t i;
	if (starts_with(s, n, "(", 1))
		i = 1;
	else if (starts_with(s, n, U_LPAREN, U_LEN))
		i = U_LEN;
	else
		return ck_fail(
		    err, CK_E_INVALID,
		    "case number %s: must start with the year in parentheses, e.g. (2024)", shown);
	size_t ydigits = 0;
	while (i + ydigits < n && is_digit((unsigned char)s[i + ydigits]))
		ydigits++;
	if (ydigits == 0 &&
	    (starts_with(s + i, n - i, ")", 1) || starts_with(s + i, n - i, U_RPAREN, U_LEN)))
		return ck_fail(err, CK_E_INVALID, "case number %s: the year is missing", shown);
	if (ydigits != 4)
		return ck_fail(err, CK_E_INVALID, "case number %s: the year must have 4 digits",
		               shown);
	int year = digits_value(s + i, 4);
	i += 4;
	if (starts_with(s + i, n - i, ")", 1))
		i += 1;
	else if (starts_with(s + i, n - i, U_RPAREN, U_LEN))
		i += U_LEN;
	else
		return ck_fail(err, CK_E_INVALID, "case number %s: missing ) after the year",
		               shown);
	/* Enforcement case numbers in this form began with the People's
	 * Republic; a year far outside that range is a typing error. */
	if (year < 1949 || year > 2100)
		return ck_fail(err, CK_E_INVALID, "case number %s: year %d is outside 1949-2100",
		               shown, year);

	/* Court code: everything up to the first 执, which must come before
	 * any 号 (otherwise there is no case type at all). */
	const char *court = s + i;
	size_t rest = n - i;
	size_t zhi = find_u(court, rest, U_ZHI);
	if (zhi == rest || find_u(court, rest, U_HAO) < zhi)
		return ck_fail(err, CK_E_INVALID,
		               "case number %s: the case type must start with 执 (e.g. 执, 执恢, "
		               "执保)",
		               shown);
	why = court_problem(court, zhi, sizeof(out->court));
	if (why != NULL)
		return ck_fail(err, CK_E_INVALID, "case number %s: %s", shown, why);

	/* Case type: from 执 up to the first ASCII digit. */
	const char *type = court + zhi;
	rest -= zhi;
	size_t tlen = 0;
	while (tlen < rest && !is_digit((unsigned char)type[tlen]))
		tlen++;
	if (tlen == rest)
		return ck_fail(err, CK_E_INVALID, "case number %s: the serial number is missing",
		               shown);
	why = type_problem(type, tlen, sizeof(out->type));
	if (why != NULL)
		return ck_fail(err, CK_E_INVALID, "case number %s: %s", shown, why);

	/* Serial digits, then exactly 号 and the end. */
	const char *serial = type + tlen;
	rest -= tlen;
	size_t slen = 0;
	while (slen < rest && is_digit((unsigned char)serial[slen]))
		slen++;
	if (slen >= sizeof(out->serial) || slen > 18)
		return ck_fail(
		    err, CK_E_INVALID,
		    "case number %s: the serial number is too long (more than 18 digits)", shown);
	const char *tail = serial + slen;
	rest -= slen;
	if (!starts_with(tail, rest, U_HAO, U_LEN)) {
		if (find_u(tail, rest, U_HAO) < rest)
			return ck_fail(err, CK_E_INVALID,
			               "case number %s: the serial number must be digits only",
			               shown);
		return ck_fail(err, CK_E_INVALID, "case number %s: missing 号 at the end", shown);
	}
	if (rest != U_LEN)
		return ck_fail(err, CK_E_INVALID, "case number %s: unexpected text after 号",
		               shown);

	out->year = year;
	memcpy(out->court, court, zhi);
	out->court[zhi] = '\0';
	memcpy(out->type, type, tlen);
	out->type[tlen] = '\0';
	memcpy(out->serial, serial, slen);
	out->serial[slen] = '\0';
	int len = snprintf(out->normalised, sizeof(out->normalised), "(%d)%s%s%s" U_HAO, year,
	                   out->court, out->type, out->serial);
	if (len < 0 || (size_t)len >= sizeof(out->normalised)) {
		/* Unreachable with the field sizes above; kept as a guard should
		 * they ever grow past the normalised buffer. */
		memset(out, 0, sizeof(*out));
		return ck_fail(err, CK_E_INVALID, "case number %s: is too long", shown);
	}
	return CK_OK;
}

/* ---- masking ---- */

/* Appends to a bounded output, dropping the first piece that does not fit
 * and everything after it, so that a truncated result is always a prefix of
 * the full one and never ends inside a multi-byte character. */
struct sink {
	char *out;
	size_t cap; /* bytes usable before the NUL */
	size_t len;
	bool full;
};

static void
sink_put(struct sink *k, const char *bytes, size_t n)
{
	if (k->full || n > k->cap - k->len) {
		k->full = true;
		return;
	}
	memcpy(k->out + k->len, bytes, n);
	k->len += n;
}

/*
 * Writes text to out with its characters [head, count - tail) each replaced
 * by '*' when `reveal` is true; otherwise writes `stars` stars and nothing
 * of the text.  Characters are UTF-8 sequences (see char_len()).
 */
static void
mask(const char *text, size_t head, size_t tail, bool reveal, size_t stars, char *out, size_t outsz)
{
	if (out == NULL || outsz == 0)
		return;
	struct sink k = {out, outsz - 1, 0, false};
	if (!reveal) {
		for (size_t i = 0; i < stars; i++)
			sink_put(&k, "*", 1);
	} else {
		const unsigned char *p = (const unsigned char *)text;
		size_t n = strlen(text);
		size_t count = char_count(text, n);
		size_t pos = 0;
		for (size_t i = 0; i < n; pos++) {
			size_t c = char_len(p + i, n - i);
			if (pos < head || pos >= count - tail)
				sink_put(&k, text + i, c);
			else
				sink_put(&k, "*", 1);
			i += c;
		}
	}
	out[k.len] = '\0';
}

void
ck_ids_mask_id(const char *id, char *out, size_t outsz)
{
	if (id == NULL) {
		mask("", 0, 0, false, 0, out, outsz);
		return;
	}
	/* Keeping 6 + 4 of fewer than 11 characters would leave next to
	 * nothing hidden, so such text is hidden whole. */
	size_t count = char_count(id, strlen(id));
	mask(id, 6, 4, count >= 11, count, out, outsz);
}

void
ck_ids_mask_account(const char *account, char *out, size_t outsz)
{
	if (account == NULL) {
		mask("", 0, 0, false, 0, out, outsz);
		return;
	}
	/* The last 4 are shown only when at least as many are hidden; a short
	 * number becomes stars only, never fewer than 4 so that a 1-3
	 * character number does not show its length either. */
	size_t count = char_count(account, strlen(account));
	size_t stars = count == 0 ? 0 : (count < 4 ? 4 : count);
	mask(account, 0, 4, count >= 8, stars, out, outsz);
}
