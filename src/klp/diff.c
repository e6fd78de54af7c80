// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The diff of two objects, phase by phase: correlate, compare functions,
 * compare data, refuse what a livepatch cannot carry, then list what the
 * changed code needs (include.c). Refusals are results: the caller shows
 * all of them at once instead of stopping at the first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "klp_int.h"

const char *klp_own(struct tt_klp_diff *d, char *s)
{
	tt_strv_push_owned(&d->owned, s);
	return s;
}

#define GROW(arr, n, cap)                                                                          \
	do {                                                                                       \
		if ((n) == (cap)) {                                                                \
			(cap) = (cap) ? (cap)*2 : 16;                                              \
			(arr) = tt_xrealloc((arr), (cap) * sizeof(*(arr)));                        \
		}                                                                                  \
	} while (0)

void klp_refuse(struct tt_klp_diff *d, enum tt_klp_refusal_kind kind, const char *section,
		const char *symbol, char *message)
{
	GROW(d->refusals, d->nrefusals, d->cap_refusals);
	d->refusals[d->nrefusals++] =
	    (struct tt_klp_refusal){kind, section, symbol, klp_own(d, message)};
}

static void reset(struct kelf *k)
{
	for (size_t i = 0; i < k->nsyms; i++) {
		struct kelf_sym *s = &k->syms[i];
		s->twin = NULL;
		s->status = TT_KLP_UNCHANGED;
		free(s->reason);
		s->reason = NULL;
		s->referenced_by_change = false;
		s->first_user = NULL;
	}
	for (size_t i = 0; i < k->nsecs; i++) {
		k->secs[i].twin = NULL;
		k->secs[i].changed = false;
	}
}

static void set_status(struct kelf_sym *s, enum tt_klp_status st, char *reason)
{
	s->status = st;
	free(s->reason);
	s->reason = reason;
}

static void compare_functions(struct tt_klp_diff *d)
{
	for (size_t i = 0; i < d->b->nsyms; i++) {
		struct kelf_sym *s = &d->b->syms[i];
		if (!kelf_sym_is_func(s))
			continue;
		s->has_fentry = klp_has_fentry(s);
		if (!s->twin || !kelf_sym_is_func(s->twin)) {
			set_status(s, TT_KLP_NEW, tt_xstrdup("not in the original object"));
			continue;
		}
		struct klp_cmp c;
		klp_compare_func(s->twin, s, &c);
		if (!c.changed)
			klp_compare_special(d->a, s->twin, d->b, s, &c);
		if (c.changed)
			set_status(s, TT_KLP_CHANGED, c.why);
		else if (c.line_only)
			set_status(s, TT_KLP_LINE_ONLY, c.why);
		else
			set_status(s, TT_KLP_UNCHANGED, c.why);
	}
}

/* "f.cold" and "f.part.3" belong to "f"; "f.isra.0.cold" to "f.isra.0". */
static struct kelf_sym *parent_of(const struct kelf *k, const struct kelf_sym *s)
{
	const char *p = strstr(s->name, ".cold");
	const char *q = strstr(s->name, ".part.");
	const char *cut = p && (!q || p < q) ? p : q;
	if (!cut)
		return NULL;
	char *name = tt_xstrndup(s->name, (size_t)(cut - s->name));
	struct kelf_sym *f = kelf_sym_find(k, name);
	free(name);
	return f && kelf_sym_is_func(f) ? f : NULL;
}

static bool is_modified(const struct kelf_sym *s)
{
	return s->status == TT_KLP_CHANGED || s->status == TT_KLP_NEW;
}

/* A .cold/.part piece and its parent are one function split by GCC: they change together. */
static void propagate_parts(struct tt_klp_diff *d)
{
	for (size_t i = 0; i < d->b->nsyms; i++) {
		struct kelf_sym *s = &d->b->syms[i], *p;
		if (!kelf_sym_is_func(s) || !s->n.is_part || !(p = parent_of(d->b, s)))
			continue;
		if (is_modified(s) && !is_modified(p))
			set_status(p, TT_KLP_CHANGED,
				   tt_xasprintf("its part `%s` changed", s->name));
		else if (is_modified(p) && !is_modified(s))
			set_status(s, TT_KLP_CHANGED,
				   tt_xasprintf("part of `%s`, which changed", p->name));
	}
}

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void refuse_data(struct tt_klp_diff *d, struct kelf_sym *s, const char *why)
{
	const char *sec = s->sec->name;
	if (starts_with(sec, ".init.") || starts_with(sec, ".exit."))
		klp_refuse(d, TT_KLP_REFUSE_INIT, sec, s->name,
			   tt_xasprintf("%s: changed __init data `%s` in %s (%s): it was used and "
					"freed at boot; patch the code that runs later instead",
					d->b->name, s->name, sec, why));
	else
		klp_refuse(
		    d, TT_KLP_REFUSE_DATA, sec, s->name,
		    tt_xasprintf("%s: changed data `%s` in %s (%s): the running kernel keeps "
				 "its own copy and state; use a shadow variable "
				 "(klp_shadow_*) or change the code that sets it",
				 d->b->name, s->name, sec, why));
}

