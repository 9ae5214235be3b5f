// SPDX-License-Identifier: MIT
/*
 * The server process: the store, the HTTPS API on libevent's evhttp
 * (TLS through bufferevent_openssl), an optional plain-HTTP listener,
 * and on first start its certificate and a first admin API key.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "base/log.h"
#include "base/sockaddr.h"
#include "control/cert.h"
#include "control/http.h"
#include "control/server.h"
#include "control/server_priv.h"
#include "crypto/util.h"

struct listener {
	struct evhttp *http;
	SSL_CTX *tls; /* NULL: plain HTTP */
};

static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
	SSL *ssl = SSL_new(arg);

	if (!ssl)
		return NULL;
	return bufferevent_openssl_socket_new(base, -1, ssl,
					      BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

static int listen_on(struct server *srv, struct listener *l, const char *addr,
		     SSL_CTX *tls)
{
	union sockaddr_inet sa;
	struct evconnlistener *lev;

	if (!sockaddr_parse(&sa, addr)) {
		pr_err("`%s' is not address:port", addr);
		return -1;
	}
	l->http = evhttp_new(srv->base);
	if (!l->http)
		return -1;
	l->tls = tls;
	evhttp_set_max_body_size(l->http, HTTP_MAX_BODY);
	evhttp_set_max_headers_size(l->http, 16 * 1024);
	evhttp_set_timeout(l->http, 120);
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
					    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	if (tls)
		evhttp_set_bevcb(l->http, tls_bev, tls);
	evhttp_set_gencb(l->http, api_dispatch, srv);
	/* As evhttp_bind_socket does, from the address we parsed. */
	lev = evconnlistener_new_bind(srv->base, NULL, NULL,
				      LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC |
					      LEV_OPT_CLOSE_ON_FREE,
				      -1, &sa.sa, sockaddr_len(&sa));
	if (!lev || !evhttp_bind_listener(l->http, lev)) {
		pr_err("cannot listen on %s: %s", addr, strerror(errno));
		if (lev)
			evconnlistener_free(lev);
		return -1;
	}
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		pr_err("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * On first start, an admin API key for the CLI on this machine, in a
 * file only root reads; `cvpc server apikey create' makes more.
 */
static void bootstrap_admin_key(struct server *srv, const char *data_dir)
{
	char path[PATH_MAX], token[TOKEN_MAX];
	struct store_err e;
	int fd;

	snprintf(path, sizeof(path), "%s/admin.key", data_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (store_api_key_create(srv->store, "local", 0, token, &e) ||
	    dprintf(fd, "%s\n", token) < 0) {
		pr_err("cannot create the local admin key: %s", e.msg);
		unlink(path);
	}
	memzero_explicit(token, sizeof(token));
	close(fd);
}

/* Where the CLI on this machine finds the server (no secrets). */
static void write_admin_info(struct server *srv, const char *data_dir)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/server.json", data_dir);
	f = fopen(path, "we");
	if (!f)
		return;
	fprintf(f, "{\"url\":\"%s\",\"pin\":\"sha256:%s\"}\n", srv->url,
		srv->fingerprint);
	fclose(f);
}

static void on_signal(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	event_base_loopexit(arg, NULL);
}

/* Long-polls of thousands of nodes need as many descriptors. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int open_tls(struct server *srv, const struct server_config *cfg,
		    SSL_CTX **ctx)
{
	static const char *const sans[] = { "DNS:localhost", "IP:127.0.0.1",
					    "IP:::1", NULL };
	char cert[PATH_MAX], key[PATH_MAX], err[256];

	snprintf(cert, sizeof(cert), "%s", cfg->tls_cert ? cfg->tls_cert : "");
	snprintf(key, sizeof(key), "%s", cfg->tls_key ? cfg->tls_key : "");
	if (!cfg->tls_cert) {
		snprintf(cert, sizeof(cert), "%s/server.crt", cfg->data_dir);
		snprintf(key, sizeof(key), "%s/server.key", cfg->data_dir);
		if (cert_ensure(cert, key, sans, err, sizeof(err))) {
			pr_err("%s", err);
			return -1;
		}
	}
	*ctx = cert_server_ctx(cert, key, err, sizeof(err));
	if (!*ctx) {
		pr_err("%s", err);
		return -1;
	}
	if (!cert_fingerprint(cert, srv->fingerprint)) {
		pr_err("cannot read %s", cert);
		return -1;
	}
	return 0;
}

static void print_join(const struct server *srv)
{
	printf("cvpc server: listening on %s\n", srv->url);
	printf("certificate fingerprint: sha256:%s\n", srv->fingerprint);
	printf("join a node with:\n  cvpc up --server %s --pin sha256:%s"
	       " --auth-key <key from `cvpc keys create'>\n",
	       srv->url, srv->fingerprint);
	fflush(stdout);
}

int server_run(const struct server_config *cfg)
{
	struct store_config scfg = { .pool = cfg->pool,
				     .base_domain = cfg->base_domain };
	struct listener tls_l = { 0 }, plain_l = { 0 };
	struct event *sigint = NULL, *sigterm = NULL;
	struct server srv = { 0 };
	char db[PATH_MAX], err[256];
	SSL_CTX *ctx = NULL;
	int ret = 1;

	if (make_dir(cfg->data_dir))
		return 1;
	snprintf(db, sizeof(db), "%s/cvpc.db", cfg->data_dir);
	scfg.db = cfg->db ? cfg->db : db;
	srv.store = store_open(&scfg, err, sizeof(err));
	if (!srv.store) {
		pr_err("%s", err);
		return 1;
	}
	raise_fd_limit();
	srv.base = event_base_new();
	if (!srv.base || open_tls(&srv, cfg, &ctx))
		goto out;
	if (cfg->public_url)
		snprintf(srv.url, sizeof(srv.url), "%s", cfg->public_url);
	else
		snprintf(srv.url, sizeof(srv.url), "https://%s", cfg->listen);
	if (listen_on(&srv, &tls_l, cfg->listen, ctx) ||
	    (cfg->plain_listen && listen_on(&srv, &plain_l, cfg->plain_listen, NULL)))
		goto out;
	bootstrap_admin_key(&srv, cfg->data_dir);
	write_admin_info(&srv, cfg->data_dir);
	sigint = evsignal_new(srv.base, SIGINT, on_signal, srv.base);
	sigterm = evsignal_new(srv.base, SIGTERM, on_signal, srv.base);
	if (!sigint || !sigterm || event_add(sigint, NULL) ||
	    event_add(sigterm, NULL))
		goto out;
	signal(SIGPIPE, SIG_IGN);
	print_join(&srv);
	event_base_dispatch(srv.base);
	ret = 0;
out:
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (tls_l.http)
		evhttp_free(tls_l.http);
	if (plain_l.http)
		evhttp_free(plain_l.http);
	SSL_CTX_free(ctx);
	if (srv.base)
		event_base_free(srv.base);
	store_close(srv.store);
	return ret;
}
