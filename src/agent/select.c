// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which targets this host may load. The server says what it wants loaded;
 * the signed targets metadata says what each module is for. A module is
 * loaded only when both agree with the running kernel: a module built for
 * another kernel can crash this one.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "tuxtape/agent.h"

static const char *custom_string(const json_t *custom, const char *key)
{
	const json_t *v = json_object_get(custom, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int tt_agent_select(const struct tt_agent_kernel *k, const struct tt_agent_wanted *w,
		    const json_t *custom, const char *sha256, struct tt_error *err)
{
	if (!json_is_object(custom))
		return tt_error_set(
		    err, -EINVAL, "%s: the signed metadata says nothing of its kernel", w->target);
	const char *release = custom_string(custom, "kernel_release");
	if (!release || strcmp(release, k->release) != 0)
		return tt_error_set(err, -EINVAL, "%s: built for kernel %s, this host runs %s",
				    w->target, release ? release : "(none given)", k->release);
	const char *build_id = custom_string(custom, "build_id");
	if (build_id && *build_id) {
		if (!*k->build_id)
			return tt_error_set(err, -EINVAL,
					    "%s: built for build id %s, and this kernel's "
					    "cannot be read (/sys/kernel/notes)",
					    w->target, build_id);
		if (strcasecmp(build_id, k->build_id) != 0)
			return tt_error_set(err, -EINVAL,
					    "%s: built for build id %s, this kernel's is %s",
					    w->target, build_id, k->build_id);
	}
	if (w->sha256 && *w->sha256 && (!sha256 || strcasecmp(w->sha256, sha256) != 0))
		return tt_error_set(err, -EINVAL,
				    "%s: the server released sha256 %s, the signed archive "
				    "holds %s",
				    w->target, w->sha256, sha256 ? sha256 : "(none)");
	return 0;
}
