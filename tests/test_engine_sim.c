/* SPDX-License-Identifier: MIT */
/*
 * test_engine_sim.c: the engine against the simulator on loopback: cases
 * generated from the simulated population are imported and run to
 * completion, then the store is compared with what the simulator holds,
 * query by query and record by record (statuses; accounts, balances and
 * freezes; wealth; property units with mortgages and seizures; vehicles
 * and their status letters; wallets and funds; employers, pensions, cards,
 * addresses and spending).  Then the same with transient faults: the
 * answers converge to the same truth and the simulator saw exactly one
 * RequestId per query.
 */
#include "testutil.h"
#include "server.h"
#include "sim.h"
#include "chakong/config.h"
#include "chakong/error.h"
#include "chakong/filing.h"
#include "chakong/sched.h"
#include "chakong/store.h"
#include "chakong/xmlsafe.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEED     20241
#define SUBJECTS 400
#define CASES    200

struct fixture {
	char *dir, *db, *config;
	struct sim_world *world;
	struct sim_server *server;
	struct ck_xsd_set *xsd;
	struct ck_store *st;
	struct ck_config *cfg;
	sqlite3 *h; /* a reader of the store */
};

/* Which faults an instance serves (test 3: every request of some). */
struct fault_plan {
	const char *instance;
	enum sim_fault fault;
};

static void
start_with(struct fixture *f, int faults, const struct fault_plan *plan, size_t n_plan,
           size_t cases)
{
	char err[CK_ERR_SIZE] = "";
	f->dir = ck_test_tmpdir();
	f->db = ck_test_path(f->dir, "engine.db");
	assert_int_equal(sim_world_new(SEED, SUBJECTS, &f->world, err), CK_OK);
	for (size_t i = 0; faults && i < f->world->n_instances; i++) {
		struct sim_behaviour *b = &f->world->instances[i].behaviour;
		b->fault_permille[SIM_FAULT_500] = 100;
		b->fault_permille[SIM_FAULT_503] = 50;
		b->fault_permille[SIM_FAULT_429] = 50;
		b->fault_permille[SIM_FAULT_RESET] = 40;
		b->fault_permille[SIM_FAULT_TRUNCATED] = 40;
		b->fault_permille[SIM_FAULT_STALL] = 20;
		b->retry_after_s = 1;
	}
	for (size_t i = 0; i < n_plan; i++) {
		struct sim_instance *inst = sim_world_instance(f->world, plan[i].instance);
		assert_non_null(inst);
		inst->behaviour.fault_permille[plan[i].fault] = 1000;
	}
	struct sim_server_opts so = {0};
	if (sim_server_start(f->world, &so, &f->server, err) != CK_OK)
		fail_msg("simulator: %s", err);

	/* The simulator's configuration, as the engine loads it, with short
	 * timeouts and backoff so that faults settle quickly. */
	char base[64], *config = f->config = ck_test_path(f->dir, "chakong.xml");
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim_server_port(f->server));
	FILE *out = fopen(config, "w");
	assert_non_null(out);
	assert_int_equal(sim_write_config(f->world, base, out, err), CK_OK);
	fclose(out);
	assert_int_equal(ck_xsd_set_new(&f->xsd, NULL), CK_OK);
	if (ck_config_load(config, f->xsd, &f->cfg, err) != CK_OK)
		fail_msg("config: %s", err);
	for (size_t i = 0; i < f->cfg->n_insts; i++) {
		struct ck_inst_config *c = &f->cfg->insts[i];
		c->total_timeout_ms = 1500;
		c->backoff_base_ms = 20;
		c->backoff_max_ms = 200;
		c->breaker_cooldown_ms = 100;
		c->retries = 40;
		c->rate_x100 = 0;
		c->max_in_flight = 8;
	}

	/* Cases from the population, imported as the nightly job would. */
	struct sim_filings_opts fo = {.cases = cases, .multi_debtor_permille = 300};
	char *csv = NULL;
	size_t csv_len = 0;
	FILE *mem = open_memstream(&csv, &csv_len);
	assert_int_equal(sim_write_filings(f->world, &fo, mem, err), CK_OK);
	fclose(mem);
	assert_int_equal(ck_store_open(f->db, &f->st, NULL), CK_OK);
	struct ck_filing_opts io = {.now = 1709600000};
	struct ck_filing_stats fs;
	if (ck_filing_import_buffer(f->st, f->xsd, "filings.csv", csv, csv_len, &io, NULL, NULL,
	                            &fs, err) != CK_OK)
		fail_msg("import: %s", err);
	assert_int_equal(fs.cases_rejected, 0);
	free(csv);
	assert_int_equal(sqlite3_open_v2(f->db, &f->h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
}

static void
start(struct fixture *f, int faults)
{
	start_with(f, faults, NULL, 0, CASES);
}

static void
stop(struct fixture *f)
{
	sqlite3_close(f->h);
	ck_store_close(f->st);
	ck_config_free(f->cfg);
	ck_xsd_set_free(f->xsd);
	sim_server_stop(f->server);
	sim_world_free(f->world);
	ck_test_rmtree(f->dir);
	free(f->db);
	free(f->config);
	free(f->dir);
}

static void
run_once(struct fixture *f, int wait, struct ck_run_stats *stats)
{
	struct ck_clock clock;
	ck_clock_fixed(&clock, 1709600000); /* 2024-03-05 */
	struct ck_sched_opts opts = {.wait = wait, .max_time_s = 240, .seed = 7};
	char err[CK_ERR_SIZE] = "";
	if (ck_sched_run(f->st, f->cfg, f->xsd, &clock, &opts, stats, err) != CK_OK)
		fail_msg("run: %s", err);
}

static void
run_to_completion(struct fixture *f, struct ck_run_stats *stats)
{
	run_once(f, 1, stats);
}

static long long
sql_int(struct fixture *f, const char *sql)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(f->h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->h));
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* ---- Comparing one answered query with the simulator's holding ---------- */

