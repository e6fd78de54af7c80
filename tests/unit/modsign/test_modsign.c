// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Module signatures: the trailer and CMS structure as the kernel reads them,
 * sign/verify round trips for RSA and ECDSA, tampering, the already-signed
 * refusal and re-signing. Keys and certificates are generated here with
 * OpenSSL; the module is a small ELF file written by the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/modsign.h"
#include "tuxtape/util.h"

struct fixture {
	char dir[64];
	char *rsa_key, *rsa_cert;     /* PEM key, DER certificate (as the kernel build) */
	char *ec_key, *ec_cert;	      /* P-256 key, PEM certificate */
	char *ec384_key, *ec384_cert; /* P-384 */
	char *other_key, *other_cert; /* a second RSA signer */
	char *module;		      /* an unsigned ELF file */
	unsigned char *elf;
	size_t elf_len;
};

static char *path_in(struct fixture *f, const char *name)
{
	return tt_xasprintf("%s/%s", f->dir, name);
}

/* A self-signed certificate for key, subject "CN=cn", with a fixed serial. */
static X509 *self_signed(EVP_PKEY *key, const char *cn, long serial)
{
	X509 *x = X509_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"tuxtape", -1,
				   -1, 0);
	X509_set_issuer_name(x, name);
	/* ed25519 signs the message itself and takes no digest */
	const EVP_MD *md = EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256();
	assert_true(X509_sign(x, key, md) > 0);
	return x;
}

static void write_key(EVP_PKEY *key, const char *path, const char *passphrase)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	const EVP_CIPHER *cipher = passphrase ? EVP_aes_256_cbc() : NULL;
	assert_true(PEM_write_PrivateKey(fp, key, cipher, (unsigned char *)passphrase,
					 passphrase ? (int)strlen(passphrase) : 0, NULL, NULL));
	fclose(fp);
}

static void write_cert(X509 *x, const char *path, bool der)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(der ? i2d_X509_fp(fp, x) : PEM_write_X509(fp, x));
	fclose(fp);
}

