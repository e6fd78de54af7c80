// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape patch build`: source patches to a livepatch module for one kernel. */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "patch_cmds.h"
#include "tuxtape/build.h"

static const char build_usage[] =
    "Usage: tuxtape patch build (--debian ABI | --source DIR --build-dir DIR --config FILE\n"
    "                            --symtab FILE [--symvers FILE] [--obj-dir DIR])\n"
    "                           --name NAME -o OUT.ko [--replace] [--object DIR/FILE.o]...\n"
    "                           [--sign-key KEY --sign-cert CERT [--sign-hash ALG]]\n"
    "                           [--max-header-objects N] [--keep-work] [--jobs N]\n"
    "                           [--busybox FILE] [-v] [--explain] [--json]\n"
    "                           PATCH...\n"
    "\n"
    "Builds a livepatch module from source patches (unified diffs, applied in order\n"
    "with patch -p1) for one exact kernel, without building that kernel:\n"
    "\n"
    "  1. the kernel's source and an O= tree prepared once from its .config\n"
    "     (make olddefconfig modules_prepare), both cached;\n"
    "  2. a work directory: the source as hard links (patch replaces the files it\n"
    "     changes, the cache stays pristine) and a copy of the O= tree;\n"
    "  3. each object the patches affect, built by the kernel's own make with\n"
    "     KCFLAGS=\"-ffunction-sections -fdata-sections\" before and after the\n"
    "     patches: a changed FILE.c means FILE.o; a changed header means every\n"
    "     object this kernel's config compiles whose source includes it,\n"
    "     directly or through other headers (read from the #include lines;\n"
    "     which files are compiled, from the Kbuild makefiles and .config), or\n"
    "     only the objects given with --object; objects whose code did not\n"
    "     change take no part;\n"
    "  4. the ELF diff of each pair (as `tuxtape klp diff`), the livepatch objects\n"
    "     with the changed and new functions, the klp_patch glue;\n"
    "  5. the module, linked by kbuild against the target's headers, its\n"
    "     references into the running kernel turned into livepatch relocations.\n"
    "\n"
    "Kernel:\n"
    "  --debian ABI       a Debian kernel (6.1.0-47-amd64): image and headers as\n"
    "                     `tuxtape patch kernel` fetches them, linux-source-X.Y at the\n"
    "                     image's exact version, the O= tree prepared from the\n"
    "                     image's config, and the symbol table from /proc/kallsyms of\n"
    "                     the kernel booted once under QEMU (Debian's System.map is a\n"
    "                     stub); all cached in $XDG_CACHE_HOME/tuxtape/debian/ABI/\n"
    "  --source DIR       the kernel source matching the target\n"
    "  --build-dir DIR    the target's module build dir (make -C DIR M=... modules)\n"
    "  --config FILE      the target's .config\n"
    "  --symtab FILE      the target's symbols: System.map, a copy of /proc/kallsyms\n"
    "                     or vmlinux (with --debian: instead of booting for kallsyms)\n"
    "  --symvers FILE     Module.symvers (default: the one in --build-dir)\n"
    "  --obj-dir DIR      where the prepared O= tree of --source is kept (default: in\n"
    "                     the cache, one per source dir and config)\n"
    "\n"
    "The module:\n"
    "  PATCH...           the fix, as one or more unified diffs (-p1)\n"
    "  --name NAME        the module's name: a-z, 0-9, _ (as under /sys/kernel/livepatch)\n"
    "  -o, --output FILE  where the module is written\n"
    "  --replace          an atomic-replace (cumulative) livepatch: loading it\n"
    "                     replaces every livepatch loaded before\n"
    "  --object FILE.o    compare this object too (repeatable); with a patched\n"
    "                     header, compare these instead of every includer\n"
    "  --max-header-objects N\n"
    "                     refuse a header change that more than N objects\n"
    "                     include (default 200): each is built twice\n"
    "\n"
    "Signing (as `tuxtape patch sign`, before the module is written):\n"
    "  --sign-key KEY     the private key, PEM (RSA, ECDSA P-256/P-384); an\n"
    "                     encrypted key's passphrase comes from $KBUILD_SIGN_PIN.\n"
    "                     Read before anything is built, so a wrong key fails fast\n"
    "  --sign-cert CERT   its X.509 certificate, PEM or DER; the module loads where\n"
    "                     the kernel trusts this key (built in, or an enrolled MOK)\n"
    "  --sign-hash ALG    sha256 (default), sha384 or sha512\n"
    "\n"
    "Running:\n"
    "  --keep-work        keep the work directory (its path is printed): the two\n"
    "                     builds of each object, the emitted objects, the glue, the\n"
    "                     logs of every command. A failed build keeps it anyway\n"
    "  -j, --jobs N       make -j N (default 2)\n"
    "  --busybox FILE     the static busybox for the kallsyms boot\n"
    "  -v                 print each step with its time as it ends\n"
    "  --explain          for each object, every function found changed, new or\n"
    "                     with only __LINE__ moved and the difference that decided\n"
    "                     it, then each symbol the changed code needs and how the\n"
    "                     module reaches it (copied in, by name, or by a livepatch\n"
    "                     relocation); --json always carries this as \"functions\"\n"
    "                     and \"needs\"\n"
    "  --json             the result as JSON: module, outcome, objects with the\n"
    "                     functions changed, refusals, step times\n"
    "\n"
    "Exit status:\n"
    "  0  the module was written\n"
    "  1  failure: a patch that does not apply, a compile error, a missing input\n"
    "     (the message names it and the log that says more)\n"
    "  2  usage error\n"
    "  3  nothing to patch: no function changed (or only __LINE__ values)\n"
    "  5  refused: a change cannot be livepatched; each reason names the object,\n"
    "     section and symbol and what to do instead\n"
    "\n"
    "Example:\n"
    "  tuxtape patch build --debian 6.1.0-47-amd64 --name fix_meminfo -o fix.ko fix.patch\n"
    "  tuxtape patch test --kernel 6.1.0-47-amd64 fix.ko\n";

