// SPDX-License-Identifier: GPL-2.0-or-later
/* The serial console parser and verdict, on canned runs in tests/fixtures/build/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/build.h"

/* Parse fixture NAME and judge it as a run with a check that unloads. */
static void parse_fixture(const char *name, struct tt_boot_result *r)
{
	const char *dir = getenv("TT_FIXTURES");
	char *path = tt_xasprintf("%s/build/%s", dir ? dir : "tests/fixtures", name);
	char *text;
	size_t len;
	assert_int_equal(tt_read_file(path, &text, &len, NULL), 0);
	memset(r, 0, sizeof(*r));
	tt_boot_parse(text, len, r);
	tt_boot_verdict(r, true, true);
	free(text);
	free(path);
}

static bool has_reason(const struct tt_boot_result *r, const char *part)
{
	for (size_t i = 0; i < r->reasons.n; i++)
		if (strstr(r->reasons.v[i], part))
			return true;
	return false;
}

static void test_clean_run_passes(void **state)
{
	struct tt_boot_result r;
	parse_fixture("console-clean.log", &r);
	assert_true(r.reached_init);
	assert_true(r.finished);
	assert_int_equal(r.n_mods, 1);
	const struct tt_boot_module *m = &r.mods[0];
	assert_string_equal(m->name, "tt_lp_cmdline");
	assert_int_equal(m->load_rc, 0);
	assert_int_equal(m->enabled, 1);
	assert_int_equal(m->transition, 0);
	assert_int_equal(m->unpatch_transition, 0); /* "gone": the patch was already freed */
	assert_int_equal(m->rmmod_rc, 0);
	assert_int_equal(r.check_rc, 0);
	assert_int_equal(r.check_unpatched_rc, 0);
	assert_int_equal(r.n_issues, 0);
	/* Out-of-tree, livepatch and unsigned: reported, not failures. */
	assert_int_equal(r.taints.n, 3);
	/* Messages naming the module, from "NAME:" prefixes and 'NAME' quotes. */
	assert_int_equal(m->kernel_msgs.n, 8);
	assert_non_null(strstr(m->kernel_msgs.v[5], "patching complete"));
	assert_true(r.pass);
	assert_int_equal(r.reasons.n, 0);
	tt_boot_result_free(&r);
}

static void test_warning_with_module_list(void **state)
{
	struct tt_boot_result r;
	parse_fixture("console-warning.log", &r);
	assert_int_equal(r.n_issues, 1);
	assert_int_equal(r.issues[0].kind, TT_BOOT_WARNING);
	assert_non_null(strstr(r.issues[0].line, "WARNING: CPU: 0 PID: 61 at"));
	assert_string_equal(r.issues[0].modules, "tt_lp_cmdline(OEK)");
	assert_string_equal(r.check_output, "cmdline: tuxtape_livepatch_cmdline_ok");
	assert_false(r.pass);
	assert_int_equal(r.reasons.n, 1);
	assert_true(has_reason(&r, "kernel warning: WARNING: CPU: 0"));
	tt_boot_result_free(&r);
}

/* The Oops is on the console and again in the dmesg dump: reported once. */
static void test_oops_counted_once(void **state)
{
	struct tt_boot_result r;
	parse_fixture("console-oops.log", &r);
	assert_int_equal(r.n_issues, 2);
	assert_int_equal(r.issues[0].kind, TT_BOOT_BUG);
	assert_null(r.issues[0].modules);
	assert_int_equal(r.issues[1].kind, TT_BOOT_OOPS);
	assert_string_equal(r.issues[1].modules, "tt_lp_cmdline(OEK)");
	assert_int_equal(r.check_rc, 137);
	/* Kernel lines inside the check's block are the kernel's, not the check's output. */
	assert_string_equal(r.check_output, "Killed");
	assert_true(has_reason(&r, "the check failed with the patch applied (exit 137)"));
	assert_true(has_reason(&r, "kernel oops: Oops: 0000 [#1]"));
	assert_false(r.pass);
	tt_boot_result_free(&r);
}

static void test_transition_stall(void **state)
{
	struct tt_boot_result r;
	parse_fixture("console-stall.log", &r);
	const struct tt_boot_module *m = &r.mods[0];
	assert_int_equal(m->transition, 1);
	assert_int_equal(m->unpatch_transition, 1);
	assert_int_equal(m->rmmod_rc, 1);
	/* "signaling remaining tasks" is the kernel pushing, not an error by itself. */
	assert_int_equal(r.n_issues, 0);
	assert_true(has_reason(&r, "tt_lp_cmdline: the patching transition did not finish"));
	assert_true(has_reason(&r, "unpatching transition did not finish"));
	assert_true(has_reason(&r, "rmmod failed (exit 1)"));
	assert_true(has_reason(&r, "check failed with the patch applied (exit 1)"));
	assert_false(r.pass);
	tt_boot_result_free(&r);
}

