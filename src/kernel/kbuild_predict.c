// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Predict the compiled set from a .config and a source tree, the way
 * scripts/Makefile.build and Makefile.lib walk it: each directory's Kbuild
 * file (or Makefile) is evaluated in a fresh make with only the parent's
 * exported variables, then obj-y / obj-m / lib-y are resolved (composites,
 * built-in over modular, subdirectories) and the walk descends.
 *
 * What it cannot evaluate, reported as unknown for the directory (never
 * as absent): $(shell), $(file) and != assignments; Kbuild's compiler
 * probes ($(call cc-option), ld-option, as-instr, ...) and the toolchain
 * variables (CC, KBUILD_CFLAGS, ...); anything assigned under a condition
 * that depends on those; make 4.4's $(let)/$(intcmp). Not modelled at all:
 * objects only a custom rule or script builds (the link step's are a
 * table, the image build's a per-arch table), host and user programs
 * outside those tables, O= builds' separate $(src)/$(obj) (relative paths
 * resolve in the source tree, as in an in-tree build).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kbuild_arch.h"
#include "kbuild_internal.h"
#include "mk.h"

/* Per-directory flags in prediction->dirs. */
#define DIR_EVALUATED 1u
#define DIR_UNKNOWN   2u

struct tt_kbuild_prediction {
	struct kb_fileset files;
	struct tt_kbuild_unknown *unk;
	size_t n_unk, cap_unk;
	struct tt_strmap dirs; /* dir -> DIR_* flags */
};

struct kb_pred {
	const char *srcroot; /* NULL for a lone makefile */
	const struct tt_kconfig *cfg;
	const struct tt_diag_sink *diag;
	const struct kb_arch *arch;
	bool extras;
	bool cfg_unquoted; /* see struct mk */
	struct tt_kbuild_prediction *p;
	struct tt_strmap visited; /* dir -> 1 visited, 2 visited with need-builtin */
	const char *cur_dir;
};

/* ---------------- results ---------------- */

static void mark_dir(struct tt_kbuild_prediction *p, const char *dir, uintptr_t flags)
{
	struct tt_strmap_entry *e = tt_strmap_upsert(&p->dirs, dir, NULL);
	e->val = (void *)((uintptr_t)e->val | flags);
}

static void add_unknown(struct kb_pred *pr, const char *dir, const char *file, int line,
			const char *reason)
{
	struct tt_kbuild_prediction *p = pr->p;
	if (p->n_unk == p->cap_unk) {
		p->cap_unk = p->cap_unk ? p->cap_unk * 2 : 64;
		p->unk = tt_xrealloc(p->unk, p->cap_unk * sizeof(*p->unk));
	}
	struct tt_kbuild_unknown *u = &p->unk[p->n_unk++];
	u->dir = tt_xstrdup(dir);
	u->file = tt_xstrdup(file ? file : "");
	u->line = line;
	u->reason = tt_xstrdup(reason ? reason : "not known");
	mark_dir(p, dir, DIR_UNKNOWN);
}

static void on_mk_unknown(void *ctx, const char *file, int line, const char *reason)
{
	struct kb_pred *pr = ctx;
	add_unknown(pr, pr->cur_dir, file, line, reason);
}

/* ---------------- paths and sources ---------------- */

static char *join(const char *dir, const char *w, size_t wl)
{
	char *p = *dir ? tt_xasprintf("%s/%.*s", dir, (int)wl, w) : tt_xstrndup(w, wl);
	kb_path_normalize(p);
	return p;
}

