// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: kernel versions and release identification.
 * Line 1 and 2 are versions (checked for a consistent order and a stable
 * round trip); line 1 is also a uname release, the rest its /proc/version.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct tt_kver *v)
{
	char buf[TT_KVER_STR_MAX];
	tt_kver_format(v, buf, sizeof(buf));
	struct tt_kver back;
	if (tt_kver_parse(buf, &back, NULL) != 0 || tt_kver_cmp(v, &back) != 0)
		abort();
	tt_kver_branch_format(v, buf, sizeof(buf));
	(void)tt_kver_is_mainline(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	char *nl = strchr(text, '\n');
	char *rest = nl ? nl + 1 : NULL;
	if (nl)
		*nl = '\0';
	char *nl2 = rest ? strchr(rest, '\n') : NULL;
	char *second = rest ? strndup(rest, nl2 ? (size_t)(nl2 - rest) : strlen(rest)) : NULL;
	struct tt_kver a, b;
	bool ha = tt_kver_parse(text, &a, NULL) == 0;
	bool hb = second && tt_kver_parse(second, &b, NULL) == 0;
	if (ha)
		check_roundtrip(&a);
	if (ha && hb) {
		int x = tt_kver_cmp(&a, &b), y = tt_kver_cmp(&b, &a);
		if ((x > 0) != (y < 0) || (x == 0) != (y == 0))
			abort();
		tt_kver_pair_check(&a, &b, &a);
		tt_kver_pair_check(&a, &b, NULL);
		tt_kver_pair_check(&b, NULL, &a);
	}
	struct tt_kernel_release r;
	if (tt_kernel_release_parse(text, rest, &r, NULL) == 0 &&
	    (strnlen(r.uname, sizeof(r.uname)) == sizeof(r.uname) ||
	     strnlen(r.distro_release, sizeof(r.distro_release)) == sizeof(r.distro_release) ||
	     strnlen(r.localversion, sizeof(r.localversion)) == sizeof(r.localversion)))
		abort();
	free(second);
	free(text);
	return 0;
}