struct expect {
	struct fixture *f;
	int64_t query_id;
	char what[160]; /* for messages: instance and query */
};

/* The number of rows a query returns. */
static long long count(struct expect *e, const char *sql_fmt, ...)
    __attribute__((format(printf, 2, 3)));

static long long
count(struct expect *e, const char *sql_fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, sql_fmt);
	vsnprintf(sql, sizeof sql, sql_fmt, ap);
	va_end(ap);
	return sql_int(e->f, sql);
}

/* Asserts that exactly one asset of the query matches the SQL condition. */
static void
one_asset(struct expect *e, const char *cond)
{
	long long n = count(e, "SELECT count(*) FROM assets WHERE query_id = %lld AND %s",
	                    (long long)e->query_id, cond);
	if (n != 1)
		fail_msg("%s: %lld assets match %s", e->what, n, cond);
}

static void
one_lead(struct expect *e, const char *cond)
{
	long long n = count(e, "SELECT count(*) FROM leads WHERE query_id = %lld AND %s",
	                    (long long)e->query_id, cond);
	if (n != 1)
		fail_msg("%s: %lld leads match %s", e->what, n, cond);
}

/* Text quoted for SQL: our own test values contain no quotes, but be safe. */
static const char *
q(const char *text, char *buf, size_t size)
{
	size_t o = 0;
	for (const char *p = text; *p && o + 2 < size; p++) {
		if (*p == '\'')
			buf[o++] = '\'';
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return buf;
}

static void
check_bank(struct expect *e, const struct sim_holding *h)
{
	char cond[1024], a[128];
	for (size_t i = 0; i < h->n_accounts; i++) {
		const struct sim_account *acc = &h->accounts[i];
		int liability = strcmp(acc->type, "LOAN") == 0 || strcmp(acc->type, "CARD") == 0 ||
		                acc->book < 0;
		int64_t enforceable =
		    liability || !acc->has_available || acc->available < 0 ? 0 : acc->available;
		int n =
		    snprintf(cond, sizeof cond,
		             "kind = 'deposit' AND ref = '%s' AND subtype = '%s' AND currency = "
		             "'%s' AND status = '%s' AND book = %lld AND liability = %d AND "
		             "enforceable = %lld AND ",
		             q(acc->id, a, sizeof a), acc->type, acc->currency, acc->status,
		             (long long)acc->book, liability, (long long)enforceable);
		if (acc->has_available)
			snprintf(cond + n, sizeof cond - (size_t)n, "available = %lld",
			         (long long)acc->available);
		else
			snprintf(cond + n, sizeof cond - (size_t)n, "available IS NULL");
		one_asset(e, cond);
		long long freezes =
		    count(e,
		          "SELECT count(*) FROM encumbrances x JOIN assets s ON s.id = x.asset_id"
		          " WHERE s.query_id = %lld AND s.ref = '%s' AND x.kind = 'freeze'",
		          (long long)e->query_id, acc->id);
		assert_int_equal(freezes, acc->n_freezes);
		for (size_t k = 0; k < acc->n_freezes; k++) {
			const struct sim_freeze *fz = &acc->freezes[k];
			long long m = count(
			    e,
			    "SELECT count(*) FROM encumbrances x JOIN assets s ON s.id = x.asset_id"
			    " WHERE s.query_id = %lld AND s.ref = '%s' AND x.kind = 'freeze'"
			    " AND x.seq = %d AND x.amount = %lld AND x.ends_on = %lld",
			    (long long)e->query_id, acc->id, fz->seq, (long long)fz->amount,
			    (long long)fz->expires_on);
			if (m < 1)
				fail_msg("%s: freeze %zu of an account not stored as sent", e->what,
				         k);
		}
	}
	for (size_t i = 0; i < h->n_wealth; i++) {
		const struct sim_wealth *w = &h->wealth[i];
		snprintf(cond, sizeof cond,
		         "kind = 'wealth' AND ref = '%s' AND currency = '%s' AND book = %lld",
		         q(w->product_id, a, sizeof a), w->currency, (long long)w->market_value);
		one_asset(e, cond);
	}
	assert_int_equal(
	    count(e, "SELECT count(*) FROM assets WHERE query_id = %lld", (long long)e->query_id),
	    h->n_accounts + h->n_wealth);
}

static void
check_realestate(struct expect *e, const struct sim_holding *h)
{
	char cond[1024], a[128];
	for (size_t i = 0; i < h->n_properties; i++) {
		const struct sim_property *p = &h->properties[i];
		snprintf(cond, sizeof cond,
		         "kind = 'realestate' AND ref = '%s' AND subtype = '%s' AND"
		         " json_extract(detail, '$.area') = %lld",
		         q(p->unit_id, a, sizeof a), p->use, (long long)p->area);
		one_asset(e, cond);
		long long mortgages =
		    count(e,
		          "SELECT count(*) FROM encumbrances x JOIN assets s ON s.id = x.asset_id"
		          " WHERE s.query_id = %lld AND s.ref = '%s' AND x.kind = 'mortgage'",
		          (long long)e->query_id, p->unit_id);
		long long seizures =
		    count(e,
		          "SELECT count(*) FROM encumbrances x JOIN assets s ON s.id = x.asset_id"
		          " WHERE s.query_id = %lld AND s.ref = '%s' AND x.kind = 'seizure'",
		          (long long)e->query_id, p->unit_id);
		assert_int_equal(mortgages, p->n_mortgages);
		assert_int_equal(seizures, p->n_seizures);
		for (size_t k = 0; k < p->n_mortgages; k++)
			if (count(e,
			          "SELECT count(*) FROM encumbrances x JOIN assets s ON s.id ="
			          " x.asset_id WHERE s.query_id = %lld AND s.ref = '%s' AND"
			          " x.kind = 'mortgage' AND x.amount = %lld",
			          (long long)e->query_id, p->unit_id,
			          (long long)p->mortgages[k].secured) < 1)
				fail_msg("%s: a mortgage's secured amount differs", e->what);
		for (size_t k = 0; k < p->n_seizures; k++)
			if (count(e,
			          "SELECT count(*) FROM encumbrances x JOIN assets s ON s.id ="
			          " x.asset_id WHERE s.query_id = %lld AND s.ref = '%s' AND"
			          " x.kind = 'seizure' AND x.seq = %d AND x.ends_on = %lld",
			          (long long)e->query_id, p->unit_id, p->seizures[k].position,
			          (long long)p->seizures[k].ends_on) < 1)
				fail_msg("%s: a seizure differs", e->what);
	}
	assert_int_equal(
	    count(e, "SELECT count(*) FROM assets WHERE query_id = %lld", (long long)e->query_id),
	    h->n_properties);
}

/* The status letters as a set: unique, sorted. */
static void
letter_set(const char *letters, char *out)
{
	size_t n = 0;
	for (char c = 'A'; c <= 'Z'; c++)
		if (strchr(letters, c) != NULL)
			out[n++] = c;
	out[n] = '\0';
}

static void
check_vehicle(struct expect *e, const struct sim_holding *h)
{
	char cond[1024], set[32], a[128];
	for (size_t i = 0; i < h->n_vehicles; i++) {
		const struct sim_vehicle *v = &h->vehicles[i];
		letter_set(v->status, set);
		snprintf(cond, sizeof cond,
		         "kind = 'vehicle' AND ref = '%s' AND subtype = '%s' AND status = '%s' AND"
		         " json_extract(detail, '$.plate') = '%s'",
		         q(v->vin[0] ? v->vin : v->plate, a, sizeof a), v->plate_kind, set,
		         v->plate);
		one_asset(e, cond);
	}
	assert_int_equal(
	    count(e, "SELECT count(*) FROM assets WHERE query_id = %lld", (long long)e->query_id),
	    h->n_vehicles);
}

static void
check_socialsec(struct expect *e, const struct sim_holding *h)
{
	char cond[512], a[128];
	for (size_t i = 0; i < h->n_employments; i++) {
		const struct sim_employment *m = &h->employments[i];
		snprintf(cond, sizeof cond,
		         "kind = 'employer' AND code = '%s' AND amount = %lld AND"
		         " json_extract(detail, '$.state') = '%s'",
		         q(m->employer_code, a, sizeof a), (long long)m->monthly_base, m->state);
		one_lead(e, cond);
	}
	if (h->pension.present) {
		snprintf(cond, sizeof cond, "kind = 'pension' AND amount = %lld",
		         (long long)h->pension.monthly);
		one_lead(e, cond);
	}
	assert_int_equal(
	    count(e, "SELECT count(*) FROM leads WHERE query_id = %lld", (long long)e->query_id),
	    h->n_employments + (h->pension.present ? 1 : 0));
}

static void
check_ecommerce(struct expect *e, const struct sim_holding *h)
{
	char cond[1024], a[256];
	size_t assets = 0, leads = 0;
	for (size_t i = 0; i < h->n_items; i++) {
		const struct sim_item *it = &h->items[i];
		switch (it->type) {
		case SIM_ITEM_ACCOUNT:
			snprintf(
			    cond, sizeof cond,
			    "kind = 'wallet' AND ref = '%s' AND book = %lld AND currency = 'CNY'",
			    q(it->user_id, a, sizeof a), (long long)it->balance);
			one_asset(e, cond);
			assets++;
			if (it->has_fund) {
				snprintf(cond, sizeof cond,
				         "kind = 'fund' AND ref = '%s' AND book = %lld",
				         q(it->user_id, a, sizeof a), (long long)it->fund_balance);
				one_asset(e, cond);
				assets++;
			}
			break;
		case SIM_ITEM_CARD:
			snprintf(cond, sizeof cond,
			         "kind = 'bound_card' AND code = '%s' AND label = '%s'",
			         it->card_tail, q(it->bank, a, sizeof a));
			one_lead(e, cond);
			leads++;
			break;
		case SIM_ITEM_ADDRESS:
			snprintf(cond, sizeof cond, "kind = 'address' AND label = '%s'",
			         q(it->address, a, sizeof a));
			one_lead(e, cond);
			leads++;
			break;
		case SIM_ITEM_SPENDING:
			snprintf(cond, sizeof cond,
			         "kind = 'spending' AND amount = %lld AND label = '%s' AND"
			         " json_extract(detail, '$.flights') = %d",
			         (long long)it->total, it->period, it->flights);
			one_lead(e, cond);
			leads++;
			break;
		}
	}
	assert_int_equal(
	    count(e, "SELECT count(*) FROM assets WHERE query_id = %lld", (long long)e->query_id),
	    assets);
	assert_int_equal(
	    count(e, "SELECT count(*) FROM leads WHERE query_id = %lld", (long long)e->query_id),
	    leads);
}

/* Every query of the store against the simulator's holdings, but for the
 * instances listed in `skip` (NULL-terminated, may be NULL). */
static void
compare_with_truth_but(struct fixture *f, const char *const *skip)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(f->h,
	                                    "SELECT q.id, q.institution_id, q.state, q.outcome,"
	                                    " d.id_no, d.kind FROM queries q"
	                                    " JOIN debtors d ON d.id = q.debtor_id ORDER BY q.id",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	int checked = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct expect e = {.f = f, .query_id = sqlite3_column_int64(s, 0)};
		const char *inst_id = (const char *)sqlite3_column_text(s, 1);
		const char *state = (const char *)sqlite3_column_text(s, 2);
		const char *outcome = (const char *)sqlite3_column_text(s, 3);
		const char *id_no = (const char *)sqlite3_column_text(s, 4);
		snprintf(e.what, sizeof e.what, "query %lld at %s", (long long)e.query_id, inst_id);
		int skipped = 0;
		for (size_t k = 0; skip != NULL && skip[k] != NULL; k++)
			skipped |= strcmp(skip[k], inst_id) == 0;
		if (skipped)
			continue;
		const struct sim_instance *inst = sim_world_instance(f->world, inst_id);
		const struct sim_subject *subj = sim_world_find(f->world, id_no);
		assert_non_null(inst);
		assert_non_null(subj);
		if (inst->kind == SIM_SOCIALSEC && subj->kind == CK_SUBJECT_ORG) {
			if (strcmp(state, "not_applicable") != 0)
				fail_msg("%s: an organisation at social insurance is %s", e.what,
				         state);
			continue;
		}
		if (strcmp(state, "answered") != 0)
			fail_msg("%s: %s, not answered", e.what, state);
		struct sim_holding h;
		assert_int_equal(sim_world_holding(f->world, inst, subj, &h), CK_OK);
		const char *want = h.status == SIM_FOUND       ? "FOUND"
		                   : h.status == SIM_NOT_FOUND ? "NOT_FOUND"
		                                               : "SUBJECT_MISMATCH";
		if (strcmp(outcome, want) != 0)
			fail_msg("%s: outcome %s, the simulator holds %s", e.what, outcome, want);
		if (h.status == SIM_FOUND) {
			switch (inst->kind) {
			case SIM_BANK: check_bank(&e, &h); break;
			case SIM_REALESTATE: check_realestate(&e, &h); break;
			case SIM_VEHICLE: check_vehicle(&e, &h); break;
			case SIM_SOCIALSEC: check_socialsec(&e, &h); break;
			case SIM_ECOMMERCE: check_ecommerce(&e, &h); break;
			default: fail_msg("unknown kind");
			}
		} else {
			/* Nothing of a NOT_FOUND or a mismatch becomes an asset. */
			assert_int_equal(count(&e,
			                       "SELECT count(*) FROM assets WHERE query_id = %lld",
			                       (long long)e.query_id),
			                 0);
		}
		sim_holding_release(&h);
		checked++;
	}
	sqlite3_finalize(s);
	assert_true(checked > 0);
}

