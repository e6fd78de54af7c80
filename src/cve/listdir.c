// SPDX-License-Identifier: GPL-2.0-or-later
/* List a vulns.git year directory: which CVE ids it holds and which of their files exist. */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "cve_internal.h"

struct item {
	struct tt_cve_dir_entry e;
	unsigned long long year, num;
};

static const struct {
	const char *ext;
	unsigned bit;
} kinds[] = {
    {".json", TT_CVE_HAS_JSON},		  {".dyad", TT_CVE_HAS_DYAD},
    {".sha1", TT_CVE_HAS_SHA1},		  {".vulnerable", TT_CVE_HAS_VULNERABLE},
    {".message", TT_CVE_HAS_MESSAGE},	  {".cvss", TT_CVE_HAS_CVSS},
    {".reference", TT_CVE_HAS_REFERENCE},
};

unsigned tt_cve_file_bit(const char *ext)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(ext, kinds[i].ext) == 0)
			return kinds[i].bit;
	return 0; /* the bare id file, .mbox, editor leftovers: not ours to read */
}

/* "CVE-2024-26581.dyad" -> the item for CVE-2024-26581 with TT_CVE_HAS_DYAD; false otherwise. */
static bool parse_name(const char *name, struct item *it)
{
	const char *dot = strchr(name, '.');
	size_t n = dot ? (size_t)(dot - name) : strlen(name);
	if (!dot || n >= TT_CVE_ID_MAX)
		return false;
	memcpy(it->e.id, name, n);
	it->e.id[n] = '\0';
	it->e.files = tt_cve_file_bit(dot);
	if (!it->e.files || !tt_cve_id_valid(it->e.id))
		return false;
	it->year = strtoull(it->e.id + 4, NULL, 10);
	it->num = strtoull(it->e.id + 9, NULL, 10);
	return true;
}

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->year != y->year)
		return x->year < y->year ? -1 : 1;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	/* Equal numbers with different spellings ("CVE-2024-01234"): keep them apart. */
	return strcmp(x->e.id, y->e.id);
}

static int read_items(const char *dir, struct item **items, size_t *n, struct tt_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return tt_error_set(err, -errno, "cannot open directory %s: %s", dir,
				    strerror(errno));
	size_t cap = 0;
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		struct item it;
		if (!parse_name(de->d_name, &it))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*items = tt_xrealloc(*items, cap * sizeof(**items));
		}
		(*items)[(*n)++] = it;
	}
	int e = errno;
	closedir(d);
	if (e)
		return tt_error_set(err, -e, "cannot list %s: %s", dir, strerror(e));
	return 0;
}

int tt_cve_list_dir(const char *dir, struct tt_cve_dir_entry **out, size_t *n,
		    const struct tt_diag_sink *diag, struct tt_error *err)
{
	struct item *items = NULL;
	size_t ni = 0;
	int r = read_items(dir, &items, &ni, err);
	if (r) {
		free(items);
		return r;
	}
	qsort(items, ni, sizeof(*items), cmp_item);
	struct tt_cve_dir_entry *res = tt_xmalloc((ni ? ni : 1) * sizeof(*res));
	size_t m = 0;
	for (size_t i = 0; i < ni;) {
		struct tt_cve_dir_entry e = items[i].e;
		for (i++; i < ni && strcmp(items[i].e.id, e.id) == 0; i++)
			e.files |= items[i].e.files;
		if (e.files & TT_CVE_HAS_JSON)
			res[m++] = e;
		else
			tt_diag_warn(diag, dir, 0, "%s has files but no .json; skipped", e.id);
	}
	free(items);
	*out = res;
	*n = m;
	return 0;
}
