// SPDX-License-Identifier: GPL-2.0-or-later
/* tt_run (the subprocess helper), Debian ABI names, and module info errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/build.h"

static void test_run_captures_output_and_status(void **state)
{
	const char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
	struct tt_run_result res;
	struct tt_error err = {0};
	assert_int_equal(tt_run(argv, NULL, 10, &res, &err), 0);
	assert_int_equal(res.status, 3);
	assert_false(res.timed_out);
	assert_string_equal(res.out, "out\nerr\n");
	assert_int_equal(res.out_len, 8);
	tt_run_result_free(&res);
}

static void test_run_in_directory_with_empty_output(void **state)
{
	const char *argv[] = {"sh", "-c", "[ \"$(pwd)\" = / ] && read x", NULL};
	struct tt_run_result res;
	assert_int_equal(tt_run(argv, "/", 10, &res, NULL), 0);
	/* stdin is /dev/null: read fails at once instead of waiting for a terminal. */
	assert_int_equal(res.status, 1);
	assert_string_equal(res.out, "");
	tt_run_result_free(&res);
}

static void test_run_timeout_kills_the_group(void **state)
{
	/* The child's own child must die too, or its open pipe would keep us waiting. */
	const char *argv[] = {"sh", "-c", "echo started; sleep 30 & sleep 30", NULL};
	struct tt_run_result res;
	assert_int_equal(tt_run(argv, NULL, 0.5, &res, NULL), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.status, 128 + 9);
	assert_true(res.seconds < 10);
	assert_string_equal(res.out, "started\n");
	tt_run_result_free(&res);
}

static void test_run_missing_program(void **state)
{
	const char *argv[] = {"tuxtape-no-such-program", "x", NULL};
	struct tt_run_result res;
	struct tt_error err = {0};
	assert_int_equal(tt_run(argv, NULL, 10, &res, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "tuxtape-no-such-program: not found"));
	const char *in_dir[] = {"sh", "-c", "true", NULL};
	assert_int_equal(tt_run(in_dir, "/nonexistent-dir", 10, &res, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent-dir"));
	char *s = tt_run_argv_str(argv);
	assert_string_equal(s, "tuxtape-no-such-program x");
	free(s);
}

static void test_debian_abi_split(void **state)
{
	char series[16], stem[32];
	assert_true(
	    tt_debian_abi_split("6.1.0-47-amd64", series, sizeof(series), stem, sizeof(stem)));
	assert_string_equal(series, "6.1");
	assert_string_equal(stem, "6.1.0-47");
	assert_true(tt_debian_abi_split("6.12.9-2-cloud-amd64", series, sizeof(series), stem,
					sizeof(stem)));
	assert_string_equal(series, "6.12");
	assert_string_equal(stem, "6.12.9-2");
	const char *bad[] = {"",
			     "6.1.0",
			     "6.1.0-47",
			     "6.1.0--amd64",
			     "6.1-47-amd64",
			     "6.1.0-47-amd64; rm",
			     "../6.1.0-47-amd64",
			     "6.1.0-47-"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(
		    tt_debian_abi_split(bad[i], series, sizeof(series), stem, sizeof(stem)));
	struct tt_debian_kernel k;
	struct tt_error err = {0};
	assert_int_equal(tt_debian_kernel_fetch("6.1.0", "/nonexistent", &k, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a Debian kernel ABI name"));
}

static void test_module_info_errors(void **state)
{
	char *name;
	bool lp;
	struct tt_error err = {0};
	assert_int_equal(tt_boot_module_info("/nonexistent.ko", &name, &lp, NULL, &err), -ENOENT);
	const char *dir = getenv("TT_FIXTURES");
	char *path = tt_xasprintf("%s/build/console-clean.log", dir ? dir : "tests/fixtures");
	assert_int_equal(tt_boot_module_info(path, &name, &lp, NULL, &err), -EINVAL);
	assert_null(name);
	free(path);
}

/* An object with a .modinfo section as modpost leaves it: NUL-separated key=value. */
static void test_module_info_reads_modinfo(void **state)
{
	char dir[] = "/tmp/tt-modinfo-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *src = tt_xasprintf("%s/m.c", dir), *obj = tt_xasprintf("%s/m.ko", dir);
	const char code[] =
	    "__attribute__((section(\".modinfo\"), used)) static const char\n"
	    "info[] = "
	    "\"license=GPL\\0livepatch=Y\\0depends=libcrc32c,crc_t10dif\\0name=tt_lp_x\\0\";\n";
	assert_int_equal(tt_write_file_atomic(src, code, strlen(code), NULL), 0);
	const char *argv[] = {"cc", "-c", "-o", obj, src, NULL};
	struct tt_run_result res;
	assert_int_equal(tt_run(argv, NULL, 60, &res, NULL), 0);
	assert_int_equal(res.status, 0);
	tt_run_result_free(&res);
	char *name;
	bool lp;
	struct tt_strv deps = TT_STRV_INIT;
	assert_int_equal(tt_boot_module_info(obj, &name, &lp, &deps, NULL), 0);
	assert_string_equal(name, "tt_lp_x");
	assert_true(lp);
	assert_int_equal(deps.n, 2);
	assert_string_equal(deps.v[0], "libcrc32c");
	assert_string_equal(deps.v[1], "crc_t10dif");
	tt_strv_free(&deps);
	free(name);
	unlink(src), unlink(obj), rmdir(dir);
	free(src), free(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_captures_output_and_status),
	    cmocka_unit_test(test_run_in_directory_with_empty_output),
	    cmocka_unit_test(test_run_timeout_kills_the_group),
	    cmocka_unit_test(test_run_missing_program),
	    cmocka_unit_test(test_debian_abi_split),
	    cmocka_unit_test(test_module_info_errors),
	    cmocka_unit_test(test_module_info_reads_modinfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