static void
compare_with_truth(struct fixture *f)
{
	compare_with_truth_but(f, NULL);
}

/* The simulator's stats: exactly one distinct RequestId per query sent to
 * each instance. */
static void
one_request_id_per_query(struct fixture *f)
{
	struct ck_buf stats = {0};
	sim_server_stats(f->server, &stats);
	for (size_t i = 0; i < f->world->n_instances; i++) {
		const char *id = f->world->instances[i].id;
		char sql[256];
		snprintf(sql, sizeof sql,
		         "SELECT count(*) FROM queries WHERE institution_id = '%s'"
		         " AND state != 'not_applicable'",
		         id);
		long long queries = sql_int(f, sql);
		char key[96], want[64];
		snprintf(key, sizeof key, "\"%s\":{", id);
		const char *at = strstr(stats.data, key);
		assert_non_null(at);
		snprintf(want, sizeof want, "\"distinct_request_ids\":%lld,", queries);
		const char *distinct = strstr(at, "\"distinct_request_ids\":");
		if (distinct == NULL || strncmp(distinct, want, strlen(want)) != 0)
			fail_msg("%s: %lld queries but the simulator says %.40s", id, queries,
			         distinct ? distinct : "nothing");
	}
	ck_buf_release(&stats);
}

static void
run_equals_truth(void **state)
{
	(void)state;
	struct fixture f = {0};
	start(&f, 0);
	struct ck_run_stats stats;
	run_to_completion(&f, &stats);
	assert_int_equal(stats.failed, 0);
	assert_true(stats.answered > 0);
	assert_int_equal(sql_int(&f, "SELECT count(*) FROM queries WHERE state NOT IN"
	                             " ('answered', 'not_applicable')"),
	                 0);
	compare_with_truth(&f);
	one_request_id_per_query(&f);
	assert_int_equal(sql_int(&f, "SELECT count(*) FROM queries WHERE state = 'answered'"
	                             " AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.query_id ="
	                             " queries.id AND a.action = 'query.answered')"),
	                 0);
	/* A second run finds nothing to do and sends nothing. */
	run_to_completion(&f, &stats);
	assert_int_equal(stats.sent, 0);
	stop(&f);
}

