// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tuxtape patch revise|history|queue|jobs|job|approve`: deployable patches
 * with their history, the build-and-test queue, and approval.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

static const char revise_usage[] =
    "Usage: tuxtape patch revise CVE-ID --file PATCH --author NAME -m MESSAGE [--json]\n"
    "\n"
    "Records PATCH as the next revision of CVE-ID's deployable patch: the version\n"
    "of the fix that builds as a livepatch, usually the raw patch (`tuxtape cve\n"
    "fix`) edited by a kernel engineer. Revisions are numbered 1, 2, ... per CVE\n"
    "and never changed or removed: `tuxtape patch history` shows who changed what,\n"
    "when and why. Jobs (`tuxtape patch queue`) build a given revision.\n"
    "\n"
    "Options:\n"
    "  --file PATCH      the patch text (\"-\": standard input)\n"
    "  --author NAME     who wrote this revision (\"Ann Example <ann@example.org>\");\n"
    "                    the approval policy keeps them from approving it\n"
    "  -m, --message M   why it changed\n"
    "  --json            print the new revision as JSON\n"
    "\n"
    "Exit status: 0 recorded; 1 the CVE is not in the store or the file cannot\n"
    "be read; 2 usage error.\n";

static const char history_usage[] =
    "Usage: tuxtape patch history CVE-ID [--rev N] [--json]\n"
    "\n"
    "Lists every revision of CVE-ID's deployable patch, oldest first: number,\n"
    "time, author, SHA-256 of the text, message, and the stored raw patches'\n"
    "commits. With --rev N, prints revision N's text instead (0: the latest).\n"
    "--json gives the list (each with its text) or the revision as JSON.\n";

static const char queue_usage[] =
    "Usage: tuxtape patch queue CVE-ID --kernel ABI [--kernel ABI]... [--rev N] [--json]\n"
    "\n"
    "Queues a build-and-test job for a revision of CVE-ID's deployable patch (the\n"
    "latest, or --rev N) and each target kernel (a Debian ABI, 6.1.0-47-amd64).\n"
    "`tuxtape worker` claims the jobs: it builds the module with `tuxtape patch\n"
    "build` and boot-tests it with `tuxtape patch test`. Prints the jobs' ids.\n";

static const char jobs_usage[] =
    "Usage: tuxtape patch jobs [--state STATE] [--json]\n"
    "       tuxtape patch job ID [--log build|test] [--json]\n"
    "\n"
    "`jobs` lists the build-and-test jobs, oldest first, with state, worker,\n"
    "attempts and, once reviewed, the approver. STATE: queued, claimed (a worker\n"
    "builds it), built (a worker boot-tests it), passed, failed.\n"
    "`job` shows one job; --log prints its build or test output.\n";

static const char approve_usage[] =
    "Usage: tuxtape patch approve JOB-ID --reviewer NAME [--archive DIR [--tier TIER]]\n"
    "                             [--json]\n"
    "\n"
    "Approves the module a job built and boot-tested. The policy: only a passed\n"
    "job can be approved, once, and not by the author of the revision it built\n"
    "(names compare without case or surrounding blanks). The approval is recorded\n"
    "with the reviewer and time.\n"
    "\n"
    "Approval hands the module to the signed archive: with --archive DIR it runs\n"
    "`tuxtape archive add DIR MODULE --name KERNEL/NAME.ko --kernel-release KERNEL\n"
    "--patch-version REV --cve CVE-ID [--tier TIER]`; without it, it prints that\n"
    "command. If the archive step fails the approval stays recorded: run the\n"
    "printed command again.\n"
    "\n"
    "Exit status: 0 approved; 1 refused by the policy (the message says why), the\n"
    "job is unknown, or the archive step failed; 2 usage error.\n";

static const char *const pipeline_commands[] = {"revise", "history", "queue",
						"jobs",	  "job",     "approve"};

bool patch_pipeline_command(const char *name)
{
	for (size_t i = 0; i < sizeof(pipeline_commands) / sizeof(pipeline_commands[0]); i++)
		if (strcmp(name, pipeline_commands[i]) == 0)
			return true;
	return false;
}

static int64_t now_utc(void)
{
	return (int64_t)time(NULL);
}

static int fail(const struct tt_error *err)
{
	cli_error("%s", err->msg);
	return EXIT_FAIL;
}

static int usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	cli_error("%s", msg ? msg : fmt);
	fputs(usage, stderr);
	return EXIT_USAGE;
}

static int print_usage(const char *usage)
{
	fputs(usage, stdout);
	return EXIT_OK;
}

