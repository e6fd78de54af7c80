// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape worker`: claim build-and-test jobs from the queue and run them. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

static const char worker_usage[] =
    "Usage: tuxtape worker [--db LOCATION | --server URL [--token TOKEN]]\n"
    "                      [--workdir DIR] [--name NAME] [--once]\n"
    "                      [--max-jobs N] [--until-empty] [--poll SECONDS]\n"
    "                      [--lease SECONDS] [--max-attempts N]\n"
    "                      [--build-cmd TEMPLATE] [--test-cmd TEMPLATE]\n"
    "                      [--build-timeout SECONDS] [--test-timeout SECONDS] [--json]\n"
    "\n"
    "Claims build-and-test jobs (`tuxtape patch queue`) from the store's queue and\n"
    "runs each: writes the revision's patch to WORKDIR/job-ID-CLAIM/, builds the\n"
    "livepatch module with `tuxtape patch build`, boot-tests it with `tuxtape patch\n"
    "test`, and records the outcome, both logs, the module's path and SHA-256.\n"
    "\n"
    "Several workers, on one machine or many, can share one queue: a claim is one\n"
    "transaction (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite: BEGIN\n"
    "IMMEDIATE, for workers on one machine), so no job is given to two workers. A\n"
    "claim is a lease: a worker that stops or hangs loses its job when the lease\n"
    "runs out, and the job is queued again (failed after --max-attempts claims);\n"
    "a late report from the old claim is refused. The lease is renewed when the\n"
    "build ends, so it must cover the longer of the build and the boot test.\n"
    "\n"
    "Queue:\n"
    "  --db LOCATION       the store holding the queue: a SQLite file or a\n"
    "                      postgresql:// URL (a global option; default: the local store)\n"
    "  --server URL        take jobs from `tuxtape serve` at URL instead\n"
    "                      (https://host:8443); built modules are uploaded to it\n"
    "  --token TOKEN       an operator token of role worker, for --server (default:\n"
    "                      $TUXTAPE_TOKEN; an option shows in the process list)\n"
    "  --name NAME         this worker's name in the queue (default HOST-PID)\n"
    "  --once              run at most one job, then exit\n"
    "  --max-jobs N        exit after N jobs\n"
    "  --until-empty       exit when no job is queued (default: wait for more)\n"
    "  --poll SECONDS      how often an idle worker looks for jobs (default 5)\n"
    "  --lease SECONDS     how long a claim holds without news (default 10800)\n"
    "  --max-attempts N    claims before a job whose lease keeps running out fails\n"
    "                      (default 3); with --server, the server's own rules apply\n"
    "\n"
    "Running:\n"
    "  --workdir DIR       where job directories go (default\n"
    "                      $XDG_CACHE_HOME/tuxtape/worker); modules stay there\n"
    "  --build-cmd T       the build command (default:\n"
    "                      \"TUXTAPE patch build --debian {kernel} --name {name}\n"
    "                      -o {module} {patch}\")\n"
    "  --test-cmd T        the test command (default:\n"
    "                      \"TUXTAPE patch test --kernel {kernel} {module}\")\n"
    "  --build-timeout S   stop a build after S seconds (default 3600)\n"
    "  --test-timeout S    stop a boot test after S seconds (default 900)\n"
    "  --json              print the totals as JSON at the end\n"
    "\n"
    "A template is split at spaces into words, run without a shell in the job's\n"
    "directory; in each word {patch}, {module}, {name}, {kernel}, {job}, {cve},\n"
    "{rev} and {dir} are replaced by the job's values, TUXTAPE by this program. A\n"
    "build succeeds when its command exits 0 and {module} exists; a test, when\n"
    "its command exits 0. The environment variables TUXTAPE_WORKER_BUILD_CMD and\n"
    "TUXTAPE_WORKER_TEST_CMD set the templates when the options are not given.\n"
    "\n"
    "Progress goes to stderr, one line per step (-q: none). SIGINT or SIGTERM\n"
    "lets the current job finish, then exits.\n"
    "\n"
    "Exit status: 0 the worker stopped as asked (job failures are results, not\n"
    "errors; see `tuxtape patch jobs`); 1 the queue could not be read or written;\n"
    "2 usage error.\n";

