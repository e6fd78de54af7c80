// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dashboard's fleet, exposure, pipeline, rollout and audit pages. Each
 * reads through the fleet store, the pipeline's store calls, or the triage
 * cache, and writes escaped HTML; none changes anything. The CVE and job
 * pages, which carry the forms, are in dashboard_cve.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "service.h"
#include "tuxtape/pipeline.h"

#define ONLINE_SECONDS	 (15 * 60) /* a host silent for longer is stale */
#define EXPOSURE_DEFAULT 200	   /* rows an exposure page shows unless asked */
#define EXPOSURE_MAX	 5000	   /* and at most: the page stays a page */
#define REPORTS_SHOWN	 50
#define AUDIT_SHOWN	 300
#define MONTH_SECONDS	 (30 * 86400)
#define PLOT_MONTHS	 36 /* how far back the exposure plots go */

static bool need(struct dash_request *rq, struct dash_response *res, enum tt_role role)
{
	if (tt_role_allows(rq->user.role, role))
		return true;
	dash_error_page(res, rq, 403, "Your role may not see this page.");
	return false;
}

static void store_failed(struct dash_request *rq, struct dash_response *res,
			 const struct tt_error *err)
{
	dash_error_page(res, rq, 500, err->msg[0] ? err->msg : "The store failed.");
}

static const char *str(const json_t *row, const char *key)
{
	const char *v = json_string_value(json_object_get(row, key));
	return v ? v : "";
}

static long long num(const json_t *row, const char *key)
{
	return (long long)json_integer_value(json_object_get(row, key));
}

static void cell(struct tt_buf *b, const char *text)
{
	tt_buf_adds(b, "<td>");
	dash_html(b, text);
	tt_buf_adds(b, "</td>");
}

static void cell_num(struct tt_buf *b, long long v)
{
	dash_htmlf(b, "<td class=\"num\">%lld</td>", v);
}

static void cell_time(struct tt_buf *b, int64_t t)
{
	tt_buf_adds(b, "<td>");
	dash_time(b, t);
	tt_buf_adds(b, "</td>");
}

static void table_head(struct tt_buf *b, const char *id, const char *const *heads)
{
	dash_htmlf(b, "<table id=\"%s\"><thead><tr>", id);
	for (; *heads; heads++)
		dash_htmlf(b, "<th>%s</th>", *heads);
	tt_buf_adds(b, "</tr></thead><tbody>\n");
}

static void card(struct tt_buf *b, const char *label, long long value)
{
	dash_htmlf(b, "<span class=\"card\"><b>%lld</b>%s</span>", value, label);
}

/* ---- fleet overview ---- */

/* Rows of kernel x tier (sorted by kernel) summed per kernel, drawn as online/stale bars. */
static void fleet_bars(struct tt_buf *b, const json_t *rows)
{
	size_t n = json_array_size(rows), k = 0;
	const char **names = tt_xcalloc(n + 1, sizeof(*names));
	double *values = tt_xcalloc(2 * (n + 1), sizeof(*values));
	for (size_t i = 0; i < n; i++) {
		const json_t *row = json_array_get(rows, i);
		if (k == 0 || strcmp(names[k - 1], str(row, "kernel_release")) != 0)
			names[k++] = str(row, "kernel_release");
		values[2 * (k - 1)] += (double)num(row, "online");
		values[2 * (k - 1) + 1] += (double)(num(row, "hosts") - num(row, "online"));
	}
	static const char *const segments[] = {"online", "stale"};
	if (k)
		dash_svg_bars(b, "Hosts by kernel", names, k, segments, 2, values);
	free(names);
	free(values);
}

