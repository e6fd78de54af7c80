// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One test boot: initramfs, QEMU with TCG (no KVM needed, so it runs in any CI
 * container), the serial console captured through stdio, parsed, judged.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/build.h"

/* Copy mods, filling in the names the caller left NULL (from .modinfo), owned by names. */
static int boot_names(const struct tt_initramfs_module *in, size_t n,
		      struct tt_initramfs_module *mods, struct tt_strv *names, struct tt_error *err)
{
	for (size_t i = 0; i < n; i++) {
		mods[i] = in[i];
		if (mods[i].name)
			continue;
		char *name;
		bool livepatch;
		int rc = tt_boot_module_info(mods[i].path, &name, &livepatch, NULL, err);
		if (rc < 0)
			return rc;
		tt_strv_push_owned(names, name);
		mods[i].name = name;
	}
	return 0;
}

/* Tell which host file each module of the result came from. */
static void boot_paths(struct tt_boot_result *r, const struct tt_initramfs_module *mods, size_t n)
{
	for (size_t i = 0; i < r->n_mods; i++)
		for (size_t j = 0; j < n && !r->mods[i].path; j++)
			if (strcmp(r->mods[i].name, mods[j].name) == 0)
				r->mods[i].path = tt_xstrdup(mods[j].path);
}

static int boot_qemu(const struct tt_boot_opts *o, const char *initrd, struct tt_run_result *res,
		     struct tt_error *err)
{
	char mem[16];
	snprintf(mem, sizeof(mem), "%d", o->memory_mb > 0 ? o->memory_mb : 512);
	/* panic=-1 with -no-reboot: a panicking kernel ends QEMU at once instead of at the timeout.
	 */
	_cleanup_free_ char *append = tt_xasprintf(
	    "console=ttyS0 quiet panic=-1%s%s", o->append ? " " : "", o->append ? o->append : "");
	const char *qemu = o->qemu ? o->qemu : "qemu-system-x86_64";
	const char *argv[] = {qemu,	  "-accel",	"tcg",	      "-cpu",	 "max",	 "-m",
			      mem,	  "-nographic", "-no-reboot", "-nic",	 "none", "-kernel",
			      o->vmlinuz, "-initrd",	initrd,	      "-append", append, NULL};
	int rc = tt_run(argv, NULL, o->timeout_s > 0 ? o->timeout_s : 300, res, err);
	if (rc == -ENOENT)
		return tt_error_set(
		    err, rc, "%s not found: install it (apt-get install qemu-system-x86)", qemu);
	return rc;
}

static int boot_workdir(const struct tt_boot_opts *o, char **dir, bool *temp, struct tt_error *err)
{
	*temp = !o->workdir;
	if (o->workdir) {
		*dir = tt_xstrdup(o->workdir);
		return tt_mkdir_p(o->workdir, 0755, err);
	}
	const char *tmp = getenv("TMPDIR");
	*dir = tt_xasprintf("%s/tuxtape-boot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(*dir))
		return tt_error_set(err, -errno, "cannot create %s: %s", *dir, strerror(errno));
	return 0;
}

static int boot_run(const struct tt_boot_opts *o, const char *dir, struct tt_boot_result *r,
		    char **console, struct tt_error *err)
{
	struct tt_strv names = TT_STRV_INIT;
	struct tt_initramfs_spec spec = o->initramfs;
	size_t n = spec.n_modules, np = spec.n_preload, nl = spec.n_late;
	struct tt_initramfs_module *mods = tt_xcalloc(n + np + nl + 1, sizeof(*mods));
	spec.modules = mods;
	spec.preload = mods + n;
	spec.late = mods + n + np;
	_cleanup_free_ char *initrd = tt_xasprintf("%s/initrd.gz", dir);
	int rc = boot_names(o->initramfs.modules, n, mods, &names, err);
	if (rc == 0)
		rc = boot_names(o->initramfs.preload, np, mods + n, &names, err);
	if (rc == 0)
		rc = boot_names(o->initramfs.late, nl, mods + n + np, &names, err);
	if (rc == 0)
		rc = tt_initramfs_build(&spec, initrd, err);
	struct tt_run_result res = {0};
	if (rc == 0)
		rc = boot_qemu(o, initrd, &res, err);
	if (rc == 0) {
		tt_boot_parse(res.out, res.out_len, r);
		boot_paths(r, mods, n + np + nl);
		r->timed_out = res.timed_out;
		r->seconds = res.seconds;
		tt_boot_verdict(r, spec.check != NULL, spec.unload);
		if (o->workdir) {
			_cleanup_free_ char *log = tt_xasprintf("%s/console.log", dir);
			rc = tt_write_file_atomic(log, res.out, res.out_len, err);
		}
		if (console) {
			*console = res.out;
			res.out = NULL;
		}
	}
	tt_run_result_free(&res);
	tt_strv_free(&names);
	free(mods);
	return rc;
}

int tt_boot_test(const struct tt_boot_opts *o, struct tt_boot_result *r, char **console,
		 struct tt_error *err)
{
	memset(r, 0, sizeof(*r));
	if (console)
		*console = NULL;
	if (!o->vmlinuz)
		return tt_error_set(err, -EINVAL, "boot test: no kernel image given");
	char *dir;
	bool temp;
	int rc = boot_workdir(o, &dir, &temp, err);
	if (rc == 0)
		rc = boot_run(o, dir, r, console, err);
	if (temp) {
		/* Only what boot_run wrote: never a recursive delete. */
		_cleanup_free_ char *initrd = tt_xasprintf("%s/initrd.gz", dir);
		unlink(initrd);
		rmdir(dir);
	}
	free(dir);
	if (rc < 0)
		tt_boot_result_free(r);
	return rc;
}
