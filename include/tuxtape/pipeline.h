/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The patch pipeline (issue 8): from a CVE's fix commit to an approved,
 * boot-tested livepatch module.
 *
 *   raw patch      the fix commit of one stable branch, taken from a local
 *                  clone of the stable tree (tt_git_format_patch) and stored
 *                  per CVE and branch;
 *   revision       a deployable patch: the text a kernel engineer made build
 *                  as a livepatch; every revision is kept (author, time,
 *                  message, text), numbered 1, 2, ... per CVE;
 *   job            building and boot-testing one revision for one target
 *                  kernel: queued -> claimed -> built -> passed | failed;
 *   approval       a reviewer who is not the revision's author accepts a
 *                  passed job's module.
 *
 * Workers take jobs through a struct tt_job_source, whose store-backed
 * implementation claims rows directly (PostgreSQL: SELECT ... FOR UPDATE
 * SKIP LOCKED; SQLite: BEGIN IMMEDIATE). The same three calls (claim,
 * built, finish) map one to one onto an HTTP API, so a worker talking to
 * `tuxtape serve` only needs another source. See docs/pipeline.md.
 *
 * Times are UTC seconds passed in by the caller, so leases can be tested
 * without waiting.
 */
#ifndef TUXTAPE_PIPELINE_H
#define TUXTAPE_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "tuxtape/cve.h"
#include "tuxtape/error.h"
#include "tuxtape/store.h"

/* ---- raw patches ---- */

struct tt_raw_patch {
	char *cve_id;
	char *branch;	 /* "6.1", or "mainline" for the .sha1 fix */
	char *commit_id; /* full 40-hex id */
	char *author;	 /* "Name <email>" */
	int64_t authored_at;
	char *subject;	   /* the commit's first line */
	char *text;	   /* git format-patch style: From, Date, Subject, body, diff */
	char *source;	   /* the clone it was taken from; NULL when unknown */
	int64_t stored_at; /* filled by reads */
};
void tt_raw_patch_free(struct tt_raw_patch *p);

/*
 * The fix commit of rec for branch ("6.1"); NULL branch: the mainline fix
 * (the first .sha1 commit), named "mainline". *commit and *branch_out are
 * malloc'd. -ENOENT with a message listing the branches that have a fix
 * when there is none for branch.
 */
int tt_pipeline_fix_commit(const struct tt_cve_record *rec, const char *branch, char **commit,
			   char **branch_out, struct tt_error *err);

/*
 * Format commit (a full or unique abbreviated id) of the git repository at
 * repo_path as a patch mail, into out->commit_id, author, authored_at,
 * subject and text (the other fields are left alone). -ENOENT with a hint
 * to fetch when the commit is not in the clone; -EINVAL for a merge.
 */
int tt_git_format_patch(const char *repo_path, const char *commit, struct tt_raw_patch *out,
			struct tt_error *err);

/* Insert or replace the raw patch of (p->cve_id, p->branch); one transaction. */
int tt_store_raw_patch_put(struct tt_store *s, const struct tt_raw_patch *p, int64_t now,
			   struct tt_error *err);
/* The stored raw patch; branch NULL: the most recently stored. -ENOENT when none. */
int tt_store_raw_patch_get(struct tt_store *s, const char *cve_id, const char *branch,
			   struct tt_raw_patch *out, struct tt_error *err);

/* ---- deployable patch revisions ---- */

struct tt_patch_revision {
	int64_t id; /* store-wide, what jobs refer to */
	char *cve_id;
	long rev; /* 1, 2, ... per CVE */
	char *author;
	int64_t created_at;
	char *message;
	char *text;
	char sha256[65]; /* of text */
};
void tt_patch_revision_free(struct tt_patch_revision *r);

/*
 * Record a new revision of cve_id's deployable patch (the CVE must be
 * stored). out (may be NULL) receives it, numbered. One transaction.
 */
int tt_store_revision_add(struct tt_store *s, const char *cve_id, const char *author,
			  const char *message, const char *text, int64_t now,
			  struct tt_patch_revision *out, struct tt_error *err);
/* Revision rev of cve_id; rev 0: the latest. -ENOENT when there is none. */
int tt_store_revision_get(struct tt_store *s, const char *cve_id, long rev,
			  struct tt_patch_revision *out, struct tt_error *err);
