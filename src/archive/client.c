// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TUF client workflow (spec section 5) over a metadata directory and a
 * repository URL: fetch with byte caps, verify through the trusted set, and
 * only then write, atomically, what verified.
 */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>
#include <time.h>

#include "archive_int.h"
#include "tuxtape/feeds.h"

struct tt_tuf_client {
	char *dir, *url;
	char *proxy, *ca_file;
	struct tt_http_transport transport; /* points at proxy and ca_file */
	int64_t now;
	int max_rotations;
	struct tt_tuf_trusted *t;
	bool refreshed;
};

/* Role names become file names: percent-encode all but [A-Za-z0-9._~-]. */
static char *encode_name(const char *s)
{
	struct tt_buf b = TT_BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._~-", *p))
			tt_buf_addc(&b, (char)*p);
		else
			tt_buf_addf(&b, "%%%02X", *p);
	}
	tt_buf_adds(&b, "");
	return tt_buf_detach(&b);
}

static char *join_url(const char *base, const char *name)
{
	size_t n = strlen(base);
	return tt_xasprintf("%s%s%s", base, n && base[n - 1] == '/' ? "" : "/", name);
}

int tt_tuf_client_init_root(const char *metadata_dir, const char *root_file, struct tt_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int r = tt_mkdir_p(metadata_dir, 0755, err);
	if (!r)
		r = tt_read_file(root_file, &data, &len, err);
	if (!r) {
		char *path = tt_xasprintf("%s/root.json", metadata_dir);
		r = tt_write_file_atomic(path, data, len, err);
		free(path);
	}
	free(data);
	return r;
}

int tt_tuf_client_new(const struct tt_tuf_client_opts *o, struct tt_tuf_client **out,
		      struct tt_error *err)
{
	*out = NULL;
	if (!o->metadata_dir)
		return tt_error_set(err, -EINVAL, "no metadata directory");
	char *path = tt_xasprintf("%s/root.json", o->metadata_dir);
	char *data = NULL;
	size_t len = 0;
	/* 5.1: one reference time for the whole update, read through libc. */
	int64_t now = o->now ? o->now : (int64_t)time(NULL);
	struct tt_tuf_trusted *t = NULL;
	int r = tt_read_file(path, &data, &len, err);
	if (!r)
		r = tt_tuf_trusted_new(data, len, now, &t, err);
	free(data);
	if (r) {
		tt_error_prefix(err, "%s: ", path);
		free(path);
		return r;
	}
	free(path);
	struct tt_tuf_client *c = tt_xcalloc(1, sizeof(*c));
	c->dir = tt_xstrdup(o->metadata_dir);
	c->url = o->metadata_url ? tt_xstrdup(o->metadata_url) : NULL;
	c->proxy = o->transport.proxy ? tt_xstrdup(o->transport.proxy) : NULL;
	c->ca_file = o->transport.ca_file ? tt_xstrdup(o->transport.ca_file) : NULL;
	c->transport = (struct tt_http_transport){c->proxy, c->ca_file};
	c->now = now;
	c->max_rotations = o->max_root_rotations > 0 ? o->max_root_rotations : 32;
	c->t = t;
	*out = c;
	return 0;
}

void tt_tuf_client_free(struct tt_tuf_client *c)
{
	if (!c)
		return;
	tt_tuf_trusted_free(c->t);
	free(c->dir);
	free(c->url);
	free(c->proxy);
	free(c->ca_file);
	free(c);
}

static int fetch_meta(struct tt_tuf_client *c, const char *name, long cap, struct tt_buf *b,
		      struct tt_error *err)
{
	if (!c->url)
		return tt_error_set(err, -EINVAL, "no metadata URL");
	char *url = join_url(c->url, name);
	tt_buf_reset(b);
	int r = tt_http_fetch_via(url, &c->transport, b, cap, err);
	free(url);
	return r;
}

static int persist(struct tt_tuf_client *c, const char *role, const struct tt_buf *b,
		   struct tt_error *err)
{
	char *enc = encode_name(role);
	char *path = tt_xasprintf("%s/%s.json", c->dir, enc);
	int r = tt_write_file_atomic(path, b->buf, b->len, err);
	free(path);
	free(enc);
	return r;
}

/* The trusted copy of a role, if any (NULL data when absent). */
static int read_local(struct tt_tuf_client *c, const char *role, char **data, size_t *len)
{
	char *enc = encode_name(role);
	char *path = tt_xasprintf("%s/%s.json", c->dir, enc);
	int r = tt_read_file(path, data, len, NULL);
	free(path);
	free(enc);
	return r;
}

