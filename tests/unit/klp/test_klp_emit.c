// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The livepatch writer on real GCC output: emit an object from a diff of
 * two builds, link it with `ld -r` as kbuild does, rewrite its livepatch
 * relocations, and read the result back with libelf.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>

#include "klp_test.h"

#define FLAGS		   KLP_KERNEL_FLAGS " " KLP_SECTION_FLAGS
#define SHN_LIVEPATCH	   0xff20
#define SHF_RELA_LIVEPATCH 0x00100000

/* Table entries as the kernel's macros emit them (6.1 x86_64 layouts). */
#define FIXTURE_HEAD                                                                               \
	"extern int exported_fn(int);\n"                                                           \
	"extern int hidden_fn(int);\n"                                                             \
	"int shared_counter;\n"                                                                    \
	"static int key;\n"                                                                        \
	"#define BUGGY() asm volatile(\"1: ud2\\n\\t.pushsection __bug_table, \\\"aw\\\"\\n\\t"    \
	"2: .long 1b - .\\n\\t.long %c0 - .\\n\\t.word 0\\n\\t.word 0\\n\\t.org 2b + 12\\n\\t"     \
	".popsection\" : : \"i\"(__FILE__))\n"                                                     \
	"#define JUMP(l) asm goto(\"1: .byte 0x0f,0x1f,0x44,0x00,0x00\\n\\t"                       \
	".pushsection __jump_table, \\\"aw\\\"\\n\\t.balign 8\\n\\t"                               \
	".long 1b - ., %l[\" #l \"] - .\\n\\t.quad %c0 - .\\n\\t.popsection\" "                    \
	": : \"i\"(&key) : : l)\n"                                                                 \
	"__attribute__((noinline)) static int helper(int x) { return x * 3 + shared_counter; }\n"  \
	"int other(int x)\n{\n\tif (x > 100)\n\t\tBUGGY();\n\tJUMP(yes);\n"                        \
	"\treturn helper(x) - 1;\nyes:\n\treturn 7;\n}\n"

static const char emit_orig[] =
    FIXTURE_HEAD "int target(int x)\n{\n\tif (x < 0)\n\t\tBUGGY();\n\tJUMP(yes);\n"
		 "\treturn helper(x) + exported_fn(x) + hidden_fn(x) + 1;\nyes:\n\treturn 5;\n}\n";
static const char emit_patched[] =
    FIXTURE_HEAD "int target(int x)\n{\n\tif (x < 0)\n\t\tBUGGY();\n\tJUMP(yes);\n"
		 "\treturn helper(x) + exported_fn(x) + hidden_fn(x) + 2;\nyes:\n\treturn 5;\n}\n";

/* Two `helper`s in the target kernel: the second sits among this object's symbols. */
static const char kallsyms[] = "ffffffff81000000 T _stext\n"
			       "ffffffff81000100 t helper\n"
			       "ffffffff81000200 T somebody_else\n"
			       "ffffffff81100000 T other\n"
			       "ffffffff81100040 t helper\n"
			       "ffffffff81100080 T target\n"
			       "ffffffff81100100 T hidden_fn\n"
			       "ffffffff81100200 T exported_fn\n"
			       "ffffffff82000000 B shared_counter\n"
			       "ffffffff82000010 b key\n"
			       "ffffffffc0000000 t helper\t[some_mod]\n";

static const char symvers[] = "0x12345678\texported_fn\tvmlinux\tEXPORT_SYMBOL\t\n"
			      "0x11111111\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n"
			      "0x9abcdef0\tother_export\tvmlinux\tEXPORT_SYMBOL_GPL\t\n";

