/* SPDX-License-Identifier: MIT */
/* enginetest.c: see enginetest.h. */
#define _GNU_SOURCE
#include "enginetest.h"
#include "chakong/buf.h"
#include "chakong/error.h"
#include "chakong/filing.h"
#include "chakong/xmlsafe.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t
ck_et_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A counter of the simulator's /_stats: of an instance or, when inst is
 * NULL, of the server; "faults_injected.CLASS" names a fault class. */
static long long
stats_counter(struct sim_server *server, const char *inst, const char *key)
{
	struct ck_buf stats = {0};
	sim_server_stats(server, &stats);
	assert_false(stats.failed);
	const char *from = stats.data;
	char want[128];
	if (inst != NULL) {
		snprintf(want, sizeof want, "\"%s\":{", inst);
		from = strstr(stats.data, want);
		if (from == NULL)
			fail_msg("no instance %s in the stats", inst);
	}
	if (strncmp(key, "faults_injected.", 16) == 0) {
		from = strstr(from, "\"faults_injected\":{");
		assert_non_null(from);
		key += 16;
	}
	snprintf(want, sizeof want, "\"%s\":", key);
	const char *at = strstr(from, want);
	if (at == NULL)
		fail_msg("no %s in the stats of %s", key, inst ? inst : "the server");
	char *end;
	long long v = strtoll(at + strlen(want), &end, 10);
	assert_true(end != at + strlen(want));
	ck_buf_release(&stats);
	return v;
}

/* The single integer a SQL query returns. */
static long long
sql_int_on(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	if (sqlite3_step(s) != SQLITE_ROW)
		fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(h));
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* sql_int_on() of a query formatted from fmt. */
static long long
sql_int_va(sqlite3 *h, const char *fmt, va_list ap)
{
	char sql[2048];
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	assert_true(n > 0 && (size_t)n < sizeof sql);
	return sql_int_on(h, sql);
}

/* ---- struct eng ------------------------------------------------------------ */

#define SEED 20250 /* of struct eng's worlds */

void
eng_world(struct eng *f, size_t subjects)
{
	char err[CK_ERR_SIZE] = "";
	memset(f, 0, sizeof *f);
	f->dir = ck_test_tmpdir();
	assert_int_equal(chmod(f->dir, 0700), 0);
	f->db = ck_test_path(f->dir, "chakong.db");
	f->config = ck_test_path(f->dir, "chakong.xml");
	if (sim_world_new(SEED, subjects, &f->world, err) != CK_OK)
		fail_msg("world: %s", err);
}

void
eng_serve(struct eng *f, const struct sim_server_opts *opts)
{
	char err[CK_ERR_SIZE] = "";
	struct sim_server_opts none = {0};
	if (sim_server_start(f->world, opts ? opts : &none, &f->server, err) != CK_OK)
		fail_msg("simulator: %s", err);
	snprintf(f->base, sizeof f->base, "%s://127.0.0.1:%u",
	         sim_server_tls(f->server) ? "https" : "http", sim_server_port(f->server));
}

void
eng_stop(struct eng *f)
{
	if (f->h != NULL)
		sqlite3_close(f->h);
	sim_server_stop(f->server);
	sim_world_free(f->world);
	ck_test_rmtree(f->dir);
	free(f->dir);
	free(f->db);
	free(f->config);
	memset(f, 0, sizeof *f);
}

void
eng_config(struct eng *f, const char *const *ids, const char *settings)
{
	struct ck_buf b = {0};
	ck_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                "<Config xmlns=\"urn:chakong:config:1\">\n");
	for (size_t i = 0; ids[i] != NULL; i++) {
		const struct sim_instance *in = sim_world_instance(f->world, ids[i]);
		assert_non_null(in);
		ck_buf_printf(&b, "<Institution id=\"%s\" kind=\"%s\">\n<Name>", in->id,
		              sim_kind_name(in->kind));
		ck_buf_xml(&b, in->name);
		ck_buf_printf(&b, "</Name>\n<BaseUrl>%s/%s</BaseUrl>\n", f->base, in->id);
		if (in->kind == SIM_REALESTATE) {
			ck_buf_puts(&b, "<District>");
			ck_buf_xml(&b, in->district);
			ck_buf_puts(&b, "</District>\n");
		}
		ck_buf_printf(&b, "%s\n</Institution>\n", settings);
	}
	ck_buf_puts(&b, "</Config>\n");
	assert_false(b.failed);
	ck_test_write_file(f->config, b.data, b.len);
	ck_buf_release(&b);
}

