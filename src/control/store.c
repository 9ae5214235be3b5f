// SPDX-License-Identifier: MIT
/* Opening the store, the version counter, the change log and the policy. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/schema.h"
#include "control/store_priv.h"

#define CHANGES_CHANNEL "cvpc_changes"
#define DEFAULT_POOL "100.128.0.0/10"

int64_t store_now(void)
{
	return (int64_t)time(NULL);
}

json_t *store_split_list(const char *csv)
{
	json_t *arr = json_array();
	const char *p = csv;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len)
			json_array_append_new(arr, json_stringn(p, len));
		p = comma ? comma + 1 : NULL;
	}
	return arr;
}

enum store_status store_fail(struct store_err *e, enum store_status status,
			     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return status;
}

enum store_status store_db_error(struct store *st, struct store_err *e)
{
	return store_fail(e, STORE_INTERNAL, "database error: %s",
			  db_errmsg(st->db));
}

enum store_status store_db_failed(struct store *st, struct store_err *e)
{
	store_db_error(st, e);
	db_rollback(st->db);
	return STORE_INTERNAL;
}

char *store_query_text(struct store *st, const char *sql,
		       const char *const *params, int n, enum db_status *dbs)
{
	struct db_result *res = db_query(st->db, sql, params, n, dbs);
	char *text = NULL;

	if (res && db_rows(res) && db_get(res, 0, 0))
		text = strdup(db_get(res, 0, 0));
	db_result_free(res);
	return text;
}

enum store_status store_begin(struct store *st, uint64_t *version,
			      struct store_err *e)
{
	enum db_status dbs;
	char *v;

	if (db_begin(st->db) != DB_OK)
		return store_db_failed(st, e);
	v = store_query_text(st,
			     "UPDATE meta SET value = CAST(CAST(value AS BIGINT)"
			     " + 1 AS TEXT) WHERE key = 'version' RETURNING value",
			     NULL, 0, &dbs);
	if (!v)
		return store_db_failed(st, e);
	*version = strtoull(v, NULL, 10);
	free(v);
	return STORE_OK;
}

enum store_status store_commit(struct store *st, uint64_t version,
			       const char *kind, uint64_t node_id,
			       struct store_err *e)
{
	char v[24], id[24], at[24];
	const char *params[] = { v, kind, node_id ? id : NULL, at };

	snprintf(v, sizeof(v), "%" PRIu64, version);
	snprintf(id, sizeof(id), "%" PRIu64, node_id);
	snprintf(at, sizeof(at), "%" PRId64, store_now());
	if (db_exec(st->db,
		    "INSERT INTO changes (version, kind, node_id, at)"
		    " VALUES ($1, $2, $3, $4)",
		    params, 4) != DB_OK ||
	    db_notify(st->db, CHANGES_CHANNEL, v) != DB_OK ||
	    db_commit(st->db) != DB_OK)
		return store_db_failed(st, e);
	return STORE_OK;
}

/*
 * The pool and ULA prefix are fixed when the VPC is created; pool NULL
 * takes the stored one (or the default for a new VPC).
 */
static int load_network(struct store *st, const char *pool, char *err,
			size_t errlen)
{
	char ula[16], cidr[32];
	const char *set[] = { cidr, ula };
	enum db_status dbs;
	char *stored_pool, *stored_ula;

	stored_pool = store_query_text(
		st, "SELECT value FROM meta WHERE key = 'pool'", NULL, 0, &dbs);
	if (!pool)
		pool = stored_pool ? stored_pool : DEFAULT_POOL;
	if (!ipam_pool_parse(&st->pool, pool, err, errlen)) {
		free(stored_pool);
		return -1;
	}
	stored_ula = store_query_text(
		st, "SELECT value FROM meta WHERE key = 'ula'", NULL, 0, &dbs);
	if (stored_pool && stored_ula) {
		int ret = 0;

		ipam_pool_format(&st->pool, cidr);
		if (strcmp(stored_pool, cidr)) {
			snprintf(err, errlen,
				 "this VPC's address pool is %s, not %s",
				 stored_pool, cidr);
			ret = -1;
		} else if (!ipam_ula_parse(&st->pool, stored_ula)) {
			snprintf(err, errlen, "stored ULA prefix `%s' is invalid",
				 stored_ula);
			ret = -1;
		}
		free(stored_pool);
		free(stored_ula);
		return ret;
	}
	free(stored_pool);
	free(stored_ula);
	ipam_ula_generate(&st->pool);
	ipam_pool_format(&st->pool, cidr);
	ipam_ula_format(&st->pool, ula);
	/* Two replicas starting at once: the first one's values stand. */
	if (db_exec(st->db,
		    "INSERT INTO meta (key, value) VALUES ('pool', $1), ('ula', $2)"
		    " ON CONFLICT (key) DO NOTHING",
		    set, 2) != DB_OK) {
		snprintf(err, errlen, "storing the address pool: %s",
			 db_errmsg(st->db));
		return -1;
	}
	return load_network(st, cidr, err, errlen);
}

