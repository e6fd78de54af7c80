// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Comparison of a function with its twin: bytes, and relocations with their
 * targets resolved to correlated symbols (not indexes or section offsets),
 * so that code which only moved within the object does not look changed.
 *
 * One difference is forgiven: a __LINE__ value, which GCC encodes as a
 * 32-bit immediate loaded into an argument register right before calling
 * __might_sleep(file, line) and friends. The rule is narrow on purpose;
 * anything it does not recognise counts as a change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "klp_int.h"
#include "tuxtape/util.h"

/* Functions whose argument list carries a source line (kernel 6.1 and near). */
static const char *const line_funcs[] = {
    "__might_sleep", "___might_sleep", "__might_resched",	"__might_fault",
    "__cant_sleep",  "__cant_migrate", "warn_slowpath_fmt",	"__warn_printk",
    "__warn",	     "_dev_warn",      "lockdep_rcu_suspicious"};

/* How far after the immediate the call may come (GCC schedules other argument loads between). */
#define LINE_CALL_WINDOW 48

static const unsigned char *func_bytes(const struct kelf_sym *s, size_t *len)
{
	*len = 0;
	if (!s->sec || !s->sec->data || s->st.st_value > s->sec->size ||
	    s->sec->size - s->st.st_value < s->st.st_size)
		return NULL;
	*len = s->st.st_size;
	return s->sec->data + s->st.st_value;
}

/* The relocations inside [value, value + size) of s: *first and the count. */
static size_t func_rels(const struct kelf_sym *s, const struct kelf_rel **first)
{
	const struct kelf_sec *sec = s->sec;
	uint64_t lo = s->st.st_value, hi = lo + s->st.st_size;
	size_t i = 0, n = 0;
	*first = NULL;
	if (!sec->rels)
		return 0;
	while (i < sec->nrels && sec->rels[i].offset < lo)
		i++;
	*first = sec->rels + i;
	while (i + n < sec->nrels && sec->rels[i + n].offset < hi)
		n++;
	return n;
}

static const char *string_at(const struct kelf_sym *secsym, int64_t off)
{
	const struct kelf_sec *sec = secsym->sec;
	if (!sec || !sec->data || off < 0 || (uint64_t)off >= sec->size)
		return NULL;
	const char *p = (const char *)sec->data + off;
	return memchr(p, '\0', sec->size - (uint64_t)off) ? p : NULL;
}

