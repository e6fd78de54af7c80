// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the target symbol table readers behind `tuxtape klp
 * diff -o --symtab/--symvers`. The input is read as System.map/kallsyms
 * text or a vmlinux ELF, and as Module.symvers; the sympos lookup then
 * runs on names taken from the input itself. Malformed input must be
 * refused with an error, never crash or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/klp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few names to look up: the first words of the input's lines. */
static void lookups(const struct tt_klp_symtab *s, const char *text, size_t size)
{
	const char *neighbours[] = {"a", "show", "vmlinux"};
	for (size_t i = 0, n = 0; i < size && n < 8; n++) {
		const char *nl = memchr(text + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (text + i)) : size - i;
		const char *sp = memchr(text + i, ' ', len);
		const char *name = sp ? sp + 3 : text + i;
		if (name < text + i + len) {
			char *copy = strndup(name, (size_t)(text + i + len - name));
			unsigned long pos;
			(void)tt_klp_symtab_sympos(s, "vmlinux", copy, "fs/a.c", neighbours, 3,
						   &pos, NULL);
			(void)tt_klp_symtab_exported(s, copy, NULL);
			(void)tt_klp_symtab_defines(s, "xfs", copy);
			free(copy);
		}
		i += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy lets ASan see any overread. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct tt_klp_symtab *s = NULL;
	if (tt_klp_symtab_load_memory(buf, size, "fuzz.map", &s, NULL) == 0) {
		lookups(s, buf, size);
		(void)tt_klp_symtab_load_symvers_memory(s, buf, size, "fuzz.symvers", NULL);
		lookups(s, buf, size);
		tt_klp_symtab_free(s);
	}
	s = tt_klp_symtab_new();
	(void)tt_klp_symtab_load_symvers_memory(s, buf, size, "fuzz.symvers", NULL);
	lookups(s, buf, size);
	tt_klp_symtab_free(s);
	free(buf);
	return 0;
}
