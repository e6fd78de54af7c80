// SPDX-License-Identifier: GPL-2.0-or-later
/* Writing CNA records: one CVE is one row in cve plus its child rows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "store_internal.h"
#include "tuxtape/util.h"

static const enum tt_stmt_id child_deletes[] = {
    ST_FILE_DELETE,
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
	return tt_db_exec(
	    s->db, "DELETE FROM cve_file; DELETE FROM cve_affected_block; DELETE FROM cve;", err);
}

static void join_strv(struct tt_buf *b, const struct tt_strv *sv, char sep)
{
	if (sv->n == 0)
		return;
	size_t total = sv->n;
	for (size_t i = 0; i < sv->n; i++)
		total += strlen(sv->v[i]);
	tt_buf_grow(b, total);
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			b->buf[b->len++] = sep;
		size_t n = strlen(sv->v[i]);
		memcpy(b->buf + b->len, sv->v[i], n);
		b->len += n;
	}
	b->buf[b->len] = '\0';
}

/* v[0..n) comma-joined onto b, each value once, in order; NULL and "" left out. */
static void join_distinct(struct tt_buf *b, const char *const *v, size_t n)
{
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		bool seen = !v[i] || !*v[i];
		for (size_t k = 0; !seen && k < i; k++)
			seen = v[k] && strcmp(v[k], v[i]) == 0;
		if (seen)
			continue;
		if (!first)
			tt_buf_addc(b, ',');
		tt_buf_adds(b, v[i]);
		first = false;
	}
}

/* Distinct fix versions in dyad order: what `cve list` shows without a join. */
static void join_fix_versions(struct tt_buf *b, const struct tt_cve_record *rec)
{
	const char **v = tt_xcalloc(rec->n_dyads ? rec->n_dyads : 1, sizeof(*v));
	for (size_t i = 0; i < rec->n_dyads; i++)
		v[i] = rec->dyads[i].fix_version;
	join_distinct(b, v, rec->n_dyads);
	free(v);
}

void tt_store_dyads_text(const struct tt_dyad *pairs, size_t n, struct tt_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		const char *f[] = {pairs[i].vuln_version, pairs[i].vuln_commit,
				   pairs[i].fix_version, pairs[i].fix_commit};
		if (i)
			tt_buf_addc(out, '\n');
		for (size_t k = 0; k < 4; k++) {
			if (k)
				tt_buf_addc(out, '\t');
			if (f[k])
				tt_buf_adds(out, f[k]);
		}
	}
}

void tt_store_dyad_branches_text(const char (*branches)[TT_STORE_BRANCH_MAX], size_t n,
				 struct tt_buf *out)
{
	const char **v = tt_xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = branches[i];
	join_distinct(out, v, n);
	free(v);
}

/* One field of a dyads line: NULL when empty. */
static char *dyad_field(const char **p, const char *end)
{
	const char *tab = memchr(*p, '\t', (size_t)(end - *p));
	const char *stop = tab ? tab : end;
	char *v = stop > *p ? tt_xstrndup(*p, (size_t)(stop - *p)) : NULL;
	*p = tab ? tab + 1 : end;
	return v;
}

void tt_store_dyads_parse(const char *text, struct tt_dyad **pairs, size_t *n)
{
	*pairs = NULL;
	*n = 0;
	size_t cap = 0;
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		const char *end = nl ? nl : text + strlen(text);
		size_t tabs = 0;
		for (const char *c = text; c < end; c++)
			tabs += *c == '\t';
		if (tabs == 3) {
			if (*n == cap) {
				cap = cap ? 2 * cap : 8;
				*pairs = tt_xrealloc(*pairs, cap * sizeof(**pairs));
			}
			struct tt_dyad *d = &(*pairs)[(*n)++];
			const char *p = text;
			d->vuln_version = dyad_field(&p, end);
			d->vuln_commit = dyad_field(&p, end);
			d->fix_version = dyad_field(&p, end);
			d->fix_commit = dyad_field(&p, end);
			d->line = 0;
		}
		text = nl ? nl + 1 : end;
	}
}

