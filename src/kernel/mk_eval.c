// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The line-level half of the make subset: logical lines, comments,
 * conditionals, define, include, export and assignments. Rules and their
 * recipes are recognised only to be skipped.
 *
 * A conditional whose outcome is unknown is evaluated as false, and its
 * skipped branch is read in "shadow" mode: nothing there runs, but every
 * variable it assigns is marked unknown, as is every variable assigned in
 * the branch that did run. So an object list touched under such a
 * condition is reported incomplete instead of silently wrong.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mk.h"

#define MK_MAX_NEST	  64
#define MK_MAX_EVAL_DEPTH 16

enum mode {
	MODE_LIVE,   /* evaluate */
	MODE_SKIP,   /* a branch known not to run */
	MODE_SHADOW, /* a branch that may or may not run: taint what it assigns */
};

enum cond { COND_FALSE, COND_TRUE, COND_UNKNOWN };

struct frame {
	enum mode mode;
	enum mode parent;
	const char *parent_taint; /* enclosing context's taint reason, NULL if none */
	bool taken;		  /* a branch of this chain is known to run */
	bool unknown;		  /* an earlier condition of the chain was unknown */
	char *why;		  /* the first unknown condition's reason */
};

struct eval {
	struct mk *m;
	const char *file;
	struct frame st[MK_MAX_NEST];
	int sp;
	int overflow; /* conditionals nested deeper than MK_MAX_NEST, counted only */
	bool in_recipe;
	const char *base_taint; /* from the including file or $(eval) caller */
	/* define ... endef capture */
	bool in_define;
	int define_nest;
	int define_line;
	enum mode define_mode;
	char *define_name;
	char define_op[4];
	bool define_export;
	struct tt_buf define_body;
};

static enum mode cur_mode(const struct eval *ev)
{
	return ev->sp ? ev->st[ev->sp - 1].mode : MODE_LIVE;
}

/* The reason assignments are now uncertain, or NULL. */
static const char *cur_taint(const struct eval *ev)
{
	if (!ev->sp)
		return ev->base_taint;
	const struct frame *f = &ev->st[ev->sp - 1];
	if (f->unknown && f->why)
		return f->why;
	return f->parent_taint;
}

static void sync_taint(struct eval *ev)
{
	ev->m->taint = cur_taint(ev);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s))
		(*s)++, (*n)--;
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

/* First word of s and whether it equals kw (followed by a blank, '(' or the end). */
static bool starts_with_word(const char *s, size_t n, const char *kw, size_t *after)
{
	size_t kl = strlen(kw);
	if (n < kl || memcmp(s, kw, kl) != 0)
		return false;
	if (n > kl && !is_space(s[kl]) && s[kl] != '(')
		return false;
	*after = kl;
	return true;
}

static void diag(struct eval *ev, const char *msg)
{
	tt_diag_warn(ev->m->diag, ev->file, ev->m->line, "%s", msg);
}

/* ---------------- conditionals ---------------- */

static bool expand_trimmed(struct mk *m, const char *s, size_t n, struct tt_buf *out)
{
	trim(&s, &n);
	struct tt_buf raw = TT_BUF_INIT;
	bool unk = mk_expand(m, s, n, &raw);
	const char *p = tt_buf_str(&raw);
	size_t l = raw.len;
	trim(&p, &l);
	tt_buf_add(out, p, l);
	tt_buf_free(&raw);
	return unk;
}

