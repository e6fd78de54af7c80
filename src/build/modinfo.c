// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A module's own name and livepatch flag, from its .modinfo section: the
 * file name need not match (a copy renamed bad.ko still loads as its
 * KBUILD_MODNAME), and /sys/kernel/livepatch/ and rmmod use the module name.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/build.h"

/* "a,b" -> deps; an empty depends= means none. */
static void modinfo_depends(const char *v, size_t l, struct tt_strv *deps)
{
	while (l) {
		size_t n = 0;
		while (n < l && v[n] != ',')
			n++;
		if (n)
			tt_strv_push_owned(deps, tt_xstrndup(v, n));
		v += n + (n < l);
		l -= n + (n < l);
	}
}

/* "pre: a b post: c" -> the names after pre:, up to the next keyword. */
static void modinfo_softdep(const char *v, size_t l, struct tt_strv *pre)
{
	bool in_pre = false;
	while (l) {
		while (l && *v == ' ')
			v++, l--;
		size_t n = 0;
		while (n < l && v[n] != ' ')
			n++;
		if (n && v[n - 1] == ':')
			in_pre = n == 4 && strncmp(v, "pre:", 4) == 0;
		else if (n && in_pre)
			tt_strv_push_owned(pre, tt_xstrndup(v, n));
		v += n;
		l -= n;
	}
}

/* Scan the NUL-separated key=value strings of .modinfo. */
static void modinfo_scan(const char *p, size_t n, char **name, bool *livepatch,
			 struct tt_strv *deps, struct tt_strv *soft_pre)
{
	const char *end = p + n;
	while (p < end) {
		size_t l = strnlen(p, (size_t)(end - p));
		if (l > 5 && strncmp(p, "name=", 5) == 0 && !*name)
			*name = tt_xstrndup(p + 5, l - 5);
		else if (l == 11 && strncmp(p, "livepatch=Y", 11) == 0)
			*livepatch = true;
		else if (deps && l >= 8 && strncmp(p, "depends=", 8) == 0)
			modinfo_depends(p + 8, l - 8, deps);
		else if (soft_pre && l >= 8 && strncmp(p, "softdep=", 8) == 0)
			modinfo_softdep(p + 8, l - 8, soft_pre);
		p += l + 1;
	}
}

static int modinfo_read(Elf *elf, const char *path, char **name, bool *livepatch,
			struct tt_strv *deps, struct tt_strv *soft_pre, struct tt_error *err)
{
	size_t shstrndx;
	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return tt_error_set(err, -EINVAL, "%s: not an ELF object", path);
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *sname = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!sname || strcmp(sname, ".modinfo") != 0)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (d && d->d_buf)
			modinfo_scan(d->d_buf, d->d_size, name, livepatch, deps, soft_pre);
		break;
	}
	if (!*name)
		return tt_error_set(err, -EINVAL,
				    "%s: no name= in .modinfo (not a kernel module built by "
				    "modpost?)",
				    path);
	return 0;
}

int tt_boot_module_info(const char *ko_path, char **name, bool *livepatch, struct tt_strv *depends,
			struct tt_error *err)
{
	return tt_boot_module_deps(ko_path, name, livepatch, depends, NULL, err);
}

int tt_boot_module_deps(const char *ko_path, char **name, bool *livepatch, struct tt_strv *depends,
			struct tt_strv *soft_pre, struct tt_error *err)
{
	*name = NULL;
	*livepatch = false;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return tt_error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	int fd = open(ko_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tt_error_set(err, -errno, "cannot open %s: %s", ko_path, strerror(errno));
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	int rc = elf ? modinfo_read(elf, ko_path, name, livepatch, depends, soft_pre, err)
		     : tt_error_set(err, -EINVAL, "%s: %s", ko_path, elf_errmsg(-1));
	if (elf)
		elf_end(elf);
	close(fd);
	if (rc < 0) {
		free(*name);
		*name = NULL;
	}
	return rc;
}

/* PT_INTERP names the dynamic loader: a program without one runs with no libc around. */
static int elf_static_check(Elf *elf, const char *path, struct tt_error *err)
{
	size_t n;
	if (elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &n) != 0)
		return tt_error_set(err, -ENOEXEC, "%s: not an ELF program", path);
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
			return tt_error_set(err, -ENOEXEC,
					    "%s is dynamically linked; the initramfs has no libc",
					    path);
	}
	return 0;
}

int tt_boot_check_static(const char *path, struct tt_error *err)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return tt_error_set(err, -EIO, "libelf: %s", elf_errmsg(-1));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tt_error_set(err, -errno, "cannot open %s: %s", path, strerror(errno));
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	int rc = elf ? elf_static_check(elf, path, err)
		     : tt_error_set(err, -ENOEXEC, "%s: %s", path, elf_errmsg(-1));
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}
