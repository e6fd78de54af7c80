// SPDX-License-Identifier: GPL-2.0-or-later
#include <unistd.h>

#include "feeds_test.h"

/* A copy of what the callback saw, since the entry's strings are borrowed. */
struct vr_copy {
	int calls;
	char id[32];
	bool rejected, has_adp, has_ssvc, has_cvss;
	enum tt_ssvc_exploitation exploitation;
	enum tt_ssvc_automatable automatable;
	enum tt_ssvc_impact impact;
	char ssvc_version[16];
	int64_t ssvc_time;
	char vector[64];
	double score;
	char severity[16];
	char kev[16];
	char cwes[64];
	char adp_updated[40];
};

static int vr_copy_cb(void *ctx, const struct tt_vulnrichment_entry *e)
{
	struct vr_copy *c = ctx;
	c->calls++;
	snprintf(c->id, sizeof(c->id), "%s", e->cve_id);
	c->rejected = e->rejected;
	c->has_adp = e->has_adp;
	c->has_ssvc = e->has_ssvc;
	c->has_cvss = e->has_cvss;
	c->exploitation = e->exploitation;
	c->automatable = e->automatable;
	c->impact = e->technical_impact;
	snprintf(c->ssvc_version, sizeof(c->ssvc_version), "%s",
		 e->ssvc_version ? e->ssvc_version : "-");
	c->ssvc_time = e->ssvc_time;
	snprintf(c->vector, sizeof(c->vector), "%s", e->cvss_vector ? e->cvss_vector : "-");
	c->score = e->cvss_base_score;
	snprintf(c->severity, sizeof(c->severity), "%s", e->cvss_severity ? e->cvss_severity : "-");
	snprintf(c->kev, sizeof(c->kev), "%s", e->kev_date_added ? e->kev_date_added : "-");
	c->cwes[0] = '\0';
	for (size_t i = 0; i < e->n_cwes; i++)
		snprintf(c->cwes + strlen(c->cwes), sizeof(c->cwes) - strlen(c->cwes), "%s%s",
			 i ? "," : "", e->cwes[i]);
	snprintf(c->adp_updated, sizeof(c->adp_updated), "%s",
		 e->adp_updated ? e->adp_updated : "-");
	return 0;
}

static struct vr_copy parse_fixture(const char *name, struct warnings *w, int expect_rc)
{
	struct fixture f = fixture_load(name);
	struct vr_copy c = {0};
	struct tt_error err = {0};
	int rc = tt_feed_parse_vulnrichment(f.text, f.len, f.path, vr_copy_cb, &c,
					    w ? &w->sink : NULL, &err);
	if (rc != expect_rc)
		fail_msg("%s: rc %d, expected %d: %s", name, rc, expect_rc, err.msg);
	if (rc)
		assert_non_null(strstr(err.msg, name));
	fixture_free(&f);
	return c;
}

