// SPDX-License-Identifier: GPL-2.0-or-later
/* /dev/kmsg records, the reader (cursor, overwrites), classification and reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tuxtape/fleet.h"

static char *read_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("TT_FIXTURES");
	_cleanup_free_ char *path = tt_xasprintf("%s/fleet/%s", dir ? dir : "tests/fixtures", name);
	char *text;
	assert_int_equal(tt_read_file(path, &text, len, NULL), 0);
	return text;
}

/* Every record of a fixture dump, parsed. */
static struct tt_kmsg_record *parse_fixture(const char *name, size_t *n)
{
	size_t len;
	_cleanup_free_ char *text = read_fixture(name, &len);
	struct tt_kmsg_record *recs = NULL;
	*n = 0;
	for (size_t off = 0, l; off < len; off += l) {
		l = tt_kmsg_record_len(text + off, len - off);
		recs = tt_xrealloc(recs, (*n + 1) * sizeof(*recs));
		struct tt_error err = {0};
		assert_int_equal(tt_kmsg_parse(text + off, l, &recs[*n], &err), 0);
		(*n)++;
	}
	return recs;
}

static void free_records(struct tt_kmsg_record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tt_kmsg_record_free(&recs[i]);
	free(recs);
}

/* All events of a fixture through a grouper whose own modules are ours. */
static struct tt_kmsg_event *events_of(const char *name, const char *const *ours, size_t n_ours,
				       size_t *n_ev)
{
	size_t n;
	struct tt_kmsg_record *recs = parse_fixture(name, &n);
	struct tt_kmsg_grouper *g = tt_kmsg_grouper_new(ours, n_ours);
	for (size_t i = 0; i < n; i++)
		tt_kmsg_grouper_add(g, &recs[i]);
	tt_kmsg_grouper_flush(g);
	struct tt_kmsg_event *evs = NULL, ev;
	*n_ev = 0;
	while (tt_kmsg_grouper_next(g, &ev)) {
		evs = tt_xrealloc(evs, (*n_ev + 1) * sizeof(*evs));
		evs[(*n_ev)++] = ev;
	}
	tt_kmsg_grouper_free(g);
	free_records(recs, n);
	return evs;
}

static void free_events(struct tt_kmsg_event *evs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tt_kmsg_event_free(&evs[i]);
	free(evs);
}

static void test_parse_fields(void **state)
{
	struct tt_kmsg_record rec;
	const char *s = "12,345,6789012,-;hello world\n";
	assert_int_equal(tt_kmsg_parse(s, strlen(s), &rec, NULL), 0);
	assert_int_equal(rec.level, 4);
	assert_int_equal(rec.facility, 1);
	assert_int_equal(rec.seq, 345);
	assert_int_equal(rec.usec, 6789012);
	assert_false(rec.cont);
	assert_string_equal(rec.msg, "hello world");
	assert_null(rec.subsystem);
	tt_kmsg_record_free(&rec);
}

static void test_parse_dictionary(void **state)
{
	size_t n;
	struct tt_kmsg_record *r = parse_fixture("dict.txt", &n);
	assert_int_equal(n, 3);
	assert_string_equal(r[0].subsystem, "usb");
	assert_string_equal(r[0].device, "c189:1");
	assert_string_equal(r[0].msg, "usb 1-1: new high-speed USB device number 2 using xhci_hcd");
	/* caller= after the flags is tolerated; the dictionary order does not matter */
	assert_true(r[1].cont);
	assert_string_equal(r[1].device, "+pci:0000:00:19.0");
	assert_string_equal(r[1].subsystem, "pci");
	assert_int_equal(r[2].facility, 1); /* user space */
	assert_int_equal(r[2].level, 6);
	assert_string_equal(r[2].msg, "systemd[1]: a message from user space \\x1b[0m");
	free_records(r, n);
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {"",
					  "6,1,2;x\n",
					  "a,1,2,-;x\n",
					  "6,1,2,-\n",
					  "6,99999999999999999999,2,-;x\n",
					  "-6,1,2,-;x\n",
					  "6,1,2,-;x\ny\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tt_kmsg_record rec;
		struct tt_error err = {0};
		assert_int_equal(tt_kmsg_parse(bad[i], strlen(bad[i]), &rec, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "kmsg record"));
	}
	struct tt_kmsg_record rec;
	assert_int_equal(tt_kmsg_parse("6,1,2,-;a\0b\n", 12, &rec, NULL), -EINVAL);
}

