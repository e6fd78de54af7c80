// SPDX-License-Identifier: GPL-2.0-or-later
/* Fetching feeds over HTTP(S) or file:// with libcurl, and reading a path-or-URL. */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../util/curl_api.h"
#include "feeds-internal.h"

#ifndef TT_VERSION
#define TT_VERSION "unknown"
#endif

bool tt_feed_is_url(const char *s)
{
	return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0 ||
		     strncasecmp(s, "file://", 7) == 0);
}

struct sink {
	struct tt_buf *out;
	size_t start;
	size_t max;
	bool too_big;
};

static size_t write_cb(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb;
	if (s->out->len - s->start + n > s->max) {
		s->too_big = true;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	tt_buf_add(s->out, data, n);
	return n;
}

static void set_protocols(CURL *c)
{
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	/* A remote server must not be able to redirect us into the local file system. */
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
}

static void set_options(CURL *c, const char *url, struct sink *s, char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	set_protocols(c);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tuxtape/" TT_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	/* Feeds are large: bound stalls, not the total time of a slow but moving download. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	/* Signals for DNS timeouts are not safe in a multi-threaded program. */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
}

static int curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_FILE_COULDNT_READ_FILE:
		return -ENOENT;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return -EPROTONOSUPPORT;
	case CURLE_TOO_MANY_REDIRECTS:
		return -ELOOP;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int http_status_errno(long status)
{
	if (status == 404 || status == 410)
		return -ENOENT;
	if (status == 401 || status == 403)
		return -EACCES;
	return -EIO;
}

/* Turn the transfer's outcome into 0 or an errno with a message. */
static int fetch_result(CURL *c, CURLcode rc, const char *url, const struct sink *s,
			const char *errbuf, struct tt_error *err)
{
	if (s->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		return tt_error_set(err, -EFBIG, "cannot fetch %s: larger than the %zu-byte cap",
				    url, s->max);
	if (rc != CURLE_OK)
		return tt_error_set(err, curl_errno(rc), "cannot fetch %s: %s", url,
				    errbuf[0] ? errbuf : curl_easy_strerror(rc));
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 400)
		return tt_error_set(err, http_status_errno(status), "cannot fetch %s: HTTP %ld",
				    url, status);
	return 0;
}

int tt_http_fetch(const char *url, struct tt_buf *out, long max_bytes, struct tt_error *err)
{
	return tt_http_fetch_via(url, NULL, out, max_bytes, err);
}

int tt_http_fetch_via(const char *url, const struct tt_http_transport *t, struct tt_buf *out,
		      long max_bytes, struct tt_error *err)
{
	if (!tt_feed_is_url(url))
		return tt_error_set(err, -EPROTONOSUPPORT,
				    "cannot fetch %s: only http://, https:// and file:// URLs",
				    url ? url : "(null)");
	int r = tt_curl_load(err);
	if (r < 0)
		return tt_error_prefix(err, "cannot fetch %s: ", url);
	CURL *c = curl_easy_init();
	if (!c)
		return tt_error_set(err, -ENOMEM, "cannot fetch %s: curl_easy_init failed", url);
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink s = {out, out->len,
			 max_bytes > 0 ? (size_t)max_bytes : TT_FETCH_DEFAULT_MAX_BYTES, false};
	set_options(c, url, &s, errbuf);
	if (t && t->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, t->proxy);
	if (t && t->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, t->ca_file);
	CURLcode rc = curl_easy_perform(c);
	r = fetch_result(c, rc, url, &s, errbuf, err);
	curl_easy_cleanup(c);
	/* On failure out holds what it held before: no half page of an error body. */
	if (r) {
		out->len = s.start;
		if (out->buf)
			out->buf[out->len] = '\0';
	} else {
		tt_buf_grow(out, 0);
	}
	return r;
}

int tt_feed_load_source(const char *file_or_url, struct tt_buf *out, struct tt_error *err)
{
	if (tt_feed_is_url(file_or_url))
		return tt_http_fetch(file_or_url, out, 0, err);
	struct stat st;
	if (stat(file_or_url, &st) == 0 && S_ISDIR(st.st_mode))
		return tt_error_set(err, -EISDIR, "%s is a directory, not a feed file",
				    file_or_url);
	char *text;
	size_t len;
	int rc = tt_read_file(file_or_url, &text, &len, err);
	if (rc)
		return rc;
	if (out->buf) {
		tt_buf_add(out, text, len);
		free(text);
	} else {
		/* Adopt the allocation (it holds len + 1 bytes): no copy of a large feed. */
		*out = (struct tt_buf){text, len, len + 1};
	}
	return 0;
}
