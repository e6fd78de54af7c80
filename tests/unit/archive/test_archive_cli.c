// SPDX-License-Identifier: GPL-2.0-or-later
/* tuxtape-tuf-client: the conformance suite's command line, exit codes and messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tuxtape/archive.h"

static char dir[64];
static char *exe, *tuxtape, *mdir, *murl, *turl, *tdir;

static int run(struct tt_run_result *res, const char *const *args)
{
	const char *argv[32] = {exe};
	size_t n = 1;
	for (; args[n - 1]; n++) {
		assert_true(n < 31);
		argv[n] = args[n - 1];
	}
	argv[n] = NULL;
	assert_int_equal(tt_run(argv, NULL, 60, res, NULL), 0);
	return res->status;
}

static void expect(int status, const char *out, const char *const *args)
{
	struct tt_run_result res;
	int s = run(&res, args);
	if (s != status || (out && !strstr(res.out, out)))
		fail_msg("exit %d (wanted %d), output: %s", s, status, res.out);
	tt_run_result_free(&res);
}

static void test_init_refresh_download(void **state)
{
	(void)state;
	char *root = tt_xasprintf("%s/repo/metadata/1.root.json", dir);
	expect(0, NULL, (const char *[]){"--metadata-dir", mdir, "init", root, NULL});
	free(root);
	expect(0, NULL,
	       (const char *[]){"--metadata-dir", mdir, "--metadata-url", murl, "refresh", NULL});
	char *p = tt_xasprintf("%s/timestamp.json", mdir);
	assert_true(tt_path_exists(p));
	free(p);
	/* Options after the command, as the suite's example writes them. */
	expect(0, NULL,
	       (const char *[]){"--metadata-dir", mdir, "--metadata-url", murl, "--target-name",
				"dir/mod.ko", "--target-base-url", turl, "--target-dir", tdir,
				"download", NULL});
	p = tt_xasprintf("%s/dir%%2Fmod.ko", tdir);
	assert_true(tt_path_exists(p));
	free(p);
	expect(1, "target nothing.ko: not listed",
	       (const char *[]){"--metadata-dir", mdir, "--metadata-url", murl, "download",
				"--target-name", "nothing.ko", "--target-base-url", turl,
				"--target-dir", tdir, NULL});
}

/* `tuxtape archive`: init, add with custom fields, verify; a tampered module fails verify. */
static void test_archive_command(void **state)
{
	(void)state;
	char *arch = tt_xasprintf("%s/archive", dir);
	char *mod = tt_xasprintf("%s/fix.ko", dir);
	assert_int_equal(tt_write_file_atomic(mod, "module", 6, NULL), 0);
	char *saved = exe;
	exe = tuxtape;
	expect(0, NULL, (const char *[]){"archive", "init", arch, "--key-type", "ecdsa", NULL});
	expect(1, "already holds an archive", (const char *[]){"archive", "init", arch, NULL});
	expect(0, NULL,
	       (const char *[]){"archive", "add", arch, mod, "--name", "6.1.0-18-amd64/fix.ko",
				"--kernel-release", "6.1.0-18-amd64", "--patch-version", "2",
				"--cve", "CVE-2024-26581", "--atomic-replace", "--tier", "canary",
				NULL});
	expect(0, NULL, (const char *[]){"archive", "timestamp", arch, NULL});
	expect(0, NULL, (const char *[]){"archive", "publish", arch, NULL});
	expect(0, "\"6.1.0-18-amd64/fix.ko\"",
	       (const char *[]){"archive", "verify", arch, "--json", NULL});
	char *targets = tt_xasprintf("%s/metadata/targets.json", arch);
	json_t *doc = json_load_file(targets, 0, NULL);
	json_t *custom = json_object_get(
	    json_object_get(json_object_get(json_object_get(doc, "signed"), "targets"),
			    "6.1.0-18-amd64/fix.ko"),
	    "custom");
	assert_int_equal(json_integer_value(json_object_get(custom, "patch_version")), 2);
	assert_true(json_is_true(json_object_get(custom, "atomic_replace")));
	json_decref(doc);
	free(targets);
	const char *argv[] = {"sh", "-c",
			      "for f in \"$0\"/targets/*/*.fix.ko; do printf MODULE > \"$f\"; done",
			      arch, NULL};
	struct tt_run_result res;
	assert_int_equal(tt_run(argv, NULL, 10, &res, NULL), 0);
	tt_run_result_free(&res);
	expect(1, "sha256 hash mismatch", (const char *[]){"archive", "verify", arch, NULL});
	expect(2, "add needs DIR and FILE", (const char *[]){"archive", "add", arch, NULL});
	exe = saved;
	free(arch);
	free(mod);
}

static char *file_text(const char *path)
{
	char *text = NULL;
	size_t len;
	assert_int_equal(tt_read_file(path, &text, &len, NULL), 0);
	return text;
}

