// SPDX-License-Identifier: MIT
/*
 * Schema migrations. The same SQL runs on SQLite and PostgreSQL: ids are
 * taken from the change counter in meta rather than from an
 * autoincrement, whose syntax differs, and times are Unix seconds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "control/schema.h"

static const char *const migration_1[] = {
	"CREATE TABLE IF NOT EXISTS meta ("
	" key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	/* Every mutation bumps 'version' first: its row lock orders the
	 * writers of all replicas, so change versions commit in order. */
	"INSERT INTO meta (key, value) VALUES ('version', '0')"
	" ON CONFLICT (key) DO NOTHING",
	"CREATE TABLE auth_keys ("
	" id BIGINT PRIMARY KEY,"
	" hash TEXT NOT NULL,"
	" reusable INTEGER NOT NULL,"
	" ephemeral INTEGER NOT NULL,"
	" tags TEXT NOT NULL DEFAULT '',"
	" node_type TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" used_count BIGINT NOT NULL DEFAULT 0,"
	" revoked INTEGER NOT NULL DEFAULT 0)",
	"CREATE TABLE nodes ("
	" id BIGINT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" node_type TEXT NOT NULL DEFAULT '',"
	" tags TEXT NOT NULL DEFAULT '',"
	" app_id TEXT NOT NULL DEFAULT '',"
	" instance_id TEXT NOT NULL DEFAULT '',"
	" public_key TEXT NOT NULL UNIQUE,"
	" ip_index BIGINT NOT NULL UNIQUE,"
	" ipv4 TEXT NOT NULL UNIQUE,"
	" ipv6 TEXT NOT NULL UNIQUE,"
	" endpoint TEXT NOT NULL DEFAULT '',"
	" credential_hash TEXT NOT NULL,"
	" ephemeral INTEGER NOT NULL DEFAULT 0,"
	" auth_key_id BIGINT REFERENCES auth_keys (id) ON DELETE SET NULL,"
	" created_at BIGINT NOT NULL,"
	" last_seen BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL DEFAULT 0,"
	" version BIGINT NOT NULL)",
	"CREATE TABLE api_keys ("
	" id BIGINT PRIMARY KEY,"
	" hash TEXT NOT NULL,"
	" name TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL DEFAULT 0,"
	" revoked INTEGER NOT NULL DEFAULT 0)",
	"CREATE TABLE policy ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" body TEXT NOT NULL,"
	" version BIGINT NOT NULL)",
	/* What changed at each version, for the netmaps of all replicas. */
	"CREATE TABLE changes ("
	" version BIGINT PRIMARY KEY,"
	" kind TEXT NOT NULL,"
	" node_id BIGINT,"
	" at BIGINT NOT NULL)",
	NULL,
};

static const char *const *const migrations[] = {
	migration_1,
};

enum { N_MIGRATIONS = sizeof(migrations) / sizeof(migrations[0]) };

int schema_version_latest(void)
{
	return N_MIGRATIONS;
}

/* -1 when there is no meta table yet. */
static int current_version(struct db *db)
{
	enum db_status st;
	struct db_result *res = db_query(
		db, "SELECT value FROM meta WHERE key = 'schema'", NULL, 0, &st);
	int v = res && db_rows(res) ? atoi(db_get(res, 0, 0)) : 0;

	if (!res)
		v = -1;
	db_result_free(res);
	return v;
}

/*
 * One step: take the version row's lock first, so that of two servers
 * starting together the second waits and then sees the step done.
 */
static int apply(struct db *db, int step, char *err, size_t errlen)
{
	char version[16];
	const char *params[] = { version };
	int have;

	if (db_begin(db) != DB_OK)
		goto fail;
	if (db_exec(db,
		    "CREATE TABLE IF NOT EXISTS meta ("
		    " key TEXT PRIMARY KEY, value TEXT NOT NULL)",
		    NULL, 0) != DB_OK ||
	    db_exec(db,
		    "INSERT INTO meta (key, value) VALUES ('schema', '0')"
		    " ON CONFLICT (key) DO NOTHING",
		    NULL, 0) != DB_OK ||
	    db_exec(db,
		    "UPDATE meta SET value = value WHERE key = 'schema'",
		    NULL, 0) != DB_OK)
		goto fail_rollback;
	have = current_version(db);
	if (have >= step + 1) {
		db_rollback(db);
		return 0;
	}
	for (const char *const *sql = migrations[step]; *sql; sql++) {
		if (db_exec(db, *sql, NULL, 0) != DB_OK)
			goto fail_rollback;
	}
	snprintf(version, sizeof(version), "%d", step + 1);
	if (db_exec(db, "UPDATE meta SET value = $1 WHERE key = 'schema'",
		    params, 1) != DB_OK ||
	    db_commit(db) != DB_OK)
		goto fail_rollback;
	return 0;
fail_rollback:
	db_rollback(db);
fail:
	snprintf(err, errlen, "schema migration %d: %s", step + 1,
		 db_errmsg(db));
	return -1;
}

int schema_migrate(struct db *db, char *err, size_t errlen)
{
	int have = current_version(db);

	if (have > N_MIGRATIONS) {
		snprintf(err, errlen,
			 "the database has schema %d, newer than this cvpc's %d",
			 have, N_MIGRATIONS);
		return -1;
	}
	for (int step = have < 0 ? 0 : have; step < N_MIGRATIONS; step++) {
		if (apply(db, step, err, errlen))
			return -1;
	}
	return 0;
}
