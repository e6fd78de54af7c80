// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness for the EPSS CSV parser, plain and gzip. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tuxtape/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps the callbacks' work from being optimised away. */
static volatile size_t observed;

static void on_warn(void *ctx, const char *file, int line, const char *msg)
{
	*(size_t *)ctx += strlen(file) + strlen(msg) + (size_t)line;
}

static int on_entry(void *ctx, const struct tt_epss_entry *e)
{
	/* The parser promises ids it checked and scores within 0..1. */
	if (strncmp(e->cve_id, "CVE-", 4) != 0 || !(e->epss >= 0 && e->epss <= 1) ||
	    e->percentile > 1 || e->line == 0)
		__builtin_trap();
	*(size_t *)ctx += strlen(e->cve_id) + e->line;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;
	struct tt_diag_sink diag = {on_warn, &sum};
	struct tt_epss_meta meta;
	struct tt_error err = {0};
	const char *text = (const char *)data;
	(void)tt_feed_detect(text, size);
	if (tt_feed_parse_epss(text, size, "fuzz.csv", &meta, on_entry, &sum, &diag, &err) != 0)
		sum += strlen(err.msg);
	else
		sum += strlen(meta.model_version) + strlen(meta.score_date) + meta.n_entries;
	observed = sum;
	return 0;
}
