// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading and checking a module signature: the trailer, then the CMS it
 * holds, then the signature against a certificate. The checks follow what
 * the kernel asks of a module before it loads it: a detached PKCS#7/CMS
 * SignedData, one signer, named by a certificate the kernel trusts, whose
 * signature covers exactly the bytes before the CMS.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <string.h>

#include "modsign_int.h"
#include "tuxtape/util.h"

void tt_modsign_info_free(struct tt_modsign_info *info)
{
	if (!info)
		return;
	free(info->digest);
	free(info->signature_alg);
	free(info->issuer);
	free(info->serial);
	free(info->key_id);
	memset(info, 0, sizeof(*info));
}

/* "sha256", "rsaEncryption": OpenSSL's long name, or the dotted OID when it has none. */
static char *object_name(const ASN1_OBJECT *obj)
{
	int nid = OBJ_obj2nid(obj);
	if (nid != NID_undef)
		return tt_xstrdup(OBJ_nid2ln(nid));
	char oid[128];
	if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
		return tt_xstrdup("(unreadable OID)");
	return tt_xstrdup(oid);
}

static char *name_oneline(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *s = NULL;
	if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) >= 0) {
		char *data;
		long n = BIO_get_mem_data(bio, &data);
		s = tt_xstrndup(data, (size_t)n);
	}
	BIO_free(bio);
	return s ? s : tt_xstrdup("(unprintable name)");
}

/* Lowercase hex, as `openssl x509 -serial` prints it but in lower case. */
static char *serial_hex(const ASN1_INTEGER *serial)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *ssl_hex = bn ? BN_bn2hex(bn) : NULL;
	char *hex = tt_xstrdup(ssl_hex ? ssl_hex : "(unreadable)");
	for (char *p = hex; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	OPENSSL_free(ssl_hex);
	BN_free(bn);
	return hex;
}

static void describe_signer(CMS_SignerInfo *si, struct tt_modsign_info *info)
{
	X509_ALGOR *digest_alg = NULL, *sig_alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &digest_alg, &sig_alg);
	X509_ALGOR_get0(&obj, NULL, NULL, digest_alg);
	info->digest = object_name(obj);
	X509_ALGOR_get0(&obj, NULL, NULL, sig_alg);
	info->signature_alg = object_name(obj);

	ASN1_OCTET_STRING *key_id = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	if (CMS_SignerInfo_get0_signer_id(si, &key_id, &issuer, &serial) == 1) {
		if (issuer)
			info->issuer = name_oneline(issuer);
		if (serial)
			info->serial = serial_hex(serial);
		if (key_id)
			info->key_id = tt_modsign_hex(ASN1_STRING_get0_data(key_id),
						      (size_t)ASN1_STRING_length(key_id));
	}
	info->signed_attrs = CMS_signed_get_attr_count(si) > 0;
}

/* Decode the trailer's CMS: exactly one DER signedData, nothing after it. */
static int decode_cms(const struct tt_modsign_trailer *t, CMS_ContentInfo **out,
		      struct tt_error *err)
{
	*out = NULL;
	if (t->cms_len > LONG_MAX)
		return tt_error_set(err, -EBADMSG, "signature of %zu bytes is too long",
				    t->cms_len);
	const unsigned char *p = t->cms;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)t->cms_len);
	if (!cms) {
		char why[160];
		return tt_error_set(err, -EBADMSG,
				    "the %zu-byte signature is not a CMS message: %s", t->cms_len,
				    tt_modsign_ssl_reason(why, sizeof(why), "it does not decode"));
	}
	if (p != t->cms + t->cms_len) {
		CMS_ContentInfo_free(cms);
		return tt_error_set(err, -EBADMSG,
				    "%zu bytes follow the CMS message inside the signature",
				    (size_t)(t->cms + t->cms_len - p));
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		char *type = object_name(CMS_get0_type(cms));
		CMS_ContentInfo_free(cms);
		tt_error_set(err, -EBADMSG, "the signature is a CMS %s, not signedData", type);
		free(type);
		return -EBADMSG;
	}
	*out = cms;
	return 0;
}

/* The one signer info a module signature has (sign-file writes one; the kernel checks all). */
static int only_signer(CMS_ContentInfo *cms, CMS_SignerInfo **out, struct tt_error *err)
{
	STACK_OF(CMS_SignerInfo) *signers = CMS_get0_SignerInfos(cms);
	int n = signers ? sk_CMS_SignerInfo_num(signers) : 0;
	if (n != 1)
		return tt_error_set(err, -EBADMSG,
				    "the signature has %d signer infos; a module signature has "
				    "exactly one",
				    n);
	*out = sk_CMS_SignerInfo_value(signers, 0);
	return 0;
}

