/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Enrichment feeds: CISA KEV, CISA vulnrichment (SSVC + ADP CVSS), FIRST EPSS
 * and NVD API 2.0, plus the HTTP(S)/file:// fetcher that brings them in.
 *
 * Every parser streams: it calls a callback once per entry so the caller can
 * insert into the store without holding the whole feed.
 *
 * Lifetime rule: every `const char *` (and array) inside an entry struct is
 * borrowed from the parser and valid ONLY during the callback. Copy what you
 * keep. Meta structs are filled with fixed-size copies and stay valid.
 *
 * Callback return value: 0 continues; > 0 stops early and the parser returns 0
 * (useful for "first N"); < 0 aborts and the parser returns that code. A
 * callback that wants its own message can fill the caller's struct tt_error
 * (reached through ctx) with the same code; the parser then leaves it alone,
 * otherwise it writes a generic "stopped by callback at CVE-..." message.
 *
 * Bad input: a malformed entry is a warning on the diag sink naming the file
 * and the entry (index or line, and CVE id when readable); the entry is
 * skipped and counted in the meta's n_skipped; the rest is parsed. Input that
 * is not the expected feed at all is an error (-EINVAL, or -EBADMSG for
 * unparseable JSON / corrupt gzip) with a message naming the file.
 *
 * `file` arguments are only used in messages; NULL is fine.
 */
#ifndef TUXTAPE_FEEDS_H
#define TUXTAPE_FEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"
#include "tuxtape/util.h"

/* ---- feed kinds and content detection ---- */

enum tt_feed_kind {
	TT_FEED_UNKNOWN = 0,
	TT_FEED_KEV,	      /* CISA known_exploited_vulnerabilities.json */
	TT_FEED_VULNRICHMENT, /* CISA vulnrichment CVE JSON 5 record(s) */
	TT_FEED_EPSS,	      /* FIRST EPSS CSV, plain or gzip */
	TT_FEED_NVD, /* NVD API 2.0: response page, mirror yearly feed, or one cve object */
};

/* "kev", "vulnrichment", "epss", "nvd"; "unknown" for anything else. Static string. */
const char *tt_feed_kind_name(enum tt_feed_kind kind);
/* Inverse of tt_feed_kind_name (also accepts "ssvc" for vulnrichment); -EINVAL if unknown. */
int tt_feed_kind_from_name(const char *name, enum tt_feed_kind *out);

/*
 * Guess the kind from content (only the first 64 KiB are looked at, so it is
 * cheap on a large feed). gzip input is inflated just enough to look inside.
 * Returns TT_FEED_UNKNOWN when nothing matches; the parser still validates.
 */
enum tt_feed_kind tt_feed_detect(const char *data, size_t len);

/* ---- CISA KEV ---- */

struct tt_kev_meta {
	char title[128];
	char catalog_version[32]; /* "2025.08.25" */
	char date_released[48];	  /* as written: "2025-08-25T17:04:19.9796Z" */
	int64_t released;	  /* UTC seconds; 0 when absent or unparseable */
	long count;		  /* the catalog's own "count"; -1 when absent */
	size_t n_entries;	  /* entries passed to the callback */
	size_t n_skipped;	  /* malformed entries skipped (each one warned) */
};

struct tt_kev_entry {
	size_t index;		    /* position in "vulnerabilities" (0-based) */
	const char *cve_id;	    /* never NULL: entries without a valid id are skipped */
	const char *vendor_project; /* the rest: NULL when absent or not a string */
	const char *product;
	const char *vulnerability_name;
	const char *date_added; /* "2024-05-30" */
	const char *short_description;
	const char *required_action;
	const char *due_date;
	const char *known_ransomware_campaign_use; /* "Known" / "Unknown" as written */
	const char *notes;
	int64_t added;		 /* dateAdded as UTC seconds; 0 when absent/unparseable */
	int64_t due;		 /* dueDate likewise */
	bool ransomware_known;	 /* knownRansomwareCampaignUse == "Known" */
	const char *const *cwes; /* "CWE-416", ... */
	size_t n_cwes;
};

