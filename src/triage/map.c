// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A string-keyed open-addressing hash map: profile file sets are looked up
 * once per CVE file per scan, so lookups must cost a hash and a compare,
 * not a search through 20,000 paths.
 */
#include <string.h>

#include "triage_internal.h"

static uint64_t hash_str(const char *s, size_t n)
{
	/* FNV-1a: short keys, no adversary (paths come from the user's own trees). */
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void grow(struct tri_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct tri_map_slot *slots = tt_xcalloc(cap, sizeof(*slots));
	for (size_t i = 0; i < m->cap; i++) {
		struct tri_map_slot *o = &m->slots[i];
		if (!o->key)
			continue;
		size_t j = o->hash & (cap - 1);
		while (slots[j].key)
			j = (j + 1) & (cap - 1);
		slots[j] = *o;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

static struct tri_map_slot *find_slot(const struct tri_map *m, const char *key, size_t n,
				      uint64_t h)
{
	if (!m->cap)
		return NULL;
	for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		struct tri_map_slot *s = &m->slots[j];
		if (!s->key)
			return s;
		if (s->hash == h && strncmp(s->key, key, n) == 0 && s->key[n] == '\0')
			return s;
	}
}

void tri_map_reserve(struct tri_map *m, size_t n)
{
	while ((n + 1) * 4 >= m->cap * 3)
		grow(m);
}

bool tri_map_put(struct tri_map *m, const char *key, size_t value)
{
	if ((m->n + 1) * 4 >= m->cap * 3)
		grow(m);
	size_t n = strlen(key);
	uint64_t h = hash_str(key, n);
	struct tri_map_slot *s = find_slot(m, key, n, h);
	if (s->key)
		return false;
	s->key = m->borrowed ? (char *)key : tt_xstrdup(key);
	s->hash = h;
	s->value = value;
	m->n++;
	return true;
}

bool tri_map_getn(const struct tri_map *m, const char *key, size_t n, size_t *value)
{
	struct tri_map_slot *s = find_slot(m, key, n, hash_str(key, n));
	if (!s || !s->key)
		return false;
	if (value)
		*value = s->value;
	return true;
}

bool tri_map_get(const struct tri_map *m, const char *key, size_t *value)
{
	return tri_map_getn(m, key, strlen(key), value);
}

void tri_map_free(struct tri_map *m)
{
	bool borrowed = m->borrowed;
	for (size_t i = 0; !borrowed && i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
	m->borrowed = borrowed;
}
