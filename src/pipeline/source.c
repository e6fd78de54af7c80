// SPDX-License-Identifier: GPL-2.0-or-later
/* The job source over the store itself: a worker with direct access to the database. */
#include <time.h>

#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

struct store_source {
	struct tt_job_source src; /* first: the public part */
	struct tt_store *store;
	struct tt_queue_policy policy;
};

static int64_t now_utc(void)
{
	return (int64_t)time(NULL);
}

static int store_claim(void *ctx, const char *worker, struct tt_job *job, bool *got,
		       struct tt_error *err)
{
	struct store_source *s = ctx;
	return tt_store_job_claim(s->store, worker, now_utc(), &s->policy, job, got, err);
}

static int store_built(void *ctx, const struct tt_job *job, const struct tt_job_report *r,
		       struct tt_error *err)
{
	struct store_source *s = ctx;
	return tt_store_job_built(s->store, job, r, now_utc(), &s->policy, err);
}

static int store_tested(void *ctx, const struct tt_job *job, const struct tt_job_report *r,
			struct tt_error *err)
{
	struct store_source *s = ctx;
	return tt_store_job_tested(s->store, job, r, now_utc(), err);
}

static const struct tt_job_source_ops store_ops = {
    .claim = store_claim,
    .built = store_built,
    .tested = store_tested,
};

struct tt_job_source *tt_job_source_store_new(struct tt_store *s, const struct tt_queue_policy *pol)
{
	struct store_source *src = tt_xcalloc(1, sizeof(*src));
	src->src.ops = &store_ops;
	src->src.ctx = src;
	src->store = s;
	src->policy = *pol;
	return &src->src;
}
