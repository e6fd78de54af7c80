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

struct mini {
	char *root;
	struct tt_kconfig *cfg;
	struct tt_kbuild_prediction *p;
};

static int mini_setup(void **state)
{
	struct mini *m = tt_xcalloc(1, sizeof(*m));
	const char *fx = getenv("TT_FIXTURES");
	m->root = tt_xasprintf("%s/kernel/src-mini", fx ? fx : "tests/fixtures");
	char *cfg = tt_xasprintf("%s/dot.config", m->root);
	assert_int_equal(tt_kconfig_load(cfg, &m->cfg, NULL, NULL), 0);
	free(cfg);
	struct tt_kbuild_predict_opts o = {.source_root = m->root, .arch = "x86"};
	assert_int_equal(tt_kbuild_predict(&o, m->cfg, &m->p, NULL, NULL), 0);
	*state = m;
	return 0;
}

static int mini_teardown(void **state)
{
	struct mini *m = *state;
	tt_kbuild_prediction_free(m->p);
	tt_kconfig_free(m->cfg);
	free(m->root);
	free(m);
	return 0;
}

static const struct tt_kbuild_file *find(const struct tt_kbuild_prediction *p, const char *obj)
{
	for (size_t i = 0; i < tt_kbuild_prediction_count(p); i++)
		if (strcmp(tt_kbuild_prediction_file(p, i)->object, obj) == 0)
			return tt_kbuild_prediction_file(p, i);
	return NULL;
}

static void assert_kind(const struct mini *m, const char *src, enum tt_kbuild_kind k)
{
	enum tt_kbuild_kind got = tt_kbuild_prediction_lookup(m->p, src);
	if (got != k)
		fail_msg("%s: %s, expected %s", src, tt_kbuild_kind_name(got),
			 tt_kbuild_kind_name(k));
}

static void test_predict_follows_arch_makefile_and_exports(void **state)
{
	struct mini *m = *state;
	/* BITS comes from arch/x86/Makefile's export; arch/x86/lib from its libs-y. */
	assert_kind(m, "arch/x86/kernel/head_64.S", TT_KBUILD_BUILTIN);
	assert_kind(m, "arch/x86/lib/memcpy_64.S", TT_KBUILD_BUILTIN);
	assert_kind(m, "arch/x86/lib/misc.c", TT_KBUILD_BUILTIN);
	/* The boot code comes from the per-arch table (setup-y). */
	assert_kind(m, "arch/x86/boot/a20.c", TT_KBUILD_BUILTIN);
	assert_kind(m, "arch/x86/boot/apm.c", TT_KBUILD_ABSENT);
	/* A recipe line that looks like an assignment is not one. */
	assert_null(find(m->p, "arch/x86/recipe-not-a-dir/x.o"));
}

static void test_predict_conditionals_and_config(void **state)
{
	struct mini *m = *state;
	assert_kind(m, "kernel/fork.c", TT_KBUILD_BUILTIN);
	assert_kind(m, "kernel/foo.c", TT_KBUILD_BUILTIN);
	assert_kind(m, "kernel/nofoo.c", TT_KBUILD_ABSENT);
	assert_kind(m, "kernel/bar.c", TT_KBUILD_ABSENT);
	assert_kind(m, "kernel/hz250.c", TT_KBUILD_BUILTIN);
	assert_kind(m, "kernel/module/main.c", TT_KBUILD_BUILTIN);
	assert_kind(m, "init/initramfs.c", TT_KBUILD_ABSENT);
	/* CONFIG_NET is not set: net/ is never visited. */
	assert_kind(m, "net/socket.c", TT_KBUILD_ABSENT);
}

static void test_predict_composite_module_and_builtin_wins(void **state)
{
	struct mini *m = *state;
	const struct tt_kbuild_file *f = find(m->p, "drivers/foo/foo_debug.o");
	assert_non_null(f);
	assert_int_equal(f->kind, TT_KBUILD_MODULE);
	assert_string_equal(f->module, "drivers/foo/foo.ko");
	assert_kind(m, "drivers/foo/foo_main.c", TT_KBUILD_MODULE);
	f = find(m->p, "drivers/foo/foo.mod.o");
	assert_non_null(f);
	assert_true(f->generated);
	/* drivers/foo/ is reached through obj-m only: its obj-y is not built. */
	assert_kind(m, "drivers/foo/notbuilt.c", TT_KBUILD_ABSENT);
	/* Listed in obj-y and obj-m: only the built-in one is built. */
	assert_kind(m, "drivers/bar/bar.c", TT_KBUILD_BUILTIN);
	assert_kind(m, "drivers/bar/baz.c", TT_KBUILD_MODULE);
}

static void test_predict_generated_and_rule_sources(void **state)
{
	struct mini *m = *state;
	const struct tt_kbuild_file *f = find(m->p, "drivers/bar/gen_table.o");
	assert_non_null(f);
	assert_true(f->generated);
	assert_string_equal(f->source, "drivers/bar/gen_table.c");
	/* "$(obj)/lib-%.o: $(srctree)/lib/%.c" compiles lib/sort.c here too. */
	f = find(m->p, "drivers/bar/lib-sort.o");
	assert_non_null(f);
	assert_string_equal(f->source, "lib/sort.c");
	assert_false(f->generated);
}

