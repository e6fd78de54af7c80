// SPDX-License-Identifier: GPL-2.0-or-later
/* .config reader: symbols in file order, looked up through a hash map. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

#include "tuxtape/kernel.h"
#include "strmap.h"

struct kc_sym {
	char *name;  /* "CONFIG_X" */
	char *value; /* raw text after '=', NULL for "is not set" */
	enum tt_kconfig_state state;
};

struct tt_kconfig {
	struct kc_sym *syms;
	size_t n, cap;
	struct tt_strmap index; /* name -> (index + 1) */
};

#define CONFIG_PREFIX "CONFIG_"

static bool is_sym_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static void kc_set(struct tt_kconfig *kc, const char *name, size_t nlen, const char *val,
		   size_t vlen, enum tt_kconfig_state st)
{
	bool created;
	struct tt_strmap_entry *e = tt_strmap_upsertn(&kc->index, name, nlen, &created);
	struct kc_sym *s;
	if (created) {
		if (kc->n == kc->cap) {
			kc->cap = kc->cap ? kc->cap * 2 : 256;
			kc->syms = tt_xrealloc(kc->syms, kc->cap * sizeof(*kc->syms));
		}
		s = &kc->syms[kc->n++];
		s->name = tt_xstrndup(name, nlen);
		e->val = (void *)(uintptr_t)kc->n;
	} else {
		/* Kconfig lets a later line override an earlier one. */
		s = &kc->syms[(uintptr_t)e->val - 1];
		free(s->value);
	}
	s->value = val ? tt_xstrndup(val, vlen) : NULL;
	s->state = st;
}

/* A double-quoted string with backslash escapes, closed exactly at the end. */
static bool valid_string(const char *v, size_t len)
{
	if (len < 2 || v[0] != '"' || v[len - 1] != '"')
		return false;
	for (size_t i = 1; i < len - 1; i++) {
		if (v[i] == '\\') {
			if (++i >= len - 1)
				return false;
		} else if (v[i] == '"') {
			return false;
		}
	}
	return true;
}

static bool valid_number(const char *v, size_t len)
{
	size_t i = 0;
	if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		for (i = 2; i < len; i++)
			if (!isxdigit((unsigned char)v[i]))
				return false;
		return true;
	}
	if (len && v[0] == '-')
		i = 1;
	if (i == len)
		return false;
	for (; i < len; i++)
		if (!isdigit((unsigned char)v[i]))
			return false;
	return true;
}

static enum tt_kconfig_state classify_value(const char *v, size_t len)
{
	if (len == 1 && v[0] == 'y')
		return TT_KCONFIG_Y;
	if (len == 1 && v[0] == 'm')
		return TT_KCONFIG_M;
	if (len == 1 && v[0] == 'n')
		return TT_KCONFIG_N;
	if (valid_string(v, len) || valid_number(v, len))
		return TT_KCONFIG_VALUE;
	return TT_KCONFIG_ABSENT;
}

static size_t sym_len(const char *p, const char *end)
{
	size_t n = 0;
	while (p + n < end && is_sym_char(p[n]))
		n++;
	return n;
}

/* "# CONFIG_X is not set"; other comments are ignored. Returns false on a malformed one. */
static bool parse_comment(struct tt_kconfig *kc, const char *p, const char *end)
{
	static const char tail[] = " is not set";
	p++;
	while (p < end && *p == ' ')
		p++;
	if ((size_t)(end - p) < sizeof(CONFIG_PREFIX) || strncmp(p, CONFIG_PREFIX, 7) != 0)
		return true;
	size_t n = sym_len(p, end);
	if ((size_t)(end - p - n) == sizeof(tail) - 1 && memcmp(p + n, tail, sizeof(tail) - 1) == 0)
		kc_set(kc, p, n, NULL, 0, TT_KCONFIG_N);
	return true;
}

static bool parse_assignment(struct tt_kconfig *kc, const char *p, const char *end)
{
	size_t n = sym_len(p, end);
	if (n <= 7 || strncmp(p, CONFIG_PREFIX, 7) != 0 || p + n >= end || p[n] != '=')
		return false;
	const char *v = p + n + 1;
	size_t vlen = (size_t)(end - v);
	enum tt_kconfig_state st = classify_value(v, vlen);
	if (st == TT_KCONFIG_ABSENT)
		return false;
	kc_set(kc, p, n, st == TT_KCONFIG_N ? NULL : v, vlen, st);
	return true;
}

