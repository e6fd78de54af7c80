// SPDX-License-Identifier: GPL-2.0-or-later
/* One CVE's files from a vulns.git directory, and listing such a directory. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cve_internal.h"

typedef void load_fn(const char *text, size_t len, const char *path, struct tt_cve_record *rec,
		     const struct tt_diag_sink *diag);

static void load_dyad(const char *text, size_t len, const char *path, struct tt_cve_record *rec,
		      const struct tt_diag_sink *diag)
{
	tt_dyad_parse(text, len, path, rec, diag);
}

static void load_sha1(const char *text, size_t len, const char *path, struct tt_cve_record *rec,
		      const struct tt_diag_sink *diag)
{
	tt_commit_list_parse(text, len, path, &rec->fix_commits, diag);
}

static void load_vulnerable(const char *text, size_t len, const char *path,
			    struct tt_cve_record *rec, const struct tt_diag_sink *diag)
{
	tt_commit_list_parse(text, len, path, &rec->vulnerable_commits, diag);
}

/* The CNA's corrected text replaces the generated description wholesale. */
static void load_message(const char *text, size_t len, const char *path, struct tt_cve_record *rec,
			 const struct tt_diag_sink *diag)
{
	tt_trim(&text, &len);
	if (len == 0) {
		tt_diag_warn(diag, path, 0, "empty .message ignored");
		return;
	}
	free(rec->description);
	rec->description = tt_xstrndup(text, len);
}

static void load_cvss(const char *text, size_t len, const char *path, struct tt_cve_record *rec,
		      const struct tt_diag_sink *diag)
{
	struct tt_error e = {0};
	/* A broken .cvss leaves the record's own metrics in place rather than failing the CVE. */
	if (tt_cvss_file_parse(text, len, path, rec, diag, &e) != 0)
		tt_diag_warn(diag, path, 0, "%s; CVSS file ignored", e.msg);
}

static void load_reference(const char *text, size_t len, const char *path,
			   struct tt_cve_record *rec, const struct tt_diag_sink *diag)
{
	size_t pos = 0;
	for (struct tt_line l = {0}; tt_next_line(text, len, &pos, &l);) {
		tt_trim(&l.s, &l.len);
		if (l.len == 0)
			continue;
		if (!memmem(l.s, l.len, "://", 3)) {
			tt_diag_warn(diag, path, l.no, "not a URL, skipped: %.*s",
				     (int)(l.len > 80 ? 80 : l.len), l.s);
			continue;
		}
		char *url = tt_xstrndup(l.s, l.len);
		/* The CNA's tools also copy these into the JSON record; keep one of each. */
		if (tt_strv_contains(&rec->references, url))
			free(url);
		else
			tt_strv_push_owned(&rec->references, url);
	}
}

static const struct optional_file {
	unsigned bit;
	const char *ext;
	load_fn *load;
} optional_files[] = {
    {TT_CVE_HAS_DYAD, ".dyad", load_dyad},
    {TT_CVE_HAS_SHA1, ".sha1", load_sha1},
    {TT_CVE_HAS_VULNERABLE, ".vulnerable", load_vulnerable},
    {TT_CVE_HAS_MESSAGE, ".message", load_message},
    {TT_CVE_HAS_CVSS, ".cvss", load_cvss},
    {TT_CVE_HAS_REFERENCE, ".reference", load_reference},
};
#define N_OPTIONAL (sizeof(optional_files) / sizeof(optional_files[0]))

/*
 * name holds "ID.json" and path "WHERE/ID.json" (for messages), each with
 * its extension at name_ext and path_ext: rewritten in turn for each optional
 * file, not formatted again (~38,000 snprintf calls in a full ingest).
 */
