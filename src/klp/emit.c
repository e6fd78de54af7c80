// SPDX-License-Identifier: GPL-2.0-or-later
/* Writing the livepatch object (work in progress: interface only). */
#include <errno.h>
#include <stdlib.h>

#include "klp_int.h"

void tt_klp_manifest_free(struct tt_klp_manifest *m)
{
	for (size_t i = 0; m && i < m->n; i++) {
		free(m->funcs[i].objname);
		free(m->funcs[i].old_name);
		free(m->funcs[i].new_symbol);
	}
	if (m) {
		free(m->funcs);
		m->funcs = NULL;
		m->n = 0;
	}
}

int tt_klp_emit(const struct tt_klp_diff *d, const struct tt_klp_emit_options *o,
		const char *out_path, struct tt_klp_manifest *m, struct tt_error *err)
{
	(void)d, (void)o, (void)m;
	return tt_error_set(err, -ENOSYS, "%s: emitting is not supported yet", out_path);
}

int tt_klp_glue_write(const struct tt_klp_manifest *m, const char *module_name, bool replace,
		      const char *out_c_path, struct tt_error *err)
{
	(void)m, (void)module_name, (void)replace;
	return tt_error_set(err, -ENOSYS, "%s: glue is not supported yet", out_c_path);
}

int tt_klp_postlink(const char *ko_path, struct tt_error *err)
{
	return tt_klp_postlink_stats(ko_path, NULL, err);
}

int tt_klp_postlink_stats(const char *ko_path, struct tt_klp_postlink_stats *stats,
			  struct tt_error *err)
{
	(void)stats;
	return tt_error_set(err, -ENOSYS, "%s: postlink is not supported yet", ko_path);
}

char *tt_klp_placeholder_name(const char *objname, const char *name, unsigned long sympos)
{
	return tt_xasprintf("__tt_klp_sym.%s.%s,%lu", objname, name, sympos);
}

bool tt_klp_placeholder_parse(const char *sym, char **objname, char **name, unsigned long *sympos)
{
	(void)sym, (void)objname, (void)name, (void)sympos;
	return false;
}
