/* SPDX-License-Identifier: MIT */
/*
 * realestate.c: the adapter for real-estate registration centres
 * (spec: realestate.md).  Synchronous: one POST /bdc/cx carrying a flat
 * CXQQ document (no namespace, UTF-8), answered by a CXJG document that
 * the centres encode in GB18030 (xmlsafe decodes it by its declaration).
 * Each property unit (BDC) becomes a CK_ASSET_REALESTATE whose mortgages
 * (DY) and seizures (CF) are its encumbrances; docs/adapters-realestate.md
 * gives the whole mapping.
 *
 * Left to others: the HTTP statuses common.md defines (common/common.c),
 * hardened parsing, pruning and validation (ck_ad_load), and storing the
 * outcome with the raw answer (the core).
 *
 * Sections: request; reading values; one unit and its encumbrances; the
 * answer; the table.
 */
#include "common/common.h"
#include "chakong/error.h"
#include "chakong/json.h"
#include "chakong/xmlsafe.h"

#include <stdlib.h>
#include <string.h>

#define RE_PATH         "/bdc/cx"
#define RE_CONTENT_TYPE "application/xml; charset=utf-8"
#define RE_RESPONSE     "realestate-response"
#define RE_ERROR        "realestate-error"

/* A reader's third verdict besides CK_OK and CK_E_NOMEM: it has marked the
 * outcome (FAILED or HOSTILE) and reading stops.  Positive, so that it
 * never collides with a CK_E_* code, and 1, the value ck_ad_load() returns
 * when it has marked the outcome, so that its verdict passes through. */
#define MARKED 1

/* ---- Request ------------------------------------------------------------ */

static void
add_element(struct ck_buf *b, const char *name, const char *value)
{
	ck_buf_printf(b, "  <%s>", name);
	ck_buf_xml(b, value);
	ck_buf_printf(b, "</%s>\n", name);
}

static int
re_build_submit(const struct ck_query_input *in, void *state, struct ck_http_request *out,
                char *err)
{
	(void)state;
	/* Every element of the spec's request, in its order (the schema
	 * checks the order too); ZJLX and ZJH follow. */
	const char *const names[] = {"CXQQDH", "FYDM", "FYMC", "AH", "CBR", "QLRMC"};
	const char *const values[] = {in->request_id, in->court_code, in->court_name,
	                              in->case_no,    in->officer,    in->subject_name};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (ck_ad_blank(values[i]))
			return ck_fail(err, CK_E_USAGE, "real-estate request: %s has no value",
			               names[i]);
	const char *id_type = in->subject_kind == CK_SUBJECT_PERSON ? "1"
	                      : in->subject_kind == CK_SUBJECT_ORG  ? "2"
	                                                            : NULL;
	if (id_type == NULL)
		return ck_fail(err, CK_E_USAGE, "real-estate request: unknown subject kind %d",
		               (int)in->subject_kind);
	char id[CK_ID_BUF];
	if (ck_ad_upper_id(in->subject_id, id) != 0)
		return ck_fail(
		    err, CK_E_USAGE,
		    "real-estate request: the subject identifier must have 18 characters");

	struct ck_buf b = {0};
	ck_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CXQQ>\n");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		add_element(&b, names[i], values[i]);
	add_element(&b, "ZJLX", id_type);
	add_element(&b, "ZJH", id);
	ck_buf_puts(&b, "</CXQQ>\n");
	int rc = CK_E_NOMEM;
	if (!b.failed)
		rc = ck_ad_request(out, "POST", RE_PATH, RE_CONTENT_TYPE, &b, in->request_id);
	ck_buf_release(&b); /* empty unless the request could not take it */
	return rc;
}

/* ---- Reading values ----------------------------------------------------- */

/* A 0/1 flag as a JSON bool, null when the answer left it out. */
static void
json_flag(struct ck_json *j, const char *key, const char *flag)
{
	ck_json_key(j, key);
	if (flag == NULL)
		ck_json_null(j);
	else
		ck_json_bool(j, strcmp(flag, "1") == 0);
}

/* ---- One unit and its encumbrances -------------------------------------- */

/*
 * JZMJ in hundredths of m².  Some centres append the unit (realestate.md,
 * "Known field defect"): "㎡" or "平方米", after at most one space (the
 * schema's pattern); it is stripped before the number is read.
 */
