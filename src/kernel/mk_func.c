// SPDX-License-Identifier: GPL-2.0-or-later
/* GNU make's text functions, as far as Kbuild makefiles use them. */
#include <ctype.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbuild_internal.h"
#include "mk.h"

#define MK_MAX_ARGS 32

struct mk_args {
	const char *raw[MK_MAX_ARGS];
	size_t len[MK_MAX_ARGS];
	int n;
};

typedef bool (*mk_fn)(struct mk *m, const struct mk_args *a, struct tt_buf *out);

/* Expand argument i (empty when absent) into b; returns the unknown flag. */
static bool arg(struct mk *m, const struct mk_args *a, int i, struct tt_buf *b)
{
	if (i >= a->n)
		return false;
	return mk_expand(m, a->raw[i], a->len[i], b);
}

static void add_word(struct tt_buf *out, bool *first, const char *w, size_t wl)
{
	if (!*first)
		tt_buf_addc(out, ' ');
	*first = false;
	tt_buf_add(out, w, wl);
}

static bool fn_subst(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf from = TT_BUF_INIT, to = TT_BUF_INIT, text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &from);
	unk |= arg(m, a, 1, &to);
	unk |= arg(m, a, 2, &text);
	const char *p = tt_buf_str(&text);
	if (!from.len) {
		/* make appends "to" at the end when "from" is empty. */
		tt_buf_adds(out, p);
		tt_buf_adds(out, tt_buf_str(&to));
	} else {
		const char *hit;
		while ((hit = strstr(p, from.buf))) {
			tt_buf_add(out, p, (size_t)(hit - p));
			tt_buf_add(out, tt_buf_str(&to), to.len);
			p = hit + from.len;
		}
		tt_buf_adds(out, p);
	}
	tt_buf_free(&from);
	tt_buf_free(&to);
	tt_buf_free(&text);
	return unk;
}

static bool fn_patsubst(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf pat = TT_BUF_INIT, rep = TT_BUF_INIT, text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &pat);
	unk |= arg(m, a, 1, &rep);
	unk |= arg(m, a, 2, &text);
	size_t pos = 0, wl, sl;
	const char *w, *stem;
	bool first = true;
	const char *t = tt_buf_str(&text);
	while (mk_next_word(t, text.len, &pos, &w, &wl)) {
		if (!first)
			tt_buf_addc(out, ' ');
		first = false;
		if (mk_pattern_match(tt_buf_str(&pat), pat.len, w, wl, &stem, &sl))
			mk_pattern_subst(out, tt_buf_str(&rep), rep.len, stem, sl);
		else
			tt_buf_add(out, w, wl);
	}
	tt_buf_free(&pat);
	tt_buf_free(&rep);
	tt_buf_free(&text);
	return unk;
}

static bool fn_strip(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	size_t pos = 0, wl;
	const char *w;
	bool first = true;
	while (mk_next_word(tt_buf_str(&text), text.len, &pos, &w, &wl))
		add_word(out, &first, w, wl);
	tt_buf_free(&text);
	return unk;
}

static bool fn_findstring(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf find = TT_BUF_INIT, in = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &find);
	unk |= arg(m, a, 1, &in);
	if (strstr(tt_buf_str(&in), tt_buf_str(&find)))
		tt_buf_adds(out, tt_buf_str(&find));
	tt_buf_free(&find);
	tt_buf_free(&in);
	return unk;
}

static bool matches_any(const char *pats, size_t pl, const char *w, size_t wl)
{
	size_t pos = 0, l, sl;
	const char *p, *stem;
	while (mk_next_word(pats, pl, &pos, &p, &l))
		if (mk_pattern_match(p, l, w, wl, &stem, &sl))
			return true;
	return false;
}

static size_t count_words(const struct tt_buf *b)
{
	size_t pos = 0, wl, n = 0;
	const char *w;
	while (mk_next_word(tt_buf_str(b), b->len, &pos, &w, &wl))
		n++;
	return n;
}

