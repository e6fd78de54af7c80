// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/util.h"

static void test_buf_appends_and_formats(void **state)
{
	struct tt_buf b = TT_BUF_INIT;
	assert_string_equal(tt_buf_str(&b), "");
	tt_buf_adds(&b, "CVE-");
	tt_buf_addf(&b, "%d-%05d", 2024, 26581);
	tt_buf_addc(&b, '!');
	assert_string_equal(tt_buf_str(&b), "CVE-2024-26581!");
	assert_int_equal(b.len, 15);
	char *s = tt_buf_detach(&b);
	assert_string_equal(s, "CVE-2024-26581!");
	assert_null(b.buf);
	free(s);
}

static void test_strv_sort_unique_removes_duplicates(void **state)
{
	struct tt_strv sv = TT_STRV_INIT;
	tt_strv_push(&sv, "net/b.c");
	tt_strv_push(&sv, "fs/a.c");
	tt_strv_push(&sv, "net/b.c");
	tt_strv_sort_unique(&sv);
	assert_int_equal(sv.n, 2);
	assert_string_equal(sv.v[0], "fs/a.c");
	assert_true(tt_strv_contains(&sv, "net/b.c"));
	assert_false(tt_strv_contains(&sv, "mm/c.c"));
	tt_strv_free(&sv);
}

static void test_iso8601_parses_zones_and_dates(void **state)
{
	int64_t t;
	assert_int_equal(tt_parse_iso8601("2024-02-22", &t), 0);
	assert_int_equal(t, 1708560000);
	assert_int_equal(tt_parse_iso8601("2024-02-22T17:00:00.123Z", &t), 0);
	assert_int_equal(t, 1708560000 + 17 * 3600);
	assert_int_equal(tt_parse_iso8601("2024-02-22T18:00:00+01:00", &t), 0);
	assert_int_equal(t, 1708560000 + 17 * 3600);
	assert_int_equal(tt_parse_iso8601("2024-13-01", &t), -EINVAL);
	assert_int_equal(tt_parse_iso8601("yesterday", &t), -EINVAL);
	char out[32];
	tt_format_iso8601(1708560000, out, sizeof(out));
	assert_string_equal(out, "2024-02-22T00:00:00Z");
}

static void test_atomic_write_replaces_file_and_read_back(void **state)
{
	char dir[] = "/tmp/tt-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = tt_xasprintf("%s/sub/dir/file.txt", dir);
	char *parent = tt_xasprintf("%s/sub/dir", dir);
	struct tt_error err = {0};
	assert_int_equal(tt_mkdir_p(parent, 0755, &err), 0);
	assert_int_equal(tt_write_file_atomic(path, "one", 3, &err), 0);
	assert_int_equal(tt_write_file_atomic(path, "second", 6, &err), 0);
	char *data;
	size_t len;
	assert_int_equal(tt_read_file(path, &data, &len, &err), 0);
	assert_int_equal(len, 6);
	assert_string_equal(data, "second");
	free(data);
	unlink(path);
	char *missing = tt_xasprintf("%s/nope", dir);
	assert_int_equal(tt_read_file(missing, &data, &len, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "nope"));
	free(missing);
	free(path);
	free(parent);
	char *cmd = tt_xasprintf("rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void test_error_prefix_keeps_message(void **state)
{
	struct tt_error err = {0};
	assert_int_equal(tt_error_set(&err, -EINVAL, "bad line %d", 3), -EINVAL);
	tt_error_prefix(&err, "%s: ", "x.dyad");
	assert_string_equal(err.msg, "x.dyad: bad line 3");
	assert_int_equal(err.code, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_appends_and_formats),
	    cmocka_unit_test(test_strv_sort_unique_removes_duplicates),
	    cmocka_unit_test(test_iso8601_parses_zones_and_dates),
	    cmocka_unit_test(test_atomic_write_replaces_file_and_read_back),
	    cmocka_unit_test(test_error_prefix_keeps_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
