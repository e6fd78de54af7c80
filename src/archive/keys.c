// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TUF keys and signatures through OpenSSL 3 EVP (spec section 4.2, "KEYS").
 * ed25519 keys carry their public half as 64 hex digits; ecdsa P-256 and RSA
 * keys as a PEM SubjectPublicKeyInfo, as the reference implementation writes
 * them. A key id is the sha256 of the canonical JSON of the public object.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_int.h"
#include "tuxtape/archive.h"

struct tt_tuf_key {
	enum tt_tuf_keytype type;
	EVP_PKEY *pkey;
	bool priv;
	json_t *pub; /* the public TUF object, as given or as generated */
	char id[65];
};

enum tt_tuf_keytype tt_tuf_key_type(const struct tt_tuf_key *k)
{
	return k->type;
}

bool tt_tuf_key_has_private(const struct tt_tuf_key *k)
{
	return k->priv;
}

const char *tt_tuf_key_id(const struct tt_tuf_key *k)
{
	return k->id;
}

json_t *tt_tuf_key_to_json(const struct tt_tuf_key *k)
{
	return json_deep_copy(k->pub);
}

void tt_tuf_key_free(struct tt_tuf_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	json_decref(k->pub);
	free(k);
}

static int compute_id(struct tt_tuf_key *k, struct tt_error *err)
{
	struct tt_buf b = TT_BUF_INIT;
	int r = tt_tuf_canonical(k->pub, &b, err);
	if (!r)
		tt_archive_sha256_hex(b.buf, b.len, k->id);
	tt_buf_free(&b);
	return r;
}

static EVP_PKEY *pem_public(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	if (!bio)
		return NULL;
	EVP_PKEY *p = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return p;
}

static bool is_p256(EVP_PKEY *p)
{
	char group[64] = "";
	size_t n = 0;
	if (!EVP_PKEY_is_a(p, "EC"))
		return false;
	if (!EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					    &n))
		return false;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/* Which of our key types a (keytype, scheme) pair names, or -1. */
static int type_of(const char *keytype, const char *scheme)
{
	if (strcmp(keytype, "ed25519") == 0 && strcmp(scheme, "ed25519") == 0)
		return TT_TUF_KEY_ED25519;
	if ((strcmp(keytype, "ecdsa") == 0 || strcmp(keytype, "ecdsa-sha2-nistp256") == 0) &&
	    strcmp(scheme, "ecdsa-sha2-nistp256") == 0)
		return TT_TUF_KEY_ECDSA_P256;
	if (strcmp(keytype, "rsa") == 0 && strcmp(scheme, "rsassa-pss-sha256") == 0)
		return TT_TUF_KEY_RSA_PSS;
	return -1;
}

static EVP_PKEY *load_public(int type, const char *pub)
{
	if (type == TT_TUF_KEY_ED25519) {
		unsigned char raw[32];
		if (strlen(pub) != 64 || tt_archive_unhex(pub, raw, sizeof(raw)) != 32)
			return NULL;
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, sizeof(raw));
	}
	EVP_PKEY *p = pem_public(pub);
	if (p && type == TT_TUF_KEY_ECDSA_P256 && !is_p256(p)) {
		EVP_PKEY_free(p);
		return NULL;
	}
	if (p && type == TT_TUF_KEY_RSA_PSS && !EVP_PKEY_is_a(p, "RSA")) {
		EVP_PKEY_free(p);
		return NULL;
	}
	return p;
}

int tt_tuf_key_from_json(const json_t *obj, struct tt_tuf_key **out, struct tt_error *err)
{
	*out = NULL;
	const char *keytype = json_string_value(json_object_get(obj, "keytype"));
	const char *scheme = json_string_value(json_object_get(obj, "scheme"));
	const char *pub =
	    json_string_value(json_object_get(json_object_get(obj, "keyval"), "public"));
	if (!keytype || !scheme || !pub)
		return tt_error_set(err, -EINVAL,
				    "key object needs string keytype, scheme and keyval.public");
	int type = type_of(keytype, scheme);
	if (type < 0)
		return tt_error_set(err, -EPROTONOSUPPORT,
				    "unsupported key: keytype \"%s\", scheme \"%s\"", keytype,
				    scheme);
	EVP_PKEY *p = load_public(type, pub);
	if (!p)
		return tt_error_set(err, -EINVAL, "%s key: cannot read its public key", keytype);
	struct tt_tuf_key *k = tt_xcalloc(1, sizeof(*k));
	k->type = (enum tt_tuf_keytype)type;
	k->pkey = p;
	k->pub = json_deep_copy(obj);
	int r = compute_id(k, err);
	if (r) {
		tt_tuf_key_free(k);
		return r;
	}
	*out = k;
	return 0;
}