static void
faults_converge_to_the_same_truth(void **state)
{
	(void)state;
	struct fixture f = {0};
	start(&f, 1);
	struct ck_run_stats stats;
	run_to_completion(&f, &stats);
	if (stats.failed != 0)
		fail_msg("%d queries failed, the first reason %s (%d)", stats.failed,
		         stats.failures[0].reason, stats.failures[0].count);
	assert_true(stats.sent > stats.answered); /* the faults were met and retried */
	compare_with_truth(&f);
	one_request_id_per_query(&f);
	assert_true(sql_int(&f, "SELECT count(*) FROM attempts WHERE error_class IS NOT NULL"
	                        " OR http_status >= 429") > 0);
	stop(&f);
}

/* Count of queries of one institution in a state with a reason. */
static long long
failed_with(struct fixture *f, const char *inst, const char *reason)
{
	char sql[256];
	snprintf(sql, sizeof sql,
	         "SELECT count(*) FROM queries WHERE institution_id = '%s' AND state = 'failed'"
	         " AND reason = '%s'",
	         inst, reason);
	return sql_int(f, sql);
}

static long long
of_institution(struct fixture *f, const char *inst, const char *cond)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM queries WHERE institution_id = '%s' AND %s",
	         inst, cond);
	return sql_int(f, sql);
}

