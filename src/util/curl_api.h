// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libcurl, loaded on first use (see dlib.h). Include this instead of
 * <curl/curl.h>, and call tt_curl_load() before the first curl function.
 */
#ifndef TUXTAPE_SRC_UTIL_CURL_API_H
#define TUXTAPE_SRC_UTIL_CURL_API_H

#include <curl/curl.h>

#include "dlib.h"

#define TT_CURL_FUNCTIONS(X)                                                                       \
	X(curl_global_init)                                                                        \
	X(curl_easy_init)                                                                          \
	X(curl_easy_setopt)                                                                        \
	X(curl_easy_getinfo)                                                                       \
	X(curl_easy_perform)                                                                       \
	X(curl_easy_cleanup)                                                                       \
	X(curl_easy_strerror)                                                                      \
	X(curl_easy_escape)                                                                        \
	X(curl_free)                                                                               \
	X(curl_slist_append)                                                                       \
	X(curl_slist_free_all)

struct tt_curl_functions {
	TT_CURL_FUNCTIONS(TT_DLIB_FIELD)
};
extern struct tt_curl_functions tt_curl_fns;

/* Load libcurl and run curl_global_init() once; err says why not. */
int tt_curl_load(struct tt_error *err);

/* curl.h's type-checking wrappers call the functions by name: replaced too. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init    (*tt_curl_fns.fn_curl_global_init)
#define curl_easy_init	    (*tt_curl_fns.fn_curl_easy_init)
#define curl_easy_setopt    (*tt_curl_fns.fn_curl_easy_setopt)
#define curl_easy_getinfo   (*tt_curl_fns.fn_curl_easy_getinfo)
#define curl_easy_perform   (*tt_curl_fns.fn_curl_easy_perform)
#define curl_easy_cleanup   (*tt_curl_fns.fn_curl_easy_cleanup)
#define curl_easy_strerror  (*tt_curl_fns.fn_curl_easy_strerror)
#define curl_easy_escape    (*tt_curl_fns.fn_curl_easy_escape)
#define curl_free	    (*tt_curl_fns.fn_curl_free)
#define curl_slist_append   (*tt_curl_fns.fn_curl_slist_append)
#define curl_slist_free_all (*tt_curl_fns.fn_curl_slist_free_all)

#endif
