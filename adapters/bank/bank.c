/* SPDX-License-Identifier: MIT */
/*
 * bank.c: the bank kind (spec/bank.md): POST /fi/inquiry asking for
 * accounts and wealth products (scopes ACCT and WLTH), answered at once by
 * a Document/InfRspn in urn:chakong:bank:1 (any prefix, or the default
 * namespace).
 *
 * An answer becomes one CK_ASSET_DEPOSIT per Acct (its freezes as
 * CK_ENC_FREEZE encumbrances, in queue order) and one CK_ASSET_WEALTH per
 * Wlth, in document order.  What a new freeze can reach on an asset account
 * is max(AVLB, 0): AVLB already excludes what effective freezes hold, so
 * freezes are never subtracted again; an account without AVLB counts 0.
 * Loans, credit cards and accounts with a negative book balance are
 * liabilities: shown, never enforceable.  The answer's own arithmetic is
 * checked (effective freezes within the book balance, AVLB within the book
 * balance less them, amounts in their record's currency): an answer that
 * breaks it is MALFORMED.  docs/adapters-bank.md says the same at length.
 *
 * Layout: the request; reading amounts; accounts; wealth products; the
 * answer as a whole; the table.
 */
#include "common/common.h"
#include "chakong/amount.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/json.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <stdlib.h>
#include <string.h>

#define BANK_NS "urn:chakong:bank:1"

/* Internal results besides CK_OK and CK_E_NOMEM: the outcome was marked
 * failed (FAILED with a reason) and reading stops. */
#define MARKED 1

/* ---- The request -------------------------------------------------------- */

static int
bank_build_submit(const struct ck_query_input *in, void *state, struct ck_http_request *out,
                  char *err)
{
	(void)state;
	const char *id_type = in->subject_kind == CK_SUBJECT_PERSON ? "RIC"
	                      : in->subject_kind == CK_SUBJECT_ORG  ? "USCC"
	                                                            : NULL;
	if (id_type == NULL)
		return ck_fail(err, CK_E_USAGE, "bank request: unknown subject kind %d",
		               (int)in->subject_kind);
	int rc = ck_ad_require_input(in, CK_NEED_ALL, "bank", err);
	if (rc != CK_OK)
		return rc;
	char when[CK_TIME_BUF];
	if (ck_time_format(in->now, in->now_offset_min, when, sizeof when) != CK_OK)
		return ck_fail(err, CK_E_RANGE,
		               "bank request: time %lld at offset %d cannot be written",
		               (long long)in->now, in->now_offset_min);

	struct ck_buf b = {0};
	ck_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                "<Document xmlns=\"" BANK_NS "\"><InfReq>");
	ck_ad_element(&b, "ReqId", in->request_id);
	ck_ad_element(&b, "CreDtTm", when);
	ck_buf_puts(&b, "<Authrty>");
	ck_ad_element(&b, "Nm", in->court_name);
	ck_ad_element(&b, "Id", in->court_code);
	ck_buf_puts(&b, "</Authrty><LglBsis>");
	ck_ad_element(&b, "CaseNo", in->case_no);
	ck_ad_element(&b, "Offcr", in->officer);
	ck_buf_puts(&b, "</LglBsis><Pty>");
	ck_ad_element(&b, "Nm", in->subject_name);
	ck_buf_puts(&b, "<Id>");
	ck_ad_element(&b, "Tp", id_type);
	ck_ad_element(&b, "Val", in->subject_id);
	ck_buf_puts(&b, "</Id></Pty><Scp>ACCT</Scp><Scp>WLTH</Scp></InfReq></Document>\n");
	if (b.failed) {
		ck_buf_release(&b);
		return ck_fail(err, CK_E_NOMEM, "bank request: out of memory");
	}
	rc = ck_ad_request(out, "POST", "/fi/inquiry", "application/xml; charset=utf-8", &b,
	                   in->request_id);
	ck_buf_release(&b);
	return rc;
}

/* ---- Reading amounts ----------------------------------------------------- */

static int
malformed(struct ck_outcome *out, const xmlNode *where, const char *what)
{
	ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "line %ld: %s", ck_xml_line(where),
	                what);
	return MARKED;
}

