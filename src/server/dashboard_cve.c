// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CVE page (the record, its fix commits, its verdict on each kernel,
 * the raw and deployable patches, the jobs that built them, the upload
 * form) and the job page (logs, the approval form).
 */
#include <errno.h>
#include <string.h>

#include "dashboard.h"
#include "tuxtape/pipeline.h"

static void heading(struct tt_buf *b, const char *text)
{
	tt_buf_adds(b, "<h2>");
	dash_html(b, text);
	tt_buf_adds(b, "</h2>\n");
}

static void row(struct tt_buf *b, const char *key, const char *value)
{
	tt_buf_adds(b, "<tr><th>");
	dash_html(b, key);
	tt_buf_adds(b, "</th><td>");
	dash_html(b, value ? value : "");
	tt_buf_adds(b, "</td></tr>\n");
}

static void pre(struct tt_buf *b, const char *id, const char *text)
{
	dash_htmlf(b, "<pre id=\"%s\">", id);
	dash_html(b, text);
	tt_buf_adds(b, "</pre>\n");
}

static void cve_facts(struct tt_buf *b, const struct tt_cve_record *rec,
		      const struct tt_cve_enrichment *enr)
{
	tt_buf_adds(b, "<table id=\"cve-facts\">");
	row(b, "Title", rec->title);
	row(b, "Description", rec->description);
	tt_buf_adds(b, "<tr><th>Published</th><td>");
	dash_time(b, rec->first_published);
	tt_buf_adds(b, "</td></tr>");
	if (rec->has_cvss) {
		char score[32];
		snprintf(score, sizeof(score), "%.1f %s", rec->cvss.base_score,
			 rec->cvss.severity ? rec->cvss.severity : "");
		row(b, "CVSS", score);
		row(b, "Vector", rec->cvss.vector);
	}
	if (enr->kev)
		row(b, "CISA KEV", enr->kev_date_added ? enr->kev_date_added : "listed");
	if (enr->epss) {
		char epss[32];
		snprintf(epss, sizeof(epss), "%.3f", enr->epss_score);
		row(b, "EPSS", epss);
	}
	if (enr->ssvc)
		row(b, "Exploitation (SSVC)", enr->ssvc_exploitation);
	struct tt_buf files = {0};
	for (size_t i = 0; i < rec->program_files.n; i++)
		tt_buf_addf(&files, "%s%s", i ? ", " : "", rec->program_files.v[i]);
	row(b, "Files", tt_buf_str(&files));
	tt_buf_free(&files);
	tt_buf_adds(b, "</table>\n");
}

static void cve_fixes(struct tt_buf *b, const struct tt_cve_record *rec)
{
	heading(b, "Fix commits");
	tt_buf_adds(b, "<table id=\"fixes\"><thead><tr><th>Introduced in</th><th>by</th>"
		       "<th>Fixed in</th><th>by commit</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < rec->n_dyads; i++) {
		const struct tt_dyad *d = &rec->dyads[i];
		tt_buf_adds(b, "<tr>");
		const char *cells[] = {d->vuln_version, d->vuln_commit, d->fix_version,
				       d->fix_commit};
		for (int k = 0; k < 4; k++) {
			tt_buf_adds(b, "<td><code>");
			dash_html(b, cells[k] ? cells[k] : "-");
			tt_buf_adds(b, "</code></td>");
		}
		tt_buf_adds(b, "</tr>\n");
	}
	tt_buf_adds(b, "</tbody></table>\n");
}

