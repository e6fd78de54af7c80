// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The client against a repository built by the repo side in a temp dir and
 * served over file://: the normal path, then each attack the client must
 * refuse with a clear message and without touching its trusted metadata.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/archive.h"

#define T0  1767225600 /* 2026-01-01T00:00:00Z: the repository's clock */
#define DAY 86400

struct fx {
	char dir[64];
	char *client, *url, *turl, *dl;
	struct tt_tuf_repo *repo;
	int64_t now; /* the client's clock */
	struct tt_error err;
};

static const char module_v1[] = "\x7f"
				"ELF livepatch module, version 1";

static json_t *module_custom(void)
{
	return json_pack("{s:s, s:s, s:i, s:[s,s], s:b, s:s}", "kernel_release", "6.1.0-18-amd64",
			 "build_id", "4f2a9c0d", "patch_version", 1, "cves", "CVE-2024-26581",
			 "CVE-2024-35881", "atomic_replace", 1, "rollout_tier", "canary");
}

static int setup(void **state)
{
	struct fx *f = tt_xcalloc(1, sizeof(*f));
	struct tt_error err = {0};
	snprintf(f->dir, sizeof(f->dir), "/tmp/tt-tuf-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char *rdir = tt_xasprintf("%s/repo", f->dir);
	struct tt_tuf_repo_opts o = {.keytype = TT_TUF_KEY_ED25519, .now = T0};
	assert_int_equal(tt_tuf_repo_create(rdir, &o, &f->repo, &err), 0);
	free(rdir);
	json_t *c = module_custom();
	assert_int_equal(tt_tuf_repo_add_target(f->repo, "6.1.0-18-amd64/cve-fix.ko", module_v1,
						sizeof(module_v1) - 1, c, &err),
			 0);
	json_decref(c);
	assert_int_equal(tt_tuf_repo_add_target(f->repo, "readme", "hello\n", 6, NULL, &err), 0);
	assert_int_equal(tt_tuf_repo_publish(f->repo, &err), 0);
	f->client = tt_xasprintf("%s/client", f->dir);
	f->dl = tt_xasprintf("%s/dl", f->dir);
	f->url = tt_xasprintf("file://%s", tt_tuf_repo_metadata_dir(f->repo));
	f->turl = tt_xasprintf("file://%s", tt_tuf_repo_targets_dir(f->repo));
	char *root1 = tt_xasprintf("%s/1.root.json", tt_tuf_repo_metadata_dir(f->repo));
	assert_int_equal(tt_tuf_client_init_root(f->client, root1, &err), 0);
	free(root1);
	f->now = T0 + 60;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	const char *argv[] = {"rm", "-rf", f->dir, NULL};
	struct tt_run_result res;
	tt_run(argv, NULL, 30, &res, NULL);
	tt_run_result_free(&res);
	tt_tuf_repo_free(f->repo);
	free(f->client);
	free(f->url);
	free(f->turl);
	free(f->dl);
	free(f);
	return 0;
}

static int refresh(struct fx *f)
{
	struct tt_tuf_client *c = NULL;
	struct tt_tuf_client_opts o = {
	    .metadata_dir = f->client, .metadata_url = f->url, .now = f->now};
	tt_error_clear(&f->err);
	int r = tt_tuf_client_new(&o, &c, &f->err);
	if (!r)
		r = tt_tuf_client_refresh(c, &f->err);
	tt_tuf_client_free(c);
	return r;
}

static int download(struct fx *f, const char *name)
{
	struct tt_tuf_client *c = NULL;
	struct tt_tuf_client_opts o = {
	    .metadata_dir = f->client, .metadata_url = f->url, .now = f->now};
	tt_error_clear(&f->err);
	int r = tt_tuf_client_new(&o, &c, &f->err);
	if (!r)
		r = tt_tuf_client_download(c, name, f->turl, f->dl, NULL, &f->err);
	tt_tuf_client_free(c);
	return r;
}

/*
 * What the client trusts of role `from` and the roles after it, as one string.
 * Roles before the attacked one may legitimately move on: each verified file
 * is persisted at once (5.3.8, 5.4.5), which the conformance suite expects.
 */
static char *trusted_state(struct fx *f, const char *from)
{
	static const char *const files[] = {"root", "timestamp", "snapshot", "targets"};
	struct tt_buf b = TT_BUF_INIT;
	size_t i = 0;
	while (strcmp(files[i], from))
		i++;
	for (; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = tt_xasprintf("%s/%s.json", f->client, files[i]);
		char *data = NULL;
		size_t len = 0;
		tt_buf_addf(&b, "== %s\n", files[i]);
		if (tt_read_file(path, &data, &len, NULL) == 0)
			tt_buf_add(&b, data, len);
		free(data);
		free(path);
	}
	return tt_buf_detach(&b);
}

/*
 * Run the attack on role from: refresh must fail with code and a message
 * containing what, and leave the trusted copies of from onwards unchanged.
 */
static void expect_refused(struct fx *f, const char *from, int code, const char *what)
{
	char *before = trusted_state(f, from);
	int r = refresh(f);
	char *after = trusted_state(f, from);
	if (r != code || !strstr(f->err.msg, what))
		fail_msg("expected %d \"%s\", got %d: %s", code, what, r, f->err.msg);
	if (strcmp(before, after))
		fail_msg("trusted metadata from %s on changed", from);
	free(before);
	free(after);
}

static int64_t trusted_version(struct fx *f, const char *role)
{
	char *path = tt_xasprintf("%s/%s.json", f->client, role);
	json_t *doc = json_load_file(path, 0, NULL);
	free(path);
	int64_t v = json_integer_value(json_object_get(json_object_get(doc, "signed"), "version"));
	json_decref(doc);
	return v;
}

static void set_version(struct fx *f, const char *role, int64_t v)
{
	json_object_set_new(tt_tuf_repo_signed(f->repo, role), "version", json_integer(v));
}

/* Write a metadata file signed by exactly the given (keyid, key) pairs. */
static void write_signed_by(struct fx *f, const char *file, const json_t *s, const char *const *ids,
			    struct tt_tuf_key *const *keys, size_t n)
{
	struct tt_buf canon = TT_BUF_INIT;
	assert_int_equal(tt_tuf_canonical(s, &canon, NULL), 0);
	json_t *sigs = json_array();
	for (size_t i = 0; i < n; i++) {
		char *sig = NULL;
		assert_int_equal(tt_tuf_key_sign(keys[i], canon.buf, canon.len, &sig, NULL), 0);
		json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid",
						      ids[i] ? ids[i] : tt_tuf_key_id(keys[i]),
						      "sig", sig));
		free(sig);
	}
	json_t *doc = json_pack("{s:o, s:O}", "signatures", sigs, "signed", s);
	char *path = tt_xasprintf("%s/%s", tt_tuf_repo_metadata_dir(f->repo), file);
	assert_int_equal(json_dump_file(doc, path, JSON_INDENT(2)), 0);
	free(path);
	json_decref(doc);
	tt_buf_free(&canon);
}

