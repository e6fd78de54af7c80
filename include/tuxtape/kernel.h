/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel a machine runs, and the source files its build compiles.
 *
 *  - tt_kver_*:    upstream version algebra (6.1.170, 6.8-rc3, 2.6.39.4),
 *                  branches, mainline releases, the CNA dyad range rule.
 *  - tt_kernel_release_*: a running kernel's identity from its uname release
 *                  and /proc/version (Debian "6.1.0-47-amd64" -> 6.1.170).
 *  - tt_kconfig_*: a .config (plain or gzip, e.g. /proc/config.gz).
 *  - tt_kcmd_* / tt_kbuild_tree_*: the exact compiled set, read from the
 *                  .*.o.cmd files a build leaves in its build directory.
 *  - tt_kbuild_predict*: the compiled set predicted from a .config and a
 *                  source tree by evaluating the Kbuild makefiles, with what
 *                  could not be evaluated reported as unknown.
 *
 * Conventions: 0 / negative errno returns with struct tt_error filled;
 * malformed input lines go to a tt_diag_sink with file and line. Paths of
 * source files are relative to the source tree root ("kernel/fork.c").
 */
#ifndef TUXTAPE_KERNEL_H
#define TUXTAPE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuxtape/error.h"
#include "tuxtape/util.h"

/* ======================================================================
 * Versions
 * ====================================================================== */

#define TT_KVER_MAX_PARTS 4
/* Longest formatted version ("4294967295.4294967295.4294967295.4294967295-rc4294967295"). */
#define TT_KVER_STR_MAX 64

/*
 * An upstream kernel version. Missing components are 0 and n_parts says how
 * many were written: "6.8" is {6,8,0,0} n_parts 2; "2.6.39.4" {2,6,39,4} 4.
 * rc is N for "-rcN" and 0 for a release.
 */
struct tt_kver {
	uint32_t part[TT_KVER_MAX_PARTS];
	uint8_t n_parts;
	uint32_t rc;
};

/*
 * Parse an upstream version: "6.1.170", "6.8", "6.8-rc3", "2.6.39.4", "3.0".
 * The whole string must be a version (surrounding blanks allowed).
 * Returns -EINVAL otherwise.
 */
int tt_kver_parse(const char *s, struct tt_kver *out, struct tt_error *err);

/*
 * Parse the version at the start of s and stop at the first character that
 * cannot continue it ("6.1.0-47-amd64" -> 6.1.0, *end -> "-47-amd64";
 * "6.8-rc3+" -> 6.8-rc3, *end -> "+"). end may be NULL.
 */
int tt_kver_parse_prefix(const char *s, struct tt_kver *out, const char **end);

/*
 * Order: numerically by component (missing = 0), then a release candidate
 * before its release: 6.8-rc1 < 6.8-rc3 < 6.8 == 6.8.0 < 6.8.1 < 6.9-rc1.
 * Returns <0, 0, >0.
 */
int tt_kver_cmp(const struct tt_kver *a, const struct tt_kver *b);

/*
 * The stable branch a version belongs to: "6.1" for 6.1.170 and for 6.1;
 * "6.8" for 6.8-rc3; "2.6.39" for 2.6.39.4 (2.6 kernels branch on the third
 * component). The branch is returned as a version (rc 0).
 */
void tt_kver_branch(const struct tt_kver *v, struct tt_kver *branch);
bool tt_kver_same_branch(const struct tt_kver *a, const struct tt_kver *b);
/* Order of the branches of a and b (6.1.x < 6.6.y whatever x and y). */
int tt_kver_branch_cmp(const struct tt_kver *a, const struct tt_kver *b);

/* A mainline release or release candidate: "6.8", "6.8-rc3", "2.6.39"; not "6.8.1". */
bool tt_kver_is_mainline(const struct tt_kver *v);

/*
 * Canonical text: at least major.minor, the written components, "-rcN".
 * Returns the length snprintf would have written.
 */
int tt_kver_format(const struct tt_kver *v, char *out, size_t n);

/* Same, for the branch of v ("6.1"). */
int tt_kver_branch_format(const struct tt_kver *v, char *out, size_t n);

