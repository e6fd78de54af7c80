// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The job source over `tuxtape serve` (docs/fleet-api.md, "Build jobs"): a
 * worker on a machine without access to the database claims and reports
 * through the server, which runs the same store calls the local source
 * runs. Built modules are uploaded in pieces that fit the server's body
 * limit, then the build's report names their SHA-256 and the server checks
 * it against what arrived.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/curl_api.h"
#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

/* Under the server's 64 KiB body limit, with room to spare. */
#define UPLOAD_PIECE (60 * 1024)
/* A log's tail as sent: the JSON escaping of quotes can double it. */
#define LOG_EXCERPT	  (24 * 1024)
#define REQUEST_TIMEOUT_S 120L

struct http_source {
	struct tt_job_source src; /* first: the public part */
	CURL *curl;
	char *base;   /* "https://server:8443/api/v1/" */
	char *bearer; /* "Authorization: Bearer TOKEN" */
	char *label;  /* this worker's own name, sent with each call */
};

static size_t keep_reply(char *data, size_t size, size_t n, void *ctx)
{
	tt_buf_add(ctx, data, size * n);
	return size * n;
}

/* The error the server gave in its {"error": {...}} body, or the status. */
static int http_error(long status, const struct tt_buf *reply, const char *what,
		      struct tt_error *err)
{
	json_t *body = json_loadb(tt_buf_str(reply), reply->len, 0, NULL);
	const char *msg =
	    json_string_value(json_object_get(json_object_get(body, "error"), "message"));
	int code = status == 409 ? -ESTALE : status >= 500 ? -EIO : -EINVAL;
	tt_error_set(err, code, "%s: the server answered %ld%s%s", what, status, msg ? ": " : "",
		     msg ? msg : "");
	json_decref(body);
	return code;
}

/*
 * One request: method to base + path with the body (content_type); *out
 * receives the answer's JSON object on 2xx (may be NULL to ignore it).
 */
static int request(struct http_source *h, const char *method, const char *path, const void *body,
		   size_t len, const char *content_type, json_t **out, struct tt_error *err)
{
	_cleanup_free_ char *url = tt_xasprintf("%s%s", h->base, path);
	_cleanup_free_ char *type = tt_xasprintf("Content-Type: %s", content_type);
	struct curl_slist *headers = curl_slist_append(NULL, h->bearer);
	headers = curl_slist_append(headers, type);
	struct tt_buf reply = TT_BUF_INIT;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = h->curl;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode cr = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	int r = 0;
	if (cr != CURLE_OK)
		r = tt_error_set(err, -EIO, "%s %s: %s", method, url,
				 errbuf[0] ? errbuf : curl_easy_strerror(cr));
	else if (status < 200 || status > 299)
		r = http_error(status, &reply, path, err);
	else if (out && !(*out = json_loadb(tt_buf_str(&reply), reply.len, 0, NULL)))
		r = tt_error_set(err, -EIO, "%s: the server's answer is not JSON", path);
	tt_buf_free(&reply);
	return r;
}

static int post_json(struct http_source *h, const char *path, json_t *body, json_t **out,
		     struct tt_error *err)
{
	_cleanup_free_ char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!text)
		return tt_error_set(err, -EINVAL, "%s: the request could not be encoded", path);
	return request(h, "POST", path, text, strlen(text), "application/json", out, err);
}

/* ---- claim ---- */

static char *string_field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return tt_xstrdup(s ? s : "");
}

static int job_from_json(const json_t *o, struct tt_job *job, struct tt_error *err)
{
	job->id = json_integer_value(json_object_get(o, "id"));
	job->attempt = (int)json_integer_value(json_object_get(o, "attempt"));
	job->rev = (long)json_integer_value(json_object_get(o, "rev"));
	job->lease_expires = json_integer_value(json_object_get(o, "lease_expires"));
	job->worker = string_field(o, "worker");
	job->cve_id = string_field(o, "cve");
	job->kernel = string_field(o, "kernel");
	job->patch_text = string_field(o, "patch_text");
	if (job->id <= 0 || job->attempt <= 0 || !job->cve_id[0] || !job->kernel[0])
		return tt_error_set(err, -EIO, "jobs/claim: the server's job lacks a field");
	return 0;
}

static int http_claim(void *ctx, const char *worker, struct tt_job *job, bool *got,
		      struct tt_error *err)
{
	struct http_source *h = ctx;
	json_t *out = NULL;
	memset(job, 0, sizeof(*job));
	*got = false;
	free(h->label);
	h->label = tt_xstrdup(worker);
	int r = post_json(h, "jobs/claim", json_pack("{s:s}", "worker", worker), &out, err);
	json_t *j = r == 0 ? json_object_get(out, "job") : NULL;
	if (r == 0 && json_is_object(j)) {
		r = job_from_json(j, job, err);
		if (r < 0)
			tt_job_free(job);
		*got = r == 0;
	}
	json_decref(out);
	return r;
}

