// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "control/http.h"

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

void http_reply_json(struct evhttp_request *req, int status, json_t *obj)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = json_dumps(obj, JSON_COMPACT);

	json_decref(obj);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "application/json");
	if (buf && text) {
		evbuffer_add(buf, text, strlen(text));
		evbuffer_add(buf, "\n", 1);
	}
	evhttp_send_reply(req, status, reason(status), buf);
	free(text);
	if (buf)
		evbuffer_free(buf);
}

void http_reply_error(struct evhttp_request *req, int status,
		      const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_reply_json(req, status, json_pack("{s:s}", "error", msg));
}

json_t *http_read_object(struct evhttp_request *req,
			 const char *const *allowed)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	json_error_t jerr;
	const char *key;
	json_t *obj, *value;

	if (len > HTTP_MAX_BODY) {
		http_reply_error(req, 413, "request body over %d bytes",
				 HTTP_MAX_BODY);
		return NULL;
	}
	obj = json_loadb((const char *)evbuffer_pullup(in, -1), len,
			 JSON_REJECT_DUPLICATES, &jerr);
	if (!obj) {
		http_reply_error(req, 400, "malformed JSON at line %d column %d: %s",
				 jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		http_reply_error(req, 400, "request body must be a JSON object");
		return NULL;
	}
	json_object_foreach(obj, key, value) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, key))
			a++;
		if (!*a) {
			http_reply_error(req, 400, "unknown field \"%.64s\"", key);
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

const char *http_bearer(struct evhttp_request *req)
{
	const char *auth = evhttp_find_header(
		evhttp_request_get_input_headers(req), "Authorization");

	if (!auth || strncasecmp(auth, "Bearer ", 7))
		return NULL;
	return auth + 7;
}

char *http_query_param(struct evhttp_request *req, const char *name)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq params;
	const char *v;
	char *copy = NULL;

	if (!query || evhttp_parse_query_str(query, &params))
		return NULL;
	v = evhttp_find_header(&params, name);
	if (v)
		copy = strdup(v);
	evhttp_clear_headers(&params);
	return copy;
}

char *http_path(struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	return evhttp_uridecode(path ? path : "/", 0, NULL);
}

bool http_get_string(struct evhttp_request *req, json_t *obj, const char *key,
		     const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v)) {
		http_reply_error(req, 400, "\"%s\" must be a string", key);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

bool http_get_bool(struct evhttp_request *req, json_t *obj, const char *key,
		   bool *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return true;
	if (!json_is_boolean(v)) {
		http_reply_error(req, 400, "\"%s\" must be true or false", key);
		return false;
	}
	*out = json_is_true(v);
	return true;
}

bool http_get_int(struct evhttp_request *req, json_t *obj, const char *key,
		  long long min, long long max, long long *out)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		http_reply_error(req, 400, "\"%s\" must be an integer from %lld to %lld",
				 key, min, max);
		return false;
	}
	*out = json_integer_value(v);
	return true;
}
