// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The profile object: facts about one kernel, its file set with a path
 * index, and the lookup a scan makes for every file a CVE names.
 */
#include <errno.h>
#include <string.h>

#include "triage_internal.h"

const char *tt_profile_kind_name(enum tt_profile_kind k)
{
	static const char *const names[] = {"absent", "builtin", "module",
					    "host",   "header",	 "unknown"};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "absent";
}

enum tt_profile_kind tri_kind_parse(const char *s)
{
	for (int k = TT_PROFILE_ABSENT; k <= TT_PROFILE_UNKNOWN; k++)
		if (s && strcmp(s, tt_profile_kind_name((enum tt_profile_kind)k)) == 0)
			return (enum tt_profile_kind)k;
	return TT_PROFILE_UNKNOWN;
}

/* Which kind wins when one path is listed twice: code in the image over everything. */
static int kind_rank(enum tt_profile_kind k)
{
	static const int rank[] = {
	    [TT_PROFILE_ABSENT] = 0, [TT_PROFILE_UNKNOWN] = 1, [TT_PROFILE_HOST] = 2,
	    [TT_PROFILE_HEADER] = 3, [TT_PROFILE_MODULE] = 4,  [TT_PROFILE_BUILTIN] = 5,
	};
	return rank[k];
}

struct tt_profile *tri_profile_new(const char *name)
{
	struct tt_profile *p = tt_xcalloc(1, sizeof(*p));
	/* The files own their paths; the index only points at them. */
	p->file_index.borrowed = true;
	p->name = tt_xstrdup(name ? name : "");
	p->info.name = p->name;
	return p;
}

void tri_profile_add_file(struct tt_profile *p, const char *path, enum tt_profile_kind kind,
			  const char *module, const char *note)
{
	size_t at;
	if (tri_map_get(&p->file_index, path, &at)) {
		/* A source both compiled and #included elsewhere: the stronger kind says more. */
		struct tt_profile_file *f = &p->files[at];
		if (kind_rank(kind) > kind_rank(f->kind)) {
			f->kind = kind;
			free((char *)f->module);
			f->module = module ? tt_xstrdup(module) : NULL;
		}
		return;
	}
	tri_profile_append_file(p, path, kind, module, note);
	tri_map_put(&p->file_index, p->files[p->n_files - 1].path, p->n_files - 1);
}

void tri_profile_append_file(struct tt_profile *p, const char *path, enum tt_profile_kind kind,
			     const char *module, const char *note)
{
	if (p->n_files == p->cap_files) {
		p->cap_files = p->cap_files ? p->cap_files * 2 : 1024;
		p->files = tt_xrealloc(p->files, p->cap_files * sizeof(*p->files));
	}
	struct tt_profile_file *f = &p->files[p->n_files++];
	f->path = tt_xstrdup(path);
	f->kind = kind;
	f->module = module ? tt_xstrdup(module) : NULL;
	f->note = note ? tt_xstrdup(note) : NULL;
}

void tri_profile_add_unknown_dir(struct tt_profile *p, const char *dir, const char *reason)
{
	if (tri_map_get(&p->unknown_dirs, dir, NULL))
		return;
	tri_map_put(&p->unknown_dirs, dir, p->unknown_reasons.n);
	tt_strv_push(&p->unknown_reasons, reason ? reason : "not known");
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct tt_profile_file *)a)->path,
		      ((const struct tt_profile_file *)b)->path);
}

static void add_dir_chain(struct tri_map *m, const char *path)
{
	for (size_t len = strlen(path); len > 0; len--) {
		if (path[len - 1] != '/')
			continue;
		if (tri_map_getn(m, path, len - 1, NULL))
			break; /* its ancestors are in already */
		char *dir = tt_xstrndup(path, len - 1);
		tri_map_put(m, dir, 0);
		free(dir);
	}
}

static bool sorted(const struct tt_profile_file *f, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(f[i - 1].path, f[i].path) > 0)
			return false;
	return true;
}

/* Sort by path, rebuild the indexes, count by kind. */
void tri_profile_finish(struct tt_profile *p)
{
	/* Sets read back from the store come sorted already. */
	if (p->n_files && !sorted(p->files, p->n_files))
		qsort(p->files, p->n_files, sizeof(*p->files), cmp_file);
	tri_map_free(&p->file_index);
	tri_map_free(&p->built_dirs);
	tri_map_reserve(&p->file_index, p->n_files);
	size_t *counts[] = {&p->info.n_absent, &p->info.n_builtin, &p->info.n_module,
			    &p->info.n_host,   &p->info.n_header,  &p->info.n_unknown};
	for (size_t i = 0; i < 6; i++)
		*counts[i] = 0;
	for (size_t i = 0; i < p->n_files; i++) {
		const struct tt_profile_file *f = &p->files[i];
		tri_map_put(&p->file_index, f->path, i);
		(*counts[f->kind])++;
		if (f->kind == TT_PROFILE_BUILTIN || f->kind == TT_PROFILE_MODULE ||
		    f->kind == TT_PROFILE_HOST)
			add_dir_chain(&p->built_dirs, f->path);
	}
	p->info.n_unknown_dirs = p->unknown_dirs.n;
}

