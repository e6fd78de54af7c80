// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsing CVE files on worker threads while the calling thread writes the
 * store. SQLite wants one writer, and parsing is most of the work, so the
 * workers run ahead through a bounded window of slots (bounded so memory stays
 * flat however many records there are) and the writer takes results in list
 * order, which keeps the store's content independent of thread timing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sync_internal.h"
#include "tuxtape/util.h"

/* Items are handed over in chunks: one wake-up per chunk, not per CVE. */
#define CHUNK 64
/* Default parse-ahead window, in CVEs: ~10 MB of parsed records. */
#define DEFAULT_AHEAD 1024
/* The OS is asked to start writing the store's new pages every so many CVEs (~5 MB). */
#define WRITE_BEHIND_ITEMS 1024

/*
 * EMPTY: free to parse into. READY: parsed, waiting for the writer. USED: the
 * writer is done with it; the worker parsing into the slot next frees the
 * record first, so freeing (like parsing and encoding) stays off the
 * writer's thread.
 *
 * Chunks go to whichever worker asks first. Handing worker t the chunks t,
 * t + n, t + 2n... instead kept frees in the allocating thread, but on two
 * CPUs shared with the writer one worker often got far less CPU than the
 * other: the writer waited for the slow one's chunk while the fast one sat
 * at the window's end, and a CPU idled (88 ms of CPU idle per full sync of
 * the vulns.git tip; 51 ms with chunks claimed in order).
 */
enum slot_status { SLOT_EMPTY, SLOT_READY, SLOT_USED };

struct slot {
	enum slot_status status;
	int rc;
	struct tt_cve_record rec;
	struct tt_cve_encoded *enc;
	struct tt_error err;
};

static void slot_clear(struct slot *sl)
{
	tt_cve_encoded_free(sl->enc);
	sl->enc = NULL;
	tt_cve_record_free(&sl->rec);
}

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t produced, consumed_cv;
	const struct tt_ingest_list *items;
	const char *workdir; /* read files here; NULL: read git blobs of target */
	const char *repo_path;
	const git_oid *target;
	size_t consumed;   /* items [0, consumed) are written and their slots released */
	size_t next_claim; /* the first item no worker has claimed yet */
	bool stop;
	bool store_empty; /* no CVE was stored before this ingest */
	size_t chunk;	  /* items per hand-over: CHUNK, less for a small window */
	size_t window;	  /* slots: a multiple of chunk, at least two chunks per worker */
	struct slot *slots;
	/* Workers report warnings through this sink, serialized by warn_mu. */
	pthread_mutex_t warn_mu;
	const struct tt_diag_sink *user_diag;
	long warnings;
	struct tt_diag_sink diag;
};

static void locked_warn(void *ctx, const char *file, int line, const char *msg)
{
	struct pool *p = ctx;
	pthread_mutex_lock(&p->warn_mu);
	p->warnings++;
	if (p->user_diag && p->user_diag->warn)
		p->user_diag->warn(p->user_diag->ctx, file, line, msg);
	pthread_mutex_unlock(&p->warn_mu);
}

/*
 * The next unclaimed chunk [*first, *end), once the window has room for it;
 * false when there is none left.
 */
static bool claim(struct pool *p, size_t *first, size_t *end)
{
	pthread_mutex_lock(&p->mu);
	/* Read after every wait: another worker may have claimed the chunk meanwhile. */
	while (!p->stop && p->next_claim < p->items->n &&
	       p->next_claim + p->chunk - p->consumed > p->window)
		pthread_cond_wait(&p->consumed_cv, &p->mu);
	size_t start = p->next_claim;
	bool ok = !p->stop && start < p->items->n;
	if (ok)
		p->next_claim = start + p->chunk;
	pthread_mutex_unlock(&p->mu);
	if (ok) {
		*first = start;
		*end = start + p->chunk < p->items->n ? start + p->chunk : p->items->n;
	}
	return ok;
}

