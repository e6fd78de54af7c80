/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The signed patch archive: metadata after The Update Framework (TUF 1.0.x),
 * its keys and signatures, a verifying client, and the repository side that
 * publishes it. docs/archive.md describes the format and the client's checks.
 *
 * Layers, bottom up:
 *   canonical JSON   the bytes that are signed (OLPC canonical JSON, as TUF)
 *   keys             ed25519, ecdsa P-256, rsassa-pss-sha256 (verify), via OpenSSL
 *   trusted set      in-memory verification of root/timestamp/snapshot/targets
 *                    against a fixed reference time (no I/O; what the fuzzer drives)
 *   client           the TUF client workflow over a metadata dir and a URL
 *   repo             key generation, signing and consistent-snapshot publishing
 *
 * Every fallible function returns 0 or a negative errno and fills err with a
 * message naming the role, version, key id and file or URL.
 */
#ifndef TUXTAPE_ARCHIVE_H
#define TUXTAPE_ARCHIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"
#include "tuxtape/util.h"

/* ---- canonical JSON ---- */

/*
 * Append the canonical form of v to out: object keys sorted by their UTF-8
 * bytes, no whitespace, strings escaping only '"' and '\\' (every other byte
 * as is), integers only. -EINVAL for a real number.
 */
int tt_tuf_canonical(const json_t *v, struct tt_buf *out, struct tt_error *err);

/* ---- keys ---- */

enum tt_tuf_keytype {
	TT_TUF_KEY_ED25519,
	TT_TUF_KEY_ECDSA_P256,
	TT_TUF_KEY_RSA_PSS, /* rsassa-pss-sha256: verification and signing */
};

struct tt_tuf_key;

/* A public key from its TUF object {keytype, scheme, keyval: {public}}. */
int tt_tuf_key_from_json(const json_t *obj, struct tt_tuf_key **out, struct tt_error *err);
/* The public TUF object (new reference). */
json_t *tt_tuf_key_to_json(const struct tt_tuf_key *k);
/* sha256 (hex) of the canonical JSON of the public object: the key id. */
const char *tt_tuf_key_id(const struct tt_tuf_key *k);
enum tt_tuf_keytype tt_tuf_key_type(const struct tt_tuf_key *k);
bool tt_tuf_key_has_private(const struct tt_tuf_key *k);

int tt_tuf_key_generate(enum tt_tuf_keytype type, struct tt_tuf_key **out, struct tt_error *err);
/* Private key as PKCS#8 PEM, written atomically with mode 0600. */
int tt_tuf_key_save_private(const struct tt_tuf_key *k, const char *path, struct tt_error *err);
int tt_tuf_key_load_private(const char *path, struct tt_tuf_key **out, struct tt_error *err);

/* Signature over data as lowercase hex (caller frees). */
int tt_tuf_key_sign(const struct tt_tuf_key *k, const void *data, size_t len, char **sig_hex,
		    struct tt_error *err);
/* 0 when sig_hex is a valid signature of data by k, -EBADMSG otherwise. */
int tt_tuf_key_verify(const struct tt_tuf_key *k, const void *data, size_t len,
		      const char *sig_hex);
void tt_tuf_key_free(struct tt_tuf_key *k);

/*
 * Wrap `signed` in a metadata envelope signed by keys (each must hold its
 * private half), pretty-printed: {"signatures": [...], "signed": ...}.
 * Signatures are over the canonical JSON of signed (spec section 4.2).
 */
int tt_tuf_sign_envelope(const json_t *signed_, struct tt_tuf_key *const *keys, size_t nkeys,
			 char **out, size_t *out_len, struct tt_error *err);

/* ---- trusted set: verification without I/O ---- */

/*
 * The metadata a client trusts, each new piece checked against what it
 * already holds (spec section 5). Byte inputs are whole metadata files.
 */
struct tt_tuf_trusted;

/* Start from a trusted root (its own threshold is checked, not its expiry). */
int tt_tuf_trusted_new(const void *root, size_t len, int64_t now, struct tt_tuf_trusted **out,
		       struct tt_error *err);
/* 5.3: the next root, signed by both the old and new thresholds, version + 1. */
int tt_tuf_trusted_update_root(struct tt_tuf_trusted *t, const void *data, size_t len,
			       struct tt_error *err);
