/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the phases of the diff engine: the ELF model (elf.c) that
 * correlate.c, compare.c, special.c and include.c read and annotate.
 * Each phase only fills the fields it owns (twin, status, ...), so the next
 * phase (emitting the livepatch object) can walk the same model.
 */
#ifndef TT_KLP_INT_H
#define TT_KLP_INT_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/klp.h"
#include "tuxtape/util.h"

struct kelf_sym;

struct kelf_rel {
	uint64_t offset;
	uint32_t type;
	int64_t addend;
	struct kelf_sym *sym; /* as named in the entry */
	/* Resolved: the symbol covering the referenced byte, and the offset in it. */
	struct kelf_sym *target;
	int64_t target_off;
};

struct kelf_sec {
	size_t index;
	const char *name; /* borrowed from libelf's .shstrtab */
	GElf_Shdr sh;
	const unsigned char *data; /* NULL for SHT_NOBITS or empty */
	size_t size;		   /* sh_size (also for NOBITS) */
	struct kelf_sec *rela;	   /* on a base section: its SHT_RELA section */
	struct kelf_sec *base;	   /* on a SHT_RELA section: the section it relocates */
	struct kelf_rel *rels;	   /* on a base section, sorted by offset */
	size_t nrels;
	struct kelf_sym *secsym; /* its STT_SECTION symbol, if any */
	struct kelf_sym **syms;	 /* defined non-section symbols, by offset */
	size_t nsyms;
	struct kelf_sec *twin;
	bool changed; /* for data sections: content differs from its twin */
};

/* What GCC made of a name: base, clone suffixes and numbering. */
struct kelf_name {
	char *base;	      /* "foo" for "foo.isra.0", "__key" for "__key.12" */
	char *kind;	      /* "isra.constprop", "cold", "" */
	bool numbered_static; /* a function-scope static: NAME.N */
	bool special_static;  /* __key, __func__, __warned, __already_done, ... */
	bool is_part;	      /* .cold or .part: a piece of another function */
};

struct kelf_sym {
	size_t index;
	const char *name; /* "" for unnamed */
	GElf_Sym st;
	unsigned char bind, type;
	struct kelf_sec *sec; /* NULL when undefined, absolute or common */
	struct kelf_name n;
	struct kelf_sym *hnext; /* same-hash chain */
	struct kelf_sym *twin;
	enum tt_klp_status status;
	char *reason; /* owned */
	bool has_fentry;
	bool referenced_by_change;   /* include phase mark */
	struct kelf_sym *first_user; /* numbered statics: first function/variable using it */
};

struct kelf {
	char *name;
	Elf *elf;
	void *owned_data; /* the file's bytes when opened by path */
	struct kelf_sec *secs;
	size_t nsecs;
	struct kelf_sym *syms;
	size_t nsyms;
	struct kelf_sym **hash; /* by name, chained through hnext */
	size_t hash_cap;	/* power of two */
	struct kelf_sec **sec_hash;
	size_t sec_hash_cap;
};

/* struct tt_elf is struct kelf; the public name stays opaque. */
static inline struct kelf *kelf(const struct tt_elf *e)
{
	return (struct kelf *)e;
}

struct kelf_sym *kelf_sym_find(const struct kelf *k, const char *name);
struct kelf_sym *kelf_sym_next(struct kelf_sym *s); /* next of the same name */
struct kelf_sec *kelf_sec_find(const struct kelf *k, const char *name);
/* The defined symbol whose [value, value+size) covers off in sec, NULL if none. */
struct kelf_sym *kelf_sec_sym_at(const struct kelf_sec *sec, int64_t off);
bool kelf_sym_is_func(const struct kelf_sym *s);
bool kelf_sym_is_data(const struct kelf_sym *s);
bool kelf_rel_is_pcrel(uint32_t type);
/* Width in bytes of the field a relocation type writes (0 if unknown). */
unsigned kelf_rel_width(uint32_t type);

/* correlate.c */
void kelf_name_parse(const char *name, unsigned char type, unsigned char bind, struct kelf_name *n);
void kelf_name_free(struct kelf_name *n);
void klp_correlate(struct kelf *a, struct kelf *b);

/* compare.c */
struct klp_cmp {
	bool changed;
	bool line_only;
	char *why; /* owned, NULL when identical */
};
bool klp_rel_targets_equal(const struct kelf_rel *a, const struct kelf_rel *b);
void klp_compare_func(const struct kelf_sym *a, const struct kelf_sym *b, struct klp_cmp *out);
int klp_compare_bytes(const struct kelf_sym *a, const struct kelf_sym *b, char **why);
bool klp_line_only(const struct kelf_sym *a, const struct kelf_sym *b, uint64_t lo, uint64_t hi);
bool klp_has_fentry(const struct kelf_sym *f);
/* line_off: offset of a 16-bit __LINE__ field to skip, -1 for none. */
bool klp_compare_data(const struct kelf_sym *a, const struct kelf_sym *b, int line_off, char **why);

/* special.c: the special sections, one row each */
struct klp_special {
	const char *name;
	size_t entry_size; /* 0: variable or unknown, entries split at relocations */
	int line_off;	   /* offset of a 16-bit __LINE__ field, -1 if none */
	bool supported;	   /* the emitter will know how to carry its entries */
};
const struct klp_special *klp_special_find(const char *secname);
bool klp_section_is_ignored(const char *secname);
bool klp_data_is_carried(const struct kelf_sym *s);
/* Compare the entries of special sections that belong to function a/b. */
void klp_compare_special(const struct kelf *ka, const struct kelf_sym *a, const struct kelf *kb,
			 const struct kelf_sym *b, struct klp_cmp *out);

/* diff.c / include.c: the results, in report order */
struct tt_klp_diff {
	struct kelf *a, *b;
	struct tt_klp_func *funcs;
	size_t nfuncs, cap_funcs;
	struct tt_klp_ref *refs;
	size_t nrefs, cap_refs;
	struct tt_klp_refusal *refusals;
	size_t nrefusals, cap_refusals;
	struct tt_strv owned; /* reasons and messages */
};

const char *klp_own(struct tt_klp_diff *d, char *s);
void klp_refuse(struct tt_klp_diff *d, enum tt_klp_refusal_kind kind, const char *section,
		const char *symbol, char *message);
/* Walk what the changed functions reference; fill d->refs, refuse what cannot be referenced. */
void klp_include(struct tt_klp_diff *d);

#endif
