// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vulns.git sync on a small repository built from tests/fixtures/sync: two
 * snapshots in the kernel CNA's layout, the second modifying a dyad, adding a
 * .message, rejecting one id, fixing a malformed record and adding another.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../store/pg_testdb.h"
#include "tuxtape/sync.h"
#include "tuxtape/util.h"

/* Set once in main: stores are SQLite files, or PostgreSQL schemas with --postgresql. */
static bool use_pg;

struct fixture {
	char dir[64];
	char *repo;
	char c1[41], c2[41];
	/* The PostgreSQL schema of each store opened, by name (a.db -> schema). */
	struct tt_strv names, schemas;
};

static void sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct tt_buf cmd = TT_BUF_INIT;
	tt_buf_vaddf(&cmd, fmt, ap);
	va_end(ap);
	assert_int_equal(system(tt_buf_str(&cmd)), 0);
	tt_buf_free(&cmd);
}

static void read_head(const char *repo, char out[41])
{
	char *path = tt_xasprintf("%s/head", repo);
	sh("git -C %s rev-parse HEAD > %s", repo, path);
	char *text;
	assert_int_equal(tt_read_file(path, &text, NULL, NULL), 0);
	snprintf(out, 41, "%.40s", text);
	free(text);
	free(path);
}

/* Commit one snapshot directory as the whole cve/ tree, at a fixed date. */
static void commit_snapshot(struct fixture *f, const char *snap, const char *date, char out[41])
{
	const char *fixtures = getenv("TT_FIXTURES");
	assert_non_null(fixtures);
	sh("cd %s && git rm -rqf --ignore-unmatch cve >/dev/null && cp -r %s/sync/%s/cve . && "
	   "git add -A cve && GIT_COMMITTER_DATE='%s' GIT_AUTHOR_DATE='%s' "
	   "git -c user.name=t -c user.email=t@example.org commit -qm %s",
	   f->repo, fixtures, snap, date, date, snap);
	read_head(f->repo, out);
}

