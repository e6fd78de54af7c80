// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Libraries only some commands use, loaded when first needed.
 *
 * libcurl, libmicrohttpd and libpq bring about twenty more shared objects
 * (GnuTLS, Kerberos, LDAP, nghttp2...) whose loading and constructors took
 * 6 ms of every start of the tuxtape program (an empty program linked like
 * tuxtape: 9.6 ms with them, 3.6 ms without; `tuxtape --version` went from
 * 11.2 to 4.5 ms), while most commands (cve sync, list, show, triage) never
 * call them. Each is reached through a table
 * of its functions that is filled once, on first use; the module using it
 * loads it at its entry point and reports a missing library as an error.
 *
 * The tables are process-wide, like the dynamic linker's own: written once,
 * under the library's lock, and only read after. The *_api.h headers redirect each
 * function name to its table entry, so callers keep libcurl's, libpq's and
 * libmicrohttpd's own names and prototypes (taken with __typeof__ from the
 * libraries' headers, so they cannot drift).
 */
#ifndef TUXTAPE_SRC_UTIL_DLIB_H
#define TUXTAPE_SRC_UTIL_DLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "tuxtape/error.h"

struct tt_dlib {
	const char *soname;	  /* "libcurl.so.4" */
	const char *package;	  /* the Debian package that ships it, for the error */
	const char *needed_for;	  /* "HTTP transfers", for the error */
	const char *const *names; /* its functions' names... */
	void **const *slots;	  /* ...and where each one's address goes */
	size_t n;
	pthread_mutex_t mu; /* PTHREAD_MUTEX_INITIALIZER */
	bool tried;
	int rc;
	char msg[512];
};

/* Load lib and resolve all its functions (once; later calls return the first result). */
int tt_dlib_load(struct tt_dlib *lib, struct tt_error *err);

/*
 * X-macro helpers: a table field typed after the library's own declaration,
 * its name, and its slot in the table the including .c names TT_DLIB_TABLE
 * (spelled with ##: the name must not be macro-expanded into its
 * redirection first).
 */
#define TT_DLIB_FIELD(fn) __typeof__(fn) *fn_##fn;
#define TT_DLIB_NAME(fn)  #fn,
#define TT_DLIB_SLOT(fn)  (void **)&TT_DLIB_TABLE.fn_##fn,

/*
 * The static struct tt_dlib `lib` for the functions of the X-macro `list`,
 * resolved into TT_DLIB_TABLE, from soname (shipped by Debian's package pkg,
 * needed for why).
 */
#define TT_DLIB_DEFINE(lib, list, soname_, pkg, why)                                               \
	static const char *const lib##_names[] = {list(TT_DLIB_NAME)};                             \
	static void **const lib##_slots[] = {list(TT_DLIB_SLOT)};                                  \
	static struct tt_dlib lib = {                                                              \
	    .soname = soname_,                                                                     \
	    .package = pkg,                                                                        \
	    .needed_for = why,                                                                     \
	    .names = lib##_names,                                                                  \
	    .slots = lib##_slots,                                                                  \
	    .n = sizeof(lib##_names) / sizeof(lib##_names[0]),                                     \
	    .mu = PTHREAD_MUTEX_INITIALIZER,                                                       \
	}

#endif