/* A currency code (element text or attribute), CNY when absent or empty. */
static int
read_currency(const char *text, char ccy[CK_CURRENCY_BUF], const xmlNode *where,
              struct ck_outcome *out)
{
	char err[CK_ERR_SIZE] = "";
	if (ck_currency_check(text, ccy, err) == CK_OK)
		return CK_OK;
	ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "line %ld: %s", ck_xml_line(where),
	                err);
	return MARKED;
}

/*
 * The Amt child of parent: its value, and its currency (the Ccy attribute,
 * else record_ccy).  With must_match, a Ccy attribute other than
 * record_ccy makes the answer MALFORMED (bank.md: a balance and a product's
 * market value are in their record's currency).
 */
static int
read_amt(const xmlNode *parent, const char *record_ccy, int must_match, int64_t *value,
         char ccy[CK_CURRENCY_BUF], struct ck_outcome *out)
{
	xmlNode *amt = ck_xml_first(parent, BANK_NS, "Amt");
	char *text = amt ? ck_xml_text(amt) : NULL;
	char *attr = amt ? ck_xml_attr(amt, "Ccy") : NULL;
	int rc = CK_OK;
	if (amt == NULL || text == NULL) {
		rc = amt == NULL ? malformed(out, parent, "Amt is missing") : CK_E_NOMEM;
	} else if (ck_ad_amount(text, value, out, "Amt") != 0) {
		rc = MARKED;
	} else if (attr == NULL) {
		memcpy(ccy, record_ccy, CK_CURRENCY_BUF);
	} else if ((rc = read_currency(attr, ccy, amt, out)) == CK_OK && must_match &&
	           strcmp(ccy, record_ccy) != 0) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "line %ld: an amount in %s in a record in %s", ck_xml_line(amt),
		                ccy, record_ccy);
		rc = MARKED;
	}
	free(text);
	free(attr);
	return rc;
}

/* An optional date child as days (CK_NO_DATE when absent or empty). */
static int
read_date(const xmlNode *parent, const char *local, int64_t *days, struct ck_outcome *out)
{
	char *text = ck_ad_text(parent, BANK_NS, local);
	int rc = ck_ad_date(text, days, out, local) == 0 ? CK_OK : MARKED;
	free(text);
	return rc;
}

/* ---- Accounts ------------------------------------------------------------ */

struct freeze_ref {
	const xmlNode *node;
	int seq;
	size_t order; /* position in the document, to keep equal sequences stable */
};

static int
by_queue_order(const void *a, const void *b)
{
	const struct freeze_ref *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* One Frz as an encumbrance of a; *held gets what it holds when it is in
 * effect (sequence 1) in the account's currency, else 0. */
static int
read_freeze(const struct freeze_ref *f, struct ck_asset *a, int64_t *held, struct ck_outcome *out)
{
	struct ck_encumbrance *e = ck_asset_add_encumbrance(a);
	if (e == NULL)
		return CK_E_NOMEM;
	e->kind = CK_ENC_FREEZE;
	e->seq = f->seq;
	e->authority = ck_ad_text(f->node, BANK_NS, "Authrty");
	e->ref = ck_ad_text(f->node, BANK_NS, "Ref");
	int rc = read_amt(f->node, a->currency, 0, &e->amount, e->currency, out);
	if (rc != CK_OK)
		return rc;
	e->has_amount = 1;
	rc = read_date(f->node, "XpryDt", &e->ends_on, out);
	if (rc != CK_OK)
		return rc;
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "state", f->seq == 1 ? "in_effect" : "queued");
	ck_json_object_end(&j);
	e->detail = ck_json_detach(&j);
	if (e->detail == NULL)
		return CK_E_NOMEM;
	/* A negative amount holds nothing. */
	*held =
	    f->seq == 1 && e->amount > 0 && strcmp(e->currency, a->currency) == 0 ? e->amount : 0;
	return CK_OK;
}

/*
 * The freezes of acct, in queue order: those in effect (sequence 1) first,
 * then the queued ones by sequence, each group in document order.  *held
 * gets the sum of what effective freezes in the account's currency hold,
 * which must not exceed max(book, 0) (bank.md; a freeze in another currency
 * cannot be compared without a rate).  Without a book balance (book NULL)
 * nothing is compared.
 */
