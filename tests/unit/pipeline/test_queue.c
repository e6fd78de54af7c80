// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The job queue in the store: claim order, the state machine as the store
 * enforces it, leases that run out, stale reports, approval, revisions,
 * and the worker loop over the store. Runs on SQLite, and on PostgreSQL
 * with --postgresql.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../store/pg_testdb.h"
#include "tuxtape/pipeline.h"
#include "tuxtape/store.h"
#include "tuxtape/util.h"

/* Set once in main: the same tests run on SQLite, or on PostgreSQL with --postgresql. */
static bool use_pg;

#define CVE "CVE-2024-1000"
#define T0  1700000000

struct fixture {
	char dir[64];
	char *location, *schema;
	struct tt_store *s;
	struct tt_queue_policy pol;
};

static void put_cve(struct tt_store *s, const char *id)
{
	struct tt_cve_record rec;
	tt_cve_record_init(&rec);
	snprintf(rec.id, sizeof(rec.id), "%s", id);
	rec.description = tt_xstrdup("fs: fix a thing");
	struct tt_error err = {0};
	assert_int_equal(tt_store_begin(s, &err), 0);
	assert_int_equal(tt_store_cve_put(s, &rec, &err), 0);
	assert_int_equal(tt_store_commit(s, &err), 0);
	tt_cve_record_free(&rec);
}

