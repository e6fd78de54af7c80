// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The build-and-test job queue in the store. Every change of a job's state
 * is one UPDATE guarded by the state it leaves (and, for a worker's report,
 * by the claim it holds), so two writers can never both move the same job:
 * the second finds no row and is told so.
 */
#include <errno.h>
#include <string.h>

#include "pipeline_db.h"
#include "tuxtape/util.h"

/* Logs beyond this keep their tail: the end of a build log says why it failed. */
#define LOG_MAX (1024 * 1024)

static const char *const state_names[] = {
    [TT_JOB_QUEUED] = "queued", [TT_JOB_CLAIMED] = "claimed", [TT_JOB_BUILT] = "built",
    [TT_JOB_PASSED] = "passed", [TT_JOB_FAILED] = "failed",
};

const char *tt_job_state_name(enum tt_job_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s]
									  : "unknown";
}

int tt_job_state_parse(const char *name, enum tt_job_state *out)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (name && strcmp(name, state_names[i]) == 0) {
			*out = (enum tt_job_state)i;
			return 0;
		}
	return -EINVAL;
}

bool tt_job_transition_allowed(enum tt_job_state from, enum tt_job_state to)
{
	switch (from) {
	case TT_JOB_QUEUED:
		return to == TT_JOB_CLAIMED;
	case TT_JOB_CLAIMED:
		/* queued again: the lease ran out; failed: the build did, or too many leases. */
		return to == TT_JOB_BUILT || to == TT_JOB_FAILED || to == TT_JOB_QUEUED;
	case TT_JOB_BUILT:
		return to == TT_JOB_PASSED || to == TT_JOB_FAILED || to == TT_JOB_QUEUED;
	case TT_JOB_PASSED:
	case TT_JOB_FAILED:
		return false; /* results stay; a new attempt is a new job */
	}
	return false;
}

void tt_job_free(struct tt_job *j)
{
	if (!j)
		return;
	free(j->worker);
	free(j->cve_id);
	free(j->kernel);
	free(j->patch_text);
	memset(j, 0, sizeof(*j));
}

/* Row locks for a claim: PostgreSQL skips rows another claim holds; SQLite has one writer. */
static const char *skip_locked(struct tt_store *s)
{
	return tt_pipe_is_pg(s) ? " FOR UPDATE SKIP LOCKED" : "";
}

static int insert_job(struct tt_store *s, int64_t revision_id, const char *kernel, int64_t now,
		      int64_t *id, struct tt_error *err)
{
	if (!kernel || !kernel[0])
		return tt_error_set(err, -EINVAL, "a job needs a target kernel");
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s,
				"INSERT INTO pipeline_job (revision_id, kernel, state, created_at, "
				"updated_at) VALUES (?, ?, 'queued', ?, ?) RETURNING id",
				NULL, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(s->db, st, 1, revision_id);
	tt_db_bind_text(s->db, st, 2, kernel);
	tt_db_bind_int64(s->db, st, 3, now);
	tt_db_bind_int64(s->db, st, 4, now);
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		*id = tt_db_int64(s->db, st, 0);
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -EIO, "the new job's id was not returned");
	}
	tt_db_finalize(s->db, st);
	return r < 0 ? tt_error_prefix(err, "for %s: ", kernel) : 0;
}

int tt_store_jobs_enqueue(struct tt_store *s, const char *cve_id, long rev,
			  const char *const *kernels, size_t n, int64_t now, int64_t *ids,
			  struct tt_error *err)
{
	struct tt_patch_revision rv = {0};
	int r = tt_pipe_begin(s, err);
	if (r < 0)
		return r;
	/* The revision is looked up in the transaction that queues its jobs. */
	r = tt_store_revision_get(s, cve_id, rev, &rv, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = insert_job(s, rv.id, kernels[i], now, &ids[i], err);
	tt_patch_revision_free(&rv);
	r = tt_pipe_end(s, r, err);
	return r < 0 ? tt_error_prefix(err, "queueing %s: ", cve_id) : 0;
}

int tt_store_job_enqueue(struct tt_store *s, const char *cve_id, long rev, const char *kernel,
			 int64_t now, int64_t *id, struct tt_error *err)
{
	return tt_store_jobs_enqueue(s, cve_id, rev, &kernel, 1, now, id, err);
}

/* In a transaction: jobs whose lease ran out go back to the queue, or fail. */
static int expire_leases(struct tt_store *s, int64_t now, const struct tt_queue_policy *pol,
			 long *n, struct tt_error *err)
{
	_cleanup_free_ char *sql = tt_xasprintf(
	    "UPDATE pipeline_job SET "
	    "state = CASE WHEN attempts >= ? THEN 'failed' ELSE 'queued' END, "
	    "error = CASE WHEN attempts >= ? THEN 'the lease of worker ' || worker || "
	    "' ran out (' || attempts || ' claims): the worker stopped or hung' ELSE error END, "
	    "lease_expires = NULL, updated_at = ? "
	    "WHERE id IN (SELECT id FROM pipeline_job WHERE state IN ('claimed', 'built') "
	    "AND lease_expires < ?%s) RETURNING id",
	    skip_locked(s));
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s, sql, NULL, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(s->db, st, 1, pol->max_attempts);
	tt_db_bind_int64(s->db, st, 2, pol->max_attempts);
	tt_db_bind_int64(s->db, st, 3, now);
	tt_db_bind_int64(s->db, st, 4, now);
	long count = 0;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW)
		count++;
	tt_db_finalize(s->db, st);
	if (n)
		*n = count;
	return r < 0 ? r : 0;
}

