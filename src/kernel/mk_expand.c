// SPDX-License-Identifier: GPL-2.0-or-later
/* Variable storage and $(...) expansion for the make subset. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mk.h"

/* Enough for any real makefile; stops a pathological foreach/call from eating memory. */
#define MK_BUDGET (64u << 20)
/* The whole Debian 6.1 tree needs under 20,000 per directory. */
#define MK_STEPS (200u * 1000)
/* Deeper than any real Kbuild nesting; catches "x = $(x)" self references. */
#define MK_MAX_DEPTH 100

struct mk_var *mk_var_new(const char *value, bool recursive)
{
	struct mk_var *v = tt_xcalloc(1, sizeof(*v));
	v->value = tt_xstrdup(value ? value : "");
	v->recursive = recursive;
	return v;
}

void mk_var_free(void *p)
{
	struct mk_var *v = p;
	if (!v)
		return;
	free(v->value);
	free(v->why);
	free(v);
}

void mk_init(struct mk *m, const struct tt_strmap *env, const struct tt_kconfig *cfg,
	     const char *srcroot)
{
	memset(m, 0, sizeof(*m));
	m->env = env;
	m->cfg = cfg;
	m->srcroot = srcroot;
	m->budget = MK_BUDGET;
	m->steps = MK_STEPS;
}

bool mk_step(struct mk *m)
{
	if (m->steps > 1) {
		m->steps--;
		return true;
	}
	/* Say it once: after this every step fails fast, without formatting. */
	if (m->steps == 1) {
		m->steps = 0;
		mk_unknown(m, "evaluation too long");
	} else if (!m->why) {
		m->why = tt_xstrdup("evaluation too long");
	}
	return false;
}

void mk_free(struct mk *m)
{
	tt_strmap_free(&m->vars, mk_var_free);
	tt_strv_free(&m->rule_targets);
	tt_strv_free(&m->rule_prereqs);
	free(m->why);
	m->why = NULL;
}

struct mk_var *mk_local(struct mk *m, const char *name, size_t len)
{
	struct tt_strmap_entry *e = tt_strmap_findn(&m->vars, name, len);
	return e ? e->val : NULL;
}

void mk_set(struct mk *m, const char *name, const char *value, bool recursive)
{
	struct tt_strmap_entry *e = tt_strmap_upsert(&m->vars, name, NULL);
	mk_var_free(e->val);
	e->val = mk_var_new(value, recursive);
}

bool mk_unknown(struct mk *m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(m->why);
	m->why = tt_xasprintf("%s:%d: %s", m->file ? m->file : "?", m->line, msg);
	return true;
}

/*
 * Set by the top-level Makefile from the toolchain and the command line:
 * never in the Kbuild files, so their values are not knowable here.
 */
static const char *const external_vars[] = {
    "CC",
    "LD",
    "AS",
    "AR",
    "NM",
    "STRIP",
    "OBJCOPY",
    "OBJDUMP",
    "READELF",
    "CPP",
    "HOSTCC",
    "HOSTCXX",
    "CROSS_COMPILE",
    "PAHOLE",
    "LLVM",
    "LLVM_IAS",
    "PYTHON3",
    "PERL",
    "AWK",
    "CC_VERSION_TEXT",
    "KERNELRELEASE",
    "KBUILD_CFLAGS",
    "KBUILD_AFLAGS",
    "KBUILD_CPPFLAGS",
    "KBUILD_LDFLAGS",
    "LINUXINCLUDE",
    "NOSTDINC_FLAGS",
    "CC_FLAGS_FTRACE",
    "CC_FLAGS_LTO",
    "CC_FLAGS_CFI",
    "CC_FLAGS_SCS",
    "CLANG_FLAGS",
    "RETPOLINE_CFLAGS",
    "RETHUNK_CFLAGS",
    "KBUILD_HOSTCFLAGS",
};

