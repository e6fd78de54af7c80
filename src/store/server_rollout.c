// SPDX-License-Identifier: GPL-2.0-or-later
/* The fleet store: tiers, releases and the reports hosts send about them. */
#include <errno.h>
#include <string.h>

#include "server_db.h"
#include "tuxtape/util.h"

static int tier_row(struct tt_fleet_db *f, struct tt_db_stmt *st, struct tt_tiers *out)
{
	json_t *labels = json_loads(tt_db_text(f->db, st, 1), 0, NULL);
	if (!json_is_object(labels)) {
		json_decref(labels);
		labels = json_object();
	}
	out->v = tt_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	out->v[out->n++] =
	    (struct tt_tier){tt_fleet_column_dup(f, st, 0), labels, (int)tt_db_int64(f->db, st, 2)};
	return 0;
}

int tt_fleet_tiers_get(struct tt_fleet_db *f, struct tt_tiers *out, struct tt_error *err)
{
	struct tt_db_stmt *st;
	*out = (struct tt_tiers){0};
	int r = tt_fleet_stmt(f, FS_TIERS_GET, &st, err);
	if (r < 0)
		return r;
	while ((r = tt_db_step(f->db, st, err)) == TT_DB_ROW)
		tier_row(f, st, out);
	tt_db_reset(f->db, st);
	if (r < 0) {
		tt_tiers_free(out);
		return r;
	}
	if (out->n == 0)
		tt_tiers_default(out);
	return 0;
}

int tt_fleet_tiers_put(struct tt_fleet_db *f, const struct tt_tiers *t, struct tt_error *err)
{
	struct tt_db_stmt *clear, *ins;
	int r = tt_fleet_stmt(f, FS_TIERS_CLEAR, &clear, err);
	if (r == 0)
		r = tt_fleet_stmt(f, FS_TIER_INSERT, &ins, err);
	if (r == 0)
		r = tt_db_run(f->db, clear, err);
	for (size_t i = 0; r == 0 && i < t->n; i++) {
		_cleanup_free_ char *labels = json_dumps(t->v[i].labels, JSON_COMPACT);
		tt_db_bind_int64(f->db, ins, 1, (int64_t)i);
		tt_db_bind_text(f->db, ins, 2, t->v[i].name);
		tt_db_bind_text(f->db, ins, 3, labels);
		tt_db_bind_int64(f->db, ins, 4, t->v[i].percent);
		r = tt_db_run(f->db, ins, err);
	}
	return r;
}

void tt_fleet_release_free(struct tt_fleet_release *r)
{
	free(r->patch);
	free(r->target);
	free(r->sha256);
	free(r->kernel_release);
	free(r->kernel_build_id);
	free(r->tier);
	free(r->state);
	memset(r, 0, sizeof(*r));
}

/* The columns of FS_RELEASE_GET and FS_RELEASES_KERNEL, borrowed from the row. */
static struct tt_fleet_release release_row(struct tt_fleet_db *f, struct tt_db_stmt *st)
{
	return (struct tt_fleet_release){
	    .id = tt_db_int64(f->db, st, 0),
	    .patch = (char *)tt_db_text(f->db, st, 1),
	    .target = (char *)tt_db_text(f->db, st, 2),
	    .sha256 = (char *)tt_db_text(f->db, st, 3),
	    .kernel_release = (char *)tt_db_text(f->db, st, 4),
	    .kernel_build_id = (char *)tt_db_text(f->db, st, 5),
	    .replace = tt_db_int64(f->db, st, 6) != 0,
	    .tier = (char *)tt_db_text(f->db, st, 7),
	    .state = (char *)tt_db_text(f->db, st, 8),
	    .errors = tt_db_int64(f->db, st, 9),
	};
}

int tt_fleet_release_insert(struct tt_fleet_db *f, const struct tt_release_req *req,
			    const char *created_by, int64_t now, int64_t *id, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_RELEASE_INSERT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, req->patch);
	tt_db_bind_text(f->db, st, 2, req->target);
	tt_db_bind_text(f->db, st, 3, req->sha256);
	tt_db_bind_text(f->db, st, 4, req->kernel_release);
	tt_db_bind_text(f->db, st, 5, req->kernel_build_id ? req->kernel_build_id : "");
	tt_db_bind_int64(f->db, st, 6, req->replace);
	tt_db_bind_text(f->db, st, 7, req->tier);
	tt_db_bind_int64(f->db, st, 8, now);
	tt_db_bind_text(f->db, st, 9, created_by);
	tt_db_bind_int64(f->db, st, 10, now);
	r = tt_db_step(f->db, st, err);
	if (r == TT_DB_ROW)
		*id = tt_db_int64(f->db, st, 0);
	tt_db_reset(f->db, st);
	return r < 0 ? r : 0;
}

int tt_fleet_release_get(struct tt_fleet_db *f, int64_t id, struct tt_fleet_release *out,
			 struct tt_error *err)
{
	struct tt_db_stmt *st;
	memset(out, 0, sizeof(*out));
	int r = tt_fleet_stmt(f, FS_RELEASE_GET, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(f->db, st, 1, id);
	r = tt_db_step(f->db, st, err);
	if (r == TT_DB_ROW) {
		struct tt_fleet_release row = release_row(f, st);
		*out = row;
		out->patch = tt_xstrdup(row.patch);
		out->target = tt_xstrdup(row.target);
		out->sha256 = tt_xstrdup(row.sha256);
		out->kernel_release = tt_xstrdup(row.kernel_release);
		out->kernel_build_id = tt_xstrdup(row.kernel_build_id ? row.kernel_build_id : "");
		out->tier = tt_xstrdup(row.tier);
		out->state = tt_xstrdup(row.state);
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -ENOENT, "no release %lld", (long long)id);
	}
	tt_db_reset(f->db, st);
	return r;
}

