// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness for the CISA KEV parser (and content detection). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tuxtape/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps the callbacks' work from being optimised away. */
static volatile size_t observed;

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static void on_warn(void *ctx, const char *file, int line, const char *msg)
{
	*(size_t *)ctx += touch(file) + touch(msg) + (size_t)line;
}

/* Read every borrowed field so ASan sees any dangling or unterminated string. */
static int on_entry(void *ctx, const struct tt_kev_entry *e)
{
	size_t n = touch(e->cve_id) + touch(e->vendor_project) + touch(e->product) +
		   touch(e->vulnerability_name) + touch(e->date_added) +
		   touch(e->short_description) + touch(e->required_action) + touch(e->due_date) +
		   touch(e->known_ransomware_campaign_use) + touch(e->notes);
	for (size_t i = 0; i < e->n_cwes; i++)
		n += touch(e->cwes[i]);
	*(size_t *)ctx += n + (size_t)e->added + (size_t)e->due + e->ransomware_known;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;
	struct tt_diag_sink diag = {on_warn, &sum};
	struct tt_kev_meta meta;
	struct tt_error err = {0};
	const char *text = (const char *)data;
	(void)tt_feed_detect(text, size);
	if (tt_feed_parse_kev(text, size, "fuzz.json", &meta, on_entry, &sum, &diag, &err) != 0)
		sum += strlen(err.msg);
	else
		sum += strlen(meta.catalog_version) + strlen(meta.title) + meta.n_entries;
	observed = sum;
	return 0;
}
