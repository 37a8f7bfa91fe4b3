/* SPDX-License-Identifier: MIT */
/*
 * buf.h: a growable text buffer for building documents (requests, answers,
 * reports).  Appends never fail loudly: when memory runs out the buffer
 * sets `failed`, ignores further appends, and the caller checks `failed`
 * once at the end.
 *
 * Ownership: the buffer owns `data` (always NUL-terminated once anything
 * was appended); ck_buf_release() frees it; ck_buf_detach() hands it over.
 * A zeroed struct is an empty buffer.
 */
#ifndef CHAKONG_BUF_H
#define CHAKONG_BUF_H

#include <stddef.h>
#include <stdint.h>

struct ck_buf {
	char *data;
	size_t len, cap;
	int failed;
};

void ck_buf_add(struct ck_buf *b, const char *text, size_t len);
void ck_buf_puts(struct ck_buf *b, const char *text);
void ck_buf_printf(struct ck_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text escaped for XML character data and attribute values. */
void ck_buf_xml(struct ck_buf *b, const char *text);
/* Text escaped for the inside of a JSON string. */
void ck_buf_json(struct ck_buf *b, const char *text);
/* An amount in hundredths as decimal text ("-12.50"). */
void ck_buf_amount(struct ck_buf *b, int64_t minor);
/* A date (days since 1970-01-01) as "YYYY-MM-DD". */
void ck_buf_date(struct ck_buf *b, int64_t days);
/* The content, now the caller's (free()); NULL if failed.  The buffer is
 * left empty. */
char *ck_buf_detach(struct ck_buf *b, size_t *len);
void ck_buf_release(struct ck_buf *b);

#endif
