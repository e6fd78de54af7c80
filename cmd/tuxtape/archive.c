// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tuxtape archive init|add|remove|publish|timestamp|rotate|verify`: the signed
 * patch archive (docs/archive.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive_cmd.h"
#include "tuxtape/archive.h"
#include "tuxtape/util.h"

static const char archive_usage[] =
    "Usage: tuxtape archive init DIR [--key-type TYPE] [--no-consistent-snapshot]\n"
    "                   [--root-keys N --root-threshold T]\n"
    "                   [--targets-keys N --targets-threshold T] [--offline-keys KEYDIR]\n"
    "       tuxtape archive add DIR FILE [--name NAME] [--kernel-release R]\n"
    "                   [--build-id ID] [--patch-version N] [--cve CVE-ID]...\n"
    "                   [--atomic-replace] [--tier TIER] [--offline-keys KEYDIR]\n"
    "       tuxtape archive remove DIR NAME [--offline-keys KEYDIR]\n"
    "       tuxtape archive publish DIR [--offline-keys KEYDIR]\n"
    "       tuxtape archive timestamp DIR [--offline-keys KEYDIR]\n"
    "       tuxtape archive rotate DIR ROLE [--offline-keys KEYDIR]\n"
    "       tuxtape archive verify DIR [--json]\n"
    "\n"
    "The signed patch archive: livepatch modules and metadata after The Update\n"
    "Framework, served as static files from DIR/metadata and DIR/targets.\n"
    "\n"
    "Commands:\n"
    "  init       create DIR with one new key per role (0600) in DIR/keys (root\n"
    "             and targets in KEYDIR with --offline-keys) and publish version 1\n"
    "  add        add FILE as the target NAME (default: its base name) with the\n"
    "             given custom fields, and publish new targets, snapshot and\n"
    "             timestamp versions\n"
    "  remove     take target NAME out of the targets metadata and publish (its\n"
    "             file stays: clients on an older snapshot may still fetch it)\n"
    "  publish    re-sign targets, snapshot and timestamp with fresh expiry dates\n"
    "  timestamp  re-sign the timestamp only (run it daily: it expires in a day)\n"
    "  rotate     replace ROLE's keys (root, targets, snapshot or timestamp) with\n"
    "             new ones and publish a new root version signed by root's keys;\n"
    "             rotating root signs the new root with the old and the new keys,\n"
    "             so clients can walk the chain; prints the new key id\n"
    "  verify     check the published archive as a client would, from\n"
    "             1.root.json through every root version, and every target's\n"
    "             length and hashes\n"
    "\n"
    "Keys: the private keys are DIR/keys/ROLE.pem (ROLE-2.pem, ... for more keys),\n"
    "except that with --offline-keys KEYDIR, the root and targets keys are looked\n"
    "for (and created by init and rotate) in KEYDIR: removable media. Each\n"
    "command needs only the keys of the roles it signs: timestamp needs\n"
    "timestamp.pem; add, remove and publish need targets, snapshot and timestamp;\n"
    "rotate needs root too. A missing key is an error that names it, before\n"
    "anything is written.\n"
    "\n"
    "Options:\n"
    "  --offline-keys KEYDIR\n"
    "                      where root.pem and targets.pem are kept\n"
    "  --key-type TYPE     ed25519 (default), ecdsa (P-256) or rsa (PSS, 3072 bits)\n"
    "  --root-keys N, --root-threshold T\n"
    "                      init: N root keys (at most 8: root.pem, root-2.pem, ...),\n"
    "                      T of them needed to sign a root (default 1 and 1); keep\n"
    "                      them apart, e.g. one medium per keyholder, and give the\n"
    "                      directory holding at least T with --offline-keys\n"
    "  --targets-keys N, --targets-threshold T\n"
    "                      init: the same for the targets role\n"
    "  --no-consistent-snapshot\n"
    "                      plain file names (targets.json, NAME): only for servers\n"
    "                      that cannot keep old versions\n"
    "  --name NAME         the target path, e.g. 6.1.0-18-amd64/fix.ko\n"
    "  --kernel-release R  custom field: the uname -r the module applies to\n"
    "  --build-id ID       custom field: the kernel's GNU build id\n"
    "  --patch-version N   custom field: this patch's version for that kernel\n"
    "  --cve CVE-ID        custom field: a CVE the module fixes (repeatable)\n"
    "  --atomic-replace    custom field: the module replaces earlier livepatches\n"
    "  --tier TIER         custom field: the rollout tier (canary, early, all)\n"
    "  --json              verify: one JSON object on stdout\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  failure (verify: the archive does not verify); the reason is on stderr\n"
    "  2  usage error\n"
    "\n"
    "Example:\n"
    "  tuxtape archive init /srv/patches\n"
    "  tuxtape archive add /srv/patches fix.ko --name 6.1.0-18-amd64/fix.ko \\\n"
    "      --kernel-release 6.1.0-18-amd64 --patch-version 1 --cve CVE-2024-26581\n"
    "  tuxtape archive rotate /srv/patches timestamp --offline-keys /media/keys\n";

static int usage_error(const char *msg)
{
	cli_error("%s (see `tuxtape archive --help`)", msg);
	return EXIT_USAGE;
}

static int fail(const struct tt_error *err)
{
	cli_error("%s", err->msg);
	return EXIT_FAIL;
}

static int parse_keytype(const char *s, enum tt_tuf_keytype *t)
{
	if (!strcmp(s, "ed25519"))
		*t = TT_TUF_KEY_ED25519;
	else if (!strcmp(s, "ecdsa"))
		*t = TT_TUF_KEY_ECDSA_P256;
	else if (!strcmp(s, "rsa"))
		*t = TT_TUF_KEY_RSA_PSS;
	else
		return -1;
	return 0;
}

static int run_init(int argc, char **argv)
{
	static const struct option opts[] = {{"key-type", required_argument, NULL, 'k'},
					     {"no-consistent-snapshot", no_argument, NULL, 'n'},
					     {"offline-keys", required_argument, NULL, 'K'},
					     {"root-keys", required_argument, NULL, 'R'},
					     {"root-threshold", required_argument, NULL, 'r'},
					     {"targets-keys", required_argument, NULL, 'G'},
					     {"targets-threshold", required_argument, NULL, 'g'},
					     {NULL, 0, NULL, 0}};
	struct tt_tuf_repo_opts o = {.keytype = TT_TUF_KEY_ED25519};
	unsigned *counts[128] = {['R'] = &o.root_keys,
				 ['r'] = &o.root_threshold,
				 ['G'] = &o.targets_keys,
				 ['g'] = &o.targets_threshold};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k' && parse_keytype(optarg, &o.keytype))
			return usage_error("--key-type is ed25519, ecdsa or rsa");
		if (c > 0 && c < 128 && counts[c]) {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 8)
				return usage_error("key counts and thresholds are 1 to 8");
			*counts[c] = (unsigned)v;
		}
		if (c == 'n')
			o.no_consistent_snapshot = true;
		if (c == 'K')
			o.offline_keys_dir = optarg;
		if (c == '?')
			return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return usage_error("init needs DIR");
	/* Never over an archive, nor over a root key an earlier init left (its keys would go). */
	char *root = tt_xasprintf("%s/metadata/1.root.json", argv[optind]);
	char *root_key = o.offline_keys_dir ? tt_xasprintf("%s/root.pem", o.offline_keys_dir)
					    : tt_xasprintf("%s/keys/root.pem", argv[optind]);
	bool exists = tt_path_exists(root) || tt_path_exists(root_key);
	free(root);
	free(root_key);
	if (exists) {
		cli_error("%s already holds an archive (or %s a root key): nothing was changed",
			  argv[optind], o.offline_keys_dir ? o.offline_keys_dir : "DIR/keys");
		return EXIT_FAIL;
	}
	struct tt_error err = {0};
	struct tt_tuf_repo *r = NULL;
	int rc = tt_tuf_repo_create(argv[optind], &o, &r, &err);
	if (!rc)
		rc = tt_tuf_repo_publish(r, &err);
	tt_tuf_repo_free(r);
	return rc ? fail(&err) : EXIT_OK;
}

