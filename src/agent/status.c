// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What `status --json` prints (its fields are documented in docs/agent.md and
 * only ever added to) and `check`'s verdict.
 */
#include <string.h>

#include "tuxtape/agent.h"

static json_t *iso_or_null(int64_t t)
{
	if (!t)
		return json_null();
	char s[32];
	tt_format_iso8601(t, s, sizeof(s));
	return json_string(s);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *status_patch(const struct tt_agent *a, const struct tt_agent_patch *p)
{
	json_t *cves = json_array();
	for (size_t i = 0; i < p->cves.n; i++)
		json_array_append_new(cves, json_string(p->cves.v[i]));
	struct tt_agent_lp lp;
	json_t *kernel = json_null();
	if (tt_agent_lp_read(a->cfg, p->name, &lp, NULL) == 0)
		kernel = json_pack("{s:b, s:b}", "enabled", lp.enabled == 1, "transition",
				   lp.transition == 1);
	return json_pack("{s:s, s:s, s:o, s:b, s:I, s:o, s:o, s:o, s:o, s:o}", "name", p->name,
			 "state", tt_agent_patch_state_name(p->state), "kernel", kernel, "hold",
			 p->hold, "patch_version", (json_int_t)p->patch_version, "cves", cves,
			 "target", str_or_null(p->target), "sha256", str_or_null(p->sha256),
			 "message", str_or_null(p->message), "changed", iso_or_null(p->changed));
}

/* The patch level: the highest patch_version among enabled patches (0: none). */
static int64_t status_level(const struct tt_agent *a, struct tt_strv *enabled)
{
	int64_t level = 0;
	for (size_t i = 0; i < a->ledger.n; i++) {
		const struct tt_agent_patch *p = &a->ledger.patches[i];
		struct tt_agent_lp lp;
		if (tt_agent_lp_read(a->cfg, p->name, &lp, NULL) < 0 || lp.enabled != 1)
			continue;
		tt_strv_push(enabled, p->name);
		if (p->patch_version > level)
			level = p->patch_version;
	}
	return level;
}

static json_t *status_coverage(const struct tt_agent *a, const struct tt_strv *enabled)
{
	struct tt_strv cves = TT_STRV_INIT;
	for (size_t i = 0; i < a->ledger.n; i++)
		if (tt_strv_contains(enabled, a->ledger.patches[i].name))
			for (size_t j = 0; j < a->ledger.patches[i].cves.n; j++)
				tt_strv_push(&cves, a->ledger.patches[i].cves.v[j]);
	tt_strv_sort_unique(&cves);
	json_t *list = json_array();
	for (size_t i = 0; i < cves.n; i++)
		json_array_append_new(list, json_string(cves.v[i]));
	tt_strv_free(&cves);
	return json_pack("{s:I, s:I, s:o}", "patches_enabled", (json_int_t)enabled->n,
			 "patches_known", (json_int_t)a->ledger.n, "cves_fixed", list);
}

static json_t *status_preflight(const struct tt_agent *a)
{
	struct tt_agent_check checks[TT_AGENT_N_CHECKS];
	tt_agent_preflight(a->cfg, checks);
	json_t *list = json_array();
	for (int i = 0; i < TT_AGENT_N_CHECKS; i++)
		json_array_append_new(list,
				      json_pack("{s:s, s:b, s:b, s:s}", "name", checks[i].name,
						"ok", checks[i].ok, "fatal", checks[i].fatal,
						"message", checks[i].message));
	return list;
}

/* Livepatches the kernel holds that this agent did not load. */
static json_t *status_others(const struct tt_agent *a)
{
	json_t *list = json_array();
	struct tt_agent_lp *lps;
	size_t n;
	if (tt_agent_lp_list(a->cfg, &lps, &n, NULL) < 0)
		return list;
	for (size_t i = 0; i < n; i++)
		if (!tt_agent_ledger_find((struct tt_agent_ledger *)&a->ledger, lps[i].name))
			json_array_append_new(list, json_string(lps[i].name));
	free(lps);
	return list;
}

static char *status_uname(const struct tt_agent *a, int64_t level, const struct tt_strv *enabled)
{
	if (!enabled->n)
		return tt_xasprintf("%s (no livepatches)", a->kernel.release);
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_addf(&b, "%s +livepatch level %lld:", a->kernel.release, (long long)level);
	for (size_t i = 0; i < enabled->n; i++)
		tt_buf_addf(&b, " %s", enabled->v[i]);
	return tt_buf_detach(&b);
}

json_t *tt_agent_status_json(struct tt_agent *a)
{
	struct tt_strv enabled = TT_STRV_INIT;
	int64_t level = status_level(a, &enabled);
	json_t *patches = json_array();
	for (size_t i = 0; i < a->ledger.n; i++)
		json_array_append_new(patches, status_patch(a, &a->ledger.patches[i]));
	_cleanup_free_ char *uname = status_uname(a, level, &enabled);
	const char *killed = tt_agent_killed(a->cfg);
	json_t *st = json_pack(
	    "{s:i, s:s, s:{s:s, s:s}, s:s, s:I, s:b, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:o}",
	    "status_version", 1, "agent_version", TT_VERSION, "kernel", "release",
	    a->kernel.release, "build_id", a->kernel.build_id, "uname", uname, "patch_level",
	    (json_int_t)level, "enabled", killed == NULL, "kill_switch", str_or_null(killed),
	    "enrolled", a->enrolled, "server", str_or_null(a->enrolled ? a->cred.server : NULL),
	    "host_id", str_or_null(a->enrolled ? a->cred.host_id : NULL), "tier",
	    str_or_null(a->ledger.tier), "last_check", iso_or_null(a->ledger.last_check),
	    "last_result", str_or_null(a->ledger.last_result), "patches", patches,
	    "other_livepatches", status_others(a), "coverage", status_coverage(a, &enabled),
	    "preflight", status_preflight(a));
	tt_strv_free(&enabled);
	return st;
}

static bool loaded_enabled(const struct tt_agent_lp *loaded, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(loaded[i].name, name) == 0)
			return loaded[i].enabled == 1 && loaded[i].transition == 0;
	return false;
}

enum tt_agent_check_result tt_agent_check_verdict(const struct tt_agent_check *checks,
						  const json_t *desired,
						  const struct tt_agent_lp *loaded, size_t n_loaded,
						  char *why, size_t why_n)
{
	for (int i = 0; i < TT_AGENT_N_CHECKS; i++)
		if (checks[i].fatal) {
			snprintf(why, why_n, "unsupported kernel: %s", checks[i].message);
			return TT_AGENT_UNSUPPORTED;
		}
	if (!json_is_array(desired)) {
		snprintf(why, why_n, "the server could not be asked what this host should run");
		return TT_AGENT_ERROR;
	}
	struct tt_buf b = TT_BUF_INIT;
	size_t i, pending = 0;
	json_t *d;
	json_array_foreach(desired, i, d)
	{
		const char *name = json_string_value(json_object_get(d, "name"));
		if (name && !loaded_enabled(loaded, n_loaded, name)) {
			tt_buf_addf(&b, "%s%s", pending ? ", " : "", name);
			pending++;
		}
	}
	if (pending)
		snprintf(why, why_n, "%zu update(s) pending: %s", pending, tt_buf_str(&b));
	else
		snprintf(why, why_n, "up to date: %zu patch(es) wanted, all enabled",
			 json_array_size(desired));
	tt_buf_free(&b);
	return pending ? TT_AGENT_UPDATES_PENDING : TT_AGENT_UP_TO_DATE;
}
