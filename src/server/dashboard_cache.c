// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the exposure and CVE pages need is a triage scan of every published
 * CVE against a kernel profile: reading 15,000 CVEs back from the store
 * takes seconds, a scan from memory a few milliseconds. So the dashboard
 * keeps the triage database and each profile's scan between requests, and
 * asks the store at most every CHECK_SECONDS whether the CVEs changed
 * (their count: a sync that adds or rejects CVEs changes it; an edit in
 * place shows after the next restart or count change). A profile replaced
 * under the same name (its creation time changes) is scanned again.
 *
 * One lock covers the cache and the use of a scan: a page holds it from
 * dash_scan_get to dash_scan_put, so a reload never frees a scan in use.
 *
 * The first request the dashboard sees (usually the login page) starts a
 * thread that fills the cache on a connection of its own, so the first
 * exposure page after a start does not pay for the load.
 */
#include <errno.h>
#include <string.h>

#include "dashboard.h"
#include "service.h"

#define CHECK_SECONDS 30

void dash_cache_init(struct dash_cache *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
}

static void scan_free(struct dash_scan *scan)
{
	tt_triage_result_free(scan->result);
	tt_profile_free(scan->profile);
	free(scan->name);
	free(scan);
}

static void drop_all(struct dash_cache *c)
{
	for (size_t i = 0; i < c->n_scans; i++)
		scan_free(c->scans[i]);
	free(c->scans);
	c->scans = NULL;
	c->n_scans = 0;
	tt_triage_db_free(c->db);
	c->db = NULL;
}

void dash_cache_destroy(struct dash_cache *c)
{
	pthread_mutex_lock(&c->lock);
	bool started = c->warmer_started;
	pthread_mutex_unlock(&c->lock);
	if (started)
		pthread_join(c->warmer, NULL);
	free(c->warm_location);
	drop_all(c);
	pthread_mutex_destroy(&c->lock);
}

/* Load the CVEs when there are none yet or their count changed. Under the lock. */
static int refresh(struct dash_cache *c, struct tt_store *s, struct tt_error *err)
{
	int64_t now = tt_fleet_now();
	if (c->db && now - c->checked_at < CHECK_SECONDS)
		return 0;
	struct tt_store_counts counts;
	int r = tt_store_cve_counts(s, &counts, err);
	if (r < 0)
		return r;
	c->checked_at = now;
	if (c->db && counts.published == c->published)
		return 0;
	drop_all(c);
	r = tt_triage_db_load(s, &c->db, NULL, err);
	if (r < 0)
		return r;
	c->published = counts.published;
	return 0;
}

static int scan_new(struct dash_cache *c, struct tt_store *s, const char *name,
		    struct dash_scan **out, struct tt_error *err)
{
	struct dash_scan *scan = tt_xcalloc(1, sizeof(*scan));
	scan->name = tt_xstrdup(name);
	int r = tt_profile_load(s, name, &scan->profile, err);
	if (r == 0)
		r = tt_triage_scan(c->db, scan->profile, NULL, 0, &scan->result, err);
	if (r < 0) {
		scan_free(scan);
		return r;
	}
	tt_triage_result_counts(scan->result, scan->counts);
	c->scans = tt_xrealloc(c->scans, (c->n_scans + 1) * sizeof(*c->scans));
	c->scans[c->n_scans++] = scan;
	*out = scan;
	return 0;
}

static int keep_created_at(void *ctx, const struct tt_store_profile *p)
{
	*(int64_t *)ctx = p->created_at;
	return 0;
}

/* The cached scan of name, if it is of the profile as stored now (not replaced since). */
static int cached(struct dash_cache *c, struct tt_store *s, const char *name,
		  struct dash_scan **out, struct tt_error *err)
{
	*out = NULL;
	for (size_t i = 0; i < c->n_scans; i++) {
		struct dash_scan *scan = c->scans[i];
		if (strcmp(scan->name, name) != 0)
			continue;
		int64_t created_at = -1;
		int r = tt_store_profile_get(s, name, keep_created_at, &created_at, err);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && created_at == tt_profile_info(scan->profile)->created_at) {
			*out = scan;
			return 0;
		}
		scan_free(scan); /* replaced or removed: scan it again, or not at all */
		c->scans[i] = c->scans[--c->n_scans];
		return 0;
	}
	return 0;
}

int dash_scan_get(struct dash_cache *c, struct tt_store *s, const char *name,
		  struct dash_scan **out, struct tt_error *err)
{
	pthread_mutex_lock(&c->lock);
	int r = refresh(c, s, err);
	if (r == 0)
		r = cached(c, s, name, out, err);
	if (r == 0 && !*out)
		r = scan_new(c, s, name, out, err);
	if (r < 0)
		pthread_mutex_unlock(&c->lock);
	return r; /* 0: still locked, dash_scan_put unlocks */
}

void dash_scan_put(struct dash_cache *c, struct dash_scan *scan)
{
	(void)scan;
	pthread_mutex_unlock(&c->lock);
}

static int add_name(void *ctx, const struct tt_store_profile *p)
{
	tt_strv_push(ctx, p->name);
	return 0;
}

int dash_profile_names(struct tt_store *s, struct tt_strv *out, struct tt_error *err)
{
	int r = tt_store_profile_list(s, add_name, out, err);
	if (r == 0)
		tt_strv_sort_unique(out);
	return r;
}

/* Scan every profile not scanned yet, one at a time so pages get the lock in between. */
static void warm_all(struct dash_cache *c, struct tt_store *s)
{
	struct tt_strv names = {0};
	struct tt_error err = {0};
	if (dash_profile_names(s, &names, &err) < 0)
		return;
	for (size_t i = 0; i < names.n; i++) {
		struct dash_scan *scan;
		if (dash_scan_get(c, s, names.v[i], &scan, &err) == 0)
			dash_scan_put(c, scan);
	}
	tt_strv_free(&names);
}

static void *warm(void *arg)
{
	struct dash_cache *c = arg;
	struct tt_store *s;
	struct tt_error err = {0};
	if (tt_store_open(c->warm_location, &s, &err) < 0)
		return NULL; /* the requests will load it themselves */
	warm_all(c, s);
	tt_store_close(s);
	return NULL;
}

void dash_cache_warm(struct dash_cache *c, const char *store_location)
{
	pthread_mutex_lock(&c->lock);
	if (!c->warm_location) {
		c->warm_location = tt_xstrdup(store_location);
		c->warmer_started = pthread_create(&c->warmer, NULL, warm, c) == 0;
	}
	pthread_mutex_unlock(&c->lock);
}
