/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the feeds unit tests: fixture loading and a diag sink that records warnings. */
#ifndef TT_FEEDS_TEST_H
#define TT_FEEDS_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/feeds.h"
#include "tuxtape/util.h"

/* $TT_FIXTURES/feeds/NAME; caller frees. */
static inline char *fixture_path(const char *name)
{
	const char *root = getenv("TT_FIXTURES");
	if (!root)
		root = "tests/fixtures";
	return tt_xasprintf("%s/feeds/%s", root, name);
}

struct fixture {
	char *path;
	char *text;
	size_t len;
};

static inline struct fixture fixture_load(const char *name)
{
	struct fixture f = {fixture_path(name), NULL, 0};
	struct tt_error err = {0};
	if (tt_read_file(f.path, &f.text, &f.len, &err) != 0)
		fail_msg("cannot read fixture: %s", err.msg);
	return f;
}

static inline void fixture_free(struct fixture *f)
{
	free(f->path);
	free(f->text);
}

/* Collects warnings as "FILE:LINE: MSG". */
struct warnings {
	struct tt_strv msgs;
	struct tt_diag_sink sink;
};

static inline void warnings_cb(void *ctx, const char *file, int line, const char *msg)
{
	struct warnings *w = ctx;
	tt_strv_push_owned(&w->msgs, tt_xasprintf("%s:%d: %s", file ? file : "-", line, msg));
}

static inline void warnings_init(struct warnings *w)
{
	w->msgs = (struct tt_strv)TT_STRV_INIT;
	w->sink.warn = warnings_cb;
	w->sink.ctx = w;
}

/* Number of warnings containing every one of the NULL-terminated substrings. */
static inline size_t warnings_count(const struct warnings *w, ...)
{
	size_t n = 0;
	for (size_t i = 0; i < w->msgs.n; i++) {
		va_list ap;
		va_start(ap, w);
		bool all = true;
		for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
			all = all && strstr(w->msgs.v[i], s) != NULL;
		va_end(ap);
		n += all;
	}
	return n;
}

static inline void warnings_dump(const struct warnings *w)
{
	for (size_t i = 0; i < w->msgs.n; i++)
		print_message("warning: %s\n", w->msgs.v[i]);
}

static inline void warnings_free(struct warnings *w)
{
	tt_strv_free(&w->msgs);
}

/* $TT_SHARED_DATA/REL, or NULL (with the reason printed) when it is not there. */
static inline char *shared_data_path(const char *rel)
{
	const char *root = getenv("TT_SHARED_DATA");
	if (!root || !*root) {
		print_message("skipped: TT_SHARED_DATA is not set\n");
		return NULL;
	}
	char *p = tt_xasprintf("%s/%s", root, rel);
	if (!tt_path_exists(p)) {
		print_message("skipped: %s is absent\n", p);
		free(p);
		return NULL;
	}
	return p;
}

#endif
