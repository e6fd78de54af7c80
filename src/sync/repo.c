// SPDX-License-Identifier: GPL-2.0-or-later
/* The cache clone of vulns.git: create, fetch, pick the commit, check it out. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sync_internal.h"
#include "tuxtape/util.h"

const char *tt_git_errmsg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* A local path given as the source is made absolute so the cache works from any cwd. */
static char *normalize_source(const char *source)
{
	if (strstr(source, "://") || source[0] == '/')
		return tt_xstrdup(source);
	char abs[PATH_MAX];
	if (realpath(source, abs))
		return tt_xstrdup(abs);
	return tt_xstrdup(source);
}

static int is_git_bundle(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	char head[32] = {0};
	size_t n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	return n > 0 && strncmp(head, "# v2 git bundle", 15) == 0;
}

static int ensure_origin(git_repository *repo, const char *url, struct tt_error *err)
{
	git_remote *remote = NULL;
	int r = git_remote_lookup(&remote, repo, "origin");
	if (r == GIT_ENOTFOUND)
		r = git_remote_create(&remote, repo, "origin", url);
	else if (r == 0 && strcmp(git_remote_url(remote), url) != 0)
		r = git_remote_set_url(repo, "origin", url);
	git_remote_free(remote);
	if (r < 0)
		return tt_error_set(err, -EIO, "cannot set the cache's remote to %s: %s", url,
				    tt_git_errmsg());
	return 0;
}

static int on_transfer(const git_indexer_progress *stats, void *payload);

/*
 * A new cache is a bare clone: from a local repository libgit2 then copies or
 * links its objects (seconds) instead of packing them for a fetch (minutes).
 */
static int clone_cache(const char *dir, const char *url, git_repository **repo,
		       const struct tt_sync_progress *progress, struct tt_error *err)
{
	git_clone_options co;
	git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
	co.bare = 1;
	co.local = GIT_CLONE_LOCAL_AUTO;
	if (progress && progress->update) {
		co.fetch_opts.callbacks.transfer_progress = on_transfer;
		co.fetch_opts.callbacks.payload = (void *)progress;
	}
	if (git_clone(repo, url, dir, &co) < 0)
		return tt_error_set(err, -EIO,
				    "cannot clone %s into %s: %s (check the URL or path and the "
				    "network)",
				    url, dir, tt_git_errmsg());
	return 0;
}

int tt_vulns_open_cache(const char *dir, const char *source, bool may_clone,
			const struct tt_sync_progress *progress, git_repository **repo,
			bool *cloned, struct tt_error *err)
{
	_cleanup_free_ char *url = normalize_source(source);
	if (!strstr(url, "://") && !tt_path_exists(url))
		return tt_error_set(
		    err, -ENOENT,
		    "--source %s: no such file or directory (give a vulns.git URL, or "
		    "the path of a clone or bare repository)",
		    url);
	if (is_git_bundle(url))
		return tt_error_set(err, -EINVAL,
				    "%s is a git bundle, which libgit2 cannot fetch from; clone it "
				    "first (`git clone %s DIR`) and pass DIR as --source",
				    url, url);
	*cloned = false;
	if (git_repository_open_ext(repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		if (!may_clone)
			return tt_error_set(
			    err, -ENOENT,
			    "there is no vulns.git cache in %s yet (--offline: sync "
			    "once without it)",
			    dir);
		int r = clone_cache(dir, url, repo, progress, err);
		*cloned = r == 0;
		return r;
	}
	int r = ensure_origin(*repo, url, err);
	if (r < 0) {
		git_repository_free(*repo);
		*repo = NULL;
	}
	return r;
}

static int on_transfer(const git_indexer_progress *stats, void *payload)
{
	const struct tt_sync_progress *p = payload;
	p->update(p->ctx, "fetch", stats->received_objects + stats->indexed_deltas,
		  (uint64_t)stats->total_objects + stats->total_deltas);
	return 0;
}

int tt_vulns_fetch(git_repository *repo, const struct tt_sync_progress *progress,
		   struct tt_error *err)
{
	git_remote *remote;
	if (git_remote_lookup(&remote, repo, "origin") < 0)
		return tt_error_set(err, -EIO, "the vulns.git cache has no origin: %s",
				    tt_git_errmsg());
	git_fetch_options fo;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.prune = GIT_FETCH_PRUNE;
	if (progress && progress->update) {
		fo.callbacks.transfer_progress = on_transfer;
		fo.callbacks.payload = (void *)progress;
	}
	int r = git_remote_fetch(remote, NULL, &fo, "tuxtape: fetch");
	int out = 0;
	if (r < 0)
		out = tt_error_set(err, -EIO,
				   "cannot fetch %s: %s (check the URL or path, the network, or "
				   "use --offline to ingest what the cache already has)",
				   git_remote_url(remote), tt_git_errmsg());
	git_remote_free(remote);
	return out;
}

/* origin's default branch: the only remote branch, else master, else main. */
static int default_branch(git_repository *repo, git_oid *out, struct tt_error *err)
{
	static const char *const preferred[] = {"refs/remotes/origin/master",
						"refs/remotes/origin/main"};
	for (size_t i = 0; i < 2; i++)
		if (git_reference_name_to_id(out, repo, preferred[i]) == 0)
			return 0;
	git_reference_iterator *it;
	if (git_reference_iterator_glob_new(&it, repo, "refs/remotes/origin/*") < 0)
		return tt_error_set(err, -EIO, "cannot list the fetched branches: %s",
				    tt_git_errmsg());
	git_reference *ref;
	int found = 0;
	while (git_reference_next(&ref, it) == 0) {
		if (!strstr(git_reference_name(ref), "/HEAD") &&
		    git_reference_name_to_id(out, repo, git_reference_name(ref)) == 0)
			found++;
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (found == 1)
		return 0;
	return tt_error_set(err, -ENOENT,
			    found ? "the source has several branches and none is master or main: "
				    "name the one to ingest with --rev"
				  : "the source has no branches: is it a vulns.git repository?");
}

int tt_vulns_resolve_target(git_repository *repo, const char *rev, git_oid *out,
			    struct tt_error *err)
{
	if (!rev)
		return default_branch(repo, out, err);
	git_object *obj;
	if (git_revparse_single(&obj, repo, rev) < 0) {
		_cleanup_free_ char *remote_rev = tt_xasprintf("origin/%s", rev);
		if (git_revparse_single(&obj, repo, remote_rev) < 0)
			return tt_error_set(err, -ENOENT, "--rev %s: no such commit in the source",
					    rev);
	}
	git_object *commit;
	int r = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (r < 0)
		return tt_error_set(err, -EINVAL, "--rev %s does not name a commit", rev);
	git_oid_cpy(out, git_object_id(commit));
	git_object_free(commit);
	return 0;
}

/*
 * Whether the cache's work tree holds exactly target, so files can be read
 * from it (faster than inflating blobs). Sync never checks out: a cache it
 * creates is bare. A --cache that is a user's checkout at target qualifies.
 */
bool tt_vulns_workdir_at(git_repository *repo, const git_oid *target)
{
	git_oid head;
	if (git_repository_is_bare(repo) || !git_repository_workdir(repo))
		return false;
	return git_reference_name_to_id(&head, repo, "HEAD") == 0 && git_oid_equal(&head, target);
}
