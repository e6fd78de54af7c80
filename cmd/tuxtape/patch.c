// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape patch test|kernel|build`: building livepatch modules and their boot test bed. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "patch_cmds.h"
#include "patch_sign_cmd.h"
#include "tuxtape/build.h"

static const char patch_usage[] =
    "Usage: tuxtape patch COMMAND [OPTIONS]\n"
    "\n"
    "Building and proving livepatches.\n"
    "\n"
    "  build    build a livepatch module from source patches for one exact kernel\n"
    "           (a Debian ABI, or a source tree with its config and symbols)\n"
    "  test     boot a kernel under QEMU with livepatch modules, load them, run a\n"
    "           check, unload them, and report what the kernel said\n"
    "  kernel   fetch a Debian kernel (image, headers, kbuild) into the cache and\n"
    "           print its paths, e.g. the headers to build modules against\n"
    "  sign     append a kernel module signature, as the kernel's sign-file does\n"
    "  verify-signature  check a module's signature against a certificate\n"
    "\n"
    "The pipeline (docs/pipeline.md):\n"
    "  revise   record a new revision of a CVE's deployable patch\n"
    "  history  a CVE's revisions: who changed what, when and why\n"
    "  queue    queue build-and-test jobs of a revision for target kernels\n"
    "  jobs     list the jobs; `job ID` shows one with its logs\n"
    "  approve  approve a passed job's module (not as its author), for the archive\n";

static const char test_usage[] =
    "Usage: tuxtape patch test (--kernel ABI | --vmlinuz FILE) MODULE.ko...\n"
    "                          [--check SCRIPT] [--keep-loaded] [--timeout SECONDS]\n"
    "                          [--transition-timeout SECONDS] [--memory MB]\n"
    "                          [--append ARGS] [--workdir DIR] [--busybox FILE]\n"
    "                          [--qemu PROGRAM] [--preload MODULE]...\n"
    "                          [--load-after MODULE]... [--json]\n"
    "\n"
    "Boots the target kernel under qemu-system-x86_64 with TCG (no KVM needed) and\n"
    "an initramfs built for the run: a static busybox, the modules and a generated\n"
    "/init. /init loads each module with insmod, waits for its livepatch\n"
    "transition (/sys/kernel/livepatch/NAME/transition) to finish, runs the check\n"
    "as `check patched`, then disables each patch (echo 0 > enabled), waits for the\n"
    "unpatching transition, runs `check unpatched`, removes the modules with\n"
    "rmmod, prints the kernel log and powers off. One boot takes 10-30 s.\n"
    "With several modules, /init records after the last load which patches are\n"
    "still enabled: one that a later atomic-replace (--replace) patch took over\n"
    "is reported as replaced, and is only removed, not unpatched.\n"
    "\n"
    "The test passes when every module loaded, its patch was enabled and both\n"
    "transitions finished, the check exited 0 both times, rmmod succeeded, and the\n"
    "kernel logged no WARNING, BUG, Oops, panic, stall or livepatch error. Taint\n"
    "messages (out-of-tree, unsigned, livepatch) are reported, not failures.\n"
    "\n"
    "Kernel:\n"
    "  --kernel ABI           a Debian kernel ABI name (6.1.0-47-amd64): its packages\n"
    "                         are fetched once into the cache, as `tuxtape patch\n"
    "                         kernel` does\n"
    "  --vmlinuz FILE         any x86_64 kernel image (it needs the serial console,\n"
    "                         devtmpfs and gzip initramfs built in, and livepatch)\n"
    "  --append ARGS          more kernel command line (after console=ttyS0 quiet\n"
    "                         panic=-1)\n"
    "\n"
    "The run:\n"
    "  MODULE.ko...           the modules, loaded in this order; each is named by its\n"
    "                         .modinfo name=, whatever its file is called\n"
    "  --check SCRIPT         a busybox sh script run in the guest with the argument\n"
    "                         `patched`, then `unpatched`; exit 0 means it saw what\n"
    "                         it expected. Its output is in the report\n"
    "  --preload MODULE       load this module first (repeatable): a .ko file, or\n"
    "                         with --kernel the name of one of that kernel's modules,\n"
    "                         with the modules it depends on. A livepatch of a\n"
    "                         module's code needs that module loaded. Its soft\n"
    "                         \"pre:\" dependencies come first too (libcrc32c's\n"
    "                         crc32c: the module of that name, or crc32c_generic);\n"
    "                         modules the kernel requests at run time by other\n"
    "                         aliases are not followed: name them too\n"
    "  --load-after MODULE    load this module (repeatable, as --preload) after the\n"
    "                         patches are enabled, before the check: the livepatch\n"
    "                         core must patch a module as it loads. After all\n"
    "                         loads, each patch's objects (vmlinux, modules) are\n"
    "                         read from /sys/kernel/livepatch/NAME/OBJ/patched; an\n"
    "                         object that is loaded but not patched fails the test\n"
    "  --keep-loaded          do not disable, re-check or remove the modules\n"
    "  --timeout SECONDS      kill QEMU after this long (default 300)\n"
    "  --transition-timeout SECONDS\n"
    "                         wait this long for each transition and for the check\n"
    "                         (default 30)\n"
    "  --memory MB            guest memory (default 512)\n"
    "  --workdir DIR          keep initrd.gz and console.log (the serial output) here\n"
    "  --busybox FILE         a static busybox (default /bin/busybox, from the Debian\n"
    "                         package busybox-static)\n"
    "  --qemu PROGRAM         default qemu-system-x86_64\n"
    "  --json                 the report as JSON\n"
    "\n"
    "Exit status:\n"
    "  0  pass\n"
    "  1  fail: the report says why\n"
    "  2  usage error\n"
    "  5  the test could not run (fetching the kernel, reading a module, QEMU)\n"
    "\n"
    "Example:\n"
    "  B=$(tuxtape patch kernel 6.1.0-47-amd64 --json | jq -r .build_dir)\n"
    "  make -C $B M=$PWD modules\n"
    "  tuxtape patch test --kernel 6.1.0-47-amd64 --check check.sh livepatch.ko\n";

