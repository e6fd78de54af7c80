// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A kernel's source and an O= tree prepared once from its own .config, so
 * that single objects can be built later with exactly the flags of the real
 * build (same compiler, same config, objtool run by kbuild itself).
 *
 * Debian layout, beside the image and headers of src/build/debian.c:
 * CACHE/debian/ABI/{debs/linux-source-X.Y_VERSION_all.deb, source/linux-source-X.Y/
 * (with source-unpacked written last), obj/ (the prepared O= tree, .tuxtape-prepared
 * written last), obj-slot/{src,obj} (where builds run), source.lock, obj-slot.lock}.
 */
#include <errno.h>
#include <glob.h>
#include <string.h>
#include <unistd.h>

#include "build_int.h"

#define APT_TIMEOUT	1800.0
#define UNPACK_TIMEOUT	900.0
#define PREPARE_TIMEOUT 3600.0
#define COPY_TIMEOUT	900.0
#define PREPARED_MARKER ".tuxtape-prepared"
#define CONFIG_INPUT	".config.tuxtape-input"

void tt_ktree_free(struct tt_ktree *t)
{
	free(t->source_dir);
	free(t->obj_dir);
	free(t->slot_dir);
	free(t->config);
	free(t->cc);
	free(t->kernelrelease);
	tt_strv_free(&t->config_changes);
	memset(t, 0, sizeof(*t));
}

void tt_ktree_make_args(const struct tt_ktree *t, const char *source_dir, const char *obj_dir,
			int jobs, struct tt_strv *argv)
{
	tt_strv_push(argv, "make");
	tt_strv_push_owned(argv, tt_xasprintf("-j%d", jobs > 0 ? jobs : 2));
	tt_strv_push(argv, "-C");
	tt_strv_push(argv, source_dir);
	tt_strv_push_owned(argv, tt_xasprintf("O=%s", obj_dir));
	tt_strv_push_owned(argv, tt_xasprintf("CC=%s", t->cc));
	if (t->kernelrelease)
		tt_strv_push_owned(argv, tt_xasprintf("KERNELRELEASE=%s", t->kernelrelease));
}

const char **tt_build_argv(const struct tt_strv *sv)
{
	const char **argv = tt_xcalloc(sv->n + 1, sizeof(*argv));
	for (size_t i = 0; i < sv->n; i++)
		argv[i] = sv->v[i];
	return argv;
}

/* The compiler the config was made with: the first word of CONFIG_CC_VERSION_TEXT, if here. */
static char *ktree_config_cc(const char *config_text)
{
	_cleanup_free_ char *text = tt_build_config_value(config_text, "CONFIG_CC_VERSION_TEXT");
	if (!text || !*text || strchr(text, '/'))
		return tt_xstrdup("gcc");
	text[strcspn(text, " ")] = '\0';
	const char *argv[] = {text, "--version", NULL};
	struct tt_run_result res;
	if (tt_run(argv, NULL, 30, &res, NULL) < 0)
		return tt_xstrdup("gcc");
	bool ok = res.status == 0;
	tt_run_result_free(&res);
	return tt_xstrdup(ok ? text : "gcc");
}

/* What identifies a preparation: the inputs that change the objects built from the tree. */
static char *ktree_marker_text(const struct tt_ktree *t)
{
	return tt_xasprintf("source=%s\nslot=%s\ncc=%s\nkernelrelease=%s\n", t->source_dir,
			    t->slot_dir, t->cc, t->kernelrelease ? t->kernelrelease : "");
}

/* Is obj_dir prepared from these inputs? Byte-equal marker and config copy. */
static bool ktree_is_prepared(const struct tt_ktree *t, const char *config_text)
{
	_cleanup_free_ char *marker = tt_xasprintf("%s/" PREPARED_MARKER, t->obj_dir);
	_cleanup_free_ char *input = tt_xasprintf("%s/" CONFIG_INPUT, t->obj_dir);
	_cleanup_free_ char *want = ktree_marker_text(t);
	_cleanup_free_ char *have = NULL, *have_config = NULL;
	if (tt_read_file(marker, &have, NULL, NULL) < 0 ||
	    tt_read_file(input, &have_config, NULL, NULL) < 0)
		return false;
	return strcmp(have, want) == 0 && strcmp(have_config, config_text) == 0;
}

