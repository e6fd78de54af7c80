// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: one .NAME.o.cmd file as fixdep writes it. */
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
	struct tt_kcmd cmd;
	if (tt_kcmd_parse((const char *)data, size, "fuzz.o.cmd", &cmd, &sink, NULL) != 0)
		return 0;
	if (!cmd.object)
		abort();
	for (size_t i = 0; i < cmd.deps.n; i++) {
		/* Kconfig wildcards are never reported as files, nor are empty tokens. */
		if (!cmd.deps.v[i][0] || strncmp(cmd.deps.v[i], "$(", 2) == 0)
			abort();
	}
	tt_kcmd_free(&cmd);
	return 0;
}
