// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target kernel's symbol table: which symbols the running kernel has,
 * in the order the livepatch core walks them, and which are exported.
 *
 * The livepatch core finds a symbol by walking kallsyms (vmlinux: sorted by
 * address; a module: its symbol table order) and counting the symbols of
 * that name in the object: `sympos` 0 asks for a unique name, n > 0 for the
 * n-th. A copy of /proc/kallsyms and System.map list symbols in that same
 * order; a vmlinux ELF lists them per source file, so it is sorted by
 * address here, and its STT_FILE symbols say which file each local came
 * from. Which of several same-named locals belongs to the object being
 * patched is decided by its source file (vmlinux ELF) and by the other
 * locals of that object found around it.
 */
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "klp_int.h"

struct ksym {
	uint64_t addr;
	const char *name;   /* into the symtab's string storage */
	const char *module; /* "vmlinux" or the module's name */
	const char *file;   /* STT_FILE of its block (vmlinux ELF), NULL otherwise */
	size_t next;	    /* next of the same name, or SIZE_MAX */
	bool local;
};

struct kexport {
	const char *name, *module;
};

struct tt_klp_symtab {
	struct ksym *syms;
	size_t n, cap;
	size_t *heads; /* name hash -> first index of that name */
	size_t heads_cap;
	struct kexport *exports;
	size_t nexports, cap_exports;
	size_t *export_heads; /* open addressing into exports */
	size_t export_heads_cap;
	struct tt_strv strings; /* owned names */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Strings are interned by appending to a vector: the symtab owns them all. */
static const char *keep(struct tt_klp_symtab *s, const char *str, size_t len)
{
	tt_strv_push_owned(&s->strings, tt_xstrndup(str, len));
	return s->strings.v[s->strings.n - 1];
}

static void add_sym(struct tt_klp_symtab *s, uint64_t addr, const char *name, const char *module,
		    const char *file, bool local)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->syms = tt_xrealloc(s->syms, s->cap * sizeof(*s->syms));
	}
	s->syms[s->n++] = (struct ksym){addr, name, module, file, SIZE_MAX, local};
}

/* Chain same-named symbols in table order, which is kallsyms order. */
static void index_names(struct tt_klp_symtab *s)
{
	s->heads_cap = 16;
	while (s->heads_cap < s->n * 2)
		s->heads_cap <<= 1;
	free(s->heads);
	s->heads = tt_xmalloc(s->heads_cap * sizeof(*s->heads));
	for (size_t i = 0; i < s->heads_cap; i++)
		s->heads[i] = SIZE_MAX;
	for (size_t i = s->n; i-- > 0;) {
		size_t b = hash_str(s->syms[i].name) & (s->heads_cap - 1);
		/* Buckets hold one name each: probe past other names. */
		while (s->heads[b] != SIZE_MAX &&
		       strcmp(s->syms[s->heads[b]].name, s->syms[i].name))
			b = (b + 1) & (s->heads_cap - 1);
		s->syms[i].next = s->heads[b];
		s->heads[b] = i;
	}
}

static size_t first_named(const struct tt_klp_symtab *s, const char *name)
{
	if (!s->heads)
		return SIZE_MAX;
	for (size_t b = hash_str(name) & (s->heads_cap - 1); s->heads[b] != SIZE_MAX;
	     b = (b + 1) & (s->heads_cap - 1))
		if (strcmp(s->syms[s->heads[b]].name, name) == 0)
			return s->heads[b];
	return SIZE_MAX;
}

struct tt_klp_symtab *tt_klp_symtab_new(void)
{
	return tt_xcalloc(1, sizeof(struct tt_klp_symtab));
}

void tt_klp_symtab_free(struct tt_klp_symtab *s)
{
	if (!s)
		return;
	free(s->syms);
	free(s->heads);
	free(s->exports);
	free(s->export_heads);
	tt_strv_free(&s->strings);
	free(s);
}

size_t tt_klp_symtab_count(const struct tt_klp_symtab *s)
{
	return s->n;
}

/* ---- text: System.map and /proc/kallsyms ---- */

static bool is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return false;
	return n > 0;
}

