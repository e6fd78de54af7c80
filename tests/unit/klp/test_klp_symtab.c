// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The target kernel's symbol table: kallsyms and System.map text, a linked
 * ELF as vmlinux, Module.symvers, and the sympos the livepatch core counts.
 */
#include <errno.h>

#include "klp_test.h"

static char *write_tmp(const char *name, const char *text)
{
	char *p = tt_xasprintf("%s/%s", klp_tmpdir(), name);
	struct tt_error err = {0};
	if (tt_write_file_atomic(p, text, strlen(text), &err) != 0)
		fail_msg("%s", err.msg);
	return p;
}

static struct tt_klp_symtab *load(const char *name, const char *text)
{
	char *p = write_tmp(name, text);
	struct tt_klp_symtab *s = NULL;
	struct tt_error err = {0};
	if (tt_klp_symtab_load(p, &s, &err) != 0)
		fail_msg("%s", err.msg);
	free(p);
	return s;
}

static int load_error(const char *name, const char *text, struct tt_error *err)
{
	char *p = write_tmp(name, text);
	struct tt_klp_symtab *s = NULL;
	int r = tt_klp_symtab_load(p, &s, err);
	assert_null(s);
	free(p);
	return r;
}

static unsigned long sympos(const struct tt_klp_symtab *s, const char *obj, const char *name,
			    const char *file, const char *const *nb, size_t nnb)
{
	unsigned long pos = 99;
	struct tt_error err = {0};
	if (tt_klp_symtab_sympos(s, obj, name, file, nb, nnb, &pos, &err) != 0)
		fail_msg("%s", err.msg);
	return pos;
}

static const char kallsyms[] = "ffffffff81000000 T _stext\n"
			       "ffffffff81000010 t show\n"
			       "ffffffff81000020 t a_neighbour\n"
			       "ffffffff81000030 T a_global\n"
			       "ffffffff81000040 T filler_1\n"
			       "ffffffff81000050 T filler_2\n"
			       "ffffffff81000060 T filler_3\n"
			       "ffffffff81000100 t show\n"
			       "ffffffff81000110 t b_neighbour\n"
			       "ffffffff81000120 T b_global\n"
			       "ffffffff81000200 T unique_fn\n"
			       "ffffffff81000300 d show\n"
			       "ffffffffc0001000 t show\t[xfs]\n"
			       "ffffffffc0001010 t show\t[xfs]\n"
			       "ffffffffc0002000 t show\t[ext4]\n";

static void test_kallsyms_sympos_counts_per_object_in_file_order(void **state)
{
	(void)state;
	struct tt_klp_symtab *s = load("kallsyms", kallsyms);
	assert_int_equal(tt_klp_symtab_count(s), 15);
	const char *b[] = {"b_neighbour", "b_global"}, *a[] = {"a_neighbour", "a_global"};
	/* vmlinux has three `show`: text, text, data. */
	assert_int_equal(sympos(s, "vmlinux", "show", NULL, b, 2), 2);
	assert_int_equal(sympos(s, "vmlinux", "show", NULL, a, 2), 1);
	assert_int_equal(sympos(s, "vmlinux", "unique_fn", NULL, NULL, 0), 0);
	/* A module's symbols are counted apart from vmlinux's and other modules'. */
	assert_int_equal(sympos(s, "ext4", "show", NULL, NULL, 0), 0);
	assert_true(tt_klp_symtab_has_object(s, "xfs"));
	assert_true(tt_klp_symtab_defines(s, "xfs", "show"));
	assert_false(tt_klp_symtab_defines(s, "xfs", "unique_fn"));
	tt_klp_symtab_free(s);
}

static void test_ambiguous_and_missing_names_are_errors(void **state)
{
	(void)state;
	struct tt_klp_symtab *s = load("kallsyms", kallsyms);
	unsigned long pos = 7;
	struct tt_error err = {0};
	/* No neighbour places either xfs `show`. */
	assert_int_equal(tt_klp_symtab_sympos(s, "xfs", "show", NULL, NULL, 0, &pos, &err), -EPERM);
	assert_non_null(strstr(err.msg, "2 symbols named `show`"));
	assert_int_equal(tt_klp_symtab_sympos(s, "vmlinux", "no_such", NULL, NULL, 0, &pos, &err),
			 -ENOENT);
	assert_non_null(strstr(err.msg, "no_such"));
	tt_klp_symtab_free(s);
}

static void test_system_map_and_malformed_lines(void **state)
{
	(void)state;
	struct tt_klp_symtab *s = load("System.map", "0000000000000000 A _text_abs\n"
						     "ffffffff81000000 T _text\n"
						     "ffffffff81000010 t x\n"
						     "ffffffff81000020 t x\n");
	/* Absolute symbols are not in kallsyms. */
	assert_int_equal(tt_klp_symtab_count(s), 3);
	const char *nb[] = {"_text"};
	assert_int_equal(sympos(s, "vmlinux", "x", NULL, nb, 1), 1);
	tt_klp_symtab_free(s);

	struct tt_error err = {0};
	assert_int_equal(load_error("bad.map", "ffffffff81000000 T ok\nnot a line\n", &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "bad.map:2:"));
	assert_int_equal(load_error("mod.map", "ffffffff81000000 t x [unterminated\n", &err),
			 -EINVAL);
	/* Debian's package carries a one-line stand-in. */
	assert_int_equal(load_error("debian.map",
				    "ffffffffffffffff B The real System.map is in the "
				    "linux-image-<version>-dbg package\n",
				    &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "placeholder"));
	assert_int_equal(load_error("empty.map", "", &err), -EINVAL);
}

