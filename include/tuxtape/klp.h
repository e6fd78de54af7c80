/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ELF diff engine: what a source patch changed in one compiled object,
 * and whether a livepatch can carry that change.
 *
 * Input is a pair of relocatable x86_64 objects (ORIG.o, PATCHED.o) built
 * with the kernel's flags plus -ffunction-sections -fdata-sections. The
 * engine reads both (tt_elf_*), pairs their symbols and sections, compares
 * each function with relocation targets resolved to names, and reports per
 * function unchanged / changed / new / removed / only-__LINE__-changed, the
 * symbols the changed code needs (new, or references into the running
 * kernel) and the changes it refuses, each naming object, section, symbol
 * and what the author can do. docs/klp-diff.md lists every rule.
 */
#ifndef TUXTAPE_KLP_H
#define TUXTAPE_KLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"

/* ---- the ELF model ---- */

/*
 * One relocatable object. Its bytes are never written; a diff annotates the
 * model (pairs, statuses), so an object takes part in one diff at a time.
 */
struct tt_elf;

/* Open a file. Returns 0, -ENOENT/-EIO (unreadable), -EINVAL (not an x86_64 ET_REL object). */
int tt_elf_open(const char *path, struct tt_elf **out, struct tt_error *err);
/* The same over bytes the caller keeps alive until tt_elf_close; name is for messages. */
int tt_elf_open_memory(const void *data, size_t len, const char *name, struct tt_elf **out,
		       struct tt_error *err);
void tt_elf_close(struct tt_elf *e);

const char *tt_elf_name(const struct tt_elf *e);
size_t tt_elf_section_count(const struct tt_elf *e);
size_t tt_elf_symbol_count(const struct tt_elf *e);

/* A symbol as the engine sees it; strings are borrowed from the tt_elf. */
struct tt_elf_symbol_info {
	const char *name;
	const char *section; /* NULL when undefined or absolute */
	uint64_t offset;     /* st_value: offset within its section */
	uint64_t size;
	unsigned char bind; /* STB_* */
	unsigned char type; /* STT_* */
};

/* First symbol of that name (locals may repeat: n-th with index). -ENOENT when absent. */
int tt_elf_symbol_find(const struct tt_elf *e, const char *name, size_t index,
		       struct tt_elf_symbol_info *out);

/*
 * A relocation with its target resolved: a reference through a section
 * symbol (".text.foo - 4", ".bss + 8 - 5") is turned into the symbol that
 * covers the referenced byte and the offset within it. In code, x86_64
 * PC-relative addends count from the end of the instruction, so the byte
 * referenced is addend + 4 + the length of any immediate after the field
 * (read from the opcode); `target_offset` is that byte's offset in `target`.
 */
struct tt_elf_reloc_info {
	uint64_t offset; /* within the relocated section */
	uint32_t type;	 /* R_X86_64_* */
	int64_t addend;
	const char *symbol; /* the symbol named in the relocation */
	const char *target; /* resolved: symbol covering the referenced byte, or the section */
	int64_t target_offset;
};

/* Relocations applied to section `section` (its .rela twin), in offset order. */
int tt_elf_reloc_count(const struct tt_elf *e, const char *section, size_t *n,
		       struct tt_error *err);
int tt_elf_reloc_get(const struct tt_elf *e, const char *section, size_t i,
		     struct tt_elf_reloc_info *out, struct tt_error *err);

/* ---- the diff ---- */

enum tt_klp_status {
	TT_KLP_UNCHANGED,
	TT_KLP_CHANGED,
	TT_KLP_NEW,
	TT_KLP_REMOVED,
	TT_KLP_LINE_ONLY, /* only __LINE__ immediates / __bug_table lines differ */
};

/*
 * One function of either object. Names and sections are borrowed from the
 * two tt_elf objects (keep them open while the diff is used); reasons and
 * messages belong to the diff.
 */
struct tt_klp_func {
	const char *name;      /* in PATCHED.o (ORIG.o's for removed) */
	const char *orig_name; /* its twin in ORIG.o, NULL for new; differs for renumbered clones */
	const char *section;
	enum tt_klp_status status;
	const char *reason; /* why that status: first difference found, or how it was paired */
	bool has_fentry;    /* a call to __fentry__ at the entry: ftrace can redirect it */
	bool is_part;	    /* a .cold/.part piece: patched together with its parent */
};

enum tt_klp_ref_kind {
	TT_KLP_REF_NEW,		 /* only in PATCHED.o, or constants with new contents: copied in */
	TT_KLP_REF_CHANGED_FUNC, /* another function the patch replaces */
	TT_KLP_REF_UNDEFINED,	 /* defined elsewhere in the kernel: resolved by name */
	TT_KLP_REF_EXPORTED,	 /* defined and EXPORT_SYMBOL'd by this object */
	TT_KLP_REF_GLOBAL,	 /* global in this object, not exported here: klp relocation */
	TT_KLP_REF_LOCAL,	 /* static in this object: klp relocation with sympos */
};

