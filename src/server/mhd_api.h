// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libmicrohttpd, loaded on first use (see src/util/dlib.h). Include this
 * instead of <microhttpd.h>; tt_server_start() loads it before any call.
 */
#ifndef TUXTAPE_SRC_SERVER_MHD_API_H
#define TUXTAPE_SRC_SERVER_MHD_API_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "../util/dlib.h"

#define TT_MHD_FUNCTIONS(X)                                                                        \
	X(MHD_start_daemon)                                                                        \
	X(MHD_stop_daemon)                                                                         \
	X(MHD_get_daemon_info)                                                                     \
	X(MHD_is_feature_supported)                                                                \
	X(MHD_lookup_connection_value)                                                             \
	X(MHD_create_response_from_buffer)                                                         \
	X(MHD_create_response_from_fd)                                                             \
	X(MHD_add_response_header)                                                                 \
	X(MHD_queue_response)                                                                      \
	X(MHD_destroy_response)

struct tt_mhd_functions {
	TT_MHD_FUNCTIONS(TT_DLIB_FIELD)
};
extern struct tt_mhd_functions tt_mhd_fns;

int tt_mhd_load(struct tt_error *err);

#define MHD_start_daemon		(*tt_mhd_fns.fn_MHD_start_daemon)
#define MHD_stop_daemon			(*tt_mhd_fns.fn_MHD_stop_daemon)
#define MHD_get_daemon_info		(*tt_mhd_fns.fn_MHD_get_daemon_info)
#define MHD_is_feature_supported	(*tt_mhd_fns.fn_MHD_is_feature_supported)
#define MHD_lookup_connection_value	(*tt_mhd_fns.fn_MHD_lookup_connection_value)
#define MHD_create_response_from_buffer (*tt_mhd_fns.fn_MHD_create_response_from_buffer)
#define MHD_create_response_from_fd	(*tt_mhd_fns.fn_MHD_create_response_from_fd)
#define MHD_add_response_header		(*tt_mhd_fns.fn_MHD_add_response_header)
#define MHD_queue_response		(*tt_mhd_fns.fn_MHD_queue_response)
#define MHD_destroy_response		(*tt_mhd_fns.fn_MHD_destroy_response)

#endif
