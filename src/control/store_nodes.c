// SPDX-License-Identifier: MIT
/* Nodes: registration with its address allocation, and their lifecycle. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/store_priv.h"
#include "crypto/util.h"

#define NODE_COLUMNS                                                      \
	"id, name, node_type, tags, app_id, instance_id, public_key, ipv4,"  \
	" ipv6, endpoint, ephemeral, created_at, last_seen, expires_at, version"

static json_int_t int_at(const struct db_result *res, int row, int col)
{
	const char *v = db_get(res, row, col);

	return v ? (json_int_t)strtoll(v, NULL, 10) : 0;
}

static json_t *node_json(const struct store *st, const struct db_result *res,
			 int row)
{
	char fqdn[320];
	json_int_t expires = int_at(res, row, 13);

	snprintf(fqdn, sizeof(fqdn), "%s.%s", db_get(res, row, 1),
		 st->base_domain);
	return json_pack("{s:I,s:s,s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:s,s:s,s:b,"
			 "s:I,s:I,s:I,s:b,s:I}",
			 "id", int_at(res, row, 0), "name", db_get(res, row, 1),
			 "fqdn", fqdn, "node_type", db_get(res, row, 2), "tags",
			 store_split_list(db_get(res, row, 3)), "app_id",
			 db_get(res, row, 4), "instance_id", db_get(res, row, 5),
			 "public_key", db_get(res, row, 6), "ipv4",
			 db_get(res, row, 7), "ipv6", db_get(res, row, 8),
			 "endpoint", db_get(res, row, 9), "ephemeral",
			 (int)int_at(res, row, 10), "created_at",
			 int_at(res, row, 11), "last_seen", int_at(res, row, 12),
			 "expires_at", expires, "expired",
			 expires && expires <= store_now(), "version",
			 int_at(res, row, 14));
}

/* Every tag of the request must be one the key grants, if it grants any. */
static bool tags_allowed(const char *granted, const char *requested)
{
	const char *p = requested;

	if (!*granted)
		return true;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *g = granted;
		bool found = false;

		while (g && *g && !found) {
			const char *gc = strchr(g, ',');
			size_t glen = gc ? (size_t)(gc - g) : strlen(g);

			found = glen == len && !memcmp(g, p, len);
			g = gc ? gc + 1 : NULL;
		}
		if (!found)
			return false;
		p = comma ? comma + 1 : NULL;
	}
	return true;
}

struct granted {
	bool ephemeral;
	char tags[512];
	char node_type[64];
	uint64_t key_id;
};

/* Checks and uses a pre-auth key, inside the registration. */
static enum store_status use_auth_key(struct store *st, const char *token,
				      struct granted *g, struct store_err *e)
{
	char idt[24];
	const char *params[] = { idt };
	struct db_result *res;
	enum store_status s = STORE_OK;
	enum db_status dbs;
	uint64_t id;

	if (!token_parse(token, TOKEN_AUTH_KEY, &id))
		return store_fail(e, STORE_UNAUTHORIZED, "invalid auth key");
	snprintf(idt, sizeof(idt), "%" PRIu64, id);
	res = db_query(st->db,
		       "SELECT hash, reusable, ephemeral, tags, node_type,"
		       " expires_at, used_count, revoked FROM auth_keys WHERE id = $1",
		       params, 1, &dbs);
	if (!res)
		return store_db_error(st, e);
	if (!db_rows(res) || !token_matches(token, db_get(res, 0, 0)))
		s = store_fail(e, STORE_UNAUTHORIZED, "invalid auth key");
	else if (atoi(db_get(res, 0, 7)))
		s = store_fail(e, STORE_UNAUTHORIZED, "auth key %s was revoked",
			       idt);
	else if (strtoll(db_get(res, 0, 5), NULL, 10) <= store_now())
		s = store_fail(e, STORE_UNAUTHORIZED, "auth key %s has expired",
			       idt);
	else if (!atoi(db_get(res, 0, 1)) && strtoll(db_get(res, 0, 6), NULL, 10))
		s = store_fail(e, STORE_UNAUTHORIZED,
			       "single-use auth key %s was already used", idt);
	if (s == STORE_OK) {
		g->ephemeral = atoi(db_get(res, 0, 2));
		snprintf(g->tags, sizeof(g->tags), "%s", db_get(res, 0, 3));
		snprintf(g->node_type, sizeof(g->node_type), "%s",
			 db_get(res, 0, 4));
		g->key_id = id;
		if (db_exec(st->db,
			    "UPDATE auth_keys SET used_count = used_count + 1"
			    " WHERE id = $1",
			    params, 1) != DB_OK)
			s = store_db_error(st, e);
	}
	db_result_free(res);
	return s;
}

