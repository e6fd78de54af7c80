/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel CNA's CVE records (vulns.git: cve/published and cve/rejected).
 *
 * One CVE is a set of files named after its id: NAME.json (CVE JSON 5),
 * NAME.dyad (vulnerable:fixed version pairs), NAME.sha1 (fix commits),
 * NAME.vulnerable (override of the introducing commits), NAME.message
 * (override of the description), NAME.cvss (CNA CVSS 3.1 vector and its
 * rationale), NAME.reference (extra URLs). The parsers fill one
 * struct tt_cve_record; tt_cve_record_free() releases everything in it.
 */
#ifndef TUXTAPE_CVE_H
#define TUXTAPE_CVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"
#include "tuxtape/util.h"

#define TT_CVE_ID_MAX 32

enum tt_cve_state {
	TT_CVE_PUBLISHED = 0,
	TT_CVE_REJECTED = 1,
};

/*
 * One data line of a .dyad file: "vulnVer:vulnSha:fixVer:fixSha".
 * "0:0" on the left means the origin is unknown (the first git release,
 * 2.6.12); "0:0" on the right means the branch was never fixed. Those are
 * stored as NULL, never as the string "0".
 */
struct tt_dyad {
	char *vuln_version; /* NULL: origin unknown */
	char *vuln_commit;  /* NULL: origin unknown */
	char *fix_version;  /* NULL: never fixed */
	char *fix_commit;   /* NULL: never fixed */
	int line;	    /* 1-based line in the .dyad file */
};

/*
 * One entry of affected[].versions[] in the JSON record, fields as written.
 * The five strings share one allocation owned by `version` (never NULL in a
 * parsed record): free(v->version) releases them all. A record has tens of
 * these, so this saves most of an ingest's allocations.
 */
struct tt_affected_version {
	char *version;
	char *less_than;	  /* NULL when absent */
	char *less_than_or_equal; /* NULL when absent ("6.1.*", "*") */
	char *status;		  /* "affected" / "unaffected" */
	char *version_type;	  /* "git", "semver", "original_commit_for_fix", NULL */
};

/* Fields of tt_affected_version_set(), in struct order. */
enum {
	TT_AV_VERSION,
	TT_AV_LESS_THAN,
	TT_AV_LESS_THAN_OR_EQUAL,
	TT_AV_STATUS,
	TT_AV_TYPE,
	TT_AV_FIELDS
};

/*
 * Fill v with copies of fields[TT_AV_*] (each NULL or a string of lens[i]
 * bytes) in one allocation. fields[TT_AV_VERSION] must not be NULL.
 */
void tt_affected_version_set(struct tt_affected_version *v, const char *const fields[TT_AV_FIELDS],
			     const size_t lens[TT_AV_FIELDS]);

/* One affected[] block of the JSON record. */
struct tt_affected {
	char *vendor;
	char *product;
	char *repo;
	char *default_status; /* "affected" / "unaffected" / NULL */
	struct tt_strv program_files;
	struct tt_affected_version *versions;
	size_t n_versions;
};

/* CVSS 3.1 as the CNA scored it (JSON metrics, or the .cvss file). */
struct tt_cvss {
	char *vector;	      /* "CVSS:3.1/AV:L/..." */
	double base_score;    /* computed from the vector, 0.0..10.0 */
	const char *severity; /* static string: NONE, LOW, MEDIUM, HIGH, CRITICAL */
	char *source;	      /* scorer's org id, NULL when unknown */
	char *rationale;      /* the explanation, one metric per line; NULL when none */
};

struct tt_cve_record {
	char id[TT_CVE_ID_MAX]; /* "CVE-2024-26581" */
	enum tt_cve_state state;
	char *title;		    /* CNA title, NULL when absent */
	char *description;	    /* .message if present, else the CNA English description */
	char *rejected_reason;	    /* for rejected records */
	int64_t date_reserved;	    /* cveMetadata.dateReserved, 0 when absent */
	int64_t date_updated;	    /* cveMetadata.dateUpdated, 0 when absent */
	int64_t first_published;    /* set by sync: commit time that first published it */
	struct tt_strv fix_commits; /* .sha1 */
	struct tt_strv vulnerable_commits; /* .vulnerable override */
	struct tt_strv references;	   /* JSON references + .reference */
	struct tt_strv program_files;	   /* union of the affected blocks' programFiles */
	struct tt_dyad *dyads;
	size_t n_dyads;
	struct tt_affected *affected;
	size_t n_affected;
	bool has_cvss;
	struct tt_cvss cvss;
};

void tt_cve_record_init(struct tt_cve_record *rec);
void tt_cve_record_free(struct tt_cve_record *rec);

/* True when s is "CVE-YYYY-NNNN..." with at least four digits after the year. */
bool tt_cve_id_valid(const char *s);

/*
 * Parse a .dyad file into rec->dyads (appending). Comment lines start with '#'.
 * A malformed line is reported to diag with file and line and skipped; the
 * return value is the number of lines skipped (0 when all were good).
 */
int tt_dyad_parse(const char *text, size_t len, const char *file, struct tt_cve_record *rec,
		  const struct tt_diag_sink *diag);

/*
 * A reusable CVE JSON 5 parser (it keeps a token buffer between records, so
 * give each thread its own). Parsing reads only the fields tuxtape stores.
 * tt_cve_load_dir*() also keep the last directory read from open until a
 * different one is asked for or the parser is freed: use a new parser after
 * replacing a directory under the same path.
 */
struct tt_cve_parser;
struct tt_cve_parser *tt_cve_parser_new(void);
void tt_cve_parser_free(struct tt_cve_parser *p);

