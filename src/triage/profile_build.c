// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Gathering a profile from what `tuxtape kernel add` was given. Each fact
 * records where it came from, because a verdict is only as good as the
 * version and file set behind it and a reviewer must be able to tell a
 * version read from /proc/version from one guessed from a .config header.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "triage_internal.h"

static void set_str(char **field, const char **view, const char *value)
{
	free(*field);
	*field = value ? tt_xstrdup(value) : NULL;
	if (view)
		*view = *field;
}

static void set_version(struct tt_profile *p, const struct tt_kver *v, bool exact,
			const char *source)
{
	p->info.version = *v;
	p->info.has_version = true;
	p->info.version_exact = exact;
	set_str(&p->version_source, &p->info.version_source, source);
}

/* ---------------- version and identity ---------------- */

static int apply_release(struct tt_profile *p, const struct tt_kernel_release *rel,
			 const char *proc_version, const char *how)
{
	set_str(&p->uname_release, &p->info.uname_release, rel->uname);
	if (rel->distro_release[0])
		set_str(&p->distro_release, &p->info.distro_release, rel->distro_release);
	if (proc_version)
		set_str(&p->proc_version, &p->info.proc_version, proc_version);
	char src[160];
	if (rel->distro != TT_DISTRO_NONE)
		snprintf(src, sizeof(src), "%s (%s %s)", how, "/proc/version", rel->distro_release);
	else
		snprintf(src, sizeof(src), "%s (uname release %s)", how, rel->uname);
	set_version(p, &rel->upstream, rel->upstream_exact, src);
	return 0;
}

static int identity(struct tt_profile *p, const struct tt_profile_opts *o,
		    const struct tt_diag_sink *diag, struct tt_error *err)
{
	struct tt_kernel_release rel;
	if (o->running) {
		int r = tt_kernel_release_host(&rel, err);
		if (r < 0)
			return r;
		_cleanup_free_ char *pv = NULL;
		if (tt_read_file("/proc/version", &pv, NULL, NULL) == 0)
			pv[strcspn(pv, "\n")] = '\0';
		apply_release(p, &rel, pv, "this host");
	} else if (o->uname_release) {
		int r = tt_kernel_release_parse(o->uname_release, o->proc_version, &rel, err);
		if (r < 0)
			return r;
		apply_release(p, &rel, o->proc_version, "--release");
	}
	if (o->version) {
		struct tt_kver v;
		int r = tt_kver_parse(o->version, &v, err);
		if (r < 0)
			return tt_error_prefix(err, "--version: ");
		char had[TT_KVER_STR_MAX];
		tt_kver_format(&p->info.version, had, sizeof(had));
		if (p->info.has_version && p->info.version_exact &&
		    tt_kver_cmp(&v, &p->info.version) != 0)
			tt_diag_warn(diag, NULL, 0, "--version %s overrides %s from %s", o->version,
				     had, p->info.version_source);
		set_version(p, &v, true, "--version");
	}
	return 0;
}

/* "# Linux/x86 6.1.170 Kernel Configuration": the version and arch make wrote. */
static void config_header(const char *text, struct tt_kver *v, bool *has_v, char *arch,
			  size_t arch_n)
{
	*has_v = false;
	arch[0] = '\0';
	const char *l = strstr(text, "# Linux/");
	if (!l || l - text > 512)
		return;
	l += 8;
	size_t n = strcspn(l, " \n");
	if (n < arch_n) {
		memcpy(arch, l, n);
		arch[n] = '\0';
	}
	const char *end;
	if (l[n] == ' ' && tt_kver_parse_prefix(l + n + 1, v, &end) == 0 && *end == ' ')
		*has_v = true;
}