static void fleet_table(struct tt_buf *b, const json_t *rows)
{
	static const char *const heads[] = {"Kernel", "Tier",	 "Hosts", "Online",
					    "Stale",  "Reports", NULL};
	tt_buf_adds(b, "<h2>Hosts by kernel and tier</h2>");
	table_head(b, "hosts-by-kernel", heads);
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *row = json_array_get(rows, i);
		tt_buf_adds(b, "<tr>");
		cell(b, str(row, "kernel_release"));
		cell(b, str(row, "tier"));
		cell_num(b, num(row, "hosts"));
		cell_num(b, num(row, "online"));
		cell_num(b, num(row, "hosts") - num(row, "online"));
		cell_num(b, num(row, "reports"));
		tt_buf_adds(b, "</tr>\n");
	}
	tt_buf_adds(b, "</tbody></table>\n");
}

/* One pass over the hosts: counts per kernel and tier, with their hosts' error reports. */
static int fleet_by_kernel(struct dash_request *rq, struct tt_buf *b, struct tt_error *err)
{
	static const char *const keys[] = {"kernel_release", "tier",	"hosts",
					   "online",	     "reports", NULL};
	_cleanup_free_ char *sql = tt_xasprintf(
	    "SELECT h.kernel_release, h.tier, COUNT(*), "
	    "SUM(CASE WHEN h.last_seen >= %lld THEN 1 ELSE 0 END), SUM(COALESCE(r.n, 0)) "
	    "FROM fleet_host h LEFT JOIN (SELECT host_id, COUNT(*) AS n FROM fleet_report "
	    "WHERE kind NOT IN ('unloaded', 'info') GROUP BY host_id) r ON r.host_id = h.id "
	    "GROUP BY h.kernel_release, h.tier ORDER BY h.kernel_release, h.tier",
	    (long long)(tt_fleet_now() - ONLINE_SECONDS));
	json_t *rows;
	int r = dash_query_rows(rq, sql, NULL, keys, "ssiii", &rows, err);
	if (r < 0)
		return r;
	long long hosts = 0, online = 0;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		hosts += num(json_array_get(rows, i), "hosts");
		online += num(json_array_get(rows, i), "online");
	}
	card(b, "hosts", hosts);
	card(b, "online (heard from in 15 min)", online);
	card(b, "stale", hosts - online);
	fleet_bars(b, rows);
	fleet_table(b, rows);
	json_decref(rows);
	return 0;
}

/* What the agents say of their loaded patches, per kernel: enabled, in transition, ... */
static int fleet_patch_states(struct dash_request *rq, struct tt_buf *b, struct tt_error *err)
{
	static const char *const keys[] = {"kernel_release", "state", "hosts", NULL};
	json_t *rows;
	int r =
	    dash_query_rows(rq,
			    "SELECT h.kernel_release, p.state, COUNT(DISTINCT h.id) FROM "
			    "fleet_host_patch p JOIN fleet_host h ON h.id = p.host_id "
			    "GROUP BY h.kernel_release, p.state ORDER BY h.kernel_release, p.state",
			    NULL, keys, "ssi", &rows, err);
	if (r < 0)
		return r;
	static const char *const heads[] = {"Kernel", "Patch state", "Hosts", NULL};
	tt_buf_adds(b, "<h2>Loaded patches by kernel and state</h2>");
	table_head(b, "patch-states", heads);
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *row = json_array_get(rows, i);
		tt_buf_adds(b, "<tr>");
		cell(b, str(row, "kernel_release"));
		cell(b, str(row, "state"));
		cell_num(b, num(row, "hosts"));
		tt_buf_adds(b, "</tr>\n");
	}
	tt_buf_adds(b, "</tbody></table>\n");
	json_decref(rows);
	return 0;
}

