// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The repository side: the keys of each top-level role (one, or N with a
 * threshold of T for root and targets), signing, and publishing
 * with consistent snapshots (spec section 6.2: N.ROLE.json and HASH.NAME are
 * never overwritten, timestamp.json is written last), so a plain web server
 * serving the directory always offers a consistent set.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "archive_int.h"

enum { ROOT, TARGETS, SNAPSHOT, TIMESTAMP, NROLES };
static const char *const role_names[NROLES] = {"root", "targets", "snapshot", "timestamp"};
static const int64_t default_expiry[NROLES] = {365 * 86400, 90 * 86400, 7 * 86400, 86400};

#define MAX_ROLE_KEYS 8

struct tt_tuf_repo {
	char *dir, *mdir, *tdir, *kdir;
	char *offline; /* where root and targets keys are kept, when not in kdir; or NULL */
	int64_t now;
	int64_t expiry[NROLES];
	/* Slot k of a role is ROLE.pem (k = 0) or ROLE-(k+1).pem; NULL when not here (offline). */
	struct tt_tuf_key *keys[NROLES][MAX_ROLE_KEYS];
	size_t nkeys[NROLES]; /* the role's keys, here or not */
	/* The root keys before a rotation: they sign the next root too (5.3.4). */
	struct tt_tuf_key *old_root[MAX_ROLE_KEYS];
	bool root_rotated;    /* since the last root was written */
	bool rotated[NROLES]; /* new keys in ROLE.pem.next until the next root is out */
	json_t *signed_[NROLES];
	bool dirty[NROLES];
	struct tt_buf bytes[NROLES]; /* the last file written per role */
};

static int role_index(const char *role)
{
	for (int i = 0; i < NROLES; i++)
		if (!strcmp(role, role_names[i]))
			return i;
	return -1;
}

int tt_tuf_sign_envelope(const json_t *signed_, struct tt_tuf_key *const *keys, size_t nkeys,
			 char **out, size_t *out_len, struct tt_error *err)
{
	struct tt_buf canon = TT_BUF_INIT;
	*out = NULL;
	int r = tt_tuf_canonical(signed_, &canon, err);
	json_t *sigs = json_array();
	for (size_t i = 0; !r && i < nkeys; i++) {
		char *sig;
		r = tt_tuf_key_sign(keys[i], canon.buf, canon.len, &sig, err);
		if (!r)
			json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid",
							      tt_tuf_key_id(keys[i]), "sig", sig));
		if (!r)
			free(sig);
	}
	tt_buf_free(&canon);
	if (!r) {
		json_t *env = json_pack("{s:O, s:O}", "signatures", sigs, "signed", signed_);
		*out = json_dumps(env, JSON_INDENT(1) | JSON_SORT_KEYS);
		*out_len = strlen(*out);
		json_decref(env);
	}
	json_decref(sigs);
	return r;
}

static json_t *expires_in(const struct tt_tuf_repo *r, int role)
{
	char when[32];
	tt_format_iso8601(r->now + r->expiry[role], when, sizeof(when));
	return json_string(when);
}

static bool consistent(const struct tt_tuf_repo *r)
{
	return json_is_true(json_object_get(r->signed_[ROOT], "consistent_snapshot"));
}

static json_t *new_signed(const struct tt_tuf_repo *r, int role)
{
	json_t *s = json_pack("{s:s, s:s, s:i, s:o}", "_type", role_names[role], "spec_version",
			      "1.0.31", "version", 0, "expires", expires_in(r, role));
	if (role == TARGETS)
		json_object_set_new(s, "targets", json_object());
	else if (role != ROOT)
		json_object_set_new(s, "meta", json_object());
	return s;
}

/* Root lists the role's keys (all present: just made) and its threshold. */
static void set_role_keys(struct tt_tuf_repo *r, int role, int threshold)
{
	json_t *root = r->signed_[ROOT], *ids = json_array();
	for (size_t k = 0; k < r->nkeys[role]; k++) {
		struct tt_tuf_key *key = r->keys[role][k];
		json_object_set_new(json_object_get(root, "keys"), tt_tuf_key_id(key),
				    tt_tuf_key_to_json(key));
		json_array_append_new(ids, json_string(tt_tuf_key_id(key)));
	}
	json_object_set_new(json_object_get(root, "roles"), role_names[role],
			    json_pack("{s:o, s:i}", "keyids", ids, "threshold", threshold));
}

