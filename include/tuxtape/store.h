/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The store: every CVE record, enrichment feed and sync cursor tuxtape knows.
 *
 * One interface, several backends: SQLite (the embedded default, a file) and
 * PostgreSQL for deployments with several nodes (selected by a postgresql://
 * location). Callers never see SQL. Writes happen inside tt_store_begin() /
 * tt_store_commit(); a failure before commit is undone by tt_store_rollback(),
 * so the store is never left half-written.
 */
#ifndef TUXTAPE_STORE_H
#define TUXTAPE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "tuxtape/cve.h"
#include "tuxtape/error.h"

struct tt_store;

/* The schema version this build writes; older stores are migrated on open. */
#define TT_STORE_SCHEMA_VERSION 8

/* True for a libpq URL (postgresql://, postgres://), false for a SQLite file path. */
bool tt_store_location_is_postgresql(const char *location);

/*
 * Open (creating if needed) the store at location: a file path, "sqlite:PATH",
 * or a libpq URL "postgresql://..." / "postgres://..." (the database must
 * exist; the schema is created in it). NULL means the default,
 * $XDG_DATA_HOME/tuxtape/tuxtape.db.
 */
int tt_store_open(const char *location, struct tt_store **out, struct tt_error *err);
void tt_store_close(struct tt_store *s);
/* The location actually opened (for messages; a URL's password shows as "***"). */
const char *tt_store_location(const struct tt_store *s);

int tt_store_begin(struct tt_store *s, struct tt_error *err);
int tt_store_commit(struct tt_store *s, struct tt_error *err);
void tt_store_rollback(struct tt_store *s);
/*
 * Hints around a transaction that writes much (a CVE ingest): bulk on lets
 * the backend write as it goes rather than all at the commit; write_behind,
 * called now and then inside it, has the OS start writing out what is
 * written so far. Neither changes what is stored or when it is durable.
 */
void tt_store_bulk_write(struct tt_store *s, bool on);
void tt_store_write_behind(struct tt_store *s);

/* Small key/value cursor data ("vulns.commit", ...). *value is caller-freed, NULL if unset. */
int tt_store_meta_get(struct tt_store *s, const char *key, char **value, struct tt_error *err);
int tt_store_meta_set(struct tt_store *s, const char *key, const char *value, struct tt_error *err);

/* ---- CVE records (written by sync) ---- */

/* Whether id is stored, and in which state (*state untouched when absent). */
int tt_store_cve_state(struct tt_store *s, const char *id, bool *exists, enum tt_cve_state *state,
		       struct tt_error *err);
/* Insert or replace everything known from the CNA about rec->id. */
int tt_store_cve_put(struct tt_store *s, const struct tt_cve_record *rec, struct tt_error *err);

/*
 * The same in two steps, for bulk ingest: tt_cve_encode() computes every
 * derived column (joined lists, the affected blocks as JSON, dyad branches)
 * and touches no store, so worker threads can do it while the store's own
 * thread only writes. The encoding refers to rec, which must outlive it.
 */
struct tt_cve_encoded;
struct tt_cve_encoded *tt_cve_encode(const struct tt_cve_record *rec);
void tt_cve_encoded_free(struct tt_cve_encoded *enc);
/*
 * What the store holds of one CVE, to decide what a new version changes:
 * its state and the digests of its row, dyad pairs and affected blocks.
 */
/* A digest in hex and its NUL; room too for the SHA-256 digests of older stores. */
#define TT_CVE_DIGEST_SIZE 65
struct tt_cve_stored {
	bool exists;
	enum tt_cve_state state;
	/* "" when unknown */
	char digest_row[TT_CVE_DIGEST_SIZE], digest_dyads[TT_CVE_DIGEST_SIZE],
	    digest_blocks[TT_CVE_DIGEST_SIZE];
};
int tt_store_cve_stored(struct tt_store *s, const char *id, struct tt_cve_stored *out,
			struct tt_error *err);

/*
 * Write rec given what is stored (old, from tt_store_cve_stored; NULL when
 * the id is known to be absent). Only the parts whose digest differs are
 * rewritten; *unchanged says nothing differed (nothing was written).
 */
int tt_store_cve_put_encoded(struct tt_store *s, const struct tt_cve_record *rec,
			     const struct tt_cve_encoded *enc, const struct tt_cve_stored *old,
			     bool *unchanged, struct tt_error *err);
