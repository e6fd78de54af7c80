// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Livepatch relocations, written after kbuild linked the module.
 *
 * The linker keeps neither SHN_LIVEPATCH symbols nor SHF_RELA_LIVEPATCH
 * sections, so tt_klp_emit() names what the livepatch core must resolve
 * with weak undefined placeholders (modpost and the module loader leave an
 * unresolved weak name alone). Here, in the linked .ko, every relocation
 * against a placeholder moves out of its .rela.X into .klp.rela.OBJ.X
 * (SHT_RELA, SHF_ALLOC | SHF_RELA_LIVEPATCH, sh_info X, sh_link .symtab),
 * and each placeholder becomes `.klp.sym.OBJ.NAME,POS` in SHN_LIVEPATCH:
 * the module ELF format the livepatch core reads
 * (Documentation/livepatch/module-elf-format.rst). The module loader skips
 * those sections; the livepatch core applies them once the object is there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "klp_int.h"

#define SHN_LIVEPATCH	   0xff20
#define SHF_RELA_LIVEPATCH 0x00100000

struct placeholder {
	char *objname; /* the object whose .klp.rela section holds the relocation */
	char *symobj;  /* the object the symbol is looked up in, when another one */
	char *name;
	unsigned long pos;
	bool is_one; /* this symbol is a placeholder */
};

struct ko {
	const char *path;
	Elf *elf;
	Elf_Scn *symtab_scn;
	size_t symtab_index, strtab_index, nsyms, first_global;
	Elf_Data *syms;
	struct placeholder *ph; /* per symbol */
	struct tt_klp_postlink_stats stats;
	struct tt_error *err;
	void **owned; /* buffers handed to libelf, freed after elf_end */
	size_t nowned, cap_owned;
};

static int ko_error(struct ko *k, const char *what)
{
	return tt_error_set(k->err, -EINVAL, "%s: %s", k->path, what);
}

static void *own(struct ko *k, void *p)
{
	if (k->nowned == k->cap_owned) {
		k->cap_owned = k->cap_owned ? k->cap_owned * 2 : 16;
		k->owned = tt_xrealloc(k->owned, k->cap_owned * sizeof(*k->owned));
	}
	k->owned[k->nowned++] = p;
	return p;
}

static int find_symtab(struct ko *k)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(k->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn || sh.sh_entsize != sizeof(Elf64_Sym))
		return ko_error(k, "no symbol table");
	k->symtab_scn = scn;
	k->symtab_index = elf_ndxscn(scn);
	k->strtab_index = sh.sh_link;
	k->first_global = sh.sh_info;
	k->syms = elf_getdata(scn, NULL);
	k->nsyms = k->syms ? k->syms->d_size / sizeof(Elf64_Sym) : 0;
	k->ph = tt_xcalloc(k->nsyms + 1, sizeof(*k->ph));
	for (size_t i = 0; i < k->nsyms; i++) {
		GElf_Sym s;
		if (!gelf_getsym(k->syms, (int)i, &s))
			return ko_error(k, "unreadable symbol");
		const char *name = elf_strptr(k->elf, k->strtab_index, s.st_name);
		struct placeholder *p = &k->ph[i];
		p->is_one = name && s.st_shndx == SHN_UNDEF &&
			    tt_klp_placeholder_parse(name, &p->objname, &p->name, &p->pos);
		char *colon = p->is_one ? strchr(p->objname, ':') : NULL;
		if (colon) {
			p->symobj = tt_xstrdup(colon + 1);
			*colon = '\0';
		}
		/* ELF puts locals first: sh_info is the first global. */
		if ((GELF_ST_BIND(s.st_info) == STB_LOCAL) != (i < k->first_global) && i)
			return tt_error_set(
			    k->err, -EINVAL,
			    "%s: .symtab is not locals-first (symbol %zu, sh_info %zu)", k->path, i,
			    k->first_global);
	}
	return 0;
}

