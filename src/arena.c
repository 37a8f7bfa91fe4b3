/* SPDX-License-Identifier: MIT */
/* arena.c: the bump allocator of arena.h. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ck_arena_block {
	struct ck_arena_block *next;
	alignas(max_align_t) unsigned char data[];
};

void *
ck_arena_alloc(struct ck_arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	size_t start = (a->used + align - 1) & ~(align - 1);
	if (a->head == NULL || start > a->size || n > a->size - start) {
		size_t size = n > CK_ARENA_BLOCK ? n : CK_ARENA_BLOCK;
		if (size > SIZE_MAX - sizeof(struct ck_arena_block))
			return NULL;
		struct ck_arena_block *b = malloc(sizeof *b + size);
		if (b == NULL)
			return NULL;
		b->next = a->head;
		a->head = b;
		a->size = size;
		start = 0;
	}
	a->used = start + n;
	return a->head->data + start;
}

char *
ck_arena_strndup(struct ck_arena *a, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = ck_arena_alloc(a, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void
ck_arena_release(struct ck_arena *a)
{
	while (a->head != NULL) {
		struct ck_arena_block *next = a->head->next;
		free(a->head);
		a->head = next;
	}
	a->used = a->size = 0;
}

void
ck_arena_reset(struct ck_arena *a)
{
	if (a->head == NULL)
		return;
	/* Keep the newest block; a big one (a single allocation larger than
	 * CK_ARENA_BLOCK) is kept too, and reused while it lasts. */
	struct ck_arena_block *keep = a->head;
	struct ck_arena_block *b = keep->next;
	while (b != NULL) {
		struct ck_arena_block *next = b->next;
		free(b);
		b = next;
	}
	keep->next = NULL;
	a->used = 0;
}
