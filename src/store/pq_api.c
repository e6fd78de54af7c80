// SPDX-License-Identifier: GPL-2.0-or-later
/* libpq's functions, resolved on first use (see src/util/dlib.h). */
#include "pq_api.h"

struct tt_pq_functions tt_pq_fns;

#define TT_DLIB_TABLE tt_pq_fns
TT_DLIB_DEFINE(pq_lib, TT_PQ_FUNCTIONS, "libpq.so.5", "libpq5", "PostgreSQL stores");

int tt_pq_load(struct tt_error *err)
{
	return tt_dlib_load(&pq_lib, err);
}
