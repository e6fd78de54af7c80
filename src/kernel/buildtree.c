// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The exact compiled set of a finished build: every .NAME.o.cmd file names
 * one object's source and headers; modules.order and NAME.mod say which
 * objects went into which module.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kbuild_internal.h"

struct tt_kbuild_tree {
	char *build_dir;   /* realpath */
	char *source_root; /* realpath-like, no trailing slash; "" when unknown */
	bool out_of_tree;  /* O= build: relative sources are generated files */
	struct kb_fileset files;
	struct tt_strmap header_set;
	struct tt_strmap
	    raw_deps; /* deps as written, seen already: most repeat thousands of times */
	struct tt_strv headers;
	struct tt_strmap obj_module; /* "dir/x.o" -> owned "dir/mod.ko" */
};

struct walk_result {
	struct tt_strv cmd_files; /* relative to the build dir */
	struct tt_strv mod_files;
};

static bool is_obj_cmd(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' && n > 7 && strcmp(name + n - 6, ".o.cmd") == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Top-level directories that hold build machinery, not kernel code. */
static bool skip_top_dir(const char *name)
{
	return strcmp(name, "scripts") == 0 || strcmp(name, "tools") == 0 ||
	       strcmp(name, ".git") == 0 || strcmp(name, "Documentation") == 0;
}

static bool entry_is_dir(const char *path, const struct dirent *de)
{
	if (de->d_type == DT_DIR)
		return true;
	if (de->d_type != DT_UNKNOWN)
		return false;
	struct stat st;
	/* lstat: O= build dirs have a "source" symlink back to the tree; never follow it. */
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int walk(const char *root, const char *rel, struct walk_result *w, struct tt_error *err)
{
	_cleanup_free_ char *path = *rel ? tt_xasprintf("%s/%s", root, rel) : tt_xstrdup(root);
	DIR *d = opendir(path);
	if (!d)
		return tt_error_set(err, -errno, "cannot open directory %s: %s", path,
				    strerror(errno));
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		_cleanup_free_ char *sub =
		    *rel ? tt_xasprintf("%s/%s", rel, name) : tt_xstrdup(name);
		_cleanup_free_ char *full = tt_xasprintf("%s/%s", root, sub);
		if (entry_is_dir(full, de)) {
			if (!(*rel == '\0' && skip_top_dir(name)))
				r = walk(root, sub, w, err);
		} else if (is_obj_cmd(name)) {
			tt_strv_push(&w->cmd_files, sub);
		} else if (ends_with(name, ".mod") && name[0] != '.') {
			tt_strv_push(&w->mod_files, sub);
		}
	}
	closedir(d);
	return r;
}

static void read_modules_order(const char *build_dir, struct tt_strmap *kos)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/modules.order", build_dir);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(path, &text, NULL, NULL) < 0)
		return;
	for (char *save = NULL, *t = strtok_r(text, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		/* Kernels before 5.16 listed "kernel/dir/x.ko"; drop that prefix. */
		if (strncmp(t, "kernel/", 7) == 0)
			t += 7;
		tt_strmap_upsert(kos, t, NULL);
	}
}

/* NAME.mod lists the module's real objects (composites expanded), one per line. */
static void read_mod_file(struct tt_kbuild_tree *t, const char *rel, const struct tt_strmap *kos)
{
	size_t n = strlen(rel);
	_cleanup_free_ char *ko = tt_xasprintf("%.*s.ko", (int)(n - 4), rel);
	if (kos->n && !tt_strmap_has(kos, ko))
		return; /* left over from an earlier build with another config */
	_cleanup_free_ char *path = tt_xasprintf("%s/%s", t->build_dir, rel);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(path, &text, NULL, NULL) < 0)
		return;
	for (char *save = NULL, *tok = strtok_r(text, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (!ends_with(tok, ".o"))
			continue;
		bool created;
		struct tt_strmap_entry *e = tt_strmap_upsert(&t->obj_module, tok, &created);
		if (created)
			e->val = tt_xstrdup(ko);
	}
}

/* "/src/kernel/fork.c" for "kernel/fork.o" gives the source root "/src". */
static char *root_from(const char *source, const char *object)
{
	if (source[0] != '/')
		return NULL;
	const char *dot = strrchr(object, '.');
	size_t stem = dot ? (size_t)(dot - object) : strlen(object);
	const char *sdot = strrchr(source, '.');
	if (!sdot || (size_t)(sdot - source) < stem + 1)
		return NULL;
	const char *tail = sdot - stem;
	if (tail[-1] != '/' || strncmp(tail, object, stem) != 0)
		return NULL;
	return tt_xstrndup(source, (size_t)(tail - 1 - source));
}

static void ignore_dep(void *ctx, const char *dep, size_t len)
{
	(void)ctx, (void)dep, (void)len;
}

static int parse_cmd_file(const struct tt_kbuild_tree *t, const char *rel, struct tt_kcmd *cmd,
			  tt_kcmd_dep_fn on_dep, void *ctx, const struct tt_diag_sink *diag)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/%s", t->build_dir, rel);
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct tt_error e;
	if (tt_read_file(path, &text, &len, &e) < 0) {
		tt_diag_warn(diag, path, 0, "%s", e.msg);
		return -EIO;
	}
	return tt_kcmd_parse_cb(text, len, rel, cmd, on_dep, ctx, diag, NULL);
}