static const char kernel_usage[] =
    "Usage: tuxtape patch kernel ABI [--json]\n"
    "\n"
    "Fetches Debian kernel ABI (6.1.0-47-amd64) into\n"
    "$XDG_CACHE_HOME/tuxtape/debian/ABI/ (~/.cache/tuxtape/...), once: the packages\n"
    "linux-image-ABI, linux-headers-ABI and its -common package at the image's\n"
    "version, and linux-kbuild-X.Y at that version or, when the archive no longer\n"
    "has it, its current one (Debian's headers accept any newer kbuild). They are\n"
    "downloaded with `apt-get download` (which runs `apt-get update` first when apt\n"
    "knows no version and tuxtape runs as root) and unpacked with dpkg-deb; the\n"
    "headers' absolute links and Makefile are pointed inside the cache, so\n"
    "`make -C BUILD_DIR M=DIR modules` builds an external module for that kernel.\n"
    "\n"
    "Prints the versions and the paths: vmlinuz, config, System.map (Debian ships\n"
    "a stub; the symbols are in the -dbg package), the build dir, the modules dir.\n"
    "\n"
    "Exit status: 0 done, 1 a package could not be found, fetched or unpacked (the\n"
    "message names it and the command to try), 2 usage error.\n";

/* ---------------- patch kernel ---------------- */

