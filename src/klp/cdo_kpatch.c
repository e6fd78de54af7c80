// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emitted livepatch object in kpatch's intermediate format.
 *
 * tt_klp_emit() leaves every reference the livepatch core must resolve as
 * a relocation against a placeholder symbol. kpatch-build's later steps
 * (its create-klp-module) expect those as entries of .kpatch.relocations
 * (where: section symbol + offset, type, addend, object) and
 * .kpatch.symbols (what: name, object, sympos), one of each per
 * relocation, with every string in .kpatch.strings; the functions to
 * replace as .kpatch.funcs entries. This file reads the emitted object,
 * keeps its sections at their indices, drops the placeholder relocations
 * and symbols, and appends those sections.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cdo_int.h"
#include "tuxtape/klp.h"

/* Entries of one section and the relocations that fill its pointers. */
struct table {
	struct tt_buf data;
	Elf64_Rela *rels;
	size_t nrels, cap;
};

struct rewriter {
	const struct cdo_kpatch_job *job;
	struct tt_error *err;
	Elf *in;
	size_t nsecs, shstrndx, symtab_index;
	GElf_Shdr symtab_sh;
	Elf64_Sym *syms; /* input symbols */
	size_t nsyms, first_global;
	struct cdo_ksym *placeholders; /* per input symbol; name NULL when not one */
	size_t *new_index;	       /* input symbol -> output symbol, SIZE_MAX: dropped */
	Elf64_Sym *out_syms;
	size_t nout_syms, out_first_global;
	Elf64_Rela **relas; /* per input section, rewritten */
	size_t *nrelas;
	struct tt_buf strings, shstr;
	struct table funcs, ksyms, krelas, arch;
	size_t strings_sym, ksyms_sym; /* their section symbols */
	size_t strings_scn, first_new_scn;
};

/* The sections appended, in order; .kpatch.arch only with --klp-arch. */
enum new_section {
	NEW_STRINGS,
	NEW_FUNCS,
	NEW_FUNCS_RELA,
	NEW_KSYMS,
	NEW_KSYMS_RELA,
	NEW_KRELAS,
	NEW_KRELAS_RELA,
	NEW_ARCH,
	NEW_ARCH_RELA,
	NEW_COUNT,
};

static int libelf_error(struct rewriter *w, const char *path, const char *what)
{
	return tt_error_set(w->err, -EIO, "%s: %s: %s", path, what, elf_errmsg(-1));
}

static size_t string_offset(struct rewriter *w, const char *s)
{
	size_t len = strlen(s) + 1;
	for (size_t off = 0; off < w->strings.len; off += strlen(w->strings.buf + off) + 1)
		if (strcmp(w->strings.buf + off, s) == 0)
			return off;
	size_t off = w->strings.len;
	tt_buf_add(&w->strings, s, len);
	return off;
}

static void table_rel(struct table *t, uint64_t offset, size_t sym, int64_t addend)
{
	if (t->nrels == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rels = tt_xrealloc(t->rels, t->cap * sizeof(*t->rels));
	}
	t->rels[t->nrels++] = (Elf64_Rela){offset, ELF64_R_INFO(sym, R_X86_64_64), addend};
}

/* A pointer to a string: zero in the entry, filled by an R_X86_64_64 at load. */
static void table_string(struct rewriter *w, struct table *t, uint64_t offset, const char *s)
{
	table_rel(t, offset, w->strings_sym, (int64_t)string_offset(w, s));
}

static void put_u64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v)); /* x86_64: little-endian like the host */
}

static const char *section_name(struct rewriter *w, size_t index)
{
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(w->in, index);
	if (!scn || !gelf_getshdr(scn, &sh))
		return "?";
	const char *n = elf_strptr(w->in, w->shstrndx, sh.sh_name);
	return n ? n : "?";
}

/* ---- reading the emitted object ---- */

