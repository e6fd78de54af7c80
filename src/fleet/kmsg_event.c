// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a kernel message means to the agent, and multi-line reports grouped
 * into one event. The WARNING/BUG/Oops/stall recognition is the boot test's
 * (tt_boot_issue_kind_of), so both judge the same lines alike.
 */
#include <string.h>

#include "tuxtape/build.h"
#include "tuxtape/fleet.h"

/* Lines of one report kept at most; a report without an end marker stops there. */
#define REPORT_MAX_LINES 200

const char *tt_kmsg_kind_name(enum tt_kmsg_kind k)
{
	static const char *const names[] = {
	    [TT_KMSG_OTHER] = "other",
	    [TT_KMSG_LP_ENABLING] = "livepatch-enabling",
	    [TT_KMSG_LP_TRANSITION] = "livepatch-transition",
	    [TT_KMSG_LP_COMPLETE] = "livepatch-complete",
	    [TT_KMSG_LP_SIGNALS] = "livepatch-signals",
	    [TT_KMSG_LP_STALLED] = "livepatch-stalled",
	    [TT_KMSG_LP_FAILURE] = "livepatch-failure",
	    [TT_KMSG_MODULE_REFUSED] = "module-refused",
	    [TT_KMSG_WARNING] = "warning",
	    [TT_KMSG_BUG] = "bug",
	    [TT_KMSG_OOPS] = "oops",
	    [TT_KMSG_PANIC] = "panic",
	    [TT_KMSG_STALL] = "stall",
	};
	if ((unsigned)k < sizeof(names) / sizeof(names[0]))
		return names[k];
	return "unknown";
}

/* Copy the first 'quoted' word of s into name ("" when none or too long). */
static void kmsg_quoted(const char *s, char *name, size_t size)
{
	const char *a = strchr(s, '\'');
	const char *b = a ? strchr(a + 1, '\'') : NULL;
	name[0] = '\0';
	if (b && (size_t)(b - a - 1) < size) {
		memcpy(name, a + 1, (size_t)(b - a - 1));
		name[b - a - 1] = '\0';
	}
}

/* The livepatch core's progress lines ("livepatch: " already stripped); false if none. */
static bool kmsg_livepatch_progress(const char *m, struct tt_kmsg_class *c)
{
	if (strncmp(m, "enabling patch '", 16) == 0)
		c->kind = TT_KMSG_LP_ENABLING;
	else if (m[0] == '\'' && strstr(m, "': starting ") && strstr(m, " transition"))
		c->kind = TT_KMSG_LP_TRANSITION;
	else if (m[0] == '\'' && strstr(m, "patching complete"))
		c->kind = TT_KMSG_LP_COMPLETE;
	else if (strstr(m, "signal"))
		c->kind = TT_KMSG_LP_SIGNALS;
	else if (strstr(m, "stalled"))
		c->kind = TT_KMSG_LP_STALLED;
	else
		return false;
	c->unpatch = strstr(m, "unpatching") != NULL;
	kmsg_quoted(m, c->name, sizeof(c->name));
	return true;
}

/* "MOD: module verification failed: ...", "Lockdown: insmod: unsigned module loading is
 * restricted". */
static bool kmsg_module_refused(const char *m, struct tt_kmsg_class *c)
{
	static const char *const words[] = {"module verification failed",
					    "unsigned module loading is restricted",
					    "Loading of unsigned module is rejected",
					    "Loading of module with unavailable key", NULL};
	for (const char *const *w = words; *w; w++) {
		if (!strstr(m, *w))
			continue;
		c->kind = TT_KMSG_MODULE_REFUSED;
		/* Only the signature message is prefixed with the module's name. */
		const char *colon = strstr(m, ": ");
		size_t n = colon ? (size_t)(colon - m) : 0;
		if (n && n < sizeof(c->name) && strncmp(m, "Lockdown", 8) != 0 &&
		    !memchr(m, ' ', n)) {
			memcpy(c->name, m, n);
			c->name[n] = '\0';
		}
		return true;
	}
	return false;
}

