/* SPDX-License-Identifier: MIT */
/*
 * test_ids.c: resident identity numbers, credit codes and case numbers are
 * accepted when valid, and every single-character typo is refused with a
 * message naming the right check character (computed here independently of
 * the library); masking never shows more than it promises, whatever the
 * buffer size.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/ids.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define PERSON_1 "11010519491231002X"
#define PERSON_2 "440524188001010014"
#define ORG_1    "91350100M000100Y43"

#define FW_ONE "\xEF\xBC\x91" /* U+FF11 fullwidth digit one */
#define FW_A   "\xEF\xBC\xA1" /* U+FF21 fullwidth capital A */
#define IDSP   "\xE3\x80\x80" /* U+3000 ideographic space */

/* ---- reference computations, written from the definitions ---- */

/*
 * ISO 7064 MOD 11-2 from its definition rather than from tables: the
 * character at position i (0-based, of 18) weighs 2^(17-i) mod 11, and the
 * check value c makes the weighted sum + c congruent to 1 mod 11; 10 is X.
 */
static char
ref_resident_check(const char *s)
{
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		int w = 1;
		for (int e = 0; e < 17 - i; e++)
			w = w * 2 % 11;
		sum += (s[i] - '0') * w;
	}
	int c = (12 - sum % 11) % 11;
	return c == 10 ? 'X' : (char)('0' + c);
}

static int
ref_credit_value(char c)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	for (int i = 0; alphabet[i] != '\0'; i++)
		if (alphabet[i] == c)
			return i;
	return -1;
}

/* GB 32100: weights are 3^i mod 31; check value (31 - sum mod 31) mod 31. */
static char
ref_credit_check(const char *s)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	int sum = 0, w = 1;
	for (int i = 0; i < 17; i++) {
		sum += ref_credit_value(s[i]) * w;
		w = w * 3 % 31;
	}
	return alphabet[(31 - sum % 31) % 31];
}

static int
num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool
ref_date_ok(const char *ymd)
{
	int y = num(ymd, 4), m = num(ymd + 4, 2), d = num(ymd + 6, 2);
	static const int days[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1)
		return false;
	int max = days[m];
	if (m == 2 && (y % 400 == 0 || (y % 100 != 0 && y % 4 == 0)))
		max = 29;
	return d <= max;
}

/* ---- helpers ---- */

static void
assert_contains(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL)
		fail_msg("message \"%s\" does not contain \"%s\"", msg, needle);
}

/* error.h: one line, no final period, and never a stray byte. */
static void
assert_clean_message(const char *msg)
{
	size_t n = strlen(msg);
	assert_true(n > 0);
	assert_null(strchr(msg, '\n'));
	assert_null(strchr(msg, '\r'));
	assert_true(msg[n - 1] != '.');
	for (size_t i = 0; i < n; i++)
		assert_true((unsigned char)msg[i] >= 0x20);
}

/* s with the character at pos replaced by alt. */
static void
replace_at(char *buf, size_t bufsz, const char *s, size_t pos, const char *alt)
{
	int n = snprintf(buf, bufsz, "%.*s%s%s", (int)pos, s, alt, s + pos + 1);
	assert_true(n > 0 && (size_t)n < bufsz);
}

static char
upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* ---- valid identifiers ---- */

static void
valid_identifiers_pass(void **state)
{
	(void)state;
	static const char *const persons[] = {PERSON_1, PERSON_2, "320102198001011238"};
	static const char *const orgs[] = {ORG_1, "91321283MA1MX8K2PW"};
	char out[CK_ID_BUF];
	char err[CK_ERR_SIZE] = "";
	for (size_t i = 0; i < sizeof(persons) / sizeof(persons[0]); i++) {
		assert_int_equal(ck_ids_check_resident(persons[i], out, err), CK_OK);
		assert_string_equal(out, persons[i]);
		assert_int_equal(ck_ids_check_subject(CK_SUBJECT_PERSON, persons[i], out, err),
		                 CK_OK);
		assert_int_equal(ck_ids_kind_of(persons[i]), CK_SUBJECT_PERSON);
		assert_int_equal(ck_ids_check_resident(persons[i], NULL, NULL), CK_OK);
	}
	for (size_t i = 0; i < sizeof(orgs) / sizeof(orgs[0]); i++) {
		assert_int_equal(ck_ids_check_credit_code(orgs[i], out, err), CK_OK);
		assert_string_equal(out, orgs[i]);
		assert_int_equal(ck_ids_check_subject(CK_SUBJECT_ORG, orgs[i], out, err), CK_OK);
		assert_int_equal(ck_ids_kind_of(orgs[i]), CK_SUBJECT_ORG);
	}
	assert_string_equal(err, "");
}