typedef int (*tt_kev_cb)(void *ctx, const struct tt_kev_entry *e);

/* meta may be NULL. Warns (does not fail) when "count" disagrees with the entries. */
int tt_feed_parse_kev(const char *text, size_t len, const char *file, struct tt_kev_meta *meta,
		      tt_kev_cb cb, void *ctx, const struct tt_diag_sink *diag,
		      struct tt_error *err);

/* ---- CISA vulnrichment (the CISA-ADP container of a CVE JSON 5 record) ---- */

enum tt_ssvc_exploitation {
	TT_SSVC_EXPLOITATION_UNKNOWN = 0, /* no SSVC, or a value we do not know */
	TT_SSVC_EXPLOITATION_NONE,
	TT_SSVC_EXPLOITATION_POC,
	TT_SSVC_EXPLOITATION_ACTIVE,
};

enum tt_ssvc_automatable {
	TT_SSVC_AUTOMATABLE_UNKNOWN = 0,
	TT_SSVC_AUTOMATABLE_NO,
	TT_SSVC_AUTOMATABLE_YES,
};

enum tt_ssvc_impact {
	TT_SSVC_IMPACT_UNKNOWN = 0,
	TT_SSVC_IMPACT_PARTIAL,
	TT_SSVC_IMPACT_TOTAL,
};

/* "none"/"poc"/"active", "no"/"yes", "partial"/"total"; "unknown". Static strings. */
const char *tt_ssvc_exploitation_name(enum tt_ssvc_exploitation v);
const char *tt_ssvc_automatable_name(enum tt_ssvc_automatable v);
const char *tt_ssvc_impact_name(enum tt_ssvc_impact v);

struct tt_vulnrichment_entry {
	const char *file;	 /* the record's path as given; may be NULL */
	const char *cve_id;	 /* cveMetadata.cveId; never NULL */
	bool rejected;		 /* cveMetadata.state == "REJECTED" */
	bool has_adp;		 /* a container with providerMetadata.shortName "CISA-ADP" exists */
	const char *adp_updated; /* its providerMetadata.dateUpdated; NULL when absent */

	bool has_ssvc; /* an "other" metric of type "ssvc" was found */
	enum tt_ssvc_exploitation exploitation;
	enum tt_ssvc_automatable automatable;
	enum tt_ssvc_impact technical_impact;
	const char *ssvc_version;   /* "2.0.3"; NULL when absent */
	const char *ssvc_timestamp; /* as written; NULL when absent */
	int64_t ssvc_time;	    /* UTC seconds; 0 when absent/unparseable */

	bool has_cvss;		   /* the ADP scored cvssV3_1 */
	const char *cvss_vector;   /* "CVSS:3.1/AV:L/..." */
	double cvss_base_score;	   /* as written, 0.0..10.0 */
	const char *cvss_severity; /* baseSeverity as written; NULL when absent */

	const char *kev_date_added; /* ADP "other" metric of type "kev"; NULL when absent */
	const char *const *cwes;    /* ADP problemTypes cweId values */
	size_t n_cwes;
};

typedef int (*tt_vulnrichment_cb)(void *ctx, const struct tt_vulnrichment_entry *e);

/*
 * One record file's text -> one callback, also for records without a
 * CISA-ADP container (has_adp false: typically rejected ids), so the caller
 * sees every record and decides. Not a CVE record at all: -EINVAL.
 */
int tt_feed_parse_vulnrichment(const char *text, size_t len, const char *file,
			       tt_vulnrichment_cb cb, void *ctx, const struct tt_diag_sink *diag,
			       struct tt_error *err);

struct tt_vulnrichment_stats {
	size_t n_files;	  /* *.json files read */
	size_t n_entries; /* records passed to the callback */
	size_t n_skipped; /* files that were not readable CVE records (each one warned) */
	size_t n_with_ssvc;
	size_t n_with_cvss;
};