static int
read_area(const char *text, int64_t *area, int *has_area, struct ck_outcome *out)
{
	static const char *const units[] = {"㎡", "平方米"};
	char number[40];
	*has_area = 0;
	if (text == NULL)
		return CK_OK;
	size_t n = strlen(text);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		size_t u = strlen(units[i]);
		if (n >= u && memcmp(text + n - u, units[i], u) == 0) {
			n -= u;
			break;
		}
	}
	while (n > 0 && text[n - 1] == ' ')
		n--;
	if (n >= sizeof number) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "JZMJ: not an area");
		return MARKED;
	}
	memcpy(number, text, n);
	number[n] = '\0';
	if (ck_ad_amount(number, area, out, "JZMJ") != 0)
		return MARKED;
	*has_area = 1;
	return CK_OK;
}

/*
 * What an absent QLBL means depends on the kind of ownership
 * (realestate.md, Notes): the whole for 单独所有, no share stated for
 * 共同共有.  Without a QLBL under 按份共有, or with no GYFS at all, nothing
 * says what the share is: "not_stated", never an invented share.
 */
static const char *
share_meaning(const char *ownership, const char *share)
{
	if (share != NULL)
		return "as_written";
	if (ownership != NULL && strcmp(ownership, "单独所有") == 0)
		return "whole";
	return "not_stated";
}

enum { M_HOLDER, M_AMOUNT, M_STARTS, M_ENDS, M_COUNT_ };
static const char *const mortgage_fields[M_COUNT_] = {
    [M_HOLDER] = "DYQR",     /* 抵押权人 */
    [M_AMOUNT] = "BDBZZQSE", /* 被担保主债权数额 */
    [M_STARTS] = "ZWLXQSSJ", /* 债务履行起始时间 */
    [M_ENDS] = "ZWLXJSSJ",   /* 债务履行结束时间 */
};

static int
read_mortgage(const xmlNode *dy, struct ck_asset *a, struct ck_outcome *recs)
{
	char *f[M_COUNT_];
	struct ck_encumbrance *e = NULL;
	int rc = ck_ad_read_fields(dy, NULL, mortgage_fields, M_COUNT_, f);
	if (rc == CK_OK && (e = ck_asset_add_encumbrance(a)) == NULL)
		rc = CK_E_NOMEM;
	if (rc == CK_OK) {
		e->kind = CK_ENC_MORTGAGE;
		e->authority = ck_ad_take(&f[M_HOLDER]);
		if (f[M_AMOUNT] != NULL) {
			if (ck_ad_amount(f[M_AMOUNT], &e->amount, recs, "BDBZZQSE") != 0)
				rc = MARKED;
			e->has_amount = 1;
			memcpy(e->currency, "CNY", sizeof e->currency); /* the centres give none */
		}
	}
	if (rc == CK_OK && (ck_ad_date(f[M_STARTS], &e->starts_on, recs, "ZWLXQSSJ") != 0 ||
	                    ck_ad_date(f[M_ENDS], &e->ends_on, recs, "ZWLXJSSJ") != 0))
		rc = MARKED;
	if (rc == CK_OK && (e->detail = strdup("{}")) == NULL)
		rc = CK_E_NOMEM;
	ck_ad_free_fields(f, M_COUNT_);
	return rc;
}

enum { S_AUTHORITY, S_REF, S_TYPE, S_POSITION, S_STARTS, S_ENDS, S_COUNT_ };
static const char *const seizure_fields[S_COUNT_] = {
    [S_AUTHORITY] = "CFJG", /* 查封机关 */
    [S_REF] = "CFWH",       /* 查封文号 */
    [S_TYPE] = "CFLX",      /* 查封类型: 查封 | 轮候查封 */
    [S_POSITION] = "LHSX",  /* 轮候顺序 */
    [S_STARTS] = "CFQSSJ",  /* 查封起始时间 */
    [S_ENDS] = "CFJSSJ",    /* 查封结束时间 */
};