struct add_args {
	const char *name, *keys;
	json_t *custom;
};

static int add_option(int c, struct add_args *a)
{
	char *end;
	long long v;
	switch (c) {
	case 'n':
		a->name = optarg;
		return 0;
	case 'r':
		json_object_set_new(a->custom, "kernel_release", json_string(optarg));
		return 0;
	case 'b':
		json_object_set_new(a->custom, "build_id", json_string(optarg));
		return 0;
	case 't':
		json_object_set_new(a->custom, "rollout_tier", json_string(optarg));
		return 0;
	case 'a':
		json_object_set_new(a->custom, "atomic_replace", json_true());
		return 0;
	case 'c':
		if (!json_object_get(a->custom, "cves"))
			json_object_set_new(a->custom, "cves", json_array());
		json_array_append_new(json_object_get(a->custom, "cves"), json_string(optarg));
		return 0;
	case 'K':
		a->keys = optarg;
		return 0;
	case 'p':
		v = strtoll(optarg, &end, 10);
		if (*end || v < 0)
			return usage_error("--patch-version takes a number");
		json_object_set_new(a->custom, "patch_version", json_integer(v));
		return 0;
	default:
		return EXIT_USAGE;
	}
}

static int run_add(int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
					     {"kernel-release", required_argument, NULL, 'r'},
					     {"build-id", required_argument, NULL, 'b'},
					     {"patch-version", required_argument, NULL, 'p'},
					     {"cve", required_argument, NULL, 'c'},
					     {"atomic-replace", no_argument, NULL, 'a'},
					     {"tier", required_argument, NULL, 't'},
					     {"offline-keys", required_argument, NULL, 'K'},
					     {NULL, 0, NULL, 0}};
	struct add_args a = {.custom = json_object()};
	int c, code = -1;
	while (code < 0 && (c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (add_option(c, &a))
			code = EXIT_USAGE;
	if (code < 0 && optind + 2 != argc)
		code = usage_error("add needs DIR and FILE");
	if (code >= 0) {
		json_decref(a.custom);
		return code;
	}
	const char *file = argv[optind + 1];
	const char *base = strrchr(file, '/');
	const char *name = a.name ? a.name : base ? base + 1 : file;
	struct tt_error err = {0};
	struct tt_tuf_repo *r = NULL;
	char *data = NULL;
	size_t len = 0;
	int rc = tt_read_file(file, &data, &len, &err);
	if (!rc)
		rc = tt_tuf_repo_open(argv[optind], a.keys, 0, &r, &err);
	if (!rc)
		rc = tt_tuf_repo_add_target(r, name, data, len,
					    json_object_size(a.custom) ? a.custom : NULL, &err);
	if (!rc)
		rc = tt_tuf_repo_publish(r, &err);
	tt_tuf_repo_free(r);
	free(data);
	json_decref(a.custom);
	return rc ? fail(&err) : EXIT_OK;
}

/*
 * The commands that take DIR, `nargs` more operands and --offline-keys; *keys is
 * set, operands start at argv[optind]. Returns -1 to go on, else an exit code.
 */
static int parse_operands(int argc, char **argv, int nargs, const char *what, const char **keys)
{
	static const struct option opts[] = {{"offline-keys", required_argument, NULL, 'K'},
					     {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'K')
			return EXIT_USAGE;
		*keys = optarg;
	}
	if (optind + 1 + nargs != argc)
		return usage_error(what);
	return -1;
}

/* A change to an opened archive before it is published; operands follow DIR. */
typedef int (*repo_change)(struct tt_tuf_repo *r, char **operands, struct tt_error *err);

/* Re-signing targets with a fresh expiry means touching it: a new version. */
static int touch_targets(struct tt_tuf_repo *r, char **operands, struct tt_error *err)
{
	(void)operands;
	return tt_tuf_repo_touch(r, "targets", err);
}

static int remove_target(struct tt_tuf_repo *r, char **operands, struct tt_error *err)
{
	return tt_tuf_repo_remove_target(r, operands[0], err);
}

/*
 * DIR, nargs operands and --offline-keys: open the archive, apply change,
 * then publish (or, without a change, re-sign the timestamp alone).
 */
static int change_repo(int argc, char **argv, int nargs, const char *usage, repo_change change)
{
	const char *keys = NULL;
	int code = parse_operands(argc, argv, nargs, usage, &keys);
	if (code >= 0)
		return code;
	struct tt_error err = {0};
	struct tt_tuf_repo *r = NULL;
	int rc = tt_tuf_repo_open(argv[optind], keys, 0, &r, &err);
	if (!rc && change)
		rc = change(r, argv + optind + 1, &err);
	if (!rc)
		rc = change ? tt_tuf_repo_publish(r, &err) : tt_tuf_repo_timestamp(r, &err);
	tt_tuf_repo_free(r);
	return rc ? fail(&err) : EXIT_OK;
}

static int run_rotate(int argc, char **argv)
{
	const char *keys = NULL;
	int code = parse_operands(argc, argv, 1, "rotate needs DIR and ROLE", &keys);
	if (code >= 0)
		return code;
	const char *role = argv[optind + 1];
	if (strcmp(role, "root") && strcmp(role, "targets") && strcmp(role, "snapshot") &&
	    strcmp(role, "timestamp"))
		return usage_error("ROLE is root, targets, snapshot or timestamp");
	struct tt_error err = {0};
	struct tt_tuf_repo *r = NULL;
	int rc = tt_tuf_repo_open(argv[optind], keys, 0, &r, &err);
	if (!rc)
		rc = tt_tuf_repo_rotate_key(r, role, &err);
	/* The role signs with its new key at once, so clients never see it stale. */
	if (!rc && strcmp(role, "root") != 0)
		rc = tt_tuf_repo_touch(r, role, &err);
	if (!rc)
		rc = tt_tuf_repo_publish(r, &err);
	if (!rc)
		printf("%s: new %s key %s, root version %lld\n", argv[optind], role,
		       tt_tuf_key_id(tt_tuf_repo_key(r, role)),
		       (long long)json_integer_value(
			   json_object_get(tt_tuf_repo_signed(r, "root"), "version")));
	tt_tuf_repo_free(r);
	return rc ? fail(&err) : EXIT_OK;
}

static void rm_rf(const char *dir)
{
	const char *argv[] = {"rm", "-rf", dir, NULL};
	struct tt_run_result res;
	if (tt_run(argv, NULL, 60, &res, NULL) == 0)
		tt_run_result_free(&res);
}

/* Download every top-level target through a fresh client into tmp. */
static int verify_targets(struct tt_tuf_client *c, const char *dir, const char *tmp, json_t *names,
			  struct tt_error *err)
{
	char *path = tt_xasprintf("%s/metadata/targets.json", dir);
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	free(path);
	const char *name;
	json_t *ti;
	char *turl = tt_xasprintf("file://%s/targets", dir);
	char *tdir = tt_xasprintf("%s/targets", tmp);
	int rc = 0;
	json_object_foreach(json_object_get(json_object_get(doc, "signed"), "targets"), name, ti)
	{
		rc = tt_tuf_client_download(c, name, turl, tdir, NULL, err);
		if (rc)
			break;
		json_array_append_new(names, json_string(name));
	}
	free(turl);
	free(tdir);
	json_decref(doc);
	return rc;
}

static int verify_in(const char *dir, const char *tmp, json_t *out, struct tt_error *err)
{
	char *abs = realpath(dir, NULL);
	if (!abs)
		return tt_error_set(err, -ENOENT, "%s: no such archive", dir);
	char *root = tt_xasprintf("%s/metadata/1.root.json", abs);
	char *mdir = tt_xasprintf("%s/metadata", tmp);
	char *murl = tt_xasprintf("file://%s/metadata", abs);
	struct tt_tuf_client_opts o = {.metadata_dir = mdir, .metadata_url = murl};
	struct tt_tuf_client *c = NULL;
	json_t *names = json_array();
	int rc = tt_tuf_client_init_root(mdir, root, err);
	if (!rc)
		rc = tt_tuf_client_new(&o, &c, err);
	if (!rc)
		rc = tt_tuf_client_refresh(c, err);
	if (!rc)
		rc = verify_targets(c, abs, tmp, names, err);
	json_object_set_new(out, "targets", names);
	tt_tuf_client_free(c);
	free(abs);
	free(root);
	free(mdir);
	free(murl);
	return rc;
}

static int run_verify(int argc, char **argv)
{
	bool json = false;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' || dir)
			return usage_error("verify takes DIR and --json");
		else
			dir = argv[i];
	}
	if (!dir)
		return usage_error("verify needs DIR");
	char tmp[] = "/tmp/tuxtape-verify-XXXXXX";
	if (!mkdtemp(tmp)) {
		cli_error("cannot create a temporary directory");
		return EXIT_FAIL;
	}
	struct tt_error err = {0};
	json_t *out = json_object();
	int rc = verify_in(dir, tmp, out, &err);
	rm_rf(tmp);
	json_object_set_new(out, "ok", json_boolean(rc == 0));
	json_object_set_new(out, "error", rc ? json_string(err.msg) : json_null());
	if (json)
		cli_print_json(json_incref(out));
	else if (!rc)
		printf("%s: verified, %zu target(s)\n", dir,
		       json_array_size(json_object_get(out, "targets")));
	json_decref(out);
	return rc ? fail(&err) : EXIT_OK;
}

int cmd_archive(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(archive_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	const char *sub = argv[1];
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(archive_usage, stdout);
			return EXIT_OK;
		}
	optind = 1;
	if (!strcmp(sub, "init"))
		return run_init(argc - 1, argv + 1);
	if (!strcmp(sub, "add"))
		return run_add(argc - 1, argv + 1);
	if (!strcmp(sub, "publish"))
		return change_repo(argc - 1, argv + 1, 0, "publish needs DIR", touch_targets);
	if (!strcmp(sub, "timestamp"))
		return change_repo(argc - 1, argv + 1, 0, "timestamp needs DIR", NULL);
	if (!strcmp(sub, "remove"))
		return change_repo(argc - 1, argv + 1, 1, "remove needs DIR and NAME",
				   remove_target);
	if (!strcmp(sub, "rotate"))
		return run_rotate(argc - 1, argv + 1);
	if (!strcmp(sub, "verify"))
		return run_verify(argc - 1, argv + 1);
	return usage_error("unknown archive command");
}
