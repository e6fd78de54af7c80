// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The trusted set: each new metadata file is checked against what is already
 * trusted, in the order of the client workflow (spec sections 5.2-5.6). No
 * I/O and no clock: the reference time is fixed once by the caller (5.1).
 */
#include <errno.h>
#include <string.h>

#include "archive_int.h"

struct held_targets {
	char *name;
	struct tt_tuf_md *md;
};

struct tt_tuf_trusted {
	int64_t now;
	struct tt_tuf_md *root, *timestamp, *snapshot;
	bool snapshot_final; /* the snapshot is the one the timestamp names, unexpired */
	struct held_targets *targets;
	size_t ntargets;
};

static int expired(const struct tt_tuf_trusted *t, const struct tt_tuf_md *m, struct tt_error *err)
{
	if (m->expires > t->now)
		return 0;
	char when[32];
	tt_format_iso8601(m->expires, when, sizeof(when));
	return tt_error_set(err, -EKEYEXPIRED, "%s expired at %s (freeze attack?)", m->what, when);
}

static int verify_top(const struct tt_tuf_md *root, const struct tt_tuf_md *m, const char *role,
		      struct tt_error *err)
{
	return tt_tuf_md_verify(m, json_object_get(root->signed_, "keys"),
				tt_tuf_root_role(root, role), role, err);
}

int tt_tuf_trusted_new(const void *root, size_t len, int64_t now, struct tt_tuf_trusted **out,
		       struct tt_error *err)
{
	struct tt_tuf_md *m;
	*out = NULL;
	int r = tt_tuf_md_parse(root, len, "root", "trusted root.json", &m, err);
	/* 5.2: the trusted root must carry its own threshold; expiry comes after 5.3. */
	if (!r)
		r = verify_top(m, m, "root", err);
	if (r) {
		tt_tuf_md_free(m);
		return r;
	}
	struct tt_tuf_trusted *t = tt_xcalloc(1, sizeof(*t));
	t->now = now;
	t->root = m;
	*out = t;
	return 0;
}

void tt_tuf_trusted_free(struct tt_tuf_trusted *t)
{
	if (!t)
		return;
	tt_tuf_md_free(t->root);
	tt_tuf_md_free(t->timestamp);
	tt_tuf_md_free(t->snapshot);
	for (size_t i = 0; i < t->ntargets; i++) {
		free(t->targets[i].name);
		tt_tuf_md_free(t->targets[i].md);
	}
	free(t->targets);
	free(t);
}

static struct tt_tuf_md *held(const struct tt_tuf_trusted *t, const char *role)
{
	for (size_t i = 0; i < t->ntargets; i++)
		if (!strcmp(t->targets[i].name, role))
			return t->targets[i].md;
	return NULL;
}

int64_t tt_tuf_trusted_version(const struct tt_tuf_trusted *t, const char *role)
{
	const struct tt_tuf_md *m = !strcmp(role, "root")	 ? t->root
				    : !strcmp(role, "timestamp") ? t->timestamp
				    : !strcmp(role, "snapshot")	 ? t->snapshot
								 : held(t, role);
	return m ? m->version : 0;
}

bool tt_tuf_trusted_consistent_snapshot(const struct tt_tuf_trusted *t)
{
	return json_is_true(json_object_get(t->root->signed_, "consistent_snapshot"));
}