/* VERSION = 6 / PATCHLEVEL = 1 / SUBLEVEL = 192 of a source tree's top Makefile. */
static bool makefile_version(const char *root, struct tt_kver *v)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/Makefile", root);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(path, &text, NULL, NULL) < 0)
		return false;
	static const char *const keys[] = {"VERSION = ", "PATCHLEVEL = ", "SUBLEVEL = "};
	char buf[64];
	size_t o = 0;
	for (int i = 0; i < 3; i++) {
		const char *k = strstr(text, keys[i]);
		if (!k)
			return false;
		k += strlen(keys[i]);
		size_t n = strcspn(k, "\n");
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%.*s", i ? "." : "",
				      (int)(n < 10 ? n : 10), k);
	}
	return tt_kver_parse(buf, v, NULL) == 0;
}

/* include/config/kernel.release of a build directory: "6.1.192" or "6.1.0-47-amd64". */
static bool build_release(const char *dir, struct tt_kver *v, bool *exact)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/include/config/kernel.release", dir);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(path, &text, NULL, NULL) < 0)
		return false;
	text[strcspn(text, "\n")] = '\0';
	struct tt_kernel_release rel;
	if (tt_kernel_release_parse(text, NULL, &rel, NULL) < 0)
		return false;
	*v = rel.upstream;
	*exact = rel.upstream_exact;
	return true;
}

/*
 * When nothing better named the version. A build's kernel.release is that
 * build's own; a source tree or a config may belong to another kernel, so
 * they only fill a gap - except that a config generated for the same
 * branch may complete a distribution ABI prefix (6.1.0 -> 6.1.170), which is
 * how Debian's /boot/config-6.1.0-47-amd64 names its release.
 */
static void fallback_version(struct tt_profile *p, const struct tt_profile_opts *o,
			     const struct tt_kver *cfg_v, bool cfg_has_v)
{
	struct tt_kver v;
	bool exact = true;
	struct tt_profile_info *i = &p->info;
	if (i->has_version && i->version_exact)
		return;
	if (o->build_dir && build_release(o->build_dir, &v, &exact) && exact)
		set_version(p, &v, true, "build dir include/config/kernel.release");
	else if (!i->has_version && o->source_dir && makefile_version(o->source_dir, &v))
		set_version(p, &v, true, "source tree Makefile (VERSION.PATCHLEVEL.SUBLEVEL)");
	else if (cfg_has_v && (!i->has_version || tt_kver_same_branch(cfg_v, &i->version)))
		set_version(p, cfg_v, true, ".config header comment");
}

/* ---------------- config ---------------- */

const char *tri_config_arch(const struct tt_kconfig *cfg)
{
	static const struct {
		const char *sym, *arch;
	} archs[] = {{"CONFIG_X86", "x86"},	{"CONFIG_ARM64", "arm64"},
		     {"CONFIG_ARM", "arm"},	{"CONFIG_RISCV", "riscv"},
		     {"CONFIG_PPC", "powerpc"}, {"CONFIG_S390", "s390"},
		     {"CONFIG_MIPS", "mips"},	{"CONFIG_LOONGARCH", "loongarch"}};
	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
		if (tt_kconfig_state(cfg, archs[i].sym) == TT_KCONFIG_Y)
			return archs[i].arch;
	return NULL;
}

/* Keep what Kbuild reads: every set symbol, in file order. */
static char *config_text(const struct tt_kconfig *cfg)
{
	struct tt_buf b = TT_BUF_INIT;
	for (size_t i = 0; i < tt_kconfig_count(cfg); i++) {
		const char *value;
		const char *name = tt_kconfig_name_at(cfg, i, &value);
		if (value)
			tt_buf_addf(&b, "%s=%s\n", name, value);
	}
	return tt_buf_detach(&b);
}

struct build_ctx {
	struct tt_profile *p;
	const struct tt_profile_opts *o;
	const struct tt_diag_sink *diag;
	struct tt_kconfig *cfg;
	struct tt_kver cfg_version;
	bool cfg_has_version;
};

