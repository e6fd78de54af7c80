// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel profiles and the bulk read behind triage (issue 3).
 *
 * Triage evaluates every published CVE against a profile in memory, so the
 * store's part is to hand over everything it needs in a few sequential
 * scans rather than one query per CVE: that is what makes a scan of one
 * profile against the whole store take milliseconds, not minutes.
 */
#include <errno.h>
#include <string.h>

#include "store_internal.h"
#include "tuxtape/util.h"

/* ---------------- writing a profile ---------------- */

static const char profile_insert_sql[] =
    "INSERT INTO kernel_profile (name, created_at, version, version_exact, version_source,"
    " distro_release, uname_release, proc_version, arch, config, config_source, files_mode,"
    " files_source, running, modules_loaded, modules_source, build_id, build_id_source)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

static int exec_with_name(struct tt_store *s, const char *sql, const char *name,
			  struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, sql, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, name);
	r = tt_db_run(s->db, st, err);
	tt_db_finalize(s->db, st);
	return r;
}

static int delete_rows(struct tt_store *s, const char *name, struct tt_error *err)
{
	static const char *const sql[] = {
	    "DELETE FROM kernel_profile_file WHERE profile = ?",
	    "DELETE FROM kernel_profile_unknown_dir WHERE profile = ?",
	    "DELETE FROM kernel_profile WHERE name = ?",
	};
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		int r = exec_with_name(s, sql[i], name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int put_header(struct tt_store *s, const struct tt_store_profile *p, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, profile_insert_sql, &st, err);
	if (r < 0)
		return r;
	struct tt_db *db = s->db;
	tt_db_bind_text(db, st, 1, p->name);
	tt_db_bind_int64(db, st, 2, p->created_at);
	tt_db_bind_text(db, st, 3, p->version);
	tt_db_bind_int64(db, st, 4, p->version_exact);
	tt_db_bind_text(db, st, 5, p->version_source);
	tt_db_bind_text(db, st, 6, p->distro_release);
	tt_db_bind_text(db, st, 7, p->uname_release);
	tt_db_bind_text(db, st, 8, p->proc_version);
	tt_db_bind_text(db, st, 9, p->arch);
	tt_db_bind_text(db, st, 10, p->config);
	tt_db_bind_text(db, st, 11, p->config_source);
	tt_db_bind_text(db, st, 12, p->files_mode ? p->files_mode : "none");
	tt_db_bind_text(db, st, 13, p->files_source);
	tt_db_bind_int64(db, st, 14, p->running);
	tt_db_bind_text(db, st, 15, p->modules_loaded);
	tt_db_bind_text(db, st, 16, p->modules_source);
	tt_db_bind_text(db, st, 17, p->build_id);
	tt_db_bind_text(db, st, 18, p->build_id_source);
	r = tt_db_run(db, st, err);
	tt_db_finalize(db, st);
	return r;
}

static int put_files(struct tt_store *s, const char *name, const struct tt_store_profile_file *f,
		     size_t n, struct tt_error *err)
{
	if (!n)
		return 0;
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db,
			      "INSERT INTO kernel_profile_file (profile, path, kind, module, note)"
			      " VALUES (?,?,?,?,?)",
			      &st, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		tt_db_bind_text(s->db, st, 1, name);
		tt_db_bind_text(s->db, st, 2, f[i].path);
		tt_db_bind_text(s->db, st, 3, f[i].kind);
		tt_db_bind_text(s->db, st, 4, f[i].module);
		tt_db_bind_text(s->db, st, 5, f[i].note);
		r = tt_db_run(s->db, st, err);
		if (r < 0)
			tt_error_prefix(err, "%s: ", f[i].path);
	}
	tt_db_finalize(s->db, st);
	return r;
}

