// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fleet store's connection: a store (migrated like any other) with the
 * server's own prepared statements and write transactions. One connection
 * serves one thread at a time; the server keeps a pool of them.
 */
#include <errno.h>
#include <string.h>

#include "server_db.h"
#include "tuxtape/util.h"

static const char *const fleet_sql[FS__COUNT] = {
    [FS_HOST_AUTH] = "SELECT h.machine_id, s.secret_hash, h.labels, h.patches_digest, "
		     "h.kernel_release "
		     "FROM fleet_host h JOIN fleet_host_secret s ON s.host_id = h.id "
		     "WHERE h.id = ?",
    [FS_HOST_BY_MACHINE] = "SELECT id FROM fleet_host WHERE machine_id = ?",
    [FS_HOST_INSERT] = "INSERT INTO fleet_host (id, machine_id, hostname, labels, enrolled_at, "
		       "kernel_release) VALUES (?, ?, ?, ?, ?, ?)",
    [FS_HOST_REENROLL] = "UPDATE fleet_host SET hostname = ?, labels = ?, kernel_release = ?, "
			 "enrolled_at = ?, patches_digest = '' WHERE id = ?",
    [FS_SECRET_PUT] = "INSERT INTO fleet_host_secret (host_id, secret_hash, created_at) "
		      "VALUES (?, ?, ?) ON CONFLICT (host_id) DO UPDATE SET "
		      "secret_hash = excluded.secret_hash, created_at = excluded.created_at",
    [FS_HOST_HEARTBEAT] = "UPDATE fleet_host SET kernel_release = ?, kernel_build_id = ?, "
			  "agent_version = ?, boot_id = ?, uptime = ?, tier = ?, "
			  "patches_digest = ?, last_seen = ?, heartbeats = heartbeats + 1 "
			  "WHERE id = ?",
    [FS_PATCH_DELETE] = "DELETE FROM fleet_host_patch WHERE host_id = ?",
    [FS_PATCH_INSERT] = "INSERT INTO fleet_host_patch (host_id, name, target, sha256, state, "
			"transition) VALUES (?, ?, ?, ?, ?, ?)",
    [FS_OPERATOR_GET] = "SELECT name, role, secret_hash, revoked_at FROM fleet_operator_token "
			"WHERE id = ?",
    [FS_OPERATOR_NAME] = "SELECT 1 FROM fleet_operator_token WHERE name = ? "
			 "AND revoked_at IS NULL",
    [FS_OPERATOR_INSERT] = "INSERT INTO fleet_operator_token (id, name, role, secret_hash, "
			   "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
    [FS_OPERATOR_REVOKE] = "UPDATE fleet_operator_token SET revoked_at = ? "
			   "WHERE id = ? AND revoked_at IS NULL RETURNING id",
    [FS_ENROLL_INSERT] = "INSERT INTO fleet_enroll_token (id, secret_hash, labels, created_at, "
			 "expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
    [FS_ENROLL_GET] = "SELECT secret_hash, labels, expires_at, used_at FROM fleet_enroll_token "
		      "WHERE id = ?",
    [FS_ENROLL_USE] = "UPDATE fleet_enroll_token SET used_at = ?, used_by = ? "
		      "WHERE id = ? AND used_at IS NULL RETURNING id",
    [FS_TIERS_GET] = "SELECT name, labels, percent FROM fleet_tier ORDER BY position",
    [FS_TIERS_CLEAR] = "DELETE FROM fleet_tier",
    [FS_TIER_INSERT] = "INSERT INTO fleet_tier (position, name, labels, percent) "
		       "VALUES (?, ?, ?, ?)",
    [FS_RELEASE_INSERT] = "INSERT INTO fleet_release (patch, target, sha256, kernel_release, "
			  "kernel_build_id, replace_all, tier, state, created_at, created_by, "
			  "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?) "
			  "RETURNING id",
    [FS_RELEASE_GET] = "SELECT id, patch, target, sha256, kernel_release, kernel_build_id, "
		       "replace_all, tier, state, errors FROM fleet_release WHERE id = ?",
    [FS_RELEASE_SET_TIER] = "UPDATE fleet_release SET tier = ?, updated_at = ? WHERE id = ?",
    [FS_RELEASE_STOP] = "UPDATE fleet_release SET state = 'stopped', stop_reason = ?, "
			"updated_at = ? WHERE id = ?",
    [FS_RELEASES_KERNEL] = "SELECT id, patch, target, sha256, kernel_release, kernel_build_id, "
			   "replace_all, tier, state, errors FROM fleet_release "
			   "WHERE kernel_release = ? ORDER BY id",
    [FS_RELEASE_ACTIVE] = "SELECT id FROM fleet_release WHERE patch = ? AND kernel_release = ? "
			  "AND state = 'active' ORDER BY id DESC LIMIT 1",
    [FS_RELEASE_ERROR] = "UPDATE fleet_release SET errors = errors + 1 WHERE id = ? "
			 "RETURNING errors",
    [FS_REPORT_INSERT] = "INSERT INTO fleet_report (host_id, kind, patch, release_id, message, "
			 "excerpt, reported_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
			 "RETURNING id",
    [FS_AUDIT_INSERT] = "INSERT INTO fleet_audit (at, actor, action, object, detail) "
			"VALUES (?, ?, ?, ?, ?)",
    [FS_AUDIT_COUNT] = "SELECT COUNT(*) FROM fleet_audit",
};