static enum cond cond_defined(struct eval *ev, const char *s, size_t n)
{
	struct mk *m = ev->m;
	struct tt_buf name = TT_BUF_INIT;
	enum cond r = COND_FALSE;
	if (expand_trimmed(m, s, n, &name)) {
		r = COND_UNKNOWN;
	} else {
		const char *nm = tt_buf_str(&name);
		struct mk_var *v = mk_local(m, nm, name.len);
		struct tt_strmap_entry *e =
		    v || !m->env ? NULL : tt_strmap_findn(m->env, nm, name.len);
		if (e)
			v = e->val;
		if (v && v->unknown) {
			free(m->why);
			m->why = tt_xstrdup(v->why ? v->why : "value not known");
			r = COND_UNKNOWN;
		} else if (v) {
			r = v->value[0] ? COND_TRUE : COND_FALSE;
		} else if (strncmp(nm, "CONFIG_", 7) == 0 && m->cfg) {
			struct tt_buf cv = TT_BUF_INIT;
			/* An empty string symbol is defined but empty: ifdef is false. */
			r = mk_config_value(m, nm, name.len, &cv) && cv.len ? COND_TRUE
									    : COND_FALSE;
			tt_buf_free(&cv);
		} else {
			/* Toolchain variables are defined, with values we cannot know. */
			struct tt_buf probe = TT_BUF_INIT;
			r = mk_expand_var(m, nm, &probe) ? COND_UNKNOWN : COND_FALSE;
			tt_buf_free(&probe);
		}
	}
	tt_buf_free(&name);
	return r;
}

/* "(a,b)" or "'a' 'b'" / "\"a\" \"b\""; false when malformed. */
static bool split_cond_args(const char *s, size_t n, const char **a, size_t *al, const char **b,
			    size_t *bl)
{
	if (!n)
		return false;
	if (s[0] == '(') {
		size_t close = mk_find_close(s, n, 0);
		if (close >= n)
			return false;
		int depth = 0;
		for (size_t i = 1; i < close; i++) {
			if (s[i] == '(' || s[i] == '{')
				depth++;
			else if ((s[i] == ')' || s[i] == '}') && depth)
				depth--;
			else if (s[i] == ',' && !depth) {
				*a = s + 1, *al = i - 1;
				*b = s + i + 1, *bl = close - i - 1;
				return true;
			}
		}
		return false;
	}
	if (s[0] != '"' && s[0] != '\'')
		return false;
	const char *q1 = memchr(s + 1, s[0], n - 1);
	if (!q1)
		return false;
	*a = s + 1, *al = (size_t)(q1 - s - 1);
	const char *p = q1 + 1, *end = s + n;
	while (p < end && is_space(*p))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return false;
	const char *q2 = memchr(p + 1, *p, (size_t)(end - p - 1));
	if (!q2)
		return false;
	*b = p + 1, *bl = (size_t)(q2 - p - 1);
	return true;
}

static enum cond cond_equal(struct eval *ev, const char *s, size_t n)
{
	const char *a, *b;
	size_t al, bl;
	trim(&s, &n);
	if (!split_cond_args(s, n, &a, &al, &b, &bl)) {
		diag(ev, "malformed ifeq/ifneq arguments");
		mk_unknown(ev->m, "malformed conditional");
		return COND_UNKNOWN;
	}
	struct tt_buf x = TT_BUF_INIT, y = TT_BUF_INIT;
	bool unk = expand_trimmed(ev->m, a, al, &x);
	unk |= expand_trimmed(ev->m, b, bl, &y);
	enum cond r = unk ? COND_UNKNOWN : strcmp(tt_buf_str(&x), tt_buf_str(&y)) == 0;
	tt_buf_free(&x);
	tt_buf_free(&y);
	return r;
}

static enum cond negate(enum cond c)
{
	return c == COND_UNKNOWN ? c : c == COND_TRUE ? COND_FALSE : COND_TRUE;
}

/* Parse "ifeq ...", "ifdef ..." etc.; false when s is not a conditional. */
static bool eval_condition(struct eval *ev, const char *s, size_t n, enum cond *out)
{
	size_t k;
	if (starts_with_word(s, n, "ifeq", &k))
		*out = cond_equal(ev, s + k, n - k);
	else if (starts_with_word(s, n, "ifneq", &k))
		*out = negate(cond_equal(ev, s + k, n - k));
	else if (starts_with_word(s, n, "ifdef", &k))
		*out = cond_defined(ev, s + k, n - k);
	else if (starts_with_word(s, n, "ifndef", &k))
		*out = negate(cond_defined(ev, s + k, n - k));
	else
		return false;
	return true;
}

