/* SPDX-License-Identifier: MIT */
/* testutil.c: see testutil.h. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *
ck_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/chakong-test-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(tmpl) == NULL)
		fail_msg("mkdtemp %s: %s", tmpl, strerror(errno));
	return strdup(tmpl);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
ck_test_rmtree(const char *path)
{
	if (path != NULL)
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *
ck_test_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

char *
ck_test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

void
ck_test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

struct sink {
	int fd;
	char *buf;
	size_t len, cap;
};

static int
drain(struct sink *s)
{
	char chunk[8192];
	ssize_t n = read(s->fd, chunk, sizeof chunk);
	if (n <= 0)
		return 0;
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->len + (size_t)n + 1) * 2;
		s->buf = realloc(s->buf, s->cap);
		assert_non_null(s->buf);
	}
	memcpy(s->buf + s->len, chunk, (size_t)n);
	s->len += (size_t)n;
	s->buf[s->len] = '\0';
	return 1;
}

void
ck_test_run(struct ck_test_run *run, const char *cwd, char *const argv[])
{
	int outp[2], errp[2];
	assert_int_equal(pipe(outp), 0);
	assert_int_equal(pipe(errp), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		close(outp[0]);
		close(errp[0]);
		if (cwd != NULL && chdir(cwd) != 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	struct sink sinks[2] = {{outp[0], NULL, 0, 0}, {errp[0], NULL, 0, 0}};
	int open_count = 2;
	while (open_count > 0) {
		struct pollfd pfd[2];
		int n = 0;
		for (int i = 0; i < 2; i++)
			if (sinks[i].fd >= 0)
				pfd[n++] = (struct pollfd){.fd = sinks[i].fd, .events = POLLIN};
		if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		for (int i = 0; i < 2; i++) {
			if (sinks[i].fd < 0)
				continue;
			for (int j = 0; j < n; j++)
				if (pfd[j].fd == sinks[i].fd && pfd[j].revents &&
				    !drain(&sinks[i])) {
					close(sinks[i].fd);
					sinks[i].fd = -1;
					open_count--;
				}
		}
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	run->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	run->out = sinks[0].buf ? sinks[0].buf : strdup("");
	run->errout = sinks[1].buf ? sinks[1].buf : strdup("");
}

void
ck_test_run_free(struct ck_test_run *run)
{
	free(run->out);
	free(run->errout);
	run->out = run->errout = NULL;
}

int
ck_test_count(const char *haystack, const char *needle)
{
	int n = 0;
	size_t len = strlen(needle);
	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += len)
		n++;
	return n;
}
