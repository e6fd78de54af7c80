// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One refresh cycle. The server says what this host should run; the signed
 * archive says what is genuine; the kernel says what happened. Nothing is
 * loaded unless all three agree, and every refusal is reported.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "tuxtape/agent.h"
#include "tuxtape/archive.h"

/* SERVER/archive/ unless configured or named by the server. */
static char *cycle_archive_url(const struct tt_agent *a, const json_t *reply)
{
	if (a->cfg->archive_url)
		return tt_xstrdup(a->cfg->archive_url);
	const char *said = json_string_value(json_object_get(reply, "archive_url"));
	if (said && *said)
		return tt_xstrdup(said);
	const char *server = a->cred.server;
	size_t n = strlen(server);
	return tt_xasprintf("%s%sarchive/", server, n && server[n - 1] == '/' ? "" : "/");
}

/* A TUF client over DIR/metadata, trusting the configured root on first use. */
static int cycle_tuf_client(struct tt_agent *a, const char *archive_url, struct tt_tuf_client **out,
			    struct tt_error *err)
{
	_cleanup_free_ char *meta_dir = tt_xasprintf("%s/metadata", a->cfg->state_dir);
	_cleanup_free_ char *root = tt_xasprintf("%s/root.json", meta_dir);
	int rc = 0;
	if (!tt_path_exists(root))
		rc = tt_tuf_client_init_root(meta_dir, a->cfg->archive_root, err);
	size_t n = strlen(archive_url);
	_cleanup_free_ char *meta_url =
	    tt_xasprintf("%s%smetadata/", archive_url, n && archive_url[n - 1] == '/' ? "" : "/");
	/* The archive goes through the same proxy and private CA as the fleet API. */
	struct tt_tuf_client_opts o = {.metadata_dir = meta_dir,
				       .metadata_url = meta_url,
				       .transport = {a->cfg->proxy, a->cfg->ca_file}};
	if (rc == 0)
		rc = tt_tuf_client_new(&o, out, err);
	if (rc == 0)
		rc = tt_tuf_client_refresh(*out, err);
	return rc;
}

/* Copy what the signed metadata says of a target into the ledger entry. */
static void cycle_record_target(struct tt_agent_patch *p, const struct tt_tuf_target *t,
				const char *sha256, const char *file)
{
	free(p->target);
	p->target = tt_xstrdup(t->name);
	free(p->sha256);
	p->sha256 = tt_xstrdup(sha256);
	free(p->file);
	p->file = tt_xstrdup(file);
	free(p->kernel_release);
	p->kernel_release =
	    tt_xstrdup(json_string_value(json_object_get(t->custom, "kernel_release")));
	p->patch_version = json_integer_value(json_object_get(t->custom, "patch_version"));
	tt_strv_free(&p->cves);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(t->custom, "cves"), i, v) if (json_is_string(v))
	    tt_strv_push(&p->cves, json_string_value(v));
}

/* Find, check, download and verify one wanted target; 0 with *file set when it may load. */
static int cycle_fetch(struct tt_agent *a, struct tt_tuf_client *c, const char *archive_url,
		       const struct tt_agent_wanted *w, struct tt_error *err)
{
	struct tt_tuf_target t;
	int rc = tt_tuf_client_find_target(c, w->target, &t, err);
	const char *sha256 =
	    rc == 0 ? json_string_value(json_object_get(t.hashes, "sha256")) : NULL;
	if (rc == 0)
		rc = tt_agent_select(&a->kernel, w, t.custom, sha256, err);
	_cleanup_free_ char *targets_dir = tt_xasprintf("%s/targets", a->cfg->state_dir);
	size_t n = strlen(archive_url);
	_cleanup_free_ char *targets_url =
	    tt_xasprintf("%s%stargets", archive_url, n && archive_url[n - 1] == '/' ? "" : "/");
	char *file = NULL;
	if (rc == 0)
		rc = tt_tuf_client_download(c, w->target, targets_url, targets_dir, &file, err);
	if (rc == 0)
		cycle_record_target(tt_agent_ledger_add(&a->ledger, w->name), &t, sha256, file);
	free(file);
	return rc;
}

static bool cycle_loaded(const struct tt_agent *a, const char *name)
{
	struct tt_agent_lp lp;
	return tt_agent_lp_read(a->cfg, name, &lp, NULL) == 0 && lp.enabled == 1;
}

/* Fetch and load one entry of the server's "desired" list. */
static void cycle_want(struct tt_agent *a, struct tt_tuf_client *c, const char *archive_url,
		       const json_t *d, int *failures)
{
	struct tt_agent_wanted w = {
	    .name = json_string_value(json_object_get(d, "name")),
	    .target = json_string_value(json_object_get(d, "target")),
	    .sha256 = json_string_value(json_object_get(d, "sha256")),
	};
	if (!w.name || !w.target || cycle_loaded(a, w.name))
		return;
	struct tt_agent_patch *p = tt_agent_ledger_find(&a->ledger, w.name);
	if (p && p->hold) {
		tt_strv_push_owned(&a->log,
				   tt_xasprintf("%s: held (%s)", w.name,
						p->message ? p->message : "by the operator"));
		return;
	}
	struct tt_error e = {0};
	if (cycle_fetch(a, c, archive_url, &w, &e) < 0) {
		(*failures)++;
		p = tt_agent_ledger_add(&a->ledger, w.name);
		if (!p->target) /* so the heartbeat names what was refused */
			p->target = tt_xstrdup(w.target);
		tt_agent_patch_set(p, TT_AGENT_PATCH_FAILED, e.msg);
		tt_agent_report(a, "verification_failed", w.name, e.msg, NULL);
		return;
	}
	if (tt_agent_load(a, tt_agent_ledger_find(&a->ledger, w.name), &e) < 0)
		(*failures)++;
}

