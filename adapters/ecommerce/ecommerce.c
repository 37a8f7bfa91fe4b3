/* SPDX-License-Identifier: MIT */
/*
 * ecommerce.c: the e-commerce and payment platform kind (spec/ecommerce.md):
 * POST /open/judicial/query, answered in pages (JudicialResult in
 * urn:chakong:ec:1) that a cursor chains together.
 *
 * The answer of a query is the union of all its pages, so the per-query
 * state (struct ec_state) keeps what earlier pages said: page 1's Status,
 * Subject and Platform, the index of the last page read, the number of
 * items so far and the records made of them.  Each page must repeat page
 * 1's Status and Subject and carry the next index; a page that does not
 * fails the whole query (MALFORMED), and nothing of it is returned.  A page
 * with a NextCursor gives CK_OUTCOME_NEXT_PAGE (its records stay in the
 * state); the last page gives the outcome with every record of every page.
 *
 * Items: an Account is a wallet (CK_ASSET_WALLET) and, with a FundBalance,
 * a money-market fund (CK_ASSET_FUND); Frozen is held of both together, and
 * what a new freeze can reach, max(Balance + FundBalance - Frozen, 0), is
 * split between them (wallet first).  BoundCard, Address and Spending are
 * leads.  docs/adapters-ecommerce.md says the same at length.
 *
 * Layout: the state; requests; items; a page; the table.
 */
#include "common/common.h"
#include "chakong/error.h"
#include "chakong/ids.h"
#include "chakong/json.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <stdlib.h>
#include <string.h>

#define EC_NS "urn:chakong:ec:1"

/* Internal result besides CK_OK and CK_E_NOMEM: the outcome was marked
 * failed and reading stops. */
#define MARKED 1

/* ---- The state ------------------------------------------------------------ */

struct ec_state {
	int last_index;            /* index of the last page read; 0 before page 1 */
	size_t n_items;            /* items of every type over the pages read */
	char *status;              /* page 1's Status */
	char *kind, *name, *cert;  /* page 1's Subject: kind attribute, Name, CertNo */
	char *platform;            /* page 1's Platform name, or NULL */
	struct ck_outcome records; /* assets and leads of the pages read */
};

static void
ec_release_state(void *state)
{
	struct ec_state *st = state;
	free(st->status);
	free(st->kind);
	free(st->name);
	free(st->cert);
	free(st->platform);
	ck_outcome_release(&st->records);
	memset(st, 0, sizeof *st);
}

/* ---- Requests ------------------------------------------------------------- */

/* The cursor, exactly: XML-escaped, and a carriage return as a character
 * reference (a literal one would reach the platform as a line feed).
 * Characters XML 1.0 cannot carry at all are refused. */
static int
cursor_element(struct ck_buf *b, const char *cursor, char *err)
{
	ck_buf_puts(b, "<Cursor>");
	const char *run = cursor;
	for (const char *p = cursor;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c != '\0' && c != '\r' && (c >= 0x20 || c == '\t' || c == '\n'))
			continue;
		if (p > run) {
			char *part = strndup(run, (size_t)(p - run));
			if (part == NULL)
				return ck_fail(err, CK_E_NOMEM,
				               "e-commerce request: out of memory");
			ck_buf_xml(b, part);
			free(part);
		}
		if (c == '\0')
			break;
		if (c != '\r')
			return ck_fail(err, CK_E_INVALID,
			               "e-commerce request: the cursor holds control character %#x",
			               c);
		ck_buf_puts(b, "&#13;");
		run = p + 1;
	}
	ck_buf_puts(b, "</Cursor>");
	return CK_OK;
}

