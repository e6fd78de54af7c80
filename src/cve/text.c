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

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool tt_commit_id_valid(const char *s, size_t n)
{
	/* 7 is git's shortest default abbreviation; 64 is a SHA-256 object id. */
	if (n < 7 || n > 64)
		return false;
	bool nonzero = false;
	for (size_t i = 0; i < n; i++) {
		if (!is_hex(s[i]))
			return false;
		nonzero |= s[i] != '0';
	}
	/* All zeros is git's "no commit" id, never a real fix or origin. */
	return nonzero;
}
