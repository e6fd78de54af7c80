// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The store's schema and its migrations. Migration N brings a store from
 * version N to N+1; the pending ones run in one transaction (apply_all), so
 * an interrupted upgrade leaves the store as it was. The SQL is portable
 * between SQLite and PostgreSQL; a data move SQL cannot spell portably runs
 * as C after its migration's DDL (migration_code).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "store_internal.h"
#include "tuxtape/store.h"
#include "tuxtape/util.h"

static const char *const migrations[] = {
    /*
     * 0 -> 1: CVE records, their publication dates, enrichment feeds. No
     * secondary indexes on the CVE tables: tens of thousands of rows scan in
     * milliseconds, while each index slows the bulk ingest measurably.
     */
    "CREATE TABLE cve ("
    "  id TEXT @BINARY@ PRIMARY KEY,"
    "  year INTEGER NOT NULL,"
    "  num INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('published', 'rejected')),"
    "  title TEXT, description TEXT, rejected_reason TEXT,"
    "  date_reserved BIGINT, date_updated BIGINT,"
    "  cvss_vector TEXT, cvss_score DOUBLE PRECISION, cvss_severity TEXT,"
    "  cvss_source TEXT, cvss_rationale TEXT,"
    "  files TEXT NOT NULL DEFAULT '',"
    "  fixed_versions TEXT NOT NULL DEFAULT '',"
    /* Lists only ever read whole stay inline, newline-separated: bulk ingest then
     * writes a few rows per CVE instead of dozens. */
    "  fix_commits TEXT NOT NULL DEFAULT '',"
    "  vulnerable_commits TEXT NOT NULL DEFAULT '',"
    "  refs TEXT NOT NULL DEFAULT '');"
    /* Kept apart from cve: a full re-ingest replaces records, not history. */
    "CREATE TABLE cve_first_seen ("
    "  cve_id TEXT @BINARY@ PRIMARY KEY, published_at BIGINT NOT NULL, commit_id TEXT NOT NULL)"
    " @WITHOUT_ROWID@;"
    "CREATE TABLE cve_file ("
    "  cve_id TEXT @BINARY@ NOT NULL, path TEXT @BINARY@ NOT NULL, PRIMARY KEY (cve_id, path))"
    " @WITHOUT_ROWID@;"
    "CREATE TABLE cve_dyad ("
    "  cve_id TEXT @BINARY@ NOT NULL, seq INTEGER NOT NULL, branch TEXT NOT NULL,"
    "  vuln_version TEXT, vuln_commit TEXT, fix_version TEXT, fix_commit TEXT,"
    "  PRIMARY KEY (cve_id, seq)) @WITHOUT_ROWID@;"
    /* versions: the block's versions[] as a JSON array, keys as in the record. */
    "CREATE TABLE cve_affected_block ("
    "  cve_id TEXT @BINARY@ NOT NULL, block INTEGER NOT NULL, vendor TEXT, product TEXT, repo TEXT,"
    "  default_status TEXT, program_files TEXT NOT NULL DEFAULT '',"
    "  versions TEXT NOT NULL DEFAULT '[]',"
    "  PRIMARY KEY (cve_id, block));"
    "CREATE TABLE feed ("
    "  name TEXT @BINARY@ PRIMARY KEY, source TEXT NOT NULL, loaded_at BIGINT NOT NULL,"
    "  entries BIGINT NOT NULL, version TEXT);"
    "CREATE TABLE kev ("
    "  cve_id TEXT @BINARY@ PRIMARY KEY, vendor TEXT, product TEXT, name TEXT, date_added TEXT,"
    "  due_date TEXT, ransomware TEXT, required_action TEXT, notes TEXT);"
    "CREATE TABLE ssvc ("
    "  cve_id TEXT @BINARY@ PRIMARY KEY, exploitation TEXT, automatable TEXT,"
    "  technical_impact TEXT, timestamp TEXT, cvss_vector TEXT,"
    "  cvss_score DOUBLE PRECISION);"
    "CREATE TABLE epss ("
    "  cve_id TEXT @BINARY@ PRIMARY KEY, score DOUBLE PRECISION NOT NULL,"
    "  percentile DOUBLE PRECISION NOT NULL, score_date TEXT);"
    "CREATE TABLE nvd ("
    "  cve_id TEXT @BINARY@ PRIMARY KEY, status TEXT, published TEXT, last_modified TEXT,"
    "  cvss_vector TEXT, cvss_score DOUBLE PRECISION, cvss_severity TEXT,"
    "  cvss_source TEXT, cwes TEXT);",
    /*
     * 1 -> 2: kernel profiles (issue 3). A profile is the facts about one
     * kernel and where each came from; its compiled-file set lives in its own
     * table keyed by (profile, path), so a scan reads one profile's files
     * with a single range read. Only the kinds that change a verdict are
     * kept: compiled sources, included headers, undecided paths and, with
     * the reason, CVE files known not to be compiled.
     */
    "CREATE TABLE kernel_profile ("
    "  name TEXT @BINARY@ PRIMARY KEY,"
    "  created_at BIGINT NOT NULL,"
    "  version TEXT, version_exact INTEGER NOT NULL DEFAULT 0, version_source TEXT,"
    "  distro_release TEXT, uname_release TEXT, proc_version TEXT, arch TEXT,"
    /* The set symbols only ("CONFIG_X=y" lines): "is not set" carries nothing Kbuild reads. */
    "  config TEXT, config_source TEXT,"
    "  files_mode TEXT NOT NULL DEFAULT 'none'"
    "    CHECK (files_mode IN ('none', 'exact', 'predicted')),"
    "  files_source TEXT,"
    "  running INTEGER NOT NULL DEFAULT 0,"
    "  modules_loaded TEXT, modules_source TEXT,"
    "  build_id TEXT, build_id_source TEXT);"
    "CREATE TABLE kernel_profile_file ("
    "  profile TEXT @BINARY@ NOT NULL, path TEXT @BINARY@ NOT NULL,"
    "  kind TEXT NOT NULL"
    "    CHECK (kind IN ('builtin', 'module', 'host', 'header', 'unknown', 'absent')),"
    "  module TEXT, note TEXT,"
    "  PRIMARY KEY (profile, path)) @WITHOUT_ROWID@;"
    /* Where a prediction was incomplete: files below these are undecided. */
    "CREATE TABLE kernel_profile_unknown_dir ("
    "  profile TEXT @BINARY@ NOT NULL, dir TEXT @BINARY@ NOT NULL, reason TEXT NOT NULL,"
    "  PRIMARY KEY (profile, dir)) @WITHOUT_ROWID@;",
    /*
     * 2 -> 3: digests of what is stored per CVE (its row, its dyad pairs, its
     * affected blocks with their files), so a sync rewrites only what changed:
     * many record updates touch fields tuxtape does not keep.
     */
    "ALTER TABLE cve ADD COLUMN digest_row TEXT;"
    "ALTER TABLE cve ADD COLUMN digest_dyads TEXT;"
    "ALTER TABLE cve ADD COLUMN digest_blocks TEXT;",
    /*
     * 3 -> 4: the fleet server (issue 6). Secrets are kept as SHA-256 hex
     * only. Heartbeats update a host's row in place; the patches a host
     * reported live in fleet_host_patch, rewritten only when their digest
     * changes. Releases, reports and the audit log are append-mostly, keyed
     * by a generated id so concurrent writers never pick the same one.
     */
    "CREATE TABLE fleet_host ("
    "  id TEXT @BINARY@ PRIMARY KEY,"
    "  machine_id TEXT @BINARY@ NOT NULL UNIQUE,"
    "  hostname TEXT NOT NULL DEFAULT '',"
    "  labels TEXT NOT NULL DEFAULT '{}',"
    "  enrolled_at BIGINT NOT NULL,"
    "  kernel_release TEXT NOT NULL DEFAULT '',"
    "  kernel_build_id TEXT NOT NULL DEFAULT '',"
    "  agent_version TEXT NOT NULL DEFAULT '',"
    "  boot_id TEXT NOT NULL DEFAULT '',"
    "  uptime BIGINT NOT NULL DEFAULT 0,"
    "  tier TEXT NOT NULL DEFAULT '',"
    "  last_seen BIGINT NOT NULL DEFAULT 0,"
    "  heartbeats BIGINT NOT NULL DEFAULT 0,"
    "  patches_digest TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE fleet_host_secret ("
    "  host_id TEXT @BINARY@ PRIMARY KEY, secret_hash TEXT NOT NULL, created_at BIGINT NOT NULL);"
    "CREATE TABLE fleet_host_patch ("
    "  host_id TEXT @BINARY@ NOT NULL, name TEXT @BINARY@ NOT NULL, target TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL, state TEXT NOT NULL, transition INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (host_id, name)) @WITHOUT_ROWID@;"
    "CREATE TABLE fleet_operator_token ("
    "  id TEXT @BINARY@ PRIMARY KEY, name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),"
    "  secret_hash TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT NOT NULL,"
    "  revoked_at BIGINT);"
    "CREATE TABLE fleet_enroll_token ("
    "  id TEXT @BINARY@ PRIMARY KEY, secret_hash TEXT NOT NULL,"
    "  labels TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
    "  created_by TEXT NOT NULL, used_at BIGINT, used_by TEXT);"
    "CREATE TABLE fleet_tier ("
    "  position INTEGER PRIMARY KEY, name TEXT @BINARY@ NOT NULL UNIQUE,"
    "  labels TEXT NOT NULL DEFAULT '{}', percent INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE fleet_release ("
    "  id @SERIAL_KEY@, patch TEXT NOT NULL, target TEXT NOT NULL, sha256 TEXT NOT NULL,"
    "  kernel_release TEXT @BINARY@ NOT NULL, kernel_build_id TEXT NOT NULL DEFAULT '',"
    "  replace_all INTEGER NOT NULL DEFAULT 0, tier TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('active', 'stopped')),"
    "  errors BIGINT NOT NULL DEFAULT 0, stop_reason TEXT,"
    "  created_at BIGINT NOT NULL, created_by TEXT NOT NULL, updated_at BIGINT NOT NULL);"
    "CREATE INDEX fleet_release_kernel ON fleet_release (kernel_release);"
    "CREATE TABLE fleet_report ("
    "  id @SERIAL_KEY@, host_id TEXT @BINARY@ NOT NULL, kind TEXT NOT NULL,"
    "  patch TEXT NOT NULL DEFAULT '', release_id BIGINT, message TEXT NOT NULL DEFAULT '',"
    "  excerpt TEXT NOT NULL DEFAULT '', reported_at BIGINT NOT NULL,"
    "  received_at BIGINT NOT NULL);"
    "CREATE INDEX fleet_report_host ON fleet_report (host_id);"
    "CREATE TABLE fleet_audit ("
    "  id @SERIAL_KEY@, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
    "  object TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '{}');",
    /*
     * 4 -> 5: the patch pipeline (issue 8, docs/pipeline.md). Revisions are
     * never updated, only added: they are the history. A job's row carries
     * its lease; the partial claim order is served by the (state, id) index.
     */
    "CREATE TABLE patch_raw ("
    "  cve_id TEXT @BINARY@ NOT NULL, branch TEXT @BINARY@ NOT NULL, commit_id TEXT NOT NULL,"
    "  author TEXT NOT NULL, authored_at BIGINT NOT NULL, subject TEXT NOT NULL,"
    "  text TEXT NOT NULL, source TEXT, stored_at BIGINT NOT NULL,"
    "  PRIMARY KEY (cve_id, branch));"
    "CREATE TABLE patch_revision ("
    "  id @SERIAL_KEY@, cve_id TEXT @BINARY@ NOT NULL, rev INTEGER NOT NULL,"
    "  author TEXT NOT NULL, created_at BIGINT NOT NULL, message TEXT NOT NULL,"
    "  text TEXT NOT NULL, sha256 TEXT NOT NULL, UNIQUE (cve_id, rev));"
    "CREATE TABLE pipeline_job ("
    "  id @SERIAL_KEY@, revision_id BIGINT NOT NULL, kernel TEXT NOT NULL,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('queued', 'claimed', 'built', 'passed', 'failed')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, worker TEXT, lease_expires BIGINT,"
    "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
    "  module_path TEXT, module_sha256 TEXT, error TEXT, build_log TEXT, test_log TEXT);"
    "CREATE INDEX pipeline_job_state ON pipeline_job (state, id);"
    "CREATE TABLE pipeline_approval ("
    "  job_id BIGINT PRIMARY KEY, reviewer TEXT NOT NULL, approved_at BIGINT NOT NULL);",
    /*
     * 5 -> 6: build workers talk to the server with operator tokens of role
     * 'worker'. A CHECK constraint cannot be changed in place in SQLite, so
     * the table is rebuilt (the same statements work on PostgreSQL).
     */
    "CREATE TABLE fleet_operator_token_v6 ("
    "  id TEXT @BINARY@ PRIMARY KEY, name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin', 'worker')),"
    "  secret_hash TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT NOT NULL,"
    "  revoked_at BIGINT);"
    "INSERT INTO fleet_operator_token_v6 (id, name, role, secret_hash, created_at, created_by,"
    "  revoked_at) SELECT id, name, role, secret_hash, created_at, created_by, revoked_at"
    "  FROM fleet_operator_token;"
    "DROP TABLE fleet_operator_token;"
    "ALTER TABLE fleet_operator_token_v6 RENAME TO fleet_operator_token;",
    /*
     * 6 -> 7: the store's counts (every sync's summary, cve status, the
     * dashboard) scanned the whole cve table, ~45 MB, twice. The total comes
     * from the id index and the few rejected ids from this partial index,
     * which a bulk ingest maintains only for rejected records.
     */
    "CREATE INDEX cve_rejected ON cve (id) WHERE state = 'rejected';",
    /*
     * 7 -> 8: the .dyad pairs move into the cve row as the other lists did
     * (move_dyads_inline): 78,743 rows of cve_dyad at the vulns.git tip were
     * a tenth of a full ingest's time. Their stable branches, distinct and
     * comma-joined, stay queryable for `cve list --branch`; dyad_count keeps
     * cve status' total.
     */
    "ALTER TABLE cve ADD COLUMN dyads TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE cve ADD COLUMN dyad_branches TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE cve ADD COLUMN dyad_count INTEGER NOT NULL DEFAULT 0;",
};

