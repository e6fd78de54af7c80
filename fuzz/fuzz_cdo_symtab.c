// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the `readelf -s --wide` reader behind tuxtape-cdo's
 * SYMTAB argument, with its STT_FILE blocks. A parsed table is then asked
 * for a FILE block and for symbols by names taken from the table itself,
 * as tuxtape-cdo does. Malformed input must be refused with an error,
 * never crash or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/cdo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookups(const struct tt_cdo_symtab *t)
{
	size_t n = tt_cdo_symtab_count(t);
	const char *locals[8];
	size_t nlocals = 0;
	for (size_t i = 0; i < n && nlocals < 8; i++)
		locals[nlocals++] = tt_cdo_symtab_get(t, i)->name;
	for (size_t i = 0; i < n && i < 16; i++) {
		const struct tt_cdo_symbol *s = tt_cdo_symtab_get(t, i);
		size_t block = SIZE_MAX;
		struct tt_cdo_lookup l;
		(void)tt_cdo_symtab_find_block(t, s->name, locals, nlocals, &block, NULL);
		(void)tt_cdo_symtab_lookup(t, block, s->name, i % 2 == 0, &l, NULL);
		(void)tt_cdo_symtab_lookup(t, SIZE_MAX, s->name, false, &l, NULL);
		if (s->file != SIZE_MAX)
			(void)tt_cdo_symtab_lookup(t, s->file, s->name, true, &l, NULL);
	}
	(void)tt_cdo_symtab_get(t, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy lets ASan see any overread. */
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct tt_cdo_symtab *t = NULL;
	if (tt_cdo_symtab_parse(buf, size, "fuzz.symtab", &t, NULL) == 0) {
		lookups(t);
		tt_cdo_symtab_free(t);
	}
	free(buf);
	return 0;
}
