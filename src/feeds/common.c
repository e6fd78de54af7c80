// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "feeds-internal.h"

int tt_feeds_json_load(const char *text, size_t len, const char *file, const char *what,
		       json_t **out, struct tt_error *err)
{
	json_error_t jerr;
	/* Feeds are written by others; a duplicate key is their problem, not a reason to refuse. */
	json_t *root = json_loadb(text, len, 0, &jerr);
	if (!root)
		return tt_error_set(err, -EBADMSG,
				    "%s: not valid JSON, so not a %s (line %d, column %d: %s)",
				    TT_FEEDS_FILE(file), what, jerr.line, jerr.column, jerr.text);
	*out = root;
	return 0;
}

const char *tt_feeds_jstr(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *tt_feeds_jstr_warn(const json_t *obj, const char *key, const struct tt_diag_sink *diag,
			       const char *file, const char *where)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	tt_diag_warn(diag, file, 0, "%s: \"%s\" is not a string; ignored", where, key);
	return NULL;
}

bool tt_feeds_is_cve_id(const char *s)
{
	if (!s || strncmp(s, "CVE-", 4) != 0)
		return false;
	s += 4;
	for (int i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	if (s[4] != '-')
		return false;
	s += 5;
	size_t n = 0;
	while (isdigit((unsigned char)s[n]))
		n++;
	/* Sequence numbers have 4 to 19 digits by the CVE id syntax. */
	return n >= 4 && n <= 19 && s[n] == '\0';
}

void tt_feeds_copy(char *dst, size_t n, const char *src)
{
	if (!n)
		return;
	size_t len = src ? strnlen(src, n - 1) : 0;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

int64_t tt_feeds_time(const char *s)
{
	int64_t t;
	if (!s || tt_parse_iso8601(s, &t) != 0)
		return 0;
	return t;
}

int tt_feeds_cb_result(int rc, const char *cve_id, struct tt_error *err)
{
	if (rc >= 0)
		return rc;
	if (!err || err->code != rc)
		tt_error_set(err, rc, "stopped by the callback at %s: %s", cve_id ? cve_id : "?",
			     strerror(-rc));
	return rc;
}

void tt_feeds_strs_push(struct tt_feeds_strs *s, const char *str)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = tt_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = str;
}

void tt_feeds_strs_push_unique(struct tt_feeds_strs *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return;
	tt_feeds_strs_push(s, str);
}

void tt_feeds_strs_free(struct tt_feeds_strs *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
