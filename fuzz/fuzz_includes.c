// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the #include scanner and path resolution of
 * tt_include_users. The input, split at its first NUL, becomes a C file and
 * a header of a throwaway source tree; the C file may include the header,
 * itself, or paths with any number of ../ and ./ parts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *tree_root(void)
{
	static char root[] = "/tmp/tt-fuzz-includes-XXXXXX";
	static bool made;
	if (!made) {
		if (!mkdtemp(root))
			abort();
		char *dir = tt_xasprintf("%s/fs/proc", root);
		struct tt_error err = {0};
		if (tt_mkdir_p(dir, 0755, &err) < 0)
			abort();
		free(dir);
		made = true;
	}
	return root;
}

static void put(const char *root, const char *rel, const void *data, size_t len)
{
	char *path = tt_xasprintf("%s/%s", root, rel);
	struct tt_error err = {0};
	if (tt_write_file_atomic(path, data, len, &err) < 0)
		abort();
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *root = tree_root();
	const uint8_t *nul = memchr(data, 0, size);
	size_t c_len = nul ? (size_t)(nul - data) : size;
	put(root, "fs/proc/a.c", data, c_len);
	put(root, "fs/proc/internal.h", nul ? nul + 1 : data, nul ? size - c_len - 1 : 0);
	struct tt_strv sources = TT_STRV_INIT, out = TT_STRV_INIT, headers = TT_STRV_INIT;
	tt_strv_push(&sources, "fs/proc/a.c");
	tt_strv_push(&headers, "fs/proc/internal.h");
	struct tt_include_paths p = {.source_root = root};
	struct tt_error err = {0};
	if (tt_include_users(&p, &sources, &headers, &out, &err) != 0)
		abort();
	tt_strv_free(&headers);
	/* The answer is a subset of the sources asked about. */
	if (out.n > 1 || (out.n == 1 && strcmp(out.v[0], "fs/proc/a.c") != 0))
		abort();
	tt_strv_free(&sources);
	tt_strv_free(&out);
	return 0;
}
