// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape serve`: the fleet server (docs/server.md, API in docs/fleet-api.md). */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "tuxtape/server.h"
#include "tuxtape/util.h"

static const char serve_usage[] =
    "Usage: tuxtape serve (--tls-cert FILE --tls-key FILE | --insecure-http) [OPTIONS]\n"
    "\n"
    "Serve the fleet API (/api/v1/, docs/fleet-api.md) and the signed patch archive\n"
    "(/archive/) until SIGINT or SIGTERM. Hosts enroll with one-time tokens and report\n"
    "heartbeats and errors; operators release patches to rollout tiers.\n"
    "\n"
    "Options:\n"
    "  --listen ADDR           numeric address to listen on (default 127.0.0.1;\n"
    "                          0.0.0.0 or :: for every interface)\n"
    "  --port N                TCP port (default 8443, 8080 with --insecure-http;\n"
    "                          0: any free port, printed on stderr)\n"
    "  --tls-cert FILE         PEM certificate (chain) for HTTPS\n"
    "  --tls-key FILE          its PEM private key\n"
    "  --insecure-http         plain HTTP, for tests and local proxies: refused unless\n"
    "                          --listen is a loopback address\n"
    "  --archive DIR           serve DIR (what `tuxtape archive publish` writes) under\n"
    "                          /archive/\n"
    "  --archive-url URL       the archive's URL as agents should use it (default: this\n"
    "                          server's /archive/ at the --listen address)\n"
    "  --threads N             worker threads (default: one per CPU with SQLite,\n"
    "                          four per CPU with PostgreSQL, whose round trips\n"
    "                          keep a thread waiting)\n"
    "  --db-connections N      store connections (default: one per thread)\n"
    "  --heartbeat-interval S  seconds between heartbeats, told to agents (default 300)\n"
    "  --stop-threshold N      error reports that stop a release (default 3; 0: never)\n"
    "  --group-commit          commit steady-state heartbeats in groups by one writer\n"
    "                          thread instead of each in its own transaction (fewer\n"
    "                          log writes, more CPU: measured slower on 2 cores)\n"
    "  --artifacts DIR         where modules uploaded by build workers are kept\n"
    "                          (default $XDG_DATA_HOME/tuxtape/artifacts)\n"
    "  --archive-repo DIR      the archive (`tuxtape archive init DIR`) that approved\n"
    "                          modules are added to, signed with its keys; a stopped\n"
    "                          release is pulled from its metadata (default: none)\n"
    "\n"
    "The store is --db (a SQLite file, kept in WAL mode by the server, or a\n"
    "postgresql:// URL). Create the first admin token with\n"
    "`tuxtape server token create --role admin --name NAME`.\n"
    "\n"
    "Exit status: 0 after a signal, 1 when the server cannot start, 2 usage error.\n"
    "\n"
    "Example:\n"
    "  tuxtape serve --listen 0.0.0.0 --tls-cert server.pem --tls-key server.key \\\n"
    "      --archive /srv/patches\n";

enum {
	OPT_LISTEN = 256,
	OPT_PORT,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_INSECURE,
	OPT_ARCHIVE,
	OPT_ARCHIVE_URL,
	OPT_THREADS,
	OPT_CONNECTIONS,
	OPT_INTERVAL,
	OPT_THRESHOLD,
	OPT_GROUP_COMMIT,
	OPT_ARTIFACTS,
	OPT_ARCHIVE_REPO,
};

static const struct option serve_options[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"port", required_argument, NULL, OPT_PORT},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"insecure-http", no_argument, NULL, OPT_INSECURE},
    {"archive", required_argument, NULL, OPT_ARCHIVE},
    {"archive-url", required_argument, NULL, OPT_ARCHIVE_URL},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"db-connections", required_argument, NULL, OPT_CONNECTIONS},
    {"heartbeat-interval", required_argument, NULL, OPT_INTERVAL},
    {"stop-threshold", required_argument, NULL, OPT_THRESHOLD},
    {"group-commit", no_argument, NULL, OPT_GROUP_COMMIT},
    {"artifacts", required_argument, NULL, OPT_ARTIFACTS},
    {"archive-repo", required_argument, NULL, OPT_ARCHIVE_REPO},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A whole number in [min, max], or -1 after printing what is wrong. */