#define EXIT_NOTHING 3
#define EXIT_REFUSED 5

struct build_args {
	const char *abi, *source, *build_dir, *config, *symtab, *symvers, *obj_dir, *busybox;
	struct tt_patchbuild_opts o;
	struct tt_strv objects;
	bool json, verbose, explain;
	const char *sign_key, *sign_cert, *sign_hash;
	struct tt_patchbuild_step *pre; /* steps before the build: kernel, source, symbols */
	size_t n_pre;
};

static void build_step_print(void *ctx, const char *step, double seconds)
{
	const struct build_args *a = ctx;
	if (a->verbose)
		fprintf(stderr, "tuxtape: %-16s %7.1f s\n", step, seconds);
}

static void build_add_step(struct build_args *a, const char *step, double seconds)
{
	a->pre = tt_xrealloc(a->pre, (a->n_pre + 1) * sizeof(*a->pre));
	a->pre[a->n_pre++] = (struct tt_patchbuild_step){tt_xstrdup(step), seconds};
	build_step_print(a, step, seconds);
}

static void build_pre_step(struct build_args *a, const char *step, double start)
{
	build_add_step(a, step, tt_now_monotonic() - start);
}

static int build_parse_count(const char *option, const char *s, long max, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 1 || v > max) {
		cli_error("%s needs a number from 1 to %ld, not '%s'", option, max, s);
		return EXIT_USAGE;
	}
	*out = (int)v;
	return -1;
}

