// SPDX-License-Identifier: GPL-2.0-or-later
/* The CNA version rules: .dyad pairs per branch, mainline lineage, the JSON cross-check. */
#include "triage_test.h"

/* Verdict of a kernel at version v for a CVE with these pairs (see dyad_record). */
static enum tt_triage_verdict check(const char *pairs, const char *v,
				    struct tt_triage_version_result *out)
{
	struct tt_cve_record rec;
	dyad_record(&rec, "CVE-2099-0001", pairs);
	struct tt_kver kv;
	assert_int_equal(tt_kver_parse(v, &kv, NULL), 0);
	assert_int_equal(tt_triage_check_version(&kv, rec.dyads, rec.n_dyads, NULL, 0, out), 0);
	tt_cve_record_free(&rec);
	return out->verdict;
}

static enum tt_triage_verdict check_record(const char *id, const char *v,
					   struct tt_triage_version_result *out)
{
	struct tt_cve_record rec;
	load_record(id, &rec);
	struct tt_kver kv;
	assert_int_equal(tt_kver_parse(v, &kv, NULL), 0);
	assert_int_equal(
	    tt_triage_check_version(&kv, rec.dyads, rec.n_dyads, rec.affected, rec.n_affected, out),
	    0);
	tt_cve_record_free(&rec);
	return out->verdict;
}

static void test_stable_fix_bounds_its_branch(void **state)
{
	struct tt_triage_version_result r;
	const char *pairs = "6.1.43>6.1.78 6.5>6.8";
	assert_int_equal(check(pairs, "6.1.50", &r), TT_VERDICT_AFFECTED);
	assert_string_equal(r.fixed_in, "6.1.78");
	assert_non_null(strstr(r.reason, "6.1 branch: introduced in 6.1.43, fixed in 6.1.78; this "
					 "kernel is 6.1.50 -> affected"));
	assert_int_equal(check(pairs, "6.1.78", &r), TT_VERDICT_FIXED);
	assert_string_equal(r.fixed_in, "6.1.78");
	assert_int_equal(check(pairs, "6.1.170", &r), TT_VERDICT_FIXED);
	assert_non_null(strstr(r.reason, "this kernel is 6.1.170 -> fixed"));
	/* Before the backport that introduced it. */
	assert_int_equal(check(pairs, "6.1.42", &r), TT_VERDICT_NOT_AFFECTED);
	assert_non_null(strstr(r.reason, "introduced in 6.1.43, after this kernel"));
}

static void test_never_fixed_branch_stays_vulnerable(void **state)
{
	struct tt_triage_version_result r;
	const char *pairs = "6.4.8>0 6.5>6.8";
	assert_int_equal(check(pairs, "6.4.10", &r), TT_VERDICT_AFFECTED);
	assert_int_equal(check(pairs, "6.4.99", &r), TT_VERDICT_AFFECTED);
	assert_string_equal(r.fixed_in, "");
	assert_non_null(strstr(r.reason, "never fixed on this branch"));
	assert_int_equal(check(pairs, "6.4.7", &r), TT_VERDICT_NOT_AFFECTED);
}

static void test_mainline_after_the_mainline_fix_is_fixed(void **state)
{
	struct tt_triage_version_result r;
	const char *pairs = "6.5>6.6.17 6.5>6.8";
	assert_int_equal(check(pairs, "6.8", &r), TT_VERDICT_FIXED);
	assert_int_equal(check(pairs, "6.9", &r), TT_VERDICT_FIXED);
	assert_int_equal(check(pairs, "6.10.3", &r), TT_VERDICT_FIXED);
	assert_string_equal(r.fixed_in, "6.8");
	assert_non_null(strstr(r.reason, "which the 6.10 branch descends from"));
	/* Mainline between introduction and fix. */
	assert_int_equal(check(pairs, "6.7", &r), TT_VERDICT_AFFECTED);
	assert_int_equal(check(pairs, "6.8-rc3", &r), TT_VERDICT_AFFECTED);
	/* Branch 6.7 has no pair: it inherited the bug from 6.5 and no fix reached it. */
	assert_int_equal(check(pairs, "6.7.12", &r), TT_VERDICT_AFFECTED);
	assert_non_null(strstr(r.reason, "no fix on this branch"));
	assert_int_equal(check(pairs, "6.6.20", &r), TT_VERDICT_FIXED);
	/* Introduced after the branch was created. */
	assert_int_equal(check(pairs, "6.1.170", &r), TT_VERDICT_NOT_AFFECTED);
	assert_non_null(strstr(r.reason, "introduced in mainline 6.5, after the 6.1 branch"));
}

