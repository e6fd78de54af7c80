// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading one CVE back in full: the CNA record and what the feeds say. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "store_internal.h"
#include "tuxtape/util.h"

static char *dup_or_null(const char *s)
{
	return s ? tt_xstrdup(s) : NULL;
}

/* Run sql with id bound to ?1, calling row() for each result row. */
static int each_row(struct tt_store *s, const char *sql, const char *id,
		    void (*row)(struct tt_db *db, struct tt_db_stmt *st, void *ctx), void *ctx,
		    struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, sql, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, id);
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW)
		row(s->db, st, ctx);
	tt_db_finalize(s->db, st);
	return r < 0 ? r : 0;
}

static void split_into(struct tt_strv *sv, const char *list, char sep)
{
	const char seps[2] = {sep, '\0'};
	while (list && *list) {
		size_t n = strcspn(list, seps);
		if (n)
			tt_strv_push_owned(sv, tt_xstrndup(list, n));
		list += n + (list[n] == sep);
	}
}

static void cve_row(struct tt_db *db, struct tt_db_stmt *st, void *ctx)
{
	struct tt_cve_record *rec = ctx;
	snprintf(rec->id, sizeof(rec->id), "%s", tt_db_text(db, st, 0));
	const char *state = tt_db_text(db, st, 1);
	rec->state = state && strcmp(state, "rejected") == 0 ? TT_CVE_REJECTED : TT_CVE_PUBLISHED;
	rec->title = dup_or_null(tt_db_text(db, st, 2));
	rec->description = dup_or_null(tt_db_text(db, st, 3));
	rec->rejected_reason = dup_or_null(tt_db_text(db, st, 4));
	rec->date_reserved = tt_db_int64(db, st, 5);
	rec->date_updated = tt_db_int64(db, st, 6);
	if (tt_db_text(db, st, 7)) {
		rec->has_cvss = true;
		rec->cvss.vector = tt_xstrdup(tt_db_text(db, st, 7));
		rec->cvss.base_score = tt_db_score(db, st, 8);
		const char *sev = tt_db_text(db, st, 9);
		static const char *const names[] = {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
		for (int i = 0; i < 5; i++)
			if (sev && strcmp(sev, names[i]) == 0)
				rec->cvss.severity = names[i];
		rec->cvss.source = dup_or_null(tt_db_text(db, st, 10));
		rec->cvss.rationale = dup_or_null(tt_db_text(db, st, 11));
	}
	rec->first_published = tt_db_int64(db, st, 12);
	split_into(&rec->fix_commits, tt_db_text(db, st, 13), '\n');
	split_into(&rec->vulnerable_commits, tt_db_text(db, st, 14), '\n');
	split_into(&rec->references, tt_db_text(db, st, 15), '\n');
	tt_store_dyads_parse(tt_db_text(db, st, 16), &rec->dyads, &rec->n_dyads);
}

static void file_row(struct tt_db *db, struct tt_db_stmt *st, void *ctx)
{
	tt_strv_push(&((struct tt_cve_record *)ctx)->program_files, tt_db_text(db, st, 0));
}

/* The block's versions[] back from the JSON the store keeps them in. */
static void versions_from_json(struct tt_affected *a, const char *text)
{
	json_t *arr = text ? json_loads(text, 0, NULL) : NULL;
	size_t n = json_array_size(arr);
	a->versions = n ? tt_xcalloc(n, sizeof(*a->versions)) : NULL;
	a->n_versions = n;
	static const char *const keys[TT_AV_FIELDS] = {
	    [TT_AV_VERSION] = "version",
	    [TT_AV_LESS_THAN] = "lessThan",
	    [TT_AV_LESS_THAN_OR_EQUAL] = "lessThanOrEqual",
	    [TT_AV_STATUS] = "status",
	    [TT_AV_TYPE] = "versionType",
	};
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		const char *fields[TT_AV_FIELDS];
		size_t lens[TT_AV_FIELDS] = {0};
		for (int f = 0; f < TT_AV_FIELDS; f++) {
			fields[f] = json_string_value(json_object_get(o, keys[f]));
			lens[f] = fields[f] ? strlen(fields[f]) : 0;
		}
		if (fields[TT_AV_VERSION]) /* ingest never stores one without */
			tt_affected_version_set(&a->versions[kept++], fields, lens);
	}
	a->n_versions = kept;
	json_decref(arr);
}

static void block_row(struct tt_db *db, struct tt_db_stmt *st, void *ctx)
{
	struct tt_cve_record *rec = ctx;
	rec->affected = tt_xrealloc(rec->affected, (rec->n_affected + 1) * sizeof(*rec->affected));
	struct tt_affected *a = &rec->affected[rec->n_affected++];
	memset(a, 0, sizeof(*a));
	a->vendor = dup_or_null(tt_db_text(db, st, 0));
	a->product = dup_or_null(tt_db_text(db, st, 1));
	a->repo = dup_or_null(tt_db_text(db, st, 2));
	a->default_status = dup_or_null(tt_db_text(db, st, 3));
	split_into(&a->program_files, tt_db_text(db, st, 4), ',');
	versions_from_json(a, tt_db_text(db, st, 5));
}

static void kev_row(struct tt_db *db, struct tt_db_stmt *st, void *ctx)
{
	struct tt_cve_enrichment *e = ctx;
	e->kev = true;
	e->kev_date_added = dup_or_null(tt_db_text(db, st, 0));
	e->kev_due_date = dup_or_null(tt_db_text(db, st, 1));
	e->kev_ransomware = dup_or_null(tt_db_text(db, st, 2));
	e->kev_name = dup_or_null(tt_db_text(db, st, 3));
	e->kev_required_action = dup_or_null(tt_db_text(db, st, 4));
}

