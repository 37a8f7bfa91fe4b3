/* SPDX-License-Identifier: MIT */
/*
 * simdata.h: the simulator's word lists and small generators, shared by the
 * population (world.c, holding.c) and the generated files (filings.c):
 * names of people and organisations, identifiers with correct check
 * characters, courts and their case numbers, banks.  Private to src/sim.
 *
 * Every generator draws only from the rng it is given, so what it makes is
 * a function of the seeding of that rng.  Tables are const; nothing here
 * keeps state.
 */
#ifndef CHAKONG_SIM_SIMDATA_H
#define CHAKONG_SIM_SIMDATA_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Number of elements of a const table. */
#define SIMD_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The day the synthetic world is "as of": balances, last payments and
 * spending periods are stated as of 2024-03-01 (the era of the spec's
 * examples), whatever the simulator's clock says. */
#define SIMD_REFERENCE_YEAR  2024
#define SIMD_REFERENCE_MONTH 3

/* Days since 1970-01-01 of the reference date. */
int64_t simd_reference_day(void);

/* A uniformly drawn element of a table of strings. */
const char *simd_pick(struct sim_rng *rng, const char *const *table, size_t n);
#define SIMD_PICK(rng, table) simd_pick((rng), (table), SIMD_COUNT(table))

/* Copies src into dst (of size dstsz > 0), cut short if need be at a
 * character boundary, so the result is always well-formed UTF-8. */
void simd_copy(char *dst, size_t dstsz, const char *src);
/* snprintf into dst with the same cutting rule as simd_copy. */
void simd_format(char *dst, size_t dstsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends src to dst (NUL-terminated, of size dstsz) if it fits whole;
 * returns 0, or -1 (dst unchanged) when it does not. */
int simd_append(char *dst, size_t dstsz, const char *src);

/* ---- People and organisations ------------------------------------------ */

/* A resident identity number: region, a real date of birth between 1940
 * and 2005, sequence (odd for men), MOD 11-2 check character. */
void simd_resident_id(struct sim_rng *rng, char out[CK_ID_BUF]);
/* A unified social credit code of an enterprise (91...) or a sole trader
 * (92...) registered in Taizhou, MOD 31 check character.  *sole_trader
 * (may be NULL) says which. */
void simd_credit_code(struct sim_rng *rng, char out[CK_ID_BUF], int *sole_trader);

/* Year of birth held in a resident identity number. */
int simd_birth_year(const char *id_no);
/* 1 when the resident identity number is a woman's (even sequence). */
int simd_is_female(const char *id_no);

/* A Chinese name: surname and a given name of one or two characters. */
void simd_person_name(struct sim_rng *rng, int female, char *out, size_t outsz);
/* The same person under a different given name (same surname as `name`
 * when it can tell it): the registered name of a SUBJECT_MISMATCH. */
void simd_person_alias(struct sim_rng *rng, const char *name, int female, char *out, size_t outsz);
/* An organisation's name for the credit code: "泰兴市恒达贸易有限公司",
 * a sole trader's "靖江市宏远五金经营部". */
void simd_org_name(struct sim_rng *rng, const char *credit_code, int sole_trader, char *out,
                   size_t outsz);
/* A different name of the same organisation (a renamed company). */
void simd_org_alias(struct sim_rng *rng, const char *credit_code, const char *name, char *out,
                    size_t outsz);

/* ---- Courts, banks, places ---------------------------------------------- */

struct simd_court {
	const char *code; /* "苏1283" */
	const char *name; /* "泰兴市人民法院" */
};

/* Courts of the Taizhou area first (SIMD_LOCAL_COURTS of them: they file
 * the cases), then courts elsewhere that appear only in encumbrances. */
extern const struct simd_court simd_courts[];
extern const size_t simd_n_courts;
#define SIMD_LOCAL_COURTS 7

/* A court drawn from all of them. */
const struct simd_court *simd_any_court(struct sim_rng *rng);
/* "(2023)苏1282执555号": an enforcement case number of court in year. */
void simd_case_no(const struct simd_court *court, int year, unsigned serial, const char *type,
                  char *out, size_t outsz);

/* Names of banks (for paying banks, bound cards and mortgage holders). */
extern const char *const simd_banks[];
extern const size_t simd_n_banks;

/* A district of the Taizhou area: its name as written in addresses. */
const char *simd_district(struct sim_rng *rng);
/* A street address in district ("泰兴市济川街道文昌路18号", "泰兴市黄桥镇
 * 阳光花园5栋302室"); an unknown district reads as the first one. */
void simd_address(struct sim_rng *rng, const char *district, char *out, size_t outsz);
/* A parking space in district ("靖江市新桥镇御景湾地下车库B-12"). */
void simd_parking(struct sim_rng *rng, const char *district, char *out, size_t outsz);

#endif
