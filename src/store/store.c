// SPDX-License-Identifier: GPL-2.0-or-later
/* Opening the store, transactions, key/value metadata, the statement cache. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "store_internal.h"
#include "tuxtape/util.h"

static const char *const stmt_sql[ST__COUNT] = {
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?",
    [ST_META_SET] = "INSERT INTO meta (key, value) VALUES (?, ?) "
		    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_CVE_STATE] = "SELECT state FROM cve WHERE id = ?",
    [ST_CVE_STORED] = "SELECT state, digest_row, digest_dyads, digest_blocks FROM cve WHERE id = ?",
    [ST_CVE_INSERT] = "INSERT INTO cve (id, year, num, state, title, description, "
		      "rejected_reason, date_reserved, date_updated, cvss_vector, cvss_score, "
		      "cvss_severity, cvss_source, cvss_rationale, files, fixed_versions, "
		      "fix_commits, vulnerable_commits, refs, digest_row, digest_dyads, "
		      "digest_blocks, dyads, dyad_branches, dyad_count) "
		      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_CVE_DELETE] = "DELETE FROM cve WHERE id = ?",
    [ST_FILE_INSERT] = "INSERT INTO cve_file (cve_id, path) VALUES (?, ?)",
    [ST_FILE_DELETE] = "DELETE FROM cve_file WHERE cve_id = ?",
    [ST_BLOCK_INSERT] = "INSERT INTO cve_affected_block (cve_id, block, vendor, product, "
			"repo, default_status, program_files, versions) VALUES (?,?,?,?,?,?,?,?)",
    [ST_BLOCK_DELETE] = "DELETE FROM cve_affected_block WHERE cve_id = ?",
    [ST_FIRST_SEEN] = "INSERT INTO cve_first_seen (cve_id, published_at, commit_id) "
		      "VALUES (?, ?, ?) ON CONFLICT (cve_id) DO UPDATE SET "
		      "published_at = excluded.published_at, commit_id = excluded.commit_id "
		      "WHERE excluded.published_at < cve_first_seen.published_at",
    [ST_KEV_PUT] = "INSERT INTO kev (cve_id, vendor, product, name, date_added, due_date, "
		   "ransomware, required_action, notes) VALUES (?,?,?,?,?,?,?,?,?) "
		   "ON CONFLICT (cve_id) DO UPDATE SET vendor = excluded.vendor, "
		   "product = excluded.product, name = excluded.name, "
		   "date_added = excluded.date_added, due_date = excluded.due_date, "
		   "ransomware = excluded.ransomware, "
		   "required_action = excluded.required_action, notes = excluded.notes",
    [ST_SSVC_PUT] = "INSERT INTO ssvc (cve_id, exploitation, automatable, technical_impact, "
		    "timestamp, cvss_vector, cvss_score) VALUES (?,?,?,?,?,?,?) "
		    "ON CONFLICT (cve_id) DO UPDATE SET exploitation = excluded.exploitation, "
		    "automatable = excluded.automatable, "
		    "technical_impact = excluded.technical_impact, "
		    "timestamp = excluded.timestamp, cvss_vector = excluded.cvss_vector, "
		    "cvss_score = excluded.cvss_score",
    [ST_EPSS_PUT] = "INSERT INTO epss (cve_id, score, percentile, score_date) "
		    "VALUES (?,?,?,?) ON CONFLICT (cve_id) DO UPDATE SET "
		    "score = excluded.score, percentile = excluded.percentile, "
		    "score_date = excluded.score_date",
    [ST_NVD_PUT] = "INSERT INTO nvd (cve_id, status, published, last_modified, cvss_vector, "
		   "cvss_score, cvss_severity, cvss_source, cwes) VALUES (?,?,?,?,?,?,?,?,?) "
		   "ON CONFLICT (cve_id) DO UPDATE SET status = excluded.status, "
		   "published = excluded.published, last_modified = excluded.last_modified, "
		   "cvss_vector = excluded.cvss_vector, cvss_score = excluded.cvss_score, "
		   "cvss_severity = excluded.cvss_severity, "
		   "cvss_source = excluded.cvss_source, cwes = excluded.cwes",
    [ST_FEED_LOADED] = "INSERT INTO feed (name, source, loaded_at, entries, version) "
		       "VALUES (?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET "
		       "source = excluded.source, loaded_at = excluded.loaded_at, "
		       "entries = excluded.entries, version = excluded.version",
};

int tt_store_stmt(struct tt_store *s, enum tt_stmt_id id, struct tt_db_stmt **out,
		  struct tt_error *err)
{
	if (!s->stmts[id]) {
		int r = tt_db_prepare(s->db, stmt_sql[id], &s->stmts[id], err);
		if (r < 0)
			return r;
	}
	*out = s->stmts[id];
	return 0;
}

static char *default_location(struct tt_error *err)
{
	_cleanup_free_ char *dir = tt_data_dir();
	if (tt_mkdir_p(dir, 0755, err) < 0)
		return NULL;
	return tt_xasprintf("%s/tuxtape.db", dir);
}

static bool is_pg_url(const char *location)
{
	return strncmp(location, "postgresql://", 13) == 0 ||
	       strncmp(location, "postgres://", 11) == 0;
}

bool tt_store_location_is_postgresql(const char *location)
{
	return location && is_pg_url(location);
}

static int open_db(const char *location, struct tt_db **db, struct tt_error *err)
{
	if (is_pg_url(location))
		return tt_db_open_pg(location, db, err);
	const char *path = strncmp(location, "sqlite:", 7) == 0 ? location + 7 : location;
	return tt_db_open_sqlite(path, db, err);
}

int tt_store_open(const char *location, struct tt_store **out, struct tt_error *err)
{
	_cleanup_free_ char *def = NULL;
	if (!location || !location[0]) {
		def = default_location(err);
		if (!def)
			return err ? err->code : -EIO;
		location = def;
	}
	struct tt_db *db;
	int r = open_db(location, &db, err);
	if (r < 0)
		return r;
	/* What messages and `cve status` show: a URL's password stays out of them. */
	char *shown = is_pg_url(location) ? tt_db_pg_redact(location) : tt_xstrdup(location);
	r = tt_schema_migrate(db, err);
	if (r < 0) {
		db->ops->close(db);
		tt_error_prefix(err, "%s: ", shown);
		free(shown);
		return r;
	}
	struct tt_store *s = tt_xcalloc(1, sizeof(*s));
	s->db = db;
	s->location = shown;
	*out = s;
	return 0;
}

