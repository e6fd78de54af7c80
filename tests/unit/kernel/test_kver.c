// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "tuxtape/kernel.h"

static struct tt_kver V(const char *s) {
	struct tt_kver v;
	assert_int_equal(tt_kver_parse(s, &v, NULL), 0);
	return v;
}

static int
cmp(const char *a, const char *b)
{
	struct tt_kver x = V(a), y = V(b);
	int c = tt_kver_cmp(&x, &y);
	return (c > 0) - (c < 0);
}

static void assert_roundtrip(const char *s)
{
	struct tt_kver v = V(s);
	char buf[TT_KVER_STR_MAX];
	tt_kver_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, s);
}

static void test_parse_upstream_forms(void **state)
{
	struct tt_kver v = V("6.1.170");
	assert_int_equal(v.n_parts, 3);
	assert_int_equal(v.part[2], 170);
	assert_int_equal(v.rc, 0);
	v = V("6.8-rc3");
	assert_int_equal(v.n_parts, 2);
	assert_int_equal(v.rc, 3);
	v = V("2.6.39.4");
	assert_int_equal(v.n_parts, 4);
	assert_int_equal(v.part[3], 4);
	assert_roundtrip("6.1.170");
	assert_roundtrip("6.8");
	assert_roundtrip("6.8-rc3");
	assert_roundtrip("2.6.39.4");
	assert_roundtrip("2.6.12");
}

static void test_parse_rejects_garbage(void **state)
{
	struct tt_kver v;
	struct tt_error err = {0};
	const char *bad[] = {"",	"6",	 "6.",	  "v6.1",	  "6.1-rc",
			     "6.1-rc0", "6.1.x", "6.1 7", "1234567890.1", "6.1-47"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tt_kver_parse(bad[i], &v, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "6.1-47"));
	assert_int_equal(tt_kver_parse(" 6.1.2\n", &v, NULL), 0);
}

static void test_parse_prefix_stops_at_localversion(void **state)
{
	struct tt_kver v;
	const char *end;
	assert_int_equal(tt_kver_parse_prefix("6.1.0-47-amd64", &v, &end), 0);
	assert_string_equal(end, "-47-amd64");
	assert_int_equal(v.part[2], 0);
	assert_int_equal(tt_kver_parse_prefix("6.8-rc3+", &v, &end), 0);
	assert_int_equal(v.rc, 3);
	assert_string_equal(end, "+");
	assert_int_equal(tt_kver_parse_prefix("6.1.170-custom", &v, &end), 0);
	assert_string_equal(end, "-custom");
}

static void test_compare_rc_before_release_before_point(void **state)
{
	assert_int_equal(cmp("6.8-rc1", "6.8-rc3"), -1);
	assert_int_equal(cmp("6.8-rc3", "6.8"), -1);
	assert_int_equal(cmp("6.8", "6.8.0"), 0);
	assert_int_equal(cmp("6.8", "6.8.1"), -1);
	assert_int_equal(cmp("6.8.1", "6.9-rc1"), -1);
	assert_int_equal(cmp("6.7.12", "6.8-rc1"), -1);
	assert_int_equal(cmp("6.1.170", "6.1.99"), 1);
	assert_int_equal(cmp("2.6.39.4", "3.0"), -1);
	assert_int_equal(cmp("2.6.39.4", "2.6.39"), 1);
	assert_int_equal(cmp("6.10", "6.9.12"), 1);
}

static void test_branch_of_versions(void **state)
{
	char buf[TT_KVER_STR_MAX];
	struct tt_kver v = V("6.1.170");
	tt_kver_branch_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, "6.1");
	v = V("6.8-rc3");
	tt_kver_branch_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, "6.8");
	v = V("2.6.39.4");
	tt_kver_branch_format(&v, buf, sizeof(buf));
	assert_string_equal(buf, "2.6.39");
	struct tt_kver a = V("6.1.2"), b = V("6.1.170"), c = V("6.6.1");
	assert_true(tt_kver_same_branch(&a, &b));
	assert_false(tt_kver_same_branch(&a, &c));
	assert_true(tt_kver_branch_cmp(&b, &c) < 0);
}

