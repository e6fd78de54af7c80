// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: .config text; every stored symbol must look itself up again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/kernel.h"

static void ignore(void *ctx, const char *file, int line, const char *msg)
{
}

static const struct tt_diag_sink sink = {ignore, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_kconfig *kc;
	if (tt_kconfig_parse((const char *)data, size, "fuzz.config", &kc, &sink, NULL) != 0)
		abort();
	for (size_t i = 0; i < tt_kconfig_count(kc); i++) {
		const char *value;
		const char *name = tt_kconfig_name_at(kc, i, &value);
		enum tt_kconfig_state st = tt_kconfig_state(kc, name);
		const char *got = tt_kconfig_get(kc, name);
		if (got != value || st == TT_KCONFIG_ABSENT || (st == TT_KCONFIG_N) != !value)
			abort();
		if (st == TT_KCONFIG_Y && strcmp(value, "y") != 0)
			abort();
		/* The short spelling finds the same symbol (unless it is itself "CONFIG_..."). */
		if (strncmp(name, "CONFIG_", 7) != 0)
			abort();
		if (strncmp(name + 7, "CONFIG_", 7) != 0 && tt_kconfig_state(kc, name + 7) != st)
			abort();
	}
	tt_kconfig_free(kc);
	return 0;
}