/* One page's request: cursor NULL for the first page (an empty Cursor). */
static int
build_page(const struct ck_query_input *in, const char *cursor, struct ck_http_request *out,
           char *err)
{
	const char *kind = in->subject_kind == CK_SUBJECT_PERSON ? "PERSON"
	                   : in->subject_kind == CK_SUBJECT_ORG  ? "ORG"
	                                                         : NULL;
	if (kind == NULL)
		return ck_fail(err, CK_E_USAGE, "e-commerce request: unknown subject kind %d",
		               (int)in->subject_kind);
	int rc =
	    ck_ad_require_input(in,
	                        CK_NEED_REQUEST_ID | CK_NEED_CASE_NO | CK_NEED_COURT_CODE |
	                            CK_NEED_OFFICER | CK_NEED_SUBJECT_NAME | CK_NEED_SUBJECT_ID,
	                        "e-commerce", err);
	if (rc != CK_OK)
		return rc;

	struct ck_buf b = {0};
	ck_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                "<JudicialQuery xmlns=\"" EC_NS "\">");
	ck_ad_element(&b, "RequestId", in->request_id);
	ck_ad_element(&b, "CaseNo", in->case_no);
	ck_ad_element(&b, "CourtCode", in->court_code);
	ck_ad_element(&b, "Officer", in->officer);
	ck_buf_printf(&b, "<Subject kind=\"%s\">", kind);
	ck_ad_element(&b, "Name", in->subject_name);
	ck_ad_element(&b, "CertNo", in->subject_id);
	ck_buf_puts(&b, "</Subject>");
	if (cursor == NULL)
		ck_buf_puts(&b, "<Cursor/>");
	else if ((rc = cursor_element(&b, cursor, err)) != CK_OK) {
		ck_buf_release(&b);
		return rc;
	}
	ck_buf_puts(&b, "</JudicialQuery>\n");
	if (b.failed) {
		ck_buf_release(&b);
		return ck_fail(err, CK_E_NOMEM, "e-commerce request: out of memory");
	}
	rc = ck_ad_request(out, "POST", "/open/judicial/query", "application/xml; charset=utf-8",
	                   &b, in->request_id);
	ck_buf_release(&b);
	return rc;
}

/* The first page: the query starts over, so whatever the state held goes. */
static int
ec_build_submit(const struct ck_query_input *in, void *state, struct ck_http_request *out,
                char *err)
{
	if (state != NULL)
		ec_release_state(state);
	return build_page(in, NULL, out, err);
}

static int
ec_build_next_page(const struct ck_query_input *in, void *state, struct ck_http_request *out,
                   char *err)
{
	(void)state;
	if (in->cursor == NULL || in->cursor[0] == '\0')
		return ck_fail(err, CK_E_USAGE, "e-commerce request: the next page has no cursor");
	return build_page(in, in->cursor, out, err);
}

/* ---- Items --------------------------------------------------------------- */

static int
malformed(struct ck_outcome *out, const xmlNode *where, const char *what)
{
	ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "line %ld: %s", ck_xml_line(where),
	                what);
	return MARKED;
}

/* An optional amount child: *has says whether it was there. */
static int
read_amount(const xmlNode *item, const char *local, int *has, int64_t *value,
            struct ck_outcome *out)
{
	char *text = ck_ad_text(item, EC_NS, local);
	*has = text != NULL;
	int rc = text == NULL || ck_ad_amount(text, value, out, local) == 0 ? CK_OK : MARKED;
	free(text);
	return rc;
}

/* An optional count child written into j under key (null when absent). */
static int
count_kv(struct ck_json *j, const xmlNode *item, const char *local, const char *key,
         struct ck_outcome *out)
{
	char *text = ck_ad_text(item, EC_NS, local);
	int n = 0, rc = CK_OK;
	ck_json_key(j, key);
	if (text == NULL)
		ck_json_null(j);
	else if (ck_ad_int(text, &n, out, local) == 0)
		ck_json_int(j, n);
	else
		rc = MARKED;
	free(text);
	return rc;
}

/* a - b, held within int64_t. */
static int64_t
sub_sat(int64_t a, int64_t b)
{
	if (b > 0 && a < INT64_MIN + b)
		return INT64_MIN;
	if (b < 0 && a > INT64_MAX + b)
		return INT64_MAX;
	return a - b;
}

static int64_t
at_least_zero(int64_t v)
{
	return v > 0 ? v : 0;
}

