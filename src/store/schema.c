// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store's schema and its migrations. Migration N brings a store from
 * version N to N+1; each runs in its own transaction, so an interrupted
 * upgrade leaves the store at the last complete version. The SQL is portable
 * between SQLite and PostgreSQL.
 */
#include <errno.h>
#include <stdlib.h>

#include "schema.h"
#include "tuxtape/store.h"

static const char *const migrations[] = {
    /* 0 -> 1: CVE records, their publication dates, enrichment feeds. */
    "CREATE TABLE cve ("
    "  id TEXT PRIMARY KEY,"
    "  year INTEGER NOT NULL,"
    "  num INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('published', 'rejected')),"
    "  title TEXT, description TEXT, rejected_reason TEXT,"
    "  date_reserved BIGINT, date_updated BIGINT,"
    "  cvss_vector TEXT, cvss_score DOUBLE PRECISION, cvss_severity TEXT,"
    "  cvss_source TEXT, cvss_rationale TEXT,"
    "  files TEXT NOT NULL DEFAULT '',"
    "  fixed_versions TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX cve_year_num ON cve (year, num);"
    /* Kept apart from cve: a full re-ingest replaces records, not history. */
    "CREATE TABLE cve_first_seen ("
    "  cve_id TEXT PRIMARY KEY, published_at BIGINT NOT NULL, commit_id TEXT NOT NULL);"
    "CREATE TABLE cve_file ("
    "  cve_id TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (cve_id, path));"
    "CREATE INDEX cve_file_path ON cve_file (path);"
    "CREATE TABLE cve_dyad ("
    "  cve_id TEXT NOT NULL, seq INTEGER NOT NULL, branch TEXT NOT NULL,"
    "  vuln_version TEXT, vuln_commit TEXT, fix_version TEXT, fix_commit TEXT,"
    "  PRIMARY KEY (cve_id, seq));"
    "CREATE INDEX cve_dyad_branch ON cve_dyad (branch, fix_version);"
    "CREATE TABLE cve_commit ("
    "  cve_id TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('fix', 'vulnerable')),"
    "  seq INTEGER NOT NULL, commit_id TEXT NOT NULL, PRIMARY KEY (cve_id, kind, seq));"
    "CREATE TABLE cve_affected_block ("
    "  cve_id TEXT NOT NULL, block INTEGER NOT NULL, vendor TEXT, product TEXT, repo TEXT,"
    "  default_status TEXT, program_files TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (cve_id, block));"
    "CREATE TABLE cve_affected ("
    "  cve_id TEXT NOT NULL, block INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  version TEXT, less_than TEXT, less_than_or_equal TEXT, status TEXT,"
    "  version_type TEXT, PRIMARY KEY (cve_id, block, seq));"
    "CREATE TABLE cve_reference ("
    "  cve_id TEXT NOT NULL, seq INTEGER NOT NULL, url TEXT NOT NULL,"
    "  PRIMARY KEY (cve_id, seq));"
    "CREATE TABLE feed ("
    "  name TEXT PRIMARY KEY, source TEXT NOT NULL, loaded_at BIGINT NOT NULL,"
    "  entries BIGINT NOT NULL, version TEXT);"
    "CREATE TABLE kev ("
    "  cve_id TEXT PRIMARY KEY, vendor TEXT, product TEXT, name TEXT, date_added TEXT,"
    "  due_date TEXT, ransomware TEXT, required_action TEXT, notes TEXT);"
    "CREATE TABLE ssvc ("
    "  cve_id TEXT PRIMARY KEY, exploitation TEXT, automatable TEXT,"
    "  technical_impact TEXT, timestamp TEXT, cvss_vector TEXT,"
    "  cvss_score DOUBLE PRECISION);"
    "CREATE TABLE epss ("
    "  cve_id TEXT PRIMARY KEY, score DOUBLE PRECISION NOT NULL,"
    "  percentile DOUBLE PRECISION NOT NULL, score_date TEXT);"
    "CREATE TABLE nvd ("
    "  cve_id TEXT PRIMARY KEY, status TEXT, published TEXT, last_modified TEXT,"
    "  cvss_vector TEXT, cvss_score DOUBLE PRECISION, cvss_severity TEXT,"
    "  cvss_source TEXT, cwes TEXT);",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

_Static_assert(N_MIGRATIONS == TT_STORE_SCHEMA_VERSION, "every schema version needs its migration");

static int read_version(struct tt_db *db, int *version, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(db, "SELECT value FROM meta WHERE key = 'schema.version'", &st, err);
	if (r < 0)
		return r;
	r = tt_db_step(db, st, err);
	if (r == TT_DB_ROW) {
		const char *v = tt_db_text(db, st, 0);
		*version = v ? atoi(v) : 0;
		r = 0;
	} else if (r == TT_DB_DONE) {
		*version = 0;
	}
	tt_db_finalize(db, st);
	return r;
}

static int apply(struct tt_db *db, int from, struct tt_error *err)
{
	int r = tt_db_exec(db, "BEGIN", err);
	if (r < 0)
		return r;
	r = tt_db_exec(db, migrations[from], err);
	if (r == 0) {
		char sql[128];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO meta (key, value) VALUES ('schema.version', '%d') "
			 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			 from + 1);
		r = tt_db_exec(db, sql, err);
	}
	if (r == 0)
		r = tt_db_exec(db, "COMMIT", err);
	if (r < 0) {
		tt_db_exec(db, "ROLLBACK", NULL);
		return tt_error_prefix(
		    err, "migrating the store schema from version %d to %d: ", from, from + 1);
	}
	return 0;
}

int tt_schema_migrate(struct tt_db *db, struct tt_error *err)
{
	int r = tt_db_exec(
	    db, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", err);
	if (r < 0)
		return r;
	int version = 0;
	r = read_version(db, &version, err);
	if (r < 0)
		return r;
	if (version > N_MIGRATIONS)
		return tt_error_set(err, -EPROTO,
				    "the store has schema version %d, newer than this tuxtape "
				    "understands (%d): upgrade tuxtape, or use another --db",
				    version, N_MIGRATIONS);
	for (int v = version; v < N_MIGRATIONS; v++) {
		r = apply(db, v, err);
		if (r < 0)
			return r;
	}
	return 0;
}
