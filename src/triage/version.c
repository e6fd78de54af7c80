// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Is a kernel version vulnerable to one CVE? The kernel CNA's .dyad pairs
 * decide, one stable branch at a time; the JSON record's semver ranges are
 * an independent rendering of the same facts, used only as a cross-check:
 * where they disagree the reason says so and the pairs still decide,
 * because the pairs are what the CNA's own tooling derives the JSON from.
 */
#include <errno.h>
/* Debian's jsmn is header-only: JSMN_STATIC keeps its functions private to this file. */
#define JSMN_STATIC
#include <jsmn.h>
#include <stdio.h>
#include <string.h>

#include "triage_internal.h"

/* The CNA's "0" origin: the first release in git history. */
static const struct tt_kver kver_origin = {{2, 6, 12, 0}, 3, 0};

bool tri_pair_from_strings(const char *vuln, const char *fix, struct tri_pair *out)
{
	memset(out, 0, sizeof(*out));
	if (vuln && strcmp(vuln, "0") != 0) {
		if (tt_kver_parse(vuln, &out->intro, NULL) < 0)
			return false;
		out->has_intro = true;
	}
	if (fix && strcmp(fix, "0") != 0) {
		if (tt_kver_parse(fix, &out->fix, NULL) < 0)
			return false;
		out->has_fix = true;
	}
	return true;
}

/* ---------------- the JSON ranges ---------------- */

static bool range_from_entry(const char *version, const char *lt, const char *lte,
			     const char *status, const char *type, struct tri_range *r)
{
	memset(r, 0, sizeof(*r));
	/* Commit ranges need the git history; the semver entries carry the same facts. */
	if (!version || !status || (type && strcmp(type, "git") == 0))
		return false;
	if (strcmp(version, "0") == 0)
		r->lo_zero = true;
	else if (tt_kver_parse(version, &r->lo, NULL) < 0)
		return false;
	r->affected = strcmp(status, "affected") == 0;
	if (lt) {
		r->kind = TRI_RANGE_LT;
		return tt_kver_parse(lt, &r->hi, NULL) == 0;
	}
	if (!lte) {
		r->kind = TRI_RANGE_POINT;
		return !r->lo_zero;
	}
	if (strcmp(lte, "*") == 0) {
		r->kind = TRI_RANGE_OPEN;
		return true;
	}
	size_t n = strlen(lte);
	if (n > 2 && strcmp(lte + n - 2, ".*") == 0) {
		r->kind = TRI_RANGE_BRANCH;
		char *prefix = tt_xstrndup(lte, n - 2);
		int rc = tt_kver_parse(prefix, &r->hi, NULL);
		free(prefix);
		return rc == 0;
	}
	r->kind = TRI_RANGE_LE;
	return tt_kver_parse(lte, &r->hi, NULL) == 0;
}

static void push_range(const struct tri_range *r, struct tri_range **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = tt_xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = *r;
}

/* One entry's fields as the store wrote them (keys of CVE JSON 5 versions[]). */
enum { F_VERSION, F_LT, F_LTE, F_STATUS, F_TYPE, N_FIELDS };
static const char *const field_names[N_FIELDS] = {"version", "lessThan", "lessThanOrEqual",
						  "status", "versionType"};

static bool tok_is(const char *js, const jsmntok_t *t, const char *s)
{
	size_t n = strlen(s);
	return t->type == JSMN_STRING && (size_t)(t->end - t->start) == n &&
	       memcmp(js + t->start, s, n) == 0;
}

/* Tokens a value spans, nested containers included. */
static int tok_span(const jsmntok_t *t, int avail)
{
	int need = 1, i = 0;
	while (need > 0 && i < avail) {
		if (t[i].type == JSMN_OBJECT)
			need += 2 * t[i].size;
		else if (t[i].type == JSMN_ARRAY)
			need += t[i].size;
		need--;
		i++;
	}
	return i;
}

