// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Correlation: which symbol and section of PATCHED.o replaces which of
 * ORIG.o. Sets `twin` both ways; what stays without a twin is new or removed.
 *
 * Order matters: globals first (their names are the ABI), then plain static
 * names, then GCC's clones (whose numbers are a per-object counter), then
 * function-scope statics (numbered by the same kind of counter, so only the
 * functions referencing them can tell them apart), and sections last, from
 * the symbols they hold.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "klp_int.h"
#include "tuxtape/util.h"

/* Suffixes GCC's IPA passes append, each optionally followed by ".N". */
static const char *const clone_kinds[] = {"isra", "constprop", "part",
					  "cold", "lto_priv",  "localalias"};

/*
 * Function-scope statics the kernel's macros create in many functions:
 * lockdep keys, once-flags, __func__. Their content never says anything
 * about the patch, and their number says nothing about identity.
 */
static const char *const special_statics[] = {"__key",	      "__func__",
					      "__FUNCTION__", "__PRETTY_FUNCTION__",
					      "__warned",     "__already_done",
					      "__print_once", "__once",
					      "__done",	      "_rs",
					      "descriptor",   "__msg",
					      "__flags"};

static bool is_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool is_clone_kind(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(clone_kinds) / sizeof(*clone_kinds); i++)
		if (strlen(clone_kinds[i]) == n && memcmp(clone_kinds[i], s, n) == 0)
			return true;
	return false;
}

static bool is_special_static(const char *base)
{
	for (size_t i = 0; i < sizeof(special_statics) / sizeof(*special_statics); i++)
		if (strcmp(base, special_statics[i]) == 0)
			return true;
	return false;
}

/* Walk the ".tok" parts after the base; false when one is neither a kind nor a number. */
static bool parse_suffixes(const char *p, struct tt_buf *kind, bool *numbered)
{
	while (*p == '.') {
		const char *t = p + 1;
		size_t n = strcspn(t, ".");
		if (is_clone_kind(t, n)) {
			if (kind->len)
				tt_buf_addc(kind, '.');
			tt_buf_add(kind, t, n);
		} else if (is_digits(t, n)) {
			*numbered = true;
		} else {
			return false;
		}
		p = t + n;
	}
	return true;
}

/*
 * __UNIQUE_ID_ddebug611.27: the kernel's __UNIQUE_ID() appends __COUNTER__,
 * which shifts as soon as the patch adds a pr_debug() or a _once flag above;
 * such a name is as unstable as a static's number, so it is paired the same
 * way, on the name without its digits.
 */
static void unique_id_base(struct kelf_name *n, unsigned char type, unsigned char bind)
{
	if (strncmp(n->base, "__UNIQUE_ID_", 12) != 0 || bind != STB_LOCAL || type == STT_FUNC ||
	    type == STT_SECTION || type == STT_FILE)
		return;
	size_t len = strlen(n->base);
	while (len > 12 && n->base[len - 1] >= '0' && n->base[len - 1] <= '9')
		len--;
	n->base[len] = '\0';
	n->numbered_static = true;
	n->special_static = true;
}

static void parse_name(const char *name, unsigned char type, unsigned char bind,
		       struct kelf_name *n)
{
	memset(n, 0, sizeof(*n));
	const char *dot = *name && *name != '.' ? strchr(name, '.') : NULL;
	struct tt_buf kind = TT_BUF_INIT;
	bool numbered = false;
	if (!dot || type == STT_SECTION || type == STT_FILE ||
	    !parse_suffixes(dot, &kind, &numbered)) {
		tt_buf_reset(&kind);
		n->base = tt_xstrdup(name);
		n->kind = tt_buf_detach(&kind);
		return;
	}
	n->base = tt_xstrndup(name, (size_t)(dot - name));
	n->is_part = strstr(tt_buf_str(&kind), "cold") || strstr(tt_buf_str(&kind), "part");
	n->kind = tt_buf_detach(&kind);
	n->numbered_static = numbered && !*n->kind && bind == STB_LOCAL && type != STT_FUNC;
	n->special_static = n->numbered_static && is_special_static(n->base);
}

void kelf_name_parse(const char *name, unsigned char type, unsigned char bind, struct kelf_name *n)
{
	parse_name(name, type, bind, n);
	unique_id_base(n, type, bind);
}

void kelf_name_free(struct kelf_name *n)
{
	free(n->base);
	free(n->kind);
}

static void pair(struct kelf_sym *a, struct kelf_sym *b)
{
	a->twin = b;
	b->twin = a;
}

static bool correlatable(const struct kelf_sym *s)
{
	return !s->twin && *s->name && s->type != STT_SECTION && s->type != STT_FILE;
}

