// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tuxtape/error.h"

int tt_error_set(struct tt_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int tt_error_prefix(struct tt_error *err, const char *fmt, ...)
{
	if (!err)
		return 0;
	char prefix[TT_ERROR_MSG_MAX];
	char old[TT_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable: the message is for people, and stays NUL-terminated. */
	size_t n = strnlen(prefix, sizeof(err->msg) - 1);
	memcpy(err->msg, prefix, n);
	size_t rest = strnlen(old, sizeof(err->msg) - 1 - n);
	memcpy(err->msg + n, old, rest);
	err->msg[n + rest] = '\0';
	return err->code;
}

void tt_error_clear(struct tt_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

void tt_diag_warn(const struct tt_diag_sink *sink, const char *file, int line, const char *fmt, ...)
{
	if (!sink || !sink->warn)
		return;
	char msg[TT_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink->warn(sink->ctx, file, line, msg);
}