void tt_kmsg_classify(const char *msg, struct tt_kmsg_class *c)
{
	memset(c, 0, sizeof(*c));
	if (strncmp(msg, "livepatch: ", 11) == 0 && kmsg_livepatch_progress(msg + 11, c))
		return;
	if (kmsg_module_refused(msg, c))
		return;
	static const enum tt_kmsg_kind from_boot[] = {
	    [TT_BOOT_WARNING] = TT_KMSG_WARNING, [TT_BOOT_BUG] = TT_KMSG_BUG,
	    [TT_BOOT_OOPS] = TT_KMSG_OOPS,	 [TT_BOOT_PANIC] = TT_KMSG_PANIC,
	    [TT_BOOT_STALL] = TT_KMSG_STALL,	 [TT_BOOT_LIVEPATCH] = TT_KMSG_LP_FAILURE,
	};
	int k = tt_boot_issue_kind_of(msg);
	if (k < 0)
		return;
	c->kind = from_boot[k];
	if (c->kind == TT_KMSG_LP_FAILURE)
		kmsg_quoted(msg, c->name, sizeof(c->name));
}

/* Reports span several records; the others are one line each. */
static bool kmsg_is_report(enum tt_kmsg_kind k)
{
	return k >= TT_KMSG_WARNING;
}

struct tt_kmsg_grouper {
	struct tt_strv ours;
	struct tt_kmsg_event *queue; /* finished events, oldest first */
	size_t n_queue, head;
	struct tt_kmsg_event open; /* the report being read; kind OTHER: none */
	bool is_open;
	struct tt_buf excerpt;
};

struct tt_kmsg_grouper *tt_kmsg_grouper_new(const char *const *ours, size_t n_ours)
{
	struct tt_kmsg_grouper *g = tt_xcalloc(1, sizeof(*g));
	for (size_t i = 0; i < n_ours; i++)
		tt_strv_push(&g->ours, ours[i]);
	return g;
}

static void kmsg_queue(struct tt_kmsg_grouper *g, struct tt_kmsg_event *ev)
{
	g->queue = tt_xrealloc(g->queue, (g->n_queue + 1) * sizeof(*g->queue));
	g->queue[g->n_queue++] = *ev;
	memset(ev, 0, sizeof(*ev));
}

/* Is word (n bytes) one of ours? */
static const char *kmsg_ours(const struct tt_kmsg_grouper *g, const char *word, size_t n)
{
	for (size_t i = 0; i < g->ours.n; i++)
		if (strlen(g->ours.v[i]) == n && memcmp(g->ours.v[i], word, n) == 0)
			return g->ours.v[i];
	return NULL;
}

/* The first of ours in a "Modules linked in:" list: "a(OE) tt_lp_x(OEK) b [last unloaded: c]". */
static const char *kmsg_ours_in_modules(const struct tt_kmsg_grouper *g, const char *list)
{
	for (const char *p = list; *p;) {
		p += strspn(p, " []:");
		size_t n = strcspn(p, " ([]");
		const char *hit = n ? kmsg_ours(g, p, n) : NULL;
		if (hit)
			return hit;
		p += n;
		if (*p == '(')
			p += strcspn(p, " ");
	}
	return NULL;
}

static void kmsg_excerpt_add(struct tt_kmsg_grouper *g, const char *line)
{
	g->open.n_lines++;
	size_t room = TT_KMSG_EXCERPT_MAX - 4; /* "..." and the NUL */
	if (g->excerpt.len >= room)
		return;
	if (g->excerpt.len)
		tt_buf_addc(&g->excerpt, '\n');
	size_t n = strlen(line);
	if (g->excerpt.len + n > room) {
		tt_buf_add(&g->excerpt, line, room - g->excerpt.len);
		tt_buf_adds(&g->excerpt, "...");
		return;
	}
	tt_buf_add(&g->excerpt, line, n);
}

void tt_kmsg_grouper_flush(struct tt_kmsg_grouper *g)
{
	if (!g->is_open)
		return;
	g->open.excerpt = tt_buf_detach(&g->excerpt);
	kmsg_queue(g, &g->open);
	g->is_open = false;
}

