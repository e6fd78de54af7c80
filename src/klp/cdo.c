// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tuxtape-cdo's driver: create-diff-object's contract over tuxtape's
 * engine. The diff (tt_klp_diff) decides what changed and what cannot be
 * patched; the emitter (tt_klp_emit) writes the livepatch object with
 * placeholders for what the livepatch core resolves; this file places
 * every such name in the running kernel from SYMTAB and hands the object
 * to cdo_kpatch.c for kpatch's sections.
 *
 * The emitter gets Module.symvers but no kallsyms: every placeholder
 * comes out with sympos 0, and the sympos is decided here instead, from
 * SYMTAB's STT_FILE blocks, which say exactly which copy of a repeated
 * static name is the patched object's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdo_int.h"
#include "klp_int.h"

struct cdo {
	const struct tt_cdo_args *a;
	struct tt_cdo_result *res;
	struct tt_elf *orig, *patched;
	struct tt_klp_diff *diff;
	struct tt_cdo_symtab *symtab;
	struct tt_klp_symtab *exports; /* Module.symvers only */
	const char *file;	       /* ORIG.o's STT_FILE name, NULL if none */
	size_t block;		       /* its FILE block in SYMTAB */
	int block_rc;		       /* why there is none */
	struct tt_error block_err;
	bool vmlinux;
	struct tt_klp_manifest manifest;
	struct cdo_func *funcs;
	char *emitted;
};

/* ---- the *_STRUCT_SIZE variables ---- */

/* kpatch-build's variables and the tables whose entry size each gives. */
static const struct {
	const char *var, *section;
} struct_sizes[] = {
    {"BUG_STRUCT_SIZE", "__bug_table"},
    {"EX_STRUCT_SIZE", "__ex_table"},
    {"JUMP_STRUCT_SIZE", "__jump_table"},
    {"ALT_STRUCT_SIZE", ".altinstructions"},
    {"PARA_STRUCT_SIZE", ".parainstructions"},
    {"STATIC_CALL_STRUCT_SIZE", ".static_call_sites"},
    {"PRINTK_INDEX_STRUCT_SIZE", ".printk_index"},
};

static int parse_size(const char *var, const char *v, size_t *out, struct tt_error *err)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n <= 0 || n > 4096)
		return tt_error_set(err, -EINVAL, "%s=%s: not an entry size in bytes", var, v);
	*out = (size_t)n;
	return 0;
}

/*
 * The size kpatch-build read from the kernel's headers must describe the
 * tables of both objects, and be the layout the engine splits them by:
 * entries cut at another size would be carried for the wrong functions.
 */
static int check_struct_size(const struct cdo *c, const struct tt_elf *e, const char *var,
			     const char *section, size_t size, struct tt_error *err)
{
	const struct kelf_sec *sec = kelf_sec_find(kelf(e), section);
	if (!sec)
		return 0;
	if (sec->size % size)
		return tt_error_set(
		    err, -EINVAL, "%s: %s is %zu bytes, not a whole number of %s=%zu-byte entries",
		    tt_elf_name(e), section, sec->size, var, size);
	const struct klp_special *sp = klp_special_find(section);
	if (sp && sp->entry_size && sp->entry_size != size)
		return tt_error_set(
		    err, -EINVAL,
		    "%s: %s=%zu, but tuxtape's engine splits %s into %zu-byte "
		    "entries (Linux 6.1 x86_64): this kernel's layout is not one it "
		    "knows",
		    tt_elf_name(e), var, size, section, sp->entry_size);
	(void)c;
	return 0;
}