/* Key and certificate files for one signer. */
static void make_signer(struct fixture *f, EVP_PKEY *key, const char *name, long serial, bool der,
			char **key_path, char **cert_path)
{
	*key_path = tt_xasprintf("%s/%s.pem", f->dir, name);
	*cert_path = tt_xasprintf("%s/%s.%s", f->dir, name, der ? "x509" : "crt");
	X509 *x = self_signed(key, name, serial);
	write_key(key, *key_path, NULL);
	write_cert(x, *cert_path, der);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* An ELF64 header followed by recognisable bytes: enough of a module for signing. */
static void make_module(struct fixture *f)
{
	f->elf_len = 4096 + 17;
	f->elf = tt_xcalloc(1, f->elf_len);
	memcpy(f->elf, "\177ELF\2\1\1", 7);
	for (size_t i = 64; i < f->elf_len; i++)
		f->elf[i] = (unsigned char)(i * 7 + 3);
	f->module = path_in(f, "module.ko");
	struct tt_error err = {0};
	assert_int_equal(tt_write_file_atomic(f->module, f->elf, f->elf_len, &err), 0);
}

static int setup(void **state)
{
	struct fixture *f = tt_xcalloc(1, sizeof(*f));
	strcpy(f->dir, "/tmp/tt-modsign-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	make_signer(f, EVP_RSA_gen(2048), "rsa", 0x1234567, true, &f->rsa_key, &f->rsa_cert);
	make_signer(f, EVP_EC_gen("P-256"), "ec", 42, false, &f->ec_key, &f->ec_cert);
	make_signer(f, EVP_EC_gen("P-384"), "ec384", 43, false, &f->ec384_key, &f->ec384_cert);
	make_signer(f, EVP_RSA_gen(2048), "other", 7, true, &f->other_key, &f->other_cert);
	make_module(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *rm = tt_xasprintf("rm -rf '%s'", f->dir);
	assert_int_equal(system(rm), 0);
	free(rm);
	free(f->rsa_key), free(f->rsa_cert), free(f->ec_key), free(f->ec_cert);
	free(f->ec384_key), free(f->ec384_cert), free(f->other_key), free(f->other_cert);
	free(f->module);
	free(f->elf);
	free(f);
	return 0;
}

static struct tt_modsign_signer *load_signer(const char *key, const char *cert)
{
	struct tt_modsign_signer *s = NULL;
	struct tt_error err = {0};
	int r = tt_modsign_signer_load(key, NULL, cert, &s, &err);
	if (r)
		fail_msg("%s", err.msg);
	return s;
}

static struct tt_modsign_cert *load_cert(const char *path)
{
	struct tt_modsign_cert *c = NULL;
	struct tt_error err = {0};
	int r = tt_modsign_cert_load(path, &c, &err);
	if (r)
		fail_msg("%s", err.msg);
	return c;
}

/* Sign f->elf in memory with the given signer and hash; caller frees *out. */
static void sign_elf(struct fixture *f, const char *key, const char *cert,
		     enum tt_modsign_hash hash, unsigned char **out, size_t *out_len)
{
	struct tt_modsign_signer *s = load_signer(key, cert);
	struct tt_modsign_sign_opts o = {.hash = hash};
	struct tt_error err = {0};
	int r = tt_modsign_sign(s, f->elf, f->elf_len, "module.ko", &o, out, out_len, &err);
	if (r)
		fail_msg("%s", err.msg);
	tt_modsign_signer_free(s);
}

static int verify_with(const char *cert_path, const unsigned char *data, size_t len,
		       struct tt_modsign_info *info, struct tt_error *err)
{
	struct tt_modsign_cert *c = load_cert(cert_path);
	int r = tt_modsign_verify(c, data, len, info, err);
	tt_modsign_cert_free(c);
	return r;
}

static uint32_t be32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- the format ---- */

static void test_trailer_layout(void **state)
{
	struct fixture *f = *state;
	unsigned char *out;
	size_t len;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &out, &len);
	assert_true(len > f->elf_len + TT_MODSIGN_INFO_LEN + TT_MODSIGN_MAGIC_LEN);
	assert_memory_equal(out, f->elf, f->elf_len); /* the module is left as it was */
	assert_memory_equal(out + len - 28, "~Module signature appended~\n", 28);
	const unsigned char *info = out + len - 28 - 12;
	static const unsigned char zeros_but_pkcs7[8] = {0, 0, 2, 0, 0, 0, 0, 0};
	assert_memory_equal(info, zeros_but_pkcs7, 8);
	uint32_t sig_len = be32_at(info + 8);
	assert_int_equal(f->elf_len + sig_len + 12 + 28, len);
	assert_int_equal(out[f->elf_len], 0x30); /* a DER SEQUENCE starts the CMS */

	struct tt_modsign_trailer t;
	struct tt_error err = {0};
	assert_int_equal(tt_modsign_parse_trailer(out, len, &t, &err), 0);
	assert_int_equal(t.module_len, f->elf_len);
	assert_int_equal(t.cms_len, sig_len);
	assert_ptr_equal(t.cms, out + f->elf_len);
	free(out);
}

/* The CMS, read with OpenSSL directly: what the kernel's PKCS#7 parser expects. */
static void test_cms_structure(void **state)
{
	struct fixture *f = *state;
	unsigned char *out;
	size_t len;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &out, &len);
	uint32_t sig_len = be32_at(out + len - 28 - 4);
	const unsigned char *p = out + f->elf_len;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, sig_len);
	assert_non_null(cms);
	assert_ptr_equal(p, out + f->elf_len + sig_len); /* exactly one DER object */
	assert_int_equal(OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_signed);
	assert_int_equal(OBJ_obj2nid(CMS_get0_eContentType(cms)), NID_pkcs7_data);
	assert_int_equal(CMS_is_detached(cms), 1);
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	assert_true(certs == NULL || sk_X509_num(certs) == 0); /* no certificates */
	sk_X509_pop_free(certs, X509_free);
	STACK_OF(CMS_SignerInfo) *signers = CMS_get0_SignerInfos(cms);
	assert_int_equal(sk_CMS_SignerInfo_num(signers), 1);
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(signers, 0);
	assert_true(CMS_signed_get_attr_count(si) <= 0); /* no signed attributes */
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	assert_int_equal(CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial), 1);
	assert_null(keyid); /* issuer and serial, not a key id */
	assert_non_null(issuer);
	assert_int_equal(ASN1_INTEGER_get(serial), 0x1234567);
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *obj = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	assert_int_equal(OBJ_obj2nid(obj), NID_sha256);
	X509_ALGOR_get0(&obj, NULL, NULL, sig);
	assert_int_equal(OBJ_obj2nid(obj), NID_rsaEncryption);
	CMS_ContentInfo_free(cms);
	free(out);
}