/* The inline list columns of the cve row, in bind order 15..19. */
enum { LIST_FILES, LIST_FIXED, LIST_FIX_COMMITS, LIST_VULN_COMMITS, LIST_REFS, N_LISTS };

struct tt_cve_encoded {
	int year;
	long num;
	struct tt_buf lists[N_LISTS];
	char (*branches)[TT_STORE_BRANCH_MAX]; /* one per dyad */
	struct tt_buf dyads, dyad_branches;    /* the row's dyads and dyad_branches */
	size_t n_blocks;
	/* Lengths of the large texts, measured here so the writer need not. */
	size_t len_title, len_description, len_rationale;
	/* XXH3-128 of what each part stores, hex; see digest_*() */
	char digest_row[TT_CVE_DIGEST_SIZE], digest_dyads[TT_CVE_DIGEST_SIZE],
	    digest_blocks[TT_CVE_DIGEST_SIZE];
	struct tt_buf *block_files;    /* one per affected block */
	struct tt_buf *block_versions; /* one per affected block: JSON */
};

/*
 * versions[] as JSON with the record's own keys, absent fields left out,
 * strings quoted with \" \\ and \u00XX for control bytes (any other byte as
 * is). It is a fifth of what a full ingest stores: the exact length is
 * measured first, then the text written in place, without a call per byte.
 */
static const struct {
	const char *key; /* quoted, with its colon */
	size_t len;
} version_keys[TT_AV_FIELDS] = {
    {"\"version\":", 10}, {"\"lessThan\":", 11},    {"\"lessThanOrEqual\":", 18},
    {"\"status\":", 9},	  {"\"versionType\":", 14},
};

/* Whether s[0..n) needs no escaping in a JSON string; a branch-free loop the compiler vectorizes.
 */
static bool plain_text(const char *s, size_t n)
{
	unsigned char bad = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bad |= (unsigned char)((c < 0x20) | (c == '"') | (c == '\\'));
	}
	return !bad;
}

static size_t quoted_len(const char *s, size_t n)
{
	if (plain_text(s, n))
		return n + 2;
	size_t q = 2;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		q += c == '"' || c == '\\' ? 2 : c < 0x20 ? 6 : 1;
	}
	return q;
}

