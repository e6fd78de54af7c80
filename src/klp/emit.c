// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writing the livepatch object: from a diff, a relocatable x86_64 object
 * holding the changed functions, what they newly need, and the table
 * entries (special sections) of those functions.
 *
 * Each included symbol is copied as a byte range into an output section of
 * its input section's name. Every relocation of a copied range is then
 * rewritten: a target that was copied too becomes a reference to the copy;
 * anything else stays in the running kernel and is referenced by name,
 * either as a plain undefined symbol (exported: the module loader resolves
 * it) or as a placeholder that tt_klp_postlink() turns into a livepatch
 * relocation once kbuild has linked the module (docs/klp-diff.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"

#define PLACEHOLDER_PREFIX "__tt_klp_sym."

/* One line per reason: a symbol used by many relocations is named once. */
void emit_refuse(struct emitter *e, const char *fmt, ...)
{
	struct tt_buf line = {0};
	va_list ap;
	va_start(ap, fmt);
	tt_buf_vaddf(&line, fmt, ap);
	va_end(ap);
	if (!strstr(tt_buf_str(&e->refusals), tt_buf_str(&line))) {
		if (e->nrefusals++)
			tt_buf_adds(&e->refusals, "\n");
		tt_buf_adds(&e->refusals, tt_buf_str(&line));
	}
	tt_buf_free(&line);
}

/* ---- output sections and symbols ---- */

static struct out_sec *out_sec_get(struct emitter *e, const struct kelf_sec *in, bool whole)
{
	for (size_t i = 0; i < e->nsecs; i++)
		if (strcmp(e->secs[i]->name, in->name) == 0)
			return e->secs[i];
	struct out_sec *s = tt_xcalloc(1, sizeof(*s));
	s->name = tt_xstrdup(in->name);
	s->type = in->sh.sh_type == SHT_NOBITS ? SHT_NOBITS : SHT_PROGBITS;
	/* Groups and link order tie a section to others that are not copied. */
	s->flags = in->sh.sh_flags & ~(uint64_t)(SHF_GROUP | SHF_LINK_ORDER | SHF_INFO_LINK);
	if (!whole)
		s->flags &= ~(uint64_t)(SHF_MERGE | SHF_STRINGS);
	s->entsize = (s->flags & SHF_MERGE) ? in->sh.sh_entsize : 0;
	s->align = in->sh.sh_addralign ? in->sh.sh_addralign : 1;
	e->secs = tt_xrealloc(e->secs, (e->nsecs + 1) * sizeof(*e->secs));
	e->secs[e->nsecs++] = s;
	return s;
}

static size_t out_sym_add(struct emitter *e, const char *name, unsigned char bind,
			  unsigned char type, struct out_sec *sec, uint64_t value, uint64_t size)
{
	if (!sec) /* undefined names are shared by every reference */
		for (size_t i = 0; i < e->nsyms; i++)
			if (!e->syms[i].sec && strcmp(e->syms[i].name, name) == 0)
				return i;
	if (e->nsyms == e->cap_syms) {
		e->cap_syms = e->cap_syms ? e->cap_syms * 2 : 32;
		e->syms = tt_xrealloc(e->syms, e->cap_syms * sizeof(*e->syms));
	}
	e->syms[e->nsyms] = (struct out_sym){tt_xstrdup(name), bind, type, sec, value, size, 0};
	return e->nsyms++;
}

static void out_rel_add(struct out_sec *s, struct out_rel r)
{
	if (s->nrels == s->cap_rels) {
		s->cap_rels = s->cap_rels ? s->cap_rels * 2 : 16;
		s->rels = tt_xrealloc(s->rels, s->cap_rels * sizeof(*s->rels));
	}
	s->rels[s->nrels++] = r;
}

/* ---- ranges: what is copied ---- */

struct range *emit_range_for(const struct emitter *e, const struct kelf_sec *in, uint64_t byte)
{
	struct range *end_match = NULL;
	for (size_t i = 0; i < e->nranges; i++) {
		struct range *r = &e->ranges[i];
		if (r->in != in)
			continue;
		if (byte >= r->lo && (byte < r->hi || (byte == r->lo && r->lo == r->hi)))
			return r;
		if (byte == r->hi) /* the end of a function: ORC's terminating entry */
			end_match = r;
	}
	return end_match;
}

struct range *emit_copy(struct emitter *e, const struct kelf_sec *in, uint64_t lo, uint64_t hi,
			const struct kelf_sym *sym)
{
	bool whole = lo == 0 && hi == in->size;
	struct out_sec *out = out_sec_get(e, in, whole);
	uint64_t align = in->sh.sh_addralign ? in->sh.sh_addralign : 1;
	uint64_t olo = (out->size + align - 1) / align * align;
	if (out->type != SHT_NOBITS) {
		static const unsigned char zeros[64];
		while (out->data.len < olo)
			tt_buf_add(&out->data, zeros,
				   olo - out->data.len < 64 ? olo - out->data.len : 64);
		if (hi > lo)
			tt_buf_add(&out->data, in->data + lo, hi - lo);
	}
	out->size = olo + (hi - lo);
	if (align > out->align)
		out->align = align;
	if (e->nranges == e->cap_ranges) {
		e->cap_ranges = e->cap_ranges ? e->cap_ranges * 2 : 32;
		e->ranges = tt_xrealloc(e->ranges, e->cap_ranges * sizeof(*e->ranges));
	}
	bool code = sym && kelf_sym_is_func(sym);
	e->ranges[e->nranges] = (struct range){in, lo, hi, out, olo, sym, code, false};
	return &e->ranges[e->nranges++];
}

/* A symbol's bytes: its whole section when it is alone there (padding and all). */
static struct range *copy_symbol(struct emitter *e, const struct kelf_sym *s)
{
	struct range *r = emit_range_for(e, s->sec, s->st.st_value);
	if (r && r->sym == s)
		return r;
	if (s->type == STT_SECTION || s->sec->nsyms <= 1 || !s->st.st_size)
		r = emit_copy(e, s->sec, 0, s->sec->size, s->type == STT_SECTION ? NULL : s);
	else
		r = emit_copy(e, s->sec, s->st.st_value, s->st.st_value + s->st.st_size, s);
	return r;
}

uint64_t emit_rel_byte(const struct kelf_rel *r)
{
	const struct kelf_sym *t = r->target;
	return (t->type == STT_SECTION ? 0 : t->st.st_value) + (uint64_t)r->target_off;
}

/* `__func__` and friends: strings nobody compares by address, copied rather than referenced. */
static bool is_function_name(const struct kelf_sym *t)
{
	const char *b = t->n.base ? t->n.base : t->name;
	return strcmp(b, "__func__") == 0 || strcmp(b, "__FUNCTION__") == 0 ||
	       strcmp(b, "__PRETTY_FUNCTION__") == 0;
}

/*
 * Does the livepatch carry its own copy of t? New symbols and constants
 * (string literals, read-only data with new contents) yes; anything that
 * exists in the running kernel with the same contents no.
 */
static bool must_copy(const struct kelf_sym *t)
{
	if (!t->sec)
		return false;
	uint64_t flags = t->sec->sh.sh_flags;
	if (t->type == STT_SECTION)
		return !(flags & SHF_WRITE);
	/*
	 * Merged strings and assembler labels (`.LC9`, a __bug_table entry's
	 * file name) are constants kallsyms does not list: carry a copy.
	 */
	if (!(flags & (SHF_WRITE | SHF_EXECINSTR)) &&
	    ((flags & SHF_STRINGS) || t->name[0] == '.' || is_function_name(t)))
		return true;
	if (kelf_sym_is_func(t))
		return t->status == TT_KLP_CHANGED || !t->twin;
	if (!t->twin)
		return true;
	return t->status == TT_KLP_CHANGED && klp_data_is_carried(t);
}

/*
 * A pr_debug() descriptor of a module: the livepatch carries its own copy.
 * Referencing the module's would leave the livepatch's __jump_table entry
 * keyed on a symbol written only after the module loader used it; the
 * copy only means `dynamic_debug` controls that message under the
 * livepatch's name.
 */
static bool module_descriptor(const struct emitter *e, const struct kelf_sym *t)
{
	return strcmp(e->o->objname, "vmlinux") != 0 && t->sec &&
	       strcmp(t->sec->name, "__dyndbg") == 0 && t->type == STT_OBJECT;
}

/* By index: copying grows e->ranges and may move it. */
static void scan_range(struct emitter *e, size_t idx)
{
	const struct kelf_sec *in = e->ranges[idx].in;
	for (size_t i = 0; i < in->nrels; i++) {
		const struct kelf_rel *r = &in->rels[i];
		const struct range *rg = &e->ranges[idx];
		if (r->offset < rg->lo || r->offset >= rg->hi || !r->target)
			continue;
		const struct kelf_sym *t = r->target;
		if (!t->sec || emit_range_for(e, t->sec, emit_rel_byte(r)))
			continue;
		if (must_copy(t) || module_descriptor(e, t))
			copy_symbol(e, t);
	}
}

void emit_closure(struct emitter *e)
{
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i < e->nranges; i++) {
			if (e->ranges[i].scanned)
				continue;
			e->ranges[i].scanned = true;
			scan_range(e, i);
			again = true;
		}
	}
}

