// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every published CVE in memory, in the shape a scan needs: versions parsed
 * once, files classified once, scores side by side. Loading costs one bulk
 * read of the store; each scan afterwards touches no store at all.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "triage_internal.h"

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Trees of the kernel repository that never end up in a kernel image or module. */
static bool outside_kernel(const char *path)
{
	static const char *const dirs[] = {"tools/",   "Documentation/", "samples/",
					   "scripts/", "LICENSES/",	 "usr/"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (has_prefix(path, dirs[i]))
			return true;
	return false;
}

static bool build_file(const char *base)
{
	return has_prefix(base, "Kconfig") || strcmp(base, "Makefile") == 0 ||
	       strcmp(base, "Kbuild") == 0 || has_suffix(base, ".lds.S");
}

void tri_file_classify(const char *path, struct tri_file *f)
{
	memset(f, 0, sizeof(*f));
	f->path = tt_xstrdup(path);
	if (has_prefix(path, "arch/")) {
		size_t n = strcspn(path + 5, "/");
		if (n < sizeof(f->arch))
			memcpy(f->arch, path + 5, n);
	}
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (outside_kernel(path))
		f->cls = TRI_FILE_OUTSIDE;
	else if (build_file(base))
		f->cls = TRI_FILE_BUILD;
	else if (has_suffix(base, ".c") || has_suffix(base, ".S") || has_suffix(base, ".rs"))
		f->cls = TRI_FILE_SOURCE;
	else if (has_suffix(base, ".h"))
		f->cls = TRI_FILE_HEADER;
	else
		f->cls = TRI_FILE_BUILD;
}

struct tt_triage_db *tt_triage_db_new(void)
{
	return tt_xcalloc(1, sizeof(struct tt_triage_db));
}

size_t tt_triage_db_count(const struct tt_triage_db *db)
{
	return db->n;
}

static void cve_free(struct tri_cve *c)
{
	free(c->title);
	for (size_t i = 0; i < c->n_files; i++)
		free(c->files[i].path);
	free(c->files);
	for (int i = 0; i < 3; i++)
		free(c->vector[i]);
	free(c->exploitation);
}

void tt_triage_db_free(struct tt_triage_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n; i++)
		cve_free(&db->cves[i]);
	free(db->cves);
	free(db->pairs);
	free(db->ranges);
	tri_map_free(&db->index);
	free(db);
}

struct tri_cve *tri_db_append(struct tt_triage_db *db, const char *id)
{
	if (db->n == db->cap) {
		db->cap = db->cap ? db->cap * 2 : 1024;
		db->cves = tt_xrealloc(db->cves, db->cap * sizeof(*db->cves));
	}
	struct tri_cve *c = &db->cves[db->n];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->json_default = -1;
	c->epss = -1;
	for (int i = 0; i < 3; i++)
		c->score[i] = -1;
	c->pair_off = db->n_pairs;
	c->range_off = db->n_ranges;
	tri_map_put(&db->index, c->id, db->n);
	db->n++;
	return c;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? tt_xstrdup(s) : NULL;
}

static void set_files(struct tri_cve *c, const char *joined)
{
	size_t cap = 0;
	while (joined && *joined) {
		size_t n = strcspn(joined, ",");
		if (n) {
			if (c->n_files == cap) {
				cap = cap ? cap * 2 : 2;
				c->files = tt_xrealloc(c->files, cap * sizeof(*c->files));
			}
			char *path = tt_xstrndup(joined, n);
			tri_file_classify(path, &c->files[c->n_files++]);
			free(path);
		}
		joined += n + (joined[n] == ',');
	}
}

/*
 * The rationale's wording is free text; these are the phrasings the CNA
 * uses. Lowered once and searched with strstr: strcasestr over thousands of
 * rationales was a visible part of loading.
 */