static char *put_quoted(char *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	*o++ = '"';
	if (plain_text(s, n)) {
		memcpy(o, s, n);
		o += n;
		*o++ = '"';
		return o;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20) {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	return o;
}

/* A version's fields and their lengths (0 for an absent one). */
static void version_fields(const struct tt_affected_version *v, const char *f[TT_AV_FIELDS],
			   size_t len[TT_AV_FIELDS])
{
	f[0] = v->version;
	f[1] = v->less_than;
	f[2] = v->less_than_or_equal;
	f[3] = v->status;
	f[4] = v->version_type;
	for (int k = 0; k < TT_AV_FIELDS; k++)
		len[k] = f[k] ? strlen(f[k]) : 0;
}

static void versions_json(struct tt_buf *b, const struct tt_affected *a)
{
	size_t total = 2 + (a->n_versions ? a->n_versions - 1 : 0);
	for (size_t i = 0; i < a->n_versions; i++) {
		const char *f[TT_AV_FIELDS];
		size_t len[TT_AV_FIELDS];
		version_fields(&a->versions[i], f, len);
		total += 2; /* {} */
		int present = 0;
		for (int k = 0; k < TT_AV_FIELDS; k++)
			if (f[k]) {
				total += version_keys[k].len + quoted_len(f[k], len[k]);
				present++;
			}
		total += present ? (size_t)present - 1 : 0;
	}
	tt_buf_grow(b, total);
	char *o = b->buf + b->len;
	*o++ = '[';
	for (size_t i = 0; i < a->n_versions; i++) {
		const char *f[TT_AV_FIELDS];
		size_t len[TT_AV_FIELDS];
		version_fields(&a->versions[i], f, len);
		if (i)
			*o++ = ',';
		*o++ = '{';
		bool first = true;
		for (int k = 0; k < TT_AV_FIELDS; k++) {
			if (!f[k])
				continue;
			if (!first)
				*o++ = ',';
			first = false;
			memcpy(o, version_keys[k].key, version_keys[k].len);
			o = put_quoted(o + version_keys[k].len, f[k], len[k]);
		}
		*o++ = '}';
	}
	*o++ = ']';
	b->len = (size_t)(o - b->buf);
	b->buf[b->len] = '\0';
}

/*
 * Digests of the stored form, not of the input files: an update that only
 * touches fields tuxtape does not keep (the CNA regenerates records often)
 * then changes no digest and costs no write. Fields are separated by 0x1f
 * and a NULL is 0x1e, so "a"+"bc" and "ab"+"c" differ, as do NULL and "".
 *
 * XXH3-128, not a cryptographic hash: the digest only tells the store
 * whether its copy is current, and whoever could craft a collision in the
 * CNA's tree could as well write the record they want. A full ingest hashes
 * ~70 MB in ~100 small fields per CVE, where SHA-256 cost 8% of the ingest's
 * CPU. Stores written with the earlier SHA-256 digests (64 hex digits) see
 * every record as changed once, and rewrite it.
 */
/*
 * A CVE's ~100 fields are mostly a few bytes long: they and their separators
 * are gathered here and hashed in one call per 256 bytes, not two calls per
 * field. XXH3 streams: the digest depends on the bytes only, not on how they
 * were split, so stored digests stay valid.
 */
struct digest {
	XXH3_state_t st;
	unsigned char buf[256];
	size_t n;
};

static void digest_flush(struct digest *d)
{
	XXH3_128bits_update(&d->st, d->buf, d->n);
	d->n = 0;
}

static void digest_reset(struct digest *d)
{
	XXH3_128bits_reset(&d->st);
	d->n = 0;
}

static void digest_strn(struct digest *d, const char *v, size_t len)
{
	static const unsigned char sep = 0x1f, null = 0x1e;
	if (!v) {
		v = (const char *)&null;
		len = 1;
	}
	if (len + 1 > sizeof(d->buf) - d->n) {
		digest_flush(d);
		if (len + 1 > sizeof(d->buf)) {
			XXH3_128bits_update(&d->st, v, len);
			len = 0;
		}
	}
	memcpy(d->buf + d->n, v, len);
	d->buf[d->n + len] = sep;
	d->n += len + 1;
}

static void digest_str(struct digest *d, const char *v)
{
	digest_strn(d, v, v ? strlen(v) : 0);
}

static void digest_buf(struct digest *d, const struct tt_buf *b)
{
	digest_strn(d, tt_buf_str(b), b->len);
}

static void digest_end(struct digest *d, char out[TT_CVE_DIGEST_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	digest_flush(d);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(&d->st));
	for (size_t i = 0; i < sizeof(c.digest); i++) {
		out[2 * i] = hex[c.digest[i] >> 4];
		out[2 * i + 1] = hex[c.digest[i] & 15];
	}
	out[2 * sizeof(c.digest)] = '\0';
}

/* "%lld", without printf's machinery: it runs for every CVE of an ingest. */
static size_t put_int64(char *o, int64_t v)
{
	char rev[24];
	size_t n = 0, len = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		o[len++] = '-';
	while (n)
		o[len++] = rev[--n];
	return len;
}

static void digest_row(struct digest *h, const struct tt_cve_record *rec,
		       const struct tt_cve_encoded *e, char out[TT_CVE_DIGEST_SIZE])
{
	char num[64];
	digest_reset(h);
	const char *strs[] = {rec->id, state_name(rec->state), rec->title, rec->rejected_reason};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		digest_str(h, strs[i]);
	digest_strn(h, rec->description, e->len_description);
	size_t n = put_int64(num, rec->date_reserved);
	num[n++] = ' ';
	n += put_int64(num + n, rec->date_updated);
	digest_strn(h, num, n);
	if (rec->has_cvss) {
		snprintf(num, sizeof(num), "%.17g", rec->cvss.base_score);
		const char *cvss[] = {rec->cvss.vector, num, rec->cvss.severity, rec->cvss.source};
		for (size_t i = 0; i < sizeof(cvss) / sizeof(cvss[0]); i++)
			digest_str(h, cvss[i]);
		digest_strn(h, rec->cvss.rationale, e->len_rationale);
	}
	for (int i = 0; i < N_LISTS; i++)
		digest_buf(h, &e->lists[i]);
	digest_end(h, out);
}

static void digest_dyads(struct digest *h, const struct tt_cve_record *rec,
			 const struct tt_cve_encoded *e, char out[TT_CVE_DIGEST_SIZE])
{
	digest_reset(h);
	for (size_t i = 0; i < rec->n_dyads; i++) {
		const struct tt_dyad *d = &rec->dyads[i];
		const char *f[] = {e->branches[i], d->vuln_version, d->vuln_commit, d->fix_version,
				   d->fix_commit};
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			digest_str(h, f[k]);
	}
	digest_end(h, out);
}

/* The blocks and the program files (their union, the cve_file rows) go together. */
static void digest_blocks(struct digest *h, const struct tt_cve_record *rec,
			  const struct tt_cve_encoded *e, char out[TT_CVE_DIGEST_SIZE])
{
	digest_reset(h);
	digest_buf(h, &e->lists[LIST_FILES]);
	for (size_t b = 0; b < rec->n_affected; b++) {
		const struct tt_affected *a = &rec->affected[b];
		const char *f[] = {a->vendor, a->product, a->repo, a->default_status};
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			digest_str(h, f[k]);
		digest_buf(h, &e->block_files[b]);
		digest_buf(h, &e->block_versions[b]);
	}
	digest_end(h, out);
}

static void digest_all(const struct tt_cve_record *rec, struct tt_cve_encoded *e)
{
	struct digest h; /* ~900 bytes: on the stack, no allocation per CVE */
	XXH3_INITSTATE(&h.st);
	digest_row(&h, rec, e, e->digest_row);
	digest_dyads(&h, rec, e, e->digest_dyads);
	digest_blocks(&h, rec, e, e->digest_blocks);
}

/* "CVE-2024-26581" -> 2024 and 26581 (what sscanf "CVE-%d-%ld" read, without its cost). */
static void id_numbers(const char *id, int *year, long *num)
{
	if (strncmp(id, "CVE-", 4) != 0)
		return;
	char *end;
	*year = (int)strtol(id + 4, &end, 10);
	if (end != id + 4 && *end == '-')
		*num = strtol(end + 1, NULL, 10);
}

struct tt_cve_encoded *tt_cve_encode(const struct tt_cve_record *rec)
{
	struct tt_cve_encoded *e = tt_xcalloc(1, sizeof(*e));
	id_numbers(rec->id, &e->year, &e->num);
	join_strv(&e->lists[LIST_FILES], &rec->program_files, ',');
	join_fix_versions(&e->lists[LIST_FIXED], rec);
	join_strv(&e->lists[LIST_FIX_COMMITS], &rec->fix_commits, '\n');
	join_strv(&e->lists[LIST_VULN_COMMITS], &rec->vulnerable_commits, '\n');
	join_strv(&e->lists[LIST_REFS], &rec->references, '\n');
	e->branches = tt_xcalloc(rec->n_dyads, sizeof(*e->branches));
	for (size_t i = 0; i < rec->n_dyads; i++)
		tt_dyad_branch(&rec->dyads[i], e->branches[i], sizeof(e->branches[i]));
	tt_store_dyads_text(rec->dyads, rec->n_dyads, &e->dyads);
	tt_store_dyad_branches_text((const char(*)[TT_STORE_BRANCH_MAX])e->branches, rec->n_dyads,
				    &e->dyad_branches);
	e->n_blocks = rec->n_affected;
	e->len_title = rec->title ? strlen(rec->title) : 0;
	e->len_description = rec->description ? strlen(rec->description) : 0;
	e->len_rationale = rec->has_cvss && rec->cvss.rationale ? strlen(rec->cvss.rationale) : 0;
	e->block_files = tt_xcalloc(rec->n_affected, sizeof(*e->block_files));
	e->block_versions = tt_xcalloc(rec->n_affected, sizeof(*e->block_versions));
	for (size_t b = 0; b < rec->n_affected; b++) {
		join_strv(&e->block_files[b], &rec->affected[b].program_files, ',');
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
	tt_buf_free(&e->dyads);
	tt_buf_free(&e->dyad_branches);
	for (size_t b = 0; b < e->n_blocks; b++) {
		tt_buf_free(&e->block_files[b]);
		tt_buf_free(&e->block_versions[b]);
	}
	free(e->block_files);
	free(e->block_versions);
	free(e);
}

/* One value of a row to insert, kept until it is bound (borrowed text). */
struct bval {
	enum { V_NULL, V_TEXT, V_INT, V_DOUBLE } type;
	const char *s;
	size_t len;
	int64_t i;
	double d;
};

static struct bval v_text(const char *s)
{
	return s ? (struct bval){.type = V_TEXT, .s = s, .len = strlen(s)} : (struct bval){0};
}

static struct bval v_textn(const char *s, size_t len)
{
	return s ? (struct bval){.type = V_TEXT, .s = s, .len = len} : (struct bval){0};
}

static struct bval v_int(int64_t i)
{
	return (struct bval){.type = V_INT, .i = i};
}

static void bind_val(struct tt_db *db, struct tt_db_stmt *st, int i, const struct bval *v)
{
	switch (v->type) {
	case V_TEXT:
		tt_db_bind_textn(db, st, i, v->s, v->len);
		break;
	case V_INT:
		tt_db_bind_int64(db, st, i, v->i);
		break;
	case V_DOUBLE:
		tt_db_bind_double(db, st, i, v->d);
		break;
	case V_NULL:
		db->ops->bind_null(st, i);
		break;
	}
}

/*
 * The rows of one CVE as values, table by table, in the column order of the
 * INSERTs (store.c's ST_*_INSERT and batch_tables[] below): what both the
 * one-CVE writer and the batch bind.
 */
enum { CVE_COLS = 25, FILE_COLS = 2, BLOCK_COLS = 8 };

static void cve_row(const struct tt_cve_record *rec, const struct tt_cve_encoded *enc,
		    struct bval v[CVE_COLS])
{
	memset(v, 0, CVE_COLS * sizeof(*v));
	v[0] = v_text(rec->id);
	v[1] = v_int(enc->year);
	v[2] = v_int(enc->num);
	v[3] = v_text(state_name(rec->state));
	v[4] = v_textn(rec->title, enc->len_title);
	v[5] = v_textn(rec->description, enc->len_description);
	v[6] = v_text(rec->rejected_reason);
	v[7] = v_int(rec->date_reserved);
	v[8] = v_int(rec->date_updated);
	if (rec->has_cvss) {
		v[9] = v_text(rec->cvss.vector);
		v[10] = (struct bval){.type = V_DOUBLE, .d = rec->cvss.base_score};
		v[11] = v_text(rec->cvss.severity);
		v[12] = v_text(rec->cvss.source);
		v[13] = v_textn(rec->cvss.rationale, enc->len_rationale);
	}
	for (int i = 0; i < N_LISTS; i++)
		v[14 + i] = (struct bval){
		    .type = V_TEXT, .s = tt_buf_str(&enc->lists[i]), .len = enc->lists[i].len};
	v[19] = v_text(enc->digest_row);
	v[20] = v_text(enc->digest_dyads);
	v[21] = v_text(enc->digest_blocks);
	v[22] = v_textn(tt_buf_str(&enc->dyads), enc->dyads.len);
	v[23] = v_textn(tt_buf_str(&enc->dyad_branches), enc->dyad_branches.len);
	v[24] = v_int((int64_t)rec->n_dyads);
}

static void file_row(const struct tt_cve_record *rec, size_t i, struct bval v[FILE_COLS])
{
	v[0] = v_text(rec->id);
	v[1] = v_text(rec->program_files.v[i]);
}

static void block_row(const struct tt_cve_record *rec, const struct tt_cve_encoded *enc, size_t b,
		      struct bval v[BLOCK_COLS])
{
	const struct tt_affected *a = &rec->affected[b];
	v[0] = v_text(rec->id);
	v[1] = v_int((int64_t)b);
	v[2] = v_text(a->vendor);
	v[3] = v_text(a->product);
	v[4] = v_text(a->repo);
	v[5] = v_text(a->default_status);
	v[6] = v_textn(tt_buf_str(&enc->block_files[b]), enc->block_files[b].len);
	v[7] = v_textn(tt_buf_str(&enc->block_versions[b]), enc->block_versions[b].len);
}

/* Bind a row to a one-row statement and run it. */
static int run_row(struct tt_store *s, enum tt_stmt_id id, const struct bval *v, int cols,
		   struct tt_error *err)
{
	struct tt_db_stmt *st;
	int r = tt_store_stmt(s, id, &st, err);
	if (r < 0)
		return r;
	for (int c = 0; c < cols; c++)
		bind_val(s->db, st, c + 1, &v[c]);
	return tt_db_run(s->db, st, err);
}

static int insert_cve_row(struct tt_store *s, const struct tt_cve_record *rec,
			  const struct tt_cve_encoded *enc, struct tt_error *err)
{
	struct bval v[CVE_COLS];
	cve_row(rec, enc, v);
	return run_row(s, ST_CVE_INSERT, v, CVE_COLS, err);
}

static int insert_files(struct tt_store *s, const struct tt_cve_record *rec, struct tt_error *err)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < rec->program_files.n; i++) {
		struct bval v[FILE_COLS];
		file_row(rec, i, v);
		r = run_row(s, ST_FILE_INSERT, v, FILE_COLS, err);
	}
	return r;
}

