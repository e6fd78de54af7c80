// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tuxtape-tuf-client: the TUF client with the command line the public
 * conformance suite drives (init, refresh, download). Argument parsing and
 * reporting only; the work is in the archive library.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/archive.h"

static const char usage_text[] =
    "Usage: tuxtape-tuf-client --metadata-dir DIR init ROOT_FILE\n"
    "       tuxtape-tuf-client --metadata-dir DIR --metadata-url URL refresh\n"
    "       tuxtape-tuf-client --metadata-dir DIR --metadata-url URL download\n"
    "           --target-name NAME --target-base-url URL --target-dir DIR\n"
    "\n"
    "A client of The Update Framework (specification 1.0): it keeps the metadata\n"
    "it trusts in the metadata directory and updates it from a repository,\n"
    "refusing rollback, freeze, mix-and-match and endless-data attacks, then\n"
    "downloads targets checked against their length and hashes.\n"
    "\n"
    "Commands:\n"
    "  init ROOT_FILE  trust ROOT_FILE as the initial root (copied to DIR/root.json;\n"
    "                  no checks, no network)\n"
    "  refresh         update root (version by version), timestamp, snapshot and\n"
    "                  targets from the metadata URL\n"
    "  download        refresh, then fetch the target NAME into the target\n"
    "                  directory (file named by the percent-encoded NAME); a file\n"
    "                  already there with the right length and hashes is not\n"
    "                  fetched again\n"
    "\n"
    "Options:\n"
    "  --metadata-dir DIR      trusted metadata: root.json, timestamp.json, ...\n"
    "  --metadata-url URL      the repository's metadata (http, https or file URL)\n"
    "  --target-name NAME      the target path to download\n"
    "  --target-base-url URL   the repository's targets\n"
    "  --target-dir DIR        where downloaded targets go\n"
    "  -h, --help              this help\n"
    "\n"
    "Only verified metadata is written to DIR, each file replaced atomically.\n"
    "Time is read once per run from the system clock.\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  failure: the reason is on stderr; the metadata dir keeps only what\n"
    "     verified\n"
    "  2  usage error\n"
    "\n"
    "Example:\n"
    "  tuxtape-tuf-client --metadata-dir /var/lib/tuxtape/tuf init root.json\n"
    "  tuxtape-tuf-client --metadata-dir /var/lib/tuxtape/tuf \\\n"
    "      --metadata-url https://patches.example/metadata refresh\n";

struct args {
	const char *mdir, *murl, *tname, *tbase, *tdir;
	const char *cmd, *root_file;
};

static int usage_error(const char *msg)
{
	fprintf(stderr, "tuxtape-tuf-client: %s\nTry 'tuxtape-tuf-client --help'.\n", msg);
	return 2;
}

/* Returns -1 to go on, else an exit code. */
static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {{"metadata-dir", required_argument, NULL, 'm'},
					     {"metadata-url", required_argument, NULL, 'u'},
					     {"target-name", required_argument, NULL, 'n'},
					     {"target-base-url", required_argument, NULL, 'b'},
					     {"target-dir", required_argument, NULL, 'd'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			a->mdir = optarg;
			break;
		case 'u':
			a->murl = optarg;
			break;
		case 'n':
			a->tname = optarg;
			break;
		case 'b':
			a->tbase = optarg;
			break;
		case 'd':
			a->tdir = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("no command (init, refresh or download)");
	a->cmd = argv[optind++];
	if (!strcmp(a->cmd, "init") && optind < argc)
		a->root_file = argv[optind++];
	if (optind < argc)
		return usage_error("too many arguments");
	return -1;
}

static int fail(const struct tt_error *err)
{
	fprintf(stderr, "tuxtape-tuf-client: error: %s\n", err->msg);
	return 1;
}

static int run(const struct args *a)
{
	struct tt_error err = {0};
	struct tt_tuf_client *c = NULL;
	struct tt_tuf_client_opts o = {.metadata_dir = a->mdir, .metadata_url = a->murl};
	if (!strcmp(a->cmd, "init"))
		return tt_tuf_client_init_root(a->mdir, a->root_file, &err) ? fail(&err) : 0;
	if (tt_tuf_client_new(&o, &c, &err))
		return fail(&err);
	int r = !strcmp(a->cmd, "refresh")
		    ? tt_tuf_client_refresh(c, &err)
		    : tt_tuf_client_download(c, a->tname, a->tbase, a->tdir, NULL, &err);
	tt_tuf_client_free(c);
	return r ? fail(&err) : 0;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	int r = parse(argc, argv, &a);
	if (r >= 0)
		return r;
	if (!a.mdir)
		return usage_error("--metadata-dir is required");
	if (!strcmp(a.cmd, "init"))
		return a.root_file ? run(&a) : usage_error("init needs ROOT_FILE");
	if (strcmp(a.cmd, "refresh") && strcmp(a.cmd, "download"))
		return usage_error("unknown command (init, refresh or download)");
	if (!a.murl)
		return usage_error("--metadata-url is required");
	if (!strcmp(a.cmd, "download") && (!a.tname || !a.tbase || !a.tdir))
		return usage_error(
		    "download needs --target-name, --target-base-url and --target-dir");
	return run(&a);
}