/* The public half as TUF writes it: hex for ed25519, PEM otherwise. */
static char *public_text(EVP_PKEY *p, enum tt_tuf_keytype type)
{
	if (type == TT_TUF_KEY_ED25519) {
		unsigned char raw[32];
		size_t n = sizeof(raw);
		if (!EVP_PKEY_get_raw_public_key(p, raw, &n) || n != 32)
			return NULL;
		char *hex = tt_xmalloc(65);
		tt_archive_hex(raw, 32, hex);
		return hex;
	}
	BIO *bio = BIO_new(BIO_s_mem());
	char *s = NULL;
	if (bio && PEM_write_bio_PUBKEY(bio, p)) {
		char *data;
		long n = BIO_get_mem_data(bio, &data);
		s = tt_xstrndup(data, (size_t)n);
	}
	BIO_free(bio);
	return s;
}

static const char *const type_names[][2] = {
    [TT_TUF_KEY_ED25519] = {"ed25519", "ed25519"},
    [TT_TUF_KEY_ECDSA_P256] = {"ecdsa", "ecdsa-sha2-nistp256"},
    [TT_TUF_KEY_RSA_PSS] = {"rsa", "rsassa-pss-sha256"},
};

/* Wrap a private EVP key: its public object and key id. Takes p. */
static int wrap_private(EVP_PKEY *p, enum tt_tuf_keytype type, struct tt_tuf_key **out,
			struct tt_error *err)
{
	char *pub = public_text(p, type);
	if (!pub) {
		EVP_PKEY_free(p);
		return tt_error_set(err, -EIO, "cannot export a %s public key",
				    type_names[type][0]);
	}
	struct tt_tuf_key *k = tt_xcalloc(1, sizeof(*k));
	k->type = type;
	k->pkey = p;
	k->priv = true;
	k->pub = json_pack("{s:s, s:s, s:{s:s}}", "keytype", type_names[type][0], "scheme",
			   type_names[type][1], "keyval", "public", pub);
	free(pub);
	int r = compute_id(k, err);
	if (r) {
		tt_tuf_key_free(k);
		return r;
	}
	*out = k;
	return 0;
}

int tt_tuf_key_generate(enum tt_tuf_keytype type, struct tt_tuf_key **out, struct tt_error *err)
{
	EVP_PKEY *p = NULL;
	*out = NULL;
	if (type == TT_TUF_KEY_ED25519)
		p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (type == TT_TUF_KEY_ECDSA_P256)
		p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else if (type == TT_TUF_KEY_RSA_PSS)
		p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	if (!p)
		return tt_error_set(err, -EIO, "cannot generate a key of type %d", (int)type);
	return wrap_private(p, type, out, err);
}

/* Atomic replace like tt_write_file_atomic, but the file is 0600 from its creation. */
static int write_secret(const char *path, const void *data, size_t len, struct tt_error *err)
{
	char *tmp = tt_xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return tt_error_set(err, -e, "cannot create %s: %s", path, strerror(e));
	}
	int r = fchmod(fd, 0600) == 0 && write(fd, data, len) == (ssize_t)len && fsync(fd) == 0
		    ? 0
		    : -errno;
	if (close(fd) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r) {
		unlink(tmp);
		tt_error_set(err, r, "cannot write %s: %s", path, strerror(-r));
	}
	free(tmp);
	return r;
}