static bool is_conditional(const char *s, size_t n)
{
	size_t k;
	return starts_with_word(s, n, "ifeq", &k) || starts_with_word(s, n, "ifneq", &k) ||
	       starts_with_word(s, n, "ifdef", &k) || starts_with_word(s, n, "ifndef", &k);
}

static void enter_branch(struct eval *ev, struct frame *f, enum cond c)
{
	if (c == COND_TRUE) {
		f->mode = MODE_LIVE;
		f->taken = true;
	} else if (c == COND_FALSE) {
		f->mode = MODE_SKIP;
	} else {
		f->mode = MODE_SHADOW;
		if (!f->unknown) {
			f->unknown = true;
			f->why = tt_xstrdup(ev->m->why ? ev->m->why : "condition not known");
		}
	}
}

static void push_conditional(struct eval *ev, const char *s, size_t n)
{
	if (ev->sp == MK_MAX_NEST) {
		ev->overflow++;
		return;
	}
	enum mode parent = cur_mode(ev);
	const char *ptaint = cur_taint(ev);
	struct frame *f = &ev->st[ev->sp++];
	memset(f, 0, sizeof(*f));
	f->parent = parent;
	f->parent_taint = ptaint;
	if (parent != MODE_LIVE) {
		f->mode = parent;
	} else {
		enum cond c;
		eval_condition(ev, s, n, &c);
		enter_branch(ev, f, c);
	}
	sync_taint(ev);
}

static void do_else(struct eval *ev, const char *rest, size_t rn)
{
	if (ev->overflow)
		return;
	if (!ev->sp) {
		diag(ev, "else without a conditional");
		return;
	}
	struct frame *f = &ev->st[ev->sp - 1];
	trim(&rest, &rn);
	if (f->parent != MODE_LIVE) {
		f->mode = f->parent;
	} else if (f->taken) {
		f->mode = MODE_SKIP;
	} else if (rn) {
		enum cond c;
		if (!eval_condition(ev, rest, rn, &c)) {
			diag(ev, "junk after else");
			c = COND_UNKNOWN;
			mk_unknown(ev->m, "malformed else");
		}
		enter_branch(ev, f, c);
	} else {
		f->mode = MODE_LIVE;
		f->taken = true;
	}
	sync_taint(ev);
}

static void do_endif(struct eval *ev)
{
	if (ev->overflow) {
		ev->overflow--;
		return;
	}
	if (!ev->sp) {
		diag(ev, "endif without a conditional");
		return;
	}
	free(ev->st[--ev->sp].why);
	sync_taint(ev);
}

/* ---------------- assignments ---------------- */

enum op { OP_NONE, OP_RULE, OP_RECURSIVE, OP_SIMPLE, OP_APPEND, OP_COND, OP_SHELL };

/* The first top-level ':' or assignment operator decides what the line is. */
static enum op find_op(const char *s, size_t n, size_t *op_start, size_t *op_end)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{')) {
			i = mk_find_close(s, n, i + 1);
			continue;
		}
		*op_start = i;
		if (c == ':') {
			if (i + 1 < n && s[i + 1] == '=') {
				*op_end = i + 2;
				return OP_SIMPLE;
			}
			if (i + 2 < n && s[i + 1] == ':' && s[i + 2] == '=') {
				*op_end = i + 3;
				return OP_SIMPLE;
			}
			return OP_RULE;
		}
		if (c != '=')
			continue;
		*op_end = i + 1;
		if (i > 0 && (s[i - 1] == '+' || s[i - 1] == '?' || s[i - 1] == '!')) {
			*op_start = i - 1;
			return s[i - 1] == '+' ? OP_APPEND : s[i - 1] == '?' ? OP_COND : OP_SHELL;
		}
		return OP_RECURSIVE;
	}
	return OP_NONE;
}

