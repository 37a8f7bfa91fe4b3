/* SPDX-License-Identifier: MIT */
/*
 * json.h: writing JSON text: the detail of normalised records, reports and
 * machine-readable output.  A writer, not a parser (the store reads JSON
 * with SQLite's json functions).
 *
 * The writer tracks nesting and commas itself: callers say what comes
 * (object, key, value) and get valid JSON, or a failed flag when memory
 * ran out or the calls did not nest properly.  Strings must be UTF-8; they
 * are escaped as RFC 8259 requires (quotes, backslashes, control
 * characters); non-ASCII characters are written as they are.
 *
 * Ownership: the writer owns its buffer; ck_json_detach() hands it to the
 * caller (free()), ck_json_release() frees it.
 */
#ifndef CHAKONG_JSON_H
#define CHAKONG_JSON_H

#include <stddef.h>
#include <stdint.h>

#define CK_JSON_MAX_DEPTH 32

struct ck_json {
	char *text;
	size_t len, cap;
	int depth;
	unsigned char need_comma[CK_JSON_MAX_DEPTH + 1];
	unsigned char after_key;
	int failed;
};

void ck_json_init(struct ck_json *j);
void ck_json_object_begin(struct ck_json *j);
void ck_json_object_end(struct ck_json *j);
void ck_json_array_begin(struct ck_json *j);
void ck_json_array_end(struct ck_json *j);
/* A key inside an object; the next call gives its value. */
void ck_json_key(struct ck_json *j, const char *key);
void ck_json_string(struct ck_json *j, const char *value); /* NULL writes null */
void ck_json_int(struct ck_json *j, int64_t value);
void ck_json_bool(struct ck_json *j, int value);
void ck_json_null(struct ck_json *j);
/* A value that is already JSON text (e.g. a detail read back from the
 * store), written as it is: the caller vouches for its validity. */
void ck_json_raw(struct ck_json *j, const char *json);

/* Shorthands for a key and its value. */
void ck_json_kv_string(struct ck_json *j, const char *key, const char *value);
void ck_json_kv_int(struct ck_json *j, const char *key, int64_t value);
/* A date (days since 1970-01-01) as "YYYY-MM-DD", or null for CK_NO_DATE. */
void ck_json_kv_date(struct ck_json *j, const char *key, int64_t days);

/* The text so far (NUL-terminated; "" when empty), owned by the writer. */
const char *ck_json_text(const struct ck_json *j);
/* The text, now the caller's (free()); NULL when the writer failed or the
 * value is not complete.  The writer is reset. */
char *ck_json_detach(struct ck_json *j);
void ck_json_release(struct ck_json *j);

#endif