/* Lines of the prepared .config that are not in the input one (olddefconfig's doing). */
static void ktree_config_changes(struct tt_ktree *t, const char *input)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/.config", t->obj_dir);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(path, &text, NULL, NULL) < 0)
		return;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		size_t l = strlen(line);
		bool found = false;
		for (const char *p = input; !found && (p = strstr(p, line)); p += l)
			found = (p == input || p[-1] == '\n') && (p[l] == '\n' || p[l] == '\0');
		if (!found)
			tt_strv_push(&t->config_changes, line);
	}
}

static int ktree_make(const struct tt_ktree *t, int jobs, const char *target, const char *log,
		      struct tt_error *err)
{
	_cleanup_free_ char *src = tt_xasprintf("%s/src", t->slot_dir);
	_cleanup_free_ char *obj = tt_xasprintf("%s/obj", t->slot_dir);
	struct tt_strv args = TT_STRV_INIT;
	tt_ktree_make_args(t, src, obj, jobs, &args);
	tt_strv_push(&args, target);
	const char **argv = tt_build_argv(&args);
	int rc = tt_build_run(argv, NULL, PREPARE_TIMEOUT, log, err);
	free(argv);
	tt_strv_free(&args);
	return rc;
}

int tt_ktree_lock(const struct tt_ktree *t, struct tt_error *err)
{
	_cleanup_free_ char *lock = tt_xasprintf("%s.lock", t->slot_dir);
	return tt_build_lock(lock, err);
}

int tt_ktree_slot_reset(const struct tt_ktree *t, bool with_obj, struct tt_error *err)
{
	_cleanup_free_ char *src = tt_xasprintf("%s/src", t->slot_dir);
	_cleanup_free_ char *obj = tt_xasprintf("%s/obj", t->slot_dir);
	/* Hard links: GNU patch replaces the files it changes, so the source keeps its bytes. */
	const char *link_src[] = {"cp", "-al", "--", t->source_dir, src, NULL};
	const char *copy_obj[] = {"cp", "-a", "--", t->obj_dir, obj, NULL};
	int rc;
	if ((rc = tt_build_remove_tree(t->slot_dir, err)) < 0 ||
	    (rc = tt_mkdir_p(t->slot_dir, 0755, err)) < 0 ||
	    (rc = tt_build_run(link_src, NULL, COPY_TIMEOUT, NULL, err)) < 0)
		return rc;
	if (with_obj)
		return tt_build_run(copy_obj, NULL, COPY_TIMEOUT, NULL, err);
	return tt_mkdir_p(obj, 0755, err);
}

/* Put the source's own file back at rel (a file a patch replaced, or created). */
static int ktree_restore_file(const struct tt_ktree *t, const char *rel, struct tt_error *err)
{
	_cleanup_free_ char *orig = tt_xasprintf("%s/%s", t->source_dir, rel);
	_cleanup_free_ char *used = tt_xasprintf("%s/src/%s", t->slot_dir, rel);
	if (unlink(used) != 0 && errno != ENOENT)
		return tt_error_set(err, -errno, "cannot remove %s: %s", used, strerror(errno));
	if (tt_path_exists(orig) && link(orig, used) != 0)
		return tt_error_set(err, -errno, "cannot link %s to %s: %s", used, orig,
				    strerror(errno));
	return 0;
}

/* Remove an object a build made, and its .cmd file, so the next build compiles it afresh. */
static int ktree_remove_object(const struct tt_ktree *t, const char *rel, struct tt_error *err)
{
	const char *slash = strrchr(rel, '/');
	int dir_len = slash ? (int)(slash - rel + 1) : 0;
	_cleanup_free_ char *obj = tt_xasprintf("%s/obj/%s", t->slot_dir, rel);
	_cleanup_free_ char *cmd =
	    tt_xasprintf("%s/obj/%.*s.%s.cmd", t->slot_dir, dir_len, rel, rel + dir_len);
	const char *paths[] = {obj, cmd};
	for (size_t i = 0; i < 2; i++)
		if (unlink(paths[i]) != 0 && errno != ENOENT)
			return tt_error_set(err, -errno, "cannot remove %s: %s", paths[i],
					    strerror(errno));
	return 0;
}