/*
 * The same for many CVEs, for bulk ingest: a batch keeps the inserts and
 * writes them table by table in multi-row statements at the flush (deletes
 * of what a CVE replaces happen at once). rec and enc must stay valid and
 * unchanged until the next flush; each id at most once between flushes.
 * Freeing a batch drops what was not flushed.
 */
struct tt_cve_batch;
struct tt_cve_batch *tt_store_cve_batch_new(struct tt_store *s);
int tt_store_cve_batch_put(struct tt_cve_batch *b, const struct tt_cve_record *rec,
			   const struct tt_cve_encoded *enc, const struct tt_cve_stored *old,
			   bool *unchanged, struct tt_error *err);
int tt_store_cve_batch_flush(struct tt_cve_batch *b, struct tt_error *err);
void tt_store_cve_batch_free(struct tt_cve_batch *b);
int tt_store_cve_delete(struct tt_store *s, const char *id, struct tt_error *err);
/* Whether any CVE (either state) is stored: a first sync can skip per-id lookups. */
int tt_store_cve_any(struct tt_store *s, bool *any, struct tt_error *err);
/* Every stored CVE id (both states), sorted; appended to out. */
int tt_store_cve_ids(struct tt_store *s, struct tt_strv *out, struct tt_error *err);
/* Drop every CNA record (not the feeds, not the publication dates): start of a full sync. */
int tt_store_cve_delete_all(struct tt_store *s, struct tt_error *err);
/* Remember when id first appeared as published in vulns.git; the earliest time wins. */
int tt_store_cve_first_seen(struct tt_store *s, const char *id, int64_t when, const char *commit,
			    struct tt_error *err);
/* The same for many ids, each at most once, in multi-row statements. */
struct tt_store_first_seen {
	const char *id;
	int64_t when;
	const char *commit;
};
int tt_store_cve_first_seen_many(struct tt_store *s, const struct tt_store_first_seen *v, size_t n,
				 struct tt_error *err);
int tt_store_cve_first_seen_reset(struct tt_store *s, struct tt_error *err);

/* ---- enrichment feeds (written by enrich) ---- */

struct tt_store_kev {
	const char *cve_id, *vendor, *product, *name, *date_added, *due_date, *ransomware,
	    *required_action, *notes;
};
struct tt_store_ssvc {
	const char *cve_id, *exploitation, *automatable, *technical_impact, *timestamp;
	const char *cvss_vector; /* ADP CVSS 3.1, NULL when none */
	double cvss_score;
};
struct tt_store_epss {
	const char *cve_id;
	double score, percentile;
};
struct tt_store_nvd {
	const char *cve_id, *status, *published, *last_modified;
	const char *cvss_vector, *cvss_severity, *cvss_source; /* NULL when unscored */
	double cvss_score;
	const char *cwes; /* comma-separated, NULL when none */
};

/* Replace a feed's whole table (KEV, EPSS are complete snapshots). */
int tt_store_feed_clear(struct tt_store *s, const char *feed, struct tt_error *err);
/* How many entries a feed's table holds now. */
int tt_store_feed_rows(struct tt_store *s, const char *feed, long *rows, struct tt_error *err);
int tt_store_kev_put(struct tt_store *s, const struct tt_store_kev *e, struct tt_error *err);
int tt_store_ssvc_put(struct tt_store *s, const struct tt_store_ssvc *e, struct tt_error *err);
int tt_store_epss_put(struct tt_store *s, const struct tt_store_epss *e, const char *score_date,
		      struct tt_error *err);
int tt_store_nvd_put(struct tt_store *s, const struct tt_store_nvd *e, struct tt_error *err);
/* Remember that a feed was loaded: its source, when, how many entries, its own version/date. */
int tt_store_feed_loaded(struct tt_store *s, const char *feed, const char *source,
			 int64_t loaded_at, long entries, const char *version,
			 struct tt_error *err);

struct tt_feed_info {
	const char *name, *source, *version;
	int64_t loaded_at;
	long entries;
};
int tt_store_feed_list(struct tt_store *s, int (*cb)(void *ctx, const struct tt_feed_info *f),
		       void *ctx, struct tt_error *err);

/* ---- reading back ---- */

enum tt_cve_order { TT_ORDER_NEWEST = 0, TT_ORDER_ID, TT_ORDER_CVSS, TT_ORDER_EPSS };