int tt_store_job_expire(struct tt_store *s, int64_t now, const struct tt_queue_policy *pol, long *n,
			struct tt_error *err)
{
	int r = tt_pipe_begin(s, err);
	if (r < 0)
		return r;
	r = expire_leases(s, now, pol, n, err);
	return tt_pipe_end(s, r, err);
}

/* The oldest queued job's id, locked for this transaction; 0 when none. */
static int pick_queued(struct tt_store *s, int64_t *id, struct tt_error *err)
{
	_cleanup_free_ char *sql =
	    tt_xasprintf("SELECT id FROM pipeline_job WHERE state = 'queued' ORDER BY id LIMIT 1%s",
			 skip_locked(s));
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s, sql, NULL, &st, err);
	if (r < 0)
		return r;
	r = tt_db_step(s->db, st, err);
	*id = r == TT_DB_ROW ? tt_db_int64(s->db, st, 0) : 0;
	tt_db_finalize(s->db, st);
	return r < 0 ? r : 0;
}

/*
 * Mark job id (locked, queued) claimed by worker; *attempt: the claim's number.
 * A claim starts clean: what a lost claim left (its module, logs) is not this one's.
 */
static int mark_claimed(struct tt_store *s, int64_t id, const char *worker, int64_t now,
			const struct tt_queue_policy *pol, int *attempt, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s,
				"UPDATE pipeline_job SET state = 'claimed', worker = ?, "
				"attempts = attempts + 1, lease_expires = ?, updated_at = ?, "
				"module_path = NULL, module_sha256 = NULL, error = NULL, "
				"build_log = NULL, test_log = NULL "
				"WHERE id = ? AND state = 'queued' RETURNING attempts",
				NULL, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, worker);
	tt_db_bind_int64(s->db, st, 2, now + pol->lease_seconds);
	tt_db_bind_int64(s->db, st, 3, now);
	tt_db_bind_int64(s->db, st, 4, id);
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		*attempt = (int)tt_db_int64(s->db, st, 0);
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -EIO, "job %lld was not queued when claimed", (long long)id);
	}
	tt_db_finalize(s->db, st);
	return r;
}

/* What the worker needs of a claimed job: its revision's patch and the target. */
static int load_claimed(struct tt_store *s, int64_t id, struct tt_job *job, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s,
				"SELECT r.cve_id, r.rev, j.kernel, r.text FROM pipeline_job j "
				"JOIN patch_revision r ON r.id = j.revision_id WHERE j.id = ?",
				NULL, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(s->db, st, 1, id);
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		job->cve_id = tt_pipe_column_dup(s, st, 0);
		job->rev = (long)tt_db_int64(s->db, st, 1);
		job->kernel = tt_pipe_column_dup(s, st, 2);
		job->patch_text = tt_pipe_column_dup(s, st, 3);
		r = 0;
	} else if (r == TT_DB_DONE) {
		r = tt_error_set(err, -EIO, "job %lld has no revision", (long long)id);
	}
	tt_db_finalize(s->db, st);
	return r;
}

static int take_job(struct tt_store *s, int64_t id, const char *worker, int64_t now,
		    const struct tt_queue_policy *pol, struct tt_job *job, struct tt_error *err)
{
	int r = mark_claimed(s, id, worker, now, pol, &job->attempt, err);
	if (r == 0)
		r = load_claimed(s, id, job, err);
	if (r < 0)
		return r;
	job->id = id;
	job->worker = tt_xstrdup(worker);
	job->lease_expires = now + pol->lease_seconds;
	return 0;
}

