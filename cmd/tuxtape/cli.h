/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the tuxtape subcommands: global options, output helpers, exit codes. */
#ifndef TT_CMD_CLI_H
#define TT_CMD_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tuxtape/error.h"
#include "tuxtape/store.h"

/* Exit codes scripts can rely on (documented in `tuxtape --help`). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* the command failed; nothing was changed */
	EXIT_USAGE = 2,	  /* bad command line */
	EXIT_PARTIAL = 3, /* done, but some input was skipped (warnings say which) */
};

enum out_format { FMT_TABLE, FMT_JSON, FMT_CSV };

struct cli {
	const char *db; /* --db, NULL for the default */
	bool quiet;	/* -q: no progress, no summary on stderr */
	bool progress;	/* stderr is a terminal and not quiet */
	int verbose;	/* -v */
	long warnings;	/* counted by the warning printer */
	long max_warnings_shown;
	double last_progress, progress_start; /* progress line redraw state */
	char progress_phase[32];
};

/* Print "tuxtape: error: MSG" (and a hint line when given) to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A diag sink that prints "warning: FILE:LINE: MSG" to stderr, at most a few hundred. */
struct tt_diag_sink cli_warning_sink(struct cli *cli);
void cli_warnings_summary(struct cli *cli);
int cli_open_store(struct cli *cli, struct tt_store **s);
int cli_parse_format(const char *arg, enum out_format *fmt);
/* Print a JSON value to stdout, indented, with a trailing newline; takes the reference. */
void cli_print_json(json_t *v);
/* Write s as one CSV field (quoted when needed). */
void cli_csv_field(FILE *f, const char *s, bool last);
/* json_string that accepts NULL (-> null). */
json_t *cli_json_str(const char *s);
/* "1,234" for table output. */
const char *cli_thousands(long n, char *buf, size_t size);
/* The progress callback for long jobs: one line on stderr, redrawn. */
void cli_progress(void *ctx, const char *phase, uint64_t done, uint64_t total);
/* Clear the progress line before printing a result. */
void cli_progress_clear(struct cli *cli);

int cmd_cve(struct cli *cli, int argc, char **argv);

#endif
