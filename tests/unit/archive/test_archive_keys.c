// SPDX-License-Identifier: GPL-2.0-or-later
/* Keys: ids, signing and verification for each type, private keys on disk. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tuxtape/archive.h"

/* RFC 8032 section 7.1, test 1: public key and the signature of the empty message. */
#define RFC_PUB "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
#define RFC_SIG                                                                                    \
	"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"     \
	"39701cf9b46bd25bf5f0595bbe24655141438e7a100b"

static struct tt_tuf_key *rfc_key(void)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme", "ed25519",
			      "keyval", "public", RFC_PUB);
	struct tt_tuf_key *k = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_key_from_json(o, &k, &err), 0);
	json_decref(o);
	return k;
}

static void test_ed25519_vector_and_keyid(void **state)
{
	(void)state;
	struct tt_tuf_key *k = rfc_key();
	/* sha256 of {"keytype":"ed25519","keyval":{"public":"d75a..."},"scheme":"ed25519"} */
	assert_string_equal(tt_tuf_key_id(k),
			    "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916");
	assert_int_equal(tt_tuf_key_verify(k, "", 0, RFC_SIG), 0);
	assert_int_equal(tt_tuf_key_verify(k, "x", 1, RFC_SIG), -EBADMSG);
	char bad[] = RFC_SIG;
	bad[5] = bad[5] == '0' ? '1' : '0';
	assert_int_equal(tt_tuf_key_verify(k, "", 0, bad), -EBADMSG);
	assert_int_equal(tt_tuf_key_verify(k, "", 0, "zz"), -EBADMSG);
	assert_int_equal(tt_tuf_key_verify(k, "", 0, ""), -EBADMSG);
	assert_false(tt_tuf_key_has_private(k));
	tt_tuf_key_free(k);
}

static void test_bad_key_objects(void **state)
{
	(void)state;
	const char *bad[] = {
	    "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\",\"keyval\":{\"public\":\"abcd\"}}",
	    "{\"keytype\":\"ed25519\",\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":"
	    "\"" RFC_PUB "\"}}",
	    "{\"keytype\":\"ecdsa\",\"scheme\":\"ecdsa-sha2-nistp256\",\"keyval\":{\"public\":"
	    "\"not pem\"}}",
	    "{\"keytype\":\"ed25519\",\"scheme\":\"ed25519\"}",
	    "{\"keytype\":\"dsa\",\"scheme\":\"dsa\",\"keyval\":{\"public\":\"x\"}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *o = json_loads(bad[i], 0, NULL);
		struct tt_tuf_key *k = NULL;
		struct tt_error err = {0};
		assert_true(tt_tuf_key_from_json(o, &k, &err) < 0);
		assert_null(k);
		assert_true(err.msg[0] != '\0');
		json_decref(o);
	}
}

/* Generate, sign, verify through the public object, save, reload, sign again. */
static void roundtrip(enum tt_tuf_keytype type, const char *keytype)
{
	struct tt_tuf_key *k = NULL, *pub = NULL, *loaded = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_key_generate(type, &k, &err), 0);
	json_t *o = tt_tuf_key_to_json(k);
	assert_string_equal(json_string_value(json_object_get(o, "keytype")), keytype);
	assert_int_equal(tt_tuf_key_from_json(o, &pub, &err), 0);
	assert_string_equal(tt_tuf_key_id(pub), tt_tuf_key_id(k));
	char *sig = NULL;
	assert_int_equal(tt_tuf_key_sign(k, "message", 7, &sig, &err), 0);
	assert_int_equal(tt_tuf_key_verify(pub, "message", 7, sig), 0);
	assert_int_equal(tt_tuf_key_verify(pub, "messagE", 7, sig), -EBADMSG);
	char *none = NULL;
	/* A public key cannot sign. */
	assert_int_equal(tt_tuf_key_sign(pub, "m", 1, &none, &err), -EINVAL);
	assert_null(none);

	char dir[] = "/tmp/tt-keys-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = tt_xasprintf("%s/k.pem", dir);
	assert_int_equal(tt_tuf_key_save_private(k, path, &err), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tt_tuf_key_load_private(path, &loaded, &err), 0);
	assert_string_equal(tt_tuf_key_id(loaded), tt_tuf_key_id(k));
	char *sig2 = NULL;
	assert_int_equal(tt_tuf_key_sign(loaded, "x", 1, &sig2, &err), 0);
	assert_int_equal(tt_tuf_key_verify(pub, "x", 1, sig2), 0);
	unlink(path);
	rmdir(dir);
	free(path);
	free(sig);
	free(sig2);
	json_decref(o);
	tt_tuf_key_free(k);
	tt_tuf_key_free(pub);
	tt_tuf_key_free(loaded);
}

static void test_ed25519(void **state)
{
	(void)state;
	roundtrip(TT_TUF_KEY_ED25519, "ed25519");
}

static void test_ecdsa(void **state)
{
	(void)state;
	roundtrip(TT_TUF_KEY_ECDSA_P256, "ecdsa");
}

static void test_rsa_pss(void **state)
{
	(void)state;
	roundtrip(TT_TUF_KEY_RSA_PSS, "rsa");
}

static void test_ecdsa_keytype_alias(void **state)
{
	(void)state;
	struct tt_tuf_key *k = NULL, *alias = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ECDSA_P256, &k, &err), 0);
	json_t *o = tt_tuf_key_to_json(k);
	json_object_set_new(o, "keytype", json_string("ecdsa-sha2-nistp256"));
	assert_int_equal(tt_tuf_key_from_json(o, &alias, &err), 0);
	/* Another object, so another id, but the same key. */
	assert_string_not_equal(tt_tuf_key_id(alias), tt_tuf_key_id(k));
	char *sig = NULL;
	assert_int_equal(tt_tuf_key_sign(k, "m", 1, &sig, &err), 0);
	assert_int_equal(tt_tuf_key_verify(alias, "m", 1, sig), 0);
	free(sig);
	json_decref(o);
	tt_tuf_key_free(k);
	tt_tuf_key_free(alias);
}

static void test_envelope(void **state)
{
	(void)state;
	struct tt_tuf_key *k = NULL;
	struct tt_error err = {0};
	assert_int_equal(tt_tuf_key_generate(TT_TUF_KEY_ED25519, &k, &err), 0);
	json_t *s = json_pack("{s:s, s:i}", "b", "x", "a", 1);
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(tt_tuf_sign_envelope(s, &k, 1, &text, &len, &err), 0);
	json_t *doc = json_loadb(text, len, 0, NULL);
	json_t *sig = json_array_get(json_object_get(doc, "signatures"), 0);
	assert_string_equal(json_string_value(json_object_get(sig, "keyid")), tt_tuf_key_id(k));
	/* The signature is over {"a":1,"b":"x"}, not over the pretty-printed bytes. */
	assert_int_equal(tt_tuf_key_verify(k, "{\"a\":1,\"b\":\"x\"}", 15,
					   json_string_value(json_object_get(sig, "sig"))),
			 0);
	free(text);
	json_decref(doc);
	json_decref(s);
	tt_tuf_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ed25519_vector_and_keyid),
	    cmocka_unit_test(test_bad_key_objects),
	    cmocka_unit_test(test_ed25519),
	    cmocka_unit_test(test_ecdsa),
	    cmocka_unit_test(test_rsa_pss),
	    cmocka_unit_test(test_ecdsa_keytype_alias),
	    cmocka_unit_test(test_envelope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
