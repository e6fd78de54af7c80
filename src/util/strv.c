// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "tuxtape/util.h"

void tt_strv_push_owned(struct tt_strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = tt_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
}

void tt_strv_push(struct tt_strv *sv, const char *s)
{
	tt_strv_push_owned(sv, tt_xstrdup(s));
}

bool tt_strv_contains(const struct tt_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void tt_strv_sort_unique(struct tt_strv *sv)
{
	if (sv->n < 2)
		return;
	qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
	size_t w = 1;
	for (size_t r = 1; r < sv->n; r++) {
		if (strcmp(sv->v[r], sv->v[w - 1]) == 0)
			free(sv->v[r]);
		else
			sv->v[w++] = sv->v[r];
	}
	sv->n = w;
}

void tt_strv_free(struct tt_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}
