/* SPDX-License-Identifier: MIT */
/* fuzz_filing_csv.c: libFuzzer target for the CSV filing importer (UTF-8
 * with or without BOM, GB18030, RFC 4180 quoting); see fuzz_filing.h. */
#include "fuzz_filing.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_filing(CK_FILING_CSV, data, size);
}
