// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: a /dev/kmsg dump, record by record, through the parser and the grouper. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/fleet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct tt_kmsg_event *ev)
{
	if (!ev->message || !ev->excerpt || strlen(ev->excerpt) >= TT_KMSG_EXCERPT_MAX ||
	    ev->n_lines == 0 || !tt_kmsg_kind_name(ev->kind))
		abort();
	/* only a name the grouper was given can be reported as ours */
	if (ev->ours && strcmp(ev->ours, "tt_lp_x") != 0 && strcmp(ev->ours, "b") != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ours[] = {"tt_lp_x", "b"};
	const char *text = (const char *)data;
	struct tt_kmsg_grouper *g = tt_kmsg_grouper_new(ours, 2);
	struct tt_kmsg_event ev;
	for (size_t off = 0, l; off < size; off += l) {
		l = tt_kmsg_record_len(text + off, size - off);
		if (l == 0 || l > size - off)
			abort(); /* would never advance, or past the end */
		struct tt_kmsg_record rec;
		if (tt_kmsg_parse(text + off, l, &rec, NULL) != 0)
			continue;
		if (!rec.msg || rec.level > 7)
			abort();
		tt_kmsg_grouper_add(g, &rec);
		tt_kmsg_record_free(&rec);
		while (tt_kmsg_grouper_next(g, &ev)) {
			check_event(&ev);
			tt_kmsg_event_free(&ev);
		}
	}
	tt_kmsg_grouper_flush(g);
	while (tt_kmsg_grouper_next(g, &ev)) {
		check_event(&ev);
		tt_kmsg_event_free(&ev);
	}
	tt_kmsg_grouper_free(g);
	return 0;
}
