// SPDX-License-Identifier: MIT
/*
 * The SQLite backend: one file in the data directory, write-ahead log
 * (readers never block the writer), foreign keys enforced, and
 * synchronous=NORMAL, with which a committed transaction survives the
 * death of the process (what the crash test checks), though the last
 * ones may not survive a power cut.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "control/db_priv.h"

struct db_sqlite {
	struct db base;
	sqlite3 *conn;
};

static enum db_status status_of(struct db_sqlite *db, int rc)
{
	snprintf(db->base.errmsg, sizeof(db->base.errmsg), "%s",
		 sqlite3_errmsg(db->conn));
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return DB_CONFLICT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_RETRY;
	default:
		return DB_ERROR;
	}
}

static enum db_status bind_params(struct db_sqlite *db, sqlite3_stmt *stmt,
				  const char *const *params, int nparams)
{
	for (int i = 0; i < nparams; i++) {
		char name[16];
		int idx, rc;

		/* "$N" is a named parameter to SQLite: look its slot up. */
		snprintf(name, sizeof(name), "$%d", i + 1);
		idx = sqlite3_bind_parameter_index(stmt, name);
		if (!idx)
			continue;
		rc = params[i] ? sqlite3_bind_text(stmt, idx, params[i], -1,
						   SQLITE_STATIC)
			       : sqlite3_bind_null(stmt, idx);
		if (rc != SQLITE_OK)
			return status_of(db, rc);
	}
	return DB_OK;
}

static enum db_status collect_row(sqlite3_stmt *stmt, struct db_result *res)
{
	if (!db_result_add_row(res))
		return DB_ERROR;
	for (int c = 0; c < res->ncols; c++) {
		const unsigned char *text = sqlite3_column_text(stmt, c);

		if (!db_result_set(res, res->nrows - 1, c, (const char *)text,
				   (size_t)sqlite3_column_bytes(stmt, c)))
			return DB_ERROR;
	}
	return DB_OK;
}

static enum db_status sqlite_exec(struct db *base, const char *sql,
				  const char *const *params, int nparams,
				  struct db_result **out)
{
	struct db_sqlite *db = (struct db_sqlite *)base;
	struct db_result *res = NULL;
	sqlite3_stmt *stmt = NULL;
	enum db_status st;
	int rc;

	rc = sqlite3_prepare_v2(db->conn, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		st = status_of(db, rc);
		goto out;
	}
	st = bind_params(db, stmt, params, nparams);
	if (st != DB_OK)
		goto out;
	if (out) {
		res = db_result_new(0, sqlite3_column_count(stmt));
		if (!res) {
			st = DB_ERROR;
			goto out;
		}
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (res && (st = collect_row(stmt, res)) != DB_OK)
			goto out;
	}
	st = rc == SQLITE_DONE ? DB_OK : status_of(db, rc);
out:
	sqlite3_finalize(stmt);
	if (st == DB_OK && out) {
		*out = res;
		res = NULL;
	}
	db_result_free(res);
	return st;
}

static void sqlite_close(struct db *base)
{
	struct db_sqlite *db = (struct db_sqlite *)base;

	sqlite3_close(db->conn);
	free(db);
}

static const struct db_ops sqlite_ops = {
	.close = sqlite_close,
	.exec = sqlite_exec,
};

/* The file holds credential hashes: 0600 from its first byte on. */
static bool create_private(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open database %s: %m", path);
		return false;
	}
	close(fd);
	return true;
}

struct db *db_sqlite_open(const char *path, char *err, size_t errlen)
{
	static const char *const pragmas[] = {
		"PRAGMA journal_mode=WAL",
		"PRAGMA synchronous=NORMAL",
		"PRAGMA foreign_keys=ON",
	};
	struct db_sqlite *db;

	if (!create_private(path, err, errlen))
		return NULL;
	db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	db->base.ops = &sqlite_ops;
	db->base.kind = DB_SQLITE;
	if (sqlite3_open_v2(path, &db->conn, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
			 db->conn ? sqlite3_errmsg(db->conn) : "out of memory");
		goto err;
	}
	/* Another process on the file (the CLI) waits rather than fails. */
	sqlite3_busy_timeout(db->conn, 5000);
	for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
		struct db_result *res = NULL;

		if (sqlite_exec(&db->base, pragmas[i], NULL, 0, &res) != DB_OK) {
			snprintf(err, errlen, "%s: %s", pragmas[i],
				 db->base.errmsg);
			goto err;
		}
		db_result_free(res);
	}
	return &db->base;
err:
	sqlite3_close(db->conn);
	free(db);
	return NULL;
}
