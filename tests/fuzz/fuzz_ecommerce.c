/* SPDX-License-Identifier: MIT */
/* fuzz_ecommerce.c: libFuzzer target for the ecommerce adapter's interpret function
 * (pages followed by their cursors); the input format and the rules checked are those of
 * fuzz_adapter.h. */
#include "fuzz_adapter.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_adapter(CK_KIND_ECOMMERCE, "q-000001-alipay-r0", data, size);
}
