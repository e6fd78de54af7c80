// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tuxtape patch build`: from source patches to a livepatch module.
 *
 * The kernel's own build system compiles the affected objects twice in a
 * work directory (a hard-link copy of the source, since GNU patch replaces
 * files instead of writing through links, and a copy of the prepared O=
 * tree): before and after the patches, with -ffunction-sections
 * -fdata-sections so every function is its own section. The ELF diff engine
 * compares each pair; the klp writer emits the changed functions and the
 * klp_patch glue; kbuild links the module against the target's headers;
 * the postlink step turns references into the running kernel into
 * livepatch relocations.
 *
 * The kernel builds run in the tree's slot (tt_ktree: the paths it was
 * prepared at), reset at the start of each build and locked meanwhile. The
 * work directory holds orig/ and patched/ (the two builds of each object),
 * module/ (Kbuild, glue, emitted objects, the module) and logs/ (each
 * command's output).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_int.h"
#include "tuxtape/kernel.h"
#include "tuxtape/klp.h"

#define COPY_TIMEOUT  900.0
#define MAKE_TIMEOUT  1800.0
#define PATCH_TIMEOUT 120.0
#define KCFLAGS	      "KCFLAGS=-ffunction-sections -fdata-sections -I%s"

/* One build in progress: the options, the result being filled, the work paths. */
struct pb {
	const struct tt_patchbuild_opts *o;
	struct tt_patchbuild_result *r;
	char *work, *src, *obj, *orig, *patched, *mod, *logs;
	char *hooks_include;	/* the -I directory of <tuxtape/livepatch-hooks.h> */
	struct tt_strv objects; /* "fs/proc/meminfo.o" */
	struct tt_strv files;	/* the source files the patches change */
	double step_start;
};

/* ---- the patches ---- */

/* The path of a "+++ b/dir/file\tdate" line with its first component removed, or NULL. */
static char *patch_target(const char *line, size_t len)
{
	const char *p = line + 4, *end = line + len;
	size_t n = 0;
	while (p + n < end && p[n] != '\t' && p[n] != '\r')
		n++;
	while (n && p[n - 1] == ' ')
		n--;
	if (n == 9 && strncmp(p, "/dev/null", 9) == 0)
		return NULL;
	const char *slash = memchr(p, '/', n);
	if (!slash)
		return NULL;
	return tt_xstrndup(slash + 1, n - (size_t)(slash + 1 - p));
}

int tt_patch_files(const char *text, const char *patch_name, struct tt_strv *files,
		   struct tt_error *err)
{
	size_t before = files->n;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 4 && strncmp(line, "+++ ", 4) == 0) {
			char *path = patch_target(line, len);
			if (!path)
				return tt_error_set(err, -EINVAL,
						    "%s: `%.*s`: a patch that deletes a file, or "
						    "a path without a directory to strip (-p1)",
						    patch_name, (int)len, line);
			if (path[0] == '/' || strstr(path, "..")) {
				tt_error_set(err, -EINVAL,
					     "%s: `%s` leaves the source tree (absolute or ..)",
					     patch_name, path);
				free(path);
				return -EINVAL;
			}
			if (tt_strv_contains(files, path))
				free(path);
			else
				tt_strv_push_owned(files, path);
		}
		line = nl ? nl + 1 : line + len;
	}
	if (files->n == before)
		return tt_error_set(err, -EINVAL, "%s: not a unified diff (no +++ line)",
				    patch_name);
	return 0;
}

/* ---- steps and their times ---- */

static void pb_step_begin(struct pb *b)
{
	b->step_start = tt_now_monotonic();
}

static void pb_step_end(struct pb *b, const char *name)
{
	double s = tt_now_monotonic() - b->step_start;
	struct tt_patchbuild_result *r = b->r;
	r->steps = tt_xrealloc(r->steps, (r->n_steps + 1) * sizeof(*r->steps));
	r->steps[r->n_steps++] = (struct tt_patchbuild_step){tt_xstrdup(name), s};
	if (b->o->on_step)
		b->o->on_step(b->o->ctx, name, s);
}

