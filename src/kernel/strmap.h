/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A string-keyed open-addressing hash map private to the kernel module:
 * .config symbols, make variables and file sets are all looked up by name,
 * thousands of times per directory, so a linear scan is not an option.
 */
#ifndef TT_KERNEL_STRMAP_H
#define TT_KERNEL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tt_strmap_entry {
	char *key; /* NULL: empty slot */
	void *val;
	uint64_t hash;
};

struct tt_strmap {
	struct tt_strmap_entry *e;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

#define TT_STRMAP_INIT                                                                             \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

uint64_t tt_strmap_hash(const char *key, size_t len);
/* Lookup by a key that need not be NUL-terminated; NULL when absent. */
struct tt_strmap_entry *tt_strmap_findn(const struct tt_strmap *m, const char *key, size_t len);
void *tt_strmap_get(const struct tt_strmap *m, const char *key);
bool tt_strmap_has(const struct tt_strmap *m, const char *key);
/*
 * The entry for key, inserted (with a copy of the key and val NULL) when
 * absent; *created says which. The pointer is valid until the next insert.
 */
struct tt_strmap_entry *tt_strmap_upsertn(struct tt_strmap *m, const char *key, size_t len,
					  bool *created);
struct tt_strmap_entry *tt_strmap_upsert(struct tt_strmap *m, const char *key, bool *created);
/* Free keys, and values with free_val when non-NULL. */
void tt_strmap_free(struct tt_strmap *m, void (*free_val)(void *));

#endif
