// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The metadata envelope and its four top-level types (spec sections 4.2-4.6):
 * parsing with shape checks, and signature thresholds counted per distinct key.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>
#include <strings.h>

#include "archive_int.h"

void tt_archive_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long tt_archive_unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = strlen(hex);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

void tt_archive_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	tt_archive_hex(md, 32, out);
}

int tt_archive_check_hashes(const void *data, size_t len, const json_t *hashes, const char *what,
			    struct tt_error *err)
{
	const char *alg;
	json_t *want;
	if (!json_is_object(hashes) || json_object_size(hashes) == 0)
		return tt_error_set(err, -EINVAL, "%s: no hashes to check against", what);
	json_object_foreach((json_t *)hashes, alg, want)
	{
		const EVP_MD *md = NULL;
		if (!strcmp(alg, "sha256") || !strcmp(alg, "sha512") || !strcmp(alg, "sha384") ||
		    !strcmp(alg, "sha224"))
			md = EVP_get_digestbyname(alg);
		if (!md)
			return tt_error_set(err, -EPROTONOSUPPORT,
					    "%s: unsupported hash algorithm \"%s\"", what, alg);
		unsigned char dig[EVP_MAX_MD_SIZE];
		unsigned int n = 0;
		char hex[2 * EVP_MAX_MD_SIZE + 1];
		EVP_Digest(data, len, dig, &n, md, NULL);
		tt_archive_hex(dig, n, hex);
		const char *w = json_string_value(want);
		if (!w || strcasecmp(w, hex) != 0)
			return tt_error_set(err, -EBADMSG,
					    "%s: %s hash mismatch (expected %s, got %s)", what, alg,
					    w ? w : "(not a string)", hex);
	}
	return 0;
}

void tt_tuf_md_free(struct tt_tuf_md *m)
{
	if (!m)
		return;
	json_decref(m->doc);
	tt_buf_free(&m->canon);
	free(m->what);
	free(m);
}

static bool is_version(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 1;
}

int tt_tuf_check_metafile(const json_t *mf, const char *name, const char *what,
			  struct tt_error *err)
{
	const json_t *len = json_object_get(mf, "length");
	const json_t *hashes = json_object_get(mf, "hashes");
	if (!json_is_object(mf) || !is_version(json_object_get(mf, "version")))
		return tt_error_set(err, -EINVAL, "%s: meta \"%s\" needs a version >= 1", what,
				    name);
	if (len && (!json_is_integer(len) || json_integer_value(len) < 0))
		return tt_error_set(err, -EINVAL, "%s: meta \"%s\": bad length", what, name);
	if (hashes && (!json_is_object(hashes) || json_object_size(hashes) == 0))
		return tt_error_set(err, -EINVAL, "%s: meta \"%s\": bad hashes", what, name);
	return 0;
}

/* {keyids: [string...], threshold: int >= 1} */
static int check_role(const json_t *role, const char *name, const char *what, struct tt_error *err)
{
	const json_t *ids = json_object_get(role, "keyids");
	const json_t *th = json_object_get(role, "threshold");
	if (!json_is_array(ids) || !json_is_integer(th) || json_integer_value(th) < 1)
		return tt_error_set(
		    err, -EINVAL, "%s: role \"%s\" needs keyids and a threshold >= 1", what, name);
	for (size_t i = 0; i < json_array_size(ids); i++)
		if (!json_is_string(json_array_get(ids, i)))
			return tt_error_set(err, -EINVAL, "%s: role \"%s\": keyid not a string",
					    what, name);
	return 0;
}

static int check_keys(const json_t *keys, const char *what, struct tt_error *err)
{
	const char *id;
	json_t *k;
	if (!json_is_object(keys))
		return tt_error_set(err, -EINVAL, "%s: \"keys\" must be an object", what);
	json_object_foreach((json_t *)keys, id, k) if (!json_is_object(k)) return tt_error_set(
	    err, -EINVAL, "%s: key %s is not an object", what, id);
	return 0;
}

static int check_root(const json_t *s, const char *what, struct tt_error *err)
{
	static const char *const roles[] = {"root", "timestamp", "snapshot", "targets"};
	const json_t *cs = json_object_get(s, "consistent_snapshot");
	if (cs && !json_is_boolean(cs))
		return tt_error_set(err, -EINVAL, "%s: consistent_snapshot must be a boolean",
				    what);
	int r = check_keys(json_object_get(s, "keys"), what, err);
	const json_t *rl = json_object_get(s, "roles");
	for (size_t i = 0; !r && i < 4; i++)
		r = check_role(json_object_get(rl, roles[i]), roles[i], what, err);
	return r;
}