int tt_ktree_slot_mark_dirty(const struct tt_ktree *t, const struct tt_strv *sources,
			     const struct tt_strv *objects, struct tt_error *err)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/dirty", t->slot_dir);
	_cleanup_free_ char *old = NULL;
	struct tt_buf b = TT_BUF_INIT;
	if (tt_read_file(path, &old, NULL, NULL) == 0)
		tt_buf_adds(&b, old);
	for (size_t i = 0; i < sources->n; i++)
		tt_buf_addf(&b, "src %s\n", sources->v[i]);
	for (size_t i = 0; i < objects->n; i++)
		tt_buf_addf(&b, "obj %s\n", objects->v[i]);
	int rc = tt_write_file_atomic(path, b.buf, b.len, err);
	tt_buf_free(&b);
	return rc;
}

/*
 * Undo the last build: the files it patched get the source's links back and
 * the objects it built are removed (both listed in slot/dirty before the
 * build touched them), so no object survives with a newer time than its
 * source. Copying 75,000 links and 7,000 files afresh instead takes 5-25 s
 * on a busy disk; a slot without a complete tree gets that copy anyway.
 */
int tt_ktree_slot_restore(const struct tt_ktree *t, struct tt_error *err)
{
	_cleanup_free_ char *mk = tt_xasprintf("%s/src/Makefile", t->slot_dir);
	_cleanup_free_ char *config = tt_xasprintf("%s/obj/.config", t->slot_dir);
	_cleanup_free_ char *dirty = tt_xasprintf("%s/dirty", t->slot_dir);
	if (!tt_path_exists(mk) || !tt_path_exists(config))
		return tt_ktree_slot_reset(t, true, err);
	_cleanup_free_ char *list = NULL;
	int rc = 0;
	if (tt_read_file(dirty, &list, NULL, NULL) == 0)
		for (char *l = strtok(list, "\n"); rc == 0 && l; l = strtok(NULL, "\n")) {
			if (strncmp(l, "src ", 4) == 0)
				rc = ktree_restore_file(t, l + 4, err);
			else if (strncmp(l, "obj ", 4) == 0)
				rc = ktree_remove_object(t, l + 4, err);
		}
	if (rc == 0 && unlink(dirty) != 0 && errno != ENOENT)
		rc = tt_error_set(err, -errno, "cannot remove %s: %s", dirty, strerror(errno));
	return rc;
}

/*
 * Prepare in the slot, where builds will run, then keep a pristine copy of
 * the O= tree in obj_dir: kbuild records absolute paths (in .cmd files,
 * objtool's dependencies), so a tree used at another path rebuilds its host
 * tools first, 15-20 s of every build.
 */
static int ktree_prepare_fresh(struct tt_ktree *t, const char *config_text, int jobs,
			       struct tt_error *err)
{
	_cleanup_free_ char *slot_obj = tt_xasprintf("%s/obj", t->slot_dir);
	_cleanup_free_ char *dot_config = tt_xasprintf("%s/.config", slot_obj);
	_cleanup_free_ char *input = tt_xasprintf("%s/" CONFIG_INPUT, t->obj_dir);
	_cleanup_free_ char *marker = tt_xasprintf("%s/" PREPARED_MARKER, t->obj_dir);
	_cleanup_free_ char *log = tt_xasprintf("%s.prepare.log", t->slot_dir);
	_cleanup_free_ char *marker_text = ktree_marker_text(t);
	const char *keep[] = {"cp", "-a", "--", slot_obj, t->obj_dir, NULL};
	size_t len = strlen(config_text);
	int rc;
	if ((rc = tt_build_remove_tree(t->obj_dir, err)) < 0 ||
	    (rc = tt_ktree_slot_reset(t, false, err)) < 0 ||
	    (rc = tt_write_file_atomic(dot_config, config_text, len, err)) < 0)
		return rc;
	/*
	 * olddefconfig only fills what the shipped config leaves out (Debian strips
	 * the signing-key settings); modules_prepare generates the headers and
	 * builds objtool and modpost, which single-object builds need.
	 */
	if ((rc = ktree_make(t, jobs, "olddefconfig", log, err)) < 0 ||
	    (rc = ktree_make(t, jobs, "modules_prepare", log, err)) < 0)
		return tt_error_prefix(err, "preparing %s: ", t->obj_dir);
	if ((rc = tt_build_run(keep, NULL, COPY_TIMEOUT, NULL, err)) < 0 ||
	    (rc = tt_write_file_atomic(input, config_text, len, err)) < 0)
		return rc;
	return tt_write_file_atomic(marker, marker_text, strlen(marker_text), err);
}

