/* SPDX-License-Identifier: MIT */
/*
 * test_report_render.c: the HTML and CSV renderings of the report, from a
 * store filled through the store's own verbs with answers of known content
 * (accounts with freezes in effect and queued, a loan, a wealth product, a
 * flat with a mortgage and seizures, vehicles with known and unknown status
 * letters, a wallet and a fund, every kind of lead; a failed registry, a
 * pending ticket, a subject mismatch; and a re-inquiry round with new,
 * changed and vanished property).
 *
 * HTML: valid for tidy, self-contained, identifiers masked unless
 * revealed, channels not searched said so and never triaged as "no
 * property", the model's facts on the page.  CSV: BOM, GB18030 that
 * decodes to the same text, one row per asset and lead, RFC 4180 quoting,
 * the documented columns, the same bytes twice.
 */
#include "testutil.h"
#include "textenc.h"
#include "chakong/adapter.h"
#include "chakong/error.h"
#include "chakong/report.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"

#include <csv.h>
#include <string.h>
#include <unistd.h>

#define CASE_A "(2024)苏1283执1234号" /* two debtors, much property */
#define CASE_B "(2024)苏1283执1235号" /* nothing found, vehicles failed */
#define CASE_C "(2024)苏1283执1236号" /* nothing found, all answered */
#define CASE_D "(2024)苏1283执1237号" /* re-inquiry after termination */

/* A name that CSV must quote and HTML must escape. */
#define ORG_NAME "泰兴\"鑫达\",贸易\n有限公司"

static const struct ck_institution_rec insts[] = {
    {"icbc", "bank", "中国工商银行", NULL, "http://127.0.0.1:1/icbc", 0},
    {"bdc-tx", "realestate", "泰兴市不动产登记中心", "泰兴市", "http://127.0.0.1:1/bdc", 0},
    {"trff-tz", "vehicle", "泰州市公安局交通警察支队", NULL, "http://127.0.0.1:1/trff", 0},
    {"si-tz", "socialsec", "泰州市社会保险事业管理中心", NULL, "http://127.0.0.1:1/si", 1},
    {"alipay", "ecommerce", "支付宝", NULL, "http://127.0.0.1:1/alipay", 0},
};

#define ZHANG_ID "320102198001011238"
#define ORG_ID   "91321283MA1MX8K2PW"
#define WANG_ID  "11010519491231002X"
#define ZHAO_ID  "440524188001010014"

/* Account numbers and other personal identifiers the answers hold. */
#define ACCT_CACC   "6222021203001234567"
#define ACCT_SVGS   "6222021203007654321"
#define ACCT_LOAN   "6222000011112222333"
#define ALIPAY_USER "2088123456781234"
#define MOBILE      "13812345678"

struct world {
	char *dir, *db;
	struct ck_store *st;
	char zhou[CK_ID_BUF]; /* a resident ID made with its check character */
	int64_t now;
};

static int64_t
at(const char *text)
{
	int64_t t;
	if (ck_time_parse_lenient(text, CK_DEFAULT_OFFSET_MIN, &t, NULL, NULL) != CK_OK)
		fail_msg("bad time %s", text);
	return t;
}

static int64_t
day(const char *text)
{
	int64_t d;
	assert_int_equal(ck_date_parse(text, &d, NULL), CK_OK);
	return d;
}

static void
import(struct world *w, const char *case_no, enum ck_case_status status, int64_t terminated_on,
       const struct ck_debtor_rec *d, size_t n, int64_t amount_owed)
{
	struct ck_case_rec c = {.case_no = case_no,
	                        .court_code = "苏1283",
	                        .court_name = "泰兴市人民法院",
	                        .filed_at = at("2024-03-05T09:00:00+08:00"),
	                        .filed_offset_min = 480,
	                        .officer = "李四",
	                        .amount_owed = amount_owed,
	                        .status = status,
	                        .terminated_on = terminated_on};
	struct ck_import_outcome out;
	char err[CK_ERR_SIZE] = "";
	if (ck_store_import_case(w->st, &c, d, n, "test", at("2024-03-05T09:00:00+08:00"), &out,
	                         err) != CK_OK)
		fail_msg("import: %s", err);
}

static void
plan(struct world *w, int64_t now)
{
	struct ck_plan_stats ps;
	char err[CK_ERR_SIZE] = "";
	if (ck_store_plan(w->st, now, &ps, err) != CK_OK)
		fail_msg("plan: %s", err);
}

/* ---- Answers of known content ---------------------------------------------- */

struct claimed {
	int64_t id;
	char case_no[64], subject[CK_ID_BUF];
};

struct claims {
	struct claimed q[32];
	int n;
};

static int
collect(void *ctx, const struct ck_claim *c)
{
	struct claims *cl = ctx;
	assert_true(cl->n < 32);
	struct claimed *q = &cl->q[cl->n++];
	q->id = c->query_id;
	snprintf(q->case_no, sizeof q->case_no, "%s", c->case_no);
	snprintf(q->subject, sizeof q->subject, "%s", c->subject_id);
	return 0;
}

/* Fills the result (and records) of one query; state 0 leaves it unsent. */
typedef void (*answer_fn)(struct world *w, const char *inst, const struct claimed *q,
                          struct ck_query_result *res, struct ck_outcome *o);

