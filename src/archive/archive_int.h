/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the archive module: hex, digests, the parsed metadata envelope. */
#ifndef TT_ARCHIVE_INT_H
#define TT_ARCHIVE_INT_H

#include <jansson.h>
#include <stdint.h>

#include "tuxtape/archive.h"

/* Caps on what a client reads before any verification (spec 5.3-5.6 "length unknown"). */
#define TT_TUF_MAX_ROOT_BYTES	   (512L * 1024)
#define TT_TUF_MAX_TIMESTAMP_BYTES (16L * 1024)
#define TT_TUF_MAX_META_BYTES	   (4L * 1024 * 1024)

void tt_archive_hex(const unsigned char *p, size_t n, char *out); /* out: 2n+1 */
/* Decode hex into at most cap bytes; the count, or -1 for bad hex or overflow. */
long tt_archive_unhex(const char *hex, unsigned char *out, size_t cap);
void tt_archive_sha256_hex(const void *data, size_t len, char out[65]);
/* sha256 of the DER public key: the same key under two ids is one key. */
int tt_archive_key_fingerprint(const struct tt_tuf_key *k, char out[65]);
/*
 * data must match every digest in hashes ({"sha256": hex, ...}); what names
 * the file in messages. -EBADMSG on a mismatch, -EPROTONOSUPPORT for an
 * unknown algorithm.
 */
int tt_archive_check_hashes(const void *data, size_t len, const json_t *hashes, const char *what,
			    struct tt_error *err);

/* One parsed metadata file. */
struct tt_tuf_md {
	char type[16]; /* root, timestamp, snapshot, targets */
	int64_t version;
	int64_t expires;     /* UTC seconds */
	json_t *doc;	     /* the whole envelope */
	json_t *signed_;     /* borrowed from doc */
	struct tt_buf canon; /* canonical JSON of signed_: what signatures cover */
	char *what;	     /* "role v3 (URL)" for messages */
};

/*
 * Parse and shape-check one metadata file of type (spec 4.3-4.6). Nothing
 * is verified; what names the source (file or URL) in messages.
 */
int tt_tuf_md_parse(const void *data, size_t len, const char *type, const char *what,
		    struct tt_tuf_md **out, struct tt_error *err);
void tt_tuf_md_free(struct tt_tuf_md *m);
/*
 * md carries at least threshold valid signatures from distinct keys of role
 * (an object {keyids, threshold}) whose keys are in keys (id -> key object).
 * rolename is for messages.
 */
int tt_tuf_md_verify(const struct tt_tuf_md *md, const json_t *keys, const json_t *role,
		     const char *rolename, struct tt_error *err);
/* The top-level role object {keyids, threshold} of a root. */
const json_t *tt_tuf_root_role(const struct tt_tuf_md *root, const char *role);
/* Check a meta entry {version, length?, hashes?}. */
int tt_tuf_check_metafile(const json_t *mf, const char *name, const char *what,
			  struct tt_error *err);

/* A loaded targets role (NULL when not loaded). */
const struct tt_tuf_md *tt_tuf_trusted_targets_md(const struct tt_tuf_trusted *t, const char *role);
/* The held copy of a targets role's name (stable while t lives). */
const char *tt_tuf_trusted_role_name(const struct tt_tuf_trusted *t, const char *role);
/* The snapshot version and length (0: not given) the trusted timestamp names. */
void tt_tuf_trusted_timestamp_snapshot(const struct tt_tuf_trusted *t, int64_t *version,
				       int64_t *length);

#endif
