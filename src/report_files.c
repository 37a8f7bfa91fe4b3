/* SPDX-License-Identifier: MIT */
/*
 * report_files.c: report files on disk: safe names, atomic replacement,
 * and writing the reports that are due.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "chakong/error.h"
#include "chakong/report.h"

/* Case numbers are normalised at import ("(2024)苏1283执1234号"), but a
 * file name must be safe whatever the store holds.  ASCII letters, digits
 * and non-ASCII UTF-8 characters are kept; the year's parentheses become
 * "2024-"; any other byte becomes "_" and then the name also carries a hash
 * of the whole case number, so that distinct numbers never share a file
 * and no name can be ".", ".." or hold a separator. */
int
ck_report_file_name(const char *case_no, const char *ext, char *out, size_t outsz, char *err)
{
	char name[200];
	size_t len = 0;
	int replaced = 0, in_year = case_no[0] == '(';
	const unsigned char *p = (const unsigned char *)case_no + in_year;
	for (; *p != '\0'; p++) {
		if (len + 1 >= sizeof name) {
			replaced = 1;              /* too long: cut at a character boundary */
			if ((*p & 0xC0) == 0x80) { /* inside a character: drop its first bytes */
				while (len > 0 && ((unsigned char)name[len - 1] & 0xC0) == 0x80)
					len--;
				if (len > 0)
					len--;
			}
			break;
		}
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p >= 0x80) {
			name[len++] = (char)*p;
		} else if (*p == ')' && in_year) {
			name[len++] = '-';
			in_year = 0;
		} else {
			name[len++] = '_';
			replaced = 1;
		}
	}
	name[len] = '\0';
	char hash[16] = "";
	if (replaced || len == 0) {
		unsigned char md[SHA256_DIGEST_LENGTH];
		SHA256((const unsigned char *)case_no, strlen(case_no), md);
		snprintf(hash, sizeof hash, "%s%02x%02x%02x%02x", len ? "-" : "case-", md[0], md[1],
		         md[2], md[3]);
	}
	int n = snprintf(out, outsz, "%s%s.%s", name, hash, ext);
	if (n < 0 || (size_t)n >= outsz)
		return ck_fail(err, CK_E_RANGE, "a report file name for %s does not fit", case_no);
	return CK_OK;
}

/* Writes text to fd; 0 or an errno. */
static int
write_all(int fd, const char *text, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		if (w == 0)
			return EIO;
		done += (size_t)w;
	}
	return 0;
}

/* The temporary file beside path (same file system, so that the rename is
 * atomic), hidden by a leading dot: "dir/.name.tmp". */
static int
temporary_name(const char *path, char *tmp, size_t tmpsz, char *err)
{
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path) + 1 : 0;
	if ((size_t)snprintf(tmp, tmpsz, "%.*s.%s.tmp", dir_len, path, slash ? slash + 1 : path) >=
	    tmpsz)
		return ck_fail(err, CK_E_RANGE, "report path too long: %s", path);
	return CK_OK;
}

/* Creates tmp (mode 0600, never through a symbolic link) holding text,
 * flushed to disk when `flush`, else left for flush_file().  Nothing is left
 * behind on failure. */
static int
write_temporary(const char *tmp, const char *text, size_t len, int flush, char *err)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ck_fail(err, CK_E_IO, "%s: %s", tmp, strerror(errno));
	int e = write_all(fd, text, len);
	if (e == 0 && flush && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e != 0) {
		unlink(tmp);
		return ck_fail(err, CK_E_IO, "%s: %s", tmp, strerror(e));
	}
	return CK_OK;
}

/* Waits until the file written by write_temporary() is on disk. */
static int
flush_file(const char *tmp, char *err)
{
	int fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ck_fail(err, CK_E_IO, "%s: %s", tmp, strerror(errno));
	int e = fsync(fd) != 0 ? errno : 0;
	close(fd);
	return e != 0 ? ck_fail(err, CK_E_IO, "%s: %s", tmp, strerror(e)) : CK_OK;
}

