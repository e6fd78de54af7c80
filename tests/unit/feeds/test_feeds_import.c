// SPDX-License-Identifier: GPL-2.0-or-later
#include <unistd.h>
#include <zlib.h>

#include "feeds_test.h"

static void test_detect_names_each_fixture_kind(void **state)
{
	static const struct {
		const char *name;
		enum tt_feed_kind kind;
	} cases[] = {
	    {"kev_small.json", TT_FEED_KEV},
	    {"kev_broken_entries.json", TT_FEED_KEV},
	    {"vr_ssvc_cvss_kev.json", TT_FEED_VULNRICHMENT},
	    {"vr_rejected.json", TT_FEED_VULNRICHMENT},
	    {"epss_small.csv", TT_FEED_EPSS},
	    {"epss_small.csv.gz", TT_FEED_EPSS},
	    {"epss_old_crlf.csv", TT_FEED_EPSS},
	    {"nvd_single.json", TT_FEED_NVD},
	    {"nvd_page.json", TT_FEED_NVD},
	    {"nvd_feed.json", TT_FEED_NVD},
	    {"epss_not_csv.txt", TT_FEED_UNKNOWN},
	    {"kev_not_catalog.json", TT_FEED_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f = fixture_load(cases[i].name);
		enum tt_feed_kind k = tt_feed_detect(f.text, f.len);
		if (k != cases[i].kind)
			fail_msg("%s detected as %s", cases[i].name, tt_feed_kind_name(k));
		fixture_free(&f);
	}
	assert_int_equal(tt_feed_detect(NULL, 0), TT_FEED_UNKNOWN);
	assert_int_equal(tt_feed_detect("", 0), TT_FEED_UNKNOWN);
	/* A key that only appears inside a string value does not count. */
	const char *tricky = "{\"note\": \"the \\\"cveID\\\": field\", \"vulnStatus\" : \"x\"}";
	assert_int_equal(tt_feed_detect(tricky, strlen(tricky)), TT_FEED_NVD);
}

static void test_kind_names_round_trip(void **state)
{
	for (int k = TT_FEED_KEV; k <= TT_FEED_NVD; k++) {
		enum tt_feed_kind back;
		assert_int_equal(tt_feed_kind_from_name(tt_feed_kind_name(k), &back), 0);
		assert_int_equal(back, k);
	}
	enum tt_feed_kind k;
	assert_int_equal(tt_feed_kind_from_name("SSVC", &k), 0);
	assert_int_equal(k, TT_FEED_VULNRICHMENT);
	assert_int_equal(tt_feed_kind_from_name("osv", &k), -EINVAL);
	assert_string_equal(tt_feed_kind_name((enum tt_feed_kind)42), "unknown");
}

struct counts {
	int kev, vr, epss, nvd;
};

static int on_kev(void *ctx, const struct tt_kev_entry *e)
{
	((struct counts *)ctx)->kev++;
	return 0;
}

static int on_vr(void *ctx, const struct tt_vulnrichment_entry *e)
{
	((struct counts *)ctx)->vr++;
	return 0;
}

static int on_epss(void *ctx, const struct tt_epss_entry *e)
{
	((struct counts *)ctx)->epss++;
	return 0;
}

static int on_nvd(void *ctx, const struct tt_nvd_entry *e)
{
	((struct counts *)ctx)->nvd++;
	return 0;
}

static int import(const char *source, enum tt_feed_kind kind, struct counts *c,
		  struct tt_feed_result *r, struct tt_error *err)
{
	struct tt_feed_handlers h = {on_kev, on_vr, on_epss, on_nvd, c};
	return tt_feed_import(source, kind, &h, r, NULL, err);
}

static void test_import_detects_the_kind_of_each_source(void **state)
{
	static const struct {
		const char *name;
		enum tt_feed_kind kind;
		size_t entries;
	} cases[] = {
	    {"kev_small.json", TT_FEED_KEV, 3},	  {"vr_ssvc_only.json", TT_FEED_VULNRICHMENT, 1},
	    {"vr_tree", TT_FEED_VULNRICHMENT, 3}, {"epss_small.csv.gz", TT_FEED_EPSS, 5},
	    {"nvd_page.json", TT_FEED_NVD, 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = fixture_path(cases[i].name);
		struct counts c = {0};
		struct tt_feed_result r;
		struct tt_error err = {0};
		if (import(path, TT_FEED_UNKNOWN, &c, &r, &err) != 0)
			fail_msg("%s: %s", cases[i].name, err.msg);
		assert_int_equal(r.kind, cases[i].kind);
		assert_int_equal(r.n_entries, cases[i].entries);
		assert_int_equal(c.kev + c.vr + c.epss + c.nvd, (int)cases[i].entries);
		free(path);
	}
}

static void test_import_vulnrichment_file_counts_ssvc(void **state)
{
	char *path = fixture_path("vr_ssvc_cvss_kev.json");
	struct tt_feed_result r;
	struct tt_error err = {0};
	assert_int_equal(tt_feed_import(path, TT_FEED_UNKNOWN, NULL, &r, NULL, &err), 0);
	assert_int_equal(r.vulnrichment.n_files, 1);
	assert_int_equal(r.vulnrichment.n_with_ssvc, 1);
	assert_int_equal(r.vulnrichment.n_with_cvss, 1);
	free(path);
}

static void test_import_with_the_wrong_kind_is_an_error(void **state)
{
	char *kev = fixture_path("kev_small.json");
	char *tree = fixture_path("vr_tree");
	char *garbage = fixture_path("epss_not_csv.txt");
	struct counts c = {0};
	struct tt_error err = {0};
	assert_int_equal(import(kev, TT_FEED_NVD, &c, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not NVD"));
	assert_int_equal(import(tree, TT_FEED_KEV, &c, NULL, &err), -EISDIR);
	assert_int_equal(import(garbage, TT_FEED_UNKNOWN, &c, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "cannot tell which feed"));
	assert_int_equal(import("/nonexistent/feed.json", TT_FEED_UNKNOWN, &c, NULL, &err),
			 -ENOENT);
	assert_int_equal(c.kev + c.vr + c.epss + c.nvd, 0);
	free(kev);
	free(tree);
	free(garbage);
}

static char *write_temp(const void *data, size_t len)
{
	char *path = tt_xstrdup("/tmp/tt-feeds-import-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static size_t gzip_bytes(const char *in, size_t len, unsigned char *out, size_t cap)
{
	z_stream zs = {0};
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t n = cap - zs.avail_out;
	deflateEnd(&zs);
	return n;
}

static void test_import_inflates_a_gzipped_json_feed(void **state)
{
	struct fixture f = fixture_load("kev_small.json");
	unsigned char gz[8192];
	size_t n = gzip_bytes(f.text, f.len, gz, sizeof(gz));
	char *path = write_temp(gz, n);
	struct counts c = {0};
	struct tt_feed_result r;
	struct tt_error err = {0};
	assert_int_equal(tt_feed_detect((const char *)gz, n), TT_FEED_KEV);
	assert_int_equal(import(path, TT_FEED_UNKNOWN, &c, &r, &err), 0);
	assert_int_equal(r.kind, TT_FEED_KEV);
	assert_int_equal(c.kev, 3);
	unlink(path);
	free(path);
	fixture_free(&f);
}

static void test_import_refuses_archives_with_advice(void **state)
{
	char xz[64] = "\xFD"
		      "7zXZ";
	char *xz_path = write_temp(xz, sizeof(xz));
	char tar[1024] = "2024/";
	memcpy(tar + 257, "ustar", 5);
	char *tar_path = write_temp(tar, sizeof(tar));
	struct tt_error err = {0};
	assert_int_equal(tt_feed_import(xz_path, TT_FEED_UNKNOWN, NULL, NULL, NULL, &err),
			 -ENOTSUP);
	assert_non_null(strstr(err.msg, "xz-compressed"));
	assert_non_null(strstr(err.msg, "tar -xJf"));
	assert_int_equal(tt_feed_import(tar_path, TT_FEED_VULNRICHMENT, NULL, NULL, NULL, &err),
			 -ENOTSUP);
	assert_non_null(strstr(err.msg, "tar archive"));
	unsigned char gz[1024];
	size_t n = gzip_bytes(tar, sizeof(tar), gz, sizeof(gz));
	char *tgz_path = write_temp(gz, n);
	assert_int_equal(tt_feed_import(tgz_path, TT_FEED_UNKNOWN, NULL, NULL, NULL, &err),
			 -ENOTSUP);
	assert_non_null(strstr(err.msg, "tar archive"));
	unlink(xz_path);
	unlink(tar_path);
	unlink(tgz_path);
	free(xz_path);
	free(tar_path);
	free(tgz_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_detect_names_each_fixture_kind),
	    cmocka_unit_test(test_kind_names_round_trip),
	    cmocka_unit_test(test_import_detects_the_kind_of_each_source),
	    cmocka_unit_test(test_import_vulnrichment_file_counts_ssvc),
	    cmocka_unit_test(test_import_with_the_wrong_kind_is_an_error),
	    cmocka_unit_test(test_import_inflates_a_gzipped_json_feed),
	    cmocka_unit_test(test_import_refuses_archives_with_advice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
