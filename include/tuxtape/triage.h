/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Triage: which CVEs apply to a kernel, why, and in what order to act.
 *
 *  - tt_profile_*:   a kernel profile: upstream version, .config, the files
 *                    its build compiles (exact from a build directory, or
 *                    predicted from a source tree), and for the running
 *                    host its loaded modules and build id. Built from
 *                    inputs, kept in the store.
 *  - tt_triage_db_*: every published CVE, loaded from the store once into
 *                    memory (dyad pairs, JSON ranges, files, scores, feeds).
 *  - tt_triage_scan: one verdict per CVE and profile, with a reason a
 *                    reviewer can check, and a priority for what applies.
 *  - tt_policy_*:    the priority policy: `key = value` lines over
 *                    built-in defaults (docs/triage.md lists every key).
 *  - tt_triage_openvex / tt_triage_cyclonedx: VEX documents of a scan.
 *
 * Conventions as everywhere: 0 / negative errno with struct tt_error
 * filled, nothing printed, opaque objects freed by their _free().
 */
#ifndef TUXTAPE_TRIAGE_H
#define TUXTAPE_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/cve.h"
#include "tuxtape/error.h"
#include "tuxtape/kernel.h"
#include "tuxtape/store.h"
#include "tuxtape/util.h"

/* ======================================================================
 * Verdicts
 * ====================================================================== */

/*
 * The order is the report order: what needs action first.
 *  affected:     the version is in a vulnerable range and the code is built
 *                (or the profile has no compiled-file set to rule it out);
 *  unknown:      cannot tell: header-only change without deps data, files
 *                where the Kbuild prediction was incomplete, or a version
 *                that is not known exactly;
 *  fixed:        the branch carries the fix (the reason names the release);
 *  not-affected: the version range excludes this kernel (introduced later,
 *                or never shipped on its branch);
 *  not-built:    the version is vulnerable but none of the CVE's files is
 *                compiled into this kernel.
 */
enum tt_triage_verdict {
	TT_VERDICT_AFFECTED = 0,
	TT_VERDICT_UNKNOWN,
	TT_VERDICT_FIXED,
	TT_VERDICT_NOT_AFFECTED,
	TT_VERDICT_NOT_BUILT,
	TT_VERDICT__COUNT
};

/* "affected", "unknown", "fixed", "not-affected", "not-built". */
const char *tt_triage_verdict_name(enum tt_triage_verdict v);
/* The same names back (also "not_affected", "not_built"); -EINVAL otherwise. */
int tt_triage_verdict_parse(const char *s, enum tt_triage_verdict *out);

/* ======================================================================
 * Version algebra over one CVE's .dyad pairs (the kernel CNA's semantics)
 * ====================================================================== */

#define TT_TRIAGE_REASON_MAX 512

struct tt_triage_version_result {
	enum tt_triage_verdict verdict; /* AFFECTED, FIXED, NOT_AFFECTED or UNKNOWN */
	/* The release that fixes it on v's branch: set for FIXED, and for
	 * AFFECTED when a later release of the branch carries the fix. */
	char fixed_in[TT_KVER_STR_MAX];
	/* The JSON record's affected ranges say otherwise (named in reason). */
	bool json_disagrees;
	char reason[TT_TRIAGE_REASON_MAX];
};

/*
 * The verdict for a kernel at upstream version v from the CVE's dyad pairs,
 * cross-checked with the semver ranges of its JSON affected blocks (blocks
 * may be NULL). The rules (docs/triage.md):
 *  - pairs on v's branch decide: introduced <= v < fixed is affected, v at
 *    or after the fix is fixed, v before every introduction is not
 *    affected; a pair with equal versions never shipped there;
 *  - a mainline fix speaks for every later branch and mainline release;
 *  - with no pair on v's branch, the branch inherits the bug when it was
 *    introduced in mainline (or before git history, 0:0) at or before the
 *    branch's base release and not fixed in mainline before it: a branch
 *    never fixed stays vulnerable;
 *  - no pairs at all, or none that parses: unknown.
 */
int tt_triage_check_version(const struct tt_kver *v, const struct tt_dyad *dyads, size_t n_dyads,
			    const struct tt_affected *blocks, size_t n_blocks,
			    struct tt_triage_version_result *out);

