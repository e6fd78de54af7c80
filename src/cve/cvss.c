// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CVSS 3.1 base scores (FIRST, "CVSS v3.1 Specification Document", section 7
 * and Appendix A) and the CNA's .cvss files.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "cve_internal.h"

enum { AV, AC, PR, UI, S, C, I, A, N_BASE };

/* Every metric a 3.1 vector may carry; only the eight base ones affect the base score. */
static const struct metric {
	const char *key;
	const char *values;
	int base; /* index into the base array, -1 for temporal / environmental */
} metrics[] = {
    {"AV", "NALP", AV},	 {"AC", "LH", AC},    {"PR", "NLH", PR},    {"UI", "NR", UI},
    {"S", "UC", S},	 {"C", "HLN", C},     {"I", "HLN", I},	    {"A", "HLN", A},
    {"E", "XUPFH", -1},	 {"RL", "XOTWU", -1}, {"RC", "XURC", -1},   {"CR", "XLMH", -1},
    {"IR", "XLMH", -1},	 {"AR", "XLMH", -1},  {"MAV", "XNALP", -1}, {"MAC", "XLH", -1},
    {"MPR", "XNLH", -1}, {"MUI", "XNR", -1},  {"MS", "XUC", -1},    {"MC", "XNLH", -1},
    {"MI", "XNLH", -1},	 {"MA", "XNLH", -1},
};
#define N_METRICS (sizeof(metrics) / sizeof(metrics[0]))

static const struct metric *find_metric(const char *key, size_t n)
{
	for (size_t i = 0; i < N_METRICS; i++)
		if (strlen(metrics[i].key) == n && memcmp(metrics[i].key, key, n) == 0)
			return &metrics[i];
	return NULL;
}

/* Split "K:V/K:V/..." into one letter per metric; 0 or -EINVAL with err naming the culprit. */
static int parse_metrics(const char *vec, char val[N_METRICS], struct tt_error *err)
{
	memset(val, 0, N_METRICS);
	const char *s = vec;
	for (;;) {
		size_t n = strcspn(s, "/");
		const char *colon = memchr(s, ':', n);
		const struct metric *m = colon ? find_metric(s, (size_t)(colon - s)) : NULL;
		if (!m)
			return tt_error_set(err, -EINVAL, "CVSS vector: unknown metric '%.*s'",
					    (int)(n > 40 ? 40 : n), s);
		size_t idx = (size_t)(m - metrics);
		if (colon + 2 != s + n || !colon[1] || !strchr(m->values, colon[1]))
			return tt_error_set(err, -EINVAL, "CVSS vector: bad value in '%.*s'",
					    (int)(n > 40 ? 40 : n), s);
		if (val[idx])
			return tt_error_set(err, -EINVAL, "CVSS vector: metric %s repeated",
					    m->key);
		val[idx] = colon[1];
		if (!s[n])
			break;
		s += n + 1;
	}
	for (int b = 0; b < N_BASE; b++)
		if (!val[b])
			return tt_error_set(err, -EINVAL, "CVSS vector: base metric %s missing",
					    metrics[b].key);
	return 0;
}

/* The specification's Roundup: the smallest one-decimal number >= x, immune to float noise. */
static double roundup(double x)
{
	long long i = llround(x * 100000.0);
	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

static double weight(int metric, char v, bool changed)
{
	switch (metric) {
	case AV:
		return v == 'N' ? 0.85 : v == 'A' ? 0.62 : v == 'L' ? 0.55 : 0.2;
	case AC:
		return v == 'L' ? 0.77 : 0.44;
	case PR:
		/* Privileges weigh less when the impact escapes the vulnerable component. */
		if (v == 'N')
			return 0.85;
		if (v == 'L')
			return changed ? 0.68 : 0.62;
		return changed ? 0.5 : 0.27;
	case UI:
		return v == 'N' ? 0.85 : 0.62;
	default: /* C, I, A */
		return v == 'H' ? 0.56 : v == 'L' ? 0.22 : 0.0;
	}
}

static double base_score(const char val[N_METRICS])
{
	bool changed = val[S] == 'C';
	double iss = 1.0 - (1.0 - weight(C, val[C], changed)) * (1.0 - weight(I, val[I], changed)) *
			       (1.0 - weight(A, val[A], changed));
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	double expl = 8.22 * weight(AV, val[AV], changed) * weight(AC, val[AC], changed) *
		      weight(PR, val[PR], changed) * weight(UI, val[UI], changed);
	if (impact <= 0)
		return 0.0;
	double sum = changed ? 1.08 * (impact + expl) : impact + expl;
	return roundup(fmin(sum, 10.0));
}

const char *tt_cvss_severity(double score)
{
	if (score == 0.0)
		return "NONE";
	if (score < 4.0)
		return "LOW";
	if (score < 7.0)
		return "MEDIUM";
	if (score < 9.0)
		return "HIGH";
	return "CRITICAL";
}

int tt_cvss31_score(const char *vector, double *score, const char **severity, struct tt_error *err)
{
	static const char prefix[] = "CVSS:3.1/";
	if (!vector || strncmp(vector, prefix, sizeof(prefix) - 1) != 0)
		return tt_error_set(err, -EINVAL, "not a CVSS 3.1 vector (no \"%s\" prefix)",
				    prefix);
	char val[N_METRICS];
	int r = parse_metrics(vector + sizeof(prefix) - 1, val, err);
	if (r)
		return r;
	double s = base_score(val);
	if (score)
		*score = s;
	if (severity)
		*severity = tt_cvss_severity(s);
	return 0;
}

/* "AV:L - ...": the start of one metric's paragraph in a canonical rationale. */
static bool starts_metric(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] >= 'A' && s[i] <= 'Z')
		i++;
	return i > 0 && i + 2 < n && s[i] == ':' && s[i + 1] >= 'A' && s[i + 1] <= 'Z' &&
	       s[i + 2] == ' ';
}