/* The CVE's verdict on every kernel profile, from the cached scans. */
static void cve_verdicts(struct dash_request *rq, struct tt_buf *b, const char *cve_id,
			 struct tt_strv *kernels)
{
	struct tt_strv names = {0};
	struct tt_error err = {0};
	heading(b, "Verdict per kernel");
	if (dash_profile_names(dash_store(rq), &names, &err) < 0) {
		pre(b, "verdict-error", err.msg);
		return;
	}
	tt_buf_adds(b, "<table id=\"verdicts\"><thead><tr><th>Profile</th><th>Kernel</th>"
		       "<th>Verdict</th><th>Reason</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < names.n; i++) {
		struct dash_scan *scan;
		if (dash_scan_get(&rq->d->cache, dash_store(rq), names.v[i], &scan, &err) < 0)
			continue;
		const struct tt_triage_item *it = tt_triage_result_find(scan->result, cve_id);
		const char *kernel = tt_profile_info(scan->profile)->uname_release;
		if (kernel && it &&
		    (it->verdict == TT_VERDICT_AFFECTED || it->verdict == TT_VERDICT_UNKNOWN))
			tt_strv_push(kernels, kernel);
		tt_buf_adds(b, "<tr><td>");
		dash_html(b, names.v[i]);
		tt_buf_adds(b, "</td><td>");
		dash_html(b, kernel ? kernel : "");
		const char *verdict = it ? tt_triage_verdict_name(it->verdict) : "not scanned";
		dash_htmlf(b, "</td><td class=\"v-%s\">%s</td><td>", verdict, verdict);
		dash_html(b, it && it->reason ? it->reason : "");
		tt_buf_adds(b, "</td></tr>\n");
		dash_scan_put(&rq->d->cache, scan);
	}
	tt_buf_adds(b, "</tbody></table>\n");
	tt_strv_sort_unique(kernels);
	tt_strv_free(&names);
}

static void cve_raw_patch(struct dash_request *rq, struct tt_buf *b, const char *cve_id)
{
	struct tt_raw_patch raw = {0};
	struct tt_error err = {0};
	heading(b, "Raw patch");
	if (tt_store_raw_patch_get(dash_store(rq), cve_id, NULL, &raw, &err) < 0) {
		tt_buf_adds(b, "<p class=\"hint\">None stored: <code>tuxtape cve fix ");
		dash_html(b, cve_id);
		tt_buf_adds(b, " --linux-git PATH</code>.</p>\n");
		return;
	}
	tt_buf_adds(b, "<p>Branch ");
	dash_html(b, raw.branch);
	tt_buf_adds(b, ", commit <code>");
	dash_html(b, raw.commit_id);
	tt_buf_adds(b, "</code></p>");
	pre(b, "raw-patch", raw.text);
	tt_raw_patch_free(&raw);
}

static int add_revision(void *ctx, const struct tt_patch_revision *r)
{
	struct tt_buf *b = ctx;
	dash_htmlf(b, "<tr><td>r%ld</td><td>", r->rev);
	dash_html(b, r->author);
	tt_buf_adds(b, "</td><td>");
	dash_time(b, r->created_at);
	tt_buf_adds(b, "</td><td>");
	dash_html(b, r->message);
	dash_htmlf(b, "</td><td><code>%.12s</code></td></tr>\n", r->sha256);
	return 0;
}

static void cve_revisions(struct dash_request *rq, struct tt_buf *b, const char *cve_id)
{
	struct tt_patch_revision latest = {0};
	struct tt_error err = {0};
	heading(b, "Deployable patch");
	if (tt_store_revision_get(dash_store(rq), cve_id, 0, &latest, &err) < 0) {
		tt_buf_adds(b,
			    "<p class=\"hint\" id=\"no-revision\">No deployable patch yet.</p>\n");
		return;
	}
	tt_buf_adds(b, "<table id=\"revisions\"><thead><tr><th>Revision</th><th>Author</th>"
		       "<th>Time</th><th>Message</th><th>SHA-256</th></tr></thead><tbody>\n");
	tt_store_revision_list(dash_store(rq), cve_id, add_revision, b, &err);
	tt_buf_adds(b, "</tbody></table>\n");
	dash_htmlf(b, "<p>Latest: r%ld</p>", latest.rev);
	pre(b, "deployable-patch", latest.text);
	tt_patch_revision_free(&latest);
}

struct cve_jobs {
	const char *cve_id;
	struct tt_buf rows;
	size_t n;
};

