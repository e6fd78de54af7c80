// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * First publication dates from git history. cveMetadata carries no publish
 * date, so the date a CVE was published is the time of the first commit that
 * added its .json under cve/published.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sync_internal.h"
#include "tuxtape/util.h"

#define PUBLISHED "cve/published"

/* c's cve/published tree, or NULL (and 0) when it has none. */
static int published_tree(git_commit *c, git_tree **out)
{
	*out = NULL;
	git_tree *root;
	int r = git_commit_tree(&root, c);
	if (r < 0)
		return r;
	git_tree_entry *te;
	if (git_tree_entry_bypath(&te, root, PUBLISHED) == 0) {
		if (git_tree_entry_type(te) == GIT_OBJECT_TREE)
			r = git_tree_lookup(out, git_tree_owner(root), git_tree_entry_id(te));
		git_tree_entry_free(te);
	}
	git_tree_free(root);
	return r;
}

/* The cve/published tree of c's first parent; NULL for the root commit. */
static int parent_published_tree(git_commit *c, git_tree **out)
{
	*out = NULL;
	if (git_commit_parentcount(c) == 0)
		return 0; /* the root commit adds everything it holds */
	git_commit *parent;
	int r = git_commit_parent(&parent, c, 0);
	if (r == 0) {
		r = published_tree(parent, out);
		git_commit_free(parent);
	}
	return r;
}

/* "CVE-2024-26581.json" (a file name under cve/published/YEAR) -> its id. */
static bool is_json_name(const char *name, char *id, size_t n)
{
	size_t len = strlen(name);
	if (len < 6 || strcmp(name + len - 5, ".json") != 0 || len - 5 >= n)
		return false;
	memcpy(id, name, len - 5);
	id[len - 5] = '\0';
	return tt_cve_id_valid(id);
}

static void add_first_seen(struct tt_first_seen_list *l, const char *id, int64_t when,
			   const char *commit)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = tt_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	struct tt_first_seen *f = &l->v[l->n++];
	memcpy(f->id, id, sizeof(f->id));
	f->when = when;
	memcpy(f->commit, commit, sizeof(f->commit));
}

static int cmp_first_seen(const void *a, const void *b)
{
	const struct tt_first_seen *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->when > y->when) - (x->when < y->when);
}

/* What one commit publishes: its time and id, for the ids it adds. */
struct commit_adds {
	struct tt_first_seen_list *out;
	int64_t when;
	char hex[GIT_OID_HEXSZ + 1];
};

static void add_if_json(struct commit_adds *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	char id[TT_CVE_ID_MAX];
	if (is_json_name(slash ? slash + 1 : path, id, sizeof(id)))
		add_first_seen(a->out, id, a->when, a->hex);
}

/* Every .json of a year tree, for a commit that adds the whole year. */
static void add_all(struct commit_adds *a, const git_tree *year)
{
	for (size_t i = 0, n = git_tree_entrycount(year); i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(year, i);
		if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			add_if_json(a, git_tree_entry_name(e));
	}
}

/*
 * The .json files of after that before lacks, by one walk over both year
 * trees, whose entries git keeps sorted: what git_diff_tree_to_tree called
 * added, without the record it made of every changed file.
 */
