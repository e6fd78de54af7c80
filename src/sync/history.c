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

static int parent_tree(git_commit *c, git_tree **out)
{
	*out = NULL;
	if (git_commit_parentcount(c) == 0)
		return 0; /* the root commit adds everything it holds */
	git_commit *parent;
	int r = git_commit_parent(&parent, c, 0);
	if (r == 0) {
		r = git_commit_tree(out, parent);
		git_commit_free(parent);
	}
	return r;
}

static bool is_published_json(const char *path, char *id, size_t n)
{
	size_t len = strlen(path);
	if (strncmp(path, "cve/published/", 14) != 0 || len < 6 ||
	    strcmp(path + len - 5, ".json") != 0)
		return false;
	const char *name = strrchr(path, '/') + 1;
	size_t id_len = strlen(name) - 5;
	if (id_len >= n)
		return false;
	memcpy(id, name, id_len);
	id[id_len] = '\0';
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

static int record_commit(git_repository *repo, struct tt_first_seen_list *out, git_commit *c,
			 struct tt_error *err)
{
	git_tree *before = NULL, *after = NULL;
	git_diff *diff = NULL;
	int r = parent_tree(c, &before);
	if (r == 0)
		r = git_commit_tree(&after, c);
	if (r == 0) {
		char *paths[] = {"cve/published"};
		git_diff_options o;
		git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
		o.pathspec.strings = paths;
		o.pathspec.count = 1;
		r = git_diff_tree_to_tree(&diff, repo, before, after, &o);
	}
	if (r < 0) {
		r = tt_error_set(err, -EIO, "reading history at %s: %s",
				 git_oid_tostr_s(git_commit_id(c)), tt_git_errmsg());
		goto out;
	}
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	int64_t when = (int64_t)git_commit_time(c);
	for (size_t i = 0, n = git_diff_num_deltas(diff); i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		char id[TT_CVE_ID_MAX];
		if (d->status == GIT_DELTA_ADDED &&
		    is_published_json(d->new_file.path, id, sizeof(id)))
			add_first_seen(out, id, when, hex);
	}
out:
	git_diff_free(diff);
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
