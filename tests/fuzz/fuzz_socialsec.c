/* SPDX-License-Identifier: MIT */
/* fuzz_socialsec.c: libFuzzer target for the socialsec adapter's interpret function
 * (submissions, tickets, polls, results); the input format and the rules checked are those of
 * fuzz_adapter.h. */
#include "fuzz_adapter.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_adapter(CK_KIND_SOCIALSEC, "q-000001-si-r0", data, size);
}
