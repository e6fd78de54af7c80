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

/* Records are under 100 KiB; the limit keeps a hostile file from costing 20x its size in tokens. */
#define TT_CVE_MAX_FILE_BYTES (16u << 20)

/*
 * What a parser keeps between records for reading files: one buffer, and
 * the directory last read from, open, so each file costs a one-component
 * lookup instead of a walk of the whole path.
 */
struct tt_cve_files {
	char *buf;
	size_t cap;
	int dirfd; /* -1: none open */
	char *dir; /* the path dirfd was opened from */
};

void tt_cve_files_init(struct tt_cve_files *f);
void tt_cve_files_free(struct tt_cve_files *f);
struct tt_cve_files *tt_cve_parser_files(struct tt_cve_parser *p);

/* Make dir the open directory (a no-op when it already is). Returns 0 or a negative errno. */
int tt_cve_files_chdir(struct tt_cve_files *f, const char *dir);

/*
 * Read the file name (in the open directory) into the buffer, valid until
 * the next read. Returns 0 or a negative errno; *text is NUL-terminated.
 */
int tt_cve_files_read(struct tt_cve_files *f, const char *name, const char **text, size_t *len);

#endif