static void mark_unknown(struct mk_var *v, const char *why)
{
	v->unknown = true;
	if (!v->why)
		v->why = tt_xstrdup(why ? why : "value not known");
}

/* The local variable name, created from the environment's value when only there. */
static struct mk_var *local_for_write(struct mk *m, const char *name, size_t len, bool *existed)
{
	struct tt_strmap_entry *e = tt_strmap_upsertn(&m->vars, name, len, existed);
	*existed = !*existed;
	if (!*existed) {
		struct tt_strmap_entry *env = m->env ? tt_strmap_findn(m->env, name, len) : NULL;
		struct mk_var *src = env ? env->val : NULL;
		e->val = mk_var_new(src ? src->value : "", false);
		if (src) {
			((struct mk_var *)e->val)->exported = true;
			if (src->unknown)
				mark_unknown(e->val, src->why);
			*existed = true;
		}
	}
	return e->val;
}

static void set_value(struct mk_var *v, char *value, bool recursive)
{
	free(v->value);
	v->value = value;
	v->recursive = recursive;
	v->unknown = false;
	free(v->why);
	v->why = NULL;
}

static void append_value(struct mk_var *v, const char *text, size_t n)
{
	struct tt_buf b = TT_BUF_INIT;
	tt_buf_adds(&b, v->value);
	if (b.len && n)
		tt_buf_addc(&b, ' ');
	tt_buf_add(&b, text, n);
	free(v->value);
	v->value = tt_buf_detach(&b);
}

static bool config_defined(struct mk *m, const char *name)
{
	return m->cfg && strncmp(name, "CONFIG_", 7) == 0 && tt_kconfig_get(m->cfg, name);
}

static void assign_live(struct eval *ev, const char *name, size_t nl, enum op op, const char *rhs,
			size_t rl)
{
	struct mk *m = ev->m;
	bool existed;
	if (op == OP_COND && (mk_local(m, name, nl) || config_defined(m, name) ||
			      (m->env && tt_strmap_findn(m->env, name, nl))))
		return;
	struct mk_var *v = local_for_write(m, name, nl, &existed);
	bool unk = false;
	if (op == OP_APPEND && existed && v->recursive) {
		append_value(v, rhs, rl);
	} else if (op == OP_APPEND && existed) {
		struct tt_buf b = TT_BUF_INIT;
		unk = mk_expand(m, rhs, rl, &b);
		append_value(v, tt_buf_str(&b), b.len);
		tt_buf_free(&b);
	} else if (op == OP_SIMPLE) {
		struct tt_buf b = TT_BUF_INIT;
		unk = mk_expand(m, rhs, rl, &b);
		/* expansion may have replaced the variable ($(eval) inside) */
		v = local_for_write(m, name, nl, &existed);
		set_value(v, tt_buf_detach(&b), false);
	} else if (op == OP_SHELL) {
		set_value(v, tt_xstrdup(""), false);
		unk = mk_unknown(m, "!= runs a shell command");
	} else {
		set_value(v, tt_xstrndup(rhs, rl), true);
	}
	v = local_for_write(m, name, nl, &existed);
	if (unk)
		mark_unknown(v, m->why);
	if (m->taint)
		mark_unknown(v, m->taint);
}

static void assign_shadow(struct eval *ev, const char *name, size_t nl)
{
	bool existed;
	struct mk_var *v = local_for_write(ev->m, name, nl, &existed);
	mark_unknown(v, ev->m->taint);
}

static bool valid_var_name(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (is_space(s[i]))
			return false;
	return true;
}

