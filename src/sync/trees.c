// SPDX-License-Identifier: GPL-2.0-or-later
/* Directories of one commit's tree, looked up once and kept. */
#include <string.h>

#include "sync_internal.h"

git_tree *tt_year_tree(struct tt_year_trees *yt, const char *path)
{
	for (size_t i = 0; i < yt->n; i++)
		if (strcmp(yt->v[i].path, path) == 0)
			return yt->v[i].tree;
	git_tree *tree = NULL;
	git_tree_entry *te;
	if (git_tree_entry_bypath(&te, yt->root, path) == 0) {
		git_tree_lookup(&tree, git_tree_owner(yt->root), git_tree_entry_id(te));
		git_tree_entry_free(te);
	}
	if (yt->n < sizeof(yt->v) / sizeof(yt->v[0])) {
		snprintf(yt->v[yt->n].path, sizeof(yt->v[yt->n].path), "%s", path);
		yt->v[yt->n++].tree = tree;
	}
	return tree;
}

void tt_year_trees_free(struct tt_year_trees *yt)
{
	for (size_t i = 0; i < yt->n; i++)
		git_tree_free(yt->v[i].tree);
	git_tree_free(yt->root);
}