static long number_arg(const char *opt, const char *arg, long min, long max)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (!*arg || *end || v < min || v > max) {
		cli_error("--%s: '%s' is not a number from %ld to %ld", opt, arg, min, max);
		return -1;
	}
	return v;
}

static int parse_number_option(int c, struct tt_server_options *o, long *port)
{
	long v;
	switch (c) {
	case OPT_PORT:
		return (*port = number_arg("port", optarg, 0, 65535)) < 0 ? -1 : 0;
	case OPT_THREADS:
		v = number_arg("threads", optarg, 1, 256);
		o->threads = (unsigned)v;
		return v < 0 ? -1 : 0;
	case OPT_CONNECTIONS:
		v = number_arg("db-connections", optarg, 1, 256);
		o->connections = (unsigned)v;
		return v < 0 ? -1 : 0;
	case OPT_INTERVAL:
		v = number_arg("heartbeat-interval", optarg, 5, 86400);
		o->fleet.heartbeat_interval = (int)v;
		return v < 0 ? -1 : 0;
	case OPT_THRESHOLD:
		return (o->fleet.stop_threshold =
			    number_arg("stop-threshold", optarg, 0, 1000000)) < 0
			   ? -1
			   : 0;
	}
	return -1;
}

static int parse_serve_args(int argc, char **argv, struct tt_server_options *o, long *port)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", serve_options, NULL)) != -1) {
		switch (c) {
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_TLS_CERT:
			o->tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			o->tls_key = optarg;
			break;
		case OPT_INSECURE:
			o->insecure_http = true;
			break;
		case OPT_ARCHIVE:
			o->archive_dir = optarg;
			break;
		case OPT_ARCHIVE_URL:
			o->fleet.archive_url = optarg;
			break;
		case OPT_GROUP_COMMIT:
			o->group_commit = true;
			break;
		case OPT_ARTIFACTS:
			o->fleet.artifact_dir = optarg;
			break;
		case OPT_ARCHIVE_REPO:
			o->fleet.archive_repo = optarg;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return EXIT_OK;
		case '?':
			return EXIT_USAGE;
		default:
			if (parse_number_option(c, o, port) < 0)
				return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("serve takes no arguments ('%s'; see `tuxtape serve --help`)",
			  argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
	struct tt_server_options o = {
	    .store = cli->db,
	    .listen = "127.0.0.1",
	    .fleet = {.heartbeat_interval = 300, .stop_threshold = 3},
	};
	long port = -1;
	int code = parse_serve_args(argc, argv, &o, &port);
	if (code >= 0)
		return code;
	o.port = (unsigned short)(port >= 0 ? port : o.insecure_http ? 8080 : 8443);
	_cleanup_free_ char *data_dir = tt_data_dir();
	_cleanup_free_ char *artifacts = tt_xasprintf("%s/artifacts", data_dir);
	if (!o.fleet.artifact_dir)
		o.fleet.artifact_dir = artifacts;
	/* Signals are taken by sigwait below, not by handlers: block them in every thread. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct tt_server *server;
	struct tt_error err = {0};
	if (tt_server_start(&o, &server, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	fprintf(stderr, "tuxtape serve: listening on %s://%s:%u/ (%s)\n",
		o.insecure_http ? "http" : "https", o.listen, tt_server_port(server),
		o.archive_dir ? o.archive_dir : "no archive");
	fflush(stderr);
	int sig = 0;
	sigwait(&stop, &sig);
	if (!cli->quiet)
		fprintf(stderr, "tuxtape serve: stopping (signal %d)\n", sig);
	tt_server_stop(server);
	return EXIT_OK;
}
