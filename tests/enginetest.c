/* SPDX-License-Identifier: MIT */
/* enginetest.c: see enginetest.h. */
#include "enginetest.h"
#include "chakong/buf.h"
#include "chakong/error.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEED 20250

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

static int64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
	int64_t start = mono_ms();
	ck_test_run(run, NULL, argv);
	if (elapsed_ms != NULL)
		*elapsed_ms = mono_ms() - start;
}

long long
eng_sql(struct eng *f, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(f->h, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->h));
	if (sqlite3_step(s) != SQLITE_ROW)
		fail_msg("%s: no row", sql);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

long long
eng_stat(struct eng *f, const char *inst, const char *key)
{
	struct ck_buf stats = {0};
	sim_server_stats(f->server, &stats);
	assert_false(stats.failed);
	const char *from = stats.data;
	char want[128];
	if (inst != NULL) {
		snprintf(want, sizeof want, "\"%s\":{", inst);
		from = strstr(stats.data, want);
		if (from == NULL)
			fail_msg("no instance %s in the stats", inst);
	}
	snprintf(want, sizeof want, "\"%s\":", key);
	const char *at = strstr(from, want);
	if (at == NULL)
		fail_msg("no %s in the stats of %s", key, inst ? inst : "the server");
	long long v = strtoll(at + strlen(want), NULL, 10);
	ck_buf_release(&stats);
	return v;
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