static void test_inspect_reports_signer(void **state)
{
	struct fixture *f = *state;
	unsigned char *out;
	size_t len;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA384, &out, &len);
	struct tt_modsign_info info;
	struct tt_error err = {0};
	assert_int_equal(tt_modsign_inspect(out, len, &info, &err), 0);
	assert_string_equal(info.digest, "sha384");
	assert_string_equal(info.signature_alg, "rsaEncryption");
	assert_string_equal(info.issuer, "CN=rsa, O=tuxtape");
	assert_string_equal(info.serial, "01234567"); /* whole bytes, as openssl prints it */
	assert_null(info.key_id);
	assert_true(info.detached);
	assert_false(info.signed_attrs);
	assert_int_equal(info.module_len, f->elf_len);
	tt_modsign_info_free(&info);
	free(out);
}

/* RSA PKCS#1 v1.5 without attributes is deterministic: the property sign-file comparison needs. */
static void test_rsa_deterministic(void **state)
{
	struct fixture *f = *state;
	unsigned char *a, *b;
	size_t alen, blen;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &a, &alen);
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &b, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

/* ---- round trips ---- */

static void round_trip(struct fixture *f, const char *key, const char *cert,
		       enum tt_modsign_hash hash, const char *digest, const char *sig_alg)
{
	unsigned char *out;
	size_t len;
	sign_elf(f, key, cert, hash, &out, &len);
	struct tt_modsign_info info;
	struct tt_error err = {0};
	int r = verify_with(cert, out, len, &info, &err);
	if (r)
		fail_msg("%s", err.msg);
	assert_string_equal(info.digest, digest);
	assert_string_equal(info.signature_alg, sig_alg);
	tt_modsign_info_free(&info);
	free(out);
}

static void test_round_trips(void **state)
{
	struct fixture *f = *state;
	round_trip(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, "sha256", "rsaEncryption");
	round_trip(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA512, "sha512", "rsaEncryption");
	round_trip(f, f->ec_key, f->ec_cert, TT_MODSIGN_SHA256, "sha256", "ecdsa-with-SHA256");
	round_trip(f, f->ec384_key, f->ec384_cert, TT_MODSIGN_SHA384, "sha384",
		   "ecdsa-with-SHA384");
}

static void test_files_in_place_and_to_output(void **state)
{
	struct fixture *f = *state;
	struct tt_modsign_signer *s = load_signer(f->rsa_key, f->rsa_cert);
	struct tt_modsign_cert *c = load_cert(f->rsa_cert);
	struct tt_modsign_sign_opts o = {.hash = TT_MODSIGN_SHA256};
	struct tt_error err = {0};
	char *copy = path_in(f, "inplace.ko"), *out = path_in(f, "signed.ko");
	assert_int_equal(tt_write_file_atomic(copy, f->elf, f->elf_len, &err), 0);

	/* -o: the input stays unsigned */
	assert_int_equal(tt_modsign_sign_file(s, copy, out, &o, &err), 0);
	assert_int_equal(tt_modsign_verify_file(c, out, NULL, &err), 0);
	assert_int_equal(tt_modsign_verify_file(c, copy, NULL, &err), -ENODATA);
	assert_non_null(strstr(err.msg, "inplace.ko: not signed"));

	/* in place */
	assert_int_equal(tt_modsign_sign_file(s, copy, NULL, &o, &err), 0);
	struct tt_modsign_info info;
	assert_int_equal(tt_modsign_verify_file(c, copy, &info, &err), 0);
	assert_int_equal(info.module_len, f->elf_len);
	tt_modsign_info_free(&info);
	/* no temporary file left beside it */
	char *ls = tt_xasprintf("ls '%s' | grep -q tmp", f->dir);
	assert_int_not_equal(system(ls), 0);
	free(ls);

	free(copy);
	free(out);
	tt_modsign_cert_free(c);
	tt_modsign_signer_free(s);
}