/* A reference into a merged string section means the string, wherever it landed. */
static bool strings_equal(const struct kelf_rel *a, const struct kelf_rel *b)
{
	const char *sa = string_at(a->target, a->target_off),
		   *sb = string_at(b->target, b->target_off);
	return sa && sb && strcmp(sa, sb) == 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Do two strings differ only in line numbers written after a C file name,
 * as `__FILE__ ":" __stringify(__LINE__)` spells them (Linux 6.1's
 * fortified memcpy warning: "field \"dev->broadcast\" at net/core/rtnetlink.c:3342")?
 */
static bool only_file_lines_differ(const char *a, const char *b)
{
	size_t i = 0, j = 0;
	bool differed = false;
	while (a[i] && b[j]) {
		bool after_file =
		    i >= 3 &&
		    (a[i - 3] == '.' && (a[i - 2] == 'c' || a[i - 2] == 'h') && a[i - 1] == ':');
		if (after_file && is_digit(a[i]) && is_digit(b[j])) {
			size_t i0 = i, j0 = j;
			while (is_digit(a[i]))
				i++;
			while (is_digit(b[j]))
				j++;
			differed |= i - i0 != j - j0 || memcmp(a + i0, b + j0, i - i0) != 0;
			continue;
		}
		if (a[i++] != b[j++])
			return false;
	}
	return !a[i] && !b[j] && differed;
}

static bool is_string_ref(const struct kelf_rel *r)
{
	return r->target->type == STT_SECTION && r->target->sec &&
	       (r->target->sec->sh.sh_flags & SHF_STRINGS);
}

bool klp_rel_targets_equal(const struct kelf_rel *a, const struct kelf_rel *b)
{
	if (a->type != b->type)
		return false;
	if (is_string_ref(a) && is_string_ref(b))
		return strings_equal(a, b);
	if (a->target_off != b->target_off)
		return false;
	if (a->target->twin == b->target)
		return true;
	/* Undefined on both sides: the kernel resolves both by the same name. */
	return !a->target->sec && !b->target->sec && strcmp(a->target->name, b->target->name) == 0;
}

/* A reference to "FILE:LINE" text where only LINE moved. */
static bool line_only_string(const struct kelf_rel *a, const struct kelf_rel *b)
{
	if (a->type != b->type || !is_string_ref(a) || !is_string_ref(b))
		return false;
	const char *sa = string_at(a->target, a->target_off),
		   *sb = string_at(b->target, b->target_off);
	return sa && sb && only_file_lines_differ(sa, sb);
}

static void set_why(struct klp_cmp *c, char *why)
{
	c->changed = true;
	if (!c->why)
		c->why = why;
	else
		free(why);
}

static bool is_line_func(const char *name)
{
	for (size_t i = 0; i < sizeof(line_funcs) / sizeof(*line_funcs); i++)
		if (strcmp(name, line_funcs[i]) == 0)
			return true;
	return false;
}

/*
 * Is there a `mov $imm32, %esi|%edx|%ecx|%r8d|%r9d` whose immediate starts
 * at s? Those are the 2nd to 6th argument registers of the SysV ABI; the
 * line is never the first argument of the functions above. Returns the
 * length of the opcode bytes before the immediate, 0 when there is none.
 */
static size_t mov_imm32_at(const unsigned char *p, size_t s)
{
	if (s >= 2 && p[s - 2] == 0x41 && (p[s - 1] == 0xb8 || p[s - 1] == 0xb9))
		return 2; /* REX.B B8+r: r8d, r9d */
	if (s >= 2 && p[s - 2] == 0xc7 &&
	    (p[s - 1] == 0xc1 || p[s - 1] == 0xc2 || p[s - 1] == 0xc6))
		return 2; /* C7 /0 with a register operand */
	if (s >= 1 && (p[s - 1] == 0xb9 || p[s - 1] == 0xba || p[s - 1] == 0xbe))
		return 1; /* B8+r: ecx, edx, esi */
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The first call (E8 rel32 with a relocation) after offset from, within the window. */
static const struct kelf_rel *next_call(const struct kelf_sym *f, const unsigned char *p,
					size_t from)
{
	const struct kelf_rel *r;
	size_t n = func_rels(f, &r);
	for (size_t i = 0; i < n; i++) {
		size_t off = r[i].offset - f->st.st_value;
		if (off < from)
			continue;
		if (off > from + LINE_CALL_WINDOW)
			return NULL;
		if ((r[i].type == R_X86_64_PLT32 || r[i].type == R_X86_64_PC32) && off >= 1 &&
		    p[off - 1] == 0xe8)
			return &r[i];
	}
	return NULL;
}

static bool rel_overlaps(const struct kelf_sym *f, size_t lo, size_t hi)
{
	const struct kelf_rel *r;
	size_t n = func_rels(f, &r);
	for (size_t i = 0; i < n; i++) {
		size_t off = r[i].offset - f->st.st_value, w = kelf_rel_width(r[i].type);
		if (off < hi && off + (w ? w : 8) > lo)
			return true;
	}
	return false;
}

bool klp_line_only(const struct kelf_sym *a, const struct kelf_sym *b, uint64_t lo, uint64_t hi)
{
	size_t la, lb;
	const unsigned char *pa = func_bytes(a, &la), *pb = func_bytes(b, &lb);
	if (!pa || !pb || la != lb || hi > la)
		return false;
	for (size_t s = lo >= 3 ? lo - 3 : 0; s <= lo; s++) {
		size_t op = s + 4 >= hi && s + 4 <= la ? mov_imm32_at(pa, s) : 0;
		if (!op || op != mov_imm32_at(pb, s))
			continue;
		uint32_t va = le32(pa + s), vb = le32(pb + s);
		/* A source line number, not some other constant that happened to change. */
		if (va == 0 || vb == 0 || va > 1000000 || vb > 1000000)
			continue;
		if (rel_overlaps(a, s - op, s + 4))
			continue;
		const struct kelf_rel *ca = next_call(a, pa, s + 4), *cb = next_call(b, pb, s + 4);
		if (ca && cb && ca->offset == cb->offset && is_line_func(ca->target->name) &&
		    is_line_func(cb->target->name))
			return true;
	}
	return false;
}

/* Bytes covered by a relocation are zero in a .o; skip them so only code is compared. */
static bool in_rel_field(const struct kelf_sym *f, size_t off)
{
	return rel_overlaps(f, off, off + 1);
}

/* 0: identical, 1: only __LINE__ immediates differ, 2: changed (*why says where). */
int klp_compare_bytes(const struct kelf_sym *a, const struct kelf_sym *b, char **why)
{
	size_t la, lb;
	const unsigned char *pa = func_bytes(a, &la), *pb = func_bytes(b, &lb);
	bool any = false;
	*why = NULL;
	if (!pa || !pb)
		return 0; /* NOBITS or out of bounds: sizes were compared already */
	for (size_t i = 0; i < la && i < lb; i++) {
		if (pa[i] == pb[i] || in_rel_field(a, i))
			continue;
		size_t j = i;
		while (j < la && j < lb && pa[j] != pb[j])
			j++;
		if (!klp_line_only(a, b, i, j)) {
			*why = tt_xasprintf("instructions differ at +0x%zx", i);
			return 2;
		}
		any = true;
		i = j;
	}
	if (!any)
		return 0;
	*why = tt_xstrdup("only __LINE__ immediates passed to a line-reporting call differ");
	return 1;
}

/* A string literal as C would spell it, cut at 40 characters. */
static char *quoted(const char *str)
{
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_addc(&b, '"');
	for (size_t i = 0; str && str[i] && i < 40; i++) {
		unsigned char c = (unsigned char)str[i];
		if (c == '\n')
			tt_buf_adds(&b, "\\n");
		else if (c == '"' || c == '\\')
			tt_buf_addf(&b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			tt_buf_addf(&b, "\\x%02x", c);
		else
			tt_buf_addc(&b, (char)c);
	}
	tt_buf_addc(&b, '"');
	return tt_buf_detach(&b);
}

static char *rel_desc(const struct kelf_rel *r)
{
	if (is_string_ref(r))
		return quoted(string_at(r->target, r->target_off));
	return tt_xasprintf("%s%+lld", *r->target->name ? r->target->name : "?",
			    (long long)r->target_off);
}

static void compare_rels(const struct kelf_sym *a, const struct kelf_sym *b, struct klp_cmp *out)
{
	const struct kelf_rel *ra, *rb;
	size_t na = func_rels(a, &ra), nb = func_rels(b, &rb);
	if (na != nb) {
		set_why(out, tt_xasprintf("references %zu symbols, was %zu", nb, na));
		return;
	}
	for (size_t i = 0; i < na; i++) {
		uint64_t oa = ra[i].offset - a->st.st_value, ob = rb[i].offset - b->st.st_value;
		if (oa == ob && klp_rel_targets_equal(&ra[i], &rb[i]))
			continue;
		if (oa == ob && line_only_string(&ra[i], &rb[i])) {
			out->line_only = true;
			continue;
		}
		char *da = rel_desc(&ra[i]), *db = rel_desc(&rb[i]);
		set_why(out, tt_xasprintf("reference at +0x%llx is now %s (was %s at +0x%llx)",
					  (unsigned long long)ob, db, da, (unsigned long long)oa));
		free(da);
		free(db);
		return;
	}
}

void klp_compare_func(const struct kelf_sym *a, const struct kelf_sym *b, struct klp_cmp *out)
{
	memset(out, 0, sizeof(*out));
	if (a->st.st_size != b->st.st_size) {
		set_why(out,
			tt_xasprintf("size %llu bytes, was %llu", (unsigned long long)b->st.st_size,
				     (unsigned long long)a->st.st_size));
		return;
	}
	compare_rels(a, b, out);
	if (out->changed)
		return;
	if (out->line_only)
		out->why = tt_xstrdup("only the line in a \"FILE:LINE\" string differs");
	char *why;
	int c = klp_compare_bytes(a, b, &why);
	if (c == 2) {
		free(out->why);
		out->why = NULL;
		set_why(out, why);
	} else if (c == 1 && !out->line_only) {
		out->line_only = true;
		out->why = why;
	} else {
		free(why);
	}
}

/*
 * ftrace can only redirect a function that starts with `call __fentry__`
 * (-pg -mfentry, what x86_64 kernels use), after an endbr64 when IBT is on.
 */
bool klp_has_fentry(const struct kelf_sym *f)
{
	const struct kelf_rel *r;
	size_t n = func_rels(f, &r);
	for (size_t i = 0; i < n && r[i].offset - f->st.st_value <= 5; i++) {
		uint64_t off = r[i].offset - f->st.st_value;
		if ((off == 1 || off == 5) && strcmp(r[i].sym->name, "__fentry__") == 0)
			return true;
	}
	return false;
}

/* Data: size, initializer bytes, and the targets of pointers in it. No forgiveness. */
bool klp_compare_data(const struct kelf_sym *a, const struct kelf_sym *b, int line_off, char **why)
{
	struct klp_cmp c = {0};
	*why = NULL;
	if (a->st.st_size != b->st.st_size) {
		*why = tt_xasprintf("size %llu bytes, was %llu", (unsigned long long)b->st.st_size,
				    (unsigned long long)a->st.st_size);
		return false;
	}
	if ((a->sec->sh.sh_type == SHT_NOBITS) != (b->sec->sh.sh_type == SHT_NOBITS)) {
		*why = tt_xstrdup(b->sec->sh.sh_type == SHT_NOBITS ? "now zero-initialized (.bss)"
								   : "now has an initializer");
		return false;
	}
	compare_rels(a, b, &c);
	if (c.changed) {
		*why = c.why;
		return false;
	}
	size_t la, lb;
	const unsigned char *pa = func_bytes(a, &la), *pb = func_bytes(b, &lb);
	for (size_t i = 0; pa && pb && i < la; i++)
		if (pa[i] != pb[i] && !in_rel_field(a, i) &&
		    !(line_off >= 0 && i >= (size_t)line_off && i < (size_t)line_off + 2)) {
			*why = tt_xasprintf("initializer differs at byte %zu", i);
			return false;
		}
	return true;
}