static bool filter_common(struct mk *m, const struct mk_args *a, struct tt_buf *out, bool keep)
{
	struct tt_buf pats = TT_BUF_INIT, text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &pats);
	unk |= arg(m, a, 1, &text);
	/* Words times patterns: real makefiles stay far below this. */
	if (count_words(&pats) * count_words(&text) > 20u * 1000 * 1000) {
		tt_buf_free(&pats);
		tt_buf_free(&text);
		return mk_unknown(m, "$(filter) over lists too large");
	}
	size_t pos = 0, wl;
	const char *w;
	bool first = true;
	while (mk_next_word(tt_buf_str(&text), text.len, &pos, &w, &wl))
		if (matches_any(tt_buf_str(&pats), pats.len, w, wl) == keep)
			add_word(out, &first, w, wl);
	tt_buf_free(&pats);
	tt_buf_free(&text);
	return unk;
}

static bool fn_filter(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return filter_common(m, a, out, true);
}

static bool fn_filter_out(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return filter_common(m, a, out, false);
}

static void split_words(const char *s, size_t n, struct tt_strv *sv)
{
	size_t pos = 0, wl;
	const char *w;
	while (mk_next_word(s, n, &pos, &w, &wl))
		tt_strv_push_owned(sv, tt_xstrndup(w, wl));
}

static bool fn_sort(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	struct tt_strv sv = TT_STRV_INIT;
	split_words(tt_buf_str(&text), text.len, &sv);
	tt_strv_sort_unique(&sv);
	for (size_t i = 0; i < sv.n; i++) {
		if (i)
			tt_buf_addc(out, ' ');
		tt_buf_adds(out, sv.v[i]);
	}
	tt_strv_free(&sv);
	tt_buf_free(&text);
	return unk;
}

static long parse_index(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -1 : v;
}

/* Words first..last (1-based, inclusive) of text. */
static void emit_range(const char *t, size_t n, long first_i, long last_i, struct tt_buf *out)
{
	size_t pos = 0, wl;
	const char *w;
	bool first = true;
	for (long i = 1; i <= last_i && mk_next_word(t, n, &pos, &w, &wl); i++)
		if (i >= first_i)
			add_word(out, &first, w, wl);
}

static bool fn_word(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf nb = TT_BUF_INIT, text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &nb);
	unk |= arg(m, a, 1, &text);
	long i = parse_index(tt_buf_str(&nb));
	if (i > 0)
		emit_range(tt_buf_str(&text), text.len, i, i, out);
	tt_buf_free(&nb);
	tt_buf_free(&text);
	return unk;
}

static bool fn_wordlist(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf sb = TT_BUF_INIT, eb = TT_BUF_INIT, text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &sb);
	unk |= arg(m, a, 1, &eb);
	unk |= arg(m, a, 2, &text);
	long s = parse_index(tt_buf_str(&sb)), e = parse_index(tt_buf_str(&eb));
	if (s > 0 && e >= s)
		emit_range(tt_buf_str(&text), text.len, s, e, out);
	tt_buf_free(&sb);
	tt_buf_free(&eb);
	tt_buf_free(&text);
	return unk;
}

static bool fn_words(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	size_t pos = 0, wl, count = 0;
	const char *w;
	while (mk_next_word(tt_buf_str(&text), text.len, &pos, &w, &wl))
		count++;
	tt_buf_addf(out, "%zu", count);
	tt_buf_free(&text);
	return unk;
}

static bool fn_firstword(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	emit_range(tt_buf_str(&text), text.len, 1, 1, out);
	tt_buf_free(&text);
	return unk;
}

static bool fn_lastword(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	size_t pos = 0, wl, ll = 0;
	const char *w, *last = NULL;
	while (mk_next_word(tt_buf_str(&text), text.len, &pos, &w, &wl)) {
		last = w;
		ll = wl;
	}
	if (last)
		tt_buf_add(out, last, ll);
	tt_buf_free(&text);
	return unk;
}

enum name_part { PART_DIR, PART_NOTDIR, PART_SUFFIX, PART_BASENAME };

