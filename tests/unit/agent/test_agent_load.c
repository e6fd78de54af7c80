// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Loading against a fake kernel: the module load, the transition, the
 * reversal, the crash marks and the boot-time loader. The fake kernel is a
 * set of ops that write /sys/kernel/livepatch as the real one would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "fake_tree.h"

/* How the fake kernel behaves for the next load. */
enum fake_behaviour { LOADS, STUCK, REFUSES };

struct fake_kernel {
	struct fake_tree *t;
	enum fake_behaviour behaviour;
	double clock;
	int loads, unloads;
	char last[64];
};

static int fake_load(void *ctx, int fd, const char *name, struct tt_error *err)
{
	struct fake_kernel *k = ctx;
	k->loads++;
	snprintf(k->last, sizeof(k->last), "%s", name);
	if (k->behaviour == REFUSES)
		return tt_error_set(err, -ENOEXEC, "finit_module %s: Exec format error", name);
	fake_livepatch(k->t, name, 1, k->behaviour == STUCK);
	return 0;
}

static int fake_unload(void *ctx, const char *name, struct tt_error *err)
{
	struct fake_kernel *k = ctx;
	k->unloads++;
	return 0;
}

static double fake_now(void *ctx)
{
	return ((struct fake_kernel *)ctx)->clock;
}

/* Time passes; a reversed transition finishes and the kernel frees the patch. */
static void fake_sleep(void *ctx, double s)
{
	struct fake_kernel *k = ctx;
	k->clock += 1;
	_cleanup_free_ char *rel = tt_xasprintf("/sys/kernel/livepatch/%s/enabled", k->last);
	if (strcmp(fake_read(k->t, rel), "0") == 0) {
		_cleanup_free_ char *dir = tt_xasprintf("/sys/kernel/livepatch/%s", k->last);
		fake_remove(k->t, dir);
	}
}

struct fixture {
	struct fake_tree t;
	struct fake_kernel k;
	struct tt_agent_ops ops;
	struct tt_agent a;
};

static void fixture_open(struct fixture *f)
{
	assert_int_equal(tt_agent_open(&f->a, &f->t.cfg, &f->ops, NULL), 0);
}

