/* SPDX-License-Identifier: MIT */
/*
 * report_files.c: report files on disk: safe names, atomic replacement,
 * and writing the reports that are due.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int
ck_report_save(const char *path, const char *text, size_t len, char *err)
{
	/* The temporary file sits beside the target (same file system, so the
	 * rename is atomic), hidden by a leading dot. */
	char tmp[4096];
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path) + 1 : 0;
	if ((size_t)snprintf(tmp, sizeof tmp, "%.*s.%s.tmp", dir_len, path,
	                     slash ? slash + 1 : path) >= sizeof tmp)
		return ck_fail(err, CK_E_RANGE, "report path too long: %s", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ck_fail(err, CK_E_IO, "%s: %s", tmp, strerror(errno));
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	int ok = done == len && fsync(fd) == 0;
	int saved = errno;
	if (close(fd) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (!ok || rename(tmp, path) != 0) {
		if (ok)
			saved = errno;
		unlink(tmp);
		return ck_fail(err, CK_E_IO, "%s: %s", path, strerror(saved));
	}
	return CK_OK;
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

int
ck_report_write_files(struct ck_store *st, const char *case_no, int round, const char *dir,
                      int formats, const struct ck_report_render *opt, int64_t now, char *err)
{
	struct ck_report *r = NULL;
	int rc = ck_report_build(st, case_no, round, now, &r, err);
	for (size_t i = 0; rc == CK_OK && i < sizeof formats_table / sizeof formats_table[0]; i++) {
		if (!(formats & formats_table[i].flag))
			continue;
		char name[512];
		struct ck_buf b = {0};
		rc = ck_report_file_name(r->case_no, formats_table[i].ext, name, sizeof name, err);
		if (rc == CK_OK)
			rc = render(r, formats_table[i].flag, opt, &b, err);
		char path[4096];
		if (rc == CK_OK &&
		    (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
			rc = ck_fail(err, CK_E_RANGE, "report path too long in %s", dir);
		if (rc == CK_OK)
			rc = ck_report_save(path, b.data ? b.data : "", b.len, err);
		ck_buf_release(&b);
	}
	if (rc == CK_OK)
		rc = ck_store_report_written(st, r->case_no, r->round, now, err);
	ck_report_free(r);
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
	int count = 0;
	for (size_t i = 0; rc == CK_OK && i < due.n; i++) {
		rc = ck_report_write_files(st, due.case_no[i], due.round[i], dir, formats, opt, now,
		                           err);
		count += rc == CK_OK;
	}
	for (size_t i = 0; i < due.n; i++)
		free(due.case_no[i]);
	free(due.case_no);
	free(due.round);
	if (written != NULL)
		*written = count;
	return rc;
}
