// SPDX-License-Identifier: MIT
/* Backend dispatch and the result table shared by both backends. */
#include <stdlib.h>
#include <string.h>

#include "control/db_priv.h"

struct db *db_open(const char *spec, char *err, size_t errlen)
{
	if (!strncmp(spec, "postgres://", 11) ||
	    !strncmp(spec, "postgresql://", 13))
		return db_pg_open(spec, err, errlen);
	return db_sqlite_open(spec, err, errlen);
}

void db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

enum db_kind db_kind(const struct db *db)
{
	return db->kind;
}

const char *db_errmsg(const struct db *db)
{
	return db->errmsg;
}

enum db_status db_exec(struct db *db, const char *sql,
		       const char *const *params, int nparams)
{
	return db->ops->exec(db, sql, params, nparams, NULL);
}

struct db_result *db_query(struct db *db, const char *sql,
			   const char *const *params, int nparams,
			   enum db_status *status)
{
	struct db_result *res = NULL;

	*status = db->ops->exec(db, sql, params, nparams, &res);
	if (*status != DB_OK) {
		db_result_free(res);
		return NULL;
	}
	return res;
}

enum db_status db_begin(struct db *db)
{
	return db_exec(db, db->kind == DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN",
		       NULL, 0);
}

enum db_status db_commit(struct db *db)
{
	return db_exec(db, "COMMIT", NULL, 0);
}

void db_rollback(struct db *db)
{
	char saved[sizeof(db->errmsg)];

	/* The error that made us roll back is the one worth reporting. */
	memcpy(saved, db->errmsg, sizeof(saved));
	db_exec(db, "ROLLBACK", NULL, 0);
	memcpy(db->errmsg, saved, sizeof(saved));
}

enum db_status db_listen(struct db *db, const char *channel)
{
	return db->ops->listen ? db->ops->listen(db, channel) : DB_OK;
}

enum db_status db_notify(struct db *db, const char *channel,
			 const char *payload)
{
	return db->ops->notify ? db->ops->notify(db, channel, payload) : DB_OK;
}

int db_notify_fd(const struct db *db)
{
	return db->ops->notify_fd ? db->ops->notify_fd(db) : -1;
}

bool db_drain_notifications(struct db *db)
{
	return db->ops->drain ? db->ops->drain(db) : false;
}

struct db_result *db_result_new(int nrows, int ncols)
{
	struct db_result *res = calloc(1, sizeof(*res));

	if (!res)
		return NULL;
	res->nrows = nrows;
	res->ncols = ncols;
	if (nrows && ncols) {
		res->cells = calloc((size_t)nrows * (size_t)ncols,
				    sizeof(*res->cells));
		if (!res->cells) {
			free(res);
			return NULL;
		}
	}
	return res;
}

bool db_result_add_row(struct db_result *res)
{
	size_t n = (size_t)(res->nrows + 1) * (size_t)res->ncols;
	char **cells = realloc(res->cells, n * sizeof(*cells));

	if (!cells)
		return false;
	memset(cells + (size_t)res->nrows * (size_t)res->ncols, 0,
	       (size_t)res->ncols * sizeof(*cells));
	res->cells = cells;
	res->nrows++;
	return true;
}

bool db_result_set(struct db_result *res, int row, int col, const char *text,
		   size_t len)
{
	char *copy;

	if (!text)
		return true;
	copy = malloc(len + 1);
	if (!copy)
		return false;
	memcpy(copy, text, len);
	copy[len] = '\0';
	res->cells[row * res->ncols + col] = copy;
	return true;
}

int db_rows(const struct db_result *res)
{
	return res ? res->nrows : 0;
}

const char *db_get(const struct db_result *res, int row, int col)
{
	if (!res || row < 0 || row >= res->nrows || col < 0 || col >= res->ncols)
		return NULL;
	return res->cells[row * res->ncols + col];
}

void db_result_free(struct db_result *res)
{
	if (!res)
		return;
	for (int i = 0; i < res->nrows * res->ncols; i++)
		free(res->cells[i]);
	free(res->cells);
	free(res);
}