static int add_cve_job(void *ctx, const struct tt_job_info *j)
{
	struct cve_jobs *l = ctx;
	if (strcmp(j->cve_id, l->cve_id) != 0)
		return 0;
	struct tt_buf *b = &l->rows;
	l->n++;
	dash_htmlf(b, "<tr><td><a href=\"/ui/job/%lld\">%lld</a></td><td>r%ld</td><td>",
		   (long long)j->id, (long long)j->id, j->rev);
	dash_html(b, j->kernel);
	dash_htmlf(b, "</td><td class=\"state\" id=\"job-state-%lld\">%s</td><td>",
		   (long long)j->id, tt_job_state_name(j->state));
	dash_html(b, j->approved_by ? j->approved_by : "");
	tt_buf_adds(b, "</td><td>");
	dash_html(b, j->error ? j->error : "");
	tt_buf_adds(b, "</td></tr>\n");
	return 0;
}

static void cve_jobs(struct dash_request *rq, struct tt_buf *b, const char *cve_id)
{
	struct cve_jobs l = {.cve_id = cve_id};
	struct tt_error err = {0};
	heading(b, "Builds and boot tests");
	if (tt_store_job_list(dash_store(rq), NULL, add_cve_job, &l, &err) < 0)
		pre(b, "jobs-error", err.msg);
	else if (!l.n)
		tt_buf_adds(b, "<p class=\"hint\">No job yet.</p>\n");
	else {
		tt_buf_adds(b, "<table id=\"cve-jobs\"><thead><tr><th>Job</th><th>Revision</th>"
			       "<th>Kernel</th><th>State</th><th>Approved by</th><th>Error</th>"
			       "</tr></thead><tbody>\n");
		tt_buf_adds(b, tt_buf_str(&l.rows));
		tt_buf_adds(b, "</tbody></table>\n");
	}
	tt_buf_free(&l.rows);
}

static void upload_form(struct dash_request *rq, struct tt_buf *b, const char *cve_id,
			const struct tt_strv *kernels)
{
	if (!tt_role_allows(rq->user.role, TT_ROLE_REVIEWER))
		return;
	heading(b, "Upload a deployable patch");
	tt_buf_adds(b, "<form method=\"post\" id=\"revise\" action=\"/ui/cve/");
	dash_url(b, cve_id);
	tt_buf_adds(b, "/revise\">");
	dash_csrf_field(b, rq);
	tt_buf_adds(b, "<p><input type=\"file\" id=\"patch-file\" accept=\".patch,.diff,text/*\"> "
		       "or paste:</p><textarea name=\"text\" id=\"patch-text\" rows=\"14\" "
		       "required></textarea><p>Message <input name=\"message\" id=\"message\" "
		       "size=\"60\"> Build for kernels <input name=\"kernels\" id=\"kernels\" "
		       "size=\"40\" value=\"");
	for (size_t i = 0; i < kernels->n; i++) {
		if (i)
			tt_buf_adds(b, " ");
		dash_html(b, kernels->v[i]);
	}
	tt_buf_adds(b, "\"> <button type=\"submit\" id=\"upload\">Upload and queue</button></p>"
		       "</form>\n");
}

void dash_page_cve(struct dash_request *rq, struct dash_response *res, const char *cve_id)
{
	if (!tt_role_allows(rq->user.role, TT_ROLE_VIEWER))
		return dash_error_page(res, rq, 403, "Your role may not see this page.");
	if (!tt_cve_id_valid(cve_id))
		return dash_error_page(res, rq, 404, "That is not a CVE id.");
	struct tt_cve_record rec;
	struct tt_cve_enrichment enr = {0};
	struct tt_error err = {0};
	tt_cve_record_init(&rec);
	int r = tt_store_cve_get(dash_store(rq), cve_id, &rec, &enr, &err);
	if (r < 0) {
		tt_cve_record_free(&rec);
		return dash_error_page(res, rq, r == -ENOENT ? 404 : 500, err.msg);
	}
	dash_page_begin(res, rq, cve_id);
	struct tt_buf *b = &res->body;
	struct tt_strv kernels = {0};
	cve_facts(b, &rec, &enr);
	cve_verdicts(rq, b, cve_id, &kernels);
	cve_fixes(b, &rec);
	cve_raw_patch(rq, b, cve_id);
	cve_revisions(rq, b, cve_id);
	cve_jobs(rq, b, cve_id);
	upload_form(rq, b, cve_id, &kernels);
	tt_strv_free(&kernels);
	tt_cve_enrichment_free(&enr);
	tt_cve_record_free(&rec);
	dash_page_end(res);
}