/* ---- the work directory ---- */

static int pb_workdir(struct pb *b, struct tt_error *err)
{
	const char *tmp = getenv("TMPDIR");
	b->work =
	    tt_xasprintf("%s/tuxtape-build-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", b->o->name);
	if (!mkdtemp(b->work))
		return tt_error_set(err, -errno, "cannot create %s: %s", b->work, strerror(errno));
	b->src = tt_xasprintf("%s/src", b->o->tree->slot_dir);
	b->obj = tt_xasprintf("%s/obj", b->o->tree->slot_dir);
	b->orig = tt_xasprintf("%s/orig", b->work);
	b->patched = tt_xasprintf("%s/patched", b->work);
	b->mod = tt_xasprintf("%s/module", b->work);
	b->logs = tt_xasprintf("%s/logs", b->work);
	int rc = tt_mkdir_p(b->logs, 0755, err);
	if (rc == 0)
		rc = tt_mkdir_p(b->mod, 0755, err);
	return rc;
}

static char *pb_log(const struct pb *b, const char *name)
{
	return tt_xasprintf("%s/%s.log", b->logs, name);
}

/* ---- which objects to build ---- */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t l = strlen(s), n = strlen(suffix);
	return l >= n && strcmp(s + l - n, suffix) == 0;
}

/* The C sources this kernel's config compiles into vmlinux or modules, as Kbuild predicts them. */
static int pb_compiled_sources(struct pb *b, struct tt_strv *sources, struct tt_error *err)
{
	struct tt_kconfig *cfg = NULL;
	struct tt_kbuild_prediction *pred = NULL;
	struct tt_kbuild_predict_opts po = {.source_root = b->o->tree->source_dir,
					    .vmlinux_and_modules_only = true};
	int rc = tt_kconfig_load(b->o->tree->config, &cfg, NULL, err);
	if (rc == 0)
		rc = tt_kbuild_predict(&po, cfg, &pred, NULL, err);
	for (size_t i = 0; rc == 0 && i < tt_kbuild_prediction_count(pred); i++) {
		const struct tt_kbuild_file *f = tt_kbuild_prediction_file(pred, i);
		/* Sorted by source: a file built into two modules is listed once. */
		if ((f->kind == TT_KBUILD_BUILTIN || f->kind == TT_KBUILD_MODULE) &&
		    !f->generated && has_suffix(f->source, ".c") &&
		    !(sources->n && !strcmp(sources->v[sources->n - 1], f->source)))
			tt_strv_push(sources, f->source);
	}
	tt_kbuild_prediction_free(pred);
	tt_kconfig_free(cfg);
	return rc < 0 ? tt_error_prefix(err, "which files this kernel compiles: ") : 0;
}

static void pb_add_object_of(struct pb *b, const char *source)
{
	char *obj = tt_xasprintf("%.*s.o", (int)strlen(source) - 2, source);
	if (tt_strv_contains(&b->objects, obj))
		free(obj);
	else
		tt_strv_push_owned(&b->objects, obj);
}

/*
 * Every object of this kernel whose source includes one of the changed
 * headers, directly or not (src/kernel/includes.c: one prediction and one
 * pass over the sources for all of them). Too many to build twice is an
 * error that says how to narrow it, raised before any object is listed.
 */
