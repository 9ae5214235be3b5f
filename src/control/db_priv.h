/* SPDX-License-Identifier: MIT */
/* What a database backend provides to db.c. */
#ifndef CVPC_CONTROL_DB_PRIV_H
#define CVPC_CONTROL_DB_PRIV_H

#include "control/db.h"

struct db_ops {
	void (*close)(struct db *db);
	enum db_status (*exec)(struct db *db, const char *sql,
			       const char *const *params, int nparams,
			       struct db_result **res);
	enum db_status (*listen)(struct db *db, const char *channel);
	enum db_status (*notify)(struct db *db, const char *channel,
				 const char *payload);
	int (*notify_fd)(const struct db *db);
	bool (*drain)(struct db *db);
};

struct db {
	const struct db_ops *ops;
	enum db_kind kind;
	char errmsg[256];
};

/* Results are copied into one allocation: cells[row * ncols + col]. */
struct db_result {
	int nrows, ncols;
	char **cells;
};

struct db_result *db_result_new(int nrows, int ncols);
/* Appends an empty (all NULL) row. */
bool db_result_add_row(struct db_result *res);
/* Copies text into cell (row, col); false if out of memory. */
bool db_result_set(struct db_result *res, int row, int col, const char *text,
		   size_t len);

struct db *db_sqlite_open(const char *path, char *err, size_t errlen);
struct db *db_pg_open(const char *uri, char *err, size_t errlen);

#endif
