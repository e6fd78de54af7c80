// SPDX-License-Identifier: GPL-2.0-or-later
/* Scans: verdicts from versions and files, priority order, explanations, VEX documents. */
#include <jansson.h>

#include "triage_test.h"

#define NOW 1790000000 /* 2026-09: fixed, so the age term is stable */

struct scan_fixture {
	char *dir;
	struct tt_store *s;
	struct tt_triage_db *db;
};

static void add_record(struct tt_triage_db *db, struct tt_cve_record *rec, bool kev)
{
	struct tt_cve_enrichment e = {0};
	e.kev = kev;
	e.adp_cvss_score = e.nvd_cvss_score = -1;
	struct tt_error err = {0};
	if (tt_triage_db_add(db, rec, &e, &err) != 0)
		fail_msg("%s", err.msg);
	tt_cve_record_free(rec);
}

/* A made-up CVE whose only files are these (comma-separated). */
static void add_synthetic(struct tt_triage_db *db, const char *id, const char *pairs,
			  const char *files)
{
	struct tt_cve_record rec;
	dyad_record(&rec, id, pairs);
	rec.description = tt_xstrdup("In the Linux kernel, the following vulnerability has been "
				     "resolved:\n\nsynthetic: a test record\n");
	for (const char *f = files; *f;) {
		size_t n = strcspn(f, ",");
		tt_strv_push_owned(&rec.program_files, tt_xstrndup(f, n));
		f += n + (f[n] == ',');
	}
	add_record(db, &rec, false);
}

