// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Putting a verified module into the kernel and taking it out again, with
 * the crash-safety mark around the load and the transition watched to its end:
 *
 *   mark loading (durable) -> finit_module -> watch: signal, reverse -> clear
 *
 * A host that dies between the mark and the clear comes back with the mark
 * set; tt_agent_recover then holds that patch instead of loading it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/agent.h"
#include "tuxtape/build.h"

/* sha256 (hex) of a file's bytes into hex[65]. */
static int file_sha256(const char *path, char hex[65], struct tt_error *err)
{
	char *data = NULL;
	size_t len = 0;
	int rc = tt_read_file(path, &data, &len, err);
	if (rc < 0)
		return rc;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (!EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL))
		rc = tt_error_set(err, -EIO, "%s: sha256 failed", path);
	free(data);
	for (unsigned int i = 0; rc == 0 && i < md_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return rc;
}

/* The cached file is still what was verified, names itself p->name, and is a livepatch. */
static int load_check_file(struct tt_agent *a, const struct tt_agent_patch *p, struct tt_error *err)
{
	if (!p->file || !p->sha256)
		return tt_error_set(err, -ENOENT, "%s: no verified module in the cache", p->name);
	char hex[65] = "";
	int rc = file_sha256(p->file, hex, err);
	if (rc < 0)
		return rc;
	if (strcmp(hex, p->sha256) != 0)
		return tt_error_set(err, -EBADMSG,
				    "%s: the cached module changed since it was verified "
				    "(sha256 %s, verified %s)",
				    p->file, hex, p->sha256);
	char *name = NULL;
	bool livepatch = false;
	rc = tt_boot_module_info(p->file, &name, &livepatch, NULL, err);
	if (rc == 0 && strcmp(name, p->name) != 0)
		rc = tt_error_set(err, -EINVAL, "%s: the module calls itself %s, released as %s",
				  p->file, name, p->name);
	else if (rc == 0 && !livepatch)
		rc = tt_error_set(err, -EINVAL, "%s: not a livepatch module", p->file);
	free(name);
	return rc;
}

/* Lockdown or sig_enforce refuse unsigned modules: say so before the kernel does. */
static int load_check_signature(struct tt_agent *a, const struct tt_agent_patch *p,
				struct tt_error *err)
{
	struct tt_agent_check checks[TT_AGENT_N_CHECKS];
	tt_agent_preflight(a->cfg, checks);
	for (int i = 0; i < TT_AGENT_N_CHECKS; i++)
		if (checks[i].needs_sig && !tt_agent_module_signed(p->file))
			return tt_error_set(err, -EKEYREJECTED, "%s is not signed and %s", p->name,
					    checks[i].message);
	return 0;
}

static void load_failed(struct tt_agent *a, struct tt_agent_patch *p, const char *kind,
			const char *why)
{
	tt_agent_patch_set(p, TT_AGENT_PATCH_FAILED, why);
	tt_agent_report(a, kind, p->name, why, NULL);
}

/* Reversed: report who blocked, take the module out, and do not try again on our own. */
static void load_reverted(struct tt_agent *a, struct tt_agent_patch *p, struct tt_agent_watch *w)
{
	_cleanup_free_ char *msg = tt_xasprintf(
	    "the patching transition did not finish in %.0f s and was reversed; tasks blocking it:",
	    a->cfg->revert_after);
	tt_agent_report(a, "transition_reverted", p->name, msg, w->blocking);
	tt_agent_patch_set(p, TT_AGENT_PATCH_REVERTED, msg);
	p->hold = true;
	struct tt_error e = {0};
	if (a->ops.unload_module(a->ops.ctx, p->name, &e) < 0)
		tt_strv_push_owned(&a->log,
				   tt_xasprintf("%s stays loaded, disabled: %s", p->name, e.msg));
}

