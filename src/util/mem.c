// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/util.h"

/* Out of memory is not a condition this tool can recover from meaningfully. */
static void oom(size_t n)
{
	fprintf(stderr, "tuxtape: out of memory allocating %zu bytes\n", n);
	abort();
}

void *tt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *tt_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *tt_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *tt_xstrdup(const char *s)
{
	return tt_xstrndup(s, strlen(s));
}

char *tt_xstrndup(const char *s, size_t n)
{
	char *p = tt_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *tt_xasprintf(const char *fmt, ...)
{
	struct tt_buf b = TT_BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	tt_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return tt_buf_detach(&b);
}
