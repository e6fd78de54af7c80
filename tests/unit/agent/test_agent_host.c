// SPDX-License-Identifier: GPL-2.0-or-later
/* The host as the agent reads it: kernel identity, kill switches, pre-flight, configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "fake_tree.h"

static int setup(void **state)
{
	struct fake_tree *t = tt_xcalloc(1, sizeof(*t));
	fake_tree_new(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	fake_tree_free(*state);
	free(*state);
	return 0;
}

static void test_kernel_release_and_build_id(void **state)
{
	struct fake_tree *t = *state;
	struct tt_agent_kernel k;
	assert_int_equal(tt_agent_kernel_read(&t->cfg, &k, NULL), 0);
	assert_string_equal(k.release, FAKE_RELEASE);
	assert_string_equal(k.build_id, FAKE_BUILD_ID);
	/* Without notes the release alone identifies the kernel. */
	fake_remove(t, "/sys/kernel/notes");
	assert_int_equal(tt_agent_kernel_read(&t->cfg, &k, NULL), 0);
	assert_string_equal(k.build_id, "");
}

static void test_notes_truncated_or_foreign(void **state)
{
	char hex[64];
	unsigned char bad[12] = {4, 0, 0, 0, 0xff, 0xff, 0, 0, 3, 0, 0, 0};
	assert_false(tt_agent_notes_build_id(bad, sizeof(bad), hex, sizeof(hex)));
	assert_false(tt_agent_notes_build_id(bad, 5, hex, sizeof(hex)));
	/* A Xen note (type 3 but name "Xen") is not a build id. */
	unsigned char xen[20] = {4, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 'X', 'e', 'n', 0, 1, 2, 3, 4};
	assert_false(tt_agent_notes_build_id(xen, sizeof(xen), hex, sizeof(hex)));
}

static void test_kill_switches(void **state)
{
	struct fake_tree *t = *state;
	assert_null(tt_agent_killed(&t->cfg));
	fake_write(t, "/proc/cmdline", "root=/dev/vda1 tuxtape.enable=0 quiet\n");
	assert_non_null(strstr(tt_agent_killed(&t->cfg), "tuxtape.enable=0"));
	/* Only the whole word counts. */
	fake_write(t, "/proc/cmdline", "root=/dev/vda1 tuxtape.enable=01 xtuxtape.enable=0\n");
	assert_null(tt_agent_killed(&t->cfg));
	fake_write(t, "/proc/cmdline", "tuxtape.enable=0");
	assert_non_null(tt_agent_killed(&t->cfg));
	fake_write(t, "/proc/cmdline", "quiet\n");
	fake_write(t, "/etc/tuxtape/disable", "");
	assert_non_null(strstr(tt_agent_killed(&t->cfg), "kill file"));
	fake_remove(t, "/etc/tuxtape/disable");
	assert_null(tt_agent_killed(&t->cfg));
}

static const struct tt_agent_check *find_check(const struct tt_agent_check *c, const char *name)
{
	for (int i = 0; i < TT_AGENT_N_CHECKS; i++)
		if (strcmp(c[i].name, name) == 0)
			return &c[i];
	fail_msg("no check %s", name);
	return NULL;
}