static int setup(void **state)
{
	struct scan_fixture *f = tt_xcalloc(1, sizeof(*f));
	f->dir = scratch_dir();
	char *db = tt_xasprintf("%s/store.db", f->dir);
	struct tt_error err = {0};
	if (tt_store_open(db, &f->s, &err) != 0)
		fail_msg("%s", err.msg);
	free(db);
	f->db = tt_triage_db_new();
	static const char *const ids[] = {"CVE-2024-26581", "CVE-2025-38585", "CVE-2025-40039",
					  "CVE-2023-52648", "CVE-2022-49420", "CVE-2024-53104"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct tt_cve_record rec;
		load_record(ids[i], &rec);
		add_record(f->db, &rec, strcmp(ids[i], "CVE-2024-53104") == 0);
	}
	add_synthetic(f->db, "CVE-2099-0001", "5.10>6.8", "include/net/ip.h");
	add_synthetic(f->db, "CVE-2099-0002", "5.10>6.8", "arch/arm64/kvm/vgic.c");
	add_synthetic(f->db, "CVE-2099-0003", "5.10>6.8", "include/linux/never_included.h");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct scan_fixture *f = *state;
	tt_triage_db_free(f->db);
	tt_store_close(f->s);
	rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* An exact, running profile at 6.1.100: nf_tables loaded, uvcvideo built but not loaded. */
static struct tt_profile *exact_profile(struct scan_fixture *f)
{
	struct tt_store_profile p = {
	    .name = "exact",
	    .version = "6.1.100",
	    .version_exact = true,
	    .version_source = "test",
	    .arch = "x86",
	    .files_mode = "exact",
	    .running = true,
	    .modules_loaded = "nf_tables\n",
	};
	struct tt_store_profile_file files[] = {
	    {"drivers/media/usb/uvc/uvc_driver.c", "module", "drivers/media/usb/uvc/uvcvideo.ko",
	     NULL},
	    {"net/netfilter/nft_set_rbtree.c", "module", "net/netfilter/nf_tables.ko", NULL},
	    {"drivers/gpu/drm/vmwgfx/vmwgfx_kms.c", "builtin", NULL, NULL},
	    {"include/net/ip.h", "header", NULL, NULL},
	};
	struct tt_error err = {0};
	assert_int_equal(tt_store_begin(f->s, &err), 0);
	assert_int_equal(tt_store_profile_put(f->s, &p, files, 4, NULL, 0, &err), 0);
	assert_int_equal(tt_store_commit(f->s, &err), 0);
	struct tt_profile *prof;
	assert_int_equal(tt_profile_load(f->s, "exact", &prof, &err), 0);
	return prof;
}

static struct tt_triage_result *scan(struct scan_fixture *f, const struct tt_profile *p,
				     const struct tt_policy *pol)
{
	struct tt_triage_result *r;
	struct tt_error err = {0};
	assert_int_equal(tt_triage_scan(f->db, p, pol, NOW, &r, &err), 0);
	assert_int_equal(tt_triage_result_count(r), tt_triage_db_count(f->db));
	return r;
}

static const struct tt_triage_item *find(const struct tt_triage_result *r, const char *id)
{
	const struct tt_triage_item *it = tt_triage_result_find(r, id);
	if (!it)
		fail_msg("%s not in the result", id);
	return it;
}

static bool has_term(const struct tt_triage_item *it, const char *key)
{
	for (size_t i = 0; i < it->n_terms; i++)
		if (strcmp(it->terms[i].key, key) == 0)
			return true;
	return false;
}

static void test_exact_profile_verdicts_and_reasons(void **state)
{
	struct scan_fixture *f = *state;
	struct tt_profile *p = exact_profile(f);
	struct tt_triage_result *r = scan(f, p, NULL);

	const struct tt_triage_item *it = find(r, "CVE-2024-53104");
	assert_int_equal(it->verdict, TT_VERDICT_AFFECTED);
	assert_int_equal(it->build, TT_BUILD_MODULE);
	assert_string_equal(it->fixed_in, "6.1.117");
	assert_false(it->module_loaded);
	assert_non_null(strstr(it->reason, "module not loaded on this host"));
	assert_true(has_term(it, "kev"));
	assert_true(has_term(it, "module.not_loaded"));

	it = find(r, "CVE-2024-26581");
	assert_int_equal(it->verdict, TT_VERDICT_FIXED);
	assert_string_equal(it->fixed_in, "6.1.78");
	assert_true(it->priority == 0);

	it = find(r, "CVE-2023-52648");
	assert_int_equal(it->verdict, TT_VERDICT_AFFECTED);
	assert_int_equal(it->build, TT_BUILD_BUILTIN);
	assert_non_null(strstr(it->reason, "no fix on this branch"));

	it = find(r, "CVE-2022-49420");
	assert_int_equal(it->verdict, TT_VERDICT_FIXED);

	it = find(r, "CVE-2025-40039");
	assert_int_equal(it->verdict, TT_VERDICT_NOT_BUILT);
	assert_non_null(
	    strstr(it->reason, "none of fs/smb/server/mgmt/user_session.c is compiled"));

	/* Header-only CVEs: the deps data decides. */
	assert_int_equal(find(r, "CVE-2099-0001")->verdict, TT_VERDICT_AFFECTED);
	assert_int_equal(find(r, "CVE-2099-0001")->build, TT_BUILD_HEADER);
	it = find(r, "CVE-2099-0003");
	assert_int_equal(it->verdict, TT_VERDICT_NOT_BUILT);
	assert_non_null(strstr(it->reason, "no compiled object includes it"));
	assert_int_equal(find(r, "CVE-2099-0002")->verdict, TT_VERDICT_NOT_BUILT);

	size_t counts[TT_VERDICT__COUNT];
	tt_triage_result_counts(r, counts);
	assert_int_equal(counts[TT_VERDICT_AFFECTED], 3);
	assert_int_equal(counts[TT_VERDICT_FIXED], 2);
	assert_int_equal(counts[TT_VERDICT_NOT_BUILT], 4);
	tt_triage_result_free(r);
	tt_profile_free(p);
}

static void test_order_kev_first_then_priority_then_verdict(void **state)
{
	struct scan_fixture *f = *state;
	struct tt_profile *p = exact_profile(f);
	struct tt_triage_result *r = scan(f, p, NULL);
	/* KEV-listed and affected: first, whatever the others score. */
	assert_string_equal(tt_triage_result_item(r, 0)->cve_id, "CVE-2024-53104");
	for (size_t i = 1; i < tt_triage_result_count(r); i++) {
		const struct tt_triage_item *a = tt_triage_result_item(r, i - 1);
		const struct tt_triage_item *b = tt_triage_result_item(r, i);
		assert_true(a->verdict <= b->verdict);
		if (a->verdict == b->verdict && a->verdict == TT_VERDICT_AFFECTED && i > 1)
			assert_true(a->priority >= b->priority);
	}
	tt_triage_result_free(r);

	/* Without KEV weight and ordering, plain score decides. */
	struct tt_policy *pol = tt_policy_new();
	assert_int_equal(tt_policy_set(pol, "kev.first", "no", NULL), 0);
	assert_int_equal(tt_policy_set(pol, "kev", "0", NULL), 0);
	assert_int_equal(tt_policy_set(pol, "build.builtin", "500", NULL), 0);
	r = scan(f, p, pol);
	assert_string_equal(tt_triage_result_item(r, 0)->cve_id, "CVE-2023-52648");
	assert_false(has_term(tt_triage_result_item(r, 0), "kev"));
	tt_triage_result_free(r);
	tt_policy_free(pol);
	tt_profile_free(p);
}

static void test_explain_lists_every_term(void **state)
{
	struct scan_fixture *f = *state;
	struct tt_profile *p = exact_profile(f);
	struct tt_triage_result *r = scan(f, p, NULL);
	const struct tt_triage_item *it = find(r, "CVE-2024-53104");
	struct tt_buf b = TT_BUF_INIT;
	tt_triage_explain(it, &b);
	const char *t = tt_buf_str(&b);
	assert_non_null(strstr(t, "CVE-2024-53104: affected"));
	assert_non_null(strstr(t, "version:  6.1 branch: introduced in 2.6.26, fixed in 6.1.117"));
	assert_non_null(strstr(t, "listed in CISA KEV"));
	assert_non_null(strstr(t, "module not loaded on this host"));
	double sum = 0;
	for (size_t i = 0; i < it->n_terms; i++)
		sum += it->terms[i].points;
	assert_true(sum > it->priority - 1e-9 && sum < it->priority + 1e-9);
	tt_buf_free(&b);
	tt_triage_result_free(r);
	tt_profile_free(p);
}

static void test_config_only_profile_checks_versions_and_arch(void **state)
{
	struct scan_fixture *f = *state;
	char *cfg = tri_fixture("config/mini.config");
	struct tt_profile_opts o = {.name = "cfg", .config_path = cfg, .version = "6.1.100"};
	struct tt_profile *p;
	struct tt_error err = {0};
	assert_int_equal(tt_profile_build(&o, &p, NULL, &err), 0);
	struct tt_triage_result *r = scan(f, p, NULL);
	const struct tt_triage_item *it = find(r, "CVE-2025-40039");
	assert_int_equal(it->verdict, TT_VERDICT_AFFECTED);
	assert_int_equal(it->build, TT_BUILD_UNCHECKED);
	assert_non_null(strstr(it->reason, "no compiled-file set"));
	/* No deps data: a header-only fix cannot be placed. */
	it = find(r, "CVE-2099-0001");
	assert_int_equal(it->verdict, TT_VERDICT_UNKNOWN);
	assert_non_null(strstr(it->reason, "a header"));
	it = find(r, "CVE-2099-0002");
	assert_int_equal(it->verdict, TT_VERDICT_NOT_BUILT);
	assert_non_null(strstr(it->reason, "another architecture's code"));
	tt_triage_result_free(r);
	tt_profile_free(p);
	free(cfg);
}

static void test_distribution_abi_version_alone_is_unknown(void **state)
{
	struct scan_fixture *f = *state;
	struct tt_profile_opts o = {
	    .name = "abi", .uname_release = "6.1.0-47-amd64", .arch = "x86"};
	struct tt_profile *p;
	struct tt_error err = {0};
	assert_int_equal(tt_profile_build(&o, &p, NULL, &err), 0);
	assert_false(tt_profile_info(p)->version_exact);
	struct tt_triage_result *r = scan(f, p, NULL);
	const struct tt_triage_item *it = find(r, "CVE-2024-26581");
	assert_int_equal(it->verdict, TT_VERDICT_UNKNOWN);
	assert_non_null(strstr(it->reason, "ABI version 6.1.0"));
	/* Other architectures' code is out whatever the version. */
	assert_int_equal(find(r, "CVE-2099-0002")->verdict, TT_VERDICT_NOT_BUILT);
	tt_triage_result_free(r);
	tt_profile_free(p);

	/* A config made for that kernel names its release in its header. */
	char *cfg = tri_fixture("config/mini.config");
	o.config_path = cfg;
	assert_int_equal(tt_profile_build(&o, &p, NULL, &err), 0);
	assert_true(tt_profile_info(p)->version_exact);
	assert_string_equal(tt_profile_info(p)->version_source, ".config header comment");
	tt_profile_free(p);
	o.config_path = NULL;
	free(cfg);

	/* With /proc/version, Debian's real upstream version is known. */
	o.proc_version = "Linux version 6.1.0-47-amd64 (debian-kernel@lists.debian.org) (gcc-12 "
			 "(Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian "
			 "6.1.170-3 (2026-05-01)";
	assert_int_equal(tt_profile_build(&o, &p, NULL, &err), 0);
	assert_true(tt_profile_info(p)->version_exact);
	assert_string_equal(tt_profile_info(p)->distro_release, "6.1.170-3");
	r = scan(f, p, NULL);
	assert_int_equal(find(r, "CVE-2024-26581")->verdict, TT_VERDICT_FIXED);
	tt_triage_result_free(r);
	tt_profile_free(p);
}

/* A .notes section with one GNU build-id note. */
static void write_notes(const char *path)
{
	unsigned char buf[12 + 4 + 20];
	uint32_t hdr[3] = {4, 20, 3};
	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + 12, "GNU", 4);
	for (int i = 0; i < 20; i++)
		buf[16 + i] = (unsigned char)(0xa0 + i);
	struct tt_error err = {0};
	assert_int_equal(tt_write_file_atomic(path, buf, sizeof(buf), &err), 0);
}