/* ---- every single-character change is refused ---- */

/*
 * Replaces every character of a valid resident number by every alternative
 * and checks the verdict and the message; returns how many variants were
 * tried and counts those refused for their check character in *by_check.
 */
static int
mutate_resident(const char *valid, int *by_check)
{
	static const char *const alts[] = {"0", "1", "2", "3", "4", "5", "6", "7",
	                                   "8", "9", "X", "x", "A", "-", " ", FW_ONE};
	int tried = 0;
	for (size_t pos = 0; pos < 18; pos++) {
		for (size_t a = 0; a < sizeof(alts) / sizeof(alts[0]); a++) {
			const char *alt = alts[a];
			bool ascii = alt[1] == '\0';
			if (ascii && upper(alt[0]) == upper(valid[pos]))
				continue;
			char id[64], out[CK_ID_BUF] = "junk", err[CK_ERR_SIZE] = "", want[160];
			replace_at(id, sizeof(id), valid, pos, alt);
			tried++;
			assert_int_equal(ck_ids_check_resident(id, out, err), CK_E_INVALID);
			assert_string_equal(out, "");
			assert_clean_message(err);
			assert_int_not_equal(ck_ids_kind_of(id), CK_SUBJECT_PERSON);

			bool digit = ascii && alt[0] >= '0' && alt[0] <= '9';
			bool x = ascii && upper(alt[0]) == 'X';
			if (ascii && alt[0] == ' ' && (pos == 0 || pos == 17)) {
				/* The blank is trimmed: one character short. */
				assert_contains(err, "must have 18 characters (has 17)");
			} else if (pos == 17 && (digit || x)) {
				snprintf(want, sizeof(want), "%s: check character should be %c", id,
				         ref_resident_check(valid));
				assert_string_equal(err, want);
				(*by_check)++;
			} else if (pos == 17) {
				assert_contains(err, "character 18 must be a digit or x");
			} else if (!digit) {
				snprintf(want, sizeof(want), "character %zu is not a digit",
				         pos + 1);
				assert_contains(err, want);
			} else if (!ref_date_ok(id + 6)) {
				snprintf(want, sizeof(want),
				         "date of birth %.8s is not a real date", id + 6);
				assert_contains(err, want);
			} else {
				snprintf(want, sizeof(want), "%s: check character should be %c", id,
				         ref_resident_check(id));
				assert_string_equal(err, want);
				(*by_check)++;
			}
		}
	}
	return tried;
}

static void
resident_single_changes_fail(void **state)
{
	(void)state;
	int by_check = 0;
	/* 16 alternatives less the character itself (X and x both for an X). */
	assert_int_equal(mutate_resident(PERSON_1, &by_check), 17 * 15 + 14);
	assert_int_equal(mutate_resident(PERSON_2, &by_check), 18 * 15);
	/* Most digit changes keep a real date and so must name the check. */
	assert_true(by_check > 200);
}

static int
mutate_credit(const char *valid, int *by_check)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	const char *alts[80];
	char singles[80][2];
	size_t nalts = 0;
	for (size_t i = 0; alphabet[i] != '\0'; i++) {
		singles[nalts][0] = alphabet[i];
		singles[nalts][1] = '\0';
		nalts++;
		if (alphabet[i] >= 'A') {
			singles[nalts][0] = (char)(alphabet[i] - 'A' + 'a');
			singles[nalts][1] = '\0';
			nalts++;
		}
	}
	for (const char *p = "IOSVZiosvz- "; *p; p++) {
		singles[nalts][0] = *p;
		singles[nalts][1] = '\0';
		nalts++;
	}
	for (size_t i = 0; i < nalts; i++)
		alts[i] = singles[i];
	alts[nalts++] = FW_A;
	assert_int_equal(nalts, 31 + 21 + 12 + 1);

	int tried = 0;
	for (size_t pos = 0; pos < 18; pos++) {
		for (size_t a = 0; a < nalts; a++) {
			const char *alt = alts[a];
			bool ascii = alt[1] == '\0';
			if (ascii && upper(alt[0]) == valid[pos])
				continue;
			char code[64], out[CK_ID_BUF] = "junk", err[CK_ERR_SIZE] = "", want[160];
			replace_at(code, sizeof(code), valid, pos, alt);
			tried++;
			assert_int_equal(ck_ids_check_credit_code(code, out, err), CK_E_INVALID);
			assert_string_equal(out, "");
			assert_clean_message(err);
			assert_int_not_equal(ck_ids_kind_of(code), CK_SUBJECT_ORG);

			if (ascii && alt[0] == ' ' && (pos == 0 || pos == 17)) {
				assert_contains(err, "must have 18 characters (has 17)");
			} else if (!ascii || ref_credit_value(alt[0]) < 0) {
				snprintf(want, sizeof(want), "character %zu is not allowed",
				         pos + 1);
				assert_contains(err, want);
			} else {
				/* A changed check character is reported against the
				 * unchanged first 17, which ref_credit_check reads. */
				snprintf(want, sizeof(want), "%s: check character should be %c",
				         code, ref_credit_check(code));
				assert_string_equal(err, want);
				(*by_check)++;
			}
		}
	}
	return tried;
}

