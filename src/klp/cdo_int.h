/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between tuxtape-cdo's driver (cdo.c) and its writer (cdo_kpatch.c): what
 * the writer needs to turn an emitted livepatch object into kpatch's
 * intermediate format.
 */
#ifndef TT_CDO_INT_H
#define TT_CDO_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "tuxtape/cdo.h"

/* A .kpatch.symbols entry: a symbol of the running kernel. */
struct cdo_ksym {
	char *objname; /* the object defining it: "vmlinux" or a module */
	char *name;
	unsigned long sympos;
	uint64_t src; /* its address for vmlinux, 0 for modules (found at load) */
	unsigned char bind, type;
	bool external; /* exported by a module: resolved by name when that module loads */
};

/* A .kpatch.funcs entry: a function the livepatch replaces. */
struct cdo_func {
	const char *name;	/* in the running kernel */
	const char *new_symbol; /* the replacement in the emitted object */
	uint64_t old_addr, old_size;
	unsigned long sympos;
};

/* Fills a ksym for the placeholder naming (objname, name); its strings are the caller's to free. */
typedef int (*cdo_resolve_fn)(void *ctx, const char *objname, const char *name,
			      struct cdo_ksym *out, struct tt_error *err);

struct cdo_kpatch_job {
	const char *emitted; /* the object tt_klp_emit wrote */
	const char *output;
	const char *parent; /* "vmlinux" or the patched module */
	const struct cdo_func *funcs;
	size_t nfuncs;
	cdo_resolve_fn resolve;
	void *resolve_ctx;
	bool klp_arch;
};

/*
 * Write job->output from job->emitted: placeholder relocations become
 * .kpatch.relocations + .kpatch.symbols entries, the functions
 * .kpatch.funcs entries, names go to .kpatch.strings. -EPERM (an
 * unreconcilable difference) for a klp relocation kpatch cannot carry.
 */
int cdo_kpatch_write(const struct cdo_kpatch_job *job, struct tt_cdo_result *res,
		     struct tt_error *err);

#endif
