/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel module signatures, in the format the kernel checks at load time and
 * its scripts/sign-file writes (docs/module-signing.md):
 *
 *   MODULE BYTES | CMS SignedData (DER) | 12-byte info block | "~Module signature appended~\n"
 *
 * The CMS is detached (it covers the module bytes before it), carries no
 * certificates and no signed attributes, and names its signer by the
 * certificate's issuer and serial number. The info block is zero but for
 * id_type (2, "PKCS#7") and the CMS length as a big-endian 32-bit number.
 *
 * Signing an RSA key is deterministic (PKCS#1 v1.5), so tuxtape and sign-file
 * produce the same bytes for the same module, key, certificate and hash.
 *
 * Every fallible function returns 0 or a negative errno and fills err with a
 * message naming the file, the signer and what differs.
 */
#ifndef TUXTAPE_MODSIGN_H
#define TUXTAPE_MODSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"

/* The marker at the very end of a signed module, without a terminating NUL. */
#define TT_MODSIGN_MAGIC     "~Module signature appended~\n"
#define TT_MODSIGN_MAGIC_LEN (sizeof(TT_MODSIGN_MAGIC) - 1)
/* struct module_signature: algo, hash, id_type, signer_len, key_id_len, 3 pad, be32 sig_len. */
#define TT_MODSIGN_INFO_LEN 12
/* The info block's id_type for a CMS (PKCS#7) signature, the only kind the kernel accepts. */
#define TT_MODSIGN_ID_PKCS7 2

enum tt_modsign_hash {
	TT_MODSIGN_SHA256, /* the default, as the kernel's CONFIG_MODULE_SIG_SHA256 */
	TT_MODSIGN_SHA384,
	TT_MODSIGN_SHA512,
};

/* "sha256", "sha384", "sha512" (as sign-file spells them); -EINVAL for anything else. */
int tt_modsign_hash_from_name(const char *name, enum tt_modsign_hash *out, struct tt_error *err);
const char *tt_modsign_hash_name(enum tt_modsign_hash hash);

/* ---- keys and certificates ---- */

/* An X.509 certificate: a signer's identity, or the one a signature is checked against. */
struct tt_modsign_cert;

/* From a PEM or DER file (the kernel's signing_key.x509 is DER). */
int tt_modsign_cert_load(const char *path, struct tt_modsign_cert **out, struct tt_error *err);
/* From PEM or DER bytes; what_for names them in messages ("the fleet certificate"). */
int tt_modsign_cert_from_bytes(const void *data, size_t len, const char *what_for,
			       struct tt_modsign_cert **out, struct tt_error *err);
void tt_modsign_cert_free(struct tt_modsign_cert *cert);

/* A private key with its certificate: what signing needs. */
struct tt_modsign_signer;

/*
 * key_path: a PEM private key, RSA or ECDSA P-256/P-384 (PKCS#8 or
 * traditional; it may also hold the certificate, as the kernel's
 * signing_key.pem does). passphrase: for an encrypted key, else NULL.
 * cert_path: the key's certificate, PEM or DER; the key must match it.
 */
int tt_modsign_signer_load(const char *key_path, const char *passphrase, const char *cert_path,
			   struct tt_modsign_signer **out, struct tt_error *err);
void tt_modsign_signer_free(struct tt_modsign_signer *signer);

/* ---- signing ---- */

struct tt_modsign_sign_opts {
	enum tt_modsign_hash hash;
	/* A module already signed is refused (-EEXIST) unless this is set; then its
	 * signature is stripped and the module signed again. */
	bool resign;
};

/*
 * Sign module bytes (an ELF file) in memory: *out is the module followed by
 * the signature, info block and magic, allocated for the caller. name names
 * the module in messages.
 */
int tt_modsign_sign(const struct tt_modsign_signer *signer, const void *module, size_t len,
		    const char *name, const struct tt_modsign_sign_opts *opts, unsigned char **out,
		    size_t *out_len, struct tt_error *err);

/*
 * Sign the module file in_path and write the result to out_path, or replace
 * in_path when out_path is NULL. Either way the output appears atomically
 * (temporary file in the same directory, fsync, rename): a reader never sees
 * a half-written module.
 */
int tt_modsign_sign_file(const struct tt_modsign_signer *signer, const char *in_path,
			 const char *out_path, const struct tt_modsign_sign_opts *opts,
			 struct tt_error *err);

/* ---- reading and verifying ---- */

/* True when data ends with the signature magic (it says nothing of the signature's validity). */
bool tt_modsign_has_signature(const void *data, size_t len);

/* The trailer of a signed module; pointers borrow from the bytes parsed. */
struct tt_modsign_trailer {
	size_t module_len;	  /* the bytes the signature covers: the module before it */
	const unsigned char *cms; /* the DER CMS SignedData */
	size_t cms_len;
};

/*
 * Split signed module bytes as the kernel does before it checks anything:
 * -ENODATA when there is no magic (unsigned), -EBADMSG when the info block is
 * not a plain CMS one (non-zero algo/hash/signer/key id/padding, or a length
 * that does not fit), -ENOPKG when its id_type is not PKCS#7.
 */
int tt_modsign_parse_trailer(const void *data, size_t len, struct tt_modsign_trailer *out,
			     struct tt_error *err);

/* What a signature says about itself. Strings are owned; tt_modsign_info_free releases them. */
struct tt_modsign_info {
	size_t module_len;   /* bytes covered by the signature */
	size_t cms_len;	     /* length of the CMS SignedData */
	char *digest;	     /* "sha256" */
	char *signature_alg; /* "rsaEncryption", "ecdsa-with-SHA256", ... */
	char *issuer;	     /* the signer id's issuer, one line ("CN=..., O=...") */
	char *serial;	     /* its serial number, hex; NULL when the signer is named by key id */
	char *key_id;	     /* subjectKeyIdentifier, hex; NULL when named by issuer and serial */
	bool detached;	     /* the CMS does not embed the module (as the kernel requires) */
	bool signed_attrs;   /* the signer info carries signed attributes */
};

/*
 * Parse the trailer and decode the CMS without checking the signature: one
 * signedData with exactly one signer info. -EBADMSG when it does not decode.
 */
int tt_modsign_inspect(const void *data, size_t len, struct tt_modsign_info *info,
		       struct tt_error *err);

/*
 * Check that the signature is a valid one by cert's key over the module bytes
 * before it: the checks of tt_modsign_inspect, then a detached CMS whose
 * signer is cert (-ENOKEY when it names another certificate), then the
 * signature itself (-EKEYREJECTED when it does not match, e.g. the module was
 * altered). The certificate's own validity (dates, chain) is not checked: the
 * kernel trusts a key by its presence in a keyring, and so does this. info
 * (may be NULL) is filled whenever the CMS decoded, even when it then failed.
 */
int tt_modsign_verify(const struct tt_modsign_cert *cert, const void *data, size_t len,
		      struct tt_modsign_info *info, struct tt_error *err);
/* The same for a module file; messages name path. */
int tt_modsign_verify_file(const struct tt_modsign_cert *cert, const char *path,
			   struct tt_modsign_info *info, struct tt_error *err);

void tt_modsign_info_free(struct tt_modsign_info *info);

#endif
