// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ELF model: sections, symbols and relocations of one relocatable
 * x86_64 object, read with libelf and indexed by name in hash tables.
 *
 * Input may be anything (a truncated file, a fuzzer's bytes): every index
 * read from the file (sh_link, sh_info, st_shndx, r_sym) is checked before
 * use, and a malformed object is refused with -EINVAL rather than trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "klp_int.h"
#include "tuxtape/util.h"

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void sym_hash_build(struct kelf *k)
{
	k->hash_cap = 16;
	while (k->hash_cap < k->nsyms * 2)
		k->hash_cap <<= 1;
	k->hash = tt_xcalloc(k->hash_cap, sizeof(*k->hash));
	/* Insert backwards so each chain lists same-named symbols in table order. */
	for (size_t i = k->nsyms; i-- > 0;) {
		struct kelf_sym *s = &k->syms[i];
		size_t b = name_hash(s->name) & (k->hash_cap - 1);
		s->hnext = k->hash[b];
		k->hash[b] = s;
	}
}

struct kelf_sym *kelf_sym_next(struct kelf_sym *s)
{
	for (struct kelf_sym *o = s->hnext; o; o = o->hnext)
		if (strcmp(o->name, s->name) == 0)
			return o;
	return NULL;
}

struct kelf_sym *kelf_sym_find(const struct kelf *k, const char *name)
{
	if (!k->hash)
		return NULL;
	for (struct kelf_sym *s = k->hash[name_hash(name) & (k->hash_cap - 1)]; s; s = s->hnext)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static void sec_hash_build(struct kelf *k)
{
	k->sec_hash_cap = 16;
	while (k->sec_hash_cap < k->nsecs * 2)
		k->sec_hash_cap <<= 1;
	k->sec_hash = tt_xcalloc(k->sec_hash_cap, sizeof(*k->sec_hash));
	for (size_t i = 0; i < k->nsecs; i++) {
		size_t b = name_hash(k->secs[i].name) & (k->sec_hash_cap - 1);
		while (k->sec_hash[b])
			b = (b + 1) & (k->sec_hash_cap - 1);
		k->sec_hash[b] = &k->secs[i];
	}
}

struct kelf_sec *kelf_sec_find(const struct kelf *k, const char *name)
{
	if (!k->sec_hash)
		return NULL;
	for (size_t b = name_hash(name) & (k->sec_hash_cap - 1); k->sec_hash[b];
	     b = (b + 1) & (k->sec_hash_cap - 1))
		if (strcmp(k->sec_hash[b]->name, name) == 0)
			return k->sec_hash[b];
	return NULL;
}

bool kelf_sym_is_func(const struct kelf_sym *s)
{
	return s->type == STT_FUNC && s->sec;
}

bool kelf_sym_is_data(const struct kelf_sym *s)
{
	return s->type == STT_OBJECT && s->sec;
}

bool kelf_rel_is_pcrel(uint32_t type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 || type == R_X86_64_GOTPCREL ||
	       type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX;
}

unsigned kelf_rel_width(uint32_t type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_32:
	case R_X86_64_32S:
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		return 4;
	case R_X86_64_16:
	case R_X86_64_PC16:
		return 2;
	case R_X86_64_8:
	case R_X86_64_PC8:
		return 1;
	default:
		return 0;
	}
}

static int bad(struct kelf *k, struct tt_error *err, const char *what)
{
	return tt_error_set(err, -EINVAL, "%s: malformed ELF object: %s", k->name, what);
}

static int read_header(struct kelf *k, struct tt_error *err)
{
	GElf_Ehdr eh;
	if (elf_kind(k->elf) != ELF_K_ELF || !gelf_getehdr(k->elf, &eh))
		return tt_error_set(err, -EINVAL, "%s: not an ELF file", k->name);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
		return tt_error_set(err, -EINVAL, "%s: not an x86_64 ELF64 object (machine %u)",
				    k->name, eh.e_machine);
	if (eh.e_type != ET_REL)
		return tt_error_set(
		    err, -EINVAL, "%s: not a relocatable object (.o): ELF type %u; compile with -c",
		    k->name, eh.e_type);
	return 0;
}

static int read_sections(struct kelf *k, struct tt_error *err)
{
	size_t n, shstrndx;
	if (elf_getshdrnum(k->elf, &n) != 0 || elf_getshdrstrndx(k->elf, &shstrndx) != 0)
		return bad(k, err, "no section header table");
	k->secs = tt_xcalloc(n ? n : 1, sizeof(*k->secs));
	k->nsecs = n;
	for (size_t i = 0; i < n; i++) {
		struct kelf_sec *s = &k->secs[i];
		Elf_Scn *scn = elf_getscn(k->elf, i);
		s->index = i;
		s->name = "";
		if (!scn || !gelf_getshdr(scn, &s->sh))
			return bad(k, err, "unreadable section header");
		const char *nm = elf_strptr(k->elf, shstrndx, s->sh.sh_name);
		s->name = nm ? nm : "";
		s->size = s->sh.sh_size;
		if (s->sh.sh_type == SHT_NOBITS || i == 0)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d && s->sh.sh_size)
			return tt_error_set(err, -EINVAL, "%s: section %s: unreadable data",
					    k->name, s->name);
		if (d && d->d_size != s->sh.sh_size)
			return tt_error_set(err, -EINVAL, "%s: section %s: size mismatch", k->name,
					    s->name);
		s->data = d ? d->d_buf : NULL;
	}
	return 0;
}

