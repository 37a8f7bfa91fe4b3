/* SPDX-License-Identifier: MIT */
/* schemas_embedded.h: the XSDs compiled into the library (generated table,
 * see cmake/embed_schemas.cmake).  Private to src/; read by xmlsafe.c. */
#ifndef CHAKONG_SCHEMAS_EMBEDDED_H
#define CHAKONG_SCHEMAS_EMBEDDED_H

#include <stddef.h>

struct ck_embedded_schema {
	const char *name;          /* file name without ".xsd"; NULL ends the table */
	const unsigned char *data; /* the file's bytes, NUL-terminated */
	size_t size;               /* bytes, without the NUL */
};

extern const struct ck_embedded_schema ck_embedded_schemas[];

#endif
