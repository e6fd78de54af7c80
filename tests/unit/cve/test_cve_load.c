// SPDX-License-Identifier: GPL-2.0-or-later
/* One CVE's files from a directory, and listing such directories. */
#include "cve_test.h"

struct fx {
	struct tt_cve_parser *p;
	struct tt_cve_record rec;
	struct warnings w;
	struct tt_error err;
	char *published, *rejected;
};

static int setup(void **state)
{
	struct fx *f = tt_xcalloc(1, sizeof(*f));
	f->p = tt_cve_parser_new();
	tt_cve_record_init(&f->rec);
	warnings_init(&f->w);
	f->published = cve_fixture("published/2024");
	f->rejected = cve_fixture("rejected/2024");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	tt_cve_record_free(&f->rec);
	tt_cve_parser_free(f->p);
	warnings_free(&f->w);
	free(f->published);
	free(f->rejected);
	free(f);
	return 0;
}

static int load(struct fx *f, const char *dir, const char *id, enum tt_cve_state state)
{
	return tt_cve_load_dir(f->p, dir, id, state, &f->rec, &f->w.sink, &f->err);
}

static void test_load_dir_reads_every_file_of_a_cve(void **state)
{
	struct fx *f = *state;
	assert_int_equal(load(f, f->published, "CVE-2024-26581", TT_CVE_PUBLISHED), 0);
	warnings_print(&f->w);
	assert_int_equal(f->w.msgs.n, 0);
	struct tt_cve_record *r = &f->rec;
	assert_string_equal(r->id, "CVE-2024-26581");
	assert_int_equal(r->n_dyads, 3);
	assert_int_equal(r->dyads[2].line, 5);
	assert_null(r->dyads[2].fix_version);
	assert_int_equal(r->fix_commits.n, 1);
	assert_string_equal(r->fix_commits.v[0], "60c0c230c6f046da536d3df8b39a20b9a9fd6af0");
	assert_int_equal(r->vulnerable_commits.n, 2);
	assert_string_equal(r->vulnerable_commits.v[1], "89a4d1a89751");
	/* .reference adds its new URL; the one the JSON already has is not repeated. */
	assert_int_equal(r->references.n, 3);
	assert_string_equal(r->references.v[2], "https://example.org/writeup-of-the-bug");
	assert_int_equal(r->n_affected, 2);
}

static void test_load_dir_message_overrides_description(void **state)
{
	struct fx *f = *state;
	assert_int_equal(load(f, f->published, "CVE-2024-26581", TT_CVE_PUBLISHED), 0);
	assert_string_equal(f->rec.description,
			    "netfilter: nft_set_rbtree: skip end interval element from gc\n\n"
			    "The CNA's corrected text: this replaces the generated description.");
}

static void test_load_dir_cvss_file_overrides_json_metrics(void **state)
{
	struct fx *f = *state;
	assert_int_equal(load(f, f->published, "CVE-2024-26581", TT_CVE_PUBLISHED), 0);
	assert_true(f->rec.has_cvss);
	/* The JSON says AC:L (7.8); the .cvss file says AC:H (7.0) and wins. */
	assert_string_equal(f->rec.cvss.vector, "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H");
	assert_true(fabs(f->rec.cvss.base_score - 7.0) < 1e-9);
	assert_string_equal(f->rec.cvss.source, "f4215fc3-5b6b-47ff-a258-f7189bd81038");
	assert_string_equal(f->rec.cvss.rationale,
			    "AV:L - The vulnerability is reached through the NETLINK_NETFILTER "
			    "socket by issuing an nftables batch; it requires local access.\n"
			    "AC:H - Winning the race needs the element to expire between two "
			    "transactions.");
}

