// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness for the CISA vulnrichment record parser. */
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

static int on_entry(void *ctx, const struct tt_vulnrichment_entry *e)
{
	size_t n = touch(e->file) + touch(e->cve_id) + touch(e->adp_updated) +
		   touch(e->ssvc_version) + touch(e->ssvc_timestamp) + touch(e->cvss_vector) +
		   touch(e->cvss_severity) + touch(e->kev_date_added);
	for (size_t i = 0; i < e->n_cwes; i++)
		n += touch(e->cwes[i]);
	n += touch(tt_ssvc_exploitation_name(e->exploitation)) +
	     touch(tt_ssvc_automatable_name(e->automatable)) +
	     touch(tt_ssvc_impact_name(e->technical_impact));
	*(size_t *)ctx += n + (size_t)e->ssvc_time + (size_t)e->cvss_base_score;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;
	struct tt_diag_sink diag = {on_warn, &sum};
	struct tt_error err = {0};
	const char *text = (const char *)data;
	(void)tt_feed_detect(text, size);
	if (tt_feed_parse_vulnrichment(text, size, "fuzz.json", on_entry, &sum, &diag, &err) != 0)
		sum += strlen(err.msg);
	observed = sum;
	return 0;
}
