/* SPDX-License-Identifier: MIT */
/*
 * hostile_server.h: a small HTTP/1.1 server on 127.0.0.1 for the hostile
 * input suites: it answers each request by the first route whose prefix
 * starts the request path, with canned bodies (the request's X-Request-Id
 * put in for "{RID}"), bodies far larger than any limit (streamed, with or
 * without a Content-Length), or a trickle of one byte now and then that
 * never ends.  Unlike chakong-sim it knows no institution: each route is
 * exactly what a test wants an institution to send.
 *
 * One thread per connection; every answer closes its connection.
 * hs_stop() wakes and waits for every connection thread, so a test ends
 * with nothing left running.
 *
 * Ownership: routes (and the strings they point to) are borrowed and must
 * outlive the server.
 */
#ifndef CK_HOSTILE_SERVER_H
#define CK_HOSTILE_SERVER_H

#include <stddef.h>
#include <stdint.h>

/* How a route answers. */
enum hs_mode {
	/* status, headers and body, with its Content-Length */
	HS_BODY = 0,
	/* body, then filler up to `size` bytes, with Content-Length: size */
	HS_HUGE,
	/* the same in chunked encoding, no length announced */
	HS_HUGE_CHUNKED,
	/* headers promising `size` bytes, body, then a byte every `tick_ms`,
	 * for ever */
	HS_TRICKLE,
	/* headers, one of them `size` bytes long, then body */
	HS_HEADERS
};

struct hs_route {
	const char *prefix; /* "/bank-huge/": the institution's base path */
	enum hs_mode mode;
	int status;               /* 0 means 200 */
	const char *content_type; /* NULL means "application/xml; charset=utf-8" */
	const char *body;         /* "{RID}" stands for the request's X-Request-Id */
	size_t body_len;          /* 0 means strlen(body) */
	const char *filler;       /* HS_HUGE*: repeated after body ("<a/>" when NULL) */
	size_t size;              /* HS_HUGE*, HS_TRICKLE, HS_HEADERS: see the modes */
	unsigned tick_ms;         /* HS_TRICKLE */
	/* When the request body contains `if_request_has`, answer `then_body`
	 * instead (e-commerce: a hostile second page). */
	const char *if_request_has;
	const char *then_body;
};

struct hs_server;

/* Starts serving routes[0..n) on an ephemeral loopback port.  0, or -1
 * (errno set) when it cannot listen. */
int hs_start(const struct hs_route *routes, size_t n, struct hs_server **out);
uint16_t hs_port(const struct hs_server *s);
/* Requests received so far whose path starts with prefix (all for NULL). */
unsigned hs_requests(struct hs_server *s, const char *prefix);
/* The paths of every request received, one per line ("" before any);
 * valid until hs_stop(). */
const char *hs_paths(struct hs_server *s);
/* Stops listening, ends every connection and frees the server. */
void hs_stop(struct hs_server *s);

#endif