static int load_config(struct build_ctx *b, struct tt_error *err)
{
	const struct tt_profile_opts *o = b->o;
	_cleanup_free_ char *in_build =
	    o->build_dir ? tt_xasprintf("%s/.config", o->build_dir) : NULL;
	const char *path = o->config_path;
	int r;
	if (!path && in_build && tt_path_exists(in_build))
		path = in_build;
	if (path) {
		r = tt_kconfig_load(path, &b->cfg, b->diag, err);
		if (r < 0)
			return r;
		set_str(&b->p->config_source, &b->p->info.config_source, path);
	} else if (o->running) {
		r = tt_kconfig_load_host(&b->cfg, b->diag, err);
		if (r == -ENOENT) {
			tt_diag_warn(b->diag, NULL, 0,
				     "no /proc/config.gz or /boot/config-* on this host: the "
				     "profile has no config");
			return 0;
		}
		if (r < 0)
			return r;
		set_str(&b->p->config_source, &b->p->info.config_source,
			"this host (/proc/config.gz or /boot/config-$(uname -r))");
	} else {
		return 0;
	}
	b->p->config_text = config_text(b->cfg);
	b->p->info.has_config = true;
	b->p->info.config_symbols = tt_kconfig_count(b->cfg);
	char arch[32];
	config_header(b->p->config_text, &b->cfg_version, &b->cfg_has_version, arch, sizeof(arch));
	/* config_text drops comments; read the header from the file itself. */
	_cleanup_free_ char *raw = NULL;
	if (path && tt_read_file(path, &raw, NULL, NULL) == 0)
		config_header(raw, &b->cfg_version, &b->cfg_has_version, arch, sizeof(arch));
	return 0;
}

static void choose_arch(struct build_ctx *b)
{
	const char *arch = b->o->arch;
	if (!arch && b->cfg)
		arch = tri_config_arch(b->cfg);
	if (arch)
		set_str(&b->p->arch, &b->p->info.arch, arch);
}

/* ---------------- the compiled-file set ---------------- */

static enum tt_profile_kind kind_of(enum tt_kbuild_kind k)
{
	switch (k) {
	case TT_KBUILD_BUILTIN:
		return TT_PROFILE_BUILTIN;
	case TT_KBUILD_MODULE:
		return TT_PROFILE_MODULE;
	case TT_KBUILD_HOST:
		return TT_PROFILE_HOST;
	case TT_KBUILD_UNKNOWN:
		return TT_PROFILE_UNKNOWN;
	default:
		return TT_PROFILE_ABSENT;
	}
}

/*
 * The files CVEs name that the build leaves out, checked against the
 * source tree: each gets the CONFIG_ symbol that leaves it out, or, where
 * the set may be wrong about it, becomes undecided: a path this tree does
 * not have (renamed or added later: the fix may touch the old name), and
 * for a prediction, a file whose rules are all satisfied or that no rule
 * names (it may be #included by another file).
 */
static void probe_absent(struct build_ctx *b, const char *root, bool exact)
{
	if (!b->o->cve_paths || !root || !*root || !tt_path_exists(root))
		return;
	const struct tt_strv *paths = b->o->cve_paths;
	for (size_t i = 0; i < paths->n; i++) {
		const char *path = paths->v[i];
		struct tri_file cls;
		tri_file_classify(path, &cls);
		free(cls.path);
		bool header = cls.cls == TRI_FILE_HEADER;
		if ((cls.cls != TRI_FILE_SOURCE && !(header && exact)) ||
		    (b->p->arch && cls.arch[0] && strcmp(cls.arch, b->p->arch) != 0) ||
		    tt_profile_lookup(b->p, path, NULL, NULL) != TT_PROFILE_ABSENT)
			continue;
		_cleanup_free_ char *full = tt_xasprintf("%s/%s", root, path);
		if (!tt_path_exists(full)) {
			tri_profile_add_file(b->p, path, TT_PROFILE_UNKNOWN, NULL,
					     "not in this kernel's source tree (renamed or added "
					     "later; the fix may touch code under an older name)");
			continue;
		}
		if (header || !b->cfg)
			continue;
		char *note;
		enum tri_why why = tri_why(root, b->cfg, path, &note);
		if (why == TRI_WHY_UNSET)
			tri_profile_add_file(b->p, path, TT_PROFILE_ABSENT, NULL, note);
		else if (!exact && why == TRI_WHY_SATISFIED)
			tri_profile_add_file(
			    b->p, path, TT_PROFILE_UNKNOWN, NULL,
			    "the prediction leaves it out, but every Makefile rule "
			    "naming it has its CONFIG_ symbols set");
		else if (!exact && why == TRI_WHY_NO_RULE)
			tri_profile_add_file(b->p, path, TT_PROFILE_UNKNOWN, NULL,
					     "no Makefile rule in its directory names its object "
					     "(it may be #included by another file)");
		free(note);
	}
	tri_profile_finish(b->p);
}

