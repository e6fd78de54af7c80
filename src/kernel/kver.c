// SPDX-License-Identifier: GPL-2.0-or-later
/* Upstream kernel version algebra: parse, order, branches, the CNA range rule. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tuxtape/kernel.h"

/* Nine digits keep every component inside uint32_t without overflow checks. */
#define KVER_MAX_DIGITS 9

static const char *parse_number(const char *s, uint32_t *out)
{
	if (!isdigit((unsigned char)*s))
		return NULL;
	uint32_t v = 0;
	int n = 0;
	while (isdigit((unsigned char)*s)) {
		if (++n > KVER_MAX_DIGITS)
			return NULL;
		v = v * 10 + (uint32_t)(*s++ - '0');
	}
	*out = v;
	return s;
}

/* "-rcN" right after the numeric part; returns NULL when s does not start with one. */
static const char *parse_rc(const char *s, uint32_t *rc)
{
	if (strncmp(s, "-rc", 3) != 0)
		return NULL;
	const char *p = parse_number(s + 3, rc);
	if (!p || *rc == 0)
		return NULL;
	return p;
}

int tt_kver_parse_prefix(const char *s, struct tt_kver *out, const char **end)
{
	memset(out, 0, sizeof(*out));
	const char *p = s;
	while (*p == ' ' || *p == '\t')
		p++;
	for (;;) {
		const char *q = parse_number(p, &out->part[out->n_parts]);
		if (!q)
			break;
		out->n_parts++;
		p = q;
		if (out->n_parts == TT_KVER_MAX_PARTS || p[0] != '.' ||
		    !isdigit((unsigned char)p[1]))
			break;
		p++;
	}
	/* A lone "6" is a number, not a kernel version. */
	if (out->n_parts < 2) {
		memset(out, 0, sizeof(*out));
		if (end)
			*end = s;
		return -EINVAL;
	}
	const char *q = parse_rc(p, &out->rc);
	if (q)
		p = q;
	if (end)
		*end = p;
	return 0;
}

int tt_kver_parse(const char *s, struct tt_kver *out, struct tt_error *err)
{
	const char *end;
	if (!s || tt_kver_parse_prefix(s, out, &end) < 0)
		return tt_error_set(err, -EINVAL, "not a kernel version: '%s'", s ? s : "(null)");
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end) {
		memset(out, 0, sizeof(*out));
		return tt_error_set(err, -EINVAL, "not a kernel version: '%s'", s);
	}
	return 0;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

int tt_kver_cmp(const struct tt_kver *a, const struct tt_kver *b)
{
	for (int i = 0; i < TT_KVER_MAX_PARTS; i++) {
		int c = cmp_u32(a->part[i], b->part[i]);
		if (c)
			return c;
	}
	/* A release (rc 0) sorts after all of its release candidates. */
	uint32_t ra = a->rc ? a->rc : UINT32_MAX;
	uint32_t rb = b->rc ? b->rc : UINT32_MAX;
	return cmp_u32(ra, rb);
}

/* 2.6 kernels kept the "stable" number in the third component (2.6.39.4). */
static int branch_len(const struct tt_kver *v)
{
	return v->part[0] == 2 && v->part[1] == 6 ? 3 : 2;
}

void tt_kver_branch(const struct tt_kver *v, struct tt_kver *branch)
{
	int len = branch_len(v);
	memset(branch, 0, sizeof(*branch));
	for (int i = 0; i < len; i++)
		branch->part[i] = v->part[i];
	branch->n_parts = (uint8_t)len;
}

int tt_kver_branch_cmp(const struct tt_kver *a, const struct tt_kver *b)
{
	struct tt_kver ba, bb;
	tt_kver_branch(a, &ba);
	tt_kver_branch(b, &bb);
	return tt_kver_cmp(&ba, &bb);
}

bool tt_kver_same_branch(const struct tt_kver *a, const struct tt_kver *b)
{
	return tt_kver_branch_cmp(a, b) == 0;
}

bool tt_kver_is_mainline(const struct tt_kver *v)
{
	for (int i = branch_len(v); i < TT_KVER_MAX_PARTS; i++)
		if (v->part[i])
			return false;
	return true;
}

int tt_kver_format(const struct tt_kver *v, char *out, size_t n)
{
	int parts = v->n_parts < 2 ? 2 : v->n_parts;
	struct tt_buf b = TT_BUF_INIT;
	for (int i = 0; i < parts; i++)
		tt_buf_addf(&b, i ? ".%u" : "%u", v->part[i]);
	if (v->rc)
		tt_buf_addf(&b, "-rc%u", v->rc);
	int len = snprintf(out, n, "%s", tt_buf_str(&b));
	tt_buf_free(&b);
	return len;
}

int tt_kver_branch_format(const struct tt_kver *v, char *out, size_t n)
{
	struct tt_kver br;
	tt_kver_branch(v, &br);
	return tt_kver_format(&br, out, n);
}

/* The first release in git history: the CNA's "0" origin. */
static const struct tt_kver kver_origin = {{2, 6, 12, 0}, 3, 0};

static enum tt_kver_pair_verdict range_verdict(const struct tt_kver *v,
					       const struct tt_kver *introduced,
					       const struct tt_kver *fixed)
{
	if (tt_kver_cmp(v, introduced) < 0)
		return TT_KVER_PAIR_NOT_YET;
	if (fixed && tt_kver_cmp(v, fixed) >= 0)
		return TT_KVER_PAIR_FIXED;
	return TT_KVER_PAIR_AFFECTED;
}

enum tt_kver_pair_verdict tt_kver_pair_check(const struct tt_kver *v,
					     const struct tt_kver *introduced,
					     const struct tt_kver *fixed)
{
	const struct tt_kver *intro = introduced ? introduced : &kver_origin;
	/* The pair's own branch: where the fix landed, or where the bug did. */
	const struct tt_kver *anchor = fixed ? fixed : intro;
	int bc = tt_kver_branch_cmp(v, anchor);
	if (bc == 0)
		return range_verdict(v, intro, fixed);
	/*
	 * Mainline is one line of descent: a fix (or a bug) in mainline x.y is
	 * in every later branch too, and every earlier mainline release is an
	 * ancestor of the fix. A stable-only point release says nothing about
	 * other branches.
	 */
	if (tt_kver_is_mainline(anchor) && (bc > 0 || tt_kver_is_mainline(v)))
		return range_verdict(v, intro, fixed);
	return TT_KVER_PAIR_OTHER_BRANCH;
}
