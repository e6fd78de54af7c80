// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape scan PROFILE...`: which CVEs apply, why, and in what order. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "triage_cmds.h"
#include "tuxtape/triage.h"
#include "tuxtape/util.h"

static const char scan_usage[] =
    "Usage: tuxtape scan PROFILE... [--format FORMAT] [--verdict LIST] [--kev]\n"
    "                    [--min-priority N] [--policy FILE] [--set KEY=VALUE]\n"
    "                    [--explain CVE-ID] [--reasons] [--limit N] [--strict]\n"
    "\n"
    "Evaluates every published CVE in the store against each kernel profile (see\n"
    "`tuxtape kernel add`) and reports a verdict with its reason:\n"
    "  affected      the version is vulnerable and the code is built (or the\n"
    "                profile has no compiled-file set to rule it out)\n"
    "  unknown       cannot tell: only headers changed and there is no deps data,\n"
    "                the Kbuild prediction was incomplete there, or the exact\n"
    "                upstream version is not known\n"
    "  fixed         the kernel's branch carries the fix (named)\n"
    "  not-affected  the version range excludes the kernel\n"
    "  not-built     vulnerable version, but none of the CVE's files is compiled\n"
    "Versions follow the kernel CNA's .dyad pairs per stable branch, cross-checked\n"
    "with the JSON record's ranges (disagreements are named in the reason);\n"
    "docs/triage.md gives every rule.\n"
    "\n"
    "Affected and unknown CVEs are ranked by a priority score, highest first,\n"
    "with KEV-listed ones first by default; the other verdicts follow, newest\n"
    "first.\n"
    "\n"
    "Selection:\n"
    "  --verdict LIST     comma-separated verdicts to report (default:\n"
    "                     affected,unknown), or 'all'\n"
    "  --kev              only CVEs listed in CISA KEV\n"
    "  --min-priority N   only CVEs whose priority is at least N\n"
    "  --limit N          at most N CVEs per profile\n"
    "\n"
    "Output:\n"
    "  --format FORMAT    table (default), json, csv, openvex (OpenVEX 0.2.0) or\n"
    "                     cyclonedx (CycloneDX 1.5 vulnerabilities); --json is\n"
    "                     --format json\n"
    "  --reasons          table: print each reason under its row\n"
    "  --explain CVE-ID   the verdict, reasons and every priority term of one CVE\n"
    "\n"
    "Priority policy:\n"
    "  --policy FILE      `key = value` lines ('#' comments, optional [priority]\n"
    "                     header) over the defaults below; unknown keys are errors\n"
    "  --set KEY=VALUE    one override, after the file (repeatable)\n"
    "  --print-policy     print the effective policy and exit\n"
    "\n"
    "Exit status:\n"
    "  0  no reported CVE is affected\n"
    "  4  at least one reported CVE is affected (after the selection options);\n"
    "     with --strict, unknown counts as affected\n"
    "  1  failure (unknown profile, unreadable store or policy); 2 usage error\n"
    "  3  done, with warnings\n"
    "\n"
    "Examples:\n"
    "  tuxtape scan deb12                       what to fix, most urgent first\n"
    "  tuxtape scan deb12 --explain CVE-2024-26581\n"
    "  tuxtape scan deb12 --verdict all --format openvex > deb12.vex.json\n"
    "  tuxtape scan web db --kev --format csv\n"
    "\n"
    "Policy keys (default, meaning):\n";

enum scan_format { SF_TABLE, SF_JSON, SF_CSV, SF_OPENVEX, SF_CYCLONEDX };

struct scan_args {
	enum scan_format fmt;
	bool verdicts[TT_VERDICT__COUNT];
	bool has_min;
	double min_priority;
	bool kev_only, reasons, strict, print_policy;
	const char *policy_path, *explain;
	struct tt_strv sets;
	long limit;
};

/* Help text after a 39-column key column, wrapped at 80 columns. */
static void wrapped(FILE *f, const char *text)
{
	const int indent = 39, width = 80;
	int col = indent;
	while (*text) {
		size_t w = strcspn(text, " ");
		if (col > indent && col + 1 + (int)w > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, w, f);
		col += (int)w;
		text += w;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void usage(FILE *f)
{
	fputs(scan_usage, f);
	size_t n;
	const struct tt_policy_key *k = tt_policy_keys(&n);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "  %-18s %-17s ", k[i].key, k[i].default_value);
		wrapped(f, k[i].help);
	}
}

/* ---------------- arguments ---------------- */

