/* SPDX-License-Identifier: MIT */
/*
 * server.c: the simulator's HTTP side (server.h).
 *
 * libmicrohttpd in thread-per-connection mode, bound to 127.0.0.1, plain or
 * TLS (GnuTLS, optionally requiring a client certificate).  Requests to
 * "/<instance>/..." go to sim_handle(); this file adds what the kinds leave
 * to the server: the RequestId registry (RequestId -> struct sim_query,
 * ticket -> query), counting, the behaviour knobs, and the faults and
 * latencies they ask for.
 *
 * Locking: each instance has one mutex guarding its registry and its
 * counters; a handler call (sim_handle) runs with its instance's mutex held,
 * so kinds read and update registry entries without locks of their own.
 * Latency sleeps, stalls and sending happen after the mutex is released,
 * in the connection's own thread.  The server's `misc` mutex guards the
 * clock offset and the counters of requests that reach no instance; the
 * `stop` mutex and condition wake sleeping connections at shutdown.  No
 * thread ever holds two of these mutexes at once, except sim_handle()
 * reading the clock value computed before it was called (it does not lock).
 *
 * Sections: behaviour knobs; fault and latency choice; the registry; fault
 * documents; responses made by callbacks (stall, truncated, oversized); the
 * request handler; control endpoints; start, stop and stats.
 */
#include "server.h"

#include "chakong/error.h"
#include "chakong/timeutil.h"
#include "chakong/xmlsafe.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <libxml/parser.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define SECONDS_MAX    315360000u /* ten years: bound of the seconds knobs */
#define PAGE_SIZE_MAX  10000u
#define FIRST_MAX      1000000u
#define SIGMA_X100_MAX 1000u                 /* sigma 10.00 */
#define STALL_MAX_MS   (10u * 60u * 1000u)   /* a stall ends by itself after this */
#define STALL_DECLARED ((uint64_t)1 << 20)   /* the Content-Length a stall promises */
#define ADVANCE_MAX_S  (100LL * 366 * 86400) /* /_clock?advance= bound */
#define SLAB_ENTRIES   256
#define STATUS_MAX     600
#define CONN_TIMEOUT_S 300u

/* ---- Fault classes ---------------------------------------------------------- */

static const char *const fault_names[SIM_FAULT_COUNT_] = {
    [SIM_FAULT_500] = "500",
    [SIM_FAULT_503] = "503",
    [SIM_FAULT_429] = "429",
    [SIM_FAULT_RESET] = "reset",
    [SIM_FAULT_STALL] = "stall",
    [SIM_FAULT_TRUNCATED] = "truncated",
    [SIM_FAULT_MALFORMED] = "malformed",
    [SIM_FAULT_DOCTYPE] = "doctype",
    [SIM_FAULT_BOMB] = "bomb",
    [SIM_FAULT_OVERSIZED] = "oversized",
    [SIM_FAULT_WRONG_SUBJECT] = "wrong_subject",
    [SIM_FAULT_401] = "401",
};

const char *
sim_fault_name(enum sim_fault fault)
{
	return (unsigned)fault < SIM_FAULT_COUNT_ ? fault_names[fault] : "unknown";
}

int
sim_fault_parse(const char *name)
{
	for (int i = 0; name != NULL && i < SIM_FAULT_COUNT_; i++)
		if (strcmp(name, fault_names[i]) == 0)
			return i;
	return -1;
}

/* ---- Behaviour knobs ------------------------------------------------------ */

