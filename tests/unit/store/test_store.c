// SPDX-License-Identifier: GPL-2.0-or-later
/* The store: schema, writing and reading CNA records, filters, transactions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/store.h"
#include "tuxtape/util.h"

struct fixture {
	char dir[64];
	char *path;
	struct tt_store *s;
};

static int setup(void **state)
{
	struct fixture *f = tt_xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/tt-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = tt_xasprintf("%s/store.db", f->dir);
	struct tt_error err = {0};
	assert_int_equal(tt_store_open(f->path, &f->s, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tt_store_close(f->s);
	char *cmd = tt_xasprintf("rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->path);
	free(f);
	return 0;
}

static struct tt_dyad dyad(const char *vv, const char *fv)
{
	return (struct tt_dyad){
	    .vuln_version = vv ? tt_xstrdup(vv) : NULL,
	    .vuln_commit = vv ? tt_xstrdup("1111111111111111111111111111111111111111") : NULL,
	    .fix_version = fv ? tt_xstrdup(fv) : NULL,
	    .fix_commit = fv ? tt_xstrdup("2222222222222222222222222222222222222222") : NULL,
	};
}

/* A small record like the kernel CNA's: two dyad pairs, one never fixed. */
static void make_record(struct tt_cve_record *rec, const char *id, const char *file)
{
	tt_cve_record_init(rec);
	snprintf(rec->id, sizeof(rec->id), "%s", id);
	rec->description = tt_xstrdup("In the Linux kernel, the following vulnerability has been "
				      "resolved:\n\nnet: fix a \"quoted\" thing\n\nDetails.");
	tt_strv_push(&rec->program_files, file);
	tt_strv_push(&rec->fix_commits, "2222222222222222222222222222222222222222");
	tt_strv_push(&rec->references, "https://git.kernel.org/stable/c/2222222222222222");
	rec->n_dyads = 2;
	rec->dyads = tt_xcalloc(2, sizeof(*rec->dyads));
	rec->dyads[0] = dyad("6.1.43", "6.1.78");
	rec->dyads[1] = dyad(NULL, NULL);
	rec->dyads[1].vuln_version = tt_xstrdup("6.4.8");
	rec->n_affected = 1;
	rec->affected = tt_xcalloc(1, sizeof(*rec->affected));
	rec->affected[0].vendor = tt_xstrdup("Linux");
	rec->affected[0].default_status = tt_xstrdup("unaffected");
	tt_strv_push(&rec->affected[0].program_files, file);
	rec->affected[0].n_versions = 1;
	rec->affected[0].versions = tt_xcalloc(1, sizeof(struct tt_affected_version));
	const char *fields[TT_AV_FIELDS] = {"6.1.43", "6.1.78", NULL, "affected",
					    "semver\n\"odd\""};
	size_t lens[TT_AV_FIELDS];
	for (int i = 0; i < TT_AV_FIELDS; i++)
		lens[i] = fields[i] ? strlen(fields[i]) : 0;
	tt_affected_version_set(&rec->affected[0].versions[0], fields, lens);
	rec->has_cvss = true;
	rec->cvss.vector = tt_xstrdup("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H");
	rec->cvss.base_score = 7.8;
	rec->cvss.severity = "HIGH";
}

static void put(struct tt_store *s, const char *id, const char *file)
{
	struct tt_cve_record rec;
	struct tt_error err = {0};
	make_record(&rec, id, file);
	assert_int_equal(tt_store_begin(s, &err), 0);
	assert_int_equal(tt_store_cve_put(s, &rec, &err), 0);
	assert_int_equal(tt_store_commit(s, &err), 0);
	tt_cve_record_free(&rec);
}