static void test_mainline_releases(void **state)
{
	struct tt_kver v = V("6.8");
	assert_true(tt_kver_is_mainline(&v));
	v = V("6.8-rc3");
	assert_true(tt_kver_is_mainline(&v));
	v = V("2.6.39");
	assert_true(tt_kver_is_mainline(&v));
	v = V("6.8.1");
	assert_false(tt_kver_is_mainline(&v));
	v = V("2.6.39.4");
	assert_false(tt_kver_is_mainline(&v));
}

static enum tt_kver_pair_verdict pair(const char *v, const char *intro, const char *fix)
{
	struct tt_kver x = V(v), i, f;
	if (intro)
		i = V(intro);
	if (fix)
		f = V(fix);
	return tt_kver_pair_check(&x, intro ? &i : NULL, fix ? &f : NULL);
}

static void test_dyad_stable_fix_bounds_its_branch(void **state)
{
	assert_int_equal(pair("6.1.50", "5.10", "6.1.78"), TT_KVER_PAIR_AFFECTED);
	assert_int_equal(pair("6.1.78", "5.10", "6.1.78"), TT_KVER_PAIR_FIXED);
	assert_int_equal(pair("6.1.170", "5.10", "6.1.78"), TT_KVER_PAIR_FIXED);
	/* A stable fix says nothing about other branches. */
	assert_int_equal(pair("6.6.10", "5.10", "6.1.78"), TT_KVER_PAIR_OTHER_BRANCH);
	assert_int_equal(pair("5.15.10", "5.10", "6.1.78"), TT_KVER_PAIR_OTHER_BRANCH);
	/* Backported bug: introduced in 6.1.40 on that branch. */
	assert_int_equal(pair("6.1.30", "6.1.40", "6.1.78"), TT_KVER_PAIR_NOT_YET);
}

static void test_dyad_mainline_fix_covers_later_mainline(void **state)
{
	assert_int_equal(pair("6.8-rc1", "6.7", "6.8-rc3"), TT_KVER_PAIR_AFFECTED);
	assert_int_equal(pair("6.8", "6.7", "6.8-rc3"), TT_KVER_PAIR_FIXED);
	assert_int_equal(pair("6.8.5", "6.7", "6.8"), TT_KVER_PAIR_FIXED);
	assert_int_equal(pair("6.12.1", "6.7", "6.8"), TT_KVER_PAIR_FIXED);
	assert_int_equal(pair("6.6.20", "6.7", "6.8"), TT_KVER_PAIR_OTHER_BRANCH);
	/* Mainline releases before the fix are its ancestors; stable 6.7.y may have a backport. */
	assert_int_equal(pair("6.7", "6.6", "6.8"), TT_KVER_PAIR_AFFECTED);
	assert_int_equal(pair("6.7.3", "6.6", "6.8"), TT_KVER_PAIR_OTHER_BRANCH);
	assert_int_equal(pair("6.5", "6.6", "6.8"), TT_KVER_PAIR_NOT_YET);
}

static void test_dyad_never_fixed_branch_stays_vulnerable(void **state)
{
	assert_int_equal(pair("6.1.170", "6.1.40", NULL), TT_KVER_PAIR_AFFECTED);
	assert_int_equal(pair("6.1.39", "6.1.40", NULL), TT_KVER_PAIR_NOT_YET);
	assert_int_equal(pair("6.6.1", "6.1.40", NULL), TT_KVER_PAIR_OTHER_BRANCH);
	/* Never fixed in mainline: every later mainline branch inherits it. */
	assert_int_equal(pair("6.9.3", "6.5", NULL), TT_KVER_PAIR_AFFECTED);
}

static void test_dyad_unknown_origin_is_first_git_release(void **state)
{
	assert_int_equal(pair("2.6.12", NULL, "2.6.13"), TT_KVER_PAIR_AFFECTED);
	assert_int_equal(pair("6.1.10", NULL, "6.1.78"), TT_KVER_PAIR_AFFECTED);
	/* Same version on both sides: the bug never shipped on that branch. */
	assert_int_equal(pair("6.1.78", "6.1.78", "6.1.78"), TT_KVER_PAIR_FIXED);
	assert_int_equal(pair("6.1.77", "6.1.78", "6.1.78"), TT_KVER_PAIR_NOT_YET);
}