/* Parse and decode; on success *cms_out (when asked) holds the CMS for the caller to free. */
static int inspect(const void *data, size_t len, struct tt_modsign_info *info,
		   CMS_ContentInfo **cms_out, CMS_SignerInfo **si_out, struct tt_error *err)
{
	memset(info, 0, sizeof(*info));
	struct tt_modsign_trailer t;
	int r = tt_modsign_parse_trailer(data, len, &t, err);
	if (r < 0)
		return r;
	info->module_len = t.module_len;
	info->cms_len = t.cms_len;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si = NULL;
	r = decode_cms(&t, &cms, err);
	if (r == 0)
		r = only_signer(cms, &si, err);
	if (r < 0) {
		CMS_ContentInfo_free(cms);
		return r;
	}
	info->detached = CMS_is_detached(cms) == 1;
	describe_signer(si, info);
	if (cms_out) {
		*cms_out = cms;
		*si_out = si;
	} else {
		CMS_ContentInfo_free(cms);
	}
	return 0;
}

int tt_modsign_inspect(const void *data, size_t len, struct tt_modsign_info *info,
		       struct tt_error *err)
{
	int r = inspect(data, len, info, NULL, NULL, err);
	ERR_clear_error();
	return r;
}

/* The signer id must name cert; say who signed instead when it does not. */
static int check_signer_is(CMS_SignerInfo *si, const struct tt_modsign_info *info,
			   const struct tt_modsign_cert *cert, struct tt_error *err)
{
	if (CMS_SignerInfo_cert_cmp(si, cert->x509) == 0)
		return 0;
	char *cert_issuer = name_oneline(X509_get_issuer_name(cert->x509));
	char *cert_serial = serial_hex(X509_get0_serialNumber(cert->x509));
	tt_error_set(err, -ENOKEY,
		     "signed by another certificate: the signature names %s %s%s%s; the "
		     "certificate given is issuer %s, serial %s",
		     info->serial ? "issuer" : "key id", info->serial ? info->issuer : info->key_id,
		     info->serial ? ", serial " : "", info->serial ? info->serial : "", cert_issuer,
		     cert_serial);
	free(cert_issuer);
	free(cert_serial);
	return -ENOKEY;
}

static int check_signature(CMS_ContentInfo *cms, const struct tt_modsign_cert *cert,
			   const void *module, size_t module_len, struct tt_error *err)
{
	if (module_len > INT_MAX)
		return tt_error_set(err, -EFBIG, "%zu bytes of module, too large", module_len);
	/* Only cert may sign (NOINTERN); its own validity is the keyring's business. */
	const unsigned int flags = CMS_BINARY | CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY;
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *content = BIO_new_mem_buf(module, (int)module_len);
	int ok = certs && content && sk_X509_push(certs, cert->x509) > 0 &&
		 CMS_verify(cms, certs, NULL, content, NULL, flags) == 1;
	BIO_free(content);
	sk_X509_free(certs); /* cert->x509 stays with cert */
	if (ok)
		return 0;
	char why[160];
	return tt_error_set(err, -EKEYREJECTED,
			    "the signature does not match the module's %zu bytes (changed "
			    "since it was signed?): %s",
			    module_len,
			    tt_modsign_ssl_reason(why, sizeof(why), "verification failed"));
}

int tt_modsign_verify(const struct tt_modsign_cert *cert, const void *data, size_t len,
		      struct tt_modsign_info *info, struct tt_error *err)
{
	struct tt_modsign_info local;
	struct tt_modsign_info *out = info ? info : &local;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si = NULL;
	int r = inspect(data, len, out, &cms, &si, err);
	if (r == 0 && !out->detached)
		r = tt_error_set(err, -EBADMSG,
				 "the CMS embeds its content; the kernel takes "
				 "only a detached signature over the module");
	if (r == 0)
		r = check_signer_is(si, out, cert, err);
	if (r == 0)
		r = check_signature(cms, cert, data, out->module_len, err);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	if (!info)
		tt_modsign_info_free(&local);
	return r;
}

int tt_modsign_verify_file(const struct tt_modsign_cert *cert, const char *path,
			   struct tt_modsign_info *info, struct tt_error *err)
{
	if (info)
		memset(info, 0, sizeof(*info));
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = tt_read_file(path, &data, &len, err);
	if (r < 0)
		return r;
	r = tt_modsign_verify(cert, data, len, info, err);
	if (r < 0)
		tt_error_prefix(err, "%s: ", path);
	return r;
}