static void name_part(const char *w, size_t wl, enum name_part part, struct tt_buf *out)
{
	const char *slash = NULL, *dot = NULL;
	for (size_t i = 0; i < wl; i++) {
		if (w[i] == '/')
			slash = w + i, dot = NULL;
		else if (w[i] == '.')
			dot = w + i;
	}
	switch (part) {
	case PART_DIR:
		if (slash)
			tt_buf_add(out, w, (size_t)(slash - w) + 1);
		else
			tt_buf_adds(out, "./");
		break;
	case PART_NOTDIR:
		tt_buf_add(out, slash ? slash + 1 : w, slash ? wl - (size_t)(slash - w) - 1 : wl);
		break;
	case PART_SUFFIX:
		if (dot)
			tt_buf_add(out, dot, wl - (size_t)(dot - w));
		break;
	case PART_BASENAME:
		tt_buf_add(out, w, dot ? (size_t)(dot - w) : wl);
		break;
	}
}

static bool per_word(struct mk *m, const struct mk_args *a, struct tt_buf *out, enum name_part part)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	size_t pos = 0, wl;
	const char *w;
	bool first = true;
	struct tt_buf part_buf = TT_BUF_INIT;
	while (mk_next_word(tt_buf_str(&text), text.len, &pos, &w, &wl)) {
		tt_buf_reset(&part_buf);
		name_part(w, wl, part, &part_buf);
		/* $(suffix) of a word without one adds nothing, not even a separator. */
		if (part_buf.len)
			add_word(out, &first, part_buf.buf, part_buf.len);
	}
	tt_buf_free(&part_buf);
	tt_buf_free(&text);
	return unk;
}

static bool fn_dir(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return per_word(m, a, out, PART_DIR);
}

static bool fn_notdir(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return per_word(m, a, out, PART_NOTDIR);
}

static bool fn_suffix(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return per_word(m, a, out, PART_SUFFIX);
}

static bool fn_basename(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return per_word(m, a, out, PART_BASENAME);
}

static bool affix(struct mk *m, const struct mk_args *a, struct tt_buf *out, bool prefix)
{
	struct tt_buf fix = TT_BUF_INIT, text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &fix);
	unk |= arg(m, a, 1, &text);
	size_t pos = 0, wl;
	const char *w;
	bool first = true;
	while (mk_next_word(tt_buf_str(&text), text.len, &pos, &w, &wl)) {
		if (!first)
			tt_buf_addc(out, ' ');
		first = false;
		if (prefix)
			tt_buf_add(out, tt_buf_str(&fix), fix.len);
		tt_buf_add(out, w, wl);
		if (!prefix)
			tt_buf_add(out, tt_buf_str(&fix), fix.len);
	}
	tt_buf_free(&fix);
	tt_buf_free(&text);
	return unk;
}

static bool fn_addprefix(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return affix(m, a, out, true);
}

static bool fn_addsuffix(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return affix(m, a, out, false);
}

static bool fn_join(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf l1 = TT_BUF_INIT, l2 = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &l1);
	unk |= arg(m, a, 1, &l2);
	size_t p1 = 0, p2 = 0, n1, n2;
	const char *w1, *w2;
	bool first = true;
	for (;;) {
		bool h1 = mk_next_word(tt_buf_str(&l1), l1.len, &p1, &w1, &n1);
		bool h2 = mk_next_word(tt_buf_str(&l2), l2.len, &p2, &w2, &n2);
		if (!h1 && !h2)
			break;
		if (!first)
			tt_buf_addc(out, ' ');
		first = false;
		if (h1)
			tt_buf_add(out, w1, n1);
		if (h2)
			tt_buf_add(out, w2, n2);
	}
	tt_buf_free(&l1);
	tt_buf_free(&l2);
	return unk;
}