static int put_dirs(struct tt_store *s, const char *name,
		    const struct tt_store_profile_unknown_dir *d, size_t n, struct tt_error *err)
{
	if (!n)
		return 0;
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db,
			      "INSERT INTO kernel_profile_unknown_dir (profile, dir, reason)"
			      " VALUES (?,?,?) ON CONFLICT (profile, dir) DO NOTHING",
			      &st, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		tt_db_bind_text(s->db, st, 1, name);
		tt_db_bind_text(s->db, st, 2, d[i].dir);
		tt_db_bind_text(s->db, st, 3, d[i].reason ? d[i].reason : "not known");
		r = tt_db_run(s->db, st, err);
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_profile_put(struct tt_store *s, const struct tt_store_profile *p,
			 const struct tt_store_profile_file *files, size_t n_files,
			 const struct tt_store_profile_unknown_dir *dirs, size_t n_dirs,
			 struct tt_error *err)
{
	if (!p->name || !p->name[0])
		return tt_error_set(err, -EINVAL, "a kernel profile needs a name");
	int r = delete_rows(s, p->name, err);
	if (r == 0)
		r = put_header(s, p, err);
	if (r == 0)
		r = put_files(s, p->name, files, n_files, err);
	if (r == 0)
		r = put_dirs(s, p->name, dirs, n_dirs, err);
	return r < 0 ? tt_error_prefix(err, "storing kernel profile '%s': ", p->name) : 0;
}

/* ---------------- reading profiles ---------------- */

static int profile_exists(struct tt_store *s, const char *name, bool *exists, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, "SELECT 1 FROM kernel_profile WHERE name = ?", &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, name);
	r = tt_db_step(s->db, st, err);
	*exists = r == TT_DB_ROW;
	tt_db_finalize(s->db, st);
	return r < 0 ? r : 0;
}

static int no_such_profile(const char *name, struct tt_error *err)
{
	return tt_error_set(err, -ENOENT,
			    "no kernel profile named '%s' (see `tuxtape kernel list`)", name);
}

int tt_store_profile_delete(struct tt_store *s, const char *name, struct tt_error *err)
{
	bool exists;
	int r = profile_exists(s, name, &exists, err);
	if (r < 0)
		return r;
	if (!exists)
		return no_such_profile(name, err);
	return delete_rows(s, name, err);
}

/*
 * The file counts in one pass over the profile's rows (five correlated
 * COUNTs read them five times). For one profile the aggregate is limited
 * to its rows; ?1 is the name then.
 */
static const char profile_select_head[] =
    "SELECT p.name, p.created_at, p.version, p.version_exact, p.version_source,"
    " p.distro_release, p.uname_release, p.proc_version, p.arch, p.config, p.config_source,"
    " p.files_mode, p.files_source, p.running, p.modules_loaded, p.modules_source,"
    " p.build_id, p.build_id_source,"
    " COALESCE(c.nb, 0), COALESCE(c.nm, 0), COALESCE(c.nh, 0), COALESCE(c.nu, 0),"
    " COALESCE(c.na, 0)"
    " FROM kernel_profile p LEFT JOIN (SELECT profile,"
    "   SUM(CASE WHEN kind IN ('builtin', 'host') THEN 1 ELSE 0 END) AS nb,"
    "   SUM(CASE WHEN kind = 'module' THEN 1 ELSE 0 END) AS nm,"
    "   SUM(CASE WHEN kind = 'header' THEN 1 ELSE 0 END) AS nh,"
    "   SUM(CASE WHEN kind = 'unknown' THEN 1 ELSE 0 END) AS nu,"
    "   SUM(CASE WHEN kind = 'absent' THEN 1 ELSE 0 END) AS na"
    "   FROM kernel_profile_file";

static void read_profile(struct tt_db *db, struct tt_db_stmt *st, struct tt_store_profile *p)
{
	memset(p, 0, sizeof(*p));
	p->name = tt_db_text(db, st, 0);
	p->created_at = tt_db_int64(db, st, 1);
	p->version = tt_db_text(db, st, 2);
	p->version_exact = tt_db_int64(db, st, 3) != 0;
	p->version_source = tt_db_text(db, st, 4);
	p->distro_release = tt_db_text(db, st, 5);
	p->uname_release = tt_db_text(db, st, 6);
	p->proc_version = tt_db_text(db, st, 7);
	p->arch = tt_db_text(db, st, 8);
	p->config = tt_db_text(db, st, 9);
	p->config_source = tt_db_text(db, st, 10);
	p->files_mode = tt_db_text(db, st, 11);
	p->files_source = tt_db_text(db, st, 12);
	p->running = tt_db_int64(db, st, 13) != 0;
	p->modules_loaded = tt_db_text(db, st, 14);
	p->modules_source = tt_db_text(db, st, 15);
	p->build_id = tt_db_text(db, st, 16);
	p->build_id_source = tt_db_text(db, st, 17);
	long *counts[] = {&p->n_builtin, &p->n_module, &p->n_header, &p->n_unknown, &p->n_absent};
	for (int i = 0; i < 5; i++)
		*counts[i] = (long)tt_db_int64(db, st, 18 + i);
}

