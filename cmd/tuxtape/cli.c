// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tuxtape/util.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("tuxtape: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void print_warning(void *ctx, const char *file, int line, const char *msg)
{
	struct cli *cli = ctx;
	cli->warnings++;
	if (cli->warnings > cli->max_warnings_shown)
		return;
	if (cli->progress)
		fputs("\r\033[K", stderr);
	if (file && line > 0)
		fprintf(stderr, "warning: %s:%d: %s\n", file, line, msg);
	else if (file)
		fprintf(stderr, "warning: %s: %s\n", file, msg);
	else
		fprintf(stderr, "warning: %s\n", msg);
}

struct tt_diag_sink cli_warning_sink(struct cli *cli)
{
	return (struct tt_diag_sink){.warn = print_warning, .ctx = cli};
}

void cli_warnings_summary(struct cli *cli)
{
	if (cli->warnings > cli->max_warnings_shown)
		fprintf(stderr, "warning: %ld more warnings not shown (-v shows all)\n",
			cli->warnings - cli->max_warnings_shown);
}

int cli_open_store(struct cli *cli, struct tt_store **s)
{
	struct tt_error err = {0};
	if (tt_store_open(cli->db, s, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cli_parse_format(const char *arg, enum out_format *fmt)
{
	static const struct {
		const char *name;
		enum out_format f;
	} names[] = {{"table", FMT_TABLE}, {"json", FMT_JSON}, {"csv", FMT_CSV}};
	for (size_t i = 0; i < 3; i++)
		if (strcmp(arg, names[i].name) == 0) {
			*fmt = names[i].f;
			return 0;
		}
	cli_error("unknown --format '%s' (table, json or csv)", arg);
	return -1;
}

void cli_print_json(json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(v);
}

void cli_csv_field(FILE *f, const char *s, bool last)
{
	s = s ? s : "";
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

json_t *cli_json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

const char *cli_thousands(long n, char *buf, size_t size)
{
	char raw[32];
	snprintf(raw, sizeof(raw), "%ld", n < 0 ? -n : n);
	size_t len = strlen(raw), o = 0;
	if (n < 0 && o + 1 < size)
		buf[o++] = '-';
	for (size_t i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}

void cli_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	struct cli *cli = ctx;
	if (!cli->progress)
		return;
	/* Redraw at most ten times a second, and always at the end of a phase. */
	double now = tt_now_monotonic();
	if (done != total && now - cli->last_progress < 0.1)
		return;
	if (cli->progress_start == 0 || strcmp(cli->progress_phase, phase) != 0) {
		cli->progress_start = now;
		snprintf(cli->progress_phase, sizeof(cli->progress_phase), "%s", phase);
	}
	cli->last_progress = now;
	double elapsed = now - cli->progress_start;
	double rate = elapsed > 0 ? (double)done / elapsed : 0;
	if (total)
		fprintf(stderr, "\r\033[K%s: %" PRIu64 "/%" PRIu64 " (%.0f%%, %.0f/s)", phase, done,
			total, 100.0 * (double)done / (double)total, rate);
	else
		fprintf(stderr, "\r\033[K%s: %" PRIu64, phase, done);
	fflush(stderr);
}

void cli_progress_clear(struct cli *cli)
{
	if (cli->progress && cli->last_progress > 0) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	cli->last_progress = 0;
	cli->progress_start = 0;
}
