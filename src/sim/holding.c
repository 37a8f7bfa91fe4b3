/* SPDX-License-Identifier: MIT */
/*
 * holding.c: what each instance holds about each subject (sim.h,
 * sim_world_holding), generated on demand and deterministically.
 *
 * Two rngs decide.  The subject's profile, seeded from (seed, subject),
 * says what is true everywhere: unknown to every institution, the one
 * instance (if any) that holds the identifier under another name, and how
 * well off the subject is.  The holding rng, seeded from (seed, subject,
 * instance id), draws the records of one instance.  So adding an instance
 * changes nothing about the others, and a holding can be rebuilt at any
 * time from the identities alone.
 *
 * Distributions are meant to look like an enforcement court's debtors:
 * most hold little, a few hold a lot, and encumbrances (freezes, mortgages,
 * seizures) are common.  Every rule of the spec that relates values is kept
 * here: freezes in effect never add up to more than the book balance, the
 * available balance never exceeds the book balance less them, an account
 * frozen in effect says FRZN, flags agree with the lists they summarise.
 */
#include "sim.h"
#include "simdata.h"
#include "chakong/error.h"
#include "chakong/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_PROFILE 0x2f
#define TAG_HOLDING 0x3b
#define TAG_ALIAS   0x47

/* Per mille of subjects unknown to every instance, and of subjects held
 * under another name at exactly one instance. */
#define UNKNOWN_PERMILLE  30
#define MISMATCH_PERMILLE 30

struct profile {
	int unknown;
	int mismatch; /* instance index, or -1 */
	int tier;     /* 0 holds little, 1 modest, 2 well off */
};

static int
applicable(const struct sim_instance *in, const struct sim_subject *s)
{
	return !(in->kind == SIM_SOCIALSEC && s->kind == CK_SUBJECT_ORG);
}

static void
profile_of(const struct sim_world *w, const struct sim_subject *s, struct profile *p)
{
	struct sim_rng rng;
	sim_rng_seed(&rng, w->seed, s->index, TAG_PROFILE, 0);
	uint64_t r = sim_rng_below(&rng, 1000);
	p->tier = r < 600 ? 0 : r < 900 ? 1 : 2;
	p->unknown = sim_rng_chance(&rng, UNKNOWN_PERMILLE);
	p->mismatch = -1;
	if (p->unknown || !sim_rng_chance(&rng, MISMATCH_PERMILLE) || w->n_instances == 0)
		return;
	size_t n = 0;
	for (size_t i = 0; i < w->n_instances; i++)
		n += (size_t)applicable(&w->instances[i], s);
	size_t pick = (size_t)sim_rng_below(&rng, n ? n : 1);
	for (size_t i = 0; i < w->n_instances; i++) {
		if (applicable(&w->instances[i], s) && pick-- == 0) {
			p->mismatch = (int)i;
			break;
		}
	}
}

/* ---- Small draws ---------------------------------------------------------- */

/* A draw from a table of weights summing to 1000: the index chosen. */
static size_t
weighted(struct sim_rng *rng, const unsigned *weights, size_t n)
{
	uint64_t r = sim_rng_below(rng, 1000);
	for (size_t i = 0; i < n; i++) {
		if (r < weights[i])
			return i;
		r -= weights[i];
	}
	return n - 1;
}

/* Between lo and hi inclusive. */
static int64_t
between(struct sim_rng *rng, int64_t lo, int64_t hi)
{
	return lo + (int64_t)sim_rng_below(rng, (uint64_t)(hi - lo + 1));
}

/* An amount in hundredths, roughly log-uniform up to 10^max_exp units:
 * debtors' balances are mostly small with a long tail. */
static int64_t
amount_upto(struct sim_rng *rng, int max_exp)
{
	int64_t scale = 100;
	for (int e = (int)sim_rng_below(rng, (uint64_t)max_exp + 1); e > 0; e--)
		scale *= 10;
	return (int64_t)sim_rng_below(rng, (uint64_t)scale) + 1;
}

static void
digits(struct sim_rng *rng, char *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)('0' + sim_rng_below(rng, 10));
	out[n] = '\0';
}

static void
copy_text(char *dst, size_t size, const char *src)
{
	simd_copy(dst, size, src);
}

/* "泰兴市" -> "泰兴": the short form branch names use. */
static void
short_district(const char *district, char *out, size_t outsz)
{
	copy_text(out, outsz, district);
	size_t n = strlen(out);
	if (n > 3 && strcmp(out + n - 3, "市") == 0)
		out[n - 3] = '\0';
}

/* A local court's enforcement case number of a recent year. */
static void
court_ref(struct sim_rng *rng, const struct simd_court *court, const char *type, char *out,
          size_t outsz)
{
	simd_case_no(court, (int)between(rng, 2021, 2024), (unsigned)between(rng, 1, 3000), type,
	             out, outsz);
}

/* ---- Banks ----------------------------------------------------------------- */

struct bank_style {
	const char *bic;
	const char *debit; /* 7 digits, then 12: a personal account or debit card */
	const char *card;  /* 7 digits, then 9: a credit card */
	const char *corp;  /* 4 digits, then 15: a corporate account or a loan */
	const char *wealth;
};

