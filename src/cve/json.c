// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CVE JSON 5 records, tokenized by a fast path for standard JSON (scan(),
 * which hands anything else to jsmn), then a walk of only the members
 * tuxtape stores. No DOM is built; the only allocations are the strings kept
 * in the record.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Debian's jsmn is header-only: JSMN_STATIC keeps its functions private to this file. */
#define JSMN_STATIC
/* Parent links make closing brackets O(1) instead of a scan back over the tokens. */
#define JSMN_PARENT_LINKS
/*
 * Not JSMN_STRICT: it costs a third more time (measured on the full CNA
 * tree), and the walk below already ignores unquoted keys and checks the
 * type of every value it reads.
 */
#include <jsmn.h>

#include "cve_internal.h"

/* One broken record should not flood the caller's log. */
#define MAX_WARNINGS 32

struct tt_cve_parser {
	jsmntok_t *tok;
	int *next; /* next[i]: the index just past token i and its descendants */
	unsigned cap;
	struct tt_cve_files files;
	struct tt_buf scratch;
};

/* One parse: the tokens and where warnings go. */
struct ctx {
	const char *js;
	const jsmntok_t *t;
	const int *next;
	int n;
	const char *file;
	const struct tt_diag_sink *diag;
	struct tt_buf *scratch;
	struct tt_cve_record *rec;
	int warnings;
	int org_id;   /* token of containers.cna.providerMetadata.orgId, or -1 */
	int vector;   /* token of the first metrics[].cvssV3_1.vectorString, or -1 */
	int score;    /* its baseScore, or -1 */
	int scenario; /* its English scenarios[].value, or -1 */
};

struct tt_cve_parser *tt_cve_parser_new(void)
{
	struct tt_cve_parser *p = tt_xcalloc(1, sizeof(*p));
	p->cap = 1024;
	p->tok = tt_xmalloc(p->cap * sizeof(*p->tok));
	p->next = tt_xmalloc(p->cap * sizeof(*p->next));
	tt_cve_files_init(&p->files);
	return p;
}

void tt_cve_parser_free(struct tt_cve_parser *p)
{
	if (!p)
		return;
	free(p->tok);
	free(p->next);
	tt_cve_files_free(&p->files);
	tt_buf_free(&p->scratch);
	free(p);
}

struct tt_cve_files *tt_cve_parser_files(struct tt_cve_parser *p)
{
	return &p->files;
}

/* ---- token helpers ---- */

static int line_of(const struct ctx *c, int i)
{
	const char *end = c->js + (i >= 0 && i < c->n ? c->t[i].start : 0);
	int line = 1;
	for (const char *p = c->js; (p = memchr(p, '\n', (size_t)(end - p))); p++)
		line++;
	return line;
}

