/* SPDX-License-Identifier: MIT */
/*
 * vehicle_result.c: the vehicle adapter's inner result document (spec
 * vehicle.md, "Response (200)" and "Status letters"): the head's checks
 * (RequestId, refusal, rownum, status), the owner echoed by every row, and
 * each veh row as a CK_ASSET_VEHICLE whose status is its set of letters.
 * The envelope around it, faults and the request are vehicle.c's.
 *
 * Sections: status letters; one vehicle; the inner result.
 */
#include "common/common.h"
#include "vehicle/vehicle_internal.h"
#include "chakong/error.h"
#include "chakong/json.h"
#include "chakong/xmlsafe.h"

#include <stdlib.h>
#include <string.h>

#define MARKED CK_VEH_MARKED

/* ---- Status letters ----------------------------------------------------- */

/* vehicle.md, "Status letters": what each letter means, and what it means
 * for enforcement, as a short stable code the report translates. */
struct letter {
	char letter;
	const char *meaning;
	const char *enforcement;
};

static const struct letter letters[] = {
    {'A', "正常", "seizable"},
    {'B', "转出", "transferred_out"}, /* not this registry's any more */
    {'C', "被盗抢", "not_seizable"},  /* stolen: not seizable in practice */
    {'D', "停驶", "seizable"},
    {'E', "注销", "gone"},
    {'G', "违法未处理", "seizable"},
    {'H', "海关监管", "restricted"},
    {'I', "事故未处理", "seizable"},
    {'J', "嫌疑车", "restricted"},
    {'K', "查封", "already_seized"}, /* a new seizure queues */
    {'L', "暂扣", "detained"},       /* located: the authority holds it */
    {'M', "强制注销", "gone"},
    {'N', "事故逃逸", "restricted"},
    {'O', "锁定", "restricted"},
    {'P', "达到报废标准", "little_value"},
    {'Q', "逾期未检验", "seizable"},
};

static const struct letter *
find_letter(char c)
{
	for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
		if (letters[i].letter == c)
			return &letters[i];
	return NULL;
}

/* zt as a set: each letter once, in alphabetical order (vehicle.md: order
 * does not matter and a repeated letter counts once).  Unknown letters are
 * kept.  NULL when memory runs out. */
static char *
letter_set(const char *zt)
{
	unsigned char seen[26] = {0};
	for (const char *p = zt; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			seen[*p - 'A'] = 1;
	char *set = malloc(sizeof seen + 1);
	if (set == NULL)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < sizeof seen; i++)
		if (seen[i])
			set[k++] = (char)('A' + i);
	set[k] = '\0';
	return set;
}

static void
json_letters(struct ck_json *j, const char *set)
{
	ck_json_key(j, "letters");
	ck_json_array_begin(j);
	for (const char *p = set; *p; p++) {
		const struct letter *l = find_letter(*p);
		char text[2] = {*p, '\0'};
		ck_json_object_begin(j);
		ck_json_kv_string(j, "letter", text);
		ck_json_kv_string(j, "meaning", l ? l->meaning : NULL);
		ck_json_kv_string(j, "enforcement", l ? l->enforcement : "unknown");
		ck_json_object_end(j);
	}
	ck_json_array_end(j);
}

/* ---- One vehicle -------------------------------------------------------- */

enum {
	V_OWNER,
	V_OWNER_ID,
	V_PLATE_TYPE,
	V_PLATE,
	V_VIN,
	V_BRAND,
	V_MODEL,
	V_REGISTERED,
	V_STATUS,
	V_MORTGAGED,
	V_COUNT_
};
static const char *const vehicle_fields[V_COUNT_] = {
    [V_OWNER] = "syr",         /* 所有人 */
    [V_OWNER_ID] = "sfzmhm",   /* 身份证明号码: the echoed subject */
    [V_PLATE_TYPE] = "hpzl",   /* 号牌种类 */
    [V_PLATE] = "hphm",        /* 号牌号码 */
    [V_VIN] = "clsbdh",        /* 车辆识别代号 */
    [V_BRAND] = "clpp",        /* 车辆品牌 */
    [V_MODEL] = "clxh",        /* 车辆型号 */
    [V_REGISTERED] = "ccdjrq", /* 初次登记日期 */
    [V_STATUS] = "zt",         /* 状态 letters */
    [V_MORTGAGED] = "dybj",    /* 抵押标记 */
};

