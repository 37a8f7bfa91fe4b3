/* SPDX-License-Identifier: MIT */
/* fuzz_bank.c: libFuzzer target for the bank adapter's interpret function
 * (accounts, wealth products, freezes); the input format and the rules checked are those of
 * fuzz_adapter.h. */
#include "fuzz_adapter.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_adapter(CK_KIND_BANK, "q-000001-icbc-r0", data, size);
}