/* Relative patterns resolve in the source tree, as in an in-tree build. */
static void glob_one(struct mk *m, const char *pat, size_t pl, struct tt_buf *out, bool *first)
{
	_cleanup_free_ char *p = tt_xstrndup(pat, pl);
	_cleanup_free_ char *full =
	    p[0] == '/' ? tt_xstrdup(p) : tt_xasprintf("%s/%s", m->srcroot, p);
	size_t strip = p[0] == '/' ? 0 : strlen(m->srcroot) + 1;
	glob_t g;
	if (glob(full, 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		add_word(out, first, g.gl_pathv[i] + strip, strlen(g.gl_pathv[i] + strip));
	globfree(&g);
}

static bool fn_wildcard(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	if (!m->srcroot) {
		tt_buf_free(&text);
		return mk_unknown(m, "$(wildcard) without a source tree");
	}
	size_t pos = 0, wl;
	const char *w;
	bool first = true;
	while (mk_next_word(tt_buf_str(&text), text.len, &pos, &w, &wl))
		glob_one(m, w, wl, out, &first);
	tt_buf_free(&text);
	return unk;
}

static bool fn_abspath(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	size_t pos = 0, wl;
	const char *w;
	bool first = true;
	while (mk_next_word(tt_buf_str(&text), text.len, &pos, &w, &wl)) {
		char *p = w[0] == '/'
			      ? tt_xstrndup(w, wl)
			      : tt_xasprintf("%s/%.*s", m->srcroot ? m->srcroot : "", (int)wl, w);
		kb_path_normalize(p);
		add_word(out, &first, p, strlen(p));
		free(p);
	}
	tt_buf_free(&text);
	return unk || !m->srcroot;
}

static bool fn_if(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf cond = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &cond);
	struct tt_buf stripped = TT_BUF_INIT;
	struct mk_args one = {{tt_buf_str(&cond)}, {cond.len}, 1};
	fn_strip(m, &one, &stripped);
	if (unk) {
		/* Neither branch is known to be the one make takes. */
		tt_buf_free(&cond);
		tt_buf_free(&stripped);
		return true;
	}
	unk = arg(m, a, stripped.len ? 1 : 2, out);
	tt_buf_free(&cond);
	tt_buf_free(&stripped);
	return unk;
}

static bool is_blank_text(const struct tt_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (!isspace((unsigned char)b->buf[i]))
			return false;
	return true;
}

/* $(or): first non-empty argument; $(and): empty at the first empty one, else the last. */
static bool fn_or_and(struct mk *m, const struct mk_args *a, struct tt_buf *out, bool is_or)
{
	struct tt_buf v = TT_BUF_INIT;
	bool result = !is_or;
	for (int i = 0; i < a->n; i++) {
		tt_buf_reset(&v);
		if (arg(m, a, i, &v)) {
			tt_buf_free(&v);
			return true;
		}
		if (is_or && !is_blank_text(&v)) {
			result = true;
			break;
		}
		if (!is_or && is_blank_text(&v)) {
			result = false;
			break;
		}
	}
	if (result && a->n)
		tt_buf_add(out, tt_buf_str(&v), v.len);
	tt_buf_free(&v);
	return false;
}

static bool fn_or(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return fn_or_and(m, a, out, true);
}

static bool fn_and(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return fn_or_and(m, a, out, false);
}

/* Bind name to value for the duration of a foreach body or a call; returns the old binding. */
static struct mk_var *bind(struct mk *m, const char *name, size_t len, const char *value, size_t vl)
{
	struct tt_strmap_entry *e = tt_strmap_upsertn(&m->vars, name, len, NULL);
	struct mk_var *old = e->val;
	struct mk_var *v = tt_xcalloc(1, sizeof(*v));
	v->value = tt_xstrndup(value, vl);
	e->val = v;
	return old;
}

static void unbind(struct mk *m, const char *name, size_t len, struct mk_var *old)
{
	/* The body may have added variables: find the slot again. */
	struct tt_strmap_entry *e = tt_strmap_upsertn(&m->vars, name, len, NULL);
	mk_var_free(e->val);
	e->val = old;
	if (!old)
		e->val = mk_var_new("", false); /* undefined and empty expand alike */
}

static bool fn_foreach(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf var = TT_BUF_INIT, list = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &var);
	unk |= arg(m, a, 1, &list);
	size_t pos = 0, wl;
	const char *w;
	bool first = true;
	const char *name = tt_buf_str(&var);
	struct mk_var *old = NULL;
	bool bound = false;
	while (mk_next_word(tt_buf_str(&list), list.len, &pos, &w, &wl)) {
		if (!mk_step(m)) {
			unk = true;
			break;
		}
		if (bound)
			mk_var_free(bind(m, name, var.len, w, wl));
		else
			old = bind(m, name, var.len, w, wl);
		bound = true;
		struct tt_buf body = TT_BUF_INIT;
		unk |= arg(m, a, 2, &body);
		if (body.len) {
			if (!first)
				tt_buf_addc(out, ' ');
			first = false;
			tt_buf_add(out, body.buf, body.len);
		}
		tt_buf_free(&body);
	}
	if (bound)
		unbind(m, name, var.len, old);
	tt_buf_free(&var);
	tt_buf_free(&list);
	return unk;
}

