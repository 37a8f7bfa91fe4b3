/* SPDX-License-Identifier: MIT */
/* error.c: names of result codes and the error-buffer helper of error.h. */
#include "chakong/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *
ck_strerror(int code)
{
	switch (code) {
	case CK_OK: return "ok";
	case CK_E_NOMEM: return "out of memory";
	case CK_E_INVALID: return "invalid value";
	case CK_E_IO: return "input/output error";
	case CK_E_XML: return "malformed XML";
	case CK_E_HOSTILE: return "hostile content";
	case CK_E_SCHEMA: return "schema validation failed";
	case CK_E_ENCODING: return "invalid encoding";
	case CK_E_STORE: return "store error";
	case CK_E_VERSION: return "store version not supported";
	case CK_E_NOTFOUND: return "not found";
	case CK_E_TOOBIG: return "too big";
	case CK_E_RANGE: return "out of range";
	case CK_E_USAGE: return "usage error";
	case CK_E_AGAIN: return "try again later";
	}
	return "unknown error";
}

int
ck_fail(char *err, int code, const char *fmt, ...)
{
	if (err == NULL || err[0] != '\0')
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, CK_ERR_SIZE, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return code;
}