struct store *store_open(const struct store_config *cfg, char *err,
			 size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(st->base_domain, sizeof(st->base_domain), "%s",
		 cfg->base_domain ? cfg->base_domain : "dstack.internal");
	st->db = db_open(cfg->db, err, errlen);
	if (!st->db)
		goto err;
	if (schema_migrate(st->db, err, errlen) ||
	    load_network(st, cfg->pool, err, errlen))
		goto err;
	if (db_listen(st->db, CHANGES_CHANNEL) != DB_OK) {
		snprintf(err, errlen, "LISTEN: %s", db_errmsg(st->db));
		goto err;
	}
	return st;
err:
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	db_close(st->db);
	free(st);
}

const char *store_base_domain(const struct store *st)
{
	return st->base_domain;
}

struct db *store_db(struct store *st)
{
	return st->db;
}

enum store_status store_policy_get(struct store *st, char **body,
				   struct store_err *e)
{
	enum db_status dbs;

	*body = store_query_text(st, "SELECT body FROM policy WHERE id = 1",
				 NULL, 0, &dbs);
	if (!*body && dbs != DB_OK)
		return store_db_error(st, e);
	return STORE_OK;
}

enum store_status store_policy_set(struct store *st, const char *body,
				   struct store_err *e)
{
	char v[24];
	const char *params[] = { body, v };
	enum store_status s;
	uint64_t version;

	s = store_begin(st, &version, e);
	if (s)
		return s;
	snprintf(v, sizeof(v), "%" PRIu64, version);
	if (db_exec(st->db,
		    "INSERT INTO policy (id, body, version) VALUES (1, $1, $2)"
		    " ON CONFLICT (id) DO UPDATE SET body = $1, version = $2",
		    params, 2) != DB_OK)
		return store_db_failed(st, e);
	return store_commit(st, version, "policy", 0, e);
}

enum store_status store_changes_since(struct store *st, uint64_t since,
				      json_t **changes, uint64_t *latest,
				      struct store_err *e)
{
	char s[24];
	const char *params[] = { s };
	struct db_result *res;
	enum db_status dbs;
	char *v;

	snprintf(s, sizeof(s), "%" PRIu64, since);
	v = store_query_text(st, "SELECT value FROM meta WHERE key = 'version'",
			     NULL, 0, &dbs);
	if (!v)
		return store_db_error(st, e);
	*latest = strtoull(v, NULL, 10);
	free(v);
	res = db_query(st->db,
		       "SELECT version, kind, node_id FROM changes"
		       " WHERE version > CAST($1 AS BIGINT) ORDER BY version",
		       params, 1, &dbs);
	if (!res)
		return store_db_error(st, e);
	*changes = json_array();
	for (int i = 0; i < db_rows(res); i++) {
		const char *node = db_get(res, i, 2);

		json_array_append_new(
			*changes,
			json_pack("{s:I,s:s,s:I}", "version",
				  (json_int_t)strtoll(db_get(res, i, 0), NULL, 10),
				  "kind", db_get(res, i, 1), "node_id",
				  (json_int_t)(node ? strtoll(node, NULL, 10) : 0)));
	}
	db_result_free(res);
	return STORE_OK;
}
