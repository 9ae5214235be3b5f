// SPDX-License-Identifier: MIT
/*
 * The PostgreSQL backend, for several server processes on one database:
 * libpq with text parameters, and LISTEN/NOTIFY so that a change one
 * process commits wakes the long-polls another one holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "control/db_priv.h"

struct db_pg {
	struct db base;
	PGconn *conn;
};

static void set_error(struct db_pg *db, const char *msg)
{
	size_t n;

	snprintf(db->base.errmsg, sizeof(db->base.errmsg), "%s", msg);
	n = strlen(db->base.errmsg);
	while (n && db->base.errmsg[n - 1] == '\n')
		db->base.errmsg[--n] = '\0';
}

/* SQLSTATE classes: 23 integrity violations, 40 transaction rollbacks. */
static enum db_status status_of(struct db_pg *db, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	set_error(db, r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
	if (state && !strncmp(state, "23", 2))
		return DB_CONFLICT;
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
		return DB_RETRY;
	return DB_ERROR;
}

static struct db_result *copy_result(const PGresult *r)
{
	int nrows = PQntuples(r), ncols = PQnfields(r);
	struct db_result *res = db_result_new(nrows, ncols);

	if (!res)
		return NULL;
	for (int i = 0; i < nrows; i++) {
		for (int c = 0; c < ncols; c++) {
			if (PQgetisnull(r, i, c))
				continue;
			if (!db_result_set(res, i, c, PQgetvalue(r, i, c),
					   (size_t)PQgetlength(r, i, c))) {
				db_result_free(res);
				return NULL;
			}
		}
	}
	return res;
}

static enum db_status pg_exec(struct db *base, const char *sql,
			      const char *const *params, int nparams,
			      struct db_result **out)
{
	struct db_pg *db = (struct db_pg *)base;
	enum db_status st = DB_OK;
	PGresult *r;

	r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		if (out && !(*out = copy_result(r))) {
			set_error(db, "out of memory");
			st = DB_ERROR;
		}
		break;
	default:
		st = status_of(db, r);
	}
	PQclear(r);
	return st;
}

static void pg_close(struct db *base)
{
	struct db_pg *db = (struct db_pg *)base;

	PQfinish(db->conn);
	free(db);
}

static enum db_status pg_listen(struct db *base, const char *channel)
{
	struct db_pg *db = (struct db_pg *)base;
	char sql[128];
	char *ident = PQescapeIdentifier(db->conn, channel, strlen(channel));
	enum db_status st;

	if (!ident)
		return status_of(db, NULL);
	snprintf(sql, sizeof(sql), "LISTEN %s", ident);
	PQfreemem(ident);
	st = pg_exec(base, sql, NULL, 0, NULL);
	return st;
}

static enum db_status pg_notify(struct db *base, const char *channel,
				const char *payload)
{
	const char *params[] = { channel, payload };

	return pg_exec(base, "SELECT pg_notify($1, $2)", params, 2, NULL);
}

static int pg_notify_fd(const struct db *base)
{
	return PQsocket(((const struct db_pg *)base)->conn);
}

static bool pg_drain(struct db *base)
{
	struct db_pg *db = (struct db_pg *)base;
	PGnotify *n;
	bool any = false;

	PQconsumeInput(db->conn);
	while ((n = PQnotifies(db->conn))) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

static const struct db_ops pg_ops = {
	.close = pg_close,
	.exec = pg_exec,
	.listen = pg_listen,
	.notify = pg_notify,
	.notify_fd = pg_notify_fd,
	.drain = pg_drain,
};

static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

struct db *db_pg_open(const char *uri, char *err, size_t errlen)
{
	struct db_pg *db = calloc(1, sizeof(*db));

	if (!db) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	db->base.ops = &pg_ops;
	db->base.kind = DB_POSTGRES;
	db->conn = PQconnectdb(uri);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password. */
		set_error(db, PQerrorMessage(db->conn));
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
			 db->base.errmsg);
		PQfinish(db->conn);
		free(db);
		return NULL;
	}
	/* Keep notices (e.g. "relation already exists") off our stderr. */
	PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
	return &db->base;
}
