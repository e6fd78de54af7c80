// SPDX-License-Identifier: GPL-2.0-or-later
/* The diff engine on real GCC output: one fixture pair per behaviour. */
#include "klp_test.h"

#define FLAGS KLP_KERNEL_FLAGS " " KLP_SECTION_FLAGS

static int setup(void **state)
{
	if (!klp_have_gcc())
		return -1;
	return 0;
}

static int teardown(void **state)
{
	klp_tmp_cleanup();
	return 0;
}

static void assert_has(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("'%s' does not say '%s'", s, part);
}

static const struct tt_klp_ref *ref(const struct klp_case *c, const char *name)
{
	const struct tt_klp_ref *r = tt_klp_diff_ref(c->d, name);
	if (!r)
		fail_msg("%s is not among the references", name);
	return r;
}

static void test_changed_function_with_new_and_unchanged_helpers(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "basic", FLAGS);
	assert_status(&c, "compute", TT_KLP_CHANGED);
	assert_status(&c, "stay", TT_KLP_UNCHANGED);
	assert_status(&c, "scale", TT_KLP_UNCHANGED);
	assert_status(&c, "clamp", TT_KLP_NEW);
	assert_true(tt_klp_diff_func(c.d, "compute")->has_fentry);
	/* The new helper goes into the livepatch; the unchanged static one stays in the kernel. */
	assert_int_equal(ref(&c, "clamp")->kind, TT_KLP_REF_NEW);
	assert_string_equal(ref(&c, "clamp")->needed_by, "compute");
	assert_int_equal(ref(&c, "scale")->kind, TT_KLP_REF_LOCAL);
	/* What the new helper needs is walked too. */
	assert_int_equal(ref(&c, "limit")->kind, TT_KLP_REF_UNDEFINED);
	assert_null(tt_klp_diff_ref(c.d, "__fentry__"));
	assert_true(tt_klp_diff_patchable(c.d));
	klp_case_free(&c);
}

static void test_line_only_change_before_might_sleep_is_not_a_change(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "basic", FLAGS);
	assert_status(&c, "sleeper", TT_KLP_LINE_ONLY);
	assert_non_null(strstr(tt_klp_diff_func(c.d, "sleeper")->reason, "__LINE__"));
	assert_null(tt_klp_diff_ref(c.d, "__might_sleep"));
	klp_case_free(&c);
}

static void test_gcc_constprop_clone_is_paired_and_referenced(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "basic", FLAGS);
	const struct tt_klp_func *f = tt_klp_diff_func(c.d, "clone_me.constprop.0");
	if (!f)
		skip(); /* this gcc did not clone; nothing to check */
	assert_int_equal(f->status, TT_KLP_UNCHANGED);
	assert_string_equal(f->orig_name, "clone_me.constprop.0");
	assert_status(&c, "use_clone", TT_KLP_CHANGED);
	assert_int_equal(ref(&c, "clone_me.constprop.0")->kind, TT_KLP_REF_LOCAL);
	klp_case_free(&c);
}

static void test_code_moved_within_a_section_is_unchanged(void **state)
{
	struct klp_case c;
	/* No -ffunction-sections: tail() really moves, and its .bss/.rodata addends change. */
	klp_case_run(&c, "moved", KLP_KERNEL_FLAGS);
	assert_status(&c, "tail", TT_KLP_UNCHANGED);
	assert_status(&c, "head", TT_KLP_CHANGED);
	assert_int_equal(ref(&c, "negatives")->kind, TT_KLP_REF_NEW);
	size_t n;
	tt_klp_diff_refusals(c.d, &n);
	assert_int_equal(n, 0);
	klp_case_free(&c);
}

static void test_renumbered_clones_are_paired_by_content(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "renamed", FLAGS);
	/* The numbers swapped between builds; the bodies say which is which. */
	const struct tt_klp_func *f = tt_klp_diff_func(c.d, "pick.isra.1");
	assert_non_null(f);
	assert_string_equal(f->orig_name, "pick.isra.0");
	assert_int_equal(f->status, TT_KLP_UNCHANGED);
	assert_string_equal(tt_klp_diff_func(c.d, "pick.isra.0")->orig_name, "pick.isra.1");
	assert_string_equal(tt_klp_diff_func(c.d, "one.constprop.3")->orig_name, "one.constprop.0");
	assert_status(&c, "one.constprop.3", TT_KLP_UNCHANGED);
	assert_status(&c, "caller", TT_KLP_UNCHANGED);
	assert_false(tt_klp_diff_patchable(c.d));
	klp_case_free(&c);
}

static void test_numbered_static_follows_the_function_using_it(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "statics", FLAGS);
	assert_status(&c, "counted", TT_KLP_CHANGED);
	assert_status(&c, "later", TT_KLP_NEW);
	/*
	 * counted()'s counter is calls.0 in ORIG.o and calls.1 in PATCHED.o, where
	 * calls.0 is later()'s: pairing by number would hand counted() the wrong state.
	 */
	size_t n;
	const struct tt_klp_ref *r = tt_klp_diff_refs(c.d, &n);
	size_t found = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(r[i].name, "calls.", 6) == 0) {
			assert_string_equal(r[i].needed_by, "counted");
			assert_int_equal(r[i].kind, TT_KLP_REF_LOCAL);
			assert_string_equal(r[i].name, "calls.1");
			found++;
		}
	assert_int_equal(found, 1);
	tt_klp_diff_refusals(c.d, &n);
	assert_int_equal(n, 0);
	klp_case_free(&c);
}

