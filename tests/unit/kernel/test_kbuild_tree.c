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

#include "tuxtape/kernel.h"

static char *fixture(const char *name)
{
	const char *dir = getenv("TT_FIXTURES");
	return tt_xasprintf("%s/kernel/%s", dir ? dir : "tests/fixtures", name);
}

static void test_kcmd_parses_savedcmd_source_and_deps(void **state)
{
	const char *text =
	    "savedcmd_kernel/fork.o := gcc -nostdinc -c -o kernel/fork.o /s/kernel/fork.c\n"
	    "\n"
	    "source_kernel/fork.o := /s/kernel/fork.c\n"
	    "\n"
	    "deps_kernel/fork.o := \\\n"
	    "  /s/include/linux/kconfig.h \\\n"
	    "    $(wildcard include/config/CPU_BIG_ENDIAN) \\\n"
	    "    $(wildcard include/config/BOOGER) \\\n"
	    "  include/generated/autoconf.h \\\n"
	    "\n"
	    "kernel/fork.o: $(deps_kernel/fork.o)\n"
	    "\n"
	    "$(deps_kernel/fork.o):\n";
	struct tt_kcmd cmd;
	assert_int_equal(tt_kcmd_parse(text, strlen(text), "x.cmd", &cmd, NULL, NULL), 0);
	assert_string_equal(cmd.object, "kernel/fork.o");
	assert_string_equal(cmd.source, "/s/kernel/fork.c");
	assert_non_null(strstr(cmd.command, "-nostdinc"));
	assert_int_equal(cmd.deps.n, 2);
	assert_string_equal(cmd.deps.v[0], "/s/include/linux/kconfig.h");
	assert_string_equal(cmd.deps.v[1], "include/generated/autoconf.h");
	tt_kcmd_free(&cmd);
}

static void test_kcmd_old_cmd_spelling_and_garbage(void **state)
{
	const char *text = "cmd_fs/old.o := gcc -c fs/old.c\nsource_fs/old.o := fs/old.c\n";
	struct tt_kcmd cmd;
	assert_int_equal(tt_kcmd_parse(text, strlen(text), NULL, &cmd, NULL, NULL), 0);
	assert_string_equal(cmd.object, "fs/old.o");
	assert_string_equal(cmd.source, "fs/old.c");
	tt_kcmd_free(&cmd);
	struct tt_error err = {0};
	assert_int_equal(tt_kcmd_parse("hello\n", 6, "g.cmd", &cmd, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "g.cmd"));
}

static void test_tree_reads_fixture_build_dir(void **state)
{
	char *dir = fixture("build-o");
	struct tt_kbuild_tree *t;
	struct tt_error err = {0};
	assert_int_equal(tt_kbuild_tree_read(dir, NULL, &t, NULL, &err), 0);
	assert_string_equal(tt_kbuild_tree_source_root(t), "/src/linux");
	const struct tt_strv *s = tt_kbuild_tree_sources(t);
	const char *want[] = {"arch/x86/tools/relocs_64.c",
			      "drivers/bar/bar.c",
			      "drivers/foo/foo.mod.c",
			      "drivers/foo/foo_core.S",
			      "drivers/foo/foo_main.c",
			      "fs/old.c",
			      "kernel/fork.c",
			      "lib/crc32table.c"};
	assert_int_equal(s->n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < s->n; i++)
		assert_string_equal(s->v[i], want[i]);
	tt_kbuild_tree_free(t);
	free(dir);
}

static void test_tree_classifies_builtin_module_host(void **state)
{
	char *dir = fixture("build-o");
	struct tt_kbuild_tree *t;
	assert_int_equal(tt_kbuild_tree_read(dir, "/src/linux/", &t, NULL, NULL), 0);
	assert_int_equal(tt_kbuild_tree_lookup(t, "kernel/fork.c"), TT_KBUILD_BUILTIN);
	assert_int_equal(tt_kbuild_tree_lookup(t, "drivers/foo/foo_core.S"), TT_KBUILD_MODULE);
	assert_int_equal(tt_kbuild_tree_lookup(t, "arch/x86/tools/relocs_64.c"), TT_KBUILD_HOST);
	/* bar.mod is stale: bar.ko is not in modules.order. */
	assert_int_equal(tt_kbuild_tree_lookup(t, "drivers/bar/bar.c"), TT_KBUILD_BUILTIN);
	assert_int_equal(tt_kbuild_tree_lookup(t, "mm/slub.c"), TT_KBUILD_ABSENT);
	for (size_t i = 0; i < tt_kbuild_tree_count(t); i++) {
		const struct tt_kbuild_file *f = tt_kbuild_tree_file(t, i);
		if (strcmp(f->source, "drivers/foo/foo_main.c") == 0) {
			assert_string_equal(f->module, "drivers/foo/foo.ko");
			assert_false(f->generated);
		}
		if (strcmp(f->source, "drivers/foo/foo.mod.c") == 0) {
			assert_string_equal(f->module, "drivers/foo/foo.ko");
			assert_true(f->generated);
		}
		if (strcmp(f->source, "lib/crc32table.c") == 0)
			assert_true(f->generated);
	}
	tt_kbuild_tree_free(t);
	free(dir);
}

