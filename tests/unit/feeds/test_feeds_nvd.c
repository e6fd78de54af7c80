// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>

#include "feeds_test.h"

/* One line per entry: "ID|status|best31 source:score|n31|cwes|cfg n|kev". */
static int nvd_collect(void *ctx, const struct tt_nvd_entry *e)
{
	struct tt_strv *rows = ctx;
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_addf(&b, "%s|%s|", e->cve_id, e->vuln_status ? e->vuln_status : "-");
	if (e->cvss31_best)
		tt_buf_addf(&b, "%s:%.1f:%s", e->cvss31_best->source, e->cvss31_best->base_score,
			    e->cvss31_best->severity);
	else
		tt_buf_adds(&b, "-");
	tt_buf_addf(&b, "|%zu|", e->n_cvss31);
	for (size_t i = 0; i < e->n_cwes; i++)
		tt_buf_addf(&b, "%s%s", i ? "," : "", e->cwes[i]);
	tt_buf_addf(&b, "|%s %zu|%s", e->has_configurations ? "cfg" : "nocfg", e->n_cpe_matches,
		    e->cisa_exploit_add ? e->cisa_exploit_add : "-");
	assert_true(e->published_time > 0);
	tt_strv_push_owned(rows, tt_buf_detach(&b));
	return 0;
}

static int parse_fixture(const char *name, struct tt_nvd_meta *meta, struct tt_strv *rows,
			 struct warnings *w, struct tt_error *err)
{
	struct fixture f = fixture_load(name);
	int rc = tt_feed_parse_nvd(f.text, f.len, f.path, meta, nvd_collect, rows,
				   w ? &w->sink : NULL, err);
	fixture_free(&f);
	return rc;
}

static void test_nvd_single_object_prefers_primary_else_first_metric(void **state)
{
	struct tt_strv rows = TT_STRV_INIT;
	struct tt_nvd_meta meta;
	struct tt_error err = {0};
	assert_int_equal(parse_fixture("nvd_single.json", &meta, &rows, NULL, &err), 0);
	assert_int_equal(meta.shape, TT_NVD_SHAPE_SINGLE);
	assert_int_equal(meta.n_entries, 1);
	assert_int_equal(rows.n, 1);
	/* Only CISA-ADP's Secondary score exists here: it is the best there is. */
	assert_string_equal(rows.v[0], "CVE-2025-21756|Modified|134c704f-9b21-4f2e-91b3-"
				       "4a467353bcc0:7.8:HIGH|1|CWE-416|cfg 6|-");
	tt_strv_free(&rows);
}

static void test_nvd_wrapped_single_rejected_without_metrics(void **state)
{
	struct tt_strv rows = TT_STRV_INIT;
	struct tt_nvd_meta meta;
	struct tt_error err = {0};
	assert_int_equal(parse_fixture("nvd_wrapped_single.json", &meta, &rows, NULL, &err), 0);
	assert_int_equal(meta.shape, TT_NVD_SHAPE_SINGLE);
	assert_string_equal(rows.v[0], "CVE-2026-23473|Rejected|-|0||nocfg 0|-");
	tt_strv_free(&rows);
}

static void test_nvd_api_page_skips_malformed_items(void **state)
{
	struct tt_strv rows = TT_STRV_INIT;
	struct tt_nvd_meta meta;
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(parse_fixture("nvd_page.json", &meta, &rows, &w, &err), 0);
	warnings_dump(&w);
	assert_int_equal(meta.shape, TT_NVD_SHAPE_API_PAGE);
	assert_int_equal(meta.results_per_page, 4);
	assert_int_equal(meta.start_index, 0);
	assert_int_equal(meta.total_results, 4);
	assert_string_equal(meta.timestamp, "2026-08-20T10:00:00.000");
	assert_int_equal(meta.n_entries, 3);
	assert_int_equal(meta.n_skipped, 2);
	assert_int_equal(rows.n, 3);
	assert_string_equal(rows.v[0], "CVE-2024-1086|Undergoing Analysis|nvd@nist.gov:7.8:HIGH|2|"
				       "CWE-416|cfg 19|2024-05-30");
	assert_string_equal(rows.v[2], "CVE-2023-52434|Modified|nvd@nist.gov:8.0:HIGH|2|CWE-119|"
				       "cfg 11|-");
	assert_int_equal(warnings_count(&w, "nvd_page.json", "entry 2", "bogus", NULL), 1);
	assert_int_equal(warnings_count(&w, "entry 3", "no cve object", NULL), 1);
	tt_strv_free(&rows);
	warnings_free(&w);
}

static void test_nvd_mirror_feed_reads_cve_items(void **state)
{
	struct tt_strv rows = TT_STRV_INIT;
	struct tt_nvd_meta meta;
	struct tt_error err = {0};
	assert_int_equal(parse_fixture("nvd_feed.json", &meta, &rows, NULL, &err), 0);
	assert_int_equal(meta.shape, TT_NVD_SHAPE_FEED);
	assert_string_equal(meta.feed_name, "CVE-2024");
	assert_int_equal(meta.cve_count, 3);
	assert_int_equal(meta.results_per_page, -1);
	assert_int_equal(rows.n, 3);
	/* NVD-CWE-noinfo is a placeholder, not a weakness. */
	assert_string_equal(rows.v[1], "CVE-2024-26581|Modified|nvd@nist.gov:7.8:HIGH|1||cfg 6|-");
	assert_string_equal(rows.v[2], "CVE-2024-26592|Awaiting Analysis|-|0||nocfg 0|-");
	tt_strv_free(&rows);
}