/* 5.3.10: after the last root update, the root must not be expired. */
int tt_tuf_trusted_check_root(struct tt_tuf_trusted *t, struct tt_error *err);
/*
 * 5.4: a new timestamp. -EALREADY (nothing changed) when it has the version
 * already trusted. local=true loads the copy from the metadata dir: its
 * signatures are checked but not its expiry (a baseline for rollback checks).
 */
int tt_tuf_trusted_update_timestamp(struct tt_tuf_trusted *t, const void *data, size_t len,
				    bool local, struct tt_error *err);
/* 5.5: snapshot, checked against the timestamp's hashes, length and version. */
int tt_tuf_trusted_update_snapshot(struct tt_tuf_trusted *t, const void *data, size_t len,
				   bool local, struct tt_error *err);
/*
 * 5.6: a targets role: "targets", or a delegated role whose delegator
 * (already trusted) is named by parent.
 */
int tt_tuf_trusted_update_targets(struct tt_tuf_trusted *t, const char *role, const char *parent,
				  const void *data, size_t len, bool local, struct tt_error *err);
void tt_tuf_trusted_free(struct tt_tuf_trusted *t);

/* Version of a trusted role (0 when not held); root, timestamp, snapshot or a targets role. */
int64_t tt_tuf_trusted_version(const struct tt_tuf_trusted *t, const char *role);
bool tt_tuf_trusted_consistent_snapshot(const struct tt_tuf_trusted *t);
/*
 * What the trusted snapshot says of ROLE.json: version, and length (0 when
 * not given). -ENOENT when the snapshot is not loaded or does not list it.
 */
int tt_tuf_trusted_snapshot_meta(const struct tt_tuf_trusted *t, const char *role, int64_t *version,
				 int64_t *length, struct tt_error *err);

/* ---- client ---- */

/* One target as the trusted targets metadata describes it (borrowed from the client). */
struct tt_tuf_target {
	const char *name;
	int64_t length;
	const json_t *hashes; /* {"sha256": "hex", ...} */
	const json_t *custom; /* NULL when absent */
	const char *role;     /* the targets role that listed it */
};

struct tt_tuf_client_opts {
	const char *metadata_dir; /* trusted metadata: root.json, timestamp.json, ... */
	const char *metadata_url; /* http://, https:// or file:// base for the metadata */
	int64_t now;		  /* reference time; 0: time(2) once, at tt_tuf_client_new */
	int max_root_rotations;	  /* 0: 32 */
	/* Proxy and CA bundle for metadata and target downloads (NULL: libcurl's defaults). */
	struct tt_http_transport transport;
};

struct tt_tuf_client;

/* `init`: make metadata_dir hold root_file as the trusted root (no checks, 5.2). */
int tt_tuf_client_init_root(const char *metadata_dir, const char *root_file, struct tt_error *err);
int tt_tuf_client_new(const struct tt_tuf_client_opts *o, struct tt_tuf_client **out,
		      struct tt_error *err);
/* 5.3-5.6: root chain, timestamp, snapshot, top-level targets; writes what verified. */
int tt_tuf_client_refresh(struct tt_tuf_client *c, struct tt_error *err);
/* 5.6.7: find name (top-level targets, then delegations in order); refreshes first if needed. */
int tt_tuf_client_find_target(struct tt_tuf_client *c, const char *name, struct tt_tuf_target *out,
			      struct tt_error *err);
/*
 * 5.7: download name from target_base_url into target_dir (file named by the
 * percent-encoded target name), capped at its length and checked by every
 * hash; an already present file with matching hashes is not fetched again.
 * *path_out (optional, caller frees) names the file.
 */
int tt_tuf_client_download(struct tt_tuf_client *c, const char *name, const char *target_base_url,
			   const char *target_dir, char **path_out, struct tt_error *err);
void tt_tuf_client_free(struct tt_tuf_client *c);

/* ---- repository side ---- */

struct tt_tuf_repo;