static void test_load_dir_files_opens_only_the_listed_files(void **state)
{
	struct fx *f = *state;
	assert_int_equal(tt_cve_load_dir_files(f->p, f->published, "CVE-2024-26581",
					       TT_CVE_HAS_DYAD | TT_CVE_HAS_SHA1, TT_CVE_PUBLISHED,
					       &f->rec, &f->w.sink, &f->err),
			 0);
	assert_int_equal(f->rec.n_dyads, 3);
	assert_int_equal(f->rec.fix_commits.n, 1);
	assert_int_equal(f->rec.vulnerable_commits.n, 0);
	assert_non_null(strstr(f->rec.description, "In the Linux kernel"));
	assert_true(fabs(f->rec.cvss.base_score - 7.8) < 1e-9);
}

static void test_load_dir_missing_json_is_an_error_naming_the_path(void **state)
{
	struct fx *f = *state;
	assert_int_equal(load(f, f->published, "CVE-2024-55555", TT_CVE_PUBLISHED), -ENOENT);
	assert_non_null(strstr(f->err.msg, "published/2024/CVE-2024-55555.json"));
	assert_int_equal(load(f, f->published, "../2024/CVE-2024-26581", TT_CVE_PUBLISHED),
			 -EINVAL);
	assert_string_equal(f->rec.id, "");
}

static void test_load_dir_bad_optional_file_is_a_warning(void **state)
{
	struct fx *f = *state;
	assert_int_equal(load(f, f->published, "CVE-2024-10000", TT_CVE_PUBLISHED), 0);
	assert_int_equal(f->rec.fix_commits.n, 0);
	assert_int_equal(f->w.msgs.n, 1);
	assert_true(warned(&f->w, "CVE-2024-10000.sha1:1: not a commit id"));
}

static void test_load_dir_rejected_directory_sets_the_state(void **state)
{
	struct fx *f = *state;
	/* rejected/ keeps the record as published: the directory decides the state. */
	assert_int_equal(load(f, f->rejected, "CVE-2024-26610", TT_CVE_REJECTED), 0);
	assert_int_equal(f->rec.state, TT_CVE_REJECTED);
	assert_int_equal(f->w.msgs.n, 0);
	tt_cve_record_free(&f->rec);
	assert_int_equal(load(f, f->rejected, "CVE-2024-26609", TT_CVE_REJECTED), 0);
	assert_int_equal(f->rec.state, TT_CVE_REJECTED);
	assert_non_null(f->rec.rejected_reason);
}

static void test_load_dir_record_with_another_id_warns(void **state)
{
	struct fx *f = *state;
	char dir[] = "/tmp/tt-cve-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = tt_xasprintf("%s/CVE-2024-0005.json", dir);
	const char *json = "{\"cveMetadata\":{\"cveId\":\"CVE-2024-0006\"}}";
	assert_int_equal(tt_write_file_atomic(path, json, strlen(json), &f->err), 0);
	assert_int_equal(load(f, dir, "CVE-2024-0005", TT_CVE_PUBLISHED), 0);
	assert_string_equal(f->rec.id, "CVE-2024-0005");
	assert_true(warned(&f->w, "record says CVE-2024-0006"));
	unlink(path);
	rmdir(dir);
	free(path);
}

/* The parser keeps the last directory open; asking for another one must switch. */
static void test_load_dir_switches_directories_with_one_parser(void **state)
{
	struct fx *f = *state;
	const char *ids[] = {"CVE-2024-26581", "CVE-2024-26609", "CVE-2024-9999", "CVE-2024-26610"};
	for (int i = 0; i < 4; i++) {
		const char *dir = i % 2 ? f->rejected : f->published;
		assert_int_equal(load(f, dir, ids[i], i % 2 ? TT_CVE_REJECTED : TT_CVE_PUBLISHED),
				 0);
		assert_string_equal(f->rec.id, ids[i]);
		tt_cve_record_free(&f->rec);
	}
	assert_int_equal(f->w.msgs.n, 0);
	assert_int_equal(load(f, "/nonexistent/dir", "CVE-2024-26581", TT_CVE_PUBLISHED), -ENOENT);
	assert_non_null(strstr(f->err.msg, "/nonexistent/dir/CVE-2024-26581.json"));
	assert_int_equal(load(f, f->published, "CVE-2024-26581", TT_CVE_PUBLISHED), 0);
}

