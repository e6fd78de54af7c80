// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * FIRST EPSS scores: "#model_version:...,score_date:..." then the header
 * "cve,epss,percentile" then one row per CVE. Parsed line by line as the gzip
 * stream inflates, so the 360k-row file never sits in memory uncompressed.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feeds-internal.h"

/* Real lines are ~40 bytes; anything far longer is not EPSS, and must not grow memory. */
#define EPSS_MAX_LINE	4096
#define EPSS_MAX_FIELDS 16

struct epss {
	const char *file;
	struct tt_epss_meta *meta;
	tt_epss_cb cb;
	void *ctx;
	const struct tt_diag_sink *diag;
	struct tt_error *err;
	size_t line;
	bool have_header;
	int col_cve, col_epss, col_pct; /* col_pct -1: no percentile column */
	int min_fields;
	struct tt_buf partial;
	bool overlong;
};

static int warn_line(const struct epss *st)
{
	return st->line > 0x7fffffff ? 0 : (int)st->line;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Split s at commas in place; returns the field count (at most max). */
static int split(char *s, char **fields, int max)
{
	int n = 0;
	for (;;) {
		char *comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		if (n == max)
			return max + 1; /* too many: caller rejects */
		fields[n++] = trim(s);
		if (!comma)
			return n;
		s = comma + 1;
	}
}

/* "#model_version:v2023.03.01,score_date:2024-02-22T00:00:00+0000" (values may hold ':'). */
static void epss_comment(struct epss *st, char *s)
{
	char *fields[EPSS_MAX_FIELDS];
	int n = split(s + 1, fields, EPSS_MAX_FIELDS);
	for (int i = 0; i < n && i < EPSS_MAX_FIELDS; i++) {
		char *colon = strchr(fields[i], ':');
		if (!colon)
			continue;
		*colon = '\0';
		const char *key = trim(fields[i]), *val = trim(colon + 1);
		if (strcasecmp(key, "model_version") == 0) {
			tt_feeds_copy(st->meta->model_version, sizeof(st->meta->model_version),
				      val);
		} else if (strcasecmp(key, "score_date") == 0) {
			tt_feeds_copy(st->meta->score_date, sizeof(st->meta->score_date), val);
			st->meta->score_time = tt_feeds_time(val);
		}
	}
}

static int not_epss(struct epss *st, const char *what)
{
	return tt_error_set(st->err, -EINVAL,
			    "%s: not an EPSS CSV: line %zu is %s, expected the header "
			    "\"cve,epss,percentile\"",
			    TT_FEEDS_FILE(st->file), st->line, what);
}

static int epss_header(struct epss *st, char *s)
{
	char shown[64];
	tt_feeds_copy(shown, sizeof(shown), s);
	char *fields[EPSS_MAX_FIELDS];
	int n = split(s, fields, EPSS_MAX_FIELDS);
	st->col_cve = st->col_epss = st->col_pct = -1;
	for (int i = 0; i < n && i < EPSS_MAX_FIELDS; i++) {
		if (strcasecmp(fields[i], "cve") == 0)
			st->col_cve = i;
		else if (strcasecmp(fields[i], "epss") == 0)
			st->col_epss = i;
		else if (strcasecmp(fields[i], "percentile") == 0)
			st->col_pct = i;
	}
	if (st->col_cve < 0 || st->col_epss < 0) {
		char what[96];
		snprintf(what, sizeof(what), "\"%s\"", shown);
		return not_epss(st, what);
	}
	st->min_fields = 1 + (st->col_cve > st->col_epss ? st->col_cve : st->col_epss);
	if (st->col_pct >= st->min_fields)
		st->min_fields = st->col_pct + 1;
	st->have_header = true;
	return 0;
}

static bool parse_prob(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	/* The negated range test also rejects NaN. */
	if (end == s || *end || errno == ERANGE || !(v >= 0.0 && v <= 1.0))
		return false;
	*out = v;
	return true;
}

static int epss_row(struct epss *st, char *s)
{
	char *f[EPSS_MAX_FIELDS];
	int n = split(s, f, EPSS_MAX_FIELDS);
	struct tt_epss_entry e = {.line = st->line, .percentile = -1.0};
	const char *bad = NULL;
	if (n < st->min_fields || n > EPSS_MAX_FIELDS)
		bad = "wrong number of fields";
	else if (!tt_feeds_is_cve_id(f[st->col_cve]))
		bad = "bad CVE id";
	else if (!parse_prob(f[st->col_epss], &e.epss))
		bad = "epss is not a number in 0..1";
	else if (st->col_pct >= 0 && !parse_prob(f[st->col_pct], &e.percentile))
		bad = "percentile is not a number in 0..1";
	if (bad) {
		const char *id = n >= 1 && n <= EPSS_MAX_FIELDS ? f[0] : "";
		tt_diag_warn(st->diag, st->file, warn_line(st),
			     "EPSS line %zu (%.40s): %s; skipped", st->line, id, bad);
		st->meta->n_skipped++;
		return 0;
	}
	e.cve_id = f[st->col_cve];
	st->meta->n_entries++;
	return tt_feeds_cb_result(st->cb ? st->cb(st->ctx, &e) : 0, e.cve_id, st->err);
}

/* One complete line (without its '\n'), NUL-terminated, writable. */
static int epss_line(struct epss *st, char *s, size_t n)
{
	if (st->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		n -= 3;
	}
	if (n && s[n - 1] == '\r')
		s[--n] = '\0';
	if (n == 0)
		return 0;
	if (s[0] == '#') {
		if (!st->have_header)
			epss_comment(st, s);
		return 0;
	}
	return st->have_header ? epss_row(st, s) : epss_header(st, s);
}

static int epss_overlong(struct epss *st)
{
	if (!st->have_header)
		return not_epss(st, "a very long line");
	tt_diag_warn(st->diag, st->file, warn_line(st),
		     "EPSS line %zu: longer than %d bytes; skipped", st->line, EPSS_MAX_LINE);
	st->meta->n_skipped++;
	return 0;
}

static int epss_finish_line(struct epss *st)
{
	st->line++;
	int rc;
	if (st->overlong) {
		rc = epss_overlong(st);
	} else {
		tt_buf_grow(&st->partial, 0); /* buf is non-NULL even for an empty line */
		rc = epss_line(st, st->partial.buf, st->partial.len);
	}
	st->overlong = false;
	tt_buf_reset(&st->partial);
	return rc;
}

static int epss_chunk(void *ctx, const char *data, size_t n)
{
	struct epss *st = ctx;
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		if (st->partial.len + take > EPSS_MAX_LINE) {
			st->overlong = true;
			tt_buf_reset(&st->partial);
		} else if (!st->overlong) {
			tt_buf_add(&st->partial, data, take);
		}
		if (!nl)
			break;
		int rc = epss_finish_line(st);
		if (rc)
			return rc;
		data = nl + 1;
		n -= take + 1;
	}
	return 0;
}