static bool is_external(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(external_vars) / sizeof(external_vars[0]); i++)
		if (strlen(external_vars[i]) == len && memcmp(external_vars[i], name, len) == 0)
			return true;
	return false;
}

static const struct mk_var *lookup(struct mk *m, const char *name, size_t len)
{
	struct mk_var *v = mk_local(m, name, len);
	if (v)
		return v;
	if (m->env) {
		struct tt_strmap_entry *e = tt_strmap_findn(m->env, name, len);
		if (e)
			return e->val;
	}
	return NULL;
}

/*
 * auto.conf sets CONFIG_X only for y, m and values; "is not set" stays
 * undefined. Returns false when the symbol is not defined for make.
 */
bool mk_config_value(const struct mk *m, const char *name, size_t len, struct tt_buf *out)
{
	if (!m->cfg || len < 8 || memcmp(name, "CONFIG_", 7) != 0 || len > 255)
		return false;
	char buf[256];
	memcpy(buf, name, len);
	buf[len] = '\0';
	const char *v = tt_kconfig_get(m->cfg, buf);
	if (!v)
		return false;
	size_t vl = strlen(v);
	if (!m->cfg_unquoted || vl < 2 || v[0] != '"') {
		tt_buf_adds(out, v);
		return true;
	}
	for (size_t i = 1; i + 1 < vl; i++) {
		if (v[i] == '\\' && i + 2 < vl)
			i++;
		tt_buf_addc(out, v[i]);
	}
	return true;
}

static bool budget_spend(struct mk *m, size_t n)
{
	if (n > m->budget) {
		m->budget = 0;
		return false;
	}
	m->budget -= n;
	return true;
}

static bool is_active(const struct mk *m, const char *name, size_t len)
{
	for (int i = 0; i < m->n_active; i++)
		if (strlen(m->active[i]) == len && memcmp(m->active[i], name, len) == 0)
			return true;
	return false;
}

static bool expand_value(struct mk *m, const char *name, size_t len, const struct mk_var *v,
			 struct tt_buf *out)
{
	bool unk = false;
	if (v->unknown) {
		free(m->why);
		m->why = tt_xstrdup(v->why ? v->why : "value not known");
		unk = true;
	}
	if (!v->recursive) {
		tt_buf_adds(out, v->value);
		return unk;
	}
	if (is_active(m, name, len))
		return mk_unknown(m, "recursive variable '%.*s' references itself", (int)len, name);
	if (m->depth >= MK_MAX_DEPTH || m->n_active >= MK_MAX_DEPTH || !mk_step(m))
		return mk_unknown(m, "variable expansion too deep or too long");
	m->depth++;
	m->active[m->n_active++] = tt_xstrndup(name, len);
	/* Copy: expanding may redefine the variable ($(eval) inside its own value). */
	char *text = tt_xstrdup(v->value);
	unk |= mk_expand(m, text, strlen(text), out);
	free(text);
	free(m->active[--m->n_active]);
	m->depth--;
	return unk;
}

static bool expand_name(struct mk *m, const char *name, size_t len, struct tt_buf *out)
{
	const struct mk_var *v = lookup(m, name, len);
	if (v)
		return expand_value(m, name, len, v, out);
	if (mk_config_value(m, name, len, out))
		return false;
	if (is_external(name, len))
		return mk_unknown(m, "$(%.*s) is set by the toolchain, not by Kbuild files",
				  (int)len, name);
	return false;
}

bool mk_expand_call(struct mk *m, const char *name, struct tt_buf *out)
{
	const struct mk_var *v = lookup(m, name, strlen(name));
	if (!v || !v->recursive)
		return mk_expand_var(m, name, out);
	/* Like make, $(call) may recurse into its own function; depth and steps bound it. */
	if (m->depth >= MK_MAX_DEPTH || !mk_step(m))
		return mk_unknown(m, "$(call %s) nested too deep or too long", name);
	bool unk = v->unknown;
	if (unk) {
		free(m->why);
		m->why = tt_xstrdup(v->why ? v->why : "value not known");
	}
	m->depth++;
	char *text = tt_xstrdup(v->value);
	unk |= mk_expand(m, text, strlen(text), out);
	free(text);
	m->depth--;
	return unk;
}