static const struct kelf_sym *ref_symbol(const struct kelf *k, const struct tt_klp_ref *ref)
{
	for (struct kelf_sym *s = kelf_sym_find(k, ref->name); s; s = kelf_sym_next(s))
		if (s->sec && ref->section && strcmp(s->sec->name, ref->section) == 0)
			return s;
	return NULL;
}

/* "__tuxtape_hook_pre_patch__fn" -> kind "pre_patch", fn "fn"; false for other names. */
static bool hook_parse(const char *name, char *kind, size_t kind_size, const char **fn)
{
	static const char *const kinds[] = {"pre_patch", "post_patch", "pre_unpatch",
					    "post_unpatch"};
	size_t plen = strlen(TT_KLP_HOOK_PREFIX);
	if (strncmp(name, TT_KLP_HOOK_PREFIX, plen) != 0)
		return false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		size_t kl = strlen(kinds[i]);
		const char *rest = name + plen;
		if (strncmp(rest, kinds[i], kl) == 0 && strncmp(rest + kl, "__", 2) == 0 &&
		    rest[kl + 2] && !strchr(rest + kl + 2, '.') && kl < kind_size) {
			memcpy(kind, kinds[i], kl + 1);
			*fn = rest + kl + 2;
			return true;
		}
	}
	return false;
}

