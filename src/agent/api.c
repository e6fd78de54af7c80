// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fleet API (docs/fleet-api.md) as the agent speaks it: JSON POSTs with a
 * bearer token, over libcurl with the configured proxy and CA bundle. The
 * host's secret lives in DIR/credentials.json, readable by root only.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/curl_api.h"
#include "tuxtape/agent.h"

#define API_REPLY_MAX (1024 * 1024) /* a heartbeat answer is a few KiB */

int tt_agent_credentials_load(const char *state_dir, struct tt_agent_credentials *c,
			      struct tt_error *err)
{
	memset(c, 0, sizeof(*c));
	_cleanup_free_ char *path = tt_xasprintf("%s/credentials.json", state_dir);
	if (!tt_path_exists(path))
		return tt_error_set(err, -ENOENT, "not enrolled: no %s (run tuxtape-agent enroll)",
				    path);
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	const char *server = NULL, *host_id = NULL, *secret = NULL;
	if (!root || json_unpack(root, "{s:s, s:s, s:s}", "server", &server, "host_id", &host_id,
				 "secret", &secret) != 0) {
		json_decref(root);
		return tt_error_set(err, -EINVAL, "%s: not {server, host_id, secret}", path);
	}
	c->server = tt_xstrdup(server);
	c->host_id = tt_xstrdup(host_id);
	c->secret = tt_xstrdup(secret);
	json_decref(root);
	return 0;
}

int tt_agent_credentials_save(const char *state_dir, const struct tt_agent_credentials *c,
			      struct tt_error *err)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/credentials.json", state_dir);
	json_t *root = json_pack("{s:s, s:s, s:s}", "server", c->server, "host_id", c->host_id,
				 "secret", c->secret);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	int rc = tt_write_file_atomic(path, text, strlen(text), err);
	free(text);
	/* The secret is the host's identity: root only. */
	if (rc == 0 && chmod(path, 0600) != 0)
		rc = tt_error_set(err, -errno, "chmod %s: %s", path, strerror(errno));
	return rc;
}

void tt_agent_credentials_free(struct tt_agent_credentials *c)
{
	free(c->server);
	free(c->host_id);
	free(c->secret);
	memset(c, 0, sizeof(*c));
}

static size_t reply_cb(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct tt_buf *b = ctx;
	size_t n = size * nmemb;
	if (b->len + n > API_REPLY_MAX)
		return 0;
	tt_buf_add(b, data, n);
	return n;
}

static void api_options(CURL *c, const struct tt_agent_config *cfg, const char *url,
			struct curl_slist *headers, const char *body, struct tt_buf *reply,
			char *errbuf)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reply_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tuxtape-agent/" TT_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(cfg->http_timeout * 1000));
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	if (cfg->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, cfg->proxy);
	if (cfg->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
}

/* The server's {"error": {"message"}} when it sent one, else the status. */
static int api_http_error(long status, const char *url, const struct tt_buf *reply,
			  struct tt_error *err)
{
	json_t *j = json_loads(tt_buf_str(reply), 0, NULL);
	const char *msg =
	    json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	int code = status == 401 || status == 403 ? -EACCES : status == 404 ? -ENOENT : -EIO;
	tt_error_set(err, code, "%s: HTTP %ld%s%s", url, status, msg ? ": " : "", msg ? msg : "");
	json_decref(j);
	return code;
}

static int api_parse_reply(const struct tt_buf *reply, const char *url, json_t **out,
			   struct tt_error *err)
{
	json_error_t jerr;
	json_t *j = json_loads(tt_buf_str(reply), 0, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		return tt_error_set(err, -EPROTO, "%s: the answer is not a JSON object", url);
	}
	*out = j;
	return 0;
}

int tt_agent_api_post(const struct tt_agent_config *cfg, const char *server, const char *token,
		      const char *path, const json_t *body, long *status, json_t **reply,
		      struct tt_error *err)
{
	if (reply)
		*reply = NULL;
	int r = tt_curl_load(err);
	if (r < 0)
		return r;
	size_t n = strlen(server);
	_cleanup_free_ char *url =
	    tt_xasprintf("%s%sapi/v1/%s", server, n && server[n - 1] == '/' ? "" : "/", path);
	_cleanup_free_ char *text = json_dumps(body, JSON_COMPACT);
	_cleanup_free_ char *auth = token ? tt_xasprintf("Authorization: Bearer %s", token) : NULL;
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (auth)
		headers = curl_slist_append(headers, auth);
	CURL *c = curl_easy_init();
	if (!c || !headers || !text) {
		curl_slist_free_all(headers);
		curl_easy_cleanup(c);
		return tt_error_set(err, -ENOMEM, "%s: cannot set up the request", url);
	}
	struct tt_buf b = TT_BUF_INIT;
	char errbuf[CURL_ERROR_SIZE] = "";
	api_options(c, cfg, url, headers, text, &b, errbuf);
	CURLcode cc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	if (status)
		*status = code;
	int rc = 0;
	if (cc != CURLE_OK)
		rc = tt_error_set(err, -EHOSTUNREACH, "%s: %s", url,
				  errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if (code >= 400)
		rc = api_http_error(code, url, &b, err);
	else if (reply)
		rc = api_parse_reply(&b, url, reply, err);
	tt_buf_free(&b);
	return rc;
}