/*
 * Undo the 72-column wrapping: indented lines continue the previous one, a
 * metric line or a blank line starts a new one, and a plain line in free
 * prose continues its paragraph. The JSON record's scenario text is built
 * the same way, so the two compare equal.
 */
static char *join_rationale(const char *text, size_t len, size_t pos, int line_no)
{
	struct tt_buf b = TT_BUF_INIT;
	bool new_line = true;
	for (struct tt_line l = {.no = line_no}; tt_next_line(text, len, &pos, &l);) {
		bool indented = l.len && (l.s[0] == ' ' || l.s[0] == '\t');
		tt_trim(&l.s, &l.len);
		if (l.len == 0) {
			new_line = true;
			continue;
		}
		if (b.len)
			tt_buf_addc(&b, (new_line || (!indented && starts_metric(l.s, l.len)))
					    ? '\n'
					    : ' ');
		tt_buf_add(&b, l.s, l.len);
		new_line = false;
	}
	return b.len ? tt_buf_detach(&b) : (tt_buf_free(&b), NULL);
}

/* "ORGID CVSS:3.1/..." -> source and vector (both allocated); the org id may be missing. */
static int parse_header(const struct tt_line *l, const char *file, char **source, char **vector,
			const struct tt_diag_sink *diag, struct tt_error *err)
{
	const char *s = l->s;
	size_t n = l->len;
	tt_trim(&s, &n);
	size_t w = 0;
	while (w < n && s[w] != ' ' && s[w] != '\t')
		w++;
	const char *rest = s + w;
	size_t rlen = n - w;
	tt_trim(&rest, &rlen);
	if (rlen == 0 && w >= 5 && memcmp(s, "CVSS:", 5) == 0) {
		tt_diag_warn(diag, file, l->no, "CVSS line has no scoring org id");
		*source = NULL;
		*vector = tt_xstrndup(s, w);
		return 0;
	}
	size_t vlen = 0;
	while (vlen < rlen && rest[vlen] != ' ' && rest[vlen] != '\t')
		vlen++;
	if (vlen == 0)
		return tt_error_set(err, -EINVAL, "%s:%d: expected \"ORGID CVSS:3.1/...\"", file,
				    l->no);
	if (vlen < rlen)
		tt_diag_warn(diag, file, l->no, "text after the CVSS vector ignored");
	*source = tt_xstrndup(s, w);
	*vector = tt_xstrndup(rest, vlen);
	return 0;
}

int tt_cvss_file_parse(const char *text, size_t len, const char *file, struct tt_cve_record *rec,
		       const struct tt_diag_sink *diag, struct tt_error *err)
{
	size_t pos = 0;
	struct tt_line l = {0};
	if (!tt_next_line(text, len, &pos, &l))
		return tt_error_set(err, -EINVAL, "%s: empty CVSS file", file);
	char *source = NULL, *vector = NULL;
	int r = parse_header(&l, file, &source, &vector, diag, err);
	if (r)
		return r;
	struct tt_cvss c = {.vector = vector, .source = source};
	r = tt_cvss31_score(vector, &c.base_score, &c.severity, err);
	if (r) {
		tt_cvss_clear(&c);
		return tt_error_prefix(err, "%s:%d: ", file, l.no);
	}
	/* The rationale follows a blank line; tolerate its absence rather than lose the text. */
	size_t body = pos;
	struct tt_line second = l;
	if (tt_next_line(text, len, &pos, &second)) {
		tt_trim(&second.s, &second.len);
		if (second.len)
			tt_diag_warn(diag, file, second.no, "no blank line after the CVSS vector");
	}
	c.rationale = join_rationale(text, len, body, l.no);
	tt_cvss_clear(&rec->cvss);
	rec->cvss = c;
	rec->has_cvss = true;
	return 0;
}
