// SPDX-License-Identifier: GPL-2.0-or-later
/* status --json's document, check's verdicts, and the kernel log scan with its policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "fake_tree.h"

struct fixture {
	struct fake_tree t;
	struct tt_agent a;
	int unloads;
};

static int fake_unload(void *ctx, const char *name, struct tt_error *err)
{
	((struct fixture *)ctx)->unloads++;
	return 0;
}

static int fake_load(void *ctx, int fd, const char *name, struct tt_error *err)
{
	return tt_error_set(err, -EPERM, "not in this test");
}

static double fake_now(void *ctx)
{
	return 0;
}

static void fake_sleep(void *ctx, double s)
{
}

static int setup(void **state)
{
	struct fixture *f = tt_xcalloc(1, sizeof(*f));
	fake_tree_new(&f->t);
	struct tt_agent_ops ops = {fake_load, fake_unload, fake_now, fake_sleep, f};
	assert_int_equal(tt_agent_open(&f->a, &f->t.cfg, &ops, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tt_agent_close(&f->a);
	fake_tree_free(&f->t);
	free(f);
	return 0;
}

static struct tt_agent_patch *add(struct fixture *f, const char *name, int64_t version,
				  const char *cve)
{
	struct tt_agent_patch *p = tt_agent_ledger_add(&f->a.ledger, name);
	p->patch_version = version;
	tt_strv_push(&p->cves, cve);
	p->state = TT_AGENT_PATCH_ENABLED;
	return p;
}

static void test_status_json(void **state)
{
	struct fixture *f = *state;
	add(f, "tt_a", 2, "CVE-2026-0002");
	add(f, "tt_b", 5, "CVE-2026-0005");
	struct tt_agent_patch *held = add(f, "tt_held", 9, "CVE-2026-0009");
	tt_agent_patch_set(held, TT_AGENT_PATCH_FAILED, "crashed while loading");
	held->hold = true;
	fake_livepatch(&f->t, "tt_a", 1, 0);
	fake_livepatch(&f->t, "tt_b", 1, 1);
	fake_livepatch(&f->t, "kpatch_foreign", 1, 0);
	json_t *st = tt_agent_status_json(&f->a);
	/* The documented fields, with their types (docs/agent.md). */
	json_t *k = NULL, *patches = NULL, *cov = NULL, *pre = NULL, *others = NULL;
	int version = 0, enabled = 0, enrolled = 1;
	json_int_t level = 0;
	const char *uname = NULL;
	assert_int_equal(json_unpack(st, "{s:i, s:o, s:s, s:I, s:b, s:b, s:o, s:o, s:o, s:o}",
				     "status_version", &version, "kernel", &k, "uname", &uname,
				     "patch_level", &level, "enabled", &enabled, "enrolled",
				     &enrolled, "patches", &patches, "coverage", &cov, "preflight",
				     &pre, "other_livepatches", &others),
			 0);
	assert_int_equal(version, 1);
	assert_string_equal(json_string_value(json_object_get(k, "release")), FAKE_RELEASE);
	assert_string_equal(json_string_value(json_object_get(k, "build_id")), FAKE_BUILD_ID);
	/* tt_b is still in transition: only tt_a counts. */
	assert_int_equal(level, 5);
	assert_non_null(strstr(uname, FAKE_RELEASE " +livepatch level"));
	assert_true(enabled);
	assert_false(enrolled);
	assert_true(json_is_null(json_object_get(st, "kill_switch")));
	assert_true(json_is_null(json_object_get(st, "last_check")));
	assert_int_equal(json_array_size(patches), 3);
	json_t *held_j = json_array_get(patches, 2);
	assert_string_equal(json_string_value(json_object_get(held_j, "state")), "failed");
	assert_true(json_is_true(json_object_get(held_j, "hold")));
	assert_true(json_is_null(json_object_get(held_j, "kernel")));
	json_t *b = json_array_get(patches, 1);
	assert_true(json_is_true(json_object_get(json_object_get(b, "kernel"), "transition")));
	assert_int_equal(json_array_size(others), 1);
	assert_int_equal(json_array_size(pre), TT_AGENT_N_CHECKS);
	assert_int_equal(json_array_size(json_object_get(cov, "cves_fixed")), 2);
	json_decref(st);
}

static void test_status_kill_switch(void **state)
{
	struct fixture *f = *state;
	fake_write(&f->t, "/etc/tuxtape/disable", "");
	json_t *st = tt_agent_status_json(&f->a);
	assert_true(json_is_false(json_object_get(st, "enabled")));
	assert_non_null(strstr(json_string_value(json_object_get(st, "kill_switch")), "kill file"));
	assert_string_equal(json_string_value(json_object_get(st, "uname")),
			    FAKE_RELEASE " (no livepatches)");
	json_decref(st);
}

