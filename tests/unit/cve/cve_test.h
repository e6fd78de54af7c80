/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the cve unit tests: fixture paths and a diag sink that keeps every warning. */
#ifndef TT_CVE_TEST_H
#define TT_CVE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/cve.h"
#include "tuxtape/util.h"

/* $TT_FIXTURES/cve/REL (meson sets TT_FIXTURES); caller frees. */
static inline char *cve_fixture(const char *rel)
{
	const char *root = getenv("TT_FIXTURES");
	return tt_xasprintf("%s/cve/%s", root ? root : "tests/fixtures", rel);
}

static inline char *cve_fixture_read(const char *rel, size_t *len)
{
	char *path = cve_fixture(rel), *text;
	struct tt_error err = {0};
	if (tt_read_file(path, &text, len, &err) != 0)
		fail_msg("cannot read fixture: %s", err.msg);
	free(path);
	return text;
}

/* Every warning, as "FILE:LINE: MSG", plus the last line number seen. */
struct warnings {
	struct tt_strv msgs;
	int last_line;
	struct tt_diag_sink sink;
};

static inline void warnings_cb(void *ctx, const char *file, int line, const char *msg)
{
	struct warnings *w = ctx;
	w->last_line = line;
	tt_strv_push_owned(&w->msgs, tt_xasprintf("%s:%d: %s", file ? file : "-", line, msg));
}

static inline void warnings_init(struct warnings *w)
{
	memset(w, 0, sizeof(*w));
	w->sink.warn = warnings_cb;
	w->sink.ctx = w;
}

/* Whether some warning contains s. */
static inline bool warned(const struct warnings *w, const char *s)
{
	for (size_t i = 0; i < w->msgs.n; i++)
		if (strstr(w->msgs.v[i], s))
			return true;
	return false;
}

static inline void warnings_print(const struct warnings *w)
{
	for (size_t i = 0; i < w->msgs.n; i++)
		print_message("warning: %s\n", w->msgs.v[i]);
}

static inline void warnings_free(struct warnings *w)
{
	tt_strv_free(&w->msgs);
}

#endif
