/* SPDX-License-Identifier: MIT */
/*
 * A WireGuard network interface as wireguard-go provides it: a TUN device,
 * the WireGuard device behind it, the UAPI socket that configures it, and
 * a watch on the link (MTU, up/down, deletion, move to another namespace).
 */
#ifndef CVPC_WG_INTERFACE_H
#define CVPC_WG_INTERFACE_H

#include <stddef.h>

struct loop;
struct wg_device;
struct wg_interface;

/*
 * Called once when the interface can no longer work (TUN deleted, socket
 * file removed, fatal error); why is a sentence for the log. The owner
 * stops its loop and destroys the interface afterwards.
 */
typedef void (*wg_interface_gone_fn)(void *arg, const char *why);

/* Returns -errno with a sentence for the user in err. */
int wg_interface_create(struct loop *loop, const char *name,
			wg_interface_gone_fn gone, void *arg,
			struct wg_interface **out, char *err, size_t err_len);
/* Removes the UAPI socket, closes the TUN device (deleting it) and wipes. */
void wg_interface_destroy(struct wg_interface *iface);
struct wg_device *wg_interface_device(struct wg_interface *iface);

#endif