static int setup(void **state)
{
	(void)state;
	return klp_have_gcc() ? 0 : -1;
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

/* Build VARIANT/NAME.c from source text, inside VARIANT/ so __FILE__ matches. */
static char *compile_src(const char *name, const char *variant, const char *src)
{
	char *dir = tmp_path(variant);
	char *mk = tt_xasprintf("mkdir -p '%s'", dir);
	run(mk);
	char *file = tt_xasprintf("%s/%s.c", variant, name);
	free(write_tmp(file, src));
	char *cmd = tt_xasprintf("cd '%s' && gcc %s -c %s.c -o %s.o", dir, FLAGS, name, name);
	run(cmd);
	char *obj = tt_xasprintf("%s/%s.o", dir, name);
	free(mk), free(file), free(cmd), free(dir);
	return obj;
}

struct emitted {
	struct tt_elf *a, *b;
	struct tt_klp_diff *d;
	struct tt_klp_symtab *st;
	struct tt_klp_manifest m;
	char *out;
	int rc;
	struct tt_error err;
};

static void emit_pair_in(struct emitted *x, const char *objname, const char *name, const char *orig,
			 const char *patched, const char *map, const char *symvers_text);

static void emit_pair(struct emitted *x, const char *name, const char *orig, const char *patched,
		      const char *map, const char *symvers_text)
{
	emit_pair_in(x, "vmlinux", name, orig, patched, map, symvers_text);
}

static void emit_pair_in(struct emitted *x, const char *objname, const char *name, const char *orig,
			 const char *patched, const char *map, const char *symvers_text)
{
	memset(x, 0, sizeof(*x));
	char *pa = compile_src(name, "orig", orig), *pb = compile_src(name, "patched", patched);
	x->a = klp_open(pa);
	x->b = klp_open(pb);
	assert_int_equal(tt_klp_diff(x->a, x->b, &x->d, &x->err), 0);
	if (map) {
		char *p = write_tmp("kallsyms", map);
		assert_int_equal(tt_klp_symtab_load(p, &x->st, &x->err), 0);
		free(p);
	}
	if (symvers_text) {
		if (!x->st)
			x->st = tt_klp_symtab_new();
		char *p = write_tmp("Module.symvers", symvers_text);
		assert_int_equal(tt_klp_symtab_load_symvers(x->st, p, &x->err), 0);
		free(p);
	}
	char *base = tt_xasprintf("%s-livepatch.o", name);
	x->out = tmp_path(base);
	free(base);
	unlink(x->out);
	struct tt_klp_emit_options o = {objname, "fs/emitfx.c", x->st};
	x->rc = tt_klp_emit(x->d, &o, x->out, &x->m, &x->err);
	free(pa), free(pb);
}

static void emitted_free(struct emitted *x)
{
	tt_klp_manifest_free(&x->m);
	tt_klp_symtab_free(x->st);
	tt_klp_diff_free(x->d);
	tt_elf_close(x->a);
	tt_elf_close(x->b);
	free(x->out);
}

/* ---- reading the output back ---- */

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

static Elf_Scn *section(struct obj *o, const char *name, GElf_Shdr *sh)
{
	for (Elf_Scn *s = elf_nextscn(o->elf, NULL); s; s = elf_nextscn(o->elf, s)) {
		gelf_getshdr(s, sh);
		if (strcmp(elf_strptr(o->elf, o->shstrndx, sh->sh_name), name) == 0)
			return s;
	}
	return NULL;
}

/* The symbol named `name`; its index in *index. */
static bool symbol(struct obj *o, const char *name, GElf_Sym *out, size_t *index)
{
	GElf_Shdr sh;
	Elf_Scn *s = section(o, ".symtab", &sh);
	assert_non_null(s);
	Elf_Data *d = elf_getdata(s, NULL);
	for (size_t i = 0; i < d->d_size / sizeof(Elf64_Sym); i++) {
		gelf_getsym(d, (int)i, out);
		if (strcmp(elf_strptr(o->elf, sh.sh_link, out->st_name), name) == 0) {
			if (index)
				*index = i;
			return true;
		}
	}
	return false;
}

static size_t entries(struct obj *o, const char *name, size_t esize)
{
	GElf_Shdr sh;
	return section(o, name, &sh) ? sh.sh_size / esize : 0;
}

/* How many relocations of section `rela` name symbol `sym`. */
static size_t relocs_against(struct obj *o, const char *rela, const char *sym)
{
	GElf_Shdr sh;
	Elf_Scn *s = section(o, rela, &sh);
	if (!s)
		return 0;
	Elf_Data *d = elf_getdata(s, NULL);
	size_t n = 0, want;
	GElf_Sym ignored;
	if (!symbol(o, sym, &ignored, &want))
		return 0;
	for (size_t i = 0; i < d->d_size / sizeof(Elf64_Rela); i++) {
		GElf_Rela r;
		gelf_getrela(d, (int)i, &r);
		n += GELF_R_SYM(r.r_info) == want;
	}
	return n;
}

/* ---- tests ---- */

static void test_static_helper_becomes_a_klp_reference_with_its_sympos(void **state)
{
	(void)state;
	struct emitted x;
	emit_pair(&x, "emitfx", emit_orig, emit_patched, kallsyms, symvers);
	if (x.rc)
		fail_msg("%s", x.err.msg);
	struct obj o;
	obj_open(&o, x.out);
	GElf_Sym s;
	/* helper is static and unchanged: the second of vmlinux's two, by its neighbours. */
	assert_true(symbol(&o, "__tt_klp_sym.vmlinux.helper,2", &s, NULL));
	assert_int_equal(s.st_shndx, SHN_UNDEF);
	assert_int_equal(GELF_ST_BIND(s.st_info), STB_WEAK);
	assert_true(relocs_against(&o, ".rela.text.target", "__tt_klp_sym.vmlinux.helper,2") >= 1);
	/* Exported: a plain undefined name. Not exported: klp. Unique names: sympos 0. */
	assert_true(symbol(&o, "exported_fn", &s, NULL));
	assert_int_equal(GELF_ST_BIND(s.st_info), STB_GLOBAL);
	assert_int_equal(s.st_shndx, SHN_UNDEF);
	assert_true(symbol(&o, "__tt_klp_sym.vmlinux.hidden_fn,0", &s, NULL));
	assert_false(symbol(&o, "hidden_fn", &s, NULL));
	/* other() did not change: not copied. */
	assert_false(symbol(&o, "other", &s, NULL));
	obj_close(&o);
	emitted_free(&x);
}

static void test_each_replaced_function_gets_a_global_alias(void **state)
{
	(void)state;
	struct emitted x;
	emit_pair(&x, "emitfx", emit_orig, emit_patched, kallsyms, symvers);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.m.n, 1);
	assert_string_equal(x.m.funcs[0].objname, "vmlinux");
	assert_string_equal(x.m.funcs[0].old_name, "target");
	assert_int_equal(x.m.funcs[0].old_sympos, 0);
	assert_string_equal(x.m.funcs[0].new_symbol, "__tt_klp_new_vmlinux__target__0");
	struct obj o;
	obj_open(&o, x.out);
	GElf_Sym alias, fn;
	assert_true(symbol(&o, "__tt_klp_new_vmlinux__target__0", &alias, NULL));
	assert_true(symbol(&o, "target", &fn, NULL));
	assert_int_equal(GELF_ST_BIND(alias.st_info), STB_GLOBAL);
	assert_int_equal(GELF_ST_TYPE(alias.st_info), STT_FUNC);
	/* The copy is local: two objects of one livepatch may carry the same names. */
	assert_int_equal(GELF_ST_BIND(fn.st_info), STB_LOCAL);
	assert_int_equal(alias.st_shndx, fn.st_shndx);
	assert_int_equal(alias.st_value, fn.st_value);
	obj_close(&o);
	emitted_free(&x);
}