static bool is_hook(const struct kelf_sym *s)
{
	char kind[16];
	const char *fn;
	return s->status == TT_KLP_NEW && hook_parse(s->name, kind, sizeof(kind), &fn);
}

/* Changed functions, new ones they reference, and hooks, which nothing references. */
static void seed(struct emitter *e)
{
	for (size_t i = 0; i < e->b->nsyms; i++) {
		const struct kelf_sym *s = &e->b->syms[i];
		if (kelf_sym_is_func(s) && (s->status == TT_KLP_CHANGED || is_hook(s)))
			copy_symbol(e, s);
	}
	size_t n;
	const struct tt_klp_ref *refs = tt_klp_diff_refs(e->d, &n);
	for (size_t i = 0; i < n; i++) {
		const struct kelf_sym *s =
		    refs[i].kind == TT_KLP_REF_NEW ? ref_symbol(e->b, &refs[i]) : NULL;
		if (s)
			copy_symbol(e, s);
	}
}

/* ---- references into the running kernel ---- */

char *tt_klp_placeholder_name(const char *objname, const char *name, unsigned long sympos)
{
	return tt_xasprintf(PLACEHOLDER_PREFIX "%s.%s,%lu", objname, name, sympos);
}

bool tt_klp_placeholder_parse(const char *sym, char **objname, char **name, unsigned long *sympos)
{
	size_t plen = strlen(PLACEHOLDER_PREFIX);
	if (strncmp(sym, PLACEHOLDER_PREFIX, plen) != 0)
		return false;
	const char *obj = sym + plen, *dot = strchr(obj, '.'), *comma = strrchr(obj, ',');
	if (!dot || dot == obj || !comma || comma < dot + 2 || !comma[1])
		return false;
	char *end;
	unsigned long pos = strtoul(comma + 1, &end, 10);
	if (*end)
		return false;
	*objname = tt_xstrndup(obj, (size_t)(dot - obj));
	*name = tt_xstrndup(dot + 1, (size_t)(comma - dot - 1));
	*sympos = pos;
	return true;
}

