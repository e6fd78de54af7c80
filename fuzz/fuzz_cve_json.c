// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: CVE JSON 5 records through jsmn and the member walk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/cve.h"

static void ignore(void *ctx, const char *file, int line, const char *msg)
{
}

static const struct tt_diag_sink sink = {ignore, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_cve_parser *p = tt_cve_parser_new();
	struct tt_cve_record rec;
	struct tt_error err = {0};
	tt_cve_record_init(&rec);
	int r = tt_cve_parse_json(p, (const char *)data, size, "fuzz.json", &rec, &sink, &err);
	/* A parsed record always has a valid id; a rejected input leaves the record empty. */
	if (r == 0 && !tt_cve_id_valid(rec.id))
		abort();
	if (r != 0 && (rec.id[0] || rec.title || rec.n_affected || err.msg[0] == '\0'))
		abort();
	if (rec.has_cvss && (rec.cvss.base_score < 0 || rec.cvss.base_score > 10))
		abort();
	tt_cve_record_free(&rec);
	tt_cve_parser_free(p);
	return 0;
}