static int pb_header_users(struct pb *b, const struct tt_strv *headers, struct tt_error *err)
{
	struct tt_strv sources = TT_STRV_INIT, users = TT_STRV_INIT;
	struct tt_include_paths ip = {b->o->tree->source_dir, b->o->tree->obj_dir, "x86"};
	size_t max = b->o->max_header_objects > 0 ? (size_t)b->o->max_header_objects
						  : TT_PATCHBUILD_MAX_HEADER_OBJECTS;
	int rc = pb_compiled_sources(b, &sources, err);
	if (rc == 0)
		rc = tt_include_users(&ip, &sources, headers, &users, err);
	if (rc == 0 && !users.n)
		rc = tt_error_set(err, -ENOENT,
				  "the patch changes %s%s, and no object this kernel compiles "
				  "includes it: name the objects to compare with --object",
				  headers->v[0], headers->n > 1 ? " and other headers" : "");
	else if (rc == 0 && users.n > max)
		rc = tt_error_set(err, -E2BIG,
				  "the patch changes %s%s, which %zu objects of this kernel "
				  "include (%.*s.o, %.*s.o, ...): more than %zu to build twice; "
				  "name the objects whose code uses what changed with --object, or "
				  "raise --max-header-objects",
				  headers->v[0], headers->n > 1 ? " and other headers" : "",
				  users.n, (int)strlen(users.v[0]) - 2, users.v[0],
				  (int)strlen(users.v[1]) - 2, users.v[1], max);
	for (size_t i = 0; rc == 0 && i < users.n; i++)
		pb_add_object_of(b, users.v[i]);
	tt_strv_free(&sources);
	tt_strv_free(&users);
	return rc;
}

/*
 * <tuxtape/livepatch-hooks.h> for the fix to include, beside the slot: a
 * path that stays the same from build to build, so the command lines kbuild
 * records do not change and nothing is rebuilt for it. Rewritten only when
 * its text changed.
 */
static int pb_hooks_header(struct pb *b, struct tt_error *err)
{
	b->hooks_include = tt_xasprintf("%s.include", b->o->tree->slot_dir);
	_cleanup_free_ char *dir = tt_xasprintf("%s/tuxtape", b->hooks_include);
	_cleanup_free_ char *path = tt_xasprintf("%s/livepatch-hooks.h", dir);
	_cleanup_free_ char *old = NULL;
	struct tt_error ignored = {0};
	if (tt_read_file(path, &old, NULL, &ignored) == 0 && !strcmp(old, tt_klp_hooks_header))
		return 0;
	int rc = tt_mkdir_p(dir, 0755, err);
	return rc < 0 ? rc
		      : tt_write_file_atomic(path, tt_klp_hooks_header, strlen(tt_klp_hooks_header),
					     err);
}

/*
 * A changed FILE.c gives FILE.o; the changed headers, all at once, every
 * object that includes one (unless --object names the objects instead).
 */
static int pb_affected_objects(struct pb *b, struct tt_error *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < b->o->n_patches; i++) {
		_cleanup_free_ char *text = NULL;
		rc = tt_read_file(b->o->patches[i], &text, NULL, err);
		if (rc == 0)
			rc = tt_patch_files(text, b->o->patches[i], &b->files, err);
	}
	struct tt_strv headers = TT_STRV_INIT;
	for (size_t i = 0; rc == 0 && i < b->files.n; i++) {
		const char *path = b->files.v[i];
		if (has_suffix(path, ".c"))
			pb_add_object_of(b, path);
		else if (has_suffix(path, ".h"))
			tt_strv_push(&headers, path);
		else
			rc = tt_error_set(err, -EINVAL,
					  "the patch changes %s: only C sources and headers can be "
					  "livepatched (no Makefile, Kconfig or assembly changes)",
					  path);
	}
	if (rc == 0 && headers.n && !b->o->n_extra_objects)
		rc = pb_header_users(b, &headers, err);
	tt_strv_free(&headers);
	for (size_t i = 0; rc == 0 && i < b->o->n_extra_objects; i++)
		if (!tt_strv_contains(&b->objects, b->o->extra_objects[i]))
			tt_strv_push(&b->objects, b->o->extra_objects[i]);
	return rc;
}

/* ---- building them ---- */

