/* SPDX-License-Identifier: MIT */
/* fuzz_realestate.c: libFuzzer target for the realestate adapter's interpret function
 * (GB18030 answers, property units, mortgages, seizures); the input format and the rules checked
 * are those of fuzz_adapter.h. */
#include "fuzz_adapter.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_adapter(CK_KIND_REALESTATE, "q-000001-bdc-taixing-r0", data, size);
}