static int select_profiles(struct tt_store *s, const char *name,
			   int (*cb)(void *ctx, const struct tt_store_profile *p), void *ctx,
			   long *rows, struct tt_error *err)
{
	struct tt_buf sql = TT_BUF_INIT;
	tt_buf_adds(&sql, profile_select_head);
	tt_buf_adds(&sql, name ? " WHERE profile = ?1 GROUP BY profile) c ON c.profile = p.name"
				 " WHERE p.name = ?1"
			       : " GROUP BY profile) c ON c.profile = p.name ORDER BY p.name");
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, tt_buf_str(&sql), &st, err);
	tt_buf_free(&sql);
	if (r < 0)
		return r;
	if (name)
		tt_db_bind_text(s->db, st, 1, name);
	*rows = 0;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_store_profile p;
		read_profile(s->db, st, &p);
		(*rows)++;
		r = cb(ctx, &p);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_profile_get(struct tt_store *s, const char *name,
			 int (*cb)(void *ctx, const struct tt_store_profile *p), void *ctx,
			 struct tt_error *err)
{
	long rows;
	int r = select_profiles(s, name, cb, ctx, &rows, err);
	if (r == 0 && rows == 0)
		return no_such_profile(name, err);
	return r;
}

int tt_store_profile_list(struct tt_store *s,
			  int (*cb)(void *ctx, const struct tt_store_profile *p), void *ctx,
			  struct tt_error *err)
{
	long rows;
	return select_profiles(s, NULL, cb, ctx, &rows, err);
}

int tt_store_profile_files(struct tt_store *s, const char *name,
			   int (*cb)(void *ctx, const struct tt_store_profile_file *f), void *ctx,
			   struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db,
			      "SELECT path, kind, module, note FROM kernel_profile_file"
			      " WHERE profile = ? ORDER BY path",
			      &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, name);
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_store_profile_file f = {
		    .path = tt_db_text(s->db, st, 0),
		    .kind = tt_db_text(s->db, st, 1),
		    .module = tt_db_text(s->db, st, 2),
		    .note = tt_db_text(s->db, st, 3),
		};
		r = cb(ctx, &f);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_profile_unknown_dirs(struct tt_store *s, const char *name,
				  int (*cb)(void *ctx,
					    const struct tt_store_profile_unknown_dir *d),
				  void *ctx, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db,
			      "SELECT dir, reason FROM kernel_profile_unknown_dir"
			      " WHERE profile = ? ORDER BY dir",
			      &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, name);
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_store_profile_unknown_dir d = {
		    .dir = tt_db_text(s->db, st, 0),
		    .reason = tt_db_text(s->db, st, 1),
		};
		r = cb(ctx, &d);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_cve_paths(struct tt_store *s, struct tt_strv *out, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db,
			      "SELECT DISTINCT f.path FROM cve_file f JOIN cve c ON c.id = f.cve_id"
			      " WHERE c.state = 'published' ORDER BY f.path",
			      &st, err);
	if (r < 0)
		return r;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW)
		tt_strv_push(out, tt_db_text(s->db, st, 0));
	tt_db_finalize(s->db, st);
	return r < 0 ? r : 0;
}

/* ---------------- the bulk read ---------------- */

/*
 * Kernel CNA descriptions open with a fixed sentence and then the fix's
 * subject line, the best one-line title when the record has none.
 */
static void title_of(const char *title, const char *desc, struct tt_buf *out)
{
	static const char boiler[] = "In the Linux kernel, the following vulnerability has been "
				     "resolved:";
	const char *t = title ? title : desc ? desc : "";
	if (!title && strncmp(t, boiler, sizeof(boiler) - 1) == 0)
		t += sizeof(boiler) - 1;
	while (*t == '\n' || *t == ' ')
		t++;
	tt_buf_reset(out);
	tt_buf_add(out, t, strcspn(t, "\n"));
}

static const char triage_cve_sql[] =
    "SELECT c.id, fs.published_at, c.title, substr(c.description, 1, 400), c.files,"
    " c.cvss_vector, c.cvss_score, c.cvss_rationale, s.cvss_vector, s.cvss_score,"
    " n.cvss_vector, n.cvss_score, k.cve_id, k.date_added, k.ransomware,"
    " s.exploitation, s.automatable, s.technical_impact, e.score, e.percentile"
    " FROM cve c"
    " LEFT JOIN cve_first_seen fs ON fs.cve_id = c.id"
    " LEFT JOIN kev k ON k.cve_id = c.id"
    " LEFT JOIN ssvc s ON s.cve_id = c.id"
    " LEFT JOIN epss e ON e.cve_id = c.id"
    " LEFT JOIN nvd n ON n.cve_id = c.id"
    " WHERE c.state = 'published' ORDER BY c.id";