/* Symbols kallsyms leaves out, or that are no symbol of code or data. */
static bool kallsyms_skips(char type, const char *name)
{
	return type == 'a' || type == 'A' || type == 'U' || type == 'N' || type == 'n' ||
	       strncmp(name, "__crc_", 6) == 0 || strncmp(name, ".L", 2) == 0;
}

/* One "ADDR TYPE NAME [MODULE]" line; returns false when malformed. */
static bool parse_map_line(struct tt_klp_symtab *s, const char *line, size_t len)
{
	const char *end = line + len, *p = line;
	const char *addr = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	size_t addr_len = (size_t)(p - addr);
	if (!is_hex(addr, addr_len) || addr_len > 16 || p >= end)
		return false;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end)
		return false;
	char type = *p++;
	if (p >= end || !isspace((unsigned char)*p))
		return false;
	while (p < end && isspace((unsigned char)*p))
		p++;
	const char *name = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	size_t name_len = (size_t)(p - name);
	if (!name_len)
		return false;
	while (p < end && isspace((unsigned char)*p))
		p++;
	const char *module = "vmlinux";
	if (p < end && *p == '[') {
		const char *m = ++p;
		while (p < end && *p != ']')
			p++;
		if (p >= end || p == m)
			return false;
		module = keep(s, m, (size_t)(p - m));
	}
	char *nm = tt_xstrndup(name, name_len);
	if (!kallsyms_skips(type, nm))
		add_sym(s, strtoull(addr, NULL, 16), keep(s, name, name_len), module, NULL,
			islower((unsigned char)type) != 0);
	free(nm);
	return true;
}

static int load_map_text(struct tt_klp_symtab *s, const char *path, const char *data, size_t len,
			 struct tt_error *err)
{
	size_t lineno = 0;
	for (const char *p = data, *end = data + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (n && !parse_map_line(s, p, n))
			return tt_error_set(err, -EINVAL,
					    "%s:%zu: not a System.map/kallsyms line "
					    "(ADDR TYPE NAME [MODULE])",
					    path, lineno);
		p += n + 1;
	}
	return 0;
}

/* ---- vmlinux or a module (.ko) as ELF ---- */

/* kallsyms order of vmlinux: by address; the table's own order breaks ties. */
static int by_address(const void *pa, const void *pb)
{
	const struct ksym *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->next < b->next ? -1 : a->next > b->next; /* `next` holds the table index here */
}

/* "drivers/net/tun.ko" -> "tun"; the kernel spells module names with '_'. */
static const char *module_name_of(struct tt_klp_symtab *s, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strchr(base, '.');
	char *n = tt_xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
	for (char *c = n; *c; c++)
		if (*c == '-')
			*c = '_';
	tt_strv_push_owned(&s->strings, n);
	return n;
}

static bool elf_skips(const GElf_Sym *sym, const char *name)
{
	unsigned type = GELF_ST_TYPE(sym->st_info);
	return !*name || type == STT_SECTION || type == STT_FILE || sym->st_shndx == SHN_UNDEF ||
	       sym->st_shndx == SHN_ABS || kallsyms_skips('t', name);
}

static int read_elf_symbols(struct tt_klp_symtab *s, const char *path, Elf *elf, bool is_module,
			    struct tt_error *err)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn || sh.sh_entsize != sizeof(Elf64_Sym))
		return tt_error_set(err, -EINVAL, "%s: no symbol table (stripped?)", path);
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = d ? d->d_size / sizeof(Elf64_Sym) : 0;
	const char *module = is_module ? module_name_of(s, path) : "vmlinux";
	const char *file = NULL;
	size_t first = s->n;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym))
			return tt_error_set(err, -EINVAL, "%s: unreadable symbol %zu", path, i);
		const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name)
			return tt_error_set(err, -EINVAL, "%s: symbol %zu has no name", path, i);
		if (GELF_ST_TYPE(sym.st_info) == STT_FILE)
			file = keep(s, name, strlen(name));
		if (GELF_ST_BIND(sym.st_info) != STB_LOCAL)
			file = NULL; /* globals follow every file's locals */
		if (elf_skips(&sym, name))
			continue;
		add_sym(s, sym.st_value, keep(s, name, strlen(name)), module, file,
			GELF_ST_BIND(sym.st_info) == STB_LOCAL);
		s->syms[s->n - 1].next = i;
	}
	if (!is_module)
		qsort(s->syms + first, s->n - first, sizeof(*s->syms), by_address);
	return 0;
}

