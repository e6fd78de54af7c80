// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape klp diff ORIG.o PATCHED.o`: what a patch changed in one object, and whether it can be
 * livepatched. */
#include <getopt.h>
#include <string.h>

#include "klp_cmd.h"
#include "tuxtape/klp.h"
#include "tuxtape/util.h"

enum { EXIT_NO_CHANGE = 3, EXIT_REFUSED = 5 };

static const char klp_usage[] =
    "Usage: tuxtape klp diff ORIG.o PATCHED.o [--json] [--all]\n"
    "\n"
    "Compares two builds of one kernel object, before and after a source patch\n"
    "(compiled with the kernel's flags plus -ffunction-sections -fdata-sections),\n"
    "and says per function:\n"
    "  changed    its code or what it references differs (the reason names the\n"
    "             first difference)\n"
    "  line-only  only __LINE__ values differ (passed to __might_sleep() and\n"
    "             friends, or in __bug_table): not patched\n"
    "  new        added by the patch\n"
    "  removed    gone from the patched object (the running copy stays)\n"
    "  unchanged  identical once relocation targets are compared by name\n"
    "             (listed with --all)\n"
    "then what the changed code needs (new symbols, or references into the\n"
    "running kernel), and the changes a livepatch cannot carry: changed data or\n"
    "__init code, functions without an __fentry__ call, special sections it\n"
    "cannot carry. docs/klp-diff.md gives every rule.\n"
    "\n"
    "Options:\n"
    "  --json   one JSON object: functions, references, refusals\n"
    "  --all    table: list unchanged functions too\n"
    "\n"
    "Exit status:\n"
    "  0  changed functions found and nothing refused: a livepatch can be built\n"
    "  3  no function changed (only __LINE__ values, or nothing at all)\n"
    "  5  refused: at least one change cannot be livepatched (each is named)\n"
    "  1  failure (unreadable or malformed object); 2 usage error\n";

static json_t *funcs_json(const struct tt_klp_diff *d)
{
	size_t n;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &n);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    a, json_pack("{s:s, s:o, s:s, s:s, s:s, s:b, s:b}", "name", f[i].name,
				 "orig_name", cli_json_str(f[i].orig_name), "section", f[i].section,
				 "status", tt_klp_status_name(f[i].status), "reason", f[i].reason,
				 "has_fentry", f[i].has_fentry, "part", f[i].is_part));
	return a;
}

static json_t *refs_json(const struct tt_klp_diff *d)
{
	size_t n;
	const struct tt_klp_ref *r = tt_klp_diff_refs(d, &n);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:s, s:b}", "name", r[i].name,
						   "section", cli_json_str(r[i].section), "kind",
						   tt_klp_ref_kind_name(r[i].kind), "needed_by",
						   r[i].needed_by, "function", r[i].is_function));
	return a;
}

static json_t *refusals_json(const struct tt_klp_diff *d)
{
	size_t n;
	const struct tt_klp_refusal *r = tt_klp_diff_refusals(d, &n);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:s}", "kind",
						   tt_klp_refusal_kind_name(r[i].kind), "section",
						   cli_json_str(r[i].section), "symbol",
						   cli_json_str(r[i].symbol), "message",
						   r[i].message));
	return a;
}

static void print_table(const struct tt_klp_diff *d, bool all)
{
	size_t n, same = 0;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &n);
	for (size_t i = 0; i < n; i++) {
		if (f[i].status == TT_KLP_UNCHANGED && !all) {
			same++;
			continue;
		}
		printf("%-10s %s", tt_klp_status_name(f[i].status), f[i].name);
		if (f[i].orig_name && strcmp(f[i].orig_name, f[i].name) != 0)
			printf(" (was %s)", f[i].orig_name);
		printf(": %s\n", f[i].reason);
	}
	if (same)
		printf("unchanged  %zu other function%s (--all lists them)\n", same,
		       same == 1 ? "" : "s");
	const struct tt_klp_ref *r = tt_klp_diff_refs(d, &n);
	if (n)
		printf("\nneeded by the changed code:\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-16s %s%s (from %s)\n", tt_klp_ref_kind_name(r[i].kind), r[i].name,
		       r[i].is_function ? "()" : "", r[i].needed_by);
}

static int diff_exit_code(const struct tt_klp_diff *d)
{
	size_t nref, nf;
	tt_klp_diff_refusals(d, &nref);
	if (nref)
		return EXIT_REFUSED;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &nf);
	for (size_t i = 0; i < nf; i++)
		if (f[i].status == TT_KLP_CHANGED)
			return EXIT_OK;
	return EXIT_NO_CHANGE;
}

static int run_diff(const char *orig, const char *patched, bool json, bool all)
{
	struct tt_error err = {0};
	struct tt_elf *a = NULL, *b = NULL;
	struct tt_klp_diff *d = NULL;
	int code = EXIT_FAIL;
	if (tt_elf_open(orig, &a, &err) < 0 || tt_elf_open(patched, &b, &err) < 0 ||
	    tt_klp_diff(a, b, &d, &err) < 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	if (json) {
		cli_print_json(json_pack("{s:s, s:s, s:o, s:o, s:o}", "orig", orig, "patched",
					 patched, "functions", funcs_json(d), "references",
					 refs_json(d), "refusals", refusals_json(d)));
	} else {
		print_table(d, all);
	}
	size_t n;
	const struct tt_klp_refusal *r = tt_klp_diff_refusals(d, &n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "tuxtape: refused: %s\n", r[i].message);
	code = diff_exit_code(d);
out:
	tt_klp_diff_free(d);
	tt_elf_close(a);
	tt_elf_close(b);
	return code;
}

static int cmd_klp_diff(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"all", no_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool json = false, all = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			fputs(klp_usage, stdout);
			return EXIT_OK;
		default:
			fputs(klp_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		cli_error("klp diff needs two objects: ORIG.o PATCHED.o");
		return EXIT_USAGE;
	}
	return run_diff(argv[optind], argv[optind + 1], json, all);
}

int cmd_klp(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(klp_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "diff") == 0)
		return cmd_klp_diff(argc - 1, argv + 1);
	cli_error("unknown klp command '%s' (see `tuxtape klp --help`)", argv[1]);
	return EXIT_USAGE;
}
