// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dashboard's HTTP side: turn a libmicrohttpd request into a
 * dash_request, route it, and send the answer with the headers every page
 * needs (a strict Content-Security-Policy: no inline script, nothing from
 * elsewhere; no caching; no framing).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../store/server_db.h"
#include "dashboard.h"
#include "tuxtape/cve.h"

#define UI_PREFIX "/ui/"

static const char content_security_policy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

struct tt_dashboard *tt_dashboard_new(bool secure)
{
	struct tt_dashboard *d = tt_xcalloc(1, sizeof(*d));
	d->secure = secure;
	dash_sessions_init(&d->sessions);
	dash_cache_init(&d->cache);
	return d;
}

void tt_dashboard_free(struct tt_dashboard *d)
{
	if (!d)
		return;
	dash_sessions_destroy(&d->sessions);
	dash_cache_destroy(&d->cache);
	free(d);
}

bool tt_dashboard_owns(const char *url)
{
	return strcmp(url, "/") == 0 || strcmp(url, "/ui") == 0 ||
	       strncmp(url, UI_PREFIX, strlen(UI_PREFIX)) == 0;
}

struct tt_store *dash_store(struct dash_request *rq)
{
	/* The fleet connection wraps a whole store: the pipeline's tables are in it too. */
	return rq->db->store;
}

int dash_query_rows(struct dash_request *rq, const char *sql, const char *const *binds,
		    const char *const *keys, const char *types, json_t **out, struct tt_error *err)
{
	return tt_fleet_query_json(rq->db, sql, binds, keys, types, out, err);
}

const char *dash_query(const struct dash_request *rq, const char *key)
{
	const char *v = MHD_lookup_connection_value(rq->c, MHD_GET_ARGUMENT_KIND, key);
	return v && *v ? v : NULL;
}

/* "12" or "12/approve" -> 12 and the rest; false when not a positive id. */
static bool id_and_rest(const char *s, int64_t *id, const char **rest)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (end == s || v <= 0 || (*end && *end != '/'))
		return false;
	*id = v;
	*rest = *end ? end + 1 : "";
	return true;
}

/* "CVE-2024-1/revise" -> a copy of "CVE-2024-1" and "revise". */
static char *segment(const char *s, const char **rest)
{
	size_t n = strcspn(s, "/");
	*rest = s[n] ? s + n + 1 : "";
	return tt_xstrndup(s, n);
}

static bool is_get(const struct dash_request *rq)
{
	return strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
}

/* The CVE search box: "/ui/cve?id=cve-2024-1 " -> /ui/cve/CVE-2024-1. */
static void open_cve(struct dash_request *rq, struct dash_response *res)
{
	const char *given = dash_query(rq, "id");
	char id[TT_CVE_ID_MAX];
	size_t n = 0;
	for (const char *p = given ? given : ""; *p && n + 1 < sizeof(id); p++)
		if (*p != ' ')
			id[n++] = (char)toupper((unsigned char)*p);
	id[n] = '\0';
	if (!tt_cve_id_valid(id))
		return dash_error_page(res, rq, 404, "That is not a CVE id (CVE-YEAR-NUMBER).");
	dash_redirect(res, "/ui/cve/%s", id);
}

static void route_get(struct dash_request *rq, struct dash_response *res)
{
	const char *p = rq->path, *rest;
	int64_t id;
	if (strcmp(p, "") == 0)
		dash_page_fleet(rq, res);
	else if (strcmp(p, "exposure") == 0)
		dash_page_exposure_index(rq, res);
	else if (strncmp(p, "exposure/", 9) == 0 && p[9])
		dash_page_exposure(rq, res, p + 9);
	else if (strcmp(p, "cve") == 0)
		open_cve(rq, res);
	else if (strncmp(p, "cve/", 4) == 0 && p[4] && !strchr(p + 4, '/'))
		dash_page_cve(rq, res, p + 4);
	else if (strcmp(p, "pipeline") == 0)
		dash_page_pipeline(rq, res);
	else if (strncmp(p, "job/", 4) == 0 && id_and_rest(p + 4, &id, &rest) && !*rest)
		dash_page_job(rq, res, id);
	else if (strcmp(p, "rollouts") == 0)
		dash_page_rollouts(rq, res);
	else if (strcmp(p, "audit") == 0)
		dash_page_audit(rq, res);
	else
		dash_error_page(res, rq, 404, "There is no such page.");
}

