// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every record of the real vulns.git: the tuxtape cache's clone when there
 * is one, else a clone of $TT_SHARED_DATA/vulns.bundle. Skips when neither
 * exists.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "cve_test.h"

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The cve/ directory of a vulns.git checkout; *tmp is set when a clone was made for the test. */
static char *find_vulns(char **tmp)
{
	*tmp = NULL;
	char *cache = tt_cache_dir();
	char *cve = tt_xasprintf("%s/vulns/cve", cache);
	free(cache);
	char *published = tt_xasprintf("%s/published", cve);
	bool found = is_dir(published);
	free(published);
	if (found)
		return cve;
	free(cve);
	const char *shared = getenv("TT_SHARED_DATA");
	char *bundle = shared ? tt_xasprintf("%s/vulns.bundle", shared) : NULL;
	if (!bundle || !tt_path_exists(bundle)) {
		free(bundle);
		return NULL;
	}
	/* 68,000 files: a checkout to tmpfs takes 3 s, to a disk-backed /tmp up to 20 s. */
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	char *dir = tt_xasprintf("%s/tt-vulns-XXXXXX", base ? base : "/tmp");
	assert_non_null(mkdtemp(dir));
	char *cmd = tt_xasprintf("git clone -q '%s' '%s/vulns'", bundle, dir);
	int r = system(cmd);
	free(cmd);
	free(bundle);
	if (r != 0)
		fail_msg("git clone of the vulns bundle failed (%d)", r);
	*tmp = dir;
	return tt_xasprintf("%s/vulns/cve", dir);
}

struct tally {
	size_t records, cvss, dyads, affected, versions;
	double seconds;
};

/* What every published record of the kernel CNA has. */
static void check_published(const struct tt_cve_record *r)
{
	if (!r->title || !r->description || r->n_affected == 0 || r->n_dyads == 0 ||
	    r->fix_commits.n == 0 || r->program_files.n == 0 || r->references.n == 0)
		fail_msg("%s lacks a title, description, affected block, dyad, fix commit, "
			 "program file or reference",
			 r->id);
	assert_int_equal(r->state, TT_CVE_PUBLISHED);
}

static void load_year(struct tt_cve_parser *p, const char *dir, enum tt_cve_state state,
		      struct tally *t, struct warnings *w)
{
	struct tt_cve_dir_entry *e;
	size_t n;
	struct tt_error err = {0};
	if (tt_cve_list_dir(dir, &e, &n, &w->sink, &err) != 0)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < n; i++) {
		struct tt_cve_record rec;
		tt_cve_record_init(&rec);
		if (tt_cve_load_dir_files(p, dir, e[i].id, e[i].files, state, &rec, &w->sink, &err))
			fail_msg("%s", err.msg);
		assert_string_equal(rec.id, e[i].id);
		assert_int_equal(rec.state, state);
		if (state == TT_CVE_PUBLISHED)
			check_published(&rec);
		t->records++;
		t->cvss += rec.has_cvss;
		t->dyads += rec.n_dyads;
		t->affected += rec.n_affected;
		for (size_t a = 0; a < rec.n_affected; a++)
			t->versions += rec.affected[a].n_versions;
		tt_cve_record_free(&rec);
	}
	free(e);
}

static void load_state(const char *cve, const char *name, enum tt_cve_state state, struct tally *t,
		       struct warnings *w)
{
	char *top = tt_xasprintf("%s/%s", cve, name);
	DIR *d = opendir(top);
	assert_non_null(d);
	struct tt_cve_parser *p = tt_cve_parser_new();
	double start = tt_now_monotonic();
	for (struct dirent *de; (de = readdir(d));) {
		if (strlen(de->d_name) != 4 || strspn(de->d_name, "0123456789") != 4)
			continue;
		char *year = tt_xasprintf("%s/%s", top, de->d_name);
		load_year(p, year, state, t, w);
		free(year);
	}
	t->seconds = tt_now_monotonic() - start;
	tt_cve_parser_free(p);
	closedir(d);
	free(top);
}

static void test_real_records_all_load(void **state)
{
	char *tmp;
	char *cve = find_vulns(&tmp);
	if (!cve) {
		print_message("no vulns.git: neither ~/.cache/tuxtape/vulns nor "
			      "$TT_SHARED_DATA/vulns.bundle exists\n");
		skip();
		return;
	}
	struct warnings w;
	warnings_init(&w);
	struct tally pub = {0}, rej = {0};
	load_state(cve, "published", TT_CVE_PUBLISHED, &pub, &w);
	load_state(cve, "rejected", TT_CVE_REJECTED, &rej, &w);
	print_message("%s: %zu published in %.2f s (%zu with CVSS, %zu dyads, %zu affected blocks, "
		      "%zu versions), %zu rejected\n",
		      cve, pub.records, pub.seconds, pub.cvss, pub.dyads, pub.affected,
		      pub.versions, rej.records);
	warnings_print(&w);
	assert_true(pub.records >= 10000);
	assert_true(rej.records > 0);
	/* Every CNA score agrees with the one computed from its vector (Roundup included). */
	assert_false(warned(&w, "differs"));
	/* The JSON records themselves raise nothing; only stray leftovers and bad ids do. */
	assert_false(warned(&w, ".json:"));
	warnings_free(&w);
	free(cve);
	if (tmp) {
		char *cmd = tt_xasprintf("rm -rf '%s'", tmp);
		assert_int_equal(system(cmd), 0);
		free(cmd);
		free(tmp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_records_all_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
