// SPDX-License-Identifier: GPL-2.0-or-later
/* Writing CNA records: one CVE is one row in cve plus its child rows. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "tuxtape/util.h"

static const enum tt_stmt_id child_deletes[] = {
    ST_FILE_DELETE,
    ST_DYAD_DELETE,
    ST_BLOCK_DELETE,
    ST_CVE_DELETE,
};

static const char *state_name(enum tt_cve_state st)
{
	return st == TT_CVE_REJECTED ? "rejected" : "published";
}

int tt_store_cve_state(struct tt_store *s, const char *id, bool *exists, enum tt_cve_state *state,
		       struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_CVE_STATE, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, id);
	r = tt_db_step(s->db, st, err);
	*exists = r == TT_DB_ROW;
	if (r == TT_DB_ROW) {
		const char *v = tt_db_text(s->db, st, 0);
		*state = v && strcmp(v, "rejected") == 0 ? TT_CVE_REJECTED : TT_CVE_PUBLISHED;
		r = 0;
	}
	tt_db_reset(s->db, st);
	return r;
}

int tt_store_cve_delete(struct tt_store *s, const char *id, struct tt_error *err)
{
	for (size_t i = 0; i < sizeof(child_deletes) / sizeof(child_deletes[0]); i++) {
		struct tt_db_stmt *st;
		int r = tt_store_stmt(s, child_deletes[i], &st, err);
		if (r < 0)
			return r;
		tt_db_bind_text(s->db, st, 1, id);
		r = tt_db_run(s->db, st, err);
		if (r < 0)
			return tt_error_prefix(err, "%s: ", id);
	}
	return 0;
}

int tt_store_cve_delete_all(struct tt_store *s, struct tt_error *err)
{
	return tt_db_exec(s->db,
			  "DELETE FROM cve_file; DELETE FROM cve_dyad;"
			  "DELETE FROM cve_affected_block; DELETE FROM cve;",
			  err);
}

static void join_strv(struct tt_buf *b, const struct tt_strv *sv, char sep)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			tt_buf_addc(b, sep);
		tt_buf_adds(b, sv->v[i]);
	}
}

/* Distinct fix versions in dyad order: what `cve list` shows without a join. */
static void join_fix_versions(struct tt_buf *b, const struct tt_cve_record *rec)
{
	struct tt_strv seen = TT_STRV_INIT;
	for (size_t i = 0; i < rec->n_dyads; i++) {
		const char *v = rec->dyads[i].fix_version;
		if (!v || tt_strv_contains(&seen, v))
			continue;
		tt_strv_push(&seen, v);
	}
	join_strv(b, &seen, ',');
	tt_strv_free(&seen);
}

/* The inline list columns of the cve row, in bind order 15..19. */
enum { LIST_FILES, LIST_FIXED, LIST_FIX_COMMITS, LIST_VULN_COMMITS, LIST_REFS, N_LISTS };

struct tt_cve_encoded {
	int year;
	long num;
	struct tt_buf lists[N_LISTS];
	char (*branches)[32]; /* one per dyad */
	size_t n_blocks;
	/* Lengths of the large texts, measured here so the writer need not. */
	size_t len_title, len_description, len_rationale;
	/* SHA-256 of what each part stores, hex; see digest_*() */
	char digest_row[65], digest_dyads[65], digest_blocks[65];
	struct tt_buf *block_files;    /* one per affected block */
	struct tt_buf *block_versions; /* one per affected block: JSON */
};

/* A JSON string literal; the values are short ASCII, but any byte must survive. */
static void json_quote(struct tt_buf *b, const char *s)
{
	tt_buf_addc(b, '"');
	for (;;) {
		size_t run = 0;
		while (s[run] && s[run] != '"' && s[run] != '\\' && (unsigned char)s[run] >= 0x20)
			run++;
		tt_buf_add(b, s, run);
		s += run;
		if (!*s)
			break;
		if (*s == '"' || *s == '\\')
			tt_buf_addf(b, "\\%c", *s);
		else
			tt_buf_addf(b, "\\u%04x", (unsigned char)*s);
		s++;
	}
	tt_buf_addc(b, '"');
}