/* A symbol the changed code needs. */
struct tt_klp_ref {
	const char *name;
	const char *section;   /* where it lives in PATCHED.o, NULL when undefined */
	const char *needed_by; /* first function (changed or new) found referencing it */
	enum tt_klp_ref_kind kind;
	bool is_function;
};

enum tt_klp_refusal_kind {
	TT_KLP_REFUSE_DATA,	    /* changed initializer or size of existing data/.bss */
	TT_KLP_REFUSE_INIT,	    /* changed __init / __exit code or data */
	TT_KLP_REFUSE_NO_FENTRY,    /* changed function ftrace cannot redirect */
	TT_KLP_REFUSE_SPECIAL,	    /* a special section we cannot carry */
	TT_KLP_REFUSE_UNCORRELATED, /* cannot tell which ORIG symbol a PATCHED one replaces */
};

struct tt_klp_refusal {
	enum tt_klp_refusal_kind kind;
	const char *section;
	const char *symbol;
	const char *message; /* "ORIG.o: changed data `foo` in .data.foo: ...: use ..." */
};

struct tt_klp_diff;

/*
 * Diff two opened objects. Refusals are results, not errors: 0 is returned
 * with them. The diff annotates both objects, so an object takes part in one
 * diff at a time.
 */
int tt_klp_diff(const struct tt_elf *orig, const struct tt_elf *patched, struct tt_klp_diff **out,
		struct tt_error *err);
void tt_klp_diff_free(struct tt_klp_diff *d);

const struct tt_klp_func *tt_klp_diff_funcs(const struct tt_klp_diff *d, size_t *n);
const struct tt_klp_ref *tt_klp_diff_refs(const struct tt_klp_diff *d, size_t *n);
const struct tt_klp_refusal *tt_klp_diff_refusals(const struct tt_klp_diff *d, size_t *n);
/* First function of that name (in PATCHED.o, or ORIG.o for removed ones), NULL if none. */
const struct tt_klp_func *tt_klp_diff_func(const struct tt_klp_diff *d, const char *name);
const struct tt_klp_ref *tt_klp_diff_ref(const struct tt_klp_diff *d, const char *name);
/* True when some function is changed or new and nothing is refused. */
bool tt_klp_diff_patchable(const struct tt_klp_diff *d);

const char *tt_klp_status_name(enum tt_klp_status s);
const char *tt_klp_ref_kind_name(enum tt_klp_ref_kind k);
const char *tt_klp_refusal_kind_name(enum tt_klp_refusal_kind k);

/* ---- the target kernel's symbols ---- */

/*
 * The symbols of the kernel a livepatch is built for: every symbol of
 * vmlinux (or of a module) in kallsyms order, to compute the `sympos` the
 * livepatch core uses for duplicated local names, and the exported symbols
 * of Module.symvers, to tell references the module loader resolves from
 * those that need a livepatch relocation.
 */
struct tt_klp_symtab;

/* Load System.map, a /proc/kallsyms copy ("ADDR TYPE NAME [MODULE]") or a vmlinux ELF. */
int tt_klp_symtab_load(const char *path, struct tt_klp_symtab **out, struct tt_error *err);
/* Add the exported symbols of a Module.symvers ("CRC\tNAME\tMODULE\tEXPORT_TYPE[\tNS]"). */
int tt_klp_symtab_load_symvers(struct tt_klp_symtab *s, const char *path, struct tt_error *err);
void tt_klp_symtab_free(struct tt_klp_symtab *s);
/* The same over bytes in memory; name is for messages. */
int tt_klp_symtab_load_memory(const void *data, size_t len, const char *name,
			      struct tt_klp_symtab **out, struct tt_error *err);
int tt_klp_symtab_load_symvers_memory(struct tt_klp_symtab *s, const char *data, size_t len,
				      const char *name, struct tt_error *err);
/* An empty table, for Module.symvers alone (every local then gets sympos 0). */
struct tt_klp_symtab *tt_klp_symtab_new(void);
size_t tt_klp_symtab_count(const struct tt_klp_symtab *s);
bool tt_klp_symtab_has_exports(const struct tt_klp_symtab *s);
/* Does the table list symbols of objname ("vmlinux" or a module), or `name` there? */
bool tt_klp_symtab_has_object(const struct tt_klp_symtab *s, const char *objname);
bool tt_klp_symtab_defines(const struct tt_klp_symtab *s, const char *objname, const char *name);

/*
 * Exported to modules (Module.symvers); *module is "vmlinux" or the exporting
 * module's name as the livepatch core spells it (KBUILD_MODNAME: "rds" for
 * net/rds/rds, '-' written '_').
 */
bool tt_klp_symtab_exported(const struct tt_klp_symtab *s, const char *name, const char **module);