/* ======================================================================
 * Kernel profiles
 * ====================================================================== */

/* What a profile knows about one path. */
enum tt_profile_kind {
	TT_PROFILE_ABSENT = 0, /* not compiled / not included */
	TT_PROFILE_BUILTIN,    /* compiled into the kernel image */
	TT_PROFILE_MODULE,     /* compiled into a loadable module */
	TT_PROFILE_HOST,       /* a host program built along, not kernel code */
	TT_PROFILE_HEADER,     /* a header some compiled object includes (deps data) */
	TT_PROFILE_UNKNOWN,    /* the prediction was incomplete there */
};
const char *tt_profile_kind_name(enum tt_profile_kind k); /* "builtin", "module", ... */

enum tt_profile_files_mode {
	TT_PROFILE_FILES_NONE = 0,  /* no compiled-file set: files are not checked */
	TT_PROFILE_FILES_EXACT,	    /* read from a build directory's .cmd files */
	TT_PROFILE_FILES_PREDICTED, /* Kbuild evaluated over a source tree and .config */
};

struct tt_profile;

/* What `tuxtape kernel add` was given. Every input is optional but the name. */
struct tt_profile_opts {
	const char *name;
	const char *version;	   /* upstream version ("6.1.170") */
	const char *config_path;   /* a .config (plain or gzip) */
	const char *build_dir;	   /* a kernel build directory: the exact compiled set */
	const char *source_dir;	   /* a kernel source tree: the predicted compiled set */
	const char *arch;	   /* SRCARCH; default: from the .config, else x86 */
	const char *uname_release; /* `uname -r` of the kernel ("6.1.0-47-amd64") */
	const char *proc_version;  /* the text of its /proc/version */
	bool running;		   /* read this host: uname, /proc/version, config, modules */
	/*
	 * The program files of the CVEs in the store: a predicted set is
	 * probed for each, so the files a CVE names are recorded exactly
	 * (undecided, or not compiled with the controlling CONFIG_ symbol).
	 */
	const struct tt_strv *cve_paths;
	/* For tests: other locations of /proc/modules and /sys/kernel/notes. */
	const char *proc_modules_path, *kernel_notes_path;
	int64_t now; /* creation time; 0 means the current time */
};

/*
 * Gather a profile's facts from its inputs: version (--version, else
 * /proc/version, else the build's kernel.release, the source Makefile or
 * the .config header), the config's set symbols, the compiled-file set,
 * host facts. Unreadable inputs are errors; missing optional host facts
 * (no /proc/modules in a container) go to diag.
 */
int tt_profile_build(const struct tt_profile_opts *o, struct tt_profile **out,
		     const struct tt_diag_sink *diag, struct tt_error *err);
void tt_profile_free(struct tt_profile *p);

/* Store a profile (replacing one of the same name) in its own transaction. */
int tt_profile_save(struct tt_store *s, const struct tt_profile *p, struct tt_error *err);
/* Load one back; -ENOENT naming `tuxtape kernel list` when there is none. */
int tt_profile_load(struct tt_store *s, const char *name, struct tt_profile **out,
		    struct tt_error *err);

/* A read-only view of a profile's facts; strings are owned by the profile. */
struct tt_profile_info {
	const char *name;
	int64_t created_at;
	bool has_version;
	struct tt_kver version;
	bool version_exact; /* false: only the distribution ABI prefix is known */
	const char *version_source;
	const char *distro_release, *uname_release, *proc_version, *arch; /* NULL unknown */
	bool has_config;
	size_t config_symbols;
	const char *config_source;
	enum tt_profile_files_mode files_mode;
	const char *files_source;
	size_t n_builtin, n_module, n_host, n_header, n_unknown, n_absent, n_unknown_dirs;
	bool running;
	bool modules_known;
	size_t n_modules_loaded;
	const char *modules_source;
	const char *build_id, *build_id_source;
};
const struct tt_profile_info *tt_profile_info(const struct tt_profile *p);

/* The set symbols as "CONFIG_X=value" lines ("" when the profile has no config). */
const char *tt_profile_config_text(const struct tt_profile *p);

