// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the priority policy file (key = value lines). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/triage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_policy *pol = tt_policy_new();
	struct tt_buf before = TT_BUF_INIT, after = TT_BUF_INIT;
	tt_policy_format(pol, &before);
	struct tt_error err = {0};
	int r = tt_policy_parse(pol, (const char *)data, size, "fuzz.policy", &err);
	tt_policy_format(pol, &after);
	/* A rejected file changes nothing; an accepted one parses back to itself. */
	if (r < 0 && strcmp(tt_buf_str(&before), tt_buf_str(&after)) != 0)
		abort();
	if (r == 0) {
		struct tt_policy *again = tt_policy_new();
		struct tt_buf round = TT_BUF_INIT;
		if (tt_policy_parse(again, after.buf, after.len, "round", &err) < 0)
			abort();
		tt_policy_format(again, &round);
		if (strcmp(tt_buf_str(&after), tt_buf_str(&round)) != 0)
			abort();
		tt_buf_free(&round);
		tt_policy_free(again);
	}
	size_t n;
	const struct tt_policy_key *k = tt_policy_keys(&n);
	for (size_t i = 0; i < n; i++)
		if (isinf(tt_policy_get(pol, k[i].key)))
			abort();
	tt_buf_free(&before);
	tt_buf_free(&after);
	tt_policy_free(pol);
	return 0;
}