static void assignment(struct eval *ev, const char *s, size_t n, enum op op, size_t os, size_t oe,
		       bool exported)
{
	struct mk *m = ev->m;
	struct tt_buf name = TT_BUF_INIT;
	if (expand_trimmed(m, s, os, &name)) {
		if (m->on_unknown)
			m->on_unknown(m->unknown_ctx, ev->file, m->line,
				      "assignment to a variable whose name cannot be evaluated");
		tt_buf_free(&name);
		return;
	}
	const char *rhs = s + oe;
	size_t rl = n - oe;
	while (rl && is_space(*rhs))
		rhs++, rl--;
	if (!valid_var_name(tt_buf_str(&name), name.len)) {
		diag(ev, "empty or malformed variable name");
	} else {
		if (cur_mode(ev) == MODE_SHADOW)
			assign_shadow(ev, name.buf, name.len);
		else
			assign_live(ev, name.buf, name.len, op, rhs, rl);
		if (exported) {
			bool existed;
			local_for_write(m, name.buf, name.len, &existed)->exported = true;
		}
	}
	tt_buf_free(&name);
}

/* "export A B" without an assignment. */
static void export_names(struct eval *ev, const char *s, size_t n)
{
	struct tt_buf names = TT_BUF_INIT;
	if (mk_expand(ev->m, s, n, &names) && ev->m->on_unknown)
		ev->m->on_unknown(ev->m->unknown_ctx, ev->file, ev->m->line,
				  "export of names that cannot be evaluated");
	size_t pos = 0, wl;
	const char *w;
	while (mk_next_word(tt_buf_str(&names), names.len, &pos, &w, &wl)) {
		bool existed;
		local_for_write(ev->m, w, wl, &existed)->exported = true;
	}
	tt_buf_free(&names);
}

/* ---------------- include ---------------- */

/* Kbuild's own machinery, which the predictor emulates instead of reading. */
static bool is_kbuild_internal(const char *path)
{
	return strncmp(path, "scripts/", 8) == 0 || strncmp(path, "include/config/", 15) == 0;
}

static void report(struct eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct eval *ev, const char *fmt, ...)
{
	struct mk *m = ev->m;
	if (!m->on_unknown)
		return;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->on_unknown(m->unknown_ctx, ev->file, m->line, msg);
}

static void include_one(struct eval *ev, const char *w, size_t wl, bool optional)
{
	struct mk *m = ev->m;
	_cleanup_free_ char *name = tt_xstrndup(w, wl);
	size_t rl = m->srcroot ? strlen(m->srcroot) : 0;
	const char *rel = name;
	if (rl && strncmp(name, m->srcroot, rl) == 0 && name[rl] == '/')
		rel = name + rl + 1;
	if (rel[0] != '/' && is_kbuild_internal(rel))
		return;
	char *text = NULL;
	size_t len = 0;
	_cleanup_free_ char *path =
	    rel[0] == '/' || !m->srcroot ? tt_xstrdup(rel) : tt_xasprintf("%s/%s", m->srcroot, rel);
	if (!m->srcroot || tt_read_file(path, &text, &len, NULL) < 0) {
		if (!optional)
			report(ev, "include %s: not found", rel);
		return;
	}
	if (m->eval_depth >= MK_MAX_EVAL_DEPTH) {
		report(ev, "include %s: nested too deep", rel);
	} else {
		int line = m->line;
		mk_eval(m, text, len, rel);
		m->file = ev->file;
		m->line = line;
	}
	free(text);
}

static void do_include(struct eval *ev, const char *s, size_t n, bool optional)
{
	struct mk *m = ev->m;
	if (cur_mode(ev) == MODE_SHADOW) {
		report(ev, "include under a condition that cannot be evaluated");
		return;
	}
	struct tt_buf names = TT_BUF_INIT;
	if (mk_expand(m, s, n, &names))
		report(ev, "include of a file name that cannot be evaluated: %s", m->why);
	size_t pos = 0, wl;
	const char *w;
	while (mk_next_word(tt_buf_str(&names), names.len, &pos, &w, &wl))
		include_one(ev, w, wl, optional);
	tt_buf_free(&names);
}

/* ---------------- define ... endef ---------------- */

