// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Scan results as VEX documents other tools read: OpenVEX 0.2.0 and the
 * vulnerabilities[] part of CycloneDX 1.5. A kernel profile is the product;
 * each verdict maps to the format's status with the reason as its note, so
 * a reviewer downstream sees the same words `tuxtape scan` prints.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "triage_internal.h"

static const char *opt_or(const char *v, const char *def)
{
	return v && *v ? v : def;
}

static void when(const struct tt_triage_vex_opts *o, char *out, size_t n)
{
	int64_t t = o && o->timestamp ? o->timestamp : (int64_t)time(NULL);
	tt_format_iso8601(t, out, n);
}

/* pkg:generic/linux@6.1.170?tuxtape-profile=NAME: one product per profile, even at one version. */
static char *product_id(const struct tt_profile *p)
{
	const struct tt_profile_info *i = tt_profile_info(p);
	char v[TT_KVER_STR_MAX] = "unknown";
	if (i->has_version)
		tt_kver_format(&i->version, v, sizeof(v));
	return tt_xasprintf("pkg:generic/linux@%s?tuxtape-profile=%s", v, i->name);
}

static int emit(json_t *doc, char **out, struct tt_error *err)
{
	*out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!*out)
		return tt_error_set(err, -ENOMEM, "cannot serialise the VEX document");
	return 0;
}

/* ---------------- OpenVEX ---------------- */

static const char *openvex_status(enum tt_triage_verdict v)
{
	switch (v) {
	case TT_VERDICT_AFFECTED:
		return "affected";
	case TT_VERDICT_FIXED:
		return "fixed";
	case TT_VERDICT_NOT_AFFECTED:
	case TT_VERDICT_NOT_BUILT:
		return "not_affected";
	default:
		return "under_investigation";
	}
}

static json_t *openvex_statement(const struct tt_triage_item *it, const char *product)
{
	json_t *st = json_object();
	char *vid = tt_xasprintf("https://www.cve.org/CVERecord?id=%s", it->cve_id);
	json_object_set_new(st, "vulnerability",
			    json_pack("{s:s, s:s}", "@id", vid, "name", it->cve_id));
	free(vid);
	json_object_set_new(st, "products", json_pack("[{s:s}]", "@id", product));
	json_object_set_new(st, "status", json_string(openvex_status(it->verdict)));
	if (it->verdict == TT_VERDICT_NOT_AFFECTED || it->verdict == TT_VERDICT_NOT_BUILT) {
		json_object_set_new(st, "justification",
				    json_string("vulnerable_code_not_present"));
		json_object_set_new(st, "impact_statement", json_string(it->reason));
	} else {
		json_object_set_new(st, "status_notes", json_string(it->reason));
	}
	if (it->verdict == TT_VERDICT_AFFECTED) {
		char *act = it->fixed_in ? tt_xasprintf("Update to %s or later on this branch, or "
							"apply a livepatch for the fix",
							it->fixed_in)
					 : tt_xstrdup("No fix on this branch: move to a fixed "
						      "branch, or apply a livepatch for the fix");
		json_object_set_new(st, "action_statement", json_string(act));
		free(act);
	}
	return st;
}

int tt_triage_openvex(const struct tt_triage_vex_input *in, size_t n_in,
		      const struct tt_triage_vex_opts *opts, char **out, struct tt_error *err)
{
	char ts[32];
	when(opts, ts, sizeof(ts));
	struct tt_buf id = TT_BUF_INIT;
	tt_buf_adds(&id, opt_or(opts ? opts->id_prefix : NULL, "https://tuxtape.invalid/vex/"));
	for (size_t i = 0; i < n_in; i++)
		tt_buf_addf(&id, "%s%s", i ? "+" : "", tt_profile_info(in[i].profile)->name);
	tt_buf_addf(&id, "/%s", ts);
	json_t *statements = json_array();
	for (size_t i = 0; i < n_in; i++) {
		char *product = product_id(in[i].profile);
		for (size_t j = 0; j < in[i].n_items; j++)
			json_array_append_new(statements,
					      openvex_statement(in[i].items[j], product));
		free(product);
	}
	json_t *doc = json_pack(
	    "{s:s, s:s, s:s, s:s, s:i, s:s, s:o}", "@context", "https://openvex.dev/ns/v0.2.0",
	    "@id", tt_buf_str(&id), "author", opt_or(opts ? opts->author : NULL, "tuxtape"),
	    "timestamp", ts, "version", 1, "tooling", opt_or(opts ? opts->tool : NULL, "tuxtape"),
	    "statements", statements);
	tt_buf_free(&id);
	return emit(doc, out, err);
}

/* ---------------- CycloneDX ---------------- */