static void ssvc_row(struct tt_db *db, struct tt_db_stmt *st, void *ctx)
{
	struct tt_cve_enrichment *e = ctx;
	e->ssvc = true;
	e->ssvc_exploitation = dup_or_null(tt_db_text(db, st, 0));
	e->ssvc_automatable = dup_or_null(tt_db_text(db, st, 1));
	e->ssvc_technical_impact = dup_or_null(tt_db_text(db, st, 2));
	e->ssvc_timestamp = dup_or_null(tt_db_text(db, st, 3));
	e->adp_cvss_vector = dup_or_null(tt_db_text(db, st, 4));
	e->adp_cvss_score = tt_db_score(db, st, 5);
}

static void epss_row(struct tt_db *db, struct tt_db_stmt *st, void *ctx)
{
	struct tt_cve_enrichment *e = ctx;
	e->epss = true;
	e->epss_score = tt_db_score(db, st, 0);
	e->epss_percentile = tt_db_score(db, st, 1);
	e->epss_date = dup_or_null(tt_db_text(db, st, 2));
}

static void nvd_row(struct tt_db *db, struct tt_db_stmt *st, void *ctx)
{
	struct tt_cve_enrichment *e = ctx;
	e->nvd = true;
	e->nvd_status = dup_or_null(tt_db_text(db, st, 0));
	e->nvd_cvss_vector = dup_or_null(tt_db_text(db, st, 1));
	e->nvd_cvss_score = tt_db_score(db, st, 2);
	e->nvd_cvss_source = dup_or_null(tt_db_text(db, st, 3));
	e->nvd_last_modified = dup_or_null(tt_db_text(db, st, 4));
	e->nvd_cwes = dup_or_null(tt_db_text(db, st, 5));
}

static const struct {
	const char *sql;
	void (*row)(struct tt_db *, struct tt_db_stmt *, void *);
} record_parts[] = {
    {"SELECT path FROM cve_file WHERE cve_id = ? ORDER BY path", file_row},
    {"SELECT vendor, product, repo, default_status, program_files, versions"
     " FROM cve_affected_block"
     " WHERE cve_id = ? ORDER BY block",
     block_row},
};

static const struct {
	const char *sql;
	void (*row)(struct tt_db *, struct tt_db_stmt *, void *);
} enrichment_parts[] = {
    {"SELECT date_added, due_date, ransomware, name, required_action FROM kev"
     " WHERE cve_id = ?",
     kev_row},
    {"SELECT exploitation, automatable, technical_impact, timestamp, cvss_vector, cvss_score"
     " FROM ssvc WHERE cve_id = ?",
     ssvc_row},
    {"SELECT score, percentile, score_date FROM epss WHERE cve_id = ?", epss_row},
    {"SELECT status, cvss_vector, cvss_score, cvss_source, last_modified, cwes FROM nvd"
     " WHERE cve_id = ?",
     nvd_row},
};

static int load_enrichment(struct tt_store *s, const char *id, struct tt_cve_enrichment *enr,
			   struct tt_error *err)
{
	memset(enr, 0, sizeof(*enr));
	enr->adp_cvss_score = enr->nvd_cvss_score = -1;
	for (size_t i = 0; i < sizeof(enrichment_parts) / sizeof(enrichment_parts[0]); i++) {
		int r = each_row(s, enrichment_parts[i].sql, id, enrichment_parts[i].row, enr, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int tt_store_cve_get(struct tt_store *s, const char *id, struct tt_cve_record *rec,
		     struct tt_cve_enrichment *enr, struct tt_error *err)
{
	tt_cve_record_init(rec);
	int r = each_row(s,
			 "SELECT c.id, c.state, c.title, c.description, c.rejected_reason,"
			 " c.date_reserved, c.date_updated, c.cvss_vector, c.cvss_score,"
			 " c.cvss_severity, c.cvss_source, c.cvss_rationale, fs.published_at,"
			 " c.fix_commits, c.vulnerable_commits, c.refs, c.dyads"
			 " FROM cve c LEFT JOIN cve_first_seen fs ON fs.cve_id = c.id"
			 " WHERE c.id = ?",
			 id, cve_row, rec, err);
	if (r == 0 && !rec->id[0])
		r = tt_error_set(err, -ENOENT,
				 "%s is not in the store (run `tuxtape cve sync`, or check the id)",
				 id);
	for (size_t i = 0; r == 0 && i < sizeof(record_parts) / sizeof(record_parts[0]); i++)
		r = each_row(s, record_parts[i].sql, id, record_parts[i].row, rec, err);
	if (r == 0 && enr)
		r = load_enrichment(s, id, enr, err);
	if (r < 0)
		tt_cve_record_free(rec);
	return r;
}

void tt_cve_enrichment_free(struct tt_cve_enrichment *e)
{
	char **fields[] = {&e->kev_date_added,	    &e->kev_due_date,
			   &e->kev_ransomware,	    &e->kev_name,
			   &e->kev_required_action, &e->ssvc_exploitation,
			   &e->ssvc_automatable,    &e->ssvc_technical_impact,
			   &e->ssvc_timestamp,	    &e->adp_cvss_vector,
			   &e->epss_date,	    &e->nvd_status,
			   &e->nvd_cvss_vector,	    &e->nvd_cvss_source,
			   &e->nvd_last_modified,   &e->nvd_cwes};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}