static int check_struct_sizes(const struct cdo *c, struct tt_error *err)
{
	for (size_t i = 0; c->a->getenv && i < sizeof(struct_sizes) / sizeof(struct_sizes[0]);
	     i++) {
		const char *v = c->a->getenv(struct_sizes[i].var);
		size_t size = 0;
		if (!v)
			continue;
		int rc = parse_size(struct_sizes[i].var, v, &size, err);
		if (!rc)
			rc = check_struct_size(c, c->orig, struct_sizes[i].var,
					       struct_sizes[i].section, size, err);
		if (!rc)
			rc = check_struct_size(c, c->patched, struct_sizes[i].var,
					       struct_sizes[i].section, size, err);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * kpatch's patch-author macros (callbacks, KPATCH_FORCE_UNSAFE,
 * KPATCH_IGNORE_*) leave .kpatch.* sections the engine does not read;
 * dropping them silently would lose a callback the fix relies on.
 */
static bool refuse_kpatch_macros(struct cdo *c)
{
	const struct kelf *k = kelf(c->patched);
	bool found = false;
	for (size_t i = 0; i < k->nsecs; i++) {
		const char *name = k->secs[i].name;
		if (!name || strncmp(name, ".kpatch.", 8) != 0)
			continue;
		tt_strv_push_owned(&c->res->refusals,
				   tt_xasprintf("%s: section %s comes from one of kpatch's "
						"patch-author macros, which tuxtape does not "
						"carry: write the fix without it",
						tt_elf_name(c->patched), name));
		found = true;
	}
	return found;
}

/* ---- where the object's locals are in SYMTAB ---- */

static void find_block(struct cdo *c)
{
	const struct kelf *k = kelf(c->orig);
	const char **locals = tt_xcalloc(k->nsyms + 1, sizeof(*locals));
	size_t n = 0;
	for (size_t i = 0; i < k->nsyms; i++) {
		const struct kelf_sym *s = &k->syms[i];
		if (s->type == STT_FILE && !c->file)
			c->file = s->name;
		else if (s->bind == STB_LOCAL && s->sec && s->name[0] &&
			 (s->type == STT_FUNC || s->type == STT_OBJECT))
			locals[n++] = s->name;
	}
	if (!c->file)
		c->block_rc = tt_error_set(&c->block_err, -ENOENT,
					   "%s has no STT_FILE symbol to find its locals in SYMTAB",
					   tt_elf_name(c->orig));
	else
		c->block_rc = tt_cdo_symtab_find_block(c->symtab, c->file, locals, n, &c->block,
						       &c->block_err);
	free(locals);
}

/* Look `name` up as ORIG.o knows it: a static in the object's block, or a global. */
static int lookup_in_parent(struct cdo *c, const char *name, struct tt_cdo_lookup *out,
			    struct tt_error *err)
{
	struct tt_elf_symbol_info info;
	bool local = tt_elf_symbol_find(c->orig, name, 0, &info) == 0 && info.bind == STB_LOCAL;
	if (local && c->block_rc) {
		*err = c->block_err;
		return tt_error_prefix(err, "static `%s`: ", name);
	}
	int rc = tt_cdo_symtab_lookup(c->symtab, local ? c->block : SIZE_MAX, name, c->vmlinux, out,
				      err);
	return rc ? tt_error_prefix(err, "%s: ", c->a->parent) : 0;
}

static bool defined_globally(const struct cdo *c, const char *name)
{
	for (size_t i = 0; i < tt_cdo_symtab_count(c->symtab); i++) {
		const struct tt_cdo_symbol *s = tt_cdo_symtab_get(c->symtab, i);
		if (s->defined && s->bind != STB_LOCAL && s->type != STT_FILE &&
		    strcmp(s->name, name) == 0)
			return true;
	}
	return false;
}

/* The placeholder callback of the writer: a reference the livepatch core resolves. */
static int resolve_placeholder(void *ctx, const char *objname, const char *name,
			       struct cdo_ksym *out, struct tt_error *err)
{
	struct cdo *c = ctx;
	struct tt_elf_symbol_info info;
	bool in_orig = tt_elf_symbol_find(c->orig, name, 0, &info) == 0;
	bool ours = (in_orig && info.section) || c->vmlinux || defined_globally(c, name);
	(void)objname; /* decided again here: SYMTAB says what the parent defines */
	*out = (struct cdo_ksym){.bind = STB_GLOBAL, .type = in_orig ? info.type : STT_NOTYPE};
	if (ours) {
		struct tt_cdo_lookup l;
		int rc = lookup_in_parent(c, name, &l, err);
		if (rc)
			return rc;
		out->sympos = l.sympos, out->bind = l.bind, out->type = l.type;
		out->src = c->vmlinux ? l.addr : 0;
	}
	const char *module = NULL;
	out->external = !c->vmlinux && tt_klp_symtab_exported(c->exports, name, &module);
	out->objname = tt_xstrdup(ours ? c->a->parent : "vmlinux");
	out->name = tt_xstrdup(name);
	return 0;
}

/* ---- the steps ---- */

static int open_inputs(struct cdo *c, struct tt_error *err)
{
	int rc = tt_cdo_symtab_load(c->a->symtab, &c->symtab, err);
	if (rc)
		return rc;
	c->exports = tt_klp_symtab_new();
	rc = tt_klp_symtab_load_symvers(c->exports, c->a->symvers, err);
	if (!rc)
		rc = tt_elf_open(c->a->orig, &c->orig, err);
	if (!rc)
		rc = tt_elf_open(c->a->patched, &c->patched, err);
	return rc;
}

/* Record what changed; the number of functions the livepatch carries. */
static size_t list_changes(struct cdo *c)
{
	size_t n, carried = 0;
	const struct tt_klp_func *f = tt_klp_diff_funcs(c->diff, &n);
	for (size_t i = 0; i < n; i++) {
		if (f[i].is_part || (f[i].status != TT_KLP_CHANGED && f[i].status != TT_KLP_NEW))
			continue;
		carried++;
		tt_strv_push_owned(&c->res->changes,
				   tt_xasprintf("%s function: %s",
						f[i].status == TT_KLP_NEW ? "new" : "changed",
						f[i].name));
	}
	return carried;
}

static int refused(struct cdo *c, struct tt_error *err)
{
	size_t n;
	const struct tt_klp_refusal *r = tt_klp_diff_refusals(c->diff, &n);
	for (size_t i = 0; i < n; i++)
		tt_strv_push(&c->res->refusals, r[i].message);
	tt_error_set(err, -EPERM, "%s: %zu unreconcilable difference(s)", tt_elf_name(c->orig), n);
	return TT_CDO_DIFF_FATAL;
}

static int emit(struct cdo *c, struct tt_error *err)
{
	c->emitted = tt_xasprintf("%s.tt-emit.o", c->a->output);
	struct tt_klp_emit_options o = {c->a->parent, c->file, c->exports};
	int rc = tt_klp_emit(c->diff, &o, c->emitted, &c->manifest, err);
	if (rc == -EPERM) {
		tt_strv_push(&c->res->refusals, err->msg);
		return TT_CDO_DIFF_FATAL;
	}
	return rc ? TT_CDO_ERROR : TT_CDO_SUCCESS;
}

static int place_functions(struct cdo *c, struct tt_error *err)
{
	c->funcs = tt_xcalloc(c->manifest.n + 1, sizeof(*c->funcs));
	for (size_t i = 0; i < c->manifest.n; i++) {
		const struct tt_klp_patched_func *m = &c->manifest.funcs[i];
		struct tt_cdo_lookup l;
		int rc = lookup_in_parent(c, m->old_name, &l, err);
		if (rc)
			return rc;
		c->funcs[i] = (struct cdo_func){.name = m->old_name,
						.new_symbol = m->new_symbol,
						.old_addr = l.addr,
						.old_size = l.size,
						.sympos = l.sympos};
	}
	return 0;
}

static int write_kpatch(struct cdo *c, struct tt_error *err)
{
	int rc = place_functions(c, err);
	if (rc)
		return TT_CDO_ERROR;
	struct cdo_kpatch_job job = {.emitted = c->emitted,
				     .output = c->a->output,
				     .parent = c->a->parent,
				     .funcs = c->funcs,
				     .nfuncs = c->manifest.n,
				     .resolve = resolve_placeholder,
				     .resolve_ctx = c,
				     .klp_arch = c->a->klp_arch};
	rc = cdo_kpatch_write(&job, c->res, err);
	if (rc == -EPERM) {
		tt_strv_push(&c->res->refusals, err->msg);
		return TT_CDO_DIFF_FATAL;
	}
	return rc ? TT_CDO_ERROR : TT_CDO_SUCCESS;
}

static int run(struct cdo *c, struct tt_error *err)
{
	if (open_inputs(c, err) || check_struct_sizes(c, err))
		return TT_CDO_ERROR;
	c->vmlinux = strcmp(c->a->parent, "vmlinux") == 0;
	find_block(c);
	if (tt_klp_diff(c->orig, c->patched, &c->diff, err))
		return TT_CDO_ERROR;
	if (refuse_kpatch_macros(c)) {
		tt_error_set(err, -EPERM, "%s: kpatch macros", tt_elf_name(c->patched));
		return TT_CDO_DIFF_FATAL;
	}
	size_t carried = list_changes(c);
	size_t nrefusals;
	tt_klp_diff_refusals(c->diff, &nrefusals);
	if (nrefusals)
		return refused(c, err);
	if (!carried)
		return TT_CDO_NO_CHANGE;
	int status = emit(c, err);
	if (status == TT_CDO_SUCCESS)
		status = write_kpatch(c, err);
	return status;
}

int tt_cdo_run(const struct tt_cdo_args *a, struct tt_cdo_result *res, struct tt_error *err)
{
	struct cdo c = {.a = a, .res = res};
	int status = run(&c, err);
	if (c.emitted)
		unlink(c.emitted);
	free(c.emitted);
	free(c.funcs);
	tt_klp_manifest_free(&c.manifest);
	tt_klp_diff_free(c.diff);
	tt_elf_close(c.orig);
	tt_elf_close(c.patched);
	tt_klp_symtab_free(c.exports);
	tt_cdo_symtab_free(c.symtab);
	return status;
}

void tt_cdo_result_free(struct tt_cdo_result *res)
{
	tt_strv_free(&res->changes);
	tt_strv_free(&res->refusals);
}
