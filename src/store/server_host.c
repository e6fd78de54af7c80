// SPDX-License-Identifier: GPL-2.0-or-later
/* The fleet store: hosts, their secrets and reported patches. */
#include <errno.h>
#include <string.h>

#include "server_db.h"
#include "tuxtape/util.h"

void tt_fleet_host_auth_free(struct tt_fleet_host_auth *a)
{
	free(a->machine_id);
	free(a->secret_hash);
	free(a->labels);
	free(a->patches_digest);
	free(a->kernel_release);
	memset(a, 0, sizeof(*a));
}

int tt_fleet_host_auth_get(struct tt_fleet_db *f, const char *host_id,
			   struct tt_fleet_host_auth *out, struct tt_error *err)
{
	struct tt_db_stmt *st;
	memset(out, 0, sizeof(*out));
	int r = tt_fleet_stmt(f, FS_HOST_AUTH, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, host_id);
	r = tt_db_step(f->db, st, err);
	if (r == TT_DB_ROW) {
		out->machine_id = tt_fleet_column_dup(f, st, 0);
		out->secret_hash = tt_fleet_column_dup(f, st, 1);
		out->labels = tt_fleet_column_dup(f, st, 2);
		out->patches_digest = tt_fleet_column_dup(f, st, 3);
		out->kernel_release = tt_fleet_column_dup(f, st, 4);
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -ENOENT, "no host %s", host_id);
	}
	tt_db_reset(f->db, st);
	return r;
}

int tt_fleet_host_by_machine(struct tt_fleet_db *f, const char *machine_id, char **host_id,
			     struct tt_error *err)
{
	struct tt_db_stmt *st;
	*host_id = NULL;
	int r = tt_fleet_stmt(f, FS_HOST_BY_MACHINE, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, machine_id);
	r = tt_db_step(f->db, st, err);
	if (r == TT_DB_ROW)
		*host_id = tt_fleet_column_dup(f, st, 0);
	tt_db_reset(f->db, st);
	return r < 0 ? r : 0;
}

static int host_insert(struct tt_fleet_db *f, const struct tt_fleet_host_enrollment *e,
		       struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_HOST_INSERT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, e->id);
	tt_db_bind_text(f->db, st, 2, e->machine_id);
	tt_db_bind_text(f->db, st, 3, e->hostname);
	tt_db_bind_text(f->db, st, 4, e->labels);
	tt_db_bind_int64(f->db, st, 5, e->now);
	tt_db_bind_text(f->db, st, 6, e->kernel_release);
	return tt_db_run(f->db, st, err);
}

static int host_reenroll(struct tt_fleet_db *f, const struct tt_fleet_host_enrollment *e,
			 struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_HOST_REENROLL, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, e->hostname);
	tt_db_bind_text(f->db, st, 2, e->labels);
	tt_db_bind_text(f->db, st, 3, e->kernel_release);
	tt_db_bind_int64(f->db, st, 4, e->now);
	tt_db_bind_text(f->db, st, 5, e->id);
	return tt_db_run(f->db, st, err);
}

int tt_fleet_host_enroll(struct tt_fleet_db *f, const struct tt_fleet_host_enrollment *e,
			 struct tt_error *err)
{
	_cleanup_free_ char *existing = NULL;
	int r = tt_fleet_host_by_machine(f, e->machine_id, &existing, err);
	if (r < 0)
		return r;
	r = existing ? host_reenroll(f, e, err) : host_insert(f, e, err);
	if (r < 0)
		return r;
	struct tt_db_stmt *st;
	r = tt_fleet_stmt(f, FS_SECRET_PUT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, e->id);
	tt_db_bind_text(f->db, st, 2, e->secret_hash);
	tt_db_bind_int64(f->db, st, 3, e->now);
	return tt_db_run(f->db, st, err);
}

int tt_fleet_host_heartbeat(struct tt_fleet_db *f, const struct tt_fleet_heartbeat_row *row,
			    struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_HOST_HEARTBEAT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, row->kernel_release);
	tt_db_bind_text(f->db, st, 2, row->kernel_build_id);
	tt_db_bind_text(f->db, st, 3, row->agent_version);
	tt_db_bind_text(f->db, st, 4, row->boot_id);
	tt_db_bind_int64(f->db, st, 5, row->uptime);
	tt_db_bind_text(f->db, st, 6, row->tier);
	tt_db_bind_text(f->db, st, 7, row->patches_digest);
	tt_db_bind_int64(f->db, st, 8, row->now);
	tt_db_bind_text(f->db, st, 9, row->host_id);
	return tt_db_run(f->db, st, err);
}