static json_t *role_json(const struct tt_tuf_repo *r, int role)
{
	return json_object_get(json_object_get(r->signed_[ROOT], "roles"), role_names[role]);
}

static int role_threshold(const struct tt_tuf_repo *r, int role)
{
	json_int_t t = json_integer_value(json_object_get(role_json(r, role), "threshold"));
	return t > 0 ? (int)t : 1;
}

/* The role's keys that are here and that root lists for it. */
static size_t present_keys(const struct tt_tuf_repo *r, int role, struct tt_tuf_key **out)
{
	json_t *ids = json_object_get(role_json(r, role), "keyids"), *id;
	size_t n = 0, j;
	for (size_t k = 0; k < r->nkeys[role]; k++) {
		struct tt_tuf_key *key = r->keys[role][k];
		bool listed = false;
		json_array_foreach(ids, j, id) listed |=
		    key && !strcmp(json_string_value(id), tt_tuf_key_id(key));
		if (listed)
			out[n++] = key;
	}
	return n;
}

static json_t *new_root(const struct tt_tuf_repo *r, bool consistent_snapshot)
{
	json_t *s = new_signed(r, ROOT);
	json_object_set_new(s, "consistent_snapshot", json_boolean(consistent_snapshot));
	json_object_set_new(s, "keys", json_object());
	json_object_set_new(s, "roles", json_object());
	return s;
}

static void repo_paths(struct tt_tuf_repo *r, const char *dir, const char *offline_dir)
{
	r->dir = tt_xstrdup(dir);
	r->mdir = tt_xasprintf("%s/metadata", dir);
	r->tdir = tt_xasprintf("%s/targets", dir);
	r->kdir = tt_xasprintf("%s/keys", dir);
	r->offline = offline_dir ? tt_xstrdup(offline_dir) : NULL;
}

/* Root and targets sign rarely and matter most: with an offline directory they live there. */
static bool offline_role(int role)
{
	return role == ROOT || role == TARGETS;
}

/* Key slot k's file in dir: ROLE.pem, ROLE-2.pem, ... */
static char *key_file(const char *dir, int role, size_t k)
{
	return k ? tt_xasprintf("%s/%s-%zu.pem", dir, role_names[role], k + 1)
		 : tt_xasprintf("%s/%s.pem", dir, role_names[role]);
}

/* Where ROLE's keys are written: the offline directory for root and targets when there is one. */
static char *key_path(const struct tt_tuf_repo *r, int role, size_t k)
{
	return key_file(r->offline && offline_role(role) ? r->offline : r->kdir, role, k);
}

/* A role's private keys, threshold of them, are needed to sign it; offline ones may not be here. */
static int need_key(const struct tt_tuf_repo *r, int role, struct tt_error *err)
{
	struct tt_tuf_key *here[MAX_ROLE_KEYS];
	size_t n = present_keys(r, role, here);
	int t = role_threshold(r, role);
	if (n >= (size_t)t)
		return 0;
	if (r->nkeys[role] <= 1)
		return tt_error_set(err, -ENOKEY,
				    "the %s key is not here (no %s.pem in %s%s%s): give the "
				    "directory that holds it with --offline-keys",
				    role_names[role], role_names[role], r->kdir,
				    r->offline ? " or " : "", r->offline ? r->offline : "");
	return tt_error_set(err, -ENOKEY,
			    "the %s role is signed by %d of its %zu keys and %zu are here (%s.pem, "
			    "%s-2.pem, ... in %s%s%s): give the directory that holds them with "
			    "--offline-keys",
			    role_names[role], t, r->nkeys[role], n, role_names[role],
			    role_names[role], r->kdir, r->offline ? " or " : "",
			    r->offline ? r->offline : "");
}

/* The role's keys to their files, or to FILE.next (suffix) until the root naming them is out. */
static int save_keys(struct tt_tuf_repo *r, int role, const char *suffix, struct tt_error *err)
{
	int rc = 0;
	for (size_t k = 0; !rc && k < r->nkeys[role]; k++) {
		_cleanup_free_ char *path = key_path(r, role, k);
		_cleanup_free_ char *file = tt_xasprintf("%s%s", path, suffix);
		rc = tt_tuf_key_save_private(r->keys[role][k], file, err);
	}
	return rc;
}

