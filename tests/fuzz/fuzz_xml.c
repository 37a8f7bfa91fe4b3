/* SPDX-License-Identifier: MIT */
/* fuzz_xml.c: libFuzzer target for the hardened XML parser (xmlsafe). */
#include "chakong/xmlsafe.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xmlDoc *doc = NULL;
	char err[256] = "";
	struct ck_xml_limits limits = {.max_bytes = 1 << 20, .max_depth = 32};
	if (ck_xml_parse(data, size, &limits, &doc, err) == 0)
		xmlFreeDoc(doc);
	return 0;
}