int tt_tuf_trusted_update_root(struct tt_tuf_trusted *t, const void *data, size_t len,
			       struct tt_error *err)
{
	struct tt_tuf_md *m;
	char what[64];
	if (t->timestamp)
		return tt_error_set(err, -EINVAL, "root update after the timestamp was loaded");
	snprintf(what, sizeof(what), "%lld.root.json", (long long)t->root->version + 1);
	int r = tt_tuf_md_parse(data, len, "root", what, &m, err);
	/* 5.3.4: signed by a threshold of the trusted root's keys and of its own. */
	if (!r)
		r = verify_top(t->root, m, "root", err);
	if (!r)
		r = verify_top(m, m, "root", err);
	/* 5.3.5: exactly the next version: no rollback, no skipping. */
	if (!r && m->version != t->root->version + 1)
		r = tt_error_set(err, -ESTALE, "%s: version %lld, expected %lld", m->what,
				 (long long)m->version, (long long)t->root->version + 1);
	if (r) {
		tt_tuf_md_free(m);
		return r;
	}
	tt_tuf_md_free(t->root);
	t->root = m;
	return 0;
}

int tt_tuf_trusted_check_root(struct tt_tuf_trusted *t, struct tt_error *err)
{
	return expired(t, t->root, err);
}

static int64_t meta_version(const struct tt_tuf_md *m, const char *name)
{
	return json_integer_value(
	    json_object_get(json_object_get(json_object_get(m->signed_, "meta"), name), "version"));
}

/* 5.4.3: neither the timestamp nor the snapshot it names may go back. */
static int timestamp_rollback(const struct tt_tuf_md *old, const struct tt_tuf_md *m,
			      struct tt_error *err)
{
	if (m->version < old->version)
		return tt_error_set(err, -ESTALE,
				    "%s: rollback attack: version %lld is older than the trusted "
				    "%lld",
				    m->what, (long long)m->version, (long long)old->version);
	if (m->version == old->version)
		return tt_error_set(err, -EALREADY, "%s: version %lld already trusted", m->what,
				    (long long)m->version);
	if (meta_version(m, "snapshot.json") < meta_version(old, "snapshot.json"))
		return tt_error_set(err, -ESTALE,
				    "%s: rollback attack: names snapshot v%lld, trusted timestamp "
				    "named v%lld",
				    m->what, (long long)meta_version(m, "snapshot.json"),
				    (long long)meta_version(old, "snapshot.json"));
	return 0;
}

int tt_tuf_trusted_update_timestamp(struct tt_tuf_trusted *t, const void *data, size_t len,
				    bool local, struct tt_error *err)
{
	struct tt_tuf_md *m;
	if (t->snapshot)
		return tt_error_set(err, -EINVAL, "timestamp update after the snapshot was loaded");
	int r = tt_tuf_trusted_check_root(t, err);
	if (!r)
		r = tt_tuf_md_parse(data, len, "timestamp",
				    local ? "trusted timestamp.json" : "timestamp.json", &m, err);
	if (r)
		return r;
	r = verify_top(t->root, m, "timestamp", err);
	if (!r && t->timestamp)
		r = timestamp_rollback(t->timestamp, m, err);
	/* 5.4.4: a freeze shows as an expired timestamp; a local copy is only a baseline. */
	if (!r && !local)
		r = expired(t, m, err);
	if (r) {
		tt_tuf_md_free(m);
		return r;
	}
	tt_tuf_md_free(t->timestamp);
	t->timestamp = m;
	return 0;
}

/* 5.5.5: every role the trusted snapshot lists stays, at no lower version. */
static int snapshot_rollback(const struct tt_tuf_md *old, const struct tt_tuf_md *m,
			     struct tt_error *err)
{
	const char *name;
	json_t *mf;
	json_t *meta = json_object_get(m->signed_, "meta");
	json_object_foreach(json_object_get(old->signed_, "meta"), name, mf)
	{
		const json_t *now = json_object_get(meta, name);
		int64_t was = json_integer_value(json_object_get(mf, "version"));
		if (!now)
			return tt_error_set(err, -ESTALE,
					    "%s: %s disappeared (trusted snapshot v%lld "
					    "listed it)",
					    m->what, name, (long long)old->version);
		if (json_integer_value(json_object_get(now, "version")) < was)
			return tt_error_set(
			    err, -ESTALE,
			    "%s: rollback attack: %s v%lld is older than the "
			    "trusted v%lld",
			    m->what, name,
			    (long long)json_integer_value(json_object_get(now, "version")),
			    (long long)was);
	}
	return 0;
}

