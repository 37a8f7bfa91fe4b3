/* SPDX-License-Identifier: MIT */
/*
 * testutil.h: helpers shared by the cmocka tests: temporary directories,
 * whole-file reads and writes, and running the chakong program.
 *
 * Every function fails the current test (cmocka fail_msg) rather than
 * returning an error, so tests stay short.  Returned strings are malloc'd
 * and freed by the caller with free().
 */
#ifndef CK_TESTUTIL_H
#define CK_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

/* Creates a fresh directory under $TMPDIR (or /tmp); caller frees the path
 * and removes the tree with ck_test_rmtree(). */
char *ck_test_tmpdir(void);
void ck_test_rmtree(const char *path);

/* path = dir + "/" + name; caller frees. */
char *ck_test_path(const char *dir, const char *name);

/* Whole file into a NUL-terminated buffer; *len gets its size (may be NULL). */
char *ck_test_read_file(const char *path, size_t *len);
void ck_test_write_file(const char *path, const void *data, size_t len);

struct ck_test_run {
	int status;   /* exit status, or 128 + signal number */
	char *out;    /* everything written to stdout */
	char *errout; /* everything written to stderr */
};

/* Runs argv (argv[0] is a path, not searched) with the working directory
 * `cwd` (NULL: inherited), collects output; free with ck_test_run_free(). */
void ck_test_run(struct ck_test_run *run, const char *cwd, char *const argv[]);
void ck_test_run_free(struct ck_test_run *run);

/* The number of times `needle` occurs in `haystack`. */
int ck_test_count(const char *haystack, const char *needle);

#endif