static struct kelf_sec *find_symtab(struct kelf *k)
{
	for (size_t i = 0; i < k->nsecs; i++)
		if (k->secs[i].sh.sh_type == SHT_SYMTAB)
			return &k->secs[i];
	return NULL;
}

static void fill_sym(struct kelf *k, struct kelf_sym *s, size_t strndx)
{
	s->bind = GELF_ST_BIND(s->st.st_info);
	s->type = GELF_ST_TYPE(s->st.st_info);
	const char *nm = elf_strptr(k->elf, strndx, s->st.st_name);
	s->name = nm ? nm : "";
	uint16_t shndx = s->st.st_shndx;
	if (shndx != SHN_UNDEF && shndx < SHN_LORESERVE && shndx < k->nsecs)
		s->sec = &k->secs[shndx];
	/* Section symbols are unnamed in GCC output; give them the section's name. */
	if (s->type == STT_SECTION && s->sec) {
		s->name = s->sec->name;
		if (!s->sec->secsym)
			s->sec->secsym = s;
	}
	kelf_name_parse(s->name, s->type, s->bind, &s->n);
}

static int read_symbols(struct kelf *k, struct tt_error *err)
{
	struct kelf_sec *st = find_symtab(k);
	if (!st) /* a compiler's object always has one; without it nothing can be paired */
		return tt_error_set(err, -EINVAL, "%s: no symbol table (stripped, or truncated)",
				    k->name);
	if (st->sh.sh_entsize != sizeof(Elf64_Sym) || st->sh.sh_link >= k->nsecs ||
	    k->secs[st->sh.sh_link].sh.sh_type != SHT_STRTAB)
		return bad(k, err, ".symtab has a bad entry size or string table link");
	Elf_Data *d = elf_getdata(elf_getscn(k->elf, st->index), NULL);
	size_t n = d ? d->d_size / sizeof(Elf64_Sym) : 0;
	k->syms = tt_xcalloc(n ? n : 1, sizeof(*k->syms));
	k->nsyms = n;
	for (size_t i = 0; i < n; i++) {
		struct kelf_sym *s = &k->syms[i];
		s->index = i;
		if (!gelf_getsym(d, (int)i, &s->st))
			return bad(k, err, "unreadable symbol");
		fill_sym(k, s, st->sh.sh_link);
	}
	return 0;
}