static enum store_status check_unique(struct store *st,
				      const struct node_registration *reg,
				      struct store_err *e)
{
	const char *p_name[] = { reg->name }, *p_key[] = { reg->public_key };
	enum db_status dbs;
	char *hit;

	hit = store_query_text(st, "SELECT id FROM nodes WHERE name = $1",
			       p_name, 1, &dbs);
	if (hit || dbs != DB_OK) {
		free(hit);
		return dbs != DB_OK ? STORE_INTERNAL :
		       store_fail(e, STORE_CONFLICT, "node name `%s' is taken",
				  reg->name);
	}
	hit = store_query_text(st, "SELECT name FROM nodes WHERE public_key = $1",
			       p_key, 1, &dbs);
	if (hit) {
		store_fail(e, STORE_CONFLICT,
			   "this public key is already registered (node `%s')",
			   hit);
		free(hit);
		return STORE_CONFLICT;
	}
	return dbs != DB_OK ? STORE_INTERNAL : STORE_OK;
}

/*
 * The next free host index after the last one handed out, so that a
 * deleted node's address is not reused at once. Runs under the version
 * lock, so no other writer can take the same index.
 */
static enum store_status allocate_index(struct store *st, uint64_t *index,
					struct store_err *e)
{
	uint64_t hosts = ipam_pool_hosts(&st->pool), used, next;
	char cidr[32], idx[24];
	const char *params[] = { idx };
	enum db_status dbs;
	char *v;

	v = store_query_text(st, "SELECT COUNT(*) FROM nodes", NULL, 0, &dbs);
	if (!v)
		return STORE_INTERNAL;
	used = strtoull(v, NULL, 10);
	free(v);
	if (used >= hosts) {
		ipam_pool_format(&st->pool, cidr);
		return store_fail(e, STORE_CONFLICT,
				  "address pool %s is exhausted (%" PRIu64
				  " nodes)", cidr, used);
	}
	v = store_query_text(st, "SELECT value FROM meta WHERE key = 'next_host'",
			     NULL, 0, &dbs);
	next = v ? strtoull(v, NULL, 10) : 1;
	free(v);
	for (;; next++) {
		if (next < 1 || next > hosts)
			next = 1;
		snprintf(idx, sizeof(idx), "%" PRIu64, next);
		v = store_query_text(st, "SELECT id FROM nodes WHERE ip_index = $1",
				     params, 1, &dbs);
		if (dbs != DB_OK)
			return STORE_INTERNAL;
		if (!v)
			break;
		free(v);
	}
	*index = next;
	snprintf(idx, sizeof(idx), "%" PRIu64, next + 1);
	if (db_exec(st->db,
		    "INSERT INTO meta (key, value) VALUES ('next_host', $1)"
		    " ON CONFLICT (key) DO UPDATE SET value = $1",
		    params, 1) != DB_OK)
		return STORE_INTERNAL;
	return STORE_OK;
}

static enum store_status insert_node(struct store *st, uint64_t id,
				     const struct node_registration *reg,
				     const struct granted *g, uint64_t index,
				     const char *hash, struct store_err *e)
{
	char idt[24], idx[24], v4[INET_ADDRSTRLEN], v6[INET6_ADDRSTRLEN], now[24],
		key[24];
	const char *tags = *g->tags && !*reg->tags ? g->tags : reg->tags;
	const char *type = *g->node_type ? g->node_type : reg->node_type;
	const char *params[] = {
		idt, reg->name, type, tags, reg->app_id ? reg->app_id : "",
		reg->instance_id ? reg->instance_id : "", reg->public_key,
		idx, v4, v6, reg->endpoint ? reg->endpoint : "", hash,
		g->ephemeral ? "1" : "0", g->key_id ? key : NULL, now,
	};

	snprintf(idt, sizeof(idt), "%" PRIu64, id);
	snprintf(idx, sizeof(idx), "%" PRIu64, index);
	snprintf(key, sizeof(key), "%" PRIu64, g->key_id);
	snprintf(now, sizeof(now), "%" PRId64, store_now());
	ipam_addr4(&st->pool, index, v4);
	ipam_addr6(&st->pool, index, v6);
	if (db_exec(st->db,
		    "INSERT INTO nodes (id, name, node_type, tags, app_id,"
		    " instance_id, public_key, ip_index, ipv4, ipv6, endpoint,"
		    " credential_hash, ephemeral, auth_key_id, created_at,"
		    " last_seen, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
		    " $9, $10, $11, $12, $13, $14, $15, $15, $1)",
		    params, 15) != DB_OK)
		return store_db_error(st, e);
	return STORE_OK;
}

