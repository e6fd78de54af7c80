// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness for the NVD API 2.0 parser (page, mirror feed, single object). */
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

static size_t touch_cvss(const struct tt_nvd_cvss *v, size_t n, const struct tt_nvd_cvss *best)
{
	size_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += touch(v[i].source) + touch(v[i].type) + touch(v[i].version) +
		       touch(v[i].vector) + touch(v[i].severity) + (size_t)v[i].base_score;
	/* best must point into the array it was chosen from. */
	if ((n == 0) != (best == NULL) || (best && (best < v || best >= v + n)))
		__builtin_trap();
	return sum;
}

static int on_entry(void *ctx, const struct tt_nvd_entry *e)
{
	size_t n = touch(e->cve_id) + touch(e->source_identifier) + touch(e->vuln_status) +
		   touch(e->published) + touch(e->last_modified) + touch(e->description) +
		   touch(e->cisa_exploit_add) + e->n_cpe_matches;
	n += touch_cvss(e->cvss31, e->n_cvss31, e->cvss31_best);
	n += touch_cvss(e->cvss40, e->n_cvss40, e->cvss40_best);
	n += touch_cvss(e->cvss2, e->n_cvss2, e->cvss2_best);
	for (size_t i = 0; i < e->n_cwes; i++)
		n += touch(e->cwes[i]);
	*(size_t *)ctx += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;
	struct tt_diag_sink diag = {on_warn, &sum};
	struct tt_nvd_meta meta;
	struct tt_error err = {0};
	const char *text = (const char *)data;
	(void)tt_feed_detect(text, size);
	if (tt_feed_parse_nvd(text, size, "fuzz.json", &meta, on_entry, &sum, &diag, &err) != 0)
		sum += strlen(err.msg);
	else
		sum += strlen(meta.feed_name) + strlen(meta.timestamp) + meta.n_entries;
	observed = sum;
	return 0;
}
