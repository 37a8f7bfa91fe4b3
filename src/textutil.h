/* SPDX-License-Identifier: MIT */
/*
 * textutil.h (internal to the library): small text helpers that parsers of
 * interface values share: trimming the blanks the interfaces declare not
 * significant, and quoting offending text safely inside error messages.
 */
#ifndef CK_TEXTUTIL_H
#define CK_TEXTUTIL_H

#include <stddef.h>

/* Size of a buffer for ck_text_quote(): a quoted excerpt short enough to
 * leave room in a CK_ERR_SIZE message for the reason around it. */
#define CK_QUOTE_BUF 80

/* True for the ASCII blanks trimmed around values: space, tab, CR, LF. */
int ck_text_is_blank(char c);

/* Narrows [*s, *s + *len) to the text without surrounding ASCII blanks. */
void ck_text_trim(const char **s, size_t *len);

/*
 * Writes len bytes of text into out as a double-quoted excerpt fit for a
 * one-line message and returns out.  Quotes, backslashes, control characters
 * and bytes that are not well-formed UTF-8 are escaped (\" \\ \t \n \r \xhh),
 * because the text comes from filings and institutions and must not smuggle
 * terminal controls or broken UTF-8 into logs; long text is cut at a
 * character boundary and marked with "...".
 */
const char *ck_text_quote(const char *text, size_t len, char out[CK_QUOTE_BUF]);

/*
 * Like ck_fail() (error.h), for a value that breaks its rules: the message is
 * the quoted text, ": " and the printf-style reason, as in
 * `"48,000.00": thousands separators are not allowed`.  The text is quoted
 * only when a message is wanted.  Returns code.
 */
int ck_fail_quoted(char *err, int code, const char *text, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