static void
permanent_faults_fail_with_their_reason(void **state)
{
	(void)state;
	static const struct fault_plan plan[] = {
	    {"icbc", SIM_FAULT_401},          {"boc", SIM_FAULT_MALFORMED},
	    {"ccb", SIM_FAULT_WRONG_SUBJECT}, {"bdc-taixing", SIM_FAULT_DOCTYPE},
	    {"jd", SIM_FAULT_BOMB},           {"trff", SIM_FAULT_OVERSIZED},
	};
	struct fixture f = {0};
	start_with(&f, 0, plan, sizeof plan / sizeof plan[0], 12);
	struct ck_run_stats stats;
	run_to_completion(&f, &stats);
	assert_int_equal(stats.stopped_institutions, 1);

	/* Credentials refused: what was in flight fails, nothing more is sent
	 * to it in this run; the rest waits for the next run. */
	long long refused = failed_with(&f, "icbc", "CREDENTIALS");
	assert_true(refused >= 1 && refused <= 8);
	assert_int_equal(of_institution(&f, "icbc", "state = 'planned'"),
	                 of_institution(&f, "icbc", "1") - refused);
	assert_int_equal(of_institution(&f, "boc", "1"), failed_with(&f, "boc", "MALFORMED"));
	assert_int_equal(of_institution(&f, "ccb", "1"), failed_with(&f, "ccb", "WRONG_SUBJECT"));
	assert_int_equal(of_institution(&f, "bdc-taixing", "1"),
	                 failed_with(&f, "bdc-taixing", "HOSTILE"));
	assert_int_equal(of_institution(&f, "jd", "1"), failed_with(&f, "jd", "HOSTILE"));
	assert_int_equal(of_institution(&f, "trff", "1"), failed_with(&f, "trff", "TOO_BIG"));
	/* What was refused is kept for audit, marked, and never an asset. */
	assert_int_equal(sql_int(&f, "SELECT count(*) FROM raw_answers r JOIN queries q ON"
	                             " q.id = r.query_id WHERE q.institution_id = 'ccb'"
	                             " AND r.rejected = 1 AND r.reject_reason = 'WRONG_SUBJECT'"),
	                 of_institution(&f, "ccb", "1"));
	assert_int_equal(sql_int(&f, "SELECT count(*) FROM assets a JOIN queries q ON"
	                             " q.id = a.query_id WHERE q.institution_id IN"
	                             " ('icbc', 'boc', 'ccb', 'bdc-taixing', 'jd', 'trff')"),
	                 0);
	/* The other institutions are unaffected. */
	static const char *const broken[] = {"icbc", "boc",  "ccb", "bdc-taixing",
	                                     "jd",   "trff", NULL};
	compare_with_truth_but(&f, broken);
	assert_true(sql_int(&f, "SELECT count(*) FROM queries WHERE state = 'answered'") > 20);
	stop(&f);
}

