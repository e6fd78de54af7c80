/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fleet agent's library pieces (docs/fleet.md):
 *
 *   tt_kmsg_*         /dev/kmsg records: parse, read from a descriptor with a
 *                     resumable sequence cursor, classify, and group multi-line
 *                     WARNING/BUG/Oops reports into events;
 *   tt_fleet_state_*  the agent's on-disk state (kmsg cursor, patches being
 *                     loaded) in one JSON file replaced atomically.
 */
#ifndef TUXTAPE_FLEET_H
#define TUXTAPE_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tuxtape/error.h"
#include "tuxtape/util.h"

/* ---- one /dev/kmsg record: "prio,seq,usec,flags[,...];message\n" + " KEY=VALUE\n"... ---- */
struct tt_kmsg_record {
	int level;	 /* 0 (emerg) .. 7 (debug) */
	int facility;	 /* 0 for the kernel itself */
	uint64_t seq;	 /* the ring buffer's sequence number (restarts at each boot) */
	uint64_t usec;	 /* microseconds since boot */
	bool cont;	 /* flag 'c': a fragment continued by the next record */
	char *msg;	 /* the text, kernel escapes (\xNN) kept as they came */
	char *subsystem; /* SUBSYSTEM= from the dictionary, or NULL */
	char *device;	 /* DEVICE= from the dictionary, or NULL */
};

/*
 * Length of the first record in text (up to and including the newline of its
 * last dictionary line); 0 when len is 0. For reading a saved dump.
 */
size_t tt_kmsg_record_len(const char *text, size_t len);
/* Parse exactly one record (as one read() of /dev/kmsg returns it). -EINVAL when malformed. */
int tt_kmsg_parse(const char *data, size_t len, struct tt_kmsg_record *rec, struct tt_error *err);
void tt_kmsg_record_free(struct tt_kmsg_record *rec);

/* ---- reading /dev/kmsg ---- */
struct tt_kmsg_reader;

/*
 * How the reader gets one record; the default is read(2). Tests put a fake
 * here to produce what only the kernel can (EPIPE after an overwrite).
 * Returns like read(2), errno set on -1.
 */
typedef ssize_t (*tt_kmsg_read_fn)(void *ctx, int fd, void *buf, size_t n);

/*
 * A reader over fd (opened by the caller, blocking or not; one record per
 * read(), as /dev/kmsg and SOCK_SEQPACKET give). Records with a sequence
 * number below cursor were already handled and are skipped.
 */
struct tt_kmsg_reader *tt_kmsg_reader_new(int fd, uint64_t cursor, tt_kmsg_read_fn read_fn,
					  void *ctx);
/*
 * The next new record: 1 with *rec filled (free with tt_kmsg_record_free), 0
 * when there is none now (end of file, or EAGAIN), negative on a read error or
 * a malformed record (the reader stays usable after the latter). Overwritten
 * records (EPIPE, or a jump in the sequence numbers) are counted, not errors.
 */
int tt_kmsg_reader_next(struct tt_kmsg_reader *r, struct tt_kmsg_record *rec, struct tt_error *err);
/* The sequence number of the next record wanted: what to save to resume. */
uint64_t tt_kmsg_reader_cursor(const struct tt_kmsg_reader *r);
/* How many times the kernel said records were overwritten (EPIPE). */
uint64_t tt_kmsg_reader_overruns(const struct tt_kmsg_reader *r);
/* How many records were never seen: the sum of the gaps in the sequence numbers. */
uint64_t tt_kmsg_reader_lost(const struct tt_kmsg_reader *r);
void tt_kmsg_reader_free(struct tt_kmsg_reader *r);

/* ---- classification ---- */
enum tt_kmsg_kind {
	TT_KMSG_OTHER,		/* nothing the agent acts on */
	TT_KMSG_LP_ENABLING,	/* livepatch: enabling patch 'X' */
	TT_KMSG_LP_TRANSITION,	/* livepatch: 'X': starting (un)patching transition */
	TT_KMSG_LP_COMPLETE,	/* livepatch: 'X': (un)patching complete */
	TT_KMSG_LP_SIGNALS,	/* livepatch: signals sent to tasks blocking a transition */
	TT_KMSG_LP_STALLED,	/* livepatch: a transition is stalled */
	TT_KMSG_LP_FAILURE,	/* livepatch: any other line reporting an error */
	TT_KMSG_MODULE_REFUSED, /* signature check failed / lockdown refused a module */
	TT_KMSG_WARNING,	/* WARNING: report */
	TT_KMSG_BUG,		/* BUG: / kernel BUG at report */
	TT_KMSG_OOPS,		/* Oops / general protection fault report */
	TT_KMSG_PANIC,		/* Kernel panic */
	TT_KMSG_STALL,		/* RCU stall, soft lockup, hung task report */
};
const char *tt_kmsg_kind_name(enum tt_kmsg_kind k);

