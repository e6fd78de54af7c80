/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-architecture facts the Kbuild predictor cannot derive from the makefiles. */
#ifndef TT_KERNEL_KBUILD_ARCH_H
#define TT_KERNEL_KBUILD_ARCH_H

#include <stddef.h>

#include "tuxtape/kernel.h"

/* Objects listed in variable `var` of directory `dir`'s makefile are compiled. */
struct kb_extra {
	const char *dir;
	const char *var;
	const char *only_if; /* make variable that must expand to "y"; NULL: always */
	enum tt_kbuild_kind kind;
};

struct kb_arch {
	const char *name;    /* what the caller passes: "x86" */
	const char *srcarch; /* arch/<srcarch>/ */
	const struct kb_extra *extra;
	size_t n_extra;
};

/* NULL for an architecture without a row (it is then predicted without extras). */
const struct kb_arch *kb_arch_find(const char *name);

#endif
