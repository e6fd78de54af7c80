// SPDX-License-Identifier: GPL-2.0-or-later
/* Profiles in the store (schema 2) and the bulk read triage loads its database from. */
#include "triage_test.h"

static const char *const fixture_ids[] = {"CVE-2024-26581", "CVE-2025-38585", "CVE-2025-40039",
					  "CVE-2023-52648", "CVE-2022-49420", "CVE-2024-53104"};
#define N_FIXTURES (sizeof(fixture_ids) / sizeof(fixture_ids[0]))

struct store_fixture {
	char *dir;
	struct tt_store *s;
	size_t dyads, blocks;
};

static int setup(void **state)
{
	struct store_fixture *f = tt_xcalloc(1, sizeof(*f));
	f->dir = scratch_dir();
	char *db = tt_xasprintf("%s/store.db", f->dir);
	struct tt_error err = {0};
	if (tt_store_open(db, &f->s, &err) != 0)
		fail_msg("%s", err.msg);
	free(db);
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	for (size_t i = 0; i < N_FIXTURES; i++) {
		struct tt_cve_record rec;
		load_record(fixture_ids[i], &rec);
		if (tt_store_cve_put(f->s, &rec, &err) != 0)
			fail_msg("%s", err.msg);
		f->dyads += rec.n_dyads;
		f->blocks += rec.n_affected;
		tt_cve_record_free(&rec);
	}
	assert_int_equal(tt_store_commit(f->s, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct store_fixture *f = *state;
	tt_store_close(f->s);
	rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void test_store_is_at_schema_version_2(void **state)
{
	struct store_fixture *f = *state;
	char *v = NULL;
	assert_int_equal(tt_store_meta_get(f->s, "schema.version", &v, NULL), 0);
	assert_non_null(v);
	assert_true(atoi(v) >= 2);
	free(v);
}

struct counts {
	size_t cves, dyads, blocks;
	bool saw_cvss_rationale;
	char last_id[TT_CVE_ID_MAX];
	bool ordered;
};

static int count_cve(void *ctx, const struct tt_store_triage_cve *c)
{
	struct counts *n = ctx;
	n->cves++;
	if (strcmp(c->id, "CVE-2024-26581") == 0) {
		n->saw_cvss_rationale =
		    c->cna_rationale && strstr(c->cna_rationale, "unprivileged");
		assert_string_equal(c->files, "net/netfilter/nft_set_rbtree.c");
		assert_true(c->cna_score == 7.8);
		assert_true(c->epss < 0);
		assert_false(c->kev);
		assert_string_equal(c->title,
				    "netfilter: nft_set_rbtree: skip end interval element "
				    "from gc");
	}
	if (n->last_id[0] && strcmp(n->last_id, c->id) >= 0)
		n->ordered = false;
	snprintf(n->last_id, sizeof(n->last_id), "%s", c->id);
	return 0;
}

static int count_dyad(void *ctx, const struct tt_store_triage_dyad *d)
{
	((struct counts *)ctx)->dyads++;
	return 0;
}

static int count_block(void *ctx, const struct tt_store_triage_block *b)
{
	((struct counts *)ctx)->blocks++;
	assert_true(b->versions[0] == '[');
	return 0;
}

static void test_bulk_read_hands_over_every_published_cve(void **state)
{
	struct store_fixture *f = *state;
	struct counts n = {.ordered = true};
	struct tt_store_triage_sink sink = {count_cve, count_dyad, count_block, &n};
	struct tt_error err = {0};
	assert_int_equal(tt_store_triage_read(f->s, &sink, &err), 0);
	assert_int_equal(n.cves, N_FIXTURES);
	assert_int_equal(n.dyads, f->dyads);
	assert_int_equal(n.blocks, f->blocks);
	assert_true(n.saw_cvss_rationale);
	assert_true(n.ordered);

	struct tt_triage_db *db;
	assert_int_equal(tt_triage_db_load(f->s, &db, NULL, &err), 0);
	assert_int_equal(tt_triage_db_count(db), N_FIXTURES);
	tt_triage_db_free(db);

	struct tt_strv paths = TT_STRV_INIT;
	assert_int_equal(tt_store_cve_paths(f->s, &paths, &err), 0);
	assert_true(tt_strv_contains(&paths, "net/netfilter/nft_set_rbtree.c"));
	assert_true(tt_strv_contains(&paths, "drivers/media/usb/uvc/uvc_driver.c"));
	tt_strv_free(&paths);
}

static int stop_early(void *ctx, const struct tt_store_triage_cve *c)
{
	return 42;
}

static void test_bulk_read_stops_when_the_callback_says(void **state)
{
	struct store_fixture *f = *state;
	struct tt_store_triage_sink sink = {stop_early, NULL, NULL, NULL};
	assert_int_equal(tt_store_triage_read(f->s, &sink, NULL), 42);
}

static int keep_profile(void *ctx, const struct tt_store_profile *p)
{
	struct tt_store_profile *out = ctx;
	assert_string_equal(p->name, "web");
	assert_string_equal(p->version, "6.1.170");
	assert_true(p->version_exact);
	assert_string_equal(p->files_mode, "predicted");
	assert_string_equal(p->modules_loaded, "nf_tables\n");
	out->n_module = p->n_module;
	out->n_unknown = p->n_unknown;
	out->n_absent = p->n_absent;
	out->running = p->running;
	return 0;
}

static int count_rows(void *ctx, const struct tt_store_profile *p)
{
	(*(int *)ctx)++;
	return 0;
}

static void put_web_profile(struct tt_store *s)
{
	struct tt_store_profile p = {
	    .name = "web",
	    .created_at = 1700000000,
	    .version = "6.1.170",
	    .version_exact = true,
	    .version_source = "--version",
	    .config = "CONFIG_X86=y\n",
	    .files_mode = "predicted",
	    .running = true,
	    .modules_loaded = "nf_tables\n",
	};
	struct tt_store_profile_file files[] = {
	    {"net/netfilter/nft_set_rbtree.c", "module", "net/netfilter/nf_tables.ko", NULL},
	    {"kernel/fork.c", "builtin", NULL, NULL},
	    {"drivers/gpu/x.c", "unknown", NULL, "incomplete"},
	    {"net/caif/cfsrvl.c", "absent", NULL, "CONFIG_CAIF is not set"},
	};
	struct tt_store_profile_unknown_dir dirs[] = {{"drivers/gpu", "$(shell ...) in obj-y"}};
	struct tt_error err = {0};
	assert_int_equal(tt_store_begin(s, &err), 0);
	if (tt_store_profile_put(s, &p, files, 4, dirs, 1, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(tt_store_commit(s, &err), 0);
}

static void test_profile_rows_round_trip(void **state)
{
	struct store_fixture *f = *state;
	put_web_profile(f->s);
	put_web_profile(f->s); /* replacing is allowed: no duplicate rows */
	struct tt_store_profile got = {0};
	struct tt_error err = {0};
	assert_int_equal(tt_store_profile_get(f->s, "web", keep_profile, &got, &err), 0);
	assert_int_equal(got.n_module, 1);
	assert_int_equal(got.n_unknown, 1);
	assert_int_equal(got.n_absent, 1);
	assert_true(got.running);
	int rows = 0;
	assert_int_equal(tt_store_profile_list(f->s, count_rows, &rows, &err), 0);
	assert_int_equal(rows, 1);

	struct tt_profile *p;
	assert_int_equal(tt_profile_load(f->s, "web", &p, &err), 0);
	const struct tt_profile_file *pf;
	const char *note;
	assert_int_equal(tt_profile_lookup(p, "net/netfilter/nft_set_rbtree.c", &pf, &note),
			 TT_PROFILE_MODULE);
	assert_string_equal(pf->module, "net/netfilter/nf_tables.ko");
	assert_true(tt_profile_module_loaded(p, "net/netfilter/nf_tables.ko"));
	assert_false(tt_profile_module_loaded(p, "drivers/media/usb/uvc/uvcvideo.ko"));
	/* Not listed, below an undecided directory: undecided, with its reason. */
	assert_int_equal(tt_profile_lookup(p, "drivers/gpu/drm/y.c", NULL, &note),
			 TT_PROFILE_UNKNOWN);
	assert_string_equal(note, "$(shell ...) in obj-y");
	/* Not listed, in an evaluated directory: not compiled. */
	assert_int_equal(tt_profile_lookup(p, "kernel/exit.c", NULL, NULL), TT_PROFILE_ABSENT);
	assert_int_equal(tt_profile_lookup(p, "net/caif/cfsrvl.c", NULL, &note), TT_PROFILE_ABSENT);
	assert_string_equal(note, "CONFIG_CAIF is not set");
	tt_profile_free(p);

	assert_int_equal(tt_store_profile_delete(f->s, "web", &err), 0);
	assert_int_equal(tt_store_profile_delete(f->s, "web", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no kernel profile named 'web'"));
	assert_int_equal(tt_profile_load(f->s, "web", &p, &err), -ENOENT);
}

static void test_built_profile_saves_and_loads(void **state)
{
	struct store_fixture *f = *state;
	char *cfg = tri_fixture("config/mini.config");
	struct tt_profile_opts o = {.name = "mini", .config_path = cfg, .now = 1700000000};
	struct tt_profile *p, *q;
	struct tt_error err = {0};
	if (tt_profile_build(&o, &p, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	const struct tt_profile_info *i = tt_profile_info(p);
	/* No --version: the .config header comment names the release. */
	assert_true(i->has_version);
	assert_string_equal(i->version_source, ".config header comment");
	assert_string_equal(i->arch, "x86");
	assert_int_equal(i->files_mode, TT_PROFILE_FILES_NONE);
	assert_int_equal(tt_profile_save(f->s, p, &err), 0);
	assert_int_equal(tt_profile_load(f->s, "mini", &q, &err), 0);
	const struct tt_profile_info *j = tt_profile_info(q);
	assert_int_equal(tt_kver_cmp(&i->version, &j->version), 0);
	assert_string_equal(tt_profile_config_text(p), tt_profile_config_text(q));
	assert_non_null(strstr(tt_profile_config_text(q), "CONFIG_DRM=m\n"));
	assert_null(strstr(tt_profile_config_text(q), "NF_TABLES"));
	assert_int_equal(j->created_at, 1700000000);
	tt_profile_free(p);
	tt_profile_free(q);
	free(cfg);
}

static void test_bad_profile_names_are_refused(void **state)
{
	struct tt_profile_opts o = {.name = "a b"};
	struct tt_profile *p;
	struct tt_error err = {0};
	assert_int_equal(tt_profile_build(&o, &p, NULL, &err), -EINVAL);
	assert_null(p);
	o.name = "";
	assert_int_equal(tt_profile_build(&o, &p, NULL, &err), -EINVAL);
	o.name = "ok";
	o.version = "6.1.x";
	assert_int_equal(tt_profile_build(&o, &p, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--version"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_store_is_at_schema_version_2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bulk_read_hands_over_every_published_cve, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bulk_read_stops_when_the_callback_says, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_profile_rows_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_built_profile_saves_and_loads, setup, teardown),
	    cmocka_unit_test(test_bad_profile_names_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