static void start_define(struct eval *ev, const char *s, size_t n, bool exported)
{
	trim(&s, &n);
	size_t nl = 0;
	while (nl < n && !is_space(s[nl]))
		nl++;
	const char *op = s + nl;
	size_t ol = n - nl;
	trim(&op, &ol);
	ev->in_define = true;
	ev->define_nest = 0;
	ev->define_line = ev->m->line;
	ev->define_mode = cur_mode(ev);
	ev->define_export = exported;
	/* The name may hold references; it is expanded when the body is complete. */
	ev->define_name = tt_xstrndup(s, nl);
	snprintf(ev->define_op, sizeof(ev->define_op), "%.*s", (int)(ol < 3 ? ol : 3), op);
	tt_buf_reset(&ev->define_body);
}

static void finish_define(struct eval *ev)
{
	ev->in_define = false;
	enum mode mode = ev->define_mode;
	if (mode != MODE_SKIP && ev->define_name[0]) {
		const char *o = ev->define_op;
		enum op op = strcmp(o, ":=") == 0 || strcmp(o, "::=") == 0 ? OP_SIMPLE
			     : strcmp(o, "+=") == 0			   ? OP_APPEND
			     : strcmp(o, "?=") == 0			   ? OP_COND
									   : OP_RECURSIVE;
		/* Reuse the assignment path: "NAME" followed by the body as its value. */
		struct tt_buf line = TT_BUF_INIT;
		tt_buf_adds(&line, ev->define_name);
		size_t os = line.len;
		tt_buf_addc(&line, '=');
		tt_buf_add(&line, tt_buf_str(&ev->define_body), ev->define_body.len);
		assignment(ev, line.buf, line.len, op, os, os + 1, ev->define_export);
		tt_buf_free(&line);
	}
	free(ev->define_name);
	ev->define_name = NULL;
}

static void define_line(struct eval *ev, const char *s, size_t n)
{
	const char *t = s;
	size_t tn = n;
	trim(&t, &tn);
	size_t k;
	if (starts_with_word(t, tn, "endef", &k)) {
		if (ev->define_nest-- == 0) {
			finish_define(ev);
			return;
		}
	} else if (starts_with_word(t, tn, "define", &k)) {
		ev->define_nest++;
	}
	if (ev->define_body.len)
		tt_buf_addc(&ev->define_body, '\n');
	tt_buf_add(&ev->define_body, s, n);
}

/* ---------------- lines ---------------- */

/* Cut a comment: '#' outside $(...) and not escaped. "\#" becomes '#'. */
static void strip_comment(struct tt_buf *line)
{
	char *s = line->buf;
	size_t w = 0;
	int depth = 0;
	for (size_t r = 0; r < line->len; r++) {
		char c = s[r];
		if (c == '\\' && r + 1 < line->len && s[r + 1] == '#') {
			s[w++] = '#';
			r++;
			continue;
		}
		if (c == '$' && r + 1 < line->len && (s[r + 1] == '(' || s[r + 1] == '{')) {
			s[w++] = c;
			s[w++] = s[++r];
			depth++;
			continue;
		}
		if (depth && (c == '(' || c == '{'))
			depth++;
		else if (depth && (c == ')' || c == '}'))
			depth--;
		else if (c == '#' && !depth)
			break;
		s[w++] = c;
	}
	line->len = w;
	s[w] = '\0';
}

static void expression_line(struct eval *ev, const char *s, size_t n)
{
	struct tt_buf out = TT_BUF_INIT;
	/* $(eval ...), $(foreach ... $(eval ...)): run for their side effects. */
	if (mk_expand(ev->m, s, n, &out))
		report(ev, "line cannot be evaluated: %s", ev->m->why);
	tt_buf_free(&out);
}

/* Next top-level occurrence of c in s[from..n), skipping $(...); n when none. */
static size_t find_top(const char *s, size_t n, size_t from, char c)
{
	for (size_t i = from; i < n; i++) {
		if (s[i] == '$' && i + 1 < n && (s[i + 1] == '(' || s[i + 1] == '{'))
			i = mk_find_close(s, n, i + 1);
		else if (s[i] == c)
			return i;
	}
	return n;
}