static void json_member(struct tt_buf *b, bool *first, const char *key, const char *value)
{
	if (!value)
		return;
	tt_buf_adds(b, *first ? "{" : ",");
	*first = false;
	json_quote(b, key);
	tt_buf_addc(b, ':');
	json_quote(b, value);
}

/* versions[] as JSON with the record's own keys, absent fields left out. */
static void versions_json(struct tt_buf *b, const struct tt_affected *a)
{
	tt_buf_addc(b, '[');
	for (size_t i = 0; i < a->n_versions; i++) {
		const struct tt_affected_version *v = &a->versions[i];
		bool first = true;
		if (i)
			tt_buf_addc(b, ',');
		json_member(b, &first, "version", v->version);
		json_member(b, &first, "lessThan", v->less_than);
		json_member(b, &first, "lessThanOrEqual", v->less_than_or_equal);
		json_member(b, &first, "status", v->status);
		json_member(b, &first, "versionType", v->version_type);
		tt_buf_adds(b, first ? "{}" : "}");
	}
	tt_buf_addc(b, ']');
}

/*
 * Digests of the stored form, not of the input files: an update that only
 * touches fields tuxtape does not keep (the CNA regenerates records often)
 * then changes no digest and costs no write. Fields are separated by 0x1f
 * and a NULL is 0x1e, so "a"+"bc" and "ab"+"c" differ, as do NULL and "".
 */
static void digest_strn(EVP_MD_CTX *md, const char *v, size_t len)
{
	static const unsigned char sep = 0x1f, null = 0x1e;
	if (v)
		EVP_DigestUpdate(md, v, len);
	else
		EVP_DigestUpdate(md, &null, 1);
	EVP_DigestUpdate(md, &sep, 1);
}

static void digest_str(EVP_MD_CTX *md, const char *v)
{
	digest_strn(md, v, v ? strlen(v) : 0);
}

static void digest_buf(EVP_MD_CTX *md, const struct tt_buf *b)
{
	digest_strn(md, tt_buf_str(b), b->len);
}

static void digest_end(EVP_MD_CTX *md, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_DigestFinal_ex(md, d, &n);
	for (unsigned int i = 0; i < n && i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * (n < 32 ? n : 32)] = '\0';
}

static void digest_row(EVP_MD_CTX *md, const struct tt_cve_record *rec,
		       const struct tt_cve_encoded *e, char out[65])
{
	char num[64];
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	const char *strs[] = {rec->id, state_name(rec->state), rec->title, rec->rejected_reason};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		digest_str(md, strs[i]);
	digest_strn(md, rec->description, e->len_description);
	snprintf(num, sizeof(num), "%lld %lld", (long long)rec->date_reserved,
		 (long long)rec->date_updated);
	digest_str(md, num);
	if (rec->has_cvss) {
		snprintf(num, sizeof(num), "%.17g", rec->cvss.base_score);
		const char *cvss[] = {rec->cvss.vector, num, rec->cvss.severity, rec->cvss.source};
		for (size_t i = 0; i < sizeof(cvss) / sizeof(cvss[0]); i++)
			digest_str(md, cvss[i]);
		digest_strn(md, rec->cvss.rationale, e->len_rationale);
	}
	for (int i = 0; i < N_LISTS; i++)
		digest_buf(md, &e->lists[i]);
	digest_end(md, out);
}

static void digest_dyads(EVP_MD_CTX *md, const struct tt_cve_record *rec,
			 const struct tt_cve_encoded *e, char out[65])
{
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (size_t i = 0; i < rec->n_dyads; i++) {
		const struct tt_dyad *d = &rec->dyads[i];
		const char *f[] = {e->branches[i], d->vuln_version, d->vuln_commit, d->fix_version,
				   d->fix_commit};
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			digest_str(md, f[k]);
	}
	digest_end(md, out);
}

