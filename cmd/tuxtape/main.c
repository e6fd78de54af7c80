// SPDX-License-Identifier: GPL-2.0-or-later
/* tuxtape: the administrator's command line. Argument parsing and output only. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "patch_cmds.h"
#include "klp_cmd.h"
#include "archive_cmd.h"
#include "triage_cmds.h"

static const char usage_text[] =
    "Usage: tuxtape [GLOBAL OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "tuxtape tracks the Linux kernel CNA's CVEs, tells which of them touch the\n"
    "kernels you run, and builds livepatches for them.\n"
    "\n"
    "Commands:\n"
    "  cve sync       clone or fetch the kernel CNA's vulns.git and ingest it (incremental)\n"
    "  cve enrich     load CISA KEV, CISA vulnrichment (SSVC), EPSS or NVD data\n"
    "  cve list       list CVEs with filters (--since, --file, --min-cvss, --kev, ...)\n"
    "  cve show       everything known about one CVE, with its fix per stable branch\n"
    "  cve status     what the store holds: counts, last sync, loaded feeds\n"
    "  kernel add     record a kernel profile: version, .config, compiled files, host\n"
    "  kernel list    the kernel profiles (also: kernel show NAME, kernel rm NAME)\n"
    "  scan           which CVEs apply to kernel profiles, why, most urgent first\n"
    "  patch test     boot a kernel in QEMU: load livepatches, check, unload them\n"
    "  patch kernel   fetch a Debian kernel's image and headers into the cache\n"
    "  patch revise|history|queue|jobs|job|approve\n"
    "                 deployable patches with history, build jobs, approval\n"
    "  klp diff       what a patch changed in a kernel object, and if it can be livepatched\n"
    "  archive        the signed patch archive (TUF): init, add, publish, verify\n"
    "  serve          the fleet server: HTTPS API for hosts and operators, the archive\n"
    "  server         operate the fleet server's store: tokens, hosts, tiers, releases\n"
    "  worker         claim build-and-test jobs from the pipeline's queue and run them\n"
    "\n"
    "Global options:\n"
    "  --db LOCATION  the store: a SQLite file (default\n"
    "                 $XDG_DATA_HOME/tuxtape/tuxtape.db, i.e. ~/.local/share/tuxtape/),\n"
    "                 or a PostgreSQL URL (postgresql://user@host/db) shared by nodes\n"
    "  -q, --quiet    no progress line and no summary on stderr\n"
    "  -v, --verbose  show every warning (by default the first 50 are shown)\n"
    "  -h, --help     this help; `tuxtape COMMAND --help` for a command's own\n"
    "  --version      print the version\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  failure: the command did not complete and changed nothing\n"
    "  2  usage error\n"
    "  3  partial: the command completed but skipped some input; the warnings on\n"
    "     stderr name each file and line\n"
    "  4  scan: at least one reported CVE is affected\n"
    "  5  patch test: the test could not run (kernel fetch, module, QEMU)\n"
    "\n"
    "Environment:\n"
    "  XDG_DATA_HOME   where the default store lives\n"
    "  XDG_CACHE_HOME  where the vulns.git clone is cached (tuxtape/vulns)\n"
    "\n"
    "Example:\n"
    "  tuxtape cve sync && tuxtape cve list --branch 6.1 --kev\n";

static int usage(FILE *f, int code)
{
	fputs(usage_text, f);
	return code;
}

/*
 * Global options may stand anywhere before "--" (`tuxtape cve sync -q` reads as
 * naturally as `tuxtape -q cve sync`); they are taken out of argv here so the
 * subcommands only see their own. Returns -1 to go on, else an exit code.
 */
static int take_global_options(struct cli *cli, int *argc, char **argv)
{
	int w = 1;
	bool rest = false;
	for (int r = 1; r < *argc; r++) {
		const char *a = argv[r];
		if (rest || strcmp(a, "--") == 0) {
			rest = true;
			argv[w++] = argv[r];
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			cli->quiet = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			cli->verbose++;
			cli->max_warnings_shown = 1L << 40;
		} else if (strcmp(a, "--db") == 0) {
			if (r + 1 >= *argc) {
				cli_error("--db needs a location (a SQLite file path)");
				return EXIT_USAGE;
			}
			cli->db = argv[++r];
		} else if (strncmp(a, "--db=", 5) == 0) {
			cli->db = a + 5;
		} else if (strcmp(a, "--version") == 0 && w == 1) {
			/* Only before the command: `kernel add --version V` is the command's. */
			printf("tuxtape %s\n", TT_VERSION);
			return EXIT_OK;
		} else {
			argv[w++] = argv[r];
		}
	}
	argv[w] = NULL;
	*argc = w;
	return -1;
}

int main(int argc, char **argv)
{
	/*
	 * SQLite's allocation statistics take a process-wide mutex on every
	 * allocation it makes, ~3% of the ingest writer's time; tuxtape never
	 * reads them. Process-wide, so set here, before any database is opened.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	struct cli cli = {.max_warnings_shown = 50};
	int code = take_global_options(&cli, &argc, argv);
	if (code >= 0)
		return code;
	cli.progress = !cli.quiet && isatty(STDERR_FILENO);
	if (argc < 2)
		return usage(stderr, EXIT_USAGE);
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0)
		return usage(stdout, EXIT_OK);
	if (strcmp(cmd, "cve") == 0)
		return cmd_cve(&cli, argc - 1, argv + 1);
	if (strcmp(cmd, "kernel") == 0)
		return cmd_kernel(&cli, argc - 1, argv + 1);
	if (strcmp(cmd, "scan") == 0)
		return cmd_scan(&cli, argc - 1, argv + 1);
	if (strcmp(cmd, "patch") == 0 && argc > 2 && patch_pipeline_command(argv[2]))
		return cmd_patch_pipeline(&cli, argc - 2, argv + 2);
	if (strcmp(cmd, "patch") == 0)
		return cmd_patch(&cli, argc - 1, argv + 1);
	if (strcmp(cmd, "klp") == 0)
		return cmd_klp(&cli, argc - 1, argv + 1);
	if (strcmp(cmd, "worker") == 0)
		return cmd_worker(&cli, argc - 1, argv + 1);
	if (strcmp(cmd, "archive") == 0)
		return cmd_archive(&cli, argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(&cli, argc - 1, argv + 1);
	if (strcmp(cmd, "server") == 0)
		return cmd_server(&cli, argc - 1, argv + 1);
	cli_error("unknown command '%s' (see `tuxtape --help`)", cmd);
	return EXIT_USAGE;
}