static int read_build_dir(struct build_ctx *b, struct tt_error *err)
{
	struct tt_kbuild_tree *t;
	int r = tt_kbuild_tree_read(b->o->build_dir, b->o->source_dir, &t, b->diag, err);
	if (r < 0)
		return r;
	struct tt_profile *p = b->p;
	size_t n = tt_kbuild_tree_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct tt_kbuild_file *f = tt_kbuild_tree_file(t, i);
		if (!f->generated && f->source[0] != '/')
			tri_profile_add_file(p, f->source, kind_of(f->kind), f->module, NULL);
	}
	const struct tt_strv *h = tt_kbuild_tree_headers(t);
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i][0] != '/')
			tri_profile_add_file(p, h->v[i], TT_PROFILE_HEADER, NULL, NULL);
	p->info.files_mode = TT_PROFILE_FILES_EXACT;
	tri_profile_finish(p);
	char *src =
	    tt_xasprintf("build dir %s (%zu objects from .cmd files, exact)", b->o->build_dir, n);
	set_str(&p->files_source, &p->info.files_source, src);
	free(src);
	probe_absent(b, tt_kbuild_tree_source_root(t), true);
	tt_kbuild_tree_free(t);
	return 0;
}

/* Record what the prediction says about every CVE file it could not decide. */
static void probe_unknowns(struct build_ctx *b, const struct tt_kbuild_prediction *pr)
{
	const struct tt_strv *paths = b->o->cve_paths;
	for (size_t i = 0; paths && i < paths->n; i++) {
		if (tt_kbuild_prediction_lookup(pr, paths->v[i]) != TT_KBUILD_UNKNOWN ||
		    tri_map_get(&b->p->file_index, paths->v[i], NULL))
			continue;
		tri_profile_add_file(b->p, paths->v[i], TT_PROFILE_UNKNOWN, NULL,
				     "the Kbuild prediction was incomplete in this directory");
	}
}

static int predict(struct build_ctx *b, struct tt_error *err)
{
	if (!b->cfg)
		return tt_error_set(err, -EINVAL,
				    "--source needs a config to predict the compiled files "
				    "(--config FILE, or --running on a host with one)");
	struct tt_kbuild_predict_opts po = {.source_root = b->o->source_dir, .arch = b->p->arch};
	struct tt_kbuild_prediction *pr;
	int r = tt_kbuild_predict(&po, b->cfg, &pr, b->diag, err);
	if (r < 0)
		return r;
	struct tt_profile *p = b->p;
	size_t n = tt_kbuild_prediction_count(pr);
	for (size_t i = 0; i < n; i++) {
		const struct tt_kbuild_file *f = tt_kbuild_prediction_file(pr, i);
		if (!f->generated)
			tri_profile_add_file(p, f->source, kind_of(f->kind), f->module, NULL);
	}
	for (size_t i = 0; i < tt_kbuild_prediction_n_unknowns(pr); i++) {
		const struct tt_kbuild_unknown *u = tt_kbuild_prediction_unknown(pr, i);
		char *why = u->line
				? tt_xasprintf("%s:%d: %s", u->file, u->line, u->reason)
				: tt_xasprintf("%s%s%s", u->file, *u->file ? ": " : "", u->reason);
		tri_profile_add_unknown_dir(p, u->dir, why);
		free(why);
	}
	probe_unknowns(b, pr);
	p->info.files_mode = TT_PROFILE_FILES_PREDICTED;
	tri_profile_finish(p);
	char tree[TT_KVER_STR_MAX + 16] = "", tvs[TT_KVER_STR_MAX];
	struct tt_kver tv;
	if (makefile_version(b->o->source_dir, &tv)) {
		tt_kver_format(&tv, tvs, sizeof(tvs));
		snprintf(tree, sizeof(tree), "; tree %s", tvs);
		if (p->info.has_version && !tt_kver_same_branch(&tv, &p->info.version))
			tt_diag_warn(b->diag, NULL, 0,
				     "the source tree is %s, another branch than the profile's "
				     "version: the predicted files may not match this kernel",
				     tvs);
	}
	char *src = tt_xasprintf("predicted from %s and the config (%zu objects, %zu places "
				 "where evaluation was incomplete%s)",
				 b->o->source_dir, n, tt_kbuild_prediction_n_unknowns(pr), tree);
	set_str(&p->files_source, &p->info.files_source, src);
	free(src);
	tt_kbuild_prediction_free(pr);
	probe_absent(b, b->o->source_dir, false);
	return 0;
}

