/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/store: the store object and its cache of prepared statements. */
#ifndef TT_STORE_INTERNAL_H
#define TT_STORE_INTERNAL_H

#include "db.h"
#include "tuxtape/store.h"
#include "tuxtape/util.h"

enum tt_stmt_id {
	ST_META_GET,
	ST_META_SET,
	ST_CVE_STATE,
	ST_CVE_STORED,
	ST_CVE_INSERT,
	ST_CVE_DELETE,
	ST_FILE_INSERT,
	ST_FILE_DELETE,
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

/* A dyad pair's stable branch ("6.1"), as tt_dyad_branch() names it. */
#define TT_STORE_BRANCH_MAX 32

/*
 * A CVE's dyad pairs as the cve row keeps them (column dyads): one line per
 * pair, in .dyad order, "vuln_version TAB vuln_commit TAB fix_version TAB
 * fix_commit", an empty field for a NULL one (none is ever ""). Appended to out.
 */
void tt_store_dyads_text(const struct tt_dyad *pairs, size_t n, struct tt_buf *out);
/* Column dyad_branches: the pairs' branches, distinct, in pair order, comma-joined. */
void tt_store_dyad_branches_text(const char (*branches)[TT_STORE_BRANCH_MAX], size_t n,
				 struct tt_buf *out);
/*
 * The pairs back from a dyads text: *pairs (the caller frees them with
 * tt_dyads_free) and their count. Lines that are
 * not four fields are skipped: the store only holds what it wrote.
 */
void tt_store_dyads_parse(const char *text, struct tt_dyad **pairs, size_t *n);

/* The prepared statement for id, prepared on first use and kept until close. */
int tt_store_stmt(struct tt_store *s, enum tt_stmt_id id, struct tt_db_stmt **out,
		  struct tt_error *err);

#endif
