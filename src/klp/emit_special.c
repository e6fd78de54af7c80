// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The special sections of the livepatch object: of every table the kernel
 * walks when it loads a module (__mcount_loc for ftrace, ORC, alternatives,
 * __jump_table, __bug_table, __ex_table, ...), the entries that point into
 * an included function, and nothing else. Entries of functions not taken
 * would point at code the livepatch does not have.
 *
 * Most tables are arrays of fixed-size entries (the rows of special.c);
 * an entry belongs to the function one of its relocations points into.
 * Two need more: .orc_unwind has no relocations and runs parallel to
 * .orc_unwind_ip (entry i of one describes entry i of the other), and an
 * .altinstructions entry names bytes of .altinstr_replacement, which are
 * copied with it.
 */
#include <stdlib.h>
#include <string.h>

#include "emit_int.h"

/* Offsets in Linux 6.1's struct alt_instr (arch/x86/include/asm/alternative.h). */
#define ALT_REPL_OFFSET	   4
#define ALT_REPLLEN_OFFSET 11
#define ORC_ENTRY_SIZE	   6

/* Tables whose entries point into functions, carried entry by entry. */
static bool filtered_by_entry(const char *name)
{
	static const char *const tables[] = {"__mcount_loc",	   ".return_sites",
					     ".retpoline_sites",   ".orc_unwind_ip",
					     "__bug_table",	   "__ex_table",
					     ".altinstructions",   "__jump_table",
					     ".static_call_sites", ".smp_locks",
					     ".parainstructions",  ".call_sites",
					     ".ibt_endbr_seal",	   "__patchable_function_entries"};
	for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++)
		if (strcmp(tables[i], name) == 0)
			return true;
	return false;
}

/* Does a relocation point into a function the livepatch carries? */
static bool points_into_code(const struct emitter *e, const struct kelf_rel *r)
{
	if (!r->target || !r->target->sec)
		return false;
	const struct range *rg = emit_range_for(e, r->target->sec, emit_rel_byte(r));
	return rg && rg->code;
}

/* Which entries of a table to keep (caller frees); NULL when the layout is unusable. */
static bool *entries_to_keep(struct emitter *e, const struct kelf_sec *sec, size_t esize,
			     size_t *nentries)
{
	*nentries = sec->size / esize;
	if (sec->size % esize) {
		emit_refuse(e, "%s: %s is %zu bytes, not a whole number of %zu-byte entries",
			    e->b->name, sec->name, sec->size, esize);
		return NULL;
	}
	bool *keep = tt_xcalloc(*nentries + 1, sizeof(*keep));
	for (size_t i = 0; i < sec->nrels; i++)
		if (sec->rels[i].offset / esize < *nentries && points_into_code(e, &sec->rels[i]))
			keep[sec->rels[i].offset / esize] = true;
	return keep;
}

static const struct kelf_rel *rel_at(const struct kelf_sec *sec, uint64_t off)
{
	for (size_t i = 0; i < sec->nrels; i++)
		if (sec->rels[i].offset == off)
			return &sec->rels[i];
	return NULL;
}

/* The replacement bytes an .altinstructions entry names, copied beside it. */
static void copy_replacement(struct emitter *e, const struct kelf_sec *alt, uint64_t entry)
{
	const struct kelf_rel *r = rel_at(alt, entry + ALT_REPL_OFFSET);
	if (!r || !r->target || !r->target->sec || !alt->data) {
		emit_refuse(e, "%s: %s entry at 0x%llx has no replacement relocation", e->b->name,
			    alt->name, (unsigned long long)entry);
		return;
	}
	const struct kelf_sec *repl = r->target->sec;
	uint64_t lo = emit_rel_byte(r), len = alt->data[entry + ALT_REPLLEN_OFFSET];
	if (lo > repl->size || repl->size - lo < len) {
		emit_refuse(e, "%s: %s entry at 0x%llx: replacement outside %s", e->b->name,
			    alt->name, (unsigned long long)entry, repl->name);
		return;
	}
	if (!emit_range_for(e, repl, lo))
		emit_copy(e, repl, lo, lo + len, NULL);
}

static void copy_orc_entries(struct emitter *e, const bool *keep, size_t n)
{
	const struct kelf_sec *orc = kelf_sec_find(e->b, ".orc_unwind");
	if (!orc || orc->size != n * ORC_ENTRY_SIZE) {
		emit_refuse(e,
			    "%s: .orc_unwind does not have one %d-byte entry per .orc_unwind_ip "
			    "entry (%zu)",
			    e->b->name, ORC_ENTRY_SIZE, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			emit_copy(e, orc, i * ORC_ENTRY_SIZE, (i + 1) * ORC_ENTRY_SIZE, NULL);
}

static void carry_table(struct emitter *e, const struct kelf_sec *sec)
{
	const struct klp_special *sp = klp_special_find(sec->name);
	if (!sp || !sp->entry_size) {
		emit_refuse(e, "%s: %s: entry size unknown", e->b->name, sec->name);
		return;
	}
	size_t n;
	bool *keep = entries_to_keep(e, sec, sp->entry_size, &n);
	if (!keep)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		emit_copy(e, sec, i * sp->entry_size, (i + 1) * sp->entry_size, NULL);
		if (strcmp(sec->name, ".altinstructions") == 0)
			copy_replacement(e, sec, i * sp->entry_size);
	}
	if (strcmp(sec->name, ".orc_unwind_ip") == 0)
		copy_orc_entries(e, keep, n);
	free(keep);
}

void emit_special_sections(struct emitter *e)
{
	for (size_t i = 0; i < e->b->nsecs; i++)
		if (filtered_by_entry(e->b->secs[i].name))
			carry_table(e, &e->b->secs[i]);
}

static bool is_copied(const struct emitter *e, const struct kelf_sec *sec)
{
	for (size_t i = 0; i < e->nranges; i++)
		if (e->ranges[i].in == sec)
			return true;
	return false;
}

/* Sections whose entries never need carrying: code, data, exports, debug info. */
static bool never_carried(const struct emitter *e, const struct kelf_sec *sec)
{
	const struct klp_special *sp = klp_special_find(sec->name);
	return (sec->sh.sh_flags & SHF_EXECINSTR) || klp_section_is_ignored(sec->name) ||
	       filtered_by_entry(sec->name) || (sp && sp->supported) ||
	       !(sec->sh.sh_flags & SHF_ALLOC) || sec->sh.sh_type == SHT_RELA || is_copied(e, sec);
}

/*
 * A table tuxtape does not know, with an entry for an included function:
 * the livepatch would run that function without what the table sets up.
 */
void emit_check_unsupported(struct emitter *e)
{
	for (size_t i = 0; i < e->b->nsecs; i++) {
		const struct kelf_sec *sec = &e->b->secs[i];
		if (!sec->nrels || never_carried(e, sec))
			continue;
		for (size_t j = 0; j < sec->nrels; j++) {
			if (!points_into_code(e, &sec->rels[j]))
				continue;
			emit_refuse(
			    e,
			    "%s: special section %s has an entry for included function `%s`: "
			    "tuxtape cannot carry %s entries in a livepatch",
			    e->b->name, sec->name, sec->rels[j].target->name, sec->name);
			break;
		}
	}
}