/*
 * The kernel CNA's rule for one .dyad pair (introduced -> fixed) against a
 * kernel at version v. introduced NULL means the origin is unknown (2.6.12,
 * the first git release); fixed NULL means the branch was never fixed.
 *
 * The pair speaks about one branch: the branch of `fixed`, or for a
 * never-fixed pair the branch of `introduced`. A mainline anchor (x.y or
 * x.y-rcN) also speaks for every later branch, which all descend from it,
 * and for the earlier mainline releases (not their stable point releases,
 * which may carry a backport of their own). Equal introduced and fixed
 * versions mean the bug never shipped on that branch. Combining the pairs
 * of one CVE (several branches) is the caller's job.
 */
enum tt_kver_pair_verdict {
	TT_KVER_PAIR_OTHER_BRANCH = 0, /* the pair says nothing about v's branch */
	TT_KVER_PAIR_NOT_YET,	       /* v is on the branch but older than introduced */
	TT_KVER_PAIR_AFFECTED,	       /* introduced <= v < fixed (or never fixed) */
	TT_KVER_PAIR_FIXED,	       /* v >= fixed */
};
enum tt_kver_pair_verdict tt_kver_pair_check(const struct tt_kver *v,
					     const struct tt_kver *introduced,
					     const struct tt_kver *fixed);

/* ======================================================================
 * The running kernel's identity
 * ====================================================================== */

enum tt_kernel_distro {
	TT_DISTRO_NONE = 0, /* upstream or custom build */
	TT_DISTRO_DEBIAN,
	TT_DISTRO_UBUNTU,
};

struct tt_kernel_release {
	char uname[128];	 /* `uname -r`: "6.1.0-47-amd64" */
	struct tt_kver upstream; /* 6.1.170 */
	/*
	 * false when upstream is only the uname prefix of a distribution ABI
	 * name (Debian's 6.1.0-47 without /proc/version): the real patch
	 * level is then unknown and must not be compared as if it were 0.
	 */
	bool upstream_exact;
	enum tt_kernel_distro distro;
	char distro_release[64]; /* "6.1.170-3", "5.15.0-105.115"; "" when none */
	char localversion[64];	 /* what follows the version in uname: "-47-amd64", "-custom" */
};

/*
 * Identify a kernel from its uname release and (optionally, may be NULL)
 * the text of /proc/version, which on Debian and Ubuntu carries the real
 * upstream version:
 *   "... #1 SMP PREEMPT_DYNAMIC Debian 6.1.170-3 (2026-...)"  -> 6.1.170
 *   "... Ubuntu 5.15.0-105.115-generic 5.15.149"              -> 5.15.149
 */
int tt_kernel_release_parse(const char *uname_release, const char *proc_version,
			    struct tt_kernel_release *out, struct tt_error *err);

/* The same for this machine: uname(2) and /proc/version. */
int tt_kernel_release_host(struct tt_kernel_release *out, struct tt_error *err);

/* ======================================================================
 * .config
 * ====================================================================== */

enum tt_kconfig_state {
	TT_KCONFIG_ABSENT = 0, /* not mentioned */
	TT_KCONFIG_N,	       /* "# CONFIG_X is not set" (or =n) */
	TT_KCONFIG_Y,
	TT_KCONFIG_M,
	TT_KCONFIG_VALUE, /* a string or number */
};

struct tt_kconfig;

/*
 * Parse .config text. Malformed lines go to diag as file:line and are
 * skipped; a later assignment to the same symbol wins, as in Kconfig.
 */
int tt_kconfig_parse(const char *text, size_t len, const char *file, struct tt_kconfig **out,
		     const struct tt_diag_sink *diag, struct tt_error *err);

/* Read a .config file; gzip input (config.gz) is recognised by its magic. */
int tt_kconfig_load(const char *path, struct tt_kconfig **out, const struct tt_diag_sink *diag,
		    struct tt_error *err);

/*
 * This machine's config: /proc/config.gz, else /boot/config-$(uname -r).
 * Returns -ENOENT when neither exists.
 */
int tt_kconfig_load_host(struct tt_kconfig **out, const struct tt_diag_sink *diag,
			 struct tt_error *err);

void tt_kconfig_free(struct tt_kconfig *kc);

/* name with or without the "CONFIG_" prefix (a name starting "CONFIG_" is taken as full). */
enum tt_kconfig_state tt_kconfig_state(const struct tt_kconfig *kc, const char *name);