static int read_symbols(struct rewriter *w)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(w->in, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			w->symtab_index = elf_ndxscn(scn);
			w->symtab_sh = sh;
			Elf_Data *d = elf_getdata(scn, NULL);
			if (!d)
				return libelf_error(w, w->job->emitted, ".symtab");
			w->nsyms = d->d_size / sizeof(Elf64_Sym);
			w->syms = tt_xcalloc(w->nsyms + 1, sizeof(*w->syms));
			memcpy(w->syms, d->d_buf, w->nsyms * sizeof(Elf64_Sym));
			w->first_global = sh.sh_info;
			return 0;
		}
	}
	return tt_error_set(w->err, -EINVAL, "%s: no symbol table", w->job->emitted);
}

/* Resolve each placeholder once; a failure names the symbol. */
static int resolve_placeholders(struct rewriter *w)
{
	w->placeholders = tt_xcalloc(w->nsyms + 1, sizeof(*w->placeholders));
	for (size_t i = 0; i < w->nsyms; i++) {
		const char *name = elf_strptr(w->in, w->symtab_sh.sh_link, w->syms[i].st_name);
		char *objname, *sym;
		unsigned long pos;
		if (!name || w->syms[i].st_shndx != SHN_UNDEF ||
		    !tt_klp_placeholder_parse(name, &objname, &sym, &pos))
			continue;
		int rc =
		    w->job->resolve(w->job->resolve_ctx, objname, sym, &w->placeholders[i], w->err);
		free(objname);
		free(sym);
		if (rc)
			return rc;
	}
	return 0;
}

/* Locals, then the section symbols of .kpatch.strings and .kpatch.symbols, then globals. */
static void build_symbols(struct rewriter *w)
{
	w->new_index = tt_xcalloc(w->nsyms + 1, sizeof(*w->new_index));
	w->out_syms = tt_xcalloc(w->nsyms + 3, sizeof(*w->out_syms));
	for (size_t i = 0; i < w->nsyms; i++) {
		if (i == w->first_global) {
			w->strings_sym = w->nout_syms++;
			w->ksyms_sym = w->nout_syms++;
			w->out_first_global = w->nout_syms;
		}
		if (w->placeholders[i].name) {
			w->new_index[i] = SIZE_MAX;
			continue;
		}
		w->new_index[i] = w->nout_syms;
		w->out_syms[w->nout_syms++] = w->syms[i];
	}
	if (w->first_global >= w->nsyms) {
		w->strings_sym = w->nout_syms++;
		w->ksyms_sym = w->nout_syms++;
		w->out_first_global = w->nout_syms;
	}
	Elf64_Half strings_scn = (Elf64_Half)(w->first_new_scn + NEW_STRINGS);
	Elf64_Half ksyms_scn = (Elf64_Half)(w->first_new_scn + NEW_KSYMS);
	w->out_syms[w->strings_sym] =
	    (Elf64_Sym){.st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION), .st_shndx = strings_scn};
	w->out_syms[w->ksyms_sym] =
	    (Elf64_Sym){.st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION), .st_shndx = ksyms_scn};
}

/* The section symbol of section `index` in the output, SIZE_MAX if there is none. */
static size_t section_symbol(const struct rewriter *w, size_t index)
{
	for (size_t i = 0; i < w->nout_syms; i++)
		if (ELF64_ST_TYPE(w->out_syms[i].st_info) == STT_SECTION &&
		    w->out_syms[i].st_shndx == index)
			return i;
	return SIZE_MAX;
}

/* Sections whose entries are set up by the module loader before any klp relocation exists. */
static bool is_loader_table(const char *name)
{
	static const char *const tables[] = {
	    "__bug_table",	 "__ex_table",	       "__jump_table", ".altinstructions",
	    ".parainstructions", ".static_call_sites", ".smp_locks",   ".printk_index"};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (strcmp(name, tables[i]) == 0)
			return true;
	return false;
}