/* make the objects in the work tree, then keep a copy of each under stage_dir. */
static int pb_build_objects(struct pb *b, const char *stage, const char *stage_dir,
			    struct tt_error *err)
{
	struct tt_strv args = TT_STRV_INIT;
	tt_ktree_make_args(b->o->tree, b->src, b->obj, b->o->jobs, &args);
	tt_strv_push_owned(&args, tt_xasprintf(KCFLAGS, b->hooks_include));
	for (size_t i = 0; i < b->objects.n; i++)
		tt_strv_push(&args, b->objects.v[i]);
	const char **argv = tt_build_argv(&args);
	_cleanup_free_ char *log = pb_log(b, stage);
	int rc = tt_build_run(argv, NULL, MAKE_TIMEOUT, log, err);
	free(argv);
	tt_strv_free(&args);
	if (rc < 0)
		return tt_error_prefix(err, "building the %s objects: ", stage);
	for (size_t i = 0; rc == 0 && i < b->objects.n; i++) {
		_cleanup_free_ char *from = tt_xasprintf("%s/%s", b->obj, b->objects.v[i]);
		_cleanup_free_ char *to = tt_xasprintf("%s/%s", stage_dir, b->objects.v[i]);
		const char *argv_cp[] = {"install", "-D", "-m", "0644", from, to, NULL};
		rc = tt_build_run(argv_cp, NULL, COPY_TIMEOUT, NULL, err);
	}
	return rc;
}

/* patch -p1 in the slot; dry_run only checks that it applies. */
static int pb_patch(struct pb *b, const char *patch, bool dry_run, struct tt_error *err)
{
	/* patch -d changes directory before it opens -i: a relative path must not reach it. */
	_cleanup_free_ char *abs = realpath(patch, NULL);
	/* No .orig or .rej files: the slot must hold only what the next build undoes. */
	const char *argv[] = {"patch",
			      "-p1",
			      "--batch",
			      "--forward",
			      "--no-backup-if-mismatch",
			      "--reject-file=-",
			      "-d",
			      b->src,
			      "-i",
			      abs ? abs : patch,
			      dry_run ? "--dry-run" : NULL,
			      NULL};
	_cleanup_free_ char *log = pb_log(b, dry_run ? "patch-dry-run" : "patch");
	int rc = tt_build_run(argv, NULL, PATCH_TIMEOUT, log, err);
	if (rc < 0)
		return tt_error_prefix(err, "%s does not apply to %s: ", patch,
				       b->o->tree->source_dir);
	return 0;
}

/*
 * A single patch is checked before the orig build, so a patch for another
 * version fails in a second instead of after compiling; later patches of a
 * series may depend on earlier ones, so they are only tried for real.
 */
static int pb_check_applies(struct pb *b, struct tt_error *err)
{
	return b->o->n_patches == 1 ? pb_patch(b, b->o->patches[0], true, err) : 0;
}

static int pb_apply_patches(struct pb *b, struct tt_error *err)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < b->o->n_patches; i++)
		rc = pb_patch(b, b->o->patches[i], false, err);
	return rc;
}

/* ---- diff ---- */

/* "vmlinux", or the module an object is linked into: kbuild says so in its command line. */
static char *pb_objname(const struct pb *b, const char *object)
{
	const char *slash = strrchr(object, '/');
	_cleanup_free_ char *cmd =
	    tt_xasprintf("%s/%.*s.%s.cmd", b->obj, slash ? (int)(slash - object + 1) : 0, object,
			 slash ? slash + 1 : object);
	_cleanup_free_ char *text = NULL;
	if (tt_read_file(cmd, &text, NULL, NULL) < 0)
		return tt_xstrdup("vmlinux");
	const char *first = strchr(text, '\n');
	size_t l = first ? (size_t)(first - text) : strlen(text);
	_cleanup_free_ char *line = tt_xstrndup(text, l);
	const char *mod = strstr(line, "-DKBUILD_MODNAME='\"");
	if (!strstr(line, " -DMODULE ") || !mod)
		return tt_xstrdup("vmlinux");
	mod += strlen("-DKBUILD_MODNAME='\"");
	return tt_xstrndup(mod, strcspn(mod, "\"'"));
}

