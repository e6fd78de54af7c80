/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between the emitter's phases: what goes into the livepatch object
 * (emit.c decides, emit_special.c filters the special sections,
 * emit_write.c writes it with libelf).
 */
#ifndef TT_KLP_EMIT_INT_H
#define TT_KLP_EMIT_INT_H

#include "klp_int.h"

/* A relocation of the output: against a section's symbol or a named symbol. */
struct out_rel {
	uint64_t offset;
	uint32_t type;
	int64_t addend;
	struct out_sec *sec; /* target section (its STT_SECTION symbol), or NULL */
	size_t sym;	     /* else: index into emitter.syms */
};

struct out_sec {
	char *name;
	uint32_t type; /* SHT_PROGBITS or SHT_NOBITS */
	uint64_t flags, align, entsize;
	struct tt_buf data; /* empty for SHT_NOBITS */
	uint64_t size;
	struct out_rel *rels;
	size_t nrels, cap_rels;
	size_t index, rela_index; /* ELF section indices, set when written */
	size_t symindex;	  /* its STT_SECTION symbol's index */
};

struct out_sym {
	char *name;
	unsigned char bind, type;
	struct out_sec *sec; /* NULL: undefined */
	uint64_t value, size;
	size_t index; /* set when written */
};

/* Bytes [lo, hi) of an input section, copied to `out` at olo. */
struct range {
	const struct kelf_sec *in;
	uint64_t lo, hi;
	struct out_sec *out;
	uint64_t olo;
	const struct kelf_sym *sym; /* the symbol copied, NULL for constants and table entries */
	bool code;		    /* a function: table entries pointing here are carried */
	bool scanned;		    /* its relocations were walked */
};

struct emitter {
	const struct tt_klp_diff *d;
	const struct kelf *a, *b;
	const struct tt_klp_emit_options *o;
	struct out_sec **secs;
	size_t nsecs;
	struct range *ranges;
	size_t nranges, cap_ranges;
	struct out_sym *syms;
	size_t nsyms, cap_syms;
	const char **neighbours; /* ORIG.o's local symbols, to place duplicated names */
	size_t nneighbours;
	struct tt_buf refusals; /* one line each */
	size_t nrefusals;
};

void emit_refuse(struct emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct range *emit_range_for(const struct emitter *e, const struct kelf_sec *in, uint64_t byte);
struct range *emit_copy(struct emitter *e, const struct kelf_sec *in, uint64_t lo, uint64_t hi,
			const struct kelf_sym *sym);
/* Copy what the ranges reference and the livepatch must carry, until nothing is left. */
void emit_closure(struct emitter *e);
/* The byte a relocation references, relative to its target's section. */
uint64_t emit_rel_byte(const struct kelf_rel *r);

/* emit_special.c: the table entries of included functions. */
void emit_special_sections(struct emitter *e);
void emit_check_unsupported(struct emitter *e);

/* emit_write.c */
int emit_write(const struct emitter *e, const char *path, struct tt_error *err);

#endif
