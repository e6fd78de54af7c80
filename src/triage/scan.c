// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One scan: every CVE of the in-memory database against one profile. The
 * version decides first (fixed and not-affected need no file set); for a
 * vulnerable version the files decide whether the code is in this kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "triage_internal.h"

struct tt_triage_result {
	struct tt_triage_item *items;
	size_t n;
	bool kev_first;
};

const char *tt_triage_verdict_name(enum tt_triage_verdict v)
{
	static const char *const names[] = {"affected", "unknown", "fixed", "not-affected",
					    "not-built"};
	return (unsigned)v < TT_VERDICT__COUNT ? names[v] : "unknown";
}

int tt_triage_verdict_parse(const char *s, enum tt_triage_verdict *out)
{
	static const char *const alt[] = {"affected", "unknown", "fixed", "not_affected",
					  "not_built"};
	for (int v = 0; v < TT_VERDICT__COUNT; v++)
		if (strcmp(s, tt_triage_verdict_name((enum tt_triage_verdict)v)) == 0 ||
		    strcmp(s, alt[v]) == 0) {
			*out = (enum tt_triage_verdict)v;
			return 0;
		}
	return -EINVAL;
}

const char *tt_triage_build_name(enum tt_triage_build b)
{
	static const char *const names[] = {"builtin",	 "module",  "header",
					    "unchecked", "unknown", "absent"};
	return (unsigned)b <= TT_BUILD_ABSENT ? names[b] : "unknown";
}

/* ---------------- the files ---------------- */

/* What the scan found about one CVE's files, strongest first. */
struct build_eval {
	enum tt_triage_build build;
	const char *decisive;  /* the file behind build */
	const char *module;    /* for TT_BUILD_MODULE */
	bool module_loaded;    /* any of its modules is loaded */
	const char *undecided; /* a file left undecided, and why */
	const char *undecided_why;
	size_t n_absent;
	const char *absent[3], *absent_why[3];
};

static void saw_absent(struct build_eval *e, const char *path, const char *why)
{
	if (e->n_absent < 3) {
		e->absent[e->n_absent] = path;
		e->absent_why[e->n_absent] = why;
	}
	e->n_absent++;
}

static void saw(struct build_eval *e, enum tt_triage_build b, const char *path)
{
	if (b < e->build) {
		e->build = b;
		e->decisive = path;
	}
}

static void saw_undecided(struct build_eval *e, const char *path, const char *why)
{
	saw(e, TT_BUILD_UNKNOWN, path);
	if (!e->undecided) {
		e->undecided = path;
		e->undecided_why = why;
	}
}

static void source_file(const struct tt_profile *p, const struct tri_file *f, struct build_eval *e)
{
	const struct tt_profile_file *pf;
	const char *note;
	switch (tt_profile_lookup(p, f->path, &pf, &note)) {
	case TT_PROFILE_BUILTIN:
		saw(e, TT_BUILD_BUILTIN, f->path);
		break;
	case TT_PROFILE_MODULE:
		saw(e, TT_BUILD_MODULE, f->path);
		if (pf && pf->module && (!e->module || tt_profile_module_loaded(p, pf->module))) {
			e->module = pf->module;
			e->module_loaded = tt_profile_module_loaded(p, pf->module);
		}
		break;
	case TT_PROFILE_HEADER:
		saw(e, TT_BUILD_HEADER, f->path); /* a .c #included by compiled code */
		break;
	case TT_PROFILE_UNKNOWN:
		saw_undecided(e, f->path,
			      note ? note : "the Kbuild prediction was incomplete here");
		break;
	case TT_PROFILE_HOST:
		saw_absent(e, f->path, "only built as a host program, not kernel code");
		break;
	default:
		saw_absent(e, f->path, note);
	}
}

static void header_file(const struct tt_profile *p, const struct tri_file *f, struct build_eval *e)
{
	if (p->info.files_mode != TT_PROFILE_FILES_EXACT) {
		saw_undecided(e, f->path,
			      "a header, and only a build directory's deps data says which "
			      "headers compiled code includes");
		return;
	}
	if (tt_profile_lookup(p, f->path, NULL, NULL) == TT_PROFILE_HEADER)
		saw(e, TT_BUILD_HEADER, f->path);
	else
		saw_absent(e, f->path, "no compiled object includes it");
}