/* ---- the normal path ---- */

static void test_refresh_and_download(void **state)
{
	struct fx *f = *state;
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "timestamp"), 1);
	assert_int_equal(trusted_version(f, "targets"), 1);
	assert_int_equal(download(f, "6.1.0-18-amd64/cve-fix.ko"), 0);
	char *path = tt_xasprintf("%s/6.1.0-18-amd64%%2Fcve-fix.ko", f->dl);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(tt_read_file(path, &data, &len, NULL), 0);
	assert_int_equal(len, sizeof(module_v1) - 1);
	assert_memory_equal(data, module_v1, len);
	free(data);
	free(path);

	/* The custom fields arrive as published. */
	struct tt_tuf_client *c = NULL;
	struct tt_tuf_client_opts o = {
	    .metadata_dir = f->client, .metadata_url = f->url, .now = f->now};
	struct tt_tuf_target t;
	assert_int_equal(tt_tuf_client_new(&o, &c, NULL), 0);
	assert_int_equal(tt_tuf_client_find_target(c, "6.1.0-18-amd64/cve-fix.ko", &t, NULL), 0);
	assert_string_equal(json_string_value(json_object_get(t.custom, "kernel_release")),
			    "6.1.0-18-amd64");
	assert_string_equal(json_string_value(json_object_get(t.custom, "rollout_tier")), "canary");
	assert_true(json_is_true(json_object_get(t.custom, "atomic_replace")));
	assert_string_equal(t.role, "targets");
	assert_int_equal(tt_tuf_client_find_target(c, "missing.ko", &t, &f->err), -ENOENT);
	assert_non_null(strstr(f->err.msg, "missing.ko"));
	tt_tuf_client_free(c);

	/* Cached: a present file with the right hashes is not fetched again. */
	char *served = tt_xasprintf("%s/readme", tt_tuf_repo_targets_dir(f->repo));
	assert_int_equal(download(f, "readme"), 0);
	const char *argv[] = {"sh", "-c", "rm -f \"$0\"/*readme", tt_tuf_repo_targets_dir(f->repo),
			      NULL};
	struct tt_run_result res;
	assert_int_equal(tt_run(argv, NULL, 10, &res, NULL), 0);
	tt_run_result_free(&res);
	assert_int_equal(download(f, "readme"), 0);
	free(served);

	/* A new publish is picked up. */
	assert_int_equal(tt_tuf_repo_add_target(f->repo, "more.ko", "x", 1, NULL, NULL), 0);
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0);
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "targets"), 2);
	assert_int_equal(trusted_version(f, "snapshot"), 2);
	assert_int_equal(download(f, "more.ko"), 0);
}

