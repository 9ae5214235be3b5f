/* SPDX-License-Identifier: MIT */
/* Entry points of the cvpc subcommands (one file each under src/cli/). */
#ifndef CVPC_CLI_COMMANDS_H
#define CVPC_CLI_COMMANDS_H

int cmd_wg(int argc, char **argv);
int cmd_server(int argc, char **argv);

#endif