int tt_store_job_claim(struct tt_store *s, const char *worker, int64_t now,
		       const struct tt_queue_policy *pol, struct tt_job *job, bool *got,
		       struct tt_error *err)
{
	memset(job, 0, sizeof(*job));
	*got = false;
	int64_t id = 0;
	int r = tt_pipe_begin(s, err);
	if (r < 0)
		return tt_error_prefix(err, "claiming a job: ");
	r = expire_leases(s, now, pol, NULL, err);
	if (r == 0)
		r = pick_queued(s, &id, err);
	if (r == 0 && id)
		r = take_job(s, id, worker, now, pol, job, err);
	r = tt_pipe_end(s, r, err);
	if (r < 0) {
		tt_job_free(job);
		return tt_error_prefix(err, "claiming a job: ");
	}
	*got = id != 0;
	return 0;
}

/*
 * Move job from state `from` with the worker's report. Guarded by the claim
 * (worker and attempt): a worker whose lease ran out and whose job was
 * claimed again cannot overwrite the new claim's results.
 */
static int report(struct tt_store *s, const struct tt_job *job, enum tt_job_state from,
		  enum tt_job_state to, const struct tt_job_report *rep, int64_t lease_until,
		  int64_t now, struct tt_error *err)
{
	bool build = from == TT_JOB_CLAIMED;
	_cleanup_free_ char *log = tt_pipe_clean_text(rep->log ? rep->log : "", LOG_MAX);
	_cleanup_free_ char *error = tt_pipe_clean_text(rep->error, 0);
	_cleanup_free_ char *sql =
	    tt_xasprintf("UPDATE pipeline_job SET state = ?, %s = ?, error = ?, updated_at = ?, "
			 "lease_expires = ?, module_path = COALESCE(?, module_path), "
			 "module_sha256 = COALESCE(?, module_sha256) "
			 "WHERE id = ? AND state = ? AND worker = ? AND attempts = ? RETURNING id",
			 build ? "build_log" : "test_log");
	struct tt_db_stmt *st;
	int r = tt_pipe_begin(s, err);
	if (r == 0)
		r = tt_pipe_prepare(s, sql, NULL, &st, err);
	if (r == 0) {
		tt_db_bind_text(s->db, st, 1, tt_job_state_name(to));
		tt_db_bind_text(s->db, st, 2, log);
		tt_db_bind_text(s->db, st, 3, error);
		tt_db_bind_int64(s->db, st, 4, now);
		if (lease_until)
			tt_db_bind_int64(s->db, st, 5, lease_until);
		else
			tt_db_bind_text(s->db, st, 5, NULL);
		tt_db_bind_text(s->db, st, 6, rep->module_path);
		tt_db_bind_text(s->db, st, 7, rep->module_sha256);
		tt_db_bind_int64(s->db, st, 8, job->id);
		tt_db_bind_text(s->db, st, 9, tt_job_state_name(from));
		tt_db_bind_text(s->db, st, 10, job->worker);
		tt_db_bind_int64(s->db, st, 11, job->attempt);
		r = tt_db_step(s->db, st, err);
		if (r == TT_DB_DONE)
			r = tt_error_set(
			    err, -ESTALE,
			    "job %lld is no longer held by %s (claim %d): its lease ran "
			    "out and it was taken back; the result is not recorded",
			    (long long)job->id, job->worker, job->attempt);
		else if (r == TT_DB_ROW)
			r = 0;
		tt_db_finalize(s->db, st);
	}
	if (s->in_tx)
		r = tt_pipe_end(s, r, err);
	return r;
}

int tt_store_job_built(struct tt_store *s, const struct tt_job *job,
		       const struct tt_job_report *rep, int64_t now,
		       const struct tt_queue_policy *pol, struct tt_error *err)
{
	/* The boot test gets a fresh lease: the build may have used most of the first. */
	return report(s, job, TT_JOB_CLAIMED, rep->ok ? TT_JOB_BUILT : TT_JOB_FAILED, rep,
		      rep->ok ? now + pol->lease_seconds : 0, now, err);
}

int tt_store_job_tested(struct tt_store *s, const struct tt_job *job,
			const struct tt_job_report *rep, int64_t now, struct tt_error *err)
{
	return report(s, job, TT_JOB_BUILT, rep->ok ? TT_JOB_PASSED : TT_JOB_FAILED, rep, 0, now,
		      err);
}

/* ---- reading ---- */

static const char job_select[] =
    "SELECT j.id, r.cve_id, r.rev, r.author, j.kernel, j.state, j.worker, j.attempts, "
    "j.lease_expires, j.created_at, j.updated_at, j.module_path, j.module_sha256, j.error, "
    "j.build_log, j.test_log, a.reviewer, a.approved_at "
    "FROM pipeline_job j JOIN patch_revision r ON r.id = j.revision_id "
    "LEFT JOIN pipeline_approval a ON a.job_id = j.id ";