static void test_special_sections_keep_only_entries_of_included_functions(void **state)
{
	(void)state;
	struct emitted x;
	emit_pair(&x, "emitfx", emit_orig, emit_patched, kallsyms, symvers);
	assert_int_equal(x.rc, 0);
	struct obj o;
	obj_open(&o, x.out);
	/* ORIG.o has two of each (target and other); only target's are carried. */
	assert_int_equal(entries(&o, "__mcount_loc", 8), 1);
	assert_int_equal(entries(&o, "__bug_table", 12), 1);
	/* Its file name is an assembler label kallsyms does not list: copied, not referenced. */
	assert_int_equal(relocs_against(&o, ".rela__bug_table", ".LC0") +
			     relocs_against(&o, ".rela__bug_table", ".LC1") +
			     relocs_against(&o, ".rela__bug_table", ".LC2"),
			 0);
	assert_int_equal(entries(&o, "__jump_table", 16), 1);
	/* The entry's static key is the running kernel's: a klp reference too. */
	assert_int_equal(relocs_against(&o, ".rela__jump_table", "__tt_klp_sym.vmlinux.key,0"), 1);
	/* ... and points into the copy of target(). */
	GElf_Shdr sh, text;
	Elf_Data *d = elf_getdata(section(&o, ".rela__mcount_loc", &sh), NULL);
	GElf_Rela r;
	GElf_Sym s;
	gelf_getrela(d, 0, &r);
	gelf_getsym(elf_getdata(elf_getscn(o.elf, sh.sh_link), NULL), (int)GELF_R_SYM(r.r_info),
		    &s);
	assert_int_equal(s.st_shndx, elf_ndxscn(section(&o, ".text.target", &text)));
	obj_close(&o);
	emitted_free(&x);
}