/* The blocks and the program files (their union, the cve_file rows) go together. */
static void digest_blocks(EVP_MD_CTX *md, const struct tt_cve_record *rec,
			  const struct tt_cve_encoded *e, char out[65])
{
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	digest_buf(md, &e->lists[LIST_FILES]);
	for (size_t b = 0; b < rec->n_affected; b++) {
		const struct tt_affected *a = &rec->affected[b];
		const char *f[] = {a->vendor, a->product, a->repo, a->default_status};
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			digest_str(md, f[k]);
		digest_buf(md, &e->block_files[b]);
		digest_buf(md, &e->block_versions[b]);
	}
	digest_end(md, out);
}

static void digest_all(const struct tt_cve_record *rec, struct tt_cve_encoded *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md) {
		fprintf(stderr, "tuxtape: out of memory creating a digest context\n");
		abort();
	}
	digest_row(md, rec, e, e->digest_row);
	digest_dyads(md, rec, e, e->digest_dyads);
	digest_blocks(md, rec, e, e->digest_blocks);
	EVP_MD_CTX_free(md);
}

struct tt_cve_encoded *tt_cve_encode(const struct tt_cve_record *rec)
{
	struct tt_cve_encoded *e = tt_xcalloc(1, sizeof(*e));
	sscanf(rec->id, "CVE-%d-%ld", &e->year, &e->num);
	join_strv(&e->lists[LIST_FILES], &rec->program_files, ',');
	join_fix_versions(&e->lists[LIST_FIXED], rec);
	join_strv(&e->lists[LIST_FIX_COMMITS], &rec->fix_commits, '\n');
	join_strv(&e->lists[LIST_VULN_COMMITS], &rec->vulnerable_commits, '\n');
	join_strv(&e->lists[LIST_REFS], &rec->references, '\n');
	e->branches = tt_xcalloc(rec->n_dyads, sizeof(*e->branches));
	for (size_t i = 0; i < rec->n_dyads; i++)
		tt_dyad_branch(&rec->dyads[i], e->branches[i], sizeof(e->branches[i]));
	e->n_blocks = rec->n_affected;
	e->len_title = rec->title ? strlen(rec->title) : 0;
	e->len_description = rec->description ? strlen(rec->description) : 0;
	e->len_rationale = rec->has_cvss && rec->cvss.rationale ? strlen(rec->cvss.rationale) : 0;
	e->block_files = tt_xcalloc(rec->n_affected, sizeof(*e->block_files));
	e->block_versions = tt_xcalloc(rec->n_affected, sizeof(*e->block_versions));
	for (size_t b = 0; b < rec->n_affected; b++) {
		join_strv(&e->block_files[b], &rec->affected[b].program_files, ',');
		/* About 120 bytes an entry: one allocation instead of a doubling series. */
		tt_buf_grow(&e->block_versions[b], rec->affected[b].n_versions * 128);
		versions_json(&e->block_versions[b], &rec->affected[b]);
	}
	digest_all(rec, e);
	return e;
}

void tt_cve_encoded_free(struct tt_cve_encoded *e)
{
	if (!e)
		return;
	for (int i = 0; i < N_LISTS; i++)
		tt_buf_free(&e->lists[i]);
	free(e->branches);
	for (size_t b = 0; b < e->n_blocks; b++) {
		tt_buf_free(&e->block_files[b]);
		tt_buf_free(&e->block_versions[b]);
	}
	free(e->block_files);
	free(e->block_versions);
	free(e);
}

