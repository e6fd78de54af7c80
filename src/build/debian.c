// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A Debian kernel in the cache, for building and boot-testing livepatches:
 * apt-get downloads the exact packages (apt checks their signatures through
 * the archive's Release files), dpkg-deb unpacks them as a user can, and the
 * headers tree is made self-contained: Debian points it at /usr/src and
 * /usr/lib with absolute paths that would name the host's, not ours.
 *
 * Layout: CACHE/debian/ABI/{debs/ (the .deb files), root/ (the unpacked packages),
 * tuxtape-unpacked (written last: its presence means root/ is complete)}.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tuxtape/build.h"

#define APT_TIMEOUT    1800.0
#define UNPACK_TIMEOUT 600.0

bool tt_debian_abi_split(const char *abi, char *series, size_t series_n, char *stem, size_t stem_n)
{
	for (const char *p = abi; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' ||
		      *p == '-' || *p == '+'))
			return false;
	const char *dot1 = strchr(abi, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	const char *dash1 = strchr(abi, '-');
	const char *dash2 = dash1 ? strchr(dash1 + 1, '-') : NULL;
	if (!dot2 || !dash2 || dot2 > dash1 || dash2 == dash1 + 1 || !dash2[1])
		return false;
	if ((size_t)(dot2 - abi) >= series_n || (size_t)(dash2 - abi) >= stem_n)
		return false;
	snprintf(series, series_n, "%.*s", (int)(dot2 - abi), abi);
	snprintf(stem, stem_n, "%.*s", (int)(dash2 - abi), abi);
	return true;
}

/* Run argv; nonzero exit is an error that names the command and its last output line. */
static int debian_cmd(const char *const *argv, const char *cwd, double timeout,
		      struct tt_run_result *res, struct tt_error *err)
{
	int rc = tt_run(argv, cwd, timeout, res, err);
	if (rc < 0)
		return rc;
	if (res->status == 0 && !res->timed_out)
		return 0;
	_cleanup_free_ char *cmd = tt_run_argv_str(argv);
	size_t l = res->out_len;
	while (l && (res->out[l - 1] == '\n' || res->out[l - 1] == ' '))
		res->out[--l] = '\0';
	const char *last = strrchr(res->out, '\n');
	last = last ? last + 1 : res->out;
	tt_error_set(err, -EIO, "`%s`%s%s %s: %s", cmd, cwd ? " in " : "", cwd ? cwd : "",
		     res->timed_out ? "timed out" : "failed", *last ? last : "(no output)");
	tt_run_result_free(res);
	return -EIO;
}

/* The version apt would install of pkg, or NULL (unknown package, or none). */
static char *debian_candidate(const char *pkg, struct tt_error *err)
{
	const char *argv[] = {"apt-cache", "policy", pkg, NULL};
	struct tt_run_result res;
	if (debian_cmd(argv, NULL, APT_TIMEOUT, &res, err) < 0)
		return NULL;
	char *ver = NULL;
	const char *c = strstr(res.out, "Candidate: ");
	if (c) {
		c += 11;
		size_t n = strcspn(c, " \n");
		if (n && strncmp(c, "(none)", 6) != 0)
			ver = tt_xstrndup(c, n);
	}
	tt_run_result_free(&res);
	return ver;
}

/* Does the archive still offer pkg at exactly version ver? */
static bool debian_has_version(const char *pkg, const char *ver)
{
	const char *argv[] = {"apt-cache", "madison", pkg, NULL};
	struct tt_run_result res;
	if (debian_cmd(argv, NULL, APT_TIMEOUT, &res, NULL) < 0)
		return false;
	_cleanup_free_ char *needle = tt_xasprintf("| %s |", ver);
	bool found = strstr(res.out, needle) != NULL;
	tt_run_result_free(&res);
	return found;
}

/* The image's version; refreshes empty package lists once (as root) when apt knows none. */
static int debian_image_version(const char *abi, char **ver, struct tt_error *err)
{
	_cleanup_free_ char *pkg = tt_xasprintf("linux-image-%s", abi);
	*ver = debian_candidate(pkg, err);
	if (!*ver && geteuid() == 0) {
		const char *argv[] = {"apt-get", "update", "-qq", NULL};
		struct tt_run_result res;
		if (debian_cmd(argv, NULL, APT_TIMEOUT, &res, err) < 0)
			return tt_error_prefix(err, "refreshing the package lists: ");
		tt_run_result_free(&res);
		*ver = debian_candidate(pkg, err);
	}
	if (*ver)
		return 0;
	return tt_error_set(err, -ENOENT,
			    "apt knows no version of %s: is '%s' a Debian kernel ABI, and does "
			    "/etc/apt/sources.list name its release? (run `apt-get update` as "
			    "root, then `apt-cache policy %s`)",
			    pkg, abi, pkg);
}

/* The cached .deb of pkg at ver, or NULL. apt-get writes an epoch's ':' as %3a. */
static char *debian_cached_deb(const char *debs, const char *pkg, const char *ver)
{
	struct tt_buf pat = TT_BUF_INIT;
	tt_buf_addf(&pat, "%s/%s_", debs, pkg);
	for (const char *p = ver; *p; p++)
		tt_buf_adds(&pat, *p == ':' ? "%3a" : (char[]){*p, 0});
	tt_buf_adds(&pat, "_*.deb");
	glob_t g;
	char *found = NULL;
	if (glob(tt_buf_str(&pat), 0, NULL, &g) == 0 && g.gl_pathc)
		found = tt_xstrdup(g.gl_pathv[0]);
	globfree(&g);
	tt_buf_free(&pat);
	return found;
}

/* Download what is not cached yet (pkgs[i] at vers[i]); fills k->debs in order. */
static int debian_download(struct tt_debian_kernel *k, const char *debs, const char *const *pkgs,
			   const char *const *vers, size_t n, struct tt_error *err)
{
	struct tt_strv want = TT_STRV_INIT;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *have = debian_cached_deb(debs, pkgs[i], vers[i]);
		if (!have)
			tt_strv_push_owned(&want, tt_xasprintf("%s=%s", pkgs[i], vers[i]));
	}
	int rc = 0;
	if (want.n) {
		const char **argv = tt_xcalloc(want.n + 3, sizeof(*argv));
		argv[0] = "apt-get";
		argv[1] = "download";
		for (size_t i = 0; i < want.n; i++)
			argv[2 + i] = want.v[i];
		struct tt_run_result res;
		rc = debian_cmd(argv, debs, APT_TIMEOUT, &res, err);
		if (rc == 0)
			tt_run_result_free(&res);
		free(argv);
		k->downloaded = true;
	}
	tt_strv_free(&want);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *deb = debian_cached_deb(debs, pkgs[i], vers[i]);
		if (!deb)
			return tt_error_set(err, -ENOENT,
					    "apt-get download left no %s_%s_*.deb in %s", pkgs[i],
					    vers[i], debs);
		tt_strv_push_owned(&k->debs, deb);
	}
	return rc;
}

