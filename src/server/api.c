// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The routes of the fleet API (docs/fleet-api.md): parse and validate the
 * body, check the caller, call the service, shape the answer. Nothing here
 * touches the store but through the service and fleet-store functions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "pipeline_api.h"
#include "tuxtape/util.h"

unsigned tt_api_status_of(int code)
{
	switch (code) {
	case -EINVAL:
		return 400;
	case -EACCES:
		return 401;
	case -EPERM:
		return 403;
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -EALREADY:
		return 409;
	case -EFBIG:
		return 413;
	default:
		return 500;
	}
}

static const char *error_code_name(unsigned status)
{
	switch (status) {
	case 400:
		return "bad_request";
	case 401:
		return "unauthorized";
	case 403:
		return "forbidden";
	case 404:
		return "not_found";
	case 405:
		return "method_not_allowed";
	case 409:
		return "conflict";
	case 413:
		return "too_large";
	default:
		return "internal";
	}
}

json_t *tt_api_error_body(unsigned status, const char *message)
{
	return json_pack("{s:{s:s, s:s}}", "error", "code", error_code_name(status), "message",
			 message);
}

static void fail(struct tt_api_response *res, unsigned status, const char *message)
{
	res->status = status;
	res->body = tt_api_error_body(status, message);
}

/* A service error: 500s do not show the store's message to the client (it may name paths). */
static void fail_with(struct tt_api_response *res, int code, const struct tt_error *err)
{
	unsigned status = tt_api_status_of(code);
	fail(res, status, status == 500 ? "the store failed; nothing was changed" : err->msg);
}

static void answer(struct tt_api_response *res, unsigned status, json_t *body)
{
	res->status = status;
	res->body = body;
}

/* The body as a JSON object; an empty body reads as {} when allow_empty. NULL: res filled. */
static json_t *body_json(const struct tt_api_request *req, bool allow_empty,
			 struct tt_api_response *res)
{
	if (req->body_len == 0 && allow_empty)
		return json_object();
	json_error_t jerr;
	json_t *v =
	    json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		char msg[300];
		snprintf(msg, sizeof(msg), "malformed JSON at line %d, column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		fail(res, 400, msg);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		fail(res, 400, "the body is not a JSON object");
		return NULL;
	}
	return v;
}

/* Check the operator; NULL with res filled when refused. The actor is malloc'd. */
static char *operator(struct tt_fleet_db *db, const struct tt_api_request *req, enum tt_role need,
		      struct tt_api_response *res)
{
	struct tt_error err = {0};
	char *actor = NULL;
	int r = tt_fleet_operator_auth(db, req->bearer, need, &actor, &err);
	if (r < 0)
		fail_with(res, r, &err);
	return actor;
}

static void route_enroll(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			 const struct tt_api_request *req, struct tt_api_response *res)
{
	json_t *body = body_json(req, false, res);
	if (!body)
		return;
	struct tt_enroll_req er;
	struct tt_error err = {0};
	json_t *out = NULL;
	int r = tt_enroll_req_parse(body, &er, &err);
	if (r == 0)
		r = tt_fleet_enroll(db, cfg, &er, &out, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 201, out);
	json_decref(body);
}

static void route_heartbeat(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			    const struct tt_api_request *req, struct tt_api_response *res)
{
	json_t *body = body_json(req, false, res);
	if (!body)
		return;
	struct tt_heartbeat_req hb;
	struct tt_error err = {0};
	json_t *out = NULL;
	int r = tt_heartbeat_req_parse(body, &hb, &err);
	if (r == 0) {
		r = tt_fleet_heartbeat(db, cfg, req->bearer, &hb, &out, &err);
		tt_heartbeat_req_free(&hb);
	}
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200, out);
	json_decref(body);
}

static void route_report(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			 const struct tt_api_request *req, struct tt_api_response *res)
{
	json_t *body = body_json(req, false, res);
	if (!body)
		return;
	struct tt_report_req rr;
	struct tt_error err = {0};
	int64_t id = 0;
	int r = tt_report_req_parse(body, &rr, &err);
	if (r == 0) {
		r = tt_fleet_report(db, cfg, req->bearer, &rr, &id, &err);
		tt_report_req_free(&rr);
	}
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 201, json_pack("{s:I}", "id", (json_int_t)id));
	json_decref(body);
}

