// SPDX-License-Identifier: GPL-2.0-or-later
/* Human-readable output of tuxtape-agent: status, patches, blocking tasks. */
#include <string.h>

#include "cli.h"

static const char *jstr(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

static void print_preflight(FILE *out, const json_t *st)
{
	size_t i;
	json_t *c;
	bool all_ok = true;
	json_array_foreach(json_object_get(st, "preflight"), i,
			   c) if (!json_is_true(json_object_get(c, "ok")))
	{
		fprintf(out, "%-14s %s: %s\n", all_ok ? "pre-flight" : "",
			json_is_true(json_object_get(c, "fatal")) ? "FAILED" : "note",
			jstr(c, "message", ""));
		all_ok = false;
	}
	if (all_ok)
		fprintf(out, "%-14s all checks pass\n", "pre-flight");
}

static void print_status_patch(FILE *out, const json_t *p)
{
	json_t *kernel = json_object_get(p, "kernel");
	const char *where = json_is_null(kernel)				  ? "not loaded"
			    : json_is_true(json_object_get(kernel, "transition")) ? "in transition"
			    : json_is_true(json_object_get(kernel, "enabled"))	  ? "loaded"
									       : "loaded, disabled";
	fprintf(out, "  %-28s %-10s v%-3lld %s%s\n", jstr(p, "name", "?"), jstr(p, "state", "?"),
		(long long)json_integer_value(json_object_get(p, "patch_version")), where,
		json_is_true(json_object_get(p, "hold")) ? ", HELD" : "");
	const char *msg = jstr(p, "message", NULL);
	if (msg)
		fprintf(out, "      %s\n", msg);
}

void print_status(FILE *out, const json_t *st)
{
	json_t *k = json_object_get(st, "kernel");
	const char *bid = jstr(k, "build_id", "");
	fprintf(out, "%-14s %s%s%s%s\n", "kernel", jstr(k, "release", "?"),
		*bid ? " (build id " : "", bid, *bid ? ")" : "");
	fprintf(out, "%-14s %s\n", "uname", jstr(st, "uname", ""));
	fprintf(out, "%-14s %s\n", "agent",
		json_is_true(json_object_get(st, "enabled")) ? "enabled"
							     : jstr(st, "kill_switch", ""));
	if (json_is_true(json_object_get(st, "enrolled")))
		fprintf(out, "%-14s %s (host %s, tier %s)\n", "server", jstr(st, "server", ""),
			jstr(st, "host_id", ""), jstr(st, "tier", "unknown"));
	else
		fprintf(out, "%-14s not enrolled\n", "server");
	fprintf(out, "%-14s %s: %s\n", "last check", jstr(st, "last_check", "never"),
		jstr(st, "last_result", "-"));
	json_t *cov = json_object_get(st, "coverage");
	fprintf(out, "%-14s %lld of %lld patches enabled, %zu CVE(s) fixed\n", "coverage",
		(long long)json_integer_value(json_object_get(cov, "patches_enabled")),
		(long long)json_integer_value(json_object_get(cov, "patches_known")),
		json_array_size(json_object_get(cov, "cves_fixed")));
	print_preflight(out, st);
	json_t *patches = json_object_get(st, "patches");
	fprintf(out, "patches%s\n", json_array_size(patches) ? "" : "        none");
	size_t i;
	json_t *p;
	json_array_foreach(patches, i, p) print_status_patch(out, p);
	json_t *others = json_object_get(st, "other_livepatches");
	json_array_foreach(others, i, p)
	    fprintf(out, "  %-28s (not loaded by tuxtape)\n", json_string_value(p));
}

void print_patches(FILE *out, const struct tt_agent *a, bool verbose)
{
	if (!a->ledger.n)
		fprintf(out, "no patches\n");
	for (size_t i = 0; i < a->ledger.n; i++) {
		const struct tt_agent_patch *p = &a->ledger.patches[i];
		fprintf(out, "%-28s %-10s v%lld%s\n", p->name, tt_agent_patch_state_name(p->state),
			(long long)p->patch_version, p->hold ? " held" : "");
		if (!verbose)
			continue;
		fprintf(out, "    CVEs:    ");
		for (size_t j = 0; j < p->cves.n; j++)
			fprintf(out, "%s%s", j ? ", " : "", p->cves.v[j]);
		fprintf(out, "%s\n", p->cves.n ? "" : "(none listed)");
		fprintf(out, "    target:  %s\n    sha256:  %s\n    kernel:  %s\n",
			p->target ? p->target : "-", p->sha256 ? p->sha256 : "-",
			p->kernel_release ? p->kernel_release : "-");
		if (p->message)
			fprintf(out, "    message: %s\n", p->message);
	}
}

int print_blocking(FILE *out, const struct tt_agent_config *cfg, struct tt_error *err)
{
	struct tt_agent_lp *lps;
	size_t n;
	int rc = tt_agent_lp_list(cfg, &lps, &n, err);
	if (rc < 0)
		return rc;
	int in_transition = 0;
	for (size_t i = 0; i < n; i++) {
		if (lps[i].transition != 1)
			continue;
		in_transition++;
		/* enabled=1: patching (tasks move to 1); enabled=0: unpatching (to 0). */
		int target = lps[i].enabled == 1 ? 1 : 0;
		struct tt_agent_task *tasks;
		size_t nt;
		fprintf(out, "%s: %s transition\n", lps[i].name,
			target ? "patching" : "unpatching");
		if (tt_agent_blocking_tasks(cfg, target, &tasks, &nt, err) < 0)
			continue;
		char *text = tt_agent_tasks_format(tasks, nt);
		fputs(nt ? text : "  no blocking task found\n", out);
		free(text);
		tt_agent_tasks_free(tasks, nt);
	}
	free(lps);
	if (!in_transition)
		fprintf(out, "no livepatch is in transition\n");
	return in_transition;
}

void print_log(FILE *out, struct tt_agent *a)
{
	for (size_t i = 0; i < a->log.n; i++)
		fprintf(out, "%s\n", a->log.v[i]);
	tt_strv_free(&a->log);
}
