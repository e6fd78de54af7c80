// SPDX-License-Identifier: GPL-2.0-or-later
/* Canonical JSON: the exact bytes TUF signatures cover (spec 4.2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "tuxtape/archive.h"

/* Parse in, canonicalize, compare with want (length given: want may hold NUL-free raw bytes). */
static void check(const char *in, const char *want)
{
	json_error_t je;
	json_t *v = json_loads(in, JSON_DECODE_ANY, &je);
	assert_non_null(v);
	struct tt_buf b = TT_BUF_INIT;
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_canonical(v, &b, &err), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.buf, want, b.len);
	tt_buf_free(&b);
	json_decref(v);
}

static void test_order_and_whitespace(void **state)
{
	(void)state;
	check("{ \"b\" : 1, \"a\" : [ true, false, null ], \"c\" : { \"z\" : \"x\", \"y\" : -5 } }",
	      "{\"a\":[true,false,null],\"b\":1,\"c\":{\"y\":-5,\"z\":\"x\"}}");
	check("{}", "{}");
	check("[]", "[]");
	check("[{}, [], \"\"]", "[{},[],\"\"]");
	check("9223372036854775807", "9223372036854775807");
	check("-0", "0");
}

static void test_key_order_is_bytes(void **state)
{
	(void)state;
	/* 'B' 0x42 < '_' 0x5f < 'a' 0x61 < "aa" < U+00E9 (0xc3 0xa9) < U+4E2D (0xe4 ...). */
	check("{\"\\u4e2d\":6,\"a\":3,\"\\u00e9\":5,\"_\":2,\"aa\":4,\"B\":1}",
	      "{\"B\":1,\"_\":2,\"a\":3,\"aa\":4,\"\xc3\xa9\":5,\"\xe4\xb8\xad\":6}");
}

static void test_escapes(void **state)
{
	(void)state;
	/* Only quote and backslash are escaped; control bytes and UTF-8 go through raw. */
	check("\"a\\\"b\\\\c\\n\\t\\u00e9\\/\"", "\"a\\\"b\\\\c\n\t\xc3\xa9/\"");
	check("{\"k\\\"\":\"\\\\\"}", "{\"k\\\"\":\"\\\\\"}");
}

static void test_real_refused(void **state)
{
	(void)state;
	json_t *v = json_loads("{\"a\":[1.5]}", 0, NULL);
	struct tt_buf b = TT_BUF_INIT;
	struct tt_error err = {0};
	tt_buf_adds(&b, "keep");
	assert_int_equal(tt_tuf_canonical(v, &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "real"));
	/* Nothing half-written on failure. */
	assert_string_equal(tt_buf_str(&b), "keep");
	tt_buf_free(&b);
	json_decref(v);
}

static void test_tuf_signed_example(void **state)
{
	(void)state;
	check(
	    "{\"signed\": {\"_type\": \"timestamp\", \"spec_version\": \"1.0.31\", \"version\": 3,"
	    " \"expires\": \"2030-01-01T00:00:00Z\", \"meta\": {\"snapshot.json\": "
	    "{\"version\": 2}}}}",
	    "{\"signed\":{\"_type\":\"timestamp\",\"expires\":\"2030-01-01T00:00:00Z\","
	    "\"meta\":{\"snapshot.json\":{\"version\":2}},\"spec_version\":\"1.0.31\","
	    "\"version\":3}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_and_whitespace),
	    cmocka_unit_test(test_key_order_is_bytes),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_real_refused),
	    cmocka_unit_test(test_tuf_signed_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