static void route_hosts(struct tt_fleet_db *db, const struct tt_api_request *req,
			const char *host_id, struct tt_api_response *res)
{
	_cleanup_free_ char *actor = operator(db, req, TT_ROLE_VIEWER, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	json_t *hosts = NULL;
	int r = tt_fleet_hosts_json(db, host_id, &hosts, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else if (!host_id)
		answer(res, 200, json_pack("{s:o}", "hosts", hosts));
	else if (json_array_size(hosts) == 0)
		fail(res, 404, "no such host");
	else
		answer(res, 200, json_incref(json_array_get(hosts, 0)));
	if (host_id)
		json_decref(hosts);
}

static void route_reports(struct tt_fleet_db *db, const struct tt_api_request *req,
			  struct tt_api_response *res)
{
	_cleanup_free_ char *actor = operator(db, req, TT_ROLE_VIEWER, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	json_t *reports = NULL;
	int r = tt_fleet_reports_json(db, req->query(req->query_ctx, "patch"),
				      req->query(req->query_ctx, "host"), &reports, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200, json_pack("{s:o}", "reports", reports));
}

static void route_enrollment_tokens(struct tt_fleet_db *db, const struct tt_api_request *req,
				    struct tt_api_response *res)
{
	_cleanup_free_ char *actor = operator(db, req, TT_ROLE_ADMIN, res);
	if (!actor)
		return;
	json_t *body = body_json(req, true, res);
	if (!body)
		return;
	struct tt_enroll_token_req et;
	struct tt_error err = {0};
	char *token = NULL;
	int r = tt_enroll_token_req_parse(body, &et, &err);
	if (r == 0)
		r = tt_fleet_create_enroll_token(db, actor, &et, &token, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 201, json_pack("{s:s%}", "token", token, strlen(token)));
	free(token);
	json_decref(body);
}

static void route_operator_tokens(struct tt_fleet_db *db, const struct tt_api_request *req,
				  const char *id, struct tt_api_response *res)
{
	_cleanup_free_ char *actor = operator(db, req, TT_ROLE_ADMIN, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	int r;
	if (id) {
		r = tt_fleet_revoke_operator(db, actor, id, &err);
		if (r < 0)
			fail_with(res, r, &err);
		else
			answer(res, 200, json_pack("{s:s, s:b}", "id", id, "revoked", 1));
		return;
	}
	if (strcmp(req->method, "GET") == 0) {
		json_t *list = NULL;
		r = tt_fleet_operators_json(db, &list, &err);
		if (r < 0)
			fail_with(res, r, &err);
		else
			answer(res, 200, json_pack("{s:o}", "operator_tokens", list));
		return;
	}
	json_t *body = body_json(req, false, res);
	if (!body)
		return;
	struct tt_operator_token_req ot;
	char *token = NULL, *token_id = NULL;
	r = tt_operator_token_req_parse(body, &ot, &err);
	if (r == 0)
		r = tt_fleet_create_operator(db, actor, &ot, &token, &token_id, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 201,
		       json_pack("{s:s, s:s, s:s, s:s}", "token", token, "id", token_id, "name",
				 ot.name, "role", tt_role_name(ot.role)));
	free(token);
	free(token_id);
	json_decref(body);
}

static void route_tiers(struct tt_fleet_db *db, const struct tt_api_request *req,
			struct tt_api_response *res)
{
	bool put = strcmp(req->method, "PUT") == 0;
	_cleanup_free_ char *actor = operator(db, req, put ? TT_ROLE_ADMIN : TT_ROLE_VIEWER, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	struct tt_tiers tiers = {0};
	int r;
	if (put) {
		json_t *body = body_json(req, false, res);
		if (!body)
			return;
		r = tt_tiers_from_json(json_object_get(body, "tiers"), &tiers, &err);
		if (r == 0)
			r = tt_fleet_put_tiers(db, actor, &tiers, &err);
		json_decref(body);
	} else {
		r = tt_fleet_tiers_get(db, &tiers, &err);
	}
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200, json_pack("{s:o}", "tiers", tt_tiers_to_json(&tiers)));
	tt_tiers_free(&tiers);
}

static void route_release_create(struct tt_fleet_db *db, const struct tt_api_request *req,
				 struct tt_api_response *res)
{
	_cleanup_free_ char *actor = operator(db, req, TT_ROLE_REVIEWER, res);
	if (!actor)
		return;
	json_t *body = body_json(req, false, res);
	if (!body)
		return;
	struct tt_release_req rr;
	struct tt_error err = {0};
	int64_t id = 0;
	int r = tt_release_req_parse(body, &rr, &err);
	if (r == 0)
		r = tt_fleet_create_release(db, actor, &rr, &id, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 201, json_pack("{s:I}", "id", (json_int_t)id));
	json_decref(body);
}

static void route_release_list(struct tt_fleet_db *db, const struct tt_api_request *req,
			       struct tt_api_response *res)
{
	_cleanup_free_ char *actor = operator(db, req, TT_ROLE_VIEWER, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	json_t *list = NULL;
	int r = tt_fleet_releases_json(db, &list, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200, json_pack("{s:o}", "releases", list));
}

/* "12/promote" -> 12 and "promote"; false when the path is not that shape. */
static bool release_action(const char *rest, int64_t *id, const char **action)
{
	char *end;
	long long v = strtoll(rest, &end, 10);
	if (end == rest || v <= 0 || *end != '/')
		return false;
	*id = v;
	*action = end + 1;
	return true;
}

static void route_release_action(struct tt_fleet_db *db, const struct tt_api_request *req,
				 const char *rest, struct tt_api_response *res)
{
	int64_t id;
	const char *action;
	if (!release_action(rest, &id, &action) ||
	    (strcmp(action, "promote") != 0 && strcmp(action, "stop") != 0))
		return fail(res, 404, "unknown path");
	if (strcmp(req->method, "POST") != 0)
		return fail(res, 405, "use POST");
	_cleanup_free_ char *actor = operator(db, req, TT_ROLE_REVIEWER, res);
	if (!actor)
		return;
	struct tt_error err = {0};
	json_t *out = NULL;
	int r;
	if (strcmp(action, "promote") == 0) {
		r = tt_fleet_promote_release(db, actor, id, &out, &err);
	} else {
		r = tt_fleet_stop_release(db, actor, id, &err);
		out = r == 0 ? json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "stopped")
			     : NULL;
	}
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200, out);
}

static void route_audit(struct tt_fleet_db *db, const struct tt_api_request *req,
			struct tt_api_response *res)
{
	_cleanup_free_ char *actor = operator(db, req, TT_ROLE_ADMIN, res);
	if (!actor)
		return;
	const char *limit = req->query(req->query_ctx, "limit");
	struct tt_error err = {0};
	json_t *list = NULL;
	int r = tt_fleet_audit_json(db, limit ? atol(limit) : 0, &list, &err);
	if (r < 0)
		fail_with(res, r, &err);
	else
		answer(res, 200, json_pack("{s:o}", "audit", list));
}

static bool is(const struct tt_api_request *req, const char *method, const char *path)
{
	return strcmp(req->path, path) == 0 && strcmp(req->method, method) == 0;
}

/* "PREFIX/rest" -> rest (non-empty, one segment when single), else NULL. */
static const char *below(const char *path, const char *prefix, bool single)
{
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0 || path[n] != '/' || !path[n + 1])
		return NULL;
	return single && strchr(path + n + 1, '/') ? NULL : path + n + 1;
}

static bool route_host_api(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
			   const struct tt_api_request *req, struct tt_api_response *res)
{
	if (is(req, "POST", "enroll"))
		route_enroll(db, cfg, req, res);
	else if (is(req, "POST", "heartbeat"))
		route_heartbeat(db, cfg, req, res);
	else if (is(req, "POST", "report"))
		route_report(db, cfg, req, res);
	else
		return false;
	return true;
}

static bool route_operator_api(struct tt_fleet_db *db, const struct tt_api_request *req,
			       struct tt_api_response *res)
{
	const char *rest;
	if (is(req, "GET", "hosts"))
		route_hosts(db, req, NULL, res);
	else if (strcmp(req->method, "GET") == 0 && (rest = below(req->path, "hosts", true)))
		route_hosts(db, req, rest, res);
	else if (is(req, "GET", "reports"))
		route_reports(db, req, res);
	else if (is(req, "POST", "enrollment-tokens"))
		route_enrollment_tokens(db, req, res);
	else if (is(req, "POST", "operator-tokens") || is(req, "GET", "operator-tokens"))
		route_operator_tokens(db, req, NULL, res);
	else if (strcmp(req->method, "DELETE") == 0 &&
		 (rest = below(req->path, "operator-tokens", true)))
		route_operator_tokens(db, req, rest, res);
	else if (is(req, "GET", "tiers") || is(req, "PUT", "tiers"))
		route_tiers(db, req, res);
	else if (is(req, "POST", "releases"))
		route_release_create(db, req, res);
	else if (is(req, "GET", "releases"))
		route_release_list(db, req, res);
	else if ((rest = below(req->path, "releases", false)))
		route_release_action(db, req, rest, res);
	else if (is(req, "GET", "audit"))
		route_audit(db, req, res);
	else
		return false;
	return true;
}

static const char *const known_paths[] = {
    "enroll",	       "heartbeat", "report",	"hosts", "reports", "enrollment-tokens",
    "operator-tokens", "tiers",	    "releases", "audit", NULL};

void tt_api_handle(struct tt_fleet_db *db, const struct tt_fleet_config *cfg,
		   const struct tt_api_request *req, struct tt_api_response *res)
{
	res->status = 0;
	res->body = NULL;
	if (tt_pipeline_api_route(db, cfg, req, res) || route_host_api(db, cfg, req, res) ||
	    route_operator_api(db, req, res))
		return;
	for (int i = 0; known_paths[i]; i++)
		if (strcmp(req->path, known_paths[i]) == 0)
			return fail(res, 405, "method not allowed on this path");
	fail(res, 404, "unknown path");
}