int tt_fleet_stmt(struct tt_fleet_db *f, enum tt_fleet_stmt id, struct tt_db_stmt **out,
		  struct tt_error *err)
{
	if (!f->stmts[id]) {
		int r = tt_db_prepare(f->db, fleet_sql[id], &f->stmts[id], err);
		if (r < 0)
			return r;
	}
	*out = f->stmts[id];
	return 0;
}

char *tt_fleet_column_dup(struct tt_fleet_db *f, struct tt_db_stmt *st, int i)
{
	const char *v = tt_db_text(f->db, st, i);
	return tt_xstrdup(v ? v : "");
}

int tt_fleet_rows_json(struct tt_fleet_db *f, struct tt_db_stmt *st, const char *const *keys,
		       const char *types, json_t *out, struct tt_error *err)
{
	int r;
	while ((r = tt_db_step(f->db, st, err)) == TT_DB_ROW) {
		json_t *row = json_object();
		for (int i = 0; keys[i]; i++) {
			json_t *v;
			if (tt_db_text(f->db, st, i) == NULL)
				v = json_null();
			else if (types[i] == 'i')
				v = json_integer(tt_db_int64(f->db, st, i));
			else if (types[i] == 'j')
				v = json_loads(tt_db_text(f->db, st, i), 0, NULL);
			else
				v = json_string(tt_db_text(f->db, st, i));
			json_object_set_new(row, keys[i], v ? v : json_null());
		}
		json_array_append_new(out, row);
	}
	return r < 0 ? r : 0;
}

int tt_fleet_db_open(const char *location, pthread_mutex_t *write_lock, bool wal,
		     struct tt_fleet_db **out, struct tt_error *err)
{
	struct tt_store *store;
	int r = tt_store_open(location, &store, err);
	if (r < 0)
		return r;
	struct tt_fleet_db *f = tt_xcalloc(1, sizeof(*f));
	f->store = store;
	f->db = store->db;
	f->sqlite = strcmp(f->db->ops->name, "sqlite") == 0;
	f->write_lock = f->sqlite ? write_lock : NULL;
	/*
	 * WAL: heartbeats are small transactions, and WAL commits them with one
	 * append and no fsync at synchronous=NORMAL; readers never block.
	 */
	if (f->sqlite && wal)
		r = tt_db_exec(f->db, "PRAGMA journal_mode=WAL", err);
	if (r < 0) {
		tt_error_prefix(err, "%s: ", tt_store_location(store));
		tt_fleet_db_close(f);
		return r;
	}
	*out = f;
	return 0;
}

void tt_fleet_db_close(struct tt_fleet_db *f)
{
	if (!f)
		return;
	if (f->locked)
		tt_fleet_db_rollback(f);
	for (int i = 0; i < FS__COUNT; i++)
		tt_db_finalize(f->db, f->stmts[i]);
	tt_store_close(f->store);
	free(f);
}

const char *tt_fleet_db_location(const struct tt_fleet_db *f)
{
	return tt_store_location(f->store);
}

const char *tt_fleet_db_backend(const struct tt_fleet_db *f)
{
	return f->db->ops->name;
}

int tt_fleet_db_begin(struct tt_fleet_db *f, struct tt_error *err)
{
	if (f->write_lock) {
		pthread_mutex_lock(f->write_lock);
		f->locked = true;
	}
	int r = tt_db_exec(f->db, f->sqlite ? "BEGIN IMMEDIATE" : "BEGIN", err);
	if (r < 0 && f->locked) {
		f->locked = false;
		pthread_mutex_unlock(f->write_lock);
	}
	if (r == 0)
		f->store->in_tx = true;
	return r;
}

static void release_lock(struct tt_fleet_db *f)
{
	if (f->locked) {
		f->locked = false;
		pthread_mutex_unlock(f->write_lock);
	}
}

/* Statements left mid-read would keep SQLite's read snapshot (and PG results) alive. */
static void reset_all(struct tt_fleet_db *f)
{
	for (int i = 0; i < FS__COUNT; i++)
		if (f->stmts[i])
			tt_db_reset(f->db, f->stmts[i]);
}

int tt_fleet_db_commit(struct tt_fleet_db *f, struct tt_error *err)
{
	reset_all(f);
	int r = tt_store_commit(f->store, err);
	release_lock(f);
	return r;
}

void tt_fleet_db_rollback(struct tt_fleet_db *f)
{
	reset_all(f);
	tt_store_rollback(f->store);
	release_lock(f);
}