static void load_optional(const struct tt_cve_file_source *src, char *name, size_t name_ext,
			  char *path, size_t path_ext, unsigned want, struct tt_cve_record *rec,
			  const struct tt_diag_sink *diag)
{
	for (size_t i = 0; i < N_OPTIONAL; i++) {
		const struct optional_file *f = &optional_files[i];
		if (!(want & f->bit))
			continue;
		strcpy(name + name_ext, f->ext);
		const char *text;
		size_t len;
		int r = src->read(src->ctx, name, &text, &len);
		if (r == -ENOENT)
			continue;
		if (path_ext + strlen(f->ext) < PATH_MAX)
			strcpy(path + path_ext, f->ext);
		if (r)
			tt_diag_warn(diag, path, 0, "cannot read: %s", strerror(-r));
		else
			f->load(text, len, path, rec, diag);
	}
}

static void check_json_agrees(const char *id, const char *path, enum tt_cve_state state,
			      struct tt_cve_record *rec, const struct tt_diag_sink *diag)
{
	if (strcmp(rec->id, id) != 0) {
		tt_diag_warn(diag, path, 0, "record says %s; using the file name's id", rec->id);
		snprintf(rec->id, sizeof(rec->id), "%s", id);
	}
	/* rejected/ keeps the JSON as it was published, so only the opposite is odd. */
	if (state == TT_CVE_PUBLISHED && rec->state == TT_CVE_REJECTED)
		tt_diag_warn(diag, path, 0, "state REJECTED in the published directory");
	rec->state = state;
}

int tt_cve_load_from(struct tt_cve_parser *p, const struct tt_cve_file_source *src, const char *id,
		     unsigned files, enum tt_cve_state state, struct tt_cve_record *rec,
		     const struct tt_diag_sink *diag, struct tt_error *err)
{
	if (!tt_cve_id_valid(id))
		return tt_error_set(err, -EINVAL, "\"%s\" is not a CVE id", id ? id : "(null)");
	/* A valid id leaves room for the longest extension, ".vulnerable". */
	char name[TT_CVE_ID_MAX + 16];
	size_t base = strlen(id);
	memcpy(name, id, base);
	strcpy(name + base, ".json");
	const char *text;
	size_t len;
	int r = src->read(src->ctx, name, &text, &len);
	if (r)
		return tt_error_set(err, r, "cannot read %s/%s: %s", src->where, name,
				    strerror(-r));
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%s", src->where, name);
	/* Where the extension starts; a path cut short by PATH_MAX keeps its cut. */
	size_t path_ext = n > 0 && (size_t)n < sizeof(path) ? (size_t)n - 5 : sizeof(path);
	r = tt_cve_parse_json(p, text, len, path, rec, diag, err);
	if (r)
		return r;
	check_json_agrees(id, path, state, rec, diag);
	load_optional(src, name, base, path, path_ext, files, rec, diag);
	return 0;
}

static int read_in_dir(void *ctx, const char *name, const char **text, size_t *len)
{
	return tt_cve_files_read(ctx, name, text, len);
}

int tt_cve_load_dir_files(struct tt_cve_parser *p, const char *dir, const char *id, unsigned files,
			  enum tt_cve_state state, struct tt_cve_record *rec,
			  const struct tt_diag_sink *diag, struct tt_error *err)
{
	struct tt_cve_files *f = tt_cve_parser_files(p);
	int r = tt_cve_files_chdir(f, dir);
	if (r)
		return tt_error_set(err, r, "cannot read %s/%s.json: %s", dir, id ? id : "",
				    strerror(-r));
	struct tt_cve_file_source src = {.read = read_in_dir, .ctx = f, .where = dir};
	return tt_cve_load_from(p, &src, id, files, state, rec, diag, err);
}

int tt_cve_load_dir(struct tt_cve_parser *p, const char *dir, const char *id,
		    enum tt_cve_state state, struct tt_cve_record *rec,
		    const struct tt_diag_sink *diag, struct tt_error *err)
{
	return tt_cve_load_dir_files(p, dir, id, TT_CVE_HAS_ALL, state, rec, diag, err);
}