static void test_vr_record_with_ssvc_cvss_and_kev_mark(void **state)
{
	struct warnings w;
	warnings_init(&w);
	struct vr_copy c = parse_fixture("vr_ssvc_cvss_kev.json", &w, 0);
	assert_int_equal(w.msgs.n, 0);
	assert_int_equal(c.calls, 1);
	assert_string_equal(c.id, "CVE-2024-36971");
	assert_false(c.rejected);
	assert_true(c.has_adp && c.has_ssvc && c.has_cvss);
	assert_int_equal(c.exploitation, TT_SSVC_EXPLOITATION_ACTIVE);
	assert_int_equal(c.automatable, TT_SSVC_AUTOMATABLE_NO);
	assert_int_equal(c.impact, TT_SSVC_IMPACT_TOTAL);
	assert_string_equal(c.ssvc_version, "2.0.3");
	assert_int_equal(c.ssvc_time, 1723041431); /* 2024-08-07T14:37:11Z */
	assert_string_equal(c.vector, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
	assert_true(c.score > 7.79 && c.score < 7.81);
	assert_string_equal(c.severity, "HIGH");
	assert_string_equal(c.kev, "2024-08-07");
	assert_string_equal(c.cwes, "CWE-416");
	assert_string_equal(c.adp_updated, "2024-08-06T17:00:13.363Z");
	warnings_free(&w);
}

static void test_vr_record_with_ssvc_only_has_no_cvss(void **state)
{
	struct vr_copy c = parse_fixture("vr_ssvc_only.json", NULL, 0);
	assert_string_equal(c.id, "CVE-2023-52744");
	assert_true(c.has_ssvc);
	assert_false(c.has_cvss);
	assert_int_equal(c.exploitation, TT_SSVC_EXPLOITATION_NONE);
	assert_int_equal(c.automatable, TT_SSVC_AUTOMATABLE_NO);
	assert_int_equal(c.impact, TT_SSVC_IMPACT_PARTIAL);
	assert_string_equal(c.vector, "-");
	assert_string_equal(c.kev, "-");
	assert_string_equal(c.cwes, "");
}

static void test_vr_rejected_record_is_reported_without_adp(void **state)
{
	struct vr_copy c = parse_fixture("vr_rejected.json", NULL, 0);
	assert_int_equal(c.calls, 1);
	assert_string_equal(c.id, "CVE-2023-52666");
	assert_true(c.rejected);
	assert_false(c.has_adp || c.has_ssvc || c.has_cvss);
	assert_int_equal(c.exploitation, TT_SSVC_EXPLOITATION_UNKNOWN);
}

static void test_vr_unknown_values_are_warned_and_left_unknown(void **state)
{
	struct warnings w;
	warnings_init(&w);
	struct vr_copy c = parse_fixture("vr_bad_values.json", &w, 0);
	warnings_dump(&w);
	assert_true(c.has_ssvc);
	assert_int_equal(c.exploitation, TT_SSVC_EXPLOITATION_UNKNOWN);
	assert_int_equal(c.automatable, TT_SSVC_AUTOMATABLE_YES);
	assert_int_equal(c.impact, TT_SSVC_IMPACT_UNKNOWN);
	assert_false(c.has_cvss);
	assert_int_equal(warnings_count(&w, "vr_bad_values.json", "CVE-2023-52744", "maybe", NULL),
			 1);
	assert_int_equal(warnings_count(&w, "Technical Impact", "not a string", NULL), 1);
	assert_int_equal(warnings_count(&w, "cvssV3_1", NULL), 1);
	warnings_free(&w);
}

static void test_vr_documents_that_are_not_records_are_errors(void **state)
{
	struct vr_copy c = parse_fixture("vr_not_record.json", NULL, -EINVAL);
	assert_int_equal(c.calls, 0);
	c = parse_fixture("kev_small.json", NULL, -EINVAL);
	assert_int_equal(c.calls, 0);
	c = parse_fixture("kev_truncated.json", NULL, -EBADMSG);
	assert_int_equal(c.calls, 0);
}

struct walk_seen {
	struct tt_strv ids;
	int abort_at;
};

static int walk_collect(void *ctx, const struct tt_vulnrichment_entry *e)
{
	struct walk_seen *s = ctx;
	tt_strv_push(&s->ids, e->cve_id);
	assert_non_null(e->file);
	assert_non_null(strstr(e->file, e->cve_id));
	if (s->abort_at && s->ids.n == (size_t)s->abort_at)
		return -EINTR;
	return 0;
}

static void test_vr_walk_reads_the_tree_in_order_and_skips_bad_files(void **state)
{
	char *dir = fixture_path("vr_tree");
	struct walk_seen s = {TT_STRV_INIT, 0};
	struct tt_vulnrichment_stats st;
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(tt_feed_walk_vulnrichment(dir, &st, walk_collect, &s, &w.sink, &err), 0);
	warnings_dump(&w);
	/* README.md and .hidden/ are not looked at; the two bad .json files are warned. */
	assert_int_equal(st.n_files, 5);
	assert_int_equal(st.n_entries, 3);
	assert_int_equal(st.n_skipped, 2);
	assert_int_equal(st.n_with_ssvc, 2);
	assert_int_equal(st.n_with_cvss, 1);
	assert_int_equal(s.ids.n, 3);
	assert_string_equal(s.ids.v[0], "CVE-2023-52666");
	assert_string_equal(s.ids.v[1], "CVE-2023-52744");
	assert_string_equal(s.ids.v[2], "CVE-2024-36971");
	assert_int_equal(w.msgs.n, 2);
	assert_int_equal(warnings_count(&w, "CVE-2024-26000.json", "not valid JSON", NULL), 1);
	assert_int_equal(warnings_count(&w, "config.json", "not a CVE JSON 5 record", NULL), 1);
	tt_strv_free(&s.ids);
	warnings_free(&w);
	free(dir);
}

static void test_vr_walk_stops_when_the_callback_fails(void **state)
{
	char *dir = fixture_path("vr_tree/");
	struct walk_seen s = {TT_STRV_INIT, 2};
	struct tt_error err = {0};
	assert_int_equal(tt_feed_walk_vulnrichment(dir, NULL, walk_collect, &s, NULL, &err),
			 -EINTR);
	assert_int_equal(s.ids.n, 2);
	assert_non_null(strstr(err.msg, "CVE-2023-52744"));
	tt_strv_free(&s.ids);
	free(dir);
}

static void test_vr_walk_needs_a_directory(void **state)
{
	char *file = fixture_path("vr_rejected.json");
	struct tt_error err = {0};
	assert_int_equal(tt_feed_walk_vulnrichment(file, NULL, NULL, NULL, NULL, &err), -ENOTDIR);
	assert_int_equal(
	    tt_feed_walk_vulnrichment("/nonexistent/tt-feeds", NULL, NULL, NULL, NULL, &err),
	    -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/tt-feeds"));
	free(file);
}

static void test_ssvc_value_names(void **state)
{
	assert_string_equal(tt_ssvc_exploitation_name(TT_SSVC_EXPLOITATION_POC), "poc");
	assert_string_equal(tt_ssvc_exploitation_name(TT_SSVC_EXPLOITATION_ACTIVE), "active");
	assert_string_equal(tt_ssvc_automatable_name(TT_SSVC_AUTOMATABLE_YES), "yes");
	assert_string_equal(tt_ssvc_impact_name(TT_SSVC_IMPACT_TOTAL), "total");
	assert_string_equal(tt_ssvc_impact_name((enum tt_ssvc_impact)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vr_record_with_ssvc_cvss_and_kev_mark),
	    cmocka_unit_test(test_vr_record_with_ssvc_only_has_no_cvss),
	    cmocka_unit_test(test_vr_rejected_record_is_reported_without_adp),
	    cmocka_unit_test(test_vr_unknown_values_are_warned_and_left_unknown),
	    cmocka_unit_test(test_vr_documents_that_are_not_records_are_errors),
	    cmocka_unit_test(test_vr_walk_reads_the_tree_in_order_and_skips_bad_files),
	    cmocka_unit_test(test_vr_walk_stops_when_the_callback_fails),
	    cmocka_unit_test(test_vr_walk_needs_a_directory),
	    cmocka_unit_test(test_ssvc_value_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