static int load_elf(struct tt_klp_symtab *s, const char *path, const char *data, size_t len,
		    struct tt_error *err)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return tt_error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	Elf *elf = elf_memory((char *)data, len);
	GElf_Ehdr eh;
	if (!elf || !gelf_getehdr(elf, &eh)) {
		if (elf)
			elf_end(elf);
		return tt_error_set(err, -EINVAL, "%s: unreadable ELF file", path);
	}
	int r;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_REL)
		r = tt_error_set(err, -EINVAL, "%s: neither vmlinux nor a module (ELF type %u)",
				 path, eh.e_type);
	else
		r = read_elf_symbols(s, path, elf, eh.e_type == ET_REL, err);
	elf_end(elf);
	return r;
}

int tt_klp_symtab_load_memory(const void *data, size_t len, const char *name,
			      struct tt_klp_symtab **out, struct tt_error *err)
{
	*out = NULL;
	struct tt_klp_symtab *s = tt_klp_symtab_new();
	int r;
	if (len >= 4 && memcmp(data, "\177ELF", 4) == 0)
		r = load_elf(s, name, (const char *)data, len, err);
	else
		r = load_map_text(s, name, (const char *)data, len, err);
	if (r == 0 && s->n == 0)
		r = tt_error_set(err, -EINVAL, "%s: no symbols", name);
	/* Debian ships a one-line System.map placeholder: say where the real one is. */
	if (r == 0 && s->n == 1 && s->syms[0].addr == ~0ull)
		r = tt_error_set(err, -EINVAL,
				 "%s: a placeholder, not a symbol table (Debian ships the real "
				 "System.map in linux-image-VERSION-dbg; or use a copy of the "
				 "target's /proc/kallsyms)",
				 name);
	if (r < 0) {
		tt_klp_symtab_free(s);
		return r;
	}
	index_names(s);
	*out = s;
	return 0;
}

int tt_klp_symtab_load(const char *path, struct tt_klp_symtab **out, struct tt_error *err)
{
	*out = NULL;
	char *data;
	size_t len;
	int r = tt_read_file(path, &data, &len, err);
	if (r < 0)
		return r;
	r = tt_klp_symtab_load_memory(data, len, path, out, err);
	free(data);
	return r;
}

/* ---- Module.symvers ---- */

static void index_exports(struct tt_klp_symtab *s)
{
	s->export_heads_cap = 16;
	while (s->export_heads_cap < s->nexports * 2)
		s->export_heads_cap <<= 1;
	free(s->export_heads);
	s->export_heads = tt_xmalloc(s->export_heads_cap * sizeof(*s->export_heads));
	for (size_t i = 0; i < s->export_heads_cap; i++)
		s->export_heads[i] = SIZE_MAX;
	for (size_t i = 0; i < s->nexports; i++) {
		size_t b = hash_str(s->exports[i].name) & (s->export_heads_cap - 1);
		while (s->export_heads[b] != SIZE_MAX)
			b = (b + 1) & (s->export_heads_cap - 1);
		s->export_heads[b] = i;
	}
}

/* "CRC\tNAME\tMODULE\tEXPORT_TYPE[\tNAMESPACE]": the fields this needs are 2 and 3. */
static bool parse_symvers_line(struct tt_klp_symtab *s, const char *line, size_t len)
{
	const char *f[4];
	size_t flen[4], nf = 0;
	for (const char *p = line, *end = line + len; p <= end && nf < 4;) {
		const char *tab = memchr(p, '\t', (size_t)(end - p));
		const char *stop = tab ? tab : end;
		f[nf] = p;
		flen[nf++] = (size_t)(stop - p);
		p = stop + 1;
		if (!tab)
			break;
	}
	if (nf < 4 || !flen[1] || !flen[2] || flen[3] < 13 ||
	    memcmp(f[3], "EXPORT_SYMBOL", 13) != 0)
		return false;
	if (s->nexports == s->cap_exports) {
		s->cap_exports = s->cap_exports ? s->cap_exports * 2 : 4096;
		s->exports = tt_xrealloc(s->exports, s->cap_exports * sizeof(*s->exports));
	}
	/*
	 * The module column is a path since Linux 5.x ("net/rds/rds"); livepatch
	 * objects are named by KBUILD_MODNAME: the base name, '-' written '_'.
	 */
	const char *base = f[2];
	for (const char *p = f[2]; p < f[2] + flen[2]; p++)
		if (*p == '/')
			base = p + 1;
	char module[256];
	size_t mlen = (size_t)(f[2] + flen[2] - base);
	if (mlen == 0 || mlen >= sizeof(module))
		return false;
	for (size_t i = 0; i < mlen; i++)
		module[i] = base[i] == '-' ? '_' : base[i];
	s->exports[s->nexports++] = (struct kexport){keep(s, f[1], flen[1]), keep(s, module, mlen)};
	return true;
}