static int insert_cve_row(struct tt_store *s, const struct tt_cve_record *rec,
			  const struct tt_cve_encoded *enc, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_CVE_INSERT, &st, err);
	if (r < 0)
		return r;
	struct tt_db *db = s->db;
	tt_db_bind_text(db, st, 1, rec->id);
	tt_db_bind_int64(db, st, 2, enc->year);
	tt_db_bind_int64(db, st, 3, enc->num);
	tt_db_bind_text(db, st, 4, state_name(rec->state));
	if (rec->title)
		tt_db_bind_textn(db, st, 5, rec->title, enc->len_title);
	if (rec->description)
		tt_db_bind_textn(db, st, 6, rec->description, enc->len_description);
	tt_db_bind_text(db, st, 7, rec->rejected_reason);
	tt_db_bind_int64(db, st, 8, rec->date_reserved);
	tt_db_bind_int64(db, st, 9, rec->date_updated);
	if (rec->has_cvss) {
		tt_db_bind_text(db, st, 10, rec->cvss.vector);
		tt_db_bind_double(db, st, 11, rec->cvss.base_score);
		tt_db_bind_text(db, st, 12, rec->cvss.severity);
		tt_db_bind_text(db, st, 13, rec->cvss.source);
		if (rec->cvss.rationale)
			tt_db_bind_textn(db, st, 14, rec->cvss.rationale, enc->len_rationale);
	}
	for (int i = 0; i < N_LISTS; i++)
		tt_db_bind_textn(db, st, 15 + i, tt_buf_str(&enc->lists[i]), enc->lists[i].len);
	tt_db_bind_text(db, st, 20, enc->digest_row);
	tt_db_bind_text(db, st, 21, enc->digest_dyads);
	tt_db_bind_text(db, st, 22, enc->digest_blocks);
	return tt_db_run(db, st, err);
}

static int insert_files(struct tt_store *s, const struct tt_cve_record *rec, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_FILE_INSERT, &st, err);
	for (size_t i = 0; r == 0 && i < rec->program_files.n; i++) {
		tt_db_bind_text(s->db, st, 1, rec->id);
		tt_db_bind_text(s->db, st, 2, rec->program_files.v[i]);
		r = tt_db_run(s->db, st, err);
	}
	return r;
}

static int insert_dyads(struct tt_store *s, const struct tt_cve_record *rec,
			const struct tt_cve_encoded *enc, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_DYAD_INSERT, &st, err);
	for (size_t i = 0; r == 0 && i < rec->n_dyads; i++) {
		const struct tt_dyad *d = &rec->dyads[i];
		tt_db_bind_text(s->db, st, 1, rec->id);
		tt_db_bind_int64(s->db, st, 2, (int64_t)i);
		tt_db_bind_text(s->db, st, 3, enc->branches[i]);
		tt_db_bind_text(s->db, st, 4, d->vuln_version);
		tt_db_bind_text(s->db, st, 5, d->vuln_commit);
		tt_db_bind_text(s->db, st, 6, d->fix_version);
		tt_db_bind_text(s->db, st, 7, d->fix_commit);
		r = tt_db_run(s->db, st, err);
	}
	return r;
}

static int insert_affected(struct tt_store *s, const struct tt_cve_record *rec,
			   const struct tt_cve_encoded *enc, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_BLOCK_INSERT, &st, err);
	for (size_t b = 0; r == 0 && b < rec->n_affected; b++) {
		const struct tt_affected *a = &rec->affected[b];
		tt_db_bind_text(s->db, st, 1, rec->id);
		tt_db_bind_int64(s->db, st, 2, (int64_t)b);
		tt_db_bind_text(s->db, st, 3, a->vendor);
		tt_db_bind_text(s->db, st, 4, a->product);
		tt_db_bind_text(s->db, st, 5, a->repo);
		tt_db_bind_text(s->db, st, 6, a->default_status);
		tt_db_bind_textn(s->db, st, 7, tt_buf_str(&enc->block_files[b]),
				 enc->block_files[b].len);
		tt_db_bind_textn(s->db, st, 8, tt_buf_str(&enc->block_versions[b]),
				 enc->block_versions[b].len);
		r = tt_db_run(s->db, st, err);
	}
	return r;
}

/* Delete one of id's row groups (ST_*_DELETE) before rewriting it. */
static int delete_rows(struct tt_store *s, enum tt_stmt_id id_stmt, const char *id,
		       struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, id_stmt, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, id);
	return tt_db_run(s->db, st, err);
}

