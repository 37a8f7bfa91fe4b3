/* SPDX-License-Identifier: MIT */
/*
 * world.c: the simulated world (sim.h): the default set of institution
 * instances, the synthetic population of debtors and the index that finds
 * a subject by identifier.
 *
 * The population is a pure function of (seed, n_subjects): subject i is
 * drawn from an rng seeded with the seed and i, so generating it is one
 * pass with no sorting.  Only what every request needs (kind, identifier,
 * name) is stored; what each instance holds is derived on demand
 * (holding.c).  Identifiers are unique: a draw that repeats an identifier
 * already made is drawn again, deterministically.
 */
#include "sim.h"
#include "simdata.h"
#include "chakong/error.h"

#include <stdlib.h>
#include <string.h>

/* Largest population accepted: the subjects take about 124 bytes each. */
#define MAX_SUBJECTS ((size_t)20000000)

/* What the rng of a subject's identity is seeded with besides the index. */
#define TAG_IDENTITY 0x1d

/* ---- Kinds and behaviour ------------------------------------------------ */

static const char *const kind_names[SIM_KIND_COUNT_] = {"bank", "realestate", "vehicle",
                                                        "socialsec", "ecommerce"};

const char *
sim_kind_name(enum sim_kind kind)
{
	return (unsigned)kind < SIM_KIND_COUNT_ ? kind_names[kind] : "unknown";
}

