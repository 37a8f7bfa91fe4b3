/* SPDX-License-Identifier: MIT */
/*
 * simconfig.c: `chakong-sim config`, the engine configuration
 * (schemas/config.xsd, docs/config.md) that names every instance the
 * simulator serves, so that the engine can be pointed at it in one step.
 *
 * Defaults suit a loopback simulator: generous rates, the timeouts of
 * spec/common.md, a few retries.  No TLS settings are written: the caller
 * adds CaBundle (and client certificates) when it serves HTTPS.
 */
#include "sim.h"
#include "chakong/error.h"

#include <string.h>

static void
element(struct ck_buf *b, const char *indent, const char *name, const char *text)
{
	ck_buf_printf(b, "%s<%s>", indent, name);
	ck_buf_xml(b, text);
	ck_buf_printf(b, "</%s>\n", name);
}

static void
defaults(struct ck_buf *b)
{
	ck_buf_puts(b, "  <Defaults>\n"
	               "    <MaxInFlight>8</MaxInFlight>\n"
	               "    <RatePerSecond>200</RatePerSecond>\n"
	               "    <ConnectTimeoutMs>10000</ConnectTimeoutMs>\n"
	               "    <TotalTimeoutMs>30000</TotalTimeoutMs>\n"
	               "    <Retries>5</Retries>\n"
	               "  </Defaults>\n");
}

static void
institution(struct ck_buf *b, const struct sim_instance *in, const char *base, size_t base_len)
{
	ck_buf_puts(b, "  <Institution id=\"");
	ck_buf_xml(b, in->id);
	ck_buf_printf(b, "\" kind=\"%s\" enabled=\"true\">\n", sim_kind_name(in->kind));
	element(b, "    ", "Name", in->name);
	ck_buf_puts(b, "    <BaseUrl>");
	struct ck_buf url = {0};
	ck_buf_add(&url, base, base_len);
	ck_buf_puts(&url, "/");
	ck_buf_puts(&url, in->id);
	ck_buf_xml(b, url.failed ? "" : url.data);
	if (url.failed)
		b->failed = 1;
	ck_buf_release(&url);
	ck_buf_puts(b, "</BaseUrl>\n");
	if (in->kind == SIM_REALESTATE)
		element(b, "    ", "District", in->district);
	ck_buf_puts(b, "  </Institution>\n");
}

int
sim_write_config(const struct sim_world *world, const char *base_url, FILE *out, char *err)
{
	if (world == NULL || base_url == NULL || out == NULL)
		return ck_fail(err, CK_E_USAGE, "sim_write_config: world, base_url or out is NULL");
	if (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0)
		return ck_fail(err, CK_E_INVALID, "base URL \"%.64s\" is not http:// or https://",
		               base_url);
	size_t base_len = strlen(base_url);
	while (base_len > 0 && base_url[base_len - 1] == '/')
		base_len--;
	struct ck_buf b = {0};
	ck_buf_printf(&b,
	              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	              "<!-- The institutions of chakong-sim (seed %llu). -->\n"
	              "<Config xmlns=\"urn:chakong:config:1\">\n",
	              (unsigned long long)world->seed);
	defaults(&b);
	for (size_t i = 0; i < world->n_instances; i++)
		institution(&b, &world->instances[i], base_url, base_len);
	ck_buf_puts(&b, "</Config>\n");
	int rc = CK_OK;
	if (b.failed)
		rc = ck_fail(err, CK_E_NOMEM, "no memory for the configuration");
	else if (fwrite(b.data, 1, b.len, out) != b.len || fflush(out) != 0)
		rc = ck_fail(err, CK_E_IO, "cannot write the configuration");
	ck_buf_release(&b);
	return rc;
}