/* A module signed by another CMS producer: OpenSSL's defaults, with or without detaching. */
static unsigned char *foreign_signed(struct fixture *f, unsigned int flags, size_t *out_len)
{
	FILE *fp = fopen(f->rsa_key, "r");
	EVP_PKEY *key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	fp = fopen(f->rsa_cert, "r");
	X509 *x = d2i_X509_fp(fp, NULL);
	fclose(fp);
	BIO *content = BIO_new_mem_buf(f->elf, (int)f->elf_len);
	CMS_ContentInfo *cms = CMS_sign(x, key, NULL, content, CMS_BINARY | CMS_NOCERTS | flags);
	assert_non_null(cms);
	unsigned char *der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &der);
	assert_true(n > 0);
	*out_len = f->elf_len + (size_t)n + 12 + 28;
	unsigned char *out = tt_xcalloc(1, *out_len);
	memcpy(out, f->elf, f->elf_len);
	memcpy(out + f->elf_len, der, (size_t)n);
	unsigned char *info = out + f->elf_len + n;
	info[2] = 2;
	info[10] = (unsigned char)(n >> 8);
	info[11] = (unsigned char)n;
	memcpy(info + 12, TT_MODSIGN_MAGIC, 28);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(content);
	X509_free(x);
	EVP_PKEY_free(key);
	return out;
}

/* The kernel accepts signed attributes, and only detached signatures: so does verify. */
static void test_foreign_cms_profiles(void **state)
{
	struct fixture *f = *state;
	size_t len;
	struct tt_modsign_info info;
	struct tt_error err = {0};
	unsigned char *with_attrs = foreign_signed(f, CMS_DETACHED, &len);
	assert_int_equal(verify_with(f->rsa_cert, with_attrs, len, &info, &err), 0);
	assert_true(info.signed_attrs);
	tt_modsign_info_free(&info);
	with_attrs[10] ^= 1;
	assert_int_equal(verify_with(f->rsa_cert, with_attrs, len, NULL, &err), -EKEYREJECTED);
	free(with_attrs);

	unsigned char *embedded = foreign_signed(f, 0, &len);
	assert_int_equal(verify_with(f->rsa_cert, embedded, len, &info, &err), -EBADMSG);
	assert_false(info.detached);
	assert_non_null(strstr(err.msg, "embeds its content"));
	tt_modsign_info_free(&info);
	free(embedded);
}

/* ---- refusals ---- */

static void test_tampering_detected(void **state)
{
	struct fixture *f = *state;
	unsigned char *out;
	size_t len;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &out, &len);
	struct tt_error err = {0};
	const size_t spots[] = {0, 100, f->elf_len - 1};
	for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
		out[spots[i]] ^= 1;
		assert_int_equal(verify_with(f->rsa_cert, out, len, NULL, &err), -EKEYREJECTED);
		assert_non_null(strstr(err.msg, "does not match"));
		out[spots[i]] ^= 1;
	}
	/* the last byte of the CMS lies inside the RSA signature value */
	size_t sig_end = len - 28 - 12 - 1;
	out[sig_end] ^= 0x80;
	assert_int_equal(verify_with(f->rsa_cert, out, len, NULL, &err), -EKEYREJECTED);
	out[sig_end] ^= 0x80;
	/* a module cut short, or grown, no longer parses or matches */
	assert_int_equal(verify_with(f->rsa_cert, out + 1, len - 1, NULL, &err), -EKEYREJECTED);
	assert_int_equal(verify_with(f->rsa_cert, out, len, NULL, &err), 0);
	free(out);
}

