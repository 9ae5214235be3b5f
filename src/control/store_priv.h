/* SPDX-License-Identifier: MIT */
/* What the store's files share. */
#ifndef CVPC_CONTROL_STORE_PRIV_H
#define CVPC_CONTROL_STORE_PRIV_H

#include "control/db.h"
#include "control/ipam.h"
#include "control/store.h"

struct store {
	struct db *db;
	struct ipam_pool pool;
	char base_domain[254];
};

/* Writes the message for the user and returns status. */
enum store_status store_fail(struct store_err *e, enum store_status status,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The database's failure as an internal error. */
enum store_status store_db_error(struct store *st, struct store_err *e);
/* The same inside a transaction, which it rolls back. */
enum store_status store_db_failed(struct store *st, struct store_err *e);

/*
 * Opens a mutation: BEGIN, then the next version, whose row lock orders
 * this writer against every other one (of any replica) until commit.
 */
enum store_status store_begin(struct store *st, uint64_t *version,
			      struct store_err *e);
/* Logs the change (node_id 0: none), notifies replicas and commits. */
enum store_status store_commit(struct store *st, uint64_t version,
			       const char *kind, uint64_t node_id,
			       struct store_err *e);

/* A single-row, single-column query's text, copied; NULL if none. */
char *store_query_text(struct store *st, const char *sql,
		       const char *const *params, int n, enum db_status *dbs);

int64_t store_now(void);
/* "1,2" style splitting into a JSON array of strings. */
json_t *store_split_list(const char *csv);

#endif
