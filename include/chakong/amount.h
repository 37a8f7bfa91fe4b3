/* SPDX-License-Identifier: MIT */
/*
 * amount.h: money as integer minor units, and currency codes.
 *
 * Every amount the interfaces carry is a decimal string (common.md): an
 * optional leading '-', one or more digits, optionally '.' and one or two
 * fraction digits.  It is held as int64_t hundredths of the currency unit
 * (fen for CNY).  Exponents, '+', thousands separators, a leading or
 * trailing '.', three or more fraction digits, empty text and values beyond
 * int64_t are refused with a message naming why.  Blanks around the text
 * are not significant.  No floating point anywhere.
 */
#ifndef CHAKONG_AMOUNT_H
#define CHAKONG_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

/* Longest formatted amount: "-92233720368547758.08" plus NUL. */
#define CK_AMOUNT_BUF   24
#define CK_CURRENCY_BUF 4

/* Parses decimal text into hundredths.  CK_OK, CK_E_INVALID or CK_E_RANGE. */
int ck_amount_parse(const char *text, int64_t *minor, char *err);

/* Formats hundredths as "-1234.50" (always two fraction digits, no
 * separators).  Returns the length written (< outsz) or CK_E_RANGE when
 * outsz is too small. */
int ck_amount_format(int64_t minor, char *out, size_t outsz);

/*
 * Checks an ISO 4217 alphabetic code: three upper-case ASCII letters that
 * name a currency in ISO 4217's current list.  Empty or NULL text means CNY
 * (common.md); the result is copied into out.
 */
int ck_currency_check(const char *text, char out[CK_CURRENCY_BUF], char *err);

#endif
