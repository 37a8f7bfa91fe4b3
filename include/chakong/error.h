/* SPDX-License-Identifier: MIT */
/*
 * error.h: result codes and caller-supplied error buffers, shared by every
 * module of libchakong.
 *
 * Contract
 * - Functions return CK_OK (0) on success or a negative CK_E_* code.
 * - Codes are append-only: never renumber one, never reuse a retired one
 *   (keep it as CK_E_RETIREDnn).  CK_E_LAST_ is one past the last code.
 * - "Again" (CK_E_AGAIN: retry later) is kept apart from failures.
 * - Functions that can fail take `char *err`, a buffer of CK_ERR_SIZE bytes
 *   owned by the caller, or NULL when the caller does not want a message.
 *   The first message written wins; callers clear it (err[0] = '\0') before
 *   a call whose message they want.  Messages are one line, lower case, no
 *   final period: what failed, where (file:line or field), why.
 */
#ifndef CHAKONG_ERROR_H
#define CHAKONG_ERROR_H

#include <stddef.h>

#define CK_ERR_SIZE 256

enum ck_code {
	CK_OK = 0,
	CK_E_NOMEM = -1,     /* out of memory */
	CK_E_INVALID = -2,   /* a value breaks its rules (checksum, format) */
	CK_E_IO = -3,        /* a file or socket operation failed */
	CK_E_XML = -4,       /* not well-formed XML */
	CK_E_HOSTILE = -5,   /* DOCTYPE, entities or other hostile content */
	CK_E_SCHEMA = -6,    /* well-formed but fails its XSD */
	CK_E_ENCODING = -7,  /* bytes are not valid in the declared encoding */
	CK_E_STORE = -8,     /* the SQLite store failed */
	CK_E_VERSION = -9,   /* the store was written by a newer chakong */
	CK_E_NOTFOUND = -10, /* the thing asked for does not exist */
	CK_E_TOOBIG = -11,   /* input larger than its configured limit */
	CK_E_RANGE = -12,    /* a number outside what can be represented */
	CK_E_USAGE = -13,    /* a caller or a command line used the API wrongly */
	CK_E_AGAIN = -14,    /* not now: try again later */
	CK_E_LAST_ = -15
};

/* Returns a static, human-readable name for a code; never NULL. */
const char *ck_strerror(int code);

/*
 * Writes a printf-style message into err unless err is NULL or already holds
 * a message (the first message wins).  Newlines in the result are replaced by
 * spaces.  Returns `code` so that callers can write
 * `return ck_fail(err, CK_E_INVALID, "...", ...);`.
 */
int ck_fail(char *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