static void test_classify_lines(void **state)
{
	struct tt_kmsg_class c;
	tt_kmsg_classify("livepatch: enabling patch 'tt_lp_x'", &c);
	assert_int_equal(c.kind, TT_KMSG_LP_ENABLING);
	assert_string_equal(c.name, "tt_lp_x");
	tt_kmsg_classify("livepatch: 'tt_lp_x': starting unpatching transition", &c);
	assert_int_equal(c.kind, TT_KMSG_LP_TRANSITION);
	assert_true(c.unpatch);
	tt_kmsg_classify("livepatch: failed to register patch 'tt_lp_y'", &c);
	assert_int_equal(c.kind, TT_KMSG_LP_FAILURE);
	assert_string_equal(c.name, "tt_lp_y");
	tt_kmsg_classify("livepatch: 'tt_lp_y': signal sent to 3 tasks", &c);
	assert_int_equal(c.kind, TT_KMSG_LP_SIGNALS);
	tt_kmsg_classify("kernel BUG at mm/slub.c:42!", &c);
	assert_int_equal(c.kind, TT_KMSG_BUG);
	tt_kmsg_classify("general protection fault, probably for non-canonical address", &c);
	assert_int_equal(c.kind, TT_KMSG_OOPS);
	tt_kmsg_classify("rcu: INFO: rcu_preempt self-detected stall on CPU", &c);
	assert_int_equal(c.kind, TT_KMSG_STALL);
	tt_kmsg_classify("e1000e: link up", &c);
	assert_int_equal(c.kind, TT_KMSG_OTHER);
	/* a user-space line merely quoting the word is not the livepatch core */
	tt_kmsg_classify("myapp: livepatch: enabling patch 'x'", &c);
	assert_int_equal(c.kind, TT_KMSG_OTHER);
}

static void test_clean_enable_sequence(void **state)
{
	static const char *const ours[] = {"tt_lp_x"};
	size_t n;
	struct tt_kmsg_event *ev = events_of("lp-enable-clean.txt", ours, 1, &n);
	assert_int_equal(n, 3); /* the taint line is not an event */
	assert_int_equal(ev[0].kind, TT_KMSG_LP_ENABLING);
	assert_int_equal(ev[1].kind, TT_KMSG_LP_TRANSITION);
	assert_false(ev[1].unpatch);
	assert_int_equal(ev[2].kind, TT_KMSG_LP_COMPLETE);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(ev[i].name, "tt_lp_x");
		assert_string_equal(ev[i].ours, "tt_lp_x");
	}
	assert_int_equal(ev[2].seq, 1204);
	assert_int_equal(ev[2].usec, 53120871);
	free_events(ev, n);
}

static void test_stall_with_signals(void **state)
{
	size_t n;
	struct tt_kmsg_event *ev = events_of("lp-stall.txt", NULL, 0, &n);
	static const enum tt_kmsg_kind want[] = {
	    TT_KMSG_LP_ENABLING, TT_KMSG_LP_TRANSITION, TT_KMSG_LP_SIGNALS, TT_KMSG_LP_STALLED,
	    TT_KMSG_LP_FAILURE,	 TT_KMSG_LP_TRANSITION, TT_KMSG_LP_COMPLETE};
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ev[i].kind, want[i]);
		assert_null(ev[i].ours); /* not told it is ours */
	}
	assert_null(ev[2].name); /* "signaling remaining tasks" names none */
	assert_string_equal(ev[3].name, "tt_lp_slow");
	assert_true(ev[5].unpatch);
	assert_true(ev[6].unpatch);
	free_events(ev, n);
}

static void test_warning_names_our_module(void **state)
{
	static const char *const ours[] = {"tt_lp_other", "tt_lp_x"};
	size_t n;
	struct tt_kmsg_event *ev = events_of("warning-ours.txt", ours, 2, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].kind, TT_KMSG_WARNING);
	assert_int_equal(ev[0].seq, 881);
	assert_string_equal(ev[0].ours, "tt_lp_x");
	assert_non_null(strstr(ev[0].modules, "nf_tables(E) virtio_net"));
	/* the report ends at its end marker: the line after is not in it */
	assert_int_equal(ev[0].n_lines, 9);
	assert_non_null(strstr(ev[0].excerpt, "Call Trace:\n <TASK>"));
	assert_null(strstr(ev[0].excerpt, "after the warning"));
	free_events(ev, n);

	/* only the last-unloaded module matches: still reported as named */
	static const char *const old[] = {"tt_lp_old"};
	ev = events_of("warning-ours.txt", old, 1, &n);
	assert_string_equal(ev[0].ours, "tt_lp_old");
	free_events(ev, n);
	/* a prefix of a listed name is not a match */
	static const char *const prefix[] = {"tt_lp"};
	ev = events_of("warning-ours.txt", prefix, 1, &n);
	assert_null(ev[0].ours);
	free_events(ev, n);
}