/* Whole number made of digits only (no sign, no blanks), at most max. */
static int
parse_count(const char *text, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (*text == '\0')
		return -1;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Decimal "I[.F]" with at most `decimals` fraction digits, scaled by
 * 10^decimals, at most max (scaled). */
static int
parse_scaled(const char *text, unsigned decimals, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned frac = 0;
	int seen_dot = 0, digits = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '.' && !seen_dot) {
			seen_dot = 1;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -1;
		if (seen_dot && ++frac > decimals)
			return -1;
		if (v > UINT64_MAX / 100)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		digits++;
	}
	if (digits == 0 || (seen_dot && frac == 0))
		return -1;
	for (; frac < decimals; frac++)
		v *= 10;
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int
apply_latency(struct sim_behaviour *b, const char *value, char *err)
{
	uint64_t x, y;
	char part[32];
	if (strcmp(value, "none") == 0) {
		b->latency = SIM_LAT_NONE;
		b->latency_ms = b->latency_min_ms = b->latency_sigma_x100 = 0;
		return CK_OK;
	}
	if (strncmp(value, "fixed:", 6) == 0) {
		if (parse_count(value + 6, SIM_LATENCY_CAP_MS, &x) != 0)
			return ck_fail(err, CK_E_INVALID,
			               "latency \"%s\": MS must be a whole number of milliseconds, "
			               "at most %u",
			               value, SIM_LATENCY_CAP_MS);
		b->latency = SIM_LAT_FIXED;
		b->latency_ms = (unsigned)x;
		b->latency_min_ms = b->latency_sigma_x100 = 0;
		return CK_OK;
	}
	if (strncmp(value, "uniform:", 8) == 0) {
		const char *dash = strchr(value + 8, '-');
		size_t n = dash ? (size_t)(dash - (value + 8)) : 0;
		if (dash == NULL || n >= sizeof part)
			return ck_fail(err, CK_E_INVALID,
			               "latency \"%s\": expected uniform:MIN-MAX in milliseconds",
			               value);
		memcpy(part, value + 8, n);
		part[n] = '\0';
		if (parse_count(part, SIM_LATENCY_CAP_MS, &x) != 0 ||
		    parse_count(dash + 1, SIM_LATENCY_CAP_MS, &y) != 0)
			return ck_fail(err, CK_E_INVALID,
			               "latency \"%s\": MIN and MAX must be whole numbers of "
			               "milliseconds, at most %u",
			               value, SIM_LATENCY_CAP_MS);
		if (x > y)
			return ck_fail(err, CK_E_INVALID,
			               "latency \"%s\": minimum %llu is above maximum %llu", value,
			               (unsigned long long)x, (unsigned long long)y);
		b->latency = SIM_LAT_UNIFORM;
		b->latency_min_ms = (unsigned)x;
		b->latency_ms = (unsigned)y;
		b->latency_sigma_x100 = 0;
		return CK_OK;
	}
	if (strncmp(value, "lognormal:", 10) == 0) {
		const char *colon = strchr(value + 10, ':');
		size_t n = colon ? (size_t)(colon - (value + 10)) : 0;
		if (colon == NULL || n >= sizeof part)
			return ck_fail(err, CK_E_INVALID,
			               "latency \"%s\": expected lognormal:MEDIAN:SIGMA", value);
		memcpy(part, value + 10, n);
		part[n] = '\0';
		if (parse_count(part, SIM_LATENCY_CAP_MS, &x) != 0)
			return ck_fail(
			    err, CK_E_INVALID,
			    "latency \"%s\": MEDIAN must be a whole number of milliseconds, "
			    "at most %u",
			    value, SIM_LATENCY_CAP_MS);
		if (parse_scaled(colon + 1, 2, SIGMA_X100_MAX, &y) != 0)
			return ck_fail(
			    err, CK_E_INVALID,
			    "latency \"%s\": SIGMA must be a decimal from 0 to 10 with at "
			    "most two decimals",
			    value);
		b->latency = SIM_LAT_LOGNORMAL;
		b->latency_ms = (unsigned)x;
		b->latency_min_ms = 0;
		b->latency_sigma_x100 = (unsigned)y;
		return CK_OK;
	}
	return ck_fail(err, CK_E_INVALID,
	               "latency \"%s\": expected none, fixed:MS, uniform:MIN-MAX or "
	               "lognormal:MEDIAN:SIGMA",
	               value);
}

static int
apply_seconds(unsigned *field, const char *key, const char *value, char *err)
{
	uint64_t v;
	if (parse_count(value, SECONDS_MAX, &v) != 0)
		return ck_fail(err, CK_E_INVALID,
		               "%s \"%s\": expected a whole number of seconds from 0 to %u", key,
		               value, SECONDS_MAX);
	*field = (unsigned)v;
	return CK_OK;
}

static int
apply_fault(struct sim_behaviour *b, const char *key, const char *value, char *err)
{
	/* key is what follows "fault.": CLASS or CLASS.first */
	char name[32];
	const char *dot = strchr(key, '.');
	size_t n = dot ? (size_t)(dot - key) : strlen(key);
	if (n >= sizeof name)
		n = sizeof name - 1;
	memcpy(name, key, n);
	name[n] = '\0';
	int cls = sim_fault_parse(name);
	if (cls < 0 || cls >= SIM_FAULT_COUNT_) {
		char known[256] = "";
		size_t used = 0;
		for (int i = 0; i < SIM_FAULT_COUNT_ && used < sizeof known; i++) {
			int w = snprintf(known + used, sizeof known - used, "%s%s", i ? " " : "",
			                 sim_fault_name((enum sim_fault)i));
			if (w < 0)
				break;
			used += (size_t)w;
		}
		return ck_fail(err, CK_E_USAGE, "unknown fault class \"%s\" (classes: %s)", name,
		               known);
	}
	uint64_t v;
	if (dot == NULL) {
		if (parse_scaled(value, 3, 1000, &v) != 0)
			return ck_fail(err, CK_E_INVALID,
			               "fault.%s \"%s\": expected a rate from 0 to 1 with at most "
			               "three decimals (e.g. 0.3)",
			               name, value);
		b->fault_permille[cls] = (unsigned)v;
		return CK_OK;
	}
	if (strcmp(dot + 1, "first") != 0)
		return ck_fail(err, CK_E_USAGE,
		               "unknown key \"fault.%s\" (expected fault.%s or fault.%s.first)",
		               key, name, name);
	if (parse_count(value, FIRST_MAX, &v) != 0)
		return ck_fail(
		    err, CK_E_INVALID,
		    "fault.%s.first \"%s\": expected a whole number of attempts from 0 to %u", name,
		    value, FIRST_MAX);
	b->fault_first[cls] = (unsigned)v;
	return CK_OK;
}

int
sim_behaviour_apply(struct sim_behaviour *b, const char *key, const char *value, char *err)
{
	if (b == NULL || key == NULL || value == NULL)
		return ck_fail(err, CK_E_USAGE, "sim_behaviour_apply: NULL argument");
	if (strcmp(key, "latency") == 0)
		return apply_latency(b, value, err);
	if (strcmp(key, "async_delay") == 0)
		return apply_seconds(&b->async_delay_s, key, value, err);
	if (strcmp(key, "poll_after") == 0)
		return apply_seconds(&b->poll_after_s, key, value, err);
	if (strcmp(key, "retry_after") == 0)
		return apply_seconds(&b->retry_after_s, key, value, err);
	if (strcmp(key, "page_size") == 0) {
		uint64_t v;
		if (parse_count(value, PAGE_SIZE_MAX, &v) != 0 || v == 0)
			return ck_fail(
			    err, CK_E_INVALID,
			    "page_size \"%s\": expected a whole number of items from 1 to %u",
			    value, PAGE_SIZE_MAX);
		b->page_size = (unsigned)v;
		return CK_OK;
	}
	if (strncmp(key, "fault.", 6) == 0)
		return apply_fault(b, key + 6, value, err);
	return ck_fail(err, CK_E_USAGE,
	               "unknown key \"%s\" (keys: latency, async_delay, poll_after, page_size, "
	               "retry_after, fault.CLASS, fault.CLASS.first)",
	               key);
}

/* Applies one assignment; messages come without the text's context, which
 * the callers add. */
static int
set_one(struct sim_world *world, const char *assignment, char *msg)
{
	const char *eq = strchr(assignment, '=');
	const char *dot = strchr(assignment, '.');
	if (eq == NULL || dot == NULL || dot > eq)
		return ck_fail(msg, CK_E_USAGE, "expected INSTANCE.KEY=VALUE");
	char inst[sizeof world->instances[0].id];
	char key[64];
	size_t n_inst = (size_t)(dot - assignment);
	size_t n_key = (size_t)(eq - dot - 1);
	if (n_inst == 0 || n_key == 0)
		return ck_fail(msg, CK_E_USAGE, "expected INSTANCE.KEY=VALUE");
	if (n_inst >= sizeof inst)
		return ck_fail(msg, CK_E_USAGE, "unknown instance \"%.*s\"", (int)n_inst,
		               assignment);
	if (n_key >= sizeof key)
		return ck_fail(msg, CK_E_USAGE, "unknown key \"%.*s\"", (int)n_key, dot + 1);
	memcpy(inst, assignment, n_inst);
	inst[n_inst] = '\0';
	memcpy(key, dot + 1, n_key);
	key[n_key] = '\0';
	const char *value = eq + 1;

	if (strcmp(inst, "*") == 0) {
		for (size_t i = 0; i < world->n_instances; i++) {
			int rc =
			    sim_behaviour_apply(&world->instances[i].behaviour, key, value, msg);
			if (rc != CK_OK)
				return rc;
		}
		return CK_OK;
	}
	struct sim_instance *instance = sim_world_instance(world, inst);
	if (instance == NULL) {
		char known[512] = "";
		size_t used = 0;
		for (size_t i = 0; i < world->n_instances && used < sizeof known; i++) {
			int w = snprintf(known + used, sizeof known - used, "%s%s", i ? " " : "",
			                 world->instances[i].id);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		return ck_fail(msg, CK_E_USAGE, "unknown instance \"%s\" (instances: * %s)", inst,
		               known);
	}
	return sim_behaviour_apply(&instance->behaviour, key, value, msg);
}

int
sim_behaviour_set(struct sim_world *world, const char *assignment, char *err)
{
	if (world == NULL || assignment == NULL)
		return ck_fail(err, CK_E_USAGE, "sim_behaviour_set: NULL argument");
	char msg[CK_ERR_SIZE] = "";
	int rc = set_one(world, assignment, msg);
	if (rc != CK_OK)
		return ck_fail(err, rc, "\"%.80s\": %s", assignment, msg);
	return CK_OK;
}

static char *
trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int
sim_behaviour_load(struct sim_world *world, const char *path, char *err)
{
	if (world == NULL || path == NULL)
		return ck_fail(err, CK_E_USAGE, "sim_behaviour_load: NULL argument");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return ck_fail(err, CK_E_IO, "%s: cannot open: %s", path, strerror(errno));
	char line[1024];
	unsigned lineno = 0;
	int rc = CK_OK;
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
			rc = ck_fail(err, CK_E_INVALID, "%s:%u: line longer than %zu bytes", path,
			             lineno, sizeof line - 2);
			break;
		}
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		char *text = trim(line);
		if (*text == '\0')
			continue;
		char msg[CK_ERR_SIZE] = "";
		rc = set_one(world, text, msg);
		if (rc != CK_OK) {
			ck_fail(err, rc, "%s:%u: \"%.80s\": %s", path, lineno, text, msg);
			break;
		}
	}
	if (rc == CK_OK && ferror(f))
		rc = ck_fail(err, CK_E_IO, "%s: read error", path);
	fclose(f);
	return rc;
}