/* Length and hashes of a downloaded file, when its referrer gives them (5.5.2, 5.6.2). */
static int check_against_meta(const json_t *mf, const void *data, size_t len, const char *what,
			      struct tt_error *err)
{
	const json_t *l = json_object_get(mf, "length");
	const json_t *h = json_object_get(mf, "hashes");
	if (l && (int64_t)len != json_integer_value(l))
		return tt_error_set(err, -EBADMSG, "%s: %zu bytes, expected %lld", what, len,
				    (long long)json_integer_value(l));
	return h ? tt_archive_check_hashes(data, len, h, what, err) : 0;
}

static int snapshot_final(struct tt_tuf_trusted *t, const struct tt_tuf_md *m, struct tt_error *err)
{
	int64_t want = meta_version(t->timestamp, "snapshot.json");
	/* 5.5.4: mix-and-match shows as a snapshot the timestamp does not name. */
	if (m->version != want)
		return tt_error_set(err, -EBADMSG, "%s: version %lld, the timestamp names v%lld",
				    m->what, (long long)m->version, (long long)want);
	return expired(t, m, err);
}

int tt_tuf_trusted_update_snapshot(struct tt_tuf_trusted *t, const void *data, size_t len,
				   bool local, struct tt_error *err)
{
	struct tt_tuf_md *m;
	if (!t->timestamp)
		return tt_error_set(err, -EINVAL, "snapshot update before the timestamp");
	if (t->ntargets)
		return tt_error_set(err, -EINVAL, "snapshot update after targets were loaded");
	int r = expired(t, t->timestamp, err);
	const json_t *mf =
	    json_object_get(json_object_get(t->timestamp->signed_, "meta"), "snapshot.json");
	if (!r && !local)
		r = check_against_meta(mf, data, len, "snapshot.json", err);
	if (!r)
		r = tt_tuf_md_parse(data, len, "snapshot",
				    local ? "trusted snapshot.json" : "snapshot.json", &m, err);
	if (r)
		return r;
	r = verify_top(t->root, m, "snapshot", err);
	if (!r && t->snapshot)
		r = snapshot_rollback(t->snapshot, m, err);
	if (r) {
		tt_tuf_md_free(m);
		return r;
	}
	/* A local snapshot stays as the rollback baseline even when it is not final. */
	int fr = snapshot_final(t, m, err);
	if (fr && !local) {
		tt_tuf_md_free(m);
		return fr;
	}
	tt_tuf_md_free(t->snapshot);
	t->snapshot = m;
	t->snapshot_final = fr == 0;
	return fr ? -EAGAIN : 0;
}

int tt_tuf_trusted_snapshot_meta(const struct tt_tuf_trusted *t, const char *role, int64_t *version,
				 int64_t *length, struct tt_error *err)
{
	if (!t->snapshot || !t->snapshot_final)
		return tt_error_set(err, -ENOENT, "no trusted snapshot");
	char *name = tt_xasprintf("%s.json", role);
	const json_t *mf = json_object_get(json_object_get(t->snapshot->signed_, "meta"), name);
	free(name);
	if (!mf)
		return tt_error_set(err, -ENOENT, "%s: does not list %s.json", t->snapshot->what,
				    role);
	*version = json_integer_value(json_object_get(mf, "version"));
	*length = json_integer_value(json_object_get(mf, "length"));
	return 0;
}