static void eval_files(const struct tt_profile *p, const struct tri_cve *c, struct build_eval *e)
{
	memset(e, 0, sizeof(*e));
	e->build = TT_BUILD_ABSENT;
	const char *arch = p->info.arch;
	for (size_t i = 0; i < c->n_files; i++) {
		const struct tri_file *f = &c->files[i];
		if (f->cls == TRI_FILE_OUTSIDE)
			saw_absent(e, f->path, "not part of the kernel build");
		else if (arch && f->arch[0] && strcmp(f->arch, arch) != 0)
			saw_absent(e, f->path, "another architecture's code");
		else if (f->cls == TRI_FILE_BUILD)
			saw_undecided(e, f->path, "a build file (Kconfig, Makefile), not code");
		else if (f->cls == TRI_FILE_HEADER)
			header_file(p, f, e);
		else if (p->info.files_mode == TT_PROFILE_FILES_NONE)
			saw(e, TT_BUILD_UNCHECKED, f->path);
		else
			source_file(p, f, e);
	}
	if (!c->n_files)
		saw_undecided(e, "(none)", "the record names no program files");
}

static void say_absent(const struct build_eval *e, struct tt_buf *b)
{
	tt_buf_adds(b, "none of ");
	size_t shown = e->n_absent < 3 ? e->n_absent : 3;
	for (size_t i = 0; i < shown; i++)
		tt_buf_addf(b, "%s%s",
			    i ? (i + 1 == shown && e->n_absent <= 3 ? " and " : ", ") : "",
			    e->absent[i]);
	if (e->n_absent > 3)
		tt_buf_addf(b, " and %zu more", e->n_absent - 3);
	tt_buf_adds(b, " is compiled");
	bool open = false;
	for (size_t i = 0; i < shown; i++) {
		if (!e->absent_why[i])
			continue;
		tt_buf_addf(b, "%s%s%s%s", open ? "; " : " (", shown > 1 ? e->absent[i] : "",
			    shown > 1 ? ": " : "", e->absent_why[i]);
		open = true;
	}
	if (open)
		tt_buf_addc(b, ')');
}

static void say_build(const struct tt_profile *p, const struct build_eval *e, struct tt_buf *b)
{
	switch (e->build) {
	case TT_BUILD_BUILTIN:
		tt_buf_addf(b, "%s is built into the kernel", e->decisive);
		break;
	case TT_BUILD_MODULE:
		tt_buf_addf(b, "%s is built as a module (%s)", e->decisive,
			    e->module ? e->module : "module unknown");
		if (p->info.running && p->info.modules_known)
			tt_buf_adds(b, e->module_loaded ? ", loaded on this host"
							: ", module not loaded on this host");
		break;
	case TT_BUILD_HEADER:
		tt_buf_addf(b, "%s is included by compiled code", e->decisive);
		break;
	case TT_BUILD_UNCHECKED:
		tt_buf_addf(b,
			    "%s not checked: the profile has no compiled-file set (kernel add "
			    "--build-dir or --source gives one)",
			    e->decisive);
		break;
	case TT_BUILD_UNKNOWN:
		tt_buf_addf(b, "cannot tell whether %s is compiled: %s", e->undecided,
			    e->undecided_why);
		break;
	default:
		say_absent(e, b);
	}
}

/* ---------------- the verdict ---------------- */

/* What every CVE of one scan shares. */
struct scan_ctx {
	const struct tt_triage_db *db;
	const struct tt_profile *p;
	const struct tt_policy *pol;
	int64_t now;
	struct tri_vtext vt;
	const char *no_version; /* why versions cannot be compared; NULL when they can */
};

static void version_part(const struct scan_ctx *sc, const struct tri_cve *c,
			 struct tt_triage_version_result *vr)
{
	if (sc->no_version || (c->bad_pairs && !c->n_pairs)) {
		memset(vr, 0, sizeof(*vr));
		vr->verdict = TT_VERDICT_UNKNOWN;
		snprintf(vr->reason, sizeof(vr->reason), "%s",
			 sc->no_version ? sc->no_version : "no .dyad pair has versions that parse");
		return;
	}
	const struct tt_triage_db *db = sc->db;
	struct tri_json json = {db->ranges + c->range_off, c->n_ranges, c->json_default};
	tri_version_eval(&sc->vt, db->pairs + c->pair_off, c->n_pairs, &json, vr);
}

