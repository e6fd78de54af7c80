// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dashboard's HTML: escaping (every value from the store or a request
 * goes through dash_html or dash_url), the frame around each page, inline
 * SVG plots, and the two static files, compiled in so the server needs no
 * files and the browser nothing from the internet.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "dashboard.h"

void dash_html(struct tt_buf *b, const char *text)
{
	if (!text)
		return;
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '&':
			tt_buf_adds(b, "&amp;");
			break;
		case '<':
			tt_buf_adds(b, "&lt;");
			break;
		case '>':
			tt_buf_adds(b, "&gt;");
			break;
		case '"':
			tt_buf_adds(b, "&quot;");
			break;
		case '\'':
			tt_buf_adds(b, "&#39;");
			break;
		default:
			tt_buf_addc(b, *p);
		}
	}
}

/* Trusted markup only: every %s argument must be a constant or already safe. */
void dash_htmlf(struct tt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tt_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void dash_url(struct tt_buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			tt_buf_addc(b, (char)*p);
		} else {
			tt_buf_addc(b, '%');
			tt_buf_addc(b, hex[*p >> 4]);
			tt_buf_addc(b, hex[*p & 15]);
		}
	}
}

void dash_time(struct tt_buf *b, int64_t t)
{
	char text[40];
	if (t <= 0) {
		tt_buf_adds(b, "&mdash;");
		return;
	}
	tt_format_iso8601(t, text, sizeof(text));
	dash_html(b, text);
}

void dash_csrf_field(struct tt_buf *b, const struct dash_request *rq)
{
	/* The token is hex from our own generator: nothing to escape. */
	dash_htmlf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", rq->user.csrf);
}

static void nav(struct tt_buf *b, const struct dash_request *rq)
{
	static const struct {
		const char *href, *label;
		enum tt_role need;
	} links[] = {
	    {"/ui/", "Fleet", TT_ROLE_VIEWER},
	    {"/ui/exposure", "Exposure", TT_ROLE_VIEWER},
	    {"/ui/pipeline", "Pipeline", TT_ROLE_VIEWER},
	    {"/ui/rollouts", "Rollouts", TT_ROLE_VIEWER},
	    {"/ui/audit", "Audit log", TT_ROLE_ADMIN},
	};
	tt_buf_adds(b, "<nav><span class=\"brand\">tuxtape</span>");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (tt_role_allows(rq->user.role, links[i].need))
			dash_htmlf(b, "<a href=\"%s\">%s</a>", links[i].href, links[i].label);
	tt_buf_adds(b, "<span class=\"who\" id=\"who\">");
	dash_html(b, rq->user.name);
	dash_htmlf(b, " (%s)</span><form method=\"post\" action=\"/ui/logout\" class=\"inline\">",
		   tt_role_name(rq->user.role));
	dash_csrf_field(b, rq);
	tt_buf_adds(b, "<button type=\"submit\" id=\"logout\">Log out</button></form></nav>\n");
}

void dash_page_begin(struct dash_response *res, const struct dash_request *rq, const char *title)
{
	struct tt_buf *b = &res->body;
	tt_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		       "<title>");
	dash_html(b, title);
	tt_buf_adds(b,
		    " &middot; tuxtape</title><link rel=\"stylesheet\" href=\"/ui/static/app.css\">"
		    "<script src=\"/ui/static/app.js\" defer></script></head>\n<body>\n");
	if (rq->logged_in)
		nav(b, rq);
	tt_buf_adds(b, "<main>\n<h1>");
	dash_html(b, title);
	tt_buf_adds(b, "</h1>\n");
}

void dash_page_end(struct dash_response *res)
{
	tt_buf_adds(&res->body, "</main>\n</body></html>\n");
}

void dash_error_page(struct dash_response *res, const struct dash_request *rq, unsigned status,
		     const char *message)
{
	tt_buf_reset(&res->body);
	res->status = status;
	dash_page_begin(res, rq, status == 403 ? "Not allowed" : "Sorry");
	tt_buf_adds(&res->body, "<p class=\"error\" id=\"error\">");
	dash_html(&res->body, message);
	tt_buf_adds(&res->body, "</p>\n");
	dash_page_end(res);
}

void dash_redirect(struct dash_response *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct tt_buf where = {0};
	tt_buf_vaddf(&where, fmt, ap);
	va_end(ap);
	res->status = 303;
	free(res->location);
	res->location = tt_buf_detach(&where);
}

