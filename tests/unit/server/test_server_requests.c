// SPDX-License-Identifier: GPL-2.0-or-later
/* Validation of every request body of the fleet API: good ones pass, each fault is named. */
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
#include "tuxtape/util.h"

#define MID "0f3c5a0e9d7b4c1a8e2f6b3d9c0a1e5f"
#define SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, 0, &jerr);
	if (!v)
		fail_msg("test JSON: %s: %s", text, jerr.text);
	return v;
}

/* The body is refused, and the message names want. */
typedef int (*parse_fn)(const json_t *body, void *out, struct tt_error *err);

static void refused(parse_fn fn, void *out, const char *body, const char *want)
{
	json_t *v = parse(body);
	struct tt_error err = {0};
	int r = fn(v, out, &err);
	if (r != -EINVAL || !strstr(err.msg, want))
		fail_msg("%s: got %d '%s', wanted -EINVAL naming '%s'", body, r, err.msg, want);
	json_decref(v);
}

static int heartbeat_fn(const json_t *body, void *out, struct tt_error *err)
{
	int r = tt_heartbeat_req_parse(body, out, err);
	tt_heartbeat_req_free(out);
	return r;
}

static int report_fn(const json_t *body, void *out, struct tt_error *err)
{
	int r = tt_report_req_parse(body, out, err);
	tt_report_req_free(out);
	return r;
}

static int enroll_fn(const json_t *body, void *out, struct tt_error *err)
{
	return tt_enroll_req_parse(body, out, err);
}

static int release_fn(const json_t *body, void *out, struct tt_error *err)
{
	return tt_release_req_parse(body, out, err);
}

static int operator_fn(const json_t *body, void *out, struct tt_error *err)
{
	return tt_operator_token_req_parse(body, out, err);
}

static int enroll_token_fn(const json_t *body, void *out, struct tt_error *err)
{
	return tt_enroll_token_req_parse(body, out, err);
}

static void test_enroll(void **state)
{
	json_t *v = parse("{\"enrollment_token\": \"tte_x\", \"machine_id\": \"" MID "\","
			  " \"hostname\": \"web-17\", \"labels\": {\"role\": \"web\"},"
			  " \"kernel_release\": \"6.1.0-47-amd64\"}");
	struct tt_enroll_req r;
	assert_int_equal(tt_enroll_req_parse(v, &r, NULL), 0);
	assert_string_equal(r.hostname, "web-17");
	assert_string_equal(r.machine_id, MID);
	assert_non_null(r.labels);
	json_decref(v);
	parse_fn fn = enroll_fn;
	refused(fn, &r, "[]", "not a JSON object");
	refused(fn, &r, "{\"machine_id\": \"" MID "\"}", "enrollment_token: missing");
	refused(fn, &r, "{\"enrollment_token\": \"t\"}", "machine_id: missing");
	refused(fn, &r, "{\"enrollment_token\": \"t\", \"machine_id\": \"0F3C\"}", "machine_id");
	refused(fn, &r, "{\"enrollment_token\": 1, \"machine_id\": \"" MID "\"}",
		"enrollment_token: not a string");
	refused(fn, &r,
		"{\"enrollment_token\": \"t\", \"machine_id\": \"" MID "\", \"labels\": [1]}",
		"labels");
	refused(fn, &r,
		"{\"enrollment_token\": \"t\", \"machine_id\": \"" MID
		"\", \"hostname\": \"a\\nb\"}",
		"hostname");
	refused(fn, &r,
		"{\"enrollment_token\": \"t\", \"machine_id\": \"" MID
		"\", \"kernel_release\": \"6.1 x\"}",
		"kernel_release");
}

