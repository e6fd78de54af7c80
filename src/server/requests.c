// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Validation of every request body of the fleet API. Nothing reaches the
 * store that was not checked here: types, sizes and enumerations, so a
 * malformed request is refused whole before any write.
 */
#include <errno.h>
#include <string.h>

#include "tuxtape/server.h"
#include "tuxtape/util.h"

#define NAME_MAX_LEN	   128
#define TEXT_MAX_LEN	   255
#define MESSAGE_MAX_LEN	   4096
#define PATCHES_MAX	   256
#define LABELS_MAX	   32
#define LABEL_KEY_MAX	   63
#define ENROLL_TTL_MAX	   (366 * 24 * 3600)
#define ENROLL_TTL_DEFAULT (24 * 3600)

static const char *const patch_states[] = {"loading", "enabled",  "disabled", "transition",
					   "failed",  "reverted", NULL};
static const char *const report_kinds[] = {"load_failure",
					   "transition_stalled",
					   "transition_reverted",
					   "kernel_warning",
					   "oops",
					   "reboot_after_patch",
					   "verification_failed",
					   "unloaded",
					   "info",
					   NULL};
/* What a report can say without anything having gone wrong. */
static const char *const harmless_kinds[] = {"unloaded", "info", NULL};

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool hex_of_length(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool tt_machine_id_valid(const char *s)
{
	return s && hex_of_length(s, 32, 32);
}

/* Characters beside name_valid's that an identifier may carry ('+' in "6.1.0+deb"). */
static bool chars_valid(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || strchr(extra, c)))
			return false;
	}
	return true;
}

/* Patch and module names: what the kernel accepts as a module name, and '-' and '.'. */
static bool name_valid(const char *s)
{
	return chars_valid(s, NAME_MAX_LEN, "");
}

/* No control characters: these strings end up in logs and tables. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/*
 * The string field key of o: *out set (borrowed) or -EINVAL naming it.
 * required false: absent or null leaves *out as dflt.
 */
static int get_string(const json_t *o, const char *key, bool required, const char *dflt, size_t max,
		      const char **out, struct tt_error *err)
{
	const json_t *v = json_object_get(o, key);
	*out = dflt;
	if (!v || json_is_null(v)) {
		if (required)
			return tt_error_set(err, -EINVAL, "%s: missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return tt_error_set(err, -EINVAL, "%s: not a string", key);
	if (json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v))
		return tt_error_set(err, -EINVAL, "%s: longer than %zu bytes or has a NUL", key,
				    max);
	*out = json_string_value(v);
	return 0;
}

static int check_object(const json_t *body, struct tt_error *err)
{
	if (!json_is_object(body))
		return tt_error_set(err, -EINVAL, "the body is not a JSON object");
	return 0;
}

int tt_labels_check(const json_t *labels, const char *field, struct tt_error *err)
{
	if (!json_is_object(labels) || json_object_size(labels) > LABELS_MAX)
		return tt_error_set(err, -EINVAL, "%s: an object of at most %d string values",
				    field, LABELS_MAX);
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)labels, key, value)
	{
		if (!json_is_string(value) || json_string_length(value) > TEXT_MAX_LEN ||
		    !printable(json_string_value(value)))
			return tt_error_set(err, -EINVAL, "%s.%s: not a string of at most %d bytes",
					    field, key, TEXT_MAX_LEN);
		if (strlen(key) == 0 || strlen(key) > LABEL_KEY_MAX || !printable(key))
			return tt_error_set(err, -EINVAL, "%s: a key is empty or too long", field);
	}
	return 0;
}

static int get_machine_id(const json_t *body, const char **out, struct tt_error *err)
{
	int r = get_string(body, "machine_id", true, NULL, 32, out, err);
	if (r == 0 && !tt_machine_id_valid(*out))
		r = tt_error_set(err, -EINVAL, "machine_id: not 32 lowercase hex digits");
	return r;
}

static int get_kernel_release(const json_t *body, bool required, const char **out,
			      struct tt_error *err)
{
	int r = get_string(body, "kernel_release", required, "", NAME_MAX_LEN, out, err);
	if (r == 0 && **out && !chars_valid(*out, NAME_MAX_LEN, "+~"))
		r = tt_error_set(err, -EINVAL, "kernel_release: not a kernel release");
	return r;
}

