// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tuxtape server ...`: the operator's commands, run directly on the store
 * (the same service functions as the API, audited as "cli:USER"). They
 * bootstrap a server (the first admin token) and work while it runs.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "tuxtape/server.h"
#include "tuxtape/util.h"

static const char server_usage[] =
    "Usage: tuxtape server COMMAND [OPTIONS]\n"
    "\n"
    "Operate the fleet server's store directly (also while `tuxtape serve` runs).\n"
    "\n"
    "Commands:\n"
    "  token create --role ROLE --name NAME   a new operator token (viewer, reviewer,\n"
    "                                         admin, worker), printed once\n"
    "  token revoke ID                        revoke an operator token\n"
    "  token list [--json]                    operator tokens (never their secrets)\n"
    "  enroll-token [--label KEY=VALUE]... [--expires-in SECONDS]\n"
    "                                         a one-time enrollment token for a host\n"
    "  hosts [--json]                         enrolled hosts: kernel, tier, last heartbeat\n"
    "  reports [--patch NAME] [--host ID] [--json]\n"
    "  tiers [--json]                         the rollout tiers, in order\n"
    "  tiers set FILE                         replace the tiers ({\"tiers\": [...]}, - for stdin)\n"
    "  release --patch NAME --target PATH --sha256 HEX --kernel-release R\n"
    "          [--build-id HEX] [--tier TIER] [--replace]\n"
    "                                         release a patch to a tier (default: the first)\n"
    "  releases [--json]                      every release with its tier, state, errors\n"
    "  promote ID                             move a release to its next tier\n"
    "  stop ID                                stop a release: hosts are told to remove it\n"
    "  audit [--limit N] [--json]             the audit log, newest first\n"
    "\n"
    "The store is --db, as for `tuxtape serve`. See docs/server.md.\n"
    "\n"
    "Exit status: 0 success, 1 failure (nothing changed), 2 usage error.\n"
    "\n"
    "Example:\n"
    "  tuxtape server token create --role admin --name alice\n"
    "  tuxtape server enroll-token --label role=web --expires-in 3600\n";

/* The options every subcommand may take; each uses the ones it needs. */
struct server_args {
	const char *role, *name, *patch, *target, *sha256, *kernel_release, *build_id, *tier;
	const char *host;
	bool json, replace;
	long expires_in, limit;
	json_t *labels;
	int first_arg; /* index of the first positional argument after the options */
};

enum {
	OPT_ROLE = 256,
	OPT_NAME,
	OPT_LABEL,
	OPT_EXPIRES,
	OPT_JSON,
	OPT_PATCH,
	OPT_TARGET,
	OPT_SHA256,
	OPT_KREL,
	OPT_BUILD_ID,
	OPT_TIER,
	OPT_REPLACE,
	OPT_HOST,
	OPT_LIMIT,
};

static const struct option server_options[] = {
    {"role", required_argument, NULL, OPT_ROLE},
    {"name", required_argument, NULL, OPT_NAME},
    {"label", required_argument, NULL, OPT_LABEL},
    {"expires-in", required_argument, NULL, OPT_EXPIRES},
    {"json", no_argument, NULL, OPT_JSON},
    {"patch", required_argument, NULL, OPT_PATCH},
    {"target", required_argument, NULL, OPT_TARGET},
    {"sha256", required_argument, NULL, OPT_SHA256},
    {"kernel-release", required_argument, NULL, OPT_KREL},
    {"build-id", required_argument, NULL, OPT_BUILD_ID},
    {"tier", required_argument, NULL, OPT_TIER},
    {"replace", no_argument, NULL, OPT_REPLACE},
    {"host", required_argument, NULL, OPT_HOST},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int add_label(struct server_args *a, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv) {
		cli_error("--label wants KEY=VALUE, not '%s'", kv);
		return -1;
	}
	_cleanup_free_ char *key = tt_xstrndup(kv, (size_t)(eq - kv));
	json_object_set_new(a->labels, key, json_string(eq + 1));
	return 0;
}

static int take_option(struct server_args *a, int c)
{
	const char **strings[] = {
	    [OPT_ROLE - OPT_ROLE] = &a->role,	      [OPT_NAME - OPT_ROLE] = &a->name,
	    [OPT_PATCH - OPT_ROLE] = &a->patch,	      [OPT_TARGET - OPT_ROLE] = &a->target,
	    [OPT_SHA256 - OPT_ROLE] = &a->sha256,     [OPT_KREL - OPT_ROLE] = &a->kernel_release,
	    [OPT_BUILD_ID - OPT_ROLE] = &a->build_id, [OPT_TIER - OPT_ROLE] = &a->tier,
	    [OPT_HOST - OPT_ROLE] = &a->host,
	};
	if (c >= OPT_ROLE && c - OPT_ROLE < (int)(sizeof(strings) / sizeof(strings[0])) &&
	    strings[c - OPT_ROLE]) {
		*strings[c - OPT_ROLE] = optarg;
		return 0;
	}
	switch (c) {
	case OPT_LABEL:
		return add_label(a, optarg);
	case OPT_EXPIRES:
		a->expires_in = atol(optarg);
		return 0;
	case OPT_LIMIT:
		a->limit = atol(optarg);
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case OPT_REPLACE:
		a->replace = true;
		return 0;
	}
	return -1;
}

