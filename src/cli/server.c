// SPDX-License-Identifier: MIT
/*
 * cvpc server [--data-dir D] [--db URL] [--listen ADDR:PORT]
 *             [--plain-listen ADDR:PORT] [--url URL] [--pool CIDR]
 *             [--base-domain NAME] [--tls-cert F --tls-key F]
 * cvpc server apikey create [--data-dir D] [--name N] [--expiration S]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/commands.h"
#include "control/server.h"
#include "control/store.h"
#include "crypto/util.h"

#define DEFAULT_DATA_DIR "/var/lib/cvpc"

static void usage(void)
{
	fprintf(stderr,
		"Usage: cvpc server [--data-dir DIR] [--db postgres://...]"
		" [--listen ADDR:PORT]\n"
		"                   [--plain-listen ADDR:PORT] [--url URL]"
		" [--pool CIDR] [--base-domain NAME]\n"
		"                   [--tls-cert FILE --tls-key FILE]\n"
		"       cvpc server apikey create [--data-dir DIR] [--db URL]"
		" [--name NAME] [--expiration SECONDS]\n");
}

/* Creates an admin API key straight in the store, for the operator. */
static int apikey_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data-dir", required_argument, NULL, 'd' },
		{ "db", required_argument, NULL, 'b' },
		{ "name", required_argument, NULL, 'n' },
		{ "expiration", required_argument, NULL, 'e' },
		{ 0 },
	};
	const char *data_dir = DEFAULT_DATA_DIR, *name = "", *dbspec = NULL;
	char db[4096], err[256], token[TOKEN_MAX];
	struct store_config cfg = { 0 };
	long long expiration = 0;
	struct store_err e;
	struct store *st;
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': data_dir = optarg; break;
		case 'b': dbspec = optarg; break;
		case 'n': name = optarg; break;
		case 'e': expiration = atoll(optarg); break;
		default: usage(); return 1;
		}
	}
	snprintf(db, sizeof(db), "%s/cvpc.db", data_dir);
	cfg.db = dbspec ? dbspec : db;
	st = store_open(&cfg, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "cvpc server apikey: %s\n", err);
		return 1;
	}
	if (store_api_key_create(st, name, expiration, token, &e)) {
		fprintf(stderr, "cvpc server apikey: %s\n", e.msg);
	} else {
		printf("%s\n", token);
		ret = 0;
	}
	memzero_explicit(token, sizeof(token));
	store_close(st);
	return ret;
}

int cmd_server(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data-dir", required_argument, NULL, 'd' },
		{ "db", required_argument, NULL, 'b' },
		{ "listen", required_argument, NULL, 'l' },
		{ "plain-listen", required_argument, NULL, 'p' },
		{ "url", required_argument, NULL, 'u' },
		{ "pool", required_argument, NULL, 'P' },
		{ "base-domain", required_argument, NULL, 'D' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct server_config cfg = {
		.data_dir = DEFAULT_DATA_DIR,
		.listen = "0.0.0.0:8443",
	};
	const char *level = getenv("LOG_LEVEL");
	enum log_level lvl = LOGL_INFO;
	int c;

	if (argc > 2 && !strcmp(argv[1], "apikey") && !strcmp(argv[2], "create"))
		return apikey_create(argc - 2, argv + 2);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': cfg.data_dir = optarg; break;
		case 'b': cfg.db = optarg; break;
		case 'l': cfg.listen = optarg; break;
		case 'p': cfg.plain_listen = optarg; break;
		case 'u': cfg.public_url = optarg; break;
		case 'P': cfg.pool = optarg; break;
		case 'D': cfg.base_domain = optarg; break;
		case 'c': cfg.tls_cert = optarg; break;
		case 'k': cfg.tls_key = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return 1;
		}
	}
	if (optind != argc || !cfg.tls_cert != !cfg.tls_key) {
		usage();
		return 1;
	}
	if (level && !log_level_parse(level, &lvl)) {
		fprintf(stderr, "cvpc server: LOG_LEVEL `%s' is not"
			" silent|error|info|debug\n", level);
		return 1;
	}
	log_set_level(lvl);
	log_set_prefix("server");
	return server_run(&cfg);
}
