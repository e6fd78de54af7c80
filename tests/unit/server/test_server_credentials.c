// SPDX-License-Identifier: GPL-2.0-or-later
/* Tokens (format, parsing, hashing, comparison), roles, loopback addresses. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tuxtape/server.h"

static void test_generate_format_parse(void **state)
{
	struct tt_token t, back;
	assert_int_equal(tt_token_generate(TT_TOKEN_HOST, &t, NULL), 0);
	assert_int_equal(strncmp(t.id, "h_", 2), 0);
	assert_int_equal(strlen(t.id), 18);
	assert_int_equal(strlen(t.secret), TT_TOKEN_SECRET_HEX);
	char *text = tt_token_format(&t);
	assert_int_equal(strncmp(text, "tth_h_", 6), 0);
	assert_int_equal(tt_token_parse(text, TT_TOKEN_HOST, &back, NULL), 0);
	assert_string_equal(back.id, t.id);
	assert_string_equal(back.secret, t.secret);
	/* The same text is not a token of another kind. */
	assert_int_equal(tt_token_parse(text, TT_TOKEN_OPERATOR, &back, NULL), -EINVAL);
	free(text);
}

static void test_tokens_differ(void **state)
{
	struct tt_token a, b;
	assert_int_equal(tt_token_generate(TT_TOKEN_OPERATOR, &a, NULL), 0);
	assert_int_equal(tt_token_generate(TT_TOKEN_OPERATOR, &b, NULL), 0);
	assert_string_not_equal(a.id, b.id);
	assert_string_not_equal(a.secret, b.secret);
}

static void test_parse_refuses_malformed(void **state)
{
	const char *secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char buf[256];
	struct tt_token t;
	struct tt_error err = {0};
	/* Each case: text before the secret, whether the secret follows, text after it. */
	const struct {
		const char *head;
		bool secret;
		const char *tail;
	} bad[] = {
	    {"", false, ""},
	    {"tto_", false, ""},
	    {"tto_abc", false, ""},
	    {"tto__", false, ""},
	    {"tte_abc_0123", false, ""},
	    {"tto_ABC_", true, ""},
	    {"tto_a-b_", true, ""},
	    {"tto_abc_", true, "ff"},
	    {"Bearer tto_abc_", true, ""},
	    {"tto_abc_G", false, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"},
	    {"tte_abc_", true, ""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s%s", bad[i].head, bad[i].secret ? secret : "",
			 bad[i].tail);
		assert_int_equal(tt_token_parse(buf, TT_TOKEN_OPERATOR, &t, &err), -EINVAL);
	}
	snprintf(buf, sizeof(buf), "tto_abc_%s", secret);
	assert_int_equal(tt_token_parse(buf, TT_TOKEN_OPERATOR, &t, &err), 0);
	assert_string_equal(t.id, "abc");
	assert_int_equal(tt_token_parse(NULL, TT_TOKEN_OPERATOR, &t, &err), -EINVAL);
}

static void test_hash_and_match(void **state)
{
	char hash[TT_TOKEN_SECRET_HEX + 1];
	/* SHA-256("abc"), the FIPS 180-2 example. */
	tt_token_hash("abc", hash);
	assert_string_equal(hash,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_true(tt_token_matches("abc", hash));
	assert_false(tt_token_matches("abd", hash));
	assert_false(tt_token_matches("abc", "ba7816bf"));
	assert_false(tt_token_matches("abc", NULL));
	hash[63] = hash[63] == '0' ? '1' : '0';
	assert_false(tt_token_matches("abc", hash));
}

static void test_roles(void **state)
{
	enum tt_role r;
	assert_int_equal(tt_role_parse("viewer", &r), 0);
	assert_int_equal(r, TT_ROLE_VIEWER);
	assert_int_equal(tt_role_parse("reviewer", &r), 0);
	assert_int_equal(tt_role_parse("admin", &r), 0);
	assert_int_equal(r, TT_ROLE_ADMIN);
	assert_int_equal(tt_role_parse("root", &r), -EINVAL);
	assert_int_equal(tt_role_parse("Admin", &r), -EINVAL);
	assert_int_equal(tt_role_parse(NULL, &r), -EINVAL);
	assert_true(tt_role_allows(TT_ROLE_ADMIN, TT_ROLE_REVIEWER));
	assert_true(tt_role_allows(TT_ROLE_REVIEWER, TT_ROLE_REVIEWER));
	assert_true(tt_role_allows(TT_ROLE_REVIEWER, TT_ROLE_VIEWER));
	assert_false(tt_role_allows(TT_ROLE_VIEWER, TT_ROLE_REVIEWER));
	assert_false(tt_role_allows(TT_ROLE_REVIEWER, TT_ROLE_ADMIN));
	assert_false(tt_role_allows(TT_ROLE_NONE, TT_ROLE_VIEWER));
	assert_string_equal(tt_role_name(TT_ROLE_REVIEWER), "reviewer");
}

static void test_loopback(void **state)
{
	assert_true(tt_address_is_loopback("127.0.0.1"));
	assert_true(tt_address_is_loopback("127.1.2.3"));
	assert_true(tt_address_is_loopback("::1"));
	assert_true(tt_address_is_loopback("::ffff:127.0.0.1"));
	assert_false(tt_address_is_loopback("0.0.0.0"));
	assert_false(tt_address_is_loopback("::"));
	assert_false(tt_address_is_loopback("10.0.0.1"));
	assert_false(tt_address_is_loopback("localhost"));
	assert_false(tt_address_is_loopback("128.0.0.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generate_format_parse),
	    cmocka_unit_test(test_tokens_differ),
	    cmocka_unit_test(test_parse_refuses_malformed),
	    cmocka_unit_test(test_hash_and_match),
	    cmocka_unit_test(test_roles),
	    cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