/* ---- rollback ---- */

static void test_rollback_timestamp(void **state)
{
	struct fx *f = *state;
	assert_int_equal(tt_tuf_repo_timestamp(f->repo, NULL), 0);
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "timestamp"), 2);
	set_version(f, "timestamp", 1);
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "timestamp", NULL), 0);
	expect_refused(f, "timestamp", -ESTALE,
		       "rollback attack: version 1 is older than the trusted 2");
}

static void test_rollback_snapshot(void **state)
{
	struct fx *f = *state;
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0); /* snapshot v2, timestamp v2 */
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "snapshot"), 2);
	/* A newer timestamp that points back at snapshot v1. */
	json_t *meta = json_object_get(tt_tuf_repo_signed(f->repo, "timestamp"), "meta");
	json_object_set_new(meta, "snapshot.json", json_pack("{s:i}", "version", 1));
	set_version(f, "timestamp", 3);
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "timestamp", NULL), 0);
	expect_refused(f, "timestamp", -ESTALE, "names snapshot v1, trusted timestamp named v2");
}

static void test_rollback_targets(void **state)
{
	struct fx *f = *state;
	assert_int_equal(tt_tuf_repo_add_target(f->repo, "b.ko", "b", 1, NULL, NULL), 0);
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0); /* targets v2 */
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "targets"), 2);
	/* A new snapshot that lists targets v1 again, properly named by a new timestamp. */
	json_t *meta = json_object_get(tt_tuf_repo_signed(f->repo, "snapshot"), "meta");
	json_object_set_new(meta, "targets.json", json_pack("{s:i}", "version", 1));
	set_version(f, "snapshot", 3);
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "snapshot", NULL), 0);
	assert_int_equal(tt_tuf_repo_timestamp(f->repo, NULL), 0);
	expect_refused(f, "snapshot", -ESTALE,
		       "rollback attack: targets.json v1 is older than the trusted v2");
}

/* ---- freeze ---- */

static void test_freeze_expired_timestamp(void **state)
{
	struct fx *f = *state;
	assert_int_equal(refresh(f), 0);
	/* Two days later the mirror still serves the one-day timestamp. */
	f->now = T0 + 2 * DAY;
	expect_refused(f, "timestamp", -EKEYEXPIRED,
		       "timestamp v1 (trusted timestamp.json) expired at");
	/* A newer but already expired timestamp is refused too. */
	json_object_set_new(tt_tuf_repo_signed(f->repo, "timestamp"), "expires",
			    json_string("2026-01-01T12:00:00Z"));
	set_version(f, "timestamp", 2);
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "timestamp", NULL), 0);
	expect_refused(f, "timestamp", -EKEYEXPIRED, "timestamp v2 (timestamp.json) expired at");
}

static void test_freeze_expired_root(void **state)
{
	struct fx *f = *state;
	f->now = T0 + 400 * DAY;
	expect_refused(f, "root", -EKEYEXPIRED, "root v1 (trusted root.json) expired");
}

