// SPDX-License-Identifier: MIT
/* Pre-auth keys and the policy, for administrators. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "control/api_priv.h"
#include "control/http.h"
#include "control/policy.h"
#include "control/validate.h"
#include "crypto/util.h"

enum { DEFAULT_KEY_LIFETIME = 3600, MAX_KEY_LIFETIME = 10 * 365 * 86400 };

static void create_key(struct server *srv, struct evhttp_request *req)
{
	static const char *const fields[] = {
		"reusable", "ephemeral", "expiration", "tags", "node_type", NULL,
	};
	struct auth_key_spec spec = { .node_type = "" };
	long long expiration = DEFAULT_KEY_LIFETIME;
	char token[TOKEN_MAX], tags[1024];
	struct store_err e;
	enum store_status s;
	json_t *body, *key;

	body = http_read_object(req, fields);
	if (!body)
		return;
	if (!http_get_bool(req, body, "reusable", &spec.reusable) ||
	    !http_get_bool(req, body, "ephemeral", &spec.ephemeral) ||
	    !http_get_int(req, body, "expiration", 1, MAX_KEY_LIFETIME,
			  &expiration) ||
	    !http_get_string(req, body, "node_type", &spec.node_type) ||
	    !api_get_labels(req, body, "tags", tags, sizeof(tags)))
		goto out;
	if (*spec.node_type && !valid_label(spec.node_type)) {
		http_reply_error(req, 400, "\"node_type\": `%.64s' is not a name",
				 spec.node_type);
		goto out;
	}
	spec.expires_in = expiration;
	spec.tags = tags;
	s = store_auth_key_create(srv->store, &spec, token, &key, &e);
	if (s) {
		api_store_error(req, s, &e);
		goto out;
	}
	json_object_set_new(key, "key", json_string(token));
	memzero_explicit(token, sizeof(token));
	http_reply_json(req, 201, key);
out:
	json_decref(body);
}

void api_keys(struct server *srv, struct evhttp_request *req,
	      const char *id, const char *action)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct store_err e;
	enum store_status s;
	json_t *keys;
	char *end;
	uint64_t n;

	if (!id && cmd == EVHTTP_REQ_POST) {
		create_key(srv, req);
		return;
	}
	if (!id && cmd == EVHTTP_REQ_GET) {
		s = store_auth_key_list(srv->store, &keys, &e);
		if (s)
			api_store_error(req, s, &e);
		else
			http_reply_json(req, 200, json_pack("{s:o}", "keys", keys));
		return;
	}
	if (!id || !action || strcmp(action, "expire") || cmd != EVHTTP_REQ_POST) {
		http_reply_error(req, 405, "use GET or POST on keys, POST on"
				 " keys/<id>/expire");
		return;
	}
	n = strtoull(id, &end, 10);
	if (*end || !*id) {
		http_reply_error(req, 400, "`%.32s' is not a key id", id);
		return;
	}
	s = store_auth_key_expire(srv->store, n, &e);
	if (s)
		api_store_error(req, s, &e);
	else
		http_reply_json(req, 200, json_pack("{s:s,s:I}", "result", "expired",
						    "id", (json_int_t)n));
}

static void set_policy(struct server *srv, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	struct store_err e;
	enum store_status s;
	struct policy *p;
	char err[256];
	char *canon;

	if (len > HTTP_MAX_BODY) {
		http_reply_error(req, 413, "policy over %d bytes", HTTP_MAX_BODY);
		return;
	}
	p = policy_parse((const char *)evbuffer_pullup(in, -1), len, err,
			 sizeof(err));
	if (!p) {
		http_reply_error(req, 400, "invalid policy: %s", err);
		return;
	}
	canon = policy_to_json(p);
	policy_free(p);
	if (!canon) {
		http_reply_error(req, 503, "out of memory");
		return;
	}
	s = store_policy_set(srv->store, canon, &e);
	if (s)
		api_store_error(req, s, &e);
	else
		http_reply_json(req, 200, json_loads(canon, 0, NULL));
	free(canon);
}

void api_policy(struct server *srv, struct evhttp_request *req)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct store_err e;
	enum store_status s;
	char *body = NULL;

	if (cmd == EVHTTP_REQ_PUT || cmd == EVHTTP_REQ_POST) {
		set_policy(srv, req);
		return;
	}
	if (cmd != EVHTTP_REQ_GET) {
		http_reply_error(req, 405, "use GET or PUT");
		return;
	}
	s = store_policy_get(srv->store, &body, &e);
	if (s) {
		api_store_error(req, s, &e);
		return;
	}
	if (!body) {
		struct policy *p = policy_default();

		body = p ? policy_to_json(p) : NULL;
		policy_free(p);
	}
	http_reply_json(req, 200, body ? json_loads(body, 0, NULL) : json_object());
	free(body);
}