/* Tickets outlive a run; an expired one is submitted again under the same
 * RequestId and its answer collected by a later run. */
static void
tickets_survive_runs_and_expiry(void **state)
{
	(void)state;
	struct fixture f = {0};
	start_with(&f, 0, NULL, 0, 12);
	struct ck_run_stats stats;
	run_once(&f, 0, &stats); /* no wait: social insurance answers later */
	long long waiting = of_institution(&f, "si", "state = 'waiting' AND ticket IS NOT NULL");
	assert_true(waiting > 0);
	/* Three days later the tickets have expired at the institution. */
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_server_advance(f.server, 73 * 3600, err), CK_OK);
	run_to_completion(&f, &stats);
	assert_int_equal(of_institution(&f, "si", "state NOT IN ('answered', 'not_applicable')"),
	                 0);
	assert_true(sql_int(&f, "SELECT count(*) FROM attempts t JOIN queries q ON q.id ="
	                        " t.query_id WHERE q.institution_id = 'si' AND t.kind = 'poll'"
	                        " AND t.http_status = 404") > 0);
	compare_with_truth(&f);
	one_request_id_per_query(&f);
	stop(&f);
}

/* The engine killed with SIGKILL in the middle of runs, again and again,
 * then run to the end: nothing lost, nothing sent under a new RequestId,
 * the store intact and equal to the truth. */
