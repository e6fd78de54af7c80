// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tuxtape-cdo as kpatch-build runs it: two builds of one object compiled
 * with gcc here, SYMTAB from `readelf -s --wide` on an object linked from
 * it and a neighbour that repeats a static name, and the output read back
 * with libelf in kpatch's layouts. Also the readelf text parser itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <sys/wait.h>

#include "klp_test.h"
#include "tuxtape/cdo.h"

#define FLAGS KLP_KERNEL_FLAGS " " KLP_SECTION_FLAGS

/* A `__bug_table` entry as 6.1 x86_64's BUG() writes it: 12 bytes. */
#define FIXTURE_HEAD                                                                               \
	"extern int exported_fn(int);\n"                                                           \
	"extern int hidden_fn(int);\n"                                                             \
	"int shared_counter;\n"                                                                    \
	"#define BUGGY() asm volatile(\"1: ud2\\n\\t.pushsection __bug_table, \\\"aw\\\"\\n\\t"    \
	"2: .long 1b - .\\n\\t.long %c0 - .\\n\\t.word 0\\n\\t.word 0\\n\\t.org 2b + 12\\n\\t"     \
	".popsection\" : : \"i\"(__FILE__))\n"                                                     \
	"__attribute__((noinline)) static int helper(int x) { return x * 3 + shared_counter; }\n"  \
	"int other(int x) { return helper(x) - 1; }\n"

static const char fx_orig[] =
    FIXTURE_HEAD "int target(int x)\n{\n\tif (x < 0)\n\t\tBUGGY();\n"
		 "\treturn helper(x) + exported_fn(x) + hidden_fn(x) + 1;\n}\n";
static const char fx_patched[] =
    FIXTURE_HEAD "int target(int x)\n{\n\tif (x < 0)\n\t\tBUGGY();\n"
		 "\treturn helper(x) + exported_fn(x) + hidden_fn(x) + 2;\n}\n";

/* Another file of the same kernel with its own static `helper`, linked first. */
static const char neighbour[] =
    "__attribute__((noinline)) static int helper(int x) { return x + 7; }\n"
    "int dupuser(int x) { return helper(x); }\n"
    "int exported_fn(int x) { return x; }\n"
    "int hidden_fn(int x) { return x * 2; }\n";

static const char symvers[] = "0x11111111\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n"
			      "0x12345678\texported_fn\tvmlinux\tEXPORT_SYMBOL\t\n";

static int setup(void **state)
{
	(void)state;
	return klp_have_gcc() && getenv("TT_BUILD_ROOT") ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	klp_tmp_cleanup();
	return 0;
}

static char *tmp_path(const char *name)
{
	return tt_xasprintf("%s/%s", klp_tmpdir(), name);
}

static char *write_tmp(const char *name, const char *text)
{
	char *p = tmp_path(name);
	struct tt_error err = {0};
	if (tt_write_file_atomic(p, text, strlen(text), &err) != 0)
		fail_msg("%s", err.msg);
	return p;
}

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

/* Build CASE/VARIANT/fx.c from text, inside its directory so __FILE__ is "fx.c". */
static char *compile(const char *kase, const char *variant, const char *src)
{
	char *rel = tt_xasprintf("%s/%s", kase, variant);
	char *dir = tmp_path(rel);
	char *mk = tt_xasprintf("mkdir -p '%s'", dir);
	run(mk);
	char *file = tt_xasprintf("%s/fx.c", rel);
	free(write_tmp(file, src));
	char *cmd = tt_xasprintf("cd '%s' && gcc %s -c fx.c -o fx.o", dir, FLAGS);
	run(cmd);
	char *obj = tt_xasprintf("%s/fx.o", dir);
	free(rel), free(dir), free(mk), free(file), free(cmd);
	return obj;
}

/* A pair, SYMTAB of the neighbour + ORIG linked together, and Module.symvers. */
struct cdo_case {
	char *orig, *patched, *symtab, *symvers, *out, *err_path, *dir;
};