static void
credit_single_changes_fail(void **state)
{
	(void)state;
	int by_check = 0;
	/* 65 alternatives; the two letters M and Y also skip their lower case. */
	assert_int_equal(mutate_credit(ORG_1, &by_check), 18 * 64 - 2);
	assert_int_equal(by_check, 18 * 52 - 18 - 2);
}

/* ---- resident numbers: normalising, lengths, dates, 15 digits ---- */

static void
lower_case_and_blanks_are_normalised(void **state)
{
	(void)state;
	char out[CK_ID_BUF], err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_ids_check_resident("11010519491231002x", out, err), CK_OK);
	assert_string_equal(out, PERSON_1);
	assert_int_equal(ck_ids_check_resident(" \t11010519491231002x \r\n", out, err), CK_OK);
	assert_string_equal(out, PERSON_1);
	assert_int_equal(ck_ids_kind_of("11010519491231002x"), CK_SUBJECT_PERSON);
	assert_int_equal(ck_ids_check_credit_code("91350100m000100y43", out, err), CK_OK);
	assert_string_equal(out, ORG_1);
	assert_int_equal(ck_ids_check_credit_code("  91321283ma1mx8k2pw\t", out, err), CK_OK);
	assert_string_equal(out, "91321283MA1MX8K2PW");
	assert_string_equal(err, "");

	/* The message echoes what was typed, lower case included. */
	assert_int_equal(ck_ids_check_resident("32010219800101123x", out, err), CK_E_INVALID);
	assert_string_equal(err, "32010219800101123x: check character should be 8");
	err[0] = '\0';
	assert_int_equal(ck_ids_check_resident("32010219800101123X", out, err), CK_E_INVALID);
	assert_string_equal(err, "32010219800101123X: check character should be 8");
	err[0] = '\0';
	assert_int_equal(ck_ids_check_credit_code("91321283MA1MX8K2PX", out, err), CK_E_INVALID);
	assert_string_equal(err, "91321283MA1MX8K2PX: check character should be W");
}

static void
wrong_lengths_and_characters(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *needle;
	} bad[] = {
	    {"1101051949123100", "1101051949123100: must have 18 characters (has 16)"},
	    {"11010519491231002X1", "must have 18 characters (has 19)"},
	    {"110105 19491231002X", "must have 18 characters (has 19)"},
	    {"11010519491231002" FW_ONE "1", "must have 18 characters (has 19)"},
	    {"1101051949123100" FW_ONE "X", "character 17 is not a digit"},
	    {"11010519491231002" FW_A, "character 18 must be a digit or x"},
	    {"110105194912310X2X", "character 16 is not a digit"},
	    {"", "resident identity number is missing"},
	    {" \t ", "resident identity number is missing"},
	    {"320102800101123", "15-digit numbers must be converted to 18 characters first"},
	    {"\xff\x01"
	     "010519491231002X",
	     "??010519491231002X: character 1 is not a digit"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[CK_ID_BUF] = "junk", err[CK_ERR_SIZE] = "";
		assert_int_equal(ck_ids_check_resident(bad[i].in, out, err), CK_E_INVALID);
		assert_string_equal(out, "");
		assert_clean_message(err);
		assert_contains(err, bad[i].needle);
		assert_int_equal(ck_ids_kind_of(bad[i].in), 0);
	}

	char out[CK_ID_BUF], err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_ids_check_resident(NULL, out, err), CK_E_USAGE);
	assert_int_equal(ck_ids_kind_of(NULL), 0);
	err[0] = '\0';
	assert_int_equal(ck_ids_check_credit_code("91350100M000100Y4", out, err), CK_E_INVALID);
	assert_contains(err, "must have 18 characters (has 17)");
	err[0] = '\0';
	assert_int_equal(ck_ids_check_credit_code("", out, err), CK_E_INVALID);
	assert_contains(err, "credit code is missing");
	err[0] = '\0';
	assert_int_equal(ck_ids_check_credit_code(NULL, out, err), CK_E_USAGE);
	/* No error buffer: still refused, nothing written anywhere. */
	assert_int_equal(ck_ids_check_resident("32010219800101123X", NULL, NULL), CK_E_INVALID);

	/* A very long input is echoed cut short, and the message stays one
	 * line within CK_ERR_SIZE. */
	char longid[600];
	memset(longid, '1', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	err[0] = '\0';
	assert_int_equal(ck_ids_check_resident(longid, out, err), CK_E_INVALID);
	assert_contains(err, "...: must have 18 characters (has 599)");
	assert_clean_message(err);
}

