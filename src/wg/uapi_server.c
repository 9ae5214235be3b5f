// SPDX-License-Identifier: MIT
/*
 * The UAPI socket: /var/run/wireguard/IFNAME.sock, root-only, one session
 * per connection, and a watch on the file so that deleting it stops us.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/container.h"
#include "base/log.h"
#include "base/loop.h"
#include "base/strbuf.h"
#include "base/time.h"
#include "crypto/util.h"
#include "wg/uapi.h"

enum {
	UAPI_MAX_CLIENTS = 64,
	UAPI_READ_CHUNK = 16384,
	UAPI_MAX_PENDING = 1 << 20, /* reply bytes a client may leave unread */
	ACCEPT_PAUSE_MS = 100,
};

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
	struct timer accept_pause;
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
	/* A client that asks without reading waits until it has read. */
	loop_fd_mod(c->server->loop, lfd,
		    (c->closing || c->out.len > UAPI_MAX_PENDING ? 0 : EPOLLIN) |
			    (c->out.len ? EPOLLOUT : 0));
}

static void accept_cb(struct loop_fd *lfd, uint32_t events)
{
	struct uapi_server *server =
		container_of(lfd, struct uapi_server, listen_lfd);
	struct uapi_client *c;
	int fd;

	(void)events;
	fd = accept4(lfd->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		/*
		 * Out of descriptors the listener stays readable: pause it,
		 * or the loop would spin.
		 */
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
		    errno == ENOBUFS) {
			loop_fd_mod(server->loop, lfd, 0);
			timer_mod(&server->accept_pause,
				  now_ns() + ACCEPT_PAUSE_MS * NSEC_PER_MSEC);
		}
		return;
	}
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

static void accept_resume(struct timer *t)
{
	struct uapi_server *server =
		container_of(t, struct uapi_server, accept_pause);

	loop_fd_mod(server->loop, &server->listen_lfd, EPOLLIN);
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
	timer_init(&server->accept_pause, loop, accept_resume);
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
	timer_del(&server->accept_pause);
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
