/* SPDX-License-Identifier: MIT */
/* buf.c: the growable text buffer of buf.h. */
#include "chakong/buf.h"
#include "chakong/amount.h"
#include "chakong/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
reserve(struct ck_buf *b, size_t more)
{
	if (b->failed)
		return 0;
	if (b->len + more + 1 <= b->cap)
		return 1;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *grown = realloc(b->data, cap);
	if (grown == NULL) {
		b->failed = 1;
		return 0;
	}
	b->data = grown;
	b->cap = cap;
	return 1;
}

void
ck_buf_add(struct ck_buf *b, const char *text, size_t len)
{
	if (!reserve(b, len))
		return;
	memcpy(b->data + b->len, text, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
ck_buf_puts(struct ck_buf *b, const char *text)
{
	ck_buf_add(b, text, strlen(text));
}

void
ck_buf_printf(struct ck_buf *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	/* Formatted straight into the room left, which is nearly always
	 * enough; measured and formatted again only when it is not. */
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (room)
			b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	if (room)
		b->data[b->len] = '\0';
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The entity of a character escaped in XML text, or NULL. */
static const char *
xml_entity(char c, size_t *len)
{
	switch (c) {
	case '<': *len = 4; return "&lt;";
	case '>': *len = 4; return "&gt;";
	case '&': *len = 5; return "&amp;";
	case '"': *len = 6; return "&quot;";
	case '\'': *len = 6; return "&apos;";
	default: return NULL;
	}
}

void
ck_buf_xml(struct ck_buf *b, const char *text)
{
	/* Runs of characters that need no escaping are copied whole. */
	const char *run = text;
	for (const char *p = text;; p++) {
		size_t elen = 0;
		const char *entity = *p != '\0' ? xml_entity(*p, &elen) : NULL;
		if (*p != '\0' && entity == NULL)
			continue;
		if (p > run)
			ck_buf_add(b, run, (size_t)(p - run));
		if (*p == '\0')
			return;
		ck_buf_add(b, entity, elen);
		run = p + 1;
	}
}

void
ck_buf_json(struct ck_buf *b, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char)*p};
			ck_buf_add(b, esc, 2);
		} else if (*p < 0x20) {
			ck_buf_printf(b, "\\u%04x", *p);
		} else {
			ck_buf_add(b, (const char *)p, 1);
		}
	}
}

void
ck_buf_amount(struct ck_buf *b, int64_t minor)
{
	char text[CK_AMOUNT_BUF];
	if (ck_amount_format(minor, text, sizeof text) > 0)
		ck_buf_puts(b, text);
	else
		b->failed = 1;
}

void
ck_buf_date(struct ck_buf *b, int64_t days)
{
	char text[CK_DATE_BUF];
	if (ck_date_format(days, text, sizeof text) == 0)
		ck_buf_puts(b, text);
	else
		b->failed = 1;
}

void
ck_buf_release(struct ck_buf *b)
{
	free(b->data);
	*b = (struct ck_buf){0};
}

char *
ck_buf_detach(struct ck_buf *b, size_t *len)
{
	char *data = b->failed ? NULL : b->data;
	if (data == NULL)
		free(b->data);
	if (len != NULL)
		*len = data ? b->len : 0;
	*b = (struct ck_buf){0};
	return data;
}