static int
vehicle_detail(char **f, struct ck_asset *a, struct ck_outcome *recs)
{
	int64_t registered;
	if (ck_ad_date(f[V_REGISTERED], &registered, recs, "ccdjrq") != 0)
		return MARKED;
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "plate", f[V_PLATE]);
	ck_json_kv_string(&j, "vin", f[V_VIN]);
	ck_json_kv_string(&j, "brand", f[V_BRAND]);
	ck_json_kv_string(&j, "model", f[V_MODEL]);
	ck_json_kv_date(&j, "registered_on", registered);
	ck_json_key(&j, "mortgaged");
	if (f[V_MORTGAGED] == NULL)
		ck_json_null(&j);
	else
		ck_json_bool(&j, strcmp(f[V_MORTGAGED], "1") == 0);
	ck_json_kv_string(&j, "owner", f[V_OWNER]);
	ck_json_kv_string(&j, "status_as_sent", f[V_STATUS]);
	json_letters(&j, a->status);
	ck_json_object_end(&j);
	a->detail = ck_json_detach(&j);
	return a->detail ? CK_OK : CK_E_NOMEM;
}

static int
read_vehicle(const xmlNode *veh, struct ck_outcome *recs)
{
	char *f[V_COUNT_];
	struct ck_asset *a = NULL;
	int rc = ck_ad_read_fields(veh, NULL, vehicle_fields, V_COUNT_, f);
	/* plate and letters are required and non-blank (the schema). */
	if (rc == CK_OK && (f[V_PLATE] == NULL || f[V_STATUS] == NULL))
		rc = CK_E_NOMEM;
	if (rc == CK_OK && (a = ck_outcome_add_asset(recs)) == NULL)
		rc = CK_E_NOMEM;
	if (rc == CK_OK) {
		a->kind = CK_ASSET_VEHICLE;
		/* The VIN is the vehicle's key; a registry that leaves it out
		 * still names the plate, which then stands in for it. */
		a->ref = strdup(f[V_VIN] ? f[V_VIN] : f[V_PLATE]);
		a->subtype = ck_ad_take(&f[V_PLATE_TYPE]);
		a->status = letter_set(f[V_STATUS]);
		a->enforceable = 0; /* a vehicle is seized, not frozen */
		if (a->ref == NULL || a->status == NULL)
			rc = CK_E_NOMEM;
	}
	if (rc == CK_OK)
		rc = vehicle_detail(f, a, recs);
	ck_ad_free_fields(f, V_COUNT_);
	return rc;
}

/* Reads every row into a scratch outcome first, so that a row that turns
 * out malformed leaves no half-read records in *out. */
static int
read_vehicles(const xmlNode *body, struct ck_outcome *out)
{
	struct ck_outcome recs;
	ck_outcome_init(&recs);
	int rc = CK_OK;
	for (xmlNode *v = ck_xml_first(body, NULL, "veh"); v != NULL && rc == CK_OK;
	     v = ck_xml_next(v, NULL, "veh"))
		rc = read_vehicle(v, &recs);
	if (rc == CK_OK) {
		out->type = CK_OUTCOME_FOUND;
		ck_outcome_take_records(out, &recs);
	} else if (rc == MARKED) {
		ck_outcome_fail(out, recs.type, recs.reason, "%s", recs.detail);
	}
	ck_outcome_release(&recs);
	return rc;
}

/* ---- The inner result --------------------------------------------------- */

enum { H_CODE, H_MESSAGE, H_REQUEST_ID, H_STATUS, H_ROWNUM, H_COUNT_ };
static const char *const head_fields[H_COUNT_] = {
    [H_CODE] = "code",            /* 1 success, 0 refusal */
    [H_MESSAGE] = "message",      /* why, for a refusal */
    [H_REQUEST_ID] = "requestId", /* ties every answer to its query */
    [H_STATUS] = "status",        /* FOUND | NOT_FOUND | SUBJECT_MISMATCH */
    [H_ROWNUM] = "rownum",        /* how many veh rows follow */
};

/* The head: the RequestId (every answer has one, a refusal too), then the
 * registry's refusal, then what a successful head must hold. */
static int
check_head(const struct ck_query_input *in, char **h, struct ck_outcome *out)
{
	if (h[H_REQUEST_ID] == NULL || strcmp(h[H_REQUEST_ID], in->request_id) != 0) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "answer to another RequestId");
		return MARKED;
	}
	if (h[H_CODE] == NULL || strcmp(h[H_CODE], "1") != 0) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "REFUSED", "%s",
		                h[H_MESSAGE] ? h[H_MESSAGE] : "the registry refused the query");
		return MARKED;
	}
	if (h[H_STATUS] == NULL || h[H_ROWNUM] == NULL) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "a successful answer without status or rownum");
		return MARKED;
	}
	return CK_OK;
}