static bool src_exists(const struct kb_pred *pr, const char *rel)
{
	if (!pr->srcroot)
		return false;
	_cleanup_free_ char *path = tt_xasprintf("%s/%s", pr->srcroot, rel);
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

struct dir_ctx {
	struct kb_pred *pr;
	struct mk *m;
	const char *dir;
	const char *mk_file; /* relative makefile path, for unknown reports */
	const char *mk_text;
};

static char *strip_root(const struct kb_pred *pr, const char *path)
{
	size_t rl = pr->srcroot ? strlen(pr->srcroot) : 0;
	char *p = rl && strncmp(path, pr->srcroot, rl) == 0 && path[rl] == '/'
		      ? tt_xstrdup(path + rl + 1)
		      : tt_xstrdup(path);
	kb_path_normalize(p);
	return p;
}

/* The prerequisite of rule i for obj, when its target pattern matches (stem length in *sl). */
static char *rule_prereq(struct dir_ctx *d, size_t i, const char *obj, size_t *sl)
{
	_cleanup_free_ char *t = strip_root(d->pr, d->m->rule_targets.v[i]);
	const char *stem;
	if (!mk_pattern_match(t, strlen(t), obj, strlen(obj), &stem, sl))
		return NULL;
	struct tt_buf b = TT_BUF_INIT;
	const char *pq = d->m->rule_prereqs.v[i];
	mk_pattern_subst(&b, pq, strlen(pq), stem, *sl);
	char *prereq = strip_root(d->pr, tt_buf_str(&b));
	tt_buf_free(&b);
	return prereq;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n > m && strcmp(s + n - m, suf) == 0;
}

struct rule_cand {
	char *prereq;
	size_t stem;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct rule_cand *x = a, *y = b;
	return (x->stem > y->stem) - (x->stem < y->stem);
}

static char *find_source(struct dir_ctx *d, const char *obj, int depth, bool fallback,
			 bool *generated);

/*
 * A rule of the directory that builds obj: its first prerequisite is the
 * source ("lib-%.o: $(srctree)/lib/%.c"), or another object to resolve in
 * turn ("%.stub.o: %.o", an objcopy of it). Like make, try the shortest
 * stem first and take the first rule whose prerequisite exists or can be
 * made from something that exists.
 */
static char *source_by_rule(struct dir_ctx *d, const char *obj, int depth, bool *generated)
{
	struct rule_cand *c = NULL;
	size_t n = 0;
	for (size_t i = 0; i < d->m->rule_targets.n && depth < 4; i++) {
		size_t sl;
		char *prereq = rule_prereq(d, i, obj, &sl);
		if (!prereq || strcmp(prereq, obj) == 0) {
			free(prereq);
			continue;
		}
		c = tt_xrealloc(c, (n + 1) * sizeof(*c));
		c[n++] = (struct rule_cand){prereq, sl};
	}
	if (n > 1)
		qsort(c, n, sizeof(*c), cmp_cand);
	char *src = NULL;
	for (size_t i = 0; i < n && !src; i++) {
		const char *pq = c[i].prereq;
		if (has_suffix(pq, ".o"))
			src = find_source(d, pq, depth + 1, false, generated);
		else if ((has_suffix(pq, ".c") || has_suffix(pq, ".S")) && src_exists(d->pr, pq))
			src = tt_xstrdup(pq), *generated = false;
	}
	for (size_t i = 0; i < n; i++)
		free(c[i].prereq);
	free(c);
	return src;
}

/*
 * The source of an object. Kbuild's pattern rules try %.c before %.S; an
 * object with neither in the tree is built by a rule of the directory, or
 * (fallback) from a generated file, whose kind the makefile's own rule
 * usually names. Without fallback, NULL when nothing existing builds it.
 */
static char *find_source(struct dir_ctx *d, const char *obj, int depth, bool fallback,
			 bool *generated)
{
	size_t stem = strlen(obj) - 2;
	static const char *const exts[] = {".c", ".S", ".rs"};
	*generated = false;
	if (!d->pr->srcroot)
		return tt_xasprintf("%.*s.c", (int)stem, obj);
	for (size_t i = 0; i < 3; i++) {
		char *s = tt_xasprintf("%.*s%s", (int)stem, obj, exts[i]);
		if (src_exists(d->pr, s))
			return s;
		free(s);
	}
	char *by_rule = source_by_rule(d, obj, depth, generated);
	if (by_rule || !fallback)
		return by_rule;
	*generated = true;
	/* Makefile.lib wraps device-tree blobs in a generated assembler file. */
	if (has_suffix(obj, ".dtb.o") || has_suffix(obj, ".dtbo.o"))
		return tt_xasprintf("%.*s.S", (int)stem, obj);
	const char *base = strrchr(obj, '/');
	base = base ? base + 1 : obj;
	_cleanup_free_ char *as_s = tt_xasprintf("%.*s.S", (int)(obj + stem - base), base);
	bool is_asm = d->mk_text && strstr(d->mk_text, as_s);
	return tt_xasprintf("%.*s%s", (int)stem, obj, is_asm ? ".S" : ".c");
}

static void add_object(struct dir_ctx *d, const char *obj, const char *module,
		       enum tt_kbuild_kind kind)
{
	bool gen;
	char *src = find_source(d, obj, 0, true, &gen);
	kb_fileset_add(&d->pr->p->files, src, obj, module, kind, gen);
	free(src);
}

/* ---------------- lists ---------------- */

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* The words of a variable; an incomplete value is reported against the directory. */
static void list_var(struct dir_ctx *d, const char *var, struct tt_strv *out)
{
	struct tt_buf b = TT_BUF_INIT;
	if (mk_expand_var(d->m, var, &b)) {
		char *reason = tt_xasprintf("%s incomplete: %s", var, d->m->why ? d->m->why : "?");
		add_unknown(d->pr, d->dir, d->mk_file, 0, reason);
		free(reason);
	}
	size_t pos = 0, wl;
	const char *w;
	while (mk_next_word(tt_buf_str(&b), b.len, &pos, &w, &wl))
		tt_strv_push_owned(out, tt_xstrndup(w, wl));
	tt_buf_free(&b);
}

/*
 * Makefile.lib's real-search: foo.o with foo-objs / foo-y (/ foo-m for
 * modules) is made of those parts; "foo-" alone still marks it composite.
 */
static bool composite_parts(struct dir_ctx *d, const char *obj, bool modular, struct tt_strv *parts)
{
	size_t stem = strlen(obj) - 2;
	static const char *const sfx[] = {"-objs", "-y", "-m", "-"};
	bool composite = false;
	for (int i = 0; i < 4; i++) {
		if (i == 2 && !modular)
			continue;
		char *var = tt_xasprintf("%.*s%s", (int)stem, obj, sfx[i]);
		struct tt_strv words = TT_STRV_INIT;
		list_var(d, var, &words);
		composite |= words.n > 0;
		for (size_t j = 0; i < 3 && j < words.n; j++)
			tt_strv_push(parts, words.v[j]);
		tt_strv_free(&words);
		free(var);
	}
	return composite;
}

static void add_real_objects(struct dir_ctx *d, const char *w, bool modular)
{
	struct tt_strv parts = TT_STRV_INIT;
	_cleanup_free_ char *module = NULL;
	if (modular) {
		_cleanup_free_ char *obj = join(d->dir, w, strlen(w));
		module = tt_xasprintf("%.*s.ko", (int)(strlen(obj) - 2), obj);
		/* modpost writes NAME.mod.c for every module; it is compiled too. */
		char *modc = tt_xasprintf("%.*s.mod.c", (int)(strlen(obj) - 2), obj);
		char *modo = tt_xasprintf("%.*s.mod.o", (int)(strlen(obj) - 2), obj);
		kb_fileset_add(&d->pr->p->files, modc, modo, module, TT_KBUILD_MODULE, true);
		free(modc);
		free(modo);
	}
	enum tt_kbuild_kind kind = modular ? TT_KBUILD_MODULE : TT_KBUILD_BUILTIN;
	if (!composite_parts(d, w, modular, &parts))
		tt_strv_push(&parts, w);
	for (size_t i = 0; i < parts.n; i++) {
		size_t l = strlen(parts.v[i]);
		if (!ends_with(parts.v[i], l, ".o"))
			continue;
		char *obj = join(d->dir, parts.v[i], l);
		add_object(d, obj, module, kind);
		free(obj);
	}
	tt_strv_free(&parts);
}

static void add_plain_objects(struct dir_ctx *d, const struct tt_strv *words,
			      enum tt_kbuild_kind kind, bool obj_prefixed)
{
	size_t dl = strlen(d->dir);
	for (size_t i = 0; i < words->n; i++) {
		const char *w = words->v[i];
		size_t l = strlen(w);
		if (!ends_with(w, l, ".o"))
			continue;
		/* The image makefiles write $(obj)/foo.o; obj-y style lists never do. */
		if (obj_prefixed && dl && strncmp(w, d->dir, dl) == 0 && w[dl] == '/')
			w += dl + 1, l -= dl + 1;
		char *obj = join(d->dir, w, l);
		add_object(d, obj, NULL, kind);
		free(obj);
	}
}

static bool var_is_y(struct mk *m, const char *var)
{
	struct tt_buf b = TT_BUF_INIT;
	bool unk = mk_expand_var(m, var, &b);
	bool y = !unk && strcmp(tt_buf_str(&b), "y") == 0;
	tt_buf_free(&b);
	return y;
}

static void add_arch_extras(struct dir_ctx *d)
{
	const struct kb_arch *a = d->pr->arch;
	if (!a || !d->pr->extras)
		return;
	for (size_t i = 0; i < a->n_extra; i++) {
		const struct kb_extra *x = &a->extra[i];
		if (strcmp(x->dir, d->dir) != 0 || (x->only_if && !var_is_y(d->m, x->only_if)))
			continue;
		struct tt_strv words = TT_STRV_INIT;
		list_var(d, x->var, &words);
		add_plain_objects(d, &words, x->kind, true);
		tt_strv_free(&words);
	}
}

struct subdir {
	char *dir;
	bool need_builtin;
};

struct subdirs {
	struct subdir *v;
	size_t n, cap;
	struct tt_strmap index; /* dir -> position + 1 */
};

static void add_subdir(struct subdirs *s, const char *dir, bool nb)
{
	bool created;
	struct tt_strmap_entry *e = tt_strmap_upsert(&s->index, dir, &created);
	if (!created) {
		s->v[(uintptr_t)e->val - 1].need_builtin |= nb;
		return;
	}
	e->val = (void *)(uintptr_t)(s->n + 1);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = tt_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].dir = tt_xstrdup(dir);
	s->v[s->n].need_builtin = nb;
	s->n++;
}