static int insert_affected(struct tt_store *s, const struct tt_cve_record *rec,
			   const struct tt_cve_encoded *enc, struct tt_error *err)
{
	int r = 0;
	for (size_t b = 0; r == 0 && b < rec->n_affected; b++) {
		struct bval v[BLOCK_COLS];
		block_row(rec, enc, b, v);
		r = run_row(s, ST_BLOCK_INSERT, v, BLOCK_COLS, err);
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

/* What a new version of a CVE rewrites, from the digests of what is stored. */
struct put_plan {
	bool exists, row, dyads, blocks;
};

static struct put_plan plan_put(const struct tt_cve_record *rec, const struct tt_cve_encoded *enc,
				const struct tt_cve_stored *old)
{
	struct put_plan p = {.exists = old && old->exists};
	bool same_row =
	    p.exists && old->state == rec->state && strcmp(old->digest_row, enc->digest_row) == 0;
	p.dyads = !p.exists || strcmp(old->digest_dyads, enc->digest_dyads) != 0;
	p.blocks = !p.exists || strcmp(old->digest_blocks, enc->digest_blocks) != 0;
	/* The row carries the digests, so it is rewritten whenever any part changes. */
	p.row = !same_row || p.dyads || p.blocks;
	return p;
}

/* The deletes of a plan, which both writers run at once. */
static int delete_planned(struct tt_store *s, const char *id, const struct put_plan *p,
			  struct tt_error *err)
{
	if (!p->exists)
		return 0;
	int r = p->row ? delete_rows(s, ST_CVE_DELETE, id, err) : 0;
	if (r == 0 && p->blocks)
		r = delete_rows(s, ST_FILE_DELETE, id, err);
	if (r == 0 && p->blocks)
		r = delete_rows(s, ST_BLOCK_DELETE, id, err);
	return r;
}

int tt_store_cve_put_encoded(struct tt_store *s, const struct tt_cve_record *rec,
			     const struct tt_cve_encoded *enc, const struct tt_cve_stored *old,
			     bool *unchanged, struct tt_error *err)
{
	struct put_plan p = plan_put(rec, enc, old);
	*unchanged = !p.row;
	if (*unchanged)
		return 0;
	int r = delete_planned(s, rec->id, &p, err);
	if (r == 0)
		r = insert_cve_row(s, rec, enc, err);
	if (r == 0 && p.blocks)
		r = insert_files(s, rec, err);
	if (r == 0 && p.blocks)
		r = insert_affected(s, rec, enc, err);
	if (r < 0)
		return tt_error_prefix(err, "storing %s: ", rec->id);
	return 0;
}

/* ---- the batch: many CVEs' rows in few statements ---- */

/*
 * Each statement costs SQLite a fixed amount besides its rows (setting up,
 * cursors, finishing). The batch keeps the rows of many CVEs and writes each
 * table's in multi-row INSERTs, rows bound in place: a full ingest of the
 * CNA tree then steps 26% fewer SQLite instructions than with one row per
 * statement (callgrind).
 */
enum { T_CVE, T_FILE, T_BLOCK, T_FIRST_SEEN, N_TABLES };
enum { FIRST_SEEN_COLS = 3 };

static const struct batch_table {
	const char *insert; /* up to VALUES; the same columns as store.c's ST_*_INSERT */
	int cols;
	int max_rows;	    /* per statement: at most ~512 parameters each */
	const char *suffix; /* after the rows, or NULL */
} batch_tables[N_TABLES] = {
    [T_CVE] = {"INSERT INTO cve (id, year, num, state, title, description, rejected_reason, "
	       "date_reserved, date_updated, cvss_vector, cvss_score, cvss_severity, "
	       "cvss_source, cvss_rationale, files, fixed_versions, fix_commits, "
	       "vulnerable_commits, refs, digest_row, digest_dyads, digest_blocks, dyads, "
	       "dyad_branches, dyad_count) VALUES ",
	       CVE_COLS, 16},
    [T_FILE] = {"INSERT INTO cve_file (cve_id, path) VALUES ", FILE_COLS, 128},
    [T_BLOCK] = {"INSERT INTO cve_affected_block (cve_id, block, vendor, product, repo, "
		 "default_status, program_files, versions) VALUES ",
		 BLOCK_COLS, 64},
    /* As ST_FIRST_SEEN: the earliest time wins. */
    [T_FIRST_SEEN] = {"INSERT INTO cve_first_seen (cve_id, published_at, commit_id) VALUES ",
		      FIRST_SEEN_COLS, 128,
		      " ON CONFLICT (cve_id) DO UPDATE SET published_at = excluded.published_at, "
		      "commit_id = excluded.commit_id "
		      "WHERE excluded.published_at < cve_first_seen.published_at"},
};
#define BATCH_MAX_ROWS 128

struct pending {
	struct bval *v; /* rows one after the other */
	size_t n, cap;	/* values */
};

struct tt_cve_batch {
	struct tt_store *s;
	struct pending p[N_TABLES];
	/* st[t][k]: the INSERT of k rows into table t, prepared on first use */
	struct tt_db_stmt *st[N_TABLES][BATCH_MAX_ROWS + 1];
	const char *first_id, *last_id; /* of the CVEs waiting, for messages */
};

struct tt_cve_batch *tt_store_cve_batch_new(struct tt_store *s)
{
	struct tt_cve_batch *b = tt_xcalloc(1, sizeof(*b));
	b->s = s;
	return b;
}

void tt_store_cve_batch_free(struct tt_cve_batch *b)
{
	if (!b)
		return;
	for (int t = 0; t < N_TABLES; t++) {
		free(b->p[t].v);
		for (int k = 0; k <= BATCH_MAX_ROWS; k++)
			tt_db_finalize(b->s->db, b->st[t][k]);
	}
	free(b);
}

static struct bval *pending_row(struct pending *p, int cols)
{
	if (p->n + (size_t)cols > p->cap) {
		p->cap = p->cap ? p->cap * 2 : 1024;
		p->v = tt_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	struct bval *v = &p->v[p->n];
	p->n += (size_t)cols;
	return v;
}

int tt_store_cve_batch_put(struct tt_cve_batch *b, const struct tt_cve_record *rec,
			   const struct tt_cve_encoded *enc, const struct tt_cve_stored *old,
			   bool *unchanged, struct tt_error *err)
{
	struct put_plan p = plan_put(rec, enc, old);
	*unchanged = !p.row;
	if (*unchanged)
		return 0;
	/* Deletes now, inserts at the flush: an id is written once per sync, so the order holds. */
	int r = delete_planned(b->s, rec->id, &p, err);
	if (r < 0)
		return tt_error_prefix(err, "storing %s: ", rec->id);
	cve_row(rec, enc, pending_row(&b->p[T_CVE], CVE_COLS));
	for (size_t i = 0; p.blocks && i < rec->program_files.n; i++)
		file_row(rec, i, pending_row(&b->p[T_FILE], FILE_COLS));
	for (size_t i = 0; p.blocks && i < rec->n_affected; i++)
		block_row(rec, enc, i, pending_row(&b->p[T_BLOCK], BLOCK_COLS));
	if (!b->first_id)
		b->first_id = rec->id;
	b->last_id = rec->id;
	return 0;
}

static int batch_stmt(struct tt_cve_batch *b, int t, int rows, struct tt_db_stmt **out,
		      struct tt_error *err)
{
	if (!b->st[t][rows]) {
		const struct batch_table *bt = &batch_tables[t];
		struct tt_buf sql = TT_BUF_INIT;
		tt_buf_adds(&sql, bt->insert);
		for (int k = 0; k < rows; k++) {
			tt_buf_adds(&sql, k ? ",(" : "(");
			for (int c = 0; c < bt->cols; c++)
				tt_buf_adds(&sql, c ? ",?" : "?");
			tt_buf_addc(&sql, ')');
		}
		if (bt->suffix)
			tt_buf_adds(&sql, bt->suffix);
		int r = tt_db_prepare(b->s->db, tt_buf_str(&sql), &b->st[t][rows], err);
		tt_buf_free(&sql);
		if (r < 0)
			return r;
	}
	*out = b->st[t][rows];
	return 0;
}

static int flush_table(struct tt_cve_batch *b, int t, struct tt_error *err)
{
	const struct batch_table *bt = &batch_tables[t];
	struct pending *p = &b->p[t];
	size_t rows = p->n / (size_t)bt->cols;
	const struct bval *v = p->v;
	int r = 0;
	while (r == 0 && rows > 0) {
		int k = rows < (size_t)bt->max_rows ? (int)rows : bt->max_rows;
		struct tt_db_stmt *st;
		r = batch_stmt(b, t, k, &st, err);
		if (r < 0)
			break;
		for (int i = 0; i < k * bt->cols; i++)
			bind_val(b->s->db, st, i + 1, &v[i]);
		r = tt_db_run(b->s->db, st, err);
		v += k * bt->cols;
		rows -= (size_t)k;
	}
	p->n = 0;
	return r;
}

int tt_store_cve_batch_flush(struct tt_cve_batch *b, struct tt_error *err)
{
	int r = 0;
	for (int t = 0; t < N_TABLES; t++) {
		int rt = flush_table(b, t, r == 0 ? err : NULL);
		if (r == 0)
			r = rt;
	}
	if (r < 0)
		tt_error_prefix(err, "storing %s to %s: ", b->first_id, b->last_id);
	b->first_id = b->last_id = NULL;
	return r;
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
			snprintf(dst[i], TT_CVE_DIGEST_SIZE, "%s", v ? v : "");
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

int tt_store_cve_first_seen_many(struct tt_store *s, const struct tt_store_first_seen *v, size_t n,
				 struct tt_error *err)
{
	struct tt_cve_batch *b = tt_store_cve_batch_new(s);
	for (size_t i = 0; i < n; i++) {
		struct bval *row = pending_row(&b->p[T_FIRST_SEEN], FIRST_SEEN_COLS);
		row[0] = v_text(v[i].id);
		row[1] = v_int(v[i].when);
		row[2] = v_text(v[i].commit);
	}
	int r = flush_table(b, T_FIRST_SEEN, err);
	tt_store_cve_batch_free(b);
	if (r < 0)
		return tt_error_prefix(err, "storing first publication dates: ");
	return 0;
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
