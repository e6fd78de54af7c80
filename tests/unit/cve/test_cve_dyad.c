// SPDX-License-Identifier: GPL-2.0-or-later
/* .dyad pairs, their branches, commit lists and CVE ids. */
#include "cve_test.h"

#define SHA_A "89a4d1a89751a0fbd520e64091873e19cc0979e8"
#define SHA_B "1296c110c5a0b45a8fcf58e7d18bc5da61a565cb"

static int parse(const char *text, struct tt_cve_record *rec, struct warnings *w)
{
	return tt_dyad_parse(text, strlen(text), "x.dyad", rec, &w->sink);
}

static void test_dyad_parses_pairs_and_line_numbers(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	tt_cve_record_init(&rec);
	warnings_init(&w);
	assert_int_equal(parse("# dyad version: 1.2.0\n"
			       "6.1.43:" SHA_A ":6.1.78:" SHA_B "\n"
			       "\n"
			       "6.5:" SHA_A ":6.8-rc3:" SHA_B,
			       &rec, &w),
			 0);
	assert_int_equal(w.msgs.n, 0);
	assert_int_equal(rec.n_dyads, 2);
	assert_string_equal(rec.dyads[0].vuln_version, "6.1.43");
	assert_string_equal(rec.dyads[0].vuln_commit, SHA_A);
	assert_string_equal(rec.dyads[0].fix_version, "6.1.78");
	assert_string_equal(rec.dyads[0].fix_commit, SHA_B);
	assert_int_equal(rec.dyads[0].line, 2);
	/* The last line has no newline and is still read. */
	assert_string_equal(rec.dyads[1].fix_version, "6.8-rc3");
	assert_int_equal(rec.dyads[1].line, 4);
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

static void test_dyad_never_fixed_pair_has_null_fix(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	tt_cve_record_init(&rec);
	warnings_init(&w);
	assert_int_equal(parse("6.4.8:" SHA_A ":0:0\n", &rec, &w), 0);
	assert_int_equal(rec.n_dyads, 1);
	assert_string_equal(rec.dyads[0].vuln_version, "6.4.8");
	assert_null(rec.dyads[0].fix_version);
	assert_null(rec.dyads[0].fix_commit);
	char branch[16];
	tt_dyad_branch(&rec.dyads[0], branch, sizeof(branch));
	assert_string_equal(branch, "6.4");
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

static void test_dyad_zero_origin(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	tt_cve_record_init(&rec);
	warnings_init(&w);
	assert_int_equal(parse("0:0:5.10.210:" SHA_B "\n", &rec, &w), 0);
	assert_int_equal(rec.n_dyads, 1);
	assert_null(rec.dyads[0].vuln_version);
	assert_null(rec.dyads[0].vuln_commit);
	assert_string_equal(rec.dyads[0].fix_version, "5.10.210");
	char branch[16];
	tt_dyad_branch(&rec.dyads[0], branch, sizeof(branch));
	assert_string_equal(branch, "5.10");
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

static void test_dyad_malformed_line_is_reported_with_line_number(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	tt_cve_record_init(&rec);
	warnings_init(&w);
	const char *text = "# comment\n"
			   "6.1.43:" SHA_A ":6.1.78\n"		 /* 2: three fields */
			   "6.1.43:" SHA_A ":6.1.78:xyz\n"	 /* 3: bad sha hex */
			   "six:" SHA_A ":6.1.78:" SHA_B "\n"	 /* 4: junk version */
			   "6.1.43:" SHA_A ":0:" SHA_B "\n"	 /* 5: half of a "0:0" */
			   "6.1.43:" SHA_A ":6.1.78:" SHA_B "\n" /* 6: good */
			   "6.1.43:" SHA_A ":6.1.78:" SHA_B ":6.2:" SHA_B "\n" /* 7: six fields */
			   "6.1:" SHA_A ":6.1.78:0000000000\n"; /* 8: the null commit */
	assert_int_equal(parse(text, &rec, &w), 6);
	assert_int_equal(rec.n_dyads, 1);
	assert_int_equal(rec.dyads[0].line, 6);
	assert_int_equal(w.msgs.n, 6);
	assert_non_null(strstr(w.msgs.v[0], "x.dyad:2: "));
	assert_non_null(strstr(w.msgs.v[0], "fewer than 4 fields"));
	assert_non_null(strstr(w.msgs.v[1], "x.dyad:3: "));
	assert_non_null(strstr(w.msgs.v[1], "bad commit id"));
	assert_non_null(strstr(w.msgs.v[2], "x.dyad:4: "));
	assert_non_null(strstr(w.msgs.v[2], "bad version"));
	assert_non_null(strstr(w.msgs.v[3], "x.dyad:5: "));
	assert_non_null(strstr(w.msgs.v[4], "x.dyad:7: "));
	assert_non_null(strstr(w.msgs.v[5], "x.dyad:8: "));
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

static void test_dyad_skips_comments_blank_lines_and_crlf(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	tt_cve_record_init(&rec);
	warnings_init(&w);
	assert_int_equal(
	    parse("# a\r\n   \r\n\t# b\r\n6.6:" SHA_A ":6.6.17:" SHA_B "\r\n", &rec, &w), 0);
	assert_int_equal(w.msgs.n, 0);
	assert_int_equal(rec.n_dyads, 1);
	assert_string_equal(rec.dyads[0].fix_commit, SHA_B);
	assert_int_equal(rec.dyads[0].line, 4);
	tt_cve_record_free(&rec);
	warnings_free(&w);
}

static void test_dyad_appends_to_pairs_already_read(void **state)
{
	struct tt_cve_record rec;
	struct warnings w;
	tt_cve_record_init(&rec);
	warnings_init(&w);
	assert_int_equal(parse("6.1:" SHA_A ":6.1.2:" SHA_B "\n", &rec, &w), 0);
	assert_int_equal(parse("6.2:" SHA_A ":6.2.3:" SHA_B "\n6.3:" SHA_A ":0:0\n", &rec, &w), 0);
	assert_int_equal(rec.n_dyads, 3);
	assert_string_equal(rec.dyads[0].fix_version, "6.1.2");
	assert_string_equal(rec.dyads[2].vuln_version, "6.3");
	tt_cve_record_free(&rec);
	assert_int_equal(rec.n_dyads, 0);
	assert_null(rec.dyads);
	warnings_free(&w);
}

static void branch_of(const char *vuln, const char *fix, const char *want)
{
	struct tt_dyad d = {.vuln_version = (char *)vuln, .fix_version = (char *)fix};
	char out[16];
	tt_dyad_branch(&d, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_dyad_branch_follows_the_fix_then_the_origin(void **state)
{
	branch_of("6.5", "6.8", "6.8");		   /* mainline release */
	branch_of("6.5", "6.8-rc3", "6.8");	   /* mainline release candidate */
	branch_of("6.1.43", "6.1.78", "6.1");	   /* stable */
	branch_of("6.4.8", NULL, "6.4");	   /* never fixed: where it started */
	branch_of(NULL, "3.16.66", "3.16");	   /* unknown origin */
	branch_of("2.6.19", "2.6.39.4", "2.6.39"); /* the 2.6 era has three parts */
	branch_of("2.6.12", NULL, "2.6.12");
	branch_of(NULL, NULL, "");
	branch_of("junk", NULL, "");
	/* Too small a buffer gives "" rather than a wrong, cut-off branch. */
	struct tt_dyad d = {.fix_version = "6.10.3"};
	char small[4];
	tt_dyad_branch(&d, small, sizeof(small));
	assert_string_equal(small, "");
}

static void test_commit_list_skips_bad_tokens_and_repeats(void **state)
{
	struct tt_strv out = TT_STRV_INIT;
	struct warnings w;
	warnings_init(&w);
	const char *text = SHA_A " " SHA_B "\n"
				 "1e18ec3e9d46\tnot-a-sha " SHA_A "\n"
				 "000000000\n";
	/* All zeros is the CNA's placeholder for "no commit": skipped without a warning. */
	assert_int_equal(tt_commit_list_parse(text, strlen(text), "x.sha1", &out, &w.sink), 1);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[0], SHA_A);
	assert_string_equal(out.v[1], SHA_B);
	assert_string_equal(out.v[2], "1e18ec3e9d46");
	assert_int_equal(w.msgs.n, 1);
	assert_non_null(strstr(w.msgs.v[0], "x.sha1:2: "));
	assert_non_null(strstr(w.msgs.v[0], "not-a-sha"));
	tt_strv_free(&out);
	warnings_free(&w);
}

static void test_commit_list_of_empty_file_is_empty(void **state)
{
	struct tt_strv out = TT_STRV_INIT;
	assert_int_equal(tt_commit_list_parse("", 0, "x.sha1", &out, NULL), 0);
	assert_int_equal(tt_commit_list_parse("\n  \n", 4, "x.sha1", &out, NULL), 0);
	assert_int_equal(out.n, 0);
}

static void test_cve_id_valid_accepts_only_cve_ids(void **state)
{
	assert_true(tt_cve_id_valid("CVE-2024-26581"));
	assert_true(tt_cve_id_valid("CVE-2021-4440"));
	assert_true(tt_cve_id_valid("CVE-2026-1234567"));
	assert_false(tt_cve_id_valid("CVE-2024-123"));
	assert_false(tt_cve_id_valid("CVE-24-12345"));
	assert_false(tt_cve_id_valid("cve-2024-12345"));
	assert_false(tt_cve_id_valid("CVE-2024-12345.json"));
	assert_false(tt_cve_id_valid("CVE-2024-12345/../x"));
	assert_false(tt_cve_id_valid("CVE-2024-1234567890123456789012345"));
	assert_false(tt_cve_id_valid(""));
	assert_false(tt_cve_id_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dyad_parses_pairs_and_line_numbers),
	    cmocka_unit_test(test_dyad_never_fixed_pair_has_null_fix),
	    cmocka_unit_test(test_dyad_zero_origin),
	    cmocka_unit_test(test_dyad_malformed_line_is_reported_with_line_number),
	    cmocka_unit_test(test_dyad_skips_comments_blank_lines_and_crlf),
	    cmocka_unit_test(test_dyad_appends_to_pairs_already_read),
	    cmocka_unit_test(test_dyad_branch_follows_the_fix_then_the_origin),
	    cmocka_unit_test(test_commit_list_skips_bad_tokens_and_repeats),
	    cmocka_unit_test(test_commit_list_of_empty_file_is_empty),
	    cmocka_unit_test(test_cve_id_valid_accepts_only_cve_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
