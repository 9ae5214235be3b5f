/* SPDX-License-Identifier: MIT */
/* The store's tables, created and migrated in order on either backend. */
#ifndef CVPC_CONTROL_SCHEMA_H
#define CVPC_CONTROL_SCHEMA_H

#include <stddef.h>

#include "control/db.h"

/*
 * Brings the database to the newest schema, each step in its own
 * transaction; safe when several servers start on one database at once.
 * Refuses a database written by a newer cvpc. Returns 0 or -1 with err.
 */
int schema_migrate(struct db *db, char *err, size_t errlen);

/* The version schema_migrate leaves behind. */
int schema_version_latest(void);

#endif