static int
seizure_detail(struct ck_encumbrance *e, const char *type)
{
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "type", type);
	ck_json_key(&j, "queued");
	ck_json_bool(&j, type != NULL && strcmp(type, "轮候查封") == 0);
	ck_json_object_end(&j);
	e->detail = ck_json_detach(&j);
	return e->detail ? CK_OK : CK_E_NOMEM;
}

static int
read_seizure(const xmlNode *cf, struct ck_asset *a, struct ck_outcome *recs)
{
	char *f[S_COUNT_];
	struct ck_encumbrance *e = NULL;
	int rc = ck_ad_read_fields(cf, NULL, seizure_fields, S_COUNT_, f);
	if (rc == CK_OK && (e = ck_asset_add_encumbrance(a)) == NULL)
		rc = CK_E_NOMEM;
	if (rc == CK_OK) {
		e->kind = CK_ENC_SEIZURE;
		e->authority = ck_ad_take(&f[S_AUTHORITY]);
		e->ref = ck_ad_take(&f[S_REF]);
		/* The queue position; 0 when the centre did not give it. */
		if (f[S_POSITION] != NULL && ck_ad_int(f[S_POSITION], &e->seq, recs, "LHSX") != 0)
			rc = MARKED;
	}
	if (rc == CK_OK && (ck_ad_date(f[S_STARTS], &e->starts_on, recs, "CFQSSJ") != 0 ||
	                    ck_ad_date(f[S_ENDS], &e->ends_on, recs, "CFJSSJ") != 0))
		rc = MARKED;
	if (rc == CK_OK)
		rc = seizure_detail(e, f[S_TYPE]);
	ck_ad_free_fields(f, S_COUNT_);
	return rc;
}

enum {
	U_UNIT,
	U_CERTIFICATE,
	U_LOCATION,
	U_USE,
	U_AREA,
	U_OWNERSHIP,
	U_SHARE,
	U_REGISTERED,
	U_MORTGAGED,
	U_SEIZED,
	U_COUNT_
};
static const char *const unit_fields[U_COUNT_] = {
    [U_UNIT] = "BDCDYH",        /* 不动产单元号 */
    [U_CERTIFICATE] = "BDCQZH", /* 不动产权证号 */
    [U_LOCATION] = "ZL",        /* 坐落 */
    [U_USE] = "GHYT",           /* 规划用途 */
    [U_AREA] = "JZMJ",          /* 建筑面积 */
    [U_OWNERSHIP] = "GYFS",     /* 共有方式 */
    [U_SHARE] = "QLBL",         /* 权利比例 */
    [U_REGISTERED] = "DJSJ",    /* 登记时间 */
    [U_MORTGAGED] = "DYZT",     /* 抵押状态 (a summary of DYXX) */
    [U_SEIZED] = "CFZT",        /* 查封状态 (a summary of CFXX) */
};

static int
unit_detail(char **f, struct ck_asset *a, struct ck_outcome *recs)
{
	int64_t area = 0, registered;
	int has_area;
	if (read_area(f[U_AREA], &area, &has_area, recs) != CK_OK ||
	    ck_ad_date(f[U_REGISTERED], &registered, recs, "DJSJ") != 0)
		return MARKED;
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "certificate", f[U_CERTIFICATE]);
	ck_json_kv_string(&j, "location", f[U_LOCATION]);
	ck_json_key(&j, "area");
	if (has_area)
		ck_json_int(&j, area);
	else
		ck_json_null(&j);
	ck_json_kv_string(&j, "ownership", f[U_OWNERSHIP]);
	ck_json_kv_string(&j, "share", f[U_SHARE]);
	ck_json_key(&j, "share_stated");
	ck_json_bool(&j, f[U_SHARE] != NULL);
	ck_json_kv_string(&j, "share_meaning", share_meaning(f[U_OWNERSHIP], f[U_SHARE]));
	ck_json_kv_date(&j, "registered_on", registered);
	json_flag(&j, "mortgaged_flag", f[U_MORTGAGED]);
	json_flag(&j, "seized_flag", f[U_SEIZED]);
	ck_json_object_end(&j);
	a->detail = ck_json_detach(&j);
	return a->detail ? CK_OK : CK_E_NOMEM;
}

/* DYXX and CFXX are authoritative (the flags are only a summary): every
 * DY and every CF, in document order (for CF, the queue order). */
