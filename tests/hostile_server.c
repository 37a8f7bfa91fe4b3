/* SPDX-License-Identifier: MIT */
/* hostile_server.c: see hostile_server.h. */
#define _GNU_SOURCE
#include "hostile_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS   1024
#define MAX_REQUEST ((size_t)1 << 20)
#define CHUNK       ((size_t)64 << 10)

struct hs_server {
	const struct hs_route *routes;
	size_t n_routes;
	int lfd;
	uint16_t port;
	pthread_t acceptor;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	int stopping;
	int active;
	int fds[MAX_CONNS]; /* open connections, -1 for a free slot */
	char *paths;        /* one line per request */
	size_t paths_len, paths_cap;
};

struct conn {
	struct hs_server *s;
	int fd, slot;
};

static int
stopping(struct hs_server *s)
{
	pthread_mutex_lock(&s->mu);
	int v = s->stopping;
	pthread_mutex_unlock(&s->mu);
	return v;
}

static int
send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The value of header `name` in the head [head, head + len), copied into
 * out; "" when absent. */
static void
header_value(const char *head, const char *name, char *out, size_t size)
{
	out[0] = '\0';
	size_t n = strlen(name);
	for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			while (*v == ' ')
				v++;
			size_t vlen = strcspn(v, "\r\n");
			if (vlen >= size)
				vlen = size - 1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return;
		}
	}
}

/* body with "{RID}" replaced by rid; caller frees. */
static char *
fill_rid(const char *body, size_t len, const char *rid, size_t *out_len)
{
	size_t cap = len + 1, used = 0;
	for (const char *p = body; (p = memmem(p, len - (size_t)(p - body), "{RID}", 5)) != NULL;
	     p += 5)
		cap += strlen(rid);
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len;) {
		if (len - i >= 5 && memcmp(body + i, "{RID}", 5) == 0) {
			memcpy(out + used, rid, strlen(rid));
			used += strlen(rid);
			i += 5;
		} else {
			out[used++] = body[i++];
		}
	}
	out[used] = '\0';
	*out_len = used;
	return out;
}

/* Repeats filler over buf[0..size). */
static void
fill_pattern(char *buf, size_t size, const char *filler)
{
	size_t f = strlen(filler);
	for (size_t i = 0; i < size; i++)
		buf[i] = filler[i % f];
}

