/* SPDX-License-Identifier: MIT */
/* The API's handlers, by resource; api.c routes to them. */
#ifndef CVPC_CONTROL_API_PRIV_H
#define CVPC_CONTROL_API_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>

#include "control/server_priv.h"

/* Maps a store failure to its HTTP status and replies. */
void api_store_error(struct evhttp_request *req, enum store_status s,
		     const struct store_err *e);

/*
 * body's key, an array of at most 32 names (valid_label), joined with
 * commas into out ("" when absent); false once it has replied 400.
 */
bool api_get_labels(struct evhttp_request *req, json_t *body,
		    const char *key, char *out, size_t outlen);

void api_register(struct server *srv, struct evhttp_request *req);
void api_nodes(struct server *srv, struct evhttp_request *req,
	       const char *ref, const char *action);
void api_keys(struct server *srv, struct evhttp_request *req,
	      const char *id, const char *action);
void api_policy(struct server *srv, struct evhttp_request *req);

#endif
