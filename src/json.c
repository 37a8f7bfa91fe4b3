/* SPDX-License-Identifier: MIT */
/* json.c: the JSON writer of json.h. */
#include "chakong/json.h"
#include "chakong/adapter.h"
#include "chakong/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
ck_json_init(struct ck_json *j)
{
	memset(j, 0, sizeof *j);
}

static void
put(struct ck_json *j, const char *s, size_t n)
{
	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 128;
		while (cap < j->len + n + 1)
			cap *= 2;
		char *grown = realloc(j->text, cap);
		if (grown == NULL) {
			j->failed = 1;
			return;
		}
		j->text = grown;
		j->cap = cap;
	}
	memcpy(j->text + j->len, s, n);
	j->len += n;
	j->text[j->len] = '\0';
}

/* Before any value or key: the comma that separates it from the previous. */
static void
separate(struct ck_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->need_comma[j->depth])
		put(j, ",", 1);
	j->need_comma[j->depth] = 1;
}

static void
open_level(struct ck_json *j, const char *bracket)
{
	separate(j);
	put(j, bracket, 1);
	if (j->depth == CK_JSON_MAX_DEPTH) {
		j->failed = 1;
		return;
	}
	j->need_comma[++j->depth] = 0;
}

static void
close_level(struct ck_json *j, const char *bracket)
{
	if (j->depth == 0 || j->after_key) {
		j->failed = 1;
		return;
	}
	j->depth--;
	put(j, bracket, 1);
}

void
ck_json_object_begin(struct ck_json *j)
{
	open_level(j, "{");
}

void
ck_json_object_end(struct ck_json *j)
{
	close_level(j, "}");
}

void
ck_json_array_begin(struct ck_json *j)
{
	open_level(j, "[");
}

void
ck_json_array_end(struct ck_json *j)
{
	close_level(j, "]");
}

static void
put_string(struct ck_json *j, const char *s)
{
	put(j, "\"", 1);
	const char *run = s;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(j, run, (size_t)(p - run));
		char esc[8];
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof esc, "\\n");
		else if (c == '\t')
			snprintf(esc, sizeof esc, "\\t");
		else if (c == '\r')
			snprintf(esc, sizeof esc, "\\r");
		else
			snprintf(esc, sizeof esc, "\\u%04x", c);
		put(j, esc, strlen(esc));
		run = p + 1;
	}
	put(j, run, strlen(run));
	put(j, "\"", 1);
}

void
ck_json_key(struct ck_json *j, const char *key)
{
	separate(j);
	put_string(j, key);
	put(j, ":", 1);
	j->after_key = 1;
}

void
ck_json_string(struct ck_json *j, const char *value)
{
	if (value == NULL) {
		ck_json_null(j);
		return;
	}
	separate(j);
	put_string(j, value);
}

void
ck_json_int(struct ck_json *j, int64_t value)
{
	char text[24];
	int n = snprintf(text, sizeof text, "%lld", (long long)value);
	separate(j);
	put(j, text, (size_t)n);
}

void
ck_json_raw(struct ck_json *j, const char *json)
{
	separate(j);
	put(j, json, strlen(json));
}

void
ck_json_bool(struct ck_json *j, int value)
{
	separate(j);
	put(j, value ? "true" : "false", value ? 4 : 5);
}

void
ck_json_null(struct ck_json *j)
{
	separate(j);
	put(j, "null", 4);
}

void
ck_json_kv_string(struct ck_json *j, const char *key, const char *value)
{
	ck_json_key(j, key);
	ck_json_string(j, value);
}

void
ck_json_kv_int(struct ck_json *j, const char *key, int64_t value)
{
	ck_json_key(j, key);
	ck_json_int(j, value);
}

void
ck_json_kv_date(struct ck_json *j, const char *key, int64_t days)
{
	char text[CK_DATE_BUF];
	ck_json_key(j, key);
	if (days == CK_NO_DATE || ck_date_format(days, text, sizeof text) != 0)
		ck_json_null(j);
	else
		ck_json_string(j, text);
}

const char *
ck_json_text(const struct ck_json *j)
{
	return j->text ? j->text : "";
}

char *
ck_json_detach(struct ck_json *j)
{
	char *text = NULL;
	if (!j->failed && j->depth == 0 && !j->after_key && j->len > 0)
		text = j->text;
	else
		free(j->text);
	ck_json_init(j);
	return text;
}

void
ck_json_release(struct ck_json *j)
{
	free(j->text);
	ck_json_init(j);
}
