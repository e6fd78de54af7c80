// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tuxtape-cdo: create-diff-object's command line over tuxtape's diff
 * engine, so kpatch-build and the tools around it can use it unchanged.
 * Argument parsing and reporting only; the work is in src/klp/cdo*.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tuxtape/cdo.h"

static const char usage_text[] =
    "Usage: tuxtape-cdo [--debug] [--klp-arch] ORIG.o PATCHED.o PARENT SYMTAB SYMVERS\n"
    "                   PATCHNAME OUTPUT.o\n"
    "\n"
    "Compare two builds of one kernel object and write the livepatch object\n"
    "kpatch-build expects: the changed and new functions with what they need,\n"
    "and kpatch's .kpatch.funcs, .kpatch.relocations, .kpatch.symbols and\n"
    ".kpatch.strings sections.\n"
    "\n"
    "  PARENT     vmlinux, or the name of the module the object is linked into\n"
    "  SYMTAB     the output of `readelf -s --wide` on PARENT\n"
    "  SYMVERS    the kernel's Module.symvers\n"
    "  PATCHNAME  the livepatch module's name\n"
    "\n"
    "Options:\n"
    "  -d, --debug     accepted for kpatch-build (changes are always listed, on stdout)\n"
    "  -a, --klp-arch  write .kpatch.arch for kernels before 5.8\n"
    "\n"
    "Environment: BUG_STRUCT_SIZE, EX_STRUCT_SIZE, JUMP_STRUCT_SIZE, ALT_STRUCT_SIZE,\n"
    "PARA_STRUCT_SIZE, STATIC_CALL_STRUCT_SIZE, PRINTK_INDEX_STRUCT_SIZE: the entry\n"
    "sizes of those tables in the target kernel (checked against the objects).\n"
    "\n"
    "Exit status: 0 written, 1 error, 2 unreconcilable difference, 3 no change.\n";

static char *environment(const char *name)
{
	return getenv(name);
}

static void report(const struct tt_cdo_args *a, const struct tt_cdo_result *res, int status,
		   const struct tt_error *err)
{
	const char *obj = strrchr(a->orig, '/') ? strrchr(a->orig, '/') + 1 : a->orig;
	for (size_t i = 0; i < res->changes.n; i++)
		printf("%s: %s\n", obj, res->changes.v[i]);
	for (size_t i = 0; i < res->refusals.n; i++)
		fprintf(stderr, "tuxtape-cdo: %s\n", res->refusals.v[i]);
	if (status == TT_CDO_ERROR || (status == TT_CDO_DIFF_FATAL && !res->refusals.n))
		fprintf(stderr, "tuxtape-cdo: %s\n", err->msg);
	else if (status == TT_CDO_DIFF_FATAL)
		fprintf(stderr, "tuxtape-cdo: %s: unreconcilable difference\n", obj);
	else if (status == TT_CDO_NO_CHANGE)
		fprintf(stderr, "tuxtape-cdo: %s: no changed functions\n", obj);
	else
		printf("%s: %zu function(s), %zu klp relocation(s) written to %s\n", obj,
		       res->funcs, res->relocations, a->output);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"debug", no_argument, NULL, 'd'},
					     {"klp-arch", no_argument, NULL, 'a'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct tt_cdo_args a = {.getenv = environment};
	for (int c; (c = getopt_long(argc, argv, "dah", opts, NULL)) != -1;) {
		if (c == 'd') {
			continue; /* kpatch-build's CDO_FLAGS: the changes are always listed */
		} else if (c == 'a') {
			a.klp_arch = true;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else {
			fputs(usage_text, stderr);
			return TT_CDO_ERROR;
		}
	}
	if (argc - optind != 7) {
		fputs(usage_text, stderr);
		return TT_CDO_ERROR;
	}
	char **p = argv + optind;
	a.orig = p[0], a.patched = p[1], a.parent = p[2], a.symtab = p[3], a.symvers = p[4];
	a.patch_name = p[5], a.output = p[6];
	struct tt_cdo_result res = {0};
	struct tt_error err = {0};
	int status = tt_cdo_run(&a, &res, &err);
	report(&a, &res, status, &err);
	tt_cdo_result_free(&res);
	return status;
}