/* ---------------- the running host ---------------- */

static void read_host(struct build_ctx *b)
{
	struct tt_profile *p = b->p;
	struct tt_error e = {0};
	const char *mods = b->o->proc_modules_path ? b->o->proc_modules_path : "/proc/modules";
	if (tri_read_modules(mods, p, &e) == 0)
		set_str(&p->modules_source, &p->info.modules_source, mods);
	else
		tt_diag_warn(b->diag, NULL, 0, "loaded modules unknown: %s", e.msg);
	const char *notes = b->o->kernel_notes_path ? b->o->kernel_notes_path : "/sys/kernel/notes";
	char *id = NULL;
	if (tri_read_build_id(notes, &id, &e) == 0) {
		set_str(&p->build_id, &p->info.build_id, id);
		set_str(&p->build_id_source, &p->info.build_id_source, notes);
	} else {
		tt_diag_warn(b->diag, NULL, 0, "build id unknown: %s", e.msg);
	}
	free(id);
	p->info.running = true;
}

static bool name_ok(const char *name)
{
	if (!name || !*name || strlen(name) > 128)
		return false;
	for (const char *c = name; *c; c++)
		if (!(isalnum((unsigned char)*c) || strchr("._-+@:", *c)))
			return false;
	return true;
}

static int build(struct build_ctx *b, struct tt_error *err)
{
	const struct tt_profile_opts *o = b->o;
	int r = identity(b->p, o, b->diag, err);
	if (r == 0)
		r = load_config(b, err);
	if (r < 0)
		return r;
	choose_arch(b);
	fallback_version(b->p, o, &b->cfg_version, b->cfg_has_version);
	if (o->build_dir)
		r = read_build_dir(b, err);
	else if (o->source_dir)
		r = predict(b, err);
	else
		tri_profile_finish(b->p);
	if (r == 0 && o->running)
		read_host(b);
	return r;
}

int tt_profile_build(const struct tt_profile_opts *o, struct tt_profile **out,
		     const struct tt_diag_sink *diag, struct tt_error *err)
{
	*out = NULL;
	if (!name_ok(o->name))
		return tt_error_set(err, -EINVAL,
				    "profile name '%s': use 1-128 letters, digits and ._-+@:",
				    o->name ? o->name : "");
	if (o->build_dir && o->source_dir && !tt_path_exists(o->source_dir))
		return tt_error_set(err, -ENOENT, "--source %s: no such directory", o->source_dir);
	struct build_ctx b = {.p = tri_profile_new(o->name), .o = o, .diag = diag};
	b.p->info.created_at = o->now ? o->now : (int64_t)time(NULL);
	int r = build(&b, err);
	tt_kconfig_free(b.cfg);
	if (r < 0) {
		tt_profile_free(b.p);
		return tt_error_prefix(err, "kernel profile '%s': ", o->name);
	}
	*out = b.p;
	return 0;
}