/* rm -rf of a directory tuxtape itself created in its cache. */
static int debian_remove_tree(const char *path, struct tt_error *err)
{
	if (!tt_path_exists(path))
		return 0;
	const char *argv[] = {"rm", "-rf", "--", path, NULL};
	struct tt_run_result res;
	int rc = debian_cmd(argv, NULL, UNPACK_TIMEOUT, &res, err);
	if (rc == 0)
		tt_run_result_free(&res);
	return rc;
}

static int debian_unpack(const struct tt_debian_kernel *k, const char *into, struct tt_error *err)
{
	int rc = debian_remove_tree(into, err);
	if (rc == 0)
		rc = tt_mkdir_p(into, 0755, err);
	for (size_t i = 0; rc == 0 && i < k->debs.n; i++) {
		const char *argv[] = {"dpkg-deb", "-x", k->debs.v[i], into, NULL};
		struct tt_run_result res;
		rc = debian_cmd(argv, NULL, UNPACK_TIMEOUT, &res, err);
		if (rc == 0)
			tt_run_result_free(&res);
	}
	return rc;
}

/* Point an absolute link (root/rel -> /x/y) at root's own /x/y, relatively. */
static int debian_relink(const char *root, const char *rel, struct tt_error *err)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/%s", root, rel);
	char target[4096];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return tt_error_set(err, -errno, "readlink %s: %s", path, strerror(errno));
	target[n] = '\0';
	struct tt_buf rt = TT_BUF_INIT;
	for (const char *p = rel; (p = strchr(p, '/')); p++)
		tt_buf_adds(&rt, "../");
	tt_buf_adds(&rt, target + 1);
	int rc = 0;
	if (unlink(path) != 0 || symlink(tt_buf_str(&rt), path) != 0)
		rc = tt_error_set(err, -errno, "cannot relink %s to %s: %s", path, tt_buf_str(&rt),
				  strerror(errno));
	tt_buf_free(&rt);
	return rc;
}