/* The file set, by path. */
struct tt_profile_file {
	const char *path;
	enum tt_profile_kind kind;
	const char *module; /* "net/netfilter/nf_tables.ko" for module code, else NULL */
	const char *note;   /* why: "CONFIG_NF_TABLES is not set"; NULL when nothing to say */
};
size_t tt_profile_file_count(const struct tt_profile *p);
const struct tt_profile_file *tt_profile_file_at(const struct tt_profile *p, size_t i);

/*
 * How path is built in this profile. *note (may be NULL) gets the stored
 * reason, or the undecided directory's. With no file set: UNKNOWN.
 */
enum tt_profile_kind tt_profile_lookup(const struct tt_profile *p, const char *path,
				       const struct tt_profile_file **file, const char **note);
/* Is the module ("net/netfilter/nf_tables.ko" or "nf_tables") loaded? false when unknown. */
bool tt_profile_module_loaded(const struct tt_profile *p, const char *module);

/* Rename, or move to another version: for benchmarks and what-if scans. */
void tt_profile_set_name(struct tt_profile *p, const char *name);
int tt_profile_set_version(struct tt_profile *p, const char *version, const char *source,
			   struct tt_error *err);

/*
 * Why the build leaves path out, from the Kbuild makefiles under
 * source_root and the config: "CONFIG_NF_TABLES is not set". Follows
 * composite objects (nf_tables-objs) and the directory chain up to the
 * top. NULL when no unset symbol controls it. Caller frees.
 */
char *tt_profile_why_not_built(const char *source_root, const struct tt_kconfig *cfg,
			       const char *path);

/* ======================================================================
 * Priority policy
 * ====================================================================== */

struct tt_policy;

/* A policy holding the built-in defaults. */
struct tt_policy *tt_policy_new(void);
void tt_policy_free(struct tt_policy *pol);

/*
 * Apply `key = value` lines over pol: '#' or ';' start a comment, blank
 * lines are skipped, an optional "[priority]" section header is accepted.
 * An unknown key or a bad value is an error naming file and line (a typo
 * must not silently fall back to a default); pol is unchanged then.
 */
int tt_policy_parse(struct tt_policy *pol, const char *text, size_t len, const char *file,
		    struct tt_error *err);
int tt_policy_load(struct tt_policy *pol, const char *path, struct tt_error *err);
/* Set one key from its text value, as a policy line would. */
int tt_policy_set(struct tt_policy *pol, const char *key, const char *value, struct tt_error *err);
/* A numeric key's value; NAN for an unknown or non-numeric key. */
double tt_policy_get(const struct tt_policy *pol, const char *key);

struct tt_policy_key {
	const char *key;
	const char *default_value;
	const char *help;
};
/* Every key with its default and meaning (for --help and docs). */
const struct tt_policy_key *tt_policy_keys(size_t *n);
/* The effective policy as `key = value` lines. */
void tt_policy_format(const struct tt_policy *pol, struct tt_buf *out);

/* ======================================================================
 * The CVE database in memory, and scans
 * ====================================================================== */

struct tt_triage_db;

/* Load every published CVE from the store (one bulk read). */
int tt_triage_db_load(struct tt_store *s, struct tt_triage_db **out,
		      const struct tt_diag_sink *diag, struct tt_error *err);
/* An empty database, filled with tt_triage_db_add (tests, fixtures). */
struct tt_triage_db *tt_triage_db_new(void);
/* Add one parsed record with its enrichment (enr may be NULL). */
int tt_triage_db_add(struct tt_triage_db *db, const struct tt_cve_record *rec,
		     const struct tt_cve_enrichment *enr, struct tt_error *err);
size_t tt_triage_db_count(const struct tt_triage_db *db);
void tt_triage_db_free(struct tt_triage_db *db);

/* How a CVE's code is built in the profile (the strongest over its files). */
enum tt_triage_build {
	TT_BUILD_BUILTIN = 0,
	TT_BUILD_MODULE,
	TT_BUILD_HEADER,    /* only headers, included by compiled objects */
	TT_BUILD_UNCHECKED, /* the profile has no compiled-file set */
	TT_BUILD_UNKNOWN,   /* undecided (header without deps data, incomplete prediction) */
	TT_BUILD_ABSENT,    /* none of its files is compiled */
};
const char *tt_triage_build_name(enum tt_triage_build b);