static void
killed_runs_converge(void **state)
{
	(void)state;
	struct fixture f = {0};
	start_with(&f, 0, NULL, 0, 60);
	for (size_t i = 0; i < f.world->n_instances; i++) {
		f.world->instances[i].behaviour.latency = SIM_LAT_FIXED;
		f.world->instances[i].behaviour.latency_ms = 40;
	}
	char db_opt[4200], config_opt[4200];
	snprintf(db_opt, sizeof db_opt, "--db=%s", f.db);
	snprintf(config_opt, sizeof config_opt, "--config=%s", f.config);
	/* The same clock as run_once(), so that due times agree. */
	char *argv[] = {CK_CHAKONG_BIN, db_opt,   "--now=@1709600000", "run",
	                config_opt,     "--wait", "--quiet",           NULL};
	int kills = 0;
	for (int round = 0; round < 8; round++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			dup2(null, 2);
			execv(argv[0], argv);
			_exit(127);
		}
		struct timespec ts = {0, (150 + 97 * round % 400) * 1000000L};
		nanosleep(&ts, NULL);
		kills += kill(pid, SIGKILL) == 0;
		int st;
		waitpid(pid, &st, 0);
	}
	assert_true(kills >= 8);
	struct ck_run_stats stats;
	run_to_completion(&f, &stats);
	assert_int_equal(ck_store_integrity_check(f.st, NULL), CK_OK);
	assert_int_equal(sql_int(&f, "SELECT count(*) FROM queries WHERE state NOT IN"
	                             " ('answered', 'not_applicable')"),
	                 0);
	compare_with_truth(&f);
	one_request_id_per_query(&f);
	stop(&f);
}