static void test_tree_headers_skip_wildcards_and_own_source(void **state)
{
	char *dir = fixture("build-o");
	struct tt_kbuild_tree *t;
	assert_int_equal(tt_kbuild_tree_read(dir, NULL, &t, NULL, NULL), 0);
	assert_true(tt_kbuild_tree_has_header(t, "include/linux/kconfig.h"));
	assert_true(tt_kbuild_tree_has_header(t, "include/generated/autoconf.h"));
	assert_true(tt_kbuild_tree_has_header(t, "kernel/fork_helpers.c"));
	assert_true(tt_kbuild_tree_has_header(t, "drivers/foo/foo.h"));
	assert_false(tt_kbuild_tree_has_header(t, "kernel/fork.c"));
	/* Link helpers and scripts/ are not kernel code. */
	assert_false(tt_kbuild_tree_has_header(t, "include/linux/export-internal.h"));
	const struct tt_strv *h = tt_kbuild_tree_headers(t);
	for (size_t i = 0; i < h->n; i++)
		assert_null(strstr(h->v[i], "wildcard"));
	tt_kbuild_tree_free(t);
	free(dir);
}

static void test_tree_in_tree_build_uses_build_dir_as_root(void **state)
{
	char *dir = fixture("build-intree");
	struct tt_kbuild_tree *t;
	assert_int_equal(tt_kbuild_tree_read(dir, NULL, &t, NULL, NULL), 0);
	char real[4096];
	assert_non_null(realpath(dir, real));
	assert_string_equal(tt_kbuild_tree_source_root(t), real);
	const struct tt_strv *s = tt_kbuild_tree_sources(t);
	assert_int_equal(s->n, 1); /* scripts/ is build machinery */
	assert_string_equal(s->v[0], "kernel/fork.c");
	assert_false(tt_kbuild_tree_file(t, 0)->generated);
	assert_true(tt_kbuild_tree_has_header(t, "include/linux/sched.h"));
	tt_kbuild_tree_free(t);
	free(dir);
}

static void test_tree_missing_dir_is_an_error(void **state)
{
	struct tt_kbuild_tree *t = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_kbuild_tree_read("/nonexistent/build", NULL, &t, NULL, &err), -ENOENT);
	assert_null(t);
}

static void test_tree_reproduces_real_defconfig_sources(void **state)
{
	const char *shared = getenv("TT_SHARED_DATA");
	char *tar = tt_xasprintf("%s/kbuild/x86_64-defconfig-6.1.192.cmd-files.tar.xz",
				 shared ? shared : "");
	char *list =
	    tt_xasprintf("%s/kbuild/x86_64-defconfig-6.1.192.sources.txt", shared ? shared : "");
	if (!shared || !tt_path_exists(tar) || !tt_path_exists(list)) {
		free(tar);
		free(list);
		skip();
	}
	char tmp[] = "/tmp/tt-kbuild-tree-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	char *cmd = tt_xasprintf("tar -xJf '%s' -C '%s'", tar, tmp);
	assert_int_equal(system(cmd), 0);
	struct tt_kbuild_tree *t;
	assert_int_equal(tt_kbuild_tree_read(tmp, NULL, &t, NULL, NULL), 0);
	assert_string_equal(tt_kbuild_tree_source_root(t), "/usr/src/linux-source-6.1");
	char *text;
	assert_int_equal(tt_read_file(list, &text, NULL, NULL), 0);
	struct tt_strv want = TT_STRV_INIT;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		tt_strv_push(&want, l);
	tt_strv_sort_unique(&want);
	const struct tt_strv *got = tt_kbuild_tree_sources(t);
	assert_int_equal(got->n, want.n);
	for (size_t i = 0; i < want.n; i++)
		assert_string_equal(got->v[i], want.v[i]);
	assert_int_equal(tt_kbuild_tree_lookup(t, "net/netfilter/xt_LOG.c"), TT_KBUILD_MODULE);
	assert_int_equal(tt_kbuild_tree_lookup(t, "kernel/fork.c"), TT_KBUILD_BUILTIN);
	assert_true(tt_kbuild_tree_has_header(t, "include/linux/sched.h"));
	tt_strv_free(&want);
	free(text);
	tt_kbuild_tree_free(t);
	char *rm = tt_xasprintf("rm -rf '%s'", tmp);
	assert_int_equal(system(rm), 0);
	free(rm);
	free(cmd);
	free(tar);
	free(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kcmd_parses_savedcmd_source_and_deps),
	    cmocka_unit_test(test_kcmd_old_cmd_spelling_and_garbage),
	    cmocka_unit_test(test_tree_reads_fixture_build_dir),
	    cmocka_unit_test(test_tree_classifies_builtin_module_host),
	    cmocka_unit_test(test_tree_headers_skip_wildcards_and_own_source),
	    cmocka_unit_test(test_tree_in_tree_build_uses_build_dir_as_root),
	    cmocka_unit_test(test_tree_missing_dir_is_an_error),
	    cmocka_unit_test(test_tree_reproduces_real_defconfig_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