/*
 * The value as written after '=' in .config: "y", "m", "0x1000",
 * "\"quoted\"". NULL when absent or not set. (Makefiles of recent
 * kernels, 6.1 included, see strings without their quotes: auto.conf
 * drops them.)
 */
const char *tt_kconfig_get(const struct tt_kconfig *kc, const char *name);

/* Number of symbols (set or "is not set"), and iteration in file order. */
size_t tt_kconfig_count(const struct tt_kconfig *kc);
/* The i-th symbol's full name ("CONFIG_X") and raw value (NULL when not set). */
const char *tt_kconfig_name_at(const struct tt_kconfig *kc, size_t i, const char **value);

/* ======================================================================
 * What a build compiled / would compile
 * ====================================================================== */

enum tt_kbuild_kind {
	TT_KBUILD_ABSENT = 0, /* not compiled */
	TT_KBUILD_BUILTIN,    /* kernel image side: vmlinux, and boot/vdso/realmode code */
	TT_KBUILD_MODULE,     /* part of a loadable module */
	TT_KBUILD_HOST,	      /* a host program built along (arch/x86/tools/relocs) */
	TT_KBUILD_UNKNOWN,    /* prediction incomplete here: may or may not be compiled */
};

const char *tt_kbuild_kind_name(enum tt_kbuild_kind k);

/* One compiled source file. Strings are owned by the tree / prediction. */
struct tt_kbuild_file {
	const char *source; /* "kernel/fork.c"; generated files: their build-dir path */
	const char *object; /* "kernel/fork.o" */
	const char *module; /* "net/netfilter/xt_LOG.ko" for module objects, else NULL */
	enum tt_kbuild_kind kind;
	/*
	 * Produced by the build (capflags.c, *.mod.c, x509.asn1.c). The tree
	 * reader knows it only for O= builds, where such files are the ones
	 * outside the source tree; in-tree builds report false.
	 */
	bool generated;
};

/* ---- one .o.cmd file ---- */

struct tt_kcmd {
	char *object;	     /* from the cmd_/savedcmd_/source_ line: "kernel/fork.o" */
	char *source;	     /* as written: "/usr/src/linux/kernel/fork.c"; NULL when none */
	char *command;	     /* the compiler command line; NULL when none */
	struct tt_strv deps; /* headers and sources as written, $(wildcard ...) dropped */
};

/*
 * Parse the text of one .NAME.o.cmd file. Both `cmd_` and `savedcmd_`
 * spellings are understood; `deps_X := \` continuation lists are read until
 * the first line without a trailing backslash. Oddities go to diag.
 */
int tt_kcmd_parse(const char *text, size_t len, const char *file, struct tt_kcmd *out,
		  const struct tt_diag_sink *diag, struct tt_error *err);
void tt_kcmd_free(struct tt_kcmd *cmd);

/* ---- a build directory ---- */

struct tt_kbuild_tree;

/*
 * Walk a kernel build directory (in-tree or O=) and read every .*.o.cmd
 * file, modules.order and *.mod. source_root is the absolute source tree
 * path the build used; NULL infers it from the cmd files (for an in-tree
 * build it is the build directory itself). Top-level scripts/ and tools/
 * (build machinery) and kbuild's own dot-named link helpers
 * (.vmlinux.export.c) are not part of the result.
 */
int tt_kbuild_tree_read(const char *build_dir, const char *source_root, struct tt_kbuild_tree **out,
			const struct tt_diag_sink *diag, struct tt_error *err);
void tt_kbuild_tree_free(struct tt_kbuild_tree *t);

/* The source root used to strip absolute paths ("" when none was found). */
const char *tt_kbuild_tree_source_root(const struct tt_kbuild_tree *t);
/* Compiled objects with their sources, sorted by source path. */
size_t tt_kbuild_tree_count(const struct tt_kbuild_tree *t);
const struct tt_kbuild_file *tt_kbuild_tree_file(const struct tt_kbuild_tree *t, size_t i);
/* Sorted unique source paths, and headers included by any compiled object. */
const struct tt_strv *tt_kbuild_tree_sources(const struct tt_kbuild_tree *t);
const struct tt_strv *tt_kbuild_tree_headers(const struct tt_kbuild_tree *t);
/* How a source file was built (hash lookup); TT_KBUILD_ABSENT when it was not. */
enum tt_kbuild_kind tt_kbuild_tree_lookup(const struct tt_kbuild_tree *t, const char *source);
bool tt_kbuild_tree_has_header(const struct tt_kbuild_tree *t, const char *header);

