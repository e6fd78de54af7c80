// SPDX-License-Identifier: GPL-2.0-or-later
#include <zlib.h>

#include "feeds_test.h"

struct epss_seen {
	struct tt_strv rows; /* "LINE:ID:EPSS:PCT" */
};

static int epss_collect(void *ctx, const struct tt_epss_entry *e)
{
	struct epss_seen *s = ctx;
	tt_strv_push_owned(
	    &s->rows, tt_xasprintf("%zu:%s:%.5f:%.5f", e->line, e->cve_id, e->epss, e->percentile));
	return 0;
}

static int parse(const char *data, size_t len, const char *file, struct tt_epss_meta *meta,
		 struct epss_seen *s, struct warnings *w, struct tt_error *err)
{
	return tt_feed_parse_epss(data, len, file, meta, epss_collect, s, w ? &w->sink : NULL, err);
}

static void test_epss_plain_csv_gives_meta_and_rows(void **state)
{
	struct fixture f = fixture_load("epss_small.csv");
	struct epss_seen s = {TT_STRV_INIT};
	struct tt_epss_meta meta;
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(parse(f.text, f.len, f.path, &meta, &s, &w, &err), 0);
	assert_int_equal(w.msgs.n, 0);
	assert_string_equal(meta.model_version, "v2025.03.14");
	assert_string_equal(meta.score_date, "2026-08-16T00:00:00+0000");
	assert_int_equal(meta.score_time, 1786838400);
	assert_int_equal(meta.n_entries, 5);
	assert_int_equal(meta.n_skipped, 0);
	assert_string_equal(s.rows.v[0], "3:CVE-1999-0001:0.03351:0.87650");
	assert_string_equal(s.rows.v[1], "4:CVE-2024-1086:0.84720:0.99341");
	assert_string_equal(s.rows.v[4], "7:CVE-2026-9999:0.00225:0.13466");
	tt_strv_free(&s.rows);
	warnings_free(&w);
	fixture_free(&f);
}

static void test_epss_gzip_gives_the_same_rows_as_plain(void **state)
{
	struct fixture plain = fixture_load("epss_small.csv");
	struct fixture gz = fixture_load("epss_small.csv.gz");
	struct epss_seen a = {TT_STRV_INIT}, b = {TT_STRV_INIT};
	struct tt_epss_meta ma, mb;
	struct tt_error err = {0};
	assert_int_equal(parse(plain.text, plain.len, plain.path, &ma, &a, NULL, &err), 0);
	assert_int_equal(parse(gz.text, gz.len, gz.path, &mb, &b, NULL, &err), 0);
	assert_int_equal(a.rows.n, b.rows.n);
	for (size_t i = 0; i < a.rows.n; i++)
		assert_string_equal(a.rows.v[i], b.rows.v[i]);
	assert_string_equal(ma.model_version, mb.model_version);
	assert_int_equal(ma.score_time, mb.score_time);
	tt_strv_free(&a.rows);
	tt_strv_free(&b.rows);
	fixture_free(&plain);
	fixture_free(&gz);
}

static void test_epss_concatenated_gzip_members_are_one_stream(void **state)
{
	struct fixture gz = fixture_load("epss_small.csv.gz");
	/* Second member: more rows, with no header, split mid-way through a line. */
	const char *tail = "CVE-2027-0001,0.5,0.5\n";
	uLongf cap = 256;
	unsigned char member[256];
	z_stream zs = {0};
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (Bytef *)tail;
	zs.avail_in = (uInt)strlen(tail);
	zs.next_out = member;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t mlen = cap - zs.avail_out;
	deflateEnd(&zs);
	struct tt_buf both = TT_BUF_INIT;
	tt_buf_add(&both, gz.text, gz.len);
	tt_buf_add(&both, member, mlen);
	struct epss_seen s = {TT_STRV_INIT};
	struct tt_error err = {0};
	assert_int_equal(parse(both.buf, both.len, "both.gz", NULL, &s, NULL, &err), 0);
	assert_int_equal(s.rows.n, 6);
	assert_string_equal(s.rows.v[5], "8:CVE-2027-0001:0.50000:0.50000");
	tt_strv_free(&s.rows);
	tt_buf_free(&both);
	fixture_free(&gz);
}

static void test_epss_truncated_gzip_is_an_error_after_the_good_rows(void **state)
{
	struct fixture f = fixture_load("epss_truncated.csv.gz");
	struct epss_seen s = {TT_STRV_INIT};
	struct tt_error err = {0};
	assert_int_equal(parse(f.text, f.len, f.path, NULL, &s, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "epss_truncated.csv.gz"));
	assert_non_null(strstr(err.msg, "gzip"));
	tt_strv_free(&s.rows);
	fixture_free(&f);
}