int
sim_behaviour_check(const struct sim_world *world, char *err)
{
	for (size_t i = 0; i < world->n_instances; i++) {
		const struct sim_behaviour *b = &world->instances[i].behaviour;
		unsigned sum = 0;
		for (int c = 0; c < SIM_FAULT_COUNT_; c++)
			sum += b->fault_permille[c];
		if (sum > 1000)
			return ck_fail(err, CK_E_INVALID,
			               "instance %s: fault rates add up to %u.%03u, more than 1",
			               world->instances[i].id, sum / 1000, sum % 1000);
	}
	return CK_OK;
}

int
sim_clock_offset(const char *text, int64_t *offset_ms, char *err)
{
	struct ck_clock clock;
	ck_clock_system(&clock);
	int rc = ck_clock_from_text(&clock, text, err);
	if (rc != CK_OK)
		return rc;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t real_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	*offset_ms = ck_clock_now(&clock) * 1000 - real_ms;
	return CK_OK;
}

/* ---- Fault and latency choice -------------------------------------------- */

/* Salts that keep the fault and latency draws of one attempt apart. */
#define SALT_FAULT   0x6661756c74000000u
#define SALT_LATENCY 0x6c6174656e637900u

int
sim_fault_choose(uint64_t seed, const struct sim_instance *instance, const char *request_id,
                 uint32_t attempt)
{
	const struct sim_behaviour *b = &instance->behaviour;
	for (int c = 0; c < SIM_FAULT_COUNT_; c++)
		if (attempt <= b->fault_first[c])
			return c;
	unsigned total = 0;
	for (int c = 0; c < SIM_FAULT_COUNT_; c++)
		total += b->fault_permille[c];
	if (total == 0)
		return -1;
	struct sim_rng rng;
	sim_rng_seed(&rng, seed, sim_hash(instance->id), sim_hash(request_id),
	             SALT_FAULT ^ attempt);
	unsigned draw = (unsigned)sim_rng_below(&rng, 1000);
	unsigned upto = 0;
	for (int c = 0; c < SIM_FAULT_COUNT_; c++) {
		upto += b->fault_permille[c];
		if (draw < upto)
			return c;
	}
	return -1;
}

unsigned
sim_latency_choose(uint64_t seed, const struct sim_instance *instance, const char *request_id,
                   uint32_t attempt)
{
	const struct sim_behaviour *b = &instance->behaviour;
	struct sim_rng rng;
	switch (b->latency) {
	case SIM_LAT_NONE: return 0;
	case SIM_LAT_FIXED:
		return b->latency_ms < SIM_LATENCY_CAP_MS ? b->latency_ms : SIM_LATENCY_CAP_MS;
	case SIM_LAT_UNIFORM:
		if (b->latency_ms <= b->latency_min_ms)
			return b->latency_min_ms;
		sim_rng_seed(&rng, seed, sim_hash(instance->id), sim_hash(request_id),
		             SALT_LATENCY ^ attempt);
		return b->latency_min_ms +
		       (unsigned)sim_rng_below(&rng,
		                               (uint64_t)(b->latency_ms - b->latency_min_ms) + 1);
	case SIM_LAT_LOGNORMAL: {
		sim_rng_seed(&rng, seed, sim_hash(instance->id), sim_hash(request_id),
		             SALT_LATENCY ^ attempt);
		/* Box-Muller: u1 in (0, 1], u2 in [0, 1). */
		double u1 = (double)((sim_rng_next(&rng) >> 11) + 1) / 9007199254740992.0;
		double u2 = (double)(sim_rng_next(&rng) >> 11) / 9007199254740992.0;
		double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
		double ms = (double)b->latency_ms * exp((double)b->latency_sigma_x100 / 100.0 * z);
		if (!(ms >= 0.0))
			return 0;
		if (ms >= (double)SIM_LATENCY_CAP_MS)
			return SIM_LATENCY_CAP_MS;
		return (unsigned)(ms + 0.5);
	}
	}
	return 0;
}

/* ---- The server's state ---------------------------------------------------- */

/* A registry entry: the kinds see `q`; the rest is the server's. */
struct reg_entry {
	struct sim_query q; /* first: a struct sim_query * is a struct reg_entry * */
	uint64_t hash;      /* of q.request_id */
	uint32_t attempts;  /* requests that carried this RequestId, faults included */
};

struct slab {
	struct slab *next;
	size_t used;
	struct reg_entry entries[SLAB_ENTRIES];
};

struct inst_state {
	pthread_mutex_t lock;
	const struct sim_instance *instance;
	size_t id_len;
	/* the registry: open addressing, linear probing, power-of-two sizes */
	struct reg_entry **slots;
	size_t n_slots, count;
	struct reg_entry **tickets; /* may hold stale entries: compare q.ticket */
	size_t n_tslots, n_tickets;
	struct slab *slabs;
	struct ck_xsd_set *xsd; /* the kinds' compiled request schemas */
	/* counters */
	uint64_t requests, repeats, hammering, discrepancies;
	uint64_t by_status[STATUS_MAX];
	uint64_t faults[SIM_FAULT_COUNT_];
};

struct sim_server {
	const struct sim_world *world;
	struct MHD_Daemon *daemon;
	uint16_t port;
	int tls, client_ca;
	size_t max_body;
	char *tls_cert, *tls_key, *tls_ca; /* PEM text, kept while the daemon runs */
	struct inst_state *states;
	size_t n_states;
	pthread_mutex_t misc; /* clock offset, counters outside instances, start_msg */
	int64_t offset_ms;
	uint64_t unrouted, tls_refused;
	int starting;
	char start_msg[CK_ERR_SIZE];
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond; /* on CLOCK_MONOTONIC */
	int stopping;
};

/* ---- The registry ---------------------------------------------------------- */

static int
valid_request_id(const char *id)
{
	size_t n = 0;
	for (const char *p = id; *p; p++, n++) {
		char c = *p;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return n >= 1 && n <= 64;
}

static int
reg_grow(struct inst_state *st)
{
	size_t n = st->n_slots ? st->n_slots * 2 : 1024;
	struct reg_entry **slots = calloc(n, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < st->n_slots; i++) {
		struct reg_entry *e = st->slots[i];
		if (e == NULL)
			continue;
		size_t j = (size_t)e->hash & (n - 1);
		while (slots[j] != NULL)
			j = (j + 1) & (n - 1);
		slots[j] = e;
	}
	free(st->slots);
	st->slots = slots;
	st->n_slots = n;
	return 0;
}

static struct reg_entry *
reg_alloc(struct inst_state *st)
{
	if (st->slabs == NULL || st->slabs->used == SLAB_ENTRIES) {
		struct slab *s = calloc(1, sizeof *s);
		if (s == NULL)
			return NULL;
		s->next = st->slabs;
		st->slabs = s;
	}
	return &st->slabs->entries[st->slabs->used++];
}

/* The entry for id, created (seen 0, attempts 0) when create is set and it
 * is new.  NULL when id is not a RequestId, unknown, or memory runs out. */
static struct reg_entry *
reg_get(struct inst_state *st, const char *id, int create)
{
	if (id == NULL || !valid_request_id(id))
		return NULL;
	uint64_t h = sim_hash(id);
	if (st->n_slots) {
		size_t j = (size_t)h & (st->n_slots - 1);
		for (struct reg_entry *e; (e = st->slots[j]) != NULL;
		     j = (j + 1) & (st->n_slots - 1))
			if (e->hash == h && strcmp(e->q.request_id, id) == 0)
				return e;
	}
	if (!create)
		return NULL;
	if ((st->count + 1) * 10 > st->n_slots * 7 && reg_grow(st) != 0)
		return NULL;
	struct reg_entry *e = reg_alloc(st);
	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof *e);
	memcpy(e->q.request_id, id, strlen(id) + 1);
	e->hash = h;
	size_t j = (size_t)h & (st->n_slots - 1);
	while (st->slots[j] != NULL)
		j = (j + 1) & (st->n_slots - 1);
	st->slots[j] = e;
	st->count++;
	return e;
}