/* The keys and role object that sign role: root's for "targets", else the delegator's. */
static int delegation_of(const struct tt_tuf_trusted *t, const char *role, const char *parent,
			 const json_t **keys, const json_t **robj, struct tt_error *err)
{
	if (!strcmp(role, "targets")) {
		*keys = json_object_get(t->root->signed_, "keys");
		*robj = tt_tuf_root_role(t->root, "targets");
		return 0;
	}
	const struct tt_tuf_md *p = parent ? held(t, parent) : NULL;
	if (!p)
		return tt_error_set(err, -EINVAL, "role %s: delegator %s is not trusted", role,
				    parent ? parent : "(none)");
	const json_t *d = json_object_get(p->signed_, "delegations");
	const json_t *roles = json_object_get(d, "roles");
	*keys = json_object_get(d, "keys");
	for (size_t i = 0; i < json_array_size(roles); i++) {
		const json_t *r = json_array_get(roles, i);
		if (!strcmp(json_string_value(json_object_get(r, "name")), role)) {
			*robj = r;
			return 0;
		}
	}
	return tt_error_set(err, -EINVAL, "role %s: %s does not delegate to it", role, parent);
}

static int targets_checks(struct tt_tuf_trusted *t, const char *role, const char *parent,
			  const void *data, size_t len, bool local, struct tt_tuf_md **out,
			  struct tt_error *err)
{
	int64_t want, wlen;
	const json_t *keys = NULL, *robj = NULL;
	char *file = tt_xasprintf("%s%s.json", local ? "trusted " : "", role);
	int r = t->snapshot && t->snapshot_final
		    ? expired(t, t->snapshot, err)
		    : tt_error_set(err, -EINVAL, "targets update before the snapshot");
	if (!r)
		r = tt_tuf_trusted_snapshot_meta(t, role, &want, &wlen, err);
	if (!r)
		r = delegation_of(t, role, parent, &keys, &robj, err);
	if (!r && !local)
		r = check_against_meta(
		    json_object_get(json_object_get(t->snapshot->signed_, "meta"), file), data, len,
		    file, err);
	if (!r)
		r = tt_tuf_md_parse(data, len, "targets", file, out, err);
	free(file);
	if (r)
		return r;
	r = tt_tuf_md_verify(*out, keys, robj, role, err);
	/* 5.6.4: the version the snapshot names, else mix-and-match. */
	if (!r && (*out)->version != want)
		r = tt_error_set(err, -EBADMSG, "%s: version %lld, the snapshot names v%lld",
				 (*out)->what, (long long)(*out)->version, (long long)want);
	if (!r)
		r = expired(t, *out, err);
	if (r) {
		tt_tuf_md_free(*out);
		*out = NULL;
	}
	return r;
}

int tt_tuf_trusted_update_targets(struct tt_tuf_trusted *t, const char *role, const char *parent,
				  const void *data, size_t len, bool local, struct tt_error *err)
{
	struct tt_tuf_md *m;
	if (held(t, role))
		return tt_error_set(err, -EALREADY, "targets role %s already loaded", role);
	int r = targets_checks(t, role, parent, data, len, local, &m, err);
	if (r)
		return r;
	t->targets = tt_xrealloc(t->targets, (t->ntargets + 1) * sizeof(*t->targets));
	t->targets[t->ntargets++] = (struct held_targets){tt_xstrdup(role), m};
	return 0;
}

const struct tt_tuf_md *tt_tuf_trusted_targets_md(const struct tt_tuf_trusted *t, const char *role)
{
	return held(t, role);
}

const char *tt_tuf_trusted_role_name(const struct tt_tuf_trusted *t, const char *role)
{
	for (size_t i = 0; i < t->ntargets; i++)
		if (!strcmp(t->targets[i].name, role))
			return t->targets[i].name;
	return NULL;
}

void tt_tuf_trusted_timestamp_snapshot(const struct tt_tuf_trusted *t, int64_t *version,
				       int64_t *length)
{
	const json_t *mf =
	    json_object_get(json_object_get(t->timestamp->signed_, "meta"), "snapshot.json");
	*version = json_integer_value(json_object_get(mf, "version"));
	*length = json_integer_value(json_object_get(mf, "length"));
}