static void read_triage_cve(struct tt_db *db, struct tt_db_stmt *st, struct tt_buf *title,
			    struct tt_store_triage_cve *c)
{
	memset(c, 0, sizeof(*c));
	c->id = tt_db_text(db, st, 0);
	c->first_published = tt_db_int64(db, st, 1);
	title_of(tt_db_text(db, st, 2), tt_db_text(db, st, 3), title);
	c->title = tt_buf_str(title);
	c->files = tt_db_text(db, st, 4);
	c->cna_vector = tt_db_text(db, st, 5);
	c->cna_score = tt_db_score(db, st, 6);
	c->cna_rationale = tt_db_text(db, st, 7);
	c->adp_vector = tt_db_text(db, st, 8);
	c->adp_score = tt_db_score(db, st, 9);
	c->nvd_vector = tt_db_text(db, st, 10);
	c->nvd_score = tt_db_score(db, st, 11);
	c->kev = tt_db_text(db, st, 12) != NULL;
	c->kev_date_added = tt_db_text(db, st, 13);
	c->kev_ransomware = tt_db_text(db, st, 14);
	c->exploitation = tt_db_text(db, st, 15);
	c->automatable = tt_db_text(db, st, 16);
	c->technical_impact = tt_db_text(db, st, 17);
	c->epss = tt_db_score(db, st, 18);
	c->epss_percentile = tt_db_score(db, st, 19);
}

static int read_cves(struct tt_store *s, const struct tt_store_triage_sink *sink,
		     struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, triage_cve_sql, &st, err);
	if (r < 0)
		return r;
	struct tt_buf title = TT_BUF_INIT;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_store_triage_cve c;
		read_triage_cve(s->db, st, &title, &c);
		r = sink->cve(sink->ctx, &c);
		if (r != 0)
			break;
	}
	tt_buf_free(&title);
	tt_db_finalize(s->db, st);
	return r;
}

static int read_dyads(struct tt_store *s, const struct tt_store_triage_sink *sink,
		      struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r =
	    tt_db_prepare(s->db,
			  "SELECT id, dyads FROM cve WHERE state = 'published' AND dyad_count > 0"
			  " ORDER BY id",
			  &st, err);
	if (r < 0)
		return r;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_dyad *pairs;
		size_t n;
		tt_store_dyads_parse(tt_db_text(s->db, st, 1), &pairs, &n);
		r = 0;
		for (size_t i = 0; r == 0 && i < n; i++) {
			struct tt_store_triage_dyad d = {
			    .cve_id = tt_db_text(s->db, st, 0),
			    .vuln_version = pairs[i].vuln_version,
			    .fix_version = pairs[i].fix_version,
			};
			r = sink->dyad(sink->ctx, &d);
		}
		tt_dyads_free(pairs, n);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	return r;
}

static int read_blocks(struct tt_store *s, const struct tt_store_triage_sink *sink,
		       struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r =
	    tt_db_prepare(s->db,
			  "SELECT b.cve_id, b.default_status, b.versions FROM cve_affected_block b"
			  " JOIN cve c ON c.id = b.cve_id WHERE c.state = 'published'"
			  " ORDER BY b.cve_id, b.block",
			  &st, err);
	if (r < 0)
		return r;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_store_triage_block b = {
		    .cve_id = tt_db_text(s->db, st, 0),
		    .default_status = tt_db_text(s->db, st, 1),
		    .versions = tt_db_text(s->db, st, 2),
		};
		r = sink->block(sink->ctx, &b);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_triage_read(struct tt_store *s, const struct tt_store_triage_sink *sink,
			 struct tt_error *err)
{
	int r = sink->cve ? read_cves(s, sink, err) : 0;
	if (r == 0 && sink->dyad)
		r = read_dyads(s, sink, err);
	if (r == 0 && sink->block)
		r = read_blocks(s, sink, err);
	if (r < 0)
		return tt_error_prefix(err, "reading CVEs for triage from %s: ", s->location);
	return r;
}
