/* SPDX-License-Identifier: MIT */
/*
 * config.c: loading the engine's configuration (config.h): the schema
 * checks the structure, this file the rest (ranges, unique ids, URLs,
 * secret files), each message naming the file, the line and the field.
 *
 * Settings are data: one table names each setting's element, its field in
 * struct ck_inst_config and its range, so that Defaults and Institution
 * read them the same way.
 */
#include "chakong/config.h"
#include "chakong/amount.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_NS  "urn:chakong:config:1"
#define SECRET_MAX 4096

void
ck_inst_config_defaults(struct ck_inst_config *c)
{
	memset(c, 0, sizeof *c);
	c->enabled = 1;
	c->max_in_flight = 8;
	c->rate_x100 = 0; /* unlimited unless the institution says */
	c->connect_timeout_ms = 10000;
	c->total_timeout_ms = 30000;
	c->retries = 6;
	c->backoff_base_ms = 500;
	c->backoff_max_ms = 60000;
	c->breaker_failures = 8;
	c->breaker_cooldown_ms = 30000;
	c->max_body = (size_t)8 << 20;
	c->max_records = 10000;
}

/* Numeric settings: element name, where it goes, and its allowed range. */
enum setting_type { SET_UINT, SET_SIZE, SET_RATE };

static const struct setting {
	const char *element;
	enum setting_type type;
	size_t offset;
	unsigned long long min, max;
} settings[] = {
    {"MaxInFlight", SET_UINT, offsetof(struct ck_inst_config, max_in_flight), 1, 1024},
    {"RatePerSecond", SET_RATE, offsetof(struct ck_inst_config, rate_x100), 0, 10000000},
    {"ConnectTimeoutMs", SET_UINT, offsetof(struct ck_inst_config, connect_timeout_ms), 100,
     600000},
    {"TotalTimeoutMs", SET_UINT, offsetof(struct ck_inst_config, total_timeout_ms), 100, 3600000},
    {"Retries", SET_UINT, offsetof(struct ck_inst_config, retries), 0, 100},
    {"BackoffBaseMs", SET_UINT, offsetof(struct ck_inst_config, backoff_base_ms), 1, 3600000},
    {"BackoffMaxMs", SET_UINT, offsetof(struct ck_inst_config, backoff_max_ms), 1, 86400000},
    {"BreakerFailures", SET_UINT, offsetof(struct ck_inst_config, breaker_failures), 1, 10000},
    {"BreakerCooldownMs", SET_UINT, offsetof(struct ck_inst_config, breaker_cooldown_ms), 1,
     86400000},
    {"MaxBodyBytes", SET_SIZE, offsetof(struct ck_inst_config, max_body), 1024,
     (unsigned long long)1 << 30},
    {"MaxRecords", SET_SIZE, offsetof(struct ck_inst_config, max_records), 1, 10000000},
};

/* File settings: element name and where the path goes. */
static const struct {
	const char *element;
	size_t offset;
} paths[] = {
    {"CaBundle", offsetof(struct ck_inst_config, ca_bundle)},
    {"ClientCert", offsetof(struct ck_inst_config, client_cert)},
    {"ClientKey", offsetof(struct ck_inst_config, client_key)},
    {"TokenFile", offsetof(struct ck_inst_config, token)}, /* read below */
};

static int
set_number(const char *where, const xmlNode *n, const struct setting *s, struct ck_inst_config *c,
           char *err)
{
	char *text = ck_xml_text(n);
	unsigned long long v = 0;
	int ok = text != NULL;
	if (ok && s->type == SET_RATE) {
		int64_t hundredths;
		ok = ck_amount_parse(text, &hundredths, NULL) == CK_OK && hundredths >= 0;
		v = ok ? (unsigned long long)hundredths : 0;
	} else if (ok) {
		char *end;
		errno = 0;
		v = strtoull(text, &end, 10);
		ok = errno == 0 && end != text && *end == '\0';
	}
	int in_range = ok && v >= s->min && v <= s->max;
	int rc = CK_OK;
	if (!in_range)
		rc = ck_fail(err, CK_E_INVALID, "%s:%ld: %s \"%s\": must be %llu to %llu%s", where,
		             ck_xml_line(n), s->element, text ? text : "", s->min,
		             s->type == SET_RATE ? s->max / 100 : s->max,
		             s->type == SET_RATE ? " (requests per second)" : "");
	else if (s->type == SET_SIZE)
		*(size_t *)(void *)((char *)c + s->offset) = (size_t)v;
	else
		*(unsigned *)(void *)((char *)c + s->offset) = (unsigned)v;
	free(text);
	return rc;
}

/* Reads the settings that stand under parent into c (over what c holds). */
static int
read_settings(const char *where, const xmlNode *parent, struct ck_inst_config *c, char *err)
{
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
		xmlNode *n = ck_xml_first(parent, CONFIG_NS, settings[i].element);
		if (n != NULL) {
			int rc = set_number(where, n, &settings[i], c, err);
			if (rc != CK_OK)
				return rc;
		}
	}
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		char *text = ck_xml_child_text(parent, CONFIG_NS, paths[i].element);
		if (text == NULL)
			continue;
		char **field = (char **)(void *)((char *)c + paths[i].offset);
		free(*field);
		*field = text;
	}
	return CK_OK;
}

