// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent test's crash-during-load patch: its init sleeps before enabling,
 * so finit_module(2) is still running when the test crashes the guest. After
 * the reboot the agent finds its loading mark and must not load it again.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int slow_cmdline_show(struct seq_file *m, void *v)
{
	seq_puts(m, "tuxtape_agent_slow_patch_applied\n");
	return 0;
}

static struct klp_func slow_funcs[] = {
    {.old_name = "cmdline_proc_show", .new_func = slow_cmdline_show}, {}};
static struct klp_object slow_objs[] = {{.name = NULL, .funcs = slow_funcs}, {}};
static struct klp_patch slow_patch = {.mod = THIS_MODULE, .objs = slow_objs};

static int __init slow_init(void)
{
	msleep(60 * 1000);
	return klp_enable_patch(&slow_patch);
}

static void __exit slow_exit(void)
{
}

module_init(slow_init);
module_exit(slow_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tuxtape agent test: a patch whose load takes a minute");
MODULE_INFO(livepatch, "Y");