/* Poll the transition until it ends one way or the other. */
static enum tt_agent_watch_result load_watch(struct tt_agent *a, struct tt_agent_patch *p,
					     struct tt_error *err)
{
	struct tt_agent_watch w;
	tt_agent_watch_start(&w, p->name, a->ops.now(a->ops.ctx));
	/* Bounded: a reversal that never finishes is reported, not waited for forever. */
	double give_up = a->cfg->revert_after * 2 + 10;
	enum tt_agent_watch_result r;
	for (;;) {
		double now = a->ops.now(a->ops.ctx);
		r = tt_agent_watch_poll(&w, a->cfg, now, err);
		if (r == TT_AGENT_WATCH_SIGNALLED)
			tt_agent_report(a, "transition_stalled", p->name,
					"the patching transition is slow: the blocking tasks were "
					"signalled",
					NULL);
		if (r == TT_AGENT_WATCH_DONE || r == TT_AGENT_WATCH_REVERTED ||
		    r == TT_AGENT_WATCH_FAILED)
			break;
		if (now - w.started > give_up) {
			tt_error_set(err, -ETIMEDOUT,
				     "%s: the reversed transition has not finished after %.0f s",
				     p->name, now - w.started);
			r = TT_AGENT_WATCH_FAILED;
			break;
		}
		a->ops.sleep(a->ops.ctx, a->cfg->poll_interval);
	}
	if (r == TT_AGENT_WATCH_REVERTED)
		load_reverted(a, p, &w);
	tt_agent_watch_free(&w);
	return r;
}