bool mk_expand_var(struct mk *m, const char *name, struct tt_buf *out)
{
	return expand_name(m, name, strlen(name), out);
}

size_t mk_find_close(const char *s, size_t n, size_t open)
{
	char o = s[open], c = o == '(' ? ')' : '}';
	int depth = 1;
	for (size_t j = open + 1; j < n; j++) {
		if (s[j] == o)
			depth++;
		else if (s[j] == c && --depth == 0)
			return j;
	}
	return n;
}

/* Top-level ':' of "var:pat=rep", skipping nested references; n when none. */
static size_t find_subst_colon(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
			i = mk_find_close(s, n, i + 1);
			continue;
		}
		if (s[i] == ':')
			return i;
	}
	return n;
}

bool mk_next_word(const char *s, size_t n, size_t *pos, const char **w, size_t *wl)
{
	size_t i = *pos;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i >= n) {
		*pos = n;
		return false;
	}
	size_t st = i;
	while (i < n && !isspace((unsigned char)s[i]))
		i++;
	*w = s + st;
	*wl = i - st;
	*pos = i;
	return true;
}

bool mk_pattern_match(const char *pat, size_t pl, const char *w, size_t wl, const char **stem,
		      size_t *sl)
{
	const char *pc = memchr(pat, '%', pl);
	if (!pc) {
		*stem = w;
		*sl = 0;
		return pl == wl && memcmp(pat, w, wl) == 0;
	}
	size_t pre = (size_t)(pc - pat), post = pl - pre - 1;
	if (wl < pre + post || memcmp(w, pat, pre) != 0 || memcmp(w + wl - post, pc + 1, post) != 0)
		return false;
	*stem = w + pre;
	*sl = wl - pre - post;
	return true;
}

void mk_pattern_subst(struct tt_buf *out, const char *rep, size_t rl, const char *stem, size_t sl)
{
	const char *pc = memchr(rep, '%', rl);
	if (!pc) {
		tt_buf_add(out, rep, rl);
		return;
	}
	tt_buf_add(out, rep, (size_t)(pc - rep));
	tt_buf_add(out, stem, sl);
	tt_buf_add(out, pc + 1, rl - (size_t)(pc - rep) - 1);
}

/* $(var:a=b) is $(patsubst %a,%b,$(var)) unless a already has a '%'. */
static void apply_subst_ref(const char *val, size_t vl, const char *pat, const char *rep,
			    struct tt_buf *out)
{
	struct tt_buf p = TT_BUF_INIT, r = TT_BUF_INIT;
	if (!strchr(pat, '%')) {
		tt_buf_addc(&p, '%');
		tt_buf_addc(&r, '%');
	}
	tt_buf_adds(&p, pat);
	tt_buf_adds(&r, rep);
	size_t pos = 0;
	const char *w;
	size_t wl;
	bool first = true;
	while (mk_next_word(val, vl, &pos, &w, &wl)) {
		const char *stem;
		size_t sl;
		if (!first)
			tt_buf_addc(out, ' ');
		first = false;
		if (mk_pattern_match(tt_buf_str(&p), p.len, w, wl, &stem, &sl))
			mk_pattern_subst(out, tt_buf_str(&r), r.len, stem, sl);
		else
			tt_buf_add(out, w, wl);
	}
	tt_buf_free(&p);
	tt_buf_free(&r);
}

