/* SPDX-License-Identifier: MIT */
/*
 * test_store_queries.c: the store's inquiry verbs: configured institutions,
 * planning rounds and queries (RequestIds minted once; organisations not
 * applicable at persons-only kinds; re-inquiry of terminated cases every six
 * months for five years; cancelling for removed debtors and closed cases),
 * claiming with leases and recovering them, and finishing attempts with raw
 * answers, records and the audit trail.
 */
#include "testutil.h"
#include "chakong/error.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"

#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

struct fixture {
	char *dir, *db;
	struct ck_store *st;
};

static const struct ck_institution_rec insts[] = {
    {"icbc", "bank", "中国工商银行", NULL, "http://127.0.0.1:1/icbc", 0},
    {"si", "socialsec", "泰州市社会保险事业管理中心", NULL, "http://127.0.0.1:1/si", 1},
    {"alipay", "ecommerce", "支付宝", NULL, "http://127.0.0.1:1/alipay", 0},
};

static const struct ck_debtor_rec zhang = {CK_SUBJECT_PERSON, "张三", "320102198001011238"};
static const struct ck_debtor_rec trading = {CK_SUBJECT_ORG, "泰兴市某某贸易有限公司",
                                             "91321283MA1MX8K2PW"};
static const struct ck_debtor_rec zhao = {CK_SUBJECT_PERSON, "赵六", "11010519491231002X"};

static int64_t
at(const char *text)
{
	int64_t t;
	if (ck_time_parse_lenient(text, CK_DEFAULT_OFFSET_MIN, &t, NULL, NULL) != CK_OK)
		fail_msg("bad time %s", text);
	return t;
}

static void
import(struct ck_store *st, const char *case_no, enum ck_case_status status,
       const char *terminated_on, const struct ck_debtor_rec *d, size_t n)
{
	int64_t term = 0;
	if (terminated_on != NULL)
		assert_int_equal(ck_date_parse(terminated_on, &term, NULL), CK_OK);
	struct ck_case_rec c = {.case_no = case_no,
	                        .court_code = "苏1283",
	                        .court_name = "泰兴市人民法院",
	                        .filed_at = at("2023-05-10T09:00:00+08:00"),
	                        .filed_offset_min = 480,
	                        .officer = "李四",
	                        .amount_owed = 100,
	                        .status = status,
	                        .terminated_on = term};
	struct ck_import_outcome out;
	char err[CK_ERR_SIZE] = "";
	if (ck_store_import_case(st, &c, d, n, "test", 1, &out, err) != CK_OK)
		fail_msg("import: %s", err);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = ck_test_tmpdir();
	f->db = ck_test_path(f->dir, "q.db");
	assert_int_equal(ck_store_open(f->db, &f->st, NULL), CK_OK);
	assert_int_equal(ck_store_sync_institutions(f->st, insts, 3, 1, NULL), CK_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	ck_store_close(f->st);
	ck_test_rmtree(f->dir);
	free(f->dir);
	free(f->db);
	free(f);
	return 0;
}

static long long
sql_int(struct fixture *f, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

static struct ck_plan_stats
plan(struct fixture *f, int64_t now)
{
	struct ck_plan_stats ps;
	char err[CK_ERR_SIZE] = "";
	if (ck_store_plan(f->st, now, &ps, err) != CK_OK)
		fail_msg("plan: %s", err);
	return ps;
}

static void
institutions_follow_the_configuration(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sql_int(f, "SELECT count(*) FROM institutions WHERE enabled = 1"), 3);
	assert_int_equal(ck_store_sync_institutions(f->st, insts, 2, 2, NULL), CK_OK);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM institutions WHERE enabled = 1"), 2);
	assert_int_equal(sql_int(f, "SELECT enabled FROM institutions WHERE id = 'alipay'"), 0);
	assert_int_equal(sql_int(f, "SELECT first_seen FROM institutions WHERE id = 'icbc'"), 1);
	assert_int_equal(sql_int(f, "SELECT last_seen FROM institutions WHERE id = 'icbc'"), 2);
}

static void
round_zero_plans_every_debtor_and_institution_once(void **state)
{
	struct fixture *f = *state;
	struct ck_debtor_rec both[] = {zhang, trading};
	import(f->st, "(2024)苏1283执1号", CK_CASE_ACTIVE, NULL, both, 2);
	import(f->st, "(2024)苏1283执2号", CK_CASE_CLOSED, NULL, &zhao, 1);
	struct ck_plan_stats ps = plan(f, at("2024-03-05"));
	assert_int_equal(ps.rounds_opened, 1);
	assert_int_equal(ps.queries_planned, 5);
	assert_int_equal(ps.not_applicable, 1); /* the organisation at social insurance */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM queries WHERE state = 'not_applicable'"
	                            " AND institution_id = 'si' AND reason = 'ORG_NOT_APPLICABLE'"),
	                 1);
	/* RequestIds: unique, at most 64 characters of [A-Za-z0-9._-]. */
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT request_id) FROM queries"), 6);
	assert_int_equal(sql_int(f, "SELECT max(length(request_id)) <= 64 FROM queries"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM queries WHERE request_id GLOB"
	                            " '*[^A-Za-z0-9._-]*'"),
	                 0);
	/* The deadline is filing + 24 h. */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM queries WHERE deadline ="
	                            " (SELECT filed_at + 86400 FROM cases LIMIT 1)"),
	                 6);
	/* Planning again mints nothing. */
	ps = plan(f, at("2024-03-06"));
	assert_int_equal(ps.queries_planned + ps.not_applicable + ps.rounds_opened, 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM queries"), 6);

	/* A debtor added later is planned in the same round; one removed is
	 * cancelled. */
	struct ck_debtor_rec later[] = {zhang, zhao};
	import(f->st, "(2024)苏1283执1号", CK_CASE_ACTIVE, NULL, later, 2);
	ps = plan(f, at("2024-03-07"));
	assert_int_equal(ps.queries_planned, 3);
	assert_int_equal(ps.cancelled, 2); /* the organisation's two unsent queries */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM queries WHERE reason = 'DEBTOR_REMOVED'"),
	                 2);
	/* Closing the case cancels what was not sent. */
	import(f->st, "(2024)苏1283执1号", CK_CASE_CLOSED, NULL, later, 2);
	ps = plan(f, at("2024-03-08"));
	assert_int_equal(ps.cancelled, 6);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM queries WHERE state = 'planned'"), 0);
}

