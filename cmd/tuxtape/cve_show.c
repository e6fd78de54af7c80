// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape cve show` */
#include <getopt.h>
#include <string.h>

#include "cmds.h"
#include "tuxtape/util.h"

static const char show_usage[] =
    "Usage: tuxtape cve show [--json] CVE-ID...\n"
    "\n"
    "Shows everything the store knows about each CVE: state, title and description,\n"
    "first publication date, program files, the fix on each stable branch (from the\n"
    "CNA's .dyad pairs: introduced in, fixed in, or never fixed), fix commits,\n"
    "introducing-commit overrides, the JSON affected blocks, CNA CVSS 3.1 with its\n"
    "rationale, CISA KEV, SSVC (Exploitation, Automatable, Technical Impact), EPSS\n"
    "and NVD data, and references.\n"
    "\n"
    "Exit status 1 when an id is not in the store.\n";

static json_t *strv_json(const struct tt_strv *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static json_t *dyads_json(const struct tt_cve_record *rec)
{
	json_t *a = json_array();
	for (size_t i = 0; i < rec->n_dyads; i++) {
		const struct tt_dyad *d = &rec->dyads[i];
		char branch[32];
		tt_dyad_branch(d, branch, sizeof(branch));
		json_array_append_new(a,
				      json_pack("{s:s, s:o, s:o, s:o, s:o, s:b}", "branch", branch,
						"introduced", cli_json_str(d->vuln_version),
						"introduced_commit", cli_json_str(d->vuln_commit),
						"fixed", cli_json_str(d->fix_version),
						"fixed_commit", cli_json_str(d->fix_commit),
						"never_fixed", d->fix_version == NULL));
	}
	return a;
}

static json_t *affected_json(const struct tt_cve_record *rec)
{
	json_t *blocks = json_array();
	for (size_t b = 0; b < rec->n_affected; b++) {
		const struct tt_affected *a = &rec->affected[b];
		json_t *versions = json_array();
		for (size_t i = 0; i < a->n_versions; i++) {
			const struct tt_affected_version *v = &a->versions[i];
			json_t *o = json_pack("{s:o, s:o}", "version", cli_json_str(v->version),
					      "status", cli_json_str(v->status));
			if (v->less_than)
				json_object_set_new(o, "lessThan", json_string(v->less_than));
			if (v->less_than_or_equal)
				json_object_set_new(o, "lessThanOrEqual",
						    json_string(v->less_than_or_equal));
			if (v->version_type)
				json_object_set_new(o, "versionType", json_string(v->version_type));
			json_array_append_new(versions, o);
		}
		json_array_append_new(
		    blocks,
		    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "vendor", cli_json_str(a->vendor),
			      "product", cli_json_str(a->product), "repo", cli_json_str(a->repo),
			      "defaultStatus", cli_json_str(a->default_status), "programFiles",
			      strv_json(&a->program_files), "versions", versions));
	}
	return blocks;
}

static json_t *score_or_null(double v)
{
	return v >= 0 ? json_real(v) : json_null();
}

static json_t *enrichment_json(const struct tt_cve_enrichment *e)
{
	json_t *o = json_object();
	if (e->kev)
		json_object_set_new(o, "kev",
				    json_pack("{s:o, s:o, s:o, s:o}", "date_added",
					      cli_json_str(e->kev_date_added), "due_date",
					      cli_json_str(e->kev_due_date), "ransomware",
					      cli_json_str(e->kev_ransomware), "required_action",
					      cli_json_str(e->kev_required_action)));
	if (e->ssvc)
		json_object_set_new(o, "ssvc",
				    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "exploitation",
					      cli_json_str(e->ssvc_exploitation), "automatable",
					      cli_json_str(e->ssvc_automatable), "technical_impact",
					      cli_json_str(e->ssvc_technical_impact), "timestamp",
					      cli_json_str(e->ssvc_timestamp), "adp_cvss_vector",
					      cli_json_str(e->adp_cvss_vector), "adp_cvss_score",
					      score_or_null(e->adp_cvss_score)));
	if (e->epss)
		json_object_set_new(o, "epss",
				    json_pack("{s:f, s:f, s:o}", "score", e->epss_score,
					      "percentile", e->epss_percentile, "date",
					      cli_json_str(e->epss_date)));
	if (e->nvd)
		json_object_set_new(o, "nvd",
				    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "status",
					      cli_json_str(e->nvd_status), "cvss_vector",
					      cli_json_str(e->nvd_cvss_vector), "cvss_score",
					      score_or_null(e->nvd_cvss_score), "cvss_source",
					      cli_json_str(e->nvd_cvss_source), "last_modified",
					      cli_json_str(e->nvd_last_modified), "cwes",
					      cli_json_str(e->nvd_cwes)));
	return o;
}

static json_t *record_json(const struct tt_cve_record *rec, const struct tt_cve_enrichment *e)
{
	char date[32] = "";
	if (rec->first_published)
		tt_format_iso8601(rec->first_published, date, sizeof(date));
	json_t *cvss = json_null();
	if (rec->has_cvss)
		cvss = json_pack(
		    "{s:s, s:f, s:o, s:o, s:o}", "vector", rec->cvss.vector, "base_score",
		    rec->cvss.base_score, "severity", cli_json_str(rec->cvss.severity), "source",
		    cli_json_str(rec->cvss.source), "rationale", cli_json_str(rec->cvss.rationale));
	return json_pack(
	    "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", rec->id,
	    "state", rec->state == TT_CVE_REJECTED ? "rejected" : "published", "title",
	    cli_json_str(rec->title), "description", cli_json_str(rec->description),
	    "rejected_reason", cli_json_str(rec->rejected_reason), "first_published",
	    date[0] ? json_string(date) : json_null(), "program_files",
	    strv_json(&rec->program_files), "fixes", dyads_json(rec), "fix_commits",
	    strv_json(&rec->fix_commits), "vulnerable_commits", strv_json(&rec->vulnerable_commits),
	    "affected", affected_json(rec), "cvss", cvss, "enrichment", enrichment_json(e),
	    "references", strv_json(&rec->references));
}

