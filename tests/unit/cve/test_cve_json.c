// SPDX-License-Identifier: GPL-2.0-or-later
/* CVE JSON 5 records through jsmn. */
#include "cve_test.h"

struct fx {
	struct tt_cve_parser *p;
	struct tt_cve_record rec;
	struct warnings w;
	struct tt_error err;
};

static int setup(void **state)
{
	struct fx *f = tt_xcalloc(1, sizeof(*f));
	f->p = tt_cve_parser_new();
	tt_cve_record_init(&f->rec);
	warnings_init(&f->w);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tt_cve_record_free(&f->rec);
	tt_cve_parser_free(f->p);
	warnings_free(&f->w);
	free(f);
	return 0;
}

static int parse(struct fx *f, const char *json)
{
	return tt_cve_parse_json(f->p, json, strlen(json), "x.json", &f->rec, &f->w.sink, &f->err);
}

/* A record around the given cna members; the id is CVE-2024-0001. */
#define RECORD(cna)                                                                                \
	"{\"containers\":{\"cna\":{" cna "}},\"cveMetadata\":{\"cveId\":\"CVE-2024-0001\","        \
	"\"state\":\"PUBLISHED\"},\"dataType\":\"CVE_RECORD\"}"

static void test_json_reads_the_fixture_record(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *text = cve_fixture_read("published/2024/CVE-2024-26581.json", &len);
	assert_int_equal(tt_cve_parse_json(f->p, text, len, "x.json", &f->rec, &f->w.sink, &f->err),
			 0);
	free(text);
	warnings_print(&f->w);
	assert_int_equal(f->w.msgs.n, 0);
	struct tt_cve_record *r = &f->rec;
	assert_string_equal(r->id, "CVE-2024-26581");
	assert_int_equal(r->state, TT_CVE_PUBLISHED);
	assert_string_equal(r->title,
			    "netfilter: nft_set_rbtree: skip end interval element from gc");
	/* The English description, not the first one. */
	assert_non_null(strstr(r->description, "In the Linux kernel"));
	assert_int_equal(r->date_reserved, 1708352424);
	assert_int_equal(r->date_updated, 1708596000);
	assert_int_equal(r->n_affected, 2);
	struct tt_affected *git = &r->affected[0], *semver = &r->affected[1];
	assert_string_equal(git->vendor, "Linux");
	assert_string_equal(git->product, "Linux");
	assert_string_equal(git->default_status, "unaffected");
	assert_string_equal(git->repo,
			    "https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git");
	assert_int_equal(git->n_versions, 2);
	assert_string_equal(git->versions[0].less_than, "1296c110c5a0b45a8fcf58e7d18bc5da61a565cb");
	assert_string_equal(git->versions[0].version_type, "git");
	assert_null(git->versions[1].less_than);
	assert_int_equal(semver->n_versions, 4);
	assert_null(semver->versions[0].version_type);
	assert_string_equal(semver->versions[2].less_than_or_equal, "6.1.*");
	assert_string_equal(semver->versions[3].less_than_or_equal, "*");
	assert_string_equal(semver->versions[3].version_type, "original_commit_for_fix");
	assert_string_equal(semver->versions[3].status, "unaffected");
	assert_int_equal(git->program_files.n, 2);
	assert_int_equal(r->references.n, 2);
	assert_true(r->has_cvss);
	assert_string_equal(r->cvss.vector, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
	assert_true(fabs(r->cvss.base_score - 7.8) < 1e-9);
	assert_string_equal(r->cvss.severity, "HIGH");
	assert_string_equal(r->cvss.source, "f4215fc3-5b6b-47ff-a258-f7189bd81038");
	assert_string_equal(
	    r->cvss.rationale,
	    "AV:L - Reached through a local netlink socket.\nAC:L - Deterministic.");
	assert_int_equal(r->n_dyads, 0);
}

static void test_json_program_files_are_the_sorted_union_of_all_blocks(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *text = cve_fixture_read("published/2024/CVE-2024-26581.json", &len);
	assert_int_equal(tt_cve_parse_json(f->p, text, len, "x.json", &f->rec, &f->w.sink, &f->err),
			 0);
	free(text);
	struct tt_strv *pf = &f->rec.program_files;
	assert_int_equal(pf->n, 3);
	assert_string_equal(pf->v[0], "include/net/netfilter/nf_tables.h");
	assert_string_equal(pf->v[1], "net/netfilter/nf_tables_api.c");
	assert_string_equal(pf->v[2], "net/netfilter/nft_set_rbtree.c");
}

static void test_json_unescapes_unicode(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, RECORD("\"title\":\"caf\\u00e9 \\u20ac \\ud83d\\ude00 \\u0041\","
					 "\"descriptions\":[{\"lang\":\"en\",\"value\":"
					 "\"a\\nb\\tc\\\"d\\\\e\\/f\\bg\\fh\\ri\"}]")),
			 0);
	/* U+00E9, U+20AC and U+1F600 (from its surrogate pair) as UTF-8. */
	assert_string_equal(f->rec.title, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 A");
	assert_string_equal(f->rec.description, "a\nb\tc\"d\\e/f\bg\fh\ri");
}