static int setup(void **state)
{
	struct fixture *f = tt_xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/tt-sync-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->repo = tt_xasprintf("%s/vulns", f->dir);
	sh("git init -q -b master %s", f->repo);
	commit_snapshot(f, "c1", "2026-04-30T10:00:00Z", f->c1);
	commit_snapshot(f, "c2", "2026-06-30T10:00:00Z", f->c2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sh("rm -rf %s", f->dir);
	for (size_t i = 0; i < f->schemas.n; i++) {
		pgt_drop(f->schemas.v[i]);
		f->schemas.v[i] = NULL;
	}
	tt_strv_free(&f->schemas);
	tt_strv_free(&f->names);
	free(f->repo);
	free(f);
	return 0;
}

struct warnings {
	struct tt_strv msgs;
};

static void collect_warning(void *ctx, const char *file, int line, const char *msg)
{
	struct warnings *w = ctx;
	tt_strv_push_owned(&w->msgs, tt_xasprintf("%s:%d: %s", file ? file : "-", line, msg));
}

static bool warned(const struct warnings *w, const char *needle)
{
	for (size_t i = 0; i < w->msgs.n; i++)
		if (strstr(w->msgs.v[i], needle))
			return true;
	return false;
}

static int do_sync(struct fixture *f, struct tt_store *s, const char *cache, const char *rev,
		   bool full, struct tt_sync_result *res, struct warnings *w)
{
	struct tt_diag_sink diag = {.warn = collect_warning, .ctx = w};
	struct tt_sync_options o = {
	    .source = f->repo, .cache_dir = cache, .rev = rev, .full = full, .diag = &diag};
	struct tt_error err = {0};
	int r = tt_vulns_sync(s, &o, res, &err);
	if (r < 0)
		print_message("sync failed: %s\n", err.msg);
	return r;
}

/* The schema of the PostgreSQL store opened as name. */
static const char *schema_of(struct fixture *f, const char *name)
{
	for (size_t i = 0; i < f->names.n; i++)
		if (strcmp(f->names.v[i], name) == 0)
			return f->schemas.v[i];
	fail_msg("no store %s", name);
	return NULL;
}

static struct tt_store *open_store(struct fixture *f, const char *name)
{
	char *location;
	if (use_pg) {
		char *schema;
		location = pgt_new_store(&schema);
		tt_strv_push(&f->names, name);
		tt_strv_push_owned(&f->schemas, schema);
	} else {
		location = tt_xasprintf("%s/%s", f->dir, name);
	}
	struct tt_store *s;
	struct tt_error err = {0};
	int r = tt_store_open(location, &s, &err);
	if (r < 0)
		print_message("%s\n", err.msg);
	assert_int_equal(r, 0);
	free(location);
	return s;
}

static void get(struct tt_store *s, const char *id, struct tt_cve_record *rec)
{
	struct tt_error err = {0};
	assert_int_equal(tt_store_cve_get(s, id, rec, NULL, &err), 0);
}

static void test_first_sync_skips_the_malformed_record_and_says_where(void **state)
{
	struct fixture *f = *state;
	struct tt_store *s = open_store(f, "a.db");
	char *cache = tt_xasprintf("%s/cache", f->dir);
	struct tt_sync_result res;
	struct warnings w = {TT_STRV_INIT};
	assert_int_equal(do_sync(f, s, cache, f->c1, false, &res, &w), 0);
	assert_false(res.incremental);
	assert_int_equal(res.added, 2);
	assert_int_equal(res.skipped, 1);
	assert_int_equal(res.skipped_malformed, 1);
	assert_true(warned(&w, "CVE-2024-1002.json"));
	struct tt_cve_record rec;
	get(s, "CVE-2024-1001", &rec);
	assert_int_equal(rec.n_dyads, 2);
	assert_null(rec.dyads[1].fix_version); /* the never-fixed 6.4 pair */
	/* First publication comes from the commit that added the .json. */
	char date[16];
	tt_format_date(rec.first_published, date, sizeof(date));
	assert_string_equal(date, "2026-04-30");
	tt_cve_record_free(&rec);
	tt_strv_free(&w.msgs);
	tt_store_close(s);
	free(cache);
}

static void test_incremental_sync_rejects_updates_and_retries_skipped(void **state)
{
	struct fixture *f = *state;
	struct tt_store *s = open_store(f, "a.db");
	char *cache = tt_xasprintf("%s/cache", f->dir);
	struct tt_sync_result res;
	struct warnings w = {TT_STRV_INIT};
	assert_int_equal(do_sync(f, s, cache, f->c1, false, &res, &w), 0);
	assert_int_equal(do_sync(f, s, cache, f->c2, false, &res, &w), 0);
	assert_true(res.incremental);
	assert_string_equal(res.from_commit, f->c1);
	assert_int_equal(res.rejected, 1); /* 1001 moved to rejected/ */
	assert_int_equal(res.updated, 1);  /* 1000 */
	assert_int_equal(res.added, 2);	   /* 1003 new, 1002 fixed and read again */
	assert_int_equal(res.skipped, 0);
	assert_true(warned(&w, "CVE-2024-1000.dyad:4")); /* "not a dyad line" */

	struct tt_cve_record rec;
	get(s, "CVE-2024-1001", &rec);
	assert_int_equal(rec.state, TT_CVE_REJECTED);
	assert_non_null(rec.rejected_reason);
	tt_cve_record_free(&rec);
	get(s, "CVE-2024-1000", &rec);
	assert_string_equal(rec.description, "A corrected description.");
	assert_int_equal(rec.n_dyads, 2);
	assert_null(rec.dyads[1].vuln_version); /* the 0:0 origin */
	tt_cve_record_free(&rec);
	get(s, "CVE-2024-1002", &rec);
	char date[16];
	tt_format_date(rec.first_published, date, sizeof(date));
	assert_string_equal(date, "2026-04-30"); /* added then, though readable only later */
	tt_cve_record_free(&rec);
	/* Added by the second commit: its date, found by comparing the year trees. */
	get(s, "CVE-2024-1003", &rec);
	tt_format_date(rec.first_published, date, sizeof(date));
	assert_string_equal(date, "2026-06-30");
	tt_cve_record_free(&rec);

	/* Nothing new: nothing read. */
	assert_int_equal(do_sync(f, s, cache, f->c2, false, &res, &w), 0);
	assert_int_equal(res.examined, 0);
	tt_strv_free(&w.msgs);
	tt_store_close(s);
	free(cache);
}

static void test_full_sync_matches_incremental(void **state)
{
	struct fixture *f = *state;
	struct tt_store *a = open_store(f, "inc.db"), *b = open_store(f, "full.db");
	char *cache_a = tt_xasprintf("%s/cache-a", f->dir);
	char *cache_b = tt_xasprintf("%s/cache-b", f->dir);
	struct tt_sync_result res;
	struct warnings w = {TT_STRV_INIT};
	assert_int_equal(do_sync(f, a, cache_a, f->c1, false, &res, &w), 0);
	assert_int_equal(do_sync(f, a, cache_a, f->c2, false, &res, &w), 0);
	assert_int_equal(do_sync(f, b, cache_b, f->c2, true, &res, &w), 0);
	struct tt_strv ids_a = TT_STRV_INIT, ids_b = TT_STRV_INIT;
	assert_int_equal(tt_store_cve_ids(a, &ids_a, NULL), 0);
	assert_int_equal(tt_store_cve_ids(b, &ids_b, NULL), 0);
	assert_int_equal(ids_a.n, 4);
	assert_int_equal(ids_a.n, ids_b.n);
	for (size_t i = 0; i < ids_a.n; i++) {
		struct tt_cve_record ra, rb;
		assert_string_equal(ids_a.v[i], ids_b.v[i]);
		get(a, ids_a.v[i], &ra);
		get(b, ids_b.v[i], &rb);
		assert_int_equal(ra.state, rb.state);
		assert_int_equal(ra.n_dyads, rb.n_dyads);
		assert_int_equal(ra.first_published, rb.first_published);
		assert_string_equal(ra.description ? ra.description : "",
				    rb.description ? rb.description : "");
		tt_cve_record_free(&ra);
		tt_cve_record_free(&rb);
	}
	tt_strv_free(&ids_a);
	tt_strv_free(&ids_b);
	tt_strv_free(&w.msgs);
	tt_store_close(a);
	tt_store_close(b);
	free(cache_a);
	free(cache_b);
}

static void test_failed_sync_leaves_the_store_and_cursor_alone(void **state)
{
	struct fixture *f = *state;
	struct tt_store *s = open_store(f, "a.db");
	char *cache = tt_xasprintf("%s/cache", f->dir);
	struct tt_sync_result res;
	struct warnings w = {TT_STRV_INIT};
	assert_int_equal(do_sync(f, s, cache, f->c1, false, &res, &w), 0);
	assert_int_equal(do_sync(f, s, cache, "no-such-branch", false, &res, &w), -ENOENT);
	char *cursor = NULL;
	assert_int_equal(tt_store_meta_get(s, "vulns.commit", &cursor, NULL), 0);
	assert_string_equal(cursor, f->c1);
	free(cursor);
	/* A source that is not a repository fails with a message naming it. */
	struct tt_sync_options o = {.source = "/nonexistent/vulns", .cache_dir = cache};
	struct tt_error err = {0};
	assert_true(tt_vulns_sync(s, &o, &res, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/vulns"));
	tt_strv_free(&w.msgs);
	tt_store_close(s);
	free(cache);
}

/* A write failure inside the transaction (the journal cannot be created; on
 * PostgreSQL a constraint the new record breaks) rolls back everything, and
 * the next sync, with the obstacle gone, completes. */
static void test_sync_failing_midway_changes_nothing_and_recovers(void **state)
{
	struct fixture *f = *state;
	struct tt_store *s = open_store(f, "a.db");
	char *cache = tt_xasprintf("%s/cache", f->dir);
	struct tt_sync_result res;
	struct warnings w = {TT_STRV_INIT};
	assert_int_equal(do_sync(f, s, cache, f->c1, false, &res, &w), 0);
	if (use_pg) {
		pgt_exec(schema_of(f, "a.db"), "ALTER TABLE cve ADD CONSTRAINT tt_test_obstacle"
					       " CHECK (id <> 'CVE-2024-1003')");
		assert_true(do_sync(f, s, cache, f->c2, false, &res, &w) < 0);
		pgt_exec(schema_of(f, "a.db"), "ALTER TABLE cve DROP CONSTRAINT tt_test_obstacle");
	} else {
		/* TRUNCATE journal mode leaves an empty journal file; a directory replaces it. */
		sh("rm -f %s/a.db-journal && mkdir %s/a.db-journal", f->dir, f->dir);
		assert_true(do_sync(f, s, cache, f->c2, false, &res, &w) < 0);
		sh("rmdir %s/a.db-journal", f->dir);
	}
	char *cursor = NULL;
	assert_int_equal(tt_store_meta_get(s, "vulns.commit", &cursor, NULL), 0);
	assert_string_equal(cursor, f->c1);
	free(cursor);
	bool exists;
	enum tt_cve_state st;
	assert_int_equal(tt_store_cve_state(s, "CVE-2024-1003", &exists, &st, NULL), 0);
	assert_false(exists);
	assert_int_equal(do_sync(f, s, cache, f->c2, false, &res, &w), 0);
	assert_true(res.incremental);
	assert_int_equal(tt_store_cve_state(s, "CVE-2024-1003", &exists, &st, NULL), 0);
	assert_true(exists);
	tt_strv_free(&w.msgs);
	tt_store_close(s);
	free(cache);
}

/*
 * Many CVEs, many parser threads, a window of one CVE per slot: workers
 * keep waiting for room and racing for the next chunk. Every CVE must be
 * stored once, whole. (A worker that picked its chunk before waiting for
 * room parsed a chunk another worker had also taken: duplicate rows or a
 * crash, on most runs of this test.)
 */
#define MANY_CVES 400

static void write_many_cves(struct fixture *f)
{
	const char *fixtures = getenv("TT_FIXTURES");
	sh("cd %s && mkdir -p cve/published/2025 && for i in $(seq 1 %d); do "
	   "for ext in json dyad sha1; do sed \"s/CVE-2024-1000/CVE-2025-$((20000 + i))/\" "
	   "%s/sync/c1/cve/published/2024/CVE-2024-1000.$ext > "
	   "cve/published/2025/CVE-2025-$((20000 + i)).$ext; done; done && git add -A cve && "
	   "git -c user.name=t -c user.email=t@example.org commit -qm many",
	   f->repo, MANY_CVES, fixtures);
}

static void test_many_workers_with_a_small_window_store_each_cve_once(void **state)
{
	struct fixture *f = *state;
	write_many_cves(f);
	for (int run = 0; run < 4; run++) {
		char name[32];
		snprintf(name, sizeof(name), "many-%d.db", run);
		struct tt_store *s = open_store(f, name);
		char *cache = tt_xasprintf("%s/cache-many", f->dir);
		struct warnings w = {TT_STRV_INIT};
		struct tt_diag_sink diag = {.warn = collect_warning, .ctx = &w};
		struct tt_sync_options o = {.source = f->repo,
					    .cache_dir = cache,
					    .full = true,
					    .threads = 6,
					    .parse_ahead = 6,
					    .diag = &diag};
		struct tt_sync_result res;
		struct tt_error err = {0};
		int r = tt_vulns_sync(s, &o, &res, &err);
		if (r < 0)
			print_message("sync failed: %s\n", err.msg);
		assert_int_equal(r, 0);
		/* The c2 snapshot's 3 published and 1 rejected, and the generated ones. */
		assert_int_equal(res.added + res.rejected, MANY_CVES + 4);
		assert_int_equal(res.skipped, 0);
		struct tt_strv ids = TT_STRV_INIT;
		assert_int_equal(tt_store_cve_ids(s, &ids, NULL), 0);
		assert_int_equal(ids.n, MANY_CVES + 4);
		struct tt_cve_record rec;
		get(s, "CVE-2025-20200", &rec);
		assert_int_equal(rec.n_dyads, 1);
		assert_int_equal(rec.fix_commits.n, 1);
		tt_cve_record_free(&rec);
		tt_strv_free(&ids);
		tt_strv_free(&w.msgs);
		tt_store_close(s);
		free(cache);
	}
}

int main(int argc, char **argv)
{
	use_pg = pgt_wanted(argc, argv);
	if (use_pg && pgt_unavailable())
		return PGT_SKIP;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_first_sync_skips_the_malformed_record_and_says_where, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_incremental_sync_rejects_updates_and_retries_skipped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_sync_matches_incremental, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failed_sync_leaves_the_store_and_cursor_alone,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_failing_midway_changes_nothing_and_recovers,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_many_workers_with_a_small_window_store_each_cve_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
