/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/store: the store object and its cache of prepared statements. */
#ifndef TT_STORE_INTERNAL_H
#define TT_STORE_INTERNAL_H

#include "db.h"
#include "tuxtape/store.h"

enum tt_stmt_id {
	ST_META_GET,
	ST_META_SET,
	ST_CVE_STATE,
	ST_CVE_STORED,
	ST_CVE_INSERT,
	ST_CVE_DELETE,
	ST_FILE_INSERT,
	ST_FILE_DELETE,
	ST_DYAD_INSERT,
	ST_DYAD_DELETE,
	ST_BLOCK_INSERT,
	ST_BLOCK_DELETE,
	ST_FIRST_SEEN,
	ST_KEV_PUT,
	ST_SSVC_PUT,
	ST_EPSS_PUT,
	ST_NVD_PUT,
	ST_FEED_LOADED,
	ST__COUNT
};

struct tt_store {
	struct tt_db *db;
	char *location;
	bool in_tx;
	/*
	 * The open transaction is a caller's that the pipeline's writes may join
	 * (the server commits a job's change with its audit entry); tx_joined
	 * counts the pipeline calls inside it, which neither commit nor roll back.
	 */
	bool tx_joinable;
	int tx_joined;
	struct tt_db_stmt *stmts[ST__COUNT];
};

/* The prepared statement for id, prepared on first use and kept until close. */
int tt_store_stmt(struct tt_store *s, enum tt_stmt_id id, struct tt_db_stmt **out,
		  struct tt_error *err);

#endif