/* A resident number with the given birth date and a correct check. */
static void
make_resident(char out[CK_ID_BUF], const char *date8)
{
	int n = snprintf(out, CK_ID_BUF, "320102%.8s123X", date8);
	assert_int_equal(n, 18);
	out[17] = ref_resident_check(out);
}

static void
dates_of_birth_must_be_real(void **state)
{
	(void)state;
	static const char *const good[] = {"20000229", "19960229", "18800101", "19491231",
	                                   "20241231", "19800131", "19800430"};
	static const char *const bad[] = {"19800230", "19810229", "19000229", "21000229",
	                                  "18000229", "19800001", "19801301", "19800100",
	                                  "19800132", "19800431", "19800931", "00000000"};
	char id[CK_ID_BUF], out[CK_ID_BUF];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char err[CK_ERR_SIZE] = "";
		make_resident(id, good[i]);
		assert_int_equal(ck_ids_check_resident(id, out, err), CK_OK);
		assert_string_equal(out, id);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[CK_ERR_SIZE] = "", want[CK_ERR_SIZE];
		make_resident(id, bad[i]);
		assert_false(ref_date_ok(bad[i]));
		assert_int_equal(ck_ids_check_resident(id, out, err), CK_E_INVALID);
		snprintf(want, sizeof(want), "%s: date of birth %s is not a real date", id, bad[i]);
		assert_string_equal(err, want);
	}
}

static void
fifteen_digits_convert_to_eighteen(void **state)
{
	(void)state;
	char out[CK_ID_BUF], err[CK_ERR_SIZE] = "";
	/* 320102198001011238 without "19" and without its check. */
	assert_int_equal(ck_ids_resident_from15("320102800101123", out, err), CK_OK);
	assert_string_equal(out, "320102198001011238");
	assert_int_equal(ck_ids_resident_from15(" 110105491231002\t", out, err), CK_OK);
	assert_string_equal(out, PERSON_1);
	/* 1996 was a leap year: the century is 19, always. */
	assert_int_equal(ck_ids_resident_from15("440524960229001", out, err), CK_OK);
	char want[CK_ID_BUF] = "44052419960229001?";
	want[17] = ref_resident_check(want);
	assert_string_equal(out, want);
	assert_int_equal(ck_ids_check_resident(out, NULL, err), CK_OK);
	assert_string_equal(err, "");

	static const struct {
		const char *in;
		const char *needle;
	} bad[] = {
	    {"320102800230123", "date of birth 19800230 is not a real date"},
	    {"320102000229123", "date of birth 19000229 is not a real date"},
	    {"320102801301123", "date of birth 19801301 is not a real date"},
	    {"32010280010112", "must have 15 characters (has 14)"},
	    {"320102198001011238", "must have 15 characters (has 18)"},
	    {"3201028001011A3", "character 14 is not a digit"},
	    {"", "resident identity number is missing"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out2[CK_ID_BUF] = "junk", err2[CK_ERR_SIZE] = "";
		assert_int_equal(ck_ids_resident_from15(bad[i].in, out2, err2), CK_E_INVALID);
		assert_string_equal(out2, "");
		assert_clean_message(err2);
		assert_contains(err2, bad[i].needle);
	}
	assert_int_equal(ck_ids_resident_from15(NULL, out, NULL), CK_E_USAGE);

	/* The checking functions refuse to convert silently. */
	err[0] = '\0';
	assert_int_equal(ck_ids_check_resident("320102800101123", out, err), CK_E_INVALID);
	assert_contains(err, "15-digit");
	assert_contains(err, "converted");
	err[0] = '\0';
	assert_int_equal(ck_ids_check_subject(CK_SUBJECT_PERSON, "320102800101123", out, err),
	                 CK_E_INVALID);
	assert_contains(err, "converted");
	assert_int_equal(ck_ids_kind_of("320102800101123"), 0);
}

static void
check_characters(void **state)
{
	(void)state;
	assert_int_equal(ck_ids_resident_check_char("32010219800101123"), '8');
	assert_int_equal(ck_ids_resident_check_char("11010519491231002"), 'X');
	assert_int_equal(ck_ids_resident_check_char("320102198001011238"), '8');
	assert_int_equal(ck_ids_resident_check_char("3201021980010112A"), '\0');
	assert_int_equal(ck_ids_resident_check_char("3201"), '\0');
	assert_int_equal(ck_ids_resident_check_char(NULL), '\0');
	assert_int_equal(ck_ids_credit_check_char("91350100M000100Y4"), '3');
	assert_int_equal(ck_ids_credit_check_char("91350100m000100y4"), '3');
	assert_int_equal(ck_ids_credit_check_char("91321283MA1MX8K2P"), 'W');
	assert_int_equal(ck_ids_credit_check_char("91350100I000100Y4"), '\0');
	assert_int_equal(ck_ids_credit_check_char("9135"), '\0');
	assert_int_equal(ck_ids_credit_check_char(NULL), '\0');

	/* Against the reference over many generated numbers, including those
	 * whose check value is 0 (credit) or X (resident). */
	char s[18] = "";
	bool saw_x = false, saw_zero = false;
	for (unsigned seed = 1; seed < 3000; seed++) {
		unsigned v = seed * 2654435761u;
		for (int i = 0; i < 17; i++) {
			s[i] = (char)('0' + v % 10);
			v = v * 1103515245u + 12345u;
		}
		s[17] = '\0';
		char r = ck_ids_resident_check_char(s);
		assert_int_equal(r, ref_resident_check(s));
		saw_x = saw_x || r == 'X';
		for (int i = 0; i < 17; i++) {
			s[i] = "0123456789ABCDEFGHJKLMNPQRTUWXY"[v % 31];
			v = v * 1103515245u + 12345u;
		}
		char c = ck_ids_credit_check_char(s);
		assert_int_equal(c, ref_credit_check(s));
		saw_zero = saw_zero || c == '0';
	}
	assert_true(saw_x);
	assert_true(saw_zero);
}

static void
subjects_and_kinds(void **state)
{
	(void)state;
	char out[CK_ID_BUF] = "junk", err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_ids_check_subject(CK_SUBJECT_PERSON, ORG_1, out, err), CK_E_INVALID);
	assert_string_equal(out, "");
	err[0] = '\0';
	assert_int_equal(ck_ids_check_subject(CK_SUBJECT_ORG, PERSON_1, out, err), CK_E_INVALID);
	assert_contains(err, "check character should be");
	err[0] = '\0';
	assert_int_equal(ck_ids_check_subject((enum ck_subject_kind)7, PERSON_1, out, err),
	                 CK_E_USAGE);
	assert_contains(err, "unknown subject kind 7");
	assert_int_equal(ck_ids_kind_of("not an id"), 0);
	assert_int_equal(ck_ids_kind_of(""), 0);
	assert_int_equal(ck_ids_kind_of(" " PERSON_2 " "), CK_SUBJECT_PERSON);
}

