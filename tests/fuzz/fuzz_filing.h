/* SPDX-License-Identifier: MIT */
/*
 * fuzz_filing.h: what the two filing targets (fuzz_filing_csv.c,
 * fuzz_filing_xml.c) share: the input is a whole filing file, imported
 * into a scratch store that lives as long as the process (so that
 * re-imports and updates of earlier cases are reached too).
 *
 * Besides not crashing: the import returns CK_OK or an error of the file
 * as a whole; the counts add up; every message names where ("FILE:...")
 * and is one line of printable text, whatever the file held.
 */
#ifndef CK_FUZZ_FILING_H
#define CK_FUZZ_FILING_H

#include "chakong/error.h"
#include "chakong/filing.h"
#include "chakong/store.h"
#include "chakong/xmlsafe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_filing_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static void
fuzz_filing_report(void *ctx, const char *where, const char *message)
{
	(void)ctx;
	fuzz_filing_check(strncmp(where, "fuzz", 4) == 0, "a message says where");
	for (const char *s = where; s != NULL; s = s == where ? message : NULL)
		for (const unsigned char *p = (const unsigned char *)s; *p; p++)
			fuzz_filing_check(*p >= 0x20 && *p != 0x7f &&
			                      !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f),
			                  "a message is printable");
}

static int
fuzz_filing(enum ck_filing_format format, const uint8_t *data, size_t size)
{
	static struct ck_store *st;
	static struct ck_xsd_set *xsd;
	if (st == NULL) {
		const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		char path[64];
		snprintf(path, sizeof path, "%s/chakong-fuzz-%ld.db", dir, (long)getpid());
		if (ck_store_open(path, &st, NULL) != CK_OK || ck_xsd_set_new(&xsd, NULL) != CK_OK)
			abort();
		/* Unlinked at once: the store lives as long as the process. */
		static const char *const suffixes[] = {"", "-wal", "-shm"};
		for (size_t i = 0; i < 3; i++) {
			char side[80];
			snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
			unlink(side);
		}
	}
	/* The first byte picks how CSV is decoded (auto, UTF-8, GB18030). */
	enum ck_filing_encoding enc = CK_ENCODING_AUTO;
	if (format == CK_FILING_CSV && size > 0 && data[0] < 3) {
		enc = (enum ck_filing_encoding)data[0];
		data++;
		size--;
	}
	struct ck_filing_opts opts = {.format = format, .encoding = enc, .now = 1700000000};
	struct ck_filing_stats stats;
	char err[CK_ERR_SIZE] = "";
	int rc = ck_filing_import_buffer(st, xsd, "fuzz", data, size, &opts, fuzz_filing_report,
	                                 NULL, &stats, err);
	fuzz_filing_check(rc <= 0, "a result code");
	fuzz_filing_check(stats.cases_created >= 0 && stats.cases_updated >= 0 &&
	                      stats.cases_unchanged >= 0 && stats.cases_rejected >= 0,
	                  "counts are counts");
	if (rc != CK_OK)
		fuzz_filing_check(err[0] != '\0' && stats.cases_created + stats.cases_updated == 0,
		                  "a file refused as a whole says why and imports nothing");
	return 0;
}

#endif