static int parse_verdicts(const char *arg, bool *v)
{
	memset(v, 0, TT_VERDICT__COUNT * sizeof(*v));
	if (strcmp(arg, "all") == 0) {
		for (int i = 0; i < TT_VERDICT__COUNT; i++)
			v[i] = true;
		return 0;
	}
	_cleanup_free_ char *copy = tt_xstrdup(arg);
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum tt_triage_verdict x;
		if (tt_triage_verdict_parse(t, &x) < 0) {
			cli_error(
			    "--verdict '%s': expected affected, unknown, fixed, not-affected, "
			    "not-built or all",
			    t);
			return -1;
		}
		v[x] = true;
	}
	return 0;
}

static int parse_format(const char *arg, enum scan_format *f)
{
	static const char *const names[] = {"table", "json", "csv", "openvex", "cyclonedx"};
	for (int i = 0; i < 5; i++)
		if (strcmp(arg, names[i]) == 0) {
			*f = (enum scan_format)i;
			return 0;
		}
	cli_error("unknown --format '%s' (table, json, csv, openvex or cyclonedx)", arg);
	return -1;
}

static int parse_number(const char *opt, const char *arg, double *out)
{
	char *end;
	*out = strtod(arg, &end);
	if (end == arg || *end) {
		cli_error("%s '%s': expected a number", opt, arg);
		return -1;
	}
	return 0;
}

static int parse_scan_opt(int c, struct scan_args *a)
{
	double d;
	switch (c) {
	case 'F':
		return parse_format(optarg, &a->fmt);
	case 'j':
		a->fmt = SF_JSON;
		return 0;
	case 'v':
		return parse_verdicts(optarg, a->verdicts);
	case 'k':
		a->kev_only = true;
		return 0;
	case 'm':
		a->has_min = true;
		return parse_number("--min-priority", optarg, &a->min_priority);
	case 'l':
		if (parse_number("--limit", optarg, &d) < 0 || d < 1)
			return -1;
		a->limit = (long)d;
		return 0;
	case 'p':
		a->policy_path = optarg;
		return 0;
	case 's':
		tt_strv_push(&a->sets, optarg);
		return 0;
	case 'e':
		a->explain = optarg;
		return 0;
	case 'r':
		a->reasons = true;
		return 0;
	case 'S':
		a->strict = true;
		return 0;
	case 'P':
		a->print_policy = true;
		return 0;
	default:
		return -1;
	}
}

static int parse_args(int argc, char **argv, struct scan_args *a)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'F'},
	    {"json", no_argument, NULL, 'j'},
	    {"verdict", required_argument, NULL, 'v'},
	    {"kev", no_argument, NULL, 'k'},
	    {"min-priority", required_argument, NULL, 'm'},
	    {"limit", required_argument, NULL, 'l'},
	    {"policy", required_argument, NULL, 'p'},
	    {"set", required_argument, NULL, 's'},
	    {"explain", required_argument, NULL, 'e'},
	    {"reasons", no_argument, NULL, 'r'},
	    {"strict", no_argument, NULL, 'S'},
	    {"print-policy", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	a->verdicts[TT_VERDICT_AFFECTED] = a->verdicts[TT_VERDICT_UNKNOWN] = true;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		if (c == '?' || parse_scan_opt(c, a) < 0) {
			if (c == '?')
				usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc && !a->print_policy) {
		cli_error("scan: name at least one kernel profile (`tuxtape kernel list`)");
		return EXIT_USAGE;
	}
	return -1;
}

static int make_policy(const struct scan_args *a, struct tt_policy **out)
{
	struct tt_policy *pol = tt_policy_new();
	struct tt_error err = {0};
	int r = a->policy_path ? tt_policy_load(pol, a->policy_path, &err) : 0;
	for (size_t i = 0; r == 0 && i < a->sets.n; i++) {
		char *kv = tt_xstrdup(a->sets.v[i]);
		char *eq = strchr(kv, '=');
		if (!eq) {
			r = tt_error_set(&err, -EINVAL, "--set '%s': expected KEY=VALUE", kv);
		} else {
			*eq = '\0';
			r = tt_policy_set(pol, kv, eq + 1, &err);
		}
		free(kv);
	}
	if (r < 0) {
		cli_error("%s", err.msg);
		tt_policy_free(pol);
		return -1;
	}
	*out = pol;
	return 0;
}

/* ---------------- output ---------------- */

static bool selected(const struct scan_args *a, const struct tt_triage_item *it)
{
	if (!a->verdicts[it->verdict])
		return false;
	if (a->kev_only && !it->kev)
		return false;
	return !a->has_min || it->priority >= a->min_priority;
}

