/* SPDX-License-Identifier: MIT */
/*
 * ids.h: identifiers of people, organisations and cases: checking,
 * normalising and masking them for logs.
 *
 * - Resident identity number (GB 11643): 17 digits and a check character
 *   0-9 or X, ISO 7064 MOD 11-2; the 17 digits hold a real calendar date of
 *   birth (YYYYMMDD at offset 6).  A lower-case x is accepted and normalised
 *   to X.  Old 15-digit numbers (YYMMDD at offset 6, century 19) can be
 *   converted to 18 by ck_ids_resident_from15() where a caller wants that;
 *   the checking functions themselves accept only 18 characters.
 * - Unified social credit code (GB 32100): 18 characters over
 *   "0123456789ABCDEFGHJKLMNPQRTUWXY", check character MOD 31.  Lower-case
 *   letters are accepted and normalised to upper case.
 * - Case number (案号): "(2024)苏1283执1234号": year in parentheses
 *   (full-width （） accepted), court code, case type starting with 执
 *   (执, 执恢, 执保, ...), serial digits, 号.  Blanks around it are ignored.
 *
 * Every function is pure; outputs are written into caller-owned buffers of
 * the sizes stated; messages go to `err` (see error.h) and name the
 * expected check character when that is what is wrong.  Messages echo the
 * offending text (at most 64 bytes, control characters and broken UTF-8
 * shown as '?') because they are shown to the clerk who filed it; callers
 * that log them elsewhere must treat them as personal data.
 *
 * Common to the identifier functions: "blanks" are ASCII white space
 * (space, tab, CR, LF, VT, FF); `out` may be NULL when only the verdict is
 * wanted, and is set to "" on failure; NULL text is CK_E_USAGE; positions
 * in messages count characters from 1.
 */
#ifndef CHAKONG_IDS_H
#define CHAKONG_IDS_H

#include <stddef.h>

#define CK_ID_LEN   18
#define CK_ID_BUF   (CK_ID_LEN + 1)
#define CK_MASK_BUF 64 /* enough for any masked identifier or account */

enum ck_subject_kind {
	CK_SUBJECT_PERSON = 1, /* natural person: resident identity number */
	CK_SUBJECT_ORG = 2     /* organisation: unified social credit code */
};

/*
 * Checks an 18-character resident identity number and writes its normalised
 * form (upper-case X) into out.  Surrounding ASCII blanks are ignored.
 * Returns CK_OK or CK_E_INVALID with a message such as
 * "32010219800101123X: check character should be 8".  Checks in this order:
 * length ("must have 18 characters (has N)"; a 15-digit number is told it
 * must be converted first), characters ("character N is not a digit"), date
 * of birth ("date of birth 19800230 is not a real date": Gregorian, any
 * year), check character.
 */
int ck_ids_check_resident(const char *text, char out[CK_ID_BUF], char *err);

/* Converts a valid old 15-digit number to 18 characters ("19" inserted
 * before the year, check appended).  CK_E_INVALID if it is not one: not 15
 * digits, or 19YYMMDD not a real date.  Blanks around it are ignored. */
int ck_ids_resident_from15(const char *text, char out[CK_ID_BUF], char *err);

/* Checks an 18-character unified social credit code; normalised (upper
 * case) into out.  Only the alphabet and the check character are checked,
 * not the meaning of the positions (authority, category, region). */
int ck_ids_check_credit_code(const char *text, char out[CK_ID_BUF], char *err);

/* Checks `text` as the identifier of a subject of `kind`; an unknown kind
 * is CK_E_USAGE. */
int ck_ids_check_subject(enum ck_subject_kind kind, const char *text, char out[CK_ID_BUF],
                         char *err);

/* Guesses the kind of an identifier that passes one of the two checks:
 * CK_SUBJECT_PERSON, CK_SUBJECT_ORG, or 0 when it passes neither (or text
 * is NULL).  An all-digit text that passes both counts as a person. */
int ck_ids_kind_of(const char *text);

/* The check character for the first 17 characters, or '\0' if any of them
 * is outside the alphabet (or first17 is NULL or shorter than 17).  The
 * credit code variant accepts lower-case letters.  The date of birth is not
 * looked at. */
char ck_ids_resident_check_char(const char *first17);
char ck_ids_credit_check_char(const char *first17);

#define CK_CASE_NO_BUF 256

struct ck_case_no {
	int year;                        /* e.g. 2024 */
	char court[64];                  /* court code, e.g. "苏1283" (UTF-8) */
	char type[32];                   /* case type, e.g. "执", "执恢" */
	char serial[24];                 /* serial digits as written, e.g. "1234" */
	char normalised[CK_CASE_NO_BUF]; /* "(2024)苏1283执1234号" */
};

/*
 * Parses and normalises a case number (ASCII parentheses, no blanks).
 * Accepted: blanks (ASCII white space, U+3000) around it; "(" or "（"; a
 * 4-digit year 1949-2100; ")" or "）"; the court code = everything up to
 * the first 执 (non-empty, at most 63 bytes, Chinese characters and ASCII
 * letters and digits only: no blanks, parentheses, control characters,
 * path separators, dots or other punctuation); the case type = from that
 * 执 up to the first ASCII digit (Chinese characters only, at most 31
 * bytes); 1-18 ASCII digits; 号 and nothing after it.  Returns CK_OK,
 * CK_E_INVALID with a message naming what is wrong ("case number ...:
 * missing 号 at the end"; text that is not well-formed UTF-8 or longer
 * than 512 bytes is refused too) or CK_E_USAGE for NULL arguments.  On
 * failure *out is all zero.
 */
int ck_ids_parse_case_no(const char *text, struct ck_case_no *out, char *err);

/*
 * Masking for logs and masked reports.  Identifiers keep their first 6 and
 * last 4 characters ("320102********1238"); account numbers keep only their
 * last 4 ("***************4567" with as many stars as hidden characters).
 * Text too short to mask meaningfully is masked whole:
 * - an identifier of fewer than 11 characters becomes as many stars;
 * - an account number of fewer than 8 characters (where showing 4 would
 *   hide fewer than 4) becomes as many stars, but at least 4, so "12"
 *   becomes "****".
 * Empty or NULL input gives "".  Output is always NUL-terminated and
 * truncated to outsz (outsz 0: nothing written); a truncated result is a
 * prefix of the full one and reveals nothing more.  Inputs are meant to be
 * ASCII; a character is counted as one UTF-8 sequence, so non-ASCII input
 * is never cut inside a character.  CK_MASK_BUF holds the masked form of
 * any input of up to 63 bytes.
 */
void ck_ids_mask_id(const char *id, char *out, size_t outsz);
void ck_ids_mask_account(const char *account, char *out, size_t outsz);

#endif