static int add_krela(struct rewriter *w, size_t base, const GElf_Rela *r, const struct cdo_ksym *k)
{
	const char *secname = section_name(w, base);
	bool vmlinux = strcmp(k->objname, "vmlinux") == 0;
	if (!vmlinux && !w->job->klp_arch && is_loader_table(secname))
		return tt_error_set(w->err, -EPERM,
				    "%s: entry of %s references `%s` of module %s: the livepatch "
				    "core would fill it after the module loader used the table; "
				    "avoid the construct (e.g. static_key_enabled() for a jump "
				    "label) in the changed code",
				    w->job->parent, secname, k->name, k->objname);
	size_t dest = section_symbol(w, base);
	if (dest == SIZE_MAX)
		return tt_error_set(w->err, -EINVAL, "%s: section %s has no section symbol",
				    w->job->emitted, secname);
	size_t i = w->krelas.data.len / TT_CDO_KRELA_SIZE;
	unsigned char e[TT_CDO_KRELA_SIZE] = {0}, s[TT_CDO_KSYM_SIZE] = {0};
	uint32_t type = (uint32_t)GELF_R_TYPE(r->r_info);
	int32_t external = k->external;
	memcpy(e + 8, &type, 4);
	memcpy(e + 12, &external, 4);
	put_u64(e + 16, (uint64_t)r->r_addend);
	tt_buf_add(&w->krelas.data, e, sizeof(e));
	table_rel(&w->krelas, i * TT_CDO_KRELA_SIZE, dest, (int64_t)r->r_offset);
	table_string(w, &w->krelas, i * TT_CDO_KRELA_SIZE + TT_CDO_KRELA_OBJNAME_OFF, k->objname);
	table_rel(&w->krelas, i * TT_CDO_KRELA_SIZE + TT_CDO_KRELA_KSYM_OFF, w->ksyms_sym,
		  (int64_t)(i * TT_CDO_KSYM_SIZE));
	put_u64(s, k->src);
	put_u64(s + 8, k->sympos);
	s[16] = k->bind;
	s[17] = k->type;
	tt_buf_add(&w->ksyms.data, s, sizeof(s));
	table_string(w, &w->ksyms, i * TT_CDO_KSYM_SIZE + TT_CDO_KSYM_NAME_OFF, k->name);
	table_string(w, &w->ksyms, i * TT_CDO_KSYM_SIZE + TT_CDO_KSYM_OBJNAME_OFF, k->objname);
	return 0;
}

/* Keep the relocations the linker resolves; turn placeholder ones into kpatch entries. */
static int rewrite_relas(struct rewriter *w, Elf_Scn *scn, size_t index, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = d ? d->d_size / sizeof(Elf64_Rela) : 0;
	Elf64_Rela *out = w->relas[index] = tt_xcalloc(n + 1, sizeof(*out));
	for (size_t j = 0; j < n; j++) {
		GElf_Rela r;
		if (!gelf_getrela(d, (int)j, &r))
			return libelf_error(w, w->job->emitted, "relocation");
		size_t sym = GELF_R_SYM(r.r_info);
		if (sym >= w->nsyms)
			return tt_error_set(w->err, -EINVAL, "%s: relocation names symbol %zu",
					    w->job->emitted, sym);
		if (w->placeholders[sym].name) {
			int rc = add_krela(w, sh->sh_info, &r, &w->placeholders[sym]);
			if (rc)
				return rc;
			continue;
		}
		out[w->nrelas[index]++] = (Elf64_Rela){
		    r.r_offset, ELF64_R_INFO(w->new_index[sym], GELF_R_TYPE(r.r_info)), r.r_addend};
	}
	return 0;
}

static int rewrite_all_relas(struct rewriter *w)
{
	w->relas = tt_xcalloc(w->nsecs + 1, sizeof(*w->relas));
	w->nrelas = tt_xcalloc(w->nsecs + 1, sizeof(*w->nrelas));
	for (size_t i = 1; i < w->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(w->in, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh))
			return libelf_error(w, w->job->emitted, "section header");
		if (sh.sh_type != SHT_RELA)
			continue;
		if (sh.sh_link != w->symtab_index)
			return tt_error_set(w->err, -EINVAL, "%s: %s uses another symbol table",
					    w->job->emitted, section_name(w, i));
		int rc = rewrite_relas(w, scn, i, &sh);
		if (rc)
			return rc;
	}
	return 0;
}