static void
ticket_insert(struct reg_entry **tslots, size_t n, struct reg_entry *e)
{
	size_t j = (size_t)sim_hash(e->q.ticket) & (n - 1);
	while (tslots[j] != NULL)
		j = (j + 1) & (n - 1);
	tslots[j] = e;
}

/* Rebuilds the ticket table from the registry (dropping stale entries). */
static int
ticket_rebuild(struct inst_state *st)
{
	size_t live = 0;
	for (size_t i = 0; i < st->n_slots; i++)
		if (st->slots[i] != NULL && st->slots[i]->q.ticket[0] != '\0')
			live++;
	size_t n = 64;
	while (n < (live + 1) * 4)
		n *= 2;
	struct reg_entry **tslots = calloc(n, sizeof *tslots);
	if (tslots == NULL)
		return -1;
	for (size_t i = 0; i < st->n_slots; i++)
		if (st->slots[i] != NULL && st->slots[i]->q.ticket[0] != '\0')
			ticket_insert(tslots, n, st->slots[i]);
	free(st->tickets);
	st->tickets = tslots;
	st->n_tslots = n;
	st->n_tickets = live;
	return 0;
}

/* One request counted against entry e: a repeat if e had been seen. */
static void
count_attempt(struct inst_state *st, struct reg_entry *e)
{
	if (e->attempts > 0)
		st->repeats++;
	if (e->attempts < UINT32_MAX)
		e->attempts++;
}

/* The server_ctx of one handler call. */
struct call {
	struct inst_state *st;
	struct reg_entry *counted; /* the entry this request was counted against */
};

static struct sim_query *
cb_query(void *server_ctx, const char *request_id)
{
	struct call *c = server_ctx;
	struct reg_entry *e = reg_get(c->st, request_id, 1);
	if (e == NULL)
		return NULL;
	if (c->counted == NULL) {
		/* no X-Request-Id: count the body's RequestId as the kind saw it */
		count_attempt(c->st, e);
		c->counted = e;
	}
	return &e->q;
}

static struct sim_query *
cb_by_ticket(void *server_ctx, const char *ticket)
{
	struct inst_state *st = ((struct call *)server_ctx)->st;
	if (ticket == NULL || *ticket == '\0' || st->n_tslots == 0)
		return NULL;
	size_t j = (size_t)sim_hash(ticket) & (st->n_tslots - 1);
	for (struct reg_entry *e; (e = st->tickets[j]) != NULL; j = (j + 1) & (st->n_tslots - 1))
		if (strcmp(e->q.ticket, ticket) == 0)
			return &e->q;
	return NULL;
}

static void
cb_set_ticket(void *server_ctx, struct sim_query *q, const char *ticket)
{
	struct inst_state *st = ((struct call *)server_ctx)->st;
	struct reg_entry *e = (struct reg_entry *)q;
	if (ticket != q->ticket) {
		size_t n = strlen(ticket);
		if (n >= sizeof q->ticket)
			n = sizeof q->ticket - 1;
		memmove(q->ticket, ticket, n);
		q->ticket[n] = '\0';
	}
	if (q->ticket[0] == '\0')
		return;
	if ((st->n_tickets + 1) * 10 > st->n_tslots * 7) {
		ticket_rebuild(st); /* includes e with its new ticket */
		return;
	}
	ticket_insert(st->tickets, st->n_tslots, e);
	st->n_tickets++;
}

static void
cb_hammering(void *server_ctx)
{
	((struct call *)server_ctx)->st->hammering++;
}

static void
cb_discrepancy(void *server_ctx)
{
	((struct call *)server_ctx)->st->discrepancies++;
}

/* ---- Fault documents -------------------------------------------------------- */

/* How each kind's documents open and close, for the documents the server
 * makes itself (errors and hostile answers). */
struct kind_doc {
	const char *ns;       /* NULL: no namespace */
	const char *encoding; /* in the XML declaration */
	const char *root;     /* the answer's root, as written (DOCTYPE names it) */
	const char *open;     /* the answer's opening up to the RequestId */
	const char *open_end; /* after the RequestId */
	const char *close;
	const char *content_type;
};

static const struct kind_doc kind_docs[SIM_KIND_COUNT_] = {
    [SIM_BANK] = {"urn:chakong:bank:1", "UTF-8", "Document",
                  "<Document xmlns=\"urn:chakong:bank:1\"><InfRspn><ReqId>",
                  "</ReqId><Sts>FOUND</Sts>", "</InfRspn></Document>\n",
                  "application/xml; charset=utf-8"},
    [SIM_REALESTATE] = {NULL, "GB18030", "CXJG", "<CXJG><CXQQDH>", "</CXQQDH><JGZT>FOUND</JGZT>",
                        "</CXJG>\n", "application/xml; charset=GB18030"},
    [SIM_VEHICLE] = {NULL, "UTF-8", "soap:Envelope",
                     "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                     "<soap:Body><ns2:queryVehicleResponse "
                     "xmlns:ns2=\"urn:chakong:trff:vehicle:1\"><return><!-- ",
                     " -->", "</return></ns2:queryVehicleResponse></soap:Body></soap:Envelope>\n",
                     "text/xml; charset=utf-8"},
    [SIM_SOCIALSEC] = {"urn:chakong:si:1", "UTF-8", "Result",
                       "<Result xmlns=\"urn:chakong:si:1\"><RequestId>",
                       "</RequestId><Status>FOUND</Status>", "</Result>\n",
                       "application/xml; charset=utf-8"},
    [SIM_ECOMMERCE] = {"urn:chakong:ec:1", "UTF-8", "JudicialResult",
                       "<JudicialResult xmlns=\"urn:chakong:ec:1\"><RequestId>",
                       "</RequestId><Status>FOUND</Status>", "</JudicialResult>\n",
                       "application/xml; charset=utf-8"},
};

static const struct kind_doc *
doc_of(enum sim_kind kind)
{
	return (unsigned)kind < SIM_KIND_COUNT_ ? &kind_docs[kind] : &kind_docs[SIM_BANK];
}

static void
doc_decl(struct ck_buf *b, const struct kind_doc *d)
{
	ck_buf_printf(b, "<?xml version=\"1.0\" encoding=\"%s\"?>\n", d->encoding);
}

/* The opening of an answer echoing request_id (a valid RequestId: nothing
 * in it needs escaping, even inside the vehicle kind's comment). */
