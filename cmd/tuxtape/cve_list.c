// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape cve list` */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmds.h"
#include "tuxtape/util.h"

static const char list_usage[] =
    "Usage: tuxtape cve list [FILTERS] [--format table|json|csv] [--sort ORDER]\n"
    "                        [--limit N]\n"
    "\n"
    "Lists the CVEs in the store, newest first. Filters combine (all must hold):\n"
    "  --since DATE         first published on or after DATE (YYYY-MM-DD)\n"
    "  --file GLOB          a program file matches GLOB, e.g. 'net/netfilter/*'\n"
    "                       ('*' also matches '/')\n"
    "  --min-cvss SCORE     effective CVSS 3.1 base score >= SCORE: the kernel CNA's\n"
    "                       own score, else CISA ADP's, else NVD's\n"
    "  --kev                listed in CISA KEV (known exploited)\n"
    "  --branch X.Y         has a .dyad pair on stable branch X.Y (fixed there, or\n"
    "                       introduced there and never fixed)\n"
    "  --fixed-in VERSION   fixed in exactly this release, e.g. 6.1.78\n"
    "  --rejected           include rejected ids\n"
    "\n"
    "Output:\n"
    "  --format FORMAT      table (default), json or csv; --json is --format json\n"
    "  --sort ORDER         newest (default), id, cvss or epss\n"
    "  --limit N            at most N rows\n"
    "\n"
    "Columns: id, first published, effective CVSS and where it comes from, EPSS,\n"
    "KEV, SSVC exploitation, program files, fixed versions, title.\n";

struct list_ctx {
	enum out_format fmt;
	json_t *arr;
	int width;
	long rows;
};

static json_t *split_json(const char *list)
{
	json_t *a = json_array();
	while (list && *list) {
		size_t n = strcspn(list, ",");
		json_array_append_new(a, json_stringn(list, n));
		list += n + (list[n] == ',');
	}
	return a;
}

static json_t *summary_json(const struct tt_cve_summary *c)
{
	char date[16] = "";
	if (c->first_published)
		tt_format_date(c->first_published, date, sizeof(date));
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o}", "id",
			 c->id, "state", c->state == TT_CVE_REJECTED ? "rejected" : "published",
			 "published", c->first_published ? json_string(date) : json_null(), "title",
			 c->title, "cvss", c->cvss >= 0 ? json_real(c->cvss) : json_null(),
			 "cvss_origin", cli_json_str(c->cvss_origin), "severity",
			 cli_json_str(c->severity), "kev", c->kev, "epss",
			 c->epss >= 0 ? json_real(c->epss) : json_null(), "exploitation",
			 cli_json_str(c->exploitation), "files", split_json(c->files),
			 "fixed_versions", split_json(c->fixed_versions));
}

static void print_csv(const struct tt_cve_summary *c)
{
	char date[16] = "", cvss[16] = "", epss[16] = "";
	if (c->first_published)
		tt_format_date(c->first_published, date, sizeof(date));
	if (c->cvss >= 0)
		snprintf(cvss, sizeof(cvss), "%.1f", c->cvss);
	if (c->epss >= 0)
		snprintf(epss, sizeof(epss), "%.5f", c->epss);
	const char *fields[] = {c->id,		 date,	   cvss,
				c->cvss_origin,	 epss,	   c->kev ? "yes" : "no",
				c->exploitation, c->files, c->fixed_versions,
				c->title};
	for (size_t i = 0; i < 10; i++)
		cli_csv_field(stdout, fields[i], i == 9);
}

/* One line per CVE, truncated to the terminal width so tables stay tables. */
static void print_row(const struct tt_cve_summary *c, int width)
{
	char date[16] = "-", cvss[16] = "-", epss[16] = "-", files[40];
	if (c->first_published)
		tt_format_date(c->first_published, date, sizeof(date));
	if (c->cvss >= 0)
		snprintf(cvss, sizeof(cvss), "%.1f%s", c->cvss,
			 c->cvss_origin && strcmp(c->cvss_origin, "cna") ? "*" : "");
	if (c->epss >= 0)
		snprintf(epss, sizeof(epss), "%.3f", c->epss);
	size_t nf = strcspn(c->files ? c->files : "", ",");
	snprintf(files, sizeof(files), "%.*s%s", (int)(nf > 30 ? 30 : nf), c->files ? c->files : "",
		 c->files && c->files[nf] ? ",+" : "");
	char line[1024];
	int n = snprintf(line, sizeof(line), "%-16s %-10s %5s %6s %-3s %-33s %s", c->id, date, cvss,
			 epss, c->kev ? "KEV" : "", files, c->title ? c->title : "");
	if (width > 20 && n > width)
		line[width] = '\0';
	puts(line);
}