static void
terminated_cases_are_requeried_every_six_months_for_five_years(void **state)
{
	struct fixture *f = *state;
	import(f->st, "(2023)苏1283执988号", CK_CASE_TERMINATED, "2023-11-02", &zhao, 1);
	assert_int_equal(plan(f, at("2024-05-01T23:59:59+08:00")).rounds_opened, 0);
	struct ck_plan_stats ps = plan(f, at("2024-05-02T00:00:00+08:00"));
	assert_int_equal(ps.rounds_opened, 1);
	assert_int_equal(ps.queries_planned, 3);
	assert_int_equal(sql_int(f, "SELECT max(round) FROM queries"), 1);
	assert_int_equal(plan(f, at("2024-11-01")).rounds_opened, 0);
	assert_int_equal(plan(f, at("2024-11-02")).rounds_opened, 1);
	assert_int_equal(sql_int(f, "SELECT max(round) FROM rounds"), 2);
	/* Missed rounds are not made up: the latest due one opens. */
	assert_int_equal(plan(f, at("2026-06-01")).rounds_opened, 1);
	assert_int_equal(sql_int(f, "SELECT max(round) FROM rounds"), 5);
	assert_int_equal(plan(f, at("2040-01-01")).rounds_opened, 1);
	assert_int_equal(sql_int(f, "SELECT max(round) FROM rounds"), 10);
	assert_int_equal(plan(f, at("2050-01-01")).rounds_opened, 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM queries"),
	                 4 * 3); /* rounds 1, 2, 5, 10 */
	/* Each round's queries have their own RequestId. */
	assert_int_equal(sql_int(f, "SELECT count(DISTINCT request_id) FROM queries"), 12);
}

struct claims {
	int n;
	int64_t ids[16];
	char tickets[16][32];
	char subjects[16][24];
};

static int
collect(void *ctx, const struct ck_claim *c)
{
	struct claims *cl = ctx;
	cl->ids[cl->n] = c->query_id;
	snprintf(cl->tickets[cl->n], sizeof cl->tickets[0], "%s", c->ticket ? c->ticket : "");
	snprintf(cl->subjects[cl->n], sizeof cl->subjects[0], "%s", c->subject_id);
	assert_string_equal(c->officer, "李四");
	assert_string_equal(c->case_no, "(2024)苏1283执1号");
	cl->n++;
	return 0;
}