static bool have_kallsyms(const struct emitter *e, const char *objname)
{
	return e->o->symtab && tt_klp_symtab_has_object(e->o->symtab, objname);
}

/* sympos of name in objname; false (refused) when the table cannot place it. */
static bool sympos_of(struct emitter *e, const char *objname, const char *name, const char *user,
		      unsigned long *pos)
{
	*pos = 0;
	if (!have_kallsyms(e, objname))
		return true; /* no table: the livepatch core checks the name is unique */
	struct tt_error err = {0};
	if (tt_klp_symtab_sympos(e->o->symtab, objname, name, e->o->source_file, e->neighbours,
				 e->nneighbours, pos, &err) == 0)
		return true;
	emit_refuse(e, "%s: `%s` (used by `%s`): %s", e->b->name, name, user, err.msg);
	return false;
}

static bool exported(const struct emitter *e, const char *name, const char **module)
{
	*module = "vmlinux";
	/* Without Module.symvers every undefined name is taken as exported. */
	return !tt_klp_symtab_has_exports(e->o->symtab) ||
	       tt_klp_symtab_exported(e->o->symtab, name, module);
}

/* The object that defines an undefined name: this one (a module's other file) or vmlinux. */
static const char *owner_of_undefined(const struct emitter *e, const char *name)
{
	if (strcmp(e->o->objname, "vmlinux") != 0 &&
	    (tt_klp_symtab_defines(e->o->symtab, e->o->objname, name) ||
	     !tt_klp_symtab_defines(e->o->symtab, "vmlinux", name)))
		return e->o->objname;
	return "vmlinux";
}

/* The output symbol a reference to t (not copied) uses; SIZE_MAX when refused. */
static size_t external_symbol(struct emitter *e, const struct kelf_sym *t, const char *user)
{
	const char *objname = e->o->objname, *module;
	const char *symobj = objname; /* the object the symbol lives in */
	const char *name = t->twin ? t->twin->name : t->name;
	bool is_vmlinux = strcmp(objname, "vmlinux") == 0;
	if (!t->sec) {
		/*
		 * Exported by vmlinux: linked by name, it is always there. Exported by
		 * a module, the patched one or one it depends on: a livepatch
		 * relocation applied when the patched module loads, so the livepatch
		 * itself loads without either (a by-name link would make it depend on
		 * them, and finit_module loads no dependencies).
		 */
		bool exp = exported(e, name, &module);
		if (exp && (is_vmlinux || strcmp(module, "vmlinux") == 0))
			return out_sym_add(e, name, STB_GLOBAL, STT_NOTYPE, NULL, 0, 0);
		symobj = exp ? module : owner_of_undefined(e, name);
	} else if (t->type == STT_SECTION) {
		emit_refuse(e,
			    "%s: `%s` uses anonymous writable data in %s: it has no name to find "
			    "in the running kernel",
			    e->b->name, user, t->sec->name);
		return SIZE_MAX;
	} else if (t->bind != STB_LOCAL && is_vmlinux && exported(e, name, &module) &&
		   strcmp(module, "vmlinux") == 0 && tt_klp_symtab_has_exports(e->o->symtab)) {
		return out_sym_add(e, name, STB_GLOBAL, STT_NOTYPE, NULL, 0, 0);
	}
	unsigned long pos;
	if (!sympos_of(e, symobj, name, user, &pos))
		return SIZE_MAX;
	/*
	 * Another module's symbol stays in this object's .klp.rela section (applied
	 * when this module loads, after the ones it depends on): "OBJ:SYMOBJ".
	 * vmlinux's go to vmlinux's section, which the module loader applies.
	 */
	_cleanup_free_ char *placed = strcmp(symobj, objname) && strcmp(symobj, "vmlinux")
					  ? tt_xasprintf("%s:%s", objname, symobj)
					  : tt_xstrdup(symobj);
	char *ph = tt_klp_placeholder_name(placed, name, pos);
	/* Weak: modpost and the module loader leave an unresolved weak name alone. */
	size_t i = out_sym_add(e, ph, STB_WEAK, STT_NOTYPE, NULL, 0, 0);
	free(ph);
	return i;
}