/* The newest error reports: what hosts said went wrong. */
static int report_table(struct dash_request *rq, struct tt_buf *b, bool excerpts,
			struct tt_error *err)
{
	static const char *const keys[] = {"id",      "host_id", "kind", "patch",
					   "message", "excerpt", "time", NULL};
	_cleanup_free_ char *sql = tt_xasprintf(
	    "SELECT id, host_id, kind, patch, message, excerpt, received_at FROM fleet_report "
	    "WHERE kind NOT IN ('unloaded', 'info') ORDER BY id DESC LIMIT %d",
	    REPORTS_SHOWN);
	json_t *rows;
	int r = dash_query_rows(rq, sql, NULL, keys, "isssssi", &rows, err);
	if (r < 0)
		return r;
	static const char *const heads[] = {"Received", "Host", "Kind", "Patch", "Message", NULL};
	tt_buf_adds(b, "<h2>Error reports</h2>");
	if (!json_array_size(rows))
		tt_buf_adds(b, "<p class=\"ok\">No host has reported an error.</p>\n");
	else
		table_head(b, "reports", heads);
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *row = json_array_get(rows, i);
		tt_buf_adds(b, "<tr>");
		cell_time(b, num(row, "time"));
		cell(b, str(row, "host_id"));
		cell(b, str(row, "kind"));
		cell(b, str(row, "patch"));
		tt_buf_adds(b, "<td>");
		dash_html(b, str(row, "message"));
		if (excerpts && *str(row, "excerpt")) {
			tt_buf_adds(b, "<details><summary>kernel log</summary><pre>");
			dash_html(b, str(row, "excerpt"));
			tt_buf_adds(b, "</pre></details>");
		}
		tt_buf_adds(b, "</td></tr>\n");
	}
	if (json_array_size(rows))
		tt_buf_adds(b, "</tbody></table>\n");
	json_decref(rows);
	return 0;
}

void dash_page_fleet(struct dash_request *rq, struct dash_response *res)
{
	if (!need(rq, res, TT_ROLE_VIEWER))
		return;
	dash_page_begin(res, rq, "Fleet");
	struct tt_error err = {0};
	int r = fleet_by_kernel(rq, &res->body, &err);
	if (r == 0)
		r = fleet_patch_states(rq, &res->body, &err);
	if (r == 0)
		r = report_table(rq, &res->body, false, &err);
	if (r < 0)
		return store_failed(rq, res, &err);
	dash_page_end(res);
}

/* ---- exposure ---- */

static bool is_open(enum tt_triage_verdict v)
{
	return v == TT_VERDICT_AFFECTED || v == TT_VERDICT_UNKNOWN;
}

/* Open applicable CVEs of one scan by month of publication, cumulated: the exposure's growth. */
static size_t open_over_time(const struct dash_scan *scan, int64_t start, int64_t *x, double *y,
			     size_t slots)
{
	memset(y, 0, slots * sizeof(*y));
	size_t n = tt_triage_result_count(scan->result);
	for (size_t i = 0; i < n; i++) {
		const struct tt_triage_item *it = tt_triage_result_item(scan->result, i);
		if (!is_open(it->verdict))
			continue;
		int64_t when = it->published > start ? it->published : start;
		size_t slot = (size_t)((when - start) / MONTH_SECONDS);
		y[slot < slots ? slot : slots - 1] += 1;
	}
	for (size_t k = 0; k < slots; k++) {
		x[k] = start + (int64_t)k * MONTH_SECONDS;
		if (k)
			y[k] += y[k - 1];
	}
	return slots;
}

struct exposure_plot {
	struct dash_series *series;
	int64_t *x;
	double *y;
	char **labels;
	size_t n, slots;
	int64_t start;
};

static void exposure_plot_add(struct exposure_plot *p, const struct dash_scan *scan)
{
	size_t i = p->n++;
	p->series = tt_xrealloc(p->series, p->n * sizeof(*p->series));
	p->labels = tt_xrealloc(p->labels, p->n * sizeof(*p->labels));
	p->x = tt_xrealloc(p->x, p->n * p->slots * sizeof(*p->x));
	p->y = tt_xrealloc(p->y, p->n * p->slots * sizeof(*p->y));
	p->labels[i] = tt_xstrdup(scan->name);
	open_over_time(scan, p->start, p->x + i * p->slots, p->y + i * p->slots, p->slots);
}

