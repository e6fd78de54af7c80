// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel log since the saved cursor: livepatch errors and the WARNING,
 * BUG and Oops reports that name one of our patches become reports to the
 * server, with the kernel's own lines as the excerpt. By policy a patch named
 * in a WARNING/BUG/Oops is disabled.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tuxtape/agent.h"

/* A saved dump in a regular file (the tests' fake /dev/kmsg): one record per read. */
struct dump_reader {
	char *data;
	size_t len, off;
};

static ssize_t dump_read(void *ctx, int fd, void *buf, size_t n)
{
	struct dump_reader *d = ctx;
	size_t rec = tt_kmsg_record_len(d->data + d->off, d->len - d->off);
	if (rec > n)
		rec = n;
	memcpy(buf, d->data + d->off, rec);
	d->off += rec;
	return (ssize_t)rec;
}

/* Which report kind an event is, or NULL for lines that need no report. */
static const char *event_report_kind(const struct tt_kmsg_event *ev)
{
	switch (ev->kind) {
	case TT_KMSG_LP_FAILURE:
	case TT_KMSG_MODULE_REFUSED:
		return "load_failure";
	case TT_KMSG_LP_STALLED:
		return "transition_stalled";
	case TT_KMSG_WARNING:
	case TT_KMSG_STALL:
		return "kernel_warning";
	case TT_KMSG_BUG:
	case TT_KMSG_OOPS:
	case TT_KMSG_PANIC:
		return "oops";
	default:
		return NULL;
	}
}

static bool event_is_report(const struct tt_kmsg_event *ev)
{
	return ev->kind >= TT_KMSG_WARNING;
}

static void scan_event(struct tt_agent *a, const struct tt_kmsg_event *ev)
{
	const char *kind = event_report_kind(ev);
	if (!kind || !ev->ours)
		return;
	_cleanup_free_ char *ours = tt_xstrdup(ev->ours);
	tt_agent_report(a, kind, ours, ev->message, ev->excerpt);
	if (!event_is_report(ev) || a->cfg->on_warning != TT_AGENT_ON_WARNING_DISABLE)
		return;
	struct tt_agent_lp lp;
	if (tt_agent_lp_read(a->cfg, ours, &lp, NULL) < 0 || lp.enabled != 1)
		return;
	struct tt_error e = {0};
	/* Policy: a patch that makes the kernel complain comes out and stays out. */
	if (tt_agent_unload(a, ours, true,
			    "disabled by policy (on_warning = disable) after a kernel report",
			    &e) < 0)
		tt_strv_push_owned(&a->log, tt_xasprintf("%s: could not disable: %s", ours, e.msg));
}

static struct tt_kmsg_grouper *scan_grouper(const struct tt_agent *a)
{
	const char **names = tt_xcalloc(a->ledger.n + 1, sizeof(*names));
	for (size_t i = 0; i < a->ledger.n; i++)
		names[i] = a->ledger.patches[i].name;
	struct tt_kmsg_grouper *g = tt_kmsg_grouper_new(names, a->ledger.n);
	free(names);
	return g;
}

/* Feed every new record to the grouper; returns the reader's last status. */
static int scan_records(struct tt_kmsg_reader *r, struct tt_kmsg_grouper *g, struct tt_error *err)
{
	struct tt_kmsg_record rec;
	int rc;
	while ((rc = tt_kmsg_reader_next(r, &rec, err)) != 0) {
		if (rc == -EINVAL)
			continue; /* one malformed record; the reader goes on */
		if (rc < 0)
			return rc;
		tt_kmsg_grouper_add(g, &rec);
		tt_kmsg_record_free(&rec);
	}
	tt_kmsg_grouper_flush(g);
	return 0;
}

int tt_agent_scan_kmsg(struct tt_agent *a, struct tt_error *err)
{
	_cleanup_free_ char *path = tt_agent_path(a->cfg, "/dev/kmsg");
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tt_error_set(err, -errno, "%s: %s", path, strerror(errno));
	struct stat st;
	struct dump_reader dump = {0};
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (regular && tt_read_file(path, &dump.data, &dump.len, err) < 0) {
		close(fd);
		return err ? err->code : -EIO;
	}
	uint64_t cursor = 0;
	bool resumed = tt_fleet_state_cursor(a->state, a->boot_id, &cursor);
	struct tt_kmsg_reader *r =
	    tt_kmsg_reader_new(fd, resumed ? cursor : 0, regular ? dump_read : NULL, &dump);
	struct tt_kmsg_grouper *g = scan_grouper(a);
	int rc = scan_records(r, g, err);
	struct tt_kmsg_event ev;
	while (tt_kmsg_grouper_next(g, &ev) == 1) {
		scan_event(a, &ev);
		tt_kmsg_event_free(&ev);
	}
	uint64_t next = tt_kmsg_reader_cursor(r);
	tt_kmsg_grouper_free(g);
	tt_kmsg_reader_free(r);
	close(fd);
	free(dump.data);
	if (rc == 0 && a->boot_id[0])
		rc = tt_fleet_state_set_cursor(a->state, a->boot_id, next, err);
	return rc;
}
