// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Appending a module signature. The CMS is built with the same OpenSSL calls
 * and flags the kernel's sign-file uses (detached, no certificates, no signed
 * attributes, no S/MIME capabilities, binary content), so both produce the
 * same DER: the kernel's PKCS#7 parser takes what sign-file writes, and
 * comparing bytes with it is the compatibility test.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <string.h>

#include "modsign_int.h"
#include "tuxtape/util.h"

static const struct {
	const char *name;
	enum tt_modsign_hash hash;
} hash_names[] = {
    {"sha256", TT_MODSIGN_SHA256},
    {"sha384", TT_MODSIGN_SHA384},
    {"sha512", TT_MODSIGN_SHA512},
};

int tt_modsign_hash_from_name(const char *name, enum tt_modsign_hash *out, struct tt_error *err)
{
	for (size_t i = 0; i < sizeof(hash_names) / sizeof(hash_names[0]); i++) {
		if (strcmp(name, hash_names[i].name) == 0) {
			*out = hash_names[i].hash;
			return 0;
		}
	}
	return tt_error_set(err, -EINVAL, "unknown hash '%s': use sha256, sha384 or sha512", name);
}

const char *tt_modsign_hash_name(enum tt_modsign_hash hash)
{
	for (size_t i = 0; i < sizeof(hash_names) / sizeof(hash_names[0]); i++)
		if (hash_names[i].hash == hash)
			return hash_names[i].name;
	return "unknown";
}

static const EVP_MD *hash_md(enum tt_modsign_hash hash)
{
	switch (hash) {
	case TT_MODSIGN_SHA384:
		return EVP_sha384();
	case TT_MODSIGN_SHA512:
		return EVP_sha512();
	case TT_MODSIGN_SHA256:
		break;
	}
	return EVP_sha256();
}

/* The finished CMS as DER, in memory from tt_xmalloc. */
static int cms_to_der(CMS_ContentInfo *cms, unsigned char **der, size_t *der_len)
{
	unsigned char *ssl_der = NULL;
	int n = i2d_CMS_ContentInfo(cms, &ssl_der);
	if (n <= 0)
		return -EIO;
	*der = tt_xmalloc((size_t)n);
	memcpy(*der, ssl_der, (size_t)n);
	*der_len = (size_t)n;
	OPENSSL_free(ssl_der);
	return 0;
}

/* A detached CMS SignedData over module, signed by signer with hash. */
static int build_cms(const struct tt_modsign_signer *signer, const void *module, size_t len,
		     enum tt_modsign_hash hash, unsigned char **der, size_t *der_len)
{
	const unsigned int sign_flags = CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED;
	const unsigned int signer_flags = CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR;
	int r = -EIO;
	BIO *content = BIO_new_mem_buf(module, (int)len);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, sign_flags);
	if (content && cms &&
	    CMS_add1_signer(cms, signer->x509, signer->key, hash_md(hash), signer_flags) &&
	    CMS_final(cms, content, NULL, CMS_NOCERTS | CMS_BINARY) == 1)
		r = cms_to_der(cms, der, der_len);
	CMS_ContentInfo_free(cms);
	BIO_free(content);
	return r;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* module | cms | info block | magic, in one new buffer. */
static unsigned char *assemble(const void *module, size_t len, const unsigned char *cms,
			       size_t cms_len, size_t *out_len)
{
	*out_len = len + cms_len + TT_MODSIGN_INFO_LEN + TT_MODSIGN_MAGIC_LEN;
	unsigned char *out = tt_xmalloc(*out_len);
	unsigned char *p = out;
	memcpy(p, module, len);
	p += len;
	memcpy(p, cms, cms_len);
	p += cms_len;
	memset(p, 0, TT_MODSIGN_INFO_LEN);
	p[2] = TT_MODSIGN_ID_PKCS7;
	put_be32(p + 8, (uint32_t)cms_len);
	p += TT_MODSIGN_INFO_LEN;
	memcpy(p, TT_MODSIGN_MAGIC, TT_MODSIGN_MAGIC_LEN);
	return out;
}

static int refuse_signed(const void *module, size_t len, const char *name, struct tt_error *err)
{
	struct tt_modsign_info info = {0};
	struct tt_error ignored = {0};
	int r;
	if (tt_modsign_inspect(module, len, &info, &ignored) == 0)
		r = tt_error_set(
		    err, -EEXIST, "%s: already signed (%s, by %s, serial %s): strip it or re-sign",
		    name, info.digest, info.issuer, info.serial ? info.serial : info.key_id);
	else
		r = tt_error_set(err, -EEXIST,
				 "%s: already ends with a module signature (%s): strip it or "
				 "re-sign",
				 name, ignored.msg);
	tt_modsign_info_free(&info);
	return r;
}

/* The length of the module without its signatures (sign-file may have stacked several). */
static int unsigned_length(const void *module, size_t len, const char *name, size_t *out,
			   struct tt_error *err)
{
	while (tt_modsign_has_signature(module, len)) {
		struct tt_modsign_trailer t;
		if (tt_modsign_parse_trailer(module, len, &t, err) < 0)
			return tt_error_prefix(err, "%s: cannot strip the old signature: ", name);
		len = t.module_len;
	}
	*out = len;
	return 0;
}

static int check_module(const void *module, size_t len, const char *name, struct tt_error *err)
{
	if (len < 4 || memcmp(module, "\177ELF", 4) != 0)
		return tt_error_set(err, -EINVAL,
				    "%s: not an ELF file, so not a kernel module (it does not "
				    "start with \\177ELF)",
				    name);
	if (len > INT_MAX)
		return tt_error_set(err, -EFBIG, "%s: %zu bytes, too large for a module", name,
				    len);
	return 0;
}

int tt_modsign_sign(const struct tt_modsign_signer *signer, const void *module, size_t len,
		    const char *name, const struct tt_modsign_sign_opts *opts, unsigned char **out,
		    size_t *out_len, struct tt_error *err)
{
	*out = NULL;
	*out_len = 0;
	int r = check_module(module, len, name, err);
	if (r < 0)
		return r;
	if (tt_modsign_has_signature(module, len) && !opts->resign)
		return refuse_signed(module, len, name, err);
	r = unsigned_length(module, len, name, &len, err);
	if (r < 0)
		return r;
	unsigned char *cms = NULL;
	size_t cms_len = 0;
	if (build_cms(signer, module, len, opts->hash, &cms, &cms_len) < 0) {
		char why[160];
		return tt_error_set(err, -EIO, "%s: cannot build the CMS signature: %s", name,
				    tt_modsign_ssl_reason(why, sizeof(why), "OpenSSL failed"));
	}
	*out = assemble(module, len, cms, cms_len, out_len);
	free(cms);
	return 0;
}

int tt_modsign_sign_file(const struct tt_modsign_signer *signer, const char *in_path,
			 const char *out_path, const struct tt_modsign_sign_opts *opts,
			 struct tt_error *err)
{
	_cleanup_free_ char *module = NULL;
	size_t len = 0;
	int r = tt_read_file(in_path, &module, &len, err);
	if (r < 0)
		return r;
	_cleanup_free_ unsigned char *signed_module = NULL;
	size_t signed_len = 0;
	r = tt_modsign_sign(signer, module, len, in_path, opts, &signed_module, &signed_len, err);
	if (r < 0)
		return r;
	return tt_write_file_atomic(out_path ? out_path : in_path, signed_module, signed_len, err);
}