/* ---- plots ---- */

#define PLOT_W	     720
#define PLOT_H	     240
#define PLOT_LEFT    48
#define PLOT_BOTTOM  28
#define PLOT_TOP     12
#define PLOT_RIGHT   170 /* room for the legend */
#define PLOT_COLOURS 8

static const char *const colours[PLOT_COLOURS] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
						  "#9467bd", "#8c564b", "#e377c2", "#17becf"};

static void plot_range(const struct dash_series *s, size_t n, int64_t *x0, int64_t *x1,
		       double *ymax)
{
	*x0 = INT64_MAX, *x1 = INT64_MIN, *ymax = 1;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < s[i].n; k++) {
			*x0 = s[i].x[k] < *x0 ? s[i].x[k] : *x0;
			*x1 = s[i].x[k] > *x1 ? s[i].x[k] : *x1;
			*ymax = s[i].y[k] > *ymax ? s[i].y[k] : *ymax;
		}
	if (*x0 > *x1)
		*x0 = 0, *x1 = 1;
	if (*x1 == *x0)
		*x1 = *x0 + 1;
}

static void plot_axes(struct tt_buf *b, int64_t x0, int64_t x1, double ymax)
{
	int bottom = PLOT_H - PLOT_BOTTOM, right = PLOT_W - PLOT_RIGHT;
	dash_htmlf(b,
		   "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>"
		   "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>",
		   PLOT_LEFT, bottom, right, bottom, PLOT_LEFT, PLOT_TOP, PLOT_LEFT, bottom);
	dash_htmlf(b, "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">%.0f</text>",
		   PLOT_LEFT - 4, PLOT_TOP + 8, ymax);
	dash_htmlf(b, "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">0</text>",
		   PLOT_LEFT - 4, bottom);
	char from[40], to[40];
	tt_format_iso8601(x0, from, sizeof(from));
	tt_format_iso8601(x1, to, sizeof(to));
	dash_htmlf(b,
		   "<text x=\"%d\" y=\"%d\" class=\"tick\">%.10s</text>"
		   "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">%.10s</text>",
		   PLOT_LEFT, PLOT_H - 8, from, right, PLOT_H - 8, to);
}

void dash_svg_lines(struct tt_buf *b, const char *title, const struct dash_series *s,
		    size_t n_series)
{
	int64_t x0, x1;
	double ymax;
	plot_range(s, n_series, &x0, &x1, &ymax);
	double w = PLOT_W - PLOT_RIGHT - PLOT_LEFT, h = PLOT_H - PLOT_BOTTOM - PLOT_TOP;
	dash_htmlf(b, "<svg class=\"plot\" viewBox=\"0 0 %d %d\" role=\"img\"><title>", PLOT_W,
		   PLOT_H);
	dash_html(b, title);
	tt_buf_adds(b, "</title>");
	plot_axes(b, x0, x1, ymax);
	for (size_t i = 0; i < n_series; i++) {
		const char *colour = colours[i % PLOT_COLOURS];
		dash_htmlf(b,
			   "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
			   colour);
		for (size_t k = 0; k < s[i].n; k++)
			dash_htmlf(b, "%.1f,%.1f ",
				   PLOT_LEFT + w * (double)(s[i].x[k] - x0) / (double)(x1 - x0),
				   PLOT_TOP + h - h * s[i].y[k] / ymax);
		dash_htmlf(b, "\"/><text x=\"%d\" y=\"%zu\" class=\"legend\" fill=\"%s\">",
			   PLOT_W - PLOT_RIGHT + 8, PLOT_TOP + 10 + 14 * i, colour);
		dash_html(b, s[i].label);
		dash_htmlf(b, " (%.0f)</text>", s[i].n ? s[i].y[s[i].n - 1] : 0.0);
	}
	tt_buf_adds(b, "</svg>\n");
}