/*
 * Walk dir recursively (upstream layout YYYY/NNxxx/CVE-*.json, any depth),
 * in sorted order, skipping dot-directories and files not ending in ".json".
 * A bad file is a warning and is skipped; an unreadable directory, or a
 * callback < 0, is an error. stats may be NULL.
 */
int tt_feed_walk_vulnrichment(const char *dir, struct tt_vulnrichment_stats *stats,
			      tt_vulnrichment_cb cb, void *ctx, const struct tt_diag_sink *diag,
			      struct tt_error *err);

/* ---- FIRST EPSS ---- */

struct tt_epss_meta {
	char model_version[64]; /* from "#model_version:...,score_date:..."; "" when absent */
	char score_date[48];	/* as written: "2026-08-16T00:00:00+0000"; "" when absent */
	int64_t score_time;	/* UTC seconds; 0 when absent/unparseable */
	size_t n_entries;
	size_t n_skipped;
};

struct tt_epss_entry {
	const char *cve_id;
	double epss;	   /* probability 0..1 */
	double percentile; /* 0..1; negative when the file has no percentile column */
	size_t line;	   /* 1-based line in the (decompressed) CSV */
};

typedef int (*tt_epss_cb)(void *ctx, const struct tt_epss_entry *e);

/* data is the CSV, plain or gzip (detected by magic bytes, inflated as it streams). */
int tt_feed_parse_epss(const char *data, size_t len, const char *file, struct tt_epss_meta *meta,
		       tt_epss_cb cb, void *ctx, const struct tt_diag_sink *diag,
		       struct tt_error *err);

/* ---- NVD API 2.0 ---- */

enum tt_nvd_shape {
	TT_NVD_SHAPE_UNKNOWN = 0,
	TT_NVD_SHAPE_API_PAGE, /* {"resultsPerPage",...,"vulnerabilities":[{"cve":{...}}]} */
	TT_NVD_SHAPE_FEED,     /* fkie-cad mirror feed: {"feed_name",...,"cve_items":[{...}]} */
	TT_NVD_SHAPE_SINGLE,   /* one bare cve object (also accepted wrapped as {"cve":{...}}) */
};

struct tt_nvd_meta {
	enum tt_nvd_shape shape;
	long results_per_page; /* API page; -1 when absent */
	long start_index;      /* API page; -1 when absent */
	long total_results;    /* API page; -1 when absent */
	long cve_count;	       /* mirror feed; -1 when absent */
	char feed_name[64];    /* mirror feed: "CVE-2024"; "" otherwise */
	char timestamp[48];    /* API page or mirror feed timestamp as written; "" when absent */
	size_t n_entries;
	size_t n_skipped;
};

/* One cvssMetricV2/V30/V31/V40 element. */
struct tt_nvd_cvss {
	const char *source;  /* "nvd@nist.gov" or a CNA/ADP org id */
	const char *type;    /* "Primary" / "Secondary" */
	const char *version; /* cvssData.version: "3.1", "4.0", "2.0" */
	const char *vector;  /* cvssData.vectorString */
	double base_score;   /* cvssData.baseScore */
	const char
	    *severity; /* cvssData.baseSeverity (V2: the metric's baseSeverity); may be NULL */
};

struct tt_nvd_entry {
	size_t index; /* position in the page/feed; 0 for a single object */
	const char *cve_id;
	const char *source_identifier;
	const char *vuln_status; /* "Analyzed", "Modified", "Awaiting Analysis", "Rejected", ... */
	const char *published;	 /* as written, no zone, UTC: "2024-01-31T13:15:10.827" */
	const char *last_modified;
	int64_t published_time; /* UTC seconds; 0 when absent/unparseable */
	int64_t last_modified_time;
	const char *description; /* the English description; NULL when none */