/* A worker's view of the target commit: its own repository handle (libgit2
 * objects are not shared across threads), year trees, the blob last read. */
struct blob_reader {
	git_repository *repo;
	struct tt_year_trees trees;
	git_tree *dir;
	git_blob *blob;
	char where[96];
};

static int blob_reader_open(struct blob_reader *br, const struct pool *p)
{
	memset(br, 0, sizeof(*br));
	git_commit *c = NULL;
	if (git_repository_open(&br->repo, p->repo_path) < 0 ||
	    git_commit_lookup(&c, br->repo, p->target) < 0 ||
	    git_commit_tree(&br->trees.root, c) < 0) {
		git_commit_free(c);
		return -EIO;
	}
	git_commit_free(c);
	return 0;
}

static void blob_reader_close(struct blob_reader *br)
{
	git_blob_free(br->blob);
	tt_year_trees_free(&br->trees);
	git_repository_free(br->repo);
}

static int read_blob(void *ctx, const char *name, const char **text, size_t *len)
{
	struct blob_reader *br = ctx;
	const git_tree_entry *te = br->dir ? git_tree_entry_byname(br->dir, name) : NULL;
	if (!te)
		return -ENOENT;
	git_blob_free(br->blob);
	br->blob = NULL;
	if (git_blob_lookup(&br->blob, br->repo, git_tree_entry_id(te)) < 0)
		return -EIO;
	*text = git_blob_rawcontent(br->blob);
	*len = (size_t)git_blob_rawsize(br->blob);
	return 0;
}

static int load_from_git(struct pool *p, struct blob_reader *br, struct tt_cve_parser *parser,
			 const struct tt_ingest_item *it, struct slot *sl)
{
	if (!br->repo)
		return tt_error_set(&sl->err, -EIO, "cannot open %s at %s: %s", p->repo_path,
				    git_oid_tostr_s(p->target), tt_git_errmsg());
	br->dir = tt_year_tree(&br->trees, it->dir);
	char hex[13];
	git_oid_tostr(hex, sizeof(hex), p->target);
	/* git's own spelling of a path at a commit: "f40280da88a0:cve/published/2024". */
	snprintf(br->where, sizeof(br->where), "%s:%s", hex, it->dir);
	struct tt_cve_file_source src = {.read = read_blob, .ctx = br, .where = br->where};
	return tt_cve_load_from(parser, &src, it->id, it->files, it->state, &sl->rec, &p->diag,
				&sl->err);
}

static void parse_item(struct pool *p, struct tt_cve_parser *parser, struct blob_reader *br,
		       size_t i)
{
	const struct tt_ingest_item *it = &p->items->v[i];
	struct slot *sl = &p->slots[i % p->window];
	if (sl->status == SLOT_USED)
		slot_clear(sl);
	tt_cve_record_init(&sl->rec);
	tt_error_clear(&sl->err);
	sl->rc = 0;
	if (it->gone)
		return;
	if (p->workdir) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s%s", p->workdir, it->dir);
		sl->rc = tt_cve_load_dir_files(parser, dir, it->id, it->files, it->state, &sl->rec,
					       &p->diag, &sl->err);
	} else {
		sl->rc = load_from_git(p, br, parser, it, sl);
	}
	if (sl->rc == 0)
		sl->enc = tt_cve_encode(&sl->rec);
}

/*
 * The writer, SQLite's one writer, is the pipeline's narrow part; parsers run
 * up to a window ahead of it. Where they share a CPU with it, the scheduler
 * should let the writer go first, so each parser thread runs a few nice
 * steps below the process (relative: a sync started under `nice` stays
 * below that). Linux's nice is per thread. If it cannot be set, nothing but
 * the speed changes. Full sync of the vulns.git tip: 394 -> 380 ms median.
 */
#define PARSER_NICE_STEPS 5