struct tt_cve_query {
	int64_t since;	       /* first published at or after (0: any) */
	const char *file_glob; /* a programFile matches this glob (NULL: any) */
	double min_cvss;       /* effective CVSS >= this (negative: any) */
	bool kev_only;	       /* listed in CISA KEV */
	const char *branch;    /* has a dyad pair on this branch ("6.1") */
	const char *fixed_in;  /* has a dyad pair fixed in exactly this version */
	bool include_rejected; /* rejected ids are left out unless asked for */
	enum tt_cve_order order;
	long limit; /* 0: no limit */
};
void tt_cve_query_init(struct tt_cve_query *q);

/* What `cve list` shows per CVE. Strings are borrowed for the callback's duration. */
struct tt_cve_summary {
	const char *id;
	enum tt_cve_state state;
	int64_t first_published; /* 0 when unknown */
	const char *title;	 /* CNA title or the first line of the description */
	double cvss;		 /* effective score: CNA, else CISA ADP, else NVD; <0 none */
	const char *cvss_origin; /* "cna", "cisa-adp", "nvd", NULL */
	const char *severity;
	bool kev;
	double epss;		    /* <0 when unknown */
	const char *exploitation;   /* SSVC, NULL when unknown */
	const char *files;	    /* program files, comma-separated */
	const char *fixed_versions; /* every fix version, comma-separated */
};

int tt_store_cve_list(struct tt_store *s, const struct tt_cve_query *q,
		      int (*cb)(void *ctx, const struct tt_cve_summary *c), void *ctx,
		      struct tt_error *err);

/* Everything the enrichment feeds say about one CVE. Owned strings; free with the _free. */
struct tt_cve_enrichment {
	bool kev;
	char *kev_date_added, *kev_due_date, *kev_ransomware, *kev_name, *kev_required_action;
	bool ssvc;
	char *ssvc_exploitation, *ssvc_automatable, *ssvc_technical_impact, *ssvc_timestamp;
	char *adp_cvss_vector;
	double adp_cvss_score; /* <0 when none */
	bool epss;
	double epss_score, epss_percentile;
	char *epss_date;
	bool nvd;
	char *nvd_status, *nvd_cvss_vector, *nvd_cvss_source, *nvd_last_modified, *nvd_cwes;
	double nvd_cvss_score; /* <0 when none */
};
void tt_cve_enrichment_free(struct tt_cve_enrichment *e);

/* Load one CVE back into rec (+ enrichment). -ENOENT with a message when unknown. */
int tt_store_cve_get(struct tt_store *s, const char *id, struct tt_cve_record *rec,
		     struct tt_cve_enrichment *enr, struct tt_error *err);

struct tt_store_counts {
	long published, rejected, dyads, kev, ssvc, epss, nvd;
};
/* Everything counted, for cve status: the dyad pairs and feeds cost scans (~8 ms at the tip). */
int tt_store_counts(struct tt_store *s, struct tt_store_counts *c, struct tt_error *err);
/* Only the published and rejected CVEs, from indexes: for every sync and dashboard refresh. */
int tt_store_cve_counts(struct tt_store *s, struct tt_store_counts *c, struct tt_error *err);

/* ---- kernel profiles and triage (issue 3) ---- */

/*
 * One kernel profile as the store keeps it: facts about one kernel and
 * where each came from. Strings are borrowed: from the caller for
 * tt_store_profile_put(), valid during the callback for reads.
 */
struct tt_store_profile {
	const char *name;
	int64_t created_at;
	const char *version;	    /* upstream "6.1.170"; NULL when unknown */
	bool version_exact;	    /* false: only a distribution ABI prefix is known */
	const char *version_source; /* "--version", "/proc/version", ".config header", ... */
	const char *distro_release; /* "6.1.170-3"; NULL when none */
	const char *uname_release;  /* "6.1.0-47-amd64"; NULL when unknown */
	const char *proc_version;   /* the /proc/version text given or read */
	const char *arch;	    /* SRCARCH, "x86" */
	const char *config;	    /* set symbols, "CONFIG_X=y" lines; NULL when none */
	const char *config_source;
	const char
	    *files_mode; /* "none", "exact" (a build dir) or "predicted" (source + .config) */
	const char *files_source;
	bool running;		    /* read from this host (--running) */
	const char *modules_loaded; /* newline-separated /proc/modules names; NULL when unknown */
	const char *modules_source;
	const char *build_id; /* hex GNU build id of the running kernel; NULL when unknown */
	const char *build_id_source;
	/* Filled by reads only: rows of the file set by kind. */
	long n_builtin, n_module, n_header, n_unknown, n_absent;
};

