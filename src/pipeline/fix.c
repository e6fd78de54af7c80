// SPDX-License-Identifier: GPL-2.0-or-later
/* Which commit fixes a CVE on a stable branch, from its dyad pairs. */
#include <errno.h>
#include <string.h>

#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

/* Every branch with a fix, "5.15, 6.1, 6.6", for messages; caller frees. */
static char *fixed_branches(const struct tt_cve_record *rec)
{
	struct tt_strv branches = TT_STRV_INIT;
	for (size_t i = 0; i < rec->n_dyads; i++) {
		char b[32];
		if (!rec->dyads[i].fix_commit)
			continue;
		tt_dyad_branch(&rec->dyads[i], b, sizeof(b));
		if (b[0])
			tt_strv_push(&branches, b);
	}
	tt_strv_sort_unique(&branches);
	struct tt_buf out = TT_BUF_INIT;
	for (size_t i = 0; i < branches.n; i++)
		tt_buf_addf(&out, "%s%s", i ? ", " : "", branches.v[i]);
	tt_strv_free(&branches);
	return tt_buf_detach(&out);
}

static int mainline_fix(const struct tt_cve_record *rec, char **commit, char **branch_out,
			struct tt_error *err)
{
	if (rec->fix_commits.n == 0)
		return tt_error_set(err, -ENOENT,
				    "%s names no mainline fix commit; choose a stable branch with "
				    "--branch",
				    rec->id);
	*commit = tt_xstrdup(rec->fix_commits.v[0]);
	*branch_out = tt_xstrdup("mainline");
	return 0;
}

int tt_pipeline_fix_commit(const struct tt_cve_record *rec, const char *branch, char **commit,
			   char **branch_out, struct tt_error *err)
{
	*commit = *branch_out = NULL;
	if (!branch || strcmp(branch, "mainline") == 0)
		return mainline_fix(rec, commit, branch_out, err);
	bool unfixed_pair = false;
	for (size_t i = 0; i < rec->n_dyads; i++) {
		char b[32];
		tt_dyad_branch(&rec->dyads[i], b, sizeof(b));
		if (strcmp(b, branch) != 0)
			continue;
		if (!rec->dyads[i].fix_commit) {
			unfixed_pair = true;
			continue;
		}
		*commit = tt_xstrdup(rec->dyads[i].fix_commit);
		*branch_out = tt_xstrdup(branch);
		return 0;
	}
	_cleanup_free_ char *fixed = fixed_branches(rec);
	if (unfixed_pair)
		return tt_error_set(err, -ENOENT,
				    "%s is not fixed on the %s branch (its dyad says never fixed "
				    "there)%s%s",
				    rec->id, branch, fixed[0] ? "; fixed on: " : "", fixed);
	return tt_error_set(err, -ENOENT, "%s has no fix on the %s branch; %s%s", rec->id, branch,
			    fixed[0] ? "branches with a fix: " : "no stable branch has a fix",
			    fixed);
}
