/* SPDX-License-Identifier: MIT */
/*
 * vehicle_internal.h: what the two halves of the vehicle adapter share.
 * vehicle.c builds the request and reads the SOAP envelope (faults, the
 * operation element, the text of <return>); vehicle_result.c reads the
 * inner result document into records.  Private to adapters/vehicle/.
 */
#ifndef CHAKONG_ADAPTER_VEHICLE_INTERNAL_H
#define CHAKONG_ADAPTER_VEHICLE_INTERNAL_H

#include <libxml/tree.h>
#include <stddef.h>

#include "chakong/adapter.h"

/* A reader's third verdict besides CK_OK and CK_E_NOMEM: it has marked the
 * outcome (FAILED or HOSTILE) and reading stops.  Positive, so that it
 * never collides with a CK_E_* code, and 1, the value ck_ad_load() returns
 * when it has marked the outcome, so that its verdict passes through. */
#define CK_VEH_MARKED 1

/*
 * Reads the inner result document (root, already pruned and validated
 * against vehicle-result) into *out: its RequestId, the registry's refusal
 * (code 0), rownum against the rows, the record limit, the owner of every
 * row, then NOT_FOUND, MISMATCH or the vehicles.  CK_OK, CK_VEH_MARKED
 * (*out set to a failure) or CK_E_NOMEM.
 */
int ck_veh_read_result(const struct ck_query_input *in, const xmlNode *root,
                       const struct ck_adapter_env *env, struct ck_outcome *out);

#endif
