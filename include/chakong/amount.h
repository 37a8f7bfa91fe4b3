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

/*
 * Parses decimal text into hundredths: "12.5" gives 1250, "007.5" 750, "-0"
 * 0.  Returns CK_OK, CK_E_INVALID (the grammar is broken; NULL text counts
 * as empty) or CK_E_RANGE (outside -92233720368547758.08 ..
 * 92233720368547758.07, the range of int64_t).  *minor is written only on
 * success and may be NULL to check text alone.  Messages quote the text and
 * say why: `"48,000.00": thousands separators are not allowed`.
 */
int ck_amount_parse(const char *text, int64_t *minor, char *err);

/* Formats hundredths as "-1234.50" (always two fraction digits, no
 * separators; INT64_MIN included).  Returns the length written (< outsz) or
 * CK_E_RANGE when out is NULL or outsz too small (then out gets "" if it has
 * room for it).  CK_AMOUNT_BUF is always enough. */
int ck_amount_format(int64_t minor, char *out, size_t outsz);

/*
 * Checks an ISO 4217 alphabetic code: three upper-case ASCII letters that
 * name a currency in ISO 4217's current list (XTS, for testing, and XXX, no
 * currency, are refused).  Blanks around it are ignored; lower case is
 * refused, not folded.  Empty or NULL text means CNY (common.md).  On
 * success the code is copied into out, on failure out gets ""; out may be
 * NULL.  Returns CK_OK or CK_E_INVALID (`currency "usd" must be upper case`).
 */
int ck_currency_check(const char *text, char out[CK_CURRENCY_BUF], char *err);

#endif