static void test_oops_is_one_report(void **state)
{
	static const char *const ours[] = {"tt_lp_x"};
	size_t n;
	struct tt_kmsg_event *ev = events_of("oops.txt", ours, 1, &n);
	assert_int_equal(n, 1); /* BUG: and Oops: lines are one report */
	assert_int_equal(ev[0].kind, TT_KMSG_OOPS);
	assert_int_equal(ev[0].seq, 40);
	assert_string_equal(ev[0].modules, "other_mod(E) ext4 mbcache");
	assert_null(ev[0].ours);
	assert_int_equal(ev[0].n_lines, 6);
	free_events(ev, n);
}

static void test_module_refused(void **state)
{
	static const char *const ours[] = {"tt_lp_x"};
	size_t n;
	struct tt_kmsg_event *ev = events_of("refused.txt", ours, 1, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].kind, TT_KMSG_MODULE_REFUSED);
	assert_string_equal(ev[0].name, "tt_lp_x");
	assert_string_equal(ev[0].ours, "tt_lp_x");
	assert_int_equal(ev[1].kind, TT_KMSG_MODULE_REFUSED);
	assert_null(ev[1].name); /* lockdown names the program, not the module */
	free_events(ev, n);
}

static void test_excerpt_is_bounded(void **state)
{
	struct tt_kmsg_grouper *g = tt_kmsg_grouper_new(NULL, 0);
	char line[300];
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	struct tt_kmsg_record rec = {.msg = (char *)"WARNING: CPU: 0 PID: 1 at x.c:1 f"};
	tt_kmsg_grouper_add(g, &rec);
	rec.msg = line;
	for (int i = 0; i < 500; i++)
		tt_kmsg_grouper_add(g, &rec);
	struct tt_kmsg_event ev;
	/* the line limit closed the report by itself */
	assert_int_equal(tt_kmsg_grouper_next(g, &ev), 1);
	assert_true(strlen(ev.excerpt) < TT_KMSG_EXCERPT_MAX);
	assert_non_null(strstr(ev.excerpt, "..."));
	assert_int_equal(ev.n_lines, 200);
	tt_kmsg_event_free(&ev);
	tt_kmsg_grouper_free(g); /* with a report still open and queued lines */
}

/* ---- the reader, over a SOCK_SEQPACKET pair: one record per read, like /dev/kmsg ---- */
static int feed(const char *const *records, size_t n)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(write(sv[1], records[i], strlen(records[i])),
				 (ssize_t)strlen(records[i]));
	close(sv[1]); /* end of file after the last record */
	return sv[0];
}

/* A datagram "EPIPE" stands for the kernel's "records were overwritten". */
static ssize_t fake_kmsg_read(void *ctx, int fd, void *buf, size_t n)
{
	ssize_t got = read(fd, buf, n);
	if (got == 5 && memcmp(buf, "EPIPE", 5) == 0) {
		(*(int *)ctx)++;
		errno = EPIPE;
		return -1;
	}
	return got;
}

static void test_reader_overwrite_and_gap(void **state)
{
	static const char *const recs[] = {"6,10,1,-;a\n", "6,11,2,-;b\n", "EPIPE",
					   "6,20,3,-;after the overwrite\n", "6,21,4,-;c\n"};
	int fd = feed(recs, 5), calls = 0;
	struct tt_kmsg_reader *r = tt_kmsg_reader_new(fd, 0, fake_kmsg_read, &calls);
	struct tt_kmsg_record rec;
	uint64_t seqs[4];
	size_t n = 0;
	int rc;
	while ((rc = tt_kmsg_reader_next(r, &rec, NULL)) == 1) {
		assert_true(n < 4);
		seqs[n++] = rec.seq;
		tt_kmsg_record_free(&rec);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 4);
	assert_int_equal(seqs[2], 20);
	assert_int_equal(calls, 1);
	assert_int_equal(tt_kmsg_reader_overruns(r), 1);
	assert_int_equal(tt_kmsg_reader_lost(r), 8); /* 12..19 */
	assert_int_equal(tt_kmsg_reader_cursor(r), 22);
	tt_kmsg_reader_free(r);
	close(fd);
}

