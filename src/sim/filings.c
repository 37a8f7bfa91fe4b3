/* SPDX-License-Identifier: MIT */
/*
 * filings.c: `chakong-sim filings`, a filing CSV (spec/filing.md) of
 * enforcement cases whose debtors are subjects of the population, as the
 * courts of the Taizhou area would export it.
 *
 * Every row is valid, so the file imports cleanly: case numbers carry the
 * filing court's code and a serial that only grows per court (unique),
 * filing times rise through office hours from opts->first_filed_at, each
 * subject is a debtor of at most one case (subjects are taken in a
 * shuffled order), rows of one case are adjacent, and a terminated case
 * names its termination date, after the filing.  Same world and options,
 * same bytes.
 */
#include "sim.h"
#include "simdata.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define TAG_ORDER   0x51
#define TAG_CASES   0x53
#define TAG_OFFICER 0x59

/* 2024-03-04T09:00:00+08:00, when opts->first_filed_at is 0. */
#define DEFAULT_FIRST_FILED 1709514000
#define DEFAULT_MAX_GAP     5400
/* 2101-01-01T00:00:00+08:00: case numbers carry years up to 2100. */
#define LAST_FILING_BEFORE 4133952000
#define OFFSET_S           (8 * 3600)
#define OFFICERS_PER_COURT 5

/* How the local courts share the filings (per mille, SIMD_LOCAL_COURTS). */
static const unsigned court_share[SIMD_LOCAL_COURTS] = {400, 250, 150, 80, 40, 60, 20};

static const char header[] = "case_no,court_code,court_name,filed_at,officer,amount_owed,"
                             "debtor_kind,debtor_name,debtor_id,status,terminated_at\n";

/* Appends a CSV field, quoted when it holds a separator or a quote. */
static void
csv_field(struct ck_buf *b, const char *text)
{
	if (strpbrk(text, ",\"\r\n") == NULL) {
		ck_buf_puts(b, text);
		return;
	}
	ck_buf_puts(b, "\"");
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			ck_buf_puts(b, "\"\"");
		else
			ck_buf_add(b, p, 1);
	}
	ck_buf_puts(b, "\"");
}

static size_t
pick_court(struct sim_rng *rng)
{
	uint64_t r = sim_rng_below(rng, 1000);
	for (size_t i = 0; i < SIMD_LOCAL_COURTS; i++) {
		if (r < court_share[i])
			return i;
		r -= court_share[i];
	}
	return 0;
}

static void
officer_name(uint64_t seed, size_t court, unsigned k, char *out, size_t outsz)
{
	struct sim_rng rng;
	sim_rng_seed(&rng, seed, TAG_OFFICER, court, k);
	simd_person_name(&rng, (int)sim_rng_below(&rng, 2), out, outsz);
}

/* The next filing time: between an eighteenth of max_gap and max_gap later
 * (by default minutes to an hour and a half), within office hours
 * (08:30-17:30 China Standard Time). */
static int64_t
next_time(struct sim_rng *rng, int64_t t, int64_t max_gap)
{
	int64_t min_gap = max_gap / 18;
	t += min_gap + (int64_t)sim_rng_below(rng, (uint64_t)(max_gap - min_gap));
	int64_t local = t + OFFSET_S;
	int64_t sod = ((local % 86400) + 86400) % 86400;
	if (sod > 17 * 3600 + 1800)
		t += 86400 - sod + 8 * 3600 + 1800 + (int64_t)sim_rng_below(rng, 1800);
	else if (sod < 8 * 3600 + 1800)
		t += 8 * 3600 + 1800 - sod + (int64_t)sim_rng_below(rng, 1800);
	return t;
}

static int64_t
amount_owed(struct sim_rng *rng)
{
	int64_t yuan = 1000;
	for (int e = (int)sim_rng_below(rng, 4); e > 0; e--)
		yuan *= 10;
	yuan += (int64_t)sim_rng_below(rng, (uint64_t)yuan * 4);
	int64_t fen = sim_rng_chance(rng, 300) ? (int64_t)sim_rng_below(rng, 100) : 0;
	return yuan * 100 + fen;
}

/* A permutation of the subjects: the order in which they become debtors. */
static uint32_t *
shuffled(const struct sim_world *w)
{
	uint32_t *order = malloc((w->n_subjects ? w->n_subjects : 1) * sizeof *order);
	if (order == NULL)
		return NULL;
	for (size_t i = 0; i < w->n_subjects; i++)
		order[i] = (uint32_t)i;
	struct sim_rng rng;
	sim_rng_seed(&rng, w->seed, TAG_ORDER, 0, 0);
	for (size_t i = w->n_subjects; i > 1; i--) {
		size_t j = (size_t)sim_rng_below(&rng, i);
		uint32_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	return order;
}

struct case_row {
	char case_no[96];
	const struct simd_court *court;
	char filed_at[CK_TIME_BUF];
	char officer[96];
	int64_t amount;
	int terminated;
	char terminated_at[CK_DATE_BUF];
};

static void
write_rows(struct ck_buf *b, const struct case_row *c, const struct sim_world *w,
           const uint32_t *debtors, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct sim_subject *s = &w->subjects[debtors[k]];
		csv_field(b, c->case_no);
		ck_buf_puts(b, ",");
		csv_field(b, c->court->code);
		ck_buf_puts(b, ",");
		csv_field(b, c->court->name);
		ck_buf_printf(b, ",%s,", c->filed_at);
		csv_field(b, c->officer);
		ck_buf_puts(b, ",");
		ck_buf_amount(b, c->amount);
		ck_buf_puts(b, s->kind == CK_SUBJECT_PERSON ? ",person," : ",org,");
		csv_field(b, s->name);
		ck_buf_printf(b, ",%s,%s,%s\n", s->id_no, c->terminated ? "terminated" : "active",
		              c->terminated ? c->terminated_at : "");
	}
}

