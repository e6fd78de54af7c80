/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to src/server: the dashboard served by `tuxtape serve` under /ui/
 * (docs/dashboard.md). Server-rendered HTML pages over the same store as
 * the fleet API, logged in with the operators' tokens.
 *
 *   dashboard.c          the HTTP glue, routing, security headers
 *   dashboard_session.c  the session table, login, CSRF tokens
 *   dashboard_html.c     escaping, the page frame, inline SVG plots, assets
 *   dashboard_cache.c    the triage database and scans, kept between requests
 *   dashboard_pages.c    the fleet, exposure, pipeline, rollout and audit pages
 *   dashboard_cve.c      the CVE and job pages
 *   dashboard_actions.c  the forms that change something
 */
#ifndef TT_SERVER_DASHBOARD_H
#define TT_SERVER_DASHBOARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mhd_api.h"
#include "tuxtape/server.h"
#include "tuxtape/triage.h"
#include "tuxtape/util.h"

struct tt_dashboard;

/* The dashboard of one server; secure: cookies get the Secure flag (TLS). */
struct tt_dashboard *tt_dashboard_new(bool secure);
void tt_dashboard_free(struct tt_dashboard *d);
/*
 * Start filling the page cache (CVEs, every profile's scan) in the
 * background from the store at location, so the first operator to open an
 * exposure page does not wait seconds for it. Idempotent.
 */
void tt_dashboard_warm(struct tt_dashboard *d, const char *store_location);
/* Whether url is the dashboard's ("/" and everything under "/ui/"). */
bool tt_dashboard_owns(const char *url);
/* Answer one complete request on a borrowed store connection. */
enum MHD_Result tt_dashboard_serve(struct tt_dashboard *d, struct tt_fleet_db *db,
				   struct MHD_Connection *c, const char *method, const char *url,
				   const char *body, size_t body_len);

/* ---- shared between the dashboard files ---- */

#define DASH_SESSION_MAX  512
#define DASH_SESSION_IDLE (8 * 3600) /* seconds without a request before a session ends */
#define DASH_HEX_SECRET	  64	     /* 32 random bytes as hex */
#define DASH_NAME_MAX	  128

/* A logged-in operator, as a request sees it (a copy: no lock needed). */
struct dash_user {
	char token_id[TT_TOKEN_ID_MAX + 1];
	char name[DASH_NAME_MAX];
	enum tt_role role;
	char csrf[DASH_HEX_SECRET + 1];
};

struct dash_session {
	char id[DASH_HEX_SECRET + 1]; /* "" when the slot is free */
	struct dash_user user;
	int64_t last_used;
};

struct dash_sessions {
	pthread_mutex_t lock;
	struct dash_session slots[DASH_SESSION_MAX];
};

/* One profile's scan, shared read-only by the requests while the cache holds it. */
struct dash_scan {
	char *name;
	struct tt_profile *profile;
	struct tt_triage_result *result;
	size_t counts[TT_VERDICT__COUNT];
};

struct dash_cache {
	pthread_mutex_t lock;
	struct tt_triage_db *db; /* NULL until first needed */
	long published;		 /* CVE count the database was loaded with */
	int64_t checked_at;	 /* when the store was last asked whether it changed */
	struct dash_scan **scans;
	size_t n_scans;
	/* Loads the CVEs and scans every profile once, off the request path. */
	pthread_t warmer;
	bool warmer_started;
	char *warm_location; /* the store it opens its own connection to */
};

struct tt_dashboard {
	bool secure;
	struct dash_sessions sessions;
	struct dash_cache cache;
};

/* The request as pages see it. */
struct dash_request {
	struct tt_dashboard *d;
	struct tt_fleet_db *db;
	struct MHD_Connection *c;
	const char *method, *path; /* path below "/ui/", "" for the overview */
	const char *body;
	size_t body_len;
	struct dash_user user; /* role TT_ROLE_NONE when nobody is logged in */
	bool logged_in;
};

/* What a page answers: HTML (or a redirect), and maybe a cookie to set. */
struct dash_response {
	unsigned status;
	struct tt_buf body;
	const char *content_type; /* static; NULL: HTML */
	char *location;		  /* a redirect target, malloc'd */
	char *set_cookie;	  /* malloc'd */
};

