// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape klp diff`: exit status per outcome, and the JSON shape scripts read. */
#include <jansson.h>
#include <sys/wait.h>

#include "klp_test.h"

#define FLAGS KLP_KERNEL_FLAGS " " KLP_SECTION_FLAGS

static int setup(void **state)
{
	return klp_have_gcc() && getenv("TT_BUILD_ROOT") ? 0 : -1;
}

static int teardown(void **state)
{
	klp_tmp_cleanup();
	return 0;
}

/* Run `tuxtape klp diff` on a fixture pair; returns the exit status, *out its stdout. */
static int run(const char *fixture, const char *args, char **out)
{
	char *a = klp_compile(fixture, "orig", FLAGS), *b = klp_compile(fixture, "patched", FLAGS);
	char *cmd = tt_xasprintf("'%s/cmd/tuxtape/tuxtape' klp diff '%s' '%s' %s 2>/dev/null",
				 getenv("TT_BUILD_ROOT"), a, b, args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	struct tt_buf buf = TT_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		tt_buf_add(&buf, chunk, n);
	int st = pclose(p);
	*out = tt_buf_detach(&buf);
	free(cmd);
	free(a);
	free(b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_exit_status_says_patchable_no_change_or_refused(void **state)
{
	char *out;
	assert_int_equal(run("basic", "", &out), 0);
	assert_non_null(strstr(out, "changed    compute"));
	assert_non_null(strstr(out, "line-only  sleeper"));
	free(out);
	assert_int_equal(run("bugline", "", &out), 3);
	free(out);
	assert_int_equal(run("refuse", "", &out), 5);
	free(out);
	assert_int_equal(run("basic", "--bogus", &out), 2);
	free(out);
}

static void test_json_lists_functions_references_and_refusals(void **state)
{
	char *out;
	assert_int_equal(run("refuse", "--json", &out), 5);
	json_error_t je;
	json_t *j = json_loads(out, 0, &je);
	if (!j)
		fail_msg("not JSON (%s): %s", je.text, out);
	json_t *refusals = json_object_get(j, "refusals");
	assert_int_equal(json_array_size(refusals), 4);
	json_t *r0 = json_array_get(refusals, 0);
	assert_string_equal(json_string_value(json_object_get(r0, "kind")), "data");
	assert_string_equal(json_string_value(json_object_get(r0, "symbol")), "threshold");
	json_t *funcs = json_object_get(j, "functions");
	size_t i;
	json_t *f;
	bool seen = false;
	json_array_foreach(funcs, i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "name")), "raw_path") == 0) {
			assert_string_equal(json_string_value(json_object_get(f, "status")),
					    "changed");
			assert_true(json_is_false(json_object_get(f, "has_fentry")));
			seen = true;
		}
	}
	assert_true(seen);
	assert_true(json_is_array(json_object_get(j, "references")));
	json_decref(j);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_status_says_patchable_no_change_or_refused),
	    cmocka_unit_test(test_json_lists_functions_references_and_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
