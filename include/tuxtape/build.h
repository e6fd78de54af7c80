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
 * Debian package ships no modules.dep (depmod runs on install).
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

struct tt_boot_module {
	char *name;
	char *path;		    /* the .ko on the host (tt_boot_test fills it), or NULL */
	bool preload;		    /* a module loaded for the patches, not a patch */
	int load_rc;		    /* insmod's exit status; -1: never tried */
	char *load_output;	    /* what insmod printed, or NULL */
	struct tt_strv kernel_msgs; /* kernel log lines naming the module */
	int enabled;		    /* /sys/kernel/livepatch/NAME/enabled; -1: unknown */
	int transition;		    /* after the wait: 0 finished, 1 still running; -1 unknown */
	int unpatch_transition;	    /* the same after `echo 0 > enabled`; -1: not done */
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

#endif
