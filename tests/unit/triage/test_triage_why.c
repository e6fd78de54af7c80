// SPDX-License-Identifier: GPL-2.0-or-later
/* Naming the CONFIG_ symbol that keeps a file out of the build, from the makefiles. */
#include "triage_test.h"

struct why_fixture {
	char *root;
	struct tt_kconfig *cfg;
};

static int setup(void **state)
{
	struct why_fixture *f = tt_xcalloc(1, sizeof(*f));
	f->root = tri_fixture("src");
	char *cfg = tri_fixture("config/mini.config");
	struct tt_error err = {0};
	if (tt_kconfig_load(cfg, &f->cfg, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	free(cfg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct why_fixture *f = *state;
	tt_kconfig_free(f->cfg);
	free(f->root);
	free(f);
	return 0;
}

static void expect(void **state, const char *path, const char *want)
{
	struct why_fixture *f = *state;
	char *note = tt_profile_why_not_built(f->root, f->cfg, path);
	if (!want) {
		if (note)
			fail_msg("%s: expected no symbol, got '%s'", path, note);
		return;
	}
	if (!note || strcmp(note, want) != 0)
		fail_msg("%s: expected '%s', got '%s'", path, want, note ? note : "(null)");
	free(note);
}

static void test_composite_object_names_its_linking_symbol(void **state)
{
	expect(state, "net/netfilter/nft_set_rbtree.c", "CONFIG_NF_TABLES is not set");
}

static void test_ifdef_block_names_its_symbol(void **state)
{
	expect(state, "net/netfilter/nft_inet_only.c", "CONFIG_NF_TABLES_INET is not set");
}

static void test_variable_holding_objects_is_followed(void **state)
{
	expect(state, "net/netfilter/shared.c", "CONFIG_NFT_A is not set");
}

static void test_parent_makefile_listing_subdir_objects(void **state)
{
	expect(state, "drivers/gpu/drm/msm/disp/dpu1/dpu_encoder.c", "CONFIG_DRM_MSM is not set");
}

static void test_directory_chain_is_followed_up(void **state)
{
	struct why_fixture *f = *state;
	static const char text[] = "CONFIG_X86=y\nCONFIG_NET=y\nCONFIG_NF_TABLES=m\n";
	struct tt_kconfig *cfg;
	assert_int_equal(tt_kconfig_parse(text, sizeof(text) - 1, "t", &cfg, NULL, NULL), 0);
	char *note = tt_profile_why_not_built(f->root, cfg, "net/netfilter/nft_set_rbtree.c");
	assert_non_null(note);
	assert_string_equal(note, "CONFIG_NETFILTER is not set");
	free(note);
	tt_kconfig_free(cfg);
}

static void test_built_or_unnamed_files_have_no_symbol(void **state)
{
	expect(state, "net/core/dev.c", NULL);
	/* #included by build_policy.c: no rule names rt.o. */
	expect(state, "kernel/sched/rt.c", NULL);
	expect(state, "no/such/dir/file.c", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_composite_object_names_its_linking_symbol, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_ifdef_block_names_its_symbol, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_variable_holding_objects_is_followed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_parent_makefile_listing_subdir_objects, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_directory_chain_is_followed_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_built_or_unnamed_files_have_no_symbol, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