/* Copy a string token; values with escapes or of odd length are not versions we use. */
static bool tok_str(const char *js, const jsmntok_t *t, char *out, size_t n)
{
	size_t len = (size_t)(t->end - t->start);
	if (t->type != JSMN_STRING || len >= n || memchr(js + t->start, '\\', len))
		return false;
	memcpy(out, js + t->start, len);
	out[len] = '\0';
	return true;
}

static int read_entry(const char *js, const jsmntok_t *t, int avail, struct tri_range *r, bool *ok)
{
	char f[N_FIELDS][TT_KVER_STR_MAX];
	bool have[N_FIELDS] = {false};
	int i = 1;
	for (int k = 0; k < t[0].size && i + 1 < avail; k++) {
		for (int j = 0; j < N_FIELDS; j++)
			if (!have[j] && tok_is(js, &t[i], field_names[j]))
				have[j] = tok_str(js, &t[i + 1], f[j], sizeof(f[j]));
		i += 1 + tok_span(&t[i + 1], avail - i - 1);
	}
	*ok = t[0].type == JSMN_OBJECT &&
	      range_from_entry(have[F_VERSION] ? f[F_VERSION] : NULL, have[F_LT] ? f[F_LT] : NULL,
			       have[F_LTE] ? f[F_LTE] : NULL, have[F_STATUS] ? f[F_STATUS] : NULL,
			       have[F_TYPE] ? f[F_TYPE] : NULL, r);
	return t[0].type == JSMN_OBJECT ? i : tok_span(t, avail);
}

/*
 * jsmn, not a DOM: the store holds 21 MB of versions[] JSON, most of it
 * commit ranges this reader skips, and loading must stay well under a second.
 */
int tri_ranges_from_json(const char *versions_json, struct tri_range **v, size_t *n, size_t *cap)
{
	if (!versions_json)
		return -1;
	size_t len = strlen(versions_json);
	jsmn_parser p;
	jsmn_init(&p);
	int nt = jsmn_parse(&p, versions_json, len, NULL, 0);
	if (nt < 1)
		return -1;
	jsmntok_t *t = tt_xmalloc((size_t)nt * sizeof(*t));
	jsmn_init(&p);
	int got = jsmn_parse(&p, versions_json, len, t, (unsigned)nt);
	size_t before = *n;
	if (got < 1 || t[0].type != JSMN_ARRAY) {
		free(t);
		return -1;
	}
	for (int i = 1, k = 0; k < t[0].size && i < got; k++) {
		struct tri_range r;
		bool ok;
		i += read_entry(versions_json, &t[i], got - i, &r, &ok);
		if (ok)
			push_range(&r, v, n, cap);
	}
	free(t);
	return (int)(*n - before);
}

void tri_ranges_from_block(const struct tt_affected *a, struct tri_range **v, size_t *n,
			   size_t *cap)
{
	for (size_t i = 0; i < a->n_versions; i++) {
		const struct tt_affected_version *e = &a->versions[i];
		struct tri_range r;
		if (range_from_entry(e->version, e->less_than, e->less_than_or_equal, e->status,
				     e->version_type, &r))
			push_range(&r, v, n, cap);
	}
}

int tri_block_default(const char *default_status, bool has_semver_entries)
{
	if (!has_semver_entries || !default_status)
		return -1;
	if (strcmp(default_status, "affected") == 0)
		return 1;
	return strcmp(default_status, "unaffected") == 0 ? 0 : -1;
}

static bool range_contains(const struct tri_range *r, const struct tt_kver *v)
{
	if (!r->lo_zero && tt_kver_cmp(v, &r->lo) < 0)
		return false;
	switch (r->kind) {
	case TRI_RANGE_POINT:
		return tt_kver_cmp(v, &r->lo) == 0;
	case TRI_RANGE_LT:
		/*
		 * The CNA writes one range per stable branch ("0" lessThan
		 * "6.1.157"): a stable bound speaks for its own branch only,
		 * or 6.1.170 would fall inside "0" lessThan "6.6.113".
		 */
		if (!tt_kver_is_mainline(&r->hi) && !tt_kver_same_branch(v, &r->hi))
			return false;
		return tt_kver_cmp(v, &r->hi) < 0;
	case TRI_RANGE_LE:
		return tt_kver_cmp(v, &r->hi) <= 0;
	case TRI_RANGE_BRANCH:
		return tt_kver_same_branch(v, &r->hi);
	default:
		return true;
	}
}

