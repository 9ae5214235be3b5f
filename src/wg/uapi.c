// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/log.h"
#include "base/loop.h"
#include "base/strbuf.h"
#include "crypto/util.h"
#include "wg/config.h"
#include "wg/device.h"
#include "wg/uapi.h"

enum {
	/* The longest sane line is an allowed_ip or endpoint with a zone. */
	UAPI_MAX_LINE = 4096,
	UAPI_MAX_CLIENTS = 64,
	UAPI_READ_CHUNK = 16384,
};

enum session_state {
	SESSION_IDLE,
	SESSION_GET,   /* "get=1" seen, the blank line must follow */
	SESSION_STATS, /* the same for "stats=1" */
	SESSION_SET,
};

struct uapi_session {
	struct wg_device *wg;
	enum session_state state;
	struct wg_config cfg;
	int error;          /* first error of the set request in progress */
	char line[UAPI_MAX_LINE + 1];
	size_t line_len;
	bool line_too_long;
};

struct uapi_session *uapi_session_new(struct wg_device *wg)
{
	struct uapi_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->wg = wg;
	wg_config_init(&s->cfg);
	return s;
}

void uapi_session_free(struct uapi_session *s)
{
	if (!s)
		return;
	wg_config_free(&s->cfg);
	memzero_explicit(s, sizeof(*s));
	free(s);
}

static void reply_errno(struct strbuf *out, int err)
{
	strbuf_addf(out, "errno=%d\n\n", err);
}

static void reply_get(struct uapi_session *s, struct strbuf *out, bool stats)
{
	struct strbuf body = STRBUF_INIT;
	int ret = stats ? wg_device_uapi_stats(s->wg, &body) :
			  wg_device_uapi_get(s->wg, &body);

	if (!ret)
		strbuf_add(out, body.buf ? body.buf : "", body.len);
	reply_errno(out, ret);
	strbuf_free(&body);
}

static void set_line(struct uapi_session *s, char *line)
{
	char err[256], *eq;
	int ret;

	if (s->error)
		return;
	eq = strchr(line, '=');
	if (!eq) {
		pr_err("UAPI: failed to parse line");
		s->error = -EPROTO;
		return;
	}
	*eq = '\0';
	ret = wg_config_parse_line(&s->cfg, line, eq + 1, err, sizeof(err));
	if (ret < 0) {
		pr_err("UAPI: %s", err);
		s->error = ret;
	}
}

static void finish_set(struct uapi_session *s, struct strbuf *out)
{
	int ret = s->error;

	if (!ret) {
		ret = wg_device_apply_config(s->wg, &s->cfg);
		if (ret < 0)
			pr_err("UAPI: set failed: %s", strerror(-ret));
	}
	reply_errno(out, ret);
	wg_config_free(&s->cfg);
	s->error = 0;
	s->state = SESSION_IDLE;
}

/* One complete line (without its newline). False: close the connection. */
static bool session_line(struct uapi_session *s, char *line, bool too_long,
			 struct strbuf *out)
{
	switch (s->state) {
	case SESSION_IDLE:
		if (too_long)
			return false;
		if (!strcmp(line, "get=1"))
			s->state = SESSION_GET;
		else if (!strcmp(line, "stats=1"))
			s->state = SESSION_STATS;
		else if (!strcmp(line, "set=1"))
			s->state = SESSION_SET;
		else
			return false;
		return true;
	case SESSION_GET:
	case SESSION_STATS:
		if (line[0] || too_long)
			reply_errno(out, -EINVAL);
		else
			reply_get(s, out, s->state == SESSION_STATS);
		s->state = SESSION_IDLE;
		return true;
	case SESSION_SET:
		if (too_long) {
			if (!s->error)
				s->error = -EINVAL;
		} else if (!line[0]) {
			finish_set(s, out);
		} else {
			set_line(s, line);
		}
		return true;
	}
	return false;
}

bool uapi_session_feed(struct uapi_session *s, const char *data, size_t len,
		       struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		bool ok;

		if (data[i] != '\n') {
			if (s->line_len < UAPI_MAX_LINE && data[i] != '\0')
				s->line[s->line_len++] = data[i];
			else
				s->line_too_long = true;
			continue;
		}
		s->line[s->line_len] = '\0';
		ok = session_line(s, s->line, s->line_too_long, out);
		memzero_explicit(s->line, s->line_len);
		s->line_len = 0;
		s->line_too_long = false;
		if (!ok)
			return false;
	}
	return true;
}

struct uapi_client {
	struct loop_fd lfd;
	struct uapi_server *server;
	struct uapi_client *next;
	struct uapi_session *session;
	struct strbuf out;
	bool closing; /* flush out, then close */
};

struct uapi_server {
	struct loop *loop;
	struct wg_device *wg;
	struct loop_fd listen_lfd, inotify_lfd;
	struct uapi_client *clients;
	unsigned int nclients;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	void (*gone)(void *arg);
	void *gone_arg;
};