/* 5.3: walk N+1.root.json until the repository has no next version. */
static int update_root(struct tt_tuf_client *c, struct tt_error *err)
{
	struct tt_buf b = TT_BUF_INIT;
	int r = 0;
	for (int i = 0; i < c->max_rotations && !r; i++) {
		int64_t next = tt_tuf_trusted_version(c->t, "root") + 1;
		char name[40];
		snprintf(name, sizeof(name), "%lld.root.json", (long long)next);
		r = fetch_meta(c, name, TT_TUF_MAX_ROOT_BYTES, &b, err);
		if (r == -ENOENT || r == -EACCES) {
			tt_error_clear(err);
			r = 0;
			break;
		}
		if (!r)
			r = tt_tuf_trusted_update_root(c->t, b.buf, b.len, err);
		/* 5.3.8: each verified root is trusted at once, before the next step. */
		if (!r)
			r = persist(c, "root", &b, err);
	}
	tt_buf_free(&b);
	return r ? r : tt_tuf_trusted_check_root(c->t, err);
}

static int update_timestamp(struct tt_tuf_client *c, struct tt_error *err)
{
	char *local = NULL;
	size_t llen = 0;
	/* The trusted copy is the rollback baseline; one that no longer verifies is dropped
	 * (5.3.11: after a key rotation, fast-forward recovery). */
	if (read_local(c, "timestamp", &local, &llen) == 0)
		tt_tuf_trusted_update_timestamp(c->t, local, llen, true, NULL);
	free(local);
	struct tt_buf b = TT_BUF_INIT;
	int r = fetch_meta(c, "timestamp.json", TT_TUF_MAX_TIMESTAMP_BYTES, &b, err);
	if (!r)
		r = tt_tuf_trusted_update_timestamp(c->t, b.buf, b.len, false, err);
	if (!r)
		r = persist(c, "timestamp", &b, err);
	else if (r == -EALREADY) {
		tt_error_clear(err);
		r = 0;
	}
	tt_buf_free(&b);
	return r;
}

/* The file name a role is fetched under (5.5.1, 5.6.1: consistent snapshots). */
static char *versioned(struct tt_tuf_client *c, const char *role, int64_t version)
{
	char *enc = encode_name(role);
	char *s = tt_tuf_trusted_consistent_snapshot(c->t)
		      ? tt_xasprintf("%lld.%s.json", (long long)version, enc)
		      : tt_xasprintf("%s.json", enc);
	free(enc);
	return s;
}

static int update_snapshot(struct tt_tuf_client *c, struct tt_error *err)
{
	char *local = NULL;
	size_t llen = 0;
	if (read_local(c, "snapshot", &local, &llen) == 0) {
		int lr = tt_tuf_trusted_update_snapshot(c->t, local, llen, true, NULL);
		free(local);
		if (lr == 0)
			return 0; /* the trusted copy is the one the timestamp names */
	}
	struct tt_buf b = TT_BUF_INIT;
	int64_t version = 0, length = 0;
	tt_tuf_trusted_timestamp_snapshot(c->t, &version, &length);
	char *name = versioned(c, "snapshot", version);
	int r = fetch_meta(c, name, length > 0 ? (long)length : TT_TUF_MAX_META_BYTES, &b, err);
	free(name);
	if (!r)
		r = tt_tuf_trusted_update_snapshot(c->t, b.buf, b.len, false, err);
	if (!r)
		r = persist(c, "snapshot", &b, err);
	tt_buf_free(&b);
	return r;
}

/* 5.6: load a targets role (trusted copy if current, else fetched). */
static int load_targets(struct tt_tuf_client *c, const char *role, const char *parent,
			struct tt_error *err)
{
	if (tt_tuf_trusted_targets_md(c->t, role))
		return 0;
	char *local = NULL;
	size_t llen = 0;
	if (read_local(c, role, &local, &llen) == 0) {
		int lr = tt_tuf_trusted_update_targets(c->t, role, parent, local, llen, true, NULL);
		free(local);
		if (lr == 0)
			return 0;
	}
	int64_t version, length;
	int r = tt_tuf_trusted_snapshot_meta(c->t, role, &version, &length, err);
	if (r)
		return r;
	struct tt_buf b = TT_BUF_INIT;
	char *name = versioned(c, role, version);
	r = fetch_meta(c, name, length > 0 ? (long)length : TT_TUF_MAX_META_BYTES, &b, err);
	free(name);
	if (!r)
		r = tt_tuf_trusted_update_targets(c->t, role, parent, b.buf, b.len, false, err);
	if (!r)
		r = persist(c, role, &b, err);
	tt_buf_free(&b);
	return r;
}