static void
respond(struct world *w, const char *inst, int64_t now, answer_fn fn)
{
	struct claims cl = {0};
	int n;
	char err[CK_ERR_SIZE] = "";
	if (ck_store_claim(w->st, inst, 0, now, now + 60, 32, collect, &cl, &n, err) != CK_OK)
		fail_msg("claim: %s", err);
	for (int i = 0; i < cl.n; i++) {
		struct ck_outcome o;
		ck_outcome_init(&o);
		struct ck_query_result res = {0};
		fn(w, inst, &cl.q[i], &res, &o);
		if (res.state == 0) {
			ck_outcome_release(&o);
			continue;
		}
		if (res.state == CK_Q_ANSWERED && res.outcome == NULL)
			res.outcome = o.n_assets || o.n_leads ? "FOUND" : "NOT_FOUND";
		if (res.state == CK_Q_ANSWERED && strcmp(res.outcome, "FOUND") == 0)
			res.records = &o;
		const char body[] = "<answer/>";
		struct ck_attempt_rec attempt = {"submit", now * 1000, 10, 200, NULL, NULL};
		struct ck_raw_rec raw = {"application/xml", body, sizeof body - 1, 0, NULL};
		if (ck_store_finish(w->st, cl.q[i].id, &attempt, &raw, &res, now + 1, 0, err) !=
		    CK_OK)
			fail_msg("finish: %s", err);
		ck_outcome_release(&o);
	}
}

static struct ck_asset *
deposit(struct ck_outcome *o, const char *ref, const char *type, const char *status, int64_t book,
        int has_available, int64_t available)
{
	struct ck_asset *a = ck_outcome_add_asset(o);
	a->kind = CK_ASSET_DEPOSIT;
	a->ref = strdup(ref);
	a->subtype = strdup(type);
	a->status = strdup(status);
	memcpy(a->currency, "CNY", 4);
	a->has_book = 1;
	a->book = book;
	a->has_available = has_available;
	a->available = available;
	a->liability = strcmp(type, "LOAN") == 0 || book < 0;
	a->enforceable = !a->liability && has_available && available > 0 ? available : 0;
	a->detail = strdup("{\"branch\":\"泰兴支行\",\"opened_on\":\"2015-06-01\"}");
	return a;
}

static void
freeze(struct ck_asset *a, const char *court, const char *ref, int seq, int64_t amount,
       const char *ends)
{
	struct ck_encumbrance *e = ck_asset_add_encumbrance(a);
	e->kind = CK_ENC_FREEZE;
	e->authority = strdup(court);
	e->ref = strdup(ref);
	e->seq = seq;
	e->has_amount = 1;
	e->amount = amount;
	memcpy(e->currency, "CNY", 4);
	e->starts_on = CK_NO_DATE;
	e->ends_on = day(ends);
	e->detail = strdup(seq == 1 ? "{\"state\":\"in_effect\"}" : "{\"state\":\"queued\"}");
}

static void
bank_records(struct ck_outcome *o)
{
	struct ck_asset *a = deposit(o, ACCT_CACC, "CACC", "FRZN", 1234567, 1, 1000000);
	freeze(a, "靖江市人民法院", "(2023)苏1282执555号", 1, 234567, "2024-12-31");
	freeze(a, "兴化市人民法院", "(2024)苏1281执77号", 2, 500000, "2025-01-31");
	deposit(o, ACCT_SVGS, "SVGS", "DORM", 88800, 0, 0); /* no AVLB stated */
	deposit(o, ACCT_LOAN, "LOAN", "ENAB", -50000000, 0, 0);
	struct ck_asset *w = ck_outcome_add_asset(o);
	w->kind = CK_ASSET_WEALTH;
	w->ref = strdup("JY2023A001");
	memcpy(w->currency, "CNY", 4);
	w->has_book = 1;
	w->book = w->enforceable = 5000000;
	w->detail = strdup("{\"name\":\"稳利365天\",\"matures_on\":\"2024-09-30\"}");
}

static void
realestate_records(struct ck_outcome *o)
{
	struct ck_asset *a = ck_outcome_add_asset(o);
	a->kind = CK_ASSET_REALESTATE;
	a->ref = strdup("321283001001GB00001F00010001");
	a->subtype = strdup("住宅");
	a->detail = strdup("{\"certificate\":\"苏(2019)泰兴市不动产权第0001234号\","
	                   "\"location\":\"泰兴市济川街道某路18号3幢1201室\",\"area\":12856,"
	                   "\"ownership\":\"共同共有\",\"share\":null,\"share_stated\":false,"
	                   "\"share_meaning\":\"not_stated\",\"registered_on\":\"2019-06-30\","
	                   "\"mortgaged_flag\":true,\"seized_flag\":true}");
	struct ck_encumbrance *m = ck_asset_add_encumbrance(a);
	m->kind = CK_ENC_MORTGAGE;
	m->authority = strdup("中国建设银行泰兴支行");
	m->has_amount = 1;
	m->amount = 80000000;
	memcpy(m->currency, "CNY", 4);
	m->starts_on = day("2019-06-30");
	m->ends_on = day("2049-06-29");
	m->detail = strdup("{}");
	struct ck_encumbrance *s = ck_asset_add_encumbrance(a);
	s->kind = CK_ENC_SEIZURE;
	s->authority = strdup("靖江市人民法院");
	s->ref = strdup("(2023)苏1282执555号");
	s->seq = 1;
	s->starts_on = day("2023-05-01");
	s->ends_on = day("2026-04-30");
	s->detail = strdup("{\"type\":\"查封\",\"queued\":false}");
	struct ck_encumbrance *q = ck_asset_add_encumbrance(a);
	q->kind = CK_ENC_SEIZURE;
	q->authority = strdup("如皋市人民法院");
	q->ref = strdup("(2024)苏0682执9号");
	q->seq = 2;
	q->starts_on = day("2024-01-10");
	q->ends_on = day("2027-01-09");
	q->detail = strdup("{\"type\":\"轮候查封\",\"queued\":true}");
}

