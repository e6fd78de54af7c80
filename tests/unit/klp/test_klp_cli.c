// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape klp diff|glue|postlink`: exit status per outcome, and the JSON shape scripts read. */
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

/* Run a tuxtape command line; returns the exit status, *out its stdout. */
static int sh(const char *args, char **out)
{
	char *cmd =
	    tt_xasprintf("'%s/cmd/tuxtape/tuxtape' %s 2>/dev/null", getenv("TT_BUILD_ROOT"), args);
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
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_emit_glue_and_postlink_from_the_command_line(void **state)
{
	const char *dir = klp_tmpdir();
	char *obj = tt_xasprintf("%s/lp.o", dir), *man = tt_xasprintf("%s/lp.json", dir),
	     *glue = tt_xasprintf("%s/glue.c", dir), *ko = tt_xasprintf("%s/lp.ko", dir);
	char *args = tt_xasprintf("-o '%s' --manifest '%s'", obj, man), *out;
	assert_int_equal(run("basic", args, &out), 0);
	assert_non_null(strstr(out, "vmlinux:compute,0 -> __tt_klp_new_vmlinux__compute__0"));
	free(out);
	json_error_t je;
	json_t *m = json_load_file(man, 0, &je);
	assert_non_null(m);
	json_t *f0 = json_array_get(json_object_get(m, "functions"), 0);
	assert_string_equal(json_string_value(json_object_get(f0, "object")), "vmlinux");
	assert_true(json_is_integer(json_object_get(f0, "old_sympos")));
	json_decref(m);

	char *cmd = tt_xasprintf("klp glue --name tt_cli -o '%s' '%s'", glue, man);
	assert_int_equal(sh(cmd, &out), 0);
	free(out), free(cmd);
	char *text;
	size_t len;
	struct tt_error err = {0};
	assert_int_equal(tt_read_file(glue, &text, &len, &err), 0);
	assert_non_null(strstr(text, "klp_enable_patch"));
	free(text);

	cmd = tt_xasprintf("ld -r -o '%s' '%s'", ko, obj);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	cmd = tt_xasprintf("klp postlink --json '%s'", ko);
	assert_int_equal(sh(cmd, &out), 0);
	json_t *j = json_loads(out, 0, &je);
	if (!j)
		fail_msg("not JSON: %s", out);
	assert_true(json_integer_value(json_object_get(j, "symbols")) >= 1);
	assert_true(json_integer_value(json_object_get(j, "relocations")) >= 1);
	json_decref(j);
	free(out), free(cmd);
	free(obj), free(man), free(glue), free(ko), free(args);
}

static void test_emit_usage_errors_and_refusals(void **state)
{
	char *out, *obj = tt_xasprintf("%s/refused.o", klp_tmpdir());
	char *args = tt_xasprintf("-o '%s'", obj);
	/* Refused: nothing written. */
	assert_int_equal(run("refuse", args, &out), 5);
	assert_int_equal(access(obj, F_OK), -1);
	free(out);
	assert_int_equal(run("basic", "--symtab /dev/null", &out), 2);
	free(out);
	assert_int_equal(sh("klp glue", &out), 2);
	free(out);
	assert_int_equal(sh("klp postlink /nonexistent.ko", &out), 1);
	free(out);
	assert_int_equal(sh("klp postlink --help", &out), 0);
	assert_non_null(strstr(out, ".klp.rela.OBJ.X"));
	free(out);
	free(obj), free(args);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_status_says_patchable_no_change_or_refused),
	    cmocka_unit_test(test_json_lists_functions_references_and_refusals),
	    cmocka_unit_test(test_emit_glue_and_postlink_from_the_command_line),
	    cmocka_unit_test(test_emit_usage_errors_and_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