/*
 * The JSON view: an affected range containing v wins (the CNA writes
 * backport-introduced ranges as affected inside broader unaffected ones),
 * then an unaffected range, then the default status. -1: no opinion.
 */
static int json_says_affected(const struct tri_json *j, const struct tt_kver *v)
{
	if (!j)
		return -1;
	bool unaffected = false;
	for (size_t i = 0; i < j->n; i++) {
		if (!range_contains(&j->ranges[i], v))
			continue;
		if (j->ranges[i].affected)
			return 1;
		unaffected = true;
	}
	return unaffected ? 0 : j->default_affected;
}

/* ---------------- the dyad pairs ---------------- */

static char *put_u32(char *o, uint32_t x)
{
	char tmp[10];
	int n = 0;
	do
		tmp[n++] = (char)('0' + x % 10);
	while ((x /= 10));
	while (n)
		*o++ = tmp[--n];
	return o;
}

void tri_kver_str(const struct tt_kver *v, char out[TT_KVER_STR_MAX])
{
	int parts = v->n_parts < 2 ? 2 : v->n_parts;
	char *o = out;
	for (int i = 0; i < parts; i++) {
		if (i)
			*o++ = '.';
		o = put_u32(o, v->part[i]);
	}
	if (v->rc) {
		memcpy(o, "-rc", 3);
		o = put_u32(o + 3, v->rc);
	}
	*o = '\0';
}

void tri_vtext_init(struct tri_vtext *t, const struct tt_kver *v)
{
	struct tt_kver br;
	t->v = v;
	tri_kver_str(v, t->vs);
	tt_kver_branch(v, &br);
	tri_kver_str(&br, t->branch);
}

static void fmt(const struct tt_kver *v, char *out)
{
	tri_kver_str(v, out);
}

static const struct tt_kver *intro_of(const struct tri_pair *p)
{
	return p->has_intro ? &p->intro : &kver_origin;
}

/* Introduced and fixed in the same release: the bug never shipped there. */
static bool never_shipped(const struct tri_pair *p)
{
	return p->has_fix && tt_kver_cmp(intro_of(p), &p->fix) == 0;
}

/* "5.10 -> 5.2": a fix older than the bug is a data error; the other pairs decide. */
static bool inconsistent(const struct tri_pair *p)
{
	return p->has_fix && tt_kver_cmp(&p->fix, intro_of(p)) < 0;
}

/*
 * A mainline version in a .dyad names a release cycle: "6.9" is wherever
 * in 6.9-rc1..6.9 the commit landed. For a release candidate of that cycle
 * the data cannot tell, so the bug counts as present from rc1 on.
 */
static struct tt_kver intro_for(const struct tri_pair *p, const struct tt_kver *v)
{
	struct tt_kver in = *intro_of(p);
	if (v->rc && !in.rc && tt_kver_is_mainline(&in) &&
	    memcmp(in.part, v->part, sizeof(in.part)) == 0)
		in.rc = 1;
	return in;
}

/* The pair's own branch: where the fix landed, or where the bug did. */
static const struct tt_kver *anchor_of(const struct tri_pair *p)
{
	return p->has_fix ? &p->fix : intro_of(p);
}

struct eval {
	const struct tt_kver *v;
	const char *vs, *branch;
	/* Pairs on v's own branch, by what tt_kver_pair_check says. */
	const struct tri_pair *affected, *fixed, *not_yet, *never_shipped, *inconsistent;
	bool affected_never_fixed; /* some affected pair has no fix */
	struct tt_kver later_fix;  /* highest fix on the branch among affected pairs */
	bool has_later_fix;
};

