/* SPDX-License-Identifier: MIT */
/*
 * config.h: the engine's configuration: the institutions it asks and how
 * hard it may push each (docs/config.md, schemas/config.xsd).
 *
 * Every institution setting has a default, which a <Defaults> element of
 * the file may change and each <Institution> may override (institution <-
 * file defaults <- built-in defaults).  Secrets are read from files that
 * nobody but the owner may read.
 *
 * Ownership: ck_config_load() allocates the whole configuration;
 * ck_config_free() frees it.  Strings inside belong to it.
 */
#ifndef CHAKONG_CONFIG_H
#define CHAKONG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "chakong/adapter.h"

struct ck_xsd_set;

struct ck_inst_config {
	char *id; /* [a-z0-9_-]{1,24}: in RequestIds and paths */
	enum ck_kind kind;
	char *name;
	char *base_url; /* http(s)://host[:port][/prefix], no trailing slash */
	char *district; /* real estate: the district it answers for, else NULL */
	int enabled;
	unsigned max_in_flight;      /* concurrent requests */
	unsigned rate_x100;          /* requests per second in hundredths; 0 = unlimited */
	unsigned connect_timeout_ms; /* common.md default 10 s */
	unsigned total_timeout_ms;   /* common.md default 30 s */
	unsigned retries;            /* failed attempts allowed before a query fails */
	unsigned backoff_base_ms;    /* first backoff; doubles per failure, full jitter */
	unsigned backoff_max_ms;
	unsigned breaker_failures;    /* consecutive failures that open the circuit */
	unsigned breaker_cooldown_ms; /* until a probe is let through */
	size_t max_body;              /* bytes; common.md default 8 MiB */
	size_t max_records;           /* common.md default 10 000 */
	char *ca_bundle;              /* PEM file; NULL: the system's trust store */
	char *client_cert;            /* PEM files for mutual TLS, or NULL */
	char *client_key;
	char *token; /* bearer token read from TokenFile, or NULL */
};

struct ck_config {
	struct ck_inst_config *insts;
	size_t n_insts;
};

/* Fills *c with the built-in defaults (no strings set). */
void ck_inst_config_defaults(struct ck_inst_config *c);

/*
 * Loads and checks a configuration file.  Errors name the line and the
 * field ("config.xml:12: MaxInFlight: must be 1 to 1024").  A secret file
 * (TokenFile, ClientKey) readable by group or others is refused.
 */
int ck_config_load(const char *path, struct ck_xsd_set *xsd, struct ck_config **out, char *err);
void ck_config_free(struct ck_config *c);

#endif