static void test_json_lone_surrogates_and_nul_become_replacement_chars(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, RECORD("\"title\":\"[\\ud83d][\\ude00][\\u0000][\\ud83dx]\"")),
			 0);
	assert_string_equal(f->rec.title,
			    "[\xef\xbf\xbd][\xef\xbf\xbd][\xef\xbf\xbd][\xef\xbf\xbdx]");
}

static void test_json_escaped_keys_still_match(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, RECORD("\"t\\u0069tle\":\"escaped key\"")), 0);
	assert_string_equal(f->rec.title, "escaped key");
}

static void test_json_rejected_record(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *text = cve_fixture_read("rejected/2024/CVE-2024-26609.json", &len);
	assert_int_equal(tt_cve_parse_json(f->p, text, len, "x.json", &f->rec, &f->w.sink, &f->err),
			 0);
	free(text);
	assert_int_equal(f->w.msgs.n, 0);
	assert_string_equal(f->rec.id, "CVE-2024-26609");
	assert_int_equal(f->rec.state, TT_CVE_REJECTED);
	assert_string_equal(f->rec.rejected_reason,
			    "This CVE ID has been rejected or withdrawn by its CVE Numbering "
			    "Authority.");
	assert_null(f->rec.title);
	assert_null(f->rec.description);
	assert_int_equal(f->rec.n_affected, 0);
	assert_false(f->rec.has_cvss);
}

static void test_json_accepts_the_legacy_cveID_spelling(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *text = cve_fixture_read("rejected/2024/CVE-2024-26610.json", &len);
	assert_int_equal(tt_cve_parse_json(f->p, text, len, "x.json", &f->rec, &f->w.sink, &f->err),
			 0);
	free(text);
	assert_string_equal(f->rec.id, "CVE-2024-26610");
	assert_int_equal(f->w.msgs.n, 0);
}

static void test_json_warns_when_base_score_differs(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, RECORD("\"metrics\":[{\"cvssV3_1\":{\"vectorString\":"
					 "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\","
					 "\"baseScore\":7.5}}]")),
			 0);
	assert_true(f->rec.has_cvss);
	assert_true(fabs(f->rec.cvss.base_score - 9.8) < 1e-9);
	assert_string_equal(f->rec.cvss.severity, "CRITICAL");
	assert_int_equal(f->w.msgs.n, 1);
	assert_true(warned(&f->w, "baseScore 7.5 differs from 9.8"));
	assert_true(warned(&f->w, "x.json:1: "));
}

static void test_json_bad_vector_is_a_warning_and_no_cvss(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, RECORD("\"metrics\":[{\"other\":{}},{\"cvssV3_1\":{"
					 "\"vectorString\":\"CVSS:3.1/AV:N\",\"baseScore\":1}}]")),
			 0);
	assert_false(f->rec.has_cvss);
	assert_true(warned(&f->w, "base metric AC missing"));
}

static void test_json_wrong_types_warn_and_are_ignored(void **state)
{
	struct fx *f = *state;
	assert_int_equal(
	    parse(f, RECORD("\"title\":42,\"affected\":{\"x\":1},"
			    "\"references\":[{\"url\":null},{\"url\":[1]},\"u\"],"
			    "\"descriptions\":[{\"lang\":\"fr\",\"value\":\"Bonjour\"}]")),
	    0);
	assert_null(f->rec.title);
	assert_int_equal(f->rec.n_affected, 0);
	assert_int_equal(f->rec.references.n, 0);
	assert_string_equal(f->rec.description, "Bonjour");
	assert_true(warned(&f->w, "title is not a string"));
	assert_true(warned(&f->w, "affected is not an array"));
	assert_true(warned(&f->w, "references[].url is not a string"));
	assert_true(warned(&f->w, "no English entry"));
}