static json_t *cdx_component(const struct tt_profile *p)
{
	const struct tt_profile_info *i = tt_profile_info(p);
	char v[TT_KVER_STR_MAX] = "unknown";
	if (i->has_version)
		tt_kver_format(&i->version, v, sizeof(v));
	char *ref = tt_xasprintf("kernel:%s", i->name);
	char *purl = product_id(p);
	json_t *props = json_array();
	json_array_append_new(props,
			      json_pack("{s:s, s:s}", "name", "tuxtape:profile", "value", i->name));
	if (i->uname_release)
		json_array_append_new(props, json_pack("{s:s, s:s}", "name", "tuxtape:uname",
						       "value", i->uname_release));
	json_t *c =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "type", "operating-system", "bom-ref", ref,
		      "name", "linux", "version", v, "purl", purl, "properties", props);
	free(ref);
	free(purl);
	return c;
}

static const char *cdx_state(enum tt_triage_verdict v)
{
	switch (v) {
	case TT_VERDICT_AFFECTED:
		return "exploitable";
	case TT_VERDICT_FIXED:
		return "resolved";
	case TT_VERDICT_NOT_AFFECTED:
	case TT_VERDICT_NOT_BUILT:
		return "not_affected";
	default:
		return "in_triage";
	}
}

static const char *cdx_severity(double s)
{
	return s >= 9 ? "critical" : s >= 7 ? "high" : s >= 4 ? "medium" : s > 0 ? "low" : "none";
}

static json_t *cdx_analysis(const struct tt_triage_item *it)
{
	json_t *a = json_pack("{s:s}", "state", cdx_state(it->verdict));
	if (it->verdict == TT_VERDICT_NOT_AFFECTED || it->verdict == TT_VERDICT_NOT_BUILT)
		json_object_set_new(a, "justification", json_string("code_not_present"));
	if (it->verdict == TT_VERDICT_AFFECTED)
		json_object_set_new(a, "response", json_pack("[s]", "update"));
	json_object_set_new(a, "detail", json_string(it->reason));
	return a;
}

static json_t *cdx_vulnerability(const struct tt_triage_item *it, const struct tt_profile *p)
{
	const char *name = tt_profile_info(p)->name;
	char *bref = tt_xasprintf("%s:%s", name, it->cve_id);
	char *kref = tt_xasprintf("kernel:%s", name);
	const char *status = it->verdict == TT_VERDICT_AFFECTED	 ? "affected"
			     : it->verdict == TT_VERDICT_UNKNOWN ? "unknown"
								 : "unaffected";
	char v[TT_KVER_STR_MAX] = "unknown";
	if (tt_profile_info(p)->has_version)
		tt_kver_format(&tt_profile_info(p)->version, v, sizeof(v));
	json_t *vuln = json_pack("{s:s, s:s, s:{s:s, s:s}}", "bom-ref", bref, "id", it->cve_id,
				 "source", "name", "Linux kernel CNA", "url",
				 "https://git.kernel.org/pub/scm/linux/security/vulns.git");
	if (it->cvss >= 0)
		json_object_set_new(vuln, "ratings",
				    json_pack("[{s:f, s:s, s:s, s:s, s:{s:s}}]", "score", it->cvss,
					      "severity", cdx_severity(it->cvss), "method",
					      "CVSSv31", "vector", it->cvss_vector, "source",
					      "name", it->cvss_origin));
	if (it->title)
		json_object_set_new(vuln, "description", json_string(it->title));
	json_object_set_new(vuln, "analysis", cdx_analysis(it));
	json_object_set_new(vuln, "affects",
			    json_pack("[{s:s, s:[{s:s, s:s}]}]", "ref", kref, "versions", "version",
				      v, "status", status));
	free(bref);
	free(kref);
	return vuln;
}

int tt_triage_cyclonedx(const struct tt_triage_vex_input *in, size_t n_in,
			const struct tt_triage_vex_opts *opts, char **out, struct tt_error *err)
{
	char ts[32];
	when(opts, ts, sizeof(ts));
	json_t *components = json_array(), *vulns = json_array();
	for (size_t i = 0; i < n_in; i++) {
		json_array_append_new(components, cdx_component(in[i].profile));
		for (size_t j = 0; j < in[i].n_items; j++)
			json_array_append_new(vulns,
					      cdx_vulnerability(in[i].items[j], in[i].profile));
	}
	const char *tool = opt_or(opts ? opts->tool : NULL, "tuxtape");
	json_t *doc =
	    json_pack("{s:s, s:s, s:i, s:{s:s, s:{s:[{s:s, s:s}]}}, s:o, s:o}", "bomFormat",
		      "CycloneDX", "specVersion", "1.5", "version", 1, "metadata", "timestamp", ts,
		      "tools", "components", "type", "application", "name", tool, "components",
		      components, "vulnerabilities", vulns);
	return emit(doc, out, err);
}