int tt_store_cve_put_encoded(struct tt_store *s, const struct tt_cve_record *rec,
			     const struct tt_cve_encoded *enc, const struct tt_cve_stored *old,
			     bool *unchanged, struct tt_error *err)
{
	bool exists = old && old->exists;
	bool same_row =
	    exists && old->state == rec->state && strcmp(old->digest_row, enc->digest_row) == 0;
	bool same_dyads = exists && strcmp(old->digest_dyads, enc->digest_dyads) == 0;
	bool same_blocks = exists && strcmp(old->digest_blocks, enc->digest_blocks) == 0;
	*unchanged = same_row && same_dyads && same_blocks;
	if (*unchanged)
		return 0;
	/* The row carries the digests, so it is rewritten whenever any part changes. */
	int r = exists ? delete_rows(s, ST_CVE_DELETE, rec->id, err) : 0;
	if (r == 0)
		r = insert_cve_row(s, rec, enc, err);
	if (r == 0 && exists && !same_dyads)
		r = delete_rows(s, ST_DYAD_DELETE, rec->id, err);
	if (r == 0 && !same_dyads)
		r = insert_dyads(s, rec, enc, err);
	if (r == 0 && exists && !same_blocks)
		r = delete_rows(s, ST_FILE_DELETE, rec->id, err);
	if (r == 0 && exists && !same_blocks)
		r = delete_rows(s, ST_BLOCK_DELETE, rec->id, err);
	if (r == 0 && !same_blocks)
		r = insert_files(s, rec, err);
	if (r == 0 && !same_blocks)
		r = insert_affected(s, rec, enc, err);
	if (r < 0)
		return tt_error_prefix(err, "storing %s: ", rec->id);
	return 0;
}

int tt_store_cve_stored(struct tt_store *s, const char *id, struct tt_cve_stored *out,
			struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_CVE_STORED, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, id);
	r = tt_db_step(s->db, st, err);
	if (r == TT_DB_ROW) {
		const char *state = tt_db_text(s->db, st, 0);
		out->exists = true;
		out->state =
		    state && strcmp(state, "rejected") == 0 ? TT_CVE_REJECTED : TT_CVE_PUBLISHED;
		char *dst[] = {out->digest_row, out->digest_dyads, out->digest_blocks};
		for (int i = 0; i < 3; i++) {
			const char *v = tt_db_text(s->db, st, 1 + i);
			snprintf(dst[i], 65, "%s", v ? v : "");
		}
		r = 0;
	}
	tt_db_reset(s->db, st);
	return r < 0 ? r : 0;
}

int tt_store_cve_put(struct tt_store *s, const struct tt_cve_record *rec, struct tt_error *err)
{
	struct tt_cve_stored old;
	int r = tt_store_cve_stored(s, rec->id, &old, err);
	if (r < 0)
		return r;
	struct tt_cve_encoded *enc = tt_cve_encode(rec);
	bool unchanged;
	r = tt_store_cve_put_encoded(s, rec, enc, &old, &unchanged, err);
	tt_cve_encoded_free(enc);
	return r;
}

int tt_store_cve_first_seen(struct tt_store *s, const char *id, int64_t when, const char *commit,
			    struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, ST_FIRST_SEEN, &st, err);
	if (r < 0)
		return r;
	tt_db_bind_text(s->db, st, 1, id);
	tt_db_bind_int64(s->db, st, 2, when);
	tt_db_bind_text(s->db, st, 3, commit);
	return tt_db_run(s->db, st, err);
}

int tt_store_cve_first_seen_reset(struct tt_store *s, struct tt_error *err)
{
	return tt_db_exec(s->db, "DELETE FROM cve_first_seen", err);
}

int tt_store_cve_ids(struct tt_store *s, struct tt_strv *out, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, "SELECT id FROM cve ORDER BY id", &st, err);
	if (r < 0)
		return r;
	while ((r = tt_db_step(s->db, st, err)) == TT_DB_ROW)
		tt_strv_push(out, tt_db_text(s->db, st, 0));
	tt_db_finalize(s->db, st);
	return r < 0 ? r : 0;
}

int tt_store_cve_any(struct tt_store *s, bool *any, struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_db_prepare(s->db, "SELECT 1 FROM cve LIMIT 1", &st, err);
	if (r < 0)
		return r;
	r = tt_db_step(s->db, st, err);
	*any = r == TT_DB_ROW;
	tt_db_finalize(s->db, st);
	return r < 0 ? r : 0;
}