static bool is_global(const struct kelf_sym *s)
{
	return s->bind != STB_LOCAL || !s->sec;
}

/* Globals and undefined symbols: the name is the identity. */
static void correlate_globals(struct kelf *a, struct kelf *b)
{
	for (size_t i = 0; i < b->nsyms; i++) {
		struct kelf_sym *s = &b->syms[i];
		if (!correlatable(s) || !is_global(s))
			continue;
		for (struct kelf_sym *o = kelf_sym_find(a, s->name); o; o = kelf_sym_next(o))
			if (correlatable(o) && is_global(o)) {
				pair(o, s);
				break;
			}
	}
}

static bool plain_local(const struct kelf_sym *s)
{
	return correlatable(s) && !is_global(s) && !*s->n.kind && !s->n.numbered_static;
}

static const char *sec_name(const struct kelf_sym *s)
{
	return s->sec ? s->sec->name : "";
}

/*
 * Static names are unique in one C file, except when GCC or asm repeat
 * one; then the copy in the section of the same name, in order, is the twin.
 */
static void correlate_plain_locals(struct kelf *a, struct kelf *b)
{
	for (size_t i = 0; i < b->nsyms; i++) {
		struct kelf_sym *s = &b->syms[i];
		if (!plain_local(s))
			continue;
		struct kelf_sym *first = NULL, *same_sec = NULL;
		for (struct kelf_sym *o = kelf_sym_find(a, s->name); o; o = kelf_sym_next(o)) {
			if (!plain_local(o))
				continue;
			if (!first)
				first = o;
			if (!same_sec && strcmp(sec_name(o), sec_name(s)) == 0)
				same_sec = o;
		}
		struct kelf_sym *m = same_sec ? same_sec : first;
		if (m)
			pair(m, s);
	}
}

static const unsigned char *sym_bytes(const struct kelf_sym *s, size_t *len)
{
	*len = 0;
	if (!s->sec || !s->sec->data || s->st.st_value > s->sec->size ||
	    s->sec->size - s->st.st_value < s->st.st_size)
		return NULL;
	*len = s->st.st_size;
	return s->sec->data + s->st.st_value;
}

/* How alike two clones are: equal bytes at equal offsets, less the size difference. */
static long similarity(const struct kelf_sym *x, const struct kelf_sym *y)
{
	size_t lx, ly;
	const unsigned char *px = sym_bytes(x, &lx), *py = sym_bytes(y, &ly);
	uint64_t sx = x->st.st_size, sy = y->st.st_size, d = sx > sy ? sx - sy : sy - sx;
	long score = -(long)(d > (uint64_t)LONG_MAX / 2 ? (uint64_t)LONG_MAX / 2 : d);
	if (!px || !py)
		return score;
	size_t n = lx < ly ? lx : ly;
	for (size_t i = 0; i < n; i++)
		score += px[i] == py[i];
	if (strcmp(x->name, y->name) == 0)
		score += 1; /* ties go to the same number */
	return score;
}

static bool same_clone_key(const struct kelf_sym *x, const struct kelf_sym *y)
{
	return x->type == y->type && strcmp(x->n.base, y->n.base) == 0 &&
	       strcmp(x->n.kind, y->n.kind) == 0;
}

/*
 * GCC's clones (foo.isra.0, foo.constprop.2, foo.cold): the number is a
 * counter that shifts when another clone appears, so pair on base name and
 * suffix kinds, and among several candidates take the most alike.
 */
static void correlate_clones(struct kelf *a, struct kelf *b)
{
	for (size_t i = 0; i < b->nsyms; i++) {
		struct kelf_sym *s = &b->syms[i];
		if (!correlatable(s) || is_global(s) || !*s->n.kind)
			continue;
		struct kelf_sym *best = NULL;
		long best_score = 0;
		for (size_t j = 0; j < a->nsyms; j++) {
			struct kelf_sym *o = &a->syms[j];
			if (!correlatable(o) || is_global(o) || !same_clone_key(o, s))
				continue;
			long sc = similarity(o, s);
			if (!best || sc > best_score) {
				best = o;
				best_score = sc;
			}
		}
		if (best)
			pair(best, s);
	}
}

/* The function or variable containing the byte at offset off of section sec, if any. */
static struct kelf_sym *owner_at(const struct kelf_sec *sec, uint64_t off)
{
	struct kelf_sym *f = kelf_sec_sym_at(sec, (int64_t)off);
	return f && (f->type == STT_FUNC || f->type == STT_OBJECT) ? f : NULL;
}

/*
 * For every symbol, the function or variable that references it first (in
 * section order): __func__.5 is used by the dynamic debug descriptor
 * __UNIQUE_ID_ddebug611.27, which the function uses. One pass over the
 * relocations; debug info is skipped (it references everything and owns
 * nothing).
 */