int tt_enroll_req_parse(const json_t *body, struct tt_enroll_req *out, struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (check_object(body, err) < 0 ||
	    get_string(body, "enrollment_token", true, NULL, 200, &out->enrollment_token, err) ||
	    get_machine_id(body, &out->machine_id, err) ||
	    get_string(body, "hostname", false, "", TEXT_MAX_LEN, &out->hostname, err) ||
	    get_kernel_release(body, false, &out->kernel_release, err))
		return -EINVAL;
	if (!printable(out->hostname))
		return tt_error_set(err, -EINVAL, "hostname: has control characters");
	out->labels = json_object_get(body, "labels");
	if (out->labels && !json_is_null(out->labels)) {
		if (tt_labels_check(out->labels, "labels", err) < 0)
			return -EINVAL;
	} else {
		out->labels = NULL;
	}
	return 0;
}

static int patch_parse(const json_t *p, size_t i, struct tt_patch_state *out, struct tt_error *err)
{
	if (!json_is_object(p))
		return tt_error_set(err, -EINVAL, "patches[%zu]: not an object", i);
	if (get_string(p, "name", true, NULL, NAME_MAX_LEN, &out->name, err) ||
	    get_string(p, "target", false, "", 1024, &out->target, err) ||
	    get_string(p, "sha256", false, "", 64, &out->sha256, err) ||
	    get_string(p, "state", true, NULL, 32, &out->state, err))
		return tt_error_prefix(err, "patches[%zu].", i);
	if (!name_valid(out->name))
		return tt_error_set(err, -EINVAL, "patches[%zu].name: not a module name", i);
	if (*out->sha256 && !hex_of_length(out->sha256, 64, 64))
		return tt_error_set(err, -EINVAL, "patches[%zu].sha256: not 64 hex digits", i);
	if (!printable(out->target))
		return tt_error_set(err, -EINVAL, "patches[%zu].target: control characters", i);
	if (!in_list(out->state, patch_states))
		return tt_error_set(err, -EINVAL,
				    "patches[%zu].state: '%s' is not one of loading, enabled, "
				    "disabled, transition, failed, reverted",
				    i, out->state);
	const json_t *t = json_object_get(p, "transition");
	if (t && !json_is_boolean(t))
		return tt_error_set(err, -EINVAL, "patches[%zu].transition: not a boolean", i);
	out->transition = json_is_true(t);
	return 0;
}

static int patches_parse(const json_t *body, struct tt_heartbeat_req *out, struct tt_error *err)
{
	const json_t *a = json_object_get(body, "patches");
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > PATCHES_MAX)
		return tt_error_set(err, -EINVAL, "patches: not an array of at most %d",
				    PATCHES_MAX);
	out->patches = tt_xcalloc(json_array_size(a) + 1, sizeof(*out->patches));
	for (size_t i = 0; i < json_array_size(a); i++) {
		if (patch_parse(json_array_get(a, i), i, &out->patches[i], err) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(out->patches[j].name, out->patches[i].name) == 0)
				return tt_error_set(err, -EINVAL,
						    "patches[%zu].name: '%s' is listed twice", i,
						    out->patches[i].name);
		out->n_patches++;
	}
	return 0;
}

int tt_heartbeat_req_parse(const json_t *body, struct tt_heartbeat_req *out, struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (check_object(body, err) < 0 || get_machine_id(body, &out->machine_id, err) ||
	    get_kernel_release(body, true, &out->kernel_release, err) ||
	    get_string(body, "kernel_build_id", false, "", 128, &out->kernel_build_id, err) ||
	    get_string(body, "agent_version", false, "", 64, &out->agent_version, err) ||
	    get_string(body, "boot_id", false, "", 64, &out->boot_id, err))
		goto fail;
	if (*out->kernel_build_id && !hex_of_length(out->kernel_build_id, 2, 128)) {
		tt_error_set(err, -EINVAL, "kernel_build_id: not lowercase hex");
		goto fail;
	}
	if (!printable(out->agent_version) || !printable(out->boot_id)) {
		tt_error_set(err, -EINVAL, "agent_version or boot_id: control characters");
		goto fail;
	}
	const json_t *uptime = json_object_get(body, "uptime");
	if (uptime && !(json_is_integer(uptime) && json_integer_value(uptime) >= 0)) {
		tt_error_set(err, -EINVAL, "uptime: not a non-negative integer (seconds)");
		goto fail;
	}
	out->uptime = uptime ? json_integer_value(uptime) : 0;
	if (patches_parse(body, out, err) < 0)
		goto fail;
	return 0;
fail:
	tt_heartbeat_req_free(out);
	return -EINVAL;
}

void tt_heartbeat_req_free(struct tt_heartbeat_req *req)
{
	free(req->patches);
	req->patches = NULL;
	req->n_patches = 0;
}

/* The first n bytes of s or fewer, never ending inside a UTF-8 sequence. */
static char *utf8_prefix(const char *s, size_t n)
{
	size_t len = strlen(s);
	if (len <= n)
		return tt_xstrdup(s);
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return tt_xstrndup(s, n);
}

