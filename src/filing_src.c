/* SPDX-License-Identifier: MIT */
/*
 * filing_src.c: a filing's bytes for the importer (filing_internal.h),
 * from a caller's buffer or from an open file.
 *
 * A file is never held whole: sequential reading goes through one window
 * (FILING_SRC_WINDOW bytes, more only for a longer piece), and a record
 * read out of order is read alone.  The importer reads a file twice (once
 * to check and group its rows, once to store them case by case), so the
 * file's identity is kept to tell whether it changed in between.
 */
#include "chakong/error.h"
#include "filing_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FILING_SRC_WINDOW ((size_t)1 << 20)

void
filing_src_memory(struct filing_src *s, const void *data, size_t len)
{
	*s = (struct filing_src){.mem = data, .size = len, .fd = -1};
}

int
filing_src_file(struct filing_src *s, int fd, const struct stat *sb)
{
	*s = (struct filing_src){.size = (size_t)sb->st_size, .fd = fd, .id = *sb};
	return CK_OK;
}

void
filing_src_release(struct filing_src *s)
{
	free(s->win);
	free(s->one);
	s->win = s->one = NULL;
	s->win_cap = s->one_cap = 0;
}

/* Reads exactly len bytes at off into buf; CK_E_IO when the file ended
 * before (it was cut short since it was measured) or could not be read. */
static int
read_at(struct filing_src *s, char *buf, size_t off, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(s->fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CK_E_IO;
		got += (size_t)n;
	}
	return CK_OK;
}

int
filing_src_read(struct filing_src *s, size_t off, size_t len, char *buf)
{
	if (off > s->size || len > s->size - off)
		return CK_E_IO;
	if (s->mem != NULL) {
		memcpy(buf, s->mem + off, len);
		return CK_OK;
	}
	errno = 0;
	return read_at(s, buf, off, len);
}

/* Fills the window with the bytes from off on: at least `need` of them
 * (growing the window for them), as many as fit otherwise. */
static int
fill_window(struct filing_src *s, size_t off, size_t need)
{
	size_t want = need > FILING_SRC_WINDOW ? need : FILING_SRC_WINDOW;
	if (want > s->size - off)
		want = s->size - off;
	if (want > s->win_cap) {
		char *grown = realloc(s->win, want);
		if (grown == NULL)
			return CK_E_NOMEM;
		s->win = grown;
		s->win_cap = want;
	}
	/* Keep what the window already holds of the new range. */
	size_t kept = 0;
	if (s->win_len > 0 && off >= s->win_off && off < s->win_off + s->win_len) {
		kept = s->win_off + s->win_len - off;
		memmove(s->win, s->win + (off - s->win_off), kept);
	}
	s->win_off = off;
	s->win_len = 0;
	int rc = read_at(s, s->win + kept, off + kept, want - kept);
	if (rc == CK_OK)
		s->win_len = want;
	return rc;
}

const char *
filing_src_piece(struct filing_src *s, size_t off, size_t *len, int *rc)
{
	*rc = CK_OK;
	if (s->mem != NULL) {
		const char *p = s->mem + off;
		size_t n = s->size - off;
		const char *nl = memchr(p, '\n', n);
		const char *cr = memchr(p, '\r', nl ? (size_t)(nl - p) : n);
		const char *end = cr ? cr : nl;
		*len = end ? (size_t)(end - p) + 1 : n;
		return p;
	}
	for (;;) {
		if (off < s->win_off || off >= s->win_off + s->win_len) {
			if ((*rc = fill_window(s, off, 0)) != CK_OK)
				return NULL;
		}
		const char *p = s->win + (off - s->win_off);
		size_t n = s->win_off + s->win_len - off;
		const char *nl = memchr(p, '\n', n);
		const char *cr = memchr(p, '\r', nl ? (size_t)(nl - p) : n);
		const char *end = cr ? cr : nl;
		if (end != NULL || s->win_off + s->win_len == s->size) {
			*len = end ? (size_t)(end - p) + 1 : n;
			return p;
		}
		/* The piece goes on past the window: a window starting here,
		 * twice as long as what was searched if need be. */
		if ((*rc = fill_window(s, off, n < FILING_SRC_WINDOW / 2 ? 0 : n * 2)) != CK_OK)
			return NULL;
	}
}

const char *
filing_src_bytes(struct filing_src *s, size_t off, size_t len, int sequential, int *rc)
{
	*rc = CK_OK;
	if (off > s->size || len > s->size - off) {
		*rc = CK_E_IO;
		return NULL;
	}
	if (s->mem != NULL)
		return s->mem + off;
	if (off >= s->win_off && off - s->win_off <= s->win_len &&
	    len <= s->win_len - (off - s->win_off))
		return s->win + (off - s->win_off);
	if (sequential) {
		if ((*rc = fill_window(s, off, len)) != CK_OK)
			return NULL;
		return s->win;
	}
	/* Out of order (a later row of a case whose rows are apart): read it
	 * alone and leave the window where the sequential reading is. */
	if (len > s->one_cap) {
		char *grown = realloc(s->one, len);
		if (grown == NULL && len > 0) {
			*rc = CK_E_NOMEM;
			return NULL;
		}
		s->one = grown;
		s->one_cap = len;
	}
	if ((*rc = read_at(s, s->one, off, len)) != CK_OK)
		return NULL;
	return s->one;
}

int
filing_src_unchanged(const struct filing_src *s)
{
	if (s->mem != NULL)
		return 1;
	struct stat now;
	if (fstat(s->fd, &now) != 0)
		return 0;
	return now.st_dev == s->id.st_dev && now.st_ino == s->id.st_ino &&
	       now.st_size == s->id.st_size && now.st_mtim.tv_sec == s->id.st_mtim.tv_sec &&
	       now.st_mtim.tv_nsec == s->id.st_mtim.tv_nsec;
}
