// SPDX-License-Identifier: GPL-2.0-or-later
#include "feeds_test.h"

struct kev_seen {
	struct tt_strv ids;
	struct tt_strv cwes; /* "ID=CWE" */
	int stop_after;	     /* > 0: return 1 after that many; < 0: return -ECANCELED */
	size_t n;
	int64_t added_1086;
	bool ransomware_1086;
	char vendor_1086[32];
};

static int kev_collect(void *ctx, const struct tt_kev_entry *e)
{
	struct kev_seen *s = ctx;
	tt_strv_push(&s->ids, e->cve_id);
	for (size_t i = 0; i < e->n_cwes; i++)
		tt_strv_push_owned(&s->cwes, tt_xasprintf("%s=%s", e->cve_id, e->cwes[i]));
	if (strcmp(e->cve_id, "CVE-2024-1086") == 0) {
		s->added_1086 = e->added;
		s->ransomware_1086 = e->ransomware_known;
		snprintf(s->vendor_1086, sizeof(s->vendor_1086), "%s/%s", e->vendor_project,
			 e->product);
		assert_string_equal(e->due_date, "2024-06-20");
		assert_non_null(strstr(e->vulnerability_name, "Use-After-Free"));
		assert_string_equal(e->known_ransomware_campaign_use, "Unknown");
	}
	s->n++;
	if (s->stop_after > 0 && s->n == (size_t)s->stop_after)
		return 1;
	if (s->stop_after < 0)
		return -ECANCELED;
	return 0;
}

static void kev_seen_free(struct kev_seen *s)
{
	tt_strv_free(&s->ids);
	tt_strv_free(&s->cwes);
}

static void test_kev_catalog_yields_meta_and_every_entry(void **state)
{
	struct fixture f = fixture_load("kev_small.json");
	struct kev_seen s = {0};
	struct tt_kev_meta meta;
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(
	    tt_feed_parse_kev(f.text, f.len, f.path, &meta, kev_collect, &s, &w.sink, &err), 0);
	assert_string_equal(meta.catalog_version, "2025.08.25");
	assert_string_equal(meta.date_released, "2025-08-25T17:04:19.9796Z");
	assert_int_equal(meta.released, 1756141459);
	assert_int_equal(meta.count, 3);
	assert_int_equal(meta.n_entries, 3);
	assert_int_equal(meta.n_skipped, 0);
	assert_int_equal(w.msgs.n, 0);
	assert_int_equal(s.ids.n, 3);
	assert_string_equal(s.ids.v[0], "CVE-2024-1086");
	assert_string_equal(s.ids.v[2], "CVE-2025-48384");
	assert_int_equal(s.added_1086, 1717027200); /* 2024-05-30 */
	assert_false(s.ransomware_1086);
	assert_string_equal(s.vendor_1086, "Linux/Kernel");
	assert_true(tt_strv_contains(&s.cwes, "CVE-2025-48384=CWE-59"));
	assert_true(tt_strv_contains(&s.cwes, "CVE-2025-48384=CWE-436"));
	assert_int_equal(s.cwes.n, 4);
	kev_seen_free(&s);
	warnings_free(&w);
	fixture_free(&f);
}