static json_t *item_json(const struct tt_triage_item *it)
{
	json_t *terms = json_array();
	for (size_t i = 0; i < it->n_terms; i++)
		json_array_append_new(terms, json_pack("{s:s, s:f, s:s}", "key", it->terms[i].key,
						       "points", it->terms[i].points, "detail",
						       it->terms[i].detail));
	char date[16] = "";
	if (it->published)
		tt_format_date(it->published, date, sizeof(date));
	return json_pack(
	    "{s:s, s:s, s:f, s:o, s:s, s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:o, s:b, s:o, s:o, "
	    "s:o, s:b, s:o, s:o}",
	    "id", it->cve_id, "verdict", tt_triage_verdict_name(it->verdict), "priority",
	    it->priority, "fixed_in", cli_json_str(it->fixed_in), "reason", it->reason,
	    "version_reason", it->version_reason, "build_reason", it->build_reason, "build",
	    json_string(tt_triage_build_name(it->build)), "module", cli_json_str(it->module),
	    "module_loaded", it->module_loaded, "cvss",
	    it->cvss >= 0 ? json_real(it->cvss) : json_null(), "cvss_origin",
	    cli_json_str(it->cvss_origin), "cvss_vector", cli_json_str(it->cvss_vector), "kev",
	    it->kev, "exploitation", cli_json_str(it->exploitation), "epss",
	    it->epss >= 0 ? json_real(it->epss) : json_null(), "published",
	    it->published ? json_string(date) : json_null(), "json_disagrees", it->json_disagrees,
	    "title", cli_json_str(it->title), "priority_terms", terms);
}

static json_t *profile_json(const struct tt_profile *p, const size_t counts[])
{
	const struct tt_profile_info *i = tt_profile_info(p);
	char v[TT_KVER_STR_MAX] = "";
	if (i->has_version)
		tt_kver_format(&i->version, v, sizeof(v));
	static const char *const modes[] = {"none", "exact", "predicted"};
	json_t *c = json_object();
	for (int k = 0; k < TT_VERDICT__COUNT; k++)
		json_object_set_new(c, tt_triage_verdict_name((enum tt_triage_verdict)k),
				    json_integer((json_int_t)counts[k]));
	return json_pack("{s:s, s:o, s:b, s:o, s:s, s:b, s:o}", "name", i->name, "version",
			 i->has_version ? json_string(v) : json_null(), "version_exact",
			 i->version_exact, "version_source", cli_json_str(i->version_source),
			 "files", modes[i->files_mode], "running", i->running, "counts", c);
}

static int terminal_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 0;
}

static void table_row(const struct tt_triage_item *it, int width, bool reasons)
{
	char prio[16] = "-", cvss[16] = "-", epss[16] = "-", line[1024];
	if (it->verdict == TT_VERDICT_AFFECTED || it->verdict == TT_VERDICT_UNKNOWN)
		snprintf(prio, sizeof(prio), "%.1f", it->priority);
	if (it->cvss >= 0)
		snprintf(cvss, sizeof(cvss), "%.1f", it->cvss);
	if (it->epss >= 0)
		snprintf(epss, sizeof(epss), "%.3f", it->epss);
	int n = snprintf(line, sizeof(line), "%6s %-12s %-16s %-9s %-9s %4s %5s %-3s %s", prio,
			 tt_triage_verdict_name(it->verdict), it->cve_id,
			 it->fixed_in ? it->fixed_in : "-", tt_triage_build_name(it->build), cvss,
			 epss, it->kev ? "KEV" : "", it->title ? it->title : "");
	if (width > 20 && n > width)
		line[width] = '\0';
	puts(line);
	if (reasons)
		printf("       %s\n", it->reason);
}

static void csv_row(const char *profile, const struct tt_triage_item *it)
{
	char prio[16], cvss[16] = "", epss[16] = "";
	snprintf(prio, sizeof(prio), "%.1f", it->priority);
	if (it->cvss >= 0)
		snprintf(cvss, sizeof(cvss), "%.1f", it->cvss);
	if (it->epss >= 0)
		snprintf(epss, sizeof(epss), "%.5f", it->epss);
	const char *f[] = {profile,
			   it->cve_id,
			   tt_triage_verdict_name(it->verdict),
			   prio,
			   it->fixed_in,
			   tt_triage_build_name(it->build),
			   it->module,
			   cvss,
			   epss,
			   it->kev ? "yes" : "no",
			   it->exploitation,
			   it->reason,
			   it->title};
	size_t n = sizeof(f) / sizeof(f[0]);
	for (size_t i = 0; i < n; i++)
		cli_csv_field(stdout, f[i], i + 1 == n);
}

