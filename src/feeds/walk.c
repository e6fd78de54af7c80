// SPDX-License-Identifier: GPL-2.0-or-later
/* Walking a vulnrichment checkout (YYYY/NNxxx/CVE-*.json) record by record. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "feeds-internal.h"
#include "vulnrichment.h"

struct walk {
	tt_vulnrichment_cb cb;
	void *ctx;
	const struct tt_diag_sink *diag;
	struct tt_vulnrichment_stats *st;
	struct tt_error *err;
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Warn about a skipped file; the sink gets the path, so drop it from the message. */
static void warn_skip(struct walk *w, const char *path, const struct tt_error *ferr)
{
	const char *msg = ferr->msg;
	size_t n = strlen(path);
	if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		msg += n + 2;
	tt_diag_warn(w->diag, path, 0, "%s; skipped", msg);
	w->st->n_skipped++;
}

/* Parse one file's text and call back; a bad file is a warning, only the callback aborts. */
static int walk_record(struct walk *w, const char *path, const char *text, size_t len)
{
	struct tt_error ferr = {0};
	json_t *root;
	if (tt_feeds_json_load(text, len, path, "vulnrichment record", &root, &ferr) != 0) {
		warn_skip(w, path, &ferr);
		return 0;
	}
	struct tt_vr_ctx c = {.file = path, .diag = w->diag};
	struct tt_feeds_strs cwes = {0};
	struct tt_vulnrichment_entry e;
	int rc = tt_vr_record(root, &c, &e, &cwes, &ferr);
	if (rc) {
		warn_skip(w, path, &ferr);
		rc = 0;
	} else {
		w->st->n_entries++;
		w->st->n_with_ssvc += e.has_ssvc;
		w->st->n_with_cvss += e.has_cvss;
		rc = tt_feeds_cb_result(w->cb ? w->cb(w->ctx, &e) : 0, e.cve_id, w->err);
	}
	tt_feeds_strs_free(&cwes);
	json_decref(root);
	return rc;
}

static int walk_file(struct walk *w, const char *path)
{
	struct tt_error ferr = {0};
	char *text;
	size_t len;
	w->st->n_files++;
	if (tt_read_file(path, &text, &len, &ferr) != 0) {
		warn_skip(w, path, &ferr);
		return 0;
	}
	int rc = walk_record(w, path, text, len);
	free(text);
	return rc;
}

static int walk_dir(struct walk *w, const char *dir, bool top);

/* Symlinked files are read; symlinked directories are not entered, so no loops. */
static int walk_entry(struct walk *w, const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0; /* vanished since readdir */
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, path, false);
	if (S_ISLNK(st.st_mode) && stat(path, &st) != 0)
		return 0;
	if (S_ISREG(st.st_mode) && ends_with(path, ".json"))
		return walk_file(w, path);
	return 0;
}

static int list_dir(const char *dir, struct tt_strv *names)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *de;
	/* Dot entries include .git and .github in an upstream checkout: never records. */
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			tt_strv_push(names, de->d_name);
	closedir(d);
	/* Sorted, so runs and their warnings are reproducible. */
	tt_strv_sort_unique(names);
	return 0;
}

static int walk_dir(struct walk *w, const char *dir, bool top)
{
	struct tt_strv names = TT_STRV_INIT;
	int rc = list_dir(dir, &names);
	if (rc) {
		if (top)
			return tt_error_set(w->err, rc, "cannot read directory %s: %s", dir,
					    strerror(-rc));
		tt_diag_warn(w->diag, dir, 0, "cannot read directory: %s; skipped", strerror(-rc));
		return 0;
	}
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		char *path =
		    tt_xasprintf("%s%s%s", dir, ends_with(dir, "/") ? "" : "/", names.v[i]);
		rc = walk_entry(w, path);
		free(path);
	}
	tt_strv_free(&names);
	return rc;
}

int tt_feed_walk_vulnrichment(const char *dir, struct tt_vulnrichment_stats *stats,
			      tt_vulnrichment_cb cb, void *ctx, const struct tt_diag_sink *diag,
			      struct tt_error *err)
{
	struct tt_vulnrichment_stats local;
	if (!stats)
		stats = &local;
	*stats = (struct tt_vulnrichment_stats){0};
	struct stat st;
	if (stat(dir, &st) != 0)
		return tt_error_set(err, -errno, "cannot read %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return tt_error_set(err, -ENOTDIR, "%s is not a directory", dir);
	struct walk w = {cb, ctx, diag, stats, err};
	int rc = walk_dir(&w, dir, true);
	return rc < 0 ? rc : 0;
}