static void
doc_open(struct ck_buf *b, const struct kind_doc *d, const char *request_id)
{
	ck_buf_puts(b, d->open);
	ck_buf_xml(b, request_id);
	ck_buf_puts(b, d->open_end);
}

/* An error answer for status (500, 503, 429, 401) in the kind's style:
 * <Error> in its namespace and encoding, a SOAP fault for vehicle's 500,
 * and no XML at all for vehicle's other statuses (vehicle.md). */
static void
error_doc(enum sim_kind kind, int status, struct ck_buf *b, const char **ctype)
{
	const struct kind_doc *d = doc_of(kind);
	const char *code = status == 500   ? "INTERNAL"
	                   : status == 503 ? "UNAVAILABLE"
	                   : status == 429 ? "RATE_LIMITED"
	                                   : "UNAUTHORIZED";
	const char *message = status == 500   ? "simulated internal error"
	                      : status == 503 ? "simulated maintenance: try again later"
	                      : status == 429 ? "simulated rate limit: slow down"
	                                      : "simulated credential refusal";
	if (kind == SIM_VEHICLE && status == 500) {
		doc_decl(b, d);
		ck_buf_printf(
		    b,
		    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
		    "<soap:Body><soap:Fault><faultcode>soap:Server</faultcode>"
		    "<faultstring>%s</faultstring></soap:Fault></soap:Body>"
		    "</soap:Envelope>\n",
		    message);
		*ctype = d->content_type;
		return;
	}
	if (kind == SIM_VEHICLE) {
		ck_buf_printf(b, "%s\n", message);
		*ctype = "text/plain; charset=utf-8";
		return;
	}
	doc_decl(b, d);
	if (d->ns != NULL)
		ck_buf_printf(b, "<Error xmlns=\"%s\">", d->ns);
	else
		ck_buf_puts(b, "<Error>");
	ck_buf_printf(b, "<Code>%s</Code><Message>%s</Message></Error>\n", code, message);
	*ctype = d->content_type;
}

/* A hostile or broken answer body (malformed, doctype, bomb). */
static void
hostile_doc(enum sim_kind kind, int fault, const char *request_id, struct ck_buf *b)
{
	const struct kind_doc *d = doc_of(kind);
	doc_decl(b, d);
	if (fault == SIM_FAULT_DOCTYPE) {
		ck_buf_printf(b, "<!DOCTYPE %s [ <!ENTITY leak SYSTEM \"file:///etc/passwd\"> ]>\n",
		              d->root);
	} else if (fault == SIM_FAULT_BOMB) {
		ck_buf_printf(b, "<!DOCTYPE %s [\n <!ENTITY lol0 \"lol\">\n", d->root);
		for (int i = 1; i <= 9; i++) {
			ck_buf_printf(b, " <!ENTITY lol%d \"", i);
			for (int k = 0; k < 10; k++)
				ck_buf_printf(b, "&lol%d;", i - 1);
			ck_buf_puts(b, "\">\n");
		}
		ck_buf_puts(b, "]>\n");
	}
	doc_open(b, d, request_id);
	switch (fault) {
	case SIM_FAULT_DOCTYPE: ck_buf_puts(b, "<Leak>&leak;</Leak>"); break;
	case SIM_FAULT_BOMB: ck_buf_puts(b, "<Bomb>&lol9;</Bomb>"); break;
	default: ck_buf_puts(b, "<Broken><Unclosed>simulated corruption</Broken>"); break;
	}
	ck_buf_puts(b, d->close);
}

/* ---- Responses made by callbacks ---------------------------------------------- */

/* Waits ms milliseconds, or less when the server stops: 0 when the time
 * passed, -1 when the server is stopping. */
static int
server_sleep(struct sim_server *s, unsigned ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->stop_lock);
	while (!s->stopping)
		if (pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &until) == ETIMEDOUT)
			break;
	int stopping = s->stopping;
	pthread_mutex_unlock(&s->stop_lock);
	return stopping ? -1 : 0;
}

/* A stall: a byte now and then of a body that never ends. */
struct stall {
	struct sim_server *server;
	unsigned waited_ms;
};

static ssize_t
stall_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char text[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	struct stall *st = cls;
	if (max == 0 || pos + 1 >= STALL_DECLARED || st->waited_ms >= STALL_MAX_MS)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (server_sleep(st->server, SIM_STALL_TICK_MS) != 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	st->waited_ms += SIM_STALL_TICK_MS;
	buf[0] = text[pos % (sizeof text - 1)];
	return 1;
}

/* A truncated body: `sent` bytes of data, then the connection is closed
 * although Content-Length promised more. */
struct truncated {
	char *data;
	size_t sent;
};

static ssize_t
truncated_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct truncated *t = cls;
	if (pos >= t->sent)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t n = t->sent - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, t->data + pos, n);
	return (ssize_t)n;
}

static void
truncated_free(void *cls)
{
	struct truncated *t = cls;
	free(t->data);
	free(t);
}

/* An oversized, well-formed body generated as it is sent: head, `units`
 * copies of a padding comment, tail. */
static const char pad_unit[] = "<!-- padding padding padding padding padding padding padding "
                               "padding padding padding padding padding -->\n";
#define PAD_LEN (sizeof pad_unit - 1)

struct oversized {
	struct ck_buf head, tail;
	uint64_t units, total;
};

static ssize_t
oversized_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct oversized *o = cls;
	if (pos >= o->total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	size_t n = 0;
	uint64_t body_end = o->head.len + o->units * PAD_LEN;
	while (n < max && pos < o->total) {
		size_t chunk;
		const char *from;
		if (pos < o->head.len) {
			from = o->head.data + pos;
			chunk = o->head.len - (size_t)pos;
		} else if (pos < body_end) {
			size_t off = (size_t)((pos - o->head.len) % PAD_LEN);
			from = pad_unit + off;
			chunk = PAD_LEN - off;
		} else {
			from = o->tail.data + (pos - body_end);
			chunk = o->tail.len - (size_t)(pos - body_end);
		}
		if (chunk > max - n)
			chunk = max - n;
		memcpy(buf + n, from, chunk);
		n += chunk;
		pos += chunk;
	}
	return (ssize_t)n;
}

static void
oversized_free(void *cls)
{
	struct oversized *o = cls;
	ck_buf_release(&o->head);
	ck_buf_release(&o->tail);
	free(o);
}

static struct MHD_Response *
oversized_response(enum sim_kind kind, const char *request_id)
{
	struct oversized *o = calloc(1, sizeof *o);
	if (o == NULL)
		return NULL;
	const struct kind_doc *d = doc_of(kind);
	doc_decl(&o->head, d);
	doc_open(&o->head, d, request_id);
	ck_buf_puts(&o->tail, d->close);
	if (o->head.failed || o->tail.failed) {
		oversized_free(o);
		return NULL;
	}
	uint64_t want = SIM_OVERSIZED_LIMIT + 4096 - o->head.len - o->tail.len;
	o->units = (want + PAD_LEN - 1) / PAD_LEN;
	o->total = o->head.len + o->units * PAD_LEN + o->tail.len;
	struct MHD_Response *r = MHD_create_response_from_callback(
	    o->total, 64 * 1024, oversized_read, o, oversized_free);
	if (r == NULL)
		oversized_free(o);
	return r;
}

