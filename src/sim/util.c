/* SPDX-License-Identifier: MIT */
/* util.c: the simulator's random numbers and text buffers (sim.h). */
#include "sim.h"
#include "chakong/amount.h"
#include "chakong/timeutil.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- Random numbers ----------------------------------------------------- */

static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void
sim_rng_seed(struct sim_rng *rng, uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	rng->state = mix(mix(mix(seed ^ 0x9e3779b97f4a7c15u) ^ a) ^ b) ^ c;
}

uint64_t
sim_rng_next(struct sim_rng *rng)
{
	rng->state += 0x9e3779b97f4a7c15u;
	return mix(rng->state);
}

uint64_t
sim_rng_below(struct sim_rng *rng, uint64_t n)
{
	/* Rejection sampling keeps small ranges exactly uniform. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do
		v = sim_rng_next(rng);
	while (v >= limit);
	return v % n;
}

int
sim_rng_chance(struct sim_rng *rng, unsigned permille)
{
	return sim_rng_below(rng, 1000) < permille;
}

uint64_t
sim_hash(const char *text)
{
	uint64_t h = 1469598103934665603u;
	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 1099511628211u;
	return h;
}

/* ---- Text buffers ------------------------------------------------------- */

static int
reserve(struct sim_buf *b, size_t more)
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
sim_buf_add(struct sim_buf *b, const char *text, size_t len)
{
	if (!reserve(b, len))
		return;
	memcpy(b->data + b->len, text, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void
sim_buf_puts(struct sim_buf *b, const char *text)
{
	sim_buf_add(b, text, strlen(text));
}

void
sim_buf_printf(struct sim_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
sim_buf_xml(struct sim_buf *b, const char *text)
{
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '<': sim_buf_add(b, "&lt;", 4); break;
		case '>': sim_buf_add(b, "&gt;", 4); break;
		case '&': sim_buf_add(b, "&amp;", 5); break;
		case '"': sim_buf_add(b, "&quot;", 6); break;
		case '\'': sim_buf_add(b, "&apos;", 6); break;
		default: sim_buf_add(b, p, 1);
		}
	}
}

void
sim_buf_json(struct sim_buf *b, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char)*p};
			sim_buf_add(b, esc, 2);
		} else if (*p < 0x20) {
			sim_buf_printf(b, "\\u%04x", *p);
		} else {
			sim_buf_add(b, (const char *)p, 1);
		}
	}
}

void
sim_buf_amount(struct sim_buf *b, int64_t minor)
{
	char text[CK_AMOUNT_BUF];
	if (ck_amount_format(minor, text, sizeof text) > 0)
		sim_buf_puts(b, text);
	else
		b->failed = 1;
}

void
sim_buf_date(struct sim_buf *b, int64_t days)
{
	char text[CK_DATE_BUF];
	if (ck_date_format(days, text, sizeof text) == 0)
		sim_buf_puts(b, text);
	else
		b->failed = 1;
}

void
sim_buf_release(struct sim_buf *b)
{
	free(b->data);
	*b = (struct sim_buf){0};
}
