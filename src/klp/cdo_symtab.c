// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SYMTAB of create-diff-object: the text `readelf -s --wide` prints for
 * vmlinux or a module. Its lines are
 *
 *      7: ffffffff81001230    42 FUNC    LOCAL  DEFAULT    1 helper
 *
 * (Num, Value, Size, Type, Bind, Vis, Ndx, Name). Unlike kallsyms it keeps
 * the STT_FILE symbols, and the linker writes each input file's locals
 * right after its FILE symbol: that block says which of several statics
 * of one name is the patched object's, which is what `sympos` needs.
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/cdo.h"

struct tt_cdo_symtab {
	struct tt_cdo_symbol *syms;
	size_t n, cap;
	char *names; /* one allocation: every name, NUL-separated */
	struct tt_buf name_buf;
};

struct line_cursor {
	const char *p, *end;
};

/* The next whitespace-separated word of the line, NULL at its end. */
static const char *next_word(struct line_cursor *c, size_t *len)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
	if (c->p >= c->end)
		return NULL;
	const char *w = c->p;
	while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
		c->p++;
	*len = (size_t)(c->p - w);
	return w;
}

static bool word_is(const char *w, size_t len, const char *s)
{
	return w && strlen(s) == len && memcmp(w, s, len) == 0;
}

static bool parse_u64(const char *w, size_t len, int base, uint64_t *out)
{
	char tmp[32];
	if (!w || len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, w, len);
	tmp[len] = '\0';
	/* readelf writes sizes above 99999 in hex with 0x. */
	if (base == 10 && len > 2 && tmp[0] == '0' && (tmp[1] == 'x' || tmp[1] == 'X'))
		base = 16;
	for (size_t i = (base == 16 && len > 2 && tmp[1] == 'x') ? 2 : 0; i < len; i++)
		if (!isxdigit((unsigned char)tmp[i]) ||
		    (base == 10 && !isdigit((unsigned char)tmp[i])))
			return false;
	errno = 0;
	char *endp;
	unsigned long long v = strtoull(tmp, &endp, base);
	if (errno || *endp)
		return false;
	*out = v;
	return true;
}

struct name_code {
	const char *name;
	unsigned char code;
};

static const struct name_code types[] = {
    {"NOTYPE", STT_NOTYPE}, {"OBJECT", STT_OBJECT}, {"FUNC", STT_FUNC}, {"SECTION", STT_SECTION},
    {"FILE", STT_FILE},	    {"COMMON", STT_COMMON}, {"TLS", STT_TLS},	{"IFUNC", STT_GNU_IFUNC},
};
static const struct name_code binds[] = {
    {"LOCAL", STB_LOCAL}, {"GLOBAL", STB_GLOBAL}, {"WEAK", STB_WEAK}, {"UNIQUE", STB_GNU_UNIQUE}};

static bool lookup_code(const struct name_code *t, size_t n, const char *w, size_t len,
			unsigned char *out)
{
	for (size_t i = 0; i < n; i++)
		if (word_is(w, len, t[i].name)) {
			*out = t[i].code;
			return true;
		}
	/* readelf prints unknown values as "<OS specific>: 10" and the like: keep them, untyped. */
	if (w && len > 0 && w[0] == '<') {
		*out = 0xff;
		return true;
	}
	return false;
}

/* Skip a bracketed annotation ("[<localentry>: 8]", "[0xff20]") that may hold spaces. */
static void skip_bracketed(struct line_cursor *c)
{
	struct line_cursor peek = *c;
	size_t len;
	const char *w = next_word(&peek, &len);
	if (!w || w[0] != '[')
		return;
	while (w && w[len - 1] != ']')
		w = next_word(&peek, &len);
	*c = peek;
}

static int add_symbol(struct tt_cdo_symtab *t, const struct tt_cdo_symbol *s, const char *name,
		      size_t name_len)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->syms = tt_xrealloc(t->syms, t->cap * sizeof(*t->syms));
	}
	t->syms[t->n] = *s;
	/* Names are offsets until parsing ends: the buffer still moves. */
	t->syms[t->n].name = (const char *)(uintptr_t)t->name_buf.len;
	tt_buf_add(&t->name_buf, name, name_len);
	tt_buf_addc(&t->name_buf, '\0');
	t->n++;
	return 0;
}