static void case_build(struct cdo_case *c, const char *kase, const char *orig, const char *patched)
{
	memset(c, 0, sizeof(*c));
	c->orig = compile(kase, "orig", orig);
	c->patched = compile(kase, "patched", patched);
	c->dir = tmp_path(kase);
	char *cmd = tt_xasprintf("cd '%s' && cp '%s' parent-fx.o && printf '%%s' '%s' > dup.c && "
				 "gcc %s -c dup.c -o dup.o && ld -r -o parent.o dup.o parent-fx.o "
				 "&& readelf -s --wide parent.o > symtab.txt",
				 c->dir, c->orig, neighbour, FLAGS);
	run(cmd);
	free(cmd);
	c->symtab = tt_xasprintf("%s/symtab.txt", c->dir);
	char *sv = tt_xasprintf("%s/Module.symvers", kase);
	c->symvers = write_tmp(sv, symvers);
	free(sv);
	c->out = tt_xasprintf("%s/output.o", c->dir);
	c->err_path = tt_xasprintf("%s/stderr.txt", c->dir);
}

static void case_free(struct cdo_case *c)
{
	free(c->orig), free(c->patched), free(c->symtab), free(c->symvers), free(c->out);
	free(c->err_path), free(c->dir);
}

/* Run tuxtape-cdo; env is prefixed to the command ("BUG_STRUCT_SIZE=12"). */
static int cdo(const struct cdo_case *c, const char *env, const char *parent, const char *symtab)
{
	char *cmd =
	    tt_xasprintf("%s '%s/cmd/cdo/tuxtape-cdo' '%s' '%s' '%s' '%s' '%s' tt-patch "
			 "'%s' >/dev/null 2>'%s'",
			 env ? env : "", getenv("TT_BUILD_ROOT"), c->orig, c->patched, parent,
			 symtab ? symtab : c->symtab, c->symvers, c->out, c->err_path);
	int rc = system(cmd);
	free(cmd);
	assert_true(WIFEXITED(rc));
	return WEXITSTATUS(rc);
}

static char *stderr_text(const struct cdo_case *c)
{
	char *text;
	size_t len;
	struct tt_error err = {0};
	if (tt_read_file(c->err_path, &text, &len, &err) != 0)
		fail_msg("%s", err.msg);
	return text;
}

/* ---- reading kpatch's sections back ---- */

struct obj {
	int fd;
	Elf *elf;
	size_t shstrndx;
};

static void obj_open(struct obj *o, const char *path)
{
	elf_version(EV_CURRENT);
	o->fd = open(path, O_RDONLY);
	assert_true(o->fd >= 0);
	o->elf = elf_begin(o->fd, ELF_C_READ, NULL);
	assert_non_null(o->elf);
	assert_int_equal(elf_getshdrstrndx(o->elf, &o->shstrndx), 0);
}

static void obj_close(struct obj *o)
{
	elf_end(o->elf);
	close(o->fd);
}

static Elf_Data *section(struct obj *o, const char *name, GElf_Shdr *sh)
{
	for (Elf_Scn *s = elf_nextscn(o->elf, NULL); s; s = elf_nextscn(o->elf, s)) {
		gelf_getshdr(s, sh);
		if (strcmp(elf_strptr(o->elf, o->shstrndx, sh->sh_name), name) == 0)
			return elf_getdata(s, NULL);
	}
	return NULL;
}

/* The relocation of section `rela` at `offset`: its symbol's name and addend. */
static const char *reloc_at(struct obj *o, const char *rela, uint64_t offset, int64_t *addend)
{
	GElf_Shdr sh;
	Elf_Data *d = section(o, rela, &sh);
	assert_non_null(d);
	for (size_t i = 0; i < d->d_size / sizeof(Elf64_Rela); i++) {
		GElf_Rela r;
		gelf_getrela(d, (int)i, &r);
		if (r.r_offset != offset)
			continue;
		GElf_Sym s;
		gelf_getsym(elf_getdata(elf_getscn(o->elf, sh.sh_link), NULL),
			    (int)GELF_R_SYM(r.r_info), &s);
		*addend = r.r_addend;
		if (GELF_ST_TYPE(s.st_info) == STT_SECTION) {
			GElf_Shdr target;
			gelf_getshdr(elf_getscn(o->elf, s.st_shndx), &target);
			return elf_strptr(o->elf, o->shstrndx, target.sh_name);
		}
		GElf_Shdr symtab;
		gelf_getshdr(elf_getscn(o->elf, sh.sh_link), &symtab);
		return elf_strptr(o->elf, symtab.sh_link, s.st_name);
	}
	fail_msg("no relocation at %#lx in %s", (unsigned long)offset, rela);
	return NULL;
}

