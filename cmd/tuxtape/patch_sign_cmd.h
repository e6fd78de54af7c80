/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tuxtape patch sign|verify-signature`: kernel module signatures. */
#ifndef TT_CMD_PATCH_SIGN_H
#define TT_CMD_PATCH_SIGN_H

#include "cli.h"

int cmd_patch_sign(struct cli *cli, int argc, char **argv);
int cmd_patch_verify_signature(struct cli *cli, int argc, char **argv);

#endif