int tt_fleet_host_patches_replace(struct tt_fleet_db *f, const char *host_id,
				  const struct tt_patch_state *patches, size_t n,
				  struct tt_error *err)
{
	struct tt_db_stmt *del, *ins;
	int r = tt_fleet_stmt(f, FS_PATCH_DELETE, &del, err);
	if (r == 0)
		r = tt_fleet_stmt(f, FS_PATCH_INSERT, &ins, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, del, 1, host_id);
	r = tt_db_run(f->db, del, err);
	for (size_t i = 0; r == 0 && i < n; i++) {
		tt_db_bind_text(f->db, ins, 1, host_id);
		tt_db_bind_text(f->db, ins, 2, patches[i].name);
		tt_db_bind_text(f->db, ins, 3, patches[i].target);
		tt_db_bind_text(f->db, ins, 4, patches[i].sha256);
		tt_db_bind_text(f->db, ins, 5, patches[i].state);
		tt_db_bind_int64(f->db, ins, 6, patches[i].transition);
		r = tt_db_run(f->db, ins, err);
	}
	return r;
}

/* Read queries that only operators run: prepared per call, so the hot cache stays small. */
static int query_json(struct tt_fleet_db *f, const char *sql, const char *const *binds,
		      const char *const *keys, const char *types, json_t *out, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(f->db, sql, &st, err);
	if (r < 0)
		return r;
	for (int i = 0; binds && binds[i]; i++)
		tt_db_bind_text(f->db, st, i + 1, binds[i]);
	r = tt_fleet_rows_json(f, st, keys, types, out, err);
	tt_db_finalize(f->db, st);
	return r;
}

int tt_fleet_query_json(struct tt_fleet_db *f, const char *sql, const char *const *binds,
			const char *const *keys, const char *types, json_t **out,
			struct tt_error *err)
{
	*out = json_array();
	int r = query_json(f, sql, binds, keys, types, *out, err);
	if (r < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}

static const char *const host_keys[] = {
    "host_id",	      "machine_id",	 "hostname",	  "labels",  "enrolled_at",
    "kernel_release", "kernel_build_id", "agent_version", "boot_id", "uptime",
    "tier",	      "last_heartbeat",	 "heartbeats",	  NULL};
static const char host_types[] = "sssjissssisii";

/* Attach each host's patches and its count of reports. */
static int host_details(struct tt_fleet_db *f, json_t *host, struct tt_error *err)
{
	static const char *const patch_keys[] = {"name",  "target",	"sha256",
						 "state", "transition", NULL};
	const char *id = json_string_value(json_object_get(host, "host_id"));
	const char *binds[] = {id, NULL};
	json_t *patches;
	int r = tt_fleet_query_json(f,
				    "SELECT name, target, sha256, state, transition FROM "
				    "fleet_host_patch WHERE host_id = ? ORDER BY name",
				    binds, patch_keys, "ssssi", &patches, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < json_array_size(patches); i++) {
		json_t *p = json_array_get(patches, i);
		json_object_set_new(
		    p, "transition",
		    json_boolean(json_integer_value(json_object_get(p, "transition"))));
	}
	json_object_set_new(host, "patches", patches);
	static const char *const count_keys[] = {"reports", NULL};
	json_t *count;
	r = tt_fleet_query_json(f, "SELECT COUNT(*) FROM fleet_report WHERE host_id = ?", binds,
				count_keys, "i", &count, err);
	if (r < 0)
		return r;
	json_object_set(host, "reports", json_object_get(json_array_get(count, 0), "reports"));
	json_decref(count);
	return 0;
}

int tt_fleet_hosts_json(struct tt_fleet_db *f, const char *host_id, json_t **out,
			struct tt_error *err)
{
	const char *binds[] = {host_id, NULL};
	_cleanup_free_ char *sql = tt_xasprintf(
	    "SELECT id, machine_id, hostname, labels, enrolled_at, kernel_release, "
	    "kernel_build_id, agent_version, boot_id, uptime, tier, last_seen, heartbeats "
	    "FROM fleet_host %s ORDER BY id",
	    host_id ? "WHERE id = ?" : "");
	int r =
	    tt_fleet_query_json(f, sql, host_id ? binds : NULL, host_keys, host_types, out, err);
	for (size_t i = 0; r == 0 && i < json_array_size(*out); i++)
		r = host_details(f, json_array_get(*out, i), err);
	if (r < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return r;
}
