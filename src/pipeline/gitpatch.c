// SPDX-License-Identifier: GPL-2.0-or-later
/* A commit of a local kernel clone as a patch mail (git format-patch's layout), with libgit2. */
#include <errno.h>
#include <git2.h>
#include <git2/email.h>
#include <string.h>

#include "tuxtape/pipeline.h"
#include "tuxtape/util.h"

static const char *git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

static int open_repo(const char *path, git_repository **repo, struct tt_error *err)
{
	if (git_repository_open_ext(repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return tt_error_set(err, -ENOENT,
				    "%s is not a git repository (give --linux-git a clone of the "
				    "stable tree): %s",
				    path, git_message());
	return 0;
}

static int lookup_commit(git_repository *repo, const char *path, const char *id, git_commit **out,
			 struct tt_error *err)
{
	size_t len = strlen(id);
	git_oid oid;
	if (len < 4 || len > GIT_OID_HEXSZ || git_oid_fromstrn(&oid, id, len) < 0)
		return tt_error_set(err, -EINVAL, "'%s' is not a commit id", id);
	int g = git_commit_lookup_prefix(out, repo, &oid, len);
	if (g == GIT_ENOTFOUND)
		return tt_error_set(err, -ENOENT,
				    "commit %s is not in %s: fetch the stable tree there first "
				    "(git -C %s fetch --tags origin)",
				    id, path, path);
	if (g == GIT_EAMBIGUOUS)
		return tt_error_set(err, -EINVAL, "commit id %s is ambiguous in %s", id, path);
	if (g < 0)
		return tt_error_set(err, -EIO, "reading commit %s in %s: %s", id, path,
				    git_message());
	return 0;
}

static void fill_identity(git_commit *c, struct tt_raw_patch *out)
{
	const git_signature *a = git_commit_author(c);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
	out->commit_id = tt_xstrdup(hex);
	out->author = tt_xasprintf("%s <%s>", a->name ? a->name : "", a->email ? a->email : "");
	out->authored_at = (int64_t)a->when.time;
	const char *summary = git_commit_summary(c);
	out->subject = tt_xstrdup(summary ? summary : "");
}

/* libgit2's own defaults (its initializer macro leaves fields implicit, which -Wextra flags). */
static git_email_create_options email_options(void)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
	git_email_create_options opts = GIT_EMAIL_CREATE_OPTIONS_INIT;
#pragma GCC diagnostic pop
	return opts;
}

static int format_commit(git_commit *c, const char *id, struct tt_raw_patch *out,
			 struct tt_error *err)
{
	if (git_commit_parentcount(c) > 1)
		return tt_error_set(
		    err, -EINVAL, "commit %s is a merge; a fix is the commit the merge brought in",
		    id);
	git_email_create_options opts = email_options();
	git_buf mail = {0};
	if (git_email_create_from_commit(&mail, c, &opts) < 0)
		return tt_error_set(err, -EIO, "formatting commit %s as a patch: %s", id,
				    git_message());
	fill_identity(c, out);
	out->text = tt_xstrndup(mail.ptr, mail.size);
	git_buf_dispose(&mail);
	return 0;
}

int tt_git_format_patch(const char *repo_path, const char *commit, struct tt_raw_patch *out,
			struct tt_error *err)
{
	git_libgit2_init();
	git_repository *repo = NULL;
	git_commit *c = NULL;
	int r = open_repo(repo_path, &repo, err);
	if (r == 0)
		r = lookup_commit(repo, repo_path, commit, &c, err);
	if (r == 0)
		r = format_commit(c, commit, out, err);
	git_commit_free(c);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return r;
}
