// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CISA vulnrichment: CVE JSON 5 records whose containers.adp[] holds a
 * container from "CISA-ADP" with SSVC decision points (and sometimes CVSS).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "feeds-internal.h"
#include "vulnrichment.h"

static const char *const exploitation_names[] = {"unknown", "none", "poc", "active"};
static const char *const automatable_names[] = {"unknown", "no", "yes"};
static const char *const impact_names[] = {"unknown", "partial", "total"};

#define NAME_OF(table, v) ((unsigned)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : "unknown")

const char *tt_ssvc_exploitation_name(enum tt_ssvc_exploitation v)
{
	return NAME_OF(exploitation_names, v);
}

const char *tt_ssvc_automatable_name(enum tt_ssvc_automatable v)
{
	return NAME_OF(automatable_names, v);
}

const char *tt_ssvc_impact_name(enum tt_ssvc_impact v)
{
	return NAME_OF(impact_names, v);
}

/* Index of value in names[1..n), or 0 (unknown). */
static int lookup(const char *const *names, size_t n, const char *value)
{
	for (size_t i = 1; i < n; i++)
		if (strcasecmp(names[i], value) == 0)
			return (int)i;
	return 0;
}

/*
 * CISA writes "Technical Impact"; NVD's copy of the same data writes
 * "technicalImpact". Compare keys by their letters only.
 */
static bool key_is(const char *key, const char *letters)
{
	for (;; key++) {
		while (*key && !isalpha((unsigned char)*key))
			key++;
		if (tolower((unsigned char)*key) != *letters)
			return false;
		if (!*letters)
			return true;
		letters++;
	}
}

static void ssvc_option(const char *key, const char *value, struct tt_vulnrichment_entry *e,
			const struct tt_vr_ctx *c)
{
	int v = -1;
	if (key_is(key, "exploitation"))
		v = e->exploitation = lookup(exploitation_names, 4, value);
	else if (key_is(key, "automatable"))
		v = e->automatable = lookup(automatable_names, 3, value);
	else if (key_is(key, "technicalimpact"))
		v = e->technical_impact = lookup(impact_names, 3, value);
	else
		return; /* other decision points may appear in later SSVC versions */
	if (v == 0)
		tt_diag_warn(c->diag, c->file, 0, "%s: unknown SSVC %s value \"%.40s\"", c->where,
			     key, value);
}

static void ssvc_options(const json_t *options, struct tt_vulnrichment_entry *e,
			 const struct tt_vr_ctx *c)
{
	size_t i;
	const json_t *opt;
	json_array_foreach(options, i, opt)
	{
		const char *key;
		const json_t *val;
		json_object_foreach((json_t *)opt, key, val)
		{
			if (json_is_string(val))
				ssvc_option(key, json_string_value(val), e, c);
			else
				tt_diag_warn(c->diag, c->file, 0,
					     "%s: SSVC option \"%.40s\" is not a string", c->where,
					     key);
		}
	}
}

static void vr_ssvc(const json_t *content, struct tt_vulnrichment_entry *e,
		    const struct tt_vr_ctx *c)
{
	const json_t *options = json_object_get(content, "options");
	if (!json_is_array(options)) {
		tt_diag_warn(c->diag, c->file, 0, "%s: SSVC metric without an options array",
			     c->where);
		return;
	}
	e->has_ssvc = true;
	ssvc_options(options, e, c);
	e->ssvc_version = tt_feeds_jstr(content, "version");
	e->ssvc_timestamp = tt_feeds_jstr(content, "timestamp");
	e->ssvc_time = tt_feeds_time(e->ssvc_timestamp);
	const char *id = tt_feeds_jstr(content, "id");
	if (id && strcmp(id, e->cve_id) != 0)
		tt_diag_warn(c->diag, c->file, 0, "%s: SSVC content names another CVE, %.40s",
			     c->where, id);
}

static void vr_cvss(const json_t *cvss, struct tt_vulnrichment_entry *e, const struct tt_vr_ctx *c)
{
	const char *vector = tt_feeds_jstr(cvss, "vectorString");
	const json_t *score = json_object_get(cvss, "baseScore");
	if (!vector || !json_is_number(score) || json_number_value(score) < 0 ||
	    json_number_value(score) > 10) {
		tt_diag_warn(
		    c->diag, c->file, 0,
		    "%s: ADP cvssV3_1 without a vectorString and a 0-10 baseScore; ignored",
		    c->where);
		return;
	}
	e->has_cvss = true;
	e->cvss_vector = vector;
	e->cvss_base_score = json_number_value(score);
	e->cvss_severity = tt_feeds_jstr(cvss, "baseSeverity");
}