static void exposure_plot_draw(struct exposure_plot *p, struct tt_buf *b)
{
	for (size_t i = 0; i < p->n; i++)
		p->series[i] = (struct dash_series){.label = p->labels[i],
						    .x = p->x + i * p->slots,
						    .y = p->y + i * p->slots,
						    .n = p->slots};
	if (p->n)
		dash_svg_lines(b, "Open applicable CVEs per kernel over time", p->series, p->n);
	for (size_t i = 0; i < p->n; i++)
		free(p->labels[i]);
	free(p->labels);
	free(p->series);
	free(p->x);
	free(p->y);
}

static void exposure_row(struct tt_buf *b, const struct dash_scan *scan)
{
	const size_t *c = scan->counts;
	tt_buf_adds(b, "<tr><td><a href=\"/ui/exposure/");
	dash_url(b, scan->name);
	tt_buf_adds(b, "\">");
	dash_html(b, scan->name);
	tt_buf_adds(b, "</a></td>");
	const struct tt_profile_info *info = tt_profile_info(scan->profile);
	cell(b, info->uname_release ? info->uname_release : "");
	for (int v = 0; v < TT_VERDICT__COUNT; v++)
		cell_num(b, (long long)c[v]);
	tt_buf_adds(b, "</tr>\n");
}

void dash_page_exposure_index(struct dash_request *rq, struct dash_response *res)
{
	if (!need(rq, res, TT_ROLE_VIEWER))
		return;
	struct tt_strv names = {0};
	struct tt_error err = {0};
	if (dash_profile_names(dash_store(rq), &names, &err) < 0)
		return tt_strv_free(&names), store_failed(rq, res, &err);
	dash_page_begin(res, rq, "Exposure per kernel");
	struct tt_buf *b = &res->body;
	tt_buf_adds(b, "<form method=\"get\" action=\"/ui/cve\" class=\"filters\">Open a CVE "
		       "<input name=\"id\" id=\"cve-id\" placeholder=\"CVE-2024-26581\"> "
		       "<button type=\"submit\">Open</button></form>\n");
	static const char *const heads[] = {"Profile", "Kernel",       "Affected",  "Unknown",
					    "Fixed",   "Not affected", "Not built", NULL};
	struct tt_buf rows = {0};
	struct exposure_plot plot = {
	    .slots = PLOT_MONTHS, .start = tt_fleet_now() - (int64_t)PLOT_MONTHS * MONTH_SECONDS};
	for (size_t i = 0; i < names.n; i++) {
		struct dash_scan *scan;
		if (dash_scan_get(&rq->d->cache, dash_store(rq), names.v[i], &scan, &err) < 0) {
			tt_buf_adds(&rows, "<tr><td colspan=\"7\" class=\"error\">");
			dash_html(&rows, err.msg);
			tt_buf_adds(&rows, "</td></tr>\n");
			continue;
		}
		exposure_row(&rows, scan);
		exposure_plot_add(&plot, scan);
		dash_scan_put(&rq->d->cache, scan);
	}
	exposure_plot_draw(&plot, b);
	table_head(b, "profiles", heads);
	tt_buf_adds(b, tt_buf_str(&rows));
	tt_buf_adds(b, "</tbody></table>\n");
	if (!names.n)
		tt_buf_adds(b, "<p class=\"hint\">No kernel profile yet: <code>tuxtape kernel "
			       "add</code>.</p>\n");
	tt_buf_free(&rows);
	tt_strv_free(&names);
	dash_page_end(res);
}

struct exposure_filter {
	const char *verdict; /* "open" (default), "all", or a verdict name */
	const char *q;	     /* substring of the id or title, case-insensitive */
	bool kev;
	long limit;
};

static bool filter_match(const struct exposure_filter *f, const struct tt_triage_item *it)
{
	if (strcmp(f->verdict, "open") == 0 ? !is_open(it->verdict)
	    : strcmp(f->verdict, "all") != 0
		? strcmp(f->verdict, tt_triage_verdict_name(it->verdict)) != 0
		: false)
		return false;
	if (f->kev && !it->kev)
		return false;
	return !f->q || strcasestr(it->cve_id, f->q) || (it->title && strcasestr(it->title, f->q));
}