/* One symbol line; false when it is not one. */
static bool parse_symbol_line(struct line_cursor c, struct tt_cdo_symbol *s, const char **name,
			      size_t *name_len)
{
	size_t len;
	const char *w = next_word(&c, &len);
	uint64_t num, ignored;
	if (!w || len < 2 || w[len - 1] != ':' || !parse_u64(w, len - 1, 10, &num))
		return false;
	w = next_word(&c, &len);
	if (!parse_u64(w, len, 16, &s->value))
		return false;
	w = next_word(&c, &len);
	if (!parse_u64(w, len, 10, &s->size))
		return false;
	w = next_word(&c, &len);
	if (!lookup_code(types, sizeof(types) / sizeof(types[0]), w, len, &s->type))
		return false;
	w = next_word(&c, &len);
	if (!lookup_code(binds, sizeof(binds) / sizeof(binds[0]), w, len, &s->bind))
		return false;
	if (!next_word(&c, &len)) /* visibility */
		return false;
	skip_bracketed(&c);
	w = next_word(&c, &len);
	if (!w)
		return false;
	s->defined = !word_is(w, len, "UND");
	if (word_is(w, len, "OS") || word_is(w, len, "PRC"))
		skip_bracketed(&c); /* "OS [0xff20]" */
	else if (!word_is(w, len, "UND") && !word_is(w, len, "ABS") && !word_is(w, len, "COM") &&
		 !parse_u64(w, len, 10, &ignored) && w[0] != '<' && memchr(w, '[', len) == NULL)
		return false;
	/* The name is the rest of the line; it may be empty (the null symbol). */
	while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
		c.p++;
	*name = c.p;
	*name_len = (size_t)(c.end - c.p);
	while (*name_len && ((*name)[*name_len - 1] == '\r' || (*name)[*name_len - 1] == ' '))
		(*name_len)--;
	return memchr(*name, '\0', *name_len) == NULL;
}

/* Which table a "Symbol table 'X' contains N entries:" header opens. */
static bool is_header(const char *p, size_t len, bool *is_symtab)
{
	static const char prefix[] = "Symbol table '";
	if (len < sizeof(prefix) - 1 || memcmp(p, prefix, sizeof(prefix) - 1) != 0)
		return false;
	const char *name = p + sizeof(prefix) - 1;
	*is_symtab = (size_t)(p + len - name) > 8 && memcmp(name, ".symtab'", 8) == 0;
	return true;
}

static bool is_blank_or_heading(const char *p, size_t len)
{
	while (len && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++, len--;
	return len == 0 || (len >= 4 && memcmp(p, "Num:", 4) == 0) ||
	       (len >= 5 && memcmp(p, "File:", 5) == 0);
}

/* Give each local the FILE symbol opening its block; then names become pointers. */
static void finish(struct tt_cdo_symtab *t)
{
	size_t file = SIZE_MAX;
	for (size_t i = 0; i < t->n; i++) {
		struct tt_cdo_symbol *s = &t->syms[i];
		if (s->type == STT_FILE)
			file = i;
		s->file = s->bind == STB_LOCAL && s->type != STT_FILE ? file : SIZE_MAX;
	}
	t->names = t->name_buf.buf;
	for (size_t i = 0; i < t->n; i++)
		t->syms[i].name = t->names + (uintptr_t)t->syms[i].name;
}

static int parse_lines(struct tt_cdo_symtab *t, const char *text, size_t len, const char *name,
		       struct tt_error *err)
{
	bool in_symtab = false, seen_symtab = false;
	size_t lineno = 0;
	for (const char *p = text, *end = text + len; p < end; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t llen = (size_t)(eol - p);
		bool symtab_header;
		if (is_header(p, llen, &symtab_header)) {
			in_symtab = symtab_header;
			seen_symtab |= symtab_header;
		} else if (in_symtab && !is_blank_or_heading(p, llen)) {
			struct tt_cdo_symbol s = {0};
			const char *sym_name;
			size_t name_len;
			if (!parse_symbol_line((struct line_cursor){p, eol}, &s, &sym_name,
					       &name_len))
				return tt_error_set(err, -EINVAL,
						    "%s:%zu: not a symbol line of `readelf -s "
						    "--wide`: %.*s",
						    name, lineno + 1,
						    (int)(llen > 120 ? 120 : llen), p);
			add_symbol(t, &s, sym_name, name_len);
		}
		p = eol + 1;
	}
	if (!seen_symtab)
		return tt_error_set(err, -EINVAL,
				    "%s: no \"Symbol table '.symtab'\" in it: SYMTAB must be the "
				    "output of `readelf -s --wide` on vmlinux or the module",
				    name);
	return 0;
}

int tt_cdo_symtab_parse(const char *text, size_t len, const char *name, struct tt_cdo_symtab **out,
			struct tt_error *err)
{
	struct tt_cdo_symtab *t = tt_xcalloc(1, sizeof(*t));
	int rc = parse_lines(t, text, len, name, err);
	if (rc) {
		tt_buf_free(&t->name_buf);
		free(t->syms);
		free(t);
		return rc;
	}
	finish(t);
	*out = t;
	return 0;
}

int tt_cdo_symtab_load(const char *path, struct tt_cdo_symtab **out, struct tt_error *err)
{
	char *text;
	size_t len;
	int rc = tt_read_file(path, &text, &len, err);
	if (rc)
		return rc;
	rc = tt_cdo_symtab_parse(text, len, path, out, err);
	free(text);
	return rc;
}

void tt_cdo_symtab_free(struct tt_cdo_symtab *t)
{
	if (!t)
		return;
	free(t->names);
	free(t->syms);
	free(t);
}

size_t tt_cdo_symtab_count(const struct tt_cdo_symtab *t)
{
	return t->n;
}

const struct tt_cdo_symbol *tt_cdo_symtab_get(const struct tt_cdo_symtab *t, size_t i)
{
	return i < t->n ? &t->syms[i] : NULL;
}

/* A function or variable the running kernel lists under its name. */
static bool is_named_code_or_data(const struct tt_cdo_symbol *s)
{
	return s->defined && s->name[0] &&
	       (s->type == STT_FUNC || s->type == STT_OBJECT || s->type == STT_NOTYPE ||
		s->type == STT_TLS || s->type == STT_GNU_IFUNC);
}

static size_t block_matches(const struct tt_cdo_symtab *t, size_t block, const char *const *locals,
			    size_t nlocals)
{
	size_t found = 0;
	for (size_t i = 0; i < nlocals; i++)
		for (size_t j = block + 1; j < t->n && t->syms[j].file == block; j++)
			if (strcmp(t->syms[j].name, locals[i]) == 0) {
				found++;
				break;
			}
	return found;
}

int tt_cdo_symtab_find_block(const struct tt_cdo_symtab *t, const char *file,
			     const char *const *locals, size_t nlocals, size_t *block,
			     struct tt_error *err)
{
	size_t best = SIZE_MAX, best_found = 0, ties = 0, candidates = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->syms[i].type != STT_FILE || strcmp(t->syms[i].name, file) != 0)
			continue;
		candidates++;
		size_t found = block_matches(t, i, locals, nlocals);
		if (best == SIZE_MAX || found > best_found) {
			best = i, best_found = found, ties = 0;
		} else if (found == best_found) {
			ties++;
		}
	}
	if (best == SIZE_MAX)
		return tt_error_set(err, -ENOENT, "SYMTAB has no FILE symbol `%s`", file);
	if (ties)
		return tt_error_set(err, -EPERM,
				    "SYMTAB has %zu FILE symbols `%s` and %zu of them list %zu of "
				    "the object's %zu local symbols: cannot tell which is the "
				    "patched object",
				    candidates, file, ties + 1, best_found, nlocals);
	*block = best;
	return 0;
}