static void vr_metric(const json_t *m, struct tt_vulnrichment_entry *e, const struct tt_vr_ctx *c)
{
	const json_t *other = json_object_get(m, "other");
	const char *type = tt_feeds_jstr(other, "type");
	const json_t *content = json_object_get(other, "content");
	if (type && strcmp(type, "ssvc") == 0 && json_is_object(content))
		vr_ssvc(content, e, c);
	else if (type && strcmp(type, "kev") == 0)
		e->kev_date_added = tt_feeds_jstr(content, "dateAdded");
	const json_t *cvss = json_object_get(m, "cvssV3_1");
	if (json_is_object(cvss))
		vr_cvss(cvss, e, c);
}

static void vr_cwes(const json_t *adp, struct tt_feeds_strs *cwes)
{
	size_t i, j;
	const json_t *pt, *d;
	json_array_foreach(json_object_get(adp, "problemTypes"), i, pt)
	{
		json_array_foreach(json_object_get(pt, "descriptions"), j, d)
		{
			const char *cwe = tt_feeds_jstr(d, "cweId");
			if (cwe)
				tt_feeds_strs_push_unique(cwes, cwe);
		}
	}
}

static const json_t *find_cisa_adp(const json_t *adps, const struct tt_vr_ctx *c)
{
	const json_t *found = NULL, *a;
	size_t i;
	json_array_foreach(adps, i, a)
	{
		const char *name =
		    tt_feeds_jstr(json_object_get(a, "providerMetadata"), "shortName");
		if (!name || strcmp(name, "CISA-ADP") != 0)
			continue;
		if (found) {
			tt_diag_warn(c->diag, c->file, 0,
				     "%s: more than one CISA-ADP container; using the first",
				     c->where);
			break;
		}
		found = a;
	}
	return found;
}

static void vr_adp(const json_t *adp, struct tt_vulnrichment_entry *e, struct tt_feeds_strs *cwes,
		   const struct tt_vr_ctx *c)
{
	e->has_adp = true;
	e->adp_updated = tt_feeds_jstr(json_object_get(adp, "providerMetadata"), "dateUpdated");
	const json_t *metrics = json_object_get(adp, "metrics");
	if (metrics && !json_is_array(metrics))
		tt_diag_warn(c->diag, c->file, 0, "%s: CISA-ADP metrics is not an array", c->where);
	size_t i;
	const json_t *m;
	json_array_foreach(metrics, i, m) vr_metric(m, e, c);
	vr_cwes(adp, cwes);
	e->cwes = cwes->v;
	e->n_cwes = cwes->n;
}

int tt_vr_record(const json_t *root, struct tt_vr_ctx *c, struct tt_vulnrichment_entry *e,
		 struct tt_feeds_strs *cwes, struct tt_error *err)
{
	const json_t *md = json_object_get(root, "cveMetadata");
	const char *id = tt_feeds_jstr(md, "cveId");
	const char *type = tt_feeds_jstr(root, "dataType");
	if (!json_is_object(root) || !tt_feeds_is_cve_id(id) ||
	    (type && strcmp(type, "CVE_RECORD")))
		return tt_error_set(err, -EINVAL,
				    "%s: not a CVE JSON 5 record (no dataType CVE_RECORD with "
				    "cveMetadata.cveId), so not a vulnrichment record",
				    TT_FEEDS_FILE(c->file));
	snprintf(c->where, sizeof(c->where), "vulnrichment record %s", id);
	*e = (struct tt_vulnrichment_entry){.file = c->file, .cve_id = id};
	const char *state = tt_feeds_jstr(md, "state");
	e->rejected = state && strcmp(state, "REJECTED") == 0;
	const json_t *containers = json_object_get(root, "containers");
	const json_t *adps = json_object_get(containers, "adp");
	if (adps && !json_is_array(adps))
		tt_diag_warn(c->diag, c->file, 0, "%s: containers.adp is not an array", c->where);
	const json_t *adp = find_cisa_adp(adps, c);
	if (adp)
		vr_adp(adp, e, cwes, c);
	return 0;
}

int tt_feed_parse_vulnrichment(const char *text, size_t len, const char *file,
			       tt_vulnrichment_cb cb, void *ctx, const struct tt_diag_sink *diag,
			       struct tt_error *err)
{
	json_t *root;
	int rc = tt_feeds_json_load(text, len, file, "vulnrichment record", &root, err);
	if (rc)
		return rc;
	struct tt_vr_ctx c = {.file = file, .diag = diag};
	struct tt_feeds_strs cwes = {0};
	struct tt_vulnrichment_entry e;
	rc = tt_vr_record(root, &c, &e, &cwes, err);
	if (rc == 0 && cb)
		rc = tt_feeds_cb_result(cb(ctx, &e), e.cve_id, err);
	tt_feeds_strs_free(&cwes);
	json_decref(root);
	return rc < 0 ? rc : 0;
}
