// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Inclusion: starting from the changed functions, everything their code
 * references, classified by where the livepatch will find it. New symbols
 * (and what they reference in turn) go into the livepatch; everything that
 * exists unchanged stays in the running kernel and becomes a reference:
 * by name when the symbol is undefined here or exported, through a klp
 * relocation (.klp.sym.OBJ.NAME,POS) when it is global-but-unexported or
 * static.
 */
#include <stdlib.h>
#include <string.h>

#include "klp_int.h"

struct walk {
	struct tt_klp_diff *d;
	struct kelf_sym **stack; /* new symbols whose own references are still to walk */
	size_t n, cap;
};

static void push(struct walk *w, struct kelf_sym *s)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->stack = tt_xrealloc(w->stack, w->cap * sizeof(*w->stack));
	}
	w->stack[w->n++] = s;
}

static void add_ref(struct walk *w, const struct kelf_sym *t, const struct kelf_sym *by,
		    enum tt_klp_ref_kind kind)
{
	struct tt_klp_diff *d = w->d;
	if (d->nrefs == d->cap_refs) {
		d->cap_refs = d->cap_refs ? d->cap_refs * 2 : 16;
		d->refs = tt_xrealloc(d->refs, d->cap_refs * sizeof(*d->refs));
	}
	d->refs[d->nrefs++] = (struct tt_klp_ref){t->name, t->sec ? t->sec->name : NULL, by->name,
						  kind, t->type == STT_FUNC};
}

/* EXPORT_SYMBOL in this object leaves __ksymtab_NAME (6.1: in section ___ksymtab+NAME). */
static bool exported_here(const struct kelf *k, const char *name)
{
	char *sym = tt_xasprintf("__ksymtab_%s", name);
	bool yes = kelf_sym_find(k, sym) != NULL;
	free(sym);
	return yes;
}

/* Could a symbol of this base in ORIG.o be the one t replaces? Then "new" would lose state. */
static bool has_namesake(const struct kelf *a, const struct kelf_sym *t)
{
	for (size_t i = 0; i < a->nsyms; i++)
		if (a->syms[i].n.numbered_static && strcmp(a->syms[i].n.base, t->n.base) == 0)
			return true;
	return false;
}

static void classify_unpaired(struct walk *w, struct kelf_sym *t, const struct kelf_sym *by)
{
	struct tt_klp_diff *d = w->d;
	if (t->n.numbered_static && !t->n.special_static && (t->sec->sh.sh_flags & SHF_WRITE) &&
	    has_namesake(d->a, t)) {
		klp_refuse(d, TT_KLP_REFUSE_UNCORRELATED, t->sec->name, t->name,
			   tt_xasprintf("%s: static variable `%s` used by changed function `%s` "
					"matches none or several statics of %s (GCC numbers them "
					"per object): its running state cannot be found",
					d->b->name, t->name, by->name, d->a->name));
		return;
	}
	add_ref(w, t, by, TT_KLP_REF_NEW);
	push(w, t);
}

/* A reference through a section symbol that no symbol covers: string literals, mostly. */
static void classify_anonymous(struct walk *w, struct kelf_sym *t, const struct kelf_sym *by)
{
	if (t->sec->sh.sh_flags & SHF_WRITE) {
		klp_refuse(w->d, TT_KLP_REFUSE_UNCORRELATED, t->sec->name, by->name,
			   tt_xasprintf("%s: changed function `%s` uses anonymous writable data in "
					"%s, which has no symbol to find in the running kernel",
					w->d->b->name, by->name, t->sec->name));
		return;
	}
	add_ref(w, t, by, TT_KLP_REF_NEW); /* constants are copied into the livepatch */
}

static void classify(struct walk *w, struct kelf_sym *t, const struct kelf_sym *by)
{
	if (t->type == STT_SECTION && t->sec)
		classify_anonymous(w, t, by);
	else if (!t->sec)
		add_ref(w, t, by, TT_KLP_REF_UNDEFINED);
	else if (t->type == STT_FUNC && t->status == TT_KLP_CHANGED)
		add_ref(w, t, by, TT_KLP_REF_CHANGED_FUNC);
	else if (!t->twin)
		classify_unpaired(w, t, by);
	else if (t->status == TT_KLP_CHANGED && klp_data_is_carried(t))
		/* read-only data with new contents: the copy goes into the livepatch */
		add_ref(w, t, by, TT_KLP_REF_NEW);
	else if (t->bind == STB_LOCAL)
		add_ref(w, t, by, TT_KLP_REF_LOCAL);
	else
		add_ref(w, t, by,
			exported_here(w->d->b, t->name) ? TT_KLP_REF_EXPORTED : TT_KLP_REF_GLOBAL);
}

static void walk_refs(struct walk *w, const struct kelf_sym *f)
{
	const struct kelf_sec *sec = f->sec;
	uint64_t lo = f->st.st_value, hi = lo + f->st.st_size;
	for (size_t i = 0; sec && i < sec->nrels; i++) {
		const struct kelf_rel *r = &sec->rels[i];
		struct kelf_sym *t = r->target;
		if (r->offset < lo || (r->offset >= hi && f->st.st_size))
			continue;
		/* The ftrace call: exported, and carried with the code and its __mcount_loc entry.
		 */
		if (t == f || t->referenced_by_change || strcmp(t->name, "__fentry__") == 0)
			continue;
		t->referenced_by_change = true;
		classify(w, t, f);
	}
}

void klp_include(struct tt_klp_diff *d)
{
	struct walk w = {.d = d};
	for (size_t i = 0; i < d->b->nsyms; i++) {
		struct kelf_sym *s = &d->b->syms[i];
		if (kelf_sym_is_func(s) && s->status == TT_KLP_CHANGED)
			push(&w, s);
	}
	while (w.n) {
		struct kelf_sym *s = w.stack[--w.n];
		walk_refs(&w, s);
	}
	free(w.stack);
}
