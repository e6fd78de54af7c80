// SPDX-License-Identifier: GPL-2.0-or-later
/* libmicrohttpd's functions, resolved on first use (see src/util/dlib.h). */
#include "mhd_api.h"

struct tt_mhd_functions tt_mhd_fns;

static const char *const names[] = {TT_MHD_FUNCTIONS(TT_DLIB_NAME)};
#define SLOT(fn) (void **)&tt_mhd_fns.fn_##fn,
static void **const slots[] = {TT_MHD_FUNCTIONS(SLOT)};

static struct tt_dlib mhd_lib = {
    .soname = "libmicrohttpd.so.12",
    .package = "libmicrohttpd12",
    .needed_for = "the server",
    .names = names,
    .slots = slots,
    .n = sizeof(names) / sizeof(names[0]),
    .mu = PTHREAD_MUTEX_INITIALIZER,
};

int tt_mhd_load(struct tt_error *err)
{
	return tt_dlib_load(&mhd_lib, err);
}