static void test_kev_malformed_entries_are_warned_and_skipped(void **state)
{
	struct fixture f = fixture_load("kev_broken_entries.json");
	struct kev_seen s = {0};
	struct tt_kev_meta meta;
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(
	    tt_feed_parse_kev(f.text, f.len, f.path, &meta, kev_collect, &s, &w.sink, &err), 0);
	warnings_dump(&w);
	/* Entries 1 (a string), 2 (no cveID) and 3 (bad cveID) go; 4 and 5 stay with warnings. */
	assert_int_equal(meta.n_entries, 3);
	assert_int_equal(meta.n_skipped, 3);
	assert_int_equal(s.ids.n, 3);
	assert_string_equal(s.ids.v[1], "CVE-2024-53104");
	assert_int_equal(
	    warnings_count(&w, "kev_broken_entries.json", "entry 1", "not an object", NULL), 1);
	assert_int_equal(warnings_count(&w, "entry 2", "no cveID", NULL), 1);
	assert_int_equal(warnings_count(&w, "entry 3", "CVE-24-1", NULL), 1);
	assert_int_equal(warnings_count(&w, "entry 4 (CVE-2024-53104)", "dueDate", NULL), 1);
	assert_int_equal(warnings_count(&w, "entry 4 (CVE-2024-53104)", "cwes", NULL), 1);
	assert_int_equal(warnings_count(&w, "entry 5 (CVE-2024-50302)", "yesterday", NULL), 1);
	assert_int_equal(warnings_count(&w, "entry 5 (CVE-2024-50302)", "cwes[1]", NULL), 1);
	assert_int_equal(warnings_count(&w, "count 7", "6 entries", NULL), 1);
	assert_true(tt_strv_contains(&s.cwes, "CVE-2024-50302=CWE-908"));
	kev_seen_free(&s);
	warnings_free(&w);
	fixture_free(&f);
}

static void test_kev_rejects_documents_that_are_not_a_catalog(void **state)
{
	const char *names[] = {"kev_not_catalog.json", "nvd_page.json", "vr_ssvc_only.json"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct fixture f = fixture_load(names[i]);
		struct tt_error err = {0};
		struct kev_seen s = {0};
		assert_int_equal(
		    tt_feed_parse_kev(f.text, f.len, f.path, NULL, kev_collect, &s, NULL, &err),
		    -EINVAL);
		assert_non_null(strstr(err.msg, names[i]));
		assert_non_null(strstr(err.msg, "not a CISA KEV catalog"));
		assert_int_equal(s.n, 0);
		fixture_free(&f);
	}
}

static void test_kev_truncated_json_is_a_parse_error_with_position(void **state)
{
	struct fixture f = fixture_load("kev_truncated.json");
	struct tt_error err = {0};
	assert_int_equal(tt_feed_parse_kev(f.text, f.len, f.path, NULL, NULL, NULL, NULL, &err),
			 -EBADMSG);
	assert_non_null(strstr(err.msg, "kev_truncated.json"));
	assert_non_null(strstr(err.msg, "line"));
	fixture_free(&f);
}

static void test_kev_callback_stops_early_or_aborts(void **state)
{
	struct fixture f = fixture_load("kev_small.json");
	struct kev_seen s = {.stop_after = 2};
	struct tt_kev_meta meta;
	struct tt_error err = {0};
	assert_int_equal(
	    tt_feed_parse_kev(f.text, f.len, f.path, &meta, kev_collect, &s, NULL, &err), 0);
	assert_int_equal(s.n, 2);
	kev_seen_free(&s);

	struct kev_seen a = {.stop_after = -1};
	assert_int_equal(
	    tt_feed_parse_kev(f.text, f.len, f.path, &meta, kev_collect, &a, NULL, &err),
	    -ECANCELED);
	assert_int_equal(a.n, 1);
	assert_non_null(strstr(err.msg, "CVE-2024-1086"));
	kev_seen_free(&a);
	fixture_free(&f);
}

static void test_kev_empty_catalog_is_fine(void **state)
{
	const char *text = "{\"catalogVersion\": \"2025.01.01\", \"count\": 0, "
			   "\"vulnerabilities\": []}";
	struct tt_kev_meta meta;
	struct tt_error err = {0};
	assert_int_equal(tt_feed_parse_kev(text, strlen(text), NULL, &meta, NULL, NULL, NULL, &err),
			 0);
	assert_int_equal(meta.n_entries, 0);
	assert_string_equal(meta.catalog_version, "2025.01.01");
	assert_int_equal(meta.released, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kev_catalog_yields_meta_and_every_entry),
	    cmocka_unit_test(test_kev_malformed_entries_are_warned_and_skipped),
	    cmocka_unit_test(test_kev_rejects_documents_that_are_not_a_catalog),
	    cmocka_unit_test(test_kev_truncated_json_is_a_parse_error_with_position),
	    cmocka_unit_test(test_kev_callback_stops_early_or_aborts),
	    cmocka_unit_test(test_kev_empty_catalog_is_fine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
