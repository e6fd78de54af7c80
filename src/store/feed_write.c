// SPDX-License-Identifier: GPL-2.0-or-later
/* Writing enrichment feed entries (KEV, CISA vulnrichment SSVC, EPSS, NVD). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store_internal.h"

/* Each feed's table; names are fixed strings, never user input. */
static const struct {
	const char *feed;
	const char *table;
} feed_tables[] = {
    {"kev", "kev"},
    {"vulnrichment", "ssvc"},
    {"epss", "epss"},
    {"nvd", "nvd"},
};

static const char *table_of(const char *feed)
{
	for (size_t i = 0; i < sizeof(feed_tables) / sizeof(feed_tables[0]); i++)
		if (strcmp(feed_tables[i].feed, feed) == 0)
			return feed_tables[i].table;
	return NULL;
}

int tt_store_feed_clear(struct tt_store *s, const char *feed, struct tt_error *err)
{
	const char *table = table_of(feed);
	if (!table)
		return tt_error_set(err, -EINVAL, "unknown feed '%s'", feed);
	char sql[64];
	snprintf(sql, sizeof(sql), "DELETE FROM %s", table);
	return tt_db_exec(s->db, sql, err);
}

int tt_store_feed_rows(struct tt_store *s, const char *feed, long *rows, struct tt_error *err)
{
	const char *table = table_of(feed);
	if (!table)
		return tt_error_set(err, -EINVAL, "unknown feed '%s'", feed);
	char sql[64];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, sql, &st, err);
	if (r < 0)
		return r;
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		*rows = (long)tt_db_int64(s->db, st, 0);
		r = 0;
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_kev_put(struct tt_store *s, const struct tt_store_kev *e, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_KEV_PUT, &st, err);
	if (r < 0)
		return r;
	const char *v[] = {e->cve_id,	e->vendor,     e->product,	   e->name, e->date_added,
			   e->due_date, e->ransomware, e->required_action, e->notes};
	for (int i = 0; i < 9; i++)
		tt_db_bind_text(s->db, st, i + 1, v[i]);
	return tt_db_run(s->db, st, err);
}

int tt_store_ssvc_put(struct tt_store *s, const struct tt_store_ssvc *e, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_SSVC_PUT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, e->cve_id);
	tt_db_bind_text(s->db, st, 2, e->exploitation);
	tt_db_bind_text(s->db, st, 3, e->automatable);
	tt_db_bind_text(s->db, st, 4, e->technical_impact);
	tt_db_bind_text(s->db, st, 5, e->timestamp);
	tt_db_bind_text(s->db, st, 6, e->cvss_vector);
	tt_db_bind_score(s->db, st, 7, e->cvss_vector ? e->cvss_score : -1);
	return tt_db_run(s->db, st, err);
}

int tt_store_epss_put(struct tt_store *s, const struct tt_store_epss *e, const char *score_date,
		      struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_EPSS_PUT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, e->cve_id);
	tt_db_bind_double(s->db, st, 2, e->score);
	tt_db_bind_double(s->db, st, 3, e->percentile);
	tt_db_bind_text(s->db, st, 4, score_date);
	return tt_db_run(s->db, st, err);
}

int tt_store_nvd_put(struct tt_store *s, const struct tt_store_nvd *e, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_NVD_PUT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, e->cve_id);
	tt_db_bind_text(s->db, st, 2, e->status);
	tt_db_bind_text(s->db, st, 3, e->published);
	tt_db_bind_text(s->db, st, 4, e->last_modified);
	tt_db_bind_text(s->db, st, 5, e->cvss_vector);
	tt_db_bind_score(s->db, st, 6, e->cvss_vector ? e->cvss_score : -1);
	tt_db_bind_text(s->db, st, 7, e->cvss_severity);
	tt_db_bind_text(s->db, st, 8, e->cvss_source);
	tt_db_bind_text(s->db, st, 9, e->cwes);
	return tt_db_run(s->db, st, err);
}

int tt_store_feed_loaded(struct tt_store *s, const char *feed, const char *source,
			 int64_t loaded_at, long entries, const char *version, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_FEED_LOADED, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, feed);
	tt_db_bind_text(s->db, st, 2, source);
	tt_db_bind_int64(s->db, st, 3, loaded_at);
	tt_db_bind_int64(s->db, st, 4, entries);
	tt_db_bind_text(s->db, st, 5, version);
	return tt_db_run(s->db, st, err);
}
