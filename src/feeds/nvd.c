// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NVD API 2.0 "cve" objects, in the three wrappers they travel in: an API
 * response page, a public mirror's yearly feed file, or one bare object.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "feeds-internal.h"

struct nvd_parse {
	const char *file;
	const struct tt_diag_sink *diag;
	struct tt_nvd_meta *meta;
	tt_nvd_cb cb;
	void *ctx;
	struct tt_error *err;
};

/* Per-entry storage the borrowed pointers in tt_nvd_entry point into; reused across entries. */
struct nvd_scratch {
	struct tt_nvd_cvss *cvss[3];
	size_t cap[3];
	struct tt_feeds_strs cwes;
};

static void nvd_scratch_free(struct nvd_scratch *s)
{
	for (int k = 0; k < 3; k++)
		free(s->cvss[k]);
	tt_feeds_strs_free(&s->cwes);
}

static const char *const cvss_keys[3] = {"cvssMetricV31", "cvssMetricV40", "cvssMetricV2"};

static bool nvd_cvss_one(const json_t *m, struct tt_nvd_cvss *out)
{
	const json_t *data = json_object_get(m, "cvssData");
	const json_t *score = json_object_get(data, "baseScore");
	*out = (struct tt_nvd_cvss){
	    .source = tt_feeds_jstr(m, "source"),
	    .type = tt_feeds_jstr(m, "type"),
	    .version = tt_feeds_jstr(data, "version"),
	    .vector = tt_feeds_jstr(data, "vectorString"),
	    .base_score = json_number_value(score),
	    .severity = tt_feeds_jstr(data, "baseSeverity"),
	};
	/* CVSS v2 keeps its severity beside cvssData rather than in it. */
	if (!out->severity)
		out->severity = tt_feeds_jstr(m, "baseSeverity");
	return out->vector && json_is_number(score) && out->base_score >= 0 &&
	       out->base_score <= 10;
}

static const struct tt_nvd_cvss *best_of(const struct tt_nvd_cvss *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].type && strcmp(v[i].type, "Primary") == 0)
			return &v[i];
	return n ? &v[0] : NULL;
}

static size_t nvd_cvss_list(const json_t *metrics, int k, struct nvd_scratch *s,
			    const struct nvd_parse *p, const char *where)
{
	const json_t *arr = json_object_get(metrics, cvss_keys[k]);
	size_t n = 0, i;
	const json_t *m;
	if (json_array_size(arr) > s->cap[k]) {
		s->cap[k] = json_array_size(arr);
		s->cvss[k] = tt_xrealloc(s->cvss[k], s->cap[k] * sizeof(*s->cvss[k]));
	}
	json_array_foreach(arr, i, m)
	{
		if (nvd_cvss_one(m, &s->cvss[k][n]))
			n++;
		else
			tt_diag_warn(p->diag, p->file, 0,
				     "%s: %s[%zu] has no vectorString or 0-10 baseScore; ignored",
				     where, cvss_keys[k], i);
	}
	return n;
}

static void nvd_metrics(const json_t *cve, struct tt_nvd_entry *e, struct nvd_scratch *s,
			const struct nvd_parse *p, const char *where)
{
	const json_t *metrics = json_object_get(cve, "metrics");
	size_t n[3];
	for (int k = 0; k < 3; k++)
		n[k] = nvd_cvss_list(metrics, k, s, p, where);
	e->cvss31 = n[0] ? s->cvss[0] : NULL;
	e->n_cvss31 = n[0];
	e->cvss31_best = best_of(s->cvss[0], n[0]);
	e->cvss40 = n[1] ? s->cvss[1] : NULL;
	e->n_cvss40 = n[1];
	e->cvss40_best = best_of(s->cvss[1], n[1]);
	e->cvss2 = n[2] ? s->cvss[2] : NULL;
	e->n_cvss2 = n[2];
	e->cvss2_best = best_of(s->cvss[2], n[2]);
}