/* The detail of a wallet or fund: the mobile and what is already frozen
 * of wallet and fund together (fen). */
static char *
account_detail(const char *mobile, int64_t frozen)
{
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_string(&j, "mobile", mobile);
	ck_json_kv_int(&j, "frozen", frozen);
	ck_json_object_end(&j);
	return ck_json_detach(&j);
}

static struct ck_asset *
platform_asset(struct ck_outcome *records, enum ck_asset_kind kind, const char *user, int64_t book)
{
	struct ck_asset *a = ck_outcome_add_asset(records);
	if (a == NULL)
		return NULL;
	a->kind = kind;
	memcpy(a->currency, "CNY", sizeof a->currency);
	a->has_book = 1;
	a->book = book;
	a->liability = book < 0;
	a->ref = strdup(user);
	return a->ref ? a : NULL;
}

/*
 * An Account: a wallet, and a fund when FundBalance is given.  Frozen is
 * held of both together; a new freeze reaches max(Balance + FundBalance -
 * Frozen, 0) (ecommerce.md), split as wallet max(Balance - Frozen, 0) and
 * fund max(FundBalance - max(Frozen - Balance, 0), 0): the sum is the
 * spec's figure whenever FundBalance is not negative (a negative Balance
 * comes off the fund).  A negative FundBalance is a liability that takes
 * nothing off the wallet, so there the sum exceeds the spec's figure.
 */
static int
read_account(const xmlNode *item, struct ck_outcome *records, struct ck_outcome *out)
{
	int has_balance, has_fund, has_frozen;
	int64_t balance = 0, fund = 0, frozen = 0;
	int rc = read_amount(item, "Balance", &has_balance, &balance, out);
	if (rc == CK_OK)
		rc = read_amount(item, "FundBalance", &has_fund, &fund, out);
	if (rc == CK_OK)
		rc = read_amount(item, "Frozen", &has_frozen, &frozen, out);
	if (rc != CK_OK)
		return rc;
	if (!has_balance || !has_frozen)
		return malformed(out, item, "an Account without Balance or Frozen");
	if (frozen < 0)
		return malformed(out, item, "a negative Frozen amount");

	char *user = ck_ad_text(item, EC_NS, "UserId");
	char *mobile = ck_ad_text(item, EC_NS, "Mobile");
	rc = user ? CK_OK : CK_E_NOMEM; /* the schema requires it, non-empty */
	struct ck_asset *wallet =
	    rc == CK_OK ? platform_asset(records, CK_ASSET_WALLET, user, balance) : NULL;
	if (wallet == NULL) {
		rc = CK_E_NOMEM;
	} else {
		wallet->enforceable = at_least_zero(sub_sat(balance, frozen));
		wallet->detail = account_detail(mobile, frozen);
		if (wallet->detail == NULL)
			rc = CK_E_NOMEM;
	}
	if (rc == CK_OK && has_fund) {
		struct ck_asset *f = platform_asset(records, CK_ASSET_FUND, user, fund);
		if (f == NULL) {
			rc = CK_E_NOMEM;
		} else {
			int64_t beyond_wallet = at_least_zero(sub_sat(frozen, balance));
			f->enforceable = at_least_zero(sub_sat(fund, beyond_wallet));
			f->detail = account_detail(mobile, frozen);
			if (f->detail == NULL)
				rc = CK_E_NOMEM;
		}
	}
	free(user);
	free(mobile);
	return rc;
}

static struct ck_lead *
new_lead(struct ck_outcome *records, enum ck_lead_kind kind, const xmlNode *item,
         const char *label_local)
{
	struct ck_lead *l = ck_outcome_add_lead(records);
	if (l == NULL)
		return NULL;
	l->kind = kind;
	l->label = ck_ad_text(item, EC_NS, label_local);
	return l->label ? l : NULL; /* the schema requires the label, non-empty */
}