static void exposure_filters(struct tt_buf *b, const char *profile, const struct exposure_filter *f)
{
	static const char *const verdicts[] = {"open",	"all",		"affected",  "unknown",
					       "fixed", "not-affected", "not-built", NULL};
	tt_buf_adds(b,
		    "<form method=\"get\" class=\"filters\" id=\"filters\" action=\"/ui/exposure/");
	dash_url(b, profile);
	tt_buf_adds(b, "\">Verdict <select name=\"verdict\" id=\"verdict\">");
	for (int i = 0; verdicts[i]; i++)
		dash_htmlf(b, "<option%s>%s</option>",
			   strcmp(verdicts[i], f->verdict) == 0 ? " selected" : "", verdicts[i]);
	tt_buf_adds(b, "</select> Search <input name=\"q\" id=\"q\" value=\"");
	dash_html(b, f->q ? f->q : "");
	dash_htmlf(b,
		   "\"> <label><input type=\"checkbox\" name=\"kev\" value=\"1\"%s> "
		   "KEV only</label> Rows <input name=\"limit\" size=\"5\" value=\"%ld\"> "
		   "<button type=\"submit\">Filter</button></form>\n",
		   f->kev ? " checked" : "", f->limit);
}

static void exposure_item(struct tt_buf *b, const char *profile, size_t rank,
			  const struct tt_triage_item *it)
{
	const char *verdict = tt_triage_verdict_name(it->verdict);
	dash_htmlf(b, "<tr><td class=\"num\">%zu</td><td><a class=\"cve\" href=\"/ui/cve/", rank);
	dash_url(b, it->cve_id);
	tt_buf_adds(b, "?profile=");
	dash_url(b, profile);
	tt_buf_adds(b, "\">");
	dash_html(b, it->cve_id);
	dash_htmlf(b, "</a></td><td class=\"v-%s\">%s</td>", verdict, verdict);
	dash_htmlf(b, "<td class=\"num\">%.1f</td>", it->priority);
	if (it->cvss >= 0)
		dash_htmlf(b, "<td class=\"num\">%.1f</td>", it->cvss);
	else
		tt_buf_adds(b, "<td></td>");
	if (it->epss >= 0)
		dash_htmlf(b, "<td class=\"num\">%.3f</td>", it->epss);
	else
		tt_buf_adds(b, "<td></td>");
	cell(b, it->kev ? "KEV" : "");
	cell(b, it->title ? it->title : "");
	cell(b, it->reason ? it->reason : "");
	tt_buf_adds(b, "</tr>\n");
}

static void exposure_table(struct tt_buf *b, const struct dash_scan *scan,
			   const struct exposure_filter *f)
{
	static const char *const heads[] = {"#",    "CVE", "Verdict", "Priority", "CVSS",
					    "EPSS", "KEV", "Title",   "Reason",	  NULL};
	dash_htmlf(b, "<p>Narrow the rows shown: <input data-filter=\"exposure\" "
		      "placeholder=\"type to filter\"></p>");
	table_head(b, "exposure", heads);
	size_t n = tt_triage_result_count(scan->result), shown = 0, matched = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tt_triage_item *it = tt_triage_result_item(scan->result, i);
		if (!filter_match(f, it))
			continue;
		if (++matched <= (size_t)f->limit) {
			exposure_item(b, scan->name, matched, it);
			shown++;
		}
	}
	dash_htmlf(b, "</tbody></table>\n<p id=\"shown\">%zu of %zu matching CVEs shown.</p>\n",
		   shown, matched);
}

