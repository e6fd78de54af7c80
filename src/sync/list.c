// SPDX-License-Identifier: GPL-2.0-or-later
/* Which CVEs a sync must read: all of them, or those whose files changed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sync_internal.h"
#include "tuxtape/util.h"

void tt_ingest_list_free(struct tt_ingest_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static struct tt_ingest_item *push(struct tt_ingest_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = tt_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	struct tt_ingest_item *it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

/* "CVE-2024-26581.json" -> "CVE-2024-26581"; false when the name is no CVE file. */
static bool id_of_filename(const char *name, char *id, size_t n)
{
	size_t len = strcspn(name, ".");
	if (len == 0 || len >= n)
		return false;
	memcpy(id, name, len);
	id[len] = '\0';
	return tt_cve_id_valid(id);
}

/* The year directory the kernel CNA files an id under: its year in the id. */
static void year_of_id(const char *id, char *year, size_t n)
{
	snprintf(year, n, "%.4s", id + 4);
}

/* Add the file name (in dir, dir_len bytes) to the list: a new item, or a file of the last one. */
static void add_file(struct tt_ingest_list *l, const char *dir, size_t dir_len,
		     enum tt_cve_state state, const char *name)
{
	char id[TT_CVE_ID_MAX];
	if (!id_of_filename(name, id, sizeof(id)))
		return;
	unsigned bit = tt_cve_file_bit(name + strlen(id));
	/* Tree order keeps one id's files adjacent: "CVE-1.json" < "CVE-10". */
	struct tt_ingest_item *last = l->n ? &l->v[l->n - 1] : NULL;
	if (last && last->state == state && strcmp(last->id, id) == 0 &&
	    memcmp(last->dir, dir, dir_len) == 0 && last->dir[dir_len] == '\0') {
		last->files |= bit;
		last->has_json = last->files & TT_CVE_HAS_JSON;
		return;
	}
	struct tt_ingest_item *it = push(l);
	memcpy(it->id, id, sizeof(id));
	it->files = bit;
	it->has_json = bit & TT_CVE_HAS_JSON;
	it->state = state;
	memcpy(it->dir, dir, dir_len);
	it->dir[dir_len] = '\0';
}

/* The files of one directory tree (a year's), by index: no path is built per entry. */
static void list_tree(git_tree *t, const char *dir, enum tt_cve_state state,
		      struct tt_ingest_list *out)
{
	size_t dir_len = strlen(dir);
	for (size_t i = 0, n = git_tree_entrycount(t); i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			add_file(out, dir, dir_len, state, git_tree_entry_name(e));
	}
}

static int cmp_item(const void *a, const void *b)
{
	const struct tt_ingest_item *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	if (c)
		return c;
	if (x->has_json != y->has_json)
		return x->has_json ? -1 : 1;
	return (int)x->state - (int)y->state;
}

/*
 * Sort by id. An id found in both homes keeps the one holding its .json (a
 * stray .vulnerable can be left behind in published/ when an id is rejected),
 * and published when both have one.
 */
static void sort_unique(struct tt_ingest_list *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_item);
	size_t w = 1;
	for (size_t r = 1; r < l->n; r++)
		if (strcmp(l->v[r].id, l->v[w - 1].id) != 0)
			l->v[w++] = l->v[r];
	l->n = w;
}

/* The files under path ("cve/published"): those of its year directories, and its own. */
static int walk_dir(git_tree *root, const char *path, enum tt_cve_state state,
		    struct tt_ingest_list *out, struct tt_error *err)
{
	git_tree_entry *te;
	if (git_tree_entry_bypath(&te, root, path) < 0)
		return 0; /* an empty repository has no rejected/ yet */
	git_repository *repo = git_tree_owner(root);
	git_tree *sub;
	int r = git_tree_lookup(&sub, repo, git_tree_entry_id(te));
	git_tree_entry_free(te);
	if (r < 0)
		return tt_error_set(err, -EIO, "cannot read %s: %s", path, tt_git_errmsg());
	for (size_t i = 0, n = git_tree_entrycount(sub); r == 0 && i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(sub, i);
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
			continue;
		char dir[sizeof(out->v[0].dir)];
		snprintf(dir, sizeof(dir), "%s/%s", path, git_tree_entry_name(e));
		git_tree *year;
		r = git_tree_lookup(&year, repo, git_tree_entry_id(e));
		if (r < 0) {
			r = tt_error_set(err, -EIO, "cannot list %s: %s", dir, tt_git_errmsg());
			break;
		}
		list_tree(year, dir, state, out);
		git_tree_free(year);
	}
	if (r == 0)
		list_tree(sub, path, state, out);
	git_tree_free(sub);
	return r;
}

static int commit_tree(git_repository *repo, const git_oid *commit, git_tree **tree,
		       struct tt_error *err)
{
	git_commit *c;
	if (git_commit_lookup(&c, repo, commit) < 0)
		return tt_error_set(err, -EIO, "cannot read commit %s: %s", git_oid_tostr_s(commit),
				    tt_git_errmsg());
	int r = git_commit_tree(tree, c);
	git_commit_free(c);
	if (r < 0)
		return tt_error_set(err, -EIO, "cannot read the tree of %s: %s",
				    git_oid_tostr_s(commit), tt_git_errmsg());
	return 0;
}

