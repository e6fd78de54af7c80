/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building and proving livepatches against a real target kernel.
 *
 * Today: the boot test bed behind `tuxtape patch test`.
 *   tt_debian_kernel_*  fetch and unpack a Debian kernel (image, headers, kbuild)
 *                       into the cache, with a build dir usable by `make M=`;
 *   tt_initramfs_*      a gzip'd cpio (newc) with busybox, the modules, a check
 *                       script and a generated /init that prints markers;
 *   tt_boot_*           boot it under QEMU (TCG), parse the serial console into
 *                       a result with a pass/fail verdict and its reasons.
 */
#ifndef TUXTAPE_BUILD_H
#define TUXTAPE_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "tuxtape/error.h"
#include "tuxtape/modsign.h"
#include "tuxtape/util.h"

/* ---- a Debian kernel, fetched with apt-get and unpacked in the cache ---- */
struct tt_debian_kernel {
	char *abi;	      /* "6.1.0-47-amd64" */
	char *version;	      /* Debian package version of image and headers, "6.1.170-3" */
	char *kbuild_version; /* linux-kbuild-X.Y's version (can be newer: Debian allows it) */
	char *dir;	      /* the cache directory for this ABI */
	char *vmlinuz;	      /* boot/vmlinuz-ABI */
	char *system_map;     /* boot/System.map-ABI (Debian ships a stub: symbols are in -dbg) */
	char *config;	      /* boot/config-ABI */
	char *build_dir;      /* usr/src/linux-headers-ABI: `make -C build_dir M=DIR modules` */
	char *modules_dir;    /* lib/modules/ABI */
	bool downloaded;      /* false when everything came from the cache */
	struct tt_strv debs;  /* the package files used */
};

/*
 * Fetch (or find cached) the Debian packages of kernel ABI into
 * cache_root/debian/ABI (cache_root NULL: tt_cache_dir()): linux-image-ABI,
 * linux-headers-ABI and linux-headers-FLAVOURLESS-common at the image's
 * version, and linux-kbuild-X.Y at that version when the archive still has
 * it, else its candidate. Runs `apt-get update` once when apt knows no
 * version and we are root. Fills k (release with tt_debian_kernel_free).
 */
int tt_debian_kernel_fetch(const char *abi, const char *cache_root, struct tt_debian_kernel *k,
			   struct tt_error *err);
void tt_debian_kernel_free(struct tt_debian_kernel *k);
/*
 * The .ko files that loading module `name` (from the kernel's own modules)
 * takes, dependencies first, appended to paths; modules already in paths are
 * not added again. Dependencies come from each module's depends=, as the
 * Debian package ships no modules.dep (depmod runs on install), and from its
 * soft "pre:" dependencies, which the kernel's modprobe would load first
 * (libcrc32c's "crc32c"): by module name, or NAME_generic for a crypto
 * algorithm, and skipped when neither exists (they are soft).
 */
int tt_debian_module_paths(const struct tt_debian_kernel *k, const char *name,
			   struct tt_strv *paths, struct tt_error *err);
/* "6.1.0-47-amd64" -> "6.1" (kbuild series), "6.1.0-47" (common headers stem); false if malformed.
 */
bool tt_debian_abi_split(const char *abi, char *series, size_t series_n, char *stem, size_t stem_n);

/* ---- cpio newc archives (what the kernel unpacks as an initramfs) ---- */
/* Append one entry to an archive being built in b. mode includes the type bits (S_IFREG ...). */
void tt_initramfs_cpio_add(struct tt_buf *b, const char *name, unsigned mode, const void *data,
			   size_t len);
/* Append the TRAILER!!! entry that ends the archive. */
void tt_initramfs_cpio_finish(struct tt_buf *b);

struct tt_cpio_entry {
	const char *name; /* borrowed from the archive for the callback's duration */
	unsigned mode;
	const unsigned char *data;
	size_t len;
};
/* Walk an uncompressed newc archive up to its trailer; cb returning nonzero stops the walk. */
int tt_initramfs_cpio_walk(const void *archive, size_t len,
			   int (*cb)(void *ctx, const struct tt_cpio_entry *e), void *ctx,
			   struct tt_error *err);

/* ---- the test initramfs ---- */
struct tt_initramfs_module {
	const char *path; /* the .ko on the host */
	const char *name; /* the kernel's module name (sysfs, rmmod): modinfo name= */
};