static void parse_line(struct tt_kconfig *kc, const char *p, const char *end, const char *file,
		       int line, const struct tt_diag_sink *diag)
{
	while (end > p && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return;
	bool ok = *p == '#' ? parse_comment(kc, p, end) : parse_assignment(kc, p, end);
	if (!ok)
		tt_diag_warn(diag, file, line, "malformed .config line: %.*s",
			     (int)(end - p > 200 ? 200 : end - p), p);
}

int tt_kconfig_parse(const char *text, size_t len, const char *file, struct tt_kconfig **out,
		     const struct tt_diag_sink *diag, struct tt_error *err)
{
	(void)err;
	struct tt_kconfig *kc = tt_xcalloc(1, sizeof(*kc));
	const char *p = text, *end = text + len;
	int line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		parse_line(kc, p, le, file, ++line, diag);
		p = nl ? nl + 1 : end;
	}
	*out = kc;
	return 0;
}

/* zlib reads plain files transparently, so one path serves .config and config.gz. */
static int read_maybe_gz(const char *path, struct tt_buf *b, struct tt_error *err)
{
	gzFile gz = gzopen(path, "rb");
	if (!gz)
		return tt_error_set(err, errno ? -errno : -EIO, "cannot open %s: %s", path,
				    strerror(errno ? errno : EIO));
	char chunk[65536];
	int n;
	while ((n = gzread(gz, chunk, sizeof(chunk))) > 0)
		tt_buf_add(b, chunk, (size_t)n);
	int zerr = 0;
	const char *msg = n < 0 ? gzerror(gz, &zerr) : NULL;
	int r = n < 0 ? tt_error_set(err, -EIO, "cannot read %s: %s", path, msg) : 0;
	gzclose(gz);
	return r;
}

int tt_kconfig_load(const char *path, struct tt_kconfig **out, const struct tt_diag_sink *diag,
		    struct tt_error *err)
{
	struct tt_buf b = TT_BUF_INIT;
	int r = read_maybe_gz(path, &b, err);
	if (r == 0)
		r = tt_kconfig_parse(tt_buf_str(&b), b.len, path, out, diag, err);
	tt_buf_free(&b);
	return r;
}

int tt_kconfig_load_host(struct tt_kconfig **out, const struct tt_diag_sink *diag,
			 struct tt_error *err)
{
	if (tt_path_exists("/proc/config.gz"))
		return tt_kconfig_load("/proc/config.gz", out, diag, err);
	struct utsname u;
	if (uname(&u) < 0)
		return tt_error_set(err, -errno, "uname: %s", strerror(errno));
	_cleanup_free_ char *path = tt_xasprintf("/boot/config-%s", u.release);
	if (!tt_path_exists(path))
		return tt_error_set(err, -ENOENT,
				    "no kernel config: neither /proc/config.gz nor %s", path);
	return tt_kconfig_load(path, out, diag, err);
}

void tt_kconfig_free(struct tt_kconfig *kc)
{
	if (!kc)
		return;
	for (size_t i = 0; i < kc->n; i++) {
		free(kc->syms[i].name);
		free(kc->syms[i].value);
	}
	free(kc->syms);
	tt_strmap_free(&kc->index, NULL);
	free(kc);
}

static const struct kc_sym *kc_find(const struct tt_kconfig *kc, const char *name)
{
	if (!kc || !name)
		return NULL;
	struct tt_strmap_entry *e;
	if (strncmp(name, CONFIG_PREFIX, 7) == 0) {
		e = tt_strmap_findn(&kc->index, name, strlen(name));
	} else {
		struct tt_buf b = TT_BUF_INIT;
		tt_buf_adds(&b, CONFIG_PREFIX);
		tt_buf_adds(&b, name);
		e = tt_strmap_findn(&kc->index, b.buf, b.len);
		tt_buf_free(&b);
	}
	return e ? &kc->syms[(uintptr_t)e->val - 1] : NULL;
}

enum tt_kconfig_state tt_kconfig_state(const struct tt_kconfig *kc, const char *name)
{
	const struct kc_sym *s = kc_find(kc, name);
	return s ? s->state : TT_KCONFIG_ABSENT;
}

const char *tt_kconfig_get(const struct tt_kconfig *kc, const char *name)
{
	const struct kc_sym *s = kc_find(kc, name);
	return s ? s->value : NULL;
}

size_t tt_kconfig_count(const struct tt_kconfig *kc)
{
	return kc ? kc->n : 0;
}

const char *tt_kconfig_name_at(const struct tt_kconfig *kc, size_t i, const char **value)
{
	if (!kc || i >= kc->n)
		return NULL;
	if (value)
		*value = kc->syms[i].value;
	return kc->syms[i].name;
}