/* The one positional argument after options; -1 when present. */
static int one_operand(int argc, char **argv, const char *usage, const char **out)
{
	if (optind + 1 != argc)
		return usage_error(usage, "%s: expected exactly one operand", argv[0]);
	*out = argv[optind];
	return -1;
}

static int parse_long(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

static json_t *revision_json(const struct tt_patch_revision *rv, bool with_text)
{
	char when[32];
	tt_format_iso8601(rv->created_at, when, sizeof(when));
	json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s}", "cve", rv->cve_id, "rev",
			      (json_int_t)rv->rev, "id", (json_int_t)rv->id, "author", rv->author,
			      "created_at", when, "message", rv->message, "sha256", rv->sha256);
	if (with_text)
		json_object_set_new(o, "text", json_string(rv->text));
	return o;
}

/* ---- revise ---- */

struct revise_args {
	const char *cve_id, *file, *author, *message;
	bool json;
};

static int parse_revise(int argc, char **argv, struct revise_args *a)
{
	static const struct option opts[] = {
	    {"file", required_argument, NULL, 'f'},    {"author", required_argument, NULL, 'a'},
	    {"message", required_argument, NULL, 'm'}, {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	       {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "hm:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			a->file = optarg;
			break;
		case 'a':
			a->author = optarg;
			break;
		case 'm':
			a->message = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			fputs(revise_usage, stdout);
			return EXIT_OK;
		default:
			fputs(revise_usage, stderr);
			return EXIT_USAGE;
		}
	}
	int code = one_operand(argc, argv, revise_usage, &a->cve_id);
	if (code >= 0)
		return code;
	if (!a->file || !a->author || !a->author[0] || !a->message || !a->message[0])
		return usage_error(revise_usage,
				   "patch revise: --file, --author and -m are all required");
	return -1;
}

static int patch_revise(struct cli *cli, int argc, char **argv)
{
	struct revise_args a = {0};
	int code = parse_revise(argc, argv, &a);
	if (code >= 0)
		return code;
	struct tt_error err = {0};
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (tt_read_file(strcmp(a.file, "-") == 0 ? "/dev/stdin" : a.file, &text, &len, &err) < 0)
		return fail(&err);
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct tt_patch_revision rv;
	int r = tt_store_revision_add(s, a.cve_id, a.author, a.message, text, now_utc(), &rv, &err);
	tt_store_close(s);
	if (r < 0)
		return fail(&err);
	if (a.json)
		cli_print_json(revision_json(&rv, false));
	else
		printf("%s: recorded revision %ld by %s (sha256 %.12s)\n", rv.cve_id, rv.rev,
		       rv.author, rv.sha256);
	tt_patch_revision_free(&rv);
	return EXIT_OK;
}

/* ---- history ---- */

static int print_revision(void *ctx, const struct tt_patch_revision *rv)
{
	json_t *list = ctx;
	if (list) {
		json_array_append_new(list, revision_json(rv, true));
		return 0;
	}
	char when[32];
	tt_format_iso8601(rv->created_at, when, sizeof(when));
	printf("  r%-3ld %s  %-30s %.12s  %s\n", rv->rev, when, rv->author, rv->sha256,
	       rv->message);
	return 0;
}

static void print_raw_line(struct tt_store *s, const char *cve_id, json_t *out)
{
	struct tt_raw_patch raw;
	if (tt_store_raw_patch_get(s, cve_id, NULL, &raw, NULL) < 0)
		return;
	if (out) {
		json_object_set_new(out, "raw",
				    json_pack("{s:s, s:s, s:s, s:s}", "branch", raw.branch,
					      "commit", raw.commit_id, "author", raw.author,
					      "subject", raw.subject));
	} else {
		printf("raw patch (latest stored): %s, commit %.12s \"%s\" by %s\n", raw.branch,
		       raw.commit_id, raw.subject, raw.author);
	}
	tt_raw_patch_free(&raw);
}

static int history_one(struct tt_store *s, const char *cve_id, long rev, bool json,
		       struct tt_error *err)
{
	struct tt_patch_revision rv;
	int r = tt_store_revision_get(s, cve_id, rev, &rv, err);
	if (r < 0)
		return r;
	if (json)
		cli_print_json(revision_json(&rv, true));
	else
		fputs(rv.text, stdout);
	tt_patch_revision_free(&rv);
	return 0;
}

static int history_all(struct tt_store *s, const char *cve_id, bool json, struct tt_error *err)
{
	json_t *out = json ? json_pack("{s:s}", "cve", cve_id) : NULL;
	json_t *list = json ? json_array() : NULL;
	if (!json)
		printf("%s\n", cve_id);
	print_raw_line(s, cve_id, out);
	if (!json)
		printf("revisions:\n");
	int r = tt_store_revision_list(s, cve_id, print_revision, list, err);
	if (json) {
		json_object_set_new(out, "revisions", list);
		if (r == 0)
			cli_print_json(out);
		else
			json_decref(out);
	}
	return r;
}

static int patch_history(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rev", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	bool json = false;
	long rev = -1;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'r' && parse_long(optarg, &rev) == 0)
			continue;
		if (c == 'j') {
			json = true;
			continue;
		}
		if (c == 'h') {
			fputs(history_usage, stdout);
			return EXIT_OK;
		}
		return usage_error(history_usage, "patch history: bad option or value");
	}
	const char *cve_id = NULL;
	int code = one_operand(argc, argv, history_usage, &cve_id);
	if (code >= 0)
		return code;
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct tt_error err = {0};
	int r =
	    rev >= 0 ? history_one(s, cve_id, rev, json, &err) : history_all(s, cve_id, json, &err);
	tt_store_close(s);
	return r < 0 ? fail(&err) : EXIT_OK;
}