struct tt_initramfs_spec {
	const char *busybox; /* a static busybox; NULL: /bin/busybox */
	const struct tt_initramfs_module *modules;
	size_t n_modules;
	/* loaded first, in this order: modules the patches need, e.g. their target */
	const struct tt_initramfs_module *preload;
	size_t n_preload;
	/* loaded after the patches are enabled: a livepatch of a module must patch it as
	 * it loads ("applying patch ... to loading module") */
	const struct tt_initramfs_module *late;
	size_t n_late;
	const char *check;	/* optional script, run as `check patched|unpatched` */
	bool unload;		/* disable each patch, check again, rmmod */
	int transition_timeout; /* seconds to wait for a transition; <= 0: 30 */
};

/* The /init shell script for spec (exposed so tests can read it). Caller frees. */
char *tt_initramfs_init_script(const struct tt_initramfs_spec *spec);
/* Build the gzip'd archive at out_path. */
int tt_initramfs_build(const struct tt_initramfs_spec *spec, const char *out_path,
		       struct tt_error *err);

/*
 * A module's name, whether it says MODULE_INFO(livepatch, "Y"), and (when
 * depends is not NULL) the modules it needs, from its .modinfo.
 */
int tt_boot_module_info(const char *ko_path, char **name, bool *livepatch, struct tt_strv *depends,
			struct tt_error *err);
/*
 * The same, with the soft dependencies it asks to be loaded first
 * (MODULE_SOFTDEP("pre: crc32c")): module names or aliases, appended to
 * soft_pre.
 */
int tt_boot_module_deps(const char *ko_path, char **name, bool *livepatch, struct tt_strv *depends,
			struct tt_strv *soft_pre, struct tt_error *err);

/* 0 when path is a statically linked ELF program (what busybox in the initramfs must be). */
int tt_boot_check_static(const char *path, struct tt_error *err);

/* ---- booting and reading the serial console ---- */
enum tt_boot_issue_kind {
	TT_BOOT_WARNING,   /* WARNING: (WARN_ON and friends) */
	TT_BOOT_BUG,	   /* BUG: / kernel BUG at */
	TT_BOOT_OOPS,	   /* Oops, general protection fault */
	TT_BOOT_PANIC,	   /* Kernel panic */
	TT_BOOT_STALL,	   /* RCU stalls, hung tasks */
	TT_BOOT_LIVEPATCH, /* a "livepatch:" line reporting an error */
};
const char *tt_boot_issue_kind_name(enum tt_boot_issue_kind k);
/*
 * Which kind of trouble kernel message msg (the text after the timestamp)
 * reports, or -1 for none. Shared with the fleet agent's /dev/kmsg reader so
 * a boot test and a host judge the same lines the same way.
 */
int tt_boot_issue_kind_of(const char *msg);

struct tt_boot_issue {
	enum tt_boot_issue_kind kind;
	char *line;    /* the kernel log line, timestamp included */
	char *modules; /* the "Modules linked in:" list that followed, or NULL */
};

/* One klp_object of a loaded patch: /sys/kernel/livepatch/PATCH/NAME/patched. */
struct tt_boot_object {
	char *name; /* "vmlinux" or a module */
	bool patched;
};

struct tt_boot_module {
	char *name;
	char *path;			/* the .ko on the host (tt_boot_test fills it), or NULL */
	bool preload;			/* a module loaded for the patches, not a patch */
	bool late;			/* ... loaded after the patches (preload is set too) */
	struct tt_boot_object *objects; /* a patch's klp_objects after all loads */
	size_t n_objects;
	int load_rc;		    /* insmod's exit status; -1: never tried */
	char *load_output;	    /* what insmod printed, or NULL */
	struct tt_strv kernel_msgs; /* kernel log lines naming the module */
	int enabled;		    /* /sys/kernel/livepatch/NAME/enabled; -1: unknown */
	int transition;		    /* after the wait: 0 finished, 1 still running; -1 unknown */
	int unpatch_transition;	    /* the same after `echo 0 > enabled`; -1: not done */
	bool replaced;		    /* enabled, then disabled by a later atomic-replace patch */
	int rmmod_rc;		    /* -1: not done */
};

struct tt_boot_result {
	bool reached_init; /* TUXTAPE:BEGIN seen */
	bool finished;	   /* TUXTAPE:END seen: /init ran to the end */
	bool timed_out;	   /* QEMU was killed at the deadline */
	double seconds;	   /* QEMU's wall time */
	struct tt_boot_module *mods;
	size_t n_mods;
	int check_rc;		/* -1: no check run */
	int check_unpatched_rc; /* -1: not run */
	char *check_output;	/* the check's output (patched phase), or NULL */
	struct tt_boot_issue *issues;
	size_t n_issues;
	struct tt_strv taints; /* "tainting kernel" lines: expected for livepatches, reported */
	bool pass;
	struct tt_strv reasons; /* why it did not pass, one sentence each */
};

