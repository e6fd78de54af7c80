/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Syncing the kernel CNA's vulns.git into the store.
 *
 * The repository is cloned (or fetched) with libgit2 into a cache directory,
 * the wanted commit is checked out there, and the records are ingested into
 * the store in one transaction. The store remembers the last ingested commit;
 * the next sync re-reads only the CVEs whose files changed between the two
 * commits. The date a CVE was first published comes from git history: the
 * time of the first commit that added its .json under cve/published.
 */
#ifndef TUXTAPE_SYNC_H
#define TUXTAPE_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "tuxtape/error.h"
#include "tuxtape/feeds.h"
#include "tuxtape/store.h"

#define TT_VULNS_DEFAULT_REMOTE "https://git.kernel.org/pub/scm/linux/security/vulns.git"

struct tt_sync_progress {
	/* phase: "fetch" (objects received), "ingest" (CVEs written). Called from the calling
	 * thread only. */
	void (*update)(void *ctx, const char *phase, uint64_t done, uint64_t total);
	void *ctx;
};

struct tt_sync_options {
	const char *source;    /* URL or path of a repository; NULL: TT_VULNS_DEFAULT_REMOTE */
	const char *cache_dir; /* the local clone; NULL: $XDG_CACHE_HOME/tuxtape/vulns */
	const char *rev;       /* commit-ish to ingest; NULL: the remote's default branch */
	bool full;	       /* re-ingest everything instead of the changed paths */
	bool offline;	       /* do not fetch: use what the cache already has */
	int threads;	       /* parser threads; 0: one per online CPU */
	/*
	 * At most this many CVEs are parsed ahead of the store's writer, which
	 * bounds memory; 0: 1,024. Raised to two per parser thread if lower.
	 */
	unsigned parse_ahead;
	const struct tt_diag_sink *diag; /* warnings (called with a lock held; keep it short) */
	const struct tt_sync_progress *progress;
};

struct tt_sync_result {
	char from_commit[41]; /* "" on a first or --full sync */
	char to_commit[41];
	bool incremental;
	long paths_changed; /* changed paths under cve/ (incremental only) */
	long examined;	    /* CVE ids read */
	/* unchanged: read again but what tuxtape stores of it did not change */
	long added, updated, unchanged, rejected, removed, skipped;
	long warnings;
	long skipped_missing_json, skipped_malformed, skipped_unreadable;
	double fetch_seconds, history_seconds, ingest_seconds;
};

/* Fetch (unless offline), check out, ingest. On error the store is unchanged. */
int tt_vulns_sync(struct tt_store *s, const struct tt_sync_options *o, struct tt_sync_result *res,
		  struct tt_error *err);

/*
 * Starting libgit2 takes milliseconds (its TLS library parses the system's CA
 * bundle), a noticeable part of a sync that takes under half a second. A
 * caller with other start-up work (opening the store) starts it first, on a
 * thread of its own; tt_vulns_sync() then finds it started. Returns NULL if
 * no thread could be made (the sync then starts libgit2 itself). End it
 * after the sync: tt_vulns_warmup_end() joins the thread and releases
 * libgit2. Both accept NULL.
 */
struct tt_vulns_warmup;
struct tt_vulns_warmup *tt_vulns_warmup_start(void);
void tt_vulns_warmup_end(struct tt_vulns_warmup *w);

/* The default cache directory for the vulns.git clone; caller frees. */
char *tt_vulns_default_cache(void);

/* ---- enrichment feeds into the store ---- */

struct tt_enrich_result {
	enum tt_feed_kind kind;
	long entries;	  /* entries stored */
	long skipped;	  /* malformed entries or files skipped (each warned) */
	long matched;	  /* entries about CVEs the store holds */
	char version[64]; /* the feed's own version or date, when it has one */
};

/*
 * Load one feed (path, directory or URL; kind TT_FEED_UNKNOWN: detect) into
 * the store in one transaction. KEV and EPSS are complete snapshots and
 * replace what was loaded before; vulnrichment and NVD records update the
 * CVEs they name. The feed is remembered with its source and load time.
 */
int tt_enrich_load(struct tt_store *s, const char *source, enum tt_feed_kind kind,
		   struct tt_enrich_result *res, const struct tt_diag_sink *diag,
		   struct tt_error *err);

#endif