static int move_dyads_inline(struct tt_db *db, struct tt_error *err);

/* Data moves a migration's DDL cannot spell portably, run after it (same transaction). */
static int (*const migration_code[])(struct tt_db *db, struct tt_error *err) = {
    [7] = move_dyads_inline,
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

/*
 * Replace dialect tokens with what this backend spells: "@WITHOUT_ROWID@"
 * (clustered tables), "@BINARY@" (byte-order text: keys and what is
 * sorted or joined on) and "@SERIAL_KEY@" (a generated integer key).
 */
static char *dialect_sql(struct tt_db *db, const char *sql)
{
	/* A generated integer key: SQLite's rowid alias, an identity column in PostgreSQL. */
	bool pg = strcmp(db->ops->name, "postgresql") == 0;
	const struct {
		const char *token, *value;
	} tokens[] = {
	    {"@WITHOUT_ROWID@", db->ops->without_rowid},
	    {"@BINARY@", db->ops->binary_collation},
	    {"@SERIAL_KEY@",
	     pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY"},
	};
	struct tt_buf b = TT_BUF_INIT;
	const char *p;
	while ((p = strchr(sql, '@'))) {
		size_t i = 0;
		while (i < sizeof(tokens) / sizeof(tokens[0]) &&
		       strncmp(p, tokens[i].token, strlen(tokens[i].token)) != 0)
			i++;
		tt_buf_add(&b, sql, (size_t)(p - sql));
		if (i == sizeof(tokens) / sizeof(tokens[0])) {
			tt_buf_addc(&b, '@');
			sql = p + 1;
			continue;
		}
		tt_buf_adds(&b, tokens[i].value);
		sql = p + strlen(tokens[i].token);
	}
	tt_buf_adds(&b, sql);
	return tt_buf_detach(&b);
}

/*
 * 7 -> 8: each CVE's cve_dyad rows, in pair order, become its dyads text
 * (tt_store_dyads_text) and dyad_branches; then cve_dyad goes. Done here, not
 * in SQL: string aggregation is spelled differently in SQLite and PostgreSQL.
 */
struct dyad_move {
	struct tt_db *db;
	struct tt_db_stmt *update;
	char id[TT_CVE_ID_MAX];
	struct tt_dyad *pairs;
	char (*branches)[TT_STORE_BRANCH_MAX];
	size_t n, cap;
};

static int flush_moved(struct dyad_move *m, struct tt_error *err)
{
	if (!m->n)
		return 0;
	struct tt_buf text = TT_BUF_INIT, branches = TT_BUF_INIT;
	tt_store_dyads_text(m->pairs, m->n, &text);
	tt_store_dyad_branches_text((const char(*)[TT_STORE_BRANCH_MAX])m->branches, m->n,
				    &branches);
	tt_db_bind_textn(m->db, m->update, 1, tt_buf_str(&text), text.len);
	tt_db_bind_textn(m->db, m->update, 2, tt_buf_str(&branches), branches.len);
	tt_db_bind_int64(m->db, m->update, 3, (int64_t)m->n);
	tt_db_bind_text(m->db, m->update, 4, m->id);
	int r = tt_db_run(m->db, m->update, err);
	tt_buf_free(&text);
	tt_buf_free(&branches);
	tt_dyads_free(m->pairs, m->n);
	m->pairs = NULL;
	m->n = m->cap = 0;
	return r;
}

static void add_moved(struct dyad_move *m, struct tt_db *db, struct tt_db_stmt *st)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->pairs = tt_xrealloc(m->pairs, m->cap * sizeof(*m->pairs));
		m->branches = tt_xrealloc(m->branches, m->cap * sizeof(*m->branches));
	}
	const char *f[4];
	for (int i = 0; i < 4; i++)
		f[i] = tt_db_text(db, st, 2 + i);
	m->pairs[m->n] = (struct tt_dyad){
	    .vuln_version = f[0] ? tt_xstrdup(f[0]) : NULL,
	    .vuln_commit = f[1] ? tt_xstrdup(f[1]) : NULL,
	    .fix_version = f[2] ? tt_xstrdup(f[2]) : NULL,
	    .fix_commit = f[3] ? tt_xstrdup(f[3]) : NULL,
	};
	const char *branch = tt_db_text(db, st, 1);
	snprintf(m->branches[m->n], sizeof(m->branches[m->n]), "%s", branch ? branch : "");
	m->n++;
}

