/* SPDX-License-Identifier: MIT */
/*
 * server.h: the simulator's HTTP side (server.c): serving a world's
 * instances on loopback, the behaviour knobs of `chakong-sim serve --set`,
 * and the deterministic choice of faults and latencies.
 *
 * The server binds 127.0.0.1 only and runs one thread per connection (so a
 * latency or a stall simply sleeps in that connection's thread).  It routes
 * "/<instance id>/<rest>" to sim_handle() with path "/<rest>" and answers
 * the control endpoints "GET /_stats", "POST /_clock?advance=SECONDS" and
 * "POST /_reset_stats" itself (docs/sim-server.md).
 *
 * Ownership: the world belongs to the caller and must outlive the server;
 * its behaviour knobs are set (sim_behaviour_set/_load) before
 * sim_server_start() and not changed while it runs.  A struct sim_server is
 * made by sim_server_start() and freed by sim_server_stop(), which returns
 * once every connection thread has ended.
 */
#ifndef CHAKONG_SIM_SERVER_H
#define CHAKONG_SIM_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Request bodies above this are refused with 413. */
#define SIM_SERVER_MAX_BODY ((size_t)1 << 20)
/* The size an oversized answer exceeds (common.md: the engine's default). */
#define SIM_OVERSIZED_LIMIT ((size_t)8 << 20)
/* A stalled answer sends one byte per this many milliseconds. */
#define SIM_STALL_TICK_MS 250
/* Latencies are capped at this many milliseconds. */
#define SIM_LATENCY_CAP_MS 600000u

struct sim_server;

struct sim_server_opts {
	uint16_t port;                  /* 0: an ephemeral port */
	const char *tls_cert_file;      /* PEM certificate (chain); NULL: plain HTTP */
	const char *tls_key_file;       /* PEM private key; required with tls_cert_file */
	const char *tls_client_ca_file; /* PEM CA: clients must present a certificate it signed */
	int64_t clock_offset_ms;        /* added to the real time: see sim_clock_offset() */
	size_t max_body;                /* 0: SIM_SERVER_MAX_BODY */
};

/* Starts serving world.  CK_OK and *out, or CK_E_IO (cannot listen, TLS
 * files unreadable or refused), CK_E_NOMEM, CK_E_USAGE (a key without a
 * certificate, a client CA without TLS). */
int sim_server_start(const struct sim_world *world, const struct sim_server_opts *opts,
                     struct sim_server **out, char *err);

/* The port actually bound (the ephemeral one when opts->port was 0). */
uint16_t sim_server_port(const struct sim_server *server);
/* 1 when serving HTTPS. */
int sim_server_tls(const struct sim_server *server);

/* The simulator's clock: the real time plus the offset, in ms since the
 * epoch. */
int64_t sim_server_now_ms(struct sim_server *server);
/* Moves the clock forward (POST /_clock?advance=). CK_E_RANGE if seconds is
 * negative or absurd (more than 100 years). */
int sim_server_advance(struct sim_server *server, int64_t seconds, char *err);

/* Appends the stats document (GET /_stats) to out. */
void sim_server_stats(struct sim_server *server, struct ck_buf *out);
/* Zeroes every counter; the RequestId registry (and so distinct counts and
 * idempotency) is kept. */
void sim_server_reset_stats(struct sim_server *server);

/* Stops listening, wakes sleeping connections, waits for every connection
 * thread and frees the server.  NULL is a no-op. */
void sim_server_stop(struct sim_server *server);

/* ---- The clock at start (--now) ------------------------------------------ */

/* The offset that makes the clock read `text` now: any time
 * ck_clock_from_text() accepts.  CK_E_INVALID with a message quoting it. */
int sim_clock_offset(const char *text, int64_t *offset_ms, char *err);

/* ---- Behaviour knobs ------------------------------------------------------ */

/*
 * Sets one knob of b: key and value as in "latency" and "uniform:5-20".
 * Keys: latency (none | fixed:MS | uniform:MIN-MAX | lognormal:MEDIAN:SIGMA),
 * async_delay, poll_after, retry_after (seconds), page_size (items),
 * fault.CLASS (a rate 0..1, at most three decimals) and fault.CLASS.first
 * (attempts).  CK_E_USAGE for an unknown key, CK_E_INVALID for a bad value;
 * the message names the offending text.
 */
int sim_behaviour_apply(struct sim_behaviour *b, const char *key, const char *value, char *err);

/* Applies "INSTANCE.KEY=VALUE" (INSTANCE "*": every instance) to world.
 * CK_E_USAGE for text without "=" or "." or naming an unknown instance. */
int sim_behaviour_set(struct sim_world *world, const char *assignment, char *err);

/* Applies a file of such lines; blank lines and text after '#' are ignored.
 * Messages start with "path:line: ".  CK_E_IO when it cannot be read. */
int sim_behaviour_load(struct sim_world *world, const char *path, char *err);

/* Checks what single knobs cannot: that each instance's fault rates add up
 * to at most 1.  CK_E_INVALID naming the instance. */
int sim_behaviour_check(const struct sim_world *world, char *err);

/* ---- Determinism ---------------------------------------------------------- */

/*
 * The fault for attempt `attempt` (1-based) of request_id at instance, or -1
 * for none: first the `fault.CLASS.first` rules in class order, then one
 * draw against the rates (each class gets its own share of [0, 1)), seeded
 * from (seed, instance id, request_id, attempt).
 */
int sim_fault_choose(uint64_t seed, const struct sim_instance *instance, const char *request_id,
                     uint32_t attempt);

/* The latency for that attempt, in ms (at most SIM_LATENCY_CAP_MS). */
unsigned sim_latency_choose(uint64_t seed, const struct sim_instance *instance,
                            const char *request_id, uint32_t attempt);

#endif