static void test_zero_origin_is_before_git_history(void **state)
{
	struct tt_triage_version_result r;
	const char *pairs = "0>5.18.3 0>5.19";
	assert_int_equal(check(pairs, "5.18.2", &r), TT_VERDICT_AFFECTED);
	assert_non_null(strstr(r.reason, "introduced before git history (0:0)"));
	assert_int_equal(check(pairs, "5.18.3", &r), TT_VERDICT_FIXED);
	/* 5.15 has no pair: mainline had the bug at 5.15 and fixed it in 5.19 only. */
	assert_int_equal(check(pairs, "5.15.100", &r), TT_VERDICT_AFFECTED);
	assert_non_null(strstr(r.reason, "introduced in mainline 2.6.12"));
	assert_int_equal(check(pairs, "6.1.1", &r), TT_VERDICT_FIXED);
	assert_int_equal(check(pairs, "2.6.12", &r), TT_VERDICT_AFFECTED);
}

static void test_equal_versions_never_shipped(void **state)
{
	struct tt_triage_version_result r;
	const char *pairs = "4.19.316>4.19.316 6.5>6.8";
	assert_int_equal(check(pairs, "4.19.320", &r), TT_VERDICT_NOT_AFFECTED);
	assert_non_null(strstr(r.reason, "never shipped"));
	assert_int_equal(check(pairs, "4.19.300", &r), TT_VERDICT_NOT_AFFECTED);
	/* A never-shipped pair on the branch does not hide a bug inherited from mainline. */
	assert_int_equal(check("6.1.50>6.1.50 5.10>6.8", "6.1.60", &r), TT_VERDICT_AFFECTED);
}

static void test_branch_with_several_fixes_needs_the_last(void **state)
{
	struct tt_triage_version_result r;
	/* CVE-2023-52920: three fix commits reached 6.6. */
	const char *pairs = "5.3>6.6.64 5.3>6.6.70 5.3>6.6.140 5.3>6.8";
	assert_int_equal(check(pairs, "6.6.100", &r), TT_VERDICT_AFFECTED);
	assert_string_equal(r.fixed_in, "6.6.140");
	assert_int_equal(check(pairs, "6.6.140", &r), TT_VERDICT_FIXED);
}

static void test_reintroduced_bug_follows_the_later_interval(void **state)
{
	struct tt_triage_version_result r;
	/* CVE-2025-38585: introduced in 4.12, fixed in 4.18, reintroduced in 5.8. */
	const char *pairs = "4.12>4.18 5.8>6.12.42 5.8>6.17";
	assert_int_equal(check(pairs, "6.1.170", &r), TT_VERDICT_AFFECTED);
	assert_non_null(strstr(r.reason, "introduced in mainline 5.8"));
	assert_int_equal(check(pairs, "5.4.100", &r), TT_VERDICT_FIXED);
	assert_string_equal(r.fixed_in, "4.18");
	assert_int_equal(check(pairs, "6.12.50", &r), TT_VERDICT_FIXED);
	assert_int_equal(check(pairs, "4.14.1", &r), TT_VERDICT_AFFECTED);
	assert_int_equal(check(pairs, "4.9.1", &r), TT_VERDICT_NOT_AFFECTED);
}

static void test_fix_before_introduction_is_ignored_and_named(void **state)
{
	struct tt_triage_version_result r;
	/* CVE-2021-47645's dyad says 5.10 -> 5.2. */
	const char *pairs = "5.10>5.2 5.10>5.10.110 5.10>5.17.2";
	assert_int_equal(check(pairs, "6.1.10", &r), TT_VERDICT_AFFECTED);
	assert_non_null(strstr(r.reason, "the pair 5.10 -> 5.2 is fixed before it is introduced"));
	assert_int_equal(check(pairs, "5.10.110", &r), TT_VERDICT_FIXED);
}