struct tt_tuf_repo_opts {
	enum tt_tuf_keytype keytype;
	int64_t now;		      /* 0: time(2) */
	int64_t root_expiry;	      /* seconds after now; 0: 365 days */
	int64_t targets_expiry;	      /* 0: 90 days */
	int64_t snapshot_expiry;      /* 0: 7 days */
	int64_t timestamp_expiry;     /* 0: 1 day: short, an online key re-signs it */
	bool no_consistent_snapshot;  /* default: consistent snapshots */
	const char *offline_keys_dir; /* where root.pem and targets.pem go; NULL: DIR/keys */
	/* Root and targets may have several keys (at most 8), threshold of them signing;
	 * 0 means 1. The others have one key. */
	unsigned root_keys, root_threshold;
	unsigned targets_keys, targets_threshold;
};

/*
 * Create a repository in dir: keys/ROLE.pem (0600, one key per role; root
 * and targets in o->offline_keys_dir instead when set, e.g. removable media),
 * metadata/ and targets/. Nothing is published until tt_tuf_repo_publish.
 */
int tt_tuf_repo_create(const char *dir, const struct tt_tuf_repo_opts *o, struct tt_tuf_repo **out,
		       struct tt_error *err);
/*
 * Open an existing repository: its latest published metadata, and the
 * private keys found in offline_keys_dir (may be NULL), else in DIR/keys. A
 * key found in neither (kept offline, not mounted) is no error until its role
 * must be signed: then -ENOKEY, with a message naming the role and the
 * directories searched. A rotated key is written where its role's keys go.
 */
int tt_tuf_repo_open(const char *dir, const char *offline_keys_dir, int64_t now,
		     struct tt_tuf_repo **out, struct tt_error *err);
/*
 * Add (or replace) a target: writes targets/HASH.NAME (and NAME without
 * consistent snapshots) and records length, sha256 and custom (may be NULL;
 * a reference is taken). Published with the next tt_tuf_repo_publish.
 */
int tt_tuf_repo_add_target(struct tt_tuf_repo *r, const char *name, const void *data, size_t len,
			   json_t *custom, struct tt_error *err);
/*
 * Sign and write the roles changed since the last publish, then snapshot and
 * timestamp, each version bumped (N.ROLE.json; timestamp.json last, so a
 * client never sees a timestamp before what it names).
 */
int tt_tuf_repo_publish(struct tt_tuf_repo *r, struct tt_error *err);
/*
 * Remove target NAME from the targets metadata (-ENOENT when it is not
 * there). Its file stays: clients holding an older snapshot may still fetch
 * it by hash. Published with the next tt_tuf_repo_publish.
 */
int tt_tuf_repo_remove_target(struct tt_tuf_repo *r, const char *name, struct tt_error *err);
/* Give ROLE a new version (and fresh expiry) at the next publish, changed or not. */
int tt_tuf_repo_touch(struct tt_tuf_repo *r, const char *role, struct tt_error *err);
/* Re-sign timestamp.json with the next version and a fresh expiry. */
int tt_tuf_repo_timestamp(struct tt_tuf_repo *r, struct tt_error *err);
/*
 * Rotate ROLE's key (root included: the new root is signed by the old and
 * the new root keys). The root key must be present (-ENOKEY otherwise): the
 * new key goes into root's metadata. The new private key is written to the
 * keys directory. Published with the next publish.
 */
int tt_tuf_repo_rotate_key(struct tt_tuf_repo *r, const char *role, struct tt_error *err);

/* For tests and tools: the `signed` object of a role (borrowed, mutable) and its keys. */
json_t *tt_tuf_repo_signed(struct tt_tuf_repo *r, const char *role);
struct tt_tuf_key *tt_tuf_repo_key(struct tt_tuf_repo *r, const char *role);
/*
 * Sign ROLE's current `signed` as is (no version bump) with the role's keys
 * that are here, and write its files. The threshold is publish's to check:
 * tests use this to write under-signed metadata.
 */
int tt_tuf_repo_write_role(struct tt_tuf_repo *r, const char *role, struct tt_error *err);
const char *tt_tuf_repo_metadata_dir(const struct tt_tuf_repo *r);
const char *tt_tuf_repo_targets_dir(const struct tt_tuf_repo *r);
void tt_tuf_repo_free(struct tt_tuf_repo *r);

#endif
