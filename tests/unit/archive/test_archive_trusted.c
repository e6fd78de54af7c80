// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The trusted set on the committed fixture (tests/fixtures/archive/metadata):
 * the order of updates, signatures over canonical JSON whatever the layout,
 * and the shape checks of the parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/archive.h"

#define NOW 1767225660

struct fixture {
	char *root, *ts, *snap, *targets;
	size_t root_len, ts_len, snap_len, targets_len;
};

static void load(const char *name, char **data, size_t *len)
{
	const char *dir = getenv("TT_FIXTURES");
	char *path = tt_xasprintf("%s/archive/metadata/%s", dir ? dir : "tests/fixtures", name);
	assert_int_equal(tt_read_file(path, data, len, NULL), 0);
	free(path);
}

static int setup(void **state)
{
	struct fixture *f = tt_xcalloc(1, sizeof(*f));
	load("1.root.json", &f->root, &f->root_len);
	load("timestamp.json", &f->ts, &f->ts_len);
	load("1.snapshot.json", &f->snap, &f->snap_len);
	load("1.targets.json", &f->targets, &f->targets_len);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->root);
	free(f->ts);
	free(f->snap);
	free(f->targets);
	free(f);
	return 0;
}

static struct tt_tuf_trusted *trusted(const struct fixture *f)
{
	struct tt_tuf_trusted *t = NULL;
	struct tt_error err = {0};
	if (tt_tuf_trusted_new(f->root, f->root_len, NOW, &t, &err))
		fail_msg("%s", err.msg);
	return t;
}

static void test_full_chain(void **state)
{
	struct fixture *f = *state;
	struct tt_tuf_trusted *t = trusted(f);
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_trusted_check_root(t, &err), 0);
	assert_int_equal(tt_tuf_trusted_update_timestamp(t, f->ts, f->ts_len, false, &err), 0);
	assert_int_equal(tt_tuf_trusted_update_snapshot(t, f->snap, f->snap_len, false, &err), 0);
	assert_int_equal(tt_tuf_trusted_update_targets(t, "targets", NULL, f->targets,
						       f->targets_len, false, &err),
			 0);
	assert_int_equal(tt_tuf_trusted_version(t, "targets"), 1);
	assert_true(tt_tuf_trusted_consistent_snapshot(t));
	int64_t v, l;
	assert_int_equal(tt_tuf_trusted_snapshot_meta(t, "targets", &v, &l, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(l, (int64_t)f->targets_len);
	assert_int_equal(tt_tuf_trusted_snapshot_meta(t, "nope", &v, &l, &err), -ENOENT);
	tt_tuf_trusted_free(t);
}

static void test_order(void **state)
{
	struct fixture *f = *state;
	struct tt_tuf_trusted *t = trusted(f);
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_trusted_update_snapshot(t, f->snap, f->snap_len, false, &err),
			 -EINVAL);
	assert_int_equal(tt_tuf_trusted_update_targets(t, "targets", NULL, f->targets,
						       f->targets_len, false, &err),
			 -EINVAL);
	assert_int_equal(tt_tuf_trusted_update_timestamp(t, f->ts, f->ts_len, false, &err), 0);
	assert_int_equal(tt_tuf_trusted_update_root(t, f->root, f->root_len, &err), -EINVAL);
	/* The same timestamp again: nothing to do. */
	assert_int_equal(tt_tuf_trusted_update_timestamp(t, f->ts, f->ts_len, false, &err),
			 -EALREADY);
	tt_tuf_trusted_free(t);
}

