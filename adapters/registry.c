/* SPDX-License-Identifier: MIT */
/*
 * registry.c: every institution kind's adapter table, in enum ck_kind
 * order.  Adding a kind: its directory under adapters/, its schemas, an
 * entry here, testdata and tests (tests/test_adapter_<kind>.c).
 */
#include "chakong/adapter.h"

extern const struct ck_adapter ck_adapter_bank;
extern const struct ck_adapter ck_adapter_realestate;
extern const struct ck_adapter ck_adapter_vehicle;
extern const struct ck_adapter ck_adapter_socialsec;
extern const struct ck_adapter ck_adapter_ecommerce;

static const struct ck_adapter *const registry[CK_KIND_COUNT_] = {
    [CK_KIND_BANK] = &ck_adapter_bank,           [CK_KIND_REALESTATE] = &ck_adapter_realestate,
    [CK_KIND_VEHICLE] = &ck_adapter_vehicle,     [CK_KIND_SOCIALSEC] = &ck_adapter_socialsec,
    [CK_KIND_ECOMMERCE] = &ck_adapter_ecommerce,
};

const struct ck_adapter *
ck_adapter_for(enum ck_kind kind)
{
	return (unsigned)kind < CK_KIND_COUNT_ ? registry[kind] : NULL;
}