/* The string a pointer field at `offset` of `table` points to in .kpatch.strings. */
static const char *string_at(struct obj *o, const char *table, uint64_t offset)
{
	char *rela = tt_xasprintf(".rela%s", table);
	int64_t addend;
	const char *target = reloc_at(o, rela, offset, &addend);
	free(rela);
	assert_string_equal(target, ".kpatch.strings");
	GElf_Shdr sh;
	Elf_Data *d = section(o, ".kpatch.strings", &sh);
	assert_true(addend >= 0 && (size_t)addend < d->d_size);
	return (const char *)d->d_buf + addend;
}

static uint64_t u64_at(struct obj *o, const char *table, uint64_t offset)
{
	GElf_Shdr sh;
	Elf_Data *d = section(o, table, &sh);
	assert_non_null(d);
	assert_true(offset + 8 <= d->d_size);
	uint64_t v;
	memcpy(&v, (const char *)d->d_buf + offset, 8);
	return v;
}

static size_t entries(struct obj *o, const char *table, size_t size)
{
	GElf_Shdr sh;
	Elf_Data *d = section(o, table, &sh);
	return d ? d->d_size / size : 0;
}

/* The index of the .kpatch.relocations entry whose symbol is `name`, or -1. */
static long krela_named(struct obj *o, const char *name)
{
	for (size_t i = 0; i < entries(o, ".kpatch.relocations", TT_CDO_KRELA_SIZE); i++) {
		int64_t ksym;
		reloc_at(o, ".rela.kpatch.relocations",
			 i * TT_CDO_KRELA_SIZE + TT_CDO_KRELA_KSYM_OFF, &ksym);
		if (strcmp(string_at(o, ".kpatch.symbols", (uint64_t)ksym + TT_CDO_KSYM_NAME_OFF),
			   name) == 0)
			return (long)i;
	}
	return -1;
}

/* ---- the command ---- */

static void test_changed_function_is_a_kpatch_funcs_entry(void **state)
{
	(void)state;
	struct cdo_case c;
	case_build(&c, "changed", fx_orig, fx_patched);
	assert_int_equal(cdo(&c, NULL, "vmlinux", NULL), 0);
	struct obj o;
	obj_open(&o, c.out);
	assert_int_equal(entries(&o, ".kpatch.funcs", TT_CDO_FUNC_SIZE), 1);
	assert_string_equal(string_at(&o, ".kpatch.funcs", TT_CDO_FUNC_NAME_OFF), "target");
	assert_string_equal(string_at(&o, ".kpatch.funcs", TT_CDO_FUNC_OBJNAME_OFF), "vmlinux");
	assert_int_equal(u64_at(&o, ".kpatch.funcs", 32), 0); /* sympos: a unique name */
	int64_t addend;
	const char *new_func = reloc_at(&o, ".rela.kpatch.funcs", 0, &addend);
	assert_non_null(strstr(new_func, "target"));
	assert_int_equal(u64_at(&o, ".kpatch.funcs", 8) > 0, 1); /* new_size */
	obj_close(&o);
	case_free(&c);
}

