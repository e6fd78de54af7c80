/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the files of the cve module; not part of the public API. */
#ifndef TUXTAPE_CVE_INTERNAL_H
#define TUXTAPE_CVE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "tuxtape/cve.h"

/* One line of a text file, without its terminator ("\n" or "\r\n"). */
struct tt_line {
	const char *s;
	size_t len;
	int no; /* 1-based */
};

/* Iterate lines: `for (struct tt_line l = {0}; tt_next_line(text, len, &pos, &l);)`. */
bool tt_next_line(const char *text, size_t len, size_t *pos, struct tt_line *l);

/* Strip leading / trailing ASCII whitespace from [*s, *s + *len). */
void tt_trim(const char **s, size_t *len);

/* A git object id or abbreviation: 7..64 hex digits, not all zero. */
bool tt_commit_id_valid(const char *s, size_t n);

/* Free the strings of a tt_cvss and zero it. */
void tt_cvss_clear(struct tt_cvss *c);

/*
 * Read a whole file into the parser's reusable buffer (valid until the next
 * read or parse). Returns 0 or a negative errno; *text is NUL-terminated.
 */
int tt_cve_parser_read(struct tt_cve_parser *p, const char *path, const char **text, size_t *len);

#endif
