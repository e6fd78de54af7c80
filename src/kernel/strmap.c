// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "tuxtape/util.h"
#include "strmap.h"

/* FNV-1a: short keys (symbol and variable names), good enough spread, no state. */
uint64_t tt_strmap_hash(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool key_eq(const struct tt_strmap_entry *e, uint64_t h, const char *key, size_t len)
{
	return e->hash == h && strncmp(e->key, key, len) == 0 && e->key[len] == '\0';
}

struct tt_strmap_entry *tt_strmap_findn(const struct tt_strmap *m, const char *key, size_t len)
{
	if (!m->cap)
		return NULL;
	uint64_t h = tt_strmap_hash(key, len);
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct tt_strmap_entry *e = &m->e[i];
		if (!e->key)
			return NULL;
		if (key_eq(e, h, key, len))
			return e;
	}
}

void *tt_strmap_get(const struct tt_strmap *m, const char *key)
{
	struct tt_strmap_entry *e = tt_strmap_findn(m, key, strlen(key));
	return e ? e->val : NULL;
}

bool tt_strmap_has(const struct tt_strmap *m, const char *key)
{
	return tt_strmap_findn(m, key, strlen(key)) != NULL;
}

static void rehash(struct tt_strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct tt_strmap_entry *ne = tt_xcalloc(ncap, sizeof(*ne));
	for (size_t i = 0; i < m->cap; i++) {
		struct tt_strmap_entry *e = &m->e[i];
		if (!e->key)
			continue;
		size_t j = e->hash & (ncap - 1);
		while (ne[j].key)
			j = (j + 1) & (ncap - 1);
		ne[j] = *e;
	}
	free(m->e);
	m->e = ne;
	m->cap = ncap;
}

struct tt_strmap_entry *tt_strmap_upsertn(struct tt_strmap *m, const char *key, size_t len,
					  bool *created)
{
	/* Keep the load factor under 1/2 so probe chains stay short. */
	if ((m->n + 1) * 2 > m->cap)
		rehash(m);
	uint64_t h = tt_strmap_hash(key, len);
	size_t mask = m->cap - 1;
	size_t i = h & mask;
	for (; m->e[i].key; i = (i + 1) & mask) {
		if (key_eq(&m->e[i], h, key, len)) {
			if (created)
				*created = false;
			return &m->e[i];
		}
	}
	m->e[i].key = tt_xstrndup(key, len);
	m->e[i].hash = h;
	m->e[i].val = NULL;
	m->n++;
	if (created)
		*created = true;
	return &m->e[i];
}

struct tt_strmap_entry *tt_strmap_upsert(struct tt_strmap *m, const char *key, bool *created)
{
	return tt_strmap_upsertn(m, key, strlen(key), created);
}

void tt_strmap_free(struct tt_strmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->e[i].key)
			continue;
		free(m->e[i].key);
		if (free_val)
			free_val(m->e[i].val);
	}
	free(m->e);
	m->e = NULL;
	m->cap = m->n = 0;
}