/* Parse a serial console capture (markers and kernel log lines) into r. */
void tt_boot_parse(const char *console, size_t len, struct tt_boot_result *r);
/* Decide r->pass and fill r->reasons. expect_unload: the run disabled and removed the modules. */
void tt_boot_verdict(struct tt_boot_result *r, bool expect_check, bool expect_unload);
void tt_boot_result_free(struct tt_boot_result *r);

struct tt_boot_opts {
	const char *vmlinuz;
	const char *qemu;    /* NULL: qemu-system-x86_64 */
	int memory_mb;	     /* <= 0: 512 */
	double timeout_s;    /* <= 0: 300 */
	const char *append;  /* extra kernel command line, or NULL */
	const char *workdir; /* where initrd.gz and console.log go; NULL: a temp dir, removed */
	struct tt_initramfs_spec initramfs;
};

/*
 * The whole test: read the modules' names, build the initramfs, boot, parse,
 * decide. Returns 0 when the test ran (r->pass says how it went), negative
 * when it could not run (no QEMU, unreadable module...). console (optional)
 * receives the raw serial output.
 */
int tt_boot_test(const struct tt_boot_opts *o, struct tt_boot_result *r, char **console,
		 struct tt_error *err);

/* ---- the kernel's source and a prepared build tree (src/build/ksource.c) ---- */
/*
 * What building single objects of a kernel exactly as its real build did
 * takes: the source, an O= directory prepared once from the kernel's own
 * .config (`make olddefconfig modules_prepare`), and the make variables that
 * real build used. A prepared tree is only read afterwards: builds work in
 * copies of it (tt_patchbuild).
 */
struct tt_ktree {
	char *source_dir; /* srctree: the unpacked source, never written by builds */
	char *obj_dir;	  /* the prepared O= directory (a pristine copy) */
	/*
	 * Where builds run: slot_dir/src (hard links to source_dir) and slot_dir/obj
	 * (a copy of obj_dir), the paths the tree was prepared at, since kbuild
	 * records absolute paths. NULL: obj_dir + "-slot". One build at a time.
	 */
	char *slot_dir;
	char *config; /* the .config the tree was prepared from */
	char *cc;     /* the compiler the config names ("gcc-12", from CONFIG_CC_VERSION_TEXT) */
	char *kernelrelease;	       /* passed as KERNELRELEASE=, or NULL */
	bool prepared_now;	       /* false when the prepared tree came from the cache */
	bool downloaded;	       /* the source package was downloaded by this call */
	struct tt_strv config_changes; /* lines olddefconfig added or changed in the config */
};
void tt_ktree_free(struct tt_ktree *t);

/*
 * Prepare t->obj_dir from t->source_dir and t->config unless a completion
 * marker there says it was done with the same inputs; holds a lock beside
 * obj_dir meanwhile, so concurrent builds wait instead of racing. Fills
 * t->cc from the config when NULL. jobs <= 0: 2.
 */
int tt_ktree_prepare(struct tt_ktree *t, int jobs, struct tt_error *err);

/*
 * The release a module build dir was made for (UTS_RELEASE of its
 * include/generated/utsrelease.h: "6.1.0-47-amd64"), or NULL. Building with
 * it as KERNELRELEASE keeps the objects' UTS_RELEASE that of the target,
 * which the source's Makefile alone would not give (Debian's says 6.1.170).
 */
char *tt_ktree_release_of(const char *build_dir);

/*
 * The source of Debian kernel k (linux-source-X.Y at k's exact version,
 * fetched with apt-get download), unpacked into k->dir/source, and an O=
 * tree prepared from k's config in k->dir/obj, both cached. Fills t.
 */
int tt_ktree_debian(const struct tt_debian_kernel *k, int jobs, struct tt_ktree *t,
		    struct tt_error *err);

/*
 * The real symbol table of Debian kernel k (Debian's System.map is a stub):
 * /proc/kallsyms as the booted kernel shows it, taken once by booting k
 * under QEMU (tt_boot_test) and cached as k->dir/kallsyms. *path is that
 * file (caller frees); *booted says whether this call booted. busybox may be
 * NULL (/bin/busybox).
 */
int tt_kallsyms_debian(const struct tt_debian_kernel *k, const char *busybox, char **path,
		       bool *booted, struct tt_error *err);
/* Decode the kallsyms dump framed in a console capture; exposed for tests. */
int tt_kallsyms_from_console(const char *console, size_t len, char **out, size_t *out_len,
			     struct tt_error *err);

/* ---- a livepatch module from source patches (src/build/patchbuild.c) ---- */
#define TT_PATCHBUILD_MAX_HEADER_OBJECTS 200

