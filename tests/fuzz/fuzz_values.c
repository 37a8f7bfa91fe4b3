/* SPDX-License-Identifier: MIT */
/* fuzz_values.c: libFuzzer target for the value parsers: identifiers, case
 * numbers, amounts and times.  Each must accept or refuse any text without
 * crashing, and what it accepts must format back to what it parses to. */
#include "chakong/amount.h"
#include "chakong/ids.h"
#include "chakong/timeutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char err[256] = "", id[CK_ID_BUF], mask[CK_MASK_BUF];
	ck_ids_check_resident(text, id, err);
	ck_ids_check_credit_code(text, id, err);
	ck_ids_resident_from15(text, id, err);
	ck_ids_mask_id(text, mask, sizeof mask);
	ck_ids_mask_account(text, mask, sizeof mask);
	struct ck_case_no no;
	ck_ids_parse_case_no(text, &no, err);

	int64_t minor, again;
	char buf[CK_AMOUNT_BUF];
	if (ck_amount_parse(text, &minor, err) == 0) {
		if (ck_amount_format(minor, buf, sizeof buf) < 0 ||
		    ck_amount_parse(buf, &again, err) != 0 || again != minor)
			abort();
	}
	int64_t epoch;
	int offset;
	char tbuf[CK_TIME_BUF];
	if (ck_time_parse(text, &epoch, &offset, err) == 0 &&
	    ck_time_format(epoch, offset, tbuf, sizeof tbuf) == 0) {
		int64_t epoch2;
		if (ck_time_parse(tbuf, &epoch2, NULL, err) != 0 || epoch2 != epoch)
			abort();
	}
	free(text);
	return 0;
}