static void
respond(struct hs_server *s, int fd, const struct hs_route *r, const char *rid,
        const char *request_body)
{
	const char *body = r->body ? r->body : "";
	size_t body_len = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
	if (r->if_request_has != NULL && request_body != NULL &&
	    strstr(request_body, r->if_request_has) != NULL) {
		body = r->then_body;
		body_len = strlen(body);
	}
	size_t len = 0;
	char *text = fill_rid(body, body_len, rid, &len);
	if (text == NULL)
		return;
	const char *type = r->content_type ? r->content_type : "application/xml; charset=utf-8";
	int status = r->status ? r->status : 200;
	char head[1024];
	const char *filler = r->filler ? r->filler : "<a/>";
	switch (r->mode) {
	case HS_BODY:
		snprintf(head, sizeof head,
		         "HTTP/1.1 %d Answer\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		         "Connection: close\r\n\r\n",
		         status, type, len);
		if (send_all(fd, head, strlen(head)) == 0)
			send_all(fd, text, len);
		break;
	case HS_HUGE:
	case HS_HUGE_CHUNKED: {
		int chunked = r->mode == HS_HUGE_CHUNKED;
		if (chunked)
			snprintf(head, sizeof head,
			         "HTTP/1.1 %d Answer\r\nContent-Type: %s\r\n"
			         "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
			         status, type);
		else
			snprintf(head, sizeof head,
			         "HTTP/1.1 %d Answer\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			         "Connection: close\r\n\r\n",
			         status, type, r->size);
		char *chunk = malloc(CHUNK);
		if (chunk == NULL || send_all(fd, head, strlen(head)) != 0) {
			free(chunk);
			break;
		}
		fill_pattern(chunk, CHUNK, filler);
		size_t sent = 0;
		int failed = 0;
		while (!failed && sent < r->size && !stopping(s)) {
			const char *p = sent < len ? text + sent : chunk;
			size_t n = sent < len ? len - sent : CHUNK;
			if (n > r->size - sent)
				n = r->size - sent;
			if (chunked) {
				char size_line[32];
				snprintf(size_line, sizeof size_line, "%zx\r\n", n);
				failed = send_all(fd, size_line, strlen(size_line)) != 0 ||
				         send_all(fd, p, n) != 0 || send_all(fd, "\r\n", 2) != 0;
			} else {
				failed = send_all(fd, p, n) != 0;
			}
			sent += n;
		}
		if (!failed && chunked)
			send_all(fd, "0\r\n\r\n", 5);
		free(chunk);
		break;
	}
	case HS_TRICKLE:
		snprintf(head, sizeof head,
		         "HTTP/1.1 %d Answer\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		         "Connection: close\r\n\r\n",
		         status, type, r->size);
		if (send_all(fd, head, strlen(head)) != 0 || send_all(fd, text, len) != 0)
			break;
		for (size_t i = 0; !stopping(s); i++) {
			sleep_ms(r->tick_ms ? r->tick_ms : 100);
			if (send_all(fd, filler + i % strlen(filler), 1) != 0)
				break;
		}
		break;
	case HS_HEADERS: {
		snprintf(head, sizeof head,
		         "HTTP/1.1 %d Answer\r\nContent-Type: %s\r\nX-Filler: ", status, type);
		char *big = malloc(CHUNK);
		if (big == NULL || send_all(fd, head, strlen(head)) != 0) {
			free(big);
			break;
		}
		memset(big, 'h', CHUNK);
		int failed = 0;
		for (size_t sent = 0; !failed && sent < r->size && !stopping(s); sent += CHUNK)
			failed = send_all(fd, big, r->size - sent < CHUNK ? r->size - sent : CHUNK);
		free(big);
		snprintf(head, sizeof head, "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		         len);
		if (!failed && send_all(fd, head, strlen(head)) == 0)
			send_all(fd, text, len);
		break;
	}
	}
	free(text);
}

static void
note_path(struct hs_server *s, const char *path)
{
	pthread_mutex_lock(&s->mu);
	size_t n = strlen(path);
	if (s->paths_len + n + 2 > s->paths_cap) {
		size_t cap = (s->paths_len + n + 2) * 2;
		char *grown = realloc(s->paths, cap);
		if (grown != NULL) {
			s->paths = grown;
			s->paths_cap = cap;
		}
	}
	if (s->paths_len + n + 2 <= s->paths_cap) {
		memcpy(s->paths + s->paths_len, path, n);
		s->paths_len += n;
		s->paths[s->paths_len++] = '\n';
		s->paths[s->paths_len] = '\0';
	}
	pthread_mutex_unlock(&s->mu);
}

static void *
serve(void *arg)
{
	struct conn *c = arg;
	struct hs_server *s = c->s;
	char *req = malloc(MAX_REQUEST + 1);
	size_t used = 0;
	char *end = NULL;
	while (req != NULL && used < MAX_REQUEST) {
		ssize_t n = recv(c->fd, req + used, MAX_REQUEST - used, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		req[used] = '\0';
		end = strstr(req, "\r\n\r\n");
		if (end == NULL)
			continue;
		char cl[32];
		*end = '\0';
		header_value(req, "Content-Length", cl, sizeof cl);
		*end = '\r';
		size_t want = (size_t)(end + 4 - req) + (size_t)strtoul(cl, NULL, 10);
		if (used >= want || want > MAX_REQUEST)
			break;
	}
	if (req != NULL && end != NULL) {
		*end = '\0';
		char method[16] = "", path[2048] = "", rid[128];
		sscanf(req, "%15s %2047s", method, path);
		header_value(req, "X-Request-Id", rid, sizeof rid);
		note_path(s, path);
		const char *request_body = end + 4;
		for (size_t i = 0; i < s->n_routes; i++) {
			const struct hs_route *r = &s->routes[i];
			if (strncmp(path, r->prefix, strlen(r->prefix)) == 0) {
				respond(s, c->fd, r, rid, request_body);
				break;
			}
		}
	}
	free(req);
	pthread_mutex_lock(&s->mu);
	s->fds[c->slot] = -1;
	close(c->fd);
	s->active--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->mu);
	free(c);
	return NULL;
}

static void *
accept_loop(void *arg)
{
	struct hs_server *s = arg;
	for (;;) {
		int fd = accept(s->lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL; /* the listening socket was shut down */
		}
		pthread_mutex_lock(&s->mu);
		int slot = -1;
		for (int i = 0; i < MAX_CONNS && slot < 0; i++)
			if (s->fds[i] < 0)
				slot = i;
		struct conn *c = slot >= 0 && !s->stopping ? malloc(sizeof *c) : NULL;
		pthread_t t;
		if (c != NULL) {
			*c = (struct conn){.s = s, .fd = fd, .slot = slot};
			s->fds[slot] = fd;
			s->active++;
			if (pthread_create(&t, NULL, serve, c) == 0) {
				pthread_detach(t);
			} else {
				s->fds[slot] = -1;
				s->active--;
				free(c);
				c = NULL;
			}
		}
		pthread_mutex_unlock(&s->mu);
		if (c == NULL)
			close(fd);
	}
}

int
hs_start(const struct hs_route *routes, size_t n, struct hs_server **out)
{
	struct hs_server *s = calloc(1, sizeof *s);
	if (s == NULL)
		return -1;
	s->routes = routes;
	s->n_routes = n;
	for (int i = 0; i < MAX_CONNS; i++)
		s->fds[i] = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(s->lfd, 128) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0 ||
	    pthread_create(&s->acceptor, NULL, accept_loop, s) != 0) {
		int e = errno;
		if (s->lfd >= 0)
			close(s->lfd);
		free(s);
		errno = e;
		return -1;
	}
	s->port = ntohs(a.sin_port);
	*out = s;
	return 0;
}

uint16_t
hs_port(const struct hs_server *s)
{
	return s->port;
}

unsigned
hs_requests(struct hs_server *s, const char *prefix)
{
	unsigned n = 0;
	pthread_mutex_lock(&s->mu);
	size_t plen = prefix ? strlen(prefix) : 0;
	for (const char *line = s->paths; line != NULL && *line; line = strchr(line, '\n') + 1)
		n += plen == 0 || strncmp(line, prefix, plen) == 0;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const char *
hs_paths(struct hs_server *s)
{
	return s->paths ? s->paths : "";
}

void
hs_stop(struct hs_server *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	pthread_mutex_unlock(&s->mu);
	shutdown(s->lfd, SHUT_RDWR);
	pthread_join(s->acceptor, NULL);
	close(s->lfd);
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < MAX_CONNS; i++)
		if (s->fds[i] >= 0)
			shutdown(s->fds[i], SHUT_RDWR);
	while (s->active > 0)
		pthread_cond_wait(&s->idle, &s->mu);
	pthread_mutex_unlock(&s->mu);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->idle);
	free(s->paths);
	free(s);
}
