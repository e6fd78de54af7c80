// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Group commit of heartbeats (see server.h). Callers queue a pointer to
 * their row and sleep; the writer takes everything queued, writes it in one
 * transaction, and wakes the callers with the outcome. Rows stay owned by
 * their callers, who wait until the writer is done with them.
 */
#include <errno.h>
#include <string.h>

#include "tuxtape/server.h"
#include "tuxtape/util.h"

struct pending {
	const struct tt_fleet_heartbeat_row *row;
	struct tt_error *err;
	int result;
	bool done;
};

struct tt_fleet_batcher {
	struct tt_fleet_db *db;
	pthread_t writer;
	pthread_mutex_t lock;
	pthread_cond_t queued, committed;
	struct pending **queue;
	size_t n_queue, cap_queue;
	bool stopping;
};

/* One transaction for the batch: all rows are stored, or none and every caller hears why. */
static void write_batch(struct tt_fleet_batcher *b, struct pending **batch, size_t n)
{
	struct tt_error err = {0};
	int r = tt_fleet_db_begin(b->db, &err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = tt_fleet_host_heartbeat(b->db, batch[i]->row, &err);
	if (r == 0)
		r = tt_fleet_db_commit(b->db, &err);
	else
		tt_fleet_db_rollback(b->db);
	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < n; i++) {
		batch[i]->result = r;
		if (r < 0 && batch[i]->err)
			*batch[i]->err = err;
		batch[i]->done = true;
	}
	pthread_cond_broadcast(&b->committed);
	pthread_mutex_unlock(&b->lock);
}

static void *writer_main(void *arg)
{
	struct tt_fleet_batcher *b = arg;
	struct pending **batch = NULL;
	size_t cap = 0;
	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (b->n_queue == 0 && !b->stopping)
			pthread_cond_wait(&b->queued, &b->lock);
		if (b->n_queue == 0)
			break;
		/* Swap the queue out: callers keep queuing while this batch commits. */
		struct pending **taken = b->queue;
		size_t n = b->n_queue, taken_cap = b->cap_queue;
		b->queue = batch;
		b->cap_queue = cap;
		b->n_queue = 0;
		pthread_mutex_unlock(&b->lock);
		write_batch(b, taken, n);
		batch = taken;
		cap = taken_cap;
		pthread_mutex_lock(&b->lock);
	}
	pthread_mutex_unlock(&b->lock);
	free(batch);
	return NULL;
}

int tt_fleet_batcher_start(struct tt_fleet_db *db, struct tt_fleet_batcher **out,
			   struct tt_error *err)
{
	struct tt_fleet_batcher *b = tt_xcalloc(1, sizeof(*b));
	b->db = db;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->queued, NULL);
	pthread_cond_init(&b->committed, NULL);
	int r = pthread_create(&b->writer, NULL, writer_main, b);
	if (r != 0) {
		pthread_mutex_destroy(&b->lock);
		pthread_cond_destroy(&b->queued);
		pthread_cond_destroy(&b->committed);
		free(b);
		return tt_error_set(err, -r, "cannot start the heartbeat writer: %s", strerror(r));
	}
	*out = b;
	return 0;
}

int tt_fleet_batcher_submit(struct tt_fleet_batcher *b, const struct tt_fleet_heartbeat_row *row,
			    struct tt_error *err)
{
	struct pending p = {.row = row, .err = err};
	pthread_mutex_lock(&b->lock);
	if (b->stopping) {
		pthread_mutex_unlock(&b->lock);
		return tt_error_set(err, -ESHUTDOWN, "the server is stopping");
	}
	if (b->n_queue == b->cap_queue) {
		b->cap_queue = b->cap_queue ? 2 * b->cap_queue : 64;
		b->queue = tt_xrealloc(b->queue, b->cap_queue * sizeof(*b->queue));
	}
	b->queue[b->n_queue++] = &p;
	pthread_cond_signal(&b->queued);
	while (!p.done)
		pthread_cond_wait(&b->committed, &b->lock);
	pthread_mutex_unlock(&b->lock);
	return p.result;
}

void tt_fleet_batcher_stop(struct tt_fleet_batcher *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	pthread_cond_signal(&b->queued);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->writer, NULL);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->queued);
	pthread_cond_destroy(&b->committed);
	free(b->queue);
	tt_fleet_db_close(b->db);
	free(b);
}
