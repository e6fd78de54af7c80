// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading a library on first use (see dlib.h for why). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "dlib.h"

static void load(struct tt_dlib *lib)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(lib->msg, sizeof(lib->msg),
			 "cannot load %s, needed for %s: %s (install the %s package)", lib->soname,
			 lib->needed_for, dlerror(), lib->package);
		lib->rc = -ENOENT;
		return;
	}
	for (size_t i = 0; i < lib->n; i++) {
		void *fn = dlsym(h, lib->names[i]);
		if (!fn) {
			snprintf(lib->msg, sizeof(lib->msg),
				 "%s has no function %s: a version older than tuxtape was built "
				 "with (upgrade the %s package)",
				 lib->soname, lib->names[i], lib->package);
			lib->rc = -ENOSYS;
			return; /* callers check the result: no slot is used */
		}
		*lib->slots[i] = fn;
	}
	/* Never closed: the functions stay in use until the process ends. */
	lib->rc = 0;
}

int tt_dlib_load(struct tt_dlib *lib, struct tt_error *err)
{
	pthread_mutex_lock(&lib->mu);
	if (!lib->tried)
		load(lib);
	lib->tried = true;
	pthread_mutex_unlock(&lib->mu);
	if (lib->rc < 0)
		return tt_error_set(err, lib->rc, "%s", lib->msg);
	return 0;
}