static int debian_relink_all(const char *root, struct tt_error *err)
{
	const char *argv[] = {"find", root, "-type", "l", "-lname", "/*", "-printf", "%P\\n", NULL};
	struct tt_run_result res;
	int rc = debian_cmd(argv, NULL, UNPACK_TIMEOUT, &res, err);
	if (rc < 0)
		return rc;
	for (char *line = res.out, *nl; rc == 0 && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (*line)
			rc = debian_relink(root, line, err);
	}
	tt_run_result_free(&res);
	return rc;
}

/* The flavour's Makefile includes the -common one by absolute path: make it ours. */
static int debian_fix_makefile(const char *root, const char *build_dir, struct tt_error *err)
{
	_cleanup_free_ char *mk = tt_xasprintf("%s/Makefile", build_dir);
	_cleanup_free_ char *text = NULL;
	int rc = tt_read_file(mk, &text, NULL, err);
	if (rc < 0)
		return tt_error_prefix(err, "the headers package has no Makefile: ");
	struct tt_buf out = TT_BUF_INIT;
	for (const char *p = text; *p;) {
		const char *hit = strstr(p, " /usr/src/");
		if (!hit) {
			tt_buf_adds(&out, p);
			break;
		}
		tt_buf_add(&out, p, (size_t)(hit - p) + 1);
		tt_buf_adds(&out, root);
		p = hit + 1;
	}
	rc = tt_write_file_atomic(mk, out.buf, out.len, err);
	tt_buf_free(&out);
	return rc;
}

static void debian_paths(struct tt_debian_kernel *k, const char *root)
{
	k->vmlinuz = tt_xasprintf("%s/boot/vmlinuz-%s", root, k->abi);
	k->system_map = tt_xasprintf("%s/boot/System.map-%s", root, k->abi);
	k->config = tt_xasprintf("%s/boot/config-%s", root, k->abi);
	k->build_dir = tt_xasprintf("%s/usr/src/linux-headers-%s", root, k->abi);
	k->modules_dir = tt_xasprintf("%s/lib/modules/%s", root, k->abi);
	if (!tt_path_exists(k->modules_dir)) { /* merged-/usr releases after bookworm */
		free(k->modules_dir);
		k->modules_dir = tt_xasprintf("%s/usr/lib/modules/%s", root, k->abi);
	}
}

/* What a usable tree has; a missing piece means a partial unpack or another layout. */
static int debian_verify(const struct tt_debian_kernel *k, struct tt_error *err)
{
	_cleanup_free_ char *modpost = tt_xasprintf("%s/scripts/mod/modpost", k->build_dir);
	const char *need[] = {k->vmlinuz, k->config, k->build_dir, modpost};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!tt_path_exists(need[i]))
			return tt_error_set(err, -ENOENT,
					    "%s is missing after unpacking the %s packages",
					    need[i], k->abi);
	return 0;
}

static int debian_read_stamp(struct tt_debian_kernel *k, const char *stamp)
{
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(stamp, &text, NULL, NULL) < 0)
		return -ENOENT;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "version=", 8) == 0 && !k->version)
			k->version = tt_xstrdup(line + 8);
		else if (strncmp(line, "kbuild=", 7) == 0 && !k->kbuild_version)
			k->kbuild_version = tt_xstrdup(line + 7);
		else if (strncmp(line, "deb=", 4) == 0)
			tt_strv_push(&k->debs, line + 4);
	}
	return k->version && k->kbuild_version ? 0 : -EINVAL;
}

static int debian_write_stamp(const struct tt_debian_kernel *k, const char *stamp,
			      struct tt_error *err)
{
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_addf(&b, "version=%s\nkbuild=%s\n", k->version, k->kbuild_version);
	for (size_t i = 0; i < k->debs.n; i++)
		tt_buf_addf(&b, "deb=%s\n", k->debs.v[i]);
	int rc = tt_write_file_atomic(stamp, b.buf, b.len, err);
	tt_buf_free(&b);
	return rc;
}

