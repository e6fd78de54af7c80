// SPDX-License-Identifier: GPL-2.0-or-later
/* CVSS 3.1 base scores and the CNA's .cvss files. */
#include "cve_test.h"

#define ORG "f4215fc3-5b6b-47ff-a258-f7189bd81038"

static void expect_score(const char *metrics, double want, const char *severity)
{
	char *vector = tt_xasprintf("CVSS:3.1/%s", metrics);
	double score = -1;
	const char *sev = NULL;
	struct tt_error err = {0};
	if (tt_cvss31_score(vector, &score, &sev, &err) != 0)
		fail_msg("%s: %s", vector, err.msg);
	if (fabs(score - want) > 1e-9 || strcmp(sev, severity) != 0)
		fail_msg("%s: got %.1f %s, want %.1f %s", vector, score, sev, want, severity);
	free(vector);
}

/* Scores as FIRST's calculator gives them (first.org/cvss/calculator/3.1). */
static void test_cvss_scores_match_first_spec(void **state)
{
	expect_score("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL");
	expect_score("AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "HIGH");
	expect_score("AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.0, "HIGH");
	expect_score("AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, "MEDIUM");
	expect_score("AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5, "MEDIUM");
	expect_score("AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "CRITICAL");
	expect_score("AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "CRITICAL");
	expect_score("AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, "HIGH");
	expect_score("AV:L/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 6.7, "MEDIUM");
	expect_score("AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, "MEDIUM");
	expect_score("AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "LOW");
	expect_score("AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 8.8, "HIGH");
	expect_score("AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, "NONE");
	/* Metric order is free, and temporal metrics do not change the base score. */
	expect_score("A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:P/RL:O/RC:C", 9.8, "CRITICAL");
}

static void expect_invalid(const char *vector, const char *why)
{
	double score;
	const char *sev;
	struct tt_error err = {0};
	assert_int_equal(tt_cvss31_score(vector, &score, &sev, &err), -EINVAL);
	if (!strstr(err.msg, why))
		fail_msg("%s: error \"%s\" does not mention \"%s\"", vector, err.msg, why);
}

static void test_cvss_rejects_bad_vectors_naming_the_metric(void **state)
{
	expect_invalid("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/");
	expect_invalid("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/");
	expect_invalid("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "A missing");
	expect_invalid("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:Q");
	expect_invalid("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L", "AV repeated");
	expect_invalid("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y", "XX:Y");
	expect_invalid("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH", "A:HH");
	expect_invalid("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", "unknown metric ''");
	expect_invalid("CVSS:3.1/", "unknown metric");
}

static int parse_cvss(const char *text, struct tt_cve_record *rec, struct warnings *w,
		      struct tt_error *err)
{
	return tt_cvss_file_parse(text, strlen(text), "x.cvss", rec, &w->sink, err);
}

static void test_cvss_file_joins_continuation_lines(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	struct tt_error err = {0};
	tt_cve_record_init(&rec);
	warnings_init(&w);
	const char *text =
	    ORG " CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H\n"
		"\n"
		"AV:L - Despite living in net/sctp/, `proc_sctp_do_auth()` is a procfs\n"
		"    sysctl ->proc_handler that no received SCTP packet, socket, or\n"
		"    association path ever invokes.\n"
		"AC:H - A race.\n"
		"PR:L - Needs\n"
		"\tCAP_NET_ADMIN in a user namespace.   \n";
	assert_int_equal(parse_cvss(text, &rec, &w, &err), 0);
	assert_int_equal(w.msgs.n, 0);
	assert_true(rec.has_cvss);
	assert_string_equal(rec.cvss.source, ORG);
	assert_string_equal(rec.cvss.vector, "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H");
	assert_true(fabs(rec.cvss.base_score - 7.0) < 1e-9);
	assert_string_equal(rec.cvss.severity, "HIGH");
	assert_string_equal(rec.cvss.rationale,
			    "AV:L - Despite living in net/sctp/, `proc_sctp_do_auth()` is a procfs "
			    "sysctl ->proc_handler that no received SCTP packet, socket, or "
			    "association path ever invokes.\n"
			    "AC:H - A race.\n"
			    "PR:L - Needs CAP_NET_ADMIN in a user namespace.");
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

static void test_cvss_file_free_prose_becomes_one_paragraph_per_block(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	struct tt_error err = {0};
	tt_cve_record_init(&rec);
	warnings_init(&w);
	const char *text =
	    ORG " CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n\n"
		"Bluetooth L2CAP stack buffer overflow via duplicate ECRED connection\n"
		"requests with same identifier.\n"
		"\n"
		"Triggered over the air.\n";
	assert_int_equal(parse_cvss(text, &rec, &w, &err), 0);
	assert_string_equal(rec.cvss.rationale,
			    "Bluetooth L2CAP stack buffer overflow via duplicate ECRED connection "
			    "requests with same identifier.\nTriggered over the air.");
	assert_true(fabs(rec.cvss.base_score - 8.8) < 1e-9);
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

static void test_cvss_file_without_rationale_or_org(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	struct tt_error err = {0};
	tt_cve_record_init(&rec);
	warnings_init(&w);
	assert_int_equal(
	    parse_cvss(ORG " CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &rec, &w, &err), 0);
	assert_null(rec.cvss.rationale);
	assert_true(fabs(rec.cvss.base_score - 9.8) < 1e-9);
	/* A vector alone is accepted, with a warning that the scorer is unknown. */
	assert_int_equal(
	    parse_cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N\nWhy.\n", &rec, &w, &err), 0);
	assert_null(rec.cvss.source);
	assert_string_equal(rec.cvss.rationale, "Why.");
	assert_true(warned(&w, "x.cvss:1: CVSS line has no scoring org id"));
	assert_true(warned(&w, "x.cvss:2: no blank line"));
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

static void test_cvss_file_bad_vector_is_an_error_and_keeps_the_old_score(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	struct tt_error err = {0};
	tt_cve_record_init(&rec);
	warnings_init(&w);
	assert_int_equal(
	    parse_cvss(ORG " CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H\n", &rec, &w, &err), 0);
	assert_int_equal(
	    parse_cvss(ORG " CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H\n", &rec, &w, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "x.cvss:1: "));
	assert_non_null(strstr(err.msg, "A missing"));
	assert_true(rec.has_cvss);
	assert_true(fabs(rec.cvss.base_score - 7.8) < 1e-9);
	assert_int_equal(parse_cvss("", &rec, &w, &err), -EINVAL);
	assert_int_equal(parse_cvss(ORG "\n", &rec, &w, &err), -EINVAL);
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cvss_scores_match_first_spec),
	    cmocka_unit_test(test_cvss_rejects_bad_vectors_naming_the_metric),
	    cmocka_unit_test(test_cvss_file_joins_continuation_lines),
	    cmocka_unit_test(test_cvss_file_free_prose_becomes_one_paragraph_per_block),
	    cmocka_unit_test(test_cvss_file_without_rationale_or_org),
	    cmocka_unit_test(test_cvss_file_bad_vector_is_an_error_and_keeps_the_old_score),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
