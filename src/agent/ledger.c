// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DIR/agent.json: the patches the agent verified (with the cached module
 * file and its sha256, so a boot can load them without the network) and what
 * became of each. Replaced atomically on every save. The loading marks live
 * in the fleet state file (state.json), which is written before insmod.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "tuxtape/agent.h"

#define LEDGER_VERSION 1

static const char *const state_names[] = {
    [TT_AGENT_PATCH_LOADING] = "loading",   [TT_AGENT_PATCH_ENABLED] = "enabled",
    [TT_AGENT_PATCH_DISABLED] = "disabled", [TT_AGENT_PATCH_TRANSITION] = "transition",
    [TT_AGENT_PATCH_FAILED] = "failed",	    [TT_AGENT_PATCH_REVERTED] = "reverted",
};

const char *tt_agent_patch_state_name(enum tt_agent_patch_state s)
{
	return (size_t)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

static int state_from_name(const char *s)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(s, state_names[i]) == 0)
			return (int)i;
	return -1;
}

static char *dup_or_null(const json_t *v)
{
	return json_is_string(v) ? tt_xstrdup(json_string_value(v)) : NULL;
}

static void patch_free(struct tt_agent_patch *p)
{
	free(p->name);
	free(p->target);
	free(p->sha256);
	free(p->file);
	free(p->kernel_release);
	free(p->message);
	tt_strv_free(&p->cves);
}

struct tt_agent_patch *tt_agent_ledger_find(struct tt_agent_ledger *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->patches[i].name, name) == 0)
			return &l->patches[i];
	return NULL;
}

struct tt_agent_patch *tt_agent_ledger_add(struct tt_agent_ledger *l, const char *name)
{
	struct tt_agent_patch *p = tt_agent_ledger_find(l, name);
	if (p)
		return p;
	l->patches = tt_xrealloc(l->patches, (l->n + 1) * sizeof(*l->patches));
	p = &l->patches[l->n++];
	memset(p, 0, sizeof(*p));
	p->name = tt_xstrdup(name);
	p->state = TT_AGENT_PATCH_DISABLED;
	return p;
}

void tt_agent_patch_set(struct tt_agent_patch *p, enum tt_agent_patch_state s, const char *message)
{
	p->state = s;
	free(p->message);
	p->message = message && *message ? tt_xstrdup(message) : NULL;
	p->changed = (int64_t)time(NULL);
}

static int ledger_patch_load(struct tt_agent_ledger *l, const char *name, json_t *o,
			     struct tt_error *err)
{
	json_t *state = json_object_get(o, "state");
	int s = json_is_string(state) ? state_from_name(json_string_value(state)) : -1;
	if (!json_is_object(o) || s < 0)
		return tt_error_set(err, -EINVAL, "%s: patch %s has no valid state", l->path, name);
	struct tt_agent_patch *p = tt_agent_ledger_add(l, name);
	p->state = (enum tt_agent_patch_state)s;
	p->target = dup_or_null(json_object_get(o, "target"));
	p->sha256 = dup_or_null(json_object_get(o, "sha256"));
	p->file = dup_or_null(json_object_get(o, "file"));
	p->kernel_release = dup_or_null(json_object_get(o, "kernel_release"));
	p->message = dup_or_null(json_object_get(o, "message"));
	p->patch_version = json_integer_value(json_object_get(o, "patch_version"));
	p->changed = json_integer_value(json_object_get(o, "changed"));
	p->hold = json_is_true(json_object_get(o, "hold"));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "cves"), i, v) if (json_is_string(v))
	    tt_strv_push(&p->cves, json_string_value(v));
	return 0;
}