static enum tt_triage_verdict combine(enum tt_triage_verdict v, enum tt_triage_build b)
{
	if (v == TT_VERDICT_FIXED || v == TT_VERDICT_NOT_AFFECTED)
		return v;
	if (b == TT_BUILD_ABSENT)
		return TT_VERDICT_NOT_BUILT;
	if (v == TT_VERDICT_UNKNOWN || b == TT_BUILD_UNKNOWN)
		return TT_VERDICT_UNKNOWN;
	return TT_VERDICT_AFFECTED;
}

/*
 * The item's strings in one allocation: "VERSION; BUILD\0VERSION\0BUILD\0FIX".
 * A scan makes one per CVE, so this is one malloc instead of four.
 */
static void set_texts(struct tt_triage_item *it, const struct tt_triage_version_result *vr,
		      const struct tt_buf *build)
{
	size_t lv = strlen(vr->reason), lb = build->len, lf = strlen(vr->fixed_in);
	char *m = tt_xmalloc(lv + 2 + lb + 1 + lv + 1 + lb + 1 + lf + 1);
	char *o = m;
	memcpy(o, vr->reason, lv);
	memcpy(o + lv, "; ", 2);
	memcpy(o + lv + 2, tt_buf_str(build), lb + 1);
	it->reason = o;
	o += lv + 2 + lb + 1;
	memcpy(o, vr->reason, lv + 1);
	it->version_reason = o;
	o += lv + 1;
	memcpy(o, tt_buf_str(build), lb + 1);
	it->build_reason = o;
	o += lb + 1;
	memcpy(o, vr->fixed_in, lf + 1);
	it->fixed_in = lf ? o : NULL;
}

static void fill_item(const struct scan_ctx *sc, const struct tri_cve *c, struct tt_buf *build,
		      struct tt_triage_item *it)
{
	struct tt_triage_version_result vr;
	struct build_eval be;
	version_part(sc, c, &vr);
	eval_files(sc->p, c, &be);
	it->cve_id = c->id; /* the items were zeroed when allocated */
	it->title = c->title;
	it->verdict = combine(vr.verdict, be.build);
	it->build = be.build;
	it->module = be.build == TT_BUILD_MODULE ? be.module : NULL;
	it->module_loaded = be.module_loaded;
	it->json_disagrees = vr.json_disagrees;
	tt_buf_reset(build);
	say_build(sc->p, &be, build);
	set_texts(it, &vr, build);
	it->kev = c->kev;
	it->exploitation = c->exploitation;
	it->epss = c->epss;
	it->published = c->published;
	struct tri_score_input in = {
	    .cve = c,
	    .verdict = it->verdict,
	    .build = be.build,
	    .running = sc->p->info.running,
	    .modules_known = sc->p->info.modules_known,
	    .module_loaded = be.module_loaded,
	    .now = sc->now,
	};
	struct tt_triage_term terms[TRI_MAX_TERMS];
	tri_priority_score(sc->pol, &in, it, terms);
	if (it->n_terms) {
		struct tt_triage_term *t = tt_xmalloc(it->n_terms * sizeof(*t));
		memcpy(t, terms, it->n_terms * sizeof(*t));
		it->terms = t;
	}
}

/* The sort key of one item, computed once: comparing ids by parsing them is slow. */
struct sort_rec {
	const struct tt_triage_item *it;
	int verdict;
	bool kev;
	double priority;
	long year, num;
};

static int cmp_recs(const void *pa, const void *pb, void *ctx)
{
	const struct sort_rec *a = pa, *b = pb;
	const bool *kev_first = ctx;
	if (a->verdict != b->verdict)
		return a->verdict < b->verdict ? -1 : 1;
	bool ranked = a->verdict == TT_VERDICT_AFFECTED || a->verdict == TT_VERDICT_UNKNOWN;
	if (ranked && *kev_first && a->kev != b->kev)
		return a->kev ? -1 : 1;
	if (ranked && a->priority != b->priority)
		return a->priority > b->priority ? -1 : 1;
	/* Newest first: CVE-2024-10000 after CVE-2024-9999 numerically. */
	if (a->year != b->year)
		return a->year > b->year ? -1 : 1;
	return (a->num < b->num) - (a->num > b->num);
}

