// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The livepatch object on disk, written with libelf: the copied sections,
 * one .rela section each where needed, a symbol table with the locals
 * first (section symbols, then the copied symbols) and the globals after
 * (aliases, undefined names), and the string tables. libelf lays the file
 * out; nothing here computes an offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit_int.h"

struct strtab {
	struct tt_buf b;
};

static size_t str_add(struct strtab *t, const char *s)
{
	if (t->b.len == 0)
		tt_buf_addc(&t->b, '\0');
	size_t off = t->b.len;
	tt_buf_add(&t->b, s, strlen(s) + 1);
	return off;
}

struct writer {
	const struct emitter *e;
	Elf *elf;
	struct strtab shstr, str;
	Elf64_Sym *syms;
	size_t nsyms, first_global;
	Elf64_Rela **relas; /* per output section */
	size_t symtab_index;
	struct tt_error *err;
	const char *path;
};

static int libelf_error(struct writer *w, const char *what)
{
	return tt_error_set(w->err, -EIO, "%s: %s: %s", w->path, what, elf_errmsg(-1));
}

static Elf_Scn *new_section(struct writer *w, const char *name, GElf_Shdr *sh, void *buf,
			    size_t size, Elf_Type type)
{
	Elf_Scn *scn = elf_newscn(w->elf);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;
	if (!d)
		return NULL;
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = sh->sh_addralign ? sh->sh_addralign : 1;
	d->d_version = EV_CURRENT;
	sh->sh_name = str_add(&w->shstr, name);
	sh->sh_size = size;
	if (!gelf_update_shdr(scn, sh))
		return NULL;
	return scn;
}

/* Locals first, as ELF requires: section symbols, copied symbols; then the globals. */
static void build_symbols(struct writer *w)
{
	const struct emitter *e = w->e;
	w->syms = tt_xcalloc(1 + e->nsecs + e->nsyms, sizeof(*w->syms));
	w->nsyms = 1;
	for (size_t i = 0; i < e->nsecs; i++) {
		e->secs[i]->symindex = w->nsyms;
		w->syms[w->nsyms++] = (Elf64_Sym){.st_info = ELF64_ST_INFO(STB_LOCAL, STT_SECTION),
						  .st_shndx = (uint16_t)e->secs[i]->index};
	}
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			w->first_global = w->nsyms;
		for (size_t i = 0; i < e->nsyms; i++) {
			struct out_sym *s = &e->syms[i];
			if ((s->bind == STB_LOCAL) != (pass == 0))
				continue;
			s->index = w->nsyms;
			w->syms[w->nsyms++] =
			    (Elf64_Sym){.st_name = (uint32_t)str_add(&w->str, s->name),
					.st_info = ELF64_ST_INFO(s->bind, s->type),
					.st_shndx = s->sec ? (uint16_t)s->sec->index : SHN_UNDEF,
					.st_value = s->value,
					.st_size = s->size};
		}
	}
}

static int write_content_sections(struct writer *w)
{
	const struct emitter *e = w->e;
	for (size_t i = 0; i < e->nsecs; i++) {
		struct out_sec *s = e->secs[i];
		GElf_Shdr sh = {.sh_type = s->type,
				.sh_flags = s->flags,
				.sh_addralign = s->align,
				.sh_entsize = s->entsize};
		void *buf = s->type == SHT_NOBITS ? NULL : s->data.buf;
		Elf_Scn *scn = new_section(w, s->name, &sh, buf, s->size, ELF_T_BYTE);
		if (!scn)
			return libelf_error(w, s->name);
		s->index = elf_ndxscn(scn);
	}
	return 0;
}

static int write_rela_sections(struct writer *w)
{
	const struct emitter *e = w->e;
	w->relas = tt_xcalloc(e->nsecs + 1, sizeof(*w->relas));
	for (size_t i = 0; i < e->nsecs; i++) {
		struct out_sec *s = e->secs[i];
		if (!s->nrels)
			continue;
		Elf64_Rela *r = w->relas[i] = tt_xcalloc(s->nrels, sizeof(*r));
		for (size_t j = 0; j < s->nrels; j++) {
			const struct out_rel *o = &s->rels[j];
			size_t sym = o->sec ? o->sec->symindex : e->syms[o->sym].index;
			r[j] = (Elf64_Rela){o->offset, ELF64_R_INFO(sym, o->type), o->addend};
		}
		char *name = tt_xasprintf(".rela%s", s->name);
		GElf_Shdr sh = {.sh_type = SHT_RELA,
				.sh_flags = SHF_INFO_LINK,
				.sh_addralign = 8,
				.sh_entsize = sizeof(Elf64_Rela),
				.sh_link = w->symtab_index,
				.sh_info = s->index};
		Elf_Scn *scn = new_section(w, name, &sh, r, s->nrels * sizeof(*r), ELF_T_RELA);
		free(name);
		if (!scn)
			return libelf_error(w, "relocation section");
	}
	return 0;
}