static void test_record_round_trips_through_the_store(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-26581", "net/netfilter/nft_set_rbtree.c");
	struct tt_cve_record rec;
	struct tt_cve_enrichment enr;
	struct tt_error err = {0};
	assert_int_equal(tt_store_cve_get(f->s, "CVE-2024-26581", &rec, &enr, &err), 0);
	assert_string_equal(rec.program_files.v[0], "net/netfilter/nft_set_rbtree.c");
	assert_int_equal(rec.n_dyads, 2);
	assert_string_equal(rec.dyads[0].fix_version, "6.1.78");
	assert_null(rec.dyads[1].fix_version);
	assert_int_equal(rec.fix_commits.n, 1);
	assert_int_equal(rec.references.n, 1);
	assert_int_equal(rec.n_affected, 1);
	assert_int_equal(rec.affected[0].n_versions, 1);
	assert_string_equal(rec.affected[0].versions[0].less_than, "6.1.78");
	/* Characters JSON must escape survive the round trip. */
	assert_string_equal(rec.affected[0].versions[0].version_type, "semver\n\"odd\"");
	assert_null(rec.affected[0].versions[0].less_than_or_equal);
	assert_true(rec.has_cvss);
	assert_string_equal(rec.cvss.severity, "HIGH");
	assert_false(enr.kev);
	tt_cve_record_free(&rec);
	tt_cve_enrichment_free(&enr);
}

static void test_put_replaces_the_previous_version(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0001", "fs/a.c");
	put(f->s, "CVE-2024-0001", "fs/b.c");
	struct tt_cve_record rec;
	struct tt_error err = {0};
	assert_int_equal(tt_store_cve_get(f->s, "CVE-2024-0001", &rec, NULL, &err), 0);
	assert_int_equal(rec.program_files.n, 1);
	assert_string_equal(rec.program_files.v[0], "fs/b.c");
	assert_int_equal(rec.n_dyads, 2);
	tt_cve_record_free(&rec);
}

/* What a sync relies on: a record that did not change costs no write, and a
 * change to one part rewrites that part and the row that carries its digest. */
static void test_put_encoded_rewrites_only_what_changed(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0005", "fs/a.c");
	struct tt_cve_record rec;
	struct tt_cve_stored old;
	struct tt_error err = {0};
	bool unchanged = false;
	make_record(&rec, "CVE-2024-0005", "fs/a.c");
	assert_int_equal(tt_store_cve_stored(f->s, rec.id, &old, &err), 0);
	assert_true(old.exists);
	assert_int_equal(strlen(old.digest_row), 64);
	struct tt_cve_encoded *enc = tt_cve_encode(&rec);
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	assert_int_equal(tt_store_cve_put_encoded(f->s, &rec, enc, &old, &unchanged, &err), 0);
	assert_true(unchanged);
	tt_cve_encoded_free(enc);
	/* A new fix version on one dyad: not unchanged, and read back as written. */
	free(rec.dyads[0].fix_version);
	rec.dyads[0].fix_version = tt_xstrdup("6.1.79");
	enc = tt_cve_encode(&rec);
	assert_int_equal(tt_store_cve_put_encoded(f->s, &rec, enc, &old, &unchanged, &err), 0);
	assert_false(unchanged);
	assert_int_equal(tt_store_commit(f->s, &err), 0);
	tt_cve_encoded_free(enc);
	tt_cve_record_free(&rec);
	assert_int_equal(tt_store_cve_get(f->s, "CVE-2024-0005", &rec, NULL, &err), 0);
	assert_int_equal(rec.n_dyads, 2);
	assert_string_equal(rec.dyads[0].fix_version, "6.1.79");
	assert_int_equal(rec.n_affected, 1);
	assert_int_equal(rec.program_files.n, 1);
	tt_cve_record_free(&rec);
	struct tt_cve_stored now;
	assert_int_equal(tt_store_cve_stored(f->s, "CVE-2024-0005", &now, &err), 0);
	assert_string_not_equal(now.digest_dyads, old.digest_dyads);
	assert_string_equal(now.digest_blocks, old.digest_blocks);
}

static void test_unknown_id_is_enoent_with_a_hint(void **state)
{
	struct fixture *f = *state;
	struct tt_cve_record rec;
	struct tt_error err = {0};
	assert_int_equal(tt_store_cve_get(f->s, "CVE-2099-9999", &rec, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "CVE-2099-9999"));
	assert_non_null(strstr(err.msg, "cve sync"));
}

static void test_rollback_leaves_the_store_unchanged(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0002", "mm/x.c");
	struct tt_cve_record rec;
	struct tt_error err = {0};
	make_record(&rec, "CVE-2024-0003", "mm/y.c");
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	assert_int_equal(tt_store_cve_put(f->s, &rec, &err), 0);
	assert_int_equal(tt_store_cve_delete(f->s, "CVE-2024-0002", &err), 0);
	tt_store_rollback(f->s);
	tt_cve_record_free(&rec);
	bool exists;
	enum tt_cve_state st;
	assert_int_equal(tt_store_cve_state(f->s, "CVE-2024-0002", &exists, &st, &err), 0);
	assert_true(exists);
	assert_int_equal(tt_store_cve_state(f->s, "CVE-2024-0003", &exists, &st, &err), 0);
	assert_false(exists);
}