static void nvd_weaknesses(const json_t *cve, struct tt_nvd_entry *e, struct nvd_scratch *s)
{
	size_t i, j;
	const json_t *w, *d;
	s->cwes.n = 0;
	json_array_foreach(json_object_get(cve, "weaknesses"), i, w)
	{
		json_array_foreach(json_object_get(w, "description"), j, d)
		{
			const char *v = tt_feeds_jstr(d, "value");
			/* Skip the placeholders NVD-CWE-noinfo / NVD-CWE-Other: no weakness named.
			 */
			if (v && strncmp(v, "CWE-", 4) == 0)
				tt_feeds_strs_push_unique(&s->cwes, v);
		}
	}
	e->cwes = s->cwes.v;
	e->n_cwes = s->cwes.n;
}

static void nvd_configurations(const json_t *cve, struct tt_nvd_entry *e)
{
	const json_t *cfgs = json_object_get(cve, "configurations");
	size_t i, j;
	const json_t *c, *node;
	e->has_configurations = json_array_size(cfgs) > 0;
	json_array_foreach(cfgs, i, c)
	{
		json_array_foreach(json_object_get(c, "nodes"), j, node) e->n_cpe_matches +=
		    json_array_size(json_object_get(node, "cpeMatch"));
	}
}

static const char *nvd_description(const json_t *cve)
{
	size_t i;
	const json_t *d;
	json_array_foreach(json_object_get(cve, "descriptions"), i, d)
	{
		const char *lang = tt_feeds_jstr(d, "lang");
		if (lang && strcmp(lang, "en") == 0)
			return tt_feeds_jstr(d, "value");
	}
	return NULL;
}

/* Fill e from one cve object; false when it must be skipped (already warned). */
static bool nvd_entry(const json_t *cve, size_t index, struct tt_nvd_entry *e,
		      struct nvd_scratch *s, const struct nvd_parse *p)
{
	char where[80];
	const char *id = tt_feeds_jstr(cve, "id");
	if (!json_is_object(cve) || !tt_feeds_is_cve_id(id)) {
		tt_diag_warn(p->diag, p->file, 0, "NVD entry %zu: %s%.40s%s; skipped", index,
			     id ? "bad id \"" : "no cve object with an id", id ? id : "",
			     id ? "\"" : "");
		return false;
	}
	snprintf(where, sizeof(where), "NVD entry %zu (%s)", index, id);
	*e = (struct tt_nvd_entry){.index = index, .cve_id = id};
	e->source_identifier = tt_feeds_jstr_warn(cve, "sourceIdentifier", p->diag, p->file, where);
	e->vuln_status = tt_feeds_jstr_warn(cve, "vulnStatus", p->diag, p->file, where);
	e->published = tt_feeds_jstr_warn(cve, "published", p->diag, p->file, where);
	e->last_modified = tt_feeds_jstr_warn(cve, "lastModified", p->diag, p->file, where);
	e->published_time = tt_feeds_time(e->published);
	e->last_modified_time = tt_feeds_time(e->last_modified);
	e->description = nvd_description(cve);
	e->cisa_exploit_add = tt_feeds_jstr(cve, "cisaExploitAdd");
	nvd_metrics(cve, e, s, p, where);
	nvd_weaknesses(cve, e, s);
	nvd_configurations(cve, e);
	return true;
}

static int nvd_one(const json_t *cve, size_t index, struct nvd_scratch *s,
		   const struct nvd_parse *p)
{
	struct tt_nvd_entry e;
	if (!nvd_entry(cve, index, &e, s, p)) {
		p->meta->n_skipped++;
		return 0;
	}
	p->meta->n_entries++;
	return tt_feeds_cb_result(p->cb ? p->cb(p->ctx, &e) : 0, e.cve_id, p->err);
}

/* items: the array of entries; unwrap: items are {"cve": {...}} (API page). */
static int nvd_items(const json_t *items, bool unwrap, const struct nvd_parse *p)
{
	struct nvd_scratch s = {0};
	size_t i;
	const json_t *item;
	int rc = 0;
	json_array_foreach(items, i, item)
	{
		rc = nvd_one(unwrap ? json_object_get(item, "cve") : item, i, &s, p);
		if (rc)
			break;
	}
	nvd_scratch_free(&s);
	return rc;
}