/* ---- case numbers ---- */

static void
good_case_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *in, *normalised, *court, *type, *serial;
		int year;
	} good[] = {
	    {"(2024)苏1283执1234号", "(2024)苏1283执1234号", "苏1283", "执", "1234", 2024},
	    {"（2024）苏1283执1234号", "(2024)苏1283执1234号", "苏1283", "执", "1234", 2024},
	    {"（2024)苏1283执1234号", "(2024)苏1283执1234号", "苏1283", "执", "1234", 2024},
	    {" \t(2024)苏1283执恢12号\t ", "(2024)苏1283执恢12号", "苏1283", "执恢", "12", 2024},
	    {IDSP "（2023）京0105执保7号" IDSP, "(2023)京0105执保7号", "京0105", "执保", "7", 2023},
	    {IDSP " " IDSP "(2024)苏1283执1号 " IDSP "\r\n", "(2024)苏1283执1号", "苏1283", "执",
	     "1", 2024},
	    {"(2024)最高法执监1号", "(2024)最高法执监1号", "最高法", "执监", "1", 2024},
	    {"(2022)兵0101执12号", "(2022)兵0101执12号", "兵0101", "执", "12", 2022},
	    {"(2022)Ab9执12号", "(2022)Ab9执12号", "Ab9", "执", "12", 2022},
	    {"(1949)苏1283执异0001号", "(1949)苏1283执异0001号", "苏1283", "执异", "0001", 1949},
	    {"(2100)苏1283执复123456789012345678号", "(2100)苏1283执复123456789012345678号",
	     "苏1283", "执复", "123456789012345678", 2100},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct ck_case_no cn;
		char err[CK_ERR_SIZE] = "";
		if (ck_ids_parse_case_no(good[i].in, &cn, err) != CK_OK)
			fail_msg("%s refused: %s", good[i].in, err);
		assert_string_equal(cn.normalised, good[i].normalised);
		assert_string_equal(cn.court, good[i].court);
		assert_string_equal(cn.type, good[i].type);
		assert_string_equal(cn.serial, good[i].serial);
		assert_int_equal(cn.year, good[i].year);
		/* Normalising is idempotent. */
		struct ck_case_no again;
		assert_int_equal(ck_ids_parse_case_no(cn.normalised, &again, err), CK_OK);
		assert_string_equal(again.normalised, cn.normalised);
	}
}

