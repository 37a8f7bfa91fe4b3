/* SPDX-License-Identifier: MIT */
/*
 * test_sim_world.c: the simulator's world (src/sim/world.c, holding.c) and
 * the files made from it (truth.c, filings.c, simconfig.c): determinism by
 * seed, valid and unique identifiers, the invariants the spec relates
 * values by, every feature of the population present in a modest world,
 * filings that import without a rejection, a configuration that validates.
 */
#include "testutil.h"
#include "sim.h"
#include "chakong/error.h"
#include "chakong/filing.h"
#include "chakong/ids.h"
#include "chakong/store.h"
#include "chakong/timeutil.h"
#include "chakong/config.h"
#include "chakong/xmlsafe.h"

#include <string.h>
#include <time.h>

static struct sim_world *
world_new(uint64_t seed, size_t n)
{
	struct sim_world *w = NULL;
	char err[CK_ERR_SIZE] = "";
	if (sim_world_new(seed, n, &w, err) != CK_OK)
		fail_msg("sim_world_new: %s", err);
	return w;
}

/* What a writer puts in a FILE, as a string; caller frees. */
struct captured {
	char *data;
	size_t len;
};

static struct captured
truth_of(const struct sim_world *w)
{
	struct captured c = {0};
	FILE *f = open_memstream(&c.data, &c.len);
	assert_non_null(f);
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_write_truth(w, INT64_MAX, f, err), CK_OK);
	fclose(f);
	return c;
}

static struct captured
filings_of(const struct sim_world *w, size_t cases)
{
	struct captured c = {0};
	struct sim_filings_opts opts = {.cases = cases,
	                                .first_filed_at = 1709514000,
	                                .multi_debtor_permille = 300,
	                                .terminated_permille = 150};
	FILE *f = open_memstream(&c.data, &c.len);
	assert_non_null(f);
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_write_filings(w, &opts, f, err), CK_OK);
	fclose(f);
	return c;
}

