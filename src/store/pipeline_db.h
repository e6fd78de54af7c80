/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to the pipeline's store files (pipeline_*.c): transactions and small reads. */
#ifndef TT_STORE_PIPELINE_DB_H
#define TT_STORE_PIPELINE_DB_H

#include "store_internal.h"
#include "tuxtape/pipeline.h"

bool tt_pipe_is_pg(const struct tt_store *s);
/*
 * Open a write transaction. SQLite takes its write lock at once (BEGIN
 * IMMEDIATE): a read-then-write transaction that upgrades later can fail
 * with SQLITE_BUSY where waiting would have worked. Inside a transaction
 * its owner marked joinable (tx_joinable) it opens nothing, and
 * tt_pipe_end leaves the commit or rollback to that owner.
 */
int tt_pipe_begin(struct tt_store *s, struct tt_error *err);
/* Commit when r is 0, roll back otherwise; returns the outcome. */
int tt_pipe_end(struct tt_store *s, int r, struct tt_error *err);
/* Prepare sql and bind texts (NULL-terminated list, may be NULL). */
int tt_pipe_prepare(struct tt_store *s, const char *sql, const char *const *texts,
		    struct tt_db_stmt **out, struct tt_error *err);
/* A malloc'd copy of column i, NULL for SQL NULL. */
char *tt_pipe_column_dup(struct tt_store *s, struct tt_db_stmt *st, int i);
/*
 * A copy of text fit for any backend's text column: invalid UTF-8 bytes
 * (old commits, build logs) become '?', and only the last max bytes are
 * kept when longer (0: no limit). Caller frees.
 */
char *tt_pipe_clean_text(const char *text, size_t max);
/* Lowercase hex SHA-256 of len bytes into out[65]. */
void tt_pipe_sha256_hex(const void *data, size_t len, char out[65]);

#endif
