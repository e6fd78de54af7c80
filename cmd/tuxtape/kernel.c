// SPDX-License-Identifier: GPL-2.0-or-later
/* `tuxtape kernel add|list|show|rm`: kernel profiles. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "triage_cmds.h"
#include "tuxtape/triage.h"
#include "tuxtape/util.h"

static const char kernel_usage[] =
    "Usage: tuxtape kernel COMMAND [OPTIONS]\n"
    "\n"
    "A kernel profile is what tuxtape knows about one kernel you run: its upstream\n"
    "version, its .config, the files its build compiles, and for this host the\n"
    "loaded modules. `tuxtape scan PROFILE` tells which CVEs apply to it.\n"
    "\n"
    "  add NAME    create a profile (see `tuxtape kernel add --help`)\n"
    "  list        the profiles in the store\n"
    "  show NAME   every fact of one profile, and where each came from\n"
    "  rm NAME     delete a profile\n";

static const char add_usage[] =
    "Usage: tuxtape kernel add NAME [--version V] [--config FILE]\n"
    "                           [--build-dir DIR | --source DIR] [--arch ARCH]\n"
    "                           [--release UNAME_R [--proc-version TEXT|@FILE]]\n"
    "                           [--running] [--replace] [--json]\n"
    "\n"
    "Creates kernel profile NAME in the store. Every input is optional; the more\n"
    "a profile knows, the fewer verdicts are `unknown`.\n"
    "\n"
    "Version (the first that applies):\n"
    "  --version V          the upstream version, e.g. 6.1.170\n"
    "  --release UNAME_R    the kernel's `uname -r` (6.1.0-47-amd64); with\n"
    "  --proc-version TEXT  its /proc/version text (or @FILE to read it), the real\n"
    "                       upstream version of a Debian or Ubuntu kernel is found\n"
    "                       (\"... Debian 6.1.170-3 ...\" -> 6.1.170). A distribution\n"
    "                       ABI name alone gives no patch level: verdicts are then\n"
    "                       unknown\n"
    "  (otherwise)          the build dir's include/config/kernel.release, the source\n"
    "                       tree's Makefile, or the .config header comment\n"
    "\n"
    "Config and compiled files:\n"
    "  --config FILE        a .config (plain or gzip, e.g. /proc/config.gz); its set\n"
    "                       symbols are stored. Default: BUILD_DIR/.config when given\n"
    "  --build-dir DIR      a kernel build directory (in-tree or O=): the exact set\n"
    "                       of compiled .c/.S files from the .*.o.cmd files, built-in\n"
    "                       or module (modules.order, *.mod), and every header a\n"
    "                       compiled object includes (the deps_ lines)\n"
    "  --source DIR         a kernel source tree: with --config, the compiled set is\n"
    "                       predicted by evaluating the Kbuild makefiles; where that\n"
    "                       evaluation is incomplete, files are recorded as unknown.\n"
    "                       With --build-dir, the tree the build used (for paths)\n"
    "  --arch ARCH          SRCARCH (x86, arm64, ...); default: from the config\n"
    "  (neither)            no compiled set: CVE files are not checked, only versions\n"
    "                       and architecture decide\n"
    "\n"
    "This host:\n"
    "  --running            read uname, /proc/version, /proc/config.gz or\n"
    "                       /boot/config-$(uname -r), the loaded modules\n"
    "                       (/proc/modules) and the build id (/sys/kernel/notes)\n"
    "\n"
    "Other:\n"
    "  --replace            replace an existing profile of that name\n"
    "  --json               print the stored profile as JSON\n"
    "\n"
    "The CVE program files in the store are probed against a predicted set when\n"
    "the profile is made: sync before adding profiles for the most precise notes.\n"
    "\n"
    "Examples:\n"
    "  tuxtape kernel add deb12 --config /boot/config-6.1.0-47-amd64 \\\n"
    "                           --version 6.1.170\n"
    "  tuxtape kernel add host --running\n"
    "  tuxtape kernel add build --build-dir ~/linux-build\n";

static const char list_usage[] =
    "Usage: tuxtape kernel list [--json]\n"
    "\n"
    "Lists the kernel profiles: name, version, where the version came\n"
    "from, how the compiled files are known, and when it was added.\n";

static const char show_usage[] =
    "Usage: tuxtape kernel show NAME [--json] [--files]\n"
    "\n"
    "Shows every fact of profile NAME and its source: version, distribution release,\n"
    "uname release, config, compiled-file counts by kind, loaded modules, build id.\n"
    "--files also lists the file set: path, kind (builtin, module, host, header,\n"
    "unknown, absent) and module or note.\n";

static const char rm_usage[] = "Usage: tuxtape kernel rm NAME...\n"
			       "\n"
			       "Deletes the profiles and their file sets. Exit 1 if one is "
			       "missing.\n";

/* ---------------- output ---------------- */