static int parse_server_args(int argc, char **argv, struct server_args *a)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", server_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(server_usage, stdout);
			return EXIT_OK;
		}
		if (c == '?' || take_option(a, c) < 0)
			return EXIT_USAGE;
	}
	a->first_arg = optind;
	return -1;
}

/* Who the audit log names for a command run here: "cli:USER". */
static char *cli_actor(void)
{
	const struct passwd *pw = getpwuid(getuid());
	return tt_xasprintf("cli:%s", pw ? pw->pw_name : "unknown");
}

static int fail(const struct tt_error *err)
{
	cli_error("%s", err->msg);
	return EXIT_FAIL;
}

static int open_fleet(struct cli *cli, struct tt_fleet_db **db)
{
	struct tt_error err = {0};
	if (tt_fleet_db_open(cli->db, NULL, false, db, &err) < 0)
		return fail(&err);
	return EXIT_OK;
}

static int token_create(struct tt_fleet_db *db, const struct server_args *a)
{
	struct tt_operator_token_req req = {.name = a->name};
	struct tt_error err = {0};
	if (!a->name || !a->role || tt_role_parse(a->role, &req.role) < 0) {
		cli_error("token create needs --name NAME and --role viewer|reviewer|admin");
		return EXIT_USAGE;
	}
	json_t *body = json_pack("{s:s, s:s}", "name", a->name, "role", a->role);
	int r = tt_operator_token_req_parse(body, &req, &err);
	_cleanup_free_ char *actor = cli_actor(), *token = NULL, *id = NULL;
	if (r == 0)
		r = tt_fleet_create_operator(db, actor, &req, &token, &id, &err);
	json_decref(body);
	if (r < 0)
		return fail(&err);
	if (a->json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "token", token, "id", id, "name",
					 a->name, "role", a->role));
	else
		printf("%s\n", token);
	return EXIT_OK;
}

static int token_revoke(struct tt_fleet_db *db, const char *id)
{
	struct tt_error err = {0};
	_cleanup_free_ char *actor = cli_actor();
	if (tt_fleet_revoke_operator(db, actor, id, &err) < 0)
		return fail(&err);
	return EXIT_OK;
}

static void print_operators(const json_t *list)
{
	printf("%-18s %-20s %-9s %s\n", "ID", "NAME", "ROLE", "STATE");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *t = json_array_get(list, i);
		printf("%-18s %-20s %-9s %s\n", json_string_value(json_object_get(t, "id")),
		       json_string_value(json_object_get(t, "name")),
		       json_string_value(json_object_get(t, "role")),
		       json_is_null(json_object_get(t, "revoked_at")) ? "active" : "revoked");
	}
}

static int cmd_token(struct tt_fleet_db *db, const struct server_args *a, int argc, char **argv)
{
	const char *verb = a->first_arg + 1 < argc ? argv[a->first_arg + 1] : "";
	if (strcmp(verb, "create") == 0)
		return token_create(db, a);
	if (strcmp(verb, "revoke") == 0 && a->first_arg + 2 < argc)
		return token_revoke(db, argv[a->first_arg + 2]);
	if (strcmp(verb, "list") == 0) {
		struct tt_error err = {0};
		json_t *list;
		if (tt_fleet_operators_json(db, &list, &err) < 0)
			return fail(&err);
		if (a->json)
			return cli_print_json(list), EXIT_OK;
		print_operators(list);
		json_decref(list);
		return EXIT_OK;
	}
	cli_error("server token: create, revoke ID or list (see `tuxtape server --help`)");
	return EXIT_USAGE;
}

static int enroll_token(struct tt_fleet_db *db, const struct server_args *a)
{
	json_t *body = json_pack("{s:O}", "labels", a->labels);
	if (a->expires_in)
		json_object_set_new(body, "expires_in", json_integer(a->expires_in));
	struct tt_enroll_token_req req;
	struct tt_error err = {0};
	_cleanup_free_ char *actor = cli_actor(), *token = NULL;
	int r = tt_enroll_token_req_parse(body, &req, &err);
	if (r == 0)
		r = tt_fleet_create_enroll_token(db, actor, &req, &token, &err);
	json_decref(body);
	if (r < 0)
		return fail(&err);
	if (a->json)
		cli_print_json(json_pack("{s:s}", "token", token));
	else
		printf("%s\n", token);
	return EXIT_OK;
}