static void cycle_remove(struct tt_agent *a, const json_t *remove)
{
	size_t i;
	json_t *v;
	json_array_foreach(remove, i, v)
	{
		struct tt_error e = {0};
		struct tt_agent_lp lp;
		const char *name = json_string_value(v);
		/* Only what the kernel holds: a patch already gone needs no second report. */
		if (!name || tt_agent_lp_read(a->cfg, name, &lp, NULL) < 0)
			continue;
		if (tt_agent_unload(a, name, false, "withdrawn by the server", &e) < 0)
			tt_strv_push_owned(&a->log, tt_xasprintf("%s", e.msg));
	}
}

/* Everything the heartbeat answer asks for; returns how many patches failed. */
static int cycle_apply(struct tt_agent *a, const json_t *reply, struct tt_error *err)
{
	cycle_remove(a, json_object_get(reply, "remove"));
	const json_t *desired = json_object_get(reply, "desired");
	if (!json_array_size(desired))
		return 0;
	_cleanup_free_ char *archive_url = cycle_archive_url(a, reply);
	struct tt_tuf_client *c = NULL;
	int rc = cycle_tuf_client(a, archive_url, &c, err);
	if (rc < 0) {
		tt_error_prefix(err, "signed archive %s: ", archive_url);
		tt_agent_report(a, "verification_failed", NULL, err->msg, NULL);
		tt_tuf_client_free(c);
		return rc;
	}
	int failures = 0;
	size_t i;
	json_t *d;
	json_array_foreach(desired, i, d) cycle_want(a, c, archive_url, d, &failures);
	tt_tuf_client_free(c);
	if (failures)
		return tt_error_set(err, -EIO, "%d patch(es) could not be applied (reported)",
				    failures);
	return 0;
}

static void cycle_finish(struct tt_agent *a, int rc, const struct tt_error *err)
{
	a->ledger.last_check = (int64_t)time(NULL);
	free(a->ledger.last_result);
	a->ledger.last_result = tt_xstrdup(rc == 0 ? "ok" : err->msg);
	struct tt_error e = {0};
	if (tt_agent_ledger_save(&a->ledger, &e) < 0)
		tt_strv_push_owned(&a->log, tt_xasprintf("%s", e.msg));
}

/* The checks that must pass before anything is loaded; -ENOTSUP names the first failure. */
static int cycle_may_load(struct tt_agent *a, struct tt_error *err)
{
	const char *killed = tt_agent_killed(a->cfg);
	if (killed)
		return tt_error_set(err, -ECANCELED, "not loading anything: %s", killed);
	struct tt_agent_check checks[TT_AGENT_N_CHECKS];
	if (tt_agent_preflight(a->cfg, checks) == 0)
		return 0;
	for (int i = 0; i < TT_AGENT_N_CHECKS; i++)
		if (checks[i].fatal)
			return tt_error_set(err, -ENOTSUP, "%s", checks[i].message);
	return 0;
}

int tt_agent_cycle(struct tt_agent *a, struct tt_error *err)
{
	struct tt_error local = {0};
	if (!err)
		err = &local;
	struct tt_error scan_err = {0};
	/* What the kernel said since the last cycle comes first: it may disable a patch. */
	if (tt_agent_scan_kmsg(a, &scan_err) < 0)
		tt_strv_push_owned(&a->log, tt_xasprintf("kernel log: %s", scan_err.msg));
	json_t *reply = NULL;
	int rc = tt_agent_heartbeat(a, &reply, err);
	int gate = rc == 0 ? cycle_may_load(a, err) : 0;
	if (rc == 0 && gate == 0)
		rc = cycle_apply(a, reply, err);
	else if (gate < 0)
		rc = gate;
	json_decref(reply);
	if (gate == 0)
		tt_agent_reconcile(a);
	/* Loading logs messages of its own (refusals, WARNINGs): read them now. */
	if (tt_agent_scan_kmsg(a, &scan_err) < 0)
		tt_strv_push_owned(&a->log, tt_xasprintf("kernel log: %s", scan_err.msg));
	json_t *again = NULL;
	struct tt_error hb_err = {0};
	if (a->enrolled && tt_agent_heartbeat(a, &again, &hb_err) < 0)
		tt_strv_push_owned(&a->log, tt_xasprintf("%s", hb_err.msg));
	json_decref(again);
	cycle_finish(a, rc, err);
	return rc;
}