enum store_status store_node_register(struct store *st,
				      const struct node_registration *reg,
				      json_t **node,
				      char credential[static TOKEN_MAX],
				      struct store_err *e)
{
	char hash[TOKEN_HASH_HEX + 1];
	struct granted g = { 0 };
	enum store_status s;
	uint64_t version, index = 0;

	s = store_begin(st, &version, e);
	if (s)
		return s;
	if (reg->auth_key)
		s = use_auth_key(st, reg->auth_key, &g, e);
	else if (!reg->app_id)
		s = store_fail(e, STORE_UNAUTHORIZED,
			       "an auth key or an attested certificate is required");
	if (!s && *g.node_type && *reg->node_type &&
	    strcmp(g.node_type, reg->node_type))
		s = store_fail(e, STORE_FORBIDDEN,
			       "this auth key registers nodes of type `%s' only",
			       g.node_type);
	if (!s && !tags_allowed(g.tags, reg->tags))
		s = store_fail(e, STORE_FORBIDDEN,
			       "this auth key grants the tags `%s' only", g.tags);
	if (!s)
		s = check_unique(st, reg, e);
	if (!s)
		s = allocate_index(st, &index, e);
	if (!s) {
		token_create(credential, hash, TOKEN_NODE, version);
		s = insert_node(st, version, reg, &g, index, hash, e);
	}
	if (s) {
		if (s == STORE_INTERNAL)
			return store_db_failed(st, e);
		db_rollback(st->db);
		return s;
	}
	s = store_commit(st, version, "node_add", version, e);
	if (s) {
		memzero_explicit(credential, TOKEN_MAX);
		return s;
	}
	return store_node_get(st, version, node, e);
}

enum store_status store_node_authenticate(struct store *st,
					  const char *credential, uint64_t *id,
					  struct store_err *e)
{
	char idt[24], now[24];
	const char *params[] = { idt, now };
	struct db_result *res;
	enum store_status s = STORE_OK;
	enum db_status dbs;
	int64_t expires;

	if (!token_parse(credential, TOKEN_NODE, id))
		return store_fail(e, STORE_UNAUTHORIZED, "invalid node credential");
	snprintf(idt, sizeof(idt), "%" PRIu64, *id);
	snprintf(now, sizeof(now), "%" PRId64, store_now());
	res = db_query(st->db,
		       "SELECT credential_hash, expires_at, last_seen FROM nodes"
		       " WHERE id = $1",
		       params, 1, &dbs);
	if (!res)
		return store_db_error(st, e);
	if (!db_rows(res) || !token_matches(credential, db_get(res, 0, 0))) {
		s = store_fail(e, STORE_UNAUTHORIZED, "invalid node credential");
		goto out;
	}
	expires = strtoll(db_get(res, 0, 1), NULL, 10);
	if (expires && expires <= store_now()) {
		s = store_fail(e, STORE_UNAUTHORIZED, "node %s has expired", idt);
		goto out;
	}
	/* last_seen to the minute: a long-poll must not be a write each time. */
	if (strtoll(db_get(res, 0, 2), NULL, 10) + 60 < store_now())
		db_exec(st->db, "UPDATE nodes SET last_seen = $2 WHERE id = $1",
			params, 2);
out:
	db_result_free(res);
	return s;
}