void dash_page_exposure(struct dash_request *rq, struct dash_response *res, const char *profile)
{
	if (!need(rq, res, TT_ROLE_VIEWER))
		return;
	const char *limit = dash_query(rq, "limit");
	struct exposure_filter f = {
	    .verdict = dash_query(rq, "verdict") ? dash_query(rq, "verdict") : "open",
	    .q = dash_query(rq, "q"),
	    .kev = dash_query(rq, "kev") != NULL,
	    .limit = limit ? atol(limit) : EXPOSURE_DEFAULT,
	};
	if (f.limit <= 0)
		f.limit = EXPOSURE_DEFAULT;
	if (f.limit > EXPOSURE_MAX)
		f.limit = EXPOSURE_MAX;
	struct dash_scan *scan;
	struct tt_error err = {0};
	int r = dash_scan_get(&rq->d->cache, dash_store(rq), profile, &scan, &err);
	if (r < 0)
		return dash_error_page(res, rq, r == -ENOENT ? 404 : 500, err.msg);
	_cleanup_free_ char *title = tt_xasprintf("Exposure of %s", profile);
	dash_page_begin(res, rq, title);
	struct tt_buf *b = &res->body;
	const struct tt_profile_info *info = tt_profile_info(scan->profile);
	tt_buf_adds(b, "<p>Kernel ");
	dash_html(b, info->uname_release ? info->uname_release : "(release unknown)");
	tt_buf_adds(b, "</p>");
	for (int v = 0; v < TT_VERDICT__COUNT; v++)
		card(b, tt_triage_verdict_name(v), (long long)scan->counts[v]);
	struct exposure_plot plot = {
	    .slots = PLOT_MONTHS, .start = tt_fleet_now() - (int64_t)PLOT_MONTHS * MONTH_SECONDS};
	exposure_plot_add(&plot, scan);
	exposure_plot_draw(&plot, b);
	exposure_filters(b, profile, &f);
	exposure_table(b, scan, &f);
	dash_scan_put(&rq->d->cache, scan);
	dash_page_end(res);
}

/* ---- pipeline ---- */

struct job_lists {
	struct tt_buf col[5]; /* queued, building, awaiting review, released, failed */
	size_t count[5];
};

static const char *const job_columns[5] = {"Queued", "Building and testing", "Awaiting review",
					   "Released", "Failed"};

static size_t job_column(const struct tt_job_info *j)
{
	switch (j->state) {
	case TT_JOB_QUEUED:
		return 0;
	case TT_JOB_CLAIMED:
	case TT_JOB_BUILT:
		return 1;
	case TT_JOB_PASSED:
		return j->approved_by ? 3 : 2;
	default:
		return 4;
	}
}

static int add_job(void *ctx, const struct tt_job_info *j)
{
	struct job_lists *l = ctx;
	size_t k = job_column(j);
	struct tt_buf *b = &l->col[k];
	l->count[k]++;
	dash_htmlf(b, "<tr data-job=\"%lld\"><td><a href=\"/ui/job/%lld\">%lld</a></td><td>",
		   (long long)j->id, (long long)j->id, (long long)j->id);
	tt_buf_adds(b, "<a href=\"/ui/cve/");
	dash_url(b, j->cve_id);
	tt_buf_adds(b, "\">");
	dash_html(b, j->cve_id);
	dash_htmlf(b, "</a> r%ld</td>", j->rev);
	cell(b, j->kernel);
	dash_htmlf(b, "<td class=\"state\">%s</td>", tt_job_state_name(j->state));
	cell(b, j->author);
	cell(b, j->worker ? j->worker : "");
	cell(b, j->approved_by ? j->approved_by : (j->error ? j->error : ""));
	cell_time(b, j->updated_at);
	tt_buf_adds(b, "</tr>\n");
	return 0;
}

