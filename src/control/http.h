/* SPDX-License-Identifier: MIT */
/*
 * Small helpers over libevent's evhttp for a JSON API: strict request
 * bodies (size cap, valid JSON, no duplicate or unknown fields), JSON
 * replies, errors as {"error": "..."} with the status they belong to.
 */
#ifndef CVPC_CONTROL_HTTP_H
#define CVPC_CONTROL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>

enum { HTTP_MAX_BODY = 64 * 1024 };

/* Sends obj (a reference is stolen) with status. */
void http_reply_json(struct evhttp_request *req, int status, json_t *obj);
void http_reply_error(struct evhttp_request *req, int status,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The request body as a JSON object whose keys are all in allowed
 * (NULL-terminated). On failure replies 400/413/415 itself and returns
 * NULL.
 */
json_t *http_read_object(struct evhttp_request *req,
			 const char *const *allowed);

/* The bearer token of the Authorization header, or NULL. */
const char *http_bearer(struct evhttp_request *req);

/* The decoded query parameter, or NULL; the caller frees. */
char *http_query_param(struct evhttp_request *req, const char *name);

/* The path without the query string, decoded; the caller frees. */
char *http_path(struct evhttp_request *req);

/* Field getters that reply 400 naming the field when it has the wrong type. */
bool http_get_string(struct evhttp_request *req, json_t *obj, const char *key,
		     const char **out);
bool http_get_bool(struct evhttp_request *req, json_t *obj, const char *key,
		   bool *out);
bool http_get_int(struct evhttp_request *req, json_t *obj, const char *key,
		  long long min, long long max, long long *out);

#endif