/* "(2024)" + court + type + "1号", built to a given size. */
static void
build_case_no(char *buf, size_t bufsz, int court_chars, int type_extra)
{
	size_t o = 0;
	int n = snprintf(buf, bufsz, "(2024)");
	assert_true(n > 0);
	o = (size_t)n;
	for (int i = 0; i < court_chars; i++) {
		assert_true(o + 3 < bufsz);
		memcpy(buf + o, "苏", 3);
		o += 3;
	}
	n = snprintf(buf + o, bufsz - o, "执");
	o += (size_t)n;
	for (int i = 0; i < type_extra; i++) {
		assert_true(o + 3 < bufsz);
		memcpy(buf + o, "恢", 3);
		o += 3;
	}
	n = snprintf(buf + o, bufsz - o, "1号");
	assert_true(n > 0 && (size_t)n < bufsz - o);
}

static void
case_number_field_limits(void **state)
{
	(void)state;
	char text[512];
	struct ck_case_no cn;
	char err[CK_ERR_SIZE] = "";

	/* 21 three-byte characters fill court[64] exactly; 22 do not fit. */
	build_case_no(text, sizeof(text), 21, 0);
	assert_int_equal(ck_ids_parse_case_no(text, &cn, err), CK_OK);
	assert_int_equal(strlen(cn.court), 63);
	build_case_no(text, sizeof(text), 22, 0);
	assert_int_equal(ck_ids_parse_case_no(text, &cn, err), CK_E_INVALID);
	assert_contains(err, "the court code is too long");
	assert_clean_message(err);
	assert_string_equal(cn.normalised, "");

	/* 执 and 9 more fill 30 bytes of type[32]; 执 and 10 more (33) do not. */
	err[0] = '\0';
	build_case_no(text, sizeof(text), 1, 9);
	assert_int_equal(ck_ids_parse_case_no(text, &cn, err), CK_OK);
	assert_int_equal(strlen(cn.type), 30);
	build_case_no(text, sizeof(text), 1, 10);
	assert_int_equal(ck_ids_parse_case_no(text, &cn, err), CK_E_INVALID);
	assert_contains(err, "the case type is too long");

	/* Longest of everything still fits the normalised buffer. */
	err[0] = '\0';
	build_case_no(text, sizeof(text), 21, 9);
	assert_int_equal(ck_ids_parse_case_no(text, &cn, err), CK_OK);
	assert_string_equal(cn.normalised, text);

	/* Input far beyond any case number. */
	char huge[2000];
	memset(huge, '1', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	err[0] = '\0';
	assert_int_equal(ck_ids_parse_case_no(huge, &cn, err), CK_E_INVALID);
	assert_contains(err, "is too long");
	assert_clean_message(err);
}

static void
bad_case_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *in, *needle;
	} bad[] = {
	    {"(2024)苏1283执1234", "case number (2024)苏1283执1234: missing 号 at the end"},
	    {"(2024)苏1283执1234a", "missing 号 at the end"},
	    {"()苏1283执1234号", "the year is missing"},
	    {"（）苏1283执1234号", "the year is missing"},
	    {"苏1283执1234号", "must start with the year in parentheses"},
	    {"[2024]苏1283执1234号", "must start with the year in parentheses"},
	    {"( 2024)苏1283执1234号", "the year must have 4 digits"},
	    {"(24)苏1283执1234号", "the year must have 4 digits"},
	    {"(20245)苏1283执1234号", "the year must have 4 digits"},
	    {"(2024苏1283执1234号", "missing ) after the year"},
	    {"(1948)苏1283执1号", "year 1948 is outside 1949-2100"},
	    {"(2101)苏1283执1号", "year 2101 is outside 1949-2100"},
	    {"(2024)苏1283执12a4号", "the serial number must be digits only"},
	    {"(2024)苏1283执12 34号", "the serial number must be digits only"},
	    {"(2024)苏1283执1234 号", "the serial number must be digits only"},
	    {"(2024)执1234号", "the court code is missing"},
	    {"（2024）执恢1号", "the court code is missing"},
	    {"(2024)苏1283民1234号", "the case type must start with 执"},
	    {"(2024)苏1283民1234号执", "the case type must start with 执"},
	    {"(2024)苏 1283执1号", "the court code must not contain blanks"},
	    {"(2024)苏" IDSP "1283执1号", "the court code must not contain blanks"},
	    {"(2024)苏\x01"
	     "1283执1号",
	     "the court code must not contain control characters"},
	    {"(2024)(苏1283)执1号", "the court code must not contain parentheses"},
	    /* Path separators, dots and SQL or shell punctuation: a case
	     * number names files, requests and report rows. */
	    {"(2024)../..执1号", "the court code must be chinese characters, letters and digits"},
	    {"(2024)苏/1283执1号", "the court code must be chinese characters, letters and digits"},
	    {"(2024)苏\\1283执1号",
	     "the court code must be chinese characters, letters and digits"},
	    {"(2024)..执1号", "the court code must be chinese characters, letters and digits"},
	    {"(2024)苏1283';DROP TABLE cases;--执1号", "letters and digits"},
	    {"(2024)苏1283\"执1号", "letters and digits"},
	    {"(2024)苏1283$(id)执1号", "letters and digits"},
	    {"(2024)苏\xe2\x80\xae"
	     "1283执1号",
	     "letters and digits"}, /* U+202E */
	    {"(2024)苏\xc2\x85"
	     "1283执1号",
	     "letters and digits"}, /* U+0085 */
	    {"(2024)苏\xef\xbc\x91"
	     "283执1号",
	     "letters and digits"}, /* a full-width 1 */
	    {"(2024)苏1283执a1号", "the case type must be chinese characters"},
	    {"(2024)苏1283执 恢1号", "the case type must not contain blanks"},
	    {"(2024)苏1283执" FW_ONE "号", "the serial number is missing"},
	    {"(2024)苏1283执" FW_ONE "2号", "the case type must be chinese characters"},
	    {"(2024)苏1283执号", "the serial number is missing"},
	    {"(2024)苏1283执号1号", "the serial number is missing before 号"},
	    {"(2024)苏1283执1234号号", "unexpected text after 号"},
	    {"(2024)苏1283执1234号 x", "unexpected text after 号"},
	    {"(2024)苏1283执1234567890123456789号", "the serial number is too long"},
	    {"(2024)苏1283执1234\xff号", "is not valid utf-8"},
	    {"(2024)苏1283执1234\xe5\x8f号", "is not valid utf-8"},
	    {"", "case number is missing"},
	    {" \t" IDSP " ", "case number is missing"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ck_case_no cn;
		memset(&cn, 'z', sizeof(cn));
		char err[CK_ERR_SIZE] = "";
		int rc = ck_ids_parse_case_no(bad[i].in, &cn, err);
		if (rc != CK_E_INVALID)
			fail_msg("%s: got %d (%s)", bad[i].in, rc, err);
		assert_clean_message(err);
		assert_contains(err, "case number");
		assert_contains(err, bad[i].needle);
		/* Broken UTF-8 is never echoed. */
		assert_null(strchr(err, '\xff'));
		assert_int_equal(cn.year, 0);
		assert_string_equal(cn.normalised, "");
		assert_string_equal(cn.court, "");
		/* No error buffer: same verdict. */
		assert_int_equal(ck_ids_parse_case_no(bad[i].in, &cn, NULL), CK_E_INVALID);
	}

	struct ck_case_no cn;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_ids_parse_case_no(NULL, &cn, err), CK_E_USAGE);
	assert_int_equal(ck_ids_parse_case_no("(2024)苏1283执1号", NULL, err), CK_E_USAGE);
}