static int
read_bound_card(const xmlNode *item, struct ck_outcome *records)
{
	struct ck_lead *l = new_lead(records, CK_LEAD_BOUND_CARD, item, "Bank");
	if (l == NULL)
		return CK_E_NOMEM;
	l->code = ck_ad_text(item, EC_NS, "CardTail");
	l->detail = strdup("{}");
	return l->detail ? CK_OK : CK_E_NOMEM;
}

static int
read_address(const xmlNode *item, struct ck_outcome *records, struct ck_outcome *out)
{
	struct ck_lead *l = new_lead(records, CK_LEAD_ADDRESS, item, "Text");
	if (l == NULL)
		return CK_E_NOMEM;
	char *text = ck_ad_text(item, EC_NS, "LastUsed");
	int64_t last_used = CK_NO_DATE;
	int rc = ck_ad_date(text, &last_used, out, "LastUsed") == 0 ? CK_OK : MARKED;
	free(text);
	if (rc != CK_OK)
		return rc;
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	ck_json_kv_date(&j, "last_used", last_used);
	ck_json_object_end(&j);
	l->detail = ck_json_detach(&j);
	return l->detail ? CK_OK : CK_E_NOMEM;
}

/* One end of a Period: a month YYYY-MM or a date YYYY-MM-DD that exists. */
static int
period_end_ok(const char *text)
{
	return strlen(text) == 7 ? ck_month_parse(text, NULL, NULL, NULL) == CK_OK
	                         : ck_date_parse(text, NULL, NULL) == CK_OK;
}

static int
read_spending(const xmlNode *item, struct ck_outcome *records, struct ck_outcome *out)
{
	struct ck_lead *l = new_lead(records, CK_LEAD_SPENDING, item, "Period");
	if (l == NULL)
		return CK_E_NOMEM;
	/* The schema's pattern holds start/end; each must also be in the calendar. */
	char *slash = strchr(l->label, '/');
	int ok = slash != NULL;
	if (ok) {
		*slash = '\0';
		ok = period_end_ok(l->label) && period_end_ok(slash + 1);
		*slash = '/';
	}
	if (!ok)
		return malformed(out, item, "a Period outside the calendar");
	memcpy(l->currency, "CNY", sizeof l->currency);
	int rc = read_amount(item, "Total", &l->has_amount, &l->amount, out);
	struct ck_json j;
	ck_json_init(&j);
	ck_json_object_begin(&j);
	if (rc == CK_OK)
		rc = count_kv(&j, item, "Flights", "flights", out);
	if (rc == CK_OK)
		rc = count_kv(&j, item, "Hotels", "hotels", out);
	if (rc == CK_OK)
		rc = count_kv(&j, item, "Luxury", "luxury", out);
	ck_json_object_end(&j);
	if (rc != CK_OK) {
		ck_json_release(&j);
		return rc;
	}
	l->detail = ck_json_detach(&j);
	return l->detail ? CK_OK : CK_E_NOMEM;
}

/* The items of one page, appended to records. */
static int
read_items(const xmlNode *items, struct ck_outcome *records, struct ck_outcome *out)
{
	int rc = CK_OK;
	for (xmlNode *c = ck_xml_first(items, EC_NS, NULL); c && rc == CK_OK;
	     c = ck_xml_next(c, EC_NS, NULL)) {
		if (ck_xml_is(c, EC_NS, "Account"))
			rc = read_account(c, records, out);
		else if (ck_xml_is(c, EC_NS, "BoundCard"))
			rc = read_bound_card(c, records);
		else if (ck_xml_is(c, EC_NS, "Address"))
			rc = read_address(c, records, out);
		else if (ck_xml_is(c, EC_NS, "Spending"))
			rc = read_spending(c, records, out);
	}
	return rc;
}

/* ---- A page ----------------------------------------------------------------- */

/* What a page says about itself. */
struct page {
	char *request_id, *status, *kind, *name, *cert, *platform, *next;
	int index, total;
	size_t n_items;
	xmlNode *items, *subject;
};

static void
page_release(struct page *p)
{
	free(p->request_id);
	free(p->status);
	free(p->kind);
	free(p->name);
	free(p->cert);
	free(p->platform);
	free(p->next);
}