char *
eng_filings(struct eng *f, size_t cases)
{
	char err[CK_ERR_SIZE] = "";
	struct sim_filings_opts fo = {.cases = cases};
	char *csv = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&csv, &len);
	assert_non_null(mem);
	if (sim_write_filings(f->world, &fo, mem, err) != CK_OK)
		fail_msg("filings: %s", err);
	fclose(mem);
	return csv;
}

void
eng_import(struct eng *f, const char *csv, const char *now)
{
	char *path = ck_test_path(f->dir, "filing.csv");
	ck_test_write_file(path, csv, strlen(csv));
	char db[4200], at[128];
	snprintf(db, sizeof db, "--db=%s", f->db);
	snprintf(at, sizeof at, "--now=%s", now);
	char *argv[] = {CK_CHAKONG_BIN, db, at, "import", path, NULL};
	struct ck_test_run run;
	ck_test_run(&run, NULL, argv);
	if (run.status != 0)
		fail_msg("import failed (%d): %s%s", run.status, run.out, run.errout);
	ck_test_run_free(&run);
	free(path);
	if (f->h == NULL && sqlite3_open_v2(f->db, &f->h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("cannot read the store %s", f->db);
}

void
eng_run(struct eng *f, struct ck_test_run *run, const char *now, int64_t *elapsed_ms,
        const char *const *args)
{
	char db[4200], config[4200], at[128];
	snprintf(db, sizeof db, "--db=%s", f->db);
	snprintf(config, sizeof config, "--config=%s", f->config);
	snprintf(at, sizeof at, "--now=%s", now);
	char *argv[32] = {CK_CHAKONG_BIN, db, at, "run", config};
	size_t n = 5;
	for (size_t i = 0; args != NULL && args[i] != NULL && n + 1 < 32; i++)
		argv[n++] = (char *)(uintptr_t)args[i];
	argv[n] = NULL;
	int64_t start = ck_et_mono_ms();
	ck_test_run(run, NULL, argv);
	if (elapsed_ms != NULL)
		*elapsed_ms = ck_et_mono_ms() - start;
}

long long
eng_sql(struct eng *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	long long v = sql_int_va(f->h, fmt, ap);
	va_end(ap);
	return v;
}

long long
eng_stat(struct eng *f, const char *inst, const char *key)
{
	return stats_counter(f->server, inst, key);
}

/* The assets the engine makes of a holding (FOUND). */
static size_t
assets_held(const struct sim_instance *in, const struct sim_holding *h)
{
	size_t n = 0;
	switch (in->kind) {
	case SIM_BANK: return h->n_accounts + h->n_wealth;
	case SIM_REALESTATE: return h->n_properties;
	case SIM_VEHICLE: return h->n_vehicles;
	case SIM_SOCIALSEC: return 0;
	case SIM_ECOMMERCE:
		for (size_t i = 0; i < h->n_items; i++)
			if (h->items[i].type == SIM_ITEM_ACCOUNT)
				n += 1 + (h->items[i].has_fund != 0);
		return n;
	default: return 0;
	}
}

int
eng_check_answers(struct eng *f, const char *inst_id)
{
	const struct sim_instance *in = sim_world_instance(f->world, inst_id);
	assert_non_null(in);
	sqlite3_stmt *s;
	assert_int_equal(
	    sqlite3_prepare_v2(f->h,
	                       "SELECT q.id, q.outcome, d.id_no,"
	                       " (SELECT count(*) FROM assets a WHERE a.query_id = q.id)"
	                       " FROM queries q JOIN debtors d ON d.id = q.debtor_id"
	                       " WHERE q.institution_id = ?1 AND q.state = 'answered'",
	                       -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(s, 1, inst_id, -1, SQLITE_STATIC);
	int checked = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(s, 0);
		const char *outcome = (const char *)sqlite3_column_text(s, 1);
		const struct sim_subject *subj =
		    sim_world_find(f->world, (const char *)sqlite3_column_text(s, 2));
		assert_non_null(subj);
		struct sim_holding h;
		assert_int_equal(sim_world_holding(f->world, in, subj, &h), CK_OK);
		const char *want = h.status == SIM_FOUND       ? "FOUND"
		                   : h.status == SIM_NOT_FOUND ? "NOT_FOUND"
		                                               : "SUBJECT_MISMATCH";
		if (strcmp(outcome, want) != 0)
			fail_msg("query %lld at %s: %s, the simulator holds %s", id, inst_id,
			         outcome, want);
		long long assets = sqlite3_column_int64(s, 3);
		size_t held = h.status == SIM_FOUND ? assets_held(in, &h) : 0;
		if ((size_t)assets != held)
			fail_msg("query %lld at %s: %lld assets, the simulator holds %zu", id,
			         inst_id, assets, held);
		sim_holding_release(&h);
		checked++;
	}
	sqlite3_finalize(s);
	return checked;
}

char *
eng_find_program(const char *name)
{
	const char *path = getenv("PATH");
	if (path == NULL || *path == '\0')
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char buf[1024];
		snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, name);
		if (n > 0 && access(buf, X_OK) == 0)
			return strdup(buf);
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

#define FILED_AT 1709600000 /* 2024-03-05T09:53:20+08:00 */

/* ---- struct ck_et ---------------------------------------------------------- */

void
ck_et_world(struct ck_et *f, uint64_t seed, size_t subjects)
{
	char err[CK_ERR_SIZE] = "";
	*f = (struct ck_et){0};
	f->dir = ck_test_tmpdir();
	f->db = ck_test_path(f->dir, "engine.db");
	f->config = ck_test_path(f->dir, "chakong.xml");
	if (sim_world_new(seed, subjects, &f->world, err) != CK_OK)
		fail_msg("world: %s", err);
	assert_int_equal(ck_xsd_set_new(&f->xsd, NULL), CK_OK);
}

/* The simulator's configuration with our <Defaults> in place of its own. */
static void
write_config(struct ck_et *f, const char *base)
{
	char err[CK_ERR_SIZE] = "";
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	assert_non_null(mem);
	assert_int_equal(sim_write_config(f->world, base, mem, err), CK_OK);
	fclose(mem);
	char *from = strstr(text, "<Defaults>");
	char *to = strstr(text, "</Defaults>");
	assert_non_null(from);
	assert_non_null(to);
	to += strlen("</Defaults>");
	const struct ck_et_tuning *t = &f->tuning;
	FILE *out = fopen(f->config, "w");
	assert_non_null(out);
	fprintf(out,
	        "%.*s<Defaults>\n"
	        "    <MaxInFlight>%u</MaxInFlight>\n"
	        "    <ConnectTimeoutMs>%u</ConnectTimeoutMs>\n"
	        "    <TotalTimeoutMs>%u</TotalTimeoutMs>\n"
	        "    <Retries>%u</Retries>\n"
	        "    <BackoffBaseMs>%u</BackoffBaseMs>\n"
	        "    <BackoffMaxMs>%u</BackoffMaxMs>\n"
	        "    <BreakerFailures>%u</BreakerFailures>\n"
	        "    <BreakerCooldownMs>%u</BreakerCooldownMs>\n"
	        "  </Defaults>%s",
	        (int)(from - text), text, t->max_in_flight, t->connect_timeout_ms,
	        t->total_timeout_ms, t->retries, t->backoff_base_ms, t->backoff_max_ms,
	        t->breaker_failures, t->breaker_cooldown_ms, to);
	assert_int_equal(fclose(out), 0);
	free(text);
}

void
ck_et_serve(struct ck_et *f, const struct ck_et_tuning *t)
{
	char err[CK_ERR_SIZE] = "";
	ck_et_stop_server(f);
	f->tuning = *t;
	struct sim_server_opts so = {0};
	if (sim_server_start(f->world, &so, &f->server, err) != CK_OK)
		fail_msg("simulator: %s", err);
	char base[64];
	snprintf(base, sizeof base, "http://127.0.0.1:%u", sim_server_port(f->server));
	write_config(f, base);
	if (ck_config_load(f->config, f->xsd, &f->cfg, err) != CK_OK)
		fail_msg("config: %s", err);
	/* The whole configuration came through: the file is what runs use. */
	for (size_t i = 0; i < f->cfg->n_insts; i++) {
		assert_int_equal(f->cfg->insts[i].total_timeout_ms, t->total_timeout_ms);
		assert_int_equal(f->cfg->insts[i].retries, t->retries);
		assert_int_equal(f->cfg->insts[i].rate_x100, 0);
	}
}

void
ck_et_stop_server(struct ck_et *f)
{
	sim_server_stop(f->server);
	f->server = NULL;
	ck_config_free(f->cfg);
	f->cfg = NULL;
}

char *
ck_et_filings(struct ck_et *f, size_t cases, unsigned multi_permille, size_t *len)
{
	char err[CK_ERR_SIZE] = "";
	struct sim_filings_opts fo = {.cases = cases, .multi_debtor_permille = multi_permille};
	char *csv = NULL;
	size_t csv_len = 0;
	FILE *mem = open_memstream(&csv, &csv_len);
	assert_non_null(mem);
	if (sim_write_filings(f->world, &fo, mem, err) != CK_OK)
		fail_msg("filings: %s", err);
	fclose(mem);
	if (len != NULL)
		*len = csv_len;
	return csv;
}

static void
close_store(struct ck_et *f)
{
	sqlite3_close(f->h);
	f->h = NULL;
	ck_store_close(f->st);
	f->st = NULL;
}

void
ck_et_use_store(struct ck_et *f, const char *name)
{
	close_store(f);
	free(f->db);
	f->db = ck_test_path(f->dir, name);
}

void
ck_et_import(struct ck_et *f, size_t cases, unsigned multi_permille)
{
	char err[CK_ERR_SIZE] = "";
	close_store(f);
	size_t len;
	char *csv = ck_et_filings(f, cases, multi_permille, &len);
	assert_int_equal(ck_store_open(f->db, &f->st, NULL), CK_OK);
	struct ck_filing_opts io = {.now = FILED_AT};
	struct ck_filing_stats fs;
	if (ck_filing_import_buffer(f->st, f->xsd, "filings.csv", csv, len, &io, NULL, NULL, &fs,
	                            err) != CK_OK)
		fail_msg("import: %s", err);
	assert_int_equal(fs.cases_rejected, 0);
	assert_int_equal(fs.cases_created, (int)cases);
	free(csv);
	assert_int_equal(sqlite3_open_v2(f->db, &f->h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
}

void
ck_et_run(struct ck_et *f, int wait, struct ck_run_stats *stats)
{
	struct ck_clock clock;
	ck_clock_fixed(&clock, FILED_AT);
	struct ck_sched_opts opts = {.wait = wait, .max_time_s = 240, .seed = 7};
	char err[CK_ERR_SIZE] = "";
	if (ck_sched_run(f->st, f->cfg, f->xsd, &clock, &opts, stats, err) != CK_OK)
		fail_msg("run: %s", err);
}

void
ck_et_stop(struct ck_et *f)
{
	close_store(f);
	ck_et_stop_server(f);
	ck_xsd_set_free(f->xsd);
	sim_world_free(f->world);
	ck_test_rmtree(f->dir);
	free(f->db);
	free(f->config);
	free(f->dir);
	*f = (struct ck_et){0};
}

long long
ck_et_sql(struct ck_et *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	long long v = sql_int_va(f->h, fmt, ap);
	va_end(ap);
	return v;
}

/* ---- Comparing one answered query with the simulator's holding ---------- */

struct expect {
	struct ck_et *f;
	int64_t query_id;
	char what[160]; /* for messages: instance and query */
};

/* The number of rows a query returns. */
static long long count(struct expect *e, const char *sql_fmt, ...)
    __attribute__((format(printf, 2, 3)));

static long long
count(struct expect *e, const char *sql_fmt, ...)
{
	va_list ap;
	va_start(ap, sql_fmt);
	long long v = sql_int_va(e->f->h, sql_fmt, ap);
	va_end(ap);
	return v;
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

/* The kind of the checks above for one answered query. */
void
ck_et_check_answered(struct ck_et *f, int64_t query_id)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(f->h,
	                                    "SELECT q.institution_id, q.state, q.outcome, d.id_no"
	                                    " FROM queries q JOIN debtors d ON d.id = q.debtor_id"
	                                    " WHERE q.id = ?1",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(s, 1, query_id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	struct expect e = {.f = f, .query_id = query_id};
	const char *inst_id = (const char *)sqlite3_column_text(s, 0);
	const char *state = (const char *)sqlite3_column_text(s, 1);
	const char *outcome = (const char *)sqlite3_column_text(s, 2);
	const char *id_no = (const char *)sqlite3_column_text(s, 3);
	snprintf(e.what, sizeof e.what, "query %lld at %s", (long long)query_id, inst_id);
	const struct sim_instance *inst = sim_world_instance(f->world, inst_id);
	const struct sim_subject *subj = sim_world_find(f->world, id_no);
	assert_non_null(inst);
	assert_non_null(subj);
	if (strcmp(state, "answered") != 0)
		fail_msg("%s: %s, not answered", e.what, state);
	struct sim_holding h;
	assert_int_equal(sim_world_holding(f->world, inst, subj, &h), CK_OK);
	const char *want = h.status == SIM_FOUND       ? "FOUND"
	                   : h.status == SIM_NOT_FOUND ? "NOT_FOUND"
	                                               : "SUBJECT_MISMATCH";
	if (outcome == NULL || strcmp(outcome, want) != 0)
		fail_msg("%s: outcome %s, the simulator holds %s", e.what,
		         outcome ? outcome : "none", want);
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
		assert_int_equal(count(&e, "SELECT count(*) FROM assets WHERE query_id = %lld",
		                       (long long)query_id),
		                 0);
	}
	sim_holding_release(&h);
	sqlite3_finalize(s);
}

void
ck_et_compare_with_truth_but(struct ck_et *f, const char *const *skip)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(f->h,
	                                    "SELECT q.id, q.institution_id, q.state, d.kind"
	                                    " FROM queries q JOIN debtors d ON d.id = q.debtor_id"
	                                    " ORDER BY q.id",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	int checked = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		const char *inst_id = (const char *)sqlite3_column_text(s, 1);
		const char *state = (const char *)sqlite3_column_text(s, 2);
		int org = strcmp((const char *)sqlite3_column_text(s, 3), "org") == 0;
		int skipped = 0;
		for (size_t k = 0; skip != NULL && skip[k] != NULL; k++)
			skipped |= strcmp(skip[k], inst_id) == 0;
		if (skipped)
			continue;
		const struct sim_instance *inst = sim_world_instance(f->world, inst_id);
		assert_non_null(inst);
		if (inst->kind == SIM_SOCIALSEC && org) {
			if (strcmp(state, "not_applicable") != 0)
				fail_msg("query %lld: an organisation at social insurance is %s",
				         (long long)id, state);
			continue;
		}
		ck_et_check_answered(f, id);
		checked++;
	}
	sqlite3_finalize(s);
	assert_true(checked > 0);
}

void
ck_et_compare_with_truth(struct ck_et *f)
{
	ck_et_compare_with_truth_but(f, NULL);
}

/* ---- The simulator's counters ------------------------------------------------ */

long long
ck_et_sim_counter(struct ck_et *f, const char *instance, const char *name)
{
	return stats_counter(f->server, instance, name);
}

void
ck_et_one_request_id_per_query(struct ck_et *f)
{
	for (size_t i = 0; i < f->world->n_instances; i++) {
		const char *id = f->world->instances[i].id;
		long long queries = ck_et_sql(f,
		                              "SELECT count(*) FROM queries WHERE institution_id ="
		                              " '%s' AND state != 'not_applicable'",
		                              id);
		long long distinct = ck_et_sim_counter(f, id, "distinct_request_ids");
		if (distinct != queries)
			fail_msg("%s: %lld queries but the simulator saw %lld RequestIds", id,
			         queries, distinct);
	}
}

/* ---- What a store found --------------------------------------------------------- */

/* One line per query, then one per asset (with its encumbrances folded in)
 * and per lead, keyed by the query's debtor, institution and round. */
static const char SQL_FINDINGS[] =
    "WITH k AS (SELECT q.id, c.case_no || ' ' || d.id_no || ' ' || q.institution_id || ' r' ||"
    "  q.round AS key FROM queries q JOIN debtors d ON d.id = q.debtor_id"
    "  JOIN cases c ON c.id = q.case_id)"
    " SELECT line FROM ("
    " SELECT k.key || ' query ' || q.state || ' ' || ifnull(q.outcome, '-') || ' ' ||"
    "  ifnull(q.reason, '-') AS line FROM queries q JOIN k ON k.id = q.id"
    " UNION ALL"
    " SELECT k.key || ' asset ' || a.kind || ' ' || a.ref || ' ' || ifnull(a.subtype, '-') ||"
    "  ' ' || ifnull(a.currency, '-') || ' ' || ifnull(a.book, '-') || ' ' ||"
    "  ifnull(a.available, '-') || ' ' || ifnull(a.enforceable, '-') || ' ' || a.liability ||"
    "  ' ' || ifnull(a.status, '-') || ' ' || a.detail || ' [' ||"
    "  ifnull((SELECT group_concat(x.kind || ':' || ifnull(x.seq, '-') || ':' ||"
    "   ifnull(x.amount, '-') || ':' || ifnull(x.currency, '-') || ':' ||"
    "   ifnull(x.authority, '-') || ':' || ifnull(x.ref, '-') || ':' ||"
    "   ifnull(x.starts_on, '-') || ':' || ifnull(x.ends_on, '-') || ':' || x.detail, ' ')"
    "   FROM (SELECT * FROM encumbrances e WHERE e.asset_id = a.id"
    "   ORDER BY e.kind, e.seq, e.ref, e.amount, e.detail) x), '') || ']'"
    "  FROM assets a JOIN k ON k.id = a.query_id"
    " UNION ALL"
    " SELECT k.key || ' lead ' || l.kind || ' ' || ifnull(l.label, '-') || ' ' ||"
    "  ifnull(l.code, '-') || ' ' || ifnull(l.amount, '-') || ' ' || ifnull(l.currency, '-') ||"
    "  ' ' || l.detail"
    "  FROM leads l JOIN k ON k.id = l.query_id"
    ") ORDER BY line";

char *
ck_et_findings(const char *db_path)
{
	sqlite3 *db;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fail_msg("cannot open %s", db_path);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, SQL_FINDINGS, -1, &s, NULL) != SQLITE_OK)
		fail_msg("findings of %s: %s", db_path, sqlite3_errmsg(db));
	struct ck_buf out = {0};
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ck_buf_puts(&out, (const char *)sqlite3_column_text(s, 0));
		ck_buf_puts(&out, "\n");
	}
	if (rc != SQLITE_DONE)
		fail_msg("findings of %s: %s", db_path, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_false(out.failed);
	char *text = ck_buf_detach(&out, NULL);
	return text != NULL ? text : strdup("");
}

void
ck_et_same_findings(const char *want, const char *got, const char *what)
{
	if (strcmp(want, got) == 0)
		return;
	size_t line = 1;
	const char *a = want, *b = got;
	while (*a && *a == *b) {
		if (*a == '\n') {
			line++;
			want = a + 1;
			got = b + 1;
		}
		a++;
		b++;
	}
	fail_msg("%s: line %zu differs:\n  want %.300s\n  got  %.300s", what, line, want, got);
}