static void add_revision(struct fixture *f, const char *author, const char *text)
{
	struct tt_error err = {0};
	int r = tt_store_revision_add(f->s, CVE, author, "a change", text, T0, NULL, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
}

static int64_t enqueue(struct fixture *f, const char *kernel)
{
	int64_t id = 0;
	struct tt_error err = {0};
	assert_int_equal(tt_store_job_enqueue(f->s, CVE, 0, kernel, T0, &id, &err), 0);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = tt_xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/tt-queue-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->location = use_pg ? pgt_new_store(&f->schema) : tt_xasprintf("%s/store.db", f->dir);
	struct tt_error err = {0};
	int r = tt_store_open(f->location, &f->s, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	f->pol = (struct tt_queue_policy){.lease_seconds = 60, .max_attempts = 2};
	put_cve(f->s, CVE);
	add_revision(f, "Ann", "--- a/fs/a.c\n+++ b/fs/a.c\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tt_store_close(f->s);
	if (f->schema)
		pgt_drop(f->schema);
	char *cmd = tt_xasprintf("rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->location);
	free(f);
	return 0;
}

/* Claim at time now; asserts the outcome, returns whether a job came. */
static bool claim(struct fixture *f, const char *worker, int64_t now, struct tt_job *job)
{
	bool got = false;
	struct tt_error err = {0};
	int r = tt_store_job_claim(f->s, worker, now, &f->pol, job, &got, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	return got;
}

struct seen {
	enum tt_job_state state;
	int attempts;
	char worker[32], error[256], module[128], approved_by[32];
	char build_log[64], test_log[64];
};

static int keep(void *ctx, const struct tt_job_info *j)
{
	struct seen *s = ctx;
	memset(s, 0, sizeof(*s));
	s->state = j->state;
	s->attempts = j->attempts;
	snprintf(s->worker, sizeof(s->worker), "%s", j->worker ? j->worker : "");
	snprintf(s->error, sizeof(s->error), "%s", j->error ? j->error : "");
	snprintf(s->module, sizeof(s->module), "%s", j->module_path ? j->module_path : "");
	snprintf(s->approved_by, sizeof(s->approved_by), "%s",
		 j->approved_by ? j->approved_by : "");
	snprintf(s->build_log, sizeof(s->build_log), "%s", j->build_log ? j->build_log : "");
	snprintf(s->test_log, sizeof(s->test_log), "%s", j->test_log ? j->test_log : "");
	return 0;
}

static struct seen job_state(struct fixture *f, int64_t id)
{
	struct seen s;
	struct tt_error err = {0};
	assert_int_equal(tt_store_job_get(f->s, id, keep, &s, &err), 0);
	return s;
}

static int report_built(struct fixture *f, const struct tt_job *job, bool ok, int64_t now)
{
	struct tt_job_report rep = {.ok = ok,
				    .log = "build log",
				    .module_path = ok ? "/w/m.ko" : NULL,
				    .module_sha256 = ok ? "ab" : NULL,
				    .error = ok ? NULL : "the build exited with status 2"};
	struct tt_error err = {0};
	return tt_store_job_built(f->s, job, &rep, now, &f->pol, &err);
}

static int report_tested(struct fixture *f, const struct tt_job *job, bool ok, int64_t now)
{
	struct tt_job_report rep = {
	    .ok = ok, .log = "test log", .error = ok ? NULL : "the test exited with status 1"};
	struct tt_error err = {0};
	return tt_store_job_tested(f->s, job, &rep, now, &err);
}

static void test_claims_take_the_oldest_job_once(void **state)
{
	struct fixture *f = *state;
	int64_t a = enqueue(f, "6.1.0-1-amd64"), b = enqueue(f, "6.1.0-2-amd64");
	struct tt_job j1, j2, j3;
	assert_true(claim(f, "w1", T0, &j1));
	assert_true(claim(f, "w2", T0, &j2));
	assert_false(claim(f, "w3", T0, &j3));
	assert_int_equal(j1.id, a);
	assert_int_equal(j2.id, b);
	assert_int_equal(j1.attempt, 1);
	assert_string_equal(j1.worker, "w1");
	assert_string_equal(j1.cve_id, CVE);
	assert_int_equal(j1.rev, 1);
	assert_string_equal(j1.kernel, "6.1.0-1-amd64");
	assert_string_equal(j1.patch_text, "--- a/fs/a.c\n+++ b/fs/a.c\n");
	assert_int_equal(j1.lease_expires, T0 + 60);
	struct seen s = job_state(f, a);
	assert_int_equal(s.state, TT_JOB_CLAIMED);
	assert_string_equal(s.worker, "w1");
	tt_job_free(&j1);
	tt_job_free(&j2);
}

static void test_queueing_is_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	const char *const kernels[] = {"k1", "", "k3"};
	int64_t ids[3] = {0};
	struct tt_error err = {0};
	assert_int_equal(tt_store_jobs_enqueue(f->s, CVE, 0, kernels, 3, T0, ids, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "needs a target kernel"));
	struct tt_job none;
	assert_false(claim(f, "w1", T0, &none)); /* k1 was not queued either */
	assert_int_equal(tt_store_jobs_enqueue(f->s, CVE, 9, kernels, 1, T0, ids, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no revision 9"));
}

static void test_a_job_moves_through_build_and_test(void **state)
{
	struct fixture *f = *state;
	int64_t id = enqueue(f, "k");
	struct tt_job j;
	assert_true(claim(f, "w1", T0, &j));
	/* A test result before the build is not a move the queue allows. */
	assert_int_equal(report_tested(f, &j, true, T0 + 1), -ESTALE);
	assert_int_equal(report_built(f, &j, true, T0 + 10), 0);
	struct seen s = job_state(f, id);
	assert_int_equal(s.state, TT_JOB_BUILT);
	assert_string_equal(s.module, "/w/m.ko");
	assert_string_equal(s.build_log, "build log");
	assert_int_equal(report_built(f, &j, true, T0 + 11), -ESTALE); /* not twice */
	assert_int_equal(report_tested(f, &j, true, T0 + 20), 0);
	s = job_state(f, id);
	assert_int_equal(s.state, TT_JOB_PASSED);
	assert_string_equal(s.test_log, "test log");
	assert_int_equal(report_tested(f, &j, false, T0 + 21), -ESTALE); /* results stay */
	tt_job_free(&j);
}

static void test_failures_end_the_job(void **state)
{
	struct fixture *f = *state;
	int64_t a = enqueue(f, "k1"), b = enqueue(f, "k2");
	struct tt_job ja, jb;
	assert_true(claim(f, "w1", T0, &ja));
	assert_true(claim(f, "w1", T0, &jb));
	assert_int_equal(report_built(f, &ja, false, T0 + 1), 0);
	assert_int_equal(report_built(f, &jb, true, T0 + 1), 0);
	assert_int_equal(report_tested(f, &jb, false, T0 + 2), 0);
	struct seen s = job_state(f, a);
	assert_int_equal(s.state, TT_JOB_FAILED);
	assert_string_equal(s.error, "the build exited with status 2");
	s = job_state(f, b);
	assert_int_equal(s.state, TT_JOB_FAILED);
	assert_string_equal(s.error, "the test exited with status 1");
	struct tt_job none;
	assert_false(claim(f, "w2", T0 + 1000, &none)); /* failed jobs are not retried */
	tt_job_free(&ja);
	tt_job_free(&jb);
}

static void test_an_expired_lease_requeues_and_the_old_claim_is_refused(void **state)
{
	struct fixture *f = *state;
	int64_t id = enqueue(f, "k");
	struct tt_job old, other, again;
	assert_true(claim(f, "w1", T0, &old));
	assert_false(claim(f, "w2", T0 + 59, &other)); /* still held */
	/* The build renews the lease to T0 + 90; the boot test then hangs. */
	assert_int_equal(report_built(f, &old, true, T0 + 30), 0);
	assert_true(claim(f, "w2", T0 + 91, &again));	  /* ran out: queued again, taken */
	assert_string_equal(job_state(f, id).module, ""); /* the lost claim's module is gone */
	assert_int_equal(again.id, id);
	assert_int_equal(again.attempt, 2);
	assert_string_equal(again.worker, "w2");
	/* w1 comes back late: its result must not land on w2's claim. */
	assert_int_equal(report_tested(f, &old, true, T0 + 92), -ESTALE);
	assert_int_equal(report_built(f, &again, true, T0 + 100), 0);
	/* The build renewed the lease: the test may take another full lease. */
	struct tt_job none;
	assert_false(claim(f, "w3", T0 + 155, &none));
	assert_int_equal(report_tested(f, &again, true, T0 + 155), 0);
	struct seen s = job_state(f, id);
	assert_int_equal(s.state, TT_JOB_PASSED);
	assert_int_equal(s.attempts, 2);
	tt_job_free(&old);
	tt_job_free(&again);
}

static void test_a_job_that_keeps_losing_its_lease_fails(void **state)
{
	struct fixture *f = *state;
	int64_t id = enqueue(f, "k");
	struct tt_job j1, j2, none;
	assert_true(claim(f, "w1", T0, &j1));
	assert_true(claim(f, "w2", T0 + 100, &j2)); /* attempt 2 of max 2 */
	long n = 0;
	struct tt_error err = {0};
	assert_int_equal(tt_store_job_expire(f->s, T0 + 200, &f->pol, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_false(claim(f, "w3", T0 + 300, &none));
	struct seen s = job_state(f, id);
	assert_int_equal(s.state, TT_JOB_FAILED);
	assert_non_null(strstr(s.error, "lease of worker w2 ran out (2 claims)"));
	tt_job_free(&j1);
	tt_job_free(&j2);
}

static int64_t passed_job(struct fixture *f)
{
	int64_t id = enqueue(f, "k");
	struct tt_job j;
	assert_true(claim(f, "w1", T0, &j));
	assert_int_equal(report_built(f, &j, true, T0 + 1), 0);
	assert_int_equal(report_tested(f, &j, true, T0 + 2), 0);
	tt_job_free(&j);
	return id;
}

static void test_approval_needs_a_second_person(void **state)
{
	struct fixture *f = *state;
	int64_t id = passed_job(f);
	int64_t queued = enqueue(f, "k0");
	struct tt_error err = {0};
	assert_int_equal(tt_store_job_approve(f->s, queued, "Bob", T0, &err), -EINVAL);
	assert_int_equal(tt_store_job_approve(f->s, id, "ann", T0, &err), -EPERM);
	assert_non_null(strstr(err.msg, "cannot also approve"));
	assert_string_equal(job_state(f, id).approved_by, "");
	assert_int_equal(tt_store_job_approve(f->s, id, "Bob", T0 + 5, &err), 0);
	assert_string_equal(job_state(f, id).approved_by, "Bob");
	assert_int_equal(tt_store_job_approve(f->s, id, "Carol", T0 + 6, &err), -EEXIST);
	assert_int_equal(tt_store_job_approve(f->s, 999, "Bob", T0, &err), -ENOENT);
}

/* The author of the revision a job built is the one the policy checks. */
static void test_approval_checks_the_built_revisions_author(void **state)
{
	struct fixture *f = *state;
	add_revision(f, "Bob", "rev 2\n");
	int64_t id = passed_job(f); /* builds revision 2, by Bob */
	struct tt_error err = {0};
	assert_int_equal(tt_store_job_approve(f->s, id, "Bob", T0, &err), -EPERM);
	assert_int_equal(tt_store_job_approve(f->s, id, "Ann", T0, &err), 0);
}

struct revs {
	int n;
	long rev[4];
	char author[4][16];
};

static int keep_rev(void *ctx, const struct tt_patch_revision *r)
{
	struct revs *v = ctx;
	v->rev[v->n] = r->rev;
	snprintf(v->author[v->n], sizeof(v->author[0]), "%s", r->author);
	v->n++;
	return 0;
}

static void test_revisions_keep_their_history(void **state)
{
	struct fixture *f = *state;
	add_revision(f, "Bob", "second\n");
	struct revs v = {0};
	struct tt_error err = {0};
	assert_int_equal(tt_store_revision_list(f->s, CVE, keep_rev, &v, &err), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.rev[0], 1);
	assert_string_equal(v.author[0], "Ann");
	assert_int_equal(v.rev[1], 2);
	assert_string_equal(v.author[1], "Bob");
	struct tt_patch_revision r;
	assert_int_equal(tt_store_revision_get(f->s, CVE, 0, &r, &err), 0);
	assert_int_equal(r.rev, 2);
	assert_string_equal(r.text, "second\n");
	/* sha256("second\n") */
	assert_string_equal(r.sha256,
			    "480c2336b410f1ad5f8bf1b28944490255804b65350c527787e74ebdd511e3a4");
	tt_patch_revision_free(&r);
	assert_int_equal(tt_store_revision_get(f->s, CVE, 7, &r, &err), -ENOENT);
	assert_int_equal(
	    tt_store_revision_add(f->s, "CVE-2024-4242", "Ann", "m", "x", T0, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "not in the store"));
	/* Invalid UTF-8 (an old commit's author, say) is stored, made valid. */
	assert_int_equal(tt_store_revision_add(f->s, CVE, "J\xf6rg", "m", "a\xff\n", T0, &r, &err),
			 0);
	assert_string_equal(r.author, "J?rg");
	assert_string_equal(r.text, "a?\n");
	tt_patch_revision_free(&r);
}

static void test_raw_patches_per_branch(void **state)
{
	struct fixture *f = *state;
	struct tt_raw_patch p = {.cve_id = CVE,
				 .branch = "6.1",
				 .commit_id = "abc",
				 .author = "Ann <a@x>",
				 .authored_at = T0,
				 .subject = "fs: fix",
				 .text = "From abc\n"};
	struct tt_error err = {0};
	assert_int_equal(tt_store_raw_patch_put(f->s, &p, T0, &err), 0);
	p.commit_id = "def";
	assert_int_equal(tt_store_raw_patch_put(f->s, &p, T0 + 1, &err), 0); /* replaces */
	struct tt_raw_patch back;
	assert_int_equal(tt_store_raw_patch_get(f->s, CVE, "6.1", &back, &err), 0);
	assert_string_equal(back.commit_id, "def");
	assert_int_equal(back.stored_at, T0 + 1);
	tt_raw_patch_free(&back);
	assert_int_equal(tt_store_raw_patch_get(f->s, CVE, "6.6", &back, &err), -ENOENT);
	p.cve_id = "CVE-2024-4242";
	assert_int_equal(tt_store_raw_patch_put(f->s, &p, T0, &err), -ENOENT);
}

static void test_the_worker_runs_jobs_through_the_store(void **state)
{
	struct fixture *f = *state;
	int64_t ok = enqueue(f, "good"), bad = enqueue(f, "bad");
	/* The build writes the module unless the kernel is "bad"; the test always passes. */
	const char *const build[] = {
	    "sh",     "-c",	  "[ \"$1\" != bad ] && echo built > \"$2\" && echo building $3",
	    "sh",     "{kernel}", "{module}",
	    "{name}", NULL};
	const char *const test[] = {"sh", "-c", "echo testing $0", "{job}", NULL};
	char workdir[96];
	snprintf(workdir, sizeof(workdir), "%s/work", f->dir);
	struct tt_worker_config cfg = {.name = "w1",
				       .workdir = workdir,
				       .build_cmd = build,
				       .test_cmd = test,
				       .build_timeout = 30,
				       .test_timeout = 30,
				       .until_empty = true};
	struct tt_job_source *src = tt_job_source_store_new(f->s, &f->pol);
	struct tt_worker_stats st;
	struct tt_error err = {0};
	int r = tt_worker_run(src, &cfg, &st, &err);
	free(src);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	assert_int_equal(st.claimed, 2);
	assert_int_equal(st.passed, 1);
	assert_int_equal(st.failed, 1);
	struct seen s = job_state(f, ok);
	assert_int_equal(s.state, TT_JOB_PASSED);
	assert_string_equal(s.build_log, "building cve_2024_1000_r1\n");
	char want[64];
	snprintf(want, sizeof(want), "testing %lld\n", (long long)ok);
	assert_string_equal(s.test_log, want);
	assert_true(tt_path_exists(s.module));
	s = job_state(f, bad);
	assert_int_equal(s.state, TT_JOB_FAILED);
	assert_string_equal(s.error, "the build exited with status 1");
	assert_string_equal(s.build_log, ""); /* it printed nothing */
}

int main(int argc, char **argv)
{
	use_pg = pgt_wanted(argc, argv);
	if (use_pg && pgt_unavailable())
		return PGT_SKIP;
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_claims_take_the_oldest_job_once),
	    T(test_queueing_is_all_or_nothing),
	    T(test_a_job_moves_through_build_and_test),
	    T(test_failures_end_the_job),
	    T(test_an_expired_lease_requeues_and_the_old_claim_is_refused),
	    T(test_a_job_that_keeps_losing_its_lease_fails),
	    T(test_approval_needs_a_second_person),
	    T(test_approval_checks_the_built_revisions_author),
	    T(test_revisions_keep_their_history),
	    T(test_raw_patches_per_branch),
	    T(test_the_worker_runs_jobs_through_the_store),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