static void test_predict_unknown_condition_is_unknown_not_absent(void **state)
{
	struct mini *m = *state;
	assert_kind(m, "drivers/probe.c", TT_KBUILD_UNKNOWN);
	/* What is known in that directory is still predicted. */
	assert_kind(m, "drivers/core.c", TT_KBUILD_BUILTIN);
	assert_int_equal(tt_kbuild_prediction_n_unknowns(m->p), 1);
	const struct tt_kbuild_unknown *u = tt_kbuild_prediction_unknown(m->p, 0);
	assert_string_equal(u->dir, "drivers");
	assert_non_null(strstr(u->reason, "cc-option"));
	assert_non_null(strstr(u->reason, "drivers/Makefile:4"));
	/* A subdirectory evaluated cleanly is not affected. */
	assert_kind(m, "drivers/bar/nothing.c", TT_KBUILD_ABSENT);
}

static void test_predict_requires_source_tree(void **state)
{
	struct tt_kbuild_prediction *p = NULL;
	struct tt_error err = {0};
	struct tt_kbuild_predict_opts o = {.source_root = "/nonexistent/tree"};
	assert_int_equal(tt_kbuild_predict(&o, NULL, &p, NULL, &err), -ENOENT);
	assert_null(p);
	o.source_root = NULL;
	assert_int_equal(tt_kbuild_predict(&o, NULL, &p, NULL, &err), -EINVAL);
}

static void load_list(const char *path, struct tt_strv *out)
{
	char *text;
	assert_int_equal(tt_read_file(path, &text, NULL, NULL), 0);
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		tt_strv_push(out, l);
	tt_strv_sort_unique(out);
	free(text);
}

/* The real thing: Debian's 6.1.192 source with the defconfig the shared data was built from. */
static void test_predict_real_defconfig_matches_build(void **state)
{
	const char *shared = getenv("TT_SHARED_DATA");
	const char *src = getenv("TT_KERNEL_SRC");
	char *home_src = tt_xasprintf("%s/tuxtape/src/linux-source-6.1.192-1/linux-source-6.1",
				      getenv("XDG_CACHE_HOME") ? getenv("XDG_CACHE_HOME") : "");
	char *dflt = tt_xasprintf("%s/.cache/tuxtape/src/linux-source-6.1.192-1/linux-source-6.1",
				  getenv("HOME") ? getenv("HOME") : "");
	if (!src)
		src = tt_path_exists(home_src) ? home_src : dflt;
	char *cfgp =
	    tt_xasprintf("%s/kbuild/x86_64-defconfig-6.1.192.config", shared ? shared : "");
	char *list =
	    tt_xasprintf("%s/kbuild/x86_64-defconfig-6.1.192.sources.txt", shared ? shared : "");
	if (!shared || !tt_path_exists(cfgp) || !tt_path_exists(src)) {
		free(home_src), free(dflt), free(cfgp), free(list);
		skip();
	}
	struct tt_kconfig *cfg;
	assert_int_equal(tt_kconfig_load(cfgp, &cfg, NULL, NULL), 0);
	struct tt_kbuild_predict_opts o = {.source_root = src};
	struct tt_kbuild_prediction *p;
	assert_int_equal(tt_kbuild_predict(&o, cfg, &p, NULL, NULL), 0);
	struct tt_strv want = TT_STRV_INIT;
	load_list(list, &want);
	size_t hit = 0;
	for (size_t i = 0; i < want.n; i++)
		hit += tt_kbuild_prediction_lookup(p, want.v[i]) != TT_KBUILD_ABSENT;
	struct tt_strv got = TT_STRV_INIT;
	for (size_t i = 0; i < tt_kbuild_prediction_count(p); i++)
		tt_strv_push(&got, tt_kbuild_prediction_file(p, i)->source);
	tt_strv_sort_unique(&got);
	size_t extra = 0;
	for (size_t i = 0; i < got.n; i++)
		extra += !tt_strv_contains(&want, got.v[i]);
	/* Targets: recall >= 99%, less than 1% predicted but not compiled. */
	assert_true(hit * 100 >= want.n * 99);
	assert_true(extra * 100 < got.n);
	tt_strv_free(&want);
	tt_strv_free(&got);
	tt_kbuild_prediction_free(p);
	tt_kconfig_free(cfg);
	free(home_src), free(dflt), free(cfgp), free(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_predict_follows_arch_makefile_and_exports,
					    mini_setup, mini_teardown),
	    cmocka_unit_test_setup_teardown(test_predict_conditionals_and_config, mini_setup,
					    mini_teardown),
	    cmocka_unit_test_setup_teardown(test_predict_composite_module_and_builtin_wins,
					    mini_setup, mini_teardown),
	    cmocka_unit_test_setup_teardown(test_predict_generated_and_rule_sources, mini_setup,
					    mini_teardown),
	    cmocka_unit_test_setup_teardown(test_predict_unknown_condition_is_unknown_not_absent,
					    mini_setup, mini_teardown),
	    cmocka_unit_test(test_predict_requires_source_tree),
	    cmocka_unit_test(test_predict_real_defconfig_matches_build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