static int
same(const struct captured *a, const struct captured *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* ---- Determinism ---------------------------------------------------------- */

static void
same_seed_same_files(void **state)
{
	(void)state;
	struct sim_world *a = world_new(11, 400), *b = world_new(11, 400), *c = world_new(12, 400);
	struct captured ta = truth_of(a), tb = truth_of(b), tc = truth_of(c);
	assert_true(ta.len > 10000);
	assert_true(same(&ta, &tb));
	assert_false(same(&ta, &tc));
	struct captured fa = filings_of(a, 150), fb = filings_of(b, 150), fc = filings_of(c, 150);
	assert_true(same(&fa, &fb));
	assert_false(same(&fa, &fc));
	free(ta.data), free(tb.data), free(tc.data);
	free(fa.data), free(fb.data), free(fc.data);
	sim_world_free(a);
	sim_world_free(b);
	sim_world_free(c);
}

/* ---- Identifiers -------------------------------------------------------- */

static void
identifiers_valid_and_unique(void **state)
{
	(void)state;
	struct sim_world *w = world_new(5, 20000);
	size_t persons = 0;
	for (size_t i = 0; i < w->n_subjects; i++) {
		const struct sim_subject *s = &w->subjects[i];
		char norm[CK_ID_BUF], err[CK_ERR_SIZE] = "";
		if (ck_ids_check_subject(s->kind, s->id_no, norm, err) != CK_OK)
			fail_msg("subject %zu: %s", i, err);
		assert_string_equal(norm, s->id_no);
		assert_ptr_equal(sim_world_find(w, s->id_no), s);
		assert_int_equal(s->index, i);
		assert_true(strlen(s->name) >= 6);
		persons += s->kind == CK_SUBJECT_PERSON;
		if (s->id_no[17] == 'X') { /* a lower-case x names the same person */
			char lower[CK_ID_BUF];
			memcpy(lower, s->id_no, CK_ID_BUF);
			lower[17] = 'x';
			assert_ptr_equal(sim_world_find(w, lower), s);
		}
	}
	/* About four in five are persons. */
	assert_in_range(persons, 15000, 17000);
	assert_null(sim_world_find(w, "11010519491231002X"));
	assert_null(sim_world_find(w, "short"));
	sim_world_free(w);
}

static void
instances_by_id(void **state)
{
	(void)state;
	struct sim_world *w = world_new(1, 10);
	static const char *const ids[] = {"icbc", "boc", "ccb",    "bdc-taixing", "bdc-jingjiang",
	                                  "trff", "si",  "alipay", "jd"};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct sim_instance *in = sim_world_instance(w, ids[i]);
		assert_non_null(in);
		assert_string_equal(in->id, ids[i]);
		assert_int_equal(in->behaviour.async_delay_s, 2);
		assert_int_equal(in->behaviour.poll_after_s, 1);
		assert_int_equal(in->behaviour.page_size, 2);
	}
	assert_string_equal(sim_world_instance(w, "bdc-jingjiang")->district, "靖江市");
	assert_null(sim_world_instance(w, "nope"));
	assert_string_equal(sim_kind_name(SIM_SOCIALSEC), "socialsec");
	assert_int_equal(sim_kind_parse("vehicle"), SIM_VEHICLE);
	assert_int_equal(sim_kind_parse("car"), -1);
	sim_world_free(w);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
million_subjects_fast(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
	const double limit = 12.0; /* instrumented or unoptimised builds */
#else
	const double limit = 2.0;
#endif
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct sim_world *w = world_new(3, 1000000);
	double took = seconds_since(&t0);
	if (took > limit)
		fail_msg("1e6 subjects took %.2f s", took);
	assert_non_null(sim_world_find(w, w->subjects[999999].id_no));
	sim_world_free(w);
}

/* ---- Invariants ------------------------------------------------------------ */

static void
check_account(const struct sim_account *a)
{
	int64_t effective = 0;
	int last_seq = 1, queued_seen = 0;
	for (size_t k = 0; k < a->n_freezes; k++) {
		const struct sim_freeze *f = &a->freezes[k];
		assert_true(f->amount > 0);
		if (f->seq == 1) {
			assert_false(queued_seen); /* effective freezes first, then the queue */
			effective += f->amount;
		} else {
			queued_seen = 1;
			assert_int_equal(f->seq, last_seq + 1);
		}
		last_seq = f->seq;
	}
	if (a->n_freezes > 0)
		assert_true(effective <= a->book);
	if (a->has_available)
		assert_true(a->available <= a->book - effective);
	if (effective > 0)
		assert_string_equal(a->status, "FRZN");
	if (strcmp(a->type, "LOAN") == 0)
		assert_true(a->book < 0);
	if (strcmp(a->type, "CARD") == 0)
		assert_true(a->book <= 0);
	if (strcmp(a->status, "CLOS") == 0)
		assert_true(a->book == 0 && a->n_freezes == 0);
	assert_int_equal(strlen(a->currency), 3);
}

/* 2024-03-01: the world is stated as of that day. */
#define REFERENCE_DAY 19783

static void
check_property(const struct sim_property *p)
{
	assert_int_equal(strlen(p->unit_id), 28);
	assert_true(p->registered_on < REFERENCE_DAY);
	for (size_t k = 0; k < p->n_mortgages; k++) {
		assert_true(p->mortgages[k].starts_on >= p->registered_on);
		assert_true(p->mortgages[k].starts_on < REFERENCE_DAY);
		assert_true(p->mortgages[k].ends_on > p->mortgages[k].starts_on);
	}
	for (size_t k = 0; k < p->n_seizures; k++)
		assert_true(p->seizures[k].starts_on < REFERENCE_DAY);
	for (size_t k = 0; k < p->n_seizures; k++) {
		assert_int_equal(p->seizures[k].position, (int)k + 1);
		assert_int_equal(p->seizures[k].queued, k > 0);
		assert_true(p->seizures[k].ends_on > p->seizures[k].starts_on);
	}
	if (strcmp(p->ownership, "共同共有") == 0)
		assert_string_equal(p->share, "");
}

static void
holdings_keep_the_rules(void **state)
{
	(void)state;
	struct sim_world *w = world_new(21, 4000);
	size_t accounts = 0;
	for (size_t i = 0; i < w->n_subjects; i++) {
		const struct sim_subject *s = &w->subjects[i];
		for (size_t j = 0; j < w->n_instances; j++) {
			struct sim_holding h;
			assert_int_equal(sim_world_holding(w, &w->instances[j], s, &h), CK_OK);
			for (size_t k = 0; k < h.n_accounts; k++, accounts++)
				check_account(&h.accounts[k]);
			for (size_t k = 0; k < h.n_wealth; k++)
				assert_true(h.wealth[k].market_value > 0);
			for (size_t k = 0; k < h.n_properties; k++)
				check_property(&h.properties[k]);
			for (size_t k = 0; k < h.n_items; k++) {
				const struct sim_item *it = &h.items[k];
				if (it->type == SIM_ITEM_ACCOUNT)
					assert_true(it->frozen >= 0 &&
					            it->frozen <= it->balance + it->fund_balance);
			}
			for (size_t k = 0; k < h.n_employments; k++) {
				const struct sim_employment *e = &h.employments[k];
				int since = e->since_year * 12 + e->since_month - 1;
				int last = e->last_paid_year * 12 + e->last_paid_month - 1;
				int born = (s->id_no[6] - '0') * 1000 + (s->id_no[7] - '0') * 100 +
				           (s->id_no[8] - '0') * 10 + (s->id_no[9] - '0');
				assert_true(since <= last);
				assert_true(since >= (born + 18) * 12 - 1);
				assert_true(last <= 2024 * 12 + 1); /* 2024-02, as of 2024-03-01 */
				assert_true(e->monthly_base > 0);
			}
			if (w->instances[j].kind == SIM_SOCIALSEC && s->kind == CK_SUBJECT_ORG)
				assert_int_equal(h.status, SIM_NOT_FOUND);
			if (h.status == SIM_FOUND)
				assert_string_equal(h.registered_name, "");
			if (h.status == SIM_SUBJECT_MISMATCH)
				assert_string_not_equal(h.registered_name, s->name);
			sim_holding_release(&h);
		}
	}
	assert_true(accounts > 3000);
	sim_world_free(w);
}

/* ---- Features of the population ------------------------------------------- */

enum feature {
	F_FOREIGN,
	F_CARD,
	F_LOAN,
	F_WEALTH,
	F_QUEUED_FREEZE,
	F_TWO_EFFECTIVE,
	F_NO_AVLB,
	F_DORMANT,
	F_CLOSED,
	F_SHARE,
	F_JOINT,
	F_MORTGAGE,
	F_QUEUED_SEIZURE,
	F_AREA_SUFFIX,
	F_MULTI_LETTER,
	F_UNKNOWN_LETTER,
	F_ACTIVE_JOB,
	F_SUSPENDED_JOB,
	F_PENSION,
	F_MULTI_PAGE,
	F_FUND,
	F_CARD_LEAD,
	F_SPENDING,
	F_MISMATCH,
	F_UNKNOWN_EVERYWHERE,
	F_COUNT
};

static const char *const feature_names[F_COUNT] = {
    "foreign currency", "credit card", "loan",           "wealth product", "queued freeze",
    "two freezes",      "no AVLB",     "dormant",        "closed",         "share",
    "joint ownership",  "mortgage",    "queued seizure", "area suffix",    "multi-letter zt",
    "unknown letter",   "active job",  "suspended job",  "pension",        "multi-page",
    "fund balance",     "bound card",  "spending",       "mismatch",       "unknown everywhere",
};

static void
bank_features(const struct sim_holding *h, int *seen)
{
	for (size_t k = 0; k < h->n_accounts; k++) {
		const struct sim_account *a = &h->accounts[k];
		seen[F_FOREIGN] |= strcmp(a->currency, "CNY") != 0;
		seen[F_CARD] |= strcmp(a->type, "CARD") == 0;
		seen[F_LOAN] |= strcmp(a->type, "LOAN") == 0;
		seen[F_DORMANT] |= strcmp(a->status, "DORM") == 0;
		seen[F_CLOSED] |= strcmp(a->status, "CLOS") == 0;
		int asset = strcmp(a->type, "LOAN") != 0 && strcmp(a->type, "CARD") != 0;
		seen[F_NO_AVLB] |= asset && !a->has_available;
		size_t effective = 0;
		for (size_t f = 0; f < a->n_freezes; f++) {
			seen[F_QUEUED_FREEZE] |= a->freezes[f].seq > 1;
			effective += a->freezes[f].seq == 1;
		}
		seen[F_TWO_EFFECTIVE] |= effective >= 2;
	}
	seen[F_WEALTH] |= h->n_wealth > 0;
}

static void
other_features(const struct sim_holding *h, int *seen)
{
	for (size_t k = 0; k < h->n_properties; k++) {
		const struct sim_property *p = &h->properties[k];
		seen[F_SHARE] |= strcmp(p->ownership, "按份共有") == 0 && p->share[0] != '\0';
		seen[F_JOINT] |= strcmp(p->ownership, "共同共有") == 0;
		seen[F_MORTGAGE] |= p->n_mortgages > 0;
		seen[F_AREA_SUFFIX] |= p->area_suffix != 0;
		for (size_t z = 0; z < p->n_seizures; z++)
			seen[F_QUEUED_SEIZURE] |= p->seizures[z].queued;
	}
	for (size_t k = 0; k < h->n_vehicles; k++) {
		const char *zt = h->vehicles[k].status;
		seen[F_MULTI_LETTER] |= strlen(zt) > 1;
		seen[F_UNKNOWN_LETTER] |= strspn(zt, "ABCDEGHIJKLMNOPQ") != strlen(zt);
	}
	for (size_t k = 0; k < h->n_employments; k++) {
		seen[F_ACTIVE_JOB] |= strcmp(h->employments[k].state, "ACTIVE") == 0;
		seen[F_SUSPENDED_JOB] |= strcmp(h->employments[k].state, "SUSPENDED") == 0;
	}
	seen[F_PENSION] |= h->pension.present;
	seen[F_MULTI_PAGE] |= h->n_items > 2;
	for (size_t k = 0; k < h->n_items; k++) {
		seen[F_FUND] |= h->items[k].type == SIM_ITEM_ACCOUNT && h->items[k].has_fund;
		seen[F_CARD_LEAD] |= h->items[k].type == SIM_ITEM_CARD;
		seen[F_SPENDING] |= h->items[k].type == SIM_ITEM_SPENDING;
	}
}

static void
every_feature_present(void **state)
{
	(void)state;
	struct sim_world *w = world_new(2024, 2000);
	int seen[F_COUNT] = {0};
	for (size_t i = 0; i < w->n_subjects; i++) {
		size_t found = 0, mismatches = 0;
		for (size_t j = 0; j < w->n_instances; j++) {
			struct sim_holding h;
			assert_int_equal(
			    sim_world_holding(w, &w->instances[j], &w->subjects[i], &h), CK_OK);
			found += h.status != SIM_NOT_FOUND;
			mismatches += h.status == SIM_SUBJECT_MISMATCH;
			bank_features(&h, seen);
			other_features(&h, seen);
			sim_holding_release(&h);
		}
		assert_true(mismatches <= 1); /* at exactly one instance, if any */
		seen[F_MISMATCH] |= mismatches == 1;
		seen[F_UNKNOWN_EVERYWHERE] |= found == 0;
	}
	for (int f = 0; f < F_COUNT; f++)
		if (!seen[f])
			fail_msg("no subject shows: %s", feature_names[f]);
	sim_world_free(w);
}

/* ---- Filings -------------------------------------------------------------- */

static void
collect(void *ctx, const char *where, const char *message)
{
	int *problems = ctx;
	(*problems)++;
	print_message("import problem: %s: %s\n", where, message);
}

static void
filings_import_cleanly(void **state)
{
	(void)state;
	struct sim_world *w = world_new(77, 2000);
	struct captured csv = filings_of(w, 600);
	char *dir = ck_test_tmpdir();
	char *db = ck_test_path(dir, "store.db");
	struct ck_store *st = NULL;
	struct ck_xsd_set *xsd = NULL;
	assert_int_equal(ck_store_open(db, &st, NULL), CK_OK);
	assert_int_equal(ck_xsd_set_new(&xsd, NULL), CK_OK);
	struct ck_filing_opts opts = {.format = CK_FILING_CSV, .now = 1710000000};
	struct ck_filing_stats stats = {0};
	int problems = 0;
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(ck_filing_import_buffer(st, xsd, "sim.csv", csv.data, csv.len, &opts,
	                                         collect, &problems, &stats, err),
	                 CK_OK);
	assert_int_equal(problems, 0);
	assert_int_equal(stats.cases_rejected, 0);
	assert_int_equal(stats.cases_created, 600);
	assert_true(stats.debtors_added > 600);
	ck_xsd_set_free(xsd);
	ck_store_close(st);
	ck_test_rmtree(dir);
	free(db);
	free(dir);
	free(csv.data);
	sim_world_free(w);
}

/* Splits a CSV line without quotes into fields (the simulator needs none). */
static size_t
fields_of(char *line, char **fields, size_t max)
{
	size_t n = 0;
	for (char *p = line; n < max;) {
		fields[n++] = p;
		char *comma = strchr(p, ',');
		if (comma == NULL)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

static void
filings_rows_are_consistent(void **state)
{
	(void)state;
	struct sim_world *w = world_new(78, 1500);
	struct captured csv = filings_of(w, 700);
	char *save = NULL, *line = strtok_r(csv.data, "\n", &save);
	assert_string_equal(line, "case_no,court_code,court_name,filed_at,officer,amount_owed,"
	                          "debtor_kind,debtor_name,debtor_id,status,terminated_at");
	unsigned char *used = calloc(w->n_subjects, 1);
	char last_case[128] = "", seen_cases[700][64];
	size_t n_cases = 0, multi = 0, terminated = 0, rows_in_case = 0;
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char *f[12];
		assert_int_equal(fields_of(line, f, 12), 11);
		struct ck_case_no cn;
		assert_int_equal(ck_ids_parse_case_no(f[0], &cn, NULL), CK_OK);
		assert_string_equal(cn.court, f[1]);
		const struct sim_subject *s = sim_world_find(w, f[8]);
		assert_non_null(s);
		assert_string_equal(s->name, f[7]);
		assert_false(used[s->index]);
		used[s->index] = 1;
		if (strcmp(f[0], last_case) != 0) {
			/* A case's rows are adjacent: a case number never comes back. */
			for (size_t k = 0; k < n_cases; k++)
				assert_string_not_equal(seen_cases[k], f[0]);
			snprintf(seen_cases[n_cases++], sizeof seen_cases[0], "%s", f[0]);
			snprintf(last_case, sizeof last_case, "%s", f[0]);
			multi += rows_in_case >= 2;
			rows_in_case = 0;
			if (strcmp(f[9], "terminated") == 0) {
				terminated++;
				int64_t filed, ended;
				assert_int_equal(ck_time_parse(f[3], &filed, NULL, NULL), CK_OK);
				assert_int_equal(ck_date_parse(f[10], &ended, NULL), CK_OK);
				assert_true(ended * 86400 > filed);
			} else {
				assert_string_equal(f[9], "active");
				assert_string_equal(f[10], "");
			}
		}
		rows_in_case++;
	}
	multi += rows_in_case >= 2;
	assert_int_equal(n_cases, 700);
	assert_in_range(multi, 150, 270);
	assert_in_range(terminated, 60, 160);
	free(used);
	free(csv.data);
	sim_world_free(w);
}

static void
filings_need_enough_subjects(void **state)
{
	(void)state;
	struct sim_world *w = world_new(1, 5);
	struct sim_filings_opts opts = {.cases = 6};
	char err[CK_ERR_SIZE] = "";
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(sim_write_filings(w, &opts, f, err), CK_E_RANGE);
	opts.cases = 5;
	opts.multi_debtor_permille = 1000;
	assert_int_equal(sim_write_filings(w, &opts, f, err), CK_OK);
	fclose(f);
	sim_world_free(w);
}

/* Filings past 2100 carry a year no case number may have, so they would all
 * be rejected on import: they are refused, and a smaller gap keeps many
 * cases within the years case numbers allow. */
static void
filings_stay_before_2101(void **state)
{
	(void)state;
	struct sim_world *w = world_new(3, 3000);
	char err[CK_ERR_SIZE] = "";
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	/* 2100-12-20T09:00:00+08:00: a few days of filings are left. */
	struct sim_filings_opts opts = {.cases = 2000, .first_filed_at = 4132947600};
	assert_int_equal(sim_write_filings(w, &opts, f, err), CK_E_RANGE);
	assert_non_null(strstr(err, "after 2100"));
	fclose(f);

	opts.max_gap_s = 60;
	struct captured c = {0};
	f = open_memstream(&c.data, &c.len);
	assert_non_null(f);
	assert_int_equal(sim_write_filings(w, &opts, f, err), CK_OK);
	fclose(f);
	assert_null(strstr(c.data, "(2101)"));
	assert_null(strstr(c.data, ",2101-"));
	free(c.data);

	opts.max_gap_s = 17;
	f = fopen("/dev/null", "w");
	assert_int_equal(sim_write_filings(w, &opts, f, err), CK_E_RANGE);
	fclose(f);
	sim_world_free(w);
}

/* ---- Configuration ----------------------------------------------------------- */

static void
config_validates(void **state)
{
	(void)state;
	struct sim_world *w = world_new(9, 10);
	struct captured c = {0};
	FILE *f = open_memstream(&c.data, &c.len);
	char err[CK_ERR_SIZE] = "";
	assert_int_equal(sim_write_config(w, "http://127.0.0.1:8080/", f, err), CK_OK);
	fclose(f);
	xmlDoc *doc = NULL;
	assert_int_equal(ck_xml_parse(c.data, c.len, NULL, &doc, err), CK_OK);
	struct ck_xsd_set *xsd = NULL;
	assert_int_equal(ck_xsd_set_new(&xsd, NULL), CK_OK);
	if (ck_xsd_validate(xsd, "config", doc, err) != CK_OK)
		fail_msg("config: %s\n%s", err, c.data);
	size_t n = 0, districts = 0;
	const char *ns = "urn:chakong:config:1";
	xmlNode *root = xmlDocGetRootElement(doc);
	for (xmlNode *in = ck_xml_first(root, ns, "Institution"); in;
	     in = ck_xml_next(in, ns, "Institution"), n++)
		districts += ck_xml_first(in, ns, "District") != NULL;
	assert_int_equal(n, w->n_instances);
	assert_int_equal(districts, 2);
	assert_non_null(strstr(c.data, "<BaseUrl>http://127.0.0.1:8080/bdc-taixing</BaseUrl>"));
	xmlFreeDoc(doc);

	/* The engine loads it as it is. */
	char *dir = ck_test_tmpdir();
	char *path = ck_test_path(dir, "chakong.xml");
	ck_test_write_file(path, c.data, c.len);
	struct ck_config *cfg = NULL;
	if (ck_config_load(path, xsd, &cfg, err) != CK_OK)
		fail_msg("the engine refuses the simulator's config: %s", err);
	assert_int_equal(cfg->n_insts, w->n_instances);
	ck_config_free(cfg);
	ck_test_rmtree(dir);
	free(path);
	free(dir);
	free(c.data);
	assert_int_equal(sim_write_config(w, "ftp://x", stdout, err), CK_E_INVALID);
	ck_xsd_set_free(xsd);
	sim_world_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_seed_same_files),
	    cmocka_unit_test(identifiers_valid_and_unique),
	    cmocka_unit_test(instances_by_id),
	    cmocka_unit_test(million_subjects_fast),
	    cmocka_unit_test(holdings_keep_the_rules),
	    cmocka_unit_test(every_feature_present),
	    cmocka_unit_test(filings_import_cleanly),
	    cmocka_unit_test(filings_rows_are_consistent),
	    cmocka_unit_test(filings_need_enough_subjects),
	    cmocka_unit_test(filings_stay_before_2101),
	    cmocka_unit_test(config_validates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
