// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tokens and roles. A token is "PREFIX_ID_SECRET": the id finds the stored
 * row without revealing anything, the secret proves possession. Only the
 * SHA-256 of a secret is stored, and hashes are compared with
 * CRYPTO_memcmp so the time taken says nothing about how much matched.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "tuxtape/server.h"
#include "tuxtape/util.h"

static const char *const prefixes[] = {
    [TT_TOKEN_HOST] = "tth_",
    [TT_TOKEN_OPERATOR] = "tto_",
    [TT_TOKEN_ENROLL] = "tte_",
};

#define ID_RANDOM_BYTES 8

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int random_hex(size_t bytes, char *out, struct tt_error *err)
{
	unsigned char raw[32];
	if (bytes > sizeof(raw) || RAND_bytes(raw, (int)bytes) != 1)
		return tt_error_set(err, -EIO, "OpenSSL's random generator failed");
	hex_encode(raw, bytes, out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int tt_token_generate(enum tt_token_kind kind, struct tt_token *out, struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	char *id = out->id;
	if (kind == TT_TOKEN_HOST) {
		memcpy(id, "h_", 2);
		id += 2;
	}
	int r = random_hex(ID_RANDOM_BYTES, id, err);
	if (r == 0)
		r = random_hex(TT_TOKEN_SECRET_HEX / 2, out->secret, err);
	return r;
}

char *tt_token_format(const struct tt_token *t)
{
	return tt_xasprintf("%s%s_%s", prefixes[t->kind], t->id, t->secret);
}

static bool all_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Ids are what tt_token_generate makes: lowercase letters, digits and '_'. */
static bool id_valid(const char *s, size_t n)
{
	if (n == 0 || n > TT_TOKEN_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

int tt_token_parse(const char *text, enum tt_token_kind kind, struct tt_token *out,
		   struct tt_error *err)
{
	const char *prefix = prefixes[kind];
	memset(out, 0, sizeof(*out));
	if (!text || strncmp(text, prefix, 4) != 0)
		return tt_error_set(err, -EINVAL, "not a %s... token", prefix);
	const char *id = text + 4;
	const char *sep = strrchr(id, '_');
	if (!sep || strlen(sep + 1) != TT_TOKEN_SECRET_HEX ||
	    !all_lower_hex(sep + 1, TT_TOKEN_SECRET_HEX) || !id_valid(id, (size_t)(sep - id)))
		return tt_error_set(err, -EINVAL, "malformed %s... token", prefix);
	out->kind = kind;
	memcpy(out->id, id, (size_t)(sep - id));
	memcpy(out->secret, sep + 1, TT_TOKEN_SECRET_HEX);
	return 0;
}

void tt_token_hash(const char *secret, char out[TT_TOKEN_SECRET_HEX + 1])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(secret, strlen(secret), md, &len, EVP_sha256(), NULL);
	hex_encode(md, sizeof(md), out);
}

bool tt_token_matches(const char *secret, const char *stored_hash)
{
	char presented[TT_TOKEN_SECRET_HEX + 1];
	tt_token_hash(secret, presented);
	if (!stored_hash || strlen(stored_hash) != TT_TOKEN_SECRET_HEX)
		return false;
	return CRYPTO_memcmp(presented, stored_hash, TT_TOKEN_SECRET_HEX) == 0;
}

static const char *const role_names[] = {
    [TT_ROLE_NONE] = "none",   [TT_ROLE_VIEWER] = "viewer", [TT_ROLE_REVIEWER] = "reviewer",
    [TT_ROLE_ADMIN] = "admin", [TT_ROLE_WORKER] = "worker",
};

const char *tt_role_name(enum tt_role role)
{
	return role <= TT_ROLE_WORKER ? role_names[role] : "none";
}

int tt_role_parse(const char *name, enum tt_role *out)
{
	for (int r = TT_ROLE_VIEWER; r <= TT_ROLE_WORKER; r++)
		if (name && strcmp(name, role_names[r]) == 0) {
			*out = (enum tt_role)r;
			return 0;
		}
	return -EINVAL;
}

bool tt_role_allows(enum tt_role have, enum tt_role need)
{
	/* A build worker's token claims and reports jobs and does nothing a person does. */
	if (have == TT_ROLE_WORKER || need == TT_ROLE_WORKER)
		return have == need;
	return need != TT_ROLE_NONE ? have >= need : true;
}