/* The progress callback may read the store (chakong run writes the reports
 * of the cases just completed from it): whatever the run has counted as
 * answered by then is committed, as another connection sees it, although
 * the run commits its steps in groups. */
struct progress_seen {
	struct fixture *f;
	int calls, behind;
};

static void
progress_reads_committed(void *ctx, const struct ck_run_stats *stats)
{
	struct progress_seen *p = ctx;
	p->calls++;
	long long seen = sql_int(p->f, "SELECT count(*) FROM queries WHERE state = 'answered'");
	if (seen < stats->answered)
		p->behind++;
}

static void
progress_sees_what_is_committed(void **state)
{
	(void)state;
	struct fixture f;
	start(&f, 0);
	/* A steady trickle of answers for a few seconds: 100 a second from
	 * each institution, so that groups are open when progress is called. */
	for (size_t i = 0; i < f.cfg->n_insts; i++)
		f.cfg->insts[i].rate_x100 = 10000;
	struct progress_seen seen = {.f = &f};
	struct ck_clock clock;
	ck_clock_fixed(&clock, 1709600000); /* 2024-03-05 */
	struct ck_sched_opts opts = {.wait = 1,
	                             .max_time_s = 240,
	                             .seed = 7,
	                             .progress = progress_reads_committed,
	                             .ctx = &seen};
	struct ck_run_stats stats;
	char err[CK_ERR_SIZE] = "";
	if (ck_sched_run(f.st, f.cfg, f.xsd, &clock, &opts, &stats, err) != CK_OK)
		fail_msg("run: %s", err);
	assert_true(seen.calls >= 2);
	assert_int_equal(seen.behind, 0);
	assert_int_equal(sql_int(&f, "SELECT count(*) FROM queries WHERE state = 'answered'"),
	                 stats.answered);
	stop(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(run_equals_truth),
	    cmocka_unit_test(progress_sees_what_is_committed),
	    cmocka_unit_test(faults_converge_to_the_same_truth),
	    cmocka_unit_test(permanent_faults_fail_with_their_reason),
	    cmocka_unit_test(tickets_survive_runs_and_expiry),
	    cmocka_unit_test(killed_runs_converge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