static void
vehicle(struct ck_outcome *o, const char *vin, const char *plate, const char *letters)
{
	struct ck_asset *a = ck_outcome_add_asset(o);
	a->kind = CK_ASSET_VEHICLE;
	a->ref = strdup(vin);
	a->subtype = strdup("02");
	a->status = strdup(letters);
	char detail[256];
	snprintf(detail, sizeof detail,
	         "{\"plate\":\"%s\",\"vin\":\"%s\",\"brand\":\"大众\",\"model\":\"SVW7167\","
	         "\"registered_on\":\"2012-08-20\",\"mortgaged\":true,\"owner\":\"张三\","
	         "\"letters\":[]}",
	         plate, vin);
	a->detail = strdup(detail);
}

static struct ck_lead *
lead(struct ck_outcome *o, enum ck_lead_kind kind, const char *label, const char *code,
     const char *detail)
{
	struct ck_lead *l = ck_outcome_add_lead(o);
	l->kind = kind;
	l->label = strdup(label);
	l->code = code ? strdup(code) : NULL;
	l->detail = strdup(detail);
	return l;
}

static void
platform_records(struct ck_outcome *o)
{
	static const char detail[] = "{\"mobile\":\"" MOBILE "\",\"frozen\":2000}";
	struct ck_asset *w = ck_outcome_add_asset(o);
	w->kind = CK_ASSET_WALLET;
	w->ref = strdup(ALIPAY_USER);
	memcpy(w->currency, "CNY", 4);
	w->has_book = 1;
	w->book = 152033;
	w->enforceable = 150033;
	w->detail = strdup(detail);
	struct ck_asset *f = ck_outcome_add_asset(o);
	f->kind = CK_ASSET_FUND;
	f->ref = strdup(ALIPAY_USER);
	memcpy(f->currency, "CNY", 4);
	f->has_book = 1;
	f->book = f->enforceable = 3021109;
	f->detail = strdup(detail);
	lead(o, CK_LEAD_BOUND_CARD, "招商银行", "6789", "{}");
	lead(o, CK_LEAD_BOUND_CARD, "中国工商银行", "4321", "{}");
	lead(o, CK_LEAD_ADDRESS, "江苏省泰州市泰兴市某小区5栋302", NULL,
	     "{\"last_used\":\"2024-02-18\"}");
	struct ck_lead *s = lead(o, CK_LEAD_SPENDING, "2023-09/2024-02", NULL,
	                         "{\"flights\":3,\"hotels\":5,\"luxury\":2}");
	s->has_amount = 1;
	s->amount = 4821000;
	memcpy(s->currency, "CNY", 4);
}

static void
answer_main(struct world *w, const char *inst, const struct claimed *q, struct ck_query_result *res,
            struct ck_outcome *o)
{
	(void)w;
	int a = strcmp(q->case_no, CASE_A) == 0;
	int zhang = a && strcmp(q->subject, ZHANG_ID) == 0;
	res->state = CK_Q_ANSWERED;
	if (strcmp(inst, "icbc") == 0 && zhang) {
		bank_records(o);
	} else if (strcmp(inst, "bdc-tx") == 0 && zhang) {
		realestate_records(o);
	} else if (strcmp(inst, "trff-tz") == 0) {
		if (strcmp(q->case_no, CASE_B) == 0) { /* the registry gave up on case B */
			res->state = CK_Q_FAILED;
			res->reason = "HTTP_500";
			res->detail = "server error after 5 attempts";
		} else if (zhang) {
			vehicle(o, "LSVAM4187C2184512", "苏M12345", "GK");
			vehicle(o, "LFV2A21K6C4000001", "苏M67890", "BX");
		}
	} else if (strcmp(inst, "alipay") == 0) {
		if (zhang) {
			platform_records(o);
		} else if (a) {
			res->outcome = "SUBJECT_MISMATCH";
			res->detail = "泰兴鑫达商贸有限公司";
		}
	}
}

/* Social insurance for case A's first debtor answers in a later run: here
 * only the other cases' queries are answered. */
static void
answer_socialsec_later(struct world *w, const char *inst, const struct claimed *q,
                       struct ck_query_result *res, struct ck_outcome *o)
{
	(void)w;
	(void)inst;
	if (strcmp(q->case_no, CASE_A) == 0) {
		res->state = CK_Q_WAITING;
		res->ticket = "T-7f3a9c";
		res->due_at = w->now + 7200;
		res->accepted = 1;
		return;
	}
	res->state = CK_Q_ANSWERED;
	if (strcmp(q->case_no, CASE_C) == 0 && strcmp(q->subject, ZHAO_ID) == 0) {
		struct ck_lead *l =
		    lead(o, CK_LEAD_EMPLOYER, "泰兴市某某贸易有限公司", "91321283MA1MX8K2PW",
		         "{\"insurance\":\"PENSION\",\"state\":\"ACTIVE\","
		         "\"since\":\"2021-03\",\"last_paid\":\"2024-02\","
		         "\"withholding_lead\":true}");
		l->has_amount = 1;
		l->amount = 650000;
		memcpy(l->currency, "CNY", 4);
		l = lead(o, CK_LEAD_PENSION, "中国农业银行", NULL, "{}");
		l->has_amount = 1;
		l->amount = 320000;
		memcpy(l->currency, "CNY", 4);
	}
}