static void collect_subdirs(struct dir_ctx *d, const struct tt_strv *list, bool nb, bool dirs_only,
			    struct subdirs *out)
{
	for (size_t i = 0; i < list->n; i++) {
		const char *w = list->v[i];
		size_t l = strlen(w);
		bool is_dir = l && w[l - 1] == '/';
		if (dirs_only && !is_dir)
			continue;
		char *sub = join(d->dir, w, is_dir ? l - 1 : l);
		if (*sub && strcmp(sub, d->dir) != 0 && strncmp(sub, "..", 2) != 0)
			add_subdir(out, sub, nb);
		free(sub);
	}
}

/* Makefile.lib + Makefile.build for one evaluated directory. */
static void resolve_lists(struct dir_ctx *d, bool need_builtin, struct subdirs *subs)
{
	struct tt_strv oy = TT_STRV_INIT, om = TT_STRV_INIT, ly = TT_STRV_INIT, sy = TT_STRV_INIT,
		       ex = TT_STRV_INIT;
	list_var(d, "obj-y", &oy);
	list_var(d, "obj-m", &om);
	list_var(d, "lib-y", &ly);
	list_var(d, "lib-m", &ly);
	list_var(d, "subdir-y", &sy);
	list_var(d, "subdir-m", &sy);
	list_var(d, "extra-y", &ex);
	list_var(d, "always-y", &ex);
	list_var(d, "always-m", &ex);
	/* Built-in wins over modular; dirs in obj-y need built-in.a only if we do. */
	collect_subdirs(d, &oy, need_builtin, true, subs);
	collect_subdirs(d, &om, false, true, subs);
	collect_subdirs(d, &sy, false, false, subs);
	tt_strv_sort_unique(&oy);
	for (size_t i = 0; need_builtin && i < oy.n; i++)
		if (ends_with(oy.v[i], strlen(oy.v[i]), ".o"))
			add_real_objects(d, oy.v[i], false);
	struct tt_strmap builtin = TT_STRMAP_INIT;
	for (size_t i = 0; i < oy.n; i++)
		tt_strmap_upsert(&builtin, oy.v[i], NULL);
	tt_strv_sort_unique(&om);
	for (size_t i = 0; i < om.n; i++)
		if (ends_with(om.v[i], strlen(om.v[i]), ".o") && !tt_strmap_has(&builtin, om.v[i]))
			add_real_objects(d, om.v[i], true);
	tt_strmap_free(&builtin, NULL);
	/* lib.a and extra-y are built whenever the directory is, built-in or not. */
	add_plain_objects(d, &ly, TT_KBUILD_BUILTIN, false);
	add_plain_objects(d, &ex, TT_KBUILD_BUILTIN, false);
	add_arch_extras(d);
	tt_strv_free(&oy);
	tt_strv_free(&om);
	tt_strv_free(&ly);
	tt_strv_free(&sy);
	tt_strv_free(&ex);
}