/* "$(1)".."$(31)": the names $(call) binds, without printf on the hot path. */
static size_t arg_name(char num[3], int i)
{
	if (i < 10) {
		num[0] = (char)('0' + i);
		return 1;
	}
	num[0] = (char)('0' + i / 10);
	num[1] = (char)('0' + i % 10);
	return 2;
}

static bool fn_call(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf fname = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &fname);
	struct mk_args s = {{tt_buf_str(&fname)}, {fname.len}, 1};
	struct tt_buf name = TT_BUF_INIT;
	fn_strip(m, &s, &name);
	tt_buf_free(&fname);
	const char *nm = tt_buf_str(&name);
	if (!mk_local(m, nm, name.len) && !(m->env && tt_strmap_findn(m->env, nm, name.len))) {
		/* cc-option, ld-option, as-instr...: Kbuild's compiler probes. */
		unk = mk_unknown(m, "$(call %s) needs the toolchain", nm);
		tt_buf_free(&name);
		return unk;
	}
	struct mk_var *saved[MK_MAX_ARGS] = {0};
	char num[3];
	for (int i = 0; i < a->n; i++) {
		struct tt_buf v = TT_BUF_INIT;
		if (i == 0)
			tt_buf_add(&v, nm, name.len);
		else
			unk |= arg(m, a, i, &v);
		saved[i] = bind(m, num, arg_name(num, i), tt_buf_str(&v), v.len);
		tt_buf_free(&v);
	}
	unk |= mk_expand_call(m, nm, out);
	for (int i = a->n - 1; i >= 0; i--)
		unbind(m, num, arg_name(num, i), saved[i]);
	tt_buf_free(&name);
	return unk;
}

static bool fn_value(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf name = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &name);
	struct mk_var *v = mk_local(m, tt_buf_str(&name), name.len);
	if (v)
		tt_buf_adds(out, v->value);
	else
		unk |= mk_expand_var(m, tt_buf_str(&name), out);
	tt_buf_free(&name);
	return unk;
}

static bool fn_origin(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf name = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &name);
	const char *n = tt_buf_str(&name);
	if (mk_local(m, n, name.len))
		tt_buf_adds(out, "file");
	else if (m->env && tt_strmap_findn(m->env, n, name.len))
		tt_buf_adds(out, "environment");
	else if (m->cfg && tt_kconfig_get(m->cfg, n) && strncmp(n, "CONFIG_", 7) == 0)
		tt_buf_adds(out, "file");
	else
		tt_buf_adds(out, "undefined");
	tt_buf_free(&name);
	return unk;
}

static bool fn_flavor(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf name = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &name);
	struct mk_var *v = mk_local(m, tt_buf_str(&name), name.len);
	tt_buf_adds(out, !v ? "undefined" : v->recursive ? "recursive" : "simple");
	tt_buf_free(&name);
	return unk;
}

static bool fn_eval(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	bool unk = arg(m, a, 0, &text);
	if (unk || m->eval_depth >= 16) {
		tt_buf_free(&text);
		return mk_unknown(m, "$(eval) of text that cannot be evaluated");
	}
	const char *file = m->file;
	int line = m->line;
	mk_eval(m, tt_buf_str(&text), text.len, file);
	m->file = file;
	m->line = line;
	tt_buf_free(&text);
	return false;
}

static bool fn_unknowable(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return mk_unknown(m, "$(shell ...)/$(file ...) runs outside make");
}

