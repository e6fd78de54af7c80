/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tuxtape-agent's command line: help texts and printing. */
#ifndef TUXTAPE_AGENT_CLI_H
#define TUXTAPE_AGENT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "tuxtape/agent.h"

#define EXIT_USAGE 2

/* The help of command cmd (NULL: the overview) on out; false for an unknown command. */
int agent_help(FILE *out, const char *cmd);
bool agent_command_known(const char *cmd);

void print_status(FILE *out, const json_t *st);
void print_patches(FILE *out, const struct tt_agent *a, bool verbose);
/* Returns how many patches are in transition. */
int print_blocking(FILE *out, const struct tt_agent_config *cfg, struct tt_error *err);
void print_log(FILE *out, struct tt_agent *a);

#endif
