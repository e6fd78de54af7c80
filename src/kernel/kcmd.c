// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One .NAME.o.cmd file, as written by fixdep:
 *
 *   savedcmd_kernel/fork.o := gcc ... -c -o kernel/fork.o /src/kernel/fork.c
 *   source_kernel/fork.o := /src/kernel/fork.c
 *   deps_kernel/fork.o := \
 *     /src/include/linux/compiler-version.h \
 *       $(wildcard include/config/CC_VERSION_TEXT) \
 *     ...
 *
 * Kernels before 6.2 say cmd_ instead of savedcmd_.
 */
#include <errno.h>
#include <string.h>

#include "tuxtape/kernel.h"
#include "kbuild_internal.h"

struct kcmd_ctx {
	const char *file;
	int line;
	const struct tt_diag_sink *diag;
	struct tt_kcmd *out;
	tt_kcmd_dep_fn on_dep;
	void *dep_ctx;
};

/* NUL counts as a blank: a stray one in a damaged file must not cut a path short. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\0';
}

/* "KEY := value" with KEY starting with prefix; obj and val point into the line. */
static bool split_assignment(const char *p, const char *end, const char *prefix, const char **obj,
			     size_t *olen, const char **val)
{
	size_t pl = strlen(prefix);
	if ((size_t)(end - p) <= pl || strncmp(p, prefix, pl) != 0)
		return false;
	const char *o = p + pl;
	const char *q = o;
	while (q < end && !is_blank(*q) && *q != ':')
		q++;
	const char *op = q;
	while (op < end && is_blank(*op))
		op++;
	if (end - op < 2 || op[0] != ':' || op[1] != '=' || q == o)
		return false;
	op += 2;
	while (op < end && is_blank(*op))
		op++;
	*obj = o;
	*olen = (size_t)(q - o);
	*val = op;
	return true;
}

static void set_object(struct kcmd_ctx *c, const char *obj, size_t olen)
{
	if (!c->out->object) {
		c->out->object = tt_xstrndup(obj, olen);
	} else if (strlen(c->out->object) != olen || strncmp(c->out->object, obj, olen) != 0) {
		tt_diag_warn(c->diag, c->file, c->line, "object %.*s differs from %s", (int)olen,
			     obj, c->out->object);
	}
}

static char *trimmed(const char *p, const char *end)
{
	while (end > p && is_blank(end[-1]))
		end--;
	return tt_xstrndup(p, (size_t)(end - p));
}

/* Add the tokens of one deps line; $(wildcard ...) entries name Kconfig symbols, not files. */
static void add_dep_tokens(struct kcmd_ctx *c, const char *p, const char *end, int *in_wildcard)
{
	while (p < end) {
		while (p < end && is_blank(*p))
			p++;
		const char *t = p;
		while (p < end && !is_blank(*p))
			p++;
		size_t n = (size_t)(p - t);
		if (!n || (n == 1 && *t == '\\'))
			continue;
		if (*in_wildcard) {
			if (t[n - 1] == ')')
				*in_wildcard = 0;
			continue;
		}
		if (n >= 2 && t[0] == '$' && t[1] == '(') {
			*in_wildcard = t[n - 1] != ')';
			continue;
		}
		c->on_dep(c->dep_ctx, t, n);
	}
}

static bool ends_with_backslash(const char *p, const char *end)
{
	while (end > p && is_blank(end[-1]))
		end--;
	return end > p && end[-1] == '\\';
}

/* Returns true while the deps list continues on the next line. */
static bool handle_line(struct kcmd_ctx *c, const char *p, const char *end, bool in_deps,
			int *in_wildcard)
{
	const char *obj, *val;
	size_t olen;
	if (in_deps) {
		add_dep_tokens(c, p, end, in_wildcard);
		return ends_with_backslash(p, end);
	}
	if (split_assignment(p, end, "savedcmd_", &obj, &olen, &val) ||
	    split_assignment(p, end, "cmd_", &obj, &olen, &val)) {
		set_object(c, obj, olen);
		free(c->out->command);
		c->out->command = trimmed(val, end);
	} else if (split_assignment(p, end, "source_", &obj, &olen, &val)) {
		set_object(c, obj, olen);
		free(c->out->source);
		c->out->source = trimmed(val, end);
		if (!*c->out->source)
			tt_diag_warn(c->diag, c->file, c->line, "empty source_ line");
	} else if (split_assignment(p, end, "deps_", &obj, &olen, &val)) {
		set_object(c, obj, olen);
		*in_wildcard = 0;
		add_dep_tokens(c, val, end, in_wildcard);
		return ends_with_backslash(val, end);
	}
	/* The "obj: $(deps_obj)" rule lines and blanks carry nothing new. */
	return false;
}

int tt_kcmd_parse_cb(const char *text, size_t len, const char *file, struct tt_kcmd *out,
		     tt_kcmd_dep_fn on_dep, void *dep_ctx, const struct tt_diag_sink *diag,
		     struct tt_error *err)
{
	memset(out, 0, sizeof(*out));
	struct kcmd_ctx c = {
	    .file = file, .diag = diag, .out = out, .on_dep = on_dep, .dep_ctx = dep_ctx};
	const char *p = text, *end = text + len;
	bool in_deps = false;
	int in_wildcard = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		c.line++;
		in_deps = handle_line(&c, p, le, in_deps, &in_wildcard);
		p = nl ? nl + 1 : end;
	}
	if (!out->object)
		return tt_error_set(err, -EINVAL, "%s: no cmd_, source_ or deps_ line",
				    file ? file : "(text)");
	return 0;
}

static void push_dep(void *ctx, const char *dep, size_t len)
{
	tt_strv_push_owned(ctx, tt_xstrndup(dep, len));
}

int tt_kcmd_parse(const char *text, size_t len, const char *file, struct tt_kcmd *out,
		  const struct tt_diag_sink *diag, struct tt_error *err)
{
	struct tt_strv deps = TT_STRV_INIT;
	int r = tt_kcmd_parse_cb(text, len, file, out, push_dep, &deps, diag, err);
	out->deps = deps;
	if (r < 0)
		tt_kcmd_free(out);
	return r;
}

void tt_kcmd_free(struct tt_kcmd *cmd)
{
	if (!cmd)
		return;
	free(cmd->object);
	free(cmd->source);
	free(cmd->command);
	tt_strv_free(&cmd->deps);
	memset(cmd, 0, sizeof(*cmd));
}