/* Who needs a reference, for messages: the function, or the function a table entry is for. */
static const char *user_of(const struct emitter *e, const struct range *rg,
			   const struct kelf_rel *r)
{
	if (rg->sym)
		return rg->sym->name;
	for (size_t i = 0; i < rg->in->nrels; i++) {
		const struct kelf_rel *x = &rg->in->rels[i];
		const struct range *to =
		    x->offset >= rg->lo && x->offset < rg->hi && x->target && x->target->sec
			? emit_range_for(e, x->target->sec, emit_rel_byte(x))
			: NULL;
		if (to && to->code)
			return to->sym->name;
	}
	const struct kelf_sym *s = kelf_sec_sym_at(rg->in, (int64_t)r->offset);
	return s ? s->name : rg->in->name;
}

/*
 * A table entry (__jump_table's key, a __dyndbg descriptor's pointers) is
 * read by the module loader when the livepatch loads; a livepatch
 * relocation into a module is written only once that module is there and
 * the patch enabled. vmlinux ones are written before anything reads them.
 */
static bool table_entry_can_reference(struct emitter *e, const struct range *rg,
				      const struct kelf_rel *r, size_t sym)
{
	char *obj = NULL, *name = NULL;
	unsigned long pos;
	if (!klp_special_find(rg->in->name) ||
	    !tt_klp_placeholder_parse(e->syms[sym].name, &obj, &name, &pos))
		return true;
	bool ok = strcmp(obj, "vmlinux") == 0;
	if (!ok)
		emit_refuse(e,
			    "%s: a %s entry of `%s` needs `%s` of module %s: its livepatch "
			    "relocation would be written only after the module loader read %s",
			    e->b->name, rg->in->name, user_of(e, rg, r), name, obj, rg->in->name);
	free(obj);
	free(name);
	return ok;
}

/* The addend as an offset from the start of the referenced symbol's section. */
static int64_t section_addend(const struct kelf_rel *r)
{
	if (r->sym->type == STT_SECTION || !r->sym->sec)
		return r->addend;
	return (int64_t)((uint64_t)r->addend + r->sym->st.st_value);
}

static void rewrite_rel(struct emitter *e, const struct range *rg, const struct kelf_rel *r)
{
	struct out_rel o = {.offset = rg->olo + (r->offset - rg->lo), .type = r->type};
	const struct kelf_sym *t = r->target;
	struct range *to = t->sec ? emit_range_for(e, t->sec, emit_rel_byte(r)) : NULL;
	if (to) {
		o.sec = to->out;
		o.addend = (int64_t)(to->olo - to->lo + (uint64_t)section_addend(r));
	} else {
		o.sym = external_symbol(e, t, user_of(e, rg, r));
		if (o.sym == SIZE_MAX || !table_entry_can_reference(e, rg, r, o.sym))
			return;
		/* Relative to the symbol now, not to its section. */
		o.addend =
		    t->sec ? (int64_t)((uint64_t)section_addend(r) - t->st.st_value) : r->addend;
	}
	out_rel_add(rg->out, o);
}

static void rewrite_relocations(struct emitter *e)
{
	for (size_t i = 0; i < e->nranges; i++) {
		const struct range *rg = &e->ranges[i];
		for (size_t j = 0; j < rg->in->nrels; j++) {
			const struct kelf_rel *r = &rg->in->rels[j];
			if (r->offset >= rg->lo && r->offset < rg->hi)
				rewrite_rel(e, rg, r);
		}
	}
}

/* ---- symbols of the copies, aliases and the manifest ---- */