/* ---- mix-and-match ---- */

static void test_mix_and_match(void **state)
{
	struct fx *f = *state;
	assert_int_equal(refresh(f), 0);
	/* The timestamp names snapshot v5 (no hashes), the mirror serves v1's content. */
	const char *argv[] = {"cp", "1.snapshot.json", "5.snapshot.json", NULL};
	struct tt_run_result res;
	assert_int_equal(tt_run(argv, tt_tuf_repo_metadata_dir(f->repo), 10, &res, NULL), 0);
	tt_run_result_free(&res);
	json_t *meta = json_object_get(tt_tuf_repo_signed(f->repo, "timestamp"), "meta");
	json_object_set_new(meta, "snapshot.json", json_pack("{s:i}", "version", 5));
	set_version(f, "timestamp", 2);
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "timestamp", NULL), 0);
	expect_refused(f, "snapshot", -EBADMSG,
		       "snapshot v1 (snapshot.json): version 1, the timestamp names v5");
}

static void test_snapshot_hash_mismatch(void **state)
{
	struct fx *f = *state;
	/* Same version, other bytes than the timestamp's hash (a swapped snapshot). */
	json_t *meta = json_object_get(tt_tuf_repo_signed(f->repo, "timestamp"), "meta");
	json_object_set_new(json_object_get(json_object_get(meta, "snapshot.json"), "hashes"),
			    "sha256",
			    json_string("00000000000000000000000000000000000000000000000000000000"
					"00000000"));
	json_object_del(json_object_get(meta, "snapshot.json"), "length");
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "timestamp", NULL), 0);
	expect_refused(f, "snapshot", -EBADMSG, "snapshot.json: sha256 hash mismatch");
}

/* ---- targets ---- */

static void replace_served(struct fx *f, const char *name, const char *content)
{
	const char *argv[] = {"sh",
			      "-c",
			      "for x in \"$0\"/*.\"$1\"; do printf %s \"$2\" > \"$x\"; done",
			      tt_tuf_repo_targets_dir(f->repo),
			      name,
			      content,
			      NULL};
	struct tt_run_result res;
	assert_int_equal(tt_run(argv, NULL, 10, &res, NULL), 0);
	assert_int_equal(res.status, 0);
	tt_run_result_free(&res);
}

static void expect_download_refused(struct fx *f, const char *name, int code, const char *what)
{
	int r = download(f, name);
	if (r != code || !strstr(f->err.msg, what))
		fail_msg("expected %d \"%s\", got %d: %s", code, what, r, f->err.msg);
	char *path = tt_xasprintf("%s/%s", f->dl, name);
	assert_false(tt_path_exists(path));
	free(path);
}

static void test_target_wrong_hash(void **state)
{
	struct fx *f = *state;
	replace_served(f, "readme", "HELLO\n");
	expect_download_refused(f, "readme", -EBADMSG, "sha256 hash mismatch");
}

static void test_target_wrong_length(void **state)
{
	struct fx *f = *state;
	replace_served(f, "readme", "hi\n");
	expect_download_refused(f, "readme", -EBADMSG, "3 bytes, metadata says 6");
}

static void test_target_endless_data(void **state)
{
	struct fx *f = *state;
	replace_served(f, "readme", "hello\nand much more than the six declared bytes");
	expect_download_refused(f, "readme", -EFBIG, "more than the 6 bytes its metadata declares");
}

/* ---- signatures and thresholds ---- */

/* Publish root v2 whose timestamp role has keyids [a, b] and threshold 2. */
static void timestamp_two_of(struct fx *f, const char *a, const json_t *ka, const char *b,
			     const json_t *kb)
{
	json_t *root = tt_tuf_repo_signed(f->repo, "root");
	json_t *keys = json_object_get(root, "keys");
	json_object_set(keys, a, (json_t *)ka);
	json_object_set(keys, b, (json_t *)kb);
	json_object_set_new(json_object_get(root, "roles"), "timestamp",
			    json_pack("{s:[s,s], s:i}", "keyids", a, b, "threshold", 2));
	set_version(f, "root", 2);
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "root", NULL), 0);
}

