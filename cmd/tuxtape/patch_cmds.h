/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tuxtape patch ...`: building and proving livepatches (issue 4). */
#ifndef TT_CMD_PATCH_CMDS_H
#define TT_CMD_PATCH_CMDS_H

#include "cli.h"

/* Exit status of `patch test` when the test could not run at all (documented in its --help). */
#define EXIT_NOT_RUN 5

int cmd_patch(struct cli *cli, int argc, char **argv);
/* `patch build` (patch_build.c): source patches to a livepatch module. */
int cmd_patch_build(struct cli *cli, int argc, char **argv);

#endif