static void test_nvd_bad_metric_and_field_are_warned_not_fatal(void **state)
{
	struct tt_strv rows = TT_STRV_INIT;
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(parse_fixture("nvd_bad_metric.json", NULL, &rows, &w, &err), 0);
	warnings_dump(&w);
	assert_int_equal(rows.n, 1);
	assert_string_equal(rows.v[0], "CVE-2022-49420|-|nvd@nist.gov:5.5:MEDIUM|1||cfg 1|-");
	assert_int_equal(warnings_count(&w, "CVE-2022-49420", "cvssMetricV31[1]", NULL), 1);
	assert_int_equal(warnings_count(&w, "CVE-2022-49420", "vulnStatus", NULL), 1);
	tt_strv_free(&rows);
	warnings_free(&w);
}

static int nvd_versions(void *ctx, const struct tt_nvd_entry *e)
{
	struct tt_buf *b = ctx;
	assert_non_null(e->cvss40_best);
	assert_non_null(e->cvss2_best);
	tt_buf_addf(b, "%s %s %.1f %s|%s %s %.1f %s", e->cvss40_best->version,
		    e->cvss40_best->vector, e->cvss40_best->base_score, e->cvss40_best->severity,
		    e->cvss2_best->version, e->cvss2_best->vector, e->cvss2_best->base_score,
		    e->cvss2_best->severity);
	return 0;
}

static void test_nvd_reads_cvss_v40_and_v2_with_v2_severity_outside_cvssdata(void **state)
{
	struct fixture f = fixture_load("nvd_v2_v40.json");
	struct tt_buf b = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(
	    tt_feed_parse_nvd(f.text, f.len, f.path, NULL, nvd_versions, &b, NULL, &err), 0);
	assert_string_equal(
	    tt_buf_str(&b),
	    "4.0 CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N 8.5 "
	    "HIGH|2.0 AV:L/AC:L/Au:N/C:C/I:C/A:C 7.2 HIGH");
	tt_buf_free(&b);
	fixture_free(&f);
}

static void test_nvd_rejects_other_documents(void **state)
{
	const char *names[] = {"nvd_not_nvd.json", "kev_small.json", "vr_ssvc_only.json"};
	for (size_t i = 0; i < 3; i++) {
		struct tt_strv rows = TT_STRV_INIT;
		struct tt_error err = {0};
		assert_int_equal(parse_fixture(names[i], NULL, &rows, NULL, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "not NVD API 2.0 JSON"));
		assert_non_null(strstr(err.msg, names[i]));
		assert_int_equal(rows.n, 0);
	}
}

static int name_filter(const struct dirent *d)
{
	return strncmp(d->d_name, "CVE-", 4) == 0;
}

static void test_nvd_real_samples_all_parse(void **state)
{
	char *dir = shared_data_path("nvd");
	if (!dir) {
		skip();
		return;
	}
	struct dirent **names;
	int n = scandir(dir, &names, name_filter, alphasort);
	assert_int_equal(n, 15);
	struct tt_strv rows = TT_STRV_INIT;
	for (int i = 0; i < n; i++) {
		char *path = tt_xasprintf("%s/%s", dir, names[i]->d_name);
		char *text;
		size_t len;
		struct tt_error err = {0};
		struct warnings w;
		warnings_init(&w);
		assert_int_equal(tt_read_file(path, &text, &len, &err), 0);
		assert_int_equal(tt_feed_detect(text, len), TT_FEED_NVD);
		assert_int_equal(
		    tt_feed_parse_nvd(text, len, path, NULL, nvd_collect, &rows, &w.sink, &err), 0);
		warnings_dump(&w);
		assert_int_equal(w.msgs.n, 0);
		free(text);
		free(path);
		free(names[i]);
		warnings_free(&w);
	}
	free(names);
	assert_int_equal(rows.n, 15);
	for (size_t i = 0; i < rows.n; i++)
		print_message("%s\n", rows.v[i]);
	tt_strv_free(&rows);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nvd_single_object_prefers_primary_else_first_metric),
	    cmocka_unit_test(test_nvd_wrapped_single_rejected_without_metrics),
	    cmocka_unit_test(test_nvd_api_page_skips_malformed_items),
	    cmocka_unit_test(test_nvd_mirror_feed_reads_cve_items),
	    cmocka_unit_test(test_nvd_bad_metric_and_field_are_warned_not_fatal),
	    cmocka_unit_test(test_nvd_reads_cvss_v40_and_v2_with_v2_severity_outside_cvssdata),
	    cmocka_unit_test(test_nvd_rejects_other_documents),
	    cmocka_unit_test(test_nvd_real_samples_all_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
