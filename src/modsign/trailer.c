// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bytes after a signed module's code: CMS, info block, magic. Parsed the
 * way the kernel parses them before it looks at the CMS, so a module this
 * accepts is one the kernel would go on to check, and the same refusals.
 */
#include <errno.h>
#include <string.h>

#include "modsign_int.h"

/* Offsets in the 12-byte info block (struct module_signature). */
enum {
	INFO_ALGO,
	INFO_HASH,
	INFO_ID_TYPE,
	INFO_SIGNER_LEN,
	INFO_KEY_ID_LEN,
	INFO_PAD, /* 3 bytes */
	INFO_SIG_LEN = 8,
};

bool tt_modsign_has_signature(const void *data, size_t len)
{
	return len >= TT_MODSIGN_MAGIC_LEN &&
	       memcmp((const unsigned char *)data + len - TT_MODSIGN_MAGIC_LEN, TT_MODSIGN_MAGIC,
		      TT_MODSIGN_MAGIC_LEN) == 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Every field but id_type and sig_len is zero for a CMS signature. */
static bool info_fields_zero(const unsigned char *info)
{
	for (size_t i = 0; i < INFO_SIG_LEN; i++)
		if (i != INFO_ID_TYPE && info[i] != 0)
			return false;
	return true;
}

int tt_modsign_parse_trailer(const void *data, size_t len, struct tt_modsign_trailer *out,
			     struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!tt_modsign_has_signature(data, len))
		return tt_error_set(err, -ENODATA,
				    "not signed: no \"~Module signature appended~\" "
				    "at the end");
	size_t rest = len - TT_MODSIGN_MAGIC_LEN;
	if (rest < TT_MODSIGN_INFO_LEN)
		return tt_error_set(err, -EBADMSG,
				    "signature magic without the %d-byte signature info before it",
				    TT_MODSIGN_INFO_LEN);
	const unsigned char *info = (const unsigned char *)data + rest - TT_MODSIGN_INFO_LEN;
	rest -= TT_MODSIGN_INFO_LEN;
	uint32_t sig_len = be32(info + INFO_SIG_LEN);
	/* As the kernel: the signature must leave at least one byte of module. */
	if (sig_len >= rest)
		return tt_error_set(err, -EBADMSG,
				    "signature info claims %u bytes of signature, but only %zu "
				    "bytes precede it",
				    sig_len, rest);
	if (info[INFO_ID_TYPE] != TT_MODSIGN_ID_PKCS7)
		return tt_error_set(err, -ENOPKG,
				    "signature info has id_type %u, not %u (PKCS#7): not a "
				    "signature the kernel checks",
				    info[INFO_ID_TYPE], TT_MODSIGN_ID_PKCS7);
	if (!info_fields_zero(info))
		return tt_error_set(err, -EBADMSG,
				    "signature info has non-zero algo, hash, signer or key id "
				    "length, or padding (%u %u %u %u, %02x%02x%02x)",
				    info[INFO_ALGO], info[INFO_HASH], info[INFO_SIGNER_LEN],
				    info[INFO_KEY_ID_LEN], info[INFO_PAD], info[INFO_PAD + 1],
				    info[INFO_PAD + 2]);
	out->module_len = rest - sig_len;
	out->cms = (const unsigned char *)data + out->module_len;
	out->cms_len = sig_len;
	return 0;
}