static void job_info_from_row(struct tt_store *s, struct tt_db_stmt *st, struct tt_job_info *j)
{
	struct tt_db *db = s->db;
	memset(j, 0, sizeof(*j));
	j->id = tt_db_int64(db, st, 0);
	j->cve_id = tt_db_text(db, st, 1);
	j->rev = (long)tt_db_int64(db, st, 2);
	j->author = tt_db_text(db, st, 3);
	j->kernel = tt_db_text(db, st, 4);
	if (tt_job_state_parse(tt_db_text(db, st, 5), &j->state) < 0)
		j->state = TT_JOB_FAILED;
	j->worker = tt_db_text(db, st, 6);
	j->attempts = (int)tt_db_int64(db, st, 7);
	j->lease_expires = tt_db_int64(db, st, 8);
	j->created_at = tt_db_int64(db, st, 9);
	j->updated_at = tt_db_int64(db, st, 10);
	j->module_path = tt_db_text(db, st, 11);
	j->module_sha256 = tt_db_text(db, st, 12);
	j->error = tt_db_text(db, st, 13);
	j->build_log = tt_db_text(db, st, 14);
	j->test_log = tt_db_text(db, st, 15);
	j->approved_by = tt_db_text(db, st, 16);
	j->approved_at = tt_db_int64(db, st, 17);
}

static int read_jobs(struct tt_store *s, struct tt_db_stmt *st,
		     int (*cb)(void *ctx, const struct tt_job_info *j), void *ctx, long *rows,
		     struct tt_error *err)
{
	int r;
	*rows = 0;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW) {
		struct tt_job_info j;
		job_info_from_row(s, st, &j);
		(*rows)++;
		r = cb(ctx, &j);
		if (r != 0)
			break;
	}
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_job_list(struct tt_store *s, const enum tt_job_state *state,
		      int (*cb)(void *ctx, const struct tt_job_info *j), void *ctx,
		      struct tt_error *err)
{
	_cleanup_free_ char *sql =
	    tt_xasprintf("%s%s ORDER BY j.id", job_select, state ? "WHERE j.state = ?" : "");
	const char *const texts[] = {state ? tt_job_state_name(*state) : NULL, NULL};
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s, sql, texts, &st, err);
	if (r < 0)
		return r;
	long rows;
	return read_jobs(s, st, cb, ctx, &rows, err);
}

int tt_store_job_get(struct tt_store *s, int64_t id,
		     int (*cb)(void *ctx, const struct tt_job_info *j), void *ctx,
		     struct tt_error *err)
{
	_cleanup_free_ char *sql = tt_xasprintf("%sWHERE j.id = ?", job_select);
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s, sql, NULL, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(s->db, st, 1, id);
	long rows;
	r = read_jobs(s, st, cb, ctx, &rows, err);
	if (r == 0 && rows == 0)
		return tt_error_set(err, -ENOENT, "there is no job %lld (see `tuxtape patch jobs`)",
				    (long long)id);
	return r;
}

/* ---- approval ---- */

struct approval_facts {
	char *author;
	enum tt_job_state state;
	bool approved;
};

static int keep_facts(void *ctx, const struct tt_job_info *j)
{
	struct approval_facts *f = ctx;
	f->author = tt_xstrdup(j->author);
	f->state = j->state;
	f->approved = j->approved_by != NULL;
	return 0;
}

static int approval_insert(struct tt_store *s, int64_t id, const char *reviewer, int64_t now,
			   struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_pipe_prepare(s,
				"INSERT INTO pipeline_approval (job_id, reviewer, approved_at) "
				"VALUES (?, ?, ?)",
				NULL, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_int64(s->db, st, 1, id);
	tt_db_bind_text(s->db, st, 2, reviewer);
	tt_db_bind_int64(s->db, st, 3, now);
	r = tt_db_run(s->db, st, err);
	tt_db_finalize(s->db, st);
	return r;
}

int tt_store_job_approve(struct tt_store *s, int64_t id, const char *reviewer, int64_t now,
			 struct tt_error *err)
{
	struct approval_facts f = {0};
	int r = tt_pipe_begin(s, err);
	if (r < 0)
		return r;
	/* Read inside the write transaction: the facts cannot change before the insert. */
	r = tt_store_job_get(s, id, keep_facts, &f, err);
	if (r == 0)
		r = tt_approval_check(f.author, reviewer, f.state, f.approved, err);
	if (r == 0)
		r = approval_insert(s, id, reviewer, now, err);
	r = tt_pipe_end(s, r, err);
	free(f.author);
	return r < 0 ? tt_error_prefix(err, "approving job %lld: ", (long long)id) : 0;
}