enum store_status store_node_list(struct store *st, const char *node_type,
				  json_t **nodes, struct store_err *e)
{
	const char *params[] = { node_type };
	enum db_status dbs;
	struct db_result *res = db_query(
		st->db,
		node_type ? "SELECT " NODE_COLUMNS " FROM nodes WHERE node_type = $1"
			    " ORDER BY id" :
			    "SELECT " NODE_COLUMNS " FROM nodes ORDER BY id",
		params, node_type ? 1 : 0, &dbs);

	if (!res)
		return store_db_error(st, e);
	*nodes = json_array();
	for (int i = 0; i < db_rows(res); i++)
		json_array_append_new(*nodes, node_json(st, res, i));
	db_result_free(res);
	return STORE_OK;
}

enum store_status store_node_get(struct store *st, uint64_t id, json_t **node,
				 struct store_err *e)
{
	char idt[24];
	const char *params[] = { idt };
	enum db_status dbs;
	struct db_result *res;

	snprintf(idt, sizeof(idt), "%" PRIu64, id);
	res = db_query(st->db, "SELECT " NODE_COLUMNS " FROM nodes WHERE id = $1",
		       params, 1, &dbs);
	if (!res)
		return store_db_error(st, e);
	*node = db_rows(res) ? node_json(st, res, 0) : NULL;
	db_result_free(res);
	return *node ? STORE_OK :
		       store_fail(e, STORE_NOT_FOUND, "no node %s", idt);
}

enum store_status store_node_find(struct store *st, const char *ref,
				  uint64_t *id, struct store_err *e)
{
	const char *params[] = { ref };
	enum db_status dbs;
	char *v;

	v = store_query_text(st,
			     strspn(ref, "0123456789") == strlen(ref) && *ref ?
				     "SELECT id FROM nodes WHERE id = CAST($1 AS BIGINT)" :
				     "SELECT id FROM nodes WHERE name = $1",
			     params, 1, &dbs);
	if (!v)
		return dbs != DB_OK ?
			       store_db_error(st, e) :
			       store_fail(e, STORE_NOT_FOUND, "no node `%s'", ref);
	*id = strtoull(v, NULL, 10);
	free(v);
	return STORE_OK;
}

/* One UPDATE or DELETE on a node's row as a logged change. */
static enum store_status node_change(struct store *st, uint64_t id,
				     const char *sql, const char *const *extra,
				     int nextra, const char *kind,
				     struct store_err *e)
{
	char idt[24], v[24];
	const char *params[5] = { idt, v };
	enum store_status s;
	enum db_status dbs;
	uint64_t version;
	char *hit;

	for (int i = 0; i < nextra; i++)
		params[2 + i] = extra[i];
	snprintf(idt, sizeof(idt), "%" PRIu64, id);
	s = store_begin(st, &version, e);
	if (s)
		return s;
	snprintf(v, sizeof(v), "%" PRIu64, version);
	hit = store_query_text(st, sql, params, 2 + nextra, &dbs);
	if (!hit) {
		if (dbs != DB_OK)
			return store_db_failed(st, e);
		db_rollback(st->db);
		return store_fail(e, STORE_NOT_FOUND, "no node %s", idt);
	}
	free(hit);
	return store_commit(st, version, kind, id, e);
}

enum store_status store_node_expire(struct store *st, uint64_t id,
				    struct store_err *e)
{
	char now[24];
	const char *extra[] = { now };

	snprintf(now, sizeof(now), "%" PRId64, store_now());
	return node_change(st, id,
			   "UPDATE nodes SET expires_at = $3, version = $2"
			   " WHERE id = $1 RETURNING id",
			   extra, 1, "node_expire", e);
}

enum store_status store_node_delete(struct store *st, uint64_t id,
				    struct store_err *e)
{
	/* $2, the version, means nothing to a DELETE but must be used:
	 * PostgreSQL refuses parameters a statement does not mention. */
	return node_change(st, id,
			   "DELETE FROM nodes WHERE id = $1"
			   " AND CAST($2 AS BIGINT) > 0 RETURNING id",
			   NULL, 0, "node_delete", e);
}

enum store_status store_node_update(struct store *st, uint64_t id,
				    const char *node_type, const char *endpoint,
				    struct store_err *e)
{
	const char *extra[] = { node_type, endpoint };

	return node_change(st, id,
			   "UPDATE nodes SET node_type = COALESCE($3, node_type),"
			   " endpoint = COALESCE($4, endpoint), version = $2"
			   " WHERE id = $1 RETURNING id",
			   extra, 2, "node_update", e);
}
