// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TUF metadata parser and verifier, from a fixed trusted root
 * (tests/fixtures/archive/metadata/1.root.json, re-encoded compactly: the
 * signatures cover the canonical JSON of "signed", not the bytes).
 *
 * Input: one selector byte, then up to four documents separated by a line
 * "--": with selector bit 0 clear they are timestamp, snapshot, targets and
 * a next root, fed in the client's order; with it set, the first document is
 * itself taken as the trusted root. The seed corpus holds the fixture's real
 * files, so the fuzzer starts past the signature checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tuxtape/archive.h"

static const char root_json[] =
    "{\"signatures\":[{\"keyid\":"
    "\"57672449d384e3260c8366b3bde7711d8de0dd7fb137346cbee6f9eed1792165\""
    ",\"sig\":\"4cf1af4f6391f01fa8fb1bff098e462425be1d6d6837fba949d2af68f3f2e61aafa4a3e099a27228d7"
    "e8646db2cf3bd3314d1a3ee5cd4a0252ab2f891d130f06\"}],\"signed\":{\"_type\":\"root\","
    "\"consistent_sna"
    "pshot\":true,\"expires\":\"2125-12-08T00:00:00Z\",\"keys\":{"
    "\"545903baec551957225a60c9964a66b86653"
    "cf9ab8cc345b158d3a5f23d9e4c8\":{\"keytype\":\"ed25519\",\"keyval\":{\"public\":"
    "\"9922ace8395684f869c"
    "fb54d1fff488c9641da22b522dc955597c23697d4dc5f\"},\"scheme\":\"ed25519\"},"
    "\"57672449d384e3260c836"
    "6b3bde7711d8de0dd7fb137346cbee6f9eed1792165\":{\"keytype\":\"ed25519\",\"keyval\":{\"public\":"
    "\"e6db"
    "c7a307b321fd13ee1dd76f93c4cad35e3a55dbfc7a544296d11d62f3ca5a\"},\"scheme\":\"ed25519\"},"
    "\"6fc751"
    "b61194b1245963b3f32dcfa7cfc3fce5ddde52124b984a7050a4b68ab2\":{\"keytype\":\"ed25519\","
    "\"keyval\":"
    "{\"public\":\"0700ac099b9775d3d69244767cb52597b2766ebea28c68f194b4b132316ab30d\"},\"scheme\":"
    "\"ed"
    "25519\"},\"b85457258e7772fdf0f5b5d13b1d00d3b9daed416a2e0c6ece41cf1fdddebd8b\":{\"keytype\":"
    "\"ed2"
    "5519\",\"keyval\":{\"public\":"
    "\"25196db8ee8f376438a5953547c497e74c838de60da3978affb6e636c99d6f94"
    "\"},\"scheme\":\"ed25519\"}},\"roles\":{\"root\":{\"keyids\":["
    "\"57672449d384e3260c8366b3bde7711d8de0dd"
    "7fb137346cbee6f9eed1792165\"],\"threshold\":1},\"snapshot\":{\"keyids\":["
    "\"545903baec551957225a60c"
    "9964a66b86653cf9ab8cc345b158d3a5f23d9e4c8\"],\"threshold\":1},\"targets\":{\"keyids\":["
    "\"b85457258"
    "e7772fdf0f5b5d13b1d00d3b9daed416a2e0c6ece41cf1fdddebd8b\"],\"threshold\":1},\"timestamp\":{"
    "\"key"
    "ids\":[\"6fc751b61194b1245963b3f32dcfa7cfc3fce5ddde52124b984a7050a4b68ab2\"],\"threshold\":1}}"
    ","
    "\"spec_version\":\"1.0.31\",\"version\":1}}";

#define NOW 1767225660 /* a minute after the fixture was published */

/* The next document: up to "\n--\n" or the end. */
static size_t next_doc(const uint8_t **p, size_t *n, const uint8_t **doc)
{
	const uint8_t *sep = memmem(*p, *n, "\n--\n", 4);
	size_t len = sep ? (size_t)(sep - *p) : *n;
	*doc = *p;
	*p += sep ? len + 4 : len;
	*n -= sep ? len + 4 : len;
	return len;
}

static void feed(struct tt_tuf_trusted *t, const uint8_t *p, size_t n)
{
	const uint8_t *d;
	size_t len = next_doc(&p, &n, &d);
	if (tt_tuf_trusted_update_timestamp(t, d, len, false, NULL) != 0)
		return;
	len = next_doc(&p, &n, &d);
	if (tt_tuf_trusted_update_snapshot(t, d, len, false, NULL) != 0)
		return;
	len = next_doc(&p, &n, &d);
	if (tt_tuf_trusted_update_targets(t, "targets", NULL, d, len, false, NULL) != 0)
		return;
	len = next_doc(&p, &n, &d);
	int64_t v, l;
	tt_tuf_trusted_snapshot_meta(t, "targets", &v, &l, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_tuf_trusted *t = NULL;
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	if (mode & 1) {
		const uint8_t *d;
		size_t len = next_doc(&p, &n, &d);
		if (tt_tuf_trusted_new(d, len, NOW, &t, NULL) == 0)
			feed(t, p, n);
	} else if (tt_tuf_trusted_new(root_json, sizeof(root_json) - 1, NOW, &t, NULL) == 0) {
		if (mode & 2) {
			const uint8_t *d;
			size_t len = next_doc(&p, &n, &d);
			tt_tuf_trusted_update_root(t, d, len, NULL);
			tt_tuf_trusted_check_root(t, NULL);
		}
		feed(t, p, n);
	}
	tt_tuf_trusted_free(t);
	return 0;
}
