/* SPDX-License-Identifier: MIT */
/*
 * arena.h: a bump allocator for many small strings that die together (the
 * fields of a filing's record, the case numbers of a filing).  Private to src/.
 *
 * Memory comes in blocks of at least CK_ARENA_BLOCK bytes; nothing is freed
 * before ck_arena_reset() or ck_arena_release(), which free every
 * allocation at once.  A zeroed struct is an empty arena.
 */
#ifndef CHAKONG_ARENA_H
#define CHAKONG_ARENA_H

#include <stddef.h>

#define CK_ARENA_BLOCK ((size_t)64 << 10)

struct ck_arena_block;

struct ck_arena {
	struct ck_arena_block *head;
	size_t used; /* bytes used in head */
	size_t size; /* bytes available in head */
};

/* n bytes aligned for any type, or NULL when memory runs out. */
void *ck_arena_alloc(struct ck_arena *a, size_t n);

/* A NUL-terminated copy of s[0..len), or NULL when memory runs out. */
char *ck_arena_strndup(struct ck_arena *a, const char *s, size_t len);

void ck_arena_release(struct ck_arena *a);

/* Frees everything allocated but keeps one block for reuse: an arena used
 * for one record at a time stays at one block. */
void ck_arena_reset(struct ck_arena *a);

#endif
