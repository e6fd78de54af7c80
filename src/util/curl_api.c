// SPDX-License-Identifier: GPL-2.0-or-later
/* libcurl's functions, resolved on first use (see dlib.h). */
#include <errno.h>

#include "curl_api.h"

struct tt_curl_functions tt_curl_fns;

static const char *const names[] = {TT_CURL_FUNCTIONS(TT_DLIB_NAME)};
#define SLOT(fn) (void **)&tt_curl_fns.fn_##fn,
static void **const slots[] = {TT_CURL_FUNCTIONS(SLOT)};

static struct tt_dlib curl_lib = {
    .soname = "libcurl.so.4",
    .package = "libcurl4",
    .needed_for = "HTTP transfers",
    .names = names,
    .slots = slots,
    .n = sizeof(names) / sizeof(names[0]),
    .mu = PTHREAD_MUTEX_INITIALIZER,
};

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
