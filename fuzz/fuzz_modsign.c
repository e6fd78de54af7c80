// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: bytes as a signed module, through the trailer parser,
 * the CMS decoder and the verifier (against a certificate made once, so the
 * signer-matching and signature paths run too).
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/modsign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A P-256 certificate for the verifier; any certificate will do, none signed the input. */
static struct tt_modsign_cert *harness_cert(void)
{
	static struct tt_modsign_cert *cert;
	if (cert)
		return cert;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	unsigned char *der = NULL;
	int n = X509_sign(x, key, EVP_sha256()) > 0 ? i2d_X509(x, &der) : -1;
	if (n <= 0 || tt_modsign_cert_from_bytes(der, (size_t)n, "harness", &cert, NULL) != 0)
		abort();
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(key);
	return cert;
}

static void check_trailer(const uint8_t *data, size_t size)
{
	struct tt_modsign_trailer t;
	if (tt_modsign_parse_trailer(data, size, &t, NULL) != 0)
		return;
	/* the parts must tile the input exactly, with at least one byte of module */
	if (t.module_len == 0 || t.cms != data + t.module_len ||
	    t.module_len + t.cms_len + TT_MODSIGN_INFO_LEN + TT_MODSIGN_MAGIC_LEN != size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_trailer(data, size);
	struct tt_modsign_info info;
	struct tt_error err = {0};
	if (tt_modsign_inspect(data, size, &info, &err) == 0) {
		if (!info.digest || !info.signature_alg || info.module_len >= size)
			abort();
		tt_modsign_info_free(&info);
	}
	struct tt_modsign_info vinfo = {0};
	/* no input is signed by the harness's fresh key */
	if (tt_modsign_verify(harness_cert(), data, size, &vinfo, &err) == 0)
		abort();
	tt_modsign_info_free(&vinfo);
	return 0;
}
