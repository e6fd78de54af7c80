// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Certificates and signing keys for module signatures. Certificates come as
 * PEM or DER (the kernel build writes signing_key.x509 as DER); keys as PEM,
 * RSA or ECDSA on the curves the kernel's signature checker knows.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>

#include "modsign_int.h"
#include "tuxtape/util.h"

const char *tt_modsign_ssl_reason(char *buf, size_t size, const char *fallback)
{
	unsigned long code = ERR_peek_last_error();
	const char *reason = code ? ERR_reason_error_string(code) : NULL;
	snprintf(buf, size, "%s", reason ? reason : fallback);
	ERR_clear_error();
	return buf;
}

char *tt_modsign_hex(const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *hex = tt_xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[p[i] >> 4];
		hex[2 * i + 1] = digits[p[i] & 15];
	}
	hex[2 * n] = '\0';
	return hex;
}

/* ---- certificates ---- */

static bool looks_like_pem(const void *data, size_t len)
{
	return memmem(data, len, "-----BEGIN", 10) != NULL;
}

static X509 *x509_from_pem(const void *data, size_t len)
{
	if (len > INT_MAX)
		return NULL;
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	if (!bio)
		return NULL;
	X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

/* DER must be exactly one certificate: trailing bytes mean the wrong file. */
static X509 *x509_from_der(const void *data, size_t len)
{
	if (len > LONG_MAX)
		return NULL;
	const unsigned char *p = data;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x && p != (const unsigned char *)data + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int tt_modsign_cert_from_bytes(const void *data, size_t len, const char *what_for,
			       struct tt_modsign_cert **out, struct tt_error *err)
{
	*out = NULL;
	bool pem = looks_like_pem(data, len);
	X509 *x = pem ? x509_from_pem(data, len) : x509_from_der(data, len);
	if (!x) {
		char why[160];
		return tt_error_set(err, -EINVAL, "%s: not an X.509 certificate in %s: %s",
				    what_for, pem ? "PEM" : "DER",
				    tt_modsign_ssl_reason(why, sizeof(why), "it does not decode"));
	}
	struct tt_modsign_cert *cert = tt_xcalloc(1, sizeof(*cert));
	cert->x509 = x;
	*out = cert;
	return 0;
}

int tt_modsign_cert_load(const char *path, struct tt_modsign_cert **out, struct tt_error *err)
{
	*out = NULL;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = tt_read_file(path, &data, &len, err);
	if (r < 0)
		return tt_error_prefix(err, "certificate: ");
	return tt_modsign_cert_from_bytes(data, len, path, out, err);
}

void tt_modsign_cert_free(struct tt_modsign_cert *cert)
{
	if (!cert)
		return;
	X509_free(cert->x509);
	free(cert);
}

/* ---- signing keys ---- */

/*
 * Hands OpenSSL the passphrase, or refuses: without a callback OpenSSL would
 * prompt on the terminal, which a library must never do.
 */
static int passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	if (!pass)
		return -1;
	size_t n = strlen(pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

static EVP_PKEY *key_from_pem(const char *pem, size_t len, const char *passphrase)
{
	if (len > INT_MAX)
		return NULL;
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return NULL;
	EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, passphrase_cb, (void *)passphrase);
	BIO_free(bio);
	return key;
}

/* RSA, or ECDSA on P-256/P-384: the kernel's module signature checker knows no other. */
static int check_key_type(EVP_PKEY *key, const char *path, struct tt_error *err)
{
	if (EVP_PKEY_is_a(key, "RSA"))
		return 0;
	if (EVP_PKEY_is_a(key, "EC")) {
		char group[64] = "";
		size_t n = 0;
		EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
					       sizeof(group), &n);
		if (strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0)
			return 0;
		return tt_error_set(err, -EPROTONOSUPPORT,
				    "%s: an EC key on curve %s; module signatures take RSA or "
				    "ECDSA on P-256 or P-384",
				    path, *group ? group : "(unknown)");
	}
	return tt_error_set(err, -EPROTONOSUPPORT,
			    "%s: a %s key; module signatures take RSA or ECDSA on P-256 or P-384",
			    path, EVP_PKEY_get0_type_name(key));
}

static int load_key(const char *path, const char *passphrase, EVP_PKEY **out, struct tt_error *err)
{
	char *pem = NULL;
	size_t len = 0;
	int r = tt_read_file(path, &pem, &len, err);
	if (r < 0)
		return tt_error_prefix(err, "signing key: ");
	*out = key_from_pem(pem, len, passphrase);
	bool encrypted = memmem(pem, len, "ENCRYPTED", 9) != NULL;
	OPENSSL_cleanse(pem, len);
	free(pem);
	if (*out)
		return check_key_type(*out, path, err);
	char why[160];
	tt_modsign_ssl_reason(why, sizeof(why), "no private key found");
	if (encrypted && !passphrase)
		return tt_error_set(err, -EACCES,
				    "%s: the key is encrypted and no passphrase was given", path);
	return tt_error_set(err, -EINVAL, "%s: cannot read a PEM private key: %s", path, why);
}

int tt_modsign_signer_load(const char *key_path, const char *passphrase, const char *cert_path,
			   struct tt_modsign_signer **out, struct tt_error *err)
{
	*out = NULL;
	EVP_PKEY *key = NULL;
	int r = load_key(key_path, passphrase, &key, err);
	if (r < 0) {
		EVP_PKEY_free(key);
		return r;
	}
	struct tt_modsign_cert *cert = NULL;
	r = tt_modsign_cert_load(cert_path, &cert, err);
	if (r < 0) {
		EVP_PKEY_free(key);
		return r;
	}
	if (X509_check_private_key(cert->x509, key) != 1) {
		ERR_clear_error();
		EVP_PKEY_free(key);
		tt_modsign_cert_free(cert);
		return tt_error_set(err, -EKEYREJECTED,
				    "the key %s is not the private half of certificate %s",
				    key_path, cert_path);
	}
	struct tt_modsign_signer *signer = tt_xcalloc(1, sizeof(*signer));
	signer->key = key;
	signer->x509 = cert->x509; /* take it; free only the wrapper */
	free(cert);
	*out = signer;
	return 0;
}

void tt_modsign_signer_free(struct tt_modsign_signer *signer)
{
	if (!signer)
		return;
	EVP_PKEY_free(signer->key);
	X509_free(signer->x509);
	free(signer);
}