/* Claims for every debtor (only_debtor 0) or for one debtor row. */
static struct claims
claim_of(struct fixture *f, const char *inst, int64_t only_debtor, int64_t now, int limit)
{
	struct claims cl = {0};
	int n;
	char err[CK_ERR_SIZE] = "";
	if (ck_store_claim(f->st, inst, only_debtor, now, now + 60, limit, collect, &cl, &n, err) !=
	    CK_OK)
		fail_msg("claim: %s", err);
	assert_int_equal(n, cl.n);
	return cl;
}

static struct claims
claim(struct fixture *f, const char *inst, int64_t now, int limit)
{
	return claim_of(f, inst, 0, now, limit);
}

static void
claims_lease_and_recover(void **state)
{
	struct fixture *f = *state;
	struct ck_debtor_rec both[] = {zhang, zhao};
	import(f->st, "(2024)苏1283执1号", CK_CASE_ACTIVE, NULL, both, 2);
	int64_t now = at("2024-03-05");
	plan(f, now);
	/* lookup: only the queries of the debtor asked about. */
	struct ck_debtor_ref ref;
	assert_int_equal(ck_store_find_debtor(f->st, "(2024)苏1283执1号", zhao.id_no, &ref, NULL),
	                 CK_OK);
	struct claims cl = claim_of(f, "icbc", ref.debtor_row, now, 10);
	assert_int_equal(cl.n, 1);
	assert_string_equal(cl.subjects[0], zhao.id_no);
	assert_int_equal(claim_of(f, "icbc", ref.debtor_row, now, 10).n, 0);
	cl = claim(f, "icbc", now, 10);
	assert_int_equal(cl.n, 1); /* the other one */
	assert_string_equal(cl.subjects[0], zhang.id_no);
	assert_int_equal(claim(f, "icbc", now, 10).n, 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM queries WHERE state = 'in_flight'"), 2);

	/* A crash: the leases end, the queries return, same RequestIds. */
	int recovered;
	assert_int_equal(ck_store_recover_leases(f->st, now + 30, 0, &recovered, NULL), CK_OK);
	assert_int_equal(recovered, 0);
	assert_int_equal(ck_store_recover_leases(f->st, now + 61, 0, &recovered, NULL), CK_OK);
	assert_int_equal(recovered, 2);
	assert_int_equal(claim(f, "icbc", now + 61, 10).n, 2);

	/* One run at a time: a second holder of the run lock is refused until
	 * the first is gone; the holder may take back every query in flight. */
	struct ck_store *other;
	assert_int_equal(ck_store_open(f->db, &other, NULL), CK_OK);
	assert_int_equal(ck_store_lock_runs(f->st, NULL), CK_OK);
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_store_lock_runs(other, err), CK_E_AGAIN);
	assert_non_null(strstr(err, "another run"));
	ck_store_close(f->st);
	assert_int_equal(ck_store_lock_runs(other, NULL), CK_OK);
	assert_int_equal(ck_store_recover_leases(other, now + 62, 1, &recovered, NULL), CK_OK);
	assert_int_equal(recovered, 2); /* leases still running, but no run owns them */
	f->st = other;
	int counts[CK_Q_STATE_COUNT_];
	assert_int_equal(ck_store_count_states(f->st, counts, NULL), CK_OK);
	assert_int_equal(counts[CK_Q_IN_FLIGHT], 0);
	assert_int_equal(counts[CK_Q_RETRY], 2);
	assert_int_equal(counts[CK_Q_PLANNED], 4);
}

struct results {
	int queries, answered_with_assets, assets;
	int64_t enforceable;
};

static int
note_query(void *ctx, const struct ck_query_row *row)
{
	struct results *r = ctx;
	r->queries++;
	r->answered_with_assets += row->state == CK_Q_ANSWERED && row->n_assets == 1 &&
	                           row->n_leads == 1 && strcmp(row->outcome, "FOUND") == 0;
	return 0;
}

static int
note_asset(void *ctx, const struct ck_asset_row *row)
{
	struct results *r = ctx;
	r->assets++;
	r->enforceable += row->enforceable;
	assert_string_equal(row->ref, "6222021203001234567");
	assert_int_equal(row->n_encumbrances, 1);
	return 0;
}

