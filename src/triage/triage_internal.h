/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/triage: the in-memory CVE database, profiles, the version evaluator. */
#ifndef TT_TRIAGE_INTERNAL_H
#define TT_TRIAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/triage.h"

/* ---------------- a string -> size_t hash map ---------------- */

struct tri_map_slot {
	char *key; /* owned; NULL: empty slot */
	uint64_t hash;
	size_t value;
};
struct tri_map {
	struct tri_map_slot *slots;
	size_t n, cap;
	bool borrowed; /* keys are the caller's, alive as long as the map: not copied */
};

/* false when key was there already (its value is kept). */
bool tri_map_put(struct tri_map *m, const char *key, size_t value);
/* Room for n keys without rehashing on the way. */
void tri_map_reserve(struct tri_map *m, size_t n);
bool tri_map_get(const struct tri_map *m, const char *key, size_t *value);
bool tri_map_getn(const struct tri_map *m, const char *key, size_t n, size_t *value);
void tri_map_free(struct tri_map *m);

/* ---------------- version evaluation ---------------- */

/* One .dyad pair, parsed once at load. */
struct tri_pair {
	struct tt_kver intro, fix;
	bool has_intro; /* false: 0:0, before git history */
	bool has_fix;	/* false: never fixed on that branch */
};

enum tri_range_kind {
	TRI_RANGE_POINT,  /* exactly lo */
	TRI_RANGE_LT,	  /* lo <= v < hi */
	TRI_RANGE_LE,	  /* lo <= v <= hi */
	TRI_RANGE_BRANCH, /* lo <= v on hi's branch ("6.1.*") */
	TRI_RANGE_OPEN,	  /* lo <= v ("*") */
};

/* One semver entry of a JSON affected block (git-commit entries are not kept). */
struct tri_range {
	struct tt_kver lo, hi;
	uint8_t kind;  /* enum tri_range_kind */
	bool lo_zero;  /* "0": no lower bound */
	bool affected; /* status "affected" (else "unaffected") */
};

/* What the JSON blocks' defaults say when no range matches: -1 nothing, 0 unaffected, 1 affected.
 */
struct tri_json {
	const struct tri_range *ranges;
	size_t n;
	int default_affected;
};

/* Parse one dyad's versions; false when a version does not parse. */
bool tri_pair_from_strings(const char *vuln, const char *fix, struct tri_pair *out);
/* Append the semver ranges of one block's versions[] JSON text; returns -1 on bad JSON. */
int tri_ranges_from_json(const char *versions_json, struct tri_range **v, size_t *n, size_t *cap);
/* Same from a parsed block. */
void tri_ranges_from_block(const struct tt_affected *a, struct tri_range **v, size_t *n,
			   size_t *cap);
/* Does a block with this default status and these entries speak for semver versions? */
int tri_block_default(const char *default_status, bool has_semver_entries);

/* A version with its text forms, computed once per scan rather than once per CVE. */
struct tri_vtext {
	const struct tt_kver *v;
	char vs[TT_KVER_STR_MAX], branch[TT_KVER_STR_MAX];
};
void tri_vtext_init(struct tri_vtext *t, const struct tt_kver *v);
/* tt_kver_format without the allocation: the scan formats tens of thousands. */
void tri_kver_str(const struct tt_kver *v, char out[TT_KVER_STR_MAX]);

void tri_version_eval(const struct tri_vtext *v, const struct tri_pair *pairs, size_t n,
		      const struct tri_json *json, struct tt_triage_version_result *out);

/* ---------------- the in-memory CVE database ---------------- */

enum tri_file_class {
	TRI_FILE_SOURCE, /* .c .S .rs: compiled */
	TRI_FILE_HEADER, /* .h: included */
	TRI_FILE_BUILD,	 /* Kconfig, Makefile, Kbuild, device trees: decide nothing alone */
	TRI_FILE_OUTSIDE /* tools/, Documentation/, samples/, scripts/: not kernel code */
};

struct tri_file {
	char *path;
	uint8_t cls; /* enum tri_file_class */
	/* arch/X/...: X, for ruling out other architectures without a file set */
	char arch[16];
};

