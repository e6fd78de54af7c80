// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent test's misbehaving patch: reading /proc/version through it makes
 * the kernel print a WARNING whose module list names this patch, which the
 * agent must find in the kernel log and report with the excerpt.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/utsname.h>

static int warn_version_show(struct seq_file *m, void *v)
{
	WARN_ONCE(1, "tt_lp_warn: replacement of version_proc_show misbehaves\n");
	seq_printf(m, "Linux version %s\n", utsname()->release);
	return 0;
}

static struct klp_func warn_funcs[] = {
    {.old_name = "version_proc_show", .new_func = warn_version_show}, {}};
static struct klp_object warn_objs[] = {{.name = NULL, .funcs = warn_funcs}, {}};
static struct klp_patch warn_patch = {.mod = THIS_MODULE, .objs = warn_objs};

static int __init warn_init(void)
{
	return klp_enable_patch(&warn_patch);
}

static void __exit warn_exit(void)
{
}

module_init(warn_init);
module_exit(warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tuxtape agent test: a patch that triggers a WARNING");
MODULE_INFO(livepatch, "Y");
