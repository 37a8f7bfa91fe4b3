/* SPDX-License-Identifier: MIT */
/* fuzz_filing.c: libFuzzer target for the filing importer (CSV and XML, by
 * content) over a scratch store. */
#include "chakong/filing.h"
#include "chakong/store.h"
#include "chakong/xmlsafe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ck_store *st;
	static struct ck_xsd_set *xsd;
	if (st == NULL) {
		char path[] = "/tmp/chakong-fuzz-XXXXXX";
		int fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		if (ck_store_open(path, &st, NULL) != 0 || ck_xsd_set_new(&xsd, NULL) != 0)
			abort();
		unlink(path);
	}
	struct ck_filing_opts opts = {.now = 1700000000};
	struct ck_filing_stats stats;
	ck_filing_import_buffer(st, xsd, "fuzz", data, size, &opts, NULL, NULL, &stats, NULL);
	return 0;
}