static int
read_freezes(const xmlNode *acct, struct ck_asset *a, const int64_t *book, int64_t *held,
             struct ck_outcome *out)
{
	size_t n = 0;
	for (xmlNode *f = ck_xml_first(acct, BANK_NS, "Frz"); f; f = ck_xml_next(f, BANK_NS, "Frz"))
		n++;
	*held = 0;
	if (n == 0)
		return CK_OK;
	struct freeze_ref *refs = calloc(n, sizeof *refs);
	if (refs == NULL)
		return CK_E_NOMEM;
	int rc = CK_OK;
	size_t i = 0;
	for (xmlNode *f = ck_xml_first(acct, BANK_NS, "Frz"); f && rc == CK_OK;
	     f = ck_xml_next(f, BANK_NS, "Frz"), i++) {
		char *seq = ck_ad_text(f, BANK_NS, "Seq");
		refs[i].node = f;
		refs[i].order = i;
		rc = ck_ad_int(seq, &refs[i].seq, out, "Frz/Seq") == 0 ? CK_OK : MARKED;
		if (rc == CK_OK && refs[i].seq < 1)
			rc = malformed(out, f, "Frz/Seq is not positive");
		free(seq);
	}
	if (rc == CK_OK)
		qsort(refs, n, sizeof *refs, by_queue_order);
	int64_t limit = book != NULL && *book > 0 ? *book : 0;
	for (i = 0; i < n && rc == CK_OK; i++) {
		int64_t amount = 0;
		rc = read_freeze(&refs[i], a, &amount, out);
		if (rc != CK_OK)
			break;
		if (book == NULL)
			continue;
		if (amount > limit - *held)
			rc = malformed(out, acct,
			               "freezes in effect hold more than the book balance");
		else
			*held += amount; /* cannot overflow: it stays within limit */
	}
	free(refs);
	return rc;
}

/* The BOOK and AVLB balances of acct (each at most once). */
static int
read_balances(const xmlNode *acct, const char *ccy, int *has_book, int64_t *book, int *has_avlb,
              int64_t *avlb, struct ck_outcome *out)
{
	*has_book = *has_avlb = 0;
	for (xmlNode *b = ck_xml_first(acct, BANK_NS, "Bal"); b;
	     b = ck_xml_next(b, BANK_NS, "Bal")) {
		char *tp = ck_ad_text(b, BANK_NS, "Tp");
		if (tp == NULL)
			return CK_E_NOMEM; /* the schema requires it: BOOK or AVLB */
		int is_book = strcmp(tp, "BOOK") == 0;
		free(tp);
		int *has = is_book ? has_book : has_avlb;
		if (*has)
			return malformed(out, b,
			                 is_book ? "two BOOK balances" : "two AVLB balances");
		char amt_ccy[CK_CURRENCY_BUF];
		int rc = read_amt(b, ccy, 1, is_book ? book : avlb, amt_ccy, out);
		if (rc != CK_OK)
			return rc;
		*has = 1;
	}
	return CK_OK;
}

static int
read_account(const xmlNode *acct, struct ck_outcome *out)
{
	struct ck_asset *a = ck_outcome_add_asset(out);
	if (a == NULL)
		return CK_E_NOMEM;
	a->kind = CK_ASSET_DEPOSIT;
	a->ref = ck_ad_text(acct, BANK_NS, "Id");
	a->subtype = ck_ad_text(acct, BANK_NS, "Tp");
	a->status = ck_ad_text(acct, BANK_NS, "Sts");
	if (a->ref == NULL || a->subtype == NULL || a->status == NULL)
		return CK_E_NOMEM; /* the schema requires them, non-empty */
	char *ccy = ck_ad_text(acct, BANK_NS, "Ccy");
	int rc = read_currency(ccy, a->currency, acct, out);
	free(ccy);
	int has_avlb = 0;
	int64_t avlb = 0, held = 0, opened = CK_NO_DATE;
	if (rc == CK_OK)
		rc =
		    read_balances(acct, a->currency, &a->has_book, &a->book, &has_avlb, &avlb, out);
	if (rc == CK_OK)
		rc = read_freezes(acct, a, a->has_book ? &a->book : NULL, &held, out);
	if (rc == CK_OK)
		rc = read_date(acct, "OpngDt", &opened, out);
	if (rc != CK_OK)
		return rc;
	/* held <= max(book, 0), so book - held cannot overflow. */
	if (a->has_book && has_avlb && avlb > a->book - held)
		return malformed(out, acct, "AVLB exceeds the book balance less effective freezes");

	a->has_available = has_avlb;
	a->available = avlb;
	a->liability = strcmp(a->subtype, "LOAN") == 0 || strcmp(a->subtype, "CARD") == 0 ||
	               (a->has_book && a->book < 0);
	a->enforceable = !a->liability && has_avlb && avlb > 0 ? avlb : 0;

	char *branch = ck_ad_text(acct, BANK_NS, "Brnch");
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "branch", branch);
	ck_json_kv_date(&j, "opened_on", opened);
	ck_json_key(&j, "book_stated");
	ck_json_bool(&j, a->has_book);
	ck_json_key(&j, "available_stated");
	ck_json_bool(&j, has_avlb);
	ck_json_object_end(&j);
	free(branch);
	a->detail = ck_json_detach(&j);
	return a->detail ? CK_OK : CK_E_NOMEM;
}

