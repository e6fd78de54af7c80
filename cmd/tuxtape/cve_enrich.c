// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape cve enrich` */
#include <getopt.h>
#include <string.h>

#include "cmds.h"
#include "tuxtape/sync.h"

static const char enrich_usage[] =
    "Usage: tuxtape cve enrich [--kind KIND] [--json] SOURCE...\n"
    "\n"
    "Loads enrichment data into the store. Each SOURCE is a file, a directory or a\n"
    "URL (http, https, file); its kind is recognised from the content unless\n"
    "--kind says it:\n"
    "  kev           CISA Known Exploited Vulnerabilities catalog (JSON)\n"
    "                "
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json\n"
    "  vulnrichment  CISA vulnrichment records: one CVE JSON 5 file, or a directory\n"
    "                tree of them (a clone of github.com/cisagov/vulnrichment); SSVC\n"
    "                Exploitation, Automatable, Technical Impact and ADP CVSS\n"
    "  epss          FIRST EPSS scores, CSV plain or gzip\n"
    "                https://epss.empiricalsecurity.com/epss_scores-current.csv.gz\n"
    "  nvd           NVD API 2.0 JSON: an API response page, a yearly feed file, or\n"
    "                single CVE records\n"
    "\n"
    "KEV and EPSS are complete snapshots: loading one replaces the previous one.\n"
    "Vulnrichment and NVD records update the CVEs they name. Each source is loaded\n"
    "in its own transaction; the store remembers each feed's source and load time\n"
    "(`tuxtape cve status`). Malformed entries are skipped with a warning naming the\n"
    "file and entry; the exit status is then 3 (partial).\n"
    "\n"
    "Options:\n"
    "  --kind KIND  kev, vulnrichment, epss or nvd (default: detect)\n"
    "  --json       print one JSON object per source on stdout\n";

static int load_one(struct tt_store *s, struct cli *cli, const char *source, enum tt_feed_kind kind,
		    json_t *out, bool *partial)
{
	struct tt_diag_sink diag = cli_warning_sink(cli);
	struct tt_enrich_result res;
	struct tt_error err = {0};
	double t0 = tt_now_monotonic();
	int r = tt_enrich_load(s, source, kind, &res, &diag, &err);
	if (r < 0) {
		cli_error("%s: %s", source, err.msg);
		return r;
	}
	if (res.skipped)
		*partial = true;
	double secs = tt_now_monotonic() - t0;
	if (out)
		json_array_append_new(
		    out,
		    json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:f}", "source", source, "kind",
			      tt_feed_kind_name(res.kind), "entries", (json_int_t)res.entries,
			      "matched", (json_int_t)res.matched, "skipped",
			      (json_int_t)res.skipped, "version", res.version, "seconds", secs));
	if (!cli->quiet) {
		char a[32], b[32], c[32];
		fprintf(stderr, "loaded %s from %s: %s entries", tt_feed_kind_name(res.kind),
			source, cli_thousands(res.entries, a, sizeof(a)));
		if (res.kind != TT_FEED_EPSS)
			fprintf(stderr, " (%s about CVEs in the store)",
				cli_thousands(res.matched, b, sizeof(b)));
		fprintf(stderr, ", %s skipped%s%s; %.2f s\n",
			cli_thousands(res.skipped, c, sizeof(c)),
			res.version[0] ? ", version " : "", res.version, secs);
	}
	return 0;
}

int cmd_cve_enrich(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kind", required_argument, NULL, 'k'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	enum tt_feed_kind kind = TT_FEED_UNKNOWN;
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'k' && tt_feed_kind_from_name(optarg, &kind) < 0) {
			cli_error("unknown --kind '%s' (kev, vulnrichment, epss or nvd)", optarg);
			return EXIT_USAGE;
		} else if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			fputs(enrich_usage, stdout);
			return EXIT_OK;
		} else if (c != 'k') {
			fputs(enrich_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("cve enrich: name at least one SOURCE (file, directory or URL)");
		fputs(enrich_usage, stderr);
		return EXIT_USAGE;
	}
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	json_t *out = json ? json_array() : NULL;
	bool partial = false, failed = false;
	for (int i = optind; i < argc; i++)
		if (load_one(s, cli, argv[i], kind, out, &partial) < 0)
			failed = true;
	tt_store_close(s);
	cli_warnings_summary(cli);
	if (out)
		cli_print_json(out);
	if (failed)
		return EXIT_FAIL;
	if (partial)
		fprintf(stderr, "partial: some entries were skipped (warnings above name them); "
				"the rest is loaded\n");
	return partial ? EXIT_PARTIAL : EXIT_OK;
}