static void kmsg_event_start(struct tt_kmsg_event *ev, const struct tt_kmsg_record *rec,
			     const struct tt_kmsg_class *c)
{
	*ev = (struct tt_kmsg_event){.kind = c->kind,
				     .unpatch = c->unpatch,
				     .name = c->name[0] ? tt_xstrdup(c->name) : NULL,
				     .seq = rec->seq,
				     .usec = rec->usec,
				     .message = tt_xstrdup(rec->msg)};
}

/* A line inside the open report; ends it at the kernel's end marker or the line limit. */
static void kmsg_report_line(struct tt_kmsg_grouper *g, const char *msg)
{
	kmsg_excerpt_add(g, msg);
	if (strncmp(msg, "Modules linked in:", 18) == 0 && !g->open.modules) {
		g->open.modules = tt_xstrdup(msg + 18 + (msg[18] == ' '));
		const char *hit = kmsg_ours_in_modules(g, g->open.modules);
		if (hit && !g->open.ours)
			g->open.ours = tt_xstrdup(hit);
	}
	if (strncmp(msg, "---[ end ", 9) == 0 || g->open.n_lines >= REPORT_MAX_LINES)
		tt_kmsg_grouper_flush(g);
}

/* The header of a report runs until its module list; a report line there continues it. */
static bool kmsg_same_report(const struct tt_kmsg_grouper *g, enum tt_kmsg_kind k)
{
	return g->is_open && !g->open.modules && k != TT_KMSG_STALL &&
	       g->open.kind != TT_KMSG_STALL;
}

void tt_kmsg_grouper_add(struct tt_kmsg_grouper *g, const struct tt_kmsg_record *rec)
{
	/* Only the kernel's own lines (facility 0): user space may write anything to /dev/kmsg. */
	if (rec->facility != 0)
		return;
	struct tt_kmsg_class c;
	tt_kmsg_classify(rec->msg, &c);
	if (kmsg_is_report(c.kind) && kmsg_same_report(g, c.kind)) {
		/* "BUG: ..." then "Oops: ...": one report, named by its worst line */
		if (c.kind == TT_KMSG_OOPS || c.kind == TT_KMSG_PANIC)
			g->open.kind = c.kind;
		kmsg_report_line(g, rec->msg);
		return;
	}
	if (kmsg_is_report(c.kind)) {
		tt_kmsg_grouper_flush(g); /* a new report ends the one before */
		kmsg_event_start(&g->open, rec, &c);
		g->is_open = true;
		kmsg_report_line(g, rec->msg);
		return;
	}
	if (c.kind == TT_KMSG_OTHER) {
		if (g->is_open)
			kmsg_report_line(g, rec->msg);
		return;
	}
	struct tt_kmsg_event ev;
	kmsg_event_start(&ev, rec, &c);
	ev.excerpt = tt_xstrdup(rec->msg);
	ev.n_lines = 1;
	if (ev.name && kmsg_ours(g, ev.name, strlen(ev.name)))
		ev.ours = tt_xstrdup(ev.name);
	kmsg_queue(g, &ev);
}

int tt_kmsg_grouper_next(struct tt_kmsg_grouper *g, struct tt_kmsg_event *ev)
{
	if (g->head == g->n_queue) {
		g->head = g->n_queue = 0; /* drained: reuse the array from the start */
		return 0;
	}
	*ev = g->queue[g->head++];
	return 1;
}

void tt_kmsg_event_free(struct tt_kmsg_event *ev)
{
	free(ev->name);
	free(ev->message);
	free(ev->modules);
	free(ev->ours);
	free(ev->excerpt);
	memset(ev, 0, sizeof(*ev));
}

void tt_kmsg_grouper_free(struct tt_kmsg_grouper *g)
{
	if (!g)
		return;
	struct tt_kmsg_event ev;
	while (tt_kmsg_grouper_next(g, &ev))
		tt_kmsg_event_free(&ev);
	if (g->is_open)
		tt_kmsg_event_free(&g->open);
	free(g->queue);
	tt_buf_free(&g->excerpt);
	tt_strv_free(&g->ours);
	free(g);
}