/* ---------------- the walk ---------------- */

static void set_env(struct tt_strmap *env, const char *name, const char *value)
{
	struct tt_strmap_entry *e = tt_strmap_upsert(env, name, NULL);
	mk_var_free(e->val);
	struct mk_var *v = mk_var_new(value, false);
	v->exported = true;
	e->val = v;
}

static void env_copy(const struct tt_strmap *from, struct tt_strmap *to)
{
	for (size_t i = 0; i < from->cap; i++) {
		const struct tt_strmap_entry *e = &from->e[i];
		if (!e->key)
			continue;
		const struct mk_var *v = e->val;
		struct mk_var *nv = mk_var_new(v->value, v->recursive);
		nv->exported = true;
		nv->unknown = v->unknown;
		nv->why = v->why ? tt_xstrdup(v->why) : NULL;
		tt_strmap_upsert(to, e->key, NULL)->val = nv;
	}
}

static bool has_exports(struct mk *m)
{
	for (size_t i = 0; i < m->vars.cap; i++)
		if (m->vars.e[i].key && ((struct mk_var *)m->vars.e[i].val)->exported)
			return true;
	return false;
}

/* Read DIR/Kbuild, else DIR/Makefile (Makefile.build's kbuild-file). */
static char *read_kbuild_file(const struct kb_pred *pr, const char *dir, char **rel, size_t *len)
{
	static const char *const names[] = {"Kbuild", "Makefile"};
	for (int i = 0; i < 2; i++) {
		*rel = *dir ? tt_xasprintf("%s/%s", dir, names[i]) : tt_xstrdup(names[i]);
		_cleanup_free_ char *path = tt_xasprintf("%s/%s", pr->srcroot, *rel);
		char *text;
		if (tt_read_file(path, &text, len, NULL) == 0)
			return text;
		free(*rel);
	}
	*rel = NULL;
	return NULL;
}