/* A diff of one object with the two models it annotates. */
struct pb_pair {
	struct tt_elf *orig, *patched;
	struct tt_klp_diff *diff;
	char *orig_bytes, *patched_bytes; /* the models read them until closed */
};

static void pb_pair_close(struct pb_pair *p)
{
	tt_klp_diff_free(p->diff);
	tt_elf_close(p->orig);
	tt_elf_close(p->patched);
	free(p->orig_bytes);
	free(p->patched_bytes);
}

/*
 * Open an object under a name that means something after the work directory
 * is gone ("fs/proc/meminfo.o (patched)"): the diff's messages start with it.
 */
static int pb_open_object(const char *dir, const char *object, const char *stage, char **bytes,
			  struct tt_elf **out, struct tt_error *err)
{
	_cleanup_free_ char *path = tt_xasprintf("%s/%s", dir, object);
	_cleanup_free_ char *name = tt_xasprintf("%s (%s)", object, stage);
	size_t len;
	int rc = tt_read_file(path, bytes, &len, err);
	if (rc == 0)
		rc = tt_elf_open_memory(*bytes, len, name, out, err);
	return rc;
}

/* Each function the patch touched with the diff's reason, and what the taken ones need. */
static void pb_record_diff(struct tt_patchbuild_object *ob, const struct tt_klp_diff *d,
			   size_t *n_refusals)
{
	size_t n;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &n);
	for (size_t i = 0; i < n; i++) {
		bool taken = f[i].status == TT_KLP_CHANGED || f[i].status == TT_KLP_NEW;
		if (!taken && f[i].status != TT_KLP_LINE_ONLY)
			continue;
		ob->funcs = tt_xrealloc(ob->funcs, (ob->n_funcs + 1) * sizeof(*ob->funcs));
		ob->funcs[ob->n_funcs++] = (struct tt_patchbuild_func){
		    tt_xstrdup(f[i].name), tt_klp_status_name(f[i].status),
		    tt_xstrdup(f[i].reason ? f[i].reason : "")};
		ob->n_taken += taken;
	}
	const struct tt_klp_ref *need = tt_klp_diff_refs(d, &n);
	ob->needs = n ? tt_xcalloc(n, sizeof(*ob->needs)) : NULL;
	for (size_t i = 0; i < n; i++)
		ob->needs[ob->n_needs++] = (struct tt_patchbuild_need){
		    tt_xstrdup(need[i].name), tt_klp_ref_kind_name(need[i].kind),
		    tt_xstrdup(need[i].needed_by ? need[i].needed_by : "")};
	const struct tt_klp_refusal *ref = tt_klp_diff_refusals(d, &n);
	for (size_t i = 0; i < n; i++)
		tt_strv_push(&ob->refusals, ref[i].message);
	*n_refusals += n;
}

static int pb_diff_one(struct pb *b, size_t i, struct pb_pair *p, struct tt_error *err)
{
	struct tt_patchbuild_object *ob = &b->r->objects[i];
	const char *object = b->objects.v[i];
	ob->object = tt_xstrdup(object);
	ob->source = tt_xasprintf("%.*s.c", (int)strlen(object) - 2, object);
	ob->objname = pb_objname(b, object);
	int rc;
	if ((rc = pb_open_object(b->orig, object, "orig", &p->orig_bytes, &p->orig, err)) < 0 ||
	    (rc = pb_open_object(b->patched, object, "patched", &p->patched_bytes, &p->patched,
				 err)) < 0 ||
	    (rc = tt_klp_diff(p->orig, p->patched, &p->diff, err)) < 0)
		return rc;
	pb_record_diff(ob, p->diff, &b->r->n_refusals);
	return 0;
}

/* ---- the module ---- */