static void
open_world(struct world *w)
{
	memset(w, 0, sizeof *w);
	w->dir = ck_test_tmpdir();
	w->db = ck_test_path(w->dir, "report.db");
	assert_int_equal(ck_store_open(w->db, &w->st, NULL), CK_OK);
	assert_int_equal(ck_store_sync_institutions(w->st, insts, 5, 1, NULL), CK_OK);
	char first17[] = "32128319850607001";
	char check = ck_ids_resident_check_char(first17);
	assert_true(check != '\0');
	snprintf(w->zhou, sizeof w->zhou, "%s%c", first17, check);
	w->now = at("2024-03-05T10:00:00+08:00");
}

static void
close_world(struct world *w)
{
	ck_store_close(w->st);
	ck_test_rmtree(w->dir);
	free(w->dir);
	free(w->db);
}

/* Cases A, B and C, answered as answer_main says. */
static int
setup_main(void **state)
{
	struct world *w = calloc(1, sizeof *w);
	open_world(w);
	struct ck_debtor_rec a[] = {{CK_SUBJECT_PERSON, "张三", ZHANG_ID},
	                            {CK_SUBJECT_ORG, ORG_NAME, ORG_ID}};
	struct ck_debtor_rec b = {
	    CK_SUBJECT_PERSON, "王五",
	    WANG_ID}; /* Case C's second debtor bears a name a spreadsheet would run. */
	struct ck_debtor_rec c[] = {{CK_SUBJECT_PERSON, "赵六", ZHAO_ID},
	                            {CK_SUBJECT_PERSON, "=HYPERLINK(\"x\")", WANG_ID}};
	import(w, CASE_A, CK_CASE_ACTIVE, 0, a, 2, 100000000);
	import(w, CASE_B, CK_CASE_ACTIVE, 0, &b, 1, 500000);
	import(w, CASE_C, CK_CASE_ACTIVE, 0, c, 2, 500000);
	plan(w, w->now);
	for (size_t i = 0; i < sizeof insts / sizeof insts[0]; i++)
		respond(w, insts[i].id, w->now,
		        strcmp(insts[i].id, "si-tz") == 0 ? answer_socialsec_later : answer_main);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;
	close_world(w);
	free(w);
	return 0;
}

/* ---- Rendering helpers -------------------------------------------------------- */

static struct ck_report *
build(struct world *w, const char *case_no, int round)
{
	struct ck_report *r = NULL;
	char err[CK_ERR_SIZE] = "";
	if (ck_report_build(w->st, case_no, round, w->now + 7200, &r, err) != CK_OK)
		fail_msg("build %s: %s", case_no, err);
	return r;
}

static char *
html(const struct ck_report *r, int reveal, const char *title)
{
	struct ck_report_render opt = {.reveal = reveal, .title = title};
	struct ck_buf b = {0};
	char err[CK_ERR_SIZE] = "";
	if (ck_report_html(r, &opt, &b, err) != CK_OK)
		fail_msg("html: %s", err);
	return ck_buf_detach(&b, NULL);
}

static char *
csv(const struct ck_report *r, int reveal, int gb18030, size_t *len)
{
	struct ck_report_render opt = {.reveal = reveal, .gb18030 = gb18030};
	struct ck_buf b = {0};
	char err[CK_ERR_SIZE] = "";
	if (ck_report_csv(r, &opt, &b, err) != CK_OK)
		fail_msg("csv: %s", err);
	return ck_buf_detach(&b, len);
}

static void
assert_contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		fail_msg("expected to find \"%s\"", needle);
}

static void
assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle) != NULL)
		fail_msg("expected not to find \"%s\"", needle);
}

/* CK_KEEP_PAGES names a directory to keep the renderings in, to look at
 * them in a browser or a spreadsheet, or print them. */
static void
keep_copy(const char *name, const char *data, size_t len)
{
	const char *keep = getenv("CK_KEEP_PAGES");
	if (keep == NULL || *keep == '\0')
		return;
	char *copy = ck_test_path(keep, name);
	ck_test_write_file(copy, data, len);
	free(copy);
}

/* tidy, where the system has it (scripts/deps.sh installs it). */
static char *
tidy_path(void)
{
	static char where[][24] = {"/usr/bin/tidy", "/usr/local/bin/tidy", "/bin/tidy"};
	for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

static void
assert_tidy_clean(struct world *w, const char *page, const char *name)
{
	char *tidy = tidy_path();
	if (tidy == NULL) {
		print_message("tidy is not installed (scripts/deps.sh installs it): "
		              "HTML validity not checked\n");
		skip();
	}
	char *path = ck_test_path(w->dir, name);
	ck_test_write_file(path, page, strlen(page));
	keep_copy(name, page, strlen(page));
	char *argv[] = {tidy, "-errors", "-q", path, NULL};
	struct ck_test_run run;
	ck_test_run(&run, NULL, argv);
	/* tidy exits 0 when clean, 1 on warnings, 2 on errors. */
	if (run.status != 0)
		fail_msg("tidy %s: status %d\n%s", name, run.status, run.errout);
	ck_test_run_free(&run);
	free(path);
}

static void
assert_self_contained(const char *page)
{
	static const char *const external[] = {"http://", "https://", "src=",   "<link",
	                                       "<script", "url(",     "@import"};
	for (size_t i = 0; i < sizeof external / sizeof external[0]; i++)
		assert_lacks(page, external[i]);
}

/* Every personal identifier of case A's answers and debtors. */
static const char *const secrets[] = {ZHANG_ID,  ORG_ID,      ACCT_CACC, ACCT_SVGS,
                                      ACCT_LOAN, ALIPAY_USER, MOBILE};

/* ---- HTML ------------------------------------------------------------------------ */

static void
html_is_valid_and_self_contained(void **state)
{
	struct world *w = *state;
	const char *cases[] = {CASE_A, CASE_B, CASE_C};
	for (size_t i = 0; i < 3; i++) {
		struct ck_report *r = build(w, cases[i], -1);
		char *page = html(r, 0, i == 0 ? "<审查>用 & 存档" : NULL);
		assert_true(strncmp(page, "<!DOCTYPE html>\n<html lang=\"zh-CN\">", 34) == 0);
		assert_contains(page, "<meta charset=\"utf-8\">");
		assert_contains(page, "@page{size:A4");
		assert_contains(page, "thead{display:table-header-group;}");
		assert_contains(page, "break-inside:avoid");
		assert_self_contained(page);
		char name[32];
		snprintf(name, sizeof name, "case%zu.html", i);
		assert_tidy_clean(w, page, name);
		free(page);
		ck_report_free(r);
	}
}

static void
html_masks_identifiers_unless_revealed(void **state)
{
	struct world *w = *state;
	struct ck_report *r = build(w, CASE_A, -1);
	char *masked = html(r, 0, NULL);
	char *clear = html(r, 1, NULL);
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		assert_lacks(masked, secrets[i]);
		assert_contains(clear, secrets[i]);
	}
	assert_contains(masked, "320102********1238");
	assert_contains(masked, "***************4567"); /* the current account */
	assert_contains(masked, "************1234");    /* the platform user */
	/* Property identifiers are shown: they name what is to be seized. */
	assert_contains(masked, "321283001001GB00001F00010001");
	assert_contains(masked, "LSVAM4187C2184512");
	free(masked);
	free(clear);
	ck_report_free(r);
}

