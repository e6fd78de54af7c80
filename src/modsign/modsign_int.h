/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the module-signing module: the OpenSSL objects behind the public handles. */
#ifndef TT_MODSIGN_INT_H
#define TT_MODSIGN_INT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tuxtape/modsign.h"

struct tt_modsign_cert {
	X509 *x509;
};

struct tt_modsign_signer {
	EVP_PKEY *key;
	X509 *x509;
};

/*
 * The most specific reason OpenSSL queued for the last failure ("bad
 * decrypt", "wrong tag"), or fallback when it queued none. The queue is
 * emptied so a later failure does not report a stale reason. Returns buf.
 */
const char *tt_modsign_ssl_reason(char *buf, size_t size, const char *fallback);

/* Lowercase hex of n bytes; caller frees. */
char *tt_modsign_hex(const unsigned char *p, size_t n);

#endif
