// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tuxtape klp diff|glue|postlink`: what a patch changed in one object and whether it can be
 * livepatched, the livepatch object, the module's glue, and its livepatch relocations.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "klp_cmd.h"
#include "tuxtape/klp.h"
#include "tuxtape/util.h"

enum { EXIT_NO_CHANGE = 3, EXIT_REFUSED = 5 };

static const char klp_usage[] =
    "Usage: tuxtape klp COMMAND ...\n"
    "\n"
    "The livepatch generator's steps, one object or module at a time:\n"
    "  diff ORIG.o PATCHED.o [-o OUT.o ...]  what a patch changed; with -o, write the\n"
    "                                        livepatch object\n"
    "  glue --name NAME -o OUT.c MANIFEST...  the module's klp_patch source\n"
    "  postlink MODULE.ko                     livepatch relocations, after kbuild linked it\n"
    "\n"
    "`tuxtape klp COMMAND --help` describes each. docs/klp-diff.md gives every rule.\n";

static const char diff_usage[] =
    "Usage: tuxtape klp diff ORIG.o PATCHED.o [--json] [--all]\n"
    "       tuxtape klp diff ORIG.o PATCHED.o -o OUT.o [--manifest FILE] [--symtab FILE]\n"
    "                        [--symvers FILE] [--objname NAME] [--source-file PATH] [--json]\n"
    "\n"
    "Compares two builds of one kernel object, before and after a source patch\n"
    "(compiled with the kernel's flags plus -ffunction-sections -fdata-sections),\n"
    "and says per function:\n"
    "  changed    its code or what it references differs (the reason names the\n"
    "             first difference)\n"
    "  line-only  only __LINE__ values differ (passed to __might_sleep() and\n"
    "             friends, or in __bug_table): not patched\n"
    "  new        added by the patch\n"
    "  removed    gone from the patched object (the running copy stays)\n"
    "  unchanged  identical once relocation targets are compared by name\n"
    "             (listed with --all)\n"
    "then what the changed code needs (new symbols, or references into the\n"
    "running kernel), and the changes a livepatch cannot carry: changed data or\n"
    "__init code, functions without an __fentry__ call, special sections it\n"
    "cannot carry.\n"
    "\n"
    "With -o, also writes the livepatch object OUT.o: the changed and new\n"
    "functions, the constants and new data they need, their entries of the\n"
    "special sections (__mcount_loc, ORC, alternatives, __jump_table,\n"
    "__bug_table, __ex_table, ...), a global alias per replaced function, and\n"
    "for each reference into the running kernel either an undefined symbol\n"
    "(exported) or a placeholder that `tuxtape klp postlink` turns into a\n"
    "livepatch relocation. Nothing is written when the change is refused.\n"
    "\n"
    "Options:\n"
    "  --json              one JSON object: functions, references, refusals (and\n"
    "                      the manifest with -o)\n"
    "  --all               table: list unchanged functions too\n"
    "  -o, --output OUT.o  write the livepatch object\n"
    "  --manifest FILE     with -o: write the replaced functions as JSON, the input\n"
    "                      of `tuxtape klp glue`\n"
    "  --symtab FILE       the target kernel's symbols: a copy of its /proc/kallsyms,\n"
    "                      its System.map, or vmlinux; gives the position (sympos)\n"
    "                      of duplicated local names. Without it every name is taken\n"
    "                      as unique (the kernel refuses the patch at load if not)\n"
    "  --symvers FILE      the target's Module.symvers: what is exported. Without it\n"
    "                      every undefined name is taken as exported\n"
    "  --objname NAME      the object the code is linked into: vmlinux (default) or\n"
    "                      a module's name\n"
    "  --source-file PATH  the object's source (fs/proc/meminfo.c): tells duplicated\n"
    "                      local names apart with a vmlinux symbol table\n"
    "\n"
    "Exit status:\n"
    "  0  changed functions found and nothing refused: a livepatch can be built\n"
    "     (and, with -o, OUT.o was written)\n"
    "  3  no function changed (only __LINE__ values, or nothing at all)\n"
    "  5  refused: at least one change cannot be livepatched (each is named)\n"
    "  1  failure (unreadable or malformed object or symbol table); 2 usage error\n";