static int pb_emit_all(struct pb *b, struct pb_pair *pairs, struct tt_klp_manifest *m,
		       struct tt_strv *emitted, struct tt_error *err)
{
	struct tt_klp_symtab *symtab = NULL;
	_cleanup_free_ char *symvers = b->o->symvers
					   ? tt_xstrdup(b->o->symvers)
					   : tt_xasprintf("%s/Module.symvers", b->o->headers_dir);
	int rc = tt_klp_symtab_load(b->o->symtab, &symtab, err);
	if (rc == 0)
		rc = tt_klp_symtab_load_symvers(symtab, symvers, err);
	for (size_t i = 0; rc == 0 && i < b->objects.n; i++) {
		struct tt_patchbuild_object *ob = &b->r->objects[i];
		if (!ob->n_taken)
			continue;
		char *out = tt_xasprintf("%s/klp-patched-%zu.o", b->mod, i);
		struct tt_klp_emit_options eo = {ob->objname, ob->source, symtab};
		rc = tt_klp_emit(pairs[i].diff, &eo, out, m, err);
		if (rc == -EPERM) { /* the writer's refusal: a result, reported with the rest */
			tt_strv_push(&ob->refusals, err->msg);
			b->r->n_refusals++;
			tt_error_clear(err);
			rc = 0;
			free(out);
		} else {
			tt_strv_push_owned(emitted, out);
		}
	}
	tt_klp_symtab_free(symtab);
	return rc;
}

/*
 * modpost reads each object's .cmd file (for the module's srcversion) and
 * fails without one; an emitted object has no source, so its .cmd says so.
 */
static int pb_write_cmd_file(const char *object, struct tt_error *err)
{
	const char *slash = strrchr(object, '/');
	_cleanup_free_ char *path =
	    tt_xasprintf("%.*s/.%s.cmd", (int)(slash - object), object, slash + 1);
	_cleanup_free_ char *text =
	    tt_xasprintf("cmd_%s := # written by tuxtape patch build, not compiled\n", object);
	return tt_write_file_atomic(path, text, strlen(text), err);
}

static int pb_write_kbuild(struct pb *b, const struct tt_strv *emitted, struct tt_error *err)
{
	struct tt_buf kb = TT_BUF_INIT;
	tt_buf_addf(&kb, "# Generated by tuxtape patch build.\nobj-m := %s.o\n%s-y := klp-glue.o",
		    b->o->name, b->o->name);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < emitted->n; i++) {
		const char *base = strrchr(emitted->v[i], '/') + 1;
		tt_buf_addf(&kb, " %s", base);
		rc = pb_write_cmd_file(emitted->v[i], err);
	}
	tt_buf_adds(&kb, "\n");
	_cleanup_free_ char *path = tt_xasprintf("%s/Kbuild", b->mod);
	if (rc == 0)
		rc = tt_write_file_atomic(path, kb.buf, kb.len, err);
	tt_buf_free(&kb);
	return rc;
}

/* kbuild links the glue and the emitted objects against the target's headers. */
static int pb_link_module(struct pb *b, struct tt_error *err)
{
	_cleanup_free_ char *m = tt_xasprintf("M=%s", b->mod);
	_cleanup_free_ char *cc = tt_xasprintf("CC=%s", b->o->tree->cc);
	_cleanup_free_ char *jobs = tt_xasprintf("-j%d", b->o->jobs > 0 ? b->o->jobs : 2);
	/* Placeholders for livepatch relocations are undefined until postlink: warn, not fail. */
	const char *argv[] = {
	    "make", jobs, "-C", b->o->headers_dir, m, cc, "KBUILD_MODPOST_WARN=1", "modules", NULL};
	_cleanup_free_ char *log = pb_log(b, "module");
	int rc = tt_build_run(argv, NULL, MAKE_TIMEOUT, log, err);
	return rc < 0 ? tt_error_prefix(err, "linking the livepatch module: ") : 0;
}