/* Append the .klp.sym names to .strtab and move the placeholders to SHN_LIVEPATCH. */
static int rename_placeholders(struct ko *k)
{
	Elf_Scn *strscn = elf_getscn(k->elf, k->strtab_index);
	Elf_Data *sd = strscn ? elf_getdata(strscn, NULL) : NULL;
	if (!sd)
		return ko_error(k, "no string table");
	struct tt_buf b = {0};
	tt_buf_add(&b, sd->d_buf, sd->d_size);
	for (size_t i = 0; i < k->nsyms; i++) {
		if (!k->ph[i].is_one)
			continue;
		GElf_Sym s;
		gelf_getsym(k->syms, (int)i, &s);
		s.st_name = (uint32_t)b.len;
		tt_buf_addf(&b, ".klp.sym.%s.%s,%lu",
			    k->ph[i].symobj ? k->ph[i].symobj : k->ph[i].objname, k->ph[i].name,
			    k->ph[i].pos);
		tt_buf_addc(&b, '\0');
		s.st_shndx = SHN_LIVEPATCH;
		s.st_info = GELF_ST_INFO(STB_GLOBAL, GELF_ST_TYPE(s.st_info));
		gelf_update_sym(k->syms, (int)i, &s);
		k->stats.symbols++;
	}
	sd->d_size = b.len;
	sd->d_buf = own(k, tt_buf_detach(&b));
	elf_flagdata(sd, ELF_C_SET, ELF_F_DIRTY);
	elf_flagdata(k->syms, ELF_C_SET, ELF_F_DIRTY);
	return 0;
}

static const char *section_name(struct ko *k, size_t index)
{
	size_t shstrndx;
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(k->elf, index);
	if (!scn || !gelf_getshdr(scn, &sh) || elf_getshdrstrndx(k->elf, &shstrndx) != 0)
		return NULL;
	return elf_strptr(k->elf, shstrndx, sh.sh_name);
}

static int add_klp_rela(struct ko *k, const char *objname, size_t target, GElf_Rela *relas,
			size_t n)
{
	const char *tname = section_name(k, target);
	if (!tname)
		return ko_error(k, "relocated section has no name");
	size_t shstrndx;
	elf_getshdrstrndx(k->elf, &shstrndx);
	Elf_Scn *shstr = elf_getscn(k->elf, shstrndx);
	Elf_Data *sd = elf_getdata(shstr, NULL);
	struct tt_buf b = {0};
	tt_buf_add(&b, sd->d_buf, sd->d_size);
	size_t name_off = b.len;
	tt_buf_addf(&b, ".klp.rela.%s.%s", objname, tname);
	tt_buf_addc(&b, '\0');
	sd->d_size = b.len;
	sd->d_buf = own(k, tt_buf_detach(&b));
	elf_flagdata(sd, ELF_C_SET, ELF_F_DIRTY);

	Elf64_Rela *raw = own(k, tt_xcalloc(n, sizeof(*raw)));
	for (size_t i = 0; i < n; i++)
		raw[i] = (Elf64_Rela){relas[i].r_offset, relas[i].r_info, relas[i].r_addend};
	Elf_Scn *scn = elf_newscn(k->elf);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;
	if (!d)
		return tt_error_set(k->err, -EIO, "%s: %s", k->path, elf_errmsg(-1));
	*d = (Elf_Data){.d_buf = raw,
			.d_size = n * sizeof(*raw),
			.d_type = ELF_T_RELA,
			.d_align = 8,
			.d_version = EV_CURRENT};
	GElf_Shdr sh = {.sh_name = name_off,
			.sh_type = SHT_RELA,
			.sh_flags = SHF_ALLOC | SHF_RELA_LIVEPATCH,
			.sh_addralign = 8,
			.sh_entsize = sizeof(Elf64_Rela),
			.sh_link = k->symtab_index,
			.sh_info = target,
			.sh_size = n * sizeof(*raw)};
	if (!gelf_update_shdr(scn, &sh))
		return tt_error_set(k->err, -EIO, "%s: %s", k->path, elf_errmsg(-1));
	k->stats.sections++;
	return 0;
}