static int
read_encumbrances(const xmlNode *bdc, struct ck_asset *a, struct ck_outcome *recs)
{
	int rc = CK_OK;
	const xmlNode *list = ck_xml_first(bdc, NULL, "DYXX");
	for (xmlNode *dy = ck_xml_first(list, NULL, "DY"); dy != NULL && rc == CK_OK;
	     dy = ck_xml_next(dy, NULL, "DY"))
		rc = read_mortgage(dy, a, recs);
	list = ck_xml_first(bdc, NULL, "CFXX");
	for (xmlNode *cf = ck_xml_first(list, NULL, "CF"); cf != NULL && rc == CK_OK;
	     cf = ck_xml_next(cf, NULL, "CF"))
		rc = read_seizure(cf, a, recs);
	return rc;
}

static int
read_unit(const xmlNode *bdc, struct ck_outcome *recs)
{
	char *f[U_COUNT_];
	struct ck_asset *a = NULL;
	int rc = ck_ad_read_fields(bdc, NULL, unit_fields, U_COUNT_, f);
	if (rc == CK_OK && (a = ck_outcome_add_asset(recs)) == NULL)
		rc = CK_E_NOMEM;
	if (rc == CK_OK) {
		a->kind = CK_ASSET_REALESTATE;
		a->ref = ck_ad_take(&f[U_UNIT]); /* required and non-blank: the schema saw to it */
		a->subtype = ck_ad_take(&f[U_USE]);
		a->enforceable = 0; /* property is seized, not frozen: no amount to reach */
		rc = a->ref != NULL ? unit_detail(f, a, recs) : CK_E_NOMEM;
	}
	if (rc == CK_OK)
		rc = read_encumbrances(bdc, a, recs);
	ck_ad_free_fields(f, U_COUNT_);
	return rc;
}

/* Reads every unit into a scratch outcome first, so that a unit that turns
 * out malformed leaves no half-read records in *out. */
static int
read_units(const xmlNode *list, struct ck_outcome *out)
{
	struct ck_outcome recs;
	ck_outcome_init(&recs);
	int rc = CK_OK;
	for (xmlNode *u = ck_xml_first(list, NULL, "BDC"); u != NULL && rc == CK_OK;
	     u = ck_xml_next(u, NULL, "BDC"))
		rc = read_unit(u, &recs);
	if (rc == CK_OK) {
		out->type = CK_OUTCOME_FOUND;
		ck_outcome_take_records(out, &recs);
	} else if (rc == MARKED) {
		ck_outcome_fail(out, recs.type, recs.reason, "%s", recs.detail);
	}
	ck_outcome_release(&recs);
	return rc;
}

/* ---- The answer --------------------------------------------------------- */

enum { A_REQUEST_ID, A_STATUS, A_REGISTRY, A_COUNT_ };
static const char *const answer_fields[A_COUNT_] = {
    [A_REQUEST_ID] = "CXQQDH", /* 查询请求单号 */
    [A_STATUS] = "JGZT",       /* FOUND | NOT_FOUND | SUBJECT_MISMATCH */
    [A_REGISTRY] = "DJJG",     /* 登记机构 */
};

enum { H_NAME, H_ID, H_COUNT_ };
static const char *const holder_fields[H_COUNT_] = {
    [H_NAME] = "QLRMC", /* 权利人名称 */
    [H_ID] = "ZJH",     /* 证件号 */
};

static size_t
count_units(const xmlNode *list)
{
	size_t n = 0;
	for (xmlNode *u = ck_xml_first(list, NULL, "BDC"); u != NULL;
	     u = ck_xml_next(u, NULL, "BDC"))
		n++;
	return n;
}

/* What ties the answer to the query: its RequestId, then the subject it
 * echoes.  Both are required by the schema. */
static int
check_identity(const struct ck_query_input *in, char **f, char **holder, struct ck_outcome *out)
{
	if (f[A_REQUEST_ID] == NULL || strcmp(f[A_REQUEST_ID], in->request_id) != 0) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "answer to another RequestId");
		return MARKED;
	}
	if (!ck_ad_same_subject(in->subject_id, holder[H_ID])) {
		/* No identifier in the detail: it goes to logs. */
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "WRONG_SUBJECT",
		                "the answer is about another subject than the one asked about");
		return MARKED;
	}
	return CK_OK;
}