static const struct bank_style bank_styles[] = {
    {"ICBKCNBJ", "6222021", "4270201", "1116", "GY"},
    {"BKCHCNBJ", "6217856", "4563510", "4772", "ZY"},
    {"PCBCCNBJ", "6217001", "4367421", "3205", "JY"},
    {"", "6228480", "6259650", "1000", "LC"},
};

static const struct bank_style *
bank_style(const struct sim_instance *in)
{
	size_t n = SIMD_COUNT(bank_styles);
	for (size_t i = 0; i + 1 < n; i++)
		if (strcmp(in->code, bank_styles[i].bic) == 0)
			return &bank_styles[i];
	return &bank_styles[n - 1];
}

static const char *const branches[] = {
    "泰兴支行", "靖江支行", "兴化支行", "泰州分行营业部", "海陵支行",         "姜堰支行",
    "高港支行", "济川支行", "黄桥支行", "南京分行",       "江苏省分行营业部", "靖城支行",
};

static const char *const wealth_names[] = {
    "稳利365天", "天天盈1号", "添利宝", "安享90天", "周周利",   "月月享",
    "季季红",    "半年盈",    "双月鑫", "智享1年",  "鑫益理财", "安心得利",
};

static int
is_asset_type(const char *type)
{
	return strcmp(type, "CACC") == 0 || strcmp(type, "SVGS") == 0 || strcmp(type, "TDEP") == 0;
}

static const char *
account_type(struct sim_rng *rng, const struct sim_subject *s, size_t j)
{
	static const char *const person_types[] = {"SVGS", "CACC", "TDEP", "CARD", "LOAN"};
	static const unsigned person_w[] = {300, 250, 100, 200, 150};
	static const char *const org_types[] = {"CACC", "TDEP", "LOAN"};
	static const unsigned org_w[] = {600, 150, 250};
	if (j == 0) /* everyone's first account is where money comes in */
		return s->kind == CK_SUBJECT_PERSON && sim_rng_chance(rng, 550) ? "SVGS" : "CACC";
	if (s->kind == CK_SUBJECT_PERSON)
		return person_types[weighted(rng, person_w, SIMD_COUNT(person_w))];
	return org_types[weighted(rng, org_w, SIMD_COUNT(org_w))];
}

static void
account_id(struct sim_rng *rng, const struct bank_style *st, const struct sim_subject *s,
           const char *type, char *out, size_t outsz)
{
	char tail[24];
	if (strcmp(type, "CARD") == 0) {
		digits(rng, tail, 9);
		simd_format(out, outsz, "%s%s", st->card, tail);
	} else if (s->kind == CK_SUBJECT_ORG || strcmp(type, "LOAN") == 0) {
		digits(rng, tail, 15);
		simd_format(out, outsz, "%s%s", st->corp, tail);
	} else {
		digits(rng, tail, 12);
		simd_format(out, outsz, "%s%s", st->debit, tail);
	}
}

static int64_t
asset_balance(struct sim_rng *rng, const char *type, int tier)
{
	static const int max_exp[] = {3, 5, 6};
	if (sim_rng_chance(rng, 200))
		return 0;
	int64_t v = amount_upto(rng, max_exp[tier]);
	return strcmp(type, "TDEP") == 0 ? v * 10 : v;
}

static void
freeze_fill(struct sim_rng *rng, struct sim_freeze *f, int seq, int64_t amount)
{
	const struct simd_court *court = simd_any_court(rng);
	copy_text(f->authority, sizeof f->authority, court->name);
	court_ref(rng, court, sim_rng_chance(rng, 300) ? "执保" : "执", f->ref, sizeof f->ref);
	f->seq = seq;
	f->amount = amount;
	/* A deposit freeze lasts a year from when it was made. */
	f->expires_on = simd_reference_day() - between(rng, 0, 300) + 365;
}

/* Freezes of an asset account with a positive book balance: some in
 * effect (their sum at most the book balance), maybe some queued. */
static int
add_freezes(struct sim_rng *rng, struct sim_account *a, int64_t *held)
{
	*held = 0;
	if (a->book <= 0 || !sim_rng_chance(rng, 150))
		return CK_OK;
	size_t effective = sim_rng_chance(rng, 250) ? 2 : 1;
	size_t queued = sim_rng_chance(rng, 400) ? 1 + (size_t)sim_rng_below(rng, 2) : 0;
	a->freezes = calloc(effective + queued, sizeof *a->freezes);
	if (a->freezes == NULL)
		return CK_E_NOMEM;
	int64_t left = a->book;
	for (size_t k = 0; k < effective && left > 0; k++) {
		/* Often the whole balance is held; otherwise a part of it. */
		int64_t amt = sim_rng_chance(rng, 400) ? left : between(rng, 1, left);
		freeze_fill(rng, &a->freezes[a->n_freezes++], 1, amt);
		left -= amt;
		*held += amt;
	}
	for (size_t k = 0; k < queued; k++)
		freeze_fill(rng, &a->freezes[a->n_freezes++], 2 + (int)k,
		            amount_upto(rng, 5) + 100000);
	return CK_OK;
}

