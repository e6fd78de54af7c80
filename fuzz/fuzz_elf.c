// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the ELF reader and the diff behind `tuxtape klp diff`.
 * The whole input is read as an object and diffed against a second reading
 * of itself; then the input, split at an offset given by its first two
 * bytes, is read as two objects and those are diffed. Malformed objects must
 * be refused with an error, never crash or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/klp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tt_elf *open_copy(const uint8_t *data, size_t size, void **buf)
{
	struct tt_elf *e = NULL;
	/* libelf reads in place: an exact-size heap copy lets ASan see any overread. */
	*buf = malloc(size ? size : 1);
	memcpy(*buf, data, size);
	if (tt_elf_open_memory(*buf, size, "fuzz.o", &e, NULL) != 0)
		return NULL;
	return e;
}

static void walk(const struct tt_klp_diff *d)
{
	size_t n;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &n);
	for (size_t i = 0; i < n; i++)
		if (!f[i].name || !f[i].reason || !f[i].section || strlen(f[i].reason) > 4096)
			abort();
	const struct tt_klp_ref *r = tt_klp_diff_refs(d, &n);
	for (size_t i = 0; i < n; i++)
		if (!r[i].name || !r[i].needed_by)
			abort();
	const struct tt_klp_refusal *x = tt_klp_diff_refusals(d, &n);
	for (size_t i = 0; i < n; i++)
		if (!x[i].message)
			abort();
	(void)tt_klp_diff_patchable(d);
}

static void diff_pair(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	void *ba, *bb;
	struct tt_elf *ea = open_copy(a, na, &ba), *eb = open_copy(b, nb, &bb);
	if (ea && eb) {
		struct tt_klp_diff *d = NULL;
		if (tt_klp_diff(ea, eb, &d, NULL) == 0)
			walk(d);
		tt_klp_diff_free(d);
	}
	if (ea) {
		struct tt_elf_symbol_info si;
		(void)tt_elf_symbol_find(ea, "__fentry__", 0, &si);
		size_t n = 0;
		if (tt_elf_reloc_count(ea, ".text", &n, NULL) == 0) {
			struct tt_elf_reloc_info ri;
			for (size_t i = 0; i < n; i++)
				(void)tt_elf_reloc_get(ea, ".text", i, &ri, NULL);
		}
	}
	tt_elf_close(ea);
	tt_elf_close(eb);
	free(ba);
	free(bb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	diff_pair(data, size, data, size);
	if (size > 2) {
		size_t cut = ((size_t)data[0] << 8 | data[1]) % (size - 2);
		diff_pair(data + 2, cut, data + 2 + cut, size - 2 - cut);
	}
	return 0;
}