/* "introduced in 6.1.43" / "introduced before git history (0:0)". */
static void intro_words(const struct tri_pair *p, char *out, size_t n)
{
	char a[TT_KVER_STR_MAX];
	if (!p->has_intro) {
		snprintf(out, n, "introduced before git history (0:0)");
		return;
	}
	fmt(&p->intro, a);
	snprintf(out, n, "introduced in %s", a);
}

static void note_affected(struct eval *e, const struct tri_pair *p)
{
	e->affected = p;
	if (!p->has_fix) {
		e->affected_never_fixed = true;
	} else if (!e->has_later_fix || tt_kver_cmp(&p->fix, &e->later_fix) > 0) {
		e->later_fix = p->fix;
		e->has_later_fix = true;
	}
}

/* A pair anchored on v's branch speaks for it with the plain range rule. */
static void note_pair(struct eval *e, const struct tri_pair *p)
{
	if (inconsistent(p)) {
		e->inconsistent = p;
		return;
	}
	if (!tt_kver_same_branch(anchor_of(p), e->v))
		return;
	if (never_shipped(p)) {
		e->never_shipped = p;
		return;
	}
	struct tt_kver in = intro_for(p, e->v);
	switch (tt_kver_pair_check(e->v, &in, p->has_fix ? &p->fix : NULL)) {
	case TT_KVER_PAIR_AFFECTED:
		note_affected(e, p);
		break;
	case TT_KVER_PAIR_FIXED:
		if (!e->fixed || tt_kver_cmp(&p->fix, &e->fixed->fix) > 0)
			e->fixed = p;
		break;
	case TT_KVER_PAIR_NOT_YET:
		e->not_yet = p;
		break;
	default:
		break;
	}
}

static void say_affected(const struct eval *e, struct tt_triage_version_result *out)
{
	const struct tri_pair *p = e->affected;
	char intro[TT_KVER_STR_MAX + 24], fix[TT_KVER_STR_MAX];
	intro_words(p, intro, sizeof(intro));
	out->verdict = TT_VERDICT_AFFECTED;
	if (e->has_later_fix && !e->affected_never_fixed)
		fmt(&e->later_fix, out->fixed_in);
	if (!p->has_fix) {
		snprintf(out->reason, sizeof(out->reason),
			 "%s branch: %s, never fixed on this branch; this kernel is %s -> affected",
			 e->branch, intro, e->vs);
		return;
	}
	fmt(&p->fix, fix);
	snprintf(out->reason, sizeof(out->reason),
		 "%s branch: %s, fixed in %s; this kernel is %s -> affected", e->branch, intro, fix,
		 e->vs);
}

static void say_fixed(const struct eval *e, struct tt_triage_version_result *out)
{
	const struct tri_pair *p = e->fixed;
	char intro[TT_KVER_STR_MAX + 24];
	intro_words(p, intro, sizeof(intro));
	out->verdict = TT_VERDICT_FIXED;
	fmt(&p->fix, out->fixed_in);
	snprintf(out->reason, sizeof(out->reason),
		 "%s branch: %s, fixed in %s; this kernel is %s -> fixed", e->branch, intro,
		 out->fixed_in, e->vs);
}

static void say_not_yet(const struct eval *e, struct tt_triage_version_result *out)
{
	char a[TT_KVER_STR_MAX];
	out->verdict = TT_VERDICT_NOT_AFFECTED;
	fmt(intro_of(e->not_yet), a);
	snprintf(out->reason, sizeof(out->reason),
		 "%s branch: introduced in %s, after this kernel (%s) -> not affected", e->branch,
		 a, e->vs);
}

/*
 * Mainline as a line of descent: the bug lives in mainline from each
 * mainline introduction (or 0:0, before git history) until the first
 * mainline fix after it. A branch without pairs of its own is what
 * mainline was at its base release.
 */
struct lineage {
	const struct tt_kver *in, *out; /* the interval holding the point; out NULL: never fixed */
	const struct tt_kver *ended_in, *ended_out; /* the latest interval over before it */
	const struct tt_kver *first_intro;	    /* earliest mainline introduction */
};

