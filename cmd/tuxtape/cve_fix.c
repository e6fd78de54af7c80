// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape cve fix`: a CVE's fix commit, out of a stable-tree clone, stored as its raw patch. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

static const char fix_usage[] =
    "Usage: tuxtape cve fix CVE-ID --linux-git PATH [--branch BRANCH] [--print] [--json]\n"
    "\n"
    "Takes the commit that fixes CVE-ID out of a local clone of the Linux stable\n"
    "tree and stores it as the CVE's raw patch: the starting point a kernel\n"
    "engineer turns into a deployable livepatch (`tuxtape patch revise`).\n"
    "\n"
    "The commit comes from the CVE's dyad data in the store (`tuxtape cve show`\n"
    "lists it per branch): the fix on BRANCH, or without --branch the mainline fix\n"
    "(the first commit of the CVE's .sha1). It is read with libgit2, nothing is\n"
    "checked out, and formatted as `git format-patch` writes it: From, Date,\n"
    "Subject, the commit message, a diffstat and the diff. The store keeps one raw\n"
    "patch per CVE and branch with its commit id, author and author date; running\n"
    "the command again replaces it.\n"
    "\n"
    "Options:\n"
    "  --linux-git PATH  a clone of the stable tree (work tree or bare), e.g. of\n"
    "                    https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git;\n"
    "                    it must hold the commit: fetch it when told it does not\n"
    "  --branch BRANCH   the stable branch, \"6.1\" (\"mainline\": the default)\n"
    "  --print           also print the patch on stdout\n"
    "  --json            print what was stored as JSON (with the patch as \"text\"\n"
    "                    when --print is given too)\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 stored; 1 the CVE is not in the store, it has no fix on that\n"
    "branch, the clone does not hold the commit (fetch it), or the store failed;\n"
    "2 usage error.\n"
    "\n"
    "Example:\n"
    "  tuxtape cve fix CVE-2024-26581 --linux-git ~/src/linux-stable --branch 6.1\n";

struct fix_args {
	const char *cve_id, *linux_git, *branch;
	bool print, json;
};

static int parse_fix_args(int argc, char **argv, struct fix_args *a)
{
	static const struct option opts[] = {
	    {"linux-git", required_argument, NULL, 'g'},
	    {"branch", required_argument, NULL, 'b'},
	    {"print", no_argument, NULL, 'p'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			a->linux_git = optarg;
			break;
		case 'b':
			a->branch = optarg;
			break;
		case 'p':
			a->print = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			fputs(fix_usage, stdout);
			return EXIT_OK;
		default:
			fputs(fix_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_error("cve fix: name one CVE id (see `tuxtape cve fix --help`)");
		return EXIT_USAGE;
	}
	a->cve_id = argv[optind];
	if (!tt_cve_id_valid(a->cve_id)) {
		cli_error("cve fix: '%s' is not a CVE id (like CVE-2024-26581)", a->cve_id);
		return EXIT_USAGE;
	}
	if (!a->linux_git) {
		cli_error("cve fix: --linux-git PATH is required (a clone of the stable tree)");
		return EXIT_USAGE;
	}
	return -1;
}

/* Find the commit, format it, store it; err says what went wrong. */
static int make_raw_patch(struct tt_store *s, const struct fix_args *a, struct tt_raw_patch *p,
			  struct tt_error *err)
{
	struct tt_cve_record rec;
	_cleanup_free_ char *commit = NULL;
	int r = tt_store_cve_get(s, a->cve_id, &rec, NULL, err);
	if (r < 0)
		return r;
	r = tt_pipeline_fix_commit(&rec, a->branch, &commit, &p->branch, err);
	tt_cve_record_free(&rec);
	if (r == 0)
		r = tt_git_format_patch(a->linux_git, commit, p, err);
	if (r < 0)
		return r;
	p->cve_id = tt_xstrdup(a->cve_id);
	char *abs = realpath(a->linux_git, NULL);
	p->source = abs ? abs : tt_xstrdup(a->linux_git);
	return tt_store_raw_patch_put(s, p, (int64_t)time(NULL), err);
}

static long count_lines(const char *s)
{
	long n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void print_result(const struct fix_args *a, const struct tt_raw_patch *p)
{
	char when[32];
	tt_format_iso8601(p->authored_at, when, sizeof(when));
	if (a->json) {
		json_t *o = json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "cve", p->cve_id, "branch",
		    p->branch, "commit", p->commit_id, "author", p->author, "authored_at", when,
		    "subject", p->subject, "source", p->source, "lines",
		    (json_int_t)count_lines(p->text), "bytes", (json_int_t)strlen(p->text));
		if (a->print)
			json_object_set_new(o, "text", json_string(p->text));
		cli_print_json(o);
		return;
	}
	if (a->print)
		fputs(p->text, stdout);
	fprintf(a->print ? stderr : stdout,
		"%s (%s): stored commit %.12s \"%s\" by %s, %s, %ld lines\n", p->cve_id, p->branch,
		p->commit_id, p->subject, p->author, when, count_lines(p->text));
}

int cmd_cve_fix(struct cli *cli, int argc, char **argv)
{
	struct fix_args a = {0};
	int code = parse_fix_args(argc, argv, &a);
	if (code >= 0)
		return code;
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct tt_raw_patch p = {0};
	struct tt_error err = {0};
	int r = make_raw_patch(s, &a, &p, &err);
	tt_store_close(s);
	if (r < 0) {
		cli_error("%s", err.msg);
		tt_raw_patch_free(&p);
		return EXIT_FAIL;
	}
	print_result(&a, &p);
	tt_raw_patch_free(&p);
	return EXIT_OK;
}