static void add_copied_symbols(struct emitter *e)
{
	for (size_t i = 0; i < e->nranges; i++) {
		const struct range *rg = &e->ranges[i];
		const struct kelf_sec *in = rg->in;
		for (size_t j = 0; j < in->nsyms; j++) {
			const struct kelf_sym *s = in->syms[j];
			if (s->st.st_value < rg->lo || s->st.st_value >= rg->hi ||
			    (s->type != STT_FUNC && s->type != STT_OBJECT))
				continue;
			/* Local: two objects of one livepatch may carry the same names. */
			out_sym_add(e, s->name, STB_LOCAL, s->type, rg->out,
				    rg->olo + s->st.st_value - rg->lo, s->st.st_size);
		}
	}
}

static void manifest_add(struct tt_klp_manifest *m, const char *objname, const char *old_name,
			 const char *alias, unsigned long pos)
{
	m->funcs = tt_xrealloc(m->funcs, (m->n + 1) * sizeof(*m->funcs));
	m->funcs[m->n++] = (struct tt_klp_patched_func){tt_xstrdup(objname), tt_xstrdup(old_name),
							tt_xstrdup(alias), pos};
}

/*
 * The alias's name says what it replaces, so aliases of objects emitted
 * separately never clash in one module: `foo.isra.0` of vmlinux at sympos
 * 2 is __tt_klp_new_vmlinux__foo__isra__0__2.
 */
static char *alias_name(const char *objname, const char *old_name, unsigned long pos)
{
	struct tt_buf b = {0};
	tt_buf_addf(&b, "__tt_klp_new_%s__", objname);
	for (const char *c = old_name; *c; c++)
		tt_buf_adds(&b, *c == '.' ? "__" : (char[]){*c, 0});
	tt_buf_addf(&b, "__%lu", pos);
	return tt_buf_detach(&b);
}

/* A global alias per replaced function: the glue's new_func, since the function is often static. */
static void add_aliases(struct emitter *e, struct tt_klp_manifest *staged)
{
	for (size_t i = 0; i < e->nranges; i++) {
		const struct range *rg = &e->ranges[i];
		const struct kelf_sym *s = rg->sym;
		if (!rg->code || s->status != TT_KLP_CHANGED || s->n.is_part || !s->twin)
			continue;
		unsigned long pos;
		if (!sympos_of(e, e->o->objname, s->twin->name, s->name, &pos))
			continue;
		char *alias = alias_name(e->o->objname, s->twin->name, pos);
		out_sym_add(e, alias, STB_GLOBAL, STT_FUNC, rg->out,
			    rg->olo + s->st.st_value - rg->lo, s->st.st_size);
		manifest_add(staged, e->o->objname, s->twin->name, alias, pos);
		free(alias);
	}
}

/* A global alias per hook, for the glue to name in klp_object.callbacks. */
static void add_hooks(struct emitter *e, struct tt_klp_manifest *staged)
{
	for (size_t i = 0; i < e->nranges; i++) {
		const struct range *rg = &e->ranges[i];
		const struct kelf_sym *s = rg->sym;
		char kind[16];
		const char *fn;
		if (!rg->code || s->status != TT_KLP_NEW ||
		    !hook_parse(s->name, kind, sizeof(kind), &fn))
			continue;
		char *alias = tt_xasprintf("__tt_klp_hook_%s__%s__%s", e->o->objname, kind, fn);
		out_sym_add(e, alias, STB_GLOBAL, STT_FUNC, rg->out,
			    rg->olo + s->st.st_value - rg->lo, s->st.st_size);
		staged->hooks =
		    tt_xrealloc(staged->hooks, (staged->n_hooks + 1) * sizeof(*staged->hooks));
		staged->hooks[staged->n_hooks++] =
		    (struct tt_klp_hook){tt_xstrdup(e->o->objname), tt_xstrdup(kind), alias};
	}
}

/*
 * ORIG.o's named functions and variables: the linker laid them out beside
 * each other, so where they sit in the target tells which of several
 * same-named locals is this object's. Numbered statics are left out: their
 * numbers are not stable names.
 */
