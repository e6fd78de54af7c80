/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal: the small SQL driver the store is written against. The store's
 * queries are portable SQL with '?' placeholders; each backend (SQLite, the
 * default, and PostgreSQL) implements these operations, so the schema,
 * queries and behaviour stay one piece of code. Where the engines spell a
 * thing differently, the driver names its spelling (the dialect fields).
 */
#ifndef TT_STORE_DB_H
#define TT_STORE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "tuxtape/error.h"

struct tt_db;
struct tt_db_stmt;

enum tt_db_step { TT_DB_ROW = 1, TT_DB_DONE = 0 };

struct tt_db_ops {
	const char *name;
	/* Table suffix for clustered primary keys ("WITHOUT ROWID" in SQLite, "" elsewhere). */
	const char *without_rowid;
	/*
	 * Column suffix for text compared or sorted in byte order, as the C code
	 * merging sorted lists expects: SQLite's default ("") and COLLATE "C" in
	 * PostgreSQL, whose default follows the database's locale.
	 */
	const char *binary_collation;
	/* The operator matching a text against a shell glob (SQLite's GLOB). */
	const char *glob_op;
	/* The glob rewritten as glob_op's right operand (malloc'd); NULL: bound as is. */
	char *(*glob_pattern)(const char *glob);
	void (*close)(struct tt_db *db);
	int (*exec)(struct tt_db *db, const char *sql, struct tt_error *err);
	int (*prepare)(struct tt_db *db, const char *sql, struct tt_db_stmt **out,
		       struct tt_error *err);
	int (*bind_text)(struct tt_db_stmt *st, int i, const char *v, size_t len);
	int (*bind_int64)(struct tt_db_stmt *st, int i, int64_t v);
	int (*bind_double)(struct tt_db_stmt *st, int i, double v);
	int (*bind_null)(struct tt_db_stmt *st, int i);
	/* Returns TT_DB_ROW, TT_DB_DONE or a negative code with err set. */
	int (*step)(struct tt_db_stmt *st, struct tt_error *err);
	bool (*column_is_null)(struct tt_db_stmt *st, int i);
	const char *(*column_text)(struct tt_db_stmt *st, int i); /* NULL for NULL */
	int64_t (*column_int64)(struct tt_db_stmt *st, int i);
	double (*column_double)(struct tt_db_stmt *st, int i);
	void (*reset)(struct tt_db_stmt *st);
	void (*finalize)(struct tt_db_stmt *st);
	/*
	 * Optional (NULL: nothing to do). bulk_write: a transaction writing much
	 * begins (on) or ended (off); the engine may trade read cache for writing
	 * as it goes. write_behind: have the OS start writing out what the open
	 * transaction wrote so far, so its commit waits less; a hint that changes
	 * nothing about durability, which stays the commit's.
	 */
	void (*bulk_write)(struct tt_db *db, bool on);
	void (*write_behind)(struct tt_db *db);
};

struct tt_db {
	const struct tt_db_ops *ops;
};

int tt_db_open_sqlite(const char *path, struct tt_db **out, struct tt_error *err);
/* url: a libpq connection URI (postgresql://user@host:port/db?options). */
int tt_db_open_pg(const char *url, struct tt_db **out, struct tt_error *err);
/* The URL with its password, if any, replaced by "***" (malloc'd). */
char *tt_db_pg_redact(const char *url);

/*
 * Convenience wrappers. Binding NULL strings binds SQL NULL. Bound text is
 * not copied: it must stay valid until the statement is stepped and reset.
 */
int tt_db_exec(struct tt_db *db, const char *sql, struct tt_error *err);
int tt_db_prepare(struct tt_db *db, const char *sql, struct tt_db_stmt **out, struct tt_error *err);
void tt_db_bind_text(struct tt_db *db, struct tt_db_stmt *st, int i, const char *v);
/* The same with the length known (no strlen over large texts). */
void tt_db_bind_textn(struct tt_db *db, struct tt_db_stmt *st, int i, const char *v, size_t len);
void tt_db_bind_int64(struct tt_db *db, struct tt_db_stmt *st, int i, int64_t v);
void tt_db_bind_double(struct tt_db *db, struct tt_db_stmt *st, int i, double v);
/*
 * Bind a shell glob as the right operand of db->ops->glob_op. *owned
 * receives what must outlive the statement's step (free it after; NULL when
 * the glob itself is bound).
 */
void tt_db_bind_glob(struct tt_db *db, struct tt_db_stmt *st, int i, const char *glob,
		     char **owned);
/* Binds NULL when v < 0 (the store's "unknown" for scores). */
void tt_db_bind_score(struct tt_db *db, struct tt_db_stmt *st, int i, double v);
int tt_db_step(struct tt_db *db, struct tt_db_stmt *st, struct tt_error *err);
/* Step a statement that returns no rows, then reset it for reuse. */
int tt_db_run(struct tt_db *db, struct tt_db_stmt *st, struct tt_error *err);
const char *tt_db_text(struct tt_db *db, struct tt_db_stmt *st, int i);
int64_t tt_db_int64(struct tt_db *db, struct tt_db_stmt *st, int i);
/* Returns -1.0 for NULL (scores are never negative). */
double tt_db_score(struct tt_db *db, struct tt_db_stmt *st, int i);
void tt_db_reset(struct tt_db *db, struct tt_db_stmt *st);
void tt_db_finalize(struct tt_db *db, struct tt_db_stmt *st);

#endif