static int check_meta(const json_t *s, bool timestamp, const char *what, struct tt_error *err)
{
	const json_t *meta = json_object_get(s, "meta");
	const char *name;
	json_t *mf;
	if (!json_is_object(meta))
		return tt_error_set(err, -EINVAL, "%s: \"meta\" must be an object", what);
	if (timestamp && !json_object_get(meta, "snapshot.json"))
		return tt_error_set(err, -EINVAL, "%s: meta has no snapshot.json", what);
	json_object_foreach((json_t *)meta, name, mf)
	{
		int r = tt_tuf_check_metafile(mf, name, what, err);
		if (r)
			return r;
	}
	return 0;
}

static int check_delegations(const json_t *d, const char *what, struct tt_error *err)
{
	const json_t *roles = json_object_get(d, "roles");
	int r = check_keys(json_object_get(d, "keys"), what, err);
	if (!r && !json_is_array(roles))
		r = tt_error_set(err, -EINVAL, "%s: delegations.roles must be an array", what);
	for (size_t i = 0; !r && i < json_array_size(roles); i++) {
		const json_t *role = json_array_get(roles, i);
		const char *name = json_string_value(json_object_get(role, "name"));
		const json_t *paths = json_object_get(role, "paths");
		const json_t *prefixes = json_object_get(role, "path_hash_prefixes");
		const json_t *term = json_object_get(role, "terminating");
		if (!name || !*name)
			return tt_error_set(err, -EINVAL, "%s: delegated role without a name",
					    what);
		r = check_role(role, name, what, err);
		/* 4.5: exactly one of paths and path_hash_prefixes. */
		if (!r && (!paths == !prefixes || (paths && !json_is_array(paths)) ||
			   (prefixes && !json_is_array(prefixes))))
			r = tt_error_set(err, -EINVAL,
					 "%s: delegated role \"%s\" needs paths or "
					 "path_hash_prefixes (one of them)",
					 what, name);
		if (!r && term && !json_is_boolean(term))
			r = tt_error_set(err, -EINVAL, "%s: role \"%s\": terminating not a boolean",
					 what, name);
	}
	return r;
}

static int check_targets(const json_t *s, const char *what, struct tt_error *err)
{
	const json_t *t = json_object_get(s, "targets");
	const json_t *d = json_object_get(s, "delegations");
	const char *name;
	json_t *ti;
	if (!json_is_object(t))
		return tt_error_set(err, -EINVAL, "%s: \"targets\" must be an object", what);
	json_object_foreach((json_t *)t, name, ti)
	{
		const json_t *len = json_object_get(ti, "length");
		const json_t *h = json_object_get(ti, "hashes");
		const json_t *c = json_object_get(ti, "custom");
		if (!json_is_integer(len) || json_integer_value(len) < 0 || !json_is_object(h) ||
		    json_object_size(h) == 0 || (c && !json_is_object(c)))
			return tt_error_set(err, -EINVAL,
					    "%s: target \"%s\" needs a length, hashes and an "
					    "optional custom object",
					    what, name);
	}
	return d ? check_delegations(d, what, err) : 0;
}

static int check_header(struct tt_tuf_md *m, const char *type, struct tt_error *err)
{
	const json_t *s = m->signed_;
	const char *t = json_string_value(json_object_get(s, "_type"));
	const char *spec = json_string_value(json_object_get(s, "spec_version"));
	const char *exp = json_string_value(json_object_get(s, "expires"));
	if (!t || strcmp(t, type) != 0)
		return tt_error_set(err, -EINVAL, "%s: _type is \"%s\", expected \"%s\"", m->what,
				    t ? t : "(none)", type);
	/* 4.2: a client refuses metadata of another major spec version. */
	if (!spec || strncmp(spec, "1.", 2) != 0)
		return tt_error_set(err, -EPROTONOSUPPORT, "%s: unsupported spec_version \"%s\"",
				    m->what, spec ? spec : "(none)");
	if (!is_version(json_object_get(s, "version")))
		return tt_error_set(err, -EINVAL, "%s: version must be an integer >= 1", m->what);
	if (!exp || tt_parse_iso8601(exp, &m->expires))
		return tt_error_set(err, -EINVAL, "%s: bad expires \"%s\"", m->what,
				    exp ? exp : "(none)");
	m->version = json_integer_value(json_object_get(s, "version"));
	snprintf(m->type, sizeof(m->type), "%s", type);
	return 0;
}

