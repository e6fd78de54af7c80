// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Special sections: tables the kernel walks at boot or module load
 * (__bug_table, __jump_table, .altinstructions, ...), whose entries point
 * into functions. One row per section says how big an entry is and where a
 * __LINE__ field sits, so supporting a new section is one row here.
 *
 * Entry sizes are those of Linux 6.1 x86_64 (Debian 12's kernel); a kernel
 * that changes a layout needs its own row.
 */
#include <stdlib.h>
#include <string.h>

#include "klp_int.h"
#include "tuxtape/util.h"

static const struct klp_special specials[] = {
    /* struct bug_entry with relative pointers and BUGVERBOSE: addr, file, line, flags. */
    {"__bug_table", 12, 8, true},
    {"__jump_table", 16, -1, true},
    {"__ex_table", 12, -1, true},
    {".altinstructions", 12, -1, true},
    {".altinstr_replacement", 0, -1, true},
    {".smp_locks", 4, -1, true},
    {".parainstructions", 16, -1, true},
    {"__mcount_loc", 8, -1, true},
    {"__patchable_function_entries", 8, -1, true},
    {".static_call_sites", 8, -1, true},
    {".retpoline_sites", 4, -1, true},
    {".return_sites", 4, -1, true},
    {".call_sites", 4, -1, true},
    {".ibt_endbr_seal", 4, -1, true},
    {".orc_unwind_ip", 4, -1, true},
    {".orc_unwind", 6, -1, true},
    /* struct _ddebug (pr_debug descriptors): 4 pointers, then lineno:18 at 32. */
    {"__dyndbg", 56, 32, true},
    /* Registered once at boot or load: a changed function in them would never be re-run. */
    {"__param", 0, -1, false},
    {".initcall", 0, -1, false},
    {"__tracepoints", 0, -1, false},
    {"__ksymtab", 0, -1, true},
};

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Rows that name a family: .initcall6.init, ___ksymtab+foo, ___ksymtab_gpl+foo. */
static bool row_matches(const char *row, const char *secname)
{
	if (strcmp(row, ".initcall") == 0)
		return starts_with(secname, ".initcall");
	if (strcmp(row, "__ksymtab") == 0)
		return starts_with(secname, "__ksymtab") || starts_with(secname, "___ksymtab");
	return strcmp(row, secname) == 0;
}

const struct klp_special *klp_special_find(const char *secname)
{
	for (size_t i = 0; i < sizeof(specials) / sizeof(*specials); i++)
		if (row_matches(specials[i].name, secname))
			return &specials[i];
	return NULL;
}

/* Sections that are code or data in their own right, or carry nothing to patch. */
bool klp_section_is_ignored(const char *s)
{
	static const char *const prefixes[] = {
	    ".text",	 ".data",    ".rodata",	       ".bss",	    ".init.",
	    ".exit.",	 ".ref.",    ".debug",	       ".note",	    ".comment",
	    ".eh_frame", ".discard", ".modinfo",       ".gnu",	    ".llvm",
	    ".symtab",	 ".strtab",  ".shstrtab",      ".group",    ".rela",
	    ".tbss",	 ".tdata",   ".export_symbol", "__kcrctab", "__ksymtab_strings",
	    ".BTF"};
	if (!*s)
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (starts_with(s, prefixes[i]))
			return true;
	return false;
}

static bool entry_of(const struct kelf_rel *r, const struct kelf_sym *f)
{
	return r->target == f || (r->sym->type == STT_SECTION && r->sym->sec == f->sec &&
				  kelf_sec_sym_at(f->sec, r->target_off) == f);
}

/* Offsets of the entries of sec that point into function f, in order (caller frees). */
static size_t entries_for(const struct kelf_sec *sec, size_t esize, const struct kelf_sym *f,
			  uint64_t **out)
{
	size_t n = 0;
	*out = tt_xcalloc(sec->nrels + 1, sizeof(**out));
	for (size_t i = 0; i < sec->nrels; i++) {
		uint64_t start = sec->rels[i].offset / esize * esize;
		if (entry_of(&sec->rels[i], f) && (n == 0 || (*out)[n - 1] != start))
			(*out)[n++] = start;
	}
	return n;
}

static const struct kelf_rel *rel_at(const struct kelf_sec *sec, uint64_t off)
{
	for (size_t i = 0; i < sec->nrels; i++)
		if (sec->rels[i].offset == off)
			return &sec->rels[i];
	return NULL;
}

/* Compare one entry: relocations by target, other bytes except the line field. */
static int entry_cmp(const struct kelf_sec *sa, uint64_t ea, const struct kelf_sec *sb, uint64_t eb,
		     const struct klp_special *sp)
{
	bool line = false;
	for (size_t i = 0; i < sp->entry_size; i++) {
		const struct kelf_rel *ra = rel_at(sa, ea + i), *rb = rel_at(sb, eb + i);
		if (!ra != !rb)
			return 2;
		if (ra) {
			if (ra->type != rb->type || !klp_rel_targets_equal(ra, rb))
				return 2;
			i += kelf_rel_width(ra->type) ? kelf_rel_width(ra->type) - 1 : 0;
			continue;
		}
		if (!sa->data || !sb->data || sa->data[ea + i] == sb->data[eb + i])
			continue;
		if (sp->line_off >= 0 && i >= (size_t)sp->line_off && i < (size_t)sp->line_off + 2)
			line = true;
		else
			return 2;
	}
	return line;
}

static void compare_one(const struct klp_special *sp, const struct kelf_sec *sa,
			const struct kelf_sym *a, const struct kelf_sec *sb,
			const struct kelf_sym *b, struct klp_cmp *out)
{
	uint64_t *ea, *eb;
	size_t na = entries_for(sa, sp->entry_size, a, &ea),
	       nb = entries_for(sb, sp->entry_size, b, &eb);
	if (na != nb) {
		out->changed = true;
		if (!out->why)
			out->why = tt_xasprintf("%s: %zu entries, was %zu", sp->name, nb, na);
	}
	for (size_t i = 0; i < na && i < nb && !out->changed; i++) {
		if (ea[i] + sp->entry_size > sa->size || eb[i] + sp->entry_size > sb->size)
			continue;
		int c = entry_cmp(sa, ea[i], sb, eb[i], sp);
		if (c == 2) {
			out->changed = true;
			out->why = tt_xasprintf("%s entry %zu differs", sp->name, i);
		} else if (c == 1 && !out->line_only) {
			out->line_only = true;
			free(out->why);
			out->why =
			    tt_xasprintf("only the __LINE__ of a %s entry differs", sp->name);
		}
	}
	free(ea);
	free(eb);
}

void klp_compare_special(const struct kelf *ka, const struct kelf_sym *a, const struct kelf *kb,
			 const struct kelf_sym *b, struct klp_cmp *out)
{
	for (size_t i = 0; i < sizeof(specials) / sizeof(*specials) && !out->changed; i++) {
		const struct klp_special *sp = &specials[i];
		if (!sp->entry_size)
			continue;
		const struct kelf_sec *sa = kelf_sec_find(ka, sp->name),
				      *sb = kelf_sec_find(kb, sp->name);
		if (!sa && !sb)
			continue;
		static const struct kelf_sec empty;
		compare_one(sp, sa ? sa : &empty, a, sb ? sb : &empty, b, out);
	}
}

/*
 * Data the livepatch carries as a new copy when its contents changed:
 * read-only constants, and special-section entries (a pr_debug descriptor
 * whose format changed) that belong to the functions using them.
 */
bool klp_data_is_carried(const struct kelf_sym *s)
{
	return s->sec && (!(s->sec->sh.sh_flags & SHF_WRITE) || klp_special_find(s->sec->name));
}