/* The four packages at their versions; kbuild may be newer, as Debian's own dependency allows. */
static int debian_versions(struct tt_debian_kernel *k, const char *series, struct tt_error *err)
{
	int rc = debian_image_version(k->abi, &k->version, err);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *kbuild = tt_xasprintf("linux-kbuild-%s", series);
	if (debian_has_version(kbuild, k->version))
		k->kbuild_version = tt_xstrdup(k->version);
	else
		k->kbuild_version = debian_candidate(kbuild, err);
	if (!k->kbuild_version)
		return tt_error_set(err, -ENOENT,
				    "apt knows no version of %s (needed to build modules for %s); "
				    "try `apt-get update` and `apt-cache policy %s`",
				    kbuild, k->abi, kbuild);
	return 0;
}

static int debian_fetch_fresh(struct tt_debian_kernel *k, const char *series, const char *stem,
			      const char *root, struct tt_error *err)
{
	int rc = debian_versions(k, series, err);
	if (rc < 0)
		return rc;
	_cleanup_free_ char *image = tt_xasprintf("linux-image-%s", k->abi);
	_cleanup_free_ char *headers = tt_xasprintf("linux-headers-%s", k->abi);
	_cleanup_free_ char *common = tt_xasprintf("linux-headers-%s-common", stem);
	_cleanup_free_ char *kbuild = tt_xasprintf("linux-kbuild-%s", series);
	const char *pkgs[] = {image, headers, common, kbuild};
	const char *vers[] = {k->version, k->version, k->version, k->kbuild_version};
	_cleanup_free_ char *debs = tt_xasprintf("%s/debs", k->dir);
	_cleanup_free_ char *fresh = tt_xasprintf("%s.new", root);
	if ((rc = tt_mkdir_p(debs, 0755, err)) < 0 ||
	    (rc = debian_download(k, debs, pkgs, vers, 4, err)) < 0 ||
	    (rc = debian_unpack(k, fresh, err)) < 0 || (rc = debian_remove_tree(root, err)) < 0)
		return rc;
	if (rename(fresh, root) != 0)
		return tt_error_set(err, -errno, "cannot rename %s to %s: %s", fresh, root,
				    strerror(errno));
	debian_paths(k, root);
	if ((rc = debian_relink_all(root, err)) < 0 ||
	    (rc = debian_fix_makefile(root, k->build_dir, err)) < 0)
		return rc;
	return debian_verify(k, err);
}

/* The cached tree when its stamp says it is complete; else fetch and unpack it. */
static int debian_fetch_locked(struct tt_debian_kernel *k, const char *base, const char *series,
			       const char *stem, struct tt_error *err)
{
	_cleanup_free_ char *root = tt_xasprintf("%s/root", k->dir);
	_cleanup_free_ char *stamp = tt_xasprintf("%s/tuxtape-unpacked", k->dir);
	if (debian_read_stamp(k, stamp) == 0) {
		debian_paths(k, root);
		if (debian_verify(k, NULL) == 0)
			return 0;
	}
	char *abi = k->abi;
	k->abi = NULL;
	tt_debian_kernel_free(k);
	k->abi = abi;
	k->dir = tt_xasprintf("%s/debian/%s", base, abi);
	unlink(stamp);
	int rc = debian_fetch_fresh(k, series, stem, root, err);
	return rc == 0 ? debian_write_stamp(k, stamp, err) : rc;
}

int tt_debian_kernel_fetch(const char *abi, const char *cache_root, struct tt_debian_kernel *k,
			   struct tt_error *err)
{
	memset(k, 0, sizeof(*k));
	char series[32], stem[64];
	if (!tt_debian_abi_split(abi, series, sizeof(series), stem, sizeof(stem)))
		return tt_error_set(
		    err, -EINVAL, "'%s' is not a Debian kernel ABI name like 6.1.0-47-amd64", abi);
	k->abi = tt_xstrdup(abi);
	_cleanup_free_ char *base = cache_root ? tt_xstrdup(cache_root) : tt_cache_dir();
	k->dir = tt_xasprintf("%s/debian/%s", base, abi);
	_cleanup_free_ char *lock = tt_xasprintf("%s/lock", k->dir);
	int rc = tt_mkdir_p(k->dir, 0755, err), fd = -1;
	/* Two runs filling the same cache would unpack over each other: the second waits. */
	if (rc == 0 &&
	    ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 || flock(fd, LOCK_EX) != 0))
		rc = tt_error_set(err, -errno, "cannot lock %s: %s", lock, strerror(errno));
	if (rc == 0)
		rc = debian_fetch_locked(k, base, series, stem, err);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		tt_error_prefix(err, "fetching Debian kernel %s: ", abi);
		tt_debian_kernel_free(k);
	}
	return rc;
}