static void test_running_host_facts_from_proc_files(void **state)
{
	struct scan_fixture *f = *state;
	char *mods = tt_xasprintf("%s/modules", f->dir), *notes = tt_xasprintf("%s/notes", f->dir);
	write_text(mods, "nf_tables 352256 12 nft_chain_nat, Live 0x0000000000000000\n"
			 "uvc-video 1 0 - Live 0x0\n");
	write_notes(notes);
	struct tt_profile_opts o = {.name = "host",
				    .running = true,
				    .version = "6.1.100",
				    .proc_modules_path = mods,
				    .kernel_notes_path = notes};
	struct tt_profile *p;
	struct tt_error err = {0};
	assert_int_equal(tt_profile_build(&o, &p, NULL, &err), 0);
	const struct tt_profile_info *i = tt_profile_info(p);
	assert_true(i->running);
	assert_true(i->modules_known);
	assert_int_equal(i->n_modules_loaded, 2);
	assert_string_equal(i->build_id, "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
	assert_true(tt_profile_module_loaded(p, "drivers/media/usb/uvc/uvc_video.ko"));
	assert_string_equal(i->version_source, "--version");
	tt_profile_free(p);
	free(mods);
	free(notes);
}

static void test_openvex_and_cyclonedx_documents(void **state)
{
	struct scan_fixture *f = *state;
	struct tt_profile *p = exact_profile(f);
	struct tt_triage_result *r = scan(f, p, NULL);
	size_t n = tt_triage_result_count(r);
	const struct tt_triage_item **items = tt_xcalloc(n, sizeof(*items));
	for (size_t i = 0; i < n; i++)
		items[i] = tt_triage_result_item(r, i);
	struct tt_triage_vex_input in = {p, items, n};
	struct tt_triage_vex_opts o = {.timestamp = NOW, .tool = "tuxtape test"};
	char *doc;
	struct tt_error err = {0};
	assert_int_equal(tt_triage_openvex(&in, 1, &o, &doc, &err), 0);
	json_t *j = json_loads(doc, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "@context")),
			    "https://openvex.dev/ns/v0.2.0");
	json_t *st = json_object_get(j, "statements");
	assert_int_equal(json_array_size(st), n);
	size_t not_affected = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(st, i);
		const char *status = json_string_value(json_object_get(s, "status"));
		if (strcmp(status, "not_affected") == 0) {
			not_affected++;
			assert_string_equal(json_string_value(json_object_get(s, "justification")),
					    "vulnerable_code_not_present");
		}
		if (strcmp(status, "affected") == 0)
			assert_non_null(json_object_get(s, "action_statement"));
	}
	assert_int_equal(not_affected, 4);
	json_decref(j);
	free(doc);

	assert_int_equal(tt_triage_cyclonedx(&in, 1, &o, &doc, &err), 0);
	j = json_loads(doc, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "specVersion")), "1.5");
	json_t *v = json_object_get(j, "vulnerabilities");
	assert_int_equal(json_array_size(v), n);
	json_t *first = json_array_get(v, 0);
	assert_string_equal(json_string_value(json_object_get(first, "id")), "CVE-2024-53104");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(first, "analysis"), "state")),
	    "exploitable");
	json_decref(j);
	free(doc);
	free(items);
	tt_triage_result_free(r);
	tt_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_exact_profile_verdicts_and_reasons, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_order_kev_first_then_priority_then_verdict, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_explain_lists_every_term, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_only_profile_checks_versions_and_arch,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_distribution_abi_version_alone_is_unknown, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_running_host_facts_from_proc_files, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_openvex_and_cyclonedx_documents, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