/*
 * After the root that lists them is published, rotated keys replace the old
 * files. Until then the old keys stay on disk: a publish that failed (a key
 * missing, a full disk) must not leave the archive with keys its published
 * root does not know.
 */
static int install_rotated_keys(struct tt_tuf_repo *r, struct tt_error *err)
{
	int rc = 0;
	for (int i = 0; i < NROLES && !rc; i++) {
		for (size_t k = 0; r->rotated[i] && !rc && k < r->nkeys[i]; k++) {
			_cleanup_free_ char *path = key_path(r, i, k);
			_cleanup_free_ char *next = tt_xasprintf("%s.next", path);
			if (rename(next, path) != 0)
				rc = tt_error_set(err, -errno,
						  "root is published, but the new %s key could not "
						  "replace the old one: rename %s to %s: %s",
						  role_names[i], next, path, strerror(errno));
		}
		r->rotated[i] = rc != 0 && r->rotated[i];
	}
	return rc;
}

/* N new keys for a role, of the type of its first key here (or root's). */
static int generate_keys(struct tt_tuf_repo *r, int role, enum tt_tuf_keytype type,
			 struct tt_tuf_key **out, struct tt_error *err)
{
	int rc = 0;
	for (size_t k = 0; !rc && k < r->nkeys[role]; k++)
		rc = tt_tuf_key_generate(type, &out[k], err);
	return rc;
}

