/* SPDX-License-Identifier: MIT */
/*
 * textenc.h: checking UTF-8 and converting other encodings to it (shared by
 * xmlsafe.c for documents and filing.c for CSV filings) and from it
 * (report_csv.c for GB18030 reports).  Private to src/.
 *
 * No messages here: callers know where the bytes came from and say so.
 */
#ifndef CHAKONG_TEXTENC_H
#define CHAKONG_TEXTENC_H

#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s[0..n) and its code
 * point in *cp, or 0 when the bytes there are not one (overlong forms,
 * surrogates, values above U+10FFFF, cut-short sequences; n == 0). */
size_t ck_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* Offset of the first byte that does not belong to well-formed UTF-8
 * (overlong forms, surrogates, code points above U+10FFFF and sequences cut
 * short at the end included), or len when the text is valid. */
size_t ck_utf8_invalid_at(const unsigned char *p, size_t len);

/* 1-based line of offset off in p (counting '\n' before it). */
long ck_line_at(const char *p, size_t off);

/*
 * Converts p[0..len) from the iconv encoding `from` to UTF-8 into a new
 * malloc'd buffer (*out, *out_len; freed by the caller).  Returns CK_OK;
 * CK_E_NOTFOUND when iconv does not know `from`; CK_E_ENCODING when the
 * bytes are invalid or cut short in that encoding, with *bad_offset the
 * offset of the first bad byte; CK_E_NOMEM.  On failure *out is NULL.
 */
int ck_to_utf8(const char *from, const unsigned char *p, size_t len, char **out, size_t *out_len,
               size_t *bad_offset);

/*
 * A converter to UTF-8 kept open for a text converted piece by piece (one
 * iconv descriptor instead of one per piece), for encodings without shift
 * states such as GB18030, where each piece ends on a character boundary.
 * ck_utf8_conv_open() returns CK_OK, CK_E_NOTFOUND when iconv does not know
 * `from`, or CK_E_NOMEM; the converter is freed by ck_utf8_conv_close().
 * ck_utf8_conv_run() converts p[0..len) into the converter's own buffer:
 * *out stays valid until the next call or the close.  Results as
 * ck_to_utf8(), *bad_offset relative to p.
 */
struct ck_utf8_conv;
int ck_utf8_conv_open(const char *from, struct ck_utf8_conv **out);
int ck_utf8_conv_run(struct ck_utf8_conv *c, const unsigned char *p, size_t len, const char **out,
                     size_t *out_len, size_t *bad_offset);
void ck_utf8_conv_close(struct ck_utf8_conv *c);

/* The other way: UTF-8 text p[0..len) into the iconv encoding `to`
 * (e.g. "GB18030"), with the same results; CK_E_ENCODING also when a
 * character has no form in `to`. */
int ck_from_utf8(const char *to, const unsigned char *p, size_t len, char **out, size_t *out_len,
                 size_t *bad_offset);

#endif