static void warn_at(struct ctx *c, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warn_at(struct ctx *c, int i, const char *fmt, ...)
{
	if (!c->diag || !c->diag->warn || ++c->warnings > MAX_WARNINGS)
		return;
	char msg[TT_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->warnings == MAX_WARNINGS)
		tt_diag_warn(c->diag, c->file, line_of(c, i), "%s (further warnings suppressed)",
			     msg);
	else
		tt_diag_warn(c->diag, c->file, line_of(c, i), "%s", msg);
}

/* Index just past token i and everything nested in it. */
static int skip(const struct ctx *c, int i)
{
	return i < c->n ? c->next[i] : c->n;
}

/*
 * Fill next[] back to front: a token's subtree ends where its last child's
 * does. Walking nested members then costs O(1) per skip instead of a pass
 * over the subtree at every level (versions sit six levels deep).
 */
static void link_subtrees(const jsmntok_t *t, int n, int *next)
{
	for (int i = n - 1; i >= 0; i--) {
		int j = i + 1;
		for (int k = 0; k < t[i].size && j < n; k++)
			j = next[j];
		next[i] = j;
	}
}

/* The value of an object member whose key is token k, or -1 for a key without one. */
static int value_of(const struct ctx *c, int k)
{
	return c->t[k].type == JSMN_STRING && c->t[k].size > 0 && k + 1 < c->n ? k + 1 : -1;
}

/* ---- strings ---- */

static int hex4_digit(char h)
{
	return h >= '0' && h <= '9'   ? h - '0'
	       : h >= 'a' && h <= 'f' ? h - 'a' + 10
	       : h >= 'A' && h <= 'F' ? h - 'A' + 10
				      : -1;
}

static int hex4(const char *s, size_t n)
{
	if (n < 4)
		return -1;
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int d = hex4_digit(s[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

#define REPLACEMENT_CHAR 0xfffd

/*
 * Decode "\uXXXX" at s (just after the 'u'), joining a UTF-16 surrogate
 * pair; *used is how many bytes after the 'u' were consumed. Lone
 * surrogates and U+0000 (which a C string cannot hold) become U+FFFD.
 */
static unsigned decode_u(const char *s, size_t n, size_t *used)
{
	int hi = hex4(s, n);
	*used = 4;
	if (hi == 0 || (hi >= 0xdc00 && hi <= 0xdfff))
		return REPLACEMENT_CHAR;
	if (hi < 0xd800 || hi > 0xdbff)
		return (unsigned)hi;
	if (n < 10 || s[4] != '\\' || s[5] != 'u')
		return REPLACEMENT_CHAR;
	int lo = hex4(s + 6, n - 6);
	if (lo < 0xdc00 || lo > 0xdfff)
		return REPLACEMENT_CHAR;
	*used = 10;
	return 0x10000 + (((unsigned)hi - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
}

/* Decode a JSON string body into out (n + 1 bytes: escapes never grow); returns the length. */
static size_t unescape(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		/* Descriptions are long runs of plain text between escapes: copy runs whole. */
		const char *bs = memchr(s + i, '\\', n - i);
		size_t run = bs ? (size_t)(bs - (s + i)) : n - i;
		memcpy(out + o, s + i, run);
		o += run;
		i += run;
		if (i + 1 >= n) {
			if (i < n)
				out[o++] = s[i];
			break;
		}
		char e = s[++i];
		switch (e) {
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u': {
			size_t used;
			/* jsmn checked the digits already; this keeps unescape() safe alone. */
			if (hex4(s + i + 1, n - i - 1) < 0) {
				out[o++] = 'u';
				break;
			}
			o += put_utf8(out + o, decode_u(s + i + 1, n - i - 1, &used));
			i += used;
			break;
		}
		default: /* '"', '\\', '/' stand for themselves */
			out[o++] = e;
		}
	}
	out[o] = '\0';
	return o;
}

static char *str_dup(const struct ctx *c, int i)
{
	const char *s = c->js + c->t[i].start;
	size_t n = (size_t)(c->t[i].end - c->t[i].start);
	if (!memchr(s, '\\', n))
		return tt_xstrndup(s, n);
	char *out = tt_xmalloc(n + 1);
	unescape(s, n, out);
	return out;
}

/* Whether token i is the JSON string lit (escapes decoded, which keys almost never need). */
#define tok_eq(c, i, lit) tok_eq_n(c, i, lit "", sizeof(lit) - 1)

static inline bool tok_eq_n(const struct ctx *c, int i, const char *lit, size_t ln)
{
	if (i < 0 || c->t[i].type != JSMN_STRING)
		return false;
	const char *s = c->js + c->t[i].start;
	size_t n = (size_t)(c->t[i].end - c->t[i].start);
	if (n == ln)
		return memcmp(s, lit, n) == 0;
	if (n < ln || !memchr(s, '\\', n))
		return false;
	tt_buf_reset(c->scratch);
	tt_buf_grow(c->scratch, n);
	return unescape(s, n, c->scratch->buf) == ln && memcmp(c->scratch->buf, lit, ln) == 0;
}

static bool is_null(const struct ctx *c, int i)
{
	return c->t[i].type == JSMN_PRIMITIVE && c->js[c->t[i].start] == 'n';
}

/* The string value at i, allocated; NULL (with a warning unless it is null) otherwise. */
static char *get_str(struct ctx *c, int i, const char *what)
{
	if (c->t[i].type == JSMN_STRING)
		return str_dup(c, i);
	if (!is_null(c, i))
		warn_at(c, i, "%s is not a string; ignored", what);
	return NULL;
}

static void set_str(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

/* ---- walking objects and arrays ---- */

typedef void member_fn(struct ctx *c, int key, int val, void *arg);

/* Call fn for each member of the object at obj; warn (unless null) when it is not an object. */
static void each_member(struct ctx *c, int obj, const char *what, member_fn *fn, void *arg)
{
	if (c->t[obj].type != JSMN_OBJECT) {
		if (!is_null(c, obj))
			warn_at(c, obj, "%s is not an object; ignored", what);
		return;
	}
	int k = obj + 1;
	for (int m = 0; m < c->t[obj].size && k < c->n; m++) {
		int v = value_of(c, k);
		if (v >= 0)
			fn(c, k, v, arg);
		k = skip(c, k);
	}
}

/* First element of the array at arr, or -1 (with a warning unless null) when it is not one. */
static int first_element(struct ctx *c, int arr, const char *what)
{
	if (c->t[arr].type == JSMN_ARRAY)
		return arr + 1;
	if (!is_null(c, arr))
		warn_at(c, arr, "%s is not an array; ignored", what);
	return -1;
}

/* Element count of the array at arr; 0 for anything else, so a loop over it does nothing. */
static int array_size(const struct ctx *c, int arr)
{
	return c->t[arr].type == JSMN_ARRAY ? c->t[arr].size : 0;
}

/* ---- [{"lang": ..., "value": ...}] lists: descriptions, rejectedReasons, scenarios ---- */

struct lang_value {
	int lang, value;
};

static void lang_value_member(struct ctx *c, int k, int v, void *arg)
{
	struct lang_value *lv = arg;
	if (tok_eq(c, k, "lang"))
		lv->lang = v;
	else if (tok_eq(c, k, "value"))
		lv->value = v;
}

static bool is_english(const struct ctx *c, int lang)
{
	if (lang < 0 || c->t[lang].type != JSMN_STRING)
		return false;
	const char *s = c->js + c->t[lang].start;
	int n = c->t[lang].end - c->t[lang].start;
	/* "en", and regional tags such as "en-US" that the CVE schema also allows. */
	return n >= 2 && s[0] == 'e' && s[1] == 'n' && (n == 2 || s[2] == '-' || s[2] == '_');
}

/* The English value of such a list (else the first value, with a warning), or -1. */
static int english_value(struct ctx *c, int arr, const char *what)
{
	int e = first_element(c, arr, what), fallback = -1;
	for (int left = array_size(c, arr); left > 0 && e < c->n; left--, e = skip(c, e)) {
		struct lang_value lv = {-1, -1};
		each_member(c, e, what, lang_value_member, &lv);
		if (lv.value < 0)
			continue;
		if (is_english(c, lv.lang))
			return lv.value;
		if (fallback < 0)
			fallback = lv.value;
	}
	if (fallback >= 0)
		warn_at(c, arr, "%s has no English entry; using the first", what);
	return fallback;
}

/* ---- containers.cna.affected[] ---- */

/* Token of each field of one affected[].versions[] entry; -1 when absent. */
struct version_toks {
	int tok[TT_AV_FIELDS];
};

static void version_member(struct ctx *c, int k, int v, void *arg)
{
	static const struct {
		const char *key;
		size_t len;
		const char *what;
	} keys[TT_AV_FIELDS] = {
	    [TT_AV_VERSION] = {"version", 7, "affected[].versions[].version"},
	    [TT_AV_LESS_THAN] = {"lessThan", 8, "affected[].versions[].lessThan"},
	    [TT_AV_LESS_THAN_OR_EQUAL] = {"lessThanOrEqual", 15,
					  "affected[].versions[].lessThanOrEqual"},
	    [TT_AV_STATUS] = {"status", 6, "affected[].versions[].status"},
	    [TT_AV_TYPE] = {"versionType", 11, "affected[].versions[].versionType"},
	};
	struct version_toks *vt = arg;
	for (int f = 0; f < TT_AV_FIELDS; f++) {
		if (!tok_eq_n(c, k, keys[f].key, keys[f].len))
			continue;
		if (c->t[v].type == JSMN_STRING)
			vt->tok[f] = v;
		else if (!is_null(c, v))
			warn_at(c, v, "%s is not a string; ignored", keys[f].what);
		return;
	}
}

/* One version entry from its tokens, its strings in one allocation (see cve.h). */
static void version_from_toks(const struct ctx *c, const struct version_toks *vt,
			      struct tt_affected_version *v)
{
	const char *fields[TT_AV_FIELDS] = {0};
	size_t lens[TT_AV_FIELDS] = {0};
	char *unescaped[TT_AV_FIELDS] = {0};
	for (int f = 0; f < TT_AV_FIELDS; f++) {
		int i = vt->tok[f];
		if (i < 0)
			continue;
		const char *s = c->js + c->t[i].start;
		size_t n = (size_t)(c->t[i].end - c->t[i].start);
		if (memchr(s, '\\', n)) {
			unescaped[f] = tt_xmalloc(n + 1);
			n = unescape(s, n, unescaped[f]);
			s = unescaped[f];
		}
		fields[f] = s;
		lens[f] = n;
	}
	tt_affected_version_set(v, fields, lens);
	for (int f = 0; f < TT_AV_FIELDS; f++)
		free(unescaped[f]);
}

static void parse_versions(struct ctx *c, int arr, struct tt_affected *a)
{
	int e = first_element(c, arr, "affected[].versions");
	int left = array_size(c, arr);
	if (left == 0)
		return;
	a->versions =
	    tt_xrealloc(a->versions, (a->n_versions + (size_t)left) * sizeof(*a->versions));
	for (; left > 0 && e < c->n; left--, e = skip(c, e)) {
		struct version_toks vt = {{-1, -1, -1, -1, -1}};
		each_member(c, e, "affected[].versions[]", version_member, &vt);
		/* The schema requires both; consumers may rely on them. */
		if (vt.tok[TT_AV_VERSION] < 0 || vt.tok[TT_AV_STATUS] < 0) {
			warn_at(c, e, "affected version without version or status; skipped");
			continue;
		}
		version_from_toks(c, &vt, &a->versions[a->n_versions++]);
	}
}

static void parse_program_files(struct ctx *c, int arr, struct tt_affected *a)
{
	int e = first_element(c, arr, "affected[].programFiles");
	for (int left = array_size(c, arr); left > 0 && e < c->n; left--, e = skip(c, e)) {
		char *f = get_str(c, e, "affected[].programFiles[]");
		if (!f)
			continue;
		tt_strv_push(&c->rec->program_files, f);
		tt_strv_push_owned(&a->program_files, f);
	}
}

static void affected_member(struct ctx *c, int k, int v, void *arg)
{
	struct tt_affected *a = arg;
	if (tok_eq(c, k, "vendor"))
		set_str(&a->vendor, get_str(c, v, "affected[].vendor"));
	else if (tok_eq(c, k, "product"))
		set_str(&a->product, get_str(c, v, "affected[].product"));
	else if (tok_eq(c, k, "repo"))
		set_str(&a->repo, get_str(c, v, "affected[].repo"));
	else if (tok_eq(c, k, "defaultStatus"))
		set_str(&a->default_status, get_str(c, v, "affected[].defaultStatus"));
	else if (tok_eq(c, k, "programFiles"))
		parse_program_files(c, v, a);
	else if (tok_eq(c, k, "versions"))
		parse_versions(c, v, a);
}

static void parse_affected(struct ctx *c, int arr)
{
	struct tt_cve_record *rec = c->rec;
	int e = first_element(c, arr, "affected");
	int left = array_size(c, arr);
	if (left == 0)
		return;
	rec->affected =
	    tt_xrealloc(rec->affected, (rec->n_affected + (size_t)left) * sizeof(*rec->affected));
	for (; left > 0 && e < c->n; left--, e = skip(c, e)) {
		if (c->t[e].type != JSMN_OBJECT) {
			warn_at(c, e, "affected[] entry is not an object; ignored");
			continue;
		}
		struct tt_affected *a = &rec->affected[rec->n_affected++];
		memset(a, 0, sizeof(*a));
		each_member(c, e, "affected[]", affected_member, a);
	}
}

/* ---- references, metrics, providerMetadata ---- */

static void reference_member(struct ctx *c, int k, int v, void *arg)
{
	if (!tok_eq(c, k, "url"))
		return;
	char *url = get_str(c, v, "references[].url");
	if (url)
		tt_strv_push_owned(&c->rec->references, url);
}

static void parse_references(struct ctx *c, int arr)
{
	int e = first_element(c, arr, "references");
	for (int left = array_size(c, arr); left > 0 && e < c->n; left--, e = skip(c, e))
		each_member(c, e, "references[]", reference_member, NULL);
}

/* What one metrics[] entry holds: a CVSS 3.1 vector, its stated score, its explanation. */
struct metric {
	int vector, score, scenario;
};

static void cvss31_member(struct ctx *c, int k, int v, void *arg)
{
	struct metric *m = arg;
	if (tok_eq(c, k, "vectorString"))
		m->vector = v;
	else if (tok_eq(c, k, "baseScore"))
		m->score = v;
}

static void metric_member(struct ctx *c, int k, int v, void *arg)
{
	struct metric *m = arg;
	if (tok_eq(c, k, "cvssV3_1"))
		each_member(c, v, "metrics[].cvssV3_1", cvss31_member, m);
	else if (tok_eq(c, k, "scenarios"))
		m->scenario = english_value(c, v, "metrics[].scenarios");
}

static void parse_metrics(struct ctx *c, int arr)
{
	int e = first_element(c, arr, "metrics");
	for (int left = array_size(c, arr); left > 0 && e < c->n; left--, e = skip(c, e)) {
		struct metric m = {-1, -1, -1};
		each_member(c, e, "metrics[]", metric_member, &m);
		if (m.vector < 0)
			continue;
		if (c->vector >= 0) {
			warn_at(c, e, "more than one CVSS 3.1 metric; using the first");
			continue;
		}
		c->vector = m.vector;
		c->score = m.score;
		c->scenario = m.scenario;
	}
}

static void provider_member(struct ctx *c, int k, int v, void *arg)
{
	if (tok_eq(c, k, "orgId"))
		c->org_id = v;
}

/* ---- containers.cna, cveMetadata, the root ---- */

static void set_english(struct ctx *c, char **dst, int arr, const char *what)
{
	int v = english_value(c, arr, what);
	if (v >= 0)
		set_str(dst, get_str(c, v, what));
}

static void cna_member(struct ctx *c, int k, int v, void *arg)
{
	struct tt_cve_record *rec = c->rec;
	if (tok_eq(c, k, "title"))
		set_str(&rec->title, get_str(c, v, "title"));
	else if (tok_eq(c, k, "descriptions"))
		set_english(c, &rec->description, v, "descriptions");
	else if (tok_eq(c, k, "rejectedReasons"))
		set_english(c, &rec->rejected_reason, v, "rejectedReasons");
	else if (tok_eq(c, k, "affected"))
		parse_affected(c, v);
	else if (tok_eq(c, k, "references"))
		parse_references(c, v);
	else if (tok_eq(c, k, "metrics"))
		parse_metrics(c, v);
	else if (tok_eq(c, k, "providerMetadata"))
		each_member(c, v, "providerMetadata", provider_member, NULL);
}

static void containers_member(struct ctx *c, int k, int v, void *arg)
{
	if (tok_eq(c, k, "cna"))
		each_member(c, v, "containers.cna", cna_member, NULL);
}

static void set_date(struct ctx *c, int v, int64_t *out, const char *what)
{
	char buf[64];
	int n = c->t[v].end - c->t[v].start;
	if (c->t[v].type != JSMN_STRING || n <= 0 || n >= (int)sizeof(buf)) {
		warn_at(c, v, "%s is not a date; ignored", what);
		return;
	}
	memcpy(buf, c->js + c->t[v].start, (size_t)n);
	buf[n] = '\0';
	if (tt_parse_iso8601(buf, out) != 0)
		warn_at(c, v, "%s \"%s\" is not an ISO 8601 date; ignored", what, buf);
}

/* The id itself was read first, by read_id(). */
static void meta_member(struct ctx *c, int k, int v, void *arg)
{
	if (tok_eq(c, k, "state")) {
		if (tok_eq(c, v, "REJECTED"))
			c->rec->state = TT_CVE_REJECTED;
		else if (tok_eq(c, v, "PUBLISHED"))
			c->rec->state = TT_CVE_PUBLISHED;
		else
			warn_at(c, v, "unknown cveMetadata.state; treated as PUBLISHED");
	} else if (tok_eq(c, k, "dateReserved"))
		set_date(c, v, &c->rec->date_reserved, "cveMetadata.dateReserved");
	else if (tok_eq(c, k, "dateUpdated"))
		set_date(c, v, &c->rec->date_updated, "cveMetadata.dateUpdated");
}

static void root_member(struct ctx *c, int k, int v, void *arg)
{
	if (tok_eq(c, k, "cveMetadata"))
		each_member(c, v, "cveMetadata", meta_member, NULL);
	else if (tok_eq(c, k, "containers"))
		each_member(c, v, "containers", containers_member, NULL);
}

/* ---- after the walk ---- */

static bool number_of(const struct ctx *c, int i, double *out)
{
	char buf[32], *end;
	int n = c->t[i].end - c->t[i].start;
	if (c->t[i].type != JSMN_PRIMITIVE || n <= 0 || n >= (int)sizeof(buf))
		return false;
	memcpy(buf, c->js + c->t[i].start, (size_t)n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return end == buf + n;
}

/* The record states a score; tuxtape computes its own and only reports disagreement. */
static void check_stated_score(struct ctx *c, double computed)
{
	double stated;
	if (c->score < 0)
		return;
	if (!number_of(c, c->score, &stated))
		warn_at(c, c->score, "cvssV3_1.baseScore is not a number");
	else if (fabs(stated - computed) > 0.01)
		warn_at(c, c->score,
			"cvssV3_1.baseScore %.1f differs from %.1f computed from the vector",
			stated, computed);
}

static void finish_cvss(struct ctx *c)
{
	if (c->vector < 0)
		return;
	struct tt_cvss cv = {.vector = get_str(c, c->vector, "cvssV3_1.vectorString")};
	if (!cv.vector)
		return;
	struct tt_error e = {0};
	if (tt_cvss31_score(cv.vector, &cv.base_score, &cv.severity, &e) != 0) {
		warn_at(c, c->vector, "%s; CVSS ignored", e.msg);
		free(cv.vector);
		return;
	}
	check_stated_score(c, cv.base_score);
	if (c->org_id >= 0)
		cv.source = get_str(c, c->org_id, "providerMetadata.orgId");
	if (c->scenario >= 0)
		cv.rationale = get_str(c, c->scenario, "metrics[].scenarios[].value");
	tt_cvss_clear(&c->rec->cvss);
	c->rec->cvss = cv;
	c->rec->has_cvss = true;
}

/* ---- entry point ---- */

static int error_line(const char *text, size_t len, size_t pos)
{
	int line = 1;
	const char *end = text + (pos < len ? pos : len);
	for (const char *q = text; (q = memchr(q, '\n', (size_t)(end - q))); q++)
		line++;
	return line;
}

/* ---- the tokenizer's fast path ---- */

/*
 * Records are pretty-printed, standard JSON (43% of the CNA tree's bytes are
 * indentation), and jsmn reads them a byte at a time through a switch.
 * scan() below produces exactly the tokens jsmn would for standard JSON (same
 * type, start, end, size and parent), stepping over blank runs and string
 * bodies eight bytes at a time. Whatever it is not sure of (bad grammar, NUL
 * bytes, unusual escapes, text after the record) it leaves to jsmn, whose
 * verdict and error position then stand, so it changes no result.
 *
 * It also leaves out what the walk never reads: an object or array under a
 * key the walk does not look up (cpeApplicability is a fifth of each record)
 * becomes a single token of its type with no children, after the same checks
 * jsmn makes there. The walk sees that key's value exactly as before, which is
 * not at all. Together: 42% fewer instructions to parse the CNA tree.
 */
#define SCAN_FALLBACK (-1)
#define ONES	      0x0101010101010101ull
#define HIGHS	      0x8080808080808080ull

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SCAN_WORDS 1
#else
#define SCAN_WORDS 0
#endif

static inline bool scan_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Characters of a primitive (numbers, true, false, null) that jsmn takes without question. */
static inline bool scan_prim(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-' || c == '+' || c == '.';
}

static size_t skip_blank(const char *js, size_t len, size_t pos)
{
	while (pos < len) {
		char c = js[pos];
		if (c == ' ') {
#if SCAN_WORDS
			if (pos + 8 <= len) {
				uint64_t w;
				memcpy(&w, js + pos, 8);
				w ^= 0x2020202020202020ull;
				pos += w ? (size_t)__builtin_ctzll(w) >> 3 : 8;
				continue;
			}
#endif
			pos++;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			pos++;
		} else {
			break;
		}
	}
	return pos;
}

/* Nonzero where a byte of w equals the byte in every lane of pat (the lowest hit is exact). */
static inline uint64_t lanes_eq(uint64_t w, uint64_t pat)
{
	uint64_t x = w ^ pat;
	return (x - ONES) & ~x & HIGHS;
}

/*
 * The closing quote of the string whose body starts at pos, or SIZE_MAX when
 * jsmn should judge it (an escape it might reject, a NUL, the end of text).
 * *escaped says whether the body holds a backslash.
 */
static size_t scan_string(const char *js, size_t len, size_t pos, bool *escaped)
{
	*escaped = false;
	for (;;) {
#if SCAN_WORDS
		while (pos + 8 <= len) {
			uint64_t w;
			memcpy(&w, js + pos, 8);
			uint64_t hit =
			    lanes_eq(w, ONES * '"') | lanes_eq(w, ONES * '\\') | lanes_eq(w, 0);
			if (hit) {
				pos += (size_t)__builtin_ctzll(hit) >> 3;
				break;
			}
			pos += 8;
		}
#endif
		while (pos < len && js[pos] != '"' && js[pos] != '\\' && js[pos] != '\0')
			pos++;
		if (pos >= len || js[pos] == '\0')
			return SIZE_MAX;
		if (js[pos] == '"')
			return pos;
		/* A backslash: the escapes jsmn accepts, \u with its four hex digits. */
		*escaped = true;
		char e = pos + 1 < len ? js[pos + 1] : '\0';
		if (e == '"' || e == '/' || e == '\\' || e == 'b' || e == 'f' || e == 'r' ||
		    e == 'n' || e == 't') {
			pos += 2;
		} else if (e == 'u' && pos + 6 <= len) {
			for (size_t k = pos + 2; k < pos + 6; k++)
				if (hex4_digit(js[k]) < 0)
					return SIZE_MAX;
			pos += 6;
		} else {
			return SIZE_MAX;
		}
	}
}

/* End of the primitive at pos when a delimiter jsmn also stops at follows it; else SIZE_MAX. */
static size_t scan_primitive(const char *js, size_t len, size_t pos, bool colon_ends)
{
	while (pos < len && scan_prim(js[pos]))
		pos++;
	if (pos >= len)
		return SIZE_MAX;
	char c = js[pos];
	if (scan_ws(c) || c == ',' || c == ']' || c == '}' || (colon_ends && c == ':'))
		return pos;
	return SIZE_MAX;
}

/*
 * Past the object or array at pos, checked as jsmn checks it (matching
 * brackets, strings, primitive characters) but without tokens; SIZE_MAX when
 * jsmn should judge it. Inside, jsmn's own lexing is followed: it accepts
 * stray ':' and ',', so this does too.
 */
static size_t skip_container(const char *js, size_t len, size_t pos)
{
	uint64_t arrays = 0; /* bit d: the container at depth d is an array */
	int depth = 0;
	while (pos < len) {
		char c = js[pos];
		if (c == '{' || c == '[') {
			if (depth == 64)
				return SIZE_MAX;
			arrays = c == '[' ? arrays | (1ull << depth) : arrays & ~(1ull << depth);
			depth++;
			pos++;
		} else if (c == '}' || c == ']') {
			if (depth == 0 || ((arrays >> (depth - 1)) & 1) != (c == ']'))
				return SIZE_MAX;
			pos++;
			if (--depth == 0)
				return pos;
		} else if (c == '"') {
			bool esc;
			pos = scan_string(js, len, pos + 1, &esc);
			if (pos == SIZE_MAX)
				return SIZE_MAX;
			pos++;
		} else if (c == ',' || c == ':') {
			pos++;
		} else if (scan_prim(c)) {
			pos = scan_primitive(js, len, pos, true);
			if (pos == SIZE_MAX)
				return SIZE_MAX;
		} else if (scan_ws(c)) {
			pos = skip_blank(js, len, pos);
		} else {
			return SIZE_MAX;
		}
	}
	return SIZE_MAX;
}

/* Whether the walk looks inside the value of this key (see root_member and below). */
static bool key_is_read(const char *s, size_t n)
{
	static const char *const read[] = {
	    "cveMetadata",	"containers", "cna",	      "descriptions",
	    "rejectedReasons",	"affected",   "programFiles", "versions",
	    "references",	"metrics",    "cvssV3_1",     "scenarios",
	    "providerMetadata",
	};
	for (size_t i = 0; i < sizeof(read) / sizeof(read[0]); i++)
		if (strlen(read[i]) == n && memcmp(read[i], s, n) == 0)
			return true;
	return false;
}

static jsmntok_t *scan_token(struct tt_cve_parser *p, int *n, jsmntype_t type, size_t start,
			     int parent)
{
	if ((unsigned)*n == p->cap) {
		p->cap *= 2;
		p->tok = tt_xrealloc(p->tok, p->cap * sizeof(*p->tok));
		p->next = tt_xrealloc(p->next, p->cap * sizeof(*p->next));
	}
	jsmntok_t *t = &p->tok[(*n)++];
	t->type = type;
	t->start = (int)start;
	t->end = -1;
	t->size = 0;
	t->parent = parent;
	if (parent >= 0)
		p->tok[parent].size++;
	return t;
}

enum scan_state { SCAN_VALUE, SCAN_VALUE_OR_CLOSE, SCAN_KEY, SCAN_KEY_OR_CLOSE, SCAN_AFTER };

/* The token count, as jsmn_parse() would return it, or SCAN_FALLBACK. */
static int scan(struct tt_cve_parser *p, const char *js, size_t len)
{
	if (len > INT_MAX)
		return SCAN_FALLBACK;
	int n = 0;
	int cur = -1; /* the innermost open object or array */
	int sup = -1; /* what the next value belongs to: a key, an array, or nothing (root) */
	bool skip_next = false; /* the next value is under a key the walk never reads */
	enum scan_state st = SCAN_VALUE;
	size_t pos = 0;
	for (;;) {
		pos = skip_blank(js, len, pos);
		if (pos >= len)
			return st == SCAN_AFTER && cur < 0 && n > 0 ? n : SCAN_FALLBACK;
		char c = js[pos];
		switch (st) {
		case SCAN_VALUE_OR_CLOSE:
			if (c == ']')
				break;
			/* fall through */
		case SCAN_VALUE:
			if (c == '{' || c == '[') {
				jsmntype_t type = c == '{' ? JSMN_OBJECT : JSMN_ARRAY;
				if (skip_next) {
					size_t end = skip_container(js, len, pos);
					if (end == SIZE_MAX)
						return SCAN_FALLBACK;
					scan_token(p, &n, type, pos, sup)->end = (int)end;
					pos = end;
					st = SCAN_AFTER;
					continue;
				}
				scan_token(p, &n, type, pos, sup);
				cur = sup = n - 1;
				pos++;
				st = c == '{' ? SCAN_KEY_OR_CLOSE : SCAN_VALUE_OR_CLOSE;
				continue;
			}
			if (c == '"') {
				bool esc;
				size_t end = scan_string(js, len, pos + 1, &esc);
				if (end == SIZE_MAX)
					return SCAN_FALLBACK;
				scan_token(p, &n, JSMN_STRING, pos + 1, sup)->end = (int)end;
				pos = end + 1;
				st = SCAN_AFTER;
				continue;
			}
			if (scan_prim(c)) {
				size_t end = scan_primitive(js, len, pos, false);
				if (end == SIZE_MAX)
					return SCAN_FALLBACK;
				scan_token(p, &n, JSMN_PRIMITIVE, pos, sup)->end = (int)end;
				pos = end;
				st = SCAN_AFTER;
				continue;
			}
			return SCAN_FALLBACK;
		case SCAN_KEY_OR_CLOSE:
			if (c == '}')
				break;
			/* fall through */
		case SCAN_KEY: {
			if (c != '"')
				return SCAN_FALLBACK;
			bool esc;
			size_t end = scan_string(js, len, pos + 1, &esc);
			if (end == SIZE_MAX)
				return SCAN_FALLBACK;
			scan_token(p, &n, JSMN_STRING, pos + 1, cur)->end = (int)end;
			/* The walk compares an escaped key unescaped: keep its value. */
			skip_next = !esc && !key_is_read(js + pos + 1, end - pos - 1);
			pos = skip_blank(js, len, end + 1);
			if (pos >= len || js[pos] != ':')
				return SCAN_FALLBACK;
			pos++;
			sup = n - 1;
			st = SCAN_VALUE;
			continue;
		}
		case SCAN_AFTER:
			skip_next = false;
			if (cur < 0)
				return SCAN_FALLBACK; /* text after the root: jsmn's call */
			if (c == ',') {
				pos++;
				if (p->tok[cur].type == JSMN_OBJECT) {
					st = SCAN_KEY;
				} else {
					sup = cur;
					st = SCAN_VALUE;
				}
				continue;
			}
			if (c == '}' || c == ']')
				break;
			return SCAN_FALLBACK;
		}
		/* c closes the innermost container. */
		if (p->tok[cur].type != (c == '}' ? JSMN_OBJECT : JSMN_ARRAY))
			return SCAN_FALLBACK;
		p->tok[cur].end = (int)pos + 1;
		pos++;
		int up = p->tok[cur].parent;
		if (up >= 0 && p->tok[up].type == JSMN_STRING)
			up = p->tok[up].parent;
		cur = sup = up;
		st = SCAN_AFTER;
	}
}

#if defined(__SANITIZE_ADDRESS__)
#define TT_JSON_CROSS_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TT_JSON_CROSS_CHECK 1
#endif
#endif

#ifdef TT_JSON_CROSS_CHECK
/*
 * Sanitizer builds (make check's second pass, the fuzz harnesses) hold scan()
 * to jsmn on every record they parse: the same tokens, except that a value
 * left out is one childless token where jsmn has a subtree.
 */
static void cross_check(const struct tt_cve_parser *p, const char *text, size_t len, int n)
{
	unsigned cap = 256;
	jsmntok_t *jt = NULL;
	int jn;
	for (;;) {
		jt = tt_xrealloc(jt, cap * sizeof(*jt));
		jsmn_parser jp;
		jsmn_init(&jp);
		jn = jsmn_parse(&jp, text, len, jt, cap);
		if (jn != JSMN_ERROR_NOMEM)
			break;
		cap *= 2;
	}
	int *map = tt_xmalloc((size_t)(jn > 0 ? jn : 1) * sizeof(*map));
	bool ok = jn >= 0;
	int i = 0, k = 0;
	for (; ok && i < n && k < jn; i++) {
		const jsmntok_t *f = &p->tok[i], *t = &jt[k];
		int parent = t->parent < 0 ? -1 : map[t->parent];
		ok = f->type == t->type && f->start == t->start && f->end == t->end &&
		     f->parent == parent;
		map[k++] = i;
		if (!ok || f->size == t->size)
			continue;
		ok = f->size == 0 && (f->type == JSMN_OBJECT || f->type == JSMN_ARRAY);
		for (; k < jn && jt[k].start < t->end; k++)
			map[k] = -2;
	}
	ok = ok && i == n && k == jn;
	free(map);
	free(jt);
	if (!ok) {
		fprintf(stderr, "tuxtape: JSON fast path and jsmn disagree at token %d\n", i);
		abort();
	}
}
#endif

/* Tokenize the whole text, growing the kept token buffer until it fits. */
static int tokenize(struct tt_cve_parser *p, const char *text, size_t len, const char *file,
		    struct tt_error *err)
{
	int n = scan(p, text, len);
	if (n != SCAN_FALLBACK) {
#ifdef TT_JSON_CROSS_CHECK
		cross_check(p, text, len, n);
#endif
		return n;
	}
	for (;;) {
		jsmn_parser jp;
		jsmn_init(&jp);
		int r = jsmn_parse(&jp, text, len, p->tok, p->cap);
		if (r >= 0)
			return r;
		if (r != JSMN_ERROR_NOMEM)
			return tt_error_set(
			    err, -EINVAL, "%s:%d: %s", file, error_line(text, len, jp.pos),
			    r == JSMN_ERROR_PART ? "JSON text ends early" : "invalid JSON");
		/* Restarting is simpler than resuming, and happens only while the buffer grows. */
		p->cap *= 2;
		p->tok = tt_xrealloc(p->tok, p->cap * sizeof(*p->tok));
		p->next = tt_xrealloc(p->next, p->cap * sizeof(*p->next));
	}
}

static void find_id_member(struct ctx *c, int k, int v, void *arg)
{
	/* Records from before bippy 1.0 spell it "cveID" (most of those in rejected/). */
	if (tok_eq(c, k, "cveId") || tok_eq(c, k, "cveID"))
		*(int *)arg = v;
}

static void find_id_root(struct ctx *c, int k, int v, void *arg)
{
	if (tok_eq(c, k, "cveMetadata") && c->t[v].type == JSMN_OBJECT)
		each_member(c, v, "cveMetadata", find_id_member, arg);
}

/* Find and check the id before touching rec, so a non-record leaves rec as it was. */
static int read_id(struct ctx *c, char id[TT_CVE_ID_MAX], struct tt_error *err)
{
	int v = -1;
	each_member(c, 0, "record", find_id_root, &v);
	if (v < 0 || c->t[v].type != JSMN_STRING)
		return tt_error_set(err, -EINVAL, "%s: not a CVE record (no cveMetadata.cveId)",
				    c->file);
	int n = c->t[v].end - c->t[v].start;
	const char *s = c->js + c->t[v].start;
	if (n < TT_CVE_ID_MAX) {
		memcpy(id, s, (size_t)n);
		id[n] = '\0';
		if (tt_cve_id_valid(id))
			return 0;
	}
	return tt_error_set(err, -EINVAL, "%s:%d: \"%.*s\" is not a CVE id", c->file, line_of(c, v),
			    n > 64 ? 64 : n, s);
}

int tt_cve_parse_json(struct tt_cve_parser *p, const char *text, size_t len, const char *file,
		      struct tt_cve_record *rec, const struct tt_diag_sink *diag,
		      struct tt_error *err)
{
	if (!file)
		file = "<json>";
	if (len > TT_CVE_MAX_FILE_BYTES)
		return tt_error_set(err, -EFBIG, "%s: %zu bytes is too large for a CVE record",
				    file, len);
	int n = tokenize(p, text, len, file, err);
	if (n < 0)
		return n;
	link_subtrees(p->tok, n, p->next);
	struct ctx c = {.js = text,
			.t = p->tok,
			.next = p->next,
			.n = n,
			.file = file,
			.diag = diag,
			.scratch = &p->scratch,
			.rec = rec,
			.org_id = -1,
			.vector = -1,
			.score = -1,
			.scenario = -1};
	if (n == 0 || p->tok[0].type != JSMN_OBJECT)
		return tt_error_set(err, -EINVAL, "%s: not a CVE record (not a JSON object)", file);
	if (skip(&c, 0) != n)
		return tt_error_set(err, -EINVAL, "%s:%d: text after the JSON object", file,
				    line_of(&c, skip(&c, 0)));
	char id[TT_CVE_ID_MAX];
	int r = read_id(&c, id, err);
	if (r)
		return r;
	memcpy(rec->id, id, sizeof(id));
	each_member(&c, 0, "record", root_member, NULL);
	finish_cvss(&c);
	tt_strv_sort_unique(&rec->program_files);
	return 0;
}