int tt_fleet_release_set_tier(struct tt_fleet_db *f, int64_t id, const char *tier, int64_t now,
			      struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_RELEASE_SET_TIER, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, tier);
	tt_db_bind_int64(f->db, st, 2, now);
	tt_db_bind_int64(f->db, st, 3, id);
	return tt_db_run(f->db, st, err);
}

int tt_fleet_release_stop(struct tt_fleet_db *f, int64_t id, const char *reason, int64_t now,
			  struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_RELEASE_STOP, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, reason);
	tt_db_bind_int64(f->db, st, 2, now);
	tt_db_bind_int64(f->db, st, 3, id);
	return tt_db_run(f->db, st, err);
}

int tt_fleet_releases_for_kernel(struct tt_fleet_db *f, const char *kernel_release,
				 int (*cb)(void *ctx, const struct tt_fleet_release *r), void *ctx,
				 struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_RELEASES_KERNEL, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, kernel_release);
	while ((r = tt_db_step(f->db, st, err)) == TT_DB_ROW) {
		struct tt_fleet_release row = release_row(f, st);
		r = cb(ctx, &row);
		if (r != 0)
			break;
	}
	tt_db_reset(f->db, st);
	return r < 0 ? r : 0;
}

int tt_fleet_release_active_id(struct tt_fleet_db *f, const char *patch, const char *kernel_release,
			       int64_t *id, struct tt_error *err)
{
	struct tt_db_stmt *st;
	*id = 0;
	int r = tt_fleet_stmt(f, FS_RELEASE_ACTIVE, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, patch);
	tt_db_bind_text(f->db, st, 2, kernel_release);
	r = tt_db_step(f->db, st, err);
	if (r == TT_DB_ROW)
		*id = tt_db_int64(f->db, st, 0);
	tt_db_reset(f->db, st);
	return r < 0 ? r : 0;
}

int tt_fleet_release_count_error(struct tt_fleet_db *f, int64_t id, int64_t *errors,
				 struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_RELEASE_ERROR, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(f->db, st, 1, id);
	r = tt_db_step(f->db, st, err);
	*errors = r == TT_DB_ROW ? tt_db_int64(f->db, st, 0) : 0;
	tt_db_reset(f->db, st);
	return r < 0 ? r : 0;
}

int tt_fleet_releases_json(struct tt_fleet_db *f, json_t **out, struct tt_error *err)
{
	static const char *const keys[] = {
	    "id",	  "patch",	"target", "sha256", "kernel_release", "kernel_build_id",
	    "replace",	  "tier",	"state",  "errors", "stop_reason",    "created_at",
	    "created_by", "updated_at", NULL};
	int r = tt_fleet_query_json(
	    f,
	    "SELECT id, patch, target, sha256, kernel_release, kernel_build_id, replace_all, tier, "
	    "state, errors, stop_reason, created_at, created_by, updated_at FROM fleet_release "
	    "ORDER BY id",
	    NULL, keys, "isssssissisisi", out, err);
	for (size_t i = 0; r == 0 && i < json_array_size(*out); i++) {
		json_t *rel = json_array_get(*out, i);
		json_object_set_new(
		    rel, "replace",
		    json_boolean(json_integer_value(json_object_get(rel, "replace"))));
	}
	return r;
}

int tt_fleet_report_insert(struct tt_fleet_db *f, const struct tt_fleet_report_row *row,
			   int64_t *id, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_REPORT_INSERT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, row->host_id);
	tt_db_bind_text(f->db, st, 2, row->kind);
	tt_db_bind_text(f->db, st, 3, row->patch);
	if (row->release_id > 0)
		tt_db_bind_int64(f->db, st, 4, row->release_id);
	else
		tt_db_bind_text(f->db, st, 4, NULL);
	tt_db_bind_text(f->db, st, 5, row->message);
	tt_db_bind_text(f->db, st, 6, row->excerpt);
	tt_db_bind_int64(f->db, st, 7, row->reported_at);
	tt_db_bind_int64(f->db, st, 8, row->received_at);
	r = tt_db_step(f->db, st, err);
	if (r == TT_DB_ROW)
		*id = tt_db_int64(f->db, st, 0);
	tt_db_reset(f->db, st);
	return r < 0 ? r : 0;
}

int tt_fleet_reports_json(struct tt_fleet_db *f, const char *patch, const char *host_id,
			  json_t **out, struct tt_error *err)
{
	static const char *const keys[] = {"id",	  "host_id", "kind",	"patch",
					   "release_id",  "message", "excerpt", "time",
					   "received_at", NULL};
	const char *binds[3] = {NULL};
	struct tt_buf sql = TT_BUF_INIT;
	tt_buf_adds(&sql, "SELECT id, host_id, kind, patch, release_id, message, excerpt, "
			  "reported_at, received_at FROM fleet_report WHERE 1 = 1");
	int n = 0;
	if (patch) {
		tt_buf_adds(&sql, " AND patch = ?");
		binds[n++] = patch;
	}
	if (host_id) {
		tt_buf_adds(&sql, " AND host_id = ?");
		binds[n++] = host_id;
	}
	tt_buf_adds(&sql, " ORDER BY id DESC LIMIT 10000");
	int r = tt_fleet_query_json(f, tt_buf_str(&sql), binds, keys, "isssissii", out, err);
	tt_buf_free(&sql);
	return r;
}