static int move_dyads_inline(struct tt_db *db, struct tt_error *err)
{
	struct dyad_move m = {.db = db};
	struct tt_db_stmt *rows;
	int r = tt_db_prepare(db,
			      "SELECT cve_id, branch, vuln_version, vuln_commit, fix_version, "
			      "fix_commit FROM cve_dyad ORDER BY cve_id, seq",
			      &rows, err);
	if (r < 0)
		return r;
	r = tt_db_prepare(
	    db, "UPDATE cve SET dyads = ?, dyad_branches = ?, dyad_count = ? WHERE id = ?",
	    &m.update, err);
	while (r == 0 && (r = tt_db_step(db, rows, err)) == TT_DB_ROW) {
		const char *id = tt_db_text(db, rows, 0);
		r = 0;
		if (!id || strcmp(id, m.id) != 0) {
			r = flush_moved(&m, err);
			snprintf(m.id, sizeof(m.id), "%s", id ? id : "");
		}
		if (r == 0)
			add_moved(&m, db, rows);
	}
	tt_db_finalize(db, rows);
	if (r == 0)
		r = flush_moved(&m, err);
	tt_dyads_free(m.pairs, m.n);
	free(m.branches);
	tt_db_finalize(db, m.update);
	if (r == 0)
		r = tt_db_exec(db, "DROP TABLE cve_dyad", err);
	return r;
}