static int
read_result(const char *status, char **holder, const xmlNode *list, size_t n,
            struct ck_outcome *out)
{
	if (strcmp(status, "NOT_FOUND") == 0) {
		if (n > 0) {
			ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
			                "NOT_FOUND with %zu property units", n);
			return MARKED;
		}
		out->type = CK_OUTCOME_NOT_FOUND;
		return CK_OK;
	}
	if (strcmp(status, "SUBJECT_MISMATCH") == 0) {
		/* An answer, not a failure; its records stay with the raw answer
		 * and are never the debtor's assets (common.md, Results). */
		out->type = CK_OUTCOME_MISMATCH;
		out->registered_name = ck_ad_take(&holder[H_NAME]);
		return CK_OK;
	}
	if (n == 0) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "FOUND without a property unit");
		return MARKED;
	}
	return read_units(list, out);
}

static int
read_answer(const struct ck_query_input *in, const xmlNode *root, const struct ck_adapter_env *env,
            struct ck_outcome *out)
{
	char *f[A_COUNT_] = {0}, *holder[H_COUNT_] = {0};
	int rc = ck_ad_read_fields(root, NULL, answer_fields, A_COUNT_, f);
	if (rc == CK_OK)
		rc = ck_ad_read_fields(ck_xml_first(root, NULL, "QLR"), NULL, holder_fields,
		                       H_COUNT_, holder);
	if (rc == CK_OK && f[A_STATUS] == NULL)
		rc = CK_E_NOMEM; /* required and enumerated: only memory can lose it */
	if (rc == CK_OK)
		rc = check_identity(in, f, holder, out);
	const xmlNode *list = ck_xml_first(root, NULL, "BDCLIST");
	size_t n = count_units(list);
	/* common.md, Limits: the default when the configuration gave none. */
	size_t max = env->max_records ? env->max_records : 10000;
	if (rc == CK_OK && n > max) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "TOO_MANY_RECORDS",
		                "%zu property units, more than the maximum of %zu", n, max);
		rc = MARKED;
	}
	if (rc == CK_OK)
		rc = read_result(f[A_STATUS], holder, list, n, out);
	if (rc == CK_OK)
		out->institution_name = ck_ad_take(&f[A_REGISTRY]);
	ck_ad_free_fields(f, A_COUNT_);
	ck_ad_free_fields(holder, H_COUNT_);
	return rc;
}

static int
re_interpret(const struct ck_query_input *in, void *state, const struct ck_http_response *response,
             const struct ck_adapter_env *env, struct ck_outcome *out)
{
	(void)state;
	int rc = CK_OK;
	/* 400, 401/403, 409, 429 and 5xx mean what common.md says. */
	if (ck_ad_common_status(in, response, env, RE_ERROR, NULL, out)) {
		rc = CK_OK;
	} else if (response->status == 200) {
		xmlDoc *doc = NULL;
		rc = ck_ad_load(response->body, response->body_len, env, RE_RESPONSE, &doc, out);
		if (rc == CK_OK)
			rc = read_answer(in, xmlDocGetRootElement(doc), env, out);
		xmlFreeDoc(doc);
	} else {
		/* 202 and 404 belong to polls; this kind has none. */
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS", "HTTP %d",
		                response->status);
	}
	return rc == MARKED ? CK_OK : rc;
}

/* ---- The table ---------------------------------------------------------- */

const struct ck_adapter ck_adapter_realestate = {
    .version = CK_ADAPTER_VERSION,   /* the interface this table was written for */
    .kind = CK_KIND_REALESTATE,      /* registration centres (realestate.md) */
    .name = "realestate",            /* ck_kind_name(CK_KIND_REALESTATE) */
    .caps = 0,                       /* persons and organisations; synchronous; one page */
    .state_size = 0,                 /* nothing carried between requests */
    .build_submit = re_build_submit, /* POST /bdc/cx with a CXQQ document */
    .build_poll = NULL,              /* synchronous: nothing to poll */
    .build_next_page = NULL,         /* answers come whole */
    .interpret = re_interpret,       /* CXJG → units with mortgages and seizures */
    .release_state = NULL,           /* no state */
};