int tt_vulns_list_all(git_repository *repo, const git_oid *target, struct tt_ingest_list *out,
		      struct tt_error *err)
{
	git_tree *tree;
	int r = commit_tree(repo, target, &tree, err);
	if (r < 0)
		return r;
	r = walk_dir(tree, "cve/published", TT_CVE_PUBLISHED, out, err);
	if (r == 0)
		r = walk_dir(tree, "cve/rejected", TT_CVE_REJECTED, out, err);
	git_tree_free(tree);
	if (r == 0)
		sort_unique(out);
	return r;
}

/* Which of id's files the year tree holds. */
static unsigned files_of(git_tree *t, const char *id)
{
	static const char *const exts[] = {".json",    ".dyad", ".sha1",     ".vulnerable",
					   ".message", ".cvss", ".reference"};
	unsigned files = 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		char name[TT_CVE_ID_MAX + 16];
		snprintf(name, sizeof(name), "%s%s", id, exts[i]);
		if (git_tree_entry_byname(t, name))
			files |= tt_cve_file_bit(exts[i]);
	}
	return files;
}

/* Where id lives at the target: published, rejected, or nowhere. */
static void locate(struct tt_year_trees *yt, struct tt_ingest_item *it)
{
	static const struct {
		const char *root;
		enum tt_cve_state state;
	} homes[] = {{"cve/published", TT_CVE_PUBLISHED}, {"cve/rejected", TT_CVE_REJECTED}};
	char year[8], name[TT_CVE_ID_MAX + 8];
	year_of_id(it->id, year, sizeof(year));
	snprintf(name, sizeof(name), "%s.json", it->id);
	for (size_t i = 0; i < 2; i++) {
		char dir[48];
		snprintf(dir, sizeof(dir), "%s/%s", homes[i].root, year);
		git_tree *t = tt_year_tree(yt, dir);
		if (t && git_tree_entry_byname(t, name)) {
			it->state = homes[i].state;
			it->has_json = true;
			it->files = files_of(t, it->id);
			snprintf(it->dir, sizeof(it->dir), "%s", dir);
			return;
		}
	}
	/* No .json at the target: gone, or broken (other files left); ingest decides. */
	it->gone = true;
	snprintf(it->dir, sizeof(it->dir), "cve/published/%s", year);
}

static void push_path_id(struct tt_ingest_list *l, const char *path)
{
	if (!path || (strncmp(path, "cve/published/", 14) && strncmp(path, "cve/rejected/", 13)))
		return;
	const char *slash = strrchr(path, '/');
	char id[TT_CVE_ID_MAX];
	if (!id_of_filename(slash + 1, id, sizeof(id)))
		return;
	memcpy(push(l)->id, id, sizeof(id));
}

int tt_vulns_list_locate(git_repository *repo, const git_oid *target, struct tt_ingest_list *out,
			 struct tt_error *err)
{
	sort_unique(out);
	struct tt_year_trees yt = {0};
	int r = commit_tree(repo, target, &yt.root, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < out->n; i++)
		locate(&yt, &out->v[i]);
	tt_year_trees_free(&yt);
	return 0;
}

int tt_vulns_list_changed(git_repository *repo, const git_oid *from, const git_oid *to,
			  struct tt_ingest_list *out, long *paths_changed, struct tt_error *err)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	int r = commit_tree(repo, from, &a, err);
	if (r == 0)
		r = commit_tree(repo, to, &b, err);
	if (r == 0) {
		char *paths[] = {"cve/published", "cve/rejected"};
		git_diff_options o;
		git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
		o.pathspec.strings = paths;
		o.pathspec.count = 2;
		if (git_diff_tree_to_tree(&diff, repo, a, b, &o) < 0)
			r = tt_error_set(err, -EIO, "cannot compare %s with the target: %s",
					 git_oid_tostr_s(from), tt_git_errmsg());
	}
	if (r == 0) {
		size_t n = git_diff_num_deltas(diff);
		*paths_changed = (long)n;
		for (size_t i = 0; i < n; i++) {
			const git_diff_delta *d = git_diff_get_delta(diff, i);
			push_path_id(out, d->old_file.path);
			push_path_id(out, d->new_file.path);
		}
	}
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	return r;
}

void tt_vulns_list_add_ids(const char *ids, struct tt_ingest_list *out)
{
	while (ids && *ids) {
		size_t n = strcspn(ids, " ,\n");
		char id[TT_CVE_ID_MAX];
		if (n > 0 && n < sizeof(id)) {
			memcpy(id, ids, n);
			id[n] = '\0';
			if (tt_cve_id_valid(id))
				memcpy(push(out)->id, id, sizeof(id));
		}
		ids += n + (ids[n] != '\0');
	}
}