/* One term of a priority score, for --explain. */
struct tt_triage_term {
	const char *key; /* the policy key that gave the points */
	double points;
	char detail[120]; /* "CVSS 7.8 (cna) x 5" */
};

struct tt_triage_item {
	const char *cve_id;
	const char *title;
	enum tt_triage_verdict verdict;
	const char *reason;	    /* the version and build reasons together, in words */
	const char *version_reason; /* "6.1 branch: introduced in 6.1.43, fixed in ..." */
	const char *build_reason;   /* "net/netfilter/nft_set_rbtree.c is built as a module" */
	const char *fixed_in;	    /* the fix on this kernel's branch; NULL when none known */
	enum tt_triage_build build;
	const char *module;	 /* one module the code is in, when build is MODULE */
	bool module_loaded;	 /* running profiles with a module list only */
	bool json_disagrees;	 /* the JSON ranges contradict the dyad pairs */
	double priority;	 /* for affected and unknown; 0 otherwise */
	double cvss;		 /* effective base score, <0 none */
	const char *cvss_vector; /* its vector */
	const char *cvss_origin; /* "cna", "cisa-adp", "nvd" */
	bool kev;
	const char *exploitation;	    /* SSVC: "active", "poc", "none"; NULL unknown */
	double epss;			    /* <0 unknown */
	int64_t published;		    /* first published, 0 unknown */
	const struct tt_triage_term *terms; /* the priority's terms, n_terms of them */
	size_t n_terms;
};

struct tt_triage_result;

/*
 * Evaluate every CVE of db against profile p (items point into db and p:
 * free the result first). pol NULL uses the defaults;
 * now (UTC seconds, 0: the current time) dates the age term. Items come
 * sorted: affected first, then unknown (with KEV-listed first when the
 * policy says so, then by priority), then fixed, not-affected, not-built.
 */
int tt_triage_scan(const struct tt_triage_db *db, const struct tt_profile *p,
		   const struct tt_policy *pol, int64_t now, struct tt_triage_result **out,
		   struct tt_error *err);
void tt_triage_result_free(struct tt_triage_result *r);
size_t tt_triage_result_count(const struct tt_triage_result *r);
const struct tt_triage_item *tt_triage_result_item(const struct tt_triage_result *r, size_t i);
const struct tt_triage_item *tt_triage_result_find(const struct tt_triage_result *r,
						   const char *cve_id);
/* How many items have each verdict. */
void tt_triage_result_counts(const struct tt_triage_result *r, size_t counts[TT_VERDICT__COUNT]);

/* The verdict, its reason and every priority term, as text lines. */
void tt_triage_explain(const struct tt_triage_item *it, struct tt_buf *out);

/* ======================================================================
 * VEX documents
 * ====================================================================== */

/* One scanned profile and the items to put in a document. */
struct tt_triage_vex_input {
	const struct tt_profile *profile;
	const struct tt_triage_item *const *items;
	size_t n_items;
};

struct tt_triage_vex_opts {
	const char *author;    /* default "tuxtape" */
	const char *tool;      /* "tuxtape 0.1.0" */
	int64_t timestamp;     /* 0: now */
	const char *id_prefix; /* document @id prefix; default "https://tuxtape.invalid/vex/" */
};

/*
 * OpenVEX 0.2.0: one statement per CVE and profile. affected ->
 * "affected" (with an action statement), fixed -> "fixed", not-affected ->
 * "not_affected" / vulnerable_code_not_present, not-built ->
 * "not_affected" / vulnerable_code_not_present, unknown ->
 * "under_investigation". *out is JSON text the caller frees.
 */
int tt_triage_openvex(const struct tt_triage_vex_input *in, size_t n_in,
		      const struct tt_triage_vex_opts *opts, char **out, struct tt_error *err);
/*
 * CycloneDX 1.5 JSON: one component per profile (the kernel), and
 * vulnerabilities[] with analysis.state exploitable / resolved /
 * not_affected (+ justification code_not_present) / in_triage.
 */
int tt_triage_cyclonedx(const struct tt_triage_vex_input *in, size_t n_in,
			const struct tt_triage_vex_opts *opts, char **out, struct tt_error *err);

#endif
