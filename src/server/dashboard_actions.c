// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dashboard's forms: upload a deployable patch (and queue its builds),
 * approve a tested job (and publish it to the first tier), promote or stop
 * a release. The router has checked the CSRF token; each action checks the
 * role, and the store's own policy (tt_approval_check) has the last word on
 * who may approve. Every change is audited under the operator's name.
 */
#include <errno.h>
#include <string.h>

#include "dashboard.h"
#include "http.h"
#include "service.h"
#include "tuxtape/pipeline.h"

#define KERNELS_MAX 32

static bool allowed(struct dash_request *rq, struct dash_response *res, enum tt_role role)
{
	if (tt_role_allows(rq->user.role, role))
		return true;
	dash_error_page(res, rq, 403, "Your role may not do this.");
	return false;
}

static char *actor_of(const struct dash_request *rq)
{
	return tt_xasprintf("operator:%s", rq->user.name);
}

static void audit(struct dash_request *rq, const char *action, const char *object, json_t *detail)
{
	struct tt_error err = {0};
	_cleanup_free_ char *actor = actor_of(rq);
	if (tt_fleet_db_begin(rq->db, &err) == 0)
		tt_fleet_finish(
		    rq->db,
		    tt_fleet_audit(rq->db, tt_fleet_now(), actor, action, object, detail, &err),
		    &err);
	json_decref(detail);
}

static bool kernel_name_ok(const char *k)
{
	if (!*k || strlen(k) > 128)
		return false;
	for (const char *p = k; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+",
			    *p))
			return false;
	return true;
}

/* The space-separated kernels of the form; -EINVAL names a bad one. */
static int split_kernels(const char *text, struct tt_strv *out, struct tt_error *err)
{
	_cleanup_free_ char *copy = tt_xstrdup(text ? text : "");
	char *save = NULL;
	for (char *k = strtok_r(copy, " \t\r\n,", &save); k;
	     k = strtok_r(NULL, " \t\r\n,", &save)) {
		if (!kernel_name_ok(k))
			return tt_error_set(err, -EINVAL, "'%s' is not a kernel release", k);
		tt_strv_push(out, k);
	}
	if (out->n > KERNELS_MAX)
		return tt_error_set(err, -EINVAL, "at most %d kernels at a time", KERNELS_MAX);
	tt_strv_sort_unique(out);
	return 0;
}

