/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the kernel-tree and patch-build files of src/build (not public). */
#ifndef TT_BUILD_INT_H
#define TT_BUILD_INT_H

#include "tuxtape/build.h"

/*
 * Run argv in cwd (NULL: ours) for at most timeout_s. When log_path is given
 * the whole output is written there (kept for --keep-work and for errors).
 * A nonzero exit or a timeout is an -EIO error naming the command and
 * quoting the last lines of its output, where make and gcc say what broke.
 */
int tt_build_run(const char *const *argv, const char *cwd, double timeout_s, const char *log_path,
		 struct tt_error *err);

/* Lock path exclusively (flock), creating it; returns the fd to close, or negative. */
int tt_build_lock(const char *path, struct tt_error *err);

/* rm -rf of a directory tuxtape created itself; no-op when absent. */
int tt_build_remove_tree(const char *path, struct tt_error *err);

/* The value of `NAME=...` in a .config (quotes removed), or NULL. Caller frees. */
char *tt_build_config_value(const char *config_text, const char *name);

/* make -jN -C SOURCE O=OBJ CC=... [KERNELRELEASE=...], appended to argv; targets follow. */
void tt_ktree_make_args(const struct tt_ktree *t, const char *source_dir, const char *obj_dir,
			int jobs, struct tt_strv *argv);
/* Lock t's slot (prepare and builds take turns); returns the fd to close, or negative. */
int tt_ktree_lock(const struct tt_ktree *t, struct tt_error *err);
/* Fresh slot: slot/src as hard links to the source, slot/obj a copy of obj_dir (or empty). */
int tt_ktree_slot_reset(const struct tt_ktree *t, bool with_obj, struct tt_error *err);
/* Record, before a build touches them, the slot's files it will patch and objects it will make. */
int tt_ktree_slot_mark_dirty(const struct tt_ktree *t, const struct tt_strv *sources,
			     const struct tt_strv *objects, struct tt_error *err);
/* Undo the previous build in the slot (its patched files, its objects). */
int tt_ktree_slot_restore(const struct tt_ktree *t, struct tt_error *err);
/* A NULL-terminated argv borrowing sv's strings; free() the array only. */
const char **tt_build_argv(const struct tt_strv *sv);

#endif