void dash_page_pipeline(struct dash_request *rq, struct dash_response *res)
{
	if (!need(rq, res, TT_ROLE_VIEWER))
		return;
	struct job_lists l = {0};
	struct tt_error err = {0};
	if (tt_store_job_list(dash_store(rq), NULL, add_job, &l, &err) < 0) {
		for (int k = 0; k < 5; k++)
			tt_buf_free(&l.col[k]);
		return store_failed(rq, res, &err);
	}
	dash_page_begin(res, rq, "Pipeline");
	struct tt_buf *b = &res->body;
	tt_buf_adds(b, "<div data-refresh=\"5\"></div>");
	for (int k = 0; k < 5; k++)
		card(b, job_columns[k], (long long)l.count[k]);
	static const char *const heads[] = {"Job",    "CVE",	"Kernel",	    "State",
					    "Author", "Worker", "Approver / error", "Updated",
					    NULL};
	for (int k = 0; k < 5; k++) {
		dash_htmlf(b, "<h2>%s</h2>", job_columns[k]);
		char id[16];
		snprintf(id, sizeof(id), "jobs-%d", k);
		table_head(b, id, heads);
		tt_buf_adds(b, tt_buf_str(&l.col[k]));
		tt_buf_adds(b, "</tbody></table>\n");
		tt_buf_free(&l.col[k]);
	}
	dash_page_end(res);
}

/* ---- rollouts ---- */

/*
 * Two grouped reads for every release at once: hosts per kernel and tier,
 * and hosts running each patch (enabled, same SHA-256) per kernel and tier.
 */
struct rollout_counts {
	json_t *hosts, *running;
};

static int rollout_counts_read(struct dash_request *rq, struct rollout_counts *c,
			       struct tt_error *err)
{
	static const char *const host_keys[] = {"kernel_release", "tier", "n", NULL};
	static const char *const run_keys[] = {"patch", "sha256", "kernel_release",
					       "tier",	"n",	  NULL};
	int r = dash_query_rows(rq,
				"SELECT kernel_release, tier, COUNT(*) FROM fleet_host "
				"GROUP BY kernel_release, tier",
				NULL, host_keys, "ssi", &c->hosts, err);
	if (r == 0)
		r = dash_query_rows(rq,
				    "SELECT p.name, p.sha256, h.kernel_release, h.tier, COUNT(*) "
				    "FROM fleet_host_patch p JOIN fleet_host h ON h.id = p.host_id "
				    "WHERE p.state = 'enabled' "
				    "GROUP BY p.name, p.sha256, h.kernel_release, h.tier",
				    NULL, run_keys, "ssssi", &c->running, err);
	return r;
}

static long long count_of(const json_t *rows, const json_t *rel, const char *tier, bool patch)
{
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *row = json_array_get(rows, i);
		if (strcmp(str(row, "tier"), tier) == 0 &&
		    strcmp(str(row, "kernel_release"), str(rel, "kernel_release")) == 0 &&
		    (!patch || (strcmp(str(row, "patch"), str(rel, "patch")) == 0 &&
				strcmp(str(row, "sha256"), str(rel, "sha256")) == 0)))
			return num(row, "n");
	}
	return 0;
}

static void release_actions(struct tt_buf *b, const struct dash_request *rq, const json_t *rel)
{
	if (!tt_role_allows(rq->user.role, TT_ROLE_REVIEWER) ||
	    strcmp(str(rel, "state"), "active") != 0)
		return;
	static const char *const actions[] = {"promote", "stop"};
	for (int i = 0; i < 2; i++) {
		dash_htmlf(b,
			   "<form method=\"post\" class=\"inline\" action=\"/ui/release/%lld/%s\">",
			   num(rel, "id"), actions[i]);
		dash_csrf_field(b, rq);
		dash_htmlf(b, "<button type=\"submit\" id=\"%s-%lld\">%s</button></form> ",
			   actions[i], num(rel, "id"), actions[i]);
	}
}

