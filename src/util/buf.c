// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tuxtape/util.h"

void tt_buf_grow(struct tt_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->buf = tt_xrealloc(b->buf, cap);
	b->cap = cap;
}

void tt_buf_add(struct tt_buf *b, const void *data, size_t n)
{
	tt_buf_grow(b, n);
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void tt_buf_adds(struct tt_buf *b, const char *s)
{
	tt_buf_add(b, s, strlen(s));
}

void tt_buf_addc(struct tt_buf *b, char c)
{
	tt_buf_add(b, &c, 1);
}

void tt_buf_vaddf(struct tt_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	tt_buf_grow(b, (size_t)n);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void tt_buf_addf(struct tt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tt_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void tt_buf_reset(struct tt_buf *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

char *tt_buf_detach(struct tt_buf *b)
{
	char *s = b->buf ? b->buf : tt_xstrdup("");
	b->buf = NULL;
	b->len = b->cap = 0;
	return s;
}

void tt_buf_free(struct tt_buf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}

const char *tt_buf_str(const struct tt_buf *b)
{
	return b->buf ? b->buf : "";
}