/* About 3% of open accounts were opened in the year after the reference
 * date: banks answer them only once their clock has reached the opening
 * day, so a re-inquiry six months on finds new accounts (sim_holding_as_of).
 * Decided from the account number, not from the generator, so that adding
 * this did not change any other part of the world. */
static void
opened_later(struct sim_account *a)
{
	uint32_t h = 2166136261u;
	for (const char *p = a->id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	if (h % 1000 < 30)
		a->opened_on = simd_reference_day() + 1 + (int64_t)(h / 1000 % 360);
}

static int
make_account(struct sim_rng *rng, const struct sim_instance *in, const struct sim_subject *s,
             int tier, size_t j, struct sim_account *a)
{
	const char *type = account_type(rng, s, j);
	copy_text(a->type, sizeof a->type, type);
	account_id(rng, bank_style(in), s, type, a->id, sizeof a->id);
	static const char *const foreign[] = {"USD", "USD", "EUR", "HKD", "HKD"};
	int asset = is_asset_type(type);
	copy_text(a->currency, sizeof a->currency,
	          asset && j > 0 && sim_rng_chance(rng, 100) ? SIMD_PICK(rng, foreign) : "CNY");
	copy_text(a->status, sizeof a->status, "ENAB");
	if (sim_rng_chance(rng, 900))
		copy_text(a->branch, sizeof a->branch, SIMD_PICK(rng, branches));
	a->opened_on =
	    sim_rng_chance(rng, 950) ? simd_reference_day() - between(rng, 200, 6500) : -1;
	if (asset && j > 0 && sim_rng_chance(rng, 50)) {
		copy_text(a->status, sizeof a->status, "CLOS");
		a->book = 0;
		a->has_available = 1;
		return CK_OK;
	}
	opened_later(a);
	if (!asset) {
		/* Liabilities: a loan's balance is negative, like a card's debt. */
		a->book = strcmp(type, "LOAN") == 0  ? -between(rng, 1000000, 200000000)
		          : sim_rng_chance(rng, 300) ? 0
		                                     : -amount_upto(rng, 4 + tier / 2);
		return CK_OK;
	}
	a->book = sim_rng_chance(rng, 10) ? -amount_upto(rng, 3) : asset_balance(rng, type, tier);
	int64_t held = 0;
	if (add_freezes(rng, a, &held) != CK_OK)
		return CK_E_NOMEM;
	if (held > 0)
		copy_text(a->status, sizeof a->status, "FRZN");
	else if (a->book < 10000 && sim_rng_chance(rng, 80))
		copy_text(a->status, sizeof a->status, "DORM");
	a->has_available = !sim_rng_chance(rng, 60);
	int64_t free_part = a->book - held;
	/* The bank's own holds (a pending card payment) sometimes reduce it. */
	int64_t hold =
	    free_part > 0 && sim_rng_chance(rng, 50) ? between(rng, 0, free_part / 10) : 0;
	a->available = free_part - hold;
	return CK_OK;
}

static void
make_wealth(struct sim_rng *rng, const struct sim_instance *in, int tier, struct sim_wealth *p)
{
	simd_format(p->product_id, sizeof p->product_id, "%s%d%c%03u", bank_style(in)->wealth,
	            (int)between(rng, 2019, 2024), (char)('A' + sim_rng_below(rng, 6)),
	            1 + (unsigned)sim_rng_below(rng, 200));
	copy_text(p->product_name, sizeof p->product_name, SIMD_PICK(rng, wealth_names));
	copy_text(p->currency, sizeof p->currency, sim_rng_chance(rng, 60) ? "USD" : "CNY");
	p->market_value = 100000 + amount_upto(rng, tier >= 2 ? 6 : 5);
	p->matures_on =
	    sim_rng_chance(rng, 700) ? simd_reference_day() + between(rng, 30, 700) : -1;
}

static int
gen_bank(struct sim_rng *rng, const struct sim_instance *in, const struct sim_subject *s,
         const struct profile *p, int forced, struct sim_holding *h)
{
	if (!forced && !sim_rng_chance(rng, 350 + 150 * (unsigned)p->tier))
		return CK_OK;
	size_t n_acc = p->tier == 0   ? 1 + (size_t)sim_rng_below(rng, 2)
	               : p->tier == 1 ? 1 + (size_t)sim_rng_below(rng, 3)
	                              : 2 + (size_t)sim_rng_below(rng, 4);
	static const unsigned wealth_chance[] = {30, 200, 600};
	size_t n_wl = sim_rng_chance(rng, wealth_chance[p->tier])
	                  ? 1 + (size_t)sim_rng_below(rng, p->tier == 2 ? 3 : 1)
	                  : 0;
	h->accounts = calloc(n_acc, sizeof *h->accounts);
	h->wealth = n_wl ? calloc(n_wl, sizeof *h->wealth) : NULL;
	if (h->accounts == NULL || (n_wl && h->wealth == NULL))
		return CK_E_NOMEM;
	for (size_t j = 0; j < n_acc; j++) {
		h->n_accounts++;
		if (make_account(rng, in, s, p->tier, j, &h->accounts[j]) != CK_OK)
			return CK_E_NOMEM;
	}
	for (size_t j = 0; j < n_wl; j++)
		make_wealth(rng, in, p->tier, &h->wealth[h->n_wealth++]);
	return CK_OK;
}

/* ---- Real estate ------------------------------------------------------------ */

struct use_def {
	const char *use;
	int64_t min_area, max_area; /* hundredths of m² */
	unsigned mortgage_permille;
};

static const struct use_def uses[] = {
    {"住宅", 5500, 18000, 450}, {"车库", 1000, 4000, 0},      {"商业", 2000, 30000, 350},
    {"办公", 5000, 40000, 300}, {"工业", 50000, 800000, 400}, {"其他", 1000, 10000, 100},
};

static const struct use_def *
pick_use(struct sim_rng *rng, const struct sim_subject *s)
{
	static const unsigned person_w[] = {650, 150, 100, 50, 0, 50};
	static const unsigned org_w[] = {100, 0, 250, 250, 350, 50};
	return &uses[weighted(rng, s->kind == CK_SUBJECT_PERSON ? person_w : org_w,
	                      SIMD_COUNT(uses))];
}

static void
ownership(struct sim_rng *rng, struct sim_property *pr)
{
	static const char *const shares[] = {"50%", "1/2", "1/3", "33.33%", "2/3",
	                                     "60%", "40%", "70%", "30%"};
	uint64_t r = sim_rng_below(rng, 1000);
	if (r < 550) {
		copy_text(pr->ownership, sizeof pr->ownership, "单独所有");
		uint64_t w = sim_rng_below(rng, 10);
		copy_text(pr->share, sizeof pr->share, w < 5 ? "" : w < 8 ? "全部" : "100%");
	} else if (r < 800) {
		/* Joint ownership without shares: QLBL absent, nothing to invent. */
		copy_text(pr->ownership, sizeof pr->ownership, "共同共有");
	} else {
		copy_text(pr->ownership, sizeof pr->ownership, "按份共有");
		copy_text(pr->share, sizeof pr->share, SIMD_PICK(rng, shares));
	}
}

static int
add_mortgages(struct sim_rng *rng, const struct sim_instance *in, const struct use_def *u,
              struct sim_property *pr)
{
	if (!sim_rng_chance(rng, u->mortgage_permille))
		return CK_OK;
	size_t n = sim_rng_chance(rng, 100) ? 2 : 1;
	pr->mortgages = calloc(n, sizeof *pr->mortgages);
	if (pr->mortgages == NULL)
		return CK_E_NOMEM;
	char place[32];
	short_district(in->district, place, sizeof place);
	for (size_t k = 0; k < n; k++) {
		struct sim_mortgage *m = &pr->mortgages[pr->n_mortgages++];
		const char *bank = simd_banks[sim_rng_below(rng, 8)];
		simd_format(m->holder, sizeof m->holder, "%s%s支行", bank, place);
		m->secured = between(rng, 100, 1500) * 100000;
		m->starts_on = pr->registered_on + between(rng, 0, 60) + (int64_t)k * 400;
		if (m->starts_on >= simd_reference_day())
			m->starts_on = simd_reference_day() - 1;
		m->ends_on =
		    ck_date_add_months(m->starts_on, sim_rng_chance(rng, 500) ? 240 : 360) - 1;
	}
	return CK_OK;
}

static void
seizure_fill(struct sim_rng *rng, struct sim_seizure *z, int position, int64_t starts_on)
{
	const struct simd_court *court = simd_any_court(rng);
	copy_text(z->authority, sizeof z->authority, court->name);
	court_ref(rng, court, "执", z->ref, sizeof z->ref);
	z->queued = position > 1;
	z->position = position;
	z->starts_on = starts_on;
	/* A seizure of real estate lapses after three years unless renewed. */
	z->ends_on = ck_date_add_months(starts_on, 36) - 1;
}

static int
add_seizures(struct sim_rng *rng, int tier, struct sim_property *pr)
{
	if (!sim_rng_chance(rng, 120 + 40 * (unsigned)tier))
		return CK_OK;
	size_t n = sim_rng_chance(rng, 450) ? 2 + (size_t)sim_rng_below(rng, 2) : 1;
	pr->seizures = calloc(n, sizeof *pr->seizures);
	if (pr->seizures == NULL)
		return CK_E_NOMEM;
	int64_t ref = simd_reference_day();
	int64_t start = ref - between(rng, 30, 900);
	for (size_t k = 0; k < n; k++) {
		seizure_fill(rng, &pr->seizures[pr->n_seizures++], (int)k + 1, start);
		/* Queued seizures come later, but all before the reference date. */
		start += between(rng, 1, (ref - start) / 2 > 1 ? (ref - start) / 2 : 1);
	}
	return CK_OK;
}

static void
unit_ids(struct sim_rng *rng, const struct sim_instance *in, int64_t registered_on,
         struct sim_property *pr)
{
	char parcel[8], unit[12], cert[12];
	digits(rng, parcel, 5);
	digits(rng, unit, 4);
	digits(rng, cert, 7);
	simd_format(pr->unit_id, sizeof pr->unit_id, "%.6s%03u%03uGB%sF0001%s", in->code,
	            1 + (unsigned)sim_rng_below(rng, 20), 1 + (unsigned)sim_rng_below(rng, 60),
	            parcel, unit);
	int year, month, day;
	ck_civil_from_days(registered_on, &year, &month, &day);
	simd_format(pr->certificate, sizeof pr->certificate, "苏(%d)%s不动产权第%s号", year,
	            in->district, cert);
}

static int
make_property(struct sim_rng *rng, const struct sim_instance *in, const struct sim_subject *s,
              int tier, struct sim_property *pr)
{
	const struct use_def *u = pick_use(rng, s);
	copy_text(pr->use, sizeof pr->use, u->use);
	pr->registered_on = ck_days_from_civil(2016, 1, 1) + between(rng, 0, 2900);
	unit_ids(rng, in, pr->registered_on, pr);
	if (strcmp(u->use, "车库") == 0)
		simd_parking(rng, in->district, pr->location, sizeof pr->location);
	else
		simd_address(rng, in->district, pr->location, sizeof pr->location);
	pr->area = between(rng, u->min_area, u->max_area);
	uint64_t r = sim_rng_below(rng, 1000);
	pr->area_suffix = r < 100 ? 1 : r < 150 ? 2 : 0;
	ownership(rng, pr);
	if (add_mortgages(rng, in, u, pr) != CK_OK || add_seizures(rng, tier, pr) != CK_OK)
		return CK_E_NOMEM;
	return CK_OK;
}

static int
gen_realestate(struct sim_rng *rng, const struct sim_instance *in, const struct sim_subject *s,
               const struct profile *p, int forced, struct sim_holding *h)
{
	static const unsigned owns[] = {150, 350, 650};
	if (!forced && !sim_rng_chance(rng, owns[p->tier]))
		return CK_OK;
	size_t n = 1 + (sim_rng_chance(rng, 350) ? 1 + (size_t)sim_rng_below(rng, 2) : 0);
	h->properties = calloc(n, sizeof *h->properties);
	if (h->properties == NULL)
		return CK_E_NOMEM;
	for (size_t k = 0; k < n; k++) {
		h->n_properties++;
		if (make_property(rng, in, s, p->tier, &h->properties[k]) != CK_OK)
			return CK_E_NOMEM;
	}
	return CK_OK;
}

/* ---- Vehicles ----------------------------------------------------------------- */

struct model_def {
	const char *wmi, *brand, *model;
	int new_energy, large;
};

static const struct model_def models[] = {
    {"LSV", "大众", "SVW7167", 0, 0},         {"LSV", "大众", "SVW71810", 0, 0},
    {"LFV", "一汽大众", "FV7148", 0, 0},      {"LGX", "比亚迪", "BYD7005BEV", 1, 0},
    {"LGX", "比亚迪", "BYD6470ST6HEV", 1, 0}, {"LVS", "长安福特", "CAF7150A", 0, 0},
    {"LHG", "广汽本田", "GHA7150", 0, 0},     {"LGB", "东风日产", "DFL7168", 0, 0},
    {"LVG", "广汽丰田", "GTM6480", 0, 0},     {"LZW", "五菱", "LZW7001EVA", 1, 0},
    {"LRW", "特斯拉", "TSL7000BEV", 1, 0},    {"LFW", "解放", "CA4250P66", 0, 1},
    {"LZZ", "重汽", "ZZ1257N", 0, 1},         {"LGX", "比亚迪", "BYD6121EV", 1, 1},
};

/* What zt says: mostly normal, some encumbered, a few letters the spec does
 * not know ("Z"): they must be kept, not dropped. */
static const char *const statuses[] = {"A", "G", "K", "GK", "Q", "KQ", "D", "L",
                                       "P", "E", "B", "GQ", "Z", "AZ", "C"};
static const unsigned status_w[] = {680, 80, 50, 40, 30, 15, 15, 15, 15, 10, 10, 15, 10, 5, 10};

static const char vin_chars[] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

static int
vin_value(char c)
{
	static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
	static const int values[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
	                             5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
	if (c >= '0' && c <= '9')
		return c - '0';
	const char *hit = strchr(letters, c);
	return hit ? values[hit - letters] : 0;
}

/* A VIN with its check character (position 9, ISO 3779 / GB 16735). */
static void
make_vin(struct sim_rng *rng, const char *wmi, int year, char out[18])
{
	static const int weights[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
	static const char years[] = "ABCDEFGHJKLMNPRSTVWXY123456789";
	memcpy(out, wmi, 3);
	for (int i = 3; i < 8; i++)
		out[i] = vin_chars[sim_rng_below(rng, sizeof vin_chars - 1)];
	out[9] = years[(year - 2010 + 30) % 30];
	out[10] = vin_chars[sim_rng_below(rng, sizeof vin_chars - 1)];
	for (int i = 11; i < 17; i++)
		out[i] = (char)('0' + sim_rng_below(rng, 10));
	out[8] = '0';
	int sum = 0;
	for (int i = 0; i < 17; i++)
		sum += vin_value(out[i]) * weights[i];
	out[8] = sum % 11 == 10 ? 'X' : (char)('0' + sum % 11);
	out[17] = '\0';
}

static void
make_plate(struct sim_rng *rng, const struct model_def *m, char *out, size_t outsz)
{
	static const char letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
	char tail[8];
	if (m->new_energy) {
		digits(rng, tail + 1, 5);
		tail[0] = sim_rng_chance(rng, 700) ? 'D' : 'F';
	} else {
		tail[0] = letters[sim_rng_below(rng, sizeof letters - 1)];
		for (int i = 1; i < 5; i++)
			tail[i] = sim_rng_chance(rng, 150) ? letters[sim_rng_below(rng, 24)]
			                                   : (char)('0' + sim_rng_below(rng, 10));
		tail[5] = '\0';
	}
	simd_format(out, outsz, "苏M%s", tail);
}

static void
make_vehicle(struct sim_rng *rng, const struct sim_subject *s, struct sim_vehicle *v)
{
	const struct model_def *m;
	do
		m = &models[sim_rng_below(rng, SIMD_COUNT(models))];
	while (m->large && s->kind == CK_SUBJECT_PERSON && sim_rng_chance(rng, 900));
	copy_text(v->plate_kind, sizeof v->plate_kind,
	          m->new_energy ? (m->large ? "51" : "52") : (m->large ? "01" : "02"));
	make_plate(rng, m, v->plate, sizeof v->plate);
	copy_text(v->brand, sizeof v->brand, m->brand);
	copy_text(v->model, sizeof v->model, m->model);
	v->registered_on = ck_days_from_civil(2008, 1, 1) + between(rng, 0, 5800);
	int year, month, day;
	ck_civil_from_days(v->registered_on, &year, &month, &day);
	make_vin(rng, m->wmi, year, v->vin);
	copy_text(v->status, sizeof v->status,
	          statuses[weighted(rng, status_w, SIMD_COUNT(status_w))]);
	v->mortgaged = sim_rng_chance(rng, 200);
}

static int
gen_vehicle(struct sim_rng *rng, const struct sim_subject *s, const struct profile *p, int forced,
            struct sim_holding *h)
{
	unsigned chance = s->kind == CK_SUBJECT_PERSON ? 300 + 100 * (unsigned)p->tier : 350;
	if (!forced && !sim_rng_chance(rng, chance))
		return CK_OK;
	size_t n =
	    1 +
	    (sim_rng_chance(rng, 250) ? 1 + (size_t)sim_rng_below(rng, (uint64_t)p->tier + 1) : 0);
	h->vehicles = calloc(n, sizeof *h->vehicles);
	if (h->vehicles == NULL)
		return CK_E_NOMEM;
	for (size_t k = 0; k < n; k++)
		make_vehicle(rng, s, &h->vehicles[h->n_vehicles++]);
	return CK_OK;
}

/* ---- Social insurance ----------------------------------------------------------- */

/* An employer: an organisation of the population when one is found near a
 * random place (so the lead can be followed), else a made-up one. */
static void
employer(struct sim_rng *rng, const struct sim_world *w, struct sim_employment *e)
{
	if (w->n_subjects > 0) {
		size_t at = (size_t)sim_rng_below(rng, w->n_subjects);
		for (int tries = 0; tries < 32; tries++, at = (at + 1) % w->n_subjects) {
			const struct sim_subject *o = &w->subjects[at];
			if (o->kind == CK_SUBJECT_ORG) {
				copy_text(e->employer, sizeof e->employer, o->name);
				memcpy(e->employer_code, o->id_no, CK_ID_BUF);
				return;
			}
		}
	}
	simd_credit_code(rng, e->employer_code, NULL);
	simd_org_name(rng, e->employer_code, 0, e->employer, sizeof e->employer);
}

/* Months are counted as year * 12 + (month - 1). */
static void
set_month(int m, int *year, int *month)
{
	*year = m / 12;
	*month = m % 12 + 1;
}

static int
add_employments(struct sim_rng *rng, const struct sim_world *w, int age, int retired,
                struct sim_holding *h)
{
	size_t n = 1 + (size_t)sim_rng_below(rng, 3);
	h->employments = calloc(n, sizeof *h->employments);
	if (h->employments == NULL)
		return CK_E_NOMEM;
	static const char *const insurances[] = {"PENSION", "MEDICAL", "UNEMPLOYMENT", "INJURY",
	                                         "MATERNITY"};
	static const unsigned insurance_w[] = {700, 200, 60, 30, 10};
	int ref = SIMD_REFERENCE_YEAR * 12 + SIMD_REFERENCE_MONTH - 1;
	int earliest = ref - 12 * (age - 18); /* nobody contributes before 18 */
	int end = retired ? ref - 12 * (age - 60) - (int)sim_rng_below(rng, 12) : ref - 1;
	if (end > ref - 1) /* the last month paid is before the reference date */
		end = ref - 1;
	/* Newest first: the current (or last) job, then earlier ones. */
	for (size_t k = 0; k < n; k++) {
		if (k > 0 && end - 3 < earliest)
			break;
		struct sim_employment *e = &h->employments[h->n_employments++];
		employer(rng, w, e);
		copy_text(e->insurance, sizeof e->insurance,
		          insurances[weighted(rng, insurance_w, SIMD_COUNT(insurance_w))]);
		e->monthly_base = between(rng, 35, 250) * 10000;
		const char *state = "ENDED";
		if (k == 0 && !retired) {
			uint64_t r = sim_rng_below(rng, 10);
			state = r < 7 ? "ACTIVE" : r < 8 ? "SUSPENDED" : "ENDED";
		}
		copy_text(e->state, sizeof e->state, state);
		int last = strcmp(state, "ACTIVE") == 0 ? end : end - (int)sim_rng_below(rng, 18);
		if (last < earliest)
			last = earliest;
		int since = last - 3 - (int)sim_rng_below(rng, 96);
		if (since < earliest)
			since = earliest;
		set_month(last, &e->last_paid_year, &e->last_paid_month);
		set_month(since, &e->since_year, &e->since_month);
		end = since - 1 - (int)sim_rng_below(rng, 6);
	}
	return CK_OK;
}

static int
gen_socialsec(struct sim_rng *rng, const struct sim_world *w, const struct sim_subject *s,
              int forced, struct sim_holding *h)
{
	if (s->kind != CK_SUBJECT_PERSON)
		return CK_OK;
	int age = SIMD_REFERENCE_YEAR - simd_birth_year(s->id_no);
	int retired = age >= 60;
	if (retired && sim_rng_chance(rng, 850)) {
		h->pension.present = 1;
		h->pension.monthly = between(rng, 1500, 6500) * 100 + between(rng, 0, 99);
		copy_text(h->pension.paying_bank, sizeof h->pension.paying_bank,
		          simd_banks[sim_rng_below(rng, simd_n_banks)]);
	}
	int works = age >= 18 && age < 75 && sim_rng_chance(rng, retired ? 400 : 700);
	if (works || (forced && !h->pension.present))
		return add_employments(rng, w, age < 18 ? 18 : age, retired, h);
	return CK_OK;
}

/* ---- E-commerce ------------------------------------------------------------- */

static void
wallet(struct sim_rng *rng, const struct sim_instance *in, const struct sim_subject *s, int tier,
       struct sim_item *it)
{
	it->type = SIM_ITEM_ACCOUNT;
	char num[16];
	if (strcmp(in->code, "ALIPAY") == 0) {
		digits(rng, num, 12);
		simd_format(it->user_id, sizeof it->user_id, "2088%s", num);
	} else {
		simd_format(it->user_id, sizeof it->user_id, "jd_%010llx",
		            (unsigned long long)(sim_rng_next(rng) & 0xffffffffffull));
	}
	if (s->kind == CK_SUBJECT_PERSON || sim_rng_chance(rng, 500)) {
		static const char *const second[] = {"3", "5", "8", "7", "9"};
		char a[4], b[8];
		digits(rng, a, 1);
		digits(rng, b, 4);
		simd_format(it->mobile, sizeof it->mobile, "1%s%s****%s", SIMD_PICK(rng, second), a,
		            b);
	}
	it->balance = sim_rng_chance(rng, 250) ? 0 : amount_upto(rng, 2 + tier);
	it->has_fund = sim_rng_chance(rng, 550);
	it->fund_balance = it->has_fund ? amount_upto(rng, 3 + tier) : 0;
	int64_t total = it->balance + it->fund_balance;
	it->frozen = sim_rng_chance(rng, 80) && total > 0 ? between(rng, 1, total) : 0;
}

static void
spending(struct sim_rng *rng, int tier, int older, struct sim_item *it)
{
	it->type = SIM_ITEM_SPENDING;
	copy_text(it->period, sizeof it->period, older ? "2023-03/2023-08" : "2023-09/2024-02");
	it->total = amount_upto(rng, 4 + tier);
	it->flights = (int)sim_rng_below(rng, 2 + 3 * (uint64_t)tier);
	it->hotels = (int)sim_rng_below(rng, 2 + 4 * (uint64_t)tier);
	it->luxury = (int)sim_rng_below(rng, 1 + 2 * (uint64_t)tier);
}

static void
delivery_address(struct sim_rng *rng, struct sim_item *it)
{
	char place[128];
	const char *district = simd_district(rng);
	it->type = SIM_ITEM_ADDRESS;
	simd_address(rng, district, place, sizeof place);
	simd_format(it->address, sizeof it->address, "%s%s",
	            strncmp(district, "泰州市", strlen("泰州市")) == 0 ? "江苏省" : "江苏省泰州市",
	            place);
	it->last_used_on = simd_reference_day() - between(rng, 1, 700);
}

static void
bound_card(struct sim_rng *rng, struct sim_item *it)
{
	it->type = SIM_ITEM_CARD;
	copy_text(it->bank, sizeof it->bank, simd_banks[sim_rng_below(rng, simd_n_banks)]);
	digits(rng, it->card_tail, 4);
}

static int
gen_ecommerce(struct sim_rng *rng, const struct sim_instance *in, const struct sim_subject *s,
              const struct profile *p, int forced, struct sim_holding *h)
{
	int person = s->kind == CK_SUBJECT_PERSON;
	if (!forced && !sim_rng_chance(rng, person ? 650 : 150))
		return CK_OK;
	size_t accounts = sim_rng_chance(rng, 80) ? 2 : 1;
	size_t cards = (size_t)sim_rng_below(rng, person ? 4 : 2);
	size_t addresses =
	    person ? (size_t)sim_rng_below(rng, 4) : (size_t)sim_rng_chance(rng, 300);
	size_t spends =
	    person && sim_rng_chance(rng, 600) ? 1 + (size_t)sim_rng_chance(rng, 250) : 0;
	if (sim_rng_chance(rng, 60)) { /* a busy buyer: many pages */
		cards += 2 + (size_t)sim_rng_below(rng, 3);
		addresses += 2 + (size_t)sim_rng_below(rng, 4);
	}
	size_t n = accounts + cards + addresses + spends;
	h->items = calloc(n, sizeof *h->items);
	if (h->items == NULL)
		return CK_E_NOMEM;
	for (size_t k = 0; k < accounts; k++)
		wallet(rng, in, s, p->tier, &h->items[h->n_items++]);
	for (size_t k = 0; k < cards; k++)
		bound_card(rng, &h->items[h->n_items++]);
	for (size_t k = 0; k < addresses; k++)
		delivery_address(rng, &h->items[h->n_items++]);
	for (size_t k = 0; k < spends; k++)
		spending(rng, p->tier, (int)k, &h->items[h->n_items++]);
	/* Items of every type may come on any page: shuffle them. */
	for (size_t k = n; k > 1; k--) {
		size_t j = (size_t)sim_rng_below(rng, k);
		struct sim_item t = h->items[k - 1];
		h->items[k - 1] = h->items[j];
		h->items[j] = t;
	}
	return CK_OK;
}

/* ---- The holding ------------------------------------------------------------ */

static size_t
record_count(const struct sim_holding *h)
{
	return h->n_accounts + h->n_wealth + h->n_properties + h->n_vehicles + h->n_employments +
	       (size_t)h->pension.present + h->n_items;
}

static void
registered_name(const struct sim_world *w, const struct sim_subject *s, char *out, size_t outsz)
{
	struct sim_rng rng;
	sim_rng_seed(&rng, w->seed, s->index, TAG_ALIAS, 0);
	if (s->kind == CK_SUBJECT_PERSON)
		simd_person_alias(&rng, s->name, simd_is_female(s->id_no), out, outsz);
	else
		simd_org_alias(&rng, s->id_no, s->name, out, outsz);
}

int
sim_world_holding(const struct sim_world *world, const struct sim_instance *instance,
                  const struct sim_subject *subject, struct sim_holding *out)
{
	if (world == NULL || instance == NULL || subject == NULL || out == NULL)
		return CK_E_USAGE;
	*out = (struct sim_holding){0};
	struct profile p;
	profile_of(world, subject, &p);
	if (p.unknown || !applicable(instance, subject))
		return CK_OK;
	int forced = p.mismatch >= 0 && strcmp(world->instances[p.mismatch].id, instance->id) == 0;
	struct sim_rng rng;
	sim_rng_seed(&rng, world->seed, subject->index, sim_hash(instance->id), TAG_HOLDING);
	int rc = CK_OK;
	switch (instance->kind) {
	case SIM_BANK: rc = gen_bank(&rng, instance, subject, &p, forced, out); break;
	case SIM_REALESTATE: rc = gen_realestate(&rng, instance, subject, &p, forced, out); break;
	case SIM_VEHICLE: rc = gen_vehicle(&rng, subject, &p, forced, out); break;
	case SIM_SOCIALSEC: rc = gen_socialsec(&rng, world, subject, forced, out); break;
	case SIM_ECOMMERCE: rc = gen_ecommerce(&rng, instance, subject, &p, forced, out); break;
	default: break;
	}
	if (rc != CK_OK) {
		sim_holding_release(out);
		return rc;
	}
	if (forced) {
		out->status = SIM_SUBJECT_MISMATCH;
		registered_name(world, subject, out->registered_name, sizeof out->registered_name);
	} else {
		out->status = record_count(out) > 0 ? SIM_FOUND : SIM_NOT_FOUND;
	}
	return CK_OK;
}

void
sim_holding_as_of(struct sim_holding *h, int64_t day)
{
	size_t kept = 0, before = h->n_accounts;
	for (size_t i = 0; i < h->n_accounts; i++) {
		if (h->accounts[i].opened_on > day)
			free(h->accounts[i].freezes);
		else
			h->accounts[kept++] = h->accounts[i];
	}
	h->n_accounts = kept;
	if (kept < before && h->status == SIM_FOUND &&
	    kept + h->n_wealth + h->n_properties + h->n_vehicles + h->n_employments + h->n_items ==
	        0 &&
	    !h->pension.present)
		h->status = SIM_NOT_FOUND;
}

void
sim_holding_release(struct sim_holding *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->n_accounts; i++)
		free(h->accounts[i].freezes);
	for (size_t i = 0; i < h->n_properties; i++) {
		free(h->properties[i].mortgages);
		free(h->properties[i].seizures);
	}
	free(h->accounts);
	free(h->wealth);
	free(h->properties);
	free(h->vehicles);
	free(h->employments);
	free(h->items);
	*h = (struct sim_holding){0};
}