static void test_preflight(void **state)
{
	struct fake_tree *t = *state;
	struct tt_agent_check c[TT_AGENT_N_CHECKS];
	assert_int_equal(tt_agent_preflight(&t->cfg, c), 0);
	fake_write(t, "/proc/sys/kernel/ftrace_enabled", "0\n");
	fake_write(t, "/sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
	fake_write(t, "/sys/module/module/parameters/sig_enforce", "Y\n");
	fake_remove(t, "/sys/kernel/livepatch");
	assert_int_equal(tt_agent_preflight(&t->cfg, c), 2);
	assert_true(find_check(c, "livepatch")->fatal);
	assert_non_null(strstr(find_check(c, "livepatch")->message, "CONFIG_LIVEPATCH"));
	assert_true(find_check(c, "ftrace")->fatal);
	assert_non_null(strstr(find_check(c, "ftrace")->message, "ftrace_enabled"));
	assert_true(find_check(c, "lockdown")->needs_sig);
	assert_false(find_check(c, "lockdown")->fatal);
	assert_non_null(strstr(find_check(c, "lockdown")->message, "[integrity]"));
	assert_true(find_check(c, "sig_enforce")->needs_sig);
	/* Enforced, and no key the kernel trusts. */
	fake_write(t, "/proc/keys",
		   "1d3e1a6b I------     1 perm 1f0b0000     0     0 keyring   "
		   ".builtin_trusted_keys: 1\n");
	tt_agent_preflight(&t->cfg, c);
	assert_false(find_check(c, "signing_keys")->ok);
	assert_false(find_check(c, "signing_keys")->needs_sig);
	assert_non_null(strstr(find_check(c, "signing_keys")->message, "no module can load"));
	fake_write(
	    t, "/proc/keys",
	    "1d3e1a6b I------     1 perm 1f0b0000     0     0 keyring   .builtin_trusted_keys: 1\n"
	    "2a9f0c11 I------     1 perm 1f030000     0     0 asymmetri Debian Secure Boot CA: "
	    "6ccece7e4c6c0d1f6149f3dd27dfcc5cbb419ea1: X509.rsa a7466a2c []\n"
	    "0e4a3c5d I------     1 perm 1f030000     0     0 asymmetric Debian Secure Boot "
	    "CA: 6ccece7e4c6c0d1f: X509.rsa a7466a2c []\n");
	tt_agent_preflight(&t->cfg, c);
	assert_true(find_check(c, "signing_keys")->ok);
	assert_non_null(strstr(find_check(c, "signing_keys")->message,
			       "2 signing key(s): Debian Secure Boot CA"));
	fake_write(t, "/sys/kernel/security/lockdown", "[none] integrity confidentiality\n");
	tt_agent_preflight(&t->cfg, c);
	assert_true(find_check(c, "lockdown")->ok);
}

static void test_module_signed(void **state)
{
	struct fake_tree *t = *state;
	fake_write(t, "/a.ko", "\177ELF...~Module signature appended~\n");
	fake_write(t, "/b.ko", "\177ELF...");
	_cleanup_free_ char *a = tt_xasprintf("%s/a.ko", t->root);
	_cleanup_free_ char *b = tt_xasprintf("%s/b.ko", t->root);
	assert_true(tt_agent_module_signed(a));
	assert_false(tt_agent_module_signed(b));
}

static void test_config_file_and_flags(void **state)
{
	struct fake_tree *t = *state;
	fake_write(t, "/agent.conf",
		   "# the fleet\nserver = https://fleet.example/\n\n  interval=600 # ten minutes\n"
		   "on_warning = disable\nproxy =\nca_file = /etc/ssl/fleet.pem\n");
	_cleanup_free_ char *path = tt_xasprintf("%s/agent.conf", t->root);
	struct tt_agent_config cfg;
	tt_agent_config_init(&cfg);
	assert_int_equal(tt_agent_config_load(&cfg, path, NULL), 0);
	assert_string_equal(cfg.server, "https://fleet.example/");
	assert_true(cfg.interval == 600);
	assert_int_equal(cfg.on_warning, TT_AGENT_ON_WARNING_DISABLE);
	assert_null(cfg.proxy);
	assert_string_equal(cfg.ca_file, "/etc/ssl/fleet.pem");
	assert_string_equal(cfg.state_dir, TT_FLEET_STATE_DIR);
	/* A flag spells the key with dashes. */
	assert_int_equal(tt_agent_config_set(&cfg, "revert-after", "30", NULL), 0);
	assert_true(cfg.revert_after == 30);
	struct tt_error err = {0};
	assert_int_equal(tt_agent_config_set(&cfg, "interval", "soon", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "interval"));
	fake_write(t, "/bad.conf", "server = x\nretries = 3\n");
	_cleanup_free_ char *bad = tt_xasprintf("%s/bad.conf", t->root);
	assert_int_equal(tt_agent_config_load(&cfg, bad, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bad.conf:2"));
	assert_non_null(strstr(err.msg, "retries"));
	fake_write(t, "/bad.conf", "just words\n");
	assert_int_equal(tt_agent_config_load(&cfg, bad, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bad.conf:1"));
	tt_agent_config_free(&cfg);
}

static void test_select(void **state)
{
	struct tt_agent_kernel k = {FAKE_RELEASE, FAKE_BUILD_ID};
	struct tt_agent_wanted w = {"tt_a", "6.1.0-47-amd64/tt_a.ko", "aa11"};
	json_t *c =
	    json_pack("{s:s, s:s}", "kernel_release", FAKE_RELEASE, "build_id", FAKE_BUILD_ID);
	struct tt_error err = {0};
	assert_int_equal(tt_agent_select(&k, &w, c, "AA11", &err), 0);
	/* The server's sha256 and the signed one must agree. */
	assert_int_equal(tt_agent_select(&k, &w, c, "bb22", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bb22"));
	/* Another kernel's build. */
	json_object_set_new(c, "build_id", json_string("ffff"));
	assert_int_equal(tt_agent_select(&k, &w, c, "aa11", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "build id ffff"));
	struct tt_agent_kernel nobid = {FAKE_RELEASE, ""};
	assert_int_equal(tt_agent_select(&nobid, &w, c, "aa11", &err), -EINVAL);
	json_object_set_new(c, "build_id", json_string(""));
	assert_int_equal(tt_agent_select(&nobid, &w, c, "aa11", &err), 0);
	json_object_set_new(c, "kernel_release", json_string("6.1.0-18-amd64"));
	assert_int_equal(tt_agent_select(&k, &w, c, "aa11", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "6.1.0-18-amd64"));
	assert_int_equal(tt_agent_select(&k, &w, NULL, "aa11", &err), -EINVAL);
	/* No sha256 from the server: the signed one alone decides. */
	struct tt_agent_wanted any = {"tt_a", "x", NULL};
	json_object_set_new(c, "kernel_release", json_string(FAKE_RELEASE));
	assert_int_equal(tt_agent_select(&k, &any, c, "cc33", &err), 0);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_kernel_release_and_build_id, setup, teardown),
	    cmocka_unit_test(test_notes_truncated_or_foreign),
	    cmocka_unit_test_setup_teardown(test_kill_switches, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_preflight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_module_signed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_file_and_flags, setup, teardown),
	    cmocka_unit_test(test_select),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