/* Browsers send a text area's lines ended by CR LF; a patch wants LF. In place. */
static void lf_line_ends(char *text)
{
	char *out = text;
	for (const char *p = text; *p; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			*out++ = *p;
	*out = '\0';
}

static int revise(struct dash_request *rq, const char *cve_id, const char *text,
		  const char *message, const struct tt_strv *kernels, json_t *jobs,
		  struct tt_patch_revision *rev, struct tt_error *err)
{
	int64_t now = tt_fleet_now();
	int r = tt_store_revision_add(dash_store(rq), cve_id, rq->user.name, message, text, now,
				      rev, err);
	for (size_t i = 0; r == 0 && i < kernels->n; i++) {
		int64_t id;
		r = tt_store_job_enqueue(dash_store(rq), cve_id, rev->rev, kernels->v[i], now, &id,
					 err);
		if (r == 0)
			json_array_append_new(jobs, json_integer(id));
	}
	return r;
}

void dash_action_revise(struct dash_request *rq, struct dash_response *res, const char *cve_id)
{
	if (!allowed(rq, res, TT_ROLE_REVIEWER))
		return;
	if (!tt_cve_id_valid(cve_id))
		return dash_error_page(res, rq, 404, "That is not a CVE id.");
	_cleanup_free_ char *text = dash_form_value(rq->body, rq->body_len, "text");
	_cleanup_free_ char *message = dash_form_value(rq->body, rq->body_len, "message");
	_cleanup_free_ char *kernel_text = dash_form_value(rq->body, rq->body_len, "kernels");
	if (!text || !*text)
		return dash_error_page(res, rq, 400, "The patch text is empty.");
	lf_line_ends(text);
	struct tt_strv kernels = {0};
	struct tt_patch_revision rev = {0};
	struct tt_error err = {0};
	json_t *jobs = json_array();
	int r = split_kernels(kernel_text, &kernels, &err);
	if (r == 0)
		r = revise(rq, cve_id, text,
			   message && *message ? message : "uploaded in the dashboard", &kernels,
			   jobs, &rev, &err);
	tt_strv_free(&kernels);
	if (r < 0) {
		json_decref(jobs);
		tt_patch_revision_free(&rev);
		return dash_error_page(res, rq, tt_api_status_of(r), err.msg);
	}
	audit(rq, "patch.revise", cve_id,
	      json_pack("{s:I, s:s, s:o}", "rev", (json_int_t)rev.rev, "sha256", rev.sha256, "jobs",
			jobs));
	tt_patch_revision_free(&rev);
	struct tt_buf where = {0};
	tt_buf_adds(&where, "/ui/cve/");
	dash_url(&where, cve_id);
	dash_redirect(res, "%s", tt_buf_str(&where));
	tt_buf_free(&where);
}

struct approved {
	char *cve_id, *kernel, *sha256;
	long rev;
};

static int keep_approved(void *ctx, const struct tt_job_info *j)
{
	struct approved *a = ctx;
	a->cve_id = tt_xstrdup(j->cve_id);
	a->kernel = tt_xstrdup(j->kernel);
	a->sha256 = tt_xstrdup(j->module_sha256 ? j->module_sha256 : "");
	a->rev = j->rev;
	return 0;
}

static void approved_free(struct approved *a)
{
	free(a->cve_id);
	free(a->kernel);
	free(a->sha256);
}

/* A release of the approved module in the first tier (the canary hosts). */
static int publish(struct dash_request *rq, const struct approved *a, int64_t *release,
		   struct tt_error *err)
{
	struct tt_tiers tiers = {0};
	int r = tt_fleet_tiers_get(rq->db, &tiers, err);
	if (r == 0 && tiers.n == 0)
		r = tt_error_set(err, -ENOENT, "no rollout tier to publish to");
	_cleanup_free_ char *name = tt_job_module_name(a->cve_id, a->rev);
	_cleanup_free_ char *target = tt_xasprintf("%s/%s.ko", a->kernel, name);
	_cleanup_free_ char *actor = actor_of(rq);
	struct tt_release_req req = {
	    .patch = name,
	    .target = target,
	    .sha256 = a->sha256,
	    .kernel_release = a->kernel,
	    .kernel_build_id = "",
	    .tier = r == 0 ? tiers.v[0].name : NULL,
	};
	if (r == 0)
		r = tt_fleet_create_release(rq->db, actor, &req, release, err);
	tt_tiers_free(&tiers);
	return r;
}

void dash_action_approve(struct dash_request *rq, struct dash_response *res, int64_t job_id)
{
	if (!allowed(rq, res, TT_ROLE_REVIEWER))
		return;
	struct tt_error err = {0};
	struct approved a = {0};
	int64_t release = 0;
	int r = tt_store_job_approve(dash_store(rq), job_id, rq->user.name, tt_fleet_now(), &err);
	if (r == 0)
		r = tt_store_job_get(dash_store(rq), job_id, keep_approved, &a, &err);
	if (r == 0)
		audit(rq, "patch.approve", a.cve_id,
		      json_pack("{s:I, s:I}", "job", (json_int_t)job_id, "rev", (json_int_t)a.rev));
	if (r == 0)
		r = publish(rq, &a, &release, &err);
	approved_free(&a);
	if (r < 0)
		return dash_error_page(res, rq, tt_api_status_of(r), err.msg);
	dash_redirect(res, "/ui/rollouts");
}

void dash_action_release(struct dash_request *rq, struct dash_response *res, int64_t id,
			 const char *action)
{
	if (!allowed(rq, res, TT_ROLE_REVIEWER))
		return;
	_cleanup_free_ char *actor = actor_of(rq);
	struct tt_error err = {0};
	json_t *out = NULL;
	int r = strcmp(action, "promote") == 0
		    ? tt_fleet_promote_release(rq->db, actor, id, &out, &err)
		    : tt_fleet_stop_release(rq->db, actor, id, &err);
	json_decref(out);
	if (r < 0)
		return dash_error_page(res, rq, tt_api_status_of(r), err.msg);
	dash_redirect(res, "/ui/rollouts");
}
