/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the feed parsers; not part of the public API. */
#ifndef TUXTAPE_FEEDS_INTERNAL_H
#define TUXTAPE_FEEDS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/feeds.h"

/* How much of the input tt_feed_detect() looks at. */
#define TT_FEEDS_SNIFF_BYTES (64 * 1024)

/* Messages name the file as "FILE: " or nothing when file is NULL. */
#define TT_FEEDS_FILE(file) ((file) ? (file) : "(input)")

/* Parse JSON text; on failure -EBADMSG with line/column. *out is owned by the caller. */
int tt_feeds_json_load(const char *text, size_t len, const char *file, const char *what,
		       json_t **out, struct tt_error *err);

/* obj[key] if it is a string, else NULL (also for a non-object obj). */
const char *tt_feeds_jstr(const json_t *obj, const char *key);

/*
 * Like tt_feeds_jstr, but a value that is present and neither a string nor
 * null is worth a warning: the feed changed shape under us.
 */
const char *tt_feeds_jstr_warn(const json_t *obj, const char *key, const struct tt_diag_sink *diag,
			       const char *file, const char *where);

/* "CVE-YYYY-NNNN..." with 4+ digits in the sequence part. */
bool tt_feeds_is_cve_id(const char *s);

/* Bounded copy that always terminates; NULL copies as "". */
void tt_feeds_copy(char *dst, size_t n, const char *src);

/* UTC seconds, or 0 when s is NULL or not ISO 8601. */
int64_t tt_feeds_time(const char *s);

/*
 * Apply the callback return convention (see feeds.h): returns rc; for rc < 0
 * sets err unless the callback already did.
 */
int tt_feeds_cb_result(int rc, const char *cve_id, struct tt_error *err);

/* A growable array of borrowed strings (the cwes lists). */
struct tt_feeds_strs {
	const char **v;
	size_t n;
	size_t cap;
};

void tt_feeds_strs_push(struct tt_feeds_strs *s, const char *str);
void tt_feeds_strs_push_unique(struct tt_feeds_strs *s, const char *str);
void tt_feeds_strs_free(struct tt_feeds_strs *s);

/* ---- gzip ---- */

bool tt_feeds_is_gzip(const void *data, size_t len);

/*
 * Inflate gzip (several members allowed) and hand the output to sink in
 * chunks. A sink return != 0 stops and is returned. Corrupt or truncated
 * input: -EBADMSG.
 */
typedef int (*tt_feeds_sink)(void *ctx, const char *chunk, size_t n);
int tt_feeds_gunzip_stream(const void *data, size_t len, const char *file, tt_feeds_sink sink,
			   void *ctx, struct tt_error *err);

/* Inflate everything into out (appended); more than max bytes: -EFBIG. */
int tt_feeds_gunzip(const void *data, size_t len, const char *file, size_t max, struct tt_buf *out,
		    struct tt_error *err);

#endif