static void
release_inst(struct ck_inst_config *c)
{
	free(c->id);
	free(c->name);
	free(c->base_url);
	free(c->district);
	free(c->ca_bundle);
	free(c->client_cert);
	free(c->client_key);
	if (c->token != NULL)
		memset(c->token, 0, strlen(c->token));
	free(c->token);
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A copy of the defaults' strings, so each institution owns its own. */
static int
copy_defaults(struct ck_inst_config *to, const struct ck_inst_config *from)
{
	*to = *from;
	to->id = to->name = to->base_url = to->district = NULL;
	to->ca_bundle = dup_or_null(from->ca_bundle);
	to->client_cert = dup_or_null(from->client_cert);
	to->client_key = dup_or_null(from->client_key);
	to->token = dup_or_null(from->token);
	return (from->ca_bundle && !to->ca_bundle) || (from->client_cert && !to->client_cert) ||
	               (from->client_key && !to->client_key) || (from->token && !to->token)
	           ? CK_E_NOMEM
	           : CK_OK;
}

/* common.md: plain HTTP is allowed only to loopback. */
static int
check_url(const char *where, long line, char *url, char *err)
{
	const char *host;
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return ck_fail(err, CK_E_INVALID,
		               "%s:%ld: BaseUrl \"%s\": must start with https://", where, line,
		               url);
	if (host[0] == '\0' || host[0] == '/')
		return ck_fail(err, CK_E_INVALID, "%s:%ld: BaseUrl \"%s\": no host", where, line,
		               url);
	if (host == url + 7) {
		static const char *const loopback[] = {"127.0.0.1", "localhost", "[::1]"};
		int ok = 0;
		for (size_t i = 0; i < 3 && !ok; i++) {
			size_t n = strlen(loopback[i]);
			ok = strncmp(host, loopback[i], n) == 0 &&
			     (host[n] == '\0' || host[n] == ':' || host[n] == '/');
		}
		if (!ok)
			return ck_fail(err, CK_E_INVALID,
			               "%s:%ld: BaseUrl \"%s\": plain http is allowed only to "
			               "loopback; use https",
			               where, line, url);
	}
	size_t len = strlen(url);
	while (len > 0 && url[len - 1] == '/')
		url[--len] = '\0'; /* request paths start with '/' */
	return CK_OK;
}

/* Refuses a secret file that group or others may read or write: the file
 * open as fd when fd >= 0 (so that what is checked is what is read), else
 * the file at path. */
static int
check_private(const char *where, long line, const char *field, const char *path, int fd, char *err)
{
	struct stat sb;
	if ((fd >= 0 ? fstat(fd, &sb) : stat(path, &sb)) != 0)
		return ck_fail(err, CK_E_IO, "%s:%ld: %s %s: %s", where, line, field, path,
		               strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return ck_fail(err, CK_E_INVALID, "%s:%ld: %s %s is not a regular file", where,
		               line, field, path);
	if (sb.st_mode & 077)
		return ck_fail(err, CK_E_INVALID,
		               "%s:%ld: %s %s is readable by others (mode %04o): "
		               "run chmod 600 on it",
		               where, line, field, path, (unsigned)(sb.st_mode & 07777));
	return CK_OK;
}

/* Replaces c->token (a path) with the token the file holds. */
static int
read_token(const char *where, long line, struct ck_inst_config *c, char *err)
{
	int fd = open(c->token, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return ck_fail(err, CK_E_IO, "%s:%ld: TokenFile %s: %s", where, line, c->token,
		               strerror(errno));
	int rc = check_private(where, line, "TokenFile", c->token, fd, err);
	if (rc != CK_OK) {
		close(fd);
		return rc;
	}
	char buf[SECRET_MAX + 1];
	ssize_t n = read(fd, buf, SECRET_MAX + 1);
	close(fd);
	if (n < 0 || n > SECRET_MAX)
		return ck_fail(err, CK_E_INVALID, "%s:%ld: TokenFile %s: %s", where, line, c->token,
		               n < 0 ? strerror(errno) : "larger than 4 KiB");
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x21 || (unsigned char)buf[i] > 0x7e)
			return ck_fail(err, CK_E_INVALID,
			               "%s:%ld: TokenFile %s: the token must be printable ASCII "
			               "without blanks",
			               where, line, c->token);
	if (n == 0)
		return ck_fail(err, CK_E_INVALID, "%s:%ld: TokenFile %s is empty", where, line,
		               c->token);
	char *token = strdup(buf);
	memset(buf, 0, sizeof buf);
	if (token == NULL)
		return CK_E_NOMEM;
	free(c->token);
	c->token = token;
	return CK_OK;
}

static int
read_institution(const char *where, const xmlNode *n, const struct ck_inst_config *defaults,
                 struct ck_inst_config *c, char *err)
{
	long line = ck_xml_line(n);
	if (copy_defaults(c, defaults) != CK_OK)
		return ck_fail(err, CK_E_NOMEM, "out of memory reading %s", where);
	c->id = ck_xml_attr(n, "id");
	char *kind = ck_xml_attr(n, "kind");
	char *enabled = ck_xml_attr(n, "enabled");
	c->kind = (enum ck_kind)ck_kind_parse(kind);
	c->enabled = enabled == NULL || strcmp(enabled, "true") == 0 || strcmp(enabled, "1") == 0;
	free(kind);
	free(enabled);
	c->name = ck_xml_child_text(n, CONFIG_NS, "Name");
	c->base_url = ck_xml_child_text(n, CONFIG_NS, "BaseUrl");
	c->district = ck_xml_child_text(n, CONFIG_NS, "District");
	if (c->id == NULL || c->name == NULL || c->base_url == NULL || (int)c->kind < 0)
		return ck_fail(err, CK_E_NOMEM, "out of memory reading %s", where);
	int rc = read_settings(where, n, c, err);
	if (rc == CK_OK)
		rc = check_url(where, line, c->base_url, err);
	if (rc == CK_OK && c->backoff_max_ms < c->backoff_base_ms)
		rc = ck_fail(err, CK_E_INVALID, "%s:%ld: BackoffMaxMs is less than BackoffBaseMs",
		             where, line);
	if (rc == CK_OK && (c->client_cert == NULL) != (c->client_key == NULL))
		rc = ck_fail(err, CK_E_INVALID,
		             "%s:%ld: ClientCert and ClientKey go together (institution %s)", where,
		             line, c->id);
	if (rc == CK_OK && c->client_key != NULL)
		rc = check_private(where, line, "ClientKey", c->client_key, -1, err);
	if (rc == CK_OK && c->ca_bundle != NULL && access(c->ca_bundle, R_OK) != 0)
		rc = ck_fail(err, CK_E_IO, "%s:%ld: CaBundle %s: %s", where, line, c->ca_bundle,
		             strerror(errno));
	if (rc == CK_OK && c->token != NULL)
		rc = read_token(where, line, c, err);
	return rc;
}

int
ck_config_load(const char *path, struct ck_xsd_set *xsd, struct ck_config **out, char *err)
{
	*out = NULL;
	xmlDoc *doc = NULL;
	char why[CK_ERR_SIZE] = "";
	struct ck_xml_limits limits = {.max_bytes = (size_t)4 << 20, .max_depth = 16};
	int rc = ck_xml_parse_file(path, &limits, &doc, why);
	if (rc == CK_OK)
		rc = ck_xsd_validate(xsd, "config", doc, why);
	if (rc != CK_OK) {
		xmlFreeDoc(doc);
		/* ck_xml_parse_file names the path already; the schema does not. */
		return strncmp(why, path, strlen(path)) == 0
		           ? ck_fail(err, rc, "%s", why)
		           : ck_fail(err, rc, "%s: %s", path, why);
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	struct ck_config *cfg = calloc(1, sizeof *cfg);
	struct ck_inst_config defaults;
	ck_inst_config_defaults(&defaults);
	size_t n = 0;
	for (xmlNode *i = ck_xml_first(root, CONFIG_NS, "Institution"); i != NULL;
	     i = ck_xml_next(i, CONFIG_NS, "Institution"))
		n++;
	if (cfg == NULL || (cfg->insts = calloc(n ? n : 1, sizeof *cfg->insts)) == NULL) {
		free(cfg);
		xmlFreeDoc(doc);
		return ck_fail(err, CK_E_NOMEM, "out of memory reading %s", path);
	}
	xmlNode *d = ck_xml_first(root, CONFIG_NS, "Defaults");
	if (d != NULL)
		rc = read_settings(path, d, &defaults, err);
	for (xmlNode *i = ck_xml_first(root, CONFIG_NS, "Institution"); rc == CK_OK && i != NULL;
	     i = ck_xml_next(i, CONFIG_NS, "Institution")) {
		struct ck_inst_config *c = &cfg->insts[cfg->n_insts++];
		rc = read_institution(path, i, &defaults, c, err);
		for (size_t k = 0; rc == CK_OK && k + 1 < cfg->n_insts; k++)
			if (strcmp(cfg->insts[k].id, c->id) == 0)
				rc = ck_fail(err, CK_E_INVALID,
				             "%s:%ld: institution id \"%s\" is used twice", path,
				             ck_xml_line(i), c->id);
	}
	if (rc == CK_OK && cfg->n_insts == 0)
		rc = ck_fail(err, CK_E_INVALID, "%s: no Institution is configured", path);
	release_inst(&defaults);
	xmlFreeDoc(doc);
	if (rc != CK_OK) {
		ck_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return CK_OK;
}

void
ck_config_free(struct ck_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_insts; i++)
		release_inst(&c->insts[i]);
	free(c->insts);
	free(c);
}