static void test_without_symbol_tables_names_are_taken_as_exported_and_unique(void **state)
{
	(void)state;
	struct emitted x;
	emit_pair(&x, "emitfx", emit_orig, emit_patched, NULL, NULL);
	assert_int_equal(x.rc, 0);
	struct obj o;
	obj_open(&o, x.out);
	GElf_Sym s;
	assert_true(symbol(&o, "hidden_fn", &s, NULL));
	assert_true(symbol(&o, "__tt_klp_sym.vmlinux.helper,0", &s, NULL));
	obj_close(&o);
	emitted_free(&x);
}

static void assert_refused(struct emitted *x, const char *part)
{
	assert_int_equal(x->rc, -EPERM);
	if (!strstr(x->err.msg, part))
		fail_msg("'%s' does not say '%s'", x->err.msg, part);
	assert_int_equal(access(x->out, F_OK), -1); /* nothing written */
}

static void test_ambiguous_duplicate_local_is_refused(void **state)
{
	(void)state;
	/* Two helpers, neither near anything of this object. */
	static const char map[] = "ffffffff81000100 t helper\n"
				  "ffffffff81000200 T a\n"
				  "ffffffff81900000 t helper\n"
				  "ffffffff81900200 T b\n";
	struct emitted x;
	emit_pair(&x, "emitfx", emit_orig, emit_patched, map, symvers);
	assert_refused(&x, "2 symbols named `helper`");
	emitted_free(&x);
}

static void test_missing_symbol_in_the_target_is_refused(void **state)
{
	(void)state;
	static const char map[] = "ffffffff81000100 T target\nffffffff81000200 T other\n";
	struct emitted x;
	emit_pair(&x, "emitfx", emit_orig, emit_patched, map, symvers);
	assert_refused(&x, "no symbol `helper` in the target's symbol table");
	emitted_free(&x);
}

static void test_changed_data_is_refused(void **state)
{
	(void)state;
	struct emitted x;
	emit_pair(&x, "data", "int limit = 5;\nint get(void) { return limit; }\n",
		  "int limit = 6;\nint get(void) { return limit + 1; }\n", NULL, NULL);
	assert_refused(&x, "changed data `limit`");
	emitted_free(&x);
}

static void test_nothing_changed_is_refused(void **state)
{
	(void)state;
	struct emitted x;
	emit_pair(&x, "same", "int get(int x) { return x + 1; }\n",
		  "int get(int x) { return x + 1; }\n", NULL, NULL);
	assert_refused(&x, "no function changed");
	emitted_free(&x);
}

static void test_unsupported_special_section_is_refused(void **state)
{
	(void)state;
	static const char fmt[] = "static int f(int x) { return x + %d; }\n"
				  "int (*const tbl)(int) __attribute__((section(\"__my_table\"), "
				  "used)) = f;\nint g(int x) { return f(x); }\n";
	char *a = tt_xasprintf(fmt, 1), *b = tt_xasprintf(fmt, 2);
	struct emitted x;
	emit_pair(&x, "unsup", a, b, NULL, NULL);
	assert_refused(&x, "__my_table");
	emitted_free(&x);
	free(a), free(b);
}