static const char *files_mode_name(enum tt_profile_files_mode m)
{
	static const char *const names[] = {"none", "exact", "predicted"};
	return names[m];
}

static json_t *info_json(const struct tt_profile_info *i)
{
	char v[TT_KVER_STR_MAX] = "", created[32];
	if (i->has_version)
		tt_kver_format(&i->version, v, sizeof(v));
	tt_format_iso8601(i->created_at, created, sizeof(created));
	json_t *files = json_pack(
	    "{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "mode", files_mode_name(i->files_mode),
	    "source", cli_json_str(i->files_source), "builtin", (json_int_t)i->n_builtin, "module",
	    (json_int_t)i->n_module, "host", (json_int_t)i->n_host, "header",
	    (json_int_t)i->n_header, "unknown", (json_int_t)i->n_unknown, "absent",
	    (json_int_t)i->n_absent, "unknown_dirs", (json_int_t)i->n_unknown_dirs);
	return json_pack(
	    "{s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:{s:b, s:I, s:o}, s:o, "
	    "s:b, s:o, s:o, s:o, s:o}",
	    "name", i->name, "created", created, "version",
	    i->has_version ? json_string(v) : json_null(), "version_exact", i->version_exact,
	    "version_source", cli_json_str(i->version_source), "distro_release",
	    cli_json_str(i->distro_release), "uname_release", cli_json_str(i->uname_release),
	    "proc_version", cli_json_str(i->proc_version), "arch", cli_json_str(i->arch), "config",
	    "present", i->has_config, "symbols", (json_int_t)i->config_symbols, "source",
	    cli_json_str(i->config_source), "files", files, "running", i->running, "modules_loaded",
	    i->modules_known ? json_integer((json_int_t)i->n_modules_loaded) : json_null(),
	    "modules_source", cli_json_str(i->modules_source), "build_id",
	    cli_json_str(i->build_id), "build_id_source", cli_json_str(i->build_id_source));
}

static void fact(const char *label, const char *value, const char *source)
{
	printf("%-15s %s", label, value && *value ? value : "-");
	if (source && *source)
		printf("  (%s)", source);
	putchar('\n');
}

static void print_files_line(const struct tt_profile_info *i)
{
	if (i->files_mode == TT_PROFILE_FILES_NONE) {
		fact("compiled files", "not known: CVE files are not checked", NULL);
		return;
	}
	char line[256];
	snprintf(line, sizeof(line),
		 "%s: %zu built-in, %zu module, %zu host, %zu headers, %zu unknown, %zu "
		 "explained absent, %zu undecided dirs",
		 files_mode_name(i->files_mode), i->n_builtin, i->n_module, i->n_host, i->n_header,
		 i->n_unknown, i->n_absent, i->n_unknown_dirs);
	fact("compiled files", line, i->files_source);
}

static void print_info(const struct tt_profile_info *i)
{
	char v[TT_KVER_STR_MAX] = "", buf[128];
	if (i->has_version)
		tt_kver_format(&i->version, v, sizeof(v));
	if (i->has_version && !i->version_exact)
		snprintf(v + strlen(v), sizeof(v) - strlen(v), " (ABI prefix only)");
	fact("profile", i->name, NULL);
	fact("version", v, i->version_source);
	fact("distro release", i->distro_release, NULL);
	fact("uname release", i->uname_release, NULL);
	fact("arch", i->arch, NULL);
	snprintf(buf, sizeof(buf), "%zu symbols", i->config_symbols);
	fact("config", i->has_config ? buf : "none", i->config_source);
	print_files_line(i);
	if (i->running) {
		snprintf(buf, sizeof(buf), "%zu", i->n_modules_loaded);
		fact("loaded modules", i->modules_known ? buf : "unknown", i->modules_source);
		fact("build id", i->build_id, i->build_id_source);
	}
	tt_format_iso8601(i->created_at, buf, sizeof(buf));
	fact("added", buf, NULL);
}

static void print_files(const struct tt_profile *p, json_t *arr)
{
	for (size_t i = 0; i < tt_profile_file_count(p); i++) {
		const struct tt_profile_file *f = tt_profile_file_at(p, i);
		const char *extra = f->module ? f->module : f->note;
		if (arr)
			json_array_append_new(
			    arr, json_pack("{s:s, s:s, s:o, s:o}", "path", f->path, "kind",
					   tt_profile_kind_name(f->kind), "module",
					   cli_json_str(f->module), "note", cli_json_str(f->note)));
		else
			printf("%-8s %s%s%s\n", tt_profile_kind_name(f->kind), f->path,
			       extra ? "  " : "", extra ? extra : "");
	}
}

/* ---------------- add ---------------- */

