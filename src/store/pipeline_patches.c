// SPDX-License-Identifier: GPL-2.0-or-later
/* The pipeline's patches in the store: raw patches per CVE and branch, and revisions. */
#include <errno.h>
#include <string.h>

#include "pipeline_db.h"
#include "tuxtape/util.h"

void tt_raw_patch_free(struct tt_raw_patch *p)
{
	if (!p)
		return;
	free(p->cve_id);
	free(p->branch);
	free(p->commit_id);
	free(p->author);
	free(p->subject);
	free(p->text);
	free(p->source);
	memset(p, 0, sizeof(*p));
}

void tt_patch_revision_free(struct tt_patch_revision *r)
{
	if (!r)
		return;
	free(r->cve_id);
	free(r->author);
	free(r->message);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

static int require_cve(struct tt_store *s, const char *cve_id, struct tt_error *err)
{
	bool exists = false;
	enum tt_cve_state state;
	int r = tt_store_cve_state(s, cve_id, &exists, &state, err);
	if (r < 0)
		return r;
	if (!exists)
		return tt_error_set(err, -ENOENT,
				    "%s is not in the store %s (run `tuxtape cve sync` first, or "
				    "check the id)",
				    cve_id, tt_store_location(s));
	return 0;
}

static int raw_insert(struct tt_store *s, const struct tt_raw_patch *p, int64_t now,
		      struct tt_error *err)
{
	_cleanup_free_ char *author = tt_pipe_clean_text(p->author, 0);
	_cleanup_free_ char *subject = tt_pipe_clean_text(p->subject, 0);
	_cleanup_free_ char *text = tt_pipe_clean_text(p->text, 0);
	const char *const texts[] = {p->cve_id, p->branch, p->commit_id, author, NULL};
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(
	    s,
	    "INSERT INTO patch_raw (cve_id, branch, commit_id, author, authored_at, subject, text, "
	    "source, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (cve_id, branch) DO UPDATE SET commit_id = excluded.commit_id, "
	    "author = excluded.author, authored_at = excluded.authored_at, "
	    "subject = excluded.subject, text = excluded.text, source = excluded.source, "
	    "stored_at = excluded.stored_at",
	    texts, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(s->db, st, 5, p->authored_at);
	tt_db_bind_text(s->db, st, 6, subject);
	tt_db_bind_text(s->db, st, 7, text);
	tt_db_bind_text(s->db, st, 8, p->source);
	tt_db_bind_int64(s->db, st, 9, now);
	r = tt_db_run(s->db, st, err);
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_raw_patch_put(struct tt_store *s, const struct tt_raw_patch *p, int64_t now,
			   struct tt_error *err)
{
	int r = tt_pipe_begin(s, err);
	if (r < 0)
		return r;
	r = require_cve(s, p->cve_id, err);
	if (r == 0)
		r = raw_insert(s, p, now, err);
	r = tt_pipe_end(s, r, err);
	if (r < 0)
		return tt_error_prefix(err, "storing the raw patch of %s: ", p->cve_id);
	return 0;
}

int tt_store_raw_patch_get(struct tt_store *s, const char *cve_id, const char *branch,
			   struct tt_raw_patch *out, struct tt_error *err)
{
	const char *const texts[] = {cve_id, branch, NULL};
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s,
				branch ? "SELECT cve_id, branch, commit_id, author, authored_at, "
					 "subject, text, source, stored_at FROM patch_raw "
					 "WHERE cve_id = ? AND branch = ?"
				       : "SELECT cve_id, branch, commit_id, author, authored_at, "
					 "subject, text, source, stored_at FROM patch_raw "
					 "WHERE cve_id = ? ORDER BY stored_at DESC, branch LIMIT 1",
				texts, &st, err);
	if (r < 0)
		return r;
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		memset(out, 0, sizeof(*out));
		out->cve_id = tt_pipe_column_dup(s, st, 0);
		out->branch = tt_pipe_column_dup(s, st, 1);
		out->commit_id = tt_pipe_column_dup(s, st, 2);
		out->author = tt_pipe_column_dup(s, st, 3);
		out->authored_at = tt_db_int64(s->db, st, 4);
		out->subject = tt_pipe_column_dup(s, st, 5);
		out->text = tt_pipe_column_dup(s, st, 6);
		out->source = tt_pipe_column_dup(s, st, 7);
		out->stored_at = tt_db_int64(s->db, st, 8);
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -ENOENT,
				 "%s has no raw patch%s%s (make one with `tuxtape cve "
				 "fix %s --linux-git PATH`)",
				 cve_id, branch ? " for branch " : "", branch ? branch : "",
				 cve_id);
	}
	tt_db_finalize(s->db, st);
	return r;
}

/* ---- revisions ---- */

static const char revision_columns[] =
    "SELECT id, cve_id, rev, author, created_at, message, text, sha256 FROM patch_revision ";