static void test_relocations_to_locals_become_kpatch_relocations(void **state)
{
	(void)state;
	struct cdo_case c;
	case_build(&c, "locals", fx_orig, fx_patched);
	assert_int_equal(cdo(&c, NULL, "vmlinux", NULL), 0);
	struct obj o;
	obj_open(&o, c.out);
	size_t n = entries(&o, ".kpatch.relocations", TT_CDO_KRELA_SIZE);
	assert_int_equal(n, entries(&o, ".kpatch.symbols", TT_CDO_KSYM_SIZE));
	/* helper is static and repeated: the second in SYMTAB, by fx.c's FILE block. */
	long i = krela_named(&o, "helper");
	assert_true(i >= 0);
	uint64_t base = (uint64_t)i * TT_CDO_KRELA_SIZE;
	int64_t dest, ksym;
	assert_string_equal(reloc_at(&o, ".rela.kpatch.relocations", base, &dest), ".text.target");
	assert_string_equal(string_at(&o, ".kpatch.relocations", base + TT_CDO_KRELA_OBJNAME_OFF),
			    "vmlinux");
	reloc_at(&o, ".rela.kpatch.relocations", base + TT_CDO_KRELA_KSYM_OFF, &ksym);
	assert_int_equal(u64_at(&o, ".kpatch.symbols", (uint64_t)ksym + 8), 2);
	assert_string_equal(
	    string_at(&o, ".kpatch.symbols", (uint64_t)ksym + TT_CDO_KSYM_OBJNAME_OFF), "vmlinux");
	/* The call's addend is kept: -4 for a PC-relative call. */
	assert_int_equal((int64_t)u64_at(&o, ".kpatch.relocations", base + 16), -4);
	/* Unexported global: sympos 0. Exported: left to the module loader. */
	assert_true(krela_named(&o, "hidden_fn") >= 0);
	assert_int_equal(krela_named(&o, "exported_fn"), -1);
	/* No tuxtape placeholder survives as a symbol. */
	GElf_Shdr sh;
	Elf_Data *syms = section(&o, ".symtab", &sh);
	for (size_t k = 0; k < syms->d_size / sizeof(Elf64_Sym); k++) {
		GElf_Sym sym;
		gelf_getsym(syms, (int)k, &sym);
		assert_null(strstr(elf_strptr(o.elf, sh.sh_link, sym.st_name), "__tt_klp_sym"));
	}
	obj_close(&o);
	case_free(&c);
}

static void test_changed_static_gets_its_sympos(void **state)
{
	(void)state;
	static const char patched[] =
	    "extern int exported_fn(int);\nextern int hidden_fn(int);\nint shared_counter;\n"
	    "__attribute__((noinline)) static int helper(int x) { return x * 5 + shared_counter; "
	    "}\nint other(int x) { return helper(x) - 1; }\n"
	    "int target(int x)\n{\n\treturn helper(x) + exported_fn(x) + hidden_fn(x) + 1;\n}\n";
	static const char orig[] =
	    "extern int exported_fn(int);\nextern int hidden_fn(int);\nint shared_counter;\n"
	    "__attribute__((noinline)) static int helper(int x) { return x * 3 + shared_counter; "
	    "}\nint other(int x) { return helper(x) - 1; }\n"
	    "int target(int x)\n{\n\treturn helper(x) + exported_fn(x) + hidden_fn(x) + 1;\n}\n";
	struct cdo_case c;
	case_build(&c, "static", orig, patched);
	assert_int_equal(cdo(&c, NULL, "vmlinux", NULL), 0);
	struct obj o;
	obj_open(&o, c.out);
	assert_int_equal(entries(&o, ".kpatch.funcs", TT_CDO_FUNC_SIZE), 1);
	assert_string_equal(string_at(&o, ".kpatch.funcs", TT_CDO_FUNC_NAME_OFF), "helper");
	assert_int_equal(u64_at(&o, ".kpatch.funcs", 32), 2);
	obj_close(&o);
	case_free(&c);
}

static void test_module_parent_names_the_module(void **state)
{
	(void)state;
	struct cdo_case c;
	case_build(&c, "module", fx_orig, fx_patched);
	assert_int_equal(cdo(&c, NULL, "tt_mod", NULL), 0);
	struct obj o;
	obj_open(&o, c.out);
	assert_string_equal(string_at(&o, ".kpatch.funcs", TT_CDO_FUNC_OBJNAME_OFF), "tt_mod");
	long i = krela_named(&o, "helper");
	assert_true(i >= 0);
	int64_t ksym;
	reloc_at(&o, ".rela.kpatch.relocations", (uint64_t)i * TT_CDO_KRELA_SIZE + 32, &ksym);
	assert_string_equal(
	    string_at(&o, ".kpatch.symbols", (uint64_t)ksym + TT_CDO_KSYM_OBJNAME_OFF), "tt_mod");
	/* A module's symbols are found at load: src stays 0. */
	assert_int_equal(u64_at(&o, ".kpatch.symbols", (uint64_t)ksym), 0);
	obj_close(&o);
	case_free(&c);
}

