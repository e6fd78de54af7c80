// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /dev/kmsg records: the parser and the resumable reader. Classification and
 * report grouping are in kmsg_event.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/fleet.h"

/* The kernel refuses reads into less than a record (about 1 KiB text + dictionary). */
#define KMSG_READ_MAX 8192

size_t tt_kmsg_record_len(const char *text, size_t len)
{
	size_t i = 0;
	/* The header line, then every following line that starts with a space. */
	do {
		const char *nl = memchr(text + i, '\n', len - i);
		i = nl ? (size_t)(nl - text) + 1 : len;
	} while (i < len && text[i] == ' ');
	return i;
}

/* A decimal number ending at one of stop; advances *p. No sign, no overflow. */
static bool kmsg_number(const char **p, const char *end, const char *stop, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (s >= end || *s < '0' || *s > '9')
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (s >= end || !strchr(stop, *s) || !*s)
		return false;
	*out = v;
	*p = s;
	return true;
}

/* "prio,seq,usec,flags[,more];" — fields after flags (caller=...) are ignored. */
static const char *kmsg_header(const char *p, const char *end, struct tt_kmsg_record *rec)
{
	uint64_t prio, seq, usec;
	if (!kmsg_number(&p, end, ",", &prio))
		return NULL;
	p++;
	if (!kmsg_number(&p, end, ",", &seq))
		return NULL;
	p++;
	if (!kmsg_number(&p, end, ",", &usec))
		return NULL;
	const char *semi = memchr(p, ';', (size_t)(end - p));
	if (!semi || memchr(p, '\n', (size_t)(semi - p)) || prio > 0xffffff)
		return NULL;
	/* flags: '-' or 'c' (continued); older kernels also used '+'. */
	rec->cont = *p == ',' && p + 1 < semi && p[1] == 'c';
	rec->level = (int)(prio & 7);
	rec->facility = (int)(prio >> 3);
	rec->seq = seq;
	rec->usec = usec;
	return semi + 1;
}

static void kmsg_dict_line(struct tt_kmsg_record *rec, const char *line, size_t n)
{
	if (n > 10 && memcmp(line, "SUBSYSTEM=", 10) == 0 && !rec->subsystem)
		rec->subsystem = tt_xstrndup(line + 10, n - 10);
	else if (n > 7 && memcmp(line, "DEVICE=", 7) == 0 && !rec->device)
		rec->device = tt_xstrndup(line + 7, n - 7);
}

int tt_kmsg_parse(const char *data, size_t len, struct tt_kmsg_record *rec, struct tt_error *err)
{
	memset(rec, 0, sizeof(*rec));
	const char *end = data + len;
	const char *p = kmsg_header(data, end, rec);
	if (!p)
		return tt_error_set(err, -EINVAL, "kmsg record: bad header \"%.*s\"",
				    (int)(len < 40 ? len : 40), data);
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *mend = nl ? nl : end;
	if (memchr(p, '\0', (size_t)(mend - p)))
		return tt_error_set(err, -EINVAL, "kmsg record %llu: NUL byte in the message",
				    (unsigned long long)rec->seq);
	rec->msg = tt_xstrndup(p, (size_t)(mend - p));
	for (p = nl ? nl + 1 : end; p < end && *p == ' ';) {
		nl = memchr(p, '\n', (size_t)(end - p));
		mend = nl ? nl : end;
		kmsg_dict_line(rec, p + 1, (size_t)(mend - p - 1));
		p = nl ? nl + 1 : end;
	}
	if (p != end) {
		tt_kmsg_record_free(rec);
		return tt_error_set(err, -EINVAL, "kmsg record: text after the record");
	}
	return 0;
}

void tt_kmsg_record_free(struct tt_kmsg_record *rec)
{
	free(rec->msg);
	free(rec->subsystem);
	free(rec->device);
	memset(rec, 0, sizeof(*rec));
}

struct tt_kmsg_reader {
	int fd;
	uint64_t next; /* the sequence number wanted next */
	bool started;  /* a record was seen: gaps count from then */
	uint64_t overruns;
	uint64_t lost;
	tt_kmsg_read_fn read_fn;
	void *ctx;
	char buf[KMSG_READ_MAX];
};

static ssize_t kmsg_read_default(void *ctx, int fd, void *buf, size_t n)
{
	return read(fd, buf, n);
}

struct tt_kmsg_reader *tt_kmsg_reader_new(int fd, uint64_t cursor, tt_kmsg_read_fn read_fn,
					  void *ctx)
{
	struct tt_kmsg_reader *r = tt_xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->next = cursor;
	r->started = cursor > 0;
	r->read_fn = read_fn ? read_fn : kmsg_read_default;
	r->ctx = ctx;
	return r;
}

/* One read(): 1 with n bytes, 0 nothing now, 2 overwritten (retry), negative on error. */
static int kmsg_read_one(struct tt_kmsg_reader *r, size_t *n, struct tt_error *err)
{
	ssize_t got;
	do
		got = r->read_fn(r->ctx, r->fd, r->buf, sizeof(r->buf));
	while (got < 0 && errno == EINTR);
	if (got > 0) {
		*n = (size_t)got;
		return 1;
	}
	if (got == 0 || errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	if (errno == EPIPE) {
		/* The ring buffer overwrote records we had not read; the next read resumes. */
		r->overruns++;
		return 2;
	}
	return tt_error_set(err, -errno, "reading kmsg: %s", strerror(errno));
}

int tt_kmsg_reader_next(struct tt_kmsg_reader *r, struct tt_kmsg_record *rec, struct tt_error *err)
{
	for (;;) {
		size_t n = 0;
		int rc = kmsg_read_one(r, &n, err);
		if (rc == 2)
			continue;
		if (rc <= 0)
			return rc;
		rc = tt_kmsg_parse(r->buf, n, rec, err);
		if (rc < 0)
			return rc;
		if (r->started && rec->seq < r->next) {
			tt_kmsg_record_free(rec); /* already handled before the restart */
			continue;
		}
		if (r->started && rec->seq > r->next)
			r->lost += rec->seq - r->next;
		r->started = true;
		r->next = rec->seq + 1;
		return 1;
	}
}

uint64_t tt_kmsg_reader_cursor(const struct tt_kmsg_reader *r)
{
	return r->next;
}

uint64_t tt_kmsg_reader_overruns(const struct tt_kmsg_reader *r)
{
	return r->overruns;
}

uint64_t tt_kmsg_reader_lost(const struct tt_kmsg_reader *r)
{
	return r->lost;
}

void tt_kmsg_reader_free(struct tt_kmsg_reader *r)
{
	free(r);
}
