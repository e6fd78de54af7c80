// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape cve ...`: dispatch, and `cve status`. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "tuxtape/util.h"

static const char cve_usage[] =
    "Usage: tuxtape cve COMMAND [OPTIONS]\n"
    "\n"
    "  sync     clone or fetch the kernel CNA's vulns.git and ingest it\n"
    "  enrich   load KEV, vulnrichment (SSVC), EPSS or NVD data\n"
    "  list     list CVEs with filters\n"
    "  show     everything known about one CVE\n"
    "  fix      store a CVE's fix commit, from a stable-tree clone, as its raw patch\n"
    "  status   what the store holds\n"
    "\n"
    "`tuxtape cve COMMAND --help` describes each.\n";

static const char status_usage[] =
    "Usage: tuxtape cve status [--json]\n"
    "\n"
    "Shows the store's location, how many CVEs it holds (published and rejected),\n"
    "the vulns.git commit and time of the last sync, and each enrichment feed with\n"
    "its source, entry count and load time.\n";

static int print_feed(void *ctx, const struct tt_feed_info *f)
{
	json_t *feeds = ctx;
	char when[32];
	tt_format_iso8601(f->loaded_at, when, sizeof(when));
	if (feeds) {
		json_array_append_new(feeds, json_pack("{s:s, s:s, s:s, s:I, s:o}", "name", f->name,
						       "source", f->source, "loaded_at", when,
						       "entries", (json_int_t)f->entries, "version",
						       cli_json_str(f->version)));
		return 0;
	}
	char n[32];
	printf("  %-13s %10s entries  loaded %s  %s%s%s\n", f->name,
	       cli_thousands(f->entries, n, sizeof(n)), when, f->source,
	       f->version && f->version[0] ? "  version " : "", f->version ? f->version : "");
	return 0;
}

static int cve_status(struct cli *cli, int argc, char **argv)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(status_usage, stdout);
			return EXIT_OK;
		} else {
			cli_error("cve status: unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct tt_error err = {0};
	struct tt_store_counts c = {0};
	_cleanup_free_ char *commit = NULL, *synced = NULL, *source = NULL, *skipped = NULL;
	int r = tt_store_counts(s, &c, &err);
	if (r == 0)
		r = tt_store_meta_get(s, "vulns.commit", &commit, &err);
	if (r == 0)
		r = tt_store_meta_get(s, "vulns.synced_at", &synced, &err);
	if (r == 0)
		r = tt_store_meta_get(s, "vulns.source", &source, &err);
	if (r == 0)
		r = tt_store_meta_get(s, "vulns.skipped", &skipped, &err);
	json_t *feeds = json ? json_array() : NULL;
	if (r == 0 && json) {
		r = tt_store_feed_list(s, print_feed, feeds, &err);
		cli_print_json(json_pack(
		    "{s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "store", tt_store_location(s),
		    "published", (json_int_t)c.published, "rejected", (json_int_t)c.rejected,
		    "dyad_pairs", (json_int_t)c.dyads, "vulns_commit", cli_json_str(commit),
		    "vulns_source", cli_json_str(source), "synced_at", cli_json_str(synced),
		    "skipped_ids", cli_json_str(skipped), "feeds", feeds));
	} else if (r == 0) {
		char a[32], b[32];
		printf("store:     %s\n", tt_store_location(s));
		printf("CVEs:      %s published, %s rejected\n",
		       cli_thousands(c.published, a, sizeof(a)),
		       cli_thousands(c.rejected, b, sizeof(b)));
		printf("vulns.git: %s (synced %s from %s)\n", commit ? commit : "never synced",
		       synced ? synced : "-", source ? source : "-");
		if (skipped && skipped[0])
			printf("skipped:   %s (retried on the next sync)\n", skipped);
		printf("feeds:\n");
		r = tt_store_feed_list(s, print_feed, NULL, &err);
	}
	tt_store_close(s);
	if (r < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_cve(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(cve_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} cmds[] = {
	    {"sync", cmd_cve_sync}, {"enrich", cmd_cve_enrich}, {"list", cmd_cve_list},
	    {"show", cmd_cve_show}, {"status", cve_status},	{"fix", cmd_cve_fix},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(cli, argc - 1, argv + 1);
	cli_error("unknown command 'cve %s' (see `tuxtape cve --help`)", argv[1]);
	return EXIT_USAGE;
}