/* ---- masking ---- */

static void
mask_identifiers(void **state)
{
	(void)state;
	char out[CK_MASK_BUF];
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"320102198001011238", "320102********1238"},
	    {ORG_1, "913501********0Y43"},
	    {"320102800101123", "320102*****1123"},
	    {"12345678901", "123456*8901"},
	    {"1234567890", "**********"},
	    {"1", "*"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_ids_mask_id(cases[i].in, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	ck_ids_mask_id(NULL, out, sizeof(out));
	assert_string_equal(out, "");

	/* Tiny buffers: a prefix of the masked form, NUL-terminated, and not
	 * one byte written past outsz. */
	static const struct {
		size_t outsz;
		const char *want;
	} sizes[] = {{1, ""},
	             {2, "3"},
	             {7, "320102"},
	             {10, "320102***"},
	             {18, "320102********123"},
	             {19, "320102********1238"}};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char buf[32];
		memset(buf, '#', sizeof(buf));
		ck_ids_mask_id("320102198001011238", buf, sizes[i].outsz);
		assert_string_equal(buf, sizes[i].want);
		for (size_t j = sizes[i].outsz; j < sizeof(buf); j++)
			assert_int_equal(buf[j], '#');
	}
	char buf[4] = "###";
	ck_ids_mask_id("320102198001011238", buf, 0);
	assert_string_equal(buf, "###");
	ck_ids_mask_id("12345", buf, 3);
	assert_string_equal(buf, "**");
	/* Once a character does not fit, nothing after it is written, even a
	 * star that would: the result stays a prefix of the full form. */
	char wide[32];
	ck_ids_mask_id("甲乙丙丁戊己1234567", wide, sizeof(wide));
	assert_string_equal(wide, "甲乙丙丁戊己***4567");
	ck_ids_mask_id("甲乙丙丁戊己1234567", wide, 5);
	assert_string_equal(wide, "甲");
	ck_ids_mask_id("320102198001011238", NULL, 10);
}

