// SPDX-License-Identifier: GPL-2.0-or-later
/* libcurl's functions, resolved on first use (see dlib.h). */
#include <errno.h>

#include "curl_api.h"

struct tt_curl_functions tt_curl_fns;

#define TT_DLIB_TABLE tt_curl_fns
TT_DLIB_DEFINE(curl_lib, TT_CURL_FUNCTIONS, "libcurl.so.4", "libcurl4", "HTTP transfers");

/*
 * curl_global_init is not thread-safe and must run once per process: it runs
 * under this lock, right after the load.
 */
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static bool init_done;
static CURLcode init_rc = CURLE_FAILED_INIT;

int tt_curl_load(struct tt_error *err)
{
	int r = tt_dlib_load(&curl_lib, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&init_mu);
	if (!init_done)
		init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	init_done = true;
	pthread_mutex_unlock(&init_mu);
	if (init_rc != CURLE_OK)
		return tt_error_set(err, -EIO, "libcurl cannot start: %s",
				    curl_easy_strerror(init_rc));
	return 0;
}