static void test_info_block_checked(void **state)
{
	struct fixture *f = *state;
	unsigned char *out;
	size_t len;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &out, &len);
	unsigned char *info = out + len - 28 - 12;
	struct tt_modsign_trailer t;
	struct tt_error err = {0};

	info[2] = 1; /* PKEY_ID_X509: not what the kernel checks */
	assert_int_equal(tt_modsign_parse_trailer(out, len, &t, &err), -ENOPKG);
	info[2] = 2;
	for (int field = 0; field < 8; field++) {
		if (field == 2)
			continue;
		info[field] = 1;
		assert_int_equal(tt_modsign_parse_trailer(out, len, &t, &err), -EBADMSG);
		info[field] = 0;
	}
	uint32_t sig_len = be32_at(info + 8);
	info[8] = 0x7f; /* longer than the file */
	assert_int_equal(tt_modsign_parse_trailer(out, len, &t, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "precede it"));
	info[8] = 0;
	info[11] = (unsigned char)(sig_len - 1); /* one byte off: not one DER object */
	info[10] = (unsigned char)((sig_len - 1) >> 8);
	assert_int_equal(verify_with(f->rsa_cert, out, len, NULL, &err), -EBADMSG);

	assert_int_equal(tt_modsign_parse_trailer(out + len - 28, 28, &t, &err), -EBADMSG);
	assert_int_equal(tt_modsign_parse_trailer(f->elf, f->elf_len, &t, &err), -ENODATA);
	assert_int_equal(tt_modsign_parse_trailer("", 0, &t, &err), -ENODATA);
	free(out);
}

static void test_wrong_certificate(void **state)
{
	struct fixture *f = *state;
	unsigned char *out;
	size_t len;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &out, &len);
	struct tt_modsign_info info;
	struct tt_error err = {0};
	assert_int_equal(verify_with(f->other_cert, out, len, &info, &err), -ENOKEY);
	assert_non_null(strstr(err.msg, "CN=rsa, O=tuxtape"));
	assert_non_null(strstr(err.msg, "CN=other, O=tuxtape"));
	assert_string_equal(info.digest, "sha256"); /* filled though it failed */
	tt_modsign_info_free(&info);
	free(out);
}

static void test_already_signed_refused_then_resigned(void **state)
{
	struct fixture *f = *state;
	unsigned char *once, *twice = NULL, *resigned;
	size_t once_len, twice_len = 0, resigned_len;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &once, &once_len);
	struct tt_modsign_signer *s = load_signer(f->ec_key, f->ec_cert);
	struct tt_modsign_sign_opts o = {.hash = TT_MODSIGN_SHA384};
	struct tt_error err = {0};
	assert_int_equal(tt_modsign_sign(s, once, once_len, "m.ko", &o, &twice, &twice_len, &err),
			 -EEXIST);
	assert_null(twice);
	assert_non_null(strstr(err.msg, "m.ko: already signed"));
	assert_non_null(strstr(err.msg, "CN=rsa"));

	o.resign = true;
	assert_int_equal(
	    tt_modsign_sign(s, once, once_len, "m.ko", &o, &resigned, &resigned_len, &err), 0);
	struct tt_modsign_info info;
	assert_int_equal(verify_with(f->ec_cert, resigned, resigned_len, &info, &err), 0);
	assert_int_equal(info.module_len, f->elf_len); /* the old signature is gone */
	assert_string_equal(info.digest, "sha384");
	tt_modsign_info_free(&info);
	assert_int_equal(verify_with(f->rsa_cert, resigned, resigned_len, NULL, &err), -ENOKEY);
	free(resigned);
	free(once);
	tt_modsign_signer_free(s);
}

/* Signatures stacked by a tool that does not refuse (sign-file appends blindly) all go. */
static void test_resign_strips_stacked_signatures(void **state)
{
	struct fixture *f = *state;
	unsigned char *once, *twice, *third;
	size_t once_len, twice_len, third_len;
	sign_elf(f, f->rsa_key, f->rsa_cert, TT_MODSIGN_SHA256, &once, &once_len);
	/* append a second signature over the signed bytes, as sign-file would */
	struct tt_modsign_signer *s = load_signer(f->rsa_key, f->rsa_cert);
	struct tt_modsign_sign_opts o = {.hash = TT_MODSIGN_SHA256, .resign = true};
	struct tt_error err = {0};
	assert_int_equal(tt_modsign_sign(s, once, once_len, "m", &o, &twice, &twice_len, &err), 0);
	size_t sig_part = twice_len - f->elf_len;
	unsigned char *stacked = tt_xmalloc(once_len + sig_part);
	memcpy(stacked, once, once_len);
	memcpy(stacked + once_len, twice + f->elf_len, sig_part);
	assert_int_equal(
	    tt_modsign_sign(s, stacked, once_len + sig_part, "m", &o, &third, &third_len, &err), 0);
	assert_int_equal(third_len, once_len);
	assert_memory_equal(third, once, once_len);
	free(stacked);
	free(third);
	free(twice);
	free(once);
	tt_modsign_signer_free(s);
}