/* ---- one job ---- */

struct job_view {
	struct dash_request *rq;
	struct tt_buf *b;
	bool approvable;
};

static void approve_form(struct job_view *v, const struct tt_job_info *j)
{
	struct dash_request *rq = v->rq;
	struct tt_error err = {0};
	bool allowed = tt_role_allows(rq->user.role, TT_ROLE_REVIEWER) &&
		       tt_approval_check(j->author, rq->user.name, j->state, j->approved_by != NULL,
					 &err) == 0;
	if (!allowed) {
		if (j->state == TT_JOB_PASSED && !j->approved_by) {
			tt_buf_adds(v->b, "<p class=\"hint\" id=\"approve-refused\">");
			dash_html(v->b,
				  err.msg[0] ? err.msg : "Approving needs the reviewer role.");
			tt_buf_adds(v->b, "</p>\n");
		}
		return;
	}
	dash_htmlf(v->b, "<form method=\"post\" action=\"/ui/job/%lld/approve\">",
		   (long long)j->id);
	dash_csrf_field(v->b, rq);
	tt_buf_adds(v->b, "<button type=\"submit\" id=\"approve\">Approve and publish to the first "
			  "tier</button></form>\n");
}

static int show_job(void *ctx, const struct tt_job_info *j)
{
	struct job_view *v = ctx;
	struct tt_buf *b = v->b;
	char id[32], rev[32], attempts[16];
	snprintf(id, sizeof(id), "%lld", (long long)j->id);
	snprintf(rev, sizeof(rev), "r%ld", j->rev);
	snprintf(attempts, sizeof(attempts), "%d", j->attempts);
	tt_buf_adds(b, "<table id=\"job\">");
	row(b, "Job", id);
	tt_buf_adds(b, "<tr><th>CVE</th><td><a href=\"/ui/cve/");
	dash_url(b, j->cve_id);
	tt_buf_adds(b, "\">");
	dash_html(b, j->cve_id);
	tt_buf_adds(b, "</a></td></tr>");
	row(b, "Revision", rev);
	row(b, "Author", j->author);
	row(b, "Kernel", j->kernel);
	dash_htmlf(b, "<tr><th>State</th><td id=\"job-state\">%s</td></tr>",
		   tt_job_state_name(j->state));
	row(b, "Worker", j->worker);
	row(b, "Attempts", attempts);
	row(b, "Module SHA-256", j->module_sha256);
	row(b, "Error", j->error);
	row(b, "Approved by", j->approved_by);
	tt_buf_adds(b, "</table>\n");
	approve_form(v, j);
	heading(b, "Build log");
	pre(b, "build-log", j->build_log ? j->build_log : "(not run)");
	heading(b, "Boot test log");
	pre(b, "test-log", j->test_log ? j->test_log : "(not run)");
	return 0;
}

void dash_page_job(struct dash_request *rq, struct dash_response *res, int64_t id)
{
	if (!tt_role_allows(rq->user.role, TT_ROLE_VIEWER))
		return dash_error_page(res, rq, 403, "Your role may not see this page.");
	char title[48];
	snprintf(title, sizeof(title), "Job %lld", (long long)id);
	dash_page_begin(res, rq, title);
	struct job_view v = {.rq = rq, .b = &res->body};
	struct tt_error err = {0};
	int r = tt_store_job_get(dash_store(rq), id, show_job, &v, &err);
	if (r < 0)
		return dash_error_page(res, rq, r == -ENOENT ? 404 : 500, err.msg);
	dash_page_end(res);
}
