// SPDX-License-Identifier: GPL-2.0-or-later
/* libmicrohttpd's functions, resolved on first use (see src/util/dlib.h). */
#include "mhd_api.h"

struct tt_mhd_functions tt_mhd_fns;

#define TT_DLIB_TABLE tt_mhd_fns
TT_DLIB_DEFINE(mhd_lib, TT_MHD_FUNCTIONS, "libmicrohttpd.so.12", "libmicrohttpd12", "the server");

int tt_mhd_load(struct tt_error *err)
{
	return tt_dlib_load(&mhd_lib, err);
}