	/* NULL/0 when the version is absent. *_best: type "Primary" if any, else the first. */
	const struct tt_nvd_cvss *cvss31;
	size_t n_cvss31;
	const struct tt_nvd_cvss *cvss31_best;
	const struct tt_nvd_cvss *cvss40;
	size_t n_cvss40;
	const struct tt_nvd_cvss *cvss40_best;
	const struct tt_nvd_cvss *cvss2;
	size_t n_cvss2;
	const struct tt_nvd_cvss *cvss2_best;

	/* weaknesses[].description[].value that are real ids ("CWE-416"), deduplicated;
	 * NVD's placeholders "NVD-CWE-noinfo" / "NVD-CWE-Other" are left out. */
	const char *const *cwes;
	size_t n_cwes;
	bool has_configurations;      /* configurations[] is non-empty */
	size_t n_cpe_matches;	      /* total configurations[].nodes[].cpeMatch[] */
	const char *cisa_exploit_add; /* NVD's copy of the KEV dateAdded; NULL when absent */
};

typedef int (*tt_nvd_cb)(void *ctx, const struct tt_nvd_entry *e);

/* Detects the three shapes; meta (may be NULL) says which one it was. */
int tt_feed_parse_nvd(const char *text, size_t len, const char *file, struct tt_nvd_meta *meta,
		      tt_nvd_cb cb, void *ctx, const struct tt_diag_sink *diag,
		      struct tt_error *err);

/* ---- one entry point for `tuxtape cve enrich SOURCE` ---- */

/* Only the callback for the kind being imported is called; NULL ones are allowed. */
struct tt_feed_handlers {
	tt_kev_cb kev;
	tt_vulnrichment_cb vulnrichment;
	tt_epss_cb epss;
	tt_nvd_cb nvd;
	void *ctx;
};

struct tt_feed_result {
	enum tt_feed_kind kind; /* what was imported (detected or as asked) */
	size_t n_entries;	/* callbacks made */
	size_t n_skipped;	/* malformed entries / files skipped */
	struct tt_kev_meta kev; /* filled for TT_FEED_KEV */
	struct tt_epss_meta epss;
	struct tt_nvd_meta nvd;
	struct tt_vulnrichment_stats vulnrichment;
};

/*
 * Import from a path, a directory (vulnrichment tree) or a URL (http, https,
 * file). kind TT_FEED_UNKNOWN means detect from content. A gzip JSON feed is
 * inflated first. An xz/tar archive is refused with a message saying how to
 * unpack it. result may be NULL.
 */
int tt_feed_import(const char *source, enum tt_feed_kind kind, const struct tt_feed_handlers *h,
		   struct tt_feed_result *result, const struct tt_diag_sink *diag,
		   struct tt_error *err);

/* ---- fetching ---- */

#define TT_FETCH_DEFAULT_MAX_BYTES (512L * 1024 * 1024)

/*
 * GET url into out (appended, NUL-terminated) with libcurl: http, https and
 * file:// only; redirects followed (at most 10, and only to http/https);
 * HTTP status >= 400 fails with the status in the message (-ENOENT for 404
 * and 410, -EACCES for 401/403, else -EIO); connect timeout 30 s, aborted
 * when slower than 1 KiB/s for 60 s (-ETIMEDOUT); more than max_bytes
 * (<= 0: TT_FETCH_DEFAULT_MAX_BYTES) fails with -EFBIG. User agent
 * "tuxtape/VERSION". gzip/deflate transfer encodings are undone by curl.
 * Thread-safe: libcurl's global init runs once.
 */
int tt_http_fetch(const char *url, struct tt_buf *out, long max_bytes, struct tt_error *err);
/* tt_http_fetch through transport t (see util.h; NULL: libcurl's defaults). */
int tt_http_fetch_via(const char *url, const struct tt_http_transport *t, struct tt_buf *out,
		      long max_bytes, struct tt_error *err);

/* True for "http://", "https://" and "file://" (case-insensitive scheme). */
bool tt_feed_is_url(const char *s);

/* Read a path, or fetch a URL (default byte cap), into out (appended). */
int tt_feed_load_source(const char *file_or_url, struct tt_buf *out, struct tt_error *err);

#endif
