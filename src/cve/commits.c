// SPDX-License-Identifier: GPL-2.0-or-later
/* .sha1 and .vulnerable: git commit ids separated by spaces or newlines. */
#include <string.h>

#include "cve_internal.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* All zeros: the CNA's placeholder for "no commit" (seen in rejected records). */
static bool is_placeholder(const char *tok, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tok[i] != '0')
			return false;
	return true;
}

/* Push the commit ids of one line; returns how many tokens were rejected. */
static int parse_line(const struct tt_line *l, const char *file, struct tt_strv *out,
		      const struct tt_diag_sink *diag)
{
	int bad = 0;
	size_t i = 0;
	while (i < l->len) {
		while (i < l->len && is_blank(l->s[i]))
			i++;
		size_t start = i;
		while (i < l->len && !is_blank(l->s[i]))
			i++;
		if (i == start)
			break;
		const char *tok = l->s + start;
		size_t n = i - start;
		if (is_placeholder(tok, n))
			continue;
		if (!tt_commit_id_valid(tok, n)) {
			tt_diag_warn(diag, file, l->no, "not a commit id, skipped: %.*s",
				     (int)(n > 80 ? 80 : n), tok);
			bad++;
			continue;
		}
		char *id = tt_xstrndup(tok, n);
		/* Lists are a handful of ids; a linear check keeps them free of repeats. */
		if (tt_strv_contains(out, id))
			free(id);
		else
			tt_strv_push_owned(out, id);
	}
	return bad;
}

int tt_commit_list_parse(const char *text, size_t len, const char *file, struct tt_strv *out,
			 const struct tt_diag_sink *diag)
{
	size_t pos = 0;
	int bad = 0;
	for (struct tt_line l = {0}; tt_next_line(text, len, &pos, &l);)
		bad += parse_line(&l, file, out, diag);
	return bad;
}
