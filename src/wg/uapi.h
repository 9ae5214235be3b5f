/* SPDX-License-Identifier: MIT */
/*
 * The cross-platform configuration protocol that wg(8) speaks, on
 * /var/run/wireguard/IFNAME.sock: "get=1", "set=1" and, as a cvpc
 * extension, "stats=1" (drop counters). A session turns a client's byte
 * stream into replies; the server owns the socket file and connections.
 */
#ifndef CVPC_WG_UAPI_H
#define CVPC_WG_UAPI_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct strbuf;
struct wg_device;
struct uapi_session;
struct uapi_server;

#define UAPI_SOCKET_DIR "/var/run/wireguard"

struct uapi_session *uapi_session_new(struct wg_device *wg);
void uapi_session_free(struct uapi_session *s);
/*
 * Consumes len bytes from the client and appends replies to out. Returns
 * false when the client sent something that is no operation at all; the
 * connection should then be closed (as wireguard-go does).
 */
bool uapi_session_feed(struct uapi_session *s, const char *data, size_t len,
		       struct strbuf *out);

/*
 * Listens on UAPI_SOCKET_DIR/ifname.sock. gone() runs if the socket file
 * is deleted (the device should then shut down). Returns -errno with a
 * sentence in err.
 */
int uapi_server_open(struct loop *loop, struct wg_device *wg,
		     const char *ifname, void (*gone)(void *arg), void *arg,
		     struct uapi_server **out, char *err, size_t err_len);
/* Closes every connection and removes the socket file. */
void uapi_server_close(struct uapi_server *server);

#endif