static void
mask_accounts(void **state)
{
	(void)state;
	char out[CK_MASK_BUF];
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"6222021234567894567", "***************4567"},
	    {"12345678", "****5678"},
	    {"1234567", "*******"},
	    {"12345", "*****"},
	    {"1234", "****"},
	    {"12", "****"},
	    {"1", "****"},
	    {"", ""},
	    {"卡号12345678", "******5678"},
	    {"12345678中文字符", "********中文字符"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_ids_mask_account(cases[i].in, out, sizeof(out));
		assert_string_equal(out, cases[i].want);
	}
	ck_ids_mask_account(NULL, out, sizeof(out));
	assert_string_equal(out, "");

	char buf[32];
	memset(buf, '#', sizeof(buf));
	ck_ids_mask_account("6222021234567894567", buf, 3);
	assert_string_equal(buf, "**");
	assert_int_equal(buf[3], '#');
	ck_ids_mask_account("6222021234567894567", buf, 17);
	assert_string_equal(buf, "***************4");
	ck_ids_mask_account("12", buf, 3);
	assert_string_equal(buf, "**");
	/* A multi-byte character that does not fit is left out whole. */
	ck_ids_mask_account("12345678中文字符", buf, 12);
	assert_string_equal(buf, "********中");
	ck_ids_mask_account("12345678中文字符", buf, 11);
	assert_string_equal(buf, "********");
	memcpy(buf, "###", 4);
	ck_ids_mask_account("6222021234567894567", buf, 0);
	assert_string_equal(buf, "###");
	ck_ids_mask_account("6222021234567894567", NULL, 10);
}

/* For every length and every buffer size: nothing beyond the promised
 * characters is shown, and truncation only ever shortens the full form. */
static void
masking_never_reveals_more(void **state)
{
	(void)state;
	for (size_t len = 0; len < 63; len++) {
		char in[64];
		memset(in, '7', len);
		in[len] = '\0';
		char full_id[CK_MASK_BUF], full_acct[CK_MASK_BUF];
		ck_ids_mask_id(in, full_id, sizeof(full_id));
		ck_ids_mask_account(in, full_acct, sizeof(full_acct));
		assert_int_equal(ck_test_count(full_id, "7"), len >= 11 ? 10 : 0);
		assert_int_equal(strlen(full_id), len);
		assert_int_equal(ck_test_count(full_acct, "7"), len >= 8 ? 4 : 0);
		assert_int_equal(strlen(full_acct), len == 0 ? 0 : (len < 4 ? 4 : len));
		for (size_t outsz = 1; outsz <= CK_MASK_BUF; outsz++) {
			char part[CK_MASK_BUF + 8];
			memset(part, '#', sizeof(part));
			ck_ids_mask_id(in, part, outsz);
			assert_true(strlen(part) < outsz);
			assert_memory_equal(part, full_id, strlen(part));
			assert_int_equal(part[outsz], '#');
			memset(part, '#', sizeof(part));
			ck_ids_mask_account(in, part, outsz);
			assert_true(strlen(part) < outsz);
			assert_memory_equal(part, full_acct, strlen(part));
			assert_int_equal(part[outsz], '#');
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_identifiers_pass),
	    cmocka_unit_test(resident_single_changes_fail),
	    cmocka_unit_test(credit_single_changes_fail),
	    cmocka_unit_test(lower_case_and_blanks_are_normalised),
	    cmocka_unit_test(wrong_lengths_and_characters),
	    cmocka_unit_test(dates_of_birth_must_be_real),
	    cmocka_unit_test(fifteen_digits_convert_to_eighteen),
	    cmocka_unit_test(check_characters),
	    cmocka_unit_test(subjects_and_kinds),
	    cmocka_unit_test(good_case_numbers),
	    cmocka_unit_test(case_number_field_limits),
	    cmocka_unit_test(bad_case_numbers),
	    cmocka_unit_test(mask_identifiers),
	    cmocka_unit_test(mask_accounts),
	    cmocka_unit_test(masking_never_reveals_more),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
