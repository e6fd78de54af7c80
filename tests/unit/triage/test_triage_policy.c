// SPDX-License-Identifier: GPL-2.0-or-later
/* The priority policy: defaults, the key = value file, errors that name the line. */
#include <math.h>

#include "triage_test.h"

static void test_defaults_are_documented_and_applied(void **state)
{
	struct tt_policy *pol = tt_policy_new();
	size_t n;
	const struct tt_policy_key *keys = tt_policy_keys(&n);
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(keys[i].help);
		assert_true(strlen(keys[i].help) > 10);
	}
	assert_true(tt_policy_get(pol, "kev") == 100);
	assert_true(tt_policy_get(pol, "kev.first") == 1);
	assert_true(tt_policy_get(pol, "ssvc.active") > tt_policy_get(pol, "ssvc.poc"));
	assert_true(isnan(tt_policy_get(pol, "no.such.key")));
	tt_policy_free(pol);
}

static void test_policy_file_overrides_with_comments_and_section(void **state)
{
	struct tt_policy *pol = tt_policy_new();
	char *path = tri_fixture("policy/strict.policy");
	struct tt_error err = {0};
	assert_int_equal(tt_policy_load(pol, path, &err), 0);
	assert_true(tt_policy_get(pol, "kev") == 500);
	assert_true(tt_policy_get(pol, "build.module") == -5);
	assert_true(tt_policy_get(pol, "kev.first") == 0);
	struct tt_buf b = TT_BUF_INIT;
	tt_policy_format(pol, &b);
	assert_non_null(strstr(tt_buf_str(&b), "cvss.order = nvd,cna\n"));
	assert_non_null(strstr(tt_buf_str(&b), "kev = 500\n"));
	tt_buf_free(&b);
	free(path);
	tt_policy_free(pol);
}

static void test_unknown_key_is_an_error_naming_the_line(void **state)
{
	struct tt_policy *pol = tt_policy_new();
	char *path = tri_fixture("policy/typo.policy");
	struct tt_error err = {0};
	assert_int_equal(tt_policy_load(pol, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "typo.policy:2:"));
	assert_non_null(strstr(err.msg, "ssvc.activ"));
	/* Nothing of a bad file is applied, not even its good first line. */
	assert_true(tt_policy_get(pol, "kev") == 100);
	free(path);
	tt_policy_free(pol);
}

static void test_bad_value_is_an_error(void **state)
{
	struct tt_policy *pol = tt_policy_new();
	char *path = tri_fixture("policy/bad_value.policy");
	struct tt_error err = {0};
	assert_int_equal(tt_policy_load(pol, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ":3:"));
	assert_non_null(strstr(err.msg, "expected a number"));
	assert_int_equal(tt_policy_set(pol, "cvss.order", "cna,cna", &err), -EINVAL);
	assert_int_equal(tt_policy_set(pol, "kev.first", "maybe", &err), -EINVAL);
	assert_int_equal(tt_policy_set(pol, "kev", "1e9", &err), -EINVAL);
	static const char broken[] = "[scoring]\n";
	assert_int_equal(tt_policy_parse(pol, broken, sizeof(broken) - 1, "x", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "x:1: unknown section"));
	static const char no_eq[] = "kev 100\n";
	assert_int_equal(tt_policy_parse(pol, no_eq, sizeof(no_eq) - 1, "x", &err), -EINVAL);
	free(path);
	tt_policy_free(pol);
}

static void test_nul_byte_is_rejected(void **state)
{
	struct tt_policy *pol = tt_policy_new();
	static const char text[] = "kev = 1\0 0\n";
	struct tt_error err = {0};
	assert_int_equal(tt_policy_parse(pol, text, sizeof(text) - 1, "x", &err), -EINVAL);
	tt_policy_free(pol);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_are_documented_and_applied),
	    cmocka_unit_test(test_policy_file_overrides_with_comments_and_section),
	    cmocka_unit_test(test_unknown_key_is_an_error_naming_the_line),
	    cmocka_unit_test(test_bad_value_is_an_error),
	    cmocka_unit_test(test_nul_byte_is_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