static void test_refused_module_reports_kernel_message(void **state)
{
	struct tt_boot_result r;
	parse_fixture("console-badload.log", &r);
	const struct tt_boot_module *m = &r.mods[0];
	assert_int_equal(m->load_rc, 1);
	assert_non_null(strstr(m->load_output, "invalid module format"));
	assert_int_equal(m->kernel_msgs.n, 1); /* console and dmesg copies are one line */
	assert_true(has_reason(&r, "tt_lp_cmdline did not load (insmod exit 1): tt_lp_cmdline: "
				   "version magic '6.1.0-47-amd64 XMP"));
	assert_false(r.pass);
	tt_boot_result_free(&r);
}

/* Parse a console capture and judge it; expect_unload as when /init disabled and removed. */
static void parse_judged(const char *text, bool expect_unload, struct tt_boot_result *r)
{
	memset(r, 0, sizeof(*r));
	tt_boot_parse(text, strlen(text), r);
	tt_boot_verdict(r, false, expect_unload);
}

static void parse_text(const char *text, struct tt_boot_result *r)
{
	parse_judged(text, false, r);
}

static void test_panic_before_init(void **state)
{
	struct tt_boot_result r;
	parse_text("[    0.900000] VFS: Cannot open root device\n"
		   "[    0.900100] Kernel panic - not syncing: VFS: Unable to mount root fs\n",
		   &r);
	assert_false(r.reached_init);
	assert_int_equal(r.n_issues, 1);
	assert_int_equal(r.issues[0].kind, TT_BOOT_PANIC);
	assert_true(has_reason(&r, "the kernel never ran /init"));
	tt_boot_result_free(&r);
}

/* Only timestamped kernel lines count: a script printing WARNING: is not the kernel. */
static void test_livepatch_errors_and_false_alarms(void **state)
{
	struct tt_boot_result r;
	parse_text("TUXTAPE:BEGIN\n"
		   "WARNING: this is the check talking\n"
		   "[    2.000000] livepatch: enabling patch 'p'\n"
		   "[    2.000100] livepatch: failed to register ftrace handler for function "
		   "'cmdline_proc_show' (-16)\n"
		   "[    2.000200] rcu: INFO: rcu_preempt self-detected stall on CPU\n"
		   "TUXTAPE:LOADED p 1\n"
		   "TUXTAPE:END\n",
		   &r);
	assert_int_equal(r.n_issues, 2);
	assert_int_equal(r.issues[0].kind, TT_BOOT_LIVEPATCH);
	assert_int_equal(r.issues[1].kind, TT_BOOT_STALL);
	assert_string_equal(tt_boot_issue_kind_name(TT_BOOT_LIVEPATCH), "livepatch");
	/* The module's own messages: the quoted name counts. */
	assert_int_equal(r.mods[0].kernel_msgs.n, 1);
	assert_true(has_reason(&r, "p did not load (insmod exit 1): livepatch: enabling"));
	tt_boot_result_free(&r);
}

/* Preloaded modules (a patch's target) only have to load; they have no livepatch state. */
static void test_preloads(void **state)
{
	struct tt_boot_result r;
	parse_text("TUXTAPE:BEGIN\n"
		   "TUXTAPE:PRELOADED libcrc32c 0\n"
		   "TUXTAPE:PRELOADED xfs 1\n"
		   "TUXTAPE:INSMOD xfs insmod: can't insert '/lib/tuxtape/xfs.ko': unknown symbol\n"
		   "TUXTAPE:LOADED lp 0\n"
		   "TUXTAPE:ENABLED lp 1\n"
		   "TUXTAPE:TRANSITION lp 0\n"
		   "TUXTAPE:END\n",
		   &r);
	assert_int_equal(r.n_mods, 3);
	assert_true(r.mods[0].preload);
	assert_false(r.mods[2].preload);
	assert_int_equal(r.reasons.n, 1);
	assert_true(has_reason(&r, "xfs could not be preloaded (insmod exit 1): insmod: can't"));
	tt_boot_result_free(&r);
	/* Preloads alone are not a test of anything. */
	parse_text("TUXTAPE:BEGIN\nTUXTAPE:PRELOADED xfs 0\nTUXTAPE:END\n", &r);
	assert_true(has_reason(&r, "no module was loaded"));
	tt_boot_result_free(&r);
}

static void parse_unloaded(const char *text, struct tt_boot_result *r)
{
	parse_judged(text, true, r);
}