struct add_args {
	struct tt_profile_opts o;
	bool replace, json;
	char *proc_version; /* read from @FILE */
};

static int read_at_file(const char *arg, char **out)
{
	if (arg[0] != '@') {
		*out = tt_xstrdup(arg);
		return 0;
	}
	struct tt_error err = {0};
	if (tt_read_file(arg + 1, out, NULL, &err) < 0) {
		cli_error("--proc-version: %s", err.msg);
		return -1;
	}
	(*out)[strcspn(*out, "\n")] = '\0';
	return 0;
}

static int parse_add(int argc, char **argv, struct add_args *a)
{
	static const struct option opts[] = {
	    {"version", required_argument, NULL, 'V'},
	    {"config", required_argument, NULL, 'c'},
	    {"build-dir", required_argument, NULL, 'b'},
	    {"source", required_argument, NULL, 's'},
	    {"arch", required_argument, NULL, 'a'},
	    {"release", required_argument, NULL, 'r'},
	    {"proc-version", required_argument, NULL, 'p'},
	    {"running", no_argument, NULL, 'R'},
	    {"replace", no_argument, NULL, 'x'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'V':
			a->o.version = optarg;
			break;
		case 'c':
			a->o.config_path = optarg;
			break;
		case 'b':
			a->o.build_dir = optarg;
			break;
		case 's':
			a->o.source_dir = optarg;
			break;
		case 'a':
			a->o.arch = optarg;
			break;
		case 'r':
			a->o.uname_release = optarg;
			break;
		case 'p':
			free(a->proc_version);
			if (read_at_file(optarg, &a->proc_version) < 0)
				return EXIT_FAIL;
			a->o.proc_version = a->proc_version;
			break;
		case 'R':
			a->o.running = true;
			break;
		case 'x':
			a->replace = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			fputs(add_usage, stdout);
			return EXIT_OK;
		default:
			fputs(add_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		cli_error("kernel add: expected one profile NAME (see --help)");
		return EXIT_USAGE;
	}
	a->o.name = argv[optind];
	if (a->o.proc_version && !a->o.uname_release) {
		cli_error("kernel add: --proc-version goes with --release UNAME_R");
		return EXIT_USAGE;
	}
	if (a->o.running && (a->o.uname_release || a->o.proc_version)) {
		cli_error("kernel add: --running reads the release itself; drop --release");
		return EXIT_USAGE;
	}
	return -1;
}

static int profile_exists_cb(void *ctx, const struct tt_store_profile *p)
{
	(void)p;
	*(bool *)ctx = true;
	return 0;
}

static int build_and_save(struct cli *cli, struct tt_store *s, struct add_args *a,
			  struct tt_error *err)
{
	struct tt_strv paths = TT_STRV_INIT;
	int r = tt_store_cve_paths(s, &paths, err);
	if (r < 0)
		return r;
	a->o.cve_paths = &paths;
	bool no_cves = paths.n == 0;
	struct tt_diag_sink diag = cli_warning_sink(cli);
	struct tt_profile *p;
	r = tt_profile_build(&a->o, &p, &diag, err);
	tt_strv_free(&paths);
	if (r < 0)
		return r;
	r = tt_profile_save(s, p, err);
	if (r == 0 && a->json) {
		cli_print_json(info_json(tt_profile_info(p)));
	} else if (r == 0) {
		print_info(tt_profile_info(p));
		if (!cli->quiet && no_cves)
			fprintf(stderr, "note: the store holds no CVEs yet (`tuxtape cve sync`)\n");
	}
	tt_profile_free(p);
	return r;
}

static int kernel_add(struct cli *cli, int argc, char **argv)
{
	struct add_args a = {0};
	int pr = parse_add(argc, argv, &a);
	if (pr >= 0) {
		free(a.proc_version);
		return pr;
	}
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK) {
		free(a.proc_version);
		return EXIT_FAIL;
	}
	struct tt_error err = {0};
	bool found = false;
	int r = tt_store_profile_get(s, a.o.name, profile_exists_cb, &found, &err);
	if (r == -ENOENT)
		r = 0;
	if (r == 0 && found && !a.replace) {
		cli_error("kernel profile '%s' exists already (--replace to replace it, or "
			  "`tuxtape kernel rm %s`)",
			  a.o.name, a.o.name);
		r = -EEXIST;
		err.msg[0] = '\0';
	} else if (r == 0) {
		r = build_and_save(cli, s, &a, &err);
	}
	tt_store_close(s);
	free(a.proc_version);
	cli_warnings_summary(cli);
	if (r < 0) {
		if (err.msg[0])
			cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	return cli->warnings ? EXIT_PARTIAL : EXIT_OK;
}

/* ---------------- list, show, rm ---------------- */

struct list_ctx {
	json_t *arr;
	long n;
};

static int list_row(void *ctx, const struct tt_store_profile *p)
{
	struct list_ctx *l = ctx;
	char created[16];
	tt_format_date(p->created_at, created, sizeof(created));
	l->n++;
	if (l->arr) {
		json_array_append_new(
		    l->arr,
		    json_pack("{s:s, s:o, s:b, s:o, s:s, s:I, s:I, s:I, s:b, s:s}", "name", p->name,
			      "version", cli_json_str(p->version), "version_exact",
			      p->version_exact, "version_source", cli_json_str(p->version_source),
			      "files_mode", p->files_mode, "builtin", (json_int_t)p->n_builtin,
			      "module", (json_int_t)p->n_module, "header", (json_int_t)p->n_header,
			      "running", p->running, "created", created));
		return 0;
	}
	char ver[48];
	snprintf(ver, sizeof(ver), "%s%s", p->version ? p->version : "-",
		 p->version && !p->version_exact ? "?" : "");
	char files[64];
	if (strcmp(p->files_mode, "none") == 0)
		snprintf(files, sizeof(files), "none");
	else
		snprintf(files, sizeof(files), "%s %ld+%ld", p->files_mode, p->n_builtin,
			 p->n_module);
	printf("%-24s %-12s %-22s %-10s %s\n", p->name, ver, files, created,
	       p->version_source ? p->version_source : "-");
	return 0;
}

static int simple_args(int argc, char **argv, const char *usage, bool *json, bool *files,
		       int min_pos, int max_pos)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"files", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j' && json)
			*json = true;
		else if (c == 'f' && files)
			*files = true;
		else if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		} else {
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	int pos = argc - optind;
	if (pos < min_pos || pos > max_pos) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	return -1;
}

static int kernel_list(struct cli *cli, int argc, char **argv)
{
	bool json = false;
	int pr = simple_args(argc, argv, list_usage, &json, NULL, 0, 0);
	if (pr >= 0)
		return pr;
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct list_ctx l = {.arr = json ? json_array() : NULL};
	if (!json)
		printf("%-24s %-12s %-22s %-10s %s\n", "NAME", "VERSION", "FILES", "ADDED",
		       "VERSION FROM");
	struct tt_error err = {0};
	int r = tt_store_profile_list(s, list_row, &l, &err);
	tt_store_close(s);
	if (r < 0) {
		json_decref(l.arr);
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	if (l.arr)
		cli_print_json(l.arr);
	else if (!cli->quiet)
		fprintf(stderr, "%ld profiles\n", l.n);
	return EXIT_OK;
}

static int kernel_show(struct cli *cli, int argc, char **argv)
{
	bool json = false, files = false;
	int pr = simple_args(argc, argv, show_usage, &json, &files, 1, 1);
	if (pr >= 0)
		return pr;
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct tt_error err = {0};
	struct tt_profile *p;
	int r = tt_profile_load(s, argv[optind], &p, &err);
	tt_store_close(s);
	if (r < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	if (json) {
		json_t *o = info_json(tt_profile_info(p));
		if (files) {
			json_t *arr = json_array();
			print_files(p, arr);
			json_object_set_new(o, "file_set", arr);
		}
		cli_print_json(o);
	} else {
		print_info(tt_profile_info(p));
		if (files)
			print_files(p, NULL);
	}
	tt_profile_free(p);
	return EXIT_OK;
}

static int kernel_rm(struct cli *cli, int argc, char **argv)
{
	int pr = simple_args(argc, argv, rm_usage, NULL, NULL, 1, 1000);
	if (pr >= 0)
		return pr;
	struct tt_store *s;
	if (cli_open_store(cli, &s) != EXIT_OK)
		return EXIT_FAIL;
	struct tt_error err = {0};
	int r = tt_store_begin(s, &err);
	for (int i = optind; r == 0 && i < argc; i++)
		r = tt_store_profile_delete(s, argv[i], &err);
	if (r == 0)
		r = tt_store_commit(s, &err);
	else
		tt_store_rollback(s);
	tt_store_close(s);
	if (r < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	if (!cli->quiet)
		fprintf(stderr, "removed %d profile%s\n", argc - optind,
			argc - optind == 1 ? "" : "s");
	return EXIT_OK;
}

int cmd_kernel(struct cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(kernel_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	static const struct {
		const char *name;
		int (*fn)(struct cli *, int, char **);
	} cmds[] = {
	    {"add", kernel_add},
	    {"list", kernel_list},
	    {"show", kernel_show},
	    {"rm", kernel_rm},
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(cli, argc - 1, argv + 1);
	cli_error("unknown command 'kernel %s' (see `tuxtape kernel --help`)", argv[1]);
	return EXIT_USAGE;
}