struct health_seen {
	int answered, attempts;
	int64_t p50;
};

static int
note_health(void *ctx, const struct ck_institution_health *h)
{
	struct health_seen *seen = ctx;
	if (strcmp(h->id, "icbc") == 0) {
		seen->answered = h->answered;
		seen->attempts = h->attempts;
		seen->p50 = h->p50_ms;
	}
	return 0;
}

static void
finishing_keeps_attempt_raw_answer_records_and_audit(void **state)
{
	struct fixture *f = *state;
	import(f->st, "(2024)苏1283执1号", CK_CASE_ACTIVE, NULL, &zhang, 1);
	int64_t now = at("2024-03-05");
	plan(f, now);
	struct claims cl = claim(f, "icbc", now, 1);
	assert_int_equal(cl.n, 1);

	struct ck_outcome o;
	ck_outcome_init(&o);
	struct ck_asset *a = ck_outcome_add_asset(&o);
	a->kind = CK_ASSET_DEPOSIT;
	a->ref = strdup("6222021203001234567");
	a->subtype = strdup("CACC");
	memcpy(a->currency, "CNY", 4);
	a->has_book = a->has_available = 1;
	a->book = 1234567;
	a->available = a->enforceable = 1000000;
	a->detail = strdup("{\"branch\":\"泰兴支行\"}");
	struct ck_encumbrance *e = ck_asset_add_encumbrance(a);
	e->kind = CK_ENC_FREEZE;
	e->authority = strdup("靖江市人民法院");
	e->seq = 1;
	e->has_amount = 1;
	e->amount = 234567;
	memcpy(e->currency, "CNY", 4);
	struct ck_lead *l = ck_outcome_add_lead(&o);
	l->kind = CK_LEAD_BOUND_CARD;
	l->label = strdup("招商银行");
	l->code = strdup("6789");

	const char body[] = "<Document>the answer</Document>";
	struct ck_attempt_rec attempt = {"submit", now * 1000, 42, 200, NULL, NULL};
	struct ck_raw_rec raw = {"application/xml", body, sizeof body - 1, 0, NULL};
	struct ck_query_result r = {.state = CK_Q_ANSWERED, .outcome = "FOUND", .records = &o};
	char err[CK_ERR_SIZE] = "";
	if (ck_store_finish(f->st, cl.ids[0], &attempt, &raw, &r, now + 1, 0, err) != CK_OK)
		fail_msg("finish: %s", err);
	ck_outcome_release(&o);

	assert_int_equal(
	    sql_int(f, "SELECT count(*) FROM queries WHERE state = 'answered'"
	               " AND outcome = 'FOUND' AND attempts = 1 AND finished_at IS NOT NULL"
	               " AND lease_until IS NULL"),
	    1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM attempts WHERE http_status = 200"
	                            " AND duration_ms = 42"),
	                 1);
	assert_int_equal(sql_int(f, "SELECT enforceable FROM assets WHERE ref ="
	                            " '6222021203001234567' AND raw_answer_id IS NOT NULL"),
	                 1000000);
	assert_int_equal(sql_int(f, "SELECT amount FROM encumbrances WHERE kind = 'freeze'"),
	                 234567);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM leads WHERE code = '6789'"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE action = 'query.answered'"
	                            " AND actor = '李四' AND institution_id = 'icbc'"
	                            " AND detail = 'FOUND'"),
	                 1);
	assert_int_equal(
	    sql_int(f, "SELECT json_extract(detail, '$.branch') = '泰兴支行' FROM assets"), 1);

	/* The raw answer decompresses to the bytes received; its hash is kept. */
	sqlite3 *h;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(h, "SELECT body, size, sha256 FROM raw_answers", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	char out[128];
	uLongf out_len = sizeof out;
	assert_int_equal(uncompress((Bytef *)out, &out_len, sqlite3_column_blob(s, 0),
	                            (uLong)sqlite3_column_bytes(s, 0)),
	                 Z_OK);
	assert_int_equal(out_len, sizeof body - 1);
	assert_memory_equal(out, body, out_len);
	assert_int_equal(sqlite3_column_int(s, 1), sizeof body - 1);
	/* The hash: SHA-256 of the bytes received, in lower-case hex. */
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	assert_int_equal(EVP_Digest(body, sizeof body - 1, md, &md_len, EVP_sha256(), NULL), 1);
	char hex[65];
	for (unsigned i = 0; i < md_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal((const char *)sqlite3_column_text(s, 2), hex);
	sqlite3_finalize(s);
	sqlite3_close(h);

	/* The institution's health counts it. */
	struct health_seen seen = {0};
	assert_int_equal(ck_store_each_institution(f->st, 0, note_health, &seen, NULL), CK_OK);
	assert_int_equal(seen.answered, 1);
	assert_int_equal(seen.attempts, 1);
	assert_int_equal(seen.p50, 42);

	/* The debtor's results, as `lookup` shows them. */
	struct ck_debtor_ref ref;
	assert_int_equal(ck_store_find_debtor(f->st, "(2024)苏1283执1号", zhang.id_no, &ref, NULL),
	                 CK_OK);
	assert_int_equal(ref.case_status, CK_CASE_ACTIVE);
	assert_int_equal(ref.removed, 0);
	assert_int_equal(ck_store_find_debtor(f->st, "(2024)苏1283执1号", zhao.id_no, &ref, NULL),
	                 CK_E_NOTFOUND);
	assert_int_equal(ck_store_find_debtor(f->st, "(2024)苏1283执1号", zhang.id_no, &ref, NULL),
	                 CK_OK);
	struct results got = {0};
	assert_int_equal(
	    ck_store_each_query_of_debtor(f->st, ref.debtor_row, note_query, &got, NULL), CK_OK);
	assert_int_equal(got.queries, 3);
	assert_int_equal(got.answered_with_assets, 1);
	assert_int_equal(
	    ck_store_each_asset_of_debtor(f->st, ref.debtor_row, note_asset, &got, NULL), CK_OK);
	assert_int_equal(got.assets, 1);
	assert_int_equal(got.enforceable, 1000000);

	/* Finishing a query that is not in flight is refused. */
	err[0] = '\0';
	assert_int_equal(ck_store_finish(f->st, cl.ids[0], &attempt, NULL, &r, now + 2, 0, err),
	                 CK_E_STORE);
	assert_non_null(strstr(err, "no longer in flight"));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM attempts"), 1);

	/* Answered is final: the query is not claimed again, and records
	 * offered for it again are refused with the rest, so the store never
	 * has to replace a query's records (finishing stores them without
	 * looking for earlier ones). */
	int recovered = -1;
	assert_int_equal(ck_store_recover_leases(f->st, now + 86400 * 30, 1, &recovered, NULL),
	                 CK_OK);
	assert_int_equal(recovered, 0);
	assert_int_equal(claim(f, "icbc", now + 86400 * 30, 10).n, 0);
	ck_outcome_init(&o);
	a = ck_outcome_add_asset(&o);
	a->kind = CK_ASSET_DEPOSIT;
	a->ref = strdup("6222021203009999999");
	struct ck_query_result again = {.state = CK_Q_ANSWERED, .outcome = "FOUND", .records = &o};
	assert_int_equal(ck_store_finish(f->st, cl.ids[0], &attempt, &raw, &again, now + 3, 0, err),
	                 CK_E_STORE);
	ck_outcome_release(&o);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM assets"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM encumbrances"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM leads"), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM raw_answers"), 1);
}