static int sym_by_offset(const void *pa, const void *pb)
{
	const struct kelf_sym *a = *(struct kelf_sym *const *)pa,
			      *b = *(struct kelf_sym *const *)pb;
	if (a->st.st_value != b->st.st_value)
		return a->st.st_value < b->st.st_value ? -1 : 1;
	/* At equal offsets prefer typed, sized symbols (a FUNC over a NOTYPE label). */
	if ((a->type == STT_NOTYPE) != (b->type == STT_NOTYPE))
		return a->type == STT_NOTYPE ? 1 : -1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void index_section_symbols(struct kelf *k)
{
	for (size_t i = 0; i < k->nsyms; i++) {
		struct kelf_sym *s = &k->syms[i];
		if (s->sec && s->type != STT_SECTION && s->type != STT_FILE && *s->name)
			s->sec->nsyms++;
	}
	for (size_t i = 0; i < k->nsecs; i++) {
		k->secs[i].syms = tt_xcalloc(k->secs[i].nsyms + 1, sizeof(struct kelf_sym *));
		k->secs[i].nsyms = 0;
	}
	for (size_t i = 0; i < k->nsyms; i++) {
		struct kelf_sym *s = &k->syms[i];
		if (s->sec && s->type != STT_SECTION && s->type != STT_FILE && *s->name)
			s->sec->syms[s->sec->nsyms++] = s;
	}
	for (size_t i = 0; i < k->nsecs; i++)
		qsort(k->secs[i].syms, k->secs[i].nsyms, sizeof(struct kelf_sym *), sym_by_offset);
}

struct kelf_sym *kelf_sec_sym_at(const struct kelf_sec *sec, int64_t off)
{
	if (off < 0)
		return NULL;
	uint64_t u = (uint64_t)off;
	for (size_t i = sec->nsyms; i-- > 0;) {
		const struct kelf_sym *s = sec->syms[i];
		uint64_t v = s->st.st_value;
		if (v <= u && (u - v < s->st.st_size || u == v))
			return (struct kelf_sym *)s;
	}
	return NULL;
}

/*
 * Length of the immediate that follows a RIP-relative disp32 at off in code,
 * read from the opcode: `addl $1, x(%rip)` is 83 05 disp32 imm8. Only the
 * opcodes that take an immediate with a ModRM operand need listing.
 */
static int64_t trailing_imm(const unsigned char *p, uint64_t off)
{
	if (off < 2 || (p[off - 1] & 0xc7) != 0x05) /* ModRM mod=00 rm=101: RIP-relative */
		return 0;
	unsigned char op = p[off - 2], reg = (p[off - 1] >> 3) & 7;
	bool two_byte = off >= 3 && p[off - 3] == 0x0f;
	bool opsize16 =
	    off >= 3 &&
	    (p[off - 3] == 0x66 || (off >= 4 && p[off - 4] == 0x66 && (p[off - 3] & 0xf0) == 0x40));
	if (two_byte)
		return op == 0xba || op == 0xa4 || op == 0xac || op == 0x70 || op == 0xc2 ||
		       op == 0xc4 || op == 0xc5 || op == 0xc6;
	if (op == 0x80 || op == 0x82 || op == 0x83 || op == 0xc6 || op == 0xc0 || op == 0xc1 ||
	    op == 0x6b || (op == 0xf6 && reg <= 1))
		return 1;
	if (op == 0x81 || op == 0xc7 || op == 0x69 || (op == 0xf7 && reg <= 1))
		return opsize16 ? 2 : 4;
	return 0;
}

/*
 * x86_64 PC-relative fields hold S + A - P, where P is the field itself.
 * In code the CPU adds the address of the next instruction, so GCC puts
 * -4 (the field's width) into A, or -5, -8 when an immediate follows the
 * field: the byte referenced is A + 4 + that immediate's length. In data
 * (`.long sym - .` in __bug_table) A is the offset itself.
 */
static void resolve_target(struct kelf_sec *base, struct kelf_rel *r)
{
	/* Unsigned arithmetic: a hostile addend near INT64_MAX must wrap, not overflow. */
	uint64_t uoff = (uint64_t)r->addend;
	if (kelf_rel_is_pcrel(r->type) && (base->sh.sh_flags & SHF_EXECINSTR) && base->data &&
	    kelf_rel_width(r->type) == 4)
		uoff += 4 + (uint64_t)trailing_imm(base->data, r->offset);
	int64_t off = (int64_t)uoff;
	r->target = r->sym;
	r->target_off = off;
	if (!r->sym || r->sym->type != STT_SECTION || !r->sym->sec)
		return;
	struct kelf_sec *sec = r->sym->sec;
	struct kelf_sym *cov = kelf_sec_sym_at(sec, off);
	if (cov) {
		r->target = cov;
		r->target_off = (int64_t)((uint64_t)off - cov->st.st_value);
	}
}

static int rel_by_offset(const void *pa, const void *pb)
{
	const struct kelf_rel *a = pa, *b = pb;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static int read_rela(struct kelf *k, struct kelf_sec *rs, struct tt_error *err)
{
	if (rs->sh.sh_info == 0 || rs->sh.sh_info >= k->nsecs ||
	    rs->sh.sh_entsize != sizeof(Elf64_Rela))
		return tt_error_set(err, -EINVAL, "%s: %s: bad target section or entry size",
				    k->name, rs->name);
	struct kelf_sec *base = &k->secs[rs->sh.sh_info];
	if (base->rela)
		return tt_error_set(err, -EINVAL, "%s: %s: second relocation section for %s",
				    k->name, rs->name, base->name);
	base->rela = rs;
	rs->base = base;
	Elf_Data *d = elf_getdata(elf_getscn(k->elf, rs->index), NULL);
	size_t n = d ? d->d_size / sizeof(Elf64_Rela) : 0;
	base->rels = tt_xcalloc(n ? n : 1, sizeof(*base->rels));
	for (size_t i = 0; i < n; i++) {
		GElf_Rela ra;
		if (!gelf_getrela(d, (int)i, &ra))
			return bad(k, err, "unreadable relocation");
		struct kelf_rel *r = &base->rels[base->nrels++];
		size_t si = GELF_R_SYM(ra.r_info);
		if (si >= k->nsyms)
			return tt_error_set(err, -EINVAL,
					    "%s: %s: relocation %zu names symbol %zu of %zu",
					    k->name, rs->name, i, si, k->nsyms);
		r->offset = ra.r_offset;
		r->type = GELF_R_TYPE(ra.r_info);
		r->addend = ra.r_addend;
		r->sym = &k->syms[si];
		if (base->sh.sh_type != SHT_NOBITS &&
		    (r->offset > base->size || base->size - r->offset < kelf_rel_width(r->type)))
			return tt_error_set(err, -EINVAL, "%s: %s: relocation at 0x%llx outside %s",
					    k->name, rs->name, (unsigned long long)r->offset,
					    base->name);
		resolve_target(base, r);
	}
	qsort(base->rels, base->nrels, sizeof(*base->rels), rel_by_offset);
	return 0;
}

static int read_relocations(struct kelf *k, struct tt_error *err)
{
	for (size_t i = 0; i < k->nsecs; i++) {
		if (k->secs[i].sh.sh_type == SHT_REL)
			return tt_error_set(err, -EINVAL,
					    "%s: %s: REL relocations (x86_64 uses RELA)", k->name,
					    k->secs[i].name);
		if (k->secs[i].sh.sh_type != SHT_RELA)
			continue;
		int r = read_rela(k, &k->secs[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int load(struct kelf *k, struct tt_error *err)
{
	int r;
	if ((r = read_header(k, err)) < 0 || (r = read_sections(k, err)) < 0 ||
	    (r = read_symbols(k, err)) < 0)
		return r;
	index_section_symbols(k);
	if ((r = read_relocations(k, err)) < 0)
		return r;
	sym_hash_build(k);
	sec_hash_build(k);
	return 0;
}

int tt_elf_open_memory(const void *data, size_t len, const char *name, struct tt_elf **out,
		       struct tt_error *err)
{
	*out = NULL;
	struct kelf *k = tt_xcalloc(1, sizeof(*k));
	k->name = tt_xstrdup(name ? name : "(memory)");
	if (elf_version(EV_CURRENT) == EV_NONE) {
		tt_elf_close((struct tt_elf *)k);
		return tt_error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	}
	/* libelf takes a non-const pointer but does not write to ELF_C_READ memory. */
	k->elf = elf_memory((char *)data, len);
	if (!k->elf) {
		int r =
		    tt_error_set(err, -EINVAL, "%s: not an ELF file: %s", k->name, elf_errmsg(-1));
		tt_elf_close((struct tt_elf *)k);
		return r;
	}
	int r = load(k, err);
	if (r < 0) {
		tt_elf_close((struct tt_elf *)k);
		return r;
	}
	*out = (struct tt_elf *)k;
	return 0;
}

int tt_elf_open(const char *path, struct tt_elf **out, struct tt_error *err)
{
	char *data;
	size_t len;
	*out = NULL;
	int r = tt_read_file(path, &data, &len, err);
	if (r < 0)
		return r;
	r = tt_elf_open_memory(data, len, path, out, err);
	if (r < 0) {
		free(data);
		return r;
	}
	kelf(*out)->owned_data = data;
	return 0;
}

void tt_elf_close(struct tt_elf *e)
{
	struct kelf *k = kelf(e);
	if (!k)
		return;
	for (size_t i = 0; i < k->nsyms; i++) {
		kelf_name_free(&k->syms[i].n);
		free(k->syms[i].reason);
	}
	for (size_t i = 0; i < k->nsecs; i++) {
		free(k->secs[i].rels);
		free(k->secs[i].syms);
	}
	free(k->syms);
	free(k->secs);
	free(k->hash);
	free(k->sec_hash);
	if (k->elf)
		elf_end(k->elf);
	free(k->owned_data);
	free(k->name);
	free(k);
}

const char *tt_elf_name(const struct tt_elf *e)
{
	return kelf(e)->name;
}

size_t tt_elf_section_count(const struct tt_elf *e)
{
	return kelf(e)->nsecs;
}

size_t tt_elf_symbol_count(const struct tt_elf *e)
{
	return kelf(e)->nsyms;
}

int tt_elf_symbol_find(const struct tt_elf *e, const char *name, size_t index,
		       struct tt_elf_symbol_info *out)
{
	struct kelf_sym *s = kelf_sym_find(kelf(e), name);
	while (s && index--)
		s = kelf_sym_next(s);
	if (!s)
		return -ENOENT;
	*out = (struct tt_elf_symbol_info){
	    s->name, s->sec ? s->sec->name : NULL, s->st.st_value, s->st.st_size, s->bind, s->type};
	return 0;
}

static int reloc_section(const struct tt_elf *e, const char *section, struct kelf_sec **out,
			 struct tt_error *err)
{
	*out = kelf_sec_find(kelf(e), section);
	if (!*out)
		return tt_error_set(err, -ENOENT, "%s: no section %s", kelf(e)->name, section);
	return 0;
}

int tt_elf_reloc_count(const struct tt_elf *e, const char *section, size_t *n, struct tt_error *err)
{
	struct kelf_sec *s;
	int r = reloc_section(e, section, &s, err);
	*n = r < 0 ? 0 : s->nrels;
	return r;
}

int tt_elf_reloc_get(const struct tt_elf *e, const char *section, size_t i,
		     struct tt_elf_reloc_info *out, struct tt_error *err)
{
	struct kelf_sec *s;
	int r = reloc_section(e, section, &s, err);
	if (r < 0)
		return r;
	if (i >= s->nrels)
		return tt_error_set(err, -ERANGE, "%s: %s has %zu relocations, not %zu",
				    kelf(e)->name, section, s->nrels, i + 1);
	const struct kelf_rel *rl = &s->rels[i];
	*out = (struct tt_elf_reloc_info){rl->offset,	 rl->type,	   rl->addend,
					  rl->sym->name, rl->target->name, rl->target_off};
	return 0;
}