/* Set by the signal handler: the worker finishes its job and exits. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct worker_args {
	struct tt_worker_config cfg;
	struct tt_queue_policy policy;
	const char *build_tmpl, *test_tmpl;
	const char *server, *token; /* --server: the queue is the server's */
	bool json;
};

static int parse_number(const char *s, double min, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || v < min)
		return -1;
	*out = v;
	return 0;
}

/* One option's value into a; -1 on a bad value. */
static int take_option(int c, const char *arg, struct worker_args *a)
{
	double v = 0;
	switch (c) {
	case 'w':
		a->cfg.workdir = arg;
		return 0;
	case 'n':
		a->cfg.name = arg;
		return 0;
	case 'o':
		a->cfg.max_jobs = 1;
		a->cfg.until_empty = true;
		return 0;
	case 'e':
		a->cfg.until_empty = true;
		return 0;
	case 'B':
		a->build_tmpl = arg;
		return 0;
	case 'T':
		a->test_tmpl = arg;
		return 0;
	case 'j':
		a->json = true;
		return 0;
	case 'S':
		a->server = arg;
		return 0;
	case 'K':
		a->token = arg;
		return 0;
	}
	if (parse_number(arg, c == 'p' ? 0.1 : 1, &v) < 0)
		return -1;
	switch (c) {
	case 'm':
		a->cfg.max_jobs = (long)v;
		break;
	case 'p':
		a->cfg.poll_seconds = v;
		break;
	case 'l':
		a->policy.lease_seconds = (int64_t)v;
		break;
	case 'a':
		a->policy.max_attempts = (int)v;
		break;
	case 'b':
		a->cfg.build_timeout = v;
		break;
	case 't':
		a->cfg.test_timeout = v;
		break;
	default:
		return -1;
	}
	return 0;
}