static const struct tt_kver *mainline_fix_after(const struct tri_pair *pairs, size_t n,
						const struct tt_kver *in)
{
	const struct tt_kver *best = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct tri_pair *p = &pairs[i];
		if (!p->has_fix || never_shipped(p) || inconsistent(p) ||
		    !tt_kver_is_mainline(&p->fix) || tt_kver_cmp(&p->fix, in) <= 0)
			continue;
		if (!best || tt_kver_cmp(&p->fix, best) < 0)
			best = &p->fix;
	}
	return best;
}

static void trace_lineage(const struct tri_pair *pairs, size_t n, const struct tt_kver *point,
			  struct lineage *l)
{
	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < n; i++) {
		const struct tri_pair *p = &pairs[i];
		const struct tt_kver *in = intro_of(p);
		if (never_shipped(p) || inconsistent(p) || !tt_kver_is_mainline(in))
			continue;
		if (!l->first_intro || tt_kver_cmp(in, l->first_intro) < 0)
			l->first_intro = in;
		struct tt_kver cycle = intro_for(p, point);
		if (tt_kver_cmp(&cycle, point) > 0)
			continue;
		const struct tt_kver *out = mainline_fix_after(pairs, n, in);
		if (!out || tt_kver_cmp(point, out) < 0) {
			l->in = in;
			l->out = out;
		} else if (!l->ended_out || tt_kver_cmp(out, l->ended_out) > 0) {
			l->ended_in = in;
			l->ended_out = out;
		}
	}
}

static void by_lineage(const struct eval *e, const struct tri_pair *pairs, size_t n,
		       struct tt_triage_version_result *out)
{
	struct tt_kver base;
	tt_kver_branch(e->v, &base);
	struct lineage l;
	trace_lineage(pairs, n, tt_kver_is_mainline(e->v) ? e->v : &base, &l);
	char a[TT_KVER_STR_MAX], b[TT_KVER_STR_MAX];
	size_t rn = sizeof(out->reason);
	if (l.in) {
		out->verdict = TT_VERDICT_AFFECTED;
		fmt(l.in, a);
		if (l.out) {
			fmt(l.out, b);
			snprintf(out->reason, rn,
				 "%s branch: no fix on this branch; introduced in mainline %s "
				 "(before the branch), fixed in mainline %s (after it); this "
				 "kernel is %s -> affected",
				 e->branch, a, b, e->vs);
		} else {
			snprintf(out->reason, rn,
				 "%s branch: introduced in mainline %s, never fixed; this kernel "
				 "is %s -> affected",
				 e->branch, a, e->vs);
		}
	} else if (l.ended_out) {
		out->verdict = TT_VERDICT_FIXED;
		fmt(l.ended_in, a);
		fmt(l.ended_out, out->fixed_in);
		snprintf(out->reason, rn,
			 "mainline: introduced in %s, fixed in %s, which the %s branch descends "
			 "from; this kernel is %s -> fixed",
			 a, out->fixed_in, e->branch, e->vs);
	} else if (e->never_shipped) {
		out->verdict = TT_VERDICT_NOT_AFFECTED;
		fmt(&e->never_shipped->fix, a);
		snprintf(out->reason, rn,
			 "%s branch: introduced and fixed in the same release %s (never shipped "
			 "there); this kernel is %s -> not affected",
			 e->branch, a, e->vs);
	} else if (l.first_intro) {
		out->verdict = TT_VERDICT_NOT_AFFECTED;
		fmt(l.first_intro, a);
		snprintf(out->reason, rn,
			 "introduced in mainline %s, after the %s branch was created -> not "
			 "affected",
			 a, e->branch);
	} else {
		out->verdict = TT_VERDICT_NOT_AFFECTED;
		snprintf(out->reason, rn,
			 "no pair for the %s branch, and the bug was only introduced on other "
			 "stable branches (never in mainline) -> not affected",
			 e->branch);
	}
}

