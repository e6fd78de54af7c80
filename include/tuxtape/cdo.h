/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tuxtape-cdo: the diff engine behind kpatch-build's create-diff-object
 * command line. kpatch-build runs
 *
 *   create-diff-object ORIG.o PATCHED.o PARENT SYMTAB SYMVERS PATCHNAME OUTPUT.o
 *
 * per changed object and reads back an object with kpatch's intermediate
 * sections (.kpatch.funcs, .kpatch.relocations, .kpatch.symbols,
 * .kpatch.strings) that its create-klp-module turns into a livepatch. This
 * module parses SYMTAB (the text of `readelf -s --wide` on vmlinux or the
 * patched module), runs tuxtape's diff and emitter, and rewrites the
 * emitted object into that format. docs/cdo.md describes the contract.
 */
#ifndef TUXTAPE_CDO_H
#define TUXTAPE_CDO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"
#include "tuxtape/util.h"

/* ---- SYMTAB: `readelf -s --wide` text ---- */

struct tt_cdo_symtab;

struct tt_cdo_symbol {
	const char *name;
	uint64_t value, size;
	unsigned char type, bind; /* STT_*, STB_* */
	bool defined;		  /* Ndx is not UND */
	size_t file; /* locals: index of the STT_FILE opening their block, else SIZE_MAX */
};

/*
 * Parse the `.symtab` table of readelf's output (other tables, such as
 * `.dynsym`, are skipped). name is for messages. -EINVAL with the line
 * number when a symbol line is malformed or there is no `.symtab` table.
 */
int tt_cdo_symtab_parse(const char *text, size_t len, const char *name, struct tt_cdo_symtab **out,
			struct tt_error *err);
int tt_cdo_symtab_load(const char *path, struct tt_cdo_symtab **out, struct tt_error *err);
void tt_cdo_symtab_free(struct tt_cdo_symtab *t);
size_t tt_cdo_symtab_count(const struct tt_cdo_symtab *t);
const struct tt_cdo_symbol *tt_cdo_symtab_get(const struct tt_cdo_symtab *t, size_t i);

/*
 * The STT_FILE block holding the patched object's locals: among the FILE
 * symbols named `file` (GCC writes the source's base name), the one whose
 * block lists most of `locals` (the object's static functions and
 * variables). -ENOENT when no FILE symbol has that name, -EPERM when
 * several blocks match equally well. *block is the FILE symbol's index.
 */
int tt_cdo_symtab_find_block(const struct tt_cdo_symtab *t, const char *file,
			     const char *const *locals, size_t nlocals, size_t *block,
			     struct tt_error *err);

/* What the livepatch core needs to find a symbol of the running kernel. */
struct tt_cdo_lookup {
	uint64_t addr, size;
	unsigned long sympos; /* 0 when the name is unique in the object */
	unsigned char type, bind;
};

/*
 * A symbol of the object SYMTAB describes. block is SIZE_MAX for a global
 * name, else the FILE block a local must sit in. sympos counts symbols of
 * that name in kallsyms order: address order for vmlinux, symbol-table
 * order for a module (in_address_order). -ENOENT with a message when absent.
 */
int tt_cdo_symtab_lookup(const struct tt_cdo_symtab *t, size_t block, const char *name,
			 bool in_address_order, struct tt_cdo_lookup *out, struct tt_error *err);

/* ---- the command ---- */

enum tt_cdo_status {
	TT_CDO_SUCCESS = 0,
	TT_CDO_ERROR = 1,
	TT_CDO_DIFF_FATAL = 2, /* an unreconcilable difference: a refusal of the engine */
	TT_CDO_NO_CHANGE = 3,
};

struct tt_cdo_args {
	const char *orig, *patched;
	const char *parent; /* "vmlinux" or the module's name */
	const char *symtab; /* readelf -s --wide of PARENT */
	const char *symvers;
	const char *patch_name;
	const char *output;
	bool klp_arch; /* also write .kpatch.arch (kernels before 5.8) */
	/* Reads the *_STRUCT_SIZE variables; NULL: none set. */
	char *(*getenv)(const char *name);
};

struct tt_cdo_result {
	struct tt_strv changes;		    /* "changed function: foo", "new function: bar" */
	struct tt_strv refusals;	    /* one message each, for TT_CDO_DIFF_FATAL */
	size_t funcs, relocations, symbols; /* entries written */
};

/* Run it: returns a tt_cdo_status; err says why for TT_CDO_ERROR and TT_CDO_DIFF_FATAL. */
int tt_cdo_run(const struct tt_cdo_args *a, struct tt_cdo_result *res, struct tt_error *err);
void tt_cdo_result_free(struct tt_cdo_result *res);

/* kpatch's layouts on x86_64 (kpatch-patch.h, kpatch-intermediate.h). */
#define TT_CDO_FUNC_SIZE	 56 /* new_addr, new_size, old_addr, old_size, sympos, name, objname */
#define TT_CDO_FUNC_NAME_OFF	 40
#define TT_CDO_FUNC_OBJNAME_OFF	 48
#define TT_CDO_KSYM_SIZE	 40 /* src, sympos, bind, type, name, objname */
#define TT_CDO_KSYM_NAME_OFF	 24
#define TT_CDO_KSYM_OBJNAME_OFF	 32
#define TT_CDO_KRELA_SIZE	 40 /* dest, type, external, addend, objname, ksym */
#define TT_CDO_KRELA_OBJNAME_OFF 24
#define TT_CDO_KRELA_KSYM_OFF	 32
#define TT_CDO_ARCH_SIZE	 16 /* sec, objname */

#endif
