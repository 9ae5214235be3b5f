/* SPDX-License-Identifier: MIT */
/*
 * The control plane's source of truth: nodes, pre-auth keys, admin API
 * keys, the policy and the change log, on SQLite or PostgreSQL. Every
 * mutation is one transaction that also appends to the change log under
 * the version counter's row lock, so that every replica sees changes in
 * version order. Records come out as jansson objects, as the API
 * serves them (credential hashes never included).
 */
#ifndef CVPC_CONTROL_STORE_H
#define CVPC_CONTROL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "control/token.h"

/* What went wrong, as the API reports it (HTTP status in the comment). */
enum store_status {
	STORE_OK = 0,
	STORE_INVALID = -1,      /* 400 */
	STORE_UNAUTHORIZED = -2, /* 401 */
	STORE_FORBIDDEN = -3,    /* 403 */
	STORE_NOT_FOUND = -4,    /* 404 */
	STORE_CONFLICT = -5,     /* 409 */
	STORE_INTERNAL = -6,     /* 500: the database failed */
};

struct store_config {
	const char *db;          /* SQLite path or postgres:// URI */
	const char *pool;        /* IPv4 CIDR; NULL: as stored, or 100.128.0.0/10 */
	const char *base_domain; /* NULL: dstack.internal */
};

struct store;

struct store *store_open(const struct store_config *cfg, char *err,
			 size_t errlen);
void store_close(struct store *st);
const char *store_base_domain(const struct store *st);
/* The database connection, for change notifications. */
struct db *store_db(struct store *st);

/* Each call below writes a message for the user into err on failure. */
struct store_err {
	char msg[256];
};

/* --- pre-auth keys --- */
struct auth_key_spec {
	bool reusable, ephemeral;
	int64_t expires_in; /* seconds from now, > 0 */
	const char *tags;   /* comma-separated, validated by the caller */
	const char *node_type;
};
enum store_status store_auth_key_create(struct store *st,
					const struct auth_key_spec *spec,
					char token[static TOKEN_MAX],
					json_t **key, struct store_err *e);
enum store_status store_auth_key_list(struct store *st, json_t **keys,
				      struct store_err *e);
enum store_status store_auth_key_expire(struct store *st, uint64_t id,
					struct store_err *e);

/* --- admin API keys --- */
enum store_status store_api_key_create(struct store *st, const char *name,
				       int64_t expires_in,
				       char token[static TOKEN_MAX],
				       struct store_err *e);
/* STORE_OK if token is a live API key. */
enum store_status store_api_key_check(struct store *st, const char *token,
				      struct store_err *e);

/* --- nodes --- */
struct node_registration {
	const char *auth_key; /* a pre-auth key, or NULL when app_id is */
	const char *app_id;   /* verified by RA-TLS (40 hex), or NULL */
	const char *instance_id;
	const char *name, *node_type, *tags; /* validated by the caller */
	const char *public_key;              /* base64, validated */
	const char *endpoint;
};
/* The new node's record and its credential (shown once). */
enum store_status store_node_register(struct store *st,
				      const struct node_registration *reg,
				      json_t **node,
				      char credential[static TOKEN_MAX],
				      struct store_err *e);
/* The node a credential belongs to (its id), touching last_seen. */
enum store_status store_node_authenticate(struct store *st,
					  const char *credential,
					  uint64_t *id, struct store_err *e);
enum store_status store_node_list(struct store *st, const char *node_type,
				  json_t **nodes, struct store_err *e);
enum store_status store_node_get(struct store *st, uint64_t id, json_t **node,
				 struct store_err *e);
/* By id (all digits) or by name. */
enum store_status store_node_find(struct store *st, const char *ref,
				  uint64_t *id, struct store_err *e);
enum store_status store_node_expire(struct store *st, uint64_t id,
				    struct store_err *e);
enum store_status store_node_delete(struct store *st, uint64_t id,
				    struct store_err *e);
/* Seed-style metadata update (type, endpoint); NULL leaves a field. */
enum store_status store_node_update(struct store *st, uint64_t id,
				    const char *node_type, const char *endpoint,
				    struct store_err *e);

/* --- policy --- */
/* The stored policy text, or NULL (*body) when none was ever set. */
enum store_status store_policy_get(struct store *st, char **body,
				   struct store_err *e);
enum store_status store_policy_set(struct store *st, const char *body,
				   struct store_err *e);

/* --- change log --- */
/* The newest version, and the changes after since, oldest first:
 * [{"version":n,"kind":"...","node_id":n}, ...]. */
enum store_status store_changes_since(struct store *st, uint64_t since,
				      json_t **changes, uint64_t *latest,
				      struct store_err *e);

#endif
