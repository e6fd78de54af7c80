/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tuxtape klp ...`: the livepatch generator's commands. */
#ifndef TT_CMD_KLP_H
#define TT_CMD_KLP_H

#include "cli.h"

int cmd_klp(struct cli *cli, int argc, char **argv);

#endif
