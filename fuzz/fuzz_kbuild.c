// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: one Kbuild makefile evaluated with a config. Input
 * lines before a "---" line are the .config; the rest is the makefile.
 * Without a "---" line a fixed config is used. No file system access.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/kernel.h"

static void ignore(void *ctx, const char *file, int line, const char *msg)
{
}

static const struct tt_diag_sink sink = {ignore, NULL};

static const char default_config[] = "CONFIG_A=y\nCONFIG_M=m\nCONFIG_S=\"a b\"\nCONFIG_N=64\n"
				     "# CONFIG_OFF is not set\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *cfg_text = default_config;
	size_t cfg_len = sizeof(default_config) - 1;
	const char *mk = text;
	size_t mk_len = size;
	const char *sep = memmem(text, size, "\n---\n", 5);
	if (sep) {
		cfg_text = text;
		cfg_len = (size_t)(sep - text);
		mk = sep + 5;
		mk_len = size - cfg_len - 5;
	}
	struct tt_kconfig *kc;
	tt_kconfig_parse(cfg_text, cfg_len, "fuzz.config", &kc, &sink, NULL);
	struct tt_kbuild_prediction *p;
	if (tt_kbuild_predict_makefile(mk, mk_len, "fuzz/dir", NULL, kc, &p, &sink, NULL) != 0)
		abort();
	for (size_t i = 0; i < tt_kbuild_prediction_count(p); i++) {
		const struct tt_kbuild_file *f = tt_kbuild_prediction_file(p, i);
		enum tt_kbuild_kind k = tt_kbuild_prediction_lookup(p, f->source);
		if (k == TT_KBUILD_ABSENT || k == TT_KBUILD_UNKNOWN || !f->object)
			abort();
		if (f->kind == TT_KBUILD_MODULE && !f->module)
			abort();
	}
	for (size_t i = 0; i < tt_kbuild_prediction_n_unknowns(p); i++)
		if (!tt_kbuild_prediction_unknown(p, i)->reason)
			abort();
	tt_kbuild_prediction_free(p);
	tt_kconfig_free(kc);
	return 0;
}