static void test_identical_objects_exit_3(void **state)
{
	(void)state;
	struct cdo_case c;
	case_build(&c, "same", fx_orig, fx_orig);
	unlink(c.out);
	assert_int_equal(cdo(&c, NULL, "vmlinux", NULL), 3);
	assert_false(tt_path_exists(c.out));
	case_free(&c);
}

static void test_changed_data_exits_2_naming_it(void **state)
{
	(void)state;
	char *patched = tt_xstrdup(fx_orig);
	char *at = strstr(patched, "int shared_counter;");
	char *changed = tt_xasprintf("%.*sint shared_counter = 5;%s", (int)(at - patched), patched,
				     at + strlen("int shared_counter;"));
	struct cdo_case c;
	case_build(&c, "data", fx_orig, changed);
	unlink(c.out);
	assert_int_equal(cdo(&c, NULL, "vmlinux", NULL), 2);
	char *msg = stderr_text(&c);
	assert_non_null(strstr(msg, "shared_counter"));
	assert_false(tt_path_exists(c.out));
	free(msg), free(patched), free(changed);
	case_free(&c);
}

static void test_kpatch_callback_macros_are_refused(void **state)
{
	(void)state;
	char *patched =
	    tt_xasprintf("%s__attribute__((used, section(\".kpatch.callbacks.pre_patch\"))) static "
			 "void *pre_patch_cb = (void *)other;\n",
			 fx_patched);
	struct cdo_case c;
	case_build(&c, "callbacks", fx_orig, patched);
	assert_int_equal(cdo(&c, NULL, "vmlinux", NULL), 2);
	char *msg = stderr_text(&c);
	assert_non_null(strstr(msg, ".kpatch.callbacks.pre_patch"));
	free(msg), free(patched);
	case_free(&c);
}

static void test_bad_symtab_exits_1_with_the_line(void **state)
{
	(void)state;
	struct cdo_case c;
	case_build(&c, "badsymtab", fx_orig, fx_patched);
	char *bad = write_tmp("badsymtab/bad.txt",
			      "\nSymbol table '.symtab' contains 2 entries:\n"
			      "   Num:    Value          Size Type    Bind   Vis      Ndx Name\n"
			      "     0: 0000000000000000     0 NOTYPE  LOCAL  DEFAULT  UND \n"
			      "     1: zzzz not a symbol\n");
	assert_int_equal(cdo(&c, NULL, "vmlinux", bad), 1);
	char *msg = stderr_text(&c);
	assert_non_null(strstr(msg, "bad.txt:5: not a symbol line"));
	free(msg);
	char *empty = write_tmp("badsymtab/empty.txt", "readelf: Error: 'x': No such file\n");
	assert_int_equal(cdo(&c, NULL, "vmlinux", empty), 1);
	msg = stderr_text(&c);
	assert_non_null(strstr(msg, "readelf -s --wide"));
	free(msg), free(bad), free(empty);
	case_free(&c);
}

static void test_symtab_of_another_kernel_exits_1_naming_the_file(void **state)
{
	(void)state;
	struct cdo_case c;
	case_build(&c, "otherkernel", fx_orig, fx_patched);
	/* Built from other sources: no fx.c block, so the static helper cannot be placed. */
	char *cmd =
	    tt_xasprintf("cd '%s' && sed 's/ fx\\.c$/ other.c/' symtab.txt > other.txt", c.dir);
	run(cmd);
	char *other = tt_xasprintf("%s/other.txt", c.dir);
	assert_int_equal(cdo(&c, NULL, "vmlinux", other), 1);
	char *msg = stderr_text(&c);
	assert_non_null(strstr(msg, "static `helper`"));
	assert_non_null(strstr(msg, "no FILE symbol `fx.c`"));
	free(msg), free(other), free(cmd);
	case_free(&c);
}