void tt_store_close(struct tt_store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		tt_store_rollback(s);
	for (int i = 0; i < ST__COUNT; i++)
		tt_db_finalize(s->db, s->stmts[i]);
	s->db->ops->close(s->db);
	free(s->location);
	free(s);
}

const char *tt_store_location(const struct tt_store *s)
{
	return s->location;
}

int tt_store_begin(struct tt_store *s, struct tt_error *err)
{
	if (s->in_tx)
		return tt_error_set(err, -EBUSY, "a store transaction is already open");
	int r = tt_db_exec(s->db, "BEGIN", err);
	if (r == 0)
		s->in_tx = true;
	return r;
}

void tt_store_bulk_write(struct tt_store *s, bool on)
{
	if (s->db->ops->bulk_write)
		s->db->ops->bulk_write(s->db, on);
}

void tt_store_write_behind(struct tt_store *s)
{
	if (s->db->ops->write_behind)
		s->db->ops->write_behind(s->db);
}

int tt_store_commit(struct tt_store *s, struct tt_error *err)
{
	int r = tt_db_exec(s->db, "COMMIT", err);
	if (r < 0) {
		tt_store_rollback(s);
		return tt_error_prefix(err, "committing to %s: ", s->location);
	}
	s->in_tx = false;
	return 0;
}

void tt_store_rollback(struct tt_store *s)
{
	for (int i = 0; i < ST__COUNT; i++)
		if (s->stmts[i])
			tt_db_reset(s->db, s->stmts[i]);
	tt_db_exec(s->db, "ROLLBACK", NULL);
	s->in_tx = false;
}

int tt_store_meta_get(struct tt_store *s, const char *key, char **value, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_META_GET, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, key);
	*value = NULL;
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		*value = tt_xstrdup(tt_db_text(s->db, st, 0));
		r = 0;
	}
	tt_db_reset(s->db, st);
	return r;
}

int tt_store_meta_set(struct tt_store *s, const char *key, const char *value, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_META_SET, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, key);
	tt_db_bind_text(s->db, st, 2, value);
	return tt_db_run(s->db, st, err);
}