int tt_tuf_client_refresh(struct tt_tuf_client *c, struct tt_error *err)
{
	if (c->refreshed)
		return 0;
	int r = update_root(c, err);
	if (!r)
		r = update_timestamp(c, err);
	if (!r)
		r = update_snapshot(c, err);
	if (!r)
		r = load_targets(c, "targets", NULL, err);
	if (!r)
		c->refreshed = true;
	return r;
}

/* 5.6.7.2: a path pattern matches component by component, '*' never crossing '/'. */
static bool path_matches(const char *pattern, const char *path)
{
	char *p = tt_xstrdup(pattern), *t = tt_xstrdup(path);
	char *ps, *ts;
	char *a = strtok_r(p, "/", &ps), *b = strtok_r(t, "/", &ts);
	bool ok = true;
	while (ok && a && b) {
		ok = fnmatch(a, b, FNM_NOESCAPE) == 0;
		a = strtok_r(NULL, "/", &ps);
		b = strtok_r(NULL, "/", &ts);
	}
	ok = ok && !a && !b && (pattern[0] == '/') == (path[0] == '/');
	free(p);
	free(t);
	return ok;
}

static bool role_matches(const json_t *role, const char *target)
{
	const json_t *paths = json_object_get(role, "paths");
	const json_t *prefixes = json_object_get(role, "path_hash_prefixes");
	for (size_t i = 0; i < json_array_size(paths); i++) {
		const char *p = json_string_value(json_array_get(paths, i));
		if (p && path_matches(p, target))
			return true;
	}
	if (json_array_size(prefixes)) {
		char hex[65];
		tt_archive_sha256_hex(target, strlen(target), hex);
		for (size_t i = 0; i < json_array_size(prefixes); i++) {
			const char *p = json_string_value(json_array_get(prefixes, i));
			if (p && strncmp(hex, p, strlen(p)) == 0)
				return true;
		}
	}
	return false;
}

struct visit {
	char *role, *parent;
};

static void fill_target(const char *role, const char *name, const json_t *ti,
			struct tt_tuf_target *out)
{
	out->name = name;
	out->length = json_integer_value(json_object_get(ti, "length"));
	out->hashes = json_object_get(ti, "hashes");
	out->custom = json_object_get(ti, "custom");
	out->role = role;
}

static void clear_stack(struct visit *stack, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(stack[i].role);
		free(stack[i].parent);
	}
	*n = 0;
}

/* Push the delegations of m that match name, first one on top (5.6.7: preorder DFS). */
static void push_children(const struct tt_tuf_md *m, const char *role, const char *name,
			  struct visit **stack, size_t *n)
{
	const json_t *roles = json_object_get(json_object_get(m->signed_, "delegations"), "roles");
	size_t nkids = 0;
	const json_t **kids = tt_xcalloc(json_array_size(roles) + 1, sizeof(*kids));
	for (size_t i = 0; i < json_array_size(roles); i++) {
		const json_t *d = json_array_get(roles, i);
		if (!role_matches(d, name))
			continue;
		kids[nkids++] = d;
		/* 5.6.7.2.1: a terminating role ends the search past it, queued roles too. */
		if (json_is_true(json_object_get(d, "terminating"))) {
			clear_stack(*stack, n);
			break;
		}
	}
	*stack = tt_xrealloc(*stack, (*n + nkids + 1) * sizeof(**stack));
	while (nkids--)
		(*stack)[(*n)++] = (struct visit){
		    tt_xstrdup(json_string_value(json_object_get(kids[nkids], "name"))),
		    tt_xstrdup(role)};
	free(kids);
}

