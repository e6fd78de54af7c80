// SPDX-License-Identifier: GPL-2.0-or-later
/* tuxtape-agent: argument parsing, the daemon's loop and signals, and output. */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define DEFAULT_CONFIG "/etc/tuxtape/agent.conf"

/* Set by SIGTERM/SIGINT; the daemon checks it between polls. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	stop_requested = 1;
}

struct args {
	const char *command;
	const char *config;
	const char *token;
	bool json, verbose, once, help;
	struct tt_strv names; /* positional arguments after the command */
	struct tt_strv keys;  /* --key value pairs, applied after the file */
	struct tt_strv values;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "tuxtape-agent: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'tuxtape-agent --help'.\n");
	va_end(ap);
	return EXIT_USAGE;
}

/* One option at argv[*i]; -1 when it is not one of the flag-only options. */
static int parse_flag(struct args *a, const char *opt)
{
	if (!strcmp(opt, "--json"))
		a->json = true;
	else if (!strcmp(opt, "-v") || !strcmp(opt, "--verbose"))
		a->verbose = true;
	else if (!strcmp(opt, "--once"))
		a->once = true;
	else if (!strcmp(opt, "-h") || !strcmp(opt, "--help"))
		a->help = true;
	else
		return -1;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		if (opt[0] != '-') {
			if (!a->command)
				a->command = opt;
			else
				tt_strv_push(&a->names, opt);
			continue;
		}
		if (parse_flag(a, opt) == 0)
			continue;
		if (strncmp(opt, "--", 2) != 0)
			return usage_error("unknown option %s", opt);
		if (i + 1 >= argc)
			return usage_error("%s needs a value", opt);
		const char *value = argv[++i];
		if (!strcmp(opt, "--config"))
			a->config = value;
		else if (!strcmp(opt, "--token"))
			a->token = value;
		else {
			tt_strv_push(&a->keys, opt + 2);
			tt_strv_push(&a->values, value);
		}
	}
	return 0;
}

static int load_config(const struct args *a, struct tt_agent_config *cfg)
{
	struct tt_error err = {0};
	const char *file = a->config;
	if (!file && access(DEFAULT_CONFIG, R_OK) == 0)
		file = DEFAULT_CONFIG;
	if (file && tt_agent_config_load(cfg, file, &err) < 0) {
		fprintf(stderr, "tuxtape-agent: %s\n", err.msg);
		return 1;
	}
	for (size_t i = 0; i < a->keys.n; i++)
		if (tt_agent_config_set(cfg, a->keys.v[i], a->values.v[i], &err) < 0)
			return usage_error("%s", err.msg);
	return 0;
}

static int fail(const struct tt_error *err)
{
	fprintf(stderr, "tuxtape-agent: %s\n", err->msg);
	return 1;
}

/* A random wait in [0, jitter): hosts enrolled together do not call in together. */
static double jitter_seconds(double jitter)
{
	uint32_t r = 0;
	if (jitter <= 0 || getrandom(&r, sizeof(r), 0) != sizeof(r))
		return 0;
	return jitter * ((double)r / 4294967296.0);
}

static void sleep_interruptible(double seconds)
{
	double end = tt_now_monotonic() + seconds;
	while (!stop_requested && tt_now_monotonic() < end) {
		double left = end - tt_now_monotonic();
		struct timespec ts = {0, 0};
		ts.tv_sec = left > 1 ? 1 : 0;
		ts.tv_nsec = left > 1 ? 0 : (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* One cycle in a child process (see cmd_run); its exit status is 0 or 1. */
static int run_cycle_child(const struct tt_agent_config *cfg)
{
	struct tt_error err = {0};
	struct tt_agent ag;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = tt_agent_open(&ag, cfg, NULL, &err);
	if (rc == 0) {
		/* Marks left by a host crash, or by a worker that died mid-load. */
		if (tt_agent_recover(&ag, &err) < 0)
			fprintf(stderr, "tuxtape-agent: %s\n", err.msg);
		tt_error_clear(&err);
		rc = tt_agent_cycle(&ag, &err);
		print_log(stderr, &ag);
		tt_agent_close(&ag);
	}
	if (rc < 0)
		fprintf(stderr, "tuxtape-agent: %s\n", err.msg);
	fflush(stderr);
	return rc < 0 ? 1 : 0;
}

/*
 * The daemon forks a worker for each cycle: the idle parent never touches
 * libcurl or OpenSSL, so it stays small (the footprint target), and whatever
 * a cycle allocates or breaks ends with it. A stop request waits for the
 * running cycle: killing it mid-load would leave a loading mark behind.
 */
static int cmd_run(const struct tt_agent_config *cfg, const struct args *a)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	int status = 0;
	while (!stop_requested) {
		fflush(stderr);
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "tuxtape-agent: fork: %s\n", strerror(errno));
			status = 1;
		} else if (pid == 0) {
			_exit(run_cycle_child(cfg));
		} else {
			int ws;
			while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
				;
			status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
		}
		if (a->once)
			break;
		sleep_interruptible(tt_agent_next_interval(cfg) + jitter_seconds(cfg->jitter));
	}
	return a->once ? status : 0;
}

static int cmd_boot(struct tt_agent *ag)
{
	struct tt_error err = {0};
	int rc = tt_agent_recover(ag, &err);
	if (rc >= 0)
		rc = tt_agent_boot_load(ag, &err);
	print_log(stdout, ag);
	return rc < 0 ? fail(&err) : 0;
}