/* Every revision of cve_id, oldest first; the record is borrowed for the call. */
int tt_store_revision_list(struct tt_store *s, const char *cve_id,
			   int (*cb)(void *ctx, const struct tt_patch_revision *r), void *ctx,
			   struct tt_error *err);

/* ---- build-and-test jobs ---- */

enum tt_job_state {
	TT_JOB_QUEUED,
	TT_JOB_CLAIMED, /* a worker holds the lease and builds */
	TT_JOB_BUILT,	/* the module exists; the boot test runs, lease still held */
	TT_JOB_PASSED,	/* built and boot-tested: ready for review */
	TT_JOB_FAILED,	/* the build or the test failed, or the lease ran out too often */
};
const char *tt_job_state_name(enum tt_job_state s);
int tt_job_state_parse(const char *name, enum tt_job_state *out);
/* Whether the queue may move a job from one state to the other. */
bool tt_job_transition_allowed(enum tt_job_state from, enum tt_job_state to);

/* The rules the store applies to leases. */
struct tt_queue_policy {
	int64_t lease_seconds; /* how long a claim (or a built job) is held without news */
	int max_attempts;      /* claims before an expiring job fails instead of requeueing */
};
#define TT_QUEUE_POLICY_DEFAULT                                                                    \
	{                                                                                          \
		.lease_seconds = 3 * 3600, .max_attempts = 3                                       \
	}

/* A claimed job as a worker sees it. Owned strings; tt_job_free. */
struct tt_job {
	int64_t id;
	int attempt; /* the claim's number: completing with a stale one is refused */
	char *worker;
	char *cve_id;
	long rev;
	char *kernel; /* the target: a Debian ABI, "6.1.0-47-amd64" */
	char *patch_text;
	int64_t lease_expires;
};
void tt_job_free(struct tt_job *j);

/* A job as listings show it; strings borrowed for the callback's duration. */
struct tt_job_info {
	int64_t id;
	const char *cve_id;
	long rev;
	const char *author; /* of the revision */
	const char *kernel;
	enum tt_job_state state;
	const char *worker; /* NULL when never claimed */
	int attempts;
	int64_t lease_expires, created_at, updated_at; /* 0 when unset */
	const char *module_path, *module_sha256;       /* NULL until built */
	const char *error;			       /* why it failed; NULL */
	const char *build_log, *test_log;	       /* NULL when not run */
	const char *approved_by;		       /* NULL when not approved */
	int64_t approved_at;
};

/* Queue a job for (revision rev of cve_id, 0: latest) x kernel; *id receives its id. */
int tt_store_job_enqueue(struct tt_store *s, const char *cve_id, long rev, const char *kernel,
			 int64_t now, int64_t *id, struct tt_error *err);
/*
 * The same for n kernels, all or none in one transaction; ids[i] receives
 * kernels[i]'s job id.
 */
int tt_store_jobs_enqueue(struct tt_store *s, const char *cve_id, long rev,
			  const char *const *kernels, size_t n, int64_t now, int64_t *ids,
			  struct tt_error *err);
/*
 * Give the oldest queued job to worker, in one transaction that first
 * returns expired leases to the queue (or fails them after max_attempts).
 * *got is false when nothing is queued. Safe between processes and hosts.
 */
int tt_store_job_claim(struct tt_store *s, const char *worker, int64_t now,
		       const struct tt_queue_policy *pol, struct tt_job *job, bool *got,
		       struct tt_error *err);
/* Expired leases back to the queue now; *n (may be NULL) counts them. */
int tt_store_job_expire(struct tt_store *s, int64_t now, const struct tt_queue_policy *pol, long *n,
			struct tt_error *err);

/* What a worker reports after each step. */
struct tt_job_report {
	bool ok;
	const char *log;	   /* the step's output (kept whole up to 1 MiB, then its tail) */
	const char *module_path;   /* built: where the module is */
	const char *module_sha256; /* built */
	const char *error;	   /* failed: one line */
};
/*
 * claimed -> built (report->ok) or failed. -ESTALE when job's claim is no
 * longer the current one (its lease ran out and it went to someone else).
 */
int tt_store_job_built(struct tt_store *s, const struct tt_job *job,
		       const struct tt_job_report *report, int64_t now,
		       const struct tt_queue_policy *pol, struct tt_error *err);