int tt_klp_symtab_load_symvers_memory(struct tt_klp_symtab *s, const char *data, size_t len,
				      const char *name, struct tt_error *err)
{
	size_t lineno = 0;
	int r = 0;
	for (const char *p = data, *end = data + len; p < end && r == 0;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (n && !parse_symvers_line(s, p, n))
			r = tt_error_set(err, -EINVAL,
					 "%s:%zu: not a Module.symvers line "
					 "(CRC<TAB>NAME<TAB>MODULE<TAB>EXPORT_SYMBOL...)",
					 name, lineno);
		p += n + 1;
	}
	index_exports(s);
	return r;
}

int tt_klp_symtab_load_symvers(struct tt_klp_symtab *s, const char *path, struct tt_error *err)
{
	char *data;
	size_t len;
	int r = tt_read_file(path, &data, &len, err);
	if (r < 0)
		return r;
	r = tt_klp_symtab_load_symvers_memory(s, data, len, path, err);
	free(data);
	return r;
}

bool tt_klp_symtab_has_exports(const struct tt_klp_symtab *s)
{
	return s && s->nexports > 0;
}

bool tt_klp_symtab_exported(const struct tt_klp_symtab *s, const char *name, const char **module)
{
	if (!s || !s->export_heads)
		return false;
	for (size_t b = hash_str(name) & (s->export_heads_cap - 1); s->export_heads[b] != SIZE_MAX;
	     b = (b + 1) & (s->export_heads_cap - 1)) {
		const struct kexport *e = &s->exports[s->export_heads[b]];
		if (strcmp(e->name, name) == 0) {
			if (module)
				*module = e->module;
			return true;
		}
	}
	return false;
}

/* ---- sympos ---- */

bool tt_klp_symtab_has_object(const struct tt_klp_symtab *s, const char *objname)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->syms[i].module, objname) == 0)
			return true;
	return false;
}

bool tt_klp_symtab_defines(const struct tt_klp_symtab *s, const char *objname, const char *name)
{
	for (size_t i = s ? first_named(s, name) : SIZE_MAX; i != SIZE_MAX; i = s->syms[i].next)
		if (strcmp(s->syms[i].module, objname) == 0)
			return true;
	return false;
}

/* "fs/proc/meminfo.c" -> "meminfo.c": GCC's STT_FILE holds the base name. */
static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/*
 * How near the neighbours sit to candidate k: the object's other symbols
 * were laid out beside it by the linker. Counted within a window as wide as
 * the object has symbols (and some slack for what its headers add); the
 * distance (in symbols) to the nearest of each breaks ties.
 */
struct score {
	size_t found, distance;
};

static struct score neighbourhood_score(const struct tt_klp_symtab *s, size_t k,
					const char *const *nb, size_t nnb)
{
	size_t window = 2 * nnb + 32;
	struct score sc = {0, 0};
	for (size_t j = 0; j < nnb; j++) {
		if (strcmp(nb[j], s->syms[k].name) == 0)
			continue; /* every candidate has its own name */
		size_t best = SIZE_MAX;
		for (size_t i = first_named(s, nb[j]); i != SIZE_MAX; i = s->syms[i].next) {
			size_t dist = i > k ? i - k : k - i;
			if (dist <= window && dist < best &&
			    strcmp(s->syms[i].module, s->syms[k].module) == 0)
				best = dist;
		}
		if (best != SIZE_MAX) {
			sc.found++;
			sc.distance += best;
		}
	}
	return sc;
}

static int score_cmp(struct score a, struct score b)
{
	if (a.found != b.found)
		return a.found > b.found ? 1 : -1;
	return a.distance < b.distance ? 1 : a.distance > b.distance ? -1 : 0;
}