/*
 * Root and targets keys on an "offline" medium: the online side re-signs the
 * timestamp alone, is refused (before writing anything) what needs an offline
 * key, and with the medium given adds, removes and rotates keys; every
 * state verifies from 1.root.json through the rotated roots.
 */
static void test_archive_offline_keys_rotate_remove(void **state)
{
	(void)state;
	char *arch = tt_xasprintf("%s/archive-offline", dir);
	char *offline = tt_xasprintf("%s/offline-media", dir);
	char *mod = tt_xasprintf("%s/fix2.ko", dir);
	char *ts = tt_xasprintf("%s/metadata/timestamp.json", arch);
	char *root2 = tt_xasprintf("%s/metadata/2.root.json", arch);
	char *root3 = tt_xasprintf("%s/metadata/3.root.json", arch);
	assert_int_equal(tt_write_file_atomic(mod, "module2", 7, NULL), 0);
	char *saved = exe;
	exe = tuxtape;
	expect(0, NULL, (const char *[]){"archive", "init", arch, "--offline-keys", offline, NULL});
	char *p = tt_xasprintf("%s/root.pem", offline);
	assert_true(tt_path_exists(p));
	free(p);
	p = tt_xasprintf("%s/keys/root.pem", arch);
	assert_false(tt_path_exists(p));
	free(p);
	/* Online only: the timestamp is fine, anything signed by targets is not. */
	expect(0, NULL, (const char *[]){"archive", "timestamp", arch, NULL});
	char *before = file_text(ts);
	expect(1, "the targets key is not here",
	       (const char *[]){"archive", "add", arch, mod, NULL});
	expect(1, "the root key is not here",
	       (const char *[]){"archive", "rotate", arch, "timestamp", NULL});
	char *after = file_text(ts);
	assert_string_equal(before, after); /* refused before anything was written */
	free(before);
	free(after);
	/* With the medium: add, rotate the timestamp key, then root itself. */
	expect(0, NULL,
	       (const char *[]){"archive", "add", arch, mod, "--name", "k/fix2.ko",
				"--offline-keys", offline, NULL});
	expect(0, "new timestamp key",
	       (const char *[]){"archive", "rotate", arch, "timestamp", "--offline-keys", offline,
				NULL});
	assert_true(tt_path_exists(root2));
	expect(0, "\"k/fix2.ko\"", (const char *[]){"archive", "verify", arch, "--json", NULL});
	/* Without the snapshot key nothing is published, not even the new root. */
	char *snap = tt_xasprintf("%s/keys/snapshot.pem", arch);
	char *aside = tt_xasprintf("%s/snapshot.pem.aside", dir);
	assert_int_equal(rename(snap, aside), 0);
	expect(
	    1, "the snapshot key is not here",
	    (const char *[]){"archive", "rotate", arch, "root", "--offline-keys", offline, NULL});
	assert_false(tt_path_exists(root3));
	assert_int_equal(rename(aside, snap), 0);
	free(snap);
	free(aside);
	expect(
	    0, "new root key",
	    (const char *[]){"archive", "rotate", arch, "root", "--offline-keys", offline, NULL});
	assert_true(tt_path_exists(root3));
	expect(0, "verified, 1 target", (const char *[]){"archive", "verify", arch, NULL});
	/* Remove: gone from the metadata, and a name not there is an error. */
	expect(0, NULL,
	       (const char *[]){"archive", "remove", arch, "k/fix2.ko", "--offline-keys", offline,
				NULL});
	expect(0, "verified, 0 target", (const char *[]){"archive", "verify", arch, NULL});
	expect(1, "is not in the archive",
	       (const char *[]){"archive", "remove", arch, "k/fix2.ko", "--offline-keys", offline,
				NULL});
	expect(2, "ROLE is root, targets", (const char *[]){"archive", "rotate", arch, "x", NULL});
	expect(2, "remove needs DIR and NAME", (const char *[]){"archive", "remove", arch, NULL});
	exe = saved;
	free(root2);
	free(root3);
	free(ts);
	free(arch);
	free(offline);
	free(mod);
}