static void note_inconsistent(const struct tri_pair *p, struct tt_triage_version_result *out)
{
	char a[TT_KVER_STR_MAX], b[TT_KVER_STR_MAX];
	fmt(intro_of(p), a);
	fmt(&p->fix, b);
	size_t len = strlen(out->reason);
	snprintf(out->reason + len, sizeof(out->reason) - len,
		 " (the pair %s -> %s is fixed before it is introduced and was ignored)", a, b);
}

static void cross_check(const struct tri_json *json, const struct tt_kver *v,
			struct tt_triage_version_result *out)
{
	int j = json_says_affected(json, v);
	if (j < 0 || out->verdict == TT_VERDICT_UNKNOWN)
		return;
	bool dyad_affected = out->verdict == TT_VERDICT_AFFECTED;
	if (j == (int)dyad_affected)
		return;
	out->json_disagrees = true;
	size_t len = strlen(out->reason);
	snprintf(out->reason + len, sizeof(out->reason) - len,
		 " (the JSON record's version ranges say %s; the .dyad pairs decide)",
		 j ? "affected" : "unaffected");
}

void tri_version_eval(const struct tri_vtext *vt, const struct tri_pair *pairs, size_t n,
		      const struct tri_json *json, struct tt_triage_version_result *out)
{
	const struct tt_kver *v = vt->v;
	/* Not a memset: the reason buffer is half a kilobyte and this runs per CVE. */
	out->fixed_in[0] = out->reason[0] = '\0';
	out->json_disagrees = false;
	out->verdict = TT_VERDICT_UNKNOWN;
	if (!n) {
		out->verdict = TT_VERDICT_UNKNOWN;
		snprintf(out->reason, sizeof(out->reason),
			 "no .dyad version pairs: the CNA record does not say which releases "
			 "are affected -> unknown");
		return;
	}
	struct eval e = {.v = v, .vs = vt->vs, .branch = vt->branch};
	for (size_t i = 0; i < n; i++)
		note_pair(&e, &pairs[i]);
	if (e.affected)
		say_affected(&e, out);
	else if (e.fixed)
		say_fixed(&e, out);
	else if (e.not_yet)
		say_not_yet(&e, out);
	else
		by_lineage(&e, pairs, n, out);
	if (e.inconsistent)
		note_inconsistent(e.inconsistent, out);
	cross_check(json, v, out);
}

/* ---------------- the public entry point ---------------- */

int tt_triage_check_version(const struct tt_kver *v, const struct tt_dyad *dyads, size_t n_dyads,
			    const struct tt_affected *blocks, size_t n_blocks,
			    struct tt_triage_version_result *out)
{
	struct tri_pair *pairs = n_dyads ? tt_xcalloc(n_dyads, sizeof(*pairs)) : NULL;
	size_t np = 0;
	for (size_t i = 0; i < n_dyads; i++)
		if (tri_pair_from_strings(dyads[i].vuln_version, dyads[i].fix_version, &pairs[np]))
			np++;
	struct tri_range *ranges = NULL;
	size_t nr = 0, cap = 0;
	struct tri_json json = {.default_affected = -1};
	for (size_t i = 0; i < n_blocks; i++) {
		size_t before = nr;
		tri_ranges_from_block(&blocks[i], &ranges, &nr, &cap);
		int d = tri_block_default(blocks[i].default_status, nr > before);
		if (d > json.default_affected)
			json.default_affected = d;
	}
	json.ranges = ranges;
	json.n = nr;
	if (n_dyads && !np) {
		memset(out, 0, sizeof(*out));
		out->verdict = TT_VERDICT_UNKNOWN;
		snprintf(out->reason, sizeof(out->reason),
			 "no .dyad pair has versions that parse -> unknown");
	} else {
		struct tri_vtext vt;
		tri_vtext_init(&vt, v);
		tri_version_eval(&vt, pairs, np, n_blocks ? &json : NULL, out);
	}
	free(pairs);
	free(ranges);
	return 0;
}