static int on_row(void *ctx, const struct tt_cve_summary *c)
{
	struct list_ctx *l = ctx;
	l->rows++;
	if (l->fmt == FMT_JSON)
		json_array_append_new(l->arr, summary_json(c));
	else if (l->fmt == FMT_CSV)
		print_csv(c);
	else
		print_row(c, l->width);
	return 0;
}

static int parse_order(const char *s, enum tt_cve_order *o)
{
	static const char *const names[] = {"newest", "id", "cvss", "epss"};
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*o = (enum tt_cve_order)i;
			return 0;
		}
	cli_error("unknown --sort '%s' (newest, id, cvss or epss)", s);
	return -1;
}

/* -1: go on; otherwise the exit code. */
static int parse_list_args(int argc, char **argv, struct tt_cve_query *q, enum out_format *fmt)
{
	static const struct option opts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"file", required_argument, NULL, 'f'},
	    {"min-cvss", required_argument, NULL, 'c'},
	    {"kev", no_argument, NULL, 'k'},
	    {"branch", required_argument, NULL, 'b'},
	    {"fixed-in", required_argument, NULL, 'x'},
	    {"rejected", no_argument, NULL, 'r'},
	    {"format", required_argument, NULL, 'F'},
	    {"json", no_argument, NULL, 'j'},
	    {"sort", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (tt_parse_iso8601(optarg, &q->since) < 0) {
				cli_error("--since '%s': expected a date like 2024-02-22", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'f':
			q->file_glob = optarg;
			break;
		case 'c':
			q->min_cvss = strtod(optarg, &end);
			if (*end || q->min_cvss < 0 || q->min_cvss > 10) {
				cli_error("--min-cvss '%s': expected a score from 0 to 10", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'k':
			q->kev_only = true;
			break;
		case 'b':
			q->branch = optarg;
			break;
		case 'x':
			q->fixed_in = optarg;
			break;
		case 'r':
			q->include_rejected = true;
			break;
		case 'F':
			if (cli_parse_format(optarg, fmt) < 0)
				return EXIT_USAGE;
			break;
		case 'j':
			*fmt = FMT_JSON;
			break;
		case 'o':
			if (parse_order(optarg, &q->order) < 0)
				return EXIT_USAGE;
			break;
		case 'l':
			q->limit = strtol(optarg, &end, 10);
			if (*end || q->limit <= 0) {
				cli_error("--limit '%s': expected a positive number", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(list_usage, stdout);
			return EXIT_OK;
		default:
			fputs(list_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("cve list: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

static int terminal_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 0; /* not a terminal: never truncate */
}

int cmd_cve_list(struct cli *cli, int argc, char **argv)
{
	struct tt_cve_query q;
	tt_cve_query_init(&q);
	struct list_ctx l = {.fmt = FMT_TABLE};
	int pr = parse_list_args(argc, argv, &q, &l.fmt);
	if (pr >= 0)
		return pr;
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	l.width = terminal_width();
	if (l.fmt == FMT_JSON)
		l.arr = json_array();
	else if (l.fmt == FMT_CSV)
		puts("id,published,cvss,cvss_origin,epss,kev,exploitation,files,fixed_versions,"
		     "title");
	else
		printf("%-16s %-10s %5s %6s %-3s %-33s %s\n", "ID", "PUBLISHED", "CVSS", "EPSS",
		       "KEV", "FILES", "TITLE");
	struct tt_error err = {0};
	int r = tt_store_cve_list(s, &q, on_row, &l, &err);
	tt_store_close(s);
	if (r < 0) {
		json_decref(l.arr);
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	if (l.arr)
		cli_print_json(l.arr);
	else if (l.fmt == FMT_TABLE && !cli->quiet && fflush(stdout) == 0)
		fprintf(stderr, "%ld CVEs%s\n", l.rows,
			l.rows ? " (* CVSS not from the kernel CNA)" : "");
	return EXIT_OK;
}
