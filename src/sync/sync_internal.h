/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/sync: the steps of a vulns.git sync. */
#ifndef TT_SYNC_INTERNAL_H
#define TT_SYNC_INTERNAL_H

#include <git2.h>
#include <pthread.h>
#include <stdatomic.h>

#include "tuxtape/cve.h"
#include "tuxtape/sync.h"

/* libgit2's last error as text, for messages. */
const char *tt_git_errmsg(void);

/*
 * Open the cache clone and point its "origin" at source; when there is none
 * and may_clone, clone source into dir (*cloned says so: no fetch needed).
 */
int tt_vulns_open_cache(const char *dir, const char *source, bool may_clone,
			const struct tt_sync_progress *progress, git_repository **repo,
			bool *cloned, struct tt_error *err);
int tt_vulns_fetch(git_repository *repo, const struct tt_sync_progress *progress,
		   struct tt_error *err);
/* The commit to ingest: rev if given, else origin's default branch. */
int tt_vulns_resolve_target(git_repository *repo, const char *rev, git_oid *out,
			    struct tt_error *err);
/* Whether the cache's work tree holds exactly target (see repo.c). */
bool tt_vulns_workdir_at(git_repository *repo, const git_oid *target);

/*
 * Year directories of a commit (cve/published/2024, ...), loaded once:
 * libgit2 does not cache trees this large, and cve/published/2024 alone has
 * tens of thousands of entries. root is the commit's tree, owned.
 */
struct tt_year_trees {
	git_tree *root;
	struct {
		char path[48];
		git_tree *tree; /* NULL: no such directory */
	} v[128];
	size_t n;
};
git_tree *tt_year_tree(struct tt_year_trees *yt, const char *path);
void tt_year_trees_free(struct tt_year_trees *yt);

/* One CVE to (re)read, with the directory holding its files. */
struct tt_ingest_item {
	char id[TT_CVE_ID_MAX];
	enum tt_cve_state state;
	bool gone;	/* in neither published/ nor rejected/ at the target */
	bool has_json;	/* its ID.json is in dir (stray files of an id can be elsewhere) */
	unsigned files; /* TT_CVE_HAS_* bits of the files present in dir */
	char dir[48];	/* "cve/published/2024" relative to the work tree */
};

struct tt_ingest_list {
	struct tt_ingest_item *v;
	size_t n, cap;
};
void tt_ingest_list_free(struct tt_ingest_list *l);

/* Every CVE in the target tree (full sync). */
int tt_vulns_list_all(git_repository *repo, const git_oid *target, struct tt_ingest_list *out,
		      struct tt_error *err);
/*
 * The ids of the CVEs whose files changed between from and to (incremental
 * sync), and ids named in a space/comma-separated list (those skipped last
 * time); both only collect ids: tt_vulns_list_locate() then sorts them and
 * finds where each lives at the target, once for all.
 */
int tt_vulns_list_changed(git_repository *repo, const git_oid *from, const git_oid *to,
			  struct tt_ingest_list *out, long *paths_changed, struct tt_error *err);
void tt_vulns_list_add_ids(const char *ids, struct tt_ingest_list *out);
int tt_vulns_list_locate(git_repository *repo, const git_oid *target, struct tt_ingest_list *out,
			 struct tt_error *err);

/* One first-publication fact; the earliest per id wins. */
struct tt_first_seen {
	char id[TT_CVE_ID_MAX];
	int64_t when;
	char commit[GIT_OID_HEXSZ + 1];
};

struct tt_first_seen_list {
	struct tt_first_seen *v;
	size_t n, cap;
};

/*
 * First-publication facts of the commits in (from, to] (from NULL: all
 * history), sorted by id then time. Opens its own repository handle, so it
 * can run on a thread of its own while the ingest runs.
 */
int tt_vulns_first_seen_collect(const char *repo_path, const git_oid *from, const git_oid *to,
				struct tt_first_seen_list *out, struct tt_error *err);
int tt_vulns_first_seen_write(struct tt_store *s, const struct tt_first_seen_list *l,
			      struct tt_error *err);
void tt_first_seen_free(struct tt_first_seen_list *l);

/*
 * Store work of another thread's making that the writer takes up between
 * records once ready is set (the history walk's dates): done then, while the
 * workers still parse, it does not hold up the end of the sync with one core
 * idle. When the ingest ends first, done stays false and the caller does it.
 */
struct tt_ingest_side {
	atomic_bool *ready;
	int (*write)(void *ctx, struct tt_error *err);
	void *ctx;
	bool done;
};

/*
 * Parse the listed CVEs of target on worker threads and write them to the
 * store: from the work tree when it holds exactly target (from_workdir),
 * otherwise from git blobs. store_empty: no CVE is stored yet, so none needs
 * looking up first. side may be NULL.
 */
int tt_vulns_ingest(struct tt_store *s, git_repository *repo, const git_oid *target,
		    bool from_workdir, bool store_empty, const struct tt_ingest_list *items,
		    const struct tt_sync_options *o, struct tt_ingest_side *side,
		    struct tt_sync_result *res, struct tt_strv *skipped_ids, struct tt_error *err);

#endif
