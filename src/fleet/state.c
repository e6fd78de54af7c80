// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The agent's state: DIR/state.json, one small document replaced atomically
 * on every change, so a crash leaves either the old or the new state:
 *
 *   {"version": 1,
 *    "kmsg": {"boot_id": "...", "cursor": 1234},
 *    "loading": ["tt_lp_x"]}
 *
 * "loading" is written before insmod and cleared after the transition: after
 * a crash or reboot the agent sees which patch it was loading.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "tuxtape/fleet.h"

#define STATE_VERSION 1
/* The kernel's MODULE_NAME_LEN is 64 with the NUL; a patch name is a module name. */
#define MODULE_NAME_MAX 63

struct tt_fleet_state {
	char *path; /* DIR/state.json */
	char *boot_id;
	uint64_t cursor;
	struct tt_strv loading;
};

static int state_bad(struct tt_fleet_state *st, struct tt_error *err, const char *why)
{
	return tt_error_set(err, -EINVAL, "%s: corrupt agent state: %s", st->path, why);
}

static int state_load_kmsg(struct tt_fleet_state *st, json_t *kmsg, struct tt_error *err)
{
	if (!kmsg)
		return 0;
	json_t *boot = json_object_get(kmsg, "boot_id");
	json_t *cursor = json_object_get(kmsg, "cursor");
	if (!json_is_object(kmsg) || !json_is_string(boot) || !json_is_integer(cursor) ||
	    json_integer_value(cursor) < 0)
		return state_bad(st, err, "\"kmsg\" needs a string boot_id and a cursor >= 0");
	st->boot_id = tt_xstrdup(json_string_value(boot));
	st->cursor = (uint64_t)json_integer_value(cursor);
	return 0;
}

static int state_load_loading(struct tt_fleet_state *st, json_t *loading, struct tt_error *err)
{
	if (!loading)
		return 0;
	if (!json_is_array(loading))
		return state_bad(st, err, "\"loading\" is not an array");
	size_t i;
	json_t *v;
	json_array_foreach(loading, i, v)
	{
		if (!json_is_string(v))
			return state_bad(st, err, "\"loading\" holds a non-string");
		tt_strv_push(&st->loading, json_string_value(v));
	}
	return 0;
}

static int state_load(struct tt_fleet_state *st, struct tt_error *err)
{
	if (!tt_path_exists(st->path))
		return 0; /* first run */
	json_error_t jerr;
	json_t *root = json_load_file(st->path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return tt_error_set(err, -EINVAL, "%s:%d: corrupt agent state: %s", st->path,
				    jerr.line, jerr.text);
	int rc = 0;
	json_t *version = json_object_get(root, "version");
	if (!json_is_object(root) || !json_is_integer(version))
		rc = state_bad(st, err, "not an object with a \"version\"");
	else if (json_integer_value(version) != STATE_VERSION)
		rc = tt_error_set(err, -EINVAL, "%s: agent state version %lld, this agent reads %d",
				  st->path, (long long)json_integer_value(version), STATE_VERSION);
	if (!rc)
		rc = state_load_kmsg(st, json_object_get(root, "kmsg"), err);
	if (!rc)
		rc = state_load_loading(st, json_object_get(root, "loading"), err);
	json_decref(root);
	return rc;
}

int tt_fleet_state_open(const char *dir, struct tt_fleet_state **out, struct tt_error *err)
{
	*out = NULL;
	if (!dir)
		dir = TT_FLEET_STATE_DIR;
	int rc = tt_mkdir_p(dir, 0700, err);
	if (rc < 0)
		return rc;
	struct tt_fleet_state *st = tt_xcalloc(1, sizeof(*st));
	st->path = tt_xasprintf("%s/state.json", dir);
	rc = state_load(st, err);
	if (rc < 0) {
		tt_fleet_state_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void tt_fleet_state_close(struct tt_fleet_state *st)
{
	if (!st)
		return;
	free(st->path);
	free(st->boot_id);
	tt_strv_free(&st->loading);
	free(st);
}

static int state_save(const struct tt_fleet_state *st, struct tt_error *err)
{
	json_t *root = json_pack("{s:i}", "version", STATE_VERSION);
	if (st->boot_id)
		json_object_set_new(root, "kmsg",
				    json_pack("{s:s, s:I}", "boot_id", st->boot_id, "cursor",
					      (json_int_t)st->cursor));
	json_t *loading = json_array();
	for (size_t i = 0; i < st->loading.n; i++)
		json_array_append_new(loading, json_string(st->loading.v[i]));
	json_object_set_new(root, "loading", loading);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		return tt_error_set(err, -ENOMEM, "%s: cannot encode the agent state", st->path);
	int rc = tt_write_file_atomic(st->path, text, strlen(text), err);
	free(text);
	return rc;
}

bool tt_fleet_state_cursor(const struct tt_fleet_state *st, const char *boot_id, uint64_t *seq)
{
	if (!st->boot_id || !boot_id || strcmp(st->boot_id, boot_id) != 0)
		return false;
	*seq = st->cursor;
	return true;
}

int tt_fleet_state_set_cursor(struct tt_fleet_state *st, const char *boot_id, uint64_t seq,
			      struct tt_error *err)
{
	if (!boot_id || !*boot_id)
		return tt_error_set(err, -EINVAL, "kmsg cursor without a boot id");
	if (seq > INT64_MAX)
		return tt_error_set(err, -ERANGE, "kmsg cursor %llu out of range",
				    (unsigned long long)seq);
	free(st->boot_id);
	st->boot_id = tt_xstrdup(boot_id);
	st->cursor = seq;
	return state_save(st, err);
}

static bool state_name_ok(const char *name)
{
	size_t n = strlen(name);
	return n && n <= MODULE_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
		   n;
}

int tt_fleet_state_mark_loading(struct tt_fleet_state *st, const char *name, struct tt_error *err)
{
	if (!state_name_ok(name))
		return tt_error_set(err, -EINVAL, "\"%.80s\" is not a module name", name);
	if (tt_strv_contains(&st->loading, name))
		return 0;
	tt_strv_push(&st->loading, name);
	int rc = state_save(st, err);
	if (rc < 0) /* keep memory equal to the disk */
		free(st->loading.v[--st->loading.n]);
	return rc;
}

int tt_fleet_state_clear(struct tt_fleet_state *st, const char *name, struct tt_error *err)
{
	size_t i = 0;
	while (i < st->loading.n && strcmp(st->loading.v[i], name) != 0)
		i++;
	if (i == st->loading.n)
		return 0;
	char *gone = st->loading.v[i];
	memmove(&st->loading.v[i], &st->loading.v[i + 1], (st->loading.n - i - 1) * sizeof(char *));
	st->loading.n--;
	int rc = state_save(st, err);
	if (rc < 0) { /* put it back where it was */
		memmove(&st->loading.v[i + 1], &st->loading.v[i],
			(st->loading.n - i) * sizeof(char *));
		st->loading.v[i] = gone;
		st->loading.n++;
		return rc;
	}
	free(gone);
	return 0;
}

void tt_fleet_state_list_marked(const struct tt_fleet_state *st, struct tt_strv *out)
{
	for (size_t i = 0; i < st->loading.n; i++)
		tt_strv_push(out, st->loading.v[i]);
}