/*
 * The livepatch core's sympos of symbol `name` in object `objname`
 * ("vmlinux" or a module name): 0 when the name is unique there, else the
 * 1-based position among the symbols of that name in kallsyms order. Which
 * copy is meant is decided by `source_file` (vmlinux ELF: its STT_FILE
 * block) and by `neighbours`, other local symbols of the same object (their
 * addresses must sit around the candidate). -ENOENT when absent, -EPERM
 * (message in err) when ambiguous.
 */
int tt_klp_symtab_sympos(const struct tt_klp_symtab *s, const char *objname, const char *name,
			 const char *source_file, const char *const *neighbours, size_t nneighbours,
			 unsigned long *sympos, struct tt_error *err);

/* ---- the livepatch object ---- */

struct tt_klp_emit_options {
	const char *objname; /* "vmlinux" or the module name the object is linked into */
	const char *
	    source_file; /* "fs/proc/meminfo.c": names the object in messages, helps place locals */
	const struct tt_klp_symtab *symtab; /* NULL: no sympos/export lookup (unique locals only) */
};

/* One function the livepatch replaces: a klp_func entry of the glue. */
struct tt_klp_patched_func {
	char *objname;	  /* "vmlinux" or the module name */
	char *old_name;	  /* the function in the running kernel */
	char *new_symbol; /* global alias in the emitted object: __tt_klp_new_OBJ__NAME__POS */
	unsigned long old_sympos;
};

/*
 * A patch-author hook (kernel/include/tuxtape/livepatch-hooks.h): a new
 * function __tuxtape_hook_KIND__FN of the patched object, wired into its
 * klp_object's callbacks by the glue.
 */
struct tt_klp_hook {
	char *objname; /* "vmlinux" or the module name */
	char *kind;    /* "pre_patch", "post_patch", "pre_unpatch", "post_unpatch" */
	char *symbol;  /* global alias in the emitted object: __tt_klp_hook_OBJ__KIND__FN */
};

struct tt_klp_manifest {
	struct tt_klp_patched_func *funcs;
	size_t n;
	struct tt_klp_hook *hooks;
	size_t n_hooks;
};

/* The function-name prefix of patch-author hooks. */
#define TT_KLP_HOOK_PREFIX "__tuxtape_hook_"
/* The C text of kernel/include/tuxtape/livepatch-hooks.h, for the builds of a fix. */
extern const char tt_klp_hooks_header[];

void tt_klp_manifest_free(struct tt_klp_manifest *m);

/*
 * Write the livepatch object of a diff: a relocatable x86_64 ELF with the
 * changed and new functions, the data and constants they newly need, and the
 * special-section entries of those functions. References into the running
 * kernel that the module loader cannot resolve are undefined symbols named
 * by tt_klp_placeholder_name(), turned into livepatch relocations by
 * tt_klp_postlink() after kbuild linked the module. Writes out_path only
 * when the diff is patchable; refusals are returned as -EPERM with the
 * message in err. Appends to m (the caller zero-initializes it once, so
 * several objects can share one manifest).
 */
int tt_klp_emit(const struct tt_klp_diff *d, const struct tt_klp_emit_options *o,
		const char *out_path, struct tt_klp_manifest *m, struct tt_error *err);

/*
 * The C source of the module's klp_patch: one klp_object per object name
 * (vmlinux's is NULL), one klp_func per manifest entry, the object's hooks as
 * its callbacks, `replace` for an atomic-replace (cumulative) patch.
 */
int tt_klp_glue_write(const struct tt_klp_manifest *m, const char *module_name, bool replace,
		      const char *out_c_path, struct tt_error *err);

/*
 * Rewrite a linked livepatch module in place: every relocation against a
 * placeholder symbol moves from .rela.X to .klp.rela.OBJ.X
 * (SHF_RELA_LIVEPATCH), and the placeholder becomes `.klp.sym.OBJ.NAME,POS`
 * in SHN_LIVEPATCH. A module without placeholders is left as it was.
 */
int tt_klp_postlink(const char *ko_path, struct tt_error *err);

struct tt_klp_postlink_stats {
	size_t symbols;	    /* placeholders turned into .klp.sym symbols */
	size_t relocations; /* relocations moved into .klp.rela sections */
	size_t sections;    /* .klp.rela sections written */
};
/* The same, saying what it did (stats may be NULL). */
int tt_klp_postlink_stats(const char *ko_path, struct tt_klp_postlink_stats *stats,
			  struct tt_error *err);

/*
 * The undefined symbol tt_klp_emit writes for a reference to be
 * livepatch-relocated, and its inverse. Its shape is private to this
 * module and tt_klp_postlink; exposed for tests and messages. objname is the
 * object the symbol lives in, or "OBJ:SYMOBJ" when the relocation belongs to
 * object OBJ (applied when OBJ loads) but the symbol to another module
 * SYMOBJ (an export of a module OBJ depends on).
 */
char *tt_klp_placeholder_name(const char *objname, const char *name, unsigned long sympos);
bool tt_klp_placeholder_parse(const char *sym, char **objname, char **name, unsigned long *sympos);

#endif
