// SPDX-License-Identifier: GPL-2.0-or-later
/* Transactions and text helpers shared by the pipeline's store files. */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "pipeline_db.h"
#include "tuxtape/util.h"

bool tt_pipe_is_pg(const struct tt_store *s)
{
	return strcmp(s->db->ops->name, "postgresql") == 0;
}

int tt_pipe_begin(struct tt_store *s, struct tt_error *err)
{
	if (s->in_tx && s->tx_joinable) {
		s->tx_joined++;
		return 0;
	}
	if (s->in_tx)
		return tt_error_set(err, -EBUSY, "a store transaction is already open");
	int r = tt_db_exec(s->db, tt_pipe_is_pg(s) ? "BEGIN" : "BEGIN IMMEDIATE", err);
	if (r == 0)
		s->in_tx = true;
	return r;
}

int tt_pipe_end(struct tt_store *s, int r, struct tt_error *err)
{
	/* A joined transaction ends with its owner, who sees r. */
	if (s->tx_joined > 0) {
		s->tx_joined--;
		return r;
	}
	if (r < 0) {
		tt_store_rollback(s);
		return r;
	}
	return tt_store_commit(s, err);
}

int tt_pipe_prepare(struct tt_store *s, const char *sql, const char *const *texts,
		    struct tt_db_stmt **out, struct tt_error *err)
{
	int r = tt_db_prepare(s->db, sql, out, err);
	if (r < 0)
		return r;
	for (int i = 0; texts && texts[i]; i++)
		tt_db_bind_text(s->db, *out, i + 1, texts[i]);
	return 0;
}

char *tt_pipe_column_dup(struct tt_store *s, struct tt_db_stmt *st, int i)
{
	const char *v = tt_db_text(s->db, st, i);
	return v ? tt_xstrdup(v) : NULL;
}

/* Length of the valid UTF-8 sequence at p (1-4), 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *p, size_t left)
{
	size_t n;
	if (p[0] < 0x80)
		return p[0] ? 1 : 0;
	if ((p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong three-byte forms, surrogates, and code points past U+10FFFF. */
	if (n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

char *tt_pipe_clean_text(const char *text, size_t max)
{
	if (!text)
		return NULL;
	size_t len = strlen(text);
	const unsigned char *p = (const unsigned char *)text;
	if (max && len > max) {
		p += len - max;
		len = max;
		/* Start at a character, not inside one. */
		while (len && (*p & 0xc0) == 0x80) {
			p++;
			len--;
		}
	}
	struct tt_buf b = TT_BUF_INIT;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence(p + i, len - i);
		if (n == 0) {
			tt_buf_addc(&b, '?');
			i++;
		} else {
			tt_buf_add(&b, p + i, n);
			i += n;
		}
	}
	return tt_buf_detach(&b);
}

void tt_pipe_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < md_len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}
