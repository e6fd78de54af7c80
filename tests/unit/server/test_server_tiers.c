// SPDX-License-Identifier: GPL-2.0-or-later
/* Rollout tiers: validation, assignment by labels and by the machine id's stable hash. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tuxtape/server.h"

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);
	assert_non_null(v);
	return v;
}

static void tiers_of(const char *text, struct tt_tiers *out)
{
	json_t *v = parse(text);
	struct tt_error err = {0};
	int r = tt_tiers_from_json(v, out, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	json_decref(v);
}

static void machine_id(unsigned n, char out[33])
{
	snprintf(out, 33, "%032x", n * 2654435761u);
}

static void test_bucket_is_stable(void **state)
{
	/* SHA-256 of this id starts 3eb1bd43: 1051835715 % 100. Fixed, or hosts change tiers. */
	assert_int_equal(tt_machine_bucket("0123456789abcdef0123456789abcdef"), 15);
	char id[33];
	unsigned hist[100] = {0};
	for (unsigned i = 0; i < 20000; i++) {
		machine_id(i, id);
		hist[tt_machine_bucket(id)]++;
	}
	for (int i = 0; i < 100; i++)
		assert_in_range(hist[i], 120, 280); /* 200 expected per bucket */
}

static void test_labels_first(void **state)
{
	struct tt_tiers t;
	tiers_of("[{\"name\": \"canary\", \"labels\": {\"role\": \"web\", \"dc\": \"fra\"}},"
		 " {\"name\": \"early\", \"labels\": {\"role\": \"web\"}, \"percent\": 100},"
		 " {\"name\": \"stable\"}]",
		 &t);
	json_t *both = parse("{\"role\": \"web\", \"dc\": \"fra\", \"x\": \"y\"}");
	json_t *web = parse("{\"role\": \"web\", \"dc\": \"ams\"}");
	json_t *db = parse("{\"role\": \"db\"}");
	const char *id = "0123456789abcdef0123456789abcdef";
	assert_string_equal(tt_tier_assign(&t, both, id), "canary");
	assert_string_equal(tt_tier_assign(&t, web, id), "early");
	/* No labels match: the percentages, where early takes every bucket. */
	assert_string_equal(tt_tier_assign(&t, db, id), "early");
	assert_string_equal(tt_tier_assign(&t, NULL, id), "early");
	json_decref(both);
	json_decref(web);
	json_decref(db);
	tt_tiers_free(&t);
}

static void test_percentages(void **state)
{
	struct tt_tiers t;
	tiers_of("[{\"name\": \"canary\", \"percent\": 10}, {\"name\": \"early\", \"percent\": 30},"
		 " {\"name\": \"stable\"}]",
		 &t);
	char id[33];
	unsigned canary = 0, early = 0, stable = 0;
	for (unsigned i = 0; i < 10000; i++) {
		machine_id(i, id);
		const char *tier = tt_tier_assign(&t, NULL, id);
		unsigned bucket = tt_machine_bucket(id);
		if (strcmp(tier, "canary") == 0)
			canary++, assert_true(bucket < 10);
		else if (strcmp(tier, "early") == 0)
			early++, assert_true(bucket >= 10 && bucket < 40);
		else
			stable++, assert_true(bucket >= 40);
	}
	assert_in_range(canary, 800, 1200);
	assert_in_range(early, 2700, 3300);
	assert_in_range(stable, 5600, 6400);
	tt_tiers_free(&t);
}

static void test_defaults_and_find(void **state)
{
	struct tt_tiers t;
	tt_tiers_default(&t);
	assert_int_equal(t.n, 2);
	assert_int_equal(tt_tiers_find(&t, "canary"), 0);
	assert_int_equal(tt_tiers_find(&t, "stable"), 1);
	assert_int_equal(tt_tiers_find(&t, "nope"), -1);
	json_t *canary = parse("{\"tier\": \"canary\"}");
	assert_string_equal(tt_tier_assign(&t, canary, "0123456789abcdef0123456789abcdef"),
			    "canary");
	json_decref(canary);
	json_t *j = tt_tiers_to_json(&t);
	struct tt_tiers back;
	assert_int_equal(tt_tiers_from_json(j, &back, NULL), 0);
	assert_int_equal(back.n, 2);
	assert_int_equal(back.v[0].percent, 10);
	json_decref(j);
	tt_tiers_free(&back);
	tt_tiers_free(&t);
	struct tt_tiers none = {0};
	assert_null(tt_tier_assign(&none, NULL, "0123456789abcdef0123456789abcdef"));
}

static void test_invalid_tiers(void **state)
{
	const char *bad[] = {
	    "[]",
	    "{}",
	    "[{\"name\": \"\"}]",
	    "[{\"name\": \"Canary\"}]",
	    "[{\"name\": 3}]",
	    "[{\"name\": \"a\"}, {\"name\": \"a\"}]",
	    "[{\"name\": \"a\", \"percent\": 101}]",
	    "[{\"name\": \"a\", \"percent\": -1}]",
	    "[{\"name\": \"a\", \"percent\": \"10\"}]",
	    "[{\"name\": \"a\", \"labels\": {\"k\": 1}}]",
	    "[{\"name\": \"a\", \"labels\": [\"k\"]}]",
	    "[1]",
	    NULL,
	};
	for (int i = 0; bad[i]; i++) {
		json_t *v = parse(bad[i]);
		struct tt_tiers t;
		struct tt_error err = {0};
		assert_int_equal(tt_tiers_from_json(v, &t, &err), -EINVAL);
		assert_true(strlen(err.msg) > 0);
		assert_null(t.v);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bucket_is_stable), cmocka_unit_test(test_labels_first),
	    cmocka_unit_test(test_percentages),	     cmocka_unit_test(test_defaults_and_find),
	    cmocka_unit_test(test_invalid_tiers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
