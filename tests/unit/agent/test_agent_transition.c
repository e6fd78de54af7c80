// SPDX-License-Identifier: GPL-2.0-or-later
/* Watching a transition: wait, signal, reverse (never force), and the blocking tasks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "fake_tree.h"

static int setup(void **state)
{
	struct fake_tree *t = tt_xcalloc(1, sizeof(*t));
	fake_tree_new(t);
	tt_agent_config_set(&t->cfg, "signal_after", "15", NULL);
	tt_agent_config_set(&t->cfg, "revert_after", "60", NULL);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	fake_tree_free(*state);
	free(*state);
	return 0;
}

static void test_lp_list_and_read(void **state)
{
	struct fake_tree *t = *state;
	fake_livepatch(t, "tt_b", 1, 0);
	fake_livepatch(t, "tt_a", 0, 1);
	struct tt_agent_lp *lps;
	size_t n;
	assert_int_equal(tt_agent_lp_list(&t->cfg, &lps, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(lps[0].name, "tt_a");
	assert_int_equal(lps[0].transition, 1);
	assert_int_equal(lps[1].enabled, 1);
	free(lps);
	struct tt_agent_lp lp;
	assert_int_equal(tt_agent_lp_read(&t->cfg, "tt_none", &lp, NULL), -ENOENT);
	assert_int_equal(tt_agent_lp_read(&t->cfg, "../etc", &lp, NULL), -EINVAL);
}

static void test_blocking_tasks(void **state)
{
	struct fake_tree *t = *state;
	fake_task(t, 87, 87, "tt_stuck", 0,
		  "[<0>] tt_stuck_wait+0x11/0x30 [tt_stuck_target]\n"
		  "[<0>] kthread+0xda/0x100\n");
	fake_task(t, 1, 1, "init", 1, "[<0>] do_wait+0x1/0x2\n");
	fake_task(t, 200, 201, "worker", -1, "");
	struct tt_agent_task *tasks;
	size_t n;
	assert_int_equal(tt_agent_blocking_tasks(&t->cfg, 1, &tasks, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tasks[0].pid, 87);
	assert_string_equal(tasks[0].comm, "tt_stuck");
	char *text = tt_agent_tasks_format(tasks, n);
	assert_non_null(strstr(text, "87/87 tt_stuck (patch_state 0):\n  [<0>] tt_stuck_wait"));
	free(text);
	tt_agent_tasks_free(tasks, n);
	/* Unpatching: the patched tasks are the ones left behind. */
	assert_int_equal(tt_agent_blocking_tasks(&t->cfg, 0, &tasks, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_string_equal(tasks[0].comm, "init");
	tt_agent_tasks_free(tasks, n);
}

static void test_watch_done(void **state)
{
	struct fake_tree *t = *state;
	fake_livepatch(t, "tt_a", 1, 1);
	struct tt_agent_watch w;
	tt_agent_watch_start(&w, "tt_a", 100);
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 101, NULL), TT_AGENT_WATCH_WAITING);
	fake_livepatch(t, "tt_a", 1, 0);
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 102, NULL), TT_AGENT_WATCH_DONE);
	assert_string_equal(fake_read(t, "/sys/kernel/livepatch/tt_a/signal"), "");
	tt_agent_watch_free(&w);
}

static void test_watch_signal_then_reverse(void **state)
{
	struct fake_tree *t = *state;
	fake_livepatch(t, "tt_a", 1, 1);
	fake_task(t, 87, 87, "tt_stuck", 0, "[<0>] tt_stuck_wait+0x11/0x30\n");
	struct tt_agent_watch w;
	tt_agent_watch_start(&w, "tt_a", 0);
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 14.9, NULL), TT_AGENT_WATCH_WAITING);
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 15, NULL), TT_AGENT_WATCH_SIGNALLED);
	assert_string_equal(fake_read(t, "/sys/kernel/livepatch/tt_a/signal"), "1");
	/* Signalled once only. */
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 30, NULL), TT_AGENT_WATCH_WAITING);
	assert_string_equal(fake_read(t, "/sys/kernel/livepatch/tt_a/enabled"), "1");
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 60, NULL), TT_AGENT_WATCH_REVERSING);
	assert_string_equal(fake_read(t, "/sys/kernel/livepatch/tt_a/enabled"), "0");
	assert_non_null(strstr(w.blocking, "tt_stuck_wait"));
	/* No force, ever: the reversal is waited for. */
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 500, NULL), TT_AGENT_WATCH_WAITING);
	_cleanup_free_ char *force = tt_xasprintf("%s/sys/kernel/livepatch/tt_a/force", t->root);
	assert_false(tt_path_exists(force));
	/* The kernel frees a reversed patch: its directory goes. */
	fake_remove(t, "/sys/kernel/livepatch/tt_a");
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 501, NULL), TT_AGENT_WATCH_REVERTED);
	tt_agent_watch_free(&w);
}

static void test_watch_reversal_finishes_in_place(void **state)
{
	struct fake_tree *t = *state;
	fake_livepatch(t, "tt_a", 1, 1);
	struct tt_agent_watch w;
	tt_agent_watch_start(&w, "tt_a", 0);
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 61, NULL), TT_AGENT_WATCH_REVERSING);
	fake_livepatch(t, "tt_a", 0, 0);
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 62, NULL), TT_AGENT_WATCH_REVERTED);
	tt_agent_watch_free(&w);
}

static void test_watch_vanished_or_disabled(void **state)
{
	struct fake_tree *t = *state;
	struct tt_agent_watch w;
	struct tt_error err = {0};
	tt_agent_watch_start(&w, "tt_gone", 0);
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 1, &err), TT_AGENT_WATCH_FAILED);
	fake_livepatch(t, "tt_off", 0, 0);
	tt_agent_watch_start(&w, "tt_off", 0);
	assert_int_equal(tt_agent_watch_poll(&w, &t->cfg, 1, &err), TT_AGENT_WATCH_FAILED);
	assert_non_null(strstr(err.msg, "disabled"));
	tt_agent_watch_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lp_list_and_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blocking_tasks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_done, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_signal_then_reverse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_reversal_finishes_in_place, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watch_vanished_or_disabled, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
