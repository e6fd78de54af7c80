// SPDX-License-Identifier: GPL-2.0-or-later
/* Profiles to and from the store (the tables of schema version 2). */
#include <errno.h>
#include <string.h>

#include "triage_internal.h"

static const char *const files_modes[] = {"none", "exact", "predicted"};

static char *modules_text(const struct tt_profile *p)
{
	if (!p->info.modules_known)
		return NULL;
	struct tt_strv names = TT_STRV_INIT;
	for (size_t i = 0; i < p->modules.cap; i++)
		if (p->modules.slots[i].key)
			tt_strv_push(&names, p->modules.slots[i].key);
	tt_strv_sort_unique(&names);
	struct tt_buf b = TT_BUF_INIT;
	for (size_t i = 0; i < names.n; i++)
		tt_buf_addf(&b, "%s\n", names.v[i]);
	tt_strv_free(&names);
	/* An empty list still says "known: nothing loaded", unlike NULL. */
	return b.buf ? tt_buf_detach(&b) : tt_xstrdup("");
}

static void to_row(const struct tt_profile *p, char *version, struct tt_store_profile *row)
{
	const struct tt_profile_info *i = &p->info;
	memset(row, 0, sizeof(*row));
	row->name = p->name;
	row->created_at = i->created_at;
	if (i->has_version)
		tt_kver_format(&i->version, version, TT_KVER_STR_MAX);
	row->version = i->has_version ? version : NULL;
	row->version_exact = i->version_exact;
	row->version_source = p->version_source;
	row->distro_release = p->distro_release;
	row->uname_release = p->uname_release;
	row->proc_version = p->proc_version;
	row->arch = p->arch;
	row->config = p->config_text;
	row->config_source = p->config_source;
	row->files_mode = files_modes[i->files_mode];
	row->files_source = p->files_source;
	row->running = i->running;
	row->modules_source = p->modules_source;
	row->build_id = p->build_id;
	row->build_id_source = p->build_id_source;
}

int tt_profile_save(struct tt_store *s, const struct tt_profile *p, struct tt_error *err)
{
	char version[TT_KVER_STR_MAX];
	struct tt_store_profile row;
	to_row(p, version, &row);
	_cleanup_free_ char *mods = modules_text(p);
	row.modules_loaded = mods;
	struct tt_store_profile_file *files =
	    p->n_files ? tt_xcalloc(p->n_files, sizeof(*files)) : NULL;
	for (size_t i = 0; i < p->n_files; i++) {
		files[i].path = p->files[i].path;
		files[i].kind = tt_profile_kind_name(p->files[i].kind);
		files[i].module = p->files[i].module;
		files[i].note = p->files[i].note;
	}
	size_t nd = p->unknown_dirs.n, k = 0;
	struct tt_store_profile_unknown_dir *dirs = nd ? tt_xcalloc(nd, sizeof(*dirs)) : NULL;
	for (size_t i = 0; i < p->unknown_dirs.cap; i++) {
		const struct tri_map_slot *sl = &p->unknown_dirs.slots[i];
		if (sl->key)
			dirs[k++] = (struct tt_store_profile_unknown_dir){
			    sl->key, p->unknown_reasons.v[sl->value]};
	}
	int r = tt_store_begin(s, err);
	if (r == 0)
		r = tt_store_profile_put(s, &row, files, p->n_files, dirs, k, err);
	if (r == 0)
		r = tt_store_commit(s, err);
	else
		tt_store_rollback(s);
	free(files);
	free(dirs);
	return r;
}

/* ---------------- loading ---------------- */

static char *dup_or_null(const char *s)
{
	return s ? tt_xstrdup(s) : NULL;
}

static void from_row(struct tt_profile *p, const struct tt_store_profile *row)
{
	struct tt_profile_info *i = &p->info;
	i->created_at = row->created_at;
	if (row->version && tt_kver_parse(row->version, &i->version, NULL) == 0)
		i->has_version = true;
	i->version_exact = row->version_exact;
	i->version_source = p->version_source = dup_or_null(row->version_source);
	i->distro_release = p->distro_release = dup_or_null(row->distro_release);
	i->uname_release = p->uname_release = dup_or_null(row->uname_release);
	i->proc_version = p->proc_version = dup_or_null(row->proc_version);
	i->arch = p->arch = dup_or_null(row->arch);
	p->config_text = dup_or_null(row->config);
	i->has_config = row->config != NULL;
	i->config_source = p->config_source = dup_or_null(row->config_source);
	for (int m = 0; m < 3; m++)
		if (row->files_mode && strcmp(row->files_mode, files_modes[m]) == 0)
			i->files_mode = (enum tt_profile_files_mode)m;
	i->files_source = p->files_source = dup_or_null(row->files_source);
	i->running = row->running;
	i->modules_source = p->modules_source = dup_or_null(row->modules_source);
	i->build_id = p->build_id = dup_or_null(row->build_id);
	i->build_id_source = p->build_id_source = dup_or_null(row->build_id_source);
}

static void count_config(struct tt_profile *p)
{
	size_t n = 0;
	for (const char *c = p->config_text; c && *c; c++)
		n += *c == '\n';
	p->info.config_symbols = n;
}

static void add_modules(struct tt_profile *p, const char *list)
{
	if (!list)
		return;
	p->info.modules_known = true;
	while (*list) {
		size_t n = strcspn(list, "\n");
		if (n) {
			char *name = tt_xstrndup(list, n);
			tri_profile_add_module(p, name);
			free(name);
		}
		list += n + (list[n] == '\n');
	}
}

static int on_row(void *ctx, const struct tt_store_profile *row)
{
	struct tt_profile *p = ctx;
	from_row(p, row);
	count_config(p);
	add_modules(p, row->modules_loaded);
	return 0;
}

static int on_file(void *ctx, const struct tt_store_profile_file *f)
{
	/* (profile, path) is the table's key: no duplicates to merge. */
	tri_profile_append_file(ctx, f->path, tri_kind_parse(f->kind), f->module, f->note);
	return 0;
}

static int on_dir(void *ctx, const struct tt_store_profile_unknown_dir *d)
{
	tri_profile_add_unknown_dir(ctx, d->dir, d->reason);
	return 0;
}

int tt_profile_load(struct tt_store *s, const char *name, struct tt_profile **out,
		    struct tt_error *err)
{
	*out = NULL;
	struct tt_profile *p = tri_profile_new(name);
	int r = tt_store_profile_get(s, name, on_row, p, err);
	if (r == 0)
		r = tt_store_profile_files(s, name, on_file, p, err);
	if (r == 0)
		r = tt_store_profile_unknown_dirs(s, name, on_dir, p, err);
	if (r < 0) {
		tt_profile_free(p);
		return r;
	}
	tri_profile_finish(p);
	*out = p;
	return 0;
}