/* Returns -1 to go on, else an exit code. */
static int build_parse(struct build_args *a, int argc, char **argv)
{
	static const struct option opts[] = {{"debian", required_argument, NULL, 'D'},
					     {"source", required_argument, NULL, 's'},
					     {"build-dir", required_argument, NULL, 'B'},
					     {"config", required_argument, NULL, 'c'},
					     {"symtab", required_argument, NULL, 'S'},
					     {"symvers", required_argument, NULL, 'V'},
					     {"obj-dir", required_argument, NULL, 'O'},
					     {"name", required_argument, NULL, 'n'},
					     {"output", required_argument, NULL, 'o'},
					     {"replace", no_argument, NULL, 'r'},
					     {"object", required_argument, NULL, 'b'},
					     {"keep-work", no_argument, NULL, 'k'},
					     {"jobs", required_argument, NULL, 'j'},
					     {"busybox", required_argument, NULL, 'x'},
					     {"json", no_argument, NULL, 'J'},
					     {"explain", no_argument, NULL, 'E'},
					     {"sign-key", required_argument, NULL, 'K'},
					     {"sign-cert", required_argument, NULL, 'C'},
					     {"sign-hash", required_argument, NULL, 'H'},
					     {"max-header-objects", required_argument, NULL, 'M'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	int c, code = -1;
	while (code < 0 && (c = getopt_long(argc, argv, "ho:j:", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			a->abi = optarg;
			break;
		case 's':
			a->source = optarg;
			break;
		case 'B':
			a->build_dir = optarg;
			break;
		case 'c':
			a->config = optarg;
			break;
		case 'S':
			a->symtab = optarg;
			break;
		case 'V':
			a->symvers = optarg;
			break;
		case 'O':
			a->obj_dir = optarg;
			break;
		case 'n':
			a->o.name = optarg;
			break;
		case 'o':
			a->o.out_ko = optarg;
			break;
		case 'r':
			a->o.replace = true;
			break;
		case 'b':
			tt_strv_push(&a->objects, optarg);
			break;
		case 'k':
			a->o.keep_work = true;
			break;
		case 'j':
			code = build_parse_count("--jobs", optarg, 256, &a->o.jobs);
			break;
		case 'x':
			a->busybox = optarg;
			break;
		case 'J':
			a->json = true;
			break;
		case 'E':
			a->explain = true;
			break;
		case 'K':
			a->sign_key = optarg;
			break;
		case 'C':
			a->sign_cert = optarg;
			break;
		case 'H':
			a->sign_hash = optarg;
			break;
		case 'M':
			code = build_parse_count("--max-header-objects", optarg, 100000,
						 &a->o.max_header_objects);
			break;
		case 'h':
			fputs(build_usage, stdout);
			return EXIT_OK;
		default:
			fputs(build_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (code >= 0)
		return code;
	const char *problem = NULL;
	if (!a->abi == !a->source)
		problem = "give one of --debian ABI or --source DIR";
	else if (a->source && (!a->build_dir || !a->config || !a->symtab))
		problem = "--source needs --build-dir, --config and --symtab";
	else if (a->abi && (a->build_dir || a->config || a->obj_dir))
		problem = "--debian brings its own build dir, config and O= tree";
	else if (!a->o.name || !a->o.out_ko)
		problem = "give the module's --name and -o OUT.ko";
	else if (optind >= argc)
		problem = "no patch file given";
	else if (!a->sign_key != !a->sign_cert)
		problem = "signing needs both --sign-key and --sign-cert";
	else if (a->sign_hash && !a->sign_key)
		problem = "--sign-hash without --sign-key";
	if (problem) {
		cli_error("%s (see `tuxtape patch build --help`)", problem);
		return EXIT_USAGE;
	}
	struct tt_error err = {0};
	if (a->sign_hash && tt_modsign_hash_from_name(a->sign_hash, &a->o.sign_hash, &err) < 0) {
		cli_error("--sign-hash: %s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}

/* An O= tree per source dir and config, when --obj-dir is not given. */
static char *build_default_obj_dir(const char *source, const char *config)
{
	char *real_src = realpath(source, NULL), *real_cfg = realpath(config, NULL);
	uint64_t h = 1469598103934665603ULL; /* FNV-1a: a stable, short directory name */
	for (const char *s = real_src ? real_src : source; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	for (const char *s = real_cfg ? real_cfg : config; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	free(real_src);
	free(real_cfg);
	_cleanup_free_ char *cache = tt_cache_dir();
	return tt_xasprintf("%s/trees/%016llx/obj", cache, (unsigned long long)h);
}

/* The kallsyms boot, run beside the source preparation: they need nothing of each other. */
struct kallsyms_job {
	const struct tt_debian_kernel *k;
	const char *busybox;
	char *path;
	bool booted;
	int rc;
	double seconds;
	struct tt_error err;
};

static void *kallsyms_thread(void *arg)
{
	struct kallsyms_job *j = arg;
	double start = tt_now_monotonic();
	j->rc = tt_kallsyms_debian(j->k, j->busybox, &j->path, &j->booted, &j->err);
	j->seconds = tt_now_monotonic() - start;
	return NULL;
}

/*
 * Source and O= tree, with the kallsyms boot (unless --symtab) in a thread
 * meanwhile: on a cold cache the two take minutes each, and the download and
 * unpacking wait on the network and the disk while QEMU computes.
 */
static int build_debian_tree(struct build_args *a, struct tt_debian_kernel *k, struct tt_ktree *t,
			     char **symtab, struct tt_error *err)
{
	struct kallsyms_job job = {.k = k, .busybox = a->busybox};
	pthread_t thread;
	bool threaded = !a->symtab && pthread_create(&thread, NULL, kallsyms_thread, &job) == 0;
	if (!a->symtab && !threaded)
		kallsyms_thread(&job);
	double start = tt_now_monotonic();
	int rc = tt_ktree_debian(k, a->o.jobs, t, err);
	double tree_seconds = tt_now_monotonic() - start;
	if (threaded)
		pthread_join(thread, NULL);
	if (rc == 0)
		build_add_step(a, t->prepared_now ? "source + prepare" : "source (cached)",
			       tree_seconds);
	if (a->symtab) {
		*symtab = tt_xstrdup(a->symtab);
		return rc;
	}
	if (rc == 0 && job.rc < 0) {
		*err = job.err;
		rc = job.rc;
	}
	if (rc == 0)
		build_add_step(a, job.booted ? "kallsyms boot" : "kallsyms (cached)", job.seconds);
	*symtab = job.path;
	return rc;
}

/* --debian: image and headers, source and O= tree, and kallsyms unless --symtab. */
static int build_debian(struct build_args *a, struct tt_debian_kernel *k, struct tt_ktree *t,
			char **symtab)
{
	struct tt_error err = {0};
	double start = tt_now_monotonic();
	if (tt_debian_kernel_fetch(a->abi, NULL, k, &err) < 0 ||
	    (build_pre_step(a, "kernel packages", start),
	     build_debian_tree(a, k, t, symtab, &err) < 0)) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	return -1;
}

static int build_explicit(struct build_args *a, struct tt_ktree *t)
{
	struct tt_error err = {0};
	t->source_dir = tt_xstrdup(a->source);
	t->config = tt_xstrdup(a->config);
	t->kernelrelease = tt_ktree_release_of(a->build_dir);
	t->obj_dir =
	    a->obj_dir ? tt_xstrdup(a->obj_dir) : build_default_obj_dir(a->source, a->config);
	double start = tt_now_monotonic();
	if (tt_ktree_prepare(t, a->o.jobs, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	build_pre_step(a, t->prepared_now ? "prepare" : "prepare (cached)", start);
	return -1;
}

static json_t *strv_array(const struct tt_strv *sv)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(arr, json_string(sv->v[i]));
	return arr;
}

static const char *outcome_name(enum tt_patchbuild_outcome o)
{
	return o == TT_PATCHBUILD_BUILT	    ? "built"
	       : o == TT_PATCHBUILD_NOTHING ? "nothing"
					    : "refused";
}

static json_t *steps_json(const struct build_args *a, const struct tt_patchbuild_result *r)
{
	json_t *steps = json_array();
	for (size_t i = 0; i < a->n_pre; i++)
		json_array_append_new(steps, json_pack("{s:s, s:f}", "step", a->pre[i].name,
						       "seconds", a->pre[i].seconds));
	for (size_t i = 0; i < r->n_steps; i++)
		json_array_append_new(steps, json_pack("{s:s, s:f}", "step", r->steps[i].name,
						       "seconds", r->steps[i].seconds));
	return steps;
}

/* The names of the object's functions with this status ("changed", "new", "line-only"). */
static json_t *names_with(const struct tt_patchbuild_object *ob, const char *status)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < ob->n_funcs; i++)
		if (!strcmp(ob->funcs[i].status, status))
			json_array_append_new(arr, json_string(ob->funcs[i].name));
	return arr;
}

static json_t *funcs_json(const struct tt_patchbuild_object *ob)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < ob->n_funcs; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", ob->funcs[i].name,
						     "status", ob->funcs[i].status, "reason",
						     ob->funcs[i].reason));
	return arr;
}

static json_t *needs_json(const struct tt_patchbuild_object *ob)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < ob->n_needs; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "name", ob->needs[i].name,
						     "kind", ob->needs[i].kind, "needed_by",
						     ob->needs[i].needed_by));
	return arr;
}

static json_t *build_json(const struct build_args *a, const struct tt_patchbuild_result *r)
{
	json_t *objects = json_array(), *refusals = json_array();
	for (size_t i = 0; i < r->n_objects; i++) {
		const struct tt_patchbuild_object *ob = &r->objects[i];
		json_array_append_new(
		    objects,
		    json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "object", ob->object,
			      "source", ob->source, "objname", ob->objname, "changed",
			      names_with(ob, "changed"), "added", names_with(ob, "new"),
			      "line_only", names_with(ob, "line-only"), "refusals",
			      strv_array(&ob->refusals), "functions", funcs_json(ob), "needs",
			      needs_json(ob)));
		for (size_t j = 0; j < ob->refusals.n; j++)
			json_array_append_new(refusals, json_string(ob->refusals.v[j]));
	}
	return json_pack("{s:s, s:o, s:b, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:f, s:o}", "name",
			 a->o.name, "module", cli_json_str(r->module), "signed", r->module_signed,
			 "outcome", outcome_name(r->outcome), "kernel", cli_json_str(a->abi),
			 "objects", objects, "refusals", refusals, "steps", steps_json(a, r),
			 "klp_relocations", (json_int_t)r->klp_relocations, "klp_symbols",
			 (json_int_t)r->klp_symbols, "seconds", r->seconds, "workdir",
			 cli_json_str(r->workdir));
}

static void print_list(const char *what, const struct tt_patchbuild_object *ob, const char *status)
{
	json_t *names = names_with(ob, status);
	size_t i;
	json_t *n;
	if (json_array_size(names))
		printf("      %s:", what);
	json_array_foreach(names, i, n) printf(" %s", json_string_value(n));
	if (json_array_size(names))
		putchar('\n');
	json_decref(names);
}

/* How each kind of needed symbol reaches the module, in words. */
static const char *need_how(const char *kind)
{
	static const char *const how[][2] = {
	    {"new", "copied into the module"},
	    {"changed-function", "the module's own replacement"},
	    {"undefined", "defined elsewhere in the kernel or a module"},
	    {"exported", "exported by this object: linked by name"},
	    {"global", "global, not exported: livepatch relocation"},
	    {"local", "static: livepatch relocation by position"},
	};
	for (size_t i = 0; i < sizeof(how) / sizeof(how[0]); i++)
		if (!strcmp(kind, how[i][0]))
			return how[i][1];
	return kind;
}

static void explain_object(const struct tt_patchbuild_object *ob)
{
	for (size_t i = 0; i < ob->n_funcs; i++) {
		const struct tt_patchbuild_func *f = &ob->funcs[i];
		const char *verdict = !strcmp(f->status, "line-only") ? "not taken" : "taken";
		printf("      %-9s %s (%s): %s\n", verdict, f->name, f->status, f->reason);
	}
	for (size_t i = 0; i < ob->n_needs; i++) {
		const struct tt_patchbuild_need *n = &ob->needs[i];
		printf("      needs     %s (%s", n->name, need_how(n->kind));
		if (*n->needed_by)
			printf(", used by %s", n->needed_by);
		fputs(")\n", stdout);
	}
}

static void build_print(const struct build_args *a, const struct tt_patchbuild_result *r)
{
	if (r->outcome == TT_PATCHBUILD_BUILT)
		printf("%s: built in %.1f s, %zu livepatch relocation(s)%s\n", r->module,
		       r->seconds, r->klp_relocations, r->module_signed ? ", signed" : "");
	else if (r->outcome == TT_PATCHBUILD_NOTHING)
		printf("%s: nothing to patch: the patches change no function\n", a->o.name);
	else
		printf("%s: REFUSED: %zu change(s) cannot be livepatched\n", a->o.name,
		       r->n_refusals);
	size_t quiet = 0; /* unchanged objects not listed: a header's other users */
	for (size_t i = 0; i < r->n_objects; i++) {
		const struct tt_patchbuild_object *ob = &r->objects[i];
		bool unchanged = !ob->n_taken && !ob->refusals.n;
		if (unchanged && r->n_objects > 3 && !a->explain) {
			quiet++;
			continue;
		}
		printf("  %s (%s)%s\n", ob->object, ob->objname,
		       ob->n_taken ? "" : ": no function changed");
		print_list("changed", ob, "changed");
		print_list("new", ob, "new");
		print_list("only __LINE__ moved", ob, "line-only");
		if (a->explain)
			explain_object(ob);
		for (size_t j = 0; j < ob->refusals.n; j++)
			printf("      refused: %s\n", ob->refusals.v[j]);
	}
	if (quiet)
		printf(
		    "  %zu more object(s) compared: no function changed (--explain lists them)\n",
		    quiet);
	if (r->workdir)
		printf("  work dir: %s\n", r->workdir);
}

/* The signing key is read before the build: a wrong key or passphrase should not cost a build. */
static int build_load_signer(struct build_args *a, struct tt_modsign_signer **signer)
{
	struct tt_error err = {0};
	if (!a->sign_key)
		return -1;
	if (tt_modsign_signer_load(a->sign_key, getenv("KBUILD_SIGN_PIN"), a->sign_cert, signer,
				   &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	a->o.signer = *signer;
	return -1;
}

static int build_run(struct build_args *a, char **patches, int n_patches)
{
	struct tt_debian_kernel k = {0};
	struct tt_ktree t = {0};
	struct tt_modsign_signer *signer = NULL;
	char *symtab = NULL;
	int code = build_load_signer(a, &signer);
	if (code < 0)
		code = a->abi ? build_debian(a, &k, &t, &symtab) : build_explicit(a, &t);
	if (code < 0) {
		a->o.tree = &t;
		a->o.headers_dir = a->abi ? k.build_dir : a->build_dir;
		a->o.symtab = symtab ? symtab : a->symtab;
		a->o.symvers = a->symvers;
		a->o.patches = (const char *const *)patches;
		a->o.n_patches = (size_t)n_patches;
		a->o.extra_objects = (const char *const *)a->objects.v;
		a->o.n_extra_objects = a->objects.n;
		a->o.on_step = build_step_print;
		a->o.ctx = a;
		struct tt_patchbuild_result r;
		struct tt_error err = {0};
		if (tt_patchbuild(&a->o, &r, &err) < 0) {
			cli_error("%s", err.msg);
			if (r.workdir)
				fprintf(stderr, "tuxtape: the work directory is kept: %s\n",
					r.workdir);
			code = EXIT_FAIL;
		} else {
			if (a->json)
				cli_print_json(build_json(a, &r));
			else
				build_print(a, &r);
			code = r.outcome == TT_PATCHBUILD_BUILT	    ? EXIT_OK
			       : r.outcome == TT_PATCHBUILD_NOTHING ? EXIT_NOTHING
								    : EXIT_REFUSED;
		}
		tt_patchbuild_result_free(&r);
	}
	free(symtab);
	tt_modsign_signer_free(signer);
	tt_ktree_free(&t);
	tt_debian_kernel_free(&k);
	return code;
}

int cmd_patch_build(struct cli *cli, int argc, char **argv)
{
	struct build_args a = {.verbose = cli->verbose > 0};
	int code = build_parse(&a, argc, argv);
	if (code < 0)
		code = build_run(&a, argv + optind, argc - optind);
	for (size_t i = 0; i < a.n_pre; i++)
		free(a.pre[i].name);
	free(a.pre);
	tt_strv_free(&a.objects);
	return code;
}