static size_t
count_rows(const xmlNode *body)
{
	size_t n = 0;
	for (xmlNode *v = ck_xml_first(body, NULL, "veh"); v != NULL;
	     v = ck_xml_next(v, NULL, "veh"))
		n++;
	return n;
}

/* What the rows must agree with: rownum counts them (a truncated inner
 * document otherwise), their number is plausible, and the status says
 * whether there are any. */
static int
check_rows(char **h, size_t n, size_t max, struct ck_outcome *out)
{
	int rownum;
	if (ck_ad_int(h[H_ROWNUM], &rownum, out, "rownum") != 0)
		return MARKED;
	if ((size_t)rownum != n) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "rownum %d but %zu vehicle rows", rownum, n);
		return MARKED;
	}
	if (n > max) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "TOO_MANY_RECORDS",
		                "%zu vehicle rows, more than the maximum of %zu", n, max);
		return MARKED;
	}
	int found = strcmp(h[H_STATUS], "FOUND") == 0;
	int not_found = strcmp(h[H_STATUS], "NOT_FOUND") == 0;
	if ((found && n == 0) || (not_found && n > 0)) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "%s with %zu vehicle rows",
		                h[H_STATUS], n);
		return MARKED;
	}
	return CK_OK;
}

/* Every row must be about the subject asked about (vehicle.md: a row about
 * another owner makes the whole answer WRONG_SUBJECT). */
static int
check_owners(const struct ck_query_input *in, const xmlNode *body, struct ck_outcome *out)
{
	static const char *const owner_id[] = {"sfzmhm"};
	int rc = CK_OK;
	for (xmlNode *v = ck_xml_first(body, NULL, "veh"); v != NULL && rc == CK_OK;
	     v = ck_xml_next(v, NULL, "veh")) {
		char *id[1];
		rc = ck_ad_read_fields(v, NULL, owner_id, 1, id);
		if (rc == CK_OK && !ck_ad_same_subject(in->subject_id, id[0])) {
			/* No identifier in the detail: it goes to logs. */
			ck_outcome_fail(out, CK_OUTCOME_FAILED, "WRONG_SUBJECT",
			                "a vehicle row is about another owner than the one asked "
			                "about");
			rc = MARKED;
		}
		ck_ad_free_fields(id, 1);
	}
	return rc;
}

/* SUBJECT_MISMATCH: the registry's own name for the subject is the owner
 * its rows name (the head names nobody); NULL when there is no row. */
static int
mismatch(const xmlNode *body, struct ck_outcome *out)
{
	static const char *const owner[] = {"syr"};
	char *name[1];
	int rc = ck_ad_read_fields(ck_xml_first(body, NULL, "veh"), NULL, owner, 1, name);
	out->type = CK_OUTCOME_MISMATCH;
	out->registered_name = ck_ad_take(&name[0]);
	return rc;
}

int
ck_veh_read_result(const struct ck_query_input *in, const xmlNode *root,
                   const struct ck_adapter_env *env, struct ck_outcome *out)
{
	char *h[H_COUNT_];
	int rc =
	    ck_ad_read_fields(ck_xml_first(root, NULL, "head"), NULL, head_fields, H_COUNT_, h);
	const xmlNode *body = ck_xml_first(root, NULL, "body");
	/* common.md, Limits: the default when the configuration gave none. */
	size_t max = env->max_records ? env->max_records : 10000;
	if (rc == CK_OK)
		rc = check_head(in, h, out);
	if (rc == CK_OK)
		rc = check_rows(h, count_rows(body), max, out);
	if (rc == CK_OK)
		rc = check_owners(in, body, out);
	if (rc == CK_OK) {
		if (strcmp(h[H_STATUS], "NOT_FOUND") == 0)
			out->type = CK_OUTCOME_NOT_FOUND;
		else if (strcmp(h[H_STATUS], "SUBJECT_MISMATCH") == 0)
			rc = mismatch(body, out); /* an answer: rows stay with the raw answer */
		else
			rc = read_vehicles(body, out);
	}
	ck_ad_free_fields(h, H_COUNT_);
	return rc;
}