static json_t *kernel_json(const struct tt_debian_kernel *k)
{
	json_t *debs = json_array();
	for (size_t i = 0; i < k->debs.n; i++)
		json_array_append_new(debs, json_string(k->debs.v[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o}", "abi", k->abi,
			 "version", k->version, "kbuild_version", k->kbuild_version, "dir", k->dir,
			 "vmlinuz", k->vmlinuz, "config", k->config, "system_map", k->system_map,
			 "build_dir", k->build_dir, "modules_dir", k->modules_dir, "downloaded",
			 k->downloaded, "debs", debs);
}

static void kernel_print(const struct tt_debian_kernel *k)
{
	printf("%s  Debian %s, kbuild %s, %s\n", k->abi, k->version, k->kbuild_version,
	       k->downloaded ? "downloaded now" : "from the cache");
	printf("  vmlinuz     %s\n", k->vmlinuz);
	printf("  config      %s\n", k->config);
	printf("  build dir   %s\n", k->build_dir);
	printf("              (make -C %s M=DIR modules)\n", k->build_dir);
	printf("  modules     %s\n", k->modules_dir);
	printf("  System.map  %s (a stub: Debian ships the symbols in linux-image-%s-dbg)\n",
	       k->system_map, k->abi);
}

static int patch_kernel(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else {
			fputs(kernel_usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fputs(kernel_usage, stderr);
		return EXIT_USAGE;
	}
	struct tt_debian_kernel k;
	struct tt_error err = {0};
	if (tt_debian_kernel_fetch(argv[optind], NULL, &k, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	if (json)
		cli_print_json(kernel_json(&k));
	else
		kernel_print(&k);
	tt_debian_kernel_free(&k);
	return EXIT_OK;
}

/* ---------------- patch test ---------------- */

struct test_args {
	const char *abi;
	struct tt_strv preload; /* --preload arguments: module names or .ko files */
	struct tt_strv late;	/* --load-after arguments, the same */
	struct tt_boot_opts o;
	bool json;
};

static json_t *json_rc(int rc)
{
	return rc < 0 ? json_null() : json_integer(rc);
}

static json_t *json_state(int v)
{
	return v < 0 ? json_null() : json_boolean(v == 0);
}

static json_t *strv_json(const struct tt_strv *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

static json_t *module_json(const struct tt_boot_module *m)
{
	json_t *objects = json_object();
	for (size_t i = 0; i < m->n_objects; i++)
		json_object_set_new(objects, m->objects[i].name,
				    json_boolean(m->objects[i].patched));
	return json_pack(
	    "{s:s, s:o, s:b, s:b, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "name",
	    m->name, "path", cli_json_str(m->path), "preload", m->preload, "loaded_after", m->late,
	    "objects", objects, "loaded", m->load_rc == 0, "insmod_status", json_rc(m->load_rc),
	    "insmod_output", cli_json_str(m->load_output), "enabled",
	    m->enabled < 0 ? json_null() : json_boolean(m->enabled == 1), "transition_finished",
	    json_state(m->transition), "unpatch_transition_finished",
	    json_state(m->unpatch_transition), "replaced", m->replaced, "rmmod_status",
	    json_rc(m->rmmod_rc), "kernel_messages", strv_json(&m->kernel_msgs));
}

static json_t *test_json(const struct test_args *a, const struct tt_boot_result *r)
{
	json_t *mods = json_array(), *issues = json_array();
	for (size_t i = 0; i < r->n_mods; i++)
		json_array_append_new(mods, module_json(&r->mods[i]));
	for (size_t i = 0; i < r->n_issues; i++)
		json_array_append_new(issues, json_pack("{s:s, s:s, s:o}", "kind",
							tt_boot_issue_kind_name(r->issues[i].kind),
							"line", r->issues[i].line, "modules",
							cli_json_str(r->issues[i].modules)));
	json_t *check =
	    json_pack("{s:o, s:o, s:o, s:o}", "script", cli_json_str(a->o.initramfs.check),
		      "patched_status", json_rc(r->check_rc), "unpatched_status",
		      json_rc(r->check_unpatched_rc), "output", cli_json_str(r->check_output));
	return json_pack("{s:b, s:o, s:s, s:f, s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "pass", r->pass, "kernel", cli_json_str(a->abi), "vmlinuz", a->o.vmlinuz,
			 "seconds", r->seconds, "timed_out", r->timed_out, "reached_init",
			 r->reached_init, "finished", r->finished, "modules", mods, "check", check,
			 "issues", issues, "taints", strv_json(&r->taints), "reasons",
			 strv_json(&r->reasons), "workdir", cli_json_str(a->o.workdir));
}

static const char *yes_no(int v, const char *yes, const char *no, const char *unknown)
{
	return v < 0 ? unknown : v == 0 ? yes : no;
}

static void module_print(const struct tt_boot_module *m, bool unload)
{
	if (m->preload && m->load_rc == 0) {
		printf("  %-20s %s\n", m->name, m->late ? "loaded after the patches" : "preloaded");
		return; /* its kernel messages are not about the patch */
	}
	if (m->load_rc != 0) {
		printf("  %-20s NOT LOADED%s (insmod exit %d)\n", m->name,
		       m->late	    ? " (after the patches)"
		       : m->preload ? " (preload)"
				    : "",
		       m->load_rc);
		if (m->load_output)
			printf("      %s\n", m->load_output);
	} else {
		printf("  %-20s loaded, %s, transition %s", m->name,
		       m->enabled == 1	? "enabled"
		       : m->enabled < 0 ? "no livepatch"
					: "NOT enabled",
		       yes_no(m->transition, "finished", "NOT FINISHED", "-"));
		if (m->replaced)
			fputs(", replaced by a later atomic-replace patch", stdout);
		if (unload && m->replaced)
			printf(", rmmod %s", yes_no(m->rmmod_rc, "ok", "FAILED", "-"));
		else if (unload)
			printf(", unpatch %s, rmmod %s",
			       yes_no(m->unpatch_transition, "finished", "NOT FINISHED", "-"),
			       yes_no(m->rmmod_rc, "ok", "FAILED", "-"));
		putchar('\n');
		for (size_t i = 0; i < m->n_objects; i++)
			printf("      object %s: %s\n", m->objects[i].name,
			       m->objects[i].patched ? "patched" : "NOT patched");
	}
	for (size_t i = 0; i < m->kernel_msgs.n; i++)
		printf("      kernel: %s\n", m->kernel_msgs.v[i]);
}

static void check_print(const struct test_args *a, const struct tt_boot_result *r)
{
	if (!a->o.initramfs.check)
		return;
	printf("  check %s: patched %s", a->o.initramfs.check,
	       r->check_rc < 0	  ? "did not run"
	       : r->check_rc == 0 ? "passed"
				  : "FAILED");
	if (r->check_rc > 0)
		printf(" (exit %d)", r->check_rc);
	if (a->o.initramfs.unload)
		printf(", unpatched %s", r->check_unpatched_rc < 0    ? "did not run"
					 : r->check_unpatched_rc == 0 ? "passed"
								      : "FAILED");
	putchar('\n');
	if (r->check_output && *r->check_output)
		printf("      output: %s\n", r->check_output);
}

static void test_print(const struct test_args *a, const struct tt_boot_result *r)
{
	printf("%s: %s, %.1f s under QEMU (TCG)%s\n", a->abi ? a->abi : a->o.vmlinuz,
	       r->pass ? "PASS" : "FAIL", r->seconds, r->timed_out ? ", timed out" : "");
	for (size_t i = 0; i < r->n_mods; i++)
		module_print(&r->mods[i], a->o.initramfs.unload);
	check_print(a, r);
	if (!r->n_issues)
		printf("  kernel log: no WARNING, BUG, Oops, panic, stall or livepatch error\n");
	for (size_t i = 0; i < r->n_issues; i++) {
		printf("  kernel %s: %s\n", tt_boot_issue_kind_name(r->issues[i].kind),
		       r->issues[i].line);
		if (r->issues[i].modules)
			printf("      modules linked in: %s\n", r->issues[i].modules);
	}
	for (size_t i = 0; i < r->taints.n; i++)
		printf("  taint: %s\n", r->taints.v[i]);
	for (size_t i = 0; i < r->reasons.n; i++)
		printf("%s%s\n", i ? "      " : "  why: ", r->reasons.v[i]);
	if (a->o.workdir)
		printf("  console log: %s/console.log\n", a->o.workdir);
}

static bool parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*s && !*end && v > 0 && v < 86400) {
		*out = v;
		return true;
	}
	cli_error("%s needs a number of seconds, not '%s'", opt, s);
	return false;
}

/* Returns -1 to go on, else an exit code. */
static int test_parse(struct test_args *a, int argc, char **argv)
{
	static const struct option opts[] = {{"kernel", required_argument, NULL, 'k'},
					     {"vmlinuz", required_argument, NULL, 'z'},
					     {"check", required_argument, NULL, 'c'},
					     {"keep-loaded", no_argument, NULL, 'K'},
					     {"timeout", required_argument, NULL, 't'},
					     {"transition-timeout", required_argument, NULL, 'T'},
					     {"memory", required_argument, NULL, 'm'},
					     {"append", required_argument, NULL, 'a'},
					     {"workdir", required_argument, NULL, 'w'},
					     {"busybox", required_argument, NULL, 'b'},
					     {"qemu", required_argument, NULL, 'q'},
					     {"preload", required_argument, NULL, 'p'},
					     {"load-after", required_argument, NULL, 'L'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	double tt = 30;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			a->abi = optarg;
			break;
		case 'z':
			a->o.vmlinuz = optarg;
			break;
		case 'c':
			a->o.initramfs.check = optarg;
			break;
		case 'K':
			a->o.initramfs.unload = false;
			break;
		case 't':
			if (!parse_seconds("--timeout", optarg, &a->o.timeout_s))
				return EXIT_USAGE;
			break;
		case 'T':
			if (!parse_seconds("--transition-timeout", optarg, &tt))
				return EXIT_USAGE;
			a->o.initramfs.transition_timeout = (int)(tt + 0.5);
			break;
		case 'm':
			a->o.memory_mb = atoi(optarg);
			if (a->o.memory_mb < 64) {
				cli_error("--memory needs at least 64 (MB), not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a':
			a->o.append = optarg;
			break;
		case 'w':
			a->o.workdir = optarg;
			break;
		case 'b':
			a->o.initramfs.busybox = optarg;
			break;
		case 'q':
			a->o.qemu = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'p':
			tt_strv_push(&a->preload, optarg);
			break;
		case 'L':
			tt_strv_push(&a->late, optarg);
			break;
		case 'h':
			fputs(test_usage, stdout);
			return EXIT_OK;
		default:
			fputs(test_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (!a->abi == !a->o.vmlinuz) {
		cli_error(
		    "give one of --kernel ABI or --vmlinuz FILE (see `tuxtape patch test --help`)");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		cli_error("no module to test (see `tuxtape patch test --help`)");
		return EXIT_USAGE;
	}
	return -1;
}

/*
 * --preload and --load-after: a .ko as given, or a module of the Debian kernel
 * with its dependencies, appended to paths unless `skip` (the preloads, for
 * --load-after) already has them.
 */
static int test_module_paths(struct test_args *a, const char *option, const struct tt_strv *args,
			     const struct tt_debian_kernel *k, const struct tt_strv *skip,
			     struct tt_strv *paths)
{
	for (size_t i = 0; i < args->n; i++) {
		const char *p = args->v[i];
		size_t l = strlen(p);
		struct tt_error err = {0};
		struct tt_strv found = TT_STRV_INIT;
		if (l > 3 && strcmp(p + l - 3, ".ko") == 0) {
			tt_strv_push(&found, p);
		} else if (!a->abi) {
			cli_error("%s %s: a module name needs --kernel ABI (or give a .ko)", option,
				  p);
			return EXIT_USAGE;
		} else if (tt_debian_module_paths(k, p, &found, &err) < 0) {
			cli_error("%s %s: %s", option, p, err.msg);
			tt_strv_free(&found);
			return EXIT_NOT_RUN;
		}
		for (size_t j = 0; j < found.n; j++)
			if (!(skip && tt_strv_contains(skip, found.v[j])) &&
			    !tt_strv_contains(paths, found.v[j]))
				tt_strv_push(paths, found.v[j]);
		tt_strv_free(&found);
	}
	return -1;
}

static struct tt_initramfs_module *initramfs_modules(const struct tt_strv *paths)
{
	struct tt_initramfs_module *m = tt_xcalloc(paths->n + 1, sizeof(*m));
	for (size_t i = 0; i < paths->n; i++)
		m[i].path = paths->v[i];
	return m;
}

static int test_boot(struct test_args *a)
{
	struct tt_boot_result r;
	struct tt_error err = {0};
	if (tt_boot_test(&a->o, &r, NULL, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_NOT_RUN;
	}
	if (a->json)
		cli_print_json(test_json(a, &r));
	else
		test_print(a, &r);
	int code = r.pass ? EXIT_OK : EXIT_FAIL;
	tt_boot_result_free(&r);
	return code;
}

static int test_run(struct test_args *a, struct tt_initramfs_module *mods, int n)
{
	struct tt_debian_kernel k = {0};
	struct tt_error err = {0};
	if (a->abi) {
		if (tt_debian_kernel_fetch(a->abi, NULL, &k, &err) < 0) {
			cli_error("%s", err.msg);
			return EXIT_NOT_RUN;
		}
		a->o.vmlinuz = k.vmlinuz;
	}
	struct tt_strv paths = TT_STRV_INIT, late_paths = TT_STRV_INIT;
	int code = test_module_paths(a, "--preload", &a->preload, &k, NULL, &paths);
	if (code < 0)
		code = test_module_paths(a, "--load-after", &a->late, &k, &paths, &late_paths);
	struct tt_initramfs_module *pre = initramfs_modules(&paths);
	struct tt_initramfs_module *late = initramfs_modules(&late_paths);
	a->o.initramfs.preload = pre;
	a->o.initramfs.n_preload = paths.n;
	a->o.initramfs.late = late;
	a->o.initramfs.n_late = late_paths.n;
	a->o.initramfs.modules = mods;
	a->o.initramfs.n_modules = (size_t)n;
	if (code < 0)
		code = test_boot(a);
	free(pre);
	free(late);
	tt_strv_free(&paths);
	tt_strv_free(&late_paths);
	tt_debian_kernel_free(&k);
	return code;
}

static int patch_test(struct cli *cli, int argc, char **argv)
{
	struct test_args a = {.o.initramfs.unload = true};
	int code = test_parse(&a, argc, argv);
	if (code >= 0)
		return code;
	int n = argc - optind;
	struct tt_initramfs_module *mods = tt_xcalloc((size_t)n, sizeof(*mods));
	for (int i = 0; i < n; i++)
		mods[i].path = argv[optind + i];
	code = test_run(&a, mods, n);
	free(mods);
	tt_strv_free(&a.preload);
	tt_strv_free(&a.late);
	return code;
}

int cmd_patch(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(patch_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "test") == 0)
		return patch_test(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "kernel") == 0)
		return patch_kernel(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "build") == 0)
		return cmd_patch_build(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return cmd_patch_sign(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "verify-signature") == 0)
		return cmd_patch_verify_signature(cli, argc - 1, argv + 1);
	cli_error("unknown command 'patch %s' (see `tuxtape patch --help`)", argv[1]);
	return EXIT_USAGE;
}