/* Three root keys, two needed: one keyholder's medium may be missing, two may not. */
static void test_archive_root_threshold(void **state)
{
	(void)state;
	char *arch = tt_xasprintf("%s/archive-threshold", dir);
	char *offline = tt_xasprintf("%s/threshold-media", dir);
	char *root_json = tt_xasprintf("%s/metadata/root.json", arch);
	char *key3 = tt_xasprintf("%s/root-3.pem", offline);
	char *key2 = tt_xasprintf("%s/root-2.pem", offline);
	char *saved = exe;
	exe = tuxtape;
	expect(2, "threshold", (const char *[]){"archive", "init", arch, "--root-keys", "9", NULL});
	expect(1, "threshold must be 1 to the number of keys",
	       (const char *[]){"archive", "init", arch, "--root-keys", "2", "--root-threshold",
				"3", NULL});
	expect(0, NULL,
	       (const char *[]){"archive", "init", arch, "--root-keys", "3", "--root-threshold",
				"2", "--offline-keys", offline, NULL});
	json_t *doc = json_load_file(root_json, 0, NULL);
	json_t *role =
	    json_object_get(json_object_get(json_object_get(doc, "signed"), "roles"), "root");
	assert_int_equal(json_integer_value(json_object_get(role, "threshold")), 2);
	assert_int_equal(json_array_size(json_object_get(role, "keyids")), 3);
	assert_int_equal(json_array_size(json_object_get(doc, "signatures")), 3);
	json_decref(doc);
	/* Two of three keys here: a new root (timestamp key rotated) is signed by both. */
	assert_int_equal(unlink(key3), 0);
	expect(0, "root version 2",
	       (const char *[]){"archive", "rotate", arch, "timestamp", "--offline-keys", offline,
				NULL});
	doc = json_load_file(root_json, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(doc, "signatures")), 2);
	json_decref(doc);
	expect(0, "verified", (const char *[]){"archive", "verify", arch, NULL});
	/* Rotating root itself: two old keys and three new ones sign root v3. */
	expect(
	    0, "root version 3",
	    (const char *[]){"archive", "rotate", arch, "root", "--offline-keys", offline, NULL});
	expect(0, "verified", (const char *[]){"archive", "verify", arch, NULL});
	/* One of three: refused, saying how many are needed and how many are here. */
	assert_int_equal(unlink(key2), 0);
	assert_int_equal(unlink(key3), 0);
	expect(1, "signed by 2 of its 3 keys and 1 are here",
	       (const char *[]){"archive", "rotate", arch, "snapshot", "--offline-keys", offline,
				NULL});
	exe = saved;
	free(key2);
	free(key3);
	free(root_json);
	free(arch);
	free(offline);
}

static void test_failures(void **state)
{
	(void)state;
	expect(1, "tuxtape-tuf-client: error:",
	       (const char *[]){"--metadata-dir", "/nonexistent/x", "--metadata-url", murl,
				"refresh", NULL});
	expect(1, "error:",
	       (const char *[]){"--metadata-dir", mdir, "--metadata-url", "file:///nonexistent",
				"refresh", NULL});
	expect(2, "--metadata-url is required",
	       (const char *[]){"--metadata-dir", mdir, "refresh", NULL});
	expect(2, "unknown command", (const char *[]){"--metadata-dir", mdir, "frobnicate", NULL});
	expect(2, "init needs ROOT_FILE", (const char *[]){"--metadata-dir", mdir, "init", NULL});
	expect(2, "download needs",
	       (const char *[]){"--metadata-dir", mdir, "--metadata-url", murl, "download", NULL});
	expect(0, "Exit status:", (const char *[]){"--help", NULL});
}

static int setup(void **state)
{
	(void)state;
	const char *b = getenv("TT_BUILD_ROOT");
	exe = tt_xasprintf("%s/cmd/tuf-client/tuxtape-tuf-client", b ? b : ".");
	tuxtape = tt_xasprintf("%s/cmd/tuxtape/tuxtape", b ? b : ".");
	snprintf(dir, sizeof(dir), "/tmp/tt-tufcli-XXXXXX");
	assert_non_null(mkdtemp(dir));
	char *rdir = tt_xasprintf("%s/repo", dir);
	struct tt_tuf_repo *r = NULL;
	struct tt_tuf_repo_opts o = {.keytype = TT_TUF_KEY_ECDSA_P256, .now = time(NULL)};
	assert_int_equal(tt_tuf_repo_create(rdir, &o, &r, NULL), 0);
	assert_int_equal(tt_tuf_repo_add_target(r, "dir/mod.ko", "module", 6, NULL, NULL), 0);
	assert_int_equal(tt_tuf_repo_publish(r, NULL), 0);
	tt_tuf_repo_free(r);
	free(rdir);
	mdir = tt_xasprintf("%s/client", dir);
	tdir = tt_xasprintf("%s/dl", dir);
	murl = tt_xasprintf("file://%s/repo/metadata", dir);
	turl = tt_xasprintf("file://%s/repo/targets/", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	const char *argv[] = {"rm", "-rf", dir, NULL};
	struct tt_run_result res;
	tt_run(argv, NULL, 30, &res, NULL);
	tt_run_result_free(&res);
	free(exe);
	free(tuxtape);
	free(mdir);
	free(murl);
	free(turl);
	free(tdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_refresh_download),
	    cmocka_unit_test(test_failures),
	    cmocka_unit_test(test_archive_command),
	    cmocka_unit_test(test_archive_offline_keys_rotate_remove),
	    cmocka_unit_test(test_archive_root_threshold),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