static void lower_this_thread(int steps)
{
	id_t tid = (id_t)gettid();
	errno = 0;
	int now = getpriority(PRIO_PROCESS, tid);
	if (errno == 0)
		setpriority(PRIO_PROCESS, tid, now + steps > 19 ? 19 : now + steps);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	lower_this_thread(PARSER_NICE_STEPS);
	struct tt_cve_parser *parser = tt_cve_parser_new();
	struct blob_reader br = {0};
	if (!p->workdir && blob_reader_open(&br, p) < 0) {
		git_repository_free(br.repo);
		br.repo = NULL; /* each item then reports the failure */
	}
	size_t first, end;
	while (claim(p, &first, &end)) {
		for (size_t i = first; i < end; i++)
			parse_item(p, parser, &br, i);
		pthread_mutex_lock(&p->mu);
		for (size_t i = first; i < end; i++)
			p->slots[i % p->window].status = SLOT_READY;
		pthread_cond_broadcast(&p->produced);
		pthread_mutex_unlock(&p->mu);
	}
	blob_reader_close(&br);
	tt_cve_parser_free(parser);
	return NULL;
}

static struct slot *wait_ready(struct pool *p, size_t i)
{
	struct slot *sl = &p->slots[i % p->window];
	pthread_mutex_lock(&p->mu);
	while (sl->status != SLOT_READY)
		pthread_cond_wait(&p->produced, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return sl;
}

/*
 * Give the slots of items [first, end) back once the store is done with
 * them (the batch binds their text in place until it is flushed).
 */
static void release(struct pool *p, size_t first, size_t end)
{
	pthread_mutex_lock(&p->mu);
	for (size_t i = first; i < end; i++)
		p->slots[i % p->window].status = SLOT_USED;
	p->consumed = end;
	pthread_cond_broadcast(&p->consumed_cv);
	pthread_mutex_unlock(&p->mu);
}

static void count_skip(struct tt_sync_result *res, int rc)
{
	res->skipped++;
	if (rc == -ENOENT)
		res->skipped_missing_json++;
	else if (rc == -EINVAL || rc == -EBADMSG)
		res->skipped_malformed++;
	else
		res->skipped_unreadable++;
}

/* Write one parsed (or vanished) CVE into the batch; <0 only for store failures. */
static int apply_item(struct tt_store *s, struct tt_cve_batch *batch,
		      const struct tt_ingest_item *it, struct slot *sl, struct pool *p,
		      struct tt_sync_result *res, struct tt_strv *skipped_ids, struct tt_error *err)
{
	struct tt_cve_stored old = {0};
	/* Into an empty store (a first sync) nothing exists: skip a lookup per CVE. */
	int r = p->store_empty ? 0 : tt_store_cve_stored(s, it->id, &old, err);
	if (r < 0)
		return r;
	bool exists = old.exists;
	if (it->gone) {
		if (!exists)
			return 0;
		res->removed++;
		return tt_store_cve_delete(s, it->id, err);
	}
	if (sl->rc < 0) {
		/* Keep whatever the store had: a broken update must not lose the old record. */
		count_skip(res, sl->rc);
		tt_strv_push(skipped_ids, it->id);
		locked_warn(p, NULL, 0, sl->err.msg);
		return 0;
	}
	bool unchanged;
	r = tt_store_cve_batch_put(batch, &sl->rec, sl->enc, &old, &unchanged, err);
	if (r < 0)
		return r;
	if (unchanged)
		res->unchanged++;
	else if (sl->rec.state == TT_CVE_REJECTED && (!exists || old.state != TT_CVE_REJECTED))
		res->rejected++;
	else if (!exists)
		res->added++;
	else
		res->updated++;
	return 0;
}

static void stop_workers(struct pool *p, pthread_t *threads, int n)
{
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->consumed_cv);
	pthread_mutex_unlock(&p->mu);
	for (int t = 0; t < n; t++)
		pthread_join(threads[t], NULL);
	for (size_t i = 0; i < p->window; i++)
		if (p->slots[i].status != SLOT_EMPTY)
			slot_clear(&p->slots[i]);
}

