// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The patch pipeline through the server (docs/fleet-api.md, "Build jobs";
 * docs/pipeline.md): build workers claim jobs, upload the module they built
 * and report each step; reviewers list jobs and approve tested modules,
 * which adds them to the signed archive and releases them to the first
 * tier; stopping a release pulls its module from the archive's metadata.
 *
 * Each worker call runs exactly the store function a worker with the
 * database runs (claim, built, tested), so the queue's guarantees are the
 * store's: one claim per job, reports guarded by the claim. The audit entry
 * of each change is written right after it, in its own transaction, because
 * the pipeline's store functions own theirs.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../store/server_db.h"
#include "pipeline_api.h"
#include "service.h"
#include "tuxtape/archive.h"
#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

/* A livepatch module is a few hundred KiB; this only stops a runaway upload. */
#define ARTIFACT_MAX	 (64L * 1024 * 1024)
#define WORKER_LABEL_MAX 64

/* ---- answers ---- */

static void fail(struct tt_api_response *res, unsigned status, const char *message)
{
	res->status = status;
	res->body = tt_api_error_body(status, message);
}

/* A store or service error; a stale claim is a conflict, not a server fault. */
static void fail_with(struct tt_api_response *res, int code, const struct tt_error *err)
{
	unsigned status = code == -ESTALE ? 409 : tt_api_status_of(code);
	fail(res, status, status == 500 ? "the store failed; nothing was changed" : err->msg);
}

static void answer(struct tt_api_response *res, unsigned status, json_t *body)
{
	res->status = status;
	res->body = body;
}

/* The body as an object; an empty body is {}. NULL: res filled. */
static json_t *body_object(const struct tt_api_request *req, struct tt_api_response *res)
{
	if (req->body_len == 0)
		return json_object();
	json_error_t jerr;
	json_t *v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v || !json_is_object(v)) {
		json_decref(v);
		fail(res, 400, "the body is not a JSON object");
		return NULL;
	}
	return v;
}

/* The caller's actor ("operator:NAME", malloc'd) when its token has role need; else NULL. */
static char *caller(struct tt_fleet_db *db, const struct tt_api_request *req, enum tt_role need,
		    struct tt_api_response *res)
{
	struct tt_error err = {0};
	char *actor = NULL;
	int r = tt_fleet_operator_auth(db, req->bearer, need, &actor, &err);
	if (r < 0)
		fail_with(res, r, &err);
	return actor;
}

/* The name part of "KIND:NAME", as an offset: GCC 12 took the pointer version, inlined
 * into a function whose actor is freed by a cleanup attribute, for a dangling pointer. */
static size_t name_at(const char *actor)
{
	size_t colon = strcspn(actor, ":");
	return actor[colon] ? colon + 1 : 0;
}

static const char *name_of(const char *actor)
{
	return actor + name_at(actor);
}