/* The output symbol named `name`, SIZE_MAX if none. */
static size_t symbol_named(const struct rewriter *w, const char *name, uint64_t *size)
{
	for (size_t i = 0; i < w->nsyms; i++) {
		const char *n = elf_strptr(w->in, w->symtab_sh.sh_link, w->syms[i].st_name);
		if (n && strcmp(n, name) == 0 && w->new_index[i] != SIZE_MAX) {
			*size = w->syms[i].st_size;
			return w->new_index[i];
		}
	}
	return SIZE_MAX;
}

static int build_funcs(struct rewriter *w)
{
	for (size_t i = 0; i < w->job->nfuncs; i++) {
		const struct cdo_func *f = &w->job->funcs[i];
		uint64_t new_size;
		size_t sym = symbol_named(w, f->new_symbol, &new_size);
		if (sym == SIZE_MAX)
			return tt_error_set(w->err, -EINVAL, "%s: no symbol %s for function `%s`",
					    w->job->emitted, f->new_symbol, f->name);
		unsigned char e[TT_CDO_FUNC_SIZE] = {0};
		put_u64(e + 8, new_size);
		put_u64(e + 16, f->old_addr);
		put_u64(e + 24, f->old_size);
		put_u64(e + 32, f->sympos);
		tt_buf_add(&w->funcs.data, e, sizeof(e));
		table_rel(&w->funcs, i * TT_CDO_FUNC_SIZE, sym, 0);
		table_string(w, &w->funcs, i * TT_CDO_FUNC_SIZE + TT_CDO_FUNC_NAME_OFF, f->name);
		table_string(w, &w->funcs, i * TT_CDO_FUNC_SIZE + TT_CDO_FUNC_OBJNAME_OFF,
			     w->job->parent);
	}
	return 0;
}

/* Kernels before 5.8 apply these tables late, through .klp.arch sections. */
static void build_arch(struct rewriter *w)
{
	static const char *const arch_tables[] = {".altinstructions", ".parainstructions"};
	for (size_t t = 0; w->job->klp_arch && t < 2; t++)
		for (size_t i = 1; i < w->nsecs; i++) {
			size_t sym = section_symbol(w, i);
			if (strcmp(section_name(w, i), arch_tables[t]) != 0 || sym == SIZE_MAX)
				continue;
			size_t k = w->arch.data.len / TT_CDO_ARCH_SIZE;
			unsigned char e[TT_CDO_ARCH_SIZE] = {0};
			tt_buf_add(&w->arch.data, e, sizeof(e));
			table_rel(&w->arch, k * TT_CDO_ARCH_SIZE, sym, 0);
			table_string(w, &w->arch, k * TT_CDO_ARCH_SIZE + 8, w->job->parent);
		}
}

/* ---- writing ---- */

static Elf_Scn *add_section(Elf *out, const GElf_Shdr *sh, void *buf, size_t size, Elf_Type type)
{
	Elf_Scn *scn = elf_newscn(out);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;
	if (!d)
		return NULL;
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = sh->sh_addralign ? sh->sh_addralign : 1;
	d->d_version = EV_CURRENT;
	GElf_Shdr copy = *sh;
	copy.sh_size = size;
	return gelf_update_shdr(scn, &copy) ? scn : NULL;
}

static uint32_t shstr_add(struct rewriter *w, const char *name)
{
	size_t off = w->shstr.len;
	tt_buf_add(&w->shstr, name, strlen(name) + 1);
	return (uint32_t)off;
}

