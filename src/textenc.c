/* SPDX-License-Identifier: MIT */
/* textenc.c: UTF-8 checking and iconv conversion to and from UTF-8 (textenc.h). */
#include "textenc.h"
#include "chakong/error.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t
ck_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1Fu;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0Fu;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07u;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

size_t
ck_utf8_invalid_at(const unsigned char *p, size_t len)
{
	/* Markup is mostly ASCII: eight bytes at a time while none has its
	 * high bit set, each sequence decoded otherwise. */
	const uint64_t high = 0x8080808080808080u;
	uint32_t cp;
	size_t i = 0, n;
	while (i < len) {
		uint64_t eight;
		if (len - i >= sizeof eight) {
			memcpy(&eight, p + i, sizeof eight);
			if ((eight & high) == 0) {
				i += sizeof eight;
				continue;
			}
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = ck_utf8_seq(p + i, len - i, &cp)) == 0)
			break;
		i += n;
	}
	return i;
}

long
ck_line_at(const char *p, size_t off)
{
	long line = 1;
	for (size_t i = 0; i < off; i++)
		line += p[i] == '\n';
	return line;
}

/* glibc's iconv stops at the first sequence that is invalid (EILSEQ) or cut
 * short at the end (EINVAL); either makes the text invalid.  E2BIG only
 * means the output buffer is full: grow it and go on. */
static int
convert(const char *to, const char *from, const unsigned char *p, size_t len, char **out,
        size_t *out_len, size_t *bad_offset)
{
	*out = NULL;
	*out_len = 0;
	iconv_t cd = iconv_open(to, from);
	if (cd == (iconv_t)-1)
		return CK_E_NOTFOUND;
	/* GB18030, GBK and UTF-16 grow by at most half; grown on demand else. */
	size_t cap = len + len / 2 + 16, used = 0;
	char *buf = malloc(cap);
	char *in = (char *)(uintptr_t)p; /* iconv does not write through it */
	size_t in_left = len;
	int flushing = 0, rc = buf ? CK_OK : CK_E_NOMEM;
	while (rc == CK_OK) {
		char *o = buf + used;
		size_t o_left = cap - used;
		size_t r = flushing ? iconv(cd, NULL, NULL, &o, &o_left)
		                    : iconv(cd, &in, &in_left, &o, &o_left);
		int saved = errno;
		used = (size_t)(o - buf);
		if (r != (size_t)-1) {
			if (flushing)
				break;
			flushing = 1; /* stateful encodings may still owe output */
		} else if (saved != E2BIG) {
			*bad_offset = len - in_left;
			rc = CK_E_ENCODING;
		} else {
			char *grown = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
			if (grown == NULL)
				rc = CK_E_NOMEM;
			else {
				buf = grown;
				cap *= 2;
			}
		}
	}
	iconv_close(cd);
	if (rc != CK_OK) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = used;
	return CK_OK;
}

int
ck_to_utf8(const char *from, const unsigned char *p, size_t len, char **out, size_t *out_len,
           size_t *bad_offset)
{
	return convert("UTF-8", from, p, len, out, out_len, bad_offset);
}

int
ck_from_utf8(const char *to, const unsigned char *p, size_t len, char **out, size_t *out_len,
             size_t *bad_offset)
{
	return convert(to, "UTF-8", p, len, out, out_len, bad_offset);
}
