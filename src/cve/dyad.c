// SPDX-License-Identifier: GPL-2.0-or-later
/* .dyad files: one "vulnVer:vulnSha:fixVer:fixSha" pair per line, from the CNA's dyad tool. */
#include <string.h>

#include "cve_internal.h"

static size_t span_digits(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* "6.8", "6.1.78", "2.6.39.4", "6.8-rc3": at least major.minor, release candidates allowed. */
static bool version_valid(const char *s, size_t n)
{
	size_t i = 0, parts = 0;
	for (;;) {
		size_t d = span_digits(s + i, n - i);
		if (d == 0)
			return false;
		i += d;
		parts++;
		if (i == n || s[i] != '.')
			break;
		i++;
	}
	if (i < n && n - i > 3 && memcmp(s + i, "-rc", 3) == 0) {
		size_t d = span_digits(s + i + 3, n - i - 3);
		i += d ? d + 3 : 0;
	}
	return parts >= 2 && i == n;
}

/* One side of a pair. "0:0" stands for "unknown origin" / "never fixed" and becomes NULLs. */
static const char *parse_half(const char *ver, size_t vlen, const char *sha, size_t slen,
			      char **out_ver, char **out_sha)
{
	*out_ver = *out_sha = NULL;
	bool vzero = vlen == 1 && ver[0] == '0';
	bool szero = slen == 1 && sha[0] == '0';
	if (vzero && szero)
		return NULL;
	if (vzero || szero)
		return "only one of version and commit is 0";
	if (!version_valid(ver, vlen))
		return "bad version";
	if (!tt_commit_id_valid(sha, slen))
		return "bad commit id";
	*out_ver = tt_xstrndup(ver, vlen);
	*out_sha = tt_xstrndup(sha, slen);
	return NULL;
}

/* Split at the three colons; returns NULL on success or why the line is malformed. */
static const char *parse_pair(const char *s, size_t n, struct tt_dyad *d)
{
	const char *f[4];
	size_t flen[4], nf = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != ':')
			continue;
		if (nf == 4)
			return "more than 4 fields";
		f[nf] = s + start;
		flen[nf++] = i - start;
		start = i + 1;
	}
	if (nf != 4)
		return "fewer than 4 fields";
	const char *why =
	    parse_half(f[0], flen[0], f[1], flen[1], &d->vuln_version, &d->vuln_commit);
	if (why)
		return why;
	why = parse_half(f[2], flen[2], f[3], flen[3], &d->fix_version, &d->fix_commit);
	if (why) {
		free(d->vuln_version);
		free(d->vuln_commit);
		d->vuln_version = d->vuln_commit = NULL;
	}
	return why;
}

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 1;
	for (const char *p = text, *end = text + len; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		n++;
	return n;
}

int tt_dyad_parse(const char *text, size_t len, const char *file, struct tt_cve_record *rec,
		  const struct tt_diag_sink *diag)
{
	size_t pos = 0, room = 0;
	int skipped = 0;
	for (struct tt_line l = {0}; tt_next_line(text, len, &pos, &l);) {
		tt_trim(&l.s, &l.len);
		if (l.len == 0 || l.s[0] == '#')
			continue;
		if (room == 0) {
			/* One allocation per file: the remaining lines bound the pairs still to
			 * come. */
			room = count_lines(text + pos, len - pos);
			rec->dyads =
			    tt_xrealloc(rec->dyads, (rec->n_dyads + room) * sizeof(*rec->dyads));
		}
		struct tt_dyad *d = &rec->dyads[rec->n_dyads];
		memset(d, 0, sizeof(*d));
		const char *why = parse_pair(l.s, l.len, d);
		if (why) {
			tt_diag_warn(diag, file, l.no, "malformed dyad line skipped (%s): %.*s",
				     why, (int)(l.len > 120 ? 120 : l.len), l.s);
			skipped++;
			continue;
		}
		d->line = l.no;
		rec->n_dyads++;
		room--;
	}
	return skipped;
}

/* Copy the branch part of a kernel version: major.minor, or 2.6.x for the 2.6 era. */
static void branch_of(const char *v, char *out, size_t n)
{
	size_t want = strncmp(v, "2.6.", 4) == 0 ? 3 : 2;
	size_t len = strlen(v), i = 0, end = 0, parts = 0;
	while (parts < want) {
		size_t d = span_digits(v + i, len - i);
		if (d == 0)
			break;
		i += d;
		end = i;
		parts++;
		if (v[i] != '.')
			break;
		i++;
	}
	if (parts < 2 || end >= n)
		return;
	memcpy(out, v, end);
	out[end] = '\0';
}

void tt_dyad_branch(const struct tt_dyad *d, char *out, size_t n)
{
	if (n == 0)
		return;
	out[0] = '\0';
	/* A fix says which branch it landed in; an unfixed pair belongs to where it started. */
	const char *v = d->fix_version ? d->fix_version : d->vuln_version;
	if (v)
		branch_of(v, out, n);
}
