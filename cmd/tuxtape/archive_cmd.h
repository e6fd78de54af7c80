/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tuxtape archive ...`: the signed patch archive's repository tools. */
#ifndef TT_CMD_ARCHIVE_H
#define TT_CMD_ARCHIVE_H

#include "cli.h"

int cmd_archive(struct cli *cli, int argc, char **argv);

#endif
