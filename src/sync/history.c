// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * First publication dates from git history. cveMetadata carries no publish
 * date, so the date a CVE was published is the time of the first commit that
 * added its .json under cve/published.
 */
#include <errno.h>
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

static int record_commit(git_repository *repo, struct tt_store *s, git_commit *c,
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
	for (size_t i = 0, n = git_diff_num_deltas(diff); r == 0 && i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		char id[TT_CVE_ID_MAX];
		if (d->status == GIT_DELTA_ADDED &&
		    is_published_json(d->new_file.path, id, sizeof(id)))
			r = tt_store_cve_first_seen(s, id, when, hex, err);
	}
out:
	git_diff_free(diff);
	git_tree_free(before);
	git_tree_free(after);
	return r;
}

static int count_commits(git_revwalk *walk, git_repository *repo, const git_oid *from,
			 const git_oid *to, uint64_t *n)
{
	git_oid oid;
	*n = 0;
	while (git_revwalk_next(&oid, walk) == 0)
		(*n)++;
	git_revwalk_reset(walk);
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	if (git_revwalk_push(walk, to) < 0)
		return -1;
	return from ? git_revwalk_hide(walk, from) : 0;
}

int tt_vulns_first_seen(git_repository *repo, struct tt_store *s, const git_oid *from,
			const git_oid *to, const struct tt_sync_progress *progress,
			struct tt_error *err)
{
	git_revwalk *walk;
	if (git_revwalk_new(&walk, repo) < 0)
		return tt_error_set(err, -EIO, "cannot walk history: %s", tt_git_errmsg());
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	uint64_t total = 0, done = 0;
	int r = git_revwalk_push(walk, to);
	if (r == 0 && from)
		r = git_revwalk_hide(walk, from);
	if (r == 0)
		r = count_commits(walk, repo, from, to, &total);
	if (r < 0) {
		git_revwalk_free(walk);
		return tt_error_set(err, -EIO, "cannot walk history to %s: %s", git_oid_tostr_s(to),
				    tt_git_errmsg());
	}
	git_oid oid;
	while (r == 0 && git_revwalk_next(&oid, walk) == 0) {
		git_commit *c;
		if (git_commit_lookup(&c, repo, &oid) < 0) {
			r = tt_error_set(err, -EIO, "cannot read commit %s: %s",
					 git_oid_tostr_s(&oid), tt_git_errmsg());
			break;
		}
		r = record_commit(repo, s, c, err);
		git_commit_free(c);
		if (progress && progress->update)
			progress->update(progress->ctx, "history", ++done, total);
	}
	git_revwalk_free(walk);
	return r;
}