/* One migration's DDL and the version it leaves, inside the caller's transaction. */
static int apply(struct tt_db *db, int from, struct tt_error *err)
{
	char *ddl = dialect_sql(db, migrations[from]);
	int r = tt_db_exec(db, ddl, err);
	free(ddl);
	int n_code = (int)(sizeof(migration_code) / sizeof(migration_code[0]));
	if (r == 0 && from < n_code && migration_code[from])
		r = migration_code[from](db, err);
	if (r == 0) {
		char sql[128];
		snprintf(sql, sizeof(sql),
			 "INSERT INTO meta (key, value) VALUES ('schema.version', '%d') "
			 "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			 from + 1);
		r = tt_db_exec(db, sql, err);
	}
	if (r < 0)
		return tt_error_prefix(
		    err, "migrating the store schema from version %d to %d: ", from, from + 1);
	return 0;
}

/*
 * All pending migrations in one transaction: a store is upgraded wholly or
 * not at all, and a new store costs one commit (one set of syncs), not one
 * per schema version.
 */
static int apply_all(struct tt_db *db, int version, struct tt_error *err)
{
	if (version == N_MIGRATIONS)
		return 0;
	int r = tt_db_exec(db, "BEGIN", err);
	for (int v = version; r == 0 && v < N_MIGRATIONS; v++)
		r = apply(db, v, err);
	if (r == 0)
		r = tt_db_exec(db, "COMMIT", err);
	if (r < 0)
		tt_db_exec(db, "ROLLBACK", NULL);
	return r;
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
	return apply_all(db, version, err);
}
