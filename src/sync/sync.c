// SPDX-License-Identifier: GPL-2.0-or-later
/* A vulns.git sync from start to end: fetch, check out, one store transaction. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "sync_internal.h"
#include "tuxtape/util.h"

char *tt_vulns_default_cache(void)
{
	_cleanup_free_ char *dir = tt_cache_dir();
	return tt_xasprintf("%s/vulns", dir);
}

/* Two syncs writing one cache clone would corrupt it; the second waits its turn. */
static int lock_cache(const char *cache, int *fd, struct tt_error *err)
{
	_cleanup_free_ char *path = tt_xasprintf("%s.lock", cache);
	_cleanup_free_ char *parent = tt_xstrdup(cache);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		int r = tt_mkdir_p(parent, 0755, err);
		if (r < 0)
			return r;
	}
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0)
		return tt_error_set(err, -errno, "cannot open the lock %s: %s", path,
				    strerror(errno));
	if (flock(*fd, LOCK_EX) != 0) {
		int e = errno;
		close(*fd);
		return tt_error_set(err, -e, "cannot lock %s: %s", path, strerror(e));
	}
	return 0;
}

/* The commit the store last ingested, if the cache still has it. */
static bool previous_commit(struct tt_store *s, git_repository *repo, git_oid *from,
			    struct tt_sync_result *res, const struct tt_sync_options *o)
{
	_cleanup_free_ char *hex = NULL;
	if (tt_store_meta_get(s, "vulns.commit", &hex, NULL) < 0 || !hex)
		return false;
	git_commit *c;
	if (git_oid_fromstr(from, hex) < 0 || git_commit_lookup(&c, repo, from) < 0) {
		tt_diag_warn(o->diag, NULL, 0,
			     "the store's last synced commit %s is not in the source; "
			     "doing a full sync",
			     hex);
		res->warnings++;
		return false;
	}
	git_commit_free(c);
	return true;
}

/* After a full ingest, ids the target no longer has at all are removed. */
static int remove_stale(struct tt_store *s, const struct tt_ingest_list *items,
			struct tt_sync_result *res, struct tt_error *err)
{
	struct tt_strv stored = TT_STRV_INIT;
	int r = tt_store_cve_ids(s, &stored, err);
	size_t j = 0;
	for (size_t i = 0; r == 0 && i < stored.n; i++) {
		while (j < items->n && strcmp(items->v[j].id, stored.v[i]) < 0)
			j++;
		if (j < items->n && strcmp(items->v[j].id, stored.v[i]) == 0)
			continue;
		res->removed++;
		r = tt_store_cve_delete(s, stored.v[i], err);
	}
	tt_strv_free(&stored);
	return r;
}

static int list_items(git_repository *repo, struct tt_store *s, bool incremental,
		      const git_oid *from, const git_oid *to, struct tt_ingest_list *items,
		      struct tt_sync_result *res, struct tt_error *err)
{
	if (!incremental)
		return tt_vulns_list_all(repo, to, items, err);
	int r = tt_vulns_list_changed(repo, from, to, items, &res->paths_changed, err);
	_cleanup_free_ char *skipped = NULL;
	if (r == 0)
		r = tt_store_meta_get(s, "vulns.skipped", &skipped, err);
	/* Records skipped last time as broken are read again: they may be fixed now. */
	if (r == 0 && skipped)
		tt_vulns_list_add_ids(skipped, items);
	if (r == 0)
		r = tt_vulns_list_locate(repo, to, items, err);
	return r;
}

static int save_cursor(struct tt_store *s, const char *source, const char *commit,
		       const struct tt_strv *skipped, struct tt_error *err)
{
	struct tt_buf ids = TT_BUF_INIT;
	for (size_t i = 0; i < skipped->n; i++)
		tt_buf_addf(&ids, "%s%s", i ? " " : "", skipped->v[i]);
	char now[32];
	tt_format_iso8601((int64_t)time(NULL), now, sizeof(now));
	int r = tt_store_meta_set(s, "vulns.commit", commit, err);
	if (r == 0)
		r = tt_store_meta_set(s, "vulns.skipped", tt_buf_str(&ids), err);
	if (r == 0)
		r = tt_store_meta_set(s, "vulns.source", source, err);
	if (r == 0)
		r = tt_store_meta_set(s, "vulns.synced_at", now, err);
	tt_buf_free(&ids);
	return r;
}

/*
 * The history walk runs beside the ingest: it needs git only. The writer
 * stores what it found (write_history) as soon as it is finished.
 */
struct history_job {
	const char *repo_path;
	const git_oid *from, *to;
	struct tt_store *store;
	bool full; /* a full sync: the dates are recomputed from all of history */
	struct tt_first_seen_list found;
	struct tt_error err;
	int rc;
	double seconds;
	atomic_bool finished; /* set last: the fields above are then the writer's */
};

static void *history_thread(void *arg)
{
	struct history_job *h = arg;
	double t0 = tt_now_monotonic();
	h->rc = tt_vulns_first_seen_collect(h->repo_path, h->from, h->to, &h->found, &h->err);
	h->seconds = tt_now_monotonic() - t0;
	atomic_store(&h->finished, true);
	return NULL;
}

/* Record what the finished history walk found, or its error. */
static int write_history(void *ctx, struct tt_error *err)
{
	struct history_job *h = ctx;
	if (h->rc < 0) {
		if (err)
			*err = h->err;
		return h->rc;
	}
	int r = h->full ? tt_store_cve_first_seen_reset(h->store, err) : 0;
	if (r == 0)
		r = tt_vulns_first_seen_write(h->store, &h->found, err);
	return r;
}