/* ---- reports ---- */

/* The tail of a log as a JSON string: control bytes and, if need be, non-ASCII become '?'. */
static json_t *log_excerpt(const char *log)
{
	size_t len = log ? strlen(log) : 0;
	const char *p = log ? log : "";
	if (len > LOG_EXCERPT) {
		p += len - LOG_EXCERPT;
		len = LOG_EXCERPT;
		while (len && (*p & 0xc0) == 0x80)
			p++, len--;
	}
	_cleanup_free_ char *copy = tt_xstrndup(p, len);
	for (char *c = copy; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t')
			*c = '?';
	json_t *s = json_string(copy);
	if (s)
		return s;
	for (char *c = copy; *c; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	return json_string(copy);
}

static json_t *result_body(const struct http_source *h, const struct tt_job *job, const char *state,
			   const struct tt_job_report *r)
{
	json_t *body =
	    json_pack("{s:i, s:s, s:s, s:o}", "attempt", job->attempt, "worker",
		      h->label ? h->label : "", "state", state, "log", log_excerpt(r->log));
	if (r->error)
		json_object_set_new(body, "error", log_excerpt(r->error));
	if (r->module_sha256)
		json_object_set_new(body, "module_sha256", json_string(r->module_sha256));
	return body;
}

static int send_result(struct http_source *h, const struct tt_job *job, const char *state,
		       const struct tt_job_report *r, struct tt_error *err)
{
	_cleanup_free_ char *path = tt_xasprintf("jobs/%lld/result", (long long)job->id);
	return post_json(h, path, result_body(h, job, state, r), NULL, err);
}

/* The module, in pieces, each one a PUT that continues where the last stopped. */
static int upload_module(struct http_source *h, const struct tt_job *job, const char *module,
			 struct tt_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = tt_read_file(module, &data, &len, err);
	char *label = curl_easy_escape(h->curl, h->label ? h->label : "", 0);
	for (size_t off = 0; r == 0 && (off < len || off == 0);) {
		size_t n = len - off < UPLOAD_PIECE ? len - off : UPLOAD_PIECE;
		_cleanup_free_ char *path =
		    tt_xasprintf("jobs/%lld/artifact?attempt=%d&offset=%zu&worker=%s",
				 (long long)job->id, job->attempt, off, label);
		r = request(h, "PUT", path, data + off, n, "application/octet-stream", NULL, err);
		off += n;
		if (n == 0)
			break;
	}
	curl_free(label);
	return r;
}

static int http_built(void *ctx, const struct tt_job *job, const struct tt_job_report *r,
		      struct tt_error *err)
{
	struct http_source *h = ctx;
	if (!r->ok)
		return send_result(h, job, "failed", r, err);
	int rc = upload_module(h, job, r->module_path, err);
	return rc < 0 ? rc : send_result(h, job, "built", r, err);
}

static int http_tested(void *ctx, const struct tt_job *job, const struct tt_job_report *r,
		       struct tt_error *err)
{
	return send_result(ctx, job, r->ok ? "passed" : "failed", r, err);
}

static const struct tt_job_source_ops http_ops = {
    .claim = http_claim,
    .built = http_built,
    .tested = http_tested,
};

struct tt_job_source *tt_job_source_http_new(const char *server_url, const char *token,
					     struct tt_error *err)
{
	if (!server_url || strncmp(server_url, "http", 4) != 0) {
		tt_error_set(err, -EINVAL, "--server: an http:// or https:// URL");
		return NULL;
	}
	if (!token || !*token) {
		tt_error_set(err, -EINVAL, "a worker token is needed (--token or TUXTAPE_TOKEN)");
		return NULL;
	}
	if (tt_curl_load(err) < 0)
		return NULL;
	CURL *c = curl_easy_init();
	if (!c) {
		tt_error_set(err, -ENOMEM, "libcurl could not start");
		return NULL;
	}
	struct http_source *h = tt_xcalloc(1, sizeof(*h));
	size_t n = strlen(server_url);
	h->src.ops = &http_ops;
	h->src.ctx = h;
	h->curl = c;
	h->base = tt_xasprintf("%s%sapi/v1/", server_url, n && server_url[n - 1] == '/' ? "" : "/");
	h->bearer = tt_xasprintf("Authorization: Bearer %s", token);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tuxtape-worker/" TT_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	return &h->src;
}

void tt_job_source_http_free(struct tt_job_source *src)
{
	if (!src)
		return;
	struct http_source *h = src->ctx;
	curl_easy_cleanup(h->curl);
	free(h->base);
	if (h->bearer)
		memset(h->bearer, 0, strlen(h->bearer));
	free(h->bearer);
	free(h->label);
	free(h);
}