static void
html_shows_the_models_facts(void **state)
{
	struct world *w = *state;
	struct ck_report *r = build(w, CASE_A, -1);
	assert_int_equal(r->triage, CK_TRIAGE_AFTER_DISPOSAL);
	char *page = html(r, 0, "<审查>用 & 存档");
	/* Header and triage. */
	assert_contains(page, "&lt;审查&gt;用 &amp; 存档");
	assert_contains(page, "<td>" CASE_A "</td>");
	assert_contains(page, "1,000,000.00元");   /* amount owed */
	assert_contains(page, "2024-03-05 09:00"); /* filed */
	assert_contains(page, "2024-03-06 09:00"); /* deadline: filing + 24 h */
	assert_contains(page, "进行中");           /* social insurance still pending */
	assert_contains(page, "首次查询（轮次 0）");
	assert_contains(page, "<p class=\"triage-class\">处置财产后可执行</p>");
	assert_contains(page, r->triage_rule);
	assert_lacks(page, "未发现可供执行财产");
	/* Totals: deposits' AVLB, the product, wallet and fund; the loan apart. */
	assert_contains(page,
	                "<strong>91,711.42元</strong>"); /* 10000 + 50000 + 1500.33 + 30211.09 */
	assert_contains(page, "-500,000.00元");
	assert_int_equal(r->totals[0].enforceable, 9171142);
	free(page);
	ck_report_free(r);
}

static void
html_shows_accounts_property_vehicles_and_leads(void **state)
{
	struct world *w = *state;
	struct ck_report *r = build(w, CASE_A, -1);
	char *page = html(r, 0, NULL);
	/* Accounts: available, never the book balance as available. */
	assert_contains(page, "活期账户");
	assert_contains(page, "12,345.67");
	assert_contains(page, "10,000.00");
	assert_contains(page, "可用余额未提供");
	assert_contains(page, "负债（不计入）");
	assert_contains(page,
	                "<strong>在先冻结</strong>（顺位1） 靖江市人民法院 (2023)苏1282执555号");
	assert_contains(page, "<strong>轮候冻结</strong>（顺位2） 兴化市人民法院");
	assert_contains(page, "至2024-12-31");
	assert_contains(page, "稳利365天");
	/* Real estate. */
	assert_contains(page, "泰兴市济川街道某路18号3幢1201室");
	assert_contains(page, "128.56");
	assert_contains(page, "未载明份额");
	assert_contains(page, "被担保主债权800,000.00元");
	assert_contains(page, "<strong>首封</strong> 靖江市人民法院");
	assert_contains(page, "<strong>轮候查封</strong>（第2位） 如皋市人民法院");
	assert_contains(page, "泰兴市"); /* the district answered */
	/* Vehicles: letters spelled out, unknown ones kept. */
	assert_contains(page, "G 违法未处理、K 查封");
	assert_contains(page, "B 转出、X （未知代码）");
	assert_contains(page, "已被查封，本院查封将轮候");
	/* Platform money and leads. */
	assert_contains(page, "1,520.33");
	assert_contains(page, "30,211.09");
	assert_contains(page, "<strong>未查询该银行</strong>");
	assert_contains(page, "该银行已在查询范围内"); /* the bank configured */
	assert_contains(page, "江苏省泰州市泰兴市某小区5栋302");
	assert_contains(page, "请核查限制消费");
	/* Coverage: a ticket still pending, a mismatch, a not applicable. */
	assert_contains(page, "T-7f3a9c");
	assert_contains(page, "身份不符<br><small>请核对立案信息</small>");
	/* Nor is a channel answered only about another name said to be empty. */
	assert_contains(page, "网络平台：1个机构答复的被查询人名称与立案信息不符，请核对立案信息；"
	                      "不能据此认定被执行人无此类财产。");
	assert_contains(page, "泰兴鑫达商贸有限公司");
	assert_contains(page, "不适用于该被执行人");
	/* The organisation's name, escaped. */
	assert_contains(page, "泰兴&quot;鑫达&quot;,贸易\n有限公司");
	free(page);
	ck_report_free(r);
}