static void collect_neighbours(struct emitter *e)
{
	e->neighbours = tt_xcalloc(e->a->nsyms + 1, sizeof(*e->neighbours));
	for (size_t i = 0; i < e->a->nsyms; i++) {
		const struct kelf_sym *s = &e->a->syms[i];
		if (s->sec && *s->name && !s->n.numbered_static &&
		    (s->type == STT_FUNC || s->type == STT_OBJECT))
			e->neighbours[e->nneighbours++] = s->name;
	}
}

static void emitter_free(struct emitter *e)
{
	for (size_t i = 0; i < e->nsecs; i++) {
		free(e->secs[i]->name);
		tt_buf_free(&e->secs[i]->data);
		free(e->secs[i]->rels);
		free(e->secs[i]);
	}
	for (size_t i = 0; i < e->nsyms; i++)
		free(e->syms[i].name);
	free(e->secs);
	free(e->syms);
	free(e->ranges);
	free(e->neighbours);
	tt_buf_free(&e->refusals);
}

void tt_klp_manifest_free(struct tt_klp_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->funcs[i].objname);
		free(m->funcs[i].old_name);
		free(m->funcs[i].new_symbol);
	}
	free(m->funcs);
	m->funcs = NULL;
	m->n = 0;
	for (size_t i = 0; i < m->n_hooks; i++) {
		free(m->hooks[i].objname);
		free(m->hooks[i].kind);
		free(m->hooks[i].symbol);
	}
	free(m->hooks);
	m->hooks = NULL;
	m->n_hooks = 0;
}

static int refuse_unpatchable(const struct tt_klp_diff *d, const char *name, struct tt_error *err)
{
	size_t n;
	const struct tt_klp_refusal *r = tt_klp_diff_refusals(d, &n);
	if (n == 0)
		return tt_error_set(err, -EPERM, "%s: no function changed: nothing to livepatch",
				    name);
	struct tt_buf b = {0};
	for (size_t i = 0; i < n; i++)
		tt_buf_addf(&b, "%s%s", i ? "\n" : "", r[i].message);
	int rc = tt_error_set(err, -EPERM, "%s", tt_buf_str(&b));
	tt_buf_free(&b);
	return rc;
}

static void build(struct emitter *e, struct tt_klp_manifest *staged)
{
	collect_neighbours(e);
	seed(e);
	emit_closure(e);
	emit_special_sections(e);
	emit_closure(e);
	emit_check_unsupported(e);
	rewrite_relocations(e);
	add_copied_symbols(e);
	add_aliases(e, staged);
	add_hooks(e, staged);
}

int tt_klp_emit(const struct tt_klp_diff *d, const struct tt_klp_emit_options *o,
		const char *out_path, struct tt_klp_manifest *m, struct tt_error *err)
{
	if (!o || !o->objname || !*o->objname || strchr(o->objname, '.'))
		return tt_error_set(err, -EINVAL,
				    "emit: the object name must be \"vmlinux\" or a module name");
	if (!tt_klp_diff_patchable(d))
		return refuse_unpatchable(d, d->b->name, err);
	struct emitter e = {.d = d, .a = d->a, .b = d->b, .o = o};
	struct tt_klp_manifest staged = {0};
	build(&e, &staged);
	int rc;
	if (e.nrefusals)
		rc = tt_error_set(err, -EPERM, "%s", tt_buf_str(&e.refusals));
	else if (staged.n == 0 && staged.n_hooks == 0)
		rc = tt_error_set(err, -EPERM, "%s: no function to replace", d->b->name);
	else
		rc = emit_write(&e, out_path, err);
	for (size_t i = 0; rc == 0 && i < staged.n; i++)
		manifest_add(m, staged.funcs[i].objname, staged.funcs[i].old_name,
			     staged.funcs[i].new_symbol, staged.funcs[i].old_sympos);
	if (rc == 0 && staged.n_hooks) {
		m->hooks = tt_xrealloc(m->hooks, (m->n_hooks + staged.n_hooks) * sizeof(*m->hooks));
		memcpy(m->hooks + m->n_hooks, staged.hooks, staged.n_hooks * sizeof(*m->hooks));
		m->n_hooks += staged.n_hooks;
		staged.n_hooks = 0; /* moved */
	}
	tt_klp_manifest_free(&staged);
	emitter_free(&e);
	return rc;
}