static void print_hosts(const json_t *hosts)
{
	printf("%-18s %-20s %-24s %-8s %-20s %s\n", "HOST", "NAME", "KERNEL", "TIER",
	       "LAST HEARTBEAT", "PATCHES");
	for (size_t i = 0; i < json_array_size(hosts); i++) {
		const json_t *h = json_array_get(hosts, i);
		char when[32] = "never";
		json_int_t last = json_integer_value(json_object_get(h, "last_heartbeat"));
		if (last)
			tt_format_iso8601(last, when, sizeof(when));
		printf("%-18s %-20s %-24s %-8s %-20s %zu\n",
		       json_string_value(json_object_get(h, "host_id")),
		       json_string_value(json_object_get(h, "hostname")),
		       json_string_value(json_object_get(h, "kernel_release")),
		       json_string_value(json_object_get(h, "tier")), when,
		       json_array_size(json_object_get(h, "patches")));
	}
}

static void print_releases(const json_t *list)
{
	printf("%-5s %-28s %-24s %-8s %-8s %s\n", "ID", "PATCH", "KERNEL", "TIER", "STATE",
	       "ERRORS");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *r = json_array_get(list, i);
		printf("%-5lld %-28s %-24s %-8s %-8s %lld\n",
		       (long long)json_integer_value(json_object_get(r, "id")),
		       json_string_value(json_object_get(r, "patch")),
		       json_string_value(json_object_get(r, "kernel_release")),
		       json_string_value(json_object_get(r, "tier")),
		       json_string_value(json_object_get(r, "state")),
		       (long long)json_integer_value(json_object_get(r, "errors")));
	}
}

static void print_audit(const json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *e = json_array_get(list, i);
		char when[32];
		tt_format_iso8601(json_integer_value(json_object_get(e, "time")), when,
				  sizeof(when));
		_cleanup_free_ char *detail =
		    json_dumps(json_object_get(e, "detail"), JSON_COMPACT | JSON_SORT_KEYS);
		printf("%s  %-24s %-24s %-20s %s\n", when,
		       json_string_value(json_object_get(e, "actor")),
		       json_string_value(json_object_get(e, "action")),
		       json_string_value(json_object_get(e, "object")), detail ? detail : "");
	}
}

/* Print a listing: JSON as is, else the table printer; takes list. */
static int show(json_t *list, bool as_json, void (*table)(const json_t *))
{
	if (as_json || !table) {
		cli_print_json(list);
		return EXIT_OK;
	}
	table(list);
	json_decref(list);
	return EXIT_OK;
}

static int cmd_listing(struct tt_fleet_db *db, const char *what, const struct server_args *a)
{
	struct tt_error err = {0};
	json_t *list = NULL;
	int r;
	void (*table)(const json_t *) = NULL;
	if (strcmp(what, "hosts") == 0) {
		r = tt_fleet_hosts_json(db, NULL, &list, &err);
		table = print_hosts;
	} else if (strcmp(what, "releases") == 0) {
		r = tt_fleet_releases_json(db, &list, &err);
		table = print_releases;
	} else if (strcmp(what, "audit") == 0) {
		r = tt_fleet_audit_json(db, a->limit, &list, &err);
		table = print_audit;
	} else {
		r = tt_fleet_reports_json(db, a->patch, a->host, &list, &err);
	}
	if (r < 0)
		return fail(&err);
	return show(list, a->json, table);
}

static int tiers_set(struct tt_fleet_db *db, const char *file)
{
	json_error_t jerr;
	json_t *doc =
	    strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &jerr) : json_load_file(file, 0, &jerr);
	if (!doc) {
		cli_error("%s: line %d: %s", file, jerr.line, jerr.text);
		return EXIT_FAIL;
	}
	struct tt_tiers tiers;
	struct tt_error err = {0};
	const json_t *array = json_is_array(doc) ? doc : json_object_get(doc, "tiers");
	_cleanup_free_ char *actor = cli_actor();
	int r = tt_tiers_from_json(array, &tiers, &err);
	if (r == 0) {
		r = tt_fleet_put_tiers(db, actor, &tiers, &err);
		tt_tiers_free(&tiers);
	}
	json_decref(doc);
	return r < 0 ? fail(&err) : EXIT_OK;
}

