// SPDX-License-Identifier: GPL-2.0-or-later
/* Libraries loaded on first use: resolving, and saying what is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "../../../src/util/dlib.h"

/* A library description as the *_api.c files make them with TT_DLIB_DEFINE. */
static void lib_init(struct tt_dlib *lib, const char *soname, const char *package,
		     const char *const *names, void **const *slots, size_t n)
{
	*lib = (struct tt_dlib){.soname = soname,
				.package = package,
				.needed_for = "PostgreSQL stores",
				.names = names,
				.slots = slots,
				.n = n};
	pthread_mutex_init(&lib->mu, NULL);
}

/* libm is on every system tuxtape builds on: a real library to resolve from. */
struct math_functions {
	double (*cos)(double);
	double (*sqrt)(double);
};

static void test_a_library_resolves_each_function_once(void **state)
{
	(void)state;
	struct math_functions m = {0};
	static const char *const names[] = {"cos", "sqrt"};
	void **const slots[] = {(void **)&m.cos, (void **)&m.sqrt};
	struct tt_dlib lib;
	lib_init(&lib, "libm.so.6", "libc6", names, slots, 2);
	struct tt_error err = {0};
	assert_int_equal(tt_dlib_load(&lib, &err), 0);
	assert_non_null(m.sqrt);
	assert_true(m.sqrt(16.0) == 4.0);
	m.sqrt = NULL;
	/* Loaded once: a second call changes nothing. */
	assert_int_equal(tt_dlib_load(&lib, &err), 0);
	assert_null(m.sqrt);
}

static void test_a_missing_library_names_its_package(void **state)
{
	(void)state;
	static const char *const names[] = {"f"};
	void *f = NULL;
	void **const slots[] = {&f};
	struct tt_dlib lib;
	lib_init(&lib, "libtuxtape-no-such.so.9", "libnosuch9", names, slots, 1);
	struct tt_error err = {0};
	assert_int_equal(tt_dlib_load(&lib, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "cannot load libtuxtape-no-such.so.9"));
	assert_non_null(strstr(err.msg, "PostgreSQL stores"));
	assert_non_null(strstr(err.msg, "install the libnosuch9 package"));
	/* The failure is remembered, and reported again. */
	struct tt_error again = {0};
	assert_int_equal(tt_dlib_load(&lib, &again), -ENOENT);
	assert_string_equal(again.msg, err.msg);
	assert_null(f);
}

static void test_a_missing_function_says_the_library_is_too_old(void **state)
{
	(void)state;
	static const char *const names[] = {"cos", "tt_no_such_function"};
	void *a = NULL, *b = NULL;
	void **const slots[] = {&a, &b};
	struct tt_dlib lib;
	lib_init(&lib, "libm.so.6", "libc6", names, slots, 2);
	struct tt_error err = {0};
	assert_int_equal(tt_dlib_load(&lib, &err), -ENOSYS);
	assert_non_null(strstr(err.msg, "libm.so.6 has no function tt_no_such_function"));
	assert_non_null(strstr(err.msg, "upgrade the libc6 package"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a_library_resolves_each_function_once),
	    cmocka_unit_test(test_a_missing_library_names_its_package),
	    cmocka_unit_test(test_a_missing_function_says_the_library_is_too_old),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