/* A response that owns b's text (b is emptied). */
static struct MHD_Response *
buffer_response(struct ck_buf *b)
{
	if (b->failed) {
		ck_buf_release(b);
		return NULL;
	}
	if (b->len == 0) {
		ck_buf_release(b);
		return MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	}
	struct MHD_Response *r =
	    MHD_create_response_from_buffer_with_free_callback(b->len, b->data, free);
	if (r == NULL)
		ck_buf_release(b);
	else
		*b = (struct ck_buf){0};
	return r;
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r,
              const char *ctype, int retry_after)
{
	if (r == NULL)
		return MHD_NO;
	if (ctype != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (retry_after >= 0) {
		char text[24];
		snprintf(text, sizeof text, "%d", retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, text);
	}
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, const char *ctype,
                                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned status, const char *ctype, const char *fmt, ...)
{
	struct ck_buf b = {0};
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	ck_buf_puts(&b, line);
	return send_response(conn, status, buffer_response(&b), ctype, -1);
}

/* ---- The request handler --------------------------------------------------------- */

enum route { ROUTE_NONE = 0, ROUTE_INSTANCE, ROUTE_STATS, ROUTE_CLOCK, ROUTE_RESET };

/* Per request (MHD's con_cls); freed when the request completes. */
struct request {
	enum route route;
	struct inst_state *inst;
	struct ck_buf body;
	int too_big;
};

static void
route_request(struct sim_server *s, struct request *r, const char *url)
{
	if (url[0] != '/')
		return;
	if (strcmp(url, "/_stats") == 0) {
		r->route = ROUTE_STATS;
		return;
	}
	if (strcmp(url, "/_clock") == 0) {
		r->route = ROUTE_CLOCK;
		return;
	}
	if (strcmp(url, "/_reset_stats") == 0) {
		r->route = ROUTE_RESET;
		return;
	}
	const char *seg = url + 1;
	size_t n = strcspn(seg, "/");
	for (size_t i = 0; i < s->n_states; i++) {
		struct inst_state *st = &s->states[i];
		if (st->id_len == n && memcmp(st->instance->id, seg, n) == 0) {
			r->route = ROUTE_INSTANCE;
			r->inst = st;
			return;
		}
	}
}

/* Checks the client certificate against the client CA (mutual TLS). */
static int
client_cert_ok(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return 0;
	gnutls_session_t session = (gnutls_session_t)ci->tls_session;
	unsigned status = 0;
	if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS)
		return 0;
	return status == 0;
}

/* Closes the connection with a TCP reset and no answer. */
static enum MHD_Result
reset_connection(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	return MHD_NO;
}

static int
delivers_answer(int fault)
{
	return fault != SIM_FAULT_RESET && fault != SIM_FAULT_STALL && fault != SIM_FAULT_TRUNCATED;
}

static enum MHD_Result
serve_instance(struct sim_server *s, struct MHD_Connection *conn, struct request *r,
               const char *url, const char *method)
{
	struct inst_state *st = r->inst;
	const struct sim_instance *inst = st->instance;
	const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
	const char *path = url + 1 + st->id_len;
	struct sim_request rq = {
	    .method = method,
	    .path = *path ? path : "/",
	    .content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type"),
	    .soap_action = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "SOAPAction"),
	    .request_id = rid,
	    .body = r->body.data ? r->body.data : "",
	    .body_len = r->body.len,
	    .now_ms = sim_server_now_ms(s),
	};
	struct sim_reply reply = {.retry_after_s = -1};
	struct call call = {.st = st};
	struct sim_context ctx = {
	    .world = s->world,
	    .instance = inst,
	    .query = cb_query,
	    .by_ticket = cb_by_ticket,
	    .set_ticket = cb_set_ticket,
	    .count_hammering = cb_hammering,
	    .count_discrepancy = cb_discrepancy,
	    .server_ctx = &call,
	    .xsd = st->xsd,
	};
	int fault = -1;
	uint32_t attempt = 0;
	char key[65] = "";

	pthread_mutex_lock(&st->lock);
	st->requests++;
	struct reg_entry *e = reg_get(st, rid, 1);
	if (e != NULL) {
		count_attempt(st, e);
		call.counted = e;
		attempt = e->attempts;
		memcpy(key, e->q.request_id, sizeof key);
		fault = sim_fault_choose(s->world->seed, inst, key, attempt);
		if (fault >= 0)
			st->faults[fault]++;
	}
	if (fault < 0 || fault == SIM_FAULT_WRONG_SUBJECT || fault == SIM_FAULT_TRUNCATED) {
		rq.wrong_subject = fault == SIM_FAULT_WRONG_SUBJECT;
		sim_handle(&ctx, &rq, &reply);
		if (reply.status < 100 || reply.status >= STATUS_MAX)
			reply.status = 500;
	}
	int status = reply.status;
	switch (fault) {
	case SIM_FAULT_500: status = 500; break;
	case SIM_FAULT_503: status = 503; break;
	case SIM_FAULT_429: status = 429; break;
	case SIM_FAULT_401: status = 401; break;
	case SIM_FAULT_MALFORMED:
	case SIM_FAULT_DOCTYPE:
	case SIM_FAULT_BOMB:
	case SIM_FAULT_OVERSIZED:
	case SIM_FAULT_STALL: status = 200; break;
	default: break;
	}
	if (delivers_answer(fault))
		st->by_status[status]++;
	pthread_mutex_unlock(&st->lock);

	unsigned delay = sim_latency_choose(s->world->seed, inst, key, attempt);
	if (delay > 0 && server_sleep(s, delay) != 0) {
		ck_buf_release(&reply.body);
		return MHD_NO;
	}

	struct MHD_Response *resp = NULL;
	const char *ctype = doc_of(inst->kind)->content_type;
	int retry_after = -1;
	struct ck_buf b = {0};
	switch (fault) {
	case SIM_FAULT_RESET: ck_buf_release(&reply.body); return reset_connection(conn);
	case SIM_FAULT_500:
	case SIM_FAULT_503:
	case SIM_FAULT_429:
	case SIM_FAULT_401:
		error_doc(inst->kind, status, &b, &ctype);
		resp = buffer_response(&b);
		if (status == 503 || status == 429)
			retry_after = (int)inst->behaviour.retry_after_s;
		if (status == 401 && resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
			                        "Bearer realm=\"chakong-sim\"");
		break;
	case SIM_FAULT_MALFORMED:
	case SIM_FAULT_DOCTYPE:
	case SIM_FAULT_BOMB:
		hostile_doc(inst->kind, fault, key, &b);
		resp = buffer_response(&b);
		break;
	case SIM_FAULT_OVERSIZED: resp = oversized_response(inst->kind, key); break;
	case SIM_FAULT_STALL: {
		struct stall *sl = calloc(1, sizeof *sl);
		if (sl != NULL) {
			sl->server = s;
			resp = MHD_create_response_from_callback(STALL_DECLARED, 1, stall_read, sl,
			                                         free);
			if (resp == NULL)
				free(sl);
		}
		break;
	}
	case SIM_FAULT_TRUNCATED: {
		struct truncated *t = calloc(1, sizeof *t);
		if (t != NULL && !reply.body.failed) {
			size_t declared = reply.body.len < 64 ? 64 : reply.body.len;
			t->data = reply.body.data;
			t->sent = reply.body.len / 2;
			reply.body = (struct ck_buf){0};
			resp = MHD_create_response_from_callback(declared, 4096, truncated_read, t,
			                                         truncated_free);
			if (resp == NULL)
				truncated_free(t);
		} else {
			free(t);
		}
		ctype = reply.content_type;
		break;
	}
	default:
		resp = buffer_response(&reply.body);
		ctype = reply.content_type;
		retry_after = reply.retry_after_s;
		break;
	}
	ck_buf_release(&reply.body);
	return send_response(conn, (unsigned)status, resp, ctype, retry_after);
}

