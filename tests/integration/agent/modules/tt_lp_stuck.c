// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent test's patch whose transition cannot finish: it replaces
 * tt_stuck_wait() of the module tt_stuck_target, inside which a kthread sleeps
 * for ever.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>

static int stuck_wait_replacement(void)
{
	return 0;
}

static struct klp_func stuck_funcs[] = {
    {.old_name = "tt_stuck_wait", .new_func = stuck_wait_replacement}, {}};
static struct klp_object stuck_objs[] = {{.name = "tt_stuck_target", .funcs = stuck_funcs}, {}};
static struct klp_patch stuck_patch = {.mod = THIS_MODULE, .objs = stuck_objs};

static int __init stuck_lp_init(void)
{
	return klp_enable_patch(&stuck_patch);
}

static void __exit stuck_lp_exit(void)
{
}

module_init(stuck_lp_init);
module_exit(stuck_lp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tuxtape agent test: a patch whose transition never finishes");
MODULE_INFO(livepatch, "Y");
