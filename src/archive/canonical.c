// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Canonical JSON as TUF signs it (spec section 4.2, after OLPC): the signature
 * covers these bytes, never the bytes received, so two encoders must agree
 * exactly: keys sorted by bytes, no insignificant whitespace, strings with
 * only '"' and '\\' escaped, integers only.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "tuxtape/archive.h"

static void add_string(struct tt_buf *out, const char *s, size_t n)
{
	tt_buf_addc(out, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			tt_buf_addc(out, '\\');
		tt_buf_addc(out, s[i]);
	}
	tt_buf_addc(out, '"');
}

static int cmp_keys(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: UTF-8 byte order is code point order. */
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int add_value(const json_t *v, struct tt_buf *out, int depth, struct tt_error *err);

static int add_object(const json_t *v, struct tt_buf *out, int depth, struct tt_error *err)
{
	size_t n = json_object_size(v), i = 0;
	const char **keys = tt_xcalloc(n ? n : 1, sizeof(*keys));
	const char *k;
	const json_t *m;
	json_object_foreach((json_t *)v, k, m) keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_keys);
	tt_buf_addc(out, '{');
	int r = 0;
	for (i = 0; i < n && !r; i++) {
		if (i)
			tt_buf_addc(out, ',');
		add_string(out, keys[i], strlen(keys[i]));
		tt_buf_addc(out, ':');
		r = add_value(json_object_get(v, keys[i]), out, depth + 1, err);
	}
	tt_buf_addc(out, '}');
	free(keys);
	return r;
}

static int add_value(const json_t *v, struct tt_buf *out, int depth, struct tt_error *err)
{
	/* Parsed input is bounded by jansson's own depth limit; this guards built trees. */
	if (depth > 2048)
		return tt_error_set(err, -ELOOP, "canonical JSON: nesting deeper than 2048");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return add_object(v, out, depth, err);
	case JSON_ARRAY: {
		tt_buf_addc(out, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				tt_buf_addc(out, ',');
			int r = add_value(json_array_get(v, i), out, depth + 1, err);
			if (r)
				return r;
		}
		tt_buf_addc(out, ']');
		return 0;
	}
	case JSON_STRING:
		add_string(out, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		tt_buf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	case JSON_TRUE:
		tt_buf_adds(out, "true");
		return 0;
	case JSON_FALSE:
		tt_buf_adds(out, "false");
		return 0;
	case JSON_NULL:
		tt_buf_adds(out, "null");
		return 0;
	case JSON_REAL:
	default:
		return tt_error_set(err, -EINVAL, "canonical JSON has no real numbers (found %g)",
				    json_real_value(v));
	}
}

int tt_tuf_canonical(const json_t *v, struct tt_buf *out, struct tt_error *err)
{
	if (!v)
		return tt_error_set(err, -EINVAL, "canonical JSON of nothing");
	size_t start = out->len;
	int r = add_value(v, out, 0, err);
	if (r) {
		out->len = start;
		if (out->buf)
			out->buf[start] = '\0';
	}
	return r;
}
