/* SPDX-License-Identifier: MIT */
/* What the server's request handlers share. */
#ifndef CVPC_CONTROL_SERVER_PRIV_H
#define CVPC_CONTROL_SERVER_PRIV_H

#include <event2/event.h>
#include <event2/http.h>

#include "control/store.h"

struct server {
	struct event_base *base;
	struct store *store;
	char url[256];
	char fingerprint[65];
};

/* The request router, for every listener. */
void api_dispatch(struct evhttp_request *req, void *arg);

#endif