static void print_fixes(const struct tt_cve_record *rec)
{
	if (!rec->n_dyads)
		return;
	printf("\nFix per stable branch (.dyad):\n");
	printf("  %-8s %-22s %-22s %s\n", "BRANCH", "INTRODUCED", "FIXED", "FIX COMMIT");
	for (size_t i = 0; i < rec->n_dyads; i++) {
		const struct tt_dyad *d = &rec->dyads[i];
		char branch[32];
		tt_dyad_branch(d, branch, sizeof(branch));
		printf("  %-8s %-22s %-22s %.12s\n", branch,
		       d->vuln_version ? d->vuln_version : "(origin: 2.6.12)",
		       d->fix_version ? d->fix_version : "never fixed",
		       d->fix_commit ? d->fix_commit : "-");
	}
}

static void print_list(const char *title, const struct tt_strv *sv)
{
	if (!sv->n)
		return;
	printf("%s", title);
	for (size_t i = 0; i < sv->n; i++)
		printf("%s%s", i ? ", " : "", sv->v[i]);
	printf("\n");
}

static void print_enrichment(const struct tt_cve_enrichment *e)
{
	if (e->kev)
		printf("CISA KEV:    listed %s, due %s, ransomware use: %s\n",
		       e->kev_date_added ? e->kev_date_added : "?",
		       e->kev_due_date ? e->kev_due_date : "?",
		       e->kev_ransomware ? e->kev_ransomware : "?");
	if (e->ssvc)
		printf("CISA SSVC:   Exploitation %s, Automatable %s, Technical Impact %s\n",
		       e->ssvc_exploitation ? e->ssvc_exploitation : "-",
		       e->ssvc_automatable ? e->ssvc_automatable : "-",
		       e->ssvc_technical_impact ? e->ssvc_technical_impact : "-");
	if (e->adp_cvss_vector)
		printf("CISA CVSS:   %.1f %s\n", e->adp_cvss_score, e->adp_cvss_vector);
	if (e->epss)
		printf("EPSS:        %.5f (percentile %.3f)%s%s\n", e->epss_score,
		       e->epss_percentile, e->epss_date ? " as of " : "",
		       e->epss_date ? e->epss_date : "");
	if (e->nvd)
		printf("NVD:         %s%s%s%s%s\n", e->nvd_status ? e->nvd_status : "-",
		       e->nvd_cvss_vector ? ", " : "", e->nvd_cvss_vector ? e->nvd_cvss_vector : "",
		       e->nvd_cwes ? ", " : "", e->nvd_cwes ? e->nvd_cwes : "");
}

static void print_record(const struct tt_cve_record *rec, const struct tt_cve_enrichment *e)
{
	char date[32] = "unknown";
	if (rec->first_published)
		tt_format_date(rec->first_published, date, sizeof(date));
	printf("%s  (%s, first published %s)\n", rec->id,
	       rec->state == TT_CVE_REJECTED ? "REJECTED" : "published", date);
	if (rec->title)
		printf("Title:       %s\n", rec->title);
	print_list("Files:       ", &rec->program_files);
	if (rec->has_cvss)
		printf("CVSS 3.1:    %.1f %s  %s%s%s\n", rec->cvss.base_score,
		       rec->cvss.severity ? rec->cvss.severity : "", rec->cvss.vector,
		       rec->cvss.source ? "  by " : "", rec->cvss.source ? rec->cvss.source : "");
	print_enrichment(e);
	print_list("Fix commits: ", &rec->fix_commits);
	print_list("Introduced by (override): ", &rec->vulnerable_commits);
	if (rec->rejected_reason)
		printf("\nRejected: %s\n", rec->rejected_reason);
	if (rec->description)
		printf("\n%s\n", rec->description);
	print_fixes(rec);
	if (rec->has_cvss && rec->cvss.rationale)
		printf("\nCVSS rationale:\n%s\n", rec->cvss.rationale);
	if (rec->references.n)
		printf("\nReferences:\n");
	for (size_t i = 0; i < rec->references.n; i++)
		printf("  %s\n", rec->references.v[i]);
}

int cmd_cve_show(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			fputs(show_usage, stdout);
			return EXIT_OK;
		} else {
			fputs(show_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_error("cve show: name a CVE id, e.g. CVE-2024-26581");
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		if (!tt_cve_id_valid(argv[i])) {
			cli_error("cve show: '%s' is not a CVE id (like CVE-2024-26581)", argv[i]);
			return EXIT_USAGE;
		}
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	int status = EXIT_OK;
	json_t *arr = json ? json_array() : NULL;
	for (int i = optind; i < argc; i++) {
		struct tt_cve_record rec;
		struct tt_cve_enrichment e;
		struct tt_error err = {0};
		if (tt_store_cve_get(s, argv[i], &rec, &e, &err) < 0) {
			cli_error("%s", err.msg);
			status = EXIT_FAIL;
			continue;
		}
		if (arr)
			json_array_append_new(arr, record_json(&rec, &e));
		else
			print_record(&rec, &e);
		if (!arr && i + 1 < argc)
			printf("\n----\n\n");
		tt_cve_record_free(&rec);
		tt_cve_enrichment_free(&e);
	}
	tt_store_close(s);
	if (arr)
		cli_print_json(json_array_size(arr) == 1 ? json_incref(json_array_get(arr, 0))
							 : arr);
	if (arr && json_array_size(arr) == 1)
		json_decref(arr);
	return status;
}