/* ---- Control endpoints --------------------------------------------------------- */

static enum MHD_Result
serve_clock(struct sim_server *s, struct MHD_Connection *conn, const char *method)
{
	const char *json = "application/json";
	if (strcmp(method, "POST") == 0) {
		const char *adv =
		    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "advance");
		uint64_t secs;
		char err[CK_ERR_SIZE] = "";
		if (adv == NULL || parse_count(adv, (uint64_t)ADVANCE_MAX_S, &secs) != 0)
			return send_text(
			    conn, 400, "text/plain; charset=utf-8",
			    "advance=SECONDS expected: a whole number of seconds from 0 "
			    "to %lld\n",
			    (long long)ADVANCE_MAX_S);
		if (sim_server_advance(s, (int64_t)secs, err) != CK_OK)
			return send_text(conn, 400, "text/plain; charset=utf-8", "%s\n", err);
	} else if (strcmp(method, "GET") != 0) {
		return send_text(conn, 405, "text/plain; charset=utf-8", "use GET or POST\n");
	}
	int64_t now = sim_server_now_ms(s);
	char text[CK_TIME_BUF] = "";
	int64_t secs = now >= 0 ? now / 1000 : -((-now + 999) / 1000);
	ck_time_format(secs, CK_DEFAULT_OFFSET_MIN, text, sizeof text);
	return send_text(conn, 200, json, "{\"now\":\"%s\",\"now_ms\":%lld}\n", text,
	                 (long long)now);
}

static enum MHD_Result
serve_control(struct sim_server *s, struct MHD_Connection *conn, struct request *r,
              const char *method)
{
	const char *text = "text/plain; charset=utf-8";
	switch (r->route) {
	case ROUTE_STATS: {
		if (strcmp(method, "GET") != 0)
			return send_text(conn, 405, text, "use GET\n");
		struct ck_buf b = {0};
		sim_server_stats(s, &b);
		return send_response(conn, 200, buffer_response(&b), "application/json", -1);
	}
	case ROUTE_CLOCK: return serve_clock(s, conn, method);
	case ROUTE_RESET:
		if (strcmp(method, "POST") != 0)
			return send_text(conn, 405, text, "use POST\n");
		sim_server_reset_stats(s);
		return send_text(conn, 200, "application/json", "{\"reset\":true}\n");
	default: break;
	}
	pthread_mutex_lock(&s->misc);
	s->unrouted++;
	pthread_mutex_unlock(&s->misc);
	return send_text(conn, 404, text, "not found: no instance or endpoint here\n");
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct sim_server *s = cls;
	struct request *r = *con_cls;
	if (r == NULL) {
		r = calloc(1, sizeof *r);
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		route_request(s, r, url);
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		uint64_t declared = 0;
		if (cl == NULL || parse_count(cl, UINT64_MAX, &declared) != 0)
			declared = 0;
		if (declared > s->max_body) {
			if (r->inst != NULL) {
				pthread_mutex_lock(&r->inst->lock);
				r->inst->requests++;
				r->inst->by_status[413]++;
				pthread_mutex_unlock(&r->inst->lock);
			}
			return send_text(conn, 413, "text/plain; charset=utf-8",
			                 "request body larger than %zu bytes\n", s->max_body);
		}
		if (declared > 0) {
			/* one allocation for the whole body (the buffer's NUL included) */
			r->body.data = malloc((size_t)declared + 1);
			if (r->body.data != NULL) {
				r->body.cap = (size_t)declared + 1;
				r->body.data[0] = '\0';
			}
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!r->too_big && r->body.len + *upload_data_size <= s->max_body)
			ck_buf_add(&r->body, upload_data, *upload_data_size);
		else
			r->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (s->client_ca && !client_cert_ok(conn)) {
		pthread_mutex_lock(&s->misc);
		s->tls_refused++;
		pthread_mutex_unlock(&s->misc);
		return send_text(conn, 403, "text/plain; charset=utf-8",
		                 "a client certificate signed by the configured CA is required\n");
	}
	if (r->too_big || r->body.failed) {
		if (r->inst != NULL) {
			pthread_mutex_lock(&r->inst->lock);
			r->inst->requests++;
			r->inst->by_status[413]++;
			pthread_mutex_unlock(&r->inst->lock);
		}
		return send_text(conn, 413, "text/plain; charset=utf-8",
		                 "request body larger than %zu bytes\n", s->max_body);
	}
	if (r->route == ROUTE_INSTANCE)
		return serve_instance(s, conn, r, url, method);
	return serve_control(s, conn, r, method);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct request *r = *con_cls;
	if (r != NULL) {
		ck_buf_release(&r->body);
		free(r);
		*con_cls = NULL;
	}
}

static void on_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Keeps libmicrohttpd's first message while the daemon starts (for the
 * error message); later ones (a client gone mid-answer...) are dropped. */
static void
on_log(void *cls, const char *fmt, va_list ap)
{
	struct sim_server *s = cls;
	pthread_mutex_lock(&s->misc);
	if (s->starting && s->start_msg[0] == '\0') {
		vsnprintf(s->start_msg, sizeof s->start_msg, fmt, ap);
		for (char *p = s->start_msg; *p; p++)
			if (*p == '\n')
				*p = ' ';
	}
	pthread_mutex_unlock(&s->misc);
}

/* ---- Start, stop, stats ---------------------------------------------------------- */

static int
read_pem(const char *path, char **out, char *err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return ck_fail(err, CK_E_IO, "%s: cannot open: %s", path, strerror(errno));
	struct ck_buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < ((size_t)1 << 20))
		ck_buf_add(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad || b.failed || b.len == 0) {
		ck_buf_release(&b);
		return ck_fail(err, CK_E_IO, "%s: cannot read, or empty", path);
	}
	*out = b.data;
	return CK_OK;
}

uint16_t
sim_server_port(const struct sim_server *server)
{
	return server->port;
}

int
sim_server_tls(const struct sim_server *server)
{
	return server->tls;
}

int64_t
sim_server_now_ms(struct sim_server *server)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&server->misc);
	int64_t offset = server->offset_ms;
	pthread_mutex_unlock(&server->misc);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + offset;
}

int
sim_server_advance(struct sim_server *server, int64_t seconds, char *err)
{
	if (seconds < 0 || seconds > ADVANCE_MAX_S)
		return ck_fail(err, CK_E_RANGE,
		               "cannot advance the clock by %lld s: from 0 to %lld s only",
		               (long long)seconds, (long long)ADVANCE_MAX_S);
	pthread_mutex_lock(&server->misc);
	server->offset_ms += seconds * 1000;
	pthread_mutex_unlock(&server->misc);
	return CK_OK;
}