/* Raw answers are compressed with one deflate stream reused from answer to
 * answer: each decompresses to its own bytes, whatever came before it (a
 * large answer, an empty one), and text does get smaller. */
static void
raw_answers_compress_one_by_one(void **state)
{
	struct fixture *f = *state;
	const struct ck_debtor_rec three[] = {zhang, trading, zhao};
	import(f->st, "(2024)苏1283执1号", CK_CASE_ACTIVE, NULL, three, 3);
	int64_t now = at("2024-03-05");
	plan(f, now);
	struct claims cl = claim(f, "icbc", now, 3);
	assert_int_equal(cl.n, 3);

	size_t big_len = (size_t)3 << 20; /* past what the store keeps between answers */
	char *big = malloc(big_len);
	uint64_t x = 42;
	for (size_t i = 0; i < big_len; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		big[i] = (char)(x >> 56);
	}
	const struct {
		const char *body;
		size_t len;
	} bodies[] = {
	    {"<Document>first</Document>", 26},
	    {big, big_len},
	    {"", 0},
	    {"<Document><Item>after the large one</Item><Item>after the large one</Item>"
	     "<Item>after the large one</Item></Document>",
	     117},
	};
	size_t n = sizeof bodies / sizeof bodies[0];
	char err[CK_ERR_SIZE] = "";
	for (size_t i = 0; i < n; i++) {
		struct ck_attempt_rec attempt = {"page", now * 1000, 1, 200, NULL, NULL};
		struct ck_raw_rec raw = {"application/xml", bodies[i].body, bodies[i].len, 0, NULL};
		struct ck_query_result done = {.state = CK_Q_ANSWERED, .outcome = "NOT_FOUND"};
		/* The first query takes two pages, then the others one answer each. */
		const struct ck_query_result *res = i == 0 ? NULL : &done;
		int64_t q = cl.ids[i == 0 ? 0 : i - 1];
		if (ck_store_finish(f->st, q, &attempt, &raw, res, now, now + 60, err) != CK_OK)
			fail_msg("finish %zu: %s", i, err);
	}

	sqlite3 *h;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(h, "SELECT body, size FROM raw_answers ORDER BY id", -1, &s, NULL),
	    SQLITE_OK);
	char *out = malloc(big_len);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		const void *blob = sqlite3_column_blob(s, 0);
		uLong blob_len = (uLong)sqlite3_column_bytes(s, 0);
		uLongf out_len = (uLongf)big_len;
		assert_int_equal(uncompress((Bytef *)out, &out_len, blob, blob_len), Z_OK);
		assert_int_equal(out_len, bodies[i].len);
		if (out_len > 0)
			assert_memory_equal(out, bodies[i].body, out_len);
		assert_int_equal(sqlite3_column_int64(s, 1), (sqlite3_int64)bodies[i].len);
		if (i == 3)
			assert_true(blob_len < bodies[i].len);
	}
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(h);
	free(out);
	free(big);
}