static void add_new(struct commit_adds *a, const git_tree *before, const git_tree *after)
{
	size_t i = 0, j = 0, n = git_tree_entrycount(after), m = git_tree_entrycount(before);
	while (i < n) {
		const git_tree_entry *e = git_tree_entry_byindex(after, i);
		/* git's own order: a subdirectory sorts as its name and a '/'. */
		int c = j < m ? git_tree_entry_cmp(git_tree_entry_byindex(before, j), e) : 1;
		if (c < 0) {
			j++;
			continue;
		}
		if (c > 0 && git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			add_if_json(a, git_tree_entry_name(e));
		j += c == 0;
		i++;
	}
}

/* One year directory of after's cve/published: all new, changed, or as it was. */
static int add_year(git_repository *repo, struct commit_adds *a, const git_tree *before,
		    const git_tree_entry *e)
{
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	const git_tree_entry *old =
	    before ? git_tree_entry_byname(before, git_tree_entry_name(e)) : NULL;
	if (old && git_oid_equal(git_tree_entry_id(old), git_tree_entry_id(e)))
		return 0;
	git_tree *year = NULL, *old_year = NULL;
	int r = git_tree_lookup(&year, repo, git_tree_entry_id(e));
	if (r == 0 && old && git_tree_entry_type(old) == GIT_OBJECT_TREE)
		r = git_tree_lookup(&old_year, repo, git_tree_entry_id(old));
	if (r == 0 && old_year)
		add_new(a, old_year, year);
	else if (r == 0)
		add_all(a, year);
	git_tree_free(year);
	git_tree_free(old_year);
	return r;
}

/*
 * The root commit adds all it holds; a later commit adds the .json files
 * its cve/published has and its first parent's lacks. Year directories the
 * commit left as they were cost one comparison each, and a commit that left
 * cve/published alone costs one.
 */
static int record_commit(git_repository *repo, struct tt_first_seen_list *out, git_commit *c,
			 struct tt_error *err)
{
	git_tree *before = NULL, *after = NULL;
	struct commit_adds a = {.out = out, .when = (int64_t)git_commit_time(c)};
	git_oid_tostr(a.hex, sizeof(a.hex), git_commit_id(c));
	int r = parent_published_tree(c, &before);
	if (r == 0)
		r = published_tree(c, &after);
	bool same = before && after && git_oid_equal(git_tree_id(before), git_tree_id(after));
	for (size_t i = 0, n = after && !same ? git_tree_entrycount(after) : 0; r == 0 && i < n;
	     i++)
		r = add_year(repo, &a, before, git_tree_entry_byindex(after, i));
	if (r < 0)
		r = tt_error_set(err, -EIO, "reading history at %s: %s", a.hex, tt_git_errmsg());
	git_tree_free(before);
	git_tree_free(after);
	return r;
}

void tt_first_seen_free(struct tt_first_seen_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int tt_vulns_first_seen_collect(const char *repo_path, const git_oid *from, const git_oid *to,
				struct tt_first_seen_list *out, struct tt_error *err)
{
	git_repository *repo;
	if (git_repository_open(&repo, repo_path) < 0)
		return tt_error_set(err, -EIO, "cannot open %s: %s", repo_path, tt_git_errmsg());
	git_revwalk *walk;
	if (git_revwalk_new(&walk, repo) < 0) {
		git_repository_free(repo);
		return tt_error_set(err, -EIO, "cannot walk history: %s", tt_git_errmsg());
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	int r = git_revwalk_push(walk, to);
	if (r == 0 && from)
		r = git_revwalk_hide(walk, from);
	if (r < 0)
		r = tt_error_set(err, -EIO, "cannot walk history to %s: %s", git_oid_tostr_s(to),
				 tt_git_errmsg());
	git_oid oid;
	while (r == 0 && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c;
		if (git_commit_lookup(&c, repo, &oid) < 0) {
			r = tt_error_set(err, -EIO, "cannot read commit %s: %s",
					 git_oid_tostr_s(&oid), tt_git_errmsg());
			break;
		}
		r = record_commit(repo, out, c, err);
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	git_repository_free(repo);
	/* Sorted by id, earliest first: the store appends instead of seeking. */
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_first_seen);
	return r;
}

int tt_vulns_first_seen_write(struct tt_store *s, const struct tt_first_seen_list *l,
			      struct tt_error *err)
{
	/* The earliest fact of each id: the list is sorted by id, then time. */
	struct tt_store_first_seen *v = tt_xcalloc(l->n ? l->n : 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (i == 0 || strcmp(l->v[i].id, l->v[i - 1].id) != 0)
			v[n++] = (struct tt_store_first_seen){
			    .id = l->v[i].id, .when = l->v[i].when, .commit = l->v[i].commit};
	int r = tt_store_cve_first_seen_many(s, v, n, err);
	free(v);
	return r;
}