static void test_signatures_below_threshold(void **state)
{
	struct fx *f = *state;
	struct tt_tuf_key *ts = tt_tuf_repo_key(f->repo, "timestamp"), *k2 = NULL;
	assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ED25519, &k2, NULL), 0);
	json_t *o1 = tt_tuf_key_to_json(ts), *o2 = tt_tuf_key_to_json(k2);
	timestamp_two_of(f, tt_tuf_key_id(ts), o1, tt_tuf_key_id(k2), o2);
	set_version(f, "timestamp", 2);
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "timestamp", NULL), 0);
	expect_refused(f, "timestamp", -EPERM,
		       "1 valid signature(s) from distinct timestamp keys, threshold is 2");
	/* The new root itself verified and is kept (5.3.8); with both signatures it passes. */
	assert_int_equal(trusted_version(f, "root"), 2);
	struct tt_tuf_key *both[] = {ts, k2};
	const char *ids[] = {NULL, NULL};
	write_signed_by(f, "timestamp.json", tt_tuf_repo_signed(f->repo, "timestamp"), ids, both,
			2);
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "timestamp"), 2);
	json_decref(o1);
	json_decref(o2);
	tt_tuf_key_free(k2);
}

static void test_duplicate_key_counted_once(void **state)
{
	struct fx *f = *state;
	struct tt_tuf_key *ts = tt_tuf_repo_key(f->repo, "timestamp");
	/* The same key under a second id (the object differs by an extra field). */
	json_t *o1 = tt_tuf_key_to_json(ts), *o2 = tt_tuf_key_to_json(ts);
	json_object_set_new(o2, "x-comment", json_string("same key, another id"));
	struct tt_tuf_key *alias = NULL;
	assert_int_equal(tt_tuf_key_from_json(o2, &alias, NULL), 0);
	char *id2 = tt_xstrdup(tt_tuf_key_id(alias));
	assert_string_not_equal(id2, tt_tuf_key_id(ts));
	timestamp_two_of(f, tt_tuf_key_id(ts), o1, id2, o2);
	set_version(f, "timestamp", 2);
	struct tt_tuf_key *twice[] = {ts, ts};
	const char *ids[] = {tt_tuf_key_id(ts), id2};
	write_signed_by(f, "timestamp.json", tt_tuf_repo_signed(f->repo, "timestamp"), ids, twice,
			2);
	expect_refused(f, "timestamp", -EPERM,
		       "1 valid signature(s) from distinct timestamp keys, threshold is 2");
	/* One key id listed twice in the role does not count twice either. */
	json_object_set_new(json_object_get(tt_tuf_repo_signed(f->repo, "root"), "roles"),
			    "timestamp",
			    json_pack("{s:[s,s], s:i}", "keyids", tt_tuf_key_id(ts),
				      tt_tuf_key_id(ts), "threshold", 2));
	set_version(f, "root", 3);
	assert_int_equal(tt_tuf_repo_write_role(f->repo, "root", NULL), 0);
	const char *same[] = {tt_tuf_key_id(ts), tt_tuf_key_id(ts)};
	write_signed_by(f, "timestamp.json", tt_tuf_repo_signed(f->repo, "timestamp"), same, twice,
			2);
	expect_refused(f, "timestamp", -EPERM,
		       "1 valid signature(s) from distinct timestamp keys, threshold is 2");
	tt_tuf_key_free(alias);
	free(id2);
	json_decref(o1);
	json_decref(o2);
}

static void test_wrong_key(void **state)
{
	struct fx *f = *state;
	struct tt_tuf_key *k = NULL;
	assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ED25519, &k, NULL), 0);
	set_version(f, "timestamp", 2);
	const char *ids[] = {tt_tuf_key_id(tt_tuf_repo_key(f->repo, "timestamp"))};
	write_signed_by(f, "timestamp.json", tt_tuf_repo_signed(f->repo, "timestamp"), ids, &k, 1);
	expect_refused(f, "timestamp", -EPERM,
		       "timestamp v2 (timestamp.json): 0 valid signature(s)");
	tt_tuf_key_free(k);
}

/* ---- root rotation ---- */

