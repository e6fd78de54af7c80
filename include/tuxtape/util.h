/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small utilities every module uses instead of ad-hoc malloc + snprintf:
 * a growable string buffer, a string vector, whole-file reads, atomic file
 * replacement, and a terminal progress line.
 */
#ifndef TUXTAPE_UTIL_H
#define TUXTAPE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tuxtape/error.h"

/* Free the pointed-to pointer on scope exit: `_cleanup_free_ char *s = ...;` */
static inline void tt_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ __attribute__((cleanup(tt_freep)))

/* Allocation that aborts on out-of-memory: callers need no NULL checks. */
void *tt_xmalloc(size_t n);
void *tt_xcalloc(size_t n, size_t size);
void *tt_xrealloc(void *p, size_t n);
char *tt_xstrdup(const char *s);
char *tt_xstrndup(const char *s, size_t n);
char *tt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- growable string buffer; buf is always NUL-terminated ---- */
struct tt_buf {
	char *buf;
	size_t len;
	size_t cap;
};
#define TT_BUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void tt_buf_grow(struct tt_buf *b, size_t extra);
void tt_buf_add(struct tt_buf *b, const void *data, size_t n);
void tt_buf_adds(struct tt_buf *b, const char *s);
void tt_buf_addc(struct tt_buf *b, char c);
void tt_buf_addf(struct tt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tt_buf_vaddf(struct tt_buf *b, const char *fmt, va_list ap);
void tt_buf_reset(struct tt_buf *b);
/* Hand the string to the caller (who frees it); the buffer is left empty. */
char *tt_buf_detach(struct tt_buf *b);
void tt_buf_free(struct tt_buf *b);
/* Never NULL, even for an empty buffer. */
const char *tt_buf_str(const struct tt_buf *b);

/* ---- vector of owned strings ---- */
struct tt_strv {
	char **v;
	size_t n;
	size_t cap;
};
#define TT_STRV_INIT                                                                               \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void tt_strv_push(struct tt_strv *sv, const char *s); /* copies s */
void tt_strv_push_owned(struct tt_strv *sv, char *s); /* takes s */
bool tt_strv_contains(const struct tt_strv *sv, const char *s);
void tt_strv_sort_unique(struct tt_strv *sv);
void tt_strv_free(struct tt_strv *sv);

/* ---- files ---- */
/* Read a whole file; *out is NUL-terminated and owned by the caller. */
int tt_read_file(const char *path, char **out, size_t *len, struct tt_error *err);
/* Replace path atomically (temp file in the same directory, fsync, rename). */
int tt_write_file_atomic(const char *path, const void *data, size_t len, struct tt_error *err);
/* mkdir -p */
int tt_mkdir_p(const char *path, int mode, struct tt_error *err);
bool tt_path_exists(const char *path);

/* $XDG_DATA_HOME/tuxtape or ~/.local/share/tuxtape; $XDG_CACHE_HOME likewise. Caller frees. */
char *tt_data_dir(void);
char *tt_cache_dir(void);

/* ---- time ---- */
double tt_now_monotonic(void);
/* Parse "2024-02-22", "2024-02-22T10:00:00", with optional "Z"/"+01:00"/".123"; UTC seconds. */
int tt_parse_iso8601(const char *s, int64_t *out);
/* Format UTC seconds as "2024-02-22T10:00:00Z" into out (at least 21 bytes). */
void tt_format_iso8601(int64_t t, char *out, size_t n);
/* Format UTC seconds as "2024-02-22" into out (at least 11 bytes). */
void tt_format_date(int64_t t, char *out, size_t n);

/* ---- progress: one self-rewriting line on a terminal, silent otherwise ---- */
struct tt_progress;
/* enabled=false makes every call a no-op (e.g. --quiet, or stderr not a tty). */
struct tt_progress *tt_progress_new(FILE *out, bool enabled, const char *what);
void tt_progress_set_total(struct tt_progress *p, uint64_t total);
void tt_progress_update(struct tt_progress *p, uint64_t done);
void tt_progress_done(struct tt_progress *p);
void tt_progress_free(struct tt_progress *p);

/* ---- subprocesses: fork/exec an argv (no shell), capture output, bounded time ---- */
struct tt_run_result {
	int status;	/* exit code; 128 + signal when killed by a signal */
	bool timed_out; /* killed (with its process group) after the timeout */
	double seconds; /* wall time */
	char *out;	/* stdout and stderr interleaved, NUL-terminated; caller frees */
	size_t out_len;
};

/*
 * Run argv[0] (looked up in PATH) with argv, in cwd (NULL: ours), stdin from
 * /dev/null, for at most timeout_s seconds (<= 0: no limit). Returns 0 when the
 * program ran, whatever its exit status (see res); negative when it could not
 * be started (-ENOENT when argv[0] is not found). Output beyond 64 MiB is dropped.
 */
int tt_run(const char *const *argv, const char *cwd, double timeout_s, struct tt_run_result *res,
	   struct tt_error *err);
void tt_run_result_free(struct tt_run_result *res);
/* "apt-get download a b" for messages; caller frees. */
char *tt_run_argv_str(const char *const *argv);

/*
 * How to reach a server: an HTTP(S) proxy URL and a CA bundle that replaces
 * the system's trust store (a fleet's private CA). NULL fields mean libcurl's
 * defaults (which honour the *_proxy environment variables).
 */
struct tt_http_transport {
	const char *proxy;
	const char *ca_file;
};

#endif