int tt_tuf_key_save_private(const struct tt_tuf_key *k, const char *path, struct tt_error *err)
{
	if (!k->priv)
		return tt_error_set(err, -EINVAL, "key %s: no private half to save", k->id);
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		return tt_error_set(err, -EIO, "key %s: cannot encode as PEM", k->id);
	}
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	int r = write_secret(path, data, (size_t)n, err);
	OPENSSL_cleanse(data, (size_t)n);
	BIO_free(bio);
	return r;
}

int tt_tuf_key_load_private(const char *path, struct tt_tuf_key **out, struct tt_error *err)
{
	*out = NULL;
	FILE *f = fopen(path, "re");
	if (!f)
		return tt_error_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	EVP_PKEY *p = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!p)
		return tt_error_set(err, -EINVAL, "%s: not a PEM private key", path);
	enum tt_tuf_keytype type;
	if (EVP_PKEY_is_a(p, "ED25519"))
		type = TT_TUF_KEY_ED25519;
	else if (is_p256(p))
		type = TT_TUF_KEY_ECDSA_P256;
	else if (EVP_PKEY_is_a(p, "RSA"))
		type = TT_TUF_KEY_RSA_PSS;
	else {
		EVP_PKEY_free(p);
		return tt_error_set(err, -EPROTONOSUPPORT, "%s: unsupported key type", path);
	}
	int r = wrap_private(p, type, out, err);
	return r ? tt_error_prefix(err, "%s: ", path) : 0;
}

/* Digest and padding per scheme: ed25519 hashes internally (no digest). */
static int init_ctx(const struct tt_tuf_key *k, EVP_MD_CTX *ctx, bool sign)
{
	const EVP_MD *md = k->type == TT_TUF_KEY_ED25519 ? NULL : EVP_sha256();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = sign ? EVP_DigestSignInit(ctx, &pctx, md, NULL, k->pkey)
		      : EVP_DigestVerifyInit(ctx, &pctx, md, NULL, k->pkey);
	if (ok != 1)
		return -EIO;
	if (k->type == TT_TUF_KEY_RSA_PSS) {
		/* Signers differ in salt length; verification accepts any. */
		if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, sign ? RSA_PSS_SALTLEN_DIGEST
								: RSA_PSS_SALTLEN_AUTO) != 1)
			return -EIO;
	}
	return 0;
}

int tt_tuf_key_sign(const struct tt_tuf_key *k, const void *data, size_t len, char **sig_hex,
		    struct tt_error *err)
{
	*sig_hex = NULL;
	if (!k->priv)
		return tt_error_set(err, -EINVAL, "key %s: cannot sign without its private half",
				    k->id);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;
	unsigned char *sig = NULL;
	int r = ctx ? init_ctx(k, ctx, true) : -ENOMEM;
	if (!r && EVP_DigestSign(ctx, NULL, &n, data, len) != 1)
		r = -EIO;
	if (!r) {
		sig = tt_xmalloc(n);
		if (EVP_DigestSign(ctx, sig, &n, data, len) != 1)
			r = -EIO;
	}
	if (!r) {
		*sig_hex = tt_xmalloc(2 * n + 1);
		tt_archive_hex(sig, n, *sig_hex);
	}
	free(sig);
	EVP_MD_CTX_free(ctx);
	return r ? tt_error_set(err, r, "key %s: signing failed", k->id) : 0;
}

int tt_tuf_key_verify(const struct tt_tuf_key *k, const void *data, size_t len, const char *sig_hex)
{
	size_t hn = strlen(sig_hex);
	if (hn == 0 || hn % 2 || hn > 8192)
		return -EBADMSG;
	unsigned char *sig = tt_xmalloc(hn / 2);
	int r = -EBADMSG;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx && tt_archive_unhex(sig_hex, sig, hn / 2) == (long)(hn / 2) &&
	    init_ctx(k, ctx, false) == 0 && EVP_DigestVerify(ctx, sig, hn / 2, data, len) == 1)
		r = 0;
	EVP_MD_CTX_free(ctx);
	free(sig);
	return r;
}

int tt_archive_key_fingerprint(const struct tt_tuf_key *k, char out[65])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k->pkey, &der);
	if (n <= 0)
		return -EIO;
	tt_archive_sha256_hex(der, (size_t)n, out);
	OPENSSL_free(der);
	return 0;
}
