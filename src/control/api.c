// SPDX-License-Identifier: MIT
/*
 * Routing of the HTTPS API:
 *   GET  /health
 *   POST /api/v1/register                       (pre-auth key in the body)
 *   GET  /api/v1/nodes, /api/v1/nodes/<id|name> (admin API key)
 *   POST /api/v1/nodes/<ref>/expire, DELETE /api/v1/nodes/<ref>
 *   GET|POST /api/v1/keys, POST /api/v1/keys/<id>/expire
 *   GET|PUT  /api/v1/policy
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api_priv.h"
#include "control/http.h"
#include "control/validate.h"

void api_store_error(struct evhttp_request *req, enum store_status s,
		     const struct store_err *e)
{
	static const int status[] = {
		[-STORE_INVALID] = 400,  [-STORE_UNAUTHORIZED] = 401,
		[-STORE_FORBIDDEN] = 403, [-STORE_NOT_FOUND] = 404,
		[-STORE_CONFLICT] = 409, [-STORE_INTERNAL] = 503,
	};

	http_reply_error(req, status[-s], "%s", e->msg);
}

enum { MAX_LABELS = 32 };

bool api_get_labels(struct evhttp_request *req, json_t *body,
		    const char *key, char *out, size_t outlen)
{
	json_t *arr = json_object_get(body, key), *item;
	size_t i, used = 0;

	out[0] = '\0';
	if (!arr || json_is_null(arr))
		return true;
	if (!json_is_array(arr) || json_array_size(arr) > MAX_LABELS) {
		http_reply_error(req, 400, "\"%s\" must be an array of at most %d"
				 " names", key, MAX_LABELS);
		return false;
	}
	json_array_foreach(arr, i, item) {
		const char *t = json_string_value(item);

		if (!t || !valid_label(t)) {
			http_reply_error(req, 400, "%s[%zu]: `%.64s' is not a name"
					 " (1-63 of a-z, 0-9, -)", key, i,
					 t ? t : "");
			return false;
		}
		if (used + strlen(t) + 2 > outlen) {
			http_reply_error(req, 400, "\"%s\" too long", key);
			return false;
		}
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
					 used ? "," : "", t);
	}
	return true;
}

/* Admin routes need a live API key; false once it has replied 401. */
static bool admin_ok(struct server *srv, struct evhttp_request *req)
{
	const char *token = http_bearer(req);
	struct store_err e;
	enum store_status s;

	if (!token) {
		http_reply_error(req, 401, "an admin API key is required"
			" (Authorization: Bearer ...)");
		return false;
	}
	s = store_api_key_check(srv->store, token, &e);
	if (s) {
		api_store_error(req, s, &e);
		return false;
	}
	return true;
}

/* Splits "/a/b/c" into at most n segments (modifies path). */
static int split_path(char *path, char **seg, int n)
{
	int count = 0;

	for (char *p = strtok(path, "/"); p; p = strtok(NULL, "/")) {
		if (count == n)
			return n + 1;
		seg[count++] = p;
	}
	return count;
}

static void route(struct server *srv, struct evhttp_request *req, char *path)
{
	char *seg[6] = { 0 };
	int n = split_path(path, seg, 5);

	if (n == 1 && !strcmp(seg[0], "health")) {
		http_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
		return;
	}
	if (n < 3 || n > 5 || strcmp(seg[0], "api") || strcmp(seg[1], "v1"))
		goto not_found;
	if (n == 3 && !strcmp(seg[2], "register")) {
		api_register(srv, req);
		return;
	}
	if (!strcmp(seg[2], "nodes") || !strcmp(seg[2], "keys") ||
	    !strcmp(seg[2], "policy")) {
		if (!admin_ok(srv, req))
			return;
		if (!strcmp(seg[2], "nodes"))
			api_nodes(srv, req, seg[3], n > 4 ? seg[4] : NULL);
		else if (!strcmp(seg[2], "keys"))
			api_keys(srv, req, seg[3], n > 4 ? seg[4] : NULL);
		else if (!seg[3])
			api_policy(srv, req);
		else
			goto not_found;
		return;
	}
not_found:
	http_reply_error(req, 404, "no such endpoint");
}

void api_dispatch(struct evhttp_request *req, void *arg)
{
	char *path = http_path(req);

	if (!path) {
		http_reply_error(req, 400, "malformed path");
		return;
	}
	route(arg, req, path);
	free(path);
}