static int load_insert(struct tt_agent *a, struct tt_agent_patch *p, struct tt_error *err)
{
	int fd = open(p->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tt_error_set(err, -errno, "%s: %s", p->file, strerror(errno));
	int rc = a->ops.load_module(a->ops.ctx, fd, p->name, err);
	close(fd);
	return rc;
}

int tt_agent_load(struct tt_agent *a, struct tt_agent_patch *p, struct tt_error *err)
{
	struct tt_error local = {0};
	if (!err)
		err = &local; /* the reports need the message */
	int rc = load_check_file(a, p, err);
	if (rc == 0)
		rc = load_check_signature(a, p, err);
	if (rc < 0) {
		load_failed(a, p, "load_failure", err->msg);
		return rc;
	}
	/* Durable before the kernel sees the module: this is what survives a crash. */
	rc = tt_fleet_state_mark_loading(a->state, p->name, err);
	if (rc < 0)
		return rc;
	tt_agent_patch_set(p, TT_AGENT_PATCH_LOADING, NULL);
	rc = tt_agent_ledger_save(&a->ledger, err);
	if (rc == 0)
		rc = load_insert(a, p, err);
	if (rc < 0) {
		load_failed(a, p, "load_failure", err->msg);
	} else {
		enum tt_agent_watch_result r = load_watch(a, p, err);
		if (r == TT_AGENT_WATCH_DONE) {
			tt_agent_patch_set(p, TT_AGENT_PATCH_ENABLED, NULL);
			tt_strv_push_owned(&a->log, tt_xasprintf("%s: enabled", p->name));
		} else if (r == TT_AGENT_WATCH_FAILED) {
			load_failed(a, p, "load_failure", err->msg);
			rc = -EIO;
		} else {
			rc = -ECANCELED;
			tt_error_set(err, rc, "%s: transition reversed", p->name);
		}
	}
	struct tt_error e2 = {0};
	tt_fleet_state_clear(a->state, p->name, &e2);
	tt_agent_ledger_save(&a->ledger, &e2);
	return rc;
}

/* Wait for an unpatching transition to end (the patch is then freed). */
static bool unload_wait(struct tt_agent *a, const char *name)
{
	double start = a->ops.now(a->ops.ctx);
	for (;;) {
		struct tt_agent_lp lp;
		if (tt_agent_lp_read(a->cfg, name, &lp, NULL) < 0 || lp.transition == 0)
			return true;
		if (a->ops.now(a->ops.ctx) - start > a->cfg->revert_after)
			return false;
		a->ops.sleep(a->ops.ctx, a->cfg->poll_interval);
	}
}

int tt_agent_unload(struct tt_agent *a, const char *name, bool hold, const char *reason,
		    struct tt_error *err)
{
	struct tt_agent_lp lp;
	int rc = tt_agent_lp_read(a->cfg, name, &lp, err);
	if (rc == 0 && lp.enabled == 1)
		rc = tt_agent_lp_disable(a->cfg, name, err);
	if (rc == 0 && !unload_wait(a, name))
		rc = tt_error_set(err, -ETIMEDOUT,
				  "%s: the unpatching transition has not finished after %.0f s "
				  "(see tuxtape-agent blocking)",
				  name, a->cfg->revert_after);
	if (rc == 0 || rc == -ENOENT) {
		struct tt_error e = {0};
		/* A module already gone is what we wanted. */
		if (a->ops.unload_module(a->ops.ctx, name, &e) < 0 && e.code != -ENOENT)
			tt_strv_push_owned(&a->log, tt_xasprintf("%s: %s", name, e.msg));
		rc = 0;
	}
	struct tt_agent_patch *p = tt_agent_ledger_find(&a->ledger, name);
	if (rc == 0 && p) {
		tt_agent_patch_set(p, TT_AGENT_PATCH_DISABLED, reason);
		p->hold = hold;
		rc = tt_agent_ledger_save(&a->ledger, err);
	}
	if (rc == 0)
		tt_agent_report(a, "unloaded", name, reason, NULL);
	return rc;
}

int tt_agent_recover(struct tt_agent *a, struct tt_error *err)
{
	struct tt_strv marked = TT_STRV_INIT;
	tt_fleet_state_list_marked(a->state, &marked);
	int rc = 0;
	for (size_t i = 0; i < marked.n && rc == 0; i++) {
		const char *name = marked.v[i];
		struct tt_agent_lp lp;
		struct tt_agent_patch *p = tt_agent_ledger_add(&a->ledger, name);
		if (tt_agent_lp_read(a->cfg, name, &lp, NULL) == 0 && lp.enabled == 1 &&
		    lp.transition == 0) {
			/* Same boot, the agent stopped after the kernel finished: nothing lost. */
			tt_agent_patch_set(p, TT_AGENT_PATCH_ENABLED, NULL);
		} else {
			const char *why = "the host crashed or rebooted while this patch was being "
					  "loaded; it is held and will not be loaded again "
					  "automatically (tuxtape-agent apply NAME to retry)";
			tt_agent_patch_set(p, TT_AGENT_PATCH_FAILED, why);
			p->hold = true;
			tt_agent_report(a, "reboot_after_patch", name, why, NULL);
		}
		rc = tt_fleet_state_clear(a->state, name, err);
	}
	if (rc == 0 && marked.n)
		rc = tt_agent_ledger_save(&a->ledger, err);
	size_t n = marked.n;
	tt_strv_free(&marked);
	return rc < 0 ? rc : (int)n;
}

int tt_agent_reconcile(struct tt_agent *a)
{
	int changed = 0;
	for (size_t i = 0; i < a->ledger.n; i++) {
		struct tt_agent_patch *p = &a->ledger.patches[i];
		struct tt_agent_lp lp;
		if (p->state != TT_AGENT_PATCH_ENABLED ||
		    tt_agent_lp_read(a->cfg, p->name, &lp, NULL) == 0)
			continue;
		tt_agent_patch_set(p, TT_AGENT_PATCH_DISABLED,
				   "no longer in the kernel: replaced by an atomic-replace patch, "
				   "or removed outside the agent");
		changed++;
	}
	return changed;
}

/* Whether the boot loader should load p now. */
static bool boot_wanted(const struct tt_agent *a, const struct tt_agent_patch *p)
{
	struct tt_agent_lp lp;
	return !p->hold && p->state == TT_AGENT_PATCH_ENABLED && p->kernel_release &&
	       strcmp(p->kernel_release, a->kernel.release) == 0 &&
	       tt_agent_lp_read(a->cfg, p->name, &lp, NULL) < 0;
}

/* The next patch to load at boot: the lowest patch_version not yet tried. */
static struct tt_agent_patch *boot_next(struct tt_agent *a, const bool *tried)
{
	struct tt_agent_patch *best = NULL;
	for (size_t i = 0; i < a->ledger.n; i++) {
		struct tt_agent_patch *p = &a->ledger.patches[i];
		if (!tried[i] && boot_wanted(a, p) &&
		    (!best || p->patch_version < best->patch_version))
			best = p;
	}
	return best;
}

int tt_agent_boot_load(struct tt_agent *a, struct tt_error *err)
{
	const char *killed = tt_agent_killed(a->cfg);
	if (killed)
		return tt_error_set(err, -ECANCELED, "not loading: %s", killed);
	int failed = 0;
	/* Oldest first: a later atomic-replace patch must end on top, as it was loaded. */
	bool *tried = tt_xcalloc(a->ledger.n + 1, sizeof(*tried));
	struct tt_agent_patch *p;
	while ((p = boot_next(a, tried))) {
		tried[p - a->ledger.patches] = true;
		struct tt_error e = {0};
		if (tt_agent_load(a, p, &e) < 0) {
			failed++;
			tt_strv_push_owned(&a->log, tt_xasprintf("%s", e.msg));
		}
	}
	free(tried);
	if (failed)
		return tt_error_set(err, -EIO, "%d cached patch(es) did not load", failed);
	return 0;
}
