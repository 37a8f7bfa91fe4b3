/* SPDX-License-Identifier: MIT */
/*
 * textutil.c: trimming and message quoting shared by the value parsers; see
 * textutil.h.
 */
#include "textutil.h"
#include "textenc.h"
#include "chakong/error.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int
ck_text_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
ck_text_trim(const char **s, size_t *len)
{
	while (*len > 0 && ck_text_is_blank((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ck_text_is_blank((*s)[*len - 1]))
		(*len)--;
}

const char *
ck_text_quote(const char *text, size_t len, char out[CK_QUOTE_BUF])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)text;
	uint32_t cp;
	size_t o = 0;
	const size_t room = CK_QUOTE_BUF - 5; /* keeps space for `..."` and NUL */
	out[o++] = '"';
	for (size_t i = 0; i < len;) {
		char piece[4];
		size_t n = 0, take = 1;
		if (s[i] == '"' || s[i] == '\\') {
			piece[n++] = '\\';
			piece[n++] = (char)s[i];
		} else if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			piece[n++] = '\\';
			piece[n++] = s[i] == '\t' ? 't' : s[i] == '\n' ? 'n' : 'r';
		} else if (s[i] >= 0x20 && s[i] < 0x7f) {
			piece[n++] = (char)s[i];
		} else if (s[i] >= 0x80 && (take = ck_utf8_seq(s + i, len - i, &cp)) > 0) {
			memcpy(piece, s + i, take);
			n = take;
		} else {
			take = 1;
			piece[n++] = '\\';
			piece[n++] = 'x';
			piece[n++] = hex[s[i] >> 4];
			piece[n++] = hex[s[i] & 0xf];
		}
		if (o + n > room) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, n);
		o += n;
		i += take;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

int
ck_fail_quoted(char *err, int code, const char *text, size_t len, const char *fmt, ...)
{
	char q[CK_QUOTE_BUF], why[CK_ERR_SIZE];
	va_list ap;
	if (err == NULL || err[0] != '\0')
		return code; /* the first message wins: spare the work */
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return ck_fail(err, code, "%s: %s", ck_text_quote(text, len, q), why);
}