static void test_other_changed_immediates_are_changes(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "notline", FLAGS);
	/* Same shape as a __LINE__ change, but the callee does not take a line. */
	assert_status(&c, "not_a_line", TT_KLP_CHANGED);
	/* A line change plus another constant change is a change. */
	assert_status(&c, "line_and_more", TT_KLP_CHANGED);
	/* The line in a later argument register (warn_slowpath_fmt's file, line, ...). */
	assert_status(&c, "warns", TT_KLP_LINE_ONLY);
	klp_case_free(&c);
}

static void test_several_same_named_statics_pair_in_code_order(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "keys", FLAGS);
	/* setup3()'s three keys were renumbered, not changed: nothing to patch there. */
	assert_status(&c, "setup3", TT_KLP_UNCHANGED);
	assert_status(&c, "setup1", TT_KLP_NEW);
	assert_false(tt_klp_diff_patchable(c.d));
	klp_case_free(&c);
}

static void test_pr_debug_descriptors_pair_despite_counter_and_line(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "dyndbg", FLAGS);
	/* dbg_a's descriptor went from __UNIQUE_ID_ddebug0 to ddebug1 and its line moved. */
	assert_status(&c, "dbg_a", TT_KLP_UNCHANGED);
	assert_status(&c, "dbg_new", TT_KLP_NEW);
	assert_status(&c, "dbg_b", TT_KLP_CHANGED);
	assert_non_null(strstr(tt_klp_diff_func(c.d, "dbg_b")->reason, "\"b is %d\\n\""));
	size_t n;
	tt_klp_diff_refusals(c.d, &n);
	assert_int_equal(n, 0); /* a descriptor is not the kernel's state */
	const struct tt_klp_ref *r = tt_klp_diff_refs(c.d, &n);
	size_t carried = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(r[i].name, "__UNIQUE_ID_ddebug", 18) == 0) {
			assert_int_equal(r[i].kind, TT_KLP_REF_NEW);
			carried++;
		}
	assert_int_equal(carried, 1);
	klp_case_free(&c);
}

static void test_file_line_string_shift_is_line_only(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "fileline", FLAGS);
	assert_status(&c, "copy_field", TT_KLP_LINE_ONLY);
	assert_non_null(strstr(tt_klp_diff_func(c.d, "copy_field")->reason, "FILE:LINE"));
	/* The same shift plus other text in the string is a change. */
	assert_status(&c, "copy_other", TT_KLP_CHANGED);
	klp_case_free(&c);
}

static void test_exported_function_can_change_and_be_referenced(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "export", FLAGS);
	/* ___ksymtab+api points at api(); the export stays valid, nothing to refuse. */
	assert_status(&c, "api", TT_KLP_CHANGED);
	size_t n;
	tt_klp_diff_refusals(c.d, &n);
	assert_int_equal(n, 0);
	assert_int_equal(ref(&c, "pub")->kind, TT_KLP_REF_EXPORTED);
	assert_true(tt_klp_diff_patchable(c.d));
	klp_case_free(&c);
}

static void test_static_that_cannot_be_told_apart_is_refused(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "ambiguous", FLAGS);
	assert_status(&c, "tick", TT_KLP_CHANGED);
	size_t n;
	const struct tt_klp_refusal *r = tt_klp_diff_refusals(c.d, &n);
	assert_true(n >= 1);
	assert_int_equal(r[0].kind, TT_KLP_REFUSE_UNCORRELATED);
	assert_has(r[0].message, "used by changed function `tick`");
	assert_has(r[0].message, "its running state cannot be found");
	klp_case_free(&c);
}

static void test_bug_table_line_only_change_is_not_a_change(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "bugline", FLAGS);
	assert_status(&c, "checked", TT_KLP_LINE_ONLY);
	assert_non_null(strstr(tt_klp_diff_func(c.d, "checked")->reason, "__bug_table"));
	assert_false(tt_klp_diff_patchable(c.d));
	klp_case_free(&c);
}

static void test_cold_part_changes_with_its_parent(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "cold", FLAGS);
	const struct tt_klp_func *cold = tt_klp_diff_func(c.d, "with_cold.cold");
	if (!cold)
		skip(); /* this gcc kept the unlikely path inline */
	assert_true(cold->is_part);
	assert_int_equal(cold->status, TT_KLP_CHANGED);
	assert_non_null(strstr(cold->reason, "far too big"));
	assert_status(&c, "with_cold", TT_KLP_CHANGED);
	/* A .cold part has no __fentry__ and needs none: it is entered from its parent. */
	assert_true(tt_klp_diff_patchable(c.d));
	klp_case_free(&c);
}

