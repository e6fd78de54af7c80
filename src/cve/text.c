// SPDX-License-Identifier: GPL-2.0-or-later
/* Line and token helpers for the small text files of a CVE (.dyad, .sha1, .cvss, ...). */
#include <string.h>

#include "cve_internal.h"

bool tt_next_line(const char *text, size_t len, size_t *pos, struct tt_line *l)
{
	if (*pos >= len)
		return false;
	const char *s = text + *pos;
	const char *nl = memchr(s, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - s) : len - *pos;
	*pos += nl ? n + 1 : n;
	/* Files edited on Windows end lines with "\r\n"; the '\r' is not content. */
	if (n && s[n - 1] == '\r')
		n--;
	l->s = s;
	l->len = n;
	l->no++;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

void tt_trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

/*
 * Hex digits by table: a full ingest checks ~5 million characters of commit
 * ids, and three range tests per character were 1% of its CPU.
 */
static const bool hex_digit[256] = {
    ['0' ... '9'] = true,
    ['a' ... 'f'] = true,
    ['A' ... 'F'] = true,
};

bool tt_commit_id_valid(const char *s, size_t n)
{
	/* 7 is git's shortest default abbreviation; 64 is a SHA-256 object id. */
	if (n < 7 || n > 64)
		return false;
	bool hex = true, nonzero = false;
	for (size_t i = 0; i < n; i++) {
		hex &= hex_digit[(unsigned char)s[i]];
		nonzero |= s[i] != '0';
	}
	/* All zeros is git's "no commit" id, never a real fix or origin. */
	return hex && nonzero;
}
