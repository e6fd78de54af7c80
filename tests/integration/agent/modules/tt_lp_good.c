// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent test's well-behaved patch: /proc/cmdline reads a marker while it
 * is applied, so the guest can see that the agent loaded it.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int good_cmdline_show(struct seq_file *m, void *v)
{
	seq_puts(m, "tuxtape_agent_good_patch_applied\n");
	return 0;
}

static struct klp_func good_funcs[] = {
    {.old_name = "cmdline_proc_show", .new_func = good_cmdline_show}, {}};
static struct klp_object good_objs[] = {{.name = NULL, .funcs = good_funcs}, {}};
static struct klp_patch good_patch = {.mod = THIS_MODULE, .objs = good_objs};

static int __init good_init(void)
{
	return klp_enable_patch(&good_patch);
}

static void __exit good_exit(void)
{
}

module_init(good_init);
module_exit(good_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tuxtape agent test: a patch that behaves");
MODULE_INFO(livepatch, "Y");