static int search(struct tt_tuf_client *c, const char *name, struct tt_tuf_target *out,
		  struct tt_error *err)
{
	struct visit *stack = tt_xmalloc(sizeof(*stack));
	size_t n = 1, visited = 0;
	struct tt_strv seen = TT_STRV_INIT;
	stack[0] = (struct visit){tt_xstrdup("targets"), NULL};
	int r = -ENOENT;
	while (n && r == -ENOENT && visited < 32) {
		struct visit v = stack[--n];
		if (!tt_strv_contains(&seen, v.role)) {
			tt_strv_push(&seen, v.role);
			visited++;
			int lr = load_targets(c, v.role, v.parent, err);
			const struct tt_tuf_md *m = tt_tuf_trusted_targets_md(c->t, v.role);
			const json_t *ti =
			    m ? json_object_get(json_object_get(m->signed_, "targets"), name)
			      : NULL;
			if (lr)
				r = lr;
			else if (ti) {
				fill_target(tt_tuf_trusted_role_name(c->t, v.role), name, ti, out);
				r = 0;
			} else {
				push_children(m, v.role, name, &stack, &n);
			}
		}
		free(v.role);
		free(v.parent);
	}
	clear_stack(stack, &n);
	free(stack);
	tt_strv_free(&seen);
	if (r == -ENOENT)
		tt_error_set(err, -ENOENT, "target %s: not listed by any trusted targets role",
			     name);
	return r;
}

int tt_tuf_client_find_target(struct tt_tuf_client *c, const char *name, struct tt_tuf_target *out,
			      struct tt_error *err)
{
	int r = tt_tuf_client_refresh(c, err);
	if (!r) {
		out->name = NULL;
		r = search(c, name, out, err);
		if (!r)
			out->name = name;
	}
	return r;
}

/* Is the file already there with the length and every hash (the suite's cache rule)? */
static bool cached(const char *path, const struct tt_tuf_target *ti)
{
	char *data = NULL;
	size_t len = 0;
	bool ok = tt_read_file(path, &data, &len, NULL) == 0 && (int64_t)len == ti->length &&
		  tt_archive_check_hashes(data, len, ti->hashes, path, NULL) == 0;
	free(data);
	return ok;
}

/* 5.7.3: with consistent snapshots the file is DIR/HASH.BASENAME, by its first hash. */
static char *target_url(struct tt_tuf_client *c, const char *base, const struct tt_tuf_target *ti)
{
	if (!tt_tuf_trusted_consistent_snapshot(c->t))
		return join_url(base, ti->name);
	const char *hash = NULL;
	void *it = json_object_iter((json_t *)ti->hashes);
	if (it)
		hash = json_string_value(json_object_iter_value(it));
	const char *slash = strrchr(ti->name, '/');
	char *rel = slash ? tt_xasprintf("%.*s/%s.%s", (int)(slash - ti->name), ti->name,
					 hash ? hash : "", slash + 1)
			  : tt_xasprintf("%s.%s", hash ? hash : "", ti->name);
	char *url = join_url(base, rel);
	free(rel);
	return url;
}

static int fetch_target(struct tt_tuf_client *c, const struct tt_tuf_target *ti, const char *base,
			const char *path, struct tt_error *err)
{
	struct tt_buf b = TT_BUF_INIT;
	char *url = target_url(c, base, ti);
	/* 5.7.2: never read past the declared length (endless data). */
	int r =
	    tt_http_fetch_via(url, &c->transport, &b, ti->length > 0 ? (long)ti->length : 1, err);
	if (r == -EFBIG)
		tt_error_set(err, r,
			     "target %s (%s): more than the %lld bytes its metadata "
			     "declares (endless data attack?)",
			     ti->name, url, (long long)ti->length);
	else if (!r && (int64_t)b.len != ti->length)
		r = tt_error_set(err, -EBADMSG, "target %s (%s): %zu bytes, metadata says %lld",
				 ti->name, url, b.len, (long long)ti->length);
	if (!r)
		r = tt_archive_check_hashes(b.buf, b.len, ti->hashes, url, err);
	if (!r)
		r = tt_write_file_atomic(path, b.buf, b.len, err);
	free(url);
	tt_buf_free(&b);
	return r;
}

int tt_tuf_client_download(struct tt_tuf_client *c, const char *name, const char *target_base_url,
			   const char *target_dir, char **path_out, struct tt_error *err)
{
	struct tt_tuf_target ti;
	if (path_out)
		*path_out = NULL;
	int r = tt_tuf_client_find_target(c, name, &ti, err);
	if (!r)
		r = tt_mkdir_p(target_dir, 0755, err);
	if (r)
		return r;
	char *enc = encode_name(name);
	char *path = tt_xasprintf("%s/%s", target_dir, enc);
	free(enc);
	if (!cached(path, &ti))
		r = fetch_target(c, &ti, target_base_url, path, err);
	if (!r && path_out)
		*path_out = path;
	else
		free(path);
	return r;
}