/* The symbol of that name in the block (or a global), SIZE_MAX if none. */
static size_t find_wanted(const struct tt_cdo_symtab *t, size_t block, const char *name)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct tt_cdo_symbol *s = &t->syms[i];
		if (!is_named_code_or_data(s) || strcmp(s->name, name) != 0)
			continue;
		if (block == SIZE_MAX ? s->bind != STB_LOCAL : s->file == block)
			return i;
	}
	return SIZE_MAX;
}

/* 1-based rank of `wanted` among symbols of its name, and how many there are. */
static void rank_of(const struct tt_cdo_symtab *t, size_t wanted, bool in_address_order,
		    unsigned long *rank, unsigned long *count)
{
	const struct tt_cdo_symbol *w = &t->syms[wanted];
	*rank = 1, *count = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct tt_cdo_symbol *s = &t->syms[i];
		if (!is_named_code_or_data(s) || strcmp(s->name, w->name) != 0)
			continue;
		(*count)++;
		bool before = in_address_order
				  ? (s->value < w->value || (s->value == w->value && i < wanted))
				  : i < wanted;
		if (before)
			(*rank)++;
	}
}

int tt_cdo_symtab_lookup(const struct tt_cdo_symtab *t, size_t block, const char *name,
			 bool in_address_order, struct tt_cdo_lookup *out, struct tt_error *err)
{
	if (block != SIZE_MAX && (block >= t->n || t->syms[block].type != STT_FILE))
		return tt_error_set(err, -EINVAL, "SYMTAB: symbol %zu does not open a FILE block",
				    block);
	size_t i = find_wanted(t, block, name);
	if (i == SIZE_MAX) {
		if (block == SIZE_MAX)
			return tt_error_set(err, -ENOENT, "no global symbol `%s` in SYMTAB", name);
		return tt_error_set(err, -ENOENT,
				    "no local symbol `%s` in SYMTAB's block of FILE `%s` (symbol "
				    "%zu)",
				    name, t->syms[block].name, block);
	}
	unsigned long rank, count;
	rank_of(t, i, in_address_order, &rank, &count);
	const struct tt_cdo_symbol *s = &t->syms[i];
	*out = (struct tt_cdo_lookup){.addr = s->value,
				      .size = s->size,
				      .sympos = count > 1 ? rank : 0,
				      .type = s->type,
				      .bind = s->bind};
	return 0;
}
