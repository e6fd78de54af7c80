/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tuxtape kernel ...` and `tuxtape scan` (issue 3). */
#ifndef TT_CMD_TRIAGE_CMDS_H
#define TT_CMD_TRIAGE_CMDS_H

#include "cli.h"

/* Exit status of `scan` when a reported CVE is affected (documented in its --help). */
#define EXIT_AFFECTED 4

int cmd_kernel(struct cli *cli, int argc, char **argv);
int cmd_scan(struct cli *cli, int argc, char **argv);

#endif