static void test_root_rotation(void **state)
{
	struct fx *f = *state;
	assert_int_equal(refresh(f), 0);
	struct tt_tuf_key *old = tt_tuf_repo_key(f->repo, "root");
	assert_int_equal(tt_tuf_repo_rotate_key(f->repo, "root", NULL), 0);
	struct tt_tuf_key *new = tt_tuf_repo_key(f->repo, "root");
	json_t *root = tt_tuf_repo_signed(f->repo, "root");
	set_version(f, "root", 2);
	const char *ids[] = {NULL};
	/* Only the new keys: the trusted root's threshold is not met. */
	write_signed_by(f, "2.root.json", root, ids, &new, 1);
	expect_refused(f, "root", -EPERM,
		       "root v2 (2.root.json): 0 valid signature(s) from distinct root");
	/* Only the old keys: the new root's own threshold is not met. */
	write_signed_by(f, "2.root.json", root, ids, &old, 1);
	expect_refused(f, "root", -EPERM,
		       "root v2 (2.root.json): 0 valid signature(s) from distinct root");
	/* A skipped version. */
	struct tt_tuf_key *both[] = {old, new};
	const char *ids2[] = {NULL, NULL};
	set_version(f, "root", 3);
	write_signed_by(f, "2.root.json", root, ids2, both, 2);
	expect_refused(f, "root", -ESTALE, "version 3, expected 2");
	/* Both thresholds: accepted, and later metadata verifies under the new root. */
	set_version(f, "root", 1);
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0);
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "root"), 2);
	assert_int_equal(trusted_version(f, "timestamp"), 2);
	/* And the next rotation is signed by v2's key only as "old". */
	assert_int_equal(tt_tuf_repo_rotate_key(f->repo, "root", NULL), 0);
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0);
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "root"), 3);
}

static void test_timestamp_key_rotation_recovers(void **state)
{
	struct fx *f = *state;
	assert_int_equal(tt_tuf_repo_timestamp(f->repo, NULL), 0);
	assert_int_equal(tt_tuf_repo_timestamp(f->repo, NULL), 0);
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "timestamp"), 3);
	/* 5.3.11: a new timestamp key lets the repository start over at version 1. */
	assert_int_equal(tt_tuf_repo_rotate_key(f->repo, "timestamp", NULL), 0);
	set_version(f, "timestamp", 0);
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0);
	assert_int_equal(refresh(f), 0);
	assert_int_equal(trusted_version(f, "timestamp"), 1);
}

/* ---- root rotation, table-driven: keys in the new root, threshold, who signs ---- */

struct rootver {
	int keys[6], nkeys, threshold, sigs[6], nsigs;
	bool ok;
};

/* Publish root v2 as described by v (key indexes into k; v1 has keys 0-4, threshold 3). */
static void publish_root_v2(struct fx *f, struct tt_tuf_key **k, const struct rootver *v)
{
	json_t *root = tt_tuf_repo_signed(f->repo, "root");
	json_t *ids = json_array();
	for (int i = 0; i < v->nkeys; i++) {
		json_object_set_new(json_object_get(root, "keys"), tt_tuf_key_id(k[v->keys[i]]),
				    tt_tuf_key_to_json(k[v->keys[i]]));
		json_array_append_new(ids, json_string(tt_tuf_key_id(k[v->keys[i]])));
	}
	json_object_set_new(json_object_get(root, "roles"), "root",
			    json_pack("{s:o, s:i}", "keyids", ids, "threshold", v->threshold));
	struct tt_tuf_key *signers[6] = {NULL};
	const char *none[6] = {NULL};
	for (int i = 0; i < v->nsigs && i < 6; i++)
		signers[i] = k[v->sigs[i]];
	write_signed_by(f, "2.root.json", root, none, signers, (size_t)v->nsigs);
}