void
sim_server_stats(struct sim_server *s, struct ck_buf *out)
{
	int64_t now = sim_server_now_ms(s);
	char text[CK_TIME_BUF] = "";
	int64_t secs = now >= 0 ? now / 1000 : -((-now + 999) / 1000);
	ck_time_format(secs, CK_DEFAULT_OFFSET_MIN, text, sizeof text);
	pthread_mutex_lock(&s->misc);
	int64_t offset = s->offset_ms;
	uint64_t unrouted = s->unrouted, refused = s->tls_refused;
	pthread_mutex_unlock(&s->misc);
	ck_buf_printf(out,
	              "{\"now\":\"%s\",\"now_ms\":%lld,\"clock_offset_ms\":%lld,"
	              "\"unrouted\":%llu,\"tls_refused\":%llu,\"instances\":{",
	              text, (long long)now, (long long)offset, (unsigned long long)unrouted,
	              (unsigned long long)refused);
	for (size_t i = 0; i < s->n_states; i++) {
		struct inst_state *st = &s->states[i];
		pthread_mutex_lock(&st->lock);
		ck_buf_puts(out, i ? ",\n\"" : "\n\"");
		ck_buf_json(out, st->instance->id);
		ck_buf_printf(out,
		              "\":{\"kind\":\"%s\",\"requests\":%llu,\"distinct_request_ids\":%llu,"
		              "\"repeats\":%llu,\"by_status\":{",
		              sim_kind_name(st->instance->kind), (unsigned long long)st->requests,
		              (unsigned long long)st->count, (unsigned long long)st->repeats);
		int first = 1;
		for (int c = 0; c < STATUS_MAX; c++) {
			if (st->by_status[c] == 0)
				continue;
			ck_buf_printf(out, "%s\"%d\":%llu", first ? "" : ",", c,
			              (unsigned long long)st->by_status[c]);
			first = 0;
		}
		ck_buf_printf(
		    out, "},\"hammering\":%llu,\"discrepancies\":%llu,\"faults_injected\":{",
		    (unsigned long long)st->hammering, (unsigned long long)st->discrepancies);
		for (int c = 0; c < SIM_FAULT_COUNT_; c++)
			ck_buf_printf(out, "%s\"%s\":%llu", c ? "," : "",
			              sim_fault_name((enum sim_fault)c),
			              (unsigned long long)st->faults[c]);
		ck_buf_puts(out, "}}");
		pthread_mutex_unlock(&st->lock);
	}
	ck_buf_puts(out, "\n}}\n");
}

void
sim_server_reset_stats(struct sim_server *s)
{
	pthread_mutex_lock(&s->misc);
	s->unrouted = s->tls_refused = 0;
	pthread_mutex_unlock(&s->misc);
	for (size_t i = 0; i < s->n_states; i++) {
		struct inst_state *st = &s->states[i];
		pthread_mutex_lock(&st->lock);
		st->requests = st->repeats = st->hammering = st->discrepancies = 0;
		memset(st->by_status, 0, sizeof st->by_status);
		memset(st->faults, 0, sizeof st->faults);
		pthread_mutex_unlock(&st->lock);
	}
}

static void
server_free(struct sim_server *s)
{
	for (size_t i = 0; i < s->n_states; i++) {
		struct inst_state *st = &s->states[i];
		while (st->slabs != NULL) {
			struct slab *next = st->slabs->next;
			free(st->slabs);
			st->slabs = next;
		}
		free(st->slots);
		free(st->tickets);
		ck_xsd_set_free(st->xsd);
		pthread_mutex_destroy(&st->lock);
	}
	free(s->states);
	free(s->tls_cert);
	free(s->tls_key);
	free(s->tls_ca);
	pthread_mutex_destroy(&s->misc);
	pthread_mutex_destroy(&s->stop_lock);
	pthread_cond_destroy(&s->stop_cond);
	free(s);
}

int
sim_server_start(const struct sim_world *world, const struct sim_server_opts *opts,
                 struct sim_server **out, char *err)
{
	if (world == NULL || opts == NULL || out == NULL)
		return ck_fail(err, CK_E_USAGE, "sim_server_start: NULL argument");
	*out = NULL;
	if ((opts->tls_cert_file == NULL) != (opts->tls_key_file == NULL))
		return ck_fail(err, CK_E_USAGE, "TLS needs both a certificate and a key");
	if (opts->tls_client_ca_file != NULL && opts->tls_cert_file == NULL)
		return ck_fail(err, CK_E_USAGE,
		               "a client CA needs TLS: give a server certificate and key too");
	int rc = sim_behaviour_check(world, err);
	if (rc != CK_OK)
		return rc;

	struct sim_server *s = calloc(1, sizeof *s);
	if (s == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory");
	s->world = world;
	s->max_body = opts->max_body ? opts->max_body : SIM_SERVER_MAX_BODY;
	s->offset_ms = opts->clock_offset_ms;
	pthread_mutex_init(&s->misc, NULL);
	pthread_mutex_init(&s->stop_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	s->states = calloc(world->n_instances ? world->n_instances : 1, sizeof *s->states);
	if (s->states == NULL) {
		server_free(s);
		return ck_fail(err, CK_E_NOMEM, "out of memory");
	}
	s->n_states = world->n_instances;
	for (size_t i = 0; i < s->n_states; i++) {
		pthread_mutex_init(&s->states[i].lock, NULL);
		s->states[i].instance = &world->instances[i];
		s->states[i].id_len = strlen(world->instances[i].id);
	}
	for (size_t i = 0; i < s->n_states; i++) {
		if ((rc = ck_xsd_set_new(&s->states[i].xsd, err)) != CK_OK) {
			server_free(s);
			return rc;
		}
	}
	if (opts->tls_cert_file != NULL) {
		s->tls = 1;
		if ((rc = read_pem(opts->tls_cert_file, &s->tls_cert, err)) != CK_OK ||
		    (rc = read_pem(opts->tls_key_file, &s->tls_key, err)) != CK_OK ||
		    (opts->tls_client_ca_file != NULL &&
		     (rc = read_pem(opts->tls_client_ca_file, &s->tls_ca, err)) != CK_OK)) {
			server_free(s);
			return rc;
		}
		s->client_ca = s->tls_ca != NULL;
	}
	/* The kinds parse XML in connection threads: libxml2 is initialised here,
	 * in the caller's thread, first. */
	xmlInitParser();

	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(opts->port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_OptionItem tls_opts[4];
	size_t n = 0;
	if (s->tls) {
		tls_opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert};
		tls_opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key};
		if (s->client_ca)
			tls_opts[n++] =
			    (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, s->tls_ca};
	}
	tls_opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	                 MHD_USE_POLL | MHD_USE_ERROR_LOG | (s->tls ? MHD_USE_TLS : 0);
	s->starting = 1;
	s->daemon =
	    MHD_start_daemon(flags, opts->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
	                     (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	                     MHD_OPTION_EXTERNAL_LOGGER, on_log, s, MHD_OPTION_CONNECTION_TIMEOUT,
	                     CONN_TIMEOUT_S, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
	pthread_mutex_lock(&s->misc);
	s->starting = 0;
	pthread_mutex_unlock(&s->misc);
	if (s->daemon == NULL) {
		rc = ck_fail(err, CK_E_IO, "cannot serve on 127.0.0.1:%u%s%s", (unsigned)opts->port,
		             s->start_msg[0] ? ": " : "",
		             s->start_msg[0] ? s->start_msg : " (port in use, or TLS refused)");
		server_free(s);
		return rc;
	}
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info != NULL ? info->port : opts->port;
	*out = s;
	return CK_OK;
}

void
sim_server_stop(struct sim_server *server)
{
	if (server == NULL)
		return;
	pthread_mutex_lock(&server->stop_lock);
	server->stopping = 1;
	pthread_cond_broadcast(&server->stop_cond);
	pthread_mutex_unlock(&server->stop_lock);
	MHD_stop_daemon(server->daemon);
	server_free(server);
}