static int epss_finish(struct epss *st)
{
	int rc = 0;
	if (st->partial.len || st->overlong)
		rc = epss_finish_line(st);
	if (rc == 0 && !st->have_header)
		rc = tt_error_set(st->err, -EINVAL,
				  "%s: not an EPSS CSV: no \"cve,epss,percentile\" header line",
				  TT_FEEDS_FILE(st->file));
	return rc;
}

int tt_feed_parse_epss(const char *data, size_t len, const char *file, struct tt_epss_meta *meta,
		       tt_epss_cb cb, void *ctx, const struct tt_diag_sink *diag,
		       struct tt_error *err)
{
	struct tt_epss_meta local;
	if (!meta)
		meta = &local;
	*meta = (struct tt_epss_meta){0};
	struct epss st = {.file = file,
			  .meta = meta,
			  .cb = cb,
			  .ctx = ctx,
			  .diag = diag,
			  .err = err,
			  .partial = TT_BUF_INIT};
	int rc;
	if (tt_feeds_is_gzip(data, len))
		rc = tt_feeds_gunzip_stream(data, len, file, epss_chunk, &st, err);
	else
		rc = epss_chunk(&st, data, len);
	if (rc == 0)
		rc = epss_finish(&st);
	tt_buf_free(&st.partial);
	return rc < 0 ? rc : 0;
}