static const char glue_usage[] =
    "Usage: tuxtape klp glue --name NAME -o OUT.c [--replace] MANIFEST.json...\n"
    "\n"
    "Writes the C source that makes a livepatch module of the objects\n"
    "`tuxtape klp diff -o` wrote: a klp_patch with one klp_object per patched\n"
    "object (vmlinux, or a module) and one klp_func per replaced function\n"
    "(old_name, old_sympos, and the object's alias as new_func), an init\n"
    "function that enables it, MODULE_INFO(livepatch, \"Y\") and\n"
    "MODULE_LICENSE(\"GPL\"). Build it with kbuild together with the objects,\n"
    "then run `tuxtape klp postlink` on the .ko.\n"
    "\n"
    "Options:\n"
    "  --name NAME     the module's name (letters, digits, _)\n"
    "  -o, --output F  the C file to write\n"
    "  --replace       an atomic-replace patch: loading it disables every other\n"
    "                  livepatch (cumulative patches)\n"
    "\n"
    "Exit status: 0 written; 1 failure (unreadable manifest); 2 usage error.\n";

static const char postlink_usage[] =
    "Usage: tuxtape klp postlink [--json] MODULE.ko\n"
    "\n"
    "Rewrites a livepatch module kbuild has linked, in place: every relocation\n"
    "against a placeholder that `tuxtape klp diff -o` wrote moves from .rela.X\n"
    "to .klp.rela.OBJ.X (SHF_RELA_LIVEPATCH), and each placeholder becomes the\n"
    "symbol .klp.sym.OBJ.NAME,POS in SHN_LIVEPATCH, which the livepatch core\n"
    "resolves when OBJ is loaded. Run it before signing the module. A module\n"
    "without placeholders (or already rewritten) is left as it is.\n"
    "\n"
    "Options:\n"
    "  --json  say what was done as JSON\n"
    "\n"
    "Exit status: 0 done; 1 failure (not a module, malformed); 2 usage error.\n";

static json_t *funcs_json(const struct tt_klp_diff *d)
{
	size_t n;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &n);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    a, json_pack("{s:s, s:o, s:s, s:s, s:s, s:b, s:b}", "name", f[i].name,
				 "orig_name", cli_json_str(f[i].orig_name), "section", f[i].section,
				 "status", tt_klp_status_name(f[i].status), "reason", f[i].reason,
				 "has_fentry", f[i].has_fentry, "part", f[i].is_part));
	return a;
}

static json_t *refs_json(const struct tt_klp_diff *d)
{
	size_t n;
	const struct tt_klp_ref *r = tt_klp_diff_refs(d, &n);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:s, s:b}", "name", r[i].name,
						   "section", cli_json_str(r[i].section), "kind",
						   tt_klp_ref_kind_name(r[i].kind), "needed_by",
						   r[i].needed_by, "function", r[i].is_function));
	return a;
}

static json_t *refusals_json(const struct tt_klp_diff *d)
{
	size_t n;
	const struct tt_klp_refusal *r = tt_klp_diff_refusals(d, &n);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:s}", "kind",
						   tt_klp_refusal_kind_name(r[i].kind), "section",
						   cli_json_str(r[i].section), "symbol",
						   cli_json_str(r[i].symbol), "message",
						   r[i].message));
	return a;
}

static void print_table(const struct tt_klp_diff *d, bool all)
{
	size_t n, same = 0;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &n);
	for (size_t i = 0; i < n; i++) {
		if (f[i].status == TT_KLP_UNCHANGED && !all) {
			same++;
			continue;
		}
		printf("%-10s %s", tt_klp_status_name(f[i].status), f[i].name);
		if (f[i].orig_name && strcmp(f[i].orig_name, f[i].name) != 0)
			printf(" (was %s)", f[i].orig_name);
		printf(": %s\n", f[i].reason);
	}
	if (same)
		printf("unchanged  %zu other function%s (--all lists them)\n", same,
		       same == 1 ? "" : "s");
	const struct tt_klp_ref *r = tt_klp_diff_refs(d, &n);
	if (n)
		printf("\nneeded by the changed code:\n");
	for (size_t i = 0; i < n; i++)
		printf("  %-16s %s%s (from %s)\n", tt_klp_ref_kind_name(r[i].kind), r[i].name,
		       r[i].is_function ? "()" : "", r[i].needed_by);
}

static int diff_exit_code(const struct tt_klp_diff *d)
{
	size_t nref, nf;
	tt_klp_diff_refusals(d, &nref);
	if (nref)
		return EXIT_REFUSED;
	const struct tt_klp_func *f = tt_klp_diff_funcs(d, &nf);
	for (size_t i = 0; i < nf; i++)
		if (f[i].status == TT_KLP_CHANGED)
			return EXIT_OK;
	return EXIT_NO_CHANGE;
}

struct emit_args {
	const char *out, *manifest, *symtab, *symvers, *objname, *source_file;
};