static void test_check_verdicts(void **state)
{
	struct fixture *f = *state;
	struct tt_agent_check checks[TT_AGENT_N_CHECKS];
	char why[256];
	tt_agent_preflight(&f->t.cfg, checks);
	json_t *desired = json_pack("[{s:s}, {s:s}]", "name", "tt_a", "name", "tt_b");
	struct tt_agent_lp both[] = {{"tt_a", 1, 0}, {"tt_b", 1, 0}};
	assert_int_equal(tt_agent_check_verdict(checks, desired, both, 2, why, sizeof(why)),
			 TT_AGENT_UP_TO_DATE);
	struct tt_agent_lp one[] = {{"tt_a", 1, 0}, {"tt_b", 1, 1}};
	assert_int_equal(tt_agent_check_verdict(checks, desired, one, 2, why, sizeof(why)),
			 TT_AGENT_UPDATES_PENDING);
	assert_non_null(strstr(why, "tt_b"));
	assert_int_equal(tt_agent_check_verdict(checks, NULL, one, 2, why, sizeof(why)),
			 TT_AGENT_ERROR);
	json_t *none = json_array();
	assert_int_equal(tt_agent_check_verdict(checks, none, NULL, 0, why, sizeof(why)),
			 TT_AGENT_UP_TO_DATE);
	fake_write(&f->t, "/proc/sys/kernel/ftrace_enabled", "0\n");
	tt_agent_preflight(&f->t.cfg, checks);
	assert_int_equal(tt_agent_check_verdict(checks, desired, both, 2, why, sizeof(why)),
			 TT_AGENT_UNSUPPORTED);
	assert_non_null(strstr(why, "unsupported kernel"));
	/* The exit codes are the documented ones. */
	assert_int_equal(TT_AGENT_UP_TO_DATE, 0);
	assert_int_equal(TT_AGENT_ERROR, 1);
	assert_int_equal(TT_AGENT_UPDATES_PENDING, 3);
	assert_int_equal(TT_AGENT_UNSUPPORTED, 4);
	json_decref(desired);
	json_decref(none);
}

static bool logged(struct tt_agent *a, const char *needle)
{
	for (size_t i = 0; i < a->log.n; i++)
		if (strstr(a->log.v[i], needle))
			return true;
	return false;
}

static void use_kmsg_fixture(struct fixture *f, const char *name)
{
	_cleanup_free_ char *path =
	    tt_xasprintf("%s/fleet/%s", getenv("TT_FIXTURES") ? getenv("TT_FIXTURES") : ".", name);
	char *text;
	size_t len;
	assert_int_equal(tt_read_file(path, &text, &len, NULL), 0);
	fake_write(&f->t, "/dev/kmsg", text);
	free(text);
}

static void test_kmsg_warning_report_and_policy(void **state)
{
	struct fixture *f = *state;
	add(f, "tt_lp_x", 1, "CVE-2026-0001");
	fake_livepatch(&f->t, "tt_lp_x", 1, 0);
	use_kmsg_fixture(f, "warning-ours.txt");
	assert_int_equal(tt_agent_scan_kmsg(&f->a, NULL), 0);
	assert_true(logged(&f->a, "report kernel_warning tt_lp_x: WARNING:"));
	/* Policy "report": the patch stays. */
	assert_string_equal(fake_read(&f->t, "/sys/kernel/livepatch/tt_lp_x/enabled"), "1");
	/* The cursor moved: the same records are not reported twice. */
	tt_strv_free(&f->a.log);
	assert_int_equal(tt_agent_scan_kmsg(&f->a, NULL), 0);
	assert_false(logged(&f->a, "kernel_warning"));
}

static void test_kmsg_policy_disable(void **state)
{
	struct fixture *f = *state;
	tt_agent_config_set(&f->t.cfg, "on_warning", "disable", NULL);
	add(f, "tt_lp_x", 1, "CVE-2026-0001");
	fake_livepatch(&f->t, "tt_lp_x", 1, 0);
	use_kmsg_fixture(f, "warning-ours.txt");
	assert_int_equal(tt_agent_scan_kmsg(&f->a, NULL), 0);
	assert_string_equal(fake_read(&f->t, "/sys/kernel/livepatch/tt_lp_x/enabled"), "0");
	assert_int_equal(f->unloads, 1);
	struct tt_agent_patch *p = tt_agent_ledger_find(&f->a.ledger, "tt_lp_x");
	assert_true(p->hold);
	assert_non_null(strstr(p->message, "on_warning = disable"));
}

static void test_kmsg_other_boot_starts_over(void **state)
{
	struct fixture *f = *state;
	add(f, "tt_lp_x", 1, "CVE-2026-0001");
	use_kmsg_fixture(f, "warning-ours.txt");
	/* A cursor saved in another boot would skip this boot's records. */
	assert_int_equal(tt_fleet_state_set_cursor(f->a.state, "another-boot", 100000, NULL), 0);
	assert_int_equal(tt_agent_scan_kmsg(&f->a, NULL), 0);
	assert_true(logged(&f->a, "report kernel_warning tt_lp_x"));
}

static void test_next_interval(void **state)
{
	struct fixture *f = *state;
	assert_true(tt_agent_next_interval(&f->t.cfg) == 3600);
	f->a.ledger.heartbeat_interval = 300;
	assert_int_equal(tt_agent_ledger_save(&f->a.ledger, NULL), 0);
	assert_true(tt_agent_next_interval(&f->t.cfg) == 300);
	/* An interval the operator set wins over the server's. */
	assert_int_equal(tt_agent_config_set(&f->t.cfg, "interval", "900", NULL), 0);
	assert_true(tt_agent_next_interval(&f->t.cfg) == 900);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_status_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_status_kill_switch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_check_verdicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kmsg_warning_report_and_policy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kmsg_policy_disable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kmsg_other_boot_starts_over, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_next_interval, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
