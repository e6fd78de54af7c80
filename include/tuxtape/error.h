/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The library's one error convention.
 *
 * Every fallible function returns 0 on success or a negative errno-style code
 * (-EINVAL, -ENOENT, -EIO, ...) and, when the caller passed a non-NULL
 * struct tt_error, fills it with a message that says what failed and where
 * (file, line, CVE id, symbol, section). Library code never prints; the
 * binaries in cmd/ decide how to report.
 */
#ifndef TUXTAPE_ERROR_H
#define TUXTAPE_ERROR_H

#include <stddef.h>

#define TT_ERROR_MSG_MAX 1024

struct tt_error {
	int code;		    /* negative errno-style code, 0 when unset */
	char msg[TT_ERROR_MSG_MAX]; /* human-readable, with context */
};

/* Fill err (if non-NULL) and return code, so callers can `return tt_error_set(...)`. */
int tt_error_set(struct tt_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend context ("while syncing: ") to an error already set; returns err->code. */
int tt_error_prefix(struct tt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void tt_error_clear(struct tt_error *err);

/*
 * Non-fatal problems found while reading input (a malformed dyad line, an
 * unknown field value). The reader keeps going; the sink decides what to do.
 * file and line may be NULL / 0 when unknown.
 */
struct tt_diag_sink {
	void (*warn)(void *ctx, const char *file, int line, const char *msg);
	void *ctx;
};

void tt_diag_warn(const struct tt_diag_sink *sink, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
