// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the exposure and CVE pages need is a triage scan of every published
 * CVE against a kernel profile: reading 15,000 CVEs back from the store
 * takes seconds, a scan from memory a few milliseconds. So the dashboard
 * keeps the triage database and each profile's scan between requests, and
 * asks the store at most every CHECK_SECONDS whether the CVEs changed
 * (their count: a sync that adds or rejects CVEs changes it; an edit in
 * place shows after the next restart or count change).
 *
 * One lock covers the cache and the use of a scan: a page holds it from
 * dash_scan_get to dash_scan_put, so a reload never frees a scan in use.
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
	int r = tt_store_counts(s, &counts, err);
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

int dash_scan_get(struct dash_cache *c, struct tt_store *s, const char *name,
		  struct dash_scan **out, struct tt_error *err)
{
	pthread_mutex_lock(&c->lock);
	int r = refresh(c, s, err);
	for (size_t i = 0; r == 0 && i < c->n_scans; i++)
		if (strcmp(c->scans[i]->name, name) == 0) {
			*out = c->scans[i];
			return 0; /* still locked: dash_scan_put unlocks */
		}
	if (r == 0)
		r = scan_new(c, s, name, out, err);
	if (r < 0)
		pthread_mutex_unlock(&c->lock);
	return r;
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