static int parse_worker_args(int argc, char **argv, struct worker_args *a)
{
	static const struct option opts[] = {
	    {"workdir", required_argument, NULL, 'w'},
	    {"name", required_argument, NULL, 'n'},
	    {"once", no_argument, NULL, 'o'},
	    {"max-jobs", required_argument, NULL, 'm'},
	    {"until-empty", no_argument, NULL, 'e'},
	    {"poll", required_argument, NULL, 'p'},
	    {"lease", required_argument, NULL, 'l'},
	    {"max-attempts", required_argument, NULL, 'a'},
	    {"build-cmd", required_argument, NULL, 'B'},
	    {"test-cmd", required_argument, NULL, 'T'},
	    {"build-timeout", required_argument, NULL, 'b'},
	    {"test-timeout", required_argument, NULL, 't'},
	    {"server", required_argument, NULL, 'S'},
	    {"token", required_argument, NULL, 'K'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(worker_usage, stdout);
			return EXIT_OK;
		}
		if (c == '?' || take_option(c, optarg, a) < 0) {
			cli_error("worker: bad option or value (see `tuxtape worker --help`)");
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("worker: unexpected operand '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

/* The template's words, TUXTAPE replaced by self; NULL-terminated, in out. */
static void split_template(const char *tmpl, const char *self, struct tt_strv *out)
{
	_cleanup_free_ char *copy = tt_xstrdup(tmpl);
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		tt_strv_push(out, strcmp(w, "TUXTAPE") == 0 ? self : w);
	tt_strv_push_owned(out, NULL);
}

static const char *template_or(const char *given, const char *env, const char *fallback)
{
	if (given)
		return given;
	const char *e = getenv(env);
	return e && e[0] ? e : fallback;
}

static void print_event(void *ctx, const struct tt_job *job, const char *what, const char *detail)
{
	const struct cli *cli = ctx;
	if (cli->quiet)
		return;
	fprintf(stderr, "worker: job %lld (%s r%ld, %s): %s%s%s\n", (long long)job->id, job->cve_id,
		job->rev, job->kernel, what, detail ? ": " : "", detail ? detail : "");
}

static void print_totals(const struct cli *cli, const struct worker_args *a,
			 const struct tt_worker_stats *st)
{
	if (a->json)
		cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I}", "worker", a->cfg.name,
					 "claimed", (json_int_t)st->claimed, "passed",
					 (json_int_t)st->passed, "failed", (json_int_t)st->failed,
					 "lost", (json_int_t)st->lost));
	else if (!cli->quiet)
		fprintf(stderr, "worker %s: claimed %ld, passed %ld, failed %ld, lost %ld\n",
			a->cfg.name, st->claimed, st->passed, st->failed, st->lost);
}

/* The queue: the server's (--server), else the store's; *store is set for the latter. */
static struct tt_job_source *open_source(struct cli *cli, const struct worker_args *a,
					 struct tt_store **store)
{
	*store = NULL;
	if (!a->server) {
		if (cli_open_store(cli, store) != EXIT_OK)
			return NULL;
		return tt_job_source_store_new(*store, &a->policy);
	}
	struct tt_error err = {0};
	const char *token = a->token ? a->token : getenv("TUXTAPE_TOKEN");
	struct tt_job_source *src = tt_job_source_http_new(a->server, token, &err);
	if (!src)
		cli_error("worker: %s", err.msg);
	return src;
}

static void close_source(struct tt_job_source *src, struct tt_store *store)
{
	if (store) {
		free(src);
		tt_store_close(store);
	} else {
		tt_job_source_http_free(src);
	}
}

static int run_worker(struct cli *cli, struct worker_args *a, struct tt_strv *build,
		      struct tt_strv *test)
{
	struct tt_store *s;
	struct tt_job_source *src = open_source(cli, a, &s);
	if (!src)
		return EXIT_FAIL;
	a->cfg.build_cmd = (const char *const *)build->v;
	a->cfg.test_cmd = (const char *const *)test->v;
	a->cfg.stop = &stop_requested;
	a->cfg.event = print_event;
	a->cfg.event_ctx = cli;
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct tt_worker_stats st;
	struct tt_error err = {0};
	int r = tt_worker_run(src, &a->cfg, &st, &err);
	close_source(src, s);
	if (r < 0) {
		cli_error("worker %s: %s", a->cfg.name, err.msg);
		return EXIT_FAIL;
	}
	print_totals(cli, a, &st);
	return EXIT_OK;
}

int cmd_worker(struct cli *cli, int argc, char **argv)
{
	struct worker_args a = {
	    .policy = TT_QUEUE_POLICY_DEFAULT,
	    .cfg = {.build_timeout = 3600, .test_timeout = 900, .poll_seconds = 5},
	};
	int code = parse_worker_args(argc, argv, &a);
	if (code >= 0)
		return code;
	char host[HOST_NAME_MAX + 1] = "worker";
	gethostname(host, sizeof(host));
	host[HOST_NAME_MAX] = '\0';
	_cleanup_free_ char *name = tt_xasprintf("%s-%ld", host, (long)getpid());
	_cleanup_free_ char *cache = tt_cache_dir();
	_cleanup_free_ char *workdir = tt_xasprintf("%s/worker", cache);
	_cleanup_free_ char *self = realpath("/proc/self/exe", NULL);
	if (!a.cfg.name)
		a.cfg.name = name;
	if (!a.cfg.workdir)
		a.cfg.workdir = workdir;
	struct tt_strv build = TT_STRV_INIT, test = TT_STRV_INIT;
	split_template(
	    template_or(a.build_tmpl, "TUXTAPE_WORKER_BUILD_CMD",
			"TUXTAPE patch build --debian {kernel} --name {name} -o {module} "
			"{patch}"),
	    self ? self : "tuxtape", &build);
	split_template(template_or(a.test_tmpl, "TUXTAPE_WORKER_TEST_CMD",
				   "TUXTAPE patch test --kernel {kernel} {module}"),
		       self ? self : "tuxtape", &test);
	if (build.n < 2 || test.n < 2) {
		cli_error("worker: a command template is empty");
		code = EXIT_USAGE;
	} else {
		code = run_worker(cli, &a, &build, &test);
	}
	tt_strv_free(&build);
	tt_strv_free(&test);
	return code;
}
