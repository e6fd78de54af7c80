// SPDX-License-Identifier: GPL-2.0-or-later
/* The pipeline's rules without a store: job states, the review policy, fix selection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

static void test_states_round_trip_through_their_names(void **state)
{
	(void)state;
	for (int s = TT_JOB_QUEUED; s <= TT_JOB_FAILED; s++) {
		enum tt_job_state back;
		assert_int_equal(tt_job_state_parse(tt_job_state_name(s), &back), 0);
		assert_int_equal(back, s);
	}
	enum tt_job_state x;
	assert_int_equal(tt_job_state_parse("approved", &x), -EINVAL);
	assert_int_equal(tt_job_state_parse(NULL, &x), -EINVAL);
}

static void test_transitions_follow_the_queue(void **state)
{
	(void)state;
	assert_true(tt_job_transition_allowed(TT_JOB_QUEUED, TT_JOB_CLAIMED));
	assert_false(tt_job_transition_allowed(TT_JOB_QUEUED, TT_JOB_BUILT));
	assert_false(tt_job_transition_allowed(TT_JOB_QUEUED, TT_JOB_PASSED));
	assert_true(tt_job_transition_allowed(TT_JOB_CLAIMED, TT_JOB_BUILT));
	assert_true(tt_job_transition_allowed(TT_JOB_CLAIMED, TT_JOB_FAILED));
	assert_true(tt_job_transition_allowed(TT_JOB_CLAIMED, TT_JOB_QUEUED));	/* lease ran out */
	assert_false(tt_job_transition_allowed(TT_JOB_CLAIMED, TT_JOB_PASSED)); /* untested */
	assert_true(tt_job_transition_allowed(TT_JOB_BUILT, TT_JOB_PASSED));
	assert_true(tt_job_transition_allowed(TT_JOB_BUILT, TT_JOB_FAILED));
	assert_true(tt_job_transition_allowed(TT_JOB_BUILT, TT_JOB_QUEUED));
	for (int to = TT_JOB_QUEUED; to <= TT_JOB_FAILED; to++) {
		assert_false(tt_job_transition_allowed(TT_JOB_PASSED, to));
		assert_false(tt_job_transition_allowed(TT_JOB_FAILED, to));
	}
}

static void test_the_author_cannot_approve(void **state)
{
	(void)state;
	struct tt_error err = {0};
	assert_int_equal(tt_approval_check("Ann", "Ann", TT_JOB_PASSED, false, &err), -EPERM);
	assert_non_null(strstr(err.msg, "cannot also approve"));
	/* Spelling does not make a second person. */
	assert_int_equal(
	    tt_approval_check("Ann Author", "  ann author ", TT_JOB_PASSED, false, &err), -EPERM);
	assert_int_equal(tt_approval_check("Ann", "Bob", TT_JOB_PASSED, false, &err), 0);
}

static void test_only_a_passed_job_once(void **state)
{
	(void)state;
	struct tt_error err = {0};
	for (int s = TT_JOB_QUEUED; s <= TT_JOB_FAILED; s++)
		if (s != TT_JOB_PASSED) {
			assert_int_equal(tt_approval_check("Ann", "Bob", s, false, &err), -EINVAL);
			assert_non_null(strstr(err.msg, tt_job_state_name(s)));
		}
	assert_int_equal(tt_approval_check("Ann", "Bob", TT_JOB_PASSED, true, &err), -EEXIST);
	assert_int_equal(tt_approval_check("Ann", " ", TT_JOB_PASSED, false, &err), -EINVAL);
	assert_int_equal(tt_approval_check("Ann", NULL, TT_JOB_PASSED, false, &err), -EINVAL);
}

static void test_module_names_are_livepatch_names(void **state)
{
	(void)state;
	char *n = tt_job_module_name("CVE-2024-26581", 12);
	assert_string_equal(n, "cve_2024_26581_r12");
	free(n);
}

/* 40-hex commit ids, as .dyad files name them. */
#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccccccccccc"
#define D "dddddddddddddddddddddddddddddddddddddddd"

static void record_with_dyads(struct tt_cve_record *rec, const char *dyads)
{
	tt_cve_record_init(rec);
	snprintf(rec->id, sizeof(rec->id), "CVE-2024-1000");
	assert_int_equal(tt_dyad_parse(dyads, strlen(dyads), "x.dyad", rec, NULL), 0);
}

static void test_fix_commit_by_branch(void **state)
{
	(void)state;
	struct tt_cve_record rec;
	char dyads[512];
	snprintf(dyads, sizeof(dyads),
		 "6.1.43:%s:6.1.78:%s\n6.6.1:%s:6.6.20:%s\n5.10.1:%s:0:0\n"
		 "6.1.43:%s:6.8:%s\n",
		 A, B, A, C, A, A, D);
	record_with_dyads(&rec, dyads);
	tt_strv_push(&rec.fix_commits, D);
	char *commit, *branch;
	struct tt_error err = {0};
	assert_int_equal(tt_pipeline_fix_commit(&rec, "6.1", &commit, &branch, &err), 0);
	assert_string_equal(commit, B);
	assert_string_equal(branch, "6.1");
	free(commit);
	free(branch);
	assert_int_equal(tt_pipeline_fix_commit(&rec, NULL, &commit, &branch, &err), 0);
	assert_string_equal(commit, D);
	assert_string_equal(branch, "mainline");
	free(commit);
	free(branch);
	assert_int_equal(tt_pipeline_fix_commit(&rec, "5.10", &commit, &branch, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "not fixed on the 5.10 branch"));
	assert_int_equal(tt_pipeline_fix_commit(&rec, "5.15", &commit, &branch, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "6.1, 6.6, 6.8"));
	assert_null(commit);
	tt_cve_record_free(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_states_round_trip_through_their_names),
	    cmocka_unit_test(test_transitions_follow_the_queue),
	    cmocka_unit_test(test_the_author_cannot_approve),
	    cmocka_unit_test(test_only_a_passed_job_once),
	    cmocka_unit_test(test_module_names_are_livepatch_names),
	    cmocka_unit_test(test_fix_commit_by_branch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