struct tt_patchbuild_opts {
	const struct tt_ktree *tree; /* source and prepared O= tree of the target */
	const char *headers_dir;     /* the target's module build dir: make -C DIR M=... modules */
	const char *symtab;	     /* System.map, a /proc/kallsyms copy or vmlinux */
	const char *symvers;	     /* Module.symvers; NULL: headers_dir/Module.symvers */
	const char *const *patches;  /* unified diffs, applied in order with patch -p1 */
	size_t n_patches;
	/* more objects to compare (a patched header's users), "dir/file.o" */
	const char *const *extra_objects;
	size_t n_extra_objects;
	const char *name;   /* the module's name: [a-z0-9_] */
	bool replace;	    /* an atomic-replace (cumulative) livepatch */
	const char *out_ko; /* where NAME.ko goes */
	bool keep_work;	    /* keep the work directory (its path is in the result) */
	int jobs;	    /* make -j; <= 0: 2 */
	/* A changed header rebuilds every object that includes it, up to this many
	 * (<= 0: TT_PATCHBUILD_MAX_HEADER_OBJECTS); more is an error. */
	int max_header_objects;
	/* When set, the module is signed (as the kernel's sign-file) before it is
	 * written to out_ko; the caller keeps the signer. */
	const struct tt_modsign_signer *signer;
	enum tt_modsign_hash sign_hash;
	/* Called as each step ends, with its wall time (for -v); may be NULL. */
	void (*on_step)(void *ctx, const char *step, double seconds);
	void *ctx;
};

enum tt_patchbuild_outcome {
	TT_PATCHBUILD_BUILT,   /* out_ko written */
	TT_PATCHBUILD_NOTHING, /* the patches change no function (only __LINE__, or nothing) */
	TT_PATCHBUILD_REFUSED, /* a change cannot be livepatched: see refusals */
};

/* Why a function is in the livepatch (or is not, for line-only changes). */
struct tt_patchbuild_func {
	char *name;
	const char *status; /* static: "changed", "new" (both taken) or "line-only" (not taken) */
	char *reason;	    /* the diff's first difference found, or how it was paired */
};

/* A symbol the changed code needs, and how the module reaches it. */
struct tt_patchbuild_need {
	char *name;
	const char *kind; /* static, tt_klp_ref_kind_name: "new", "undefined", "local", ... */
	char *needed_by;  /* the first changed or new function found referencing it */
};

struct tt_patchbuild_object {
	char *object;			  /* "fs/proc/meminfo.o" */
	char *source;			  /* "fs/proc/meminfo.c" */
	char *objname;			  /* "vmlinux", or the module it is linked into */
	struct tt_strv refusals;	  /* what cannot be livepatched here, one message each */
	struct tt_patchbuild_func *funcs; /* every changed, new and line-only function, with why */
	size_t n_funcs;
	size_t n_taken;			  /* of them, changed or new: what the livepatch carries */
	struct tt_patchbuild_need *needs; /* what those functions reference, and how */
	size_t n_needs;
};

struct tt_patchbuild_step {
	char *name;
	double seconds;
};

struct tt_patchbuild_result {
	enum tt_patchbuild_outcome outcome;
	struct tt_patchbuild_object *objects;
	size_t n_objects;
	struct tt_patchbuild_step *steps;
	size_t n_steps;
	size_t n_refusals;	/* over all objects */
	size_t klp_relocations; /* livepatch relocations written by the postlink step */
	size_t klp_symbols;	/* .klp.sym symbols */
	char *module;		/* out_ko when built, else NULL */
	bool module_signed;	/* the module carries a signature (opts.signer was set) */
	char *workdir;		/* the kept work directory, or NULL */
	double seconds;		/* the whole build */
};

/*
 * Build livepatch module o->name from o->patches against o->tree: copy the
 * source (hard links) and the prepared O= tree into a work directory, build
 * each affected object with -ffunction-sections -fdata-sections before and
 * after applying the patches, diff the pairs, emit the livepatch objects and
 * their klp_patch glue, link the module with kbuild against headers_dir and
 * write its livepatch relocations. Returns 0 when the build ran to a verdict
 * (r->outcome: built, nothing to patch, or refused with each reason);
 * negative with err when it failed (a patch that does not apply, a compile
 * error, a missing input).
 */
int tt_patchbuild(const struct tt_patchbuild_opts *o, struct tt_patchbuild_result *r,
		  struct tt_error *err);
void tt_patchbuild_result_free(struct tt_patchbuild_result *r);

/* The files a unified diff changes (the +++ paths with their first component removed). */
int tt_patch_files(const char *patch_text, const char *patch_name, struct tt_strv *files,
		   struct tt_error *err);

#endif
