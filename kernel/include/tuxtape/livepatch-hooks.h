/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hooks and shadow variables for fixes built with `tuxtape patch build`.
 *
 * `tuxtape patch build` puts this header on the include path of both
 * builds of each object, so a fix can say:
 *
 *	#include <tuxtape/livepatch-hooks.h>
 *
 * Callbacks: the livepatch core calls them around the (un)patching
 * transition of the object (vmlinux or the module) whose file defines them,
 * as klp_object.callbacks (Documentation/livepatch/callbacks.rst):
 *
 *	TUXTAPE_PRE_PATCH(fn)     int fn(void): before patching; non-zero
 *	                          refuses the patch (or this module's load)
 *	TUXTAPE_POST_PATCH(fn)    void fn(void): after the transition finished
 *	TUXTAPE_PRE_UNPATCH(fn)   void fn(void): before unpatching starts
 *	TUXTAPE_POST_UNPATCH(fn)  void fn(void): after unpatching finished
 *
 * fn is the fix's own function (static is fine), unique among the hooks of
 * its file. Several hooks of one kind run in the order the objects were
 * built and, within a file, in the order of the file; the first pre_patch
 * hook that fails stops the rest.
 *
 * Shadow variables attach new data to an existing object without changing
 * its layout, where a fix would otherwise add a field to a structure or
 * change a variable the running kernel owns (which tuxtape refuses). They
 * are the livepatch core's klp_shadow_* API (Documentation/livepatch/
 * shadow-vars.rst) with a fix-sized interface: an id per kind of shadow
 * data, unique across all livepatches of the kernel (TUXTAPE_SHADOW_ID puts
 * tuxtape's tag in the high bits).
 *
 * A kernel built with the fix as ordinary source has no such header: guard
 * the include and the hooks with __has_include(<tuxtape/livepatch-hooks.h>).
 */
#ifndef TUXTAPE_LIVEPATCH_HOOKS_H
#define TUXTAPE_LIVEPATCH_HOOKS_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/livepatch.h>

/*
 * Each hook is a small function the diff finds as new, named for tuxtape's
 * glue to wire into klp_object.callbacks; __used keeps it although nothing
 * in its file calls it.
 */
#define TUXTAPE_PRE_PATCH(fn)                                                                      \
	static int __used noinline __tuxtape_hook_pre_patch__##fn(void)                            \
	{                                                                                          \
		return fn();                                                                       \
	}
#define TUXTAPE_POST_PATCH(fn)                                                                     \
	static void __used noinline __tuxtape_hook_post_patch__##fn(void)                          \
	{                                                                                          \
		fn();                                                                              \
	}
#define TUXTAPE_PRE_UNPATCH(fn)                                                                    \
	static void __used noinline __tuxtape_hook_pre_unpatch__##fn(void)                         \
	{                                                                                          \
		fn();                                                                              \
	}
#define TUXTAPE_POST_UNPATCH(fn)                                                                   \
	static void __used noinline __tuxtape_hook_post_unpatch__##fn(void)                        \
	{                                                                                          \
		fn();                                                                              \
	}

/* 0x7474 ("tt") in the upper half: ids of other livepatch tools do not collide. */
#define TUXTAPE_SHADOW_ID(n) ((0x7474UL << 16) | ((unsigned long)(n)&0xffffUL))

/* The shadow data of obj with this id, or NULL. */
static inline void *tuxtape_shadow_get(void *obj, unsigned long id)
{
	return klp_shadow_get(obj, id);
}

/* The shadow data, zero-filled on first use; NULL when memory is short. */
static inline void *tuxtape_shadow_get_or_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp)
{
	return klp_shadow_get_or_alloc(obj, id, size, gfp, NULL, NULL);
}

/* Drop obj's shadow data of this id, e.g. where obj itself is freed. */
static inline void tuxtape_shadow_free(void *obj, unsigned long id)
{
	klp_shadow_free(obj, id, NULL);
}

/* Drop every shadow data of this id: from a post_unpatch hook, so none outlives the fix. */
static inline void tuxtape_shadow_free_all(unsigned long id)
{
	klp_shadow_free_all(id, NULL);
}

#endif