static void route_post(struct dash_request *rq, struct dash_response *res)
{
	const char *p = rq->path, *rest;
	int64_t id;
	if (!dash_csrf_ok(rq))
		return dash_error_page(res, rq, 403,
				       "The form's security token is missing or out of date: "
				       "reload the page and try again.");
	if (strcmp(p, "logout") == 0) {
		dash_logout(rq, res);
	} else if (strncmp(p, "cve/", 4) == 0) {
		_cleanup_free_ char *cve = segment(p + 4, &rest);
		if (strcmp(rest, "revise") == 0)
			dash_action_revise(rq, res, cve);
		else
			dash_error_page(res, rq, 404, "There is no such form.");
	} else if (strncmp(p, "job/", 4) == 0 && id_and_rest(p + 4, &id, &rest) &&
		   strcmp(rest, "approve") == 0) {
		dash_action_approve(rq, res, id);
	} else if (strncmp(p, "release/", 8) == 0 && id_and_rest(p + 8, &id, &rest) &&
		   (strcmp(rest, "promote") == 0 || strcmp(rest, "stop") == 0)) {
		dash_action_release(rq, res, id, rest);
	} else {
		dash_error_page(res, rq, 404, "There is no such form.");
	}
}

static void route(struct dash_request *rq, struct dash_response *res)
{
	if (strncmp(rq->path, "static/", 7) == 0) {
		if (!is_get(rq) || !dash_asset(rq->path + 7, res))
			dash_error_page(res, rq, 404, "There is no such file.");
		return;
	}
	if (strcmp(rq->path, "login") == 0) {
		if (is_get(rq))
			return dash_login_page(rq, res, NULL);
		if (strcmp(rq->method, "POST") == 0)
			return dash_login_submit(rq, res);
	}
	if (!dash_session_lookup(rq))
		return dash_redirect(res, "/ui/login");
	if (is_get(rq))
		route_get(rq, res);
	else if (strcmp(rq->method, "POST") == 0)
		route_post(rq, res);
	else
		dash_error_page(res, rq, 405, "Use GET, or POST through a form.");
}

static void add_security_headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", content_security_policy);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result dash_send(struct MHD_Connection *c, struct dash_response *res)
{
	size_t len = res->body.len;
	char *text = tt_buf_detach(&res->body);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text ? text : tt_xstrdup(""),
								 MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				res->content_type ? res->content_type : "text/html; charset=utf-8");
	add_security_headers(r);
	if (res->location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, res->location);
	if (res->set_cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, res->set_cookie);
	enum MHD_Result ok = MHD_queue_response(c, res->status ? res->status : 200, r);
	MHD_destroy_response(r);
	free(res->location);
	free(res->set_cookie);
	return ok;
}

void tt_dashboard_warm(struct tt_dashboard *d, const char *store_location)
{
	dash_cache_warm(&d->cache, store_location);
}

enum MHD_Result tt_dashboard_serve(struct tt_dashboard *d, struct tt_fleet_db *db,
				   struct MHD_Connection *c, const char *method, const char *url,
				   const char *body, size_t body_len)
{
	struct dash_response res = {0};
	if (!tt_dashboard_owns(url) || strncmp(url, UI_PREFIX, strlen(UI_PREFIX)) != 0) {
		dash_redirect(&res, "/ui/");
		return dash_send(c, &res);
	}
	dash_cache_warm(&d->cache, tt_fleet_db_location(db));
	struct dash_request rq = {
	    .d = d,
	    .db = db,
	    .c = c,
	    .method = method,
	    .path = url + strlen(UI_PREFIX),
	    .body = body ? body : "",
	    .body_len = body_len,
	};
	route(&rq, &res);
	return dash_send(c, &res);
}