int tt_tuf_repo_create(const char *dir, const struct tt_tuf_repo_opts *o, struct tt_tuf_repo **out,
		       struct tt_error *err)
{
	struct tt_tuf_repo *r = tt_xcalloc(1, sizeof(*r));
	*out = NULL;
	repo_paths(r, dir, o->offline_keys_dir);
	r->now = o->now ? o->now : (int64_t)time(NULL);
	const int64_t e[NROLES] = {o->root_expiry, o->targets_expiry, o->snapshot_expiry,
				   o->timestamp_expiry};
	for (int i = 0; i < NROLES; i++)
		r->expiry[i] = e[i] > 0 ? e[i] : default_expiry[i];
	int rc = tt_mkdir_p(r->mdir, 0755, err);
	if (!rc)
		rc = tt_mkdir_p(r->tdir, 0755, err);
	if (!rc)
		rc = tt_mkdir_p(r->kdir, 0700, err);
	if (!rc && r->offline)
		rc = tt_mkdir_p(r->offline, 0700, err);
	const unsigned n[NROLES] = {o->root_keys, o->targets_keys, 1, 1};
	const unsigned t[NROLES] = {o->root_threshold, o->targets_threshold, 1, 1};
	for (int i = 0; i < NROLES && !rc; i++) {
		r->nkeys[i] = n[i] ? n[i] : 1;
		unsigned th = t[i] ? t[i] : 1;
		if (r->nkeys[i] > MAX_ROLE_KEYS || th > r->nkeys[i])
			rc =
			    tt_error_set(err, -EINVAL,
					 "%s: %u key(s) with a threshold of %u: the threshold must "
					 "be 1 to the number of keys, and at most %d keys",
					 role_names[i], (unsigned)r->nkeys[i], th, MAX_ROLE_KEYS);
	}
	for (int i = 0; i < NROLES && !rc; i++) {
		r->signed_[i] =
		    i == ROOT ? new_root(r, !o->no_consistent_snapshot) : new_signed(r, i);
		r->dirty[i] = true;
		rc = generate_keys(r, i, o->keytype, r->keys[i], err);
		if (!rc)
			rc = save_keys(r, i, "", err);
	}
	for (int i = 0; i < NROLES && !rc; i++)
		set_role_keys(r, i, (int)(t[i] ? t[i] : 1));
	if (rc) {
		tt_tuf_repo_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int write_file(struct tt_tuf_repo *r, const char *name, const struct tt_buf *b,
		      struct tt_error *err)
{
	char *path = tt_xasprintf("%s/%s", r->mdir, name);
	int rc = tt_write_file_atomic(path, b->buf, b->len, err);
	free(path);
	return rc;
}

int tt_tuf_repo_write_role(struct tt_tuf_repo *r, const char *role, struct tt_error *err)
{
	int i = role_index(role);
	if (i < 0)
		return tt_error_set(err, -EINVAL, "no top-level role \"%s\"", role);
	/* Publishing checks the threshold first; this signs with whatever keys are here. */
	struct tt_tuf_key *keys[2 * MAX_ROLE_KEYS];
	size_t n = present_keys(r, i, keys);
	if (n == 0)
		return need_key(r, i, err);
	for (size_t k = 0; i == ROOT && k < MAX_ROLE_KEYS; k++)
		if (r->old_root[k])
			keys[n++] = r->old_root[k];
	char *text;
	size_t len;
	int rc = tt_tuf_sign_envelope(r->signed_[i], keys, n, &text, &len, err);
	if (rc)
		return rc;
	tt_buf_reset(&r->bytes[i]);
	tt_buf_add(&r->bytes[i], text, len);
	free(text);
	int64_t v = json_integer_value(json_object_get(r->signed_[i], "version"));
	char name[64];
	/* Root is always versioned (5.3); the others when consistent snapshots are on. */
	snprintf(name, sizeof(name), "%lld.%s.json", (long long)v, role);
	if (i != TIMESTAMP && (i == ROOT || consistent(r)))
		rc = write_file(r, name, &r->bytes[i], err);
	snprintf(name, sizeof(name), "%s.json", role);
	if (!rc)
		rc = write_file(r, name, &r->bytes[i], err);
	for (size_t k = 0; !rc && i == ROOT && k < MAX_ROLE_KEYS; k++) {
		tt_tuf_key_free(r->old_root[k]);
		r->old_root[k] = NULL;
	}
	if (!rc && i == ROOT) {
		r->root_rotated = false;
		rc = install_rotated_keys(r, err);
	}
	return rc ? tt_error_prefix(err, "publishing %s v%lld: ", role, (long long)v) : 0;
}

static void bump(struct tt_tuf_repo *r, int role)
{
	json_t *s = r->signed_[role];
	json_object_set_new(s, "version",
			    json_integer(json_integer_value(json_object_get(s, "version")) + 1));
	json_object_set_new(s, "expires", expires_in(r, role));
}

/* {version, length, hashes} of what was last written for role. */
static json_t *metafile(struct tt_tuf_repo *r, int role)
{
	char hex[65];
	tt_archive_sha256_hex(r->bytes[role].buf, r->bytes[role].len, hex);
	return json_pack("{s:I, s:I, s:{s:s}}", "version",
			 json_integer_value(json_object_get(r->signed_[role], "version")), "length",
			 (json_int_t)r->bytes[role].len, "hashes", "sha256", hex);
}

static int publish_role(struct tt_tuf_repo *r, int role, struct tt_error *err)
{
	bump(r, role);
	int rc = tt_tuf_repo_write_role(r, role_names[role], err);
	if (!rc)
		r->dirty[role] = false;
	return rc;
}

int tt_tuf_repo_timestamp(struct tt_tuf_repo *r, struct tt_error *err)
{
	json_object_set_new(json_object_get(r->signed_[TIMESTAMP], "meta"), "snapshot.json",
			    metafile(r, SNAPSHOT));
	return publish_role(r, TIMESTAMP, err);
}

int tt_tuf_repo_publish(struct tt_tuf_repo *r, struct tt_error *err)
{
	/* Every key first: a publish that stops halfway would leave targets ahead of snapshot. */
	int rc = 0;
	for (int i = 0; i < NROLES && !rc; i++)
		if (r->dirty[i] || i == SNAPSHOT || i == TIMESTAMP)
			rc = need_key(r, i, err);
	if (!rc && r->dirty[ROOT])
		rc = publish_role(r, ROOT, err);
	if (!rc && r->dirty[TARGETS])
		rc = publish_role(r, TARGETS, err);
	if (!rc) {
		json_object_set_new(json_object_get(r->signed_[SNAPSHOT], "meta"), "targets.json",
				    metafile(r, TARGETS));
		rc = publish_role(r, SNAPSHOT, err);
	}
	return rc ? rc : tt_tuf_repo_timestamp(r, err);
}

static int write_target_file(struct tt_tuf_repo *r, const char *rel, const void *data, size_t len,
			     struct tt_error *err)
{
	char *path = tt_xasprintf("%s/%s", r->tdir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	int rc = tt_mkdir_p(path, 0755, err);
	*slash = '/';
	if (!rc)
		rc = tt_write_file_atomic(path, data, len, err);
	free(path);
	return rc;
}

int tt_tuf_repo_add_target(struct tt_tuf_repo *r, const char *name, const void *data, size_t len,
			   json_t *custom, struct tt_error *err)
{
	char hex[65];
	if (!*name || name[0] == '/' || strstr(name, "..") || name[strlen(name) - 1] == '/')
		return tt_error_set(err, -EINVAL, "target name \"%s\": must be a relative path",
				    name);
	tt_archive_sha256_hex(data, len, hex);
	const char *slash = strrchr(name, '/');
	/* 5.7.3: with consistent snapshots a target is served as DIR/HASH.BASENAME. */
	char *rel = slash ? tt_xasprintf("%.*s/%s.%s", (int)(slash - name), name, hex, slash + 1)
			  : tt_xasprintf("%s.%s", hex, name);
	int rc = write_target_file(r, consistent(r) ? rel : name, data, len, err);
	free(rel);
	if (rc)
		return rc;
	json_t *ti =
	    json_pack("{s:I, s:{s:s}}", "length", (json_int_t)len, "hashes", "sha256", hex);
	if (custom)
		json_object_set(ti, "custom", custom);
	json_object_set_new(json_object_get(r->signed_[TARGETS], "targets"), name, ti);
	r->dirty[TARGETS] = true;
	return 0;
}

int tt_tuf_repo_remove_target(struct tt_tuf_repo *r, const char *name, struct tt_error *err)
{
	json_t *targets = json_object_get(r->signed_[TARGETS], "targets");
	if (!json_object_get(targets, name))
		return tt_error_set(err, -ENOENT, "target \"%s\" is not in the archive", name);
	json_object_del(targets, name);
	r->dirty[TARGETS] = true;
	return 0;
}

/* Drop from root's key list the keys of role's old key ids that no other role uses. */
static void drop_role_keys(struct tt_tuf_repo *r, int role)
{
	json_t *roles = json_object_get(r->signed_[ROOT], "roles");
	json_t *keys = json_object_get(r->signed_[ROOT], "keys");
	json_t *ids =
	    json_deep_copy(json_object_get(json_object_get(roles, role_names[role]), "keyids"));
	size_t n;
	json_t *id;
	json_array_foreach(ids, n, id)
	{
		bool shared = false;
		for (int j = 0; j < NROLES; j++) {
			json_t *other =
			    json_object_get(json_object_get(roles, role_names[j]), "keyids");
			size_t m;
			json_t *oid;
			json_array_foreach(other, m, oid) shared |=
			    j != role && json_equal(oid, id);
		}
		if (!shared)
			json_object_del(keys, json_string_value(id));
	}
	json_decref(ids);
}

int tt_tuf_repo_rotate_key(struct tt_tuf_repo *r, const char *role, struct tt_error *err)
{
	int i = role_index(role);
	if (i < 0)
		return tt_error_set(err, -EINVAL, "no top-level role \"%s\"", role);
	/* The new root is signed by root's keys (the old and the new, for root itself). */
	int rc = need_key(r, ROOT, err);
	if (rc)
		return rc;
	/* The new keys are of the type of the role's keys, or of root's when none is here. */
	struct tt_tuf_key *here[MAX_ROLE_KEYS], *fresh[MAX_ROLE_KEYS] = {0};
	if (!present_keys(r, i, here))
		present_keys(r, ROOT, here);
	rc = generate_keys(r, i, tt_tuf_key_type(here[0]), fresh, err);
	if (rc) {
		for (size_t j = 0; j < MAX_ROLE_KEYS; j++)
			tt_tuf_key_free(fresh[j]);
		return rc;
	}
	int threshold = role_threshold(r, i);
	/* Rotated twice before a publish: the keys of the published root still sign. */
	bool keep_old = i == ROOT && !r->root_rotated;
	r->root_rotated |= i == ROOT;
	for (size_t j = 0; j < MAX_ROLE_KEYS; j++) {
		if (keep_old)
			r->old_root[j] = r->keys[i][j];
		else
			tt_tuf_key_free(r->keys[i][j]);
		r->keys[i][j] = fresh[j];
	}
	drop_role_keys(r, i);
	set_role_keys(r, i, threshold);
	r->dirty[ROOT] = true;
	r->rotated[i] = true;
	return save_keys(r, i, ".next", err);
}

int tt_tuf_repo_touch(struct tt_tuf_repo *r, const char *role, struct tt_error *err)
{
	int i = role_index(role);
	if (i < 0)
		return tt_error_set(err, -EINVAL, "no top-level role \"%s\"", role);
	r->dirty[i] = true;
	return 0;
}

json_t *tt_tuf_repo_signed(struct tt_tuf_repo *r, const char *role)
{
	int i = role_index(role);
	return i < 0 ? NULL : r->signed_[i];
}

struct tt_tuf_key *tt_tuf_repo_key(struct tt_tuf_repo *r, const char *role)
{
	int i = role_index(role);
	return i < 0 ? NULL : r->keys[i][0];
}

const char *tt_tuf_repo_metadata_dir(const struct tt_tuf_repo *r)
{
	return r->mdir;
}

const char *tt_tuf_repo_targets_dir(const struct tt_tuf_repo *r)
{
	return r->tdir;
}

void tt_tuf_repo_free(struct tt_tuf_repo *r)
{
	if (!r)
		return;
	for (int i = 0; i < NROLES; i++) {
		for (size_t k = 0; k < MAX_ROLE_KEYS; k++)
			tt_tuf_key_free(r->keys[i][k]);
		json_decref(r->signed_[i]);
		tt_buf_free(&r->bytes[i]);
	}
	for (size_t k = 0; k < MAX_ROLE_KEYS; k++)
		tt_tuf_key_free(r->old_root[k]);
	free(r->dir);
	free(r->mdir);
	free(r->tdir);
	free(r->kdir);
	free(r->offline);
	free(r);
}

/* Reload one role's latest published file: its signed part and its bytes. */
static int load_role(struct tt_tuf_repo *r, int i, struct tt_error *err)
{
	char *path = tt_xasprintf("%s/%s.json", r->mdir, role_names[i]);
	char *data = NULL;
	size_t len = 0;
	int rc = tt_read_file(path, &data, &len, err);
	json_t *doc = rc ? NULL : json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *s = json_object_get(doc, "signed");
	if (!rc && !json_is_object(s))
		rc = tt_error_set(err, -EINVAL, "%s: not a metadata file", path);
	if (!rc) {
		r->signed_[i] = json_incref(s);
		tt_buf_add(&r->bytes[i], data, len);
	}
	json_decref(doc);
	free(data);
	free(path);
	return rc;
}

/* The role's key files found here: the offline directory first, then DIR/keys. */
static int load_keys(struct tt_tuf_repo *r, int role, struct tt_error *err)
{
	size_t listed = json_array_size(json_object_get(role_json(r, role), "keyids"));
	r->nkeys[role] = listed < 1 ? 1 : listed > MAX_ROLE_KEYS ? MAX_ROLE_KEYS : listed;
	int rc = 0;
	for (size_t k = 0; !rc && k < r->nkeys[role]; k++) {
		char *path = r->offline ? key_file(r->offline, role, k) : NULL;
		if (!path || !tt_path_exists(path)) {
			free(path);
			path = key_file(r->kdir, role, k);
		}
		/* A key kept elsewhere (offline) is only needed when its role is signed. */
		if (tt_path_exists(path))
			rc = tt_tuf_key_load_private(path, &r->keys[role][k], err);
		free(path);
	}
	return rc;
}

int tt_tuf_repo_open(const char *dir, const char *offline_keys_dir, int64_t now,
		     struct tt_tuf_repo **out, struct tt_error *err)
{
	struct tt_tuf_repo *r = tt_xcalloc(1, sizeof(*r));
	*out = NULL;
	repo_paths(r, dir, offline_keys_dir);
	r->now = now ? now : (int64_t)time(NULL);
	int rc = 0;
	for (int i = 0; i < NROLES && !rc; i++) {
		r->expiry[i] = default_expiry[i];
		rc = load_role(r, i, err);
	}
	for (int i = 0; i < NROLES && !rc; i++)
		rc = load_keys(r, i, err);
	if (rc) {
		tt_tuf_repo_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