static int nvd_single(const json_t *cve, const struct nvd_parse *p)
{
	struct nvd_scratch s = {0};
	int rc = nvd_one(cve, 0, &s, p);
	nvd_scratch_free(&s);
	return rc;
}

static long jlong(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static bool looks_like_cve(const json_t *o)
{
	return json_is_object(o) && tt_feeds_jstr(o, "id") &&
	       (json_object_get(o, "vulnStatus") || json_object_get(o, "published") ||
		json_object_get(o, "sourceIdentifier") || json_object_get(o, "metrics"));
}

/* Which wrapper is this; sets meta->shape and returns the items (NULL: not NVD). */
static const json_t *nvd_shape(const json_t *root, struct tt_nvd_meta *m, bool *unwrap)
{
	const json_t *vulns = json_object_get(root, "vulnerabilities");
	const json_t *items = json_object_get(root, "cve_items");
	*unwrap = false;
	/* KEV also has a "vulnerabilities" array: insist on NVD's page fields or {"cve":...}. */
	if (json_is_array(vulns) &&
	    (json_object_get(root, "resultsPerPage") || json_object_get(root, "totalResults") ||
	     json_is_object(json_object_get(json_array_get(vulns, 0), "cve")))) {
		m->shape = TT_NVD_SHAPE_API_PAGE;
		*unwrap = true;
		return vulns;
	}
	if (json_is_array(items)) {
		m->shape = TT_NVD_SHAPE_FEED;
		return items;
	}
	if (looks_like_cve(json_object_get(root, "cve")) || looks_like_cve(root)) {
		m->shape = TT_NVD_SHAPE_SINGLE;
		*unwrap = json_object_get(root, "cve") != NULL;
		return root;
	}
	return NULL;
}

static void nvd_meta(const json_t *root, struct tt_nvd_meta *m)
{
	m->results_per_page = jlong(root, "resultsPerPage");
	m->start_index = jlong(root, "startIndex");
	m->total_results = jlong(root, "totalResults");
	m->cve_count = jlong(root, "cve_count");
	if (m->shape == TT_NVD_SHAPE_FEED)
		tt_feeds_copy(m->feed_name, sizeof(m->feed_name), tt_feeds_jstr(root, "feed_name"));
	if (m->shape != TT_NVD_SHAPE_SINGLE)
		tt_feeds_copy(m->timestamp, sizeof(m->timestamp), tt_feeds_jstr(root, "timestamp"));
}

int tt_feed_parse_nvd(const char *text, size_t len, const char *file, struct tt_nvd_meta *meta,
		      tt_nvd_cb cb, void *ctx, const struct tt_diag_sink *diag,
		      struct tt_error *err)
{
	struct tt_nvd_meta local;
	if (!meta)
		meta = &local;
	*meta = (struct tt_nvd_meta){0};
	json_t *root;
	int rc = tt_feeds_json_load(text, len, file, "NVD API 2.0 document", &root, err);
	if (rc)
		return rc;
	bool unwrap;
	const json_t *items = nvd_shape(root, meta, &unwrap);
	if (!items) {
		json_decref(root);
		return tt_error_set(
		    err, -EINVAL,
		    "%s: not NVD API 2.0 JSON (expected an API response with "
		    "\"vulnerabilities\", a feed with \"cve_items\", or one cve object)",
		    TT_FEEDS_FILE(file));
	}
	nvd_meta(root, meta);
	struct nvd_parse p = {file, diag, meta, cb, ctx, err};
	if (meta->shape == TT_NVD_SHAPE_SINGLE)
		rc = nvd_single(unwrap ? json_object_get(items, "cve") : items, &p);
	else
		rc = nvd_items(items, unwrap, &p);
	json_decref(root);
	return rc < 0 ? rc : 0;
}
