/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test helpers: compile a fixture pair from tests/fixtures/klp with this
 * machine's gcc and the flags a Debian x86_64 kernel build uses for code
 * generation, so the tests see what GCC really emits (clones, .cold parts,
 * __fentry__ calls), not hand-made objects.
 */
#ifndef TT_KLP_TEST_H
#define TT_KLP_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tuxtape/klp.h"
#include "tuxtape/util.h"

/* -mcmodel=kernel and -mfentry as Kbuild passes them; -c keeps the object relocatable. */
#define KLP_KERNEL_FLAGS                                                                           \
	"-O2 -fno-pic -mcmodel=kernel -mno-red-zone -pg -mfentry -mrecord-mcount "                 \
	"-fno-asynchronous-unwind-tables -fno-stack-protector"
#define KLP_SECTION_FLAGS "-ffunction-sections -fdata-sections"

static inline bool klp_have_gcc(void)
{
	return system("gcc --version >/dev/null 2>&1") == 0;
}

/* A private directory for one test program's objects; removed by klp_tmp_cleanup. */
static inline char *klp_tmpdir(void)
{
	static char dir[256];
	if (!dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/tt-klp-XXXXXX", t ? t : "/tmp");
		assert_non_null(mkdtemp(dir));
	}
	return dir;
}

static inline void klp_tmp_cleanup(void)
{
	char *cmd = tt_xasprintf("rm -rf '%s'", klp_tmpdir());
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/*
 * Compile fixture NAME.VARIANT.c as VARIANT/NAME.c, from inside VARIANT/, so
 * __FILE__ is "NAME.c" in both builds as it is in a kernel tree. Returns the
 * object's path (caller frees).
 */
static inline char *klp_compile(const char *name, const char *variant, const char *flags)
{
	const char *fx = getenv("TT_FIXTURES");
	assert_non_null(fx);
	char *dir = tt_xasprintf("%s/%s", klp_tmpdir(), variant);
	char *cmd = tt_xasprintf("mkdir -p '%s' && cp '%s/klp/%s.%s.c' '%s/%s.c' && cd '%s' && "
				 "gcc %s -c %s.c -o %s.o",
				 dir, fx, name, variant, dir, name, dir, flags, name, name);
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("compiling fixture failed: %s", cmd);
	free(cmd);
	char *obj = tt_xasprintf("%s/%s.o", dir, name);
	free(dir);
	return obj;
}

static inline struct tt_elf *klp_open(const char *path)
{
	struct tt_elf *e = NULL;
	struct tt_error err = {0};
	if (tt_elf_open(path, &e, &err) != 0)
		fail_msg("%s", err.msg);
	return e;
}

/* The diff of a fixture pair, with the objects it borrows from. */
struct klp_case {
	struct tt_elf *a, *b;
	struct tt_klp_diff *d;
};

static inline void klp_case_run(struct klp_case *c, const char *name, const char *flags)
{
	char *pa = klp_compile(name, "orig", flags), *pb = klp_compile(name, "patched", flags);
	struct tt_error err = {0};
	c->a = klp_open(pa);
	c->b = klp_open(pb);
	assert_int_equal(tt_klp_diff(c->a, c->b, &c->d, &err), 0);
	free(pa);
	free(pb);
}

static inline void klp_case_free(struct klp_case *c)
{
	tt_klp_diff_free(c->d);
	tt_elf_close(c->a);
	tt_elf_close(c->b);
}

static inline enum tt_klp_status klp_status(const struct klp_case *c, const char *fn)
{
	const struct tt_klp_func *f = tt_klp_diff_func(c->d, fn);
	if (!f)
		fail_msg("no function %s in the diff", fn);
	return f->status;
}

#define assert_status(c, fn, st)                                                                   \
	do {                                                                                       \
		const struct tt_klp_func *f_ = tt_klp_diff_func((c)->d, (fn));                     \
		if (!f_)                                                                           \
			fail_msg("no function %s in the diff", (fn));                              \
		if (f_->status != (st))                                                            \
			fail_msg("%s: %s (%s), expected %s", (fn), tt_klp_status_name(f_->status), \
				 f_->reason, tt_klp_status_name(st));                              \
	} while (0)

#endif
