// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "feeds-internal.h"

#define CHUNK (64 * 1024)

bool tt_feeds_is_gzip(const void *data, size_t len)
{
	const unsigned char *p = data;
	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static int corrupt(const char *file, const z_stream *zs, struct tt_error *err)
{
	return tt_error_set(err, -EBADMSG, "%s: corrupt gzip data%s%s", TT_FEEDS_FILE(file),
			    zs->msg ? ": " : "", zs->msg ? zs->msg : "");
}

/*
 * One inflate step over the remaining input. Returns 1 when a gzip member
 * ended, 0 to keep going, < 0 on error; *sink_rc gets a sink's stop code.
 */
static int inflate_step(z_stream *zs, char *out, tt_feeds_sink sink, void *ctx, int *sink_rc)
{
	zs->next_out = (Bytef *)out;
	zs->avail_out = CHUNK;
	int zr = inflate(zs, Z_NO_FLUSH);
	if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
		return -EBADMSG;
	size_t n = CHUNK - zs->avail_out;
	if (n) {
		*sink_rc = sink(ctx, out, n);
		if (*sink_rc)
			return *sink_rc;
	}
	if (zr == Z_BUF_ERROR && n == 0)
		return -EAGAIN; /* no progress possible: input ended mid-stream */
	return zr == Z_STREAM_END ? 1 : 0;
}

static int gunzip_loop(z_stream *zs, const char *file, tt_feeds_sink sink, void *ctx,
		       struct tt_error *err)
{
	char *out = tt_xmalloc(CHUNK);
	int rc = 0, sink_rc = 0;
	for (;;) {
		rc = inflate_step(zs, out, sink, ctx, &sink_rc);
		if (sink_rc) {
			rc = sink_rc;
			break;
		}
		if (rc == 1) {
			/* gzip allows concatenated members (e.g. `cat a.gz b.gz`). */
			if (zs->avail_in == 0 || !tt_feeds_is_gzip(zs->next_in, zs->avail_in)) {
				rc = 0;
				break;
			}
			inflateReset(zs);
			continue;
		}
		if (rc == -EAGAIN) {
			rc = tt_error_set(err, -EBADMSG, "%s: truncated gzip data",
					  TT_FEEDS_FILE(file));
			break;
		}
		if (rc < 0) {
			rc = corrupt(file, zs, err);
			break;
		}
	}
	free(out);
	return rc;
}

int tt_feeds_gunzip_stream(const void *data, size_t len, const char *file, tt_feeds_sink sink,
			   void *ctx, struct tt_error *err)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: gzip wrapper only; a raw zlib stream is not what feeds ship. */
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return tt_error_set(err, -ENOMEM, "%s: cannot start inflating",
				    TT_FEEDS_FILE(file));
	/* zlib's avail_in is 32-bit; feeds this large would not fit in memory anyway. */
	if (len > UINT32_MAX) {
		inflateEnd(&zs);
		return tt_error_set(err, -EFBIG, "%s: gzip input too large", TT_FEEDS_FILE(file));
	}
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	int rc = gunzip_loop(&zs, file, sink, ctx, err);
	inflateEnd(&zs);
	return rc;
}

struct collect {
	struct tt_buf *out;
	size_t start;
	size_t max;
	bool too_big;
};

static int collect_sink(void *ctx, const char *chunk, size_t n)
{
	struct collect *c = ctx;
	if (c->out->len - c->start + n > c->max) {
		c->too_big = true;
		return -EFBIG;
	}
	tt_buf_add(c->out, chunk, n);
	return 0;
}

int tt_feeds_gunzip(const void *data, size_t len, const char *file, size_t max, struct tt_buf *out,
		    struct tt_error *err)
{
	struct collect c = {out, out->len, max, false};
	int rc = tt_feeds_gunzip_stream(data, len, file, collect_sink, &c, err);
	if (c.too_big)
		tt_error_set(err, rc, "%s: inflates to more than %zu bytes", TT_FEEDS_FILE(file),
			     max);
	if (rc < 0) {
		out->len = c.start;
		if (out->buf)
			out->buf[out->len] = '\0';
	}
	/* An empty gzip member still leaves out a valid (empty) string. */
	if (rc == 0)
		tt_buf_grow(out, 0);
	return rc;
}