static void test_reader_resumes_from_cursor(void **state)
{
	static const char *const recs[] = {"6,10,1,-;a\n", "6,11,2,-;b\n", "6,12,3,-;c\n",
					   "6,13,4,-;d\n"};
	int fd = feed(recs, 4);
	struct tt_kmsg_reader *r = tt_kmsg_reader_new(fd, 12, NULL, NULL);
	struct tt_kmsg_record rec;
	assert_int_equal(tt_kmsg_reader_next(r, &rec, NULL), 1);
	assert_int_equal(rec.seq, 12); /* 10 and 11 were handled before */
	assert_string_equal(rec.msg, "c");
	tt_kmsg_record_free(&rec);
	assert_int_equal(tt_kmsg_reader_next(r, &rec, NULL), 1);
	tt_kmsg_record_free(&rec);
	assert_int_equal(tt_kmsg_reader_next(r, &rec, NULL), 0);
	assert_int_equal(tt_kmsg_reader_lost(r), 0);
	assert_int_equal(tt_kmsg_reader_cursor(r), 14);
	tt_kmsg_reader_free(r);
	close(fd);
}

static void test_reader_gap_from_fixture(void **state)
{
	size_t len;
	_cleanup_free_ char *text = read_fixture("gap.txt", &len);
	const char *recs[4];
	char *copies[4];
	size_t n = 0;
	for (size_t off = 0, l; off < len; off += l, n++) {
		l = tt_kmsg_record_len(text + off, len - off);
		copies[n] = tt_xstrndup(text + off, l);
		recs[n] = copies[n];
	}
	assert_int_equal(n, 4);
	int fd = feed(recs, n);
	struct tt_kmsg_reader *r = tt_kmsg_reader_new(fd, 11, NULL, NULL);
	struct tt_kmsg_record rec;
	while (tt_kmsg_reader_next(r, &rec, NULL) == 1)
		tt_kmsg_record_free(&rec);
	assert_int_equal(tt_kmsg_reader_lost(r), 3); /* 12, 13, 14 */
	assert_int_equal(tt_kmsg_reader_overruns(r), 0);
	assert_int_equal(tt_kmsg_reader_cursor(r), 17);
	tt_kmsg_reader_free(r);
	close(fd);
	for (size_t i = 0; i < n; i++)
		free(copies[i]);
}

static void test_reader_bad_record_then_more(void **state)
{
	static const char *const recs[] = {"garbage\n", "6,5,1,-;ok\n"};
	int fd = feed(recs, 2);
	struct tt_kmsg_reader *r = tt_kmsg_reader_new(fd, 0, NULL, NULL);
	struct tt_kmsg_record rec;
	struct tt_error err = {0};
	assert_int_equal(tt_kmsg_reader_next(r, &rec, &err), -EINVAL);
	assert_int_equal(tt_kmsg_reader_next(r, &rec, NULL), 1);
	assert_int_equal(rec.seq, 5);
	tt_kmsg_record_free(&rec);
	tt_kmsg_reader_free(r);
	close(fd);
}

static void test_user_space_lines_ignored(void **state)
{
	static const char *const ours[] = {"tt_lp_x"};
	struct tt_kmsg_grouper *g = tt_kmsg_grouper_new(ours, 1);
	struct tt_kmsg_record rec = {.facility = 1, .msg = (char *)"WARNING: CPU: 0 PID: 1 at x"};
	tt_kmsg_grouper_add(g, &rec);
	rec.msg = (char *)"livepatch: 'tt_lp_x': patching complete";
	tt_kmsg_grouper_add(g, &rec);
	tt_kmsg_grouper_flush(g);
	struct tt_kmsg_event ev;
	assert_int_equal(tt_kmsg_grouper_next(g, &ev), 0);
	tt_kmsg_grouper_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_fields),
	    cmocka_unit_test(test_parse_dictionary),
	    cmocka_unit_test(test_parse_rejects),
	    cmocka_unit_test(test_classify_lines),
	    cmocka_unit_test(test_clean_enable_sequence),
	    cmocka_unit_test(test_stall_with_signals),
	    cmocka_unit_test(test_warning_names_our_module),
	    cmocka_unit_test(test_oops_is_one_report),
	    cmocka_unit_test(test_module_refused),
	    cmocka_unit_test(test_excerpt_is_bounded),
	    cmocka_unit_test(test_user_space_lines_ignored),
	    cmocka_unit_test(test_reader_overwrite_and_gap),
	    cmocka_unit_test(test_reader_resumes_from_cursor),
	    cmocka_unit_test(test_reader_gap_from_fixture),
	    cmocka_unit_test(test_reader_bad_record_then_more),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
