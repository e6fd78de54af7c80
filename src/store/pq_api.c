// SPDX-License-Identifier: GPL-2.0-or-later
/* libpq's functions, resolved on first use (see src/util/dlib.h). */
#include "pq_api.h"

struct tt_pq_functions tt_pq_fns;

static const char *const names[] = {TT_PQ_FUNCTIONS(TT_DLIB_NAME)};
#define SLOT(fn) (void **)&tt_pq_fns.fn_##fn,
static void **const slots[] = {TT_PQ_FUNCTIONS(SLOT)};

static struct tt_dlib pq_lib = {
    .soname = "libpq.so.5",
    .package = "libpq5",
    .needed_for = "PostgreSQL stores",
    .names = names,
    .slots = slots,
    .n = sizeof(names) / sizeof(names[0]),
    .mu = PTHREAD_MUTEX_INITIALIZER,
};

int tt_pq_load(struct tt_error *err)
{
	return tt_dlib_load(&pq_lib, err);
}