void tt_profile_free(struct tt_profile *p)
{
	if (!p)
		return;
	char *strs[] = {p->name,	 p->version_source, p->distro_release, p->uname_release,
			p->proc_version, p->arch,	    p->config_text,    p->config_source,
			p->files_source, p->modules_source, p->build_id,       p->build_id_source};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]);
	for (size_t i = 0; i < p->n_files; i++) {
		free((char *)p->files[i].path);
		free((char *)p->files[i].module);
		free((char *)p->files[i].note);
	}
	free(p->files);
	tri_map_free(&p->file_index);
	tri_map_free(&p->unknown_dirs);
	tri_map_free(&p->built_dirs);
	tri_map_free(&p->modules);
	tt_strv_free(&p->unknown_reasons);
	free(p);
}

const struct tt_profile_info *tt_profile_info(const struct tt_profile *p)
{
	return &p->info;
}

const char *tt_profile_config_text(const struct tt_profile *p)
{
	return p->config_text ? p->config_text : "";
}

size_t tt_profile_file_count(const struct tt_profile *p)
{
	return p->n_files;
}

const struct tt_profile_file *tt_profile_file_at(const struct tt_profile *p, size_t i)
{
	return i < p->n_files ? &p->files[i] : NULL;
}

/*
 * A predicted set knows a path it does not list only as well as the
 * nearest directory above it: one the evaluation could not finish leaves
 * it undecided; one holding compiled files was evaluated and left it out.
 */
static enum tt_profile_kind predicted_absence(const struct tt_profile *p, const char *path,
					      const char **note)
{
	size_t len = strlen(path);
	while (len > 0) {
		while (len > 0 && path[len - 1] != '/')
			len--;
		if (len == 0)
			break;
		len--; /* drop the slash */
		size_t at;
		if (tri_map_getn(&p->unknown_dirs, path, len, &at)) {
			if (note)
				*note = p->unknown_reasons.v[at];
			return TT_PROFILE_UNKNOWN;
		}
		if (tri_map_getn(&p->built_dirs, path, len, NULL))
			return TT_PROFILE_ABSENT;
	}
	size_t at;
	if (tri_map_get(&p->unknown_dirs, "", &at)) {
		if (note)
			*note = p->unknown_reasons.v[at];
		return TT_PROFILE_UNKNOWN;
	}
	return TT_PROFILE_ABSENT;
}

enum tt_profile_kind tt_profile_lookup(const struct tt_profile *p, const char *path,
				       const struct tt_profile_file **file, const char **note)
{
	if (file)
		*file = NULL;
	if (note)
		*note = NULL;
	size_t at;
	if (tri_map_get(&p->file_index, path, &at)) {
		if (file)
			*file = &p->files[at];
		if (note)
			*note = p->files[at].note;
		return p->files[at].kind;
	}
	switch (p->info.files_mode) {
	case TT_PROFILE_FILES_NONE:
		return TT_PROFILE_UNKNOWN;
	case TT_PROFILE_FILES_PREDICTED:
		return predicted_absence(p, path, note);
	default:
		return TT_PROFILE_ABSENT;
	}
}

/* /proc/modules spells "nf_tables" where kbuild's path says nf_tables.ko or nf-tables.ko. */
static void module_key(const char *module, char *out, size_t n)
{
	const char *base = strrchr(module, '/');
	base = base ? base + 1 : module;
	size_t len = strcspn(base, ".");
	if (len >= n)
		len = n - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[len] = '\0';
}

void tri_profile_add_module(struct tt_profile *p, const char *module)
{
	char key[256];
	module_key(module, key, sizeof(key));
	if (key[0])
		tri_map_put(&p->modules, key, 0);
	p->info.n_modules_loaded = p->modules.n;
}

bool tt_profile_module_loaded(const struct tt_profile *p, const char *module)
{
	char key[256];
	module_key(module, key, sizeof(key));
	return tri_map_get(&p->modules, key, NULL);
}

void tt_profile_set_name(struct tt_profile *p, const char *name)
{
	free(p->name);
	p->name = tt_xstrdup(name);
	p->info.name = p->name;
}

int tt_profile_set_version(struct tt_profile *p, const char *version, const char *source,
			   struct tt_error *err)
{
	struct tt_kver v;
	int r = tt_kver_parse(version, &v, err);
	if (r < 0)
		return r;
	p->info.version = v;
	p->info.has_version = true;
	p->info.version_exact = true;
	free(p->version_source);
	p->version_source = tt_xstrdup(source ? source : "set");
	p->info.version_source = p->version_source;
	return 0;
}
