// SPDX-License-Identifier: GPL-2.0-or-later
/* Enrichment feeds into the store: each feed kind mapped onto its table. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "tuxtape/sync.h"
#include "tuxtape/util.h"

struct enrich_ctx {
	struct tt_store *s;
	struct tt_error *err;
	long entries, matched;
	/* Filled by the parser from the CSV's header line, before the first row. */
	const struct tt_epss_meta *epss_meta;
};

static int matched(struct enrich_ctx *c, const char *id)
{
	bool exists;
	enum tt_cve_state st;
	if (tt_store_cve_state(c->s, id, &exists, &st, NULL) == 0 && exists)
		c->matched++;
	c->entries++;
	return 0;
}

static int on_kev(void *ctx, const struct tt_kev_entry *e)
{
	struct enrich_ctx *c = ctx;
	struct tt_store_kev k = {
	    .cve_id = e->cve_id,
	    .vendor = e->vendor_project,
	    .product = e->product,
	    .name = e->vulnerability_name,
	    .date_added = e->date_added,
	    .due_date = e->due_date,
	    .ransomware = e->known_ransomware_campaign_use,
	    .required_action = e->required_action,
	    .notes = e->notes,
	};
	matched(c, e->cve_id);
	return tt_store_kev_put(c->s, &k, c->err);
}

static int on_vulnrichment(void *ctx, const struct tt_vulnrichment_entry *e)
{
	struct enrich_ctx *c = ctx;
	if (!e->has_ssvc && !e->has_cvss)
		return 0; /* nothing CISA added: no row rather than an empty one */
	struct tt_store_ssvc v = {
	    .cve_id = e->cve_id,
	    .timestamp = e->ssvc_timestamp,
	    .cvss_vector = e->has_cvss ? e->cvss_vector : NULL,
	    .cvss_score = e->cvss_base_score,
	};
	if (e->has_ssvc) {
		v.exploitation = tt_ssvc_exploitation_name(e->exploitation);
		v.automatable = tt_ssvc_automatable_name(e->automatable);
		v.technical_impact = tt_ssvc_impact_name(e->technical_impact);
	}
	matched(c, e->cve_id);
	return tt_store_ssvc_put(c->s, &v, c->err);
}

static int on_epss(void *ctx, const struct tt_epss_entry *e)
{
	struct enrich_ctx *c = ctx;
	struct tt_store_epss v = {
	    .cve_id = e->cve_id, .score = e->epss, .percentile = e->percentile};
	c->entries++;
	/* EPSS covers every CVE; counting kernel matches row by row would double the cost. */
	const char *date =
	    c->epss_meta && c->epss_meta->score_date[0] ? c->epss_meta->score_date : NULL;
	return tt_store_epss_put(c->s, &v, date, c->err);
}

static void join_cwes(struct tt_buf *b, const char *const *cwes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tt_buf_addf(b, "%s%s", i ? "," : "", cwes[i]);
}

static int on_nvd(void *ctx, const struct tt_nvd_entry *e)
{
	struct enrich_ctx *c = ctx;
	const struct tt_nvd_cvss *m = e->cvss31_best;
	struct tt_buf cwes = TT_BUF_INIT;
	join_cwes(&cwes, e->cwes, e->n_cwes);
	struct tt_store_nvd v = {
	    .cve_id = e->cve_id,
	    .status = e->vuln_status,
	    .published = e->published,
	    .last_modified = e->last_modified,
	    .cvss_vector = m ? m->vector : NULL,
	    .cvss_score = m ? m->base_score : -1,
	    .cvss_severity = m ? m->severity : NULL,
	    .cvss_source = m ? m->source : NULL,
	    .cwes = cwes.len ? tt_buf_str(&cwes) : NULL,
	};
	matched(c, e->cve_id);
	int r = tt_store_nvd_put(c->s, &v, c->err);
	tt_buf_free(&cwes);
	return r;
}

static void feed_version(const struct tt_feed_result *fr, char *out, size_t n)
{
	out[0] = '\0';
	if (fr->kind == TT_FEED_KEV)
		snprintf(out, n, "%s", fr->kev.catalog_version);
	else if (fr->kind == TT_FEED_EPSS)
		snprintf(out, n, "%s", fr->epss.score_date);
	else if (fr->kind == TT_FEED_NVD)
		snprintf(out, n, "%s", fr->nvd.timestamp);
}

/* Peek at the kind first: complete snapshots are cleared before loading. */
static int resolve_kind(const char *source, enum tt_feed_kind *kind, struct tt_error *err)
{
	if (*kind != TT_FEED_UNKNOWN || tt_feed_is_url(source))
		return 0;
	struct tt_buf head = TT_BUF_INIT;
	if (tt_path_exists(source) && tt_read_file(source, &head.buf, &head.len, NULL) == 0)
		*kind = tt_feed_detect(head.buf, head.len);
	else
		*kind = TT_FEED_VULNRICHMENT; /* a directory: the vulnrichment tree */
	tt_buf_free(&head);
	return 0;
}

static int load(struct tt_store *s, const char *source, enum tt_feed_kind kind,
		struct enrich_ctx *c, struct tt_feed_result *fr, const struct tt_diag_sink *diag,
		struct tt_error *err)
{
	struct tt_feed_handlers h = {.kev = on_kev,
				     .vulnrichment = on_vulnrichment,
				     .epss = on_epss,
				     .nvd = on_nvd,
				     .ctx = c};
	int r = 0;
	if (kind == TT_FEED_KEV || kind == TT_FEED_EPSS)
		r = tt_store_feed_clear(s, tt_feed_kind_name(kind), err);
	if (r == 0)
		r = tt_feed_import(source, kind, &h, fr, diag, err);
	return r;
}

int tt_enrich_load(struct tt_store *s, const char *source, enum tt_feed_kind kind,
		   struct tt_enrich_result *res, const struct tt_diag_sink *diag,
		   struct tt_error *err)
{
	memset(res, 0, sizeof(*res));
	struct tt_feed_result fr;
	memset(&fr, 0, sizeof(fr));
	struct enrich_ctx c = {.s = s, .err = err, .epss_meta = &fr.epss};
	int r = resolve_kind(source, &kind, err);
	if (r == 0)
		r = tt_store_begin(s, err);
	if (r < 0)
		return r;
	r = load(s, source, kind, &c, &fr, diag, err);
	/* Vulnrichment and NVD accumulate over loads: the feed row counts what is held. */
	long held = c.entries;
	if (r == 0 && (fr.kind == TT_FEED_NVD || fr.kind == TT_FEED_VULNRICHMENT))
		r = tt_store_feed_rows(s, tt_feed_kind_name(fr.kind), &held, err);
	feed_version(&fr, res->version, sizeof(res->version));
	if (r == 0)
		r = tt_store_feed_loaded(s, tt_feed_kind_name(fr.kind), source, (int64_t)time(NULL),
					 held, res->version, err);
	if (r == 0)
		r = tt_store_commit(s, err);
	else
		tt_store_rollback(s);
	res->kind = fr.kind;
	res->entries = c.entries;
	res->matched = c.matched;
	res->skipped = (long)fr.n_skipped;
	return r;
}