/* built -> passed or failed (report->ok); -ESTALE as above. */
int tt_store_job_tested(struct tt_store *s, const struct tt_job *job,
			const struct tt_job_report *report, int64_t now, struct tt_error *err);

/* Jobs (state NULL: all) by id; a callback returning non-zero stops with that value. */
int tt_store_job_list(struct tt_store *s, const enum tt_job_state *state,
		      int (*cb)(void *ctx, const struct tt_job_info *j), void *ctx,
		      struct tt_error *err);
/* One job; -ENOENT when unknown. */
int tt_store_job_get(struct tt_store *s, int64_t id,
		     int (*cb)(void *ctx, const struct tt_job_info *j), void *ctx,
		     struct tt_error *err);

/* ---- approval ---- */

/*
 * The review policy: only a passed job can be approved, and not by the
 * author of its revision (names compared without surrounding blanks and
 * case). -EPERM / -EINVAL with a message saying why.
 */
int tt_approval_check(const char *author, const char *reviewer, enum tt_job_state state,
		      bool already_approved, struct tt_error *err);
/* Apply the policy and record the approval, in one transaction. */
int tt_store_job_approve(struct tt_store *s, int64_t id, const char *reviewer, int64_t now,
			 struct tt_error *err);

/* ---- workers ---- */

/*
 * Where a worker gets jobs and reports results: the store directly, or
 * the server's HTTP API. Each call is one transaction or request.
 */
struct tt_job_source_ops {
	int (*claim)(void *ctx, const char *worker, struct tt_job *job, bool *got,
		     struct tt_error *err);
	int (*built)(void *ctx, const struct tt_job *job, const struct tt_job_report *r,
		     struct tt_error *err);
	int (*tested)(void *ctx, const struct tt_job *job, const struct tt_job_report *r,
		      struct tt_error *err);
};
struct tt_job_source {
	const struct tt_job_source_ops *ops;
	void *ctx;
};
/* A source over an open store (borrowed) with a lease policy (copied). Free with free(). */
struct tt_job_source *tt_job_source_store_new(struct tt_store *s,
					      const struct tt_queue_policy *pol);
/*
 * A source over `tuxtape serve` at server_url ("https://host:8443"), with a
 * worker token (role worker). Each call is one request (docs/fleet-api.md);
 * a built module is uploaded before its report. A stale claim is -ESTALE,
 * the server unreachable or failing -EIO. NULL with err set on bad input.
 * Free with tt_job_source_http_free.
 */
struct tt_job_source *tt_job_source_http_new(const char *server_url, const char *token,
					     struct tt_error *err);
void tt_job_source_http_free(struct tt_job_source *src);

/*
 * A worker's commands are argv templates: words with {patch}, {kernel},
 * {module}, {name}, {job}, {cve}, {rev}, {dir} replaced per job (no shell).
 */
struct tt_worker_config {
	const char *name;		    /* worker id: recorded with each claim */
	const char *workdir;		    /* jobs run in WORKDIR/job-ID */
	const char *const *build_cmd;	    /* NULL-terminated template; must write {module} */
	const char *const *test_cmd;	    /* NULL-terminated template */
	double build_timeout, test_timeout; /* seconds, <= 0: none */
	long max_jobs;			    /* stop after this many (0: no limit) */
	bool until_empty;		    /* stop when no job is queued */
	double poll_seconds;		    /* wait between empty claims */
	volatile sig_atomic_t *stop;	    /* set by a signal handler: finish the job, stop */
	/* Called as each job starts and ends (may be NULL); strings borrowed. */
	void (*event)(void *ctx, const struct tt_job *job, const char *what, const char *detail);
	void *event_ctx;
};

struct tt_worker_stats {
	long claimed, passed, failed, lost; /* lost: the lease went to someone else */
};

/*
 * Claim and run jobs until cfg says stop: build (the module must exist
 * afterwards), report, boot-test, report. Fails only when the source does;
 * a job's failure is its result, not the worker's.
 */
int tt_worker_run(const struct tt_job_source *src, const struct tt_worker_config *cfg,
		  struct tt_worker_stats *stats, struct tt_error *err);

/* The livepatch module name for a job: "cve_2024_26581_r2" (a-z, 0-9, _). Caller frees. */
char *tt_job_module_name(const char *cve_id, long rev);

#endif