/* An in-memory source: name -> text, as sync serves git blobs. */
static const char *const mem_files[][2] = {
    {"CVE-2024-0007.json", "{\"cveMetadata\":{\"cveId\":\"CVE-2024-0007\"},"
			   "\"containers\":{\"cna\":{\"descriptions\":[{\"lang\":\"en\","
			   "\"value\":\"from JSON\"}]}}}"},
    {"CVE-2024-0007.message", "from the message\n"},
    {"CVE-2024-0007.dyad", "6.6:89a4d1a89751a0fbd520e64091873e19cc0979e8:0:0\n"},
};

static int mem_read(void *ctx, const char *name, const char **text, size_t *len)
{
	int *reads = ctx;
	(*reads)++;
	for (size_t i = 0; i < sizeof(mem_files) / sizeof(mem_files[0]); i++) {
		if (strcmp(mem_files[i][0], name) == 0) {
			*text = mem_files[i][1];
			*len = strlen(*text);
			return 0;
		}
	}
	return -ENOENT;
}

static void test_load_from_reads_through_any_source(void **state)
{
	struct fx *f = *state;
	int reads = 0;
	struct tt_cve_file_source src = {.read = mem_read, .ctx = &reads, .where = "mem"};
	assert_int_equal(tt_cve_load_from(f->p, &src, "CVE-2024-0007",
					  TT_CVE_HAS_DYAD | TT_CVE_HAS_MESSAGE, TT_CVE_PUBLISHED,
					  &f->rec, &f->w.sink, &f->err),
			 0);
	/* The JSON and the two optional files asked for, nothing else. */
	assert_int_equal(reads, 3);
	assert_string_equal(f->rec.description, "from the message");
	assert_int_equal(f->rec.n_dyads, 1);
	assert_null(f->rec.dyads[0].fix_version);
	tt_cve_record_free(&f->rec);
	assert_int_equal(tt_cve_load_from(f->p, &src, "CVE-2024-0008", TT_CVE_HAS_ALL,
					  TT_CVE_PUBLISHED, &f->rec, &f->w.sink, &f->err),
			 -ENOENT);
	assert_non_null(strstr(f->err.msg, "mem/CVE-2024-0008.json"));
}

static void test_list_dir_groups_files_by_id_in_numeric_order(void **state)
{
	struct fx *f = *state;
	struct tt_cve_dir_entry *e;
	size_t n;
	assert_int_equal(tt_cve_list_dir(f->published, &e, &n, &f->w.sink, &f->err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].id, "CVE-2024-9999");
	assert_int_equal(e[0].files, TT_CVE_HAS_JSON);
	assert_string_equal(e[1].id, "CVE-2024-10000");
	assert_int_equal(e[1].files, TT_CVE_HAS_JSON | TT_CVE_HAS_SHA1);
	assert_string_equal(e[2].id, "CVE-2024-26581");
	assert_int_equal(e[2].files, TT_CVE_HAS_ALL);
	/* A .cvss left behind without its record is reported, not listed. */
	assert_int_equal(f->w.msgs.n, 1);
	assert_true(warned(&f->w, "CVE-2024-55555 has files but no .json"));
	free(e);
	assert_int_equal(tt_cve_list_dir("/nonexistent/dir", &e, &n, NULL, &f->err), -ENOENT);
	assert_non_null(strstr(f->err.msg, "/nonexistent/dir"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_load_dir_reads_every_file_of_a_cve, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_load_dir_message_overrides_description, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_load_dir_cvss_file_overrides_json_metrics, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_load_dir_files_opens_only_the_listed_files, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_load_dir_missing_json_is_an_error_naming_the_path,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_dir_bad_optional_file_is_a_warning, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_load_dir_rejected_directory_sets_the_state, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_load_dir_record_with_another_id_warns, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_load_dir_switches_directories_with_one_parser,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_from_reads_through_any_source, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_list_dir_groups_files_by_id_in_numeric_order,
					    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