static void revision_from_row(struct tt_store *s, struct tt_db_stmt *st,
			      struct tt_patch_revision *out)
{
	memset(out, 0, sizeof(*out));
	out->id = tt_db_int64(s->db, st, 0);
	out->cve_id = tt_pipe_column_dup(s, st, 1);
	out->rev = (long)tt_db_int64(s->db, st, 2);
	out->author = tt_pipe_column_dup(s, st, 3);
	out->created_at = tt_db_int64(s->db, st, 4);
	out->message = tt_pipe_column_dup(s, st, 5);
	out->text = tt_pipe_column_dup(s, st, 6);
	const char *sha = tt_db_text(s->db, st, 7);
	snprintf(out->sha256, sizeof(out->sha256), "%s", sha ? sha : "");
}

static int next_rev(struct tt_store *s, const char *cve_id, long *rev, struct tt_error *err)
{
	const char *const texts[] = {cve_id, NULL};
	struct tt_db_stmt *st;
	int r =
	    tt_pipe_prepare(s, "SELECT COALESCE(MAX(rev), 0) FROM patch_revision WHERE cve_id = ?",
			    texts, &st, err);
	if (r < 0)
		return r;
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		*rev = (long)tt_db_int64(s->db, st, 0) + 1;
		r = 0;
	}
	tt_db_finalize(s->db, st);
	return r < 0 ? r : 0;
}

static int revision_insert(struct tt_store *s, struct tt_patch_revision *rv, struct tt_error *err)
{
	const char *const texts[] = {rv->cve_id, NULL};
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s,
				"INSERT INTO patch_revision (cve_id, rev, author, created_at, "
				"message, text, sha256) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
				texts, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(s->db, st, 2, rv->rev);
	tt_db_bind_text(s->db, st, 3, rv->author);
	tt_db_bind_int64(s->db, st, 4, rv->created_at);
	tt_db_bind_text(s->db, st, 5, rv->message);
	tt_db_bind_text(s->db, st, 6, rv->text);
	tt_db_bind_text(s->db, st, 7, rv->sha256);
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		rv->id = tt_db_int64(s->db, st, 0);
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -EIO, "the new revision's id was not returned");
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_revision_add(struct tt_store *s, const char *cve_id, const char *author,
			  const char *message, const char *text, int64_t now,
			  struct tt_patch_revision *out, struct tt_error *err)
{
	if (!author || !author[0] || !message || !message[0])
		return tt_error_set(err, -EINVAL, "a revision needs an author and a message");
	struct tt_patch_revision rv = {
	    .cve_id = tt_xstrdup(cve_id),
	    .author = tt_pipe_clean_text(author, 0),
	    .message = tt_pipe_clean_text(message, 0),
	    .text = tt_pipe_clean_text(text, 0),
	    .created_at = now,
	};
	tt_pipe_sha256_hex(rv.text, strlen(rv.text), rv.sha256);
	int r = tt_pipe_begin(s, err);
	if (r == 0) {
		r = require_cve(s, cve_id, err);
		if (r == 0)
			r = next_rev(s, cve_id, &rv.rev, err);
		if (r == 0)
			r = revision_insert(s, &rv, err);
		r = tt_pipe_end(s, r, err);
	}
	if (r < 0 || !out)
		tt_patch_revision_free(&rv);
	else
		*out = rv;
	if (r < 0)
		return tt_error_prefix(err, "recording a revision of %s: ", cve_id);
	return 0;
}

int tt_store_revision_get(struct tt_store *s, const char *cve_id, long rev,
			  struct tt_patch_revision *out, struct tt_error *err)
{
	const char *const texts[] = {cve_id, NULL};
	_cleanup_free_ char *sql =
	    tt_xasprintf("%s WHERE cve_id = ? %s", revision_columns,
			 rev > 0 ? "AND rev = ?" : "ORDER BY rev DESC LIMIT 1");
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s, sql, texts, &st, err);
	if (r < 0)
		return r;
	if (rev > 0)
		tt_db_bind_int64(s->db, st, 2, rev);
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		revision_from_row(s, st, out);
		r = 0;
	} else if (r == TT_DB_DONE && rev > 0) {
		r = tt_error_set(err, -ENOENT,
				 "%s has no revision %ld (see `tuxtape patch history %s`)", cve_id,
				 rev, cve_id);
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -ENOENT,
				 "%s has no deployable patch yet (record one with `tuxtape patch "
				 "revise %s --file PATCH --author NAME -m MESSAGE`)",
				 cve_id, cve_id);
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_revision_list(struct tt_store *s, const char *cve_id,
			   int (*cb)(void *ctx, const struct tt_patch_revision *r), void *ctx,
			   struct tt_error *err)
{
	const char *const texts[] = {cve_id, NULL};
	_cleanup_free_ char *sql =
	    tt_xasprintf("%s WHERE cve_id = ? ORDER BY rev", revision_columns);
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s, sql, texts, &st, err);
	if (r < 0)
		return r;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_patch_revision rv;
		revision_from_row(s, st, &rv);
		r = cb(ctx, &rv);
		tt_patch_revision_free(&rv);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	return r;
}