static void test_json_version_without_status_is_skipped(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, RECORD("\"affected\":[{\"versions\":[{\"version\":\"6.1\"},"
					 "{\"version\":\"6.2\",\"status\":\"affected\"}]}]")),
			 0);
	assert_int_equal(f->rec.n_affected, 1);
	assert_int_equal(f->rec.affected[0].n_versions, 1);
	assert_string_equal(f->rec.affected[0].versions[0].version, "6.2");
	assert_true(warned(&f->w, "without version or status"));
}

/* 3000 versions need far more tokens than the parser starts with. */
static void test_json_grows_the_token_buffer(void **state)
{
	struct fx *f = *state;
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_adds(&b, "{\"containers\":{\"cna\":{\"affected\":[{\"versions\":[");
	for (int i = 0; i < 3000; i++)
		tt_buf_addf(&b, "%s{\"version\":\"6.%d\",\"status\":\"affected\"}", i ? "," : "",
			    i);
	tt_buf_adds(&b, "]}]}},\"cveMetadata\":{\"cveId\":\"CVE-2024-0002\"}}");
	assert_int_equal(parse(f, tt_buf_str(&b)), 0);
	assert_int_equal(f->rec.affected[0].n_versions, 3000);
	assert_string_equal(f->rec.affected[0].versions[2999].version, "6.2999");
	tt_buf_free(&b);
	/* The grown buffer is kept and reused for the next record. */
	tt_cve_record_free(&f->rec);
	assert_int_equal(parse(f, RECORD("\"title\":\"t\"")), 0);
	assert_string_equal(f->rec.title, "t");
}

static void expect_not_a_record(struct fx *f, const char *json, int code, const char *why)
{
	assert_int_equal(parse(f, json), code);
	if (!strstr(f->err.msg, why))
		fail_msg("error \"%s\" does not mention \"%s\"", f->err.msg, why);
	/* A failed parse leaves the record as it was. */
	assert_string_equal(f->rec.id, "");
	assert_null(f->rec.title);
}

static void test_json_not_a_record_is_an_error(void **state)
{
	struct fx *f = *state;
	expect_not_a_record(f, "", -EINVAL, "not a CVE record");
	expect_not_a_record(f, "[1,2]", -EINVAL, "not a JSON object");
	expect_not_a_record(f, "{\"title\":\"x\",", -EINVAL, "ends early");
	expect_not_a_record(f, "{\n\"a\": \"\\q\"}", -EINVAL, "x.json:2: invalid JSON");
	expect_not_a_record(f, "{\"containers\":{\"cna\":{\"title\":\"x\"}}}", -EINVAL,
			    "no cveMetadata.cveId");
	expect_not_a_record(f, "{\"cveMetadata\":{\"cveId\":\"CVE-1\"},\"title\":\"x\"}", -EINVAL,
			    "\"CVE-1\" is not a CVE id");
	expect_not_a_record(f, RECORD("\"title\":\"x\"") "\n{}", -EINVAL, "x.json:2: text after");
}

static void test_json_unknown_state_and_bad_date_warn(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, "{\"cveMetadata\":{\"cveId\":\"CVE-2024-0003\",\n"
				  "\"state\":\"RESERVED\",\n\"dateUpdated\":\"yesterday\"}}"),
			 0);
	assert_int_equal(f->rec.state, TT_CVE_PUBLISHED);
	assert_int_equal(f->rec.date_updated, 0);
	assert_true(warned(&f->w, "x.json:2: unknown cveMetadata.state"));
	assert_true(warned(&f->w, "x.json:3: cveMetadata.dateUpdated \"yesterday\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_json_reads_the_fixture_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_json_program_files_are_the_sorted_union_of_all_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_unescapes_unicode, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_json_lone_surrogates_and_nul_become_replacement_chars, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_escaped_keys_still_match, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_rejected_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_accepts_the_legacy_cveID_spelling, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_json_warns_when_base_score_differs, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_json_bad_vector_is_a_warning_and_no_cvss, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_json_wrong_types_warn_and_are_ignored, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_json_version_without_status_is_skipped, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_json_grows_the_token_buffer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_not_a_record_is_an_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_unknown_state_and_bad_date_warn, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