/* Join the history walk and record what it found, unless the ingest did; the first error wins. */
static int finish_history(pthread_t thread, struct history_job *h,
			  const struct tt_ingest_side *side, int r, struct tt_error *err)
{
	pthread_join(thread, NULL);
	if (r == 0 && !side->done)
		r = write_history(h, err);
	tt_first_seen_free(&h->found);
	return r;
}

static int ingest_tx(struct tt_store *s, git_repository *repo, const char *source,
		     const git_oid *to, const struct tt_sync_options *o, struct tt_sync_result *res,
		     struct tt_error *err)
{
	git_oid from;
	res->incremental = !o->full && previous_commit(s, repo, &from, res, o);
	if (res->incremental)
		git_oid_tostr(res->from_commit, sizeof(res->from_commit), &from);
	int r = tt_store_begin(s, err);
	if (r < 0)
		return r;
	bool any = true;
	r = tt_store_cve_any(s, &any, err);
	if (r < 0) {
		tt_store_rollback(s);
		return r;
	}
	struct history_job h = {.repo_path = git_repository_path(repo),
				.from = res->incremental ? &from : NULL,
				.to = to,
				.store = s,
				.full = !res->incremental};
	atomic_init(&h.finished, false);
	struct tt_ingest_side side = {.ready = &h.finished, .write = write_history, .ctx = &h};
	pthread_t thread;
	pthread_create(&thread, NULL, history_thread, &h);
	struct tt_ingest_list items = {0};
	struct tt_strv skipped = TT_STRV_INIT;
	double t0 = tt_now_monotonic();
	r = list_items(repo, s, res->incremental, &from, to, &items, res, err);
	if (r == 0)
		r = tt_vulns_ingest(s, repo, to, tt_vulns_workdir_at(repo, to), !any, &items, o,
				    &side, res, &skipped, err);
	r = finish_history(thread, &h, &side, r, err);
	res->history_seconds = h.seconds;
	/* Into an empty store, every id stored is one just listed: nothing can be stale. */
	if (r == 0 && !res->incremental && any)
		r = remove_stale(s, &items, res, err);
	if (r == 0)
		r = save_cursor(s, source, res->to_commit, &skipped, err);
	if (r == 0)
		r = tt_store_commit(s, err);
	else
		tt_store_rollback(s);
	res->ingest_seconds = tt_now_monotonic() - t0;
	tt_ingest_list_free(&items);
	tt_strv_free(&skipped);
	return r;
}

static int sync_locked(struct tt_store *s, const char *cache, const char *source,
		       const struct tt_sync_options *o, struct tt_sync_result *res,
		       struct tt_error *err)
{
	git_repository *repo = NULL;
	bool cloned = false;
	double t0 = tt_now_monotonic();
	int r = tt_vulns_open_cache(cache, source, !o->offline, o->progress, &repo, &cloned, err);
	if (r == 0 && !o->offline && !cloned)
		r = tt_vulns_fetch(repo, o->progress, err);
	git_oid to;
	if (r == 0)
		r = tt_vulns_resolve_target(repo, o->rev, &to, err);
	if (r == 0)
		git_oid_tostr(res->to_commit, sizeof(res->to_commit), &to);
	res->fetch_seconds = tt_now_monotonic() - t0;
	if (r == 0)
		r = ingest_tx(s, repo, source, &to, o, res, err);
	git_repository_free(repo);
	return r;
}

struct tt_vulns_warmup {
	pthread_t thread;
};

static void *warmup_thread(void *arg)
{
	(void)arg;
	git_libgit2_init();
	return NULL;
}

struct tt_vulns_warmup *tt_vulns_warmup_start(void)
{
	struct tt_vulns_warmup *w = tt_xmalloc(sizeof(*w));
	if (pthread_create(&w->thread, NULL, warmup_thread, NULL) != 0) {
		free(w);
		return NULL;
	}
	return w;
}

void tt_vulns_warmup_end(struct tt_vulns_warmup *w)
{
	if (!w)
		return;
	pthread_join(w->thread, NULL);
	git_libgit2_shutdown(); /* the warm-up thread's reference */
	free(w);
}

int tt_vulns_sync(struct tt_store *s, const struct tt_sync_options *o, struct tt_sync_result *res,
		  struct tt_error *err)
{
	memset(res, 0, sizeof(*res));
	_cleanup_free_ char *def_cache = o->cache_dir ? NULL : tt_vulns_default_cache();
	const char *cache = o->cache_dir ? o->cache_dir : def_cache;
	const char *source = o->source ? o->source : TT_VULNS_DEFAULT_REMOTE;
	int lock_fd;
	int r = lock_cache(cache, &lock_fd, err);
	if (r < 0)
		return r;
	/* Waits for a warm-up thread's start of libgit2, if one is under way. */
	git_libgit2_init();
	/*
	 * libgit2 hashes every object it reads again, with collision-detecting
	 * SHA-1: 43% of listing the target's tree and of the history walk. git
	 * checks objects when it receives them and in fsck, not on each read;
	 * these come from the cache clone. Restored to libgit2's default after.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	r = sync_locked(s, cache, source, o, res, err);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1);
	git_libgit2_shutdown();
	close(lock_fd);
	if (r < 0)
		tt_error_prefix(err, "vulns.git sync: ");
	return r;
}