/* dashboard_session.c */
void dash_sessions_init(struct dash_sessions *s);
void dash_sessions_destroy(struct dash_sessions *s);
/* The session named by the request's cookie, re-checked against the token table. */
bool dash_session_lookup(struct dash_request *rq);
void dash_login_page(struct dash_request *rq, struct dash_response *res, const char *message);
void dash_login_submit(struct dash_request *rq, struct dash_response *res);
void dash_logout(struct dash_request *rq, struct dash_response *res);
/* Whether a POST carries the session's CSRF token in its "csrf" field. */
bool dash_csrf_ok(const struct dash_request *rq);
bool dash_secret_equal(const char *a, const char *b);

/* A form field of an x-www-form-urlencoded body or a query string (malloc'd, NULL absent). */
char *dash_form_value(const char *body, size_t len, const char *key);
const char *dash_query(const struct dash_request *rq, const char *key);

/* dashboard_html.c */
void dash_html(struct tt_buf *b, const char *text); /* escaped */
void dash_htmlf(struct tt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* text escaped for a URL path segment or query value */
void dash_url(struct tt_buf *b, const char *text);
void dash_page_begin(struct dash_response *res, const struct dash_request *rq, const char *title);
void dash_page_end(struct dash_response *res);
void dash_csrf_field(struct tt_buf *b, const struct dash_request *rq);
void dash_time(struct tt_buf *b, int64_t t);
void dash_error_page(struct dash_response *res, const struct dash_request *rq, unsigned status,
		     const char *message);
void dash_redirect(struct dash_response *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A static asset ("app.css", "app.js"): false when unknown. */
bool dash_asset(const char *name, struct dash_response *res);

/* A line plot: series of (x, y) points, x in seconds, drawn as inline SVG. */
struct dash_series {
	const char *label;
	const int64_t *x;
	const double *y;
	size_t n;
};
void dash_svg_lines(struct tt_buf *b, const char *title, const struct dash_series *s,
		    size_t n_series);
/* Horizontal stacked bars: one row per label, values per segment (segments named). */
void dash_svg_bars(struct tt_buf *b, const char *title, const char *const *rows, size_t n_rows,
		   const char *const *segments, size_t n_segments, const double *values);

/* dashboard_cache.c */
void dash_cache_init(struct dash_cache *c);
void dash_cache_destroy(struct dash_cache *c);
/* The scan of profile name (computed or cached); release with dash_scan_put. */
int dash_scan_get(struct dash_cache *c, struct tt_store *s, const char *name,
		  struct dash_scan **out, struct tt_error *err);
void dash_scan_put(struct dash_cache *c, struct dash_scan *scan);
/* Start filling the cache in the background (once; later calls do nothing). */
void dash_cache_warm(struct dash_cache *c, const char *store_location);
/* The profile names in the store, sorted. */
int dash_profile_names(struct tt_store *s, struct tt_strv *out, struct tt_error *err);

/* The store under the fleet connection (the pipeline's and the CVEs' tables). */
struct tt_store *dash_store(struct dash_request *rq);
/* Rows of a read-only SQL query on the fleet connection, as JSON objects. */
int dash_query_rows(struct dash_request *rq, const char *sql, const char *const *binds,
		    const char *const *keys, const char *types, json_t **out, struct tt_error *err);

/* dashboard_pages.c */
void dash_page_fleet(struct dash_request *rq, struct dash_response *res);
void dash_page_exposure_index(struct dash_request *rq, struct dash_response *res);
void dash_page_exposure(struct dash_request *rq, struct dash_response *res, const char *profile);
void dash_page_cve(struct dash_request *rq, struct dash_response *res, const char *cve_id);
void dash_page_pipeline(struct dash_request *rq, struct dash_response *res);
void dash_page_job(struct dash_request *rq, struct dash_response *res, int64_t id);
void dash_page_rollouts(struct dash_request *rq, struct dash_response *res);
void dash_page_audit(struct dash_request *rq, struct dash_response *res);

/* dashboard_actions.c (POST, after the CSRF check) */
void dash_action_revise(struct dash_request *rq, struct dash_response *res, const char *cve_id);
void dash_action_approve(struct dash_request *rq, struct dash_response *res, int64_t job_id);
void dash_action_release(struct dash_request *rq, struct dash_response *res, int64_t id,
			 const char *action);

#endif