static void test_module_table_entry_needing_a_module_symbol_is_refused(void **state)
{
	(void)state;
	struct emitted x;
	/* Patching a module: the jump entry's key would be a klp relocation into xfs. */
	emit_pair_in(&x, "xfs", "emitfx", emit_orig, emit_patched, NULL, symvers);
	assert_refused(&x, "__jump_table entry");
	assert_non_null(strstr(x.err.msg, "`key` of module xfs"));
	emitted_free(&x);
}

static void test_module_code_references_its_module_through_klp(void **state)
{
	(void)state;
	/* The same without the jump entry: code may reference the module's statics. */
	static const char orig[] =
	    "__attribute__((noinline)) static int helper(int x) { return x * 3; }\n"
	    "int other(int x) { return helper(x) - 1; }\n"
	    "int target(int x) { return helper(x) + 1; }\n";
	static const char patched[] =
	    "__attribute__((noinline)) static int helper(int x) { return x * 3; }\n"
	    "int other(int x) { return helper(x) - 1; }\n"
	    "int target(int x) { return helper(x) + 2; }\n";
	struct emitted x;
	emit_pair_in(&x, "xfs", "modfx", orig, patched, NULL, symvers);
	if (x.rc)
		fail_msg("%s", x.err.msg);
	assert_string_equal(x.m.funcs[0].objname, "xfs");
	assert_string_equal(x.m.funcs[0].new_symbol, "__tt_klp_new_xfs__target__0");
	struct obj o;
	obj_open(&o, x.out);
	GElf_Sym s;
	assert_true(symbol(&o, "__tt_klp_sym.xfs.helper,0", &s, NULL));
	assert_true(symbol(&o, "__fentry__", &s, NULL));
	obj_close(&o);
	emitted_free(&x);
}

/*
 * Module code that calls exports: vmlinux's by name, its own module's and a
 * module's it depends on through livepatch relocations, so the livepatch
 * loads before either (Module.symvers names modules by path).
 */
static void test_module_exports_become_klp_relocations(void **state)
{
	(void)state;
	static const char orig[] = "extern int vm_fn(int);\nextern int own_fn(int);\n"
				   "extern int dep_fn(int);\n"
				   "int target(int x) { return vm_fn(x) + own_fn(x); }\n";
	static const char patched[] =
	    "extern int vm_fn(int);\nextern int own_fn(int);\n"
	    "extern int dep_fn(int);\n"
	    "int target(int x) { return vm_fn(x) + own_fn(x) + dep_fn(x); }\n";
	static const char sv[] = "0x11111111\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n"
				 "0x1\tvm_fn\tvmlinux\tEXPORT_SYMBOL\t\n"
				 "0x2\town_fn\tnet/netfilter/nf_conntrack_irc\tEXPORT_SYMBOL\t\n"
				 "0x3\tdep_fn\tnet/netfilter/nf_conntrack\tEXPORT_SYMBOL_GPL\t\n";
	struct emitted x;
	emit_pair_in(&x, "nf_conntrack_irc", "expfx", orig, patched, NULL, sv);
	if (x.rc)
		fail_msg("%s", x.err.msg);
	struct obj o;
	obj_open(&o, x.out);
	GElf_Sym s;
	assert_true(symbol(&o, "vm_fn", &s, NULL));
	assert_true(symbol(&o, "__tt_klp_sym.nf_conntrack_irc.own_fn,0", &s, NULL));
	assert_true(symbol(&o, "__tt_klp_sym.nf_conntrack_irc:nf_conntrack.dep_fn,0", &s, NULL));
	assert_false(symbol(&o, "own_fn", &s, NULL));
	assert_false(symbol(&o, "dep_fn", &s, NULL));
	obj_close(&o);
	emitted_free(&x);
}