struct collected {
	struct tt_strv ids;
};

static int collect(void *ctx, const struct tt_cve_summary *c)
{
	tt_strv_push(&((struct collected *)ctx)->ids, c->id);
	return 0;
}

static size_t list_count(struct tt_store *s, const struct tt_cve_query *q, const char *first)
{
	struct collected c = {TT_STRV_INIT};
	struct tt_error err = {0};
	assert_int_equal(tt_store_cve_list(s, q, collect, &c, &err), 0);
	if (first && c.ids.n)
		assert_string_equal(c.ids.v[0], first);
	size_t n = c.ids.n;
	tt_strv_free(&c.ids);
	return n;
}

static void test_list_filters_combine(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0010", "net/core/dev.c");
	put(f->s, "CVE-2024-0011", "fs/ext4/inode.c");
	struct tt_error err = {0};
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	assert_int_equal(tt_store_cve_first_seen(f->s, "CVE-2024-0010", 1700000000, "c1", &err), 0);
	assert_int_equal(tt_store_cve_first_seen(f->s, "CVE-2024-0011", 1710000000, "c2", &err), 0);
	/* A later commit does not move the first publication date. */
	assert_int_equal(tt_store_cve_first_seen(f->s, "CVE-2024-0011", 1720000000, "c3", &err), 0);
	struct tt_store_kev kev = {.cve_id = "CVE-2024-0010", .date_added = "2024-05-30"};
	assert_int_equal(tt_store_kev_put(f->s, &kev, &err), 0);
	assert_int_equal(tt_store_commit(f->s, &err), 0);

	struct tt_cve_query q;
	tt_cve_query_init(&q);
	assert_int_equal(list_count(f->s, &q, "CVE-2024-0011"), 2); /* newest first */
	q.file_glob = "net/*";
	assert_int_equal(list_count(f->s, &q, "CVE-2024-0010"), 1);
	q.file_glob = NULL;
	q.kev_only = true;
	assert_int_equal(list_count(f->s, &q, "CVE-2024-0010"), 1);
	q.kev_only = false;
	q.since = 1705000000;
	assert_int_equal(list_count(f->s, &q, "CVE-2024-0011"), 1);
	q.since = 0;
	q.branch = "6.1";
	assert_int_equal(list_count(f->s, &q, NULL), 2);
	q.branch = "6.4"; /* the never-fixed pair's branch */
	assert_int_equal(list_count(f->s, &q, NULL), 2);
	q.branch = "5.10";
	assert_int_equal(list_count(f->s, &q, NULL), 0);
	q.branch = NULL;
	q.fixed_in = "6.1.78";
	assert_int_equal(list_count(f->s, &q, NULL), 2);
	q.fixed_in = NULL;
	q.min_cvss = 8.0;
	assert_int_equal(list_count(f->s, &q, NULL), 0);
	q.min_cvss = 7.8;
	assert_int_equal(list_count(f->s, &q, NULL), 2);
}

static void test_newer_schema_is_refused(void **state)
{
	struct fixture *f = *state;
	tt_store_close(f->s);
	f->s = NULL;
	sqlite3 *h;
	assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
				      "UPDATE meta SET value = '999' WHERE key = "
				      "'schema.version'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	struct tt_error err = {0};
	assert_int_equal(tt_store_open(f->path, &f->s, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "newer"));
	assert_null(f->s);
	/* Leave a store for the teardown to close. */
	char *other = tt_xasprintf("%s/other.db", f->dir);
	assert_int_equal(tt_store_open(other, &f->s, &err), 0);
	free(other);
}

static void test_postgresql_location_says_it_is_not_available(void **state)
{
	struct tt_store *s = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_store_open("postgresql://localhost/tuxtape", &s, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "PostgreSQL"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_record_round_trips_through_the_store, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_put_replaces_the_previous_version, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_put_encoded_rewrites_only_what_changed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_id_is_enoent_with_a_hint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_leaves_the_store_unchanged, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_list_filters_combine, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
	    cmocka_unit_test(test_postgresql_location_says_it_is_not_available),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