static void
html_never_calls_an_unsearched_channel_empty(void **state)
{
	struct world *w = *state;
	/* Case B: nothing found, but the vehicle registry failed. */
	struct ck_report *r = build(w, CASE_B, -1);
	assert_int_equal(r->triage, CK_TRIAGE_INCOMPLETE);
	assert_int_equal(r->debtors[0].channels[CK_CH_VEHICLES].status, CK_CHS_NOT_SEARCHED);
	char *page = html(r, 0, NULL);
	assert_contains(page, "<p class=\"triage-class\">查询未完成</p>");
	assert_lacks(page, "未发现可供执行财产");
	assert_contains(page, "<tr class=\"gap\"><td class=\"nw\">车辆</td><td class=\"nw\">是</td>"
	                      "<td class=\"nw\">未查询</td>");
	assert_contains(page, "车辆：已配置的1个机构均未答复（等待0个，失败1个），本轮未查询");
	assert_contains(page, "不能认定被执行人无此类财产");
	assert_contains(page, "HTTP_500");
	assert_contains(page, "证券：未配置查询机构");
	free(page);
	ck_report_free(r);

	/* Case C: the same but every institution answered: now it is "no
	 * property found", still with securities said to be unsearched. */
	r = build(w, CASE_C, -1);
	assert_int_equal(r->triage, CK_TRIAGE_NO_PROPERTY);
	page = html(r, 0, NULL);
	assert_contains(page, "<p class=\"triage-class\">未发现可供执行财产</p>");
	assert_contains(page, "<tr><td class=\"nw\">车辆</td><td class=\"nw\">是</td>"
	                      "<td class=\"nw\">已查询</td>");
	assert_contains(page, "车辆：已查询，未发现。");
	assert_contains(page, "证券：未配置查询机构");
	assert_contains(page, "不能作为已完成终结本次执行前网络查控的依据");
	/* Leads do not change the triage, but they are on the page. */
	assert_contains(page, "泰兴市某某贸易有限公司");
	assert_contains(page, "养老保险<br>在职缴费");
	assert_contains(page, "6,500.00元");
	assert_contains(page, "<strong>可扣划工资</strong>");
	assert_contains(page, "中国农业银行</td><td class=\"num\">3,200.00元");
	free(page);
	ck_report_free(r);
}

/* ---- CSV ------------------------------------------------------------------------ */

struct table {
	char *cells[512][40];
	int n_rows, n_cols[512], col;
};

static void
on_cell(void *s, size_t len, void *data)
{
	struct table *t = data;
	assert_true(t->n_rows < 512 && t->col < 40);
	char *cell = malloc(len + 1);
	memcpy(cell, s ? s : "", len);
	cell[len] = '\0';
	t->cells[t->n_rows][t->col++] = cell;
}

static void
on_row(int c, void *data)
{
	(void)c;
	struct table *t = data;
	t->n_cols[t->n_rows++] = t->col;
	t->col = 0;
}