static void test_struct_sizes_are_checked_against_the_tables(void **state)
{
	(void)state;
	struct cdo_case c;
	case_build(&c, "sizes", fx_orig, fx_patched);
	/* Right for these objects: 12-byte __bug_table entries. */
	assert_int_equal(cdo(&c, "BUG_STRUCT_SIZE=12 EX_STRUCT_SIZE=12", "vmlinux", NULL), 0);
	/* Another layout: entries split at 16 would be carried for the wrong functions. */
	assert_int_equal(cdo(&c, "BUG_STRUCT_SIZE=16", "vmlinux", NULL), 1);
	char *msg = stderr_text(&c);
	assert_non_null(strstr(msg, "BUG_STRUCT_SIZE=16"));
	assert_non_null(strstr(msg, "__bug_table"));
	free(msg);
	assert_int_equal(cdo(&c, "BUG_STRUCT_SIZE=6", "vmlinux", NULL), 1);
	assert_int_equal(cdo(&c, "BUG_STRUCT_SIZE=ten", "vmlinux", NULL), 1);
	msg = stderr_text(&c);
	assert_non_null(strstr(msg, "BUG_STRUCT_SIZE=ten: not an entry size"));
	free(msg);
	/* A table the objects do not have is not checked. */
	assert_int_equal(cdo(&c, "JUMP_STRUCT_SIZE=24", "vmlinux", NULL), 0);
	case_free(&c);
}

static void test_usage_errors_exit_1(void **state)
{
	(void)state;
	char *cmd =
	    tt_xasprintf("'%s/cmd/cdo/tuxtape-cdo' a b c >/dev/null 2>&1", getenv("TT_BUILD_ROOT"));
	int rc = system(cmd);
	free(cmd);
	assert_int_equal(WEXITSTATUS(rc), 1);
}

/* ---- the readelf text parser ---- */

static const char readelf_text[] =
    "\nSymbol table '.dynsym' contains 1 entry:\n"
    "   Num:    Value          Size Type    Bind   Vis      Ndx Name\n"
    "     0: 0000000000000000     0 NOTYPE  LOCAL  DEFAULT  UND \n"
    "\nSymbol table '.symtab' contains 9 entries:\n"
    "   Num:    Value          Size Type    Bind   Vis      Ndx Name\n"
    "     0: 0000000000000000     0 NOTYPE  LOCAL  DEFAULT  UND \n"
    "     1: 0000000000000000     0 FILE    LOCAL  DEFAULT  ABS a.c\n"
    "     2: ffffffff81000300    16 FUNC    LOCAL  DEFAULT    1 show\n"
    "     3: ffffffff81000400 0x186a0 OBJECT  LOCAL  DEFAULT    4 table\n"
    "     4: 0000000000000000     0 FILE    LOCAL  DEFAULT  ABS b.c\n"
    "     5: ffffffff81000100    16 FUNC    LOCAL  DEFAULT [<localentry>: 8]    1 show\n"
    "     6: 0000000000000000     0 NOTYPE  GLOBAL DEFAULT OS [0xff20] .klp.sym.vmlinux.x,0\n"
    "     7: ffffffff81000500    32 FUNC    GLOBAL DEFAULT    1 start\n"
    "     8: 0000000000000000     0 NOTYPE  GLOBAL DEFAULT  UND printk\n";

static void test_parser_reads_fields_and_file_blocks(void **state)
{
	(void)state;
	struct tt_cdo_symtab *t = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_cdo_symtab_parse(readelf_text, strlen(readelf_text), "t", &t, &err), 0);
	assert_int_equal(tt_cdo_symtab_count(t), 9); /* .dynsym is skipped */
	const struct tt_cdo_symbol *s = tt_cdo_symtab_get(t, 3);
	assert_string_equal(s->name, "table");
	assert_int_equal(s->size, 100000);
	assert_int_equal(s->file, 1);
	assert_int_equal(tt_cdo_symtab_get(t, 5)->file, 4);
	assert_int_equal(tt_cdo_symtab_get(t, 7)->file, SIZE_MAX);
	assert_false(tt_cdo_symtab_get(t, 8)->defined);
	assert_string_equal(tt_cdo_symtab_get(t, 6)->name, ".klp.sym.vmlinux.x,0");
	assert_string_equal(tt_cdo_symtab_get(t, 0)->name, "");
	tt_cdo_symtab_free(t);
}

