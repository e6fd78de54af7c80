// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The full real feeds from $TT_SHARED_DATA: every entry must parse, with no
 * warnings, and the counts must match what the data's README says.
 */
#include "feeds_test.h"

struct tally {
	size_t n;
	size_t linux_kernel; /* KEV: vendorProject Linux, product Kernel */
	size_t ransomware;
	size_t ssvc, cvss, active, poc, automatable, total, kev_marked, rejected;
	double epss_max;
	char epss_max_id[32];
};

static int kev_tally(void *ctx, const struct tt_kev_entry *e)
{
	struct tally *t = ctx;
	t->n++;
	t->linux_kernel += e->vendor_project && e->product &&
			   strcmp(e->vendor_project, "Linux") == 0 &&
			   strcmp(e->product, "Kernel") == 0;
	t->ransomware += e->ransomware_known;
	assert_true(e->added > 0);
	return 0;
}

static void test_real_kev_catalog_has_1404_entries(void **state)
{
	char *path = shared_data_path("feeds/known_exploited_vulnerabilities.json");
	if (!path) {
		skip();
		return;
	}
	struct tally t = {0};
	struct tt_feed_result r;
	struct tt_feed_handlers h = {.kev = kev_tally, .ctx = &t};
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(tt_feed_import(path, TT_FEED_UNKNOWN, &h, &r, &w.sink, &err), 0);
	warnings_dump(&w);
	assert_int_equal(w.msgs.n, 0);
	assert_int_equal(r.kind, TT_FEED_KEV);
	assert_int_equal(r.kev.count, 1404);
	assert_int_equal(r.kev.n_entries, 1404);
	assert_int_equal(t.n, 1404);
	assert_int_equal(t.linux_kernel, 21);
	assert_string_equal(r.kev.catalog_version, "2025.08.25");
	print_message("KEV %s: %zu entries, %zu Linux/Kernel, %zu known ransomware use\n",
		      r.kev.catalog_version, t.n, t.linux_kernel, t.ransomware);
	warnings_free(&w);
	free(path);
}

static int epss_tally(void *ctx, const struct tt_epss_entry *e)
{
	struct tally *t = ctx;
	t->n++;
	if (e->epss > t->epss_max) {
		t->epss_max = e->epss;
		snprintf(t->epss_max_id, sizeof(t->epss_max_id), "%s", e->cve_id);
	}
	return 0;
}

static void test_real_epss_has_360142_rows(void **state)
{
	char *path = shared_data_path("feeds/epss_scores-2026-08-16.csv.gz");
	if (!path) {
		skip();
		return;
	}
	struct tally t = {0};
	struct tt_feed_result r;
	struct tt_feed_handlers h = {.epss = epss_tally, .ctx = &t};
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(tt_feed_import(path, TT_FEED_UNKNOWN, &h, &r, &w.sink, &err), 0);
	warnings_dump(&w);
	assert_int_equal(w.msgs.n, 0);
	assert_int_equal(r.kind, TT_FEED_EPSS);
	assert_int_equal(r.epss.n_entries, 360142);
	assert_int_equal(r.epss.n_skipped, 0);
	assert_int_equal(t.n, 360142);
	assert_string_equal(r.epss.model_version, "unknown");
	assert_string_equal(r.epss.score_date, "2026-08-16T00:00:00+0000");
	print_message("EPSS model %s, %s: %zu rows, highest %s %.5f\n", r.epss.model_version,
		      r.epss.score_date, t.n, t.epss_max_id, t.epss_max);
	warnings_free(&w);
	free(path);
}

static int vr_tally(void *ctx, const struct tt_vulnrichment_entry *e)
{
	struct tally *t = ctx;
	t->n++;
	t->ssvc += e->has_ssvc;
	t->cvss += e->has_cvss;
	t->active += e->exploitation == TT_SSVC_EXPLOITATION_ACTIVE;
	t->poc += e->exploitation == TT_SSVC_EXPLOITATION_POC;
	t->automatable += e->automatable == TT_SSVC_AUTOMATABLE_YES;
	t->total += e->technical_impact == TT_SSVC_IMPACT_TOTAL;
	t->kev_marked += e->kev_date_added != NULL;
	t->rejected += e->rejected;
	if (e->has_ssvc) {
		assert_int_not_equal(e->exploitation, TT_SSVC_EXPLOITATION_UNKNOWN);
		assert_int_not_equal(e->automatable, TT_SSVC_AUTOMATABLE_UNKNOWN);
		assert_int_not_equal(e->technical_impact, TT_SSVC_IMPACT_UNKNOWN);
		assert_true(e->ssvc_time > 0);
	}
	return 0;
}

static void test_real_vulnrichment_tree_has_3710_records(void **state)
{
	char *tarball = shared_data_path("feeds/vulnrichment-linux.tar.xz");
	if (!tarball) {
		skip();
		return;
	}
	char dir[] = "/tmp/tt-feeds-vr-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *cmd = tt_xasprintf("tar -xJf '%s' -C '%s'", tarball, dir);
	int rc = system(cmd);
	free(cmd);
	if (rc != 0) {
		print_message("skipped: cannot extract %s with tar -xJf (status %d)\n", tarball,
			      rc);
		cmd = tt_xasprintf("rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		free(tarball);
		skip();
		return;
	}
	struct tally t = {0};
	struct tt_feed_result r;
	struct tt_feed_handlers h = {.vulnrichment = vr_tally, .ctx = &t};
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(tt_feed_import(dir, TT_FEED_UNKNOWN, &h, &r, &w.sink, &err), 0);
	warnings_dump(&w);
	assert_int_equal(w.msgs.n, 0);
	assert_int_equal(r.vulnrichment.n_files, 3710);
	assert_int_equal(r.vulnrichment.n_entries, 3710);
	assert_int_equal(t.n, 3710);
	assert_int_equal(t.ssvc, 3660);
	assert_int_equal(t.cvss, 145);
	assert_int_equal(t.rejected, 50);
	print_message("vulnrichment: %zu records, %zu rejected, %zu SSVC (%zu active, %zu poc, "
		      "%zu automatable, %zu total impact), %zu ADP CVSS, %zu KEV-marked\n",
		      t.n, t.rejected, t.ssvc, t.active, t.poc, t.automatable, t.total, t.cvss,
		      t.kev_marked);
	cmd = tt_xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	warnings_free(&w);
	free(tarball);
}

static void test_real_vulnrichment_tarball_is_refused_with_advice(void **state)
{
	char *tarball = shared_data_path("feeds/vulnrichment-linux.tar.xz");
	if (!tarball) {
		skip();
		return;
	}
	struct tt_error err = {0};
	assert_int_equal(tt_feed_import(tarball, TT_FEED_UNKNOWN, NULL, NULL, NULL, &err),
			 -ENOTSUP);
	assert_non_null(strstr(err.msg, "tar -xJf"));
	free(tarball);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_kev_catalog_has_1404_entries),
	    cmocka_unit_test(test_real_epss_has_360142_rows),
	    cmocka_unit_test(test_real_vulnrichment_tree_has_3710_records),
	    cmocka_unit_test(test_real_vulnrichment_tarball_is_refused_with_advice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
