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

#include "pg_testdb.h"
#include "tuxtape/store.h"
#include "tuxtape/util.h"

/* Set once in main: the same tests run on SQLite, or on PostgreSQL with --postgresql. */
static bool use_pg;

struct fixture {
	char dir[64];
	char *location; /* a SQLite file, or a postgresql:// URL using schema */
	char *schema;
	struct tt_store *s;
};

static int setup(void **state)
{
	struct fixture *f = tt_xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/tt-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->location = use_pg ? pgt_new_store(&f->schema) : tt_xasprintf("%s/store.db", f->dir);
	struct tt_error err = {0};
	int r = tt_store_open(f->location, &f->s, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tt_store_close(f->s);
	if (f->schema)
		pgt_drop(f->schema);
	char *cmd = tt_xasprintf("rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->location);
	free(f);
	return 0;
}

/* Change the store behind its back: with the sqlite3 library, or libpq in its schema. */
static void run_sql(struct fixture *f, const char *sql)
{
	if (use_pg) {
		pgt_exec(f->schema, sql);
		return;
	}
	sqlite3 *h;
	assert_int_equal(sqlite3_open(f->location, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
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
	assert_int_equal(strlen(old.digest_row), 32); /* XXH3-128 in hex */
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

/*
 * Digests are compared with those stored by earlier versions: the same record
 * must keep the same digests whatever the hashing code's internals (values
 * pinned from the version that hashed field by field), with a description
 * and rationale long enough to bypass any buffering.
 */
static void put_and_read_digests(struct tt_store *s, const struct tt_cve_record *rec,
				 struct tt_cve_stored *st)
{
	struct tt_error err = {0};
	assert_int_equal(tt_store_begin(s, &err), 0);
	assert_int_equal(tt_store_cve_put(s, rec, &err), 0);
	assert_int_equal(tt_store_commit(s, &err), 0);
	assert_int_equal(tt_store_cve_stored(s, rec->id, st, &err), 0);
}

static void test_digests_stay_what_earlier_versions_stored(void **state)
{
	struct fixture *f = *state;
	struct tt_cve_record rec;
	struct tt_cve_stored st;
	make_record(&rec, "CVE-2024-0007", "fs/a.c");
	put_and_read_digests(f->s, &rec, &st);
	assert_string_equal(st.digest_row, "1c78eaacfd3613634804c4dc9fcb707c");
	assert_string_equal(st.digest_dyads, "83a28af4abacd00ec9a43ac1fda1ff3e");
	assert_string_equal(st.digest_blocks, "97150a9f11c34a9b7895d44a22f4d821");
	struct tt_buf long_text = TT_BUF_INIT;
	for (int i = 0; i < 40; i++)
		tt_buf_addf(&long_text, "line %d of a long description, ", i);
	free(rec.description);
	rec.description = tt_xstrdup(tt_buf_str(&long_text));
	rec.cvss.rationale = tt_buf_detach(&long_text);
	rec.date_reserved = 1714471200;
	rec.date_updated = -5; /* nothing sets one, but it must hash as before */
	put_and_read_digests(f->s, &rec, &st);
	assert_string_equal(st.digest_row, "a3dadb93cec133505dfce514be73c244");
	tt_cve_record_free(&rec);
}

/* A store written before the digests were XXH3 holds SHA-256 ones: every
 * record then counts as changed once and is rewritten, none is kept stale. */
static void test_an_older_digest_means_changed(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0006", "fs/a.c");
	struct tt_cve_record rec;
	struct tt_cve_stored old;
	struct tt_error err = {0};
	bool unchanged = true;
	make_record(&rec, "CVE-2024-0006", "fs/a.c");
	assert_int_equal(tt_store_cve_stored(f->s, rec.id, &old, &err), 0);
	static const char sha256_hex[] =
	    "5b6fc1a83b7ef5b55f0e1b5a4f5c9f3d1ad0c5e3e1b1b6d1c4a6a0e3b7d9f2c1";
	memcpy(old.digest_row, sha256_hex, sizeof(sha256_hex));
	memcpy(old.digest_dyads, sha256_hex, sizeof(sha256_hex));
	memcpy(old.digest_blocks, sha256_hex, sizeof(sha256_hex));
	struct tt_cve_encoded *enc = tt_cve_encode(&rec);
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	assert_int_equal(tt_store_cve_put_encoded(f->s, &rec, enc, &old, &unchanged, &err), 0);
	assert_false(unchanged);
	assert_int_equal(tt_store_commit(f->s, &err), 0);
	tt_cve_encoded_free(enc);
	tt_cve_record_free(&rec);
	struct tt_cve_stored now;
	assert_int_equal(tt_store_cve_stored(f->s, "CVE-2024-0006", &now, &err), 0);
	assert_int_equal(strlen(now.digest_row), 32);
	assert_int_equal(tt_store_cve_get(f->s, "CVE-2024-0006", &rec, NULL, &err), 0);
	assert_int_equal(rec.n_dyads, 2);
	tt_cve_record_free(&rec);
}

static size_t list_count(struct tt_store *s, const struct tt_cve_query *q, const char *first);

/* Back to schema 7's dyad storage: its own table, no columns in cve. */
#define UNDO_INLINE_DYADS                                                                          \
	"ALTER TABLE cve DROP COLUMN dyads; ALTER TABLE cve DROP COLUMN dyad_branches;"            \
	"ALTER TABLE cve DROP COLUMN dyad_count;"                                                  \
	"CREATE TABLE cve_dyad (cve_id TEXT NOT NULL, seq INTEGER NOT NULL, branch TEXT NOT NULL," \
	" vuln_version TEXT, vuln_commit TEXT, fix_version TEXT, fix_commit TEXT,"                 \
	" PRIMARY KEY (cve_id, seq));"

/*
 * Upgrading a schema 7 store moves each CVE's cve_dyad rows, in order, into
 * its row: read back the same, found by --branch and --fixed-in, counted.
 */
static void test_an_upgrade_moves_the_dyad_rows_into_the_cve_row(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0008", "fs/a.c");
	put(f->s, "CVE-2024-0009", "fs/b.c");
	tt_store_close(f->s);
	f->s = NULL;
	run_sql(f,
		"UPDATE meta SET value = '7' WHERE key = 'schema.version';" UNDO_INLINE_DYADS
		"INSERT INTO cve_dyad VALUES"
		" ('CVE-2024-0008', 0, '6.1', '6.1.43', '1111111111111111111111111111111111111111',"
		"  '6.1.78', '2222222222222222222222222222222222222222'),"
		" ('CVE-2024-0008', 1, '6.4', '6.4.8', '1111111111111111111111111111111111111111',"
		"  NULL, NULL),"
		" ('CVE-2024-0009', 0, '6.1', NULL, NULL, '6.1.78', "
		"  '3333333333333333333333333333333333333333');");
	struct tt_error err = {0};
	int r = tt_store_open(f->location, &f->s, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	struct tt_cve_record rec;
	assert_int_equal(tt_store_cve_get(f->s, "CVE-2024-0008", &rec, NULL, &err), 0);
	assert_int_equal(rec.n_dyads, 2);
	assert_string_equal(rec.dyads[0].vuln_version, "6.1.43");
	assert_string_equal(rec.dyads[0].fix_commit, "2222222222222222222222222222222222222222");
	assert_string_equal(rec.dyads[1].vuln_version, "6.4.8");
	assert_null(rec.dyads[1].fix_version);
	assert_null(rec.dyads[1].fix_commit);
	tt_cve_record_free(&rec);
	assert_int_equal(tt_store_cve_get(f->s, "CVE-2024-0009", &rec, NULL, &err), 0);
	assert_int_equal(rec.n_dyads, 1);
	assert_null(rec.dyads[0].vuln_version);
	assert_string_equal(rec.dyads[0].fix_commit, "3333333333333333333333333333333333333333");
	tt_cve_record_free(&rec);
	struct tt_store_counts counts;
	assert_int_equal(tt_store_counts(f->s, &counts, &err), 0);
	assert_int_equal(counts.dyads, 3);
	struct tt_cve_query q;
	tt_cve_query_init(&q);
	q.branch = "6.4";
	assert_int_equal(list_count(f->s, &q, "CVE-2024-0008"), 1);
	q.branch = "6.1";
	assert_int_equal(list_count(f->s, &q, NULL), 2);
}

/* An upgrade that fails partway leaves the store at its old version, whole:
 * from version 4, the 4 -> 5 step succeeds and 5 -> 6 fails, and neither stays. */
static void test_a_failed_migration_changes_nothing(void **state)
{
	struct fixture *f = *state;
	tt_store_close(f->s);
	f->s = NULL;
	run_sql(f, "UPDATE meta SET value = '4' WHERE key = 'schema.version';"
		   "DROP TABLE pipeline_approval; DROP TABLE pipeline_job;"
		   "DROP TABLE patch_revision; DROP TABLE patch_raw; DROP INDEX "
		   "cve_rejected;" UNDO_INLINE_DYADS
		   "CREATE TABLE fleet_operator_token_v6 (x INTEGER);");
	struct tt_error err = {0};
	assert_int_not_equal(tt_store_open(f->location, &f->s, &err), 0);
	assert_non_null(strstr(err.msg, "from version 5 to 6"));
	/* The 4 -> 5 step did not stay: patch_raw, which it creates, is not there. */
	run_sql(f, "CREATE TABLE patch_raw (x INTEGER); DROP TABLE patch_raw;"
		   "DROP TABLE fleet_operator_token_v6;");
	/* So the next open upgrades the store from version 4. */
	err = (struct tt_error){0};
	int r = tt_store_open(f->location, &f->s, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	char *v = NULL;
	assert_int_equal(tt_store_meta_get(f->s, "schema.version", &v, &err), 0);
	char want[16];
	snprintf(want, sizeof(want), "%d", TT_STORE_SCHEMA_VERSION);
	assert_string_equal(v, want);
	free(v);
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
	/* A whole branch, never part of one, a list or a pattern. */
	q.branch = "6";
	assert_int_equal(list_count(f->s, &q, NULL), 0);
	q.branch = "6.1,6.4";
	assert_int_equal(list_count(f->s, &q, NULL), 0);
	q.branch = "6._";
	assert_int_equal(list_count(f->s, &q, NULL), 0);
	q.branch = NULL;
	q.fixed_in = "6.1.78";
	assert_int_equal(list_count(f->s, &q, NULL), 2);
	q.fixed_in = "6.1.7%";
	assert_int_equal(list_count(f->s, &q, NULL), 0);
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
	run_sql(f, "UPDATE meta SET value = '999' WHERE key = 'schema.version'");
	struct tt_error err = {0};
	assert_int_equal(tt_store_open(f->location, &f->s, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "newer"));
	assert_null(f->s);
	/* Back at this version, it opens again (and the teardown has a store to close). */
	char sql[96];
	snprintf(sql, sizeof(sql), "UPDATE meta SET value = '%d' WHERE key = 'schema.version'",
		 TT_STORE_SCHEMA_VERSION);
	run_sql(f, sql);
	assert_int_equal(tt_store_open(f->location, &f->s, &err), 0);
}

/* Keys come back in byte order on every backend: sync merges them with strcmp(). */
static void test_keys_sort_in_byte_order(void **state)
{
	struct fixture *f = *state;
	/* A natural-language collation puts "a_b" first, and "CVE-2024-1000" last. */
	put(f->s, "CVE-2024-1000", "a_b.c");
	put(f->s, "CVE-2024-100", "a/c.c");
	put(f->s, "CVE-2024-10000", "a/c.c");
	struct tt_strv v = TT_STRV_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_store_cve_ids(f->s, &v, &err), 0);
	assert_int_equal(v.n, 3);
	for (size_t i = 1; i < v.n; i++)
		assert_true(strcmp(v.v[i - 1], v.v[i]) < 0);
	tt_strv_free(&v);
	assert_int_equal(tt_store_cve_paths(f->s, &v, &err), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.v[0], "a/c.c");
	tt_strv_free(&v);
}

/* Globs mean what SQLite's GLOB means, whatever the backend spells them as. */
static void test_file_globs_match_like_sqlite_glob(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0020", "net/core/dev.c");
	put(f->s, "CVE-2024-0021", "fs/ext4/inode.c");
	put(f->s, "CVE-2024-0022", "drivers/a.b+c(1)/x^y$.c");
	struct tt_cve_query q;
	tt_cve_query_init(&q);
	static const struct {
		const char *glob;
		size_t n;
	} cases[] = {
	    {"net/*", 1},
	    {"*.c", 3},
	    {"*/core/de?.c", 1},
	    {"[fn]*", 2},
	    {"[^fn]*", 1},
	    {"NET/*", 0},		    /* case-sensitive */
	    {"net/core/dev", 0},	    /* anchored at both ends */
	    {"drivers/a.b+c(1)/x^y$.c", 1}, /* regular-expression characters are literal */
	    {"drivers/a?b+c(1)/*", 1},
	    {"drivers/aXb*", 0},
	    {"fs/ext4/inode%", 0}, /* nor are LIKE's */
	    {"fs/ext_/*", 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		q.file_glob = cases[i].glob;
		if (list_count(f->s, &q, NULL) != cases[i].n)
			fail_msg("glob %s: expected %zu", cases[i].glob, cases[i].n);
	}
}

static void test_a_limit_and_feeds_and_counts(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0030", "mm/a.c");
	put(f->s, "CVE-2024-0031", "mm/b.c");
	struct tt_cve_query q;
	tt_cve_query_init(&q);
	q.limit = 1;
	q.order = TT_ORDER_ID;
	assert_int_equal(list_count(f->s, &q, "CVE-2024-0030"), 1);
	struct tt_error err = {0};
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	struct tt_store_epss e = {.cve_id = "CVE-2024-0031", .score = 0.125, .percentile = 0.5};
	assert_int_equal(tt_store_epss_put(f->s, &e, "2026-01-01", &err), 0);
	e.score = 0.1 + 0.2; /* not exact in decimal: must round-trip bit for bit */
	assert_int_equal(tt_store_epss_put(f->s, &e, "2026-01-02", &err), 0);
	assert_int_equal(tt_store_feed_loaded(f->s, "epss", "file:///x", 1700000000, 1, "v1", &err),
			 0);
	assert_int_equal(tt_store_commit(f->s, &err), 0);
	struct tt_cve_record rec;
	struct tt_cve_enrichment enr;
	assert_int_equal(tt_store_cve_get(f->s, "CVE-2024-0031", &rec, &enr, &err), 0);
	assert_true(enr.epss);
	assert_true(enr.epss_score == 0.1 + 0.2);
	assert_string_equal(enr.epss_date, "2026-01-02");
	tt_cve_record_free(&rec);
	tt_cve_enrichment_free(&enr);
	struct tt_store_counts c;
	assert_int_equal(tt_store_counts(f->s, &c, &err), 0);
	assert_int_equal(c.published, 2);
	assert_int_equal(c.epss, 1);
	assert_int_equal(c.dyads, 4);
	long rows = -1;
	assert_int_equal(tt_store_feed_rows(f->s, "epss", &rows, &err), 0);
	assert_int_equal(rows, 1);
}

/*
 * A failed write fails the transaction, and the rollback every caller does
 * leaves the store as it was. SQLite reports it at once; PostgreSQL sends
 * writes ahead and reports it at the next statement that waits for the
 * server, COMMIT at the latest, naming the statement that failed.
 */
static void test_a_failed_write_fails_the_transaction(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0040", "mm/a.c");
	struct tt_error err = {0};
	struct tt_store_profile p = {.name = "k", .files_mode = "bogus"}; /* fails the CHECK */
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	assert_int_equal(tt_store_cve_delete(f->s, "CVE-2024-0040", &err), 0);
	int r = tt_store_profile_put(f->s, &p, NULL, 0, NULL, 0, &err);
	if (use_pg && r == 0)
		r = tt_store_commit(f->s, &err);
	else
		tt_store_rollback(f->s);
	assert_true(r < 0);
	if (use_pg)
		assert_non_null(strstr(err.msg, "INSERT INTO kernel_profile"));
	else
		assert_non_null(strstr(err.msg, "kernel profile 'k'"));
	assert_true(strstr(err.msg, "CHECK") || strstr(err.msg, "check constraint"));
	bool exists;
	enum tt_cve_state st;
	assert_int_equal(tt_store_cve_state(f->s, "CVE-2024-0040", &exists, &st, &err), 0);
	assert_true(exists);
	/* The store works on: the next transaction commits. */
	put(f->s, "CVE-2024-0041", "mm/b.c");
	assert_int_equal(tt_store_cve_state(f->s, "CVE-2024-0041", &exists, &st, &err), 0);
	assert_true(exists);
}

static int profile_seen(void *ctx, const struct tt_store_profile *p)
{
	struct tt_strv *v = ctx;
	tt_strv_push_owned(v, tt_xasprintf("%s %s exact=%d running=%d %ld/%ld/%ld/%ld/%ld %s",
					   p->name, p->version ? p->version : "-", p->version_exact,
					   p->running, p->n_builtin, p->n_module, p->n_header,
					   p->n_unknown, p->n_absent, p->files_mode));
	return 0;
}

static int file_seen(void *ctx, const struct tt_store_profile_file *f)
{
	tt_strv_push_owned(ctx,
			   tt_xasprintf("%s %s %s", f->path, f->kind, f->module ? f->module : "-"));
	return 0;
}

static int dir_seen(void *ctx, const struct tt_store_profile_unknown_dir *d)
{
	tt_strv_push_owned(ctx, tt_xasprintf("%s: %s", d->dir, d->reason));
	return 0;
}

static int triage_cve_seen(void *ctx, const struct tt_store_triage_cve *c)
{
	tt_strv_push_owned(ctx,
			   tt_xasprintf("cve %s %s %g %g", c->id, c->title, c->cna_score, c->epss));
	return 0;
}

static int triage_dyad_seen(void *ctx, const struct tt_store_triage_dyad *d)
{
	tt_strv_push_owned(ctx, tt_xasprintf("dyad %s %s %s", d->cve_id,
					     d->vuln_version ? d->vuln_version : "-",
					     d->fix_version ? d->fix_version : "-"));
	return 0;
}

static int triage_block_seen(void *ctx, const struct tt_store_triage_block *b)
{
	tt_strv_push_owned(ctx, tt_xasprintf("block %s %s", b->cve_id, b->default_status));
	return 0;
}

/* Profiles and the triage read: the numbered placeholder, the per-kind sums, byte order. */
static void test_profiles_and_the_triage_read(void **state)
{
	struct fixture *f = *state;
	put(f->s, "CVE-2024-0050", "net/core/dev.c");
	put(f->s, "CVE-2024-0051", "fs/ext4/inode.c");
	const struct tt_store_profile_file files[] = {
	    {"net/core/dev.c", "builtin", NULL, NULL},
	    {"net/core_x.c", "module", "net/x.ko", NULL},
	    {"include/linux/a.h", "header", NULL, NULL},
	    {"fs/ext4/inode.c", "absent", NULL, "CONFIG_EXT4_FS is not set"},
	};
	const struct tt_store_profile_unknown_dir dirs[] = {{"drivers/gpu", "too hard"},
							    {"drivers/gpu", "twice"}};
	struct tt_store_profile p = {.name = "deb12",
				     .created_at = 1700000000,
				     .version = "6.1.170",
				     .version_exact = true,
				     .files_mode = "exact",
				     .running = false};
	struct tt_error err = {0};
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	assert_int_equal(tt_store_profile_put(f->s, &p, files, 4, dirs, 2, &err), 0);
	p.name = "arch";
	p.version = NULL;
	p.running = true;
	p.files_mode = "none";
	assert_int_equal(tt_store_profile_put(f->s, &p, NULL, 0, NULL, 0, &err), 0);
	assert_int_equal(tt_store_commit(f->s, &err), 0);

	struct tt_strv v = TT_STRV_INIT;
	assert_int_equal(tt_store_profile_get(f->s, "deb12", profile_seen, &v, &err), 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.v[0], "deb12 6.1.170 exact=1 running=0 1/1/1/0/1 exact");
	tt_strv_free(&v);
	assert_int_equal(tt_store_profile_list(f->s, profile_seen, &v, &err), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.v[0], "arch - exact=1 running=1 0/0/0/0/0 none");
	tt_strv_free(&v);
	assert_int_equal(tt_store_profile_files(f->s, "deb12", file_seen, &v, &err), 0);
	assert_int_equal(v.n, 4);
	assert_string_equal(v.v[2], "net/core/dev.c builtin -"); /* '/' sorts before '_' */
	assert_string_equal(v.v[3], "net/core_x.c module net/x.ko");
	tt_strv_free(&v);
	assert_int_equal(tt_store_profile_unknown_dirs(f->s, "deb12", dir_seen, &v, &err), 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.v[0], "drivers/gpu: too hard");
	tt_strv_free(&v);
	assert_int_equal(tt_store_profile_get(f->s, "nope", profile_seen, &v, &err), -ENOENT);
	assert_int_equal(tt_store_profile_delete(f->s, "arch", &err), 0);
	assert_int_equal(tt_store_profile_delete(f->s, "arch", &err), -ENOENT);

	struct tt_strv seen = TT_STRV_INIT;
	struct tt_store_triage_sink sink = {.cve = triage_cve_seen,
					    .dyad = triage_dyad_seen,
					    .block = triage_block_seen,
					    .ctx = &seen};
	assert_int_equal(tt_store_triage_read(f->s, &sink, &err), 0);
	assert_int_equal(seen.n, 2 + 4 + 2);
	assert_string_equal(seen.v[0], "cve CVE-2024-0050 net: fix a \"quoted\" thing 7.8 -1");
	assert_string_equal(seen.v[2], "dyad CVE-2024-0050 6.1.43 6.1.78");
	assert_string_equal(seen.v[3], "dyad CVE-2024-0050 6.4.8 -");
	assert_string_equal(seen.v[6], "block CVE-2024-0050 unaffected");
	tt_strv_free(&seen);
}

static int count_profile(void *ctx, const struct tt_store_profile *p)
{
	*(long *)ctx = p->n_builtin;
	return 0;
}

/* Many writes in a row (more than PostgreSQL keeps in flight), and one failing among them. */
static void test_many_writes_in_one_transaction(void **state)
{
	struct fixture *f = *state;
	enum { N = 700 };
	struct tt_store_profile_file *files = tt_xcalloc(N, sizeof(*files));
	char(*paths)[32] = tt_xcalloc(N, sizeof(*paths));
	for (int i = 0; i < N; i++) {
		snprintf(paths[i], sizeof(paths[i]), "dir/file%04d.c", i);
		files[i] = (struct tt_store_profile_file){paths[i], "builtin", NULL, NULL};
	}
	struct tt_store_profile p = {.name = "big", .files_mode = "exact"};
	struct tt_error err = {0};
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	assert_int_equal(tt_store_profile_put(f->s, &p, files, N, NULL, 0, &err), 0);
	long n = 0;
	/* Read inside the transaction: the writes before it are visible. */
	assert_int_equal(tt_store_profile_get(f->s, "big", count_profile, &n, &err), 0);
	assert_int_equal(n, N);
	assert_int_equal(tt_store_commit(f->s, &err), 0);

	/* A duplicate path at 600: the primary key refuses it, and nothing of the second put stays.
	 */
	files[600].path = files[599].path;
	p.name = "dup";
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	int r = tt_store_profile_put(f->s, &p, files, N, NULL, 0, &err);
	if (use_pg && r == 0)
		r = tt_store_commit(f->s, &err);
	else
		tt_store_rollback(f->s);
	assert_true(r < 0);
	assert_non_null(strstr(err.msg, "kernel_profile_file"));
	assert_int_equal(tt_store_profile_get(f->s, "dup", count_profile, &n, &err), -ENOENT);
	assert_int_equal(tt_store_profile_get(f->s, "big", count_profile, &n, &err), 0);
	assert_int_equal(n, N);
	free(paths);
	free(files);
}

/* A PostgreSQL URL selects the PostgreSQL driver; failures name the server, never the password. */
static void test_postgresql_location_names_the_server(void **state)
{
	struct tt_store *s = NULL;
	struct tt_error err = {0};
	/* Port 1 on the loopback: nothing listens there, so the connection is refused. */
	int r = tt_store_open("postgresql://tuxtape:s3cret@127.0.0.1:1/tuxtape", &s, &err);
	assert_true(r < 0);
	assert_null(s);
	assert_non_null(strstr(err.msg, "PostgreSQL"));
	assert_non_null(strstr(err.msg, "127.0.0.1:1/tuxtape"));
	assert_null(strstr(err.msg, "s3cret"));
	assert_int_equal(
	    tt_store_open("postgres://127.0.0.1:1/tuxtape?password=s3cret&a=b", &s, &err), r);
	assert_non_null(strstr(err.msg, "password=***&a=b"));
	assert_null(strstr(err.msg, "s3cret"));
}

int main(int argc, char **argv)
{
	use_pg = pgt_wanted(argc, argv);
	if (use_pg && pgt_unavailable())
		return PGT_SKIP;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_record_round_trips_through_the_store, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_put_replaces_the_previous_version, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_digests_stay_what_earlier_versions_stored, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_an_older_digest_means_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_an_upgrade_moves_the_dyad_rows_into_the_cve_row,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_a_failed_migration_changes_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_put_encoded_rewrites_only_what_changed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_id_is_enoent_with_a_hint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rollback_leaves_the_store_unchanged, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_list_filters_combine, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newer_schema_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keys_sort_in_byte_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_globs_match_like_sqlite_glob, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_a_limit_and_feeds_and_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_a_failed_write_fails_the_transaction, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_profiles_and_the_triage_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_writes_in_one_transaction, setup, teardown),
	    cmocka_unit_test(test_postgresql_location_names_the_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