/*
 * Keep rules for objects (pattern, static pattern or explicit) with their
 * first prerequisite: they say what an object without a source of its own
 * is built from ("$(obj)/lib-%.o: $(srctree)/lib/%.c", "$(obj)/%.stub.o:
 * $(obj)/%.o", "$(obj)/rodata_objcopy.o: $(obj)/rodata.o").
 */
static void record_rule(struct eval *ev, const char *s, size_t n, size_t colon)
{
	size_t p = colon + 1;
	if (p < n && s[p] == ':')
		p++; /* double-colon rule */
	size_t semi = find_top(s, n, p, ';');
	size_t c2 = find_top(s, semi, p, ':');
	const char *tp = c2 < semi ? s + p : s;
	size_t tl = c2 < semi ? c2 - p : colon;
	const char *pp = c2 < semi ? s + c2 + 1 : s + p;
	size_t pl = (size_t)(s + semi - pp);
	if (find_top(pp, pl, 0, '=') < pl)
		return; /* a target-specific variable */
	struct tt_buf t = TT_BUF_INIT, pr = TT_BUF_INIT;
	if (!mk_expand(ev->m, tp, tl, &t) && !mk_expand(ev->m, pp, pl, &pr)) {
		size_t tpos = 0, ppos = 0, wl, fl;
		const char *w, *first;
		bool has_prereq = mk_next_word(tt_buf_str(&pr), pr.len, &ppos, &first, &fl);
		while (has_prereq && mk_next_word(tt_buf_str(&t), t.len, &tpos, &w, &wl)) {
			if (wl < 2 || memcmp(w + wl - 2, ".o", 2) != 0)
				continue;
			tt_strv_push_owned(&ev->m->rule_targets, tt_xstrndup(w, wl));
			tt_strv_push_owned(&ev->m->rule_prereqs, tt_xstrndup(first, fl));
		}
	}
	tt_buf_free(&t);
	tt_buf_free(&pr);
}

static bool strip_prefix_word(const char **s, size_t *n, const char *kw)
{
	size_t k;
	if (!starts_with_word(*s, *n, kw, &k) || k == *n || (*s)[k] == '(')
		return false;
	*s += k;
	*n -= k;
	trim(s, n);
	return true;
}

static void statement(struct eval *ev, const char *s, size_t n)
{
	bool exported = false;
	size_t k;
	for (;;) {
		if (strip_prefix_word(&s, &n, "override") || strip_prefix_word(&s, &n, "private"))
			continue;
		if (strip_prefix_word(&s, &n, "export")) {
			exported = true;
			continue;
		}
		break;
	}
	if (starts_with_word(s, n, "unexport", &k) || starts_with_word(s, n, "vpath", &k))
		return;
	if (starts_with_word(s, n, "export", &k))
		return; /* bare "export": export everything; nothing below depends on it */
	if (starts_with_word(s, n, "define", &k)) {
		start_define(ev, s + k, n - k, exported);
		return;
	}
	if (starts_with_word(s, n, "undefine", &k)) {
		if (cur_mode(ev) == MODE_LIVE) {
			struct tt_buf name = TT_BUF_INIT;
			expand_trimmed(ev->m, s + k, n - k, &name);
			struct tt_strmap_entry *e =
			    tt_strmap_findn(&ev->m->vars, name.buf ? name.buf : "", name.len);
			if (e)
				set_value(e->val, tt_xstrdup(""), false);
			tt_buf_free(&name);
		}
		return;
	}
	bool inc = starts_with_word(s, n, "include", &k);
	bool opt = !inc && (starts_with_word(s, n, "-include", &k) ||
			    starts_with_word(s, n, "sinclude", &k));
	if (inc || opt) {
		do_include(ev, s + k, n - k, opt);
		return;
	}
	size_t os = 0, oe = 0;
	enum op op = find_op(s, n, &os, &oe);
	if (op == OP_RULE) {
		ev->in_recipe = true;
		if (cur_mode(ev) == MODE_LIVE)
			record_rule(ev, s, n, os);
	} else if (op != OP_NONE) {
		assignment(ev, s, n, op, os, oe, exported);
	} else if (exported) {
		export_names(ev, s, n);
	} else if (cur_mode(ev) == MODE_LIVE) {
		expression_line(ev, s, n);
	}
}