/*
 * One row of a profile's file set. kind: "builtin", "module", "host" (a
 * compiled source), "header" (included by a compiled object), "unknown"
 * (prediction incomplete there), "absent" (not compiled; note says why).
 */
struct tt_store_profile_file {
	const char *path;   /* relative to the source root: "net/netfilter/nft_set_rbtree.c" */
	const char *kind;   /* see above */
	const char *module; /* "net/netfilter/nf_tables.ko" for module code, else NULL */
	const char *note;   /* "CONFIG_NF_TABLES is not set", the predictor's reason; NULL */
};

struct tt_store_profile_unknown_dir {
	const char *dir;    /* "drivers/gpu": files below it that are not listed are undecided */
	const char *reason; /* why the evaluation stopped there */
};

/*
 * Insert or replace profile p with its file set (files may be NULL when
 * n_files is 0) and its undecided directories. Call inside
 * tt_store_begin() / tt_store_commit(): a profile is replaced whole.
 */
int tt_store_profile_put(struct tt_store *s, const struct tt_store_profile *p,
			 const struct tt_store_profile_file *files, size_t n_files,
			 const struct tt_store_profile_unknown_dir *dirs, size_t n_dirs,
			 struct tt_error *err);
/* Remove a profile and its file set; -ENOENT with a message when there is none. */
int tt_store_profile_delete(struct tt_store *s, const char *name, struct tt_error *err);
/* One profile; -ENOENT with a message naming the known profiles' command when absent. */
int tt_store_profile_get(struct tt_store *s, const char *name,
			 int (*cb)(void *ctx, const struct tt_store_profile *p), void *ctx,
			 struct tt_error *err);
/* Every profile, by name. */
int tt_store_profile_list(struct tt_store *s,
			  int (*cb)(void *ctx, const struct tt_store_profile *p), void *ctx,
			  struct tt_error *err);
/* A profile's file set, by path, then its undecided directories. */
int tt_store_profile_files(struct tt_store *s, const char *name,
			   int (*cb)(void *ctx, const struct tt_store_profile_file *f), void *ctx,
			   struct tt_error *err);
int tt_store_profile_unknown_dirs(struct tt_store *s, const char *name,
				  int (*cb)(void *ctx,
					    const struct tt_store_profile_unknown_dir *d),
				  void *ctx, struct tt_error *err);

/* Every distinct program file of the published CVEs, sorted; appended to out. */
int tt_store_cve_paths(struct tt_store *s, struct tt_strv *out, struct tt_error *err);

/*
 * The bulk read behind triage: every published CVE with what applicability
 * and priority need, in three passes (CVEs, their dyad pairs, their
 * affected blocks), each ordered by CVE id as text. Strings are valid
 * during the callback only. A callback returning non-zero stops the read
 * and that value is returned.
 */
struct tt_store_triage_cve {
	const char *id;
	int64_t first_published; /* 0 when unknown */
	const char *title;	 /* CNA title, or the fix subject from the description */
	const char *files;	 /* program files, comma-separated */
	const char *cna_vector, *cna_rationale; /* CNA CVSS 3.1; NULL when unscored */
	double cna_score;			/* <0 when unscored */
	const char *adp_vector;			/* CISA ADP CVSS 3.1 */
	double adp_score;
	const char *nvd_vector;
	double nvd_score;
	bool kev;
	const char *kev_date_added, *kev_ransomware;
	const char *exploitation, *automatable, *technical_impact; /* SSVC; NULL unknown */
	double epss, epss_percentile;				   /* <0 unknown */
};
struct tt_store_triage_dyad {
	const char *cve_id;
	const char *vuln_version; /* NULL: origin unknown (0:0) */
	const char *fix_version;  /* NULL: never fixed on that branch */
};
struct tt_store_triage_block {
	const char *cve_id;
	const char *default_status; /* "affected", "unaffected", NULL */
	const char *versions;	    /* versions[] as JSON, keys as in the record */
};
struct tt_store_triage_sink {
	int (*cve)(void *ctx, const struct tt_store_triage_cve *c);
	int (*dyad)(void *ctx, const struct tt_store_triage_dyad *d);
	int (*block)(void *ctx, const struct tt_store_triage_block *b);
	void *ctx;
};
int tt_store_triage_read(struct tt_store *s, const struct tt_store_triage_sink *sink,
			 struct tt_error *err);

#endif