static void release_row(struct dash_request *rq, struct tt_buf *b, const json_t *rel,
			const struct tt_tiers *tiers, const struct rollout_counts *counts)
{
	dash_htmlf(b, "<tr data-release=\"%lld\"><td>%lld</td>", num(rel, "id"), num(rel, "id"));
	cell(b, str(rel, "patch"));
	cell(b, str(rel, "kernel_release"));
	dash_htmlf(b, "<td class=\"tier\">");
	dash_html(b, str(rel, "tier"));
	tt_buf_adds(b, "</td>");
	cell(b, str(rel, "state"));
	cell_num(b, num(rel, "errors"));
	tt_buf_adds(b, "<td>");
	int reach = tt_tiers_find(tiers, str(rel, "tier"));
	for (size_t t = 0; t < tiers->n; t++) {
		long long hosts = count_of(counts->hosts, rel, tiers->v[t].name, false);
		long long running = count_of(counts->running, rel, tiers->v[t].name, true);
		double part = hosts ? 100.0 * (double)running / (double)hosts : 0;
		dash_htmlf(b, "<div>%s", (int)t <= reach ? "" : "<s>");
		dash_html(b, tiers->v[t].name);
		dash_htmlf(b,
			   "%s: %lld/%lld <svg width=\"120\" height=\"10\" role=\"img\">"
			   "<rect width=\"120\" height=\"10\" fill=\"#ddd\"/>"
			   "<rect width=\"%.1f\" height=\"10\" fill=\"#2ca02c\"/></svg></div>",
			   (int)t <= reach ? "" : "</s>", running, hosts, 1.2 * part);
	}
	tt_buf_adds(b, "</td><td>");
	release_actions(b, rq, rel);
	tt_buf_adds(b, "</td></tr>\n");
}

void dash_page_rollouts(struct dash_request *rq, struct dash_response *res)
{
	if (!need(rq, res, TT_ROLE_VIEWER))
		return;
	struct tt_error err = {0};
	struct tt_tiers tiers = {0};
	json_t *releases = NULL;
	struct rollout_counts counts = {0};
	int r = tt_fleet_tiers_get(rq->db, &tiers, &err);
	if (r == 0)
		r = tt_fleet_releases_json(rq->db, &releases, &err);
	if (r == 0)
		r = rollout_counts_read(rq, &counts, &err);
	if (r < 0) {
		tt_tiers_free(&tiers);
		json_decref(releases);
		json_decref(counts.hosts);
		json_decref(counts.running);
		return store_failed(rq, res, &err);
	}
	dash_page_begin(res, rq, "Rollouts");
	struct tt_buf *b = &res->body;
	static const char *const heads[] = {
	    "Release", "Patch", "Kernel", "Tier", "State", "Errors", "Progress per tier", "", NULL};
	table_head(b, "releases", heads);
	for (size_t i = json_array_size(releases); i-- > 0;)
		release_row(rq, b, json_array_get(releases, i), &tiers, &counts);
	tt_buf_adds(b, "</tbody></table>\n");
	r = report_table(rq, b, true, &err);
	json_decref(releases);
	json_decref(counts.hosts);
	json_decref(counts.running);
	tt_tiers_free(&tiers);
	if (r < 0)
		return store_failed(rq, res, &err);
	dash_page_end(res);
}

/* ---- audit ---- */

void dash_page_audit(struct dash_request *rq, struct dash_response *res)
{
	if (!need(rq, res, TT_ROLE_ADMIN))
		return;
	struct tt_error err = {0};
	json_t *rows = NULL;
	if (tt_fleet_audit_json(rq->db, AUDIT_SHOWN, &rows, &err) < 0)
		return store_failed(rq, res, &err);
	dash_page_begin(res, rq, "Audit log");
	struct tt_buf *b = &res->body;
	static const char *const heads[] = {"#",      "Time",	"Actor", "Action",
					    "Object", "Detail", NULL};
	tt_buf_adds(b, "<p><input data-filter=\"audit\" placeholder=\"type to filter\"></p>");
	table_head(b, "audit", heads);
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *row = json_array_get(rows, i);
		tt_buf_adds(b, "<tr>");
		cell_num(b, num(row, "id"));
		cell_time(b, num(row, "time"));
		cell(b, str(row, "actor"));
		cell(b, str(row, "action"));
		cell(b, str(row, "object"));
		const json_t *detail = json_object_get(row, "detail");
		_cleanup_free_ char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
		cell(b, text ? text : "");
		tt_buf_adds(b, "</tr>\n");
	}
	tt_buf_adds(b, "</tbody></table>\n");
	json_decref(rows);
	dash_page_end(res);
}
