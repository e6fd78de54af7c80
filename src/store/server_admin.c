// SPDX-License-Identifier: GPL-2.0-or-later
/* The fleet store: operator and enrollment tokens, and the audit log. */
#include <errno.h>
#include <string.h>

#include "server_db.h"
#include "tuxtape/util.h"

void tt_fleet_operator_free(struct tt_fleet_operator *o)
{
	free(o->name);
	free(o->secret_hash);
	memset(o, 0, sizeof(*o));
}

int tt_fleet_operator_get(struct tt_fleet_db *f, const char *id, struct tt_fleet_operator *out,
			  struct tt_error *err)
{
	struct tt_db_stmt *st;
	memset(out, 0, sizeof(*out));
	int r = tt_fleet_stmt(f, FS_OPERATOR_GET, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, id);
	r = tt_db_step(f->db, st, err);
	if (r == TT_DB_ROW) {
		out->name = tt_fleet_column_dup(f, st, 0);
		if (tt_role_parse(tt_db_text(f->db, st, 1), &out->role) < 0)
			out->role = TT_ROLE_NONE;
		out->secret_hash = tt_fleet_column_dup(f, st, 2);
		out->revoked = tt_db_text(f->db, st, 3) != NULL;
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -ENOENT, "no operator token %s", id);
	}
	tt_db_reset(f->db, st);
	return r;
}

int tt_fleet_operator_name_taken(struct tt_fleet_db *f, const char *name, bool *taken,
				 struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_OPERATOR_NAME, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, name);
	r = tt_db_step(f->db, st, err);
	*taken = r == TT_DB_ROW;
	tt_db_reset(f->db, st);
	return r < 0 ? r : 0;
}

int tt_fleet_operator_insert(struct tt_fleet_db *f, const char *id, const char *name,
			     enum tt_role role, const char *secret_hash, const char *created_by,
			     int64_t now, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_OPERATOR_INSERT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, id);
	tt_db_bind_text(f->db, st, 2, name);
	tt_db_bind_text(f->db, st, 3, tt_role_name(role));
	tt_db_bind_text(f->db, st, 4, secret_hash);
	tt_db_bind_int64(f->db, st, 5, now);
	tt_db_bind_text(f->db, st, 6, created_by);
	return tt_db_run(f->db, st, err);
}

/* Run an UPDATE ... RETURNING: -ENOENT (message what) when it matched no row. */
static int update_one(struct tt_fleet_db *f, struct tt_db_stmt *st, const char *what,
		      struct tt_error *err)
{
	int r = tt_db_step(f->db, st, err);
	tt_db_reset(f->db, st);
	if (r == TT_DB_DONE)
		return tt_error_set(err, -ENOENT, "%s", what);
	return r < 0 ? r : 0;
}

int tt_fleet_operator_revoke(struct tt_fleet_db *f, const char *id, int64_t now,
			     struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_OPERATOR_REVOKE, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(f->db, st, 1, now);
	tt_db_bind_text(f->db, st, 2, id);
	return update_one(f, st, "no operator token with that id, or it is revoked already", err);
}

int tt_fleet_operators_json(struct tt_fleet_db *f, json_t **out, struct tt_error *err)
{
	static const char *const keys[] = {"id",	 "name",       "role", "created_at",
					   "created_by", "revoked_at", NULL};
	return tt_fleet_query_json(f,
				   "SELECT id, name, role, created_at, created_by, revoked_at "
				   "FROM fleet_operator_token ORDER BY created_at, id",
				   NULL, keys, "sssisi", out, err);
}

int tt_fleet_enroll_token_insert(struct tt_fleet_db *f, const char *id, const char *secret_hash,
				 const char *labels, int64_t expires_at, const char *created_by,
				 int64_t now, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_ENROLL_INSERT, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, id);
	tt_db_bind_text(f->db, st, 2, secret_hash);
	tt_db_bind_text(f->db, st, 3, labels);
	tt_db_bind_int64(f->db, st, 4, now);
	tt_db_bind_int64(f->db, st, 5, expires_at);
	tt_db_bind_text(f->db, st, 6, created_by);
	return tt_db_run(f->db, st, err);
}

void tt_fleet_enroll_token_free(struct tt_fleet_enroll_token *t)
{
	free(t->secret_hash);
	free(t->labels);
	memset(t, 0, sizeof(*t));
}

int tt_fleet_enroll_token_get(struct tt_fleet_db *f, const char *id,
			      struct tt_fleet_enroll_token *out, struct tt_error *err)
{
	struct tt_db_stmt *st;
	memset(out, 0, sizeof(*out));
	int r = tt_fleet_stmt(f, FS_ENROLL_GET, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(f->db, st, 1, id);
	r = tt_db_step(f->db, st, err);
	if (r == TT_DB_ROW) {
		out->secret_hash = tt_fleet_column_dup(f, st, 0);
		out->labels = tt_fleet_column_dup(f, st, 1);
		out->expires_at = tt_db_int64(f->db, st, 2);
		out->used = tt_db_text(f->db, st, 3) != NULL;
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -ENOENT, "no enrollment token %s", id);
	}
	tt_db_reset(f->db, st);
	return r;
}

int tt_fleet_enroll_token_use(struct tt_fleet_db *f, const char *id, const char *host_id,
			      int64_t now, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_ENROLL_USE, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(f->db, st, 1, now);
	tt_db_bind_text(f->db, st, 2, host_id);
	tt_db_bind_text(f->db, st, 3, id);
	r = update_one(f, st, "the enrollment token was used already", err);
	return r == -ENOENT ? -EALREADY : r;
}

int tt_fleet_audit(struct tt_fleet_db *f, int64_t now, const char *actor, const char *action,
		   const char *object, const json_t *detail, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_AUDIT_INSERT, &st, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *text =
	    detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : tt_xstrdup("{}");
	tt_db_bind_int64(f->db, st, 1, now);
	tt_db_bind_text(f->db, st, 2, actor);
	tt_db_bind_text(f->db, st, 3, action);
	tt_db_bind_text(f->db, st, 4, object ? object : "");
	tt_db_bind_text(f->db, st, 5, text);
	return tt_db_run(f->db, st, err);
}

int tt_fleet_audit_json(struct tt_fleet_db *f, long limit, json_t **out, struct tt_error *err)
{
	static const char *const keys[] = {"id",     "time",   "actor", "action",
					   "object", "detail", NULL};
	_cleanup_free_ char *sql =
	    tt_xasprintf("SELECT id, at, actor, action, object, detail FROM fleet_audit "
			 "ORDER BY id DESC LIMIT %ld",
			 limit > 0 ? limit : 1000000L);
	return tt_fleet_query_json(f, sql, NULL, keys, "iisssj", out, err);
}

int tt_fleet_audit_count(struct tt_fleet_db *f, long *count, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_fleet_stmt(f, FS_AUDIT_COUNT, &st, err);
	if (r < 0)
		return r;
	r = tt_db_step(f->db, st, err);
	*count = r == TT_DB_ROW ? (long)tt_db_int64(f->db, st, 0) : 0;
	tt_db_reset(f->db, st);
	return r < 0 ? r : 0;
}
