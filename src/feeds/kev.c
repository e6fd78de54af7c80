// SPDX-License-Identifier: GPL-2.0-or-later
/* CISA Known Exploited Vulnerabilities catalog (known_exploited_vulnerabilities.json). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "feeds-internal.h"

struct kev_parse {
	const char *file;
	const struct tt_diag_sink *diag;
	struct tt_kev_meta *meta;
	tt_kev_cb cb;
	void *ctx;
	struct tt_error *err;
};

static void kev_meta(const json_t *root, struct tt_kev_meta *m)
{
	tt_feeds_copy(m->title, sizeof(m->title), tt_feeds_jstr(root, "title"));
	tt_feeds_copy(m->catalog_version, sizeof(m->catalog_version),
		      tt_feeds_jstr(root, "catalogVersion"));
	const char *rel = tt_feeds_jstr(root, "dateReleased");
	tt_feeds_copy(m->date_released, sizeof(m->date_released), rel);
	m->released = tt_feeds_time(rel);
	const json_t *count = json_object_get(root, "count");
	m->count = json_is_integer(count) ? (long)json_integer_value(count) : -1;
}

/* A catalog has "catalogVersion", or at least entries that look like KEV entries. */
static bool looks_like_kev(const json_t *root, const json_t *vulns)
{
	if (json_object_get(root, "catalogVersion"))
		return true;
	const json_t *first = json_array_get(vulns, 0);
	return first && json_object_get(first, "cveID");
}

static void kev_cwes(const json_t *v, const struct kev_parse *p, const char *where,
		     struct tt_feeds_strs *cwes)
{
	const json_t *arr = json_object_get(v, "cwes");
	if (!arr || json_is_null(arr))
		return;
	if (!json_is_array(arr)) {
		tt_diag_warn(p->diag, p->file, 0, "%s: \"cwes\" is not an array; ignored", where);
		return;
	}
	size_t i;
	const json_t *c;
	json_array_foreach(arr, i, c)
	{
		if (json_is_string(c))
			tt_feeds_strs_push(cwes, json_string_value(c));
		else
			tt_diag_warn(p->diag, p->file, 0, "%s: cwes[%zu] is not a string; ignored",
				     where, i);
	}
}

static int64_t kev_date(const char *s, const struct kev_parse *p, const char *where,
			const char *key)
{
	int64_t t = tt_feeds_time(s);
	if (s && !t)
		tt_diag_warn(p->diag, p->file, 0, "%s: \"%s\" \"%.40s\" is not a date", where, key,
			     s);
	return t;
}

/* Fill e from one catalog entry; false when the entry must be skipped (already warned). */
static bool kev_entry(const json_t *v, size_t index, const struct kev_parse *p,
		      struct tt_kev_entry *e, struct tt_feeds_strs *cwes)
{
	char where[96];
	if (!json_is_object(v)) {
		tt_diag_warn(p->diag, p->file, 0, "KEV entry %zu: not an object; skipped", index);
		return false;
	}
	const char *id = tt_feeds_jstr(v, "cveID");
	if (!tt_feeds_is_cve_id(id)) {
		tt_diag_warn(p->diag, p->file, 0, "KEV entry %zu: %s%.40s%s; skipped", index,
			     id ? "bad cveID \"" : "no cveID", id ? id : "", id ? "\"" : "");
		return false;
	}
	snprintf(where, sizeof(where), "KEV entry %zu (%s)", index, id);
	*e = (struct tt_kev_entry){.index = index, .cve_id = id};
	e->vendor_project = tt_feeds_jstr_warn(v, "vendorProject", p->diag, p->file, where);
	e->product = tt_feeds_jstr_warn(v, "product", p->diag, p->file, where);
	e->vulnerability_name = tt_feeds_jstr_warn(v, "vulnerabilityName", p->diag, p->file, where);
	e->date_added = tt_feeds_jstr_warn(v, "dateAdded", p->diag, p->file, where);
	e->short_description = tt_feeds_jstr_warn(v, "shortDescription", p->diag, p->file, where);
	e->required_action = tt_feeds_jstr_warn(v, "requiredAction", p->diag, p->file, where);
	e->due_date = tt_feeds_jstr_warn(v, "dueDate", p->diag, p->file, where);
	e->known_ransomware_campaign_use =
	    tt_feeds_jstr_warn(v, "knownRansomwareCampaignUse", p->diag, p->file, where);
	e->notes = tt_feeds_jstr_warn(v, "notes", p->diag, p->file, where);
	e->added = kev_date(e->date_added, p, where, "dateAdded");
	e->due = kev_date(e->due_date, p, where, "dueDate");
	e->ransomware_known = e->known_ransomware_campaign_use &&
			      strcmp(e->known_ransomware_campaign_use, "Known") == 0;
	kev_cwes(v, p, where, cwes);
	e->cwes = cwes->v;
	e->n_cwes = cwes->n;
	return true;
}

static int kev_entries(const json_t *vulns, const struct kev_parse *p)
{
	struct tt_feeds_strs cwes = {0};
	size_t i;
	const json_t *v;
	int rc = 0;
	json_array_foreach(vulns, i, v)
	{
		struct tt_kev_entry e;
		cwes.n = 0;
		if (!kev_entry(v, i, p, &e, &cwes)) {
			p->meta->n_skipped++;
			continue;
		}
		p->meta->n_entries++;
		rc = tt_feeds_cb_result(p->cb ? p->cb(p->ctx, &e) : 0, e.cve_id, p->err);
		if (rc)
			break;
	}
	tt_feeds_strs_free(&cwes);
	return rc < 0 ? rc : 0;
}

int tt_feed_parse_kev(const char *text, size_t len, const char *file, struct tt_kev_meta *meta,
		      tt_kev_cb cb, void *ctx, const struct tt_diag_sink *diag,
		      struct tt_error *err)
{
	struct tt_kev_meta local;
	if (!meta)
		meta = &local;
	*meta = (struct tt_kev_meta){.count = -1};
	json_t *root;
	int rc = tt_feeds_json_load(text, len, file, "CISA KEV catalog", &root, err);
	if (rc)
		return rc;
	const json_t *vulns = json_object_get(root, "vulnerabilities");
	if (!json_is_object(root) || !json_is_array(vulns) || !looks_like_kev(root, vulns)) {
		json_decref(root);
		return tt_error_set(
		    err, -EINVAL,
		    "%s: not a CISA KEV catalog (expected an object with "
		    "\"catalogVersion\" and a \"vulnerabilities\" array of cveID entries)",
		    TT_FEEDS_FILE(file));
	}
	kev_meta(root, meta);
	if (meta->count >= 0 && (size_t)meta->count != json_array_size(vulns))
		tt_diag_warn(diag, file, 0, "KEV catalog says count %ld but holds %zu entries",
			     meta->count, json_array_size(vulns));
	struct kev_parse p = {file, diag, meta, cb, ctx, err};
	rc = kev_entries(vulns, &p);
	json_decref(root);
	return rc;
}
