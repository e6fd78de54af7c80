// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Companion of tt_lp_stuck: a kthread that never leaves tt_stuck_wait(), so a
 * livepatch of that function can never switch the thread and its transition
 * cannot finish. The agent must reverse it and name this thread.
 */
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static struct task_struct *stuck_thread;

noinline int tt_stuck_wait(void)
{
	/* Woken by the livepatch core's fake signal, it goes straight back to sleep. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int stuck_main(void *data)
{
	return tt_stuck_wait();
}

static int __init stuck_init(void)
{
	stuck_thread = kthread_run(stuck_main, NULL, "tt_stuck");
	return PTR_ERR_OR_ZERO(stuck_thread);
}

static void __exit stuck_exit(void)
{
	kthread_stop(stuck_thread);
}

module_init(stuck_init);
module_exit(stuck_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tuxtape agent test: a kthread sleeping inside tt_stuck_wait()");