/* ---- who includes a header ---- */

struct tt_include_paths {
	const char *source_root; /* the kernel source tree */
	const char *obj_dir;	 /* its O= tree (generated headers); NULL: none */
	const char *arch;	 /* SRCARCH: "x86" (NULL: x86) */
};

/*
 * Of the C files `sources` (paths relative to source_root), the ones that
 * include one of `headers` (relative to source_root too), directly or through
 * other files, appended to out in the order of sources; the files are read
 * once for all the headers. The #include lines are
 * read from the files and resolved as kbuild's compiler would ("..."
 * beside the including file first, then arch/ARCH/include, include, their
 * uapi directories and the O= tree's generated ones), with the headers
 * kbuild forces into every compile. Conditions are not evaluated, and an
 * include found nowhere that names the end of header's path counts (a -I
 * a Makefile adds): the answer errs on the side of too many files.
 */
int tt_include_users(const struct tt_include_paths *p, const struct tt_strv *sources,
		     const struct tt_strv *headers, struct tt_strv *out, struct tt_error *err);

/* ---- prediction from a .config and a source tree ---- */

/* Where and why the evaluation was incomplete. */
struct tt_kbuild_unknown {
	const char *dir;    /* directory whose object lists are incomplete ("drivers/gpu") */
	const char *file;   /* makefile */
	int line;	    /* 0 when not tied to a line */
	const char *reason; /* "$(shell ...) in obj-y", "condition needs $(call cc-option)" */
};

struct tt_kbuild_prediction;

struct tt_kbuild_predict_opts {
	const char *source_root; /* required for tt_kbuild_predict() */
	const char *arch;	 /* SRCARCH: "x86" (NULL: x86) */
	/*
	 * By default the prediction also covers what the image build
	 * compiles besides vmlinux and modules (boot code, realmode, vdso
	 * blobs, host tools), from a per-arch table; true leaves those out.
	 */
	bool vmlinux_and_modules_only;
};

/*
 * Evaluate the Kbuild makefiles from the top-level Kbuild file down, with
 * cfg's symbols as make variables, and predict which files are compiled.
 */
int tt_kbuild_predict(const struct tt_kbuild_predict_opts *opts, const struct tt_kconfig *cfg,
		      struct tt_kbuild_prediction **out, const struct tt_diag_sink *diag,
		      struct tt_error *err);

/*
 * Evaluate one makefile's text as the Kbuild file of directory dir
 * ("drivers/net", "" for the top) without descending. Sources are looked up
 * under opts->source_root when set, else guessed as .c. For tests and fuzzing.
 */
int tt_kbuild_predict_makefile(const char *text, size_t len, const char *dir,
			       const struct tt_kbuild_predict_opts *opts,
			       const struct tt_kconfig *cfg, struct tt_kbuild_prediction **out,
			       const struct tt_diag_sink *diag, struct tt_error *err);

void tt_kbuild_prediction_free(struct tt_kbuild_prediction *p);

/* Predicted compiled files, sorted by source path. */
size_t tt_kbuild_prediction_count(const struct tt_kbuild_prediction *p);
const struct tt_kbuild_file *tt_kbuild_prediction_file(const struct tt_kbuild_prediction *p,
						       size_t i);
size_t tt_kbuild_prediction_n_unknowns(const struct tt_kbuild_prediction *p);
const struct tt_kbuild_unknown *tt_kbuild_prediction_unknown(const struct tt_kbuild_prediction *p,
							     size_t i);
/* Subdirectories evaluated (how much of the tree the prediction saw). */
size_t tt_kbuild_prediction_n_dirs(const struct tt_kbuild_prediction *p);

/*
 * Is this source file compiled? BUILTIN / MODULE / HOST when predicted;
 * UNKNOWN when it is not predicted but lies where evaluation was
 * incomplete (a directory with unknowns, or below one that was not
 * visited because its inclusion could not be decided); ABSENT otherwise.
 */
enum tt_kbuild_kind tt_kbuild_prediction_lookup(const struct tt_kbuild_prediction *p,
						const char *source);

#endif