/* The symbols of one name in one object: table index and 1-based position. */
struct candidates {
	size_t *idx, *pos;
	size_t n, total;
};

static void collect(const struct tt_klp_symtab *s, const char *objname, const char *name,
		    struct candidates *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = first_named(s, name); i != SIZE_MAX; i = s->syms[i].next)
		c->total += strcmp(s->syms[i].module, objname) == 0;
	c->idx = tt_xcalloc(c->total + 1, sizeof(*c->idx));
	c->pos = tt_xcalloc(c->total + 1, sizeof(*c->pos));
	for (size_t i = first_named(s, name); i != SIZE_MAX; i = s->syms[i].next)
		if (strcmp(s->syms[i].module, objname) == 0) {
			c->idx[c->n] = i;
			c->pos[c->n] = c->n + 1;
			c->n++;
		}
}

/* Keep the candidates whose STT_FILE names the source file, when any does. */
/* Keep the candidates whose STT_FILE names the source file, when any does. */
static void filter_by_file(const struct tt_klp_symtab *s, const char *source_file,
			   struct candidates *c)
{
	if (!source_file)
		return;
	const char *want = base_name(source_file);
	size_t kept = 0;
	for (size_t i = 0; i < c->n; i++) {
		const char *f = s->syms[c->idx[i]].file;
		if (f && strcmp(base_name(f), want) == 0)
			kept++;
	}
	if (!kept)
		return;
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++) {
		const char *f = s->syms[c->idx[i]].file;
		if (f && strcmp(base_name(f), want) == 0) {
			c->idx[n] = c->idx[i];
			c->pos[n++] = c->pos[i];
		}
	}
	c->n = n;
}

static int pick_by_neighbours(const struct tt_klp_symtab *s, const char *objname, const char *name,
			      const struct candidates *c, const char *const *nb, size_t nnb,
			      unsigned long *sympos, struct tt_error *err)
{
	size_t best = 0;
	struct score best_score = {0, 0};
	bool tie = false;
	struct tt_buf why = {0};
	for (size_t i = 0; i < c->n; i++) {
		struct score sc = neighbourhood_score(s, c->idx[i], nb, nnb);
		tt_buf_addf(&why, "%s#%zu at 0x%llx: %zu of %zu neighbours near, %zu apart",
			    i ? "; " : "", c->pos[i], (unsigned long long)s->syms[c->idx[i]].addr,
			    sc.found, nnb, sc.distance);
		int cmp = i ? score_cmp(sc, best_score) : 1;
		if (cmp > 0)
			best = i, best_score = sc, tie = false;
		else if (cmp == 0)
			tie = true;
	}
	if (best_score.found == 0 || tie) {
		int r = tt_error_set(err, -EPERM,
				     "%s: %zu symbols named `%s` and nothing tells which one the "
				     "patched object's is (%s)",
				     objname, c->total, name, tt_buf_str(&why));
		tt_buf_free(&why);
		return r;
	}
	tt_buf_free(&why);
	*sympos = c->pos[best];
	return 0;
}

static int choose(const struct tt_klp_symtab *s, const char *objname, const char *name,
		  const char *source_file, const char *const *neighbours, size_t nneighbours,
		  struct candidates *c, unsigned long *sympos, struct tt_error *err)
{
	if (c->total == 0)
		return tt_error_set(err, -ENOENT, "%s: no symbol `%s` in the target's symbol table",
				    objname, name);
	if (c->total == 1)
		return 0; /* unique: the livepatch core checks that for sympos 0 */
	filter_by_file(s, source_file, c);
	if (c->n == 1) {
		*sympos = c->pos[0];
		return 0;
	}
	return pick_by_neighbours(s, objname, name, c, neighbours, nneighbours, sympos, err);
}

int tt_klp_symtab_sympos(const struct tt_klp_symtab *s, const char *objname, const char *name,
			 const char *source_file, const char *const *neighbours, size_t nneighbours,
			 unsigned long *sympos, struct tt_error *err)
{
	struct candidates c;
	*sympos = 0;
	collect(s, objname, name, &c);
	int r = choose(s, objname, name, source_file, neighbours, nneighbours, &c, sympos, err);
	free(c.idx);
	free(c.pos);
	return r;
}
