// SPDX-License-Identifier: GPL-2.0-or-later
/* tt_feed_import(): path, directory or URL in; the right parser, callbacks out. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "feeds-internal.h"

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Formats we recognise but do not unpack, and what to tell the user instead. */
static int refuse_compressed(const char *source, const struct tt_buf *b, struct tt_error *err)
{
	const char *p = b->buf;
	const char *what = NULL;
	if (b->len >= 6 && memcmp(p,
				  "\xFD"
				  "7zXZ\0",
				  6) == 0)
		what = "xz-compressed";
	else if (b->len >= 4 && memcmp(p, "\x28\xB5\x2F\xFD", 4) == 0)
		what = "zstd-compressed";
	else if (b->len >= 3 && memcmp(p, "BZh", 3) == 0)
		what = "bzip2-compressed";
	if (what)
		return tt_error_set(err, -ENOTSUP,
				    "%s is %s: decompress it first (e.g. `xz -dk FILE`); for the "
				    "vulnrichment archive, `mkdir DIR && tar -xJf FILE -C DIR` and "
				    "import DIR",
				    source, what);
	/* POSIX tar puts "ustar" at offset 257 of the first header block. */
	if (b->len >= 262 && memcmp(p + 257, "ustar", 5) == 0)
		return tt_error_set(err, -ENOTSUP,
				    "%s is a tar archive: `mkdir DIR && tar -xf FILE -C DIR` and "
				    "import DIR",
				    source);
	return 0;
}

/* Inflate a gzip JSON feed in place of the compressed bytes (EPSS inflates as it parses). */
static int inflate_json(const char *source, struct tt_buf *b, struct tt_error *err)
{
	struct tt_buf plain = TT_BUF_INIT;
	int rc = tt_feeds_gunzip(b->buf, b->len, source, TT_FETCH_DEFAULT_MAX_BYTES, &plain, err);
	tt_buf_free(b);
	*b = plain;
	return rc;
}

static int prepare(const char *source, struct tt_buf *b, enum tt_feed_kind *kind,
		   struct tt_error *err)
{
	int rc = refuse_compressed(source, b, err);
	if (rc)
		return rc;
	if (*kind == TT_FEED_UNKNOWN)
		*kind = tt_feed_detect(b->buf, b->len);
	if (tt_feeds_is_gzip(b->buf, b->len) && *kind != TT_FEED_EPSS) {
		rc = inflate_json(source, b, err);
		if (rc == 0)
			rc = refuse_compressed(source, b, err); /* a .tar.gz */
		if (rc)
			return rc;
	}
	if (*kind == TT_FEED_UNKNOWN)
		return tt_error_set(
		    err, -EINVAL,
		    "cannot tell which feed %s is (not CISA KEV, vulnrichment, EPSS "
		    "or NVD API 2.0 content); name the kind explicitly",
		    source);
	return 0;
}

struct vr_fwd {
	const struct tt_feed_handlers *h;
	struct tt_vulnrichment_stats *st;
};

static int vr_count(void *ctx, const struct tt_vulnrichment_entry *e)
{
	struct vr_fwd *f = ctx;
	f->st->n_entries++;
	f->st->n_with_ssvc += e->has_ssvc;
	f->st->n_with_cvss += e->has_cvss;
	return f->h->vulnrichment ? f->h->vulnrichment(f->h->ctx, e) : 0;
}

static int import_vulnrichment_file(const char *source, const struct tt_buf *b,
				    const struct tt_feed_handlers *h, struct tt_feed_result *r,
				    const struct tt_diag_sink *diag, struct tt_error *err)
{
	struct vr_fwd f = {h, &r->vulnrichment};
	r->vulnrichment.n_files = 1;
	int rc = tt_feed_parse_vulnrichment(b->buf, b->len, source, vr_count, &f, diag, err);
	r->n_entries = r->vulnrichment.n_entries;
	return rc;
}

static int dispatch(const char *source, const struct tt_buf *b, const struct tt_feed_handlers *h,
		    struct tt_feed_result *r, const struct tt_diag_sink *diag, struct tt_error *err)
{
	int rc = -EINVAL;
	switch (r->kind) {
	case TT_FEED_KEV:
		rc = tt_feed_parse_kev(b->buf, b->len, source, &r->kev, h->kev, h->ctx, diag, err);
		r->n_entries = r->kev.n_entries;
		r->n_skipped = r->kev.n_skipped;
		break;
	case TT_FEED_EPSS:
		rc = tt_feed_parse_epss(b->buf, b->len, source, &r->epss, h->epss, h->ctx, diag,
					err);
		r->n_entries = r->epss.n_entries;
		r->n_skipped = r->epss.n_skipped;
		break;
	case TT_FEED_NVD:
		rc = tt_feed_parse_nvd(b->buf, b->len, source, &r->nvd, h->nvd, h->ctx, diag, err);
		r->n_entries = r->nvd.n_entries;
		r->n_skipped = r->nvd.n_skipped;
		break;
	case TT_FEED_VULNRICHMENT:
		rc = import_vulnrichment_file(source, b, h, r, diag, err);
		break;
	case TT_FEED_UNKNOWN:
		rc = tt_error_set(err, -EINVAL, "%s: no feed kind", source);
		break;
	}
	return rc;
}

static int import_dir(const char *source, enum tt_feed_kind kind, const struct tt_feed_handlers *h,
		      struct tt_feed_result *r, const struct tt_diag_sink *diag,
		      struct tt_error *err)
{
	if (kind != TT_FEED_UNKNOWN && kind != TT_FEED_VULNRICHMENT)
		return tt_error_set(err, -EISDIR,
				    "%s is a directory; only vulnrichment records are read from a "
				    "directory, a %s feed is one file",
				    source, tt_feed_kind_name(kind));
	r->kind = TT_FEED_VULNRICHMENT;
	int rc =
	    tt_feed_walk_vulnrichment(source, &r->vulnrichment, h->vulnrichment, h->ctx, diag, err);
	r->n_entries = r->vulnrichment.n_entries;
	r->n_skipped = r->vulnrichment.n_skipped;
	return rc;
}

int tt_feed_import(const char *source, enum tt_feed_kind kind, const struct tt_feed_handlers *h,
		   struct tt_feed_result *result, const struct tt_diag_sink *diag,
		   struct tt_error *err)
{
	static const struct tt_feed_handlers none;
	struct tt_feed_result local;
	if (!result)
		result = &local;
	*result = (struct tt_feed_result){0};
	if (!h)
		h = &none;
	if (!source)
		return tt_error_set(err, -EINVAL, "no feed source given");
	if (!tt_feed_is_url(source) && is_dir(source))
		return import_dir(source, kind, h, result, diag, err);
	struct tt_buf b = TT_BUF_INIT;
	int rc = tt_feed_load_source(source, &b, err);
	if (rc == 0)
		rc = prepare(source, &b, &kind, err);
	if (rc == 0) {
		result->kind = kind;
		rc = dispatch(source, &b, h, result, diag, err);
	}
	tt_buf_free(&b);
	return rc;
}