/* A pr_debug()-like descriptor: a variable in __dyndbg whose key a jump entry uses. */
#define DYNDBG_FIXTURE(n)                                                                          \
	"struct desc { const char *fmt; long pad[5]; int key; int flags; };\n"                     \
	"static struct desc d1 __attribute__((section(\"__dyndbg\"), used, aligned(8))) = "        \
	"{ \"hello\" };\n"                                                                         \
	"int target(int x)\n{\n\tasm goto(\"1: .byte 0x0f,0x1f,0x44,0x00,0x00\\n\\t"               \
	".pushsection __jump_table, \\\"aw\\\"\\n\\t.balign 8\\n\\t"                               \
	".long 1b - ., %l[yes] - .\\n\\t.quad %c0 - .\\n\\t.popsection\" "                         \
	": : \"i\"(&d1.key) : : yes);\n\treturn x + " n ";\nyes:\n\treturn 0;\n}\n"

static void test_module_pr_debug_descriptor_is_copied(void **state)
{
	(void)state;
	struct emitted x;
	emit_pair_in(&x, "xfs", "dyn", DYNDBG_FIXTURE("1"), DYNDBG_FIXTURE("2"), NULL, symvers);
	if (x.rc)
		fail_msg("%s", x.err.msg);
	struct obj o;
	obj_open(&o, x.out);
	GElf_Sym s;
	/* The livepatch has its own descriptor; the jump entry's key is local to it. */
	assert_true(symbol(&o, "d1", &s, NULL));
	assert_int_equal(entries(&o, "__dyndbg", 56), 1);
	assert_false(symbol(&o, "__tt_klp_sym.xfs.d1,0", &s, NULL));
	obj_close(&o);
	emitted_free(&x);
	/* vmlinux keeps referencing the running descriptor: dynamic_debug controls it as before. */
	emit_pair(&x, "dyn", DYNDBG_FIXTURE("1"), DYNDBG_FIXTURE("2"), NULL, symvers);
	if (x.rc)
		fail_msg("%s", x.err.msg);
	obj_open(&o, x.out);
	assert_true(symbol(&o, "__tt_klp_sym.vmlinux.d1,0", &s, NULL));
	obj_close(&o);
	emitted_free(&x);
}

/* ---- after linking ---- */

static const char glue_stub[] = "extern void __tt_klp_new_vmlinux__target__0(void);\n"
				"void *tt_new_funcs[] = { __tt_klp_new_vmlinux__target__0 };\n";

static char *link_module(const char *emitted)
{
	char *glue = compile_src("glue", "glue", glue_stub);
	char *mod = tmp_path("livepatch.o"), *ko = tmp_path("livepatch.ko");
	/* kbuild: ld -r for the module object, ld -r again with the .mod.o for the .ko. */
	char *cmd = tt_xasprintf("ld -r -o '%s' '%s' '%s' && ld -r -o '%s' '%s'", mod, glue,
				 emitted, ko, mod);
	run(cmd);
	free(cmd), free(glue), free(mod);
	return ko;
}

