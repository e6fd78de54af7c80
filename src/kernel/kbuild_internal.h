/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the build-tree reader and the Kbuild predictor. */
#ifndef TT_KERNEL_KBUILD_INTERNAL_H
#define TT_KERNEL_KBUILD_INTERNAL_H

#include "tuxtape/kernel.h"
#include "strmap.h"

/* Called for each dependency token of a .cmd file (not NUL-terminated). */
typedef void (*tt_kcmd_dep_fn)(void *ctx, const char *dep, size_t len);

/* tt_kcmd_parse() without building out->deps: each dep goes to on_dep. */
int tt_kcmd_parse_cb(const char *text, size_t len, const char *file, struct tt_kcmd *out,
		     tt_kcmd_dep_fn on_dep, void *dep_ctx, const struct tt_diag_sink *diag,
		     struct tt_error *err);

/*
 * Compiled files, one entry per object, with a by-source index. When one
 * source feeds several objects the lookup reports the strongest kind
 * (built-in over module over host).
 */
struct kb_fileset {
	struct tt_kbuild_file *v;
	size_t n, cap;
	struct tt_strmap objects;   /* object -> index + 1, to merge duplicates */
	struct tt_strmap by_source; /* source -> enum tt_kbuild_kind */
	struct tt_strv sources;	    /* sorted unique, after kb_fileset_finish */
};

void kb_fileset_add(struct kb_fileset *fs, const char *source, const char *object,
		    const char *module, enum tt_kbuild_kind kind, bool generated);
/* Sort entries by source and build the lookup structures. */
void kb_fileset_finish(struct kb_fileset *fs);
enum tt_kbuild_kind kb_fileset_lookup(const struct kb_fileset *fs, const char *source);
void kb_fileset_free(struct kb_fileset *fs);

/* Normalize a relative path in place: drop "./" components and fold "dir/..". */
void kb_path_normalize(char *path);

#endif