int tt_report_req_parse(const json_t *body, struct tt_report_req *out, struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *excerpt, *time;
	if (check_object(body, err) < 0 || get_machine_id(body, &out->machine_id, err) ||
	    get_string(body, "kind", true, NULL, 32, &out->kind, err) ||
	    get_string(body, "patch", false, "", NAME_MAX_LEN, &out->patch, err) ||
	    get_string(body, "message", false, "", MESSAGE_MAX_LEN, &out->message, err) ||
	    get_string(body, "excerpt", false, "", TT_FLEET_BODY_MAX, &excerpt, err) ||
	    get_string(body, "time", false, NULL, 64, &time, err))
		return -EINVAL;
	if (!in_list(out->kind, report_kinds))
		return tt_error_set(err, -EINVAL, "kind: '%s' is not a report kind", out->kind);
	if (*out->patch && !name_valid(out->patch))
		return tt_error_set(err, -EINVAL, "patch: not a module name");
	if (time && tt_parse_iso8601(time, &out->reported_at) < 0)
		return tt_error_set(err, -EINVAL, "time: not an ISO 8601 UTC time");
	out->excerpt = utf8_prefix(excerpt, TT_FLEET_EXCERPT_MAX);
	return 0;
}

void tt_report_req_free(struct tt_report_req *req)
{
	free(req->excerpt);
	req->excerpt = NULL;
}

bool tt_report_kind_is_error(const char *kind)
{
	return in_list(kind, report_kinds) && !in_list(kind, harmless_kinds);
}

int tt_release_req_parse(const json_t *body, struct tt_release_req *out, struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (check_object(body, err) < 0 ||
	    get_string(body, "patch", true, NULL, NAME_MAX_LEN, &out->patch, err) ||
	    get_string(body, "target", true, NULL, 1024, &out->target, err) ||
	    get_string(body, "sha256", true, NULL, 64, &out->sha256, err) ||
	    get_kernel_release(body, true, &out->kernel_release, err) ||
	    get_string(body, "kernel_build_id", false, "", 128, &out->kernel_build_id, err) ||
	    get_string(body, "tier", false, NULL, 32, &out->tier, err))
		return -EINVAL;
	if (!name_valid(out->patch))
		return tt_error_set(err, -EINVAL, "patch: not a module name");
	if (!*out->kernel_release)
		return tt_error_set(err, -EINVAL, "kernel_release: empty");
	if (!*out->target || !printable(out->target) || strstr(out->target, ".."))
		return tt_error_set(err, -EINVAL, "target: not an archive target path");
	if (!hex_of_length(out->sha256, 64, 64))
		return tt_error_set(err, -EINVAL, "sha256: not 64 lowercase hex digits");
	if (*out->kernel_build_id && !hex_of_length(out->kernel_build_id, 2, 128))
		return tt_error_set(err, -EINVAL, "kernel_build_id: not lowercase hex");
	const json_t *replace = json_object_get(body, "replace");
	if (replace && !json_is_boolean(replace))
		return tt_error_set(err, -EINVAL, "replace: not a boolean");
	out->replace = json_is_true(replace);
	return 0;
}

int tt_enroll_token_req_parse(const json_t *body, struct tt_enroll_token_req *out,
			      struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (check_object(body, err) < 0)
		return -EINVAL;
	out->labels = json_object_get(body, "labels");
	if (out->labels && json_is_null(out->labels))
		out->labels = NULL;
	if (out->labels && tt_labels_check(out->labels, "labels", err) < 0)
		return -EINVAL;
	const json_t *ttl = json_object_get(body, "expires_in");
	if (ttl && !(json_is_integer(ttl) && json_integer_value(ttl) > 0 &&
		     json_integer_value(ttl) <= ENROLL_TTL_MAX))
		return tt_error_set(err, -EINVAL, "expires_in: seconds, 1 to %d", ENROLL_TTL_MAX);
	out->expires_in = ttl ? json_integer_value(ttl) : ENROLL_TTL_DEFAULT;
	return 0;
}

int tt_operator_token_req_parse(const json_t *body, struct tt_operator_token_req *out,
				struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	const char *role;
	if (check_object(body, err) < 0 ||
	    get_string(body, "name", true, NULL, 64, &out->name, err) ||
	    get_string(body, "role", true, NULL, 16, &role, err))
		return -EINVAL;
	if (!chars_valid(out->name, 64, "@"))
		return tt_error_set(err, -EINVAL, "name: letters, digits, '_', '-', '.', '@'");
	if (tt_role_parse(role, &out->role) < 0)
		return tt_error_set(err, -EINVAL, "role: '%s' is not viewer, reviewer or admin",
				    role);
	return 0;
}
