// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rollout tiers and the assignment of a host to one. Assignment is a pure
 * function of the tiers, the host's labels and its machine id, so every
 * server (and every test) computes the same tier for the same host.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "tuxtape/server.h"
#include "tuxtape/util.h"

#define TIERS_MAX     16
#define TIER_NAME_MAX 32

void tt_tiers_free(struct tt_tiers *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		json_decref(t->v[i].labels);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

static void tiers_add(struct tt_tiers *t, const char *name, json_t *labels, int percent)
{
	t->v = tt_xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n++] = (struct tt_tier){tt_xstrdup(name), labels, percent};
}

void tt_tiers_default(struct tt_tiers *out)
{
	*out = (struct tt_tiers){0};
	tiers_add(out, "canary", json_pack("{s:s}", "tier", "canary"), 10);
	tiers_add(out, "stable", json_object(), 100);
}

static bool tier_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > TIER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_'))
			return false;
	return true;
}

static int tier_from_json(const json_t *o, size_t i, struct tt_tiers *out, struct tt_error *err)
{
	if (!json_is_object(o))
		return tt_error_set(err, -EINVAL, "tiers[%zu]: not an object", i);
	const json_t *name = json_object_get(o, "name");
	if (!json_is_string(name) || !tier_name_valid(json_string_value(name)))
		return tt_error_set(err, -EINVAL,
				    "tiers[%zu].name: a string of 1-32 characters a-z 0-9 - _", i);
	if (tt_tiers_find(out, json_string_value(name)) >= 0)
		return tt_error_set(err, -EINVAL, "tiers[%zu].name: '%s' is named twice", i,
				    json_string_value(name));
	const json_t *labels = json_object_get(o, "labels");
	char field[48];
	snprintf(field, sizeof(field), "tiers[%zu].labels", i);
	if (labels && tt_labels_check(labels, field, err) < 0)
		return -EINVAL;
	const json_t *percent = json_object_get(o, "percent");
	if (percent && (!json_is_integer(percent) || json_integer_value(percent) < 0 ||
			json_integer_value(percent) > 100))
		return tt_error_set(err, -EINVAL, "tiers[%zu].percent: an integer 0-100", i);
	tiers_add(out, json_string_value(name), labels ? json_deep_copy(labels) : json_object(),
		  percent ? (int)json_integer_value(percent) : 0);
	return 0;
}

int tt_tiers_from_json(const json_t *array, struct tt_tiers *out, struct tt_error *err)
{
	*out = (struct tt_tiers){0};
	if (!json_is_array(array) || json_array_size(array) == 0 ||
	    json_array_size(array) > TIERS_MAX)
		return tt_error_set(err, -EINVAL, "tiers: an array of 1-%d tiers", TIERS_MAX);
	for (size_t i = 0; i < json_array_size(array); i++) {
		if (tier_from_json(json_array_get(array, i), i, out, err) < 0) {
			tt_tiers_free(out);
			return -EINVAL;
		}
	}
	return 0;
}

json_t *tt_tiers_to_json(const struct tt_tiers *t)
{
	json_t *a = json_array();
	for (size_t i = 0; i < t->n; i++)
		json_array_append_new(a,
				      json_pack("{s:s, s:O, s:i}", "name", t->v[i].name, "labels",
						t->v[i].labels, "percent", t->v[i].percent));
	return a;
}

int tt_tiers_find(const struct tt_tiers *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return (int)i;
	return -1;
}

unsigned tt_machine_bucket(const char *machine_id)
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(machine_id, strlen(machine_id), md, &len, EVP_sha256(), NULL);
	uint32_t head =
	    (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
	return head % 100;
}

static bool labels_match(const json_t *want, const json_t *have)
{
	if (json_object_size(want) == 0)
		return false;
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)want, key, value)
	{
		const json_t *h = have ? json_object_get(have, key) : NULL;
		if (!json_is_string(h) ||
		    strcmp(json_string_value(h), json_string_value(value)) != 0)
			return false;
	}
	return true;
}

const char *tt_tier_assign(const struct tt_tiers *t, const json_t *host_labels,
			   const char *machine_id)
{
	if (t->n == 0)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (labels_match(t->v[i].labels, host_labels))
			return t->v[i].name;
	unsigned bucket = tt_machine_bucket(machine_id);
	unsigned upto = 0;
	for (size_t i = 0; i < t->n; i++) {
		upto += (unsigned)t->v[i].percent;
		if (t->v[i].percent > 0 && bucket < upto)
			return t->v[i].name;
	}
	return t->v[t->n - 1].name;
}