static void test_postlink_writes_klp_relocation_sections_and_symbols(void **state)
{
	(void)state;
	struct emitted x;
	emit_pair(&x, "emitfx", emit_orig, emit_patched, kallsyms, symvers);
	assert_int_equal(x.rc, 0);
	char *ko = link_module(x.out);
	struct tt_klp_postlink_stats st;
	struct tt_error err = {0};
	if (tt_klp_postlink_stats(ko, &st, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(st.symbols, 3); /* helper, hidden_fn, key */
	assert_true(st.relocations >= 3);

	struct obj o;
	obj_open(&o, ko);
	GElf_Shdr sh, target, symtab;
	assert_non_null(section(&o, ".klp.rela.vmlinux..text.target", &sh));
	assert_int_equal(sh.sh_type, SHT_RELA);
	assert_int_equal(sh.sh_flags, SHF_ALLOC | SHF_RELA_LIVEPATCH);
	Elf_Scn *t = section(&o, ".text.target", &target);
	assert_non_null(t);
	assert_int_equal(sh.sh_info, elf_ndxscn(t));
	assert_int_equal(sh.sh_link, elf_ndxscn(section(&o, ".symtab", &symtab)));
	assert_non_null(section(&o, ".klp.rela.vmlinux.__jump_table", &sh));

	GElf_Sym s;
	assert_true(symbol(&o, ".klp.sym.vmlinux.helper,2", &s, NULL));
	assert_int_equal(s.st_shndx, SHN_LIVEPATCH);
	assert_true(symbol(&o, ".klp.sym.vmlinux.hidden_fn,0", &s, NULL));
	assert_false(symbol(&o, "__tt_klp_sym.vmlinux.helper,2", &s, NULL));
	/* Every reference to it moved: none left in the ordinary relocations. */
	assert_int_equal(relocs_against(&o, ".rela.text.target", ".klp.sym.vmlinux.helper,2"), 0);
	assert_true(
	    relocs_against(&o, ".klp.rela.vmlinux..text.target", ".klp.sym.vmlinux.helper,2") >= 1);
	assert_true(relocs_against(&o, ".rela.text.target", "exported_fn") >= 1);
	/* Locals first, as the module loader expects. */
	Elf_Data *d = elf_getdata(section(&o, ".symtab", &symtab), NULL);
	for (size_t i = 1; i < d->d_size / sizeof(Elf64_Sym); i++) {
		gelf_getsym(d, (int)i, &s);
		assert_int_equal(GELF_ST_BIND(s.st_info) == STB_LOCAL, i < symtab.sh_info);
	}
	obj_close(&o);

	/* Run twice: nothing left to do. */
	assert_int_equal(tt_klp_postlink_stats(ko, &st, &err), 0);
	assert_int_equal(st.symbols, 0);
	char *check = tt_xasprintf("readelf -h '%s' >/dev/null", ko);
	run(check);
	free(check);
	free(ko);
	emitted_free(&x);
}

static void test_glue_names_each_function_and_object(void **state)
{
	(void)state;
	struct tt_klp_patched_func f[] = {
	    {"vmlinux", "meminfo_proc_show", "__tt_klp_new_vmlinux__meminfo_proc_show__0", 0},
	    {"xfs", "xfs_foo.isra.0", "__tt_klp_new_xfs__xfs_foo__isra__0__2", 2}};
	struct tt_klp_manifest m = {f, 2, NULL, 0};
	char *path = tmp_path("glue.c"), *text;
	size_t len;
	struct tt_error err = {0};
	assert_int_equal(tt_klp_glue_write(&m, "tt_lp_1", true, path, &err), 0);
	assert_int_equal(tt_read_file(path, &text, &len, &err), 0);
	assert_non_null(strstr(text, ".old_name = \"meminfo_proc_show\""));
	assert_non_null(strstr(text, ".new_func = __tt_klp_new_vmlinux__meminfo_proc_show__0"));
	assert_non_null(strstr(text, ".old_sympos = 2"));
	assert_non_null(strstr(text, ".name = NULL"));
	assert_non_null(strstr(text, ".name = \"xfs\""));
	assert_non_null(strstr(text, ".replace = true"));
	assert_non_null(strstr(text, "MODULE_INFO(livepatch, \"Y\")"));
	assert_non_null(strstr(text, "MODULE_LICENSE(\"GPL\")"));
	assert_non_null(strstr(text, "klp_enable_patch(&tt_patch)"));
	free(text);
	/* A name C cannot hold is refused, not pasted into the source. */
	f[0].old_name = "x\"); evil(";
	assert_int_equal(tt_klp_glue_write(&m, "tt_lp_1", false, path, &err), -EINVAL);
	assert_int_equal(tt_klp_glue_write(&m, "bad-name", false, path, &err), -EINVAL);
	free(path);
}

/* Hooks become their object's callbacks; a hook-only object still gets a klp_object. */
static void test_glue_wires_hooks(void **state)
{
	(void)state;
	struct tt_klp_patched_func f[] = {
	    {"vmlinux", "meminfo_proc_show", "__tt_klp_new_vmlinux__meminfo_proc_show__0", 0}};
	struct tt_klp_hook h[] = {
	    {"vmlinux", "pre_patch", "__tt_klp_hook_vmlinux__pre_patch__a"},
	    {"vmlinux", "pre_patch", "__tt_klp_hook_vmlinux__pre_patch__b"},
	    {"vmlinux", "post_unpatch", "__tt_klp_hook_vmlinux__post_unpatch__c"},
	    {"xfs", "post_patch", "__tt_klp_hook_xfs__post_patch__d"}};
	struct tt_klp_manifest m = {f, 1, h, 4};
	char *path = tmp_path("glue-hooks.c"), *text;
	size_t len;
	struct tt_error err = {0};
	assert_int_equal(tt_klp_glue_write(&m, "tt_lp_h", false, path, &err), 0);
	assert_int_equal(tt_read_file(path, &text, &len, &err), 0);
	assert_non_null(strstr(text, "extern int __tt_klp_hook_vmlinux__pre_patch__a(void);"));
	assert_non_null(strstr(text, "extern void __tt_klp_hook_xfs__post_patch__d(void);"));
	/* Both pre_patch hooks, in order, the first failure stopping the second. */
	const char *a = strstr(text, "ret = __tt_klp_hook_vmlinux__pre_patch__a();");
	const char *b = strstr(text, "ret = __tt_klp_hook_vmlinux__pre_patch__b();");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_non_null(strstr(text, ".callbacks.pre_patch = tt_pre_patch_0,"));
	assert_non_null(strstr(text, ".callbacks.post_unpatch = tt_post_unpatch_0,"));
	assert_null(strstr(text, ".callbacks.post_patch = tt_post_patch_0,"));
	assert_non_null(strstr(text, ".name = \"xfs\""));
	assert_non_null(strstr(text, ".callbacks.post_patch = tt_post_patch_1,"));
	free(text);
	h[0].symbol = "x(); evil";
	assert_int_equal(tt_klp_glue_write(&m, "tt_lp_h", false, path, &err), -EINVAL);
	free(path);
}

static void test_placeholder_names_round_trip(void **state)
{
	(void)state;
	char *n = tt_klp_placeholder_name("vmlinux", "foo.isra.0", 3), *obj, *name;
	unsigned long pos;
	assert_true(tt_klp_placeholder_parse(n, &obj, &name, &pos));
	assert_string_equal(obj, "vmlinux");
	assert_string_equal(name, "foo.isra.0");
	assert_int_equal(pos, 3);
	free(obj), free(name), free(n);
	assert_false(tt_klp_placeholder_parse("foo", &obj, &name, &pos));
	assert_false(tt_klp_placeholder_parse("__tt_klp_sym.vmlinux.foo", &obj, &name, &pos));
	assert_false(tt_klp_placeholder_parse("__tt_klp_sym.vmlinux.foo,x", &obj, &name, &pos));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_static_helper_becomes_a_klp_reference_with_its_sympos),
	    cmocka_unit_test(test_each_replaced_function_gets_a_global_alias),
	    cmocka_unit_test(test_special_sections_keep_only_entries_of_included_functions),
	    cmocka_unit_test(test_without_symbol_tables_names_are_taken_as_exported_and_unique),
	    cmocka_unit_test(test_ambiguous_duplicate_local_is_refused),
	    cmocka_unit_test(test_missing_symbol_in_the_target_is_refused),
	    cmocka_unit_test(test_changed_data_is_refused),
	    cmocka_unit_test(test_nothing_changed_is_refused),
	    cmocka_unit_test(test_unsupported_special_section_is_refused),
	    cmocka_unit_test(test_module_table_entry_needing_a_module_symbol_is_refused),
	    cmocka_unit_test(test_module_code_references_its_module_through_klp),
	    cmocka_unit_test(test_module_pr_debug_descriptor_is_copied),
	    cmocka_unit_test(test_postlink_writes_klp_relocation_sections_and_symbols),
	    cmocka_unit_test(test_glue_names_each_function_and_object),
	    cmocka_unit_test(test_glue_wires_hooks),
	    cmocka_unit_test(test_module_exports_become_klp_relocations),
	    cmocka_unit_test(test_placeholder_names_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
