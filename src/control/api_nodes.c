// SPDX-License-Identifier: MIT
/* Registration and the administration of nodes. */
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "control/api_priv.h"
#include "control/http.h"
#include "control/ipam.h"
#include "control/validate.h"
#include "crypto/util.h"

static bool registration_fields(struct evhttp_request *req, json_t *body,
				struct node_registration *reg)
{
	uint8_t key[KEY_LEN];

	if (!http_get_string(req, body, "auth_key", &reg->auth_key) ||
	    !http_get_string(req, body, "public_key", &reg->public_key) ||
	    !http_get_string(req, body, "name", &reg->name) ||
	    !http_get_string(req, body, "node_type", &reg->node_type) ||
	    !http_get_string(req, body, "endpoint", &reg->endpoint) ||
	    !http_get_string(req, body, "instance_id", &reg->instance_id))
		return false;
	if (!reg->auth_key) {
		http_reply_error(req, 401, "\"auth_key\" is required");
		return false;
	}
	if (!reg->public_key || !key_from_base64(key, reg->public_key)) {
		http_reply_error(req, 400, "\"public_key\" must be a base64"
				 " WireGuard public key");
		return false;
	}
	if (!reg->name || !valid_label(reg->name)) {
		http_reply_error(req, 400, "\"name\": `%.64s' is not a node name"
				 " (1-63 of a-z, 0-9, -)", reg->name ? reg->name : "");
		return false;
	}
	if (*reg->node_type && !valid_label(reg->node_type)) {
		http_reply_error(req, 400, "\"node_type\": `%.64s' is not a name",
				 reg->node_type);
		return false;
	}
	if (reg->endpoint && *reg->endpoint && !valid_endpoint(reg->endpoint)) {
		http_reply_error(req, 400, "\"endpoint\": `%.64s' is not ip:port",
				 reg->endpoint);
		return false;
	}
	if (reg->instance_id && strlen(reg->instance_id) > 128) {
		http_reply_error(req, 400, "\"instance_id\" is longer than 128");
		return false;
	}
	return true;
}

void api_register(struct server *srv, struct evhttp_request *req)
{
	static const char *const fields[] = {
		"auth_key", "public_key", "name", "node_type", "tags",
		"endpoint", "instance_id", NULL,
	};
	struct node_registration reg = { .node_type = "" };
	char credential[TOKEN_MAX], tags[1024];
	struct store_err e;
	enum store_status s;
	json_t *body, *node;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		http_reply_error(req, 405, "use POST");
		return;
	}
	body = http_read_object(req, fields);
	if (!body)
		return;
	if (!registration_fields(req, body, &reg) ||
	    !api_get_labels(req, body, "tags", tags, sizeof(tags)))
		goto out;
	reg.tags = tags;
	s = store_node_register(srv->store, &reg, &node, credential, &e);
	if (s) {
		api_store_error(req, s, &e);
		goto out;
	}
	http_reply_json(req, 201,
			json_pack("{s:o,s:s,s:{s:s}}", "node", node,
				  "credential", credential, "network",
				  "base_domain", store_base_domain(srv->store)));
	memzero_explicit(credential, sizeof(credential));
out:
	json_decref(body);
}

static void node_action(struct server *srv, struct evhttp_request *req,
			uint64_t id, const char *action)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct store_err e;
	enum store_status s;
	json_t *node;

	if (!action && cmd == EVHTTP_REQ_GET)
		s = store_node_get(srv->store, id, &node, &e);
	else if (!action && cmd == EVHTTP_REQ_DELETE)
		s = store_node_delete(srv->store, id, &e);
	else if (action && !strcmp(action, "expire") && cmd == EVHTTP_REQ_POST)
		s = store_node_expire(srv->store, id, &e);
	else {
		http_reply_error(req, action && strcmp(action, "expire") ? 404 : 405,
				 "use GET or DELETE on a node, POST on its expire");
		return;
	}
	if (s) {
		api_store_error(req, s, &e);
		return;
	}
	if (cmd == EVHTTP_REQ_GET) {
		http_reply_json(req, 200, node);
		return;
	}
	if (store_node_get(srv->store, id, &node, &e))
		node = json_pack("{s:I}", "id", (json_int_t)id);
	http_reply_json(req, 200, json_pack("{s:s,s:o}", "result",
					    action ? "expired" : "deleted",
					    "node", node));
}

void api_nodes(struct server *srv, struct evhttp_request *req,
	       const char *ref, const char *action)
{
	struct store_err e;
	enum store_status s;
	json_t *nodes;
	uint64_t id;

	if (ref) {
		s = store_node_find(srv->store, ref, &id, &e);
		if (s)
			api_store_error(req, s, &e);
		else
			node_action(srv, req, id, action);
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		http_reply_error(req, 405, "use GET");
		return;
	}
	s = store_node_list(srv->store, NULL, &nodes, &e);
	if (s)
		api_store_error(req, s, &e);
	else
		http_reply_json(req, 200, json_pack("{s:o}", "nodes", nodes));
}