/*
 * Writable data and .bss hold the running kernel's state, which a
 * livepatch does not replace. Read-only data, and special-section entries
 * such as pr_debug descriptors (compared without their __LINE__ field), can
 * be carried as a new copy: the functions using them then count as changed.
 */
static void compare_data(struct tt_klp_diff *d)
{
	for (size_t i = 0; i < d->b->nsyms; i++) {
		struct kelf_sym *s = &d->b->syms[i];
		char *why;
		if (!kelf_sym_is_data(s))
			continue;
		if (!s->twin || !kelf_sym_is_data(s->twin)) {
			set_status(s, TT_KLP_NEW, NULL);
			continue;
		}
		const struct klp_special *sp = klp_special_find(s->sec->name);
		if (sp) { /* an entry travels with the functions using it */
			if (!klp_compare_data(s->twin, s, sp->line_off, &why))
				set_status(s, TT_KLP_CHANGED, why);
			continue;
		}
		if (s->n.special_static || klp_compare_data(s->twin, s, -1, &why))
			continue;
		set_status(s, TT_KLP_CHANGED, why);
		if (s->sec->sh.sh_flags & SHF_WRITE || starts_with(s->sec->name, ".init."))
			refuse_data(d, s, why);
	}
}

static void propagate_data_changes(struct tt_klp_diff *d)
{
	for (size_t i = 0; i < d->b->nsecs; i++) {
		struct kelf_sec *sec = &d->b->secs[i];
		for (size_t j = 0; j < sec->nrels; j++) {
			struct kelf_sym *t = sec->rels[j].target, *f;
			if (!kelf_sym_is_data(t) || t->status != TT_KLP_CHANGED ||
			    !klp_data_is_carried(t))
				continue;
			f = kelf_sec_sym_at(sec, (int64_t)sec->rels[j].offset);
			if (f && kelf_sym_is_func(f) && !is_modified(f))
				set_status(
				    f, TT_KLP_CHANGED,
				    tt_xasprintf("uses `%s`, whose read-only contents changed",
						 t->name));
		}
	}
}

static void add_func(struct tt_klp_diff *d, const struct kelf_sym *s, enum tt_klp_status st,
		     const char *reason)
{
	GROW(d->funcs, d->nfuncs, d->cap_funcs);
	d->funcs[d->nfuncs++] = (struct tt_klp_func){
	    s->name,	  st == TT_KLP_REMOVED ? s->name : (s->twin ? s->twin->name : NULL),
	    s->sec->name, st,
	    reason,	  s->has_fentry,
	    s->n.is_part};
}

static void record_functions(struct tt_klp_diff *d)
{
	for (size_t i = 0; i < d->b->nsyms; i++) {
		const struct kelf_sym *s = &d->b->syms[i];
		if (kelf_sym_is_func(s))
			add_func(d, s, s->status, s->reason ? s->reason : "identical");
	}
	for (size_t i = 0; i < d->a->nsyms; i++) {
		const struct kelf_sym *s = &d->a->syms[i];
		if (kelf_sym_is_func(s) && (!s->twin || !kelf_sym_is_func(s->twin)))
			add_func(d, s, TT_KLP_REMOVED,
				 "not in the patched object (the running copy stays in place)");
	}
}

static void refuse_special_refs(struct tt_klp_diff *d, const struct kelf_sym *f)
{
	for (size_t i = 0; i < d->b->nsecs; i++) {
		const struct kelf_sec *sec = &d->b->secs[i];
		/* Code that jumps back into f (static_cpu_has()'s .altinstr_aux) is code, not a
		 * table. */
		if (!sec->nrels || klp_section_is_ignored(sec->name) ||
		    (sec->sh.sh_flags & SHF_EXECINSTR))
			continue;
		const struct klp_special *sp = klp_special_find(sec->name);
		if (sp && sp->supported)
			continue;
		for (size_t j = 0; j < sec->nrels; j++) {
			if (sec->rels[j].target != f)
				continue;
			klp_refuse(
			    d, TT_KLP_REFUSE_SPECIAL, sec->name, f->name,
			    tt_xasprintf("%s: changed function `%s` is referenced from %s section "
					 "%s: %s",
					 d->b->name, f->name, sp ? "special" : "unknown", sec->name,
					 sp ? "its entries are consumed once at boot or load, "
					      "so the new function would never be registered"
					    : "tuxtape does not know how to carry its entries"));
			break;
		}
	}
}