static void test_refuses_non_elf(void **state)
{
	struct fixture *f = *state;
	struct tt_modsign_signer *s = load_signer(f->rsa_key, f->rsa_cert);
	struct tt_modsign_sign_opts o = {0};
	struct tt_error err = {0};
	unsigned char *out = NULL;
	size_t len = 0;
	assert_int_equal(tt_modsign_sign(s, "#!/bin/sh\n", 10, "x.sh", &o, &out, &len, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "x.sh: not an ELF file"));
	assert_null(out);
	tt_modsign_signer_free(s);
}

/* ---- keys and certificates ---- */

static void test_key_and_cert_loading(void **state)
{
	struct fixture *f = *state;
	struct tt_modsign_signer *s = NULL;
	struct tt_error err = {0};
	/* the key of one signer with the certificate of another */
	assert_int_equal(tt_modsign_signer_load(f->rsa_key, NULL, f->other_cert, &s, &err),
			 -EKEYREJECTED);
	assert_null(s);
	/* an encrypted key: refused without its passphrase, used with it */
	char *enc = path_in(f, "enc.pem");
	FILE *fp = fopen(f->rsa_key, "r");
	EVP_PKEY *k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	write_key(k, enc, "s3cret");
	EVP_PKEY_free(k);
	assert_int_equal(tt_modsign_signer_load(enc, NULL, f->rsa_cert, &s, &err), -EACCES);
	assert_int_equal(tt_modsign_signer_load(enc, "wrong", f->rsa_cert, &s, &err), -EINVAL);
	assert_int_equal(tt_modsign_signer_load(enc, "s3cret", f->rsa_cert, &s, &err), 0);
	tt_modsign_signer_free(s);
	/* ed25519: not a module signing key */
	char *ed_key, *ed_cert;
	make_signer(f, EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), "ed", 9, false, &ed_key, &ed_cert);
	assert_int_equal(tt_modsign_signer_load(ed_key, NULL, ed_cert, &s, &err), -EPROTONOSUPPORT);
	/* a DER certificate with bytes after it is the wrong file */
	char *bad = path_in(f, "bad.x509");
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(tt_read_file(f->rsa_cert, &data, &len, &err), 0);
	data[len] = 'x';
	assert_int_equal(tt_write_file_atomic(bad, data, len + 1, &err), 0);
	struct tt_modsign_cert *c = NULL;
	assert_int_equal(tt_modsign_cert_load(bad, &c, &err), -EINVAL);
	assert_int_equal(tt_modsign_cert_from_bytes(data, len, "inline", &c, &err), 0);
	tt_modsign_cert_free(c);
	assert_int_equal(tt_modsign_cert_load("/nonexistent/cert", &c, &err), -ENOENT);
	free(data);
	free(bad);
	free(ed_key);
	free(ed_cert);
	free(enc);
}

static void test_hash_names(void **state)
{
	(void)state;
	enum tt_modsign_hash h;
	struct tt_error err = {0};
	assert_int_equal(tt_modsign_hash_from_name("sha512", &h, &err), 0);
	assert_int_equal(h, TT_MODSIGN_SHA512);
	assert_string_equal(tt_modsign_hash_name(TT_MODSIGN_SHA384), "sha384");
	assert_int_equal(tt_modsign_hash_from_name("sha1", &h, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "sha1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trailer_layout),
	    cmocka_unit_test(test_cms_structure),
	    cmocka_unit_test(test_inspect_reports_signer),
	    cmocka_unit_test(test_rsa_deterministic),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_files_in_place_and_to_output),
	    cmocka_unit_test(test_foreign_cms_profiles),
	    cmocka_unit_test(test_tampering_detected),
	    cmocka_unit_test(test_info_block_checked),
	    cmocka_unit_test(test_wrong_certificate),
	    cmocka_unit_test(test_already_signed_refused_then_resigned),
	    cmocka_unit_test(test_resign_strips_stacked_signatures),
	    cmocka_unit_test(test_refuses_non_elf),
	    cmocka_unit_test(test_key_and_cert_loading),
	    cmocka_unit_test(test_hash_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