int tt_ktree_prepare(struct tt_ktree *t, int jobs, struct tt_error *err)
{
	_cleanup_free_ char *config_text = NULL;
	int rc = tt_read_file(t->config, &config_text, NULL, err);
	if (rc < 0)
		return tt_error_prefix(err, "the kernel's config: ");
	_cleanup_free_ char *srcmk = tt_xasprintf("%s/Makefile", t->source_dir);
	if (!tt_path_exists(srcmk))
		return tt_error_set(err, -ENOENT, "%s is not a kernel source tree (no Makefile)",
				    t->source_dir);
	if (!t->cc)
		t->cc = ktree_config_cc(config_text);
	if (!t->slot_dir)
		t->slot_dir = tt_xasprintf("%s-slot", t->obj_dir);
	_cleanup_free_ char *parent = tt_xstrdup(t->obj_dir);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	if (slash && (rc = tt_mkdir_p(parent, 0755, err)) < 0)
		return rc;
	int fd = tt_ktree_lock(t, err);
	if (fd < 0)
		return fd;
	t->prepared_now = !ktree_is_prepared(t, config_text);
	if (t->prepared_now)
		rc = ktree_prepare_fresh(t, config_text, jobs, err);
	if (rc == 0)
		ktree_config_changes(t, config_text);
	close(fd);
	return rc;
}

char *tt_ktree_release_of(const char *build_dir)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/include/generated/utsrelease.h", build_dir);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(path, &text, NULL, NULL) < 0)
		return NULL;
	const char *p = strstr(text, "UTS_RELEASE \"");
	if (!p)
		return NULL;
	p += strlen("UTS_RELEASE \"");
	size_t n = strcspn(p, "\"\n");
	return n ? tt_xstrndup(p, n) : NULL;
}

/* ---- Debian's linux-source-X.Y ---- */

static char *ksource_cached_deb(const char *debs, const char *pkg, const char *ver)
{
	_cleanup_free_ char *pat = tt_xasprintf("%s/%s_%s_*.deb", debs, pkg, ver);
	glob_t g;
	char *found = NULL;
	if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc)
		found = tt_xstrdup(g.gl_pathv[0]);
	globfree(&g);
	return found;
}

/* apt-get download pkg=ver into debs (apt checks it against the signed Release files). */
static int ksource_download(const char *debs, const char *pkg, const char *ver, char **deb,
			    bool *downloaded, struct tt_error *err)
{
	*deb = ksource_cached_deb(debs, pkg, ver);
	if (*deb)
		return 0;
	_cleanup_free_ char *spec = tt_xasprintf("%s=%s", pkg, ver);
	const char *argv[] = {"apt-get", "download", "-q", spec, NULL};
	int rc = tt_mkdir_p(debs, 0755, err);
	if (rc == 0)
		rc = tt_build_run(argv, debs, APT_TIMEOUT, NULL, err);
	if (rc < 0)
		return tt_error_prefix(err, "downloading the kernel source %s: ", spec);
	*downloaded = true;
	*deb = ksource_cached_deb(debs, pkg, ver);
	if (!*deb)
		return tt_error_set(err, -ENOENT, "apt-get download left no %s_%s_*.deb in %s", pkg,
				    ver, debs);
	return 0;
}