/* Parses UTF-8 CSV (after its BOM) strictly. */
static struct table *
parse(const char *text, size_t len)
{
	struct table *t = calloc(1, sizeof *t);
	struct csv_parser p;
	assert_int_equal(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
	assert_int_equal(csv_parse(&p, text, len, on_cell, on_row, t), len);
	assert_int_equal(csv_fini(&p, on_cell, on_row, t), 0);
	csv_free(&p);
	return t;
}

static void
table_free(struct table *t)
{
	for (int r = 0; r < t->n_rows; r++)
		for (int c = 0; c < t->n_cols[r]; c++)
			free(t->cells[r][c]);
	free(t);
}

static int
column(const struct table *t, const char *name)
{
	for (int c = 0; c < t->n_cols[0]; c++)
		if (strcmp(t->cells[0][c], name) == 0)
			return c;
	fail_msg("no column %s", name);
	return -1;
}

static int
rows_of(const struct table *t, const char *type)
{
	int n = 0;
	for (int r = 1; r < t->n_rows; r++)
		n += strcmp(t->cells[r][0], type) == 0;
	return n;
}

/* The row of the type whose column holds the value. */
static int
row_where(const struct table *t, const char *type, const char *col, const char *value)
{
	int c = column(t, col);
	for (int r = 1; r < t->n_rows; r++)
		if (strcmp(t->cells[r][0], type) == 0 && strcmp(t->cells[r][c], value) == 0)
			return r;
	fail_msg("no %s row with %s = %s", type, col, value);
	return -1;
}

static const char *
cell(const struct table *t, int row, const char *col)
{
	return t->cells[row][column(t, col)];
}

static void
csv_has_a_row_per_asset_and_lead_with_documented_columns(void **state)
{
	struct world *w = *state;
	struct ck_report *r = build(w, CASE_A, -1);
	size_t len;
	char *text = csv(r, 0, 0, &len);
	keep_copy("case0.csv", text, len);
	assert_memory_equal(text, "\xEF\xBB\xBF", 3);
	struct table *t = parse(text + 3, len - 3);
	for (int row = 0; row < t->n_rows; row++)
		assert_int_equal(t->n_cols[row], t->n_cols[0]);

	size_t assets = 0, leads = 0, coverage = 0;
	for (size_t d = 0; d < r->n_debtors; d++) {
		assets += r->debtors[d].n_assets;
		leads += r->debtors[d].n_leads;
		coverage += r->debtors[d].n_coverage;
	}
	assert_int_equal(assets, 9);
	assert_int_equal(rows_of(t, "asset"), (int)assets);
	assert_int_equal(rows_of(t, "lead"), (int)leads);
	assert_int_equal(rows_of(t, "coverage"), (int)coverage);
	assert_int_equal(rows_of(t, "channel"), (int)r->n_debtors * CK_CH_COUNT_);
	assert_int_equal(rows_of(t, "case"), 1);

	/* Amounts as decimal text with their currency; the loan apart. */
	int acct = row_where(t, "asset", "ref", "***************4567");
	assert_string_equal(cell(t, acct, "book"), "12345.67");
	assert_string_equal(cell(t, acct, "available"), "10000.00");
	assert_string_equal(cell(t, acct, "enforceable"), "10000.00");
	assert_string_equal(cell(t, acct, "currency"), "CNY");
	assert_non_null(strstr(cell(t, acct, "encumbrances"), "在先冻结（顺位1） 靖江市人民法院"));
	assert_non_null(strstr(cell(t, acct, "encumbrances"), "; 轮候冻结（顺位2）"));
	int loan = row_where(t, "asset", "subtype", "LOAN");
	assert_string_equal(cell(t, loan, "liability"), "1");
	assert_string_equal(cell(t, loan, "book"), "-500000.00");
	int svgs = row_where(t, "asset", "subtype", "SVGS");
	assert_string_equal(cell(t, svgs, "available"), "");
	assert_string_equal(cell(t, svgs, "note"), "可用余额未提供");
	int flat = row_where(t, "asset", "category", "realestate");
	assert_non_null(strstr(cell(t, flat, "detail"), "area=128.56"));
	assert_non_null(strstr(cell(t, flat, "note"), "未载明份额"));
	assert_non_null(strstr(cell(t, flat, "encumbrances"), "轮候查封（第2位） 如皋市人民法院"));
	int card = row_where(t, "lead", "description", "招商银行");
	assert_non_null(strstr(cell(t, card, "flags"), "bank_not_asked"));
	int vehicles = row_where(t, "channel", "category", "vehicles");
	assert_string_equal(cell(t, vehicles, "status"), "searched");
	int securities = row_where(t, "channel", "category", "securities");
	assert_string_equal(cell(t, securities, "status"), "not_configured");
	assert_non_null(strstr(cell(t, securities, "note"), "不能认定被执行人无此类财产"));

	/* The organisation's name survives quoting whole. */
	int org = row_where(t, "channel", "debtor_name", ORG_NAME);
	assert_string_equal(cell(t, org, "debtor_kind"), "org");
	assert_non_null(strstr(text, "\"泰兴\"\"鑫达\"\",贸易\n有限公司\""));

	/* Every column is documented. */
	char *doc_path = ck_test_path(CK_SOURCE_DIR, "docs/report-csv.md");
	char *doc = ck_test_read_file(doc_path, NULL);
	for (int c = 0; c < t->n_cols[0]; c++) {
		char name[64];
		snprintf(name, sizeof name, "| `%s` |", t->cells[0][c]);
		if (strstr(doc, name) == NULL)
			fail_msg("column %s is not in docs/report-csv.md", t->cells[0][c]);
	}
	free(doc);
	free(doc_path);
	table_free(t);
	free(text);
	ck_report_free(r);
}

static void
csv_masks_identifiers_unless_revealed(void **state)
{
	struct world *w = *state;
	struct ck_report *r = build(w, CASE_A, -1);
	char *masked = csv(r, 0, 0, NULL);
	char *clear = csv(r, 1, 0, NULL);
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		assert_lacks(masked, secrets[i]);
		assert_contains(clear, secrets[i]);
	}
	assert_contains(masked, "320102********1238");
	free(masked);
	free(clear);
	ck_report_free(r);
}

static void
csv_gb18030_decodes_to_the_same_text_and_bytes_are_stable(void **state)
{
	struct world *w = *state;
	struct ck_report *r = build(w, CASE_A, -1);
	size_t utf8_len, gb_len, again_len;
	char *utf8 = csv(r, 0, 0, &utf8_len);
	char *gb = csv(r, 0, 1, &gb_len);
	assert_false(gb_len >= 3 && memcmp(gb, "\xEF\xBB\xBF", 3) == 0); /* no BOM */
	assert_null(strstr(gb, "张三"));                                 /* not UTF-8 */
	char *decoded = NULL;
	size_t decoded_len = 0, bad = 0;
	assert_int_equal(
	    ck_to_utf8("GB18030", (const unsigned char *)gb, gb_len, &decoded, &decoded_len, &bad),
	    CK_OK);
	assert_int_equal(decoded_len, utf8_len - 3);
	assert_memory_equal(decoded, utf8 + 3, decoded_len);

	/* The same model, and a model built again, give the same bytes. */
	char *again = csv(r, 0, 0, &again_len);
	assert_int_equal(again_len, utf8_len);
	assert_memory_equal(again, utf8, utf8_len);
	struct ck_report *r2 = build(w, CASE_A, -1);
	char *rebuilt = csv(r2, 0, 0, &again_len);
	assert_int_equal(again_len, utf8_len);
	assert_memory_equal(rebuilt, utf8, utf8_len);
	char *page1 = html(r, 0, NULL), *page2 = html(r2, 0, NULL);
	assert_string_equal(page1, page2);
	free(page1);
	free(page2);
	free(rebuilt);
	ck_report_free(r2);
	free(again);
	free(decoded);
	free(gb);
	free(utf8);
	ck_report_free(r);
}