static int thread_count(const struct tt_sync_options *o)
{
	long n = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 16 ? 16 : (int)n;
}

/*
 * Chunks of CHUNK items, and the window (slots) the ahead CVEs rounded up to
 * whole chunks; a window too small for two chunks per worker gets smaller
 * chunks (down to one item) instead.
 */
static void size_window(struct pool *p, size_t ahead, int n_threads)
{
	size_t min_chunks = 2 * (size_t)n_threads;
	p->chunk = CHUNK;
	if (ahead < min_chunks * CHUNK)
		p->chunk = ahead / min_chunks ? ahead / min_chunks : 1;
	size_t chunks = (ahead + p->chunk - 1) / p->chunk;
	p->window = (chunks > min_chunks ? chunks : min_chunks) * p->chunk;
}

int tt_vulns_ingest(struct tt_store *s, git_repository *repo, const git_oid *target,
		    bool from_workdir, bool store_empty, const struct tt_ingest_list *items,
		    const struct tt_sync_options *o, struct tt_ingest_side *side,
		    struct tt_sync_result *res, struct tt_strv *skipped_ids, struct tt_error *err)
{
	struct pool *p = tt_xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->warn_mu, NULL);
	pthread_cond_init(&p->produced, NULL);
	pthread_cond_init(&p->consumed_cv, NULL);
	p->items = items;
	/* libgit2 spells the work tree with a trailing '/' */
	p->workdir = from_workdir ? git_repository_workdir(repo) : NULL;
	p->repo_path = git_repository_path(repo);
	p->target = target;
	p->user_diag = o->diag;
	p->store_empty = store_empty;
	p->diag = (struct tt_diag_sink){.warn = locked_warn, .ctx = p};

	int n_threads = thread_count(o);
	size_window(p, o->parse_ahead ? o->parse_ahead : DEFAULT_AHEAD, n_threads);
	/*
	 * Zeroed by writing, before the workers start: calloc's pages would be
	 * mapped to the zero page on a worker's first read and copied on its
	 * first write, each copy a TLB flush interrupting the other CPU.
	 */
	p->slots = tt_xmalloc(p->window * sizeof(*p->slots));
	memset(p->slots, 0, p->window * sizeof(*p->slots));
	pthread_t threads[16];
	for (int t = 0; t < n_threads; t++)
		pthread_create(&threads[t], NULL, worker, p);
	struct tt_cve_batch *batch = tt_store_cve_batch_new(s);
	tt_store_bulk_write(s, true);
	int r = 0;
	/* Items [held, i) are written to the batch, their slots kept until it is flushed. */
	size_t held = 0;
	for (size_t i = 0; i < items->n && r == 0; i++) {
		if (side && !side->done && i % p->chunk == 0 && atomic_load(side->ready)) {
			side->done = true;
			r = side->write(side->ctx, err);
			if (r < 0)
				break;
		}
		struct slot *sl = wait_ready(p, i);
		r = apply_item(s, batch, &items->v[i], sl, p, res, skipped_ids, err);
		if (r == 0 && (i + 1 - held == p->chunk || i + 1 == items->n)) {
			r = tt_store_cve_batch_flush(batch, err);
			release(p, held, i + 1);
			held = i + 1;
			if (held % WRITE_BEHIND_ITEMS == 0)
				tt_store_write_behind(s);
		}
		if (o->progress && o->progress->update)
			o->progress->update(o->progress->ctx, "ingest", i + 1, items->n);
	}
	tt_store_cve_batch_free(batch);
	tt_store_bulk_write(s, false);
	res->examined = (long)items->n;
	stop_workers(p, threads, n_threads);
	res->warnings += p->warnings;
	pthread_cond_destroy(&p->produced);
	pthread_cond_destroy(&p->consumed_cv);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->warn_mu);
	free(p->slots);
	free(p);
	return r;
}
