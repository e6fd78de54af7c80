/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Between the vulnrichment record parser and the directory walker. */
#ifndef TUXTAPE_FEEDS_VULNRICHMENT_H
#define TUXTAPE_FEEDS_VULNRICHMENT_H

#include "feeds-internal.h"

struct tt_vr_ctx {
	const char *file;
	const struct tt_diag_sink *diag;
	char where[64]; /* "vulnrichment record CVE-..." for messages */
};

/*
 * Fill e (strings borrowed from root, cwes collected into *cwes) from one
 * parsed record. -EINVAL when root is not a CVE record; partial damage
 * inside the record is only warned about.
 */
int tt_vr_record(const json_t *root, struct tt_vr_ctx *c, struct tt_vulnrichment_entry *e,
		 struct tt_feeds_strs *cwes, struct tt_error *err);

#endif