static void test_release_debian_abi_name_uses_proc_version(void **state)
{
	struct tt_kernel_release r;
	const char *pv = "Linux version 6.1.0-47-amd64 (debian-kernel@lists.debian.org) (gcc-12 "
			 "(Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) "
			 "2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.170-3 (2026-03-01)\n";
	assert_int_equal(tt_kernel_release_parse("6.1.0-47-amd64", pv, &r, NULL), 0);
	char buf[TT_KVER_STR_MAX];
	tt_kver_format(&r.upstream, buf, sizeof(buf));
	assert_string_equal(buf, "6.1.170");
	assert_true(r.upstream_exact);
	assert_int_equal(r.distro, TT_DISTRO_DEBIAN);
	assert_string_equal(r.distro_release, "6.1.170-3");
	assert_string_equal(r.localversion, "-47-amd64");
}

static void test_release_debian_without_proc_version_is_inexact(void **state)
{
	struct tt_kernel_release r;
	assert_int_equal(tt_kernel_release_parse("6.1.0-47-amd64", NULL, &r, NULL), 0);
	assert_false(r.upstream_exact);
	assert_int_equal(r.distro, TT_DISTRO_NONE);
}

static void test_release_ubuntu_signature(void **state)
{
	struct tt_kernel_release r;
	const char *pv = "Linux version 5.15.0-105-generic (buildd@lcy02) (gcc (Ubuntu "
			 "11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld 2.38) #115-Ubuntu SMP "
			 "Ubuntu 5.15.0-105.115-generic 5.15.149\n";
	assert_int_equal(tt_kernel_release_parse("5.15.0-105-generic", pv, &r, NULL), 0);
	char buf[TT_KVER_STR_MAX];
	tt_kver_format(&r.upstream, buf, sizeof(buf));
	assert_string_equal(buf, "5.15.149");
	assert_int_equal(r.distro, TT_DISTRO_UBUNTU);
	assert_string_equal(r.distro_release, "5.15.0-105.115");
	assert_true(r.upstream_exact);
}

static void test_release_custom_localversion(void **state)
{
	struct tt_kernel_release r;
	assert_int_equal(tt_kernel_release_parse(
			     "6.1.170-custom", "Linux version 6.1.170-custom (me@host)", &r, NULL),
			 0);
	assert_int_equal(r.upstream.part[2], 170);
	assert_true(r.upstream_exact);
	assert_string_equal(r.localversion, "-custom");
	assert_int_equal(r.distro, TT_DISTRO_NONE);
	struct tt_error err = {0};
	assert_int_equal(tt_kernel_release_parse("linux", NULL, &r, &err), -EINVAL);
}

static void test_release_host_reads_uname(void **state)
{
	struct tt_kernel_release r;
	assert_int_equal(tt_kernel_release_host(&r, NULL), 0);
	assert_true(r.upstream.part[0] >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_upstream_forms),
	    cmocka_unit_test(test_parse_rejects_garbage),
	    cmocka_unit_test(test_parse_prefix_stops_at_localversion),
	    cmocka_unit_test(test_compare_rc_before_release_before_point),
	    cmocka_unit_test(test_branch_of_versions),
	    cmocka_unit_test(test_mainline_releases),
	    cmocka_unit_test(test_dyad_stable_fix_bounds_its_branch),
	    cmocka_unit_test(test_dyad_mainline_fix_covers_later_mainline),
	    cmocka_unit_test(test_dyad_never_fixed_branch_stays_vulnerable),
	    cmocka_unit_test(test_dyad_unknown_origin_is_first_git_release),
	    cmocka_unit_test(test_release_debian_abi_name_uses_proc_version),
	    cmocka_unit_test(test_release_debian_without_proc_version_is_inexact),
	    cmocka_unit_test(test_release_ubuntu_signature),
	    cmocka_unit_test(test_release_custom_localversion),
	    cmocka_unit_test(test_release_host_reads_uname),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