int
sim_kind_parse(const char *name)
{
	for (int i = 0; name != NULL && i < SIM_KIND_COUNT_; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

void
sim_behaviour_default(struct sim_behaviour *b)
{
	*b = (struct sim_behaviour){0};
	b->latency = SIM_LAT_NONE;
	b->async_delay_s = 2;
	b->poll_after_s = 1;
	b->page_size = 2;
	b->retry_after_s = 1;
}

/* ---- The default instances ---------------------------------------------- */

struct instance_def {
	const char *id;
	enum sim_kind kind;
	const char *name;
	const char *code;
	const char *district;
};

static const struct instance_def default_instances[] = {
    {"icbc", SIM_BANK, "中国工商银行", "ICBKCNBJ", ""},
    {"boc", SIM_BANK, "中国银行", "BKCHCNBJ", ""},
    {"ccb", SIM_BANK, "中国建设银行", "PCBCCNBJ", ""},
    {"bdc-taixing", SIM_REALESTATE, "泰兴市不动产登记中心", "321283", "泰兴市"},
    {"bdc-jingjiang", SIM_REALESTATE, "靖江市不动产登记中心", "321282", "靖江市"},
    {"trff", SIM_VEHICLE, "泰州市公安局交通警察支队", "321200", ""},
    {"si", SIM_SOCIALSEC, "泰州市社会保险事业管理中心", "321200", ""},
    {"alipay", SIM_ECOMMERCE, "支付宝", "ALIPAY", ""},
    {"jd", SIM_ECOMMERCE, "京东", "JD", ""},
};

static void
copy_text(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int
make_instances(struct sim_world *w)
{
	size_t n = SIMD_COUNT(default_instances);
	w->instances = calloc(n, sizeof *w->instances);
	if (w->instances == NULL)
		return CK_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct instance_def *d = &default_instances[i];
		struct sim_instance *in = &w->instances[i];
		copy_text(in->id, sizeof in->id, d->id);
		in->kind = d->kind;
		copy_text(in->name, sizeof in->name, d->name);
		copy_text(in->code, sizeof in->code, d->code);
		copy_text(in->district, sizeof in->district, d->district);
		sim_behaviour_default(&in->behaviour);
	}
	w->n_instances = n;
	return CK_OK;
}

struct sim_instance *
sim_world_instance(const struct sim_world *world, const char *id)
{
	for (size_t i = 0; id != NULL && i < world->n_instances; i++)
		if (strcmp(world->instances[i].id, id) == 0)
			return &world->instances[i];
	return NULL;
}

/* ---- The index ------------------------------------------------------------ */

static size_t
slot_of(const struct sim_world *w, const char *id_no)
{
	return (size_t)(sim_hash(id_no) & (w->n_slots - 1));
}

/* Inserts subject i unless its identifier is taken: 0, or -1 when taken. */
static int
index_insert(struct sim_world *w, uint32_t i)
{
	const char *id = w->subjects[i].id_no;
	for (size_t s = slot_of(w, id);; s = (s + 1) & (w->n_slots - 1)) {
		uint32_t held = w->index_slots[s];
		if (held == 0) {
			w->index_slots[s] = i + 1;
			return 0;
		}
		if (strcmp(w->subjects[held - 1].id_no, id) == 0)
			return -1;
	}
}

const struct sim_subject *
sim_world_find(const struct sim_world *world, const char *id_no)
{
	char id[CK_ID_BUF];
	size_t n = id_no != NULL ? strlen(id_no) : 0;
	if (n != CK_ID_LEN || world->n_slots == 0)
		return NULL;
	/* A lower-case x (or credit code letter) names the same subject. */
	for (size_t i = 0; i < n; i++)
		id[i] =
		    (id_no[i] >= 'a' && id_no[i] <= 'z') ? (char)(id_no[i] - 'a' + 'A') : id_no[i];
	id[n] = '\0';
	for (size_t s = slot_of(world, id);; s = (s + 1) & (world->n_slots - 1)) {
		uint32_t held = world->index_slots[s];
		if (held == 0)
			return NULL;
		if (strcmp(world->subjects[held - 1].id_no, id) == 0)
			return &world->subjects[held - 1];
	}
}

/* ---- The population ------------------------------------------------------- */

/* Draws subject i (attempt > 0 after a repeated identifier). */
static void
draw_subject(uint64_t seed, uint32_t i, uint32_t attempt, struct sim_subject *s)
{
	struct sim_rng rng;
	sim_rng_seed(&rng, seed, i, TAG_IDENTITY, attempt);
	s->index = i;
	if (sim_rng_chance(&rng, 800)) {
		s->kind = CK_SUBJECT_PERSON;
		simd_resident_id(&rng, s->id_no);
		simd_person_name(&rng, simd_is_female(s->id_no), s->name, sizeof s->name);
	} else {
		int sole = 0;
		s->kind = CK_SUBJECT_ORG;
		simd_credit_code(&rng, s->id_no, &sole);
		simd_org_name(&rng, s->id_no, sole, s->name, sizeof s->name);
	}
}

static int
make_population(struct sim_world *w, size_t n, char *err)
{
	w->subjects = calloc(n ? n : 1, sizeof *w->subjects);
	size_t slots = 16;
	while (slots < 2 * n)
		slots *= 2;
	w->index_slots = calloc(slots, sizeof *w->index_slots);
	if (w->subjects == NULL || w->index_slots == NULL)
		return ck_fail(err, CK_E_NOMEM, "no memory for %zu subjects", n);
	w->n_slots = slots;
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t attempt = 0;; attempt++) {
			draw_subject(w->seed, i, attempt, &w->subjects[i]);
			if (index_insert(w, i) == 0)
				break;
		}
	}
	w->n_subjects = n;
	return CK_OK;
}

int
sim_world_new(uint64_t seed, size_t n_subjects, struct sim_world **out, char *err)
{
	if (out == NULL)
		return ck_fail(err, CK_E_USAGE, "sim_world_new: out is NULL");
	*out = NULL;
	if (n_subjects > MAX_SUBJECTS)
		return ck_fail(err, CK_E_RANGE, "%zu subjects: at most %zu are supported",
		               n_subjects, MAX_SUBJECTS);
	struct sim_world *w = calloc(1, sizeof *w);
	if (w == NULL)
		return ck_fail(err, CK_E_NOMEM, "no memory for the world");
	w->seed = seed;
	int rc = make_instances(w);
	if (rc != CK_OK) {
		ck_fail(err, rc, "no memory for the instances");
		goto out;
	}
	rc = make_population(w, n_subjects, err);
out:
	if (rc != CK_OK) {
		sim_world_free(w);
		return rc;
	}
	*out = w;
	return CK_OK;
}

void
sim_world_free(struct sim_world *world)
{
	if (world == NULL)
		return;
	free(world->instances);
	free(world->subjects);
	free(world->index_slots);
	free(world);
}