/* The variables Makefile.build sets before including a directory's Kbuild file. */
static void predefine_dir(struct mk *m, const char *dir)
{
	static const char *const empty_lists[] = {
	    "obj-y",	       "obj-m",	     "lib-y",	  "lib-m",	 "always-y",
	    "always-m",	       "targets",    "subdir-y",  "subdir-m",	 "asflags-y",
	    "ccflags-y",       "cppflags-y", "ldflags-y", "rustflags-y", "subdir-asflags-y",
	    "subdir-ccflags-y"};
	for (size_t i = 0; i < sizeof(empty_lists) / sizeof(empty_lists[0]); i++)
		mk_set(m, empty_lists[i], "", false);
	mk_set(m, "obj", *dir ? dir : ".", false);
	mk_set(m, "src", *dir ? dir : ".", false);
}

static void eval_dir(struct kb_pred *pr, const char *dir, bool need_builtin,
		     const struct tt_strmap *env);

static void eval_text(struct kb_pred *pr, const char *dir, const char *rel, const char *text,
		      size_t len, bool need_builtin, const struct tt_strmap *env, bool descend)
{
	struct mk m;
	mk_init(&m, env, pr->cfg, pr->srcroot);
	m.cfg_unquoted = pr->cfg_unquoted;
	m.diag = pr->diag;
	m.on_unknown = on_mk_unknown;
	m.unknown_ctx = pr;
	pr->cur_dir = dir;
	predefine_dir(&m, dir);
	mk_eval(&m, text, len, rel);
	struct dir_ctx d = {.pr = pr, .m = &m, .dir = dir, .mk_file = rel, .mk_text = text};
	struct subdirs subs = {0};
	resolve_lists(&d, need_builtin, &subs);
	/* Sub-makes inherit exported variables only. */
	struct tt_strmap child_env = TT_STRMAP_INIT;
	bool own_env = has_exports(&m);
	if (own_env) {
		if (env)
			env_copy(env, &child_env);
		mk_export_into(&m, &child_env);
	}
	mk_free(&m);
	for (size_t i = 0; i < subs.n; i++) {
		if (descend)
			eval_dir(pr, subs.v[i].dir, subs.v[i].need_builtin,
				 own_env ? &child_env : env);
		free(subs.v[i].dir);
	}
	free(subs.v);
	tt_strmap_free(&subs.index, NULL);
	tt_strmap_free(&child_env, mk_var_free);
}