/* Split one .rela section: placeholders' entries go to one .klp.rela section per object. */
static int split_rela(struct ko *k, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = d ? d->d_size / sizeof(Elf64_Rela) : 0;
	GElf_Rela *keep = tt_xcalloc(n + 1, sizeof(*keep)),
		  *move = tt_xcalloc(n + 1, sizeof(*move));
	size_t nkeep = 0, nmove = 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		gelf_getrela(d, (int)i, &r);
		size_t sym = GELF_R_SYM(r.r_info);
		if (sym >= k->nsyms) {
			free(keep), free(move);
			return ko_error(k, "relocation names a symbol outside .symtab");
		}
		if (k->ph[sym].is_one)
			move[nmove++] = r;
		else
			keep[nkeep++] = r;
	}
	int rc = 0;
	/* One section per object: the core applies .klp.rela.OBJ.* when OBJ is loaded. */
	for (size_t i = 0; i < nmove && rc == 0; i++) {
		const char *obj = k->ph[GELF_R_SYM(move[i].r_info)].objname;
		bool first = true;
		for (size_t j = 0; j < i; j++)
			if (strcmp(k->ph[GELF_R_SYM(move[j].r_info)].objname, obj) == 0)
				first = false;
		if (!first)
			continue;
		GElf_Rela *group = tt_xcalloc(nmove, sizeof(*group));
		size_t ng = 0;
		for (size_t j = i; j < nmove; j++)
			if (strcmp(k->ph[GELF_R_SYM(move[j].r_info)].objname, obj) == 0)
				group[ng++] = move[j];
		rc = add_klp_rela(k, obj, sh->sh_info, group, ng);
		k->stats.relocations += ng;
		free(group);
	}
	if (nmove && rc == 0) {
		for (size_t i = 0; i < nkeep; i++)
			gelf_update_rela(d, (int)i, &keep[i]);
		d->d_size = nkeep * sizeof(Elf64_Rela);
		elf_flagdata(d, ELF_C_SET, ELF_F_DIRTY);
	}
	free(keep);
	free(move);
	return rc;
}

static int split_all(struct ko *k)
{
	size_t nsec;
	elf_getshdrnum(k->elf, &nsec);
	/* Only the sections present before: the new .klp.rela ones are appended. */
	for (size_t i = 1; i < nsec; i++) {
		Elf_Scn *scn = elf_getscn(k->elf, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    (sh.sh_flags & SHF_RELA_LIVEPATCH))
			continue;
		if (sh.sh_link != k->symtab_index)
			return ko_error(k, "a relocation section uses another symbol table");
		int r = split_rela(k, scn, &sh);
		if (r < 0)
			return r;
	}
	return 0;
}

static int rewrite(struct ko *k)
{
	int r = find_symtab(k);
	if (r < 0)
		return r;
	bool any = false;
	for (size_t i = 0; i < k->nsyms; i++)
		any |= k->ph[i].is_one;
	if (!any)
		return 0; /* nothing to do: no placeholders, or already rewritten */
	if ((r = split_all(k)) < 0 || (r = rename_placeholders(k)) < 0)
		return r;
	if (elf_update(k->elf, ELF_C_WRITE) < 0)
		return tt_error_set(k->err, -EIO, "%s: writing: %s", k->path, elf_errmsg(-1));
	return 0;
}

int tt_klp_postlink_stats(const char *ko_path, struct tt_klp_postlink_stats *stats,
			  struct tt_error *err)
{
	struct ko k = {.path = ko_path, .err = err};
	if (elf_version(EV_CURRENT) == EV_NONE)
		return tt_error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	int fd = open(ko_path, O_RDWR);
	if (fd < 0)
		return tt_error_set(err, -errno, "%s: %s", ko_path, strerror(errno));
	k.elf = elf_begin(fd, ELF_C_RDWR, NULL);
	GElf_Ehdr eh;
	int r;
	if (!k.elf || !gelf_getehdr(k.elf, &eh))
		r = tt_error_set(err, -EINVAL, "%s: not an ELF file", ko_path);
	else if (eh.e_type != ET_REL || eh.e_machine != EM_X86_64 ||
		 eh.e_ident[EI_CLASS] != ELFCLASS64)
		r = tt_error_set(err, -EINVAL, "%s: not an x86_64 kernel module (.ko)", ko_path);
	else
		r = rewrite(&k);
	if (k.elf)
		elf_end(k.elf);
	close(fd);
	for (size_t i = 0; i < k.nsyms; i++) {
		free(k.ph[i].objname);
		free(k.ph[i].symobj);
		free(k.ph[i].name);
	}
	free(k.ph);
	for (size_t i = 0; i < k.nowned; i++)
		free(k.owned[i]);
	free(k.owned);
	if (stats)
		*stats = k.stats;
	return r;
}

int tt_klp_postlink(const char *ko_path, struct tt_error *err)
{
	return tt_klp_postlink_stats(ko_path, NULL, err);
}