/* One input section, at the same index, with its rewritten contents where needed. */
static int copy_section(struct rewriter *w, Elf *out, size_t i)
{
	Elf_Scn *scn = elf_getscn(w->in, i);
	GElf_Shdr sh;
	if (!scn || !gelf_getshdr(scn, &sh))
		return libelf_error(w, w->job->emitted, "section header");
	Elf_Data *d = sh.sh_type == SHT_NOBITS ? NULL : elf_getdata(scn, NULL);
	void *buf = d ? d->d_buf : NULL;
	size_t size = sh.sh_type == SHT_NOBITS ? sh.sh_size : (d ? d->d_size : 0);
	Elf_Type type = ELF_T_BYTE;
	if (i == w->symtab_index) {
		buf = w->out_syms, size = w->nout_syms * sizeof(Elf64_Sym), type = ELF_T_SYM;
		sh.sh_info = (uint32_t)w->out_first_global;
	} else if (sh.sh_type == SHT_RELA) {
		buf = w->relas[i], size = w->nrelas[i] * sizeof(Elf64_Rela), type = ELF_T_RELA;
	} else if (i == w->shstrndx) {
		buf = w->shstr.buf, size = w->shstr.len;
	}
	Elf_Scn *o = add_section(out, &sh, buf, size, type);
	if (!o || elf_ndxscn(o) != i)
		return libelf_error(w, w->job->output, section_name(w, i));
	if (sh.sh_type == SHT_NOBITS) {
		Elf_Data *od = elf_getdata(o, NULL);
		od->d_buf = NULL;
	}
	return 0;
}

static int add_table(struct rewriter *w, Elf *out, const char *name, struct table *t,
		     size_t entsize)
{
	GElf_Shdr sh = {.sh_name = shstr_add(w, name),
			.sh_type = SHT_PROGBITS,
			.sh_flags = SHF_ALLOC,
			.sh_addralign = 8,
			.sh_entsize = entsize};
	Elf_Scn *scn = add_section(out, &sh, t->data.buf, t->data.len, ELF_T_BYTE);
	if (!scn)
		return libelf_error(w, w->job->output, name);
	char *rela_name = tt_xasprintf(".rela%s", name);
	GElf_Shdr rsh = {.sh_name = shstr_add(w, rela_name),
			 .sh_type = SHT_RELA,
			 .sh_flags = SHF_INFO_LINK,
			 .sh_addralign = 8,
			 .sh_entsize = sizeof(Elf64_Rela),
			 .sh_link = (uint32_t)w->symtab_index,
			 .sh_info = (uint32_t)elf_ndxscn(scn)};
	scn = add_section(out, &rsh, t->rels, t->nrels * sizeof(Elf64_Rela), ELF_T_RELA);
	free(rela_name);
	return scn ? 0 : libelf_error(w, w->job->output, name);
}

static int add_new_sections(struct rewriter *w, Elf *out)
{
	GElf_Shdr str = {.sh_name = shstr_add(w, ".kpatch.strings"),
			 .sh_type = SHT_PROGBITS,
			 .sh_flags = SHF_ALLOC,
			 .sh_addralign = 1,
			 .sh_entsize = 1};
	if (!add_section(out, &str, w->strings.buf, w->strings.len, ELF_T_BYTE))
		return libelf_error(w, w->job->output, ".kpatch.strings");
	int rc = add_table(w, out, ".kpatch.funcs", &w->funcs, TT_CDO_FUNC_SIZE);
	if (!rc)
		rc = add_table(w, out, ".kpatch.symbols", &w->ksyms, TT_CDO_KSYM_SIZE);
	if (!rc)
		rc = add_table(w, out, ".kpatch.relocations", &w->krelas, TT_CDO_KRELA_SIZE);
	if (!rc && w->job->klp_arch)
		rc = add_table(w, out, ".kpatch.arch", &w->arch, TT_CDO_ARCH_SIZE);
	return rc;
}