static bool expand_subst_ref(struct mk *m, const char *s, size_t n, size_t colon,
			     struct tt_buf *out)
{
	const char *eq = memchr(s + colon, '=', n - colon);
	struct tt_buf name = TT_BUF_INIT, pat = TT_BUF_INIT, rep = TT_BUF_INIT, val = TT_BUF_INIT;
	bool unk = mk_expand(m, s, colon, &name);
	unk |= mk_expand(m, s + colon + 1, (size_t)(eq - s) - colon - 1, &pat);
	unk |= mk_expand(m, eq + 1, n - (size_t)(eq - s) - 1, &rep);
	unk |= expand_name(m, tt_buf_str(&name), name.len, &val);
	apply_subst_ref(tt_buf_str(&val), val.len, tt_buf_str(&pat), tt_buf_str(&rep), out);
	tt_buf_free(&name);
	tt_buf_free(&pat);
	tt_buf_free(&rep);
	tt_buf_free(&val);
	return unk;
}

/* The inside of $(...): a function call, a substitution reference or a variable. */
static bool expand_paren(struct mk *m, const char *s, size_t n, struct tt_buf *out)
{
	bool handled;
	bool unk = mk_call_function(m, s, n, out, &handled);
	if (handled)
		return unk;
	size_t colon = find_subst_colon(s, n);
	if (colon < n && memchr(s + colon, '=', n - colon))
		return expand_subst_ref(m, s, n, colon, out);
	struct tt_buf name = TT_BUF_INIT;
	unk = mk_expand(m, s, n, &name);
	unk |= expand_name(m, tt_buf_str(&name), name.len, out);
	tt_buf_free(&name);
	return unk;
}

bool mk_expand(struct mk *m, const char *s, size_t n, struct tt_buf *out)
{
	bool unk = false;
	size_t i = 0;
	size_t start_len = out->len;
	while (i < n) {
		const char *d = memchr(s + i, '$', n - i);
		if (!d) {
			tt_buf_add(out, s + i, n - i);
			break;
		}
		tt_buf_add(out, s + i, (size_t)(d - (s + i)));
		i = (size_t)(d - s);
		if (i + 1 >= n)
			break; /* a lone trailing '$' expands to nothing */
		char c = s[i + 1];
		if (c == '$') {
			tt_buf_addc(out, '$');
			i += 2;
		} else if (c == '(' || c == '{') {
			size_t close = mk_find_close(s, n, i + 1);
			if (close >= n)
				return mk_unknown(m, "unterminated variable reference");
			/* Nested references recurse on the C stack: bound them. */
			if (m->depth >= MK_MAX_DEPTH)
				return mk_unknown(m, "references nested too deep");
			m->depth++;
			unk |= expand_paren(m, s + i + 2, close - i - 2, out);
			m->depth--;
			i = close + 1;
		} else {
			unk |= expand_name(m, &c, 1, out);
			i += 2;
		}
		if (!budget_spend(m, out->len - start_len))
			return mk_unknown(m, "expansion too large");
		start_len = out->len;
	}
	return unk;
}

void mk_export_into(struct mk *m, struct tt_strmap *env)
{
	/* Names first: expanding can define variables and move the map's slots. */
	struct tt_strv names = TT_STRV_INIT;
	for (size_t i = 0; i < m->vars.cap; i++) {
		struct tt_strmap_entry *e = &m->vars.e[i];
		if (e->key && ((struct mk_var *)e->val)->exported)
			tt_strv_push(&names, e->key);
	}
	for (size_t i = 0; i < names.n; i++) {
		struct mk_var *v = mk_local(m, names.v[i], strlen(names.v[i]));
		if (!v)
			continue;
		/* A sub-make gets the value as text in its environment: expanded, simple. */
		struct tt_buf b = TT_BUF_INIT;
		bool unk = expand_value(m, names.v[i], strlen(names.v[i]), v, &b);
		struct mk_var *nv = mk_var_new(tt_buf_str(&b), false);
		nv->unknown = unk;
		nv->why = unk ? tt_xstrdup(m->why ? m->why : "unknown") : NULL;
		nv->exported = true;
		struct tt_strmap_entry *ne = tt_strmap_upsert(env, names.v[i], NULL);
		mk_var_free(ne->val);
		ne->val = nv;
		tt_buf_free(&b);
	}
	tt_strv_free(&names);
}
