// SPDX-License-Identifier: GPL-2.0-or-later
/* The agent's state directory: loading marks, the kmsg cursor, corrupt files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tuxtape/fleet.h"

static char *make_dir(void)
{
	char tmpl[] = "/tmp/tt-fleet-state-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return tt_xstrdup(tmpl);
}

static void remove_dir(char *dir)
{
	_cleanup_free_ char *file = tt_xasprintf("%s/state.json", dir);
	unlink(file);
	rmdir(dir);
	free(dir);
}

static void write_state(const char *dir, const char *text)
{
	_cleanup_free_ char *file = tt_xasprintf("%s/state.json", dir);
	assert_int_equal(tt_write_file_atomic(file, text, strlen(text), NULL), 0);
}

static void test_mark_clear_list_survive_reopen(void **state)
{
	char *dir = make_dir();
	_cleanup_free_ char *sub = tt_xasprintf("%s/var/lib/tuxtape", dir);
	struct tt_fleet_state *st;
	struct tt_error err = {0};
	assert_int_equal(tt_fleet_state_open(sub, &st, &err), 0); /* creates the directory */
	assert_int_equal(tt_fleet_state_mark_loading(st, "tt_lp_a", &err), 0);
	assert_int_equal(tt_fleet_state_mark_loading(st, "tt_lp_b", &err), 0);
	assert_int_equal(tt_fleet_state_mark_loading(st, "tt_lp_a", &err), 0); /* once */
	tt_fleet_state_close(st); /* the agent "crashes" here */

	assert_int_equal(tt_fleet_state_open(sub, &st, &err), 0);
	struct tt_strv marked = TT_STRV_INIT;
	tt_fleet_state_list_marked(st, &marked);
	assert_int_equal(marked.n, 2);
	assert_string_equal(marked.v[0], "tt_lp_a");
	assert_string_equal(marked.v[1], "tt_lp_b");
	tt_strv_free(&marked);
	assert_int_equal(tt_fleet_state_clear(st, "tt_lp_a", &err), 0);
	assert_int_equal(tt_fleet_state_clear(st, "never_marked", &err), 0);
	tt_fleet_state_close(st);

	assert_int_equal(tt_fleet_state_open(sub, &st, &err), 0);
	tt_fleet_state_list_marked(st, &marked);
	assert_int_equal(marked.n, 1);
	assert_string_equal(marked.v[0], "tt_lp_b");
	tt_strv_free(&marked);
	tt_fleet_state_close(st);

	_cleanup_free_ char *file = tt_xasprintf("%s/state.json", sub);
	unlink(file);
	rmdir(sub);
	_cleanup_free_ char *lib = tt_xasprintf("%s/var/lib", dir);
	rmdir(lib);
	_cleanup_free_ char *var = tt_xasprintf("%s/var", dir);
	rmdir(var);
	remove_dir(dir);
}

static void test_cursor_belongs_to_its_boot(void **state)
{
	char *dir = make_dir();
	struct tt_fleet_state *st;
	assert_int_equal(tt_fleet_state_open(dir, &st, NULL), 0);
	uint64_t seq = 99;
	assert_false(tt_fleet_state_cursor(st, "boot-1", &seq)); /* nothing saved yet */
	assert_int_equal(tt_fleet_state_set_cursor(st, "boot-1", 1234, NULL), 0);
	assert_int_equal(tt_fleet_state_mark_loading(st, "tt_lp_a", NULL), 0);
	tt_fleet_state_close(st);

	assert_int_equal(tt_fleet_state_open(dir, &st, NULL), 0);
	assert_true(tt_fleet_state_cursor(st, "boot-1", &seq));
	assert_int_equal(seq, 1234);
	/* after a reboot sequence numbers restart: the old cursor must not be used */
	assert_false(tt_fleet_state_cursor(st, "boot-2", &seq));
	struct tt_strv marked = TT_STRV_INIT;
	tt_fleet_state_list_marked(st, &marked); /* the cursor write kept the mark */
	assert_int_equal(marked.n, 1);
	tt_strv_free(&marked);
	assert_int_equal(tt_fleet_state_set_cursor(st, "", 1, NULL), -EINVAL);
	tt_fleet_state_close(st);
	remove_dir(dir);
}

static void test_bad_names_refused(void **state)
{
	char *dir = make_dir();
	struct tt_fleet_state *st;
	assert_int_equal(tt_fleet_state_open(dir, &st, NULL), 0);
	static const char *const bad[] = {"", "../x", "a b", "a\"b",
					  "a_name_that_is_far_too_long_for_the_kernel_module_"
					  "name_limit_of_64"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tt_error err = {0};
		assert_int_equal(tt_fleet_state_mark_loading(st, bad[i], &err), -EINVAL);
		assert_non_null(strstr(err.msg, "not a module name"));
	}
	struct tt_strv marked = TT_STRV_INIT;
	tt_fleet_state_list_marked(st, &marked);
	assert_int_equal(marked.n, 0);
	tt_fleet_state_close(st);
	remove_dir(dir);
}

static void test_corrupt_state_is_a_clear_error(void **state)
{
	static const char *const corrupt[] = {
	    "{\"version\": 1, \"loading\": [\"a\"",	  /* truncated */
	    "[1, 2]",					  /* not an object */
	    "{\"loading\": []}",			  /* no version */
	    "{\"version\": 2, \"loading\": []}",	  /* from a newer agent */
	    "{\"version\": 1, \"loading\": \"tt_lp_a\"}", /* not an array */
	    "{\"version\": 1, \"loading\": [7]}",	  /* not names */
	    "{\"version\": 1, \"kmsg\": {\"boot_id\": \"b\", \"cursor\": -1}}",
	    "{\"version\": 1, \"version\": 1}", /* duplicate key */
	    "",
	};
	for (size_t i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		char *dir = make_dir();
		write_state(dir, corrupt[i]);
		struct tt_fleet_state *st = (struct tt_fleet_state *)1;
		struct tt_error err = {0};
		assert_int_equal(tt_fleet_state_open(dir, &st, &err), -EINVAL);
		assert_null(st);
		_cleanup_free_ char *file = tt_xasprintf("%s/state.json", dir);
		assert_non_null(strstr(err.msg, file)); /* names the file */
		remove_dir(dir);
	}
}

static void test_failed_save_keeps_memory_consistent(void **state)
{
	char *dir = make_dir();
	struct tt_fleet_state *st;
	assert_int_equal(tt_fleet_state_open(dir, &st, NULL), 0);
	assert_int_equal(tt_fleet_state_mark_loading(st, "tt_lp_a", NULL), 0);
	/* a directory in the file's place makes every save fail, even for root */
	_cleanup_free_ char *file = tt_xasprintf("%s/state.json", dir);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(mkdir(file, 0700), 0);
	struct tt_error err = {0};
	assert_true(tt_fleet_state_mark_loading(st, "tt_lp_b", &err) < 0);
	assert_true(tt_fleet_state_clear(st, "tt_lp_a", &err) < 0);
	struct tt_strv marked = TT_STRV_INIT;
	tt_fleet_state_list_marked(st, &marked); /* as on disk: only a */
	assert_int_equal(marked.n, 1);
	assert_string_equal(marked.v[0], "tt_lp_a");
	tt_strv_free(&marked);
	rmdir(file);
	tt_fleet_state_close(st);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mark_clear_list_survive_reopen),
	    cmocka_unit_test(test_cursor_belongs_to_its_boot),
	    cmocka_unit_test(test_bad_names_refused),
	    cmocka_unit_test(test_corrupt_state_is_a_clear_error),
	    cmocka_unit_test(test_failed_save_keeps_memory_consistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