/* ---------------- one scan ---------------- */

struct run {
	struct cli *cli;
	const struct scan_args *a;
	struct tt_store *s;
	const struct tt_triage_db *db;
	const struct tt_policy *pol;
	json_t *json; /* --format json: the profiles array */
	struct tt_triage_vex_input *vex;
	size_t n_vex;
	struct tt_triage_result **results; /* kept for the VEX documents */
	struct tt_profile **profiles;
	size_t n_kept;
	bool any_affected, csv_header_done;
	int width;
};

static void summary(struct run *r, const struct tt_profile *p, const size_t c[], size_t shown,
		    double ms)
{
	if (r->cli->quiet)
		return;
	fprintf(stderr,
		"%s: %zu affected, %zu unknown, %zu fixed, %zu not-affected, %zu not-built "
		"(of %zu CVEs; %zu reported; scanned in %.0f ms)\n",
		tt_profile_info(p)->name, c[TT_VERDICT_AFFECTED], c[TT_VERDICT_UNKNOWN],
		c[TT_VERDICT_FIXED], c[TT_VERDICT_NOT_AFFECTED], c[TT_VERDICT_NOT_BUILT],
		tt_triage_db_count(r->db), shown, ms);
}

static int explain(struct run *r, const struct tt_profile *p, const struct tt_triage_result *res)
{
	const struct tt_triage_item *it = tt_triage_result_find(res, r->a->explain);
	if (!it) {
		cli_error("%s is not a published CVE in the store", r->a->explain);
		return -1;
	}
	r->any_affected |= it->verdict == TT_VERDICT_AFFECTED;
	if (r->a->fmt == SF_JSON) {
		json_t *o = item_json(it);
		json_object_set_new(o, "profile", json_string(tt_profile_info(p)->name));
		json_array_append_new(r->json, o);
		return 0;
	}
	struct tt_buf b = TT_BUF_INIT;
	tt_triage_explain(it, &b);
	printf("profile %s\n%s\n", tt_profile_info(p)->name, tt_buf_str(&b));
	tt_buf_free(&b);
	return 0;
}

static void report(struct run *r, const struct tt_profile *p, const struct tt_triage_result *res,
		   const size_t counts[], size_t *shown)
{
	const struct scan_args *a = r->a;
	const char *name = tt_profile_info(p)->name;
	json_t *arr = a->fmt == SF_JSON ? json_array() : NULL;
	bool vex = a->fmt == SF_OPENVEX || a->fmt == SF_CYCLONEDX;
	const struct tt_triage_item **items = NULL;
	if (a->fmt == SF_TABLE)
		printf("%6s %-12s %-16s %-9s %-9s %4s %5s %-3s %s\n", "PRIO", "VERDICT", "CVE",
		       "FIXED-IN", "BUILD", "CVSS", "EPSS", "KEV", "TITLE");
	else if (a->fmt == SF_CSV && !r->csv_header_done) {
		puts("profile,id,verdict,priority,fixed_in,build,module,cvss,epss,kev,exploitation,"
		     "reason,title");
		r->csv_header_done = true;
	}
	for (size_t i = 0; i < tt_triage_result_count(res); i++) {
		const struct tt_triage_item *it = tt_triage_result_item(res, i);
		if (!selected(a, it) || (a->limit && (long)*shown >= a->limit))
			continue;
		(*shown)++;
		r->any_affected |= it->verdict == TT_VERDICT_AFFECTED ||
				   (a->strict && it->verdict == TT_VERDICT_UNKNOWN);
		if (arr)
			json_array_append_new(arr, item_json(it));
		else if (a->fmt == SF_CSV)
			csv_row(name, it);
		else if (vex) {
			items = tt_xrealloc(items, *shown * sizeof(*items));
			items[*shown - 1] = it;
		} else
			table_row(it, r->width, a->reasons);
	}
	if (arr) {
		json_t *o = profile_json(p, counts);
		json_object_set_new(o, "results", arr);
		json_array_append_new(r->json, o);
	}
	if (vex) {
		r->vex = tt_xrealloc(r->vex, (r->n_vex + 1) * sizeof(*r->vex));
		r->vex[r->n_vex++] = (struct tt_triage_vex_input){p, items, *shown};
	}
}