static bool mentions_userns(const char *rationale)
{
	static const char *const words[] = {"user namespace", "user-namespace", "userns",
					    "unprivileged"};
	if (!rationale)
		return false;
	char *low = tt_xstrdup(rationale);
	for (char *c = low; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	bool found = false;
	for (size_t i = 0; !found && i < sizeof(words) / sizeof(words[0]); i++)
		found = strstr(low, words[i]) != NULL;
	free(low);
	return found;
}

static void set_cvss(struct tri_cve *c, int origin, const char *vector, double score)
{
	if (!vector || !*vector)
		return;
	c->vector[origin] = tt_xstrdup(vector);
	c->score[origin] = score;
}

/* ---------------- from the store ---------------- */

struct load_ctx {
	struct tt_triage_db *db;
	const struct tt_diag_sink *diag;
	struct tt_error *err;
	struct tri_cve *cur; /* the CVE the current run of dyads / blocks belongs to */
};

static int on_cve(void *ctx, const struct tt_store_triage_cve *row)
{
	struct load_ctx *l = ctx;
	struct tri_cve *c = tri_db_append(l->db, row->id);
	c->title = dup_or_null(row->title);
	c->published = row->first_published;
	set_files(c, row->files);
	set_cvss(c, 0, row->cna_vector, row->cna_score);
	set_cvss(c, 1, row->adp_vector, row->adp_score);
	set_cvss(c, 2, row->nvd_vector, row->nvd_score);
	c->rationale_userns = mentions_userns(row->cna_rationale);
	c->kev = row->kev;
	c->kev_ransomware = row->kev_ransomware && strcasecmp(row->kev_ransomware, "Known") == 0;
	c->exploitation = dup_or_null(row->exploitation);
	c->epss = row->epss;
	return 0;
}

/*
 * Rows of one CVE arrive together (ordered by id), so its pairs and ranges
 * are contiguous in the shared arrays; a CVE seen again later would break
 * that, and is an error rather than a silent mix-up.
 */
static int enter_cve(struct load_ctx *l, const char *id, bool pairs)
{
	if (l->cur && strcmp(l->cur->id, id) == 0)
		return 0;
	size_t at;
	if (!tri_map_get(&l->db->index, id, &at)) {
		l->cur = NULL;
		return 1; /* not a published CVE we hold: skip its rows */
	}
	l->cur = &l->db->cves[at];
	if ((pairs && l->cur->n_pairs) || (!pairs && l->cur->n_ranges))
		return tt_error_set(l->err, -EPROTO, "%s: rows not grouped by CVE id", id);
	if (pairs)
		l->cur->pair_off = l->db->n_pairs;
	else
		l->cur->range_off = l->db->n_ranges;
	return 0;
}

static void push_pair(struct tt_triage_db *db, const struct tri_pair *p)
{
	if (db->n_pairs == db->cap_pairs) {
		db->cap_pairs = db->cap_pairs ? db->cap_pairs * 2 : 4096;
		db->pairs = tt_xrealloc(db->pairs, db->cap_pairs * sizeof(*db->pairs));
	}
	db->pairs[db->n_pairs++] = *p;
}

static int on_dyad(void *ctx, const struct tt_store_triage_dyad *d)
{
	struct load_ctx *l = ctx;
	int r = enter_cve(l, d->cve_id, true);
	if (r)
		return r < 0 ? r : 0;
	struct tri_pair p;
	if (!tri_pair_from_strings(d->vuln_version, d->fix_version, &p)) {
		l->cur->bad_pairs = true;
		tt_diag_warn(l->diag, NULL, 0, "%s: dyad pair %s:%s does not parse; left out",
			     d->cve_id, d->vuln_version ? d->vuln_version : "0",
			     d->fix_version ? d->fix_version : "0");
		return 0;
	}
	push_pair(l->db, &p);
	l->cur->n_pairs++;
	return 0;
}

static int on_block(void *ctx, const struct tt_store_triage_block *b)
{
	struct load_ctx *l = ctx;
	int r = enter_cve(l, b->cve_id, false);
	if (r)
		return r < 0 ? r : 0;
	struct tt_triage_db *db = l->db;
	size_t before = db->n_ranges;
	if (tri_ranges_from_json(b->versions, &db->ranges, &db->n_ranges, &db->cap_ranges) < 0)
		tt_diag_warn(l->diag, NULL, 0, "%s: affected block versions are not JSON",
			     b->cve_id);
	l->cur->n_ranges += db->n_ranges - before;
	int d = tri_block_default(b->default_status, db->n_ranges > before);
	if (d > l->cur->json_default)
		l->cur->json_default = d;
	return 0;
}

int tt_triage_db_load(struct tt_store *s, struct tt_triage_db **out,
		      const struct tt_diag_sink *diag, struct tt_error *err)
{
	struct tt_triage_db *db = tt_triage_db_new();
	struct load_ctx l = {.db = db, .diag = diag, .err = err};
	struct tt_store_triage_sink sink = {on_cve, on_dyad, on_block, &l};
	int r = tt_store_triage_read(s, &sink, err);
	if (r < 0) {
		tt_triage_db_free(db);
		return r;
	}
	*out = db;
	return 0;
}

/* ---------------- from parsed records ---------------- */

static char *title_from_record(const struct tt_cve_record *rec)
{
	static const char boiler[] = "In the Linux kernel, the following vulnerability has been "
				     "resolved:";
	if (rec->title)
		return tt_xstrdup(rec->title);
	const char *t = rec->description ? rec->description : "";
	if (strncmp(t, boiler, sizeof(boiler) - 1) == 0)
		t += sizeof(boiler) - 1;
	while (*t == '\n' || *t == ' ')
		t++;
	return tt_xstrndup(t, strcspn(t, "\n"));
}

static void add_enrichment(struct tri_cve *c, const struct tt_cve_enrichment *e)
{
	c->kev = e->kev;
	c->kev_ransomware = e->kev_ransomware && strcasecmp(e->kev_ransomware, "Known") == 0;
	c->exploitation = dup_or_null(e->ssvc_exploitation);
	c->epss = e->epss ? e->epss_score : -1;
	set_cvss(c, 1, e->adp_cvss_vector, e->adp_cvss_score);
	set_cvss(c, 2, e->nvd_cvss_vector, e->nvd_cvss_score);
}

int tt_triage_db_add(struct tt_triage_db *db, const struct tt_cve_record *rec,
		     const struct tt_cve_enrichment *enr, struct tt_error *err)
{
	if (!tt_cve_id_valid(rec->id))
		return tt_error_set(err, -EINVAL, "not a CVE id: '%s'", rec->id);
	if (tri_map_get(&db->index, rec->id, NULL))
		return tt_error_set(err, -EEXIST, "%s is in the triage database already", rec->id);
	struct tri_cve *c = tri_db_append(db, rec->id);
	c->title = title_from_record(rec);
	c->published = rec->first_published;
	for (size_t i = 0; i < rec->program_files.n; i++) {
		c->files = tt_xrealloc(c->files, (c->n_files + 1) * sizeof(*c->files));
		tri_file_classify(rec->program_files.v[i], &c->files[c->n_files++]);
	}
	for (size_t i = 0; i < rec->n_dyads; i++) {
		struct tri_pair p;
		if (!tri_pair_from_strings(rec->dyads[i].vuln_version, rec->dyads[i].fix_version,
					   &p)) {
			c->bad_pairs = true;
			continue;
		}
		push_pair(db, &p);
		c->n_pairs++;
	}
	for (size_t i = 0; i < rec->n_affected; i++) {
		size_t before = db->n_ranges;
		tri_ranges_from_block(&rec->affected[i], &db->ranges, &db->n_ranges,
				      &db->cap_ranges);
		c->n_ranges += db->n_ranges - before;
		int d = tri_block_default(rec->affected[i].default_status, db->n_ranges > before);
		if (d > c->json_default)
			c->json_default = d;
	}
	if (rec->has_cvss) {
		set_cvss(c, 0, rec->cvss.vector, rec->cvss.base_score);
		c->rationale_userns = mentions_userns(rec->cvss.rationale);
	}
	if (enr)
		add_enrichment(c, enr);
	return 0;
}