static const struct tt_klp_refusal *refusal(const struct klp_case *c, const char *symbol)
{
	size_t n;
	const struct tt_klp_refusal *r = tt_klp_diff_refusals(c->d, &n);
	for (size_t i = 0; i < n; i++)
		if (r[i].symbol && strcmp(r[i].symbol, symbol) == 0)
			return &r[i];
	fail_msg("no refusal for %s", symbol);
	return NULL;
}

static void test_refusals_name_object_section_symbol_and_remedy(void **state)
{
	struct klp_case c;
	klp_case_run(&c, "refuse", FLAGS);
	const struct tt_klp_refusal *r = refusal(&c, "threshold");
	assert_int_equal(r->kind, TT_KLP_REFUSE_DATA);
	assert_string_equal(r->section, ".data.threshold");
	assert_has(r->message, "refuse.o: changed data `threshold` in .data.threshold");
	assert_has(r->message, "klp_shadow_*");
	r = refusal(&c, "pool");
	assert_int_equal(r->kind, TT_KLP_REFUSE_DATA);
	assert_has(r->message, ".bss.pool (size 32 bytes, was 16)");
	r = refusal(&c, "setup_thing");
	assert_int_equal(r->kind, TT_KLP_REFUSE_INIT);
	assert_has(r->message, "__init function `setup_thing` (in .init.text) changed");
	r = refusal(&c, "raw_path");
	assert_int_equal(r->kind, TT_KLP_REFUSE_NO_FENTRY);
	assert_has(r->message, "function `raw_path` (in .text.raw_path) has no __fentry__ call");
	assert_false(tt_klp_diff_func(c.d, "raw_path")->has_fentry);
	size_t n;
	tt_klp_diff_refusals(c.d, &n);
	assert_int_equal(n, 4);
	/* A read-only table with new contents is carried as a copy, not refused. */
	assert_int_equal(ref(&c, "table")->kind, TT_KLP_REF_NEW);
	assert_status(&c, "fine", TT_KLP_UNCHANGED);
	assert_false(tt_klp_diff_patchable(c.d));
	klp_case_free(&c);
}

static void test_same_source_twice_has_no_change(void **state)
{
	char *pa = klp_compile("basic", "orig", FLAGS);
	struct tt_elf *a = klp_open(pa), *b = klp_open(pa);
	struct tt_klp_diff *d;
	assert_int_equal(tt_klp_diff(a, b, &d, NULL), 0);
	size_t n, nr;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &n);
	assert_true(n >= 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(f[i].status, TT_KLP_UNCHANGED);
		assert_string_equal(f[i].orig_name, f[i].name);
	}
	tt_klp_diff_refs(d, &nr);
	assert_int_equal(nr, 0);
	assert_false(tt_klp_diff_patchable(d));
	struct tt_error err = {0};
	struct tt_klp_diff *self;
	assert_int_equal(tt_klp_diff(a, a, &self, &err), -22);
	assert_non_null(strstr(err.msg, "itself"));
	tt_klp_diff_free(d);
	tt_elf_close(a);
	tt_elf_close(b);
	free(pa);
}

static void test_removed_function_is_reported(void **state)
{
	/* Swap the pair: what the patch added is "removed" the other way round. */
	char *pa = klp_compile("basic", "orig", FLAGS),
	     *pb = klp_compile("basic", "patched", FLAGS);
	struct tt_elf *a = klp_open(pb), *b = klp_open(pa);
	struct tt_klp_diff *d;
	assert_int_equal(tt_klp_diff(a, b, &d, NULL), 0);
	const struct tt_klp_func *f = tt_klp_diff_func(d, "clamp");
	assert_non_null(f);
	assert_int_equal(f->status, TT_KLP_REMOVED);
	tt_klp_diff_free(d);
	tt_elf_close(a);
	tt_elf_close(b);
	free(pa);
	free(pb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_changed_function_with_new_and_unchanged_helpers),
	    cmocka_unit_test(test_line_only_change_before_might_sleep_is_not_a_change),
	    cmocka_unit_test(test_gcc_constprop_clone_is_paired_and_referenced),
	    cmocka_unit_test(test_code_moved_within_a_section_is_unchanged),
	    cmocka_unit_test(test_renumbered_clones_are_paired_by_content),
	    cmocka_unit_test(test_numbered_static_follows_the_function_using_it),
	    cmocka_unit_test(test_other_changed_immediates_are_changes),
	    cmocka_unit_test(test_several_same_named_statics_pair_in_code_order),
	    cmocka_unit_test(test_pr_debug_descriptors_pair_despite_counter_and_line),
	    cmocka_unit_test(test_file_line_string_shift_is_line_only),
	    cmocka_unit_test(test_exported_function_can_change_and_be_referenced),
	    cmocka_unit_test(test_static_that_cannot_be_told_apart_is_refused),
	    cmocka_unit_test(test_bug_table_line_only_change_is_not_a_change),
	    cmocka_unit_test(test_cold_part_changes_with_its_parent),
	    cmocka_unit_test(test_refusals_name_object_section_symbol_and_remedy),
	    cmocka_unit_test(test_same_source_twice_has_no_change),
	    cmocka_unit_test(test_removed_function_is_reported),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