static int cmd_apply(struct tt_agent *ag, const struct args *a)
{
	struct tt_error err = {0};
	for (size_t i = 0; i < a->names.n; i++) {
		struct tt_agent_patch *p = tt_agent_ledger_find(&ag->ledger, a->names.v[i]);
		if (!p)
			return usage_error("no patch called %s (see tuxtape-agent patches)",
					   a->names.v[i]);
		p->hold = false;
	}
	int rc = tt_agent_recover(ag, &err);
	if (rc >= 0)
		rc = tt_agent_cycle(ag, &err);
	print_log(stdout, ag);
	return rc < 0 ? fail(&err) : 0;
}

static int cmd_status(struct tt_agent *ag, const struct args *a)
{
	json_t *st = tt_agent_status_json(ag);
	if (a->json) {
		json_dumpf(st, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	} else {
		print_status(stdout, st);
	}
	json_decref(st);
	return 0;
}

static int cmd_check(struct tt_agent *ag)
{
	struct tt_agent_check checks[TT_AGENT_N_CHECKS];
	tt_agent_preflight(ag->cfg, checks);
	json_t *reply = NULL;
	struct tt_error err = {0};
	if (tt_agent_heartbeat(ag, &reply, &err) < 0)
		fprintf(stderr, "tuxtape-agent: %s\n", err.msg);
	struct tt_agent_lp *lps = NULL;
	size_t n = 0;
	tt_agent_lp_list(ag->cfg, &lps, &n, NULL);
	char why[1024];
	enum tt_agent_check_result r = tt_agent_check_verdict(
	    checks, reply ? json_object_get(reply, "desired") : NULL, lps, n, why, sizeof(why));
	printf("%s\n", why);
	free(lps);
	json_decref(reply);
	return (int)r;
}

static int cmd_uname(struct tt_agent *ag)
{
	json_t *st = tt_agent_status_json(ag);
	printf("%s\n", json_string_value(json_object_get(st, "uname")));
	json_decref(st);
	return 0;
}

static int cmd_enroll(struct tt_agent *ag, const struct args *a)
{
	const char *server = ag->cfg->server;
	if (!server || !a->token)
		return usage_error("%s", "enroll needs --server URL and --token TOKEN");
	struct tt_error err = {0};
	if (tt_agent_enroll(ag, server, a->token, &err) < 0)
		return fail(&err);
	printf("enrolled with %s as host %s\n", server, ag->cred.host_id);
	return 0;
}

static int cmd_unload(struct tt_agent *ag, const struct args *a)
{
	if (a->names.n != 1)
		return usage_error("%s", "unload takes one patch NAME");
	struct tt_error err = {0};
	int rc = tt_agent_unload(ag, a->names.v[0], true, "unloaded by the operator", &err);
	print_log(stdout, ag);
	if (rc < 0)
		return fail(&err);
	printf("%s unloaded and held\n", a->names.v[0]);
	return 0;
}

static int dispatch(struct tt_agent *ag, const struct args *a)
{
	const char *c = a->command;
	if (!strcmp(c, "boot"))
		return cmd_boot(ag);
	if (!strcmp(c, "apply"))
		return cmd_apply(ag, a);
	if (!strcmp(c, "status"))
		return cmd_status(ag, a);
	if (!strcmp(c, "check"))
		return cmd_check(ag);
	if (!strcmp(c, "patches")) {
		print_patches(stdout, ag, a->verbose);
		return 0;
	}
	if (!strcmp(c, "uname"))
		return cmd_uname(ag);
	if (!strcmp(c, "enroll"))
		return cmd_enroll(ag, a);
	if (!strcmp(c, "unload"))
		return cmd_unload(ag, a);
	return usage_error("unknown command %s", c);
}

static int run_command(const struct args *a, struct tt_agent_config *cfg)
{
	struct tt_error err = {0};
	if (!strcmp(a->command, "run"))
		return cmd_run(cfg, a);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!strcmp(a->command, "blocking")) /* needs no state directory */
		return print_blocking(stdout, cfg, &err) < 0 ? fail(&err) : 0;
	struct tt_agent ag;
	if (tt_agent_open(&ag, cfg, NULL, &err) < 0) {
		fprintf(stderr, "tuxtape-agent: %s\n", err.msg);
		return !strcmp(a->command, "check") ? TT_AGENT_ERROR : 1;
	}
	int rc = dispatch(&ag, a);
	tt_agent_close(&ag);
	return rc;
}

int main(int argc, char **argv)
{
	/* Everything the agent writes (credentials, state, cached modules) is root's alone. */
	umask(077);
	struct args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc == 0 && a.help) {
		if (!agent_help(stdout, a.command))
			rc = usage_error("unknown command %s", a.command);
	} else if (rc == 0 && !a.command) {
		agent_help(stderr, NULL);
		rc = EXIT_USAGE;
	} else if (rc == 0 && !agent_command_known(a.command)) {
		rc = usage_error("unknown command %s", a.command);
	} else if (rc == 0) {
		struct tt_agent_config cfg;
		tt_agent_config_init(&cfg);
		rc = load_config(&a, &cfg);
		if (rc == 0)
			rc = run_command(&a, &cfg);
		curl_global_cleanup();
		tt_agent_config_free(&cfg);
	}
	tt_strv_free(&a.names);
	tt_strv_free(&a.keys);
	tt_strv_free(&a.values);
	return rc;
}