/* The build recorded absolute source paths: the first that matches its object names the root. */
static void infer_source_root(struct tt_kbuild_tree *t, const struct tt_strv *cmds)
{
	for (size_t i = 0; i < cmds->n && !*t->source_root; i++) {
		struct tt_kcmd cmd;
		if (parse_cmd_file(t, cmds->v[i], &cmd, ignore_dep, NULL, NULL) < 0)
			continue;
		char *root = cmd.source ? root_from(cmd.source, cmd.object) : NULL;
		if (root) {
			free(t->source_root);
			t->source_root = root;
		}
		tt_kcmd_free(&cmd);
	}
	/* Relative paths everywhere: an in-tree build, the build dir is the source tree. */
	if (!*t->source_root) {
		free(t->source_root);
		t->source_root = tt_xstrdup(t->build_dir);
	}
}

/* Strip the source root or "./"; *generated says the file lives in the build dir. */
static char *rel_path(const struct tt_kbuild_tree *t, const char *p, size_t len, bool *generated)
{
	size_t rl = strlen(t->source_root);
	*generated = false;
	char *s;
	if (rl && len > rl && strncmp(p, t->source_root, rl) == 0 && p[rl] == '/') {
		s = tt_xstrndup(p + rl + 1, len - rl - 1);
	} else {
		s = tt_xstrndup(p, len);
		*generated = p[0] != '/' && t->out_of_tree;
	}
	if (s[0] != '/')
		kb_path_normalize(s);
	return s;
}

/* Kbuild's dot-named link helpers (.vmlinux.export.c) are not kernel source. */
static bool is_link_helper(const char *source)
{
	const char *base = strrchr(source, '/');
	return (base ? base[1] : source[0]) == '.';
}

struct dep_ctx {
	struct tt_kbuild_tree *t;
	const struct tt_kcmd *cmd; /* being parsed: fixdep writes source_ before deps_ */
};

static void add_header(void *ctx, const char *dep, size_t len)
{
	struct dep_ctx *c = ctx;
	const char *src = c->cmd->source;
	if (src && (is_link_helper(src) || (strlen(src) == len && memcmp(src, dep, len) == 0)))
		return;
	if (tt_strmap_findn(&c->t->raw_deps, dep, len))
		return;
	tt_strmap_upsertn(&c->t->raw_deps, dep, len, NULL);
	bool gen;
	char *h = rel_path(c->t, dep, len, &gen);
	bool created;
	tt_strmap_upsert(&c->t->header_set, h, &created);
	if (created)
		tt_strv_push_owned(&c->t->headers, h);
	else
		free(h);
}

/* Kernel code is always built with -nostdinc; host programs never are. */
static bool is_host_command(const char *command)
{
	return command && !strstr(command, "-nostdinc");
}

static enum tt_kbuild_kind object_kind(const struct tt_kbuild_tree *t, const struct tt_kcmd *cmd,
				       char **module)
{
	*module = NULL;
	if (is_host_command(cmd->command))
		return TT_KBUILD_HOST;
	const char *ko = tt_strmap_get(&t->obj_module, cmd->object);
	if (ko) {
		*module = tt_xstrdup(ko);
		return TT_KBUILD_MODULE;
	}
	/* NAME.mod.o is the module's generated metadata, linked into NAME.ko. */
	if (ends_with(cmd->object, ".mod.o")) {
		size_t n = strlen(cmd->object);
		*module = tt_xasprintf("%.*s.ko", (int)(n - 6), cmd->object);
		return TT_KBUILD_MODULE;
	}
	return TT_KBUILD_BUILTIN;
}