/* Signatures hold over the canonical JSON whatever the layout received. */
static void test_layout_does_not_matter(void **state)
{
	struct fixture *f = *state;
	json_t *doc = json_loadb(f->ts, f->ts_len, 0, NULL);
	char *compact = json_dumps(doc, JSON_COMPACT);
	struct tt_tuf_trusted *t = trusted(f);
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_trusted_update_timestamp(t, compact, strlen(compact), false, &err),
			 0);
	free(compact);
	tt_tuf_trusted_free(t);
	/* But any change to signed breaks them. */
	json_t *s = json_object_get(doc, "signed");
	json_object_set_new(s, "version", json_integer(7));
	char *changed = json_dumps(doc, 0);
	t = trusted(f);
	assert_int_equal(tt_tuf_trusted_update_timestamp(t, changed, strlen(changed), false, &err),
			 -EPERM);
	assert_non_null(strstr(err.msg, "timestamp v7 (timestamp.json): 0 valid signature(s)"));
	free(changed);
	tt_tuf_trusted_free(t);
	json_decref(doc);
}

/* Replace `from` by `to` in the timestamp and expect code and msg. */
static void bad_timestamp(const struct fixture *f, const char *from, const char *to, int code,
			  const char *msg)
{
	char *p = strstr(f->ts, from);
	assert_non_null(p);
	char *s = tt_xasprintf("%.*s%s%s", (int)(p - f->ts), f->ts, to, p + strlen(from));
	struct tt_tuf_trusted *t = trusted(f);
	struct tt_error err = {0};
	int r = tt_tuf_trusted_update_timestamp(t, s, strlen(s), false, &err);
	if (r != code || !strstr(err.msg, msg))
		fail_msg("%s -> %s: got %d: %s", from, to, r, err.msg);
	tt_tuf_trusted_free(t);
	free(s);
}

static void test_shape_checks(void **state)
{
	struct fixture *f = *state;
	bad_timestamp(f, "\"_type\": \"timestamp\"", "\"_type\": \"snapshot\"", -EINVAL,
		      "_type is \"snapshot\", expected \"timestamp\"");
	bad_timestamp(f, "\"spec_version\": \"1.0.31\"", "\"spec_version\": \"2.0.0\"",
		      -EPROTONOSUPPORT, "unsupported spec_version \"2.0.0\"");
	bad_timestamp(f, "\"version\": 1\n }", "\"version\": 1.0\n }", -EINVAL,
		      "version must be an integer");
	bad_timestamp(f, "\"_type\": \"timestamp\"", "\"_type\": \"timestamp\", \"x\": 1.5",
		      -EINVAL, "no real numbers");
	bad_timestamp(f, "\"_type\": \"timestamp\"", "\"_type\": \"timestamp\", \"_type\": \"x\"",
		      -EINVAL, "duplicate");
	bad_timestamp(f, "\"expires\": \"", "\"expires\": \"soon", -EINVAL, "bad expires");
	bad_timestamp(f, "\"snapshot.json\"", "\"snapshot.jsn\"", -EINVAL, "no snapshot.json");
	bad_timestamp(f, "\"signatures\"", "\"signaturez\"", -EINVAL, "\"signatures\" must be");
}

static void test_bad_root(void **state)
{
	struct fixture *f = *state;
	struct tt_tuf_trusted *t = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_trusted_new("{}", 2, NOW, &t, &err), -EINVAL);
	assert_null(t);
	assert_int_equal(tt_tuf_trusted_new(f->ts, f->ts_len, NOW, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "expected \"root\""));
	/* Expired roots still load (5.2), but not past 5.3.10. */
	assert_int_equal(
	    tt_tuf_trusted_new(f->root, f->root_len, NOW + 200LL * 365 * 86400, &t, &err), 0);
	assert_int_equal(tt_tuf_trusted_check_root(t, &err), -EKEYEXPIRED);
	assert_int_equal(tt_tuf_trusted_update_timestamp(t, f->ts, f->ts_len, false, &err),
			 -EKEYEXPIRED);
	tt_tuf_trusted_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_chain),
	    cmocka_unit_test(test_order),
	    cmocka_unit_test(test_layout_does_not_matter),
	    cmocka_unit_test(test_shape_checks),
	    cmocka_unit_test(test_bad_root),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
