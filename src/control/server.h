/* SPDX-License-Identifier: MIT */
/* `cvpc server`: the control plane's process. */
#ifndef CVPC_CONTROL_SERVER_H
#define CVPC_CONTROL_SERVER_H

struct server_config {
	const char *data_dir;
	const char *db;          /* NULL: <data_dir>/cvpc.db */
	const char *listen;      /* HTTPS, "addr:port" */
	const char *plain_listen; /* plain HTTP, only when given */
	const char *public_url;  /* for the join command; NULL: derived */
	const char *pool, *base_domain;
	const char *tls_cert, *tls_key; /* NULL: created in data_dir */
};

/* Runs until SIGINT or SIGTERM; returns the exit status. */
int server_run(const struct server_config *cfg);

#endif
