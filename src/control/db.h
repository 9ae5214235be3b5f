/* SPDX-License-Identifier: MIT */
/*
 * The SQL the store runs, on SQLite or PostgreSQL: text parameters ($1,
 * $2, ... in both dialects) and text results, so that one set of queries
 * serves both. Each call is synchronous. Not thread-safe: one connection,
 * used from the thread that opened it.
 */
#ifndef CVPC_CONTROL_DB_H
#define CVPC_CONTROL_DB_H

#include <stdbool.h>
#include <stddef.h>

enum db_kind { DB_SQLITE, DB_POSTGRES };

enum db_status {
	DB_OK = 0,
	DB_ERROR = -1,    /* see db_errmsg */
	DB_CONFLICT = -2, /* a UNIQUE, CHECK or foreign-key constraint */
	DB_RETRY = -3,    /* busy or a serialization failure: run it again */
};

struct db;
struct db_result;

/*
 * spec: "postgres://..." or "postgresql://..." (a libpq URI), else the
 * path of a SQLite file, created 0600 if missing (WAL, foreign keys on).
 */
struct db *db_open(const char *spec, char *err, size_t errlen);
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* The backend's last error text (never holds parameter values). */
const char *db_errmsg(const struct db *db);

/* params[i] binds $(i+1); a NULL entry binds SQL NULL. */
enum db_status db_exec(struct db *db, const char *sql,
		       const char *const *params, int nparams);
/* Rows of a SELECT (or ... RETURNING); NULL with *status set on error. */
struct db_result *db_query(struct db *db, const char *sql,
			   const char *const *params, int nparams,
			   enum db_status *status);
int db_rows(const struct db_result *res);
/* The text of a cell, or NULL for SQL NULL. */
const char *db_get(const struct db_result *res, int row, int col);
void db_result_free(struct db_result *res);

enum db_status db_begin(struct db *db);
enum db_status db_commit(struct db *db);
void db_rollback(struct db *db);

/*
 * Change notifications between server processes sharing a PostgreSQL
 * database. db_listen subscribes; db_notify_fd is the socket to watch
 * (-1 on SQLite, which has no other writers); db_drain_notifications
 * consumes what arrived and tells whether anything did.
 */
enum db_status db_listen(struct db *db, const char *channel);
enum db_status db_notify(struct db *db, const char *channel,
			 const char *payload);
int db_notify_fd(const struct db *db);
bool db_drain_notifications(struct db *db);

#endif