int
ck_report_save(const char *path, const char *text, size_t len, char *err)
{
	char tmp[4096];
	int rc = temporary_name(path, tmp, sizeof tmp, err);
	if (rc == CK_OK)
		rc = write_temporary(tmp, text, len, 1, err);
	if (rc == CK_OK && rename(tmp, path) != 0) {
		rc = ck_fail(err, CK_E_IO, "%s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

static const struct {
	int flag;
	const char *ext;
} formats_table[] = {
    {CK_REPORT_HTML, "html"},
    {CK_REPORT_JSON, "json"},
    {CK_REPORT_CSV, "csv"},
};

static int
render(const struct ck_report *r, int flag, const struct ck_report_render *opt, struct ck_buf *b,
       char *err)
{
	switch (flag) {
	case CK_REPORT_HTML: return ck_report_html(r, opt, b, err);
	case CK_REPORT_JSON: return ck_report_json(r, b, err);
	default: return ck_report_csv(r, opt, b, err);
	}
}

/* ---- Batches ------------------------------------------------------------------ */

/* A batch is finished when it holds its limit of cases or has been open
 * BATCH_MS.  The limit starts at one case and doubles with each batch up
 * to BATCH_CASES: large batches make the flush cheap per case, and the
 * small first ones let a process killed again and again soon after it
 * starts still get reports out (what a kill loses is the open batch). */
enum { BATCH_CASES = 256, BATCH_MS = 50 };

static int64_t
monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct pending_file {
	char *tmp, *path;
};

struct written_round {
	char *case_no;
	int round;
};

struct ck_report_batch {
	struct ck_store *st;
	char *dir;
	int dir_fd;
	int64_t now;
	size_t limit;       /* finished by itself at this many cases, */
	size_t max_cases;   /* a limit that doubles up to this, */
	int64_t max_ms;     /* or when open this long */
	int64_t opened_ms;  /* monotonic time of the first case added since the last finish */
	int in_store_batch; /* the store transaction of the open batch is begun */
	struct pending_file *files;
	size_t n_files, cap_files;
	struct written_round *rounds;
	size_t n_rounds, cap_rounds;
};

int
ck_report_batch_new(struct ck_store *st, const char *dir, int64_t now, struct ck_report_batch **out,
                    char *err)
{
	*out = NULL;
	struct ck_report_batch *b = calloc(1, sizeof *b);
	if (b == NULL || (b->dir = strdup(dir)) == NULL) {
		free(b);
		return ck_fail(err, CK_E_NOMEM, "out of memory for a batch of reports");
	}
	b->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->dir_fd < 0) {
		int rc = ck_fail(err, CK_E_IO, "%s: %s", dir, strerror(errno));
		free(b->dir);
		free(b);
		return rc;
	}
	b->st = st;
	b->now = now;
	b->limit = 1;
	b->max_cases = BATCH_CASES;
	b->max_ms = BATCH_MS;
	*out = b;
	return CK_OK;
}

void
ck_report_batch_limits(struct ck_report_batch *b, size_t max_cases, int64_t max_ms)
{
	b->limit = b->max_cases = max_cases;
	b->max_ms = max_ms;
}

/* Drops the batch's pending files (their temporaries removed) and rounds. */
static void
forget_pending(struct ck_report_batch *b)
{
	for (size_t i = 0; i < b->n_files; i++) {
		if (b->files[i].tmp != NULL)
			unlink(b->files[i].tmp);
		free(b->files[i].tmp);
		free(b->files[i].path);
	}
	b->n_files = 0;
	for (size_t i = 0; i < b->n_rounds; i++)
		free(b->rounds[i].case_no);
	b->n_rounds = 0;
}

void
ck_report_batch_free(struct ck_report_batch *b)
{
	if (b == NULL)
		return;
	if (b->in_store_batch) /* nothing was written in it: only reads */
		ck_store_commit_batch(b->st, NULL);
	forget_pending(b);
	free(b->files);
	free(b->rounds);
	close(b->dir_fd);
	free(b->dir);
	free(b);
}

static int
grow(void **items, size_t *cap, size_t n, size_t size, char *err)
{
	if (n < *cap)
		return CK_OK;
	size_t new_cap = *cap ? *cap * 2 : 64;
	void *p = realloc(*items, new_cap * size);
	if (p == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory for a batch of reports");
	*items = p;
	*cap = new_cap;
	return CK_OK;
}

/* Writes one rendering to its temporary file, unflushed, and remembers it.
 * A file already pending in the batch (a case's later round) is rewritten
 * in place: the later rendering wins, as it would written one by one. */
static int
add_file(struct ck_report_batch *b, const char *name, const struct ck_buf *text, char *err)
{
	char path[4096], tmp[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", b->dir, name) >= sizeof path)
		return ck_fail(err, CK_E_RANGE, "report path too long in %s", b->dir);
	int rc = temporary_name(path, tmp, sizeof tmp, err);
	if (rc != CK_OK)
		return rc;
	size_t i = 0;
	while (i < b->n_files && strcmp(b->files[i].path, path) != 0)
		i++;
	if (i == b->n_files) {
		if ((rc = grow((void **)&b->files, &b->cap_files, b->n_files, sizeof *b->files,
		               err)) != CK_OK)
			return rc;
		struct pending_file *f = &b->files[b->n_files];
		f->path = strdup(path);
		f->tmp = NULL; /* set once the file exists, so that a failure removes it */
		if (f->path == NULL)
			return ck_fail(err, CK_E_NOMEM, "out of memory for a batch of reports");
		b->n_files++;
	}
	rc = write_temporary(tmp, text->data ? text->data : "", text->len, 0, err);
	if (rc == CK_OK && b->files[i].tmp == NULL && (b->files[i].tmp = strdup(tmp)) == NULL) {
		unlink(tmp);
		rc = ck_fail(err, CK_E_NOMEM, "out of memory for a batch of reports");
	}
	return rc;
}

static int
add_round(struct ck_report_batch *b, const char *case_no, int round, char *err)
{
	int rc = grow((void **)&b->rounds, &b->cap_rounds, b->n_rounds, sizeof *b->rounds, err);
	if (rc != CK_OK)
		return rc;
	if ((b->rounds[b->n_rounds].case_no = strdup(case_no)) == NULL)
		return ck_fail(err, CK_E_NOMEM, "out of memory for a batch of reports");
	b->rounds[b->n_rounds++].round = round;
	return CK_OK;
}

int
ck_report_batch_add(struct ck_report_batch *b, const char *case_no, int round, int formats,
                    const struct ck_report_render *opt, char *err)
{
	if (b->n_rounds == 0 && !b->in_store_batch) {
		/* One transaction for the batch: each report is read from one
		 * snapshot, whatever another process stores meanwhile, and the
		 * rounds are recorded in the same transaction. */
		int rc = ck_store_begin_batch(b->st, err);
		if (rc != CK_OK)
			return rc;
		b->in_store_batch = 1;
		b->opened_ms = monotonic_ms();
	}
	struct ck_report *r = NULL;
	int rc = ck_report_build(b->st, case_no, round, b->now, &r, err);
	for (size_t i = 0; rc == CK_OK && i < sizeof formats_table / sizeof formats_table[0]; i++) {
		if (!(formats & formats_table[i].flag))
			continue;
		char name[512];
		struct ck_buf text = {0};
		rc = ck_report_file_name(r->case_no, formats_table[i].ext, name, sizeof name, err);
		if (rc == CK_OK)
			rc = render(r, formats_table[i].flag, opt, &text, err);
		if (rc == CK_OK)
			rc = add_file(b, name, &text, err);
		ck_buf_release(&text);
	}
	if (rc == CK_OK)
		rc = add_round(b, r->case_no, r->round, err);
	ck_report_free(r);
	if (rc == CK_OK && (b->n_rounds >= b->limit || monotonic_ms() - b->opened_ms >= b->max_ms))
		rc = ck_report_batch_finish(b, err);
	return rc;
}

/*
 * The files of a batch are flushed by FLUSHERS threads at once, each taking
 * every FLUSHERS-th file.  An fsync waits for the device; one after the
 * other, a batch's fsyncs each waited for a journal commit and for its own
 * write.  Issued together, the file system gathers them into a few commits
 * and the device gets its writes queued together: a batch of 512 files is
 * on disk in about a third of the time.  (Starting each file's writing as
 * it was written, with sync_file_range, made creating the next files wait
 * for the journal instead.)  Syncing the whole file system would also wait
 * for every other process's writes.
 */
enum { FLUSHERS = 8 };

struct flusher {
	struct ck_report_batch *b;
	size_t first;
	int rc;
	char err[CK_ERR_SIZE];
};

static void *
flush_share(void *arg)
{
	struct flusher *f = arg;
	for (size_t i = f->first; f->rc == CK_OK && i < f->b->n_files; i += FLUSHERS)
		f->rc = flush_file(f->b->files[i].tmp, f->err);
	return NULL;
}

/* Every file of the batch on disk, or the first failure. */
static int
flush_files(struct ck_report_batch *b, char *err)
{
	struct flusher share[FLUSHERS];
	pthread_t thread[FLUSHERS];
	int started[FLUSHERS] = {0};
	for (size_t k = 0; k < FLUSHERS && k < b->n_files; k++) {
		share[k] = (struct flusher){.b = b, .first = k, .rc = CK_OK};
		/* The first share is this thread's, as is any a thread could
		 * not be started for. */
		started[k] = k > 0 && pthread_create(&thread[k], NULL, flush_share, &share[k]) == 0;
	}
	int rc = CK_OK;
	for (size_t k = 0; k < FLUSHERS && k < b->n_files; k++) {
		if (started[k])
			pthread_join(thread[k], NULL);
		else
			flush_share(&share[k]);
		if (share[k].rc != CK_OK && rc == CK_OK) {
			rc = share[k].rc;
			memcpy(err, share[k].err, CK_ERR_SIZE);
		}
	}
	return rc;
}

/* Every file's data reaches the disk before any takes its final name, and
 * the names before the store says the reports are written: after a crash
 * a report file is whole (old or new), and a round recorded as reported
 * has its files. */
int
ck_report_batch_finish(struct ck_report_batch *b, char *err)
{
	int rc = flush_files(b, err);
	for (size_t i = 0; rc == CK_OK && i < b->n_files; i++) {
		if (rename(b->files[i].tmp, b->files[i].path) != 0)
			rc = ck_fail(err, CK_E_IO, "%s: %s", b->files[i].path, strerror(errno));
		else {
			free(b->files[i].tmp);
			b->files[i].tmp = NULL;
		}
	}
	if (rc == CK_OK && b->n_files > 0 && fsync(b->dir_fd) != 0)
		rc = ck_fail(err, CK_E_IO, "%s: %s", b->dir, strerror(errno));
	for (size_t i = 0; rc == CK_OK && i < b->n_rounds; i++)
		rc = ck_store_report_written(b->st, b->rounds[i].case_no, b->rounds[i].round,
		                             b->now, err);
	/* A failed step leaves the rounds unrecorded (the transaction ends
	 * with nothing of them): they are written again. */
	if (b->in_store_batch) {
		b->in_store_batch = 0;
		int end = ck_store_commit_batch(b->st, rc == CK_OK ? err : NULL);
		if (rc == CK_OK)
			rc = end;
	}
	forget_pending(b);
	if (b->limit < b->max_cases)
		b->limit = b->limit * 2 < b->max_cases ? b->limit * 2 : b->max_cases;
	return rc;
}

int
ck_report_write_files(struct ck_store *st, const char *case_no, int round, const char *dir,
                      int formats, const struct ck_report_render *opt, int64_t now, char *err)
{
	struct ck_report_batch *b = NULL;
	int rc = ck_report_batch_new(st, dir, now, &b, err);
	if (rc == CK_OK)
		rc = ck_report_batch_add(b, case_no, round, formats, opt, err);
	if (rc == CK_OK)
		rc = ck_report_batch_finish(b, err);
	ck_report_batch_free(b);
	return rc;
}

/* The due list is read first, then written: writing updates the rounds
 * table that the listing statement reads. */
struct due {
	char **case_no;
	int *round;
	size_t n, cap;
};

static int
on_due(void *ctx, const char *case_no, int round)
{
	struct due *d = ctx;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		char **c = realloc(d->case_no, cap * sizeof *c);
		if (c != NULL)
			d->case_no = c;
		int *r = realloc(d->round, cap * sizeof *r);
		if (r != NULL)
			d->round = r;
		if (c == NULL || r == NULL)
			return CK_E_NOMEM;
		d->cap = cap;
	}
	if ((d->case_no[d->n] = strdup(case_no)) == NULL)
		return CK_E_NOMEM;
	d->round[d->n++] = round;
	return 0;
}

int
ck_report_write_due(struct ck_store *st, const char *dir, int formats,
                    const struct ck_report_render *opt, int64_t now, int *written, char *err)
{
	struct due due = {0};
	int rc = ck_store_each_report_due(st, now, on_due, &due, err);
	if (rc == CK_E_NOMEM)
		ck_fail(err, CK_E_NOMEM, "out of memory listing the reports due");
	struct ck_report_batch *b = NULL;
	if (rc == CK_OK && due.n > 0)
		rc = ck_report_batch_new(st, dir, now, &b, err);
	int count = 0;
	for (size_t i = 0; rc == CK_OK && i < due.n; i++) {
		rc = ck_report_batch_add(b, due.case_no[i], due.round[i], formats, opt, err);
		/* Counted once the batch holding it is finished. */
		if (rc == CK_OK && b->n_rounds == 0)
			count = (int)i + 1;
	}
	if (rc == CK_OK && b != NULL && (rc = ck_report_batch_finish(b, err)) == CK_OK)
		count = (int)due.n;
	ck_report_batch_free(b);
	for (size_t i = 0; i < due.n; i++)
		free(due.case_no[i]);
	free(due.case_no);
	free(due.round);
	if (written != NULL)
		*written = count;
	return rc;
}