struct tri_cve {
	char id[TT_CVE_ID_MAX];
	char *title;
	int64_t published;
	struct tri_file *files;
	size_t n_files;
	size_t pair_off, n_pairs;   /* into db->pairs */
	size_t range_off, n_ranges; /* into db->ranges */
	int json_default;	    /* see struct tri_json */
	bool bad_pairs;		    /* some pair did not parse */
	/* CVSS 3.1 per origin: 0 cna, 1 cisa-adp, 2 nvd */
	char *vector[3];
	double score[3];
	bool rationale_userns; /* CNA rationale mentions user namespaces / unprivileged users */
	bool kev, kev_ransomware;
	char *exploitation; /* SSVC */
	double epss;
};

struct tt_triage_db {
	struct tri_cve *cves;
	size_t n, cap;
	struct tri_pair *pairs;
	size_t n_pairs, cap_pairs;
	struct tri_range *ranges;
	size_t n_ranges, cap_ranges;
	struct tri_map index; /* id -> position, while loading */
};

void tri_file_classify(const char *path, struct tri_file *f);
struct tri_cve *tri_db_append(struct tt_triage_db *db, const char *id);

/* ---------------- profiles ---------------- */

struct tt_profile {
	struct tt_profile_info info;
	char *name, *version_source, *distro_release, *uname_release, *proc_version, *arch;
	char *config_text, *config_source, *files_source, *modules_source, *build_id,
	    *build_id_source;
	struct tt_profile_file *files;
	size_t n_files, cap_files;
	struct tri_map file_index;   /* path -> index in files */
	struct tri_map unknown_dirs; /* dir -> index in unknown_reasons */
	struct tt_strv unknown_reasons;
	struct tri_map built_dirs; /* directories holding compiled files (predicted sets) */
	struct tri_map modules;	   /* loaded module names, '-' folded to '_' */
};

void tri_profile_add_file(struct tt_profile *p, const char *path, enum tt_profile_kind kind,
			  const char *module, const char *note);
/* The same for a path known to be new (rows read back from the store): no lookup. */
void tri_profile_append_file(struct tt_profile *p, const char *path, enum tt_profile_kind kind,
			     const char *module, const char *note);
void tri_profile_add_unknown_dir(struct tt_profile *p, const char *dir, const char *reason);
void tri_profile_finish(struct tt_profile *p);
void tri_profile_add_module(struct tt_profile *p, const char *module);
struct tt_profile *tri_profile_new(const char *name);
enum tt_profile_kind tri_kind_parse(const char *s);

/* Host facts. */
int tri_read_modules(const char *path, struct tt_profile *p, struct tt_error *err);
int tri_read_build_id(const char *path, char **hex, struct tt_error *err);

/* What the makefiles say about a file a build leaves out. */
enum tri_why {
	TRI_WHY_UNSET,	   /* a rule on its chain needs a symbol the config leaves unset (*note) */
	TRI_WHY_SATISFIED, /* every rule on its chain has its symbols set */
	TRI_WHY_NO_RULE,   /* no rule in its directory names its object */
	TRI_WHY_UNDETERMINED, /* the chain is lost above (a directory no makefile names) */
};
enum tri_why tri_why(const char *source_root, const struct tt_kconfig *cfg, const char *path,
		     char **note);

/* The arch an SRCARCH-less config is for ("x86" for CONFIG_X86=y), NULL when not known. */
const char *tri_config_arch(const struct tt_kconfig *cfg);

/* ---------------- priority ---------------- */

struct tri_score_input {
	const struct tri_cve *cve;
	enum tt_triage_verdict verdict;
	enum tt_triage_build build;
	bool running, modules_known, module_loaded;
	int64_t now;
};
#define TRI_MAX_TERMS 16
/*
 * Fill it->priority and the effective CVSS fields; the terms go to
 * terms[] (TRI_MAX_TERMS of room) and their count to it->n_terms.
 */
void tri_priority_score(const struct tt_policy *pol, const struct tri_score_input *in,
			struct tt_triage_item *it, struct tt_triage_term *terms);
bool tri_policy_kev_first(const struct tt_policy *pol);

#endif