static void
csv_defuses_formulas_but_not_amounts(void **state)
{
	struct world *w = *state;
	struct ck_report *r = build(w, CASE_C, -1);
	size_t len;
	char *text = csv(r, 0, 0, &len);
	struct table *t = parse(text + 3, len - 3);
	int row = row_where(t, "channel", "debtor_name", "'=HYPERLINK(\"x\")");
	assert_string_equal(cell(t, row, "debtor_no"), "2");
	int job = row_where(t, "lead", "category", "employer");
	assert_string_equal(cell(t, job, "ref"), "91321283MA1MX8K2PW");
	assert_string_equal(cell(t, job, "amount"), "6500.00");
	assert_string_equal(cell(t, job, "flags"), "withholding_lead");
	assert_string_equal(cell(t, job, "status_zh"), "在职缴费");
	assert_null(strstr(text, ",=HYPERLINK"));
	assert_null(strstr(text, ",\"=HYPERLINK"));
	table_free(t);
	free(text);
	ck_report_free(r);

	/* Negative amounts stay numbers. */
	r = build(w, CASE_A, -1);
	text = csv(r, 0, 0, &len);
	assert_non_null(strstr(text, ",-500000.00,"));
	assert_null(strstr(text, "'-500000.00"));
	free(text);
	ck_report_free(r);
}

/* ---- Re-inquiry ------------------------------------------------------------------ */

static void
answer_round(struct world *w, const char *inst, const struct claimed *q,
             struct ck_query_result *res, struct ck_outcome *o, int round)
{
	(void)w;
	(void)q;
	res->state = CK_Q_ANSWERED;
	if (strcmp(inst, "icbc") != 0)
		return;
	if (round == 0) {
		deposit(o, "6228480010000000011", "SVGS", "ENAB", 10000, 1, 10000);
		deposit(o, "6228480010000000022", "CACC", "ENAB", 500000, 1, 500000);
	} else {
		deposit(o, "6228480010000000011", "SVGS", "ENAB", 90000, 1, 90000);
		deposit(o, "6228480010000000033", "TDEP", "ENAB", 2000000, 1, 2000000);
	}
}

static void
answer_round0(struct world *w, const char *inst, const struct claimed *q,
              struct ck_query_result *res, struct ck_outcome *o)
{
	answer_round(w, inst, q, res, o, 0);
}

static void
answer_round1(struct world *w, const char *inst, const struct claimed *q,
              struct ck_query_result *res, struct ck_outcome *o)
{
	answer_round(w, inst, q, res, o, 1);
}

static void
reinquiry_flags_new_changed_and_vanished_property(void **state)
{
	(void)state;
	struct world w;
	open_world(&w);
	struct ck_debtor_rec zhou = {CK_SUBJECT_PERSON, "周七", w.zhou};
	import(&w, CASE_D, CK_CASE_ACTIVE, 0, &zhou, 1, 10000000);
	plan(&w, w.now);
	for (size_t i = 0; i < sizeof insts / sizeof insts[0]; i++)
		respond(&w, insts[i].id, w.now, answer_round0);
	/* Terminated for want of property; six months on, round 1. */
	import(&w, CASE_D, CK_CASE_TERMINATED, day("2024-04-01"), &zhou, 1, 10000000);
	w.now = at("2024-10-02T10:00:00+08:00");
	plan(&w, w.now);
	for (size_t i = 0; i < sizeof insts / sizeof insts[0]; i++)
		respond(&w, insts[i].id, w.now, answer_round1);

	struct ck_report *r = build(&w, CASE_D, -1);
	assert_int_equal(r->round, 1);
	assert_int_equal(r->previous_round, 0);
	assert_true(r->new_property);
	char *page = html(r, 0, NULL);
	assert_contains(page, "第1次复查（轮次 1；上一轮：轮次 0）");
	assert_contains(page, "发现新财产");
	assert_contains(page, "<td class=\"change new\">新增</td>");
	assert_contains(page, "可用余额"); /* what changed */
	assert_contains(page, "上一轮有、本轮已消失的财产（1）");
	assert_contains(page, "***************0022"); /* the vanished account, masked */
	assert_contains(page, "已按期");
	assert_lacks(page, "6228480010000000033");
	assert_tidy_clean(&w, page, "reinquiry.html");
	free(page);

	size_t len;
	char *text = csv(r, 0, 0, &len);
	struct table *t = parse(text + 3, len - 3);
	assert_int_equal(rows_of(t, "vanished"), 1);
	int added = row_where(t, "asset", "ref", "***************0033");
	assert_string_equal(cell(t, added, "change"), "new");
	int changed = row_where(t, "asset", "ref", "***************0011");
	assert_string_equal(cell(t, changed, "change"), "changed");
	assert_non_null(strstr(cell(t, changed, "change_note"), "可用余额"));
	int gone = row_where(t, "vanished", "ref", "***************0022");
	assert_string_equal(cell(t, gone, "change"), "vanished");
	table_free(t);
	free(text);
	ck_report_free(r);
	close_world(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(html_is_valid_and_self_contained, setup_main, teardown),
	    cmocka_unit_test_setup_teardown(html_masks_identifiers_unless_revealed, setup_main,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(html_shows_the_models_facts, setup_main, teardown),
	    cmocka_unit_test_setup_teardown(html_shows_accounts_property_vehicles_and_leads,
	                                    setup_main, teardown),
	    cmocka_unit_test_setup_teardown(html_never_calls_an_unsearched_channel_empty,
	                                    setup_main, teardown),
	    cmocka_unit_test_setup_teardown(
	        csv_has_a_row_per_asset_and_lead_with_documented_columns, setup_main, teardown),
	    cmocka_unit_test_setup_teardown(csv_masks_identifiers_unless_revealed, setup_main,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        csv_gb18030_decodes_to_the_same_text_and_bytes_are_stable, setup_main, teardown),
	    cmocka_unit_test_setup_teardown(csv_defuses_formulas_but_not_amounts, setup_main,
	                                    teardown),
	    cmocka_unit_test(reinquiry_flags_new_changed_and_vanished_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