static void test_heartbeat(void **state)
{
	json_t *v =
	    parse("{\"machine_id\": \"" MID "\", \"kernel_release\": \"6.1.0-47-amd64\","
		  " \"kernel_build_id\": \"ab12\", \"agent_version\": \"0.1.0\","
		  " \"uptime\": 12345, \"boot_id\": \"5d1c-77\", \"patches\": ["
		  " {\"name\": \"tt_cve_2026_12345\", \"target\": \"6.1/t.ko\","
		  " \"sha256\": \"" SHA "\", \"state\": \"enabled\", \"transition\": false},"
		  " {\"name\": \"tt_b\", \"state\": \"failed\"}]}");
	struct tt_heartbeat_req r;
	assert_int_equal(tt_heartbeat_req_parse(v, &r, NULL), 0);
	assert_int_equal(r.n_patches, 2);
	assert_int_equal(r.uptime, 12345);
	assert_string_equal(r.patches[1].state, "failed");
	assert_string_equal(r.patches[1].sha256, "");
	tt_heartbeat_req_free(&r);
	json_decref(v);
#define HEARTBEAT_WITH "{\"machine_id\": \"" MID "\", \"kernel_release\": \"6.1.0\", %s}"
	const struct {
		const char *extra, *want;
	} bad[] = {
	    {"\"uptime\": -1", "uptime"},
	    {"\"uptime\": 1.5", "uptime"},
	    {"\"kernel_build_id\": \"XYZ\"", "kernel_build_id"},
	    {"\"patches\": {}", "patches"},
	    {"\"patches\": [1]", "patches[0]: not an object"},
	    {"\"patches\": [{\"state\": \"enabled\"}]", "patches[0].name: missing"},
	    {"\"patches\": [{\"name\": \"a b\", \"state\": \"enabled\"}]", "patches[0].name"},
	    {"\"patches\": [{\"name\": \"a\", \"state\": \"on\"}]", "patches[0].state"},
	    {"\"patches\": [{\"name\": \"a\", \"state\": \"enabled\", \"sha256\": \"12\"}]",
	     "patches[0].sha256"},
	    {"\"patches\": [{\"name\": \"a\", \"state\": \"enabled\", \"transition\": 1}]",
	     "transition"},
	    {"\"patches\": [{\"name\": \"a\", \"state\": \"enabled\"},"
	     " {\"name\": \"a\", \"state\": \"enabled\"}]",
	     "listed twice"},
	    {"\"agent_version\": 1", "agent_version"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *body = tt_xasprintf(HEARTBEAT_WITH, bad[i].extra);
		refused(heartbeat_fn, &r, body, bad[i].want);
		free(body);
	}
	refused(heartbeat_fn, &r, "{\"machine_id\": \"" MID "\"}", "kernel_release: missing");
}

static void test_heartbeat_patch_limit(void **state)
{
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_adds(&b,
		    "{\"machine_id\": \"" MID "\", \"kernel_release\": \"6.1\", \"patches\": [");
	for (int i = 0; i < 257; i++)
		tt_buf_addf(&b, "%s{\"name\": \"p%d\", \"state\": \"enabled\"}", i ? "," : "", i);
	tt_buf_adds(&b, "]}");
	struct tt_heartbeat_req r;
	refused(heartbeat_fn, &r, tt_buf_str(&b), "at most 256");
	tt_buf_free(&b);
}

static void test_report(void **state)
{
	json_t *v =
	    parse("{\"machine_id\": \"" MID "\", \"kind\": \"load_failure\","
		  " \"patch\": \"tt_cve_2026_12345\", \"message\": \"finit_module: EINVAL\","
		  " \"excerpt\": \"kernel log\", \"time\": \"2026-12-03T19:00:00Z\"}");
	struct tt_report_req r;
	assert_int_equal(tt_report_req_parse(v, &r, NULL), 0);
	assert_int_equal(r.reported_at, 1796324400);
	assert_string_equal(r.excerpt, "kernel log");
	tt_report_req_free(&r);
	json_decref(v);
	refused(report_fn, &r, "{\"machine_id\": \"" MID "\", \"kind\": \"bad\"}", "kind");
	refused(report_fn, &r, "{\"machine_id\": \"" MID "\"}", "kind: missing");
	refused(report_fn, &r, "{\"machine_id\": \"" MID "\", \"kind\": \"oops\", \"time\": \"x\"}",
		"time");
	refused(report_fn, &r,
		"{\"machine_id\": \"" MID "\", \"kind\": \"oops\", \"patch\": \"../x\"}", "patch");
	assert_true(tt_report_kind_is_error("oops"));
	assert_true(tt_report_kind_is_error("load_failure"));
	assert_false(tt_report_kind_is_error("info"));
	assert_false(tt_report_kind_is_error("unloaded"));
	assert_false(tt_report_kind_is_error("nonsense"));
}

/* A long excerpt is cut at 16 KiB, never inside a UTF-8 character. */
static void test_report_excerpt_cut(void **state)
{
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_adds(&b, "{\"machine_id\": \"" MID "\", \"kind\": \"oops\", \"excerpt\": \"x");
	for (int i = 0; i < TT_FLEET_EXCERPT_MAX; i++)
		tt_buf_adds(&b, "\xc3\xa9"); /* é: 2 bytes, so the cut lands inside one */
	tt_buf_adds(&b, "\"}");
	json_t *v = parse(tt_buf_str(&b));
	struct tt_report_req r;
	assert_int_equal(tt_report_req_parse(v, &r, NULL), 0);
	assert_int_equal(strlen(r.excerpt), TT_FLEET_EXCERPT_MAX - 1);
	json_t *check = json_string(r.excerpt); /* NULL when not valid UTF-8 */
	assert_non_null(check);
	json_decref(check);
	tt_report_req_free(&r);
	json_decref(v);
	tt_buf_free(&b);
}

static void test_release(void **state)
{
	json_t *v = parse("{\"patch\": \"tt_cve_1\", \"target\": \"6.1.0-47-amd64/tt_cve_1.ko\","
			  " \"sha256\": \"" SHA "\", \"kernel_release\": \"6.1.0-47-amd64\","
			  " \"tier\": \"canary\", \"replace\": true}");
	struct tt_release_req r;
	assert_int_equal(tt_release_req_parse(v, &r, NULL), 0);
	assert_true(r.replace);
	assert_string_equal(r.tier, "canary");
	json_decref(v);
	parse_fn fn = release_fn;
	refused(
	    fn, &r,
	    "{\"patch\": \"p\", \"target\": \"t\", \"sha256\": \"abc\", \"kernel_release\": \"k\"}",
	    "sha256");
	refused(fn, &r,
		"{\"patch\": \"p\", \"target\": \"../t\", \"sha256\": \"" SHA
		"\", \"kernel_release\": \"k\"}",
		"target");
	refused(fn, &r, "{\"patch\": \"p\", \"target\": \"t\", \"sha256\": \"" SHA "\"}",
		"kernel_release: missing");
	refused(fn, &r,
		"{\"patch\": \"p\", \"target\": \"t\", \"sha256\": \"" SHA
		"\", \"kernel_release\": \"k\", \"replace\": \"yes\"}",
		"replace");
}

static void test_tokens_requests(void **state)
{
	json_t *v = parse("{\"name\": \"alice@example.org\", \"role\": \"reviewer\"}");
	struct tt_operator_token_req o;
	assert_int_equal(tt_operator_token_req_parse(v, &o, NULL), 0);
	assert_int_equal(o.role, TT_ROLE_REVIEWER);
	json_decref(v);
	parse_fn ofn = operator_fn;
	refused(ofn, &o, "{\"name\": \"alice\", \"role\": \"root\"}", "role");
	refused(ofn, &o, "{\"name\": \"a b\", \"role\": \"admin\"}", "name");
	refused(ofn, &o, "{\"role\": \"admin\"}", "name: missing");

	struct tt_enroll_token_req e;
	v = parse("{}");
	assert_int_equal(tt_enroll_token_req_parse(v, &e, NULL), 0);
	assert_int_equal(e.expires_in, 86400);
	assert_null(e.labels);
	json_decref(v);
	parse_fn efn = enroll_token_fn;
	refused(efn, &e, "{\"expires_in\": 0}", "expires_in");
	refused(efn, &e, "{\"expires_in\": 99999999999}", "expires_in");
	refused(efn, &e, "{\"labels\": {\"k\": 2}}", "labels");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enroll),
	    cmocka_unit_test(test_heartbeat),
	    cmocka_unit_test(test_heartbeat_patch_limit),
	    cmocka_unit_test(test_report),
	    cmocka_unit_test(test_report_excerpt_cut),
	    cmocka_unit_test(test_release),
	    cmocka_unit_test(test_tokens_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