void tt_debian_kernel_free(struct tt_debian_kernel *k)
{
	free(k->abi);
	free(k->version);
	free(k->kbuild_version);
	free(k->dir);
	free(k->vmlinuz);
	free(k->system_map);
	free(k->config);
	free(k->build_dir);
	free(k->modules_dir);
	tt_strv_free(&k->debs);
	memset(k, 0, sizeof(*k));
}

/* Module names treat '-' and '_' alike (kernel/module/main.c does the same). */
static bool debian_modname_eq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;
	for (; i < alen && b[i]; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return i == alen && !b[i];
}

/* The path of module `name` from modules.order ("kernel/fs/xfs/xfs.ko" lines). */
static char *debian_module_lookup(const struct tt_debian_kernel *k, const char *order,
				  const char *name)
{
	for (const char *line = order; *line;) {
		const char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		const char *base = memrchr(line, '/', l);
		base = base ? base + 1 : line;
		size_t bl = l - (size_t)(base - line);
		if (bl > 3 && memcmp(base + bl - 3, ".ko", 3) == 0 &&
		    debian_modname_eq(base, bl - 3, name))
			return tt_xasprintf("%s/%.*s", k->modules_dir, (int)l, line);
		line = nl ? nl + 1 : line + l;
	}
	return NULL;
}

static int debian_module_visit(const struct tt_debian_kernel *k, const char *order,
			       const char *name, int depth, struct tt_strv *paths,
			       struct tt_error *err);

/*
 * A soft "pre:" dependency names a module or, for crypto, an algorithm whose
 * portable implementation is NAME_generic (crc32c -> crc32c_generic). One that
 * is built in or absent is no error: modprobe does not insist either.
 */
static int debian_soft_visit(const struct tt_debian_kernel *k, const char *order, const char *name,
			     int depth, struct tt_strv *paths, struct tt_error *err)
{
	_cleanup_free_ char *generic = tt_xasprintf("%s_generic", name);
	const char *candidates[] = {name, generic};
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *path = debian_module_lookup(k, order, candidates[i]);
		if (path)
			return debian_module_visit(k, order, candidates[i], depth + 1, paths, err);
	}
	return 0;
}

static int debian_module_visit(const struct tt_debian_kernel *k, const char *order,
			       const char *name, int depth, struct tt_strv *paths,
			       struct tt_error *err)
{
	if (depth > 32)
		return tt_error_set(err, -ELOOP, "module dependencies deeper than 32 at %s", name);
	_cleanup_free_ char *path = debian_module_lookup(k, order, name);
	if (!path)
		return tt_error_set(err, -ENOENT, "%s has no module %s (built in, or misspelt?)",
				    k->abi, name);
	if (tt_strv_contains(paths, path))
		return 0;
	char *modname;
	bool livepatch;
	struct tt_strv deps = TT_STRV_INIT, soft = TT_STRV_INIT;
	int rc = tt_boot_module_deps(path, &modname, &livepatch, &deps, &soft, err);
	free(modname);
	for (size_t i = 0; rc == 0 && i < soft.n; i++)
		rc = debian_soft_visit(k, order, soft.v[i], depth, paths, err);
	for (size_t i = 0; rc == 0 && i < deps.n; i++)
		rc = debian_module_visit(k, order, deps.v[i], depth + 1, paths, err);
	tt_strv_free(&deps);
	tt_strv_free(&soft);
	if (rc == 0 && !tt_strv_contains(paths, path))
		tt_strv_push(paths, path);
	return rc;
}

int tt_debian_module_paths(const struct tt_debian_kernel *k, const char *name,
			   struct tt_strv *paths, struct tt_error *err)
{
	_cleanup_free_ char *order_path = tt_xasprintf("%s/modules.order", k->modules_dir);
	_cleanup_free_ char *order = NULL;
	int rc = tt_read_file(order_path, &order, NULL, err);
	if (rc == 0)
		rc = debian_module_visit(k, order, name, 0, paths, err);
	return rc;
}