static void test_root_rotation_thresholds(void **state)
{
	struct fx *f = *state;
	static const struct rootver cases[] = {
	    /* 3 of 5, one key replaced, signed by 3 keys in both sets */
	    {{0, 1, 3, 4, 5}, 5, 3, {0, 4, 1}, 3, true},
	    /* the new threshold is met, the old one is not (keys 0, 4 only) */
	    {{0, 1, 3, 4, 5}, 5, 3, {0, 4, 5}, 3, false},
	    /* the old threshold is met, the new one is not (2 is gone) */
	    {{0, 1, 3, 4, 5}, 5, 3, {0, 2, 4}, 3, false},
	    /* every key replaced by key 5 (1 of 1), signed by 3 old keys and the new one */
	    {{5}, 1, 1, {0, 2, 4, 5}, 4, true},
	    /* the same, without the new key's signature */
	    {{5}, 1, 1, {0, 2, 4}, 3, false},
	    /* threshold lowered to 1: the old threshold of 3 still applies to this step */
	    {{0, 1, 2, 3, 4}, 5, 1, {0}, 1, false},
	    /* the same signature twice does not make two */
	    {{0, 1, 2, 3, 4}, 5, 3, {0, 0, 0}, 3, false},
	};
	struct tt_tuf_key *k[6];
	for (int i = 0; i < 6; i++)
		assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ED25519, &k[i], NULL), 0);
	/* Root v1: keys 0-4, threshold 3, signed by 0, 2 and 4. */
	json_t *root = tt_tuf_repo_signed(f->repo, "root");
	json_t *ids = json_array();
	for (int i = 0; i < 5; i++) {
		json_object_set_new(json_object_get(root, "keys"), tt_tuf_key_id(k[i]),
				    tt_tuf_key_to_json(k[i]));
		json_array_append_new(ids, json_string(tt_tuf_key_id(k[i])));
	}
	json_object_set_new(json_object_get(root, "roles"), "root",
			    json_pack("{s:o, s:i}", "keyids", ids, "threshold", 3));
	const char *none[3] = {NULL};
	write_signed_by(f, "1.root.json", root, none, (struct tt_tuf_key *[]){k[0], k[2], k[4]}, 3);
	char *root1 = tt_xasprintf("%s/1.root.json", tt_tuf_repo_metadata_dir(f->repo));
	json_t *saved = json_deep_copy(root);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		assert_int_equal(tt_tuf_client_init_root(f->client, root1, NULL), 0);
		json_object_set_new(root, "version", json_integer(2));
		publish_root_v2(f, k, &cases[c]);
		int r = refresh(f);
		/* Past the root the repository's other roles may not verify: only root matters. */
		if (cases[c].ok && trusted_version(f, "root") != 2)
			fail_msg("case %zu: root v2 refused: %s", c, f->err.msg);
		if (!cases[c].ok && (r != -EPERM || trusted_version(f, "root") != 1))
			fail_msg("case %zu: root v2 accepted (%d: %s)", c, r, f->err.msg);
		json_object_update(root, saved);
	}
	json_decref(saved);
	free(root1);
	for (int i = 0; i < 6; i++)
		tt_tuf_key_free(k[i]);
}

/* ---- delegations ---- */

/*
 * Move the target NAME (added to the top-level role) into the delegated role
 * ROLE signed by key k, delegated by targets with paths [pattern].
 */
static void delegate(struct fx *f, const char *role, struct tt_tuf_key *k, const char *pattern,
		     bool terminating, const char *name, struct tt_tuf_key *signer)
{
	json_t *top = tt_tuf_repo_signed(f->repo, "targets");
	json_t *d = json_object_get(top, "delegations");
	if (!d) {
		d = json_pack("{s:{}, s:[]}", "keys", "roles");
		json_object_set_new(top, "delegations", d);
	}
	json_object_set_new(json_object_get(d, "keys"), tt_tuf_key_id(k), tt_tuf_key_to_json(k));
	json_array_append_new(json_object_get(d, "roles"),
			      json_pack("{s:s, s:[s], s:i, s:[s], s:b}", "name", role, "keyids",
					tt_tuf_key_id(k), "threshold", 1, "paths", pattern,
					"terminating", terminating));
	json_t *s = json_pack("{s:s, s:s, s:i, s:s, s:{}}", "_type", "targets", "spec_version",
			      "1.0.31", "version", 1, "expires", "2030-01-01T00:00:00Z", "targets");
	json_t *entry = name ? json_object_get(json_object_get(top, "targets"), name) : NULL;
	if (entry) {
		json_object_set(json_object_get(s, "targets"), name, entry);
		json_object_del(json_object_get(top, "targets"), name);
	}
	char *file = tt_xasprintf("1.%s.json", role);
	const char *ids[] = {tt_tuf_key_id(k)};
	write_signed_by(f, file, s, ids, &signer, 1);
	free(file);
	char *meta = tt_xasprintf("%s.json", role);
	json_object_set_new(json_object_get(tt_tuf_repo_signed(f->repo, "snapshot"), "meta"), meta,
			    json_pack("{s:i}", "version", 1));
	free(meta);
	json_decref(s);
}

