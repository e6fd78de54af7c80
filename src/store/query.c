// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading the store back: listing with filters, one CVE in full, counts. */
#include <errno.h>
#include <string.h>

#include "store_internal.h"
#include "tuxtape/util.h"

void tt_cve_query_init(struct tt_cve_query *q)
{
	memset(q, 0, sizeof(*q));
	q->min_cvss = -1;
}

/*
 * Kernel CNA descriptions start with a fixed sentence and then the fix's
 * subject line; that subject is the best one-line title when there is none.
 */
static void title_of(const char *title, const char *desc, char *out, size_t n)
{
	static const char boiler[] = "In the Linux kernel, the following vulnerability has been "
				     "resolved:";
	const char *s = title ? title : desc ? desc : "";
	if (!title && strncmp(s, boiler, sizeof(boiler) - 1) == 0)
		s += sizeof(boiler) - 1;
	while (*s == '\n' || *s == ' ')
		s++;
	size_t len = strcspn(s, "\n");
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/*
 * --branch and --fixed-in match one element of a comma-joined column
 * (dyad_branches, fixed_versions: distinct, in pair order). The element is
 * matched with LIKE, its wildcards escaped; a value holding a comma can be
 * no element, so it matches nothing, as equality did.
 */
#define LIST_HAS " AND (',' || c.%s || ',') LIKE ? ESCAPE '\\'"

static bool list_value(const char *v)
{
	return v && !strchr(v, ',');
}

/* "%,6.1,%" for 6.1, with LIKE's % _ and the escape character escaped. */
static char *list_pattern(const char *v)
{
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_adds(&b, "%,");
	for (; *v; v++) {
		if (*v == '%' || *v == '_' || *v == '\\')
			tt_buf_addc(&b, '\\');
		tt_buf_addc(&b, *v);
	}
	tt_buf_adds(&b, ",%");
	return tt_buf_detach(&b);
}

static void add_list_filter(struct tt_buf *sql, const char *column, const char *v)
{
	if (list_value(v))
		tt_buf_addf(sql, LIST_HAS, column);
	else
		tt_buf_adds(sql, " AND 1 = 0");
}

static void build_list_sql(struct tt_db *db, const struct tt_cve_query *q, struct tt_buf *sql)
{
	tt_buf_adds(sql, "SELECT c.id, c.state, fs.published_at, c.title, c.description,"
			 " c.cvss_score, s.cvss_score, n.cvss_score, k.cve_id, e.score,"
			 " s.exploitation, c.files, c.fixed_versions"
			 " FROM cve c"
			 " LEFT JOIN cve_first_seen fs ON fs.cve_id = c.id"
			 " LEFT JOIN kev k ON k.cve_id = c.id"
			 " LEFT JOIN ssvc s ON s.cve_id = c.id"
			 " LEFT JOIN epss e ON e.cve_id = c.id"
			 " LEFT JOIN nvd n ON n.cve_id = c.id WHERE 1 = 1");
	if (!q->include_rejected)
		tt_buf_adds(sql, " AND c.state = 'published'");
	if (q->since)
		tt_buf_adds(sql, " AND fs.published_at >= ?");
	if (q->file_glob)
		tt_buf_addf(sql,
			    " AND EXISTS (SELECT 1 FROM cve_file f WHERE f.cve_id = c.id"
			    " AND f.path %s ?)",
			    db->ops->glob_op);
	if (q->min_cvss >= 0)
		tt_buf_adds(sql, " AND COALESCE(c.cvss_score, s.cvss_score, n.cvss_score) >= ?");
	if (q->kev_only)
		tt_buf_adds(sql, " AND k.cve_id IS NOT NULL");
	if (q->branch)
		add_list_filter(sql, "dyad_branches", q->branch);
	if (q->fixed_in)
		add_list_filter(sql, "fixed_versions", q->fixed_in);
	switch (q->order) {
	case TT_ORDER_ID:
		tt_buf_adds(sql, " ORDER BY c.year, c.num");
		break;
	case TT_ORDER_CVSS:
		tt_buf_adds(sql, " ORDER BY COALESCE(c.cvss_score, s.cvss_score, n.cvss_score, -1)"
				 " DESC, c.year DESC, c.num DESC");
		break;
	case TT_ORDER_EPSS:
		tt_buf_adds(sql, " ORDER BY COALESCE(e.score, -1) DESC, c.year DESC, c.num DESC");
		break;
	default:
		tt_buf_adds(sql, " ORDER BY COALESCE(fs.published_at, 0) DESC, c.year DESC,"
				 " c.num DESC");
	}
	if (q->limit > 0)
		tt_buf_adds(sql, " LIMIT ?");
}

/* What bound text needs kept until the statement is done with (the caller frees). */
struct bound {
	char *glob, *branch, *fixed_in;
};

static void bind_list_params(struct tt_db *db, struct tt_db_stmt *st, const struct tt_cve_query *q,
			     struct bound *keep)
{
	int i = 1;
	if (q->since)
		tt_db_bind_int64(db, st, i++, q->since);
	if (q->file_glob)
		tt_db_bind_glob(db, st, i++, q->file_glob, &keep->glob);
	if (q->min_cvss >= 0)
		tt_db_bind_double(db, st, i++, q->min_cvss);
	if (list_value(q->branch))
		tt_db_bind_text(db, st, i++, keep->branch = list_pattern(q->branch));
	if (list_value(q->fixed_in))
		tt_db_bind_text(db, st, i++, keep->fixed_in = list_pattern(q->fixed_in));
	if (q->limit > 0)
		tt_db_bind_int64(db, st, i++, q->limit);
}

static void effective_cvss(struct tt_db *db, struct tt_db_stmt *st, struct tt_cve_summary *c)
{
	static const char *const origin[] = {"cna", "cisa-adp", "nvd"};
	c->cvss = -1;
	c->cvss_origin = NULL;
	for (int i = 0; i < 3; i++) {
		double v = tt_db_score(db, st, 5 + i);
		if (v >= 0) {
			c->cvss = v;
			c->cvss_origin = origin[i];
			break;
		}
	}
	c->severity = c->cvss >= 0 ? tt_cvss_severity(c->cvss) : NULL;
}

static void read_summary(struct tt_db *db, struct tt_db_stmt *st, struct tt_cve_summary *c,
			 char *title, size_t title_n)
{
	memset(c, 0, sizeof(*c));
	c->id = tt_db_text(db, st, 0);
	const char *state = tt_db_text(db, st, 1);
	c->state = state && strcmp(state, "rejected") == 0 ? TT_CVE_REJECTED : TT_CVE_PUBLISHED;
	c->first_published = tt_db_int64(db, st, 2);
	title_of(tt_db_text(db, st, 3), tt_db_text(db, st, 4), title, title_n);
	c->title = title;
	effective_cvss(db, st, c);
	c->kev = tt_db_text(db, st, 8) != NULL;
	c->epss = tt_db_score(db, st, 9);
	c->exploitation = tt_db_text(db, st, 10);
	c->files = tt_db_text(db, st, 11);
	c->fixed_versions = tt_db_text(db, st, 12);
}

int tt_store_cve_list(struct tt_store *s, const struct tt_cve_query *q,
		      int (*cb)(void *ctx, const struct tt_cve_summary *c), void *ctx,
		      struct tt_error *err)
{
	struct tt_buf sql = TT_BUF_INIT;
	build_list_sql(s->db, q, &sql);
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, tt_buf_str(&sql), &st, err);
	tt_buf_free(&sql);
	if (r < 0)
		return r;
	struct bound keep = {0};
	bind_list_params(s->db, st, q, &keep);
	char title[256];
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_cve_summary c;
		read_summary(s->db, st, &c, title, sizeof(title));
		r = cb(ctx, &c);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	free(keep.glob);
	free(keep.branch);
	free(keep.fixed_in);
	return r < 0 ? r : 0;
}