/* ---- queue ---- */

struct queue_args {
	const char *cve_id;
	struct tt_strv kernels;
	long rev;
	bool json;
};

static int parse_queue(int argc, char **argv, struct queue_args *a)
{
	static const struct option opts[] = {
	    {"kernel", required_argument, NULL, 'k'},
	    {"rev", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'k') {
			tt_strv_push(&a->kernels, optarg);
		} else if (c == 'r' && parse_long(optarg, &a->rev) == 0) {
			continue;
		} else if (c == 'j') {
			a->json = true;
		} else if (c == 'h') {
			fputs(queue_usage, stdout);
			return EXIT_OK;
		} else {
			return usage_error(queue_usage, "patch queue: bad option or value");
		}
	}
	int code = one_operand(argc, argv, queue_usage, &a->cve_id);
	if (code >= 0)
		return code;
	if (a->kernels.n == 0)
		return usage_error(queue_usage, "patch queue: name a target with --kernel ABI");
	return -1;
}

static void print_queued(const struct queue_args *a, const int64_t *ids)
{
	if (!a->json) {
		for (size_t i = 0; i < a->kernels.n; i++)
			printf("queued job %lld: %s for %s\n", (long long)ids[i], a->cve_id,
			       a->kernels.v[i]);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < a->kernels.n; i++)
		json_array_append_new(list, json_integer(ids[i]));
	cli_print_json(json_pack("{s:s, s:o}", "cve", a->cve_id, "jobs", list));
}

static int patch_queue(struct cli *cli, int argc, char **argv)
{
	struct queue_args a = {.kernels = TT_STRV_INIT};
	int code = parse_queue(argc, argv, &a);
	struct tt_store *s = NULL;
	if (code < 0 && cli_open_store(cli, &s) != EXIT_OK)
		code = EXIT_FAIL;
	if (code < 0) {
		int64_t *ids = tt_xcalloc(a.kernels.n, sizeof(*ids));
		struct tt_error err = {0};
		if (tt_store_jobs_enqueue(s, a.cve_id, a.rev, (const char *const *)a.kernels.v,
					  a.kernels.n, now_utc(), ids, &err) < 0) {
			code = fail(&err);
		} else {
			print_queued(&a, ids);
			code = EXIT_OK;
		}
		free(ids);
	}
	tt_store_close(s);
	tt_strv_free(&a.kernels);
	return code;
}

/* ---- jobs ---- */

static json_t *job_json(const struct tt_job_info *j, bool logs)
{
	char created[32], updated[32], lease[32] = "", approved[32] = "";
	tt_format_iso8601(j->created_at, created, sizeof(created));
	tt_format_iso8601(j->updated_at, updated, sizeof(updated));
	if (j->lease_expires)
		tt_format_iso8601(j->lease_expires, lease, sizeof(lease));
	if (j->approved_at)
		tt_format_iso8601(j->approved_at, approved, sizeof(approved));
	json_t *o = json_pack(
	    "{s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:i, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)j->id, "cve", j->cve_id, "rev", (json_int_t)j->rev, "author",
	    j->author, "kernel", j->kernel, "state", tt_job_state_name(j->state), "worker",
	    cli_json_str(j->worker), "attempts", j->attempts, "lease_expires",
	    cli_json_str(lease[0] ? lease : NULL), "created_at", created, "updated_at", updated,
	    "module", cli_json_str(j->module_path), "module_sha256", cli_json_str(j->module_sha256),
	    "error", cli_json_str(j->error), "approved_by", cli_json_str(j->approved_by),
	    "approved_at", cli_json_str(approved[0] ? approved : NULL));
	if (logs) {
		json_object_set_new(o, "build_log", cli_json_str(j->build_log));
		json_object_set_new(o, "test_log", cli_json_str(j->test_log));
	}
	return o;
}

