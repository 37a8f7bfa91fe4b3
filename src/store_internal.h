/* SPDX-License-Identifier: MIT */
/* store_internal.h: what src/store*.c share and nothing else may see. */
#ifndef CHAKONG_STORE_INTERNAL_H
#define CHAKONG_STORE_INTERNAL_H

/* Forward migrations; see store_schema.c. */
extern const char *const *const ck_store_migrations[]; /* NULL-terminated statement lists */
extern const int ck_store_migration_count;

#endif