/* Fills c for a case filed at t. */
static void
make_case(struct sim_rng *rng, const struct sim_world *w, unsigned *serials, int64_t t,
          unsigned terminated_permille, struct case_row *c)
{
	size_t ci = pick_court(rng);
	c->court = &simd_courts[ci];
	serials[ci] += 1 + (unsigned)sim_rng_below(rng, 4);
	int64_t day = (t + OFFSET_S) / 86400;
	int year, month, mday;
	ck_civil_from_days(day, &year, &month, &mday);
	simd_case_no(c->court, year, serials[ci], sim_rng_chance(rng, 80) ? "执恢" : "执",
	             c->case_no, sizeof c->case_no);
	ck_time_format(t, 8 * 60, c->filed_at, sizeof c->filed_at);
	officer_name(w->seed, ci, (unsigned)sim_rng_below(rng, OFFICERS_PER_COURT), c->officer,
	             sizeof c->officer);
	c->amount = amount_owed(rng);
	c->terminated = sim_rng_chance(rng, terminated_permille);
	c->terminated_at[0] = '\0';
	if (c->terminated)
		ck_date_format(day + 90 + (int64_t)sim_rng_below(rng, 300), c->terminated_at,
		               sizeof c->terminated_at);
}

static int
emit(struct ck_buf *b, FILE *out, char *err)
{
	if (b->failed)
		return ck_fail(err, CK_E_NOMEM, "no memory for the filings");
	if (b->len && fwrite(b->data, 1, b->len, out) != b->len)
		return ck_fail(err, CK_E_IO, "cannot write the filings");
	b->len = 0;
	return CK_OK;
}

int
sim_write_filings(const struct sim_world *world, const struct sim_filings_opts *opts, FILE *out,
                  char *err)
{
	if (world == NULL || opts == NULL || out == NULL)
		return ck_fail(err, CK_E_USAGE, "sim_write_filings: world, opts or out is NULL");
	if (opts->cases > world->n_subjects)
		return ck_fail(err, CK_E_RANGE,
		               "%zu cases need at least as many debtors, the population has %zu",
		               opts->cases, world->n_subjects);
	int64_t max_gap = opts->max_gap_s ? opts->max_gap_s : DEFAULT_MAX_GAP;
	if (max_gap < 18)
		return ck_fail(err, CK_E_RANGE, "a gap between filings of %lld s is too small",
		               (long long)max_gap);
	uint32_t *order = shuffled(world);
	if (order == NULL)
		return ck_fail(err, CK_E_NOMEM, "no memory to order %zu subjects",
		               world->n_subjects);
	struct sim_rng rng;
	sim_rng_seed(&rng, world->seed, TAG_CASES, 0, 0);
	unsigned serials[SIMD_LOCAL_COURTS];
	for (size_t i = 0; i < SIMD_LOCAL_COURTS; i++)
		serials[i] = 100 + (unsigned)sim_rng_below(&rng, 900);
	int64_t t = opts->first_filed_at ? opts->first_filed_at : DEFAULT_FIRST_FILED;
	struct ck_buf b = {0};
	ck_buf_puts(&b, header);
	int rc = emit(&b, out, err);
	size_t used = 0;
	for (size_t k = 0; rc == CK_OK && k < opts->cases; k++) {
		if (t >= LAST_FILING_BEFORE) {
			rc = ck_fail(err, CK_E_RANGE,
			             "case %zu of %zu would be filed after 2100, beyond any case "
			             "number; give a smaller gap between filings",
			             k + 1, opts->cases);
			break;
		}
		struct case_row c;
		make_case(&rng, world, serials, t, opts->terminated_permille, &c);
		size_t n = 1;
		if (sim_rng_chance(&rng, opts->multi_debtor_permille))
			n = sim_rng_chance(&rng, 800) ? 2 : 3;
		/* Leave one subject for each case still to come. */
		size_t spare = world->n_subjects - used - (opts->cases - k - 1);
		if (n > spare)
			n = spare;
		write_rows(&b, &c, world, order + used, n);
		used += n;
		rc = emit(&b, out, err);
		t = next_time(&rng, t, max_gap);
	}
	if (rc == CK_OK && fflush(out) != 0)
		rc = ck_fail(err, CK_E_IO, "cannot write the filings");
	ck_buf_release(&b);
	free(order);
	return rc;
}