static void add_cmd(struct tt_kbuild_tree *t, const char *rel, const struct tt_diag_sink *diag)
{
	struct tt_kcmd cmd;
	struct dep_ctx dc = {.t = t, .cmd = &cmd};
	if (parse_cmd_file(t, rel, &cmd, add_header, &dc, diag) < 0)
		return;
	if (cmd.source && !is_link_helper(cmd.source)) {
		bool gen;
		_cleanup_free_ char *src = rel_path(t, cmd.source, strlen(cmd.source), &gen);
		_cleanup_free_ char *module = NULL;
		enum tt_kbuild_kind kind = object_kind(t, &cmd, &module);
		kb_fileset_add(&t->files, src, cmd.object, module, kind, gen);
	}
	tt_kcmd_free(&cmd);
}

static void free_val(void *v)
{
	free(v);
}

int tt_kbuild_tree_read(const char *build_dir, const char *source_root, struct tt_kbuild_tree **out,
			const struct tt_diag_sink *diag, struct tt_error *err)
{
	char real[PATH_MAX];
	if (!realpath(build_dir, real))
		return tt_error_set(err, -errno, "build directory %s: %s", build_dir,
				    strerror(errno));
	struct tt_kbuild_tree *t = tt_xcalloc(1, sizeof(*t));
	t->build_dir = tt_xstrdup(real);
	t->source_root = tt_xstrdup(source_root ? source_root : "");
	size_t rl = strlen(t->source_root);
	while (rl > 1 && t->source_root[rl - 1] == '/')
		t->source_root[--rl] = '\0';
	struct walk_result w = {TT_STRV_INIT, TT_STRV_INIT};
	int r = walk(t->build_dir, "", &w, err);
	if (r == 0) {
		tt_strv_sort_unique(&w.cmd_files);
		if (!*t->source_root)
			infer_source_root(t, &w.cmd_files);
		t->out_of_tree = strcmp(t->source_root, t->build_dir) != 0;
		struct tt_strmap kos = TT_STRMAP_INIT;
		read_modules_order(t->build_dir, &kos);
		for (size_t i = 0; i < w.mod_files.n; i++)
			read_mod_file(t, w.mod_files.v[i], &kos);
		tt_strmap_free(&kos, NULL);
		for (size_t i = 0; i < w.cmd_files.n; i++)
			add_cmd(t, w.cmd_files.v[i], diag);
		kb_fileset_finish(&t->files);
		tt_strv_sort_unique(&t->headers);
	}
	tt_strv_free(&w.cmd_files);
	tt_strv_free(&w.mod_files);
	if (r < 0) {
		tt_kbuild_tree_free(t);
		return r;
	}
	*out = t;
	return 0;
}

void tt_kbuild_tree_free(struct tt_kbuild_tree *t)
{
	if (!t)
		return;
	free(t->build_dir);
	free(t->source_root);
	kb_fileset_free(&t->files);
	tt_strmap_free(&t->header_set, NULL);
	tt_strmap_free(&t->raw_deps, NULL);
	tt_strv_free(&t->headers);
	tt_strmap_free(&t->obj_module, free_val);
	free(t);
}

const char *tt_kbuild_tree_source_root(const struct tt_kbuild_tree *t)
{
	return t->source_root;
}

size_t tt_kbuild_tree_count(const struct tt_kbuild_tree *t)
{
	return t->files.n;
}

const struct tt_kbuild_file *tt_kbuild_tree_file(const struct tt_kbuild_tree *t, size_t i)
{
	return i < t->files.n ? &t->files.v[i] : NULL;
}

const struct tt_strv *tt_kbuild_tree_sources(const struct tt_kbuild_tree *t)
{
	return &t->files.sources;
}

const struct tt_strv *tt_kbuild_tree_headers(const struct tt_kbuild_tree *t)
{
	return &t->headers;
}

enum tt_kbuild_kind tt_kbuild_tree_lookup(const struct tt_kbuild_tree *t, const char *source)
{
	return kb_fileset_lookup(&t->files, source);
}

bool tt_kbuild_tree_has_header(const struct tt_kbuild_tree *t, const char *header)
{
	return tt_strmap_has(&t->header_set, header);
}

const char *tt_kbuild_kind_name(enum tt_kbuild_kind k)
{
	switch (k) {
	case TT_KBUILD_BUILTIN:
		return "built-in";
	case TT_KBUILD_MODULE:
		return "module";
	case TT_KBUILD_HOST:
		return "host";
	case TT_KBUILD_UNKNOWN:
		return "unknown";
	default:
		return "absent";
	}
}