static int pb_install(struct pb *b, struct tt_error *err)
{
	_cleanup_free_ char *ko = tt_xasprintf("%s/%s.ko", b->mod, b->o->name);
	struct tt_klp_postlink_stats st = {0};
	int rc = tt_klp_postlink_stats(ko, &st, err);
	if (rc < 0)
		return tt_error_prefix(err, "writing the livepatch relocations of %s: ", ko);
	b->r->klp_relocations = st.relocations;
	b->r->klp_symbols = st.symbols;
	char *data;
	size_t len;
	if ((rc = tt_read_file(ko, &data, &len, err)) < 0)
		return rc;
	unsigned char *signed_data = NULL;
	if (b->o->signer) {
		struct tt_modsign_sign_opts so = {.hash = b->o->sign_hash};
		rc = tt_modsign_sign(b->o->signer, data, len, b->o->name, &so, &signed_data, &len,
				     err);
	}
	if (rc == 0)
		rc = tt_write_file_atomic(b->o->out_ko, signed_data ? (char *)signed_data : data,
					  len, err);
	free(data);
	free(signed_data);
	if (rc == 0) {
		b->r->module = tt_xstrdup(b->o->out_ko);
		b->r->module_signed = b->o->signer != NULL;
	}
	return rc;
}

static bool pb_anything_changed(const struct tt_patchbuild_result *r)
{
	for (size_t i = 0; i < r->n_objects; i++)
		if (r->objects[i].n_taken)
			return true;
	return false;
}

/* emit, glue, kbuild, postlink, install: from diffs with no refusal to the module. */
static int pb_make_module(struct pb *b, struct pb_pair *pairs, struct tt_error *err)
{
	struct tt_klp_manifest m = {0};
	struct tt_strv emitted = TT_STRV_INIT;
	_cleanup_free_ char *glue = tt_xasprintf("%s/klp-glue.c", b->mod);
	pb_step_begin(b);
	int rc = pb_emit_all(b, pairs, &m, &emitted, err);
	if (rc == 0 && b->r->n_refusals)
		b->r->outcome = TT_PATCHBUILD_REFUSED;
	if (rc == 0 && !b->r->n_refusals)
		rc = tt_klp_glue_write(&m, b->o->name, b->o->replace, glue, err);
	if (rc == 0 && !b->r->n_refusals)
		rc = pb_write_kbuild(b, &emitted, err);
	pb_step_end(b, "emit");
	if (rc == 0 && !b->r->n_refusals) {
		pb_step_begin(b);
		rc = pb_link_module(b, err);
		pb_step_end(b, "module");
	}
	if (rc == 0 && !b->r->n_refusals) {
		pb_step_begin(b);
		rc = pb_install(b, err);
		pb_step_end(b, "postlink");
	}
	tt_klp_manifest_free(&m);
	tt_strv_free(&emitted);
	return rc;
}

static int pb_diff_and_build(struct pb *b, struct tt_error *err)
{
	size_t n = b->objects.n;
	struct pb_pair *pairs = tt_xcalloc(n, sizeof(*pairs));
	b->r->objects = tt_xcalloc(n, sizeof(*b->r->objects));
	b->r->n_objects = n;
	pb_step_begin(b);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = pb_diff_one(b, i, &pairs[i], err);
	pb_step_end(b, "diff");
	if (rc == 0 && b->r->n_refusals)
		b->r->outcome = TT_PATCHBUILD_REFUSED;
	else if (rc == 0 && !pb_anything_changed(b->r))
		b->r->outcome = TT_PATCHBUILD_NOTHING;
	else if (rc == 0)
		rc = pb_make_module(b, pairs, err);
	for (size_t i = 0; i < n; i++)
		pb_pair_close(&pairs[i]);
	free(pairs);
	return rc;
}