static void logical_line(struct eval *ev, struct tt_buf *line)
{
	strip_comment(line);
	const char *s = line->buf ? line->buf : "";
	size_t n = line->len;
	trim(&s, &n);
	if (!n)
		return;
	size_t k;
	if (is_conditional(s, n)) {
		push_conditional(ev, s, n);
		return;
	}
	if (starts_with_word(s, n, "else", &k)) {
		do_else(ev, s + k, n - k);
		return;
	}
	if (starts_with_word(s, n, "endif", &k)) {
		do_endif(ev);
		return;
	}
	if (ev->overflow)
		return;
	if (starts_with_word(s, n, "endef", &k)) {
		diag(ev, "endef without define");
		return;
	}
	if (cur_mode(ev) == MODE_SKIP) {
		/* A define in a dead branch still has to be skipped as a unit. */
		while (strip_prefix_word(&s, &n, "override") ||
		       strip_prefix_word(&s, &n, "export") || strip_prefix_word(&s, &n, "private"))
			;
		if (starts_with_word(s, n, "define", &k))
			start_define(ev, s + k, n - k, false);
		return;
	}
	ev->in_recipe = false;
	statement(ev, s, n);
}

/* Is s[0..n) ended by an odd number of backslashes (a continued line)? */
static bool continued(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[n - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

/* Physical line [p, return value) without its newline. */
static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

/* Join a backslash-continued line into one, the way make does outside recipes. */
static const char *read_logical(struct eval *ev, const char *p, const char *end,
				struct tt_buf *line)
{
	tt_buf_reset(line);
	for (;;) {
		const char *le = line_end(p, end);
		size_t n = (size_t)(le - p);
		bool more = continued(p, n) && le < end;
		if (!more) {
			tt_buf_add(line, p, n);
			return le < end ? le + 1 : end;
		}
		size_t body = n - 1;
		while (body && (p[body - 1] == ' ' || p[body - 1] == '\t'))
			body--;
		tt_buf_add(line, p, body);
		tt_buf_addc(line, ' ');
		p = le + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		ev->m->line++;
	}
}

/* A recipe line and its continuations: skipped whole. */
static const char *skip_recipe(struct eval *ev, const char *p, const char *end)
{
	for (;;) {
		const char *le = line_end(p, end);
		if (!(continued(p, (size_t)(le - p)) && le < end))
			return le < end ? le + 1 : end;
		p = le + 1;
		ev->m->line++;
	}
}

void mk_eval(struct mk *m, const char *text, size_t len, const char *file)
{
	struct eval ev = {.m = m, .file = file, .base_taint = m->taint};
	struct tt_buf line = TT_BUF_INIT;
	const char *saved_taint = m->taint;
	m->eval_depth++;
	m->file = file;
	m->line = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		m->line++;
		if (ev.in_define) {
			const char *le = line_end(p, end);
			define_line(&ev, p, (size_t)(le - p));
			p = le < end ? le + 1 : end;
		} else if (ev.in_recipe && *p == '\t') {
			p = skip_recipe(&ev, p, end);
		} else {
			p = read_logical(&ev, p, end, &line);
			logical_line(&ev, &line);
		}
	}
	if (ev.in_define) {
		diag(&ev, "define without endef");
		free(ev.define_name);
	}
	if (ev.sp)
		diag(&ev, "missing endif");
	while (ev.sp)
		free(ev.st[--ev.sp].why);
	tt_buf_free(&ev.define_body);
	tt_buf_free(&line);
	m->taint = saved_taint;
	m->eval_depth--;
}