/* An atomic-replace patch loaded last takes over: the one before is replaced, not unpatched. */
static void test_replaced_patch(void **state)
{
	struct tt_boot_result r;
	parse_unloaded("TUXTAPE:BEGIN\n"
		       "TUXTAPE:LOADED lp_one 0\n"
		       "TUXTAPE:ENABLED lp_one 1\n"
		       "TUXTAPE:TRANSITION lp_one 0\n"
		       "TUXTAPE:LOADED lp_all 0\n"
		       "TUXTAPE:ENABLED lp_all 1\n"
		       "TUXTAPE:TRANSITION lp_all 0\n"
		       "TUXTAPE:AFTER-LOADS lp_all 1\n"
		       "TUXTAPE:AFTER-LOADS lp_one gone\n"
		       "TUXTAPE:UNPATCH-TRANSITION lp_all 0\n"
		       "TUXTAPE:RMMOD lp_all 0\n"
		       "TUXTAPE:RMMOD lp_one 0\n"
		       "TUXTAPE:END\n",
		       &r);
	assert_int_equal(r.n_mods, 2);
	assert_true(r.mods[0].replaced);
	assert_false(r.mods[1].replaced);
	assert_true(r.pass);
	tt_boot_result_free(&r);
	/* Still enabled after the loads and never unpatched: a failure, not a replacement. */
	parse_unloaded(
	    "TUXTAPE:BEGIN\n"
	    "TUXTAPE:LOADED lp_one 0\nTUXTAPE:ENABLED lp_one 1\nTUXTAPE:TRANSITION lp_one 0\n"
	    "TUXTAPE:LOADED lp_two 0\nTUXTAPE:ENABLED lp_two 1\nTUXTAPE:TRANSITION lp_two 0\n"
	    "TUXTAPE:AFTER-LOADS lp_two 1\nTUXTAPE:AFTER-LOADS lp_one 1\n"
	    "TUXTAPE:UNPATCH-TRANSITION lp_two 0\nTUXTAPE:RMMOD lp_two 0\n"
	    "TUXTAPE:UNPATCH-TRANSITION lp_one 1\nTUXTAPE:RMMOD lp_one 1\n"
	    "TUXTAPE:END\n",
	    &r);
	assert_false(r.mods[0].replaced);
	assert_true(has_reason(&r, "lp_one: the unpatching transition did not finish"));
	tt_boot_result_free(&r);
}

/* A module loaded after the patch: its object must read patched=1. */
static void test_module_loaded_after_patch(void **state)
{
	struct tt_boot_result r;
	parse_text("TUXTAPE:BEGIN\n"
		   "TUXTAPE:LOADED lp 0\nTUXTAPE:ENABLED lp 1\nTUXTAPE:TRANSITION lp 0\n"
		   "TUXTAPE:LATE-LOADED rds 0\n"
		   "TUXTAPE:OBJECT lp rds 1\n"
		   "[    1.88] livepatch: applying patch 'lp' to loading module 'rds'\n"
		   "TUXTAPE:END\n",
		   &r);
	assert_true(r.mods[1].late && r.mods[1].preload);
	assert_int_equal(r.mods[0].n_objects, 1);
	assert_string_equal(r.mods[0].objects[0].name, "rds");
	assert_true(r.mods[0].objects[0].patched);
	assert_true(r.pass);
	tt_boot_result_free(&r);
	/* Loaded but not patched, and a late module that failed: both reasons. */
	parse_text("TUXTAPE:BEGIN\n"
		   "TUXTAPE:LOADED lp 0\nTUXTAPE:ENABLED lp 1\nTUXTAPE:TRANSITION lp 0\n"
		   "TUXTAPE:LATE-LOADED rds 0\nTUXTAPE:LATE-LOADED xfs 1\n"
		   "TUXTAPE:OBJECT lp rds 0\nTUXTAPE:OBJECT lp xfs 0\n"
		   "TUXTAPE:END\n",
		   &r);
	assert_true(has_reason(&r, "lp: its object rds is loaded but not patched"));
	assert_false(has_reason(&r, "its object xfs")); /* not loaded: nothing to patch */
	assert_true(has_reason(&r, "xfs could not be loaded after the patches"));
	tt_boot_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_run_passes),
	    cmocka_unit_test(test_warning_with_module_list),
	    cmocka_unit_test(test_oops_counted_once),
	    cmocka_unit_test(test_transition_stall),
	    cmocka_unit_test(test_refused_module_reports_kernel_message),
	    cmocka_unit_test(test_panic_before_init),
	    cmocka_unit_test(test_livepatch_errors_and_false_alarms),
	    cmocka_unit_test(test_preloads),
	    cmocka_unit_test(test_replaced_patch),
	    cmocka_unit_test(test_module_loaded_after_patch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