static void test_epss_old_format_with_crlf_and_no_percentile(void **state)
{
	struct fixture f = fixture_load("epss_old_crlf.csv");
	struct epss_seen s = {TT_STRV_INIT};
	struct tt_epss_meta meta;
	struct tt_error err = {0};
	assert_int_equal(parse(f.text, f.len, f.path, &meta, &s, NULL, &err), 0);
	assert_string_equal(meta.model_version, "");
	assert_int_equal(meta.score_time, 0);
	assert_int_equal(s.rows.n, 2);
	assert_string_equal(s.rows.v[0], "2:CVE-2021-44228:0.97556:-1.00000");
	tt_strv_free(&s.rows);
	fixture_free(&f);
}

static void test_epss_bad_rows_are_warned_with_line_numbers(void **state)
{
	struct fixture f = fixture_load("epss_broken_rows.csv");
	struct epss_seen s = {TT_STRV_INIT};
	struct tt_epss_meta meta;
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(parse(f.text, f.len, f.path, &meta, &s, &w, &err), 0);
	warnings_dump(&w);
	assert_int_equal(meta.n_entries, 3);
	assert_int_equal(meta.n_skipped, 4);
	assert_string_equal(s.rows.v[0], "3:CVE-2024-1086:0.84720:0.99340");
	assert_string_equal(s.rows.v[1], "8:CVE-2024-26584:0.10000:0.20000");
	/* The last line has no newline and still counts. */
	assert_string_equal(s.rows.v[2], "10:CVE-2024-26585:0.25000:0.75000");
	assert_int_equal(
	    warnings_count(&w, "epss_broken_rows.csv:4:", "CVE-2024-1", "bad CVE id", NULL), 1);
	assert_int_equal(warnings_count(&w, ":5:", "CVE-2024-26581", "epss", NULL), 1);
	assert_int_equal(warnings_count(&w, ":6:", "CVE-2024-26582", NULL), 1);
	assert_int_equal(warnings_count(&w, ":7:", "CVE-2024-26583", "number of fields", NULL), 1);
	tt_strv_free(&s.rows);
	warnings_free(&w);
	fixture_free(&f);
}

static void test_epss_rejects_input_that_is_not_epss(void **state)
{
	const char *names[] = {"epss_not_csv.txt", "kev_small.json"};
	for (size_t i = 0; i < 2; i++) {
		struct fixture f = fixture_load(names[i]);
		struct epss_seen s = {TT_STRV_INIT};
		struct tt_error err = {0};
		assert_int_equal(parse(f.text, f.len, f.path, NULL, &s, NULL, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "not an EPSS CSV"));
		assert_non_null(strstr(err.msg, names[i]));
		assert_int_equal(s.rows.n, 0);
		fixture_free(&f);
	}
	struct tt_error err = {0};
	assert_int_equal(tt_feed_parse_epss("", 0, "empty.csv", NULL, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "no \"cve,epss,percentile\" header"));
	assert_int_equal(
	    tt_feed_parse_epss("#model_version:x\n", 17, NULL, NULL, NULL, NULL, NULL, &err),
	    -EINVAL);
}

static void test_epss_overlong_line_is_skipped_without_growing(void **state)
{
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_adds(&b, "cve,epss,percentile\n");
	for (int i = 0; i < 10000; i++)
		tt_buf_addc(&b, 'x');
	tt_buf_adds(&b, "\nCVE-2024-0001,0.1,0.2\n");
	struct epss_seen s = {TT_STRV_INIT};
	struct tt_epss_meta meta;
	struct warnings w;
	warnings_init(&w);
	struct tt_error err = {0};
	assert_int_equal(parse(b.buf, b.len, "long.csv", &meta, &s, &w, &err), 0);
	assert_int_equal(meta.n_skipped, 1);
	assert_int_equal(s.rows.n, 1);
	assert_int_equal(warnings_count(&w, "long.csv:2:", "longer than", NULL), 1);
	tt_strv_free(&s.rows);
	warnings_free(&w);
	tt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_epss_plain_csv_gives_meta_and_rows),
	    cmocka_unit_test(test_epss_gzip_gives_the_same_rows_as_plain),
	    cmocka_unit_test(test_epss_concatenated_gzip_members_are_one_stream),
	    cmocka_unit_test(test_epss_truncated_gzip_is_an_error_after_the_good_rows),
	    cmocka_unit_test(test_epss_old_format_with_crlf_and_no_percentile),
	    cmocka_unit_test(test_epss_bad_rows_are_warned_with_line_numbers),
	    cmocka_unit_test(test_epss_rejects_input_that_is_not_epss),
	    cmocka_unit_test(test_epss_overlong_line_is_skipped_without_growing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
