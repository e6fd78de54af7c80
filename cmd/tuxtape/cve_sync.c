// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape cve sync` */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "tuxtape/sync.h"

static const char sync_usage[] =
    "Usage: tuxtape cve sync [--source URL|PATH] [--rev REV] [--full] [--offline]\n"
    "                        [--cache DIR] [--threads N] [--json]\n"
    "\n"
    "Clones or fetches the kernel CNA's vulns.git into a cache with libgit2, checks\n"
    "out the wanted commit there and ingests cve/published and cve/rejected into the\n"
    "store: each CVE's description (.message overrides it), program files, .dyad\n"
    "version pairs per stable branch, .sha1 fix commits, .vulnerable overrides, the\n"
    "JSON affected blocks, CNA CVSS 3.1 (vector, computed score, rationale) and the\n"
    "date it was first published (from git history). Rejected ids are kept, marked\n"
    "rejected.\n"
    "\n"
    "The store remembers the last ingested commit; the next sync re-reads only the\n"
    "CVEs whose files changed since. Everything is written in one transaction: a\n"
    "sync that fails leaves the store as it was, and the next one recovers.\n"
    "\n"
    "Options:\n"
    "  --source URL|PATH  the repository (default " TT_VULNS_DEFAULT_REMOTE ");\n"
    "                     a local clone or bare repository works. A git bundle must be\n"
    "                     cloned first: git clone FILE.bundle DIR; --source DIR\n"
    "  --rev REV          ingest this commit or branch instead of the default branch\n"
    "  --full             re-ingest every CVE instead of the changed ones\n"
    "  --offline          do not fetch; ingest what the cache already holds\n"
    "  --cache DIR        the clone (default $XDG_CACHE_HOME/tuxtape/vulns)\n"
    "  --threads N        parser threads (default: one per CPU)\n"
    "  --json             print the summary as JSON on stdout\n"
    "\n"
    "A progress line is drawn when stderr is a terminal. At the end one summary line\n"
    "says what changed. Malformed files are reported as warnings naming the file and\n"
    "line; the rest is ingested, the exit status is 3 (partial), and the skipped\n"
    "CVEs are read again on the next sync.\n";

static json_t *result_json(const struct tt_sync_result *r, const struct tt_store_counts *c)
{
	return json_pack(
	    "{s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
	    " s:{s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:f, s:f, s:f}}",
	    "from_commit", r->from_commit, "to_commit", r->to_commit, "incremental", r->incremental,
	    "paths_changed", (json_int_t)r->paths_changed, "examined", (json_int_t)r->examined,
	    "added", (json_int_t)r->added, "updated", (json_int_t)r->updated, "unchanged",
	    (json_int_t)r->unchanged, "rejected", (json_int_t)r->rejected, "removed",
	    (json_int_t)r->removed, "skipped", (json_int_t)r->skipped, "warnings",
	    (json_int_t)r->warnings, "skipped_reasons", "missing_json",
	    (json_int_t)r->skipped_missing_json, "malformed", (json_int_t)r->skipped_malformed,
	    "unreadable", (json_int_t)r->skipped_unreadable, "store", "published",
	    (json_int_t)c->published, "rejected", (json_int_t)c->rejected, "seconds", "fetch",
	    r->fetch_seconds, "history", r->history_seconds, "ingest", r->ingest_seconds);
}

static void print_summary(const struct tt_sync_result *r, const struct tt_store_counts *c)
{
	char n[6][32];
	fprintf(stderr, "synced vulns.git %.12s%s%.12s (%s", r->from_commit,
		r->incremental ? " -> " : "", r->to_commit,
		r->incremental ? "incremental" : "full");
	if (r->incremental)
		fprintf(stderr, ", %s changed paths", cli_thousands(r->paths_changed, n[0], 32));
	fprintf(stderr, "): %s added, %s updated, %s rejected, %s removed, %s skipped",
		cli_thousands(r->added, n[1], 32), cli_thousands(r->updated, n[2], 32),
		cli_thousands(r->rejected, n[3], 32), cli_thousands(r->removed, n[4], 32),
		cli_thousands(r->skipped, n[5], 32));
	if (r->unchanged)
		fprintf(stderr, ", %s read again but unchanged",
			cli_thousands(r->unchanged, n[1], 32));
	if (r->skipped)
		fprintf(stderr, " (%ld without .json, %ld malformed, %ld unreadable)",
			r->skipped_missing_json, r->skipped_malformed, r->skipped_unreadable);
	fprintf(stderr, "; store: %s published, %s rejected; %.2f s\n",
		cli_thousands(c->published, n[0], 32), cli_thousands(c->rejected, n[1], 32),
		r->fetch_seconds + r->history_seconds + r->ingest_seconds);
}

/* -1: go on; otherwise the exit code (0 after --help). */
static int parse_args(int argc, char **argv, struct tt_sync_options *o, bool *json)
{
	static const struct option opts[] = {
	    {"source", required_argument, NULL, 's'},
	    {"rev", required_argument, NULL, 'r'},
	    {"full", no_argument, NULL, 'f'},
	    {"offline", no_argument, NULL, 'o'},
	    {"cache", required_argument, NULL, 'c'},
	    {"threads", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->source = optarg;
			break;
		case 'r':
			o->rev = optarg;
			break;
		case 'f':
			o->full = true;
			break;
		case 'o':
			o->offline = true;
			break;
		case 'c':
			o->cache_dir = optarg;
			break;
		case 't':
			o->threads = atoi(optarg);
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			fputs(sync_usage, stdout);
			return EXIT_OK;
		default:
			fputs(sync_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("cve sync: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_cve_sync(struct cli *cli, int argc, char **argv)
{
	struct tt_sync_options o = {0};
	bool json = false;
	int pr = parse_args(argc, argv, &o, &json);
	if (pr >= 0)
		return pr;
	/* libgit2 starts while the store opens: both take milliseconds. */
	struct tt_vulns_warmup *warmup = tt_vulns_warmup_start();
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK) {
		tt_vulns_warmup_end(warmup);
		return EXIT_FAIL;
	}
	struct tt_diag_sink diag = cli_warning_sink(cli);
	struct tt_sync_progress progress = {.update = cli_progress, .ctx = cli};
	o.diag = &diag;
	o.progress = &progress;
	struct tt_sync_result res;
	struct tt_error err = {0};
	int r = tt_vulns_sync(s, &o, &res, &err);
	tt_vulns_warmup_end(warmup);
	cli_progress_clear(cli);
	struct tt_store_counts counts = {0};
	if (r == 0)
		r = tt_store_cve_counts(s, &counts, &err);
	tt_store_close(s);
	cli_warnings_summary(cli);
	if (r < 0) {
		cli_error("%s", err.msg);
		fprintf(stderr, "The store is unchanged.\n");
		return EXIT_FAIL;
	}
	if (json)
		cli_print_json(result_json(&res, &counts));
	if (!cli->quiet)
		print_summary(&res, &counts);
	if (!res.skipped && !res.warnings)
		return EXIT_OK;
	fprintf(stderr,
		"partial: %ld warnings, %ld CVEs skipped (named above); the rest is ingested and "
		"the skipped ones are read again on the next sync\n",
		res.warnings, res.skipped);
	return EXIT_PARTIAL;
}