static int write_tables(struct writer *w)
{
	/* ld warns about an executable stack without this note. */
	GElf_Shdr note = {.sh_type = SHT_PROGBITS, .sh_addralign = 1};
	if (!new_section(w, ".note.GNU-stack", &note, NULL, 0, ELF_T_BYTE))
		return libelf_error(w, ".note.GNU-stack");
	size_t strtab_index = w->symtab_index + 1;
	GElf_Shdr sym = {.sh_type = SHT_SYMTAB,
			 .sh_addralign = 8,
			 .sh_entsize = sizeof(Elf64_Sym),
			 .sh_link = strtab_index,
			 .sh_info = w->first_global};
	Elf_Scn *scn =
	    new_section(w, ".symtab", &sym, w->syms, w->nsyms * sizeof(Elf64_Sym), ELF_T_SYM);
	if (!scn || elf_ndxscn(scn) != w->symtab_index)
		return libelf_error(w, ".symtab");
	GElf_Shdr str = {.sh_type = SHT_STRTAB, .sh_addralign = 1};
	if (!new_section(w, ".strtab", &str, w->str.b.buf, w->str.b.len, ELF_T_BYTE))
		return libelf_error(w, ".strtab");
	GElf_Shdr shstr = {.sh_type = SHT_STRTAB, .sh_addralign = 1};
	Elf_Scn *s = new_section(w, ".shstrtab", &shstr, NULL, 0, ELF_T_BYTE);
	if (!s)
		return libelf_error(w, ".shstrtab");
	/* Its own name is in it now: the table is complete, hand it over. */
	GElf_Shdr sh;
	gelf_getshdr(s, &sh);
	Elf_Data *d = elf_getdata(s, NULL);
	d->d_buf = w->shstr.b.buf;
	d->d_size = w->shstr.b.len;
	sh.sh_size = w->shstr.b.len;
	GElf_Ehdr eh;
	if (!gelf_update_shdr(s, &sh) || !gelf_getehdr(w->elf, &eh))
		return libelf_error(w, ".shstrtab");
	eh.e_shstrndx =
	    (uint16_t)elf_ndxscn(s); /* far below SHN_LORESERVE: a handful of sections */
	if (!gelf_update_ehdr(w->elf, &eh))
		return libelf_error(w, "ELF header");
	return 0;
}

static size_t count_rela_sections(const struct emitter *e)
{
	size_t n = 0;
	for (size_t i = 0; i < e->nsecs; i++)
		n += e->secs[i]->nrels > 0;
	return n;
}

static int write_elf(struct writer *w, int fd)
{
	w->elf = elf_begin(fd, ELF_C_WRITE, NULL);
	GElf_Ehdr eh;
	if (!w->elf || !gelf_newehdr(w->elf, ELFCLASS64) || !gelf_getehdr(w->elf, &eh))
		return libelf_error(w, "ELF header");
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	if (!gelf_update_ehdr(w->elf, &eh))
		return libelf_error(w, "ELF header");
	int r = write_content_sections(w);
	if (r < 0)
		return r;
	/* Section indices are known now: the symbols can name them. */
	build_symbols(w);
	w->symtab_index = 1 + w->e->nsecs + count_rela_sections(w->e) + 1;
	if ((r = write_rela_sections(w)) < 0 || (r = write_tables(w)) < 0)
		return r;
	if (elf_update(w->elf, ELF_C_WRITE) < 0)
		return libelf_error(w, "writing");
	return 0;
}

int emit_write(const struct emitter *e, const char *path, struct tt_error *err)
{
	struct writer w = {.e = e, .err = err, .path = path};
	if (elf_version(EV_CURRENT) == EV_NONE)
		return tt_error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	char *tmp = tt_xasprintf("%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int r = fd < 0 ? tt_error_set(err, -errno, "%s: %s", tmp, strerror(errno)) : 0;
	if (r == 0)
		r = write_elf(&w, fd);
	if (w.elf)
		elf_end(w.elf);
	if (fd >= 0 && close(fd) != 0 && r == 0)
		r = tt_error_set(err, -EIO, "%s: %s", tmp, strerror(errno));
	if (r == 0 && rename(tmp, path) != 0)
		r = tt_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (r < 0 && fd >= 0)
		unlink(tmp);
	free(tmp);
	for (size_t i = 0; w.relas && i < e->nsecs; i++)
		free(w.relas[i]);
	free(w.relas);
	free(w.syms);
	tt_buf_free(&w.shstr.b);
	tt_buf_free(&w.str.b);
	return r;
}