static void find_first_users(struct kelf *k)
{
	for (size_t i = 0; i < k->nsecs; i++) {
		const struct kelf_sec *sec = &k->secs[i];
		if (strncmp(sec->name, ".debug", 6) == 0)
			continue;
		for (size_t j = 0; j < sec->nrels; j++) {
			struct kelf_sym *t = sec->rels[j].target;
			if (t->first_user || !t->n.numbered_static)
				continue;
			t->first_user = owner_at(sec, sec->rels[j].offset);
		}
	}
}

/*
 * The numbered statics of base `base` that f references, each once, in the
 * order of their first reference; at most max. Returns the count (which
 * may exceed max: the caller then knows the lists are not comparable).
 */
static size_t statics_used(const struct kelf_sym *f, const char *base, struct kelf_sym **out,
			   size_t max)
{
	const struct kelf_sec *sec = f->sec;
	size_t n = 0;
	for (size_t i = 0; i < sec->nrels; i++) {
		struct kelf_sym *t = sec->rels[i].target;
		if (!t->n.numbered_static || strcmp(t->n.base, base) != 0 ||
		    owner_at(sec, sec->rels[i].offset) != f)
			continue;
		bool seen = false;
		for (size_t j = 0; j < n && j < max; j++)
			seen |= out[j] == t;
		if (seen)
			continue;
		if (n < max)
			out[n] = t;
		n++;
	}
	return n;
}

#define MAX_STATICS_PER_FUNC 64

/*
 * Function-scope statics (calls.0, __key.12, __func__.3) are numbered by a
 * counter over the whole object, so `__key.12` in ORIG.o and PATCHED.o are
 * unrelated in general. A static belongs to the function that uses it: the
 * k-th static of that name the function uses (in code order) pairs with the
 * k-th one its twin uses, when both use the same number of them
 * (alloc_pipe_info() takes three lockdep keys, __key.0 to __key.2).
 */
static bool correlate_numbered_pass(struct kelf *b)
{
	struct kelf_sym *lb[MAX_STATICS_PER_FUNC], *la[MAX_STATICS_PER_FUNC];
	bool progress = false;
	for (size_t i = 0; i < b->nsyms; i++) {
		struct kelf_sym *s = &b->syms[i];
		if (!correlatable(s) || !s->n.numbered_static)
			continue;
		struct kelf_sym *f = s->first_user;
		if (!f || !f->twin || !f->twin->sec || f->twin->type != f->type)
			continue;
		size_t nb = statics_used(f, s->n.base, lb, MAX_STATICS_PER_FUNC);
		size_t na = statics_used(f->twin, s->n.base, la, MAX_STATICS_PER_FUNC);
		if (na != nb || nb > MAX_STATICS_PER_FUNC)
			continue; /* the user changed which statics it uses: no safe pairing */
		for (size_t k = 0; k < nb; k++)
			if (lb[k] == s && correlatable(la[k])) {
				pair(la[k], s);
				progress = true;
			}
	}
	return progress;
}

/* Statics used by statics (descriptor -> __func__) need their user paired first. */
static void correlate_numbered_statics(struct kelf *b)
{
	find_first_users(b);
	for (int pass = 0; pass < 4 && correlate_numbered_pass(b); pass++)
		;
}

/*
 * A section follows the symbol that owns it (-ffunction-sections names it
 * after that symbol, clone number included), else its name.
 */
static void correlate_sections(struct kelf *a, struct kelf *b)
{
	for (size_t i = 1; i < b->nsecs; i++) {
		struct kelf_sec *s = &b->secs[i];
		if (s->base)
			continue;
		struct kelf_sec *t = NULL;
		if (s->nsyms && s->syms[0]->twin && s->syms[0]->twin->sec &&
		    s->syms[0]->st.st_value == 0 && s->syms[0]->twin->st.st_value == 0 &&
		    !s->syms[0]->twin->sec->twin)
			t = s->syms[0]->twin->sec;
		if (!t) {
			t = kelf_sec_find(a, s->name);
			if (t && (t->twin || t->base))
				t = NULL;
		}
		if (!t)
			continue;
		s->twin = t;
		t->twin = s;
		if (s->rela && t->rela) {
			s->rela->twin = t->rela;
			t->rela->twin = s->rela;
		}
		if (s->secsym && t->secsym)
			pair(t->secsym, s->secsym);
	}
}

void klp_correlate(struct kelf *a, struct kelf *b)
{
	correlate_globals(a, b);
	correlate_plain_locals(a, b);
	correlate_clones(a, b);
	correlate_numbered_statics(b);
	correlate_sections(a, b);
}
