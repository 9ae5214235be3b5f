/* SPDX-License-Identifier: MIT */
/* The API's handlers, by resource; api.c routes to them. */
#ifndef CVPC_CONTROL_API_PRIV_H
#define CVPC_CONTROL_API_PRIV_H

#include <event2/http.h>

#include "control/server_priv.h"

/* Maps a store failure to its HTTP status and replies. */
void api_store_error(struct evhttp_request *req, enum store_status s,
		     const struct store_err *e);

void api_register(struct server *srv, struct evhttp_request *req);
void api_nodes(struct server *srv, struct evhttp_request *req,
	       const char *ref, const char *action);
void api_keys(struct server *srv, struct evhttp_request *req,
	      const char *id, const char *action);
void api_policy(struct server *srv, struct evhttp_request *req);

#endif