/* ---- Wealth products ----------------------------------------------------- */

static int
read_wealth(const xmlNode *w, struct ck_outcome *out)
{
	struct ck_asset *a = ck_outcome_add_asset(out);
	if (a == NULL)
		return CK_E_NOMEM;
	a->kind = CK_ASSET_WEALTH;
	a->ref = ck_ad_text(w, BANK_NS, "PdctId");
	if (a->ref == NULL)
		return CK_E_NOMEM;
	char *ccy = ck_ad_text(w, BANK_NS, "Ccy");
	int rc = read_currency(ccy, a->currency, w, out);
	free(ccy);
	xmlNode *mkt = ck_xml_first(w, BANK_NS, "MktVal");
	char amt_ccy[CK_CURRENCY_BUF];
	if (rc == CK_OK)
		rc = mkt ? read_amt(mkt, a->currency, 1, &a->book, amt_ccy, out)
		         : malformed(out, w, "MktVal is missing");
	int64_t matures = CK_NO_DATE;
	if (rc == CK_OK)
		rc = read_date(w, "MtrtyDt", &matures, out);
	if (rc != CK_OK)
		return rc;
	a->has_book = 1;
	a->liability = a->book < 0;
	a->enforceable = a->book > 0 ? a->book : 0;

	char *name = ck_ad_text(w, BANK_NS, "PdctNm");
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "name", name);
	ck_json_kv_date(&j, "matures_on", matures);
	ck_json_object_end(&j);
	free(name);
	a->detail = ck_json_detach(&j);
	return a->detail ? CK_OK : CK_E_NOMEM;
}

/* ---- The answer ---------------------------------------------------------- */

static int
is_record(const xmlNode *n)
{
	return ck_xml_is(n, BANK_NS, "Acct") || ck_xml_is(n, BANK_NS, "Wlth");
}

/* The echoed party: the subject asked about (else WRONG_SUBJECT), with the
 * identifier type of its kind.  *name gets the bank's name for it. */
static int
check_party(const struct ck_query_input *in, const xmlNode *rsp, char **name,
            struct ck_outcome *out)
{
	xmlNode *pty = ck_xml_first(rsp, BANK_NS, "Pty");
	xmlNode *id = ck_xml_first(pty, BANK_NS, "Id");
	char *tp = ck_ad_text(id, BANK_NS, "Tp");
	char *val = ck_ad_text(id, BANK_NS, "Val");
	*name = ck_ad_text(pty, BANK_NS, "Nm");
	int rc = CK_OK;
	if (tp == NULL || val == NULL || *name == NULL) {
		rc = CK_E_NOMEM; /* the schema requires them, non-empty */
	} else if (!ck_ad_same_subject(in->subject_id, val)) {
		char masked[CK_MASK_BUF];
		ck_ids_mask_id(val, masked, sizeof masked);
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "WRONG_SUBJECT",
		                "the answer is about %s, not the subject asked about", masked);
		rc = MARKED;
	} else if (strcmp(tp, in->subject_kind == CK_SUBJECT_ORG ? "USCC" : "RIC") != 0) {
		rc = malformed(out, id, "Pty/Id/Tp does not match the kind of subject asked about");
	}
	free(tp);
	free(val);
	return rc;
}