static void eval_dir(struct kb_pred *pr, const char *dir, bool need_builtin,
		     const struct tt_strmap *env)
{
	bool created;
	struct tt_strmap_entry *e = tt_strmap_upsert(&pr->visited, dir, &created);
	uintptr_t want = need_builtin ? 2 : 1;
	/* Visited already, or only a need-builtin visit would add anything. */
	if (!created && (uintptr_t)e->val >= want)
		return;
	e->val = (void *)want;
	mark_dir(pr->p, dir, DIR_EVALUATED);
	char *rel;
	size_t len;
	char *text = read_kbuild_file(pr, dir, &rel, &len);
	if (!text) {
		add_unknown(pr, dir, NULL, 0, "no Kbuild or Makefile in this directory");
		return;
	}
	eval_text(pr, dir, rel, text, len, need_builtin, env, true);
	free(text);
	free(rel);
}

/* ---------------- the top level ---------------- */

static void top_makefile_version(struct kb_pred *pr, struct tt_strmap *env)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/Makefile", pr->srcroot);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(path, &text, NULL, NULL) < 0)
		return;
	static const char *const keys[] = {"VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"};
	for (int i = 0; i < 4; i++) {
		_cleanup_free_ char *pat = tt_xasprintf("\n%s = ", keys[i]);
		const char *p = strstr(text, pat);
		if (!p)
			continue;
		p += strlen(pat);
		_cleanup_free_ char *val = tt_xstrndup(p, strcspn(p, "\n"));
		set_env(env, keys[i], val);
	}
}

/* What the top-level Makefile exports to every sub-make, minus the toolchain. */
static void base_env(struct kb_pred *pr, const char *srcarch, struct tt_strmap *env)
{
	set_env(env, "srctree", pr->srcroot ? pr->srcroot : ".");
	set_env(env, "objtree", ".");
	set_env(env, "ARCH", srcarch);
	set_env(env, "SRCARCH", srcarch);
	set_env(env, "SUBARCH", srcarch);
	set_env(env, "KBUILD_BUILTIN", "1");
	set_env(env, "KBUILD_MODULES", "1");
	set_env(env, "KBUILD_EXTMOD", "");
	set_env(env, "comma", ",");
	set_env(env, "empty", "");
	set_env(env, "space", " ");
	set_env(env, "pound", "#");
	set_env(env, "squote", "'");
	set_env(env, "quiet", "quiet_");
	set_env(env, "Q", "@");
	set_env(env, "MAKE", "make");
	if (pr->srcroot)
		top_makefile_version(pr, env);
}

/*
 * arch/$(SRCARCH)/Makefile adds the arch's directories to core-y, libs-y
 * and drivers-y, which the top-level Makefile exports as ARCH_CORE,
 * ARCH_LIB and ARCH_DRIVERS for the top-level Kbuild file.
 */
static void eval_arch_makefile(struct kb_pred *pr, const char *srcarch, struct tt_strmap *env)
{
	_cleanup_free_ char *rel = tt_xasprintf("arch/%s/Makefile", srcarch);
	_cleanup_free_ char *path = tt_xasprintf("%s/%s", pr->srcroot, rel);
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (tt_read_file(path, &text, &len, NULL) < 0) {
		add_unknown(pr, "", rel, 0, "architecture Makefile not found");
		return;
	}
	struct mk m;
	mk_init(&m, env, pr->cfg, pr->srcroot);
	m.cfg_unquoted = pr->cfg_unquoted;
	m.diag = pr->diag;
	mk_set(&m, "core-y", "", false);
	mk_set(&m, "drivers-y", "", false);
	mk_set(&m, "libs-y", "lib/", false);
	/* Its unknowns are about flags; the lists below report their own. */
	mk_eval(&m, text, len, rel);
	struct dir_ctx d = {.pr = pr, .m = &m, .dir = "", .mk_file = rel, .mk_text = text};
	struct tt_strv core = TT_STRV_INIT, libs = TT_STRV_INIT, drivers = TT_STRV_INIT;
	list_var(&d, "core-y", &core);
	list_var(&d, "libs-y", &libs);
	list_var(&d, "drivers-y", &drivers);
	list_var(&d, "drivers-m", &drivers);
	mk_export_into(&m, env);
	mk_free(&m);
	struct tt_buf b = TT_BUF_INIT;
	for (size_t i = 0; i < core.n; i++)
		tt_buf_addf(&b, "%s%s", i ? " " : "", core.v[i]);
	set_env(env, "ARCH_CORE", tt_buf_str(&b));
	tt_buf_reset(&b);
	for (size_t i = 0, k = 0; i < libs.n; i++)
		if (libs.v[i][strlen(libs.v[i]) - 1] == '/')
			tt_buf_addf(&b, "%s%s", k++ ? " " : "", libs.v[i]);
	set_env(env, "ARCH_LIB", tt_buf_str(&b));
	tt_buf_reset(&b);
	for (size_t i = 0; i < drivers.n; i++)
		tt_buf_addf(&b, "%s%s", i ? " " : "", drivers.v[i]);
	set_env(env, "ARCH_DRIVERS", tt_buf_str(&b));
	tt_buf_free(&b);
	tt_strv_free(&core);
	tt_strv_free(&libs);
	tt_strv_free(&drivers);
}