static void test_sympos_follows_kallsyms_order(void **state)
{
	(void)state;
	struct tt_cdo_symtab *t = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_cdo_symtab_parse(readelf_text, strlen(readelf_text), "t", &t, &err), 0);
	const char *locals[] = {"show", "table"};
	size_t block;
	assert_int_equal(tt_cdo_symtab_find_block(t, "a.c", locals, 2, &block, &err), 0);
	assert_int_equal(block, 1);
	struct tt_cdo_lookup l;
	/* a.c's show is first in the table but second by address (vmlinux's kallsyms order). */
	assert_int_equal(tt_cdo_symtab_lookup(t, block, "show", true, &l, &err), 0);
	assert_int_equal(l.sympos, 2);
	assert_int_equal(l.addr, 0xffffffff81000300);
	assert_int_equal(tt_cdo_symtab_lookup(t, block, "show", false, &l, &err), 0);
	assert_int_equal(l.sympos, 1);
	assert_int_equal(tt_cdo_symtab_lookup(t, SIZE_MAX, "start", true, &l, &err), 0);
	assert_int_equal(l.sympos, 0);
	assert_int_equal(tt_cdo_symtab_lookup(t, SIZE_MAX, "printk", true, &l, &err), -ENOENT);
	assert_int_equal(tt_cdo_symtab_lookup(t, block, "missing", true, &l, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "FILE `a.c`"));
	assert_int_equal(tt_cdo_symtab_find_block(t, "c.c", locals, 2, &block, &err), -ENOENT);
	tt_cdo_symtab_free(t);
}

static void test_parser_refuses_bad_lines(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "Symbol table '.symtab' contains 1 entry:\n  1: 00 0 FUNC LOCAL\n",
	    "Symbol table '.symtab' contains 1 entry:\n  1: 00 0 BOGUS LOCAL DEFAULT 1 x\n",
	    "Symbol table '.symtab' contains 1 entry:\n  x: 00 0 FUNC LOCAL DEFAULT 1 x\n",
	    "Symbol table '.symtab' contains 1 entry:\n  1: 0g 0 FUNC LOCAL DEFAULT 1 x\n",
	    "Symbol table '.symtab' contains 1 entry:\n  1: 00 0 FUNC LOCAL DEFAULT zz x\n",
	    "nothing here\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tt_cdo_symtab *t = NULL;
		struct tt_error err = {0};
		assert_int_equal(tt_cdo_symtab_parse(bad[i], strlen(bad[i]), "t", &t, &err),
				 -EINVAL);
		assert_null(t);
		assert_true(err.msg[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_changed_function_is_a_kpatch_funcs_entry),
	    cmocka_unit_test(test_relocations_to_locals_become_kpatch_relocations),
	    cmocka_unit_test(test_changed_static_gets_its_sympos),
	    cmocka_unit_test(test_module_parent_names_the_module),
	    cmocka_unit_test(test_identical_objects_exit_3),
	    cmocka_unit_test(test_changed_data_exits_2_naming_it),
	    cmocka_unit_test(test_kpatch_callback_macros_are_refused),
	    cmocka_unit_test(test_bad_symtab_exits_1_with_the_line),
	    cmocka_unit_test(test_symtab_of_another_kernel_exits_1_naming_the_file),
	    cmocka_unit_test(test_struct_sizes_are_checked_against_the_tables),
	    cmocka_unit_test(test_usage_errors_exit_1),
	    cmocka_unit_test(test_parser_reads_fields_and_file_blocks),
	    cmocka_unit_test(test_sympos_follows_kallsyms_order),
	    cmocka_unit_test(test_parser_refuses_bad_lines),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
