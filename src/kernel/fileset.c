// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "kbuild_internal.h"

/* When two objects come from one source, the lookup keeps the kind that matters most. */
static int kind_rank(enum tt_kbuild_kind k)
{
	switch (k) {
	case TT_KBUILD_BUILTIN:
		return 4;
	case TT_KBUILD_MODULE:
		return 3;
	case TT_KBUILD_HOST:
		return 2;
	case TT_KBUILD_UNKNOWN:
		return 1;
	default:
		return 0;
	}
}

void kb_fileset_add(struct kb_fileset *fs, const char *source, const char *object,
		    const char *module, enum tt_kbuild_kind kind, bool generated)
{
	bool created;
	struct tt_strmap_entry *e = tt_strmap_upsert(&fs->objects, object, &created);
	if (!created) {
		/* Listed twice (obj-y and a composite, say): keep the stronger kind. */
		struct tt_kbuild_file *f = &fs->v[(uintptr_t)e->val - 1];
		if (kind_rank(kind) > kind_rank(f->kind)) {
			f->kind = kind;
			free((char *)f->module);
			f->module = module ? tt_xstrdup(module) : NULL;
		}
		return;
	}
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 1024;
		fs->v = tt_xrealloc(fs->v, fs->cap * sizeof(*fs->v));
	}
	struct tt_kbuild_file *f = &fs->v[fs->n++];
	f->source = tt_xstrdup(source);
	f->object = tt_xstrdup(object);
	f->module = module ? tt_xstrdup(module) : NULL;
	f->kind = kind;
	f->generated = generated;
	e->val = (void *)(uintptr_t)fs->n;
}

static int cmp_file(const void *a, const void *b)
{
	const struct tt_kbuild_file *x = a, *y = b;
	int c = strcmp(x->source, y->source);
	return c ? c : strcmp(x->object, y->object);
}

void kb_fileset_finish(struct kb_fileset *fs)
{
	if (fs->n)
		qsort(fs->v, fs->n, sizeof(*fs->v), cmp_file);
	/* The object index pointed at pre-sort positions; it is not needed any more. */
	tt_strmap_free(&fs->objects, NULL);
	for (size_t i = 0; i < fs->n; i++) {
		const struct tt_kbuild_file *f = &fs->v[i];
		bool created;
		struct tt_strmap_entry *e = tt_strmap_upsert(&fs->by_source, f->source, &created);
		if (created) {
			tt_strv_push(&fs->sources, f->source);
			e->val = (void *)(uintptr_t)f->kind;
		} else if (kind_rank(f->kind) > kind_rank((enum tt_kbuild_kind)(uintptr_t)e->val)) {
			e->val = (void *)(uintptr_t)f->kind;
		}
	}
}

enum tt_kbuild_kind kb_fileset_lookup(const struct kb_fileset *fs, const char *source)
{
	struct tt_strmap_entry *e = tt_strmap_findn(&fs->by_source, source, strlen(source));
	return e ? (enum tt_kbuild_kind)(uintptr_t)e->val : TT_KBUILD_ABSENT;
}

void kb_fileset_free(struct kb_fileset *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free((char *)fs->v[i].source);
		free((char *)fs->v[i].object);
		free((char *)fs->v[i].module);
	}
	free(fs->v);
	tt_strmap_free(&fs->objects, NULL);
	tt_strmap_free(&fs->by_source, NULL);
	tt_strv_free(&fs->sources);
	memset(fs, 0, sizeof(*fs));
}

void kb_path_normalize(char *path)
{
	char *w = path;
	const char *r = path;
	bool abs = *r == '/';
	while (*r) {
		while (*r == '/')
			r++;
		const char *seg = r;
		while (*r && *r != '/')
			r++;
		size_t n = (size_t)(r - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.' && w > path) {
			/* Drop the last written segment unless it is itself "..". */
			char *slash = w - 1;
			while (slash > path && *slash != '/')
				slash--;
			const char *last = *slash == '/' ? slash + 1 : slash;
			if (!(w - last == 2 && last[0] == '.' && last[1] == '.')) {
				w = slash;
				if (w == path && abs)
					w = path; /* keep root */
				continue;
			}
		}
		if (w > path || abs)
			*w++ = '/';
		memmove(w, seg, n);
		w += n;
	}
	*w = '\0';
}