/* The package holds /usr/src/linux-source-X.Y.tar.xz; the tree is that tarball unpacked. */
static int ksource_unpack(const char *deb, const char *series, const char *into,
			  struct tt_error *err)
{
	_cleanup_free_ char *fresh = tt_xasprintf("%s.new", into);
	_cleanup_free_ char *pkgdir = tt_xasprintf("%s/package", fresh);
	_cleanup_free_ char *tarball =
	    tt_xasprintf("%s/usr/src/linux-source-%s.tar.xz", pkgdir, series);
	const char *extract[] = {"dpkg-deb", "-x", deb, pkgdir, NULL};
	const char *untar[] = {"tar", "-xf", tarball, "-C", fresh, NULL};
	int rc;
	if ((rc = tt_build_remove_tree(fresh, err)) < 0 ||
	    (rc = tt_mkdir_p(pkgdir, 0755, err)) < 0 ||
	    (rc = tt_build_run(extract, NULL, UNPACK_TIMEOUT, NULL, err)) < 0 ||
	    (rc = tt_build_run(untar, NULL, UNPACK_TIMEOUT, NULL, err)) < 0 ||
	    (rc = tt_build_remove_tree(pkgdir, err)) < 0 ||
	    (rc = tt_build_remove_tree(into, err)) < 0)
		return rc;
	if (rename(fresh, into) != 0)
		return tt_error_set(err, -errno, "cannot rename %s to %s: %s", fresh, into,
				    strerror(errno));
	return 0;
}

static int ksource_debian_locked(const struct tt_debian_kernel *k, const char *series,
				 struct tt_ktree *t, struct tt_error *err)
{
	_cleanup_free_ char *stamp = tt_xasprintf("%s/source-unpacked", k->dir);
	_cleanup_free_ char *into = tt_xasprintf("%s/source", k->dir);
	t->source_dir = tt_xasprintf("%s/linux-source-%s", into, series);
	_cleanup_free_ char *have = NULL;
	if (tt_read_file(stamp, &have, NULL, NULL) == 0 && strcmp(have, k->version) == 0 &&
	    tt_path_exists(t->source_dir))
		return 0;
	unlink(stamp);
	_cleanup_free_ char *debs = tt_xasprintf("%s/debs", k->dir);
	_cleanup_free_ char *pkg = tt_xasprintf("linux-source-%s", series);
	_cleanup_free_ char *deb = NULL;
	int rc = ksource_download(debs, pkg, k->version, &deb, &t->downloaded, err);
	if (rc == 0)
		rc = ksource_unpack(deb, series, into, err);
	if (rc == 0 && !tt_path_exists(t->source_dir))
		rc = tt_error_set(err, -ENOENT, "%s holds no linux-source-%s directory", deb,
				  series);
	if (rc == 0)
		rc = tt_write_file_atomic(stamp, k->version, strlen(k->version), err);
	return rc;
}

int tt_ktree_debian(const struct tt_debian_kernel *k, int jobs, struct tt_ktree *t,
		    struct tt_error *err)
{
	memset(t, 0, sizeof(*t));
	char series[32], stem[64];
	if (!tt_debian_abi_split(k->abi, series, sizeof(series), stem, sizeof(stem)))
		return tt_error_set(err, -EINVAL, "'%s' is not a Debian kernel ABI", k->abi);
	_cleanup_free_ char *lock = tt_xasprintf("%s/source.lock", k->dir);
	int fd = tt_build_lock(lock, err);
	if (fd < 0)
		return fd;
	int rc = ksource_debian_locked(k, series, t, err);
	close(fd);
	if (rc == 0) {
		t->obj_dir = tt_xasprintf("%s/obj", k->dir);
		t->config = tt_xstrdup(k->config);
		t->kernelrelease = tt_xstrdup(k->abi);
		rc = tt_ktree_prepare(t, jobs, err);
	}
	if (rc < 0) {
		tt_error_prefix(err, "kernel source of %s (Debian %s): ", k->abi, k->version);
		tt_ktree_free(t);
	}
	return rc;
}