static int check_signatures(const json_t *sigs, const char *what, struct tt_error *err)
{
	if (!json_is_array(sigs))
		return tt_error_set(err, -EINVAL, "%s: \"signatures\" must be an array", what);
	for (size_t i = 0; i < json_array_size(sigs); i++) {
		const json_t *s = json_array_get(sigs, i);
		if (!json_is_string(json_object_get(s, "keyid")) ||
		    !json_is_string(json_object_get(s, "sig")))
			return tt_error_set(err, -EINVAL, "%s: signature %zu needs keyid and sig",
					    what, i);
	}
	return 0;
}

static int check_body(struct tt_tuf_md *m, struct tt_error *err)
{
	if (!strcmp(m->type, "root"))
		return check_root(m->signed_, m->what, err);
	if (!strcmp(m->type, "timestamp"))
		return check_meta(m->signed_, true, m->what, err);
	if (!strcmp(m->type, "snapshot"))
		return check_meta(m->signed_, false, m->what, err);
	return check_targets(m->signed_, m->what, err);
}

int tt_tuf_md_parse(const void *data, size_t len, const char *type, const char *what,
		    struct tt_tuf_md **out, struct tt_error *err)
{
	*out = NULL;
	json_error_t je;
	/* Duplicate keys would let two readers see different metadata. */
	json_t *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return tt_error_set(err, -EINVAL, "%s metadata %s: not JSON: %s (line %d)", type,
				    what, je.text, je.line);
	struct tt_tuf_md *m = tt_xcalloc(1, sizeof(*m));
	m->doc = doc;
	m->signed_ = json_object_get(doc, "signed");
	m->what = tt_xasprintf("%s metadata %s", type, what);
	int r = 0;
	if (!json_is_object(m->signed_))
		r = tt_error_set(err, -EINVAL, "%s: no \"signed\" object", m->what);
	if (!r)
		r = check_signatures(json_object_get(doc, "signatures"), m->what, err);
	if (!r)
		r = check_header(m, type, err);
	if (!r) {
		free(m->what);
		m->what = tt_xasprintf("%s v%lld (%s)", type, (long long)m->version, what);
		r = check_body(m, err);
	}
	if (!r)
		r = tt_tuf_canonical(m->signed_, &m->canon, err);
	if (r) {
		tt_tuf_md_free(m);
		return r;
	}
	*out = m;
	return 0;
}

const json_t *tt_tuf_root_role(const struct tt_tuf_md *root, const char *role)
{
	return json_object_get(json_object_get(root->signed_, "roles"), role);
}

/* Did any signature listed under keyid verify with k? */
static bool signed_by(const struct tt_tuf_md *md, const char *keyid, const struct tt_tuf_key *k)
{
	const json_t *sigs = json_object_get(md->doc, "signatures");
	for (size_t i = 0; i < json_array_size(sigs); i++) {
		const json_t *s = json_array_get(sigs, i);
		if (strcmp(json_string_value(json_object_get(s, "keyid")), keyid) != 0)
			continue;
		if (tt_tuf_key_verify(k, md->canon.buf, md->canon.len,
				      json_string_value(json_object_get(s, "sig"))) == 0)
			return true;
	}
	return false;
}

int tt_tuf_md_verify(const struct tt_tuf_md *md, const json_t *keys, const json_t *role,
		     const char *rolename, struct tt_error *err)
{
	const json_t *ids = json_object_get(role, "keyids");
	int64_t threshold = json_integer_value(json_object_get(role, "threshold"));
	struct tt_strv seen_ids = TT_STRV_INIT, seen_keys = TT_STRV_INIT;
	int64_t good = 0;
	for (size_t i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));
		struct tt_tuf_key *k = NULL;
		char fp[65];
		/* Counted once per key id, and once per key whatever its ids (4.3). */
		if (!id || tt_strv_contains(&seen_ids, id))
			continue;
		tt_strv_push(&seen_ids, id);
		if (tt_tuf_key_from_json(json_object_get(keys, id), &k, NULL) ||
		    tt_archive_key_fingerprint(k, fp)) {
			tt_tuf_key_free(k);
			continue;
		}
		if (!tt_strv_contains(&seen_keys, fp) && signed_by(md, id, k)) {
			tt_strv_push(&seen_keys, fp);
			good++;
		}
		tt_tuf_key_free(k);
	}
	tt_strv_free(&seen_ids);
	tt_strv_free(&seen_keys);
	if (good < threshold || threshold < 1)
		return tt_error_set(err, -EPERM,
				    "%s: %lld valid signature(s) from distinct %s keys, threshold "
				    "is %lld",
				    md->what, (long long)good, rolename, (long long)threshold);
	return 0;
}