void dash_svg_bars(struct tt_buf *b, const char *title, const char *const *rows, size_t n_rows,
		   const char *const *segments, size_t n_segments, const double *values)
{
	int row_h = 22, label_w = 220, bar_w = PLOT_W - label_w - 20;
	int height = (int)(n_rows * (size_t)row_h) + 30;
	dash_htmlf(b, "<svg class=\"plot\" viewBox=\"0 0 %d %d\" role=\"img\"><title>", PLOT_W,
		   height);
	dash_html(b, title);
	tt_buf_adds(b, "</title>");
	for (size_t r = 0; r < n_rows; r++) {
		double total = 0, x = label_w;
		for (size_t k = 0; k < n_segments; k++)
			total += values[r * n_segments + k];
		dash_htmlf(b, "<text x=\"0\" y=\"%zu\" class=\"tick\">", r * (size_t)row_h + 15);
		dash_html(b, rows[r]);
		tt_buf_adds(b, "</text>");
		for (size_t k = 0; k < n_segments && total > 0; k++) {
			double part = bar_w * values[r * n_segments + k] / total;
			dash_htmlf(b,
				   "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"16\" "
				   "fill=\"%s\"><title>",
				   x, r * (size_t)row_h + 3, part, colours[k % PLOT_COLOURS]);
			dash_html(b, segments[k]);
			dash_htmlf(b, ": %.0f</title></rect>", values[r * n_segments + k]);
			x += part;
		}
	}
	for (size_t k = 0; k < n_segments; k++) {
		dash_htmlf(b, "<text x=\"%zu\" y=\"%d\" class=\"legend\" fill=\"%s\">",
			   (size_t)label_w + 110 * k, height - 6, colours[k % PLOT_COLOURS]);
		dash_html(b, segments[k]);
		tt_buf_adds(b, "</text>");
	}
	tt_buf_adds(b, "</svg>\n");
}

/* ---- static files ---- */

static const char app_css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}"
    "nav{background:#233;color:#fff;padding:8px 16px;display:flex;gap:16px;align-items:center}"
    "nav a{color:#cde;text-decoration:none}nav a:hover{color:#fff}"
    ".brand{font-weight:bold;margin-right:12px}.who{margin-left:auto}"
    "main{padding:16px 24px;max-width:1400px}"
    "table{border-collapse:collapse;margin:8px 0 16px;background:#fff}"
    "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#eef}td.num{text-align:right}"
    ".error{color:#a00;font-weight:bold}.hint{color:#666}.ok{color:#070}"
    ".v-affected{color:#b00;font-weight:bold}.v-unknown{color:#a60}"
    ".v-fixed,.v-not-affected,.v-not-built{color:#666}"
    "form.inline{display:inline}pre{background:#fff;border:1px solid #ccc;padding:8px;"
    "overflow:auto;max-height:420px;font-size:12px}"
    "textarea{width:100%;font-family:monospace;font-size:12px}"
    "svg.plot{max-width:900px;background:#fff;border:1px solid #ddd;display:block;margin:8px 0}"
    ".axis{stroke:#444}.tick,.legend{font-size:11px}.filters{margin:8px 0}"
    ".login{display:flex;gap:8px;align-items:center;margin:24px 0}"
    ".card{display:inline-block;background:#fff;border:1px solid #ccc;padding:8px 16px;"
    "margin:0 8px 8px 0}.card b{font-size:20px;display:block}";

/* Filtering tables as one types, a file into the patch text area, refresh of live pages. */
static const char app_js[] =
    "'use strict';\n"
    "document.addEventListener('DOMContentLoaded', () => {\n"
    "  for (const input of document.querySelectorAll('input[data-filter]')) {\n"
    "    const table = document.getElementById(input.dataset.filter);\n"
    "    input.addEventListener('input', () => {\n"
    "      const q = input.value.toLowerCase();\n"
    "      for (const row of table.tBodies[0].rows)\n"
    "        row.hidden = q !== '' && !row.textContent.toLowerCase().includes(q);\n"
    "    });\n"
    "  }\n"
    "  const file = document.getElementById('patch-file');\n"
    "  const text = document.getElementById('patch-text');\n"
    "  if (file && text)\n"
    "    file.addEventListener('change', async () => {\n"
    "      if (file.files.length) text.value = await file.files[0].text();\n"
    "    });\n"
    "  const refresh = document.body.querySelector('[data-refresh]');\n"
    "  if (refresh) setTimeout(() => location.reload(), 1000 * refresh.dataset.refresh);\n"
    "});\n";

bool dash_asset(const char *name, struct dash_response *res)
{
	if (strcmp(name, "app.css") == 0) {
		tt_buf_add(&res->body, app_css, sizeof(app_css) - 1);
		res->content_type = "text/css; charset=utf-8";
	} else if (strcmp(name, "app.js") == 0) {
		tt_buf_add(&res->body, app_js, sizeof(app_js) - 1);
		res->content_type = "text/javascript; charset=utf-8";
	} else {
		return false;
	}
	return true;
}
