// SPDX-License-Identifier: MIT
/* Pre-auth keys (for nodes joining) and API keys (for administrators). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/store_priv.h"
#include "crypto/util.h"

static json_t *auth_key_json(const struct db_result *res, int row)
{
	int64_t expires = strtoll(db_get(res, row, 5), NULL, 10);
	bool reusable = atoi(db_get(res, row, 1));
	int64_t used = strtoll(db_get(res, row, 6), NULL, 10);
	bool revoked = atoi(db_get(res, row, 7));
	bool usable = !revoked && expires > store_now() && (reusable || !used);

	return json_pack("{s:I,s:b,s:b,s:o,s:s,s:I,s:I,s:I,s:b}", "id",
			 (json_int_t)strtoll(db_get(res, row, 0), NULL, 10),
			 "reusable", reusable, "ephemeral",
			 atoi(db_get(res, row, 2)), "tags",
			 store_split_list(db_get(res, row, 3)), "node_type",
			 db_get(res, row, 4), "created_at",
			 (json_int_t)strtoll(db_get(res, row, 8), NULL, 10),
			 "expires_at", (json_int_t)expires, "used",
			 (json_int_t)used, "usable", usable);
}

#define AUTH_KEY_COLUMNS                                                \
	"id, reusable, ephemeral, tags, node_type, expires_at, used_count," \
	" revoked, created_at"

static enum store_status get_auth_key(struct store *st, const char *id,
				      json_t **key, struct store_err *e)
{
	const char *params[] = { id };
	enum db_status dbs;
	struct db_result *res = db_query(
		st->db, "SELECT " AUTH_KEY_COLUMNS " FROM auth_keys WHERE id = $1",
		params, 1, &dbs);

	if (!res)
		return store_db_error(st, e);
	*key = db_rows(res) ? auth_key_json(res, 0) : NULL;
	db_result_free(res);
	return *key ? STORE_OK : store_fail(e, STORE_NOT_FOUND,
					    "no auth key %s", id);
}

enum store_status store_auth_key_create(struct store *st,
					const struct auth_key_spec *spec,
					char token[static TOKEN_MAX],
					json_t **key, struct store_err *e)
{
	char id[24], hash[TOKEN_HASH_HEX + 1], now[24], expires[24];
	const char *params[] = { id, hash, spec->reusable ? "1" : "0",
				 spec->ephemeral ? "1" : "0",
				 spec->tags ? spec->tags : "",
				 spec->node_type ? spec->node_type : "", now,
				 expires };
	enum store_status s;
	uint64_t version;

	s = store_begin(st, &version, e);
	if (s)
		return s;
	token_create(token, hash, TOKEN_AUTH_KEY, version);
	snprintf(id, sizeof(id), "%" PRIu64, version);
	snprintf(now, sizeof(now), "%" PRId64, store_now());
	snprintf(expires, sizeof(expires), "%" PRId64,
		 store_now() + spec->expires_in);
	if (db_exec(st->db,
		    "INSERT INTO auth_keys (id, hash, reusable, ephemeral, tags,"
		    " node_type, created_at, expires_at)"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		    params, 8) != DB_OK)
		s = store_db_failed(st, e);
	else
		s = store_commit(st, version, "auth_key", 0, e);
	if (s) {
		memzero_explicit(token, TOKEN_MAX);
		return s;
	}
	return get_auth_key(st, id, key, e);
}

enum store_status store_auth_key_list(struct store *st, json_t **keys,
				      struct store_err *e)
{
	enum db_status dbs;
	struct db_result *res = db_query(
		st->db, "SELECT " AUTH_KEY_COLUMNS " FROM auth_keys ORDER BY id",
		NULL, 0, &dbs);

	if (!res)
		return store_db_error(st, e);
	*keys = json_array();
	for (int i = 0; i < db_rows(res); i++)
		json_array_append_new(*keys, auth_key_json(res, i));
	db_result_free(res);
	return STORE_OK;
}

enum store_status store_auth_key_expire(struct store *st, uint64_t id,
					struct store_err *e)
{
	char idt[24];
	const char *params[] = { idt };
	enum store_status s;
	uint64_t version;
	char *found;
	enum db_status dbs;

	snprintf(idt, sizeof(idt), "%" PRIu64, id);
	s = store_begin(st, &version, e);
	if (s)
		return s;
	found = store_query_text(st,
				 "UPDATE auth_keys SET revoked = 1 WHERE id = $1"
				 " RETURNING id",
				 params, 1, &dbs);
	if (!found) {
		if (dbs != DB_OK)
			return store_db_failed(st, e);
		db_rollback(st->db);
		return store_fail(e, STORE_NOT_FOUND, "no auth key %" PRIu64, id);
	}
	free(found);
	return store_commit(st, version, "auth_key", 0, e);
}

enum store_status store_api_key_create(struct store *st, const char *name,
				       int64_t expires_in,
				       char token[static TOKEN_MAX],
				       struct store_err *e)
{
	char id[24], hash[TOKEN_HASH_HEX + 1], now[24], expires[24];
	const char *params[] = { id, hash, name ? name : "", now, expires };
	enum store_status s;
	uint64_t version;

	s = store_begin(st, &version, e);
	if (s)
		return s;
	token_create(token, hash, TOKEN_API_KEY, version);
	snprintf(id, sizeof(id), "%" PRIu64, version);
	snprintf(now, sizeof(now), "%" PRId64, store_now());
	snprintf(expires, sizeof(expires), "%" PRId64,
		 expires_in > 0 ? store_now() + expires_in : 0);
	if (db_exec(st->db,
		    "INSERT INTO api_keys (id, hash, name, created_at, expires_at)"
		    " VALUES ($1, $2, $3, $4, $5)",
		    params, 5) != DB_OK)
		s = store_db_failed(st, e);
	else
		s = store_commit(st, version, "api_key", 0, e);
	if (s)
		memzero_explicit(token, TOKEN_MAX);
	return s;
}

enum store_status store_api_key_check(struct store *st, const char *token,
				      struct store_err *e)
{
	char idt[24];
	const char *params[] = { idt };
	struct db_result *res;
	enum db_status dbs;
	enum store_status s;
	uint64_t id;

	if (!token_parse(token, TOKEN_API_KEY, &id))
		return store_fail(e, STORE_UNAUTHORIZED, "invalid API key");
	snprintf(idt, sizeof(idt), "%" PRIu64, id);
	res = db_query(st->db,
		       "SELECT hash, expires_at, revoked FROM api_keys WHERE id = $1",
		       params, 1, &dbs);
	if (!res)
		return store_db_error(st, e);
	if (!db_rows(res) || !token_matches(token, db_get(res, 0, 0)))
		s = store_fail(e, STORE_UNAUTHORIZED, "invalid API key");
	else if (atoi(db_get(res, 0, 2)) ||
		 (strtoll(db_get(res, 0, 1), NULL, 10) &&
		  strtoll(db_get(res, 0, 1), NULL, 10) <= store_now()))
		s = store_fail(e, STORE_UNAUTHORIZED, "API key expired");
	else
		s = STORE_OK;
	db_result_free(res);
	return s;
}