static int pb_check_opts(const struct tt_patchbuild_opts *o, struct tt_error *err)
{
	if (!o->name || !*o->name || strlen(o->name) > 55)
		return tt_error_set(err, -EINVAL, "the module needs a name of 1 to 55 characters");
	for (const char *p = o->name; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return tt_error_set(err, -EINVAL,
					    "module name '%s': only a-z, 0-9 and _ (it is also "
					    "the name under /sys/kernel/livepatch)",
					    o->name);
	if (!o->n_patches)
		return tt_error_set(err, -EINVAL, "no patch to build");
	const char *need[] = {o->headers_dir, o->symtab, o->out_ko, o->tree->source_dir,
			      o->tree->obj_dir};
	const char *what[] = {"headers dir", "symbol table", "output", "source", "O= tree"};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!need[i])
			return tt_error_set(err, -EINVAL, "no %s given", what[i]);
	return 0;
}

static int pb_run(struct pb *b, struct tt_error *err)
{
	int rc;
	pb_step_begin(b);
	if ((rc = pb_affected_objects(b, err)) < 0 || (rc = pb_workdir(b, err)) < 0 ||
	    (rc = pb_hooks_header(b, err)) < 0)
		return rc;
	if ((rc = tt_ktree_slot_restore(b->o->tree, err)) < 0 ||
	    (rc = tt_ktree_slot_mark_dirty(b->o->tree, &b->files, &b->objects, err)) < 0)
		return tt_error_prefix(err, "restoring the kernel tree: ");
	if ((rc = pb_check_applies(b, err)) < 0)
		return rc;
	pb_step_end(b, "work tree");
	pb_step_begin(b);
	if ((rc = pb_build_objects(b, "orig", b->orig, err)) < 0)
		return rc;
	pb_step_end(b, "build orig");
	pb_step_begin(b);
	if ((rc = pb_apply_patches(b, err)) < 0)
		return rc;
	pb_step_end(b, "apply patches");
	pb_step_begin(b);
	if ((rc = pb_build_objects(b, "patched", b->patched, err)) < 0)
		return rc;
	pb_step_end(b, "build patched");
	return pb_diff_and_build(b, err);
}

int tt_patchbuild(const struct tt_patchbuild_opts *o, struct tt_patchbuild_result *r,
		  struct tt_error *err)
{
	memset(r, 0, sizeof(*r));
	double start = tt_now_monotonic();
	int rc = pb_check_opts(o, err);
	if (rc < 0)
		return rc;
	struct pb b = {.o = o, .r = r};
	int lock = tt_ktree_lock(o->tree, err);
	if (lock < 0)
		return lock;
	rc = pb_run(&b, err);
	close(lock);
	if (b.work && (o->keep_work || rc < 0))
		r->workdir = tt_xstrdup(b.work); /* a failed build's logs say why: keep them */
	else if (b.work)
		tt_build_remove_tree(b.work, NULL);
	free(b.work);
	free(b.src);
	free(b.obj);
	free(b.orig);
	free(b.patched);
	free(b.mod);
	free(b.logs);
	free(b.hooks_include);
	tt_strv_free(&b.objects);
	tt_strv_free(&b.files);
	r->seconds = tt_now_monotonic() - start;
	return rc;
}

void tt_patchbuild_result_free(struct tt_patchbuild_result *r)
{
	for (size_t i = 0; i < r->n_objects; i++) {
		struct tt_patchbuild_object *ob = &r->objects[i];
		free(ob->object);
		free(ob->source);
		free(ob->objname);
		tt_strv_free(&ob->refusals);
		for (size_t j = 0; j < ob->n_funcs; j++) {
			free(ob->funcs[j].name);
			free(ob->funcs[j].reason);
		}
		free(ob->funcs);
		for (size_t j = 0; j < ob->n_needs; j++) {
			free(ob->needs[j].name);
			free(ob->needs[j].needed_by);
		}
		free(ob->needs);
	}
	free(r->objects);
	for (size_t i = 0; i < r->n_steps; i++)
		free(r->steps[i].name);
	free(r->steps);
	free(r->module);
	free(r->workdir);
	memset(r, 0, sizeof(*r));
}