static void
tickets_wait_until_due_and_come_back_with_the_ticket(void **state)
{
	struct fixture *f = *state;
	import(f->st, "(2024)苏1283执1号", CK_CASE_ACTIVE, NULL, &zhang, 1);
	int64_t now = at("2024-03-05");
	plan(f, now);
	struct claims cl = claim(f, "si", now, 1);
	assert_int_equal(cl.n, 1);
	assert_string_equal(cl.tickets[0], "");
	const char body[] = "<Accepted/>";
	struct ck_attempt_rec attempt = {"submit", now * 1000, 5, 202, NULL, NULL};
	struct ck_raw_rec raw = {"application/xml", body, sizeof body - 1, 0, NULL};
	struct ck_query_result r = {
	    .state = CK_Q_WAITING, .ticket = "T-7f3a9c", .due_at = now + 300, .accepted = 1};
	assert_int_equal(ck_store_finish(f->st, cl.ids[0], &attempt, &raw, &r, now, 0, NULL),
	                 CK_OK);
	assert_int_equal(claim(f, "si", now + 299, 1).n, 0);
	cl = claim(f, "si", now + 300, 1);
	assert_int_equal(cl.n, 1);
	assert_string_equal(cl.tickets[0], "T-7f3a9c");
	assert_int_equal(sql_int(f, "SELECT submitted_at FROM queries WHERE institution_id = 'si'"),
	                 now);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE action = 'query.accepted'"),
	                 1);

	/* A page keeps the query in flight and extends its lease. */
	struct ck_attempt_rec page = {"page", now * 1000, 5, 200, NULL, NULL};
	assert_int_equal(
	    ck_store_finish(f->st, cl.ids[0], &page, &raw, NULL, now + 300, now + 900, NULL),
	    CK_OK);
	assert_int_equal(sql_int(f, "SELECT lease_until FROM queries WHERE institution_id = 'si'"),
	                 now + 900);
	assert_int_equal(sql_int(f, "SELECT pages FROM queries WHERE institution_id = 'si'"), 1);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(institutions_follow_the_configuration),
	    T(round_zero_plans_every_debtor_and_institution_once),
	    T(terminated_cases_are_requeried_every_six_months_for_five_years),
	    T(claims_lease_and_recover),
	    T(finishing_keeps_attempt_raw_answer_records_and_audit),
	    T(raw_answers_compress_one_by_one),
	    T(tickets_wait_until_due_and_come_back_with_the_ticket),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