static json_t *manifest_json(const struct tt_klp_manifest *m)
{
	json_t *a = json_array();
	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s, s:I}", "object", m->funcs[i].objname, "old_name",
				 m->funcs[i].old_name, "new_symbol", m->funcs[i].new_symbol,
				 "old_sympos", (json_int_t)m->funcs[i].old_sympos));
	return json_pack("{s:o}", "functions", a);
}

static int load_symtab(const struct emit_args *ea, struct tt_klp_symtab **st, struct tt_error *err)
{
	*st = NULL;
	if (!ea->symtab && !ea->symvers)
		return 0;
	int r = ea->symtab ? tt_klp_symtab_load(ea->symtab, st, err) : 0;
	if (r == 0 && !*st)
		*st = tt_klp_symtab_new();
	if (r == 0 && ea->symvers)
		r = tt_klp_symtab_load_symvers(*st, ea->symvers, err);
	return r;
}

/* Write OUT.o (and the manifest); returns the exit code. */
static int run_emit(const struct tt_klp_diff *d, const struct emit_args *ea,
		    struct tt_klp_manifest *m)
{
	struct tt_error err = {0};
	struct tt_klp_symtab *st = NULL;
	if (load_symtab(ea, &st, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	struct tt_klp_emit_options o = {ea->objname ? ea->objname : "vmlinux", ea->source_file, st};
	int r = tt_klp_emit(d, &o, ea->out, m, &err);
	tt_klp_symtab_free(st);
	if (r == -EPERM) {
		fprintf(stderr, "tuxtape: refused: %s\n", err.msg);
		return EXIT_REFUSED;
	}
	if (r < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	if (ea->manifest) {
		json_t *j = manifest_json(m);
		char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
		json_decref(j);
		r = tt_write_file_atomic(ea->manifest, text, strlen(text), &err);
		free(text);
		if (r < 0) {
			cli_error("%s", err.msg);
			return EXIT_FAIL;
		}
	}
	return EXIT_OK;
}

static void print_manifest(const struct tt_klp_manifest *m, const char *out)
{
	printf("\nwrote %s, replacing:\n", out);
	for (size_t i = 0; i < m->n; i++)
		printf("  %s:%s,%lu -> %s\n", m->funcs[i].objname, m->funcs[i].old_name,
		       m->funcs[i].old_sympos, m->funcs[i].new_symbol);
}

static int run_diff(const char *orig, const char *patched, bool json, bool all,
		    const struct emit_args *ea)
{
	struct tt_error err = {0};
	struct tt_elf *a = NULL, *b = NULL;
	struct tt_klp_diff *d = NULL;
	struct tt_klp_manifest m = {0};
	int code = EXIT_FAIL;
	if (tt_elf_open(orig, &a, &err) < 0 || tt_elf_open(patched, &b, &err) < 0 ||
	    tt_klp_diff(a, b, &d, &err) < 0) {
		cli_error("%s", err.msg);
		goto out;
	}
	size_t n;
	const struct tt_klp_refusal *r = tt_klp_diff_refusals(d, &n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "tuxtape: refused: %s\n", r[i].message);
	code = diff_exit_code(d);
	if (code == EXIT_OK && ea->out)
		code = run_emit(d, ea, &m);
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "orig", orig, "patched", patched,
				      "functions", funcs_json(d), "references", refs_json(d),
				      "refusals", refusals_json(d));
		if (ea->out && code == EXIT_OK) {
			json_object_set_new(o, "output", json_string(ea->out));
			json_object_set_new(o, "manifest", manifest_json(&m));
		}
		cli_print_json(o);
	} else {
		print_table(d, all);
		if (ea->out && code == EXIT_OK)
			print_manifest(&m, ea->out);
	}
out:
	tt_klp_manifest_free(&m);
	tt_klp_diff_free(d);
	tt_elf_close(a);
	tt_elf_close(b);
	return code;
}

static int cmd_klp_diff(int argc, char **argv)
{
	enum { O_MANIFEST = 256, O_SYMTAB, O_SYMVERS, O_OBJNAME, O_SOURCE };
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"all", no_argument, NULL, 'a'},
					     {"output", required_argument, NULL, 'o'},
					     {"manifest", required_argument, NULL, O_MANIFEST},
					     {"symtab", required_argument, NULL, O_SYMTAB},
					     {"symvers", required_argument, NULL, O_SYMVERS},
					     {"objname", required_argument, NULL, O_OBJNAME},
					     {"source-file", required_argument, NULL, O_SOURCE},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool json = false, all = false;
	struct emit_args ea = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'a':
			all = true;
			break;
		case 'o':
			ea.out = optarg;
			break;
		case O_MANIFEST:
			ea.manifest = optarg;
			break;
		case O_SYMTAB:
			ea.symtab = optarg;
			break;
		case O_SYMVERS:
			ea.symvers = optarg;
			break;
		case O_OBJNAME:
			ea.objname = optarg;
			break;
		case O_SOURCE:
			ea.source_file = optarg;
			break;
		case 'h':
			fputs(diff_usage, stdout);
			return EXIT_OK;
		default:
			fputs(diff_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		cli_error("klp diff needs two objects: ORIG.o PATCHED.o");
		return EXIT_USAGE;
	}
	if (!ea.out && (ea.manifest || ea.symtab || ea.symvers || ea.objname || ea.source_file)) {
		cli_error("--manifest, --symtab, --symvers, --objname and --source-file need -o");
		return EXIT_USAGE;
	}
	return run_diff(argv[optind], argv[optind + 1], json, all, &ea);
}