static int
read_answer(const struct ck_query_input *in, const xmlNode *rsp, const struct ck_adapter_env *env,
            struct ck_outcome *out)
{
	char *registered = NULL;
	int rc = check_party(in, rsp, &registered, out);
	char *req_id = ck_ad_text(rsp, BANK_NS, "ReqId");
	char *status = ck_ad_text(rsp, BANK_NS, "Sts");
	if (rc == CK_OK && (req_id == NULL || status == NULL))
		rc = CK_E_NOMEM; /* the schema requires them */
	if (rc == CK_OK && strcmp(req_id, in->request_id) != 0) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "the answer is to request %s, not to %s", req_id, in->request_id);
		rc = MARKED;
	}
	size_t n = 0;
	for (xmlNode *c = ck_xml_first(rsp, BANK_NS, NULL); c; c = ck_xml_next(c, BANK_NS, NULL))
		n += (size_t)is_record(c);
	size_t max = env->max_records ? env->max_records : 10000;
	int found = status && strcmp(status, "FOUND") == 0;
	int not_found = status && strcmp(status, "NOT_FOUND") == 0;
	if (rc == CK_OK && n > max) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "TOO_MANY_RECORDS",
		                "%zu accounts and products, more than the limit of %zu", n, max);
		rc = MARKED;
	} else if (rc == CK_OK && found && n == 0) {
		rc = malformed(out, rsp, "FOUND without any account or product");
	} else if (rc == CK_OK && not_found && n > 0) {
		rc = malformed(out, rsp, "NOT_FOUND with accounts or products");
	}
	for (xmlNode *c = ck_xml_first(rsp, BANK_NS, NULL); c && rc == CK_OK;
	     c = ck_xml_next(c, BANK_NS, NULL))
		if (ck_xml_is(c, BANK_NS, "Acct"))
			rc = read_account(c, out);
		else if (ck_xml_is(c, BANK_NS, "Wlth"))
			rc = read_wealth(c, out);
	if (rc == CK_OK) {
		out->type = found       ? CK_OUTCOME_FOUND
		            : not_found ? CK_OUTCOME_NOT_FOUND
		                        : CK_OUTCOME_MISMATCH;
		if (out->type == CK_OUTCOME_MISMATCH) {
			out->registered_name = registered;
			registered = NULL;
		}
		xmlNode *svcr = ck_xml_first(rsp, BANK_NS, "Svcr");
		out->institution_name = svcr ? ck_ad_text(svcr, BANK_NS, "Nm") : NULL;
	}
	free(registered);
	free(req_id);
	free(status);
	return rc;
}

static int
bank_interpret(const struct ck_query_input *in, void *state, const struct ck_http_response *r,
               const struct ck_adapter_env *env, struct ck_outcome *out)
{
	(void)state;
	if (ck_ad_common_status(in, r, env, "bank-error", BANK_NS, out))
		return CK_OK;
	if (r->status != 200) { /* 202 and 404: not defined for a synchronous kind */
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS", "HTTP %d", r->status);
		return CK_OK;
	}
	xmlDoc *doc = NULL;
	int rc = ck_ad_load(r->body, r->body_len, env, "bank-response", &doc, out);
	if (rc != CK_OK)
		return rc == MARKED ? CK_OK : rc;
	xmlNode *rsp = ck_xml_first(xmlDocGetRootElement(doc), BANK_NS, "InfRspn");
	rc = read_answer(in, rsp, env, out);
	xmlFreeDoc(doc);
	if (rc == MARKED)
		ck_outcome_truncate(out, 0, 0); /* a failed outcome carries no records */
	return rc == MARKED ? CK_OK : rc;
}

/* ---- The table ------------------------------------------------------------ */

const struct ck_adapter ck_adapter_bank = {
    CK_ADAPTER_VERSION,
    CK_KIND_BANK,
    "bank",
    0,                 /* caps: synchronous, persons and organisations, one page */
    0,                 /* state_size: none */
    bank_build_submit, /* build_submit */
    NULL,              /* build_poll */
    NULL,              /* build_next_page */
    bank_interpret,    /* interpret */
    NULL,              /* release_state */
};