static bool label_valid(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= WORKER_LABEL_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/*
 * The name a claim is recorded under: the token's name, and the worker
 * process's own label after a slash when it gives one (several workers may
 * share a token). NULL with res filled when the label is not a plain word.
 */
static char *worker_name(const char *actor, const char *label, struct tt_api_response *res)
{
	if (!label || !*label)
		return tt_xstrdup(name_of(actor));
	if (!label_valid(label)) {
		fail(res, 400, "worker: letters, digits, '.', '_' and '-', at most 64");
		return NULL;
	}
	return tt_xasprintf("%s/%s", name_of(actor), label);
}

/* ---- transactions shared with the pipeline's store functions ---- */

/*
 * A write transaction on the server's connection (on SQLite it also holds
 * the server's writer lock) that the pipeline's store functions join
 * instead of opening their own.
 */
static int begin_shared(struct tt_fleet_db *db, struct tt_error *err)
{
	int r = tt_fleet_db_begin(db, err);
	if (r == 0)
		db->store->tx_joinable = true;
	return r;
}

/* Commit when r is 0, else roll back; returns the outcome. */
static int end_shared(struct tt_fleet_db *db, int r, struct tt_error *err)
{
	db->store->tx_joinable = false;
	db->store->tx_joined = 0;
	return tt_fleet_finish(db, r, err);
}

/* An audit entry for object in the open transaction; detail is taken. */
static int audit_in_tx(struct tt_fleet_db *db, const char *actor, const char *action,
		       const char *object, json_t *detail, struct tt_error *err)
{
	int r = tt_fleet_audit(db, tt_fleet_now(), actor, action, object, detail, err);
	json_decref(detail);
	return r;
}

static int audit_job_in_tx(struct tt_fleet_db *db, const char *actor, const char *action,
			   int64_t id, json_t *detail, struct tt_error *err)
{
	char object[32];
	snprintf(object, sizeof(object), "job:%lld", (long long)id);
	return audit_in_tx(db, actor, action, object, detail, err);
}

/* An audit entry in a transaction of its own (after a change to the archive's files). */
static int audit_alone(struct tt_fleet_db *db, const char *actor, const char *action,
		       const char *object, json_t *detail, struct tt_error *err)
{
	int r = tt_fleet_db_begin(db, err);
	if (r < 0) {
		json_decref(detail);
		return r;
	}
	return tt_fleet_finish(db, audit_in_tx(db, actor, action, object, detail, err), err);
}

/* What the routes need to know of a job; owned strings. */
struct job_facts {
	enum tt_job_state state;
	int attempts;
	long rev;
	char *worker, *cve_id, *kernel, *module_path, *module_sha256;
};

static char *dup_or_null(const char *s)
{
	return s ? tt_xstrdup(s) : NULL;
}

static int keep_facts(void *ctx, const struct tt_job_info *j)
{
	struct job_facts *f = ctx;
	f->state = j->state;
	f->attempts = j->attempts;
	f->rev = j->rev;
	f->worker = dup_or_null(j->worker);
	f->cve_id = tt_xstrdup(j->cve_id);
	f->kernel = tt_xstrdup(j->kernel);
	f->module_path = dup_or_null(j->module_path);
	f->module_sha256 = dup_or_null(j->module_sha256);
	return 0;
}

static void job_facts_free(struct job_facts *f)
{
	free(f->worker);
	free(f->cve_id);
	free(f->kernel);
	free(f->module_path);
	free(f->module_sha256);
	memset(f, 0, sizeof(*f));
}

static int job_facts_get(struct tt_fleet_db *db, int64_t id, struct job_facts *f,
			 struct tt_error *err)
{
	memset(f, 0, sizeof(*f));
	return tt_store_job_get(db->store, id, keep_facts, f, err);
}

/* ---- listing ---- */

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *job_info_json(const struct tt_job_info *j, bool logs)
{
	json_t *o = json_pack(
	    "{s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:i, s:I, s:I, s:I}", "id", (json_int_t)j->id,
	    "cve", j->cve_id, "rev", (json_int_t)j->rev, "author", j->author, "kernel", j->kernel,
	    "state", tt_job_state_name(j->state), "worker", nullable(j->worker), "attempts",
	    j->attempts, "lease_expires", (json_int_t)j->lease_expires, "created_at",
	    (json_int_t)j->created_at, "updated_at", (json_int_t)j->updated_at);
	json_object_set_new(o, "module_sha256", nullable(j->module_sha256));
	json_object_set_new(o, "error", nullable(j->error));
	json_object_set_new(o, "approved_by", nullable(j->approved_by));
	json_object_set_new(o, "approved_at", json_integer(j->approved_at));
	if (logs) {
		json_object_set_new(o, "build_log", nullable(j->build_log));
		json_object_set_new(o, "test_log", nullable(j->test_log));
	}
	return o;
}

static int append_job(void *ctx, const struct tt_job_info *j)
{
	json_array_append_new(ctx, job_info_json(j, false));
	return 0;
}

static int keep_job_json(void *ctx, const struct tt_job_info *j)
{
	*(json_t **)ctx = job_info_json(j, true);
	return 0;
}

static void route_list(struct tt_fleet_db *db, const struct tt_api_request *req,
		       struct tt_api_response *res)
{
	_cleanup_free_ char *actor = caller(db, req, TT_ROLE_VIEWER, res);
	if (!actor)
		return;
	const char *state_name = req->query(req->query_ctx, "state");
	enum tt_job_state state;
	if (state_name && tt_job_state_parse(state_name, &state) < 0)
		return fail(res, 400, "state: one of queued, claimed, built, passed, failed");
	struct tt_error err = {0};
	json_t *jobs = json_array();
	int r = tt_store_job_list(db->store, state_name ? &state : NULL, append_job, jobs, &err);
	if (r < 0) {
		json_decref(jobs);
		return fail_with(res, r, &err);
	}
	answer(res, 200, json_pack("{s:o}", "jobs", jobs));
}

static void route_show(struct tt_fleet_db *db, const struct tt_api_request *req, int64_t id,
		       struct tt_api_response *res)
{
	_cleanup_free_ char *actor = caller(db, req, TT_ROLE_VIEWER, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	json_t *job = NULL;
	int r = tt_store_job_get(db->store, id, keep_job_json, &job, &err);
	if (r < 0)
		return fail_with(res, r, &err);
	answer(res, 200, job);
}

/* ---- claims ---- */

static json_t *claimed_json(const struct tt_job *job)
{
	return json_pack("{s:I, s:i, s:s, s:s, s:I, s:s, s:s, s:I}", "id", (json_int_t)job->id,
			 "attempt", job->attempt, "worker", job->worker, "cve", job->cve_id, "rev",
			 (json_int_t)job->rev, "kernel", job->kernel, "patch_text", job->patch_text,
			 "lease_expires", (json_int_t)job->lease_expires);
}

static void route_claim(struct tt_fleet_db *db, const struct tt_api_request *req,
			struct tt_api_response *res)
{
	_cleanup_free_ char *actor = caller(db, req, TT_ROLE_WORKER, res);
	if (!actor)
		return;
	json_t *body = body_object(req, res);
	if (!body)
		return;
	_cleanup_free_ char *worker =
	    worker_name(actor, json_string_value(json_object_get(body, "worker")), res);
	json_decref(body);
	if (!worker)
		return;
	struct tt_queue_policy policy = TT_QUEUE_POLICY_DEFAULT;
	struct tt_job job;
	struct tt_error err = {0};
	bool got = false;
	memset(&job, 0, sizeof(job));
	int r = begin_shared(db, &err);
	if (r < 0)
		return fail_with(res, r, &err);
	r = tt_store_job_claim(db->store, worker, tt_fleet_now(), &policy, &job, &got, &err);
	if (r == 0 && got)
		r = audit_job_in_tx(db, actor, "job.claim", job.id,
				    json_pack("{s:s, s:i, s:s}", "worker", worker, "attempt",
					      job.attempt, "kernel", job.kernel),
				    &err);
	r = end_shared(db, r, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200, json_pack("{s:o}", "job", got ? claimed_json(&job) : json_null()));
	tt_job_free(&job);
}

/* ---- artifacts ---- */

static char *artifact_path(const struct tt_fleet_config *cfg, int64_t id, int attempt, bool partial)
{
	return tt_xasprintf("%s/job-%lld-%d.ko%s", cfg->artifact_dir, (long long)id, attempt,
			    partial ? ".part" : "");
}

/* A non-negative whole number from the query; -1 when absent or not one. */
static long long query_number(const struct tt_api_request *req, const char *key)
{
	const char *v = req->query(req->query_ctx, key);
	char *end;
	if (!v || !*v)
		return -1;
	long long n = strtoll(v, &end, 10);
	return *end || n < 0 ? -1 : n;
}

/* Whether worker holds job's claim number attempt and is still building. */
static int check_holder(const struct job_facts *f, int64_t id, const char *worker, int attempt,
			struct tt_error *err)
{
	if (f->state != TT_JOB_CLAIMED || !f->worker || strcmp(f->worker, worker) != 0 ||
	    f->attempts != attempt)
		return tt_error_set(err, -ESTALE,
				    "job %lld is not being built by %s under claim %d (it is %s)",
				    (long long)id, worker, attempt, tt_job_state_name(f->state));
	return 0;
}

/* Write body at offset into the partial file; the upload must go on from where it stopped. */
static int append_chunk(const char *path, long long offset, const char *data, size_t len,
			struct tt_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return tt_error_set(err, -EIO, "artifact: %s", strerror(e));
	}
	int r = 0;
	if (offset == 0 && ftruncate(fd, 0) < 0)
		r = tt_error_set(err, -EIO, "artifact: %s", strerror(errno));
	else if (offset != 0 && offset != st.st_size)
		r = tt_error_set(err, -EEXIST, "offset %lld: the server holds %lld bytes", offset,
				 (long long)st.st_size);
	for (size_t done = 0; r == 0 && done < len;) {
		ssize_t n = pwrite(fd, data + done, len - done, (off_t)(offset + (long long)done));
		if (n < 0)
			r = tt_error_set(err, -EIO, "artifact: %s", strerror(errno));
		else
			done += (size_t)n;
	}
	close(fd);
	return r;
}

static void route_artifact(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			   const struct tt_api_request *req, int64_t id,
			   struct tt_api_response *res)
{
	_cleanup_free_ char *actor = caller(db, req, TT_ROLE_WORKER, res);
	if (!actor)
		return;
	if (!cfg->artifact_dir)
		return fail(res, 404, "this server keeps no artifacts (tuxtape serve --artifacts)");
	long long attempt = query_number(req, "attempt"), offset = query_number(req, "offset");
	if (attempt <= 0 || offset < 0)
		return fail(res, 400, "attempt and offset are required query parameters");
	if (offset + (long long)req->body_len > ARTIFACT_MAX)
		return fail(res, 413, "a module may hold at most 64 MiB");
	_cleanup_free_ char *worker = worker_name(actor, req->query(req->query_ctx, "worker"), res);
	if (!worker)
		return;
	struct job_facts f;
	struct tt_error err = {0};
	int r = job_facts_get(db, id, &f, &err);
	if (r == 0)
		r = check_holder(&f, id, worker, (int)attempt, &err);
	job_facts_free(&f);
	if (r == 0)
		r = tt_mkdir_p(cfg->artifact_dir, 0750, &err);
	_cleanup_free_ char *part = artifact_path(cfg, id, (int)attempt, true);
	if (r == 0)
		r = append_chunk(part, offset, req->body, req->body_len, &err);
	if (r < 0)
		return fail_with(res, r, &err);
	answer(res, 200, json_pack("{s:I}", "received", (json_int_t)(offset + req->body_len)));
}

static int sha256_of_file(const char *path, char out[65], struct tt_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = tt_read_file(path, &data, &len, err);
	if (r < 0)
		return r;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/*
 * The uploaded module of this claim, checked against the hash the worker
 * computed, moved to its final name; *path (malloc'd) is where it is.
 */
static int accept_artifact(const struct tt_fleet_config *cfg, const struct tt_job *job,
			   const char *sha256, char **path, struct tt_error *err)
{
	if (!cfg->artifact_dir)
		return tt_error_set(err, -ENOENT,
				    "this server keeps no artifacts (tuxtape serve --artifacts)");
	if (!sha256 || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
		return tt_error_set(err, -EINVAL, "module_sha256: 64 lowercase hex digits");
	_cleanup_free_ char *part = artifact_path(cfg, job->id, job->attempt, true);
	char have[65] = "";
	if (!tt_path_exists(part))
		return tt_error_set(err, -EINVAL,
				    "job %lld: upload the module (PUT .../artifact) first",
				    (long long)job->id);
	int r = sha256_of_file(part, have, err);
	if (r == 0 && strcmp(have, sha256) != 0)
		r = tt_error_set(err, -EINVAL,
				 "the uploaded module's SHA-256 is %s, not %s: upload it again",
				 have, sha256);
	if (r < 0)
		return r;
	*path = artifact_path(cfg, job->id, job->attempt, false);
	if (rename(part, *path) < 0) {
		r = tt_error_set(err, -EIO, "artifact: %s", strerror(errno));
		free(*path);
		*path = NULL;
	}
	return r;
}

struct result_req {
	int attempt;
	const char *worker, *state, *log, *error, *module_sha256;
};

static int result_req_parse(const json_t *body, struct result_req *out, struct tt_error *err)
{
	json_t *attempt = json_object_get(body, "attempt");
	if (!json_is_integer(attempt) || json_integer_value(attempt) <= 0)
		return tt_error_set(err, -EINVAL, "attempt: the claim's number is required");
	out->attempt = (int)json_integer_value(attempt);
	out->worker = json_string_value(json_object_get(body, "worker"));
	out->state = json_string_value(json_object_get(body, "state"));
	out->log = json_string_value(json_object_get(body, "log"));
	out->error = json_string_value(json_object_get(body, "error"));
	out->module_sha256 = json_string_value(json_object_get(body, "module_sha256"));
	if (!out->state || (strcmp(out->state, "built") != 0 && strcmp(out->state, "passed") != 0 &&
			    strcmp(out->state, "failed") != 0))
		return tt_error_set(err, -EINVAL, "state: built, passed or failed");
	return 0;
}

/*
 * Run the store call the report stands for, in the open transaction: the
 * build's while the job is claimed, else the test's. module_path: where the
 * checked upload of a built module is.
 */
static int record_result(struct tt_fleet_db *db, const struct tt_job *job,
			 const struct result_req *rq, const char *module_path,
			 enum tt_job_state now_state, struct tt_error *err)
{
	struct tt_queue_policy policy = TT_QUEUE_POLICY_DEFAULT;
	bool built = strcmp(rq->state, "built") == 0;
	bool build_step =
	    built || (strcmp(rq->state, "failed") == 0 && now_state == TT_JOB_CLAIMED);
	struct tt_job_report rep = {
	    .ok = strcmp(rq->state, "failed") != 0,
	    .log = rq->log,
	    .error = rq->error,
	    .module_path = built ? module_path : NULL,
	    .module_sha256 = built ? rq->module_sha256 : NULL,
	};
	if (!rep.ok && !rep.error)
		rep.error = build_step ? "the build failed" : "the boot test failed";
	if (build_step)
		return tt_store_job_built(db->store, job, &rep, tt_fleet_now(), &policy, err);
	return tt_store_job_tested(db->store, job, &rep, tt_fleet_now(), err);
}

static int audit_result(struct tt_fleet_db *db, const char *actor, int64_t id, const char *worker,
			const struct result_req *rq, struct tt_error *err)
{
	_cleanup_free_ char *action = tt_xasprintf("job.%s", rq->state);
	json_t *detail = json_pack("{s:s, s:i}", "worker", worker, "attempt", rq->attempt);
	if (rq->module_sha256)
		json_object_set_new(detail, "module_sha256", json_string(rq->module_sha256));
	if (rq->error)
		json_object_set_new(detail, "error", json_string(rq->error));
	return audit_job_in_tx(db, actor, action, id, detail, err);
}

/* The report, its store call and its audit entry in one transaction. */
static int apply_result(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			const char *actor, const struct tt_job *job, const struct result_req *rq,
			struct tt_error *err)
{
	_cleanup_free_ char *module_path = NULL;
	struct job_facts f = {0};
	/* Hashing the upload is file work: done before the writer's lock is taken. */
	int r = strcmp(rq->state, "built") == 0
		    ? accept_artifact(cfg, job, rq->module_sha256, &module_path, err)
		    : 0;
	if (r == 0)
		r = begin_shared(db, err);
	if (r < 0)
		return r;
	r = job_facts_get(db, job->id, &f, err);
	if (r == 0)
		r = record_result(db, job, rq, module_path, f.state, err);
	if (r == 0)
		r = audit_result(db, actor, job->id, job->worker, rq, err);
	job_facts_free(&f);
	return end_shared(db, r, err);
}

static void route_result(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			 const struct tt_api_request *req, int64_t id, struct tt_api_response *res)
{
	_cleanup_free_ char *actor = caller(db, req, TT_ROLE_WORKER, res);
	if (!actor)
		return;
	json_t *body = body_object(req, res);
	if (!body)
		return;
	struct result_req rq = {0};
	struct tt_error err = {0};
	int r = result_req_parse(body, &rq, &err);
	_cleanup_free_ char *worker = r == 0 ? worker_name(actor, rq.worker, res) : NULL;
	if (r == 0 && !worker)
		return json_decref(body);
	struct tt_job job = {.id = id, .attempt = rq.attempt, .worker = worker};
	if (r == 0)
		r = apply_result(db, cfg, actor, &job, &rq, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", rq.state));
	json_decref(body);
}

/* ---- the archive ---- */

/* Approvals and stops change the archive one at a time, across processes too. */
static int archive_lock(const char *repo, int *fd, struct tt_error *err)
{
	*fd = open(repo, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return tt_error_set(err, -EIO, "the archive %s: %s", repo, strerror(errno));
	if (flock(*fd, LOCK_EX) < 0) {
		close(*fd);
		return tt_error_set(err, -EIO, "locking the archive %s: %s", repo, strerror(errno));
	}
	return 0;
}

/* As `tuxtape archive add`: the module under target with the fields agents read. */
static int archive_add(const char *repo, const char *target, const struct job_facts *f,
		       const char *tier, struct tt_error *err)
{
	int lock;
	int r = archive_lock(repo, &lock, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	struct tt_tuf_repo *rp = NULL;
	json_t *custom = json_pack("{s:s, s:I, s:[s], s:s, s:b}", "kernel_release", f->kernel,
				   "patch_version", (json_int_t)f->rev, "cves", f->cve_id,
				   "rollout_tier", tier, "atomic_replace", 0);
	r = f->module_path ? tt_read_file(f->module_path, &data, &len, err)
			   : tt_error_set(err, -ENOENT, "the job has no module");
	if (r == 0)
		r = tt_tuf_repo_open(repo, NULL, 0, &rp, err);
	if (r == 0)
		r = tt_tuf_repo_add_target(rp, target, data, len, custom, err);
	if (r == 0)
		r = tt_tuf_repo_publish(rp, err);
	tt_tuf_repo_free(rp);
	json_decref(custom);
	close(lock);
	return r;
}

/* Drop target from the targets metadata and publish; *removed: it was listed. */
static int archive_remove(const char *repo, const char *target, bool *removed, struct tt_error *err)
{
	int lock;
	*removed = false;
	int r = archive_lock(repo, &lock, err);
	if (r < 0)
		return r;
	struct tt_tuf_repo *rp = NULL;
	r = tt_tuf_repo_open(repo, NULL, 0, &rp, err);
	json_t *targets =
	    r == 0 ? json_object_get(tt_tuf_repo_signed(rp, "targets"), "targets") : NULL;
	if (r == 0 && json_object_get(targets, target)) {
		json_object_del(targets, target);
		*removed = true;
		r = tt_tuf_repo_touch(rp, "targets", err);
		if (r == 0)
			r = tt_tuf_repo_publish(rp, err);
	}
	tt_tuf_repo_free(rp);
	close(lock);
	return r;
}

/* ---- approval and stop ---- */

static int first_tier(struct tt_fleet_db *db, char **name, struct tt_error *err)
{
	struct tt_tiers tiers = {0};
	int r = tt_fleet_tiers_get(db, &tiers, err);
	if (r == 0 && tiers.n == 0)
		r = tt_error_set(err, -ENOENT, "no rollout tier to release to");
	if (r == 0)
		*name = tt_xstrdup(tiers.v[0].name);
	tt_tiers_free(&tiers);
	return r;
}

/* Approval's consequences: the archive (when configured), then a release in the first tier. */
static void publish_approved(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			     const char *actor, int64_t id, struct tt_api_response *res)
{
	struct job_facts f;
	struct tt_error err = {0};
	_cleanup_free_ char *tier = NULL, *name = NULL, *target = NULL;
	int64_t release = 0;
	int r = job_facts_get(db, id, &f, &err);
	if (r == 0)
		r = first_tier(db, &tier, &err);
	if (r == 0) {
		name = tt_job_module_name(f.cve_id, f.rev);
		target = tt_xasprintf("%s/%s.ko", f.kernel, name);
	}
	if (r == 0 && cfg->archive_repo) {
		r = archive_add(cfg->archive_repo, target, &f, tier, &err);
		char object[32];
		snprintf(object, sizeof(object), "job:%lld", (long long)id);
		if (r == 0)
			r = audit_alone(db, actor, "archive.add", object,
					json_pack("{s:s, s:s}", "target", target, "sha256",
						  f.module_sha256 ? f.module_sha256 : ""),
					&err);
		if (r < 0) {
			_cleanup_free_ char *msg = tt_xasprintf(
			    "job %lld is approved, but adding it to the archive failed (%s); "
			    "run `tuxtape archive add` by hand",
			    (long long)id, err.msg);
			job_facts_free(&f);
			return fail(res, 500, msg);
		}
	}
	struct tt_release_req rel = {
	    .patch = name,
	    .target = target,
	    .sha256 = f.module_sha256 ? f.module_sha256 : "",
	    .kernel_release = f.kernel,
	    .kernel_build_id = "",
	    .tier = tier,
	};
	if (r == 0)
		r = tt_fleet_create_release(db, actor, &rel, &release, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 201,
		       json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:b}", "job", (json_int_t)id,
				 "release", (json_int_t)release, "patch", name, "target", target,
				 "sha256", rel.sha256, "tier", tier, "archived",
				 cfg->archive_repo != NULL));
	job_facts_free(&f);
}

static void route_approve(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			  const struct tt_api_request *req, int64_t id, struct tt_api_response *res)
{
	_cleanup_free_ char *actor = caller(db, req, TT_ROLE_REVIEWER, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	/* The policy (not the revision's author, a passed job, once) is the store's. */
	int r = begin_shared(db, &err);
	if (r < 0)
		return fail_with(res, r, &err);
	r = tt_store_job_approve(db->store, id, name_of(actor), tt_fleet_now(), &err);
	if (r == 0)
		r = audit_job_in_tx(db, actor, "job.approve", id,
				    json_pack("{s:s}", "reviewer", name_of(actor)), &err);
	r = end_shared(db, r, &err);
	if (r < 0)
		return fail_with(res, r, &err);
	publish_approved(db, cfg, actor, id, res);
}

/*
 * The release endpoints' stop, and then the module out of the archive's
 * metadata, so an agent checking the archive no longer finds it genuine.
 */
static void route_stop(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
		       const struct tt_api_request *req, int64_t id, struct tt_api_response *res)
{
	_cleanup_free_ char *actor = caller(db, req, TT_ROLE_REVIEWER, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	struct tt_fleet_release rel = {0};
	bool removed = false;
	int r = tt_fleet_release_get(db, id, &rel, &err);
	if (r == 0)
		r = tt_fleet_stop_release(db, actor, id, &err);
	if (r == 0 && cfg->archive_repo) {
		r = archive_remove(cfg->archive_repo, rel.target, &removed, &err);
		char object[32];
		snprintf(object, sizeof(object), "release:%lld", (long long)id);
		if (r == 0 && removed)
			r = audit_alone(db, actor, "archive.remove", object,
					json_pack("{s:s}", "target", rel.target), &err);
	}
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200,
		       json_pack("{s:I, s:s, s:b}", "id", (json_int_t)id, "state", "stopped",
				 "archive_removed", removed));
	tt_fleet_release_free(&rel);
}

/* ---- routing ---- */

/* "12" or "12/approve" -> 12 and the rest ("" or "approve"); false otherwise. */
static bool id_and_action(const char *s, int64_t *id, const char **action)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v <= 0 || (*end && *end != '/'))
		return false;
	*id = v;
	*action = *end ? end + 1 : "";
	return true;
}

static bool method_is(const struct tt_api_request *req, const char *method,
		      struct tt_api_response *res)
{
	if (strcmp(req->method, method) == 0)
		return true;
	char msg[64];
	snprintf(msg, sizeof(msg), "use %s", method);
	fail(res, 405, msg);
	return false;
}

static void route_job(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
		      const struct tt_api_request *req, const char *rest,
		      struct tt_api_response *res)
{
	int64_t id;
	const char *action;
	if (strcmp(rest, "claim") == 0) {
		if (method_is(req, "POST", res))
			route_claim(db, req, res);
	} else if (!id_and_action(rest, &id, &action)) {
		fail(res, 404, "unknown path");
	} else if (!*action) {
		if (method_is(req, "GET", res))
			route_show(db, req, id, res);
	} else if (strcmp(action, "artifact") == 0) {
		if (method_is(req, "PUT", res))
			route_artifact(db, cfg, req, id, res);
	} else if (strcmp(action, "result") == 0) {
		if (method_is(req, "POST", res))
			route_result(db, cfg, req, id, res);
	} else if (strcmp(action, "approve") == 0) {
		if (method_is(req, "POST", res))
			route_approve(db, cfg, req, id, res);
	} else {
		fail(res, 404, "unknown path");
	}
}

bool tt_pipeline_api_route(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			   const struct tt_api_request *req, struct tt_api_response *res)
{
	int64_t id;
	const char *action;
	if (strcmp(req->path, "jobs") == 0) {
		if (method_is(req, "GET", res))
			route_list(db, req, res);
		return true;
	}
	if (strncmp(req->path, "jobs/", 5) == 0) {
		route_job(db, cfg, req, req->path + 5, res);
		return true;
	}
	if (strncmp(req->path, "releases/", 9) == 0 && strcmp(req->method, "POST") == 0 &&
	    id_and_action(req->path + 9, &id, &action) && strcmp(action, "stop") == 0) {
		route_stop(db, cfg, req, id, res);
		return true;
	}
	return false;
}