/* The one row of sql (n integers) into fields, in order. */
static int count_into(struct tt_store *s, const char *sql, long *const fields[], int n,
		      struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, sql, &st, err);
	if (r < 0)
		return r;
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		for (int i = 0; i < n; i++)
			*fields[i] = (long)tt_db_int64(s->db, st, i);
		r = 0;
	}
	tt_db_finalize(s->db, st);
	return r;
}

/* The total and the rejected ids come from indexes (cve_rejected), not a table scan. */
#define CVE_COUNTS                                                                                 \
	"(SELECT COUNT(*) FROM cve) - (SELECT COUNT(*) FROM cve WHERE state = 'rejected'),"        \
	" (SELECT COUNT(*) FROM cve WHERE state = 'rejected')"

int tt_store_cve_counts(struct tt_store *s, struct tt_store_counts *c, struct tt_error *err)
{
	memset(c, 0, sizeof(*c));
	long *const fields[] = {&c->published, &c->rejected};
	return count_into(s, "SELECT " CVE_COUNTS, fields, 2, err);
}

int tt_store_counts(struct tt_store *s, struct tt_store_counts *c, struct tt_error *err)
{
	long *const fields[] = {&c->published, &c->rejected, &c->dyads, &c->kev,
				&c->ssvc,      &c->epss,     &c->nvd};
	return count_into(s,
			  "SELECT " CVE_COUNTS ", (SELECT COALESCE(SUM(dyad_count), 0) FROM cve),"
			  " (SELECT COUNT(*) FROM kev), (SELECT COUNT(*) FROM ssvc),"
			  " (SELECT COUNT(*) FROM epss), (SELECT COUNT(*) FROM nvd)",
			  fields, 7, err);
}

int tt_store_feed_list(struct tt_store *s, int (*cb)(void *ctx, const struct tt_feed_info *f),
		       void *ctx, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db,
			      "SELECT name, source, loaded_at, entries, version FROM feed "
			      "ORDER BY name",
			      &st, err);
	if (r < 0)
		return r;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_feed_info f = {
		    .name = tt_db_text(s->db, st, 0),
		    .source = tt_db_text(s->db, st, 1),
		    .loaded_at = tt_db_int64(s->db, st, 2),
		    .entries = (long)tt_db_int64(s->db, st, 3),
		    .version = tt_db_text(s->db, st, 4),
		};
		r = cb(ctx, &f);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	return r < 0 ? r : 0;
}
