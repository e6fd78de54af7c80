// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "feeds-internal.h"

static const char *const kind_names[] = {
    [TT_FEED_UNKNOWN] = "unknown", [TT_FEED_KEV] = "kev", [TT_FEED_VULNRICHMENT] = "vulnrichment",
    [TT_FEED_EPSS] = "epss",	   [TT_FEED_NVD] = "nvd",
};

const char *tt_feed_kind_name(enum tt_feed_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "unknown";
	return kind_names[kind];
}

int tt_feed_kind_from_name(const char *name, enum tt_feed_kind *out)
{
	for (size_t i = TT_FEED_KEV; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcasecmp(name, kind_names[i]) == 0) {
			*out = (enum tt_feed_kind)i;
			return 0;
		}
	}
	if (strcasecmp(name, "ssvc") == 0) {
		*out = TT_FEED_VULNRICHMENT;
		return 0;
	}
	return -EINVAL;
}

/*
 * JSON object keys that only one feed uses. Matching `"key"` followed by `:`
 * cannot hit inside a string value, where the quotes would be escaped.
 */
static const struct {
	const char *key;
	enum tt_feed_kind kind;
} json_markers[] = {
    {"catalogVersion", TT_FEED_KEV},
    {"cveID", TT_FEED_KEV},
    {"knownRansomwareCampaignUse", TT_FEED_KEV},
    {"cveMetadata", TT_FEED_VULNRICHMENT},
    {"dataType", TT_FEED_VULNRICHMENT},
    {"dataVersion", TT_FEED_VULNRICHMENT},
    {"resultsPerPage", TT_FEED_NVD},
    {"totalResults", TT_FEED_NVD},
    {"cve_items", TT_FEED_NVD},
    {"feed_name", TT_FEED_NVD},
    {"vulnStatus", TT_FEED_NVD},
    {"sourceIdentifier", TT_FEED_NVD},
};

/* Offset of the first `"key"\s*:` in text, or len when absent. */
static size_t key_offset(const char *text, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *p = text, *end = text + len;
	while ((p = memmem(p, (size_t)(end - p), key, klen)) != NULL) {
		const char *q = p + klen;
		if (p > text && p[-1] == '"' && q < end && *q == '"') {
			for (q++; q < end && isspace((unsigned char)*q); q++)
				;
			if (q < end && *q == ':')
				return (size_t)(p - text);
		}
		p++;
	}
	return len;
}

/* The kind whose marker key comes first: top-level keys precede nested ones. */
static enum tt_feed_kind detect_json(const char *text, size_t len)
{
	enum tt_feed_kind best = TT_FEED_UNKNOWN;
	size_t best_off = len;
	for (size_t i = 0; i < sizeof(json_markers) / sizeof(json_markers[0]); i++) {
		size_t off = key_offset(text, len, json_markers[i].key);
		if (off < best_off) {
			best_off = off;
			best = json_markers[i].kind;
		}
	}
	return best;
}

static bool starts_with_ci(const char *p, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && strncasecmp(p, prefix, n) == 0;
}

static enum tt_feed_kind detect_text(const char *text, size_t len)
{
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	while (len && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	if (starts_with_ci(text, len, "#model_version") || starts_with_ci(text, len, "cve,epss"))
		return TT_FEED_EPSS;
	if (len && (*text == '{' || *text == '['))
		return detect_json(text, len);
	return TT_FEED_UNKNOWN;
}

static int sniff_sink(void *ctx, const char *chunk, size_t n)
{
	struct tt_buf *b = ctx;
	size_t room = TT_FEEDS_SNIFF_BYTES - b->len;
	tt_buf_add(b, chunk, n < room ? n : room);
	/* Enough to look at: stop inflating (any positive value ends the stream quietly). */
	return b->len >= TT_FEEDS_SNIFF_BYTES ? 1 : 0;
}

enum tt_feed_kind tt_feed_detect(const char *data, size_t len)
{
	if (!data)
		return TT_FEED_UNKNOWN;
	if (!tt_feeds_is_gzip(data, len))
		return detect_text(data, len < TT_FEEDS_SNIFF_BYTES ? len : TT_FEEDS_SNIFF_BYTES);
	struct tt_buf b = TT_BUF_INIT;
	/* A truncated or corrupt tail does not matter for a guess; use what inflated. */
	tt_feeds_gunzip_stream(data, len, NULL, sniff_sink, &b, NULL);
	enum tt_feed_kind kind = detect_text(tt_buf_str(&b), b.len);
	tt_buf_free(&b);
	return kind;
}