struct tt_kmsg_class {
	enum tt_kmsg_kind kind;
	bool unpatch;  /* LP_TRANSITION / LP_COMPLETE: the unpatching direction */
	char name[64]; /* the patch or module the line names, or "" */
};
/* Classify one message (the record's msg). */
void tt_kmsg_classify(const char *msg, struct tt_kmsg_class *c);

/* ---- events: one per livepatch/refusal line, one per multi-line report ---- */
#define TT_KMSG_EXCERPT_MAX 4096 /* bytes of a report kept, "..." marks a cut */

struct tt_kmsg_event {
	enum tt_kmsg_kind kind;
	bool unpatch;	/* as in tt_kmsg_class */
	char *name;	/* the patch or module named by the line, or NULL */
	uint64_t seq;	/* the first record's sequence number */
	uint64_t usec;	/* and its time */
	char *message;	/* the first line */
	char *modules;	/* "Modules linked in:" list of a report, or NULL */
	char *ours;	/* the first of the agent's modules the event names, or NULL */
	char *excerpt;	/* the report's lines joined by '\n' (bounded), or the message */
	size_t n_lines; /* lines in the report, excerpt cut or not */
};
void tt_kmsg_event_free(struct tt_kmsg_event *ev);

struct tt_kmsg_grouper;
/* ours: the agent's module names (copied); a report naming one sets event.ours. */
struct tt_kmsg_grouper *tt_kmsg_grouper_new(const char *const *ours, size_t n_ours);
/* Feed records in order; events come out of tt_kmsg_grouper_next. */
void tt_kmsg_grouper_add(struct tt_kmsg_grouper *g, const struct tt_kmsg_record *rec);
/* End the open report (no more records for now, or the reader is closing). */
void tt_kmsg_grouper_flush(struct tt_kmsg_grouper *g);
/* 1 and *ev filled (free with tt_kmsg_event_free) while events wait, else 0. */
int tt_kmsg_grouper_next(struct tt_kmsg_grouper *g, struct tt_kmsg_event *ev);
void tt_kmsg_grouper_free(struct tt_kmsg_grouper *g);

/* ---- the agent's state directory ---- */
#define TT_FLEET_STATE_DIR "/var/lib/tuxtape"

struct tt_fleet_state;
/*
 * Open (creating the directory) dir, NULL for TT_FLEET_STATE_DIR, and load
 * dir/state.json when it exists. A corrupt file is -EINVAL with its path in err.
 */
int tt_fleet_state_open(const char *dir, struct tt_fleet_state **out, struct tt_error *err);
void tt_fleet_state_close(struct tt_fleet_state *st);
/*
 * The saved kmsg cursor, when it was saved during this boot (boot_id: the
 * contents of /proc/sys/kernel/random/boot_id): sequence numbers restart at
 * each boot, so another boot's cursor would skip records. false otherwise.
 */
bool tt_fleet_state_cursor(const struct tt_fleet_state *st, const char *boot_id, uint64_t *seq);
int tt_fleet_state_set_cursor(struct tt_fleet_state *st, const char *boot_id, uint64_t seq,
			      struct tt_error *err);
/* Record, durably, that patch module name is about to be loaded. -EINVAL for a bad name. */
int tt_fleet_state_mark_loading(struct tt_fleet_state *st, const char *name, struct tt_error *err);
/* Its transition finished: forget the mark (no-op when not marked). */
int tt_fleet_state_clear(struct tt_fleet_state *st, const char *name, struct tt_error *err);
/* The names marked and not cleared, in marking order (a crash interrupted these). */
void tt_fleet_state_list_marked(const struct tt_fleet_state *st, struct tt_strv *out);

#endif
