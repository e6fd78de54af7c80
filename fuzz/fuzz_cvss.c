// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: .cvss files and CVSS 3.1 vectors. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/cve.h"

static void ignore(void *ctx, const char *file, int line, const char *msg)
{
}

static const struct tt_diag_sink sink = {ignore, NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_vector(const uint8_t *data, size_t size)
{
	char *vector = malloc(size + 1);
	memcpy(vector, data, size);
	vector[size] = '\0';
	double score;
	const char *severity;
	struct tt_error err = {0};
	if (tt_cvss31_score(vector, &score, &severity, &err) == 0 &&
	    (score < 0 || score > 10 || !severity))
		abort();
	free(vector);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_cve_record rec;
	struct tt_error err = {0};
	tt_cve_record_init(&rec);
	int r = tt_cvss_file_parse((const char *)data, size, "fuzz.cvss", &rec, &sink, &err);
	if (r == 0 && (!rec.has_cvss || !rec.cvss.vector || rec.cvss.base_score > 10))
		abort();
	tt_cve_record_free(&rec);
	check_vector(data, size);
	return 0;
}