static int scan_one(struct run *r, const char *name)
{
	struct tt_error err = {0};
	struct tt_profile *p;
	if (tt_profile_load(r->s, name, &p, &err) < 0) {
		cli_error("%s", err.msg);
		return -1;
	}
	double t0 = tt_now_monotonic();
	struct tt_triage_result *res;
	if (tt_triage_scan(r->db, p, r->pol, 0, &res, &err) < 0) {
		cli_error("%s", err.msg);
		tt_profile_free(p);
		return -1;
	}
	double ms = (tt_now_monotonic() - t0) * 1e3;
	size_t counts[TT_VERDICT__COUNT], shown = 0;
	tt_triage_result_counts(res, counts);
	int rc = 0;
	if (r->a->explain)
		rc = explain(r, p, res);
	else
		report(r, p, res, counts, &shown);
	if (!r->a->explain)
		summary(r, p, counts, shown, ms);
	/* VEX documents refer to items: keep every result until they are written. */
	r->results = tt_xrealloc(r->results, (r->n_kept + 1) * sizeof(*r->results));
	r->profiles = tt_xrealloc(r->profiles, (r->n_kept + 1) * sizeof(*r->profiles));
	r->results[r->n_kept] = res;
	r->profiles[r->n_kept++] = p;
	return rc;
}

static int write_vex(struct run *r)
{
	char tool[64], *doc = NULL;
	snprintf(tool, sizeof(tool), "tuxtape %s", TT_VERSION);
	struct tt_triage_vex_opts o = {.tool = tool};
	struct tt_error err = {0};
	int rc = r->a->fmt == SF_OPENVEX ? tt_triage_openvex(r->vex, r->n_vex, &o, &doc, &err)
					 : tt_triage_cyclonedx(r->vex, r->n_vex, &o, &doc, &err);
	if (rc < 0) {
		cli_error("%s", err.msg);
		return -1;
	}
	puts(doc);
	free(doc);
	return 0;
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n_kept; i++) {
		tt_triage_result_free(r->results[i]);
		tt_profile_free(r->profiles[i]);
	}
	free(r->results);
	free(r->profiles);
	for (size_t i = 0; i < r->n_vex; i++)
		free((void *)r->vex[i].items);
	free(r->vex);
}

static int run_scans(struct run *r, int argc, char **argv)
{
	struct tt_error err = {0};
	struct tt_diag_sink diag = cli_warning_sink(r->cli);
	struct tt_triage_db *db;
	if (tt_triage_db_load(r->s, &db, &diag, &err) < 0) {
		cli_error("%s", err.msg);
		return -1;
	}
	r->db = db;
	if (r->a->fmt == SF_JSON)
		r->json = json_array();
	int rc = 0;
	for (int i = optind; rc == 0 && i < argc; i++) {
		if (r->a->fmt == SF_TABLE && argc - optind > 1 && !r->a->explain)
			printf("%s== %s\n", i > optind ? "\n" : "", argv[i]);
		rc = scan_one(r, argv[i]);
	}
	if (rc == 0 && r->json)
		cli_print_json(r->a->explain ? r->json : json_pack("{s:o}", "profiles", r->json));
	else
		json_decref(r->json);
	if (rc == 0 && r->vex)
		rc = write_vex(r);
	run_free(r);
	tt_triage_db_free(db);
	return rc;
}

int cmd_scan(struct cli *cli, int argc, char **argv)
{
	struct scan_args a = {.fmt = SF_TABLE};
	int pr = parse_args(argc, argv, &a);
	struct tt_policy *pol = NULL;
	if (pr < 0 && make_policy(&a, &pol) < 0)
		pr = EXIT_FAIL;
	if (pr < 0 && a.print_policy) {
		struct tt_buf b = TT_BUF_INIT;
		tt_policy_format(pol, &b);
		fputs(tt_buf_str(&b), stdout);
		tt_buf_free(&b);
		pr = EXIT_OK;
	}
	if (pr >= 0) {
		tt_policy_free(pol);
		tt_strv_free(&a.sets);
		return pr;
	}
	struct run r = {.cli = cli, .a = &a, .pol = pol, .width = terminal_width()};
	int rc = cli_open_store(cli, &r.s);
	if (rc == EXIT_OK) {
		rc = run_scans(&r, argc, argv) < 0 ? EXIT_FAIL : EXIT_OK;
		tt_store_close(r.s);
	}
	tt_policy_free(pol);
	tt_strv_free(&a.sets);
	cli_warnings_summary(cli);
	if (rc != EXIT_OK)
		return rc;
	if (r.any_affected)
		return EXIT_AFFECTED;
	return cli->warnings ? EXIT_PARTIAL : EXIT_OK;
}
