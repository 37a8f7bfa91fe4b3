/* SPDX-License-Identifier: MIT */
/*
 * test_config.c: the engine configuration: defaults and overrides, and
 * every refusal naming the line and the field (ranges, duplicate ids,
 * plain http off loopback, secret files readable by others, half a client
 * certificate, schema errors).
 */
#include "testutil.h"
#include "chakong/config.h"
#include "chakong/error.h"
#include "chakong/xmlsafe.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
	char *dir;
	struct ck_xsd_set *xsd;
	char err[CK_ERR_SIZE];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = ck_test_tmpdir();
	assert_int_equal(ck_xsd_set_new(&f->xsd, NULL), CK_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	ck_xsd_set_free(f->xsd);
	ck_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Writes the institutions (XML text) into a config file and loads it. */
static int
load(struct fixture *f, const char *defaults, const char *institutions, struct ck_config **cfg)
{
	char text[8192];
	snprintf(text, sizeof text,
	         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	         "<Config xmlns=\"urn:chakong:config:1\">\n%s%s</Config>\n",
	         defaults, institutions);
	char *path = ck_test_path(f->dir, "chakong.xml");
	ck_test_write_file(path, text, strlen(text));
	f->err[0] = '\0';
	int rc = ck_config_load(path, f->xsd, cfg, f->err);
	free(path);
	return rc;
}

static const char bank[] =
    "<Institution id=\"icbc\" kind=\"bank\">\n"
    "<Name>中国工商银行</Name><BaseUrl>http://127.0.0.1:8080/icbc/</BaseUrl>\n"
    "<MaxInFlight>32</MaxInFlight><RatePerSecond>12.5</RatePerSecond>\n"
    "</Institution>\n";

static void
defaults_and_overrides(void **state)
{
	struct fixture *f = *state;
	struct ck_config *cfg;
	const char *more =
	    "<Institution id=\"si\" kind=\"socialsec\" enabled=\"false\">"
	    "<Name>社保</Name><BaseUrl>https://si.example.org</BaseUrl></Institution>";
	char both[1024];
	snprintf(both, sizeof both, "%s%s", bank, more);
	if (load(f,
	         "<Defaults><Retries>3</Retries><TotalTimeoutMs>5000</TotalTimeoutMs></Defaults>",
	         both, &cfg) != CK_OK)
		fail_msg("%s", f->err);
	assert_int_equal(cfg->n_insts, 2);
	struct ck_inst_config *b = &cfg->insts[0], *s = &cfg->insts[1];
	assert_string_equal(b->id, "icbc");
	assert_int_equal(b->kind, CK_KIND_BANK);
	assert_string_equal(b->base_url, "http://127.0.0.1:8080/icbc"); /* no trailing slash */
	assert_int_equal(b->max_in_flight, 32);
	assert_int_equal(b->rate_x100, 1250);
	assert_int_equal(b->retries, 3);                /* from Defaults */
	assert_int_equal(b->total_timeout_ms, 5000);    /* from Defaults */
	assert_int_equal(b->connect_timeout_ms, 10000); /* built in */
	assert_int_equal(b->max_body, 8 << 20);
	assert_true(b->enabled);
	assert_false(s->enabled);
	assert_int_equal(s->max_in_flight, 8);
	ck_config_free(cfg);
}

struct refusal {
	const char *institution;
	const char *message;
};

static void
refusals_name_line_and_field(void **state)
{
	struct fixture *f = *state;
	const struct refusal refusals[] = {
	    {"<Institution id=\"a\" kind=\"bank\"><Name>n</Name>"
	     "<BaseUrl>http://127.0.0.1/a</BaseUrl>\n<MaxInFlight>0</MaxInFlight></Institution>",
	     ":4: MaxInFlight \"0\": must be 1 to 1024"},
	    {"<Institution id=\"a\" kind=\"bank\"><Name>n</Name>"
	     "<BaseUrl>http://10.1.2.3/a</BaseUrl></Institution>",
	     "plain http is allowed only to loopback"},
	    {"<Institution id=\"a\" kind=\"bank\"><Name>n</Name>"
	     "<BaseUrl>ftp://x/a</BaseUrl></Institution>",
	     "must start with https://"},
	    {"<Institution id=\"a\" kind=\"boat\"><Name>n</Name>"
	     "<BaseUrl>http://127.0.0.1/a</BaseUrl></Institution>",
	     "line 3"},
	    {"<Institution id=\"a\" kind=\"bank\"><Name>n</Name><BaseUrl>http://127.0.0.1/a"
	     "</BaseUrl></Institution>\n<Institution id=\"a\" kind=\"bank\"><Name>n</Name>"
	     "<BaseUrl>http://127.0.0.1/b</BaseUrl></Institution>",
	     ":4: institution id \"a\" is used twice"},
	    {"<Institution id=\"a\" kind=\"bank\"><Name>n</Name><BaseUrl>https://x</BaseUrl>"
	     "<ClientCert>/nonexistent.pem</ClientCert></Institution>",
	     "ClientCert and ClientKey go together"},
	    {"<Institution id=\"a\" kind=\"bank\"><Name>n</Name><BaseUrl>https://x</BaseUrl>"
	     "<RatePerSecond>1e3</RatePerSecond></Institution>",
	     "line 3"},
	};
	struct ck_config *none = (struct ck_config *)1;
	assert_int_equal(load(f, "", "", &none), CK_E_INVALID);
	assert_non_null(strstr(f->err, "no Institution is configured"));
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		struct ck_config *cfg = (struct ck_config *)1;
		assert_int_not_equal(load(f, "", refusals[i].institution, &cfg), CK_OK);
		assert_null(cfg);
		if (strstr(f->err, refusals[i].message) == NULL)
			fail_msg("case %zu: expected \"%s\" in \"%s\"", i, refusals[i].message,
			         f->err);
		assert_non_null(strstr(f->err, "chakong.xml"));
	}
}