static void test_module_symvers(void **state)
{
	(void)state;
	struct tt_klp_symtab *s = tt_klp_symtab_new();
	assert_false(tt_klp_symtab_has_exports(s));
	char *p = write_tmp("Module.symvers",
			    "0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t\n"
			    "0x01234567\txfs_thing\tfs/xfs/xfs\tEXPORT_SYMBOL_GPL\t\n"
			    "0x89abcdef\tns_sym\tvmlinux\tEXPORT_SYMBOL_GPL\tNS\n"
			    "0x11111111\tfoo_sym\tdrivers/x/foo-bar\tEXPORT_SYMBOL\t\n");
	struct tt_error err = {0};
	assert_int_equal(tt_klp_symtab_load_symvers(s, p, &err), 0);
	const char *mod = NULL;
	assert_true(tt_klp_symtab_exported(s, "phys_base", &mod));
	assert_string_equal(mod, "vmlinux");
	assert_true(tt_klp_symtab_exported(s, "xfs_thing", &mod));
	assert_string_equal(mod, "xfs"); /* as KBUILD_MODNAME, which names the klp_object */
	assert_true(tt_klp_symtab_exported(s, "foo_sym", &mod));
	assert_string_equal(mod, "foo_bar");
	assert_true(tt_klp_symtab_exported(s, "ns_sym", NULL));
	assert_false(tt_klp_symtab_exported(s, "seq_put_decimal_ull_width", &mod));
	free(p);
	p = write_tmp("bad.symvers", "0x1\tname\n");
	assert_int_equal(tt_klp_symtab_load_symvers(s, p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bad.symvers:1:"));
	free(p);
	tt_klp_symtab_free(s);
}

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

/* A linked ELF stands in for vmlinux: its STT_FILE symbols say which `helper` is whose. */
static void test_vmlinux_elf_places_locals_by_source_file(void **state)
{
	(void)state;
	const char *dir = klp_tmpdir();
	char *one = write_tmp("first.c", "static int helper(int x) { return x + 1; }\n"
					 "int first(int x) { return helper(x); }\n");
	char *two = write_tmp("second.c", "static int helper(int x) { return x + 2; }\n"
					  "int second(int x) { return helper(x); }\n");
	char *cmd = tt_xasprintf("cd '%s' && gcc -O0 -c first.c second.c && "
				 "ld -e first -o vmlinux first.o second.o",
				 dir);
	run(cmd);
	char *vm = tt_xasprintf("%s/vmlinux", dir);
	struct tt_klp_symtab *s = NULL;
	struct tt_error err = {0};
	if (tt_klp_symtab_load(vm, &s, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sympos(s, "vmlinux", "helper", "kernel/second.c", NULL, 0), 2);
	assert_int_equal(sympos(s, "vmlinux", "helper", "kernel/first.c", NULL, 0), 1);
	assert_int_equal(sympos(s, "vmlinux", "second", NULL, NULL, 0), 0);
	/* Neither the file nor a neighbour: refused. */
	unsigned long pos;
	assert_int_equal(
	    tt_klp_symtab_sympos(s, "vmlinux", "helper", "other.c", NULL, 0, &pos, &err), -EPERM);
	tt_klp_symtab_free(s);
	free(one), free(two), free(cmd), free(vm);
}

static void test_hundreds_of_same_named_symbols(void **state)
{
	(void)state;
	/* vmlinux has 404 `__func__.0`, each amid its own file's symbols. */
	struct tt_buf b = TT_BUF_INIT;
	for (int i = 0; i < 300; i++)
		tt_buf_addf(&b,
			    "ffffffff8%07x d a_%d\nffffffff8%07x d __func__.0\n"
			    "ffffffff8%07x d b_%d\n",
			    i * 48, i, i * 48 + 16, i * 48 + 32, i);
	struct tt_klp_symtab *s = load("many", tt_buf_str(&b));
	tt_buf_free(&b);
	const char *nb[] = {"a_250", "b_250"};
	assert_int_equal(sympos(s, "vmlinux", "__func__.0", NULL, nb, 1), 251);
	tt_klp_symtab_free(s);
}

static int teardown(void **state)
{
	(void)state;
	klp_tmp_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kallsyms_sympos_counts_per_object_in_file_order),
	    cmocka_unit_test(test_ambiguous_and_missing_names_are_errors),
	    cmocka_unit_test(test_system_map_and_malformed_lines),
	    cmocka_unit_test(test_module_symvers),
	    cmocka_unit_test(test_vmlinux_elf_places_locals_by_source_file),
	    cmocka_unit_test(test_hundreds_of_same_named_symbols),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