static int print_job_row(void *ctx, const struct tt_job_info *j)
{
	json_t *list = ctx;
	if (list) {
		json_array_append_new(list, job_json(j, false));
		return 0;
	}
	printf("%6lld  %-16s r%-3ld %-20s %-8s %-20s %d%s%s%s%s\n", (long long)j->id, j->cve_id,
	       j->rev, j->kernel, tt_job_state_name(j->state), j->worker ? j->worker : "-",
	       j->attempts, j->approved_by ? "  approved by " : "",
	       j->approved_by ? j->approved_by : "", j->error ? "  " : "",
	       j->error ? j->error : "");
	return 0;
}

static int patch_jobs(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"state", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	bool json = false, filtered = false;
	enum tt_job_state state = TT_JOB_QUEUED;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's' && tt_job_state_parse(optarg, &state) == 0)
			filtered = true;
		else if (c == 'j')
			json = true;
		else if (c == 'h')
			return print_usage(jobs_usage);
		else
			return usage_error(jobs_usage, "patch jobs: bad option or state");
	}
	if (optind != argc)
		return usage_error(jobs_usage, "patch jobs: unexpected operand '%s'", argv[optind]);
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	json_t *list = json ? json_array() : NULL;
	if (!json)
		printf("%6s  %-16s %-4s %-20s %-8s %-20s %s\n", "job", "cve", "rev", "kernel",
		       "state", "worker", "attempts");
	struct tt_error err = {0};
	int r = tt_store_job_list(s, filtered ? &state : NULL, print_job_row, list, &err);
	tt_store_close(s);
	if (r < 0) {
		json_decref(list);
		return fail(&err);
	}
	if (json)
		cli_print_json(list);
	return EXIT_OK;
}

struct job_show {
	bool json;
	const char *log;
};

static int show_job(void *ctx, const struct tt_job_info *j)
{
	const struct job_show *how = ctx;
	if (how->log) {
		const char *text = strcmp(how->log, "build") == 0 ? j->build_log : j->test_log;
		fputs(text ? text : "", stdout);
		return 0;
	}
	if (how->json) {
		cli_print_json(job_json(j, true));
		return 0;
	}
	json_t *o = job_json(j, false);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		if (json_is_null(v))
			continue;
		if (json_is_integer(v))
			printf("%-14s %lld\n", key, (long long)json_integer_value(v));
		else
			printf("%-14s %s\n", key, json_string_value(v));
	}
	json_decref(o);
	return 0;
}

static int patch_job(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"log", required_argument, NULL, 'l'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	struct job_show how = {0};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'l' && (strcmp(optarg, "build") == 0 || strcmp(optarg, "test") == 0))
			how.log = optarg;
		else if (c == 'j')
			how.json = true;
		else if (c == 'h')
			return print_usage(jobs_usage);
		else
			return usage_error(jobs_usage, "patch job: bad option or value");
	}
	const char *id_arg = NULL;
	long id;
	int code = one_operand(argc, argv, jobs_usage, &id_arg);
	if (code >= 0)
		return code;
	if (parse_long(id_arg, &id) < 0)
		return usage_error(jobs_usage, "patch job: '%s' is not a job id", id_arg);
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct tt_error err = {0};
	int r = tt_store_job_get(s, id, show_job, &how, &err);
	tt_store_close(s);
	return r < 0 ? fail(&err) : EXIT_OK;
}

/* ---- approve ---- */

/* What the archive step needs of an approved job. */
struct approved_job {
	char *cve_id, *kernel, *module, *name;
	long rev;
};

static int keep_approved(void *ctx, const struct tt_job_info *j)
{
	struct approved_job *a = ctx;
	a->cve_id = tt_xstrdup(j->cve_id);
	a->kernel = tt_xstrdup(j->kernel);
	a->module = tt_xstrdup(j->module_path ? j->module_path : "");
	a->rev = j->rev;
	_cleanup_free_ char *base = tt_job_module_name(j->cve_id, j->rev);
	a->name = tt_xasprintf("%s/%s.ko", j->kernel, base);
	return 0;
}

static void approved_job_free(struct approved_job *a)
{
	free(a->cve_id);
	free(a->kernel);
	free(a->module);
	free(a->name);
}

