/* SPDX-License-Identifier: MIT */
/* fuzz_filing_xml.c: libFuzzer target for the XML filing importer
 * (urn:chakong:filing:1, case by case validation); see fuzz_filing.h. */
#include "fuzz_filing.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_filing(CK_FILING_XML, data, size);
}
