// SPDX-License-Identifier: GPL-2.0-or-later
/* The SQLite driver: the embedded default backend. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "tuxtape/util.h"

/*
 * The page cache for reads (the server and dashboard keep a connection
 * open), and the smaller one during a bulk write: pages then reach the OS as
 * the transaction goes, where write_behind starts writing them, instead of
 * all at the commit, and 64 MiB of fresh memory is not faulted in for pages
 * written once. Full ingest of the vulns.git tip: the commit's fdatasync
 * 43 -> 8 ms, the whole sync 0.50 -> 0.46 s, an incremental one 0.37 -> 0.31 s.
 */
#define READ_CACHE_KIB 65536
#define BULK_CACHE_KIB 4096

struct sqlite_db {
	struct tt_db base;
	sqlite3 *h;
	int writeback_fd; /* the database file, read-only, during a bulk write; else -1 */
};

struct tt_db_stmt {
	sqlite3_stmt *st;
	sqlite3 *h;
};

static int sqlite_fail(sqlite3 *h, struct tt_error *err, const char *what)
{
	int rc = sqlite3_errcode(h);
	int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? -EBUSY : -EIO;
	if (rc == SQLITE_FULL)
		code = -ENOSPC;
	return tt_error_set(err, code, "SQLite %s: %s", what, sqlite3_errmsg(h));
}

static void sq_close(struct tt_db *db)
{
	struct sqlite_db *s = (struct sqlite_db *)db;
	if (s->writeback_fd >= 0)
		close(s->writeback_fd);
	sqlite3_close(s->h);
	free(s);
}

static void set_cache_kib(sqlite3 *h, int kib)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size=-%d", kib);
	/* A cache size is a tuning: if it cannot be set, the store works as before. */
	sqlite3_exec(h, sql, NULL, NULL, NULL);
}

static void sq_bulk_write(struct tt_db *db, bool on)
{
	struct sqlite_db *s = (struct sqlite_db *)db;
	set_cache_kib(s->h, on ? BULK_CACHE_KIB : READ_CACHE_KIB);
	if (s->writeback_fd >= 0) {
		close(s->writeback_fd);
		s->writeback_fd = -1;
	}
	/* "" for in-memory and temporary databases: nothing to write behind. */
	const char *path = sqlite3_db_filename(s->h, "main");
	if (on && path && *path)
		s->writeback_fd = open(path, O_RDONLY | O_CLOEXEC);
}

static void sq_write_behind(struct tt_db *db)
{
	struct sqlite_db *s = (struct sqlite_db *)db;
	/* Writeback belongs to the file, not to the descriptor: a read-only one starts it. */
	if (s->writeback_fd >= 0)
		sync_file_range(s->writeback_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static int sq_exec(struct tt_db *db, const char *sql, struct tt_error *err)
{
	struct sqlite_db *s = (struct sqlite_db *)db;
	if (sqlite3_exec(s->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(s->h, err, "statement failed");
	return 0;
}

static int sq_prepare(struct tt_db *db, const char *sql, struct tt_db_stmt **out,
		      struct tt_error *err)
{
	struct sqlite_db *s = (struct sqlite_db *)db;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(s->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return sqlite_fail(s->h, err, "cannot prepare a query");
	*out = tt_xmalloc(sizeof(**out));
	(*out)->st = st;
	(*out)->h = s->h;
	return 0;
}

/* Bulk ingest binds megabytes of text: bind in place instead of copying (see db.h). */
static int sq_bind_text(struct tt_db_stmt *st, int i, const char *v, size_t len)
{
	return sqlite3_bind_text64(st->st, i, v, len, SQLITE_STATIC, SQLITE_UTF8);
}

static int sq_bind_int64(struct tt_db_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st->st, i, v);
}

static int sq_bind_double(struct tt_db_stmt *st, int i, double v)
{
	return sqlite3_bind_double(st->st, i, v);
}

static int sq_bind_null(struct tt_db_stmt *st, int i)
{
	return sqlite3_bind_null(st->st, i);
}

static int sq_step(struct tt_db_stmt *st, struct tt_error *err)
{
	int rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return TT_DB_ROW;
	if (rc == SQLITE_DONE)
		return TT_DB_DONE;
	return sqlite_fail(st->h, err, "query failed");
}

static bool sq_column_is_null(struct tt_db_stmt *st, int i)
{
	return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}

static const char *sq_column_text(struct tt_db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st->st, i);
}

static int64_t sq_column_int64(struct tt_db_stmt *st, int i)
{
	return sqlite3_column_int64(st->st, i);
}

static double sq_column_double(struct tt_db_stmt *st, int i)
{
	return sqlite3_column_double(st->st, i);
}

static void sq_reset(struct tt_db_stmt *st)
{
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
}

static void sq_finalize(struct tt_db_stmt *st)
{
	sqlite3_finalize(st->st);
	free(st);
}

static const struct tt_db_ops sqlite_ops = {
    .name = "sqlite",
    .without_rowid = "WITHOUT ROWID",
    .binary_collation = "",
    .glob_op = "GLOB",
    .glob_pattern = NULL,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_text = sq_bind_text,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .column_is_null = sq_column_is_null,
    .column_text = sq_column_text,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .bulk_write = sq_bulk_write,
    .write_behind = sq_write_behind,
};

int tt_db_open_sqlite(const char *path, struct tt_db **out, struct tt_error *err)
{
	sqlite3 *h;
	/* One connection per thread of use: SQLite's own locking would only cost. */
	int rc = sqlite3_open_v2(
	    path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int r = tt_error_set(err, -EIO, "cannot open the SQLite store %s: %s", path,
				     h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return r;
	}
	/* Another tuxtape process may hold the write lock briefly (e.g. enrich during sync). */
	sqlite3_busy_timeout(h, 10000);
	/*
	 * A rollback journal rather than WAL: a full ingest writes ~100 MB in one
	 * transaction, and WAL writes every page twice (log, then checkpoint),
	 * which measured 3x slower here. Readers wait out a write with the busy
	 * timeout. 16 KiB pages (new stores only) suit rows of several KiB.
	 * synchronous=NORMAL keeps the store consistent across crashes.
	 */
	const char *pragmas = "PRAGMA page_size=16384; PRAGMA synchronous=NORMAL;"
			      "PRAGMA temp_store=MEMORY;";
	/*
	 * A store the fleet server keeps in WAL mode stays in it: leaving WAL
	 * needs the database to itself, so forcing TRUNCATE would fail (locked)
	 * whenever the server or another of its connections has it open.
	 */
	bool wal = false;
	sqlite3_stmt *mode;
	if (sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &mode, NULL) == SQLITE_OK) {
		if (sqlite3_step(mode) == SQLITE_ROW)
			wal = sqlite3_strnicmp((const char *)sqlite3_column_text(mode, 0), "wal",
					       3) == 0;
		sqlite3_finalize(mode);
	}
	if (sqlite3_exec(h, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
	    (!wal &&
	     sqlite3_exec(h, "PRAGMA journal_mode=TRUNCATE", NULL, NULL, NULL) != SQLITE_OK)) {
		int r = sqlite_fail(h, err, "cannot configure the store");
		tt_error_prefix(err, "%s: ", path);
		sqlite3_close(h);
		return r;
	}
	set_cache_kib(h, READ_CACHE_KIB);
	struct sqlite_db *db = tt_xcalloc(1, sizeof(*db));
	db->base.ops = &sqlite_ops;
	db->h = h;
	db->writeback_fd = -1;
	*out = &db->base;
	return 0;
}
