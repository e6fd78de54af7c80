// SPDX-License-Identifier: GPL-2.0-or-later
/* The target kernel's symbol table (work in progress: interface only). */
#include <errno.h>

#include "klp_int.h"

int tt_klp_symtab_load(const char *path, struct tt_klp_symtab **out, struct tt_error *err)
{
	*out = NULL;
	return tt_error_set(err, -ENOSYS, "%s: symbol tables are not supported yet", path);
}

int tt_klp_symtab_load_symvers(struct tt_klp_symtab *s, const char *path, struct tt_error *err)
{
	(void)s;
	return tt_error_set(err, -ENOSYS, "%s: Module.symvers is not supported yet", path);
}

void tt_klp_symtab_free(struct tt_klp_symtab *s)
{
	(void)s;
}

bool tt_klp_symtab_exported(const struct tt_klp_symtab *s, const char *name, const char **module)
{
	(void)s, (void)name, (void)module;
	return false;
}

int tt_klp_symtab_sympos(const struct tt_klp_symtab *s, const char *objname, const char *name,
			 const char *source_file, const char *const *neighbours, size_t nneighbours,
			 unsigned long *sympos, struct tt_error *err)
{
	(void)s, (void)objname, (void)source_file, (void)neighbours, (void)nneighbours;
	*sympos = 0;
	return tt_error_set(err, -ENOSYS, "%s: sympos is not supported yet", name);
}