/*
 * Parse one CVE JSON 5 record (published or rejected) into rec: id, state,
 * title, description, rejection reason, dates, affected blocks, program
 * files, references, CNA CVSS 3.1 metrics with their scenario text.
 * Returns 0, or a negative code with err set when the text is not a CVE
 * record at all (rec is then left untouched); oddities inside a valid
 * record go to diag.
 */
int tt_cve_parse_json(struct tt_cve_parser *p, const char *text, size_t len, const char *file,
		      struct tt_cve_record *rec, const struct tt_diag_sink *diag,
		      struct tt_error *err);

/*
 * CVSS 3.1 base score of a vector "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
 * (FIRST specification, including its Roundup). *severity points to a static
 * string. Returns -EINVAL with err naming the bad metric otherwise.
 */
int tt_cvss31_score(const char *vector, double *score, const char **severity, struct tt_error *err);

/* CVSS 3.1 qualitative severity of a base score: NONE, LOW, MEDIUM, HIGH, CRITICAL. */
const char *tt_cvss_severity(double score);

/*
 * Parse a .cvss file: first line "ORGID CVSS:3.1/...", then after a blank
 * line an optional rationale whose continuation lines (indented) are joined,
 * one metric per line. Fills rec->cvss (replacing JSON metrics) and sets has_cvss.
 */
int tt_cvss_file_parse(const char *text, size_t len, const char *file, struct tt_cve_record *rec,
		       const struct tt_diag_sink *diag, struct tt_error *err);

/*
 * Whitespace-separated commit ids (.sha1, .vulnerable) appended to out; bad tokens go to diag.
 * Returns the number of bad tokens skipped.
 */
int tt_commit_list_parse(const char *text, size_t len, const char *file, struct tt_strv *out,
			 const struct tt_diag_sink *diag);

/*
 * Load every file of one CVE from a directory (DIR/ID.json, .dyad, .sha1,
 * .vulnerable, .message, .cvss, .reference). The .json file is required;
 * the others are optional. state says which directory it came from.
 */
int tt_cve_load_dir(struct tt_cve_parser *p, const char *dir, const char *id,
		    enum tt_cve_state state, struct tt_cve_record *rec,
		    const struct tt_diag_sink *diag, struct tt_error *err);

/*
 * The files of one CVE a directory listing found, as bits: lets a bulk
 * ingest open only the files that exist (most CVEs have 2 or 3 of the 7,
 * and a failing open() costs as much as a successful one).
 */
enum {
	TT_CVE_HAS_JSON = 1u << 0,
	TT_CVE_HAS_DYAD = 1u << 1,
	TT_CVE_HAS_SHA1 = 1u << 2,
	TT_CVE_HAS_VULNERABLE = 1u << 3,
	TT_CVE_HAS_MESSAGE = 1u << 4,
	TT_CVE_HAS_CVSS = 1u << 5,
	TT_CVE_HAS_REFERENCE = 1u << 6,
	TT_CVE_HAS_ALL = 0x7fu,
};

/* The TT_CVE_HAS_* bit of a file name's extension (".dyad"); 0 for any other. */
unsigned tt_cve_file_bit(const char *ext);

struct tt_cve_dir_entry {
	char id[TT_CVE_ID_MAX];
	unsigned files; /* TT_CVE_HAS_* */
};

/*
 * List one directory of CVE files (cve/published/2024): one entry per id
 * that has a .json, sorted by year then number, with the files present.
 * Other names are ignored; an id with files but no .json (a leftover after
 * the record moved to rejected/) is reported to diag and left out.
 * *out is an array the caller frees.
 */
int tt_cve_list_dir(const char *dir, struct tt_cve_dir_entry **out, size_t *n,
		    const struct tt_diag_sink *diag, struct tt_error *err);

/*
 * tt_cve_load_dir() opening only the optional files whose TT_CVE_HAS_* bit
 * is set in files (from tt_cve_list_dir); tt_cve_load_dir() tries them all.
 */
int tt_cve_load_dir_files(struct tt_cve_parser *p, const char *dir, const char *id, unsigned files,
			  enum tt_cve_state state, struct tt_cve_record *rec,
			  const struct tt_diag_sink *diag, struct tt_error *err);

/*
 * Where one CVE's files come from, for loading from something other than a
 * directory (sync reads git blobs without checking them out). read() gives
 * the bytes of NAME ("CVE-2024-26581.dyad"), valid until its next call;
 * returns 0, -ENOENT when there is no such file, or another negative code.
 * where names the place in messages ("cve/published/2024 at f40280d").
 */
struct tt_cve_file_source {
	int (*read)(void *ctx, const char *name, const char **text, size_t *len);
	void *ctx;
	const char *where;
};

/* tt_cve_load_dir_files() over any source; files says which optional files to try. */
int tt_cve_load_from(struct tt_cve_parser *p, const struct tt_cve_file_source *src, const char *id,
		     unsigned files, enum tt_cve_state state, struct tt_cve_record *rec,
		     const struct tt_diag_sink *diag, struct tt_error *err);

/*
 * The stable branch a dyad pair belongs to: "6.1" for a fix in 6.1.78, the
 * mainline release "6.8" for a fix in 6.8 or 6.8-rc3; for a never-fixed pair,
 * the introducing version's major.minor. Writes "" when nothing is known.
 */
void tt_dyad_branch(const struct tt_dyad *d, char *out, size_t n);
/* Free n pairs' strings and the array (what tt_cve_record_free does with rec->dyads). */
void tt_dyads_free(struct tt_dyad *pairs, size_t n);

#endif