static void client_free(struct uapi_client *c)
{
	struct uapi_server *server = c->server;
	struct uapi_client **pp;

	for (pp = &server->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	server->nclients--;
	loop_fd_del(server->loop, &c->lfd);
	close(c->lfd.fd);
	uapi_session_free(c->session);
	strbuf_free(&c->out);
	free(c);
}

/* Writes what it can; false when the client is gone. */
static bool client_flush(struct uapi_client *c)
{
	while (c->out.len) {
		ssize_t n = send(c->lfd.fd, c->out.buf, c->out.len,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return false;
		strbuf_consume(&c->out, (size_t)n);
	}
	return true;
}

static void client_cb(struct loop_fd *lfd, uint32_t events)
{
	struct uapi_client *c = container_of(lfd, struct uapi_client, lfd);
	char buf[UAPI_READ_CHUNK];
	ssize_t n;

	if ((events & EPOLLIN) && !c->closing) {
		n = recv(lfd->fd, buf, sizeof(buf), 0);
		if (n > 0) {
			if (!uapi_session_feed(c->session, buf, (size_t)n,
					       &c->out))
				c->closing = true;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			c->closing = true;
		}
		memzero_explicit(buf, sizeof(buf));
	}
	if (!client_flush(c) || (c->closing && !c->out.len)) {
		client_free(c);
		return;
	}
	loop_fd_mod(c->server->loop, lfd,
		    (c->closing ? 0 : EPOLLIN) | (c->out.len ? EPOLLOUT : 0));
}

static void accept_cb(struct loop_fd *lfd, uint32_t events)
{
	struct uapi_server *server =
		container_of(lfd, struct uapi_server, listen_lfd);
	struct uapi_client *c;
	int fd;

	(void)events;
	fd = accept4(lfd->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (server->nclients >= UAPI_MAX_CLIENTS)
		goto err_close;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto err_close;
	c->session = uapi_session_new(server->wg);
	if (!c->session)
		goto err_free;
	c->server = server;
	c->lfd.fd = fd;
	c->lfd.cb = client_cb;
	if (loop_fd_add(server->loop, &c->lfd, EPOLLIN) < 0)
		goto err_session;
	c->next = server->clients;
	server->clients = c;
	server->nclients++;
	return;

err_session:
	uapi_session_free(c->session);
err_free:
	free(c);
err_close:
	close(fd);
}

/* The socket file was touched: if it is gone, so are we. */
static void inotify_cb(struct loop_fd *lfd, uint32_t events)
{
	struct uapi_server *server =
		container_of(lfd, struct uapi_server, inotify_lfd);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct stat st;

	(void)events;
	while (read(lfd->fd, buf, sizeof(buf)) > 0)
		;
	if (stat(server->path, &st) < 0 && errno == ENOENT && server->gone)
		server->gone(server->gone_arg);
}

static int listen_socket(struct uapi_server *server, char *err, size_t err_len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, ret;

	memcpy(addr.sun_path, server->path, sizeof(addr.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A live socket means a running device; a dead one is stale. */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		snprintf(err, err_len, "%s is in use by another process",
			 server->path);
		ret = -EADDRINUSE;
		goto err;
	}
	close(fd);
	unlink(server->path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old_mask = umask(0077);
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (ret < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		snprintf(err, err_len, "cannot listen on %s: %s", server->path,
			 strerror(-ret));
		goto err;
	}
	return fd;
err:
	close(fd);
	return ret;
}

static int watch_socket(struct uapi_server *server)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, server->path, IN_ATTRIB | IN_DELETE_SELF) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	server->inotify_lfd.fd = fd;
	server->inotify_lfd.cb = inotify_cb;
	return loop_fd_add(server->loop, &server->inotify_lfd, EPOLLIN);
}

int uapi_server_open(struct loop *loop, struct wg_device *wg,
		     const char *ifname, void (*gone)(void *arg), void *arg,
		     struct uapi_server **out, char *err, size_t err_len)
{
	struct uapi_server *server = calloc(1, sizeof(*server));
	int fd, ret;

	if (!server)
		return -ENOMEM;
	server->loop = loop;
	server->wg = wg;
	server->gone = gone;
	server->gone_arg = arg;
	server->inotify_lfd.fd = -1;
	server->listen_lfd.fd = -1;
	snprintf(server->path, sizeof(server->path), "%s/%s.sock",
		 UAPI_SOCKET_DIR, ifname);
	if (mkdir(UAPI_SOCKET_DIR, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(err, err_len, "cannot create %s: %s", UAPI_SOCKET_DIR,
			 strerror(errno));
		goto err;
	}
	fd = listen_socket(server, err, err_len);
	if (fd < 0) {
		ret = fd;
		goto err;
	}
	server->listen_lfd.fd = fd;
	server->listen_lfd.cb = accept_cb;
	ret = loop_fd_add(loop, &server->listen_lfd, EPOLLIN);
	if (ret >= 0)
		ret = watch_socket(server);
	if (ret < 0) {
		snprintf(err, err_len, "cannot watch %s: %s", server->path,
			 strerror(-ret));
		uapi_server_close(server);
		return ret;
	}
	*out = server;
	return 0;
err:
	free(server);
	return ret;
}

void uapi_server_close(struct uapi_server *server)
{
	if (!server)
		return;
	while (server->clients)
		client_free(server->clients);
	if (server->inotify_lfd.fd >= 0) {
		loop_fd_del(server->loop, &server->inotify_lfd);
		close(server->inotify_lfd.fd);
	}
	if (server->listen_lfd.fd >= 0) {
		loop_fd_del(server->loop, &server->listen_lfd);
		close(server->listen_lfd.fd);
		unlink(server->path);
	}
	free(server);
}
