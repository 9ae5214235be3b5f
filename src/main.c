// SPDX-License-Identifier: MIT
/* cvpc: one binary, several roles; dispatch only. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/container.h"
#include "cli/commands.h"

#define CVPC_VERSION "0.1.0"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "wg", cmd_wg, "Runs a userspace WireGuard interface (like wireguard-go)" },
	{ "server", cmd_server, "Runs the control plane (registration, netmaps, DNS)" },
	{ "help", cmd_help, "Shows this list" },
	{ "version", cmd_version, "Shows the version" },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: cvpc <command> [<args>]\n\nAvailable commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-10s%s\n", commands[i].name, commands[i].help);
	printf("\nInvoked as cvpc-wg, the binary behaves as `cvpc wg'.\n");
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("cvpc %s\n", CVPC_VERSION);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
	/*
	 * We use OpenSSL's default provider only: reading openssl.cnf would
	 * cost start-up time and half a megabyte resident, and let a system
	 * configuration change which code runs underneath us.
	 */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if (argc > 0 && !strcmp(base_name(argv[0]), "cvpc-wg"))
		return cmd_wg(argc, argv);
	if (argc < 2) {
		cmd_help(0, NULL);
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "cvpc: invalid subcommand `%s'\n", argv[1]);
	cmd_help(0, NULL);
	return 1;
}
