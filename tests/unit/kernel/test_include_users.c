// SPDX-License-Identifier: GPL-2.0-or-later
/* Which C files include a header: a small source tree written by the test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tuxtape/kernel.h"

static char root[] = "/tmp/tt-include-users-XXXXXX";

static void put(const char *rel, const char *text)
{
	char *path = tt_xasprintf("%s/%s", root, rel);
	char *dir = tt_xstrdup(path);
	*strrchr(dir, '/') = '\0';
	struct tt_error err = {0};
	assert_int_equal(tt_mkdir_p(dir, 0755, &err), 0);
	assert_int_equal(tt_write_file_atomic(path, text, strlen(text), &err), 0);
	free(dir);
	free(path);
}

static int tree_setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(root));
	put("include/linux/kconfig.h", "/* forced into every compile */\n");
	put("include/linux/compiler_types.h", "#include <linux/compiler_attributes.h>\n");
	put("include/linux/compiler_attributes.h", "#define __used\n");
	put("include/linux/list.h", "#include <linux/types.h>\n");
	put("include/linux/types.h", "#include <uapi/linux/types.h>\n#include <linux/list.h>\n");
	put("include/uapi/linux/types.h", "typedef int s32;\n");
	put("arch/x86/include/asm/page.h", "#include <asm-generic/page.h>\n");
	put("include/asm-generic/page.h", "#include <linux/list.h>\n");
	put("fs/proc/internal.h",
	    "#include <linux/types.h>\nstatic inline int f(void) { return 1; }\n");
	put("fs/proc/meminfo.c", "#include <asm/page.h>\n#include \"internal.h\"\n");
	put("fs/proc/cmdline.c", "  #  include   <linux/types.h>\n");
	put("fs/proc/sub/deep.c", "#include \"../internal.h\"\n");
	put("fs/proc/cond.c", "#ifdef CONFIG_X\n#include \"internal.h\"\n#endif\n");
	put("drivers/net/foo/foo_main.c", "#include \"foo.h\"\n");
	put("drivers/net/foo/foo.h", "#include <foo_hw.h>\n"); /* found through a Makefile's -I */
	put("drivers/net/foo/hw/foo_hw.h", "#define FOO 1\n");
	put("drivers/net/bar.c",
	    "#include <linux/list.h>\n/* #include \"internal.h\" is text */\n");
	return 0;
}

static int tree_teardown(void **state)
{
	(void)state;
	char *cmd = tt_xasprintf("rm -rf '%s'", root);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static char *users_of(const char *const *headers);

static char *users(const char *header)
{
	return users_of((const char *[]){header, NULL});
}

static char *users_of(const char *const *headers)
{
	static const char *const all[] = {"fs/proc/meminfo.c",		"fs/proc/cmdline.c",
					  "fs/proc/sub/deep.c",		"fs/proc/cond.c",
					  "drivers/net/foo/foo_main.c", "drivers/net/bar.c"};
	struct tt_strv sources = TT_STRV_INIT, out = TT_STRV_INIT, hs = TT_STRV_INIT;
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		tt_strv_push(&sources, all[i]);
	for (size_t i = 0; headers[i]; i++)
		tt_strv_push(&hs, headers[i]);
	struct tt_include_paths p = {.source_root = root, .obj_dir = NULL, .arch = "x86"};
	struct tt_error err = {0};
	assert_int_equal(tt_include_users(&p, &sources, &hs, &out, &err), 0);
	tt_strv_free(&hs);
	struct tt_buf b = TT_BUF_INIT;
	for (size_t i = 0; i < out.n; i++)
		tt_buf_addf(&b, "%s%s", i ? " " : "", out.v[i]);
	tt_strv_free(&sources);
	tt_strv_free(&out);
	return tt_buf_detach(&b);
}

static void expect_users(const char *header, const char *expected)
{
	char *got = users(header);
	assert_string_equal(got, expected);
	free(got);
}

/* Quoted includes beside the file, ../ paths, and conditional ones (which count). */
static void test_quoted_relative_and_conditional(void **state)
{
	(void)state;
	expect_users("fs/proc/internal.h", "fs/proc/meminfo.c fs/proc/sub/deep.c fs/proc/cond.c");
}

/* <...> through arch/x86/include, include/ and uapi, across a list.h <-> types.h cycle. */
static void test_system_paths_and_cycles(void **state)
{
	(void)state;
	expect_users("include/uapi/linux/types.h",
		     "fs/proc/meminfo.c fs/proc/cmdline.c fs/proc/sub/deep.c fs/proc/cond.c "
		     "drivers/net/bar.c");
	expect_users("include/asm-generic/page.h", "fs/proc/meminfo.c");
}

/* kbuild's forced includes reach every file; what they include too. */
static void test_forced_includes(void **state)
{
	(void)state;
	expect_users("include/linux/compiler_attributes.h",
		     "fs/proc/meminfo.c fs/proc/cmdline.c fs/proc/sub/deep.c fs/proc/cond.c "
		     "drivers/net/foo/foo_main.c drivers/net/bar.c");
}

/* An include found nowhere that names the header's tail counts (a Makefile's -I). */
static void test_unresolved_tail_match(void **state)
{
	(void)state;
	expect_users("drivers/net/foo/hw/foo_hw.h", "drivers/net/foo/foo_main.c");
	expect_users("drivers/net/foo/nothing.h", "");
}

/* Several headers in one pass: the users of any of them. */
static void test_several_headers(void **state)
{
	(void)state;
	char *got = users_of(
	    (const char *[]){"include/asm-generic/page.h", "drivers/net/foo/hw/foo_hw.h", NULL});
	assert_string_equal(got, "fs/proc/meminfo.c drivers/net/foo/foo_main.c");
	free(got);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct tt_strv sources = TT_STRV_INIT, out = TT_STRV_INIT, hs = TT_STRV_INIT;
	struct tt_include_paths p = {.source_root = root};
	struct tt_error err = {0};
	assert_int_equal(tt_include_users(&p, &sources, &hs, &out, &err), -EINVAL);
	tt_strv_push(&hs, "/abs/x.h");
	assert_int_equal(tt_include_users(&p, &sources, &hs, &out, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "relative"));
	tt_strv_free(&hs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quoted_relative_and_conditional),
	    cmocka_unit_test(test_system_paths_and_cycles),
	    cmocka_unit_test(test_forced_includes),
	    cmocka_unit_test(test_unresolved_tail_match),
	    cmocka_unit_test(test_several_headers),
	    cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, tree_setup, tree_teardown);
}
