// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tuxtape/util.h"

struct tt_progress {
	FILE *out;
	bool enabled;
	char what[64];
	uint64_t total;
	uint64_t done;
	double start;
	double last_draw;
};

struct tt_progress *tt_progress_new(FILE *out, bool enabled, const char *what)
{
	struct tt_progress *p = tt_xcalloc(1, sizeof(*p));
	p->out = out;
	p->enabled = enabled;
	snprintf(p->what, sizeof(p->what), "%s", what);
	p->start = tt_now_monotonic();
	return p;
}

void tt_progress_set_total(struct tt_progress *p, uint64_t total)
{
	if (p)
		p->total = total;
}

static void draw(struct tt_progress *p, double now)
{
	double elapsed = now - p->start;
	double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
	if (p->total)
		fprintf(p->out, "\r\033[K%s: %" PRIu64 "/%" PRIu64 " (%.0f%%, %.0f/s)", p->what,
			p->done, p->total, 100.0 * (double)p->done / (double)p->total, rate);
	else
		fprintf(p->out, "\r\033[K%s: %" PRIu64 " (%.0f/s)", p->what, p->done, rate);
	fflush(p->out);
	p->last_draw = now;
}

void tt_progress_update(struct tt_progress *p, uint64_t done)
{
	if (!p || !p->enabled)
		return;
	p->done = done;
	double now = tt_now_monotonic();
	/* Redraw at most ten times a second: terminals are slow. */
	if (now - p->last_draw >= 0.1)
		draw(p, now);
}

void tt_progress_done(struct tt_progress *p)
{
	if (!p || !p->enabled)
		return;
	draw(p, tt_now_monotonic());
	fputs("\r\033[K", p->out);
	fflush(p->out);
}

void tt_progress_free(struct tt_progress *p)
{
	free(p);
}
