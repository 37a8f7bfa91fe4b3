/* SPDX-License-Identifier: MIT */
/* util.c: the simulator's random numbers (sim.h). */
#include "sim.h"

/* ---- Random numbers ----------------------------------------------------- */

static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void
sim_rng_seed(struct sim_rng *rng, uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	rng->state = mix(mix(mix(seed ^ 0x9e3779b97f4a7c15u) ^ a) ^ b) ^ c;
}

uint64_t
sim_rng_next(struct sim_rng *rng)
{
	rng->state += 0x9e3779b97f4a7c15u;
	return mix(rng->state);
}

uint64_t
sim_rng_below(struct sim_rng *rng, uint64_t n)
{
	/* Rejection sampling keeps small ranges exactly uniform. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do
		v = sim_rng_next(rng);
	while (v >= limit);
	return v % n;
}

int
sim_rng_chance(struct sim_rng *rng, unsigned permille)
{
	return sim_rng_below(rng, 1000) < permille;
}

uint64_t
sim_hash(const char *text)
{
	uint64_t h = 1469598103934665603u;
	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 1099511628211u;
	return h;
}