static void
token_files_must_be_private(void **state)
{
	struct fixture *f = *state;
	char *token = ck_test_path(f->dir, "token");
	ck_test_write_file(token, "s3cret-token\n", 13);
	chmod(token, 0644);
	char inst[1024];
	snprintf(inst, sizeof inst,
	         "<Institution id=\"a\" kind=\"bank\"><Name>n</Name><BaseUrl>https://x</BaseUrl>"
	         "<TokenFile>%s</TokenFile></Institution>",
	         token);
	struct ck_config *cfg;
	assert_int_equal(load(f, "", inst, &cfg), CK_E_INVALID);
	assert_non_null(strstr(f->err, "readable by others (mode 0644)"));
	assert_null(strstr(f->err, "s3cret")); /* never the secret itself */
	chmod(token, 0600);
	if (load(f, "", inst, &cfg) != CK_OK)
		fail_msg("%s", f->err);
	assert_string_equal(cfg->insts[0].token, "s3cret-token");
	ck_config_free(cfg);
	free(token);
}

/* Mutual TLS: the client key is a secret like the token (docs/config.md):
 * refused while group or others may read it, never quoted; the certificate
 * itself is public. */
static void
client_keys_must_be_private(void **state)
{
	struct fixture *f = *state;
	char *cert = ck_test_path(f->dir, "court.pem"), *key = ck_test_path(f->dir, "court.key");
	ck_test_write_file(cert, "-----BEGIN CERTIFICATE-----\n", 28);
	ck_test_write_file(key, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n", 37);
	chmod(cert, 0644);
	char inst[2048];
	snprintf(inst, sizeof inst,
	         "<Institution id=\"a\" kind=\"bank\"><Name>n</Name><BaseUrl>https://x</BaseUrl>"
	         "<ClientCert>%s</ClientCert><ClientKey>%s</ClientKey></Institution>",
	         cert, key);
	static const mode_t loose[] = {0644, 0640, 0604, 0660, 0606};
	struct ck_config *cfg;
	for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++) {
		chmod(key, loose[i]);
		assert_int_equal(load(f, "", inst, &cfg), CK_E_INVALID);
		char want[64];
		snprintf(want, sizeof want, "readable by others (mode %04o)", (unsigned)loose[i]);
		assert_non_null(strstr(f->err, want));
		assert_non_null(strstr(f->err, "ClientKey"));
		assert_non_null(strstr(f->err, ":3:")); /* the line of the Institution */
		assert_null(strstr(f->err, "c2VjcmV0"));
	}
	/* The same in Defaults, inherited by every institution. */
	char defaults[2048];
	snprintf(defaults, sizeof defaults,
	         "<Defaults><ClientCert>%s</ClientCert><ClientKey>%s</ClientKey></Defaults>\n",
	         cert, key);
	assert_int_equal(load(f, defaults, bank, &cfg), CK_E_INVALID);
	assert_non_null(strstr(f->err, "readable by others"));
	chmod(key, 0600);
	if (load(f, defaults, bank, &cfg) != CK_OK)
		fail_msg("%s", f->err);
	assert_string_equal(cfg->insts[0].client_key, key);
	ck_config_free(cfg);
	if (load(f, "", inst, &cfg) != CK_OK)
		fail_msg("%s", f->err);
	assert_string_equal(cfg->insts[0].client_cert, cert);
	ck_config_free(cfg);
	/* A key that is not there is named too. */
	unlink(key);
	assert_int_equal(load(f, "", inst, &cfg), CK_E_IO);
	assert_non_null(strstr(f->err, key));
	free(cert);
	free(key);
}

/* A token file readable by group or by others in any way is refused,
 * never quoted; one that is no regular file is refused at once (a FIFO
 * would block the load for ever); a key only its owner may read is fine. */
static void
token_files_must_be_private_regular_files(void **state)
{
	struct fixture *f = *state;
	char *token = ck_test_path(f->dir, "token");
	ck_test_write_file(token, "s3cret-token\n", 13);
	char inst[2048];
	snprintf(inst, sizeof inst,
	         "<Institution id=\"a\" kind=\"bank\"><Name>n</Name><BaseUrl>https://x</BaseUrl>"
	         "<TokenFile>%s</TokenFile></Institution>",
	         token);
	static const mode_t loose[] = {0640, 0604, 0620, 0602, 0660, 0644};
	struct ck_config *cfg;
	for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++) {
		chmod(token, loose[i]);
		assert_int_equal(load(f, "", inst, &cfg), CK_E_INVALID);
		char want[64];
		snprintf(want, sizeof want, "readable by others (mode %04o)", (unsigned)loose[i]);
		if (strstr(f->err, want) == NULL || strstr(f->err, "TokenFile") == NULL)
			fail_msg("mode %04o: %s", (unsigned)loose[i], f->err);
		assert_null(strstr(f->err, "s3cret"));
	}
	chmod(token, 0400);
	if (load(f, "", inst, &cfg) != CK_OK)
		fail_msg("%s", f->err);
	assert_string_equal(cfg->insts[0].token, "s3cret-token");
	ck_config_free(cfg);
	unlink(token);
	assert_int_equal(mkfifo(token, 0600), 0);
	assert_int_equal(load(f, "", inst, &cfg), CK_E_INVALID);
	assert_non_null(strstr(f->err, "not a regular file"));
	unlink(token);
	free(token);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(defaults_and_overrides),
	    T(refusals_name_line_and_field),
	    T(token_files_must_be_private),
	    T(client_keys_must_be_private),
	    T(token_files_must_be_private_regular_files),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