static int
read_page(const xmlNode *root, struct page *p, struct ck_outcome *out)
{
	memset(p, 0, sizeof *p);
	p->subject = ck_xml_first(root, EC_NS, "Subject");
	xmlNode *page = ck_xml_first(root, EC_NS, "Page");
	p->request_id = ck_ad_text(root, EC_NS, "RequestId");
	p->status = ck_ad_text(root, EC_NS, "Status");
	p->kind = ck_xml_attr(p->subject, "kind");
	p->name = ck_ad_text(p->subject, EC_NS, "Name");
	p->cert = ck_ad_text(p->subject, EC_NS, "CertNo");
	p->platform = ck_ad_text(root, EC_NS, "Platform");
	p->next = ck_ad_text(root, EC_NS, "NextCursor");
	p->items = ck_xml_first(root, EC_NS, "Items");
	for (xmlNode *c = ck_xml_first(p->items, EC_NS, NULL); c; c = ck_xml_next(c, EC_NS, NULL))
		p->n_items++;
	char *index = ck_xml_attr(page, "index");
	char *total = ck_xml_attr(page, "total");
	int rc = CK_OK;
	if (!p->request_id || !p->status || !p->kind || !p->name || !p->cert || !index || !total)
		rc = CK_E_NOMEM; /* the schema requires them */
	else if (ck_ad_int(index, &p->index, out, "Page/@index") != 0 ||
	         ck_ad_int(total, &p->total, out, "Page/@total") != 0)
		rc = MARKED;
	free(index);
	free(total);
	return rc;
}

/* The page against the query and against the pages before it. */
static int
check_page(const struct ck_query_input *in, const struct ec_state *st, const struct page *p,
           const struct ck_adapter_env *env, struct ck_outcome *out)
{
	if (!ck_ad_same_subject(in->subject_id, p->cert)) {
		char masked[CK_MASK_BUF];
		ck_ids_mask_id(p->cert, masked, sizeof masked);
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "WRONG_SUBJECT",
		                "page %d is about %s, not the subject asked about", p->index,
		                masked);
		return MARKED;
	}
	if (strcmp(p->request_id, in->request_id) != 0) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "page %d answers request %s, not %s", p->index, p->request_id,
		                in->request_id);
		return MARKED;
	}
	if (strcmp(p->kind, in->subject_kind == CK_SUBJECT_ORG ? "ORG" : "PERSON") != 0)
		return malformed(out, p->subject, "Subject/@kind is not the kind asked about");
	if (p->index != st->last_index + 1) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "page index %d follows page %d", p->index, st->last_index);
		return MARKED;
	}
	if (p->index > p->total) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED", "page %d of %d", p->index,
		                p->total);
		return MARKED;
	}
	if (st->last_index > 0 &&
	    (strcmp(p->status, st->status) != 0 || strcmp(p->kind, st->kind) != 0 ||
	     strcmp(p->name, st->name) != 0 || !ck_ad_same_subject(st->cert, p->cert))) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "MALFORMED",
		                "page %d disagrees with page 1 on Status or Subject", p->index);
		return MARKED;
	}
	if (strcmp(p->status, "NOT_FOUND") == 0 &&
	    (p->index != 1 || p->total != 1 || p->next != NULL || p->n_items > 0))
		return malformed(out, p->subject,
		                 "NOT_FOUND is a single page (index 1 of 1) with no item");
	size_t max = env->max_records ? env->max_records : 10000;
	if (p->n_items > max || st->n_items > max - p->n_items) {
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "TOO_MANY_RECORDS",
		                "more than %zu items by page %d", max, p->index);
		return MARKED;
	}
	if (p->next == NULL && strcmp(p->status, "FOUND") == 0 && st->n_items + p->n_items == 0)
		return malformed(out, p->subject, "FOUND without any item on any page");
	return CK_OK;
}