static void refuse_functions(struct tt_klp_diff *d)
{
	for (size_t i = 0; i < d->b->nsyms; i++) {
		const struct kelf_sym *s = &d->b->syms[i];
		if (!kelf_sym_is_func(s) || s->status != TT_KLP_CHANGED)
			continue;
		const char *sec = s->sec->name;
		if (starts_with(sec, ".init."))
			klp_refuse(
			    d, TT_KLP_REFUSE_INIT, sec, s->name,
			    tt_xasprintf("%s: __init function `%s` (in %s) changed: init code "
					 "has already run and its memory was freed, so it "
					 "cannot be patched; patch the code that runs later",
					 d->b->name, s->name, sec));
		else if (starts_with(sec, ".exit."))
			klp_refuse(
			    d, TT_KLP_REFUSE_INIT, sec, s->name,
			    tt_xasprintf("%s: __exit function `%s` (in %s) changed: built-in "
					 "exit code is discarded and module exit code cannot be "
					 "redirected reliably",
					 d->b->name, s->name, sec));
		else if (!s->has_fentry && !s->n.is_part)
			klp_refuse(
			    d, TT_KLP_REFUSE_NO_FENTRY, sec, s->name,
			    tt_xasprintf("%s: function `%s` (in %s) has no __fentry__ call "
					 "(compiled without -pg -mfentry, or marked notrace): "
					 "ftrace cannot redirect it, so it cannot be patched; "
					 "patch its callers instead",
					 d->b->name, s->name, sec));
		refuse_special_refs(d, s);
	}
}

int tt_klp_diff(const struct tt_elf *orig, const struct tt_elf *patched, struct tt_klp_diff **out,
		struct tt_error *err)
{
	*out = NULL;
	if (!orig || !patched)
		return tt_error_set(err, -EINVAL, "klp diff: two objects are needed");
	struct tt_klp_diff *d = tt_xcalloc(1, sizeof(*d));
	d->a = kelf(orig);
	d->b = kelf(patched);
	if (d->a == d->b) {
		free(d);
		return tt_error_set(err, -EINVAL,
				    "%s: cannot diff an object with itself (open it twice)",
				    kelf(orig)->name);
	}
	reset(d->a);
	reset(d->b);
	klp_correlate(d->a, d->b);
	compare_functions(d);
	compare_data(d);
	propagate_data_changes(d);
	propagate_parts(d);
	record_functions(d);
	refuse_functions(d);
	klp_include(d);
	*out = d;
	return 0;
}

void tt_klp_diff_free(struct tt_klp_diff *d)
{
	if (!d)
		return;
	free(d->funcs);
	free(d->refs);
	free(d->refusals);
	tt_strv_free(&d->owned);
	free(d);
}

const struct tt_klp_func *tt_klp_diff_funcs(const struct tt_klp_diff *d, size_t *n)
{
	*n = d->nfuncs;
	return d->funcs;
}

const struct tt_klp_ref *tt_klp_diff_refs(const struct tt_klp_diff *d, size_t *n)
{
	*n = d->nrefs;
	return d->refs;
}

const struct tt_klp_refusal *tt_klp_diff_refusals(const struct tt_klp_diff *d, size_t *n)
{
	*n = d->nrefusals;
	return d->refusals;
}

const struct tt_klp_func *tt_klp_diff_func(const struct tt_klp_diff *d, const char *name)
{
	for (size_t i = 0; i < d->nfuncs; i++)
		if (strcmp(d->funcs[i].name, name) == 0)
			return &d->funcs[i];
	return NULL;
}

const struct tt_klp_ref *tt_klp_diff_ref(const struct tt_klp_diff *d, const char *name)
{
	for (size_t i = 0; i < d->nrefs; i++)
		if (strcmp(d->refs[i].name, name) == 0)
			return &d->refs[i];
	return NULL;
}

bool tt_klp_diff_patchable(const struct tt_klp_diff *d)
{
	if (d->nrefusals)
		return false;
	for (size_t i = 0; i < d->nfuncs; i++)
		if (d->funcs[i].status == TT_KLP_CHANGED)
			return true;
	return false;
}

const char *tt_klp_status_name(enum tt_klp_status s)
{
	static const char *const names[] = {"unchanged", "changed", "new", "removed", "line-only"};
	return (unsigned)s < sizeof(names) / sizeof(*names) ? names[s] : "?";
}

const char *tt_klp_ref_kind_name(enum tt_klp_ref_kind k)
{
	static const char *const names[] = {"new",	"changed-function", "undefined",
					    "exported", "global",	    "local"};
	return (unsigned)k < sizeof(names) / sizeof(*names) ? names[k] : "?";
}

const char *tt_klp_refusal_kind_name(enum tt_klp_refusal_kind k)
{
	static const char *const names[] = {"data", "init", "no-fentry", "special-section",
					    "uncorrelated"};
	return (unsigned)k < sizeof(names) / sizeof(*names) ? names[k] : "?";
}