static void test_stable_only_bug_spares_other_branches(void **state)
{
	struct tt_triage_version_result r;
	assert_int_equal(check("5.15.86>0 6.1.70>6.1.80", "6.6.1", &r), TT_VERDICT_NOT_AFFECTED);
	assert_non_null(strstr(r.reason, "never in mainline"));
}

static void test_release_candidate_of_the_introducing_cycle_counts(void **state)
{
	struct tt_triage_version_result r;
	/* "6.9" is somewhere in 6.9-rc1..6.9: an rc of that cycle may have it. */
	assert_int_equal(check("6.9>6.9.6 6.9>6.11", "6.9-rc2", &r), TT_VERDICT_AFFECTED);
	assert_int_equal(check("6.9>6.11", "6.8", &r), TT_VERDICT_NOT_AFFECTED);
}

static void test_no_pairs_is_unknown(void **state)
{
	struct tt_triage_version_result r;
	struct tt_kver v;
	tt_kver_parse("6.1.1", &v, NULL);
	assert_int_equal(tt_triage_check_version(&v, NULL, 0, NULL, 0, &r), 0);
	assert_int_equal(r.verdict, TT_VERDICT_UNKNOWN);
	assert_non_null(strstr(r.reason, "no .dyad"));
}

static void test_real_record_agrees_with_its_json(void **state)
{
	struct tt_triage_version_result r;
	static const struct {
		const char *v;
		enum tt_triage_verdict want;
	} cases[] = {
	    {"6.1.50", TT_VERDICT_AFFECTED},	 {"6.1.170", TT_VERDICT_FIXED},
	    {"6.1.20", TT_VERDICT_NOT_AFFECTED}, {"6.4.10", TT_VERDICT_AFFECTED},
	    {"6.6.5", TT_VERDICT_AFFECTED},	 {"6.9", TT_VERDICT_FIXED},
	    {"6.2.1", TT_VERDICT_NOT_AFFECTED},	 {"4.19.320", TT_VERDICT_NOT_AFFECTED},
	    {"5.4.270", TT_VERDICT_FIXED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(check_record("CVE-2024-26581", cases[i].v, &r), cases[i].want);
		if (r.json_disagrees)
			fail_msg("%s: %s", cases[i].v, r.reason);
	}
}

static void test_json_disagreement_is_named_not_obeyed(void **state)
{
	struct tt_triage_version_result r;
	/* The dyad says 6.1.71 introduced it and no 6.1 fix exists; the JSON lost that range. */
	assert_int_equal(check_record("CVE-2025-40039", "6.1.170", &r), TT_VERDICT_AFFECTED);
	assert_true(r.json_disagrees);
	assert_non_null(strstr(r.reason, "the JSON record's version ranges say unaffected"));
	/* A stable "0 lessThan 6.6.113" range speaks for 6.6 only, not for 6.1.170. */
	assert_int_equal(check_record("CVE-2025-38585", "6.1.170", &r), TT_VERDICT_AFFECTED);
	assert_false(r.json_disagrees);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stable_fix_bounds_its_branch),
	    cmocka_unit_test(test_never_fixed_branch_stays_vulnerable),
	    cmocka_unit_test(test_mainline_after_the_mainline_fix_is_fixed),
	    cmocka_unit_test(test_zero_origin_is_before_git_history),
	    cmocka_unit_test(test_equal_versions_never_shipped),
	    cmocka_unit_test(test_branch_with_several_fixes_needs_the_last),
	    cmocka_unit_test(test_reintroduced_bug_follows_the_later_interval),
	    cmocka_unit_test(test_fix_before_introduction_is_ignored_and_named),
	    cmocka_unit_test(test_stable_only_bug_spares_other_branches),
	    cmocka_unit_test(test_release_candidate_of_the_introducing_cycle_counts),
	    cmocka_unit_test(test_no_pairs_is_unknown),
	    cmocka_unit_test(test_real_record_agrees_with_its_json),
	    cmocka_unit_test(test_json_disagreement_is_named_not_obeyed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