/* The page accepted: the state now holds it (page 1's strings move in). */
static void
commit_page(struct ec_state *st, struct page *p)
{
	if (st->last_index == 0) {
		st->status = p->status;
		st->kind = p->kind;
		st->name = p->name;
		st->cert = p->cert;
		st->platform = p->platform;
		p->status = p->kind = p->name = p->cert = p->platform = NULL;
	}
	st->last_index = p->index;
	st->n_items += p->n_items;
}

/* The outcome of the last page, before the page is committed: its type, and
 * the names it carries (the page's equal page 1's, checked). */
static int
last_page_outcome(const struct ec_state *st, const struct page *p, struct ck_outcome *out)
{
	const char *platform = st->last_index > 0 ? st->platform : p->platform;
	out->type = strcmp(p->status, "FOUND") == 0       ? CK_OUTCOME_FOUND
	            : strcmp(p->status, "NOT_FOUND") == 0 ? CK_OUTCOME_NOT_FOUND
	                                                  : CK_OUTCOME_MISMATCH;
	if (out->type == CK_OUTCOME_MISMATCH && (out->registered_name = strdup(p->name)) == NULL)
		return CK_E_NOMEM;
	if (platform != NULL && (out->institution_name = strdup(platform)) == NULL)
		return CK_E_NOMEM;
	return CK_OK;
}

static int
read_answer(const struct ck_query_input *in, struct ec_state *st, const xmlNode *root,
            const struct ck_adapter_env *env, struct ck_outcome *out)
{
	struct page p;
	size_t n_assets = st->records.n_assets, n_leads = st->records.n_leads;
	int rc = read_page(root, &p, out);
	if (rc == CK_OK)
		rc = check_page(in, st, &p, env, out);
	if (rc == CK_OK)
		rc = read_items(p.items, &st->records, out);
	if (rc == CK_OK && p.next != NULL) {
		out->type = CK_OUTCOME_NEXT_PAGE;
		out->cursor = strdup(p.next);
		rc = out->cursor ? CK_OK : CK_E_NOMEM;
	} else if (rc == CK_OK) {
		rc = last_page_outcome(st, &p, out);
	}
	if (rc != CK_OK) {
		ck_outcome_truncate(&st->records, n_assets, n_leads);
		page_release(&p);
		return rc;
	}
	int last = p.next == NULL;
	commit_page(st, &p);
	page_release(&p);
	if (last) { /* every record of every page goes to out */
		out->assets = st->records.assets;
		out->n_assets = st->records.n_assets;
		out->leads = st->records.leads;
		out->n_leads = st->records.n_leads;
		memset(&st->records, 0, sizeof st->records);
	}
	return CK_OK;
}

static int
ec_interpret(const struct ck_query_input *in, void *state, const struct ck_http_response *r,
             const struct ck_adapter_env *env, struct ck_outcome *out)
{
	if (ck_ad_common_status(in, r, env, "ecommerce-error", EC_NS, out))
		return CK_OK;
	if (r->status != 200) { /* 202 and 404: not defined for this kind */
		ck_outcome_fail(out, CK_OUTCOME_FAILED, "UNEXPECTED_STATUS", "HTTP %d", r->status);
		return CK_OK;
	}
	if (state == NULL)
		return CK_E_USAGE; /* the core allocates state_size bytes for every query */
	xmlDoc *doc = NULL;
	int rc = ck_ad_load(r->body, r->body_len, env, "ecommerce-response", &doc, out);
	if (rc != CK_OK)
		return rc == MARKED ? CK_OK : rc;
	rc = read_answer(in, state, xmlDocGetRootElement(doc), env, out);
	xmlFreeDoc(doc);
	return rc == MARKED ? CK_OK : rc;
}

/* ---- The table -------------------------------------------------------------- */

const struct ck_adapter ck_adapter_ecommerce = {
    CK_ADAPTER_VERSION,
    CK_KIND_ECOMMERCE,
    "ecommerce",
    CK_CAP_PAGED,            /* caps */
    sizeof(struct ec_state), /* state_size */
    ec_build_submit,         /* build_submit */
    NULL,                    /* build_poll */
    ec_build_next_page,      /* build_next_page */
    ec_interpret,            /* interpret */
    ec_release_state,        /* release_state */
};