static void test_delegated_target(void **state)
{
	struct fx *f = *state;
	struct tt_tuf_key *k = NULL;
	assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ECDSA_P256, &k, NULL), 0);
	assert_int_equal(
	    tt_tuf_repo_add_target(f->repo, "kernels/6.1/fix.ko", "fix", 3, NULL, NULL), 0);
	delegate(f, "other", k, "firmware/*", false, NULL, k);
	delegate(f, "mods", k, "kernels/*/*.ko", false, "kernels/6.1/fix.ko", k);
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0);
	struct tt_tuf_client *c = NULL;
	struct tt_tuf_client_opts o = {
	    .metadata_dir = f->client, .metadata_url = f->url, .now = f->now};
	struct tt_tuf_target t;
	assert_int_equal(tt_tuf_client_new(&o, &c, NULL), 0);
	assert_int_equal(tt_tuf_client_find_target(c, "kernels/6.1/fix.ko", &t, &f->err), 0);
	assert_string_equal(t.role, "mods");
	/* '*' does not cross '/': kernels/fix.ko is no match for kernels/ * / *.ko. */
	assert_int_equal(tt_tuf_client_find_target(c, "kernels/fix.ko", &t, &f->err), -ENOENT);
	tt_tuf_client_free(c);
	assert_int_equal(download(f, "kernels/6.1/fix.ko"), 0);
	char *p = tt_xasprintf("%s/mods.json", f->client);
	assert_true(tt_path_exists(p));
	free(p);
	tt_tuf_key_free(k);
}

static void test_delegated_wrong_key(void **state)
{
	struct fx *f = *state;
	struct tt_tuf_key *k = NULL, *evil = NULL;
	assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ED25519, &k, NULL), 0);
	assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ED25519, &evil, NULL), 0);
	assert_int_equal(tt_tuf_repo_add_target(f->repo, "kernels/x.ko", "x", 1, NULL, NULL), 0);
	delegate(f, "mods", k, "kernels/*", false, "kernels/x.ko", evil);
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0);
	int r = download(f, "kernels/x.ko");
	assert_int_equal(r, -EPERM);
	assert_non_null(strstr(f->err.msg, "targets v1 (mods.json): 0 valid signature(s) from "
					   "distinct mods keys"));
	tt_tuf_key_free(k);
	tt_tuf_key_free(evil);
}

static void test_terminating_delegation(void **state)
{
	struct fx *f = *state;
	struct tt_tuf_key *k = NULL;
	assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ED25519, &k, NULL), 0);
	assert_int_equal(tt_tuf_repo_add_target(f->repo, "kernels/x.ko", "x", 1, NULL, NULL), 0);
	/* "first" matches, is terminating and does not list the target: "second" is never asked. */
	delegate(f, "first", k, "kernels/*", true, NULL, k);
	delegate(f, "second", k, "kernels/*", false, "kernels/x.ko", k);
	assert_int_equal(tt_tuf_repo_publish(f->repo, NULL), 0);
	assert_int_equal(download(f, "kernels/x.ko"), -ENOENT);
	char *p = tt_xasprintf("%s/second.json", f->client);
	assert_false(tt_path_exists(p));
	free(p);
	tt_tuf_key_free(k);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_refresh_and_download),
	    T(test_rollback_timestamp),
	    T(test_rollback_snapshot),
	    T(test_rollback_targets),
	    T(test_freeze_expired_timestamp),
	    T(test_freeze_expired_root),
	    T(test_mix_and_match),
	    T(test_snapshot_hash_mismatch),
	    T(test_target_wrong_hash),
	    T(test_target_wrong_length),
	    T(test_target_endless_data),
	    T(test_signatures_below_threshold),
	    T(test_duplicate_key_counted_once),
	    T(test_wrong_key),
	    T(test_root_rotation),
	    T(test_timestamp_key_rotation_recovers),
	    T(test_root_rotation_thresholds),
	    T(test_delegated_target),
	    T(test_delegated_wrong_key),
	    T(test_terminating_delegation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
