// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "tuxtape/kernel.h"

struct diags {
	int n;
	char last[512];
	int last_line;
};

static void record(void *ctx, const char *file, int line, const char *msg)
{
	struct diags *d = ctx;
	d->n++;
	d->last_line = line;
	snprintf(d->last, sizeof(d->last), "%s:%d: %s", file ? file : "?", line, msg);
}

static const char sample[] = "#\n"
			     "# Automatically generated file; DO NOT EDIT.\n"
			     "#\n"
			     "CONFIG_64BIT=y\n"
			     "CONFIG_EXT4_FS=m\n"
			     "# CONFIG_DEBUG_INFO is not set\n"
			     "CONFIG_LOCALVERSION=\"-custom \\\"x\\\"\"\n"
			     "CONFIG_NR_CPUS=64\n"
			     "CONFIG_PHYSICAL_START=0x1000000\n"
			     "CONFIG_ILLEGAL=maybe\n"
			     "\n"
			     "CONFIG_ARCH_MMAP_RND_BITS=-5\r\n"
			     "CONFIG_EXT4_FS=y\n";

static void test_kconfig_reads_all_value_forms(void **state)
{
	struct tt_kconfig *kc;
	struct diags d = {0};
	struct tt_diag_sink sink = {record, &d};
	assert_int_equal(tt_kconfig_parse(sample, strlen(sample), ".config", &kc, &sink, NULL), 0);
	assert_int_equal(tt_kconfig_state(kc, "CONFIG_64BIT"), TT_KCONFIG_Y);
	assert_int_equal(tt_kconfig_state(kc, "64BIT"), TT_KCONFIG_Y);
	assert_int_equal(tt_kconfig_state(kc, "DEBUG_INFO"), TT_KCONFIG_N);
	assert_null(tt_kconfig_get(kc, "DEBUG_INFO"));
	assert_int_equal(tt_kconfig_state(kc, "NOPE"), TT_KCONFIG_ABSENT);
	assert_int_equal(tt_kconfig_state(kc, "LOCALVERSION"), TT_KCONFIG_VALUE);
	assert_string_equal(tt_kconfig_get(kc, "LOCALVERSION"), "\"-custom \\\"x\\\"\"");
	assert_string_equal(tt_kconfig_get(kc, "NR_CPUS"), "64");
	assert_string_equal(tt_kconfig_get(kc, "PHYSICAL_START"), "0x1000000");
	assert_string_equal(tt_kconfig_get(kc, "ARCH_MMAP_RND_BITS"), "-5");
	tt_kconfig_free(kc);
}

static void test_kconfig_later_line_overrides(void **state)
{
	struct tt_kconfig *kc;
	assert_int_equal(tt_kconfig_parse(sample, strlen(sample), NULL, &kc, NULL, NULL), 0);
	assert_int_equal(tt_kconfig_state(kc, "EXT4_FS"), TT_KCONFIG_Y);
	/* Iteration keeps first-appearance order and counts each symbol once. */
	assert_int_equal(tt_kconfig_count(kc), 7);
	const char *v;
	assert_string_equal(tt_kconfig_name_at(kc, 1, &v), "CONFIG_EXT4_FS");
	assert_string_equal(v, "y");
	assert_null(tt_kconfig_name_at(kc, 99, &v));
	tt_kconfig_free(kc);
}

static void test_kconfig_reports_malformed_line_with_file_and_line(void **state)
{
	struct tt_kconfig *kc;
	struct diags d = {0};
	struct tt_diag_sink sink = {record, &d};
	const char *text = "CONFIG_A=y\nCONFIG_B=\"open\nFOO=y\nCONFIG_C y\n";
	assert_int_equal(tt_kconfig_parse(text, strlen(text), "my.config", &kc, &sink, NULL), 0);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.last_line, 4);
	assert_non_null(strstr(d.last, "my.config:4"));
	assert_int_equal(tt_kconfig_state(kc, "A"), TT_KCONFIG_Y);
	assert_int_equal(tt_kconfig_state(kc, "B"), TT_KCONFIG_ABSENT);
	tt_kconfig_free(kc);
}

static void test_kconfig_loads_gzip_and_plain(void **state)
{
	char plain[] = "/tmp/tt-kconfig-XXXXXX";
	int fd = mkstemp(plain);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, sample, strlen(sample)), (ssize_t)strlen(sample));
	close(fd);
	char *gzpath = tt_xasprintf("%s.gz", plain);
	gzFile gz = gzopen(gzpath, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, sample, strlen(sample)), (int)strlen(sample));
	gzclose(gz);
	const char *paths[] = {plain, gzpath};
	for (int i = 0; i < 2; i++) {
		struct tt_kconfig *kc;
		assert_int_equal(tt_kconfig_load(paths[i], &kc, NULL, NULL), 0);
		assert_int_equal(tt_kconfig_state(kc, "NR_CPUS"), TT_KCONFIG_VALUE);
		tt_kconfig_free(kc);
	}
	unlink(plain);
	unlink(gzpath);
	struct tt_kconfig *kc = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_kconfig_load(gzpath, &kc, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, gzpath));
	free(gzpath);
}

static void test_kconfig_real_defconfig(void **state)
{
	const char *shared = getenv("TT_SHARED_DATA");
	char *path =
	    tt_xasprintf("%s/kbuild/x86_64-defconfig-6.1.192.config", shared ? shared : "");
	if (!shared || !tt_path_exists(path)) {
		free(path);
		skip();
	}
	struct tt_kconfig *kc;
	struct diags d = {0};
	struct tt_diag_sink sink = {record, &d};
	assert_int_equal(tt_kconfig_load(path, &kc, &sink, NULL), 0);
	assert_int_equal(d.n, 0);
	assert_true(tt_kconfig_count(kc) > 3000);
	assert_int_equal(tt_kconfig_state(kc, "X86_64"), TT_KCONFIG_Y);
	tt_kconfig_free(kc);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kconfig_reads_all_value_forms),
	    cmocka_unit_test(test_kconfig_later_line_overrides),
	    cmocka_unit_test(test_kconfig_reports_malformed_line_with_file_and_line),
	    cmocka_unit_test(test_kconfig_loads_gzip_and_plain),
	    cmocka_unit_test(test_kconfig_real_defconfig),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