/* A manifest written by `klp diff --manifest`, appended to m. */
static int read_manifest(const char *path, struct tt_klp_manifest *m, struct tt_error *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	json_t *funcs = root ? json_object_get(root, "functions") : NULL;
	if (!json_is_array(funcs)) {
		json_decref(root);
		return tt_error_set(err, -EINVAL, "%s:%d: not a manifest: %s", path, je.line,
				    root ? "no \"functions\" array" : je.text);
	}
	size_t i;
	json_t *f;
	json_array_foreach(funcs, i, f)
	{
		const char *obj = json_string_value(json_object_get(f, "object")),
			   *old = json_string_value(json_object_get(f, "old_name")),
			   *sym = json_string_value(json_object_get(f, "new_symbol"));
		json_t *pos = json_object_get(f, "old_sympos");
		if (!obj || !old || !sym || !json_is_integer(pos) || json_integer_value(pos) < 0) {
			json_decref(root);
			return tt_error_set(err, -EINVAL, "%s: function %zu lacks a field", path,
					    i);
		}
		m->funcs = tt_xrealloc(m->funcs, (m->n + 1) * sizeof(*m->funcs));
		m->funcs[m->n++] =
		    (struct tt_klp_patched_func){tt_xstrdup(obj), tt_xstrdup(old), tt_xstrdup(sym),
						 (unsigned long)json_integer_value(pos)};
	}
	json_decref(root);
	return 0;
}

static int cmd_klp_glue(int argc, char **argv)
{
	static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
					     {"output", required_argument, NULL, 'o'},
					     {"replace", no_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *name = NULL, *out = NULL;
	bool replace = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'r':
			replace = true;
			break;
		case 'h':
			fputs(glue_usage, stdout);
			return EXIT_OK;
		default:
			fputs(glue_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (!name || !out || optind >= argc) {
		cli_error("klp glue needs --name, -o and at least one manifest");
		return EXIT_USAGE;
	}
	struct tt_klp_manifest m = {0};
	struct tt_error err = {0};
	int r = 0;
	for (int i = optind; i < argc && r == 0; i++)
		r = read_manifest(argv[i], &m, &err);
	if (r == 0)
		r = tt_klp_glue_write(&m, name, replace, out, &err);
	tt_klp_manifest_free(&m);
	if (r < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int cmd_klp_postlink(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool json = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(postlink_usage, stdout);
			return EXIT_OK;
		default:
			fputs(postlink_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_error("klp postlink needs one module: MODULE.ko");
		return EXIT_USAGE;
	}
	struct tt_klp_postlink_stats st = {0};
	struct tt_error err = {0};
	if (tt_klp_postlink_stats(argv[optind], &st, &err) < 0) {
		cli_error("%s", err.msg);
		return EXIT_FAIL;
	}
	if (json)
		cli_print_json(json_pack("{s:s, s:I, s:I, s:I}", "module", argv[optind], "symbols",
					 (json_int_t)st.symbols, "relocations",
					 (json_int_t)st.relocations, "sections",
					 (json_int_t)st.sections));
	else
		printf("%s: %zu livepatch symbol%s, %zu relocation%s in %zu .klp.rela section%s\n",
		       argv[optind], st.symbols, st.symbols == 1 ? "" : "s", st.relocations,
		       st.relocations == 1 ? "" : "s", st.sections, st.sections == 1 ? "" : "s");
	return EXIT_OK;
}

int cmd_klp(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(klp_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "diff") == 0)
		return cmd_klp_diff(argc - 1, argv + 1);
	if (strcmp(argv[1], "glue") == 0)
		return cmd_klp_glue(argc - 1, argv + 1);
	if (strcmp(argv[1], "postlink") == 0)
		return cmd_klp_postlink(argc - 1, argv + 1);
	cli_error("unknown klp command '%s' (see `tuxtape klp --help`)", argv[1]);
	return EXIT_USAGE;
}