static bool fn_error(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	arg(m, a, 0, &text);
	bool r = mk_unknown(m, "$(error %.200s): the build would stop here", tt_buf_str(&text));
	tt_buf_free(&text);
	return r;
}

/* $(info), $(warning): only messages; what they print cannot change any list. */
static bool fn_ignore(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	struct tt_buf text = TT_BUF_INIT;
	arg(m, a, 0, &text);
	tt_buf_free(&text);
	return false;
}

static bool fn_newer_make(struct mk *m, const struct mk_args *a, struct tt_buf *out)
{
	return mk_unknown(m, "make function not supported by the Kbuild evaluator");
}

struct mk_func {
	const char *name;
	size_t len;
	int max_args; /* the last argument takes the rest, commas included */
	mk_fn fn;
};

#define F(name, max, fn)                                                                           \
	{                                                                                          \
		name, sizeof(name) - 1, max, fn                                                    \
	}

static const struct mk_func funcs[] = {
    F("subst", 3, fn_subst),
    F("patsubst", 3, fn_patsubst),
    F("strip", 1, fn_strip),
    F("findstring", 2, fn_findstring),
    F("filter", 2, fn_filter),
    F("filter-out", 2, fn_filter_out),
    F("sort", 1, fn_sort),
    F("word", 2, fn_word),
    F("wordlist", 3, fn_wordlist),
    F("words", 1, fn_words),
    F("firstword", 1, fn_firstword),
    F("lastword", 1, fn_lastword),
    F("dir", 1, fn_dir),
    F("notdir", 1, fn_notdir),
    F("suffix", 1, fn_suffix),
    F("basename", 1, fn_basename),
    F("addsuffix", 2, fn_addsuffix),
    F("addprefix", 2, fn_addprefix),
    F("join", 2, fn_join),
    F("wildcard", 1, fn_wildcard),
    F("realpath", 1, fn_abspath),
    F("abspath", 1, fn_abspath),
    F("if", 3, fn_if),
    F("or", MK_MAX_ARGS, fn_or),
    F("and", MK_MAX_ARGS, fn_and),
    F("foreach", 3, fn_foreach),
    F("call", MK_MAX_ARGS, fn_call),
    F("value", 1, fn_value),
    F("origin", 1, fn_origin),
    F("flavor", 1, fn_flavor),
    F("eval", 1, fn_eval),
    F("shell", 1, fn_unknowable),
    F("file", 1, fn_unknowable),
    F("error", 1, fn_error),
    F("warning", 1, fn_ignore),
    F("info", 1, fn_ignore),
    F("let", 3, fn_newer_make),
    F("intcmp", 5, fn_newer_make),
    F("guile", 1, fn_newer_make),
};

/* Split at top-level commas; nested $(...) and plain parentheses keep theirs. */
static void split_args(const char *s, size_t n, int max, struct mk_args *a)
{
	a->n = 0;
	size_t st = 0;
	int depth = 0;
	for (size_t i = 0; i <= n; i++) {
		bool end = i == n;
		if (!end && (s[i] == '(' || s[i] == '{'))
			depth++;
		else if (!end && (s[i] == ')' || s[i] == '}') && depth > 0)
			depth--;
		if (end || (s[i] == ',' && depth == 0 && a->n < max - 1)) {
			a->raw[a->n] = s + st;
			a->len[a->n] = i - st;
			a->n++;
			st = i + 1;
		}
	}
}

bool mk_call_function(struct mk *m, const char *s, size_t n, struct tt_buf *out, bool *handled)
{
	size_t nl = 0;
	while (nl < n && !isspace((unsigned char)s[nl]))
		nl++;
	*handled = false;
	if (nl == n)
		return false;
	/* Every function name is lowercase letters and '-': most references end here. */
	if (!islower((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		if (funcs[i].len != nl || memcmp(funcs[i].name, s, nl) != 0)
			continue;
		*handled = true;
		if (!mk_step(m))
			return true;
		size_t st = nl;
		while (st < n && isspace((unsigned char)s[st]))
			st++;
		struct mk_args a;
		split_args(s + st, n - st, funcs[i].max_args, &a);
		return funcs[i].fn(m, &a, out);
	}
	return false;
}