static int write_output(struct rewriter *w)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(w->in, &eh))
		return libelf_error(w, w->job->emitted, "ELF header");
	char *tmp = tt_xasprintf("%s.tmp", w->job->output);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return tt_error_set(w->err, -e, "%s: %s", w->job->output, strerror(e));
	}
	Elf *out = elf_begin(fd, ELF_C_WRITE, NULL);
	int rc = 0;
	GElf_Ehdr oh = eh;
	if (!out || !gelf_newehdr(out, ELFCLASS64) || !gelf_update_ehdr(out, &oh))
		rc = libelf_error(w, w->job->output, "ELF header");
	for (size_t i = 1; !rc && i < w->nsecs; i++)
		rc = copy_section(w, out, i);
	if (!rc)
		rc = add_new_sections(w, out);
	/* The section names grew while the new sections were added: update its header last. */
	if (!rc) {
		Elf_Scn *shstr = elf_getscn(out, w->shstrndx);
		Elf_Data *d = shstr ? elf_getdata(shstr, NULL) : NULL;
		GElf_Shdr sh;
		if (!d || !gelf_getshdr(shstr, &sh))
			rc = libelf_error(w, w->job->output, ".shstrtab");
		else {
			d->d_buf = w->shstr.buf, d->d_size = w->shstr.len,
			sh.sh_size = w->shstr.len;
			gelf_update_shdr(shstr, &sh);
		}
	}
	if (!rc && elf_update(out, ELF_C_WRITE) < 0)
		rc = libelf_error(w, w->job->output, "writing");
	if (out)
		elf_end(out);
	close(fd);
	if (!rc && rename(tmp, w->job->output) != 0)
		rc = tt_error_set(w->err, -errno, "%s: %s", w->job->output, strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int read_section_names(struct rewriter *w)
{
	if (elf_getshdrnum(w->in, &w->nsecs) != 0 || elf_getshdrstrndx(w->in, &w->shstrndx) != 0)
		return libelf_error(w, w->job->emitted, "section headers");
	Elf_Data *d = elf_getdata(elf_getscn(w->in, w->shstrndx), NULL);
	if (!d)
		return libelf_error(w, w->job->emitted, ".shstrtab");
	tt_buf_add(&w->shstr, d->d_buf, d->d_size);
	w->first_new_scn = w->nsecs;
	return 0;
}

static int rewrite(struct rewriter *w, struct tt_cdo_result *res)
{
	int rc = read_section_names(w);
	if (!rc)
		rc = read_symbols(w);
	if (!rc)
		rc = resolve_placeholders(w);
	if (rc)
		return rc;
	build_symbols(w);
	rc = rewrite_all_relas(w);
	if (!rc)
		rc = build_funcs(w);
	if (rc)
		return rc;
	build_arch(w);
	res->funcs = w->job->nfuncs;
	res->relocations = w->krelas.data.len / TT_CDO_KRELA_SIZE;
	res->symbols = w->ksyms.data.len / TT_CDO_KSYM_SIZE;
	return write_output(w);
}

static void table_free(struct table *t)
{
	tt_buf_free(&t->data);
	free(t->rels);
}

static void rewriter_free(struct rewriter *w)
{
	for (size_t i = 0; w->placeholders && i < w->nsyms; i++) {
		free(w->placeholders[i].name);
		free(w->placeholders[i].objname);
	}
	for (size_t i = 0; w->relas && i < w->nsecs; i++)
		free(w->relas[i]);
	free(w->relas);
	free(w->nrelas);
	free(w->placeholders);
	free(w->new_index);
	free(w->syms);
	free(w->out_syms);
	tt_buf_free(&w->strings);
	tt_buf_free(&w->shstr);
	table_free(&w->funcs);
	table_free(&w->ksyms);
	table_free(&w->krelas);
	table_free(&w->arch);
}

int cdo_kpatch_write(const struct cdo_kpatch_job *job, struct tt_cdo_result *res,
		     struct tt_error *err)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return tt_error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	int fd = open(job->emitted, O_RDONLY);
	if (fd < 0)
		return tt_error_set(err, -errno, "%s: %s", job->emitted, strerror(errno));
	struct rewriter w = {.job = job, .err = err};
	w.in = elf_begin(fd, ELF_C_READ, NULL);
	int rc = w.in ? rewrite(&w, res) : libelf_error(&w, job->emitted, "reading");
	rewriter_free(&w);
	if (w.in)
		elf_end(w.in);
	close(fd);
	return rc;
}
