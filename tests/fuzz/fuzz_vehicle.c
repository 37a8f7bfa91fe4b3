/* SPDX-License-Identifier: MIT */
/* fuzz_vehicle.c: libFuzzer target for the vehicle adapter's interpret function
 * (SOAP envelopes and the escaped document inside); the input format and the rules checked are
 * those of fuzz_adapter.h. */
#include "fuzz_adapter.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_adapter(CK_KIND_VEHICLE, "q-000001-trff-r0", data, size);
}