/* `tuxtape archive add ...` for the approved module (argv strings owned by out). */
static void archive_argv(const struct approved_job *a, const char *self, const char *dir,
			 const char *tier, struct tt_strv *out)
{
	const char *words[] = {self,	  "archive",	     "add",   dir,
			       a->module, "--name",	     a->name, "--kernel-release",
			       a->kernel, "--patch-version", NULL,    "--cve",
			       a->cve_id};
	_cleanup_free_ char *rev = tt_xasprintf("%ld", a->rev);
	words[10] = rev;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		tt_strv_push(out, words[i]);
	if (tier) {
		tt_strv_push(out, "--tier");
		tt_strv_push(out, tier);
	}
	tt_strv_push_owned(out, NULL);
}

static int run_archive_add(const struct tt_strv *argv, struct tt_error *err)
{
	struct tt_run_result res;
	int r = tt_run((const char *const *)argv->v, NULL, 600, &res, err);
	if (r == 0 && res.status != 0)
		r = tt_error_set(err, -EIO, "the archive step failed (status %d): %s", res.status,
				 res.out ? res.out : "");
	tt_run_result_free(&res);
	return r;
}

struct approve_args {
	long id;
	const char *reviewer, *archive, *tier;
	bool json;
};

static int parse_approve(int argc, char **argv, struct approve_args *a)
{
	static const struct option opts[] = {
	    {"reviewer", required_argument, NULL, 'r'}, {"archive", required_argument, NULL, 'a'},
	    {"tier", required_argument, NULL, 't'},	{"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},		{0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			a->reviewer = optarg;
			break;
		case 'a':
			a->archive = optarg;
			break;
		case 't':
			a->tier = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			fputs(approve_usage, stdout);
			return EXIT_OK;
		default:
			fputs(approve_usage, stderr);
			return EXIT_USAGE;
		}
	}
	const char *id_arg = NULL;
	int code = one_operand(argc, argv, approve_usage, &id_arg);
	if (code >= 0)
		return code;
	if (parse_long(id_arg, &a->id) < 0)
		return usage_error(approve_usage, "patch approve: '%s' is not a job id", id_arg);
	if (!a->reviewer)
		return usage_error(approve_usage, "patch approve: --reviewer NAME is required");
	return -1;
}

static int approve_and_describe(struct tt_store *s, const struct approve_args *a,
				struct approved_job *job, struct tt_error *err)
{
	int r = tt_store_job_approve(s, a->id, a->reviewer, now_utc(), err);
	if (r == 0)
		r = tt_store_job_get(s, a->id, keep_approved, job, err);
	return r;
}

static int patch_approve(struct cli *cli, int argc, char **argv)
{
	struct approve_args a = {0};
	int code = parse_approve(argc, argv, &a);
	if (code >= 0)
		return code;
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct approved_job job = {0};
	struct tt_error err = {0};
	int r = approve_and_describe(s, &a, &job, &err);
	tt_store_close(s);
	if (r < 0) {
		approved_job_free(&job);
		return fail(&err);
	}
	_cleanup_free_ char *self = realpath("/proc/self/exe", NULL);
	struct tt_strv add = TT_STRV_INIT;
	archive_argv(&job, self ? self : "tuxtape", a.archive ? a.archive : "ARCHIVE-DIR", a.tier,
		     &add);
	_cleanup_free_ char *line = tt_run_argv_str((const char *const *)add.v);
	if (a.archive)
		r = run_archive_add(&add, &err);
	if (a.json)
		cli_print_json(json_pack("{s:I, s:s, s:s, s:s, s:b}", "job", (json_int_t)a.id,
					 "reviewer", a.reviewer, "module", job.module,
					 "archive_add", line, "archived", a.archive && r == 0));
	else
		printf("job %ld approved by %s; %s:\n  %s\n", a.id, a.reviewer,
		       a.archive ? (r == 0 ? "added to the archive" : "archive step")
				 : "add it to the archive with",
		       line);
	tt_strv_free(&add);
	approved_job_free(&job);
	return r < 0 ? fail(&err) : EXIT_OK;
}

int cmd_patch_pipeline(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} cmds[] = {
	    {"revise", patch_revise}, {"history", patch_history}, {"queue", patch_queue},
	    {"jobs", patch_jobs},     {"job", patch_job},	  {"approve", patch_approve},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[0], cmds[i].name) == 0)
			return cmds[i].fn(cli, argc, argv);
	cli_error("unknown command 'patch %s'", argv[0]);
	return EXIT_USAGE;
}