static int ledger_load(struct tt_agent_ledger *l, struct tt_error *err)
{
	if (!tt_path_exists(l->path))
		return 0;
	json_error_t jerr;
	json_t *root = json_load_file(l->path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return tt_error_set(err, -EINVAL, "%s:%d: %s", l->path, jerr.line, jerr.text);
	int rc = 0;
	if (json_integer_value(json_object_get(root, "version")) != LEDGER_VERSION)
		rc = tt_error_set(err, -EINVAL, "%s: not a version %d agent ledger", l->path,
				  LEDGER_VERSION);
	const char *name;
	json_t *o;
	json_object_foreach(json_object_get(root, "patches"), name, o) if (rc == 0) rc =
	    ledger_patch_load(l, name, o, err);
	l->last_check = json_integer_value(json_object_get(root, "last_check"));
	l->last_result = dup_or_null(json_object_get(root, "last_result"));
	l->tier = dup_or_null(json_object_get(root, "tier"));
	l->heartbeat_interval = json_integer_value(json_object_get(root, "heartbeat_interval"));
	l->host_id = dup_or_null(json_object_get(root, "host_id"));
	json_decref(root);
	return rc;
}

int tt_agent_ledger_open(const char *state_dir, struct tt_agent_ledger *l, struct tt_error *err)
{
	memset(l, 0, sizeof(*l));
	l->path = tt_xasprintf("%s/agent.json", state_dir);
	int rc = ledger_load(l, err);
	if (rc < 0)
		tt_agent_ledger_free(l);
	return rc;
}

static json_t *patch_json(const struct tt_agent_patch *p)
{
	json_t *cves = json_array();
	for (size_t i = 0; i < p->cves.n; i++)
		json_array_append_new(cves, json_string(p->cves.v[i]));
	json_t *o =
	    json_pack("{s:s, s:b, s:I, s:I, s:o}", "state", tt_agent_patch_state_name(p->state),
		      "hold", p->hold, "patch_version", (json_int_t)p->patch_version, "changed",
		      (json_int_t)p->changed, "cves", cves);
	const char *keys[] = {"target", "sha256", "file", "kernel_release", "message"};
	const char *vals[] = {p->target, p->sha256, p->file, p->kernel_release, p->message};
	for (size_t i = 0; i < 5; i++)
		if (vals[i])
			json_object_set_new(o, keys[i], json_string(vals[i]));
	return o;
}

int tt_agent_ledger_save(const struct tt_agent_ledger *l, struct tt_error *err)
{
	json_t *patches = json_object();
	for (size_t i = 0; i < l->n; i++)
		json_object_set_new(patches, l->patches[i].name, patch_json(&l->patches[i]));
	json_t *root = json_pack("{s:i, s:o, s:I}", "version", LEDGER_VERSION, "patches", patches,
				 "last_check", (json_int_t)l->last_check);
	if (l->last_result)
		json_object_set_new(root, "last_result", json_string(l->last_result));
	if (l->tier)
		json_object_set_new(root, "tier", json_string(l->tier));
	if (l->heartbeat_interval > 0)
		json_object_set_new(root, "heartbeat_interval",
				    json_integer((json_int_t)l->heartbeat_interval));
	if (l->host_id)
		json_object_set_new(root, "host_id", json_string(l->host_id));
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	int rc = tt_write_file_atomic(l->path, text, strlen(text), err);
	free(text);
	return rc;
}

void tt_agent_ledger_free(struct tt_agent_ledger *l)
{
	for (size_t i = 0; i < l->n; i++)
		patch_free(&l->patches[i]);
	free(l->patches);
	free(l->path);
	free(l->last_result);
	free(l->tier);
	free(l->host_id);
	memset(l, 0, sizeof(*l));
}

double tt_agent_next_interval(const struct tt_agent_config *cfg)
{
	if (cfg->interval_set)
		return cfg->interval;
	struct tt_agent_ledger l;
	double next = cfg->interval;
	if (tt_agent_ledger_open(cfg->state_dir, &l, NULL) == 0) {
		if (l.heartbeat_interval > 0)
			next = (double)l.heartbeat_interval;
		tt_agent_ledger_free(&l);
	}
	return next;
}