static int cmd_tiers(struct tt_fleet_db *db, const struct server_args *a, int argc, char **argv)
{
	if (a->first_arg + 1 < argc && strcmp(argv[a->first_arg + 1], "set") == 0) {
		if (a->first_arg + 2 >= argc) {
			cli_error("server tiers set FILE (or - for stdin)");
			return EXIT_USAGE;
		}
		return tiers_set(db, argv[a->first_arg + 2]);
	}
	struct tt_tiers tiers;
	struct tt_error err = {0};
	if (tt_fleet_tiers_get(db, &tiers, &err) < 0)
		return fail(&err);
	json_t *list = tt_tiers_to_json(&tiers);
	tt_tiers_free(&tiers);
	if (a->json)
		return show(json_pack("{s:o}", "tiers", list), true, NULL);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *t = json_array_get(list, i);
		_cleanup_free_ char *labels =
		    json_dumps(json_object_get(t, "labels"), JSON_COMPACT);
		printf("%zu  %-12s labels %s, %lld%% of the other machine ids\n", i,
		       json_string_value(json_object_get(t, "name")), labels,
		       (long long)json_integer_value(json_object_get(t, "percent")));
	}
	json_decref(list);
	return EXIT_OK;
}

static int release_create(struct tt_fleet_db *db, const struct server_args *a)
{
	json_t *body = json_pack(
	    "{s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:b}", "patch", a->patch, "target", a->target,
	    "sha256", a->sha256, "kernel_release", a->kernel_release, "kernel_build_id",
	    a->build_id ? a->build_id : "", "tier", a->tier, "replace", a->replace);
	struct tt_release_req req;
	struct tt_error err = {0};
	_cleanup_free_ char *actor = cli_actor();
	int64_t id = 0;
	int r = tt_release_req_parse(body, &req, &err);
	if (r == 0)
		r = tt_fleet_create_release(db, actor, &req, &id, &err);
	json_decref(body);
	if (r < 0)
		return fail(&err);
	printf("%lld\n", (long long)id);
	return EXIT_OK;
}

static int release_action(struct tt_fleet_db *db, const char *verb, int argc, char **argv, int at)
{
	char *end = NULL;
	long long id = at < argc ? strtoll(argv[at], &end, 10) : 0;
	if (id <= 0 || *end) {
		cli_error("server %s ID: the release's number (see `tuxtape server releases`)",
			  verb);
		return EXIT_USAGE;
	}
	struct tt_error err = {0};
	_cleanup_free_ char *actor = cli_actor();
	json_t *out = NULL;
	int r = strcmp(verb, "promote") == 0 ? tt_fleet_promote_release(db, actor, id, &out, &err)
					     : tt_fleet_stop_release(db, actor, id, &err);
	if (r < 0)
		return fail(&err);
	if (out)
		printf("release %lld is now in tier %s\n", id,
		       json_string_value(json_object_get(out, "tier")));
	json_decref(out);
	return EXIT_OK;
}

static int dispatch(struct tt_fleet_db *db, const char *verb, const struct server_args *a, int argc,
		    char **argv)
{
	if (strcmp(verb, "token") == 0)
		return cmd_token(db, a, argc, argv);
	if (strcmp(verb, "enroll-token") == 0)
		return enroll_token(db, a);
	if (strcmp(verb, "tiers") == 0)
		return cmd_tiers(db, a, argc, argv);
	if (strcmp(verb, "release") == 0)
		return release_create(db, a);
	if (strcmp(verb, "promote") == 0 || strcmp(verb, "stop") == 0)
		return release_action(db, verb, argc, argv, a->first_arg + 1);
	return cmd_listing(db, verb, a);
}

static bool known_verb(const char *verb)
{
	static const char *const verbs[] = {"token", "enroll-token", "hosts",	 "reports",
					    "tiers", "release",	     "releases", "promote",
					    "stop",  "audit",	     NULL};
	for (int i = 0; verbs[i]; i++)
		if (strcmp(verb, verbs[i]) == 0)
			return true;
	return false;
}

int cmd_server(struct cli *cli, int argc, char **argv)
{
	struct server_args a = {.labels = json_object()};
	int code = parse_server_args(argc, argv, &a);
	const char *verb = code < 0 && a.first_arg < argc ? argv[a.first_arg] : NULL;
	if (code < 0 && (!verb || !known_verb(verb))) {
		cli_error("server: unknown or missing command%s%s (see `tuxtape server --help`)",
			  verb ? " " : "", verb ? verb : "");
		code = EXIT_USAGE;
	}
	struct tt_fleet_db *db = NULL;
	if (code < 0)
		code = open_fleet(cli, &db);
	if (code == EXIT_OK && db)
		code = dispatch(db, verb, &a, argc, argv);
	tt_fleet_db_close(db);
	json_decref(a.labels);
	return code;
}