static int setup(void **state)
{
	struct fixture *f = tt_xcalloc(1, sizeof(*f));
	fake_tree_new(&f->t);
	tt_agent_config_set(&f->t.cfg, "signal_after", "3", NULL);
	tt_agent_config_set(&f->t.cfg, "revert_after", "6", NULL);
	f->k.t = &f->t;
	f->ops = (struct tt_agent_ops){fake_load, fake_unload, fake_now, fake_sleep, &f->k};
	fixture_open(f);
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

static char *sha256_hex(const char *path)
{
	char *data;
	size_t len;
	assert_int_equal(tt_read_file(path, &data, &len, NULL), 0);
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	free(data);
	struct tt_buf b = TT_BUF_INIT;
	for (unsigned i = 0; i < n; i++)
		tt_buf_addf(&b, "%02x", md[i]);
	return tt_buf_detach(&b);
}

/* A verified patch in the ledger, as a refresh cycle leaves it. */
static struct tt_agent_patch *add_patch(struct fixture *f, const char *name)
{
	struct tt_agent_patch *p = tt_agent_ledger_add(&f->a.ledger, name);
	p->file = fake_module(&f->t, name);
	p->sha256 = sha256_hex(p->file);
	p->target = tt_xasprintf(FAKE_RELEASE "/%s.ko", name);
	p->kernel_release = tt_xstrdup(FAKE_RELEASE);
	tt_strv_push(&p->cves, "CVE-2026-0001");
	return p;
}

static bool logged(struct tt_agent *a, const char *needle)
{
	for (size_t i = 0; i < a->log.n; i++)
		if (strstr(a->log.v[i], needle))
			return true;
	return false;
}

static bool marked(struct tt_agent *a, const char *name)
{
	struct tt_strv m = TT_STRV_INIT;
	tt_fleet_state_list_marked(a->state, &m);
	bool found = tt_strv_contains(&m, name);
	tt_strv_free(&m);
	return found;
}

static void test_load_good(void **state)
{
	struct fixture *f = *state;
	struct tt_agent_patch *p = add_patch(f, "tt_good");
	assert_int_equal(tt_agent_load(&f->a, p, NULL), 0);
	assert_int_equal(p->state, TT_AGENT_PATCH_ENABLED);
	assert_int_equal(f->k.loads, 1);
	assert_false(marked(&f->a, "tt_good"));
	/* The ledger on disk says so too. */
	tt_agent_close(&f->a);
	fixture_open(f);
	assert_int_equal(tt_agent_ledger_find(&f->a.ledger, "tt_good")->state,
			 TT_AGENT_PATCH_ENABLED);
}

static void test_load_stuck_is_reversed(void **state)
{
	struct fixture *f = *state;
	struct tt_agent_patch *p = add_patch(f, "tt_stuck");
	fake_task(&f->t, 87, 87, "tt_stuck", 0, "[<0>] tt_stuck_wait+0x11/0x30\n");
	f->k.behaviour = STUCK;
	assert_int_equal(tt_agent_load(&f->a, p, NULL), -ECANCELED);
	assert_int_equal(p->state, TT_AGENT_PATCH_REVERTED);
	assert_true(p->hold);
	assert_true(logged(&f->a, "report transition_stalled tt_stuck"));
	assert_true(logged(&f->a, "report transition_reverted tt_stuck"));
	assert_int_equal(f->k.unloads, 1);
	assert_false(marked(&f->a, "tt_stuck"));
	/* Reversed within revert_after and the poll that noticed, never forced. */
	assert_true(f->k.clock <= 8);
}

static void test_load_refused(void **state)
{
	struct fixture *f = *state;
	struct tt_agent_patch *p = add_patch(f, "tt_bad");
	f->k.behaviour = REFUSES;
	struct tt_error err = {0};
	assert_true(tt_agent_load(&f->a, p, &err) < 0);
	assert_int_equal(p->state, TT_AGENT_PATCH_FAILED);
	assert_true(logged(&f->a, "report load_failure tt_bad: finit_module"));
	assert_false(marked(&f->a, "tt_bad"));
}

static void test_load_changed_cache_is_refused(void **state)
{
	struct fixture *f = *state;
	struct tt_agent_patch *p = add_patch(f, "tt_changed");
	free(p->sha256);
	p->sha256 = tt_xstrdup("00");
	struct tt_error err = {0};
	assert_int_equal(tt_agent_load(&f->a, p, &err), -EBADMSG);
	assert_int_equal(f->k.loads, 0);
	assert_non_null(strstr(err.msg, "changed since it was verified"));
}

static void test_load_name_must_match(void **state)
{
	struct fixture *f = *state;
	struct tt_agent_patch *p = add_patch(f, "tt_named");
	free(p->name);
	p->name = tt_xstrdup("tt_other");
	struct tt_error err = {0};
	assert_int_equal(tt_agent_load(&f->a, p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "calls itself tt_named"));
	assert_int_equal(f->k.loads, 0);
}

static void test_unsigned_under_lockdown(void **state)
{
	struct fixture *f = *state;
	struct tt_agent_patch *p = add_patch(f, "tt_unsigned");
	fake_write(&f->t, "/sys/kernel/security/lockdown", "none [integrity] confidentiality\n");
	struct tt_error err = {0};
	assert_int_equal(tt_agent_load(&f->a, p, &err), -EKEYREJECTED);
	assert_non_null(strstr(err.msg, "not signed"));
	assert_int_equal(f->k.loads, 0);
}

static void test_crash_mark_holds_the_patch(void **state)
{
	struct fixture *f = *state;
	add_patch(f, "tt_crashy");
	assert_int_equal(tt_agent_ledger_save(&f->a.ledger, NULL), 0);
	/* The host died between the mark and the end of the transition. */
	assert_int_equal(tt_fleet_state_mark_loading(f->a.state, "tt_crashy", NULL), 0);
	tt_agent_close(&f->a);
	fixture_open(f);
	assert_int_equal(tt_agent_recover(&f->a, NULL), 1);
	struct tt_agent_patch *p = tt_agent_ledger_find(&f->a.ledger, "tt_crashy");
	assert_true(p->hold);
	assert_int_equal(p->state, TT_AGENT_PATCH_FAILED);
	assert_true(logged(&f->a, "report reboot_after_patch tt_crashy"));
	assert_false(marked(&f->a, "tt_crashy"));
	/* Held: the boot loader leaves it out, even if it was enabled before. */
	p->state = TT_AGENT_PATCH_ENABLED;
	assert_int_equal(tt_agent_boot_load(&f->a, NULL), 0);
	assert_int_equal(f->k.loads, 0);
	/* A second start finds nothing more to recover. */
	assert_int_equal(tt_agent_recover(&f->a, NULL), 0);
}

static void test_mark_of_a_finished_load_is_cleared(void **state)
{
	struct fixture *f = *state;
	add_patch(f, "tt_done");
	assert_int_equal(tt_fleet_state_mark_loading(f->a.state, "tt_done", NULL), 0);
	/* Same boot: the agent stopped after the kernel had finished. */
	fake_livepatch(&f->t, "tt_done", 1, 0);
	assert_int_equal(tt_agent_recover(&f->a, NULL), 1);
	struct tt_agent_patch *p = tt_agent_ledger_find(&f->a.ledger, "tt_done");
	assert_false(p->hold);
	assert_int_equal(p->state, TT_AGENT_PATCH_ENABLED);
}

static void test_boot_load(void **state)
{
	struct fixture *f = *state;
	add_patch(f, "tt_one")->state = TT_AGENT_PATCH_ENABLED;
	struct tt_agent_patch *other = add_patch(f, "tt_other_kernel");
	other->state = TT_AGENT_PATCH_ENABLED;
	free(other->kernel_release);
	other->kernel_release = tt_xstrdup("6.1.0-18-amd64");
	add_patch(f, "tt_failed")->state = TT_AGENT_PATCH_FAILED;
	/* A kill switch stops the boot loader too. */
	fake_write(&f->t, "/proc/cmdline", "quiet tuxtape.enable=0\n");
	struct tt_error err = {0};
	assert_int_equal(tt_agent_boot_load(&f->a, &err), -ECANCELED);
	assert_int_equal(f->k.loads, 0);
	fake_write(&f->t, "/proc/cmdline", "quiet\n");
	assert_int_equal(tt_agent_boot_load(&f->a, NULL), 0);
	assert_int_equal(f->k.loads, 1);
	assert_string_equal(f->k.last, "tt_one");
	/* Already in the kernel: not loaded twice. */
	assert_int_equal(tt_agent_boot_load(&f->a, NULL), 0);
	assert_int_equal(f->k.loads, 1);
}

static void test_boot_order_and_reconcile(void **state)
{
	struct fixture *f = *state;
	add_patch(f, "tt_newer")->patch_version = 7;
	add_patch(f, "tt_older")->patch_version = 2;
	for (size_t i = 0; i < f->a.ledger.n; i++)
		f->a.ledger.patches[i].state = TT_AGENT_PATCH_ENABLED;
	assert_int_equal(tt_agent_boot_load(&f->a, NULL), 0);
	/* Loaded oldest first, so the newer one is on top. */
	assert_int_equal(f->k.loads, 2);
	assert_string_equal(f->k.last, "tt_newer");
	/* An atomic replace took tt_older out of the kernel. */
	fake_remove(&f->t, "/sys/kernel/livepatch/tt_older");
	assert_int_equal(tt_agent_reconcile(&f->a), 1);
	struct tt_agent_patch *older = tt_agent_ledger_find(&f->a.ledger, "tt_older");
	assert_int_equal(older->state, TT_AGENT_PATCH_DISABLED);
	assert_non_null(strstr(older->message, "atomic-replace"));
	assert_int_equal(tt_agent_reconcile(&f->a), 0);
}

static void test_unload_holds(void **state)
{
	struct fixture *f = *state;
	struct tt_agent_patch *p = add_patch(f, "tt_out");
	assert_int_equal(tt_agent_load(&f->a, p, NULL), 0);
	f->k.last[0] = '\0';
	snprintf(f->k.last, sizeof(f->k.last), "tt_out");
	assert_int_equal(tt_agent_unload(&f->a, "tt_out", true, "unloaded by the operator", NULL),
			 0);
	p = tt_agent_ledger_find(&f->a.ledger, "tt_out");
	assert_true(p->hold);
	assert_int_equal(p->state, TT_AGENT_PATCH_DISABLED);
	assert_string_equal(fake_read(&f->t, "/sys/kernel/livepatch/tt_out/enabled"), "0");
	assert_int_equal(f->k.unloads, 1);
	assert_true(logged(&f->a, "report unloaded tt_out: unloaded by the operator"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_load_good, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_stuck_is_reversed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_changed_cache_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_name_must_match, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsigned_under_lockdown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_mark_holds_the_patch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mark_of_a_finished_load_is_cleared, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_boot_load, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_boot_order_and_reconcile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unload_holds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
