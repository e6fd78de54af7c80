// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: .dyad lines, their branches, and commit lists (.sha1 / .vulnerable). */
#include <stdint.h>
#include <stdlib.h>

#include "tuxtape/cve.h"

static void ignore(void *ctx, const char *file, int line, const char *msg)
{
}

static const struct tt_diag_sink sink = {ignore, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct tt_cve_record rec;
	tt_cve_record_init(&rec);
	tt_dyad_parse(text, size, "fuzz.dyad", &rec, &sink);
	for (size_t i = 0; i < rec.n_dyads; i++) {
		const struct tt_dyad *d = &rec.dyads[i];
		/* Each half is either fully known or fully NULL. */
		if (!d->vuln_version != !d->vuln_commit || !d->fix_version != !d->fix_commit)
			abort();
		char branch[8];
		tt_dyad_branch(d, branch, sizeof(branch));
	}
	tt_commit_list_parse(text, size, "fuzz.sha1", &rec.fix_commits, &sink);
	tt_cve_record_free(&rec);
	return 0;
}
