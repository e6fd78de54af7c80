/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TT_CMD_CMDS_H
#define TT_CMD_CMDS_H

#include "cli.h"

int cmd_cve_sync(struct cli *cli, int argc, char **argv);
int cmd_cve_enrich(struct cli *cli, int argc, char **argv);
int cmd_cve_list(struct cli *cli, int argc, char **argv);
int cmd_cve_show(struct cli *cli, int argc, char **argv);
/* `tuxtape serve` and `tuxtape server ...` (the fleet server, docs/server.md). */
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_server(struct cli *cli, int argc, char **argv);
/* The patch pipeline (docs/pipeline.md): `cve fix`, `patch revise|history|queue|jobs|job|approve`
 * (argv[0] is the subcommand), `worker`. */
int cmd_cve_fix(struct cli *cli, int argc, char **argv);
bool patch_pipeline_command(const char *name);
int cmd_patch_pipeline(struct cli *cli, int argc, char **argv);
int cmd_worker(struct cli *cli, int argc, char **argv);

#endif