static void eval_arch_extras(struct kb_pred *pr, const struct tt_strmap *env)
{
	if (!pr->arch || !pr->extras)
		return;
	for (size_t i = 0; i < pr->arch->n_extra; i++) {
		const char *dir = pr->arch->extra[i].dir;
		_cleanup_free_ char *path = tt_xasprintf("%s/%s", pr->srcroot, dir);
		/*
		 * Directories the normal walk reached had their extras read there;
		 * a row for a directory this kernel version lacks does not apply.
		 */
		if (!tt_strmap_has(&pr->visited, dir) && tt_path_exists(path))
			eval_dir(pr, dir, false, env);
	}
}

/*
 * Objects the link step (scripts/link-vmlinux.sh) compiles itself, outside
 * any Kbuild list; each is predicted when its source exists in the tree.
 */
static void add_link_objects(struct kb_pred *pr)
{
	static const char *const objs[] = {"init/version-timestamp.o"};
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		_cleanup_free_ char *src =
		    tt_xasprintf("%.*s.c", (int)strlen(objs[i]) - 2, objs[i]);
		if (src_exists(pr, src))
			kb_fileset_add(&pr->p->files, src, objs[i], NULL, TT_KBUILD_BUILTIN, false);
	}
}

/* Does this tree's Kconfig write auto.conf strings unquoted (recent kernels; 6.1 does)? */
static bool autoconf_unquoted(const char *srcroot)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/scripts/kconfig/confdata.c", srcroot);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(path, &text, NULL, NULL) < 0)
		return true;
	return strstr(text, "OUTPUT_N_NONE, false)") != NULL;
}

static struct tt_kbuild_prediction *prediction_new(void)
{
	return tt_xcalloc(1, sizeof(struct tt_kbuild_prediction));
}

static void pred_init(struct kb_pred *pr, const struct tt_kbuild_predict_opts *opts,
		      const struct tt_kconfig *cfg, const struct tt_diag_sink *diag)
{
	memset(pr, 0, sizeof(*pr));
	pr->srcroot = opts && opts->source_root ? opts->source_root : NULL;
	pr->cfg = cfg;
	pr->diag = diag;
	pr->arch = kb_arch_find(opts && opts->arch ? opts->arch : "x86");
	pr->extras = !(opts && opts->vmlinux_and_modules_only);
	pr->cfg_unquoted = pr->srcroot ? autoconf_unquoted(pr->srcroot) : true;
	pr->p = prediction_new();
}