static void sort_items(struct tt_triage_result *r)
{
	struct sort_rec *recs = tt_xmalloc(r->n * sizeof(*recs));
	for (size_t i = 0; i < r->n; i++) {
		const struct tt_triage_item *it = &r->items[i];
		recs[i] = (struct sort_rec){it,
					    it->verdict,
					    it->kev,
					    it->priority,
					    strtol(it->cve_id + 4, NULL, 10),
					    strtol(it->cve_id + 9, NULL, 10)};
	}
	qsort_r(recs, r->n, sizeof(*recs), cmp_recs, &r->kev_first);
	struct tt_triage_item *sorted = tt_xmalloc(r->n * sizeof(*sorted));
	for (size_t i = 0; i < r->n; i++)
		sorted[i] = *recs[i].it;
	free(recs);
	free(r->items);
	r->items = sorted;
}

static const char *version_problem(const struct tt_profile_info *i, char *buf, size_t n)
{
	if (!i->has_version)
		return "the profile's kernel version is not known";
	if (i->version_exact)
		return NULL;
	char vs[TT_KVER_STR_MAX];
	tri_kver_str(&i->version, vs);
	snprintf(buf, n,
		 "only the distribution's ABI version %s is known, not the upstream release "
		 "(kernel add --proc-version or --version)",
		 vs);
	return buf;
}

int tt_triage_scan(const struct tt_triage_db *db, const struct tt_profile *p,
		   const struct tt_policy *pol, int64_t now, struct tt_triage_result **out,
		   struct tt_error *err)
{
	*out = NULL;
	struct tt_policy *own = pol ? NULL : tt_policy_new();
	char why[256];
	struct scan_ctx sc = {.db = db, .p = p, .pol = pol ? pol : own};
	sc.now = now ? now : (int64_t)time(NULL);
	sc.no_version = version_problem(&p->info, why, sizeof(why));
	if (!sc.no_version)
		tri_vtext_init(&sc.vt, &p->info.version);
	struct tt_triage_result *r = tt_xcalloc(1, sizeof(*r));
	r->items = db->n ? tt_xcalloc(db->n, sizeof(*r->items)) : NULL;
	r->n = db->n;
	r->kev_first = tri_policy_kev_first(sc.pol);
	struct tt_buf build = TT_BUF_INIT;
	for (size_t i = 0; i < db->n; i++)
		fill_item(&sc, &db->cves[i], &build, &r->items[i]);
	tt_buf_free(&build);
	if (r->n)
		sort_items(r);
	tt_policy_free(own);
	*out = r;
	(void)err;
	return 0;
}

void tt_triage_result_free(struct tt_triage_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free((char *)r->items[i].reason); /* the block holding every string of the item */
		free((void *)r->items[i].terms);
	}
	free(r->items);
	free(r);
}

size_t tt_triage_result_count(const struct tt_triage_result *r)
{
	return r->n;
}

const struct tt_triage_item *tt_triage_result_item(const struct tt_triage_result *r, size_t i)
{
	return i < r->n ? &r->items[i] : NULL;
}

const struct tt_triage_item *tt_triage_result_find(const struct tt_triage_result *r,
						   const char *cve_id)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcasecmp(r->items[i].cve_id, cve_id) == 0)
			return &r->items[i];
	return NULL;
}

void tt_triage_result_counts(const struct tt_triage_result *r, size_t counts[TT_VERDICT__COUNT])
{
	memset(counts, 0, TT_VERDICT__COUNT * sizeof(counts[0]));
	for (size_t i = 0; i < r->n; i++)
		counts[r->items[i].verdict]++;
}

void tt_triage_explain(const struct tt_triage_item *it, struct tt_buf *out)
{
	tt_buf_addf(out, "%s: %s\n", it->cve_id, tt_triage_verdict_name(it->verdict));
	if (it->title)
		tt_buf_addf(out, "  title:    %s\n", it->title);
	tt_buf_addf(out, "  version:  %s\n", it->version_reason);
	tt_buf_addf(out, "  build:    %s\n", it->build_reason);
	if (it->fixed_in)
		tt_buf_addf(out, "  fixed in: %s\n", it->fixed_in);
	if (it->verdict != TT_VERDICT_AFFECTED && it->verdict != TT_VERDICT_UNKNOWN) {
		tt_buf_adds(out, "  priority: none (only affected and unknown CVEs are ranked)\n");
		return;
	}
	tt_buf_addf(out, "  priority: %.1f =\n", it->priority);
	for (size_t i = 0; i < it->n_terms; i++)
		tt_buf_addf(out, "    %+7.1f  %-18s %s\n", it->terms[i].points, it->terms[i].key,
			    it->terms[i].detail);
	if (!it->n_terms)
		tt_buf_adds(out, "    (no term applies)\n");
}
