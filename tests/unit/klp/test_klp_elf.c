// SPDX-License-Identifier: GPL-2.0-or-later
/* The ELF model: what it reads from GCC objects, and what it refuses to read. */
#include <elf.h>
#include <errno.h>

#include "klp_test.h"

#define FLAGS KLP_KERNEL_FLAGS " " KLP_SECTION_FLAGS

static int setup(void **state)
{
	return klp_have_gcc() ? 0 : -1;
}

static int teardown(void **state)
{
	klp_tmp_cleanup();
	return 0;
}

static void test_symbols_have_sections_binding_and_type(void **state)
{
	char *p = klp_compile("basic", "orig", FLAGS);
	struct tt_elf *e = klp_open(p);
	struct tt_elf_symbol_info si;
	assert_int_equal(tt_elf_symbol_find(e, "compute", 0, &si), 0);
	assert_string_equal(si.section, ".text.compute");
	assert_int_equal(si.bind, STB_GLOBAL);
	assert_int_equal(si.type, STT_FUNC);
	assert_true(si.size > 5);
	assert_int_equal(tt_elf_symbol_find(e, "scale", 0, &si), 0);
	assert_int_equal(si.bind, STB_LOCAL);
	assert_int_equal(tt_elf_symbol_find(e, "limit", 0, &si), 0);
	assert_null(si.section); /* extern: undefined here */
	assert_int_equal(tt_elf_symbol_find(e, "scale", 1, &si), -ENOENT);
	assert_int_equal(tt_elf_symbol_find(e, "no_such_symbol", 0, &si), -ENOENT);
	assert_true(tt_elf_section_count(e) > 10);
	assert_true(tt_elf_symbol_count(e) > 10);
	tt_elf_close(e);
	free(p);
}

/* Find the relocation of section sec whose resolved target is name. */
static bool find_reloc(struct tt_elf *e, const char *sec, const char *target,
		       struct tt_elf_reloc_info *out)
{
	size_t n;
	assert_int_equal(tt_elf_reloc_count(e, sec, &n, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tt_elf_reloc_get(e, sec, i, out, NULL), 0);
		if (strcmp(out->target, target) == 0)
			return true;
	}
	return false;
}

static void test_fentry_call_is_the_first_relocation(void **state)
{
	char *p = klp_compile("basic", "orig", FLAGS);
	struct tt_elf *e = klp_open(p);
	struct tt_elf_reloc_info r;
	assert_int_equal(tt_elf_reloc_get(e, ".text.compute", 0, &r, NULL), 0);
	assert_string_equal(r.symbol, "__fentry__");
	assert_int_equal(r.offset, 1); /* e8 <rel32>: the field follows the opcode */
	assert_int_equal(r.type, R_X86_64_PLT32);
	assert_int_equal(r.addend, -4);
	assert_int_equal(r.target_offset, 0); /* the call lands on __fentry__ itself */
	struct tt_error err = {0};
	assert_int_equal(tt_elf_reloc_get(e, ".text.compute", 99, &r, &err), -ERANGE);
	assert_int_equal(tt_elf_reloc_get(e, ".text.nope", 0, &r, &err), -ENOENT);
	assert_non_null(strstr(err.msg, ".text.nope"));
	tt_elf_close(e);
	free(p);
}

static void test_section_symbol_reference_resolves_to_covering_symbol(void **state)
{
	/* Without -fdata-sections hits is .bss+4: `addl $1, hits(%rip)` is .bss + 4 - 5. */
	char *p = klp_compile("moved", "patched", KLP_KERNEL_FLAGS);
	struct tt_elf *e = klp_open(p);
	struct tt_elf_reloc_info r;
	assert_true(find_reloc(e, ".text", "hits", &r));
	assert_string_equal(r.symbol, ".bss");
	assert_int_equal(r.target_offset, 0);
	assert_true(find_reloc(e, ".text", "negatives", &r));
	assert_int_equal(r.target_offset, 0);
	/* Calls to functions are resolved to the function too. */
	assert_true(find_reloc(e, ".text", "printk", &r));
	assert_int_equal(r.target_offset, 0);
	tt_elf_close(e);
	free(p);
}

static void test_open_refuses_what_is_not_a_relocatable_x86_64_object(void **state)
{
	struct tt_elf *e = (struct tt_elf *)1;
	struct tt_error err = {0};
	assert_int_equal(tt_elf_open("/nonexistent/x.o", &e, &err), -ENOENT);
	assert_null(e);
	static const char text[] = "int main(void) { return 0; }\n";
	assert_int_equal(tt_elf_open_memory(text, sizeof(text), "text.o", &e, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "text.o"));
	/* An executable is ELF, but not an object to diff. */
	assert_int_equal(tt_elf_open("/bin/true", &e, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "relocatable"));
	assert_null(e);
}

static void test_open_refuses_truncated_object(void **state)
{
	char *p = klp_compile("basic", "orig", FLAGS);
	char *data;
	size_t len;
	assert_int_equal(tt_read_file(p, &data, &len, NULL), 0);
	struct tt_elf *e;
	struct tt_error err = {0};
	/* Cut anywhere: a clean refusal or a (smaller) model, never a crash. */
	for (size_t cut = 0; cut < len; cut += len / 37 + 1) {
		int r = tt_elf_open_memory(data, cut, "cut.o", &e, &err);
		assert_true(r == 0 || r == -EINVAL);
		tt_elf_close(r == 0 ? e : NULL);
	}
	assert_int_equal(tt_elf_open_memory(data, 64, "cut.o", &e, &err), -EINVAL);
	free(data);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_symbols_have_sections_binding_and_type),
	    cmocka_unit_test(test_fentry_call_is_the_first_relocation),
	    cmocka_unit_test(test_section_symbol_reference_resolves_to_covering_symbol),
	    cmocka_unit_test(test_open_refuses_what_is_not_a_relocatable_x86_64_object),
	    cmocka_unit_test(test_open_refuses_truncated_object),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