int tt_kbuild_predict(const struct tt_kbuild_predict_opts *opts, const struct tt_kconfig *cfg,
		      struct tt_kbuild_prediction **out, const struct tt_diag_sink *diag,
		      struct tt_error *err)
{
	*out = NULL;
	if (!opts || !opts->source_root)
		return tt_error_set(err, -EINVAL, "Kbuild prediction needs a source tree");
	_cleanup_free_ char *top = tt_xasprintf("%s/Kbuild", opts->source_root);
	if (!tt_path_exists(top))
		return tt_error_set(err, -ENOENT, "%s: not a kernel source tree (no Kbuild file)",
				    opts->source_root);
	struct kb_pred pr;
	pred_init(&pr, opts, cfg, diag);
	const char *srcarch = pr.arch ? pr.arch->srcarch : (opts->arch ? opts->arch : "x86");
	struct tt_strmap env = TT_STRMAP_INIT;
	base_env(&pr, srcarch, &env);
	eval_arch_makefile(&pr, srcarch, &env);
	eval_dir(&pr, "", true, &env);
	eval_arch_extras(&pr, &env);
	if (pr.extras)
		add_link_objects(&pr);
	tt_strmap_free(&env, mk_var_free);
	tt_strmap_free(&pr.visited, NULL);
	kb_fileset_finish(&pr.p->files);
	*out = pr.p;
	return 0;
}

int tt_kbuild_predict_makefile(const char *text, size_t len, const char *dir,
			       const struct tt_kbuild_predict_opts *opts,
			       const struct tt_kconfig *cfg, struct tt_kbuild_prediction **out,
			       const struct tt_diag_sink *diag, struct tt_error *err)
{
	*out = NULL;
	if (!text || !dir)
		return tt_error_set(err, -EINVAL, "no makefile text or directory");
	struct kb_pred pr;
	pred_init(&pr, opts, cfg, diag);
	const char *srcarch =
	    pr.arch ? pr.arch->srcarch : (opts && opts->arch ? opts->arch : "x86");
	struct tt_strmap env = TT_STRMAP_INIT;
	base_env(&pr, srcarch, &env);
	/* The text may hold NULs (fuzzing); the evaluator sees what precedes the first. */
	char *copy = tt_xstrndup(text, len);
	_cleanup_free_ char *rel = *dir ? tt_xasprintf("%s/Makefile", dir) : tt_xstrdup("Makefile");
	mark_dir(pr.p, dir, DIR_EVALUATED);
	eval_text(&pr, dir, rel, copy, strlen(copy), true, &env, false);
	free(copy);
	tt_strmap_free(&env, mk_var_free);
	tt_strmap_free(&pr.visited, NULL);
	kb_fileset_finish(&pr.p->files);
	*out = pr.p;
	return 0;
}

void tt_kbuild_prediction_free(struct tt_kbuild_prediction *p)
{
	if (!p)
		return;
	kb_fileset_free(&p->files);
	for (size_t i = 0; i < p->n_unk; i++) {
		free((char *)p->unk[i].dir);
		free((char *)p->unk[i].file);
		free((char *)p->unk[i].reason);
	}
	free(p->unk);
	tt_strmap_free(&p->dirs, NULL);
	free(p);
}

size_t tt_kbuild_prediction_count(const struct tt_kbuild_prediction *p)
{
	return p->files.n;
}

const struct tt_kbuild_file *tt_kbuild_prediction_file(const struct tt_kbuild_prediction *p,
						       size_t i)
{
	return i < p->files.n ? &p->files.v[i] : NULL;
}

size_t tt_kbuild_prediction_n_unknowns(const struct tt_kbuild_prediction *p)
{
	return p->n_unk;
}

const struct tt_kbuild_unknown *tt_kbuild_prediction_unknown(const struct tt_kbuild_prediction *p,
							     size_t i)
{
	return i < p->n_unk ? &p->unk[i] : NULL;
}

size_t tt_kbuild_prediction_n_dirs(const struct tt_kbuild_prediction *p)
{
	return p->dirs.n;
}

enum tt_kbuild_kind tt_kbuild_prediction_lookup(const struct tt_kbuild_prediction *p,
						const char *source)
{
	enum tt_kbuild_kind k = kb_fileset_lookup(&p->files, source);
	if (k != TT_KBUILD_ABSENT)
		return k;
	/* The nearest evaluated directory decides: it either knew, or said it did not. */
	_cleanup_free_ char *dir = tt_xstrdup(source);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			dir[0] = '\0';
		struct tt_strmap_entry *e = tt_strmap_findn(&p->dirs, dir, strlen(dir));
		if (e)
			return ((uintptr_t)e->val & DIR_UNKNOWN) ? TT_KBUILD_UNKNOWN
								 : TT_KBUILD_ABSENT;
		if (!dir[0])
			return TT_KBUILD_ABSENT;
	}
}
